"""Commands that read with the model: ask, stories, conflicts, summarize, warm."""
from __future__ import annotations

import sys

import click

from service.cli.main import (
    console, err, filter_options, main, open_context, open_story_book, parse_filters, print_json,
)


def print_answer(answer, streamed: bool = False) -> None:
    """The checked answer (unless its sentences were already streamed) and its quoted sources."""
    if not streamed:
        console.print(f"[bold]{answer.answer}[/]" if answer.abstained else f"[bold]Checked answer:[/] {answer.answer}")
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


def _stream_checked(ctx, question: str, k, filters, raw: bool):
    """Only verified sentences reach the reader, each as soon as it is checked; a spinner runs
    until the first one. `raw` shows the model's own text on stderr, for debugging."""
    from service.answer.chain import answer_question

    shown: list[str] = []
    with console.status("[dim]reading the sources and checking each sentence…[/]", spinner="dots") as status:
        def sentence(text: str) -> None:
            if not shown:
                status.stop()
                console.print("[bold]Checked answer:[/] ", end="")
            shown.append(text)
            console.print(text, end=" ", markup=False, soft_wrap=True)

        raw_text = (lambda piece: err.print(piece, end="", markup=False, style="dim", soft_wrap=True)) if raw else None
        answer = answer_question(ctx, question, k=k, filters=filters, on_token=raw_text, on_sentence=sentence)
    if shown:
        console.print()
    elif answer.abstained:
        console.print(f"[bold]{answer.answer}[/]")
    return answer


@main.command()
@click.argument("question")
@click.option("--k", type=click.IntRange(1, 20), default=None, help="Chunks given to the model.")
@filter_options
@click.option("--json", "as_json", is_flag=True, help="Print exactly one JSON object.")
@click.option("--raw", is_flag=True, help="Also show the model's unchecked text on stderr (debugging).")
def ask(question: str, k: int | None, source: str | None, since: str | None, until: str | None,
        as_json: bool, raw: bool) -> None:
    """Answer a question from the indexed articles, every citation checked.

    \b
    Examples:
      newsdesk ask "How many people were evacuated from Ashford Vale?"
      newsdesk ask "Who leads the drivers' union?" --json
    """
    from service.answer.chain import answer_question
    from service.models.llm import LLMError
    from service.models.files import ModelFileError

    filters = parse_filters(source, since, until)
    try:
        ctx = open_context()
        if as_json:
            answer = answer_question(ctx, question, k=k, filters=filters)
            print_json(answer.model_dump(exclude={"standalone_question"}))
            return
        answer = _stream_checked(ctx, question, k, filters, raw)
    except (ModelFileError, LLMError) as exc:
        err.print(f"[red]error:[/] {exc}")
        sys.exit(2)
    print_answer(answer, streamed=True)


@main.command()
@click.option("--json", "as_json", is_flag=True, help="Print a JSON list.")
def stories(as_json: bool) -> None:
    """List stories: the same event told by several outlets, with how many conflicts each has.

    \b
    Example:
      newsdesk stories --json
    """
    items = open_story_book().stories()
    if as_json:
        print_json([{"id": s.id, "title": s.title, "articles": [a.model_dump() for a in s.articles],
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
    book = open_story_book()
    story = book.get(story_id)
    if story is None:
        err.print(f"[red]no story with id[/] {story_id} (see `newsdesk stories`)")
        sys.exit(1)
    found = book.conflicts_of(story)
    if as_json:
        print_json([c.model_dump() for c in found])
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
        ctx = open_context()
        result = summarize_story(ctx, story_id) if story_id else summarize_article(ctx, article_id)
    except (NotFound, TooLong) as exc:
        err.print(f"[red]{exc}[/]")
        sys.exit(1)
    if as_json:
        print_json(result.model_dump())
        return
    console.print(f"[bold]Summary:[/] {result.summary}")
    for c in result.citations:
        console.print(f"  [{c.id}] {c.source or '-'}, {c.published or '-'}: [dim]“{c.quote}”[/]")
    dropped = [s.text for s in result.sentences if not s.supported]
    for text in dropped:
        console.print(f"  [red]removed, no source supports it:[/] {text}")


@main.command()
def warm() -> None:
    """Read the model's answer instructions once and save that state, so the first question
    does not wait for it (`make demo` runs this after its ingest).

    \b
    Example:
      newsdesk warm
    """
    import time

    from service.answer.chain import warm_instructions
    from service.models.llm import LLMError
    from service.models.files import ModelFileError

    try:
        ctx = open_context()
        if ctx.settings.llm != "local":
            console.print("nothing to warm: the model runs on a server (NEWSDESK_LLM=openai)")
            return
        started = time.perf_counter()
        with console.status("[dim]reading the model's answer instructions once (saved for every later "
                            "question)…[/]", spinner="dots"):
            total, read = warm_instructions(ctx)
    except (ModelFileError, LLMError) as exc:
        err.print(f"[red]{exc}[/]")
        sys.exit(1)
    if read == 0:
        console.print(f"already warm: the {total} instruction tokens were saved before")
    else:
        saved = "saved in the data dir" if ctx.settings.llm_state_files else "kept in memory only (llm_state_files=0)"
        console.print(f"read {read} instruction tokens in {time.perf_counter() - started:.1f}s; {saved}")
