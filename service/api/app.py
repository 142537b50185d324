"""The app factory: settings in, a FastAPI app out. Routers read like a table of contents."""
from __future__ import annotations

import json
import logging
import threading
import time
import uuid
from contextlib import asynccontextmanager

from fastapi import APIRouter, FastAPI, HTTPException, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse, PlainTextResponse
from starlette.exceptions import HTTPException as StarletteHTTPException

from service.api import ask, articles, openai_compat, stories
from service.api.deps import AppState, Authorized, State
from service.api.limits import rate_limiter
from service.web import mount_web
from service.api.security import BrowserGuard, allowed_hosts, check_exposure
from service.api.metrics import Metrics
from service.container import get_container
from service.settings import Settings, get_settings

log = logging.getLogger("newsdesk.http")


class JsonFormatter(logging.Formatter):
    def format(self, record: logging.LogRecord) -> str:
        data = {"ts": round(record.created, 3), "level": record.levelname.lower(), "msg": record.getMessage()}
        data.update(getattr(record, "fields", {}))
        return json.dumps(data, default=str)


def _configure_logging() -> None:
    if not any(isinstance(h.formatter, JsonFormatter) for h in log.handlers):
        handler = logging.StreamHandler()
        handler.setFormatter(JsonFormatter())
        log.addHandler(handler)
        log.setLevel(logging.INFO)
        log.propagate = False


health = APIRouter(tags=["health"])


@health.get("/healthz", summary="The process is up")
def healthz() -> dict:
    return {"status": "ok"}


@health.get("/readyz", summary="Models loaded and store reachable", responses={503: {"description": "not ready"}})
def readyz(state: State):
    checks = {}
    try:
        checks["store"] = {"ok": True, "articles": state.store.count()[0]}
    except Exception as exc:  # any backend failure means not ready
        checks["store"] = {"ok": False, "error": str(exc)}
    checks["llm"] = {"ok": state.llm_loaded, "model": state.settings.llm_model,
                     **({"error": state.warm_error} if state.warm_error else {})}
    ok = all(c["ok"] for c in checks.values())
    return JSONResponse({"ready": ok, "checks": checks}, status_code=200 if ok else 503)


@health.get("/metrics", summary="Prometheus metrics", response_class=PlainTextResponse)
def metrics(state: State) -> PlainTextResponse:
    return PlainTextResponse(state.metrics.render(), media_type="text/plain; version=0.0.4")


def _error(status: int, message, request: Request, **extra) -> JSONResponse:
    body = {"error": message, "status": status, "request_id": getattr(request.state, "request_id", None), **extra}
    return JSONResponse(body, status_code=status)


class BodyLimit:
    """Reject bodies over the limit before reading them all (pure ASGI: works for chunked uploads)."""

    def __init__(self, app, max_bytes: int):
        self.app, self.max_bytes = app, max_bytes

    async def __call__(self, scope, receive, send):
        if scope["type"] != "http":
            return await self.app(scope, receive, send)
        declared = dict(scope.get("headers") or []).get(b"content-length")
        if declared and declared.isdigit() and int(declared) > self.max_bytes:
            return await self._too_large(send)
        if declared is None and scope.get("method") in ("POST", "PUT", "PATCH"):
            # Chunked: read it all here, within the limit, so no endpoint's body parser can turn
            # "too large" into its own 400 or 500. The limit bounds what is held in memory.
            messages, size = [], 0
            while True:
                message = await receive()
                messages.append(message)
                if message["type"] != "http.request":
                    break
                size += len(message.get("body", b""))
                if size > self.max_bytes:
                    return await self._too_large(send)
                if not message.get("more_body"):
                    break
            replay = iter(messages)

            async def replayed():
                return next(replay, None) or await receive()

            return await self.app(scope, replayed, send)
        seen = 0

        async def limited():
            nonlocal seen
            message = await receive()
            if message["type"] == "http.request":
                seen += len(message.get("body", b""))
                if seen > self.max_bytes:
                    raise _TooLarge()
            return message

        try:
            await self.app(scope, limited, send)
        except _TooLarge:
            await self._too_large(send)

    async def _too_large(self, send):
        body = json.dumps({"error": f"request body over {self.max_bytes / 1e6:.1f} MB", "status": 413}).encode()
        await send({"type": "http.response.start", "status": 413,
                    "headers": [(b"content-type", b"application/json"), (b"content-length", str(len(body)).encode())]})
        await send({"type": "http.response.body", "body": body})


class _TooLarge(Exception):
    pass


def create_app(settings: Settings | None = None, host: str | None = None) -> FastAPI:
    """`host`: the address the server will bind (the CLI's --host); beyond loopback it needs keys."""
    settings = settings or get_settings()
    check_exposure(settings, host)
    _configure_logging()
    state = AppState(container=get_container(settings),
                     limiter=rate_limiter(settings.rate_limit_per_minute, settings.redis_url, "requests"),
                     metrics=Metrics(),
                     failed_auth=rate_limiter(settings.auth_failures_per_minute, settings.redis_url, "auth"))
    _ = state.sessions  # opened now: a data dir it cannot write fails at start, not at the first chat

    @asynccontextmanager
    async def lifespan(app: FastAPI):
        if settings.warm_on_start:
            threading.Thread(target=_warm, args=(state,), daemon=True).start()
        yield

    open_docs = settings.docs and not settings.api_key_list
    app = FastAPI(title="newsdesk", version="0.1.0", lifespan=lifespan,
                  docs_url="/docs" if open_docs else None, redoc_url=None,
                  openapi_url="/openapi.json" if open_docs else None,
                  description="Ask questions of news articles; every citation is checked against its source. "
                              "Send `Authorization: Bearer KEY` when the server has API keys.")
    app.state.newsdesk = state
    for router in (health, ask.router, openai_compat.router, articles.router, stories.router):
        app.include_router(router)
    if settings.docs and settings.api_key_list:
        _keyed_docs(app)
    _log_requests(app, state)
    _handle_errors(app, state)
    _mount_slack(app, state)
    mount_web(app)
    app.add_middleware(BodyLimit, max_bytes=int(settings.max_body_mb * 1e6))
    if settings.cors_origin_list:
        from fastapi.middleware.cors import CORSMiddleware

        app.add_middleware(CORSMiddleware, allow_origins=settings.cors_origin_list,
                           allow_methods=["*"], allow_headers=["authorization", "content-type"])
    app.add_middleware(BrowserGuard, hosts=allowed_hosts(settings, host), origins=settings.cors_origin_list)
    return app


def _keyed_docs(app: FastAPI) -> None:
    """With keys set, the schema and its docs page are behind a key like everything else."""
    from fastapi.openapi.docs import get_swagger_ui_html

    @app.get("/openapi.json", include_in_schema=False, dependencies=[Authorized])
    def openapi() -> dict:
        return app.openapi()

    @app.get("/docs", include_in_schema=False, dependencies=[Authorized])
    def docs():
        return get_swagger_ui_html(openapi_url="/openapi.json", title="newsdesk")


def _warm(state: AppState) -> None:
    """Everything the first request would otherwise wait for, done while the server already answers."""
    try:
        for line in state.store.reconcile(full=True):  # the journal is replayed on open
            log.warning("repaired", extra={"fields": {"what": line}})
        state.store.ensure_bm25()
        state.store.ensure_dense()  # the first search must not read every vector back from Chroma
        state.store.embeddings.embed_query("warm up")
        state.refresh_stories()
        _ = state.llm
    except Exception as exc:  # readyz reports it; the process stays up
        state.warm_error = str(exc)
        log.error("model warm-up failed", extra={"fields": {"error": str(exc)}})


def _log_requests(app: FastAPI, state: AppState) -> None:
    """A request id, metrics and one JSON log line per request."""
    @app.middleware("http")
    async def request_log(request: Request, call_next):
        request.state.request_id = request.headers.get("x-request-id") or uuid.uuid4().hex[:16]
        started = time.perf_counter()
        status = 500
        try:
            response = await call_next(request)
            status = response.status_code
            response.headers["X-Request-ID"] = request.state.request_id
            return response
        finally:
            route = request.scope.get("route")
            path = getattr(route, "path", "unmatched")
            elapsed = time.perf_counter() - started
            state.metrics.requests.labels(request.method, path, str(status)).inc()
            state.metrics.latency.labels(path).observe(elapsed)
            log.info("request", extra={"fields": {
                "request_id": request.state.request_id, "method": request.method, "path": request.url.path,
                "status": status, "ms": round(elapsed * 1000, 1),
                "client": request.client.host if request.client else None}})


def _handle_errors(app: FastAPI, state: AppState) -> None:
    """Every error is one JSON shape; a model that cannot run is a 503, never a traceback."""
    @app.exception_handler(RequestValidationError)
    async def validation_error(request: Request, exc: RequestValidationError):
        fields = [{"field": ".".join(str(p) for p in e["loc"] if p != "body") or "body", "message": e["msg"]}
                  for e in exc.errors()]
        return _error(422, "invalid request: " + "; ".join(f"{f['field']}: {f['message']}" for f in fields),
                      request, fields=fields)

    @app.exception_handler(StarletteHTTPException)
    async def http_error(request: Request, exc: HTTPException):
        response = _error(exc.status_code, exc.detail, request)
        for k, v in (exc.headers or {}).items():
            response.headers[k] = v
        return response

    @app.exception_handler(Exception)
    async def unexpected(request: Request, exc: Exception):
        from service.models.files import ModelFileError
        from service.models.llm import LLMError

        if isinstance(exc, (LLMError, ModelFileError)):
            state.metrics.errors.labels("model").inc()
            return _error(503, f"model unavailable: {exc}", request)
        state.metrics.errors.labels("internal").inc()
        log.exception("unhandled error", extra={"fields": {"request_id": getattr(request.state, "request_id", None)}})
        return _error(500, f"internal error ({type(exc).__name__})", request)


def _mount_slack(app: FastAPI, state: AppState) -> None:
    """Slack's HTTP mode at /slack/events: bolt checks signatures, so no API key is asked here."""
    from service.slack.bot import build_slack_app

    slack = build_slack_app(state.container)
    if slack is None:
        return
    from fastapi.concurrency import run_in_threadpool
    from slack_bolt.adapter.starlette.handler import to_bolt_request, to_starlette_response

    @app.post("/slack/events", tags=["slack"], summary="Slack Events API, interactivity and slash commands",
              include_in_schema=False)
    async def slack_events(request: Request):
        body = await request.body()
        response = await run_in_threadpool(slack.dispatch, to_bolt_request(request, body))
        return to_starlette_response(response)

    app.state.slack = slack
