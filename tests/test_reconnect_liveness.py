"""The device's MQTT client reconnects even when a packet is queued while it
reconnects, on a real Mosquitto.

paho's ``reconnect`` walks the outgoing queue before it clears it, and the
device's worker and log writer queue broker acks from their own threads,
without a lock, until the new connection is up. An ack queued during that walk
made the walk raise (``deque mutated during iteration``) and ended the network
thread: the device never reconnected. Here the ack is queued at that very
moment by construction (the walk marks a queued QoS 0 publish as lost, and that
publish's info queues an ack when it is marked), which a busy device does by
chance.
"""

from __future__ import annotations

import time

from paho.mqtt.client import PUBACK

from deploy.local_broker import MosquittoBroker
from edge.comms import lean_paho
from edge.comms.mqtt import new_client, start


class _AckQueuedDuringTheWalk(lean_paho._UnwaitedInfo):  # noqa: SLF001
    """A QoS 0 message's info; when the reconnect's walk marks it lost, a broker ack
    is queued at that moment (as the log writer does from its thread)."""

    __slots__ = ("client", "fired")

    def __init__(self, mid: int, client: lean_paho.LeanClient) -> None:
        super().__init__(mid)
        self.client, self.fired = client, False

    def _set_as_published(self) -> None:
        super()._set_as_published()
        if not self.fired:
            self.fired = True
            self.client._send_command_with_mid(PUBACK, 7, False)  # noqa: SLF001 - what client.ack() queues


def test_client_reconnects_when_an_ack_is_queued_while_it_walks_its_queue(broker: MosquittoBroker) -> None:
    client = new_client("reconnect-walk", lean=True, reconnect_s=(0.1, 0.2), inflight=0, queued=0)
    assert isinstance(client, lean_paho.LeanClient)
    start(client, broker.host, broker.port, keepalive=5)
    try:
        deadline = time.monotonic() + 10
        while not client.is_connected():
            assert time.monotonic() < deadline, "did not connect"
            time.sleep(0.05)
        broker.stop()
        deadline = time.monotonic() + 10
        while client.socket() is not None:
            assert time.monotonic() < deadline, "did not notice the broker going"
            time.sleep(0.05)
        # Queued while there is no connection (a publish that came too late to be
        # refused): it waits in the queue, and the reconnect walks over it.
        info = _AckQueuedDuringTheWalk(client._mid_generate(), client)  # noqa: SLF001
        packet = lean_paho.publish_packet(lean_paho.topic_head(b"t/qos0"), b"x")
        client._packet_queue(lean_paho._PUBLISH, packet, info.mid, 0, info)  # noqa: SLF001
        broker.start()
        deadline = time.monotonic() + 15
        while not client.is_connected():
            assert client._thread is not None, "the network thread died while reconnecting"  # noqa: SLF001
            assert time.monotonic() < deadline, "did not reconnect"
            time.sleep(0.05)
        assert info.fired and client.lean_counts["reconnect_walks"] >= 1
    finally:
        client.disconnect()
        client.loop_stop()


def test_healthz_fails_when_the_main_links_network_thread_has_ended(tmp_path, broker: MosquittoBroker) -> None:
    """A device whose MQTT network thread ended (it is the one that reconnects)
    never hears from the broker again: /healthz must say so, so that systemd
    restarts it, instead of reporting a live worker."""
    from edge_helpers import device_config, start_agent, tiny_bundle

    from edge.observability.http import serve_device

    device = start_agent(device_config(tmp_path, broker, tiny_bundle()))
    endpoints = serve_device(device, device.config)
    try:
        ok, body = endpoints.healthz()
        assert ok and body["threads"]["mqtt-main"] and body["threads"]["mqtt-positions"], body
        device.link.client.loop_stop()  # the thread ends, as an exception in it would end it
        ok, body = endpoints.healthz()
        assert not ok and body["reason"] == "dead: mqtt-main", body
    finally:
        endpoints.stop()
        device.stop()
