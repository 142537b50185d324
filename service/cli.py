"""`newsdesk`: a small CLI over the same service functions HTTP, Slack and batch use.

Every command that prints has `--json` for scripts.
"""
from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Any

import click
from rich.console import Console
from rich.table import Table

from index.sqlite import ReadOnlyError, writable
from service.settings import Settings, get_settings

console = Console(stderr=False, highlight=False)
err = Console(stderr=True, highlight=False, soft_wrap=True)


def _settings() -> Settings:
    return get_settings()


def _container():
    from service.container import get_container

    return get_container(_settings())


def _store():
    store = _container().store
    _print_repairs(store.repairs)
    store.repairs = []
    return store


def _print_repairs(lines: list[str]) -> None:
    for line in lines:
        err.print(f"[yellow]repaired[/]: {line}")


def _require_writable(what: str) -> None:
    data_dir = _settings().data_dir
    if not writable(data_dir):
        raise ReadOnlyError(f"the data dir {data_dir} is read-only: {what} needs to write there "
                            "(set NEWSDESK_DATA_DIR to a writable folder)")


class _Group(click.Group):
    """Errors a user can act on are one line, never a traceback."""

    def invoke(self, ctx):
        try:
            return super().invoke(ctx)
        except ReadOnlyError as exc:
            err.print(f"[red]read-only:[/] {exc}")
            sys.exit(2)


def _print_json(data: Any) -> None:
    click.echo(json.dumps(data, ensure_ascii=False, indent=2, default=str))


@click.group(cls=_Group, context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(package_name="newsdesk")
def main() -> None:
    """newsdesk: ask questions of news articles and check every cited sentence.

    \b
    Examples:
      newsdesk ingest demo/corpus
      newsdesk search "Who leads the drivers' union?" --k 3
      newsdesk config
    """


@main.command()
@click.option("--json", "as_json", is_flag=True, help="Print JSON.")
def config(as_json: bool) -> None:
    """Show the effective settings, the models in use and whether their files are present.

    \b
    Example:
      NEWSDESK_DATA_DIR=/tmp/nd newsdesk config
    """
    from service.diagnostics import describe

    info = describe(_settings())
    if as_json:
        _print_json(info)
        return
    table = Table(title="settings", show_header=True)
    table.add_column("setting")
    table.add_column("value")
    for key, value in info["settings"].items():
        table.add_row(key, str(value))
    console.print(table)
    models = Table(title="models and files", show_header=True)
    for col in ("component", "what", "where", "present"):
        models.add_column(col)
    for item in info["components"]:
        models.add_row(item["component"], item["what"], str(item.get("where") or "-"),
                       "[green]yes[/]" if item["present"] else "[red]no[/]")
    console.print(models)


@main.command()
@click.argument("paths", nargs=-1, required=True)
@click.option("--json", "as_json", is_flag=True, help="Print the report as JSON.")
def ingest(paths: tuple[str, ...], as_json: bool) -> None:
    """Ingest files, folders (recursively) and globs: txt, md, html, json, jsonl.

    Re-running is safe: unchanged articles are skipped, changed ones replaced; an
    interrupted run resumes where it stopped. Exit code 1 when any item failed.

    \b
    Examples:
      newsdesk ingest demo/corpus
      newsdesk ingest 'feeds/**/*.jsonl' article.html
    """
    from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn

    from service.ingest import ingest_paths

    settings = _settings()
    store = _store()
    store.require_writable("ingest")
    _print_repairs(store.reconcile(full=True))  # drift no journal saw (an older version, a restored backup)
    with Progress(TextColumn("[bold]ingest"), BarColumn(), MofNCompleteColumn(),
                  TimeElapsedColumn(), TextColumn("{task.description}"),
                  console=err, transient=as_json, disable=not err.is_terminal and as_json) as bar:
        task = bar.add_task("", total=None)

        def progress(done: int, total: int, what: str) -> None:
            bar.update(task, completed=done, total=total, description=what[-50:])

        report = ingest_paths(store, list(paths), int(settings.max_file_mb * 1e6), progress)
    if as_json:
        _print_json(report.as_dict())
    else:
        for failure in report.failed:
            err.print(f"[red]failed[/] {failure.where}: {failure.reason}")
        console.print(f"added {len(report.added)} · updated {len(report.updated)} · "
                      f"unchanged {len(report.unchanged)} · duplicate {len(report.duplicate)} · "
                      f"failed {len(report.failed)} · "
                      f"chunks written {report.chunks} · {report.seconds:.1f}s", soft_wrap=True)
        if report.interrupted:
            err.print("[yellow]interrupted[/]: run the same command again to resume")
    sys.exit(0 if report.ok else (130 if report.interrupted else 1))


@main.command(name="list")
@click.option("--json", "as_json", is_flag=True, help="Print JSON.")
def list_articles(as_json: bool) -> None:
    """List indexed articles: id, title, source, date, chunks."""
    rows = _store().list_articles()
    if as_json:
        _print_json([r.model_dump() for r in rows])
        return
    table = Table(show_header=True)
    for col in ("id", "title", "source", "published", "chunks"):
        table.add_column(col, overflow="fold")
    for r in rows:
        table.add_row(r.id, r.title, r.source or "-", r.published or "-", str(r.chunks))
    console.print(table)
    console.print(f"{len(rows)} articles")


@main.command()
@click.argument("article_id")
@click.option("--json", "as_json", is_flag=True, help="Print JSON.")
def delete(article_id: str, as_json: bool) -> None:
    """Remove one article and all its chunks from the index."""
    removed = _store().delete(article_id)
    if as_json:
        _print_json({"id": article_id, "deleted": removed})
    elif removed:
        console.print(f"deleted {article_id}")
    else:
        err.print(f"[red]no article with id[/] {article_id}")
    sys.exit(0 if removed else 1)


def filter_options(command):
    """--source / --since / --until, shared by every command that retrieves."""
    command = click.option("--until", help="Only articles published on or before this date.")(command)
    command = click.option("--since", help="Only articles published on or after this date (YYYY-MM-DD).")(command)
    return click.option("--source", help="Only this outlet.")(command)


def _filters(source: str | None, since: str | None, until: str | None):
    from index.load import parse_date
    from index.retrieve import Filters

    def as_date(value: str | None, name: str) -> str | None:
        if value is None:
            return None
        parsed = parse_date(value)
        if parsed is None:
            raise click.BadParameter(f"not a date: {value!r} (use YYYY-MM-DD)", param_hint=name)
        return parsed

    return Filters(source=source, since=as_date(since, "--since"), until=as_date(until, "--until"))


@main.command()
@click.argument("query")
@click.option("--k", type=click.IntRange(1, 50), default=None, help="How many chunks (default: setting).")
@filter_options
@click.option("--json", "as_json", is_flag=True, help="Print a JSON list.")
def search(query: str, k: int | None, source: str | None, since: str | None, until: str | None,
           as_json: bool) -> None:
    """Hybrid search (dense + BM25) over the indexed chunks.

    \b
    Examples:
      newsdesk search "dam spillway crack"
      newsdesk search "strike" --source "Coastline Post" --since 2026-06-01 --json
    """
    from service.search import search_chunks

    settings = _settings()
    hits = search_chunks(_store(), settings, query, k=k, filters=_filters(source, since, until))
    if as_json:
        _print_json([h.model_dump(exclude={"dense_score", "bm25_score"}) for h in hits])
        return
    if not hits:
        console.print("nothing relevant found")
    for n, h in enumerate(hits, start=1):
        console.print(f"[bold]{n}. {h.title}[/] — {h.source or 'unknown source'}, "
                      f"{h.published or 'undated'}  [dim]score {h.score:.4f} · cos {h.dense_score:.2f}[/]")
        console.print(f"   [dim]{h.article_id} [{h.start}:{h.end}][/]")
        console.print(f"   {h.text}\n")


def _context(llm: bool = True):
    """`llm=False` for coordinators whose workers hold the model: the LLM is never loaded."""
    _store()  # repairs are printed first
    return _container().context(llm=llm)


def print_answer(answer) -> None:
    """The checked answer and its numbered, quoted sources."""
    if answer.abstained:
        console.print(f"[bold]{answer.answer}[/]")
    else:
        console.print(f"[bold]Checked answer:[/] {answer.answer}")
    for c in answer.citations:
        meta = ", ".join(x for x in (c.source, c.published) if x)
        console.print(f"  [{c.id}] {c.title} — {meta or 'unknown source'}" + (f" <{c.url}>" if c.url else ""))
        console.print(f"      [dim]“{c.quote}” ({c.article_id} {c.start}:{c.end})[/]")
    for conflict in answer.conflicts:
        console.print(f"  [yellow]sources differ[/] on {conflict.about}")
    for sentence in answer.unsupported_sentences:
        console.print(f"  [red]removed, no source supports it:[/] {sentence}")
    t = answer.timings_ms
    console.print(f"[dim]{answer.model} · retrieve {t.get('retrieve', 0):.0f} ms · generate "
                  f"{t.get('generate', 0):.0f} ms · verify {t.get('verify', 0):.0f} ms[/]")


@main.command()
@click.argument("question")
@click.option("--k", type=click.IntRange(1, 20), default=None, help="Chunks given to the model.")
@filter_options
@click.option("--json", "as_json", is_flag=True, help="Print exactly one JSON object.")
def ask(question: str, k: int | None, source: str | None, since: str | None, until: str | None,
        as_json: bool) -> None:
    """Answer a question from the indexed articles, every citation checked.

    \b
    Examples:
      newsdesk ask "How many people were evacuated from Ashford Vale?"
      newsdesk ask "Who leads the drivers' union?" --json
    """
    from service.ask import answer_question
    from service.llm import LLMError
    from service.modelfiles import ModelFileError

    filters = _filters(source, since, until)
    try:
        ctx = _context()
        if as_json:
            answer = answer_question(ctx, question, k=k, filters=filters)
            _print_json(answer.model_dump(exclude={"standalone_question"}))
            return
        answer = answer_question(ctx, question, k=k, filters=filters, on_token=lambda piece: console.print(
            piece, end="", markup=False, style="dim", soft_wrap=True))
        console.print("\n")
    except (ModelFileError, LLMError) as exc:
        err.print(f"[red]error:[/] {exc}")
        sys.exit(2)
    print_answer(answer)


def _story_book():
    _store()  # repairs are printed first
    return _container().stories


@main.command()
@click.option("--json", "as_json", is_flag=True, help="Print a JSON list.")
def stories(as_json: bool) -> None:
    """List stories: the same event told by several outlets, with how many conflicts each has.

    \b
    Example:
      newsdesk stories --json
    """
    items = _story_book().stories()
    if as_json:
        _print_json([{"id": s.id, "title": s.title, "articles": [a.model_dump() for a in s.articles],
                      "conflicts": s.conflicts, "near_duplicates": s.near_duplicates} for s in items])
        return
    for s in items:
        flag = f" · [yellow]{s.conflicts} conflicts[/]" if s.conflicts else ""
        console.print(f"[bold]{s.id}[/] {s.title} · {len(s.articles)} articles{flag}")
        for a in s.articles:
            console.print(f"    {a.published or '-'}  {a.source or '-'}: {a.title}  [dim]{a.id}[/]")


@main.command()
@click.argument("story_id")
@click.option("--json", "as_json", is_flag=True, help="Print a JSON list.")
def conflicts(story_id: str, as_json: bool) -> None:
    """Where the outlets of one story disagree: names, numbers, dates, roles, with both quotes."""
    book = _story_book()
    story = book.get(story_id)
    if story is None:
        err.print(f"[red]no story with id[/] {story_id} (see `newsdesk stories`)")
        sys.exit(1)
    found = book.conflicts_of(story)
    if as_json:
        _print_json([c.model_dump() for c in found])
        return
    if not found:
        console.print("no conflicts: the outlets agree on names, numbers, dates and roles")
    for c in found:
        console.print(f"[yellow]{c.about}[/] ({'update: the later report changes it' if c.relation == 'update' else c.relation})")
        for v in c.versions:
            when = f"{v.published}, " if v.published else ""
            console.print(f"    {v.source or v.article_id}: “{v.text}” [dim]({when}{v.article_id} {v.start}:{v.end})[/]")


@main.command()
@click.argument("article_id", required=False)
@click.option("--story", "story_id", help="Summarise a whole story instead of one article.")
@click.option("--json", "as_json", is_flag=True, help="Print one JSON object.")
def summarize(article_id: str | None, story_id: str | None, as_json: bool) -> None:
    """Summarise an article or a story; every sentence cited and checked.

    \b
    Examples:
      newsdesk summarize tech-tribune-lumenix-plant
      newsdesk summarize --story s-ab6e99805c --json
    """
    from service.summarize import NotFound, TooLong, summarize_article, summarize_story

    if bool(article_id) == bool(story_id):
        raise click.UsageError("give an ARTICLE_ID or --story STORY_ID")
    try:
        ctx = _context()
        result = summarize_story(ctx, story_id) if story_id else summarize_article(ctx, article_id)
    except (NotFound, TooLong) as exc:
        err.print(f"[red]{exc}[/]")
        sys.exit(1)
    if as_json:
        _print_json(result.model_dump())
        return
    console.print(f"[bold]Summary:[/] {result.summary}")
    for c in result.citations:
        console.print(f"  [{c.id}] {c.source or '-'}, {c.published or '-'}: [dim]“{c.quote}”[/]")
    dropped = [s.text for s in result.sentences if not s.supported]
    for text in dropped:
        console.print(f"  [red]removed, no source supports it:[/] {text}")


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
    import uvicorn

    from service.api.app import create_app

    settings = _settings()
    _require_writable("serve (uploads, chat sessions)")
    local = host in ("127.0.0.1", "localhost", "::1")
    if not local and not settings.api_key_list and not allow_unauthenticated:
        err.print(f"[red]refusing to listen on {host} without API keys[/]: set NEWSDESK_API_KEYS, "
                  "or pass --allow-unauthenticated")
        sys.exit(2)
    uvicorn.run(create_app(settings), host=host, port=port, log_level="warning")


@main.command()
@click.option("--socket", is_flag=True, help="Socket Mode (needs NEWSDESK_SLACK_APP_TOKEN); no public URL needed.")
@click.option("--host", default="127.0.0.1", show_default=True)
@click.option("--port", default=3000, show_default=True, type=int)
def slack(socket: bool, host: str, port: int) -> None:
    """Run the Slack bot: Socket Mode, or HTTP mode (the API app with /slack/events).

    \b
    Examples:
      NEWSDESK_SLACK_BOT_TOKEN=xoxb-… NEWSDESK_SLACK_APP_TOKEN=xapp-… newsdesk slack --socket
      NEWSDESK_SLACK_BOT_TOKEN=xoxb-… NEWSDESK_SLACK_SIGNING_SECRET=… newsdesk slack --port 3000
    """
    settings = _settings()
    _require_writable("the Slack bot (its event ledger, chat sessions)")
    if not settings.slack_bot_token:
        err.print("[red]the Slack bot is off[/]: set NEWSDESK_SLACK_BOT_TOKEN (and the signing secret or app token)")
        sys.exit(2)
    if socket:
        if not settings.slack_app_token:
            err.print("[red]Socket Mode needs NEWSDESK_SLACK_APP_TOKEN[/] (an xapp- app-level token)")
            sys.exit(2)
        from slack_bolt.adapter.socket_mode import SocketModeHandler

        from service.api.app import create_app
        from service.slack.bot import build_slack_app

        bot = build_slack_app(create_app(settings).state.newsdesk, socket_mode=True)
        SocketModeHandler(bot, settings.slack_app_token.get_secret_value()).start()
        return
    if not settings.slack_signing_secret:
        err.print("[red]HTTP mode needs NEWSDESK_SLACK_SIGNING_SECRET[/]")
        sys.exit(2)
    import uvicorn

    from service.api.app import create_app

    uvicorn.run(create_app(settings), host=host, port=port, log_level="warning")


@main.group()
def batch() -> None:
    """Batch summaries: resumable local runs, or scale-out on Celery workers."""


@batch.command(name="summarize")
@click.option("--articles", "kind", flag_value="articles", default=True, help="One summary per article (default).")
@click.option("--stories", "kind", flag_value="stories", help="One summary per story.")
@click.option("--since", help="Only articles published on or after this date.")
@click.option("--source", help="Only this outlet.")
@click.option("--out", "out_dir", default="batch-out", show_default=True, type=click.Path(file_okay=False))
@click.option("--concurrency", default=1, show_default=True, type=click.IntRange(1, 64),
              help="Items at once (1 for the local model; more for a remote server).")
@click.option("--backend", type=click.Choice(["local", "celery"]), default="local", show_default=True)
@click.option("--resume", "resume_id", help="Resume RUN_ID (the same command resumes too).")
@click.option("--json", "as_json", is_flag=True, help="Print the final status as JSON.")
def batch_summarize(kind, since, source, out_dir, concurrency, backend, resume_id, as_json) -> None:
    """Summarise every selected article or story into OUT/summaries.jsonl and OUT/digest.md.

    Interrupted runs resume: run the same command again (or pass --resume RUN_ID).

    \b
    Examples:
      newsdesk batch summarize --stories --out digest/
      newsdesk batch summarize --since 2026-06-01 --backend celery --out digest/
    """
    from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeRemainingColumn

    from service.batch.runner import BatchParams, Checkpoint

    params = BatchParams(kind=kind, since=_filters(None, since, None).since, source=source, out=out_dir)
    if resume_id:
        try:
            saved = Checkpoint(Path(out_dir)).status(resume_id)["params"]
        except LookupError as exc:
            err.print(f"[red]{exc}[/]")
            sys.exit(1)
        params = BatchParams(**saved)
    ctx = _context() if backend == "local" else _context(llm=False)
    with Progress(TextColumn(f"[bold]{params.run_id()}"), BarColumn(), MofNCompleteColumn(),
                  TextColumn("failed {task.fields[failed]}"), TimeRemainingColumn(), console=err) as bar:
        task = bar.add_task("", total=None, failed=0)

        def progress(done: int, failed: int, total: int) -> None:
            bar.update(task, completed=done + failed, total=total, failed=failed)

        if backend == "celery":
            from service.batch.celery_app import run_celery

            status = run_celery(ctx, params, progress)
        else:
            from service.batch.runner import run_local

            status = run_local(ctx, params, concurrency, progress)
    if as_json:
        _print_json(status)
    else:
        console.print(f"{status['run_id']}: {status['done']}/{status['total']} done, {status['failed']} failed · "
                      f"{Path(out_dir) / 'digest.md'}", soft_wrap=True)
    sys.exit(1 if status["failed"] else 0)


@batch.command(name="status")
@click.argument("run_id")
@click.option("--out", "out_dir", default="batch-out", show_default=True, type=click.Path(file_okay=False))
@click.option("--json", "as_json", is_flag=True)
def batch_status(run_id: str, out_dir: str, as_json: bool) -> None:
    """Progress of a run, also while it is running."""
    from service.batch.runner import Checkpoint

    try:
        status = Checkpoint(Path(out_dir)).status(run_id)
    except LookupError as exc:
        err.print(f"[red]{exc}[/]")
        sys.exit(1)
    if as_json:
        _print_json(status)
        return
    state = "finished" if status["finished"] else "running or interrupted"
    console.print(f"{run_id} ({state}): {status['done']} done, {status['failed']} failed, "
                  f"{status['pending']} pending of {status['total']}")
    for e in status["errors"]:
        console.print(f"  [red]{e['item']}[/] after {e['attempts']} attempts: {e['error']}")


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
    celery_app.worker_main(argv)


@main.command(name="eval")
@click.argument("setfile", required=False, type=click.Path(dir_okay=False))
@click.option("--model", help="LLM model (a bundled name, a .gguf path, or the remote model name).")
@click.option("--k", type=click.IntRange(1, 20), default=None, help="Chunks per question.")
@click.option("--out", "out_dir", type=click.Path(file_okay=False), help="Report folder (default eval/reports/SET).")
@click.option("--data-dir", type=click.Path(file_okay=False), help="Reuse this index instead of a fresh one.")
@click.option("--compare", nargs=2, type=click.Path(file_okay=False, exists=True), metavar="OLD NEW",
              help="Compare two report folders instead of running.")
@click.option("--baseline", type=click.Choice(["plain"]), default=None,
              help="Also run a plain-RAG baseline (same hits, same model, whole chunks, no verifier) "
                   "and lead-3 summaries, side by side in the report.")
@click.option("--only-failed", type=click.Path(file_okay=False, exists=True), metavar="REPORT",
              help="Re-run only the questions that failed in an earlier report folder (a quick check of a fix).")
@click.option("--json", "as_json", is_flag=True, help="Print the aggregate as JSON.")
def eval_command(setfile, model, k, out_dir, data_dir, compare, baseline, only_failed, as_json) -> None:
    """Check answers and summaries against hand-labelled facts; exit 1 when a threshold is missed.

    A set with `pairs:` measures the citation verifier alone (precision/recall of its verdicts); a
    set with `groups:` measures stories and conflicts (pairwise clustering and conflict precision/recall).
    Sets over a corpus outside the repository (`optional: true`) are skipped when it is absent.

    \b
    Examples:
      newsdesk eval eval/sets/seeds.yaml
      newsdesk eval eval/sets/bbc.yaml --baseline plain
      newsdesk eval eval/sets/verifier_bbc.yaml
      newsdesk eval eval/sets/stories_bbc.yaml --data-dir /tmp/bbc-all
      newsdesk eval eval/sets/demo.yaml --model qwen2.5-coder-0.5b --out /tmp/demo-small
      newsdesk eval --compare eval/reports/demo /tmp/demo-small
    """
    from eval.metrics import compare as compare_runs
    from eval.schema import CorpusMissing, SetError, load_set
    from eval.stories import is_story_set
    from eval.verifier_pairs import is_pair_set

    if compare:
        old, new = (json.loads((Path(d) / "metrics.json").read_text()) for d in compare)
        rows = compare_runs(old, new)
        if as_json:
            _print_json([{"metric": m, "old": a, "new": b, "verdict": v} for m, a, b, v in rows])
            return
        table = Table(show_header=True)
        for col in ("metric", "old", "new", "change"):
            table.add_column(col)
        colour = {"better": "green", "worse": "red"}
        for m, a, b, v in rows:
            table.add_row(m, "–" if a is None else f"{a:.3f}", "–" if b is None else f"{b:.3f}",
                          f"[{colour.get(v, 'dim')}]{v}[/]")
        console.print(table)
        return
    if not setfile:
        raise click.UsageError("give a SETFILE, or --compare OLD NEW")
    from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeRemainingColumn

    from eval.harness import run_eval

    try:
        if is_pair_set(Path(setfile)):
            return _eval_pairs(Path(setfile), out_dir, as_json)
        if is_story_set(Path(setfile)):
            return _eval_stories(Path(setfile), out_dir, data_dir, as_json)
        eset = load_set(Path(setfile))
    except CorpusMissing as exc:
        err.print(f"[yellow]skipped:[/] {exc} (this set reads a corpus kept outside the repository)")
        return
    except SetError as exc:
        err.print(f"[red]invalid set:[/] {exc}")
        sys.exit(2)
    settings = _settings()
    if model:
        settings = settings.model_copy(update={"llm_model": model})
    if only_failed:
        failed = {r["question"] for r in map(json.loads, (Path(only_failed) / "results.jsonl").open(encoding="utf-8"))
                  if r["kind"] == "question" and not r["score"]["passed"]}
        eset = eset.model_copy(update={"items": [i for i in eset.items if i.question in failed], "summaries": []})
        if not eset.items:
            console.print("no failed questions in that report")
            return
    out = Path(out_dir) if out_dir else Path("eval/reports") / eset.name
    with Progress(TextColumn("[bold]eval"), BarColumn(), MofNCompleteColumn(), TimeRemainingColumn(),
                  TextColumn("{task.description}"), console=err) as bar:
        task = bar.add_task("", total=len(eset.items) + len(eset.summaries))
        agg = run_eval(eset, settings, out, k=k, data_dir=Path(data_dir) if data_dir else None,
                       progress=lambda n, total, what: bar.update(task, completed=n, description=what[:50]),
                       baseline=baseline)
    if as_json:
        _print_json(agg)
    else:
        base = agg.get("baseline")
        if base:
            console.print(f"{'metric':28} {'newsdesk':>8} {base['name'] + ' baseline':>16}")
        for name, value in agg["metrics"].items():
            other = base["metrics"].get(name) if base else None
            if value is not None or other is not None:
                cells = f"{'–' if value is None else f'{value:.3f}':>8}"
                if base:
                    cells += f" {'–' if other is None else f'{other:.3f}':>16}"
                console.print(f"{name:28} {cells}" + (f"  (threshold {agg['thresholds'][name]})"
                                                      if name in agg["thresholds"] else ""))
        if base:
            console.print(f"baseline: {base['passed']}/{base['items']} questions passed")
        console.print(f"{agg['passed']}/{agg['items']} questions passed · report: {out / 'report.md'}")
        for miss in agg["misses"]:
            err.print(f"[red]threshold missed:[/] {miss}")
    sys.exit(1 if agg["misses"] else 0)


def _eval_pairs(path: Path, out_dir: str | None, as_json: bool) -> None:
    from rich.progress import Progress

    from eval.verifier_pairs import load_pair_set, run_pairs
    from service.components import build_embeddings

    pset = load_pair_set(path)
    settings = _settings()
    out = Path(out_dir) if out_dir else Path("eval/reports") / pset.name
    with Progress(console=err, transient=True) as bar:
        bar.add_task(f"checking {len(pset.pairs)} claims", total=None)
        agg = run_pairs(pset, settings, build_embeddings(settings).embed_documents, out)
    if as_json:
        _print_json(agg)
        return
    for who, m in (("newsdesk verifier", agg), ("cosine-only baseline", agg["baseline"])):
        console.print(f"{who:22} precision {m['precision']}  recall {m['recall']}  accuracy {m['accuracy']}")
    console.print(f"{agg['pairs']} pairs · report: {out / 'report.md'}")


def _eval_stories(path: Path, out_dir: str | None, data_dir: str | None, as_json: bool) -> None:
    from rich.progress import Progress

    from eval.schema import SetError
    from eval.stories import load_story_set, run_stories

    sset = load_story_set(path)
    out = Path(out_dir) if out_dir else Path("eval/reports") / sset.name
    try:
        with Progress(console=err, transient=True) as bar:
            task = bar.add_task("stories", total=None)
            agg = run_stories(sset, _settings(), out, data_dir=Path(data_dir) if data_dir else None,
                              progress=lambda what: bar.update(task, description=what))
    except (SetError, RuntimeError) as exc:
        err.print(f"[red]cannot evaluate:[/] {exc}")
        sys.exit(2)
    if as_json:
        _print_json(agg)
    else:
        c, k = agg["clustering"], agg["conflicts"]
        console.print(f"{'grouping':34} {'precision':>9} {'recall':>7} {'stories≥2':>9} {'largest':>7}")
        for who, m in (("newsdesk", c), *((f"baseline: {n}", b) for n, b in agg["baselines"].items())):
            console.print(f"{who:34} {m['precision']!s:>9} {m['recall']!s:>7} {m['stories_2plus']:>9} {m['largest']:>7}")
        console.print(f"conflicts: {k['reported']} reported, {k['right']} match a label (precision {k['precision']}), "
                      f"{k['labels_found']}/{k['labelled']} labels found (recall {k['recall']})")
        console.print(f"timings (s): {agg['timings_s']} · report: {out / 'report.md'}")
        for miss in agg["misses"]:
            err.print(f"[red]threshold missed:[/] {miss}")
    sys.exit(1 if agg["misses"] else 0)


if __name__ == "__main__":
    main()
