"""The HTTP service, live: TestClient for most endpoints, a real uvicorn for SSE and the openai SDK."""
import json
import threading
import time

import httpx
import pytest
import uvicorn
from fastapi.testclient import TestClient

from conftest import make_settings
from helpers import free_port
from service.api.app import create_app
from service.components import build_store
from service.ingest import ingest_paths


@pytest.fixture(scope="module")
def data_dir(tmp_path_factory, demo_dir, seeds_dir):
    data = tmp_path_factory.mktemp("api") / "data"
    store = build_store(make_settings(data))
    ingest_paths(store, [str(demo_dir), str(seeds_dir)], 5_000_000)
    return data


def _app(data_dir, **overrides):
    overrides.setdefault("warm_on_start", False)
    return create_app(make_settings(data_dir, **overrides))


@pytest.fixture(scope="module")
def client(data_dir):
    with TestClient(_app(data_dir, rate_limit_per_minute=0), base_url="http://localhost") as c:
        yield c


class LiveServer:
    def __init__(self, app):
        self.port = free_port()
        self.server = uvicorn.Server(uvicorn.Config(app, host="127.0.0.1", port=self.port, log_level="warning",
                                                    proxy_headers=False))
        self.thread = threading.Thread(target=self.server.run, daemon=True)

    def __enter__(self):
        self.thread.start()
        deadline = time.time() + 30
        while not self.server.started and time.time() < deadline:
            time.sleep(0.05)
        return f"http://127.0.0.1:{self.port}"

    def __exit__(self, *exc):
        self.server.should_exit = True
        self.thread.join(10)


@pytest.fixture(scope="module")
def live(data_dir):
    app = _app(data_dir, rate_limit_per_minute=0)
    with LiveServer(app) as url:
        yield url, app


def test_health_ready_metrics(data_dir):
    with TestClient(_app(data_dir), base_url="http://localhost") as c:
        assert c.get("/healthz").json() == {"status": "ok"}
        r = c.get("/readyz")
        assert r.status_code == 503 and r.json()["checks"]["llm"]["ok"] is False
        asked = c.post("/v1/ask", json={"question": "Who leads the Rail Drivers' Association?"})
        assert asked.status_code == 200
        r = c.get("/readyz")
        assert r.status_code == 200 and r.json()["checks"]["store"]["articles"] >= 14
        metrics = c.get("/metrics").text
        assert 'newsdesk_requests_total{method="POST",route="/v1/ask",status="200"}' in metrics
        assert "newsdesk_stage_seconds_bucket" in metrics
        generated = asked.json()["usage"]["completion_tokens"]
        assert generated > 0 and f"newsdesk_tokens_generated_total {float(generated)}" in metrics


def test_ask_shape_and_validation(client):
    r = client.post("/v1/ask", json={"question": "How much will Lumenix invest in Brennick?"})
    assert r.status_code == 200, r.text
    body = r.json()
    assert set(body) >= {"question", "answer", "abstained", "citations", "unsupported_sentences", "conflicts",
                         "timings_ms", "model"}
    assert r.headers["x-request-id"]
    r = client.post("/v1/ask", json={"question": ""})
    assert r.status_code == 422 and r.json()["fields"][0]["field"] == "question"
    r = client.post("/v1/ask", json={"question": "x" * 2001})
    assert r.status_code == 422 and "question" in r.json()["error"]
    r = client.post("/v1/ask", json={"question": "ok", "filters": {"since": "not-a-date"}})
    assert r.status_code == 422 and r.json()["fields"][0]["field"] == "filters.since"
    r = client.post("/v1/ask", content=b"{not json", headers={"content-type": "application/json"})
    assert r.status_code == 422
    r = client.post("/v1/ask", json={"question": "What is the capital of Australia?"})
    assert r.json()["abstained"] is True


def test_search_endpoint(client):
    hits = client.post("/v1/search", json={"query": "Declan Moor", "k": 2}).json()
    assert 1 <= len(hits) <= 2 and "Declan Moor" in hits[0]["text"] and hits[0]["chunk_id"]
    hits = client.post("/v1/search", json={"query": "strike", "filters": {"source": "Harbour Herald"}}).json()
    assert hits and {h["source"] for h in hits} == {"Harbour Herald"}
    assert client.post("/v1/search", json={"query": ""}).status_code == 422


def test_articles_crud_and_bad_input(client):
    r = client.post("/v1/articles", json=[
        {"id": "api-1", "title": "Owls return to Dunmore", "source": "Test Post", "published": "2026-07-01",
         "text": "Barn owls have returned to the Dunmore church tower after ten years, volunteers said."},
        {"id": "api-2", "title": "No body"},
        "not an object"])
    assert r.status_code == 200, r.text
    report = r.json()
    assert report["added"] == ["api-1"] and len(report["failed"]) == 2
    assert "no article text" in report["failed"][0]["reason"] and report["failed"][0]["where"] == "body[1]"
    files = {"file": ("../../etc/evil.md", b"---\ntitle: Uploaded\nsource: Upload Times\n---\n\nA kestrel nested "
                                           b"on the Dunmore library roof this spring.", "text/markdown")}
    r = client.post("/v1/articles", files=files)
    assert r.status_code == 200 and len(r.json()["added"]) == 1, r.text
    r = client.post("/v1/articles", files={"file": ("x.txt", b"\x00\x01bin", "text/plain")})
    assert "binary" in r.json()["failed"][0]["reason"]
    assert client.post("/v1/articles", content=b"{oops", headers={"content-type": "application/json"}).status_code == 400
    assert client.post("/v1/articles", content=b"hi", headers={"content-type": "text/plain"}).status_code == 415
    ids = {a["id"] for a in client.get("/v1/articles").json()}
    assert "api-1" in ids
    art = client.get("/v1/articles/api-1").json()
    assert art["text"].startswith("Barn owls") and art["chunks"] == 1
    assert client.delete("/v1/articles/api-1").json() == {"id": "api-1", "deleted": True}
    assert client.get("/v1/articles/api-1").status_code == 404
    assert client.delete("/v1/articles/api-1").status_code == 404


def test_stories_and_summaries(client):
    stories = client.get("/v1/stories").json()
    assert len(stories) >= 5
    seed = next(s for s in stories if "Ukraine" in s["title"] or "Ukraine" in s["articles"][0]["title"])
    detail = client.get(f"/v1/stories/{seed['id']}").json()
    assert any("John Healey" in c["about"] for c in detail["conflict_details"])
    assert client.get("/v1/stories/nope").status_code == 404
    r = client.post("/v1/summaries", json={"story_id": seed["id"]})
    assert r.status_code == 200, r.text
    assert "Outlets differ" in r.json()["summary"]
    assert client.post("/v1/summaries", json={}).status_code == 422
    assert client.post("/v1/summaries", json={"article_id": "missing"}).status_code == 404


def test_chat_sessions_condense_and_survive_restart(data_dir):
    with TestClient(_app(data_dir, rate_limit_per_minute=0), base_url="http://localhost") as c:
        r = c.post("/v1/chat", json={"message": "How much will Lumenix invest in Brennick?"})
        assert r.status_code == 200, r.text
        sid = r.json()["session_id"]
        r = c.post("/v1/chat", json={"session_id": sid, "message": "and how many jobs will it create?"})
        follow = r.json()["answer"]
        assert follow["question"] == "and how many jobs will it create?"
        assert follow["standalone_question"] != follow["question"]
        assert "Lumenix" in follow["standalone_question"] or "Brennick" in follow["standalone_question"]
    with TestClient(_app(data_dir), base_url="http://localhost") as c:  # a new app over the same data dir: a restart
        turns = c.get(f"/v1/chat/{sid}").json()["turns"]
        assert [t["role"] for t in turns] == ["user", "assistant", "user", "assistant"]
        assert c.delete(f"/v1/chat/{sid}").json()["deleted"] is True
        assert c.get(f"/v1/chat/{sid}").status_code == 404


def _sse(lines):
    events, event = [], None
    for line in lines:
        if line.startswith("event: "):
            event = line[7:]
        elif line.startswith("data: "):
            events.append((event, json.loads(line[6:])))
    return events


def test_chat_sse_event_order(live):
    url, _ = live
    with httpx.stream("POST", f"{url}/v1/chat", json={"message": "Who leads the Rail Drivers' Association?",
                                                      "stream": True}, timeout=120) as r:
        assert r.headers["content-type"].startswith("text/event-stream")
        events = _sse(r.iter_lines())
    kinds = [e for e, _ in events]
    assert kinds[0] == "meta" and kinds[-1] == "final" and "token" in kinds
    assert kinds.index("token") < len(kinds) - 1
    final = events[-1][1]["answer"]
    assert not final["abstained"], final  # the 0.5B model answers this one at temperature 0
    sentences = [d["text"] for e, d in events if e == "sentence"]
    assert " ".join(sentences) == final["answer"]


def test_openai_sdk_streaming_and_not(live):
    from openai import OpenAI

    url, _ = live
    sdk = OpenAI(base_url=f"{url}/v1", api_key="unused")
    assert [m.id for m in sdk.models.list().data] == ["qwen2.5-coder-0.5b"]
    resp = sdk.chat.completions.create(model="newsdesk", messages=[
        {"role": "user", "content": "Who leads the Rail Drivers' Association?"}])
    content = resp.choices[0].message.content
    extra = resp.model_extra
    assert content and "citations" in extra and extra["newsdesk"]["answer"] == content
    assert not extra["newsdesk"]["abstained"], extra
    assert "[1]" in content and extra["citations"][0]["quote"]
    # the model's own counts for this call (the answer prompt is a few hundred tokens)
    assert resp.usage.prompt_tokens > 100 and resp.usage.completion_tokens > 3
    assert resp.usage.total_tokens == resp.usage.prompt_tokens + resp.usage.completion_tokens
    stream = sdk.chat.completions.create(model="newsdesk", stream=True, messages=[
        {"role": "user", "content": "How much will Lumenix invest?"},
        {"role": "assistant", "content": "Lumenix will invest €2.4 billion [1]."},
        {"role": "user", "content": "And how many jobs?"}])
    chunks = list(stream)
    text = "".join(c.choices[0].delta.content or "" for c in chunks)
    last = chunks[-1]
    assert last.choices[0].finish_reason == "stop"
    assert last.model_extra["newsdesk"]["answer"] == text or last.model_extra["newsdesk"]["abstained"]
    assert "citations" in last.model_extra
    assert last.usage.prompt_tokens > 100 or last.model_extra["newsdesk"]["abstained"]


def test_auth_and_rate_limit(data_dir):
    with TestClient(_app(data_dir, api_keys="k1,k2", rate_limit_per_minute=3), base_url="http://localhost") as c:
        assert c.get("/healthz").status_code == 200
        r = c.get("/v1/articles")
        assert r.status_code == 401 and r.headers["www-authenticate"] == "Bearer"
        assert c.get("/v1/articles", headers={"Authorization": "Bearer wrong"}).status_code == 401
        ok = {"Authorization": "Bearer k1"}
        assert [c.get("/v1/articles", headers=ok).status_code for _ in range(3)] == [200, 200, 200]
        r = c.get("/v1/articles", headers=ok)
        assert r.status_code == 429 and int(r.headers["retry-after"]) >= 1
        assert c.get("/v1/articles", headers={"Authorization": "Bearer k2"}).status_code == 200


def test_full_queue_gets_503_and_body_limit(data_dir):
    app = _app(data_dir, llm_queue=0, rate_limit_per_minute=0, max_body_mb=0.001)
    gate = app.state.newsdesk.gate
    held, release = threading.Event(), threading.Event()

    def hold():
        with gate.slot():
            held.set()
            release.wait(30)

    threading.Thread(target=hold, daemon=True).start()
    held.wait(5)
    with TestClient(app, base_url="http://localhost") as c:
        r = c.post("/v1/ask", json={"question": "Who leads the union?"})
        assert r.status_code == 503 and r.headers["retry-after"] == "5"
        release.set()
        r = c.post("/v1/articles", json={"title": "big", "text": "word " * 1000})
        assert r.status_code == 413 and "request body over" in r.json()["error"]


def test_disconnect_stops_generation(live):
    url, app = live
    state = app.state.newsdesk
    with httpx.stream("POST", f"{url}/v1/chat", json={"message": "Summarise everything about the Kestrel Dam.",
                                                      "stream": True}, timeout=120) as r:
        sid = None
        for line in r.iter_lines():
            if line.startswith("data: ") and sid is None:
                sid = json.loads(line[6:])["session_id"]
            if line == "event: token":
                break
    deadline = time.time() + 60
    while time.time() < deadline and (state.gate._active or state.gate.waiting):
        time.sleep(0.1)
    assert state.gate._active == 0
    assert state.sessions.history(sid) == []  # the cancelled turn was never completed or stored


def test_serve_refuses_public_bind_without_keys(tmp_path):
    from helpers import run_cli

    r = run_cli(["serve", "--host", "0.0.0.0"], tmp_path / "data")
    assert r.returncode == 2 and "without API keys" in r.stderr


def test_chunked_bodies_over_the_limit_get_413_everywhere(data_dir):
    """Issue 14: a body sent chunked (no Content-Length) over the limit got 400 on /v1/ask and 500
    on /v1/articles; the limit must answer 413 whatever the endpoint reads the body with."""
    app = _app(data_dir, rate_limit_per_minute=0, max_body_mb=0.001)

    def chunks(payload: bytes):
        for i in range(0, len(payload), 256):
            yield payload[i:i + 256]

    big = json.dumps({"title": "big", "text": "word " * 1000, "question": "x " * 1000}).encode()
    boundary = "b0und"
    form = (f"--{boundary}\r\nContent-Disposition: form-data; name=\"file\"; filename=\"a.txt\"\r\n"
            f"Content-Type: text/plain\r\n\r\nTitle\n\n{'word ' * 1000}\r\n--{boundary}--\r\n").encode()
    with TestClient(app, base_url="http://localhost") as c:
        for path, body, ctype in (("/v1/ask", big, "application/json"), ("/v1/articles", big, "application/json"),
                                  ("/v1/articles", form, f"multipart/form-data; boundary={boundary}")):
            r = c.post(path, content=chunks(body), headers={"content-type": ctype})
            assert r.status_code == 413, (path, r.status_code, r.text[:200])
        small = json.dumps({"title": "Small chunked", "text": "A small article sent in chunks."}).encode()
        r = c.post("/v1/articles", content=chunks(small), headers={"content-type": "application/json"})
        assert r.status_code == 200 and r.json()["added"], r.text


def test_uploads_are_identified_by_content_and_every_file_is_read(client):
    """Issue 14: two different uploads named news.txt were one article (the second replaced the
    first); two files under one multipart field: only the last was read."""
    one = ("news.txt", b"Harbour wall repaired\n\nThe harbour wall in Dunmore was repaired on Monday.", "text/plain")
    two = ("news.txt", b"Ferry service resumes\n\nThe ferry to Inishcorr sailed again on Tuesday.", "text/plain")
    r = client.post("/v1/articles", files=[("file", one), ("file", two)])
    assert r.status_code == 200, r.text
    added = r.json()["added"]
    assert len(added) == 2 and len(set(added)) == 2, r.json()
    titles = {client.get(f"/v1/articles/{a}").json()["title"] for a in added}
    assert titles == {"Harbour wall repaired", "Ferry service resumes"}
    again = client.post("/v1/articles", files=[("file", one)]).json()  # the same file again: unchanged
    assert again["unchanged"] == [added[0]] or again["unchanged"] == [added[1]], again
    for a in added:
        client.delete(f"/v1/articles/{a}")


def test_json_articles_without_ids_are_told_apart_by_their_whole_content(client):
    head = "x" * 2500
    arts = [{"title": "Same start", "text": head + " and then the first ending."},
            {"title": "Same start", "text": head + " and then the second ending."}]
    r = client.post("/v1/articles", json=arts)
    added = r.json()["added"]
    assert r.status_code == 200 and len(set(added)) == 2, r.json()
    for a in added:
        client.delete(f"/v1/articles/{a}")


def test_hostile_json_bodies_are_400_not_500(client):
    deep = '{"title": "t", "text": "x", "m": ' + "[" * 5000 + "]" * 5000 + "}"
    r = client.post("/v1/articles", content=deep, headers={"content-type": "application/json"})
    assert r.status_code == 400 and "nested" in r.json()["error"], r.text
    big = '{"title": "t", "text": "x", "n": ' + "9" * 5000 + "}"
    r = client.post("/v1/articles", content=big, headers={"content-type": "application/json"})
    assert r.status_code == 400 and "digits" in r.json()["error"], r.text
