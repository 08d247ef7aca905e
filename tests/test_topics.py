import json

import pytest

from edge.comms.topics import (
    LocationSignal,
    PayloadError,
    Recommendation,
    ShopperRef,
    TopicTree,
    all_schemas,
    dump,
)

TREE = TopicTree(store_id="s1", device_id="dev1")


def test_classify_every_inbound_topic() -> None:
    assert TREE.classify("store/s1/shopper/location") == ("location", {})
    assert TREE.classify("store/s1/camera/cam7/zone") == ("camera", {"camera_id": "cam7"})
    assert TREE.classify("store/s1/inventory") == ("inventory", {})
    assert TREE.classify("store/s1/pos") == ("pos", {})
    assert TREE.classify("store/s1/display/d3/interaction") == ("interaction", {"display_id": "d3"})
    assert TREE.classify("store/s1/device/dev1/request") == ("request", {})
    assert TREE.classify("store/s1/camera/cam7/status") == ("camera_status", {"camera_id": "cam7"})
    assert TREE.classify("store/s1/device/other/request") is None
    assert TREE.classify("store/s2/pos") is None


def test_round_trip_location() -> None:
    sig = LocationSignal(signal_id="a1", ts=10.0, shopper=ShopperRef(track_id="t9"), zone="produce", action="enter")
    parsed = TREE.parse(TREE.location, dump(sig))
    assert parsed.payload == sig
    assert parsed.payload.shopper.key == "t:t9"


@pytest.mark.parametrize(
    ("payload", "reason"),
    [
        (b"not json", "Invalid JSON"),
        (b'{"v": 2}', "v: Input should be 1"),
        (b'{"v":1,"signal_id":"a","ts":1,"shopper":{},"zone":"z","action":"enter"}', "one of track_id or loyalty_id"),
        (b'{"v":1,"signal_id":"a","ts":1,"shopper":{"track_id":"t"},"zone":"z","action":"jump"}', "action"),
        (b'{"v":1,"signal_id":"a","ts":1,"shopper":{"track_id":"t"},"zone":"z","action":"enter","x":1}', "x: Extra inputs"),
    ],
)
def test_bad_payload_names_topic_and_reason(payload: bytes, reason: str) -> None:
    with pytest.raises(PayloadError) as info:
        TREE.parse(TREE.location, payload)
    assert info.value.topic == TREE.location
    assert reason in str(info.value)


def test_schemas_are_versioned_json() -> None:
    schemas = all_schemas()
    for name in ("location", "camera", "inventory", "pos", "interaction", "request", "recommendations", "status", "feedback"):
        assert "v" in schemas[name]["properties"], name
    assert json.loads(json.dumps(schemas))
    assert "cause" in Recommendation.model_fields


def test_parse_keeps_each_topics_params_and_still_refuses_foreign_topics() -> None:
    """parse() remembers classifications per topic: each display keeps its own id,
    a topic that is not ours is refused every time, and the memo stays bounded."""
    body = b'{"v":1,"signal_id":"a","ts":1,"kind":"touch"}'
    for _ in range(2):
        assert TREE.parse(TREE.interaction("d1"), body).params == {"display_id": "d1"}
        assert TREE.parse(TREE.interaction("d2"), body).params == {"display_id": "d2"}
        with pytest.raises(PayloadError, match="not an inbound topic"):
            TREE.parse("store/s2/pos", b"{}")
    for i in range(3000):
        TREE.parse(TREE.interaction(f"x{i}"), body)
    assert len(TREE._classified) <= 1024
    assert TopicTree(store_id="s1", device_id="dev1") == TREE  # the memo is not part of equality
