"""Scale-out on Celery + Redis: the same summarize task, on as many workers as you start.

Tasks ack late and are rejected when their worker dies, so a killed worker's item goes back to
the queue (after the broker's visibility timeout). Task ids are `RUN:ITEM`; a worker that gets an
id whose result is already stored returns it instead of recomputing.
"""
from __future__ import annotations

import json
import time
from pathlib import Path

from celery import Celery, shared_task

from service.batch.runner import (
    BatchParams, Progress, finish_run, report_progress, start_run, summarize_item,
)
from service.settings import Settings, get_settings

RESULT_TTL_S = 7 * 24 * 3600


def make_celery(settings: Settings) -> Celery:
    app = Celery("newsdesk", broker=settings.broker_url, backend=settings.broker_url)
    app.conf.update(
        task_acks_late=True, task_reject_on_worker_lost=True, worker_prefetch_multiplier=1,
        task_serializer="json", result_serializer="json", accept_content=["json"], result_expires=RESULT_TTL_S,
        broker_connection_retry_on_startup=True, worker_hijack_root_logger=False,
        broker_transport_options={"visibility_timeout": settings.celery_visibility_timeout},
        result_backend_transport_options={"visibility_timeout": settings.celery_visibility_timeout},
    )
    return app


_apps: dict[str, Celery] = {}


def celery_app(settings: Settings | None = None) -> Celery:
    """The app for these settings' broker, made on first use (importing this module connects to
    nothing); the task below is shared, so every app made here knows it."""
    settings = settings or get_settings()
    if settings.broker_url not in _apps:
        _apps[settings.broker_url] = make_celery(settings)
    return _apps[settings.broker_url]


def _worker_context():
    """Each worker opens the shared index (Chroma server or a shared data dir) and its LLM once."""
    from service.container import get_container

    return get_container(get_settings()).context()


def _redis():
    import redis

    return redis.Redis.from_url(get_settings().broker_url)


@shared_task(bind=True, name="newsdesk.summarize", max_retries=2, default_retry_delay=2)
def summarize_task(self, kind: str, item_id: str) -> dict:
    key = f"newsdesk:result:{self.request.id}"
    r = _redis()
    cached = r.get(key)
    if cached:  # a re-enqueued item that already finished is not recomputed
        return json.loads(cached)
    r.set(f"newsdesk:started:{self.request.id}", json.dumps({"at": time.time(), "worker": self.request.hostname}),
          ex=RESULT_TTL_S)
    try:
        result = summarize_item(_worker_context(), kind, item_id)
    except Exception as exc:
        raise self.retry(exc=exc)
    r.set(key, json.dumps(result), ex=RESULT_TTL_S)
    return result


def run_celery(ctx, params: BatchParams, progress: Progress | None = None, poll_s: float = 0.5,
               timeout_s: float = 3600) -> dict:
    """Enqueue the run's unfinished items and collect results into the same checkpoint and outputs."""
    from celery.result import AsyncResult

    app = celery_app(ctx.settings)
    cp, run_id = start_run(ctx, params)
    pending: dict[str, AsyncResult] = {}
    for kind, item_id in cp.todo(run_id):
        task_id = f"{run_id}:{item_id}"
        existing = AsyncResult(task_id, app=app)
        pending[item_id] = existing if existing.state in ("SUCCESS", "STARTED", "RETRY") else \
            app.send_task("newsdesk.summarize", args=[kind, item_id], task_id=task_id)
    deadline = time.time() + timeout_s
    started = {item_id: time.time() for item_id in pending}
    while pending and time.time() < deadline:
        for item_id, res in list(pending.items()):
            if res.state == "SUCCESS":
                cp.done(run_id, item_id, res.get(), time.time() - started[item_id])
                del pending[item_id]
            elif res.state == "FAILURE":
                cp.failed(run_id, item_id, str(res.result))
                del pending[item_id]
        report_progress(cp, run_id, progress)
        if pending:
            time.sleep(poll_s)
    if pending:
        raise TimeoutError(f"{len(pending)} items still pending after {timeout_s}s; run again to resume")
    return finish_run(cp, run_id, Path(params.out))
