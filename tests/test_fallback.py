"""Without a usable model the device serves zone popularity, with items in the lists.

Real Mosquitto, real ``edge-device`` process, three ways of having no model:
no ``[model]`` on a first boot, a bundle refused on a fresh database, and a
corrupt database moved aside. The first two learn the store's catalogue from
its own tills and shelves (edge/serving/fallback.py); the third salvages the
catalogue of the file it moved aside. Each must answer with a non-empty list,
only in-stock items, the zone's own items first.
"""

from __future__ import annotations

import os
import sqlite3
import subprocess
import sys
import time
from pathlib import Path

import pytest
from edge_helpers import Probe, device_config, inventory, location, purchase, tiny_bundle, topics
from test_overload import NO_MODEL_CASES, config_without_model, stop

from deploy.local_broker import MosquittoBroker
from edge.bundle import load_bundle
from edge.feedback import dbguard
from edge.serving.fallback import StoreCatalogueLearner, salvage_catalogue
from edge.state import StateStore
from edge.store import StoreLayout

T = topics()

NAMED = {"D1": "Sliced ham", "D2": "Brie", "P1": "Apples", "X1": "Milk"}
"""What the tills sell (name as printed); D* shelved at the deli screen, P1 at produce."""


def sale(items: list[str], *, named: bool = True) -> dict:
    body = purchase(items)
    for line in body["items"]:
        line["price"] = 1.5
        if named:
            line["name"] = NAMED[line["item_id"]]
    return body


def corrupt_with_catalogue(db_path: Path) -> None:
    """A state database holding a bundle's catalogue, then damaged past it (as a
    worn card or a bad copy would): integrity_check fails, the catalogue reads back."""
    StateStore(db_path, load_bundle(tiny_bundle()).items).close()
    with sqlite3.connect(db_path) as conn:
        conn.execute("PRAGMA journal_mode=DELETE")
        conn.execute("CREATE TABLE junk (b BLOB)")
        conn.executemany("INSERT INTO junk VALUES (?)", [(os.urandom(2000),) for _ in range(300)])
    data = bytearray(db_path.read_bytes())
    data[-40_000:-8_000] = b"\xff" * 32_000
    db_path.write_bytes(bytes(data))
    assert dbguard.check(db_path) is not None


def first_list(probe: Probe, zone: str, display: str, timeout: float = 20.0) -> dict:
    """The first non-empty list a shopper entering ``zone`` gets on ``display``
    (signals every half second: the learned catalogue is swapped in within seconds)."""
    deadline = time.monotonic() + timeout
    while True:
        sig = location(zone, track=f"fb-{time.monotonic_ns()}")
        probe.publish(T.location, sig, qos=0)
        reco = probe.reco_for(sig["signal_id"], display, timeout=10)
        assert reco["strategy"] == "popularity" and reco["model_version"] is None
        if reco["items"] or time.monotonic() > deadline:
            return reco
        time.sleep(0.5)


@pytest.mark.parametrize("case", NO_MODEL_CASES)
def test_device_without_a_model_serves_in_stock_zone_popular_lists(
        tmp_path: Path, broker: MosquittoBroker, case: str) -> None:
    config = config_without_model(tmp_path, broker, case, corrupt_with_catalogue)
    probe = Probe(broker)
    proc = subprocess.Popen([sys.executable, "-m", "edge.cli", "run", "--config", str(config)],
                            stderr=subprocess.PIPE, text=True, env={**os.environ, "PYTHONUNBUFFERED": "1"},
                            cwd=tmp_path)
    try:
        probe.wait_for(lambda t, b: t == T.status and (b or {}).get("state") == "online", timeout=30)
        if case == "quarantined_db":
            # The salvaged catalogue serves at once: the deli screen leads with DELI items.
            items = {it.item_id: it for it in load_bundle(tiny_bundle()).items}
            reco = first_list(probe, "deli", "deli-screen", timeout=0)
            shown = [it["item_id"] for it in reco["items"]]
            assert shown and items[shown[0]].department == "DELI", shown
            gone = shown[0]
            sold_out = inventory(gone, 0)
            probe.publish(T.inventory, sold_out)  # sold out: the screen showing it changes at once ...
            # (stock and positions ride two connections: wait for the stock change's own list)
            assert gone not in [it["item_id"] for it in probe.reco_for(sold_out["signal_id"], "deli-screen")["items"]]
            for _ in range(3):  # ... and no later list shows it
                assert gone not in [it["item_id"] for it in first_list(probe, "deli", "deli-screen")["items"]]
        else:
            for item, qty, shelf in (("D1", 5, "deli-screen"), ("D2", 0, "deli-screen"), ("P1", 9, "produce-screen")):
                probe.publish(T.inventory, inventory(item, qty, shelf))
            probe.publish(T.pos, sale(["X1", "D1", "D2", "P1"]))
            probe.publish(T.pos, sale(["X1"]))
            probe.publish(T.pos, sale(["X1"], named=False))  # a line without a name changes no label
            deli = [it["item_id"] for it in first_list(probe, "deli", "deli-screen")["items"]]
            produce = [it["item_id"] for it in first_list(probe, "produce", "produce-screen")["items"]]
            assert deli[0] == "D1" and produce[0] == "P1", (deli, produce)  # the zone's own shelf first
            assert "X1" in deli  # then the store's best seller
            assert "D2" not in deli + produce  # out of stock
            assert set(deli + produce) <= set(NAMED)
        # The status says where the lists come from.
        expected = "salvaged" if case == "quarantined_db" else "learned"
        probe.wait_for(lambda t, b: t == T.status and ((b or {}).get("detail") or {}).get("model", {})
                       .get("catalogue") == expected, timeout=30)
        assert proc.poll() is None
        err = stop(proc)
        assert "Traceback" not in err
    finally:
        probe.close()
        if proc.poll() is None:
            proc.kill()
            proc.wait()
    if case == "quarantined_db":
        assert len(dbguard.quarantined(tmp_path / "state.db")) == 1


def test_learned_catalogue_ranks_sales_and_places_shelved_items(tmp_path: Path) -> None:
    cfg = device_config(tmp_path, None, None)
    store = StateStore(cfg.storage.db_path, None)
    with store.transaction() as conn:
        store.update_inventory("D1", 3, "deli-screen", 1.0, conn)
        store.update_inventory("U1", 3, None, 1.0, conn)
        store.record_purchase("t1", None, ["X1", "D1", "U1"], 2.0, conn)
        store.record_purchase("t2", None, ["X1"], 3.0, conn)
        store.record_labels([("X1", "Milk", 1.0), ("D1", "Ham", 2.0)], 3.0, conn)
    learner = StoreCatalogueLearner(cfg.storage.db_path, StoreLayout(cfg))
    cat = learner.load()
    assert [(it.item_id, it.department, it.popularity, it.name) for it in cat.items] == [
        ("X1", "UNKNOWN", 2.0, "Milk"), ("D1", "DELI", 1.0, "Ham")]  # U1: never named, never shown
    assert learner.refresh(now=time.monotonic() + 10) is None  # nothing new
    with store.transaction() as conn:
        store.record_purchase("t3", None, ["N1"], 4.0, conn)
        store.record_labels([("N1", "Bread", 1.2)], 4.0, conn)
    grown = learner.refresh(now=time.monotonic() + 20)
    assert grown is not None and "N1" in grown.index
    store.close()


def test_salvage_reads_nothing_from_a_file_that_is_not_a_database(tmp_path: Path) -> None:
    bad = tmp_path / "state.db.corrupt-x"
    bad.write_bytes(b"not a database" * 100)
    assert salvage_catalogue(bad) is None
    good = tmp_path / "ok.db"
    corrupt_with_catalogue(good)
    salvaged = salvage_catalogue(good)
    assert salvaged is not None and len(salvaged) == len(load_bundle(tiny_bundle()).items)


def test_a_damaged_sales_row_is_skipped_not_fatal(tmp_path: Path) -> None:
    cfg = device_config(tmp_path, None, None)
    store = StateStore(cfg.storage.db_path, None)
    with store.transaction() as conn:
        conn.execute("INSERT INTO purchases VALUES ('t1', 1.0, NULL, 'not json')")
        store.record_purchase("t2", None, ["X1"], 2.0, conn)
        store.record_labels([("X1", "Milk", 1.0)], 2.0, conn)
    learner = StoreCatalogueLearner(cfg.storage.db_path, StoreLayout(cfg))
    assert [it.item_id for it in learner.load().items] == ["X1"]
    with store.transaction() as conn:
        conn.execute("INSERT INTO purchases VALUES ('t3', 3.0, NULL, '[1,')")
        store.record_purchase("t4", None, ["X2"], 4.0, conn)
        store.record_labels([("X2", "Tea", 2.0)], 4.0, conn)
    grown = learner.refresh(now=time.monotonic() + 10)
    assert grown is not None and set(grown.index) == {"X1", "X2"}
    store.close()
