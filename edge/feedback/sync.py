"""Store-and-forward sender: drains the outbox to the store broker at QoS 1.

How it keeps "nothing lost, nothing invented":

* **The outbox is the truth.** paho-mqtt keeps its session (in-flight
  publishes) in memory only, so the sender never trusts it across a restart:
  on start it reads the first row the broker has not acknowledged and goes on
  from there, in seq order.
* **QoS 1, stable client id, persistent session.** MQTT 5 with
  ``clean_start=False`` and a session expiry, so a broker restart or a network
  drop resumes the same session and paho re-sends its in-flight publishes.
* **A row is marked sent only on the broker's PUBACK** (paho's
  ``on_publish(mid, reason_code)`` in callback API v2). A PUBACK carrying an
  error reason code is not an acknowledgement: the row is sent again.
* **End to end, a row is final only when the cloud confirms it.** The cloud
  ingest publishes, per device and outbox epoch, the highest seq up to which
  it has everything (``.../feedback/ack``, retained, bridged back). A store
  broker killed after PUBACK but before it saved or forwarded the message would
  otherwise lose it. When the cloud's watermark has not moved for
  ``confirm_timeout_s`` while rows older than that are unconfirmed, they are
  sent again from the oldest (the timeout doubles while the cloud stays
  silent, so a long outage does not flood the bridge; a slow but moving
  watermark never triggers a re-send).
* **An ack cannot confirm what was never sent.** Only the bridge may publish
  acks (the broker ACL, docs/security.md); the sender also checks each one: an
  ack for another device or epoch, or above the highest seq the outbox ever
  produced, is ignored and counted (``acks_ignored``, ``acks_forged``); one
  above the highest seq published so far is applied only up to that seq and
  the rest is held until the rows are published. A forged watermark therefore
  confirms nothing unsent, and never blocks the real acks that follow it.
* **The outbox, not the bridge, buffers an outage.** Mosquitto's bridge queue
  is not a safe store (2.0.11 dropped what was published while the uplink was
  down in our offline-window runs; cf. eclipse-mosquitto/mosquitto#3394 and
  #3472). With ``uplink_state_topic`` set, the sender watches the bridge's
  retained state and stops publishing while the uplink is down; when it comes
  back it re-sends every unconfirmed row from the oldest, so the cloud
  receives first copies in order.
* **Order.** One connection, one topic, one in-flight window: the broker
  receives first copies in seq order; re-sends are duplicates the cloud drops.
* **Backoff.** Reconnects back off exponentially (paho's reconnect delay);
  failed PUBACKs wait the same way before the rewind.

The sender runs as a thread inside the device agent or as its own process
(``python -m edge.feedback.sync --config device.toml``), with its own SQLite
connection to the device's WAL database.
"""

from __future__ import annotations

import sys

if __name__ == "__main__":
    # The sender process never uses pandas, but sqlite-utils imports it whenever
    # it is installed (~0.5 s and ~40 MB RSS): make that import fail here, as
    # edge-device does for the agent.
    sys.modules.setdefault("pandas", None)  # type: ignore[arg-type]

import argparse
import contextlib
import logging
import signal
import sqlite3
import threading
import time
from collections import deque
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import paho.mqtt.client as mqtt

from edge.admission import LogThrottle
from edge.comms.mqtt import client_for
from edge.comms.mqtt import start as mqtt_start
from edge.comms.topics import FeedbackAck, TopicTree
from edge.feedback import salvage
from edge.feedback.outbox import Outbox, create_schema, event_json
from edge.state import db
from firmware_config.feedback import FeedbackConfig
from firmware_config.schema import BrokerConfig

log = logging.getLogger(__name__)


def open_db(db_path: Path | str) -> sqlite3.Connection:
    return db.connect(db_path)


class FeedbackSender:
    """Publishes outbox rows in seq order; marks them sent on PUBACK, final on cloud ack."""

    POLL_S = 0.02
    HOUSEKEEPING_S = 1.0

    def __init__(
        self,
        db_path: Path | str,
        broker: BrokerConfig,
        *,
        device_id: str,
        store_id: str,
        client_id: str,
        config: FeedbackConfig | None = None,
    ) -> None:
        self.config = config or FeedbackConfig()
        self.sync = self.config.sync
        self.outbox = Outbox(self.config.outbox)
        self.broker = broker
        self.tree = TopicTree(store_id=store_id, device_id=device_id, prefix=broker.topic_prefix)
        self.topic = self.tree.feedback
        self.db = open_db(db_path)
        with db.atomic(self.db):
            create_schema(self.db, device_id, store_id)
            salvage.create_table(self.db)
        self.device_id, self.store_id, self.epoch = Outbox.identity(self.db)
        self._salvage_epochs = {r[0] for r in self.db.execute(
            "SELECT DISTINCT epoch FROM feedback_salvaged WHERE confirmed_at IS NULL")}
        """Epochs of a moved-aside outbox whose salvaged events are still owed (edge.feedback.salvage)."""
        self._salvage_acks: deque[tuple[str, int]] = deque()
        self._salvage_inflight: dict[int, str] = {}
        """mid -> event id of published salvaged rows (without end-to-end acks a PUBACK confirms them)."""

        self._acks: deque[tuple[int, bool]] = deque()
        self._cloud_watermark: int | None = None
        self._held_claim: int | None = None  # an ack above what was published so far
        self._max_published = Outbox.highest_sent(self.db)
        self._last_applied = 0
        self._inflight: dict[int, int] = {}
        self._cursor = 0
        self._last_read = -1
        self._connected = threading.Event()
        self._uplink_up = True  # unknown counts as up: without a state topic nothing is gated
        self._uplink_came_back = False
        self._wake = threading.Event()
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None
        self._confirm_timeout = self.sync.confirm_timeout_s
        self._bad_ack_log = LogThrottle(1.0)
        self._last_progress = time.time()  # when the cloud watermark last moved
        self._retry_at = 0.0
        self._backoff = self.sync.backoff_initial_s
        self.counters: dict[str, int] = {
            "published": 0, "acked": 0, "failed_acks": 0, "confirmed": 0, "rewinds": 0,
            "connects": 0, "disconnects": 0, "sessions_resumed": 0, "uplink_changes": 0,
            "acks_ignored": 0, "acks_forged": 0, "acks_held": 0,
            "salvaged_published": 0, "salvaged_confirmed": 0,
        }

        self.client = client_for(
            broker, client_id, inflight=self.sync.inflight, queued=0, on_connect=self._on_connect,
            reconnect_s=(max(1, round(self.sync.backoff_initial_s)), max(1, round(self.sync.backoff_max_s))))
        self.client.on_disconnect = self._on_disconnect
        self.client.on_publish = self._on_publish
        self.client.on_message = self._on_message

    # ---- paho callbacks (network thread): only queue and wake ----------------------

    def _on_connect(self, client: mqtt.Client, userdata: Any, flags: Any, reason: Any, props: Any) -> None:
        if reason.is_failure:
            log.warning("feedback sender: connect refused: %s", reason)
            return
        self.counters["connects"] += 1
        if flags.session_present:
            self.counters["sessions_resumed"] += 1
        if self.sync.end_to_end_ack:
            client.subscribe(self.tree.feedback_ack, qos=1)  # the cloud ingest's confirmations
        if self.sync.uplink_state_topic:
            client.subscribe(self.sync.uplink_state_topic, qos=1)
        self._connected.set()
        self._wake.set()

    def _on_disconnect(self, client: mqtt.Client, userdata: Any, flags: Any, reason: Any, props: Any) -> None:
        self.counters["disconnects"] += 1
        self._connected.clear()

    def _on_publish(self, client: mqtt.Client, userdata: Any, mid: int, reason: Any, props: Any) -> None:
        self._acks.append((mid, bool(reason.is_failure)))
        self._wake.set()

    def _on_message(self, client: mqtt.Client, userdata: Any, msg: mqtt.MQTTMessage) -> None:
        if msg.topic == self.sync.uplink_state_topic:
            up = msg.payload.strip() == b"1"
            if up and not self._uplink_up:
                self._uplink_came_back = True
            if up != self._uplink_up:
                log.info("feedback sender: uplink %s", "up" if up else "down")
                self.counters["uplink_changes"] += 1
            self._uplink_up = up
            self._wake.set()
            return
        try:
            ack = FeedbackAck.model_validate_json(msg.payload)
        except ValueError:  # pydantic's ValidationError is a ValueError
            self._bad_ack_log(log, logging.WARNING, "feedback sender: bad ack on %s", msg.topic)
            self.counters["acks_ignored"] += 1
            return
        if ack.device_id == self.device_id and ack.epoch in self._salvage_epochs:
            self._salvage_acks.append((ack.epoch, ack.watermark))  # the old outbox's stream
            self._wake.set()
            return
        if ack.epoch != self.epoch or ack.device_id != self.device_id:
            # A stale ack of a replaced outbox, or one aimed at another device.
            self.counters["acks_ignored"] += 1
            return
        w = ack.watermark
        if self._cloud_watermark is None or w > self._cloud_watermark:
            self._cloud_watermark = w  # bounded against what was sent in _apply_acks
            self._wake.set()

    # ---- lifecycle -----------------------------------------------------------------------

    def start(self) -> FeedbackSender:
        mqtt_start(self.client, self.broker.host, self.broker.port, keepalive=self.broker.keepalive_s,
                   session_expiry_s=self.sync.session_expiry_s)
        self._thread = threading.Thread(target=self._run, name="feedback-sender", daemon=True)
        self._thread.start()
        return self

    def stop(self, timeout: float = 5.0) -> None:
        """Stop after a short drain; whatever is not acknowledged stays in the outbox."""
        deadline = time.monotonic() + timeout
        while self._inflight and time.monotonic() < deadline and self._connected.is_set():
            time.sleep(0.02)
        self._stop.set()
        self._wake.set()
        if self._thread is not None:
            self._thread.join(timeout=timeout)
        self.client.disconnect()
        self.client.loop_stop()
        self.db.close()

    def wake(self) -> None:
        """Hint that new rows were committed (the sender polls anyway)."""
        self._wake.set()

    # ---- the worker -----------------------------------------------------------------------

    def _run(self) -> None:
        last_housekeeping = 0.0
        while not self._stop.is_set():
            self._wake.wait(self.POLL_S)
            self._wake.clear()
            try:
                now = time.time()
                self._apply_acks(now)
                if now - last_housekeeping >= self.HOUSEKEEPING_S:
                    last_housekeeping = now
                    self._housekeeping(now)
                if self._uplink_came_back:
                    self._uplink_came_back = False
                    self._resend_unconfirmed("uplink back")
                if self._connected.is_set() and self._uplink_up and now >= self._retry_at:
                    self._fill_window()
            except sqlite3.OperationalError as exc:  # e.g. busy beyond the timeout: retry later
                log.warning("feedback sender: %s", exc)
                time.sleep(self._backoff)
            except Exception:
                log.exception("feedback sender: unexpected error; retrying")
                time.sleep(self._backoff)

    @contextlib.contextmanager
    def _immediate(self) -> Iterator[None]:
        """One write transaction on the outbox DB: committed on success, rolled back on any error."""
        with db.atomic(self.db):
            yield

    def _rewound(self, first: int, now: float) -> None:
        """The outbox was rewound to resend from ``first``: read it again from there."""
        self.counters["rewinds"] += 1
        self._cursor = first - 1
        self._last_read = -1
        self._last_progress = now

    def _apply_acks(self, now: float) -> None:
        ok: list[int] = []
        failed: list[int] = []
        salvaged_ok: list[str] = []
        while self._acks:
            mid, is_failure = self._acks.popleft()
            seq = self._inflight.pop(mid, None)
            if seq is not None:
                (failed if is_failure else ok).append(seq)
            elif mid in self._salvage_inflight:
                event_id = self._salvage_inflight.pop(mid)
                if not is_failure and not self.sync.end_to_end_ack:
                    salvaged_ok.append(event_id)
        if salvaged_ok:
            with self._immediate():
                self.counters["salvaged_confirmed"] += self.db.executemany(
                    "UPDATE feedback_salvaged SET confirmed_at = ? WHERE event_id = ? AND confirmed_at IS NULL",
                    [(now, e) for e in salvaged_ok]).rowcount
        watermark = self._bounded_watermark(self._take_claim(), ok)
        if not ok and watermark is None:
            if failed:
                self._on_failed(failed, now)
            return
        with self._immediate():
            self.outbox.mark_sent(self.db, ok, now, confirm=not self.sync.end_to_end_ack)
            confirmed = self.outbox.confirm_upto(self.db, watermark, now) if watermark is not None else 0
        self.counters["acked"] += len(ok)
        if watermark is not None and confirmed:
            self.counters["confirmed"] += confirmed
            self._confirm_timeout = self.sync.confirm_timeout_s  # the cloud is answering again
            self._last_progress = now
        if not self.sync.end_to_end_ack:
            self.counters["confirmed"] += len(ok)
        if ok:
            self._backoff = self.sync.backoff_initial_s
        if failed:
            self._on_failed(failed, now)

    def _take_claim(self) -> int | None:
        claim, self._cloud_watermark = self._cloud_watermark, None
        if claim is None:
            return None
        produced = Outbox.highest_produced(self.db)
        if claim > produced:
            # No outbox of this epoch ever made that seq: not the cloud speaking.
            self.counters["acks_forged"] += 1
            log.warning("feedback sender: ignored an ack with watermark %d above the highest seq "
                        "ever produced (%d)", claim, produced)
            return None
        if claim > max(self._max_published, max(self._inflight.values(), default=0)):
            self.counters["acks_held"] += 1  # above what was published: applied as far as that
        if self._held_claim is None or claim > self._held_claim:
            self._held_claim = claim
        return self._held_claim

    def _bounded_watermark(self, claim: int | None, ok: list[int]) -> int | None:
        """What the cloud may really have: never above the highest seq published."""
        if ok:
            self._max_published = max(self._max_published, max(ok))
        if claim is None:
            claim = self._held_claim
        if claim is None:
            return None
        bound = max(self._max_published, max(self._inflight.values(), default=0))
        if claim <= bound:
            self._held_claim = None
            self._last_applied = max(self._last_applied, claim)
            return claim
        if bound <= self._last_applied:
            return None  # nothing new to confirm until more rows are published
        self._last_applied = bound
        return bound

    def _on_failed(self, seqs: list[int], now: float) -> None:
        """A PUBACK with an error reason (quota, not authorised, ...): back off, then resend."""
        self.counters["failed_acks"] += len(seqs)
        log.warning("feedback sender: broker refused %d publishes; resending from seq %d in %.1fs",
                    len(seqs), min(seqs), self._backoff)
        self._cursor = min(self._cursor, min(seqs) - 1)
        self._last_read = -1
        self._retry_at = now + self._backoff
        self._backoff = min(self._backoff * 2, self.sync.backoff_max_s)

    def _fill_window(self) -> None:
        room = self.sync.inflight - len(self._inflight)
        while room > 0 and self._connected.is_set():
            rows = self.outbox.next_unsent(self.db, self._cursor, min(room, self.sync.batch))
            if not rows:
                return
            for row in rows:
                dropped = None
                if row.seq != self._last_read + 1:
                    prev = self.outbox.previous_seq(self.db, row.seq)
                    if prev < row.seq - 1:
                        dropped = (prev + 1, row.seq - 1)
                info = self.client.publish(self.topic, event_json(row, dropped), qos=1)
                if info.rc == mqtt.MQTT_ERR_QUEUE_SIZE:
                    return
                self._inflight[info.mid] = row.seq
                self._max_published = max(self._max_published, row.seq)
                self._cursor = row.seq
                self._last_read = row.seq
                self.counters["published"] += 1
                room -= 1

    def _resend_unconfirmed(self, why: str) -> None:
        """Send every unconfirmed row again, from the oldest, in order."""
        with self._immediate():
            first = self.outbox.rewind(self.db)
        if first is not None:
            log.info("feedback sender: %s; resending unconfirmed rows from seq %d", why, first)
            self._rewound(first, time.time())

    def _send_salvaged(self, now: float) -> None:
        """Publish owed events salvaged from a moved-aside outbox (verbatim: their own
        ids, epoch and seqs) and confirm them by that epoch's cloud watermark. Only
        rows already published are confirmed (an ack cannot confirm what was never
        sent; without end-to-end acks, a PUBACK confirms); one unconfirmed is sent again
        after confirm_timeout_s, doubling per send."""
        if not self._salvage_epochs:
            return
        with self._immediate():
            while self._salvage_acks:
                epoch, watermark = self._salvage_acks.popleft()
                self.counters["salvaged_confirmed"] += self.db.execute(
                    "UPDATE feedback_salvaged SET confirmed_at = ? WHERE epoch = ? AND seq <= ? "
                    "AND confirmed_at IS NULL AND sent_at IS NOT NULL", (now, epoch, watermark)).rowcount
            self._salvage_epochs = {r[0] for r in self.db.execute(
                "SELECT DISTINCT epoch FROM feedback_salvaged WHERE confirmed_at IS NULL")}
            if not (self._connected.is_set() and self._uplink_up):
                return
            base = self.sync.confirm_timeout_s
            rows = self.db.execute(
                "SELECT event_id, payload FROM feedback_salvaged WHERE confirmed_at IS NULL AND "
                "(sent_at IS NULL OR sent_at < ? - ? * (1 << min(sends, 6))) ORDER BY epoch, seq LIMIT ?",
                (now, base, self.sync.batch)).fetchall()
            for event_id, payload in rows:
                info = self.client.publish(self.topic, payload.encode(), qos=1)
                if len(self._salvage_inflight) < 100_000:
                    self._salvage_inflight[info.mid] = event_id
                self.db.execute("UPDATE feedback_salvaged SET sent_at = ?, sends = sends + 1 WHERE event_id = ?",
                                (now, event_id))
            self.counters["salvaged_published"] += len(rows)

    def _housekeeping(self, now: float) -> None:
        self._send_salvaged(now)
        with self._immediate():
            self.outbox.enforce_age(self.db, now)
            self.outbox.prune_confirmed(self.db, now)
            rewind_from = None
            if self.sync.end_to_end_ack and self._connected.is_set() and self._uplink_up:
                sent_at = self.outbox.oldest_unconfirmed_sent_at(self.db)
                # Re-send only when the cloud is stuck, not when it is merely behind:
                # a slow but moving watermark means the rows are on their way.
                stalled = now - self._last_progress > self._confirm_timeout
                if sent_at is not None and stalled and now - sent_at > self._confirm_timeout:
                    rewind_from = self.outbox.rewind(self.db)
        if rewind_from is not None:
            log.warning("feedback sender: no cloud confirmation for %.0fs; resending from seq %d",
                        self._confirm_timeout, rewind_from)
            self._rewound(rewind_from, now)
            self._confirm_timeout = min(self._confirm_timeout * 2, 3600.0)

    def stats(self) -> dict[str, Any]:
        return {**self.counters, "inflight": len(self._inflight), "connected": self._connected.is_set()}


def sender_from_config(config: Any) -> FeedbackSender:
    """Build the sender for a :class:`firmware_config.schema.DeviceConfig`."""
    fb: FeedbackConfig = config.feedback
    return FeedbackSender(
        config.storage.db_path, config.broker, device_id=config.device_id, store_id=config.store_id,
        client_id=fb.sync.client_id or f"{config.client_id}-feedback", config=fb,
    )


def main(argv: list[str] | None = None) -> int:
    import os

    from firmware_config.loader import load_config
    from firmware_config.schema import DeviceConfig

    parser = argparse.ArgumentParser(description="Drain the device's feedback outbox to the store broker.")
    src = parser.add_mutually_exclusive_group(required=True)
    src.add_argument("--config", type=Path, help="device TOML file")
    src.add_argument("--config-json", action="store_true",
                     help="read the DeviceConfig as JSON from stdin (how edge-device starts it)")
    parser.add_argument("--parent-pid", type=int, help="exit when this process is gone")
    parser.add_argument("--log-level", default="INFO")
    args = parser.parse_args(argv)
    logging.basicConfig(level=args.log_level, format="%(asctime)s %(name)s %(levelname)s %(message)s")
    # Handlers before anything connects: a stop asked for while the sender
    # starts must still end in a clean stop, not the default SIGTERM death.
    stop = threading.Event()
    signal.signal(signal.SIGTERM, lambda *_: stop.set())
    signal.signal(signal.SIGINT, lambda *_: stop.set())
    config = DeviceConfig.model_validate_json(sys.stdin.read()) if args.config_json else load_config(args.config)
    sender = sender_from_config(config).start()
    last_log = time.monotonic()
    while not stop.wait(0.5):
        if args.parent_pid and os.getppid() != args.parent_pid:
            log.warning("feedback sender: parent %d gone; exiting", args.parent_pid)
            break
        if time.monotonic() - last_log > 60:
            last_log = time.monotonic()
            log.info("feedback sender: %s", sender.stats())
    sender.stop()
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
