"""Store and embeddings builders, registered by the name Settings selects; each imports its backend lazily."""
from __future__ import annotations

import logging
import threading

from langchain_core.embeddings import Embeddings

from index.store import ArticleStore, StoreConfig
from index.tokens import prepare_tiktoken_cache
from service.models.registry import Registry
from service.settings import Settings

log = logging.getLogger("newsdesk")
_lock = threading.Lock()
_stores: dict[tuple, ArticleStore] = {}
_embedders: dict[tuple, Embeddings] = {}


EMBEDDERS: Registry[Embeddings] = Registry("NEWSDESK_EMBEDDER")


@EMBEDDERS.register("local")
def _minilm(settings: Settings) -> Embeddings:
    import sys

    from index import minilm_build
    from index.embed import MiniLMEmbeddings, minilm_files

    model = None
    if settings.embed_int8 == "per-channel":
        if not (settings.models_dir / minilm_build.FILE_NAME).is_file():
            print("building the fast embedder from the packaged weights, once (a few seconds)…", file=sys.stderr)
        model, why = minilm_build.ensure(minilm_files()["weights"], settings.models_dir)
        if why:
            print(f"using the shipped int8 embedder: {why}", file=sys.stderr)
    return MiniLMEmbeddings(threads=settings.embed_threads, model=model)


@EMBEDDERS.register("openai")
def _openai(settings: Settings) -> Embeddings:
    from index.embed import openai_embeddings

    key_value = settings.embed_api_key.get_secret_value() if settings.embed_api_key else None
    return openai_embeddings(settings.embed_base_url, settings.embed_model, key_value)


def build_embeddings(settings: Settings) -> Embeddings:
    key = (settings.embedder, settings.embed_base_url, settings.embed_model, settings.embed_threads,
           settings.embed_int8, settings.models_dir)
    with _lock:
        if key not in _embedders:
            _embedders[key] = EMBEDDERS.build(settings.embedder, settings)
        return _embedders[key]


def build_store(settings: Settings) -> ArticleStore:
    """The article store for these settings (one per data dir/collection per process)."""
    prepare_tiktoken_cache(settings.cache_dir / "tiktoken")
    config = StoreConfig(data_dir=settings.data_dir.resolve(), collection=settings.collection,
                         chunk_tokens=settings.chunk_tokens, chunk_overlap=settings.chunk_overlap,
                         chroma_url=settings.chroma_url, database_url=settings.database)
    key = (config, settings.embedder, settings.embed_model)
    embeddings = build_embeddings(settings)
    with _lock:
        if key not in _stores:
            store = ArticleStore(config, embeddings)
            store.repairs = store.reconcile()  # a write a killed process left half done is finished first
            for line in store.repairs:
                log.warning("repaired: %s", line)
            _stores[key] = store
        return _stores[key]


def reset_components() -> None:
    """Forget cached backends (tests switch data dirs within one process)."""
    with _lock:
        for store in _stores.values():
            store.close()
        _stores.clear()
