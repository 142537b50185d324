"""What routers need, as `Annotated` dependencies: settings, store, answer context, auth, limits."""
from __future__ import annotations

import hmac
import logging
import threading
from dataclasses import dataclass, field
from typing import Annotated

from fastapi import Depends, HTTPException, Request

from index.store import ArticleStore
from service.api.limits import RateLimiter
from service.gate import ModelGate, QueueFull
from service.api.metrics import Metrics
from service.container import Container, Context
from service.sessions import SessionStore
from service.settings import Settings
from service.stories import StoryBook

log = logging.getLogger("newsdesk.http")


@dataclass
class AppState:
    """What the HTTP surface adds to the process's container: the model gate, limits, metrics."""

    container: Container
    limiter: RateLimiter
    metrics: Metrics
    warm_error: str | None = None
    _stories_running: threading.Lock = field(default_factory=threading.Lock)
    _stories_stale: bool = False

    @property
    def settings(self) -> Settings:
        return self.container.settings

    @property
    def store(self) -> ArticleStore:
        return self.container.store

    @property
    def gate(self) -> ModelGate:
        return self.container.gate

    @property
    def llm(self):
        return self.container.llm

    @property
    def llm_loaded(self) -> bool:
        return self.container.llm_loaded

    @property
    def sessions(self) -> SessionStore:
        return self.container.sessions

    def story_book(self) -> StoryBook:
        return self.container.stories

    def refresh_stories(self) -> None:
        """Regroup stories in the background after a write, so no reader waits for it. One
        refresh at a time; a write during a refresh makes it go round once more."""
        self._stories_stale = True
        if not self._stories_running.acquire(blocking=False):
            return

        def run() -> None:
            try:
                while self._stories_stale:
                    self._stories_stale = False
                    try:
                        self.story_book().stories()
                    except Exception as exc:  # the next reader computes them instead
                        log.warning("stories refresh failed", extra={"fields": {"error": str(exc)}})
            finally:
                self._stories_running.release()

        threading.Thread(target=run, daemon=True, name="stories-refresh").start()

    def context(self) -> Context:
        return self.container.context()


def check_length(state: AppState, text: str) -> None:
    if len(text) > state.settings.max_question_chars:
        raise HTTPException(422, f"question longer than {state.settings.max_question_chars} characters")


def with_model(state: AppState, fn):
    """`fn()` holding the model's slot; a full queue is a 503 with Retry-After."""
    try:
        with state.gate.slot():
            return fn()
    except QueueFull as exc:
        state.metrics.errors.labels("queue_full").inc()
        raise HTTPException(503, f"the model is busy: {exc}; retry shortly", headers={"Retry-After": "5"})


def get_state(request: Request) -> AppState:
    return request.app.state.newsdesk


State = Annotated[AppState, Depends(get_state)]


def client_key(request: Request) -> str:
    auth = request.headers.get("authorization", "")
    if auth.lower().startswith("bearer "):
        return "key:" + auth[7:].strip()[:12]
    return "ip:" + (request.client.host if request.client else "unknown")


def require_key(request: Request, state: State) -> None:
    """Bearer API keys when NEWSDESK_API_KEYS is set; then per-client rate limiting."""
    keys = state.settings.api_key_list
    if keys:
        auth = request.headers.get("authorization", "")
        token = auth[7:].strip() if auth.lower().startswith("bearer ") else ""
        if not any(hmac.compare_digest(token, k) for k in keys):
            raise HTTPException(401, "missing or invalid API key (send 'Authorization: Bearer KEY')",
                                headers={"WWW-Authenticate": "Bearer"})
    retry = state.limiter.check(client_key(request))
    if retry:
        raise HTTPException(429, f"rate limit exceeded; retry in {retry:.0f}s",
                            headers={"Retry-After": str(int(retry))})


Authorized = Depends(require_key)
