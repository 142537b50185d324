"""What the model reads: the source sentences most relevant to the question, within a token budget.

On 2 cores every prompt token costs the local model 10-25 ms before its first answer token, so
the answer prompt carries only the best sentences of the retrieved chunks, not the chunks
themselves. Selection is extractive (a sentence is shown whole or not at all, in article order),
so the verifier still checks each answer against the full chunks, and conflicts are still found
in code across every retrieved source, whatever the model saw.
"""
from __future__ import annotations

import re
from collections.abc import Callable

import numpy as np

from service.answer.sources import Source
from service.facts.words import content_words

Embed = Callable[[list[str]], list[list[float]]]
Span = tuple[int, int]

# A sentence that opens on a pronoun needs the sentence before it to be understood.
_DANGLING = re.compile(r"^[\"'“‘(]*(?:(?i:he|she|they|it|this|these|those|his|her|their|its|mr|mrs|ms|dr)\b|"
                       r"(?i:the) (?:\d+[ -]year[ -]old|[A-Z][a-z]+(?:man|woman|an|ese|ish|i)\b|(?:[A-Z][a-z]+ )?"
                       r"(?i:star|champion|singer|actor|actress|minister|chancellor|firm|company|group|club|player|"
                       r"striker|athlete|sprinter|runner|veteran|airline|bank|band)\b))")
LEXICAL_WEIGHT = 0.5


class EmbedCache:
    """Embeds each distinct text once per answer: the selector, the verifier and the conflict
    probe all ask for the same sentences, and each embedding costs ~9 ms on 2 cores."""

    def __init__(self, embed: Embed):
        self._embed = embed
        self._vectors: dict[str, np.ndarray] = {}

    def _fill(self, texts: list[str]) -> None:
        missing = list(dict.fromkeys(t for t in texts if t not in self._vectors))
        if missing:
            for text, vec in zip(missing, self._embed(missing)):
                self._vectors[text] = np.asarray(vec, dtype=np.float32)

    def __call__(self, texts: list[str]) -> list[list[float]]:
        self._fill(texts)
        return [self._vectors[t].tolist() for t in texts]

    def vector(self, text: str) -> np.ndarray:
        self._fill([text])
        return self._vectors[text]


def _units(source: Source) -> list[list[Span]]:
    """Sentences as they may be shown: alone, or with the sentence a pronoun points back to."""
    units = []
    for i, (start, end) in enumerate(source.spans):
        text = source.article_text[start:end]
        if i and _DANGLING.match(text) and source.spans[i - 1][1] <= start:
            units.append([source.spans[i - 1], (start, end)])
        else:
            units.append([(start, end)])
    return units


def _key(text: str) -> str:
    return " ".join(re.findall(r"\w+", text.lower()))


def select_passages(question: str, sources: list[Source], embed: Embed, budget: int,
                    count_tokens: Callable[[str], int],
                    keep: Callable[[str], bool] | None = None) -> dict[int, list[Span]]:
    """Source number → the sentence spans to show, best first until `budget` tokens are used.

    A sentence that appears twice (chunk overlap, a syndicated copy, a quote repeated in the
    body) is shown once. The single best sentence is always shown, even over budget. `keep`
    limits the choice to sentences it accepts (their antecedents still come along)."""
    units: list[tuple[Source, list[Span], str]] = []
    seen: set[str] = set()
    for source in sources:
        for unit in _units(source):
            text = source.article_text[unit[-1][0]:unit[-1][1]]  # scored on its own words (but see keep)
            key = _key(text)
            if not key or key in seen or keep and not keep(text):
                continue
            seen.add(key)
            if keep:  # among sentences picked for a figure, "The 34-year-old… won in 2:35.39" is
                text = source.article_text[unit[0][0]:unit[-1][1]]  # as good as whom it refers to
            units.append((source, unit, text))
    if not units:
        return {}
    vectors = np.asarray(embed([question] + [t for _, _, t in units]), dtype=np.float32)
    qwords = content_words(question)
    scores = []
    for (_, _, text), vec in zip(units, vectors[1:]):
        lexical = len(qwords & content_words(text)) / len(qwords) if qwords else 0.0
        scores.append(float(vec @ vectors[0]) + LEXICAL_WEIGHT * lexical)
    chosen: dict[int, set[Span]] = {}
    shown: set[str] = set()  # an antecedent pulled in beside its sentence is still shown once
    used = 0
    for i in sorted(range(len(units)), key=lambda i: -scores[i]):
        source, unit, text = units[i]
        new = [span for span in unit if span not in chosen.get(source.n, set())
               and _key(source.article_text[span[0]:span[1]]) not in shown]
        cost = sum(count_tokens(source.article_text[a:b]) for a, b in new)
        if not new or used and used + cost > budget:
            continue
        chosen.setdefault(source.n, set()).update(new)
        shown.update(_key(source.article_text[a:b]) for a, b in new)
        used += cost
    return {n: sorted(spans) for n, spans in chosen.items()}


def format_selected(sources: list[Source], selected: dict[int, list[Span]]) -> str:
    """Numbered passages in source order; a gap between shown sentences is marked with "…"."""
    blocks = []
    for s in sources:
        spans = selected.get(s.n)
        if not spans:
            continue
        parts, prev_end = [], None
        for start, end in spans:
            gap = prev_end is not None and s.article_text[prev_end:start].strip()
            parts.append(("… " if gap else "") + s.article_text[start:end])
            prev_end = end
        label = s.label(with_title=False)
        blocks.append(f"[{s.n}] " + (f"({label}) " if label else "") + " ".join(parts))
    return "\n".join(blocks)
