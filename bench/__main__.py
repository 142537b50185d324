"""`make bench`: speed and memory figures, each next to a baseline measured in the same run.

Run it on a quiet machine. Nothing here asserts: the numbers are for reading and for notes.
"""
from __future__ import annotations

import argparse
import os
import resource
import sys
import tempfile
import time
from pathlib import Path

from eval.metrics import percentile

from bench.support import MODEL_CACHE, REPO, scratch_settings


def rss_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def bench_ingest(settings_for, n_generated: int) -> None:
    from bench.support import generated_articles, write_jsonl_files
    from service.components import build_store
    from service.ingest import ingest_paths

    with tempfile.TemporaryDirectory() as tmp:
        store = build_store(settings_for(Path(tmp) / "demo"))
        r = ingest_paths(store, [str(REPO / "demo" / "corpus")], 5_000_000)
        n = len(r.added)
        print(f"ingest demo corpus: {n} articles, {r.chunks} chunks in {r.seconds:.2f}s → "
              f"{n / r.seconds:.1f} articles/s, {r.chunks / r.seconds:.1f} chunks/s")
        again = ingest_paths(store, [str(REPO / "demo" / "corpus")], 5_000_000)
        print(f"re-ingest unchanged: {again.seconds:.2f}s (ratio to first ingest {again.seconds / r.seconds:.2f})")
        if n_generated:
            write_jsonl_files(Path(tmp) / "gen", generated_articles(n_generated), per_file=50)
            store = build_store(settings_for(Path(tmp) / "gen-data"))
            r = ingest_paths(store, [str(Path(tmp) / "gen")], 5_000_000)
            print(f"ingest {n_generated} generated articles: {r.chunks} chunks in {r.seconds:.1f}s → "
                  f"{len(r.added) / r.seconds:.1f} articles/s, {r.chunks / r.seconds:.1f} chunks/s")
            bench_search(store, settings_for(Path(tmp) / "gen-data"), "1,000 generated articles")


def bench_search(store, settings, label: str) -> None:
    from index.retrieve import Filters
    from service.search import search_chunks

    queries = ["harbour project cost", "how many workers on the railway plan", "Dunmore wildfire",
               "airport upgrades over years", "spokesperson Hollisson said", "museum in Fairholm"] * 10
    for name, filters in (("no filter", None), ("source filter", Filters(source="Outlet 3")),
                          ("date filter", Filters(since="2026-03-01", until="2026-05-31"))):
        times = []
        for q in queries:
            t = time.perf_counter()
            search_chunks(store, settings, q, filters=filters)
            times.append((time.perf_counter() - t) * 1000)
        print(f"search {label}, {name}: p50 {percentile(times, .5):.1f} ms, p95 {percentile(times, .95):.1f} ms")


SEED_QUESTIONS = ["Who met Vladimir Putin on Friday?", "How much new military aid was pledged for Ukraine?",
                  "What did the UK Defence Secretary say about Putin?"]


def bench_ask(settings_for, model_name: str) -> None:
    """Time to first token, whole answer and verification over seed questions, for the default
    prompt (budgeted source sentences, prompt cache on) against whole chunks and against no cache."""
    import statistics

    from service.answer.chain import answer_question
    from service.container import Context
    from service.components import build_store
    from service.ingest import ingest_paths
    from service.models.llm import build_llm

    with tempfile.TemporaryDirectory() as tmp:
        settings = settings_for(Path(tmp) / "seeds", llm_model=model_name)
        store = build_store(settings)
        ingest_paths(store, [str(REPO / "tests" / "data" / "seeds")], 5_000_000)
        rss0 = rss_mb()
        t = time.perf_counter()
        llm = build_llm(settings)
        print(f"\nmodel {model_name}: load {time.perf_counter() - t:.2f}s, max RSS +{rss_mb() - rss0:.0f} MB")
        if hasattr(llm, "llama"):
            seed = sorted((REPO / "tests" / "data" / "seeds").iterdir())[0]
            tokens = llm.llama.tokenize(seed.read_bytes()[:6000])[:400]
            llm.llama.reset()
            t = time.perf_counter()
            llm.llama.eval(tokens)
            print(f"prompt reading on this machine: {len(tokens) / (time.perf_counter() - t):.0f} tok/s "
                  f"(92 tok/s measured for the 1.5B on 2 cores when it was chosen)")
            llm.llama.reset()
        answer_question(Context(settings, store, llm), "Who pledged air defence systems?")  # warm the prefix cache
        configs = [("budgeted sources, prompt cache on (default)", {}, True),
                   ("whole chunks, prompt cache on", {"llm_source_tokens": 0}, True),
                   ("budgeted sources, prompt cache off (baseline)", {}, False)]
        rows = {}
        for label, update, cache in configs:
            ctx = Context(settings.model_copy(update=update), store, llm)
            llm.cache_prompts = cache
            ttft, total, verify, conflicts, prompt, read, gen_rate = [], [], [], [], [], [], []
            for question in SEED_QUESTIONS:
                first: list[float] = []
                t0 = time.perf_counter()
                a = answer_question(ctx, question, on_token=lambda _: first.append(time.perf_counter()) if not first else None)
                total.append(time.perf_counter() - t0)
                ttft.append((first[0] - t0) if first else total[-1])
                verify.append(a.timings_ms.get("verify", 0))
                conflicts.append(a.timings_ms.get("conflicts", 0))
                usage = a.usage
                prompt.append(usage.get("prompt_tokens", 0))
                read.append(usage.get("prompt_tokens_read", 0))
                gen_rate.append(usage.get("completion_tokens", 0) / max(usage.get("total_s", 1) - usage.get("first_token_s", 0), 1e-3))
            med = statistics.median
            rows[label] = (med(ttft), med(total))
            print(f"ask [{label}], median of {len(SEED_QUESTIONS)} questions: time to first token {med(ttft):.2f}s "
                  f"(max {max(ttft):.2f}s), total {med(total):.2f}s, verify {med(verify):.0f} ms (max {max(verify):.0f}), "
                  f"conflict check {med(conflicts):.0f} ms, "
                  f"prompt {med(prompt):.0f} tokens ({med(read):.0f} read, the rest cached), generation {med(gen_rate):.1f} tok/s")
        default = rows[configs[0][0]]
        for label, _, _ in configs[1:]:
            print(f"ratio default / {label}: first token {default[0] / rows[label][0]:.2f}, total {default[1] / rows[label][1]:.2f}")
        llm.cache_prompts = True


def bench_http(settings_for, model_name: str, clients: int = 10, per_client: int = 2) -> None:
    """/v1/ask and /v1/search under `clients` concurrent clients against a live uvicorn."""
    import threading
    from concurrent.futures import ThreadPoolExecutor

    import httpx
    import uvicorn

    from bench.support import free_port
    from service.api.app import create_app
    from service.components import build_store
    from service.ingest import ingest_paths

    questions = ["How much will Lumenix invest in Brennick?", "Who leads the Rail Drivers' Association?",
                 "How many people were evacuated from Ashford Vale?", "Who first spotted the comet?",
                 "When will construction of the Lumenix factory start?"]
    with tempfile.TemporaryDirectory() as tmp:
        settings = settings_for(Path(tmp) / "http", llm_model=model_name, rate_limit_per_minute=0,
                                llm_queue=clients * per_client, warm_on_start=False)
        ingest_paths(build_store(settings), [str(REPO / "demo" / "corpus")], 5_000_000)
        app = create_app(settings)
        port = free_port()
        server = uvicorn.Server(uvicorn.Config(app, host="127.0.0.1", port=port, log_level="error"))
        threading.Thread(target=server.run, daemon=True).start()
        while not server.started:
            time.sleep(0.05)
        url = f"http://127.0.0.1:{port}"
        httpx.post(f"{url}/v1/ask", json={"question": questions[0]}, timeout=300)  # load the model
        for label, path, key, n in (("search", "/v1/search", "query", 20), ("ask", "/v1/ask", "question", per_client)):
            latencies: list[float] = []

            def client(i: int) -> None:
                with httpx.Client(timeout=600) as c:
                    for j in range(n):
                        t = time.perf_counter()
                        r = c.post(f"{url}{path}", json={key: questions[(i + j) % len(questions)]})
                        r.raise_for_status()
                        latencies.append(time.perf_counter() - t)

            t0 = time.perf_counter()
            with ThreadPoolExecutor(clients) as pool:
                list(pool.map(client, range(clients)))
            wall = time.perf_counter() - t0
            print(f"HTTP {path} with {clients} concurrent clients ({model_name}): {len(latencies)} requests, "
                  f"p50 {percentile(latencies, .5):.2f}s, p95 {percentile(latencies, .95):.2f}s, "
                  f"throughput {len(latencies) / wall:.2f} req/s")
        server.should_exit = True


def bench_slack_ack(settings_for, n: int = 100) -> None:
    """Ack latency of signed Slack requests (mentions with no question: answered without the LLM)."""
    import hashlib
    import hmac
    import json

    from fastapi.testclient import TestClient

    from fake_slack import FakeSlack
    from service.api.app import create_app

    fake = FakeSlack()
    with tempfile.TemporaryDirectory() as tmp:
        settings = settings_for(Path(tmp) / "slack", warm_on_start=False, rate_limit_per_minute=0,
                                slack_bot_token="xoxb-bench", slack_signing_secret="s",
                                slack_api_url=f"{fake.url}/api/")
        with TestClient(create_app(settings), base_url="http://localhost") as client:
            times = []
            for i in range(n):
                body = json.dumps({"type": "event_callback", "event_id": f"Ev{i}", "team_id": "T1", "event": {
                    "type": "app_mention", "channel": "C1", "user": "U1", "ts": f"{i}.0", "text": "<@UBOT>"}})
                ts = str(int(time.time()))
                sig = "v0=" + hmac.new(b"s", f"v0:{ts}:{body}".encode(), hashlib.sha256).hexdigest()
                t = time.perf_counter()
                r = client.post("/slack/events", content=body, headers={
                    "content-type": "application/json", "X-Slack-Request-Timestamp": ts, "X-Slack-Signature": sig})
                times.append((time.perf_counter() - t) * 1000)
                assert r.status_code == 200
            print(f"Slack ack over {n} signed requests: p50 {percentile(times, .5):.1f} ms, p95 {percentile(times, .95):.1f} ms "
                  f"(Slack's limit: 3000 ms)")
    fake.close()


def bench_celery(settings_for, model_name: str = "qwen2.5-coder-0.5b") -> None:
    """Items per minute for batch article summaries with 1 and 2 Celery workers (same machine)."""
    import json
    import shutil
    import subprocess

    from bench.support import REPO as ROOT, cli_env, free_port, run_cli
    from service.components import build_store
    from service.ingest import ingest_paths

    with tempfile.TemporaryDirectory() as tmp:
        data = Path(tmp) / "data"
        ingest_paths(build_store(settings_for(data)), [str(REPO / "demo" / "corpus")], 5_000_000)
        port = free_port()
        redis = subprocess.Popen([shutil.which("redis-server"), "--port", str(port), "--save", "", "--dir", tmp],
                                 stdout=subprocess.DEVNULL)
        time.sleep(0.5)
        env = {"NEWSDESK_REDIS_URL": f"redis://127.0.0.1:{port}/0", "NEWSDESK_LLM_MODEL": model_name}
        cores = os.cpu_count() or 2
        for n in (1, 2):
            # Workers on one machine share its cores: more llama.cpp threads than cores thrash.
            threads = {"NEWSDESK_LLM_THREADS": str(max(1, cores // n))}
            workers = [subprocess.Popen([sys.executable, "-c", "import sys; from service.cli import main; "
                                         f"sys.argv=['newsdesk','worker','--name','b{n}{i}@bench']; main()"],
                                        env=cli_env(data, **env, **threads), cwd=ROOT, stdout=subprocess.DEVNULL,
                                        stderr=subprocess.DEVNULL) for i in range(n)]
            t = time.perf_counter()
            r = run_cli(["batch", "summarize", "--articles", "--backend", "celery", "--out", f"{tmp}/out{n}",
                         "--json"], data, **env)
            minutes = (time.perf_counter() - t) / 60
            done = json.loads(r.stdout)["done"]
            print(f"celery, {n} worker(s), {model_name}: {done} article summaries in {minutes * 60:.0f}s "
                  f"→ {done / minutes:.1f} items/minute")
            for w in workers:
                w.kill()
                w.wait()
        redis.kill()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--generated", type=int, default=1000, help="generated articles to ingest (0 to skip)")
    parser.add_argument("--models", default="qwen2.5-coder-1.5b", help="comma-separated local models")
    parser.add_argument("--skip-ingest", action="store_true")
    parser.add_argument("--http", action="store_true", help="also /v1/ask and /v1/search with 10 clients")
    parser.add_argument("--slack", action="store_true", help="also Slack ack latency over 100 requests")
    parser.add_argument("--celery", action="store_true", help="also batch items/minute with 1 and 2 workers")
    parser.add_argument("--corpus", type=Path, default=REPO.parent / "shared" / "corpora" / "bbc-news",
                        help="real articles for the scale run (skipped when absent)")
    parser.add_argument("--scale", type=int, default=50_000, help="chunks to grow the scale run to (0: no growth)")
    parser.add_argument("--scale-only", action="store_true", help="only the scale run")
    parser.add_argument("--parallel", action="store_true",
                        help="also: sequences decoding together vs one at a time (the model alone)")
    parser.add_argument("--parallel-only", action="store_true", help="only --parallel")
    parser.add_argument("--deployment-only", action="store_true",
                        help="only embedded vs shared (PostgreSQL, Chroma server, Redis)")
    args = parser.parse_args()
    make_settings = scratch_settings
    from bench.deployment import bench_deployment
    from bench.scale import bench_scale

    if args.parallel_only:
        args.parallel = True
    elif not args.deployment_only:
        bench_scale(make_settings, args.corpus, args.scale)
    if args.scale_only:
        return
    if not args.parallel_only:
        bench_deployment(make_settings, args.corpus)
    if args.deployment_only:
        return
    if not args.skip_ingest and not args.parallel_only:
        bench_ingest(make_settings, args.generated)
    for model in filter(None, args.models.split(",")) if not args.parallel_only else []:
        bench_ask(make_settings, model)
    if args.slack and not args.parallel_only:
        bench_slack_ack(make_settings)
    if args.celery and not args.parallel_only:
        bench_celery(make_settings)
    if args.http and not args.parallel_only:
        for model in filter(None, args.models.split(",")):
            bench_http(make_settings, model)
    if args.parallel:
        from bench.parallel import bench_parallel
        from service.models.files import resolve_local_model

        article = (REPO / "tests" / "data" / "seeds" / "000_108ecee73f69762c.txt").read_text(encoding="utf-8")
        for model in filter(None, args.models.split(",")):
            bench_parallel(resolve_local_model(model, MODEL_CACHE), article)


if __name__ == "__main__":
    main()
