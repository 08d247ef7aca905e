"""Where the edge processes serve ``/metrics``, ``/healthz`` and ``/readyz``
(edge/observability/http.py; edge-signage serves them on its own page port).

Loopback by default: metrics name displays, zones and model versions, which
belong to the store's operators, not to anyone on the shop-floor network. Set
``host`` to the edge box's management address for a Prometheus server elsewhere.
"""

from __future__ import annotations

from pydantic import Field

from firmware_config.bounds import HostName, StrictModel


class MetricsConfig(StrictModel):
    host: HostName = Field(default="127.0.0.1", title="Listen address",
                           description="Address the health/metrics server binds (loopback by default).")
    device_port: int = Field(default=9101, ge=0, le=65535, title="edge-device port",
                             description="Port of edge-device's /metrics, /healthz, /readyz; 0 turns them off.")
    camera_port: int = Field(default=9102, ge=0, le=65535, title="edge-camera port",
                             description="Port of edge-camera's /metrics and /healthz; 0 turns them off.")
