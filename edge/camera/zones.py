"""From tracks to zone events: occupancy, enter/exit, dwell, lingering at a display.

A person is *where their feet are*: the ground point is the bottom centre of the
box, which on a fixed, downward-looking camera lies on the floor plane the
installer drew the zone polygons on (a head or box centre would shift with the
person's height and the camera's tilt).

Per confirmed track and per store zone we keep a membership: when it entered,
when it was last seen inside, when its dwell was last reported. Rules:

* **enter** the first frame the ground point is inside one of the zone's polygons;
* **exit** once it has been outside every one of them for ``exit_grace_s`` (a
  box jittering across a border does not flap), or when the track ends; the
  exit carries the final dwell (entry to last time seen inside);
* **dwell** every ``dwell_report_s`` while the track stays in;
* **linger** once per visit, when a track has stayed in the area of a display
  for ``linger_s`` (the same exit grace applies to leaving the area);
* **occupancy** of a zone is the number of its current members; the publisher
  decides when to send it (change-driven, rate-limited).

All times are the pipeline clock (media time for a file), so the logic is
deterministic on recorded video and unit-testable with synthetic tracks.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from typing import Literal, Protocol

EventKind = Literal["occupancy", "enter", "exit", "dwell", "linger"]
Point = tuple[float, float]


def point_in_polygon(point: Point, polygon: Sequence[Point]) -> bool:
    """Even-odd ray casting; points exactly on an edge may fall either way (harmless here)."""
    x, y = point
    inside = False
    n = len(polygon)
    j = n - 1
    for i in range(n):
        xi, yi = polygon[i]
        xj, yj = polygon[j]
        if (yi > y) != (yj > y):
            x_cross = xi + (y - yi) * (xj - xi) / (yj - yi)
            if x < x_cross:
                inside = not inside
        j = i
    return inside


class TrackLike(Protocol):
    id: str

    @property
    def ground_point(self) -> Point: ...


class AreaLike(Protocol):
    zone: str
    polygon: Sequence[Point]
    display: str | None


@dataclass(frozen=True)
class Area:
    zone: str
    polygon: tuple[Point, ...]
    display: str | None = None


@dataclass(frozen=True)
class ZoneEvent:
    kind: EventKind
    zone: str
    t: float
    occupancy: int | None = None
    track_id: str | None = None
    dwell_s: float | None = None
    display_id: str | None = None


@dataclass
class _Membership:
    entered: float
    last_inside: float
    last_report: float


@dataclass
class _Presence:
    zone: str
    since: float
    last_inside: float
    lingered: bool = False


@dataclass
class ZoneMapper:
    """Turns confirmed tracks into zone events; one instance per camera."""

    areas: list[Area]
    linger_s: float = 5.0
    exit_grace_s: float = 0.5
    dwell_report_s: float = 5.0
    _members: dict[str, dict[str, _Membership]] = field(default_factory=dict, init=False)
    _presence: dict[str, dict[str, _Presence]] = field(default_factory=dict, init=False)

    @classmethod
    def from_config(
        cls,
        zones: Iterable[AreaLike],
        *,
        linger_s: float,
        exit_grace_s: float,
        dwell_report_s: float,
    ) -> ZoneMapper:
        areas = [Area(z.zone, tuple((float(x), float(y)) for x, y in z.polygon), z.display) for z in zones]
        return cls(areas, linger_s=linger_s, exit_grace_s=exit_grace_s, dwell_report_s=dwell_report_s)

    @property
    def zone_ids(self) -> list[str]:
        return sorted({a.zone for a in self.areas})

    def locate(self, point: Point) -> tuple[set[str], dict[str, str]]:
        """Zones containing the point, and displays whose area contains it (display -> zone)."""
        zones: set[str] = set()
        displays: dict[str, str] = {}
        for area in self.areas:
            if point_in_polygon(point, area.polygon):
                zones.add(area.zone)
                if area.display is not None:
                    displays.setdefault(area.display, area.zone)
        return zones, displays

    def occupancy(self) -> dict[str, int]:
        counts = dict.fromkeys(self.zone_ids, 0)
        for zones in self._members.values():
            for zone in zones:
                counts[zone] += 1
        return counts

    def update(self, tracks: Iterable[TrackLike], ended: Iterable[TrackLike], t: float) -> list[ZoneEvent]:
        """Events caused by the tracks' positions at time ``t`` (and by tracks that ended)."""
        events: list[ZoneEvent] = []
        for trk in tracks:
            zones, displays = self.locate(trk.ground_point)
            events += self._update_zones(trk.id, zones, t)
            events += self._update_displays(trk.id, displays, t)
        for trk in ended:
            events += self.close_track(trk.id, t)
        return events

    def close_track(self, track_id: str, t: float) -> list[ZoneEvent]:
        """The track is gone: exit every zone it was in, at the last time it was seen inside."""
        events = [
            ZoneEvent("exit", zone, t, track_id=track_id, dwell_s=round(m.last_inside - m.entered, 2))
            for zone, m in sorted(self._members.pop(track_id, {}).items())
        ]
        self._presence.pop(track_id, None)
        return events

    def _update_zones(self, track_id: str, inside: set[str], t: float) -> list[ZoneEvent]:
        events: list[ZoneEvent] = []
        members = self._members.setdefault(track_id, {})
        for zone in sorted(inside):
            m = members.get(zone)
            if m is None:
                members[zone] = _Membership(entered=t, last_inside=t, last_report=t)
                events.append(ZoneEvent("enter", zone, t, track_id=track_id, dwell_s=0.0))
                continue
            m.last_inside = t
            if t - m.last_report >= self.dwell_report_s:
                m.last_report = t
                events.append(ZoneEvent("dwell", zone, t, track_id=track_id, dwell_s=round(t - m.entered, 2)))
        for zone in sorted(set(members) - inside):
            m = members[zone]
            if t - m.last_inside >= self.exit_grace_s:
                del members[zone]
                events.append(
                    ZoneEvent("exit", zone, t, track_id=track_id, dwell_s=round(m.last_inside - m.entered, 2))
                )
        if not members:
            del self._members[track_id]
        return events

    def _update_displays(self, track_id: str, near: dict[str, str], t: float) -> list[ZoneEvent]:
        events: list[ZoneEvent] = []
        presence = self._presence.setdefault(track_id, {})
        for display, zone in sorted(near.items()):
            p = presence.get(display)
            if p is None:
                p = presence[display] = _Presence(zone=zone, since=t, last_inside=t)
            p.last_inside = t
            if not p.lingered and t - p.since >= self.linger_s:
                p.lingered = True
                events.append(
                    ZoneEvent(
                        "linger", p.zone, t, track_id=track_id, dwell_s=round(t - p.since, 2), display_id=display
                    )
                )
        for display in sorted(set(presence) - set(near)):
            if t - presence[display].last_inside >= self.exit_grace_s:
                del presence[display]  # a later return is a new visit and may linger again
        if not presence:
            del self._presence[track_id]
        return events
