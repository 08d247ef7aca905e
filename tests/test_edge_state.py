"""Device state: arrays in memory, SQLite (WAL) on disk, sessions with a TTL."""

from __future__ import annotations

import json
import sqlite3
from pathlib import Path

import numpy as np
import pytest

from edge.bundle import MAX_SCORER_HISTORY, Item
from edge.serving.catalogue import Catalogue
from edge.state import Session, StateStore
from edge.state.logwriter import LogWriter
from edge.state.store import CONSUMED_KEEP, HISTORY_KEEP, MaybeStored, consumed_items


def items(n: int = 10) -> list[Item]:
    return [Item(item_id=f"I{i}", name=f"Item {i}", category=f"C{i % 3}", department="D",
                 price=1.0, popularity=float(i)) for i in range(n)]


def test_database_is_wal_with_normal_sync(tmp_path: Path) -> None:
    store = StateStore(tmp_path / "s.db", items(), min_stock=2)
    assert store.conn.execute("PRAGMA journal_mode").fetchone()[0] == "wal"
    assert store.conn.execute("PRAGMA synchronous").fetchone()[0] == 1  # NORMAL
    assert {"catalogue", "inventory", "planogram", "sessions", "shopper_history", "purchases",
            "reco_log"} <= set(store.db.table_names())
    assert store.db["catalogue"].count == 10
    store.close()


def test_stock_mask_follows_shelf_counts_and_survives_restart(tmp_path: Path) -> None:
    store = StateStore(tmp_path / "s.db", items(), min_stock=2)
    assert store.available.all()  # unknown stock counts as available
    with store.transaction() as conn:
        assert store.update_inventory("I3", 1, None, 1.0, conn) == (3, True)  # below min_stock
        assert store.update_inventory("I3", 0, None, 2.0, conn) == (3, False)  # no flip
        assert store.update_inventory("I4", 5, "shelf-1", 2.0, conn) == (4, False)
        assert store.update_inventory("UNKNOWN", 5, None, 2.0, conn) == (None, False)
    assert not store.available[3] and store.available[4]
    assert store.placed == {"shelf-1": {4}}
    store.close()
    again = StateStore(tmp_path / "s.db", items(), min_stock=2)
    assert not again.available[3] and again.available[4] and again.placed == {"shelf-1": {4}}
    assert again.conn.execute("SELECT quantity FROM inventory WHERE item_id='UNKNOWN'").fetchone() == (5,)
    again.close()


def test_a_failed_transaction_leaves_nothing_behind(tmp_path: Path) -> None:
    store = StateStore(tmp_path / "s.db", items())
    with pytest.raises(RuntimeError), store.transaction() as conn:
        store.update_inventory("I1", 9, None, 1.0, conn)
        raise RuntimeError("boom")
    assert store.conn.execute("SELECT count(*) FROM inventory").fetchone() == (0,)
    store.close()


def test_sessions_expire_after_the_ttl_and_are_forgotten_on_disk(tmp_path: Path) -> None:
    store = StateStore(tmp_path / "s.db", items(), session_ttl_s=60)
    a = store.session("t:a", loyalty_id=None, track_id="a", now=1000.0)
    store.session("t:b", loyalty_id=None, track_id="b", now=1000.0)
    store.session("t:b", loyalty_id=None, track_id="b", now=1050.0)  # seen again: stays
    a.add_history([1, 1, 2])
    assert a.history == [1, 2] and a.version == 2
    store.flush()
    assert {r["key"] for r in store.db["sessions"].rows} == {"t:a", "t:b"}
    gone = store.expire_sessions(1070.0)
    assert [s.key for s in gone] == ["t:a"] and set(store.sessions) == {"t:b"}
    store.flush()
    assert {r["key"] for r in store.db["sessions"].rows} == {"t:b"}
    store.close()


def test_purchases_are_recorded_once_and_remembered_for_known_shoppers(tmp_path: Path) -> None:
    store = StateStore(tmp_path / "s.db", items())
    s = store.session("l:L1", loyalty_id="L1", track_id=None, now=0.0)
    with store.transaction() as conn:
        assert store.record_purchase("T1", s, ["I1", "I2", "NOPE"], 5.0, conn) == [1, 2]
        assert store.record_purchase("T1", s, ["I1", "I2"], 5.0, conn) is None  # redelivery
    assert s.bought == {1, 2} and s.history == [1, 2]
    store.flush()
    store.close()
    again = StateStore(tmp_path / "s.db", items())
    again.sessions.clear()  # a later visit
    later = again.session("l:L1", loyalty_id="L1", track_id=None, now=10_000.0)
    assert later.history == [1, 2] and later.bought == set()  # history yes, basket no
    anon = again.session("t:x", loyalty_id=None, track_id="x", now=10_000.0)
    assert anon.history == []
    again.close()


def test_duplicate_checks_find_what_is_on_disk_before_and_after_a_restart(tmp_path: Path) -> None:
    store = StateStore(tmp_path / "s.db", items())
    assert not store.purchase_recorded("T1") and not store.signal_claimed("interaction", "s1")
    _, write = store.stage_purchase("T1", None, ["I1"], 5.0)
    with store.transaction() as conn:
        assert write(conn) and store.claim_signal("interaction", "s1", 5.0, conn)
    assert store.purchase_recorded("T1") and store.signal_claimed("interaction", "s1")
    # Written by another connection while this store is closed, and by the last run.
    store.close()
    with sqlite3.connect(tmp_path / "s.db") as other:
        other.execute("INSERT INTO purchases VALUES ('T2', 6.0, NULL, '[]')")
        other.execute("INSERT INTO signals_seen(kind, signal_id, ts) VALUES ('interaction', 's2', 6.0)")
    other.close()
    again = StateStore(tmp_path / "s.db", items())
    assert again.purchase_recorded("T1") and again.purchase_recorded("T2")
    assert again.signal_claimed("interaction", "s1") and again.signal_claimed("interaction", "s2")
    assert not again.purchase_recorded("T3") and not again.signal_claimed("pos", "s1")
    again.close()


def test_maybe_stored_never_misses_a_key_it_was_given() -> None:
    keys = [f"txn-{i}" for i in range(50_000)]
    seen = MaybeStored(keys[:25_000])
    assert all(k in seen for k in keys[:25_000])
    seen.add(("interaction", "x"))
    assert ("interaction", "x") in seen
    # The other half was never added: a few false positives (an exact read), not many.
    assert sum(k in seen for k in keys[25_000:]) < 250


def test_without_a_model_the_last_catalogue_is_served(tmp_path: Path) -> None:
    StateStore(tmp_path / "s.db", items(4)).close()
    store = StateStore(tmp_path / "s.db", None)
    assert [i.item_id for i in store.items] == ["I0", "I1", "I2", "I3"]
    assert store.popularity.tolist() == [0.0, 1.0, 2.0, 3.0]
    store.close()


def test_log_writer_commits_rows_and_runs_the_hook_in_the_same_transaction(tmp_path: Path) -> None:
    StateStore(tmp_path / "s.db", items()).close()
    seen: list[tuple[bool, int]] = []

    def hook(conn: sqlite3.Connection, recs: list) -> None:
        seen.append((conn.in_transaction, len(recs)))
        conn.execute("CREATE TABLE IF NOT EXISTS hooked (n INTEGER)")
        conn.executemany("INSERT INTO hooked VALUES (?)", [(r,) for r in recs])

    writer = LogWriter(tmp_path / "s.db", hook, interval_s=0.05).start()
    for n in range(5):
        writer.put((f"r{n}", float(n), "d1", "z1", None, f"s{n}", "t", "model", "m", []), n)
    writer.put(("r5", 5.0, "d1", "z1", None, "s5", "t", "model", "m", []), None)  # no impression
    assert writer.drain(5)
    conn = sqlite3.connect(tmp_path / "s.db")
    assert conn.execute("SELECT count(*) FROM reco_log").fetchone() == (6,)
    assert conn.execute("SELECT count(*) FROM hooked").fetchone() == (5,)
    assert all(in_txn for in_txn, _ in seen)
    writer.stop()

    def failing(conn: sqlite3.Connection, recs: list) -> None:
        raise RuntimeError("sink broken")

    writer = LogWriter(tmp_path / "s.db", failing, interval_s=0.05).start()
    writer.put(("r9", 9.0, "d1", "z1", None, "s9", "t", "model", "m", []), 9)
    assert writer.drain(5) and writer.errors == 1
    writer.stop()
    # all or nothing: the log row rolled back with the failed impression
    assert conn.execute("SELECT count(*) FROM reco_log WHERE recommendation_id='r9'").fetchone() == (0,)


def test_session_dataclass_keeps_recent_history_only() -> None:
    s = Session("t:a", None, "a", 0, 0)
    s.add_history(range(HISTORY_KEEP + 100))
    assert len(s.history) == HISTORY_KEEP and s.history[-1] == HISTORY_KEEP + 99


def test_a_members_stored_history_is_every_item_a_scorer_part_may_read(tmp_path: Path) -> None:
    assert HISTORY_KEEP == MAX_SCORER_HISTORY  # whatever the serving bundle reads: nothing lost on a swap
    store = StateStore(tmp_path / "s.db", items(HISTORY_KEEP + 50))
    member = store.session("l:M", loyalty_id="M", track_id=None, now=0.0)
    with store.transaction() as conn:
        store.record_purchase("T1", member, [f"I{i}" for i in range(HISTORY_KEEP + 50)], 1.0, conn)
    assert member.history == list(range(50, HISTORY_KEEP + 50))
    store.expire_sessions(1e9)
    store.flush()
    back = store.session("l:M", loyalty_id="M", track_id=None, now=1e9 + 1)  # the next visit: what was stored
    assert back.history == list(range(50, HISTORY_KEEP + 50))
    store.close()


def test_personal_data_past_its_retention_is_forgotten(tmp_path: Path) -> None:
    store = StateStore(tmp_path / "s.db", items())
    day = 86_400.0
    old = store.session("l:OLD", loyalty_id="OLD", track_id=None, now=0.0)
    new = store.session("l:NEW", loyalty_id="NEW", track_id=None, now=0.0)
    with store.transaction() as conn:
        store.record_purchase("T-old", old, ["I1"], 1 * day, conn)
        store.record_purchase("T-new", new, ["I2"], 95 * day, conn)
    assert store.prune_personal_data(100 * day, 90 * day) == {"history": 1, "purchases": 1, "reco_log": 0}
    assert store.loyalty_history("OLD") == [] and store.loyalty_history("NEW") == [2]
    with store.transaction() as conn:
        # The transaction id stays (a redelivered till message is still recognised) ...
        assert store.record_purchase("T-old", None, ["I1"], 1 * day, conn) is None
        # ... but it no longer says who bought it.
        assert conn.execute("SELECT shopper FROM purchases WHERE transaction_id='T-old'").fetchone() == (None,)
        assert conn.execute("SELECT shopper FROM purchases WHERE transaction_id='T-new'").fetchone() == ("l:NEW",)
    store.close()


def test_recommendation_log_rows_past_the_retention_are_deleted_window_by_window(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """reco_log names the shopper of every list: it follows the personal-data retention
    (walked from the oldest row in short transactions, stopping at the first window
    with nothing past the retention)."""
    import edge.state.store as store_module

    monkeypatch.setattr(store_module, "RECO_LOG_PRUNE_BATCH", 7)
    store = StateStore(tmp_path / "s.db", items())
    day = 86_400.0
    rows = [(f"r{i}", (i / 10) * day, "d1", "z1", f"l:M{i}", None, None, "model", "v1", "[]") for i in range(1000)]
    with store.transaction() as conn:
        conn.executemany("INSERT INTO reco_log VALUES (?,?,?,?,?,?,?,?,?,?)", rows)
    pruned = store.prune_personal_data(100 * day, 90 * day)
    assert pruned["reco_log"] == 100  # r0..r99: older than 90 days at day 100
    left = store.conn.execute("SELECT min(ts), count(*) FROM reco_log").fetchone()
    assert left == (10 * day, 900)
    assert store.prune_personal_data(100 * day, 90 * day)["reco_log"] == 0


def test_consumed_items_keep_the_latest_distinct_in_order() -> None:
    assert consumed_items([5, 1, 5, 2, 1]).tolist() == [5, 2, 1]
    assert consumed_items([5, 1, 5, 2, 1], keep=2).tolist() == [2, 1]
    assert consumed_items([]).dtype == np.int32


def test_consumed_set_is_kept_only_when_on_and_outgrows_the_history(tmp_path: Path) -> None:
    off = StateStore(tmp_path / "off.db", items(600))
    s = off.session("l:M", loyalty_id="M", track_id=None, now=0.0)
    with off.transaction() as conn:
        off.record_purchase("T1", s, [f"I{i}" for i in range(150)], 1.0, conn)
    assert s.consumed is None  # a repeat domain keeps nothing more than before
    assert off.conn.execute("SELECT consumed FROM shopper_history").fetchone() == (None,)
    off.close()

    on = StateStore(tmp_path / "on.db", items(CONSUMED_KEEP + 100), keep_consumed=True)
    s = on.session("l:M", loyalty_id="M", track_id=None, now=0.0)
    with on.transaction() as conn:
        on.record_purchase("T1", s, [f"I{i}" for i in range(HISTORY_KEEP + 50)], 1.0, conn)
    assert len(s.history) == HISTORY_KEEP and s.consumed.tolist() == list(range(HISTORY_KEEP + 50))
    s.add_history([3])  # consumed again: moves to the recent end
    assert s.consumed[-1] == 3 and len(s.consumed) == HISTORY_KEEP + 50
    s.add_history(range(HISTORY_KEEP + 50, CONSUMED_KEEP + 100))
    assert len(s.consumed) == CONSUMED_KEEP and s.consumed[-1] == CONSUMED_KEEP + 99  # the oldest fell off
    on.close()


def test_consumed_set_survives_a_restart_and_the_next_visit(tmp_path: Path) -> None:
    store = StateStore(tmp_path / "s.db", items(300), keep_consumed=True, session_ttl_s=60)
    member = store.session("l:M", loyalty_id="M", track_id=None, now=0.0)
    walker = store.session("t:a", loyalty_id=None, track_id="a", now=0.0)
    with store.transaction() as conn:
        store.record_purchase("T1", member, [f"I{i}" for i in range(200)], 1.0, conn)
    walker.add_history([7, 8])
    store.flush()
    store.close()

    again = StateStore(tmp_path / "s.db", items(300), keep_consumed=True, session_ttl_s=60)
    assert again.sessions["l:M"].consumed.tolist() == list(range(200))  # the live session
    assert again.sessions["t:a"].consumed.tolist() == [7, 8]
    again.session("t:a", loyalty_id=None, track_id="a", now=10.0)  # a position: set unchanged
    again.flush()
    assert json.loads(again.conn.execute("SELECT consumed FROM sessions WHERE key='t:a'").fetchone()[0]) == ["I7", "I8"]
    again.expire_sessions(1000.0)
    again.flush()
    back = again.session("l:M", loyalty_id="M", track_id=None, now=2000.0)  # the next visit
    assert back.consumed.tolist() == list(range(200)) and len(back.history) == 200
    again.close()


def test_switching_exclusion_off_drops_the_sets_and_on_starts_from_history(tmp_path: Path) -> None:
    store = StateStore(tmp_path / "s.db", items(), keep_consumed=True)
    s = store.session("t:a", loyalty_id=None, track_id="a", now=0.0)
    s.add_history([1, 2])
    store.flush()
    store.keep_consumed(False)
    assert s.consumed is None
    store.flush()
    assert store.conn.execute("SELECT consumed FROM sessions").fetchone() == (None,)
    store.keep_consumed(True)
    assert s.consumed.tolist() == [1, 2]
    store.close()


def test_rebind_moves_consumed_sets_to_the_new_catalogue(tmp_path: Path) -> None:
    store = StateStore(tmp_path / "s.db", items(), keep_consumed=True)
    s = store.session("t:a", loyalty_id=None, track_id="a", now=0.0)
    s.add_history([1, 2, 3])
    store.rebind(Catalogue(list(reversed(items()))[:8]))  # I9..I2: I1 is gone
    assert [store.items[i].item_id for i in s.consumed] == ["I2", "I3"]
    store.close()
