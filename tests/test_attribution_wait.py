"""A purchase or pickup waits only for the impressions it is attributed to.

Waiting for the log writer to commit everything queued before every purchase
and pickup held the device's worker (and every signal queued behind it) for a
whole batch commit; attribution reads only the paying shopper's impressions
(a purchase) or the display's latest list (a pickup), so only those are waited
for. The device runs in process with its log writer stopped: any wait then
runs out its bound and is counted in ``drain_timeouts``.
"""

from __future__ import annotations

import json
import time
from pathlib import Path

from edge_helpers import device_config, location, purchase, signal_id, tiny_bundle, topics

from edge.app import Device
from edge.state.logwriter import LogWriter

T = topics()


def test_wait_committed_returns_at_once_for_committed_entries(tmp_path: Path) -> None:
    writer = LogWriter(tmp_path / "log.db", interval_s=0.01)
    row = ("r1", 1.0, "d1", "z1", None, None, None, "model", None, ["I1"])
    first = writer.put(row, None)
    second = writer.put(("r2", *row[1:]), None)
    assert second == first + 1
    t0 = time.monotonic()
    assert not writer.wait_committed(second, 0.05)  # not started: nothing commits
    assert time.monotonic() - t0 >= 0.04
    writer.start()
    assert writer.wait_committed(second, 5.0)
    t0 = time.monotonic()
    assert writer.wait_committed(first, 5.0) and time.monotonic() - t0 < 0.01
    writer.stop()


def test_purchases_and_pickups_wait_only_for_what_they_are_attributed_to(tmp_path: Path) -> None:
    device = Device(device_config(tmp_path, None, tiny_bundle()))
    agent = device.agent

    def send(topic: str, body: dict) -> None:
        device.handle(topic, json.dumps(body).encode())

    item = device.store.items[0].item_id
    send(T.location, location("produce", loyalty="A"))  # produce-screen now addresses A (pending)
    assert agent.drain_timeouts == 0
    send(T.pos, purchase([item]))  # anonymous: attributed to nothing
    send(T.pos, purchase([item], loyalty="B"))  # B was never shown anything
    pickup = {"v": 1, "signal_id": signal_id("int"), "ts": time.time(), "kind": "pickup", "item_id": item}
    send(T.interaction("deli-screen"), pickup)  # the deli screen never showed a list
    assert agent.drain_timeouts == 0
    t0 = time.monotonic()
    send(T.pos, purchase([item], loyalty="A"))  # A's impression is not on disk: wait, bounded
    assert agent.drain_timeouts == 1 and time.monotonic() - t0 < 1.0
    send(T.interaction("produce-screen"), {**pickup, "signal_id": signal_id("int")})
    assert agent.drain_timeouts == 2
    assert device.metrics.errors == 0 and not device.metrics.rejected
    device.log_writer.start()
    device.log_writer.stop()
