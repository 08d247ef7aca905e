"""Synthetic data for the console (tests, benchmark, demo): feedback in a warehouse,
and simulated devices publishing statuses.

**Feedback** (:func:`seed_feedback`):

Events are real :class:`edge.comms.topics.FeedbackEvent` objects stored through
the warehouse's own ``store()`` (the path the ingest service takes), shaped
like a device's: impressions with ``display_id``, ``items`` and ``shown_at``,
interactions with ``recommended``, conversions with ``revenue``. Each version
gets its own click and conversion rates, so an A/B comparison has something
to find. Deterministic for a seed.

**Simulated devices** (:class:`SimulatedFleet`, :func:`publisher`): statuses
shaped like a real device's (``model``, ``ota``, ``handled``, ``rejected_total``,
``stage_us_mean``, the feedback outbox, cameras), published retained by a few
MQTT connections on behalf of many device ids. Not a device: no model runs.
"""

from __future__ import annotations

import random
import threading
import time
from collections.abc import Sequence
from typing import Any

from cloud_trainer.ingest import open_warehouse
from edge.comms.mqtt import new_client, start
from edge.comms.topics import DeviceStatus, FeedbackEvent, TopicTree, dump


def seed_feedback(url: str, versions: Sequence[tuple[str, float, float]], *, impressions: int,
                  stores: int = 3, devices_per_store: int = 2, start_ts: float | None = None,
                  span_s: float = 6 * 3600, seed: int = 0, batch: int = 5000) -> int:
    """``versions``: (model_version, click rate, conversion rate) per version. Returns events stored."""
    rng = random.Random(seed)
    if start_ts is None:  # the last ``span_s`` up to now, so "last 24 hours" finds them
        start_ts = time.time() - span_s
    wh = open_warehouse(url)
    seqs: dict[str, int] = {}
    pending: list[FeedbackEvent] = []
    stored = 0

    def emit(device: str, store: str, kind: str, ts: float, version: str, data: dict) -> None:
        nonlocal stored
        seq = seqs[device] = seqs.get(device, 0) + 1
        pending.append(FeedbackEvent(event_id=f"{device}:e1:{seq}", device_id=device, store_id=store, seq=seq,
                                     kind=kind, ts=ts, model_version=version, data=data))
        if len(pending) >= batch:
            wh.store(pending)
            stored += len(pending)
            pending.clear()

    try:
        for i in range(impressions):
            version, click, conv = versions[i % len(versions)]
            s = rng.randrange(stores)
            store = f"store-{s + 1:02d}"
            device = f"{store}-edge-{rng.randrange(devices_per_store) + 1}"
            ts = start_ts + span_s * i / max(impressions, 1)
            items = [{"item_id": f"SKU{rng.randrange(40):04d}", "position": p, "score": 0.5, "price": 2.5}
                     for p in range(3)]
            emit(device, store, "impression", ts, version,
                 {"recommendation_id": f"r{i}", "display_id": f"screen-{rng.randrange(2) + 1}", "zone": "produce",
                  "shopper": f"c{rng.randrange(500)}", "items": items, "shown_at": ts + 0.2})
            if rng.random() < click:
                emit(device, store, "interaction", ts + 3, version,
                     {"item_id": items[0]["item_id"], "recommended": True, "action": "touch"})
            if rng.random() < conv:
                emit(device, store, "conversion", ts + 60, version,
                     {"item_id": items[0]["item_id"], "revenue": round(rng.uniform(1.0, 12.0), 2)})
        if pending:
            wh.store(pending)
            stored += len(pending)
    finally:
        wh.close()
    return stored


class SimulatedFleet:
    """Simulated devices: per-device counters that move like a real device's."""

    def __init__(self, n: int, stores: int, versions: tuple[str, str], seed: int = 0) -> None:
        rng = random.Random(seed)
        V1, V2 = versions  # noqa: N806 - the older and the newer model
        self.versions = versions
        self.ids = [f"s{(i % stores) + 1:03d}-edge-{i // stores + 1:02d}" for i in range(n)]
        self.store = {d: f"store-{(i % stores) + 1:03d}" for i, d in enumerate(self.ids)}
        self.version = {d: (V2 if rng.random() < 0.3 else V1) for d in self.ids}
        self.handled = {d: rng.randrange(10_000) for d in self.ids}
        self.rejected = {d: rng.randrange(5) for d in self.ids}
        self.previous: dict[str, str | None] = {}
        self.ota: dict[str, dict[str, Any]] = {}
        self.offline: set[str] = set()
        self.rng = rng
        self.lock = threading.Lock()

    def offline_status(self, dev: str) -> tuple[str, bytes]:
        st = DeviceStatus(device_id=dev, state="offline", ts=time.time())
        return TopicTree(self.store[dev], dev).status, dump(st)

    def status(self, dev: str) -> tuple[str, bytes]:
        with self.lock:
            self.handled[dev] += self.rng.randrange(50, 400)
            if self.rng.random() < 0.05:
                self.rejected[dev] += 1
            version = self.version[dev]
            handled, rejected = self.handled[dev], self.rejected[dev]
        detail = {
            "handled": handled, "rejected_total": rejected, "rejected": {"shopper": rejected},
            "received": {"location": handled}, "errors": 0, "published": handled,
            "stage_us_mean": {"parse": 40.0, "score": 600.0 + self.rng.random() * 200, "publish": 90.0},
            "health": {"inference": "ok", "feedback": {"outbox": {"pending": 3, "unsent": self.rng.randrange(20),
                                                                  "oldest_pending_age_s": 2.5}}},
            "cameras": {"cam-1": {"state": "online"}, "cam-2": {"state": "online"}},
            "model": {"active": version, "previous": self.previous.get(dev)},
            "ota": self.ota.get(dev) or {"state": "idle"},
        }
        st = DeviceStatus(device_id=dev, state="online", ts=time.time(), model_version=version, detail=detail)
        return TopicTree(self.store[dev], dev).status, dump(st)


def publisher(port: int, fleet: SimulatedFleet, devs: list[str], period: float, stop: threading.Event,
              sent: list[int]) -> None:
    """One connection publishing every ``period`` s for each of ``devs``, spread evenly."""
    c = new_client(f"bench-sim-{devs[0]}", reconnect_s=None, nodelay=False, inflight=200)
    start(c, "127.0.0.1", port, keepalive=30, blocking=True)
    gap = period / len(devs)
    nxt = time.monotonic()
    i = 0
    while not stop.is_set():
        dev = devs[i % len(devs)]
        if dev in fleet.offline:  # stopped by the caller: its last word was an "offline" status
            i += 1
            nxt += gap
            continue
        topic, payload = fleet.status(dev)
        c.publish(topic, payload, qos=1, retain=True)
        sent[0] += 1
        i += 1
        nxt += gap
        delay = nxt - time.monotonic()
        if delay > 0:
            time.sleep(delay)
    c.loop_stop()
    c.disconnect()


