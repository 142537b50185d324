"""Stories and conflicts measured on a labelled set: same-event groups and cross-report fact changes.

Clustering is scored over article pairs: a pair is positive when a labelled group holds both
articles; pairs labelled `borderline` are left out of both sides; pairs of files that are stored
as one article (exact duplicates are not indexed twice) are left out too. Beside newsdesk, in the
same run and on the same vectors, a baseline groups by title+lead cosine alone.

A reported conflict is right when a labelled one joins the same two articles and both quotes
overlap its two sides. Precision = right / reported (every report, in every story); recall =
labelled conflicts found. Reports that match no label are listed for a reader to check.
"""
from __future__ import annotations

import json
import time
from collections import Counter
from itertools import combinations
from pathlib import Path

from pydantic import BaseModel, Field

from eval.schema import SetError, has_key, load_model
from index.load import load_file
from index.models import Article
from service.container import get_container
from service.ingest import ingest_paths
from service.settings import Settings
from service.stories import StoryParams
from service.stories.grouping import Grouper


class Group(BaseModel):
    event: str
    articles: list[str] = Field(min_length=2)
    relation: str = "same-event"


class LabelledConflict(BaseModel):
    about: str
    a: str
    a_quote: str = Field(min_length=3)
    b: str
    b_quote: str = Field(min_length=3)
    kind: str  # update | disagreement
    found_by: str = "reading"  # or "review": a reported conflict a reader confirmed


class Review(BaseModel):
    a: str
    b: str
    verdict: str = Field(pattern="^(same|different|borderline)$")
    why: str = ""


class StorySet(BaseModel):
    name: str
    corpus: str
    include: list[str] = []
    optional: bool = False
    max_story_size: int = 8
    groups: list[Group] = Field(min_length=1)
    borderline: list[tuple[str, str]] = []
    reviewed: list[Review] = []  # a second reader's verdicts on single pairs: they override the groups
    conflicts: list[LabelledConflict] = []
    thresholds: dict[str, float] = {}
    path: Path | None = None

    @property
    def corpus_path(self) -> Path:
        return ((self.path.parent if self.path else Path(".")) / self.corpus).resolve()

    @property
    def inputs(self) -> list[str]:
        return [str(self.corpus_path / g) for g in self.include] or [str(self.corpus_path)]


def is_story_set(path: Path) -> bool:
    return has_key(path, "groups")


def load_story_set(path: Path) -> StorySet:
    sset = load_model(path, StorySet, "story set")
    seen: Counter = Counter(f for g in sset.groups for f in g.articles)
    twice = [f for f, n in seen.items() if n > 1]
    if twice:
        raise SetError(f"{path}: articles in more than one group: {', '.join(sorted(twice))}")
    return sset


def _stored_ids(store, root: Path, files: set[str], max_bytes: int) -> dict[str, str]:
    """Each labelled file → the id of the article that holds its text in the store."""
    out = {}
    for name in sorted(files):
        path = root / name
        if not path.is_file() and store.get_article(name) is not None:  # an article of a JSONL file, by id
            out[name] = name
            continue
        if not path.is_file():
            raise SetError(f"labelled article is neither a file of the corpus nor a stored id: {name}")
        art = next((a for a in load_file(path, max_bytes) if isinstance(a, Article)), None)
        if art is None:
            raise SetError(f"labelled file does not load: {name}")
        if store.get_article(art.id) is not None:
            out[name] = art.id
            continue
        holder = store.holder_of(art.text)
        if holder is None:
            raise SetError(f"labelled file is not in the store: {name}")
        out[name] = holder
    return out


def _pairs(groups: list[list[str]]) -> set[frozenset]:
    return {frozenset(p) for g in groups for p in combinations(sorted(set(g)), 2)}


def pair_scores(predicted: list[list[str]], truth: set[frozenset], ignore: set[frozenset]) -> dict:
    got = _pairs(predicted) - ignore
    tp = len(got & truth)
    return {"pairs_predicted": len(got), "pairs_labelled": len(truth), "true_pairs": tp,
            "precision": round(tp / len(got), 4) if got else None,
            "recall": round(tp / len(truth), 4) if truth else None,
            "largest": max((len(g) for g in predicted), default=0),
            "stories_2plus": sum(1 for g in predicted if len(g) > 1)}


def _span(text: str, quote: str, where: str) -> tuple[int, int]:
    """Where a labelled quote sits in the cleaned text (cleaning may have touched its edges)."""
    for q in (quote, " ".join(quote.split())):
        at = text.find(q)
        if at >= 0:
            return at, at + len(q)
    head, tail = quote[:60], quote[-60:]
    at, end = text.find(head), text.find(tail)
    if at >= 0:
        return at, (end + len(tail) if end > at else at + len(head))
    if end >= 0:
        return max(0, end + len(tail) - len(quote)), end + len(tail)
    raise SetError(f"conflict quote not found in the cleaned text of {where}: {quote[:60]!r}")


def _overlaps(side, span: tuple[int, int] | None) -> bool:
    return span is not None and side.start < span[1] and span[0] < side.end


def run_stories(sset: StorySet, settings: Settings, out_dir: Path, data_dir: Path | None = None,
                progress=None) -> dict:
    import tempfile

    out_dir.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(prefix="newsdesk-stories-") as tmp:
        settings = settings.model_copy(update={"data_dir": data_dir or Path(tmp) / "data"})
        container = get_container(settings)
        store = container.store
        if progress:
            progress("ingesting the corpus")
        started = time.perf_counter()
        report = ingest_paths(store, sset.inputs, int(settings.max_file_mb * 1e6))
        ingest_s = time.perf_counter() - started
        if report.failed:
            raise RuntimeError(f"corpus did not ingest cleanly: {[f.model_dump() for f in report.failed][:5]}")
        files = {f for g in sset.groups for f in g.articles} | {f for p in sset.borderline for f in p} \
            | {f for c in sset.conflicts for f in (c.a, c.b)} | {f for r in sset.reviewed for f in (r.a, r.b)}
        ids = _stored_ids(store, sset.corpus_path, files, int(settings.max_file_mb * 1e6))
        truth_groups = [[ids[f] for f in g.articles] for g in sset.groups]
        truth = _pairs(truth_groups)
        ignore = {frozenset((ids[a], ids[b])) for a, b in sset.borderline if ids[a] != ids[b]}
        truth -= ignore
        for r in sset.reviewed:  # last: a second reader's verdict overrides groups and borderline
            pair = frozenset((ids[r.a], ids[r.b]))
            if len(pair) == 2:
                truth.discard(pair)
                ignore.discard(pair)
                if r.verdict == "same":
                    truth.add(pair)
                elif r.verdict == "borderline":
                    ignore.add(pair)
        merged = sum(1 for g in sset.groups for a, b in combinations(g.articles, 2) if ids[a] == ids[b])

        if progress:
            progress("grouping")
        book = container.stories
        book.db.execute("DELETE FROM stories_state")
        book.db.execute("DELETE FROM article_vectors")
        book.db.commit()
        started = time.perf_counter()
        stories = book.stories()
        stories_s = time.perf_counter() - started
        started = time.perf_counter()
        stories = book.stories()  # warm: read back from the cache
        warm_s = time.perf_counter() - started
        predicted = [[a.id for a in s.articles] for s in stories]
        ours = pair_scores(predicted, truth, ignore)

        # Baseline: title+lead cosine alone, on the same vectors and the same linkage.
        rows = store.article_rows()
        vectors = book._vectors(rows)
        from service.stories.book import _day
        from service.stories.grouping import Doc

        docs = [Doc(r["id"], r["title"] or "", r["text"] or "", _day(r["published"])) for r in rows]
        baselines = {}
        for name, cos, link in (("cosine>=0.55, single link", 0.55, 0.0), ("cosine>=0.70, single link", 0.70, 0.0),
                                ("cosine>=0.70, average link", 0.70, 0.5)):
            params = StoryParams(window_days=settings.story_window_days, min_cosine=cos, min_evidence=0.0,
                                 min_evidence_undated=0.0, near_duplicate=2.0, link_density=link, rare_df=0,
                                 side_mentions=10**9)  # no fixtures: cosine alone
            groups = Grouper(docs, vectors, params).groups()
            baselines[name] = pair_scores([[docs[i].id for i in g] for g in groups], truth, ignore)

        if progress:
            progress("conflicts")
        started = time.perf_counter()
        reported = []
        for s in stories:
            if len(s.articles) > 1:
                reported += [(s.id, c) for c in book.conflicts_of(s)]
        conflicts_s = time.perf_counter() - started
        labelled, one_article = [], 0
        for c in sset.conflicts:
            if ids[c.a] == ids[c.b]:  # two files stored as one article: nothing to find
                one_article += 1
                continue
            a, b = store.get_article(ids[c.a]), store.get_article(ids[c.b])
            labelled.append((c, ids[c.a], _span(a.text, c.a_quote, c.a), ids[c.b], _span(b.text, c.b_quote, c.b)))
        members = {s.id: {a.id for a in s.articles} for s in stories}
        found = set()
        right = []
        for sid, rc in reported:
            hit = None
            v = {side.article_id: side for side in rc.versions}
            for n, (c, ia, sa, ib, sb) in enumerate(labelled):
                same_sentences = set(v) == {ia, ib} and _overlaps(v[ia], sa) and _overlaps(v[ib], sb)
                # A story reports each difference once, on whichever pair of its articles showed it
                # first: the same two values in the labelled quotes, within the same story, count.
                same_values = {ia, ib} <= members[sid] and rc.left and rc.right and (
                    rc.left in c.a_quote and rc.right in c.b_quote or rc.right in c.a_quote and rc.left in c.b_quote)
                if same_sentences or same_values:
                    hit = n
                    break
            right.append(hit)
            if hit is not None:
                found.add(hit)
        n_rep = len(reported)
        conflict_scores = {
            "reported": n_rep, "labelled": len(labelled), "right": sum(1 for h in right if h is not None),
            "labels_found": len(found),
            "precision": round(sum(1 for h in right if h is not None) / n_rep, 4) if n_rep else None,
            "recall": round(len(found) / len(labelled), 4) if labelled else None,
            "labels_on_one_stored_article": one_article,
            "labels_in_one_story": sum(1 for c, ia, _, ib, _ in labelled
                                       if any({ia, ib} <= set(p) for p in predicted)),
        }
        labelled_size = {a: len(g) for g in truth_groups for a in g}  # "unless labelled so"
        big = [{"id": s.id, "title": s.title, "articles": len(s.articles)} for s in stories
               if len(s.articles) > max(sset.max_story_size, *(labelled_size.get(a.id, 0) for a in s.articles))]
        file_of = {v: k for k, v in ids.items()}
        agg = {
            "set": sset.name, "articles": store.count()[0], "files_ingested": len(report.added) + len(report.unchanged)
            + len(report.updated), "duplicates_not_indexed": len(report.duplicate), "labelled_groups": len(sset.groups),
            "labelled_pairs_merged_by_dedupe": merged,
            "clustering": ours, "baselines": baselines, "conflicts": conflict_scores,
            "stories_over_max": big,
            "timings_s": {"ingest": round(ingest_s, 1), "stories_cold": round(stories_s, 2),
                          "stories_warm": round(warm_s, 3), "conflicts_read_all_stories": round(conflicts_s, 3)},
        }
        details = {
            "false_pairs": sorted([sorted(file_of.get(x, x) for x in p) for p in (_pairs(predicted) - ignore) - truth])[:300],
            "missed_pairs": sorted([sorted(file_of.get(x, x) for x in p) for p in truth - _pairs(predicted)])[:300],
            "unmatched_conflicts": [{"story": sid, **rc.model_dump()} for (sid, rc), h in zip(reported, right) if h is None],
            "missed_conflicts": [c.model_dump() for n, (c, *_ ) in enumerate(labelled) if n not in found],
        }
        values = {"clustering_precision": ours["precision"], "clustering_recall": ours["recall"],
                  "conflict_precision": conflict_scores["precision"], "conflict_recall": conflict_scores["recall"]}
        agg["misses"] = [f"{name} {values[name]} < {want}" for name, want in sset.thresholds.items()
                         if values.get(name) is None or values[name] < want]
        if big:
            agg["misses"].append(f"{len(big)} stories over {sset.max_story_size} articles")
        (out_dir / "metrics.json").write_text(json.dumps(agg, indent=2))
        (out_dir / "details.json").write_text(json.dumps(details, indent=2, ensure_ascii=False))
        _write_report(out_dir, agg, details)
        return agg


def _write_report(out_dir: Path, agg: dict, details: dict) -> None:
    c, k = agg["clustering"], agg["conflicts"]
    lines = [f"# Stories eval: {agg['set']}", "",
             f"{agg['articles']} articles stored ({agg['duplicates_not_indexed']} exact duplicates not indexed twice), "
             f"{agg['labelled_groups']} labelled same-event groups.", "",
             "| grouping | pairs predicted | precision | recall | stories ≥2 | largest |", "|---|---|---|---|---|---|",
             f"| **newsdesk** | {c['pairs_predicted']} | {c['precision']} | {c['recall']} | {c['stories_2plus']} | {c['largest']} |"]
    for name, b in agg["baselines"].items():
        lines.append(f"| baseline: {name} | {b['pairs_predicted']} | {b['precision']} | {b['recall']} | "
                     f"{b['stories_2plus']} | {b['largest']} |")
    lines += ["", "| conflicts | reported | right | precision | labelled | found | recall | labels whose articles share a story |",
              "|---|---|---|---|---|---|---|---|",
              f"| newsdesk | {k['reported']} | {k['right']} | {k['precision']} | {k['labelled']} | {k['labels_found']} | "
              f"{k['recall']} | {k['labels_in_one_story']} |", "",
              f"Stories over the size limit: {len(agg['stories_over_max'])}. Timings (s): {agg['timings_s']}", "",
              "## Reported conflicts that match no label (check by reading)", ""]
    for u in details["unmatched_conflicts"][:60]:
        lines.append(f"- `{u['about']}` ({u['relation']}): “{u['versions'][0]['text'][:160]}” / "
                     f"“{u['versions'][1]['text'][:160]}”")
    lines += ["", "## Labelled conflicts not found", ""]
    for m in details["missed_conflicts"]:
        lines.append(f"- {m['about']} ({m['a']} / {m['b']})")
    lines += ["", f"## Pairs grouped but not labelled ({len(details['false_pairs'])} shown)", ""]
    lines += [f"- {a} + {b}" for a, b in details["false_pairs"][:80]]
    lines += ["", f"## Labelled pairs not grouped ({len(details['missed_pairs'])} shown)", ""]
    lines += [f"- {a} + {b}" for a, b in details["missed_pairs"][:80]]
    (out_dir / "report.md").write_text("\n".join(lines) + "\n", encoding="utf-8")
