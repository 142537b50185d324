"""Commands over the article index: config, ingest, list, delete, search."""
from __future__ import annotations

import sys

import click
from rich.table import Table

from service.cli.main import (
    console, current_settings, err, filter_options, main, open_store, parse_filters, print_json, print_repairs,
)


@main.command()
@click.option("--json", "as_json", is_flag=True, help="Print JSON.")
def config(as_json: bool) -> None:
    """Show the effective settings, the models in use and whether their files are present.

    \b
    Example:
      NEWSDESK_DATA_DIR=/tmp/nd newsdesk config
    """
    from service.diagnostics import describe

    info = describe(current_settings())
    if as_json:
        print_json(info)
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

    settings = current_settings()
    store = open_store()
    store.require_writable("ingest")
    print_repairs(store.reconcile(full=True))  # drift no journal saw (an older version, a restored backup)
    with Progress(TextColumn("[bold]ingest"), BarColumn(), MofNCompleteColumn(),
                  TimeElapsedColumn(), TextColumn("{task.description}"),
                  console=err, transient=as_json, disable=not err.is_terminal and as_json) as bar:
        task = bar.add_task("", total=None)

        def progress(done: int, total: int, what: str) -> None:
            bar.update(task, completed=done, total=total, description=what[-50:])

        report = ingest_paths(store, list(paths), int(settings.max_file_mb * 1e6), progress)
    if as_json:
        print_json(report.as_dict())
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
    rows = open_store().list_articles()
    if as_json:
        print_json([r.model_dump() for r in rows])
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
    removed = open_store().delete(article_id)
    if as_json:
        print_json({"id": article_id, "deleted": removed})
    elif removed:
        console.print(f"deleted {article_id}")
    else:
        err.print(f"[red]no article with id[/] {article_id}")
    sys.exit(0 if removed else 1)


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

    settings = current_settings()
    hits = search_chunks(open_store(), settings, query, k=k, filters=parse_filters(source, since, until))
    if as_json:
        print_json([h.model_dump(exclude={"dense_score", "bm25_score"}) for h in hits])
        return
    if not hits:
        console.print("nothing relevant found")
    for n, h in enumerate(hits, start=1):
        console.print(f"[bold]{n}. {h.title}[/] — {h.source or 'unknown source'}, "
                      f"{h.published or 'undated'}  [dim]score {h.score:.4f} · cos {h.dense_score:.2f}[/]")
        console.print(f"   [dim]{h.article_id} [{h.start}:{h.end}][/]")
        console.print(f"   {h.text}\n")
