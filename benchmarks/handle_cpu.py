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

    python -m benchmarks.handle_cpu [--signals 20000] [--bundle out/train/bundle] [--traffic real] [--broker]

The last line is one JSON object: ``thread_cpu_us_per_signal`` (the figure to
compare), ``process_cpu_us_per_signal`` (log writer included), ``wall_us_per_signal``
and the machine load.
"""

from __future__ import annotations

import argparse
import gc
import json
import os
import sys
import tempfile
import time
from pathlib import Path

from benchmarks import real_traffic
from benchmarks.edge_latency import DEFAULT_BUNDLE, ensure_bundle, location_payloads
from deploy.devicecfg import local_device_config
from deploy.local_broker import MosquittoBroker, free_port
from edge.app import Device
from edge.comms.topics import TopicTree
from edge.feedback.runtime import FeedbackRuntime

WARMUP = 2000


def main(argv: list[str] | None = None) -> int:
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
    args = ap.parse_args(argv)
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
    for topic, p in stream[:WARMUP]:
        device.handle(topic, p)
    hits0, misses0 = device.generation.scores.cache_hits, device.generation.scores.cache_misses
    stage0 = dict(device.metrics.stage_ns)
    # The log writer's own CPU clock: impressions and reco_log rows cost the process too.
    writer_clock = time.pthread_getcpuclockid(device.log_writer._thread.ident)
    l0 = time.clock_gettime(writer_clock)
    t0, p0, w0 = time.thread_time(), time.process_time(), time.perf_counter()
    for topic, p in stream[WARMUP:]:
        device.handle(topic, p)
    t1, p1, w1 = time.thread_time(), time.process_time(), time.perf_counter()
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
    }))
    sys.stdout.flush()
    return 0


if __name__ == "__main__":
    sys.exit(main())
