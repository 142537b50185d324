"""The model gate (one slot, fair queue, a full queue refuses) and the per-client rate limiter,
directly; and the container that builds each backend once per process."""
from __future__ import annotations

import threading
import time

import pytest

from service.api.limits import RateLimiter
from service.gate import ModelGate, QueueFull


def test_gate_admits_in_arrival_order_and_refuses_beyond_the_queue():
    gate = ModelGate(concurrency=1, max_waiting=3)
    order, release = [], threading.Event()

    def holder():
        with gate.slot():
            release.wait(10)

    def waiter(n):
        with gate.slot():
            order.append(n)

    first = threading.Thread(target=holder)
    first.start()
    while gate._active == 0:
        time.sleep(0.01)
    waiters = []
    for n in range(3):
        t = threading.Thread(target=waiter, args=(n,))
        t.start()
        waiters.append(t)
        while gate.waiting < n + 1:  # each one queued before the next arrives
            time.sleep(0.01)
    with pytest.raises(QueueFull, match="3 requests already waiting"):
        with gate.slot():
            pass
    release.set()
    for t in [first, *waiters]:
        t.join(10)
    assert order == [0, 1, 2]
    with gate.slot():  # free again
        assert gate.waiting == 0


def test_rate_limiter_is_a_bucket_per_client():
    limiter = RateLimiter(per_minute=3)
    assert [limiter.check("a") for _ in range(3)] == [0.0, 0.0, 0.0]
    wait = limiter.check("a")
    assert 1.0 <= wait <= 20.0
    assert limiter.check("b") == 0.0  # another client has its own bucket
    assert RateLimiter(per_minute=0).check("a") == 0.0  # 0 turns limiting off


def test_container_builds_each_backend_once_and_serves_every_surface(tmp_path):
    from conftest import make_settings
    from service.api.app import create_app
    from service.container import get_container, reset_containers

    settings = make_settings(tmp_path / "data")
    try:
        c = get_container(settings)
        assert get_container(settings.model_copy()) is c  # equal settings: the same container
        assert c.store is c.store and c.stories is c.stories and c.sessions is c.sessions
        ctx = c.context(llm=False)
        assert ctx.store is c.store and ctx.stories is c.stories and ctx.llm is None and not c.llm_loaded
        app = create_app(settings)
        assert app.state.newsdesk.container is c and app.state.newsdesk.gate is c.gate
        other = get_container(make_settings(tmp_path / "other"))
        assert other is not c and other.store is not c.store
    finally:
        reset_containers()
    assert get_container(settings) is not c  # reset: built afresh
    reset_containers()
