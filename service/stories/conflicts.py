"""Where outlets disagree: align sentences that tell the same thing, then compare their facts.

Deterministic on purpose: a conflict is a pair of aligned sentences that differ in a name, a
number, a weekday or a role word ("top" vs "former"). Rephrasing alone is never a conflict,
because alignment needs shared content and the comparison only looks at facts.
"""
from __future__ import annotations

import re
from dataclasses import dataclass

from service.facts import _TITLE_WORDS, content_words, names, quantities

_ROLE_WORDS = {"top", "former", "current", "senior", "acting", "deputy", "interim", "chief", "ex"}
_WEEKDAYS = {"monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday"}
MIN_SHARED = 4
MIN_JACCARD = 0.3


@dataclass(frozen=True)
class Difference:
    kind: str  # name | spelling | number | weekday | role
    left: str
    right: str

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


_SPEECH = ("said", "says", "added", "told", "explained", "warned", "insisted", "argued", "admitted",
           "claimed", "denied", "stated", "wrote", "who", "whose", "has", "had", "was", "is")


def is_person(name: str, *texts: str) -> bool:
    """Does some text treat this name as a person's: "Mr Healey", "John Healey added:",
    "Healey, 42,", "Healey, who…"? Games, prizes and parties are never spoken of that way."""
    surname = re.escape(name.split()[-1])
    full = re.escape(name)
    cue = re.compile(rf"\b(?:Mr|Mrs|Ms|Miss|Dr|Sir|Dame|Lord|Lady)\.?\s+(?:[A-Z][\w'’-]+\s+)?{surname}\b"
                     rf"|\b(?:{full}|{surname}),?\s+(?:{'|'.join(_SPEECH[:13])})\b"
                     rf"|\b(?:{full}|{surname}),\s+(?:\d{{2}},|{'|'.join(_SPEECH[13:15])}\b)"
                     rf"|\b(?:{'|'.join(_SPEECH[:13])})\s+{full}\b")
    return any(cue.search(t) for t in texts if t)


def _name_differences(a: str, b: str, context: tuple[str, ...] = ()) -> list[Difference]:
    out = []
    na, nb = names(a), names(b)
    for x in na:
        for y in nb:
            xs, ys = x.split(), y.split()
            # Same surname, different given name: "John Healey" vs "James Healey" — people only.
            if len(xs) >= 2 and len(ys) >= 2 and xs[-1] == ys[-1] and xs[-2] != ys[-2] \
                    and _given_name(xs[-2]) and _given_name(ys[-2]) and x not in nb and y not in na \
                    and is_person(" ".join(xs[-2:]), a, *context[:1]) and is_person(" ".join(ys[-2:]), b, *context[1:]):
                out.append(Difference("name", x, y))
            # Near-identical single names: "Maria Okafor" handled above; "Moor" vs "Moore".
            elif len(xs) == len(ys) == 1 and x != y and x[:3] == y[:3] and x not in nb and y not in na \
                    and abs(len(x) - len(y)) <= 2 and len(x) > 3 and not (x.startswith(y) or y.startswith(x)) \
                    and _given_name(x) and _given_name(y) and is_person(x, a, *context[:1]) \
                    and is_person(y, b, *context[1:]):
                out.append(Difference("spelling", x, y))
    return out


def _given_name(word: str) -> bool:
    return word.lower().rstrip(".") not in _TITLE_WORDS | {"mr", "mrs", "ms", "dr", "sir", "dame", "lord"}


def _number_differences(a: str, b: str) -> list[Difference]:
    qa, qb = quantities(a), quantities(b)
    only_a = [q for q in qa if not any(q.value == r.value for r in qb)]
    only_b = [r for r in qb if not any(r.value == q.value for q in qa)]
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
            out.append(Difference("number", q.text, r.text))
            used.add(i)
            break
    return out


def _is_year(text: str) -> bool:
    return bool(re.fullmatch(r"(19|20)\d\d", text))


def _word_set(text: str) -> set[str]:
    return {w.lower() for w in re.findall(r"[A-Za-z]+", text)}


def _set_differences(a: str, b: str, vocab: set[str], kind: str) -> list[Difference]:
    wa, wb = _word_set(a) & vocab, _word_set(b) & vocab
    if wa and wb and wa != wb and not (wa & wb):
        return [Difference(kind, "/".join(sorted(wa)), "/".join(sorted(wb)))]
    return []


def short_name(name: str) -> str:
    """'British Defense Secretary John Healey' → 'John Healey', for display."""
    words = name.split()
    return " ".join(words[-2:]) if len(words) > 2 and words[-1][:1].isupper() else name


def compare_sentences(a: str, b: str, article_a: str = "", article_b: str = "") -> list[Difference]:
    """Fact differences between two sentences. A changed given name with the same surname counts
    on its own when both are people (the articles, when given, may show that); everything else
    needs the sentences to tell the same thing (alignment), and a weekday needs close alignment,
    since different events happen on different days."""
    aligned = alignment(a, b)
    context = (article_a, article_b) if article_a or article_b else ()
    diffs = [d for d in _name_differences(a, b, context) if d.kind == "name" or aligned > 0]
    if aligned > 0:
        diffs += _number_differences(a, b) + _set_differences(a, b, _ROLE_WORDS, "role")
    if aligned >= 0.45:
        diffs += _set_differences(a, b, _WEEKDAYS, "weekday")
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
