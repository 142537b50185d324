"""Commands that start long-running processes: serve, slack, worker, model-server."""
from __future__ import annotations

import sys

import click

from service.cli.main import current_settings, err, main, require_writable


@main.command()
@click.option("--host", default="127.0.0.1", show_default=True)
@click.option("--port", default=8000, show_default=True, type=int)
@click.option("--allow-unauthenticated", is_flag=True,
              help="Bind beyond localhost without API keys (NEWSDESK_API_KEYS). Not recommended.")
def serve(host: str, port: int, allow_unauthenticated: bool) -> None:
    """Start the HTTP API (OpenAI-compatible chat, ask, articles, stories, summaries).

    \b
    Examples:
      newsdesk serve --port 8000
      NEWSDESK_API_KEYS=secret newsdesk serve --host 0.0.0.0
    """
    settings = current_settings()
    require_writable("serve (uploads, chat sessions)")
    _run_http(settings, host, port, allow_unauthenticated)


def _run_http(settings, host: str, port: int, allow_unauthenticated: bool) -> None:
    """The one way the CLI serves HTTP: the app factory's access policy, and no proxy headers
    believed except from NEWSDESK_TRUSTED_PROXIES (the app reads them itself)."""
    import uvicorn

    from service.api.app import create_app
    from service.api.security import ExposureError

    if allow_unauthenticated:
        settings = settings.model_copy(update={"allow_unauthenticated": True})
    try:
        app = create_app(settings, host=host)
    except ExposureError as exc:
        err.print(f"[red]{exc}[/]")
        sys.exit(2)
    shown = f"[{host}]" if ":" in host else host
    err.print(f"newsdesk at http://{shown}:{port}/ (the web reader; the API under /v1) · Ctrl-C stops it")
    uvicorn.run(app, host=host, port=port, log_level="warning", proxy_headers=False)


@main.command()
@click.option("--socket", is_flag=True, help="Socket Mode (needs NEWSDESK_SLACK_APP_TOKEN); no public URL needed.")
@click.option("--host", default="127.0.0.1", show_default=True)
@click.option("--port", default=3000, show_default=True, type=int)
@click.option("--allow-unauthenticated", is_flag=True,
              help="Bind beyond localhost without API keys (the /v1 API is served too). Not recommended.")
def slack(socket: bool, host: str, port: int, allow_unauthenticated: bool) -> None:
    """Run the Slack bot: Socket Mode, or HTTP mode (the API app with /slack/events).

    \b
    Examples:
      NEWSDESK_SLACK_BOT_TOKEN=xoxb-… NEWSDESK_SLACK_APP_TOKEN=xapp-… newsdesk slack --socket
      NEWSDESK_SLACK_BOT_TOKEN=xoxb-… NEWSDESK_SLACK_SIGNING_SECRET=… newsdesk slack --port 3000
    """
    settings = current_settings()
    require_writable("the Slack bot (its event ledger, chat sessions)")
    if not settings.slack_bot_token:
        err.print("[red]the Slack bot is off[/]: set NEWSDESK_SLACK_BOT_TOKEN (and the signing secret or app token)")
        sys.exit(2)
    if socket:
        if not settings.slack_app_token:
            err.print("[red]Socket Mode needs NEWSDESK_SLACK_APP_TOKEN[/] (an xapp- app-level token)")
            sys.exit(2)
        from slack_bolt.adapter.socket_mode import SocketModeHandler

        from service.container import get_container
        from service.slack.bot import build_slack_app

        bot = build_slack_app(get_container(settings), socket_mode=True)
        SocketModeHandler(bot, settings.slack_app_token.get_secret_value()).start()
        return
    if not settings.slack_signing_secret:
        err.print("[red]HTTP mode needs NEWSDESK_SLACK_SIGNING_SECRET[/]")
        sys.exit(2)
    _run_http(settings, host, port, allow_unauthenticated)


@main.command()
@click.option("--concurrency", default=1, show_default=True, type=int, help="Tasks at once in this worker.")
@click.option("--name", default=None, help="Worker node name (default: celery@hostname).")
def worker(concurrency: int, name: str | None) -> None:
    """Start a Celery worker for batch summaries (broker: NEWSDESK_REDIS_URL).

    \b
    Example:
      NEWSDESK_REDIS_URL=redis://127.0.0.1:6379/0 NEWSDESK_CHROMA_URL=http://127.0.0.1:8001 newsdesk worker
    """
    from service.batch.celery_app import celery_app

    argv = ["worker", "--loglevel=INFO", f"--concurrency={concurrency}",
            "--pool=solo" if concurrency == 1 else "--pool=threads", "--without-gossip", "--without-mingle"]
    if name:
        argv.append(f"--hostname={name}")
    celery_app().worker_main(argv)


@main.command(name="model-server")
@click.option("--host", default="127.0.0.1", show_default=True)
@click.option("--port", default=8080, show_default=True, type=int)
def model_server(host: str, port: int) -> None:
    """Serve the local model over an OpenAI-compatible API (llama.cpp's server), so that API
    processes and workers on other machines share one model (NEWSDESK_LLM=openai there).

    \b
    Example:
      newsdesk model-server --port 8080
      NEWSDESK_LLM=openai NEWSDESK_LLM_BASE_URL=http://127.0.0.1:8080/v1 newsdesk serve
    """
    import os

    from service.models.files import resolve_local_model

    settings = current_settings()
    path = resolve_local_model(settings.llm_model, settings.models_dir)
    argv = [sys.executable, "-m", "llama_cpp.server", "--model", str(path), "--n_ctx", str(settings.llm_ctx),
            "--n_threads", str(settings.llm_threads), "--host", host, "--port", str(port),
            "--model_alias", settings.llm_model]
    if settings.llm_api_key:
        argv += ["--api_key", settings.llm_api_key.get_secret_value()]
    err.print(f"serving {path.name} as '{settings.llm_model}' at http://{host}:{port}/v1")
    os.execv(sys.executable, argv)
