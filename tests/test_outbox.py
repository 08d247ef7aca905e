"""The feedback outbox and capture: transactions, bounds, counters, attribution."""

from __future__ import annotations

import contextlib
import json
import sqlite3
import time
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from edge.comms.topics import (
    DisplayInteraction,
    FeedbackEvent,
    PosLine,
    PosPurchase,
    ShopperRef,
)
from edge.feedback.capture import OutboxFeedbackSink
from edge.feedback.outbox import Outbox, create_schema, event_json
from edge.reco.result import RecoResult
from edge.state.db import migrate
from edge.state.logwriter import insert_log_rows, log_row
from edge.state.store import MIGRATIONS, SCHEMA_COMPONENT
from firmware_config.feedback import FeedbackConfig, OutboxConfig


def open_conn(path: Path | str = ":memory:") -> sqlite3.Connection:
    conn = sqlite3.connect(str(path), isolation_level=None)
    conn.execute("BEGIN")
    create_schema(conn, "dev1", "store1")
    conn.execute("COMMIT")
    return conn


def add(conn: sqlite3.Connection, ob: Outbox, kind: str = "impression", **data: object) -> FeedbackEvent | None:
    conn.execute("BEGIN")
    ev = ob.append(conn, kind, dict(data))
    conn.execute("COMMIT")
    return ev


def seqs(conn: sqlite3.Connection) -> list[int]:
    return [r[0] for r in conn.execute("SELECT seq FROM feedback_outbox ORDER BY seq")]


def test_event_commits_and_rolls_back_with_the_callers_transaction() -> None:
    conn = open_conn()
    ob = Outbox()
    conn.execute("CREATE TABLE stock (item TEXT, qty INT)")
    conn.execute("BEGIN")
    conn.execute("INSERT INTO stock VALUES ('a', 1)")
    ob.append(conn, "interaction", {"x": 1})
    conn.execute("ROLLBACK")
    assert seqs(conn) == []
    assert Outbox.stats(conn)["produced"] == 0  # the seq counter rolled back too: no phantom gap
    conn.execute("BEGIN")
    conn.execute("INSERT INTO stock VALUES ('a', 1)")
    ev = ob.append(conn, "interaction", {"x": 1})
    conn.execute("COMMIT")
    assert ev is not None and ev.seq == 1
    row = conn.execute("SELECT event_id, payload FROM feedback_outbox").fetchone()
    parsed = FeedbackEvent.model_validate_json(row[1])
    epoch = Outbox.identity(conn)[2]
    assert row[0] == parsed.event_id == f"dev1:{epoch}:1"
    assert (parsed.device_id, parsed.store_id, parsed.kind) == ("dev1", "store1", "interaction")


def test_seq_is_never_reused_after_rows_are_pruned() -> None:
    conn = open_conn()
    ob = Outbox(OutboxConfig(sent_retention_s=0))
    for _ in range(3):
        add(conn, ob)
    conn.execute("BEGIN")
    Outbox.mark_sent(conn, [1, 2, 3], time.time() - 5, confirm=True)
    assert ob.prune_confirmed(conn) == 3
    conn.execute("COMMIT")
    assert seqs(conn) == []
    assert add(conn, ob).seq == 4  # type: ignore[union-attr]


def test_schema_creation_is_idempotent_and_keeps_the_epoch(tmp_path: Path) -> None:
    conn = open_conn(tmp_path / "s.db")
    epoch = Outbox.identity(conn)[2]
    create_schema(conn, "other", "other")
    assert Outbox.identity(conn) == ("dev1", "store1", epoch)


def test_size_bound_drops_oldest_impressions_first_and_counts() -> None:
    conn = open_conn()
    ob = Outbox(OutboxConfig(max_rows=10, drop_policy="oldest_impressions_first"))
    kinds = ["conversion", "impression", "interaction", "impression"] * 3  # 12 events
    for k in kinds:
        add(conn, ob, k)
    stats = Outbox.stats(conn)
    assert stats["pending"] == 10
    assert stats["dropped"] == {"size": 2, "age": 0, "newest": 0}
    # Seqs 2 and 4 were the two oldest impressions; conversions/interactions all kept.
    assert 2 not in seqs(conn) and 4 not in seqs(conn)
    kept_kinds = [r[0] for r in conn.execute("SELECT kind FROM feedback_outbox")]
    assert kept_kinds.count("conversion") == 3 and kept_kinds.count("interaction") == 3
    assert [(d["reason"], d["count"]) for d in Outbox.drops(conn)] == [("size", 1), ("size", 1)]


def test_size_bound_falls_back_to_any_kind_when_no_impressions_left() -> None:
    conn = open_conn()
    ob = Outbox(OutboxConfig(max_rows=10))
    for _ in range(12):
        add(conn, ob, "conversion")
    assert seqs(conn) == list(range(3, 13))
    assert Outbox.stats(conn)["dropped_total"] == 2


def test_add_writes_the_same_row_as_append_and_returns_its_seq() -> None:
    conn = open_conn()
    ob = Outbox()
    conn.execute("BEGIN")
    ev = ob.append(conn, "impression", {"x": 1}, ts=5.0, model_version="m")
    seq = ob.add(conn, "impression", {"x": 1}, ts=5.0, model_version="m")
    conn.execute("COMMIT")
    assert ev is not None and (ev.seq, seq) == (1, 2)
    rows = [json.loads(r[0]) for r in conn.execute("SELECT payload FROM feedback_outbox ORDER BY seq")]
    assert FeedbackEvent.model_validate(rows[1]) == ev.model_copy(update={"seq": 2, "event_id": ev.event_id[:-1] + "2"})
    full = Outbox(OutboxConfig(max_rows=10, drop_policy="drop_newest"))
    conn.execute("BEGIN")
    got = [full.add(conn, "impression", {}) for _ in range(10)]
    conn.execute("COMMIT")
    assert got[:8] == list(range(3, 11)) and got[8:] == [None, None]  # refused like append(): None


@pytest.mark.parametrize("policy", ["oldest_impressions_first", "drop_oldest", "drop_newest"])
def test_add_many_writes_what_add_writes_one_by_one_also_across_the_size_bound(policy: str) -> None:
    """The impressions of a log chunk are numbered with one state update: the same
    seqs, payloads, counters and drops as adding them one at a time, including a
    run that crosses max_rows (it falls back to one at a time)."""
    ob = Outbox(OutboxConfig(max_rows=10, drop_policy=policy))
    runs = [[("impression", {"r": i}, 100.0 + i, "m") for i in range(4)], [("conversion", {"c": 1}, 150.0, None)],
            [("impression", {"r": i}, 200.0 + i, None) for i in range(5)],
            [("impression", {"r": i}, 300.0 + i, "m2") for i in range(3)]]  # 13 events: 3 past the bound
    conns = {"add": open_conn(), "add_many": open_conn()}
    for way, conn in conns.items():
        conn.execute("UPDATE feedback_state SET epoch = 'e1' WHERE id = 1")
        for run in runs:
            conn.execute("BEGIN")
            if way == "add":
                for kind, data, ts, version in run:
                    ob.add(conn, kind, data, ts=ts, model_version=version)
            else:
                ob.add_many(conn, run[0][0], [(data, ts, version) for _, data, ts, version in run])
            conn.execute("COMMIT")

    def state(conn: sqlite3.Connection) -> tuple:
        rows = conn.execute("SELECT seq, event_id, kind, payload, sent_at FROM feedback_outbox ORDER BY seq").fetchall()
        counters = conn.execute("SELECT next_seq, pending, dropped_size, dropped_newest FROM feedback_state").fetchone()
        drops = conn.execute("SELECT reason, count, first_seq, last_seq FROM feedback_drops ORDER BY id").fetchall()
        return rows, counters, drops

    assert state(conns["add_many"]) == state(conns["add"])
    rows, counters, _ = state(conns["add"])
    assert counters[0] == 14 and len(rows) == 10  # 13 seqs taken, the bound kept 10
    assert all(FeedbackEvent.model_validate_json(r[3]).seq == r[0] for r in rows)


@pytest.mark.parametrize("policy", ["oldest_impressions_first", "drop_oldest", "drop_newest"])
def test_numbering_once_per_transaction_writes_what_numbering_each_event_writes(policy: str) -> None:
    """``Outbox.numbering`` (the log writer's transactions) numbers events from
    counters read once and written back once: the same seqs, payloads, counters and
    drops as an ``UPDATE`` per event or run, also when the bound is crossed inside
    the block (SQL numbers the rest) and when a block's transaction rolls back."""
    ob = Outbox(OutboxConfig(max_rows=10, drop_policy=policy))
    txns = [
        [("many", "impression", [({"r": i}, 100.0 + i, "m") for i in range(4)]),
         ("one", "conversion", [({"c": 1}, 150.0, None)])],
        [("many", "impression", [({"r": i}, 200.0 + i, None) for i in range(3)]), ("fail", "", [])],
        [("many", "impression", [({"r": i}, 300.0 + i, None) for i in range(3)]),
         ("one", "interaction", [({"t": 1}, 310.0, "m")]),
         ("many", "impression", [({"r": i}, 320.0 + i, "m2") for i in range(4)]),  # crosses max_rows
         ("one", "conversion", [({"c": 2}, 330.0, None)])],
        [("one", "interaction", [({"t": 2}, 400.0, None)]),
         ("many", "impression", [({"r": i}, 410.0 + i, None) for i in range(2)])],
    ]
    conns = {"per_event": open_conn(), "numbered": open_conn()}
    statements: list[str] = []
    conns["numbered"].set_trace_callback(statements.append)
    for way, conn in conns.items():
        conn.execute("UPDATE feedback_state SET epoch = 'e1' WHERE id = 1")
        for txn in txns:
            conn.execute("BEGIN IMMEDIATE")
            try:
                with ob.numbering(conn) if way == "numbered" else contextlib.nullcontext():
                    for how, kind, events in txn:
                        if how == "fail":
                            raise RuntimeError("a hook failed")
                        if how == "many":
                            ob.add_many(conn, kind, events)
                        else:
                            ob.add(conn, kind, events[0][0], ts=events[0][1], model_version=events[0][2])
            except RuntimeError:
                conn.execute("ROLLBACK")
                continue
            conn.execute("COMMIT")

    def state(conn: sqlite3.Connection) -> tuple:
        rows = conn.execute("SELECT seq, event_id, kind, payload FROM feedback_outbox ORDER BY seq").fetchall()
        counters = conn.execute("SELECT next_seq, pending, dropped_size, dropped_age, dropped_newest "
                                "FROM feedback_state").fetchone()
        drops = conn.execute("SELECT reason, count, first_seq, last_seq FROM feedback_drops ORDER BY id").fetchall()
        return rows, counters, drops

    assert state(conns["numbered"]) == state(conns["per_event"])
    rows, counters, _ = state(conns["per_event"])
    assert counters[0] == 18 and len(rows) == 10  # 17 seqs taken (the rolled-back 3 reused), 10 kept
    # The first transaction: one read and one write of the counters, no UPDATE per event or run.
    first = statements[statements.index("BEGIN IMMEDIATE"):statements.index("COMMIT")]
    assert [q.split(" ", 2)[:2] for q in first if "feedback_state" in q] == [["SELECT", "next_seq,"],
                                                                             ["UPDATE", "feedback_state"]]


def test_drop_newest_refuses_new_events_but_takes_their_seq() -> None:
    conn = open_conn()
    ob = Outbox(OutboxConfig(max_rows=10, drop_policy="drop_newest"))
    results = [add(conn, ob, "conversion") for _ in range(12)]
    assert results[10] is None and results[11] is None
    assert seqs(conn) == list(range(1, 11))
    assert Outbox.stats(conn)["dropped"]["newest"] == 2
    # After room frees up, the next event makes the refused seqs an announced gap.
    conn.execute("BEGIN")
    Outbox.mark_sent(conn, range(1, 11), time.time(), confirm=True)
    conn.execute("COMMIT")
    ev = add(conn, ob, "conversion")
    assert ev is not None and ev.seq == 13
    assert Outbox.previous_seq(conn, 13) == 10


def test_drop_oldest_policy() -> None:
    conn = open_conn()
    ob = Outbox(OutboxConfig(max_rows=10, drop_policy="drop_oldest"))
    for k in ["conversion"] * 5 + ["impression"] * 7:
        add(conn, ob, k)
    assert seqs(conn) == list(range(3, 13))


def test_age_bound_drops_only_unconfirmed_old_rows() -> None:
    conn = open_conn()
    ob = Outbox(OutboxConfig(max_age_s=60))
    for _ in range(4):
        add(conn, ob)
    conn.execute("UPDATE feedback_outbox SET created_at = created_at - 120 WHERE seq <= 2")
    conn.execute("BEGIN")
    Outbox.mark_sent(conn, [1], time.time(), confirm=True)
    assert ob.enforce_age(conn) == 1
    conn.execute("COMMIT")
    assert seqs(conn) == [1, 3, 4]
    assert Outbox.stats(conn)["dropped"]["age"] == 1
    assert Outbox.drops(conn)[0]["first_seq"] == 2


def test_cloud_watermark_confirms_and_rewind_resends_unconfirmed() -> None:
    conn = open_conn()
    ob = Outbox()
    for _ in range(5):
        add(conn, ob)
    now = time.time()
    conn.execute("BEGIN")
    Outbox.mark_sent(conn, [1, 2, 3, 4, 5], now)
    assert Outbox.confirm_upto(conn, 3, now) == 3
    assert Outbox.confirm_upto(conn, 2, now) == 0  # a stale ack never moves back
    conn.execute("COMMIT")
    assert Outbox.stats(conn)["pending"] == 2
    assert Outbox.next_unsent(conn, 0, 10) == []
    conn.execute("BEGIN")
    assert Outbox.rewind(conn) == 4
    conn.execute("COMMIT")
    assert [r.seq for r in Outbox.next_unsent(conn, 0, 10)] == [4, 5]


def test_dropped_range_is_announced_on_the_wire() -> None:
    conn = open_conn()
    ob = Outbox(OutboxConfig(max_rows=10, drop_policy="drop_oldest"))
    for _ in range(12):
        add(conn, ob)
    first = Outbox.next_unsent(conn, 0, 1)[0]
    assert first.seq == 3
    prev = Outbox.previous_seq(conn, first.seq)
    payload = json.loads(event_json(first, (prev + 1, first.seq - 1)))
    assert payload["data"]["dropped_before"] == [1, 2]
    assert FeedbackEvent.model_validate(payload).seq == 3


@settings(max_examples=40, deadline=None)
@given(st.lists(st.sampled_from(["impression", "conversion", "ack", "age"]), max_size=60),
       st.sampled_from(["oldest_impressions_first", "drop_oldest", "drop_newest"]))
def test_every_event_is_accounted_for(ops: list[str], policy: str) -> None:
    """produced == still in the outbox + confirmed and pruned + dropped, whatever happens."""
    conn = open_conn()
    ob = Outbox(OutboxConfig(max_rows=10, max_age_s=60, drop_policy=policy, sent_retention_s=0))  # type: ignore[arg-type]
    pruned = 0
    for op in ops:
        conn.execute("BEGIN")
        if op in ("impression", "conversion"):
            ob.append(conn, op, {})
        elif op == "ack":
            rows = Outbox.next_unsent(conn, 0, 3)
            Outbox.mark_sent(conn, [r.seq for r in rows], time.time() - 1, confirm=True)
            pruned += ob.prune_confirmed(conn)
        else:
            conn.execute("UPDATE feedback_outbox SET created_at = created_at - 100")
            ob.enforce_age(conn)
        conn.execute("COMMIT")
        stats = Outbox.stats(conn)
        rows = conn.execute("SELECT count(*) FROM feedback_outbox").fetchone()[0]
        unconfirmed = conn.execute(
            "SELECT count(*) FROM feedback_outbox WHERE confirmed_at IS NULL").fetchone()[0]
        assert stats["pending"] == unconfirmed <= 10
        assert stats["produced"] == rows + pruned + stats["dropped_total"]


# ---- capture ------------------------------------------------------------------------


def rec(rid: str, items: list[str], shopper: str | None = "l:42", ts: float = 1000.0) -> RecoResult:
    """What the agent hands the sink; it must also be a valid Recommendation on the wire."""
    result = RecoResult(
        recommendation_id=rid, display_id="d1", zone="z1",
        cause=(f"sig-{rid}", "store/s/shopper/location"), shopper=shopper,
        model_version="m-7", strategy="model", generated_at=ts,
        items=[{"item_id": i, "name": i, "category": "c", "price": 2.5, "score": 1.0 / (p + 1),
                "position": p + 1, "reason": "popular"} for p, i in enumerate(items)],
    )
    result.model()  # validates against the contract
    return result


def device_db() -> sqlite3.Connection:
    """A database with the device's schema: attribution reads the recommendation log."""
    conn = sqlite3.connect(":memory:", isolation_level=None)
    migrate(conn, SCHEMA_COMPONENT, MIGRATIONS)
    return conn


def show(conn: sqlite3.Connection, sink: OutboxFeedbackSink, result: RecoResult) -> None:
    """What the log writer does for a published list: its reco_log row, then its impression."""
    insert_log_rows(conn, [log_row(result, result.display_id, result.zone)])
    sink.on_recommendation(conn, result)


def kinds(conn: sqlite3.Connection) -> list[tuple[str, dict]]:
    return [(k, json.loads(p)) for k, p in conn.execute("SELECT kind, payload FROM feedback_outbox ORDER BY seq")]


def test_capture_impression_interaction_and_conversion_within_window() -> None:
    conn = device_db()
    sink = OutboxFeedbackSink(conn, "dev1", "store1", FeedbackConfig(attribution_window_s=600))
    conn.execute("BEGIN")
    show(conn, sink, rec("r1", ["a", "b", "c"]))
    sink.on_interaction(conn, DisplayInteraction(signal_id="t1", ts=1010.0, kind="touch", item_id="b",
                                                 shopper=ShopperRef(loyalty_id="42")), "d1")
    sink.on_purchase(conn, PosPurchase(
        signal_id="p1", ts=1200.0, transaction_id="tx1", shopper=ShopperRef(loyalty_id="42"),
        items=[PosLine(item_id="c", quantity=2, price=3.0), PosLine(item_id="zzz", quantity=1, price=1.0)]))
    conn.execute("COMMIT")
    events = kinds(conn)
    assert [k for k, _ in events] == ["impression", "interaction", "conversion"]
    imp = events[0][1]
    assert imp["model_version"] == "m-7"
    assert imp["data"]["recommendation_id"] == "r1"
    assert [(i["item_id"], i["position"]) for i in imp["data"]["items"]] == [("a", 1), ("b", 2), ("c", 3)]
    ix = events[1][1]["data"]
    assert (ix["action"], ix["recommendation_id"], ix["position"], ix["recommended"]) == ("touch", "r1", 2, True)
    conv = events[2][1]
    assert conv["model_version"] == "m-7"
    assert (conv["data"]["item_id"], conv["data"]["revenue"], conv["data"]["position"]) == ("c", 6.0, 3)


def test_no_conversion_outside_window_or_for_another_shopper() -> None:
    conn = device_db()
    sink = OutboxFeedbackSink(conn, "dev1", "store1", FeedbackConfig(attribution_window_s=60))
    show(conn, sink, rec("r1", ["a"]))
    line = [PosLine(item_id="a", quantity=1, price=1.0)]
    sink.on_purchase(conn, PosPurchase(signal_id="p1", ts=2000.0, transaction_id="late",
                                       shopper=ShopperRef(loyalty_id="42"), items=line))
    sink.on_purchase(conn, PosPurchase(signal_id="p2", ts=1010.0, transaction_id="other",
                                       shopper=ShopperRef(loyalty_id="99"), items=line))
    sink.on_purchase(conn, PosPurchase(signal_id="p3", ts=1010.0, transaction_id="anon", items=line))
    assert [k for k, _ in kinds(conn)] == ["impression"]
    sink.on_purchase(conn, PosPurchase(signal_id="p4", ts=1030.0, transaction_id="ok",
                                       shopper=ShopperRef(loyalty_id="42"), items=line))
    assert [k for k, _ in kinds(conn)] == ["impression", "conversion"]


def test_each_bought_item_is_credited_to_the_newest_list_showing_it_at_its_first_position() -> None:
    """Attribution looks for the bought items only (a set intersection per list) and
    reads the lists with orjson: the newest list showing an item wins, and its first
    position there; a line bought twice is credited twice, an item never shown not
    at all, and a list stored as ``json``'s escapes (an id that is not valid UTF-8,
    which orjson refuses: ``b`` is credited to it) is read back all the same."""
    conn = device_db()
    sink = OutboxFeedbackSink(conn, "dev1", "store1", FeedbackConfig(attribution_window_s=600))
    show(conn, sink, rec("r1", ["a", "b", "a"], ts=1000.0))
    show(conn, sink, rec("r2", ["c", "a"], ts=1001.0))
    odd = RecoResult(recommendation_id="r3", display_id="d2", zone="z1", cause=None, shopper="l:42",
                     model_version="m-8", strategy="model", generated_at=1002.0,
                     items=[{"item_id": i, "price": 1.0, "score": 0.5, "position": p + 1}
                            for p, i in enumerate(["b", "\ud800x"])])
    insert_log_rows(conn, [log_row(odd, "d2", "z1")])
    assert "\\ud800" in conn.execute("SELECT items FROM reco_log WHERE recommendation_id = 'r3'").fetchone()[0]
    lines = [PosLine(item_id=i, quantity=1, price=2.0) for i in ("a", "b", "c", "d", "a")]
    sink.on_purchase(conn, PosPurchase(signal_id="p1", ts=1100.0, transaction_id="tx1",
                                       shopper=ShopperRef(loyalty_id="42"), items=lines))
    credited = [(e["data"]["item_id"], e["data"]["recommendation_id"], e["data"]["position"], e["model_version"])
                for k, e in kinds(conn) if k == "conversion"]
    assert credited == [("a", "r2", 2, "m-7"), ("b", "r3", 1, "m-8"), ("c", "r2", 1, "m-7"),
                        ("a", "r2", 2, "m-7")]


def test_a_hook_in_the_log_writers_transaction_does_not_write_to_take_the_lock(tmp_path: Path) -> None:
    """``_claim_write``'s no-op update takes the write lock before a hook reads, in a
    deferred transaction; in ``atomic``'s ``BEGIN IMMEDIATE`` (the log writer's) the
    lock is held from the start and the update is skipped."""
    from edge.feedback.capture import _claim_write
    from edge.state.db import atomic, connect

    conn = connect(tmp_path / "state.db")
    create_schema(conn, "dev1", "store1")
    statements: list[str] = []
    conn.set_trace_callback(statements.append)
    with atomic(conn):
        assert conn.write_locked
        _claim_write(conn)
    assert not conn.write_locked and statements == ["BEGIN IMMEDIATE", "COMMIT"]
    statements.clear()
    with atomic(conn, immediate=False):
        assert not conn.write_locked
        _claim_write(conn)
    assert statements == ["BEGIN", "UPDATE feedback_state SET next_seq = next_seq WHERE id = 1", "COMMIT"]
    conn.close()


def test_interaction_without_recommendation_id_uses_latest_on_display() -> None:
    conn = device_db()
    sink = OutboxFeedbackSink(conn, "dev1", "store1")
    show(conn, sink, rec("r1", ["a"], ts=1000.0))
    show(conn, sink, rec("r2", ["b"], ts=1001.0))
    sink.on_interaction(conn, DisplayInteraction(signal_id="t", ts=1002.0, kind="pickup", item_id="a"), "d1")
    data = kinds(conn)[-1][1]["data"]
    assert (data["recommendation_id"], data["recommended"], data["action"]) == ("r2", False, "pickup")


@pytest.mark.parametrize("enabled", [True, False])
def test_make_sink_respects_enabled(enabled: bool) -> None:
    from edge.feedback.capture import NullFeedbackSink, make_sink

    conn = sqlite3.connect(":memory:", isolation_level=None)
    sink = make_sink(conn, "d", "s", FeedbackConfig(enabled=enabled))
    assert isinstance(sink, OutboxFeedbackSink if enabled else NullFeedbackSink)
