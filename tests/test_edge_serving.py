"""Serving generations: swapped between signals, state kept by item id, fallbacks that serve."""

from __future__ import annotations

import os
import shutil
import signal
import subprocess
import threading
import time
from pathlib import Path

import pytest
from edge_helpers import (
    Probe,
    device_config,
    inventory,
    location,
    other_bundle,
    purchase,
    tiny_bundle,
    topics,
    wait_until,
)

from deploy.devicecfg import edge_device_cmd
from deploy.local_broker import MosquittoBroker
from edge.app import Device
from edge.bundle import BundleError, Item, load_bundle
from edge.observability import Registry, render_prometheus
from edge.serving.catalogue import Catalogue, remap
from edge.state import StateStore

T = topics()


def ids(reco: dict) -> list[str]:
    return [i["item_id"] for i in reco["items"]]


def started(config, **kw) -> Device:
    device = Device(config, **kw)
    device.start()
    assert device.link.subscribed.wait(10), "device did not connect and subscribe"
    return device


def test_a_swap_to_another_catalogue_keeps_stock_planogram_and_shoppers(
    tmp_path: Path, broker: MosquittoBroker
) -> None:
    probe = Probe(broker)
    device = started(device_config(tmp_path, broker, tiny_bundle()))
    try:
        store = device.store
        sig = location("produce", loyalty="L-swap", track="trk-swap")
        probe.publish(T.location, sig, qos=0)
        shown = ids(probe.reco_for(sig["signal_id"], "produce-screen"))
        # The trained tiny model decides what is shown; pick items the next
        # catalogue keeps (other_bundle drops P000-P003) for the checks below.
        kept = [i for i in shown if i not in {"P000", "P001", "P002", "P003"}]
        first = kept[0]
        sale = purchase([first, "P001"], loyalty="L-swap")  # P001 leaves the next catalogue
        probe.publish(T.pos, sale)
        probe.reco_for(sale["signal_id"], "produce-screen")
        gone = kept[1]
        probe.publish(T.inventory, inventory(gone, 0))
        probe.publish(T.inventory, inventory("P010", 3, shelf="deli-screen"))
        # Stock for an item the current catalogue does not have yet: kept on disk.
        probe.publish(T.inventory, inventory("P902", 0))
        assert wait_until(lambda: device.metrics.received["inventory"] == 3)
        session = store.sessions["l:L-swap"]
        history_ids = [store.items[i].item_id for i in session.history]
        assert history_ids[-2:] == [first, "P001"]

        build = device.build_in_background(other_bundle())
        new = build.wait(60)
        assert new.model_version == "test-8" and device.generation.model_version == "test-7"
        old = device.swap(new)
        assert old.model_version == "test-7" and device.generation is new

        assert store.catalogue is new.catalogue and store.items[0].item_id == "P047"
        # Stock, placements and the visit followed the items, not their old positions.
        assert not store.available[store.index[gone]]
        assert not store.available[store.index["P902"]]
        assert store.placed["deli-screen"] == {store.index["P010"]}
        assert [store.items[i].item_id for i in session.history] == [i for i in history_ids if i != "P001"]
        assert {store.items[i].item_id for i in session.bought} == {first}
        # The next signal is served by the new model, without what was bought or sold out.
        again = location("produce", loyalty="L-swap", track="trk-swap")
        probe.publish(T.location, again, qos=0)
        reco = probe.reco_for(again["signal_id"], "produce-screen")
        assert reco["model_version"] == "test-8"
        assert not {first, gone, "P902"} & set(ids(reco))
        _, status = probe.wait_for(lambda t, b: t == T.status and (b["detail"].get("model") or {}).get("previous"))
        assert status["model_version"] == "test-8"
        assert status["detail"]["model"]["active"] == "test-8" and status["detail"]["model"]["previous"] == "test-7"
    finally:
        device.stop()
        probe.close()
    # Sessions are stored by item id: a restart on the new catalogue keeps the history.
    again = StateStore(tmp_path / "state.db", load_bundle(other_bundle()).items)
    assert [again.items[i].item_id for i in again.sessions["l:L-swap"].history] == [
        i for i in history_ids if i != "P001"]
    again.close()


def test_every_signal_is_answered_while_generations_swap(tmp_path: Path, broker: MosquittoBroker) -> None:
    probe = Probe(broker)
    device = started(device_config(tmp_path, broker, tiny_bundle()))
    sent: list[str] = []
    stop = threading.Event()

    def drive() -> None:
        n = 0
        while not stop.is_set():
            sig = location(["produce", "deli", "grocery"][n % 3], track=f"sw{n % 17}")
            probe.publish(T.location, sig, qos=0)
            sent.append(sig["signal_id"])
            n += 1
            time.sleep(0.004)

    try:
        a, b = device.generation, device.load_generation(other_bundle())
        driver = threading.Thread(target=drive)
        driver.start()
        # Signals in flight before and after each swap, counted rather than timed:
        # on a loaded box the driver sends far fewer than one per 4 ms (126 in the
        # old 0.8 s window at load ~4), and this is about the traffic, not the clock.
        assert wait_until(lambda: len(sent) >= 40, 30)
        for new in (b, a, b, a):
            device.swap(new)
            n = len(sent)
            assert wait_until(lambda n=n: len(sent) >= n + 30, 30)
        stop.set()
        driver.join()
        assert len(sent) > 100
        for sid in sent:
            probe.reco_for(sid, timeout=10)
        assert device.metrics.errors == 0 and sum(device.metrics.rejected.values()) == 0
        versions = {b["model_version"] for t, b, _ in probe.messages if t.endswith("/recommendations")}
        assert versions >= {"test-7", "test-8"}
        assert device.last_swap_pause_us is not None
    finally:
        device.stop()
        probe.close()


def test_a_refused_bundle_never_replaces_the_serving_generation(tmp_path: Path) -> None:
    bad = tmp_path / "bad-bundle"
    shutil.copytree(other_bundle(), bad)
    with (bad / "model.tflite").open("r+b") as fh:
        fh.seek(100)
        fh.write(b"\x00\x01\x02")
    device = Device(device_config(tmp_path, None, tiny_bundle()))
    try:
        build = device.build_in_background(bad)
        with pytest.raises(BundleError, match="sha256"):
            build.wait(60)
        assert device.generation.model_version == "test-7"
    finally:
        device.link.client.loop_stop()
        device.store.close()


@pytest.mark.parametrize("model", ["none", "refused"])
def test_without_a_model_on_a_fresh_database_displays_get_empty_lists(
    tmp_path: Path, broker: MosquittoBroker, model: str
) -> None:
    bundle = None
    if model == "refused":
        bundle = tmp_path / "bad-bundle"
        shutil.copytree(tiny_bundle(), bundle)
        (bundle / "items.json").write_text("[]")
    probe = Probe(broker)
    device = started(device_config(tmp_path, broker, bundle))
    try:
        assert device.generation.catalogue.empty
        sig = location("deli", track="nothing")
        probe.publish(T.location, sig, qos=0)
        reco = probe.reco_for(sig["signal_id"], "deli-screen")
        assert reco["items"] == [] and reco["strategy"] == "popularity"
        # A model arriving later is served from the next signal on.
        device.swap(device.load_generation(tiny_bundle()))
        sig = location("deli", track="something")
        probe.publish(T.location, sig, qos=0)
        reco = probe.reco_for(sig["signal_id"], "deli-screen")
        assert reco["model_version"] == "test-7" and len(reco["items"]) == 4
    finally:
        device.stop()
        probe.close()


def test_edge_device_without_model_or_catalogue_keeps_serving(tmp_path: Path, broker: MosquittoBroker) -> None:
    config = tmp_path / "device.toml"
    config.write_text(
        f'device_id = "dev1"\nstore_id = "teststore"\n[broker]\nport = {broker.port}\n'
        '[storage]\ndb_path = "state.db"\n'
        '[[zones]]\nid = "produce"\ndepartments = ["PRODUCE"]\n'
        '[[displays]]\nid = "produce-screen"\nkind = "screen"\nzone = "produce"\n'
    )
    probe = Probe(broker)
    proc = subprocess.Popen([*edge_device_cmd(), "run", "--config", str(config)],
                            env={**os.environ, "PYTHONUNBUFFERED": "1"})
    try:
        probe.wait_for(lambda t, b: t == T.status and b["state"] == "online", timeout=20)
        sig = location("produce", track="cli-empty")
        probe.publish(T.location, sig, qos=0)
        assert probe.reco_for(sig["signal_id"], "produce-screen", timeout=10)["items"] == []
        assert proc.poll() is None
        proc.send_signal(signal.SIGTERM)
        assert proc.wait(timeout=10) == 0
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait()
        probe.close()


def items(order: list[int]) -> list[Item]:
    return [Item(item_id=f"I{i}", name=f"Item {i}", category=f"C{i % 3}", department="D",
                 price=1.0, popularity=float(i)) for i in order]


def test_rebind_reindexes_stock_planogram_and_sessions_by_item_id(tmp_path: Path) -> None:
    store = StateStore(tmp_path / "s.db", items([0, 1, 2, 3]), min_stock=2)
    with store.transaction() as conn:
        store.update_inventory("I1", 0, "shelf-1", 1.0, conn)
        store.update_inventory("I9", 0, None, 1.0, conn)  # not in this catalogue
    s = store.session("t:a", loyalty_id=None, track_id="a", now=0.0)
    s.add_history([0, 1, 3])
    s.bought = {1}
    new = Catalogue(items([3, 9, 1, 7]))
    mapping = remap(store.catalogue, new)
    assert mapping.tolist() == [-1, 2, -1, 0]
    store.rebind(new, mapping)
    assert store.available.tolist() == [True, False, False, True]  # I3, I9 (from disk), I1, I7
    assert store.placed == {"shelf-1": {2}}
    assert s.history == [2, 0] and s.bought == {2}
    store.flush()
    store.close()


def test_the_registry_gives_status_and_prometheus_the_same_numbers() -> None:
    reg = Registry()
    reg.received["location"] += 3
    reg.rejected["zone"] += 1
    reg.handled = 3
    reg.stage_ns["score"] += 3_000
    downloads = reg.counter("edge_ota_downloads_total", "Bundle downloads, by outcome.", labels=("outcome",))
    downloads.inc("ok")
    downloads.inc("ok")
    reg.gauge("edge_sessions", "Live sessions.", lambda: 5)
    reg.register_block("ota", lambda: {"state": "idle"})
    reg.register_block("broken", lambda: 1 / 0)
    detail = reg.detail()
    assert detail["received"] == {"location": 3} and detail["rejected_total"] == 1
    assert detail["stage_us_mean"] == {"score": 1.0}
    assert detail["ota"] == {"state": "idle"}
    assert detail["broken"]["error"].startswith("ZeroDivisionError")
    text = render_prometheus(reg.metrics())
    assert 'edge_signals_received_total{kind="location"} 3' in text
    assert 'edge_signals_rejected_total{reason="zone"} 1' in text
    assert 'edge_ota_downloads_total{outcome="ok"} 2' in text
    assert "edge_sessions 5" in text
    assert "# TYPE edge_stage_seconds_total counter" in text


def test_a_model_update_with_the_same_items_shares_the_serving_catalogue(tmp_path: Path) -> None:
    device = Device(device_config(tmp_path, None, tiny_bundle()))
    try:
        same = device.load_generation(tiny_bundle())  # items.json loaded again: equal, not identical
        assert same.catalogue is device.store.catalogue and same.mapping is None
        sessions_before = device.store.session("t:x", loyalty_id=None, track_id="x", now=0.0)
        sessions_before.add_history([5, 6])
        device.swap(same)
        assert sessions_before.history == [5, 6]  # nothing re-indexed
        other = device.load_generation(other_bundle())
        assert other.catalogue is not device.store.catalogue and other.mapping is not None
    finally:
        device.link.client.loop_stop()
        device.store.close()


def test_an_update_with_the_same_items_json_reuses_the_parsed_catalogue_and_arrives_warm(tmp_path: Path) -> None:
    device = Device(device_config(tmp_path, None, tiny_bundle()))
    try:
        from edge.ota.verify import check_shape

        serving = device.generation
        active = serving.scorer.bundle
        # Same items.json (sha256 in the manifest): the parsed items are shared, not parsed again.
        same = load_bundle(tiny_bundle(), reuse_items=active)
        assert same.items is active.items
        # Another items.json: parsed from its own file.
        other = load_bundle(other_bundle(), reuse_items=active)
        assert other.items is not active.items and other.items[-1].item_id == "P903"

        # The serving cache holds a known shopper's scores.
        session = device.store.session("t:w", loyalty_id=None, track_id="w", now=0.0)
        session.add_history([5, 6])
        placement = serving.placements["deli-screen"]
        now = time.time()
        serving.scores.scores(session, placement, ["DELI"], now)
        assert serving.scores.cache_misses == 1

        new = device.build_generation(check_shape(same, smoke_test=False))
        # Nothing indexed again: the serving catalogue and the ranker's per-item arrays are shared.
        assert new.catalogue is serving.catalogue and new.mapping is None
        assert new.ranker.showable is serving.ranker.showable
        assert new.ranker.name_codes is serving.ranker.name_codes

        assert len(device.warm_generation(new)) == 1
        device.swap(new)
        _, strategy, _ = device.generation.scores.scores(session, placement, ["DELI"], now)
        assert strategy == "model"
        assert (device.generation.scores.cache_hits, device.generation.scores.cache_misses) == (1, 0)

        # A catalogue that differs: nothing to warm (history keys are catalogue indices).
        moved = device.build_generation(check_shape(other, smoke_test=False))
        assert moved.catalogue is not device.generation.catalogue
        assert device.warm_generation(moved) == []
    finally:
        device.link.client.loop_stop()
        device.store.close()
