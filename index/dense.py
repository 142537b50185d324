"""The dense half of hybrid search: every stored vector in one float32 matrix, scanned exactly.

Chroma stays the store of record, but its filtered queries are slow (a source or date filter
costs 10-70 ms at 10-50k chunks, most of it metadata filtering) and its HNSW answers are
approximate. One matrix-vector product over 50k x 384 floats takes a few milliseconds, and a
filter becomes a boolean mask over columns held beside the matrix (outlet, date, article), so
every filter costs the same as none. Like BM25, the matrix follows the catalog's generation;
chunk ids carry a content digest, so after a write only the new ids are read from Chroma.
"""
from __future__ import annotations

import json
import os
import shutil
import threading
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from index.bm25 import _file_lock
from index.sqlite import writable

# (chunk id, article id, source, published) for every chunk, in catalog order.
Rows = list[tuple[str, str, str | None, str | None]]
# Vectors for the given chunk ids, from the vector store: {id: vector}.
Fetch = Callable[[list[str]], dict[str, list[float]]]


@dataclass(frozen=True)
class Matrix:
    """One generation's snapshot: swapped as a whole, so a search never mixes two."""
    ids: list[str]
    vectors: np.ndarray  # (n, d) float32, L2-normalised rows; zeros for a vector the store lacks
    article: np.ndarray  # article id per row
    source: np.ndarray  # outlet per row, as a code into `outlets`
    outlets: dict[str, int]
    published: np.ndarray  # ISO date per row (fixed-width text, "" when none)
    row_of: dict[str, int]
    _masks: dict = field(default_factory=dict, compare=False)  # the last few filters' masks

    def mask(self, source: str | None = None, since: str | None = None, until: str | None = None,
             article_ids: list[str] | None = None) -> np.ndarray | None:
        """Rows a filter allows (None: no filter). An article without a date fails any date bound;
        dates compare as text, as the catalog does."""
        if not (source or since or until or article_ids):
            return None
        key = (source, since, until, tuple(article_ids or ()))
        if key in self._masks:
            return self._masks[key]
        keep = np.ones(len(self.ids), dtype=bool)
        if source:
            keep &= self.source == self.outlets.get(source, -1)
        if since:
            keep &= (self.published != "") & (self.published >= since)
        if until:
            keep &= (self.published != "") & (self.published <= until)
        if article_ids:
            keep &= np.isin(self.article, np.asarray(list(article_ids), dtype=object))
        if len(self._masks) >= 32:
            self._masks.clear()
        self._masks[key] = keep
        return keep

    def nearest(self, query: np.ndarray, k: int, allowed: np.ndarray | None = None) -> list[tuple[str, float]]:
        """The k rows with the highest cosine to `query`, exactly, among the allowed ones."""
        if not self.ids or k <= 0:
            return []
        rows = None if allowed is None else np.flatnonzero(allowed)
        if rows is not None and len(rows) < len(self.ids) // 3:  # a narrow filter: scan only its rows
            scores = self.vectors[rows] @ query
        else:
            scores = self.vectors @ query
            if rows is not None:
                scores = scores[rows]
        k = min(k, len(scores))
        if k <= 0:
            return []
        top = np.argpartition(-scores, k - 1)[:k]
        top = top[np.argsort(-scores[top], kind="stable")]
        return [(self.ids[i if rows is None else rows[i]], float(scores[i])) for i in top]

    def cosine(self, chunk_id: str, query: np.ndarray) -> float | None:
        row = self.row_of.get(chunk_id)
        return None if row is None else float(self.vectors[row] @ query)


_EMPTY = Matrix([], np.zeros((0, 0), dtype=np.float32), np.array([], dtype=object), np.array([], dtype=np.int32),
                {}, np.array([], dtype="U10"), {})


class DenseIndex:
    """The matrix for one data dir: rebuilt when the generation moves, saved beside the catalog
    (vectors only; the filter columns are re-read from the catalog, a few ms), safe across threads
    and processes the same way as the BM25 folder."""

    def __init__(self, folder: Path):
        self.folder = folder
        self.matrix: Matrix = _EMPTY
        self._generation: int | None = None
        self._lock = threading.Lock()
        self._lock_file = folder.with_name(folder.name + ".lock")

    def ensure(self, generation: int, rows_fn: Callable[[], Rows], fetch: Fetch) -> Matrix:
        if self._generation == generation:
            return self.matrix
        with self._lock:
            if self._generation != generation:
                with _file_lock(self._lock_file, exclusive=True):
                    self._refresh(generation, rows_fn(), fetch)
        return self.matrix

    def _saved(self) -> tuple[list[str], np.ndarray] | None:
        try:
            ids = json.loads((self.folder / "ids.json").read_text())
            vectors = np.load(self.folder / "vectors.npy", mmap_mode="r")
        except (ValueError, OSError):
            return None
        return (ids, vectors) if len(ids) == len(vectors) else None

    def _refresh(self, generation: int, rows: Rows, fetch: Fetch) -> None:
        """Reuse every vector we (or the saved file) already hold; read only new ids."""
        known: dict[str, np.ndarray] = {cid: self.matrix.vectors[i] for cid, i in self.matrix.row_of.items()}
        if not known and (saved := self._saved()) is not None:
            ids, vectors = saved
            known = {cid: vectors[i] for i, cid in enumerate(ids)}
        ids = [r[0] for r in rows]
        missing = [cid for cid in ids if cid not in known]
        fetched = fetch(missing) if missing else {}
        dim = next((len(v) for v in fetched.values()), None) or next((len(v) for v in known.values()), 0)
        vectors = np.zeros((len(ids), dim), dtype=np.float32)
        for i, cid in enumerate(ids):
            vec = known.get(cid)
            if vec is None:
                vec = fetched.get(cid)  # absent: a chunk whose vector another process is still writing
            if vec is not None:
                vectors[i] = vec
        norms = np.linalg.norm(vectors, axis=1, keepdims=True)
        vectors /= np.where(norms > 0, norms, 1.0)
        outlets: dict[str, int] = {}
        codes = np.array([outlets.setdefault(r[2], len(outlets)) if r[2] else -1 for r in rows], dtype=np.int32)
        width = max((len(r[3] or "") for r in rows), default=1) or 1
        published = np.array([r[3] or "" for r in rows], dtype=f"U{width}")
        self.matrix = Matrix(ids, vectors, np.array([r[1] for r in rows], dtype=object), codes, outlets,
                             published, {cid: i for i, cid in enumerate(ids)})
        self._generation = generation
        if missing and writable(self.folder.parent):
            self._save(ids, vectors)

    def _save(self, ids: list[str], vectors: np.ndarray) -> None:
        tmp = self.folder.with_name(f"{self.folder.name}.tmp.{os.getpid()}.{threading.get_ident()}")
        shutil.rmtree(tmp, ignore_errors=True)
        tmp.mkdir(parents=True)
        np.save(tmp / "vectors.npy", vectors)
        (tmp / "ids.json").write_text(json.dumps(ids))
        old = self.folder.with_name(f"{self.folder.name}.old.{os.getpid()}.{threading.get_ident()}")
        if self.folder.exists():
            self.folder.replace(old)
        tmp.replace(self.folder)
        shutil.rmtree(old, ignore_errors=True)
