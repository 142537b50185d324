"""What routers need, as `Annotated` dependencies: settings, store, answer context, auth, limits."""
from __future__ import annotations

import logging
import threading
from dataclasses import dataclass, field
from typing import Annotated

from fastapi import Depends, HTTPException, Request

from index.store import ArticleStore
from service.api.limits import RateLimiter
from service.api.security import bearer, client_address, key_id, matching_key
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
    failed_auth: RateLimiter = field(default_factory=lambda: RateLimiter(10))
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


def caller_address(request: Request, state: AppState) -> str:
    peer = request.client.host if request.client else "unknown"
    return client_address(peer, request.headers.get("x-forwarded-for"), state.settings.trusted_proxy_list)


def owner_of(request: Request, state: State) -> str:
    """Whose sessions these are: the hash of the caller's key; "local" when the server has no keys."""
    key = matching_key(bearer(request.headers), state.settings.api_key_list)
    return "key:" + key_id(key) if key else "local"


Owner = Annotated[str, Depends(owner_of)]


def require_key(request: Request, state: State) -> None:
    """Bearer API keys when NEWSDESK_API_KEYS is set (failed checks are limited per address), then
    a request bucket per key (per address without keys: made-up tokens are not new buckets)."""
    keys = state.settings.api_key_list
    address = caller_address(request, state)
    if keys:
        key = matching_key(bearer(request.headers), keys)
        if key is None:
            retry = state.failed_auth.check("ip:" + address)
            if retry:
                raise HTTPException(429, f"too many failed key checks; retry in {retry:.0f}s",
                                    headers={"Retry-After": str(int(retry))})
            raise HTTPException(401, "missing or invalid API key (send 'Authorization: Bearer KEY')",
                                headers={"WWW-Authenticate": "Bearer"})
        bucket = "key:" + key_id(key)
    else:
        bucket = "ip:" + address
    retry = state.limiter.check(bucket)
    if retry:
        raise HTTPException(429, f"rate limit exceeded; retry in {retry:.0f}s",
                            headers={"Retry-After": str(int(retry))})


Authorized = Depends(require_key)
