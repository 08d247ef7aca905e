"""Change-driven, rate-limited publishing of camera zone events (paho-mqtt 2.x).

Two layers:

* :class:`EventGate` decides *what* to send, on the pipeline clock, and is pure
  logic (unit-tested without a broker):

  - **occupancy** of a zone is sent when it changes, but at most once per
    ``occupancy_min_interval_s`` per zone; a change inside the interval is held
    and the latest value sent when the interval ends (so 3 -> 4 -> 3 within a
    second sends nothing new, and a burst never floods the broker). An
    unchanged value is re-sent every ``occupancy_heartbeat_s`` for late
    subscribers.
  - **enter / exit / dwell** go through a token bucket of ``max_events_per_s``
    (burst of the same size); above it they are dropped and counted.
  - **linger** is never rate-limited: it is rare and it is what makes a
    display refresh.

* A sink sends the bytes: :class:`MqttSink` (a real paho client with TLS and
  credentials from the device config, and a retained "offline" last will on the
  camera status topic) or :class:`NullSink` for ``--no-publish``.

Every payload is a :class:`~edge.comms.topics.CameraZoneEvent` or
:class:`~edge.comms.topics.CameraStatus` serialised with ``dump()``: counts,
times and random track ids, never image data.
"""

from __future__ import annotations

import logging
import secrets
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import paho.mqtt.client as mqtt

from edge.camera.zones import ZoneEvent
from edge.comms.mqtt import new_client, start
from edge.comms.topics import CameraStatus, CameraZoneEvent, TopicTree, dump

log = logging.getLogger("edge.camera.publisher")


@dataclass
class GateStats:
    sent: dict[str, int] = field(default_factory=dict)
    rate_limited: int = 0
    occupancy_held: int = 0


class EventGate:
    """Turns zone events and occupancy snapshots into the messages worth sending."""

    def __init__(
        self,
        camera_id: str,
        *,
        occupancy_min_interval_s: float = 1.0,
        occupancy_heartbeat_s: float = 30.0,
        max_events_per_s: float = 20.0,
        wall: Callable[[], float] = time.time,
    ) -> None:
        self.camera_id = camera_id
        self.min_interval = occupancy_min_interval_s
        self.heartbeat = occupancy_heartbeat_s
        self.rate = max_events_per_s
        self.wall = wall
        self._tokens = max_events_per_s
        self._bucket_t: float | None = None
        self._occ_sent: dict[str, tuple[int, float]] = {}
        self._run = secrets.token_hex(3)
        self._seq = 0
        self.stats = GateStats()

    def _payload(self, ev: ZoneEvent) -> CameraZoneEvent:
        self._seq += 1
        self.stats.sent[ev.kind] = self.stats.sent.get(ev.kind, 0) + 1
        return CameraZoneEvent(
            signal_id=f"{self.camera_id}-{self._run}-{self._seq}",
            ts=self.wall(),
            camera_id=self.camera_id,
            zone=ev.zone,
            event=ev.kind,
            occupancy=ev.occupancy,
            track_id=ev.track_id,
            dwell_s=ev.dwell_s,
            display_id=ev.display_id,
        )

    def _occupancy(self, zone: str, count: int, t: float) -> CameraZoneEvent:
        self._occ_sent[zone] = (count, t)
        return self._payload(ZoneEvent("occupancy", zone, t, occupancy=count))

    def _take_token(self, t: float) -> bool:
        if self._bucket_t is not None:
            self._tokens = min(self.rate, self._tokens + (t - self._bucket_t) * self.rate)
        self._bucket_t = t
        if self._tokens >= 1.0:
            self._tokens -= 1.0
            return True
        return False

    def offer(self, events: list[ZoneEvent], occupancy: dict[str, int], t: float) -> list[CameraZoneEvent]:
        """Messages to send now, given this frame's events and occupancy at time ``t``."""
        out: list[CameraZoneEvent] = []
        for ev in events:
            if ev.kind == "linger" or self._take_token(t):
                out.append(self._payload(ev))
            else:
                self.stats.rate_limited += 1
        for zone, count in sorted(occupancy.items()):
            last = self._occ_sent.get(zone)
            if last is None:
                due = True  # first value of a zone is always news
            else:
                value, sent_at = last
                elapsed = t - sent_at
                changed = value != count
                due = (changed and elapsed >= self.min_interval) or elapsed >= self.heartbeat
                if changed and not due:
                    self.stats.occupancy_held += 1
            if due:
                out.append(self._occupancy(zone, count, t))
        return out

    def final(self, occupancy: dict[str, int], t: float) -> list[CameraZoneEvent]:
        """At the end of a stream: send any occupancy still held back by the interval."""
        out = []
        for zone, count in sorted(occupancy.items()):
            last = self._occ_sent.get(zone)
            if last is None or last[0] != count:
                out.append(self._occupancy(zone, count, t))
        return out


class Sink:
    """Where messages go. ``sent``/``bytes`` count what was handed over."""

    def __init__(self) -> None:
        self.sent = 0
        self.bytes = 0
        self.failed = 0

    def send(self, topic: str, payload: bytes, *, qos: int = 0, retain: bool = False) -> None:
        self.sent += 1
        self.bytes += len(payload)

    def close(self, final_status: bytes | None = None) -> None:
        """Flush and disconnect (publishing the final status first, if given)."""


class NullSink(Sink):
    """--no-publish: count what would have been sent, no broker needed."""


class MqttSink(Sink):
    """A paho 2.x client on the store broker, with a retained 'offline' last will."""

    def __init__(
        self,
        *,
        host: str,
        port: int,
        client_id: str,
        status_topic: str,
        will_payload: bytes,
        keepalive_s: int = 15,
        username: str | None = None,
        password: str | None = None,
        tls: Any | None = None,
        connect_timeout_s: float = 10.0,
    ) -> None:
        super().__init__()
        self.status_topic = status_topic
        self._connected = threading.Event()
        # will: if this process dies, the broker tells everyone the camera is offline.
        self.client = new_client(client_id, username=username, password=password, tls=tls,
                                 will=(status_topic, will_payload), reconnect_s=(1, 30),
                                 on_connect=self._on_connect)
        self.client.on_disconnect = self._on_disconnect
        start(self.client, host, port, keepalive=keepalive_s)
        if not self._connected.wait(connect_timeout_s):
            # Not fatal: paho keeps retrying; zone events meanwhile are dropped (QoS 0) and counted.
            log.warning("broker %s:%s not reachable yet; publishing when it is", host, port)

    def _on_connect(self, client: mqtt.Client, userdata: Any, flags: Any, reason_code: Any, properties: Any) -> None:
        if reason_code.is_failure:
            log.warning("broker refused connection: %s", reason_code)
            return
        self._connected.set()

    def _on_disconnect(self, client: mqtt.Client, userdata: Any, flags: Any, reason_code: Any, properties: Any) -> None:
        self._connected.clear()

    @property
    def connected(self) -> bool:
        return self._connected.is_set()

    def send(self, topic: str, payload: bytes, *, qos: int = 0, retain: bool = False) -> None:
        info = self.client.publish(topic, payload, qos=qos, retain=retain)
        if info.rc != mqtt.MQTT_ERR_SUCCESS:
            self.failed += 1
            return
        super().send(topic, payload, qos=qos, retain=retain)

    def close(self, final_status: bytes | None = None, timeout: float = 5.0) -> None:
        if final_status is not None and self.connected:
            info = self.client.publish(self.status_topic, final_status, qos=1, retain=True)
            # QoS 1 is acked after every earlier QoS 0 message on the same connection was written.
            try:
                info.wait_for_publish(timeout)
            except (RuntimeError, ValueError):
                log.warning("final camera status not acknowledged")
        self.client.disconnect()
        self.client.loop_stop()


def status_payload(camera_id: str, state: str, detail: dict[str, Any] | None = None) -> bytes:
    return dump(CameraStatus(camera_id=camera_id, state=state, ts=time.time(), detail=detail or {}))


def make_sink(config: Any, *, publish: bool, connect_timeout_s: float = 10.0) -> tuple[Sink, TopicTree]:
    """The sink for a DeviceConfig: MQTT to its [broker], or a NullSink with --no-publish."""
    tree = TopicTree(store_id=config.store_id, device_id=config.device_id, prefix=config.broker.topic_prefix)
    camera_id = config.camera.id
    if not publish:
        return NullSink(), tree
    broker = config.broker
    sink = MqttSink(
        host=broker.host,
        port=broker.port,
        # Its own id: the device agent already uses config.client_id, and a
        # duplicate id would make the broker kick one of the two.
        client_id=f"{config.client_id}-camera-{camera_id}",
        status_topic=tree.camera_status(camera_id),
        will_payload=status_payload(camera_id, "offline", {"reason": "connection lost"}),
        keepalive_s=broker.keepalive_s,
        username=broker.username,
        password=broker.password,
        tls=broker.tls,
        connect_timeout_s=connect_timeout_s,
    )
    return sink, tree
