"""The `newsdesk` group and what its commands share: consoles, settings, the container, filters."""
from __future__ import annotations

import json
import sys
from typing import Any

import click
from rich.console import Console

from index.sqlite import ReadOnlyError, writable
from service.settings import Settings, get_settings

console = Console(stderr=False, highlight=False)
err = Console(stderr=True, highlight=False, soft_wrap=True)


def current_settings() -> Settings:
    return get_settings()


def _container():
    from service.container import get_container

    return get_container(current_settings())


def _opened():
    """The container with its store open; repairs the opening made are printed first, once."""
    container = _container()
    print_repairs(container.store.repairs)
    container.store.repairs = []
    return container


def open_store():
    return _opened().store


def print_repairs(lines: list[str]) -> None:
    for line in lines:
        err.print(f"[yellow]repaired[/]: {line}")


def require_writable(what: str) -> None:
    data_dir = current_settings().data_dir
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


def print_json(data: Any) -> None:
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


def filter_options(command):
    """--source / --since / --until, shared by every command that retrieves."""
    command = click.option("--until", help="Only articles published on or before this date.")(command)
    command = click.option("--since", help="Only articles published on or after this date (YYYY-MM-DD).")(command)
    return click.option("--source", help="Only this outlet.")(command)


def parse_filters(source: str | None, since: str | None, until: str | None):
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


def open_context(llm: bool = True):
    """`llm=False` for coordinators whose workers hold the model: the LLM is never loaded."""
    return _opened().context(llm=llm)


def open_story_book():
    return _opened().stories
