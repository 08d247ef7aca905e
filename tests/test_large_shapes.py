"""The synthetic large shapes of ``deploy.csv_shapes`` (small here) load as meant, and
a baseline too big for the box is skipped with its reason instead of fitted."""

from __future__ import annotations

from collections import OrderedDict
from pathlib import Path

import pandas as pd
import pytest

from cloud_trainer.baselines import ItemKNNRecommender
from cloud_trainer.data import load_dataset
from cloud_trainer.dataset import PreparedData


def test_large_shapes_are_seeded_and_load_as_their_public_originals(tmp_path: Path) -> None:
    from deploy.csv_shapes import main as make_shapes

    for out in (tmp_path / "a", tmp_path / "b"):
        make_shapes(["--out", str(out), "--max-rows", "3000",
                     "--shape", "clickstream", "--shape", "ratings1m", "--shape", "retail1m",
                     "--shape", "grocery5m"])
    for shape in ("clickstream", "ratings1m", "retail1m", "grocery5m"):  # seeded: the same bytes twice
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
    grocery = load_dataset("csv", interactions=tmp_path / "a" / "grocery5m" / "interactions.csv").interactions
    assert grocery["user_id"].nunique() == 3000 // 120
    assert (grocery.groupby("session_id")["timestamp"].nunique() == 1).all()  # a basket is one visit
    lines = grocery.groupby("user_id")["item_id"].agg(["size", "nunique"])
    assert (lines["nunique"] < lines["size"]).mean() > 0.75  # most shoppers buy an item again


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


def test_gate_objective_keys_give_the_padded_comparison() -> None:
    """The gate's objective looks targets up by (case, item) key; the same value as
    comparing each list entry with a padded targets table (what it did before a
    shopper with 8k targets made that table 1.3 GB), and as :func:`evaluate`."""
    import numpy as np

    from cloud_trainer.dataset import EvalCase
    from cloud_trainer.evaluation import evaluate
    from cloud_trainer.gate import _Objective

    rng = np.random.default_rng(5)
    cases = [EvalCase(user_id=str(i), history=np.zeros(0, dtype=np.int64), history_baskets=[], context={},
                      targets=rng.choice(60, size=n, replace=False).astype(np.int64),
                      num_unseen_targets=int(rng.integers(0, 2)))
             for i, n in enumerate([0, 1, 3, 50, 7, 2, 20, 1])]
    lists = rng.integers(0, 60, size=(len(cases), 20))
    lists[1, 5:] = -1  # a catalogue smaller than 20: -1 pads
    got = _Objective(cases)(lists)
    keep = [i for i, c in enumerate(cases) if len(c.targets) + c.num_unseen_targets]
    width = max(len(cases[i].targets) for i in keep)
    padded = np.full((len(keep), width), -2)
    for j, i in enumerate(keep):
        padded[j, : len(cases[i].targets)] = cases[i].targets
    hits = (lists[keep][:, :, None] == padded[:, None, :]).any(axis=2)
    n_t = np.array([len(cases[i].targets) + cases[i].num_unseen_targets for i in keep], dtype=np.float64)
    disc = 1.0 / np.log2(np.arange(2, 12))
    idcg = np.cumsum(disc)[np.minimum(n_t, 10).astype(np.int64) - 1]
    want = float((hits.sum(axis=1) / n_t).mean() + ((hits[:, :10] * disc).sum(axis=1) / idcg).mean())
    assert got == want
    m = evaluate(lists, cases, None, ks=(10, 20))
    assert got == pytest.approx(m["recall@20"] + m["ndcg@10"], rel=1e-12)


def test_litert_score_cache_stays_under_its_budget_and_gives_the_same_scores() -> None:
    """The trainer's LiteRT score cache drops its least recently used queries past
    CACHE_BYTES (a 93k-item catalogue filled 14 GB); a dropped query is run again."""
    import numpy as np

    from cloud_trainer.champion import _LiteRTModel

    class Spec:
        history_length = 3
        context_fields = ("hour",)

        def fill_history(self, out: np.ndarray, history: list[int]) -> None:
            out[0, :] = 0
            h = list(history)[-3:]
            out[0, 3 - len(h):] = h

    runs: list[tuple[int, ...]] = []

    class Scorer:
        def scores(self, hist: np.ndarray, ctx: np.ndarray) -> np.ndarray:
            runs.append(tuple(hist[0]))
            return np.arange(10, dtype=np.float32) * float(hist[0].sum() + ctx[0, 0])

    model = _LiteRTModel.__new__(_LiteRTModel)
    model._scorer, model._spec = Scorer(), Spec()
    model._hist, model._ctx = np.empty((1, 3), dtype=np.int32), np.zeros((1, 1), dtype=np.int32)
    model._cache, model._cache_bytes = OrderedDict(), 0
    model.CACHE_BYTES = 2 * 40  # two queries of 10 float32
    first = model.score([1], [0]).copy()
    model.score([2], [0])
    model.score([1], [0])  # a hit: [1] is now the most recent
    model.score([3], [0])  # over budget: [2] (least recent) goes
    assert runs == [(0, 0, 1), (0, 0, 2), (0, 0, 3)] and model._cache_bytes == 80
    assert np.array_equal(model.score([1], [0]), first) and len(runs) == 3  # still cached
    assert np.array_equal(model.score([2], [0]), np.arange(10, dtype=np.float32) * 2) and len(runs) == 4
