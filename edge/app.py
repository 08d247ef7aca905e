"""The composition root: the one place that builds, starts and stops every part of the device.

::

    device = Device(config)        # state DB, first generation, layout, agent, log writer, MQTT link
    device.start()                 # first screens, watchdog, log writer, worker, housekeeping, connect
    ...
    new = device.load_generation(path)          # any thread; the old generation keeps serving
    old = device.swap(new)                      # between two signals
    ...
    device.stop()                  # "offline", flush, close

Parts and who owns what:

* :class:`edge.state.StateStore` -- stock, planogram, sessions, purchases (SQLite + hot arrays);
* :class:`edge.serving.generation.Generation` -- model, catalogue, feature spec, caches, placements;
* :mod:`edge.store` -- layout, presence, board; :class:`edge.reco.recommender.Recommender`;
* :class:`edge.agent.Agent` -- routes messages to handlers, under one lock;
* :class:`edge.observability.Registry` -- every counter, gauge and status block;
  :class:`edge.observability.status.StatusReporter` turns it into the MQTT status;
* :class:`edge.state.logwriter.LogWriter`, :class:`edge.comms.mqtt.MqttLink`,
  :class:`edge.runtime.model.InferenceWatchdog`, the housekeeping thread, and
  optionally :class:`edge.feedback.runtime.FeedbackRuntime` (outbox guard + sender).
"""

from __future__ import annotations

import gc
import logging
import sqlite3
import threading
import time
from collections.abc import Callable
from pathlib import Path

from edge.admission import give_memory_back
from edge.agent import Agent
from edge.bundle import BundleError
from edge.comms.mqtt import MqttLink
from edge.comms.topics import TopicTree
from edge.feedback.capture import FeedbackSink, NullFeedbackSink
from edge.feedback.outbox import Outbox
from edge.observability.registry import Registry
from edge.observability.status import STATUS_EVERY_S, StatusReporter
from edge.reco.recommender import Recommender
from edge.runtime.model import InferenceWatchdog, Scorer, load_scorer
from edge.serving.catalogue import Catalogue, remap
from edge.serving.fallback import StoreCatalogueLearner, salvage_catalogue
from edge.serving.generation import (
    BackgroundBuild,
    Generation,
    build_generation,
    load_generation,
    warm_scores,
)
from edge.state import StateStore, db
from edge.state.logwriter import LogWriter
from edge.store import Board, Presence, StoreLayout
from firmware_config.schema import DeviceConfig

log = logging.getLogger(__name__)

HOUSEKEEPING_S = 0.5
PRIVACY_PRUNE_EVERY_S = 3600.0
"""How often personal data past ``policy.personal_data_retention_days`` is removed (and at start)."""
POSITIONS_SUBSCRIBE_WAIT_S = 5.0
POSITIONS_STALE_S = 0.5
"""How far behind the positions stream may run before the device drops it and
reads current positions instead (edge.comms.mqtt, "A stale stream is dropped").
A position half a second old is superseded (the shopper has moved on), and a
device that far behind misses its latency targets by two orders of magnitude
anyway; the bound also caps how long a flood's tail outlives the flood."""
TRIM_AFTER_BACKLOG = 500
"""A backlog this large has grown the heap enough to be worth a malloc_trim."""
GC_UNFREEZE_S = 600.0
"""How often housekeeping unfreezes everything :func:`freeze_after_full_collection`
(and start-up) froze, so that the next full collection walks it all once: a
reference cycle that became garbage after its objects were frozen (a replaced
serving generation, say) is collected within this long instead of never. That
collection walks every object of the process (~100k: tens of ms, once per ten
minutes)."""

FeedbackArg = FeedbackSink | Callable[[StateStore], FeedbackSink] | None


def freeze_after_full_collection(phase: str, info: dict) -> None:
    """A ``gc.callbacks`` hook: once a full (generation 2) collection is done, freeze
    what survived it, as start-up's objects are frozen (see :data:`GC_UNFREEZE_S`).

    A full collection walks every tracked object that is not frozen, with the GIL
    held, so every thread waits: the score and short-list caches, sessions and
    their histories grown since the last one made those 4-12 ms at 1,000 signals/s
    (~0.4 us per object in the device), every ~5 s, and the signals that arrived
    meanwhile queued behind it (docs/performance-log.md, "(2026-12-02 (f)) the
    tail"). Right after a full collection everything still tracked is reachable,
    so freezing it hides no garbage; and with the full-collection threshold at 0
    the next one comes with the next generation-1 collection and walks only what
    survived since: ~1 ms. Frozen objects are still freed by reference counting.
    """
    if phase == "stop" and info.get("generation") == 2:
        gc.freeze()


class Device:
    """One store device, assembled from its parts."""

    def __init__(
        self,
        config: DeviceConfig,
        *,
        feedback: FeedbackArg = None,
        feedback_runtime: bool = False,
        dispatch: str = "queue",
        clock: Callable[[], float] = time.time,
    ) -> None:
        """``feedback``: a sink, or a factory given the store (an outbox lives in its
        database). ``feedback_runtime``: run the full feedback loop instead
        (:class:`FeedbackRuntime`: corrupt-DB guard before the DB opens, outbox sink,
        sender). Raises :class:`BundleError` when a required model is refused."""
        self.config = config
        self.clock = clock
        self.metrics = Registry()
        self.health = self.metrics.health
        self.topics = TopicTree(config.store_id, config.device_id, config.broker.topic_prefix)
        self.layout = StoreLayout(config)
        self.feedback_runtime = None
        if feedback_runtime:
            from edge.feedback.runtime import FeedbackRuntime

            self.feedback_runtime = FeedbackRuntime(config)  # before the DB is opened
            feedback = self.feedback_runtime.sink_factory

        # OTA: the model comes from a verified slot (edge/ota), else [model].
        self.ota = None
        boot_choice = None
        if config.ota is not None and config.ota.enabled:
            from edge.ota.manager import boot as ota_boot

            boot_choice = ota_boot(config, self._load_model)
            scorer = boot_choice.scorer
        else:
            scorer = self._load_model()
        self.store = StateStore(
            config.storage.db_path,
            scorer.bundle.items if scorer is not None else None,
            min_stock=config.policy.min_stock,
            session_ttl_s=config.policy.session_ttl_s,
            # Consumed sets are kept only for a bundle that excludes them (no-repeat domains).
            keep_consumed=bool(getattr(scorer, "excludes_consumed", False)),
        )
        self.fallback: StoreCatalogueLearner | None = None
        """Learns the store's own catalogue while there is no model and no stored one."""
        self.fallback_source = "stored"
        """Without a model: "stored" (the last bundle's), "salvaged" or "learned"."""
        if scorer is None and self.store.catalogue.empty:
            self._fallback_catalogue()
        self.generation = build_generation(
            scorer, self.store.catalogue, store=self.store, layout=self.layout, policy=config.policy,
            source=(boot_choice.source if boot_choice is not None
                    else str(config.model.bundle_path) if scorer is not None and config.model else None))
        self.previous: Generation | None = None

        if feedback is not None and not hasattr(feedback, "on_recommendation"):
            feedback = feedback(self.store)  # type: ignore[operator]
        self.feedback: FeedbackSink = feedback or NullFeedbackSink()  # type: ignore[assignment]
        active = not isinstance(self.feedback, NullFeedbackSink)
        # The recommendation log and impressions: batched, on their own connection.
        self.log_writer = LogWriter(config.storage.db_path, self._write_impressions if active else None)
        outbox = getattr(self.feedback, "outbox", None)
        if isinstance(outbox, Outbox):  # its events numbered once per log transaction
            self.log_writer.numbering = outbox.numbering
        self.presence = Presence(self.layout.zones)
        self.board = Board()
        if dispatch == "hybrid" and config.broker.tls is not None:
            # A handler that hangs on a link's network thread is kept from costing
            # the connection by writing from the stall guard's thread
            # (LeanClient.keep_alive_stalled), which a TLS socket must not be while
            # the network thread may read it: over TLS every signal goes to the worker.
            log.info("dispatch hybrid over TLS: handling every signal on the worker (queue)")
            dispatch = "queue"
        self.agent = Agent(
            topics=self.topics, layout=self.layout, store=self.store, generation=self.generation,
            recommender=Recommender(config.device_id, self.layout, self.metrics, clock),
            presence=self.presence, board=self.board, metrics=self.metrics, log_writer=self.log_writer,
            feedback=self.feedback, feedback_active=active, clock=clock, dispatch=dispatch,
            on_status_change=self.publish_status, cold_start=config.policy.cold_start,
        )
        self.lock = self.agent.lock
        self.status = StatusReporter(config.device_id, self.metrics,
                                     model_version=lambda: self.generation.model_version, clock=clock)
        self._register_status()
        self.watchdog: InferenceWatchdog | None = None
        if scorer is not None:
            self.watchdog = InferenceWatchdog(scorer, on_stuck=self._on_inference_stuck)
        subscriptions = self.topics.subscriptions()
        if boot_choice is not None:
            from edge.ota.manager import OtaManager

            self.ota = OtaManager(config, self, boot_choice=boot_choice, desired_topic=self.topics.desired)
            subscriptions.append((self.topics.desired, 1))
            self.agent.direct[self.topics.desired] = self.ota.on_desired
            self.agent.observer = self._observe
            # detail.model and detail.ota are the OTA manager's report.
            self.metrics.register_block("model", lambda: self.ota.detail()["model"])
            self.metrics.register_block("ota", lambda: self.ota.detail()["ota"])
        # Positions (QoS 0 location and camera events) arrive on a connection of
        # their own: a flood of them then waits in its own TCP stream, and a
        # touch, a purchase or a stock change is read at once on the main one
        # (one stream would put every touch behind the whole flood, where no
        # queue policy in the device can reach it). docs/edge-runtime.md.
        # No persistent session (QoS 0 positions are not kept for an absent
        # client anyway): when the stream falls more than POSITIONS_STALE_S
        # behind, the link drops it, the broker discards the flood it still holds
        # for us, and the link reconnects at once (reconnect from 50 ms).
        position_topics = {self.topics.location, self.topics.camera_zone()}
        self.positions_link = MqttLink(
            config.broker,
            f"{config.client_id}-positions",
            subscriptions=[s for s in subscriptions if s[0] in position_topics],
            will=None,
            on_message=self.agent.on_message,
            session_expiry_s=None,
            stale_after_s=POSITIONS_STALE_S,
            reconnect_s=(0.05, 10.0),
        )
        subscriptions = [s for s in subscriptions if s[0] not in position_topics]
        self.link = MqttLink(
            config.broker,
            config.client_id,
            subscriptions=subscriptions,
            will=(self.topics.status, self.status.will_payload()),
            on_message=self.agent.on_message,
            on_connected=self._on_connected,
            on_retained=self.agent.on_retained,
            # QoS 1 signals are acked once committed, not when queued (edge.comms.mqtt).
            manual_ack=True,
        )
        self.agent.link = self.link
        # The broker acks the log writer sends after a commit (a chunk's worth at
        # once) wake the main link's network thread once, after the last of them.
        self.log_writer.acks_held = (self.link.hold_wakes, self.link.release_wakes)
        self._stop = threading.Event()
        self._gc_threshold: tuple[int, int, int] | None = None
        """The GC thresholds before :meth:`start` set the full-collection one to 0 (restored by :meth:`stop`)."""
        self._threads: list[threading.Thread] = []
        self._swap_lock = threading.Lock()
        self.last_swap_pause_us: float | None = None
        """How long the last swap held the agent's lock (signals waited that long at most)."""

    # ---- the model ---------------------------------------------------------------------

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

    def _fallback_catalogue(self) -> None:
        """No model and no stored catalogue: salvage the catalogue of a database
        moved aside as corrupt, else learn the store's own from its sales and
        shelf reports (edge/serving/fallback.py, docs/edge-runtime.md)."""
        from edge.feedback import dbguard

        moved = dbguard.quarantined(self.config.storage.db_path)
        salvaged = salvage_catalogue(moved[-1]) if moved else None
        if salvaged is not None:
            log.warning("no model: serving zone popularity over the catalogue salvaged from %s (%d items)",
                        moved[-1].name, len(salvaged))
            self.store.rebind(salvaged)
            self._save_catalogue(salvaged)
            self.fallback_source = "salvaged"
            return
        self.fallback_source = "learned"
        self.fallback = StoreCatalogueLearner(self.config.storage.db_path, self.layout)
        learned = self.fallback.load()
        self.store.rebind(learned)
        log.warning("no model and no stored catalogue: serving zone popularity over the store's own "
                    "sales and shelf reports (%d items so far)", len(learned))

    def _learn_catalogue(self) -> None:
        """Housekeeping, while serving the learned fallback: swap in the catalogue
        grown by new sales and shelf reports (never over a model that arrived)."""
        serving = self.generation
        if self.fallback is None or serving.scorer is not None:
            return
        if not self.fallback.due():
            return
        # Shelf counts and sales reach SQLite through the log writer and the agent: the
        # learner reads shelves (departments) and the swap reads the stock of items new
        # to the catalogue from there, so let the writer commit what it holds first
        # (else an item just reported sold out could be shown until its next count).
        self.log_writer.drain(timeout=2.0)
        catalogue = self.fallback.refresh()
        if catalogue is None:
            return
        gen = build_generation(None, catalogue, store=self.store, layout=self.layout, policy=self.config.policy,
                               source="store-learned", previous=serving)
        self.log_writer.drain(timeout=2.0)
        # Blank screens get their first list now; otherwise each display changes with its next signal.
        if self.swap(gen, persist_catalogue=False, refresh=serving.catalogue.empty, expect=serving) is not None:
            log.info("fallback catalogue: %d items learned from sales and shelf reports", len(catalogue))

    @property
    def scorer(self) -> Scorer | None:
        return self.generation.scorer

    @property
    def scores(self):
        return self.generation.scores

    def load_generation(self, bundle_path: Path | str, *, smoke_test: bool = True) -> Generation:
        """Build a generation from a bundle (load, verify, smoke test, caches) on the
        calling thread; raises :class:`BundleError`. Serving goes on meanwhile."""
        return load_generation(bundle_path, store=self.store, layout=self.layout,
                               policy=self.config.policy, smoke_test=smoke_test)

    def build_in_background(self, bundle_path: Path | str, *, smoke_test: bool = True) -> BackgroundBuild:
        return BackgroundBuild(lambda: self.load_generation(bundle_path, smoke_test=smoke_test)).start()

    def swap(self, new: Generation, *, refresh: bool = False, persist_catalogue: bool = True,
             expect: Generation | None = None) -> Generation | None:
        """Serve ``new`` from the next signal on; returns the generation it replaces
        (None, and nothing swapped, when ``expect`` is given and no longer serves).

        Under the agent's lock (between two signals): the store re-indexes stock,
        planogram and sessions into the new catalogue (map computed at build time)
        and the agent's generation reference is replaced. Then, outside the lock:
        the watchdog follows the new scorer, the catalogue is recorded in the
        database, and (``refresh``) every display is recomputed one at a time.

        Without ``refresh`` (the default) each display changes with its next
        signal: the new model's first inferences then land on real signals,
        where OTA probation sees their latency (a refresh here would fill the
        score cache and hide a slow model from it)."""
        with self._swap_lock:  # one swap at a time: self.generation only changes below
            if expect is not None and self.generation is not expect:
                return None
            current = self.generation.catalogue
            mapping = None
            if new.catalogue is not current:
                # Built against another catalogue (a rollback, an older build): map it now, off the lock.
                mapping = new.mapping if new.base is current else remap(current, new.catalogue)
                # The rebind reads stock of items new to this catalogue from disk, and
                # shelf counts are stored by the log writer: let it commit what it holds.
                self.log_writer.drain(timeout=1.0)
            t0 = time.perf_counter_ns()
            with self.lock:
                old = self.generation
                self.store.rebind(new.catalogue, mapping)
                self.store.keep_consumed(bool(getattr(new.scorer, "excludes_consumed", False)))
                self.agent.generation = new
                self.generation = new
                self.previous = old
            pause_us = (time.perf_counter_ns() - t0) / 1000
            self.metrics.counter("edge_generation_swaps_total", "Serving generations swapped in.").inc()
            self.last_swap_pause_us = pause_us
            log.info("swapped generation %s -> %s (pause %.0f us)", old.model_version, new.model_version, pause_us)
            self._follow_scorer(new.scorer)
            if persist_catalogue and not new.catalogue.empty and new.catalogue is not old.catalogue:
                self._save_catalogue(new.catalogue)
            if refresh:
                self.agent.refresh_all()
            self.publish_status()
            return old

    # ---- what the OTA manager needs (edge.ota.manager.Host) ---------------------------

    def active_scorer(self) -> Scorer | None:
        return self.generation.scorer

    def build_generation(self, scorer: Scorer) -> Generation:
        """The new model's generation, built on the OTA thread while the old one serves.

        A bundle that shares the serving bundle's parsed items (same items.json:
        :func:`edge.bundle.load_bundle` ``reuse_items``) gets the serving catalogue
        and ranker arrays as they are: nothing is indexed again, and the swap
        re-indexes nothing."""
        current = self.generation
        if current.scorer is not None and scorer.bundle.items is current.scorer.bundle.items:
            catalogue = current.catalogue
        else:
            catalogue = Catalogue(scorer.bundle.items)
        return build_generation(scorer, catalogue, store=self.store, layout=self.layout,
                                policy=self.config.policy, source=f"ota:{scorer.model_version}",
                                previous=current)

    def warm_generation(self, generation: Generation, *, budget_s: float = 1.0) -> list[float]:
        """Score the serving cache's recent keys with ``generation`` before it serves;
        the seconds of each inference (see :func:`edge.serving.generation.warm_scores`)."""
        t0 = time.perf_counter()
        took = warm_scores(generation, self.generation, budget_s=budget_s)
        log.info("warmed %d score cache keys for %s in %.3fs", len(took), generation.model_version,
                 time.perf_counter() - t0)
        return took

    def swap_generation(self, generation: Generation) -> tuple[Generation, float]:
        old = self.swap(generation)
        assert old is not None  # no ``expect``: always swapped
        return old, (self.last_swap_pause_us or 0.0) / 1e6

    def dead_letter(self, topic: str, payload: bytes, reason: str) -> None:
        self.agent.reject(topic, payload, reason)

    def _observe(self, seconds: float, strategy: str | None, eligible: bool, error: bool) -> None:
        if self.ota is not None:
            self.ota.observe(seconds, strategy, eligible=eligible, error=error)

    def _follow_scorer(self, scorer: Scorer | None) -> None:
        if scorer is None:
            return  # the old scorer stays watched: it is idle, so nothing is reported
        if self.watchdog is None:
            self.watchdog = InferenceWatchdog(scorer, on_stuck=self._on_inference_stuck)
            if self._threads:  # started
                self.watchdog.start()
        else:
            self.watchdog.scorer = scorer

    def _save_catalogue(self, catalogue: Catalogue) -> None:
        """On its own connection: the agent's is the signal path's."""
        conn = db.connect(self.config.storage.db_path)
        try:
            with db.atomic(conn):
                catalogue.save(conn)
        except sqlite3.Error:
            log.exception("could not record the new catalogue")
        finally:
            conn.close()

    # ---- lifecycle ---------------------------------------------------------------------

    def start(self) -> None:
        """Compute every display's first recommendation, then connect and serve."""
        with self.lock:
            for display_id in self.layout.displays:
                self.agent.refresh(display_id, cause=None, publish=False)
        # Everything loaded so far (catalogue, model, modules) lives as long as
        # the process: keep it out of the cyclic GC's full collections, whose
        # pauses would otherwise land on random signals as tail latency.
        gc.collect()
        gc.freeze()
        # From now on each full collection freezes its survivors, and one comes with
        # every generation-1 collection (threshold 0), so none walks more than the
        # objects that survived since the one before.
        self._gc_threshold = gc.get_threshold()
        gc.set_threshold(self._gc_threshold[0], self._gc_threshold[1], 0)
        if freeze_after_full_collection not in gc.callbacks:
            gc.callbacks.append(freeze_after_full_collection)
        if self.watchdog is not None:
            self.watchdog.start()
        self.log_writer.start()
        self.agent.start()
        self._spawn(self._housekeeping, "agent-housekeeping")
        if self.ota is not None:
            self.ota.start()
        self.link.start()
        self.positions_link.start()
        if self.feedback_runtime is not None:
            self.feedback_runtime.start(self)

    def handle(self, topic: str, payload: bytes, props=None) -> None:
        """One inbound message, as if it came from the broker (tests, replays). Never raises."""
        self.agent.handle(topic, payload, props)

    def request_stop(self) -> None:
        """Ask :meth:`run_forever` to return (signal-handler safe)."""
        self._stop.set()

    def stop(self) -> None:
        self._stop.set()
        # Take no new input first ("offline", then disconnect: QoS 1 messages not
        # yet acknowledged stay with the broker for the next start), then finish
        # what was queued (the agent drains its priority lane: those messages are
        # committed but, disconnected, not acked, so the broker resends them and
        # the database de-duplicates them), then commit everything the log writer
        # holds. Nothing acknowledged is lost. (Draining before disconnecting would
        # let those acks go out; it was tried and reverted while
        # tests/test_feedback_faults corrupt_db was failing now and then, which it
        # turned out to do with either order: open question, not a reason.)
        self.positions_link.stop()
        self.link.stop(final=(self.topics.status, self.status.payload("offline")))
        self.agent.stop()
        for t in self._threads:
            t.join(timeout=2)
        if self.ota is not None:
            self.ota.stop()
        if self.watchdog is not None:
            self.watchdog.stop()
        with self.lock:
            self.log_writer.stop()
            self.store.close()
        if freeze_after_full_collection in gc.callbacks:
            gc.callbacks.remove(freeze_after_full_collection)
        if self._gc_threshold is not None:
            gc.set_threshold(*self._gc_threshold)
        if self.feedback_runtime is not None:
            self.feedback_runtime.stop()
        log.info("stopped: %s", {k: v for k, v in self.metrics.detail().items()
                                 if k in ("received", "rejected", "published", "errors", "handled")})

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

    # ---- MQTT, status, background ----------------------------------------------------------

    def _on_connected(self, session_present: bool) -> None:
        """After every (re)connect: announce we are online and restore retained screens."""
        # "online" (and the main link's own subscription, acknowledged after this
        # returns) means listening on both connections: wait for the positions one.
        self.positions_link.subscribed.wait(POSITIONS_SUBSCRIBE_WAIT_S)
        self.link.publish(self.topics.status, self.status.payload("online"), qos=1, retain=True)
        self.agent.republish()

    def publish_status(self) -> bool:
        """Publish the retained "online" status now, if connected (the connect
        handler publishes it anyway). Returns whether it was published."""
        if not self.link.connected.is_set():
            return False
        self.link.publish(self.topics.status, self.status.payload("online"), qos=1, retain=True)
        return True

    def _register_status(self) -> None:
        m = self.metrics
        m.on_collect(self._check_inference)
        m.register_block("occupancy", lambda: dict(self.presence.occupancy))
        m.register_block("cameras", lambda: dict(self.agent.cameras))
        m.register_block("overload", self._overload_detail)
        m.register_block("score_cache", lambda: {"hits": self.generation.scores.cache_hits,
                                                 "misses": self.generation.scores.cache_misses})

        def inference(field: str):
            def read():
                scorer = self.generation.scorer
                if scorer is None or not scorer.inferences:
                    return None
                if field == "mean":
                    return round(scorer.inference_s_total / scorer.inferences * 1e6, 1)
                return scorer.inferences
            return read

        m.register_block("inference_us_mean", inference("mean"))
        m.register_block("inferences", inference("count"))
        m.register_block("inference", self._inference_detail)
        m.register_block("model", lambda: {
            "active": self.generation.model_version,
            "previous": self.previous.model_version if self.previous is not None else None,
            "items": len(self.generation.catalogue),
            "last_swap_pause_us": self.last_swap_pause_us,
            "strategy": "model" if self.generation.scorer is not None else "popularity",
            # Without a model: whose catalogue zone popularity ranks (docs/edge-runtime.md).
            "catalogue": "bundle" if self.generation.scorer is not None else self.fallback_source})
        m.gauge("edge_sessions", "Live shopper sessions.", lambda: len(self.store.sessions))
        m.gauge("edge_catalogue_items", "Items in the serving catalogue.", lambda: len(self.generation.catalogue))
        # What the device is holding right now (the status has it too, but only
        # every STATUS_EVERY_S): a scraper sees a backlog build and drain.
        intake = self.agent._queue  # noqa: SLF001 - the agent's intake is the device's backlog
        m.gauge("edge_intake_backlog", "Signals accepted and not yet handled (both lanes).",
                lambda: float(intake.backlog))
        m.gauge("edge_intake_coalesced_pending", "Positions pending in the coalesced lane.",
                lambda: float(intake.coalesced_pending))
        m.gauge("edge_log_writer_pending", "Log rows and impressions queued, not yet committed.",
                lambda: float(self.log_writer.pending))

    def _inference_detail(self) -> dict | None:
        """Where a fresh score's time goes: the whole scorer (``us_mean``, the model and
        what the bundle's scorer does around it) and the LiteRT call alone, wall and
        sampled thread CPU (:meth:`edge.runtime.model.Scorer.timing`)."""
        scorer = self.generation.scorer
        if scorer is None:
            return None
        n = scorer.inferences
        model = getattr(scorer, "model", None) or scorer
        timing = getattr(model, "timing", None)
        return {"count": n, "us_mean": round(scorer.inference_s_total / n * 1e6, 1) if n else None,
                "litert": timing() if timing is not None else None}

    def _overload_detail(self) -> dict:
        """What the device is holding and what it shed, from the parts that hold it
        (docs/edge-runtime.md, "Admission, overload and bounds")."""
        intake = self.agent._queue  # noqa: SLF001 - the agent's intake is the device's backlog
        lw = self.log_writer
        client = self.link.client
        return {
            **intake.detail(),
            "duplicates": dict(self.agent.seen.duplicates),
            "log_writer": {"pending": lw.pending, "peak": lw.peak_pending, "waited_s": round(lw.waited_s, 3),
                           "retries": lw.retries, "dropped": lw.dropped, "write_errors": lw.write_errors,
                           "commit_ms_max": round(lw.commit_s_max * 1e3, 1)},
            "paho_queue": len(getattr(client, "_out_messages", ())),
            "acks": {"sent": self.link.acks, "stale": self.link.acks_stale},
            "positions_stream": {"stale_resets": self.positions_link.stale_resets,
                                 "lag_ms_max": round(self.positions_link.lag_s_max * 1e3, 1)},
            "sessions": len(self.store.sessions),
            "sessions_evicted": self.store.sessions_evicted,
            "inventory_unknown": self.store.unknown_items,
            "cameras_unlisted": self.agent.cameras_unlisted,
        }

    def _check_inference(self) -> None:
        scorer = self.generation.scorer
        if scorer is not None and scorer.busy_since is None and self.health.get("inference") != "ok":
            self.health["last_stuck"] = self.health["inference"]
            self.health["inference"] = "ok"  # it came back
        if self.watchdog is not None:
            self.health["stuck_events"] = self.watchdog.stuck_events

    def _on_inference_stuck(self, seconds: float) -> None:
        if self.ota is not None:
            self.ota.watchdog_trip()
        self.health["inference"] = f"stuck {seconds:.1f}s"
        self.publish_status()

    def _write_impressions(self, conn, recs) -> None:
        self.agent.write_impressions(conn, recs)

    def _after_backlog(self) -> None:
        """Once a large backlog (a flood) has drained, hand the freed heap back to
        the OS: glibc keeps it otherwise, and the RSS would stay at the flood's peak."""
        intake = self.agent._queue  # noqa: SLF001
        if intake.backlog == 0 and intake.take_peak() >= TRIM_AFTER_BACKLOG:
            give_memory_back()

    def _housekeeping(self) -> None:
        last_status = time.monotonic()
        last_prune = 0.0
        last_unfreeze = time.monotonic()
        while not self._stop.wait(HOUSEKEEPING_S):
            try:
                with self.lock:
                    self.agent.expire()
                    pending = self.store.take_pending()
                # Outside the agent's lock: this write can wait for the log
                # writer's batch transaction, and signals must not wait with it
                # (measured: 80-160 ms p99 spikes at 1,000 signals/s when it did).
                self.store.write_pending(pending)
                self._learn_catalogue()
                if time.monotonic() - last_prune >= PRIVACY_PRUNE_EVERY_S:
                    last_prune = time.monotonic()
                    days = self.config.policy.personal_data_retention_days
                    pruned = self.store.prune_personal_data(self.clock(), days * 86400.0)
                    if any(pruned.values()):
                        log.info("personal data older than %d days removed: %s", days, pruned)
                    self.store.prune_signals(self.clock())
                self._after_backlog()
                if time.monotonic() - last_unfreeze >= GC_UNFREEZE_S:
                    last_unfreeze = time.monotonic()
                    gc.unfreeze()  # the next full collection sweeps everything once
            except Exception:
                log.exception("housekeeping failed")
            if time.monotonic() - last_status >= STATUS_EVERY_S and self.publish_status():
                last_status = time.monotonic()
