"""What the model wrote: its answer split into sentences and the [n] markers each carries."""
from __future__ import annotations

import re
from dataclasses import dataclass

from index.sentences import sentence_spans

_MARKER = re.compile(r"\s*\[(\d+(?:\s*[,;]\s*\d+)*)\]")
_ABSTAIN = re.compile(
    r"\b(sources? (do|does|did)( not|n't) (say|mention|state|contain|provide|specify)|not (mentioned|stated|"
    r"specified) in the (sources?|passages?|articles?)|(no|not enough) information|cannot (be )?(answer|determine"
    r"|find)|can't (answer|determine)|(do|does)n't (say|mention)|there is no mention|unable to (answer|determine))",
    re.IGNORECASE,
)
def is_abstention(text: str) -> bool:
    return bool(_ABSTAIN.search(text))


@dataclass
class Claim:
    text: str  # the sentence without its [n] markers
    cited: list[int]  # source numbers the model wrote


_MARKER_AFTER_STOP = re.compile(r"([.!?])((?:\s*\[\d+(?:\s*[,;]\s*\d+)*\])+)[.!?]?")


def normalize_markers(text: str) -> str:
    """"Friday. [1] Next" → "Friday [1]. Next": markers belong to the sentence before them
    ("Friday. [1]." loses its second full stop)."""
    return _MARKER_AFTER_STOP.sub(lambda m: f"{m[2]}{m[1]}", text)


def parse_claims(answer: str) -> list[Claim]:
    """Split the model's answer into sentences and the [n] markers each carries."""
    claims: list[Claim] = []
    text = normalize_markers(answer.strip())
    for s, e in sentence_spans(text):
        sent = text[s:e]
        ids = [int(x) for m in _MARKER.finditer(sent) for x in re.split(r"[,;]", m[1])]
        bare = _MARKER.sub("", sent).strip()
        if re.fullmatch(r"\W*(?:\d{1,2}\W*)?", bare):  # a stray marker after the full stop, a list number
            if claims and ids:
                claims[-1].cited.extend(i for i in ids if i not in claims[-1].cited)
            continue
        claims.append(Claim(bare, list(dict.fromkeys(ids))))
    return claims


FRAGMENT_WORDS = 4


def as_statement(claim: str, question: str) -> str:
    """A bare answer ("1987", "The Netherlands") says nothing on its own: it is checked as the
    question's statement ("In what year did Bullfrog produce Populous: 1987")."""
    if question and len(claim.split()) <= FRAGMENT_WORDS:
        return f"{question.strip().rstrip('?').strip()}: {claim}"
    return claim
