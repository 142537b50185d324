"""Batch summaries: select the work, run it with bounded concurrency, checkpoint every item.

A run's id is derived from what it does (kind, filters, output folder), so running the same
command again resumes it. Each finished item commits to the checkpoint (`checkpoint.sqlite` in the
output folder, or the deployment's PostgreSQL) before it counts as done; `summaries.jsonl` and `digest.md` are rewritten from the checkpoint, so
a `kill -9` at any moment loses at most the items in flight and never duplicates one. They hold every
run into the folder, merged (the later run's result per item).
"""
from __future__ import annotations

import hashlib
import json
import os
import threading
import time
from collections.abc import Callable
from concurrent.futures import FIRST_COMPLETED, ThreadPoolExecutor, wait
from dataclasses import dataclass
from pathlib import Path

from index.db import Database, Record
from service.container import Context

MAX_ATTEMPTS = 3
_SCHEMA = """
CREATE TABLE IF NOT EXISTS runs (id TEXT PRIMARY KEY, params TEXT, created DOUBLE PRECISION,
  finished DOUBLE PRECISION);
CREATE TABLE IF NOT EXISTS items (run_id TEXT, item_id TEXT, kind TEXT, seq INTEGER, status TEXT,
  attempts INTEGER DEFAULT 0, error TEXT, result TEXT, seconds DOUBLE PRECISION, finished DOUBLE PRECISION,
  PRIMARY KEY (run_id, item_id));
"""


@dataclass(frozen=True)
class BatchParams:
    kind: str  # "articles" | "stories"
    since: str | None = None
    source: str | None = None
    out: str = "batch-out"

    def run_id(self) -> str:
        key = json.dumps({"kind": self.kind, "since": self.since, "source": self.source,
                          "out": str(Path(self.out).resolve())}, sort_keys=True)
        return "run-" + hashlib.sha1(key.encode()).hexdigest()[:10]


class Checkpoint:
    """Runs and their items. With `database_url` every run of the deployment is in one database,
    each tagged with its output folder; else the folder holds its own `checkpoint.sqlite`."""

    def __init__(self, out: Path, database_url: str | None = None):
        out.mkdir(parents=True, exist_ok=True)
        self.out = str(out.resolve())
        self.path = database_url or out / "checkpoint.sqlite"
        self.db = Database(self.path, schema=_SCHEMA, timeout=60)
        if self.db.add_columns("runs", ["out TEXT"]) and not database_url:
            self.db.execute("UPDATE runs SET out=?", (self.out,))  # a folder's file from before the column
        self.lock = threading.Lock()

    def start(self, run_id: str, params: BatchParams, items: list[tuple[str, str]]) -> None:
        with self.lock, self.db:
            self.db.execute("INSERT INTO runs (id, params, created, finished, out) VALUES (?,?,?,NULL,?) "
                            "ON CONFLICT (id) DO NOTHING", (run_id, json.dumps(params.__dict__), time.time(), self.out))
            self.db.executemany("INSERT INTO items (run_id, item_id, kind, seq, status) VALUES (?,?,?,?,'pending') "
                                "ON CONFLICT (run_id, item_id) DO NOTHING",
                                [(run_id, item_id, kind, n) for n, (kind, item_id) in enumerate(items)])

    def todo(self, run_id: str) -> list[tuple[str, str]]:
        rows = self.db.execute("SELECT kind, item_id FROM items WHERE run_id=? AND status!='done' AND attempts<? "
                               "ORDER BY seq", (run_id, MAX_ATTEMPTS)).fetchall()
        return [(r[0], r[1]) for r in rows]

    def done(self, run_id: str, item_id: str, result: dict, seconds: float) -> None:
        with self.lock, self.db:
            self.db.execute("UPDATE items SET status='done', attempts=attempts+1, error=NULL, result=?, seconds=?, "
                            "finished=? WHERE run_id=? AND item_id=? AND status!='done'",
                            (json.dumps(result), seconds, time.time(), run_id, item_id))

    def failed(self, run_id: str, item_id: str, error: str) -> None:
        with self.lock, self.db:
            self.db.execute("UPDATE items SET status='failed', attempts=attempts+1, error=? WHERE run_id=? AND item_id=?",
                            (error[:2000], run_id, item_id))

    def finish(self, run_id: str) -> None:
        with self.lock, self.db:
            self.db.execute("UPDATE runs SET finished=? WHERE id=?", (time.time(), run_id))

    def status(self, run_id: str) -> dict:
        run = self.db.execute("SELECT params, created, finished FROM runs WHERE id=?", (run_id,)).fetchone()
        if not run:
            raise LookupError(f"no run {run_id} in {self.out if isinstance(self.path, str) else self.path}")
        counts = dict(self.db.execute("SELECT status, COUNT(*) FROM items WHERE run_id=? GROUP BY status", (run_id,)))
        errors = [{"item": r[0], "attempts": r[1], "error": r[2]} for r in self.db.execute(
            "SELECT item_id, attempts, error FROM items WHERE run_id=? AND status='failed'", (run_id,))]
        return {"run_id": run_id, "params": json.loads(run[0]), "created": run[1], "finished": run[2],
                "total": sum(counts.values()), "done": counts.get("done", 0), "failed": counts.get("failed", 0),
                "pending": counts.get("pending", 0), "errors": errors}

    def rows(self, run_id: str) -> list[Record]:
        return self.db.execute("SELECT * FROM items WHERE run_id=? ORDER BY seq", (run_id,)).fetchall()

    def merged_rows(self) -> list[Record]:
        """Every run that wrote to this folder, merged: the latest run's row for each item."""
        rows = self.db.execute("SELECT i.* FROM items i JOIN runs r ON r.id = i.run_id WHERE r.out=? "
                               "ORDER BY r.created, i.seq", (self.out,)).fetchall()
        latest = {(r["kind"], r["item_id"]): r for r in rows}
        return list(latest.values())


def select_items(ctx: Context, params: BatchParams) -> list[tuple[str, str]]:
    """(kind, id) pairs: stories first when both are wanted, then articles, in a stable order."""

    articles = [a for a in ctx.store.list_articles()
                if (not params.since or (a.published or "") >= params.since)
                and (not params.source or a.source == params.source)]
    if params.kind == "articles":
        return [("article", a.id) for a in sorted(articles, key=lambda a: a.id)]
    wanted = {a.id for a in articles}
    stories = ctx.stories.stories()
    return [("story", s.id) for s in stories if any(a.id in wanted for a in s.articles)]


def summarize_item(ctx: Context, kind: str, item_id: str) -> dict:
    """The unit of work, shared by the local runner and the Celery task."""
    from service.summarize import summarize_article, summarize_story

    result = summarize_story(ctx, item_id) if kind == "story" else summarize_article(ctx, item_id)
    return result.model_dump()


Progress = Callable[[int, int, int], None]  # done, failed, total


def start_run(ctx: Context, params: BatchParams) -> tuple[Checkpoint, str]:
    """The run's checkpoint with its items recorded (a rerun adds nothing already there)."""
    cp = Checkpoint(Path(params.out), ctx.settings.database)
    run_id = params.run_id()
    cp.start(run_id, params, select_items(ctx, params))
    return cp, run_id


def report_progress(cp: Checkpoint, run_id: str, progress: Progress | None) -> None:
    if progress:
        s = cp.status(run_id)
        progress(s["done"], s["failed"], s["total"])


def finish_run(cp: Checkpoint, run_id: str, out: Path) -> dict:
    cp.finish(run_id)
    write_outputs(cp, run_id, out)
    return cp.status(run_id)


def run_local(ctx: Context, params: BatchParams, concurrency: int = 1, progress: Progress | None = None,
              work: Callable[[str, str], dict] | None = None) -> dict:
    cp, run_id = start_run(ctx, params)
    work = work or (lambda kind, item_id: summarize_item(ctx, kind, item_id))

    def one(kind: str, item_id: str) -> None:
        started = time.perf_counter()
        try:
            result = work(kind, item_id)
        except Exception as exc:  # one bad item never stops the run; it is retried up to MAX_ATTEMPTS
            cp.failed(run_id, item_id, f"{type(exc).__name__}: {exc}")
        else:
            cp.done(run_id, item_id, result, time.perf_counter() - started)

    report_progress(cp, run_id, progress)
    while True:
        todo = cp.todo(run_id)
        if not todo:
            break
        with ThreadPoolExecutor(max_workers=max(1, concurrency)) as pool:
            pending = {pool.submit(one, kind, item_id) for kind, item_id in todo}
            while pending:
                finished, pending = wait(pending, return_when=FIRST_COMPLETED)
                report_progress(cp, run_id, progress)
    return finish_run(cp, run_id, Path(params.out))


def write_outputs(cp: Checkpoint, run_id: str, out: Path) -> None:
    """summaries.jsonl and digest.md from the checkpoint (temp file, then rename). They hold every
    run that used this output folder, merged (an item summarised twice: the later run's), so two
    runs into one folder add up instead of the second erasing the first."""
    rows = cp.merged_rows()
    lines = []
    for r in rows:
        obj = {"item_id": r["item_id"], "kind": r["kind"], "status": r["status"], "attempts": r["attempts"],
               "seconds": r["seconds"], "error": r["error"]}
        if r["result"]:
            obj.update(json.loads(r["result"]))
        lines.append(json.dumps(obj, ensure_ascii=False))
    tmp = out / f"summaries.jsonl.{os.getpid()}.{threading.get_ident()}.tmp"
    tmp.write_text("\n".join(lines) + ("\n" if lines else ""), encoding="utf-8")
    tmp.replace(out / "summaries.jsonl")
    digest = ["# newsdesk digest", ""]
    for kind, heading in (("story", "Stories"), ("article", "Articles")):
        chosen = [r for r in rows if r["kind"] == kind and r["status"] == "done"]
        if not chosen:
            continue
        digest += [f"## {heading}", ""]
        for r in chosen:
            res = json.loads(r["result"])
            first = res["citations"][0] if res["citations"] else None
            title = first["title"] if first else r["item_id"]
            digest += [f"### {title}", "", res["summary"] or "_(no supported summary)_", ""]
            for c in res.get("conflicts", []):
                digest.append(f"- ⚠️ outlets differ on {c['about']}")
            for c in res["citations"]:
                link = f"[{c['title']}]({c['url']})" if c.get("url") else c["title"]
                digest.append(f"- [{c['id']}] {link} — {c.get('source') or '?'}, {c.get('published') or '?'}: "
                              f"“{c['quote'][:200]}”")
            digest.append("")
    failed = [r for r in rows if r["status"] == "failed"]
    if failed:
        digest += ["## Failed", ""] + [f"- {r['item_id']}: {r['error']}" for r in failed] + [""]
    tmp = out / f"digest.md.{os.getpid()}.{threading.get_ident()}.tmp"
    tmp.write_text("\n".join(digest), encoding="utf-8")
    tmp.replace(out / "digest.md")
