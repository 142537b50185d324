"""The real CLI in real processes: ingest reports, exit codes, --json shapes, crash safety, offline."""
import json
import os
import signal
import sqlite3
import subprocess
import sys
import time

from helpers import REPO, cli_env, generated_articles, run_cli, write_jsonl_files

SEARCH_KEYS = {"article_id", "title", "source", "url", "published", "chunk_id", "start", "end", "score", "text"}


def test_ingest_list_search_delete_json(tmp_path, demo_dir):
    data = tmp_path / "data"
    r = run_cli(["ingest", str(demo_dir), "--json"], data)
    assert r.returncode == 0, r.stderr
    report = json.loads(r.stdout)
    assert len(report["added"]) >= 12 and report["failed"] == [] and report["chunks"] > 0
    r = run_cli(["list", "--json"], data)
    listed = json.loads(r.stdout)
    assert {"id", "title", "source", "published", "chunks"} <= set(listed[0])
    r = run_cli(["search", "Who leads the Rail Drivers' Association?", "--k", "2", "--json"], data)
    hits = json.loads(r.stdout)
    assert 1 <= len(hits) <= 2 and set(hits[0]) == SEARCH_KEYS and "Moor" in hits[0]["text"]
    r = run_cli(["search", "strike", "--since", "not-a-date"], data)
    assert r.returncode == 2 and "not a date" in r.stderr
    r = run_cli(["delete", hits[0]["article_id"], "--json"], data)
    assert json.loads(r.stdout) == {"id": hits[0]["article_id"], "deleted": True}
    r = run_cli(["delete", "no-such-id"], data)
    assert r.returncode == 1 and "no article" in r.stderr


def test_bad_files_fail_clearly_and_nothing_stored_is_lost(tmp_path, demo_dir):
    data = tmp_path / "data"
    assert run_cli(["ingest", str(demo_dir)], data).returncode == 0
    before = json.loads(run_cli(["list", "--json"], data).stdout)
    bad = tmp_path / "bad"
    bad.mkdir()
    (bad / "bin.txt").write_bytes(b"\x00\x01\x02binary")
    (bad / "broken.jsonl").write_text('{"title": "fine", "text": "A fine article about owls."}\n{oops\n')
    (bad / "huge.txt").write_text("Big\n\n" + "word " * 2_000_000)
    r = run_cli(["ingest", str(bad)], data)
    assert r.returncode == 1
    assert "bin.txt: binary file" in r.stderr and "broken.jsonl:2: malformed JSON line" in r.stderr
    assert "huge.txt: file is 10.0 MB, over the 5.0 MB limit" in r.stderr
    assert "added 1" in r.stdout and "failed 3" in r.stdout
    after = json.loads(run_cli(["list", "--json"], data).stdout)
    assert len(after) == len(before) + 1
    assert {a["id"] for a in before} <= {a["id"] for a in after}


def test_config_names_models_and_presence(tmp_path):
    r = run_cli(["config", "--json"], tmp_path / "data")
    assert r.returncode == 0, r.stderr
    info = json.loads(r.stdout)
    assert info["settings"]["data_dir"] == str(tmp_path / "data")
    comps = {c["component"]: c for c in info["components"]}
    assert comps["embedder"]["present"] and comps["llm"]["present"] and comps["tokenizer"]["present"]
    r = run_cli(["config", "--json"], tmp_path / "data", NEWSDESK_LLM_MODEL="/nope/model.gguf")
    comps = {c["component"]: c for c in json.loads(r.stdout)["components"]}
    assert comps["llm"]["present"] is False


def test_kill_9_mid_ingest_then_rerun_converges(tmp_path):
    articles = generated_articles(240)
    write_jsonl_files(tmp_path / "in", articles, per_file=5)
    data = tmp_path / "data"
    code = "import sys; from service.cli import main; sys.argv=['newsdesk','ingest',sys.argv[1]]; main()"
    proc = subprocess.Popen([sys.executable, "-c", code, str(tmp_path / "in")], env=cli_env(data), cwd=REPO,
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    catalog = data / "catalog.sqlite"
    deadline = time.time() + 300
    count = 0
    while time.time() < deadline:
        if catalog.exists():
            try:
                with sqlite3.connect(catalog) as db:
                    count = db.execute("SELECT COUNT(*) FROM articles").fetchone()[0]
            except sqlite3.OperationalError:
                count = 0
            if count >= 30:
                break
        time.sleep(0.2)
    os.kill(proc.pid, signal.SIGKILL)
    proc.wait()
    assert 30 <= count < len(articles), "the ingest should have been killed part-way"
    r = run_cli(["ingest", str(tmp_path / "in"), "--json"], data)
    assert r.returncode == 0, r.stderr
    report = json.loads(r.stdout)
    assert len(report["added"]) + len(report["unchanged"]) == len(articles)
    assert len(report["unchanged"]) >= count
    check = ("from service.settings import Settings; from service.components import build_store; "
             "import json; s = build_store(Settings()); g = s.vectors._collection.get(include=['metadatas']); "
             "ids = [m['chunk_id'] for m in g['metadatas']]; "
             "cat = [r[0] for r in s._db().execute('SELECT id FROM chunks')]; "
             "arts = [r[0] for r in s._db().execute('SELECT a.id FROM articles a WHERE NOT EXISTS "
             "(SELECT 1 FROM chunks c WHERE c.article_id = a.id)')]; "
             "print(json.dumps([len(ids), len(set(ids)), sorted(ids) == sorted(cat), len(arts), s.count()[0]]))")
    out = subprocess.run([sys.executable, "-c", check], env=cli_env(data), cwd=REPO, capture_output=True,
                         text=True, timeout=300)
    n_vectors, n_unique, same, no_chunks, n_articles = json.loads(out.stdout)
    assert n_vectors == n_unique and same and no_chunks == 0 and n_articles == len(articles)


def test_pipeline_runs_with_network_blocked(tmp_path, seeds_dir):
    data = tmp_path / "data"
    r = run_cli(["ingest", str(seeds_dir)], data, offline=True, TIKTOKEN_CACHE_DIR="")
    assert r.returncode == 0, r.stderr
    r = run_cli(["search", "Who met Vladimir Putin on Friday?", "--json"], data, offline=True)
    assert r.returncode == 0, r.stderr
    assert any("Witkoff" in h["text"] for h in json.loads(r.stdout))


def test_ask_shows_only_checked_sentences_and_config_masks_only_secrets(tmp_path, demo_dir):
    """Issue 18: `ask` streamed the model's raw text (sentences the verifier later removed, its own
    [2][3] markers) and then printed the answer again; `config` masked every setting with "token"
    in its name."""
    data = tmp_path / "data"
    assert run_cli(["ingest", str(demo_dir)], data).returncode == 0
    r = run_cli(["ask", "Who leads the Rail Drivers' Association?"], data)
    assert r.returncode == 0, r.stderr
    assert r.stdout.count("Checked answer:") == 1
    streamed = r.stdout.split("Checked answer:", 1)[1].split("\n", 1)[0].strip()
    assert "Moor" in streamed and "[1]" in streamed, r.stdout  # the 0.5B answers this one
    assert r.stdout.count(streamed) == 1 and "“" in r.stdout  # never printed twice; quotes follow
    raw = run_cli(["ask", "Who leads the Rail Drivers' Association?", "--raw"], data)
    assert raw.stderr.strip() and raw.stdout.count("Checked answer:") == 1  # the model's own text, apart
    shown = json.loads(run_cli(["config", "--json"], data, NEWSDESK_LLM_API_KEY="sk-secret").stdout)["settings"]
    assert shown["chunk_tokens"] == 110 and shown["llm_max_tokens"] == 256 and shown["llm_api_key"] == "set"
    assert "sk-secret" not in json.dumps(shown)


def test_warm_saves_the_instructions_for_the_next_process(tmp_path):
    """Issue 18: the first `ask` after `make demo` took 32 s while the model read its instructions.
    `newsdesk warm` (run by `make demo` after its ingest) reads them once and saves the state on
    disk; a later process finds them read."""
    data = tmp_path / "data"
    first = run_cli(["warm"], data)
    assert first.returncode == 0, first.stderr
    assert "instruction tokens in" in first.stdout and "saved in the data dir" in first.stdout, first.stdout
    assert list((data / "cache" / "llm-states").glob("*/*.npz"))
    again = run_cli(["warm"], data)
    assert again.returncode == 0 and "already warm" in again.stdout, again.stdout
