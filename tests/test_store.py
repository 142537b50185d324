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
