"""Signage pieces without a browser: config, view, shelf payload, proof of play."""

from __future__ import annotations

import json
import sqlite3
import time
from pathlib import Path

import pytest

from edge.comms.topics import Recommendation, RenderConfirmation, ShelfLabels
from edge.feedback.capture import OutboxFeedbackSink
from edge.reco.result import RecoResult
from edge.signage.view import make_view, shelf_labels, short_text
from firmware_config.loader import ConfigError, parse_config

BASE = {
    "device_id": "d1", "store_id": "s1",
    "zones": [{"id": "z"}],
    "displays": [{"id": "screen", "kind": "screen", "zone": "z"}, {"id": "shelf", "kind": "shelf", "zone": "z"}],
}


def reco(rec_id: str = "r1", display: str = "shelf") -> RecoResult:
    items = [
        {"item_id": "1029743", "name": "FLUID MILK WHITE ONLY (Private)", "category": "FLUID MILK PRODUCTS",
         "price": 2.49, "score": 1.0, "position": 1, "reason": "right here in Grocery", "department": "GROCERY"},
        {"item_id": "993638", "name": "Chix:Frd 8Pc/Cut Up (Hot) (National)", "category": "CHICKEN",
         "price": 5.02, "score": 0.9, "position": 2, "reason": "popular right now", "department": "DELI"},
    ]
    return RecoResult(rec_id, display, "z", ("loc-1", "t"), None, "m1", "model", time.time(), items)


def test_signage_table_is_optional_and_checked(tmp_path: Path) -> None:
    assert parse_config(BASE).signage is None
    cfg = parse_config({**BASE, "signage": {"port": 9000, "displays": ["shelf"]}})
    assert cfg.signage_displays() == ["shelf"] and cfg.render_confirmed_displays() == {"shelf"}
    assert parse_config({**BASE, "signage": {}}).signage_displays() == ["screen", "shelf"]
    assert parse_config({**BASE, "signage": {"proof_of_play": False}}).render_confirmed_displays() == set()
    with pytest.raises(ConfigError) as err:
        parse_config({**BASE, "signage": {"displays": ["nowhere"], "port": 0}}, tmp_path / "x.toml")
    text = "\n".join(err.value.errors)
    assert "signage.displays.0: unknown display 'nowhere'" in text and "signage.port" in text


def test_view_speaks_plain_words_and_shows_no_ids() -> None:
    view = make_view(reco().model(), "screen", 4)
    shown = json.dumps([{k: v for k, v in it.items() if k != "item_id"} for it in view["items"]])
    assert "1029743" not in shown and "loc-1" not in shown
    first, second = view["items"]
    assert first["name"] == "Fluid Milk White Only" and first["price"] == "$2.49"
    assert first["reason"] == "Right here in Grocery" and first["colour"].startswith("#")
    assert second["name"] == "Chix: Frd 8Pc/Cut Up (Hot)" and second["reason"] == "Popular right now"
    assert view["cause"] == "loc-1"


def test_shelf_payload_is_compact_and_valid() -> None:
    labels = shelf_labels(reco().model())
    again = ShelfLabels.model_validate_json(labels.model_dump_json())
    assert [lab.slot for lab in again.labels] == [1, 2]
    assert all(len(lab.text) <= 24 for lab in again.labels)
    assert short_text("Candy Bars (Singles)(Including Mini") == "Candy Bars (Singles)…"


def test_impression_waits_for_the_render_confirmation(tmp_path: Path) -> None:
    conn = sqlite3.connect(tmp_path / "s.db", isolation_level=None)
    sink = OutboxFeedbackSink(conn, "d1", "s1", render_confirmed=frozenset({"shelf"}))
    shown, unseen, other = reco("r1"), reco("r2"), reco("r3", display="screen")
    for rec in (shown, unseen, other):
        sink.on_recommendation(conn, rec)
    kinds = lambda: [json.loads(p)["data"]["recommendation_id"] for (p,) in  # noqa: E731
                     conn.execute("SELECT payload FROM feedback_outbox WHERE kind='impression'")]
    assert kinds() == ["r3"]  # not render-confirmed displays record at publish time
    conf = RenderConfirmation(recommendation_id="r1", cause_signal_id="loc-1", shown_at=shown.generated_at + 0.01)
    assert sink.on_rendered(conn, conf, "shelf") is True
    assert sink.on_rendered(conn, conf, "shelf") is False  # a second screen / a redelivery
    assert kinds() == ["r3", "r1"]
    data = json.loads(conn.execute("SELECT payload FROM feedback_outbox WHERE seq = 2").fetchone()[0])["data"]
    assert data["shown_at"] == conf.shown_at and data["shown_delay_s"] == pytest.approx(0.01, abs=1e-3)


def test_recommendation_contract_carries_the_department() -> None:
    assert Recommendation.model_validate_json(reco().to_json()).items[0].department == "GROCERY"


def test_lists_replaced_unseen_are_pruned_but_each_displays_newest_is_kept(tmp_path: Path) -> None:
    conn = sqlite3.connect(tmp_path / "s.db", isolation_level=None)
    sink = OutboxFeedbackSink(conn, "d1", "s1", render_confirmed=frozenset({"shelf", "screen"}))
    sink.PRUNE_EVERY = 1
    old = time.time() - 600
    for i, display in enumerate(["shelf", "shelf", "screen", "shelf"]):
        rec = reco(f"r{i}", display=display)
        rec.generated_at = old + i if i < 3 else time.time()  # the sink's clock is the list's time
        sink.on_recommendation(conn, rec)
    held = [r for (r,) in conn.execute("SELECT recommendation_id FROM feedback_held ORDER BY rowid")]
    assert held == ["r2", "r3"] and sink.never_shown == 2  # r0, r1: replaced on "shelf" unseen
    # A page that reconnects still gets the newest list drawn and recorded.
    assert sink.on_rendered(conn, RenderConfirmation(recommendation_id="r3", shown_at=time.time()), "shelf")
