"""The device under floods, on a real Mosquitto and a real ``edge-device`` process.

No accepted signal is lost (every POS and interaction of a concurrent flood is
in the database), every published recommendation has its log row after a
SIGTERM straight after a flood, a touch at a screen is still answered while
positions flood in, and the status stays small and says what was shed.
"""

from __future__ import annotations

import contextlib
import json
import os
import signal
import sqlite3
import subprocess
import sys
import threading
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import TYPE_CHECKING

import paho.mqtt.client as mqtt
import pytest
from edge_helpers import Probe, location, purchase, tiny_bundle, topics, wait_until
from paho.mqtt.enums import CallbackAPIVersion

from deploy.local_broker import MosquittoBroker
from edge.comms.lean_paho import StoppableClient

if TYPE_CHECKING:
    from edge.app import Device

T = topics()


def write_config(tmp_path: Path, broker: MosquittoBroker, extra: str = "") -> Path:
    config = tmp_path / "device.toml"
    config.write_text(
        f'device_id = "dev1"\nstore_id = "teststore"\n[broker]\nport = {broker.port}\nkeepalive_s = 5\n'
        f'[model]\nbundle_path = "{tiny_bundle()}"\n[storage]\ndb_path = "state.db"\n'
        '[feedback.sync]\nenabled = false\n'
        '[[zones]]\nid = "produce"\ndepartments = ["PRODUCE"]\nneighbours = ["deli"]\n'
        '[[zones]]\nid = "deli"\ndepartments = ["DELI"]\nneighbours = ["produce"]\n'
        '[[displays]]\nid = "produce-screen"\nkind = "screen"\nzone = "produce"\n'
        '[[displays]]\nid = "deli-screen"\nkind = "screen"\nzone = "deli"\n' + extra
    )
    return config


NO_MODEL_CASES = ("no_model_section", "refused_bundle_fresh_db", "quarantined_db")
"""The three ways a device starts without a usable model (issue: the fallback)."""


def config_without_model(tmp_path: Path, broker: MosquittoBroker, case: str,
                         damage: Callable[[Path], None]) -> Path:
    """``write_config`` for one of :data:`NO_MODEL_CASES`: no ``[model]``; a bundle whose
    model file fails its hash on a fresh database; or no ``[model]`` and ``damage``
    applied to the state database first (it is found corrupt and moved aside)."""
    import shutil

    config = write_config(tmp_path, broker)
    text = config.read_text()
    if case == "refused_bundle_fresh_db":
        bad = tmp_path / "bad-bundle"
        shutil.copytree(tiny_bundle(), bad)
        model = next(p for p in bad.iterdir() if p.suffix == ".tflite")
        model.write_bytes(model.read_bytes()[:-64] + b"\0" * 64)  # hash mismatch: refused
        text = text.replace(str(tiny_bundle()), str(bad))
    else:
        text = text.replace(f'[model]\nbundle_path = "{tiny_bundle()}"\n', "")
        if case == "quarantined_db":
            damage(tmp_path / "state.db")
    config.write_text(text)
    return config


@pytest.fixture
def device(tmp_path: Path, broker: MosquittoBroker) -> Iterator[tuple[subprocess.Popen[str], Probe]]:
    probe = Probe(broker)
    proc = subprocess.Popen([sys.executable, "-m", "edge.cli", "run", "--config", str(write_config(tmp_path, broker)),
                             "--log-level", "WARNING"], stderr=subprocess.PIPE, text=True,
                            env={**os.environ, "PYTHONUNBUFFERED": "1"})
    try:
        probe.wait_for(lambda t, b: t == T.status and (b or {}).get("state") == "online", timeout=30)
        yield proc, probe
    finally:
        probe.close()
        if proc.poll() is None:
            proc.kill()
            proc.wait()


def stop(proc: subprocess.Popen[str]) -> str:
    proc.send_signal(signal.SIGTERM)
    assert proc.wait(timeout=60) == 0
    err = proc.stderr.read() if proc.stderr else ""
    assert "Traceback" not in err, err[-3000:]
    return err


def client(broker: MosquittoBroker, name: str) -> mqtt.Client:
    c = StoppableClient(CallbackAPIVersion.VERSION2, client_id=name, protocol=mqtt.MQTTv5)
    c.max_inflight_messages_set(0)
    c.connect(broker.host, broker.port)
    c.loop_start()
    return c


def flood(broker: MosquittoBroker, n: int, shoppers: int = 300, name: str = "flood") -> None:
    c = client(broker, name)
    try:
        for i in range(n):
            sig = location("produce" if i % 2 else "deli", track=f"fl-{i % shoppers}", sid=f"{name}-{i}")
            c.publish(T.location, json.dumps(sig).encode(), qos=0)
    finally:
        time.sleep(0.2)
        c.disconnect()
        c.loop_stop()


def test_concurrent_pos_and_interactions_are_all_recorded_during_a_flood(
    tmp_path: Path, broker: MosquittoBroker, device: tuple[subprocess.Popen[str], Probe]
) -> None:
    proc, probe = device
    n = 300
    sent: dict[str, list[str]] = {"pos": [], "interaction": []}

    def pos_sender() -> None:
        c = client(broker, "tills")
        for i in range(n):
            sale = purchase(["P001", "P002"], loyalty=f"l{i % 20}", txn=f"txn-{i}")
            sent["pos"].append(sale["transaction_id"])
            c.publish(T.pos, json.dumps(sale).encode(), qos=1)
        time.sleep(0.5)
        c.disconnect()
        c.loop_stop()

    def touch_sender() -> None:
        c = client(broker, "screens")
        for i in range(n):
            sid = f"touch-{i}"
            sent["interaction"].append(sid)
            body = {"v": 1, "signal_id": sid, "ts": time.time(), "kind": "pickup", "item_id": "P003",
                    "shopper": {"track_id": f"t{i % 30}"}}
            c.publish(T.interaction("deli-screen" if i % 2 else "produce-screen"), json.dumps(body).encode(), qos=1)
        time.sleep(0.5)
        c.disconnect()
        c.loop_stop()

    threads = [threading.Thread(target=f) for f in (pos_sender, touch_sender, lambda: flood(broker, 5000))]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    # Every one is answered (so handled) before the device stops; then count them on disk.
    assert wait_until(lambda: {f"touch-{i}" for i in range(n)} <= {
        (b.get("cause") or {}).get("signal_id") for t, b, _ in list(probe.messages)
        if t.endswith("/recommendations") and b}, 60)
    stop(proc)
    with sqlite3.connect(tmp_path / "state.db") as db:
        txns = {r[0] for r in db.execute("SELECT transaction_id FROM purchases")}
        touches = {json.loads(r[0])["data"]["signal_id"] for r in db.execute(
            "SELECT payload FROM feedback_outbox WHERE kind = 'interaction'")}
    assert set(sent["pos"]) <= txns, len(set(sent["pos"]) - txns)
    assert touches == set(sent["interaction"])


def test_sigterm_after_a_flood_keeps_the_log_row_of_every_published_recommendation(
    tmp_path: Path, broker: MosquittoBroker, device: tuple[subprocess.Popen[str], Probe]
) -> None:
    proc, probe = device
    flood(broker, 5000, shoppers=2000)
    stop(proc)  # straight after the flood: the log writer still holds rows
    published = {b["recommendation_id"] for t, b, _ in list(probe.messages)
                 if t.endswith("/recommendations") and b and (b.get("cause") or {}).get("signal_id", "").startswith("flood-")}
    assert len(published) > 50
    with sqlite3.connect(tmp_path / "state.db") as db:
        logged = {r[0] for r in db.execute("SELECT recommendation_id FROM reco_log")}
    assert published <= logged, f"{len(published - logged)} of {len(published)} published recommendations have no log row"


def test_touch_is_answered_while_positions_flood_in_and_the_status_says_what_was_shed(
    tmp_path: Path, broker: MosquittoBroker, device: tuple[subprocess.Popen[str], Probe]
) -> None:
    proc, probe = device
    flooder = threading.Thread(target=flood, args=(broker, 20_000, 300))
    flooder.start()
    time.sleep(0.5)
    answered = []
    for i in range(10):
        sid = f"probe-{i}"
        body = {"v": 1, "signal_id": sid, "ts": time.time(), "kind": "touch", "shopper": {"track_id": "pr"}}
        t0 = time.monotonic()
        probe.publish(T.interaction("deli-screen"), body, qos=1)
        probe.reco_for(sid, "deli-screen", timeout=10)
        answered.append(time.monotonic() - t0)
    flooder.join()
    err = stop(proc)
    final = [b for t, b, _ in list(probe.messages) if t == T.status and b and b.get("state") == "offline"][-1]
    overload = final["detail"]["overload"]
    assert "shed" in overload, overload  # a block that raised reads {"error": ...}: say which
    assert overload["shed"]["pos"] == overload["shed"]["interaction"] == overload["shed"]["inventory"] == 0
    assert overload["coalesced"] + overload["shed"]["location"] > 0
    assert all(len(json.dumps(b)) < 16_384 for t, b, _ in list(probe.messages) if t == T.status and b)
    assert "Traceback" not in err
    assert len(answered) == 10


def test_log_writer_stop_commits_its_whole_backlog_and_bounds_its_queue(tmp_path: Path) -> None:
    from edge.state import StateStore
    from edge.state.logwriter import LogWriter

    StateStore(tmp_path / "state.db", None).close()  # the schema
    writer = LogWriter(tmp_path / "state.db", interval_s=60.0, max_batch=500, max_pending=3000).start()
    rows = [(f"r{i}", 1.0, "d", "z", None, f"s{i}", "t", "model", "v1", ["P001"]) for i in range(2500)]
    for row in rows:
        writer.put(row, None)
    assert writer.pending == 2500  # nothing committed yet: the interval is a minute
    done = threading.Event()

    def more() -> None:  # past max_pending the producer waits for the writer instead of growing it
        for i in range(1000):
            writer.put((f"x{i}", 1.0, "d", "z", None, None, None, "model", "v1", []), None)
        done.set()

    threading.Thread(target=more, daemon=True).start()
    assert done.wait(20)
    assert writer.peak_pending == 3000 and writer.waited_s > 0  # it waited; the writer woke up
    writer.stop()
    with sqlite3.connect(tmp_path / "state.db") as db:
        assert db.execute("SELECT count(*) FROM reco_log").fetchone()[0] == 3500


def test_hostile_ids_cannot_grow_the_status_sessions_or_the_inventory(tmp_path: Path, monkeypatch) -> None:
    """Unique reasons, camera ids, shoppers and item ids by the thousand: every
    structure they land in stays within its stated bound, and the status stays small."""
    from edge_helpers import device_config

    import edge.state.store as store_mod
    from edge.app import Device

    monkeypatch.setattr(store_mod, "MAX_FOREIGN_STOCK", 20)
    device = Device(device_config(tmp_path, None, tiny_bundle()))
    device.store.max_sessions = 50
    device.log_writer.start()
    n = 200
    try:
        for i in range(n):
            device.handle(T.location, json.dumps({**location("deli", track=f"t{i}"), f"x{i}": 1}).encode())
            device.handle(T.camera_status(f"cam{i}"), json.dumps(
                {"v": 1, "camera_id": f"cam{i}", "state": "online", "ts": time.time()}).encode())
            device.handle(T.inventory, json.dumps({"v": 1, "signal_id": f"inv{i}", "ts": time.time(),
                                                   "item_id": f"NOPE{i}", "quantity": 1}).encode())
            device.handle(T.location, json.dumps(location("deli", track=f"s{i}")).encode())
        with device.lock:
            device.agent.expire()
        detail = device.metrics.detail()
        assert detail["rejected_total"] == n
        assert len(detail["rejected"]) <= 11 and "other" in detail["rejected"]
        assert len(detail["cameras"]) == 16 and detail["overload"]["cameras_unlisted"] == n - 16
        assert len(device.store.sessions) == 50 and detail["overload"]["sessions_evicted"] >= n - 50
        assert detail["overload"]["inventory_unknown"] == n - 20
        assert device.log_writer.drain()  # shelf counts are stored by the log writer
        rows = device.store.conn.execute("SELECT count(*) FROM inventory").fetchone()[0]
        assert rows == 20
        assert len(device.status.payload("online")) < 16_384
    finally:
        device.log_writer.stop()
        device.store.close()


def test_a_shelf_count_is_acknowledged_only_once_the_log_writer_committed_it(tmp_path: Path) -> None:
    """The worker commits nothing for a shelf count: memory changes at once, the
    log writer stores it, and the broker ack waits for that commit."""
    from edge_helpers import device_config

    from edge.app import Device

    device = Device(device_config(tmp_path, None, tiny_bundle()))
    acked: list[int] = []
    try:
        item = device.store.items[0].item_id
        device.agent._ack = lambda: acked.append(1)  # noqa: SLF001 - as the worker sets it
        device.handle(T.inventory, json.dumps({"v": 1, "signal_id": "inv1", "ts": time.time(),
                                               "item_id": item, "quantity": 0}).encode())
        device.agent._settle()  # noqa: SLF001
        assert not device.store.available[device.store.index[item]]  # in memory at once
        assert acked == []  # the writer has not committed it yet (not even started)
        assert device.store.conn.execute("SELECT count(*) FROM inventory").fetchone()[0] == 0
        device.log_writer.start()
        assert device.log_writer.drain() and acked == [1]
        assert device.store.conn.execute("SELECT quantity FROM inventory WHERE item_id=?",
                                         (item,)).fetchone()[0] == 0
    finally:
        device.log_writer.stop()
        device.store.close()


@contextlib.contextmanager
def feedback_device(tmp_path: Path) -> Iterator[Device]:
    """An in-process device on the tiny bundle capturing feedback, its log writer running."""
    from edge_helpers import device_config

    from edge.app import Device

    device = Device(device_config(tmp_path, None, tiny_bundle()), feedback_runtime=True)
    device.log_writer.start()
    try:
        yield device
    finally:
        device.log_writer.stop()
        device.store.close()


def outbox_count(device: Device, kind: str) -> int:
    return device.store.conn.execute("SELECT count(*) FROM feedback_outbox WHERE kind = ?", (kind,)).fetchone()[0]


def test_a_replayed_interaction_is_one_feedback_event(tmp_path: Path) -> None:
    with feedback_device(tmp_path) as device:
        body = json.dumps({"v": 1, "signal_id": "same", "ts": time.time(), "kind": "touch",
                           "shopper": {"track_id": "t1"}}).encode()
        for _ in range(200):
            device.handle(T.interaction("deli-screen"), body)
        assert device.agent.seen.duplicates["interaction"] == 199
        assert device.log_writer.drain()  # the log writer stores interactions
        assert outbox_count(device, "interaction") == 1


def test_an_interaction_redelivered_after_a_restart_is_not_a_second_event(tmp_path: Path) -> None:
    """The in-memory signal-id window dies with the process; the broker resends what
    was committed but not yet acked when it died. The database remembers the id."""
    body = json.dumps({"v": 1, "signal_id": "once", "ts": time.time(), "kind": "touch",
                       "shopper": {"track_id": "t1"}}).encode()
    for boot in range(2):
        with feedback_device(tmp_path) as device:  # the same directory: the same database
            device.handle(T.interaction("deli-screen"), body)
            assert device.agent.seen.duplicates["interaction"] == boot  # the restarted one knew it
            assert device.log_writer.drain()
            assert outbox_count(device, "interaction") == 1


@pytest.mark.parametrize("case", NO_MODEL_CASES)
def test_device_without_a_usable_model_keeps_serving(tmp_path: Path, broker: MosquittoBroker, case: str) -> None:
    """The fallback: no [model], a bundle refused on a fresh database, or a corrupt
    database moved aside. The device stays up, reports itself online and answers
    every signal with the popularity strategy (empty lists when it has never seen
    a catalogue: there is nothing to recommend yet), without a traceback."""
    config = config_without_model(tmp_path, broker, case,
                                  lambda db: db.write_bytes(b"this is not a database" * 100))
    probe = Probe(broker)
    proc = subprocess.Popen([sys.executable, "-m", "edge.cli", "run", "--config", str(config)],
                            stderr=subprocess.PIPE, text=True, env={**os.environ, "PYTHONUNBUFFERED": "1"})
    try:
        probe.wait_for(lambda t, b: t == T.status and (b or {}).get("state") == "online", timeout=30)
        for zone, display in (("produce", "produce-screen"), ("deli", "deli-screen")):
            sig = location(zone, track="fallback")
            probe.publish(T.location, sig, qos=0)
            reco = probe.reco_for(sig["signal_id"], display, timeout=10)
            assert reco["strategy"] == "popularity" and reco["model_version"] is None
        assert proc.poll() is None
        stop(proc)
    finally:
        probe.close()
        if proc.poll() is None:
            proc.kill()
            proc.wait()
    if case == "quarantined_db":
        assert list(tmp_path.glob("state.db.corrupt*")), sorted(p.name for p in tmp_path.iterdir())


def start_device(config: Path) -> subprocess.Popen[str]:
    return subprocess.Popen([sys.executable, "-m", "edge.cli", "run", "--config", str(config), "--log-level",
                             "WARNING"], stderr=subprocess.PIPE, text=True, env={**os.environ, "PYTHONUNBUFFERED": "1"})


def recorded(db_path: Path) -> tuple[list[str], list[str], list[tuple[str, str]]]:
    """Purchases, interaction events and conversion events (transaction, item) on disk."""
    with sqlite3.connect(db_path, timeout=30) as db:
        txns = [r[0] for r in db.execute("SELECT transaction_id FROM purchases")]
        events = [(r[0], json.loads(r[1])["data"]) for r in db.execute(
            "SELECT kind, payload FROM feedback_outbox WHERE kind IN ('interaction', 'conversion')")]
    return (txns, [d["signal_id"] for k, d in events if k == "interaction"],
            [(d["transaction_id"], d["item_id"]) for k, d in events if k == "conversion"])


def signals_recorded(db_path: Path) -> int:
    """POS or interactions on disk, whichever are more (counts: cheap enough to poll during a flood)."""
    if not db_path.exists():
        return 0
    try:
        with sqlite3.connect(db_path, timeout=30) as db:
            return max(db.execute("SELECT count(*) FROM purchases").fetchone()[0],
                       db.execute("SELECT count(*) FROM feedback_outbox WHERE kind = 'interaction'").fetchone()[0])
    except sqlite3.OperationalError:  # the tables are not created yet
        return 0


def test_sigkill_mid_flood_loses_no_acknowledged_pos_or_interaction_and_counts_each_once(
    tmp_path: Path, broker: MosquittoBroker
) -> None:
    """QoS 1 signals are acked to the broker only once committed: a SIGKILL while
    hundreds are queued in the device leaves them with the broker (persistent
    session), the restarted device gets them again, and each is recorded once
    (POS by transaction id, interactions by signal id, also across the restart)."""
    config = write_config(tmp_path, broker)
    probe = Probe(broker)
    proc = start_device(config)
    n = 250
    sent: dict[str, list[str]] = {"pos": [], "interaction": []}
    accepted = {"pos": threading.Event(), "interaction": threading.Event()}  # the broker has them all
    killed = threading.Event()
    try:
        probe.wait_for(lambda t, b: t == T.status and (b or {}).get("state") == "online", timeout=30)

        def sender(kind: str) -> None:
            c = client(broker, f"{kind}-sender")
            infos = []
            for i in range(n):
                if i == n // 2:
                    # The second half only once the device is down: however fast it
                    # records, the kill lands mid-stream (under load it recorded all
                    # 250 of each before the test's poll saw the first ones).
                    killed.wait(30)
                if kind == "pos":
                    msg = purchase(["P001", "P002"], loyalty=f"l{i % 20}", txn=f"txn-{i}")
                    sent["pos"].append(msg["transaction_id"])
                    topic = T.pos
                else:
                    msg = {"v": 1, "signal_id": f"touch-{i}", "ts": time.time(), "kind": "pickup",
                           "item_id": "P003", "shopper": {"track_id": f"t{i % 30}"}}
                    sent["interaction"].append(msg["signal_id"])
                    topic = T.interaction("deli-screen" if i % 2 else "produce-screen")
                infos.append(c.publish(topic, json.dumps(msg).encode(), qos=1))
            for info in infos:
                info.wait_for_publish(10)  # the broker has it: from here it must not be lost
            accepted[kind].set()
            c.disconnect()
            c.loop_stop()

        threads = [threading.Thread(target=sender, args=(k,)) for k in ("pos", "interaction")]
        threads.append(threading.Thread(target=flood, args=(broker, 20_000)))
        for t in threads:
            t.start()
        # Mid-flood, once the device has started on either kind: the rest of the
        # first halves are queued in it or in flight to it, the second halves wait
        # for the kill and then for the device in its persistent session. Watching
        # POS alone let the interactions all be recorded first (2 of 6 runs with
        # two busy loops beside it); polled with counts (reading the whole outbox,
        # flood impressions included, was slow enough for the device to record
        # everything meanwhile), though a poll can still stall for over a second.
        assert wait_until(lambda: signals_recorded(tmp_path / "state.db") >= 5, 30, 0.005)
        os.kill(proc.pid, signal.SIGKILL)
        proc.wait(10)
        killed.set()
        before = recorded(tmp_path / "state.db")
        assert all(e.wait(30) for e in accepted.values())  # from here none of them may be lost
        for t in threads:
            t.join()
        proc = start_device(config)

        def complete() -> bool:
            txns, touches, _ = recorded(tmp_path / "state.db")
            return len(set(txns)) >= n and len(set(touches)) >= n

        assert wait_until(complete, 90, 0.5), [len(set(x)) for x in recorded(tmp_path / "state.db")[:2]]
        time.sleep(1.0)  # a late redelivery would show up as a second event now
        stop(proc)
    finally:
        killed.set()  # the senders finish whatever failed
        probe.close()
        if proc.poll() is None:
            proc.kill()
            proc.wait()
    txns, touches, conversions = recorded(tmp_path / "state.db")
    # The kill landed mid-stream: some were recorded before it, the rest after the restart.
    assert 0 < max(len(set(before[0])), len(set(before[1]))) <= n // 2, [len(set(x)) for x in before[:2]]
    assert sorted(txns) == sorted(sent["pos"])
    assert sorted(touches) == sorted(sent["interaction"]), "an interaction is missing or recorded twice"
    assert len(conversions) == len(set(conversions)), "a purchase was attributed twice"
