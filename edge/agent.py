"""The store device: MQTT signals in, recommendations for each display out.

One signal, top to bottom (``Agent.handle``)::

    MQTT message  -> TopicTree.parse          bad input: dead letter + counter, never a crash
                  -> state update             session / stock / basket (edge.state)
                  -> affected displays        who can see a change (this module)
                  -> scores                   model or popularity (edge.reco.scores)
                  -> rank                     filters, near boost, MMR, reasons (edge.reco.ranker)
                  -> publish                  retained, QoS 1, naming the cause signal

Which displays a signal affects:

* ``location`` enter/leave zone Z: every display facing Z, for the shopper now
  in front of it (the most recent arrival still in Z; nobody -> cold start).
* ``camera`` linger at display D: display D. Other camera events only update
  zone occupancy (shown in the device status).
* ``inventory``: when an item goes out of stock, every display showing it.
* ``pos``: every display currently showing the paying shopper (bought items go).
* ``interaction`` at display D: display D (a pickup also joins the history).
* ``request``: nobody; the answer goes to the MQTT 5 response topic.
* ``rendered`` (proof of play from edge-signage): nobody; the confirmation is
  queued to the log writer, which records the impression's ``shown_at`` after
  the impressions queued before it (off the hot path, no drain).

Messages are handled one at a time by a worker thread (``--dispatch queue``,
the default) or on paho's network thread (``inline``); state is touched under
``self._lock`` either way, so handlers read like single-threaded code. The
feedback capture (``edge/feedback``) plugs in through :class:`FeedbackSink`,
called inside the SQLite transaction of the state change it records
(impressions: the log writer's batch, see :mod:`edge.state.logwriter`).
"""

from __future__ import annotations

import gc
import logging
import queue
import threading
import time
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

from paho.mqtt.properties import Properties

from edge.bundle import BundleError
from edge.comms.mqtt import MqttLink, reply_properties
from edge.comms.topics import (
    CameraStatus,
    CameraZoneEvent,
    DeadLetter,
    DeviceStatus,
    DisplayInteraction,
    Inbound,
    InventoryUpdate,
    LocationSignal,
    PayloadError,
    PosPurchase,
    RecommendRequest,
    RenderConfirmation,
    ShopperRef,
    TopicTree,
    dump,
)
from edge.feedback.capture import FeedbackSink, NullFeedbackSink
from edge.ota.manager import OtaManager
from edge.ota.manager import boot as ota_boot
from edge.ota.verify import Refused
from edge.reco import Placement, Ranker, RecoResult, ScoreSource, department_mask
from edge.runtime.model import InferenceWatchdog, Scorer, load_scorer
from edge.state import Session, StateStore
from edge.state.logwriter import LogWriter, log_row
from firmware_config.schema import DeviceConfig

log = logging.getLogger(__name__)

HOUSEKEEPING_S = 0.5
STATUS_EVERY_S = 30.0


class Rejected(Exception):
    """A well-formed message the device still cannot act on (unknown zone...)."""


@dataclass
class Stats:
    """Counters and per-stage time, published in the device status."""

    received: Counter = field(default_factory=Counter)
    rejected: Counter = field(default_factory=Counter)
    published: int = 0
    errors: int = 0
    stage_ns: Counter = field(default_factory=Counter)
    handled: int = 0

    def as_detail(self) -> dict:
        n = max(self.handled, 1)
        return {
            "received": dict(self.received),
            "rejected": dict(self.rejected),
            "rejected_total": sum(self.rejected.values()),
            "published": self.published,
            "errors": self.errors,
            "handled": self.handled,
            "stage_us_mean": {k: round(v / n / 1000, 1) for k, v in self.stage_ns.items()},
        }


class Agent:
    """One store device: owns the MQTT link, the model, the state and the displays."""

    def __init__(
        self,
        config: DeviceConfig,
        *,
        feedback: FeedbackSink | Callable[[StateStore], FeedbackSink] | None = None,
        dispatch: str = "queue",
        clock: Callable[[], float] = time.time,
    ) -> None:
        self.config = config
        self.clock = clock
        self.dispatch = dispatch
        self.topics = TopicTree(config.store_id, config.device_id, config.broker.topic_prefix)
        self.stats = Stats()
        self.health: dict[str, object] = {"inference": "ok"}

        # OTA: the model comes from a verified slot (edge/ota), else [model].
        self.ota: OtaManager | None = None
        boot_choice = None
        if config.ota is not None and config.ota.enabled:
            boot_choice = ota_boot(config, self._load_model)
            self.scorer = boot_choice.scorer
        else:
            self.scorer = self._load_model()
        self._last_strategy: str | None = None
        self._last_eligible = True
        items = self.scorer.bundle.items if self.scorer is not None else None
        self.store = StateStore(
            config.storage.db_path,
            items,
            min_stock=config.policy.min_stock,
            session_ttl_s=config.policy.session_ttl_s,
        )
        # A sink, or a factory given the store (an outbox lives in the same database).
        if feedback is not None and not hasattr(feedback, "on_recommendation"):
            feedback = feedback(self.store)  # type: ignore[operator]
        self.feedback: FeedbackSink = feedback or NullFeedbackSink()  # type: ignore[assignment]
        self._feedback_active = not isinstance(self.feedback, NullFeedbackSink)
        # The recommendation log and impressions: batched, on their own connection.
        self.log_writer = LogWriter(
            config.storage.db_path,
            self._write_impressions if self._feedback_active else None,
        )
        policy = config.policy
        self.scores = ScoreSource(self.store, self.scorer, cold_start=policy.cold_start)
        self.ranker = Ranker(
            self.store,
            near_boost=policy.near_boost,
            diversity_weight=policy.diversity_weight,
            exclude_purchased=policy.exclude_purchased,
        )

        # The layout, resolved once: a placement (near-item mask) per display and zone.
        self.zones = {z.id: z for z in config.zones}
        self.displays = {d.id: d for d in config.displays}
        self.zone_displays: dict[str, list[str]] = {z: [] for z in self.zones}
        self.placements: dict[str, Placement] = {}
        for d in config.displays:
            depts = d.departments or self.zones[d.zone].departments
            self.placements[d.id] = Placement(d.id, d.zone, department_mask(self.store, depts),
                                              self._label(d.zone, depts))
            self.zone_displays[d.zone].append(d.id)
        for z in config.zones:
            self.placements[f"zone:{z.id}"] = Placement(
                f"zone:{z.id}", z.id, department_mask(self.store, z.departments),
                self._label(z.id, z.departments))

        # Who stands where, and what each display shows now.
        self.audience: dict[str, list[str]] = {z: [] for z in self.zones}
        self.occupancy: dict[str, int] = {}
        self.cameras: dict[str, str] = {}
        """Camera id -> its last reported state (online / retrying / offline)."""
        self.showing: dict[str, RecoResult] = {}
        self.showing_items: dict[str, set[int]] = {}
        self.showing_shopper: dict[str, str | None] = {}
        self._seq = 0
        self._last_reject_log = 0.0
        self._unlogged_rejects = 0
        self._boot = f"{int(time.time() * 1000) % 10**10:x}"

        self._lock = threading.RLock()
        self._stop = threading.Event()
        self._queue: queue.SimpleQueue = queue.SimpleQueue()
        self._threads: list[threading.Thread] = []
        self.watchdog = (
            InferenceWatchdog(self.scorer, on_stuck=self._on_inference_stuck)
            if self.scorer is not None else None
        )
        subscriptions = self.topics.subscriptions()
        if boot_choice is not None:
            self.ota = OtaManager(config, self, boot_choice=boot_choice, desired_topic=self.topics.desired)
            subscriptions.append((self.topics.desired, 1))
        self.link = MqttLink(
            config.broker,
            config.client_id,
            subscriptions=subscriptions,
            will=(self.topics.status, dump(self._status("offline"))),
            on_message=self._on_mqtt_message,
            on_connected=self._on_connected,
        )
        self.handlers: dict[str, Callable[[Inbound, Properties | None], None]] = {
            "location": self.on_location,
            "camera": self.on_camera,
            "inventory": self.on_inventory,
            "pos": self.on_pos,
            "interaction": self.on_interaction,
            "request": self.on_request,
            "camera_status": self.on_camera_status,
            "rendered": self.on_rendered,
        }

    # ---- start-up -------------------------------------------------------------

    def _load_model(self) -> Scorer | None:
        model = self.config.model
        if model is None:
            log.warning("no model configured: serving zone popularity")
            return None
        try:
            scorer = load_scorer(Path(model.bundle_path), smoke_test=model.smoke_test)
        except BundleError as exc:
            if model.required:
                raise
            log.error("model refused, serving zone popularity: %s", exc)
            self.health["model_error"] = str(exc)[:300]
            return None
        log.info("model %s loaded (%d items)", scorer.model_version, scorer.spec.num_items)
        return scorer

    def start(self) -> None:
        """Compute every display's first recommendation, then connect and serve."""
        with self._lock:
            for display_id in self.displays:
                self._refresh(display_id, cause=None, publish=False)
        # Everything loaded so far (catalogue, model, modules) lives as long as
        # the process: keep it out of the cyclic GC's full collections, whose
        # pauses would otherwise land on random signals as tail latency.
        gc.collect()
        gc.freeze()
        if self.watchdog is not None:
            self.watchdog.start()
        self.log_writer.start()
        if self.dispatch == "queue":
            self._spawn(self._worker, "agent-worker")
        self._spawn(self._housekeeping, "agent-housekeeping")
        if self.ota is not None:
            self.ota.start()
        self.link.start()

    def stop(self) -> None:
        self._stop.set()
        if self.dispatch == "queue":
            self._queue.put(None)
        for t in self._threads:
            t.join(timeout=2)
        if self.ota is not None:
            self.ota.stop()
        if self.watchdog is not None:
            self.watchdog.stop()
        self.link.stop(final=(self.topics.status, dump(self._status("offline"))))
        with self._lock:
            self.log_writer.stop()
            self.store.close()
        log.info("stopped: %s", self.stats.as_detail())

    def run_forever(self) -> None:
        self.start()
        try:
            while not self._stop.wait(1.0):
                pass
        finally:
            self.stop()

    def _spawn(self, target: Callable[[], None], name: str) -> None:
        t = threading.Thread(target=target, name=name, daemon=True)
        t.start()
        self._threads.append(t)

    # ---- MQTT entry points -------------------------------------------------------

    def _on_connected(self, session_present: bool) -> None:
        """After every (re)connect: announce we are online and restore retained screens."""
        self.link.publish(self.topics.status, dump(self._status("online")), qos=1, retain=True)
        with self._lock:
            for display_id, rec in self.showing.items():
                self.link.publish(self.topics.recommendations(display_id), rec.to_json(), qos=1, retain=True)

    def _on_mqtt_message(self, topic: str, payload: bytes, props: Properties | None) -> None:
        if self.ota is not None and topic == self.topics.desired:
            self.ota.on_desired(topic, payload)  # validates and hands over; never blocks
            return
        if self.dispatch == "queue":
            self._queue.put((topic, payload, props))
        else:
            self.handle(topic, payload, props)

    def _worker(self) -> None:
        while True:
            msg = self._queue.get()
            if msg is None:
                return
            self.handle(*msg)

    def handle(self, topic: str, payload: bytes, props: Properties | None = None) -> None:
        """One inbound message, start to finish. Never raises."""
        t0 = time.perf_counter_ns()
        try:
            inbound = self.topics.parse(topic, payload)
        except PayloadError as exc:
            self._reject(topic, payload, exc.reason)
            return
        t1 = time.perf_counter_ns()
        self.stats.stage_ns["parse"] += t1 - t0
        self.stats.received[inbound.kind] += 1
        failed = False
        with self._lock:
            self._last_strategy = None
            try:
                self.handlers[inbound.kind](inbound, props)
                self.stats.handled += 1
            except Rejected as exc:
                self._reject(topic, payload, str(exc))
            except Exception as exc:  # a bug must cost one message, not the device
                self.stats.errors += 1
                failed = True
                log.exception("handler for %s failed", topic)
                self._reject(topic, payload, f"internal error: {type(exc).__name__}")
        elapsed_ns = time.perf_counter_ns() - t0
        self.stats.stage_ns["total"] += elapsed_ns
        if self.ota is not None and (failed or self._last_strategy is not None):
            self.ota.observe(elapsed_ns / 1e9, self._last_strategy, eligible=self._last_eligible,
                             error=failed)

    def _reject(self, topic: str, payload: bytes, reason: str) -> None:
        kind = reason.split(":", 1)[0][:40]
        self.stats.rejected[kind] += 1
        # Every rejection is counted and dead-lettered; the log gets at most
        # one line a second, so a misbehaving sender cannot flood the journal.
        now = time.monotonic()
        if now - self._last_reject_log >= 1.0:
            more = f" (+{self._unlogged_rejects} more since the last line)" if self._unlogged_rejects else ""
            log.warning("rejected %s: %s%s", topic, reason, more)
            self._last_reject_log, self._unlogged_rejects = now, 0
        else:
            self._unlogged_rejects += 1
        letter = DeadLetter(
            topic=topic, reason=reason,
            payload=payload[:512].decode("utf-8", errors="replace"), ts=self.clock(),
        )
        self.link.publish(self.topics.deadletter, dump(letter), qos=0)

    # ---- handlers: state update, then the affected displays --------------------------

    def on_location(self, inbound: Inbound, props: Properties | None) -> None:
        sig: LocationSignal = inbound.payload  # type: ignore[assignment]
        zone = self._zone(sig.zone)
        t0 = time.perf_counter_ns()
        session = self._session(sig.shopper)
        if sig.action == "enter":
            self._move(session, zone)
        else:
            self._leave(session, zone)
        self.stats.stage_ns["state"] += time.perf_counter_ns() - t0
        cause = (sig.signal_id, inbound.topic)
        for display_id in self.zone_displays[zone]:
            self._refresh(display_id, cause)

    def on_camera(self, inbound: Inbound, props: Properties | None) -> None:
        ev: CameraZoneEvent = inbound.payload  # type: ignore[assignment]
        zone = self._zone(ev.zone)
        if ev.occupancy is not None:
            self.occupancy[zone] = ev.occupancy
        if ev.event != "linger":
            return
        if ev.display_id is None or ev.display_id not in self.displays:
            raise Rejected(f"display_id: linger at unknown display {ev.display_id!r}")
        # A camera track is anonymous; if the location system knows the same
        # track id, its session (and history) is used.
        session = self.store.sessions.get(f"t:{ev.track_id}") if ev.track_id else None
        self._refresh(ev.display_id, (ev.signal_id, inbound.topic), session=session)

    def on_camera_status(self, inbound: Inbound, props: Properties | None) -> None:
        """A camera process's health joins the device status, so an operator
        watching one device sees a camera that is lost or retrying."""
        st: CameraStatus = inbound.payload  # type: ignore[assignment]
        if self.cameras.get(st.camera_id) == st.state:
            return
        self.cameras[st.camera_id] = st.state
        self._publish_status()

    def on_inventory(self, inbound: Inbound, props: Properties | None) -> None:
        upd: InventoryUpdate = inbound.payload  # type: ignore[assignment]
        with self.store.transaction() as conn:
            idx, flipped = self.store.update_inventory(
                upd.item_id, upd.quantity, upd.shelf, upd.ts, conn)
        if idx is None or not flipped or self.store.available[idx]:
            return
        # Gone from the shelf: no display may keep showing it.
        for display_id, shown in list(self.showing_items.items()):
            if idx in shown:
                self._refresh(display_id, (upd.signal_id, inbound.topic))

    def on_pos(self, inbound: Inbound, props: Properties | None) -> None:
        sale: PosPurchase = inbound.payload  # type: ignore[assignment]
        self.log_writer.drain()  # attribution must see every impression published so far
        with self.store.transaction() as conn:
            session = None
            if sale.shopper is not None:
                session = self._session(sale.shopper)
            bought = self.store.record_purchase(
                sale.transaction_id, session, [line.item_id for line in sale.items], sale.ts, conn)
            if bought is None:
                return  # QoS 1 redelivery of a transaction already recorded
            self.feedback.on_purchase(conn, sale)
        if session is None:
            return
        # What they just bought leaves every screen addressing them.
        for display_id, shopper in list(self.showing_shopper.items()):
            if shopper == session.key:
                self._refresh(display_id, (sale.signal_id, inbound.topic))

    def on_interaction(self, inbound: Inbound, props: Properties | None) -> None:
        ev: DisplayInteraction = inbound.payload  # type: ignore[assignment]
        display_id = inbound.params["display_id"]
        if display_id not in self.displays:
            raise Rejected(f"display_id: unknown display {display_id!r}")
        self.log_writer.drain()  # the interaction refers to what was shown
        with self.store.transaction() as conn:
            session = None
            if ev.shopper is not None:
                session = self._session(ev.shopper)
                idx = self.store.index.get(ev.item_id) if ev.item_id else None
                if idx is not None:
                    session.add_history([idx])  # picking something up says what they want
                    self.store.touch(session)
            self.feedback.on_interaction(conn, ev, display_id)
        self._refresh(display_id, (ev.signal_id, inbound.topic), session=session)

    def on_rendered(self, inbound: Inbound, props: Properties | None) -> None:
        msg: RenderConfirmation = inbound.payload  # type: ignore[assignment]
        display_id = inbound.params["display_id"]
        if display_id not in self.displays:
            raise Rejected(f"display_id: unknown display {display_id!r}")
        if self._feedback_active:
            self.log_writer.put(None, (display_id, msg))

    def on_request(self, inbound: Inbound, props: Properties | None) -> None:
        req: RecommendRequest = inbound.payload  # type: ignore[assignment]
        response_topic = getattr(props, "ResponseTopic", None) if props is not None else None
        if not response_topic:
            raise Rejected("properties: request without an MQTT 5 response topic")
        correlation = getattr(props, "CorrelationData", None)
        if req.display_id is not None:
            if req.display_id not in self.displays:
                raise Rejected(f"display_id: unknown display {req.display_id!r}")
            placement = self.placements[req.display_id]
            k = req.k or self.displays[req.display_id].slots
        elif req.zone is not None:
            placement = self.placements[f"zone:{self._zone(req.zone)}"]
            k = req.k or self.config.policy.k
        else:
            raise Rejected("payload: request names neither display_id nor zone")
        session = None
        if req.shopper is not None:
            session = self.store.sessions.get(req.shopper.key)
            if session is None and req.shopper.loyalty_id:
                # A known shopper without a live visit: their purchase history, no session.
                session = Session(key=req.shopper.key, loyalty_id=req.shopper.loyalty_id,
                                  track_id=req.shopper.track_id, started_at=0, last_seen=0,
                                  history=self.store.loyalty_history(req.shopper.loyalty_id))
        rec = self._recommend(placement, session, k, (req.request_id or "request", inbound.topic))
        self.link.publish(response_topic, rec.to_json(), qos=1, properties=reply_properties(correlation))
        self.stats.published += 1

    # ---- who is in front of which display ------------------------------------------

    def _session(self, shopper: ShopperRef) -> Session:
        """The shopper's live session (created on first sight), touched now."""
        return self.store.session(shopper.key, loyalty_id=shopper.loyalty_id,
                                  track_id=shopper.track_id, now=self.clock())

    def _zone(self, zone: str) -> str:
        if zone not in self.zones:
            raise Rejected(f"zone: unknown zone {zone!r}")
        return zone

    def _move(self, session: Session, zone: str) -> None:
        if session.zone and session.zone != zone:
            self._leave(session, session.zone)
        people = self.audience[zone]
        if session.key in people:
            people.remove(session.key)
        people.append(session.key)  # the latest arrival is who the displays address
        session.zone = zone

    def _leave(self, session: Session, zone: str) -> None:
        people = self.audience[zone]
        if session.key in people:
            people.remove(session.key)
        if session.zone == zone:
            session.zone = None

    def _audience(self, zone: str) -> Session | None:
        people = self.audience[zone]
        while people:
            session = self.store.sessions.get(people[-1])
            if session is not None:
                return session
            people.pop()  # expired
        return None

    # ---- recompute, rank, publish ----------------------------------------------------

    def _refresh(
        self, display_id: str, cause: tuple[str, str] | None, *, session: Session | None = None,
        publish: bool = True,
    ) -> RecoResult:
        """Recompute what one display shows and publish it (retained)."""
        display = self.displays[display_id]
        placement = self.placements[display_id]
        if session is None:
            session = self._audience(display.zone)
        rec = self._recommend(placement, session, display.slots, cause)
        t0 = time.perf_counter_ns()
        self.showing[display_id] = rec
        self.showing_items[display_id] = {self.store.index[i] for i in rec.item_ids}
        self.showing_shopper[display_id] = rec.shopper
        if publish:
            self.link.publish(self.topics.recommendations(display_id), rec.to_json(), qos=1, retain=True)
            self.stats.published += 1
        t1 = time.perf_counter_ns()
        self.stats.stage_ns["publish"] += t1 - t0
        self.log_writer.put(log_row(rec, display_id, display.zone),
                            rec if self._feedback_active else None)
        self.stats.stage_ns["log"] += time.perf_counter_ns() - t1
        return rec

    def _recommend(
        self, placement: Placement, session: Session | None, k: int, cause: tuple[str, str] | None
    ) -> RecoResult:
        """Score, rank and describe: the list one display (or one request) gets."""
        now = self.clock()
        t0 = time.perf_counter_ns()
        zone = self.zones[placement.zone]
        display = self.displays.get(placement.key)
        departments = (display.departments if display else None) or zone.departments
        scores, strategy, key = self.scores.scores(session, placement, departments, now)
        t1 = time.perf_counter_ns()
        self._last_strategy = strategy
        self._last_eligible = self.scorer is not None and (
            bool(session is not None and session.history) or self.config.policy.cold_start == "model")
        ranked = self.ranker.rank(scores, placement, k, session=session, strategy=strategy, key=key)
        items = self.store.items
        self._seq += 1
        rec = RecoResult(
            recommendation_id=f"{self.config.device_id}-{self._boot}-{self._seq}",
            display_id=placement.key,
            zone=placement.zone,
            cause=cause,
            shopper=session.key if session is not None else None,
            model_version=self.scores.model_version if strategy == "model" else None,
            strategy=strategy,
            generated_at=now,
            items=[
                {"item_id": items[r.index].item_id, "name": items[r.index].name,
                 "category": items[r.index].category, "price": items[r.index].price,
                 "score": round(r.score, 4), "position": pos, "reason": r.reason,
                 "department": items[r.index].department}
                for pos, r in enumerate(ranked, start=1)
            ],
        )
        t2 = time.perf_counter_ns()
        self.stats.stage_ns["score"] += t1 - t0
        self.stats.stage_ns["rank"] += t2 - t1
        return rec

    # ---- background: durability, expiry, health ----------------------------------------

    def _housekeeping(self) -> None:
        last_status = time.monotonic()
        while not self._stop.wait(HOUSEKEEPING_S):
            try:
                with self._lock:
                    self._expire()
                    pending = self.store.take_pending()
                # Outside the agent's lock: this write can wait for the log
                # writer's batch transaction, and signals must not wait with it
                # (measured: 80-160 ms p99 spikes at 1,000 signals/s when it did).
                self.store.write_pending(pending)
            except Exception:
                log.exception("housekeeping failed")
            if time.monotonic() - last_status >= STATUS_EVERY_S and self._publish_status():
                last_status = time.monotonic()

    def _expire(self) -> None:
        gone = {s.key for s in self.store.expire_sessions(self.clock())}
        if not gone:
            return
        for zone, people in self.audience.items():
            self.audience[zone] = [k for k in people if k not in gone]
        for display_id, shopper in list(self.showing_shopper.items()):
            if shopper in gone:
                self._refresh(display_id, None)

    def _write_impressions(self, conn, recs: list) -> None:
        """Impression hooks for a batch, inside the log writer's transaction
        (render confirmations come as (display_id, RenderConfirmation) pairs)."""
        for rec in recs:
            if isinstance(rec, tuple):
                self.feedback.on_rendered(conn, rec[1], rec[0])
                continue
            self.feedback.on_recommendation(conn, rec)
            # Hand the GIL to a waiting signal between impressions: a batch is
            # tens of milliseconds of Python work that must not stall the screens.
            time.sleep(0)

    def _on_inference_stuck(self, seconds: float) -> None:
        if self.ota is not None:
            self.ota.watchdog_trip()
        self.health["inference"] = f"stuck {seconds:.1f}s"
        self._publish_status()

    def _publish_status(self) -> bool:
        """Publish the retained "online" status now, if connected (the connect
        handler publishes it anyway). Returns whether it was published."""
        if not self.link.connected.is_set():
            return False
        self.link.publish(self.topics.status, dump(self._status("online")), qos=1, retain=True)
        return True

    def _status(self, state: str) -> DeviceStatus:
        scorer = getattr(self, "scorer", None)
        if scorer is not None and scorer.busy_since is None and self.health.get("inference") != "ok":
            self.health["last_stuck"] = self.health["inference"]
            self.health["inference"] = "ok"  # it came back
        if getattr(self, "watchdog", None) is not None:
            self.health["stuck_events"] = self.watchdog.stuck_events
        detail = {**self.stats.as_detail(), "health": dict(self.health),
                  "occupancy": dict(getattr(self, "occupancy", {})),
                  "cameras": dict(getattr(self, "cameras", {}))}
        scores = getattr(self, "scores", None)
        if scores is not None:
            detail["score_cache"] = {"hits": scores.cache_hits, "misses": scores.cache_misses}
        if getattr(self, "ota", None) is not None:
            detail.update(self.ota.detail())
        if scorer is not None and scorer.inferences:
            detail["inference_us_mean"] = round(scorer.inference_s_total / scorer.inferences * 1e6, 1)
            detail["inferences"] = scorer.inferences
        return DeviceStatus(
            device_id=self.config.device_id, state=state, ts=self.clock(),  # type: ignore[arg-type]
            model_version=self.scorer.model_version if self.scorer is not None else None,
            detail=detail,
        )

    # ---- OTA host (edge.ota.manager.Host) ---------------------------------------------------

    def active_scorer(self) -> Scorer | None:
        return self.scorer

    def build_generation(self, scorer: Scorer) -> tuple[Scorer, ScoreSource]:
        """The new model's score source, built on the OTA thread while the old one serves.
        The catalogue must be the one this device serves (the state store is indexed by it)."""
        new_ids = [it.item_id for it in scorer.bundle.items]
        if new_ids != [it.item_id for it in self.store.items]:
            raise Refused("wrong_shape", f"{scorer.model_version}: catalogue differs from the "
                                         f"{len(self.store.items)} items this device serves")
        return scorer, ScoreSource(self.store, scorer, cold_start=self.config.policy.cold_start)

    def swap_generation(self, generation: tuple[Scorer, ScoreSource]) -> tuple[tuple, float]:
        """Between two signals: the agent's lock is held only for the assignment."""
        scorer, scores = generation
        with self._lock:
            t0 = time.perf_counter()
            old = (self.scorer, self.scores)
            self.scorer, self.scores = scorer, scores
            if self.watchdog is not None:
                self.watchdog.scorer = scorer
            pause = time.perf_counter() - t0
        return old, pause

    def publish_status(self) -> None:
        self._publish_status()

    def dead_letter(self, topic: str, payload: bytes, reason: str) -> None:
        self._reject(topic, payload, reason)

    @staticmethod
    def _label(zone: str, departments: list[str]) -> str:
        return ", ".join(d.title() for d in departments[:2]) if departments else zone
