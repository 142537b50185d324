"""Data integrity: a process killed between the vector store and the catalog, and a data dir
nobody may write. Real processes, real SIGKILL, real Chroma on disk, a real read-only mount."""
from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import textwrap

import pytest
from conftest import make_settings
from helpers import REPO, cli_env, run_cli

V1 = ("Harbour board approves the new ferry terminal",
      "The Kestrel harbour board approved a new ferry terminal on Tuesday. " * 3
      + "The terminal will cost 40 million euros and open in 2028. " * 2)
V2 = ("Harbour board scraps the ferry terminal",
      "The Kestrel harbour board scrapped its ferry terminal plan after a vote of the councillors. " * 2
      + "Engineers had warned of subsidence near the quay walls. " * 2
      + " ".join(f"Councillor number {i} said the quay at berth {i} was unsafe for heavy ferries." for i in range(400)))  # over 64 chunks: several vector batches


def _article(title: str, text: str) -> str:
    return json.dumps({"id": "harbour-terminal", "title": title, "source": "Kestrel Gazette",
                       "published": "2026-03-03", "text": text})


def _consistent(store) -> None:
    """Every catalog chunk has its vector (same text), no vector outlives its chunk, no write pending."""
    db = store._db()
    catalog = {r[0]: r[1] for r in db.execute("SELECT id, text FROM chunks")}
    got = store.vectors._collection.get(include=["documents"])
    chroma = dict(zip(got["ids"], got["documents"]))
    assert set(chroma) == set(catalog), (f"vectors without a chunk: {sorted(set(chroma) - set(catalog))[:3]}; "
                                         f"chunks without a vector: {sorted(set(catalog) - set(chroma))[:3]}")
    assert all(chroma[c].endswith(t) for c, t in catalog.items())
    assert set(store.records.list_keys()) == set(catalog)
    assert db.execute("SELECT COUNT(*) FROM pending").fetchone()[0] == 0


# Each child writes through the real store and is SIGKILLed at one step of the write.
_DIE = "os.kill(os.getpid(), signal.SIGKILL)"
_KILL_POINTS = {
    # after the vectors are written, before the catalog commits
    "after-vectors": f"""
        import langchain_core.indexing as li
        real = li.index
        def index(*a, **k):
            real(*a, **k); {_DIE}
        li.index = index""",
    # half-way through writing the vectors (after the first of several batches)
    "mid-vectors": f"""
        from langchain_chroma import Chroma
        real = Chroma.add_documents
        calls = []
        def add(self, *a, **k):
            out = real(self, *a, **k)
            calls.append(1)
            if len(calls) == 1: {_DIE}
            return out
        Chroma.add_documents = add""",
    # a delete: the catalog rows are gone, the vectors not yet
    "before-purge": f"""
        from index.store import ArticleStore
        ArticleStore.purge_vectors = lambda self, article_id: {_DIE}""",
}


def _child(data_dir, kill_point: str, action: str) -> subprocess.CompletedProcess:
    code = "\n".join(["import os, signal, json", "from index.models import Article",
                      "from service.components import build_store", "from service.settings import Settings",
                      textwrap.dedent(_KILL_POINTS[kill_point]), "store = build_store(Settings())", action])
    return subprocess.run([sys.executable, "-c", code], env=cli_env(data_dir), cwd=REPO,
                          capture_output=True, text=True, timeout=300)


@pytest.mark.parametrize("case", ["add", "update", "update-mid-vectors", "delete"])
def test_kill_9_mid_write_is_finished_on_restart(tmp_path, seeds_dir, case):
    from service.components import build_store
    from service.container import reset_containers

    data = tmp_path / "data"
    assert run_cli(["ingest", str(seeds_dir)], data).returncode == 0
    if case != "add":
        (tmp_path / "v1.json").write_text(_article(*V1))
        assert run_cli(["ingest", str(tmp_path / "v1.json")], data).returncode == 0
    kill_point, action = {
        "add": ("after-vectors", f"store.upsert(Article(**json.loads({_article(*V2)!r})))"),
        "update": ("after-vectors", f"store.upsert(Article(**json.loads({_article(*V2)!r})))"),
        "update-mid-vectors": ("mid-vectors", f"store.upsert(Article(**json.loads({_article(*V2)!r})))"),
        "delete": ("before-purge", "store.delete('harbour-terminal')"),
    }[case]
    child = _child(data, kill_point, action)
    assert child.returncode == -9, child.stderr[-2000:]

    reset_containers()
    store = build_store(make_settings(data))
    try:
        verb = "delete" if case == "delete" else "write"
        assert store.repairs == [f"finished the interrupted {verb} of article harbour-terminal"]
        _consistent(store)
        article = store.get_article("harbour-terminal")
        if case == "delete":
            assert article is None
            assert not store.vectors._collection.get(where={"article_id": "harbour-terminal"})["ids"]
        else:  # finished, not rolled back: the write the user asked for is what is stored
            assert article is not None and article.title == V2[0]
            hits = store.vectors.similarity_search("subsidence near the quay walls", k=3)
            assert any(h.metadata["article_id"] == "harbour-terminal" for h in hits)
        assert store.reconcile(full=True) == []  # nothing left to mend
    finally:
        reset_containers()


def test_full_reconcile_mends_drift_the_journal_never_saw(tmp_path, seeds_dir):
    """A data dir damaged outside any journalled write (an older version, a restored backup)."""
    from service.components import build_store
    from service.container import reset_containers

    reset_containers()
    store = build_store(make_settings(tmp_path / "data"))
    try:
        (tmp_path / "v1.json").write_text(_article(*V1))
        from service.ingest import ingest_paths

        ingest_paths(store, [str(seeds_dir), str(tmp_path / "v1.json")], 5_000_000)
        lost = store._db().execute("SELECT id FROM chunks WHERE article_id='harbour-terminal' LIMIT 1").fetchone()[0]
        store.vectors._collection.delete(ids=[lost])
        store.vectors._collection.add(ids=["ghost:0:0"], documents=["a chunk nobody owns"],
                                      embeddings=[[0.01] * 384], metadatas=[{"article_id": "ghost"}])
        fixed = store.reconcile(full=True)
        assert fixed == ["removed 1 vectors of articles the catalog no longer holds",
                         "re-embedded article harbour-terminal, whose vectors were missing"]
        _consistent(store)
    finally:
        reset_containers()


def test_cli_says_what_startup_repaired(tmp_path, seeds_dir):
    data = tmp_path / "data"
    assert run_cli(["ingest", str(seeds_dir)], data).returncode == 0
    (tmp_path / "v1.json").write_text(_article(*V1))
    assert run_cli(["ingest", str(tmp_path / "v1.json")], data).returncode == 0
    assert _child(data, "before-purge", "store.delete('harbour-terminal')").returncode == -9
    r = run_cli(["list", "--json"], data)
    assert r.returncode == 0, r.stderr
    assert "repaired: finished the interrupted delete of article harbour-terminal" in r.stderr
    assert "harbour-terminal" not in {a["id"] for a in json.loads(r.stdout)}


# --- a read-only data dir ------------------------------------------------------------------
def _read_only_runner(data_dir):
    """Run the CLI with `data_dir` read-only: chmod for a normal user; root ignores file modes, so
    root gets a read-only bind mount in a private mount namespace (skipped where that is denied)."""
    if os.geteuid() != 0:
        subprocess.run(["chmod", "-R", "a-w", str(data_dir)], check=True)
        return run_cli
    probe = subprocess.run(["unshare", "-m", "sh", "-c", f"mount --bind {data_dir} {data_dir}"],
                           capture_output=True, text=True)
    if probe.returncode != 0 or not shutil.which("unshare"):
        pytest.skip(f"cannot make a read-only mount here: {probe.stderr.strip()}")

    def run(args, data, **extra):
        code = f"import sys; from service.cli import main; sys.argv = ['newsdesk'] + {args!r}; main()"
        script = 'd="$1"; shift; mount --bind "$d" "$d" && mount -o remount,bind,ro "$d" && exec "$@"'
        return subprocess.run(["unshare", "-m", "sh", "-c", script, "sh", str(data), sys.executable, "-c", code],
                              env=cli_env(data, **extra), cwd=REPO, capture_output=True, text=True, timeout=600)
    return run


def _snapshot(folder) -> dict:
    return {str(p.relative_to(folder)): p.read_bytes() for p in sorted(folder.rglob("*")) if p.is_file()}


def test_read_only_data_dir_serves_reads_and_refuses_writes_in_one_line(tmp_path, seeds_dir):
    data = tmp_path / "data"
    assert run_cli(["ingest", str(seeds_dir)], data).returncode == 0
    stories = json.loads(run_cli(["stories", "--json"], data).stdout)
    before = _snapshot(data)
    run = _read_only_runner(data)
    try:
        listed = run(["list", "--json"], data)
        assert listed.returncode == 0, listed.stderr
        assert len(json.loads(listed.stdout)) == 2
        hits = run(["search", "Healey defence secretary", "--k", "3", "--json"], data)
        assert hits.returncode == 0, hits.stderr
        assert any("Healey" in h["text"] for h in json.loads(hits.stdout))
        got = run(["stories", "--json"], data)
        assert got.returncode == 0, got.stderr
        assert json.loads(got.stdout) == stories
        got = run(["conflicts", stories[0]["id"], "--json"], data)
        assert got.returncode == 0 and "Healey" in got.stdout, got.stderr
        for args, what in ((["ingest", str(seeds_dir)], "cannot ingest"),
                           (["delete", listed and json.loads(listed.stdout)[0]["id"]], "cannot delete article"),
                           (["serve"], "serve (uploads, chat sessions) needs to write there")):
            r = run(args, data)
            assert r.returncode == 2, (args, r.stdout, r.stderr)
            assert "Traceback" not in r.stderr and f"is read-only: {what}" in r.stderr
            assert len(r.stderr.strip().splitlines()) <= 2  # one line (wrapped at most once)
    finally:
        subprocess.run(["chmod", "-R", "u+w", str(data)], check=False)
    assert _snapshot(data) == before


def test_requests_keep_answering_while_another_process_changes_the_index(tmp_path, seeds_dir):
    """Issue 14: 73 of 104 concurrent requests failed with 500 while the index changed underneath.
    A live server answers search, listing and stories while a second process ingests and deletes."""
    import threading

    import httpx
    from test_api import LiveServer

    from helpers import generated_articles, write_jsonl_files
    from service.api.app import create_app

    data = tmp_path / "data"
    assert run_cli(["ingest", str(seeds_dir)], data).returncode == 0
    feeds = write_jsonl_files(tmp_path / "feeds", generated_articles(24), per_file=6)
    app = create_app(make_settings(data, warm_on_start=False, rate_limit_per_minute=0))
    statuses, done = [], threading.Event()

    def reader(url):
        with httpx.Client(base_url=url, timeout=120) as http:
            while not done.is_set():
                for r in (http.post("/v1/search", json={"query": "harbour project workers", "k": 5}),
                          http.get("/v1/articles"), http.get("/v1/stories")):
                    statuses.append((r.request.url.path, r.status_code))

    with LiveServer(app) as url:
        threads = [threading.Thread(target=reader, args=(url,)) for _ in range(6)]
        for t in threads:
            t.start()
        try:
            for feed in feeds:  # four generations, each a separate process run
                assert run_cli(["ingest", str(feed)], data).returncode == 0
            assert run_cli(["delete", "gen-00000"], data).returncode == 0
        finally:
            done.set()
            for t in threads:
                t.join(120)
        with httpx.Client(base_url=url, timeout=120) as http:
            hits = http.post("/v1/search", json={"query": "project number 23 would cost", "k": 10}).json()
        assert "gen-00023" in {h["article_id"] for h in hits}  # the other process's last write is seen
        assert "gen-00000" not in {h["article_id"] for h in hits}
    assert len(statuses) >= 30
    failed = [s for s in statuses if s[1] != 200]
    assert not failed, failed[:5]


def test_the_server_answers_while_an_upload_is_parsed_and_embedded(tmp_path, seeds_dir):
    """Issue 14: POST /v1/articles parsed and cleaned on the event loop, so /healthz waited 11.7 s
    behind one crafted article. Parsing, cleaning and embedding run in worker threads: health
    checks sent while a long upload is processed are answered before it finishes."""
    import threading

    import httpx
    from test_api import LiveServer

    from service.api.app import create_app

    data = tmp_path / "data"
    assert run_cli(["ingest", str(seeds_dir)], data).returncode == 0
    app = create_app(make_settings(data, warm_on_start=False, rate_limit_per_minute=0))
    body = "\n\n".join(f"Paragraph {i}: the harbour board of Kestrel met again; " + "councillors argued. " * 40
                       for i in range(60))  # ~60 KB, a few hundred chunks to clean, chunk and embed
    uploaded, health = threading.Event(), []
    status = []
    with LiveServer(app) as url, httpx.Client(base_url=url, timeout=300) as http:
        http.get("/healthz")

        def upload():
            status.append(http.post("/v1/articles", json={"title": "Long", "text": body}).status_code)
            uploaded.set()

        worker = threading.Thread(target=upload)
        worker.start()
        while not uploaded.is_set():
            code = http.get("/healthz").status_code
            if not uploaded.is_set():  # answered while the upload was still being processed
                health.append(code)
        worker.join(300)
    assert status == [200]
    assert len(health) >= 4 and set(health) == {200}, health[:5]
