"""A device whose broker acks stop is reported unhealthy, on real processes.

The store broker hands the device at most ``max_inflight_messages`` (100)
unacknowledged QoS 1 signals, so a device whose acks stop (a writer that cannot
commit, an ack never sent) stops receiving purchases, stock and touches while it
looks alive. Its /healthz must fail (the systemd watchdog then restarts it) and
say where the acks wait; it must recover by itself when the acks flow again.

Here the acks stop for a real reason: another process holds the state
database's write lock (SQLite, busy timeout 30 s), so the log writer cannot
commit the purchase, and the purchase's ack waits for that commit.
"""

from __future__ import annotations

import json
import sqlite3
import subprocess
import sys
from pathlib import Path

from edge_helpers import (
    Probe,
    device_config,
    device_toml,
    http_get,
    metric,
    purchase,
    start_agent,
    tiny_bundle,
    topics,
    wait_until,
)

from deploy.browser import wait_http
from deploy.local_broker import MosquittoBroker, free_port
from edge.observability.http import serve_device


def gauge(base: str, name: str) -> float:
    value = metric(base, name)
    assert value is not None, f"{name} not in /metrics"
    return value


def test_healthz_fails_naming_the_log_writer_while_a_purchase_ack_waits_for_a_locked_database(
    tmp_path: Path, broker: MosquittoBroker
) -> None:
    port = free_port()
    db_path = tmp_path / "state.db"
    config = device_toml(tmp_path, broker.port, metrics_port=port, db_path=db_path)
    log = (tmp_path / "device.log").open("wb")
    proc = subprocess.Popen([sys.executable, "-m", "edge.cli", "run", "--config", str(config),
                             "--ack-stall-s", "1"], stdout=log, stderr=subprocess.STDOUT)
    base = f"http://127.0.0.1:{port}"
    probe = None
    lock = None
    try:
        wait_http(base + "/readyz", timeout=30, proc=proc)
        probe = Probe(broker)
        tree = topics()
        # A first purchase is committed and acked: healthy, nothing waits.
        probe.publish(tree.pos, purchase(["1"], txn="t-before"))
        assert wait_until(lambda: gauge(base, 'edge_signals_handled_total') >= 1
                          and gauge(base, "edge_mqtt_unacked_messages") == 0, 20, 0.1), \
            "first purchase not handled and acked"
        assert http_get(base + "/healthz")[0] == 200

        # Another process takes the database's write lock: the next purchase is
        # handled (in memory) but its write, and so its ack, waits for a commit.
        lock = sqlite3.connect(str(db_path), timeout=30, isolation_level=None)
        lock.execute("BEGIN IMMEDIATE")
        probe.publish(tree.pos, purchase(["2"], txn="t-locked"))
        assert wait_until(lambda: gauge(base, 'edge_signals_handled_total') >= 2, 20, 0.1), "second purchase not handled"
        assert gauge(base, "edge_mqtt_unacked_messages") == 1

        # Past --ack-stall-s (1 s) /healthz fails and says where the ack is.
        assert wait_until(lambda: http_get(base + "/healthz")[0] == 503, 20, 0.1), "healthz stayed ok with an ack stalled"
        body = json.loads(http_get(base + "/healthz")[1])
        assert body["unacked"]["messages"] == 1 and body["unacked"]["oldest_s"] >= 1.0, body
        assert body["reason"].startswith("acks stalled: 1 QoS 1 signals unacknowledged"), body
        assert "1 acks wait for the log writer's commit" in body["reason"], body
        assert gauge(base, "edge_mqtt_oldest_unacked_seconds") >= 1.0

        # The lock goes: the writer commits within its busy timeout, the ack is
        # sent, and the device is healthy again by itself.
        lock.execute("ROLLBACK")
        lock.close()
        lock = None
        assert wait_until(lambda: gauge(base, "edge_mqtt_unacked_messages") == 0, 20, 0.1), "ack not sent after the lock went"
        assert wait_until(lambda: http_get(base + "/healthz")[0] == 200, 10, 0.1), "healthz did not recover"
        with sqlite3.connect(str(db_path)) as conn:
            txns = {r[0] for r in conn.execute("SELECT transaction_id FROM purchases")}
        assert {"t-before", "t-locked"} <= txns
        log.flush()
        assert "unhealthy (the systemd watchdog will restart the device): acks stalled" in \
            (tmp_path / "device.log").read_text()
    finally:
        if lock is not None:
            lock.close()
        if probe is not None:
            probe.close()
        proc.terminate()
        proc.wait(20)
        log.close()


def test_healthz_fails_while_messages_queue_behind_a_wedged_worker_and_recovers_after(
    tmp_path: Path, broker: MosquittoBroker
) -> None:
    """The worker stuck inside a handler (here: the agent's lock held by another
    thread, as a swap or a hung call would) leaves signals queued in the Intake.
    /healthz counted them with ``qsize()``, which the Intake does not have, so it
    read 0 and stayed healthy for ever; it must see the backlog."""
    device = start_agent(device_config(tmp_path, broker, tiny_bundle()))
    endpoints = serve_device(device, device.config, stuck_after_s=1.0)
    probe = Probe(broker)
    tree = topics()
    try:
        assert endpoints.healthz()[0]
        with device.lock:  # the worker blocks on its next signal, the rest queue behind it
            for i in range(4):
                probe.publish(tree.pos, purchase(["1"], txn=f"t-wedged-{i}"))
            assert wait_until(lambda: device.agent._queue.backlog >= 3, 20, 0.1), "signals did not queue"
            assert wait_until(lambda: not endpoints.healthz()[0], 20, 0.1), "healthz stayed ok with a wedged worker"
            ok, body = endpoints.healthz()
            assert body["queued"] >= 3 and body["reason"].startswith(f"stuck: {body['queued']} messages queued")
        assert wait_until(lambda: device.agent._queue.backlog == 0 and endpoints.healthz()[0], 20, 0.1), "did not recover"
    finally:
        probe.close()
        endpoints.stop()
        device.stop()
