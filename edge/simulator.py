"""A store simulator: real Complete Journey shoppers replayed as in-store signals.

Each simulated visit is one real basket from ``transactions_sample.csv``. The
shopper walks in at the entrance, crosses the store zone by zone to every zone
that shelves a department in their basket (shortest paths over the config's
zone neighbours), takes their items off the shelves (stock falls, a shelf
reports its new count, an emptied shelf is restocked a little later), now and
then picks an item up at a display, pays at the till (a POS purchase of the
real basket) and leaves.

Households that have a row in ``demographics.csv`` are treated as opted-in
loyalty members (``loyalty_id`` = household id), everyone else as an anonymous
track, so the device sees both kinds. Visits are drawn from households with
several baskets, replayed in their real order, so known shoppers come back
and the device's purchase history for them grows during a run.

Only the standard library reads the CSVs (``edge/`` never imports pandas).
The simulator publishes with its own MQTT client and knows nothing of the
device beyond the topic contract.

    python -m edge.simulator --config firmware_config/examples/demo-store.toml \\
        --data-dir ../shared/data/completejourney --seconds 60 --port 1883
"""

from __future__ import annotations

import argparse
import csv
import itertools
import json
import random
import sys
import time
from collections import Counter, defaultdict, deque
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from pathlib import Path

from edge.comms.topics import TopicTree
from firmware_config.schema import DeviceConfig


@dataclass(frozen=True)
class Line:
    product_id: str
    department: str
    quantity: int
    price: float


@dataclass(frozen=True)
class Basket:
    basket_id: str
    household_id: str
    timestamp: str
    lines: tuple[Line, ...]


@dataclass(frozen=True)
class Event:
    """One message to publish ``at`` seconds after the simulation starts."""

    at: float
    topic: str
    payload: dict
    qos: int = 1


@dataclass
class SimStats:
    visits: int = 0
    published: Counter = field(default_factory=Counter)
    out_of_stock: int = 0
    restocks: int = 0


def read_products(path: Path) -> dict[str, str]:
    """product_id -> department."""
    with path.open(newline="", encoding="utf-8") as fh:
        return {row["product_id"]: (row.get("department") or "").strip() for row in csv.DictReader(fh)}


def read_demographics(path: Path) -> set[str]:
    if not path.exists():
        return set()
    with path.open(newline="", encoding="utf-8") as fh:
        return {row["household_id"] for row in csv.DictReader(fh)}


def read_baskets(data_dir: Path, departments: dict[str, str]) -> list[Basket]:
    """Every basket of the transactions sample, lines grouped, in time order."""
    groups: dict[str, list[dict]] = defaultdict(list)
    with (data_dir / "transactions_sample.csv").open(newline="", encoding="utf-8") as fh:
        for row in csv.DictReader(fh):
            groups[row["basket_id"]].append(row)
    baskets = []
    for basket_id, rows in groups.items():
        lines = []
        for r in rows:
            try:
                qty = max(1, int(float(r["quantity"] or 1)))
                price = float(r["sales_value"] or 0) / qty
            except ValueError:
                continue  # a malformed row costs its line, not the basket
            lines.append(Line(r["product_id"], departments.get(r["product_id"], ""), qty, round(max(price, 0.0), 2)))
        if lines:
            baskets.append(Basket(basket_id, rows[0]["household_id"], rows[0]["transaction_timestamp"], tuple(lines)))
    baskets.sort(key=lambda b: (b.timestamp, b.basket_id))
    return baskets


class StoreLayout:
    """Zones of a device config as a walkable graph, departments mapped to zones."""

    def __init__(self, config: DeviceConfig) -> None:
        self.zones = [z.id for z in config.zones]
        self.neighbours = {z.id: list(z.neighbours) for z in config.zones}
        self.department_zone: dict[str, str] = {}
        for z in config.zones:
            for d in z.departments:
                self.department_zone.setdefault(d.upper(), z.id)
        self.entrance = next((z for z in self.zones if "entr" in z), self.zones[0])
        self.checkout = next((z for z in self.zones if "check" in z or "till" in z), self.zones[-1])
        grocery = next((z.id for z in config.zones if "GROCERY" in {d.upper() for d in z.departments}), None)
        self.default_zone = grocery or self.zones[len(self.zones) // 2]
        self.displays: dict[str, list[str]] = defaultdict(list)
        for d in config.displays:
            self.displays[d.zone].append(d.id)

    def zone_of(self, department: str) -> str:
        return self.department_zone.get(department.upper(), self.default_zone)

    def path(self, start: str, goal: str) -> list[str]:
        """Shortest walk from start to goal (excluding start); direct if unconnected."""
        if start == goal:
            return []
        prev: dict[str, str | None] = {start: None}
        todo = deque([start])
        while todo:
            here = todo.popleft()
            for nxt in self.neighbours.get(here, []):
                if nxt not in prev:
                    prev[nxt] = here
                    if nxt == goal:
                        out = [goal]
                        while prev[out[-1]] != start:
                            out.append(prev[out[-1]])  # type: ignore[arg-type]
                        return out[::-1]
                    todo.append(nxt)
        return [goal]

    def route(self, needed: Iterable[str]) -> list[str]:
        """Entrance, every needed zone (nearest next), then the tills."""
        todo = [z for z in dict.fromkeys(needed) if z not in (self.entrance, self.checkout)]
        here, walk = self.entrance, [self.entrance]
        while todo:
            paths = {z: self.path(here, z) for z in todo}
            nxt = min(todo, key=lambda z: len(paths[z]))
            walk += paths[nxt]
            here = nxt
            todo = [z for z in todo if z not in walk]
        walk += self.path(here, self.checkout)
        return walk


class StoreSimulator:
    """Turns real baskets into a timed stream of store signals."""

    def __init__(
        self,
        config: DeviceConfig,
        data_dir: Path,
        *,
        seed: int = 0,
        arrivals_per_s: float = 1.0,
        dwell_s: tuple[float, float] = (0.5, 2.0),
        stock: tuple[int, int] = (0, 4),
        restock_after_s: float = 15.0,
        pickup_share: float = 0.25,
        min_items: int = 2,
        baskets: list[Basket] | None = None,
        loyalty: set[str] | None = None,
    ) -> None:
        self.config = config
        self.tree = TopicTree(config.store_id, prefix=config.broker.topic_prefix)
        self.layout = StoreLayout(config)
        self.rng = random.Random(seed)
        self.arrivals_per_s = arrivals_per_s
        self.dwell_s = dwell_s
        self.stock_range = stock
        self.restock_after_s = restock_after_s
        self.pickup_share = pickup_share
        if baskets is None:
            departments = read_products(data_dir / "products.csv")
            baskets = read_baskets(data_dir, departments)
        if loyalty is None:
            loyalty = read_demographics(data_dir / "demographics.csv")
        self.loyalty = loyalty
        self.baskets = [b for b in baskets if len(b.lines) >= min_items] or baskets
        self.stats = SimStats()
        self._ids = itertools.count(1)
        self._tracks = itertools.count(1)

    def visit_order(self) -> Iterator[Basket]:
        """Baskets of repeat households in their real order, interleaved with others."""
        by_household: dict[str, list[Basket]] = defaultdict(list)
        for b in self.baskets:
            by_household[b.household_id].append(b)
        regulars = sorted(by_household, key=lambda h: (-len(by_household[h]), h))[:50]
        self.rng.shuffle(regulars)
        queues = [deque(by_household[h]) for h in regulars]
        others = [b for b in self.baskets if b.household_id not in set(regulars)]
        self.rng.shuffle(others)
        other_iter = iter(others)
        while True:
            live = [q for q in queues if q]
            if live and self.rng.random() < 0.5:
                yield self.rng.choice(live).popleft()
                continue
            nxt = next(other_iter, None)
            if nxt is None:
                if not live:
                    return
                yield self.rng.choice(live).popleft()
            else:
                yield nxt

    def _sid(self) -> str:
        return f"sim-{next(self._ids)}"

    def events(self, duration_s: float) -> list[Event]:
        """Every signal of a ``duration_s`` run, in time order."""
        events: list[Event] = []
        stock: dict[str, int] = {}
        restock_at: dict[str, tuple[float, int]] = {}
        busy_until: dict[str, float] = {}
        t = 0.0
        for basket in self.visit_order():
            t += self.rng.expovariate(self.arrivals_per_s)
            if t >= duration_s:
                break
            # One household is in the store once at a time: a regular's next
            # basket waits until their previous visit is over.
            start = max(t, busy_until.get(basket.household_id, -1.0) + 1.0)
            if start >= duration_s:
                continue
            self.stats.visits += 1
            known = basket.household_id in self.loyalty
            shopper = ({"loyalty_id": f"hh-{basket.household_id}"} if known
                       else {"track_id": f"trk-{next(self._tracks)}"})
            by_zone: dict[str, list[Line]] = defaultdict(list)
            for line in basket.lines:
                by_zone[self.layout.zone_of(line.department)].append(line)
            now = start
            walk = self.layout.route(by_zone)
            for zone in walk:
                events.append(Event(now, self.tree.location, {
                    "signal_id": self._sid(), "shopper": shopper, "zone": zone, "action": "enter"}, qos=0))
                now += self.rng.uniform(*self.dwell_s)
                for line in by_zone.pop(zone, []):
                    item = line.product_id
                    if item in restock_at and restock_at[item][0] <= now:
                        stock[item] = restock_at.pop(item)[1]  # the shelf was refilled meanwhile
                    if item not in stock:
                        stock[item] = self.rng.randint(*self.stock_range) + line.quantity
                        events.append(Event(now, self.tree.inventory, {
                            "signal_id": self._sid(), "item_id": item, "quantity": stock[item]}))
                    displays = self.layout.displays.get(zone)
                    if displays and self.rng.random() < self.pickup_share:
                        events.append(Event(now, self.tree.interaction(self.rng.choice(displays)), {
                            "signal_id": self._sid(), "kind": "pickup", "item_id": item,
                            "shopper": shopper}))
                    stock[item] = max(0, stock[item] - line.quantity)
                    events.append(Event(now, self.tree.inventory, {
                        "signal_id": self._sid(), "item_id": item, "quantity": stock[item]}))
                    if stock[item] == 0 and item not in restock_at:
                        # Emptied: staff refill the shelf a little later.
                        self.stats.out_of_stock += 1
                        when, qty = now + self.restock_after_s, self.rng.randint(1, self.stock_range[1] + 2)
                        restock_at[item] = (when, qty)
                        if when < duration_s:
                            self.stats.restocks += 1
                        events.append(Event(when, self.tree.inventory, {
                            "signal_id": self._sid(), "item_id": item, "quantity": qty}))
            events.append(Event(now, self.tree.pos, {
                "signal_id": self._sid(), "transaction_id": basket.basket_id, "shopper": shopper,
                "items": [{"item_id": ln.product_id, "quantity": ln.quantity, "price": ln.price}
                          for ln in basket.lines]}))
            events.append(Event(now + 0.5, self.tree.location, {
                "signal_id": self._sid(), "shopper": shopper, "zone": walk[-1], "action": "leave"},
                qos=0))
            busy_until[basket.household_id] = now + 0.5
        events = [e for e in events if e.at < duration_s]
        events.sort(key=lambda e: e.at)
        return events

    def run(
        self,
        publish: Callable[[str, bytes, int], None],
        duration_s: float,
        *,
        stop: Callable[[], bool] | None = None,
    ) -> SimStats:
        """Publish the run's events in real time (``ts`` is the wall clock at sending)."""
        start = time.monotonic()
        for event in self.events(duration_s):  # already in time order
            if stop is not None and stop():
                break
            delay = start + event.at - time.monotonic()
            if delay > 0:
                time.sleep(delay)
            payload = {"v": 1, **event.payload, "ts": time.time()}
            publish(event.topic, json.dumps(payload).encode(), event.qos)
            self.stats.published[event.topic.rsplit("/", 1)[-1]] += 1
        return self.stats


def main(argv: list[str] | None = None) -> int:
    from firmware_config.loader import load_config

    ap = argparse.ArgumentParser(prog="python -m edge.simulator", description=__doc__.split("\n")[0])
    ap.add_argument("--config", type=Path, required=True, help="device TOML (store layout, broker)")
    ap.add_argument("--data-dir", type=Path, default=Path("../shared/data/completejourney"))
    ap.add_argument("--seconds", type=float, default=60.0)
    ap.add_argument("--arrivals", type=float, default=1.0, help="shoppers arriving per second")
    ap.add_argument("--host", default=None, help="broker host (default: from the config)")
    ap.add_argument("--port", type=int, default=None, help="broker port (default: from the config)")
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("--dry-run", action="store_true", help="print the events as JSON lines, publish nothing")
    args = ap.parse_args(argv)
    config = load_config(args.config)
    sim = StoreSimulator(config, args.data_dir, seed=args.seed, arrivals_per_s=args.arrivals)
    if args.dry_run:
        for e in sim.events(args.seconds):
            print(json.dumps({"at": round(e.at, 3), "topic": e.topic, "payload": e.payload}))
        print(json.dumps({"visits": sim.stats.visits}), file=sys.stderr)
        return 0

    from edge.comms.mqtt import client_for, start

    # The store broker's credentials and TLS from the device config, like every client.
    client = client_for(config.broker, f"simulator-{config.store_id}", queued=0)
    start(client, args.host or config.broker.host, args.port or config.broker.port, keepalive=30, blocking=True)
    try:
        stats = sim.run(lambda topic, body, qos: client.publish(topic, body, qos=qos), args.seconds)
    finally:
        client.disconnect()
        client.loop_stop()
    print(json.dumps({"visits": stats.visits, "published": dict(stats.published),
                      "out_of_stock": stats.out_of_stock, "restocks": stats.restocks}))
    return 0


if __name__ == "__main__":
    sys.exit(main())
