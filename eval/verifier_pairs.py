"""The citation verifier measured on its own: (claim, article, supported?) pairs labelled by hand.

Each claim is checked the way an answer sentence is: against the chunk of the article that holds
the labelled evidence (the chunk a search would have returned), with the whole article behind it.
Beside it, in the same run, a plain baseline: the same best-matching window, passed when its
embedding cosine to the claim reaches the same similarity floor (what a RAG stack without rules
would do). Precision = of the claims the verifier let through, how many were really supported (a near-miss
that passes is the failure readers get hurt by); recall = of the supported claims, how many passed.
"""
from __future__ import annotations

import json
from pathlib import Path

import numpy as np
from pydantic import BaseModel, Field

from eval.schema import SetError, has_key, load_model
from index.chunk import chunk_article
from index.load import load_file
from index.models import Article, Hit
from service.answer.claims import Claim
from service.answer.sources import Source
from service.answer.verify import locate_support, verify
from service.settings import Settings


class Pair(BaseModel):
    article: str  # path inside the corpus folder
    claim: str = Field(min_length=3)
    evidence: str = Field(min_length=3)  # a short verbatim phrase that locates the sentence
    supported: bool
    kind: str = "other"
    note: str | None = None


class PairSet(BaseModel):
    name: str
    corpus: str
    optional: bool = False
    pairs: list[Pair] = Field(min_length=1)
    path: Path | None = None

    @property
    def corpus_path(self) -> Path:
        return ((self.path.parent if self.path else Path(".")) / self.corpus).resolve()


def is_pair_set(path: Path) -> bool:
    return has_key(path, "pairs")


def load_pair_set(path: Path) -> PairSet:
    return load_model(path, PairSet, "pairs")


def _source_for(article: Article, evidence: str, settings: Settings) -> Source:
    at = article.text.find(evidence)
    if at < 0:
        raise SetError(f"{article.path}: evidence not found in the cleaned text: {evidence!r}")
    chunks = chunk_article(article, settings.chunk_tokens, settings.chunk_overlap)
    chunk = next(c for c in chunks if c.start <= at < c.end)
    hit = Hit(article_id=article.id, title=article.title, source=article.source, published=article.published,
              chunk_id=chunk.id, start=chunk.start, end=chunk.end, score=1.0, text=chunk.text)
    return Source(1, hit, article.text)


def run_pairs(pset: PairSet, settings: Settings, embed, out_dir: Path | None = None) -> dict:
    articles: dict[str, Article] = {}
    rows = []
    for pair in pset.pairs:
        if pair.article not in articles:
            loaded = next(load_file(pset.corpus_path / pair.article, int(settings.max_file_mb * 1e6)))
            if not isinstance(loaded, Article):
                raise SetError(f"{pair.article}: {loaded.reason}")
            articles[pair.article] = loaded
        source = _source_for(articles[pair.article], pair.evidence, settings)
        vs = verify([Claim(pair.claim, [1])], [source], embed, settings.verify_min_similarity,
                    settings.verify_min_overlap)[0]
        window = locate_support(pair.claim, source)
        claim_vec, window_vec = np.asarray(embed([pair.claim, window.quote]), dtype=np.float32)
        rows.append({"article": pair.article, "kind": pair.kind, "claim": pair.claim, "label": pair.supported,
                     "passed": vs.supported, "quote": vs.support.quote if vs.support else None,
                     "failures": vs.failures,
                     "baseline_passed": bool(claim_vec @ window_vec >= settings.verify_min_similarity)})
    agg = pair_metrics(rows)
    agg["baseline"] = pair_metrics([{**r, "passed": r["baseline_passed"]} for r in rows])
    agg["set"] = pset.name
    if out_dir:
        out_dir.mkdir(parents=True, exist_ok=True)
        (out_dir / "pairs.jsonl").write_text("".join(json.dumps(r, ensure_ascii=False) + "\n" for r in rows))
        (out_dir / "metrics.json").write_text(json.dumps(agg, indent=2))
        write_pair_report(out_dir / "report.md", agg, rows)
    return agg


def pair_metrics(rows: list[dict]) -> dict:
    tp = sum(r["label"] and r["passed"] for r in rows)
    fp = sum(not r["label"] and r["passed"] for r in rows)
    fn = sum(r["label"] and not r["passed"] for r in rows)
    kinds: dict[str, list[bool]] = {}
    for r in rows:
        kinds.setdefault(f"{r['kind']} ({'true' if r['label'] else 'false'})", []).append(r["passed"] == r["label"])
    return {"pairs": len(rows), "supported": sum(r["label"] for r in rows),
            "precision": round(tp / (tp + fp), 4) if tp + fp else None,
            "recall": round(tp / (tp + fn), 4) if tp + fn else None,
            "accuracy": round(sum(r["passed"] == r["label"] for r in rows) / len(rows), 4),
            "by_kind": {k: {"n": len(v), "right": round(sum(v) / len(v), 4)} for k, v in sorted(kinds.items())}}


def write_pair_report(path: Path, agg: dict, rows: list[dict]) -> None:
    base = agg["baseline"]
    lines = [f"# Verifier pairs: {agg['set']}", "",
             f"{agg['pairs']} pairs ({agg['supported']} supported). Baseline in the same run: the same window "
             "passed on embedding cosine alone.", "",
             "| | precision | recall | accuracy |", "|---|---|---|---|",
             f"| newsdesk verifier | {agg['precision']} | {agg['recall']} | {agg['accuracy']} |",
             f"| cosine-only baseline | {base['precision']} | {base['recall']} | {base['accuracy']} |", "",
             "| kind (label) | n | verifier right | baseline right |", "|---|---|---|---|"]
    lines += [f"| {k} | {v['n']} | {v['right']:.2f} | {base['by_kind'][k]['right']:.2f} |"
              for k, v in agg["by_kind"].items()]
    lines += ["", "## Wrong verdicts", "", "| label | verdict | kind | claim | why / quote |", "|---|---|---|---|---|"]
    for r in rows:
        if r["passed"] != r["label"]:
            why = "; ".join(r["failures"]) if not r["passed"] else (r["quote"] or "")[:160]
            lines.append(f"| {r['label']} | {r['passed']} | {r['kind']} | {r['claim']} | {why.replace('|', '/')} |")
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
