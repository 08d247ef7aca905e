"""Real shopper traffic for the latency benchmark: Complete Journey households replayed.

The benchmark's old traffic (300 made-up shoppers with no history) hit the score
cache on almost every signal, so inference never ran. This stream is built from
the real data the bundle was trained on:

* **who**: households that bought in the bundle's training window (from the
  training report beside the bundle: ``split.start`` .. ``split.val_start``).
  As in :mod:`edge.simulator`, a household with a ``demographics.csv`` row is an
  opted-in loyalty member (``loyalty_id``), everyone else an anonymous track.
* **their history, the way a device learns it**: before the measured run, every
  loyalty member's training-window baskets (the last ``history_baskets`` of
  them) go to the device as POS purchases with their loyalty id. That is the one
  path by which purchase history reaches a device (``StateStore.record_purchase``
  writes ``shopper_history``; ``StateStore.session`` seeds a returning member's
  session from it), so nothing is written into the device's database behind its back.
* **what they do**: their later baskets (after the training window, so the model
  is not shown what it memorised) become visits: walk the zones that shelve the
  basket's departments, pick some items up at a display, pay at the till, leave
  (:class:`edge.simulator.StoreSimulator` does the walking), many shoppers in the
  store at once. The events keep their order and are then paced at the
  benchmark's rate.

Only the standard library reads the CSVs (as the simulator does).
"""

from __future__ import annotations

import json
import random
from collections import defaultdict
from dataclasses import dataclass
from pathlib import Path

from edge.simulator import Basket, StoreSimulator, read_baskets, read_demographics, read_products
from firmware_config.schema import DeviceConfig

DATA_DIR = Path(__file__).resolve().parents[1].parent / "shared" / "data" / "completejourney"


@dataclass
class Traffic:
    warmup: list[tuple[str, dict]]
    """(topic, payload without v/ts) POS purchases that give members their history."""
    signals: list[tuple[str, dict]]
    """(topic, payload without v/signal_id/ts) the measured stream, in order."""
    members: int
    anonymous_visits: int
    member_visits: int
    window: tuple[str, str]


def training_window(bundle: Path | None) -> tuple[str, str]:
    """(start, end) of the bundle's training interactions, from its training report.

    ``cloud-trainer train`` writes ``report.json`` beside ``bundle/``; without it
    (a bundle from elsewhere) the whole sample's first 80 % by time stands in."""
    if bundle is not None:
        for candidate in (bundle / "report.json", bundle.parent / "report.json"):
            if candidate.exists():
                split = json.loads(candidate.read_text()).get("split") or {}
                if split.get("start") and split.get("val_start"):
                    return str(split["start"]), str(split["val_start"])
    return "", ""


def build(
    config: DeviceConfig,
    count: int,
    *,
    bundle: Path | None,
    data_dir: Path = DATA_DIR,
    seed: int = 1,
    history_baskets: int = 5,
    concurrent: int = 400,
) -> Traffic:
    """A stream of at least ``count`` signals (it is cut to ``count``)."""
    departments = read_products(data_dir / "products.csv")
    baskets = read_baskets(data_dir, departments)
    loyalty = read_demographics(data_dir / "demographics.csv")
    start, end = training_window(bundle)
    if not end:
        cut = baskets[int(len(baskets) * 0.8)].timestamp
        start, end = baskets[0].timestamp, cut
    train = [b for b in baskets if start <= b.timestamp < end]
    later = [b for b in baskets if b.timestamp >= end]
    trained_households = {b.household_id for b in train}
    by_hh: dict[str, list[Basket]] = defaultdict(list)
    for b in train:
        by_hh[b.household_id].append(b)
    members = sorted(h for h in trained_households if h in loyalty)

    warmup: list[tuple[str, dict]] = []
    sim = StoreSimulator(config, data_dir, seed=seed, baskets=later or train, loyalty=loyalty,
                         arrivals_per_s=1.0, pickup_share=0.25)
    tree = sim.tree
    for h in members:
        for b in by_hh[h][-history_baskets:]:
            warmup.append((tree.pos, {
                "transaction_id": f"hist-{b.basket_id}", "shopper": {"loyalty_id": f"hh-{h}"},
                "items": [{"item_id": ln.product_id, "quantity": ln.quantity, "price": ln.price}
                          for ln in b.lines]}))

    # Visits by households of the training window (members come back; anonymous
    # shoppers are the rest), many in the store at once: arrivals per simulated
    # second chosen so about ``concurrent`` visits overlap.
    # The baskets after the window first (the model never saw them), then the
    # window's own when a long run (the sweep) needs more visits than that.
    visits = [b for b in later + train if b.household_id in trained_households]
    sim.baskets = [b for b in visits if len(b.lines) >= 2] or visits
    signals: list[tuple[str, dict]] = []
    duration = 60.0
    arrivals = concurrent / 15.0
    for _ in range(4):  # a short trial run tells how long a run gives ``count`` signals
        sim.rng = random.Random(seed)
        sim.arrivals_per_s = arrivals
        events = sim.events(duration)
        signals = [(e.topic, {k: v for k, v in e.payload.items() if k != "signal_id"}) for e in events]
        if len(signals) >= count:
            break
        duration *= 1.2 * count / max(len(signals), 1)
    signals = signals[:count]
    member_visits = sum(1 for _, p in signals
                        if p.get("action") == "enter" and "loyalty_id" in (p.get("shopper") or {}))
    anon_visits = sum(1 for _, p in signals
                      if p.get("action") == "enter" and "track_id" in (p.get("shopper") or {}))
    return Traffic(warmup=warmup, signals=signals, members=len(members),
                   member_visits=member_visits, anonymous_visits=anon_visits, window=(start, end))
