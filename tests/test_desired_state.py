"""The desired/reported state contract between the fleet service and a device."""

from __future__ import annotations

import pytest

from edge.comms.topics import (
    DesiredState,
    DeviceStatus,
    PayloadError,
    TopicTree,
    dump,
    parse_desired,
    reported,
)

TREE = TopicTree(store_id="s1", device_id="dev1")
GOOD = DesiredState(device_id="dev1", model_version="m-2", artifact_url="http://fleet:8080/artifacts/m-2.tar.gz",
                    sha256="a" * 64, size=1234, key_id="k1", rollout_id="r-1", ts=1.0)


def test_desired_topic_is_per_device() -> None:
    assert TREE.desired == "store/s1/device/dev1/desired"
    assert TopicTree("+", "+").desired == "store/+/device/+/desired"


def test_desired_round_trips_and_empty_payload_means_cleared() -> None:
    assert parse_desired(TREE.desired, dump(GOOD)) == GOOD
    assert GOOD.allow_downgrade is False
    assert parse_desired(TREE.desired, b"") is None


@pytest.mark.parametrize(
    ("payload", "reason"),
    [
        (b"{", "Invalid JSON"),
        (dump(GOOD).replace(b'"a' + b"a" * 63 + b'"', b'"xyz"'), "sha256"),
        (dump(GOOD).replace(b'"size":1234', b'"size":0'), "size"),
        (dump(GOOD)[:-1] + b',"extra":1}', "extra: Extra inputs"),
    ],
)
def test_malformed_desired_state_names_topic_and_field(payload: bytes, reason: str) -> None:
    with pytest.raises(PayloadError) as info:
        parse_desired(TREE.desired, payload)
    assert info.value.topic == TREE.desired
    assert reason in info.value.reason


def test_reported_state_reads_model_and_ota_blocks_and_tolerates_junk() -> None:
    status = DeviceStatus(device_id="dev1", state="online", ts=1.0, detail={
        "model": {"active": "m-2", "previous": "m-1"},
        "ota": {"state": "rolled_back", "version": "m-2", "reason": "slow_model: p99 9 ms", "extra": 1}})
    model, ota = reported(status)
    assert model is not None and (model.active, model.previous) == ("m-2", "m-1")
    assert ota is not None and ota.state == "rolled_back" and ota.reason.startswith("slow_model")
    junk = DeviceStatus(device_id="dev1", state="online", ts=1.0, detail={"model": 3, "ota": {"state": "dancing"}})
    assert reported(junk) == (None, None)


def test_device_topics_parse_from_a_wildcard_tree() -> None:
    cloud = TopicTree("+")
    assert cloud.parse_device_topic("store/s9/device/d7/status") == ("s9", "d7", "status")
    assert cloud.parse_device_topic("store/s9/display/d7/status") is None
    assert cloud.parse_device_topic("other/s9/device/d7/status") is None
