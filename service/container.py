"""The composition root: every backend a process uses is built here, once, and closed here.

The CLI, the HTTP app, the Slack bot, Celery workers, eval and bench all ask a `Container` for
what they need instead of building it, so a process never holds two stores on one data dir, two
copies of the model, or a story book per request. Everything is built lazily: `newsdesk list`
never loads the LLM, a coordinator whose workers hold the model never loads it either.
"""
from __future__ import annotations

import json
import threading
from dataclasses import dataclass

from pydantic import SecretStr

from index.store import ArticleStore
from service.gate import ModelGate
from service.models.llm import ChatModel
from index.db import Database
from service.sessions import SessionStore
from service.settings import Settings, get_settings
from service.stories import StoryBook, StoryParams


@dataclass
class Context:
    """What one feature call needs: a view of the container (bench and tests vary `settings` or
    the model). The story book is the container's; one made by hand gets its own when asked."""

    settings: Settings
    store: ArticleStore
    llm: ChatModel | None
    book: StoryBook | None = None

    @property
    def stories(self) -> StoryBook:
        if self.book is None:
            self.book = story_book(self.store, self.settings)
        return self.book


def story_book(store: ArticleStore, settings: Settings) -> StoryBook:
    return StoryBook(store, StoryParams(window_days=settings.story_window_days))


class Container:
    def __init__(self, settings: Settings):
        self.settings = settings
        self._lock = threading.RLock()
        self._store: ArticleStore | None = None
        self._llm: ChatModel | None = None
        self._stories: StoryBook | None = None
        self._sessions: SessionStore | None = None
        self.gate = ModelGate(settings.llm_concurrency, settings.llm_queue)  # one model slot per process

    def _once(self, attr: str, build):
        with self._lock:
            if getattr(self, attr) is None:
                setattr(self, attr, build())
            return getattr(self, attr)

    @property
    def store(self) -> ArticleStore:
        from service.components import build_store

        return self._once("_store", lambda: build_store(self.settings))

    @property
    def llm(self) -> ChatModel:
        from service.models.llm import build_llm

        return self._once("_llm", lambda: build_llm(self.settings))

    @property
    def llm_loaded(self) -> bool:
        return self._llm is not None

    @property
    def stories(self) -> StoryBook:
        return self._once("_stories", lambda: story_book(self.store, self.settings))

    @property
    def sessions(self) -> SessionStore:
        return self._once("_sessions", lambda: SessionStore(self.database("sessions"), self.settings.session_ttl_days,
                                                            self.settings.sessions_per_owner))

    def database(self, name: str) -> Database:
        """The deployment's shared database (PostgreSQL at `database_url`), else `name`.sqlite in the
        data dir: one file per feature, as data dirs have always held them."""
        return Database(self.settings.database or self.settings.data_dir / f"{name}.sqlite")

    def context(self, llm: bool = True) -> Context:
        """`llm=False` for work that never generates (coordinators, listings)."""
        return Context(self.settings, self.store, self.llm if llm else None, self.stories)

    def close(self) -> None:
        with self._lock:
            for part in (self._stories, self._sessions):
                if part is not None:
                    part.close()
            self._stories = self._sessions = None


_lock = threading.Lock()
_containers: dict[str, Container] = {}


def get_container(settings: Settings | None = None) -> Container:
    """This process's container for these settings (the environment's when none are given)."""
    settings = settings or get_settings()
    key = json.dumps(settings.model_dump(), sort_keys=True, default=_plain)
    with _lock:
        if key not in _containers:
            _containers[key] = Container(settings)
        return _containers[key]


def _plain(value) -> str:
    return value.get_secret_value() if isinstance(value, SecretStr) else str(value)


def reset_containers() -> None:
    """Close and forget every container and cached backend (tests switch data dirs in one process)."""
    from service.components import reset_components

    with _lock:
        for container in _containers.values():
            container.close()
        _containers.clear()
    reset_components()
