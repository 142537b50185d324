"""The lexical half of hybrid search: bm25s over the same chunks Chroma holds.

It is rebuilt from the catalog whenever the catalog's generation moves (add/update/delete), and
saved with that generation, so it can never drift from what is stored.
"""
from __future__ import annotations

import json
import re
import shutil
from pathlib import Path

import numpy as np

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


class Bm25Index:
    def __init__(self, folder: Path):
        self.folder = folder
        self._retriever = None
        self._ids: list[str] = []
        self._generation: int | None = None

    @property
    def ids(self) -> list[str]:
        return self._ids

    def ensure(self, generation: int, rows_fn) -> None:
        """Load the saved index for `generation`, or rebuild it from `rows_fn()` = [(id, text)]."""
        if self._generation == generation:
            return
        meta_file = self.folder / "meta.json"
        if meta_file.exists():
            try:
                meta = json.loads(meta_file.read_text())
                if meta.get("generation") == generation:
                    self._load(meta)
                    return
            except (ValueError, OSError):
                pass
        self._build(generation, rows_fn())

    def _load(self, meta: dict) -> None:
        import bm25s

        self._ids = meta["ids"]
        self._retriever = bm25s.BM25.load(str(self.folder / "model"), mmap=False) if self._ids else None
        self._generation = meta["generation"]

    def _build(self, generation: int, rows: list[tuple[str, str]]) -> None:
        import bm25s

        rows = [(i, t) for i, t in rows if tokenize(t)]
        tmp = self.folder.with_name(self.folder.name + ".tmp")
        shutil.rmtree(tmp, ignore_errors=True)
        tmp.mkdir(parents=True)
        retriever = None
        if rows:
            retriever = bm25s.BM25()
            retriever.index([tokenize(t) for _, t in rows], show_progress=False)
            retriever.save(str(tmp / "model"))
        ids = [i for i, _ in rows]
        (tmp / "meta.json").write_text(json.dumps({"generation": generation, "ids": ids}))
        shutil.rmtree(self.folder, ignore_errors=True)
        tmp.replace(self.folder)
        self._retriever, self._ids, self._generation = retriever, ids, generation

    def search(self, query: str, k: int, allowed: set[str] | None = None) -> list[tuple[str, float]]:
        if self._retriever is None or k <= 0:
            return []
        vocab = self._retriever.vocab_dict
        terms = [t for t in tokenize(query) if t in vocab]
        if not terms:
            return []
        mask = None
        if allowed is not None:
            mask = np.array([1.0 if i in allowed else 0.0 for i in self._ids], dtype=np.float32)
            if not mask.any():
                return []
        k = min(k, len(self._ids))
        docs, scores = self._retriever.retrieve([terms], k=k, weight_mask=mask, show_progress=False,
                                                n_threads=1)
        return [(self._ids[int(d)], float(s)) for d, s in zip(docs[0], scores[0]) if s > 0]
