"""What a screen shows is fit to show: enforced in the ranker, checked on the
real Complete Journey catalogue as the trainer names and prices it."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from edge.bundle import Item
from edge.reco.ranker import (
    MIN_PRICE,
    Placement,
    Ranker,
    department_mask,
    display_name,
    showable_mask,
)
from edge.state import StateStore


@pytest.fixture(scope="module")
def cj_catalogue(tmp_path_factory: pytest.TempPathFactory) -> list[Item]:
    from conftest import SHARED_DATA

    data = SHARED_DATA / "completejourney"
    if not (data / "products.csv").is_file():
        pytest.skip(f"Complete Journey data not found at {data}")
    from cloud_trainer.data.loaders import load_dataset
    from cloud_trainer.packaging import catalogue
    from cloud_trainer.processing import prepare

    # The catalogue exactly as a bundle's items.json gets it: trainer names, train-window prices.
    return catalogue(prepare(load_dataset("completejourney", data_dir=data)).items)


def _ranker(items: list[Item], tmp: Path, diversity: float = 0.3) -> tuple[StateStore, Ranker]:
    store = StateStore(tmp / "state.db", items)
    return store, Ranker(store, near_boost=0.5, diversity_weight=diversity)


def _check(store: StateStore, ranked, k: int, eligible: int) -> None:
    items = [store.items[r.index] for r in ranked]
    names = [display_name(it.name) for it in items]
    assert len(set(names)) == len(names), f"same name twice: {names}"
    for it in items:
        assert it.name and not display_name(it.name).startswith(f"product {it.item_id}"), it
        assert it.price >= MIN_PRICE, it  # never printed as 0.00
    assert len(ranked) == min(k, eligible)


def test_real_catalogue_has_the_problems_the_ranker_must_hide(cj_catalogue: list[Item]) -> None:
    names = [display_name(it.name) for it in cj_catalogue]
    assert len(set(names)) < len(names)  # e.g. several ids named "Gasoline-Reg Unleaded"
    assert not showable_mask(cj_catalogue).all()


def test_a_price_that_prints_as_zero_is_not_shown(cj_catalogue: list[Item]) -> None:
    # Complete Journey's fuel lines cost 0.002-0.003 a "unit": positive, but a screen
    # would print "Gasoline-Reg Unleaded 0.00".
    sub_cent = [i for i, it in enumerate(cj_catalogue) if 0 < it.price < 0.005]
    assert sub_cent, "the real catalogue has sub-cent prices"
    ok = showable_mask(cj_catalogue)
    assert not ok[sub_cent].any()
    assert ok[[i for i, it in enumerate(cj_catalogue) if it.price >= 0.005][:50]].any()


@pytest.mark.parametrize("diversity", [0.0, 0.3])
def test_every_list_on_the_real_catalogue_is_fit_to_show(
    cj_catalogue: list[Item], tmp_path: Path, diversity: float
) -> None:
    store, ranker = _ranker(cj_catalogue, tmp_path, diversity)
    rng = np.random.default_rng(3)
    eligible = int(showable_mask(cj_catalogue).sum())
    depts = sorted({it.department for it in cj_catalogue if it.department})
    # Scores that favour exactly the troublesome items: duplicate names, placeholders, zero prices.
    trouble = np.array([not ok for ok in showable_mask(cj_catalogue)], dtype=np.float32)
    dup = np.zeros(len(cj_catalogue), dtype=np.float32)
    seen: dict[str, int] = {}
    for it in cj_catalogue:
        seen[display_name(it.name)] = seen.get(display_name(it.name), 0) + 1
    for i, it in enumerate(cj_catalogue):
        dup[i] = seen[display_name(it.name)] > 1
    for trial in range(60):
        dept = depts[trial % len(depts)]
        placement = Placement(f"d{trial}", "z", department_mask(store, [dept]), dept)
        scores = rng.random(len(cj_catalogue), dtype=np.float32) + 3 * trouble + 2 * dup
        k = int(rng.integers(1, 12))
        _check(store, ranker.rank(scores, placement, k), k, eligible)


def test_slots_are_filled_when_the_short_list_runs_dry(tmp_path: Path) -> None:
    # 300 items share one name, then 5 distinct names: the cached short list of
    # 256 holds one distinct name only, yet all 4 slots must be filled.
    items = [Item(f"a{i}", "Gasoline-Reg Unleaded", "FUEL", "FUEL", 3.0) for i in range(300)]
    items += [Item(f"b{i}", f"Milk {i}", "DAIRY", "GROCERY", 2.0) for i in range(5)]
    items += [Item("z0", "", "X", "GROCERY", 1.0), Item("z1", "Product z1 (Private)", "X", "GROCERY", 1.0),
              Item("z2", "Bread", "X", "GROCERY", 0.0)]
    store, ranker = _ranker(items, tmp_path)
    scores = np.linspace(2, 1, len(items)).astype(np.float32)
    scores[-3:] = 10  # the unfit ones score best
    placement = Placement("d", "z", np.zeros(len(items), dtype=bool), "Grocery")
    ranked = ranker.rank(scores, placement, 4, key=("s",))
    _check(store, ranked, 4, eligible=6)
    assert [store.items[r.index].item_id for r in ranked][0] == "a0"
