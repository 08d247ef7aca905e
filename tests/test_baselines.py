"""Baselines on small hand-made data: what each one should recommend, and that none
of them looks at the targets."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from cloud_trainer.baselines import (
    ItemKNNParams,
    ItemKNNRecommender,
    PersonalTopFreqRecommender,
    PopularityRecommender,
    Stoppable,
    TIFUKNNRecommender,
    TIFUParams,
    _flatten_baskets,
    all_baselines,
    drop_consumed,
    keep_top_per_row,
    rank_dense_with_fill,
    rank_with_fill,
)
from cloud_trainer.champion import ExcludeHistory
from cloud_trainer.data import load_dataset
from cloud_trainer.dataset import EvalCase, PreparedData
from cloud_trainer.evaluation import evaluate
from cloud_trainer.processing import prepare

GENERIC = Path(__file__).resolve().parent / "fixtures" / "retail" / "generic"


def hand_data() -> PreparedData:
    """5 items, popularity 4 > 3 > 2 > 1 > 0. Shoppers: u1 {0,1}, u2 {0,1}, u3 {1,2}, u4 {3}."""
    items = pd.DataFrame(
        {"item_id": list("abcde"), "category": ["x", "x", "y", "y", "z"],
         "popularity": [0.1, 0.2, 0.3, 0.4, 1.0]}
    )
    train = pd.DataFrame(
        {"user_id": ["u1", "u1", "u2", "u2", "u3", "u3", "u4"],
         "item_idx": [0, 1, 0, 1, 1, 2, 3],
         "timestamp": pd.to_datetime(["2024-01-01"] * 7),
         "basket_id": ["1", "1", "2", "2", "3", "3", "4"]}
    )
    return PreparedData(
        name="hand", items=items, users=pd.DataFrame({"user_id": []}), train=train,
        val_cases=[], test_cases=[], context_fields={}, fingerprint="x",
    )


def case(history: list[int], baskets: list[list[int]] | None = None, user: str | None = "q",
         targets: tuple[int, ...] = (0,)) -> EvalCase:
    return EvalCase(
        user_id=user, history=np.asarray(history, dtype=np.int64),
        history_baskets=[np.asarray(b, dtype=np.int64) for b in (baskets or [])],
        context={}, targets=np.asarray(targets, dtype=np.int64),
    )


def test_rank_with_fill_puts_scored_items_first_then_popularity() -> None:
    scores = np.array([[0.0, 0.5, 0.0, 0.9, 0.0], [0, 0, 0, 0, 0]])
    pop = np.array([0.1, 0.2, 0.3, 0.4, 1.0])
    out = rank_with_fill(scores, pop, 4)
    assert out.tolist() == [[3, 1, 4, 2], [4, 3, 2, 1]]


def test_fast_paths_give_the_lists_of_the_plain_loops() -> None:
    """The tuning grids' vectorised helpers (dense ranking, per-row pruning, basket
    flattening, hit matrix) must rank exactly as the per-row loops they replace,
    ties included (scores from a few values so ties are common)."""
    import scipy.sparse as sp

    rng = np.random.default_rng(3)
    dense = rng.choice([0.0, 0.0, 0.0, 0.5, 1.0, 2.0], size=(40, 30))
    pop = rng.choice([0.1, 0.2, 0.3], size=30)
    assert rank_dense_with_fill(dense, pop, 7).tolist() == rank_with_fill(sp.csr_matrix(dense), pop, 7).tolist()

    mat = sp.csr_matrix(dense)
    kept = keep_top_per_row(mat, 3).toarray()
    for row, out in zip(dense, kept, strict=True):
        order = np.lexsort((np.arange(30), -row))
        want = np.zeros(30)
        top = [j for j in order[:3] if row[j] != 0]
        want[top] = row[top]
        assert out.tolist() == want.tolist()

    baskets = [[np.array([3, 1, 3]), np.array([2])], [], [np.array([5])]]
    row, from_end, n_b, item = _flatten_baskets(baskets)
    assert list(zip(row.tolist(), from_end.tolist(), n_b.tolist(), item.tolist(), strict=True)) == [
        (0, 1, 2, 1), (0, 1, 2, 3), (0, 0, 2, 2), (2, 0, 1, 5)]

    lists = np.array([[1, 2, -1], [4, 4, 0]])
    cases = [case([], targets=(2,)), case([], targets=(4, 9))]
    m = evaluate(lists, cases, None, ks=(3,))
    assert m["recall@3"] == pytest.approx((1 / 1 + 2 / 2) / 2)  # a repeated hit counts per rank, as np.isin did


def test_popularity_is_the_same_top_list_for_everyone() -> None:
    rec = PopularityRecommender()
    rec.fit(hand_data())
    out = rec.recommend([case([0]), case([])], 3)
    assert out.tolist() == [[4, 3, 2], [4, 3, 2]]


def test_personal_topfreq_most_frequent_then_most_recent_then_popular() -> None:
    rec = PersonalTopFreqRecommender()
    rec.fit(hand_data())
    # 0 bought twice; 1 and 2 once each, 1 more recently -> 0, 1, 2, then popular 4, 3.
    out = rec.recommend([case([2, 0, 1, 0]), case([])], 5)
    assert out[0].tolist() == [0, 1, 2, 4, 3]
    assert out[1].tolist() == [4, 3, 2, 1, 0]


def test_item_knn_scores_by_cosine_similarity() -> None:
    rec = ItemKNNRecommender()
    rec.fit(hand_data())
    # Buyers: item0 {u1,u2}, item1 {u1,u2,u3}, item2 {u3}, item3 {u4}.
    # From history {0}: sim(0,0)=1, sim(0,1)=2/sqrt(6)=.816, sim(0,2)=0, sim(0,3)=0.
    out = rec.recommend([case([0])], 4)
    assert out[0].tolist()[:2] == [0, 1]
    assert out[0].tolist()[2:] == [4, 3]  # unscored items: popularity fill
    # From history {2}: sim(2,1) = 1/sqrt(3) = .577, sim(2,2) = 1 -> 2, 1, then fill.
    assert rec.recommend([case([2])], 3)[0].tolist() == [2, 1, 4]


def test_tifu_user_vector_matches_the_paper_formula() -> None:
    rec = TIFUKNNRecommender(TIFUParams(group_size=2, r_b=0.5, r_g=0.25, k_neighbours=1, alpha=1.0))
    rec.fit(hand_data())
    # Baskets oldest first: [0], [1], [2]. Groups of 2 from the most recent: {[1],[2]}, {[0]}.
    # Recent group: (0.5 * e1 + 1 * e2) / 2; old group: e0 / 1.
    # User = (1 * recent + 0.25 * old) / 2 groups.
    vec = rec.user_vectors([[np.array([0]), np.array([1]), np.array([2])]], rec.params)
    expected = np.array([0.25 * 1 / 2, 0.5 / 2 / 2, 1 / 2 / 2, 0, 0])
    assert vec.toarray()[0] == pytest.approx(expected)


def test_tifu_neighbours_exclude_the_shopper_and_blend() -> None:
    rec = TIFUKNNRecommender(TIFUParams(group_size=7, r_b=1.0, r_g=1.0, k_neighbours=1, alpha=0.5))
    rec.fit(hand_data())
    # Shopper u1 (train vector {0,1}) with history [0,1]: nearest other shopper is u2
    # (identical), not u1 itself; the blend adds nothing new, so fill follows.
    out = rec.recommend([case([0, 1], [[0, 1]], user="u1")], 3)
    assert set(out[0, :2].tolist()) == {0, 1} and out[0, 2] == 4
    # A history [2] is nearest to u3 {1,2}: item 1 comes from the neighbour.
    out = rec.recommend([case([2], [[2]], user="new")], 3)
    assert out[0].tolist() == [2, 1, 4]


@pytest.fixture(scope="module")
def data() -> PreparedData:
    raw = load_dataset("csv", interactions=GENERIC / "interactions.csv",
                       items=GENERIC / "items.csv", users=GENERIC / "users.csv")
    return prepare(raw)


def test_baselines_never_look_at_targets(data: PreparedData) -> None:
    shuffled = [
        EvalCase(c.user_id, c.history, c.history_baskets, c.context,
                 np.array([(t + 7) % data.num_items for t in c.targets]), c.segment)
        for c in data.test_cases
    ]
    for rec in all_baselines():
        rec.fit(data)
        a = rec.recommend(data.test_cases, 10)
        b = rec.recommend(shuffled, 10)
        assert np.array_equal(a, b), rec.name
        assert a.shape == (len(data.test_cases), 10)
        assert all(len(set(row)) == 10 for row in a.tolist()), f"{rec.name}: duplicate items"


def test_personal_baselines_beat_popularity_on_a_repeat_heavy_store(data: PreparedData) -> None:
    results = {}
    for rec in all_baselines():
        rec.fit(data)
        known = [c for c in data.test_cases if len(c.history)]
        results[rec.name] = evaluate(rec, known, data, ks=(10,))["recall@10"]
    # Shoppers in the fixture re-buy three staples: their own history must help.
    assert results["personal_topfreq"] > results["popularity"]
    assert results["tifu_knn"] > results["popularity"]


def test_item_knn_blocks_give_the_one_shot_table_and_lists() -> None:
    """The block-by-block build (rows cut to the kept neighbours as they come) and the
    case blocks give exactly the table and lists of the one-shot ``x.T @ x`` and one
    product, ties at the neighbour cut included (integer counts make many)."""
    import scipy.sparse as sp

    from cloud_trainer.baselines import ItemKNNParams, row_ranks

    rng = np.random.default_rng(3)
    n_items, n_users = 40, 60
    # One heavy shopper with most of the catalogue (the clickstream's bot) plus small ones.
    rows = [np.full(30, 0)] + [np.full(4, u) for u in range(1, n_users)]
    cols = [rng.choice(n_items, 30, replace=False)] + [rng.choice(n_items, 4) for _ in range(1, n_users)]
    train = pd.DataFrame({"user_id": [f"u{u}" for u in np.concatenate(rows)],
                          "item_idx": np.concatenate(cols),
                          "timestamp": pd.to_datetime(["2024-01-01"] * sum(len(r) for r in rows)),
                          "basket_id": "b"})
    items = pd.DataFrame({"item_id": [str(i) for i in range(n_items)], "category": "x",
                          "popularity": rng.random(n_items)})
    data = PreparedData(name="blocks", items=items, users=pd.DataFrame({"user_id": []}), train=train,
                        val_cases=[], test_cases=[], context_fields={}, fingerprint="x")
    cases = [case(list(rng.choice(n_items, 6)), [list(rng.choice(n_items, 3)), list(rng.choice(n_items, 3))])
             for _ in range(25)]
    for p in (ItemKNNParams(5, 0.0, 1.0), ItemKNNParams(7, 10.0, 0.8)):
        blocked = ItemKNNRecommender(p)
        blocked.BLOCK_PAIRS, blocked.CASE_BLOCK_ENTRIES = 50, 40  # many blocks of a few rows
        blocked.fit(data)
        # The reference: the whole co-occurrence matrix, pruned once.
        x = sp.csr_matrix((np.ones(len(train)), (train["user_id"].str[1:].astype(int), train["item_idx"])),
                          shape=(n_users, n_items))
        x.sum_duplicates()
        x.data[:] = 1.0
        co = (x.T @ x).tocoo()
        norm = np.sqrt(np.asarray(x.sum(axis=0)).ravel())
        full = sp.csr_matrix((co.data / (norm[co.row] * norm[co.col] + p.shrink), (co.row, co.col)),
                             shape=co.shape)
        want = keep_top_per_row(full, p.neighbours, row_ranks(full))
        got = blocked.similarity(p)
        assert (got != want).nnz == 0 and got.nnz == want.nnz
        # Same layout too (the shipped item_knn.npz is these arrays).
        assert np.array_equal(got.indptr, want.indptr) and np.array_equal(got.indices, want.indices)
        one_shot = rank_with_fill((blocked.history_weights(cases, p.decay) @ want).tocsr(),
                                  blocked.popularity, 10)
        assert np.array_equal(blocked.recommend(cases, 10), one_shot)


def test_long_baseline_fits_stop_between_blocks_when_asked(data: PreparedData) -> None:
    """Ctrl-C during training reaches a baseline's fit through ``check``: every tuned
    baseline calls it between blocks of its work and stops when it raises, instead of
    finishing the fit (item_knn takes minutes on a large clickstream)."""

    class Stop(Exception):
        pass

    tuned = [rec for rec in all_baselines() if isinstance(rec, Stoppable)]
    assert {rec.name for rec in tuned} == {"own_topk_popular", "item_knn", "tifu_knn"}
    for rec in tuned:
        calls = 0

        def check() -> None:
            nonlocal calls
            calls += 1
            if calls == 2:
                raise Stop

        rec.check = check
        with pytest.raises(Stop):
            rec.fit(data)
        assert calls == 2, rec.name


def test_drop_consumed_keeps_list_order_and_completes_short_rows() -> None:
    wide = np.array([[5, 0, 1, 3], [5, 0, 1, 3], [2, 0, 1, 3]])
    cases = [case([0, 1]), case([]), case([2, 0, 1])]
    assert drop_consumed(wide, cases, 3).tolist() == [[5, 3, 0], [5, 0, 1], [3, 2, 0]]
    # Item ids above every listed one (a long catalogue) cannot alias another row's keys.
    assert drop_consumed(np.array([[1, 2], [0, 1]]), [case([9]), case([])], 2).tolist() == [[1, 2], [0, 1]]


def test_tuned_baselines_judge_grid_points_as_the_pipeline_judges_their_lists(data: PreparedData) -> None:
    """Where own items are left out of every list, each grid point's validation score is
    the score of that setting's lists with them left out (what ExcludeHistory reports),
    not of the raw lists, whose slots on owned items never count there."""
    cases = [c for c in data.val_cases if not c.segment.get("masked") and len(c.history)]
    knn = ItemKNNRecommender()
    knn.GRID = (ItemKNNParams(2, 0.0, 1.0), ItemKNNParams(20, 10.0, 0.8))
    knn.exclude_history = True
    knn.fit(data)
    for row, p in zip(knn.tuning, knn.GRID, strict=True):
        fixed = ItemKNNRecommender(p)
        fixed.fit(data)
        want = evaluate(ExcludeHistory(fixed), cases, None, ks=(10, 20))
        assert row["val_recall@20"] == pytest.approx(want["recall@20"])
        assert row["val_ndcg@10"] == pytest.approx(want["ndcg@10"])
        raw = evaluate(fixed, cases, None, ks=(10, 20))
        assert raw["recall@20"] != pytest.approx(want["recall@20"])  # the fixture's shoppers re-buy

    tifu = TIFUKNNRecommender()
    tifu.exclude_history = True
    tifu.fit(data)
    # alpha = 1 (own items only) would list nothing but the popular fill, and every alpha
    # below 1 the same neighbour order: the decay is tuned with neighbours, alpha 0 is kept.
    assert {row["alpha"] for row in tifu.tuning} == {0.0} and tifu.params.alpha == 0.0
    assert len([row for row in tifu.tuning if "k_neighbours" in row]) == 2  # 300 is the decay's
    fixed_tifu = TIFUKNNRecommender(tifu.params)
    fixed_tifu.fit(data)
    best = max(row["val_recall@20+ndcg@10"] for row in tifu.tuning)
    m = evaluate(ExcludeHistory(fixed_tifu), [c for c in data.val_cases if len(c.history_baskets)], None,
                 ks=(10, 20))
    assert m["recall@20"] + m["ndcg@10"] == pytest.approx(best)

    # Many validation shoppers: the decays are ranked on a sample (said in their rows), and
    # every neighbour count, the decay's own included, is then scored on all of them.
    sampled = TIFUKNNRecommender()
    sampled.exclude_history, sampled.DECAY_CASES = True, 3
    sampled.fit(data)
    decay_rows = [row for row in sampled.tuning if "group_size" in row]
    assert decay_rows and all(row["val_shoppers"] == 3 for row in decay_rows)
    assert [row["k_neighbours"] for row in sampled.tuning if "k_neighbours" in row] == [50, 300, 900]
