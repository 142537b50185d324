"""One SQL database for everything the processes of a deployment share: a SQLite file in the data
dir (the embedded default) or PostgreSQL (`postgresql://…`), through one code path.

Callers write plain SQL with `?` markers that both dialects read the same way (no `INSERT OR …`,
no `PRAGMA`, upserts as `ON CONFLICT`), and use the object as they used a sqlite3 connection:
`execute`, `executemany`, `with db:` for a transaction. A statement outside a transaction commits
at once; inside one, every statement of the thread shares its connection.
"""
from __future__ import annotations

import re
import threading
from collections.abc import Iterable, Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path
from typing import Any

_MARK = re.compile(r"\?")
_SCHEMA_LOCK = 0x6E657773  # "news": the advisory lock id for schema changes


def engine_url(url: str) -> str:
    """`postgresql://` means psycopg 3 here (SQLAlchemy's default driver for it is psycopg2)."""
    for prefix in ("postgresql://", "postgres://"):
        if url.startswith(prefix):
            return "postgresql+psycopg://" + url[len(prefix):]
    return url


def redact(url: str) -> str:
    """The URL without its password, for messages."""
    return re.sub(r"://([^:/@]+):[^@]*@", r"://\1:***@", url)


class Record(tuple):
    """A row readable by position and by column name, like sqlite3.Row (`dict(row)` works)."""

    _names: dict[str, int]

    def __new__(cls, values: Sequence[Any], names: dict[str, int]):
        row = super().__new__(cls, values)
        row._names = names
        return row

    def __getitem__(self, key):  # type: ignore[override]
        if isinstance(key, str):
            return tuple.__getitem__(self, self._names[key])
        return tuple.__getitem__(self, key)

    def keys(self) -> list[str]:
        return list(self._names)


class Rows:
    """A statement's rows, read in full before its connection went back to the pool."""

    def __init__(self, rows: list[Record], rowcount: int):
        self.rows = rows
        self.rowcount = rowcount

    def fetchone(self) -> Record | None:
        return self.rows[0] if self.rows else None

    def fetchall(self) -> list[Record]:
        return self.rows

    def __iter__(self) -> Iterator[Record]:
        return iter(self.rows)


class Database:
    def __init__(self, url: str | Path, *, read_only: bool = False, schema: str = "", timeout: float = 30):
        """`url`: a SQLAlchemy URL, or a path for a SQLite file (opened with the pragmas of
        `index.sqlite.connect`; `read_only` never writes to it)."""
        from sqlalchemy import create_engine
        from sqlalchemy.pool import QueuePool

        self.url = str(url) if "://" in str(url) else f"sqlite:///{Path(url)}"
        self.dialect = self.url.split(":", 1)[0].split("+", 1)[0]
        if self.dialect == "sqlite":
            from index.sqlite import connect

            path = Path(url) if "://" not in str(url) else Path(self.url.split(":///", 1)[1])
            self.engine = create_engine("sqlite://", creator=lambda: connect(path, read_only=read_only, timeout=timeout),
                                        poolclass=QueuePool, pool_size=8, max_overflow=-1)
        elif self.dialect.startswith("postgres"):
            self.dialect = "postgresql"
            self.engine = create_engine(engine_url(self.url), pool_size=4, max_overflow=12, pool_pre_ping=True,
                                        pool_timeout=timeout)
        else:
            raise ValueError(f"unsupported database URL {redact(self.url)}: use a SQLite path or postgresql://")
        self.read_only = read_only
        self._local = threading.local()
        if schema and not read_only:
            self.ensure_schema(schema)

    # --- statements ----------------------------------------------------------------------
    def execute(self, sql: str, params: Sequence[Any] = ()) -> Rows:
        return self._statement(sql, [params])

    def executemany(self, sql: str, params: Iterable[Sequence[Any]]) -> Rows:
        params = list(params)
        return self._statement(sql, params) if params else Rows([], 0)

    def _statement(self, sql: str, params: list[Sequence[Any]]) -> Rows:
        """On the thread's transaction when one is open, else on its own connection, committed."""
        conn = getattr(self._local, "conn", None)
        if conn is not None:
            return self._run(conn, sql, params)
        with self.engine.connect() as conn:
            rows = self._run(conn, sql, params)
            conn.commit()
            return rows

    @staticmethod
    def _run(conn, sql: str, params: list[Sequence[Any]]) -> Rows:
        from sqlalchemy import text

        n = 0

        def named(_):
            nonlocal n
            n += 1
            return f":p{n - 1}"

        statement = text(_MARK.sub(named, sql.replace(":", "\\:")))  # a colon in our SQL is text, never a bind
        binds = [{f"p{i}": v for i, v in enumerate(p)} for p in params]
        result = conn.execute(statement, binds[0] if len(binds) == 1 else binds)
        if not result.returns_rows:
            return Rows([], result.rowcount)
        names = {k: i for i, k in enumerate(result.keys())}
        return Rows([Record(r, names) for r in result], result.rowcount)

    # --- transactions --------------------------------------------------------------------
    def __enter__(self) -> Database:
        depth = getattr(self._local, "depth", 0)
        if depth == 0:
            self._local.conn = self.engine.connect()
        self._local.depth = depth + 1
        return self

    def __exit__(self, exc_type, exc, tb) -> None:
        self._local.depth -= 1
        if self._local.depth:
            return
        conn, self._local.conn = self._local.conn, None
        try:
            if exc_type is None:
                conn.commit()
            else:
                conn.rollback()
        finally:
            conn.close()

    # --- schema --------------------------------------------------------------------------
    @contextmanager
    def schema_lock(self):
        """Held while creating or altering tables: PostgreSQL fails one of two processes running
        the same `CREATE TABLE IF NOT EXISTS` at once (a race in its catalog), so they take turns.
        SQLite's own write lock already serialises them."""
        if self.dialect != "postgresql":
            yield
            return
        from sqlalchemy import text

        with self.engine.connect() as conn:
            conn.execute(text("SELECT pg_advisory_lock(:k)"), {"k": _SCHEMA_LOCK})
            conn.commit()
            try:
                yield
            finally:
                conn.execute(text("SELECT pg_advisory_unlock(:k)"), {"k": _SCHEMA_LOCK})
                conn.commit()

    def ensure_schema(self, schema: str) -> None:
        """Run `;`-separated `CREATE … IF NOT EXISTS` statements, once per database at a time."""
        with self.schema_lock(), self:
            for statement in filter(str.strip, schema.split(";")):
                self.execute(statement)

    def columns(self, table: str) -> set[str]:
        from sqlalchemy import inspect

        return {c["name"] for c in inspect(self.engine).get_columns(table)}

    def add_columns(self, table: str, columns: Sequence[str]) -> list[str]:
        """Add each `"name TYPE …"` the table lacks (a data dir from an older release)."""
        if self.read_only:
            return []
        with self.schema_lock():
            have = self.columns(table)
            added = [c for c in columns if c.split()[0] not in have]
            if added:
                with self:
                    for column in added:
                        self.execute(f"ALTER TABLE {table} ADD COLUMN {column}")
        return added

    def close(self) -> None:
        self.engine.dispose()
