"""`newsdesk eval`: answers, the verifier alone, or stories, against hand-labelled sets."""
from __future__ import annotations

import json
import sys
from pathlib import Path

import click
from rich.table import Table

from service.cli.main import console, current_settings, err, main, print_json


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
    from eval.schema import CorpusMissing, SetError, load_set
    from eval.stories import is_story_set
    from eval.verifier_pairs import is_pair_set

    if compare:
        return _compare(*compare, as_json)
    if not setfile:
        raise click.UsageError("give a SETFILE, or --compare OLD NEW")
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
    settings = current_settings()
    if model:
        settings = settings.model_copy(update={"llm_model": model})
    if only_failed:
        eset = _failed_only(eset, Path(only_failed))
        if not eset.items:
            console.print("no failed questions in that report")
            return
    out = Path(out_dir) if out_dir else Path("eval/reports") / eset.name
    agg = _run_answers(eset, settings, out, k, data_dir, baseline)
    if as_json:
        print_json(agg)
    else:
        _print_answers(agg, out)
    sys.exit(1 if agg["misses"] else 0)


def _compare(old_dir: str, new_dir: str, as_json: bool) -> None:
    from eval.metrics import compare as compare_runs

    old, new = (json.loads((Path(d) / "metrics.json").read_text()) for d in (old_dir, new_dir))
    rows = compare_runs(old, new)
    if as_json:
        print_json([{"metric": m, "old": a, "new": b, "verdict": v} for m, a, b, v in rows])
        return
    table = Table(show_header=True)
    for col in ("metric", "old", "new", "change"):
        table.add_column(col)
    colour = {"better": "green", "worse": "red"}
    for m, a, b, v in rows:
        table.add_row(m, "–" if a is None else f"{a:.3f}", "–" if b is None else f"{b:.3f}",
                      f"[{colour.get(v, 'dim')}]{v}[/]")
    console.print(table)


def _failed_only(eset, report: Path):
    """The set's questions that failed in an earlier report (no summaries): a quick check of a fix."""
    failed = {r["question"] for r in map(json.loads, (report / "results.jsonl").open(encoding="utf-8"))
              if r["kind"] == "question" and not r["score"]["passed"]}
    return eset.model_copy(update={"items": [i for i in eset.items if i.question in failed], "summaries": []})


def _run_answers(eset, settings, out: Path, k: int | None, data_dir: str | None, baseline: str | None) -> dict:
    from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeRemainingColumn

    from eval.harness import run_eval

    with Progress(TextColumn("[bold]eval"), BarColumn(), MofNCompleteColumn(), TimeRemainingColumn(),
                  TextColumn("{task.description}"), console=err) as bar:
        task = bar.add_task("", total=len(eset.items) + len(eset.summaries))
        return run_eval(eset, settings, out, k=k, data_dir=Path(data_dir) if data_dir else None,
                        progress=lambda n, total, what: bar.update(task, completed=n, description=what[:50]),
                        baseline=baseline)


def _print_answers(agg: dict, out: Path) -> None:
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


def _eval_pairs(path: Path, out_dir: str | None, as_json: bool) -> None:
    from rich.progress import Progress

    from eval.verifier_pairs import load_pair_set, run_pairs
    from service.components import build_embeddings

    pset = load_pair_set(path)
    settings = current_settings()
    out = Path(out_dir) if out_dir else Path("eval/reports") / pset.name
    with Progress(console=err, transient=True) as bar:
        bar.add_task(f"checking {len(pset.pairs)} claims", total=None)
        agg = run_pairs(pset, settings, build_embeddings(settings).embed_documents, out)
    if as_json:
        print_json(agg)
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
            agg = run_stories(sset, current_settings(), out, data_dir=Path(data_dir) if data_dir else None,
                              progress=lambda what: bar.update(task, description=what))
    except (SetError, RuntimeError) as exc:
        err.print(f"[red]cannot evaluate:[/] {exc}")
        sys.exit(2)
    if as_json:
        print_json(agg)
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
