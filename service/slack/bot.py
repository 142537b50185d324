"""The Slack bot (slack-bolt): mentions, DMs and `/newsdesk`, answered in the thread with checked sources.

Bolt verifies every request's v0 signature and timestamp (401 otherwise), answers Slack's URL
verification, acks at once and runs listeners on its executor; we add event-id dedupe persisted in
SQLite (Slack re-sends slow events), an "eyes" reaction while working, and thread history as chat
history so follow-ups in a thread are condensed like the chat endpoint's.
"""
from __future__ import annotations

import json
import logging
import re
import threading
import time
from index.db import Database
from service.schemas import ABSTAIN_TEXT, Answer
from service.slack.blocks import answer_blocks, error_blocks, escape, stories_blocks, summary_blocks

log = logging.getLogger("newsdesk.slack")
DEDUPE_WINDOW_S = 3600
CLAIM_LEASE_S = 120  # an answer takes well under this; a claim older than it was abandoned
SIGNATURE_WINDOW_S = 360  # bolt refuses timestamps older than 5 minutes; keep a little longer


class EventLedger:
    """Slack deliveries already seen, persisted so a restart does not forget them within the window.

    An event is claimed when it arrives and marked done only once its reply is posted: a process
    that dies in between leaves it unfinished, and the next start (or Slack's retry, once the
    claim's lease is over) answers it, exactly once. Signatures of signed requests are kept too:
    a captured request replayed within Slack's 5-minute window is refused.
    """

    def __init__(self, db: Database):
        self.db = db
        db.ensure_schema("CREATE TABLE IF NOT EXISTS slack_events (id TEXT PRIMARY KEY, at DOUBLE PRECISION);"
                         "CREATE TABLE IF NOT EXISTS slack_signatures (sig TEXT PRIMARY KEY, at DOUBLE PRECISION)")
        # a ledger from before claims: its events were done
        db.add_columns("slack_events", ["done INTEGER DEFAULT 1", "claimed DOUBLE PRECISION DEFAULT 0", "body TEXT"])
        self.lock = threading.Lock()

    def claim(self, event_id: str, body: dict) -> bool:
        """True when this delivery should be answered: never seen, or claimed by a process that
        did not finish within the lease."""
        now = time.time()
        with self.lock, self.db:  # each step is one atomic statement: processes sharing the ledger race safely
            self.db.execute("DELETE FROM slack_events WHERE at < ?", (now - DEDUPE_WINDOW_S,))
            if self.db.execute("INSERT INTO slack_events (id, at, done, claimed, body) VALUES (?,?,0,?,?) "
                               "ON CONFLICT (id) DO NOTHING", (event_id, now, now, json.dumps(body))).rowcount == 1:
                return True
            return self.db.execute("UPDATE slack_events SET claimed=? WHERE id=? AND done=0 AND claimed <= ?",
                                   (now, event_id, now - CLAIM_LEASE_S)).rowcount == 1

    def done(self, event_id: str) -> None:
        with self.lock, self.db:
            self.db.execute("UPDATE slack_events SET done=1, body=NULL WHERE id=?", (event_id,))

    def unfinished(self) -> list[dict]:
        """Events claimed but never answered (their process died), claimed again for this one."""
        now = time.time()
        with self.lock, self.db:
            rows = self.db.execute("SELECT id, body, claimed FROM slack_events WHERE done=0 AND claimed < ? AND at >= ?",
                                   (now - CLAIM_LEASE_S, now - DEDUPE_WINDOW_S)).fetchall()
            mine = [r for r in rows if self.db.execute(  # another process may be taking the same ones
                "UPDATE slack_events SET claimed=? WHERE id=? AND claimed=?", (now, r[0], r[2])).rowcount == 1]
        return [json.loads(r[1]) for r in mine if r[1]]

    def fresh_signature(self, signature: str) -> bool:
        now = time.time()
        with self.lock, self.db:
            self.db.execute("DELETE FROM slack_signatures WHERE at < ?", (now - SIGNATURE_WINDOW_S,))
            return self.db.execute("INSERT INTO slack_signatures VALUES (?, ?) ON CONFLICT (sig) DO NOTHING",
                                   (signature, now)).rowcount == 1


def build_slack_app(container, socket_mode: bool = False):
    """A bolt App over the process's container (its model gate, sessions and stories are the
    HTTP surface's too), or None when Slack is not configured. Socket Mode needs no signing
    secret: Slack's websocket is authenticated by the app token."""
    settings = container.settings
    if not settings.slack_bot_token or not (settings.slack_signing_secret or socket_mode):
        return None
    from slack_bolt import App, BoltResponse
    from slack_sdk import WebClient
    from slack_sdk.http_retry.builtin_handlers import ConnectionErrorRetryHandler, RateLimitErrorRetryHandler

    client = WebClient(token=settings.slack_bot_token.get_secret_value(), base_url=settings.slack_api_url,
                       retry_handlers=[ConnectionErrorRetryHandler(max_retry_count=2),
                                       RateLimitErrorRetryHandler(max_retry_count=3)])
    secret = settings.slack_signing_secret.get_secret_value() if settings.slack_signing_secret else None
    app = App(client=client, signing_secret=secret, request_verification_enabled=not socket_mode,
              token_verification_enabled=False, logger=log)
    ledger = EventLedger(container.database("slack"))

    @app.middleware
    def refuse_replays(req, body, next):
        # Events are deduplicated by their id below (Slack's own retries included); every other
        # signed request (slash commands) is refused when its signature was already seen.
        signature = (req.headers.get("x-slack-signature") or [""])[0]
        if signature and not body.get("event_id") and not ledger.fresh_signature(signature):
            log.warning("replayed slack request refused")
            return BoltResponse(status=401, body="replayed request")
        return next()

    @app.middleware
    def dedupe(body, next):
        event_id = body.get("event_id")
        if event_id and not ledger.claim(event_id, body):
            log.info("duplicate slack event ignored", extra={"fields": {"event_id": event_id}})
            return BoltResponse(status=200, body="")
        return next()

    def on_event(body: dict, client) -> None:
        event = body.get("event") or {}
        wanted = event.get("type") == "app_mention" or (
            event.get("type") == "message" and event.get("channel_type") == "im" and not event.get("subtype"))
        if wanted and not event.get("bot_id"):
            answer_in_thread(container, client, event["channel"], event.get("thread_ts") or event["ts"], event["ts"],
                             event.get("text", ""))
        ledger.done(body["event_id"])  # only now: a crash before this leaves the event to answer again

    app.event("app_mention")(on_event)
    app.event("message")(on_event)  # direct messages only; other bots, edits and joins are ignored
    threading.Thread(target=lambda: [on_event(b, client) for b in ledger.unfinished()], daemon=True).start()

    def slash_ack(body, ack):
        ack(response_type="ephemeral", text=f"Working on “{escape(body.get('text', '').strip()[:200])}”…")

    def slash_work(body, client, respond):
        run_command(container, body, client, respond)

    app.command("/newsdesk")(ack=slash_ack, lazy=[slash_work])
    return app


def thread_key(channel: str, thread_ts: str) -> str:
    return f"slack:{channel}:{thread_ts}"


BUSY = "I'm busy with other questions right now; please ask again in a minute."


def answer_in_thread(container, client, channel: str, thread_ts: str, ts: str, text: str) -> None:
    """A chat turn in the thread's session, with an "eyes" reaction while it runs; never silent."""
    from service.chat import converse
    from service.gate import QueueFull

    question = re.sub(r"<@[A-Z0-9]+>", "", text or "").strip()
    if not question:
        client.chat_postMessage(channel=channel, thread_ts=thread_ts,
                                text="Ask me a question about the news, e.g. “Who leads the drivers' union?”")
        return
    try:
        client.reactions_add(channel=channel, timestamp=ts, name="eyes")
    except Exception:  # a missing reaction scope must not cost the answer
        log.warning("reactions.add failed", exc_info=True)
    try:
        with container.gate.slot():
            answer: Answer = converse(container.context(), container.sessions, "slack", thread_key(channel, thread_ts),
                                      question)
        client.chat_postMessage(channel=channel, thread_ts=thread_ts, text=answer.answer or ABSTAIN_TEXT,
                                blocks=answer_blocks(answer))
    except QueueFull:
        client.chat_postMessage(channel=channel, thread_ts=thread_ts, text=BUSY, blocks=error_blocks(BUSY))
    except Exception as exc:
        log.exception("slack answer failed")
        message = escape(f"Sorry, I could not answer that ({type(exc).__name__}: {str(exc)[:200]}).")
        client.chat_postMessage(channel=channel, thread_ts=thread_ts, text=message, blocks=error_blocks(message))
    finally:
        try:
            client.reactions_remove(channel=channel, timestamp=ts, name="eyes")
        except Exception:
            log.warning("reactions.remove failed", exc_info=True)


def run_command(container, body: dict, client, respond) -> None:
    """`/newsdesk stories`, `/newsdesk summarize ID`, or a question answered in a new thread."""
    text = (body.get("text") or "").strip()
    channel = body.get("channel_id")
    try:
        if text.lower() == "stories":
            items = container.stories.stories()
            respond(response_type="in_channel", text=f"{len(items)} stories", blocks=stories_blocks(items))
            return
        if text.lower().startswith("summarize ") or text.lower().startswith("summarise "):
            from service.summarize import summarize_id

            with container.gate.slot():
                result = summarize_id(container.context(), text.split(None, 1)[1].strip())
            respond(response_type="in_channel", text=result.summary, blocks=summary_blocks(result))
            return
        user = re.sub(r"[^A-Z0-9]", "", body.get("user_id") or "")
        posted = client.chat_postMessage(channel=channel, text=f"<@{user}> asked: {escape(text)}")
        answer_in_thread(container, client, channel, posted["ts"], posted["ts"], text)
    except Exception as exc:
        log.exception("slash command failed")
        respond(response_type="ephemeral", text=escape(f"Sorry, that failed: {type(exc).__name__}: {str(exc)[:200]}"))
