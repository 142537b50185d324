"""Fixtures build real indexes (real MiniLM, real Chroma on disk) in temporary folders."""
from __future__ import annotations

import os
from pathlib import Path

import pytest

from bench.support import MODEL_CACHE, REPO, scratch_settings
from servers import chroma_server, database_url, postgres_server, redis_url

# the servers' fixtures are imported here so that every test module may ask for them
__all__ = ["MODEL_CACHE", "make_settings", "chroma_server", "database_url", "postgres_server", "redis_url"]

SEEDS = REPO / "tests" / "data" / "seeds"  # real articles, kept in the repo (see its README)
DEMO = REPO / "demo" / "corpus"

os.environ.setdefault("HF_HUB_OFFLINE", "1")
os.environ.setdefault("ANONYMIZED_TELEMETRY", "False")


@pytest.fixture(scope="session")
def seeds_dir() -> Path:
    if not SEEDS.is_dir():
        pytest.fail(f"the seed articles are missing: expected {SEEDS}")
    return SEEDS


@pytest.fixture(scope="session")
def demo_dir() -> Path:
    return DEMO


make_settings = scratch_settings  # the small test model and the bundled models on a scratch dir


@pytest.fixture
def settings(tmp_path):
    return make_settings(tmp_path / "data")


@pytest.fixture
def store(settings):
    from service.components import build_store
    from service.container import reset_containers

    s = build_store(settings)
    yield s
    reset_containers()


@pytest.fixture(scope="session")
def seeded(tmp_path_factory, seeds_dir):
    """One store with the seeds ingested, shared by read-only tests."""
    from service.components import build_store
    from service.ingest import ingest_paths

    settings = make_settings(tmp_path_factory.mktemp("seeded") / "data")
    store = build_store(settings)
    report = ingest_paths(store, [str(seeds_dir)], 5_000_000)
    assert len(report.added) == 2, report.as_dict()
    return settings, store


@pytest.fixture(scope="session")
def demo_store(tmp_path_factory, demo_dir):
    from service.components import build_store
    from service.ingest import ingest_paths

    settings = make_settings(tmp_path_factory.mktemp("demo") / "data")
    store = build_store(settings)
    report = ingest_paths(store, [str(demo_dir)], 5_000_000)
    assert not report.failed, report.as_dict()
    return settings, store
