"""report.md and small, readable PNG plots: metrics against thresholds, latency, per question."""
from __future__ import annotations

from pathlib import Path

from eval.metrics import meets


def _fmt(value) -> str:
    return "–" if value is None else f"{value:.2f}"


def _cell(text: str, limit: int = 160) -> str:
    text = " ".join(str(text).split()).replace("|", "\\|")
    return text if len(text) <= limit else text[: limit - 1] + "…"


def write_report(out: Path, agg: dict, results: list[dict]) -> None:
    plot_metrics(out / "metrics.png", agg)
    plot_latency(out / "latency.png", results)
    plot_questions(out / "questions.png", results)
    lines = [f"# Eval report: {agg['set']}", "",
             f"Model `{agg['model']}`, k = {agg['k']}. {agg['passed']} of {agg['items']} questions passed.", ""]
    if agg["misses"]:
        lines += ["**Thresholds missed:**", ""] + [f"- {m}" for m in agg["misses"]] + [""]
    else:
        lines += ["All thresholds met.", ""]
    base = agg.get("baseline")
    if base:
        lines += [f"Beside it, in the same run on the same questions and hits: the **{base['name']}** baseline "
                  f"(whole chunks, one plain prompt, same model, no verifier; {base['passed']} of {base['items']} "
                  f"passed), and {base['summary_baseline']} for article summaries.", ""]
    head = "| metric | newsdesk |" + (f" {base['name']} baseline |" if base else "") + " threshold | ok |"
    lines += [head, "|---" * (head.count("|") - 1) + "|"]
    for name, value in agg["metrics"].items():
        bound = agg["thresholds"].get(name)
        ok = "" if bound is None or value is None else ("yes" if meets(name, value, bound) else "**no**")
        other = f" {_fmt(base['metrics'].get(name))} |" if base else ""
        lines.append(f"| {name} | {_fmt(value)} |{other} {'–' if bound is None else bound} | {ok} |")
    kinds = agg.get("by_kind") or {}
    if len(kinds) > 1:
        lines += ["", "| kind of question | n | newsdesk passed |" + (" baseline passed |" if base else ""),
                  "|---|---|---|" + ("---|" if base else "")]
        for kind, v in kinds.items():
            other = f" {base['by_kind'][kind]['passed']:.2f} |" if base else ""
            lines.append(f"| {kind} | {v['n']} | {v['passed']:.2f} |{other}")
    lines += ["", "| stage | p50 ms | p95 ms |", "|---|---|---|"]
    for stage, v in agg["latency_ms"].items():
        lines.append(f"| {stage} | {v['p50']:.0f} | {v['p95']:.0f} |")
    if base and base["latency_ms"].get("total"):
        v = base["latency_ms"]["total"]
        lines.append(f"| baseline total (generate only) | {v['p50']:.0f} | {v['p95']:.0f} |")
    lines += ["", "![metrics](metrics.png)", "", "![latency](latency.png)", "", "![questions](questions.png)", "",
              "## Questions", "", "| # | pass | question | answer | cited |" + (" baseline |" if base else ""),
              "|---|---|---|---|---|" + ("---|" if base else "")]
    n = 0
    for r in results:
        if r["kind"] != "question":
            continue
        n += 1
        cited = "; ".join(f"[{c['id']}] {c['source'] or c['article_id']}: “{_cell(c['quote'], 60)}”"
                          for c in r["answer"]["citations"][:3])
        plain = ""
        if base:
            b = r["baseline"]
            plain = f" {'✅' if b['score']['passed'] else '❌'} {_cell(b['answer']['answer'], 120)} |"
        lines.append(f"| {n} | {'✅' if r['score']['passed'] else '❌'} | {_cell(r['question'], 80)} | "
                     f"{_cell(r['answer']['answer'])} | {cited} |{plain}")
    summaries = [r for r in results if r["kind"] == "summary"]
    if summaries:
        lines += ["", "## Summaries", "", "| target | coverage | leaks | supported | summary |", "|---|---|---|---|---|"]
        for r in summaries:
            s = r["score"]
            lead = f" (lead-3: {r['baseline']['score']['coverage']:.2f})" if "baseline" in r else ""
            lines.append(f"| {r['target']} | {s['coverage']:.2f}{lead} | {', '.join(s['leaks']) or '–'} | "
                         f"{s['support_rate']:.2f} | {_cell(r['summary']['summary'], 300)} |")
    (out / "report.md").write_text("\n".join(lines) + "\n", encoding="utf-8")


def _plt():
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    return plt


def plot_metrics(path: Path, agg: dict) -> None:
    plt = _plt()
    items = [(k, v) for k, v in agg["metrics"].items() if v is not None]
    fig, ax = plt.subplots(figsize=(7, 0.42 * len(items) + 1.2), dpi=90)
    names = [k.replace("_", " ") for k, _ in items]
    values = [v for _, v in items]
    colors = []
    for (name, value) in items:
        bound = agg["thresholds"].get(name)
        ok = bound is None or meets(name, value, bound)
        colors.append("#4c9f70" if ok else "#d1495b")
    ax.barh(names, values, color=colors)
    for i, (name, value) in enumerate(items):
        bound = agg["thresholds"].get(name)
        if bound is not None:
            ax.plot([bound, bound], [i - 0.4, i + 0.4], color="black", linewidth=2)
        ax.text(min(value + 0.01, 0.93), i, f"{value:.2f}", va="center", fontsize=8)
    ax.set_xlim(0, 1)
    ax.invert_yaxis()
    ax.set_xlabel("score (black tick = threshold; red = threshold missed)")
    ax.set_title(f"{agg['set']}: metrics ({agg['model']})", fontsize=10)
    ax.tick_params(axis="y", labelsize=8)
    fig.tight_layout()
    fig.savefig(path)
    plt.close(fig)


def plot_latency(path: Path, results: list[dict]) -> None:
    plt = _plt()
    totals = [r["answer"]["timings_ms"].get("total", 0) / 1000 for r in results if r["kind"] == "question"]
    fig, ax = plt.subplots(figsize=(6, 3), dpi=90)
    ax.hist(totals, bins=min(20, max(5, len(totals) // 2)), color="#30638e")
    ax.set_xlabel("seconds per question (retrieve + generate + verify)")
    ax.set_ylabel("questions")
    ax.set_title("answer latency", fontsize=10)
    fig.tight_layout()
    fig.savefig(path)
    plt.close(fig)


def plot_questions(path: Path, results: list[dict]) -> None:
    plt = _plt()
    rows = [r for r in results if r["kind"] == "question"]
    cols = 10
    nrows = (len(rows) + cols - 1) // cols
    fig, ax = plt.subplots(figsize=(6, 0.5 * nrows + 0.9), dpi=90)
    for i, r in enumerate(rows):
        x, y = i % cols, i // cols
        ok = r["score"]["passed"]
        ax.add_patch(plt.Rectangle((x, -y), 0.9, 0.9, color="#4c9f70" if ok else "#d1495b"))
        ax.text(x + 0.45, -y + 0.45, str(i + 1), ha="center", va="center", fontsize=7, color="white")
    ax.set_xlim(0, cols)
    ax.set_ylim(-nrows + 1, 1)
    ax.axis("off")
    ax.set_title("per question: green = passed, red = failed (numbers as in report.md)", fontsize=9)
    fig.tight_layout()
    fig.savefig(path)
    plt.close(fig)
