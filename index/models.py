"""The data that crosses the index boundary: one schema for CLI JSON and HTTP bodies."""
from __future__ import annotations

from typing import Any

from pydantic import BaseModel, Field


class Article(BaseModel):
    """One news article as loaded: `raw_text` is kept, `text` is what gets chunked."""

    id: str
    title: str = ""
    source: str | None = None
    url: str | None = None
    published: str | None = None  # ISO date, YYYY-MM-DD
    author: str | None = None
    path: str | None = None  # where it was loaded from (file, file:line)
    raw_text: str = ""
    text: str = ""  # cleaned text; chunk offsets point into this
    metadata: dict[str, Any] = Field(default_factory=dict)


class Chunk(BaseModel):
    """A span of an article's cleaned text: `text == article.text[start:end]`."""

    id: str
    article_id: str
    index: int
    start: int
    end: int
    text: str
    tokens: int = 0


class ArticleRef(BaseModel):
    """What a reader needs to find and judge an article: every shape that points at one (a hit,
    a citation, a catalog row, a story member) carries these fields under these names."""

    title: str
    source: str | None = None
    url: str | None = None
    published: str | None = None  # ISO date, YYYY-MM-DD

    def ref(self) -> dict[str, str | None]:
        """These fields alone, to build another shape that points at the same article."""
        return {name: getattr(self, name) for name in ArticleRef.model_fields}


class Hit(ArticleRef):
    """A retrieved chunk with the article fields a reader needs to check it."""

    article_id: str
    chunk_id: str
    start: int
    end: int
    score: float  # fused (RRF) score used for ranking
    dense_score: float | None = None  # cosine similarity, the absolute relevance signal
    bm25_score: float | None = None
    text: str


class LoadError(BaseModel):
    """Why one input could not be ingested; `where` is a path, or path:line for JSONL."""

    where: str
    reason: str


class ArticleSummary(ArticleRef):
    id: str
    chunks: int = 0
