"""Ingest scale-out: 1, 2 and 4 ingest workers on one PostgreSQL warehouse, and SQLite for reference.

    .venv/bin/python -m benchmarks.ingest_scale                      # 200 devices x 250 events
    .venv/bin/python -m benchmarks.ingest_scale --events-per-device 100 --workers 1 2

Real parts only: a Mosquitto broker (``deploy.local_broker``), a PostgreSQL
server started for the run (``deploy.local_postgres``, fsync on), and
``python -m cloud_trainer.ingest run`` worker processes sharing the
``$share/ingest/...`` subscription.

Each run, per worker count W:

1. a fresh broker and a fresh database; the W workers' persistent sessions are
   created (their client ids subscribe to the shared filter and disconnect, as a
   worker that ran before would have left them);
2. 200 simulated devices (20 stores x 10, one MQTT connection each, spread over
   4 publisher processes) publish their feedback at QoS 1: ``--events-per-device``
   events each, with seq numbers and event ids as a real outbox makes them. The
   broker queues them round-robin to the group's sessions: a backlog, as after a
   cloud outage or a burst;
3. the W workers start and drain it. In every run with W > 1, worker 0 is
   SIGKILLed when about a third of the events are stored, and restarted 0.5 s
   later with the same client id (systemd ``Restart=always``); the broker
   redelivers what it had not acknowledged;
4. the warehouse is checked: ``lost`` = published event ids not stored,
   ``duplicates`` = rows beyond one per event id plus events counted as new more
   than once (``streams.received`` summed minus distinct ids), every device's
   watermark complete and no gap open. ``events_per_s`` = events / (last batch
   stored - first batch stored), from the warehouse's ``received_at``.

The SQLite figure is the same run with one worker on a SQLite file. On the
first PostgreSQL warehouse and on the SQLite one, ``training_read`` times the
training and reporting reads (``include_feedback``, online metrics, proof of
play: SQL in the warehouse). The last line printed is one JSON object (see
``docs/scale.md``).
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import signal
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path
from typing import Any

import paho.mqtt.client as mqtt

from cloud_trainer.ingest.service import feedback_filter
from cloud_trainer.ingest.warehouse import open_warehouse
from deploy.local_broker import MosquittoBroker
from edge.comms.mqtt import new_client, start
from edge.comms.topics import FeedbackEvent, TopicTree

DEVICES_PER_STORE = 10
PUBLISHERS = 4
GROUP = "ingest"
SESSION_EXPIRY_S = 3600

# A worker that SIGKILLs itself inside its Nth warehouse transaction, after the batch's
# events are inserted and before the commit: the "killed mid-batch" fault, made exact.
KILL_IN_BATCH = """
import os, signal, sys
from cloud_trainer.ingest.warehouse import SQLWarehouse
n = int(sys.argv[1]); calls = [0]; advance = SQLWarehouse._advance
def _advance(self, *a, **k):
    calls[0] += 1
    if calls[0] >= n:
        os.kill(os.getpid(), signal.SIGKILL)
    return advance(self, *a, **k)
SQLWarehouse._advance = _advance
from cloud_trainer.ingest.__main__ import main
raise SystemExit(main(sys.argv[2:]))
"""


def say(msg: str) -> None:
    print(f"[ingest_scale {time.strftime('%H:%M:%S')}] {msg}", file=sys.stderr, flush=True)


# ---- simulated devices ----------------------------------------------------------------------------


def device_id(i: int) -> str:
    return f"dev{i:04d}"


def store_id(i: int) -> str:
    return f"store{i // DEVICES_PER_STORE:03d}"


def device_event(i: int, seq: int, epoch: str = "bench") -> FeedbackEvent:
    """One feedback event as a store device's outbox makes it (shape of edge.feedback.capture)."""
    dev, t = device_id(i), 1_780_000_000.0 + seq * 2.0 + i * 0.001
    shopper = f"l:U{(i * 31 + seq) % 500}" if seq % 3 else None
    rec = f"{dev}-r{seq}"
    phase = seq % 10
    if phase < 6:
        kind = "impression"
        data: dict[str, Any] = {"recommendation_id": rec, "display_id": f"scr{seq % 4}", "zone": f"z{seq % 7}",
                                "shopper": shopper, "strategy": "model",
                                "items": [{"item_id": f"I{(seq * 7 + k) % 900}", "position": k + 1,
                                           "score": 0.9 - 0.1 * k, "price": 2.5 + k} for k in range(4)]}
        if seq % 4:
            data["shown_at"] = t + 0.05
    elif phase < 9:
        kind = "interaction"
        data = {"action": "touch" if phase < 8 else "pickup", "display_id": f"scr{seq % 4}",
                "item_id": f"I{(seq * 7) % 900}", "recommendation_id": rec, "recommended": True, "position": 1,
                "shopper": shopper}
    else:
        kind = "conversion"
        data = {"transaction_id": f"{dev}-t{seq}", "item_id": f"I{(seq * 7) % 900}", "quantity": 1,
                "price": 2.5, "revenue": 2.5, "recommendation_id": rec, "shopper": shopper or "l:U1"}
    return FeedbackEvent(event_id=f"{dev}:{epoch}:{seq}", device_id=dev, store_id=store_id(i), seq=seq,
                         kind=kind, ts=t, model_version="m-bench", data=data)  # type: ignore[arg-type]


def publish_devices(host: str, port: int, first: int, count: int, events: int) -> int:
    """Publish ``events`` events for devices [first, first+count), one MQTT connection per
    device, QoS 1, seq order per device; return the number PUBACKed."""
    clients: list[tuple[int, mqtt.Client]] = []
    for i in range(first, first + count):
        c = new_client(f"{device_id(i)}-feedback", reconnect_s=None, nodelay=False, inflight=100, queued=0)
        start(c, host, port, keepalive=60, blocking=True)
        clients.append((i, c))
    infos: list[mqtt.MQTTMessageInfo] = []
    for seq in range(1, events + 1):
        for i, c in clients:
            topic = TopicTree(store_id(i), device_id(i)).feedback
            infos.append(c.publish(topic, device_event(i, seq).model_dump_json(), qos=1))
    acked = 0
    for info in infos:
        info.wait_for_publish(120)
        acked += 1 if info.is_published() else 0
    for _, c in clients:
        c.disconnect()
        c.loop_stop()
    return acked


def publish_all(host: str, port: int, devices: int, events: int) -> int:
    """Spread the devices over PUBLISHERS processes (one interpreter cannot drive 200
    connections fast); return the total PUBACKed."""
    per = -(-devices // PUBLISHERS)
    procs = []
    for p in range(PUBLISHERS):
        first, count = p * per, min(per, devices - p * per)
        if count <= 0:
            continue
        procs.append(subprocess.Popen(
            [sys.executable, "-m", "benchmarks.ingest_scale", "--publish", host, str(port), str(first),
             str(count), str(events)], stdout=subprocess.PIPE, text=True))
    total = 0
    for proc in procs:
        out, _ = proc.communicate(timeout=600)
        if proc.returncode != 0:
            raise RuntimeError(f"publisher exited with {proc.returncode}")
        total += int(out.strip().splitlines()[-1])
    return total


# ---- ingest workers ---------------------------------------------------------------------------------


def prime_sessions(host: str, port: int, client_ids: list[str], group: str = GROUP) -> None:
    """Create each worker's persistent session with its subscription, then leave: the broker
    queues the group's messages for them from now on (round-robin over the sessions)."""
    for cid in client_ids:
        done = threading.Event()
        c = new_client(cid, reconnect_s=None, nodelay=False)
        c.on_subscribe = lambda *a, _d=done: _d.set()
        start(c, host, port, keepalive=30, session_expiry_s=SESSION_EXPIRY_S, blocking=True)
        c.subscribe(feedback_filter(group=group), qos=1)
        if not done.wait(10):
            raise RuntimeError(f"{cid}: no SUBACK")
        c.disconnect()
        c.loop_stop()


def worker_cmd(url: str, host: str, port: int, client_id: str, *, kill_in_batch: int | None = None,
               group: str = GROUP) -> list[str]:
    args = ["run", "--host", host, "--port", str(port), "--warehouse", url, "--client-id", client_id,
            "--group", group, "--log-level", "WARNING"]
    if kill_in_batch is not None:
        return [sys.executable, "-c", KILL_IN_BATCH, str(kill_in_batch), *args]
    return [sys.executable, "-m", "cloud_trainer.ingest", *args]


def start_worker(cmd: list[str], log: Path) -> subprocess.Popen[bytes]:
    with log.open("ab") as fh:
        return subprocess.Popen(cmd, stdout=fh, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL,
                                env={**os.environ, "PYTHONUNBUFFERED": "1"})


def stop_workers(procs: list[subprocess.Popen[bytes]]) -> None:
    for p in procs:
        if p.poll() is None:
            p.send_signal(signal.SIGTERM)
    for p in procs:
        try:
            p.wait(timeout=30)
        except subprocess.TimeoutExpired:
            p.kill()
            p.wait()


def run_case(url: str, broker: MosquittoBroker, *, workers: int, devices: int, events: int,
             kill: str | None, workdir: Path, timeout: float = 600.0) -> dict[str, Any]:
    """One run (see the module docstring). ``kill``: None, ``"sigkill"`` (worker 0 SIGKILLed from
    outside at ~1/3 stored) or ``"in_batch"`` (worker 0 dies inside its first transaction,
    after inserting and before committing)."""
    host, port = broker.host, broker.port
    ids = [f"ingest-{i + 1}" for i in range(workers)]
    wh = open_warehouse(url)  # migrates before the workers start
    prime_sessions(host, port, ids)
    t_pub = time.perf_counter()
    published = publish_all(host, port, devices, events)
    pub_s = time.perf_counter() - t_pub
    expected = devices * events
    say(f"{workers} worker(s) on {wh.engine}: {published} of {expected} events published at QoS 1 by "
        f"{devices} devices in {pub_s:.1f} s")
    logs = [workdir / f"{cid}.log" for cid in ids]
    procs = [start_worker(worker_cmd(url, host, port, cid, kill_in_batch=1 if (kill == "in_batch" and k == 0)
                                     else None), logs[k]) for k, cid in enumerate(ids)]
    t0 = time.perf_counter()
    killed_at = None
    killed_wall = 0.0
    kill_rc = None
    restarted = False
    stored = 0
    try:
        while time.perf_counter() - t0 < timeout:
            _, rows = wh.query("SELECT count(*) FROM events")
            stored = int(rows[0][0])
            if stored >= expected:
                break
            if kill == "sigkill" and killed_at is None and stored >= expected // 3:
                procs[0].kill()
                kill_rc = procs[0].wait()
                killed_at, killed_wall = stored, time.time()
                time.sleep(0.5)  # RestartSec
                procs[0] = start_worker(worker_cmd(url, host, port, ids[0]), logs[0])
                restarted = True
            if kill == "in_batch" and not restarted and procs[0].poll() is not None:
                kill_rc = procs[0].returncode
                killed_at, killed_wall = stored, time.time()
                procs[0] = start_worker(worker_cmd(url, host, port, ids[0]), logs[0])
                restarted = True
            time.sleep(0.1)
        wall = time.perf_counter() - t0
    finally:
        stop_workers(procs)
    _, rows = wh.query("SELECT count(*), count(DISTINCT event_id), min(received_at), max(received_at) FROM events")
    total, distinct, first, last = rows[0]
    integ = wh.integrity()
    streams = wh.streams()
    received = sum(int(s["received"]) for s in streams)
    complete = sum(1 for s in streams if int(s["contig"]) == events and int(s["max_seq"]) == events)
    span = float(last) - float(first) if total else 0.0
    wh.close()
    res = {
        "workers": workers,
        "published": published,
        "stored": int(distinct),
        "lost": expected - int(distinct),
        "duplicates": (int(total) - int(distinct)) + (received - int(distinct)),
        "redeliveries_absorbed": integ["raw_duplicates_received"],
        "devices_complete": complete,
        "open_gaps": len(integ["open_gaps"]),
        "events_per_s": round(int(distinct) / span, 1) if span > 0 else None,
        "drain_s": round(span, 2),
        "wall_s": round(wall, 2),
        "publish_s": round(pub_s, 2),
        # The rate until the kill, without the restart gap (Python start-up of the replacement).
        "events_per_s_until_kill": round(killed_at / (killed_wall - float(first)), 1)
        if killed_at and killed_wall > float(first) else None,
        "killed": None if killed_at is None else {"how": kill, "at_stored": killed_at, "returncode": kill_rc,
                                                  "restarted": restarted},
    }
    say(json.dumps(res))
    return res


def training_read(url: str) -> dict[str, Any]:
    """Seconds the training and reporting reads take on a filled warehouse: include_feedback
    (joins and aggregations in SQL) against a catalogue of the items the devices show, and
    online metrics + proof of play."""
    import numpy as np
    import pandas as pd

    from cloud_trainer.dataset import PreparedData
    from cloud_trainer.feedback_training import include_feedback, online_metrics, proof_of_play

    items = pd.DataFrame({"item_id": [f"I{i}" for i in range(900)], "price": np.full(900, 2.5)})
    train = pd.DataFrame({"user_id": ["U1"], "item_idx": np.array([0], dtype=np.int32),
                          "timestamp": pd.to_datetime(["2026-01-01"]), "event_type": ["purchase"],
                          "quantity": [1.0], "price": [2.5], "basket_id": ["b"], "store_id": ["store000"]})
    data = PreparedData(name="bench", items=items, users=pd.DataFrame({"user_id": ["U1"]}), train=train,
                        val_cases=[], test_cases=[], context_fields={}, fingerprint="bench")
    wh = open_warehouse(url)
    t = time.perf_counter()
    fb = include_feedback(data, wh)
    t_fb = time.perf_counter() - t
    t = time.perf_counter()
    online_metrics(wh)
    proof_of_play(wh)
    t_rep = time.perf_counter() - t
    wh.close()
    return {"include_feedback_s": round(t_fb, 2), "appended_rows": fb.summary["appended_rows"],
            "negative_pairs": fb.summary["negative_pairs"], "online_metrics_and_proof_of_play_s": round(t_rep, 2)}


def main(argv: list[str] | None = None) -> int:
    argv = sys.argv[1:] if argv is None else argv
    if argv and argv[0] == "--publish":
        host, port, first, count, events = argv[1:6]
        print(publish_devices(host, int(port), int(first), int(count), int(events)), flush=True)
        return 0
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--devices", type=int, default=200)
    ap.add_argument("--events-per-device", type=int, default=250)
    ap.add_argument("--workers", type=int, nargs="+", default=[1, 2, 4])
    ap.add_argument("--no-sqlite", action="store_true")
    args = ap.parse_args(argv)
    from deploy.local_postgres import PostgresServer

    # SIGTERM (and SIGINT, ignored in background jobs) end the run through the finally
    # blocks, so the broker, the workers and the PostgreSQL server are stopped.
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(143))

    load_before = Path("/proc/loadavg").read_text().split()[:3]
    work = Path(tempfile.mkdtemp(prefix="ingest-scale-"))
    out: dict[str, Any] = {"devices": args.devices, "events_per_device": args.events_per_device, "qos": 1}
    pg_runs: dict[str, Any] = {}
    try:
        with PostgresServer(durable=True) as pg:
            import psycopg

            with psycopg.connect(pg.url()) as c:
                out["postgres_version"] = c.execute("SHOW server_version").fetchone()[0]
            for w in args.workers:
                url = pg.create_database(f"bench_w{w}")
                with MosquittoBroker(workdir=work / f"broker-w{w}") as broker:
                    pg_runs[str(w)] = run_case(url, broker, workers=w, devices=args.devices,
                                               events=args.events_per_device, kill="sigkill" if w > 1 else None,
                                               workdir=work)
                if w == args.workers[0]:
                    pg_runs[str(w)]["training_read"] = training_read(url)
                    say(f"training read on postgresql: {pg_runs[str(w)]['training_read']}")
        out["postgres"] = {"workers": pg_runs, "lost": sum(r["lost"] for r in pg_runs.values()),
                           "duplicates": sum(r["duplicates"] for r in pg_runs.values())}
        if "1" in pg_runs and "2" in pg_runs and pg_runs["1"]["events_per_s"]:
            out["postgres"]["speedup_2_vs_1"] = round(pg_runs["2"]["events_per_s"] / pg_runs["1"]["events_per_s"], 2)
        if "1" in pg_runs and "4" in pg_runs and pg_runs["1"]["events_per_s"]:
            out["postgres"]["speedup_4_vs_1"] = round(pg_runs["4"]["events_per_s"] / pg_runs["1"]["events_per_s"], 2)
        if not args.no_sqlite:
            with MosquittoBroker(workdir=work / "broker-sqlite") as broker:
                out["sqlite"] = run_case(f"sqlite:///{work / 'wh.db'}", broker, workers=1, devices=args.devices,
                                         events=args.events_per_device, kill=None, workdir=work)
            out["sqlite"]["training_read"] = training_read(f"sqlite:///{work / 'wh.db'}")
            say(f"training read on sqlite: {out['sqlite']['training_read']}")
    finally:
        shutil.rmtree(work, ignore_errors=True)
    out["load_before"] = load_before
    out["load_after"] = Path("/proc/loadavg").read_text().split()[:3]
    print(json.dumps(out))
    bad = out["postgres"]["lost"] or out["postgres"]["duplicates"] or (
        "sqlite" in out and (out["sqlite"]["lost"] or out["sqlite"]["duplicates"]))
    return 1 if bad else 0


if __name__ == "__main__":
    raise SystemExit(main())
