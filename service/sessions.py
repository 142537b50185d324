"""Chat sessions in SQLite in the data dir: they survive restarts of the server."""
from __future__ import annotations

import json
import threading
import time
import uuid
from pathlib import Path

from index.sqlite import connect

_SCHEMA = """
CREATE TABLE IF NOT EXISTS sessions (id TEXT PRIMARY KEY, created REAL, updated REAL);
CREATE TABLE IF NOT EXISTS turns (session_id TEXT, idx INTEGER, role TEXT, content TEXT, data TEXT,
  at REAL, PRIMARY KEY (session_id, idx));
"""


class SessionStore:
    def __init__(self, path: Path):
        self.db = connect(path, schema=_SCHEMA)
        self.lock = threading.Lock()

    def close(self) -> None:
        self.db.close()

    def create(self, session_id: str | None = None) -> str:
        session_id = session_id or uuid.uuid4().hex
        with self.lock, self.db:
            self.db.execute("INSERT OR IGNORE INTO sessions VALUES (?,?,?)", (session_id, time.time(), time.time()))
        return session_id

    def exists(self, session_id: str) -> bool:
        return self.db.execute("SELECT 1 FROM sessions WHERE id=?", (session_id,)).fetchone() is not None

    def history(self, session_id: str) -> list[dict]:
        rows = self.db.execute("SELECT role, content, data, at FROM turns WHERE session_id=? ORDER BY idx",
                               (session_id,)).fetchall()
        return [{"role": r[0], "content": r[1], **({"data": json.loads(r[2])} if r[2] else {}), "at": r[3]}
                for r in rows]

    def append(self, session_id: str, role: str, content: str, data: dict | None = None) -> None:
        with self.lock, self.db:
            n = self.db.execute("SELECT COUNT(*) FROM turns WHERE session_id=?", (session_id,)).fetchone()[0]
            self.db.execute("INSERT INTO turns VALUES (?,?,?,?,?,?)",
                            (session_id, n, role, content, json.dumps(data) if data else None, time.time()))
            self.db.execute("UPDATE sessions SET updated=? WHERE id=?", (time.time(), session_id))

    def delete(self, session_id: str) -> bool:
        with self.lock, self.db:
            self.db.execute("DELETE FROM turns WHERE session_id=?", (session_id,))
            return self.db.execute("DELETE FROM sessions WHERE id=?", (session_id,)).rowcount > 0
