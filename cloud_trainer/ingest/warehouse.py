"""Where ingested feedback lives: one storage URL, two engines.

* ``sqlite:///relative/wh.db``, ``sqlite:////absolute/wh.db`` or a plain path: :class:`SQLiteWarehouse`, the
  embedded default -- one file (WAL), several ingest workers on one machine
  (writers serialise on SQLite's lock).
* ``postgresql://user@host:port/db``: :class:`PostgresWarehouse` (psycopg 3) --
  ingest workers on many machines write concurrently; per-stream bookkeeping is
  serialised by a row lock on the stream, not by a global lock.

:func:`open_warehouse` picks the engine from the URL. Both engines run the same
bookkeeping code (:class:`SQLWarehouse`) over a handful of engine primitives
(lock the batch's streams, insert events skipping the ones already there), so
they keep one contract, which ``tests/test_warehouse_conformance.py`` checks on
both:

* ``store`` is idempotent: storing an event whose ``event_id`` is already
  there changes nothing but the duplicate counter;
* a batch is atomic: either all its new events (and the stream bookkeeping)
  are durable when ``store`` returns, or none are -- the ingest service
  acknowledges the MQTT messages only afterwards;
* ``watermark(stream)`` is the highest seq up to which every event of the
  stream is stored or was announced as dropped by the device;
* ``events()`` is in per-stream seq order, whatever the arrival order.

Schema (the same tables on both engines; types differ: PostgreSQL keeps
``data`` as ``jsonb`` and numbers ``arrival`` from a sequence)::

    events   event_id TEXT PRIMARY KEY   "<device>:<epoch>:<seq>"; de-duplication key
             stream   TEXT               "<device>:<epoch>"; one outbox's sequence space
             device_id, store_id, epoch, seq INTEGER, kind, ts REAL (device clock),
             model_version, data (JSON), received_at REAL (cloud clock),
             arrival INTEGER             order of first arrival, for the ordering check
             UNIQUE (stream, seq)
    streams  stream PRIMARY KEY, device_id, store_id, epoch,
             contig   highest seq with nothing missing below it (the ack watermark)
             max_seq, received (first copies), duplicates (re-deliveries dropped),
             late (first copies that arrived after a higher seq), first_seen, last_seen
    gaps     id, stream, device_id, epoch, from_seq, to_seq, detected_at,
             status 'open' | 'filled' | 'dropped_by_device', resolved_at
    dropped  stream, from_seq, to_seq, announced_at   ranges the device's bounds dropped
    schema_migrations  version, description, applied_at

**Migrations.** Each engine has one ordered list of versioned migrations
(``MIGRATIONS``); opening a warehouse applies the missing ones in one
transaction under a lock (SQLite: ``BEGIN IMMEDIATE``; PostgreSQL: an advisory
lock), so several workers starting at once migrate exactly once. A database
newer than the code is refused with its version. A schema change is a new
entry at the end of both lists, never an edit of an applied one.
"""

from __future__ import annotations

import json
import sqlite3
import threading
import time
from collections.abc import Iterable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Protocol
from urllib.parse import urlsplit

from edge.comms.topics import FeedbackEvent


class WarehouseError(ValueError):
    """A warehouse URL that names no engine, or a database this code cannot use."""


class WarehouseMissing(WarehouseError):
    """``open_warehouse(..., must_exist=True)`` on a SQLite file that is not there."""


def stream_of(event: FeedbackEvent) -> tuple[str, str]:
    """(stream, epoch) of an event: one outbox's sequence space on one device.

    Event ids are ``<device>:<epoch>:<seq>`` (see ``edge.feedback.outbox``);
    an id in another shape is treated as epoch ``"0"``.
    """
    parts = event.event_id.rsplit(":", 2)
    epoch = parts[1] if len(parts) == 3 and parts[0] == event.device_id else "0"
    return f"{event.device_id}:{epoch}", epoch


@dataclass
class Gap:
    stream: str
    device_id: str
    epoch: str
    from_seq: int
    to_seq: int
    status: str
    detected_at: float
    resolved_at: float | None = None

    def describe(self) -> str:
        return f"device {self.device_id} (epoch {self.epoch}) seq {self.from_seq}..{self.to_seq}: {self.status}"


@dataclass
class StoreResult:
    new: int = 0
    duplicates: int = 0
    gaps_opened: list[Gap] = field(default_factory=list)
    watermarks: dict[str, tuple[str, str, str, int]] = field(default_factory=dict)
    """stream -> (device_id, store_id, epoch, watermark) for streams whose watermark moved."""


class Warehouse(Protocol):
    """The storage seam of the cloud ingest (see the module docstring for the contract)."""

    def store(self, events: Sequence[FeedbackEvent], received_at: float | None = None) -> StoreResult: ...

    def watermark(self, stream: str) -> int: ...

    def gaps(self, *, open_only: bool = False) -> list[Gap]: ...

    def streams(self) -> list[dict[str, Any]]: ...

    def events(self, kinds: Iterable[str] | None = None) -> Iterator[dict[str, Any]]: ...

    def close(self) -> None: ...


# ---- schemas, as versioned migrations ---------------------------------------------------------

_SQLITE_V1 = """
CREATE TABLE IF NOT EXISTS events (
    event_id TEXT PRIMARY KEY, stream TEXT NOT NULL, device_id TEXT NOT NULL, store_id TEXT NOT NULL,
    epoch TEXT NOT NULL, seq INTEGER NOT NULL, kind TEXT NOT NULL, ts REAL NOT NULL, model_version TEXT,
    data TEXT NOT NULL, received_at REAL NOT NULL, arrival INTEGER NOT NULL
);
CREATE UNIQUE INDEX IF NOT EXISTS events_stream_seq ON events(stream, seq);
CREATE INDEX IF NOT EXISTS events_kind_version ON events(kind, model_version);
CREATE TABLE IF NOT EXISTS streams (
    stream TEXT PRIMARY KEY, device_id TEXT NOT NULL, store_id TEXT NOT NULL, epoch TEXT NOT NULL,
    contig INTEGER NOT NULL DEFAULT 0, max_seq INTEGER NOT NULL DEFAULT 0,
    received INTEGER NOT NULL DEFAULT 0, duplicates INTEGER NOT NULL DEFAULT 0,
    late INTEGER NOT NULL DEFAULT 0, first_seen REAL, last_seen REAL
);
CREATE TABLE IF NOT EXISTS gaps (
    id INTEGER PRIMARY KEY, stream TEXT NOT NULL, device_id TEXT NOT NULL, epoch TEXT NOT NULL,
    from_seq INTEGER NOT NULL, to_seq INTEGER NOT NULL, detected_at REAL NOT NULL,
    status TEXT NOT NULL DEFAULT 'open', resolved_at REAL
);
CREATE INDEX IF NOT EXISTS gaps_open ON gaps(stream, status);
CREATE TABLE IF NOT EXISTS dropped (
    stream TEXT NOT NULL, from_seq INTEGER NOT NULL, to_seq INTEGER NOT NULL, announced_at REAL NOT NULL,
    PRIMARY KEY (stream, from_seq)
)
"""

_PG_V1 = """
CREATE SEQUENCE IF NOT EXISTS events_arrival;
CREATE TABLE IF NOT EXISTS events (
    event_id TEXT PRIMARY KEY, stream TEXT NOT NULL, device_id TEXT NOT NULL, store_id TEXT NOT NULL,
    epoch TEXT NOT NULL, seq BIGINT NOT NULL, kind TEXT NOT NULL, ts DOUBLE PRECISION NOT NULL,
    model_version TEXT, data JSONB NOT NULL, received_at DOUBLE PRECISION NOT NULL,
    arrival BIGINT NOT NULL DEFAULT nextval('events_arrival')
);
CREATE UNIQUE INDEX IF NOT EXISTS events_stream_seq ON events(stream, seq);
CREATE INDEX IF NOT EXISTS events_kind_version ON events(kind, model_version);
CREATE TABLE IF NOT EXISTS streams (
    stream TEXT PRIMARY KEY, device_id TEXT NOT NULL, store_id TEXT NOT NULL, epoch TEXT NOT NULL,
    contig BIGINT NOT NULL DEFAULT 0, max_seq BIGINT NOT NULL DEFAULT 0,
    received BIGINT NOT NULL DEFAULT 0, duplicates BIGINT NOT NULL DEFAULT 0,
    late BIGINT NOT NULL DEFAULT 0, first_seen DOUBLE PRECISION, last_seen DOUBLE PRECISION
);
CREATE TABLE IF NOT EXISTS gaps (
    id BIGSERIAL PRIMARY KEY, stream TEXT NOT NULL, device_id TEXT NOT NULL, epoch TEXT NOT NULL,
    from_seq BIGINT NOT NULL, to_seq BIGINT NOT NULL, detected_at DOUBLE PRECISION NOT NULL,
    status TEXT NOT NULL DEFAULT 'open', resolved_at DOUBLE PRECISION
);
CREATE INDEX IF NOT EXISTS gaps_open ON gaps(stream, status);
CREATE TABLE IF NOT EXISTS dropped (
    stream TEXT NOT NULL, from_seq BIGINT NOT NULL, to_seq BIGINT NOT NULL,
    announced_at DOUBLE PRECISION NOT NULL, PRIMARY KEY (stream, from_seq)
)
"""

# Version 2: time-window reads (export --since, proof of play over a day) scan by event time.
_V2 = "CREATE INDEX IF NOT EXISTS events_ts ON events(ts)"

MIGRATIONS: dict[str, list[tuple[int, str, str]]] = {
    "sqlite": [(1, "feedback tables", _SQLITE_V1), (2, "index events by time", _V2)],
    "postgresql": [(1, "feedback tables", _PG_V1), (2, "index events by time", _V2)],
}


# ---- the shared implementation ----------------------------------------------------------------


class SQLWarehouse:
    """Bookkeeping shared by both engines; subclasses supply the connection and a few primitives.

    SQL here is written with ``?`` placeholders; :meth:`_sql` rewrites them
    for the engine. Nothing here may use a literal ``?`` or ``%``.
    """

    engine = "sql"
    placeholder = "?"

    def __init__(self) -> None:
        self._lock = threading.RLock()

    # -- engine primitives ------------------------------------------------------------------

    def _sql(self, sql: str) -> str:
        return sql if self.placeholder == "?" else sql.replace("?", self.placeholder)

    def _execute(self, sql: str, params: Sequence[Any] = ()) -> Any:
        raise NotImplementedError

    def _executemany(self, sql: str, rows: Sequence[Sequence[Any]]) -> None:
        raise NotImplementedError

    @contextmanager
    def _transaction(self) -> Iterator[None]:
        raise NotImplementedError
        yield

    def _lock_streams(self, rows: list[tuple[str, str, str, str, float]]) -> dict[str, tuple[int, int]]:
        """Create missing stream rows and lock the batch's streams; -> {stream: (contig, max_seq)}."""
        raise NotImplementedError

    def _insert_events(self, rows: list[tuple[Any, ...]]) -> set[str]:
        """Insert (event_id, stream, device_id, store_id, epoch, seq, kind, ts, model_version,
        data_json, received_at) rows in order, skipping ids already stored; -> ids inserted."""
        raise NotImplementedError

    def _retryable(self, exc: BaseException) -> bool:
        return False

    # -- dialect fragments for the analytic queries (feedback_training uses them) -----------

    def jtext(self, key: str, col: str = "data") -> str:
        """SQL for the text of a top-level JSON field (NULL when absent or JSON null)."""
        raise NotImplementedError

    def jnum(self, key: str, col: str = "data") -> str:
        raise NotImplementedError

    def jtruthy(self, key: str, col: str = "data") -> str:
        """1 when the field is JSON true or a non-zero number (Python truthiness of bool/int), else 0."""
        raise NotImplementedError

    def jitems(self, col: str = "data", key: str = "items") -> str:
        """A FROM-clause item expanding the JSON array ``col.key`` as rows of ``it.value``."""
        raise NotImplementedError

    def jlen(self, key: str, col: str = "data") -> str:
        """Length of the JSON array ``col.key`` (0 when absent or not an array)."""
        raise NotImplementedError

    def strpos(self, haystack: str, needle: str) -> str:
        raise NotImplementedError

    def query(self, sql: str, params: Sequence[Any] = ()) -> tuple[list[str], list[tuple[Any, ...]]]:
        """Run a read query (``?`` placeholders); -> (column names, rows)."""
        with self._lock:
            cur = self._execute(sql, params)
            cols = [d[0] for d in cur.description]
            return cols, [tuple(r) for r in cur.fetchall()]

    def iter_query(self, sql: str, params: Sequence[Any] = (), chunk: int = 50_000
                   ) -> Iterator[tuple[list[str], list[tuple[Any, ...]]]]:
        """Like :meth:`query` but in chunks, for reads larger than memory (the Parquet export)."""
        with self._lock:
            cur = self._execute(sql, params)
            cols = [d[0] for d in cur.description]
            while True:
                rows = cur.fetchmany(chunk)
                if not rows:
                    return
                yield cols, [tuple(r) for r in rows]

    # -- migrations --------------------------------------------------------------------------

    def schema_version(self) -> int:
        with self._lock:
            return int(self._execute("SELECT coalesce(max(version), 0) FROM schema_migrations").fetchone()[0])

    def _migrate(self) -> None:
        steps = MIGRATIONS[self.engine]
        with self._lock, self._transaction():
            self._migration_lock()
            self._execute("CREATE TABLE IF NOT EXISTS schema_migrations (version INTEGER PRIMARY KEY, "
                          "description TEXT NOT NULL, applied_at REAL NOT NULL)")
            have = {int(r[0]) for r in self._execute("SELECT version FROM schema_migrations").fetchall()}
            known = {v for v, _, _ in steps}
            newer = sorted(have - known)
            if newer:
                raise WarehouseError(f"{self.describe()}: schema version {max(newer)} is newer than this code "
                                     f"knows (up to {max(known)}); upgrade the code before opening it")
            for version, description, script in steps:
                if version in have:
                    continue
                for stmt in script.split(";"):
                    if stmt.strip():
                        self._execute(stmt)
                self._execute("INSERT INTO schema_migrations VALUES (?, ?, ?)", (version, description, time.time()))

    def _migration_lock(self) -> None:
        pass

    def describe(self) -> str:
        return self.engine

    # -- writing ------------------------------------------------------------------------------

    def store(self, events: Sequence[FeedbackEvent], received_at: float | None = None) -> StoreResult:
        now = time.time() if received_at is None else received_at
        if not events:
            return StoreResult()
        for attempt in range(8):
            try:
                with self._lock, self._transaction():
                    return self._store(events, now)
            except Exception as exc:
                # Concurrent workers can deadlock on stream rows in rare orders; the engine
                # rolled the whole batch back, so trying again is safe.
                if not self._retryable(exc) or attempt == 7:
                    raise
                time.sleep(0.01 * (attempt + 1))
        raise AssertionError("unreachable")

    def _store(self, events: Sequence[FeedbackEvent], now: float) -> StoreResult:
        result = StoreResult()
        metas: dict[str, tuple[str, str, str]] = {}
        rows: list[tuple[Any, ...]] = []
        seen: set[str] = set()
        parsed: list[tuple[FeedbackEvent, str, bool]] = []  # (event, stream, first copy in batch)
        for ev in events:
            stream, epoch = stream_of(ev)
            metas.setdefault(stream, (ev.device_id, ev.store_id, epoch))
            first = ev.event_id not in seen
            seen.add(ev.event_id)
            parsed.append((ev, stream, first))
            if first:
                rows.append((ev.event_id, stream, ev.device_id, ev.store_id, epoch, ev.seq, ev.kind, ev.ts,
                             ev.model_version, json.dumps(ev.data, separators=(",", ":")), now))
        # Events first, stream locks second: the insert (the heavy part) of concurrent
        # PostgreSQL workers then runs in parallel, and only the short bookkeeping below is
        # serialised per stream. Correct because the bookkeeping reads stream state under
        # the lock, and a concurrent insert of the same event_id waits for our commit and
        # then counts it as a duplicate. Streams in sorted order: one lock order for all.
        inserted = self._insert_events(rows)
        state = self._lock_streams([(s, *metas[s], now) for s in sorted(metas)])

        before = {s: state[s] for s in metas}
        max_seq = {s: state[s][1] for s in metas}
        per: dict[str, list[int]] = {s: [0, 0, 0] for s in metas}  # received, duplicates, late
        new_seqs: dict[str, list[int]] = {s: [] for s in metas}
        gap_rows: list[tuple[Any, ...]] = []
        drop_rows: list[tuple[Any, ...]] = []
        for ev, stream, first in parsed:
            if not first or ev.event_id not in inserted:
                result.duplicates += 1
                per[stream][1] += 1
                continue
            result.new += 1
            top = max_seq[stream]
            if ev.seq > top + 1:
                gap = Gap(stream, ev.device_id, metas[stream][2], top + 1, ev.seq - 1, "open", now)
                gap_rows.append((stream, ev.device_id, gap.epoch, gap.from_seq, gap.to_seq, now))
                result.gaps_opened.append(gap)
            per[stream][0] += 1
            per[stream][2] += 1 if ev.seq < top else 0
            max_seq[stream] = max(top, ev.seq)
            new_seqs[stream].append(ev.seq)
            announced = ev.data.get("dropped_before")
            if isinstance(announced, list) and len(announced) == 2:
                drop_rows.append((stream, int(announced[0]), int(announced[1]), now))
        if gap_rows:
            self._executemany("INSERT INTO gaps(stream, device_id, epoch, from_seq, to_seq, detected_at) "
                              "VALUES (?,?,?,?,?,?)", gap_rows)
        if drop_rows:
            self._insert_drops(drop_rows)
        # Streams with a hole: events above the watermark before this batch, or a gap or a
        # device-announced drop in it. Only these need reads; for the others (the common
        # case) the batch's own seqs are the whole story.
        holey = {s for s, (start, prev_max) in before.items() if prev_max > start}
        holey |= {g[0] for g in gap_rows} | {d[0] for d in drop_rows}
        moved = self._advance(before, new_seqs, holey, now)
        # One statement for all the batch's stream rows (counters, max_seq, watermark).
        self._update_streams([(r, d, late, max_seq[s], moved.get(s, before[s][0]), now, s)
                              for s, (r, d, late) in per.items()])
        for stream, after in moved.items():
            device_id, store_id, epoch = metas[stream]
            result.watermarks[stream] = (device_id, store_id, epoch, after)
        return result

    def _insert_drops(self, rows: list[tuple[Any, ...]]) -> None:
        raise NotImplementedError

    def _update_streams(self, rows: list[tuple[int, int, int, int, int, float, str]]) -> None:
        """Add (received, duplicates, late) to each stream's counters, set max_seq, contig, last_seen."""
        self._executemany("UPDATE streams SET received = received + ?, duplicates = duplicates + ?, "
                          "late = late + ?, max_seq = ?, contig = ?, last_seen = ? WHERE stream = ?", rows)

    def _in(self, values: Sequence[Any]) -> str:
        return "(" + ",".join("?" * len(values)) + ")"

    def _advance(self, before: dict[str, tuple[int, int]], new_seqs: dict[str, list[int]], holey: set[str],
                 now: float) -> dict[str, int]:
        """The new contiguous watermark of each touched stream that moved (over stored events
        and announced drops); closes the gaps it passes. Reads only for ``holey`` streams."""
        drops: dict[str, dict[int, int]] = {s: {} for s in before}
        if holey:
            names = sorted(holey)
            for s, a, b in self._execute(f"SELECT stream, from_seq, to_seq FROM dropped WHERE stream IN "
                                         f"{self._in(names)}", names).fetchall():
                if b > before[s][0]:
                    drops[s][int(a)] = int(b)
        moved: dict[str, int] = {}
        window = 5000
        # Holey streams: their stored seqs above the watermark, for all of them in one read.
        above = self._seqs_above({s: before[s][0] for s in holey}, window) if holey else {}
        for s, (start, _) in before.items():
            contig = start
            d = drops[s]
            # Not holey: nothing was stored above the watermark and the batch's seqs run on
            # from it, so they are all there is. Holey: the stored seqs, a window at a time.
            seqs = above.get(s, []) if s in holey else sorted(q for q in new_seqs[s] if q > start)
            while True:
                for q in seqs:
                    while contig + 1 in d:
                        contig = max(contig, d[contig + 1])
                    if q == contig + 1:
                        contig = q
                    elif q > contig + 1:
                        break
                while contig + 1 in d:
                    contig = max(contig, d[contig + 1])
                if s not in holey or len(seqs) < window or not seqs or contig < seqs[-1]:
                    break
                seqs = self._seqs_above({s: contig}, window).get(s, [])  # a long run: next window
            if contig > start:
                moved[s] = contig
        closing = sorted(s for s in moved if s in holey)
        if not closing:
            return moved
        gaps = [(gid, s, a, b) for gid, s, a, b in self._execute(
            f"SELECT id, stream, from_seq, to_seq FROM gaps WHERE status = 'open' AND stream IN "
            f"{self._in(closing)}", closing).fetchall() if b <= moved[s]]
        if gaps:
            ids = [g[0] for g in gaps]
            present = dict(self._execute(
                f"SELECT g.id, count(e.seq) FROM gaps g LEFT JOIN events e ON e.stream = g.stream "
                f"AND e.seq BETWEEN g.from_seq AND g.to_seq WHERE g.id IN {self._in(ids)} GROUP BY g.id",
                ids).fetchall())
            self._executemany("UPDATE gaps SET status = ?, resolved_at = ? WHERE id = ?", [
                ("filled" if present.get(gid, 0) == b - a + 1 else "dropped_by_device", now, gid)
                for gid, _, a, b in gaps])
        return moved

    def _seqs_above(self, bounds: dict[str, int], window: int) -> dict[str, list[int]]:
        """{stream: sorted stored seqs in (bound, bound + window]} for each stream."""
        out: dict[str, list[int]] = {}
        for s, lo in bounds.items():
            out[s] = [int(r[0]) for r in self._execute(
                "SELECT seq FROM events WHERE stream = ? AND seq > ? AND seq <= ? ORDER BY seq",
                (s, lo, lo + window)).fetchall()]
        return out

    # -- reading ------------------------------------------------------------------------------

    def watermark(self, stream: str) -> int:
        with self._lock:
            row = self._execute("SELECT contig FROM streams WHERE stream = ?", (stream,)).fetchone()
        return 0 if row is None else int(row[0])

    def gaps(self, *, open_only: bool = False) -> list[Gap]:
        sql = ("SELECT stream, device_id, epoch, from_seq, to_seq, status, detected_at, resolved_at "
               "FROM gaps" + (" WHERE status = 'open'" if open_only else "") + " ORDER BY id")
        with self._lock:
            return [Gap(*r) for r in self._execute(sql).fetchall()]

    def streams(self) -> list[dict[str, Any]]:
        cols, rows = self.query("SELECT stream, device_id, store_id, epoch, contig, max_seq, received, "
                                "duplicates, late, first_seen, last_seen FROM streams ORDER BY stream")
        return [dict(zip(cols, r, strict=True)) for r in rows]

    def events(self, kinds: Iterable[str] | None = None) -> Iterator[dict[str, Any]]:
        """Events in per-stream seq order (the order the device produced them)."""
        sql = "SELECT event_id, stream, device_id, store_id, seq, kind, ts, model_version, data FROM events"
        params: list[Any] = []
        if kinds is not None:
            params = list(kinds)
            sql += f" WHERE kind IN {self._in(params)}"
        sql += " ORDER BY stream, seq"
        for cols, rows in self.iter_query(sql, params, chunk=5000):
            for r in rows:
                row = dict(zip(cols, r, strict=True))
                if isinstance(row["data"], str):
                    row["data"] = json.loads(row["data"])
                yield row

    def integrity(self) -> dict[str, Any]:
        """Checks the benchmark and tests rely on, computed from the stored rows."""
        with self._lock:
            ex = self._execute
            total, distinct = ex("SELECT count(*), count(DISTINCT event_id) FROM events").fetchone()
            # A first arrival with a lower seq than an earlier first arrival of the same stream.
            inversions = ex(
                "SELECT count(*) FROM (SELECT seq, max(seq) OVER (PARTITION BY stream ORDER BY arrival "
                "ROWS BETWEEN UNBOUNDED PRECEDING AND 1 PRECEDING) AS prev_max FROM events) AS w "
                "WHERE prev_max IS NOT NULL AND seq < prev_max").fetchone()[0]
            raw_dups = ex("SELECT coalesce(sum(duplicates), 0) FROM streams").fetchone()[0]
            detected = ex("SELECT count(*) FROM gaps").fetchone()[0]
        return {
            "events": int(total),
            "duplicates_after_dedupe": int(total) - int(distinct),
            "raw_duplicates_received": int(raw_dups),
            "late_arrivals": int(inversions),
            "open_gaps": [g.describe() for g in self.gaps(open_only=True)],
            "gaps_detected": int(detected),
        }


# ---- SQLite -------------------------------------------------------------------------------------


class SQLiteWarehouse(SQLWarehouse):
    """The embedded default: one SQLite file (WAL), safe for several ingest workers
    on one machine (writers serialise on SQLite's lock)."""

    engine = "sqlite"

    def __init__(self, path: Path | str) -> None:
        super().__init__()
        self.path = Path(path)
        self.path.parent.mkdir(parents=True, exist_ok=True)
        self.conn = sqlite3.connect(str(self.path), isolation_level=None, check_same_thread=False,
                                    timeout=60.0)
        self.conn.execute("PRAGMA journal_mode=WAL")
        self.conn.execute("PRAGMA synchronous=NORMAL")
        self.conn.execute("PRAGMA busy_timeout=60000")
        self._migrate()

    def describe(self) -> str:
        return f"sqlite:///{self.path}"

    def _execute(self, sql: str, params: Sequence[Any] = ()) -> sqlite3.Cursor:
        return self.conn.execute(sql, params)

    def _executemany(self, sql: str, rows: Sequence[Sequence[Any]]) -> None:
        self.conn.executemany(sql, rows)

    @contextmanager
    def _transaction(self) -> Iterator[None]:
        # IMMEDIATE: take the write lock up front, so the reads of stream state below
        # cannot be invalidated by another worker's writer before we write.
        self.conn.execute("BEGIN IMMEDIATE")
        try:
            yield
        except BaseException:
            self.conn.execute("ROLLBACK")
            raise
        self.conn.execute("COMMIT")

    def _lock_streams(self, rows: list[tuple[str, str, str, str, float]]) -> dict[str, tuple[int, int]]:
        self.conn.executemany("INSERT OR IGNORE INTO streams(stream, device_id, store_id, epoch, first_seen) "
                              "VALUES (?,?,?,?,?)", rows)
        names = [r[0] for r in rows]
        return {s: (int(c), int(m)) for s, c, m in self.conn.execute(
            f"SELECT stream, contig, max_seq FROM streams WHERE stream IN {self._in(names)}", names)}

    def _insert_events(self, rows: list[tuple[Any, ...]]) -> set[str]:
        arrival = self.conn.execute("SELECT coalesce(max(arrival), 0) FROM events").fetchone()[0]
        inserted: set[str] = set()
        for row in rows:
            arrival += 1
            cur = self.conn.execute("INSERT OR IGNORE INTO events VALUES (?,?,?,?,?,?,?,?,?,?,?,?)",
                                    (*row, arrival))
            if cur.rowcount:
                inserted.add(row[0])
        return inserted

    def _insert_drops(self, rows: list[tuple[Any, ...]]) -> None:
        self.conn.executemany("INSERT OR IGNORE INTO dropped VALUES (?,?,?,?)", rows)

    def jtext(self, key: str, col: str = "data") -> str:
        return f"json_extract({col}, '$.{key}')"

    def jnum(self, key: str, col: str = "data") -> str:
        # Numbers, and strings that are numbers (as the PostgreSQL twin); NULL otherwise.
        return (f"(CASE WHEN json_type({col}, '$.{key}') IN ('integer', 'real') "
                f"THEN CAST(json_extract({col}, '$.{key}') AS REAL) "
                f"WHEN json_type({col}, '$.{key}') = 'text' AND json_extract({col}, '$.{key}') "
                f"GLOB '*[0-9]*' AND json_extract({col}, '$.{key}') NOT GLOB '*[^0-9.-]*' "
                f"THEN CAST(json_extract({col}, '$.{key}') AS REAL) END)")

    def jtruthy(self, key: str, col: str = "data") -> str:
        # json_extract gives 1/0 for true/false and the number for numbers.
        return (f"(CASE WHEN json_type({col}, '$.{key}') IN ('true', 'integer', 'real') "
                f"AND json_extract({col}, '$.{key}') != 0 THEN 1 ELSE 0 END)")

    def jitems(self, col: str = "data", key: str = "items") -> str:
        return f"json_each({col}, '$.{key}') AS it"

    def jlen(self, key: str, col: str = "data") -> str:
        return (f"(CASE WHEN json_type({col}, '$.{key}') = 'array' "
                f"THEN json_array_length({col}, '$.{key}') ELSE 0 END)")

    def strpos(self, haystack: str, needle: str) -> str:
        return f"instr({haystack}, {needle})"

    def close(self) -> None:
        with self._lock:
            self.conn.close()


# ---- PostgreSQL ---------------------------------------------------------------------------------


class PostgresWarehouse(SQLWarehouse):
    """The warehouse on a PostgreSQL server (psycopg 3): one connection per worker.

    Concurrency: a batch locks its streams' rows (``SELECT ... FOR UPDATE`` in
    stream order) before touching their bookkeeping, so workers on different
    machines can store events of the same device at the same time; different
    devices never wait for each other. Event inserts are one
    ``INSERT ... SELECT FROM unnest(...) ON CONFLICT DO NOTHING RETURNING``.
    """

    engine = "postgresql"
    placeholder = "%s"

    def __init__(self, url: str, *, connect_timeout: float = 10.0) -> None:
        super().__init__()
        try:
            import psycopg
        except ImportError as exc:  # the cloud extra installs it
            raise WarehouseError(f"{redact_url(url)}: the PostgreSQL engine needs psycopg "
                                 "(pip install 'psycopg[binary]', part of the cloud extra)") from exc
        self._psycopg = psycopg
        self.url = url
        try:
            self.conn = psycopg.connect(url, autocommit=True, connect_timeout=int(connect_timeout))
        except psycopg.OperationalError as exc:
            raise WarehouseError(f"{redact_url(url)}: cannot connect: {str(exc).strip()}") from exc
        self._migrate()

    def describe(self) -> str:
        return redact_url(self.url)

    def _execute(self, sql: str, params: Sequence[Any] = ()) -> Any:
        return self.conn.execute(self._sql(sql), params or None)  # type: ignore[arg-type]

    def _executemany(self, sql: str, rows: Sequence[Sequence[Any]]) -> None:
        with self.conn.cursor() as cur:
            cur.executemany(self._sql(sql), rows)  # pipelined by psycopg: one round trip

    @contextmanager
    def _transaction(self) -> Iterator[None]:
        with self.conn.transaction():
            yield

    def _retryable(self, exc: BaseException) -> bool:
        errors = self._psycopg.errors
        return isinstance(exc, errors.DeadlockDetected | errors.SerializationFailure)

    def _migration_lock(self) -> None:
        # Workers starting together: one migrates, the others wait and then see it done.
        self._execute("SELECT pg_advisory_xact_lock(727100012)")

    # Bulk statements take the batch as one jsonb parameter (one round trip, no per-row
    # parameter binding); rows are JSON arrays addressed by position.

    def _lock_streams(self, rows: list[tuple[str, str, str, str, float]]) -> dict[str, tuple[int, int]]:
        self._execute("INSERT INTO streams(stream, device_id, store_id, epoch, first_seen) "
                      "SELECT x->>0, x->>1, x->>2, x->>3, (x->>4)::float8 FROM jsonb_array_elements(?::jsonb) "
                      "WITH ORDINALITY AS u(x, n) ORDER BY n ON CONFLICT (stream) DO NOTHING",
                      (json.dumps(rows),))
        names = [r[0] for r in rows]
        return {s: (int(c), int(m)) for s, c, m in self._execute(
            "SELECT stream, contig, max_seq FROM streams WHERE stream = ANY(?) ORDER BY stream FOR UPDATE",
            (names,)).fetchall()}

    def _insert_events(self, rows: list[tuple[Any, ...]]) -> set[str]:
        # The whole batch as ONE jsonb parameter, expanded by the server: psycopg dumps
        # Python lists as text arrays slowly (about 1 ms per 1,000-string array on this
        # machine), json.dumps of the batch is C. WITH ORDINALITY + ORDER BY: the arrival
        # sequence is drawn in batch order.
        # data (index 9) is already JSON text: spliced in as is, not encoded twice.
        batch = "[" + ",".join(
            "[" + json.dumps(row[:9], separators=(",", ":"))[1:-1] + "," + row[9] + "," + json.dumps(row[10]) + "]"
            for row in rows) + "]"
        cur = self._execute(
            "INSERT INTO events (event_id, stream, device_id, store_id, epoch, seq, kind, ts, model_version, "
            "data, received_at) SELECT x->>0, x->>1, x->>2, x->>3, x->>4, (x->>5)::bigint, x->>6, "
            "(x->>7)::float8, x->>8, x->9, (x->>10)::float8 FROM jsonb_array_elements(?::jsonb) "
            "WITH ORDINALITY AS u(x, n) ORDER BY n ON CONFLICT DO NOTHING RETURNING event_id", (batch,))
        return {r[0] for r in cur.fetchall()}

    def _insert_drops(self, rows: list[tuple[Any, ...]]) -> None:
        self._executemany("INSERT INTO dropped VALUES (?,?,?,?) ON CONFLICT DO NOTHING", rows)

    def _seqs_above(self, bounds: dict[str, int], window: int) -> dict[str, list[int]]:
        # One round trip for every holey stream of the batch (with several workers most
        # streams are: the broker spreads a device's messages over them).
        out: dict[str, list[int]] = {s: [] for s in bounds}
        for s, q in self._execute(
                "SELECT e.stream, e.seq FROM jsonb_array_elements(?::jsonb) AS u(x) JOIN events e "
                "ON e.stream = x->>0 AND e.seq > (x->>1)::bigint AND e.seq <= (x->>1)::bigint + ? "
                "ORDER BY e.stream, e.seq", (json.dumps(list(bounds.items())), window)).fetchall():
            out[s].append(int(q))
        return out

    def _update_streams(self, rows: list[tuple[int, int, int, int, int, float, str]]) -> None:
        self._execute("UPDATE streams AS t SET received = t.received + (x->>0)::bigint, "
                      "duplicates = t.duplicates + (x->>1)::bigint, late = t.late + (x->>2)::bigint, "
                      "max_seq = (x->>3)::bigint, contig = (x->>4)::bigint, last_seen = (x->>5)::float8 "
                      "FROM jsonb_array_elements(?::jsonb) AS u(x) WHERE t.stream = x->>6", (json.dumps(rows),))

    def iter_query(self, sql: str, params: Sequence[Any] = (), chunk: int = 50_000
                   ) -> Iterator[tuple[list[str], list[tuple[Any, ...]]]]:
        # A server-side cursor, so a months-long export never sits in client memory at once.
        with self._lock, self.conn.transaction(), self.conn.cursor(name=f"export_{id(self)}") as cur:
            cur.execute(self._sql(sql), params or None)  # type: ignore[arg-type]
            cols: list[str] | None = None
            while True:
                rows = cur.fetchmany(chunk)
                if cols is None:
                    cols = [d[0] for d in cur.description or []]
                if not rows:
                    return
                yield cols, [tuple(r) for r in rows]

    def jtext(self, key: str, col: str = "data") -> str:
        return f"({col} ->> '{key}')"

    def jnum(self, key: str, col: str = "data") -> str:
        return (f"(CASE WHEN jsonb_typeof({col} -> '{key}') = 'number' THEN ({col} ->> '{key}')::float8 "
                f"WHEN jsonb_typeof({col} -> '{key}') = 'string' AND ({col} ->> '{key}') "
                f"~ '^-{0,1}[0-9]+([.][0-9]*){0,1}$' THEN ({col} ->> '{key}')::float8 END)")

    def jtruthy(self, key: str, col: str = "data") -> str:
        return (f"(CASE WHEN {col} -> '{key}' = 'true'::jsonb THEN 1 WHEN jsonb_typeof({col} -> '{key}') = "
                f"'number' AND ({col} ->> '{key}')::float8 != 0 THEN 1 ELSE 0 END)")

    def jitems(self, col: str = "data", key: str = "items") -> str:
        return (f"jsonb_array_elements(CASE WHEN jsonb_typeof({col} -> '{key}') = 'array' "
                f"THEN {col} -> '{key}' ELSE '[]'::jsonb END) AS it(value)")

    def jlen(self, key: str, col: str = "data") -> str:
        return (f"(CASE WHEN jsonb_typeof({col} -> '{key}') = 'array' "
                f"THEN jsonb_array_length({col} -> '{key}') ELSE 0 END)")

    def strpos(self, haystack: str, needle: str) -> str:
        return f"strpos({haystack}, {needle})"

    def close(self) -> None:
        with self._lock:
            self.conn.close()


def redact_url(url: str) -> str:
    """The URL without its password, for messages and logs."""
    parts = urlsplit(url)
    if parts.password:
        netloc = parts.netloc.replace(f":{parts.password}@", ":***@")
        return parts._replace(netloc=netloc).geturl()
    return url


def open_warehouse(url: str | Path, *, must_exist: bool = False) -> SQLWarehouse:
    """A warehouse from a storage URL.

    ``sqlite:///relative/wh.db`` or ``sqlite:////absolute/wh.db`` (as the fleet
    service's storage URL), or a plain path: SQLite.
    ``postgresql://`` (or ``postgres://``) URLs go to PostgreSQL; anything else
    is a :class:`WarehouseError` naming the scheme. ``must_exist`` (readers such
    as training): a missing SQLite file is :class:`WarehouseMissing` instead of a
    new empty warehouse.
    """
    text = str(url)
    scheme = text.split(":", 1)[0].lower() if ("://" in text or text.startswith("sqlite:")) else "sqlite"
    if scheme == "sqlite":
        # As the fleet service's storage URL (and SQLAlchemy): sqlite:///rel/wh.db is relative,
        # sqlite:////abs/wh.db absolute.
        path = text
        for prefix in ("sqlite:///", "sqlite://", "sqlite:"):
            if text.startswith(prefix):
                path = text[len(prefix):]
                break
        if not path or path == "/":
            raise WarehouseError(f"{text}: no file path after sqlite:// (want sqlite:///path/to/wh.db)")
        if must_exist and not Path(path).is_file():
            raise WarehouseMissing(f"{text}: no such warehouse file")
        return SQLiteWarehouse(Path(path))
    if scheme in ("postgresql", "postgres", "postgresql+psycopg"):
        return PostgresWarehouse(text.replace("postgresql+psycopg://", "postgresql://", 1))
    raise WarehouseError(f"{redact_url(text)}: no warehouse engine for scheme {scheme!r} "
                         "(use sqlite:///path/to/wh.db or postgresql://user@host:port/db)")
