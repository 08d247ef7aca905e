"""A forged feedback ack loses nothing: the sender ignores (and counts) acks above
anything its outbox produced or for another epoch, and the real acks that follow
still confirm every event, which all reach the warehouse."""

from __future__ import annotations

import json
import time
from pathlib import Path

from edge_helpers import wait_until
from test_sync import assert_complete, produce, start_pipeline, wait_drained

from cloud_trainer.ingest import IngestService
from deploy.local_broker import MosquittoBroker
from edge.comms.mqtt import new_client, start
from edge.comms.topics import TopicTree
from edge.feedback.outbox import Outbox
from edge.feedback.sync import open_db


def _pending(db_path: Path) -> int:
    conn = open_db(db_path)
    try:
        return Outbox.stats(conn)["pending"]
    finally:
        conn.close()


def _forge(broker: MosquittoBroker, topic: str, **ack: object) -> None:
    c = new_client("forger")
    start(c, broker.host, broker.port, keepalive=60, blocking=True)
    c.publish(topic, json.dumps({"v": 1, "ts": time.time(), **ack}), qos=1, retain=True).wait_for_publish(5)
    c.disconnect()
    c.loop_stop()


def test_a_forged_ack_confirms_nothing_and_the_real_acks_still_do(broker: MosquittoBroker, tmp_path: Path) -> None:
    db_path, wh, ingest, sender = start_pipeline(broker, tmp_path)
    ack_topic = TopicTree("s1", "dev1").feedback_ack
    try:
        produce(db_path, 20, 1000.0)
        assert wait_drained(db_path, 20)["pending"] == 0
        ingest.stop()  # the cloud goes quiet: the next rows stay owed
        produce(db_path, 38, 1000.0)
        assert wait_until(lambda: sender.stats()["published"] >= 58, timeout=10)
        assert _pending(db_path) == 38
        epoch = Outbox.identity(open_db(db_path))[2]
        _forge(broker, ack_topic, device_id="dev1", epoch=epoch, watermark=1_000_000_000)
        _forge(broker, ack_topic, device_id="dev1", epoch="another-epoch", watermark=58)
        assert wait_until(lambda: sender.stats()["acks_forged"] >= 1 and sender.stats()["acks_ignored"] >= 1,
                          timeout=10)
        time.sleep(0.5)
        assert _pending(db_path) == 38  # nothing confirmed by the forgery
        ingest = IngestService(wh, broker.host, broker.port).start()  # the cloud is back
        stats = wait_drained(db_path, 60)  # re-sent after the confirm timeout, then really acked
    finally:
        sender.stop()
        ingest.stop()
    assert stats["pending"] == 0
    assert_complete(wh, 58)
