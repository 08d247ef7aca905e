"""The device's numbers in one place: :mod:`registry` (counters, gauges, stage
timings, health, status blocks) read by :mod:`status` (the retained MQTT
DeviceStatus) and by a Prometheus ``/metrics`` endpoint alike."""

from edge.observability.registry import Metric, Registry, render_prometheus

__all__ = ["Metric", "Registry", "render_prometheus"]
