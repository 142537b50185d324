"""Matching answers to labelled facts, per item and aggregated. Pure functions over results."""
from __future__ import annotations

import re
import statistics
import unicodedata
from typing import Any

from eval.schema import METRICS_LOWER_IS_BETTER, Item


_MONTHS = "january|february|march|april|may|june|july|august|september|october|november|december"


def normalise(text: str) -> str:
    """Case, accents, punctuation and thousands separators never decide a match."""
    text = unicodedata.normalize("NFKC", text).lower().replace("’", "'")
    text = re.sub(r"(?<=\d),(?=\d{3}\b)", "", text)
    # One spelling per amount: "£75m" / "75 million", "3.25bn" / "3.25 billion", "5 per cent" / "5%".
    text = re.sub(r"(?<=\d)\s?(?:bn|billion)\b", " billion", text)
    text = re.sub(r"(?<=\d)\s?(?:m|million)\b", " million", text)
    text = re.sub(r"(?<=\d)\s?(?:per cent|percent)\b", "%", text)
    text = re.sub(rf"\b({_MONTHS}) (\d{{1,2}})(?:st|nd|rd|th)?\b", r"\2 \1", text)  # "May 6" = "6 May"
    text = re.sub(r"[^\w€$£%.']+", " ", text)
    text = re.sub(r"([€$£])", r" \1 ", text)  # "€2.4 billion" holds "2.4 billion"
    text = re.sub(r"(?<=[\w%])[.']+(?=\s|$)|(?:^|(?<=\s))'+(?=\w)", "", text)  # "4.75%." ends a sentence
    return re.sub(r"\s+", " ", text).strip(" .")


def matches(pattern: str, text: str, regex: bool) -> bool:
    if regex:
        return re.search(pattern, text, re.IGNORECASE) is not None
    return f" {normalise(pattern)} " in f" {normalise(text)} "


def answer_correct(item: Item, answer: str) -> bool:
    any_ok = not item.expect or any(matches(p, answer, item.regex) for p in item.expect)
    all_ok = all(matches(p, answer, item.regex) for p in item.all)
    return any_ok and all_ok


def score_item(item: Item, result: dict[str, Any]) -> dict[str, Any]:
    """One question's verdicts. `result` holds the Answer JSON plus `cited_sources` (the file names
    and ids of cited articles) and `retrieved_text` (retrieval alone, before the LLM)."""
    answer = result["answer"]
    abstained = bool(answer["abstained"])
    out: dict[str, Any] = {"question": item.question, "abstained": abstained}
    if item.abstain:
        out["abstain_ok"] = abstained
        out["passed"] = abstained
        return out
    out["wrong_abstain"] = abstained
    out["correct"] = (not abstained) and answer_correct(item, answer["answer"])
    out["retrieved"] = answer_correct(item, result.get("retrieved_text", ""))
    cited = result.get("cited_sources", [])  # one entry per citation: set of names for that article
    if item.sources and cited:
        wanted = set(item.sources)
        good = [names for names in cited if names & wanted]
        out["citation_precision"] = len(good) / len(cited)
        out["citation_recall"] = 1.0 if good else 0.0
    elif item.sources:
        out["citation_recall"] = 0.0
    if answer.get("unsupported_sentences") is not None:  # None: nothing checked them (the baseline)
        sentences = len(re.findall(r"[.!?](\s|$)", answer["answer"])) if not abstained else 0
        unsupported = len(answer["unsupported_sentences"])
        out["unsupported_rate"] = unsupported / max(sentences + unsupported, 1)
    if item.conflict:
        out["conflict_ok"] = bool(answer.get("conflicts")) and answer_correct(item, answer["answer"])
    out["passed"] = out["correct"] and (not item.conflict or out["conflict_ok"])
    return out


def _mean(values: list[float]) -> float | None:
    return round(statistics.fmean(values), 4) if values else None


def percentile(values: list[float], q: float) -> float:
    values = sorted(values)
    return values[min(len(values) - 1, int(round(q * (len(values) - 1))))] if values else 0.0


def aggregate(items: list[Item], scored: list[dict], timings: list[dict], summaries: list[dict]) -> dict:
    answerable = [s for i, s in zip(items, scored) if not i.abstain]
    unanswerable = [s for i, s in zip(items, scored) if i.abstain]
    conflicts = [s for i, s in zip(items, scored) if i.conflict]
    metrics = {
        "answer_correctness": _mean([float(s["correct"]) for s in answerable]),
        "citation_precision": _mean([s["citation_precision"] for s in answerable if "citation_precision" in s]),
        "citation_recall": _mean([s["citation_recall"] for s in answerable if "citation_recall" in s]),
        "unsupported_sentence_rate": _mean([s["unsupported_rate"] for s in answerable if "unsupported_rate" in s]),
        "abstention_accuracy": _mean([float(s["abstain_ok"]) for s in unanswerable]),
        "wrong_abstention_rate": _mean([float(s["wrong_abstain"]) for s in answerable]),
        "conflict_surfacing": _mean([float(s["conflict_ok"]) for s in conflicts]),
        "retrieval_recall_at_k": _mean([float(s["retrieved"]) for s in answerable]),
        "summary_key_fact_coverage": _mean([s["coverage"] for s in summaries]),
        "summary_leak_rate": _mean([float(bool(s["leaks"])) for s in summaries]),
        "summary_citation_support": _mean([s["support_rate"] for s in summaries]),
    }
    latency = {}
    for stage in ("retrieve", "select", "generate", "verify", "conflicts", "total"):
        values = [t[stage] for t in timings if stage in t]
        if values:
            latency[stage] = {"p50": round(percentile(values, 0.5), 1), "p95": round(percentile(values, 0.95), 1)}
    return {"metrics": metrics, "latency_ms": latency, "items": len(items),
            "passed": sum(1 for s in scored if s["passed"])}


def by_kind(items: list[Item], scored: list[dict]) -> dict[str, dict]:
    """Pass rate per labelled kind of question (number, name, coreference, out-of-scope…)."""
    groups: dict[str, list[bool]] = {}
    for item, s in zip(items, scored):
        groups.setdefault(item.kind or ("out-of-scope" if item.abstain else "other"), []).append(s["passed"])
    return {kind: {"n": len(v), "passed": round(sum(v) / len(v), 4)} for kind, v in sorted(groups.items())}


def score_summary(key_facts, must_not_mention: list[str], summary: dict) -> dict:
    text = summary["summary"]
    covered = [kf.fact for kf in key_facts if any(matches(m, text, False) for m in kf.match)]
    leaks = [w for w in must_not_mention if matches(w, text, False)]
    sentences = summary.get("sentences", [])
    support = sum(1 for s in sentences if s["supported"]) / max(len(sentences), 1)
    return {"coverage": len(covered) / len(key_facts), "covered": covered, "leaks": leaks,
            "support_rate": support}


def meets(name: str, value: float, bound: float) -> bool:
    """A metric holds its threshold: at most it for rates of failure, at least it otherwise."""
    return value <= bound if name in METRICS_LOWER_IS_BETTER else value >= bound


def check_thresholds(metrics: dict, thresholds: dict[str, float]) -> list[str]:
    """Human-readable misses; empty when every threshold holds."""
    misses = []
    for name, bound in thresholds.items():
        value = metrics.get(name)
        if value is None or meets(name, value, bound):
            continue
        misses.append(f"{name} = {value:.3f} {'>' if name in METRICS_LOWER_IS_BETTER else '<'} threshold {bound}")
    return misses


def compare(old: dict, new: dict) -> list[tuple[str, float | None, float | None, str]]:
    rows = []
    for name in sorted(set(old["metrics"]) | set(new["metrics"])):
        a, b = old["metrics"].get(name), new["metrics"].get(name)
        if a is None or b is None or a == b:
            verdict = "same" if a == b else "n/a"
        else:
            better = (b < a) if name in METRICS_LOWER_IS_BETTER else (b > a)
            verdict = "better" if better else "worse"
        rows.append((name, a, b, verdict))
    return rows
