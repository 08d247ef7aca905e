"""A handler that hangs on a link's network thread (``--dispatch hybrid``) does not
cost the device its connection, on a real Mosquitto.

With hybrid dispatch an idle device handles a signal on the MQTT connection's own
network thread, which is also the thread that runs paho's keepalive. An inference
that hangs there stopped the PINGREQs: the broker dropped the connection after
1.5 keepalives and published the device's last will ("offline") while the process
was alive, and the watchdog's "stuck" status waited behind the hung thread. The
link's stall guard (edge/comms/lean_paho.py, ``LeanClient.keep_alive_stalled``)
now writes the PINGREQs and the queued status itself while the handler hangs.
"""

from __future__ import annotations

import time
from pathlib import Path

from edge_helpers import (
    Probe,
    device_config,
    location,
    purchase,
    signal_id,
    tiny_bundle,
    topics,
    wait_until,
)

from deploy.local_broker import MosquittoBroker
from edge.app import Device
from edge.comms.mqtt import MqttLink
from firmware_config.schema import BrokerConfig

T = topics()
KEEPALIVE_S = 2
"""Short, so that the broker drops a silent device after 3 s (the config's floor is 5)."""
STUCK_S = 5.0
"""Longer than 1.5 keepalives plus Mosquitto's one-second keepalive check."""


def test_a_handler_stuck_on_the_main_links_thread_keeps_the_device_online_and_loses_no_signal(
        tmp_path: Path, broker: MosquittoBroker, probe: Probe) -> None:
    config = device_config(tmp_path, broker, tiny_bundle())
    config = config.model_copy(update={"broker": config.broker.model_copy(update={"keepalive_s": KEEPALIVE_S})})
    device = Device(config, dispatch="hybrid")
    assert device.watchdog is not None
    device.watchdog.stuck_after_s = 0.3
    device.watchdog.exit_after_s = None  # do not end the test process
    device.start()
    real = device.scorer._interp  # noqa: SLF001
    try:
        assert device.link.subscribed.wait(10)
        probe.wait_for(lambda t, b: t == T.status and b["state"] == "online", timeout=10)
        seen = location("deli", loyalty="L-stall")
        probe.publish(T.location, seen, qos=0)
        probe.reco_for(seen["signal_id"], "deli-screen")
        intake = device.agent._queue  # noqa: SLF001
        main = device.link.client
        inline_before = intake.ran_inline

        class HangsOnce:
            """The model's interpreter, whose next invoke hangs for STUCK_S."""

            hung = False

            def __getattr__(self, name: str):
                return getattr(real, name)

            def invoke(self) -> None:
                if not HangsOnce.hung:
                    HangsOnce.hung = True
                    time.sleep(STUCK_S)
                real.invoke()

        device.scorer._interp = HangsOnce()  # noqa: SLF001
        device.scores._cache.clear()  # noqa: SLF001 - the touch's answer needs a fresh inference
        touch = {"v": 1, "signal_id": signal_id("int"), "ts": time.time(), "kind": "pickup",
                 "item_id": device.store.items[1].item_id, "shopper": {"loyalty_id": "L-stall"}}
        # Idle first: the last answer is published before its handler has finished (its
        # impressions are logged after), and a busy intake queues the touch for the worker
        # instead (one CI run on a loaded machine saw no stall tick so).
        assert wait_until(lambda: intake._busy is None and intake.backlog == 0, timeout=5)  # noqa: SLF001
        t0 = time.monotonic()
        probe.publish(T.interaction("deli-screen"), touch)  # QoS 1, on the main connection
        # The idle device runs it on the main link's network thread, which hangs in it.
        assert wait_until(lambda: main.lean_counts["stall_ticks"] >= 1, timeout=3)
        assert intake.ran_inline == inline_before + 1 and main._in_callback_mutex.locked()  # noqa: SLF001
        # The watchdog's status gets out while the thread hangs.
        _, status = probe.wait_for(
            lambda t, b: t == T.status and str(b["detail"]["health"]["inference"]).startswith("stuck"), timeout=3)
        assert status["state"] == "online" and time.monotonic() - t0 < STUCK_S
        # QoS 1 signals sent meanwhile wait in the connection, unread.
        sales = [purchase([device.store.items[i].item_id], loyalty=f"L-buy{i}") for i in range(3)]
        for sale in sales:
            probe.publish(T.pos, sale)
        # The hung handler returns and the device answers again: the touch, then the sales.
        assert probe.reco_for(touch["signal_id"], "deli-screen", timeout=STUCK_S + 5)
        assert time.monotonic() - t0 >= 1.5 * KEEPALIVE_S + 1  # hung for longer than the broker waits
        assert wait_until(lambda: device.store.conn.execute("SELECT count(*) FROM purchases").fetchone()[0] == 3,
                          timeout=10)
        assert wait_until(lambda: device.link.unacked() == 0, timeout=10)  # all acked after commit
        after = location("deli", loyalty="L-stall")
        probe.publish(T.location, after, qos=0)
        probe.reco_for(after["signal_id"], "deli-screen")
        # Never dropped: no last will, one connection, and the guard's PINGREQs kept it.
        assert not [b for t, b, _ in probe.messages if t == T.status and b and b["state"] == "offline"]
        assert device.link.connects == 1 and device.link.disconnects == 0
        assert main.lean_counts["stall_pings"] >= 1 and main.lean_counts["stalls"] == 1
        assert device.metrics.errors == 0
    finally:
        device.scorer._interp = real  # noqa: SLF001
        device.stop()


def test_a_ping_unanswered_when_a_callback_stalls_does_not_close_the_connection_afterwards(
        broker: MosquittoBroker) -> None:
    """paho judges its keepalive when the callback returns, before it reads what came
    meanwhile: a PINGREQ it had sent just before the stall looked unanswered for a
    keepalive (its PINGRESP unread in the socket), and paho closed a live
    connection. The guard clears paho's record of it; paho pings afresh."""
    cfg = BrokerConfig(host=broker.host, port=broker.port).model_copy(update={"keepalive_s": KEEPALIVE_S})
    hung: list[bool] = []

    def on_message(topic: str, payload: bytes, props) -> None:
        if not hung:
            hung.append(True)
            link.client._send_pingreq()  # noqa: SLF001 - paho's PINGREQ, sent just before the stall
            time.sleep(2 * KEEPALIVE_S)

    link = MqttLink(cfg, "stall-ping", subscriptions=[("stall/#", 1)], will=None, on_message=on_message,
                    session_expiry_s=None)
    link.start()
    pub = Probe(broker)
    try:
        assert link.subscribed.wait(10)
        pub.publish("stall/x", b"hang")
        assert wait_until(lambda: bool(hung) and not link.client._in_callback_mutex.locked(),  # noqa: SLF001
                          timeout=2 * KEEPALIVE_S + 3)
        time.sleep(KEEPALIVE_S + 0.5)  # paho's keepalive has judged since the stall ended
        assert link.disconnects == 0 and link.connects == 1 and link.client.is_connected()
        assert link.client.lean_counts["stall_ticks"] >= 1
    finally:
        pub.close()
        link.stop()
