"""Run a labelled set through the same service functions users call, and write the report.

With `baseline`, a plain-RAG pipeline answers the same questions from the same hits with the same
model in the same run (eval/baseline.py), and article summaries are set beside lead-3.
"""
from __future__ import annotations

import json
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

from eval.baseline import BASELINES, plain_answer
from eval.metrics import aggregate, by_kind, check_thresholds, score_item, score_summary
from eval.report import write_report
from eval.schema import EvalSet
from index.sentences import sentence_spans
from service.answer.chain import answer_question
from service.container import get_container
from service.ingest import ingest_paths
from service.search import search_chunks
from service.settings import Settings
from service.summarize import summarize_article, summarize_story

Progress = Callable[[int, int, str], None]


def _names(store, root: Path) -> dict[str, set[str]]:
    """Every way a set file may name an article: its id, its file name, its path inside the corpus
    ("business/021.txt": file names repeat across topic folders), its file name:line."""
    out = {}
    for summary in store.list_articles():
        art = store.get_article(summary.id)
        names = {art.id}
        if art.path:
            file = Path(art.path.split(":")[0].split("[")[0])
            names |= {file.name, Path(art.path).name}
            if file.is_relative_to(root):
                names.add(file.relative_to(root).as_posix())
        out[art.id] = names
    return out


def _resolve(name: str, names: dict[str, set[str]]) -> str | None:
    return next((aid for aid, ns in names.items() if name in ns), None)


def lead3(text: str) -> str:
    """The classic extractive baseline: the article's first three sentences."""
    return " ".join(text[a:b] for a, b in sentence_spans(text)[:3])


def run_eval(eset: EvalSet, settings: Settings, out_dir: Path, k: int | None = None,
             data_dir: Path | None = None, progress: Progress | None = None,
             baseline: str | None = None) -> dict:
    out_dir.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(prefix="newsdesk-eval-") as tmp:
        data = data_dir or Path(tmp) / "data"
        settings = settings.model_copy(update={"data_dir": data})
        container = get_container(settings)
        store = container.store
        report = ingest_paths(store, eset.inputs, int(settings.max_file_mb * 1e6))
        if report.failed:
            raise RuntimeError(f"corpus did not ingest cleanly: {[f.model_dump() for f in report.failed]}")
        names = _names(store, eset.corpus_path)
        ctx = container.context()
        total = len(eset.items) + len(eset.summaries)
        results, scored, timings, plain_scored, plain_timings = [], [], [], [], []
        with (out_dir / "results.jsonl").open("w", encoding="utf-8") as f:
            for n, item in enumerate(eset.items, start=1):
                hits = search_chunks(store, settings, item.question, k=k)
                answer = answer_question(ctx, item.question, k=k)
                result = {"kind": "question", "question": item.question, "item_kind": item.kind,
                          "answer": answer.model_dump(), "retrieved_text": "\n".join(h.text for h in hits),
                          "cited_sources": [names.get(c.article_id, {c.article_id}) for c in answer.citations]}
                verdict = score_item(item, result)
                scored.append(verdict)
                timings.append(answer.timings_ms)
                row = {**result, "cited_sources": [sorted(s) for s in result["cited_sources"]], "score": verdict}
                if baseline:
                    plain = plain_answer(ctx.llm, item.question, hits, BASELINES[baseline])
                    cited = [names.get(c["article_id"], {c["article_id"]}) for c in plain["citations"]]
                    plain_verdict = score_item(item, {"answer": plain, "cited_sources": cited,
                                                      "retrieved_text": result["retrieved_text"]})
                    plain_scored.append(plain_verdict)
                    plain_timings.append(plain["timings_ms"])
                    row["baseline"] = {"answer": plain, "score": plain_verdict}
                results.append(row)
                f.write(json.dumps(row, ensure_ascii=False) + "\n")
                if progress:
                    progress(n, total, item.question)
            summaries, leads = [], []
            book = ctx.stories
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
                if baseline and s_item.article:
                    lead = lead3(store.get_article(target).text)
                    lead_verdict = score_summary(s_item.summary_key_facts, s_item.must_not_mention,
                                                 {"summary": lead, "sentences": [{"supported": True}]})
                    leads.append(lead_verdict)
                    row["baseline"] = {"summary": lead, "score": lead_verdict}
                results.append(row)
                f.write(json.dumps(row, ensure_ascii=False) + "\n")
                if progress:
                    progress(m, total, f"summary of {s_item.article or s_item.story_of}")
        agg = aggregate(eset.items, scored, timings, summaries)
        agg.update(set=eset.name, model=ctx.llm.name, k=k or settings.search_k,
                   thresholds=eset.thresholds, misses=check_thresholds(agg["metrics"], eset.thresholds),
                   by_kind=by_kind(eset.items, scored))
        if baseline:
            plain_agg = aggregate(eset.items, plain_scored, plain_timings, leads)
            plain_agg["metrics"]["summary_citation_support"] = None  # lead-3 cites nothing
            agg["baseline"] = {"name": baseline, "summary_baseline": "lead-3", **plain_agg,
                               "by_kind": by_kind(eset.items, plain_scored)}
        (out_dir / "metrics.json").write_text(json.dumps(agg, indent=2))
        write_report(out_dir, agg, results)
        return agg
