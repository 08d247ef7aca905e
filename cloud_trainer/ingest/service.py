"""Cloud ingest: feedback events from the fleet into the warehouse, exactly once.

Delivery from the devices is at least once (QoS 1 everywhere, re-sends after
restarts); the ingest makes it exactly once by storing idempotently on
``event_id``. In detail:

* **Shared subscription** ``$share/<group>/<prefix>/+/device/+/feedback``
  (MQTT 5), so more ingest workers can join the group and the broker spreads
  messages over them. Each worker has a stable client id and a persistent
  session (``clean_start=False`` + session expiry): messages that arrive while
  a worker is down wait on the broker.
* **Manual acknowledgement.** paho is created with ``manual_ack=True``; a
  message's PUBACK goes out only after the batch holding it has committed to
  the warehouse, so a worker killed mid-batch gets the messages again.
* **De-duplication** by ``event_id`` in the warehouse (primary key).
* **Gaps** per device and outbox epoch: a seq above ``max_seq + 1`` opens a
  gap (device, seq range), logged and kept in ``gaps``; it closes as filled
  when the missing events arrive (re-sends) or as dropped_by_device when the
  device announced that its outbox bound dropped them.
* **End-to-end confirmation.** After each commit the worker publishes, per
  device and epoch, the contiguous watermark to ``.../feedback/ack`` (QoS 1,
  retained). The store broker's bridge carries it back to the device, whose
  outbox treats rows up to it as final.

Run: ``python -m cloud_trainer.ingest run --host H --port P --warehouse FILE``;
``python -m cloud_trainer.ingest report --warehouse FILE`` prints streams and gaps.
"""

from __future__ import annotations

import logging
import threading
import time
from collections import deque
from typing import Any

import paho.mqtt.client as mqtt
from pydantic import ValidationError

from cloud_trainer.ingest.warehouse import Warehouse, open_warehouse  # noqa: F401  (re-exported)
from edge.comms.mqtt import new_client
from edge.comms.mqtt import start as mqtt_start
from edge.comms.topics import FeedbackAck, FeedbackEvent, TopicTree, dump

log = logging.getLogger(__name__)


def feedback_filter(prefix: str = "store", group: str = "ingest") -> str:
    """The shared-subscription filter for every device's feedback topic."""
    return f"$share/{group}/{TopicTree(store_id='+', device_id='+', prefix=prefix).feedback}"


def ack_topic(prefix: str, store_id: str, device_id: str) -> str:
    return TopicTree(store_id=store_id, device_id=device_id, prefix=prefix).feedback_ack


class IngestService:
    """One ingest worker. Several can run against the same broker and warehouse."""

    def __init__(
        self,
        warehouse: Warehouse,
        host: str = "127.0.0.1",
        port: int = 1883,
        *,
        prefix: str = "store",
        group: str = "ingest",
        client_id: str = "cloud-ingest-1",
        batch_max: int = 1000,
        batch_wait_s: float = 0.05,
        session_expiry_s: int = 7 * 86400,
        send_acks: bool = True,
        username: str | None = None,
        password: str | None = None,
        tls: dict[str, str | None] | None = None,
    ) -> None:
        self.warehouse = warehouse
        self.host, self.port = host, port
        self.prefix = prefix
        self.filter = feedback_filter(prefix, group)
        self.batch_max = batch_max
        self.batch_wait_s = batch_wait_s
        self.session_expiry_s = session_expiry_s
        self.send_acks = send_acks
        self._pending: deque[mqtt.MQTTMessage] = deque()
        self._wake = threading.Event()
        self._stop = threading.Event()
        self._connected = threading.Event()
        self._thread: threading.Thread | None = None
        self.counters: dict[str, int] = {"received": 0, "stored": 0, "duplicates": 0, "invalid": 0,
                                         "gaps": 0, "acks_published": 0, "connects": 0}
        # tls: {"ca_certs": ..., "certfile": ..., "keyfile": ...} as paho's tls_set takes them.
        # Reconnect fast: while no group member is connected the broker may not
        # keep the group's messages (they come back from the devices, but later).
        self.client = new_client(client_id, username=username or None, password=password, tls=tls or None,
                                 reconnect_s=(1, 2), manual_ack=True, on_connect=self._on_connect)
        self.client.on_disconnect = self._on_disconnect
        self.client.on_message = self._on_message

    def _on_connect(self, client: mqtt.Client, userdata: Any, flags: Any, reason: Any, props: Any) -> None:
        if reason.is_failure:
            log.warning("ingest: connect refused: %s", reason)
            return
        self.counters["connects"] += 1
        client.subscribe(self.filter, qos=1)
        self._connected.set()

    def _on_disconnect(self, client: mqtt.Client, userdata: Any, flags: Any, reason: Any, props: Any) -> None:
        self._connected.clear()

    def _on_message(self, client: mqtt.Client, userdata: Any, msg: mqtt.MQTTMessage) -> None:
        self._pending.append(msg)
        if len(self._pending) >= self.batch_max:
            self._wake.set()

    def start(self) -> IngestService:
        mqtt_start(self.client, self.host, self.port, keepalive=30, session_expiry_s=self.session_expiry_s)
        self._thread = threading.Thread(target=self._run, name="ingest", daemon=True)
        self._thread.start()
        return self

    def wait_connected(self, timeout: float = 10.0) -> bool:
        return self._connected.wait(timeout)

    def stop(self) -> None:
        self._stop.set()
        self._wake.set()
        if self._thread is not None:
            self._thread.join(timeout=10)
        self._flush()
        self.client.disconnect()
        self.client.loop_stop()

    def _run(self) -> None:
        while not self._stop.is_set():
            self._wake.wait(self.batch_wait_s)
            self._wake.clear()
            try:
                self._flush()
            except Exception:
                # Nothing was acknowledged: the broker redelivers after reconnect.
                log.exception("ingest: batch failed; will retry")
                time.sleep(1.0)

    def _flush(self) -> None:
        while self._pending:
            batch = [self._pending.popleft() for _ in range(min(self.batch_max, len(self._pending)))]
            events: list[FeedbackEvent] = []
            for msg in batch:
                try:
                    events.append(FeedbackEvent.model_validate_json(msg.payload))
                except ValidationError as exc:
                    self.counters["invalid"] += 1
                    log.warning("ingest: invalid feedback on %s: %s", msg.topic, exc.errors()[0]["msg"])
            try:
                result = self.warehouse.store(events)
            except Exception:
                # Put the batch back in front and retry; no PUBACK has gone out.
                self._pending.extendleft(reversed(batch))
                raise
            self.counters["received"] += len(batch)
            self.counters["stored"] += result.new
            self.counters["duplicates"] += result.duplicates
            if result.gaps_opened:
                # One line per batch: with several workers, out-of-order commits open (and
                # soon close) gaps on many devices at once; the gaps table has them all.
                self.counters["gaps"] += len(result.gaps_opened)
                more = len(result.gaps_opened) - 1
                log.warning("ingest: gap detected: %s%s", result.gaps_opened[0].describe(),
                            f" (and {more} more in this batch)" if more else "")
            for msg in batch:
                self.client.ack(msg.mid, msg.qos)
            if self.send_acks:
                for device_id, store_id, epoch, watermark in result.watermarks.values():
                    payload = dump(FeedbackAck(device_id=device_id, epoch=epoch,
                                               watermark=watermark, ts=time.time()))
                    self.client.publish(ack_topic(self.prefix, store_id, device_id), payload, qos=1, retain=True)
                    self.counters["acks_published"] += 1
