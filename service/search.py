"""Retrieval as a service function, with settings applied (CLI, HTTP and the answer chain)."""
from __future__ import annotations

from index.models import Hit
from index.retrieve import Filters, search
from index.store import ArticleStore
from service.settings import Settings


def search_chunks(store: ArticleStore, settings: Settings, query: str, k: int | None = None,
                  filters: Filters | None = None, query_vector: list[float] | None = None) -> list[Hit]:
    return search(store, query, k=k or settings.search_k, filters=filters,
                  candidates=settings.search_candidates, min_score=settings.min_score,
                  query_vector=query_vector)
