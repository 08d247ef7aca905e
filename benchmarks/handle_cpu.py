"""CPU cost of one signal through the device, in process: a measure a busy machine does not distort.

``benchmarks/edge_latency.py`` measures signal-to-screen latency through a real
broker and a real device process; on a shared machine whose load is well above
its core count that figure is mostly time spent waiting for a CPU. To compare
two versions of the device code (a restructure must not make signals cost
more), this runs the demo store's device (``Device``, the trained bundle,
feedback capture into the outbox) in this process, feeds it the same location
signals as ``edge_latency`` through ``Device.handle`` (parse, state, score,
rank, publish into paho's queue, log), and reports the CPU time of the thread
that handled them per signal. No broker: publishes wait in paho's queue, and
the log writer runs as in the device.

    python -m benchmarks.handle_cpu [--signals 20000] [--bundle out/train/bundle] [--traffic real] [--broker] [--by-kind]

The last line is one JSON object: ``thread_cpu_us_per_signal`` (the figure to
compare), ``process_cpu_us_per_signal`` (log writer included), ``wall_us_per_signal``
and the machine load. ``--by-kind`` adds ``by_kind``: per signal kind, the handling
thread's CPU per signal of that kind and per signal sent, publishes, fresh inferences
and stage means per signal of the kind; and ``log_writer_parts``: the log writer's
thread CPU by entry (impressions, each kind of state write, whole transactions),
per entry and per signal sent (it times each signal and each entry: a few us more).
"""

from __future__ import annotations

import argparse
import gc
import json
import os
import resource
import sys
import tempfile
import time
from collections import defaultdict
from pathlib import Path

from benchmarks import real_traffic
from benchmarks.edge_latency import DEFAULT_BUNDLE, ensure_bundle, location_payloads
from deploy.devicecfg import local_device_config
from deploy.local_broker import MosquittoBroker, free_port
from edge.app import Device
from edge.comms.topics import TopicTree
from edge.feedback.runtime import FeedbackRuntime

WARMUP = 2000


def parser() -> argparse.ArgumentParser:
    """The options (and defaults) of a run; ``benchmarks.rank_replay`` builds its runs from it."""
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--signals", type=int, default=20000)
    ap.add_argument("--bundle", type=Path, default=DEFAULT_BUNDLE)
    ap.add_argument("--traffic", choices=("synthetic", "real"), default="synthetic",
                    help="real: edge_latency's Complete Journey replay (members' history paid at the "
                         "till first, then visits with inventory, pickups and purchases)")
    ap.add_argument("--broker", action="store_true",
                    help="connect the device's main link to a local Mosquitto: recommendations go out "
                         "and are acknowledged, as in the device, instead of queueing in paho for the "
                         "whole run (~10 tracked objects each: the cyclic GC's full collections then "
                         "walk them all). Sending and acks run on paho's thread, outside the figure")
    ap.add_argument("--by-kind", action="store_true",
                    help="split the handling thread's CPU by signal kind and the log writer's by entry")
    ap.add_argument("--gc-gen0", type=int, default=0,
                    help="the cyclic GC's generation-0 threshold during the run (0: Python's default, "
                         "700), as edge-device run --gc-gen0 sets it; collections are counted either way")
    return ap


def main(argv: list[str] | None = None) -> int:
    args = parser().parse_args(argv)
    ensure_bundle(args.bundle)
    work = Path(tempfile.mkdtemp(prefix="handle-cpu-"))
    broker = MosquittoBroker(workdir=work / "broker", persistence=False).start() if args.broker else None
    try:
        code = _run(args, work, broker)
    finally:
        if broker is not None:
            broker.stop()
    os._exit(code)  # the link's thread retries an absent (or stopped) broker; nothing to shut down cleanly


def _run(args: argparse.Namespace, work: Path, broker: MosquittoBroker | None) -> int:
    # Without --broker a port nobody listens on: the link keeps retrying in the background, publishes queue.
    config = local_device_config(work / "device.toml", port=broker.port if broker else free_port(),
                                 bundle=args.bundle, db_path=work / "state.db", device_id="bench-edge")
    # Feedback capture into the outbox, as edge-device runs it (the sender is not started).
    # A clock the real traffic can move past the session TTL (the seeding visits end).
    skew = [0.0]
    device = Device(config, feedback=FeedbackRuntime(config).sink_factory, clock=lambda: time.time() + skew[0])
    parts = _time_log_writer(device) if args.by_kind else None
    device.log_writer.start()  # as in the device: its queue is bounded, put() waits when it is full
    if broker is not None:
        device.link.start()
        if not device.link.connected.wait(10):
            raise SystemExit(f"handle_cpu: the device's link did not connect to the broker on port {broker.port}")
    tree = TopicTree(config.store_id, config.device_id, config.broker.topic_prefix)
    zones = [z.id for z in config.zones]
    neighbours = {z.id: list(z.neighbours) for z in config.zones}
    if args.traffic == "real":
        traffic = real_traffic.build(config, WARMUP + args.signals, bundle=args.bundle)
        # Members' history the device's way: their earlier baskets paid at the till ...
        for i, (topic, body) in enumerate(traffic.warmup):
            device.handle(topic, json.dumps({"v": 1, "signal_id": f"h{i}", "ts": time.time(), **body}).encode())
        skew[0] += config.policy.session_ttl_s + 60  # ... and those visits over
        with device.lock:
            device.agent.expire()
        stream = [(topic, json.dumps({"v": 1, "signal_id": f"b{i}", "ts": time.time() + skew[0], **body}).encode())
                  for i, (topic, body) in enumerate(traffic.signals)]
    else:
        stream = [(tree.location, p) for p in location_payloads(zones, neighbours, WARMUP + args.signals)]
    # As Device.start does before it serves: what exists now (catalogue, model, and
    # here the replay's own lists too) is kept out of the cyclic GC's full
    # collections; unfrozen, each one walked ~300k objects (~190 ms, 10-20 us per
    # signal, two or three per run: most of the spread between runs).
    gc.collect()
    gc.freeze()
    if args.gc_gen0 > 0:
        gc.set_threshold(args.gc_gen0, *gc.get_threshold()[1:])
    for topic, p in stream[:WARMUP]:
        device.handle(topic, p)
    hits0, misses0 = device.generation.scores.cache_hits, device.generation.scores.cache_misses
    stage0 = dict(device.metrics.stage_ns)
    # The log writer's own CPU clock: impressions and reco_log rows cost the process too.
    writer_clock = time.pthread_getcpuclockid(device.log_writer._thread.ident)
    l0 = time.clock_gettime(writer_clock)
    kinds = None
    if parts is not None:
        device.log_writer.drain(30)  # the warm-up's entries are not counted
        parts.clear()
        l0 = time.clock_gettime(writer_clock)
        kinds = KindCosts(device)
    gc0 = [g["collections"] for g in gc.get_stats()]
    gc_time = _time_gc()
    t0, p0, w0 = time.thread_time(), time.process_time(), time.perf_counter()
    if kinds is not None:
        for topic, p in stream[WARMUP:]:
            kinds.handle(topic, p)
        device.log_writer.drain(60)  # what the measured signals queued, committed
    else:
        for topic, p in stream[WARMUP:]:
            device.handle(topic, p)
    t1, p1, w1 = time.thread_time(), time.process_time(), time.perf_counter()
    gc_runs = [g["collections"] - c for g, c in zip(gc.get_stats(), gc0, strict=True)]
    l1 = time.clock_gettime(writer_clock)
    n = args.signals
    errors = device.metrics.errors + sum(device.metrics.rejected.values())
    print(f"{n} signals: {(t1 - t0) / n * 1e6:.1f} us CPU each on the handling thread "
          f"(load {os.getloadavg()[0]:.2f}, {errors} errors/rejections)", file=sys.stderr)
    print(json.dumps({
        "signals": n,
        "thread_cpu_us_per_signal": round((t1 - t0) / n * 1e6, 1),
        "process_cpu_us_per_signal": round((p1 - p0) / n * 1e6, 1),
        "log_writer_cpu_us_per_signal": round((l1 - l0) / n * 1e6, 1),
        "wall_us_per_signal": round((w1 - w0) / n * 1e6, 1),
        "errors": errors,
        "traffic": args.traffic,
        "score_cache": {"hits": device.generation.scores.cache_hits - hits0,
                        "misses": device.generation.scores.cache_misses - misses0},
        # Wall time inside the handling thread per signal, by stage (a quiet machine: ~CPU).
        "stage_us_per_signal": {k: round((v - stage0.get(k, 0)) / n / 1e3, 1)
                                for k, v in device.metrics.stage_ns.items()},
        "strategy": "model" if device.generation.scorer is not None else "popularity",
        "broker": broker is not None,
        "load_avg_1m": round(os.getloadavg()[0], 2),
        # Cyclic GC collections by generation over the measured signals (all threads).
        "gc_threshold": list(gc.get_threshold()),
        "gc_collections": gc_runs,
        "gc_ms": {k: round(v * 1e3, 1) for k, v in gc_time.items()},
        "max_rss_mb": round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024, 1),
        **({"by_kind": kinds.report(n), "log_writer_parts": {
            k: {"entries": c, "cpu_us_each": round(v / max(c, 1) * 1e6, 1), "cpu_us_per_signal": round(v / n * 1e6, 1)}
            for k, (c, v) in sorted(parts.items())}} if kinds is not None and parts is not None else {}),
    }))
    sys.stdout.flush()
    return 0


def _time_gc() -> dict[str, float]:
    """Wall seconds inside the cyclic GC, by generation, and the longest single
    collection (``max``: every thread waits for it), from now on (``gc.callbacks``)."""
    spent = {"gen0": 0.0, "gen1": 0.0, "gen2": 0.0, "max": 0.0}
    started = [0.0]

    def on_gc(phase: str, info: dict) -> None:
        if phase == "start":
            started[0] = time.perf_counter()
        else:
            took = time.perf_counter() - started[0]
            spent[f"gen{info['generation']}"] += took
            spent["max"] = max(spent["max"], took)

    gc.callbacks.append(on_gc)
    return spent


class KindCosts:
    """The handling thread's CPU, publishes, fresh inferences and stage times per signal kind."""

    def __init__(self, device: Device) -> None:
        self.device = device
        self.cpu: dict[str, float] = defaultdict(float)
        self.count: dict[str, int] = defaultdict(int)
        self.published: dict[str, int] = defaultdict(int)
        self.misses: dict[str, int] = defaultdict(int)
        self.stages: dict[str, dict[str, int]] = defaultdict(lambda: defaultdict(int))

    def handle(self, topic: str, payload: bytes) -> None:
        device = self.device
        found = device.topics.classify(topic)
        kind = found[0] if found else "other"
        m, scores = device.metrics, device.generation.scores
        published, misses, stages = m.published, scores.cache_misses, dict(m.stage_ns)
        t = time.thread_time()
        device.handle(topic, payload)
        self.cpu[kind] += time.thread_time() - t
        self.count[kind] += 1
        self.published[kind] += m.published - published
        self.misses[kind] += scores.cache_misses - misses
        mine = self.stages[kind]
        for stage, ns in m.stage_ns.items():
            mine[stage] += ns - stages.get(stage, 0)

    def report(self, sent: int) -> dict[str, dict]:
        return {kind: {
            "signals": c,
            "cpu_us_each": round(self.cpu[kind] / c * 1e6, 1),
            "cpu_us_per_signal_sent": round(self.cpu[kind] / sent * 1e6, 1),
            "publishes_each": round(self.published[kind] / c, 2),
            "fresh_inferences_each": round(self.misses[kind] / c, 2),
            "stage_us_each": {s: round(ns / c / 1e3, 1) for s, ns in self.stages[kind].items()},
        } for kind, c in sorted(self.count.items(), key=lambda kv: -kv[1])}


def _time_log_writer(device: Device) -> dict[str, list]:
    """Wrap the log writer's per-entry work with its thread's CPU clock:
    ``{part: [entries, seconds]}`` (impressions, each state write kind by the first
    word of its ``what``, and ``transactions``: whole chunks, commit included)."""
    writer = device.log_writer
    parts: dict[str, list] = defaultdict(lambda: [0, 0.0])
    write, commit, on_commit = writer._write, writer._commit, writer.on_commit  # noqa: SLF001
    write_bare = writer._write_bare  # noqa: SLF001

    def charge(part: str, entries: int, seconds: float) -> None:
        counted = parts[part]
        counted[0] += entries
        counted[1] += seconds

    def write_part(w) -> str:
        return w.what.split(" ", 1)[0] + "_write"

    def timed_write(conn, writes, **kw) -> None:
        # A list of writes sharing one savepoint (a chunk's shelf counts): its time is
        # split evenly between them, by the first word of each one's ``what``. ``kw``:
        # any keyword LogWriter._write takes, passed through (a wrapper that dropped
        # one once made every batch fail and be retried).
        t = time.thread_time()
        write(conn, writes, **kw)
        each = (time.thread_time() - t) / max(len(writes), 1)
        for w in writes:
            charge(write_part(w), 1, each)

    def timed_write_bare(conn, w) -> None:
        # An ordered write (a purchase, an interaction) outside a savepoint.
        t = time.thread_time()
        try:
            write_bare(conn, w)
        finally:
            charge(write_part(w), 1, time.thread_time() - t)

    def timed_commit(batch, *, last: bool) -> bool:
        t = time.thread_time()
        ok = commit(batch, last=last)
        charge("transactions", 1, time.thread_time() - t)
        return ok

    def timed_impressions(conn, recs) -> None:
        t = time.thread_time()
        on_commit(conn, recs)
        charge("impressions", len(recs), time.thread_time() - t)

    writer._write = timed_write  # type: ignore[method-assign]  # noqa: SLF001
    writer._commit = timed_commit  # type: ignore[method-assign]  # noqa: SLF001
    writer._write_bare = timed_write_bare  # type: ignore[method-assign]  # noqa: SLF001
    if on_commit is not None:
        writer.on_commit = timed_impressions
    return parts


if __name__ == "__main__":
    sys.exit(main())
