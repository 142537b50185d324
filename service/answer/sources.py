"""What the model may cite: numbered retrieved chunks, with article text that talks to the model
(an injection) left out of every quotable span."""
from __future__ import annotations

import re
from dataclasses import dataclass, field

from index.models import Hit
from index.sentences import sentence_spans

_INSTRUCTION = re.compile(
    r"\b(ignore (all |any )?(the )?(previous|prior|above|earlier) (instructions?|prompts?|rules)|disregard "
    r"(all |the )?(previous|prior|above)|system prompt|you are now|new instructions?|instead,? (answer|say|respond)|"
    r"(answer|respond|reply) (only )?with|as an ai|developer mode)\b",
    re.IGNORECASE,
)
def looks_like_instruction(sentence: str) -> bool:
    """Article text that talks to the model is data, never support and never a prompt."""
    return bool(_INSTRUCTION.search(sentence))


@dataclass
class Source:
    """A numbered retrieved chunk, with the article text its offsets point into."""

    n: int
    hit: Hit
    article_text: str
    spans: list[tuple[int, int]] = field(default_factory=list)  # sentence spans, article offsets

    def __post_init__(self):
        if not self.spans:
            chunk = self.article_text[self.hit.start:self.hit.end]
            self.spans = [(self.hit.start + s, self.hit.start + e) for s, e in sentence_spans(chunk)
                          if not looks_like_instruction(chunk[s:e])]
