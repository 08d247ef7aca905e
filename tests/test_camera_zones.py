"""Zone mapping, enter/exit, dwell, linger, tracking and publish gating on synthetic tracks."""

from __future__ import annotations

import json
import re
from dataclasses import dataclass

from hypothesis import given
from hypothesis import strategies as st

from edge.camera.detector import Detection
from edge.camera.publisher import EventGate
from edge.camera.tracker import Tracker, iou
from edge.camera.zones import Area, ZoneEvent, ZoneMapper, point_in_polygon
from edge.comms.topics import CameraZoneEvent, dump

SQUARE_A = ((0.0, 0.0), (100.0, 0.0), (100.0, 100.0), (0.0, 100.0))
SQUARE_B = ((100.0, 0.0), (200.0, 0.0), (200.0, 100.0), (100.0, 100.0))
DISPLAY_AREA = ((150.0, 40.0), (190.0, 40.0), (190.0, 90.0), (150.0, 90.0))


@dataclass
class FakeTrack:
    id: str
    x: float
    y: float

    @property
    def ground_point(self) -> tuple[float, float]:
        return (self.x, self.y)


def mapper(**kw: float) -> ZoneMapper:
    areas = [Area("a", SQUARE_A), Area("b", SQUARE_B), Area("b", DISPLAY_AREA, display="screen-1")]
    opts = {"linger_s": 5.0, "exit_grace_s": 0.5, "dwell_report_s": 5.0, **kw}
    return ZoneMapper(areas, **opts)


def kinds(events: list[ZoneEvent]) -> list[tuple[str, str]]:
    return [(e.kind, e.zone) for e in events]


# ---- geometry ----------------------------------------------------------------


def test_point_in_polygon_concave() -> None:
    # An L shape: the notch at the top right is outside.
    ell = [(0, 0), (10, 0), (10, 4), (4, 4), (4, 10), (0, 10)]
    assert point_in_polygon((2, 2), ell)
    assert point_in_polygon((8, 2), ell)
    assert point_in_polygon((2, 8), ell)
    assert not point_in_polygon((8, 8), ell)
    assert not point_in_polygon((-1, 5), ell)


@given(st.floats(-50, 150), st.floats(-50, 150))
def test_point_in_square_matches_bounds(x: float, y: float) -> None:
    inside = 0 < x < 100 and 0 < y < 100
    on_edge = x in (0.0, 100.0) or y in (0.0, 100.0)
    if not on_edge:
        assert point_in_polygon((x, y), SQUARE_A) == inside


def test_ground_point_is_bottom_centre() -> None:
    assert Detection(10, 20, 30, 80, 0.9).ground_point == (20, 80)


# ---- zone events ---------------------------------------------------------------


def test_walk_from_a_to_b_enter_exit_with_dwell() -> None:
    z = mapper()
    trk = FakeTrack("t1", 50, 50)
    events = []
    t = 0.0
    # 3 s in A (10 fps), then move into B and stay 2 s.
    for _ in range(31):
        events += z.update([trk], [], t)
        t = round(t + 0.1, 1)
    trk.x = 120
    for _ in range(21):
        events += z.update([trk], [], t)
        t = round(t + 0.1, 1)
    assert kinds(events) == [("enter", "a"), ("enter", "b"), ("exit", "a")]
    exit_a = events[2]
    assert exit_a.track_id == "t1"
    assert exit_a.dwell_s == 3.0  # entered at 0, last inside at 3.0
    assert exit_a.t == 3.5  # last inside at 3.0, out at 3.1: exits once 0.5 s of grace has passed
    assert z.occupancy() == {"a": 0, "b": 1}


def test_border_jitter_does_not_flap() -> None:
    z = mapper(exit_grace_s=0.5)
    trk = FakeTrack("t1", 99, 50)
    events = []
    for i in range(40):
        trk.x = 99 if i % 2 == 0 else 101  # across the A/B border every frame
        events += z.update([trk], [], i * 0.1)
    assert kinds(events) == [("enter", "a"), ("enter", "b")]


def test_dwell_reported_periodically_and_closed_when_track_ends() -> None:
    z = mapper(dwell_report_s=2.0)
    trk = FakeTrack("t1", 50, 50)
    events = []
    for i in range(71):  # 0 .. 7.0 s
        events += z.update([trk], [], i * 0.1)
    dwell = [e.dwell_s for e in events if e.kind == "dwell"]
    assert dwell == [2.0, 4.0, 6.0]
    events = z.update([], [trk], 8.0)  # tracker says it ended
    assert kinds(events) == [("exit", "a")]
    assert events[0].dwell_s == 7.0
    assert z.occupancy() == {"a": 0, "b": 0}


def test_linger_once_per_visit_at_display() -> None:
    z = mapper(linger_s=3.0)
    trk = FakeTrack("t1", 170, 60)  # in B and in the display area
    events = []
    for i in range(60):  # 6 s standing
        events += z.update([trk], [], i * 0.1)
    lingers = [e for e in events if e.kind == "linger"]
    assert len(lingers) == 1
    assert lingers[0].display_id == "screen-1" and lingers[0].zone == "b"
    assert lingers[0].t == 3.0 and lingers[0].dwell_s == 3.0
    # Walk away (still in B), then come back: a new visit lingers again.
    trk.x = 120
    for i in range(60, 70):
        events += z.update([trk], [], i * 0.1)
    trk.x = 170
    for i in range(70, 110):
        events += z.update([trk], [], i * 0.1)
    assert len([e for e in events if e.kind == "linger"]) == 2


def test_passing_by_display_is_not_lingering() -> None:
    z = mapper(linger_s=3.0)
    trk = FakeTrack("t1", 120, 60)
    events = []
    for i in range(10):  # walks through the 40 px display area at 100 px/s
        trk.x = 120 + i * 10.0
        events += z.update([trk], [], i * 0.1)
    assert not [e for e in events if e.kind == "linger"]
    # A slow stroll (10 px/s) keeps the same person there for 4 s: that is lingering.
    z, events = mapper(linger_s=3.0), []
    for i in range(100):
        trk.x = 120 + i * 1.0
        events += z.update([trk], [], i * 0.1)
    assert [e.kind for e in events].count("linger") == 1


def test_occupancy_counts_members_of_each_zone() -> None:
    z = mapper()
    tracks = [FakeTrack("t1", 10, 10), FakeTrack("t2", 20, 20), FakeTrack("t3", 150, 50), FakeTrack("t4", 500, 500)]
    z.update(tracks, [], 0.0)
    assert z.occupancy() == {"a": 2, "b": 1}


# ---- tracker ---------------------------------------------------------------


def det(x: float, y: float, w: float = 20, h: float = 60) -> Detection:
    return Detection(x, y, x + w, y + h, 0.9)


def test_tracker_keeps_ids_through_a_miss_and_expires() -> None:
    tr = Tracker(min_hits=2, max_age_s=1.0)
    ids_seen: list[set[str]] = []
    for i in range(20):
        t = i * 0.1
        dets = [det(10 + 4 * i, 50), det(300 - 5 * i, 100)]
        if i == 10:
            dets = dets[:1]  # person 2 missed for one frame (occluded)
        live, ended = tr.update(dets, t)
        ids_seen.append({trk.id for trk in live})
        assert not ended
    assert ids_seen[0] == set()  # tentative until min_hits
    assert len(ids_seen[1]) == 2
    assert all(s == ids_seen[1] for s in ids_seen[1:])  # same two ids throughout, miss included
    assert all(re.fullmatch(r"[0-9a-f]{8}", i) for i in ids_seen[1])
    # Nobody for > max_age: both tracks end and are reported.
    live, ended = tr.update([], 3.5)
    assert live == [] and {trk.id for trk in ended} == ids_seen[1]
    # The same place again: a new, different id (ids are never reused).
    tr.update([det(10, 50)], 4.0)
    live, _ = tr.update([det(12, 50)], 4.1)
    assert live[0].id not in ids_seen[1]


def test_one_frame_false_positive_never_confirmed() -> None:
    tr = Tracker(min_hits=2, max_age_s=0.3)
    live, _ = tr.update([det(100, 100)], 0.0)
    assert live == []
    for i in range(1, 10):
        live, ended = tr.update([], i * 0.1)
        assert live == [] and ended == []


def test_fast_walker_matched_by_velocity_prediction() -> None:
    tr = Tracker(min_hits=1, max_age_s=1.0)
    ids = set()
    for i in range(10):
        live, _ = tr.update([det(10 + 25 * i, 50)], i * 0.1)  # 25 px/frame > box width
        ids |= {trk.id for trk in live}
    assert len(ids) == 1


def test_iou() -> None:
    assert iou((0, 0, 10, 10), (0, 0, 10, 10)) == 1.0
    assert iou((0, 0, 10, 10), (20, 20, 30, 30)) == 0.0
    assert abs(iou((0, 0, 10, 10), (5, 0, 15, 10)) - 1 / 3) < 1e-9


# ---- publish gating -----------------------------------------------------------


def gate(**kw: float) -> EventGate:
    opts = {"occupancy_min_interval_s": 1.0, "occupancy_heartbeat_s": 30.0, "max_events_per_s": 5.0, **kw}
    return EventGate("cam1", wall=lambda: 1_700_000_000.0, **opts)


def occ(messages: list[CameraZoneEvent]) -> list[tuple[str, int | None]]:
    return [(m.zone, m.occupancy) for m in messages if m.event == "occupancy"]


def test_occupancy_is_change_driven_not_per_frame() -> None:
    g = gate()
    sent = []
    for i in range(100):  # 10 s of frames, occupancy constant
        sent += g.offer([], {"a": 2}, i * 0.1)
    assert occ(sent) == [("a", 2)]  # first value only: no message per frame


def test_occupancy_change_held_until_interval_then_latest_sent() -> None:
    g = gate(occupancy_min_interval_s=1.0)
    assert occ(g.offer([], {"a": 1}, 0.0)) == [("a", 1)]
    assert occ(g.offer([], {"a": 2}, 0.3)) == []  # inside the interval: held
    assert occ(g.offer([], {"a": 3}, 0.6)) == []
    assert occ(g.offer([], {"a": 3}, 1.0)) == [("a", 3)]  # latest value when due
    # Flap 3 -> 4 -> 3 inside one interval: nothing new to say.
    assert occ(g.offer([], {"a": 4}, 1.2)) == []
    assert occ(g.offer([], {"a": 3}, 2.5)) == []
    assert g.stats.occupancy_held == 3


def test_occupancy_heartbeat_and_final_flush() -> None:
    g = gate(occupancy_heartbeat_s=5.0)
    g.offer([], {"a": 1}, 0.0)
    assert occ(g.offer([], {"a": 1}, 4.9)) == []
    assert occ(g.offer([], {"a": 1}, 5.0)) == [("a", 1)]
    g.offer([], {"a": 2}, 5.5)  # held
    assert occ(g.final({"a": 2}, 5.6)) == [("a", 2)]


def test_event_rate_cap_spares_linger() -> None:
    g = gate(max_events_per_s=5.0)
    burst = [ZoneEvent("enter", "a", 0.0, track_id=f"t{i}", dwell_s=0.0) for i in range(20)]
    burst.append(ZoneEvent("linger", "a", 0.0, track_id="t0", dwell_s=5.0, display_id="d1"))
    sent = [m for m in g.offer(burst, {}, 0.0)]
    assert [m.event for m in sent].count("enter") == 5
    assert [m.event for m in sent].count("linger") == 1
    assert g.stats.rate_limited == 15
    # Tokens refill with time: one second later five more may go.
    later = [ZoneEvent("exit", "a", 1.0, track_id=f"t{i}", dwell_s=1.0) for i in range(10)]
    assert len(g.offer(later, {}, 1.0)) == 5


def test_messages_are_valid_small_contract_payloads() -> None:
    g = gate()
    events = [
        ZoneEvent("enter", "a", 0.0, track_id="0a1b2c3d", dwell_s=0.0),
        ZoneEvent("linger", "a", 0.0, track_id="0a1b2c3d", dwell_s=5.0, display_id="d1"),
    ]
    messages = g.offer(events, {"a": 1}, 0.0)
    ids = set()
    for m in messages:
        raw = dump(m)
        assert len(raw) < 400
        parsed = CameraZoneEvent.model_validate_json(raw)
        assert parsed.camera_id == "cam1"
        ids.add(parsed.signal_id)
        assert set(json.loads(raw)) <= set(CameraZoneEvent.model_fields)
    assert len(ids) == len(messages)  # every message has its own signal id
