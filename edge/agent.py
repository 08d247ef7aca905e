"""The store device's dispatcher: MQTT signals in, recommendations for each display out.

One signal, top to bottom (``Agent.handle``)::

    MQTT message  -> TopicTree.parse          bad input: dead letter + counter, never a crash
                  -> handler (on_<kind>)      state update: session / stock / basket (edge.state),
                                              who stands where (edge.store.presence)
                  -> affected displays        the layout and the board (edge.store)
                  -> recommend                score -> rank -> RecoResult (edge.reco.recommender),
                                              with the serving generation read once (edge.serving)
                  -> publish + log            retained, QoS 1, naming the cause signal

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
the default), on paho's network thread (``inline``), or on the network thread
they came on when nobody is handling one and nothing is queued and by the
worker otherwise (``hybrid``: edge/admission.py, "Run to completion when
idle"; safe with a stuck handler since the links' stall guard, not the default
for its p99, docs/performance-log.md, "(2026-12-03 (j)) hybrid dispatch made
safe"); state is
touched under ``self.lock`` either way, so handlers read like single-threaded code. The
agent builds nothing: :class:`edge.app.Device` (the composition root) gives it
its parts. The feedback capture plugs in through :class:`FeedbackSink`, called
inside the SQLite transaction of the state change it records. The worker
commits nothing itself: shelf counts, purchases and interactions change memory
at once and queue their rows to the log writer (:mod:`edge.state.logwriter`),
which commits them in order with the impressions, then sends their broker acks.
"""

from __future__ import annotations

import logging
import sqlite3
import threading
import time
from collections.abc import Callable

from paho.mqtt.properties import Properties

from edge.admission import Intake, SeenWindow
from edge.comms.mqtt import Ack, MqttLink, reply_properties
from edge.comms.topics import (
    CameraStatus,
    CameraZoneEvent,
    DeadLetter,
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
from edge.feedback.capture import FeedbackSink
from edge.observability.registry import Registry
from edge.reco.ranker import Placement
from edge.reco.recommender import Recommender
from edge.reco.result import RecoResult
from edge.serving.generation import Generation
from edge.state import Session, StateStore
from edge.state.logwriter import LogWriter, log_row
from edge.store import Board, Presence, Rejected, StoreLayout

log = logging.getLogger(__name__)

DEDUP_KINDS = frozenset({"pos", "interaction"})
"""Kinds whose signal_id is remembered (SeenWindow): a repeat is not a second event."""
INLINE_WRITE_WAIT_S = 5.0
"""Inline dispatch only: longest a POS or an interaction waits for its write's commit."""
MAX_CAMERAS = 16
"""Cameras listed in the status (the configured one reports like any other)."""

__all__ = ["Agent", "Rejected"]


class Agent:
    """Routes each inbound message to its handler and publishes what changed."""

    def __init__(
        self,
        *,
        topics: TopicTree,
        layout: StoreLayout,
        store: StateStore,
        generation: Generation,
        recommender: Recommender,
        presence: Presence,
        board: Board,
        metrics: Registry,
        log_writer: LogWriter,
        feedback: FeedbackSink,
        feedback_active: bool,
        clock: Callable[[], float] = time.time,
        dispatch: str = "queue",
        on_status_change: Callable[[], object] | None = None,
        cold_start: str = "model",
    ) -> None:
        self.topics = topics
        self.layout = layout
        self.store = store
        self.generation = generation
        """The serving generation; replaced (one assignment, under ``lock``) by ``Device.swap``."""
        self.recommender = recommender
        self.presence = presence
        self.board = board
        self.metrics = metrics
        self.log_writer = log_writer
        self.feedback = feedback
        self._feedback_active = feedback_active
        self.clock = clock
        self.dispatch = dispatch
        self.on_status_change = on_status_change or (lambda: None)
        self.cold_start = cold_start
        self.direct: dict[str, Callable[[str, bytes], None]] = {}
        """Topic -> handler run on the network thread, outside the signal queue
        (the OTA desired state: it validates, hands over and never blocks)."""
        self.observer: Callable[[float, str | None, bool, bool], None] | None = None
        """Called after each handled signal with (seconds, strategy or None,
        eligible for the model, handler error): OTA probation watches it."""
        self._last_strategy: str | None = None
        self._last_eligible = True
        self.link: MqttLink | None = None
        """Set by the device once the link exists (the link needs our callbacks first)."""
        self.cameras: dict[str, str] = {}
        """Camera id -> its last reported state (online / retrying / offline)."""
        self.lock = threading.RLock()
        # Bounded, two lanes: positions coalesce per shopper, everything else is
        # never shed and served first (edge/admission.py, docs/edge-runtime.md).
        self._queue = Intake(topics, on_reject=self.reject)
        self.seen = SeenWindow()
        """Accepted POS/interaction signal ids: a redelivery changes nothing twice."""
        self.cameras_unlisted = 0
        self._worker_thread: threading.Thread | None = None
        self._ack: Ack | None = None
        """The broker ack of the message being handled (the thread handling it:
        the worker, or a network thread that claimed the intake)."""
        self._last_reject_log = 0.0
        self._unlogged_rejects = 0
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

    # ---- intake ------------------------------------------------------------------

    def start(self) -> None:
        if self.dispatch in ("queue", "hybrid"):
            self._worker_thread = threading.Thread(target=self._worker, name="agent-worker", daemon=True)
            self._worker_thread.start()

    def stop(self, timeout: float = 30.0) -> None:
        """Finish what was accepted: the priority lane is handled (POS, stock,
        interactions were acknowledged to the broker), pending positions are shed
        and counted. Call after the link stopped taking new messages."""
        if self._worker_thread is not None:
            self._queue.close(shed_positions=True)
            self._worker_thread.join(timeout=timeout)

    def on_message(self, topic: str, payload: bytes, props: Properties | None, ack: Ack | None = None) -> None:
        """The MQTT link's message callback (paho's network thread).

        ``ack`` (QoS 1 on the main link) acknowledges the message to the broker: it
        is called once the message is done with (its transaction committed, its
        answer published, or it was dead-lettered), never when it is merely queued,
        so a crash in between leaves it with the broker, which resends it."""
        direct = self.direct.get(topic) if self.direct else None
        if direct is not None:
            try:
                direct(topic, payload)
            finally:
                if ack is not None:
                    ack()
            return
        if self.dispatch == "hybrid" and self._queue.claim(len(payload)):
            # Nobody handling, nothing queued: run it here, as the worker would
            # (the ack goes with the message: handed to the log writer by a
            # handler that writes, else sent once handled), and spare the two
            # thread hand-offs. The claim keeps the worker (and the other link's
            # thread) out until release. Wake-ups held as the worker holds them:
            # a position handled on the positions link's thread publishes its
            # answers on the main link, and this thread writes them itself at
            # the release instead of waking the main link's thread (which then
            # had to take the GIL back; on the main link's own thread nothing is
            # held: it writes what it queued after this callback anyway). Main
            # link wake-ups 1,360 -> 650/s, device CPU -7.5 % (4 of 4 pairs, p99
            # mixed), Mosquitto +8 us/signal (more, smaller writes):
            # docs/performance-log.md, "(2026-12-03 (j)) hybrid dispatch made safe".
            link = self.link
            if link is not None:
                link.hold_wakes()
            try:
                self._ack = ack
                self.handle(topic, payload, props)
                self._settle()
            finally:
                if link is not None:
                    link.release_wakes()
                self._queue.release()
        elif self.dispatch != "inline":
            self._queue.put((topic, payload, props, ack))
        else:
            # Inline (paho's threads, both links): acked once handled; the
            # hand-over of an ack to the log writer is the worker's (one thread).
            self.handle(topic, payload, props)
            if ack is not None:
                ack()

    def _settle(self) -> None:
        """Acknowledge the message just handled, unless a handler took its ack over
        (a render confirmation is acked when the log writer committed it)."""
        ack, self._ack = self._ack, None
        if ack is not None:
            ack()

    def _take_ack(self) -> Ack | None:
        ack, self._ack = self._ack, None
        return ack

    def on_retained(self, topic: str, payload: bytes, props: Properties | None, ack: Ack | None = None) -> None:
        """A message with the retain flag: sent because we (re)subscribed, so not news.

        Inbound signals are events, not state (the contract publishes none of them
        retained), so a retained one replays whatever was left on the broker at every
        resubscribe: a stale inventory of 0 overwrote a live 50 after a restart. It is
        dead-lettered. Camera status (state with a last will) and the desired state
        are the retained topics the device does read.
        """
        found = self.topics.classify(topic)
        if topic == self.topics.desired or (found is not None and found[0] == "camera_status"):
            self.on_message(topic, payload, props, ack)
            return
        self.reject(topic, payload, "retained: a retained inbound signal is stale state replayed on "
                                    "subscribe; ignored")
        if ack is not None:
            ack()

    def _worker(self) -> None:
        while True:
            msg = self._queue.get()
            if msg is None:
                return
            self._ack = msg[3] if len(msg) > 3 else None
            # The answers and the ack of this signal leave together once it is
            # handled: one wake-up of the main link's network thread per signal,
            # after the handling, instead of one in its middle (where the network
            # thread took the GIL from the worker and gave it back).
            link = self.link
            if link is not None:
                link.hold_wakes()
            try:
                self.handle(msg[0], msg[1], msg[2])
                self._settle()
            finally:
                if link is not None:
                    link.release_wakes()

    def handle(self, topic: str, payload: bytes, props: Properties | None = None) -> None:
        """One inbound message, start to finish. Never raises."""
        m = self.metrics
        t0 = time.perf_counter_ns()
        c0 = time.thread_time_ns()
        try:
            inbound = self.topics.parse(topic, payload)
        except PayloadError as exc:
            self.reject(topic, payload, exc.reason)
            return
        t1 = time.perf_counter_ns()
        m.stage_ns["parse"] += t1 - t0
        m.received[inbound.kind] += 1
        dedup = inbound.kind in DEDUP_KINDS
        if dedup and self.seen.duplicate(inbound.kind, inbound.payload.signal_id):  # type: ignore[attr-defined]
            m.handled += 1  # a no-op, counted in seen.duplicates: the first one was handled
            return
        failed = False
        with self.lock:
            self._last_strategy = None
            try:
                self.handlers[inbound.kind](inbound, props)
                m.handled += 1
                if dedup:
                    self.seen.accept(inbound.kind, inbound.payload.signal_id)  # type: ignore[attr-defined]
            except Rejected as exc:
                self.reject(topic, payload, str(exc))
            except Exception as exc:  # a bug must cost one message, not the device
                m.errors += 1
                failed = True
                log.exception("handler for %s failed", topic)
                self.reject(topic, payload, f"internal error: {type(exc).__name__}")
        elapsed_ns = time.perf_counter_ns() - t0
        # This thread's CPU time in the same span, its clock read next to the wall's: "total"
        # minus "cpu" is time the handler was ready but not running (waiting for the GIL or a
        # core, or blocked), which is what the tail is made of on a busy box.
        cpu_ns = time.thread_time_ns() - c0
        m.stage_ns["total"] += elapsed_ns
        m.stage_ns["cpu"] += cpu_ns
        observer = self.observer
        if observer is not None and (failed or self._last_strategy is not None):
            observer(elapsed_ns / 1e9, self._last_strategy, self._last_eligible, failed)

    def reject(self, topic: str, payload: bytes, reason: str) -> None:
        kind = reason.split(":", 1)[0][:40]
        self.metrics.rejected[kind] += 1
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
        self._publish(self.topics.deadletter, dump(letter), qos=0)

    def _publish(self, topic: str, payload: bytes, **kw) -> None:
        if self.link is not None:
            self.link.publish(topic, payload, **kw)

    # ---- handlers: state update, then the affected displays --------------------------

    def on_location(self, inbound: Inbound, props: Properties | None) -> None:
        sig: LocationSignal = inbound.payload  # type: ignore[assignment]
        zone = self.layout.zone(sig.zone)
        t0 = time.perf_counter_ns()
        session = self._session(sig.shopper)
        if sig.action == "enter":
            self.presence.move(session, zone)
        else:
            self.presence.leave(session, zone)
        self.metrics.stage_ns["state"] += time.perf_counter_ns() - t0
        cause = (sig.signal_id, inbound.topic)
        for display_id in self.layout.zone_displays[zone]:
            self.refresh(display_id, cause)

    def on_camera(self, inbound: Inbound, props: Properties | None) -> None:
        ev: CameraZoneEvent = inbound.payload  # type: ignore[assignment]
        zone = self.layout.zone(ev.zone)
        if ev.occupancy is not None:
            self.presence.occupancy[zone] = ev.occupancy
        if ev.event != "linger":
            return
        display = self.layout.display(ev.display_id, "linger at unknown display")
        # A camera track is anonymous; if the location system knows the same
        # track id, its session (and history) is used.
        session = self.store.sessions.get(f"t:{ev.track_id}") if ev.track_id else None
        self.refresh(display.id, (ev.signal_id, inbound.topic), session=session)

    def on_camera_status(self, inbound: Inbound, props: Properties | None) -> None:
        """A camera process's health joins the device status, so an operator
        watching one device sees a camera that is lost or retrying."""
        st: CameraStatus = inbound.payload  # type: ignore[assignment]
        if self.cameras.get(st.camera_id) == st.state:
            return
        if st.camera_id not in self.cameras and len(self.cameras) >= MAX_CAMERAS:
            # Camera ids come from senders: the status lists a bounded few.
            self.cameras_unlisted += 1
            return
        self.cameras[st.camera_id] = st.state
        self.on_status_change()

    def on_inventory(self, inbound: Inbound, props: Properties | None) -> None:
        upd: InventoryUpdate = inbound.payload  # type: ignore[assignment]
        store = self.store
        # Only configured displays are shelves the planogram knows (bounded rows).
        shelf = upd.shelf if upd.shelf in self.layout.displays else None
        idx, flipped, write = store.stage_inventory(upd.item_id, upd.quantity, shelf, upd.ts)
        if write is not None:
            # Stored by the log writer (one writer thread, short transactions): the
            # worker commits nothing for a shelf count, and the broker gets its
            # ack once the count is on disk (the writer runs it after the commit).
            self.log_writer.put_write(write, what=f"inventory {upd.item_id}", then=self._take_ack(),
                                      ordered=False)
        if idx is None or not flipped or store.available[idx]:
            return
        # Gone from the shelf: no display may keep showing it.
        for display_id in self.board.showing_item(upd.item_id):
            self.refresh(display_id, (upd.signal_id, inbound.topic))

    def on_pos(self, inbound: Inbound, props: Properties | None) -> None:
        sale: PosPurchase = inbound.payload  # type: ignore[assignment]
        store = self.store
        # A till may resend a transaction under a new signal id: remembered here
        # while its write may still be queued, and on disk (a read, no write lock)
        # across a restart, when the broker resends what we had not acked yet.
        txn = f"txn:{sale.transaction_id}"
        if self.seen.duplicate("pos", txn):
            return
        if store.purchase_recorded(sale.transaction_id):
            self.seen.duplicates["pos"] += 1
            return
        self.seen.accept("pos", txn)
        session = self._session(sale.shopper) if sale.shopper is not None else None
        # The basket and history change in memory now; the rows, the labels and the
        # conversions are written by the log writer, in order after every impression
        # queued before this purchase (what it is attributed to), and the broker ack
        # waits for that commit. The worker neither waits for the writer nor takes
        # the write lock (a commit there cost 30-150 ms at a checkpoint).
        _, write = store.stage_purchase(sale.transaction_id, session,
                                        [line.item_id for line in sale.items], sale.ts)
        labels = [(line.item_id, line.name, line.price) for line in sale.items
                  if line.name is not None and line.price > 0]
        feedback = self.feedback

        def record(conn: sqlite3.Connection) -> None:
            if not write(conn):
                self.seen.duplicates["pos"] += 1  # its first copy was still queued: recorded once
                return
            store.record_labels(labels, sale.ts, conn)
            feedback.on_purchase(conn, sale)

        self._store_write(record, f"pos {sale.transaction_id}")
        if session is None:
            return
        # What they just bought leaves every screen addressing them.
        for display_id in self.board.addressing(session.key):
            self.refresh(display_id, (sale.signal_id, inbound.topic))

    def on_interaction(self, inbound: Inbound, props: Properties | None) -> None:
        ev: DisplayInteraction = inbound.payload  # type: ignore[assignment]
        display = self.layout.display(inbound.params["display_id"])
        store = self.store
        if store.signal_claimed("interaction", ev.signal_id):
            # Recorded before a restart (the broker resent what we had not acked
            # yet, or a sender replayed it): SeenWindow forgot it, the database did not.
            self.seen.duplicates["interaction"] += 1
            return
        session = None
        if ev.shopper is not None:
            session = self._session(ev.shopper)
            idx = store.index.get(ev.item_id) if ev.item_id else None
            if idx is not None:
                session.add_history([idx])  # picking something up says what they want
                store.touch(session)
        # The claim and the feedback event are written by the log writer after the
        # display's impressions queued before it (the list this interaction refers
        # to): no wait here, and the ack follows the commit.
        feedback, now, display_id = self.feedback, self.clock(), display.id

        def record(conn: sqlite3.Connection) -> None:
            if not store.claim_signal("interaction", ev.signal_id, now, conn):
                self.seen.duplicates["interaction"] += 1  # its first copy was still queued
                return
            feedback.on_interaction(conn, ev, display_id)

        self._store_write(record, f"interaction {ev.signal_id}")
        self.refresh(display.id, (ev.signal_id, inbound.topic), session=session)

    def _store_write(self, write: Callable[[sqlite3.Connection], None], what: str) -> None:
        """Hand a state write to the log writer; the message's broker ack goes with it.

        Inline dispatch acks on paho's thread right after the handler returns, so
        there the write is waited for (bounded) before returning: an ack must not
        go out before the commit. The worker (``queue``) never waits."""
        seq = self.log_writer.put_write(write, what=what, then=self._take_ack())
        if self.dispatch == "inline" and self.log_writer.running:
            self.log_writer.wait_committed(seq, INLINE_WRITE_WAIT_S)

    def on_rendered(self, inbound: Inbound, props: Properties | None) -> None:
        msg: RenderConfirmation = inbound.payload  # type: ignore[assignment]
        display = self.layout.display(inbound.params["display_id"])
        if self._feedback_active:
            # Acked once the log writer committed it (it holds the confirmation until then).
            self.log_writer.put(None, (display.id, msg), then=self._take_ack())

    def on_request(self, inbound: Inbound, props: Properties | None) -> None:
        req: RecommendRequest = inbound.payload  # type: ignore[assignment]
        response_topic = getattr(props, "ResponseTopic", None) if props is not None else None
        if not response_topic:
            raise Rejected("properties: request without an MQTT 5 response topic")
        if not self.topics.is_reply_topic(response_topic):
            # Answering wherever a requester points made the device a confused deputy: its
            # replies landed on screens, its own status and feedback, and other stores.
            raise Rejected(f"response_topic: {response_topic[:120]!r} is outside the reply namespace "
                           f"{self.topics.reply('<client>')}/...")
        correlation = getattr(props, "CorrelationData", None)
        gen = self.generation
        if req.display_id is not None:
            display = self.layout.display(req.display_id)
            placement = gen.placements[display.id]
            k = req.k or display.slots
        elif req.zone is not None:
            placement = gen.placements[f"zone:{self.layout.zone(req.zone)}"]
            k = req.k or self.layout.default_k
        else:
            raise Rejected("payload: request names neither display_id nor zone")
        session = None
        if req.shopper is not None:
            # Personal data only for the shopper standing there now. Nothing proves who sent
            # a request, so naming a loyalty id entitles to nothing: a member who is not in
            # that zone (or whose visit ended) gets the anonymous list, and their purchase
            # history ("bought before") is never an answer to someone else's question.
            live = self.store.sessions.get(req.shopper.key)
            if live is not None and live.zone == placement.zone:
                session = live
            else:
                self.metrics.counter("edge_personal_data_withheld_total",
                                     "Requests naming a shopper not standing there: answered anonymously.").inc()
        rec = self.recommender.recommend(gen, placement, session, k, (req.request_id or "request", inbound.topic))
        self._note(gen, rec, session)
        self._publish(response_topic, rec.to_json(), qos=1, properties=reply_properties(correlation))
        self.metrics.published += 1

    def _session(self, shopper: ShopperRef) -> Session:
        """The shopper's live session (created on first sight), touched now."""
        return self.store.session(shopper.key, loyalty_id=shopper.loyalty_id,
                                  track_id=shopper.track_id, now=self.clock())

    # ---- recompute, publish, log -------------------------------------------------------

    def refresh(
        self, display_id: str, cause: tuple[str, str] | None, *, session: Session | None = None,
        publish: bool = True,
    ) -> RecoResult:
        """Recompute what one display shows and publish it (retained). Call under ``lock``."""
        display = self.layout.displays[display_id]
        gen = self.generation  # once per signal: a swap lands between signals, never inside one
        placement: Placement = gen.placements[display_id]
        if session is None:
            session = self.presence.front(display.zone, self.store.sessions)
        rec = self.recommender.recommend(gen, placement, session, display.slots, cause)
        self._note(gen, rec, session)
        m = self.metrics
        t0 = time.perf_counter_ns()
        self.board.show(display_id, rec)
        if publish:
            self._publish(self.topics.recommendations(display_id), rec.to_json(), qos=1, retain=True)
            m.published += 1
        t1 = time.perf_counter_ns()
        m.stage_ns["publish"] += t1 - t0
        self.log_writer.put(log_row(rec, display_id, display.zone), rec if self._feedback_active else None)
        m.stage_ns["log"] += time.perf_counter_ns() - t1
        return rec

    def _note(self, gen: Generation, rec: RecoResult, session: Session | None) -> None:
        """What the observer learns about this signal: the strategy served, and
        whether the model should have served it (popularity when it should not
        have is a fallback probation counts)."""
        self._last_strategy = rec.strategy
        self._last_eligible = gen.scorer is not None and (
            bool(session is not None and session.history) or self.cold_start == "model")

    def refresh_all(self, cause: tuple[str, str] | None = None, *, publish: bool = True) -> None:
        """Every display, one at a time (each under the lock, so signals interleave)."""
        for display_id in self.layout.displays:
            with self.lock:
                self.refresh(display_id, cause, publish=publish)

    def republish(self) -> None:
        """What every display shows, again (retained): after a (re)connect."""
        with self.lock:
            for display_id, showing in self.board:
                self._publish(self.topics.recommendations(display_id), showing.rec.to_json(), qos=1, retain=True)

    def expire(self) -> None:
        """Forget idle sessions; displays that addressed them fall back. Call under ``lock``."""
        gone = {s.key for s in self.store.expire_sessions(self.clock())}
        if not gone:
            return
        self.presence.forget(gone)
        for display_id in self.board.addressing(gone):
            self.refresh(display_id, None)

    def write_impressions(self, conn, recs: list) -> None:
        """Impression hooks for a batch, inside the log writer's transaction
        (render confirmations come as (display_id, RenderConfirmation) pairs)."""
        # No GIL hand-over in here: this runs inside the log writer's
        # transaction, and a yield would hold the write lock a POS needs
        # while other threads run. The writer yields between its short
        # transactions instead (edge/state/logwriter.py, chunks).
        run: list = []
        for rec in recs:
            if isinstance(rec, tuple):
                if run:
                    self.feedback.on_recommendations(conn, run)
                    run = []
                self.feedback.on_rendered(conn, rec[1], rec[0])
            else:
                run.append(rec)
        if run:  # impressions in runs: the outbox numbers a run in one step
            self.feedback.on_recommendations(conn, run)
