"""Ingest as a service function: the CLI, HTTP and batch all call this, never the store directly."""
from __future__ import annotations

import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field

from index.load import expand_paths, load_file
from index.models import Article, LoadError
from index.store import ArticleStore


@dataclass
class IngestReport:
    added: list[str] = field(default_factory=list)
    updated: list[str] = field(default_factory=list)
    unchanged: list[str] = field(default_factory=list)
    duplicate: list[str] = field(default_factory=list)  # exact re-publications, not indexed twice
    failed: list[LoadError] = field(default_factory=list)
    chunks: int = 0  # chunks written (added + updated articles)
    seconds: float = 0.0
    interrupted: bool = False

    @property
    def ok(self) -> bool:
        return not self.failed and not self.interrupted

    def as_dict(self) -> dict:
        return {"added": self.added, "updated": self.updated, "unchanged": self.unchanged,
                "duplicate": self.duplicate,
                "failed": [e.model_dump() for e in self.failed], "chunks": self.chunks,
                "seconds": round(self.seconds, 3), "interrupted": self.interrupted}


Progress = Callable[[int, int, str], None]  # (done, total, what)
BATCH_ARTICLES = 32  # articles embedded together: ~200 chunks, a few seconds of work between progress updates


def ingest_items(store: ArticleStore, items: Iterable[Article | LoadError]) -> IngestReport:
    """Store every article, record every failure; one bad item never stops the rest."""
    report = IngestReport()
    started = time.perf_counter()

    def write(batch: list[Article]) -> None:
        try:
            store.prepare(batch)  # one embedding call for the whole batch
        except Exception:  # noqa: S110 - each article is then embedded (and its failure reported) alone
            pass
        try:
            done = list(zip(batch, store.upsert_many(batch)))
        except Exception:  # noqa: S110 - one article broke the batch: store them one by one
            done = []
            for item in batch:
                try:
                    done.append((item, store.upsert(item)))
                except Exception as exc:  # a backend failure on one article is reported, not fatal
                    report.failed.append(LoadError(where=item.path or item.id, reason=f"could not store: {exc}"))
        for item, (outcome, n) in done:
            getattr(report, outcome).append(item.id)
            if outcome != "unchanged":
                report.chunks += n

    # Embedding the next batch in a thread while this one is written was measured: no gain on
    # 2 cores (onnxruntime already uses both), so batches go one after the other.
    batch: list[Article] = []
    try:
        for item in items:
            if isinstance(item, LoadError):
                report.failed.append(item)
                continue
            batch.append(item)
            if len(batch) >= BATCH_ARTICLES:
                write(batch)
                batch = []
        if batch:
            write(batch)
    except KeyboardInterrupt:
        report.interrupted = True
    finally:
        store.forget_prepared()
    if report.added or report.updated:
        store.ensure_bm25()
    report.seconds = time.perf_counter() - started
    return report


def ingest_paths(store: ArticleStore, paths: list[str], max_bytes: int,
                 progress: Progress | None = None) -> IngestReport:
    """Ingest files, folders and globs; progress is reported per input file."""
    inputs = list(expand_paths(paths))

    def items():
        for done, item in enumerate(inputs, start=1):
            if isinstance(item, LoadError):
                yield item
            else:
                yield from load_file(item, max_bytes)
            if progress:
                progress(done, len(inputs), item.where if isinstance(item, LoadError) else str(item))

    return ingest_items(store, items())
