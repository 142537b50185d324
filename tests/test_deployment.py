"""Issue 17: every part on its own machine. Two API processes and two Celery workers, each with its
own data dir, share one PostgreSQL, one Chroma server, one Redis and one OpenAI-compatible model
server (llama.cpp with the test model): all real processes on loopback, started here."""
from __future__ import annotations

import json
import subprocess
import sys
import time
from pathlib import Path

import httpx
import pytest

from bench.servers import wait_until_up
from helpers import REPO, cli_env, free_port, run_cli

KEY, BURST_KEY = "deploy-key-1", "deploy-key-2"
LIMIT = 10  # requests per minute per key, across the whole deployment


@pytest.fixture
def model_server(tmp_path):
    """`newsdesk model-server`: llama.cpp's OpenAI-compatible server with the test model."""
    port = free_port()
    proc = _start(["model-server", "--port", str(port)], tmp_path / "llm", {}, tmp_path / "llm.log")
    url = f"http://127.0.0.1:{port}/v1"
    _wait(f"{url}/models", proc)
    yield url
    proc.terminate()
    proc.wait(20)


def _wait(url: str, proc: subprocess.Popen, timeout: float = 180, headers: dict | None = None) -> None:
    try:
        wait_until_up(url, proc, timeout, headers)
    except RuntimeError as exc:
        pytest.fail(str(exc))


def _start(args: list[str], data: Path, env: dict[str, str], log: Path, out: Path | None = None) -> subprocess.Popen:
    code = f"import sys; from service.cli import main; sys.argv=['newsdesk', *{args!r}]; main()"
    return subprocess.Popen([sys.executable, "-c", code], env=cli_env(data, **env), cwd=REPO,
                            stdout=out.open("w") if out else log.open("w"),
                            stderr=log.open("w") if out else subprocess.STDOUT)


@pytest.mark.slow
def test_two_api_processes_and_two_workers_share_one_deployment(tmp_path, database_url, chroma_server, redis_url,
                                                               model_server, seeds_dir, demo_dir):
    env = {"NEWSDESK_DATABASE_URL": database_url, "NEWSDESK_CHROMA_URL": chroma_server,
           "NEWSDESK_REDIS_URL": redis_url, "NEWSDESK_LLM": "openai", "NEWSDESK_LLM_BASE_URL": model_server,
           "NEWSDESK_API_KEYS": f"{KEY},{BURST_KEY}",
           "NEWSDESK_RATE_LIMIT_PER_MINUTE": str(LIMIT), "NEWSDESK_CELERY_VISIBILITY_TIMEOUT": "8",
           "NEWSDESK_LLM_MAX_TOKENS": "96", "NEWSDESK_SUMMARY_SENTENCES": "2"}
    procs: dict[str, subprocess.Popen] = {}
    ports = {"a": free_port(), "b": free_port()}
    try:
        for name, port in ports.items():
            procs[name] = _start(["serve", "--port", str(port)], tmp_path / name, env, tmp_path / f"{name}.log")
        for name in ("w1", "w2"):
            procs[name] = _start(["worker", "--name", f"{name}@test"], tmp_path / name, env, tmp_path / f"{name}.log")
        auth = {"Authorization": f"Bearer {KEY}"}
        a, b = (httpx.Client(base_url=f"http://127.0.0.1:{ports[n]}", headers=auth, timeout=300) for n in "ab")
        for name in "ab":
            _wait(f"http://127.0.0.1:{ports[name]}/readyz", procs[name], headers=auth)

        # An article ingested through A is answered by B (B's BM25 is built from the shared catalog).
        seed = sorted(seeds_dir.glob("*.txt"))[0]
        added = a.post("/v1/articles", files={"file": (seed.name, seed.read_bytes(), "text/plain")}).json()["added"]
        assert len(added) == 1
        answer = b.post("/v1/ask", json={"question": "Who met Vladimir Putin on Friday?"}).json()
        assert not answer["abstained"] and {c["article_id"] for c in answer["citations"]} == set(added), answer
        assert any("Witkoff" in c["quote"] for c in answer["citations"])

        # A chat session started on A continues on B, and either shows the whole history.
        first = a.post("/v1/chat", json={"message": "Who met Vladimir Putin on Friday?"}).json()
        sid = first["session_id"]
        second = b.post("/v1/chat", json={"session_id": sid, "message": "What did the Kremlin call the meeting?"})
        assert second.status_code == 200 and second.json()["session_id"] == sid
        assert [t["role"] for t in a.get(f"/v1/chat/{sid}").json()["turns"]] == ["user", "assistant"] * 2

        # One rate limit for the deployment: a key's requests count against one bucket on both.
        codes = {"a": [], "b": []}
        for i in range(2 * LIMIT):
            client = a if i % 2 == 0 else b
            r = client.get("/v1/articles", headers={"Authorization": f"Bearer {BURST_KEY}"})
            codes["a" if client is a else "b"].append(r.status_code)
        allowed = sum(c == 200 for cs in codes.values() for c in cs)
        assert LIMIT <= allowed <= LIMIT + 1 and 429 in codes["a"] and 429 in codes["b"], codes

        # A batch run shared by both workers; one of them is killed mid-item and nothing is lost.
        report = run_cli(["ingest", str(demo_dir)], tmp_path / "c", **env)
        assert report.returncode == 0, report.stderr
        out = tmp_path / "digest"
        coordinator = _start(["batch", "summarize", "--since", "2026-05-11", "--backend", "celery", "--out", str(out),
                              "--json"], tmp_path / "c", env, tmp_path / "coordinator.log", tmp_path / "status.json")
        procs["c"] = coordinator
        import redis

        r = redis.Redis.from_url(redis_url)

        def started() -> dict[str, str]:
            return {k.decode(): json.loads(r.get(k))["worker"] for k in r.keys("newsdesk:started:*")}

        deadline, victim_item = time.time() + 600, None
        while time.time() < deadline and victim_item is None:
            victim_item = next((k for k, w in started().items() if w == "w1@test"
                                and not r.exists(k.replace("started", "result"))), None)
            time.sleep(0.1)
        assert victim_item, "worker w1 never started an item"
        procs["w1"].kill()
        procs["w1"].wait()
        coordinator.wait(900)
        status = json.loads((tmp_path / "status.json").read_text())
        assert coordinator.returncode == 0 and status["done"] == status["total"] == 6 and status["failed"] == 0, status
        # w1 took items (the victim one at least), and w2 took the rest and w1's unfinished one.
        assert started()[victim_item] == "w2@test" and r.exists(victim_item.replace("started", "result"))
        rows = [json.loads(line) for line in (out / "summaries.jsonl").read_text().splitlines()]
        assert len(rows) == 6 and all(row["status"] == "done" for row in rows)
    finally:
        for proc in procs.values():
            if proc.poll() is None:
                proc.terminate()
        for proc in procs.values():
            try:
                proc.wait(20)
            except subprocess.TimeoutExpired:
                proc.kill()

