"""Batch summaries: resumable local runs, or Celery workers."""
from __future__ import annotations

import sys
from pathlib import Path

import click

from service.cli.main import console, err, main, open_context, parse_filters, print_json
from service.settings import get_settings


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

    params = BatchParams(kind=kind, since=parse_filters(None, since, None).since, source=source, out=out_dir)
    if resume_id:
        try:
            saved = Checkpoint(Path(out_dir), get_settings().database).status(resume_id)["params"]
        except LookupError as exc:
            err.print(f"[red]{exc}[/]")
            sys.exit(1)
        params = BatchParams(**saved)
    ctx = open_context() if backend == "local" else open_context(llm=False)
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
        print_json(status)
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
        status = Checkpoint(Path(out_dir), get_settings().database).status(run_id)
    except LookupError as exc:
        err.print(f"[red]{exc}[/]")
        sys.exit(1)
    if as_json:
        print_json(status)
        return
    state = "finished" if status["finished"] else "running or interrupted"
    console.print(f"{run_id} ({state}): {status['done']} done, {status['failed']} failed, "
                  f"{status['pending']} pending of {status['total']}")
    for e in status["errors"]:
        console.print(f"  [red]{e['item']}[/] after {e['attempts']} attempts: {e['error']}")
