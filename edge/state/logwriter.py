"""The recommendation log and impression feedback, written off the hot path.

Every published recommendation leaves two durable traces: a ``reco_log`` row
and (when feedback capture is installed) an impression in the outbox. Writing
them inline cost more than the whole signal-to-screen path (measured on the
demo store: ~225 us per impression in one transaction, ~500 us with a commit
per display), so the agent hands each published recommendation to this
writer and moves on.

The writer commits a batch every ``interval_s`` on its own SQLite connection,
in short transactions (below): the log rows and their
impressions commit together (the "same transaction as the state change" rule,
where the state change is the log row). A crash loses at most the last
``interval_s`` of log rows and impressions, never one without the other.

Why chunks: a batch after a flood is hundreds of impressions of Python work;
in one transaction that held the write lock for up to 300 ms (measured under
a flood at load 4), and housekeeping's session writes waited for it. A chunk
holds it for a few milliseconds of work, and the writer yields between chunks,
outside any transaction (:func:`edge.state.db.atomic`). But each COMMIT writes
every page its transaction dirtied to the WAL (a leaf page per shopper, item
and display touched, whatever the number of rows), so the cost is per
transaction as much as per row: a batch of up to ``batch_txn`` (192) entries is
one transaction, a larger one up to ``backlog_above`` (768) entries is split
evenly into transactions of at most ``batch_txn`` (a busy second's batch), and a
backlog beyond it into chunks of at most ``chunk`` (32), with the writer
yielding between them as before
(docs/performance-log.md, "(2026-12-02 (e)) the threads around the worker"). At
1,000 signals/s the writer is woken by 32 waiting acks, ~60 signals, ~70
entries, but in the device it gets the GIL later than that: its batches were
120-160 entries (measured), which a bound of 96 cut into chunks of ~30, four
times the transactions and COMMITs of one per batch ("(2026-12-02 (f)) the
write path").

It is also the device's writer for every state change of a signal
(:meth:`put_write`): a shelf count (40 % of real traffic), a POS purchase and
an interaction. The agent changes its memory at once, queues the SQL, and the
signal is acknowledged to the broker once the chunk holding it committed. The
worker commits nothing and never waits for the writer: entries are committed
in the order they were queued, so a purchase's conversions and an
interaction's feedback event are computed after every impression queued before
them (what they are attributed to) without a wait. (The worker used to wait up
to 50 ms for those impressions and then commit under the write lock itself:
those waits, and commits of 30-150 ms when SQLite checkpointed the WAL, were
the 50-60 ms stalls that set p99 at 1,000 signals/s.) Each write runs in a
savepoint: a failing one is rolled back alone, logged and counted
(``write_errors``), never the log rows beside it. A shelf count reads none of
the log rows and impressions (``put_write(ordered=False)``): those queued
around it are written together, with one statement and one hook call, instead
of being cut in two at every shelf count (40 % of signals), and the chunk's
shelf counts run at its end in one savepoint (:meth:`LogWriter._write`).
"""

from __future__ import annotations

import json
import logging
import math
import sqlite3
import threading
import time
from collections import deque
from collections.abc import Callable
from contextlib import AbstractContextManager
from pathlib import Path
from typing import Any

import orjson

from edge.state import db

log = logging.getLogger(__name__)

LOG_COLUMNS = 10
_INSERT_LOG = f"INSERT OR REPLACE INTO reco_log VALUES ({','.join('?' * LOG_COLUMNS)})"


class Write:
    """A state write queued with :meth:`LogWriter.put_write`."""

    __slots__ = ("fn", "what", "ordered")

    def __init__(self, fn: Callable[[sqlite3.Connection], None], what: str, ordered: bool = True) -> None:
        self.fn = fn
        self.what = what
        self.ordered = ordered
        """Whether the log rows and impressions queued before it are written before
        it (it reads them: a purchase's or an interaction's attribution). A shelf
        count reads nothing of theirs: they go on together past it, and it runs at
        the end of its chunk with the other such writes, in one savepoint (if one
        of them fails, they all run again one by one, each in its own: an unordered
        write must change only the database, so that running it again after a
        rollback is the same)."""


class _RerunCarefully(Exception):
    """A state write run without a savepoint of its own raised (an ordered write, or
    any write under the outbox's numbering, whose counters a rollback to a savepoint
    would not restore): the transaction is rolled back whole and
    ``LogWriter._commit`` runs the batch again, each write in a savepoint."""


MAX_ATTEMPTS = 3
"""Commits tried per batch before its rows are dropped (and counted). The
connection's busy timeout already waits out a lock for 30 s each time."""


class LogWriter:
    """Batches (log row, recommendation) pairs into one transaction per interval."""

    def __init__(
        self,
        db_path: Path | str,
        on_commit: Callable[[sqlite3.Connection, list[Any]], None] | None = None,
        *,
        interval_s: float = 0.1,
        max_batch: int = 2000,
        max_pending: int = 20_000,
        chunk: int = 32,
        batch_txn: int = 192,
        backlog_above: int = 768,
        ack_flush: int = 32,
    ) -> None:
        self.conn = db.connect(db_path)
        self.on_commit = on_commit
        self.interval_s = interval_s
        self.max_batch = max_batch
        self.max_pending = max_pending
        self.chunk = chunk
        self.batch_txn = batch_txn
        """A batch of at most this many entries commits in one transaction; a
        larger one in even transactions of at most this many, up to ``backlog_above``
        entries; past that (a backlog) in even chunks of at most ``chunk``."""
        self.backlog_above = max(backlog_above, batch_txn)  # a batch of up to batch_txn is never a backlog
        self.ack_flush = ack_flush
        """Entries waiting with a broker ack (``then``) that wake the writer before its
        interval: the broker hands the device at most ``max_inflight_messages``
        (100 in the store broker's config) unacknowledged signals, so acks held for
        a whole interval would cap the main link at ~1,000 signals/s."""
        self.commit_s_max = 0.0
        """Longest batch transaction: the write lock is held that long (housekeeping's
        session writes wait for it; signals do not)."""
        """Bound of the queue: past it ``put`` waits for a commit (the worker slows
        down; nothing is dropped). 20,000 rows is ~10 s of a busy store."""
        self._pending: list[tuple[tuple, Any]] = []
        self._after: deque[tuple[int, Callable[[], None]]] = deque()
        """(entries queued up to and including it, callback): run once that many are committed."""
        self._lock = threading.Lock()
        self._cond = threading.Condition(self._lock)
        """``put`` (once or twice per signal) takes ``_lock`` itself, whose
        ``__enter__``/``__exit__`` are C, not the Condition, whose are Python frames:
        0.47 -> 0.36 us per put measured warm (docs/performance-log.md, "(2026-12-03 (h))
        LogWriter.put under the worker"). A plain Lock, not the default RLock:
        nothing takes it twice (callbacks and the hook run outside it)."""
        self._queued = 0
        self._committed = 0
        self._stop = False
        self._kick = False
        """Set (under ``_cond``) by a caller that needs a commit now (drain, a wait)."""
        self.batches = 0
        self.write_errors = 0
        """Queued state writes that raised (rolled back alone, logged)."""
        self.errors = 0
        self.retries = 0
        self.dropped = 0
        """Rows given up after MAX_ATTEMPTS failed commits (a full disk, a broken file)."""
        self.peak_pending = 0
        self.waited_s = 0.0
        """Time producers waited for room (backpressure)."""
        self.numbering: Callable[[sqlite3.Connection], AbstractContextManager[None]] | None = None
        """Entered inside each transaction's first run (not its careful rerun): the
        feedback outbox's :meth:`edge.feedback.outbox.Outbox.numbering`, so its events
        are numbered from counters read and written once per transaction."""
        self.acks_held: tuple[Callable[[], None], Callable[[], None]] | None = None
        """(hold, release) called around a commit's ``then`` callbacks: the device's
        main link, so the broker acks of one chunk wake its network thread once
        (``MqttLink.hold_wakes``), not once per ack it manages to take between them."""
        self._thread = threading.Thread(target=self._run, name="reco-log-writer", daemon=True)

    def start(self) -> LogWriter:
        self._thread.start()
        return self

    def put(self, row: tuple | None, rec: Any | None, *, then: Callable[[], None] | None = None) -> int:
        """Queue one log row (its last field a list of item ids) and the
        recommendation for the impression hook. ``row`` None queues only ``rec``
        for the hook (a render confirmation, handled after the impressions
        queued before it, in the same transaction). ``then`` runs on the writer's
        thread once this entry's batch is committed (or given up): the broker
        ack of a render confirmation, which must not be sent before it is on disk.

        Returns the entry's sequence number, for :meth:`wait_committed`."""
        with self._lock:  # the Condition's own lock (a plain Lock: nothing takes it twice)
            if len(self._pending) >= self.max_pending and not self._stop:
                t0 = time.monotonic()
                self._kick = True
                self._cond.notify_all()
                self._cond.wait_for(lambda: len(self._pending) < self.max_pending or self._stop, 5.0)
                self.waited_s += time.monotonic() - t0
            self._pending.append((row, rec))
            self._queued += 1
            if then is not None:
                self._after.append((self._queued, then))
                if len(self._after) == self.ack_flush:
                    # Once, as the count reaches the mark (it grows by one here and
                    # shrinks only in ``_flush``): a writer not waiting yet sees it in
                    # its ``wait_for`` predicate, so every later put past the mark
                    # need not notify again before the writer has run (each notify_all
                    # there cost ~0.2 us of Python, measured warm).
                    self._cond.notify_all()
            if len(self._pending) > self.peak_pending:
                self.peak_pending = len(self._pending)
            return self._queued

    def put_write(self, fn: Callable[[sqlite3.Connection], None], *, what: str,
                  then: Callable[[], None] | None = None, ordered: bool = True) -> int:
        """Queue a state write ``fn(conn)``, run in order with the log rows, in the
        chunk's transaction (in a savepoint of its own); ``then`` runs once it is
        committed (the signal's broker ack). ``what`` names it in an error.
        ``ordered`` False: a write that reads no log row or impression (a shelf
        count) may run before those queued ahead of it (:class:`Write`)."""
        return self.put(None, Write(fn, what, ordered), then=then)

    @property
    def running(self) -> bool:
        """Whether the writer thread runs (a device built but not started does not commit)."""
        return self._thread.is_alive()

    @property
    def pending(self) -> int:
        return len(self._pending)

    @property
    def acks_waiting(self) -> int:
        """Callbacks (the broker acks of queued state writes) waiting for their commit."""
        return len(self._after)

    def wait_committed(self, seq: int, timeout: float = 5.0) -> bool:
        """Block until the entry ``put`` numbered ``seq`` (and all before it) is committed.

        Returns at once, without waking the writer, when it already is (inline
        dispatch waits here for a POS or interaction write before its ack)."""
        if self._committed >= seq:
            return True
        with self._cond:
            self._kick = True
            self._cond.notify_all()
            return self._cond.wait_for(lambda: self._committed >= seq or self._stop, timeout)

    def drain(self, timeout: float = 5.0) -> bool:
        """Block until everything queued so far is committed."""
        with self._cond:
            target = self._queued
            self._kick = True
            self._cond.notify_all()
            return self._cond.wait_for(lambda: self._committed >= target or self._stop, timeout)

    def stop(self) -> None:
        """Commit everything queued (not just one batch: after a flood that was
        most of the log), then close."""
        with self._cond:
            self._stop = True
            self._cond.notify_all()
        self._thread.join(timeout=10)
        while self._pending:
            self._flush()
        self.conn.close()

    def _run(self) -> None:
        while True:
            with self._cond:
                if self._stop:
                    return
                # Every interval, or at once when enough signals wait for their ack.
                self._cond.wait_for(lambda: self._stop or self._kick or len(self._after) >= self.ack_flush,
                                    self.interval_s)
                self._kick = False
                if self._stop:
                    return
            self._flush()
            while len(self._pending) >= self.max_batch and not self._stop:
                self._flush()  # a backlog drains at full speed, not one batch per interval

    def _flush(self) -> None:
        with self._cond:
            batch, self._pending = self._pending[: self.max_batch], self._pending[self.max_batch :]
        # Even transactions of at most ``batch_txn`` for a batch of up to
        # ``backlog_above`` entries: normal traffic's batch is one (a COMMIT writes
        # every page it dirtied, however few entries dirtied them), and a busy
        # second's (the writer having got the GIL late) is 2 x 100, not 192 + 8: at
        # 2,000-3,000 signals/s batches passed 192 entries, and chunks of 32 there
        # made 8x the transactions (replay: 17.7 -> 27.8 us per signal). A backlog
        # beyond it in even chunks of at most ``chunk``: 800 are 25 x 32, and 100
        # would be 4 x 25, not 32 + 32 + 32 + 4.
        n = len(batch)
        limit = self.batch_txn if n <= self.backlog_above else self.chunk
        size = math.ceil(n / math.ceil(n / limit)) if n else 1
        for lo in range(0, len(batch), size):
            if lo:
                time.sleep(0)  # between transactions: a waiting signal takes the GIL and the write lock
            part = batch[lo:lo + size]
            for attempt in range(1, MAX_ATTEMPTS + 1):
                if self._commit(part, last=attempt == MAX_ATTEMPTS):
                    break
                time.sleep(0.05 * attempt)
            with self._cond:
                self._committed += len(part)
                self._cond.notify_all()
                ready = []
                while self._after and self._after[0][0] <= self._committed:
                    ready.append(self._after.popleft()[1])
            if ready:
                self._run_after(ready)

    def _run_after(self, ready: list[Callable[[], None]]) -> None:
        held = self.acks_held
        if held is not None:
            held[0]()
        try:
            for then in ready:
                try:
                    then()
                except Exception:
                    log.exception("after-commit callback failed")
        finally:
            if held is not None:
                held[1]()

    def _commit(self, batch: list[tuple[tuple, Any]], *, last: bool) -> bool:
        """One transaction for the batch; False if it failed and may be retried."""
        n = len(batch)
        conn = self.conn
        t0 = time.perf_counter()
        try:
            try:
                with db.atomic(conn):
                    numbering = self.numbering
                    if numbering is None:
                        self._apply(conn, batch, careful=False)
                    else:
                        with numbering(conn):
                            self._apply(conn, batch, careful=False)
            except _RerunCarefully:
                # Rolled back whole (nothing of it is on disk): again, each ordered
                # write in a savepoint of its own, so only the failing one is lost.
                with db.atomic(conn):
                    self._apply(conn, batch, careful=True)
            self.batches += 1
            self.commit_s_max = max(self.commit_s_max, time.perf_counter() - t0)
            return True
        except Exception as exc:
            if not last:
                self.retries += 1
                log.warning("could not write %d log rows (%s); retrying", n, exc)
                return False
            self.errors += 1
            self.dropped += n
            log.exception("could not write %d log rows after %d attempts; dropped", n, MAX_ATTEMPTS)
            return True

    def _apply(self, conn: sqlite3.Connection, batch: list[tuple[tuple, Any]], *, careful: bool) -> None:
        """The batch's statements, inside its transaction.

        Log rows, impressions and state writes in the order they were queued: a
        purchase or a pickup is attributed to the lists queued before it (reco_log
        is attribution's exposure index, see edge.feedback.capture), never to the
        list its own refresh queued after it. Rows and impressions between two
        writes go together.

        An ordered write (a purchase, an interaction) runs without a savepoint
        unless ``careful``: one that raises aborts the transaction
        (:class:`_RerunCarefully`) and :meth:`_commit` runs the batch again
        with a savepoint around each, as every write had before. A ``SAVEPOINT``
        + ``RELEASE`` pair was two statements per ordered write (1,336 per 10,000
        real signals) for a rollback that normal traffic never needs
        (docs/performance-log.md, "(2026-12-03 (i)) the log writer")."""
        rows: list[tuple] = []
        recs: list[Any] = []
        loose: list[Write] = []
        for row, rec in batch:
            if row is not None:
                rows.append(row)
            if rec is None:
                continue
            if isinstance(rec, Write):
                if rec.ordered:
                    self._log(conn, rows, recs)
                    rows, recs = [], []
                    if careful:
                        self._write(conn, [rec])
                    else:
                        self._write_bare(conn, rec)
                else:
                    loose.append(rec)
            else:
                recs.append(rec)
        self._log(conn, rows, recs)
        if loose:
            if careful or self.numbering is None:
                self._write(conn, loose)
            else:  # a shared savepoint could not give the numbering's seqs back
                for w in loose:
                    self._write_bare(conn, w)

    def _write_bare(self, conn: sqlite3.Connection, w: Write) -> None:
        """A state write outside a savepoint: one that raises (not the database:
        ``OperationalError`` fails the chunk, which is retried) aborts the
        transaction for :meth:`_commit` to run it again carefully."""
        try:
            w.fn(conn)
        except sqlite3.OperationalError:
            raise
        except Exception as exc:
            raise _RerunCarefully(w.what) from exc

    def _log(self, conn: sqlite3.Connection, rows: list[tuple], recs: list[Any]) -> None:
        """Log rows, then the impression hook for their recommendations."""
        if rows:
            insert_log_rows(conn, rows)
        if recs and self.on_commit is not None:
            self.on_commit(conn, recs)

    def _write(self, conn: sqlite3.Connection, writes: list[Write]) -> None:
        """Queued state writes in one savepoint: a write that fails (a bad value, a
        bug) is rolled back alone and counted; a database that fails
        (``OperationalError``: I/O, full disk) fails the chunk, which is retried.
        Several writes (a chunk's shelf counts) share the savepoint, which costs
        about what a shelf count's upsert does; if one of them fails, it is rolled
        back and each runs again in its own, so only the failing one is lost."""
        conn.execute("SAVEPOINT state_write")
        try:
            for w in writes:
                w.fn(conn)
        except sqlite3.OperationalError:
            raise
        except Exception as exc:
            conn.execute("ROLLBACK TO state_write")
            conn.execute("RELEASE state_write")
            if len(writes) > 1:
                for w in writes:
                    self._write(conn, [w])
                return
            self.write_errors += 1
            if self.write_errors <= 10 or self.write_errors % 1000 == 0:
                log.warning("state write failed (%s): %s (%d so far)", writes[0].what, exc, self.write_errors)
        else:
            conn.execute("RELEASE state_write")


def insert_log_rows(conn: sqlite3.Connection, rows: list[tuple]) -> None:
    """Insert :func:`log_row` rows into ``reco_log`` (item lists serialised here, on
    the writer's thread, not on the hot path)."""
    conn.executemany(_INSERT_LOG, [(*row[:-1], _ids_json(row[-1])) for row in rows])


def _ids_json(ids: list[str]) -> str:
    """A list of item ids as compact JSON: orjson, 0.1 us where ``json.dumps`` took
    1.9 for a list of six (once per logged list); ``json`` for what orjson refuses
    (a string that is not valid UTF-8)."""
    try:
        return orjson.dumps(ids).decode()
    except TypeError:
        return json.dumps(ids)


def log_row(rec: Any, display_id: str, zone: str) -> tuple:
    """A ``reco_log`` row for a :class:`edge.reco.RecoResult` (item ids as a list;
    the writer stores them as JSON)."""
    cause = rec.cause
    return (rec.recommendation_id, rec.generated_at, display_id, zone, rec.shopper,
            cause[0] if cause else None, cause[1] if cause else None, rec.strategy,
            rec.model_version, rec.item_ids)
