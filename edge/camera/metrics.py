"""edge-camera's ``/metrics`` and ``/healthz`` (edge/observability/http.py).

Everything is read from the pipeline's own counters when Prometheus scrapes:
nothing is added to the per-frame path. ``/healthz`` fails when no frame was
processed for ``stall_s`` (a hung detector or a source that stopped without
noticing); ``/readyz`` additionally needs the source to be online.
"""

from __future__ import annotations

import time
from typing import Any

from prometheus_client import CollectorRegistry, generate_latest
from prometheus_client.core import CounterMetricFamily, GaugeMetricFamily

from edge.observability.http import HealthServer


class CameraCollector:
    def __init__(self, camera_id: str, pipeline: Any, source_stats: Any) -> None:
        self.camera_id, self.pipeline, self.source = camera_id, pipeline, source_stats

    def collect(self):  # type: ignore[no-untyped-def]
        p, s, cam = self.pipeline, self.source, [self.camera_id]
        r = p.result

        def counter(name: str, help_: str, value: float) -> CounterMetricFamily:
            m = CounterMetricFamily(f"camera_{name}", help_, labels=["camera"])
            m.add_metric(cam, value)
            return m

        yield counter("frames", "Frames processed", r.frames)
        yield counter("corrupt_frames", "Frames the source delivered broken", s.corrupt_frames)
        yield counter("dropped_frames", "Frames dropped to keep up (max_fps, stalls)", s.dropped_frames)
        yield counter("reconnects", "Times the source was reopened", s.reconnects)
        yield counter("publish_failed", "MQTT publishes that failed", p.sink.failed)
        events = CounterMetricFamily("camera_events", "Zone events published, by kind", labels=["camera", "event"])
        for kind, n in sorted(r.events.items()):
            events.add_metric([self.camera_id, kind], n)
        yield events
        fps = GaugeMetricFamily("camera_fps", "Frames per second processed since start", labels=["camera"])
        fps.add_metric(cam, r.fps)
        yield fps
        online = GaugeMetricFamily("camera_source_online", "1 while the source delivers frames", labels=["camera"])
        online.add_metric(cam, 1.0 if s.state == "online" else 0.0)
        yield online
        lat = p.detector.latency.summary()
        det = GaugeMetricFamily("camera_detector_seconds", "Detector time per frame, percentiles of the run",
                                labels=["camera", "percentile"])
        for q in ("50", "99"):
            v = lat.get(f"detector_ms_p{q}")
            if v is not None:
                det.add_metric([self.camera_id, f"p{q}"], v / 1000.0)
        yield det


def start_health(host: str, port: int, camera_id: str, pipeline: Any, source_stats: Any,
                 stall_s: float = 30.0) -> HealthServer:
    registry = CollectorRegistry()
    registry.register(CameraCollector(camera_id, pipeline, source_stats))
    seen = {"frames": -1, "at": time.monotonic()}

    def progressing() -> bool:
        frames = pipeline.result.frames
        if frames != seen["frames"]:
            seen["frames"], seen["at"] = frames, time.monotonic()
        return time.monotonic() - seen["at"] < stall_s or source_stats.state == "retrying"

    def healthz() -> tuple[bool, dict]:
        return progressing(), {"frames": pipeline.result.frames, "source": source_stats.state}

    def readyz() -> tuple[bool, dict]:
        ok = progressing() and source_stats.state == "online"
        return ok, {"frames": pipeline.result.frames, "source": source_stats.state}

    return HealthServer(host, port, metrics=lambda: generate_latest(registry), healthz=healthz,
                        readyz=readyz).start()
