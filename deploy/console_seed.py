"""Synthetic feedback for the console's results page (tests, benchmark, demo).

Events are real :class:`edge.comms.topics.FeedbackEvent` objects stored through
the warehouse's own ``store()`` (the path the ingest service takes), shaped
like a device's: impressions with ``display_id``, ``items`` and ``shown_at``,
interactions with ``recommended``, conversions with ``revenue``. Each version
gets its own click and conversion rates, so an A/B comparison has something
to find. Deterministic for a seed.
"""

from __future__ import annotations

import random
import time
from collections.abc import Sequence

from cloud_trainer.ingest import open_warehouse
from edge.comms.topics import FeedbackEvent


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
