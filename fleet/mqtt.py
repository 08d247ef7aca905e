"""The service's broker link: every device's retained status in, desired state out.

It subscribes to ``{p}/+/device/+/status`` (retained, with the broker's
"offline" last will), so on every (re)connect the broker hands it the current
status of the whole fleet, and it republishes every stored desired state, so a
broker restarted without persistence gets them back. A bad status message is
counted with its reason and logged; it never stops the link.
"""

from __future__ import annotations

import logging
import threading
import time
from collections import Counter, deque
from collections.abc import Callable
from typing import Any

from pydantic import ValidationError

from edge.comms.mqtt import MqttLink
from edge.comms.topics import DeviceStatus, TopicTree
from firmware_config.schema import BrokerConfig
from fleet.rollouts import Rollouts

log = logging.getLogger(__name__)


class FleetLink:
    def __init__(self, broker: BrokerConfig, rollouts: Rollouts,
                 listeners: list[Callable[[str, str, DeviceStatus], None]] | None = None, *,
                 client_id: str = "fleet-service") -> None:
        self.rollouts = rollouts
        self.listeners = listeners if listeners is not None else []
        self.prefix = broker.topic_prefix
        self.tree = TopicTree("+", "+", self.prefix)
        self.received = 0
        self.rejected: Counter[str] = Counter()
        self.last_rejects: deque[dict[str, Any]] = deque(maxlen=20)
        self._lock = threading.Lock()
        self.link = MqttLink(
            broker, broker.client_id or client_id,
            subscriptions=[(self.tree.status, 1)],
            # No will: the broker ACL lets the service write desired states only (edge/comms/acl.py).
            will=None,
            on_message=self._on_message,
            on_connected=self._on_connected,
        )
        rollouts.publish = self.publish

    def start(self) -> None:
        self.link.start()

    def stop(self) -> None:
        self.link.stop()

    def publish(self, topic: str, payload: bytes) -> None:
        self.link.publish(topic, payload, qos=1, retain=True)

    def _on_connected(self, session_present: bool) -> None:
        n = self.rollouts.republish()
        log.info("connected; republished %d desired states", n)

    def _reject(self, topic: str, reason: str) -> None:
        with self._lock:
            self.rejected[reason.split(":", 1)[0][:40]] += 1
            self.last_rejects.append({"topic": topic, "reason": reason, "ts": time.time()})
        log.warning("rejected %s: %s", topic, reason)

    def _on_message(self, topic: str, payload: bytes, props: Any) -> None:
        where = self.tree.parse_device_topic(topic)
        if where is None or where[2] != "status":
            self._reject(topic, "topic: not a device status topic")
            return
        store_id, device_id, _ = where
        if not payload:  # a retained status cleared by an operator: nothing to record
            return
        try:
            status = DeviceStatus.model_validate_json(payload)
        except ValidationError as exc:
            first = exc.errors()[0]
            field = ".".join(str(p) for p in first["loc"]) or "payload"
            self._reject(topic, f"{field}: {first['msg']}")
            return
        if status.device_id != device_id:
            self._reject(topic, f"device_id: {status.device_id!r} does not match the topic's {device_id!r}")
            return
        with self._lock:
            self.received += 1
        try:
            self.rollouts.on_status(store_id, device_id, status)
        except Exception as exc:  # a storage error must not kill the network thread
            log.exception("status of %s not recorded", device_id)
            self._reject(topic, f"storage: {exc}")
            return
        for listener in self.listeners:
            try:
                listener(store_id, device_id, status)
            except Exception:  # a view that breaks must not stop status recording
                log.exception("status listener failed for %s", device_id)

    def stats(self) -> dict[str, Any]:
        with self._lock:
            return {"connected": self.link.connected.is_set(), "received": self.received,
                    "rejected": dict(self.rejected), "last_rejects": list(self.last_rejects)}
