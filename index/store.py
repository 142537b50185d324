"""Where articles live: a SQLite catalog, Chroma vectors (via LangChain's indexing API) and BM25.

Two stores cannot share a transaction, so every write is journalled: the article (or the delete)
is recorded in the catalog's `pending` table before Chroma is touched, and the catalog commit
that completes it removes the record. A process killed in between leaves the record behind, and
the next start finishes the write (`reconcile`), so an article is never listed without its
vectors nor searchable after its delete. Search only returns chunks the catalog knows, and chunk
ids carry a content digest, so a retry overwrites instead of duplicating.

A data dir nobody may write (a read-only mount, a published snapshot) still serves every read:
the catalog opens read-only, Chroma from a private temporary copy, BM25 in memory.
"""
from __future__ import annotations

import atexit
import gc
import hashlib
import json
import os
import shutil
import socket
import tempfile
import threading
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Literal

from langchain_core.documents import Document
from langchain_core.embeddings import Embeddings

from index.bm25 import Bm25Index
from index.dense import DenseIndex, Matrix
from index.chunk import chunk_article
from index.models import Article, ArticleSummary, Chunk, Hit
from index.db import Database, Record
from index.sqlite import ReadOnlyError, writable

Outcome = Literal["added", "updated", "unchanged", "duplicate"]

_SCHEMA = """
CREATE TABLE IF NOT EXISTS articles (
  id TEXT PRIMARY KEY, title TEXT, source TEXT, url TEXT, published TEXT, author TEXT,
  path TEXT, raw_text TEXT, text TEXT, metadata TEXT, content_hash TEXT, ingested_at DOUBLE PRECISION,
  text_hash TEXT);
CREATE INDEX IF NOT EXISTS articles_text_hash ON articles(text_hash);
CREATE TABLE IF NOT EXISTS chunks (
  id TEXT PRIMARY KEY, article_id TEXT NOT NULL, idx INTEGER, start INTEGER, "end" INTEGER,
  text TEXT, tokens INTEGER);
CREATE INDEX IF NOT EXISTS chunks_article ON chunks(article_id);
CREATE INDEX IF NOT EXISTS articles_url ON articles(url);
CREATE TABLE IF NOT EXISTS meta (key TEXT PRIMARY KEY, value TEXT);
CREATE TABLE IF NOT EXISTS pending (article_id TEXT PRIMARY KEY, op TEXT, article TEXT, pid INTEGER,
  host TEXT, at DOUBLE PRECISION);
"""


@dataclass(frozen=True)
class StoreConfig:
    data_dir: Path
    collection: str
    chunk_tokens: int = 110
    chunk_overlap: int = 25
    chroma_url: str | None = None
    database_url: str | None = None  # unset: catalog.sqlite and records.sqlite in data_dir


def same_text_key(text: str) -> str:
    """Two articles with this key hold the same text (whitespace and case aside): stored once."""
    return hashlib.sha256(" ".join(text.split()).lower().encode()).hexdigest()


def published_int(published: str | None) -> int:
    """YYYYMMDD as an int: Chroma range filters only compare numbers."""
    return int(published.replace("-", "")) if published else 0


def chroma_client(data_dir: Path, chroma_url: str | None):
    import chromadb
    from chromadb.config import Settings as ChromaSettings

    chroma_settings = ChromaSettings(anonymized_telemetry=False)
    if chroma_url:
        from urllib.parse import urlparse

        u = urlparse(chroma_url)
        return chromadb.HttpClient(host=u.hostname or "localhost", port=u.port or 8000,
                                   ssl=u.scheme == "https", settings=chroma_settings)
    return chromadb.PersistentClient(path=str(data_dir / "chroma"), settings=chroma_settings)


class ArticleStore:
    def __init__(self, config: StoreConfig, embeddings: Embeddings):
        self.config = config
        self.embeddings = embeddings
        self.read_only = not writable(config.data_dir)
        if not self.read_only:
            config.data_dir.mkdir(parents=True, exist_ok=True)
        self._db_path = config.data_dir / "catalog.sqlite"
        if self.read_only and not config.database_url and not self._db_path.exists():
            raise ReadOnlyError(f"no index in {config.data_dir}, and it is read-only: nothing to read or write")
        self.db = Database(config.database_url or self._db_path, read_only=self.read_only, schema=_SCHEMA)
        self._vectors = None
        self._records = None
        self._open_lock = threading.RLock()
        self._vectors_generation: int | None = None  # the catalog generation our Chroma client has seen
        self.bm25 = Bm25Index(config.data_dir / "bm25")
        self.dense = DenseIndex(config.data_dir / f"dense-{config.collection}")
        self.duplicates: dict[str, str] = {}  # skipped id → the stored twin, for this process
        self._prepared = _Prepared(embeddings)  # chunks and vectors embedded ahead, many articles at once
        self.repairs: list[str] = []  # what reconcile fixed when this process opened the store

    # --- plumbing ------------------------------------------------------------------------
    def _db(self) -> Database:
        return self.db

    def require_writable(self, what: str) -> None:
        if self.read_only:
            raise ReadOnlyError(f"the data dir {self.config.data_dir} is read-only: cannot {what}")

    @property
    def vectors(self):
        """LangChain's Chroma store over our collection (created lazily: it opens Chroma).

        Embedded Chroma keeps its vector index in memory and never sees another process's writes
        (chromadb is not multi-process safe): when the catalog's generation moved under us, the
        client is opened afresh from disk."""
        with self._open_lock:  # two requests opening Chroma at once break its client (a race in chromadb)
            generation = self.generation()
            stale = generation != self._vectors_generation and not self.config.chroma_url
            if self._vectors is None or stale:
                if self._vectors is not None:
                    self._forget_client()
                self._vectors = self._open_vectors()
                self._vectors_generation = generation
            return self._vectors

    def _forget_client(self) -> None:
        """Drop this path's cached chromadb system, so the next client reads the disk afresh; the
        old one is freed when its last reader lets go (stopping it would break the new one)."""
        from chromadb.api.shared_system_client import SharedSystemClient

        SharedSystemClient._identifier_to_system.pop(str(self.config.data_dir / "chroma"), None)
        gc.collect()  # old clients sit in reference cycles: free them now, not at some later sweep
        _release_memory()

    def read_vectors(self, read):
        """`read(collection)`, once more on a freshly opened client if Chroma fails: another
        process may be writing between our generation check and the read."""
        from chromadb.errors import ChromaError

        try:
            return read(self.vectors._collection)
        except ChromaError:
            with self._open_lock:
                self._vectors_generation = None
            return read(self.vectors._collection)

    def _open_vectors(self):
        from langchain_chroma import Chroma

        data_dir = self.config.data_dir
        if self.read_only and not self.config.chroma_url:  # Chroma writes even to read
            copy = Path(tempfile.mkdtemp(prefix="newsdesk-chroma-"))
            atexit.register(shutil.rmtree, copy, True)
            if (data_dir / "chroma").is_dir():
                shutil.copytree(data_dir / "chroma", copy / "chroma")
            data_dir = copy
        client = chroma_client(data_dir, self.config.chroma_url)
        return Chroma(collection_name=self.config.collection, client=client, embedding_function=self._prepared,
                      collection_metadata={"hnsw:space": "cosine"})

    @property
    def records(self):
        """The record manager that makes re-ingest idempotent (LangChain indexing API)."""
        with self._open_lock:
            if self._records is None:
                from langchain_classic.indexes import SQLRecordManager

                from index.db import engine_url

                url = self.config.database_url or f"sqlite:///{self.config.data_dir / 'records.sqlite'}"
                self._records = SQLRecordManager(f"chroma/{self.config.collection}", db_url=engine_url(url))
                with self.db.schema_lock():  # two processes creating it at once: one would fail
                    self._records.create_schema()
            return self._records

    def generation(self) -> int:
        row = self._db().execute("SELECT value FROM meta WHERE key='generation'").fetchone()
        return int(row[0]) if row else 0

    def _bump_generation(self, db: Database) -> None:
        """Inside the write's transaction. Our own Chroma client saw our write; if it had also
        seen every earlier one, it stays current (else the next read reopens it)."""
        before = self.generation()
        db.execute("INSERT INTO meta(key, value) VALUES('generation', '1') ON CONFLICT(key) "
                   "DO UPDATE SET value = CAST(CAST(meta.value AS INTEGER) + 1 AS TEXT)")
        with self._open_lock:
            if self._vectors_generation == before:
                self._vectors_generation = before + 1

    def ensure_bm25(self) -> Bm25Index:
        def rows():
            q = ("SELECT c.id, a.title || '\n' || c.text FROM chunks c JOIN articles a "
                 "ON a.id = c.article_id ORDER BY c.id")
            return [(r[0], r[1]) for r in self._db().execute(q)]

        self.bm25.ensure(self.generation(), rows)
        return self.bm25

    def ensure_dense(self) -> Matrix:
        """Every vector as one matrix, with the columns filters need, current with the catalog."""
        def rows():
            q = ("SELECT c.id, c.article_id, a.source, a.published FROM chunks c JOIN articles a "
                 "ON a.id = c.article_id ORDER BY c.id")
            return [tuple(r) for r in self._db().execute(q)]

        def fetch(ids: list[str]) -> dict[str, list[float]]:
            out: dict[str, list[float]] = {}
            for i in range(0, len(ids), 2000):
                part = ids[i:i + 2000]
                got = self.read_vectors(lambda c: c.get(ids=part, include=["embeddings"]))
                out.update(zip(got["ids"], got["embeddings"]))
            return out

        return self.dense.ensure(self.generation(), rows, fetch)

    # --- writes --------------------------------------------------------------------------
    def content_hash(self, article: Article) -> str:
        payload = [article.title, article.source, article.url, article.published, article.author,
                   article.text, article.metadata, self.config.chunk_tokens,
                   self.config.chunk_overlap, self.config.collection]
        return hashlib.sha256(json.dumps(payload, sort_keys=True, default=str).encode()).hexdigest()

    def upsert(self, article: Article) -> tuple[Outcome, int]:
        """Add or replace one article; returns what happened and how many chunks it has."""
        self.require_writable(f"store article {article.id}")
        return self.upsert_many([article])[0]

    def prepare(self, articles: list[Article]) -> None:
        """Chunk and embed, in one call, every article of a batch that `upsert` will write: one
        embedding call over many articles fills length-sorted batches (a few chunks per article
        pad each other far more) and saves the per-call cost. `upsert` then takes them as ready."""
        db = self._db()
        todo = {}
        for article in articles:
            digest = self.content_hash(article)
            row = db.execute("SELECT content_hash FROM articles WHERE id=?", (article.id,)).fetchone()
            if not (row and row["content_hash"] == digest):
                todo[digest] = (article.title, chunk_article(article, self.config.chunk_tokens,
                                                             self.config.chunk_overlap))
        self._prepared.fill(todo)

    def forget_prepared(self) -> None:
        self._prepared.forget()

    def upsert_many(self, articles: list[Article]) -> list[tuple[Outcome, int]]:
        """`upsert` for a batch: the articles to write go to the vector store in one indexing run
        (one Chroma write per 64 chunks instead of one per article) and to the catalog in one
        transaction; each keeps its own journal record, so a crash is repaired article by article."""
        self.require_writable(f"store {len(articles)} articles")
        db = self._db()
        out: list[tuple[Outcome, int] | None] = []
        to_write: list[tuple[int, Article, str]] = []
        texts: dict[str, str] = {}  # text key → id written earlier in this batch
        for article in articles:
            digest = self.content_hash(article)
            row = db.execute("SELECT content_hash FROM articles WHERE id=?", (article.id,)).fetchone()
            if row and row["content_hash"] == digest:
                n = db.execute("SELECT COUNT(*) FROM chunks WHERE article_id=?", (article.id,)).fetchone()[0]
                out.append(("unchanged", n))
                continue
            key = same_text_key(article.text)
            twin = db.execute("SELECT id FROM articles WHERE text_hash=? AND id<>?", (key, article.id)).fetchone()
            twin_id = twin[0] if twin else texts.get(key)
            if twin_id and twin_id != article.id:
                self.duplicates[article.id] = twin_id
                out.append(("duplicate", 0))
                continue
            texts[key] = article.id
            if any(a.id == article.id for _, a, _ in to_write):  # the same id twice: the later one wins
                to_write = [w for w in to_write if w[1].id != article.id]
            to_write.append((len(out), article, digest))
            out.append(("updated" if row else "added", 0))
        if to_write:
            counts = self._write_many([(a, d) for _, a, d in to_write])
            for (i, _, _), n in zip(to_write, counts):
                out[i] = (out[i][0], n)
        return out  # type: ignore[return-value]

    def _write(self, article: Article, digest: str) -> int:
        return self._write_many([(article, digest)])[0]

    def _write_many(self, items: list[tuple[Article, str]]) -> list[int]:
        """Vectors, then the catalog, under journal records that the catalog commit removes."""
        from langchain_core.indexing import index as lc_index

        chunked = [(article, digest, self._prepared.chunks(digest)
                    or chunk_article(article, self.config.chunk_tokens, self.config.chunk_overlap))
                   for article, digest in items]
        docs = [self._document(article, c) for article, _, chunks in chunked for c in chunks]
        db = self._db()
        with db:
            for article, _, _ in chunked:
                self._journal(db, article.id, "upsert", article.model_dump_json())
        # Writes new chunks, then deletes each article's chunks that are no longer produced.
        lc_index(docs, self.records, self.vectors, cleanup="scoped_full", source_id_key="article_id",
                 key_encoder=lambda doc: doc.metadata["chunk_id"], batch_size=64)
        with db:
            for article, digest, chunks in chunked:
                db.execute("DELETE FROM chunks WHERE article_id=?", (article.id,))
                db.execute("DELETE FROM articles WHERE id=?", (article.id,))
                db.execute(
                    "INSERT INTO articles VALUES (?,?,?,?,?,?,?,?,?,?,?,?,?)",
                    (article.id, article.title, article.source, article.url, article.published,
                     article.author, article.path, article.raw_text, article.text,
                     json.dumps(article.metadata), digest, time.time(), same_text_key(article.text)))
                db.executemany("INSERT INTO chunks VALUES (?,?,?,?,?,?,?)",
                               [(c.id, c.article_id, c.index, c.start, c.end, c.text, c.tokens)
                                for c in chunks])
                db.execute("DELETE FROM pending WHERE article_id=?", (article.id,))
            self._bump_generation(db)
        return [len(chunks) for _, _, chunks in chunked]

    @staticmethod
    def _journal(db: Database, article_id: str, op: str, article: str | None) -> None:
        db.execute("DELETE FROM pending WHERE article_id=?", (article_id,))
        db.execute("INSERT INTO pending VALUES (?,?,?,?,?,?)",
                   (article_id, op, article, os.getpid(), socket.gethostname(), time.time()))

    @staticmethod
    def _document(article: Article, chunk: Chunk) -> Document:
        meta = {"article_id": article.id, "chunk_id": chunk.id, "index": chunk.index,
                "start": chunk.start, "end": chunk.end, "title": article.title,
                "published_int": published_int(article.published)}
        if article.source:
            meta["source"] = article.source
        # The title travels with the text into the embedding: a chunk alone can lack the subject.
        return Document(page_content=f"{article.title}\n{chunk.text}", metadata=meta)

    def delete(self, article_id: str) -> bool:
        self.require_writable(f"delete article {article_id}")
        db = self._db()
        if not db.execute("SELECT 1 FROM articles WHERE id=?", (article_id,)).fetchone():
            return False
        with db:  # hide it from search first; the vectors follow, the journal finishes them after a crash
            self._journal(db, article_id, "delete", None)
            self._drop_from_catalog(db, article_id)
        self.purge_vectors(article_id)
        with db:
            db.execute("DELETE FROM pending WHERE article_id=? AND op='delete'", (article_id,))
        return True

    def _drop_from_catalog(self, db: Database, article_id: str) -> None:
        """Inside a transaction: the article and its chunks leave search (the generation moves)."""
        db.execute("DELETE FROM chunks WHERE article_id=?", (article_id,))
        if db.execute("DELETE FROM articles WHERE id=?", (article_id,)).rowcount:
            self._bump_generation(db)

    def purge_vectors(self, article_id: str) -> None:
        keys = self.records.list_keys(group_ids=[article_id])
        if keys:
            self.vectors.delete(ids=keys)
            self.records.delete_keys(keys)

    # --- repair --------------------------------------------------------------------------
    def reconcile(self, full: bool = False) -> list[str]:
        """Finish the writes a killed process left half done; with `full`, also compare the
        catalog's chunk ids with Chroma's and mend any drift. Returns what was fixed."""
        if self.read_only:
            return []
        fixed = []
        db = self._db()
        host = socket.gethostname()
        for r in db.execute("SELECT * FROM pending ORDER BY at").fetchall():
            if r["host"] == host and r["pid"] != os.getpid() and _alive(r["pid"]):
                continue  # another live process is writing it right now
            if r["op"] == "delete":
                with db:
                    self._drop_from_catalog(db, r["article_id"])
                self.purge_vectors(r["article_id"])
                fixed.append(f"finished the interrupted delete of article {r['article_id']}")
            else:
                article = Article.model_validate_json(r["article"])
                self._write(article, self.content_hash(article))
                fixed.append(f"finished the interrupted write of article {r['article_id']}")
            with db:
                db.execute("DELETE FROM pending WHERE article_id=? AND at=?", (r["article_id"], r["at"]))
        if full:
            fixed += self._mend_drift()
        return fixed

    def _mend_drift(self) -> list[str]:
        db = self._db()
        in_chroma = set(self.read_vectors(lambda c: c.get(include=[])["ids"]))  # ids only: 30 ms at 11k chunks
        catalog = {r[0]: r[1] for r in db.execute("SELECT id, article_id FROM chunks")}
        fixed = []
        orphans = sorted(in_chroma - set(catalog))
        if orphans:
            for i in range(0, len(orphans), 500):
                self.vectors.delete(ids=orphans[i:i + 500])
                self.records.delete_keys(orphans[i:i + 500])
            fixed.append(f"removed {len(orphans)} vectors of articles the catalog no longer holds")
        missing = sorted(set(catalog) - in_chroma)
        if missing:
            self.records.delete_keys(missing)  # or the indexing API believes them written
        for article_id in sorted({catalog[c] for c in missing}):
            article = self.get_article(article_id)
            self._write(article, self.content_hash(article))
            fixed.append(f"re-embedded article {article_id}, whose vectors were missing")
        return fixed

    # --- reads ---------------------------------------------------------------------------
    def holder_of(self, text: str) -> str | None:
        """The stored article holding this text, if any (an exact re-publication is not stored)."""
        row = self._db().execute("SELECT id FROM articles WHERE text_hash=?", (same_text_key(text),)).fetchone()
        return row[0] if row else None

    def find_by_url(self, url: str) -> str | None:
        row = self._db().execute("SELECT id FROM articles WHERE url=?", (url,)).fetchone()
        return row[0] if row else None

    def list_articles(self) -> list[ArticleSummary]:
        q = ("SELECT a.id, a.title, a.source, a.url, a.published, COUNT(c.id) AS chunks FROM "
             "articles a LEFT JOIN chunks c ON c.article_id = a.id GROUP BY a.id "
             "ORDER BY COALESCE(a.published, '') DESC, a.title")
        return [ArticleSummary(**dict(r)) for r in self._db().execute(q)]

    def get_article(self, article_id: str) -> Article | None:
        r = self._db().execute("SELECT * FROM articles WHERE id=?", (article_id,)).fetchone()
        if not r:
            return None
        return Article(id=r["id"], title=r["title"] or "", source=r["source"], url=r["url"],
                       published=r["published"], author=r["author"], path=r["path"],
                       raw_text=r["raw_text"] or "", text=r["text"] or "",
                       metadata=json.loads(r["metadata"] or "{}"))

    def article_rows(self) -> list[Record]:
        """Every article's id, title, source, url, date, text and content hash, oldest first."""
        return self._db().execute("SELECT id, title, source, url, published, text, content_hash FROM articles "
                                  "ORDER BY COALESCE(published, ''), id").fetchall()

    def first_chunk_ids(self, article_ids: list[str]) -> dict[str, str]:
        """chunk id → article id of each article's first chunk (its title and lead)."""
        out: dict[str, str] = {}
        for i in range(0, len(article_ids), 500):
            part = article_ids[i:i + 500]
            q = f"SELECT id, article_id FROM chunks WHERE idx=0 AND article_id IN ({','.join('?' * len(part))})"
            out.update({r[0]: r[1] for r in self._db().execute(q, part)})
        return out

    def article_hits(self, article_ids: list[str]) -> list[Hit]:
        """Every chunk of these articles, in reading order, as retrieval hits."""
        hits = []
        for aid in article_ids:
            rows = self._db().execute(
                "SELECT c.id, c.start, c.\"end\", c.text, a.title, a.source, a.url, a.published FROM chunks c "
                "JOIN articles a ON a.id = c.article_id WHERE c.article_id=? ORDER BY c.idx", (aid,)).fetchall()
            hits.extend(Hit(article_id=aid, title=r["title"] or "", source=r["source"], url=r["url"],
                            published=r["published"], chunk_id=r["id"], start=r["start"], end=r["end"],
                            score=1.0, text=r["text"]) for r in rows)
        return hits

    def chunk_rows(self, chunk_ids: list[str]) -> dict[str, Record]:
        """Catalog rows (chunk + article fields) for the given ids; unknown ids are absent."""
        out: dict[str, Record] = {}
        db = self._db()
        for i in range(0, len(chunk_ids), 500):
            part = chunk_ids[i:i + 500]
            q = ("SELECT c.id AS chunk_id, c.article_id, c.start, c.\"end\", c.text, a.title, "
                 "a.source, a.url, a.published FROM chunks c JOIN articles a ON a.id = c.article_id "
                 f"WHERE c.id IN ({','.join('?' * len(part))})")
            out.update({r["chunk_id"]: r for r in db.execute(q, part)})
        return out

    def count(self) -> tuple[int, int]:
        db = self._db()
        return (db.execute("SELECT COUNT(*) FROM articles").fetchone()[0],
                db.execute("SELECT COUNT(*) FROM chunks").fetchone()[0])

    def close(self) -> None:
        self.db.close()



class _Prepared(Embeddings):
    """The store's embedding function: vectors computed ahead by `prepare` are handed out (and
    forgotten) when Chroma asks for them; anything else is embedded on the spot."""

    def __init__(self, inner: Embeddings):
        self.inner = inner
        self._chunks: dict[str, list[Chunk]] = {}
        self._vectors: dict[str, list[float]] = {}
        self._lock = threading.Lock()

    def fill(self, articles: dict[str, tuple[str, list[Chunk]]]) -> None:
        """Embed the chunks of {content hash: (title, chunks)}; kept until `upsert` takes them (a
        batch being written and the next one being embedded can both be here)."""
        texts = list(dict.fromkeys(f"{title}\n{c.text}" for title, cs in articles.values() for c in cs))
        vectors = self.inner.embed_documents(texts) if texts else []
        with self._lock:
            self._chunks.update({digest: cs for digest, (_, cs) in articles.items()})
            self._vectors.update(zip(texts, vectors))

    def chunks(self, digest: str) -> list[Chunk] | None:
        with self._lock:
            return self._chunks.pop(digest, None)

    def forget(self) -> None:
        """Drop what no upsert took (skipped duplicates, failures): called after each ingest."""
        with self._lock:
            self._chunks.clear()
            self._vectors.clear()

    def embed_documents(self, texts: list[str]) -> list[list[float]]:
        with self._lock:
            ready = [self._vectors.pop(t, None) for t in texts]
        missing = [t for t, v in zip(texts, ready) if v is None]
        fresh = iter(self.inner.embed_documents(missing) if missing else [])
        return [v if v is not None else next(fresh) for v in ready]

    def embed_query(self, text: str) -> list[float]:
        return self.inner.embed_query(text)


def _release_memory() -> None:
    """Hand a freed client's vector index back to the system (glibc keeps freed arenas)."""
    try:
        import ctypes

        ctypes.CDLL("libc.so.6").malloc_trim(0)
    except (OSError, AttributeError):
        pass


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True
