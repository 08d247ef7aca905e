"""Corrupt state database: moved aside with its bytes intact, reported, never deleted."""

from __future__ import annotations

import json
import sqlite3
from pathlib import Path

import pytest

from edge.feedback import dbguard


def make_db(path: Path, rows: int = 2000) -> None:
    conn = sqlite3.connect(path)
    conn.execute("PRAGMA journal_mode=WAL")
    conn.execute("CREATE TABLE t (id INTEGER PRIMARY KEY, body TEXT)")
    conn.execute("CREATE INDEX t_body ON t(body)")
    conn.executemany("INSERT INTO t(body) VALUES (?)", [(f"row-{i}-" + "x" * 200,) for i in range(rows)])
    conn.commit()
    conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    conn.close()


def test_healthy_database_is_left_alone(tmp_path: Path) -> None:
    db = tmp_path / "state.db"
    assert dbguard.guard(db) is None  # absent: nothing to do
    make_db(db)
    before = db.read_bytes()
    assert dbguard.guard(db) is None
    assert db.read_bytes() == before
    assert dbguard.status(db) == {"corrupt_db_count": 0, "corrupt_db_files": []}


def test_garbage_file_is_moved_aside_with_original_bytes(tmp_path: Path) -> None:
    db = tmp_path / "state.db"
    garbage = b"this is not a database\x00" * 100
    db.write_bytes(garbage)
    Path(f"{db}-wal").write_bytes(b"wal bytes")
    q = dbguard.guard(db)
    assert q is not None and "bad header" in q.reason
    assert not db.exists() and not Path(f"{db}-wal").exists()
    moved = Path(q.moved_to[0])
    assert moved.read_bytes() == garbage
    assert Path(q.moved_to[1]).read_bytes() == b"wal bytes"
    note = json.loads(Path(f"{moved}.json").read_text())
    assert note["original"] == str(db) and note["reason"] == q.reason
    assert dbguard.status(db)["corrupt_db_count"] == 1


@pytest.mark.parametrize("damage", ["page", "truncate"])
def test_damaged_sqlite_file_fails_integrity_check_and_is_preserved(tmp_path: Path, damage: str) -> None:
    db = tmp_path / "state.db"
    make_db(db)
    data = bytearray(db.read_bytes())
    if damage == "page":
        data[4096 * 3: 4096 * 3 + 3000] = b"\xff" * 3000  # scribble over a b-tree page
    else:
        data = data[: len(data) // 2]
    db.write_bytes(bytes(data))
    q = dbguard.guard(db)
    assert q is not None, "damage not detected"
    assert Path(q.moved_to[0]).read_bytes() == bytes(data)
    # A fresh database can be created where the old one was; the count survives.
    conn = sqlite3.connect(db)
    conn.execute("CREATE TABLE fresh (x)")
    conn.close()
    assert dbguard.guard(db) is None
    assert dbguard.status(db)["corrupt_db_count"] == 1


def test_two_corruptions_in_the_same_second_keep_both_files(tmp_path: Path) -> None:
    db = tmp_path / "state.db"
    db.write_bytes(b"first garbage" * 10)
    q1 = dbguard.guard(db)
    db.write_bytes(b"second garbage" * 10)
    q2 = dbguard.guard(db)
    assert q1 and q2 and q1.moved_to[0] != q2.moved_to[0]
    assert Path(q1.moved_to[0]).read_bytes() == b"first garbage" * 10
    assert Path(q2.moved_to[0]).read_bytes() == b"second garbage" * 10
    assert dbguard.status(db)["corrupt_db_count"] == 2
