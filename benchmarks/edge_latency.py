"""Signal-to-screen latency of the store device, through a real Mosquitto.

    .venv/bin/python -m benchmarks.edge_latency --rate 1000 --seconds 10

What it does, in one process plus two children (broker, device):

1. starts a private Mosquitto on a free port and the device as a subprocess
   (``edge-device run --config <generated demo-store config>``) on the real
   bundle (``--bundle``, default ``out/train/bundle``; trained first if missing);
2. ``startup_s``: from just before the device process is spawned to the first
   recommendation received from it;
3. ``echo_rtt_us``: a bare MQTT round trip through the same broker in the same
   run (one client publishes, another receives), paced at the same rate: the
   floor no device design can beat;
4. drives location signals at ``--rate`` for ``--seconds``, each with a unique
   ``signal_id``, shoppers walking the demo store's zones (a third of them
   known loyalty members), and matches recommendations by ``cause.signal_id``;
   ``reco_latency_us`` is from publishing a signal to receiving the first
   recommendation it caused;
5. reads the device's memory from ``/proc/PID/status`` (VmRSS now, VmHWM
   peak) and its per-stage timings from its final status message;
6. with ``--scrape-hz H`` a child process scrapes the device's ``/metrics`` at
   H per second during every other ``--scrape-block`` seconds of the run, so
   the same run measures the hot path with and without a Prometheus scraper
   (``scrape.reco_latency_us_on`` / ``_off``: signals sent while it scraped or
   not; interleaved blocks, because this machine's load drifts too much for
   two separate runs to compare).

Human-readable results go to stderr; the last stdout line is one JSON object.
"""

from __future__ import annotations

import argparse
import contextlib
import json
import multiprocessing as mp
import os
import queue
import random
import select
import shutil
import signal
import subprocess
import sys
import tempfile
import time
import urllib.request
from collections import Counter
from pathlib import Path

import numpy as np
import paho.mqtt.client as mqtt
from paho.mqtt.enums import CallbackAPIVersion

from benchmarks import real_traffic
from benchmarks.device_setup import (
    DEFAULT_BUNDLE,
    REPO,
    add_device_knobs,
    cpu_by_thread,
    device_knob_args,
    device_knobs_report,
    ensure_bundle,
    proc_cpu_s,
    say,
    thread_cpu_s,
    thread_names,
)
from benchmarks.run_cpu import RunCpu, say_split, sched_by_thread, thread_sched_s
from deploy.browser import wait_http
from deploy.devicecfg import edge_device_cmd, local_device_config
from deploy.local_broker import MosquittoBroker, free_port
from edge.cli import parse_cpus
from edge.comms import lean_paho
from edge.comms.lean_paho import LeanClient
from edge.comms.mqtt import no_delay as edge_no_delay
from edge.comms.topics import TopicTree


def no_delay(client: mqtt.Client) -> None:
    """TCP_NODELAY on a client's socket, as the device sets it (unless --nagle)."""
    if not NAGLE:
        edge_no_delay(client)


NAGLE = False


RUN_ECHO_EVERY = 20
"""During the measured run every 20th signal is followed by a bare echo through the
same broker (50/s at 1,000/s): the per-second table shows whether a slow second
was slow for a message that never touched the device too (the broker or the
benchmark's own processes were starved), or for the device alone."""


def say_timeline(sent_at: list[float], answered_at: dict[int, float], rate: float,
                 run_echo: dict[int, tuple[float, float]] | None = None,
                 lag: list[float] | None = None) -> list[dict]:
    """Latency per second of the run, to tell a warm-up or a stall from steady
    state, beside the in-run echo's round trip and the sender's own lateness in
    the same second (``lag``: how far behind its schedule a send went out, so a
    starved load generator shows). Returns the rows for the JSON (``per_second``)."""
    per_s = max(int(rate), 1)
    rows = []
    for start in range(0, len(sent_at), per_s):
        stop = min(start + per_s, len(sent_at))
        lat = [(answered_at[i] - sent_at[i]) * 1e6 for i in range(start, stop) if i in answered_at]
        if not lat:
            continue
        row = {"second": start // per_s, "answered": len(lat), "p50_us": round(float(np.percentile(lat, 50))),
               "p99_us": round(float(np.percentile(lat, 99))), "max_us": round(max(lat))}
        echo = [(t - s0) * 1e6 for i, (s0, t) in (run_echo or {}).items() if start <= i < stop]
        row["echo_p99_us"] = round(float(np.percentile(echo, 99))) if echo else None
        row["echo_max_us"] = round(max(echo)) if echo else None
        row["send_lag_max_us"] = round(max(lag[start:stop]) * 1e6) if lag else None
        rows.append(row)
        say(f"  second {row['second']:3d}: p50 {row['p50_us']:8d} us  p99 {row['p99_us']:8d} us  "
            f"max {row['max_us']:8d} us  answered {len(lat):5d} | echo p99 {row['echo_p99_us']} "
            f"max {row['echo_max_us']} us | send lag max {row['send_lag_max_us']} us")
    return rows


def proc_memory_mb(pid: int) -> dict[str, float]:
    out = {}
    try:
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            key, _, rest = line.partition(":")
            if key in ("VmRSS", "VmHWM"):
                out[key] = round(int(rest.split()[0]) / 1024, 1)
    except OSError:
        pass
    return out


def percentiles(values_s: list[float]) -> dict[str, float]:
    if not values_s:
        return {"p50": None, "p99": None}  # type: ignore[dict-item]
    arr = np.asarray(values_s) * 1e6
    return {"p50": round(float(np.percentile(arr, 50)), 1),
            "p99": round(float(np.percentile(arr, 99)), 1)}


HARNESS_CLIENT = "lean"
"""The MQTT client of the load generator, the receiver and the echo (``--harness-client``):
``lean`` is the device's own :class:`~edge.comms.lean_paho.LeanClient` (buffered reads,
PUBLISH decoded without paho's per-message objects, batched writes), ``paho`` the
stock client the benchmark used before (kept for A/B). The echo always goes through
the same two clients as the signals, so p50/echo compares like with like."""


def _harness_client(kind: str, client_id: str) -> mqtt.Client:
    cls = LeanClient if kind == "lean" else mqtt.Client
    return cls(CallbackAPIVersion.VERSION2, client_id=client_id, protocol=mqtt.MQTTv5)


def receiver_main(host: str, port: int, subscriptions: list[tuple[str, int]], ready, stop, out,
                  armed=None, client_kind: str | None = None, flush=None) -> None:
    """Child process: record every arrival with ``perf_counter`` (system-wide
    CLOCK_MONOTONIC on Linux, so comparable with the parent's send times).

    A separate process, so the publisher's pacing never delays the moment an
    arrival is stamped (one Python process would share one GIL between them).
    Each arrival costs one tuple ``(time, topic, payload)`` (the lean client hands
    the topic and payload over as bytes, without an ``MQTTMessage``); payloads are
    decoded only after the run, so the receiver's CPU during it stays small.

    ``flush`` (an Event, optional): each time the parent sets it, the arrivals
    since the last flush are sent as ``("records", [...])`` (the sweep judges each
    step before it raises the rate); the rest goes when ``stop`` is set.
    """
    kind = client_kind or HARNESS_CLIENT
    records: list[tuple[float, bytes | str, bytes]] = []
    append = records.append
    clock = time.perf_counter
    first = [False]

    def arrived(t: float, topic: bytes | str) -> None:
        # Armed by the parent just before it spawns the measured device (the
        # history-seeding run before it publishes recommendations too).
        name = topic.decode() if isinstance(topic, bytes) else topic
        if name.endswith("/recommendations") and (armed is None or armed.is_set()):
            first[0] = True
            out.put(("first", t))

    def on_raw(topic: bytes, payload: bytes, props, qos, retain, mid) -> None:
        t = clock()
        append((t, topic, payload))
        if not first[0]:
            arrived(t, topic)

    def on_message(client, userdata, msg) -> None:
        t = clock()
        append((t, msg.topic, msg.payload))
        if not first[0]:
            arrived(t, msg.topic)

    client = _harness_client(kind, f"bench-rx-{os.getpid()}")

    def on_connect(c, u, f, rc, p) -> None:
        no_delay(c)
        c.subscribe(subscriptions)

    client.on_connect = on_connect
    client.on_subscribe = lambda *a: ready.set()
    if kind == "lean":
        client.on_publish_raw = on_raw
    else:
        client.on_message = on_message
    client.connect(host, port, keepalive=60)
    done = 0
    if kind == "lean":
        # One thread: wait for the socket, read, answer PUBACKs at once (a client
        # without a network thread writes them in the callback's wake), look at
        # stop/flush between reads. paho's network thread costs a socket-pair
        # wake-up and a second pass through its loop per PUBACK (receiver alone,
        # QoS 1 arrivals, interleaved at load 5-6: 63-87 -> 47-77 us per message
        # at 1,000/s, 62-70 -> 40-44 at 3,000/s).
        sock = client.socket()
        wake = client._sockpairR  # noqa: SLF001 (paho writes a byte here per queued packet)
        next_check = 0.0
        while True:
            ready_r, _, _ = select.select([sock], [], [], 0.05)
            if ready_r:
                client.loop_read()
                if client.want_write():
                    client.loop_write()
            now = clock()
            if now < next_check:
                continue
            next_check = now + 0.05
            client.loop_misc()  # keepalive
            if wake is not None:
                with contextlib.suppress(BlockingIOError):
                    wake.recv(65536)
            if stop.is_set():
                break
            if flush is not None and flush.is_set():
                flush.clear()
                upto = len(records)
                out.put(("records", compact_records(records[done:upto])))
                done = upto
        end = clock() + 0.05
        while clock() < end:  # what is still in flight
            if select.select([sock], [], [], 0.01)[0]:
                client.loop_read()
        client.disconnect()
    else:
        client.loop_start()
        if flush is None:
            stop.wait()
        else:
            while not stop.is_set():
                if flush.wait(0.1):
                    flush.clear()
                    upto = len(records)  # the network thread only appends
                    out.put(("records", compact_records(records[done:upto])))
                    done = upto
        time.sleep(0.05)
        client.disconnect()
        client.loop_stop()
    out.put(("records", compact_records(records[done:])))


def compact_records(records: list[tuple[float, bytes | str, bytes]]) -> list[tuple[float, str, str]]:
    """Arrivals as ``(time, kind, id)``: kind ``echo`` (id: its payload), ``reco`` (id:
    the ``cause.signal_id`` it answers) or ``status`` (id: the whole payload)."""
    compact = []
    for t, topic, payload in records:
        name = topic.decode() if isinstance(topic, bytes) else topic
        if name == "bench/echo":
            compact.append((t, "echo", payload.decode()))
        elif name.endswith("/recommendations"):
            cause = json.loads(payload).get("cause") or {}
            compact.append((t, "reco", cause.get("signal_id", "")))
        else:
            compact.append((t, "status", payload.decode(errors="replace")))
    return compact


def publish_packet(topic: str, payload: bytes) -> bytes:
    """One whole MQTT 5 QoS 0 PUBLISH without properties: the bytes paho writes for
    ``publish(topic, payload, qos=0)`` (built by the device's own
    :func:`edge.comms.lean_paho.publish_packet`). Encoded before the run, sending a
    signal is then one ``send`` (tests/test_bench_harness.py checks a broker delivers them)."""
    return lean_paho.publish_packet(lean_paho.topic_head(topic.encode()), payload)


class Publisher:
    """A client without a network thread: a publish is written to the socket at
    once, so the recorded send time is the time the bytes left.

    On the lean client, signals go as PUBLISH packets encoded before the run
    (:meth:`encode`, :func:`publish_packet`) written straight to the client's socket
    (:meth:`send`): one ``send`` per signal instead of paho's ``publish`` (its
    message info, locks, queue and socket-pair wake-up), which cost the load
    generator as much CPU as its pacing. The connection, its keepalive and anything
    paho has to write itself stay paho's. With ``paho`` every publish is paho's."""

    def __init__(self, host: str, port: int, name: str, client_kind: str | None = None,
                 inflight: int | None = None) -> None:
        self.kind = client_kind or HARNESS_CLIENT
        self.client = _harness_client(self.kind, name)
        if inflight is not None:  # QoS 1 messages unacknowledged at once (0: no limit)
            self.client.max_inflight_messages_set(inflight)
        self.client.connect(host, port, keepalive=60)
        for _ in range(50):
            self.client.loop(timeout=0.05)
            if self.client.is_connected():
                break
        no_delay(self.client)
        self.raw = self.kind == "lean"

    def encode(self, topic: str, payload: bytes) -> bytes | tuple[str, bytes]:
        """What :meth:`send` takes: the packet (lean) or (topic, payload) (paho)."""
        return publish_packet(topic, payload) if self.raw else (topic, payload)

    def send(self, encoded: bytes | tuple[str, bytes]) -> None:
        if not self.raw:
            self.client.publish(encoded[0], encoded[1], qos=0)
            return
        client = self.client
        sock = client.socket()
        while client._out_packet:  # noqa: SLF001 (paho's own bytes, e.g. a PINGREQ, go first, in order)
            client.loop_write()
            if client._out_packet:  # noqa: SLF001
                select.select([], [sock], [], 1.0)
        view = memoryview(encoded)  # type: ignore[arg-type]
        while view:
            try:
                view = view[sock.send(view):]
            except BlockingIOError:  # the broker is not reading: wait, as a real sender would
                select.select([], [sock], [], 1.0)

    def publish(self, topic: str, payload: bytes) -> None:
        self.send(self.encode(topic, payload))

    def service(self) -> None:
        self.client.loop(timeout=0)  # read acks/pings so the connection stays healthy

    def close(self) -> None:
        self.client.disconnect()


def paced(rate: float, count: int, send, service) -> float:
    """Call ``send(i)`` ``count`` times at ``rate`` per second; returns the achieved rate.

    Sleeps (never spins) between sends so the benchmark leaves the CPU to the
    device and the broker on a small machine."""
    start = time.perf_counter()
    interval = 1.0 / rate
    for i in range(count):
        delay = start + i * interval - time.perf_counter()
        if delay > 0:
            time.sleep(delay)
        send(i)
        if i % 200 == 0:
            service()
    return count / max(time.perf_counter() - start, 1e-9)


def location_payloads(zones: list[str], neighbours: dict[str, list[str]], count: int,
                      shoppers: int = 300, seed: int = 1) -> list[bytes]:
    """Signals of ``shoppers`` people walking the store: each enters a neighbouring zone."""
    rng = random.Random(seed)
    where = {s: rng.choice(zones) for s in range(shoppers)}
    out = []
    for i in range(count):
        s = rng.randrange(shoppers)
        nxt = neighbours.get(where[s]) or zones
        where[s] = rng.choice(nxt)
        shopper = {"loyalty_id": f"bench-{s}"} if s % 3 == 0 else {"track_id": f"bt-{s}"}
        out.append(json.dumps({
            "v": 1, "signal_id": f"b{i}", "ts": 0.0, "shopper": shopper,
            "zone": where[s], "action": "enter",
        }).encode())
    return out


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--rate", type=float, default=1000.0, help="location signals per second")
    ap.add_argument("--seconds", type=float, default=10.0)
    ap.add_argument("--bundle", type=Path, default=DEFAULT_BUNDLE)
    ap.add_argument("--no-model", action="store_true", help="benchmark the popularity fallback")
    ap.add_argument("--dispatch", choices=("queue", "hybrid", "inline"), default="queue",
                    help="the device's --dispatch (its default: queue)")
    ap.add_argument("--switch-interval-ms", type=float, default=0.0,
                    help="passed to the device (edge-device run --switch-interval-ms): Python's "
                         "thread switch interval in its process (0: Python's default, 5 ms)")
    add_device_knobs(ap)
    ap.add_argument("--broker-cpus", default=None,
                    help="pin the benchmark's Mosquitto to these CPUs, e.g. 0 (default: no pinning)")
    ap.add_argument("--echo-seconds", type=float, default=3.0)
    ap.add_argument("--grace", type=float, default=3.0, help="seconds to wait for late answers")
    ap.add_argument("--no-feedback", action="store_true",
                    help="run the device with feedback capture disabled (to isolate its cost)")
    ap.add_argument("--nagle", action="store_true",
                    help="leave Nagle's algorithm on in the broker and the benchmark clients "
                         "(the device always disables it) to see what it costs")
    ap.add_argument("--keep", action="store_true", help="keep the work directory (logs, db)")
    ap.add_argument("--harness-client", choices=("lean", "paho"), default="lean",
                    help="MQTT client of the load generator, receiver and echo: the device's lean "
                         "client (default) or stock paho (the A/B reference for the harness's own CPU)")
    ap.add_argument("--scrape-hz", type=float, default=0.0,
                    help="scrape the device's /metrics at this rate in every other block (0: never)")
    ap.add_argument("--scrape-block", type=float, default=2.0, help="seconds per scrape on/off block")
    ap.add_argument("--traffic", choices=("real", "synthetic"), default="real",
                    help="real: Complete Journey households replayed (members with their purchase "
                         "history, walking, picking up, paying) ; synthetic: 300 history-less shoppers "
                         "walking zones (the old, cache-friendly stream)")
    ap.add_argument("--data-dir", type=Path, default=real_traffic.DATA_DIR)
    ap.add_argument("--sweep", action="store_true",
                    help="raise the rate until p99 > --sweep-p99-ms or signals go unanswered; "
                         "prints {max_rate, p99_at_max_us, cpu_us_per_signal, ...} last")
    ap.add_argument("--sweep-p99-ms", type=float, default=10.0)
    ap.add_argument("--sweep-rates", default="500,1000,1500,2000,2500,3000,3500,4000,5000,6000",
                    help="comma-separated rates the sweep tries in order")
    ap.add_argument("--sweep-seconds", type=float, default=4.0, help="seconds per sweep step")
    ap.add_argument("--sweep-retries", type=int, default=1,
                    help=f"repeat a failed step (with new signals) up to this many times when processes "
                         f"outside the run kept more than {OTHERS_BUSY_CORES} cores busy during it (every "
                         f"attempt is kept in the steps)")
    ap.add_argument("--sweep-all", action="store_true",
                    help="run every --sweep-rates step even after one failed (shows the degradation)")
    ap.add_argument("--py-spy", type=Path, default=None, metavar="OUT",
                    help="profile the device with py-spy during the measured signals: OUT.svg is a "
                         "flame graph, OUT.txt collapsed stacks (sum them by frame to rank the stages)")
    ap.add_argument("--py-spy-gil", action="store_true",
                    help="with --py-spy: sample only the thread holding the GIL (py-spy --gil), so the "
                         "profile splits the device's one GIL between its threads")
    ap.add_argument("--perf", type=Path, default=None, metavar="OUT",
                    help="record the device with Linux perf (call graphs, kernel included) during the "
                         "measured signals into OUT (perf.data), and OUT.threads.json: thread id -> name "
                         "(read with: perf report -i OUT --sort tid,dso)")
    args = ap.parse_args(argv)
    global NAGLE, HARNESS_CLIENT
    NAGLE = args.nagle
    HARNESS_CLIENT = args.harness_client

    bundle = None if args.no_model else args.bundle
    if bundle is not None:
        ensure_bundle(bundle)
    work = Path(tempfile.mkdtemp(prefix="edge-bench-"))
    broker = MosquittoBroker(workdir=work / "broker", persistence=False,
                             tcp_nodelay=not args.nagle).start()
    if args.broker_cpus:
        os.sched_setaffinity(broker.pid, parse_cpus(args.broker_cpus))
    device = None
    rx_proc = None
    mpctx = mp.get_context("fork")  # forked before any MQTT thread exists in this process
    ready, stop, out, armed = mpctx.Event(), mpctx.Event(), mpctx.Queue(), mpctx.Event()
    metrics_port = free_port()
    metrics_url = f"http://127.0.0.1:{metrics_port}/metrics"
    scraper = None
    scrape_t0 = mpctx.Value("d", 0.0)
    scrape_out = mpctx.Queue()
    try:
        config = local_device_config(
            work / "device.toml", port=broker.port, bundle=bundle, db_path=work / "state.db",
            device_id="bench-edge",
            overrides={**({"feedback": {"enabled": False}} if args.no_feedback else {}),
                       "metrics": {"device_port": metrics_port}})
        tree = TopicTree(config.store_id, config.device_id, config.broker.topic_prefix)
        zones = [z.id for z in config.zones]
        neighbours = {z.id: list(z.neighbours) for z in config.zones}

        rates = [float(r) for r in args.sweep_rates.split(",")] if args.sweep else [args.rate]
        block_s = args.sweep_seconds if args.sweep else args.seconds
        counts = [int(r * block_s) for r in rates]
        count = sum(counts)
        if args.sweep:  # signals for the steps a busy machine makes the sweep repeat
            count += args.sweep_retries * max(counts)
        traffic = None
        if args.traffic == "real":
            t_build = time.perf_counter()
            traffic = real_traffic.build(config, count, bundle=bundle, data_dir=args.data_dir)
            say(f"real traffic: {len(traffic.signals)} signals built in {time.perf_counter() - t_build:.1f} s")

        subs = [(tree.recommendations(), 1), (tree.status, 1), ("bench/echo", 0)]
        flush = mpctx.Event()
        rx_proc = mpctx.Process(target=receiver_main, args=(broker.host, broker.port, subs, ready, stop, out, armed,
                                                            args.harness_client, flush if args.sweep else None),
                                daemon=True)
        rx_proc.start()
        if not ready.wait(10):
            raise SystemExit("benchmark receiver could not subscribe")

        cmd = edge_device_cmd()
        cmd += ["run", "--config", str(work / "device.toml"), "--dispatch", args.dispatch,
                "--log-level", "WARNING", "--switch-interval-ms", str(args.switch_interval_ms),
                *device_knob_args(args)]
        log = (work / "device.log").open("wb")
        if traffic is not None:
            seed_s = seed_history(work, broker, bundle, metrics_port, traffic.warmup, args.dispatch, log)
            say(f"real traffic: {traffic.members} loyalty members of the training window "
                f"{traffic.window[0]} .. {traffic.window[1]} got their history as "
                f"{len(traffic.warmup)} POS purchases in {seed_s:.1f} s (a previous device run)")
        armed.set()
        t_spawn = time.perf_counter()
        device = subprocess.Popen(cmd, stdout=log, stderr=subprocess.STDOUT, cwd=REPO)
        try:
            kind, t_first = out.get(timeout=60)
        except queue.Empty:
            raise SystemExit(f"device sent no recommendation in 60 s; see {work / 'device.log'}") from None
        startup_s = t_first - t_spawn
        say(f"device pid {device.pid}: first recommendation after {startup_s:.3f} s")
        time.sleep(1.0)  # let the retained start-up burst and the subscriptions settle
        mem_idle = proc_memory_mb(device.pid)

        pub = Publisher(broker.host, broker.port, "bench-tx", args.harness_client)
        if traffic is not None:
            topics, payloads, must_answer = encode_real(traffic.signals, args.rate)
            if len(payloads) < count:
                raise SystemExit(f"the data gave {len(payloads)} signals, {count} needed")
        else:
            payloads = location_payloads(zones, neighbours, count)
            topics = [tree.location] * count
            must_answer = set(range(count))
        # Everything the load generator sends, encoded before the clock starts.
        wire = [pub.encode(t, p) for t, p in zip(topics, payloads, strict=False)]
        run_echo_wire = {i: pub.encode("bench/echo", f"r{i}".encode()) for i in range(0, count, RUN_ECHO_EVERY)}

        # 1. The floor: a bare round trip through the same broker, paced the same way,
        # sent by the same client and the same code path as the signals.
        n_echo = max(int(args.rate * args.echo_seconds), 100)
        echo_sent = [0.0] * n_echo
        echo_wire = [pub.encode("bench/echo", str(i).encode()) for i in range(n_echo)]

        def send_echo(i: int) -> None:
            echo_sent[i] = time.perf_counter()
            pub.send(echo_wire[i])

        paced(args.rate, n_echo, send_echo, pub.service)
        time.sleep(0.5)

        run_cpu = run_processes(device, broker, rx_proc)
        if args.sweep:
            return run_sweep(args, device, pub, stop, flush, out, rx_proc, rates, counts, wire, run_echo_wire,
                             must_answer, echo_sent, metrics_url, run_cpu)

        # 2. The signals to the device.
        sent_at = [0.0] * count
        before = scrape_metrics(metrics_url)
        names = thread_names(device.pid)  # before the window: py-spy pauses the device briefly
        threads0 = thread_cpu_s(device.pid)
        cpu0 = proc_cpu_s(device.pid)
        split0 = run_cpu.sample()
        sched0 = thread_sched_s(device.pid)
        t0 = time.perf_counter()
        if args.scrape_hz > 0:
            scrape_t0.value = t0
            scraper = mpctx.Process(target=scraper_main, daemon=True, args=(
                f"http://127.0.0.1:{metrics_port}/metrics", args.scrape_hz, args.scrape_block, scrape_t0,
                stop, scrape_out))
            scraper.start()

        profiler = None
        if args.py_spy is not None:
            fmt = "raw" if args.py_spy.suffix == ".txt" else "flamegraph"
            profiler = subprocess.Popen(
                [str(Path(sys.executable).with_name("py-spy")), "record", "--pid", str(device.pid),
                 "--rate", "250", "--nonblocking", "--threads", "--format", fmt, "--output", str(args.py_spy.resolve()),
                 "--duration", str(max(int(args.seconds), 1)), *(["--gil"] if args.py_spy_gil else [])],
                stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        perf = None
        if args.perf is not None:
            Path(f"{args.perf}.threads.json").write_text(json.dumps(names))
            perf = subprocess.Popen(
                ["perf", "record", "-g", "-F", "999", "-p", str(device.pid), "-o", str(args.perf.resolve()),
                 "--", "sleep", str(max(int(args.seconds), 1))],
                stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)

        run_echo_sent: dict[int, float] = {}
        lag = [0.0] * count
        interval = 1.0 / args.rate

        def send(i: int) -> None:
            sent_at[i] = now = time.perf_counter()
            lag[i] = now - (t_send + i * interval)
            pub.send(wire[i])
            if i % RUN_ECHO_EVERY == 0:
                run_echo_sent[i] = time.perf_counter()
                pub.send(run_echo_wire[i])

        t_send = time.perf_counter()
        achieved = paced(args.rate, count, send, pub.service)
        split_sent = run_cpu.sample()
        device_threads = sched_by_thread(sched0, thread_sched_s(device.pid), names,
                                         split_sent["_wall"] - split0["_wall"])
        cpu_pct = round(100 * (proc_cpu_s(device.pid) - cpu0) / (time.perf_counter() - t0), 1)
        mem = proc_memory_mb(device.pid)
        say(f"sent {count} signals at {achieved:.0f}/s; waiting {args.grace}s for late answers")
        time.sleep(args.grace)
        cpu_window_s = proc_cpu_s(device.pid) - cpu0
        cpu_split = run_cpu.split(split0, run_cpu.sample(), count, busy_until=split_sent)
        by_thread = cpu_by_thread(threads0, thread_cpu_s(device.pid), names, count)
        after = scrape_metrics(metrics_url)
        if profiler is not None:
            profiler.wait(timeout=30)
            say(f"py-spy profile written to {args.py_spy}")
        if perf is not None:
            perf.wait(timeout=60)
            say(f"perf profile written to {args.perf}")
        pub.close()

        # Stop the device cleanly: its last status carries its per-stage timings.
        device.send_signal(signal.SIGTERM)
        device.wait(timeout=15)
        time.sleep(0.3)
        stop.set()
        kind, records = out.get(timeout=60)
        rx_proc.join(timeout=10)

        echo = [t - echo_sent[int(i)] for t, k, i in records if k == "echo" and not i.startswith("r")]
        run_echo = {int(i[1:]): (run_echo_sent[int(i[1:])], t) for t, k, i in records
                    if k == "echo" and i.startswith("r")}
        answered_at: dict[int, float] = {}
        for t, k, sid in records:
            if k == "reco" and sid.startswith("b"):
                i = int(sid[1:])
                if i not in answered_at or t < answered_at[i]:
                    answered_at[i] = t
        latencies = [answered_at[i] - sent_at[i] for i in answered_at]
        answered_required = sum(1 for i in must_answer if i in answered_at)
        per_second = say_timeline(sent_at, answered_at, args.rate, run_echo, lag)
        scrape = None
        if scraper is not None:
            ok, failed, scrape_ms, scrape_cpu_s = scrape_out.get(timeout=30)
            on = [answered_at[i] - sent_at[i] for i in answered_at
                  if int((sent_at[i] - t0) / args.scrape_block) % 2 == 1]
            off = [answered_at[i] - sent_at[i] for i in answered_at
                   if int((sent_at[i] - t0) / args.scrape_block) % 2 == 0]
            on_p, off_p = percentiles(on), percentiles(off)
            scrape = {"hz": args.scrape_hz, "block_s": args.scrape_block, "scrapes": ok, "failed": failed,
                      "scrape_ms_p50": round(float(np.percentile(scrape_ms, 50)), 2) if scrape_ms else None,
                      # CPU the device spent rendering each scrape (its own thread time):
                      # what a scrape takes from the hot path at most, free of the load's noise.
                      "scrape_cpu_ms_mean": round(scrape_cpu_s / ok * 1000, 3) if ok else None,
                      "reco_latency_us_on": on_p, "reco_latency_us_off": off_p,
                      "ratio_p50": _ratio(on_p["p50"], off_p["p50"]),
                      "ratio_p99": _ratio(on_p["p99"], off_p["p99"])}
        stages: dict = {}
        cache = None
        inference_us = None
        inference: dict | None = None
        for _, k, body in records:
            if k == "status":
                status = json.loads(body)
                if status.get("state") == "offline":
                    stages = status.get("detail", {}).get("stage_us_mean", {})
                    cache = status.get("detail", {}).get("score_cache")
                    inference_us = status.get("detail", {}).get("inference_us_mean")
                    # The scorer's mean split: LiteRT wall vs sampled thread CPU (cold caches,
                    # preemption) beside what the bundle's scorer adds around the model.
                    inference = status.get("detail", {}).get("inference")

        window = metrics_delta(before, after)
        if window.get("stage_us_mean"):
            stages = window["stage_us_mean"]  # the measured window only (no warm-up, no echo)
        echo_p = percentiles(echo)
        reco_p = percentiles(latencies)
        result = {
            "rate": args.rate,
            "traffic": args.traffic,
            "sent": count,
            # Signals that must cause a recommendation (location, display interaction;
            # an inventory or till signal changes screens only sometimes) and how many did.
            "expected_answers": len(must_answer),
            "answered": answered_required,
            "answered_any": len(answered_at),
            "signals_by_kind": dict(sorted(Counter(t.rsplit("/", 1)[-1] for t in topics).items())),
            "model_runs": window.get("misses"),
            "model_run_share": _ratio(window.get("misses"), count),
            "cpu_us_per_signal": round(cpu_window_s / count * 1e6, 1),
            # The same window by thread (names from py-spy): how much of it is the
            # worker's handling and how much the MQTT threads and the log writer.
            "cpu_us_per_signal_by_thread": by_thread,
            # Every process of the run over the same window (device, Mosquitto, this
            # load generator, the receiver) and the cores each kept busy while sending:
            # how the machine's cores were split, and how much of it was the harness.
            "cpu_by_process": cpu_split,
            # Each device thread while sending: cores on a CPU and cores' worth of time
            # runnable but waiting for one (starved by the other processes, not blocked).
            "device_threads": device_threads,
            "harness_client": args.harness_client,
            # Signals the device handled in the window (its admission may coalesce a
            # shopper's queued positions when it falls behind): CPU per signal handled
            # is the cost figure that does not flatter a device that shed work.
            "handled": window.get("handled"),
            "coalesced_or_shed": (count - window["handled"]) if window.get("handled") is not None else None,
            "cpu_us_per_handled": (round(cpu_window_s / window["handled"] * 1e6, 1)
                                   if window.get("handled") else None),
            "echo_rtt_us": echo_p,
            "echo_in_run_us": percentiles([t - s0 for s0, t in run_echo.values()]),
            "reco_latency_us": reco_p,
            "rss_mb": mem.get("VmRSS"),
            "startup_s": round(startup_s, 3),
            "rss_peak_mb": mem.get("VmHWM"),
            "rss_idle_mb": mem_idle.get("VmRSS"),
            "achieved_rate": round(achieved, 1),
            "ratio_p50": _ratio(reco_p["p50"], echo_p["p50"]),
            "ratio_p99": _ratio(reco_p["p99"], echo_p["p99"]),
            "device_cpu_pct": cpu_pct,
            "dispatch": args.dispatch,
            "switch_interval_ms": args.switch_interval_ms,
            **device_knobs_report(args),
            "broker_cpus": args.broker_cpus,
            "feedback": not args.no_feedback,
            "tcp_nodelay": not args.nagle,
            "strategy": "popularity" if bundle is None else "model",
            "device_stage_us_mean": stages,
            "score_cache": ({"hits": window["hits"], "misses": window["misses"]} if "hits" in window
                            else cache),
            "score_cache_since_start": cache,
            "inference_us_mean": inference_us,
            "inference": inference,
            "load_avg_1m": round(os.getloadavg()[0], 2),
            "scrape": scrape,
            "per_second": per_second,
        }
        say(
            f"answered {result['answered']}/{len(must_answer)} (any: {len(answered_at)}/{count}); "
            f"model runs {result['model_runs']} ({result['model_run_share']} per signal); "
            f"CPU {result['cpu_us_per_signal']} us/signal; reco p50 {reco_p['p50']} us p99 {reco_p['p99']} us; "
            f"echo p50 {echo_p['p50']} us p99 {echo_p['p99']} us; ratio p50 {result['ratio_p50']}x; "
            f"RSS {result['rss_mb']} MB (peak {result['rss_peak_mb']}); startup {result['startup_s']} s; "
            f"device CPU {cpu_pct}% of one core; machine load {result['load_avg_1m']}"
        )
        say(f"device per-signal stage means (us): {stages}")
        say(f"device CPU per signal by thread (us): {by_thread}")
        say(say_split("per process", cpu_split))
        say("device threads (cores on a CPU / waiting for one / wake-ups per signal): "
            + ", ".join(f"{k} {v['cpu_cores']}/{v['runq_wait_cores']}/{v['runs_per_s'] / args.rate:.2f}"
                        for k, v in device_threads.items()))
        print(json.dumps(result))
        return 0
    finally:
        stop.set()
        if device is not None and device.poll() is None:
            device.kill()
            device.wait()
        if rx_proc is not None and rx_proc.is_alive():
            rx_proc.terminate()
        broker.cleanup()
        if not args.keep:
            shutil.rmtree(work, ignore_errors=True)
        else:
            say(f"work directory kept: {work}")


def scraper_main(url: str, hz: float, block_s: float, t0, stop, out) -> None:
    """Child process: GET ``url`` at ``hz`` during odd blocks since ``t0`` (perf_counter)."""
    import urllib.request

    ok = failed = 0
    took: list[float] = []
    cpu_s = 0.0
    while not stop.is_set():
        now = time.perf_counter()
        block = int((now - t0.value) / block_s)
        if block % 2 == 0:  # an "off" block: wait for the next one
            stop.wait(max(t0.value + (block + 1) * block_s - now, 0.001))
            continue
        a = time.perf_counter()
        try:
            with urllib.request.urlopen(url, timeout=2) as resp:
                body = resp.read()
            ok += 1
            for line in body.splitlines():
                if line.startswith(b"metrics_scrape_cpu_seconds_total "):
                    cpu_s = float(line.split()[1])
            took.append((time.perf_counter() - a) * 1000)
        except OSError:
            failed += 1
        stop.wait(1.0 / hz)
    out.put((ok, failed, took, cpu_s))


def run_processes(device: subprocess.Popen, broker: MosquittoBroker, rx_proc) -> RunCpu:
    """Every process of the run, for :class:`~benchmarks.run_cpu.RunCpu`: the device,
    Mosquitto, this process (the load generator: pacing, publishing, the echo) and
    the receiver child (stamping arrivals)."""
    pids = {"device": device.pid, "load_generator": os.getpid(), "receiver": rx_proc.pid}
    if broker.pid is not None:
        pids["broker"] = broker.pid
    return RunCpu(pids)


OTHERS_BUSY_CORES = 0.3
"""A failed sweep step is repeated (``--sweep-retries``) when processes outside the run
kept more than this many cores busy during it: the targets are for a quiet machine,
and this shared one is rarely quiet for a whole sweep."""


def run_sweep(args, device, pub, stop, flush, out, rx_proc, rates, counts, wire, run_echo_wire, must_answer,
              echo_sent, metrics_url, run_cpu: RunCpu) -> int:
    """The issue's ceiling: raise the rate step by step (one device, one traffic
    stream; each step is followed by ``--grace`` seconds to drain) until a step
    fails, i.e. a signal that must be answered got no answer within the step and
    its grace, p99 > ``--sweep-p99-ms``, or the load generator could not send at
    95 % of the rate. The ceiling is the last rate that passed before the first
    that failed; ``--sweep-all`` runs the remaining rates anyway (to show how it
    degrades; the ceiling is the same). A step failed while other processes were
    busy is repeated (``--sweep-retries``); the rate passes if its last attempt did.

    Each step carries what limits it: the CPU per signal and cores of every process
    (device, broker, load generator, receiver, other processes, idle), the device's
    threads, a bare echo every ``RUN_ECHO_EVERY`` signals through the same broker
    (a slow echo is the broker or the harness, not the device), the sender's lag and
    the signals the device handled."""
    sent_at = [0.0] * len(wire)
    answered_at: dict[int, float] = {}
    echo_arrivals: list[tuple[float, str]] = []
    run_echo_sent: dict[int, float] = {}

    def collect() -> None:
        flush.set()
        _, records = out.get(timeout=120)
        absorb_records(records, answered_at, echo_arrivals)

    collect()  # the echo reference sent before the steps
    echo = percentiles([t - echo_sent[int(i)] for t, i in echo_arrivals if not i.startswith("r")])
    names = thread_names(device.pid)  # once, before the steps: py-spy pauses the device briefly
    steps: list[dict] = []
    verdicts: list[tuple[float, dict]] = []  # (rate, its last attempt)
    offset = 0
    for rate, n in zip(rates, counts, strict=True):
        for attempt in range(args.sweep_retries + 1):
            if offset + n > len(wire):
                break
            step = sweep_step(args, device, pub, rate, n, offset, wire, run_echo_wire, sent_at, run_echo_sent,
                              names, metrics_url, run_cpu)
            collect()
            step["attempt"] = attempt + 1
            steps.append(judge_step(args, step, range(offset, offset + n), sent_at, answered_at, must_answer,
                                    run_echo_sent, echo_arrivals))
            offset += n
            others = step["cpu_by_process"]["cores"]["other_processes"]
            if step["ok"] or others <= OTHERS_BUSY_CORES:
                break
            if attempt < args.sweep_retries:
                say(f"  step {rate:.0f}/s failed while other processes kept {others} cores busy: repeating it")
        verdicts.append((rate, steps[-1]))
        if not steps[-1]["ok"] and not args.sweep_all:
            break
    pub.close()
    device.send_signal(signal.SIGTERM)
    device.wait(timeout=15)
    time.sleep(0.3)
    stop.set()
    _, records = out.get(timeout=120)
    rx_proc.join(timeout=10)
    absorb_records(records, answered_at, echo_arrivals)
    # The ceiling: the last rate that passed before the first that did not.
    best = None
    for _, step in verdicts:
        if not step["ok"]:
            break
        best = step
    failed = next((st for _, st in verdicts if not st["ok"]), None)
    print(json.dumps({"traffic": args.traffic, "harness_client": args.harness_client, "echo_rtt_us": echo,
                      "steps": steps, "load_avg_1m": round(os.getloadavg()[0], 2)}))
    answered_all = [st["rate"] for _, st in verdicts if st["answered"] == st["expected_answers"]]
    print(json.dumps({"max_rate": best["rate"] if best else 0,
                      "p99_at_max_us": best["reco_latency_us"]["p99"] if best else None,
                      # the device's CPU per signal at the ceiling (no step passed: at the first step)
                      "cpu_us_per_signal": (best or steps[0])["cpu_us_per_signal"] if steps else None,
                      "cpu_us_per_signal_by_process": (best or steps[0])["cpu_by_process"]["us_per_signal"]
                      if steps else None,
                      "max_rate_all_answered": max(answered_all) if answered_all else 0,
                      "first_failed": ({"rate": failed["rate"], "why": failed["why"], "signs": failed["signs"]}
                                       if failed else None),
                      "cpu_bound_rate_at_max": (best or steps[0])["cpu_bound_rate"] if steps else None,
                      "echo_p50_us": echo["p50"], "harness_client": args.harness_client,
                      **device_knobs_report(args), "broker_cpus": args.broker_cpus,
                      "load_avg_1m": round(os.getloadavg()[0], 2)}))
    return 0


def absorb_records(records: list[tuple[float, str, str]], answered_at: dict[int, float],
                   echo_arrivals: list[tuple[float, str]]) -> None:
    """The receiver's compact records into first-answer times by signal index and echo arrivals."""
    for t, k, sid in records:
        if k == "reco" and sid.startswith("b"):
            i = int(sid[1:])
            if i not in answered_at or t < answered_at[i]:
                answered_at[i] = t
        elif k == "echo":
            echo_arrivals.append((t, sid))


def sweep_step(args, device, pub, rate: float, n: int, lo: int, wire, run_echo_wire, sent_at: list[float],
               run_echo_sent: dict[int, float], names: dict[str, str], metrics_url: str,
               run_cpu: RunCpu) -> dict:
    """Send signals ``lo`` .. ``lo + n`` at ``rate`` (with the in-run echo), wait the grace,
    and measure the window: CPU per process and per device thread, the device's counters."""
    interval = 1.0 / rate
    pace = [0.0, 0.0]  # when the step started sending, the sender's largest lag

    def send(i: int) -> None:
        sent_at[lo + i] = now = time.perf_counter()
        late = now - (pace[0] + i * interval)
        if late > pace[1]:
            pace[1] = late
        pub.send(wire[lo + i])
        if (lo + i) % RUN_ECHO_EVERY == 0:
            run_echo_sent[lo + i] = time.perf_counter()
            pub.send(run_echo_wire[lo + i])

    before = scrape_metrics(metrics_url)
    cpu0 = proc_cpu_s(device.pid)
    threads0 = thread_cpu_s(device.pid)
    sched0 = thread_sched_s(device.pid)
    split0 = run_cpu.sample()
    pace[0] = time.perf_counter()
    achieved = paced(rate, n, send, pub.service)
    split_sent = run_cpu.sample()
    sched_sent = thread_sched_s(device.pid)
    time.sleep(args.grace)
    cpu = proc_cpu_s(device.pid) - cpu0
    split = run_cpu.split(split0, run_cpu.sample(), n, busy_until=split_sent)
    by_thread = cpu_by_thread(threads0, thread_cpu_s(device.pid), names, n)
    # while sending: each device thread's cores on a CPU and waiting for one
    threads = sched_by_thread(sched0, sched_sent, names, split_sent["_wall"] - split0["_wall"])
    window = metrics_delta(before, scrape_metrics(metrics_url))
    return {"rate": rate, "n": n, "achieved_rate": round(achieved, 1),
            "send_lag_max_us": round(pace[1] * 1e6),
            "cpu_us_per_signal": round(cpu / n * 1e6, 1), "model_runs": window.get("misses"),
            "handled": window.get("handled"), "cpu_by_process": split,
            "device_cpu_us_per_signal_by_thread": by_thread, "device_threads": threads,
            "load_avg_1m": round(os.getloadavg()[0], 2)}


def judge_step(args, step: dict, idx: range, sent_at: list[float], answered_at: dict[int, float],
               must_answer: set[int], run_echo_sent: dict[int, float],
               echo_arrivals: list[tuple[float, str]]) -> dict:
    """Latency, answers and pass/fail of one sweep step, and the signs of what limited it."""
    lat = [answered_at[i] - sent_at[i] for i in idx if i in answered_at]
    need = [i for i in idx if i in must_answer]
    step["expected_answers"] = len(need)
    step["answered"] = sum(1 for i in need if i in answered_at)
    step["reco_latency_us"] = percentiles(lat)
    step["reco_latency_us"]["max"] = round(max(lat) * 1e6) if lat else None
    echo = [t - run_echo_sent[int(i[1:])] for t, i in echo_arrivals
            if i.startswith("r") and int(i[1:]) in idx]
    step["echo_in_step_us"] = percentiles(echo)
    p99 = step["reco_latency_us"]["p99"]
    limit_us = args.sweep_p99_ms * 1000
    why = []
    if step["answered"] < len(need):
        why.append(f"unanswered {len(need) - step['answered']}/{len(need)}")
    if p99 is None or p99 > limit_us:
        why.append(f"p99 {p99} us > {limit_us:.0f}")
    if step["achieved_rate"] < 0.95 * step["rate"]:
        why.append(f"sent at {step['achieved_rate']}/s < 95% of the rate")
    step["ok"] = not why
    step["why"] = why
    # Facts that point at the limit, not a verdict: a device thread at a whole core
    # (the GIL-bound worker cannot go faster), every core of the machine busy, a
    # bare echo as slow as the signals (the broker or the harness was starved), the
    # device handling fewer signals than were sent (it coalesced or shed).
    cores = step["cpu_by_process"]["cores"]
    signs = [f"device thread '{k}' at {v['cpu_cores']} cores" for k, v in step["device_threads"].items()
             if v["cpu_cores"] >= 0.85]
    signs += [f"device thread '{k}' waited {v['runq_wait_cores']} cores for a CPU"
              for k, v in step["device_threads"].items() if v["runq_wait_cores"] >= 0.2]
    if cores.get("idle", 2.0) < 0.2:
        signs.append(f"machine busy (idle {cores['idle']} cores; other processes {cores.get('other_processes')})")
    echo_p99 = step["echo_in_step_us"]["p99"]
    if echo_p99 is not None and echo_p99 > limit_us / 2:
        signs.append(f"echo p99 {echo_p99} us (broker or harness slow too)")
    if step.get("handled") is not None and step["handled"] < 0.99 * step["n"]:
        signs.append(f"device handled {step['handled']}/{step['n']} (coalesced or shed)")
    if step["send_lag_max_us"] > limit_us:
        signs.append(f"sender lagged {step['send_lag_max_us']} us")
    step["signs"] = signs
    # Upper bounds from CPU alone at this step's cost per signal: the device's threads
    # share one GIL (most of their CPU is Python holding it), so its process cannot
    # use much more than one core; and every process of the run shares the machine.
    per = step["cpu_by_process"]["us_per_signal"]
    step["cpu_bound_rate"] = {
        "device_one_core": round(1e6 / per["device"]) if per.get("device") else None,
        "all_processes_all_cores": round((os.cpu_count() or 1) * 1e6 / per["all"]) if per.get("all") else None}
    say(f"  step {step['rate']:.0f}/s: answered {step['answered']}/{len(need)}, p50 "
        f"{step['reco_latency_us']['p50']} us, p99 {p99} us, echo p99 {echo_p99} us, device CPU "
        f"{step['cpu_us_per_signal']} us/signal, load {step['load_avg_1m']} -> "
        f"{'ok' if step['ok'] else 'FAIL: ' + '; '.join(why)}" + (f" | {'; '.join(signs)}" if signs else ""))
    say(say_split(f"  step {step['rate']:.0f}/s per process", step["cpu_by_process"]))
    say(f"  step {step['rate']:.0f}/s device threads (cores on a CPU / waiting for one / wake-ups per signal): "
        + ", ".join(f"{k} {v['cpu_cores']}/{v['runq_wait_cores']}/{v.get('runs_per_s', 0) / step['rate']:.2f}"
                    for k, v in step["device_threads"].items()))
    return step


def scrape_metrics(url: str) -> dict[str, float]:
    """The device's /metrics as {"name{labels}": value} (empty if it cannot be read)."""
    out: dict[str, float] = {}
    try:
        with urllib.request.urlopen(url, timeout=5) as resp:
            text = resp.read().decode()
    except OSError:
        return out
    for line in text.splitlines():
        if line and not line.startswith("#"):
            name, _, value = line.rpartition(" ")
            try:
                out[name] = float(value)
            except ValueError:
                continue
    return out


def metrics_delta(before: dict[str, float], after: dict[str, float]) -> dict:
    """Score cache hits/misses and per-signal stage means over the measured window."""
    if not before or not after:
        return {}

    def d(name: str) -> float:
        return after.get(name, 0.0) - before.get(name, 0.0)

    handled = d("edge_signals_handled_total")
    stages = {}
    for name in after:
        if name.startswith('edge_stage_seconds_total{stage="'):
            stage = name.split('"')[1]
            stages[stage] = round(d(name) / max(handled, 1) * 1e6, 1)
    return {"hits": int(d("edge_score_cache_hits")), "misses": int(d("edge_score_cache_misses")),
            "handled": int(handled), "stage_us_mean": stages}


def seed_history(work: Path, broker: MosquittoBroker, bundle: Path | None, metrics_port: int,
                 warmup: list[tuple[str, dict]], dispatch: str, log, rate: float = 1000.0,
                 timeout_s: float = 300.0) -> float:
    """Give the loyalty members their purchase history the way a device gets it: their
    earlier baskets paid at the till (POS purchases with their loyalty id), in an
    earlier run of the device on the same database.

    That run uses a 10 s session TTL and ends once every visit has expired, so the
    measured run starts like a new day: members' history is in ``shopper_history``
    (seeded into their session when they arrive), nobody is in the store, and
    nothing they bought then is hidden as "bought this visit"."""
    t0 = time.perf_counter()
    local_device_config(
        work / "seed.toml", port=broker.port, bundle=bundle, db_path=work / "state.db",
        device_id="bench-edge", overrides={"metrics": {"device_port": metrics_port},
                                           "policy": {"session_ttl_s": 10}})
    url = f"http://127.0.0.1:{metrics_port}/metrics"
    proc = subprocess.Popen([*edge_device_cmd(), "run", "--config", str(work / "seed.toml"),
                             "--dispatch", dispatch, "--log-level", "WARNING"],
                            stdout=log, stderr=subprocess.STDOUT, cwd=REPO)
    try:
        # Ready, not merely answering: the device serves /metrics before it connects,
        # and this broker holds no session of it yet, so purchases sent before its
        # subscriptions were acknowledged reached nobody (the first 13-529 of them
        # were lost that way, and the wait below then ran into its timeout: the
        # "seeding stall", docs/performance-log.md). /readyz waits for the SUBACKs.
        try:
            wait_http(f"http://127.0.0.1:{metrics_port}/readyz", timeout=60, proc=proc)
        except (TimeoutError, RuntimeError) as exc:
            raise SystemExit(f"the history-seeding device run did not start ({exc}); see device.log") from exc
        # No in-flight window: paho's default of 20 unacknowledged QoS 1 messages, with
        # acks read only between sends, made seeding 4,000 purchases take ~100 s.
        pub = Publisher(broker.host, broker.port, "bench-seed", inflight=0)
        base = scrape_metrics(url).get("edge_signals_handled_total", 0.0)
        payloads = [json.dumps({"v": 1, "signal_id": f"h{i}", "ts": round(time.time(), 3), **p}).encode()
                    for i, (_, p) in enumerate(warmup)]
        topics = [t for t, _ in warmup]
        paced(rate, len(payloads), lambda i: pub.client.publish(topics[i], payloads[i], qos=1), pub.service)
        deadline = time.monotonic() + timeout_s
        done = 0.0
        while time.monotonic() < deadline:
            m = scrape_metrics(url)
            done = m.get("edge_signals_handled_total", 0.0) - base
            if done >= len(payloads) and m.get("edge_sessions", 1.0) == 0.0:
                break
            until = time.monotonic() + 0.5
            while time.monotonic() < until:
                pub.client.loop(timeout=0.05)  # read the device's acks as they come
        else:
            say(f"warning: history seeding: {done:.0f} of {len(payloads)} purchases handled, "
                f"sessions not all expired")
        pub.close()
    finally:
        proc.send_signal(signal.SIGTERM)
        try:
            proc.wait(timeout=30)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()
    return time.perf_counter() - t0


def encode_real(signals: list[tuple[str, dict]], rate: float) -> tuple[list[str], list[bytes], set[int]]:
    """Topics, payloads (signal_id ``b<i>``, ts = planned send time) and the indices
    of signals that must cause a recommendation."""
    start = time.time() + 2.0
    topics, payloads, must = [], [], set()
    for i, (topic, body) in enumerate(signals):
        topics.append(topic)
        payloads.append(json.dumps({"v": 1, "signal_id": f"b{i}", "ts": round(start + i / rate, 3),
                                    **body}).encode())
        kind = topic.rsplit("/", 1)[-1]
        if kind == "location" or kind == "interaction":
            must.add(i)
    return topics, payloads, must


def _ratio(a: float | None, b: float | None) -> float | None:
    return round(a / b, 2) if a and b else None


if __name__ == "__main__":
    os.environ.setdefault("PYTHONUNBUFFERED", "1")
    sys.exit(main())
