"""The log writer's CPU per signal on the real traffic mix, alone: no other thread, no GIL hand-offs.

In the device the log writer thread costs ~70 us per signal sent
(docs/performance-log.md), but the device's per-thread figure moves by +-15 % with
the box's load, and ``benchmarks.handle_cpu`` measures it beside the handling
thread (both take the GIL). This takes the writer's work out and times only it:

1. a ``Device`` in this process (the trained bundle, feedback capture into the
   outbox, as ``benchmarks.handle_cpu``) handles ``edge_latency``'s real traffic
   (members' history paid at the till, then the warm-up signals) with its log
   writer thread *not* started; what the handling queued is committed on this
   thread, so the database holds what a device's would;
2. the database is copied (SQLite's backup API), and the entries the next
   ``--signals`` signals queue are kept, cut into the batches the device's writer
   would commit (``--batch-signals``, 110: the writer is woken when 32 broker
   acks wait, about every 60 signals at 1,000 signals/s, but in the device it
   gets the GIL later: its batches there were 120-160 entries, ~110 signals,
   measured in session (f); this replay used 60 before);
3. ``--reps`` times: a fresh copy of that database, a ``LogWriter`` on it (not
   started), and every batch committed through ``LogWriter._flush`` on this
   thread; the thread's CPU clock around the flushes only.

The same entries and the same starting database in every repetition, so the
spread between repetitions is the machine's; compare two trees by running this
file against each (``PYTHONPATH``), alternately.

    python -m benchmarks.logwriter_cpu [--signals 10000] [--reps 5] [--bundle out/train/bundle]
                                       [--by-statement] [--wal] [--profile OUT.pstats]

The last line is JSON: ``us_per_signal`` (median over repetitions, and each),
transactions, entries by kind, rows written per table.
"""

from __future__ import annotations

import argparse
import gc
import json
import os
import shutil
import sqlite3
import statistics
import sys
import tempfile
import time
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from benchmarks import real_traffic
from benchmarks.edge_latency import DEFAULT_BUNDLE, ensure_bundle
from deploy.devicecfg import local_device_config
from deploy.local_broker import free_port
from edge.app import Device
from edge.feedback.runtime import FeedbackRuntime
from edge.state import db
from edge.state.logwriter import LogWriter, Write

WARMUP = 2000
TABLES = ("reco_log", "feedback_outbox", "feedback_recs", "inventory", "purchases", "signals_seen")


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--signals", type=int, default=10000)
    ap.add_argument("--reps", type=int, default=5)
    ap.add_argument("--batch-signals", type=int, default=110,
                    help="signals whose entries one writer batch commits (the device: ~110 at 1,000/s, "
                         "120-160 entries)")
    ap.add_argument("--bundle", type=Path, default=DEFAULT_BUNDLE)
    ap.add_argument("--profile", type=Path, default=None,
                    help="also write a cProfile of one extra repetition here (pstats file)")
    ap.add_argument("--wal", action="store_true",
                    help="one extra repetition with automatic checkpoints off: the WAL frames it wrote "
                         "(``wal_frames``) and, per transaction, by the b-tree each page belongs to "
                         "(``wal_pages_per_txn``, from dbstat)")
    ap.add_argument("--by-statement", action="store_true",
                    help="one extra repetition with every SQL statement's thread CPU summed by its text "
                         "(``by_statement``: calls, us each, us per signal)")
    args = ap.parse_args(argv)
    ensure_bundle(args.bundle)
    work = Path(tempfile.mkdtemp(prefix="logwriter-cpu-"))
    try:
        print(json.dumps(_run(args, work)))
    finally:
        shutil.rmtree(work, ignore_errors=True)
    sys.stdout.flush()
    os._exit(0)  # the device's link retries a port nobody listens on in the background


@dataclass
class Replay:
    """What every repetition replays: the database before the measured signals and
    the writer's batches of them."""

    snapshot: Path
    batches: list[list]
    entries: Counter
    on_commit: Callable | None
    numbering: Callable | None
    chunk: int
    signals: int
    rows_before: dict[str, int]


def prepare(args: argparse.Namespace, work: Path) -> Replay:
    """Run the device over the warm-up, copy its database, keep the measured signals' entries."""
    db_path = work / "state.db"
    config = local_device_config(work / "device.toml", port=free_port(), bundle=args.bundle,
                                 db_path=db_path, device_id="bench-edge")
    skew = [0.0]
    device = Device(config, feedback=FeedbackRuntime(config).sink_factory, clock=lambda: time.time() + skew[0])
    writer = device.log_writer  # never started: this thread commits what it queues
    writer.max_pending = 10**9
    traffic = real_traffic.build(config, WARMUP + args.signals, bundle=args.bundle)
    for i, (topic, body) in enumerate(traffic.warmup):
        device.handle(topic, json.dumps({"v": 1, "signal_id": f"h{i}", "ts": time.time(), **body}).encode())
        if i % 100 == 99:
            _commit_all(writer)
    _commit_all(writer)
    skew[0] += config.policy.session_ttl_s + 60
    with device.lock:
        device.agent.expire()
    stream = [(topic, json.dumps({"v": 1, "signal_id": f"b{i}", "ts": time.time() + skew[0], **body}).encode())
              for i, (topic, body) in enumerate(traffic.signals)]
    for k, (topic, p) in enumerate(stream[:WARMUP]):
        device.handle(topic, p)
        if k % args.batch_signals == args.batch_signals - 1:
            _commit_all(writer)
    _commit_all(writer)
    snapshot = work / "snapshot.db"
    with sqlite3.connect(snapshot) as dst:
        writer.conn.backup(dst)
    batches: list[list] = []
    kinds: Counter = Counter()
    for k, (topic, p) in enumerate(stream[WARMUP:]):
        device.handle(topic, p)
        if k % args.batch_signals == args.batch_signals - 1 or k == args.signals - 1:
            batch, writer._pending = writer._pending, []  # noqa: SLF001
            batches.append(batch)
            for row, rec in batch:
                kinds["reco_log_row" if row is not None else "no_row"] += 1
                kinds[rec.what.split(" ", 1)[0] + "_write" if isinstance(rec, Write)
                      else "impression" if rec is not None and not isinstance(rec, tuple)
                      else "rendered" if rec is not None else "none"] += 1
    return Replay(snapshot, batches, kinds, writer.on_commit, writer.numbering, writer.chunk, args.signals,
                  _counts(snapshot))


def replay(rp: Replay, path: Path, *, chunk: int | None = None,
           setup: Callable[[LogWriter], None] | None = None) -> tuple[float, LogWriter]:
    """One repetition on a fresh copy of the snapshot at ``path``: the thread's CPU
    seconds for every batch, and the (closed) writer. ``setup`` may change the
    writer or its database before the clock starts (an in-process variant)."""
    shutil.copy(rp.snapshot, path)
    lw = LogWriter(path, rp.on_commit, chunk=chunk or rp.chunk)
    lw.numbering = rp.numbering
    if setup is not None:
        setup(lw)
    t0 = time.thread_time()
    for batch in rp.batches:
        lw._pending = list(batch)  # noqa: SLF001
        lw._flush()  # noqa: SLF001
    # What the WAL still holds is copied back by a checkpoint the device pays
    # sooner or later: counted, so a setting that checkpoints less often is not
    # credited with the work it left behind.
    lw.conn.execute("PRAGMA wal_checkpoint(PASSIVE)")
    spent = time.thread_time() - t0
    lw.conn.close()
    if lw.errors or lw.write_errors:
        raise SystemExit(f"log writer errors in the replay: {lw.errors} commits, {lw.write_errors} writes")
    return spent, lw


def _run(args: argparse.Namespace, work: Path) -> dict:
    rp = prepare(args, work)
    gc.collect()
    gc.freeze()
    reps: list[float] = []
    rows: dict[str, int] = {}
    txns = 0
    statements: dict[str, list] = {}
    extra = [k for k in ("profile", "by_statement") if getattr(args, k)]
    for r in range(args.reps + len(extra)):
        path = work / f"rep{r}.db"
        mode = extra[r - args.reps] if r >= args.reps else None
        profiler = None
        if mode == "by_statement":
            _time_statements(statements)
        if mode == "profile":
            import cProfile
            profiler = cProfile.Profile()
            profiler.enable()
        spent, lw = replay(rp, path)
        if profiler is not None:
            profiler.disable()
            profiler.dump_stats(str(args.profile))
        elif mode == "by_statement":
            _time_statements(None)
        else:
            reps.append(spent / args.signals * 1e6)
        txns = lw.batches
        after = _counts(path)
        rows = {t: after[t] - rp.rows_before[t] for t in TABLES}
        path.unlink()
    wal = wal_pages(rp, work / "wal.db") if getattr(args, "wal", False) else {}
    return {
        "signals": args.signals,
        **wal,
        "us_per_signal": round(statistics.median(reps), 2),
        "reps_us_per_signal": [round(x, 2) for x in reps],
        "transactions": txns,
        "batches": len(rp.batches),
        "entries": dict(rp.entries),
        "rows_written": rows,
        **({"by_statement": {sql: {"calls": c, "us_each": round(t / c * 1e6, 2),
                                   "us_per_signal": round(t / args.signals * 1e6, 2)}
                             for sql, (c, t) in sorted(statements.items(), key=lambda kv: -kv[1][1])}}
           if statements else {}),
        "load_avg_1m": round(os.getloadavg()[0], 2),
        "code": str(Path(sys.modules["edge"].__file__).parents[1]),
    }


def wal_pages(rp: Replay, path: Path) -> dict:
    """Replay once with automatic checkpoints off and read the WAL's frame headers:
    how many pages the transactions wrote, and which table or index each belongs
    to (a COMMIT writes every page its transaction dirtied, so this is what the
    per-transaction cost is made of)."""
    shutil.copy(rp.snapshot, path)
    lw = LogWriter(path, rp.on_commit, chunk=rp.chunk)
    lw.numbering = rp.numbering
    lw.conn.execute("PRAGMA wal_autocheckpoint=0")
    for batch in rp.batches:
        lw._pending = list(batch)  # noqa: SLF001
        lw._flush()  # noqa: SLF001
    wal = Path(f"{path}-wal").read_bytes()
    page_size = int.from_bytes(wal[8:12], "big")
    pages = [int.from_bytes(wal[off:off + 4], "big") for off in range(32, len(wal) - 23 - page_size, 24 + page_size)]
    owner = dict(lw.conn.execute("SELECT pageno, name FROM dbstat"))
    lw.conn.close()
    by_tree = Counter(owner.get(p, "(new or free page)") for p in pages)
    return {"wal_frames": len(pages),
            "wal_pages_per_txn": {k: round(v / max(lw.batches, 1), 2) for k, v in by_tree.most_common()}}


def _time_statements(into: dict[str, list] | None) -> None:
    """Wrap (``into``) or unwrap (None) the device connection class's ``execute`` and
    ``executemany``: thread CPU per statement text (the first 90 characters)."""
    cls = db.Connection
    if into is None:
        del cls.execute, cls.executemany
        return

    def timed(name: str):
        base = getattr(sqlite3.Connection, name)

        def run(self, sql, *a):
            t = time.thread_time()
            try:
                return base(self, sql, *a)
            finally:
                entry = into.setdefault(f"{name[7:] and 'many: '}{sql[:90]}", [0, 0.0])
                entry[0] += 1
                entry[1] += time.thread_time() - t
        return run

    cls.execute = timed("execute")
    cls.executemany = timed("executemany")


def _commit_all(writer: LogWriter) -> None:
    while writer._pending:  # noqa: SLF001
        writer._flush()  # noqa: SLF001


def _counts(path: Path) -> dict[str, int]:
    conn = sqlite3.connect(path)
    try:
        out = {}
        for t in TABLES:
            try:
                out[t] = conn.execute(f"SELECT count(*) FROM {t}").fetchone()[0]
            except sqlite3.OperationalError:
                out[t] = 0
        return out
    finally:
        conn.close()


if __name__ == "__main__":
    sys.exit(main())
