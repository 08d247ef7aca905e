"""The device under attack (issue 15), on a real broker with the real agent."""

from __future__ import annotations

import shutil
import time
from pathlib import Path

from edge_helpers import (
    Probe,
    device_config,
    inventory,
    location,
    purchase,
    start_agent,
    tiny_bundle,
    topics,
    wait_until,
)
from paho.mqtt.packettypes import PacketTypes
from paho.mqtt.properties import Properties

from deploy.local_broker import MosquittoBroker

T = topics()


def test_a_refused_bundle_on_first_boot_serves_an_empty_list_not_a_crash(
    tmp_path: Path, broker: MosquittoBroker, probe: Probe
) -> None:
    """No catalogue was ever stored and the bundle is refused: the device used to
    die with a traceback (exit 1) instead of the documented fallback."""
    bad = tmp_path / "bad-bundle"
    shutil.copytree(tiny_bundle(), bad)
    (bad / "items.json").unlink()
    (bad / "items.json").symlink_to(tiny_bundle() / "items.json")
    agent = start_agent(device_config(tmp_path, broker, bad))
    try:
        assert agent.scorer is None and str(agent.health["model_error"]).startswith("unsafe: ")
        sig = location("produce", track="x")
        probe.publish(T.location, sig, qos=0)
        rec = probe.reco_for(sig["signal_id"])
        assert rec["strategy"] == "popularity" and rec["items"] == []
    finally:
        agent.stop()


def _request(probe: Probe, response_topic: str, corr: bytes, **body: object) -> None:
    props = Properties(PacketTypes.PUBLISH)
    props.ResponseTopic = response_topic
    props.CorrelationData = corr
    probe.publish(T.request, {"v": 1, **body}, properties=props)


def test_requests_are_answered_only_into_the_reply_namespace(
    tmp_path: Path, broker: MosquittoBroker, probe: Probe
) -> None:
    agent = start_agent(device_config(tmp_path, broker, tiny_bundle()))
    try:
        hostile = [T.recommendations("produce-screen"), T.status, T.feedback, "store/other-store/pos",
                   "#", f"{T.base}/reply/+/x", f"{T.base}/reply/", "probe/anywhere"]
        for i, topic in enumerate(hostile):
            _request(probe, topic, f"bad-{i}".encode(), request_id=f"bad-{i}", display_id="deli-screen")
            _, letter = probe.wait_for(lambda t, b, i=i: t == T.deadletter and f"bad-{i}" in b["payload"])
            assert letter["reason"].startswith("response_topic: ") and "reply namespace" in letter["reason"]
        reply_topic = T.reply("probe") + "/ok"
        _request(probe, reply_topic, b"ok", request_id="ok", display_id="deli-screen", k=2)
        _, reply = probe.wait_for(lambda t, b: t == reply_topic)
        assert reply["cause"]["signal_id"] == "ok"
        # Nothing the device published carried a hostile request's correlation data.
        assert not [m for m in probe.messages if m[0] != T.request and m[2] is not None
                    and getattr(m[2], "CorrelationData", b"").startswith(b"bad-")]
    finally:
        agent.stop()


def test_a_request_naming_a_member_who_is_not_there_reveals_no_history(
    tmp_path: Path, broker: MosquittoBroker, probe: Probe
) -> None:
    agent = start_agent(device_config(tmp_path, broker, tiny_bundle()))
    bought = ["P000", "P001", "P002", "P003", "P004"]  # the tiny model ranks these first
    try:
        sig = location("produce", loyalty="L-victim")
        probe.publish(T.location, sig)
        probe.reco_for(sig["signal_id"])
        probe.publish(T.pos, purchase(bought, loyalty="L-victim"))
        assert wait_until(lambda: agent.store.loyalty_history("L-victim"), timeout=5)
        with agent.lock:  # the visit ends (what the session TTL does after 30 minutes)
            agent.store.expire_sessions(time.time() + 86_400)
        for i, target in enumerate([{"display_id": "produce-screen"}, {"zone": "produce", "k": 20},
                                    {"display_id": "grocery-shelf"}, {"zone": "deli", "k": 20}]):
            topic = T.reply("stranger") + f"/{i}"
            _request(probe, topic, b"x", request_id=f"h{i}", shopper={"loyalty_id": "L-victim"}, **target)
            _, reply = probe.wait_for(lambda t, b, topic=topic: t == topic)
            assert reply["shopper"] is None
            assert [it for it in reply["items"] if it["reason"] == "bought before"] == []
        withheld = agent.metrics.counter("edge_personal_data_withheld_total", "")
        assert withheld.value() == 4
        # Back in the store and standing in produce: the member's own list is personal again.
        sig = location("produce", loyalty="L-victim")
        probe.publish(T.location, sig)
        probe.reco_for(sig["signal_id"])
        _request(probe, T.reply("produce-screen") + "/me", b"me", request_id="me",
                 shopper={"loyalty_id": "L-victim"}, display_id="produce-screen")
        _, reply = probe.wait_for(lambda t, b: t == T.reply("produce-screen") + "/me")
        assert reply["shopper"] == "l:L-victim"
    finally:
        agent.stop()


def test_a_stale_retained_inventory_is_not_applied_after_a_restart(
    tmp_path: Path, broker: MosquittoBroker, probe: Probe
) -> None:
    config = device_config(tmp_path, broker, tiny_bundle())
    agent = start_agent(config)
    try:
        stale = inventory("P007", 0)
        stale["ts"] -= 3600
        probe.publish(T.inventory, stale, retain=True)  # left on the broker by an old shelf count
        live = inventory("P007", 50)
        probe.publish(T.inventory, live)
        idx = agent.store.index["P007"]
        assert wait_until(lambda: agent.store.quantity[idx] == 50, timeout=5)
    finally:
        agent.stop()
    agent = start_agent(config)  # the restart resubscribes: the broker replays the retained 0
    try:
        _, letter = probe.wait_for(lambda t, b: t == T.deadletter and stale["signal_id"] in b["payload"])
        assert letter["reason"].startswith("retained: ")
        assert agent.store.quantity[agent.store.index["P007"]] == 50
    finally:
        agent.stop()
        probe.publish(T.inventory, b"", retain=True)
