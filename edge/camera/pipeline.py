"""One camera's loop: frame -> detections -> tracks -> zone events -> gated messages.

Kept apart from the CLI so tests and the benchmark drive exactly the code path
``edge-camera`` runs. The loop is single-threaded (a live source's reader
thread only hands over the latest frame), so per-frame cost is what the
detector costs, and the frame rate it reports is real end-to-end throughput
including decoding.
"""

from __future__ import annotations

import json
import logging
import threading
import time
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import IO, Any

from edge.camera.debug import DebugWriter, MjpegServer, annotate
from edge.camera.detector import PersonDetector
from edge.camera.publisher import EventGate, Sink, status_payload
from edge.camera.source import Frame, SourceStats
from edge.camera.tracker import Tracker
from edge.camera.zones import ZoneMapper
from edge.comms.topics import TopicTree, dump

log = logging.getLogger("edge.camera")


@dataclass
class RunResult:
    frames: int = 0
    elapsed_s: float = 0.0
    people_total: int = 0
    events: dict[str, int] = field(default_factory=dict)

    @property
    def fps(self) -> float:
        return self.frames / self.elapsed_s if self.elapsed_s > 0 else 0.0

    @property
    def mean_people(self) -> float:
        return self.people_total / self.frames if self.frames else 0.0


class Pipeline:
    """Wires the stages; ``run()`` consumes frames until the source ends or ``stop()``."""

    def __init__(
        self,
        *,
        camera_id: str,
        detector: PersonDetector,
        tracker: Tracker,
        zones: ZoneMapper,
        gate: EventGate,
        sink: Sink,
        tree: TopicTree,
        source_stats: SourceStats,
        counts_out: IO[str] | None = None,
        debug_writer: DebugWriter | None = None,
        debug_every: int = 1,
        mjpeg: MjpegServer | None = None,
        status_interval_s: float = 10.0,
    ) -> None:
        self.camera_id = camera_id
        self.detector = detector
        self.tracker = tracker
        self.zones = zones
        self.gate = gate
        self.sink = sink
        self.zone_topic = tree.camera_zone(camera_id)
        self.status_topic = tree.camera_status(camera_id)
        self.source_stats = source_stats
        self.counts_out = counts_out
        self.debug_writer = debug_writer
        self.debug_every = debug_every
        self.mjpeg = mjpeg
        self.status_interval_s = status_interval_s
        self.result = RunResult()
        self._stop = threading.Event()
        self._last_status = 0.0
        self._lock = threading.Lock()

    def stop(self) -> None:
        self._stop.set()

    def health(self) -> dict[str, Any]:
        return {
            "frames": self.result.frames,
            "fps": round(self.result.fps, 2),
            **self.source_stats.as_dict(),
            "detector_ms_p50": self.detector.latency.percentile_ms(50),
            "messages": self.sink.sent,
            "rate_limited": self.gate.stats.rate_limited,
            "publish_failed": self.sink.failed,
        }

    def publish_status(self, state: str, extra: dict[str, Any] | None = None) -> None:
        detail = {**self.health(), **(extra or {})}
        with self._lock:  # the live reader thread reports state changes too
            self.sink.send(self.status_topic, status_payload(self.camera_id, state, detail), qos=1, retain=True)

    def _send(self, messages: Iterable[Any]) -> None:
        for msg in messages:
            self.result.events[msg.event] = self.result.events.get(msg.event, 0) + 1
            self.sink.send(self.zone_topic, dump(msg), qos=0)

    def run(self, frames: Iterable[Frame]) -> RunResult:
        self.publish_status("online")
        self._last_status = time.monotonic()
        start = time.perf_counter()
        t = 0.0
        for frame in frames:
            t = frame.t
            detections = self.detector.detect(frame.image)
            tracks, ended = self.tracker.update(detections, t)
            events = self.zones.update(tracks, ended, t)
            occupancy = self.zones.occupancy()
            self._send(self.gate.offer(events, occupancy, t))
            self.result.frames += 1
            self.result.people_total += len(detections)
            if self.counts_out is not None:
                self.counts_out.write(json.dumps({"frame": frame.index, "people": len(detections)}) + "\n")
            if (self.debug_writer or self.mjpeg) and self.result.frames % self.debug_every == 0:
                image = annotate(
                    frame.image,
                    areas=self.zones.areas,
                    detections=detections,
                    tracks=tracks,
                    occupancy=occupancy,
                    caption=f"frame {frame.index}  people {len(detections)}  t={t:.1f}s",
                )
                if self.debug_writer:
                    self.debug_writer.write(image, frame.index)
                if self.mjpeg:
                    self.mjpeg.push(image)
            now = time.monotonic()
            if now - self._last_status >= self.status_interval_s:
                self._last_status = now
                self.result.elapsed_s = time.perf_counter() - start
                self.publish_status(self.source_stats.state if self.source_stats.state == "retrying" else "online")
            if self._stop.is_set():
                break
        self.result.elapsed_s = time.perf_counter() - start
        # End of stream: close every visit so dwell times are complete.
        closing = self.zones.update([], self.tracker.finish(), t)
        self._send(self.gate.offer(closing, self.zones.occupancy(), t))
        self._send(self.gate.final(self.zones.occupancy(), t))
        return self.result

    def summary(self, source_fps: float | None) -> dict[str, Any]:
        r = self.result
        out: dict[str, Any] = {
            "frames": r.frames,
            "fps": round(r.fps, 2),
            "mean_people": round(r.mean_people, 3),
        }
        if source_fps:
            out["realtime_factor"] = round(r.fps / source_fps, 2)
        out.update(self.detector.latency.summary())
        out.update(
            {
                "corrupt_frames": self.source_stats.corrupt_frames,
                "dropped_frames": self.source_stats.dropped_frames,
                "reconnects": self.source_stats.reconnects,
                "tracks": self.tracker.ids_issued,
                "events": dict(sorted(r.events.items())),
                "messages": self.sink.sent,
                "message_bytes": self.sink.bytes,
                "rate_limited": self.gate.stats.rate_limited,
                "publish_failed": self.sink.failed,
            }
        )
        return out


def open_counts(path: Path | None) -> IO[str] | None:
    if path is None:
        return None
    path.parent.mkdir(parents=True, exist_ok=True)
    return path.open("w", encoding="utf-8")
