"""The local model is one shared resource: every surface of a process (HTTP, Slack, batch)
queues for it fairly through one gate, and a full queue says so."""
from __future__ import annotations

import threading
from collections import deque
from contextlib import contextmanager


class QueueFull(RuntimeError):
    pass


class Cancelled(RuntimeError):
    """The client went away; generation stops at the next token."""


class ModelGate:
    """FIFO admission: at most `concurrency` run, at most `max_waiting` wait, the rest get 503."""

    def __init__(self, concurrency: int = 1, max_waiting: int = 8):
        self.concurrency, self.max_waiting = concurrency, max_waiting
        self._cond = threading.Condition()
        self._waiting: deque = deque()
        self._active = 0

    @property
    def waiting(self) -> int:
        return len(self._waiting)

    @contextmanager
    def slot(self):
        with self._cond:
            if self._active >= self.concurrency and len(self._waiting) >= self.max_waiting:
                raise QueueFull(f"{len(self._waiting)} requests already waiting for the model")
            ticket = object()
            self._waiting.append(ticket)
            while self._active >= self.concurrency or self._waiting[0] is not ticket:
                self._cond.wait()
            self._waiting.popleft()
            self._active += 1
        try:
            yield
        finally:
            with self._cond:
                self._active -= 1
                self._cond.notify_all()
