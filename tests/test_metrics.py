"""Evaluation metrics against values computed by hand (see the comments)."""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from cloud_trainer.dataset import EvalCase, PreparedData
from cloud_trainer.evaluation import evaluate, evaluate_segments, intra_list_diversity


def tiny_data(n_items: int = 10) -> PreparedData:
    items = pd.DataFrame(
        {
            "item_id": [f"i{i}" for i in range(n_items)],
            "category": [f"c{i % 2}" for i in range(n_items)],  # odd / even items
            "popularity": np.linspace(1, 0.1, n_items),
        }
    )
    return PreparedData(
        name="tiny", items=items, users=pd.DataFrame({"user_id": []}), train=pd.DataFrame(),
        val_cases=[], test_cases=[], context_fields={}, fingerprint="x",
    )


def case(targets: list[int], *, history: tuple[int, ...] | list[int] = (), unseen: int = 0,
         **segment: bool) -> EvalCase:
    return EvalCase(
        user_id="u", history=np.asarray(history, dtype=np.int64), history_baskets=[],
        context={}, targets=np.asarray(targets, dtype=np.int64), segment=dict(segment),
        num_unseen_targets=unseen,
    )


L2, L3, L4, L5 = (1 / math.log2(n) for n in (2, 3, 4, 5))  # rank discounts 1..4


def test_metrics_match_hand_computation() -> None:
    # A: targets {1,3,5} + one item outside the catalogue -> |T| = 4; hits at ranks 1 and 3.
    # B: target {8}; its only hit is at rank 4.  C: no target at all -> not scored.
    cases = [case([1, 3, 5], unseen=1), case([8]), case([])]
    recs = np.array([[1, 2, 3, 4], [5, 6, 7, 8], [0, 1, 2, 3]])
    m = evaluate(recs, cases, tiny_data(), ks=(2, 4))

    assert m["n_cases"] == 2
    # K = 2. A: 1 hit. recall 1/4, precision 1/2, F1 = 2*.5*.25/.75 = 1/3,
    # NDCG = 1 / (1 + 1/log2 3), AP = (P@1 * 1) / min(4, 2) = 1/2.  B: all zero.
    assert m["recall@2"] == pytest.approx((0.25 + 0) / 2)
    assert m["precision@2"] == pytest.approx((0.5 + 0) / 2)
    assert m["f1@2"] == pytest.approx((1 / 3 + 0) / 2)
    assert m["ndcg@2"] == pytest.approx((L2 / (L2 + L3) + 0) / 2)
    assert m["map@2"] == pytest.approx((0.5 + 0) / 2)
    # K = 4. A: hits at 1 and 3: recall 2/4, precision 2/4, F1 1/2,
    # NDCG = (1 + 1/2) / (1 + 1/log2 3 + 1/2 + 1/log2 5), AP = (1/1 + 2/3) / 4.
    # B: hit at 4: recall 1, precision 1/4, F1 = 2*.25/1.25 = 0.4, NDCG = 1/log2 5, AP = (1/4)/1.
    assert m["recall@4"] == pytest.approx((0.5 + 1.0) / 2)
    assert m["precision@4"] == pytest.approx((0.5 + 0.25) / 2)
    assert m["f1@4"] == pytest.approx((0.5 + 0.4) / 2)
    assert m["ndcg@4"] == pytest.approx(((L2 + L4) / (L2 + L3 + L4 + L5) + L5) / 2)
    assert m["map@4"] == pytest.approx(((1 + 2 / 3) / 4 + 0.25) / 2)
    # Coverage over the scored lists: top-2 {1,2,5,6}, top-4 {1..8}, of 10 items.
    assert m["coverage@2"] == pytest.approx(0.4)
    assert m["coverage@4"] == pytest.approx(0.8)
    # Categories alternate: [1,2] differ -> 1; [1,2,3,4] -> 4 of 6 pairs differ.
    assert m["diversity@2"] == pytest.approx(1.0)
    assert m["diversity@4"] == pytest.approx(4 / 6)


def test_perfect_and_empty_lists() -> None:
    cases = [case([0, 1])]
    perfect = evaluate(np.array([[1, 0, 5]]), cases, None, ks=(3,))
    assert perfect["recall@3"] == 1.0 and perfect["ndcg@3"] == 1.0 and perfect["map@3"] == 1.0
    assert perfect["precision@3"] == pytest.approx(2 / 3)
    assert "coverage@3" not in perfect  # needs the catalogue
    miss = evaluate(np.array([[7, 8, 9]]), cases, None, ks=(3,))
    assert miss["recall@3"] == miss["ndcg@3"] == miss["map@3"] == miss["f1@3"] == 0.0
    assert evaluate(np.array([[1, 2, 3]]), [case([])], None, ks=(3,)) == {"n_cases": 0}


def test_map_is_normalised_by_min_targets_k() -> None:
    # 5 targets, K = 2, both slots hit: AP = (1 + 1) / min(5, 2) = 1; recall = 2/5.
    m = evaluate(np.array([[0, 1]]), [case([0, 1, 2, 3, 4])], None, ks=(2,))
    assert m["map@2"] == pytest.approx(1.0)
    assert m["recall@2"] == pytest.approx(0.4)


def test_intra_list_diversity() -> None:
    cats = np.array(["a", "a", "b", "c"])
    assert intra_list_diversity(np.array([[0, 1]]), cats) == 0.0
    assert intra_list_diversity(np.array([[0, 2, 3]]), cats) == 1.0
    assert intra_list_diversity(np.array([[0, 1, 2]]), cats) == pytest.approx(2 / 3)


def test_segments_split_repeat_new_known_anonymous() -> None:
    known = case([1, 2], history=[1, 9], anonymous=False, masked=False)
    masked = case([1, 2], anonymous=True, masked=True)
    newbie = case([3], unseen=1, anonymous=True, masked=False)
    cases = [known, masked, newbie]
    recs = np.array([[1, 0], [2, 0], [0, 4]])
    seg = evaluate_segments(recs, cases, tiny_data(), ks=(2,))
    # overall = known + newbie (masked copies excluded): recall (1/2 + 0/2) / 2.
    assert seg["overall"]["n_cases"] == 2
    assert seg["overall"]["recall@2"] == pytest.approx(0.25)
    # repeat: only `known` has a repeat target (1, in its history) and it is hit.
    assert seg["repeat"]["n_cases"] == 1 and seg["repeat"]["recall@2"] == 1.0
    # new: known's new target {2} missed; newbie's {3} + 1 unseen missed.
    assert seg["new"]["n_cases"] == 2 and seg["new"]["recall@2"] == 0.0
    assert seg["known"]["n_cases"] == 1 and seg["known"]["recall@2"] == 0.5
    # anonymous = masked copy (hits 2 -> 1/2) + newbie (0).
    assert seg["anonymous"]["n_cases"] == 2
    assert seg["anonymous"]["recall@2"] == pytest.approx(0.25)


def test_recommender_objects_are_asked_for_max_k() -> None:
    class Fixed:
        name = "fixed"
        asked: list[int] = []

        def fit(self, data: PreparedData) -> None: ...

        def recommend(self, cases: list[EvalCase], k: int) -> np.ndarray:
            self.asked.append(k)
            return np.tile(np.arange(k), (len(cases), 1))

    rec = Fixed()
    m = evaluate(rec, [case([0])], tiny_data(), ks=(1, 3))
    assert rec.asked == [3] and m["recall@1"] == 1.0


@settings(max_examples=60, deadline=None)
@given(
    st.lists(
        st.tuples(
            st.permutations(list(range(12))),  # a full ranking of a 12-item catalogue
            st.sets(st.integers(0, 11), max_size=6),
            st.integers(0, 2),
        ),
        min_size=1, max_size=8,
    )
)
def test_metric_invariants(rows: list[tuple[list[int], set[int], int]]) -> None:
    """Bounds and monotonicity that must hold for any lists and targets."""
    recs = np.array([r[0] for r in rows])
    cases = [case(sorted(t), unseen=u) for _, t, u in rows]
    m = evaluate(recs, cases, tiny_data(12), ks=(3, 6, 12))
    if m["n_cases"] == 0:
        return
    for key, value in m.items():
        if key != "n_cases":
            assert 0.0 <= value <= 1.0 + 1e-12, key
    assert m["recall@3"] <= m["recall@6"] <= m["recall@12"] + 1e-12
    assert m["coverage@12"] == 1.0  # every list is the whole catalogue
    # A full ranking finds every target in the catalogue: recall@12 = seen share.
    scored = [(len(t), u) for _, t, u in rows if len(t) + u > 0]
    assert m["recall@12"] == pytest.approx(np.mean([n / (n + u) for n, u in scored]))
