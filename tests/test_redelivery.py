"""A QoS 1 signal redelivered after a restart changes nothing twice.

The device acknowledges a QoS 1 message only after committing it; a crash in
between leaves it with the broker, which resends it to the next process. The
in-memory signal-id window is gone by then, so what keeps each kind
idempotent is on disk. Each message below is handled by one device, which is
then stopped, and handled again by a new device on the same database (what
the broker's resend amounts to); the second delivery must add no event, no
log row and no recommendation. Interactions and POS have their own tests
(tests/test_overload.py, tests/test_edge_agent.py); this covers the rest.
"""

from __future__ import annotations

import json
import time
from pathlib import Path

from edge_helpers import device_config, inventory, purchase, tiny_bundle, topics

from edge.app import Device
from edge.bundle import load_bundle
from edge.comms.topics import TopicTree
from firmware_config.signage import SignageConfig

T = topics()


class Recorder:
    """Stands in for the MQTT link: keeps what the agent publishes."""

    def __init__(self) -> None:
        self.published: list[tuple[str, dict]] = []

    def publish(self, topic: str, payload: bytes, **kw) -> None:
        self.published.append((topic, json.loads(payload)))

    def hold_wakes(self) -> None:
        """MqttLink's interface: nothing to wake here."""

    def release_wakes(self) -> None:
        """MqttLink's interface: nothing to wake here."""

    def recommendations(self) -> list[dict]:
        return [p for t, p in self.published if t.endswith("/recommendations")]


def boot(config) -> tuple[Device, Recorder]:
    device = Device(config, feedback_runtime=True)
    rec = Recorder()
    device.agent.link = rec  # type: ignore[assignment]
    device.log_writer.start()
    return device, rec


def shutdown(device: Device) -> None:
    device.log_writer.stop()
    device.store.close()


def counts(device: Device) -> dict[str, int]:
    conn = device.store.conn
    return {
        "reco_log": conn.execute("SELECT count(*) FROM reco_log").fetchone()[0],
        "impressions": conn.execute("SELECT count(*) FROM feedback_outbox WHERE kind='impression'").fetchone()[0],
        "events": conn.execute("SELECT count(*) FROM feedback_outbox").fetchone()[0],
        "purchases": conn.execute("SELECT count(*) FROM purchases").fetchone()[0],
    }


def twice(config, topic: str, body: bytes, *, props=None, before=None) -> tuple[dict, dict, Recorder]:
    """Counts after the first delivery and after the redelivery to a restarted device."""
    device, _ = boot(config)
    try:
        if before is not None:
            before(device)
        device.agent.handle(topic, body, props)
        device.log_writer.drain()
        first = counts(device)
    finally:
        shutdown(device)
    device, rec = boot(config)
    try:
        device.agent.handle(topic, body, props)
        device.log_writer.drain()
        second = counts(device)
    finally:
        shutdown(device)
    return first, second, rec


def test_a_redelivered_stock_count_refreshes_no_display_again(tmp_path: Path) -> None:
    config = device_config(tmp_path, None, tiny_bundle())
    device, rec = boot(config)
    try:
        device.agent.refresh("deli-screen", None)
        device.log_writer.drain()
        shown = rec.recommendations()[-1]["items"][0]["item_id"]
    finally:
        shutdown(device)
    body = json.dumps(inventory(shown, 0)).encode()  # sold out: the first delivery refreshes the screen
    first, second, rec2 = twice(config, T.inventory, body, before=lambda d: d.agent.refresh("deli-screen", None))
    assert first["reco_log"] >= 2  # the refresh before + the one the stock change caused
    assert second == first  # the redelivery: no new list, no log row, no impression
    assert rec2.recommendations() == []


def test_a_redelivered_purchase_is_recorded_and_attributed_once(tmp_path: Path) -> None:
    config = device_config(tmp_path, None, tiny_bundle())
    item = load_bundle(tiny_bundle()).items[0].item_id
    body = json.dumps(purchase([item], loyalty="m1", txn="till-1")).encode()
    first, second, _ = twice(config, T.pos, body)
    assert first["purchases"] == 1 and second == first


def test_a_redelivered_render_confirmation_is_one_proof_of_play(tmp_path: Path) -> None:
    config = device_config(tmp_path, None, tiny_bundle())
    config = config.model_copy(update={"signage": SignageConfig(displays=["deli-screen"], proof_of_play=True)})
    assert "deli-screen" in config.render_confirmed_displays()
    device, rec = boot(config)
    try:
        device.agent.refresh("deli-screen", None)  # held until a page draws it
        device.log_writer.drain()
        shown = rec.recommendations()[-1]
    finally:
        shutdown(device)
    body = json.dumps({"v": 1, "recommendation_id": shown["recommendation_id"],
                       "cause_signal_id": None, "shown_at": time.time()}).encode()
    first, second, _ = twice(config, T.rendered("deli-screen"), body)
    assert first["impressions"] == 1
    assert second == first


def test_a_redelivered_request_is_answered_but_logs_nothing(tmp_path: Path) -> None:
    from paho.mqtt.packettypes import PacketTypes
    from paho.mqtt.properties import Properties

    config = device_config(tmp_path, None, tiny_bundle())
    props = Properties(PacketTypes.PUBLISH)
    props.ResponseTopic = TopicTree(config.store_id, config.device_id).reply("kiosk") + "/r1"
    props.CorrelationData = b"r1"
    body = json.dumps({"v": 1, "request_id": "r1", "zone": "deli"}).encode()
    first, second, rec = twice(config, T.request, body, props=props)
    assert [t for t, _ in rec.published] == [props.ResponseTopic]  # answered again: harmless
    assert second == first and first["reco_log"] == 0  # a request is not a display's list

