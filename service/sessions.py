"""Chat sessions in the shared database (sessions.sqlite in the data dir by default, or
PostgreSQL): they survive restarts, and any API process of a deployment continues them.

Each session belongs to the owner that created it (an API key's hash, "local" on a server without
keys, or "slack"): another owner's id is as good as unknown. Sessions unused for the TTL are
forgotten, and one owner keeps at most `per_owner` of them (its oldest go first).
"""
from __future__ import annotations

import json
import threading
import time
import uuid
from index.db import Database

_SCHEMA = """
CREATE TABLE IF NOT EXISTS sessions (id TEXT PRIMARY KEY, created DOUBLE PRECISION, updated DOUBLE PRECISION,
  owner TEXT);
CREATE TABLE IF NOT EXISTS turns (session_id TEXT, idx INTEGER, role TEXT, content TEXT, data TEXT,
  at DOUBLE PRECISION, PRIMARY KEY (session_id, idx));
"""


class SessionStore:
    def __init__(self, db: Database, ttl_days: float = 30, per_owner: int = 200):
        self.db = db
        db.ensure_schema(_SCHEMA)
        db.add_columns("sessions", ["owner TEXT"])  # a data dir from before owners: its sessions belong to nobody
        self.ttl_s = ttl_days * 86400
        self.per_owner = per_owner
        self.lock = threading.Lock()

    def close(self) -> None:
        self.db.close()

    def open(self, owner: str, session_id: str | None = None) -> str | None:
        """The owner's session `session_id` (created when new), or a new one; None when that id
        is someone else's."""
        session_id = session_id or uuid.uuid4().hex
        now = time.time()
        with self.lock, self.db:
            self._expire(now)
            row = self.db.execute("SELECT owner FROM sessions WHERE id=?", (session_id,)).fetchone()
            if row:
                return session_id if row[0] == owner else None
            self.db.execute("INSERT INTO sessions VALUES (?,?,?,?)", (session_id, now, now, owner))
            mine = self.db.execute("SELECT id FROM sessions WHERE owner=? ORDER BY updated DESC", (owner,)).fetchall()
            self._drop([r[0] for r in mine[self.per_owner:]])
        return session_id

    def owns(self, owner: str, session_id: str) -> bool:
        row = self.db.execute("SELECT owner, updated FROM sessions WHERE id=?", (session_id,)).fetchone()
        return bool(row) and row[0] == owner and row[1] >= time.time() - self.ttl_s

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

    def delete(self, owner: str, session_id: str) -> bool:
        if not self.owns(owner, session_id):
            return False
        with self.lock, self.db:
            self._drop([session_id])
        return True

    def _expire(self, now: float) -> None:
        old = self.db.execute("SELECT id FROM sessions WHERE updated < ?", (now - self.ttl_s,)).fetchall()
        self._drop([r[0] for r in old])

    def _drop(self, ids: list[str]) -> None:
        for session_id in ids:
            self.db.execute("DELETE FROM turns WHERE session_id=?", (session_id,))
            self.db.execute("DELETE FROM sessions WHERE id=?", (session_id,))
