"""Where ingested feedback lives: a :class:`Warehouse` protocol and its SQLite default.

The protocol is the scale-out seam. The ingest service only ever calls
``store`` (idempotent on ``event_id``), ``watermark`` and the read methods, so a
fleet that outgrows one machine swaps :class:`SQLiteWarehouse` for an
implementation over a store it already runs (``docs/feedback.md`` explains how
a ClickHouse ``ReplacingMergeTree`` or a Postgres table with a primary key on
``event_id`` fits). The contract every implementation must keep:

* ``store`` is idempotent: storing an event whose ``event_id`` is already
  there changes nothing but the duplicate counter;
* a batch is atomic: either all its new events (and the stream bookkeeping)
  are durable when ``store`` returns, or none are -- the service acknowledges
  the MQTT messages only afterwards;
* ``watermark(stream)`` is the highest seq up to which every event of the
  stream is stored or was announced as dropped by the device.

SQLite schema (``SQLiteWarehouse``)::

    events   event_id TEXT PRIMARY KEY   "<device>:<epoch>:<seq>"; de-duplication key
             stream   TEXT               "<device>:<epoch>"; one outbox's sequence space
             device_id, store_id, epoch, seq INTEGER, kind, ts REAL (device clock),
             model_version, data TEXT (JSON), received_at REAL (cloud clock),
             arrival INTEGER             order of first arrival, for the ordering check
             UNIQUE (stream, seq)
    streams  stream PRIMARY KEY, device_id, store_id, epoch,
             contig   highest seq with nothing missing below it (the ack watermark)
             max_seq, received (first copies), duplicates (re-deliveries dropped),
             late (first copies that arrived after a higher seq), first_seen, last_seen
    gaps     id, stream, device_id, epoch, from_seq, to_seq, detected_at,
             status 'open' | 'filled' | 'dropped_by_device', resolved_at
    dropped  stream, from_seq, to_seq, announced_at   ranges the device's bounds dropped
"""

from __future__ import annotations

import json
import sqlite3
import threading
import time
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Protocol

from edge.comms.topics import FeedbackEvent

SCHEMA = """
CREATE TABLE IF NOT EXISTS events (
    event_id TEXT PRIMARY KEY,
    stream TEXT NOT NULL,
    device_id TEXT NOT NULL,
    store_id TEXT NOT NULL,
    epoch TEXT NOT NULL,
    seq INTEGER NOT NULL,
    kind TEXT NOT NULL,
    ts REAL NOT NULL,
    model_version TEXT,
    data TEXT NOT NULL,
    received_at REAL NOT NULL,
    arrival INTEGER NOT NULL
);
CREATE UNIQUE INDEX IF NOT EXISTS events_stream_seq ON events(stream, seq);
CREATE INDEX IF NOT EXISTS events_kind_version ON events(kind, model_version);
CREATE TABLE IF NOT EXISTS streams (
    stream TEXT PRIMARY KEY,
    device_id TEXT NOT NULL,
    store_id TEXT NOT NULL,
    epoch TEXT NOT NULL,
    contig INTEGER NOT NULL DEFAULT 0,
    max_seq INTEGER NOT NULL DEFAULT 0,
    received INTEGER NOT NULL DEFAULT 0,
    duplicates INTEGER NOT NULL DEFAULT 0,
    late INTEGER NOT NULL DEFAULT 0,
    first_seen REAL,
    last_seen REAL
);
CREATE TABLE IF NOT EXISTS gaps (
    id INTEGER PRIMARY KEY,
    stream TEXT NOT NULL,
    device_id TEXT NOT NULL,
    epoch TEXT NOT NULL,
    from_seq INTEGER NOT NULL,
    to_seq INTEGER NOT NULL,
    detected_at REAL NOT NULL,
    status TEXT NOT NULL DEFAULT 'open',
    resolved_at REAL
);
CREATE INDEX IF NOT EXISTS gaps_open ON gaps(stream, status);
CREATE TABLE IF NOT EXISTS dropped (
    stream TEXT NOT NULL,
    from_seq INTEGER NOT NULL,
    to_seq INTEGER NOT NULL,
    announced_at REAL NOT NULL,
    PRIMARY KEY (stream, from_seq)
);
"""


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


class SQLiteWarehouse:
    """The embedded default: one SQLite file (WAL), safe for several ingest workers
    on one machine (writers serialise on SQLite's lock)."""

    def __init__(self, path: Path | str) -> None:
        self.path = Path(path)
        self.path.parent.mkdir(parents=True, exist_ok=True)
        self._lock = threading.Lock()
        self.conn = sqlite3.connect(str(self.path), isolation_level=None, check_same_thread=False,
                                    timeout=60.0)
        self.conn.execute("PRAGMA journal_mode=WAL")
        self.conn.execute("PRAGMA synchronous=NORMAL")
        self.conn.execute("PRAGMA busy_timeout=60000")
        self.conn.executescript(SCHEMA)

    # ---- writing ------------------------------------------------------------------

    def store(self, events: Sequence[FeedbackEvent], received_at: float | None = None) -> StoreResult:
        now = time.time() if received_at is None else received_at
        result = StoreResult()
        if not events:
            return result
        with self._lock:
            c = self.conn
            c.execute("BEGIN IMMEDIATE")
            try:
                touched: dict[str, tuple[str, str, str]] = {}
                # max_seq per stream, read once and then kept in step with the UPDATE below
                # (BEGIN IMMEDIATE: no other writer can change it meanwhile).
                max_seqs: dict[str, int] = {}
                arrival = c.execute("SELECT coalesce(max(arrival), 0) FROM events").fetchone()[0]
                for ev in events:
                    stream, epoch = stream_of(ev)
                    if stream not in touched:
                        c.execute(
                            "INSERT OR IGNORE INTO streams(stream, device_id, store_id, epoch, first_seen) "
                            "VALUES (?,?,?,?,?)", (stream, ev.device_id, ev.store_id, epoch, now))
                        touched[stream] = (ev.device_id, ev.store_id, epoch)
                        max_seqs[stream] = c.execute("SELECT max_seq FROM streams WHERE stream = ?",
                                                     (stream,)).fetchone()[0]
                    arrival += 1
                    cur = c.execute(
                        "INSERT OR IGNORE INTO events VALUES (?,?,?,?,?,?,?,?,?,?,?,?)",
                        (ev.event_id, stream, ev.device_id, ev.store_id, epoch, ev.seq, ev.kind, ev.ts,
                         ev.model_version, json.dumps(ev.data, separators=(",", ":")), now, arrival))
                    if cur.rowcount == 0:
                        result.duplicates += 1
                        c.execute("UPDATE streams SET duplicates = duplicates + 1, last_seen = ? "
                                  "WHERE stream = ?", (now, stream))
                        continue
                    result.new += 1
                    max_seq = max_seqs[stream]
                    if ev.seq > max_seq + 1:
                        gap = Gap(stream, ev.device_id, epoch, max_seq + 1, ev.seq - 1, "open", now)
                        c.execute("INSERT INTO gaps(stream, device_id, epoch, from_seq, to_seq, detected_at) "
                                  "VALUES (?,?,?,?,?,?)",
                                  (stream, ev.device_id, epoch, gap.from_seq, gap.to_seq, now))
                        result.gaps_opened.append(gap)
                    c.execute(
                        "UPDATE streams SET received = received + 1, late = late + ?, "
                        "max_seq = max(max_seq, ?), last_seen = ? WHERE stream = ?",
                        (1 if ev.seq < max_seq else 0, ev.seq, now, stream))
                    max_seqs[stream] = max(max_seq, ev.seq)
                    announced = ev.data.get("dropped_before")
                    if isinstance(announced, list) and len(announced) == 2:
                        c.execute("INSERT OR IGNORE INTO dropped VALUES (?,?,?,?)",
                                  (stream, int(announced[0]), int(announced[1]), now))
                for stream, (device_id, store_id, epoch) in touched.items():
                    before, after = self._advance(stream, now)
                    if after > before:
                        result.watermarks[stream] = (device_id, store_id, epoch, after)
            except BaseException:
                c.execute("ROLLBACK")
                raise
            c.execute("COMMIT")
        return result

    def _advance(self, stream: str, now: float) -> tuple[int, int]:
        """Move the stream's contiguous watermark over stored events and announced
        drops; close the gaps it passes."""
        c = self.conn
        start = contig = c.execute("SELECT contig FROM streams WHERE stream = ?", (stream,)).fetchone()[0]
        drops = {a: b for a, b in c.execute(
            "SELECT from_seq, to_seq FROM dropped WHERE stream = ? AND to_seq > ?", (stream, contig))}
        while True:
            seqs = [r[0] for r in c.execute(
                "SELECT seq FROM events WHERE stream = ? AND seq > ? ORDER BY seq LIMIT 5000",
                (stream, contig))]
            moved = False
            for s in seqs:
                while contig + 1 in drops:
                    contig = max(contig, drops[contig + 1])
                if s == contig + 1:
                    contig = s
                    moved = True
                elif s > contig + 1:
                    break
            while contig + 1 in drops:
                contig = max(contig, drops[contig + 1])
                moved = True
            if not moved or len(seqs) < 5000:
                break
        if contig > start:
            c.execute("UPDATE streams SET contig = ? WHERE stream = ?", (contig, stream))
            for gid, a, b in c.execute(
                    "SELECT id, from_seq, to_seq FROM gaps WHERE stream = ? AND status = 'open' AND to_seq <= ?",
                    (stream, contig)).fetchall():
                present = c.execute("SELECT count(*) FROM events WHERE stream = ? AND seq BETWEEN ? AND ?",
                                    (stream, a, b)).fetchone()[0]
                status = "filled" if present == b - a + 1 else "dropped_by_device"
                c.execute("UPDATE gaps SET status = ?, resolved_at = ? WHERE id = ?", (status, now, gid))
        return start, contig

    # ---- reading ---------------------------------------------------------------------

    def watermark(self, stream: str) -> int:
        row = self.conn.execute("SELECT contig FROM streams WHERE stream = ?", (stream,)).fetchone()
        return 0 if row is None else int(row[0])

    def gaps(self, *, open_only: bool = False) -> list[Gap]:
        sql = ("SELECT stream, device_id, epoch, from_seq, to_seq, status, detected_at, resolved_at "
               "FROM gaps" + (" WHERE status = 'open'" if open_only else "") + " ORDER BY id")
        return [Gap(*r) for r in self.conn.execute(sql)]

    def streams(self) -> list[dict[str, Any]]:
        cur = self.conn.execute("SELECT * FROM streams ORDER BY stream")
        cols = [d[0] for d in cur.description]
        return [dict(zip(cols, r, strict=True)) for r in cur]

    def events(self, kinds: Iterable[str] | None = None) -> Iterator[dict[str, Any]]:
        """Events in per-stream seq order (the order the device produced them)."""
        sql = "SELECT event_id, stream, device_id, store_id, seq, kind, ts, model_version, data FROM events"
        params: list[Any] = []
        if kinds is not None:
            kinds = list(kinds)
            sql += f" WHERE kind IN ({','.join('?' * len(kinds))})"
            params = kinds
        sql += " ORDER BY stream, seq"
        cols = ("event_id", "stream", "device_id", "store_id", "seq", "kind", "ts", "model_version", "data")
        for r in self.conn.execute(sql, params):
            row = dict(zip(cols, r, strict=True))
            row["data"] = json.loads(row["data"])
            yield row

    def integrity(self) -> dict[str, Any]:
        """Checks the benchmark and tests rely on, computed from the stored rows."""
        c = self.conn
        total, distinct = c.execute("SELECT count(*), count(DISTINCT event_id) FROM events").fetchone()
        # A first arrival with a lower seq than an earlier first arrival of the same stream.
        inversions = c.execute(
            "SELECT count(*) FROM (SELECT seq, max(seq) OVER (PARTITION BY stream ORDER BY arrival "
            "ROWS BETWEEN UNBOUNDED PRECEDING AND 1 PRECEDING) AS prev_max FROM events) "
            "WHERE prev_max IS NOT NULL AND seq < prev_max").fetchone()[0]
        return {
            "events": total,
            "duplicates_after_dedupe": total - distinct,
            "raw_duplicates_received": c.execute("SELECT coalesce(sum(duplicates), 0) FROM streams").fetchone()[0],
            "late_arrivals": inversions,
            "open_gaps": [g.describe() for g in self.gaps(open_only=True)],
            "gaps_detected": c.execute("SELECT count(*) FROM gaps").fetchone()[0],
        }

    def close(self) -> None:
        with self._lock:
            self.conn.close()
