"""docs/mqtt-topics.md is generated from the topic contract and must stay current."""

from __future__ import annotations

from pathlib import Path

from deploy.mqtt_docs import TOPICS, render
from edge.comms.topics import all_schemas

DOC = Path(__file__).resolve().parents[1] / "docs" / "mqtt-topics.md"


def test_every_payload_of_the_contract_is_documented() -> None:
    assert set(all_schemas()) <= set(TOPICS)


def test_committed_mqtt_doc_matches_the_contract() -> None:
    assert DOC.read_text(encoding="utf-8") == render(), (
        "docs/mqtt-topics.md is stale: run  .venv/bin/python -m deploy.mqtt_docs > docs/mqtt-topics.md")
