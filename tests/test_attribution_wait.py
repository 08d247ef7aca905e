"""A purchase or a pickup is stored by the log writer, after the impressions it is
attributed to, and the worker never waits for it.

The worker used to wait (up to 50 ms) for the log writer to commit the
impressions attribution reads, then commit the purchase or interaction itself
under the database's write lock; those waits, and the commits the lock made it
wait behind, were the 50-60 ms stalls that set p99 under real traffic. Now the
agent changes its memory and queues the rows: the log writer commits entries in
the order they were queued, so attribution sees exactly the impressions queued
before the signal, and the broker ack follows the commit. The device runs in
process with its log writer not started: a wait would hang, nothing reaches the
disk, no ack goes out, until the writer runs.
"""

from __future__ import annotations

import json
import threading
import time
from pathlib import Path

from edge_helpers import (
    device_config,
    location,
    purchase,
    signal_id,
    tiny_bundle,
    topics,
    wait_until,
)

from edge.app import Device
from edge.state.logwriter import LogWriter

T = topics()


def test_wait_committed_returns_at_once_for_committed_entries(tmp_path: Path) -> None:
    writer = LogWriter(tmp_path / "log.db", interval_s=0.01)
    row = ("r1", 1.0, "d1", "z1", None, None, None, "model", None, ["I1"])
    first = writer.put(row, None)
    second = writer.put(("r2", *row[1:]), None)
    assert second == first + 1
    t0 = time.monotonic()
    assert not writer.wait_committed(second, 0.05)  # not started: nothing commits
    assert time.monotonic() - t0 >= 0.04
    writer.start()
    assert writer.wait_committed(second, 5.0)
    t0 = time.monotonic()
    assert writer.wait_committed(first, 5.0) and time.monotonic() - t0 < 0.01
    writer.stop()


def test_purchase_and_pickup_are_attributed_to_what_was_shown_before_them_without_a_wait(
        tmp_path: Path) -> None:
    device = Device(device_config(tmp_path, None, tiny_bundle()), feedback_runtime=True)
    agent = device.agent
    conn = device.store.conn
    acked: list[str] = []

    def send(topic: str, body: dict) -> None:
        agent._ack = lambda: acked.append(body["signal_id"])  # noqa: SLF001 - as the worker sets it
        device.handle(topic, json.dumps(body).encode())
        agent._settle()  # noqa: SLF001

    try:
        where = location("produce", loyalty="A")
        send(T.location, where)
        shown = device.board.get("produce-screen").rec
        assert shown.shopper == "l:A" and shown.item_ids
        t0 = time.monotonic()
        sale = purchase(shown.item_ids[:1], loyalty="A")
        send(T.pos, sale)
        after_sale = device.board.get("produce-screen").rec  # the sale's refresh: bought item gone
        assert shown.item_ids[0] not in after_sale.item_ids  # memory changed at once
        pickup = {"v": 1, "signal_id": signal_id("int"), "ts": time.time(), "kind": "pickup",
                  "item_id": after_sale.item_ids[1], "shopper": {"loyalty_id": "A"}}
        send(T.interaction("produce-screen"), pickup)  # its refresh queues a new list after it
        assert time.monotonic() - t0 < 1.0  # no wait for a writer that is not even running
        assert device.board.get("produce-screen").rec.recommendation_id != after_sale.recommendation_id
        # Nothing on disk and nothing acknowledged yet.
        assert acked == [where["signal_id"]]
        assert conn.execute("SELECT count(*) FROM purchases").fetchone()[0] == 0
        device.log_writer.start()
        assert device.log_writer.drain()
        assert acked == [where["signal_id"], sale["signal_id"], pickup["signal_id"]]
        assert conn.execute("SELECT count(*) FROM purchases").fetchone()[0] == 1
        events = {kind: [json.loads(p)["data"] for (p,) in conn.execute(
            "SELECT payload FROM feedback_outbox WHERE kind = ?", (kind,))]
            for kind in ("conversion", "interaction")}
        assert [e["recommendation_id"] for e in events["conversion"]] == [shown.recommendation_id]
        # The list the pickup answered, not the one its own refresh queued after it.
        assert [(e["recommendation_id"], e["position"]) for e in events["interaction"]] == [
            (after_sale.recommendation_id, 2)]
        assert device.metrics.errors == 0 and not device.metrics.rejected
        assert device.log_writer.write_errors == 0
    finally:
        device.log_writer.stop()
        device.store.close()


def test_a_till_resending_a_transaction_before_it_is_committed_is_recorded_once(tmp_path: Path) -> None:
    device = Device(device_config(tmp_path, None, tiny_bundle()))
    try:
        item = device.store.items[0].item_id
        sale = purchase([item], loyalty="B")
        for _ in range(3):  # new signal ids, one transaction, nothing committed in between
            device.handle(T.pos, json.dumps({**sale, "signal_id": signal_id("pos")}).encode())
        session = device.store.sessions["l:B"]
        assert session.history.count(device.store.index[item]) == 1
        assert device.agent.seen.duplicates["pos"] == 2
        device.log_writer.start()
        assert device.log_writer.drain()
        assert device.store.conn.execute("SELECT count(*) FROM purchases").fetchone()[0] == 1
    finally:
        device.log_writer.stop()
        device.store.close()


def test_a_staged_purchase_writes_what_record_purchase_writes(tmp_path: Path) -> None:
    """The log writer's purchase write and the in-transaction one are one code path:
    the member's history and (while kept) consumed set reach ``shopper_history``."""
    from edge.bundle import load_bundle
    from edge.state import StateStore

    items = load_bundle(tiny_bundle()).items
    bought = [items[0].item_id, items[1].item_id]
    rows = []
    for staged in (True, False):
        store = StateStore(tmp_path / f"{staged}.db", items)
        store.keep_consumed(True)
        session = store.session("l:M", loyalty_id="M", track_id=None, now=1.0)
        with store.transaction() as conn:
            if staged:
                _, write = store.stage_purchase("t1", session, bought, 2.0)
                assert write(conn) and not write(conn)  # the second copy stores nothing
            else:
                assert store.record_purchase("t1", session, bought, 2.0, conn) is not None
                assert store.record_purchase("t1", session, bought, 2.0, conn) is None
        rows.append(store.conn.execute("SELECT items, consumed FROM shopper_history").fetchall())
        assert store.purchase_recorded("t1")
        store.close()
    assert rows[0] == rows[1] and json.loads(rows[0][0][1]) == bought


def test_signals_waiting_for_their_ack_wake_the_writer_before_its_interval(tmp_path: Path) -> None:
    """The broker hands the device only ``max_inflight_messages`` unacknowledged
    signals: acks held for the writer's whole interval would cap the main link."""
    writer = LogWriter(tmp_path / "log.db", interval_s=30.0, ack_flush=8).start()
    try:
        acked: list[int] = []
        t0 = time.monotonic()
        for i in range(7):
            writer.put_write(lambda conn: None, what="noop", then=lambda i=i: acked.append(i))
        time.sleep(0.3)
        assert acked == []  # fewer than ack_flush: they wait for the interval (or a drain)
        writer.put_write(lambda conn: None, what="noop", then=lambda: acked.append(7))
        assert wait_until(lambda: len(acked) == 8, timeout=5.0)
        assert acked == list(range(8)) and time.monotonic() - t0 < 5.0
        writer.put(("r1", 1.0, "d1", "z1", None, None, None, "model", None, ["I1"]), None)
        t1 = time.monotonic()
        assert writer.drain(5.0) and time.monotonic() - t1 < 2.0  # a drain does not wait 30 s
    finally:
        writer.stop()


def test_acks_that_reach_the_mark_while_the_writer_commits_are_flushed_without_the_interval(tmp_path: Path) -> None:
    """``put`` notifies the writer once, as the waiting acks reach ``ack_flush``:
    if the writer is busy then (here, running the previous chunk's callbacks),
    it must still find them when it comes back, not sleep its 30 s interval."""
    writer = LogWriter(tmp_path / "log.db", interval_s=30.0, ack_flush=8).start()
    release = threading.Event()
    in_callback = threading.Event()
    acked: list[int] = []

    def first(i: int) -> None:
        acked.append(i)
        if i == 7:
            in_callback.set()
            release.wait(5.0)  # the writer is held inside its flush

    try:
        for i in range(8):
            writer.put_write(lambda conn: None, what="noop", then=lambda i=i: first(i))
        assert in_callback.wait(5.0)
        # 12 more while the writer is not waiting: the mark is reached (once) and passed.
        for i in range(8, 20):
            writer.put_write(lambda conn: None, what="noop", then=lambda i=i: acked.append(i))
        t0 = time.monotonic()
        release.set()
        assert wait_until(lambda: len(acked) == 20, timeout=5.0)
        assert acked == list(range(20)) and time.monotonic() - t0 < 5.0
    finally:
        release.set()
        writer.stop()
