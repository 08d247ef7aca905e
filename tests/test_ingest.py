"""Cloud ingest over MQTT: shared subscription, acks. (The storage contract itself is
tests/test_warehouse_conformance.py, on SQLite and PostgreSQL.)"""

from __future__ import annotations

import json
import threading
import time
from pathlib import Path

import paho.mqtt.client as mqtt
from edge_helpers import wait_until

from cloud_trainer.ingest import IngestService, SQLiteWarehouse, feedback_filter
from deploy.local_broker import MosquittoBroker
from edge.comms.mqtt import new_client, start
from edge.comms.topics import FeedbackEvent, TopicTree


def ev(seq: int, device: str = "dev1", epoch: str = "e1", **data: object) -> FeedbackEvent:
    return FeedbackEvent(event_id=f"{device}:{epoch}:{seq}", device_id=device, store_id="s1", seq=seq,
                         kind="impression", ts=1000.0 + seq, model_version="m1", data=dict(data))


def test_shared_subscription_spreads_work_and_stores_each_event_once(broker: MosquittoBroker, tmp_path: Path) -> None:
    wh = SQLiteWarehouse(tmp_path / "wh.db")
    workers = [IngestService(wh, broker.host, broker.port, client_id=f"ingest-{i}").start() for i in range(2)]
    acks: list[dict] = []
    got_acks = threading.Event()
    sub = new_client("ack-watch")

    def on_message(c: mqtt.Client, u: object, msg: mqtt.MQTTMessage) -> None:
        acks.append(json.loads(msg.payload))
        if acks[-1]["watermark"] == 400:
            got_acks.set()

    sub.on_message = on_message
    start(sub, broker.host, broker.port, keepalive=60, blocking=True)
    sub.subscribe(TopicTree("s1", "dev1").feedback + "/ack", qos=1)
    try:
        assert all(w.wait_connected() for w in workers)
        time.sleep(0.3)  # let both SUBSCRIBEs land before publishing
        pub = new_client("pub")
        start(pub, broker.host, broker.port, keepalive=60, blocking=True)
        topic = TopicTree("s1", "dev1").feedback
        infos = [pub.publish(topic, ev(s).model_dump_json(), qos=1) for s in range(1, 401)]
        infos += [pub.publish(topic, ev(s).model_dump_json(), qos=1) for s in range(1, 51)]  # re-sends
        for info in infos:
            info.wait_for_publish(10)
        pub.loop_stop()
        pub.disconnect()
        wait_until(lambda: wh.integrity()["events"] >= 400, timeout=20, interval=0.1)
        assert got_acks.wait(10), acks[-3:]
    finally:
        for w in workers:
            w.stop()
        sub.loop_stop()
        sub.disconnect()
    received = [w.counters["received"] for w in workers]
    assert all(r > 0 for r in received), received  # the broker spread the group's messages
    assert sum(received) == 450
    integ = wh.integrity()
    assert integ["events"] == 400 and integ["duplicates_after_dedupe"] == 0
    assert integ["raw_duplicates_received"] == 50
    assert wh.watermark("dev1:e1") == 400
    assert feedback_filter() == "$share/ingest/store/+/device/+/feedback"
