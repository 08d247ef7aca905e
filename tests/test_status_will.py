"""The broker-held last will: set at connect, it says only that the device went without
a clean stop (edge.observability.status.StatusReporter.will_payload)."""

from __future__ import annotations

import json

from edge.observability.registry import Registry
from edge.observability.status import StatusReporter


def test_the_last_will_holds_no_snapshot_of_half_built_blocks() -> None:
    """At connect the device is half built: a block reading a part not made yet raised,
    and the will carried {"error": ...} where the detail belongs; published by the broker
    after an unclean close, it stood as the retained status over the device's last word."""
    registry = Registry()

    def overload() -> dict:
        raise AttributeError("'Device' object has no attribute 'link'")

    registry.register_block("overload", overload)
    status = StatusReporter("d1", registry, model_version=lambda: "m1", clock=lambda: 1000.0)
    will = json.loads(status.will_payload())
    assert will["state"] == "offline" and will["model_version"] == "m1"
    assert will["detail"] == {"will": "the broker's word: the device went without a clean stop"}
    assert "error" in json.dumps(json.loads(status.payload("offline"))["detail"]["overload"])
