"""Admission before work: strict numbers, bounded fields and sizes, strict JSON out.

Each case was once accepted and then failed later (an inventory quantity >=
2^63 in SQLite, ``"ts": Infinity`` in outbox rows the cloud could not parse, a
5,000-line POS stalling every signal, a 16 MB payload parsed in full). Now each
is a dead letter naming the field, and everything the device writes for others
is JSON a strict parser reads.
"""

from __future__ import annotations

import json
import os
import sqlite3
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

import paho.mqtt.client as mqtt
import pytest
from edge_helpers import Probe, location, purchase, tiny_bundle, topics, wait_until
from paho.mqtt.enums import CallbackAPIVersion

from deploy.local_broker import BROKER_PAYLOAD_LIMIT, MosquittoBroker
from deploy.process import stop_process
from edge.comms.lean_paho import StoppableClient
from edge.comms.topics import MAX_PAYLOAD_BYTES, MAX_POS_LINES, PayloadError, strict_json

T = topics()


def strict_loads(data: bytes | str) -> Any:
    """json.loads that refuses NaN, Infinity and -Infinity, as a strict JSON parser does."""
    def refuse(token: str) -> Any:
        raise ValueError(f"not JSON: {token}")
    return json.loads(data, parse_constant=refuse)


def inv(quantity: Any, ts: Any = None, sid: str = "inv-1") -> bytes:
    ts_text = "1767225600.0" if ts is None else ts
    return (f'{{"v":1,"signal_id":"{sid}","ts":{ts_text},"item_id":"P001","quantity":{quantity}}}').encode()


@pytest.mark.parametrize(("payload", "where"), [
    (inv(3, "Infinity"), "ts: Input should be a finite number"),
    (inv(3, "-Infinity"), "ts: Input should be a finite number"),
    (inv(3, "NaN"), "ts: Input should be a finite number"),
    (inv(3, "1e400"), "ts: Input should be a finite number"),
    (inv(3, "9999999999999"), "ts: Input should be less than or equal to"),
    (inv(2**63), "quantity: Input should be less than or equal to 1000000"),
    (inv("1" + "0" * 400), "quantity:"),
    (inv("3.5"), "quantity: Input should be a valid integer"),
])
def test_non_finite_and_out_of_range_numbers_are_rejected_with_their_field(payload: bytes, where: str) -> None:
    with pytest.raises(PayloadError) as info:
        T.parse(T.inventory, payload)
    assert where in info.value.reason


def test_pos_lines_and_ids_are_bounded() -> None:
    sale = purchase([f"P{i:03d}" for i in range(MAX_POS_LINES + 1)], loyalty="l1")
    with pytest.raises(PayloadError, match=f"items: List should have at most {MAX_POS_LINES}"):
        T.parse(T.pos, json.dumps(sale).encode())
    sale = purchase(["P001"], loyalty="x" * 129)
    with pytest.raises(PayloadError, match="shopper.loyalty_id: String should have at most 128"):
        T.parse(T.pos, json.dumps(sale).encode())


def test_oversized_payload_is_refused_before_parsing() -> None:
    # Not even JSON: the size check answers before the parser would.
    with pytest.raises(PayloadError) as info:
        T.parse(T.location, b"{" * (MAX_PAYLOAD_BYTES + 1))
    assert info.value.reason == (f"payload: {MAX_PAYLOAD_BYTES + 1} bytes, more than the "
                                 f"{MAX_PAYLOAD_BYTES} allowed")


def test_strict_json_writes_null_for_non_finite_numbers() -> None:
    text = strict_json({"a": float("nan"), "b": [1.5, float("inf")], "c": {"d": -float("inf")}})
    assert strict_loads(text) == {"a": None, "b": [1.5, None], "c": {"d": None}}


def test_broker_refuses_a_payload_over_its_limit(broker: MosquittoBroker) -> None:
    got: list[bytes] = []
    sub = StoppableClient(CallbackAPIVersion.VERSION2, client_id="limit-sub", protocol=mqtt.MQTTv5)
    sub.on_message = lambda c, u, m: got.append(m.payload)
    sub.connect(broker.host, broker.port)
    sub.subscribe("limit/#", qos=1)
    sub.loop_start()
    pub = StoppableClient(CallbackAPIVersion.VERSION2, client_id="limit-pub", protocol=mqtt.MQTTv5)
    pub.connect(broker.host, broker.port)
    pub.loop_start()
    try:
        time.sleep(0.3)
        pub.publish("limit/mid", b"m" * (MAX_PAYLOAD_BYTES + 1), qos=1).wait_for_publish(5)
        pub.publish("limit/big", b"x" * (BROKER_PAYLOAD_LIMIT + 1), qos=0)
        # Over the limit costs the sender its connection (MQTT 5); paho reconnects.
        assert wait_until(pub.is_connected, 10)
        pub.publish("limit/small", b"ok", qos=1).wait_for_publish(5)
        assert wait_until(lambda: b"ok" in got, 5)
        assert [len(p) for p in got] == [MAX_PAYLOAD_BYTES + 1, 2]
    finally:
        for c in (pub, sub):
            c.disconnect()
            c.loop_stop()


def test_device_dead_letters_hostile_numbers_and_everything_it_writes_is_strict_json(
    tmp_path: Path, broker: MosquittoBroker
) -> None:
    """A real edge-device: the hostile payloads become dead letters with field
    paths and no traceback; valid signals still work; every payload it published
    and every outbox row parse with a strict JSON parser."""
    config = tmp_path / "device.toml"
    config.write_text(
        f'device_id = "dev1"\nstore_id = "teststore"\n[broker]\nport = {broker.port}\n'
        f'[model]\nbundle_path = "{tiny_bundle()}"\n[storage]\ndb_path = "state.db"\n'
        '[feedback.sync]\nenabled = false\n'
        '[[zones]]\nid = "produce"\ndepartments = ["PRODUCE"]\n'
        '[[displays]]\nid = "produce-screen"\nkind = "screen"\nzone = "produce"\n'
    )
    raw: list[tuple[str, bytes]] = []
    probe = Probe(broker)
    probe.client.on_message = lambda c, u, m: (raw.append((m.topic, m.payload)), Probe._on_message(probe, c, u, m))
    proc = subprocess.Popen([sys.executable, "-m", "edge.cli", "run", "--config", str(config)],
                            stderr=subprocess.PIPE, text=True, env={**os.environ, "PYTHONUNBUFFERED": "1"})
    hostile = [
        (T.inventory, inv(2**63, sid="h-big")),
        (T.inventory, inv(3, "Infinity", sid="h-inf")),
        (T.pos, json.dumps(purchase([f"P{i % 9:03d}" for i in range(MAX_POS_LINES + 1)], loyalty="l1")).encode()),
        (T.pos, json.dumps(purchase([f"P{i % 9:03d}" for i in range(5000)], loyalty="l1")).encode()),
        (T.location, b'{"v":1,"signal_id":"h-nan","ts":NaN,"shopper":{"track_id":"t"},"zone":"produce","action":"enter"}'),
        (T.interaction("produce-screen"), b'{"v":1,"signal_id":"h-i","ts":1e999,"kind":"touch"}'),
        (T.location, b" " * (MAX_PAYLOAD_BYTES + 10)),
    ]
    try:
        probe.wait_for(lambda t, b: t == T.status and (b or {}).get("state") == "online", timeout=30)
        for topic, payload in hostile:
            probe.publish(topic, payload, qos=1)
        assert wait_until(lambda: sum(t == T.deadletter for t, _, _ in list(probe.messages)) >= len(hostile), 10)
        reasons = [b["reason"] for t, b, _ in list(probe.messages) if t == T.deadletter]
        assert any(r.startswith("quantity: Input should be less than or equal") for r in reasons), reasons
        assert any(r.startswith("ts: Input should be a finite number") for r in reasons), reasons
        assert any(r.startswith("items: List should have at most") for r in reasons), reasons
        assert any(r.startswith(f"payload: {MAX_PAYLOAD_BYTES + 10} bytes") for r in reasons), reasons
        # Valid signals still work, and leave feedback in the outbox.
        sig = location("produce", track="ok")
        probe.publish(T.location, sig, qos=0)
        probe.reco_for(sig["signal_id"], "produce-screen", timeout=10)
        probe.publish(T.inventory, inv(4, sid="ok-inv"), qos=1)
        probe.publish(T.pos, purchase(["P001"], loyalty="l9"), qos=1)
    finally:
        stop_process(proc, 15)
        probe.close()
    err = proc.stderr.read() if proc.stderr else ""
    assert "Traceback" not in err, err[-3000:]
    assert raw
    for _topic, payload in raw:
        if payload:
            strict_loads(payload)
    with sqlite3.connect(tmp_path / "state.db") as db:
        rows = [r[0] for r in db.execute("SELECT payload FROM feedback_outbox")]
    assert rows
    for row in rows:
        strict_loads(row)


def test_hostile_payloads_on_every_inbound_topic_cause_no_traceback(tmp_path: Path, broker: MosquittoBroker) -> None:
    """The CI-scale run of ``benchmarks.overload --fuzz`` (100,000 there): a real device,
    800 hostile payloads over every inbound topic, then a valid signal that must
    still be answered; every dead letter starts with a field path."""
    from benchmarks.overload import run_fuzz

    config = tmp_path / "device.toml"
    config.write_text(
        f'device_id = "dev1"\nstore_id = "teststore"\n[broker]\nport = {broker.port}\n'
        f'[model]\nbundle_path = "{tiny_bundle()}"\n[storage]\ndb_path = "state.db"\n'
        '[feedback.sync]\nenabled = false\n'
        '[[zones]]\nid = "produce"\ndepartments = ["PRODUCE"]\n'
        '[[zones]]\nid = "deli"\ndepartments = ["DELI"]\n'
        '[[displays]]\nid = "produce-screen"\nkind = "screen"\nzone = "produce"\n'
        '[[displays]]\nid = "deli-screen"\nkind = "screen"\nzone = "deli"\n'
    )
    result = run_fuzz(T, ["produce", "deli"], ["produce-screen", "deli-screen"], broker, tmp_path, 800, 2000.0)
    assert result["tracebacks"] == 0 and result["internal_errors"] == 0, result
    assert result["alive_after"] and result["answered_after"], result
    assert result["deadletters_received"] > 150, result
    assert result["deadletters_with_field_path"] == result["deadletters_received"], result
    assert result["rejected_keys_in_status"] <= 11 and result["status_bytes_max"] < 16_384, result
    # Everything the device said during the fuzz, and every outbox row, reads with a strict parser.
    assert result["published_payloads"] > result["deadletters_received"], result
    assert result["published_not_strict_json"] == 0, result
    assert result["outbox_rows"] > 0 and result["outbox_not_strict_json"] == 0, result
