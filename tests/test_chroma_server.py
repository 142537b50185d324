"""The same store against a real `chroma run` server process."""


from service.components import build_store
from service.container import reset_containers
from service.ingest import ingest_paths
from service.search import search_chunks


def test_ingest_and_search_against_chroma_server(tmp_path, chroma_server, demo_dir):
    from conftest import make_settings

    settings = make_settings(tmp_path / "data", chroma_url=chroma_server)
    store = build_store(settings)
    try:
        report = ingest_paths(store, [str(demo_dir)], 5_000_000)
        assert not report.failed and len(report.added) >= 12
        assert not (tmp_path / "data" / "chroma").exists()  # vectors went to the server
        hits = search_chunks(store, settings, "comet discovered by a research student", k=3)
        assert hits and "Okonkwo" in " ".join(h.text for h in hits)
        again = ingest_paths(store, [str(demo_dir)], 5_000_000)
        assert again.added == [] and again.updated == []
        assert store.vectors._collection.count() == store.count()[1]
    finally:
        reset_containers()
