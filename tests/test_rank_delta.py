"""Ranking an ``explore`` score vector from its delta (``Ranker._delta_best``) gives,
bit for bit, what ranking the whole vector gives: the same short list (items, order,
boosted scores) and the same displayed lists, on the real Complete Journey catalogue
(trainer names and prices, unshowable items, duplicate names, real departments) with
real shoppers' histories as the changed items, and on vectors built to tie."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from edge.bundle import Item
from edge.reco.ranker import Placement, Ranker, department_mask
from edge.runtime.scorers import (
    LazyScores,
    ScoreDelta,
    explore_base,
    gate_boost,
    own_counts,
)
from edge.state import Session, StateStore

GATE = [-2.0, 0.0, 0.0, 9.0]  # the shipped Complete Journey bundle's own_gate weights


@pytest.fixture(scope="module")
def cj(tmp_path_factory: pytest.TempPathFactory) -> dict:
    """The real catalogue as a bundle's items.json gets it, an explore prior built from
    the last week of its training window (as the shipped ``heat_1w`` prior), and real
    test shoppers' histories (the model's 100-item window)."""
    from conftest import SHARED_DATA

    data = SHARED_DATA / "completejourney"
    if not (data / "products.csv").is_file():
        pytest.skip(f"Complete Journey data not found at {data}")
    import pandas as pd

    from cloud_trainer.data.loaders import load_dataset
    from cloud_trainer.packaging import catalogue
    from cloud_trainer.processing import prepare

    prepared = prepare(load_dataset("completejourney", data_dir=data))
    items = catalogue(prepared.items)
    train = prepared.train
    last = train[train["timestamp"] >= train["timestamp"].max() - pd.Timedelta(days=7)]
    heat = last["item_idx"].value_counts().head(200)
    table = [[int(i), float(c) / float(heat.max())] for i, c in heat.items()]
    popularity = np.array([it.popularity for it in items], dtype=np.float64)
    popularity /= popularity.max()
    base = explore_base({"table": table, "weight": 4.0, "offset": 8.0}, popularity, "test")
    base.setflags(write=False)
    histories = [[int(x) for x in c.history[-100:]] for c in prepared.test_cases if len(c.history)]
    return {"items": items, "base": base, "histories": histories}


def delta_vector(base: np.ndarray, history: list[int], rng: np.random.Generator,
                 raw_scale: float = 3.0) -> ScoreDelta:
    """What ``_explore_fn`` makes: the base with the shopper's own items written in
    (a model's raw score, here seeded, plus the gate's boost for their counts)."""
    items, counts = own_counts(history, len(base))
    raw = rng.standard_normal(len(items)) * raw_scale
    return ScoreDelta(base, items, (raw + gate_boost(GATE, len(history), counts)).astype(np.float32))


def same_shortlist(a: tuple, b: tuple) -> bool:
    return (np.array_equal(a[0], b[0]) and np.array_equal(a[1].view(np.int32), b[1].view(np.int32))
            and a[2] == b[2])


def placements(store: StateStore, items: list[Item]) -> list[Placement]:
    depts = sorted({it.department for it in items if it.department})
    sizes = {d: sum(it.department == d for it in items) for d in depts}
    # The biggest departments (near class larger than the short list), small ones, none.
    chosen = sorted(depts, key=lambda d: -sizes[d])[:3] + sorted(depts, key=lambda d: sizes[d])[:2]
    out = [Placement(f"d-{d}", "z", department_mask(store, [d]), d) for d in chosen]
    out.append(Placement("d-none", "z", np.zeros(len(items), dtype=bool), "nothing"))
    return out


@pytest.mark.parametrize("near_boost", [0.5, 0.0, 3.0])
def test_delta_short_list_is_the_catalogue_wide_one_on_real_shoppers(
        cj: dict, tmp_path: Path, near_boost: float) -> None:
    store = StateStore(tmp_path / "s.db", cj["items"])
    delta_side = Ranker(store, near_boost=near_boost, diversity_weight=0.3)
    full_side = Ranker(store, near_boost=near_boost, diversity_weight=0.3, like=delta_side)
    rng = np.random.default_rng(7)
    checked = 0
    for p in placements(store, cj["items"]):
        near, token = delta_side._near_entry(p)  # noqa: SLF001
        for history in cj["histories"][:150]:
            delta = delta_vector(cj["base"], history, rng)
            scores = delta.vector()
            got = delta_side._shortlist(scores, token, near, None, delta)  # noqa: SLF001
            want = full_side._shortlist(scores, token, near, None)  # noqa: SLF001
            assert same_shortlist(got, want), (p.key, history)
            checked += 1
    # The delta path answered (not the catalogue-wide fallback) for nearly all of them,
    # and the merge into the base's sorted candidates (own values inside the base's
    # range) for many, the full delta path (a new max) for others.
    assert delta_side.delta_built >= 0.95 * checked, (delta_side.delta_built, checked)
    assert 0 < delta_side.delta_merged < delta_side.delta_built, (delta_side.delta_merged, checked)
    assert full_side.delta_built == 0


def test_own_values_inside_the_base_range_merge_into_the_base_candidates(cj: dict, tmp_path: Path) -> None:
    """The device's common case (3 of 4 fresh vectors in the real replay): the shopper's
    own values inside the base's range, so the bounds are the base's and the short list
    is the base's sorted candidates with the changed items' keys replaced
    (``Ranker._delta_merge``): the same short list as the whole vector gives, also for
    own values equal to a base value (ties by index), on the base's best items, on
    unshowable items, and on an own item that was the base's max (held again)."""
    store = StateStore(tmp_path / "s.db", cj["items"])
    delta_side = Ranker(store, near_boost=0.5, diversity_weight=0.3)
    full_side = Ranker(store, near_boost=0.5, diversity_weight=0.3, like=delta_side)
    base = cj["base"]
    lo, hi = float(base.min()), float(base.max())
    order = np.argsort(-base, kind="stable")
    unshowable = np.flatnonzero(~delta_side.showable)
    rng = np.random.default_rng(11)
    checked = 0
    for p in placements(store, cj["items"]):
        near, token = delta_side._near_entry(p)  # noqa: SLF001
        for j, history in enumerate(cj["histories"][:120]):
            items, _ = own_counts(history, len(base))
            if j % 4 == 1:  # some of the base's best items changed too, one to the base's max
                items = np.unique(np.r_[items, order[rng.integers(0, 300, 3)], order[0]])
            if j % 4 == 2:
                items = np.unique(np.r_[items, unshowable[rng.integers(0, len(unshowable), 2)]])
            values = rng.uniform(lo, hi, len(items)).astype(np.float32)
            if j % 4 == 3:  # equal to base values: ties with unchanged items, decided by index
                values = base[order[rng.integers(0, 400, len(items))]].copy()
            if j % 4 == 1:
                values[items == order[0]] = base[order[0]]
            delta = ScoreDelta(base, items, values)
            scores = delta.vector()
            got = delta_side._shortlist(scores, token, near, None, delta)  # noqa: SLF001
            want = full_side._shortlist(scores, token, near, None)  # noqa: SLF001
            assert same_shortlist(got, want), (p.key, j)
            assert delta_side.rank(LazyScores(delta), p, 6) == full_side.rank(scores, p, 6), (p.key, j)
            checked += 1
    assert delta_side.delta_merged >= 0.9 * checked, (delta_side.delta_merged, checked)
    assert full_side.delta_built == 0


def test_displayed_lists_are_the_same_with_stock_baskets_and_cached_short_lists(
        cj: dict, tmp_path: Path) -> None:
    """Whole rank calls, as the device makes them: cache keys (a short list reused by the
    next signals), shelves reporting items at displays (near masks change), items selling out (the best ones too, so short lists run dry and
    the whole catalogue is ranked again), baskets, several k."""
    store = StateStore(tmp_path / "s.db", cj["items"])
    delta_side = Ranker(store, near_boost=0.5, diversity_weight=0.3)
    full_side = Ranker(store, near_boost=0.5, diversity_weight=0.3, like=delta_side)
    rng = np.random.default_rng(8)
    ps = placements(store, cj["items"])
    n = len(cj["items"])
    vectors = []
    for j, history in enumerate(cj["histories"][:40]):
        vectors.append(((tuple(history[-8:]), j), history, delta_vector(cj["base"], history, rng)))
    top = np.argsort(-cj["base"], kind="stable")[:400]
    for step in range(600):
        key, history, delta = vectors[int(rng.integers(0, len(vectors)))]
        if step % 7 == 0:  # sell out some of the base's best items, restock others
            out = rng.choice(top, 40, replace=False)
            store.available[out] = False
            store.available[rng.choice(n, 200, replace=False)] = True
        if step % 50 == 25:  # a shelf reports items at a display: its near mask changes
            p = ps[int(rng.integers(0, len(ps)))]
            store.placed.setdefault(p.key, set()).update(int(x) for x in rng.choice(top, 5))
            store.placed_version += 1
        session = Session(key=f"l:{key[1]}", loyalty_id=str(key[1]), track_id=None, started_at=0.0,
                          last_seen=0.0, history=history, version=1)
        session.bought = {int(x) for x in rng.choice(history, min(5, len(history)), replace=False)}
        p = ps[int(rng.integers(0, len(ps)))]
        k = int(rng.integers(1, 9))
        # The device's score source hands the ranker a LazyScores (the vector not built).
        given = LazyScores(delta)
        scores = delta.vector()
        got = delta_side.rank(given, p, k, session=session, key=key)
        want = full_side.rank(scores, p, k, session=session, key=key)
        assert got == want, (step, p.key, k)
        # What a fallback builds is the very vector.
        assert np.array_equal(np.asarray(given).view(np.int32), scores.view(np.int32))
    assert delta_side.delta_built > 0
    assert delta_side.full_ranks == full_side.full_ranks > 0  # short lists did run dry


@pytest.mark.filterwarnings("ignore:invalid value encountered:RuntimeWarning")  # the full path on +inf
def test_ties_extremes_and_unshowable_changed_items(cj: dict, tmp_path: Path) -> None:
    """Changed items that take over the base's min or max, equal the base's values, sit on
    unshowable items, are all one value, or stretch the range so far that float32
    rounding makes whole runs of neighbouring base scores equal (ties at the cut,
    decided by index): the delta path's answer, or its fallback's, is the full one."""
    store = StateStore(tmp_path / "s.db", cj["items"])
    delta_side = Ranker(store, near_boost=0.5, diversity_weight=0.3)
    full_side = Ranker(store, near_boost=0.5, diversity_weight=0.3, like=delta_side)
    base = cj["base"]
    rng = np.random.default_rng(9)
    order = np.argsort(base, kind="stable")
    unshowable = np.flatnonzero(~delta_side.showable)
    ps = placements(store, cj["items"])

    def case(items: np.ndarray, values: np.ndarray) -> ScoreDelta:
        items = np.unique(items)
        return ScoreDelta(base, items, np.resize(np.asarray(values, dtype=np.float32), len(items)))

    cases = [
        case(order[:3], [base[order[-1]] + 1, 0.0, 5.0]),  # the base's min items changed (one to the top)
        case(order[-3:], [base[order[0]] - 1, 1.0, 2.0]),  # the base's max items changed
        case(order[-50:], base[order[-50:]]),  # changed, but to the values they had
        case(rng.choice(order[-300:], 60, replace=False), base[rng.choice(order[-300:], 60)]),  # equal to others'
        case(unshowable[:40], [1e3]),  # the best scores all on unshowable items
        case(np.r_[unshowable[:5], order[-5:]], [50.0, 1e-3]),
        case(order[-20:], [base[order[-1]]]),  # twenty equal to the base's max
        case(rng.choice(len(base), 80, replace=False), [1e4, -1e4]),  # range stretched: rounding ties
        case(rng.choice(len(base), 80, replace=False), [3e5, 7.9]),
        case(rng.choice(len(base), 30, replace=False), [1e30, -1e30]),  # span past the full path's 1e38
        case(rng.choice(len(base), 3, replace=False), [np.nan]),
        case(order[-3:], [1.0, np.nan, 2.0]),  # a NaN among finite values (not the first)
        case(order[-3:], [1.0, 2.0, np.inf]),
        case(rng.choice(len(base), 3, replace=False), [np.inf, 1.0]),
        case(rng.choice(len(base), 3, replace=False), [-np.inf]),
        case(np.zeros(0, dtype=np.int64), []),
    ]
    for j, delta in enumerate(cases):
        scores = delta.vector()
        for p in ps:
            near, token = delta_side._near_entry(p)  # noqa: SLF001
            got = delta_side._shortlist(scores, token, near, None, delta)  # noqa: SLF001
            want = full_side._shortlist(scores, token, near, None)  # noqa: SLF001
            assert same_shortlist(got, want), (j, p.key)
            assert delta_side.rank(LazyScores(delta), p, 6) == full_side.rank(scores, p, 6), (j, p.key)
    assert delta_side.delta_built > 0


def test_a_vector_equal_everywhere_and_a_tiny_catalogue(tmp_path: Path) -> None:
    """Degenerate shapes: every score equal (the full path's "all ones"), and a catalogue
    smaller than the short list (every class complete: no sentinel to beat)."""
    items = [Item(item_id=f"I{i}", name=f"Thing {i % 37}", category=f"C{i % 5}", department=f"D{i % 3}",
                  price=0.0 if i % 11 == 0 else 1.5, popularity=float((i * 7) % 13) / 13) for i in range(120)]
    store = StateStore(":memory:", items)
    delta_side = Ranker(store, near_boost=0.5, diversity_weight=0.3)
    full_side = Ranker(store, near_boost=0.5, diversity_weight=0.3, like=delta_side)
    pop = np.array([it.popularity for it in items])
    base = explore_base({"table": [[3, 1.0], [50, 0.5], [7, 0.5]], "weight": 1.0, "offset": 2.0}, pop, "t")
    flat = np.full(len(items), 2.0, dtype=np.float32)
    rng = np.random.default_rng(10)
    p = Placement("d", "z", department_mask(store, ["D1"]), "D1")
    near, token = delta_side._near_entry(p)  # noqa: SLF001
    for b in (base, flat):
        b.setflags(write=False)
        for _ in range(30):
            history = [int(x) for x in rng.integers(0, len(items), int(rng.integers(0, 12)))]
            delta = delta_vector(b, history, rng, raw_scale=0.0 if b is flat else 3.0)
            if b is flat:  # the own items written in with the base's one value
                delta = ScoreDelta(b, delta.items, np.full(len(delta.items), 2.0, dtype=np.float32))
            scores = delta.vector()
            got = delta_side._shortlist(scores, token, near, None, delta)  # noqa: SLF001
            want = full_side._shortlist(scores, token, near, None)  # noqa: SLF001
            assert same_shortlist(got, want)
    assert delta_side.delta_built >= 30  # the tiny catalogue's base: all by the delta path
