"""Batch summaries: a local run, a kill -9 and resume, and Celery with real Redis and real workers."""
import json
import os
import signal
import sqlite3
import subprocess
import sys
import time
from pathlib import Path

import pytest

from conftest import make_settings
from helpers import REPO, ScriptedModel, cli_env, run_cli
from service.container import Context
from service.batch.runner import BatchParams, run_local
from service.components import build_store
from service.ingest import ingest_paths
from service.models.llm import build_llm


FAST = {"llm_max_tokens": 96, "summary_sentences": 2}  # short summaries: the runner is under test here
FAST_ENV = {"NEWSDESK_LLM_MAX_TOKENS": "96", "NEWSDESK_SUMMARY_SENTENCES": "2"}
SINCE = "2026-05-11"  # the comet and rail-strike articles: six short items


@pytest.fixture(scope="module")
def demo_data(tmp_path_factory, demo_dir):
    data = tmp_path_factory.mktemp("batch") / "data"
    ingest_paths(build_store(make_settings(data)), [str(demo_dir)], 5_000_000)
    return data


@pytest.fixture(scope="module")
def local_run(demo_data, tmp_path_factory):
    """One local run over the demo stories, shared by the tests that compare against it."""
    settings = make_settings(demo_data, **FAST)
    ctx = Context(settings, build_store(settings), build_llm(settings))
    out = tmp_path_factory.mktemp("local") / "out"
    return ctx, out, run_local(ctx, BatchParams(kind="articles", since=SINCE, out=str(out)))


def _jsonl(path: Path) -> list[dict]:
    return [json.loads(line) for line in path.read_text().splitlines() if line.strip()]


def test_local_run_over_demo_stories_and_failures_are_recorded(local_run, tmp_path):
    ctx, out, status = local_run
    assert status["total"] == 6 and status["done"] == 6 and status["failed"] == 0
    rows = _jsonl(out / "summaries.jsonl")
    assert len(rows) == 6 and all(r["status"] == "done" and "summary" in r for r in rows)
    assert sum(bool(r["citations"]) for r in rows) >= 4  # the small test model sometimes says nothing checkable
    assert (out / "digest.md").read_text().startswith("# newsdesk digest\n\n## Articles")
    stories = run_local(ctx, BatchParams(kind="stories", since="2026-06-01", out=str(tmp_path / "stories")))
    assert stories["total"] == stories["done"] == 1  # the rail strike, told by three articles
    digest = (tmp_path / "stories" / "digest.md").read_text()
    assert "## Stories" in digest and "outlets differ" in digest
    # One bad item never stops the run; it is retried a bounded number of times and recorded.
    calls = []

    def flaky(kind, item_id):
        calls.append(item_id)
        if item_id.startswith("tech-tribune"):
            raise RuntimeError("boom")
        return {"summary": "ok", "citations": [], "conflicts": [], "sentences": []}

    status = run_local(ctx, BatchParams(kind="articles", out=str(tmp_path / "flaky")), work=flaky)
    assert status["failed"] == 1 and status["done"] == status["total"] - 1
    assert calls.count("tech-tribune-lumenix-plant") == 3
    assert status["errors"][0]["error"] == "RuntimeError: boom"


def test_kill_9_and_resume_finishes_every_item_exactly_once(demo_data, tmp_path):
    out = tmp_path / "out"
    code = ("import sys; from service.cli import main; "
            f"sys.argv=['newsdesk','batch','summarize','--since','{SINCE}','--out',sys.argv[1]]; main()")
    proc = subprocess.Popen([sys.executable, "-c", code, str(out)], env=cli_env(demo_data, **FAST_ENV), cwd=REPO,
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    done_before = {}
    deadline = time.time() + 600
    while time.time() < deadline:
        if (out / "checkpoint.sqlite").exists():
            try:
                with sqlite3.connect(out / "checkpoint.sqlite") as db:
                    done_before = dict(db.execute("SELECT item_id, finished FROM items WHERE status='done'"))
            except sqlite3.OperationalError:
                pass
            if len(done_before) >= 2:
                break
        time.sleep(0.2)
    os.kill(proc.pid, signal.SIGKILL)
    proc.wait()
    with sqlite3.connect(out / "checkpoint.sqlite") as db:
        done_before = dict(db.execute("SELECT item_id, finished FROM items WHERE status='done'"))
        total = db.execute("SELECT COUNT(*) FROM items").fetchone()[0]
    assert 2 <= len(done_before) < total == 6
    r = run_cli(["batch", "summarize", "--since", SINCE, "--out", str(out), "--json"], demo_data, **FAST_ENV)
    assert r.returncode == 0, r.stderr
    status = json.loads(r.stdout)
    assert status["done"] == 6 and status["failed"] == 0
    rows = _jsonl(out / "summaries.jsonl")
    assert sorted(r["item_id"] for r in rows) == sorted({r["item_id"] for r in rows}) and len(rows) == 6
    with sqlite3.connect(out / "checkpoint.sqlite") as db:
        after = dict(db.execute("SELECT item_id, finished FROM items WHERE status='done'"))
    assert all(after[i] == t for i, t in done_before.items())  # finished items were not redone
    r = run_cli(["batch", "status", status["run_id"], "--out", str(out), "--json"], demo_data)
    assert json.loads(r.stdout)["done"] == 6


def _worker(data: Path, redis_url: str, name: str) -> subprocess.Popen:
    code = f"import sys; from service.cli import main; sys.argv=['newsdesk','worker','--name','{name}']; main()"
    env = cli_env(data, NEWSDESK_REDIS_URL=redis_url, NEWSDESK_CELERY_VISIBILITY_TIMEOUT="8", **FAST_ENV)
    return subprocess.Popen([sys.executable, "-c", code], env=env, cwd=REPO,
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)


def test_celery_two_workers_match_local_run_and_survive_a_killed_worker(demo_data, local_run, tmp_path,
                                                                       redis_url):
    import redis

    env = {"NEWSDESK_REDIS_URL": redis_url, "NEWSDESK_CELERY_VISIBILITY_TIMEOUT": "8", **FAST_ENV}
    workers = [_worker(demo_data, redis_url, f"w{i}@test") for i in (1, 2)]
    try:
        r = run_cli(["batch", "summarize", "--since", SINCE, "--backend", "celery", "--out", str(tmp_path / "celery"),
                     "--json"], demo_data, **env)
        assert r.returncode == 0, r.stderr
        status = json.loads(r.stdout)
        assert status["done"] == 6 and status["failed"] == 0
        by_celery = {r["item_id"]: r for r in _jsonl(tmp_path / "celery" / "summaries.jsonl")}
        by_local = {r["item_id"]: r for r in _jsonl(local_run[1] / "summaries.jsonl")}
        assert set(by_celery) == set(by_local)
        for item_id, row in by_celery.items():
            assert row["status"] == by_local[item_id]["status"] == "done" and "summary" in row
            assert row["articles"] == by_local[item_id]["articles"]
        # Re-running the same command recomputes nothing: every item is already done.
        started_keys = len(redis.Redis.from_url(redis_url).keys("newsdesk:started:*"))
        again = run_cli(["batch", "summarize", "--since", SINCE, "--backend", "celery", "--out",
                         str(tmp_path / "celery"), "--json"], demo_data, **env)
        assert json.loads(again.stdout)["done"] == 6
        assert len(redis.Redis.from_url(redis_url).keys("newsdesk:started:*")) == started_keys
    finally:
        for w in workers:
            w.kill()
            w.wait()
    # A worker killed mid-task does not lose its item: it is re-delivered to another worker.
    victim = _worker(demo_data, redis_url, "victim@test")
    coordinator = subprocess.Popen(
        [sys.executable, "-c", "import sys; from service.cli import main; sys.argv=['newsdesk','batch','summarize',"
         f"'--articles','--source','Tech Tribune','--backend','celery','--out',{str(tmp_path / 'kill')!r},'--json']; main()"],
        env=cli_env(demo_data, **env), cwd=REPO, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    client = redis.Redis.from_url(redis_url)
    # Wait until the victim has started the Tech Tribune item, then kill it mid-task.
    deadline = time.time() + 300
    key = None
    while time.time() < deadline and key is None:
        key = next((k for k in client.keys("newsdesk:started:*tech-tribune-lumenix-plant")
                    if not client.exists(k.replace(b"started", b"result"))), None)
        time.sleep(0.1)
    assert key, "the victim worker never started the task"
    victim.kill()
    victim.wait()
    rescuer = _worker(demo_data, redis_url, "rescuer@test")
    try:
        out, errors = coordinator.communicate(timeout=600)
        assert coordinator.returncode == 0, errors
        status = json.loads(out)
        assert status["done"] == 1 and status["failed"] == 0
    finally:
        rescuer.kill()
        rescuer.wait()


def test_two_runs_into_one_folder_add_up(demo_data, tmp_path):
    """Issue 14: a second run into the same --out kept only its own items in summaries.jsonl and
    digest.md. The outputs now merge every run of the folder (the later run's row per item)."""
    settings = make_settings(demo_data, **FAST)
    ctx = Context(settings, build_store(settings), ScriptedModel("A summary sentence [1]."))
    out = tmp_path / "out"
    first = run_local(ctx, BatchParams(kind="articles", since="2026-06-01", out=str(out)))
    second = run_local(ctx, BatchParams(kind="articles", since="2026-04-01", source="Tech Tribune", out=str(out)))
    assert first["run_id"] != second["run_id"] and first["done"] and second["done"]
    items = {r["item_id"] for r in _jsonl(out / "summaries.jsonl")}
    firsts = {r[0] for r in sqlite3.connect(out / "checkpoint.sqlite").execute(
        "SELECT item_id FROM items WHERE run_id=?", (first["run_id"],))}
    seconds = {r[0] for r in sqlite3.connect(out / "checkpoint.sqlite").execute(
        "SELECT item_id FROM items WHERE run_id=?", (second["run_id"],))}
    assert firsts and seconds and not seconds <= firsts and items == firsts | seconds
    assert not list(out.glob("*.tmp"))
