"""The one MQTT client helper, on a real Mosquitto: NODELAY, will, persistent session."""

from __future__ import annotations

import socket
import threading

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
