"""``benchmarks.handle_cpu --by-kind`` wraps the log writer's methods to time them:
the wrapped writer must still write what the device writes (a wrapper that dropped an
argument once made every transaction fail and be retried, timing the retries)."""

from __future__ import annotations

import json
from pathlib import Path

from edge_helpers import device_config, inventory, location, purchase, tiny_bundle, topics

from benchmarks import handle_cpu
from edge.app import Device
from edge.feedback.runtime import FeedbackRuntime


def test_timed_log_writer_commits_every_transaction_without_errors(tmp_path: Path) -> None:
    config = device_config(tmp_path, None, tiny_bundle())
    device = Device(config, feedback=FeedbackRuntime(config).sink_factory)
    parts = handle_cpu._time_log_writer(device)
    device.log_writer.start()
    try:
        t = topics()
        zone = config.zones[0].id
        for i in range(20):
            device.handle(t.location, json.dumps(location(zone, loyalty=f"m{i}")).encode())
            device.handle(t.pos, json.dumps(purchase(["P001"], loyalty=f"m{i}")).encode())
            device.handle(t.inventory, json.dumps(inventory("P002", 10 + i)).encode())
        writer = device.log_writer
        assert writer.drain(10), "the log writer did not commit what was queued"
        assert (writer.errors, writer.retries, writer.write_errors, writer.dropped) == (0, 0, 0, 0)
        assert parts["transactions"][0] >= 1 and parts["impressions"][0] >= 20
        assert parts["pos_write"][0] == 20 and parts["inventory_write"][0] == 20
    finally:
        device.log_writer.stop()
