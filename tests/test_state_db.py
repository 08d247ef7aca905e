"""The SQLite helper: connection settings, atomic transactions, recorded migrations."""

from __future__ import annotations

import json
import sqlite3
import threading
from pathlib import Path

import pytest

from edge.bundle import Item
from edge.state import StateStore
from edge.state.db import Migration, SchemaError, atomic, connect, migrate, schema_version
from edge.state.store import MIGRATIONS, SCHEMA_COMPONENT


def test_connections_are_wal_normal_sync_with_a_busy_timeout(tmp_path: Path) -> None:
    conn = connect(tmp_path / "sub" / "x.db", timeout=2.5)
    assert conn.execute("PRAGMA journal_mode").fetchone()[0] == "wal"
    assert conn.execute("PRAGMA synchronous").fetchone()[0] == 1
    assert conn.execute("PRAGMA busy_timeout").fetchone()[0] == 2500
    conn.close()


def test_atomic_commits_rolls_back_and_nested_calls_join_the_outer_one(tmp_path: Path) -> None:
    conn = connect(tmp_path / "x.db")
    conn.execute("CREATE TABLE t (n INTEGER)")
    with atomic(conn):
        conn.execute("INSERT INTO t VALUES (1)")
        with atomic(conn):  # joins: no savepoint, no separate commit
            conn.execute("INSERT INTO t VALUES (2)")
    with pytest.raises(RuntimeError), atomic(conn):
        conn.execute("INSERT INTO t VALUES (3)")
        with atomic(conn):
            conn.execute("INSERT INTO t VALUES (4)")
        raise RuntimeError("boom")  # the outer failure takes the inner write with it
    assert [r[0] for r in conn.execute("SELECT n FROM t ORDER BY n")] == [1, 2]
    assert not conn.in_transaction
    conn.close()


def test_two_writers_queue_instead_of_failing(tmp_path: Path) -> None:
    path = tmp_path / "x.db"
    a, b = connect(path), connect(path)
    a.execute("CREATE TABLE t (n INTEGER)")
    errors: list[Exception] = []

    def write(conn: sqlite3.Connection, base: int) -> None:
        try:
            for i in range(200):
                with atomic(conn):
                    conn.execute("SELECT count(*) FROM t").fetchone()  # read, then write
                    conn.execute("INSERT INTO t VALUES (?)", (base + i,))
        except Exception as exc:
            errors.append(exc)

    threads = [threading.Thread(target=write, args=(c, n * 1000)) for n, c in enumerate((a, b))]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert errors == [] and a.execute("SELECT count(*) FROM t").fetchone()[0] == 400


def test_migrations_apply_once_in_order_and_are_recorded(tmp_path: Path) -> None:
    conn = connect(tmp_path / "x.db")
    steps = [Migration(1, "table", "CREATE TABLE a (x INTEGER);\nINSERT INTO a VALUES (1);"),
             Migration(2, "column", lambda c: c.execute("ALTER TABLE a ADD COLUMN y TEXT"))]
    assert migrate(conn, "demo", steps[:1]) == 1
    assert migrate(conn, "demo", steps) == 2
    assert migrate(conn, "demo", steps) == 2  # nothing left to do
    assert conn.execute("SELECT count(*) FROM a").fetchone()[0] == 1
    rows = conn.execute("SELECT component, version, name FROM schema_migrations ORDER BY version").fetchall()
    assert rows == [("demo", 1, "table"), ("demo", 2, "column")]
    # A database from newer software is refused, not misread.
    with pytest.raises(SchemaError, match="newer"):
        migrate(conn, "demo", steps[:1])
    # A failing migration leaves the previous version, not half of the new one.
    bad = [*steps, Migration(3, "broken", "CREATE TABLE b (x INTEGER);\nSELECT * FROM nowhere;")]
    with pytest.raises(SchemaError, match="migration 3"):
        migrate(conn, "demo", bad)
    assert schema_version(conn, "demo") == 2
    assert conn.execute("SELECT count(*) FROM sqlite_master WHERE name='b'").fetchone()[0] == 0
    conn.close()


def test_a_database_from_before_migrations_is_upgraded_with_its_sessions(tmp_path: Path) -> None:
    """A device database written before schema versions existed: tables present,
    session histories stored as catalogue indices. Migration 2 turns them into item ids."""
    path = tmp_path / "old.db"
    conn = sqlite3.connect(path)
    conn.executescript(MIGRATIONS[0].apply)  # type: ignore[arg-type]  # the old schema, as it was
    conn.executemany("INSERT INTO catalogue(item_id, idx, name, category, department, price, popularity) "
                     "VALUES (?,?,?,?,?,?,?)", [(f"I{i}", i, f"Item {i}", "C", "D", 1.0, 1.0) for i in range(4)])
    conn.execute("INSERT INTO sessions VALUES ('t:a', NULL, 'a', NULL, 0, 1e12, ?, ?)",
                 (json.dumps([3, 1, 9]), json.dumps([1])))
    conn.commit()
    conn.close()
    items = [Item(item_id=f"I{i}", name=f"Item {i}", category="C", department="D", price=1.0, popularity=1.0)
             for i in (1, 3, 0, 2)]  # the next bundle reorders the catalogue
    store = StateStore(path, items)
    assert store.schema_version == len(MIGRATIONS)
    assert store.conn.execute("SELECT history, bought FROM sessions").fetchone() == ('["I3", "I1"]', '["I1"]')
    s = store.sessions["t:a"]
    assert [store.items[i].item_id for i in s.history] == ["I3", "I1"] and s.bought == {store.index["I1"]}
    assert schema_version(store.conn, SCHEMA_COMPONENT) == len(MIGRATIONS)
    store.close()


def test_a_purchase_waits_for_one_log_chunk_not_the_whole_log_batch(tmp_path: Path) -> None:
    """The log writer commits a backlog in short transactions and yields between
    them; another writer of the process (the agent recording a POS) takes the
    file's writer lock in between instead of waiting out the whole batch."""
    import time

    from edge.state.logwriter import LogWriter

    StateStore(tmp_path / "state.db", None).close()  # the schema
    work_s = 0.002
    n = 500  # a backlog: more than backlog_above, so chunks of at most ``chunk``

    def slow_impressions(conn, recs) -> None:  # ~2 ms of work per impression, as under load
        time.sleep(work_s * len(recs))

    writer = LogWriter(tmp_path / "state.db", slow_impressions, interval_s=60.0, chunk=4,
                       backlog_above=256).start()
    assert n > writer.backlog_above
    for i in range(n):  # 500 x 2 ms = 1 s of batch work, 125 transactions of 8 ms
        writer.put((f"r{i}", 1.0, "d", "z", None, None, None, "model", "v1", []), object())
    agent = connect(tmp_path / "state.db")
    agent.execute("CREATE TABLE IF NOT EXISTS sale (n INTEGER)")
    waited, committed = [], []
    # Start the batch now (a drain wakes the writer; its interval is a minute),
    # and measure from inside it. A bare notify did not wake it: this test used
    # to measure before the batch had begun (0 committed) and passed whatever
    # the chunking did (one 80-entry transaction held the lock 351 ms).
    threading.Thread(target=writer.drain, args=(30.0,), daemon=True).start()
    deadline = time.monotonic() + 10
    while writer._committed == 0 and time.monotonic() < deadline:  # noqa: SLF001
        time.sleep(0.001)
    for i in range(3):
        t0 = time.perf_counter()
        with atomic(agent):
            agent.execute("INSERT INTO sale VALUES (?)", (i,))
        waited.append(time.perf_counter() - t0)
        committed.append(writer._committed)  # noqa: SLF001
        time.sleep(0.02)
    # Each time the lock was taken while the batch was still being written: with
    # the whole batch in one transaction the first wait would end after it (n).
    assert committed[0] > 0 and committed[-1] < n, committed
    # A chunk is 4 x 2 ms; the batch is 1 s. Waits measured 0.1-17 ms alone with
    # two busy loops beside it (load 7), and once 214 ms inside the full suite
    # (load 5): a thread woken for the lock needs a CPU before the writer takes it
    # again. The bound is half the batch, not a chunk.
    assert max(waited) < 0.5, waited
    writer.stop()
    assert agent.execute("SELECT count(*) FROM reco_log").fetchone()[0] == n
    assert agent.execute("SELECT count(*) FROM sale").fetchone()[0] == 3


def test_the_log_writer_commits_a_batch_in_one_transaction_and_a_backlog_in_even_chunks(tmp_path: Path) -> None:
    """A transaction's COMMIT writes every page it dirtied to the WAL, however few
    entries dirtied them: 70 or 140 entries (batches at 1,000 signals/s) are one
    transaction; a busy second's batch (up to ``backlog_above``, 768) in even
    transactions of at most ``batch_txn``: 200 are 2 of 100, not the 7 chunks of
    26-29 that made the writer's transactions 8x at 2,000-3,000 signals/s. A
    backlog (more than ``backlog_above``) is split evenly into chunks of at most
    ``chunk``, the writer yielding between them: 800 are 25 of 32. Every row is
    on disk either way."""
    from edge.state.logwriter import LogWriter

    StateStore(tmp_path / "state.db", None).close()  # the schema
    sizes: list[int] = []
    writer = LogWriter(tmp_path / "state.db", lambda conn, recs: sizes.append(len(recs)), interval_s=60.0)
    assert (writer.batch_txn, writer.backlog_above, writer.chunk) == (192, 768, 32)
    for n, expected in ((70, [70]), (140, [140]), (192, [192]), (200, [100, 100]), (400, [134, 134, 132]),
                        (768, [192] * 4), (800, [32] * 25)):
        sizes.clear()
        start = writer.batches
        for i in range(n):
            writer.put((f"r{n}-{i}", 1.0, "d", "z", None, None, None, "model", "v1", ["a"]), object())
        writer._flush()  # noqa: SLF001 - one batch, on this thread
        assert writer.batches - start == len(expected) and sizes == expected
    writer.conn.close()
    conn = connect(tmp_path / "state.db")
    assert conn.execute("SELECT count(*) FROM reco_log").fetchone()[0] == 2570
    conn.close()


def test_the_reco_log_display_index_is_gone_from_new_and_upgraded_databases(tmp_path: Path) -> None:
    """Nothing reads reco_log by display; its index was a WAL page per display in
    every log transaction. Migration 6 drops it from a database that has it."""
    def indexes(conn: sqlite3.Connection) -> set[str]:
        return {r[0] for r in conn.execute("SELECT name FROM sqlite_master WHERE type='index' AND "
                                           "tbl_name='reco_log' AND sql IS NOT NULL")}

    old = connect(tmp_path / "old.db")
    assert migrate(old, SCHEMA_COMPONENT, MIGRATIONS[:5]) == 5  # the schema before migration 6
    assert indexes(old) == {"idx_reco_log_display_id_ts"}
    old.close()
    for path in (tmp_path / "old.db", tmp_path / "new.db"):
        store = StateStore(path, None)
        assert store.schema_version == len(MIGRATIONS) >= 6
        assert "idx_reco_log_display_id_ts" not in indexes(store.conn)
        store.close()


def test_reco_log_replaces_feedback_recs_in_new_and_upgraded_databases(tmp_path: Path) -> None:
    """Migration 7: attribution reads reco_log through a shopper index; the table that
    held the same fields a second time is dropped (its rows are all in reco_log)."""
    def schema(conn: sqlite3.Connection) -> set[str]:
        return {r[0] for r in conn.execute("SELECT name FROM sqlite_master WHERE sql IS NOT NULL")}

    old = connect(tmp_path / "old.db")
    assert migrate(old, SCHEMA_COMPONENT, MIGRATIONS[:6]) == 6
    old.execute("CREATE TABLE feedback_recs (recommendation_id TEXT NOT NULL, display_id TEXT, shopper TEXT, "
                "model_version TEXT, items TEXT, ts REAL NOT NULL)")  # as the feedback sink made it
    old.execute("CREATE INDEX feedback_recs_shopper ON feedback_recs(shopper, ts) WHERE shopper IS NOT NULL")
    old.close()
    for path in (tmp_path / "old.db", tmp_path / "new.db"):
        store = StateStore(path, None)
        assert store.schema_version == len(MIGRATIONS) >= 7
        names = schema(store.conn)
        assert "idx_reco_log_shopper_ts" in names
        assert not {"feedback_recs", "feedback_recs_shopper"} & names
        plan = " ".join(r[-1] for r in store.conn.execute(
            "EXPLAIN QUERY PLAN SELECT recommendation_id FROM reco_log WHERE shopper = ? AND ts >= ? "
            "AND ts <= ? ORDER BY ts DESC LIMIT 500", ("l:1", 0.0, 1.0)))
        assert "idx_reco_log_shopper_ts" in plan  # a purchase reads its shopper's rows, not the log
        store.close()


def test_a_write_that_reads_the_log_sees_every_row_queued_before_it_and_a_shelf_count_splits_nothing(
        tmp_path: Path) -> None:
    """Rows and impressions are written in queue order up to each write that reads
    them (a purchase's attribution); a shelf count (``ordered=False``) reads nothing
    of theirs, so the rows around it go in with one statement, impressions with one
    hook call."""
    from edge.state.logwriter import LogWriter

    StateStore(tmp_path / "state.db", None).close()  # the schema
    hooked: list[list[str]] = []
    writer = LogWriter(tmp_path / "state.db", lambda conn, recs: hooked.append(list(recs)))
    seen: dict[str, int] = {}

    def count(name: str):
        def fn(conn: sqlite3.Connection) -> None:
            seen[name] = conn.execute("SELECT count(*) FROM reco_log").fetchone()[0]
        return fn

    def row(i: int) -> tuple:
        return (f"r{i}", 1.0, "d", "z", None, None, None, "model", "v1", ["a"])

    writer.put(row(1), "i1")
    writer.put_write(count("shelf"), what="inventory", ordered=False)
    writer.put(row(2), "i2")
    writer.put_write(count("pos"), what="pos")
    writer.put(row(3), "i3")
    writer._flush()  # noqa: SLF001 - one batch, on this thread
    assert seen["pos"] == 2  # both lists queued before the purchase, not the one after it
    assert hooked == [["i1", "i2"], ["i3"]]  # the shelf count did not split the impressions
    assert writer.batches == 1 and writer.write_errors == 0
    writer.conn.close()


def test_a_failing_shelf_count_is_lost_alone_and_the_others_of_its_chunk_commit(tmp_path: Path) -> None:
    """The chunk's unordered writes share one savepoint; when one raises, they run
    again one by one in their own, so only the failing one is rolled back."""
    from edge.state.logwriter import LogWriter

    StateStore(tmp_path / "state.db", None).close()  # the schema
    writer = LogWriter(tmp_path / "state.db")
    runs: list[str] = []

    def count(item: str, fail: bool = False):
        def fn(conn: sqlite3.Connection) -> None:
            runs.append(item)
            conn.execute("INSERT INTO inventory(item_id, quantity) VALUES (?, 1)", (item,))
            if fail:
                raise ValueError("a bad count")
        return fn

    for item in ("a", "b"):
        writer.put_write(count(item), what=f"inventory {item}", ordered=False)
    writer.put_write(count("bad", fail=True), what="inventory bad", ordered=False)
    writer.put_write(count("c"), what="inventory c", ordered=False)
    writer.put(("r1", 1.0, "d", "z", None, None, None, "model", "v1", ["a"]), None)
    writer._flush()  # noqa: SLF001 - one batch, on this thread
    assert runs == ["a", "b", "bad", "a", "b", "bad", "c"]  # together, then one by one
    stored = [r[0] for r in writer.conn.execute("SELECT item_id FROM inventory ORDER BY item_id")]
    assert stored == ["a", "b", "c"] and writer.write_errors == 1 and writer.errors == 0
    assert writer.conn.execute("SELECT count(*) FROM reco_log").fetchone()[0] == 1
    writer.conn.close()


def test_a_failing_purchase_is_lost_alone_when_the_writer_runs_its_batch_again_with_savepoints(
        tmp_path: Path) -> None:
    """Ordered writes run without a savepoint; one that raises aborts the transaction,
    and the batch runs again with a savepoint around each ordered write: the failing
    one is rolled back alone and counted, everything else commits once, and the
    outbox/seq-free counters say it was not a failed commit."""
    from edge.state.logwriter import LogWriter

    StateStore(tmp_path / "state.db", None).close()  # the schema
    writer = LogWriter(tmp_path / "state.db")
    runs: list[str] = []

    def purchase(txn: str, fail: bool = False):
        def fn(conn: sqlite3.Connection) -> None:
            runs.append(txn)
            conn.execute("INSERT INTO purchases(transaction_id, ts, shopper, items) VALUES (?, 1.0, NULL, '[]')",
                         (txn,))
            if fail:
                raise ValueError("a bad purchase")
        return fn

    def row(i: int) -> tuple:
        return (f"r{i}", 1.0, "d", "z", None, None, None, "model", "v1", ["a"])

    writer.put(row(1), None)
    writer.put_write(purchase("t1"), what="pos t1")
    writer.put_write(purchase("bad", fail=True), what="pos bad")
    writer.put(row(2), None)
    writer.put_write(purchase("t2"), what="pos t2")
    writer._flush()  # noqa: SLF001 - one batch, on this thread
    assert runs == ["t1", "bad", "t1", "bad", "t2"]  # without savepoints, then with them
    stored = [r[0] for r in writer.conn.execute("SELECT transaction_id FROM purchases ORDER BY rowid")]
    assert stored == ["t1", "t2"]
    assert writer.conn.execute("SELECT count(*) FROM reco_log").fetchone()[0] == 2
    assert (writer.write_errors, writer.errors, writer.retries, writer.batches) == (1, 0, 0, 1)
    writer.conn.close()


def _numbered_writer(tmp_path: Path):
    """A log writer over a fresh state database with an outbox, numbering once per
    transaction as the device wires it (impressions become outbox events)."""
    from edge.feedback.outbox import Outbox, create_schema
    from edge.state.logwriter import LogWriter

    StateStore(tmp_path / "state.db", None).close()  # the schema
    conn = connect(tmp_path / "state.db")
    create_schema(conn, "dev1", "store1")
    conn.close()
    ob = Outbox()
    writer = LogWriter(tmp_path / "state.db",
                       lambda c, recs: ob.add_many(c, "impression", [({"r": r}, 1.0, None) for r in recs]))
    writer.numbering = ob.numbering
    return ob, writer


def test_a_failing_write_under_the_outbox_numbering_leaves_no_gap_in_the_seqs(tmp_path: Path) -> None:
    """With the outbox numbering once per transaction, a write that fails after
    numbering an event (a purchase's conversion) is not rolled back to a savepoint
    under the numbering's counters: the batch runs again without it, each write in a
    savepoint, so the seqs the failing write took are taken again, with no gap;
    a failing shelf count does the same."""
    ob, writer = _numbered_writer(tmp_path)

    def purchase(txn: str, fail: bool = False):
        def fn(c: sqlite3.Connection) -> None:
            c.execute("INSERT INTO purchases(transaction_id, ts, shopper, items) VALUES (?, 1.0, NULL, '[]')", (txn,))
            ob.add(c, "conversion", {"t": txn}, ts=1.0)
            if fail:
                raise ValueError("a bad purchase")
        return fn

    def shelf(item: str, fail: bool = False):
        def fn(c: sqlite3.Connection) -> None:
            c.execute("INSERT INTO inventory(item_id, quantity) VALUES (?, 1)", (item,))
            if fail:
                raise ValueError("a bad count")
        return fn

    def row(i: int) -> tuple:
        return (f"r{i}", 1.0, "d", "z", None, None, None, "model", "v1", ["a"])

    writer.put(row(1), "r1")
    writer.put(row(2), "r2")
    writer.put_write(purchase("t1"), what="pos t1")
    writer.put_write(purchase("bad", fail=True), what="pos bad")
    writer.put_write(shelf("x", fail=True), what="inventory x", ordered=False)
    writer.put(row(3), "r3")
    writer.put_write(purchase("t2"), what="pos t2")
    writer._flush()  # noqa: SLF001 - one batch, on this thread
    events = [(seq, json.loads(p)["data"]) for seq, p in
              writer.conn.execute("SELECT seq, payload FROM feedback_outbox ORDER BY seq")]
    assert events == [(1, {"r": "r1"}), (2, {"r": "r2"}), (3, {"t": "t1"}), (4, {"r": "r3"}), (5, {"t": "t2"})]
    assert writer.conn.execute("SELECT next_seq, pending FROM feedback_state").fetchone() == (6, 5)
    assert (writer.write_errors, writer.errors, writer.batches) == (2, 0, 1)
    writer.conn.close()


def test_a_failing_unordered_write_under_the_outbox_numbering_reruns_the_batch(tmp_path: Path) -> None:
    """An unordered write that numbered an event and failed: its savepoint's rollback
    would not give the numbering's counters back, so the batch runs again without
    the numbering; the next event takes the seq the failed one had taken."""
    ob, writer = _numbered_writer(tmp_path)

    def noting(fail: bool):
        def fn(c: sqlite3.Connection) -> None:
            ob.add(c, "interaction", {"n": 1}, ts=1.0)
            if fail:
                raise ValueError("a bad write")
        return fn

    writer.put(("r1", 1.0, "d", "z", None, None, None, "model", "v1", ["a"]), "r1")
    writer.put_write(noting(fail=True), what="note bad", ordered=False)
    writer._flush()  # noqa: SLF001
    writer.put(("r2", 1.0, "d", "z", None, None, None, "model", "v1", ["a"]), "r2")
    writer._flush()  # noqa: SLF001
    seqs = [r[0] for r in writer.conn.execute("SELECT seq FROM feedback_outbox ORDER BY seq")]
    assert seqs == [1, 2]
    assert writer.conn.execute("SELECT next_seq, pending FROM feedback_state").fetchone() == (3, 2)
    assert (writer.write_errors, writer.errors) == (1, 0)
    writer.conn.close()
