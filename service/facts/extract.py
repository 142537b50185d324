"""Deterministic fact extraction: numbers, names, negation. Shared by citation checks and conflicts.

No NLI model ships offline, so these simple, inspectable rules are what decide whether a claim
and a passage agree on the things readers get hurt by: amounts, counts, dates and who said it.
"""
from __future__ import annotations

import re
from dataclasses import dataclass
from functools import lru_cache

from service.facts.words import content_words

_NUMBER_WORDS = {
    "zero": 0, "one": 1, "two": 2, "three": 3, "four": 4, "five": 5, "six": 6, "seven": 7,
    "eight": 8, "nine": 9, "ten": 10, "eleven": 11, "twelve": 12, "thirteen": 13, "fourteen": 14,
    "fifteen": 15, "sixteen": 16, "seventeen": 17, "eighteen": 18, "nineteen": 19, "twenty": 20,
    "thirty": 30, "forty": 40, "fifty": 50, "sixty": 60, "seventy": 70, "eighty": 80, "ninety": 90,
    "hundred": 100, "dozen": 12,
}
_SCALES = {"thousand": 1e3, "million": 1e6, "billion": 1e9, "trillion": 1e12, "bn": 1e9, "m": 1e6, "k": 1e3}
_CURRENCY = {"€": "EUR", "$": "USD", "£": "GBP", "eur": "EUR", "euro": "EUR", "euros": "EUR",
             "usd": "USD", "dollar": "USD", "dollars": "USD", "gbp": "GBP", "pound": "GBP", "pounds": "GBP",
             "yen": "JPY", "naira": "NGN", "rupee": "INR", "rupees": "INR", "rouble": "RUB", "roubles": "RUB",
             "ruble": "RUB", "rubles": "RUB", "yuan": "CNY", "rand": "ZAR", "peso": "PESO", "pesos": "PESO",
             "krona": "SEK", "kronor": "SEK", "krone": "NOK", "kroner": "NOK", "franc": "CHF", "francs": "CHF"}
_DOLLARS = {"A": "AUD", "AU": "AUD", "US": "USD", "C": "CAD", "HK": "HKD", "NZ": "NZD", "S": "SGD"}  # "A$245m"
_NUM = re.compile(
    r"(?:(?P<pre>AU|A|US|C|HK|NZ|S)(?=\$))?(?P<cur>[€$£])?\s?(?P<num>\d{1,3}(?:,\d{3})+(?:\.\d+)?|\d+(?:\.\d+)?)"
    r"(?:\s?(?P<scale>thousand|million|billion|trillion|bn|m|k)\b)?"
    r"(?:\s?(?P<pct>%|percent|per cent))?"
    r"(?:\s(?P<cur2>euros?|dollars?|pounds?|usd|eur|gbp|yen|naira|rupees?|roubles?|rubles?|yuan|rand|pesos?|"
    r"kronor|krona|kroner|krone|francs?)\b)?",
    re.IGNORECASE,
)
_WORD_NUM = re.compile(r"\b(" + "|".join(_NUMBER_WORDS) + r")\b", re.IGNORECASE)
_MONTHS = ("january february march april may june july august september october november december").split()
MONTHS = _MONTHS
WEEKDAYS = frozenset("monday tuesday wednesday thursday friday saturday sunday".split())
_NEGATIONS = {"not", "no", "never", "none", "nobody", "nothing", "neither", "nor", "without", "cannot",
              "refused", "refuses", "hardly", "barely", "scarcely"}
_ANTONYMS = [("rose", "fell"), ("increase", "decrease"), ("increased", "decreased"), ("won", "lost"),
             ("approved", "rejected"), ("accepted", "rejected"), ("higher", "lower"), ("more", "fewer"),
             ("up", "down"), ("allowed", "banned"), ("opened", "closed"), ("confirmed", "denied"),
             ("attended", "skipped"), ("top", "former"), ("current", "former"), ("beat", "lost"),
             ("defeated", "lost"), ("beat", "lose"), ("gained", "lost"), ("profit", "loss"),
             ("profits", "losses"), ("rise", "fall"), ("rising", "falling"),
             ("rose", "dropped"), ("rose", "declined"), ("rise", "drop"), ("rise", "decline"),
             ("increase", "decline"), ("grew", "shrank"), ("grew", "contracted"), ("growth", "contraction"),
             ("welcomed", "criticised"), ("backed", "criticised"), ("praised", "criticised"), ("admitted", "denied"),
             ("welcomed", "condemned"), ("valid", "invalid"), ("legal", "illegal"),
             ("admitted", "denies"), ("admitted", "denied"), ("successor", "predecessor"),
             ("imports", "exports"), ("buyer", "seller"), ("fell", "risen"), ("fall", "risen"),
             ("fallen", "rose"), ("common", "hardly")]
# Opposites news turns on, each side in its usual forms (a general list, not one learned from cases).
_OPPOSITE_FAMILIES = [
    ("raise raises raised raising", "lower lowers lowered lowering"),
    ("increase increases increased increasing", "cut cuts cutting reduce reduces reduced reducing"),
    ("support supports supported supporting", "oppose opposes opposed opposing"),
    ("ahead", "behind"), ("above", "below"), ("gain gains gained", "fell falls falling"),
    ("strengthen strengthened stronger", "weaken weakened weaker"), ("success successful", "failure unsuccessful"),
    ("succeeded", "failed"), ("surplus", "deficit"), ("cheaper", "dearer"), ("guilty convicted", "innocent acquitted"),
    ("optimistic", "pessimistic"), ("best", "worst"), ("highest", "lowest"), ("biggest largest", "smallest"),
    ("richest", "poorest"), ("win wins winning", "lose loses losing"), ("agreed agrees", "refused refuses"),
    ("accelerated accelerating", "slowed slowing"), ("expanded expanding", "shrank shrinking"),
]
_ANTONYMS += [(x, y) for a, b in _OPPOSITE_FAMILIES for x in a.split() for y in b.split()]
COMMON_CAPITALISED = {
    "the", "a", "an", "in", "on", "at", "he", "she", "it", "they", "we", "i", "this", "that", "these",
    "those", "but", "and", "or", "as", "after", "before", "while", "when", "according", "despite",
    "meanwhile", "however", "during", "since", "for", "from", "with", "by", "to", "of", "his", "her",
    "their", "its", "our", "there", "both", "some", "many", "more", "most", "also", "yes", "no",
    "friday", "monday", "tuesday", "wednesday", "thursday", "saturday", "sunday", "what", "who",
    "which", "where", "why", "how", "sources", "source", "outlets", "all", "about", "around",
    "under", "over", "following", "among", "unlike", "like", "amid", "without", "within", "through",
    "until", "once", "if", "although", "because", "though", "whether", "unless", "under-fire",
    "any", "every", "each", "such", "several", "few", "other", "another", "only", "even",
    *_MONTHS,
}
# Capitalised in titles and roles, but not names whose spelling a citation must match.
TITLE_WORDS = {
    "secretary", "minister", "president", "defence", "defense", "foreign", "prime", "chief", "executive",
    "director", "mayor", "union", "leader", "government", "council", "general", "spokesperson", "envoy",
    "special", "state", "department", "ministry", "national", "regional", "county", "city", "uk", "us",
    "u.s", "u.s.", "british", "american", "european", "russian", "ukrainian", "german", "french",
    "senior", "former", "top", "deputy", "official", "officials", "administration", "engineer",
    "mp", "mps", "mep", "meps", "msp", "msps",
}


@dataclass(frozen=True)
class Quantity:
    value: float
    currency: str | None
    percent: bool
    text: str
    unit: str = ""  # the noun right after the number ("jobs", "hour"), for comparing like with like
    measure: str = ""  # what an amount measures, said just before it: "profit", "sales", "price"…

    @property
    def is_word(self) -> bool:
        return self.text.isalpha()


UNIT_SYNONYMS = {"residents": "people", "resident": "people", "persons": "people", "person": "people",
                  "inhabitants": "people", "locals": "people", "villagers": "people", "hours": "hour",
                  "days": "day", "jobs": "job", "workers": "worker", "years": "year"}
_NEXT_WORD = re.compile(r"^[\s-]*([A-Za-z]+)")


def _unit(text: str, end: int) -> str:
    m = _NEXT_WORD.match(text[end:end + 30])
    word = m[1].lower() if m else ""
    return UNIT_SYNONYMS.get(word, word)


_MEASURES = {"profit": "profit", "profits": "profit", "earnings": "profit", "income": "profit",
             "loss": "loss", "losses": "loss", "sales": "sales", "revenue": "sales", "revenues": "sales",
             "turnover": "sales", "price": "price", "cost": "cost", "costs": "cost", "debt": "debt",
             "debts": "debt", "deficit": "deficit", "surplus": "surplus", "fine": "fine", "damages": "damages",
             "salary": "pay", "pay": "pay", "bonus": "bonus", "budget": "budget", "investment": "investment"}
_MEASURE_BEFORE = re.compile(r"\b(" + "|".join(_MEASURES) + r")\b(?!.*\b(?:" + "|".join(_MEASURES) + r")\b)",
                             re.IGNORECASE)


def _measure(text: str, start: int) -> str:
    """The last measure word in the few words before an amount: "net profit of $32bn" → profit."""
    m = _MEASURE_BEFORE.search(text[max(0, start - 40):start])
    return _MEASURES[m[1].lower()] if m else ""


def _to_float(num: str) -> float:
    return float(num.replace(",", ""))


def quantities(text: str) -> list[Quantity]:
    """Numbers with their scale, currency and percent sign, normalised to comparable values."""
    out = []
    for m in _NUM.finditer(text):
        at = m.start("pre") if m["pre"] else m.start("cur") if m["cur"] else m.start("num")
        if at > 0 and (text[at - 1] == "/" or text[at - 1].isalpha()):
            continue  # part of an identifier: "C/2026", "F3"
        cur = _DOLLARS[m["pre"]] if m["pre"] else m["cur"] or m["cur2"]
        scale = (m["scale"] or "").lower()
        if scale == "m" and not cur and not _COUNTED_M.match(text, m.end()):
            scale = ""  # "1500m", "the 60m hurdles": metres, not millions (but "1.4m workers" is)
        value = _to_float(m["num"]) * _SCALES.get(scale, 1)
        out.append((Quantity(round(value, 6), _CURRENCY.get(cur.lower(), cur) if cur else None,
                             bool(m["pct"]), m.group().strip(), _unit(text, m.end()), _measure(text, m.start())), at))
    shares = [m for m in _SHARE_WORDS.finditer(text) if m[1] or m[4] or text[m.end():m.end() + 3] == " of"]
    ratios = [m for m in _RATIO.finditer(text)]
    out = [q for q, at in out if not any(r.start() <= at < r.end() for r in ratios)]
    for m in _WORD_NUM.finditer(text):
        if not any(sh.start() <= m.start() < sh.end() for sh in shares + ratios):
            out.append(Quantity(float(_NUMBER_WORDS[m[1].lower()]), None, False, m[1], _unit(text, m.end())))
    for m in _HALF.finditer(text):  # "half a million" is 500,000
        out.append(Quantity(0.5 * _SCALES[m[1].lower()], None, False, m.group(), _unit(text, m.end())))
    for m in shares:  # "a quarter of a million" is 250,000; "three quarters of spam" is 75%
        part = _PARTS[m[3].lower().rstrip("s")] * (_NUMBER_WORDS.get(m[2].lower(), 1) if m[2].lower() not in ("a", "one") else 1)
        if m[4]:
            out.append(Quantity(round(part * _SCALES[m[4].lower()], 6), None, False, m.group(), _unit(text, m.end())))
        elif m[2].lower() not in ("a", "one"):
            out.append(Quantity(round(100 * part, 2), None, True, m.group()))
    for m in ratios:  # "two in five people" is 40%
        out.append(Quantity(round(100 * _count(m[1]) / _count(m[2]), 2), None, True, m.group()))
    for m in _DECADE.finditer(text):  # "within a decade" is ten years
        out.append(Quantity(10.0, None, False, m.group(), "year"))
    return out


_PARTS = {"quarter": 0.25, "third": 1 / 3, "half": 0.5}
# A share, not three quarters of a year: "of" follows, or "almost" / "about" comes before.
_SHARE_WORDS = re.compile(r"(?:\b(almost|nearly|about|around|roughly)\s+)?\b(a|one|two|three)[\s-]+(quarters?|thirds?)\b"
                          r"(?:\s+of\s+an?\s+(thousand|million|billion))?", re.IGNORECASE)
_RATIO = re.compile(r"\b(one|two|three|four|five|six|seven|eight|nine|\d)\s+(?:\w+\s+)?in\s+(?:every\s+)?(two|three|four|five|six|"
                    r"seven|eight|nine|ten|\d{1,2})\b(?!\s*(?:years?|months?|weeks?|days?|hours?|minutes?|games?|matches))",
                    re.IGNORECASE)


def _count(word: str) -> float:
    return float(word) if word.isdigit() else float(_NUMBER_WORDS[word.lower()])


_DECADE = re.compile(r"\b(?:a|one|the (?:next|last|past|previous|coming)) decade\b", re.IGNORECASE)


_COUNTED_M = re.compile(r"\s+(?:people|workers|users|viewers|homes|households|customers|subscribers|"
                        r"copies|shares|jobs|visitors|tourists|passengers|voters|children|adults|pensioners|"
                        r"members|listeners|readers|downloads|units|barrels|tonnes)\b")
_HALF = re.compile(r"\bhalf an? (thousand|million|billion|trillion)\b", re.IGNORECASE)


def stems(words: set[str]) -> set[str]:
    """Five-letter stems: "banned" meets "ban", "loss" meets "lost" only when both are short."""
    return {w[:5] if len(w) > 5 else w.rstrip("s") or w for w in words}


NUMBER_CONTEXT = 0.25  # share of the claim's words a number's own source sentence must hold


def _is_year(q: Quantity) -> bool:
    return q.currency is None and not q.percent and q.text.isdigit() and len(q.text) == 4 and 1900 <= q.value <= 2100


def numbers_agree(claim: str, passage: str, known: tuple[float, ...] = (), article: str = "",
                  before: str = "", headline: str | None = None,
                  premise: frozenset[str] = frozenset()) -> tuple[bool, list[str]]:
    """Every quantity in the claim must occur in the passage (same value, same currency), and in
    a sentence that is about the claim: "Germany gave €21 billion" is not supported by a passage
    where €21 billion is the total and Germany gave €11 billion.

    A year is the exception: news gives it once ("results for 2004") and then speaks of "the three
    months to December". A year the passage lacks counts when the passage names no other year and
    an article sentence sharing half the claim's words states it.

    A sentence that refers back to someone the claim names ("The 48-year-old actor…", "She
    retired in 1963", "Mr Sullivan, 42,") holds that person's name as context: `before` is the
    article text just before the passage, where the reference is resolved. `premise`: stemmed words
    the claim repeats from the question and the article holds; they count as context in a sentence
    that shares a word of its own with the claim ("Tuesday's gig has been rescheduled for 15 June"
    for "REM's cancelled Glasgow concert was moved to 15 June")."""
    from index.sentences import split_sentences

    words = stems({w for w in content_words(claim) if not any(c.isdigit() for c in w)})
    claim_names = names(claim)
    parts = split_sentences(passage)
    sentences = []
    for i, sent in enumerate(parts):
        context = stems(content_words(sent))
        if claim_names:
            previous = parts[i - 1] if i else (split_sentences(before[-600:]) or [""])[-1]
            forms = _word_forms(sent)
            for n in claim_names:
                in_sentence = any(w.lower() in forms for w in n.split() if w.lower() not in TITLE_WORDS)
                if in_sentence or refers_back_to(n, sent, previous, article, headline):  # "Mr Sullivan, 42,"
                    context |= stems(content_words(n))
        sentences.append((quantities(sent), context))
    passage_years = {h.value for have, _ in sentences for h in have if _is_year(h)}
    claim_values = {q.value for q in quantities(claim)}
    missing = []
    for q in quantities(claim):
        if q.text.lower() in {"one"}:  # "one of the..." is rarely a quantity
            continue
        if q.value in known and not q.currency:  # e.g. the year of the article's date line
            continue
        ok = any(any(h.value == q.value and (q.currency is None or h.currency == q.currency
                                             or h.currency is None and h.unit in _NOT_UNITS)  # not "300m articles"
                     for h in have)
                 and (not words or len(words & sent_words) / len(words) >= NUMBER_CONTEXT
                      or bool(words & sent_words) and len(words & (sent_words | premise)) / len(words) >= NUMBER_CONTEXT)
                 for have, sent_words in sentences)
        if not ok and _is_year(q) and not passage_years and any(
                re.search(rf"\b{q.text}\b", sent) and len(words & stems(content_words(sent))) / max(len(words), 1)
                >= 0.5 for sent in sentences_of(article)):
            ok = True  # the year is stated in the article, in a sentence about the claim
        if ok and _unit_conflict(q, [h for have, _ in sentences for h in have], claim_values):
            ok = False  # "three medals" from "within three years … won five medals"
        same = [h for have, _ in sentences for h in have if h.value == q.value]
        if ok and _time_unit(q.unit) and same and all(_time_unit(h.unit) not in ("", _time_unit(q.unit)) for h in same):
            ok = False  # "four weeks after" from "four days after"
        if ok and q.measure and same and all(h.measure and h.measure != q.measure for h in same):
            ok = False  # "a net profit of $32bn" from "annual sales of $32bn"
        if not ok:
            missing.append(q.text)
    return not missing, missing


_TIME_UNITS = {"second", "minute", "hour", "day", "week", "fortnight", "month", "year", "decade"}


def _time_unit(unit: str) -> str:
    u = unit.lower().rstrip("s")
    return u if u in _TIME_UNITS else ""


_NOT_UNITS = {"", "of", "to", "in", "on", "at", "and", "or", "per", "a", "the", "from", "for", "by", "than", "more",
              "new", "percent", "cent", "million", "billion", "trillion", "is", "was", "were", "are", "has", "have"}


def _unit_conflict(q: Quantity, have: list[Quantity], claim_values: set[float] = frozenset()) -> bool:
    """The claim counts one thing, the source gives that number for another thing only, and gives
    the claim's thing another number, one the claim does not give itself ("64 of 146 respondents"
    from "64 respondents out of 146")."""
    if q.unit in _NOT_UNITS or q.currency or q.percent:
        return False
    same_value = [h for h in have if h.value == q.value]
    # "…and the TGWU has 800,000." leaves the thing counted unsaid: that is not another thing.
    return bool(same_value) and all(h.unit != q.unit and h.unit not in _NOT_UNITS for h in same_value) and any(
        h.unit == q.unit and h.value != q.value and h.value not in claim_values for h in have)


def _range(a: str, b: str) -> str:
    return rf"{a}(?:\s*(?:-|–|to|and)\s*|-to-){b}"


_PERIODS = [(tag, re.compile(rx, re.IGNORECASE)) for tag, rx in [
    ("Q1", r"\b(?:first|1st|opening) quarter\b|\bq1\b|" + _range("january", "march") +
     r"|\b(?:first|opening) three months\b|\bthree months to (?:the end of )?(?:31 )?march\b"),
    ("Q2", r"\b(?:second|2nd) quarter\b|\bq2\b|" + _range("april", "june") +
     r"|\bthree months to (?:the end of )?(?:30 )?june\b"),
    ("Q3", r"\b(?:third|3rd) quarter\b|\bq3\b|" + _range("july", "september") +
     r"|\bthree months to (?:the end of )?(?:30 )?september\b"),
    ("Q4", r"\b(?:fourth|4th|final|last) quarter\b|\bq4\b|" + _range("october", "december") +
     r"|\b(?:last|final) three months\b|\bthree months to (?:the end of )?(?:31 )?december\b"),
    ("H1", r"\bfirst half\b|\bfirst six months\b|\bsix months to (?:the end of )?(?:30 )?june\b|" + _range("january", "june")),
    ("H2", r"\bsecond half\b|\b(?:last|final) six months\b|\bsix months to (?:the end of )?(?:31 )?december\b|"
     + _range("july", "december")),
]]
_WEEKDAY_NAMES = re.compile(r"\b(Monday|Tuesday|Wednesday|Thursday|Friday|Saturday|Sunday)\b")
_MONTH_NAMES = re.compile(r"\b(" + "|".join(m.capitalize() for m in _MONTHS) + r")\b")
MONTH_YEAR = re.compile(r"\b(" + "|".join(m.capitalize() for m in _MONTHS) + r")\s+(?:\d{1,2},?\s+)?((?:19|20)\d\d)\b")


def periods(text: str) -> set[str]:
    """Quarters and halves however a report words them: "the last three months of 2004",
    "October to December" and "the three months to 31 December" are all Q4."""
    return {tag for tag, rx in _PERIODS if rx.search(text)}


def dates_agree(claim: str, passage: str) -> tuple[bool, str | None]:
    """A period, weekday or month in the claim must not contradict the one the passage gives."""
    mine, theirs = periods(claim), periods(passage)
    if mine and theirs and not mine & theirs:
        return False, f"period differs: {', '.join(sorted(mine))} in the claim, {', '.join(sorted(theirs))} in the source"
    for rx in (_WEEKDAY_NAMES, _MONTH_NAMES):  # capitalised: "may" the verb is not May
        said, given = set(rx.findall(claim)), set(rx.findall(passage))
        if said and given and not said & given and not (mine and mine & theirs):
            return False, f"date differs: {', '.join(sorted(said))} in the claim, {', '.join(sorted(given))} in the source"
    # "a role he won in May 2002" does not support "in May 2001", though the passage says 2001 elsewhere
    given = set(MONTH_YEAR.findall(passage))
    for month, year in sorted(set(MONTH_YEAR.findall(claim)) - given):
        # ("next July" is another July)
        other = [f"{m} {y}" for m, y in given
                 if m == month or y == year and not re.search(rf"(?<!next )(?<!last )\b{month}\b", passage)]
        if other:
            return False, f"date differs: {month} {year} in the claim, {', '.join(sorted(other))} in the source"
    return True, None


# Who did what: a claim's role must be the source's role, not a rival one ("directed by" is
# not "starring"; the buyer is not the seller; the chairman is not the chief executive).
_ROLE_FAMILIES = {name: re.compile(rx, re.IGNORECASE) for name, rx in {
    "director": r"\b(?:direct(?:ed|s|ing|or|ors)?)\b",
    "star": r"\b(?:star(?:s|red|ring)?|actor|actress|plays|played|playing|co-stars?)\b",
    "writer": r"\b(?:wrote|written|writes|writing|writer|author|authored|penned|novelist|screenwriter)\b",
    "producer": r"\b(?:produc(?:ed|es|ing|er|ers))\b",
    "buyer": r"\b(?:b(?:ought|uy|uys|uying|uyer)|acquir(?:e|ed|es|ing)|acquisition|purchas(?:e|ed|ing)|takeover|take over)\b",
    "seller": r"\b(?:s(?:old|ell|ells|elling|eller)|dispos(?:e|ed|al)|offload(?:ed)?)\b",
    "chairman": r"\b(?:chair(?:man|woman|person)?)\b",
    "ceo": r"\b(?:chief executive|ceo|boss|managing director)\b",
    "cfo": r"\b(?:chief financ(?:e|ial) officer|cfo|finance director)\b",
    "coo": r"\b(?:chief operating officer|coo)\b",
}.items()}
_RIVAL_ROLES = [("director", "star"), ("director", "writer"), ("writer", "star"), ("producer", "director"),
                ("producer", "star"), ("buyer", "seller"), ("chairman", "ceo"), ("ceo", "cfo"), ("ceo", "coo"),
                ("cfo", "coo")]


def roles_agree(claim: str, passage: str) -> tuple[bool, str | None]:
    for a, b in _RIVAL_ROLES:
        for x, y in ((a, b), (b, a)):
            fx, fy = _ROLE_FAMILIES[x], _ROLE_FAMILIES[y]
            if fx.search(claim) and not fx.search(passage) and fy.search(passage) and not fy.search(claim):
                return False, f"role differs: {x} in the claim, {y} in the source"
    return True, None


_NAME = re.compile(r"\b[A-Z][\w’'-]*(?:\s+(?:[A-Z][\w’'-]*|of|de|von|van|al|bin))*\b")


def names(text: str) -> list[str]:
    """Capitalised word runs, minus sentence-initial common words ("The", "He", weekdays)."""
    out = []
    for m in _NAME.finditer(text):
        words = m.group().split()
        while words and re.sub(r"[’']s$", "", words[0]).lower() in COMMON_CAPITALISED:
            words = words[1:]
        while words and words[-1].lower() in {"of", "de", "von", "van", "al", "bin"}:
            words = words[:-1]
        words = [re.sub(r"[’']s$", "", w) for w in words]
        words = [w for w in words if not _MONTH_RANGE.fullmatch(w)]  # "October-to-December"
        if words:
            out.append(" ".join(words))
    return out


_MONTH_RANGE = re.compile(r"(?:" + "|".join(m.capitalize() for m in _MONTHS) + r")(?:-(?:to|and)?-?(?:"
                          + "|".join(m.capitalize() for m in _MONTHS) + r"))+")


def name_tokens(text: str) -> set[str]:
    """Words of proper names that a supporting passage must contain (titles/roles excluded)."""
    words = {w.strip("’'").removesuffix("’s").removesuffix("'s") for n in names(text) for w in n.split()}
    return {w for w in words if len(w) > 1 and w.lower() not in TITLE_WORDS}


_TOKEN = re.compile(r"[\w’'-]+|[,.;:]")
_LINKS = {"by", "to", "of", "for", "with", "from", "in", "on", "at", "and", "or", "the", "a", "an", "as", "than"}


_AUXILIARIES = {"has": "have", "had": "have", "is": "be", "are": "be", "was": "be", "were": "be"}


@lru_cache(maxsize=16384)
def mentions(text: str, name: str) -> bool:
    """The name as a whole word: "Goya" is not in "Naresh Goyal"."""
    return re.search(rf"(?<![\w-]){re.escape(name)}(?![\w-])", text) is not None


def starts(tokens: list[str], name: list[str]) -> list[int]:
    """Where the name's words stand, in a row, among the tokens."""
    return [i for i in range(len(tokens) - len(name) + 1) if tokens[i:i + len(name)] == name]


def place_tokens(text: str) -> list[str]:
    """Words and stops, "'s" apart, articles dropped ("behind the National Gallery")."""
    return [t for t in _TOKEN.findall(re.sub(r"(\w)['’]s\b", r"\1 's", text)) if t.lower() not in ("the", "a", "an")]


def name_places(tokens: list[str], name: list[str]) -> list[tuple[tuple[str, ...], ...]]:
    """The words around each place a name stands, cut to five letters ("adviser" is "advisor", and
    "has" is "have"):
    the two before it, the two before the description it ends ("by [gas monopoly] Gazprom"), and
    the two after it (none when a comma or full stop follows)."""
    def key(ws):
        return tuple(_AUXILIARIES.get(w.lower(), w.lower()[:5]) for w in ws)

    out = []
    for i in starts(tokens, name):
        after = tokens[i + len(name):i + len(name) + 2]
        k = i
        while k > 0 and i - k < 4 and tokens[k - 1].isalpha() and tokens[k - 1].islower() \
                and tokens[k - 1] not in _LINKS:
            k -= 1
        out.append((key(tokens[max(0, i - 2):i]), key(tokens[max(0, k - 2):k]) if k < i else (),
                    key(after) if not set(after) & set(",.;:") else ()))
    return out


def same_place(mine, theirs, descriptions: bool = True) -> bool:
    """Two of `name_places`' contexts agree (the one past a description only when `descriptions`)."""
    return any(len(a) == 2 and a == b for x in mine for y in theirs
               for k, (a, b) in enumerate(zip(x, y)) if descriptions or k != 1)


def words_beyond_names(text: str, numbers: bool = True) -> set[str]:
    """The text's content words that are not part of a name, stemmed (`numbers=False`: nor figures)."""
    named = {w.lower() for w in name_tokens(text)}
    return stems({w for w in content_words(text) if w not in named and (numbers or not w[:1].isdigit())})


def _word_forms(text: str) -> set[str]:
    """Lower-cased words with quotes and possessives stripped: "Drivers'" and "Drivers" agree."""
    out = set()
    for w in re.findall(r"[\w’'-]+", text):
        w = w.lower().strip("’'-")
        w = w.removesuffix("’s").removesuffix("'s")
        out |= {w, w.replace("-", ""), *w.split("-")}  # "pre-tax" = "pre tax" = "pretax"
    return out


DEMONYMS = {"chinese": "china", "british": "britain", "french": "france", "german": "germany",
             "american": "america", "russian": "russia", "japanese": "japan", "indian": "india",
             "italian": "italy", "spanish": "spain", "irish": "ireland", "scottish": "scotland",
             "welsh": "wales", "english": "england", "european": "europe", "australian": "australia",
             "canadian": "canada", "dutch": "netherlands", "swiss": "switzerland", "greek": "greece",
             "brazilian": "brazil", "mexican": "mexico", "korean": "korea", "israeli": "israel",
             "iraqi": "iraq", "iranian": "iran", "ukrainian": "ukraine", "polish": "poland",
             "swedish": "sweden", "turkish": "turkey", "egyptian": "egypt", "african": "africa",
             "kenyan": "kenya", "nigerian": "nigeria", "pakistani": "pakistan", "argentine": "argentina",
             "argentinian": "argentina", "belgian": "belgium", "danish": "denmark", "norwegian": "norway",
             "finnish": "finland", "portuguese": "portugal", "austrian": "austria", "jamaican": "jamaica"}
# Synonyms news writers swap freely; a claim using one is supported by a source using another.
_NAME_SYNONYMS = [{"commons", "mps", "parliament"}, {"us", "usa", "america", "u.s", "u.s."},
                  {"uk", "britain", "u.k", "u.k."}, {"internet", "net", "web", "online"},
                  {"tories", "conservatives", "conservative", "tory"}, {"lib", "liberal"}]
SAME_NAME = {w: min(g) for g in _NAME_SYNONYMS for w in g}  # one spelling for each group: "tories" -> "conservative"
# Words by which a sentence refers back to someone or something the article named before.
_REFERRING = re.compile(
    r"\b(he|she|his|her|him|they|their|them|its|it|the \d+[ -]year[ -]old|the (?:former |ex-|new )?(?:minister|"
    r"chancellor|secretary|chairman|chairwoman|chief executive|boss|player|striker|star|actor|actress|singer|"
    r"director|manager|coach|firm|company|group|club|side|team|champion|athlete|sprinter|veteran|airline|"
    r"carrier|bank|retailer|giant|band|broadcaster|network|party|leader|premier|spokesman|spokeswoman|"
    r"president|chief|executive|agency|union|brewer|operator|maker|author|writer|novelist|film|show|"
    r"singer|rapper|group|festival|star|american|briton|scot|welshman|englishman|irishman))\b", re.IGNORECASE)


def acronym(name: str) -> str:
    return "".join(w[0] for w in name.split() if w[0].isupper())


def _refers_to(name: str, passage: str, have: set[str], before: str) -> bool:
    """Does the passage point at `name`: by part of it (a surname), its acronym, or a referring
    word ("he", "the 25-year-old", "the airline") when `name` is the last one named before it?"""
    parts = [w.lower() for w in name.split() if w.lower() not in TITLE_WORDS]
    if any(w in have for w in parts):
        return True
    short = acronym(name)
    if len(short) >= 2 and re.search(rf"(?<!\w){re.escape(short)}(?!\w)", passage):
        return True
    pointer = _REFERRING.search(passage)
    if not pointer:
        return False
    # "Union general secretary Tony Woodley repeated his view": the pronoun is Woodley's.
    own = set(name.lower().split())
    head = passage[:pointer.start()]
    if any(len(n.split()) >= 2 and not set(n.lower().split()) & own and n.split()[-1].lower() not in TITLE_WORDS
           and not re.search(rf"\b(?:in|at|from|on|of|to|for)\s+(?:the\s+)?{re.escape(n)}", head, re.IGNORECASE)
           for n in names(head)):
        return False  # but "Speaking in New York, he said" is still the last person named
    earlier = [n for n in names(before) if n.lower() not in TITLE_WORDS and len(n) > 2]
    return bool(earlier) and (earlier[-1] == name or earlier[-1].split()[-1] == name.split()[-1])


def refers_back_to(name: str, sentence: str, previous: str, article: str, headline: str | None = None) -> bool:
    """A sentence opening on a reference ("She retired in 1963", "The 40-year-old comic…") points
    at `name` when the article's headline names that person, or (a description, not a pronoun) when
    that person is the last one named in the sentence before."""
    opening = _REFERRING.match(sentence.lstrip("\"'“‘(")) or _ATTRIBUTED.search(sentence)
    if not opening:
        return False
    surname = name.split()[-1]
    lead = re.sub(r"^[^:]{0,20}:\s*", "", headline or (sentences_of(article) or [""])[0])  # "Obituary: …"
    led = [n for n in names(lead) if n.lower() not in TITLE_WORDS]
    if len(led) == 1 and led[0].split()[-1] == surname:
        return True  # the article's one subject, the only name in its headline (or first sentence)
    # "The 40-year-old comic" after "…fears that Rock…": the last one named, not the one quoted
    # ("…, Steve Martin said."). A bare pronoun may skip back past that name ("she and Anton
    # Dolin founded… She retired"), so it does not count.
    if opening.group(1).lower() in _PRONOUNS:
        return False
    named = [n for n in names(_SPEAKERS.sub(" ", previous)) if n.lower() not in TITLE_WORDS]
    return bool(named) and named[-1].split()[-1] == surname


# A quote attributed to a description: '"…I can win," said the 30 year old, who is retiring in 2006.'
_ATTRIBUTED = re.compile(r"[,\"”’]\s+(?:said|says|added|explained|admitted|insisted|warned)\s+"
                         r"(?=the )(" + _REFERRING.pattern[3:], re.IGNORECASE)
_SPEAKERS = re.compile(r"\b[A-Z][\w'’-]*(?: [A-Z][\w'’-]*)* (?:said|says|told|added|explained)\b|"
                       r"\b(?:said|says|told|added|explained),? [A-Z][\w'’-]*(?: [A-Z][\w'’-]*)*")


_PRONOUNS = {"he", "she", "his", "her", "him", "they", "their", "them", "its", "it"}


def _expand(have: set[str]) -> set[str]:
    out = set(have)
    out |= {country for adj, country in DEMONYMS.items() if adj in have}
    out |= {adj for adj, country in DEMONYMS.items() if country in have}
    for group in _NAME_SYNONYMS:
        if group & have:
            out |= group
    return out


@lru_cache(maxsize=256)
def words_and_synonyms(text: str) -> frozenset[str]:
    """A text's lower-cased words with the names news writers swap for them ("MPs" holds "commons")."""
    return frozenset(_expand(_word_forms(text)))


_OCCUPATIONS = {"artist", "singer", "actor", "actress", "author", "writer", "novelist", "poet", "painter", "designer",
                "architect", "producer", "presenter", "comedian", "dancer", "chef", "coach", "manager", "striker",
                "midfielder", "defender", "goalkeeper", "winger", "sprinter", "athlete", "runner", "player", "star",
                "rapper", "musician", "photographer", "journalist", "critic", "economist", "analyst", "lawyer",
                "judge", "professor", "chancellor", "chairman", "chairwoman", "boss", "spokesman", "spokeswoman",
                "home", "shadow", "founder", "editor", "campaigner", "teacher", "captain"}


def _as_the_article_writes(found: list[str], article: str) -> list[str]:
    """"Artist Shani Rhys James" is Shani Rhys James (a job in front, which the article writes in
    lower case), and "Anne Borthwick of Campaign" is Anne Borthwick and Campaign: the forms to
    look for. "Mark Thompson" stays Mark Thompson, whatever "mark" the article has."""
    out = list(found)  # as written too: "Home Secretary Charles Clarke" is "the home secretary"
    for name in found:
        for part in re.split(r"\s+of\s+", name):
            words = part.split()
            while len(words) > 1 and words[0].lower() in TITLE_WORDS | _OCCUPATIONS and mentions(article, words[0].lower()):
                words = words[1:]
            if " ".join(words) not in out:
                out.append(" ".join(words))
    return out


@lru_cache(maxsize=4096)
def _titled(name: str, article: str) -> bool:
    """The article calls this name a person by a title or a post: "Mr Perez", "president Florentino Perez"."""
    surname, full = re.escape(name.split()[-1]), re.escape(name)
    return re.search(rf"\b(?:Mr|Mrs|Ms|Miss|Dr|Sir|Dame|Lord|Lady)\.?\s+(?:[A-Z][\w'’-]+\s+)?{surname}\b|"
                     rf"\b(?:president|chairman|chairwoman|chief executive|boss|director|minister|secretary|"
                     rf"spokesman|spokeswoman|manager|coach|captain|leader|founder)\s+{full}\b", article) is not None


_ORGANISATION = re.compile(r"[A-Z][\w'’]*(?:(?:\s+(?:and|&|of|for))?\s+[A-Z][\w'’]*)+")
_POSSESSIVE = re.compile(r"(\w['’]s)\s+(?=[A-Z])")


def names_agree(claim: str, passage: str, extra_context: str = "", chunk: str = "", article: str = "",
                before: str = "", headline: str | None = None) -> tuple[bool, list[str]]:
    """Every name word in the claim must occur in the passage (or the article's title/outlet).

    A name the passage only refers to counts when the article names it in full: "Greene holds the
    record" supports "Maurice Greene holds the record" in an article that says "Maurice Greene";
    "the 25-year-old" or "he" count when that person is the last one named before the passage.
    A whole multi-word name found verbatim elsewhere in the cited chunk also counts when the
    passage names someone in the claim. A name merely sharing a word ("John Healey" against
    "James Healey", in an article that never says "John Healey") never does."""
    have = _expand(_word_forms(f"{passage}\n{extra_context}"))
    # "the Securities and Exchange Commission" is the SEC, "Transport & General Worker's Union" the TGWU
    have |= {a.lower() for m in _ORGANISATION.finditer(passage) if len(a := acronym(re.sub(r"^The\s+", "", m[0]))) >= 3}
    wanted = sorted(w for w in name_tokens(claim) if w.lower() not in _NUMBER_WORDS)
    missing = [w for w in wanted if w.lower().strip("’'-") not in have
               and not all(part in have for part in w.lower().strip("’'-").split("-"))]
    if missing and len(missing) < len(wanted) and chunk and not article:  # no article to resolve against
        in_chunk = {w for n in names(claim) if " " in n and re.search(rf"(?<!\w){re.escape(n)}(?!\w)", chunk)
                    for w in n.split()}
        missing = [w for w in missing if w not in in_chunk]
    if missing and article:
        # A capitalised word the article itself writes in lower case ("Selling", "Design engineer")
        # is an ordinary word that opened the sentence, not a name.
        missing = [w for w in missing if not mentions(article, w.lower())]
    if missing and article:
        resolved, referenced = set(), []
        # "Symantec's Kevin Hogan" is Symantec and Kevin Hogan: the article may name him without it
        # (a full name after it: "Massenet's Thais" is one work, not Massenet and a Thais)
        split = [n for n in names(_POSSESSIVE.sub(r"\1, ", claim)) if n not in names(claim) and " " in n]
        claim_names = _as_the_article_writes(names(claim) + split, article)
        for n in claim_names:
            if not set(n.split()) & set(missing):
                continue
            if any(re.search(rf"(?<!\w){re.escape(v)}(?!\w)", article) for v in _variants(n)) and (
                    _refers_to(n, passage, have, before) or refers_back_to(n, passage, before, article, headline)):
                resolved |= set(n.split())
        referenced = [n for n in claim_names if not set(n.split()) & (set(missing) - resolved)]
        # A qualifier of someone the passage refers to, given beside them in one sentence of the
        # article: "TGWU general secretary Tony Woodley" when the passage says "Mr Woodley".
        for n in claim_names:  # a person is nobody's qualifier: "Florentino Perez, Edu's brother"
            if set(n.split()) & (set(missing) - resolved) and referenced and not _titled(n, article) and any(
                    n in sent and any(r in sent for r in referenced) for sent in sentences_of(article)):
                resolved |= set(n.split())
        missing = [w for w in missing if w not in resolved]
    return not missing, missing


# Short forms of first names: "Bernie Ebbers" is the article's "Bernard Ebbers"; "John" and
# "James" Healey stay two people.
_FIRST_NAMES = [{"bernie", "bernard"}, {"bill", "billy", "william"}, {"bob", "bobby", "rob", "robert"},
                {"jim", "jimmy", "james"}, {"mike", "mick", "michael"}, {"tony", "anthony"}, {"tom", "tommy", "thomas"},
                {"dave", "david"}, {"steve", "stephen", "steven"}, {"chris", "christopher"}, {"nick", "nicholas"},
                {"ben", "benjamin"}, {"sam", "samuel"}, {"alex", "alexander"}, {"andy", "andrew"}, {"joe", "joseph"},
                {"dan", "danny", "daniel"}, {"matt", "matthew"}, {"pat", "patrick"}, {"ed", "ted", "edward"},
                {"jeff", "jeffrey"}, {"greg", "gregory"}, {"tim", "timothy"}, {"ken", "kenneth"}, {"ron", "ronald"},
                {"don", "donald"}, {"fred", "frederick"}, {"phil", "philip", "phillip"}, {"charlie", "charles"},
                {"jon", "jonathan"}, {"liz", "elizabeth"}, {"kate", "katherine", "catherine"}, {"sue", "susan"}]


def one_first_name(a: str, b: str) -> bool:
    """"Bernie" and "Bernard", "Tom" and "Thomas", "Alex" and "Alexander": one person's first name."""
    a, b = sorted((a.lower().rstrip("."), b.lower().rstrip(".")), key=len)
    if not a:
        return False
    # A short form is the start of the long one, but Paul is not Paula, nor Chris Christine.
    short = len(a) >= 3 and b.startswith(a) and not re.search(r"(?:a|ine|elle|ette|ie)$", b[len(a) - 1:])
    return a == b or short or any(a in g and b in g for g in _FIRST_NAMES)


def _variants(name: str) -> list[str]:
    """The name as written, and with its first name in another usual form."""
    first, _, rest = name.partition(" ")
    out = [name]
    for group in _FIRST_NAMES if rest else ():
        if first.lower() in group:
            out += [f"{v.capitalize()} {rest}" for v in sorted(group - {first.lower()})]
    return out


@lru_cache(maxsize=64)
def sentences_of(text: str) -> list[str]:
    """An article's sentences, split once however many checks read them."""
    from index.sentences import split_sentences

    return split_sentences(text)


def _words(text: str) -> set[str]:
    return {w.lower().replace("’", "'") for w in re.findall(r"[\w’'-]+", text)}


# Words that look like a direction but are not one ("put the row down to a cock-up", "up to 45,000"),
# and "up"/"down" that are one when a figure follows ("shares were up more than 16%").
_NOT_DIRECTIONS = re.compile(r"\b(?:put|puts|putting)\s+(?:[\w'’-]+\s+){0,4}?down to\b|\bcock[- ]up\b|"
                             r"\bup to\b|\b(?:set|blown|turned|signed|picked|came|come|ended|end) up\b", re.IGNORECASE)
_FIGURE_DIRECTION = re.compile(r"\b(up|down)\s+(?=(?:(?:by|more than|less than|about|around|nearly|almost|over|"
                               r"some|just)\s+)*[£$€\d])", re.IGNORECASE)


def _direction_words(text: str) -> set[str]:
    text = _NOT_DIRECTIONS.sub(" ", text)
    return _words(_FIGURE_DIRECTION.sub(lambda m: "rose " if m[1].lower() == "up" else "fell ", text))


_DIRECTIONS = ({"rose", "rise", "rising", "increase", "increased", "grew", "growth", "gained", "higher", "up", "climbed"},
               {"fell", "fall", "falling", "dropped", "drop", "declined", "decline", "decrease", "decreased", "shrank",
                "contracted", "contraction", "lower", "down"})


_AGAINST = re.compile(r"\b(?:is|was|are|were|be|been|being)\s+(?:strongly\s+|firmly\s+)?against\b", re.IGNORECASE)
_IN_FAVOUR = re.compile(r"\b(?:is|was|are|were|be|been|being)\s+(?:strongly\s+|firmly\s+)?in favou?r\b", re.IGNORECASE)


_WEB_ADDRESS = re.compile(r"\b[\w-]+(?:\.[\w-]+)+\b")  # "napster.no", "www.bbc.co.uk": no "no" in them


def has_negation(text: str) -> bool:
    words = _words(_WEB_ADDRESS.sub(" ", text))
    return bool(words & _NEGATIONS) or any(w.endswith("n't") for w in words) or _YET_TO.search(text) is not None


_YET_TO = re.compile(r"\b(?:has|have|had|is|are|was|were)\s+yet\s+to\b", re.IGNORECASE)  # "have yet to say"


_CLAUSE = re.compile(r",|;|:|\s[-–—]\s|\b(?:said|says|but|while|although|whereas|and)\b", re.IGNORECASE)


def _negated_clauses(text: str) -> list[str]:
    return [c for c in _CLAUSE.split(text) if c and has_negation(c)]


# Words that undo an event: a claim that something was called off needs a source that says so,
# however much else of it the source shares ("The plant will employ 1,200 people").
_REVERSAL = re.compile(r"\b(?:cancel\w*|scrap(?:s|ped|ping)?|abandon\w*|halt(?:s|ed|ing)?|suspend\w*|suspension|"
                       r"called off|calls? off|calling off|shelved?|shelving|axed|postpone\w*|"
                       r"terminat\w*|ditched|shut(?:s|ting)? down|shutdown|stopp(?:ed|ing)|closed down|wound up)\b",
                       re.IGNORECASE)


def reversal_agrees(claim: str, quote: str, question: str = "", article: str = "") -> tuple[bool, str | None]:
    """A claim that an event was undone (cancelled, halted, scrapped) needs a quote that says so,
    unless the question itself says so and the article reports it: the reader's premise ("REM's
    cancelled Glasgow concert… moved to 15 June")."""
    undone = _REVERSAL.search(claim)
    if undone and not _REVERSAL.search(quote) and not (_REVERSAL.search(question) and _REVERSAL.search(article)):
        return False, f"'{undone[0]}' in the claim but the source reports nothing called off"
    return True, None


_HEDGES = {"could", "may", "might", "speculation", "speculated", "speculating", "hoping", "hopes", "hoped",
           "likely", "thought", "rumoured", "rumours", "possible", "possibly", "considering", "mulling",
           "potentially"}
_CLAIM_HEDGES = _HEDGES | {"would", "expected", "expect", "expects", "predicted", "predicts", "forecast", "plans",
                           "plan", "planned", "aims", "aim", "intends", "believed", "believes", "understood",
                           "reportedly", "suggest", "suggests", "suggested", "whether", "proposed", "considered",
                           "consider", "considers", "thinking", "think", "thinks", "weighing", "hope"}
_CLAUSE_END = re.compile(r"[,;:]|\s[-–—]\s|\bbut\b")


def _hedge_words(text: str, vocabulary: set[str] = _HEDGES) -> list[re.Match]:
    """Hedging words, in any case but "May", which is a month."""
    return [m for m in re.finditer(r"[\w’'-]+", text) if m[0] != "May" and m[0].lower() in vocabulary]


def certainty_agrees(claim: str, sentence: str) -> tuple[bool, str | None]:
    """"Sumitomo has agreed a full merger" is not what "there has been speculation that this could
    lead to a full blown merger" says: a sentence that only thinks, hopes or speculates does not
    support a claim that states it as done."""
    if _hedge_words(claim, _CLAIM_HEDGES):
        return True, None
    mine = stems(content_words(claim))
    for m in _hedge_words(sentence):
        # A hedge covers the rest of its clause: "Reyes said it may be visible next winter" hedges
        # the comet's visibility, not who Reyes is; "Despite fears that the deal could collapse,
        # Mittal completed its takeover" does not hedge the takeover.
        end = _CLAUSE_END.search(sentence, m.end())
        # …across an apposition: "hoping that her rival, fellow Russian Svetlana Feofanova, will…"
        aside = re.match(r",\s*(?:[\w’'-]+\s+){0,5}[\w’'-]+\s*,", sentence[end.start():]) if end else None
        if aside:
            end = _CLAUSE_END.search(sentence, end.start() + aside.end())
        if len(mine & stems(content_words(sentence[m.end():end.start() if end else None]))) >= 2:
            return False, f"the source hedges ('{m[0]}'); the claim states it as fact"
    return True, None


def polarity_agrees(claim: str, passage: str, quote: str = "") -> tuple[bool, str | None]:
    """Catch negation flips and simple antonym swaps between a claim and its support.

    A negated claim needs a negated source. A negation in the source only counts against a
    positive claim when its clause is about the claim (shares two content words with it):
    "Osei said the company could not afford more" does not contradict "Osei is chief executive".
    """
    if has_negation(claim) and not has_negation(quote or passage):
        return False, "negation differs"
    if not has_negation(claim):
        claim_words = content_words(claim)
        for clause in _negated_clauses(passage):
            if len(claim_words & content_words(clause)) >= 2:
                return False, "negation differs"
    cw, pw, qw = _direction_words(claim), _direction_words(passage), _direction_words(quote)
    for w in cw:  # "fiction prize" is not the "non-fiction prize"
        if f"non-{w}" in pw and w not in pw:
            return False, f"'{w}' in the claim but 'non-{w}' in the source"
    # A stance: "he was against phone tap evidence" / "he was in favour of" ("voted 272 to 219 in
    # favour" is no stance on "219 against")
    for x, y in ((_AGAINST, _IN_FAVOUR), (_IN_FAVOUR, _AGAINST)):
        if x.search(claim) and not x.search(passage) and y.search(passage):
            return False, "the claim and the source take opposite sides"
    for a, b in _ANTONYMS:
        for x, y in ((a, b), (b, a)):
            # A claim that says both ("0.1% growth … revised to a 0.3% contraction") is not flipped
            # when the source says x's way in other words ("… downgraded to a 0.3% decline").
            if x in cw and x not in pw and y in pw and not (y in cw and any(x in g and g & (pw | qw) for g in _DIRECTIONS)):
                return False, f"'{x}' in the claim but '{y}' in the source"
    return True, None
