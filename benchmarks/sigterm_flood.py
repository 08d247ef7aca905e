"""SIGTERM straight after a flood: does every published recommendation keep its log row?

    .venv/bin/python -m benchmarks.sigterm_flood [--signals 20000] [--runs 3] [--bundle out/train/bundle]

A real Mosquitto and ``edge-device`` (the demo store on the bundle). For each run:
flood ``--signals`` location signals from 2,000 walking shoppers as fast as the
sender can, send SIGTERM the moment the last one is out, then compare the
recommendations a subscriber saw published (caused by the flood) with the
device database's ``reco_log`` rows and impressions. The target (issue 14) is 0
published recommendations without a log row. The last stdout line is JSON.
"""

from __future__ import annotations

import argparse
import json
import os
import signal
import sqlite3
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

import paho.mqtt.client as mqtt
from paho.mqtt.enums import CallbackAPIVersion

from benchmarks.device_setup import DEFAULT_BUNDLE, REPO, ensure_bundle, say
from deploy.devicecfg import local_device_config
from deploy.local_broker import MosquittoBroker
from edge.comms.lean_paho import StoppableClient
from edge.comms.topics import TopicTree


def one_run(bundle: Path, signals: int, tag: str) -> dict:
    work = Path(tempfile.mkdtemp(prefix="sigterm-flood-"))
    broker = MosquittoBroker(workdir=work / "broker").start()
    config = local_device_config(work / "device.toml", port=broker.port, bundle=bundle,
                                 db_path=work / "state.db", device_id="sigterm-edge")
    tree = TopicTree(config.store_id, config.device_id, config.broker.topic_prefix)
    zones = [z.id for z in config.zones]
    published: set[str] = set()
    online = threading.Event()

    def on_message(c, u, m) -> None:
        if m.topic == tree.status:
            online.set()
            return
        body = json.loads(m.payload)
        if ((body.get("cause") or {}).get("signal_id") or "").startswith(tag):
            published.add(body["recommendation_id"])

    rx = StoppableClient(CallbackAPIVersion.VERSION2, client_id=f"{tag}-rx", protocol=mqtt.MQTTv5)
    rx.on_message = on_message
    rx.connect(broker.host, broker.port)
    rx.subscribe([(tree.recommendations(), 1), (tree.status, 1)])
    rx.loop_start()
    device = subprocess.Popen([sys.executable, "-m", "edge.cli", "run", "--config", str(work / "device.toml"),
                               "--log-level", "WARNING"], stderr=subprocess.PIPE, text=True, cwd=REPO,
                              env={**os.environ, "PYTHONUNBUFFERED": "1"})
    try:
        if not online.wait(120):
            raise SystemExit("device did not come online")
        tx = StoppableClient(CallbackAPIVersion.VERSION2, client_id=f"{tag}-tx", protocol=mqtt.MQTTv5)
        tx.max_inflight_messages_set(0)
        tx.connect(broker.host, broker.port)
        tx.loop_start()
        load = os.getloadavg()[0]
        t0 = time.perf_counter()
        for i in range(signals):
            body = {"v": 1, "signal_id": f"{tag}-{i}", "ts": time.time(), "shopper": {"track_id": f"s{i % 2000}"},
                    "zone": zones[i % len(zones)], "action": "enter"}
            tx.publish(tree.location, json.dumps(body).encode(), qos=0)
        time.sleep(0.2)  # the sender's last bytes
        sent_s = time.perf_counter() - t0
        device.send_signal(signal.SIGTERM)
        code = device.wait(timeout=180)
        err = device.stderr.read() if device.stderr else ""
        time.sleep(0.5)
        tx.disconnect()
        tx.loop_stop()
    finally:
        if device.poll() is None:
            device.kill()
            device.wait()
        rx.disconnect()
        rx.loop_stop()
        broker.cleanup()
    with sqlite3.connect(work / "state.db") as db:
        logged = {r[0] for r in db.execute("SELECT recommendation_id FROM reco_log")}
        impressions = db.execute("SELECT count(*) FROM feedback_outbox WHERE kind = 'impression'").fetchone()[0]
    return {"signals": signals, "sent_per_s": round(signals / sent_s), "exit": code, "published": len(published),
            "published_without_log_row": len(published - logged), "log_rows": len(logged),
            "impressions": impressions, "tracebacks": err.count("Traceback"), "load_1m": round(load, 2)}


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--signals", type=int, default=20_000)
    ap.add_argument("--runs", type=int, default=3)
    ap.add_argument("--bundle", type=Path, default=DEFAULT_BUNDLE)
    args = ap.parse_args(argv)
    ensure_bundle(args.bundle)
    runs = []
    for r in range(args.runs):
        runs.append(one_run(args.bundle, args.signals, f"fl{r}"))
        say(json.dumps(runs[-1]))
    print(json.dumps({"runs": runs, "published": sum(r["published"] for r in runs),
                      "published_without_log_row": sum(r["published_without_log_row"] for r in runs),
                      "tracebacks": sum(r["tracebacks"] for r in runs)}))
    return 0 if all(r["published_without_log_row"] == 0 and r["exit"] == 0 for r in runs) else 1


if __name__ == "__main__":
    sys.exit(main())
