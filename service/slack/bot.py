"""The Slack bot (slack-bolt): mentions, DMs and `/newsdesk`, answered in the thread with checked sources.

Bolt verifies every request's v0 signature and timestamp (401 otherwise), answers Slack's URL
verification, acks at once and runs listeners on its executor; we add event-id dedupe persisted in
SQLite (Slack re-sends slow events), an "eyes" reaction while working, and thread history as chat
history so follow-ups in a thread are condensed like the chat endpoint's.
"""
from __future__ import annotations

import logging
import re
import threading
import time
from pathlib import Path

from index.sqlite import connect
from service.schemas import ABSTAIN_TEXT, Answer
from service.slack.blocks import answer_blocks, error_blocks, stories_blocks, summary_blocks

log = logging.getLogger("newsdesk.slack")
DEDUPE_WINDOW_S = 3600


class EventLedger:
    """Event ids already handled, persisted so a restart does not forget within the retry window."""

    def __init__(self, path: Path):
        self.db = connect(path, schema="CREATE TABLE IF NOT EXISTS slack_events (id TEXT PRIMARY KEY, at REAL);")
        self.lock = threading.Lock()

    def first_time(self, event_id: str) -> bool:
        now = time.time()
        with self.lock, self.db:
            self.db.execute("DELETE FROM slack_events WHERE at < ?", (now - DEDUPE_WINDOW_S,))
            return self.db.execute("INSERT OR IGNORE INTO slack_events VALUES (?, ?)", (event_id, now)).rowcount == 1


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
    ledger = EventLedger(settings.data_dir / "slack.sqlite")

    @app.middleware
    def dedupe(body, next):
        event_id = body.get("event_id")
        if event_id and not ledger.first_time(event_id):
            log.info("duplicate slack event ignored", extra={"fields": {"event_id": event_id}})
            return BoltResponse(status=200, body="")
        return next()

    @app.event("app_mention")
    def on_mention(event, client):
        if not event.get("bot_id"):
            answer_in_thread(container, client, event["channel"], event.get("thread_ts") or event["ts"], event["ts"],
                             event.get("text", ""))

    @app.event("message")
    def on_message(event, client):
        # Direct messages only; other bots, edits and joins are ignored.
        if event.get("channel_type") == "im" and not event.get("bot_id") and not event.get("subtype"):
            answer_in_thread(container, client, event["channel"], event.get("thread_ts") or event["ts"], event["ts"],
                             event.get("text", ""))

    def slash_ack(body, ack):
        ack(response_type="ephemeral", text=f"Working on “{body.get('text', '').strip()[:200]}”…")

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
            answer: Answer = converse(container.context(), container.sessions, thread_key(channel, thread_ts), question)
        client.chat_postMessage(channel=channel, thread_ts=thread_ts, text=answer.answer or ABSTAIN_TEXT,
                                blocks=answer_blocks(answer))
    except QueueFull:
        client.chat_postMessage(channel=channel, thread_ts=thread_ts, text=BUSY, blocks=error_blocks(BUSY))
    except Exception as exc:
        log.exception("slack answer failed")
        message = f"Sorry, I could not answer that ({type(exc).__name__}: {str(exc)[:200]})."
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
        posted = client.chat_postMessage(channel=channel, text=f"<@{body.get('user_id')}> asked: {text}")
        answer_in_thread(container, client, channel, posted["ts"], posted["ts"], text)
    except Exception as exc:
        log.exception("slash command failed")
        respond(response_type="ephemeral", text=f"Sorry, that failed: {type(exc).__name__}: {str(exc)[:200]}")
