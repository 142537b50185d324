"""Which figure and which name go together in the source.

A claim can hold every word, name and number of its source and still pair them wrongly: "Brent
rose $1.64" from "US light crude rose $1.64, while Brent gained $1.32". These checks look inside
the supporting sentences, clause by clause: a figure must sit in a clause about the claim's subject
(not one naming someone else, nor the mirror image of a swap), the figures a claim gives together
must not be split between the source's statements, a name must stand where the source puts it, a
description, comparison, award category or month keeps its owner. Who did, said or holds what is
in actors.py.
"""
from __future__ import annotations

import re
from dataclasses import dataclass

from index.sentences import split_sentences
from service.facts.extract import (
    DEMONYMS, MONTH_YEAR, MONTHS, SAME_NAME, TITLE_WORDS, WEEKDAYS, acronym, mentions, name_places, names, place_tokens,
    polarity_agrees, quantities, same_place, starts, stems,
)
from service.facts.words import content_words

_CLAUSE = re.compile(r"(?<!\d),|,(?!\d{3})|;|:(?!\d)|\s[-–—]\s|\b(?:while|whereas|but|although|though|against|compared with|"
                     r"compared to|even as|even though)\b", re.IGNORECASE)
_ORDINALS = {"first": 1, "second": 2, "third": 3, "fourth": 4, "fifth": 5, "sixth": 6, "seventh": 7,
             "eighth": 8, "ninth": 9, "tenth": 10}
_ORDINAL = re.compile(r"(?<!per )(?<!a )(?<!one )\b(" + "|".join(_ORDINALS) + r"|\d+(?:st|nd|rd|th))\b(?!\s+(?:quarter|half|time))",
                      re.IGNORECASE)
_SHARES = {("a", "half"): 1 / 2, ("one", "half"): 1 / 2, ("a", "third"): 1 / 3, ("one", "third"): 1 / 3,
           ("two", "thirds"): 2 / 3, ("a", "quarter"): 1 / 4, ("one", "quarter"): 1 / 4, ("three", "quarters"): 3 / 4,
           ("a", "fifth"): 1 / 5, ("one", "fifth"): 1 / 5}
_FRACTION = re.compile(r"\b(?:(a|one|two|three)[\s-]+(half|thirds?|quarters?|fifth))\b"
                       r"(?=\s+of\b|\s*[,.;]|\s+(?:if|and|or|in|by|from|to|since|over|on)\b)(?!\s+of the year)"
                       r"|\b(half)\b(?!\s+(?:a|an)\s|[\s-]+(?:time|year|century|hour)|-\w)", re.IGNORECASE)


def figures(text: str) -> set[tuple[str, float]]:
    """Numbers that identify a fact: amounts and counts (not years), ranks, fractions."""
    out = {("%" if q.percent else q.currency or "n", q.value) for q in quantities(text)
           if not _year(q, text) and q.text.lower() != "one"}
    for m in _ORDINAL.finditer(text):
        word = m[1].lower()
        out.add(("rank", float(_ORDINALS.get(word) or int(re.sub(r"\D", "", word)))))
    for m in _FRACTION.finditer(text):
        share = 0.5 if m[3] else _SHARES.get((m[1].lower(), m[2].lower()))
        if share:
            out.add(("part", round(share, 4)))
    return out


def _year(q, text: str) -> bool:
    """1900-2100, or any four-digit number after "in", "since"…: "set up in 1337"."""
    if not (q.text.isdigit() and len(q.text) == 4):
        return False
    return 1900 <= q.value <= 2100 or bool(re.search(rf"\b(?:in|since|from|until|by|of|year) {q.text}\b", text))


_PERSON_NOUNS = (r"(?:gold |silver |bronze )?(?:medallist|champion|star|player|winner|striker|sprinter|actor|actress|"
                 r"singer|runner|athlete|veteran|captain|international|hurdler|boss|skipper|midfielder|defender|"
                 r"forward|keeper|goalkeeper|batsman|bowler|coach|manager|director|chief|leader|minister|mp)s?\b")


def _names(text: str) -> list[str]:
    """Names that say who a clause is about; "the Ethiopian", "the Corkman", "the Sydney Olympic
    gold medallist" only point back to someone named before."""
    out = []
    for n in names(text):
        if n.lower() in TITLE_WORDS or len(n) < 2:
            continue
        after_the = rf"\bthe\s+{re.escape(n)}"
        # but "the Tories", "the Democrats" are a party, not a description of someone named before
        group = " " not in n and re.fullmatch(r"[A-Z][a-z]+(?:ies|[^s]s)", n) and n.lower().rstrip("s") not in DEMONYMS
        if re.search(after_the + r"\b", text, re.IGNORECASE) and not group and (
                " " not in n or re.search(after_the + rf"\s+{_PERSON_NOUNS}", text, re.IGNORECASE)):
            continue
        out.append(n)
    return out


def _subjects(sentence: str) -> list[str]:
    """Names in a sentence, less a lone capitalised word opening it ("Sales rose…", "Serial
    truants…"), which is more often an ordinary word than a name."""
    found = _names(sentence)
    first = re.match(r"\W*([\w’'-]+)", sentence)
    if found and first and found[0] == first[1] and " " not in found[0]:
        found = found[1:]
    return found


_HONORIFICS = {"mr", "mrs", "ms", "miss", "dr", "sir", "lord", "lady", "dame", "prof"}


def _name_words(name: str) -> set[str]:
    words = {w.lower().strip(".") for w in name.split()} - _HONORIFICS
    return {SAME_NAME.get(w, DEMONYMS.get(w, w)) for w in words}


def _same(a: str, b: str) -> bool:
    """One name is the other or a part of it: "Mr Woodley" is "Tony Woodley", "Australian" is
    "Australia"; "Royal Ballet" is not "English National Ballet"."""
    x, y = _name_words(a), _name_words(b)
    if bool(x and y) and (x <= y or y <= x):
        return True
    # "GE" is "General Electric", "SEC" the "Securities and Exchange Commission"
    return any(short.isupper() and 2 <= len(short) <= 5 and len(long.split()) > 1 and acronym(long) == short
               for short, long in ((a, b), (b, a)))


@dataclass
class _Clause:
    text: str
    sentence: int
    figures: set
    names: list[str]
    words: set[str]
    whole: str = ""  # the sentence the clause belongs to


def _clauses(text: str, referent: str = "") -> list[_Clause]:
    """`referent`: whom the text's opening refers back to ("The 31 year old Scot…" after a
    sentence naming Dougie Walker): its first sentence is about them too."""
    out = []
    for i, sentence in enumerate(split_sentences(text)):
        for n, part in enumerate(p for p in _CLAUSE.split(sentence) if p and p.strip()):
            part = part.strip()
            found = _subjects(part) if n == 0 else _names(part)
            if n and out and out[-1].sentence == i and _APPOSITION_OF.match(part) and out[-1].names \
                    and re.search(r"[A-Z][\w'’-]*\)?\s*$", out[-1].text):
                found = found + out[-1].names[-1:]  # "…Financial Group (MTFG), Japan's second largest bank"
            out.append(_Clause(part, i, figures(part), found + [referent] if referent and i == 0 else found,
                               content_words(part), sentence))
    return out


# A description set after a name, with no verb: "(MTFG), Japan's second largest bank".
_APPOSITION_OF = re.compile(r"(?!.*\b(?:is|are|was|were|will|would|has|have|had|be|been|can|could|may|might|"
                            r"should|must|did|does|do|said|says)\b)(?:the |a |an )?(?:[A-Z][\w'’-]*['’]s\s+)?(?:[a-z][\w-]*\s+){0,4}[a-z][\w-]*\W*$")


def figures_bound(claim: str, passage: str, question: str = "", referent: str = "") -> tuple[bool, str | None]:
    """Every figure of the claim sits, in the passage, in a clause about the claim's subject, and
    the figures one claim clause gives together sit together in one source clause."""
    if re.match(r"\W*(?:he|she|it|they|his|her|its|their)\b", passage, re.IGNORECASE):
        referent = ""  # a pronoun may be anyone's; a description ("The 31 year old Scot") is not
    source = _clauses(passage, referent)
    claim_clauses = _clauses(claim)
    all_claim_names = _names(claim)
    given = set().union(*(sc.figures for sc in source)) if source else set()
    for cc in claim_clauses:
        # Ranks and shares are not numbers_agree's: "second largest" needs a source that says second.
        asked = figures(question)  # "the 77th Academy Awards" in the question is the reader's premise
        unheard = [f for f in cc.figures if f[0] == "rank" and f not in given and f not in asked
                   and f != ("rank", 1.0)]
        # A share contradicts only another share: "a third" vs "half" or 25%; "a quarter" = 25%.
        parts = {v for k, v in given if k == "part"}
        pcts = {v / 100 for k, v in given if k == "%"}
        for f in cc.figures:
            if f[0] == "part" and not any(abs(f[1] - v) < 0.01 for v in parts | pcts) and (
                    parts or any(abs(f[1] - v) < 0.15 for v in pcts)):
                unheard.append(f)
        if unheard:
            return False, f"the source does not give {_show(unheard[0])}"
        present = {f for f in cc.figures if f in given and f not in asked}  # the question's figures are premise
        # whether each figure is there at all is numbers_agree's question; here: together?
        claim_figures = set().union(*(c.figures for c in claim_clauses))
        # Split only if each holder gives a rival of a kind the claim gives: "1500m victory" in one sentence
        # and "four minutes 14.74 seconds" in the next are one race; "$32bn (£16.7bn…" one sum.
        kinds = {k for k, _ in present}
        if len(present) > 1 and not any(present <= sc.figures for sc in source) and any(
                all({k for k, _ in sc.figures - claim_figures} & kinds for sc in source if f in sc.figures)
                for f in present):
            # e.g. "Brent rose $1.64 to $44.45" from "US crude rose $1.64…, Brent gained $1.32 to $44.45"
            return False, f"the source gives {', '.join(_show(f) for f in sorted(present))} in different statements"
        others = [o for o in claim_clauses if o is not cc]
        for fig in sorted(present):
            holders = [sc for sc in source if fig in sc.figures]
            if not any(_fits(sc, source, cc, others, all_claim_names) for sc in holders):
                return False, f"the source gives {_show(fig)} for another subject"
    return True, None


def _fits(sc: _Clause, source: list[_Clause], cc: _Clause, others: list[_Clause], all_claim_names) -> bool:
    """The source clause holding a claim figure is about the claim's subject: it names no one
    else instead, and it is not the mirror image of a swap ("exports rose 12.3%, but imports rose
    16.3%" told as "imports rose 12.3%, while exports rose 16.3%")."""
    foreign = [n for n in sc.names if not any(_same(n, c) for c in all_claim_names)
               and n.lower() not in DEMONYMS  # "an Iranian weblogger" describes, it is not another subject
               and n.lower() not in MONTHS  # "0.1% growth between July and September" is when
               and not _SPEAKER(n).search(sc.text)  # "Maria Okafor said repairs would cost £4m"
               and not _counted(n, sc.text)  # "calling back 17,815 Buick Raniers": what, not who
               and not (n.lower() in _COUNTRIES and re.search(rf"\b{re.escape(n)}['’]s\s+[a-z]", sc.text))
               and not _describing(n, sc.text)]
    # "France's second largest carmaker" describes the carmaker: the country is not who made the profit
    # A place both name is where, not who: "Isinbayeva… world record of 4.91m in Athens" is not Feofanova's.
    # …nor a country owning the description: "UFJ Holdings, Japan's fourth largest bank".
    who = [c for c in cc.names if not (_where(c, cc.text) and _where(c, sc.text)) and c.lower() not in _COUNTRIES] \
        or cc.names
    if cc.names and foreign and not any(_same(n, c) for n in sc.names for c in who) \
            and not _points_back(sc, source, cc.names):
        return False
    # "made a profit of $676m" vs "a $676m loss"; a negation the claim adds after "because" may
    # sit in another clause of the sentence ("…because the windshield is not properly fitted").
    ok, _ = polarity_agrees(cc.text, sc.text, sc.whole)
    if not ok:
        return False
    if cc.names and not sc.names and not _DESCRIBED.search(sc.text) and _around(sc, source, cc, _subjects) and not any(
            _same(n, c) for n in _around(sc, source, cc, _names) for c in all_claim_names + names(cc.text)):
        return False
    kinds = {k for k, _ in cc.figures}
    if cc.names and not any(_same(n, c) for n in sc.names for c in cc.names):
        # The claim's subject is named in a sibling clause with another figure of the same kind:
        # "GDP up 2.3%…, short of the 2.5% the government predicted" does not give GDP 2.5%.
        for o in source:
            if o.sentence == sc.sentence and o is not sc and any(_same(n, c) for n in o.names for c in cc.names) \
                    and any(k in kinds and (k, f) not in cc.figures for k, f in o.figures):
                return False
    rest = set().union(*(o.words for o in others)) if others else set()
    swapped_in = {w for w in rest - cc.words if w in sc.words and not w[:1].isdigit()}
    their_figures = set().union(*(o.figures for o in others)) if others else set()
    siblings = [o for o in source if o.sentence == sc.sentence and o is not sc and o.figures & their_figures]
    swapped_out = {w for w in cc.words - rest if w not in sc.words and not w[:1].isdigit()
                   and any(w in o.words for o in siblings)}
    return not (swapped_in and swapped_out)


def _around(sc: _Clause, source: list[_Clause], cc: _Clause, find) -> list[str]:
    """Whom the sentence of a clause naming no one is about: "only two out of their 12 principal
    dancers" after "a spokesman for the English National Ballet told BBC News that". A speaker
    counts when the claim reports speech or the clause speaks of "their"/"its" after them; not
    for "The regional government approved €300m in grants, minister Jonas Feld told reporters".
    `find`: _subjects, to see if anyone is named ("Revenues were £4.3bn" names no one), or _names,
    to see if the claim's subject is ("Unilever, which owns Dove, said profit fell 36%")."""
    speech = _SPEECH_CLAIM.search(cc.text) is not None
    out = []
    for o in source:
        if o.sentence != sc.sentence or o is sc:
            continue
        after = source.index(o) > source.index(sc)  # "…46.68 seconds - a time good enough to qualify for
        for n in find(o.text):                      # the European Indoor Championships": not who ran
            if after and not (speech and _SPEAKER(n).search(o.text)):
                continue
            if n.lower() in DEMONYMS or n.lower() in MONTHS or n.lower() in WEEKDAYS or _where(n, o.text) \
                    or re.search(rf"\binto\s+{re.escape(n)}", o.text) or _describing(n, o.text):
                continue
            if _SPEAKER(n).search(o.text) and not (speech or source.index(o) < source.index(sc)
                                                   and re.search(r"\b(?:their|its)\b", sc.text, re.IGNORECASE)):
                continue
            out.append(n)
    return out


_COUNTRIES = set(DEMONYMS.values())
_SPEECH_CLAIM = re.compile(r"((?:[A-Z][\w'’-]+\s+){0,2}[A-Z][\w'’-]+)(?:,[^,]{0,80},| of (?:the )?[A-Z][^,]{0,60}?)?"
                           r",?\s+(?:said|says|told|added|warned|insisted|claimed|argued|explained)\b(.*)")


def _describing(name: str, text: str) -> bool:
    """"The Northern Ireland runner", "the Scotland manager": a name describing someone already
    named, not another subject."""
    return re.search(rf"\b[Tt]he {re.escape(name)}\s+[a-z]", text) is not None


def _counted(name: str, text: str) -> bool:
    return re.search(rf"\d[\d,.]*\s+{re.escape(name)}", text) is not None


def _SPEAKER(name: str) -> re.Pattern:
    return re.compile(rf"{re.escape(name)}\)?(?:,[^,]{{0,60}},|\s*\([^)]{{1,20}}\))?,?\s+(?:said|says|told|added|warned|explained|insisted|"
                      rf"claimed|stated)\b|according to {re.escape(name)}")


_POINTER = re.compile(r"\b(?:he|she|him|his|her|a \d+[ -]year[ -]old|the \d+[ -]year[ -]old|the (?:man|woman)|"
                      r"a (?:man|woman))\b", re.IGNORECASE)


_DESCRIBED = re.compile(r"\b(?:an? |the )(?:\d+[ -]year[ -]old|man|woman)\b", re.IGNORECASE)


def _points_back(sc: _Clause, source: list[_Clause], wanted: list[str]) -> bool:
    """"Police confirmed they had arrested a 45 year old man", right after a sentence naming Nick
    Griffin, is about him."""
    if not _POINTER.search(sc.text):
        return False
    before = [o for o in source if o.sentence == sc.sentence - 1]
    return any(_same(n, c) for o in before for n in o.names for c in wanted)


def _show(fig: tuple[str, float]) -> str:
    kind, value = fig
    shown = {"n": f"{value:,g}", "rank": f"rank {value:g}", "part": f"the share {value:g}", "%": f"{value:g}%"}
    return shown.get(kind, f"{kind} {value:,.0f}")  # an amount: "USD 28,500,000"


def _beside(tokens: list[str], a: str, b: str) -> bool:
    """Two names a word or two apart are one description: "Richard Dodd of the Countryside
    Alliance", "Alliance spokesman Richard Dodd"."""
    wa, wb = a.split(), b.split()
    return any(-len(wb) - 2 <= j - i <= len(wa) + 2 for i in starts(tokens, wa) for j in starts(tokens, wb))


def _initials(name: str) -> str:
    return "".join(w[0].lower() for w in name.split())


def _said_there(name: str, claim: str, passage: str, other: str) -> bool:
    """The passage has the name, without the other one, in a clause that tells the claim: "Yukos,
    which says the auction was illegal, will appeal" beside "Rosneft said the auction was legal";
    "BP's shares rose 5%, while shares in Shell rose 2%"."""
    own = content_words(claim) - {w.lower() for w in name.split()}
    return any(mentions(c, name) and not mentions(c, other) and len(own & content_words(c)) >= 2
               for s in split_sentences(passage) for c in (s, *_CLAUSE.split(s)))


def _where(name: str, text: str) -> bool:
    """A place: "in Houston", "at Old Trafford" ("Yukos's lawyers in Houston said…" is still Yukos)."""
    return bool(re.search(rf"\b(?:in|at|from|near)\s+(?:the\s+)?{re.escape(name)}(?![\w-])", text))


_SYMMETRIC = re.compile(r"\b(?:with|between|than|versus|vs|against)\b", re.IGNORECASE)


def names_in_place(claim: str, passage: str) -> tuple[bool, str | None]:
    """"A half-hourly service between Tweedbank and Carlisle could cover its costs" is not what
    "…from Tweedbank to Edinburgh could cover its costs" says: where the passage puts another name
    between the words the claim puts around a name, and never that name, the passage is about the
    other one ("special adviser to Tony Blair" / "special advisor to Gordon Brown", "Championships
    in Birmingham" / "Championships in Madrid" in a passage that names Birmingham elsewhere).
    Nor is "Campbell cast doubt on Johnson's claim" what "the American had cast doubt on
    Campbell's claims" says: the claim's other name stands in that place. A name the passage
    also gives in a sentence that tells the claim, another name for the same thing ("Man Utd",
    "the Prime Minister") and a relation that reads both ways ("X merged with Y") are not caught."""
    ctoks, ptoks = place_tokens(claim), place_tokens(passage)
    mine = _names(claim)
    claim_words = {w for n in mine for w in _name_words(n)}  # "Conservatives" is the "Conservative Party"
    theirs = [n for n in _names(passage) if not _name_words(n) & claim_words
              and not {w.lower() for w in n.split()} <= TITLE_WORDS | {"prime", "home", "chancellor"}]
    for name in mine:
        words = name.split()
        places = name_places(ctoks, words)
        if same_place(places, name_places(ptoks, words) + name_places(ptoks, words[-1:])):
            continue  # the passage has it there too
        for other in theirs:
            if (other.isupper() and other == acronym(name)) or _initials(other) == _initials(name) \
                    or _beside(ptoks, other, words[-1]) or _said_there(name, claim, passage, other) \
                    or _where(other, passage) and not _where(name, claim):
                continue  # "the Hollywood studio Warner Brothers", "European Athletics (EAA)", "Man Utd"
            if same_place(places, name_places(ptoks, other.split())):
                return False, f"the source names {other} where the claim names {name}"
        for other in mine:
            if other == name or _same(other, name) or _beside(ctoks, name, other) \
                    or _beside(ptoks, other.split()[-1], words[-1]) or _symmetric(claim, name, other) \
                    or _said_there(name, claim, passage, other.split()[-1]) \
                    or same_place(places, name_places(ctoks, other.split()), False):
                continue  # …or the claim has both in that place: "final in Athens… final in Games history"
            if same_place(places, name_places(ptoks, other.split()) + name_places(ptoks, other.split()[-1:]), False):
                return False, f"the source puts {other} where the claim puts {name}"
    return True, None


def _symmetric(claim: str, a: str, b: str) -> bool:
    """"Mittal merged with ISG", "Blair held talks with Bush": either name may come first."""
    i, j = claim.find(a), claim.find(b)
    if i < 0 or j < 0:
        return False
    lo, hi = sorted((i, j))
    return bool(_SYMMETRIC.search(claim[lo:hi]))


_TO_OR_BY = re.compile(r"(?<!\bup )\b(to|by)\s+(?:between\s+|about\s+|around\s+|almost\s+|nearly\s+|roughly\s+|some\s+)?"
                       r"([£$€]?\d[\d,.]*\d(?:\s?(?:billion|million|bn|m)\b|%)?|[£$€]?\d(?:\s?(?:billion|million|bn|m)\b|%)?)"
                       r"(?!\s*(?:" + "|".join(m.capitalize() for m in MONTHS) + r")\b)", re.IGNORECASE)


def _moves(text: str) -> dict[str, set[tuple]]:
    """Figures after "to" (a level reached) and after "by" (the size of a change), with their unit;
    not years, dates, "up to" (a most, said of either) or the top of a range ("2 to 3%")."""
    out: dict[str, set[tuple]] = {"to": set(), "by": set()}
    for m in _TO_OR_BY.finditer(text):
        q = quantities(m[2])
        if not q or (m[2].isdigit() and len(m[2]) == 4):
            continue
        if m[1].lower() == "to" and re.search(r"\d%?\s*$", text[:m.start()]):
            continue
        out[m[1].lower()].add((q[0].value, q[0].percent, q[0].currency))
    return out


def level_or_change(claim: str, passage: str) -> tuple[bool, str | None]:
    """"Reduced to between 7,000 and 8,000" is not "reduce by between 7,000 and 8,000 annually":
    a figure the source gives as the size of a change is not the level reached, nor the reverse."""
    mine, theirs = _moves(claim), _moves(passage)
    for said, other in (("to", "by"), ("by", "to")):
        if mine[said] & (theirs[other] - theirs[said]):
            return False, f"the source gives that figure as '{other}', not '{said}'"
    return True, None


_WON = re.compile(r"\b(?:won|wins|win|winning|beat|beats|beaten|defeated|defeats)\b", re.IGNORECASE)
_ONLY_NOMINATED = re.compile(r"\b(?:won|wins|earned|earns|gained|got)\b[^.]{0,80}?\bnomination", re.IGNORECASE)
_BEHIND = re.compile(r"\b(?:(?:finished|came|placed|was|were)\s+(?:second|third|runner-up|runners-up)\s+(?:to|behind)|"
                     r"(?:finished|came|trailed)\s+behind|runners?-up to|second to|lost to|edged out by|"
                     r"(?:finish|finished|finishing|came|placed)\s+(?:a\s+)?(?:\w+\s+)?(?:second|third|fourth|fifth|sixth|"
                     r"seventh|eighth|ninth|tenth|\d+(?:nd|rd|th)))\b", re.IGNORECASE)  # "battled to finish seventh"


def _a_win(sentence: str, at: int) -> bool:
    """Is this "won" a win, not "won him… an Oscar nomination"? (The nomination another verb
    governs — "won the Oscar, having earned a nomination" — leaves it a win.)"""
    tail = sentence[at:at + 120]
    nominated = re.search(r"nominat", tail, re.IGNORECASE)
    return not nominated or bool(re.search(r"\b(?:earned|earning|got|gained|received|having|had|has|was|were)\b",
                                           tail[:nominated.start()], re.IGNORECASE))


def outcome_agrees(claim: str, passage: str) -> tuple[bool, str | None]:
    """"Won the Oscar" is not "won him an Oscar nomination"; "Chepkemei beat Radcliffe" is not
    "finished second to Paula Radcliffe": a win the source does not report."""
    if not _WON.search(claim) or re.search(r"\bnominat|\b(?:second|third|fourth|fifth|sixth|seventh|eighth|ninth|"
                                           r"tenth|\d+(?:nd|rd|th))\b|\brunner", claim, re.IGNORECASE):
        return True, None
    mine = content_words(claim)
    for sentence in split_sentences(passage):
        if len(mine & content_words(sentence)) < 2:
            continue
        if _ONLY_NOMINATED.search(sentence) and not any(_a_win(sentence, m.end())
                                                         for m in re.finditer(r"\b(?:won|wins)\b", sentence)):
            return False, "the source reports a nomination, not a win"
        if _BEHIND.search(sentence) and not _WON.search(sentence):
            return False, "the source has them finishing behind, not winning"
    return True, None


# "three times as many people joining as leaving", "more exports than imports": two sides, in order.
_COMPARED = re.compile(r"\bas (?:many|much) ([^,.;:]+?) as (.+?)(?=[,.;:)]|$)|\bmore ([^,.;:]+?) than (.+?)(?=[,.;:)]|$)",
                       re.IGNORECASE)


def _sides(text: str) -> list[tuple[set[str], set[str]]]:
    out = []
    for m in _COMPARED.finditer(text):
        a, b = (m[1], m[2]) if m[1] else (m[3], m[4])
        a, b = content_words(a), content_words(b)
        out.append((a - b, b - a))
    return out


def comparison_agrees(claim: str, passage: str) -> tuple[bool, str | None]:
    """"As many people joining as trying to leave" is not supported by "as many people trying to
    leave as joining": the sides of a comparison the source makes, swapped."""
    theirs = _sides(passage)
    for a, b in _sides(claim):
        for c, d in theirs:
            straight, swapped = len(a & c) + len(b & d), len(a & d) + len(b & c)
            if swapped > straight and (a & d) and (b & c):
                return False, "the source compares the other way round"
    return True, None


_APPOSITION = re.compile(r",\s+(?:the |a |an )?([^,]{8,90}?),")
_DESCRIPTION_END = re.compile(r"[,.;:()\"“”]|\b(?:and|but|as|does|did|while|with|by|to|of|for|in|from|that|which|"
                              r"who|whom|also|when|after|before)\b", re.IGNORECASE)


def _descriptions(text: str, found: list[str]) -> dict[str, set[str]]:
    """Each name → the words that describe it: an apposition after it ("UFJ, Japan's fourth largest
    bank,") or the words just before it back to a clause break ("crowned European champion Hayley
    Yelling")."""
    out: dict[str, set[str]] = {}
    named = set().union(*(content_words(name) for name in found)) if found else set()  # "…, including Johnny
    # Depp," describes no one
    hits = [(name, m) for name in found for m in re.finditer(rf"(?<!\w){re.escape(name)}(?!\w)", text)]
    spans = [m.span() for _, m in hits]
    for name, m in hits:
        words = set()
        after = _APPOSITION.match(text, m.end())
        if after and not re.match(r"(?:with|including|such|like|plus|who|which|where|and|but|or)\b", after[1], re.I):
            words |= content_words(after[1])
        # back to a clause break, or to another name ("Arsene Wenger praised Robert Pires and…")
        start = max([m.start() - 90] + [e for s, e in spans if e <= m.start()])
        words |= content_words(_DESCRIPTION_END.split(text[max(0, start):m.start()])[-1])
        out.setdefault(name, set()).update(stems(words - named))
    return out


def description_agrees(claim: str, passage: str) -> tuple[bool, str | None]:
    """"Kathy Butler, the newly crowned European cross country champion" is not what "Recently
    crowned European cross country champion Hayley Yelling… as does Kathy Butler" says, nor is
    "Bank of Ireland, the country's biggest company" what "Allied Irish Banks, Ireland's biggest
    company…, while Bank of Ireland shares rose" says: the description belongs to another name."""
    mine = _descriptions(claim, _names(claim))
    theirs = _descriptions(passage, _names(passage))
    for name, described in mine.items():
        if len(described) < 2:
            continue
        need = max(2, round(0.6 * len(described)))
        own = max((len(described & d) for n, d in theirs.items() if _same(n, name)), default=0)
        for other, d in theirs.items():
            if not _same(other, name) and not any(_same(other, n) for n in mine) \
                    and len(described & d) >= need > own:
                return False, f"the source describes {other} so, not {name}"
    return True, None


_CATEGORY = re.compile(r"\bbest (?:(supporting|leading|lead) )?(actor|actress)\b(?: in a (supporting|leading) role\b)?",
                       re.IGNORECASE)


def category_agrees(claim: str, passage: str) -> tuple[bool, str | None]:
    """"The Bafta for best actor" is not "a best supporting actor award": an award category is
    told whole."""
    def kinds(text: str) -> set[tuple[bool, str]]:
        return {("supporting" in {(m[1] or "").lower(), (m[3] or "").lower()}, m[2].lower())
                for m in _CATEGORY.finditer(text)}

    mine, theirs = kinds(claim), kinds(passage)
    if mine and theirs and not mine & theirs:
        return False, "the source gives another award category"
    return True, None


_FIGURE_OF = re.compile(r"(\d[\d,.]*\s?(?:%|percent|per cent))\s+(of\s+[a-z]+)", re.IGNORECASE)


def shares_in_place(claim: str, passage: str) -> tuple[bool, str | None]:
    """"16% of readers have changed supplier and another 17% are thinking of it" is not what
    "17% of readers have switched and a further 16% are considering it" says: the source gives
    the claim's "of readers" to another share, and the claim's share to something else."""
    def pct(text: str) -> float:
        return float(re.sub(r"[^\d.]", "", text.split()[0].rstrip("%")) or "nan")

    theirs = [(pct(m[1]), m[2].lower()) for m in _FIGURE_OF.finditer(passage)]
    given = {q.value for q in quantities(passage) if q.percent}
    for m in _FIGURE_OF.finditer(claim):
        value, what = pct(m[1]), m[2].lower()
        rivals = [v for v, w in theirs if w == what and v != value]
        if rivals and value in given and (value, what) not in theirs:
            return False, f"the source gives {rivals[0]:g}% {what}"
    return True, None


def figure_dates_agree(claim: str, passage: str) -> tuple[bool, str | None]:
    """"In September 2004, MessageLabs caught only 273" is not "In September 2003, MessageLabs
    caught only 273 … But by September 2004 it was stopping more than two million": the sentence
    that gives the figure gives its month, and it is another."""
    said = set(MONTH_YEAR.findall(claim))
    mine = figures(claim)
    if not said or not mine:
        return True, None
    for sentence in split_sentences(passage):
        for part in _CLAUSE.split(sentence):
            if part and mine & figures(part):
                given = set(MONTH_YEAR.findall(part)) or set(MONTH_YEAR.findall(sentence))
                if given and not said & given:
                    return False, f"the source gives that figure for {' '.join(sorted(given)[0])}"
    return True, None


_DEAL_MONEY = re.compile(r"\b(?:paid|pay|pays|paying|buy|buys|bought|buying|purchased?|acquired?|acquiring|acquisition|"
                         r"price[ds]?|cost|costs|costing|spent|spend|spending|invest|invested|investing|investment|"
                         r"bid|bids|offer|offered|offers|takeover|worth|valued|valuing|fee)\b", re.IGNORECASE)
_RESULT_MONEY = re.compile(r"\b(?:profits?|loss|losses|lost|revenues?|sales|turnover|earnings|income)\b", re.IGNORECASE)


def _money_kind(sentence: str) -> str | None:
    deal, result = bool(_DEAL_MONEY.search(sentence)), bool(_RESULT_MONEY.search(sentence))
    return None if deal == result else "deal" if deal else "result"


def money_kind_agrees(claim: str, passage: str) -> tuple[bool, str | None]:
    """"Softbank paid 7.5bn yen to buy Japan Telecom" is not "had an operating loss … of 7.5bn
    yen": a sum the claim calls a price (paid, bought, cost, bid) that the source gives only as a
    company's result (profit, loss, sales), or the other way round."""
    for sentence in split_sentences(claim):
        mine = _money_kind(sentence)
        values = {q.value for q in quantities(sentence) if q.currency}
        if mine is None or not values:
            continue
        kinds = {_money_kind(s) for s in split_sentences(passage) if values & {q.value for q in quantities(s) if q.currency}}
        if kinds and kinds <= {"deal", "result"} - {mine}:
            said = {"deal": "a price or deal", "result": "a result (profit, loss, sales)"}
            return False, f"the source gives that sum as {said[kinds.pop()]}, not {said[mine]}"
    return True, None
