"""Where outlets disagree: align sentences that tell the same thing, then compare their facts.

Deterministic on purpose: a conflict is a pair of aligned sentences that differ in a name, a
number, a weekday or a role word ("top" vs "former"). Rephrasing alone is never a conflict,
because alignment needs shared content and the comparison only looks at facts.
"""
from __future__ import annotations

import re
from dataclasses import dataclass
from functools import lru_cache

from service.facts import extract as facts
from service.facts import words
from service.facts.extract import MONTHS, TITLE_WORDS, WEEKDAYS


# A story compares every sentence with every other: each sentence's facts are read once.
@lru_cache(maxsize=8192)
def names(text: str) -> tuple[str, ...]:
    """Names, "Gordon Bullock of Scotland" as "Gordon Bullock" and "Scotland": the person's name is
    what another report spells differently."""
    return tuple(part for n in facts.names(text) for part in re.split(r"\s+of\s+", n) if part)


_ORDINALS = {w: n for n, w in enumerate("first second third fourth fifth sixth seventh eighth ninth tenth eleventh "
                                        "twelfth thirteenth fourteenth fifteenth sixteenth seventeenth eighteenth "
                                        "nineteenth twentieth".split(), start=1)}
# Someone's nth: "Brown's eighth Budget", "his 11th record" ("a second series" is not a count).
_ORDINAL = re.compile(r"(?:['’]s|\bhis|\bher|\bits|\btheir)\s+(" + "|".join(_ORDINALS) + r")\b", re.IGNORECASE)


@lru_cache(maxsize=8192)
def quantities(text: str) -> tuple:
    """Figures, and someone's ordinal: "Brown's eighth Budget" vs "Brown's ninth Budget" is a count."""
    return tuple(facts.quantities(text)) + tuple(
        facts.Quantity(float(_ORDINALS[m[1].lower()]), None, False, m[1], facts._unit(text, m.end()))
        for m in _ORDINAL.finditer(text))


@lru_cache(maxsize=8192)
def content_words(text: str) -> frozenset[str]:
    return frozenset(words.content_words(text))


_ROLE_WORDS = {"top", "former", "current", "senior", "acting", "deputy", "interim", "chief", "ex"}
MIN_SHARED = 4
DRIFT = 0.05  # conversions this close are exchange rates of different days, not a disagreement
MIN_JACCARD = 0.2  # numbers need sentences this close (content-word Jaccard)


@dataclass(frozen=True)
class Difference:
    kind: str  # name | spelling | number | weekday | role | age
    left: str
    right: str
    close: bool = False  # two near-identical forms (one letter or two apart): no alignment needed

    @property
    def about(self) -> str:
        return f"{self.kind}: {self.left} vs {self.right}"


def alignment(a: str, b: str) -> float:
    """Jaccard of content words, 0 when too little is shared to be the same statement."""
    wa, wb = content_words(a), content_words(b)
    shared = wa & wb
    if len(shared) < MIN_SHARED:
        return 0.0
    return len(shared) / len(wa | wb)


_SPEECH = "said|says|added|told|explained|warned|insisted|argued|admitted|claimed|denied|stated|wrote"
_PERSON_ROLES = ("chairman|chairwoman|boss|lawyer|spokesman|spokeswoman|coach|manager|president|director|"
                 "secretary|minister|leader|judge|captain|striker|singer|actor|actress|author|founder")


def is_person(name: str, *texts: str) -> bool:
    """Does some text treat this name as a person's: "Mr Healey", "John Healey added:",
    "Healey, 42,", "Healey, who…"? Games, prizes and parties are never spoken of that way."""
    return any(_person_in(name, t) for t in texts if t)


@lru_cache(maxsize=16384)
def _person_in(name: str, text: str) -> bool:
    surname = re.escape(name.split()[-1])
    full = re.escape(name)
    cue = re.compile(rf"\b(?:Mr|Mrs|Ms|Miss|Dr|Sir|Dame|Lord|Lady)\.?\s+(?:[A-Z][\w'’-]+\s+)?{surname}\b"
                     rf"|\b(?:{full}|{surname}),?\s+(?:{_SPEECH})\b"
                     rf"|\b(?:{full}|{surname}),\s+(?:\d{{2}},|who|whose\b)"
                     rf"|\b(?:{_SPEECH})\s+{full}\b"
                     rf"|\b(?:{_PERSON_ROLES})\s+{full}\b")
    return bool(cue.search(text))


def _edits(x: str, y: str) -> int:
    """Levenshtein distance (names are short)."""
    prev = list(range(len(y) + 1))
    for i, cx in enumerate(x, 1):
        cur = [i]
        for j, cy in enumerate(y, 1):
            cur.append(min(prev[j] + 1, cur[j - 1] + 1, prev[j - 1] + (cx != cy)))
        prev = cur
    return prev[-1]


def _name_differences(a: str, b: str, context: tuple[str, ...] = ()) -> list[Difference]:
    """"John Healey" vs "James Healey" (the same surname, another given name: people only) and
    "Akira Hurosawa" vs "Akira Kurosawa" (one word of a name spelt one or two letters apart).
    A form that the other report also uses somewhere is a second person, not a conflict."""
    out = []
    na, nb = [_plain(n) for n in names(a)], [_plain(n) for n in names(b)]
    other_a, other_b = (_plain(context[0]), _plain(context[1])) if len(context) == 2 else (_plain(a), _plain(b))
    for x in na:
        for y in nb:
            xs, ys = x.split()[-2:], y.split()[-2:]
            if x in nb or y in na or facts.mentions(other_b, " ".join(xs)) or facts.mentions(other_a, " ".join(ys)) \
                    or x.lower() == y.lower():
                continue
            if len(xs) == 2 == len(ys) and xs[1] == ys[1] and xs[0] != ys[0]:
                if not (_given_name(xs[0]) and _given_name(ys[0])) or min(len(xs[0].strip(".")), len(ys[0].strip("."))) <= 2:
                    continue  # "K Robertson" / "KP Robertson": initials, not a second name
                if not (is_person(" ".join(xs), a, *context[:1]) and is_person(" ".join(ys), b, *context[1:])) \
                        or facts.one_first_name(xs[0], ys[0]):
                    continue
                edits = _edits(xs[0], ys[0])
                # One or two letters apart (Marta / Maria, Mikhail / Mihkail): the same person's name
                # told two ways, worth showing even when the sentences say different things.
                out.append(Difference("name", x, y, close=edits == 1 or edits == 2 and len(xs[0]) > 3))
            elif len(xs) == 2 == len(ys) and all(xw != yw and min(len(xw), len(yw)) > 4 and _edits(xw, yw) == 1
                                                 and xw[0] == yw[0] and xw[-1] == yw[-1] for xw, yw in zip(xs, ys)) \
                    and not facts.mentions(other_b, x) and not facts.mentions(other_a, y):
                # Both words one letter apart inside (Sidney Poiter / Sydney Poitier): one person.
                out.append(Difference("spelling", x, y, close=True))
            elif len(xs) == len(ys) and xs[:-1] == ys[:-1] and xs[-1] != ys[-1] and len(xs[-1]) > 4 \
                    and _edits(xs[-1], ys[-1]) <= (1 if len(xs) == 1 else 2) and _given_name(xs[-1]) \
                    and not facts.mentions(other_b, xs[-1]) and not facts.mentions(other_a, ys[-1]) \
                    and not _inflected(xs[-1], ys[-1]):
                # One letter apart in one story (Ilston / Illston, Brockstein / Brookstein): one name
                # told two ways wherever the two reports say it, aligned sentences or not.
                out.append(Difference("spelling", " ".join(xs), " ".join(ys),  # Hurosawa / Kurosawa
                                      close=_edits(xs[-1], ys[-1]) == 1 and len(xs[-1]) > 5 and _inside(xs[-1], ys[-1])))
    return out


SAME_SENTENCE = 0.7  # alignment of two versions of one sentence (a rewrite): a name swapped in it is a conflict


def _swapped_names(a: str, b: str) -> list[Difference]:
    """Two versions of one sentence that name one thing two ways in the same place: "approved by
    the Internet Electronic Task Force" / "…the Internet Engineering Task Force". Only for
    near-identical sentences: in two different sentences, "the Whitbread Prize" and "the Orange
    Prize" are two prizes."""
    ta, tb = facts.place_tokens(a), facts.place_tokens(b)
    wa, wb = {w.lower() for w in ta}, {w.lower() for w in tb}
    for x in names(a):
        if {w.lower() for w in x.split()} <= wb:
            continue
        for y in names(b):
            if {w.lower() for w in y.split()} <= wa or not _one_name(x, y):
                continue
            if facts.same_place(facts.name_places(ta, x.split()), facts.name_places(tb, y.split())):
                return [Difference("name", x, y)]
    return []


def _one_name(x: str, y: str) -> bool:
    """The same first and last word, another full word inside: one name told two ways ("Internet
    Electronic Task Force" / "Internet Engineering Task Force"). Two names with nothing in common
    are as often two ways of saying one thing ("the Olympics" / "the Athens Games", "Conservative"
    / "Tory", "Lord Bingham" / "the Law Lords") as a disagreement; initials written two ways
    ("K Robertson" / "KP Robertson") are one person."""
    xs, ys = x.lower().split(), y.lower().split()
    return len(xs) > 2 and len(ys) > 2 and xs[0] == ys[0] and xs[-1] == ys[-1] \
        and not any(len(w.strip(".")) <= 2 for w in set(xs) ^ set(ys))


def _inflected(x: str, y: str) -> bool:
    """One word in two grammatical forms, not two spellings: Conservative / Conservatives,
    Algeria / Algerian, Germany / Germans."""
    a, b = sorted((x.lower(), y.lower()), key=len)
    if b.startswith(a) and b[len(a):] in {"s", "es", "n", "an", "ns", "ans", "ian", "ians"}:
        return True
    return len(a) == len(b) and a[:-1] == b[:-1] and {a[-1], b[-1]} == {"y", "s"}


def _inside(x: str, y: str) -> bool:
    """The two spellings differ inside the word (Ilston / Illston), not at either end."""
    x, y = x.lower(), y.lower()
    return x[:2] == y[:2] and x[-2:] == y[-2:]


@lru_cache(maxsize=1024)
def _plain(name: str) -> str:
    """"British Bankers' Association" and "British Bankers Association" are one name."""
    return re.sub(r"[’']", "", name)


def _given_name(word: str) -> bool:
    return word.lower().rstrip(".") not in TITLE_WORDS | {"mr", "mrs", "ms", "dr", "sir", "dame", "lord"}


def _window(text: str, q, chars: int = 45) -> str:
    at = text.find(q.text)
    return "" if at < 0 else text[max(0, at - chars):at] + " " + text[at + len(q.text):at + len(q.text) + chars]


_CHANGED_TO = re.compile(r"\b(?:improved|raised|increased|cut|lowered|reduced|revised|upped|lifted|changed)\b"
                         r"[^.]{0,30}\bto\s*$", re.IGNORECASE)


def _changed_to(text: str, q) -> bool:
    """"improved its pay offer to 5 percent": this figure replaces an earlier one."""
    at = text.find(q.text)
    return at >= 0 and bool(_CHANGED_TO.search(text[max(0, at - 50):at]))


_CONVERSION = re.compile(r"([€$£]|A\$|\bUS\$)?\s?(\d[\d,.]{0,20}+\s?(?:billion|million|trillion|bn|m)?\b)\s*"
                         r"(?:[A-Za-z ]{0,20}+(?:dollars?|euros?|yen|roubles?|won|rupees?))?\s*\((\s*[€$£][^)]{1,38})\)")


@lru_cache(maxsize=4096)
def _conversions(text: str) -> dict[str, str]:
    """"$11bn (£6bn)" → {"$11bn": "£6bn"}: an amount and what a report converted it to."""
    return {" ".join(f"{m[1] or ''}{m[2]}".split()): m[3] for m in _CONVERSION.finditer(text)}


def _conversion_differences(a: str, b: str) -> list[Difference]:
    """The same amount converted to two different figures in the same currency: "$11bn (£8.5bn)"
    vs "$11bn (£6bn)". One report has the conversion wrong, or they used rates far apart."""
    ca, cb = _conversions(a), _conversions(b)
    out = []
    for amount in ca.keys() & cb.keys():
        if not quantities(amount) or all(q.value < 100 and not q.currency for q in quantities(amount)):
            continue
        for q in quantities(ca[amount]):
            for r in quantities(cb[amount]):
                if q.currency and q.currency == r.currency and not _rounded(q, r) \
                        and abs(q.value - r.value) > DRIFT * max(q.value, r.value):
                    out.append(Difference("number", q.text, r.text))
    return out[:1]


def _near(text: str, q, words: int = 3) -> set[str]:
    """What a number is about: the content words right before and after it (other figures too)."""
    at = text.find(q.text)
    if at < 0:
        return set()
    before = re.findall(r"[\w£$€%.,'’-]+", text[max(0, at - 120):at])
    after = re.findall(r"[\w£$€%.,'’-]+", text[at + len(q.text):at + len(q.text) + 120])
    keep = lambda ws: [w for w in ws if content_words(w) or quantities(w)]  # noqa: E731
    near = keep(before)[-words:] + keep(after)[:words]
    return {w.lower().strip(".,") for w in near}


def _precision(q) -> float:
    """The step a figure is written to, in its own value: "£1.3bn" → 0.1bn, "2,000" → 100."""
    digits = re.sub(r"[^\d.]", "", q.text).strip(".")
    if not digits or not float(digits):
        return 0.0
    if "." in digits:
        step = 10.0 ** -len(digits.split(".")[1])
    else:
        step = 10.0 ** max(0, len(digits) - len(digits.rstrip("0")) - 1)  # "3,000" may be exact: to the 100
    return step * q.value / float(digits)


def _rounded(q, r) -> bool:
    """Is one figure the other rounded ("£1.35bn" said as "£1.3bn", "4.75%" as "5%")?"""
    return abs(q.value - r.value) <= max(_precision(q), _precision(r)) / 2 + 1e-9


def _other_subjects(wa: str, wb: str, a: str, b: str) -> bool:
    """Each figure has a name beside it that the other sentence never mentions: "TCI owns 5%" and
    "Atticus holds 2%" are about two holders, not one disputed stake."""
    own_a = {n for n in names(wa) if n not in b}
    own_b = {n for n in names(wb) if n not in a}
    return bool(own_a and own_b)


_FROM_TO = re.compile(r"\bfrom\s+([€$£]?\d[\d,.]*(?:%|bn|m)?)\s+to\s+([€$£]?\d[\d,.]*(?:%|bn|m)?)", re.IGNORECASE)


def _successive(a: str, b: str) -> set[str]:
    """Figures of two change statements that follow each other ("cut from 2.5% to 2%", then "from
    2% to 1%"): one's end is the other's start, so they are two steps, not one disputed figure."""
    out = set()
    for fa, ta in _FROM_TO.findall(a):
        for fb, tb in _FROM_TO.findall(b):
            if ta == fb or tb == fa:
                out |= {fa, ta, fb, tb}
    return out


_IN_PLACE = re.compile(r"^[^.;]{0,25}?\b(?:in|at)\s+([A-Z][a-z][\w'’-]*)")


def _narrowed(text: str, q, other: str) -> bool:
    """"31% of the vote in Erewash" beside "16.1% of the vote": a figure for a place (or a time)
    the other sentence never names is a part, not the same whole."""
    at = text.find(q.text)
    m = _IN_PLACE.match(text[at + len(q.text):]) if at >= 0 else None
    return bool(m) and m[1] not in other


_JOINT = re.compile(r"\b(?:between them|combined|jointly|together)\b", re.IGNORECASE)


def _number_differences(a: str, b: str) -> list[Difference]:
    """Two figures of the same kind (currency, percentage or counted noun) said about the same
    thing (they share words or another figure nearby), neither one the other rounded."""
    if bool(_JOINT.search(a)) != bool(_JOINT.search(b)):
        return []  # "Hodgson and Barkley missed six between them" / "Hodgson missed three": a sum and a part
    converted = {q.text for c in (*_conversions(a).values(), *_conversions(b).values()) for q in quantities(c)}
    qa = [q for q in quantities(a) if q.text not in converted]  # "(£6bn)" follows its amount: compared apart
    qb = [r for r in quantities(b) if r.text not in converted]
    steps = _successive(a, b)
    only_a = [q for q in qa if not any(q.value == r.value for r in qb) and q.text not in steps]
    only_b = [r for r in qb if not any(r.value == q.value for q in qa) and r.text not in steps]
    out = []
    used: set[int] = set()
    for q in only_a:
        for i, r in enumerate(only_b):
            if i in used or q.currency != r.currency or q.percent != r.percent or q.is_word != r.is_word:
                continue
            if _is_year(q.text) != _is_year(r.text):
                continue
            # Like with like: same currency, both percentages, or the same noun after the number.
            if not (q.currency or q.percent or (q.unit and q.unit == r.unit)):
                continue
            if q.measure and r.measure and q.measure != r.measure:
                continue
            wa, wb = _window(a, q), _window(b, r)
            counted = q.unit and q.unit == r.unit and not (q.currency or q.percent)  # "2,100 people" / "1,200 residents"
            changed = _changed_to(a, q) or _changed_to(b, r)  # an update names who changed it, not a holder
            if not counted and len(_near(a, q) & _near(b, r)) < 2 or _rounded(q, r) \
                    or not changed and _other_subjects(wa, wb, a, b) or _narrowed(a, q, b) != _narrowed(b, r, a):
                continue
            out.append(Difference("number", q.text, r.text))
            used.add(i)
            break
    return out


def _is_year(text: str) -> bool:
    return bool(re.fullmatch(r"(19|20)\d\d", text))


_ROLE = re.compile(r"\b(" + "|".join(sorted(_ROLE_WORDS)) + r")\b(?:\s+|-)((?:[\w’']+(?:-[\w’']+)*\s+){1,3})",
                   re.IGNORECASE)


def _role_differences(a: str, b: str) -> list[Difference]:
    """"a top Trump administration official" vs "former Trump administration official": two role
    words in front of the same words, about the same person or thing."""
    ra = {(m[1].lower(), " ".join(m[2].lower().split()[:2])) for m in _ROLE.finditer(a)}
    rb = {(m[1].lower(), " ".join(m[2].lower().split()[:2])) for m in _ROLE.finditer(b)}
    out = []
    for role_a, head in ra:
        for role_b, head_b in rb:
            if head == head_b and role_a != role_b and {role_a, role_b} != {"ex", "former"} \
                    and (role_b, head) not in ra and (role_a, head) not in rb:
                out.append(Difference("role", role_a, role_b))
    return out[:1]


def _word_set(text: str) -> set[str]:
    return {w.lower() for w in re.findall(r"[A-Za-z]+", text)}


def _set_differences(a: str, b: str, vocab: set[str], kind: str) -> list[Difference]:
    wa, wb = _word_set(a) & vocab, _word_set(b) & vocab
    if wa and wb and wa != wb and not (wa & wb):
        return [Difference(kind, "/".join(sorted(wa)), "/".join(sorted(wb)))]
    return []


_AGE_OF = re.compile(r"\b([A-Z][\w'’-]+),\s+(\d{2}),")  # "Thanou, 29," — a person's age in apposition


_NO_ONE = WEEKDAYS | set(MONTHS)  # "January, 12," is a date


@lru_cache(maxsize=8192)
def _ages(text: str) -> dict[str, str]:
    return {m[1]: m[2] for m in _AGE_OF.finditer(text) if m[1].lower() not in _NO_ONE and 14 <= int(m[2]) <= 99}


def _age_differences(a: str, b: str) -> list[Difference]:
    """"Thanou, 29," in one report and "Thanou, 30," in another: one person, two ages. The
    apposition says whose age it is, so the sentences need not tell the same thing."""
    ages_b = _ages(b)
    return [Difference("age", f"{who}, {age}", f"{who}, {ages_b[who]}")
            for who, age in _ages(a).items() if who in ages_b and ages_b[who] != age]


def short_name(name: str) -> str:
    """'British Defense Secretary John Healey' → 'John Healey', for display."""
    words = name.split()
    return " ".join(words[-2:]) if len(words) > 2 and words[-1][:1].isupper() else name


def shown(d: Difference, swapped: bool = False) -> Difference:
    """The difference as a reader sees it: short names, values in the order of the versions shown
    (`swapped` when the second sentence's version comes first, as the earlier report of an update)."""
    left, right = short_name(d.left), short_name(d.right)
    return Difference(d.kind, *((right, left) if swapped else (left, right)), d.close)


def compare_sentences(a: str, b: str, article_a: str = "", article_b: str = "",
                      counterparts: bool = True) -> list[Difference]:
    """Fact differences between two sentences. Two conversions of one amount, and one person's
    name spelt two ways, count on their own; everything else needs the sentences to tell the same
    thing (alignment: numbers and other names closer than roles), and a weekday close alignment,
    since different events happen on different days. The articles, when given, show who is a person.
    `counterparts=False`: the sentences are not each other's closest match across the two
    articles, so only the differences that need no alignment are looked for."""
    aligned = alignment(a, b) if counterparts else 0.0
    context = (article_a, article_b) if article_a or article_b else ()
    diffs = [d for d in _name_differences(a, b, context) if d.close or aligned >= (MIN_JACCARD if d.kind == "name" else 1e-9)]
    diffs += _conversion_differences(a, b)
    diffs += _age_differences(a, b)
    if aligned >= MIN_JACCARD:
        diffs += [d for d in _number_differences(a, b) if d not in diffs]
    if aligned >= SAME_SENTENCE:
        diffs += [d for d in _swapped_names(a, b) if not any({d.left, d.right} & {e.left, e.right} for e in diffs)]
    if aligned > 0:
        diffs += _role_differences(a, b)
    if aligned >= 0.45:
        diffs += _set_differences(a, b, set(WEEKDAYS), "weekday")
    return diffs


_CHANGE = re.compile(r"\b(?:now|improved|raised|increased|cut|lowered|reduced|revised|updated|new|latest|"
                     r"rose|risen|fell|fallen|climbed|dropped|up from|down from|has since|was later)\b", re.IGNORECASE)


def relation(sides: list) -> tuple[str, list]:
    """'update' when two dated reports differ and the later one speaks of a change ("improved its
    offer to 5 percent"); the earlier report then comes first. Otherwise a 'disagreement'.
    `sides` are anything with `.published` and `.text`."""
    if all(s.published for s in sides) and len({s.published for s in sides}) == len(sides):
        ordered = sorted(sides, key=lambda s: s.published)
        if _CHANGE.search(ordered[-1].text):
            return "update", ordered
    return "disagreement", sides
