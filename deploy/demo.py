"""``make demo``: the store end to end on real data, in about a minute.

    python -m deploy.demo --data-dir ../shared/data --out out [--seconds 60] [--keep-running]

1. trains a bundle with ``cloud-trainer`` unless ``OUT/train/bundle`` exists
   (one model fit, ``--train-seeds 1``, so a newcomer waits about a minute,
   not several; ``cloud-trainer train`` keeps 3 seeds for the honest report);
2. starts a private Mosquitto broker on a free port;
3. starts the device (``edge-device run``) on the demo store config, and
   ``edge-signage`` beside it, printing each display's page URL (open one in a
   browser with ``--keep-running`` and watch the screen change);
4. replays Complete Journey shoppers through the store with the simulator;
5. shows each display's live recommendations in the terminal;
6. ends with a summary: signals handled, signal-to-screen latency
   percentiles, recommendations per display, dead letters.

Everything it writes goes under ``OUT/demo`` (config, device log, state DB).
"""

from __future__ import annotations

import argparse
import json
import os
import signal
import socket
import subprocess
import sys
import threading
import time
from collections import Counter
from pathlib import Path

import numpy as np

from deploy.browser import signage_cmd, wait_http
from deploy.devicecfg import edge_device_cmd, local_device_config
from deploy.local_broker import MosquittoBroker, free_port
from edge.comms.mqtt import new_client, start
from edge.comms.topics import TopicTree
from edge.simulator import StoreSimulator

REPO = Path(__file__).resolve().parents[1]


def say(msg: str) -> None:
    print(msg, flush=True)


def ensure_bundle(data_dir: Path, out: Path, seeds: int = 1) -> Path:
    bundle = out / "train" / "bundle"
    if (bundle / "manifest.json").exists():
        say(f"using the trained bundle in {bundle}")
        return bundle
    exe = Path(sys.executable).with_name("cloud-trainer")
    cmd = [str(exe) if exe.exists() else "cloud-trainer", "train", "--dataset", "completejourney",
           "--data-dir", str(data_dir / "completejourney"), "--out", str(out / "train"),
           "--seeds", str(seeds)]
    # Why one seed: the demo shows the store working, not the model's spread
    # over seeds; three fits triple the wait before the first screen changes.
    say(f"no bundle yet: training one with {seeds} model fit(s) for the demo "
        f"(`cloud-trainer train` defaults to 3 seeds for the report): {' '.join(cmd)}")
    subprocess.run(cmd, check=True, cwd=REPO)
    if not (bundle / "manifest.json").exists():
        raise SystemExit(f"training finished but {bundle}/manifest.json is missing")
    return bundle


class Monitor:
    """Watches the displays, the device status and the dead letters."""

    def __init__(self, broker: MosquittoBroker, tree: TopicTree) -> None:
        self.tree = tree
        self.lock = threading.Lock()
        self.latest: dict[str, dict] = {}
        self.per_display: Counter = Counter()
        self.sent_at: dict[str, float] = {}
        self.latency: list[float] = []
        self.deadletters: list[dict] = []
        self.status: dict = {}
        self.first = threading.Event()
        self.pages_url = ""
        ready = threading.Event()
        self.client = new_client("demo-monitor", reconnect_s=None, on_connect=lambda c, *a: c.subscribe(
            [(tree.recommendations(), 1), (tree.status, 1), (tree.deadletter, 0)]))
        self.client.on_subscribe = lambda *a: ready.set()
        self.client.on_message = self._on_message
        start(self.client, broker.host, broker.port, keepalive=30, blocking=True)
        ready.wait(10)

    def _on_message(self, client, userdata, msg) -> None:
        now = time.perf_counter()
        body = json.loads(msg.payload)
        with self.lock:
            if msg.topic.endswith("/recommendations"):
                self.first.set()
                self.latest[body["display_id"]] = body
                self.per_display[body["display_id"]] += 1
                sid = (body.get("cause") or {}).get("signal_id")
                sent = self.sent_at.pop(sid, None) if sid else None
                if sent is not None:
                    self.latency.append(now - sent)
            elif msg.topic == self.tree.status:
                self.status = body
            else:
                self.deadletters.append(body)

    def sent(self, signal_id: str) -> None:
        with self.lock:
            self.sent_at[signal_id] = time.perf_counter()

    def render(self, elapsed: float, total: float | None, visits: int) -> str:
        with self.lock:
            lines = [f"store demo  t={elapsed:5.1f}s" + (f"/{total:.0f}s" if total else "")
                     + f"  shoppers so far: {visits}  recommendations: {sum(self.per_display.values())}"
                     + f"  dead letters: {len(self.deadletters)}",
                     f"screens: {self.pages_url}" if self.pages_url else "", ""]
            for display, rec in sorted(self.latest.items()):
                cause = (rec.get("cause") or {}).get("topic", "start-up").rsplit("/", 1)[-1]
                who = rec.get("shopper") or "nobody in front"
                lines.append(f"{display:<20} {rec['strategy']:<10} for {who:<14} after {cause}")
                for item in rec["items"][:4]:
                    lines.append(f"    {item['position']}. {item['name'][:38]:<38} {item['price']:>6.2f}  "
                                 f"{item['reason']}")
            return "\n".join(lines)

    def close(self) -> None:
        self.client.disconnect()
        self.client.loop_stop()


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(prog="python -m deploy.demo", description=__doc__.split("\n")[0])
    ap.add_argument("--data-dir", type=Path, default=Path("../shared/data"))
    ap.add_argument("--out", type=Path, default=Path("out"))
    ap.add_argument("--seconds", type=float, default=60.0, help="how long the simulated store runs")
    ap.add_argument("--arrivals", type=float, default=1.5, help="shoppers arriving per second")
    ap.add_argument("--keep-running", action="store_true", help="run until Ctrl-C")
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("--train-seeds", type=int, default=1,
                    help="model fits when the demo has to train a bundle (default 1: quick; "
                         "cloud-trainer train itself defaults to 3)")
    ap.add_argument("--signage-port", type=int, default=8090,
                    help="port of the display pages (a free one if it is taken)")
    args = ap.parse_args(argv)

    out = args.out.resolve()
    data_dir = args.data_dir.resolve()
    bundle = ensure_bundle(data_dir, out, args.train_seeds)
    work = out / "demo"
    work.mkdir(parents=True, exist_ok=True)
    for old in work.glob("edge-state.db*"):
        old.unlink()  # a fresh store every demo
    # MosquittoBroker turns Nagle's algorithm off, as on a store broker tuned for screens.
    broker = MosquittoBroker(workdir=work / "broker", persistence=False).start()
    device = None
    signage = None
    monitor = None
    stop = threading.Event()
    signal.signal(signal.SIGINT, lambda *a: stop.set())
    try:
        port = args.signage_port if _port_free(args.signage_port) else free_port()
        # No screen is guaranteed to show the pages in a demo: impressions are
        # recorded at publish time (proof_of_play off), so the summary stays comparable.
        config = local_device_config(work / "device.toml", port=broker.port, bundle=bundle,
                                     db_path=work / "edge-state.db",
                                     overrides={"signage": {"port": port, "proof_of_play": False}})
        tree = TopicTree(config.store_id, config.device_id, config.broker.topic_prefix)
        monitor = Monitor(broker, tree)
        say(f"broker on 127.0.0.1:{broker.port}; starting the device (log: {work / 'device.log'})")
        cmd = edge_device_cmd()
        t_spawn = time.perf_counter()
        device = subprocess.Popen([*cmd, "run", "--config", str(work / "device.toml")],
                                  stdout=(work / "device.log").open("wb"), stderr=subprocess.STDOUT,
                                  cwd=REPO)
        if not monitor.first.wait(60):
            raise SystemExit(f"the device published nothing in 60 s; see {work / 'device.log'}")
        startup = time.perf_counter() - t_spawn
        say(f"device up: first recommendation {startup:.2f}s after start")
        signage = subprocess.Popen(signage_cmd(work / "device.toml"), cwd=REPO,
                                   stdout=(work / "signage.log").open("wb"), stderr=subprocess.STDOUT)
        base = f"http://127.0.0.1:{port}"
        wait_http(base + "/healthz", proc=signage)
        monitor.pages_url = base + "/"
        say(f"edge-signage up (log: {work / 'signage.log'}); open a display page in a browser:")
        for d in config.displays:
            say(f"    {d.id:<20} {base}/display/{d.id}" + ("   (shelf strip)" if d.kind == "shelf" else ""))

        duration = 10**9 if args.keep_running else args.seconds
        sim = StoreSimulator(config, data_dir / "completejourney", seed=args.seed,
                             arrivals_per_s=args.arrivals)
        pub = new_client("demo-simulator", reconnect_s=None)
        start(pub, broker.host, broker.port, keepalive=30, blocking=True)

        def publish(topic: str, body: bytes, qos: int) -> None:
            monitor.sent(json.loads(body)["signal_id"])
            pub.publish(topic, body, qos=qos)

        horizon = min(duration, 3600.0)  # events are generated ahead; loop for --keep-running
        runner = threading.Thread(
            target=lambda: _run_sim(sim, publish, horizon, stop, args.keep_running), daemon=True)
        t0 = time.monotonic()
        runner.start()
        interactive = sys.stdout.isatty()
        while runner.is_alive() and not stop.is_set():
            time.sleep(0.5 if interactive else 5.0)
            screen = monitor.render(time.monotonic() - t0, None if args.keep_running else args.seconds,
                                    sim.stats.visits)
            print(("\033[2J\033[H" if interactive else "\n") + screen, flush=True)
        stop.set()
        runner.join(timeout=5)
        time.sleep(1.0)  # the last answers
        pub.disconnect()
        pub.loop_stop()

        signage.terminate()
        signage.wait(timeout=10)
        device.send_signal(signal.SIGTERM)
        device.wait(timeout=20)
        time.sleep(0.3)
        print(summary(monitor, sim, startup))
        return 0
    finally:
        for proc in (signage, device):
            if proc is not None and proc.poll() is None:
                proc.kill()
                proc.wait()
        if monitor is not None:
            monitor.close()
        broker.cleanup()


def _port_free(port: int) -> bool:
    with socket.socket() as sock:
        try:
            sock.bind(("127.0.0.1", port))
        except OSError:
            return False
        return True


def _run_sim(sim: StoreSimulator, publish, horizon: float, stop: threading.Event, forever: bool) -> None:
    while not stop.is_set():
        sim.run(publish, horizon, stop=stop.is_set)
        if not forever:
            return


def summary(monitor: Monitor, sim: StoreSimulator, startup: float) -> str:
    detail = monitor.status.get("detail", {})
    lat = np.asarray(monitor.latency) * 1000 if monitor.latency else np.zeros(0)
    pct = (lambda q: f"{np.percentile(lat, q):.2f} ms") if len(lat) else (lambda q: "n/a")
    lines = [
        "",
        "==== demo summary ====",
        f"visits replayed:           {sim.stats.visits} real Complete Journey baskets",
        f"signals sent:              {dict(sim.stats.published)}",
        f"signals handled by device: {detail.get('received', {})} (rejected {detail.get('rejected_total', 0)}, "
        f"errors {detail.get('errors', 0)})",
        f"shelves emptied/restocked: {sim.stats.out_of_stock}/{sim.stats.restocks}",
        f"start to first screen:     {startup:.2f} s",
        f"signal -> screen latency:  p50 {pct(50)}  p90 {pct(90)}  p99 {pct(99)}  (n={len(lat)})",
        f"device stage means (us):   {detail.get('stage_us_mean', {})}",
        "recommendations per display:",
    ]
    for display, n in sorted(monitor.per_display.items()):
        lines.append(f"    {display:<22} {n}")
    if monitor.deadletters:
        lines.append(f"dead letters: {len(monitor.deadletters)}, e.g. {monitor.deadletters[0].get('reason')}")
    return "\n".join(lines)


if __name__ == "__main__":
    os.environ.setdefault("PYTHONUNBUFFERED", "1")
    sys.exit(main())
