"""Owed feedback events read back from a database moved aside as corrupt.

Unit level on real SQLite files (the end-to-end case, a damaged database that
owes the cloud every event and delivers them all, is ``corrupt_db_owed`` in
tests/test_feedback_faults.py).
"""

from __future__ import annotations

import sqlite3
from pathlib import Path

from edge.feedback import dbguard, salvage
from edge.feedback.outbox import Outbox, create_schema
from edge.state import db


def outbox_db(path: Path, events: int, confirmed: int) -> list[str]:
    """A device database whose outbox has ``events`` rows, the first ``confirmed`` confirmed."""
    conn = db.connect(path)
    with db.atomic(conn):
        create_schema(conn, "dev1", "s1")
        box = Outbox()
        ids = [box.append(conn, "impression", {"n": i}, ts=1000.0 + i).event_id for i in range(events)]
        Outbox.confirm_upto(conn, confirmed, 2000.0)
    conn.close()  # (a SIGKILLed device would leave its -wal: see the WAL test below)
    return ids


def test_owed_rows_are_read_back_and_confirmed_ones_are_not(tmp_path: Path) -> None:
    ids = outbox_db(tmp_path / "old.db", 1200, 700)
    got = salvage.read_owed(tmp_path / "old.db", "dev1")
    assert got.error is None and got.skipped == 0
    assert [e.event_id for e in got.events] == ids[700:]
    assert {e.epoch for e in got.events} == {ids[0].split(":")[1]}


def test_a_damaged_or_foreign_row_is_skipped_not_sent(tmp_path: Path) -> None:
    outbox_db(tmp_path / "old.db", 10, 0)
    with sqlite3.connect(tmp_path / "old.db") as conn:
        conn.execute("UPDATE feedback_outbox SET payload = '{\"garbage' WHERE seq = 3")
        conn.execute("UPDATE feedback_outbox SET event_id = 'other:' || substr(event_id, 6) WHERE seq = 5")
    got = salvage.read_owed(tmp_path / "old.db", "dev1")
    assert [e.seq for e in got.events] == [1, 2, 4, 6, 7, 8, 9, 10] and got.skipped == 2


def test_the_last_commits_are_read_from_the_moved_aside_wal_without_writing_the_evidence(tmp_path: Path) -> None:
    path = tmp_path / "state.db"
    keeper = db.connect(path)  # holds the WAL open, as a killed device leaves it
    keeper.execute("PRAGMA wal_autocheckpoint=0")
    with db.atomic(keeper):
        create_schema(keeper, "dev1", "s1")
        for i in range(50):
            Outbox().append(keeper, "interaction", {"n": i})
    assert Path(f"{path}-wal").stat().st_size > 0
    moved = tmp_path / "state.db.corrupt-x"
    for suffix in ("", "-wal"):
        Path(f"{moved}{suffix}").write_bytes(Path(f"{path}{suffix}").read_bytes())
    keeper.close()
    before = {p.name: p.read_bytes() for p in tmp_path.glob("state.db.corrupt-x*")}
    got = salvage.read_owed(moved, "dev1")
    assert len(got.events) == 50
    assert {p.name: p.read_bytes() for p in tmp_path.glob("state.db.corrupt-x*")} == before


def test_salvaged_events_go_verbatim_into_the_fresh_database(tmp_path: Path) -> None:
    outbox_db(tmp_path / "old.db", 5, 2)
    got = salvage.read_owed(tmp_path / "old.db", "dev1")
    fresh = db.connect(tmp_path / "new.db")
    with db.atomic(fresh):
        assert salvage.store(fresh, got) == 3
        assert salvage.store(fresh, got) == 0  # a second start reads the same file: no second copy
    rows = fresh.execute("SELECT event_id, seq, payload, confirmed_at FROM feedback_salvaged ORDER BY seq").fetchall()
    assert [(r[0], r[1], r[2]) for r in rows] == [(e.event_id, e.seq, e.payload) for e in got.events]
    assert all(r[3] is None for r in rows)


def test_a_file_that_is_not_a_database_salvages_nothing(tmp_path: Path) -> None:
    bad = tmp_path / "state.db"
    bad.write_bytes(b"not a database" * 100)
    assert dbguard.check(bad) is not None
    got = salvage.read_owed(bad, "dev1")
    assert got.events == [] and got.error
