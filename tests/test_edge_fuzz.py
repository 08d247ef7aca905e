"""Property-based fuzzing of every inbound topic: the device loop never stops.

Hypothesis generates raw bytes, arbitrary JSON and near-valid payloads (one
field replaced, removed or added) for each inbound topic kind. Every message
must be either handled or rejected with a counted reason, never raise, and
the device must still answer a valid signal through the real broker after.
"""

from __future__ import annotations

import json
import time
from collections.abc import Iterator

import pytest
from edge_helpers import Probe, device_config, location, tiny_bundle, topics
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from paho.mqtt.packettypes import PacketTypes
from paho.mqtt.properties import Properties

from deploy.local_broker import MosquittoBroker
from edge.app import Device

T = topics()
KINDS = ("location", "camera", "inventory", "pos", "interaction", "request")


def valid(kind: str) -> tuple[str, dict]:
    now = time.time()
    base = {"v": 1, "signal_id": "fz", "ts": now}
    shopper = {"track_id": "fz-t", "loyalty_id": "fz-l"}
    return {
        "location": (T.location, {**base, "shopper": shopper, "zone": "deli", "action": "enter"}),
        "camera": (T.camera_zone("cam1"), {**base, "camera_id": "cam1", "zone": "grocery", "event": "linger",
                                           "track_id": "c1", "dwell_s": 3.0, "display_id": "grocery-shelf"}),
        "inventory": (T.inventory, {**base, "item_id": "P001", "quantity": 3, "shelf": "deli-screen"}),
        "pos": (T.pos, {**base, "transaction_id": "fz-txn", "shopper": shopper,
                        "items": [{"item_id": "P002", "quantity": 1, "price": 2.5}]}),
        "interaction": (T.interaction("deli-screen"), {**base, "kind": "pickup", "item_id": "P003",
                                                        "shopper": shopper}),
        "request": (T.request, {"v": 1, "request_id": "fz-r", "display_id": "deli-screen", "k": 3}),
    }[kind]


json_values = st.recursive(
    st.none() | st.booleans() | st.integers(-(2**70), 2**70) | st.floats(allow_nan=True)
    | st.text(max_size=40),
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(st.text(max_size=10), inner, max_size=4),
    max_leaves=12,
)


@st.composite
def payloads(draw, kind: str) -> bytes:
    topic, body = valid(kind)
    how = draw(st.sampled_from(["bytes", "json", "replace", "drop", "add", "valid"]))
    if how == "bytes":
        return draw(st.binary(max_size=300))
    if how == "json":
        return json.dumps(draw(json_values)).encode()
    body = dict(body)
    key = draw(st.sampled_from(sorted(body)))
    if how == "replace":
        body[key] = draw(json_values)
    elif how == "drop":
        body.pop(key)
    elif how == "add":
        body[draw(st.text(min_size=1, max_size=8))] = draw(json_values)
    if "signal_id" in body and isinstance(body["signal_id"], str):
        body["signal_id"] = f"fz-{draw(st.integers(0, 10**9))}"
    return json.dumps(body, allow_nan=True).encode()


@pytest.fixture(scope="module")
def live(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[Device, MosquittoBroker]]:
    work = tmp_path_factory.mktemp("edge-fuzz")
    broker = MosquittoBroker(workdir=work / "broker", persistence=False).start()
    agent = Device(device_config(work, broker, tiny_bundle()))
    agent.start()
    assert agent.link.subscribed.wait(10)
    yield agent, broker
    agent.stop()
    broker.cleanup()


def reply_props() -> Properties:
    props = Properties(PacketTypes.PUBLISH)
    props.ResponseTopic = T.reply("probe") + "/fuzz"  # inside the reply namespace: really answered
    props.CorrelationData = b"c"
    return props


@pytest.mark.parametrize("kind", KINDS)
def test_handle_never_raises_and_counts_every_rejection(live, kind: str) -> None:
    agent, _ = live
    topic, _ = valid(kind)

    @settings(max_examples=120, deadline=None, suppress_health_check=[HealthCheck.too_slow])
    @given(body=payloads(kind), with_props=st.booleans())
    def run(body: bytes, with_props: bool) -> None:
        before = agent.metrics.handled + sum(agent.metrics.rejected.values())
        agent.handle(topic, body, reply_props() if with_props else None)
        after = agent.metrics.handled + sum(agent.metrics.rejected.values())
        assert after == before + 1  # handled or rejected, exactly once

    run()
    assert agent.metrics.errors == 0, "a payload reached a handler bug"


def test_fuzzed_traffic_through_the_broker_then_a_valid_signal_is_answered(live) -> None:
    agent, broker = live
    probe = Probe(broker)
    try:
        data = st.tuples(st.sampled_from(KINDS), st.data())

        @settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
        @given(pick=data)
        def send(pick) -> None:
            kind, d = pick
            topic, _ = valid(kind)
            body = d.draw(payloads(kind))
            probe.client.publish(topic, body, qos=1, properties=reply_props() if kind == "request" else None)

        send()
        # Also topics nobody should publish to, and the wrong device's request topic.
        probe.client.publish(f"{T.base}/device/other/request", b"{}", qos=1)
        good = location("produce", track="after-fuzz")
        probe.publish(T.location, good, qos=1)
        assert probe.reco_for(good["signal_id"], "produce-screen", timeout=20)["shopper"] == "t:after-fuzz"
        assert agent.metrics.errors == 0
        assert agent.link.connected.is_set()
    finally:
        probe.close()
