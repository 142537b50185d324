"""Run a labelled set through the same service functions users call, and write the report."""
from __future__ import annotations

import json
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

from eval.metrics import aggregate, check_thresholds, score_item, score_summary
from eval.report import write_report
from eval.schema import EvalSet
from service.ask import Context, answer_question
from service.components import build_store
from service.ingest import ingest_paths
from service.llm import build_llm
from service.search import search_chunks
from service.settings import Settings
from service.stories import StoryBook, StoryParams
from service.summarize import summarize_article, summarize_story

Progress = Callable[[int, int, str], None]


def _names(store) -> dict[str, set[str]]:
    """Every way a set file may name an article: its id, its file name, its file name:line."""
    out = {}
    for summary in store.list_articles():
        art = store.get_article(summary.id)
        names = {art.id}
        if art.path:
            base = Path(art.path.split(":")[0].split("[")[0]).name
            names |= {base, Path(art.path).name}
        out[art.id] = names
    return out


def _resolve(name: str, names: dict[str, set[str]]) -> str | None:
    return next((aid for aid, ns in names.items() if name in ns), None)


def run_eval(eset: EvalSet, settings: Settings, out_dir: Path, k: int | None = None,
             data_dir: Path | None = None, progress: Progress | None = None) -> dict:
    out_dir.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(prefix="newsdesk-eval-") as tmp:
        data = data_dir or Path(tmp) / "data"
        settings = settings.model_copy(update={"data_dir": data})
        store = build_store(settings)
        report = ingest_paths(store, [str(eset.corpus_path)], int(settings.max_file_mb * 1e6))
        if report.failed:
            raise RuntimeError(f"corpus did not ingest cleanly: {[f.model_dump() for f in report.failed]}")
        names = _names(store)
        ctx = Context(settings, store, build_llm(settings))
        total = len(eset.items) + len(eset.summaries)
        results, scored, timings = [], [], []
        with (out_dir / "results.jsonl").open("w", encoding="utf-8") as f:
            for n, item in enumerate(eset.items, start=1):
                answer = answer_question(ctx, item.question, k=k)
                hits = search_chunks(store, settings, item.question, k=k)
                result = {"kind": "question", "question": item.question, "answer": answer.model_dump(),
                          "retrieved_text": "\n".join(h.text for h in hits),
                          "cited_sources": [names.get(c.article_id, {c.article_id}) for c in answer.citations]}
                verdict = score_item(item, result)
                scored.append(verdict)
                timings.append(answer.timings_ms)
                row = {**result, "cited_sources": [sorted(s) for s in result["cited_sources"]], "score": verdict}
                results.append(row)
                f.write(json.dumps(row, ensure_ascii=False) + "\n")
                if progress:
                    progress(n, total, item.question)
            summaries = []
            book = StoryBook(store, StoryParams(window_days=settings.story_window_days))
            for m, s_item in enumerate(eset.summaries, start=len(eset.items) + 1):
                target = _resolve(s_item.article or s_item.story_of, names)
                if target is None:
                    raise RuntimeError(f"summary item names an unknown article: {s_item.article or s_item.story_of}")
                started = time.perf_counter()
                if s_item.story_of:
                    story = book.story_of(target)
                    summary = summarize_story(ctx, story.id)
                else:
                    summary = summarize_article(ctx, target)
                verdict = score_summary(s_item.summary_key_facts, s_item.must_not_mention, summary.model_dump())
                verdict["seconds"] = round(time.perf_counter() - started, 2)
                summaries.append(verdict)
                row = {"kind": "summary", "target": s_item.article or s_item.story_of,
                       "summary": summary.model_dump(), "score": verdict}
                results.append(row)
                f.write(json.dumps(row, ensure_ascii=False) + "\n")
                if progress:
                    progress(m, total, f"summary of {s_item.article or s_item.story_of}")
        agg = aggregate(eset.items, scored, timings, summaries)
        agg.update(set=eset.name, model=ctx.llm.name, k=k or settings.search_k,
                   thresholds=eset.thresholds, misses=check_thresholds(agg["metrics"], eset.thresholds))
        (out_dir / "metrics.json").write_text(json.dumps(agg, indent=2))
        write_report(out_dir, agg, results)
        return agg
