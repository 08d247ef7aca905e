"""The intake's overload policy, on real payloads and threads (no broker needed here;
tests/test_overload.py drives a real device through Mosquitto)."""

from __future__ import annotations

import json
import threading
import time

from edge_helpers import location, purchase, topics

from edge.admission import Intake, SeenWindow, TopCounter
from edge.comms.topics import MAX_PAYLOAD_BYTES

T = topics()


def loc(track: str, zone: str = "deli", sid: str | None = None) -> tuple:
    return (T.location, json.dumps(location(zone, track=track, sid=sid)).encode(), None)


def test_positions_coalesce_per_shopper_keeping_their_turn() -> None:
    intake = Intake(T, coalesce_above=0)
    intake.put(loc("a", "deli", "a1"))
    intake.put(loc("b", "deli", "b1"))
    intake.put(loc("a", "produce", "a2"))  # replaces a1 in a1's place
    got = [json.loads(intake.get()[1])["signal_id"] for _ in range(2)]
    assert got == ["a2", "b1"]
    assert intake.coalesced == 1 and intake.backlog == 0


def test_below_the_flood_threshold_every_position_is_kept_in_order() -> None:
    intake = Intake(T, coalesce_above=4)
    for sid in ("a1", "b1", "a2", "a3"):
        intake.put(loc(sid[0], sid=sid))
    got = [json.loads(intake.get()[1])["signal_id"] for _ in range(intake.backlog)]
    assert got == ["a1", "b1", "a2", "a3"] and intake.coalesced == 0 and not intake.flooded


def test_a_flood_leaves_one_position_per_shopper_the_newest() -> None:
    intake = Intake(T, coalesce_above=3)
    # a1, b1, a2 are queued one by one (a hiccup); at three pending the lane is
    # flooded: a3, a4, a5 each replace a's newest (a2's turn), b2 replaces b1 in
    # b1's turn, and the worker skips a1, an older position of a shopper with a
    # newer one pending.
    for sid in ("a1", "b1", "a2", "a3", "a4", "b2", "a5"):
        intake.put(loc(sid[0], sid=sid))
    assert intake.flooded
    got = []
    while intake.backlog:
        got.append(json.loads(intake.get()[1])["signal_id"])
    assert got == ["b2", "a5"]
    assert intake.coalesced == 5 and not intake.flooded
    # Drained: the next positions are handled one by one again.
    intake.put(loc("a", sid="a6"))
    intake.put(loc("a", sid="a7"))
    assert [json.loads(intake.get()[1])["signal_id"] for _ in range(2)] == ["a6", "a7"]


def test_priority_lane_is_served_first_and_never_shed() -> None:
    intake = Intake(T, max_coalesced=3)
    for i in range(10):
        intake.put(loc(f"s{i}"))
    sale = (T.pos, json.dumps(purchase(["P001"], loyalty="l1")).encode(), None)
    intake.put(sale)
    assert intake.get() is sale
    assert intake.shed["location"] == 7 and intake.shed["pos"] == 0
    assert intake.backlog == 3


def test_full_priority_lane_makes_the_producer_wait_instead_of_dropping() -> None:
    intake = Intake(T, max_priority=2)
    items = [(T.pos, json.dumps(purchase(["P001"], loyalty=f"l{i}")).encode(), None) for i in range(5)]
    done = threading.Event()

    def produce() -> None:
        for item in items:
            intake.put(item)
        done.set()

    threading.Thread(target=produce, daemon=True).start()
    time.sleep(0.3)
    assert not done.is_set() and intake.backlog == 2
    got = [intake.get() for _ in items]
    assert done.wait(2)
    assert got == items
    assert intake.backpressure_s > 0


def test_oversize_is_rejected_before_queueing() -> None:
    rejected = []
    intake = Intake(T, on_reject=lambda t, p, r: rejected.append(r))
    intake.put((T.pos, b"x" * (MAX_PAYLOAD_BYTES + 1), None))
    assert intake.backlog == 0 and rejected[0].startswith("payload: 65537 bytes")


def test_unreadable_positions_are_not_coalesced_together() -> None:
    intake = Intake(T)
    intake.put((T.location, b"not json", None))
    intake.put((T.location, b"{}", None))
    assert intake.backlog == 2


def test_stop_sentinel_after_the_backlog() -> None:
    intake = Intake(T)
    intake.put(loc("a"))
    intake.put(None)
    assert intake.get() is not None
    assert intake.get() is None


def test_seen_window_counts_duplicates_within_the_window_only() -> None:
    now = [0.0]
    seen = SeenWindow(window_s=10, cap=3, clock=lambda: now[0])
    assert not seen.duplicate("pos", "a")
    seen.accept("pos", "a")
    assert seen.duplicate("pos", "a") and not seen.duplicate("interaction", "a")
    now[0] = 11
    assert not seen.duplicate("pos", "a")
    for i in range(5):
        seen.accept("pos", str(i))
    assert len(seen) == 3


def test_top_counter_bounds_its_keys() -> None:
    c = TopCounter(max_keys=4)
    for i in range(100):
        c[f"field{i}"] += 1
    c["field0"] += 5
    assert len(c) == 5 and sum(c.values()) == 105  # four named keys + other
    top = c.top(2)
    assert top["field0"] == 6 and sum(top.values()) == 105 and "other" in top


def test_log_throttle_logs_once_per_interval_and_counts_the_rest(caplog) -> None:
    import logging

    from edge.admission import LogThrottle

    now = [0.0]
    throttle = LogThrottle(1.0, clock=lambda: now[0])
    logger = logging.getLogger("throttle-test")
    with caplog.at_level(logging.WARNING, logger="throttle-test"):
        for i in range(1000):
            now[0] = i * 0.01  # 1,000 events over 10 s
            throttle(logger, logging.WARNING, "bad ack on %s", "t")
    assert len(caplog.records) == 10
    assert "(+99 more since the last line)" in caplog.records[1].getMessage()


def test_a_network_thread_runs_a_message_itself_only_when_nothing_is_queued_or_handled() -> None:
    """Hybrid dispatch: claim() is granted to one thread at a time, only on an idle,
    empty intake; what comes meanwhile is queued and the worker takes it only
    after release(), so one link's messages stay in order."""
    intake = Intake(T)
    assert intake.claim(100)  # idle and empty: run it here
    assert not intake.claim(100)  # someone (this claim) is handling
    intake.put(loc("a", sid="a1"))  # came meanwhile (e.g. on the other link): queued
    got: list[str] = []
    worker = threading.Thread(target=lambda: got.append(json.loads(intake.get()[1])["signal_id"]))
    worker.start()
    worker.join(0.2)
    assert worker.is_alive() and got == []  # the worker waits for the claim to end
    intake.release()
    worker.join(5)
    assert got == ["a1"]
    # The worker took a1 and has not come back for the next: still handling it.
    assert not intake.claim(100)
    intake.put(loc("b", sid="b1"))
    assert json.loads(intake.get()[1])["signal_id"] == "b1"  # its next get: a1 done
    assert not intake.claim(MAX_PAYLOAD_BYTES + 1)  # oversized: admission rejects it in put()
    intake.close()
    assert intake.get() is None
    assert not intake.claim(100)  # stopping: nothing more is taken on
    assert intake.ran_inline == 1 and intake.detail()["ran_inline"] == 1


def test_a_queued_message_keeps_the_network_thread_from_overtaking_it() -> None:
    intake = Intake(T)
    intake.put(loc("a", sid="a1"))
    assert not intake.claim(100)  # a1 must go first: the next one queues behind it
    intake.put(loc("a", sid="a2"))
    assert [json.loads(intake.get()[1])["signal_id"] for _ in range(2)] == ["a1", "a2"]
