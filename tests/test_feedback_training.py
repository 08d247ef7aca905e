"""Feedback into training (appended positives, shown-not-taken negatives, weights) and online metrics."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import numpy as np
import pandas as pd

from cloud_trainer.dataset import PreparedData
from cloud_trainer.feedback_training import include_feedback, online_metrics
from cloud_trainer.ingest import SQLiteWarehouse
from edge.comms.topics import FeedbackEvent

REPO = Path(__file__).resolve().parents[1]


def prepared() -> PreparedData:
    items = pd.DataFrame({
        "item_id": ["P0", "P1", "P2", "P3"], "name": ["a", "b", "c", "d"], "category": ["c"] * 4,
        "department": ["PRODUCE", "PRODUCE", "DELI", "DELI"], "brand": ["x"] * 4,
        "price": [1.0, 2.0, 3.0, 4.0], "price_band": ["low"] * 4, "popularity": [1.0] * 4,
    })
    train = pd.DataFrame({
        "user_id": ["u1", "u2"], "item_idx": np.array([0, 3], dtype=np.int32),
        "timestamp": pd.to_datetime(["2024-01-01 10:00", "2024-01-02 11:00"]),
        "event_type": ["purchase", "purchase"], "quantity": [1.0, 1.0], "price": [1.0, 4.0],
        "basket_id": ["b1", "b2"], "store_id": ["s", "s"], "department": ["PRODUCE", "DELI"],
        "hour": ["10", "11"], "weekday": ["0", "1"], "age": ["25-34", ""], "event_weight": [1.0, 1.0],
    })
    return PreparedData(name="t", items=items, users=pd.DataFrame({"user_id": ["u1"]}), train=train,
                        val_cases=[], test_cases=[], context_fields={}, fingerprint="f")


def events(seq0: int, kinds: list[tuple[str, str | None, dict]], device: str = "d1") -> list[FeedbackEvent]:
    return [FeedbackEvent(event_id=f"{device}:e:{seq0 + i}", device_id=device, store_id="s", seq=seq0 + i,
                          kind=k, ts=1000.0 + i, model_version=mv, data=d)  # type: ignore[arg-type]
            for i, (k, mv, d) in enumerate(kinds)]


def shown(rec: str, shopper: str | None, items: list[str]) -> dict:
    return {"recommendation_id": rec, "shopper": shopper, "display_id": "x",
            "items": [{"item_id": i, "position": p + 1} for p, i in enumerate(items)]}


def fill(wh: SQLiteWarehouse) -> None:
    wh.store(events(1, [
        ("impression", "m1", shown("r1", "l:u1", ["P0", "P1", "P2"])),
        ("interaction", "m1", {"action": "touch", "item_id": "P0", "recommended": True, "shopper": "l:u1",
                               "recommendation_id": "r1"}),
        ("conversion", "m1", {"item_id": "P1", "quantity": 2, "price": 2.0, "revenue": 4.0,
                              "transaction_id": "t1", "shopper": "l:u1"}),
        ("impression", "m1", shown("r2", None, ["P3"])),
    ]))
    wh.store(events(1, [
        ("impression", "m2", shown("r3", "t:abc", ["P3", "P2"])),
        ("impression", "m2", shown("r4", "t:abc", ["P3"])),
        ("interaction", "m2", {"action": "pickup", "item_id": "P3", "recommended": True, "shopper": "t:abc"}),
        ("interaction", "m2", {"action": "touch", "item_id": "NOPE", "recommended": False}),
    ], device="d2"))


def test_include_feedback_appends_positives_and_finds_negatives(tmp_path: Path) -> None:
    wh = SQLiteWarehouse(tmp_path / "wh.db")
    fill(wh)
    data = prepared()
    out = include_feedback(data, wh)
    tr = out.data.train
    fb = tr[tr["source"] == "feedback"]
    assert len(tr) == 2 + 3 and (tr["source"] == "export").sum() == 2
    got = sorted(zip(fb["user_id"], fb["item_idx"], fb["event_type"], strict=True))
    assert got == [("anon:abc", 3, "cart"), ("u1", 0, "view"), ("u1", 1, "purchase")]
    conv = fb[fb["event_type"] == "purchase"].iloc[0]
    assert (conv["quantity"], conv["price"], conv["department"]) == (2.0, 2.0, "PRODUCE")
    assert conv["age"] == ""  # unknown demographics for store shoppers
    assert tr["item_idx"].dtype == np.int32
    # u1 saw P2 and did nothing with it; anon:abc saw P2 too. P3 was picked up within the window.
    negs = sorted(zip(out.negatives["user_id"], out.negatives["item_idx"], strict=True))
    assert negs == [("anon:abc", 2), ("u1", 2)]
    assert out.summary["unknown_items"] == 1
    w = out.item_weights
    assert w.shape == (4,) and w[2] < 1.0 < w[1]  # shown twice never taken vs taken once
    assert out.data.split_info["feedback"]["appended_rows"] == 3
    assert len(data.train) == 2  # the input is not modified


def test_online_metrics_side_by_side(tmp_path: Path) -> None:
    wh = SQLiteWarehouse(tmp_path / "wh.db")
    fill(wh)
    df = online_metrics(wh).set_index("model_version")
    assert list(df.index) == ["m1", "m2"]
    m1, m2 = df.loc["m1"], df.loc["m2"]
    assert (m1["impressions"], m1["conversions"], m1["attributed_revenue"]) == (2, 1, 4.0)
    assert m1["ctr"] == 0.5 and m1["conversion_rate"] == 0.5
    assert (m2["impressions"], m2["interactions"], m2["ctr"], m2["conversions"]) == (2, 2, 0.5, 0)
    assert (m1["devices_running"], m2["devices_running"]) == (1, 1)
    wh.close()
    res = subprocess.run([sys.executable, "-m", "cloud_trainer.feedback_training", "report",
                          "--warehouse", str(tmp_path / "wh.db")], capture_output=True, text=True, cwd=REPO)
    assert res.returncode == 0, res.stderr
    table, last = res.stdout.strip().rsplit("\n", 1)
    assert "m1" in table and "m2" in table
    assert [r["model_version"] for r in json.loads(last)["online_metrics"]] == ["m1", "m2"]
