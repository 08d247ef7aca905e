"""``edge-device``: run the store device, or check a model bundle before shipping it.

    edge-device run --config /etc/instore/device.toml
    edge-device check-bundle out/train/bundle [--trusted-key keys/signing.pub ...]
        [--tf-model out/train/models/serving_tf]

``run`` exits 0 on SIGTERM/SIGINT after publishing "offline", 2 on a bad config or one
this machine cannot run (firmware_config.checks, with the reasons), 3 when a required
model is refused. ``check-bundle`` exits 1 when the bundle is refused or a golden
case fails, 2 when ``--tf-model`` was asked for and the comparison could not run.
"""

from __future__ import annotations

import argparse
import json
import logging
import os
import signal
import sys
import threading
import time
from pathlib import Path

from edge.bundle import BundleError

GIL_SWITCH_INTERVAL_MS = 0.0
"""Python's thread switch interval for the device process; 0 leaves Python's
default (5 ms). The device runs four busy threads in one process (the worker,
two MQTT network threads, the log writer), and a thread that wants the GIL can
wait up to one interval per hand-over. 1 ms and 0.5 ms were measured against
5 ms in 14 interleaved real-traffic runs and did not pay in any way this
machine could resolve (docs/performance-log.md, "Stalls"), so the default is
unchanged; the option is there to measure it on a quiet box."""

GC_GEN0_THRESHOLD = 0
"""The cyclic GC's generation-0 threshold in the device process; 0 leaves
Python's default (700 allocations net of frees). Start-up objects are frozen
(``Device.start``), so a collection walks only what the signals allocated
since. In process on real traffic, 50,000 cut the time inside the collector
from 8.5-17.8 to 1.9-5.4 µs per signal (7 of 7 interleaved pairs; the longest
single collection 59-76 vs 78-106 ms; RSS and the overload check unchanged),
but 7 whole-process pairs did not show it (CPU lower in 4 of 7, medians 405 vs
417 µs), so the default stays Python's; docs/performance-log.md
"(2026-12-02 (c)) affinity and GC"."""


def parse_cpus(text: str) -> set[int]:
    """``"1"``, ``"0,1"`` or ``"0-1"`` -> a CPU set for ``os.sched_setaffinity``."""
    cpus: set[int] = set()
    for part in filter(None, (p.strip() for p in text.split(","))):
        lo, _, hi = part.partition("-")
        try:
            first, last = int(lo), int(hi or lo)
        except ValueError:
            raise argparse.ArgumentTypeError(f"--cpus: {part!r} is not a CPU number or range (e.g. 1 or 0-1)") from None
        if first < 0 or last < first:
            raise argparse.ArgumentTypeError(f"--cpus: {part!r} is not a valid CPU range")
        cpus.update(range(first, last + 1))
    if not cpus:
        raise argparse.ArgumentTypeError("--cpus: no CPU given")
    return cpus


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="edge-device", description=__doc__.split("\n")[0])
    sub = parser.add_subparsers(dest="command", required=True)
    run = sub.add_parser("run", help="serve recommendations for the configured store")
    run.add_argument("--config", required=True, type=Path, help="device TOML file")
    run.add_argument("--dispatch", choices=("queue", "hybrid", "inline"), default="queue",
                     help="queue (default): every message on the worker thread; hybrid: a signal "
                          "that finds the device idle is handled on the connection's own thread, "
                          "anything else on the worker (~3-4 %% less CPU, p99 a little higher; a stuck "
                          "handler there is covered by the link's stall guard; over TLS: queue); "
                          "inline: always paho's network thread; see docs/edge-runtime.md")
    run.add_argument("--log-level", default="INFO")
    run.add_argument("--switch-interval-ms", type=float, default=GIL_SWITCH_INTERVAL_MS,
                     help="Python's thread switch interval in this process, in ms (0, the default: "
                          "Python's own 5 ms); see GIL_SWITCH_INTERVAL_MS")
    run.add_argument("--cpus", type=parse_cpus, default=None,
                     help="pin the whole device process (every thread) to these CPUs, e.g. 1 or 0-1 "
                          "(default: no pinning; systemd's CPUAffinity= does the same); "
                          "see docs/performance-log.md '(2026-12-02 (c)) affinity and GC'")
    run.add_argument("--gc-gen0", type=int, default=GC_GEN0_THRESHOLD,
                     help="the cyclic GC's generation-0 threshold (0, the default: Python's own 700; "
                          "50000 measured in docs/performance-log.md); see GC_GEN0_THRESHOLD")
    run.add_argument("--ack-stall-s", type=float, default=None,
                     help="/healthz fails (and the systemd watchdog restarts the device) once a QoS 1 "
                          "signal has waited this long for its broker ack (default: "
                          "edge.comms.mqtt.ACK_STALL_S, 120)")
    chk = sub.add_parser("check-bundle", help="verify hashes, run the golden smoke test, time inference")
    chk.add_argument("path", type=Path)
    chk.add_argument("--runs", type=int, default=1000, help="inferences to time")
    chk.add_argument("--trusted-key", type=Path, action="append", dest="trusted_keys",
                     help="Ed25519 public key (PEM) the bundle must be signed by (repeatable); "
                          "without it the signature is not checked")
    chk.add_argument("--tf-model", type=Path,
                     help="the trainer's SavedModel of this bundle's model (models/serving_tf beside "
                          "the bundle): time it under TensorFlow against the bundle's model under "
                          "LiteRT, interleaved (needs TensorFlow and cloud_trainer installed)")
    chk.add_argument("--rounds", type=int, default=5, help="interleaved rounds of --tf-model's comparison")
    args = parser.parse_args(argv)
    if args.command == "run":
        return _run(args)
    return _check_bundle(args)


def _keep_pandas_out() -> None:
    """The device never uses pandas, but sqlite-utils imports it whenever it is
    installed (it is on machines that also train): measured ~0.5 s of start-up
    and ~40 MB of RSS. Make ``import pandas`` fail in the device process only."""
    if "pandas" not in sys.modules:
        sys.modules["pandas"] = None  # type: ignore[assignment]


def _run(args: argparse.Namespace) -> int:
    if args.switch_interval_ms > 0:
        sys.setswitchinterval(args.switch_interval_ms / 1000.0)
    if args.gc_gen0 > 0:
        import gc

        gc.set_threshold(args.gc_gen0, *gc.get_threshold()[1:])
    if args.cpus is not None:
        # Before any thread exists: every thread the device starts inherits the mask.
        try:
            os.sched_setaffinity(0, args.cpus)
        except OSError as exc:
            print(f"--cpus {sorted(args.cpus)}: cannot pin the device there ({exc}); "
                  f"this machine allows {sorted(os.sched_getaffinity(0))}", file=sys.stderr)
            return 2
    _keep_pandas_out()
    logging.basicConfig(
        level=getattr(logging, str(args.log_level).upper(), logging.INFO),
        format="%(asctime)s %(levelname)s %(name)s: %(message)s",
    )
    from edge.app import Device
    from firmware_config.checks import runtime_errors
    from firmware_config.loader import ConfigError, load_config

    try:
        config = load_config(args.config)
    except ConfigError as exc:
        print(str(exc), file=sys.stderr)
        return 2
    # The same machine checks as 'firmware-config validate': a missing bundle,
    # an unwritable database or a TLS file that does not load stops the start
    # here, with the reasons, instead of half-way through it.
    problems = runtime_errors(config, args.config)
    if problems:
        print("\n".join(problems), file=sys.stderr)
        return 2
    # The composition root builds every part, the feedback loop included: it
    # moves a corrupt state DB aside before it is opened, installs the outbox
    # sink and runs the sender (edge/feedback).
    try:
        device = Device(config, dispatch=args.dispatch, feedback_runtime=True)
    except BundleError as exc:
        print(f"model required but refused: {exc}", file=sys.stderr)
        return 3

    from edge.observability.http import Watchdog, sd_notify, serve_device

    # /metrics, /healthz, /readyz on [metrics] (loopback by default), and systemd's
    # readiness and watchdog: a device whose worker dies or stalls stops the pings.
    endpoints = serve_device(device, config, ack_stall_s=args.ack_stall_s)
    stopping = threading.Event()

    def _stop(signum: int, frame: object) -> None:
        stopping.set()
        device.request_stop()

    signal.signal(signal.SIGTERM, _stop)
    signal.signal(signal.SIGINT, _stop)
    device.start()
    sd_notify("READY=1")
    watchdog = Watchdog(lambda: endpoints.healthz()[0]).start()
    try:
        while not stopping.wait(1.0):
            pass
    finally:
        sd_notify("STOPPING=1")
        watchdog.stop()
        device.stop()
        endpoints.stop()
    return 0


def _check_bundle(args: argparse.Namespace) -> int:
    from edge.bundle import load_bundle
    from edge.runtime.model import Scorer
    from edge.runtime.scorers import build_scorer

    try:
        bundle = load_bundle(args.path, verify=True, trusted_keys=args.trusted_keys)
        scorer = build_scorer(bundle, Scorer)  # what the manifest's scorer field says runs
    except BundleError as exc:
        print(f"REFUSED: {exc}", file=sys.stderr)
        return 1
    smoke = scorer.smoke_test()
    history = list(range(min(5, bundle.spec.num_items)))
    context = tuple(0 for _ in bundle.spec.context_fields)
    start = time.perf_counter()
    for _ in range(args.runs):
        scorer.score(history, context)
    per_us = (time.perf_counter() - start) / max(args.runs, 1) * 1e6
    report = {
        "path": str(bundle.path),
        "model_version": bundle.model_version,
        "signed_by": bundle.signed_by,
        "items": bundle.spec.num_items,
        "history_length": bundle.spec.history_length,
        "context_fields": [f.name for f in bundle.spec.context_fields],
        "golden_cases": smoke.cases,
        "golden_failures": smoke.failures,
        "inference_us_mean": round(per_us, 1),
        "model_bytes": bundle.model_path.stat().st_size,
    }
    if args.tf_model is not None:
        try:
            report["vs_tensorflow"] = _vs_tensorflow(bundle, args.tf_model, rounds=max(args.rounds, 1))
        except (OSError, RuntimeError, ValueError, BundleError) as exc:
            print(json.dumps(report, indent=1))
            print(f"--tf-model {args.tf_model}: cannot compare with TensorFlow: {exc}", file=sys.stderr)
            return 2
    print(json.dumps(report, indent=1))
    return 0 if smoke.ok else 1


def _vs_tensorflow(bundle, tf_model: Path, *, rounds: int, n: int = 200) -> dict:
    """The bundle's model under LiteRT (the device's :class:`Scorer`) against the same
    model's ``tf.function`` under TensorFlow, on the same inputs, interleaved round by
    round so a drifting machine load hits both alike (issue 11 asks >= 20x).

    The device never imports TensorFlow: the TensorFlow half runs in a child process
    (``python -m cloud_trainer.export time-serving``), which also returns its scores so
    the report can show it ran the bundle's model (top-10 overlap with the int8 file).
    """
    import subprocess
    import tempfile

    import numpy as np

    from edge.runtime.model import Scorer

    model = Scorer(bundle)  # the bundle's TFLite file alone, whatever scorer the manifest wraps round it
    spec = bundle.spec
    rng = np.random.default_rng(0)
    cases = [(list(c.history), spec.context_indices(c.context)) for c in bundle.golden][:n]
    while len(cases) < n:
        length = int(rng.integers(0, spec.history_length + 1))
        cases.append((rng.integers(0, spec.num_items, length).tolist(),
                      tuple(int(rng.integers(0, len(f.vocab))) for f in spec.context_fields)))
    history = np.full((n, spec.history_length), spec.history_pad, dtype=np.int32)
    for i, (hist, _) in enumerate(cases):
        spec.fill_history(history[i : i + 1], hist)
    context = np.array([ctx for _, ctx in cases], dtype=np.int32)
    with tempfile.TemporaryDirectory(prefix="check-bundle-tf-") as work:
        inputs, scores = Path(work) / "inputs.npz", Path(work) / "tf_scores.npy"
        np.savez(inputs, history=history, context=context)
        child = subprocess.Popen(
            [sys.executable, "-m", "cloud_trainer.export", "time-serving", str(tf_model), str(inputs), str(scores)],
            stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True)
        try:
            if child.stdout is None or child.stdin is None or child.stdout.readline().strip() != "ready":
                raise RuntimeError(f"the TensorFlow child exited with {child.wait()} (its stderr is above)")
            tf_scores = np.load(scores)
            lite_scores = np.stack([model.score(h, c) for h, c in cases])
            if tf_scores.shape != lite_scores.shape:
                raise ValueError(f"{tf_model} scores {tf_scores.shape[1]} items, the bundle "
                                 f"{lite_scores.shape[1]}: not this bundle's model")
            lite: list[tuple[float, float]] = []
            tf: list[tuple[float, float]] = []
            for _ in range(rounds):
                w0, c0 = time.perf_counter(), time.process_time()
                for h, c in cases:
                    model.score(h, c)
                lite.append(((time.perf_counter() - w0) / n * 1e6, (time.process_time() - c0) / n * 1e6))
                child.stdin.write("round\n")
                child.stdin.flush()
                answer = json.loads(child.stdout.readline())
                tf.append((answer["wall_us"], answer["cpu_us"]))
        finally:
            if child.stdin is not None:
                child.stdin.close()
            child.wait(timeout=30)
    lite_wall, lite_cpu = (float(np.median(x)) for x in zip(*lite, strict=True))
    tf_wall, tf_cpu = (float(np.median(x)) for x in zip(*tf, strict=True))
    k = 10
    overlap = np.mean([len(set(np.argsort(-a)[:k]) & set(np.argsort(-b)[:k])) / k
                       for a, b in zip(lite_scores, tf_scores, strict=True)])
    return {
        "inputs": n, "rounds": rounds,
        "tf_function_us": {"wall": round(tf_wall, 1), "cpu": round(tf_cpu, 1)},
        "litert_us": {"wall": round(lite_wall, 1), "cpu": round(lite_cpu, 1)},
        "speedup_wall": round(tf_wall / lite_wall, 1),
        "speedup_cpu": round(tf_cpu / lite_cpu, 1),
        # int8 LiteRT vs float TensorFlow: the same model agrees on most of the top 10.
        "top10_overlap": round(float(overlap), 3),
        "max_abs_diff": round(float(np.abs(lite_scores - tf_scores).max()), 4),
        "load_avg_1m": round(os.getloadavg()[0], 2),
    }


if __name__ == "__main__":
    sys.exit(main())
