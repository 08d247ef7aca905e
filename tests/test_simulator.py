"""The store simulator replays real Complete Journey baskets as contract-valid signals."""

from __future__ import annotations

import json
import time
from collections import defaultdict
from pathlib import Path

import pytest
from edge_helpers import Probe, device_config, tiny_bundle

from deploy.local_broker import MosquittoBroker
from edge.app import Device
from edge.comms.mqtt import new_client, start
from edge.comms.topics import TopicTree
from edge.simulator import Basket, Line, StoreLayout, StoreSimulator, read_baskets, read_products
from firmware_config.loader import load_config

REPO = Path(__file__).resolve().parents[1]
DEMO = REPO / "firmware_config" / "examples" / "demo-store.toml"


@pytest.fixture(scope="module")
def cj() -> Path:
    path = REPO.parent / "shared" / "data" / "completejourney"
    if not path.is_dir():
        pytest.skip("Complete Journey data not available")
    return path


@pytest.fixture(scope="module")
def events(cj: Path):
    sim = StoreSimulator(load_config(DEMO), cj, seed=1, arrivals_per_s=2.0)
    return sim, sim.events(120.0)


def test_baskets_are_read_from_the_real_csvs(cj: Path) -> None:
    baskets = read_baskets(cj, read_products(cj / "products.csv"))
    assert len(baskets) > 40_000
    assert sum(len(b.lines) for b in baskets) == 75_000  # every transaction row, grouped
    assert sum(1 for b in baskets for ln in b.lines if ln.department) > 70_000  # joined to products
    assert [b.timestamp for b in baskets] == sorted(b.timestamp for b in baskets)


def test_every_event_is_a_valid_contract_message(events) -> None:
    sim, evs = events
    tree = TopicTree(sim.config.store_id, sim.config.device_id)
    kinds = defaultdict(int)
    for e in evs:
        inbound = tree.parse(e.topic, json.dumps({"v": 1, **e.payload, "ts": time.time()}).encode())
        kinds[inbound.kind] += 1
    assert {"location", "inventory", "pos", "interaction"} <= set(kinds)
    assert [e.at for e in evs] == sorted(e.at for e in evs)


def test_shoppers_walk_the_store_and_pay_for_their_real_basket(events) -> None:
    sim, evs = events
    layout = sim.layout
    walks: dict[str, list[str]] = defaultdict(list)
    paid: dict[str, list[str]] = {}
    for e in evs:
        who = json.dumps(e.payload.get("shopper"), sort_keys=True)
        if e.topic.endswith("/location") and e.payload["action"] == "enter":
            walks[who].append(e.payload["zone"])
        if e.topic.endswith("/pos"):
            paid[who] = [i["item_id"] for i in e.payload["items"]]
    assert len(paid) >= 20
    baskets = {b.basket_id: b for b in sim.baskets}
    for e in evs:
        if e.topic.endswith("/pos"):
            real = baskets[e.payload["transaction_id"]]
            assert [i["item_id"] for i in e.payload["items"]] == [ln.product_id for ln in real.lines]
    for who, zones in walks.items():
        assert zones[0] == layout.entrance
        for a, b in zip(zones, zones[1:], strict=False):
            assert b in layout.neighbours[a] or a == layout.checkout, (who, zones)
    assert any("loyalty_id" in w for w in walks) and any("track_id" in w for w in walks)


def test_stock_falls_empties_and_is_restocked(events) -> None:
    sim, evs = events
    counts: dict[str, list[int]] = defaultdict(list)
    for e in evs:
        if e.topic.endswith("/inventory"):
            counts[e.payload["item_id"]].append(e.payload["quantity"])
    assert all(q >= 0 for qs in counts.values() for q in qs)
    assert any(qs[1] < qs[0] for qs in counts.values() if len(qs) > 1)
    assert sim.stats.out_of_stock > 0 and sim.stats.restocks > 0
    # an emptied shelf is refilled later
    assert any(0 in qs and qs[-1] > 0 and qs.index(0) < len(qs) - 1 for qs in counts.values())


def test_route_visits_every_needed_zone() -> None:
    layout = StoreLayout(load_config(DEMO))
    route = layout.route(["meat-seafood", "health-beauty"])
    assert route[0] == "entrance" and route[-1] == "checkout"
    assert {"meat-seafood", "health-beauty"} <= set(route)


def test_simulated_store_drives_a_device_end_to_end(tmp_path: Path, broker: MosquittoBroker) -> None:
    """A few seconds of shoppers over the tiny bundle's catalogue: screens update, nothing is
    rejected, and no display ends up showing an item the shelves report empty."""
    config = device_config(tmp_path, broker, tiny_bundle())
    agent = Device(config)
    agent.start()
    assert agent.link.subscribed.wait(10)
    probe = Probe(broker)
    items = [it.item_id for it in agent.store.items]
    depts = {it.item_id: it.department for it in agent.store.items}
    baskets = [Basket(f"B{n}", f"{n % 7}", f"2017-01-01 10:{n:02d}:00",
                      tuple(Line(items[(n * 5 + j) % len(items)], depts[items[(n * 5 + j) % len(items)]], 1, 1.0)
                            for j in range(3)))
               for n in range(40)]
    sim = StoreSimulator(config, tmp_path, seed=2, arrivals_per_s=8.0, dwell_s=(0.05, 0.2),
                         stock=(0, 2), restock_after_s=1.0, baskets=baskets, loyalty={"1", "2", "3"})
    client = new_client("sim-test")
    start(client, broker.host, broker.port, keepalive=60, blocking=True)
    try:
        stats = sim.run(lambda t, b, q: client.publish(t, b, qos=q), 4.0)
        time.sleep(1.0)
        assert stats.visits > 10 and stats.out_of_stock > 0
        recos = [b for t, b, _ in probe.messages if t.endswith("/recommendations") and b.get("cause")]
        assert len(recos) > 20
        assert sum(agent.metrics.rejected.values()) == 0 and agent.metrics.errors == 0
        with agent.lock:
            for display, shown in agent.board:
                assert all(agent.store.available[agent.store.index[i]] for i in shown.item_ids), display
    finally:
        client.disconnect()
        client.loop_stop()
        probe.close()
        agent.stop()
