"""Running a blocking answer in a worker thread while an async response streams its events."""
from __future__ import annotations

import asyncio
import json
import queue
import threading
from collections.abc import AsyncIterator, Callable
from typing import Any

from fastapi import Request

from service.gate import Cancelled, ModelGate, QueueFull

_DONE = object()


class EventPump:
    """The worker calls `emit(event, data)`; the response iterates events; a disconnect cancels."""

    def __init__(self):
        self.q: queue.Queue = queue.Queue()
        self.cancelled = threading.Event()

    def emit(self, event: str, data: Any) -> None:
        if self.cancelled.is_set():
            raise Cancelled("client disconnected")
        self.q.put((event, data))

    def run(self, gate: ModelGate, work: Callable[["EventPump"], Any]) -> None:
        def target():
            try:
                with gate.slot():
                    result = work(self)
                self.q.put(("final", result))
            except Cancelled:
                pass
            except QueueFull as exc:
                self.q.put(("error", {"status": 503, "error": str(exc)}))
            except Exception as exc:  # reported to the client as an error event
                self.q.put(("error", {"status": 500, "error": f"{type(exc).__name__}: {exc}"}))
            finally:
                self.q.put(_DONE)

        threading.Thread(target=target, daemon=True).start()

    async def events(self, request: Request) -> AsyncIterator[tuple[str, Any]]:
        loop = asyncio.get_running_loop()
        finished = False
        try:
            while True:
                try:
                    item = await loop.run_in_executor(None, self.q.get, True, 0.25)
                except queue.Empty:
                    if await request.is_disconnected():
                        return
                    continue
                if item is _DONE:
                    finished = True
                    return
                yield item
        finally:
            # Closed early (client gone, or the server cancelled the response): stop generating.
            if not finished:
                self.cancelled.set()


def sse(event: str, data: Any) -> str:
    return f"event: {event}\ndata: {json.dumps(data, ensure_ascii=False, default=str)}\n\n"
