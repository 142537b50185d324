"""The shapes users see: `ask --json`, HTTP bodies and Slack all serialise these, one schema."""
from __future__ import annotations

from pydantic import BaseModel, Field

from index.models import ArticleRef


class Citation(ArticleRef):
    id: int
    article_id: str
    chunk_id: str
    quote: str = Field(description="The supporting span, verbatim from the article's cleaned text.")
    start: int = Field(description="Offset of the quote in the article's cleaned text.")
    end: int
    supported: bool = True


class ConflictVersion(BaseModel):
    text: str
    citation: int
    published: str | None = None


class Conflict(BaseModel):
    about: str = Field(description="'number: £75m vs £70m': what differs and the two values, in versions order")
    versions: list[ConflictVersion]  # an update lists the earlier report first
    kind: str = Field("disagreement", description="'disagreement' between outlets, or 'update': a later "
                                                   "report says the fact changed")
    fact: str = Field("", description="what differs: name, spelling, number, role, weekday")
    left: str = ""  # the value in the first version, and in the second
    right: str = ""


class Answer(BaseModel):
    question: str
    answer: str
    abstained: bool
    citations: list[Citation] = []
    unsupported_sentences: list[str] = []
    conflicts: list[Conflict] = []
    timings_ms: dict[str, float] = {}
    usage: dict[str, float] = Field({}, description="the model call: prompt_tokens (prompt_tokens_read of them "
                                                    "not cached), completion_tokens, first_token_s, total_s")
    model: str
    standalone_question: str | None = None


ABSTAIN_TEXT = "The sources do not say."
