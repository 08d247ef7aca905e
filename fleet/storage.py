"""The fleet service's storage: one URL, one place that knows the engine.

``open_storage("sqlite:///path/fleet.db")`` (embedded, the default) or
``open_storage("postgresql://user@host:5432/fleet")`` (psycopg 3). What differs
between the two is a :class:`Dialect` (placeholder style, identity column DDL)
and a small connection wrapper; every query elsewhere is portable SQL written
with ``?`` placeholders, ``ON CONFLICT`` upserts, ``DOUBLE PRECISION`` times
(Unix seconds) and ``BIGINT`` sizes, and no engine-specific functions.

The schema is versioned: :data:`MIGRATIONS` is an append-only list, and
``schema_migrations`` records which versions were applied. Every migration not
yet applied runs at open, each in its own transaction, so a service started on
an older database upgrades it before serving anything.
"""

from __future__ import annotations

import contextlib
import sqlite3
import threading
import time
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from urllib.parse import urlparse

Row = dict[str, Any]


class StorageError(Exception):
    """A storage URL or database that cannot be used, with the reason."""


# Each migration: (version, description, statements). ``{id_pk}`` is the
# dialect's auto-increment integer primary key. Never edit a shipped entry: add one.
MIGRATIONS: list[tuple[int, str, list[str]]] = [
    (1, "devices, models, rollouts, rollout targets, events, users", [
        """CREATE TABLE devices (
            id TEXT PRIMARY KEY,
            store_id TEXT,
            state TEXT NOT NULL DEFAULT 'unknown',
            last_seen DOUBLE PRECISION,
            status_ts DOUBLE PRECISION,
            active_model TEXT,
            previous_model TEXT,
            ota_state TEXT,
            ota_version TEXT,
            ota_rollout TEXT,
            ota_reason TEXT,
            desired_version TEXT,
            desired_rollout TEXT,
            desired_json TEXT,
            detail_json TEXT,
            updated_at DOUBLE PRECISION NOT NULL
        )""",
        "CREATE INDEX devices_store ON devices (store_id)",
        """CREATE TABLE models (
            version TEXT PRIMARY KEY,
            created_at TEXT,
            published_at DOUBLE PRECISION NOT NULL,
            size BIGINT NOT NULL,
            sha256 TEXT NOT NULL,
            key_id TEXT NOT NULL,
            artifact TEXT NOT NULL,
            metrics_json TEXT,
            manifest_json TEXT NOT NULL,
            source TEXT
        )""",
        """CREATE TABLE rollouts (
            id TEXT PRIMARY KEY,
            seq BIGINT NOT NULL UNIQUE,
            kind TEXT NOT NULL,
            model_version TEXT NOT NULL REFERENCES models (version),
            state TEXT NOT NULL,
            target_json TEXT NOT NULL,
            canary INTEGER NOT NULL,
            waves_json TEXT NOT NULL,
            abort_on_json TEXT NOT NULL,
            allow_downgrade INTEGER NOT NULL,
            current_wave INTEGER NOT NULL,
            reason TEXT,
            created_by TEXT,
            created_at DOUBLE PRECISION NOT NULL,
            updated_at DOUBLE PRECISION NOT NULL
        )""",
        """CREATE TABLE rollout_targets (
            rollout_id TEXT NOT NULL REFERENCES rollouts (id),
            device_id TEXT NOT NULL,
            wave INTEGER NOT NULL,
            state TEXT NOT NULL,
            reason TEXT,
            updated_at DOUBLE PRECISION NOT NULL,
            PRIMARY KEY (rollout_id, device_id)
        )""",
        "CREATE INDEX rollout_targets_device ON rollout_targets (device_id)",
        """CREATE TABLE events (
            id {id_pk},
            ts DOUBLE PRECISION NOT NULL,
            kind TEXT NOT NULL,
            device_id TEXT,
            rollout_id TEXT,
            model_version TEXT,
            reason TEXT,
            detail_json TEXT
        )""",
        "CREATE INDEX events_device ON events (device_id, ts)",
        "CREATE INDEX events_rollout ON events (rollout_id, ts)",
        """CREATE TABLE users (
            id {id_pk},
            name TEXT NOT NULL UNIQUE,
            password_hash TEXT NOT NULL,
            role TEXT NOT NULL,
            created_at DOUBLE PRECISION NOT NULL
        )""",
    ]),
    (2, "per-stage timeout of a rollout", [
        "ALTER TABLE rollouts ADD COLUMN stage_timeout_s DOUBLE PRECISION",
        "ALTER TABLE rollouts ADD COLUMN stage_started_at DOUBLE PRECISION",
    ]),
]


@dataclass(frozen=True)
class Dialect:
    """What differs between engines in the SQL text itself."""

    name: str
    id_pk: str
    placeholder: str = "?"

    def sql(self, statement: str) -> str:
        if self.placeholder != "?":
            statement = statement.replace("?", self.placeholder)
        return statement


SQLITE = Dialect(name="sqlite", id_pk="INTEGER PRIMARY KEY AUTOINCREMENT")
POSTGRES = Dialect(name="postgresql", id_pk="BIGINT GENERATED BY DEFAULT AS IDENTITY PRIMARY KEY", placeholder="%s")


class Storage:
    """A connection with a lock, an atomic-transaction helper and dict rows.

    One connection shared by the HTTP worker threads and the MQTT thread,
    serialised by a lock: the service's writes are small and short, and one
    writer is what SQLite allows anyway.
    """

    def __init__(self, url: str, conn: Any, dialect: Dialect) -> None:
        self.url = url
        self.dialect = dialect
        self._conn = conn
        self._lock = threading.RLock()
        self._depth = 0

    # ---- transactions ----------------------------------------------------------

    @contextmanager
    def tx(self) -> Iterator[Storage]:
        """Atomic block: commits at the end, rolls back on any exception. Nests."""
        with self._lock:
            outer = self._depth == 0
            if outer:
                self._run("BEGIN IMMEDIATE" if self.dialect.name == "sqlite" else "BEGIN", (), retry=True)
            self._depth += 1
            try:
                yield self
            except BaseException:
                self._depth -= 1
                if outer:
                    with contextlib.suppress(Exception):  # a lost connection rolled back by itself
                        self._conn.rollback()
                raise
            self._depth -= 1
            if outer:
                self._conn.commit()

    def _run(self, statement: str, params: tuple[Any, ...], *, retry: bool) -> Any:
        """Execute; outside a transaction a connection the server dropped (restart,
        failover, idle timeout) is re-opened and the statement tried once more."""
        try:
            return self._conn.execute(statement, params)
        except Exception as exc:
            if not (retry and self._conn.lost(exc)):
                raise
            self._conn.reconnect()
            return self._conn.execute(statement, params)

    def execute(self, statement: str, params: Sequence[Any] = ()) -> int:
        """Run one statement; returns the number of rows changed."""
        with self._lock:
            cur = self._run(self.dialect.sql(statement), tuple(params), retry=self._depth == 0)
            if self._depth == 0:
                self._conn.commit()
            return cur.rowcount

    def query(self, statement: str, params: Sequence[Any] = ()) -> list[Row]:
        with self._lock:
            cur = self._run(self.dialect.sql(statement), tuple(params), retry=self._depth == 0)
            cols = [c[0] for c in cur.description]
            return [dict(zip(cols, row, strict=True)) for row in cur.fetchall()]

    def one(self, statement: str, params: Sequence[Any] = ()) -> Row | None:
        rows = self.query(statement, params)
        return rows[0] if rows else None

    def close(self) -> None:
        with self._lock:
            self._conn.close()

    # ---- schema ----------------------------------------------------------------

    def schema_version(self) -> int:
        row = self.one("SELECT MAX(version) AS v FROM schema_migrations")
        return int(row["v"] or 0) if row else 0

    def migrate(self) -> list[int]:
        """Apply every migration newer than the database; returns the versions applied."""
        self.execute(
            "CREATE TABLE IF NOT EXISTS schema_migrations ("
            " version INTEGER PRIMARY KEY, description TEXT NOT NULL, applied_at DOUBLE PRECISION NOT NULL)"
        )
        current = self.schema_version()
        known = MIGRATIONS[-1][0]
        if current > known:
            raise StorageError(
                f"{self.url}: schema version {current} is newer than this service knows ({known}); "
                "upgrade the service")
        applied = []
        for version, description, statements in MIGRATIONS:
            if version <= current:
                continue
            with self.tx():
                for statement in statements:
                    self.execute(statement.replace("{id_pk}", self.dialect.id_pk))
                self.execute(
                    "INSERT INTO schema_migrations (version, description, applied_at) VALUES (?, ?, ?)",
                    (version, description, time.time()))
            applied.append(version)
        return applied


def open_storage(url: str) -> Storage:
    """Open (creating if needed) and migrate the database at ``url``.

    ``sqlite:///relative/path.db``, ``sqlite:////absolute/path.db`` or
    ``sqlite:///:memory:``. Raises :class:`StorageError` naming the URL.
    """
    parsed = urlparse(url)
    if parsed.scheme == "sqlite":
        path = parsed.path[1:] if parsed.path.startswith("/") else parsed.path
        if not path:
            raise StorageError(f"{url}: no database path (use sqlite:///path/to/fleet.db)")
        if path != ":memory:":
            Path(path).parent.mkdir(parents=True, exist_ok=True)
        try:
            # isolation_level=None: we issue BEGIN/COMMIT ourselves (see Storage.tx).
            conn = sqlite3.connect(path, check_same_thread=False, isolation_level=None, timeout=30)
            conn.execute("PRAGMA journal_mode=WAL")
            conn.execute("PRAGMA synchronous=NORMAL")
            conn.execute("PRAGMA foreign_keys=ON")
        except sqlite3.Error as exc:
            raise StorageError(f"{url}: {exc}") from exc
        storage = Storage(url, _SqliteConn(conn), SQLITE)
    elif parsed.scheme in ("postgresql", "postgres"):
        try:
            import psycopg
        except ImportError:
            raise StorageError(f"{_redact(url)}: PostgreSQL needs psycopg (the cloud extra)") from None
        try:
            # autocommit: Storage.tx issues BEGIN/COMMIT itself, as on SQLite.
            conn = _PgConn(url)
        except psycopg.Error as exc:
            raise StorageError(f"{_redact(url)}: {str(exc).strip()}") from None
        storage = Storage(_redact(url), conn, POSTGRES)
    else:
        raise StorageError(f"{url}: unsupported storage URL (use sqlite:///path/to/fleet.db "
                           "or postgresql://user@host/db)")
    storage.migrate()
    return storage


class _SqliteConn:
    """sqlite3 in autocommit mode with explicit commit/rollback statements,
    so :meth:`Storage.tx` controls transactions the same way on every engine."""

    def __init__(self, conn: sqlite3.Connection) -> None:
        self._conn = conn

    def lost(self, exc: Exception) -> bool:
        return False  # a file does not go away under us the way a server connection does

    def reconnect(self) -> None:  # pragma: no cover - never called (lost() is False)
        raise NotImplementedError

    def execute(self, statement: str, params: tuple[Any, ...] = ()) -> sqlite3.Cursor:
        return self._conn.execute(statement, params)

    def commit(self) -> None:
        if self._conn.in_transaction:
            self._conn.execute("COMMIT")

    def rollback(self) -> None:
        if self._conn.in_transaction:
            self._conn.execute("ROLLBACK")

    def close(self) -> None:
        self._conn.close()


class _PgConn:
    """psycopg 3 in autocommit mode with explicit transaction statements."""

    def __init__(self, url: str) -> None:
        self._url = url
        self._conn = self._connect()

    def _connect(self) -> Any:
        import psycopg

        return psycopg.connect(self._url, autocommit=True, connect_timeout=10)

    def lost(self, exc: Exception) -> bool:
        import psycopg

        return isinstance(exc, psycopg.OperationalError) and (self._conn.broken or self._conn.closed)

    def reconnect(self) -> None:
        with contextlib.suppress(Exception):
            self._conn.close()
        self._conn = self._connect()

    def execute(self, statement: str, params: tuple[Any, ...] = ()) -> Any:
        return self._conn.execute(statement, params or None)

    def _in_transaction(self) -> bool:
        from psycopg.pq import TransactionStatus

        return self._conn.info.transaction_status != TransactionStatus.IDLE

    def commit(self) -> None:
        if self._in_transaction():
            self._conn.execute("COMMIT")

    def rollback(self) -> None:
        if self._in_transaction():
            self._conn.execute("ROLLBACK")

    def close(self) -> None:
        self._conn.close()


def _redact(url: str) -> str:
    """The URL without its password, for messages and logs."""
    parsed = urlparse(url)
    if parsed.password is None:
        return url
    netloc = parsed.netloc.replace(f":{parsed.password}@", ":***@")
    return parsed._replace(netloc=netloc).geturl()
