"""Security benchmark: the store network tried as an attacker would (issue 15).

    .venv/bin/python -m benchmarks.security [--bundle DIR] [--work DIR]

Runs against the shipped store broker config (``deploy/mosquitto/store-broker.conf``
with the generated ACL and password file, TLS with certificates made in the
run; only paths and ports changed) and a real ``edge-device`` process that logs
in on the loopback listener with its generated password:

* ``acl_matrix``: every identity x every contract topic x read/write observed
  on the store broker, compared with the contract, plus the cloud broker's
  bridges/ingest/console over two stores (deploy/acl_matrix.py);
* ``spoofed_recommendation_shown``: six other identities (a stranger with a
  store-CA certificate, another screen, the till, the camera, the location
  system, the shelf gateway) publish a retained recommendation for the front
  screen; true if the front screen ever receives one;
* ``confused_deputy_publishes``: a screen sends requests whose MQTT 5 response
  topic is a display's recommendations, the device's status and feedback,
  another store's pos, ``#`` and other non-reply topics; every message the
  device publishes there in answer (seen by the monitor, matched by
  correlation data) counts; the device must still answer afterwards;
* ``history_leaks``: a loyalty member enters, buys five items at the till and
  leaves, and the visit ends (session TTL set to 10 s); another screen then
  sends four requests naming the member; every item labelled "bought before"
  in the replies counts;
* ``forged_ack_lost_events``: a forged ``feedback/ack`` (watermark 1e9) against
  the device's feedback sender while the cloud is quiet, then the cloud comes
  back: events produced minus events in the warehouse. The ACL check (no
  identity but the bridge may publish acks) is part of the matrix;
* ``stale_retained_applied``: a retained inventory of 0 from earlier, then a
  live 50; the device restarts; 1 if the stale 0 is what it has afterwards;
* ``bundle_attacks``: every attack of tests/bundle_attacks.py on the loader
  and the extractor (``uncaught``: not a BundleError; ``written_outside``: a
  byte outside the slot; ``served``: the device's own loader accepted it), and
  three of them on a real device, which must keep serving the fallback.

The last line printed is one JSON object; the load average is in it.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import sqlite3
import subprocess
import sys
import tempfile
import threading
import time
import uuid
from collections.abc import Callable
from pathlib import Path
from typing import Any

import paho.mqtt.client as mqtt
from paho.mqtt.packettypes import PacketTypes
from paho.mqtt.properties import Properties

from deploy.acl import EXAMPLE_CONFIG, load_layouts, store_acl, write_password_file
from deploy.acl_matrix import run_cloud_matrix, run_matrix
from deploy.devicecfg import edge_device_cmd, local_device_config
from deploy.process import stop_process
from deploy.secure_broker import SecureBroker, make_pki, start_store_broker
from edge.comms.acl import StoreLayout, identities
from edge.comms.mqtt import new_client, start
from edge.comms.topics import TopicTree

REPO = Path(__file__).resolve().parents[1]
ATTACKERS = ("stranger", "screen-deli-screen", "till-gateway", "camera-cam1", "location-system", "shelf-gateway")


def say(msg: str) -> None:
    print(f"[security] {msg}", file=sys.stderr, flush=True)


def _wait(cond: Callable[[], bool], timeout: float, interval: float = 0.05) -> bool:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if cond():
            return True
        time.sleep(interval)
    return False


class Peer:
    """One TLS client of the secure broker with its own certificate; records what it receives."""

    def __init__(self, name: str, broker: SecureBroker) -> None:
        self.name = name
        self.messages: list[tuple[str, bytes, bytes | None, bool]] = []
        self.lock = threading.Lock()
        self.ready = threading.Event()
        certs = broker.certs
        c = new_client(f"bench-{name}-{uuid.uuid4().hex[:6]}", reconnect_s=None, nodelay=False,
                       tls={"ca_certs": str(certs / "ca.crt"), "certfile": str(certs / f"{name}.crt"),
                            "keyfile": str(certs / f"{name}.key")},
                       on_connect=lambda *a: self.ready.set())
        c.on_message = self._on_message
        start(c, "127.0.0.1", broker.ports["tls"], keepalive=30, blocking=True)
        self.client = c
        if not self.ready.wait(10):
            raise RuntimeError(f"{name} could not connect")

    def _on_message(self, client: mqtt.Client, userdata: object, msg: mqtt.MQTTMessage) -> None:
        props = getattr(msg, "properties", None)
        corr = getattr(props, "CorrelationData", None) if props is not None else None
        with self.lock:
            self.messages.append((msg.topic, msg.payload, corr, bool(msg.retain)))

    def subscribe(self, topic: str) -> None:
        done = threading.Event()
        self.client.on_subscribe = lambda *a: done.set()
        self.client.subscribe(topic, qos=1)
        done.wait(5)

    def publish(self, topic: str, payload: bytes, *, retain: bool = False,
                props: Properties | None = None) -> None:
        info = self.client.publish(topic, payload, qos=1, retain=retain, properties=props)
        info.wait_for_publish(5)

    def received(self) -> list[tuple[str, bytes, bytes | None, bool]]:
        with self.lock:
            return list(self.messages)

    def close(self) -> None:
        self.client.disconnect()
        self.client.loop_stop()


class Device:
    """A real edge-device process on the secure broker's loopback listener."""

    def __init__(self, work: Path, broker: SecureBroker, bundle: Path, creds: dict[str, str]) -> None:
        self.work = work
        self.db_path = work / "state.db"
        self.config_path = work / "device.toml"
        self.config = local_device_config(
            self.config_path, port=broker.ports["plain"], bundle=bundle, db_path=self.db_path,
            # The shortest session TTL the config allows, so a visit really ends in the run.
            overrides={"broker": {"username": "demo-edge-1", "password": creds["demo-edge-1"]},
                       "policy": {"session_ttl_s": 10}},
        )
        self.proc: subprocess.Popen[bytes] | None = None
        self.log = work / "device.log"

    def start(self, monitor: Peer, timeout: float = 60.0) -> None:
        status_topic = TopicTree(self.config.store_id, self.config.device_id).status
        seen = len(monitor.received())
        env = {**os.environ, "PYTHONPATH": str(REPO)}
        self.proc = subprocess.Popen([*edge_device_cmd(), "run", "--config", str(self.config_path)],
                                     stdout=self.log.open("ab"), stderr=subprocess.STDOUT, env=env)

        def online() -> bool:
            return any(t == status_topic and b'"online"' in p for t, p, _, _ in monitor.received()[seen:])

        if not _wait(online, timeout, 0.1):
            raise RuntimeError(f"device did not come online: {self.log.read_text()[-2000:]}")

    def stop(self) -> None:
        stop_process(self.proc, 20)

    def alive(self) -> bool:
        return self.proc is not None and self.proc.poll() is None

    def query(self, sql: str, args: tuple = ()) -> list[tuple]:
        with sqlite3.connect(f"file:{self.db_path}?mode=ro", uri=True, timeout=5) as conn:
            return conn.execute(sql, args).fetchall()


def _request(peer: Peer, request_topic: str, response_topic: str, body: dict[str, Any], corr: bytes) -> None:
    props = Properties(PacketTypes.PUBLISH)
    props.ResponseTopic = response_topic
    props.CorrelationData = corr
    peer.publish(request_topic, json.dumps({"v": 1, **body}).encode(), props=props)


def _answers(peer: Peer, corr: bytes) -> list[tuple[str, bytes]]:
    return [(t, p) for t, p, c, _ in peer.received() if c == corr]


def _signal(kind: str, **fields: Any) -> bytes:
    return json.dumps({"v": 1, "signal_id": f"{kind}-{uuid.uuid4().hex[:10]}", "ts": time.time(), **fields}).encode()


# ---- the attacks on the device --------------------------------------------------------


def spoofed_recommendation(peers: dict[str, Peer], tree: TopicTree, broker: SecureBroker) -> dict[str, Any]:
    target = tree.recommendations("front-screen")
    marker = f"spoof-{uuid.uuid4().hex[:8]}"
    fake = json.dumps({"v": 1, "recommendation_id": marker, "display_id": "front-screen", "zone": "entrance",
                       "cause": None, "model_version": None, "strategy": "popularity",
                       "generated_at": time.time(), "items": []}).encode()
    for name in ATTACKERS:
        peers[name].publish(target, fake, retain=True)
    time.sleep(0.5)
    screen = Peer("screen-front-screen", broker)  # a fresh subscription also gets what is retained
    screen.subscribe(target)
    time.sleep(1.0)
    shown = any(marker.encode() in p for _, p, _, _ in screen.received())
    screen.close()
    return {"spoofed_recommendation_shown": shown, "attackers": len(ATTACKERS)}


def confused_deputy(peers: dict[str, Peer], tree: TopicTree, device: Device) -> dict[str, Any]:
    screen, monitor = peers["screen-deli-screen"], peers["monitor"]
    other = TopicTree("other-store", "demo-edge-1")
    bad_topics = [tree.recommendations("front-screen"), tree.status, tree.feedback, tree.deadletter,
                  other.pos, tree.pos, "#", f"{tree.base}/reply/#", f"{tree.base}/reply/+/x",
                  f"{tree.base}/reply", "", "a" * 5000]
    publishes = 0
    tried = 0
    for i, topic in enumerate(bad_topics):
        corr = f"deputy-{i}-{uuid.uuid4().hex[:6]}".encode()
        try:
            _request(screen, tree.request, topic, {"request_id": f"r{i}", "display_id": "front-screen"}, corr)
        except ValueError:
            continue  # the attacker's own client refuses to send it: not an attack that reached the device
        tried += 1
        time.sleep(0.3)
        # The monitor also sees the request itself (it carries the correlation data too).
        publishes += sum(1 for t, _ in _answers(monitor, corr) if t != tree.request)
    # The device still answers into a proper reply namespace.
    corr = f"ok-{uuid.uuid4().hex[:6]}".encode()
    reply_topic = f"{tree.reply('screen-deli-screen')}/ok"
    screen.subscribe(f"{tree.reply('screen-deli-screen')}/#")
    _request(screen, tree.request, reply_topic, {"request_id": "ok", "display_id": "deli-screen"}, corr)
    answered = _wait(lambda: any(t == reply_topic for t, _ in _answers(screen, corr)), 10)
    return {"confused_deputy_publishes": publishes, "deputy_requests": tried,
            "reply_namespace_answered": answered, "device_alive_after_deputy": device.alive()}


def history_leak(peers: dict[str, Peer], tree: TopicTree, device: Device) -> dict[str, Any]:
    member = f"hh-{uuid.uuid4().hex[:6]}"
    shopper = {"loyalty_id": member}
    items = [r[0] for r in device.query("SELECT item_id FROM catalogue ORDER BY idx LIMIT 5")]
    peers["location-system"].publish(tree.location, _signal("loc", shopper=shopper, zone="produce",
                                                            action="enter"))
    peers["till-gateway"].publish(tree.pos, _signal(
        "pos", transaction_id=f"t-{uuid.uuid4().hex[:8]}", shopper=shopper,
        items=[{"item_id": i, "quantity": 1, "price": 1.0} for i in items]))
    time.sleep(0.5)
    peers["location-system"].publish(tree.location, _signal("loc", shopper=shopper, zone="produce",
                                                            action="leave"))
    time.sleep(11.0)  # the visit ends: the session expires after its TTL (10 s here)
    requester = peers["screen-deli-screen"]
    requester.subscribe(f"{tree.reply('screen-deli-screen')}/#")
    leaks = answered = 0
    for i, target in enumerate([{"display_id": "deli-screen"}, {"zone": "produce"},
                                {"display_id": "deli-screen", "k": 20}, {"zone": "grocery", "k": 20}]):
        corr = f"hist-{i}-{uuid.uuid4().hex[:6]}".encode()
        _request(requester, tree.request, f"{tree.reply('screen-deli-screen')}/h{i}",
                 {"request_id": f"h{i}", "shopper": shopper, **target}, corr)
        if not _wait(lambda c=corr: bool(_answers(requester, c)), 10):
            continue
        answered += 1
        for _, payload in _answers(requester, corr):
            rec = json.loads(payload)
            leaks += sum(1 for it in rec.get("items", []) if it.get("reason") == "bought before")
    return {"history_leaks": leaks, "history_requests_answered": answered, "member_items_bought": len(items)}


def stale_retained(peers: dict[str, Peer], tree: TopicTree, device: Device) -> dict[str, Any]:
    item = device.query("SELECT item_id FROM catalogue ORDER BY idx LIMIT 1 OFFSET 7")[0][0]
    shelf = peers["shelf-gateway"]
    old = json.dumps({"v": 1, "signal_id": f"inv-old-{uuid.uuid4().hex[:6]}", "ts": time.time() - 3600,
                      "item_id": item, "quantity": 0}).encode()
    shelf.publish(tree.inventory, old, retain=True)  # a stale count left retained on the broker
    time.sleep(0.5)
    shelf.publish(tree.inventory, _signal("inv", item_id=item, quantity=50))
    live_ok = _wait(lambda: device.query("SELECT quantity FROM inventory WHERE item_id = ?", (item,))
                    == [(50,)], 10)
    device.stop()
    device.start(peers["monitor"])
    time.sleep(1.5)
    after = device.query("SELECT quantity FROM inventory WHERE item_id = ?", (item,))
    shelf.publish(tree.inventory, b"", retain=True)  # clear the retained message
    return {"stale_retained_applied": int(after != [(50,)]), "stale_live_applied": live_ok,
            "stale_quantity_after_restart": after[0][0] if after else None}


def forged_ack(work: Path) -> dict[str, Any]:
    """The device's feedback sender (the code edge-device runs) against a forged ack, on an
    open broker as the demo uses: what an attacker could do without the ACL."""
    from cloud_trainer.ingest import IngestService, SQLiteWarehouse
    from deploy.local_broker import MosquittoBroker
    from edge.feedback.outbox import Outbox, create_schema
    from edge.feedback.sync import FeedbackSender, open_db
    from firmware_config.feedback import FeedbackConfig, SyncConfig
    from firmware_config.schema import BrokerConfig

    fast = FeedbackConfig(sync=SyncConfig(confirm_timeout_s=3.0, backoff_initial_s=0.2, backoff_max_s=1.0))
    db_path = work / "outbox.db"
    conn = open_db(db_path)
    conn.execute("BEGIN")
    create_schema(conn, "dev1", "s1")
    conn.execute("COMMIT")

    def produce(n: int) -> None:
        for i in range(n):
            conn.execute("BEGIN IMMEDIATE")
            Outbox().append(conn, "interaction", {"i": i})
            conn.execute("COMMIT")

    def pending() -> int:
        return Outbox.stats(conn)["pending"]

    with MosquittoBroker(workdir=work / "broker") as broker:
        wh = SQLiteWarehouse(work / "wh.db")
        ingest = IngestService(wh, broker.host, broker.port).start()
        sender = FeedbackSender(db_path, BrokerConfig(host=broker.host, port=broker.port), device_id="dev1",
                                store_id="s1", client_id="dev1-feedback", config=fast).start()
        try:
            produce(20)
            _wait(lambda: pending() == 0, 20)
            ingest.stop()
            produce(38)
            _wait(lambda: sender.stats()["published"] >= 58, 10)
            owed_before = pending()
            forger = new_client("forger", reconnect_s=None, nodelay=False)
            start(forger, broker.host, broker.port, keepalive=60, blocking=True)
            epoch = Outbox.identity(conn)[2]
            forger.publish(TopicTree("s1", "dev1").feedback_ack, json.dumps(
                {"v": 1, "device_id": "dev1", "epoch": epoch, "watermark": 1_000_000_000, "ts": time.time()}),
                qos=1, retain=True).wait_for_publish(5)
            forger.disconnect()
            forger.loop_stop()
            time.sleep(1.0)
            owed_after_forgery = pending()
            ingest = IngestService(wh, broker.host, broker.port).start()
            _wait(lambda: pending() == 0, 60, 0.2)
            stored = len({e["seq"] for e in wh.events()})
        finally:
            sender.stop()
            ingest.stop()
    conn.close()
    return {"forged_ack_lost_events": 58 - stored, "forged_ack_owed_before": owed_before,
            "forged_ack_owed_after": owed_after_forgery, "forged_ack_counted": sender.stats().get("acks_forged")}


# ---- bundles ---------------------------------------------------------------------------


def bundle_attacks(work: Path, good: Path, broker: SecureBroker, creds: dict[str, str],
                   monitor: Peer) -> dict[str, Any]:
    sys.path.insert(0, str(REPO / "tests"))
    from bundle_attacks import DIR_ATTACKS, TAR_ATTACKS, run_dir_attack, run_tar_attack

    from edge.bundle import BundleError
    from edge.runtime.model import load_scorer

    tried = uncaught = written_outside = served = 0
    refused_paths: list[Path] = []
    for attack in DIR_ATTACKS:
        tried += 1
        outcome = run_dir_attack(attack, good, work / "dir")
        uncaught += outcome.uncaught is not None
        target = work / "dir" / attack.name / "bundle"
        try:
            load_scorer(target)  # what the device does with its configured bundle
            served += 1
        except BundleError:
            refused_paths.append(target)
        except Exception:  # noqa: BLE001 - a traceback on the device is what this counts
            uncaught += 1
    for attack in TAR_ATTACKS:
        tried += 1
        outcome = run_tar_attack(attack, good, work / "tar")
        uncaught += outcome.uncaught is not None
        written_outside += bool(outcome.written_outside)
        served += outcome.loaded
    # Three on a real device: it must start, fall back to popularity and keep answering.
    fallback_ok = 0
    sample = [p for p in refused_paths if p.parent.name in
              ("model_wrong_hash", "items_is_a_symlink", "golden_history_index_huge")]
    tree = TopicTree("cj-demo", "demo-edge-1")
    for i, path in enumerate(sample):
        dev = Device(work / f"device-{i}", broker, path, creds)
        try:
            dev.start(monitor)
            sig = _signal("loc", shopper={"track_id": f"t{i}"}, zone="produce", action="enter")
            sig_id = json.loads(sig)["signal_id"].encode()
            peer = Peer("location-system", broker)
            peer.publish(tree.location, sig)
            peer.close()
            ok = _wait(lambda s=sig_id: any(s in p and b'"popularity"' in p for t, p, _, _ in monitor.received()
                                             if t.endswith("/recommendations")), 15)
            fallback_ok += int(ok and dev.alive())
        finally:
            dev.stop()
    return {"tried": tried, "uncaught": uncaught, "written_outside": written_outside, "served": served,
            "real_device_fallbacks": f"{fallback_ok}/{len(sample)}"}


def find_bundle(work: Path, arg: Path | None) -> Path:
    if arg is not None:
        return arg
    say("building the tiny test bundle (TensorFlow, ~10 s)")
    sys.path.insert(0, str(REPO / "tests"))
    from bundle_factory import build_bundle  # type: ignore[import-not-found]

    return build_bundle(work / "good-bundle")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m benchmarks.security", description=__doc__.split("\n")[0])
    parser.add_argument("--bundle", type=Path, help="a good bundle directory (default: the tiny test bundle)")
    parser.add_argument("--work", type=Path, help="work directory (default: a temporary one, removed)")
    args = parser.parse_args(argv)
    work = args.work or Path(tempfile.mkdtemp(prefix="security-bench-"))
    t0 = time.monotonic()
    result: dict[str, Any] = {}
    layout: StoreLayout = load_layouts([EXAMPLE_CONFIG])[0]
    try:
        say("ACL matrix on the shipped store broker config")
        matrix = run_matrix(work / "matrix", layout)
        cloud = run_cloud_matrix(work / "cloud-matrix", [layout, StoreLayout("s2", ("d2",), (), ())])
        result["acl_matrix"] = {"checked": matrix.checked + cloud.checked,
                                "mismatches": len(matrix.mismatches) + len(cloud.mismatches)}
        result["acl_matrix_store"], result["acl_matrix_cloud"] = matrix.summary(), cloud.summary()
        for m in [*matrix.mismatches, *cloud.mismatches][:20]:
            say(f"  mismatch: {m}")
        good = find_bundle(work, args.bundle)
        names = [i.username for i in identities(layout)] + ["stranger"]
        certs = make_pki(work / "certs", names)
        creds = write_password_file(layout, work / "loopback")
        broker = start_store_broker(work / "broker", acl_text=store_acl(layout),
                                    passwd=work / "loopback" / "passwd", certs=certs, store_id=layout.store_id)
        peers: dict[str, Peer] = {}
        device = Device(work / "device", broker, good, creds)
        try:
            for name in {*ATTACKERS, "monitor", "screen-deli-screen"}:
                peers[name] = Peer(name, broker)
            peers["monitor"].subscribe("#")
            device.start(peers["monitor"])
            tree = TopicTree(layout.store_id, layout.device_ids[0], layout.prefix)
            say("spoofed recommendations")
            result.update(spoofed_recommendation(peers, tree, broker))
            say("confused deputy")
            result.update(confused_deputy(peers, tree, device))
            say("purchase-history oracle")
            result.update(history_leak(peers, tree, device))
            say("stale retained state across a restart")
            result.update(stale_retained(peers, tree, device))
            device.stop()
            say("bundle attacks")
            result["bundle_attacks"] = bundle_attacks(work / "bundles", good, broker, creds, peers["monitor"])
        finally:
            device.stop()
            for p in peers.values():
                p.close()
            broker.stop()
        say("forged feedback ack")
        (work / "ack").mkdir(exist_ok=True)
        result.update(forged_ack(work / "ack"))
    finally:
        if args.work is None:
            shutil.rmtree(work, ignore_errors=True)
    result["seconds"] = round(time.monotonic() - t0, 1)
    result["loadavg"] = Path("/proc/loadavg").read_text().split()[:3]
    print(json.dumps(result))
    return 0


if __name__ == "__main__":
    sys.exit(main())
