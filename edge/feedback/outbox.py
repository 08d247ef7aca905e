"""The feedback outbox: a table in the device's own SQLite file.

The outbox is the source of truth for feedback. An event exists from the
moment the transaction that caused it commits (the caller's transaction: the
event and the state change commit or roll back together), and it is final only
when the cloud ingest has confirmed it. paho-mqtt keeps its session in memory,
so after a crash or a SIGKILL the sender rebuilds everything from here.

Tables (all prefixed ``feedback_``)::

    feedback_outbox  seq INTEGER PRIMARY KEY   per-device, strictly increasing, never reused
                     event_id TEXT              "<device>:<epoch>:<seq>" (unique by construction)
                     kind, payload (FeedbackEvent JSON), created_at,
                     sent_at      broker PUBACK received (NULL = not yet / to resend)
                     confirmed_at cloud ack received (NULL = still owed to the cloud)
    feedback_state   one row: device, epoch, next_seq, pending (unconfirmed rows),
                     confirmed watermark, dropped counters by reason
    feedback_drops   one row per drop decision: when, why, how many, seq range

``epoch`` is a random id chosen when the outbox is created. Sequence numbers
restart at 1 only with a new file (a corrupt database moved aside, see
:mod:`edge.feedback.dbguard`); the epoch keeps event ids unique across that,
so the cloud never mistakes new events for duplicates of lost ones.

Bounds: at most ``max_rows`` unconfirmed events and none older than
``max_age_s``. Beyond them the configured policy drops events; every drop is
counted in ``feedback_state``, logged in ``feedback_drops`` and announced to the
cloud (the next event sent carries the dropped seq range), so a drop is never a
silent gap.
"""

from __future__ import annotations

import json
import logging
import sqlite3
import time
import uuid
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any

import sqlite_utils

from edge.comms.topics import FeedbackEvent, strict_json
from firmware_config.feedback import OutboxConfig

log = logging.getLogger(__name__)

DROP_REASONS = ("size", "age", "newest")


def _conn(db: sqlite3.Connection | sqlite_utils.Database) -> sqlite3.Connection:
    return db.conn if isinstance(db, sqlite_utils.Database) else db


@dataclass(frozen=True)
class OutboxRow:
    seq: int
    event_id: str
    kind: str
    payload: str
    created_at: float


def create_schema(db: sqlite3.Connection | sqlite_utils.Database, device_id: str, store_id: str) -> None:
    """Create the outbox tables if missing (idempotent; safe on every start)."""
    sdb = db if isinstance(db, sqlite_utils.Database) else sqlite_utils.Database(db, execute_plugins=False)
    sdb["feedback_outbox"].create(
        {"seq": int, "event_id": str, "kind": str, "payload": str, "created_at": float,
         "sent_at": float, "confirmed_at": float},
        pk="seq", not_null={"event_id", "kind", "payload", "created_at"}, if_not_exists=True,
    )
    conn = _conn(db)
    # Every index is paid on the agent's write path, so there are few: event_id
    # is unique by construction (device, epoch and the seq primary key), the
    # sender walks the primary key from its cursor, and only the partial
    # indexes below keep the bound's and the pruner's scans proportional to
    # what is still owed (a row is in "unconfirmed" from insert to confirmation
    # and in "confirmed" afterwards, never in both).
    conn.execute(
        "CREATE INDEX IF NOT EXISTS feedback_outbox_owed ON feedback_outbox(seq) "
        "WHERE confirmed_at IS NULL"
    )
    conn.execute(
        "CREATE INDEX IF NOT EXISTS feedback_outbox_confirmed ON feedback_outbox(confirmed_at) "
        "WHERE confirmed_at IS NOT NULL"
    )
    sdb["feedback_state"].create(
        {"id": int, "device_id": str, "store_id": str, "epoch": str, "created_at": float,
         "next_seq": int, "pending": int, "watermark": int,
         "dropped_size": int, "dropped_age": int, "dropped_newest": int},
        pk="id", if_not_exists=True,
    )
    sdb["feedback_drops"].create(
        {"id": int, "ts": float, "reason": str, "count": int, "first_seq": int, "last_seq": int},
        pk="id", if_not_exists=True,
    )
    conn.execute(
        "INSERT OR IGNORE INTO feedback_state(id, device_id, store_id, epoch, created_at, next_seq, "
        "pending, watermark, dropped_size, dropped_age, dropped_newest) VALUES (1,?,?,?,?,1,0,0,0,0,0)",
        (device_id, store_id, uuid.uuid4().hex[:12], time.time()),
    )


class _Numbering:
    """``feedback_state``'s next_seq and pending inside :meth:`Outbox.numbering`
    (with device_id, store_id, epoch), read at the first event."""

    __slots__ = ("conn", "state", "stored")

    def __init__(self, conn: sqlite3.Connection) -> None:
        self.conn = conn
        self.state: list | None = None
        self.stored: tuple[int, int] | None = None

    def load(self) -> None:
        self.state = list(self.conn.execute(
            "SELECT next_seq, pending, device_id, store_id, epoch FROM feedback_state WHERE id = 1").fetchone())
        self.stored = (self.state[0], self.state[1])

    def store(self) -> None:
        state = self.state
        if state is not None and (state[0], state[1]) != self.stored:
            self.conn.execute("UPDATE feedback_state SET next_seq = ?, pending = ? WHERE id = 1",
                              (state[0], state[1]))
            self.stored = (state[0], state[1])


_INSERT_EVENT = "INSERT INTO feedback_outbox(seq, event_id, kind, payload, created_at) VALUES (?,?,?,?,?)"


def _event_fields(device_id: str, store_id: str, epoch: str, seq: int, kind: str, ts: float,
                  model_version: str | None, data: dict[str, Any]) -> dict[str, Any]:
    """One event's fields, in :class:`FeedbackEvent`'s order: the payload's JSON, for
    :meth:`Outbox.add` and :meth:`Outbox.add_many` alike (the cloud de-duplicates by
    ``event_id``, so the two paths must write the same bytes)."""
    return {
        "v": 1, "event_id": f"{device_id}:{epoch}:{seq}", "device_id": device_id,
        "store_id": store_id, "seq": seq, "kind": kind, "ts": ts,
        "model_version": model_version, "data": data,
    }


class Outbox:
    """Writes and reads of the outbox. Stateless apart from its settings.

    Every method takes the connection to use, so a write lands in whichever
    transaction the caller has open (the agent's state change, or the sender's
    own batch). Nothing here commits.
    """

    def __init__(self, config: OutboxConfig | None = None) -> None:
        self.config = config or OutboxConfig()
        self._numbering: _Numbering | None = None

    @contextmanager
    def numbering(self, db: sqlite3.Connection | sqlite_utils.Database) -> Iterator[None]:
        """Number this block's events from ``feedback_state`` read once and written
        back once at its end, instead of an ``UPDATE ... RETURNING`` per event or run.

        For the log writer's transaction (``BEGIN IMMEDIATE``: nothing else writes
        ``feedback_state`` until it commits), entered inside it and left before the
        ``COMMIT``; an exception leaves without writing (the transaction rolls back).
        The same seqs, rows and counters as without it: the first event past
        ``max_rows`` writes the counters back and hands numbering back to SQL for the
        rest of the block, so every drop path runs as it always did. The caller must
        not roll back to a savepoint taken inside the block (the log writer runs the
        batch again without it instead). Per 10,000 real signals this is ~2,100
        statements fewer (docs/performance-log.md, "(2026-12-03 (i)) the log writer")."""
        conn = _conn(db)
        if self._numbering is not None or not conn.in_transaction:
            yield
            return
        nb = self._numbering = _Numbering(conn)
        try:
            yield
            if self._numbering is nb:
                nb.store()
        finally:
            self._numbering = None

    def _take(self, conn: sqlite3.Connection, n: int) -> tuple[int, int, str, str, str]:
        """Seqs for ``n`` events: (first seq, pending after, device_id, store_id, epoch)."""
        nb = self._numbering
        if nb is None or nb.conn is not conn:
            return conn.execute(
                "UPDATE feedback_state SET next_seq = next_seq + ?, pending = pending + ? WHERE id = 1 "
                "RETURNING next_seq - ?, pending, device_id, store_id, epoch", (n, n, n)).fetchone()
        if nb.state is None:
            nb.load()
        state = nb.state
        first = state[0]
        state[0] += n
        state[1] += n
        if state[1] > self.config.max_rows:
            nb.store()  # the bound: what the UPDATE would have left, and SQL from here on
            self._numbering = None
        return first, state[1], state[2], state[3], state[4]

    # ---- producing ------------------------------------------------------------

    def append(
        self,
        db: sqlite3.Connection | sqlite_utils.Database,
        kind: str,
        data: dict[str, Any],
        *,
        ts: float | None = None,
        model_version: str | None = None,
    ) -> FeedbackEvent | None:
        """Add one event in the caller's transaction; returns it, or None if the
        ``drop_newest`` policy refused it (counted). The seq is taken either way,
        so the cloud sees the refused event as an announced gap."""
        fields = self._add(db, kind, data, ts, model_version)
        return None if fields is None else FeedbackEvent.model_construct(**fields)

    def add(
        self,
        db: sqlite3.Connection | sqlite_utils.Database,
        kind: str,
        data: dict[str, Any],
        *,
        ts: float | None = None,
        model_version: str | None = None,
    ) -> int | None:
        """:meth:`append` without building the event object: its seq, or None if
        refused. The capture hooks (one per impression, on the log writer's
        thread) never read the event; constructing it cost ~3 us each."""
        fields = self._add(db, kind, data, ts, model_version)
        return None if fields is None else fields["seq"]

    def add_many(
        self,
        db: sqlite3.Connection | sqlite_utils.Database,
        kind: str,
        events: list[tuple[dict[str, Any], float | None, str | None]],
    ) -> None:
        """:meth:`add` for several events of one kind, each (data, ts, model_version):
        the same seqs, rows and counters as :meth:`add` one after the other, with one
        ``feedback_state`` update for all of them and one insert statement (the log
        writer's impressions come in runs: per event, the update was the
        statement that cost it most, docs/performance-log.md "(2026-12-02 (f)) the write
        path"). A run that would pass ``max_rows`` goes event by event, with the
        bound's drops and counters exactly as :meth:`add`'s."""
        n = len(events)
        if n <= 1:
            for data, ts, model_version in events:
                self._add(db, kind, data, ts, model_version)
            return
        conn = _conn(db)
        now = time.time()
        first, pending, device_id, store_id, epoch = self._take(conn, n)
        if pending > self.config.max_rows:
            # A bound inside this run: give the seqs back (nothing was written with
            # them) and let add decide event by event.
            conn.execute("UPDATE feedback_state SET next_seq = next_seq - ?, pending = pending - ? WHERE id = 1",
                         (n, n))
            for data, ts, model_version in events:
                self._add(conn, kind, data, ts, model_version)
            return
        rows = []
        for seq, (data, ts, model_version) in enumerate(events, start=first):
            fields = _event_fields(device_id, store_id, epoch, seq, kind, now if ts is None else ts,
                                   model_version, data)
            rows.append((seq, fields["event_id"], kind, strict_json(fields), now))
        conn.executemany(_INSERT_EVENT, rows)

    def _add(
        self, db: sqlite3.Connection | sqlite_utils.Database, kind: str, data: dict[str, Any],
        ts: float | None, model_version: str | None,
    ) -> dict[str, Any] | None:
        conn = _conn(db)
        now = time.time()
        ts = now if ts is None else ts
        seq, pending, device_id, store_id, epoch = self._take(conn, 1)
        if pending > self.config.max_rows and self.config.drop_policy == "drop_newest":
            conn.execute(
                "UPDATE feedback_state SET pending = pending - 1, dropped_newest = dropped_newest + 1 WHERE id = 1"
            )
            self._log_drop(conn, "newest", 1, seq, seq, now)
            return None
        # The payload is FeedbackEvent's JSON, built without validating a
        # pydantic model per event (a hot-path cost at 1,000+ impressions/s);
        # tests/test_outbox.py checks every row parses as a FeedbackEvent.
        fields = _event_fields(device_id, store_id, epoch, seq, kind, ts, model_version, data)
        conn.execute(_INSERT_EVENT, (seq, fields["event_id"], kind, strict_json(fields), now))
        if pending > self.config.max_rows:
            self._drop_for_size(conn, pending - self.config.max_rows, now)
        return fields

    def _drop_for_size(self, conn: sqlite3.Connection, excess: int, now: float) -> None:
        victims: list[int] = []
        if self.config.drop_policy == "oldest_impressions_first":
            victims = [r[0] for r in conn.execute(
                "SELECT seq FROM feedback_outbox WHERE confirmed_at IS NULL AND kind = 'impression' "
                "ORDER BY seq LIMIT ?", (excess,))]
        if len(victims) < excess:
            taken = set(victims)
            victims += [r[0] for r in conn.execute(
                "SELECT seq FROM feedback_outbox WHERE confirmed_at IS NULL ORDER BY seq LIMIT ?",
                (excess + len(victims),)) if r[0] not in taken][: excess - len(victims)]
        self._delete(conn, victims, "size", now)

    def _delete(self, conn: sqlite3.Connection, seqs: list[int], reason: str, now: float) -> int:
        if not seqs:
            return 0
        conn.executemany("DELETE FROM feedback_outbox WHERE seq = ?", [(s,) for s in seqs])
        conn.execute(
            f"UPDATE feedback_state SET pending = pending - ?, dropped_{reason} = dropped_{reason} + ? WHERE id = 1",
            (len(seqs), len(seqs)),
        )
        self._log_drop(conn, reason, len(seqs), min(seqs), max(seqs), now)
        log.warning("feedback outbox: dropped %d events (%s bound), seq %d..%d", len(seqs), reason,
                    min(seqs), max(seqs))
        return len(seqs)

    @staticmethod
    def _log_drop(conn: sqlite3.Connection, reason: str, count: int, first: int, last: int, now: float) -> None:
        conn.execute(
            "INSERT INTO feedback_drops(ts, reason, count, first_seq, last_seq) VALUES (?,?,?,?,?)",
            (now, reason, count, first, last),
        )

    # ---- housekeeping (the sender calls these in its own transactions) -----------

    def enforce_age(self, db: sqlite3.Connection | sqlite_utils.Database, now: float | None = None) -> int:
        """Drop unconfirmed events older than ``max_age_s``; returns how many."""
        conn = _conn(db)
        now = time.time() if now is None else now
        oldest = conn.execute("SELECT created_at FROM feedback_outbox WHERE confirmed_at IS NULL "
                              "ORDER BY seq LIMIT 1").fetchone()
        if oldest is None or oldest[0] >= now - self.config.max_age_s:
            return 0  # the usual case, answered from one index entry
        seqs = [r[0] for r in conn.execute(
            "SELECT seq FROM feedback_outbox WHERE confirmed_at IS NULL AND created_at < ? ORDER BY seq",
            (now - self.config.max_age_s,))]
        return self._delete(conn, seqs, "age", now)

    def prune_confirmed(self, db: sqlite3.Connection | sqlite_utils.Database, now: float | None = None) -> int:
        """Delete confirmed rows past their audit retention."""
        conn = _conn(db)
        now = time.time() if now is None else now
        return conn.execute(
            "DELETE FROM feedback_outbox WHERE confirmed_at IS NOT NULL AND confirmed_at < ?",
            (now - self.config.sent_retention_s,),
        ).rowcount

    # ---- sending -------------------------------------------------------------------

    @staticmethod
    def next_unsent(db: sqlite3.Connection | sqlite_utils.Database, after: int, limit: int) -> list[OutboxRow]:
        """Rows not yet acknowledged by the broker, in seq order, after ``after``."""
        return [OutboxRow(*r) for r in _conn(db).execute(
            "SELECT seq, event_id, kind, payload, created_at FROM feedback_outbox "
            "WHERE sent_at IS NULL AND seq > ? ORDER BY seq LIMIT ?", (after, limit))]

    @staticmethod
    def previous_seq(db: sqlite3.Connection | sqlite_utils.Database, seq: int) -> int:
        """The highest seq below ``seq`` that still exists or is confirmed: anything
        between it and ``seq`` was dropped by a bound."""
        conn = _conn(db)
        row = conn.execute("SELECT max(seq) FROM feedback_outbox WHERE seq < ?", (seq,)).fetchone()
        watermark = conn.execute("SELECT watermark FROM feedback_state WHERE id = 1").fetchone()[0]
        return max(row[0] or 0, min(watermark, seq - 1))

    @staticmethod
    def mark_sent(db: sqlite3.Connection | sqlite_utils.Database, seqs: Iterable[int], now: float,
                  *, confirm: bool = False) -> int:
        """Record broker PUBACKs (and, without end-to-end acks, final confirmation)."""
        conn = _conn(db)
        seqs = list(seqs)
        if not seqs:
            return 0
        conn.executemany("UPDATE feedback_outbox SET sent_at = ? WHERE seq = ? AND sent_at IS NULL",
                         [(now, s) for s in seqs])
        if not confirm:
            return len(seqs)
        n = 0
        for s in seqs:
            n += conn.execute(
                "UPDATE feedback_outbox SET confirmed_at = ? WHERE seq = ? AND confirmed_at IS NULL",
                (now, s)).rowcount
        conn.execute("UPDATE feedback_state SET pending = pending - ? WHERE id = 1", (n,))
        return n

    @staticmethod
    def confirm_upto(db: sqlite3.Connection | sqlite_utils.Database, watermark: int, now: float) -> int:
        """The cloud has every event with seq <= ``watermark`` (or knows it was dropped)."""
        conn = _conn(db)
        current = conn.execute("SELECT watermark FROM feedback_state WHERE id = 1").fetchone()[0]
        if watermark <= current:
            return 0
        n = conn.execute(
            "UPDATE feedback_outbox SET confirmed_at = ?, sent_at = coalesce(sent_at, ?) "
            "WHERE seq > ? AND seq <= ? AND confirmed_at IS NULL",
            (now, now, current, watermark)).rowcount
        conn.execute("UPDATE feedback_state SET pending = pending - ?, watermark = ? WHERE id = 1",
                     (n, watermark))
        return n

    @staticmethod
    def rewind(db: sqlite3.Connection | sqlite_utils.Database) -> int | None:
        """Forget broker acks of unconfirmed rows so they are sent again; returns
        the first seq to resend, or None when nothing is owed."""
        conn = _conn(db)
        first = conn.execute(
            "SELECT min(seq) FROM feedback_outbox WHERE confirmed_at IS NULL").fetchone()[0]
        if first is None:
            return None
        conn.execute("UPDATE feedback_outbox SET sent_at = NULL WHERE confirmed_at IS NULL AND sent_at IS NOT NULL")
        return first

    @staticmethod
    def highest_sent(db: sqlite3.Connection | sqlite_utils.Database) -> int:
        """The highest seq the broker ever acknowledged or the cloud confirmed (0: none)."""
        conn = _conn(db)
        row = conn.execute("SELECT max(seq) FROM feedback_outbox WHERE sent_at IS NOT NULL").fetchone()
        watermark = conn.execute("SELECT watermark FROM feedback_state WHERE id = 1").fetchone()[0]
        return max(row[0] or 0, watermark or 0)

    @staticmethod
    def highest_produced(db: sqlite3.Connection | sqlite_utils.Database) -> int:
        """The highest seq this outbox (epoch) ever assigned."""
        return int(_conn(db).execute("SELECT next_seq - 1 FROM feedback_state WHERE id = 1").fetchone()[0])

    @staticmethod
    def oldest_unconfirmed_sent_at(db: sqlite3.Connection | sqlite_utils.Database) -> float | None:
        row = _conn(db).execute(
            "SELECT sent_at FROM feedback_outbox WHERE confirmed_at IS NULL ORDER BY seq LIMIT 1"
        ).fetchone()
        return None if row is None else row[0]

    # ---- reporting --------------------------------------------------------------------

    @staticmethod
    def identity(db: sqlite3.Connection | sqlite_utils.Database) -> tuple[str, str, str]:
        """(device_id, store_id, epoch) of this outbox."""
        return tuple(_conn(db).execute(  # type: ignore[return-value]
            "SELECT device_id, store_id, epoch FROM feedback_state WHERE id = 1").fetchone())

    @staticmethod
    def stats(db: sqlite3.Connection | sqlite_utils.Database) -> dict[str, Any]:
        """Counters for the device status and the benchmark: nothing dropped is silent."""
        conn = _conn(db)
        row = conn.execute(
            "SELECT device_id, epoch, next_seq, pending, watermark, dropped_size, dropped_age, "
            "dropped_newest FROM feedback_state WHERE id = 1").fetchone()
        if row is None:
            return {}
        first = conn.execute("SELECT created_at FROM feedback_outbox WHERE confirmed_at IS NULL "
                             "ORDER BY seq LIMIT 1").fetchone()
        oldest = first[0] if first else None
        unsent = conn.execute("SELECT count(*) FROM feedback_outbox WHERE confirmed_at IS NULL "
                              "AND sent_at IS NULL").fetchone()[0]
        return {
            "device_id": row[0], "epoch": row[1], "produced": row[2] - 1, "pending": row[3],
            "unsent": unsent, "confirmed_watermark": row[4],
            "dropped": {"size": row[5], "age": row[6], "newest": row[7]},
            "dropped_total": row[5] + row[6] + row[7],
            "oldest_pending_age_s": None if oldest is None else round(time.time() - oldest, 3),
        }

    @staticmethod
    def drops(db: sqlite3.Connection | sqlite_utils.Database) -> list[dict[str, Any]]:
        return [dict(zip(("ts", "reason", "count", "first_seq", "last_seq"), r, strict=True))
                for r in _conn(db).execute(
                    "SELECT ts, reason, count, first_seq, last_seq FROM feedback_drops ORDER BY id")]


def event_json(row: OutboxRow, dropped_before: tuple[int, int] | None) -> bytes:
    """The wire payload of a row; announces a dropped seq range just before it."""
    if dropped_before is None:
        return row.payload.encode()
    payload = json.loads(row.payload)
    payload["data"]["dropped_before"] = list(dropped_before)
    return strict_json(payload).encode()
