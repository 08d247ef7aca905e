"""Broker rights by role: generated from the topic contract, committed as generated,
and observed on a real Mosquitto running the shipped store config."""

from __future__ import annotations

import re
from dataclasses import fields
from pathlib import Path

from deploy.acl import EXAMPLE_CONFIG, cloud_acl, load_layouts, matrix_markdown, store_acl
from edge.comms.acl import ROLES, StoreLayout, contract_topics, identities, topic_matches
from edge.comms.topics import TopicTree

REPO = Path(__file__).resolve().parents[1]
LAYOUT = load_layouts([EXAMPLE_CONFIG])[0]


def test_committed_acl_files_are_the_generated_ones() -> None:
    assert (REPO / "deploy/mosquitto/acl").read_text() == store_acl(LAYOUT), (
        "deploy/mosquitto/acl is stale: run  python -m deploy.acl store > deploy/mosquitto/acl")
    assert (REPO / "deploy/mosquitto/cloud-acl").read_text() == cloud_acl([LAYOUT]), (
        "deploy/mosquitto/cloud-acl is stale: run  python -m deploy.acl cloud > deploy/mosquitto/cloud-acl")


def test_docs_carry_the_generated_rights_table() -> None:
    assert matrix_markdown(LAYOUT) in (REPO / "docs/security.md").read_text(), (
        "docs/security.md: paste the output of  python -m deploy.acl matrix")


def test_no_pattern_lines_and_every_role_has_an_identity() -> None:
    for text in (store_acl(LAYOUT), cloud_acl([LAYOUT])):
        assert not re.search(r"^pattern\b", text, re.M)
    assert {i.role for i in identities(LAYOUT)} == set(ROLES)


def _who(access: str, topic: str) -> set[str]:
    return {i.role for i in identities(LAYOUT) if i.may(access, topic)}  # type: ignore[arg-type]


def test_the_rights_that_matter_most_are_what_the_issue_asks() -> None:
    """Hand-written expectations, independent of how the generator words them."""
    t = dict(contract_topics(LAYOUT))
    assert _who("read", "#") == {"monitor"}
    assert _who("write", t["recommendations_screen"]) == {"device"}
    assert _who("write", t["feedback_ack"]) == {"bridge"}
    assert _who("write", t["desired"]) == {"console", "bridge"}
    assert _who("read", t["pos"]) == {"device", "monitor"}
    assert _who("write", t["location"]) == {"location_system"}
    assert _who("write", t["camera_status"]) == {"camera"}
    assert _who("write", t["request"]) == {"screen"}
    assert _who("read", t["reply_own"]) == {"screen", "monitor"}
    assert _who("read", t["reply_other"]) == {"monitor"}
    assert _who("write", t["other_store_recommendations"]) == set()
    console = next(i for i in identities(LAYOUT) if i.role == "console")
    assert {g.access for g in console.grants if g.access == "write"} == {"write"}
    assert all("desired" in g.topic for g in console.grants if g.access == "write")


NOT_TOPICS = {"base", "device", "parse_device_topic", "subscriptions", "classify", "parse", "is_reply_topic"}


def test_the_matrix_covers_every_topic_of_the_contract() -> None:
    """A topic added to TopicTree without a row here (and rights in edge/comms/acl.py) fails."""
    tree = TopicTree(LAYOUT.store_id, LAYOUT.device_ids[0], LAYOUT.prefix)
    concrete = [t for _, t in contract_topics(LAYOUT)]
    for name in dir(TopicTree):
        if name.startswith("_") or name in NOT_TOPICS or name in {f.name for f in fields(TopicTree)}:
            continue
        value = getattr(tree, name)
        shape = value() if callable(value) else value
        if name == "reply":
            shape += "/#"
        assert any(topic_matches(shape, t) for t in concrete), f"TopicTree.{name} ({shape}) is not in the matrix"
        assert any(i.may("read", t) or i.may("write", t)
                   for i in identities(LAYOUT) if i.role != "monitor"
                   for t in concrete if topic_matches(shape, t)), f"no role but monitor uses TopicTree.{name}"


def test_topic_matching_follows_mqtt() -> None:
    assert topic_matches("a/+/c", "a/b/c") and not topic_matches("a/+/c", "a/b/d/c")
    assert topic_matches("a/#", "a/b/c") and topic_matches("#", "a")
    assert not topic_matches("#", "$SYS/broker/uptime")
    assert not topic_matches("a/b", "a/b/c")


def test_every_role_times_every_topic_on_a_real_broker_equals_the_contract(tmp_path: Path) -> None:
    from deploy.acl_matrix import run_matrix

    result = run_matrix(tmp_path / "ok", LAYOUT)
    assert result.mismatches == []
    n_idents = len(identities(LAYOUT)) + 1  # + the stranger
    assert result.checked >= n_idents * len(contract_topics(LAYOUT)) * 2 + n_idents
    assert result.loopback["anonymous_refused"] and result.loopback["wrong_password_refused"]
    assert result.loopback[LAYOUT.device_ids[0]]
    # The stranger holds a valid certificate of the store CA and gets nothing.
    assert all(v == "-" for (who, _), v in result.observed.items() if who == "stranger")


def test_the_matrix_catches_a_pattern_line(tmp_path: Path) -> None:
    """Guards the guard: the old hand-written ACL's kind of line is seen as a mismatch."""
    from deploy.acl_matrix import run_matrix

    small = StoreLayout("s1", ("dev1",), ("front",), ("shelf",))
    result = run_matrix(tmp_path, small, acl_extra="\npattern write store/+/display/+/recommendations\n")
    assert any("stranger write recommendations_screen" in m for m in result.mismatches)
    assert any("till-gateway write recommendations_screen" in m for m in result.mismatches)


def test_the_cloud_broker_binds_each_bridge_to_its_store(tmp_path: Path) -> None:
    """The shipped cloud-broker.conf with the generated cloud-acl, two stores: a
    store's bridge may publish only its own store's feedback and read only its own
    acks and desired states; a bridge of a store the ACL does not list gets nothing."""
    from deploy.acl_matrix import run_cloud_matrix

    result = run_cloud_matrix(tmp_path, [LAYOUT, StoreLayout("s2", ("d2",), (), ())])
    assert result.mismatches == []
    assert result.observed[("store-cj-demo-bridge", "cj-demo:feedback")] == "w"
    assert result.observed[("store-cj-demo-bridge", "s2:feedback")] == "-"
    assert result.observed[("store-cj-demo-bridge", "cj-demo:feedback_ack")] == "r"
    assert all(v == "-" for (who, _), v in result.observed.items() if who == "store-unlisted-bridge")
