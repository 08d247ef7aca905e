"""The ranking pipeline: filters, near boost, MMR, reasons, popularity fallback."""

from __future__ import annotations

import json
import random

import numpy as np
import pytest
from edge_helpers import tiny_bundle

from edge.bundle import Item, load_bundle
from edge.comms.topics import Recommendation
from edge.reco import Placement, Ranker, RecoResult, ScoreSource, department_mask
from edge.runtime.model import load_scorer
from edge.state import Session, StateStore


def catalogue(n: int = 600, categories: int = 12) -> list[Item]:
    return [Item(item_id=f"I{i}", name=f"Item {i}", category=f"C{i % categories}",
                 department=["PRODUCE", "DELI", "GROCERY"][i % 3], price=1.0,
                 popularity=float(n - i)) for i in range(n)]


@pytest.fixture
def store() -> StateStore:
    s = StateStore(":memory:", catalogue())
    yield s
    s.close()


def placement(store: StateStore, depts=("PRODUCE",), key="d1", zone="z1") -> Placement:
    return Placement(key, zone, department_mask(store, list(depts)), "Produce")


def brute_mmr(cands: list[int], rel: list[float], cats: list[int], k: int, w: float) -> list[int]:
    top = rel[0]
    chosen: list[int] = []
    for _ in range(min(k, len(cands))):
        best, best_v = -1, -np.inf
        for j in range(len(cands)):
            if j in chosen:
                continue
            v = (1 - w) * rel[j] / top - w * (cats[j] in {cats[c] for c in chosen})
            if v > best_v:  # strict: ties keep the earlier (better ranked) candidate
                best, best_v = j, v
        chosen.append(best)
    return chosen


def test_linear_mmr_equals_the_textbook_definition(store: StateStore) -> None:
    rng = random.Random(3)
    for trial in range(300):
        n = rng.randint(2, 40)
        w = rng.choice([0.1, 0.3, 0.5, 0.9, 1.0])
        ranker = Ranker(store, near_boost=0.0, diversity_weight=w)
        cands = np.array(rng.sample(range(len(store.items)), n))
        rel = np.sort(np.array([rng.random() + 0.01 for _ in range(n)], dtype=np.float32))[::-1]
        k = rng.randint(1, 10)
        cats = store.category_codes[cands].tolist()
        assert ranker._mmr(cands, rel, k) == brute_mmr(cands.tolist(), rel.tolist(), cats, k, w), trial


def test_out_of_stock_and_bought_items_are_filtered(store: StateStore) -> None:
    ranker = Ranker(store, near_boost=0.0, diversity_weight=0.0)
    scores = -np.arange(len(store.items), dtype=np.float32)  # item 0 best
    p = placement(store)
    assert [r.index for r in ranker.rank(scores, p, 3, key=("s",))] == [0, 1, 2]
    store._set_quantity(0, 0)
    session = Session("t:x", None, "x", 0, 0, bought={1})
    assert [r.index for r in ranker.rank(scores, p, 3, session=session, key=("s",))] == [2, 3, 4]


def test_when_the_shortlist_sells_out_the_whole_catalogue_is_ranked(store: StateStore) -> None:
    ranker = Ranker(store, near_boost=0.0, diversity_weight=0.3)
    scores = -np.arange(len(store.items), dtype=np.float32)
    p = placement(store)
    ranker.rank(scores, p, 4, key=("s",))
    for i in range(Ranker.SHORTLIST + 10):  # everything the cached shortlist holds, and more
        store._set_quantity(i, 0)
    ranked = ranker.rank(scores, p, 4, key=("s",))
    assert len(ranked) == 4 and all(store.available[r.index] for r in ranked)
    assert ranker.full_ranks == 1
    store.available[:] = False
    assert ranker.rank(scores, p, 4, key=("s",)) == []


def test_near_boost_puts_reachable_items_first_and_says_so(store: StateStore) -> None:
    scores = -np.arange(len(store.items), dtype=np.float32)
    p = placement(store, depts=("DELI",))
    plain = Ranker(store, near_boost=0.0, diversity_weight=0.0).rank(scores, p, 3)
    boosted = Ranker(store, near_boost=1.0, diversity_weight=0.0).rank(scores, p, 3)
    assert [r.index for r in plain] == [0, 1, 2]
    assert all(store.items[r.index].department == "DELI" for r in boosted)
    assert all(r.reason == "right here in Deli" for r in boosted)


def test_shelf_placement_counts_as_near(store: StateStore) -> None:
    scores = -np.arange(len(store.items), dtype=np.float32)
    p = placement(store, depts=())
    ranker = Ranker(store, near_boost=5.0, diversity_weight=0.0)
    assert ranker.rank(scores, p, 1, key=("s",))[0].index == 0
    with store.transaction() as conn:
        store.update_inventory("I599", 4, "d1", 0.0, conn)  # a shelf at display d1 holds I599
    assert ranker.rank(scores, p, 1, key=("s",))[0].index == 599


def test_displays_facing_the_same_departments_share_one_short_list(store: StateStore) -> None:
    """Two endcaps of one aisle rank a score vector to the same short list: it is
    built once; a shelf report that changes one display's mask splits them again,
    and every list is what a ranker that shares nothing gives."""
    rng = np.random.default_rng(4)
    scores = rng.normal(0, 1, len(store.items)).astype(np.float32)
    a, b = placement(store, depts=("DELI",), key="a"), placement(store, depts=("DELI",), key="b")
    c = placement(store, depts=("GROCERY",), key="c")
    ranker = Ranker(store, near_boost=0.3, diversity_weight=0.2)

    def alone(p: Placement) -> list:
        return Ranker(store, near_boost=0.3, diversity_weight=0.2).rank(scores, p, 4, key=("s",))

    for p in (a, b, c):
        assert ranker.rank(scores, p, 4, key=("s",)) == alone(p)
    assert len(ranker._shortlists) == 2  # a and b: one entry
    with store.transaction() as conn:
        store.update_inventory("I599", 4, "b", 0.0, conn)  # a shelf at display b holds I599
    for p in (a, b, c):
        assert ranker.rank(scores, p, 4, key=("s",)) == alone(p)
    assert len(ranker._shortlists) == 2 + 3  # a new placed_version: b now differs from a
    assert ranker.near_mask(b)[599] and not ranker.near_mask(a)[599]


def test_a_short_list_ranked_again_picks_what_a_fresh_ranker_picks(store: StateStore) -> None:
    """What MMR picked from a cached short list is reused while the stock and basket
    at its items are unchanged (a smaller k takes a prefix), and picked again when
    either changes, the stock written in place included: every call gives what a
    ranker that keeps nothing gives."""
    rng = np.random.default_rng(7)
    scores = rng.normal(0, 1, len(store.items)).astype(np.float32)
    p = placement(store, depts=("DELI",))
    ranker = Ranker(store, near_boost=0.3, diversity_weight=0.3)
    mmr_runs = [0]
    mmr = ranker._mmr

    def counted(*args):
        mmr_runs[0] += 1
        return mmr(*args)

    ranker._mmr = counted  # type: ignore[method-assign]
    session = Session(key="s1", loyalty_id=None, track_id=None, started_at=0.0, last_seen=0.0, history=[5, 9])

    def check(k: int, sess: Session | None = session) -> list:
        got = ranker.rank(scores, p, k, session=sess, key=("s",))
        fresh = Ranker(store, near_boost=0.3, diversity_weight=0.3).rank(scores, p, k, session=sess, key=("s",))
        assert got == fresh
        return got

    first = check(6)
    assert mmr_runs[0] == 1
    check(6)
    check(4)  # a prefix of k = 6's picks
    assert mmr_runs[0] == 1
    check(8)  # more than was picked: MMR again
    assert mmr_runs[0] == 2
    store.available[first[0].index] = False  # in place, as a shelf count writes it
    assert first[0].index not in [r.index for r in check(6)]
    assert mmr_runs[0] == 3
    session.bought.add(first[1].index)
    assert first[1].index not in [r.index for r in check(6)]
    assert mmr_runs[0] == 4
    check(6, None)  # no basket: another mask
    assert mmr_runs[0] == 5
    store.available[first[0].index] = True
    before = check(6)
    assert mmr_runs[0] == 6
    # Another shopper with the same basket: the same mask, so the same picks, but the
    # reasons are computed for them (an item in their history was "bought before").
    other = Session(key="s2", loyalty_id=None, track_id=None, started_at=0.0, last_seen=0.0,
                    history=[before[2].index], bought=set(session.bought))
    again = check(6, other)
    assert mmr_runs[0] == 6
    assert [r.index for r in again] == [r.index for r in before]
    assert again[2].reason == "bought before" != before[2].reason


def test_diversity_spreads_categories(store: StateStore) -> None:
    scores = -np.arange(len(store.items), dtype=np.float32)
    scores[:: 12] += 1000  # category C0 dominates relevance
    p = placement(store, depts=())
    relevance_only = Ranker(store, near_boost=0.0, diversity_weight=0.0).rank(scores, p, 4)
    diverse = Ranker(store, near_boost=0.0, diversity_weight=0.7).rank(scores, p, 4)
    assert {store.items[r.index].category for r in relevance_only} == {"C0"}
    assert len({store.items[r.index].category for r in diverse}) == 4


def test_reasons_for_history_and_popularity(store: StateStore) -> None:
    scores = -np.arange(len(store.items), dtype=np.float32)
    p = placement(store, depts=("PRODUCE",))
    session = Session("l:a", "a", None, 0, 0, history=[0])
    ranked = Ranker(store, near_boost=0.0, diversity_weight=0.0).rank(scores, p, 2, session=session)
    assert ranked[0].reason == "bought before" and ranked[1].reason == "goes with your basket"
    pop = Ranker(store, near_boost=0.0, diversity_weight=0.0).rank(scores, p, 2, strategy="popularity")
    assert pop[0].reason == "popular in Produce" and pop[1].reason == "popular in store"


def test_popularity_fallback_ranks_the_zone_first(store: StateStore) -> None:
    source = ScoreSource(store, None)
    p = placement(store, depts=("GROCERY",))
    scores, strategy, key = source.scores(None, p, ["GROCERY"], 0.0)
    assert strategy == "popularity" and key == ("pop", "d1")
    ranked = Ranker(store, near_boost=0.0, diversity_weight=0.0).rank(scores, p, 5, strategy="popularity")
    assert {store.items[r.index].department for r in ranked} == {"GROCERY"}
    # ...the most popular grocery items first
    assert [r.index for r in ranked] == [2, 5, 8, 11, 14]


def test_model_scores_are_cached_per_history_and_context(tmp_path) -> None:
    scorer = load_scorer(tiny_bundle())
    store = StateStore(tmp_path / "s.db", load_bundle(tiny_bundle()).items)
    source = ScoreSource(store, scorer)
    p = placement(store)
    a = Session("t:a", None, "a", 0, 0)
    b = Session("t:b", None, "b", 0, 0)
    s1, strat, k1 = source.scores(a, p, ["PRODUCE"], 1000.0)
    s2, _, k2 = source.scores(b, p, ["PRODUCE"], 1000.0)
    assert strat == "model" and k1 == k2 and s1 is s2 and source.cache_hits == 1
    assert not s1.flags.writeable  # shared: nobody may modify a cached vector
    b.add_history([4])
    s3, _, k3 = source.scores(b, p, ["PRODUCE"], 1000.0)
    assert k3 != k1 and not np.array_equal(s3, s1)
    # cold_start = zone_popularity: anonymous shoppers without history get popularity
    cold = ScoreSource(store, scorer, cold_start="zone_popularity")
    assert cold.scores(a, p, ["PRODUCE"], 0.0)[1] == "popularity"
    assert cold.scores(b, p, ["PRODUCE"], 0.0)[1] == "model"
    store.close()


def test_reco_result_json_is_a_valid_contract_recommendation() -> None:
    rec = RecoResult("r1", "d1", "z1", ("sig-1", "store/s/shopper/location"), "t:x", "m1", "model", 12.5,
                     [{"item_id": "I1", "name": "Item \"1\"", "category": "C", "price": 1.5, "score": 0.9,
                       "position": 1, "reason": "popular right now"}])
    model = Recommendation.model_validate_json(rec.to_json())
    assert model.cause is not None and model.cause.signal_id == "sig-1"
    assert rec.model() == model
    assert json.loads(rec.to_json())["v"] == 1
    start = RecoResult("r2", "d1", "z1", None, None, None, "popularity", 1.0, [])
    assert Recommendation.model_validate_json(start.to_json()).cause is None


def test_score_cache_is_bounded_by_memory(tmp_path) -> None:
    scorer = load_scorer(tiny_bundle())
    store = StateStore(tmp_path / "s.db", load_bundle(tiny_bundle()).items)
    source = ScoreSource(store, scorer, cache_mb=0.001)
    assert source.cache_size == 16  # the floor: 1 kB holds fewer vectors than that
    p = placement(store)
    for i in range(100):
        s = Session(f"t:{i}", None, str(i), 0, 0, history=[i % 48, (i * 7) % 48])
        source.scores(s, p, ["PRODUCE"], 0.0)
        assert len(source._cache) <= source.cache_size
    store.close()


def test_items_the_scorer_excludes_stay_off_a_cached_short_list(store: StateStore) -> None:
    """-inf marks items the scorer excludes (a member's consumed items): whether a
    short list holds any is decided when it is built, and a list served from the
    cache must still leave them out (fewer eligible items than slots: a short list)."""
    scores = -np.arange(len(store.items), dtype=np.float32)
    scores[:590] = -np.inf  # only I590..I599 may be shown
    ranker = Ranker(store, near_boost=0.0, diversity_weight=0.2)
    for _ in range(3):  # built, then cached
        shown = [r.index for r in ranker.rank(scores, placement(store, depts=()), 12, key=("x",))]
        assert sorted(shown) == list(range(590, 600)), shown
    finite = -np.arange(len(store.items), dtype=np.float32)
    for _ in range(2):
        assert [r.index for r in ranker.rank(finite, placement(store, depts=()), 3, key=("y",))] == [0, 1, 2]


def test_one_item_per_display_name_on_every_call() -> None:
    """Name de-duplication keeps scratch state between calls: each call must see
    only its own candidates (the best-ranked item of each name)."""
    items = [Item(item_id=f"I{i}", name=f"Name {i % 7}", category=f"C{i % 5}", department="DELI",
                  price=1.0, popularity=1.0) for i in range(200)]
    s = StateStore(":memory:", items)
    try:
        ranker = Ranker(s, near_boost=0.0, diversity_weight=0.0)
        rng = np.random.default_rng(9)
        for t in range(20):
            scores = rng.normal(0, 1, len(items)).astype(np.float32)
            got = [r.index for r in ranker.rank(scores, placement(s, depts=()), 7, key=(t,))]
            best_of_name: dict[str, int] = {}
            for i in np.argsort(-scores, kind="stable").tolist():
                best_of_name.setdefault(items[i].name, i)
            assert sorted(got) == sorted(best_of_name.values()), t
    finally:
        s.close()


@pytest.mark.parametrize("on_stride", [0, 40, 100])
def test_top_k_is_exact_whichever_sample_cut_it_takes(on_stride: int) -> None:
    """top_k narrows the catalogue by a cut from a strided sample; the best scores
    placed on the sample's stride make the first cut (40 of them) and the second
    one (100) let too few through, so the lower cut and the whole vector are taken:
    every path gives the exact top k, ties by lower index."""
    from edge.reco.ranker import top_k

    rng = np.random.default_rng(on_stride)
    n, k = 18_307, 256
    for trial in range(4):
        s = (np.round(rng.random(n) * 64) / 64).astype(np.float32)  # ties
        s[np.arange(on_stride) * 16] = 2 + rng.random(on_stride).astype(np.float32)
        expected = sorted(range(n), key=lambda i: (-float(s[i]), i))[:k]
        assert top_k(s, k, nan_free=True).tolist() == expected, (on_stride, trial)


def test_top_k_orders_signed_zeros_infinities_and_subnormals_as_floats_do() -> None:
    """top_k sorts float32 scores as integer keys built from their bits: -0.0 and
    +0.0 must tie (lower index first), and negatives, infinities and subnormals keep
    their float order, on the sampled path and on the whole vector."""
    from edge.reco.ranker import top_k

    rng = np.random.default_rng(21)
    specials = np.array([0.0, -0.0, np.inf, -np.inf, 1e-45, -1e-45, 1e-40, -3.0, 3.0, 0.5],
                        dtype=np.float32)
    for trial in range(40):
        n = [50, 3000, 18_307][trial % 3]
        s = rng.choice(specials, n).astype(np.float32)
        if trial % 2:  # half of them ordinary values, still with ties among the specials
            mixed = rng.random(n) < 0.5
            s[mixed] = rng.normal(0, 1, int(mixed.sum())).astype(np.float32)
        k = int(rng.integers(1, min(n, 400) + 1))
        expected = sorted(range(n), key=lambda i: (-float(s[i]), i))[:k]
        assert top_k(s, k, nan_free=True).tolist() == expected, (trial, n, k)
        assert top_k(s, k).tolist() == expected, (trial, n, k)


def test_recommender_lists_each_generations_own_items_and_keeps_their_ids(tmp_path) -> None:
    """The recommender remembers each shown item's fields per catalogue: a swapped-in
    generation whose catalogue names the same index differently shows its own names,
    and ``item_ids`` (read by the board and the log row) is the items' ids, a copy."""
    from types import SimpleNamespace

    from edge.observability.registry import Registry
    from edge.reco.recommender import Recommender

    def generation(items: list[Item]) -> SimpleNamespace:
        store = StateStore(":memory:", items)
        ranker = Ranker(store, near_boost=0.5, diversity_weight=0.3)
        return SimpleNamespace(catalogue=SimpleNamespace(items=items), scores=ScoreSource(store, None),
                               ranker=ranker, model_version=None)

    first = catalogue()
    renamed = [Item(item_id=f"N{i}", name=f"Renamed {i}", category=it.category, department=it.department,
                    price=it.price + 1, popularity=it.popularity) for i, it in enumerate(first)]
    layout = SimpleNamespace(departments=lambda key, zone: ["PRODUCE"])
    rec = Recommender("dev", layout, Registry())  # type: ignore[arg-type]
    for items in (first, renamed, first):
        gen = generation(items)
        p = placement(gen.ranker.store)
        got = rec.recommend(gen, p, None, 5, ("sig", "topic"))  # type: ignore[arg-type]
        assert [d["item_id"] for d in got.items] == got.item_ids and len(got.items) == 5
        for d in got.items:
            it = items[[i.item_id for i in items].index(d["item_id"])]
            assert (d["name"], d["category"], d["price"], d["department"]) == (
                it.name, it.category, it.price, it.department)
        got.item_ids.append("X")  # a copy: the result's own list is unchanged
        assert got.item_ids == [d["item_id"] for d in got.items]
