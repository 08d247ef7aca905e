"""The one MQTT client helper, on a real Mosquitto: NODELAY, will, persistent session."""

from __future__ import annotations

import socket
import threading
import time

from edge_helpers import wait_until

from deploy.local_broker import MosquittoBroker
from edge.comms.mqtt import new_client, start


def test_helper_clients_send_without_delay_keep_their_session_and_leave_a_will(broker: MosquittoBroker) -> None:
    seen: list[tuple[str, bytes]] = []
    got = threading.Event()
    connected: list[bool] = []

    def on_message(client, userdata, msg) -> None:
        seen.append((msg.topic, msg.payload))
        got.set()

    watcher = new_client("helper-watcher", on_connect=lambda c, u, f, rc, p: c.subscribe("helper/#", qos=1))
    watcher.on_message = on_message
    start(watcher, broker.host, broker.port, keepalive=10)
    dev = new_client("helper-dev", will=("helper/status", b"offline"),
                     on_connect=lambda c, u, f, rc, p: connected.append(bool(f.session_present)))
    start(dev, broker.host, broker.port, keepalive=5, session_expiry_s=600)
    try:
        assert wait_until(lambda: bool(connected) and watcher.is_connected(), 10)
        sock = dev.socket()
        assert isinstance(sock, socket.socket)
        assert sock.getsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY) == 1
        # Reconnecting finds the session the broker kept for us.
        dev.disconnect()
        dev.loop_stop()
        start(dev, broker.host, broker.port, keepalive=5, session_expiry_s=600)
        assert wait_until(lambda: len(connected) == 2, 10) and connected[1] is True
        # Vanishing without DISCONNECT: the broker publishes the will.
        dev._sock_close()  # noqa: SLF001 - a crash, as the network sees it
        assert got.wait(15) and ("helper/status", b"offline") in seen
    finally:
        dev.loop_stop()
        watcher.disconnect()
        watcher.loop_stop()



def _blast(broker: MosquittoBroker, topic: str, payloads: list[bytes]) -> None:
    """Publish QoS 0 as fast as the socket takes them (no network thread)."""
    import paho.mqtt.client as mqtt
    from paho.mqtt.enums import CallbackAPIVersion

    pub = mqtt.Client(CallbackAPIVersion.VERSION2, client_id=f"blast-{time.monotonic_ns()}", protocol=mqtt.MQTTv5)
    pub.connect(broker.host, broker.port)
    for i, payload in enumerate(payloads):
        pub.publish(topic, payload, qos=0)
        if i % 500 == 0:
            pub.loop(timeout=0)
    while pub.want_write():
        pub.loop_write()
    pub.disconnect()


def test_a_stream_left_behind_by_a_flood_is_dropped_and_current_messages_come_at_once(
        broker: MosquittoBroker) -> None:
    """The broker queues QoS 0 for a slow subscriber without limit: a link with
    ``stale_after_s`` drops a stream that far behind (the broker discards what
    it held) and reconnects, so what is sent after the flood arrives within
    about that long instead of after the whole backlog."""
    from edge.comms.mqtt import MqttLink
    from firmware_config.schema import BrokerConfig

    got: dict[bytes, float] = {}
    flood_handled = [0]

    def slow(topic: str, payload: bytes, props) -> None:
        if payload.startswith(b"now-"):
            got.setdefault(payload, time.monotonic())
        else:
            flood_handled[0] += 1
            time.sleep(0.002)  # a device that handles 500 positions/s, flooded at many times that

    link = MqttLink(BrokerConfig(host=broker.host, port=broker.port, keepalive_s=15), "stale-test",
                    subscriptions=[("flood/#", 0)], will=None, on_message=slow,
                    session_expiry_s=None, stale_after_s=0.3, reconnect_s=(0.05, 1.0))
    link.start()
    try:
        assert wait_until(lambda: link.subscribed.is_set(), 10)
        _blast(broker, "flood/pos", [b"x" * 100] * 20_000)  # ~40 s of work for this subscriber
        flood_end = time.monotonic()
        i = 0
        while not got and time.monotonic() - flood_end < 10:
            _blast(broker, "flood/pos", [f"now-{i}".encode()])
            i += 1
            time.sleep(0.1)
        assert got, "nothing sent after the flood arrived in 10 s: the link read the backlog"
        assert link.stale_resets >= 1 and link.connects >= 2
        assert min(got.values()) - flood_end < 3.0
        assert flood_handled[0] < 10_000  # most of the backlog was discarded, not read
    finally:
        link.stop()


def test_direct_writes_from_many_threads_arrive_whole_and_in_order_per_thread(broker: MosquittoBroker) -> None:
    """The device's main link writes packets on the sending thread (worker, log
    writer), under the lock paho's own thread writes with: every message
    arrives, none interleaved with another, each thread's in its order."""
    from edge.comms.mqtt import MqttLink
    from firmware_config.schema import BrokerConfig

    got: list[bytes] = []
    done = threading.Event()
    n_threads, per_thread = 4, 2000

    watcher = new_client("direct-watcher", on_connect=lambda c, u, f, rc, p: c.subscribe("direct/#", qos=1))

    def on_message(client, userdata, msg) -> None:
        got.append(msg.payload)
        if len(got) == n_threads * per_thread:
            done.set()

    watcher.on_message = on_message
    start(watcher, broker.host, broker.port, keepalive=10)
    link = MqttLink(BrokerConfig(host=broker.host, port=broker.port, keepalive_s=15), "direct-dev",
                    subscriptions=[("direct-in/#", 1)], will=None, on_message=lambda *a: None,
                    direct_write=True)
    link.start()
    try:
        assert wait_until(lambda: link.subscribed.is_set() and watcher.is_connected(), 10)
        time.sleep(0.3)  # the watcher's subscription is acknowledged

        def send(t: int) -> None:
            for i in range(per_thread):
                link.publish("direct/x", f"{t}:{i}:".encode() + b"p" * (i % 700), qos=1 if i % 2 else 0)

        threads = [threading.Thread(target=send, args=(t,)) for t in range(n_threads)]
        for th in threads:
            th.start()
        for th in threads:
            th.join()
        assert done.wait(30), f"{len(got)} of {n_threads * per_thread} arrived"
        seen: dict[str, list[int]] = {}
        for payload in got:
            t, i, pad = payload.split(b":")
            assert pad == b"p" * (int(i) % 700)  # whole, not interleaved
            seen.setdefault(t.decode(), []).append(int(i))
        # QoS 0 and 1 share one packet stream: each thread's messages in its order.
        assert all(v == list(range(per_thread)) for v in seen.values()) and len(seen) == n_threads
        assert link.direct_writes > 0
    finally:
        link.stop()
        watcher.disconnect()
        watcher.loop_stop()
