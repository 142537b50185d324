"""Saved llama.cpp prompt states: in RAM for a long-running server, on disk so that a fresh
`newsdesk ask` process starts with the answer instructions already read (~250 tokens, ~6 s on
2 cores). llama.cpp restores the state whose tokens share the longest prefix with a new prompt
and reads only the rest."""
from __future__ import annotations

import hashlib
import logging
import os
from pathlib import Path

import numpy as np
from llama_cpp import LlamaRAMCache, LlamaState, __version__ as LLAMA_CPP_VERSION

log = logging.getLogger(__name__)


def state_folder(cache_dir: Path, model_path: str, n_ctx: int) -> Path:
    """States only fit the exact model file, context size and llama.cpp build that made them."""
    st = os.stat(model_path)
    ident = f"{Path(model_path).name}|{st.st_size}|{st.st_mtime_ns}|{n_ctx}|{LLAMA_CPP_VERSION}"
    return cache_dir / "llm-states" / hashlib.sha1(ident.encode()).hexdigest()[:16]


class StateCache(LlamaRAMCache):
    """LRU states in RAM; the newest `keep_files` also on disk, reloaded at start."""

    def __init__(self, capacity_bytes: int, folder: Path | None = None, keep_files: int = 4):
        super().__init__(capacity_bytes)
        self.folder, self.keep_files = folder, keep_files
        if folder and keep_files:
            folder.mkdir(parents=True, exist_ok=True)
            for path in self._files()[-keep_files:]:
                self._load(path)

    def _files(self) -> list[Path]:
        """Oldest first."""
        files = []
        for path in self.folder.glob("*.npz"):
            try:
                files.append((path.stat().st_mtime_ns, path))
            except FileNotFoundError:  # pruned by another process meanwhile
                continue
        return [p for _, p in sorted(files)]

    def _load(self, path: Path) -> None:
        try:
            with np.load(path, allow_pickle=False) as f:
                n_tokens, size, seed = (int(x) for x in f["meta"])
                state = LlamaState(input_ids=f["input_ids"], scores=f["scores"], n_tokens=n_tokens,
                                   llama_state=f["llama_state"].tobytes(), llama_state_size=size, seed=seed)
                key = tuple(int(t) for t in f["key"])
        except Exception as exc:  # a torn or foreign file is skipped, never trusted
            log.warning("ignoring saved model state %s: %s", path.name, exc)
            path.unlink(missing_ok=True)
            return
        super().__setitem__(key, state)

    def __setitem__(self, key, value: LlamaState) -> None:
        # The state carries the whole logits buffer (n_batch x vocabulary: ~310 MB for Qwen), and
        # LlamaRAMCache counts only the KV part against its capacity. llama-cpp-python never reads
        # restored logits (it re-evaluates the last token after a restore), so one row, the shape
        # `load_state` broadcasts from, is all that is kept.
        value.scores = np.zeros((1, value.scores.shape[-1]), dtype=np.float32)
        super().__setitem__(key, value)
        if not (self.folder and self.keep_files):
            return
        key = tuple(key)
        path = self.folder / f"{hashlib.sha1(np.asarray(key, dtype=np.int64).tobytes()).hexdigest()[:20]}.npz"
        tmp = path.with_suffix(f".{os.getpid()}.tmp")
        try:
            with open(tmp, "wb") as f:
                np.savez(f, key=np.asarray(key, dtype=np.int32), input_ids=value.input_ids, scores=value.scores,
                         llama_state=np.frombuffer(value.llama_state, dtype=np.uint8),
                         meta=np.asarray([value.n_tokens, value.llama_state_size, value.seed], dtype=np.int64))
            os.replace(tmp, path)
            for old in self._files()[:-self.keep_files]:
                old.unlink(missing_ok=True)
        except OSError as exc:  # a full or read-only disk costs speed, never an answer
            log.warning("could not save the model state: %s", exc)
            tmp.unlink(missing_ok=True)
