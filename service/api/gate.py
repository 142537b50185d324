"""The local model is one shared resource: requests queue for it fairly, and a full queue says so."""
from __future__ import annotations

import math
import threading
import time
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


class RateLimiter:
    """A token bucket per client key: `per_minute` requests, refilled continuously."""

    def __init__(self, per_minute: int):
        self.rate = per_minute / 60.0
        self.capacity = float(per_minute)
        self._buckets: dict[str, tuple[float, float]] = {}
        self._lock = threading.Lock()

    def check(self, key: str) -> float:
        """0 when allowed, else seconds until the next request would be."""
        if self.rate <= 0:
            return 0.0
        now = time.monotonic()
        with self._lock:
            tokens, last = self._buckets.get(key, (self.capacity, now))
            tokens = min(self.capacity, tokens + (now - last) * self.rate)
            if tokens >= 1:
                self._buckets[key] = (tokens - 1, now)
                return 0.0
            self._buckets[key] = (tokens, now)
            return max(1.0, math.ceil((1 - tokens) / self.rate))
