"""The lexical half of hybrid search: bm25s over the same chunks Chroma holds.

It is rebuilt from the catalog whenever the catalog's generation moves (add/update/delete), and
saved with that generation, so it can never drift from what is stored.
"""
from __future__ import annotations

import fcntl
import json
import os
import re
import shutil
import threading
from contextlib import contextmanager
from pathlib import Path

import numpy as np

from index.sqlite import writable

_STOPWORDS = set(
    "a an and are as at be been but by for from had has have he her his i if in into is it its "
    "me my no not of on or our she so such than that the their them then there these they this "
    "to was we were what when where which who whom why will with would you your do does did "
    "about after before over under up down out also just can could may might said says say".split()
)
_SPELLING = {"defence": "defense", "offence": "offense", "licence": "license", "programme": "program",
             "organisation": "organization", "centre": "center"}
_WORD = re.compile(r"[\w€$£%]+(?:[.,'’-][\w]+)*", re.UNICODE)


def tokenize(text: str) -> list[str]:
    out = []
    for tok in _WORD.findall(text.lower()):
        tok = tok.replace("’", "'").removesuffix("'s")
        if tok in _STOPWORDS or len(tok) < 2 and not tok.isdigit():
            continue
        tok = _SPELLING.get(tok, tok)
        if len(tok) > 4 and tok.endswith("s") and not tok.endswith("ss"):
            tok = tok[:-1]  # crude plural folding: "talks" finds "talk"
        out.append(tok)
    return out


@contextmanager
def _file_lock(path: Path, exclusive: bool):
    """An advisory lock shared by every process (and every open of the file) on this machine. On a
    data dir nobody may write, nobody can rebuild either: reading goes on without the lock."""
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        handle = open(path, "a+")
    except OSError:
        yield
        return
    with handle:
        fcntl.flock(handle, fcntl.LOCK_EX if exclusive else fcntl.LOCK_SH)
        try:
            yield
        finally:
            fcntl.flock(handle, fcntl.LOCK_UN)


class Bm25Index:
    """One index folder, safe under concurrent requests and processes: a thread lock and a file
    lock around loading (shared) and rebuilding (exclusive), each rebuild in its own temp folder."""

    def __init__(self, folder: Path):
        self.folder = folder
        self._index: tuple = (None, [])  # (retriever, ids): swapped as one, so a search never mixes them
        self._generation: int | None = None
        self._lock = threading.Lock()
        self._lock_file = folder.with_name(folder.name + ".lock")

    @property
    def ids(self) -> list[str]:
        return self._index[1]

    def _saved(self, generation: int) -> dict | None:
        try:
            meta = json.loads((self.folder / "meta.json").read_text())
        except (ValueError, OSError):
            return None
        return meta if meta.get("generation") == generation else None

    def ensure(self, generation: int, rows_fn) -> None:
        """Load the saved index for `generation`, or rebuild it from `rows_fn()` = [(id, text)]."""
        if self._generation == generation:
            return
        with self._lock:
            if self._generation == generation:  # another thread did it while we waited
                return
            with _file_lock(self._lock_file, exclusive=False):
                meta = self._saved(generation)
                if meta is not None:
                    self._load(meta)
                    return
            with _file_lock(self._lock_file, exclusive=True):
                meta = self._saved(generation)  # another process may have built it meanwhile
                if meta is not None:
                    self._load(meta)
                else:
                    self._build(generation, rows_fn())

    def _load(self, meta: dict) -> None:
        import bm25s

        ids = meta["ids"]
        self._index = (bm25s.BM25.load(str(self.folder / "model"), mmap=False) if ids else None, ids)
        self._generation = meta["generation"]

    def _build(self, generation: int, rows: list[tuple[str, str]]) -> None:
        import bm25s

        rows = [(i, t) for i, t in rows if tokenize(t)]
        retriever = None
        if rows:
            retriever = bm25s.BM25()
            retriever.index([tokenize(t) for _, t in rows], show_progress=False)
        ids = [i for i, _ in rows]
        if writable(self.folder.parent):  # on a read-only data dir the index lives in memory only
            self._save(generation, retriever, ids)
        self._index = (retriever, ids)
        self._generation = generation

    def _save(self, generation: int, retriever, ids: list[str]) -> None:
        tmp = self.folder.with_name(f"{self.folder.name}.tmp.{os.getpid()}.{threading.get_ident()}")
        shutil.rmtree(tmp, ignore_errors=True)
        tmp.mkdir(parents=True)
        if retriever is not None:
            retriever.save(str(tmp / "model"))
        (tmp / "meta.json").write_text(json.dumps({"generation": generation, "ids": ids}))
        old = self.folder.with_name(f"{self.folder.name}.old.{os.getpid()}.{threading.get_ident()}")
        if self.folder.exists():
            self.folder.replace(old)  # readers wait on the lock; nobody sees the gap
        tmp.replace(self.folder)
        shutil.rmtree(old, ignore_errors=True)

    def mask_from(self, matrix, allowed: np.ndarray | None) -> np.ndarray | None:
        """A dense matrix's row mask (`index.dense.Matrix.mask`) in this index's row order. The
        row mapping is kept per (index, matrix) pair, so a filter costs one gather."""
        if allowed is None:
            return None
        retriever, ids = self._index
        key = (id(retriever), id(matrix))
        if getattr(self, "_rows_key", None) != key:
            self._rows = np.array([matrix.row_of.get(i, -1) for i in ids], dtype=np.int64)
            self._rows_key = key
        rows = self._rows
        return np.where(rows >= 0, allowed[rows], False).astype(np.float32) if len(rows) else np.zeros(0, np.float32)

    def search(self, query: str, k: int, mask: np.ndarray | None = None) -> list[tuple[str, float]]:
        """Top-k chunk ids for the query; `mask` (1.0 = allowed, in `ids` order) filters."""
        retriever, ids = self._index
        if retriever is None or k <= 0:
            return []
        vocab = retriever.vocab_dict
        terms = [t for t in tokenize(query) if t in vocab]
        if not terms:
            return []
        if mask is not None and not mask.any():
            return []
        # get_scores, not retrieve: retrieve runs a thread pool and a progress bar per query (8 ms at 50k).
        scores = retriever.get_scores(terms, weight_mask=mask)
        k = min(k, len(scores))
        top = np.argpartition(-scores, k - 1)[:k]
        top = top[np.argsort(-scores[top], kind="stable")]
        return [(ids[int(d)], float(scores[d])) for d in top if scores[d] > 0]
