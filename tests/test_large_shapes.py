"""The synthetic large shapes of ``deploy.csv_shapes`` (small here) load as meant, and
a baseline too big for the box is skipped with its reason instead of fitted."""

from __future__ import annotations

from pathlib import Path

import pandas as pd

from cloud_trainer.baselines import ItemKNNRecommender
from cloud_trainer.data import load_dataset
from cloud_trainer.dataset import PreparedData


def test_large_shapes_are_seeded_and_load_as_their_public_originals(tmp_path: Path) -> None:
    from deploy.csv_shapes import main as make_shapes

    for out in (tmp_path / "a", tmp_path / "b"):
        make_shapes(["--out", str(out), "--max-rows", "3000",
                     "--shape", "clickstream", "--shape", "ratings1m", "--shape", "retail1m"])
    for shape in ("clickstream", "ratings1m", "retail1m"):  # seeded: the same bytes twice
        assert (tmp_path / "a" / shape / "interactions.csv").read_bytes() == \
            (tmp_path / "b" / shape / "interactions.csv").read_bytes()
    clicks = load_dataset("csv", interactions=tmp_path / "a" / "clickstream" / "interactions.csv")
    assert len(clicks.interactions) == 3000
    assert set(clicks.interactions["event_type"]) == {"view", "cart", "purchase"}
    stamps = clicks.interactions["timestamp"]
    assert stamps.min() >= pd.Timestamp("2015-04-01") and stamps.max() < pd.Timestamp("2015-10-01")  # ms
    ratings = load_dataset("csv", interactions=tmp_path / "a" / "ratings1m" / "interactions.csv")
    assert not ratings.interactions.duplicated(["user_id", "item_id"]).any()
    retail = load_dataset("csv", interactions=tmp_path / "a" / "retail1m" / "interactions.csv")
    assert retail.interactions["session_id"].nunique() == 3000 // 20


def test_item_knn_over_its_pair_limit_is_skipped_with_the_measured_size() -> None:
    items = pd.DataFrame({"item_id": list("abc"), "category": "x", "popularity": [0.3, 0.2, 0.1]})
    train = pd.DataFrame({"user_id": ["1", "1", "1", "2"], "item_idx": [0, 1, 2, 0],
                          "timestamp": pd.to_datetime(["2024-01-01"] * 4), "basket_id": "b"})
    data = PreparedData(name="t", items=items, users=pd.DataFrame({"user_id": []}), train=train,
                        val_cases=[], test_cases=[], context_fields={}, fingerprint="x")
    rec = ItemKNNRecommender()
    rec.MAX_PAIRS = 9  # shopper 1: 3 x 3 pairs, shopper 2: 1 -> 10
    rec.fit(data)
    assert rec.skipped is not None and "G co-occurring item pairs" in rec.skipped
    assert rec._co is None  # nothing for the champion's device table
    rec.MAX_PAIRS = 10
    rec.fit(data)
    assert rec.skipped is None and rec.similarity(rec.params).nnz == 9  # items 0-2 all co-occur
