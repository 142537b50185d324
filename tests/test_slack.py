"""The Slack bot, live: real signed HTTP requests into the app, Web API calls into a local fake Slack."""
import hashlib
import hmac
import json
import time
from urllib.parse import urlencode

import pytest
from fastapi.testclient import TestClient

from conftest import make_settings
from index.db import Database
from fake_slack import FakeSlack
from service.api.app import create_app
from service.components import build_store
from service.ingest import ingest_paths
from service.slack.blocks import MAX_BLOCKS, MAX_TEXT, answer_blocks

SECRET = "test-signing-secret"


@pytest.fixture(scope="module")
def fake():
    f = FakeSlack()
    yield f
    f.close()


@pytest.fixture(scope="module")
def slack_app(tmp_path_factory, fake, demo_dir, seeds_dir):
    data = tmp_path_factory.mktemp("slack") / "data"
    ingest_paths(build_store(make_settings(data)), [str(demo_dir), str(seeds_dir)], 5_000_000)
    settings = make_settings(data, warm_on_start=False, rate_limit_per_minute=0, slack_bot_token="xoxb-test",
                             slack_signing_secret=SECRET, slack_api_url=f"{fake.url}/api/")
    app = create_app(settings)
    with TestClient(app, base_url="http://localhost") as client:
        yield client, app


def _signed(body: str, ts: int | None = None, secret: str = SECRET) -> dict:
    ts = int(time.time()) if ts is None else ts
    sig = "v0=" + hmac.new(secret.encode(), f"v0:{ts}:{body}".encode(), hashlib.sha256).hexdigest()
    return {"X-Slack-Request-Timestamp": str(ts), "X-Slack-Signature": sig}


def _event(event_id: str, event: dict) -> str:
    return json.dumps({"token": "x", "team_id": "T1", "api_app_id": "A1", "type": "event_callback",
                       "event_id": event_id, "event_time": int(time.time()), "event": event})


def _post(client, body: str, headers: dict, ctype="application/json"):
    return client.post("/slack/events", content=body, headers={**headers, "content-type": ctype})


def test_signatures_are_enforced(slack_app, fake):
    client, _ = slack_app
    body = _event("Ev-unsigned", {"type": "app_mention", "channel": "C1", "user": "U1", "ts": "1.1",
                                  "text": "<@UBOT> hi"})
    assert _post(client, body, {}).status_code == 401
    assert _post(client, body, _signed(body, secret="wrong")).status_code == 401
    assert _post(client, body, _signed(body, ts=int(time.time()) - 600)).status_code == 401
    time.sleep(0.5)
    assert not fake.of("chat.postMessage")


def test_url_verification(slack_app):
    client, _ = slack_app
    body = json.dumps({"type": "url_verification", "challenge": "abc123", "token": "x"})
    r = _post(client, body, _signed(body))
    assert r.status_code == 200 and "abc123" in r.text


def test_mention_answered_once_in_thread_with_sources(slack_app, fake):
    client, app = slack_app
    event = {"type": "app_mention", "channel": "C1", "user": "U1", "ts": "1700000000.000100",
             "text": "<@UBOT> Who leads the Rail Drivers' Association?"}
    body = _event("Ev-one", event)
    started = time.perf_counter()
    r = _post(client, body, _signed(body))
    ack = time.perf_counter() - started
    assert r.status_code == 200 and ack < 3
    retry = _post(client, body, {**_signed(body), "X-Slack-Retry-Num": "1", "X-Slack-Retry-Reason": "http_timeout"})
    assert retry.status_code == 200
    posted = fake.wait_for("chat.postMessage", where=lambda p: p.get("thread_ts") == event["ts"])
    time.sleep(1.5)
    assert len([p for p in fake.of("chat.postMessage") if p.get("thread_ts") == event["ts"]]) == 1
    blocks = json.loads(posted[0]["blocks"]) if isinstance(posted[0]["blocks"], str) else posted[0]["blocks"]
    answer = posted[0]["text"]
    if answer != "The sources do not say.":
        texts = [e["text"] for b in blocks for e in b.get("elements", [])] + [b["text"]["text"] for b in blocks if "text" in b]
        assert any(t == "*Sources*" for t in texts)
        assert any("“" in t and "[1]" in t for t in texts)  # a verified quote per cited article
    adds = fake.wait_for("reactions.add", where=lambda p: p.get("timestamp") == event["ts"])
    assert adds[0]["name"] == "eyes"
    fake.wait_for("reactions.remove", where=lambda p: p.get("timestamp") == event["ts"])
    # The ledger is on disk: a new app (a restart) still ignores the retried event id.
    again = create_app(app.state.newsdesk.settings)
    with TestClient(again, base_url="http://localhost") as c2:
        assert _post(c2, body, {**_signed(body), "X-Slack-Retry-Num": "2"}).status_code == 200
    time.sleep(1.0)
    assert len([p for p in fake.of("chat.postMessage") if p.get("thread_ts") == event["ts"]]) == 1


def test_thread_follow_up_uses_history(slack_app, fake):
    client, app = slack_app
    root = "1700000100.000200"
    first = _event("Ev-t1", {"type": "app_mention", "channel": "C2", "user": "U1", "ts": root,
                             "text": "<@UBOT> How much will Lumenix invest in Brennick?"})
    _post(client, first, _signed(first))
    fake.wait_for("chat.postMessage", where=lambda p: p.get("thread_ts") == root)
    follow = _event("Ev-t2", {"type": "app_mention", "channel": "C2", "user": "U1", "ts": "1700000101.000300",
                              "thread_ts": root, "text": "<@UBOT> and how many jobs?"})
    _post(client, follow, _signed(follow))
    fake.wait_for("chat.postMessage", count=2, where=lambda p: p.get("thread_ts") == root)
    turns = app.state.newsdesk.sessions.history(f"slack:C2:{root}")
    assert [t["role"] for t in turns] == ["user", "assistant", "user", "assistant"]
    standalone = turns[3]["data"]["standalone_question"]
    assert standalone != "and how many jobs?" and ("Lumenix" in standalone or "Brennick" in standalone)


def test_bots_and_non_dm_messages_are_ignored(slack_app, fake):
    client, _ = slack_app
    before = len(fake.of("chat.postMessage"))
    for i, ev in enumerate([
        {"type": "message", "channel": "D1", "channel_type": "im", "bot_id": "B9", "ts": "1.2", "text": "hello"},
        {"type": "message", "channel": "C9", "channel_type": "channel", "user": "U1", "ts": "1.3", "text": "hi"},
        {"type": "app_mention", "channel": "C9", "bot_id": "B9", "ts": "1.4", "text": "<@UBOT> hi"},
    ]):
        body = _event(f"Ev-bot-{i}", ev)
        assert _post(client, body, _signed(body)).status_code == 200
    time.sleep(1.5)
    assert len(fake.of("chat.postMessage")) == before


def test_slash_command_acks_fast_then_answers(slack_app, fake):
    client, _ = slack_app
    form = urlencode({"command": "/newsdesk", "text": "Who is the chief executive of Lumenix?", "channel_id": "C3",
                      "user_id": "U7", "team_id": "T1", "response_url": f"{fake.url}/respond",
                      "trigger_id": "t1", "token": "x"})
    started = time.perf_counter()
    r = _post(client, form, _signed(form), ctype="application/x-www-form-urlencoded")
    assert r.status_code == 200 and time.perf_counter() - started < 3
    assert "Working on" in r.text
    fake.wait_for("chat.postMessage", count=2, where=lambda p: p.get("channel") == "C3")
    stories = urlencode({"command": "/newsdesk", "text": "stories", "channel_id": "C3", "user_id": "U7",
                         "team_id": "T1", "response_url": f"{fake.url}/respond", "trigger_id": "t2", "token": "x"})
    assert _post(client, stories, _signed(stories), ctype="application/x-www-form-urlencoded").status_code == 200
    responded = fake.wait_for("respond")
    assert "stories" in json.dumps(responded[-1])


def test_slack_rate_limits_are_retried(slack_app, fake):
    client, _ = slack_app
    fake.rate_limit_next.add("chat.postMessage")
    event = {"type": "message", "channel": "D5", "channel_type": "im", "user": "U1", "ts": "1700000200.000400",
             "text": "What is the capital of Australia?"}
    body = _event("Ev-429", event)
    _post(client, body, _signed(body))
    posted = fake.wait_for("chat.postMessage", where=lambda p: p.get("channel") == "D5")
    assert posted[0]["text"] == "The sources do not say."
    assert any(m == "chat.postMessage:429" for m, _ in fake.calls)


def test_block_kit_limits():
    from service.schemas import Answer, Citation

    cites = [Citation(id=i, article_id=f"a{i}", title="T" * 300, source="S", chunk_id="c", quote="q" * 5000,
                      start=0, end=5000) for i in range(1, 61)]
    answer = Answer(question="q", answer="Long sentence here. " * 400, abstained=False, citations=cites, model="m",
                    unsupported_sentences=["x", "y"])
    blocks = answer_blocks(answer)
    assert len(blocks) <= MAX_BLOCKS
    for b in blocks:
        for t in [b.get("text", {}).get("text", "")] + [e["text"] for e in b.get("elements", [])]:
            assert len(t) <= MAX_TEXT


def test_a_replayed_slash_command_is_refused_and_user_text_is_escaped(slack_app, fake):
    """Issue 16: a captured slash command replayed within 5 minutes was answered again, and the bot
    echoed `<!channel>` unescaped (it pinged the channel)."""
    client, _ = slack_app
    form = urlencode({"command": "/newsdesk", "text": "<!channel> What is the capital of Australia?",
                      "channel_id": "C8", "user_id": "U7", "team_id": "T1", "response_url": f"{fake.url}/respond",
                      "trigger_id": "t8", "token": "x"})
    headers = _signed(form)
    assert _post(client, form, headers, ctype="application/x-www-form-urlencoded").status_code == 200
    assert _post(client, form, headers, ctype="application/x-www-form-urlencoded").status_code == 401
    posted = fake.wait_for("chat.postMessage", count=2, where=lambda p: p.get("channel") == "C8")
    time.sleep(1.5)
    assert len([p for p in fake.of("chat.postMessage") if p.get("channel") == "C8"]) == 2  # asked + one answer
    asked = posted[0]["text"]
    assert "&lt;!channel&gt;" in asked and "<!channel>" not in asked


def test_an_answer_lost_to_a_crash_is_given_on_restart(slack_app, fake):
    """Issue 16: event ids were recorded before the answer was posted, so a crash in between lost
    the question. Now a claimed event is done only once answered; the next start answers it."""
    from service.slack.bot import CLAIM_LEASE_S, EventLedger

    _, app = slack_app
    settings = app.state.newsdesk.settings
    event = {"type": "app_mention", "channel": "C9", "user": "U1", "ts": "1700000300.000500",
             "text": "<@UBOT> Who leads the Rail Drivers' Association?"}
    body = json.loads(_event("Ev-crash", event))
    ledger = EventLedger(Database(settings.data_dir / "slack.sqlite"))
    assert ledger.claim("Ev-crash", body)  # the process that claimed it died before posting
    with ledger.db:
        ledger.db.execute("UPDATE slack_events SET claimed=claimed-? WHERE id='Ev-crash'", (CLAIM_LEASE_S + 1,))
    with TestClient(create_app(settings), base_url="http://localhost") as restarted:
        fake.wait_for("chat.postMessage", where=lambda p: p.get("thread_ts") == event["ts"])
        done = ledger.db.execute("SELECT done FROM slack_events WHERE id='Ev-crash'")
        deadline = time.time() + 10
        while done.fetchone()[0] != 1 and time.time() < deadline:
            time.sleep(0.2)
            done = ledger.db.execute("SELECT done FROM slack_events WHERE id='Ev-crash'")
        raw = json.dumps(body)
        assert _post(restarted, raw, {**_signed(raw), "X-Slack-Retry-Num": "3"}).status_code == 200  # Slack's retry
    time.sleep(1.0)
    assert len([p for p in fake.of("chat.postMessage") if p.get("thread_ts") == event["ts"]]) == 1


def test_article_text_cannot_break_out_of_links_or_mention_anyone():
    from service.schemas import Answer, Citation
    from service.slack.blocks import answer_blocks

    cite = Citation(id=1, article_id="a", title="<!here> Title", source="<@U1>", chunk_id="c",
                    url="https://news.example/a|<!channel>>b", quote="<!everyone> quote", start=0, end=5)
    answer = Answer(question="q", answer="An answer <!channel> [1].", abstained=False, citations=[cite], model="m")
    text = json.dumps(answer_blocks(answer))
    assert "<!" not in text and "<@" not in text
    assert "<https://news.example/a%7C%3C!channel%3E%3Eb|&lt;!here&gt; Title>" in text
