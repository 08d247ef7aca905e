"""``make console-demo``: the fleet console in a browser with a simulated fleet.

    .venv/bin/python -m deploy.console_demo [--port 8088] [--devices 24] [--seconds 0]

Starts a private Mosquitto, a real `fleet serve` with the console, a registry
of two signed (placeholder-model) bundles with training reports, a feedback
warehouse with synthetic results for both versions, and ``--devices``
simulated devices in 4 stores publishing statuses every 5 s (few MQTT
connections for many device ids; no model runs). The simulated devices follow
their desired state like a device's OTA does (probation, then active), so a
rollout started from the page completes; one device goes offline after 20 s.
Prints the URL and the logins, then runs until Ctrl-C (or ``--seconds``).
"""

from __future__ import annotations

import argparse
import json
import os
import secrets
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

from paho.mqtt.client import Client

from deploy.browser import wait_http
from deploy.console_seed import SimulatedFleet, publisher, seed_feedback
from deploy.local_broker import MosquittoBroker, free_port
from deploy.process import stop_process
from edge.bundle import ContextField, FeatureSpec, GoldenCase, Item, generate_keypair, write_bundle
from edge.comms.mqtt import new_client, start
from edge.comms.topics import TopicTree, parse_desired

REPO = Path(__file__).resolve().parents[1]
V1, V2 = "cj-2026-11-20", "cj-2026-12-01"


def _bundle(out: Path, key: Path, version: str, created: str, recall: float) -> Path:
    items = [Item(item_id=f"P{i}", name=f"Product {i}", category="C", department="PRODUCE", price=1.0,
                  price_band=0, popularity=0.0) for i in range(8)]
    spec = FeatureSpec(num_items=8, history_length=2, history_pad=8, context_fields=[ContextField("d", ["<unk>"])],
                       input_tensors={"history": "h", "context": "c"}, output_tensor="s")
    write_bundle(out / "bundle", model_bytes=os.urandom(200_000), items=items, spec=spec,
                 golden=[GoldenCase(history=[0], context={}, expected_topk=[0])], model_version=version,
                 dataset_fingerprint="demo", metrics={}, golden_k=1, make_tarball=False, signing_key=key)
    (out / "report.json").write_text(json.dumps({
        "dataset": "completejourney (demo figures)", "created_at": created,
        "metrics": {"model_int8": {"recall@20": recall, "ndcg@20": recall * 0.55},
                    "popularity": {"recall@20": 0.0627, "ndcg@20": 0.031}},
        "bundle": {"model_version": version}}))
    return out / "bundle"


def follow_desired(port: int, fleet: SimulatedFleet, prefix: str = "store") -> Client:
    """Like a device's OTA: a desired version goes to probation after 2 s, active 3 s later."""
    pub = new_client("console-demo-ota-pub", reconnect_s=None, nodelay=False)
    start(pub, "127.0.0.1", port, keepalive=30, blocking=True)

    def report(dev: str) -> None:
        topic, payload = fleet.status(dev)
        pub.publish(topic, payload, qos=1, retain=True)

    def step(dev: str, version: str, rollout: str | None, state: str) -> None:
        if dev in fleet.offline:
            return
        with fleet.lock:
            if state == "probation":
                fleet.previous[dev], fleet.version[dev] = fleet.version[dev], version
            fleet.ota[dev] = {"state": state, "version": version, "rollout_id": rollout}
        report(dev)

    def on_message(c, userdata, msg) -> None:  # type: ignore[no-untyped-def]
        try:
            desired = parse_desired(msg.topic, msg.payload)
        except ValueError:
            return
        dev = msg.topic.split("/")[-2]
        if desired is None or dev not in fleet.store or fleet.version.get(dev) == desired.model_version:
            return
        args = (dev, desired.model_version, desired.rollout_id)
        threading.Timer(2.0, step, args=(*args, "probation")).start()
        threading.Timer(5.0, step, args=(*args, "active")).start()

    client = new_client("console-demo-ota", reconnect_s=None, nodelay=False,
                        on_connect=lambda c, *a: c.subscribe(TopicTree("+", "+", prefix).desired, qos=1))
    client.on_message = on_message
    start(client, "127.0.0.1", port, keepalive=30, blocking=True)
    return client


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(prog="python -m deploy.console_demo", description=__doc__.split("\n")[0])
    ap.add_argument("--port", type=int, default=8088)
    ap.add_argument("--devices", type=int, default=24)
    ap.add_argument("--seconds", type=float, default=0, help="stop after this long (0: until Ctrl-C)")
    args = ap.parse_args(argv)
    work = Path(tempfile.mkdtemp(prefix="console-demo-"))
    broker = MosquittoBroker(workdir=work / "broker")
    broker.start()
    env = {**os.environ, "PYTHONPATH": str(REPO)}
    stop = threading.Event()
    serve = None
    offline_timer: threading.Timer | None = None
    try:
        generate_keypair(work / "keys")
        fleet = SimulatedFleet(args.devices, 4, (V1, V2))
        for d in fleet.ids:  # every demo device on the older model first
            fleet.version[d] = V1
        tokens = {d: secrets.token_urlsafe(24) for d in fleet.ids}
        (work / "device-tokens.toml").write_text("".join(f'"{d}" = "{t}"\n' for d, t in tokens.items()))
        wh = f"sqlite:///{work / 'feedback.db'}"
        seed_feedback(wh, [(V1, 0.04, 0.02), (V2, 0.06, 0.026)], impressions=6000, stores=4, devices_per_store=3)
        cfg = work / "fleet.toml"
        listen = f"127.0.0.1:{args.port or free_port()}"
        cfg.write_text("\n".join([
            'storage = "sqlite:///fleet.db"', f'listen = "{listen}"',
            'artifact_dir = "artifacts"', f'trusted_keys = ["{work / "keys" / "signing.pub"}"]',
            f'operator_token = "{secrets.token_urlsafe(24)}"', 'device_tokens_file = "device-tokens.toml"',
            "[broker]", 'host = "127.0.0.1"', f"port = {broker.port}", "keepalive_s = 10",
            "[console]", f'warehouse = "{wh}"', ""]))
        for version, created, recall in ((V1, "2026-11-20T09:00:00+00:00", 0.0780),
                                         (V2, "2026-12-01T09:00:00+00:00", 0.0812)):
            bundle = _bundle(work / version, work / "keys" / "signing.key", version, created, recall)
            done = subprocess.run([sys.executable, "-m", "fleet.cli", "publish", str(bundle), "--config", str(cfg)],
                                  capture_output=True, text=True, env=env, cwd=REPO)
            if done.returncode:
                raise RuntimeError(done.stderr)
        logins = {"operator": secrets.token_urlsafe(9), "viewer": secrets.token_urlsafe(9)}
        for role, password in logins.items():
            subprocess.run([sys.executable, "-m", "fleet.cli", "users", "add", role, "--role", role, "--config",
                            str(cfg)], input=password + "\n", text=True, check=True, capture_output=True,
                           env=env, cwd=REPO)
        serve = subprocess.Popen([sys.executable, "-m", "fleet.cli", "serve", "--config", str(cfg),
                                  "--log-level", "warning"], env=env, cwd=REPO)
        url = f"http://{listen}"
        try:
            wait_http(url + "/healthz", timeout=30, proc=serve)
        except (RuntimeError, TimeoutError):
            raise RuntimeError("fleet serve did not start") from None
        follow_desired(broker.port, fleet)
        shares = [fleet.ids[i::2] for i in range(2)]
        for share in shares:
            threading.Thread(target=publisher, args=(broker.port, fleet, share, 5.0, stop, [0]), daemon=True).start()
        print(f"\nFleet console: {url}/console/\n  operator login: operator / {logins['operator']}\n"
              f"  viewer login:   viewer / {logins['viewer']}\n"
              f"({args.devices} simulated devices in 4 stores, models {V1} and {V2}; files in {work})\n"
              "Ctrl-C to stop.", flush=True)

        def go_offline() -> None:
            dev = fleet.ids[-1]
            fleet.offline.add(dev)
            topic, payload = fleet.offline_status(dev)
            c = new_client("console-demo-will", reconnect_s=None, nodelay=False)
            start(c, "127.0.0.1", broker.port, keepalive=60, blocking=True)
            c.publish(topic, payload, qos=1, retain=True).wait_for_publish(5)
            c.loop_stop()

        offline_timer = threading.Timer(20.0, go_offline)
        offline_timer.start()
        end = time.monotonic() + args.seconds if args.seconds else None
        while end is None or time.monotonic() < end:
            time.sleep(0.5)
            if serve.poll() is not None:
                raise RuntimeError(f"fleet serve exited with {serve.returncode}")
        return 0
    except KeyboardInterrupt:
        return 0
    finally:
        stop.set()
        if offline_timer is not None:
            offline_timer.cancel()  # a run shorter than 20 s: the broker is going away
        stop_process(serve, 10)
        broker.cleanup()


if __name__ == "__main__":
    sys.exit(main())
