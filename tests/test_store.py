"""Ingest, idempotency, updates, deletes and hybrid retrieval on a real Chroma on disk."""
import json

from index.retrieve import Filters
from index.tokens import count_tokens
from service.ingest import ingest_paths
from service.search import search_chunks

MAX = 5_000_000


def _chroma_ids(store):
    got = store.vectors._collection.get(include=["metadatas"])
    return sorted(m["chunk_id"] for m in got["metadatas"])


def _catalog_ids(store):
    return sorted(r[0] for r in store._db().execute("SELECT id FROM chunks"))


def test_demo_ingest_is_idempotent(store, demo_dir):
    first = ingest_paths(store, [str(demo_dir)], MAX)
    assert not first.failed and len(first.added) >= 12 and first.chunks > 0
    again = ingest_paths(store, [str(demo_dir)], MAX)
    assert again.added == [] and again.updated == [] and len(again.unchanged) == len(first.added)
    assert again.chunks == 0
    assert _chroma_ids(store) == _catalog_ids(store)
    listed = store.list_articles()
    assert len(listed) == len(first.added) and all(a.chunks >= 1 for a in listed)


def test_chunks_are_token_bounded_with_exact_offsets(store, demo_dir, settings):
    ingest_paths(store, [str(demo_dir)], MAX)
    for summary in store.list_articles():
        art = store.get_article(summary.id)
        rows = store._db().execute("SELECT start, \"end\", text, tokens FROM chunks WHERE article_id=? "
                                   "ORDER BY idx", (art.id,)).fetchall()
        for start, end, text, tokens in rows:
            assert art.text[start:end] == text
            assert tokens <= settings.chunk_tokens or "." not in text[:-1]
            assert text[-1] in ".!?”\"’)" or end == len(art.text)  # sentence-aligned


def test_changed_article_replaces_its_chunks(store, tmp_path):
    f = tmp_path / "a.json"
    body = " ".join(f"Sentence number {i} about the harbour wall repairs in Dunmore." for i in range(60))
    f.write_text(json.dumps({"id": "harbour-1", "title": "Harbour", "text": body}))
    r1 = ingest_paths(store, [str(f)], MAX)
    assert r1.added == ["harbour-1"]
    old = set(_catalog_ids(store))
    assert len(old) >= 3
    f.write_text(json.dumps({"id": "harbour-1", "title": "Harbour", "text": "The harbour wall in Dunmore was fixed."}))
    r2 = ingest_paths(store, [str(f)], MAX)
    assert r2.updated == ["harbour-1"] and r2.chunks == 1
    assert _chroma_ids(store) == _catalog_ids(store) and len(_catalog_ids(store)) == 1
    hits = search_chunks(store, _settings(store), "harbour wall repairs Dunmore", k=5)
    assert [h.text for h in hits] == ["The harbour wall in Dunmore was fixed."]


def _settings(store):
    from service.settings import Settings

    return Settings(data_dir=store.config.data_dir)


def test_delete_removes_everywhere(store, demo_dir, settings):
    ingest_paths(store, [str(demo_dir)], MAX)
    before = search_chunks(store, settings, "Lumenix battery plant Brennick", k=10)
    victim = before[0].article_id
    assert store.delete(victim)
    assert not store.delete(victim)
    after = search_chunks(store, settings, "Lumenix battery plant Brennick", k=10)
    assert victim not in {h.article_id for h in after}
    assert _chroma_ids(store) == _catalog_ids(store)
    assert store.get_article(victim) is None


def test_filters(demo_store):
    settings, store = demo_store
    hits = search_chunks(store, settings, "strike", k=10, filters=Filters(source="Coastline Post"))
    assert hits and {h.source for h in hits} == {"Coastline Post"}
    hits = search_chunks(store, settings, "comet", k=10, filters=Filters(since="2026-05-12"))
    assert hits and all(h.published >= "2026-05-12" for h in hits)
    hits = search_chunks(store, settings, "dam", k=10, filters=Filters(until="2026-03-14"))
    assert hits and all(h.published <= "2026-03-14" for h in hits)
    one = hits[0].article_id
    hits = search_chunks(store, settings, "evacuated", k=10, filters=Filters(article_ids=[one]))
    assert hits and {h.article_id for h in hits} == {one}
    assert search_chunks(store, settings, "dam", filters=Filters(source="No Such Outlet")) == []


def test_hybrid_search_finds_facts(demo_store):
    settings, store = demo_store
    hits = search_chunks(store, settings, "How many people were evacuated from Ashford Vale?", k=3)
    assert hits and all("Ashford" in h.text or "Kestrel" in h.title for h in hits)
    hits = search_chunks(store, settings, "Declan Moor", k=3)
    assert hits and "Declan Moor" in hits[0].text and hits[0].bm25_score
    assert search_chunks(store, settings, "football transfer gossip", k=5) == []


def test_boilerplate_never_retrieved(seeded):
    settings, store = seeded
    for q in ("Lando Norris", "Kamala Harris billionaires", "Popular posts from this blog",
              "Palestinian Advocates Sweep British Council Elections"):
        hits = search_chunks(store, settings, q, k=5)
        assert all(w not in h.text for h in hits for w in ("Lando", "Kamala", "Popular posts", "Palestinian")), q
        assert hits == [], (q, [(h.dense_score, h.text[:60]) for h in hits])
    hits = search_chunks(store, settings, "Who met Vladimir Putin on Friday?", k=3)
    assert hits and any("Witkoff" in h.text for h in hits)


def test_bm25_follows_catalog_generation(store, tmp_path, settings):
    f = tmp_path / "x.jsonl"
    f.write_text(json.dumps({"id": "q1", "title": "Quokka", "text": "A quokka named Zebulon escaped the zoo."}) + "\n")
    ingest_paths(store, [str(f)], MAX)
    assert [h.article_id for h in search_chunks(store, settings, "Zebulon quokka")] == ["q1"]
    store.delete("q1")
    assert search_chunks(store, settings, "Zebulon quokka") == []
    assert store.ensure_bm25().ids == []


def test_token_counter_is_offline_tiktoken():
    assert count_tokens("Hello world") == 2


def test_bm25_rebuilds_race_safely_across_threads_and_processes(tmp_path):
    """Issue 14: while the BM25 index had to be rebuilt, 73 of 104 concurrent requests failed with
    FileExistsError / FileNotFoundError (one shared temp folder, no lock). Two index objects on one
    folder stand for two processes (each opens its own lock file descriptor)."""
    import threading

    from index.bm25 import Bm25Index

    folder = tmp_path / "bm25"
    indexes = [Bm25Index(folder), Bm25Index(folder)]
    errors, results = [], []

    def rows(generation):
        return lambda: [(f"c{generation}-{n}", f"harbour wall repair number {n} generation {generation}")
                        for n in range(200)]

    def worker(n):
        try:
            for generation in range(1, 6):
                index = indexes[n % 2]
                index.ensure(generation, rows(generation))
                hits = index.search("harbour wall", 3)
                # One generation's ids only (ids and model swapped as one), and a full answer.
                results.append(len({h[0].split("-")[0] for h in hits}) == 1 and len(hits) == 3)
        except Exception as exc:  # noqa: BLE001 - any failure is the bug
            errors.append(repr(exc))

    threads = [threading.Thread(target=worker, args=(n,)) for n in range(16)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert not errors, errors[:3]
    assert results and all(results)
    assert sorted(p.name for p in tmp_path.iterdir()) == ["bm25", "bm25.lock"]  # no temp folders left


def test_dense_search_is_exact_under_every_filter_and_follows_writes(tmp_path):
    """Issue 17: the dense half scans one matrix instead of asking Chroma (its filtered queries were
    most of the search time). Its top results must be the exact nearest chunks among the rows the
    catalog's filter allows, a write must show at once, and a new process must reuse the saved
    matrix instead of reading every vector back from Chroma."""
    import numpy as np

    from bench.support import generated_articles, write_jsonl_files
    from conftest import make_settings
    from service.components import build_store

    settings = make_settings(tmp_path / "data")
    store = build_store(settings)
    write_jsonl_files(tmp_path / "in", generated_articles(40), per_file=20)
    ingest_paths(store, [str(tmp_path / "in")], MAX)
    got = store.vectors._collection.get(include=["embeddings"])
    vectors = {i: np.asarray(v, dtype=np.float32) for i, v in zip(got["ids"], got["embeddings"])}
    db = store._db()
    cases = [(Filters(), ""), (Filters(source="Outlet 3"), "a.source = 'Outlet 3'"),
             (Filters(since="2026-03-01", until="2026-05-31"), "a.published BETWEEN '2026-03-01' AND '2026-05-31'"),
             (Filters(article_ids=["gen-00004", "gen-00011"]), "a.id IN ('gen-00004', 'gen-00011')")]
    for query in ("harbour project cost", "railway workers in Dunmore"):
        q = np.asarray(store.embeddings.embed_query(query), dtype=np.float32)
        for filters, where in cases:
            sql = "SELECT c.id FROM chunks c JOIN articles a ON a.id = c.article_id" + (f" WHERE {where}" if where else "")
            allowed = [r[0] for r in db.execute(sql)]
            exact = sorted(allowed, key=lambda cid: -float(vectors[cid] @ q))[:10]
            matrix = store.ensure_dense()
            found = [cid for cid, _ in matrix.nearest(q, 10, matrix.mask(filters.source, filters.since, filters.until,
                                                                          filters.article_ids))]
            assert found == exact, (query, filters)
            hits = search_chunks(store, settings, query, k=5, filters=filters)
            assert hits and all(h.chunk_id in set(allowed) for h in hits)

    # A write shows at once; only the new chunks are read from Chroma.
    reads = []
    real = store.read_vectors
    store.read_vectors = lambda read: reads.append(1) or real(read)
    fresh = generated_articles(41)[40]
    fresh.update(id="late", title="Zanzibar lighthouse reopens", text="The Zanzibar lighthouse reopened on Friday.")
    write_jsonl_files(tmp_path / "late", [fresh])
    ingest_paths(store, [str(tmp_path / "late")], MAX)
    store.ensure_dense()  # our own Chroma client saw the write: no reopen, one read of the new ids
    assert len(reads) == 1
    assert search_chunks(store, settings, "Zanzibar lighthouse", k=1)[0].article_id == "late"
    store.delete("late")
    assert all(h.article_id != "late" for h in search_chunks(store, settings, "Zanzibar lighthouse", k=5))

    # Another process (a new store on the same dir) loads the saved matrix: no vector is read back.
    other = build_store(settings)
    other.read_vectors = lambda read: (_ for _ in ()).throw(AssertionError("read back from Chroma"))
    assert len(other.ensure_dense().ids) == store.count()[1]
