"""The one way device code opens SQLite, writes a transaction and changes its schema.

* :func:`connect`: WAL journal, ``synchronous=NORMAL``, a busy timeout, autocommit
  mode (``isolation_level=None``: transactions are explicit, never opened behind
  our back by the ``sqlite3`` module), usable from another thread than the one
  that opened it (each part still keeps to one thread at a time).
* :func:`atomic`: one transaction, ``BEGIN IMMEDIATE`` (the write lock is taken
  at the start, so two writers queue on the busy timeout instead of one failing
  with "database is locked" when it upgrades a read transaction), committed on
  success, rolled back on any exception. Nested use joins the outer transaction:
  a feedback hook called inside the state change's transaction commits with it.
  Writers of one process (the agent's worker, the log writer, housekeeping)
  first take the file's in-process writer lock (:func:`writer_lock`): SQLite's
  busy handler polls with sleeps that grow to 100 ms, so a POS waiting out a
  log batch through it waited up to a poll step longer than the batch; a
  ``threading.Lock`` hands over the moment the batch commits. Other processes
  (the feedback sender) still queue on the busy timeout.
* :func:`migrate`: numbered migrations, each applied once, in its own
  transaction, and recorded in ``schema_migrations`` (component, version, name,
  applied_at). A database written by newer code than this one (a firmware
  downgrade) is refused with :class:`SchemaError` rather than misread.

``synchronous=NORMAL`` in WAL mode: a committed transaction survives a process
crash; an OS crash or power cut can lose the last commits, never corrupt the file.
"""

from __future__ import annotations

import os
import sqlite3
import threading
import time
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

BUSY_TIMEOUT_S = 30.0


class SchemaError(RuntimeError):
    """The database's schema cannot be used by this code (newer, or a migration failed)."""


class Connection(sqlite3.Connection):
    """A ``sqlite3.Connection`` that knows its file's in-process writer lock."""

    writer_lock: threading.Lock | None = None
    lock_timeout_s: float = BUSY_TIMEOUT_S
    write_locked: bool = False
    """Inside an :func:`atomic` ``BEGIN IMMEDIATE``: this connection holds the write
    lock, so a hook that must take it before reading (``_claim_write`` in
    :mod:`edge.feedback.capture`) need not write to take it."""


_WRITER_LOCKS: dict[str, threading.Lock] = {}
_WRITER_LOCKS_GUARD = threading.Lock()


def writer_lock(path: Path | str) -> threading.Lock:
    """The lock every :func:`atomic` write to the database file ``path`` takes in this process."""
    key = os.path.realpath(path)
    with _WRITER_LOCKS_GUARD:
        return _WRITER_LOCKS.setdefault(key, threading.Lock())


def connect(path: Path | str, *, timeout: float = BUSY_TIMEOUT_S, wal: bool = True) -> sqlite3.Connection:
    """A connection to ``path`` (``":memory:"`` too) set up the way the device needs."""
    memory = str(path) == ":memory:"
    if not memory:
        Path(path).parent.mkdir(parents=True, exist_ok=True)
    conn = sqlite3.connect(str(path), check_same_thread=False, isolation_level=None, timeout=timeout,
                           factory=Connection)
    if not memory:
        conn.writer_lock = writer_lock(path)
        conn.lock_timeout_s = timeout
    if wal and not memory:
        conn.execute("PRAGMA journal_mode=WAL")
    conn.execute("PRAGMA synchronous=NORMAL")
    conn.execute(f"PRAGMA busy_timeout={int(timeout * 1000)}")
    return conn


@contextmanager
def atomic(conn: sqlite3.Connection, *, immediate: bool = True) -> Iterator[sqlite3.Connection]:
    """One transaction on ``conn``; inside another one, part of it (no savepoint:
    the outer transaction commits or rolls back everything)."""
    if conn.in_transaction:
        yield conn
        return
    lock = getattr(conn, "writer_lock", None) if immediate else None
    if lock is not None and not lock.acquire(timeout=getattr(conn, "lock_timeout_s", BUSY_TIMEOUT_S)):
        raise sqlite3.OperationalError("database is locked: another writer of this process held it "
                                       "for longer than the busy timeout")
    try:
        conn.execute("BEGIN IMMEDIATE" if immediate else "BEGIN")
        if immediate and isinstance(conn, Connection):
            conn.write_locked = True
        try:
            yield conn
        except BaseException:
            if conn.in_transaction:
                conn.execute("ROLLBACK")
            raise
        conn.execute("COMMIT")
    finally:
        if isinstance(conn, Connection):
            conn.write_locked = False
        if lock is not None:
            lock.release()


@dataclass(frozen=True)
class Migration:
    """One schema step: ``apply`` is SQL (one or more statements) or a function of the connection."""

    version: int
    name: str
    apply: str | Callable[[sqlite3.Connection], None]


def schema_version(conn: sqlite3.Connection, component: str) -> int:
    """The highest migration of ``component`` applied to this database (0: none)."""
    _ensure_table(conn)
    row = conn.execute("SELECT max(version) FROM schema_migrations WHERE component=?", (component,)).fetchone()
    return int(row[0] or 0)


def migrate(conn: sqlite3.Connection, component: str, migrations: Sequence[Migration]) -> int:
    """Apply the migrations of ``component`` this database has not seen; returns its version.

    Versions must be 1, 2, 3... in order. Each is applied in its own transaction
    together with its ``schema_migrations`` row, so a crash mid-way leaves the
    database at the previous version, never half-migrated."""
    expected = list(range(1, len(migrations) + 1))
    if [m.version for m in migrations] != expected:
        raise ValueError(f"{component}: migration versions must be {expected}")
    current = schema_version(conn, component)
    if current > len(migrations):
        raise SchemaError(
            f"{component}: database schema version {current} is newer than this software knows "
            f"({len(migrations)}); refusing to use it")
    for m in migrations[current:]:
        try:
            with atomic(conn):
                if isinstance(m.apply, str):
                    for statement in _statements(m.apply):
                        conn.execute(statement)
                else:
                    m.apply(conn)
                conn.execute(
                    "INSERT INTO schema_migrations(component, version, name, applied_at) VALUES (?,?,?,?)",
                    (component, m.version, m.name, time.time()))
        except sqlite3.Error as exc:
            raise SchemaError(f"{component}: migration {m.version} ({m.name}) failed: {exc}") from exc
    return max(current, len(migrations))


def _ensure_table(conn: sqlite3.Connection) -> None:
    conn.execute(
        "CREATE TABLE IF NOT EXISTS schema_migrations (component TEXT NOT NULL, version INTEGER NOT NULL, "
        "name TEXT NOT NULL, applied_at REAL NOT NULL, PRIMARY KEY (component, version))")


def _statements(sql: str) -> list[str]:
    """Split a migration script into statements (``sqlite3.complete_statement`` decides)."""
    out, buf = [], ""
    for line in sql.splitlines(keepends=True):
        buf += line
        if sqlite3.complete_statement(buf):
            if buf.strip():
                out.append(buf.strip())
            buf = ""
    if buf.strip():
        out.append(buf.strip())
    return out
