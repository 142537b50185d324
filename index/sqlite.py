"""One way to open the SQLite files of the data dir: the same pragmas everywhere, and read-only
folders (a published index on a read-only mount, a snapshot) opened without a single write."""
from __future__ import annotations

import os
import sqlite3
from pathlib import Path


class ReadOnlyError(PermissionError):
    """A write was asked of a data dir nobody may write: said in one line, never a traceback."""


def writable(folder: Path) -> bool:
    """Can this process create files in `folder` (or in the nearest existing parent)?"""
    folder = Path(folder)
    while not folder.exists() and folder != folder.parent:
        folder = folder.parent
    return os.access(folder, os.W_OK)


def connect(path: Path, *, read_only: bool = False, scratch: bool = False, schema: str = "",
            timeout: float = 30) -> sqlite3.Connection:
    """A connection with WAL and full sync, safe to share between threads (callers lock writes).

    `read_only`: open without writing anything (no schema, no journal mode). `scratch` with
    `read_only`: a private in-memory copy instead, so caches can still be written for this
    process and vanish with it."""
    path = Path(path)
    if read_only:
        conn = _open_read_only(path, timeout) if path.exists() else sqlite3.connect(":memory:", check_same_thread=False)
        if scratch:
            memory = sqlite3.connect(":memory:", check_same_thread=False)
            conn.backup(memory)
            conn.close()
            conn = memory
            if schema:
                conn.executescript(schema)
        return conn
    path.parent.mkdir(parents=True, exist_ok=True)
    conn = sqlite3.connect(path, timeout=timeout, check_same_thread=False)
    conn.execute("PRAGMA journal_mode=WAL")
    conn.execute("PRAGMA synchronous=FULL")
    if schema:
        conn.executescript(schema)
    return conn


def _open_read_only(path: Path, timeout: float) -> sqlite3.Connection:
    """`mode=ro` reads a WAL database only where its -shm file can be made; on a read-only folder
    the file is opened immutable, which is right unless a -wal file still holds unsaved pages."""
    conn = sqlite3.connect(f"{path.resolve().as_uri()}?mode=ro", uri=True, timeout=timeout, check_same_thread=False)
    try:
        conn.execute("SELECT count(*) FROM sqlite_master").fetchone()
        return conn
    except sqlite3.OperationalError:
        conn.close()
    wal = path.with_name(path.name + "-wal")
    if wal.exists() and wal.stat().st_size:
        raise ReadOnlyError(f"{path} has unsaved changes in {wal.name} and its folder is read-only: "
                            "open it once from a writable place to save them")
    return sqlite3.connect(f"{path.resolve().as_uri()}?immutable=1", uri=True, check_same_thread=False)
