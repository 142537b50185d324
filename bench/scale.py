"""Real-scale figures (issue 17): ingest the BBC folder as five outlets over a year, then search
with no filter, a source filter and a date range, each next to raw Chroma on the same query
vectors; then grow the index to 50,000 chunks with jittered copies and measure again.

The copies are synthetic (BBC vectors plus noise, under new ids, written straight into the catalog
and Chroma): embedding 50k chunks would take 20 minutes, and search latency depends on the
count and the filters, not on how the vectors were made.
"""
from __future__ import annotations

import datetime as dt
import hashlib
import json
import resource
import time
from pathlib import Path

import numpy as np

from eval.metrics import percentile

OUTLETS = ["BBC News", "Wire One", "Daily Ledger", "Metro Post", "Coast Herald"]


def corpus_jsonl(corpus: Path, out: Path, per_file: int = 100) -> int:
    """The BBC text files as JSONL with an outlet and a date each (fixed by the file's name)."""
    files = sorted(p for p in corpus.rglob("*.txt") if p.name.lower() != "readme.txt")
    out.mkdir(parents=True, exist_ok=True)
    rows = []
    for p in files:
        lines = p.read_text(encoding="utf-8", errors="replace").splitlines()
        h = int(hashlib.sha1(str(p.relative_to(corpus)).encode()).hexdigest(), 16)
        day = dt.date(2025, 1, 1) + dt.timedelta(days=h % 365)
        rows.append({"id": "bbc-" + str(p.relative_to(corpus).with_suffix("")).replace("/", "-"), "title": lines[0].strip(),
                     "text": "\n".join(lines[1:]).strip(), "source": OUTLETS[h % 5], "published": day.isoformat()})
    for i in range(0, len(rows), per_file):
        (out / f"part{i // per_file:03d}.jsonl").write_text("\n".join(json.dumps(r) for r in rows[i:i + per_file]) + "\n")
    return len(rows)


def _timed(fn, runs) -> tuple[float, float]:
    times = []
    for arg in runs:
        t = time.perf_counter()
        fn(arg)
        times.append((time.perf_counter() - t) * 1000)
    return percentile(times, .5), percentile(times, .95)


def search_figures(store, settings, queries: list[str], label: str) -> None:
    from index.retrieve import Filters, search

    vectors = store.embeddings.embed_documents(queries)
    store.ensure_dense()
    store.ensure_bm25()
    collection = store.vectors._collection
    filters = {"no filter": Filters(), "source filter": Filters(source=OUTLETS[2]),
               "date range": Filters(since="2025-03-01", until="2025-05-31")}
    print(f"search at {store.count()[1]:,} chunks ({label}), {len(queries)} queries, query vectors precomputed:")
    for name, f in filters.items():
        ours = _timed(lambda i: search(store, queries[i], k=settings.search_k, filters=f,
                                       candidates=settings.search_candidates, min_score=settings.min_score,
                                       query_vector=vectors[i]), range(len(queries)))
        raw = _timed(lambda i: collection.query(query_embeddings=[vectors[i]], n_results=settings.search_candidates,
                                                where=f.chroma_where(), include=["distances", "metadatas"]),
                     range(len(queries)))
        print(f"  {name:13s} newsdesk p50 {ours[0]:6.1f} ms  p95 {ours[1]:6.1f} ms | raw Chroma top-"
              f"{settings.search_candidates} p50 {raw[0]:6.1f} ms  p95 {raw[1]:6.1f} ms | p95 ratio {ours[1] / raw[1]:.2f}")


def grow(store, target: int, seed: int = 3) -> None:
    """Jittered copies of the stored chunks under new ids until the index holds `target` chunks."""
    rng = np.random.default_rng(seed)
    db = store._db()
    base = db.execute("SELECT c.id, c.article_id, c.idx, c.start, c.\"end\", c.text, c.tokens, a.source, "
                      "a.published FROM chunks c JOIN articles a ON a.id = c.article_id ORDER BY c.id").fetchall()
    got = store.vectors._collection.get(ids=[r[0] for r in base], include=["embeddings", "metadatas"])
    vec = {i: np.asarray(v, dtype=np.float32) for i, v in zip(got["ids"], got["embeddings"])}
    meta = dict(zip(got["ids"], got["metadatas"]))
    copy, have = 0, len(base)
    while have < target:
        copy += 1
        batch = base[:max(0, min(len(base), target - have))]
        arts = {r[1] for r in batch}
        with db:
            for a in arts:
                db.execute("INSERT INTO articles SELECT id || ':copy{0}', title, source, url, published, author, path, "
                           "raw_text, text, metadata, content_hash, ingested_at, NULL FROM articles WHERE id=?"
                           .format(copy), (a,))
            db.executemany("INSERT INTO chunks VALUES (?,?,?,?,?,?,?)",
                           [(f"{r[0]}:copy{copy}", f"{r[1]}:copy{copy}", *r[2:7]) for r in batch])
            db.execute("UPDATE meta SET value = CAST(value AS INTEGER) + 1 WHERE key='generation'")
        for i in range(0, len(batch), 2000):
            part = batch[i:i + 2000]
            v = np.stack([vec[r[0]] + rng.normal(0, 0.02, vec[r[0]].shape).astype(np.float32) for r in part])
            v /= np.linalg.norm(v, axis=1, keepdims=True)
            metas = [{**meta[r[0]], "chunk_id": f"{r[0]}:copy{copy}", "article_id": f"{r[1]}:copy{copy}"} for r in part]
            store.vectors._collection.add(ids=[f"{r[0]}:copy{copy}" for r in part], embeddings=v.tolist(),
                                          metadatas=metas, documents=[r[5] for r in part])
        have += len(batch)


def embedder_figures(embeddings, texts: list[str], tmp: Path) -> None:
    """The embedder in use, alone, next to the shipped int8 file and the fp32 graph of the same
    model, on the same chunks; and how far each is from fp32."""
    import onnx

    from index import minilm_build
    from index.embed import MiniLMEmbeddings, minilm_files

    fp32 = tmp / "fp32.onnx"
    onnx.save(minilm_build.build_fp32(minilm_build.read_safetensors(minilm_files()["weights"])), str(fp32))
    runs = {"in use": embeddings, "shipped int8": MiniLMEmbeddings(), "fp32": MiniLMEmbeddings(model=fp32)}
    vectors = {}
    for name, e in runs.items():
        e.embed_documents(texts[:16])
        t = time.perf_counter()
        vectors[name] = np.asarray(e.embed_documents(texts))
        print(f"  embedder alone ({name}) on {len(texts)} of those chunks: {len(texts) / (time.perf_counter() - t):.1f} chunks/s")
    for name in ("in use", "shipped int8"):
        cos = (vectors[name] * vectors["fp32"]).sum(axis=1)
        print(f"  {name} vs fp32: cosine min {cos.min():.4f}, mean {cos.mean():.4f}")


def ingest_ratio(settings_for, tmp: Path, files: list[Path]) -> None:
    """The same 400 articles ingested the way the store did before issue 17 (the shipped int8
    file, one embedding call per article) and the way it does now, in this run."""
    import service.ingest as ingest
    from service.components import build_store

    figures = {}
    for name, variant, batch in (("before: shipped int8, per article", "shipped", 1),
                                 ("now: per-channel int8, 32-article batches", "per-channel", ingest.BATCH_ARTICLES)):
        store = build_store(settings_for(tmp / f"ratio-{variant}", embed_int8=variant))
        store.embeddings.embed_documents(["warm up"])
        saved, ingest.BATCH_ARTICLES = ingest.BATCH_ARTICLES, batch
        try:
            t = time.perf_counter()
            r = ingest.ingest_paths(store, [str(f) for f in files], 50_000_000)
            figures[name] = r.chunks / (time.perf_counter() - t)
        finally:
            ingest.BATCH_ARTICLES = saved
        print(f"ingest {len(r.added)} BBC articles, {name}: {figures[name]:.1f} chunks/s")
    before, now = figures.values()
    print(f"  ingest speed-up in this run: {now / before:.2f}x")


def bench_scale(settings_for, corpus: Path | None, target: int) -> None:
    import tempfile

    from service.components import build_store
    from service.ingest import ingest_paths

    if corpus is None or not corpus.is_dir():
        print(f"scale benchmark skipped: no corpus at {corpus} (pass --corpus ../shared/corpora/bbc-news)")
        return
    with tempfile.TemporaryDirectory() as tmp:
        n = corpus_jsonl(corpus, Path(tmp) / "jsonl")
        ingest_ratio(settings_for, Path(tmp), sorted((Path(tmp) / "jsonl").glob("*.jsonl"))[:4])
        settings = settings_for(Path(tmp) / "data")
        store = build_store(settings)
        t = time.perf_counter()
        r = ingest_paths(store, [str(Path(tmp) / "jsonl")], 50_000_000)
        if r.failed or not r.added:
            print(f"scale benchmark stopped: {len(r.failed)} inputs failed, e.g. {r.failed[:1]}")
            return
        secs = time.perf_counter() - t
        rss = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
        print(f"ingest {n} BBC articles as 5 outlets over 2025: {len(r.added)} added, {r.chunks} chunks in "
              f"{secs:.0f}s → {r.chunks / secs:.1f} chunks/s, {len(r.added) / secs:.1f} articles/s; peak RSS {rss:.0f} MB")
        texts = [row[0] for row in store._db().execute("SELECT text FROM chunks ORDER BY id LIMIT 256")]
        embedder_figures(store.embeddings, texts, Path(tmp))
        titles = [row[0] for row in store._db().execute("SELECT title FROM articles ORDER BY id")][::37][:60]
        search_figures(store, settings, titles, "BBC")
        if target > store.count()[1]:
            t = time.perf_counter()
            grow(store, target)
            print(f"grew to {store.count()[1]:,} chunks with jittered copies in {time.perf_counter() - t:.0f}s")
            t = time.perf_counter()
            store.ensure_dense()
            print(f"  dense matrix for the new generation: {time.perf_counter() - t:.2f}s")
            search_figures(store, settings, titles, "BBC + synthetic copies")
