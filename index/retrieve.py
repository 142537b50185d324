"""Hybrid retrieval: dense (Chroma) + BM25, fused by reciprocal rank, gated by cosine relevance.

RRF ranks well but says nothing about whether anything is relevant at all; the cosine of the
query with each fused chunk does, so the floor is applied on that ("Lando Norris" over the
seeds must come back empty rather than as the five least-irrelevant chunks).
"""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from index.bm25 import tokenize
from index.models import Hit
from index.store import ArticleStore, published_int


@dataclass
class Filters:
    source: str | None = None
    since: str | None = None  # ISO date, inclusive
    until: str | None = None  # ISO date, inclusive
    article_ids: list[str] | None = None

    def any(self) -> bool:
        return bool(self.source or self.since or self.until or self.article_ids)

    def chroma_where(self) -> dict | None:
        clauses: list[dict] = []
        if self.source:
            clauses.append({"source": self.source})
        if self.since:
            clauses.append({"published_int": {"$gte": published_int(self.since)}})
        if self.until:
            clauses.append({"published_int": {"$lte": published_int(self.until)}})
        if self.article_ids:
            clauses.append({"article_id": {"$in": list(self.article_ids)}})
        if not clauses:
            return None
        return clauses[0] if len(clauses) == 1 else {"$and": clauses}


def _relevant(cosine: float, query_terms: set[str], row, min_score: float) -> bool:
    """Semantically close, or an exact lexical match on most query terms (names, codes)."""
    if cosine >= min_score:
        return True
    if not query_terms:
        return False
    covered = len(query_terms & set(tokenize(f"{row['title']} {row['text']}"))) / len(query_terms)
    return covered >= 0.6 and cosine >= min_score * 0.4


def search(store: ArticleStore, query: str, k: int = 5, filters: Filters | None = None,
           candidates: int = 30, min_score: float = 0.25, rrf_k: int = 60,
           query_vector=None) -> list[Hit]:
    """Dense + BM25, fused by reciprocal rank. `query_vector` skips embedding a query the caller
    has already embedded."""
    filters = filters or Filters()
    query = query.strip()
    if not query or k <= 0:
        return []
    if query_vector is None:
        query_vector = store.embeddings.embed_query(query)
    qvec = np.asarray(query_vector, dtype=np.float32)
    matrix = store.ensure_dense()
    allowed = matrix.mask(filters.source, filters.since, filters.until, filters.article_ids)
    if allowed is not None and not allowed.any():
        return []
    dense = matrix.nearest(qvec, candidates, allowed)
    cosines = dict(dense)
    bm25 = store.ensure_bm25()
    lexical = bm25.search(query, candidates, bm25.mask_from(matrix, allowed))
    bm25_scores = dict(lexical)
    fused: dict[str, float] = {}
    for ranking in ([cid for cid, _ in dense], [cid for cid, _ in lexical]):
        for rank, cid in enumerate(ranking):
            fused[cid] = fused.get(cid, 0.0) + 1.0 / (rrf_k + rank + 1)
    rows = store.chunk_rows(list(fused))  # the catalog decides what exists
    for cid in fused:
        if cid not in cosines:
            cosines[cid] = matrix.cosine(cid, qvec) or 0.0
    query_terms = set(tokenize(query))
    hits = []
    for cid, score in sorted(fused.items(), key=lambda kv: -kv[1]):
        row = rows.get(cid)
        if row is None or not _relevant(cosines.get(cid, 0.0), query_terms, row, min_score):
            continue
        hits.append(Hit(article_id=row["article_id"], title=row["title"] or "", source=row["source"],
                        url=row["url"], published=row["published"], chunk_id=cid,
                        start=row["start"], end=row["end"], score=round(score, 6),
                        dense_score=round(cosines.get(cid, 0.0), 4),
                        bm25_score=round(bm25_scores[cid], 4) if cid in bm25_scores else None,
                        text=row["text"]))
        if len(hits) >= k:
            break
    return hits
