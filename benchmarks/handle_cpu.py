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

    python -m benchmarks.handle_cpu [--signals 20000] [--bundle out/train/bundle]

The last line is one JSON object: ``thread_cpu_us_per_signal`` (the figure to
compare), ``process_cpu_us_per_signal`` (log writer included), ``wall_us_per_signal``
and the machine load.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import tempfile
import time
from pathlib import Path

from benchmarks.edge_latency import DEFAULT_BUNDLE, ensure_bundle, location_payloads
from deploy.devicecfg import local_device_config
from deploy.local_broker import free_port
from edge.app import Device
from edge.comms.topics import TopicTree
from edge.feedback.runtime import FeedbackRuntime

WARMUP = 2000


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--signals", type=int, default=20000)
    ap.add_argument("--bundle", type=Path, default=DEFAULT_BUNDLE)
    args = ap.parse_args(argv)
    ensure_bundle(args.bundle)
    work = Path(tempfile.mkdtemp(prefix="handle-cpu-"))
    # A port nobody listens on: the link keeps retrying in the background, publishes queue.
    config = local_device_config(work / "device.toml", port=free_port(), bundle=args.bundle,
                                 db_path=work / "state.db", device_id="bench-edge")
    # Feedback capture into the outbox, as edge-device runs it (the sender is not started).
    device = Device(config, feedback=FeedbackRuntime(config).sink_factory)
    device.log_writer.start()  # as in the device: its queue is bounded, put() waits when it is full
    tree = TopicTree(config.store_id, config.device_id, config.broker.topic_prefix)
    zones = [z.id for z in config.zones]
    neighbours = {z.id: list(z.neighbours) for z in config.zones}
    payloads = location_payloads(zones, neighbours, WARMUP + args.signals)
    for p in payloads[:WARMUP]:
        device.handle(tree.location, p)
    t0, p0, w0 = time.thread_time(), time.process_time(), time.perf_counter()
    for p in payloads[WARMUP:]:
        device.handle(tree.location, p)
    t1, p1, w1 = time.thread_time(), time.process_time(), time.perf_counter()
    n = args.signals
    errors = device.metrics.errors + sum(device.metrics.rejected.values())
    print(f"{n} signals: {(t1 - t0) / n * 1e6:.1f} us CPU each on the handling thread "
          f"(load {os.getloadavg()[0]:.2f}, {errors} errors/rejections)", file=sys.stderr)
    print(json.dumps({
        "signals": n,
        "thread_cpu_us_per_signal": round((t1 - t0) / n * 1e6, 1),
        "process_cpu_us_per_signal": round((p1 - p0) / n * 1e6, 1),
        "wall_us_per_signal": round((w1 - w0) / n * 1e6, 1),
        "errors": errors,
        "strategy": "model" if device.generation.scorer is not None else "popularity",
        "load_avg_1m": round(os.getloadavg()[0], 2),
    }))
    os._exit(0)  # the link's thread retries an absent broker; nothing to shut down cleanly


if __name__ == "__main__":
    sys.exit(main())
