"""Fault scenarios for the feedback loop, with real processes.

    .venv/bin/python -m benchmarks.reliability                 # full scale
    .venv/bin/python -m benchmarks.reliability --scale 0.3     # shorter windows, fewer faults
    .venv/bin/python -m benchmarks.reliability --only offline_window

Every scenario runs the real topology: a store Mosquitto bridged to a cloud
Mosquitto (``deploy.bridge.StoreCloudPair``), the real device process
(``python -m edge.cli run``: agent + outbox sink + sender thread), the cloud
ingest as its own process (``python -m cloud_trainer.ingest run``) writing a
SQLite warehouse, and a load generator publishing store signals (location at
QoS 0, interactions and POS purchases at QoS 1) to the store broker.

Scenarios:

* ``broker_restarts``: location signals at ``--rate`` (1,000/s) while the store
  broker is SIGKILLed and restarted ``--restarts`` (10) times.
* ``offline_window``: the store-to-cloud link (the cloud broker) goes down for
  repeated windows while the store keeps selling, shaped like the Azure IoT
  Edge connectivity tests' network controller (offline duration, online
  duration, runs). Recommendation latency is measured for signals sent inside
  the offline windows and, for comparison, in the online gaps (signal ->
  recommendation matched on ``cause.signal_id``), at ``--offline-rate``
  (200/s): a rate the device sustains, so the figure is the device's latency
  and not the length of a queue in front of a saturated process.
* ``device_sigkill``: the device process (with its feedback sender child, as
  systemd kills a unit's control group) is SIGKILLed ``--kills`` (50) times at
  random moments while it is writing, and restarted each time.
* ``corrupt_db``: the state database is damaged while the device is down; it
  must be moved aside (bytes intact), reported in the device status, and the
  device must carry on with a fresh outbox whose events are all delivered.
* ``corrupt_db_owed``: the same, but the database still owes the cloud events
  (the uplink was down): the device salvages them from the moved-aside file
  (``edge.feedback.salvage``) and every one must reach the cloud, with its own id.

Accounting, per scenario (the JSON printed last):

* ``produced``: events the device acknowledged, i.e. committed to its outbox
  (every row's event id is read back from the device database at the end;
  confirmed rows are retained for an hour, so nothing has been pruned);
* ``delivered``: distinct event ids of this device in the cloud warehouse;
* ``lost``: produced ids missing from the warehouse (events dropped by an
  outbox bound would be listed separately as ``dropped_by_policy``);
* ``duplicates_after_dedupe``: warehouse rows minus distinct event ids;
* ``raw_duplicates_received``: re-deliveries the ingest saw and dropped;
* ``integrity_ok``: nothing lost, nothing invented (every warehouse event is a
  produced one with the same payload), no duplicates, no open gaps.
"""

from __future__ import annotations

import argparse
import contextlib
import json
import os
import random
import shutil
import signal
import sqlite3
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import paho.mqtt.client as mqtt

from benchmarks.edge_latency import percentiles
from deploy.bridge import StoreCloudPair
from deploy.devicecfg import local_device_config
from deploy.process import stop_process
from edge.comms.mqtt import new_client, start
from edge.comms.topics import TopicTree
from edge.feedback import dbguard

REPO = Path(__file__).resolve().parents[1]


def say(msg: str) -> None:
    print(f"[{time.strftime('%H:%M:%S')}] {msg}", file=sys.stderr, flush=True)


def find_bundle(arg: Path | None, work: Path) -> Path:
    """The trained bundle if there is one, else a tiny real bundle built for the run."""
    if arg is not None:
        return arg
    trained = REPO / "out" / "train" / "bundle"
    if (trained / "manifest.json").exists():
        return trained
    say("no trained bundle in out/train/bundle: building the tiny test bundle (TensorFlow, ~10 s)")
    sys.path.insert(0, str(REPO / "tests"))
    from bundle_factory import build_bundle  # type: ignore[import-not-found]

    return build_bundle(work / "bundle")


# ---- the store's traffic ---------------------------------------------------------------


# Several paho threads share this process's GIL; a short switch interval keeps the
# receiver's arrival timestamps from waiting behind the sender (default 5 ms).
sys.setswitchinterval(0.0002)


class StoreTraffic:
    """Publishes store signals and watches what the displays show.

    Mostly location signals (each makes the zone's displays recompute, hence an
    impression); every 25th signal is an interaction with an item a display
    shows, every 50th a POS purchase by a loyalty shopper including an item
    recommended to them (hence a conversion when the device attributes it).
    """

    def __init__(self, host: str, port: int, tree: TopicTree, zones: list[str],
                 neighbours: dict[str, list[str]], displays: dict[str, str], tag: str) -> None:
        self.tree = tree
        self.tag = tag
        self.zones, self.neighbours, self.displays = zones, neighbours, displays
        self.answered: dict[str, float] = {}
        self.shown: dict[str, list[str]] = {}      # shopper -> items last shown to them
        self.showing: dict[str, list[str]] = {}    # display -> items it shows now
        self.sent_at: dict[str, float] = {}
        self.counts = {"location": 0, "interaction": 0, "pos": 0}
        self.last_location: str | None = None
        self.qos1_sent: list[tuple[str, str]] = []
        """("pos", transaction id) / ("interaction", signal id) of every QoS 1 signal, in order."""
        self._lock = threading.Lock()
        # TCP_NODELAY on every (re)connect (new_client's default), like the device:
        # otherwise Nagle's delayed-ACK stall (~10 ms) lands in the latency measured here.
        self.rx = new_client(f"rel-rx-{tag}", reconnect_s=None,
                             on_connect=lambda c, *a: c.subscribe(tree.recommendations(), qos=1))
        self.rx.on_message = self._on_reco
        start(self.rx, host, port, keepalive=10, blocking=True)
        self.tx = new_client(f"rel-tx-{tag}", reconnect_s=None, queued=10000)
        start(self.tx, host, port, keepalive=10, blocking=True)
        self.rng = random.Random(7)
        self._where: dict[int, str] = {}
        self._n = 0

    def _on_reco(self, client: mqtt.Client, userdata: Any, msg: mqtt.MQTTMessage) -> None:
        t = time.perf_counter()
        try:
            rec = json.loads(msg.payload)
        except ValueError:
            return
        items = [it["item_id"] for it in rec.get("items", [])]
        sid = (rec.get("cause") or {}).get("signal_id")
        with self._lock:
            if sid and sid not in self.answered:
                self.answered[sid] = t
            if rec.get("shopper"):
                self.shown[rec["shopper"]] = items
            self.showing[rec.get("display_id", "")] = items

    def run(self, rate: float, seconds: float, stop: threading.Event | None = None) -> float:
        """Publish for ``seconds`` (or until ``stop``) at ``rate`` signals/s; returns the achieved rate."""
        count = int(rate * seconds)
        start = time.perf_counter()
        interval = 1.0 / rate
        sent = 0
        for i in range(count):
            if stop is not None and stop.is_set():
                break
            due = start + i * interval
            delay = due - time.perf_counter()
            if delay > 0:
                # Sleep, never spin: a spinning thread holds the GIL and delays the
                # receiver thread's timestamps, which would inflate the latency measured.
                time.sleep(delay)
            self._send(self._n + i)
            sent += 1
        self._n += count
        return sent / max(time.perf_counter() - start, 1e-9)

    def _send(self, i: int) -> None:
        if i % 50 == 49:
            self._purchase(i)
        elif i % 25 == 24:
            self._interaction(i)
        else:
            self._location(i)

    def _location(self, i: int) -> None:
        """Shoppers walking the store: each signal moves one of 300 to a neighbouring zone."""
        s = self.rng.randrange(300)
        here = self._where.get(s) or self.rng.choice(self.zones)
        self._where[s] = self.rng.choice(self.neighbours.get(here) or self.zones)
        shopper = {"loyalty_id": f"bench-{s}"} if s % 3 == 0 else {"track_id": f"bt-{s}"}
        sid = f"{self.tag}{i}"
        body = {"v": 1, "signal_id": sid, "ts": time.time(), "shopper": shopper,
                "zone": self._where[s], "action": "enter"}
        self.sent_at[sid] = time.perf_counter()
        self.last_location = sid
        self.tx.publish(self.tree.location, json.dumps(body), qos=0)
        self.counts["location"] += 1

    def _interaction(self, i: int) -> None:
        display = self.rng.choice(list(self.displays))
        with self._lock:
            items = list(self.showing.get(display, []))
        body = {"v": 1, "signal_id": f"{self.tag}ix{i}", "ts": time.time(),
                "kind": self.rng.choice(["touch", "pickup"]),
                "item_id": self.rng.choice(items) if items else None,
                "shopper": {"loyalty_id": f"bench-{3 * self.rng.randrange(100)}"}}
        self.tx.publish(self.tree.interaction(display), json.dumps(body), qos=1)
        self.qos1_sent.append(("interaction", body["signal_id"]))
        self.counts["interaction"] += 1

    def _purchase(self, i: int) -> None:
        with self._lock:
            loyal = [k for k in self.shown if k.startswith("l:")]
            shopper = self.rng.choice(loyal) if loyal else "l:bench-0"
            items = list(self.shown.get(shopper, []))
        lines = [{"item_id": it, "quantity": 1, "price": 2.5} for it in items[:2]] or \
            [{"item_id": "P000", "quantity": 1, "price": 1.0}]
        body = {"v": 1, "signal_id": f"{self.tag}pos{i}", "ts": time.time(),
                "transaction_id": f"{self.tag}tx{i}", "shopper": {"loyalty_id": shopper[2:]},
                "items": lines}
        self.tx.publish(self.tree.pos, json.dumps(body), qos=1)
        self.qos1_sent.append(("pos", body["transaction_id"]))
        self.counts["pos"] += 1

    def latencies(self, sids: list[str]) -> list[float]:
        with self._lock:
            return [self.answered[s] - self.sent_at[s] for s in sids if s in self.answered and s in self.sent_at]

    def close(self) -> None:
        for c in (self.tx, self.rx):
            c.disconnect()
            c.loop_stop()


# ---- the rig ----------------------------------------------------------------------------------


class Rig:
    """Brokers, ingest, device and traffic for one scenario, in ``work``."""

    def __init__(self, work: Path, bundle: Path, name: str, *, confirm_timeout_s: float = 5.0) -> None:
        self.work = work
        self.name = name
        self.pair = StoreCloudPair(work / "brokers").start()
        self.warehouse = work / "warehouse.db"
        self.db_path = work / "state.db"
        self.config_path = work / "device.toml"
        self.config = local_device_config(
            self.config_path, port=self.pair.store.port, bundle=bundle, db_path=self.db_path,
            device_id=f"rel-{name}",
            overrides={"broker": {"keepalive_s": 5},
                       "feedback": {"sync": {"confirm_timeout_s": confirm_timeout_s,
                                             "backoff_max_s": 2.0,
                                             "uplink_state_topic": "bridge/cloud/state"}}},
        )
        self.tree = TopicTree(self.config.store_id, self.config.device_id, self.config.broker.topic_prefix)
        self.env = {**os.environ, "PYTHONPATH": str(REPO), "PYTHONUNBUFFERED": "1"}
        self.ingest: subprocess.Popen[bytes] | None = None
        self.device: subprocess.Popen[bytes] | None = None
        self.device_starts = 0
        self.status: list[dict] = []
        self._status_client = new_client(f"rel-status-{name}", reconnect_s=None, nodelay=False,
                                         on_connect=lambda c, *a: c.subscribe(self.tree.status, qos=1))
        self._status_client.on_message = lambda c, u, m: self.status.append(json.loads(m.payload))
        start(self._status_client, self.pair.store.host, self.pair.store.port, keepalive=10, blocking=True)
        self.start_ingest()
        zones = [z.id for z in self.config.zones]
        self.traffic = StoreTraffic(
            self.pair.store.host, self.pair.store.port, self.tree, zones,
            {z.id: list(z.neighbours) for z in self.config.zones},
            {d.id: d.zone for d in self.config.displays}, tag=name[:3])

    # processes
    def start_ingest(self) -> None:
        log = (self.work / "ingest.log").open("ab")
        self.ingest = subprocess.Popen(
            [sys.executable, "-m", "cloud_trainer.ingest", "run", "--port", str(self.pair.cloud.port),
             "--warehouse", str(self.warehouse), "--client-id", f"ingest-{self.name}", "--log-level", "WARNING"],
            stdout=log, stderr=subprocess.STDOUT, env=self.env, cwd=REPO)

    def start_device(self) -> None:
        log = (self.work / "device.log").open("ab")
        self.device = subprocess.Popen(
            [sys.executable, "-m", "edge.cli", "run", "--config", str(self.config_path), "--log-level", "WARNING"],
            stdout=log, stderr=subprocess.STDOUT, env=self.env, cwd=REPO, start_new_session=True)
        self.device_starts += 1

    def kill_device(self) -> None:
        """SIGKILL the device and its feedback sender child at once, as systemd
        kills a unit's whole control group when the device fails or is stopped."""
        if self.device is not None:
            with contextlib.suppress(ProcessLookupError):  # the group may be gone already
                os.killpg(self.device.pid, signal.SIGKILL)
            self.device.wait()

    def stop_device(self) -> int | None:
        return stop_process(self.device, 20)

    def wait_device_writing(self, timeout: float = 60.0) -> bool:
        """Until the (re)started device has committed a new outbox row."""
        before = self.produced_now()
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.device is not None and self.device.poll() is not None:
                return False
            if self.produced_now() > before:
                return True
            time.sleep(0.05)
        return False

    def device_query(self, sql: str) -> list[tuple]:
        """Rows of one query on the device's state DB, opened read-only and closed again."""
        with contextlib.closing(sqlite3.connect(f"file:{self.db_path}?mode=ro", uri=True, timeout=5)) as conn:
            return conn.execute(sql).fetchall()

    def wait_new_epoch(self, old_epoch: str, timeout: float = 60.0) -> bool:
        """Until the device has created a fresh outbox (another epoch) and written to it."""
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            try:
                rows = self.device_query("SELECT epoch, next_seq - 1 FROM feedback_state")
                row = rows[0] if rows else None
                if row and row[0] != old_epoch and row[1] > 0:
                    return True
            except sqlite3.Error:
                pass
            time.sleep(0.1)
        return False

    def produced_now(self) -> int:
        try:
            rows = self.device_query("SELECT next_seq - 1 FROM feedback_state WHERE id = 1")
            return int(rows[0][0]) if rows else 0
        except sqlite3.Error:
            return 0

    def pending_now(self) -> int | None:
        state = self._outbox_state()
        return state[0] if state else None

    def _outbox_state(self) -> tuple[int, int] | None:
        """(pending, next_seq) of the device's outbox, None while unreadable."""
        try:
            rows = self.device_query("SELECT pending, next_seq FROM feedback_state WHERE id = 1")
            return (int(rows[0][0]), int(rows[0][1])) if rows else None
        except (sqlite3.Error, TypeError):  # TypeError: pending is NULL
            return None

    def wait_recorded(self, since: int, timeout: float) -> list[tuple[str, str]]:
        """Until every QoS 1 signal sent from ``traffic.qos1_sent[since]`` on is recorded
        in the device database (purchases by transaction id, interactions in
        signals_seen) and the last location signal sent is answered; returns
        what is still missing at the timeout.

        Outbox quiet for a second is not proof that the device is done: a loaded
        machine can stall it that long while the broker still holds signals for
        it (acknowledged only once committed). A scenario that damages the
        database right after must know the device recorded what it was sent."""
        want = self.traffic.qos1_sent[since:]
        last = self.traffic.last_location
        deadline = time.monotonic() + timeout
        missing = want
        while True:
            try:
                have = {("pos", r[0]) for r in self.device_query("SELECT transaction_id FROM purchases")}
                have |= {("interaction", r[0]) for r in self.device_query(
                    "SELECT signal_id FROM signals_seen WHERE kind = 'interaction'")}
                missing = [w for w in want if w not in have]
            except sqlite3.Error:
                pass
            # Positions are served after the priority lane: the last one answered means
            # the device has worked through what it was sent (its impression follows
            # within the log writer's interval, which the quiet wait covers).
            if last is not None and last not in self.traffic.answered:
                missing = [*missing, ("location", last)]
            if not missing or time.monotonic() > deadline:
                return missing
            time.sleep(0.1)

    def wait_drained(self, timeout: float, settle_s: float = 1.0) -> float:
        """Until the cloud has confirmed every outbox row and the device has
        stopped producing new ones for ``settle_s``; returns seconds waited.

        "pending == 0" alone is not "drained": the device acknowledges a QoS 1
        signal only after committing it, so the broker may still hold signals
        for it (its in-flight window) while the outbox momentarily reads 0. A
        scenario that then damages the database would lose events the device
        committed a moment later and count them as lost."""
        t0 = time.monotonic()
        quiet_since: float | None = None
        last_seq: int | None = None
        while time.monotonic() - t0 < timeout:
            state = self._outbox_state()
            now = time.monotonic()
            if state is not None and state[0] == 0 and state[1] == last_seq:
                quiet_since = quiet_since if quiet_since is not None else now
                if now - quiet_since >= settle_s:
                    break
            else:
                quiet_since = None
            last_seq = state[1] if state is not None else None
            time.sleep(0.25)
        return time.monotonic() - t0

    def close(self) -> None:
        self.traffic.close()
        self._status_client.disconnect()
        self._status_client.loop_stop()
        self.kill_device()
        stop_process(self.ingest, 20)
        self.pair.cleanup()

    # verdict
    def verdict(self, extra_expected: dict[str, str] | None = None) -> dict[str, Any]:
        """Compare what the device acknowledged with what the cloud stored."""
        produced_rows = dict(self.device_query("SELECT event_id, payload FROM feedback_outbox"))
        state = self.device_query("SELECT next_seq - 1, dropped_size + dropped_age + dropped_newest, pending "
                                  "FROM feedback_state")[0]
        expected = {**(extra_expected or {}), **produced_rows}
        produced = len(expected) + state[1]
        wh = sqlite3.connect(f"file:{self.warehouse}?mode=ro", uri=True)
        rows = wh.execute("SELECT event_id, seq, kind, ts, model_version, data FROM events WHERE device_id = ?",
                          (self.config.device_id,)).fetchall()
        total, distinct = wh.execute("SELECT count(*), count(DISTINCT event_id) FROM events WHERE device_id = ?",
                                     (self.config.device_id,)).fetchone()
        raw_dups, late = wh.execute("SELECT coalesce(sum(duplicates), 0), coalesce(sum(late), 0) FROM streams "
                                    "WHERE device_id = ?", (self.config.device_id,)).fetchone()
        open_gaps = [f"{d} {a}..{b}" for d, a, b in wh.execute(
            "SELECT device_id, from_seq, to_seq FROM gaps WHERE status = 'open' AND device_id = ?",
            (self.config.device_id,))]
        gaps_detected = wh.execute("SELECT count(*) FROM gaps WHERE device_id = ?",
                                   (self.config.device_id,)).fetchone()[0]
        kinds = dict(wh.execute("SELECT kind, count(*) FROM events WHERE device_id = ? GROUP BY kind",
                                (self.config.device_id,)))
        wh.close()
        delivered_ids = {r[0] for r in rows}
        lost = len(set(expected) - delivered_ids)
        invented = len(delivered_ids - set(expected))
        mismatched = 0
        for event_id, seq, kind, ts, model_version, data in rows:
            want = expected.get(event_id)
            if want is None:
                continue
            w = json.loads(want)
            got = json.loads(data)
            got.pop("dropped_before", None)
            if (w["seq"], w["kind"], w["ts"], w["model_version"], w["data"]) != (seq, kind, ts, model_version, got):
                mismatched += 1
        integrity_ok = (lost == 0 and invented == 0 and mismatched == 0 and total == distinct
                        and not open_gaps and state[1] == 0)
        return {
            "produced": produced,
            "delivered": distinct,
            "lost": lost,
            "duplicates_after_dedupe": total - distinct,
            "integrity_ok": integrity_ok,
            "raw_duplicates_received": raw_dups,
            "late_first_arrivals": late,
            "gaps_detected": gaps_detected,
            "open_gaps": open_gaps[:10],
            "invented": invented,
            "payload_mismatches": mismatched,
            "dropped_by_policy": state[1],
            "unconfirmed_at_end": state[2],
            "by_kind": kinds,
            "signals": dict(self.traffic.counts),
        }


# ---- scenarios -------------------------------------------------------------------------------


def broker_restarts(rig: Rig, *, rate: float, seconds: float, restarts: int, down_s: float = 0.5) -> dict:
    rig.start_device()
    if not rig.wait_device_writing():
        # No traffic yet: trigger one signal path by starting traffic below anyway.
        say("device not writing yet; starting traffic")
    stop = threading.Event()
    done: dict[str, float] = {}
    t = threading.Thread(target=lambda: done.setdefault("rate", rig.traffic.run(rate, seconds, stop)))
    t.start()
    interval = seconds / (restarts + 1)
    for i in range(restarts):
        time.sleep(interval)
        rig.pair.store.restart(kill=True, down_seconds=down_s)
        say(f"broker_restarts: store broker SIGKILLed and restarted ({i + 1}/{restarts})")
    t.join()
    drain = rig.wait_drained(180)
    code = rig.stop_device()
    out = rig.verdict()
    out.update({"restarts": restarts, "kill_signal": "SIGKILL", "rate": rate, "seconds": seconds,
                "achieved_rate": round(done.get("rate", 0.0), 1), "drain_s": round(drain, 1),
                "device_exit": code})
    return out


def offline_window(rig: Rig, *, rate: float, offline_s: float, online_s: float, runs: int) -> dict:
    rig.start_device()
    rig.wait_device_writing(timeout=30)
    rig.traffic.run(rate, 1.0)  # warm up: sessions, caches
    offline_sids: list[str] = []
    online_sids: list[str] = []
    pending_peak = 0
    for r in range(runs):
        rig.pair.link_down()
        say(f"offline_window: link down ({r + 1}/{runs}) for {offline_s:.0f}s")
        start = rig.traffic.counts["location"]
        n0 = len(rig.traffic.sent_at)
        rig.traffic.run(rate, offline_s)
        offline_sids += list(rig.traffic.sent_at)[n0:]
        pending_peak = max(pending_peak, rig.pending_now() or 0)
        rig.pair.link_up()
        say(f"offline_window: link up; {rig.traffic.counts['location'] - start} signals sent while offline, "
            f"{pending_peak} events owed to the cloud at peak")
        n0 = len(rig.traffic.sent_at)
        rig.traffic.run(rate, online_s)
        online_sids += list(rig.traffic.sent_at)[n0:]
    drain = rig.wait_drained(180)
    time.sleep(0.5)
    offline_lat = rig.traffic.latencies(offline_sids)
    online_lat = rig.traffic.latencies(online_sids)
    code = rig.stop_device()
    out = rig.verdict()
    lat = percentiles(offline_lat)
    out.update({
        "runs": runs, "offline_s": offline_s, "online_s": online_s, "rate": rate,
        "owed_to_cloud_peak": pending_peak, "drain_s": round(drain, 1), "device_exit": code,
        "reco_latency_offline_us": {**lat, "answered": len(offline_lat), "sent": len(offline_sids)},
        "reco_latency_online_us": {**percentiles(online_lat), "answered": len(online_lat),
                                   "sent": len(online_sids)},
        "latency_target_met": bool(lat["p50"] is not None and lat["p50"] <= 1000 and lat["p99"] <= 5000),
    })
    return out


def device_sigkill(rig: Rig, *, rate: float, kills: int) -> dict:
    stop = threading.Event()
    t = threading.Thread(target=rig.traffic.run, args=(rate, 10_000.0, stop), daemon=True)
    t.start()
    rng = random.Random(11)
    kill_at_produced: list[int] = []
    subscribed_at: int | None = None
    for i in range(kills):
        rig.start_device()
        if not rig.wait_device_writing(timeout=60):
            say(f"device_sigkill: device did not start writing (exit {rig.device.poll() if rig.device else None})")
        if subscribed_at is None:
            # Signals published before the device first subscribed reached no one (its
            # persistent session did not exist yet): only those after are owed to it.
            subscribed_at = len(rig.traffic.qos1_sent)
        time.sleep(rng.uniform(0.05, 0.6))
        rig.kill_device()
        kill_at_produced.append(rig.produced_now())
        if (i + 1) % 10 == 0:
            say(f"device_sigkill: {i + 1}/{kills} SIGKILLs; outbox at seq {kill_at_produced[-1]}")
    rig.start_device()
    rig.wait_device_writing(timeout=60)
    time.sleep(1.0)
    stop.set()
    t.join(timeout=5)
    # Every QoS 1 signal sent while the device was being killed must be recorded once
    # it is back: the broker keeps what the device had not acknowledged (committed).
    unrecorded = rig.wait_recorded(subscribed_at or 0, 60)
    drain = rig.wait_drained(180)
    code = rig.stop_device()
    out = rig.verdict()
    out.update({"qos1_unrecorded": len(unrecorded),
                "qos1_checked": len(rig.traffic.qos1_sent) - (subscribed_at or 0), "kills": kills, "rate": rate, "device_starts": rig.device_starts, "drain_s": round(drain, 1),
                "device_exit": code, "corrupt_db_false_alarms": len(dbguard.quarantined(rig.db_path))})
    out["integrity_ok"] = out["integrity_ok"] and out["corrupt_db_false_alarms"] == 0
    return out


def corrupt_db(rig: Rig, *, rate: float, seconds: float) -> dict:
    rig.start_device()
    rig.wait_device_writing(timeout=60)
    rig.traffic.run(rate, seconds)
    unrecorded = rig.wait_recorded(0, 60)
    waited = rig.wait_drained(120)
    say(f"corrupt_db: first epoch drained in {waited:.1f}s; killing the device and damaging its database")
    rig.kill_device()
    old_rows = dict(rig.device_query("SELECT event_id, payload FROM feedback_outbox"))
    # Rows the cloud had not confirmed when the device died: the damage below makes
    # them unrecoverable for this rig (a real device leaves them in the moved-aside
    # file), so any here would count as lost. 0 means the drain above was real.
    unconfirmed_at_kill = rig.device_query("SELECT count(*) FROM feedback_outbox WHERE confirmed_at IS NULL")[0][0]
    old_epoch = rig.device_query("SELECT epoch FROM feedback_state")[0][0]
    # The killed device left most of its recent pages in the WAL (4 MB of WAL
    # beside a 0.9 MB file in CI-scaled runs), and pages freed by pruning are on
    # the freelist, whose contents no check reads: damage to either is no damage
    # to find (the old "64 KiB at a third of the file" found nothing to move
    # aside in 2 full-suite runs under load). So checkpoint, as a device that
    # checkpointed before it died would have, and damage 16 pages of outbox rows.
    with contextlib.closing(sqlite3.connect(rig.db_path)) as conn:
        conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")
        page_size = conn.execute("PRAGMA page_size").fetchone()[0]
        pages = [r[0] for r in conn.execute(
            "SELECT pageno FROM dbstat WHERE name = 'feedback_outbox' AND pagetype = 'leaf' ORDER BY pageno")]
    data = bytearray(rig.db_path.read_bytes())
    mid = max(0, len(pages) // 2 - 8)
    for page in pages[mid:mid + 16]:
        data[(page - 1) * page_size: page * page_size] = b"\xff" * page_size
    rig.db_path.write_bytes(bytes(data))
    damaged = bytes(data)
    rig.status.clear()
    rig.start_device()
    up = rig.wait_new_epoch(old_epoch, timeout=60)
    say(f"corrupt_db: device restarted on the damaged file (fresh outbox: {up})")
    mark = len(rig.traffic.qos1_sent)
    rig.traffic.run(rate, seconds)
    unrecorded += rig.wait_recorded(mark, 60)
    drain = rig.wait_drained(120)
    time.sleep(1.5)  # one more status report
    code = rig.stop_device()
    moved = dbguard.quarantined(rig.db_path)
    preserved = bool(moved) and moved[0].read_bytes() == damaged
    reported = any((s.get("detail", {}).get("health", {}).get("feedback", {}) or {}).get("corrupt_db_count") == 1
                   for s in rig.status)
    new_epoch = rig.device_query("SELECT epoch FROM feedback_state")[0][0]
    out = rig.verdict(extra_expected=old_rows)
    out.update({"moved_aside": [p.name for p in moved], "original_bytes_preserved": preserved,
                "reported_in_status": reported, "new_epoch": new_epoch != old_epoch,
                "drain_s": round(drain, 1), "device_exit": code, "qos1_unrecorded": len(unrecorded),
                "unconfirmed_at_kill": unconfirmed_at_kill})
    out["integrity_ok"] = out["integrity_ok"] and preserved and reported and new_epoch != old_epoch
    return out


def corrupt_db_owed(rig: Rig, *, rate: float, seconds: float) -> dict:
    """The database is damaged while it still owes the cloud events (the uplink was down,
    so nothing was confirmed): the device moves it aside, salvages the owed events
    (edge.feedback.salvage) and delivers them under their own ids with the new ones."""
    rig.start_device()
    rig.wait_device_writing(timeout=60)
    rig.pair.link_down()
    rig.traffic.run(rate, seconds)
    unrecorded = rig.wait_recorded(0, 60)
    time.sleep(0.5)  # the log writer's last impressions
    rig.kill_device()
    old_rows = dict(rig.device_query("SELECT event_id, payload FROM feedback_outbox"))
    owed = rig.device_query("SELECT count(*) FROM feedback_outbox WHERE confirmed_at IS NULL")[0][0]
    # Damage pages that hold no outbox row (a worn card rarely takes the whole file):
    # a table appended after them, then its last pages overwritten.
    with contextlib.closing(sqlite3.connect(rig.db_path)) as conn:
        conn.execute("CREATE TABLE junk (b BLOB)")
        conn.executemany("INSERT INTO junk VALUES (?)", [(os.urandom(2000),) for _ in range(300)])
        conn.commit()
    data = bytearray(rig.db_path.read_bytes())
    data[-40_000:-8_000] = b"\xff" * 32_000
    rig.db_path.write_bytes(bytes(data))
    old_epoch = old_rows and next(iter(old_rows)).rsplit(":", 2)[1]
    rig.pair.link_up()
    rig.start_device()
    up = rig.wait_new_epoch(str(old_epoch), timeout=60)
    say(f"corrupt_db_owed: {owed} events owed at the kill; device restarted on the damaged file ({up})")
    mark = len(rig.traffic.qos1_sent)
    rig.traffic.run(rate, seconds)
    unrecorded += rig.wait_recorded(mark, 60)
    deadline = time.monotonic() + 90
    salvaged = owed_left = None
    while time.monotonic() < deadline:
        with contextlib.suppress(sqlite3.Error):
            salvaged, owed_left = rig.device_query(
                "SELECT count(*), count(*) - count(confirmed_at) FROM feedback_salvaged")[0]
            if salvaged and not owed_left:
                break
        time.sleep(0.25)
    drain = rig.wait_drained(120)
    code = rig.stop_device()
    out = rig.verdict(extra_expected=old_rows)
    out.update({"owed_at_kill": owed, "salvaged": salvaged, "salvaged_unconfirmed": owed_left,
                "moved_aside": [p.name for p in dbguard.quarantined(rig.db_path)],
                "qos1_unrecorded": len(unrecorded), "drain_s": round(drain, 1), "device_exit": code})
    out["integrity_ok"] = out["integrity_ok"] and salvaged == owed and len(out["moved_aside"]) == 1
    return out


SCENARIOS = ("broker_restarts", "offline_window", "device_sigkill", "corrupt_db", "corrupt_db_owed")


def run_scenarios(names: list[str], *, scale: float, rate: float, restarts: int, kills: int,
                  offline_runs: int, bundle: Path | None, keep: bool, offline_rate: float = 200.0,
                  on_result: Callable[[str, dict], None] | None = None) -> dict[str, dict]:
    root = Path(tempfile.mkdtemp(prefix="reliability-"))
    results: dict[str, dict] = {}
    try:
        bundle_path = find_bundle(bundle, root)
        for name in names:
            work = root / name
            work.mkdir()
            say(f"--- {name}")
            t0 = time.monotonic()
            rig = Rig(work, bundle_path, name)
            try:
                if name == "broker_restarts":
                    res = broker_restarts(rig, rate=rate, seconds=max(8.0, 40.0 * scale), restarts=restarts)
                elif name == "offline_window":
                    res = offline_window(rig, rate=offline_rate, offline_s=max(3.0, 20.0 * scale),
                                         online_s=max(2.0, 10.0 * scale), runs=offline_runs)
                elif name == "device_sigkill":
                    res = device_sigkill(rig, rate=min(rate, 300.0), kills=kills)
                elif name == "corrupt_db":
                    res = corrupt_db(rig, rate=min(rate, 300.0), seconds=max(2.0, 5.0 * scale))
                elif name == "corrupt_db_owed":
                    res = corrupt_db_owed(rig, rate=min(rate, 300.0), seconds=max(2.0, 5.0 * scale))
                else:
                    raise SystemExit(f"unknown scenario {name}")
            finally:
                rig.close()
            res["wall_s"] = round(time.monotonic() - t0, 1)
            results[name] = res
            say(f"{name}: {json.dumps(res)}")
            if on_result:
                on_result(name, res)
    finally:
        if keep:
            say(f"work directory kept: {root}")
        else:
            shutil.rmtree(root, ignore_errors=True)
    return results


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--only", action="append", choices=SCENARIOS, help="run just these (repeatable)")
    ap.add_argument("--scale", type=float, default=1.0, help="multiplies durations (0.3 for a quick run)")
    ap.add_argument("--rate", type=float, default=1000.0, help="signals per second (broker_restarts, offline)")
    ap.add_argument("--restarts", type=int, default=10)
    ap.add_argument("--kills", type=int, default=50)
    ap.add_argument("--offline-runs", type=int, default=3, help="offline windows (offline, then online)")
    ap.add_argument("--offline-rate", type=float, default=200.0,
                    help="signals/s during offline_window: a rate the device sustains, so the latency "
                         "measured is the device's, not a queue's")
    ap.add_argument("--bundle", type=Path, default=None)
    ap.add_argument("--keep", action="store_true", help="keep the work directory (logs, databases)")
    args = ap.parse_args(argv)
    names = args.only or list(SCENARIOS)
    results = run_scenarios(names, scale=args.scale, rate=args.rate, restarts=args.restarts,
                            kills=args.kills, offline_runs=args.offline_runs, bundle=args.bundle,
                            keep=args.keep, offline_rate=args.offline_rate)
    print(json.dumps({"scenarios": results}))
    return 0 if all(r["integrity_ok"] and r["lost"] == 0 for r in results.values()) else 1


if __name__ == "__main__":
    sys.exit(main())
