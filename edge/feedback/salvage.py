"""Feedback owed to the cloud, recovered from a database moved aside as corrupt.

A state database that fails its integrity check is moved aside
(:mod:`edge.feedback.dbguard`) and the device starts a fresh outbox with a new
epoch. Events the old outbox had committed but the cloud had not confirmed were
accepted (their state change committed, the signal acknowledged to the
broker): they must still reach the cloud. A damaged page rarely takes the
whole file with it, so at start the device reads them back:

* from a **copy** of the moved-aside file and its ``-wal`` (the last commits
  live in the WAL; opening the copy replays it there, never into the evidence);
* the owed rows (``confirmed_at IS NULL``) in chunks of :data:`CHUNK` seqs, a
  chunk that hits a damaged page skipped (its events stay in the file, and
  the cloud's gap for them stays open: nothing is invented);
* each payload checked against the feedback contract and its event id against
  the device, or skipped.

The rows go into ``feedback_salvaged`` of the fresh database, verbatim (their
own event ids, old epoch and seqs), and the sender publishes them like any
row; the cloud files them under the old epoch's stream, de-duplicated by
event id, and its watermark for that epoch confirms them
(:class:`edge.feedback.sync.FeedbackSender`). At most :data:`MAX_SALVAGED`
rows are taken.
"""

from __future__ import annotations

import contextlib
import logging
import shutil
import sqlite3
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

from pydantic import ValidationError

from edge.comms.topics import FeedbackEvent

log = logging.getLogger(__name__)

CHUNK = 500
"""Seqs read per query: a damaged page costs at most this many events."""
MAX_SALVAGED = 500_000
"""The outbox's own default bound (``outbox.max_rows``)."""


@dataclass(frozen=True)
class SalvagedEvent:
    event_id: str
    epoch: str
    seq: int
    payload: str


@dataclass
class Salvage:
    """What was read back from one moved-aside file."""

    source: str
    events: list[SalvagedEvent]
    skipped: int = 0
    """Owed events that could not be read back (damaged pages or payloads)."""
    error: str | None = None


def read_owed(moved_aside: Path | str, device_id: str) -> Salvage:
    """The owed feedback events of a moved-aside database (see the module docstring)."""
    src = Path(moved_aside)
    out = Salvage(source=src.name, events=[])
    with tempfile.TemporaryDirectory(prefix="edge-salvage-") as tmp:
        copy = Path(tmp) / "salvage.db"
        try:
            shutil.copyfile(src, copy)
            wal = Path(f"{src}-wal")
            if wal.exists():
                shutil.copyfile(wal, Path(f"{copy}-wal"))
            conn = sqlite3.connect(copy, timeout=1.0)
        except (OSError, sqlite3.Error) as exc:
            out.error = f"cannot open a copy: {exc}"
            return out
        with contextlib.closing(conn):
            try:
                lo, hi = conn.execute("SELECT min(seq), max(seq) FROM feedback_outbox "
                                      "WHERE confirmed_at IS NULL").fetchone()
            except sqlite3.Error as exc:
                # The index or the table's root is damaged: walk the whole seq range instead.
                try:
                    lo, hi = 1, conn.execute("SELECT next_seq - 1 FROM feedback_state").fetchone()[0]
                except (sqlite3.Error, TypeError):
                    out.error = f"outbox unreadable: {exc}"
                    return out
            if lo is None or hi is None:
                return out
            start = int(lo)
            while start <= int(hi) and len(out.events) < MAX_SALVAGED:
                end = start + CHUNK - 1
                try:
                    rows = conn.execute(
                        "SELECT event_id, seq, payload FROM feedback_outbox "
                        "WHERE seq BETWEEN ? AND ? AND confirmed_at IS NULL ORDER BY seq", (start, end)).fetchall()
                except sqlite3.Error:
                    out.skipped += CHUNK  # an upper bound: the chunk's owed count is unknown
                    start = end + 1
                    continue
                for event_id, seq, payload in rows:
                    event = _checked(event_id, seq, payload, device_id)
                    if event is None:
                        out.skipped += 1
                    else:
                        out.events.append(event)
                start = end + 1
    return out


def _checked(event_id: object, seq: object, payload: object, device_id: str) -> SalvagedEvent | None:
    """The row as a salvaged event, or None if any part of it is damaged."""
    if not isinstance(event_id, str) or not isinstance(seq, int) or not isinstance(payload, str):
        return None
    parts = event_id.rsplit(":", 2)
    if len(parts) != 3 or parts[0] != device_id or parts[2] != str(seq):
        return None
    try:
        event = FeedbackEvent.model_validate_json(payload)
    except ValidationError:
        return None
    if event.event_id != event_id or event.seq != seq or event.device_id != device_id:
        return None
    return SalvagedEvent(event_id=event_id, epoch=parts[1], seq=seq, payload=payload)


def create_table(conn: sqlite3.Connection) -> None:
    conn.execute(
        "CREATE TABLE IF NOT EXISTS feedback_salvaged (event_id TEXT PRIMARY KEY, epoch TEXT NOT NULL, "
        "seq INTEGER NOT NULL, payload TEXT NOT NULL, source TEXT, salvaged_at REAL, sent_at REAL, "
        "sends INTEGER NOT NULL DEFAULT 0, confirmed_at REAL)")


def store(conn: sqlite3.Connection, salvage: Salvage) -> int:
    """Put the salvaged events into the fresh database (in the caller's transaction)."""
    create_table(conn)
    now = time.time()
    return conn.executemany(
        "INSERT OR IGNORE INTO feedback_salvaged(event_id, epoch, seq, payload, source, salvaged_at) "
        "VALUES (?,?,?,?,?,?)",
        [(e.event_id, e.epoch, e.seq, e.payload, salvage.source, now) for e in salvage.events]).rowcount
