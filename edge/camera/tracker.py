"""A small multi-person tracker: greedy IoU association with a constant-velocity guess.

How it works, per frame:

1. Every live track predicts where its box is now: last box moved by its
   smoothed velocity times the time since it was last seen. (At 10 fps a
   walker moves a few pixels per frame; the prediction matters when a person is
   missed for a frame or two behind the lamp post.)
2. Detections are matched to tracks greedily, best IoU first, above
   ``iou_threshold``. Tracks and detections left over get a second, looser pass
   on centre distance (relative to box height), which catches a fast walker
   whose predicted box no longer overlaps. Greedy is enough here: people are
   few and mostly apart; a Hungarian solver would buy little and need SciPy.
3. Matched tracks take the detection's box; unmatched detections start new
   *tentative* tracks; a track becomes *confirmed* after ``min_hits``
   detections (a one-frame false positive never becomes a track anyone sees).
4. A track not seen for ``max_age_s`` is removed and reported as ended, so the
   zone logic can close its dwell.

Privacy: a track id is ``secrets.token_hex(4)``, random and never reused; it is
not derived from anything about the person, nothing about the person's
appearance is kept, and the id dies with the track (seconds after the person
leaves the view). A person who comes back gets a new id.

Time is the pipeline clock (media time for files), so results do not depend on
processing speed.
"""

from __future__ import annotations

import secrets
from dataclasses import dataclass, field

from edge.camera.detector import Detection

Box = tuple[float, float, float, float]


def iou(a: Box, b: Box) -> float:
    """Intersection over union of two (x1, y1, x2, y2) boxes."""
    ix1, iy1 = max(a[0], b[0]), max(a[1], b[1])
    ix2, iy2 = min(a[2], b[2]), min(a[3], b[3])
    inter = max(0.0, ix2 - ix1) * max(0.0, iy2 - iy1)
    if inter <= 0:
        return 0.0
    union = (a[2] - a[0]) * (a[3] - a[1]) + (b[2] - b[0]) * (b[3] - b[1]) - inter
    return inter / union if union > 0 else 0.0


def new_track_id() -> str:
    """Eight random hex characters: short-lived, unlinkable, not derived from the person."""
    return secrets.token_hex(4)


@dataclass
class Track:
    id: str
    box: Box
    first_seen: float
    last_seen: float
    hits: int = 1
    score: float = 0.0
    vx: float = 0.0
    vy: float = 0.0
    confirmed: bool = False
    matched: bool = field(default=True, repr=False)
    """Whether this frame's detection updated it (False while coasting on prediction)."""

    @property
    def ground_point(self) -> tuple[float, float]:
        """Bottom centre of the box: where the person stands."""
        return ((self.box[0] + self.box[2]) / 2.0, self.box[3])

    def predicted(self, t: float) -> Box:
        dt = t - self.last_seen
        dx, dy = self.vx * dt, self.vy * dt
        x1, y1, x2, y2 = self.box
        return (x1 + dx, y1 + dy, x2 + dx, y2 + dy)


class Tracker:
    """Links per-frame detections into anonymous tracks; see the module docstring."""

    def __init__(
        self,
        *,
        iou_threshold: float = 0.2,
        max_center_distance: float = 0.6,
        min_hits: int = 2,
        max_age_s: float = 1.0,
        velocity_smoothing: float = 0.5,
    ) -> None:
        self.iou_threshold = iou_threshold
        self.max_center_distance = max_center_distance
        self.min_hits = min_hits
        self.max_age_s = max_age_s
        self.alpha = velocity_smoothing
        self.tracks: list[Track] = []
        self.ids_issued = 0

    def update(self, detections: list[Detection], t: float) -> tuple[list[Track], list[Track]]:
        """Advance to time ``t``. Returns (confirmed live tracks, tracks that ended now)."""
        boxes: list[Box] = [(d.x1, d.y1, d.x2, d.y2) for d in detections]
        predicted = [trk.predicted(t) for trk in self.tracks]
        unmatched_t = set(range(len(self.tracks)))
        unmatched_d = set(range(len(boxes)))
        pairs: list[tuple[int, int]] = []

        scored = [
            (iou(predicted[ti], boxes[di]), ti, di)
            for ti in range(len(self.tracks))
            for di in range(len(boxes))
        ]
        for overlap, ti, di in sorted(scored, reverse=True):
            if overlap < self.iou_threshold or overlap <= 0:
                break
            if ti in unmatched_t and di in unmatched_d:
                pairs.append((ti, di))
                unmatched_t.discard(ti)
                unmatched_d.discard(di)

        # Second pass: centre distance in units of box height, for non-overlapping moves.
        near: list[tuple[float, int, int]] = []
        for ti in unmatched_t:
            p = predicted[ti]
            pcx, pcy, ph = (p[0] + p[2]) / 2, (p[1] + p[3]) / 2, max(1.0, p[3] - p[1])
            for di in unmatched_d:
                b = boxes[di]
                bcx, bcy = (b[0] + b[2]) / 2, (b[1] + b[3]) / 2
                dist = ((pcx - bcx) ** 2 + (pcy - bcy) ** 2) ** 0.5 / ph
                if dist <= self.max_center_distance:
                    near.append((dist, ti, di))
        for _, ti, di in sorted(near):
            if ti in unmatched_t and di in unmatched_d:
                pairs.append((ti, di))
                unmatched_t.discard(ti)
                unmatched_d.discard(di)

        for trk in self.tracks:
            trk.matched = False
        for ti, di in pairs:
            self._absorb(self.tracks[ti], detections[di], boxes[di], t)
        for di in sorted(unmatched_d):
            d = detections[di]
            self.ids_issued += 1
            self.tracks.append(
                Track(
                    id=new_track_id(),
                    box=boxes[di],
                    first_seen=t,
                    last_seen=t,
                    score=d.score,
                    confirmed=self.min_hits <= 1,
                )
            )

        ended = [trk for trk in self.tracks if t - trk.last_seen > self.max_age_s]
        self.tracks = [trk for trk in self.tracks if t - trk.last_seen <= self.max_age_s]
        return [trk for trk in self.tracks if trk.confirmed], [trk for trk in ended if trk.confirmed]

    def _absorb(self, trk: Track, det: Detection, box: Box, t: float) -> None:
        dt = t - trk.last_seen
        if dt > 0:
            # Smoothed velocity of the box centre, px/s.
            ocx, ocy = (trk.box[0] + trk.box[2]) / 2, (trk.box[1] + trk.box[3]) / 2
            ncx, ncy = (box[0] + box[2]) / 2, (box[1] + box[3]) / 2
            trk.vx = self.alpha * (ncx - ocx) / dt + (1 - self.alpha) * trk.vx
            trk.vy = self.alpha * (ncy - ocy) / dt + (1 - self.alpha) * trk.vy
        trk.box = box
        trk.last_seen = t
        trk.hits += 1
        trk.score = det.score
        trk.matched = True
        if trk.hits >= self.min_hits:
            trk.confirmed = True

    def finish(self) -> list[Track]:
        """End every track (end of stream): the confirmed ones, for the zone logic to close."""
        ended = [trk for trk in self.tracks if trk.confirmed]
        self.tracks = []
        return ended
