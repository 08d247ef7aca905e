"""Choosing what ships and comparing honestly (cloud_trainer/champion.py), on small
hand-made data: the repeat decision, history exclusion, the paired bootstrap, the
repeat/explore gate and the per-segment champion."""

from __future__ import annotations

from pathlib import Path
from types import SimpleNamespace

import numpy as np
import pandas as pd
import pytest

from cloud_trainer.baselines import (
    ItemKNNParams,
    ItemKNNRecommender,
    OwnTopKPopularRecommender,
    TIFUKNNRecommender,
)
from cloud_trainer.champion import (
    ExcludeHistory,
    ScorerRecommender,
    _validation_repeats,
    choose_champion,
    heat_candidates,
    make_scorer,
    paired_bootstrap,
    per_case,
    repeat_decision,
    repeat_rate,
    staging_bundle,
    write_user_table,
)
from cloud_trainer.data import load_dataset
from cloud_trainer.dataset import EvalCase, PreparedData
from cloud_trainer.gate import explore_priors, fit_explore, fit_gate
from cloud_trainer.processing import prepare
from edge.bundle import ContextField, FeatureSpec, Item

RETAIL = Path(__file__).resolve().parent / "fixtures" / "retail"


def case(history: list[int], targets: list[int], *, user: str | None = "u", anonymous: bool = False,
         context: dict[str, str] | None = None) -> EvalCase:
    return EvalCase(user_id=user, history=np.asarray(history, dtype=np.int64),
                    history_baskets=[np.asarray([h]) for h in history], context=context or {},
                    targets=np.asarray(targets, dtype=np.int64),
                    segment={"anonymous": anonymous, "masked": False})


def small_spec(n: int = 6) -> FeatureSpec:
    return FeatureSpec(num_items=n, history_length=4, history_pad=n,
                       context_fields=[ContextField("hour", ["<unk>", *map(str, range(24))])],
                       input_tensors={}, output_tensor="")


def small_items(popularity: list[float]) -> list[Item]:
    return [Item(item_id=f"i{i}", name="", category="", department="", price=0.0, popularity=p)
            for i, p in enumerate(popularity)]


class FixedModel:
    """A stand-in network with fixed scores: what the gate and the champion read."""

    busy_since = None

    def __init__(self, scores: list[float]) -> None:
        self.scores = np.asarray(scores, dtype=np.float32)

    def score(self, history, context) -> np.ndarray:
        return self.scores


def test_repeat_rate_tells_grocery_from_ratings() -> None:
    grocery = prepare(load_dataset("csv", interactions=RETAIL / "generic" / "interactions.csv",
                                   items=RETAIL / "generic" / "items.csv"))
    ratings = prepare(load_dataset("csv", interactions=RETAIL / "ratings" / "interactions.csv",
                                   items=RETAIL / "ratings" / "items.csv"))
    assert repeat_rate(grocery) > 0.2
    assert repeat_rate(ratings) == 0.0
    assert repeat_decision(ratings)["decision"].startswith("0.0% of train target events")


def test_anonymous_baskets_are_not_read_as_evidence_of_no_repeats(tmp_path: Path) -> None:
    """A till export without shoppers: every basket is its own one-visit shopper, so the
    0 % repeat rate measures nothing, and the decision says so instead of "0.0 %"."""
    rng = np.random.default_rng(0)
    lines = ["Transaction,Item,date_time"]
    for basket in range(400):
        day, hour = 1 + basket * 28 // 400, 8 + basket % 10
        lines += [f"{basket},item{i},{day:02d}-02-2017 {hour:02d}:15"
                  for i in rng.choice(8, size=2, replace=False)]
    path = tmp_path / "till.csv"
    path.write_text("\n".join(lines) + "\n")
    decision = repeat_decision(prepare(load_dataset("csv", interactions=path)))
    assert decision["exclude_history"] is True
    assert decision["decision"].startswith("no shopper in train has a second basket")


def test_a_handful_of_validation_targets_does_not_decide_the_repeat_mode(tmp_path: Path) -> None:
    """One-visit shoppers whose baskets the validation cut-off ran through: their first
    lines are a 'history', the rest 1-5 targets, and those had set the repeat mode for
    every shopper (fuzz-ad). Below 30 such targets, the decision says so and keeps the
    default."""
    lines = ["user_id,item_id,timestamp,session_id"]
    for u in range(300):
        start = pd.Timestamp("2024-03-01") + pd.Timedelta(minutes=10 * u)
        lines += [f"u{u},i{(u * 7 + k) % 40},{start + pd.Timedelta(minutes=20 * k)},b{u}" for k in range(3)]
    path = tmp_path / "visits.csv"
    path.write_text("\n".join(lines) + "\n")
    data = prepare(load_dataset("csv", interactions=path))
    assert 0 < _validation_repeats(data)[1] < 30
    decision = repeat_decision(data)
    assert decision["exclude_history"] is True
    assert decision["decision"].startswith("no shopper in train has a second basket of target events, so nothing "
                                           "shows whether shoppers buy again (validation's known shoppers have ")


def test_a_cart_id_that_never_changes_leaves_the_repeat_decision_to_validation(tmp_path: Path) -> None:
    """A web shop's session id that is each shopper's cart for good: no shopper has a
    second basket in train, and that had been taken as 'does not repeat', so every list
    left out what the shopper had, though 76 % of their targets were such items (fuzz-ac).
    Validation's known shoppers now say whether they buy again."""
    def carts(minutes_apart: int) -> Path:
        rng = np.random.default_rng(1)
        lines = ["user_id,item_id,timestamp,session_id"]
        start = pd.Timestamp("2024-03-01 08:00")
        for u in range(60):
            own = rng.choice(30, size=4, replace=False)
            for k in range(28):
                item = own[k % 4] if rng.random() < 0.7 else rng.integers(0, 30)
                lines.append(f"u{u},i{item},{start + pd.Timedelta(minutes=minutes_apart * k + u)},cart-{u}")
        path = tmp_path / f"events-{minutes_apart}.csv"
        path.write_text("\n".join(lines) + "\n")
        return path

    # An export of two days: each cart is one basket.
    decision = repeat_decision(prepare(load_dataset("csv", interactions=carts(100))))
    assert decision["exclude_history"] is False
    assert decision["decision"].startswith("no shopper in train has a second basket of target events; in validation,")
    # Over four weeks such a cart is cut into its days (a basket id spanning more than two
    # days is no one visit), so train's own baskets show the repeat buying.
    raw = load_dataset("csv", interactions=carts(24 * 60))
    assert raw.interactions.groupby("user_id")["session_id"].nunique().eq(28).all()
    decision = repeat_decision(prepare(raw))
    assert decision["exclude_history"] is False and not decision["decision"].startswith("no shopper in train")


def test_sales_heat_is_offered_only_on_context_the_timestamps_really_tell() -> None:
    """Day numbers make up the weekday, a file without times the hour too: a heat table
    on them would be looked up with the device's real clock."""
    raw = load_dataset("csv", interactions=RETAIL / "generic" / "interactions.csv")
    fields = lambda raw: {c["context"]["field"] for c in heat_candidates(prepare(raw))}  # noqa: E731
    assert fields(raw) == {"hour", "weekday"}
    raw.real_context = ("hour",)
    assert fields(raw) == {"hour"}
    raw.real_context = ()
    assert heat_candidates(prepare(raw)) == []


def test_exclude_history_drops_owned_items_and_refills() -> None:
    class Fixed:
        name = "fixed"

        def recommend(self, cases, k):
            return np.tile(np.arange(k), (len(cases), 1))

    out = ExcludeHistory(Fixed()).recommend([case([0, 2], [5]), case([], [1])], 3)
    assert out.tolist() == [[1, 3, 4], [0, 1, 2]]


def test_shipped_scorer_is_evaluated_with_the_devices_consumed_set() -> None:
    # History length 4, but the shopper consumed 6 items: the device keeps all of them as
    # consumed (edge.state.store.consumed_items), so the trainer scores the same exclusion.
    n = 12
    stage = staging_bundle(small_items([float(i) for i in range(n)]), small_spec(n))
    rec = ScorerRecommender("shipped", make_scorer(stage, {"kind": "popularity", "exclude_history": True}, None))
    history = [11, 10, 9, 8, 7, 6]  # the six most popular, oldest first
    top = rec.recommend([case(history, [5])], 3)[0].tolist()
    assert top == [5, 4, 3]  # not 11 and 10, older than the model's 4-item history
    # And a scorer that does not exclude is untouched.
    plain = ScorerRecommender("pop", make_scorer(stage, {"kind": "popularity"}, None))
    assert plain.recommend([case(history, [5])], 3)[0].tolist() == [11, 10, 9]


def test_a_device_form_with_a_longer_history_lists_what_its_baseline_lists() -> None:
    # The model reads 4 items; the shopper's staple (item 1) is older than that. The
    # baseline counts the whole history, and so does the device form given "history".
    n = 12
    items = pd.DataFrame({"item_id": [f"i{i}" for i in range(n)], "category": ["c"] * n,
                          "popularity": [float(i) / n for i in range(n)]})
    data = PreparedData(name="t", items=items, users=pd.DataFrame({"user_id": []}), train=pd.DataFrame(),
                        val_cases=[], test_cases=[], context_fields={}, fingerprint="x")
    base = OwnTopKPopularRecommender(k=1)
    base.fit(data)
    history = [1, 1, 1, 2, 3, 4, 5]
    stage = staging_bundle(small_items(items["popularity"].tolist()), small_spec(n))
    windowed = ScorerRecommender("own", make_scorer(
        stage, {"kind": "own_topk", "k": 1, "history": 10, "then": {"kind": "popularity"}}, None))
    assert windowed.scorer.history_window == 10
    want = base.recommend([case(history, [1])], 3).tolist()
    assert want[0][0] == 1 and windowed.recommend([case(history, [1])], 3).tolist() == want
    cut = ScorerRecommender("own", make_scorer(stage, {"kind": "own_topk", "k": 1, "then": {"kind": "popularity"}}, None))
    assert cut.recommend([case(history, [1])], 3)[0][0] != 1  # the model's 4 items only


def test_paired_bootstrap_interval_brackets_the_mean_difference() -> None:
    rng = np.random.default_rng(1)
    base = rng.random(400)
    better = base + 0.1
    res = paired_bootstrap(better, base)
    assert res["diff"] == pytest.approx(0.1)
    assert res["ci95"][0] == pytest.approx(0.1) and res["ci95"][1] == pytest.approx(0.1)
    noisy = base + rng.normal(0, 0.2, 400)
    res = paired_bootstrap(noisy, base)
    assert res["ci95"][0] < res["diff"] < res["ci95"][1]
    assert res["ratio"] == pytest.approx(noisy.mean() / base.mean())
    assert paired_bootstrap(np.zeros(0), np.zeros(0))["ci95"] is None


def test_per_case_metrics_skip_cases_without_targets() -> None:
    lists = np.array([list(range(20)), list(range(20, 40))])
    cases = [case([], [0, 30]), case([], [])]
    out = per_case(lists, cases)
    assert out["recall@20"].tolist() == [0.5]
    assert out["ndcg@10"].tolist() == [pytest.approx(1.0 / (1 + 1 / np.log2(3)))]


def test_gate_moves_own_items_up_when_shoppers_rebuy() -> None:
    # The network prefers items 4, 5; every shopper re-buys what they had.
    model = FixedModel([0.0, 0.1, 0.2, 0.3, 2.0, 1.9])
    cases = [case([0, 0, 1], [0]), case([1, 2, 2], [2]), case([3, 3], [3])]
    w, _, trace = fit_gate(model, cases, small_spec())
    assert trace[0]["w"] == [0.0, 0.0, 0.0, 0.0] and trace[-1]["val_objective"] > trace[0]["val_objective"]
    assert w != [0.0, 0.0, 0.0, 0.0]


def test_gate_stays_off_when_the_network_already_ranks_best() -> None:
    model = FixedModel([0.0, 0.1, 0.2, 0.3, 2.0, 1.9])
    cases = [case([0, 1], [4]), case([2], [4]), case([3, 3], [4])]
    w, _, _ = fit_gate(model, cases, small_spec())
    # With k=20 on 6 items everything is listed: only ndcg can move, and moving own items up hurts.
    assert w[0] <= 0.0


def test_champion_is_chosen_per_segment_on_validation() -> None:
    # Popularity puts 5 first; known shoppers re-buy item 1, anonymous ones buy 5.
    stage = staging_bundle(small_items([0.1, 0.2, 0.3, 0.4, 0.5, 0.9]), small_spec())
    model = FixedModel([0.0, 0.1, 0.2, 0.3, 2.0, 1.9])  # a network that likes 4
    val = [case([1, 1], [1]), case([1, 2], [1]),
           case([], [5], user=None, anonymous=True), case([], [5], user=None, anonymous=True)]
    own = {"kind": "own_topk", "k": 1, "then": {"kind": "popularity"}}
    champ = choose_champion(
        {"known": [("model", {"kind": "model"}), ("own_topk_popular", own)],
         "anonymous": [("model", {"kind": "model"}), ("popularity", {"kind": "popularity"})]},
        stage, model, val, exclude_history=False)
    assert champ.spec == {"kind": "segmented", "known": own, "anonymous": {"kind": "popularity"}}
    assert "known shoppers: own_topk_popular" in champ.reason
    assert "anonymous shoppers: popularity" in champ.reason


def test_own_topk_popular_tunes_k_on_validation() -> None:
    items = pd.DataFrame({"item_id": list("abcdef"), "category": list("xxyyzz"),
                          "popularity": [0.1, 0.2, 0.3, 0.4, 0.5, 1.0]})
    # Shoppers re-buy their two staples: k = 1 loses the second one's ndcg.
    val = [case([0, 0, 1], [0, 1]), case([2, 3, 3], [2, 3])]
    data = PreparedData(name="t", items=items, users=pd.DataFrame({"user_id": []}),
                        train=pd.DataFrame(), val_cases=val, test_cases=[], context_fields={},
                        fingerprint="x")
    rec = OwnTopKPopularRecommender()
    rec.fit(data)
    assert rec.k >= 2
    assert [t["k"] for t in rec.tuning] == list(OwnTopKPopularRecommender.GRID_K)
    assert rec.recommend([case([4, 4, 1], [])], 3).tolist() == [[4, 1, 5]]


def test_item_knn_prunes_neighbours_and_shrinks_rare_pairs() -> None:
    items = pd.DataFrame({"item_id": list("abcd"), "category": list("xxyy"),
                          "popularity": [0.4, 0.3, 0.2, 0.1]})
    # a-b bought together by 3 shoppers; a-c by one shopper only.
    train = pd.DataFrame({"user_id": ["1", "1", "2", "2", "3", "3", "4", "4"],
                          "item_idx": [0, 1, 0, 1, 0, 1, 0, 2],
                          "timestamp": pd.to_datetime(["2024-01-01"] * 8),
                          "basket_id": list("11223344")})
    data = PreparedData(name="t", items=items, users=pd.DataFrame({"user_id": []}), train=train,
                        val_cases=[], test_cases=[], context_fields={}, fingerprint="x")
    rec = ItemKNNRecommender(ItemKNNParams(neighbours=2, shrink=0.0, decay=1.0))
    rec.fit(data)
    sim = rec.similarity(rec.params).toarray()
    assert (sim > 0).sum(axis=1).max() <= 2  # pruned to 2 neighbours per item
    assert sim[0, 1] == pytest.approx(3 / np.sqrt(4 * 3))
    shrunk = ItemKNNRecommender(ItemKNNParams(neighbours=2, shrink=10.0, decay=1.0))
    shrunk.fit(data)
    s2 = shrunk.similarity(shrunk.params).toarray()
    # Shrinkage hurts the one-shopper pair (c) far more than the three-shopper one (b).
    assert s2[2, 0] / sim[2, 0] < s2[1, 0] / sim[1, 0]


def test_user_table_keeps_the_shoppers_with_the_most_items_each_summing_to_one(tmp_path: Path) -> None:
    import scipy.sparse as sp

    # Rows: 3 items, empty, 1 item, 2 items (TIFU vectors of four train shoppers).
    vectors = sp.csr_matrix(np.array([[0.5, 0.2, 0.3, 0.0], [0, 0, 0, 0], [0, 0, 0, 2.0], [0.1, 0, 0, 0.3]]))
    spec = write_user_table(vectors, tmp_path / "users.npz", max_rows=2)
    assert spec == {"kind": "user_knn", "file": "users.npz"}
    with np.load(tmp_path / "users.npz") as npz:
        table = sp.csr_matrix((npz["data"], npz["indices"], npz["indptr"]), shape=(2, 4)).toarray()
    # The empty row is dropped, the 1-item row loses to the cap; order is kept.
    np.testing.assert_allclose(table, [[0.5, 0.2, 0.3, 0.0], [0.25, 0, 0, 0.75]], rtol=1e-6)


def test_tifu_grid_holds_the_published_dunnhumby_setting() -> None:
    decays = TIFUKNNRecommender.GRID_DECAY
    assert dict(group_size=3, r_b=0.9, r_g=0.6) in decays
    assert (900, 0.2) in TIFUKNNRecommender.GRID_BLEND


def test_champion_falls_back_where_validation_cannot_judge() -> None:
    """A segment without a validation case ships the fallback, not the network unvalidated
    (it had shipped the candidate listed first: the model); one with too few cases for an
    interval (a fuzz run's 1 shopper gave '[+0.0663, +0.0663]') keeps the fallback too."""
    stage = staging_bundle(small_items([0.1, 0.2, 0.3, 0.4, 0.5, 0.9]), small_spec())
    val = [case([], [4], user=None, anonymous=True)]  # every shopper new: nobody known
    champ = choose_champion(
        {"known": [("model", {"kind": "model"}), ("popularity", {"kind": "popularity"})],
         "anonymous": [("model", {"kind": "model"}), ("popularity", {"kind": "popularity"})]},
        stage, FixedModel([0.0, 0.1, 0.2, 0.3, 2.0, 1.9]), val, exclude_history=False)
    assert "known shoppers: no validation case, so popularity (the fallback) by default" in champ.reason
    assert "on 1 validation case(s), too few to tell systems apart, so the simpler popularity ships" in champ.reason
    assert champ.spec == {"kind": "popularity"}


def test_too_few_cases_give_no_interval_and_say_why() -> None:
    from cloud_trainer.champion import paired_bootstrap

    few = paired_bootstrap(np.array([0.5, 0.2]), np.array([0.1, 0.1]))
    assert few["ci95"] is None and few["n_cases"] == 2 and few["ratio"] == pytest.approx(3.5)
    assert few["why_no_ci95"] == "2 case(s): too few for an interval (fewer than 20)"
    enough = paired_bootstrap(np.full(20, 0.5), np.full(20, 0.25))
    assert enough["ci95"] == [0.25, 0.25]


def test_a_win_over_popularity_within_validation_noise_ships_popularity() -> None:
    # The network ranks 4 over 5, popularity 5 over 4; the catalogue fits in a top 20,
    # so only the order (ndcg@10) tells them apart.
    stage = staging_bundle(small_items([0.1, 0.2, 0.3, 0.4, 0.5, 0.9]), small_spec())
    model = FixedModel([0.0, 0.1, 0.2, 0.3, 2.0, 1.9])
    cands = {"known": [("model", {"kind": "model"}), ("popularity", {"kind": "popularity"})],
             "anonymous": [("popularity", {"kind": "popularity"})]}
    close = [case([1], [4]) for _ in range(12)] + [case([1], [5]) for _ in range(10)]
    champ = choose_champion(cands, stage, model, close, exclude_history=False)
    assert champ.spec == {"kind": "popularity"}
    assert "model (" in champ.reason and "is ahead only within noise" in champ.reason
    assert "so the simpler popularity ships" in champ.reason
    clear = [case([1], [4]) for _ in range(20)]
    champ = choose_champion(cands, stage, model, clear, exclude_history=False)
    assert champ.spec == {"kind": "segmented", "known": {"kind": "model"}, "anonymous": {"kind": "popularity"}}
    assert "known shoppers: model (" in champ.reason and "within noise" not in champ.reason


def test_a_close_win_over_the_named_fallback_ships_the_fallback() -> None:
    # The pipeline names the best baseline's device forms as the known segment's fallback;
    # here that is the network (4 first, then 5), and "own item, then popularity" (1, then
    # 5, 4) leads it narrowly. Popularity (5, 4, ...) trails both.
    stage = staging_bundle(small_items([0.1, 0.2, 0.3, 0.4, 0.5, 0.9]), small_spec())
    model = FixedModel([0.0, 0.1, 0.2, 0.3, 2.0, 1.9])
    own = {"kind": "own_topk", "k": 1, "then": {"kind": "popularity"}}
    cands = {"known": [("own", own), ("model", {"kind": "model"}), ("popularity", {"kind": "popularity"})],
             "anonymous": [("popularity", {"kind": "popularity"})]}
    fallbacks = {"known": ("the best baseline as a device runs it", ("model",))}
    close = [case([1], [1]) for _ in range(12)] + [case([1], [4]) for _ in range(10)]
    champ = choose_champion(cands, stage, model, close, exclude_history=False, fallbacks=fallbacks)
    assert champ.spec == {"kind": "segmented", "known": {"kind": "model"}, "anonymous": {"kind": "popularity"}}
    assert "own (" in champ.reason and "is ahead only within noise" in champ.reason
    assert "so model, the best baseline as a device runs it, ships" in champ.reason
    clear = [case([1], [1]) for _ in range(30)]
    champ = choose_champion(cands, stage, model, clear, exclude_history=False, fallbacks=fallbacks)
    assert champ.spec == {"kind": "segmented", "known": own, "anonymous": {"kind": "popularity"}}


def test_a_named_fallback_that_trails_popularity_gives_way_to_popularity() -> None:
    """A best baseline whose device form does worse than popularity on validation is no
    safe default: Netflix's 10k sample had shipped TIFU-KNN's device form, 0 validation
    hits, because popularity's lead (2 hits in 27 shoppers) was within noise."""
    stage = staging_bundle(small_items([0.1, 0.2, 0.3, 0.4, 0.5, 0.9]), small_spec())
    model = FixedModel([0.0, 0.1, 0.2, 0.3, 2.0, 1.9])  # 4, 5, 3, 2, 1, 0
    cands = {"known": [("model", {"kind": "model"}), ("popularity", {"kind": "popularity"})],
             "anonymous": [("popularity", {"kind": "popularity"})]}
    fallbacks = {"known": ("the best baseline as a device runs it", ("model",))}
    close = [case([1], [5]) for _ in range(12)] + [case([1], [4]) for _ in range(10)]
    champ = choose_champion(cands, stage, model, close, exclude_history=False, fallbacks=fallbacks)
    assert champ.spec == {"kind": "popularity"}
    assert "known shoppers: popularity (" in champ.reason and "ahead of model (" in champ.reason
    assert "within noise" not in champ.reason


def test_explore_fit_picks_the_prior_whose_discoveries_shoppers_buy() -> None:
    # 30 items; the network prefers 20-29 for everyone, but shoppers re-buy their own item
    # and discover items 10-12, which only the "hot" prior ranks first.
    n = 30
    model = FixedModel([0.0] * 20 + [3.0] * 10)
    spec = FeatureSpec(num_items=n, history_length=4, history_pad=n,
                       context_fields=[ContextField("hour", ["<unk>", *map(str, range(24))])],
                       input_tensors={}, output_tensor="")
    cases = [case([i, i], [i, 10 + i % 3]) for i in range(6)]
    priors = {"hot": {"table": [[10, 1.0], [11, 0.9], [12, 0.8], [25, 0.1]]},
              "cold": {"table": [[25, 1.0], [26, 0.9], [27, 0.8], [10, 0.01]]}}
    w, explore, value, trace = fit_explore(model, cases, spec, priors)
    assert explore is not None and explore["prior"] == "hot"
    assert explore["table"] == priors["hot"]["table"]
    assert value == trace[-1]["val_objective"] and w[3] > 0
    # The fitted scorer, run as the device runs it, lists own item then the discoveries.
    stage = staging_bundle(small_items([0.5] * n), spec)
    rec = ScorerRecommender("m", make_scorer(stage, {"kind": "model", "own_gate": {"w": w},
                                                     "explore": explore}, model))
    top = rec.recommend(cases[:1], 4)[0].tolist()
    assert top[0] == 0 and set(top[1:4]) == {10, 11, 12}


def test_buyers_prior_counts_shoppers_who_take_an_item_up_not_units_sold() -> None:
    # One shopper buys item 0 ten times; three shoppers buy item 1 once each, the same day.
    end = pd.Timestamp("2024-01-08")
    rows = [("a", 0)] * 10 + [("b", 1), ("c", 1), ("d", 1)]
    train = pd.DataFrame({"user_id": [u for u, _ in rows], "item_idx": [i for _, i in rows],
                          "timestamp": [end - pd.Timedelta(days=1)] * len(rows),
                          "event_type": ["purchase"] * len(rows)})
    data = SimpleNamespace(train=train, split_info={"val_start": str(end)}, num_items=3)
    priors = explore_priors(data)  # type: ignore[arg-type]
    assert [i for i, _ in priors["heat_1w"]["table"]] == [0, 1]
    buyers = priors["buyers_1w"]["table"]
    assert [i for i, _ in buyers] == [1, 0] and buyers[1][1] == pytest.approx(1 / 3)


def test_explore_priors_are_strictly_decreasing_tables_scaled_to_one() -> None:
    data = prepare(load_dataset("csv", interactions=RETAIL / "generic" / "interactions.csv",
                                items=RETAIL / "generic" / "items.csv"))
    priors = explore_priors(data)
    assert set(priors) == {"heat_1w", "heat_2w", "buyers_30d", "buyers_1w"}
    for prior in priors.values():
        values = [v for _, v in prior["table"]]
        assert values[0] == 1.0 and all(0 < b < a for a, b in zip(values, values[1:], strict=False))
        assert len({i for i, _ in prior["table"]}) == len(values) <= data.num_items
