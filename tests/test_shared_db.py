"""Issue 17: the catalog, record manager, sessions, Slack ledger and batch checkpoints on one
PostgreSQL (a real server, started by the fixture), with SQLite as the same code path's default.

Two objects opened on separate data dirs stand for two processes on two machines: what one writes,
the other reads, and races between them resolve once."""
from __future__ import annotations

import threading
from pathlib import Path

import pytest

from conftest import make_settings
from index.db import Database


@pytest.fixture(params=["sqlite", "postgresql"])
def db_url(request, tmp_path):
    if request.param == "sqlite":
        return str(tmp_path / "shared.sqlite")
    return request.getfixturevalue("database_url")


def test_one_code_path_for_both_dialects(db_url):
    db = Database(db_url, schema="CREATE TABLE IF NOT EXISTS t (id TEXT PRIMARY KEY, n INTEGER, at DOUBLE PRECISION)")
    db.executemany("INSERT INTO t VALUES (?,?,?)", [("a", 1, 1700000000.123456), ("b", 2, None)])
    row = db.execute("SELECT * FROM t WHERE id=?", ("a",)).fetchone()
    assert row[1] == 1 and row["n"] == 1 and dict(row) == {"id": "a", "n": 1, "at": 1700000000.123456}
    with pytest.raises(RuntimeError):
        with db:  # a failed transaction leaves nothing behind
            db.execute("UPDATE t SET n=10 WHERE id='a'")
            with db:  # nested: one transaction
                db.execute("DELETE FROM t WHERE id='b'")
            raise RuntimeError("boom")
    assert [tuple(r) for r in db.execute("SELECT id, n FROM t ORDER BY id")] == [("a", 1), ("b", 2)]
    assert db.execute("INSERT INTO t VALUES (?,?,?) ON CONFLICT (id) DO NOTHING", ("a", 5, 0)).rowcount == 0
    assert db.execute("SELECT id || ':copy1' FROM t WHERE id=?", ("a",)).fetchone()[0] == "a:copy1"  # text, not a bind
    assert db.add_columns("t", ["note TEXT", "n INTEGER"]) == ["note TEXT"] and "note" in db.columns("t")
    other = Database(db_url)  # another process's view
    with db:
        db.execute("UPDATE t SET n=3 WHERE id='a'")
        assert other.execute("SELECT n FROM t WHERE id='a'").fetchone()[0] == 1  # not committed yet
    assert other.execute("SELECT n FROM t WHERE id='a'").fetchone()[0] == 3


def test_a_catalog_on_postgres_is_shared_by_processes_with_their_own_data_dirs(tmp_path, database_url, chroma_server,
                                                                                seeds_dir):
    from service.components import build_store
    from service.container import reset_containers
    from service.ingest import ingest_paths
    from service.search import search_chunks

    a_settings = make_settings(tmp_path / "a", database_url=database_url, chroma_url=chroma_server)
    b_settings = make_settings(tmp_path / "b", database_url=database_url, chroma_url=chroma_server)
    try:
        a, b = build_store(a_settings), build_store(b_settings)
        report = ingest_paths(a, [str(seeds_dir)], 5_000_000)
        assert len(report.added) == 2
        assert not list((tmp_path / "a").glob("*.sqlite"))  # catalog and records went to PostgreSQL
        assert {s.id for s in b.list_articles()} == set(report.added)
        hits = search_chunks(b, b_settings, "Witkoff met Putin in Moscow", k=3)  # B's BM25 and dense built from the shared catalog
        assert hits and hits[0].article_id in report.added
        again = ingest_paths(b, [str(seeds_dir)], 5_000_000)  # the record manager is shared too
        assert again.added == [] and again.updated == [] and len(again.unchanged) == 2
        gone = report.added[0]
        assert a.delete(gone)
        after = search_chunks(b, b_settings, "Witkoff met Putin in Moscow", k=10)
        assert after and gone not in {h.article_id for h in after}  # B follows the generation A moved
        assert b.count() == a.count() and b.vectors._collection.count() == a.count()[1]
    finally:
        reset_containers()


def test_sessions_continue_across_processes(db_url):
    from service.sessions import SessionStore

    a, b = SessionStore(Database(db_url), per_owner=2), SessionStore(Database(db_url), per_owner=2)
    sid = a.open("key:1")
    a.append(sid, "user", "Who is Healey?")
    assert b.open("key:1", sid) == sid and b.history(sid)[0]["content"] == "Who is Healey?"
    assert b.open("key:2", sid) is None and not b.owns("key:2", sid)  # still only its owner's
    b.append(sid, "assistant", "A gallery owner.")
    assert [t["role"] for t in a.history(sid)] == ["user", "assistant"]
    b.open("key:1")
    b.open("key:1")  # the cap holds across processes: the oldest of three went
    assert not a.owns("key:1", sid)


def test_a_slack_event_is_claimed_once_across_processes(db_url):
    from service.slack.bot import CLAIM_LEASE_S, EventLedger

    ledgers = [EventLedger(Database(db_url)) for _ in range(4)]
    wins: list[bool] = []
    barrier = threading.Barrier(len(ledgers))

    def claim(ledger):
        barrier.wait()
        wins.append(ledger.claim("Ev-1", {"event_id": "Ev-1"}))

    threads = [threading.Thread(target=claim, args=(x,)) for x in ledgers]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert sorted(wins) == [False, False, False, True]
    with ledgers[0].db:  # its claimer died: after the lease, exactly one process takes it again
        ledgers[0].db.execute("UPDATE slack_events SET claimed=claimed-? WHERE id='Ev-1'", (CLAIM_LEASE_S + 1,))
    taken = [x.unfinished() for x in ledgers]
    assert sorted(len(t) for t in taken) == [0, 0, 0, 1]
    ledgers[1].done("Ev-1")
    assert not ledgers[2].claim("Ev-1", {})
    assert ledgers[3].fresh_signature("v0=abc") and not ledgers[0].fresh_signature("v0=abc")


def test_batch_checkpoints_in_one_database_keep_each_folder_apart(tmp_path, db_url):
    from service.batch.runner import BatchParams, Checkpoint

    url = db_url if "://" in db_url else None
    one, two = BatchParams(kind="articles", out=str(tmp_path / "one")), BatchParams(kind="articles", out=str(tmp_path / "two"))
    cp1, cp2 = Checkpoint(Path(one.out), url), Checkpoint(Path(two.out), url)
    cp1.start(one.run_id(), one, [("article", "x"), ("article", "y")])
    cp2.start(two.run_id(), two, [("article", "z")])
    cp1.done(one.run_id(), "x", {"summary": "s"}, 0.1)
    again = Checkpoint(Path(one.out), url)  # another process resuming the run
    assert again.todo(one.run_id()) == [("article", "y")]
    assert again.status(one.run_id())["done"] == 1
    assert {r["item_id"] for r in again.merged_rows()} == {"x", "y"}
    assert {r["item_id"] for r in cp2.merged_rows()} == {"z"}


def test_rate_limits_in_redis_are_one_bucket_for_every_process(redis_url):
    from service.api.limits import rate_limiter

    a, b = rate_limiter(4, redis_url, "requests"), rate_limiter(4, redis_url, "requests")
    results = [(a if i % 2 else b).check("key:k") for i in range(6)]
    assert results[:4] == [0.0] * 4 and all(r >= 1 for r in results[4:])  # 4 in all, not 4 each
    assert a.check("key:other") == 0.0  # each key its own bucket
    assert rate_limiter(4, None, "requests").check("key:k") == 0.0  # without Redis: this process's own


def test_processes_starting_at_once_create_the_tables_once(database_url):
    """CI caught two API processes starting together on a fresh PostgreSQL: both ran the same
    CREATE TABLE IF NOT EXISTS and one died of a unique violation in PostgreSQL's catalog."""
    from index.store import _SCHEMA
    from service.batch.runner import _SCHEMA as CHECKPOINTS
    from service.sessions import SessionStore
    from service.slack.bot import EventLedger

    barrier, failures = threading.Barrier(6), []

    def start():
        barrier.wait()
        try:
            Database(database_url, schema=_SCHEMA)
            SessionStore(Database(database_url))
            EventLedger(Database(database_url))
            Database(database_url, schema=CHECKPOINTS).add_columns("runs", ["out TEXT"])
        except Exception as exc:  # noqa: BLE001 - any failure is the finding
            failures.append(repr(exc))

    threads = [threading.Thread(target=start) for _ in range(6)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert failures == []
