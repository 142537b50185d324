"""Who did it, who said it, who holds the post: a claim must keep the source's actors.

"Sina bought a stake in Shanda" is not "Shanda bought a stake in Sina"; "Torvalds warned that…"
is not what Mitchell Kapor warned; "BT chief executive Adrian Hosford" is not "Adrian Hosford,
director of corporate responsibility at BT"; "put in motion by BT" is not "by Oftel". Each check
reads the names on either side of a verb, a speech verb or a post.
"""
from __future__ import annotations

import re

from index.sentences import split_sentences
from service.answer.binding import _COUNTRIES, _SPEAKER, _SPEECH_CLAIM, _names, _same
from service.facts.extract import DEMONYMS, mentions
from service.facts.words import content_words

_ROLE = (r"(chief executive|chief financial officer|chief operating officer|chairman|chairwoman|president|"
         r"secretary|director|minister|leader|spokesman|spokeswoman|boss|manager|coach|captain|mayor)")
_ROLE_THEN_NAME = re.compile(_ROLE + r"(?:\s+officer)?(?:\s+of\s+[A-Z][\w&'-]*(?:\s+[A-Z][\w&'-]*)*)?\)?,?\s+"
                             r"((?:[A-Z][\w'’-]+\s+){0,2}[A-Z][\w'’-]+)")
_NAME_THEN_ROLE = re.compile(r"((?:[A-Z][\w'’-]+\s+){0,2}[A-Z][\w'’-]+)(?:,[^,]{0,60},)?,?\s+"
                             r"(?:who (?:is|was) (?P<org>(?:[A-Z][\w&'’-]*\s+){0,3})|"  # "…, who is UKIP Scotland chairman"
                             r"is|was|has been|will be|as|will become|would become|becomes|became|to become|"
                             r"will take on the role of|took over as|takes over as|,)?\s*"
                             r"(?:the\s+|a\s+|its\s+|\w+'s\s+)?(?:new\s+|former\s+)?(?:group\s+)?" + _ROLE)


def _role_holders(text: str) -> dict[str, set[str]]:
    out: dict[str, set[str]] = {}
    for sentence in split_sentences(text):
        for m in _ROLE_THEN_NAME.finditer(sentence):
            out.setdefault(m[1].lower(), set()).add(m[2])
        for m in _NAME_THEN_ROLE.finditer(sentence):
            role = m.groups()[-1].lower()
            out.setdefault(role, set()).add(m[1])
            if m["org"]:  # "Peter Nielson, who is UKIP Scotland chairman": the post is his, and UKIP Scotland's
                out[role].add(m["org"].strip())
    return out


_ONE_ROLE = [{"spokesman", "spokeswoman"}, {"manager", "coach", "boss"}, {"secretary", "minister"}]


def _one_role(a: str, b: str) -> bool:
    """Words a paper uses for one post: the manager is the coach, the secretary the minister."""
    return any(a in g and b in g for g in _ONE_ROLE) or a in b or b in a


def roles_bound(claim: str, passage: str) -> tuple[bool, str | None]:
    """"Emil Haas is the chief executive" is not supported by "Union secretary Emil Haas said…
    Lumenix chief executive Anika Varga said…": the role belongs to the name beside it."""
    theirs = _role_holders(passage)
    for role, holders in _role_holders(claim).items():
        given = [h for h in theirs.get(role, set()) if _names(h)]
        for holder in holders:
            # The source gives the holder another role, and nobody this one: "Adrian Hosford,
            # director of corporate responsibility at BT" is not "BT chief executive Adrian Hosford".
            other = sorted(r for r, hs in theirs.items() if r != role and not _one_role(r, role)
                           and any(_same(h, holder) for h in hs if _names(h)))
            if other and not given and _names(holder) and not re.search(rf"\b{role}\b", passage, re.IGNORECASE):
                return False, f"the source gives {holder} as {other[0]}"
            if not _names(holder) or not given or any(_same(h, holder) or _same(holder, h) for h in given):
                continue
            if any(_same(h, n) for h in given for n in _names(holder)):
                continue
            return False, f"the source gives the {role} as {sorted(given)[0]}"
    return True, None


_DIRECTED = re.compile(
    r"\b(?P<verb>beat|beats|beating|defeated|defeats|overtook|overtaken|overtakes|bought|buys|acquired|acquires|"
    r"sued|sues|replaced|replaces|succeeded|succeeds|sacked|takeover of|acquisition of|purchase of|bid for|"
    r"offer for|directed|written|produced|won|founded|created|owned|run|led|coached|managed)\b(?P<passive>\s+by\b)?",
    re.IGNORECASE)
_VERB_CLASS = {"beat": "beat", "beats": "beat", "beating": "beat", "defeated": "beat", "defeats": "beat",
               "overtook": "overtake", "overtaken": "overtake", "overtakes": "overtake", "sued": "sue", "sues": "sue",
               "replaced": "replace", "replaces": "replace", "succeeded": "replace", "succeeds": "replace",
               "sacked": "sack", "directed": "direct", "written": "write", "produced": "produce", "won": "win",
               "founded": "found", "created": "found", "owned": "own", "run": "run", "led": "run",
               "coached": "coach", "managed": "coach"}
_ONLY_PASSIVE = {"directed", "written", "produced", "founded", "created", "owned", "run", "led", "coached", "managed"}


def _actions(text: str) -> list[tuple[str, str, str]]:
    """(doer, verb class, done-to) for directed verbs, from the nearest names on either side."""
    out = []
    for sentence in split_sentences(text):
        for m in _DIRECTED.finditer(sentence):
            before, after = _names(sentence[:m.start()]), _names(sentence[m.end():])
            # "Sina, China's biggest internet portal, has bought…": Sina bought, not China
            before = [n for n in before if n.lower() not in _COUNTRIES and n.lower() not in DEMONYMS] or before
            if not after:
                continue
            verb = m["verb"].lower()
            if verb in _ONLY_PASSIVE and not m["passive"]:
                continue  # "directed" alone is often an adjective; "directed by X" names who did it
            cls = _VERB_CLASS.get(verb, "buy")
            doer, target = (before or [""])[-1], after[0]  # no doer: "The company… acquisition of ISG"
            if m["passive"] or re.search(r"\b(?:was|were|been|being|is|are)\s+$", sentence[:m.start()]):
                if m["passive"]:
                    doer, target = target, doer
            if target:  # "Directed by Andrey Zvyagintsev, The Return won…": nobody on the receiving end
                out.append((doer, cls, target))
    return out


def direction_agrees(claim: str, passage: str) -> tuple[bool, str | None]:
    """"A beat B" is not supported by "B beat A", nor "A bought B" by "A bought C"."""
    theirs = _actions(passage)
    for doer, cls, target in _actions(claim):
        if not doer:
            continue
        if any(c == cls and _same(t, doer) for d, c, t in theirs) and not any(
                c == cls and _same(d, doer) for d, c, t in theirs):
            return False, f"the source has {doer} on the receiving end"
        same = [(d, t) for d, c, t in theirs if c == cls and d]
        if not same or any(_same(d, doer) and _same(t, target) for d, t in same):
            continue
        if any(_same(d, target) and _same(t, doer) for d, t in same):
            return False, f"who did what is reversed: the source has {target} → {doer}"
        if any(_same(d, doer) and not _same(t, target) for d, t in same) and not any(
                _same(t, target) for _, t in same):
            return False, f"the source has {doer} acting on someone else"
        if any(_same(t, target) and not _same(d, doer) for d, t in same) and not any(
                _same(d, doer) for d, _ in same):
            return False, f"the source has someone else than {doer} doing it"
    return True, None


_PRONOUN_SPEAKER = re.compile(r"\b(?:he|she) (?:said|says|told|added|warned|insisted)\b|\b(?:said|added) (?:he|she)\b",
                              re.IGNORECASE)


def _speakers(sentence: str) -> list[str]:
    return [n for n in _names(sentence) if _SPEAKER(n).search(sentence) or re.search(
        rf"[,\"”’]\s*(?:said|says|added|warned|explained)\s+{re.escape(n)}", sentence)]  # '"…," said Mr Howard'


def speaker_agrees(claim: str, passage: str) -> tuple[bool, str | None]:
    """"Linus Torvalds warned that Microsoft could use patent lawsuits" is not supported by
    "Mitchell Kapor, chairman of the Mozilla foundation, warned that Microsoft could…": the
    sentence saying it names its speaker, and that is someone else."""
    m = _SPEECH_CLAIM.search(claim)
    speaker = _names(m[1]) if m else []
    said = content_words(m[2]) if m else set()
    if not speaker or len(said) < 3:
        return True, None
    best, shared, previous = "", 1, ""
    sentences = split_sentences(passage)
    for i, sentence in enumerate(sentences):
        n = len(said & content_words(sentence))
        if n > shared:
            best, shared, previous = sentence, n, sentences[i - 1] if i else ""
    theirs = _speakers(best)
    if not theirs and _PRONOUN_SPEAKER.search(best):  # '…he told the BBC' after 'But Mr Howard said…'
        theirs = _speakers(previous)
    # A speaker the claim names too is the one quoted: "John Healey said Putin rejected a ceasefire"
    # from "Healey added: 'Putin said he wanted peace, but he rejected a full ceasefire.'"
    theirs = [t for t in theirs if not any(_same(t, c) for c in _names(claim))]
    if theirs and not any(mentions(best, c.split()[-1]) for c in speaker):
        return False, f"the source has {theirs[0]} say it"
    return True, None


_AGENT = re.compile(r"\b([a-z]+(?:ed|en)|put|made|set|won|led|run|held|given|shown)\b(?:\s+[\w'’-]+){0,7}?\s+by\s+"
                    r"(?:the\s+)?((?:[a-z][\w-]*\s+){0,4})?([A-Z][\w'’-]*(?:\s+(?:and\s+)?[A-Z][\w'’-]*)*)")


def agent_agrees(claim: str, passage: str) -> tuple[bool, str | None]:
    """"…was put in motion by BT" is not "…was put in motion by the telecoms watchdog Oftel", nor
    "presented with their award by Stephen Hawking" "presented by Noel Gallagher and Tom Stoppard"."""
    for m in _AGENT.finditer(claim):
        verb, agent = m[1].lower(), m[3]
        for sentence in split_sentences(passage):
            for o in _AGENT.finditer(sentence):
                if o[1].lower() == verb and not _same(o[3], agent) and not any(
                        _same(n, agent) for n in _names(o[3])) and not mentions(sentence, agent.split()[-1]):
                    return False, f"the source has it {verb} by {o[3]}"
    return True, None
