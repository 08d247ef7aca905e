"""A flood of malformed acks costs the feedback sender a few log lines, not one per ack."""

from __future__ import annotations

import logging
import time
from pathlib import Path

import pytest

from deploy.local_broker import MosquittoBroker
from edge.comms.mqtt import new_client, start
from edge.comms.topics import TopicTree
from edge.feedback.outbox import create_schema
from edge.feedback.sync import FeedbackSender, open_db
from firmware_config.schema import BrokerConfig


def test_bad_acks_are_logged_with_a_throttle(tmp_path: Path, broker: MosquittoBroker,
                                             caplog: pytest.LogCaptureFixture) -> None:
    db = open_db(tmp_path / "state.db")
    db.execute("BEGIN")
    create_schema(db, "dev1", "s1")
    db.execute("COMMIT")
    db.close()
    sender = FeedbackSender(tmp_path / "state.db", BrokerConfig(host=broker.host, port=broker.port),
                            device_id="dev1", store_id="s1", client_id="dev1-feedback").start()
    attacker = new_client("bad-acker")
    start(attacker, broker.host, broker.port, keepalive=60, blocking=True)
    topic = TopicTree("s1", "dev1").feedback_ack
    try:
        with caplog.at_level(logging.WARNING, logger="edge.feedback.sync"):
            time.sleep(1.0)  # the sender subscribes
            t0 = time.monotonic()
            for i in range(2000):
                attacker.publish(topic, f'{{"v":1,"watermark":"x{i}"}}'.encode(), qos=1)
            time.sleep(1.5)
            elapsed = time.monotonic() - t0
        lines = [r for r in caplog.records if "bad ack" in r.getMessage()]
        assert sender._bad_ack_log.total >= 1000  # noqa: SLF001 - they arrived
        assert 1 <= len(lines) <= elapsed + 2
    finally:
        attacker.disconnect()
        attacker.loop_stop()
        sender.stop()
