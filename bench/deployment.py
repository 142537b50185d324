"""From one laptop to many machines (issue 17): the embedded default (SQLite files and Chroma in the
data dir, limits in memory) next to the shared deployment (PostgreSQL, a Chroma server, Redis), in
one run on the same articles: ingest speed, search latency through the whole search path, what a
new process with an empty data dir pays for its first search, and a rate-limit check.

Real articles when `--corpus` holds the BBC folder (400 of them); else the demo corpus, whose
figures say only how the two set-ups compare, not what real news costs.
"""
from __future__ import annotations

import tempfile
import time
from pathlib import Path

from bench.support import REPO


def _articles(corpus: Path | None, tmp: Path) -> tuple[list[str], str]:
    if corpus is not None and corpus.is_dir():
        from bench.scale import corpus_jsonl

        corpus_jsonl(corpus, tmp / "jsonl")
        return [str(p) for p in sorted((tmp / "jsonl").glob("*.jsonl"))[:4]], "400 BBC articles"
    return [str(REPO / "demo" / "corpus")], "the demo corpus (no BBC folder: speed comparison only)"


def _one_setup(label: str, settings, fresh, paths: list[str]) -> dict[str, float]:
    """Ingest, then search, then a new process's first search (`fresh`: its settings)."""
    from bench.scale import _timed
    from service.components import build_store
    from service.container import reset_containers
    from service.ingest import ingest_paths
    from service.search import search_chunks

    store = build_store(settings)
    store.embeddings.embed_documents(["warm up"])
    t = time.perf_counter()
    report = ingest_paths(store, paths, 50_000_000)
    ingest = report.chunks / (time.perf_counter() - t)
    queries = [r[0] for r in store.db.execute("SELECT title FROM articles ORDER BY id")][::7][:60]
    search_chunks(store, settings, queries[0], k=settings.search_k)
    p50, p95 = _timed(lambda q: search_chunks(store, settings, q, k=settings.search_k), queries)
    reset_containers()  # a new process: nothing cached in memory
    other = build_store(fresh)
    t = time.perf_counter()
    hits = search_chunks(other, fresh, queries[1], k=fresh.search_k)
    cold = time.perf_counter() - t
    assert hits, f"{label}: the new process found nothing"
    reset_containers()
    return {"ingest": ingest, "chunks": report.chunks, "p50": p50, "p95": p95,
            "cold": cold}


def bench_deployment(settings_for, corpus: Path | None) -> None:
    from bench import servers
    from service.api.limits import rate_limiter

    with tempfile.TemporaryDirectory() as tmp_name:
        tmp = Path(tmp_name)
        paths, what = _articles(corpus, tmp)
        try:
            pg_cm, chroma_cm, redis_cm = servers.postgres(), servers.chroma_server(tmp), servers.redis_server(tmp)
            pg, chroma, redis_url = pg_cm.__enter__(), chroma_cm.__enter__(), redis_cm.__enter__()
        except servers.ServerMissing as exc:
            print(f"deployment benchmark skipped: {exc}")
            return
        try:
            url = servers.create_database(pg, "bench")
            figures = {
                "embedded (SQLite + Chroma in the data dir)": _one_setup(
                    "embedded", settings_for(tmp / "embedded"), settings_for(tmp / "embedded"), paths),
                "shared (PostgreSQL + Chroma server)": _one_setup(
                    "shared", settings_for(tmp / "p1", database_url=url, chroma_url=chroma),
                    settings_for(tmp / "p2", database_url=url, chroma_url=chroma), paths),
            }
            print(f"deployment, {what}:")
            for name, f in figures.items():
                print(f"  {name:44s} ingest {f['ingest']:6.1f} chunks/s ({f['chunks']} chunks) | search p50 "
                      f"{f['p50']:5.1f} ms p95 {f['p95']:5.1f} ms | a new process's first search {f['cold']:.2f}s")
            embedded, shared = figures.values()
            print(f"  shared / embedded: ingest {shared['ingest'] / embedded['ingest']:.2f}x, search p95 "
                  f"{shared['p95'] / embedded['p95']:.2f}x")
            for name, limiter in (("in memory", rate_limiter(10**6, None, "bench")),
                                  ("Redis", rate_limiter(10**6, redis_url, "bench"))):
                t = time.perf_counter()
                for i in range(2000):
                    limiter.check(f"key:{i % 50}")
                print(f"  rate-limit check, {name}: {(time.perf_counter() - t) / 2000 * 1e6:.0f} µs")
        finally:
            for cm in (redis_cm, chroma_cm, pg_cm):
                cm.__exit__(None, None, None)
