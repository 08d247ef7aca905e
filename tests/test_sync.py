"""The store-and-forward sender against real Mosquitto processes."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import threading
import time
from pathlib import Path

import pytest
from edge_helpers import wait_until

from cloud_trainer.ingest import IngestService, SQLiteWarehouse
from deploy.bridge import StoreCloudPair
from deploy.local_broker import MosquittoBroker, holds_socket
from edge.feedback.outbox import Outbox, create_schema
from edge.feedback.sync import FeedbackSender, open_db
from firmware_config.feedback import FeedbackConfig, SyncConfig
from firmware_config.schema import BrokerConfig

REPO = Path(__file__).resolve().parents[1]
FAST = FeedbackConfig(sync=SyncConfig(confirm_timeout_s=3.0, backoff_initial_s=0.2, backoff_max_s=1.0))


def produce(db_path: Path, n: int, rate: float, stop: threading.Event | None = None) -> int:
    """A stand-in for the agent: one event per transaction, paced."""
    conn = open_db(db_path)
    ob = Outbox()
    t0 = time.perf_counter()
    made = 0
    for i in range(n):
        if stop is not None and stop.is_set():
            break
        conn.execute("BEGIN IMMEDIATE")
        ob.append(conn, "interaction", {"i": i})
        conn.execute("COMMIT")
        made += 1
        lag = t0 + (i + 1) / rate - time.perf_counter()
        if lag > 0:
            time.sleep(lag)
    conn.close()
    return made


def init_outbox(db_path: Path) -> None:
    conn = open_db(db_path)
    conn.execute("BEGIN")
    create_schema(conn, "dev1", "s1")
    conn.execute("COMMIT")
    conn.close()


def wait_drained(db_path: Path, timeout: float) -> dict:
    conn = open_db(db_path)
    deadline = time.time() + timeout
    stats = Outbox.stats(conn)
    while time.time() < deadline and stats["pending"]:
        time.sleep(0.2)
        stats = Outbox.stats(conn)
    conn.close()
    return stats


def assert_complete(wh: SQLiteWarehouse, produced: int) -> None:
    seqs = [e["seq"] for e in wh.events()]
    assert seqs == list(range(1, produced + 1)), f"missing {sorted(set(range(1, produced + 1)) - set(seqs))[:20]}"
    integ = wh.integrity()
    assert integ["duplicates_after_dedupe"] == 0
    assert integ["open_gaps"] == []


def start_pipeline(broker: MosquittoBroker, tmp_path: Path
                   ) -> tuple[Path, SQLiteWarehouse, IngestService, FeedbackSender]:
    """Device dev1's outbox (tmp_path/dev.db) drained by a started sender through
    ``broker`` into a started cloud ingest writing tmp_path/wh.db."""
    db_path = tmp_path / "dev.db"
    init_outbox(db_path)
    wh = SQLiteWarehouse(tmp_path / "wh.db")
    ingest = IngestService(wh, broker.host, broker.port).start()
    sender = FeedbackSender(db_path, BrokerConfig(host=broker.host, port=broker.port), device_id="dev1",
                            store_id="s1", client_id="dev1-feedback", config=FAST).start()
    return db_path, wh, ingest, sender


def test_broker_killed_repeatedly_mid_stream_loses_nothing(broker: MosquittoBroker, tmp_path: Path) -> None:
    db_path, wh, ingest, sender = start_pipeline(broker, tmp_path)
    producer = threading.Thread(target=produce, args=(db_path, 2500, 500.0))
    producer.start()
    try:
        for _ in range(3):
            time.sleep(1.2)
            broker.restart(kill=True, down_seconds=0.5)  # SIGKILL: whatever it had not saved is gone
        producer.join()
        stats = wait_drained(db_path, 60)
    finally:
        sender.stop()
        ingest.stop()
    assert stats["pending"] == 0, (stats, sender.stats())
    assert sender.stats()["disconnects"] >= 3
    assert_complete(wh, 2500)


@pytest.mark.parametrize("gated", [False, True], ids=["bridge-queue", "uplink-gated"])
def test_link_down_rows_stay_owed_until_the_cloud_confirms(tmp_path: Path, gated: bool) -> None:
    """Link down: the store broker is up, the cloud is not. Rows stay owed until
    the cloud confirms them through the bridge. Gated on the bridge's state, the
    sender holds them in the outbox (unsent) and the cloud gets them in order."""
    db_path = tmp_path / "dev.db"
    init_outbox(db_path)
    sync = FAST.sync.model_copy(update={"uplink_state_topic": "bridge/cloud/state" if gated else None})
    config = FAST.model_copy(update={"sync": sync})
    with StoreCloudPair(tmp_path / "brokers") as pair:
        wh = SQLiteWarehouse(tmp_path / "wh.db")
        ingest = IngestService(wh, pair.cloud.host, pair.cloud.port).start()
        sender = FeedbackSender(db_path, BrokerConfig(host=pair.store.host, port=pair.store.port),
                                device_id="dev1", store_id="s1", client_id="dev1-feedback", config=config).start()
        try:
            produce(db_path, 200, 1000.0)
            assert wait_drained(db_path, 20)["pending"] == 0
            pair.link_down()
            time.sleep(0.5)
            produce(db_path, 300, 1000.0)
            time.sleep(1.0)
            conn = open_db(db_path)
            owed = Outbox.stats(conn)
            conn.close()
            assert owed["pending"] == 300
            # Gated: held in the outbox. Not gated: acknowledged by the store broker only.
            assert owed["unsent"] == (300 if gated else 0)
            pair.link_up()
            stats = wait_drained(db_path, 60)
        finally:
            sender.stop()
            ingest.stop()
    assert stats["pending"] == 0
    assert_complete(wh, 500)
    if gated:
        assert wh.integrity()["late_arrivals"] == 0  # first copies arrived in seq order


def test_outbox_survives_sigkill_of_the_sender_process(broker: MosquittoBroker, tmp_path: Path) -> None:
    db_path = tmp_path / "dev.db"
    config = tmp_path / "device.toml"
    config.write_text(
        'device_id = "dev1"\nstore_id = "s1"\n'
        f'[broker]\nhost = "{broker.host}"\nport = {broker.port}\n'
        f'[storage]\ndb_path = "{db_path}"\n'
        '[feedback.sync]\nconfirm_timeout_s = 3.0\n'
        '[[zones]]\nid = "z1"\n'
    )
    init_outbox(db_path)
    wh = SQLiteWarehouse(tmp_path / "wh.db")
    ingest = IngestService(wh, broker.host, broker.port).start()
    cmd = [sys.executable, "-m", "edge.feedback.sync", "--config", str(config), "--log-level", "WARNING"]
    env = {**os.environ, "PYTHONPATH": str(REPO)}
    stop = threading.Event()
    producer = threading.Thread(target=produce, args=(db_path, 1500, 500.0, stop))
    producer.start()
    procs: list[subprocess.Popen[bytes]] = []
    try:
        for _ in range(3):
            proc = subprocess.Popen(cmd, env=env, cwd=REPO)
            procs.append(proc)
            time.sleep(1.0)
            os.kill(proc.pid, signal.SIGKILL)
            proc.wait()
        producer.join()
        final = subprocess.Popen(cmd, env=env, cwd=REPO)
        procs.append(final)
        stats = wait_drained(db_path, 60)
        # The killed senders may have drained everything already; a SIGTERM
        # during the final one's interpreter start-up would find no handler yet.
        assert wait_until(lambda: holds_socket(final.pid, broker.port, listening=False), timeout=30)
        final.send_signal(signal.SIGTERM)
        assert final.wait(15) == 0
    finally:
        stop.set()
        for p in procs:
            if p.poll() is None:
                p.kill()
                p.wait()
        ingest.stop()
    assert stats["pending"] == 0, stats
    assert_complete(wh, 1500)

