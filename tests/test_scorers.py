"""Bundle-declared scorer kinds (edge/runtime/scorers.py): the device runs what the
manifest's ``scorer`` says, with numpy alone, and refuses a malformed one."""

from __future__ import annotations

import io
import json
from pathlib import Path
from typing import Any

import numpy as np
import pytest
import scipy.sparse as sp
from edge_helpers import tiny_bundle

from cloud_trainer.baselines import rank_with_fill
from cloud_trainer.gate import _gate_lists, _GateCase
from edge.bundle import Bundle, BundleError, GoldenCase, Manifest, load_bundle, topk, write_bundle
from edge.runtime.model import Scorer, load_scorer
from edge.runtime.scorers import (
    BundleScorer,
    UserTable,
    float32_descending,
    gate_boost,
    gate_values,
    gated_fast,
    heat_scores,
    own_counts,
    own_tail_order,
    own_topk,
)

GOLDEN_INPUTS = [
    ([], {}),
    ([], {"hour": "8"}),
    ([3, 5, 5, 7], {"hour": "17"}),
    ([11, 12, 11, 11], {"weekday": "2"}),
]


def rebundle(tmp_path: Path, scorer: dict[str, Any], files: dict[str, bytes] | None = None, *,
             older_ties: bool = False) -> Path:
    """The tiny test bundle re-written with ``scorer`` in its manifest and golden
    cases computed by running that scorer (as the trainer does; ``older_ties``: with
    the tie rules of firmware before the current ones, as an older trainer did)."""
    src = load_bundle(tiny_bundle())
    model = Scorer(src) if "model" in json.dumps(scorer) else None
    stage_dir = tmp_path / "stage"
    stage_dir.mkdir(parents=True)
    for name, data in (files or {}).items():
        (stage_dir / name).write_bytes(data)
    staged = Bundle(path=stage_dir, manifest=src.manifest, items=src.items, spec=src.spec, golden=[])
    staged.manifest = Manifest(**{**staged.manifest.__dict__, "files": {}})
    runner = BundleScorer(staged, scorer, model)
    runner.reference_ties = older_ties
    golden = [
        GoldenCase(history=h, context=c, expected_topk=topk(runner.score(h, runner.encode_context(c)), 10).tolist())
        for h, c in GOLDEN_INPUTS
    ]
    out = tmp_path / "bundle"
    write_bundle(out, model_bytes=src.model_path.read_bytes(), items=src.items, spec=src.spec,
                 golden=golden, model_version="scorer-test", dataset_fingerprint="synthetic",
                 metrics={}, make_tarball=False, scorer=scorer, scorer_files=files)
    return out


def heat_context() -> dict[str, Any]:
    # Evenings: items 40 and 41 are hot; mornings: item 2.
    groups = {**{str(h): "morning" for h in range(6, 12)}, **{str(h): "evening" for h in range(17, 23)}}
    return {"field": "hour", "groups": groups, "smoothing": 0.1,
            "table": {"evening": [[40, 0.3], [41, 0.2]], "morning": [[2, 0.4]]},
            "total": {"evening": 0.5, "morning": 0.4}}


def test_bundle_without_scorer_field_runs_the_tflite_model() -> None:
    scorer = load_scorer(tiny_bundle())
    assert isinstance(scorer, Scorer)


def test_own_topk_then_popularity_puts_the_shoppers_staples_first(tmp_path: Path) -> None:
    scorer = load_scorer(rebundle(tmp_path, {"kind": "own_topk", "k": 2, "then": {"kind": "popularity"}}))
    assert isinstance(scorer, BundleScorer) and scorer.model is None  # no LiteRT needed
    pop_order = topk(np.array([it.popularity for it in scorer.bundle.items]), 5).tolist()
    before = scorer.inferences  # the load's smoke test already ran the golden cases
    # 11 three times, 12 once, 7 once (latest): top-2 own = 11, then 7 (latest of the ties).
    got = topk(scorer.score([12, 11, 7, 11, 11], (0, 0, 0)), 5).tolist()
    assert got[:2] == [11, 7]
    assert got[2:] == [i for i in pop_order if i not in (11, 7)][:3]
    assert scorer.inferences == before + 1 and scorer.busy_since is None
    assert scorer.smoke_test().ok


def test_context_heat_follows_the_hour_and_falls_back_to_popularity(tmp_path: Path) -> None:
    spec = {"kind": "popularity", "context": heat_context()}
    scorer = load_scorer(rebundle(tmp_path, spec))
    evening = topk(scorer.score([], scorer.encode_context({"hour": "19"})), 2).tolist()
    morning = topk(scorer.score([], scorer.encode_context({"hour": "8"})), 1).tolist()
    unknown = scorer.score([], scorer.encode_context({}))
    assert evening == [40, 41] and morning == [2]
    pop = np.array([it.popularity for it in scorer.bundle.items])
    assert topk(unknown, 5).tolist() == topk(pop, 5).tolist()
    # The formula: (heat + m * share) / (total + m).
    share = pop / pop.sum()
    expected = heat_scores(heat_context(), pop, "19")
    assert expected[40] == pytest.approx((0.3 + 0.1 * share[40]) / 0.6)


def test_segmented_serves_anonymous_and_known_shoppers_differently(tmp_path: Path) -> None:
    spec = {"kind": "segmented",
            "known": {"kind": "model", "own_gate": {"w": [1.0, 0.0, 0.0, 2.0]}},
            "anonymous": {"kind": "popularity", "context": heat_context()}}
    scorer = load_scorer(rebundle(tmp_path, spec))
    assert scorer.smoke_test().ok
    before = scorer.inferences
    anon = topk(scorer.score([], scorer.encode_context({"hour": "19"})), 2).tolist()
    assert anon == [40, 41]
    # Known: the model's scores, own items raised by 1 + 2 log(count).
    plain = Scorer(scorer.bundle).score([5, 9, 9], (0, 0, 0)).astype(np.float64)
    got = scorer.score([5, 9, 9], (0, 0, 0))
    assert got[5] == pytest.approx(plain[5] + 1.0, abs=1e-4)
    assert got[9] == pytest.approx(plain[9] + 1.0 + 2.0 * np.log(2), abs=1e-4)
    others = np.setdiff1d(np.arange(len(got)), [5, 9])
    assert np.allclose(got[others], plain[others], atol=1e-5)
    assert scorer.busy_since is None and scorer.inferences == before + 2


def test_own_tail_keeps_the_head_and_lists_own_items_next(tmp_path: Path) -> None:
    spec = {"kind": "model", "own_gate": {"w": [0.0, 0.0, 0.0, 0.0]}, "own_tail": 3}
    scorer = load_scorer(rebundle(tmp_path, spec))
    plain = Scorer(scorer.bundle).score([], (0, 0, 0))
    order = topk(plain, 48).tolist()
    history = order[-2:] + order[1:2]  # two of the model's worst items and its second best
    got = topk(scorer.score(history, (0, 0, 0)), 6).tolist()
    head = topk(Scorer(scorer.bundle).score(history, (0, 0, 0)), 3).tolist()
    own_rest = [i for i in history if i not in head]
    assert got[:3] == head  # the model's own top 3 for this shopper
    assert sorted(got[3:3 + len(own_rest)]) == sorted(own_rest)  # then the rest of their items


def test_explore_merges_own_items_by_the_gate_and_discoveries_by_the_prior(tmp_path: Path) -> None:
    # Items 40, 41, 42 are the prior's discoveries (41 the hottest); the shopper owns 3 and 5.
    explore = {"prior": "heat_1w", "table": [[41, 1.0], [40, 0.5], [42, 0.25], [3, 0.2]],
               "weight": 1.0, "offset": 2.0}
    w = [0.5, 0.0, 0.0, 1.0]
    spec = {"kind": "model", "own_gate": {"w": w}, "explore": explore}
    scorer = load_scorer(rebundle(tmp_path, spec))
    net = Scorer(scorer.bundle)
    history = [3, 5, 5]
    got = scorer.score(history, (0, 0, 0))
    raw = net.score(history, (0, 0, 0)).astype(np.float64)
    items, counts = own_counts(history, 48)
    # Own items: the network's score plus the gate (3 is also in the table: its own score wins).
    assert got[items].tolist() == (raw[items] + gate_boost(w, 3, counts)).astype(np.float32).tolist()
    # Discoveries: weight * ln(value) + offset, in table order.
    assert got[[41, 40, 42]].tolist() == pytest.approx([2.0, 2.0 + np.log(0.5), 2.0 + np.log(0.25)])
    # Everything else below the table, by popularity.
    rest = np.setdiff1d(np.arange(48), [3, 5, 40, 41, 42])
    assert got[rest].max() < got[[40, 41, 42]].min()
    pop = np.array([it.popularity for it in scorer.bundle.items])
    assert topk(got[rest], 5).tolist() == topk(pop[rest], 5).tolist()
    # A shopper without own items gets the prior alone, and the model is not run.
    calls = []
    scorer.model.score = lambda h, c: calls.append(h)  # type: ignore[method-assign]
    assert topk(scorer.score([], (0, 0, 0)), 3).tolist() == [41, 40, 42]
    assert calls == []


def test_explore_fit_ranks_as_the_device_does() -> None:
    """The trainer's evaluation of ``explore`` (``_explore_lists``) gives the top 20 the
    device's scores give, ties at equal float32 scores to the lower item id."""
    from cloud_trainer.gate import _explore_lists, _ExplorePack

    rng = np.random.default_rng(5)
    n = 300
    items = [type("It", (), {"popularity": float(p)})() for p in rng.random(n)]
    for trial in range(100):
        scores = (rng.integers(-50, 50, n) * np.float32(0.1)).astype(np.float32)
        history = rng.integers(0, n, int(rng.integers(1, 30))).tolist()
        values = np.sort(rng.choice([1.0, 0.5, 0.25, 0.125], 60))[::-1]
        table = [[int(i), float(v)] for i, v in zip(rng.permutation(n)[:60], values, strict=True)]
        w = [float(rng.normal(0, 1)), 0.0, 0.0, float(rng.choice([0.0, 1.0, 2.0]))]
        weight, offset = float(rng.choice([1.0, 2.0])), float(rng.normal(0, 2))
        from edge.runtime.scorers import explore_base

        device = explore_base({"table": table, "weight": weight, "offset": offset},
                              np.array([it.popularity for it in items]), "t")
        own, counts = own_counts(history, n)
        device[own] = scores[own].astype(np.float64) + gate_boost(w, len(history), counts)
        case = _GateCase(own, scores[own].astype(np.float64), counts, len(history),
                         np.zeros(0, np.int64), np.zeros(0))
        pack = _ExplorePack.of([case])
        trainer = _explore_lists(pack, pack.fill(table), w, weight, offset)[0]
        expected = np.lexsort((np.arange(n), -device.astype(np.float64)))[:20]
        assert trainer.tolist() == expected.tolist(), trial


def knn_table(n: int = 48) -> bytes:
    """Item i's neighbours: i+1 (0.9) and i+2 (0.5), cyclic."""
    indptr = np.arange(0, 2 * n + 1, 2, dtype=np.int32)
    indices = np.array([[(i + 1) % n, (i + 2) % n] for i in range(n)], dtype=np.int32).ravel()
    data = np.tile(np.array([0.9, 0.5], dtype=np.float32), n)
    buf = io.BytesIO()
    np.savez_compressed(buf, indptr=indptr, indices=indices, data=data)
    return buf.getvalue()


def test_item_knn_scores_neighbours_of_the_history_from_a_hashed_bundle_file(tmp_path: Path) -> None:
    path = rebundle(tmp_path, {"kind": "item_knn", "file": "knn.npz"}, {"knn.npz": knn_table()})
    assert "knn.npz" in load_bundle(path).manifest.files  # listed, so hash-checked
    scorer = load_scorer(path)
    assert scorer.smoke_test().ok
    # History 10 (twice) and 20: 11 = 1.8, 12 = 1.0, 21 = 0.9, 22 = 0.5, then popularity.
    got = topk(scorer.score([10, 20, 10], (0, 0, 0)), 5).tolist()
    assert got[:4] == [11, 12, 21, 22]
    pop = np.array([it.popularity for it in scorer.bundle.items])
    assert got[4] == [i for i in topk(pop, 10).tolist() if i not in (11, 12, 21, 22)][0]
    (path / "knn.npz").write_bytes(knn_table(47))
    with pytest.raises(BundleError, match="sha256"):
        load_scorer(path)  # a changed table is refused by its hash


def test_item_knn_decay_lets_recent_history_items_lead(tmp_path: Path) -> None:
    plain = load_scorer(rebundle(tmp_path / "a", {"kind": "item_knn", "file": "knn.npz"},
                                 {"knn.npz": knn_table()}))
    decayed = load_scorer(rebundle(tmp_path / "b", {"kind": "item_knn", "file": "knn.npz", "decay": 0.5},
                                   {"knn.npz": knn_table()}))
    # History 10 then 20. Plain: 11 = 21 = 0.9, 12 = 22 = 0.5 (ties: the more popular first).
    assert topk(plain.score([10, 20], (0, 0, 0)), 4).tolist() == [21, 11, 12, 22]
    # Decay 0.5: 10 weighs 0.5, so 21 = 0.9, 22 = 0.5, 11 = 0.45, 12 = 0.25.
    assert topk(decayed.score([10, 20], (0, 0, 0)), 4).tolist() == [21, 22, 11, 12]


def test_item_knn_equal_scores_go_to_the_more_popular_item(tmp_path: Path) -> None:
    scorer = load_scorer(rebundle(tmp_path, {"kind": "item_knn", "file": "knn.npz"}, {"knn.npz": knn_table()}))
    pop = {i: scorer.bundle.items[i].popularity for i in (11, 12, 21, 22)}
    assert pop[21] > pop[11] and pop[12] > pop[22]  # the tiny bundle's sales heat
    # 11 and 21 both score 0.9, 12 and 22 both 0.5: the more popular of each pair leads,
    # as the item_knn baseline ranks them; the index alone would put 11 before 21.
    assert topk(scorer.score([10, 20], (0, 0, 0)), 4).tolist() == [21, 11, 12, 22]
    scorer.reference_ties = True  # firmware before the rule: ties left to the ranker
    assert topk(scorer.score([10, 20], (0, 0, 0)), 4).tolist() == [11, 21, 12, 22]


def test_item_knn_bundle_lists_what_the_item_knn_baseline_lists_on_a_table_full_of_ties(tmp_path: Path) -> None:
    """The trainer ships item_knn as chosen on validation; its device form must list what
    the baseline lists, ties included, or ``shipped`` trails the very baseline it is."""
    n = 48
    rng = np.random.default_rng(7)
    table = sp.random(n, n, density=0.3, random_state=11, format="csr")
    table.data = rng.choice([0.25, 0.5, 1.0], size=len(table.data))  # few values: many ties
    buf = io.BytesIO()
    np.savez_compressed(buf, indptr=table.indptr.astype(np.int32), indices=table.indices.astype(np.int32),
                        data=table.data.astype(np.float32))
    scorer = load_scorer(rebundle(tmp_path, {"kind": "item_knn", "file": "knn.npz"}, {"knn.npz": buf.getvalue()}))
    pop = np.array([it.popularity for it in scorer.bundle.items])
    histories = [rng.choice(n, size=int(rng.integers(1, 6)), replace=True).tolist() for _ in range(200)]
    counts = sp.csr_matrix((np.ones(sum(map(len, histories))),
                            (np.repeat(np.arange(len(histories)), [len(h) for h in histories]),
                             np.concatenate(histories))), shape=(len(histories), n))
    counts.sum_duplicates()
    expected = rank_with_fill(counts @ table, pop, 20)
    tied = 0
    for h, want in zip(histories, expected, strict=True):
        got = topk(scorer.score(h, (0, 0, 0)), 20)
        assert got.tolist() == want.tolist(), h
        raw = np.zeros(n)
        for item in h:
            a, b = table.indptr[item], table.indptr[item + 1]
            raw[table.indices[a:b]] += table.data[a:b]
        top = raw[want]
        tied += int(np.any((top[1:] == top[:-1]) & (top[1:] > 0)))
    assert tied > 100  # the lists really were decided by ties


def test_knn_ties_keep_their_order_through_the_device_rankers_scaling(tmp_path: Path) -> None:
    """The ranker scales scores to [0, 1] in float32 before it boosts and ranks them; the
    popularity order of tied scores must survive that, or screens list ties by index."""
    from edge.reco.ranker import Ranker
    from edge.reco.ranker import top_k as ranker_top_k

    n = 48
    indptr = np.zeros(n + 1, dtype=np.int32)
    indptr[4:] = 40  # item 3: 40 neighbours, 37 of them tied at 0.8
    data = np.full(40, 0.8, dtype=np.float32)
    data[:3] = (3.0, 0.9, 0.85)
    buf = io.BytesIO()
    np.savez_compressed(buf, indptr=indptr, indices=np.arange(8, 48, dtype=np.int32), data=data)
    scorer = load_scorer(rebundle(tmp_path, {"kind": "item_knn", "file": "knn.npz"}, {"knn.npz": buf.getvalue()}))
    scores = scorer.score([3], (0, 0, 0))
    ranker = Ranker.__new__(Ranker)  # only what the scaling uses: no store needed
    ranker.near_boost, ranker._near_boost = 0.25, {}
    scaled = ranker.boosted(scores, np.zeros(n, dtype=bool))
    assert len(np.unique(scaled[8:48])) == 40  # every scored item keeps a value of its own
    assert ranker_top_k(scaled, 30).tolist() == topk(scores, 30).tolist()


def test_float32_descending_keeps_order_and_steps_ties_apart() -> None:
    values = np.array([5.0, 3.0, 3.0, 3.0, 2.0 + 1e-9, 2.0, 2.0])  # 2 + 1e-9 is 2.0 in float32
    got = float32_descending(values)
    assert got.dtype == np.float32
    assert np.all(np.diff(got.astype(np.float64)) < 0)  # strictly decreasing
    assert got[0] == np.float32(5.0) and got[1] == np.float32(3.0)  # untied values stay as they were
    assert np.all(np.abs(got.astype(np.float64) - values) < 1e-5)  # a few float32 units
    assert got.min() > 1.0  # above the popularity fill


def test_knn_bundle_whose_golden_cases_broke_ties_by_index_still_passes_its_smoke_test(tmp_path: Path) -> None:
    """A knn bundle trained before the popularity tie rule recorded golden top-K with
    ties left to the index; new firmware must not refuse it."""
    # Item 3 (in a golden history) has 28 neighbours, all at 0.5: its top-10 is all ties.
    indptr = np.zeros(49, dtype=np.int32)
    indptr[4:] = 28
    buf = io.BytesIO()
    np.savez_compressed(buf, indptr=indptr, indices=np.arange(20, 48, dtype=np.int32),
                        data=np.full(28, 0.5, dtype=np.float32))
    path = rebundle(tmp_path, {"kind": "item_knn", "file": "knn.npz"}, {"knn.npz": buf.getvalue()}, older_ties=True)
    scorer = load_scorer(path)
    new_rule = [topk(scorer.score(c.history, scorer.encode_context(c.context)), len(c.expected_topk)).tolist()
                for c in scorer.bundle.golden]
    assert any(sorted(a) != sorted(c.expected_topk) for a, c in zip(new_rule, scorer.bundle.golden, strict=True))
    assert scorer.smoke_test().ok


def user_table(rows: list[dict[int, float]]) -> bytes:
    """A stored-shopper table (``user_knn``) with these rows, each scaled to sum to 1."""
    indptr, indices, data = [0], [], []
    for row in rows:
        total = sum(row.values())
        for item in sorted(row):
            indices.append(item)
            data.append(row[item] / total)
        indptr.append(len(indices))
    buf = io.BytesIO()
    np.savez_compressed(buf, indptr=np.array(indptr), indices=np.array(indices, dtype=np.int32),
                        data=np.array(data, dtype=np.float32))
    return buf.getvalue()


def dense_user_knn(rows: list[dict[int, float]], history: list[int], n: int, k: int, alpha: float,
                   decay: float) -> np.ndarray:
    """The ``user_knn`` score written the slow, obvious way (dense vectors)."""
    pool = np.zeros((len(rows), n))
    for r, row in enumerate(rows):
        for item, v in row.items():
            pool[r, item] = v
    pool /= pool.sum(axis=1, keepdims=True)
    own = np.zeros(n)
    for pos, item in enumerate(history):
        own[item] += decay ** (len(history) - 1 - pos)
    own /= own.sum()
    sims = pool @ own / np.linalg.norm(pool, axis=1)
    order = sorted((i for i in range(len(rows)) if sims[i] > 0), key=lambda i: (-sims[i], i))[:k]
    # Fewer than k similar shoppers: the rest of the k count as average stored shoppers.
    near = pool[order].sum(axis=0) + (k - len(order)) * pool.mean(axis=0)
    return alpha * own + (1 - alpha) * near / k


def random_user_table(rng: np.random.Generator, n: int, *, shoppers: int,
                      most_items: int) -> tuple[list[dict[int, float]], UserTable]:
    """Stored shoppers with 1..most_items random items each, and their loaded table."""
    rows = [{int(i): float(rng.uniform(0.1, 1)) for i in rng.choice(n, rng.integers(1, most_items), replace=False)}
            for _ in range(shoppers)]
    with np.load(io.BytesIO(user_table(rows))) as npz:
        return rows, UserTable(npz["indptr"], npz["indices"], npz["data"], num_items=n)


def test_user_knn_blends_the_shoppers_items_with_their_nearest_stored_shoppers() -> None:
    rng = np.random.default_rng(3)
    n = 40
    rows, table = random_user_table(rng, n, shoppers=30, most_items=8)
    for trial in range(20):
        history = rng.choice(n, rng.integers(1, 12)).tolist()
        k, alpha, decay = int(rng.integers(1, 12)), float(rng.choice([0.0, 0.2, 0.7])), float(rng.choice([1.0, 0.8]))
        want = dense_user_knn(rows, history, n, k, alpha, decay)
        np.testing.assert_allclose(table.scores(history, k, alpha, decay), want, rtol=1e-5, atol=1e-7,
                                   err_msg=f"trial {trial}")
    assert not table.scores([], 5, 0.2, 1.0).any()  # no history: nothing to go on


def test_user_knn_walking_item_by_item_gives_the_same_bits_as_one_gather(monkeypatch: pytest.MonkeyPatch) -> None:
    # The table picks how to find neighbours by cost alone; the golden replay compares
    # top-K lists exactly, so a tie at the k-th neighbour must not depend on the pick.
    rng = np.random.default_rng(11)
    n = 60
    _, table = random_user_table(rng, n, shoppers=400, most_items=20)
    assert table._loop_ok
    for trial in range(30):
        history = rng.choice(n, rng.integers(1, 40)).tolist()
        items, weights = table.own_vector(history, float(rng.choice([1.0, 0.9])))
        monkeypatch.setattr(UserTable, "LOOP_ABOVE_POSTINGS", 0)  # always walk
        walked = table.dots(items, weights)
        monkeypatch.setattr(UserTable, "LOOP_ABOVE_POSTINGS", 10**9)  # always gather
        gathered = table.dots(items, weights)
        assert walked.dtype == gathered.dtype == np.float64
        assert np.array_equal(walked, gathered), f"trial {trial}"


def test_user_knn_table_listing_a_shoppers_item_twice_still_counts_both(monkeypatch: pytest.MonkeyPatch) -> None:
    # `dots[shoppers] += ...` would keep one of two entries; such a table keeps the gather.
    indptr, indices = np.array([0, 3, 4]), np.array([1, 1, 2, 1], dtype=np.int32)
    data = np.array([0.25, 0.25, 0.5, 1.0], dtype=np.float32)
    table = UserTable(indptr, indices, data, num_items=3)
    assert not table._loop_ok
    monkeypatch.setattr(UserTable, "LOOP_ABOVE_POSTINGS", 0)
    assert table.dots(np.array([1]), np.array([1.0])).tolist() == [0.5, 1.0]


def test_user_knn_recommends_what_similar_shoppers_bought_from_a_hashed_bundle_file(tmp_path: Path) -> None:
    # Shoppers like "10 and 11" also bought 30; shoppers of "20" bought 40.
    rows = [{10: 1, 11: 1, 30: 2}, {10: 1, 30: 1}, {11: 1, 30: 1, 31: 1}, {20: 1, 40: 3}, {20: 1, 41: 1}]
    spec = {"kind": "user_knn", "file": "users.npz", "k": 2, "alpha": 0.0}
    path = rebundle(tmp_path, spec, {"users.npz": user_table(rows)})
    assert "users.npz" in load_bundle(path).manifest.files  # listed, so hash-checked
    scorer = load_scorer(path)
    got = topk(scorer.score([10, 11], (0, 0, 0)), 3).tolist()
    assert got[0] == 30  # both nearest shoppers have it
    # Shopper 20's two neighbours: 20 and 40 at 3/8 each (tie: the more popular, 40 at
    # 0.8 against 0.4), then 41 at 1/4.
    assert topk(scorer.score([20], (0, 0, 0)), 3).tolist() == [40, 20, 41]
    # Item 31: one similar shopper ({11, 30, 31}, a third each); the other of the two places
    # is the average stored shopper, who buys 30 most (0.27), then 11 (0.12), then 31 (0.07).
    assert topk(scorer.score([31], (0, 0, 0)), 3).tolist() == [30, 11, 31]
    (path / "users.npz").write_bytes(user_table(rows[:3]))
    with pytest.raises(BundleError, match="sha256"):
        load_scorer(path)


def test_user_knn_table_outside_the_catalogue_is_refused_with_the_file(tmp_path: Path) -> None:
    spec = {"kind": "user_knn", "file": "users.npz", "k": 2, "alpha": 0.5}
    good = rebundle(tmp_path / "a", spec, {"users.npz": user_table([{1: 1}, {2: 1}])})
    (good / "users.npz").write_bytes(user_table([{1: 1}, {480: 1}]))  # item 480: not in 48 items
    bundle = load_bundle(good, verify=False)
    with pytest.raises(BundleError, match=r"users\.npz: stored-shopper table does not match the 48-item"):
        BundleScorer(bundle, spec, None)


def test_exclude_history_never_recommends_owned_items(tmp_path: Path) -> None:
    scorer = load_scorer(rebundle(tmp_path, {"kind": "model", "exclude_history": True}))
    history = topk(scorer.model.score([], (0, 0, 0)), 6).tolist()  # the model's favourites
    got = topk(scorer.score(history, (0, 0, 0)), 10).tolist()
    assert not set(got) & set(history)


@pytest.mark.parametrize(
    ("scorer", "fragment"),
    [
        ({"kind": "tifu"}, "scorer.kind: 'tifu' is not one of"),
        ({"kind": "own_topk", "k": -1}, "scorer.k: must be an integer >= 0"),
        ({"kind": "item_knn", "file": "knn.npz", "decay": 0}, "scorer.decay: must be a number in (0, 1]"),
        ({"kind": "segmented", "known": {"kind": "model"}}, "scorer.anonymous: missing"),
        ({"kind": "user_knn", "file": "u.npz", "k": 0, "alpha": 0.5}, "scorer.k: must be an integer >= 1"),
        ({"kind": "user_knn", "file": "u.npz", "k": 5, "alpha": 1.5}, "scorer.alpha: must be a number in [0, 1]"),
        ({"kind": "model", "own_gate": {"w": [1, 2]}}, "scorer.own_gate.w: must be a list of 4 numbers"),
        ({"kind": "model", "own_tail": 5}, "scorer.own_tail: must be an integer >= 0 and needs own_gate"),
        ({"kind": "popularity", "context": {"field": "hour"}}, "scorer.context.smoothing: missing"),
        ({"kind": "model", "explore": {"table": [[1, 1.0]], "weight": 1, "offset": 0}},
         "scorer.explore: needs own_gate"),
        ({"kind": "model", "own_gate": {"w": [0, 0, 0, 1]}, "own_tail": 3,
          "explore": {"table": [[1, 1.0]], "weight": 1, "offset": 0}},
         "scorer.explore: cannot be combined with own_tail"),
        ({"kind": "model", "own_gate": {"w": [0, 0, 0, 1]},
          "explore": {"table": [[1, 1.0], [2, 0.0]], "weight": 1, "offset": 0}},
         "scorer.explore.table[1]: must be [item index >= 0, value in (0, 1]], got [2, 0.0]"),
        ({"kind": "model", "own_gate": {"w": [0, 0, 0, 1]},
          "explore": {"table": [[1, 1.0]], "weight": "8", "offset": 0}},
         "scorer.explore.weight: must be a finite number"),
        ({"kind": "model", "own_gate": {"w": [0, 0, 0, 1]},
          "explore": {"table": [[480, 1.0]], "weight": 1, "offset": 0}},
         "scorer.explore.table[0]: item 480 is outside the 48-item catalogue"),
        ({"kind": "popularity", "context": {**heat_context(), "field": "aisle"}}, "'aisle' is not a feature-spec"),
        ({"kind": "model", "history": 200}, "scorer.history: only item_knn, user_knn, own_topk read"),
        ({"kind": "own_topk", "k": 2, "history": 501}, "scorer.history: must be an integer 1..500, got 501"),
        ({"kind": "segmented", "anonymous": {"kind": "popularity"},
          "known": {"kind": "user_knn", "file": "u.npz", "k": 5, "alpha": 0.5, "history": True}},
         "scorer.known.history: must be an integer 1..500, got True"),
    ],
)
def test_malformed_scorer_is_refused_with_its_path(tmp_path: Path, scorer: dict, fragment: str) -> None:
    src = load_bundle(tiny_bundle())
    out = tmp_path / "bundle"
    write_bundle(out, model_bytes=src.model_path.read_bytes(), items=src.items, spec=src.spec,
                 golden=src.golden, model_version="bad", dataset_fingerprint="x", metrics={},
                 make_tarball=False, scorer=scorer)
    with pytest.raises(BundleError) as err:
        load_scorer(out)
    assert "manifest.json" in str(err.value) and fragment in str(err.value)


def test_a_part_with_a_longer_history_counts_what_the_models_window_has_dropped(tmp_path: Path) -> None:
    hl = load_bundle(tiny_bundle()).spec.history_length
    # Item 9 three times long ago, then items 1..hl once each: the model's window sees
    # only the once-bought items; a part reading every item sees item 9 lead.
    history = [9, 9, 9, *range(10, 10 + hl)]
    spec = {"kind": "segmented", "anonymous": {"kind": "popularity"},
            "known": {"kind": "own_topk", "k": 1, "history": len(history),
                      "then": {"kind": "own_topk", "k": 0, "then": {"kind": "popularity"}}}}
    scorer = load_scorer(rebundle(tmp_path / "long", spec))
    assert scorer.history_window == len(history) > hl
    assert topk(scorer.score(history, (0, 0, 0)), 1).tolist() == [9]
    short = load_scorer(rebundle(tmp_path / "short", {**spec, "known": {**spec["known"], "history": hl}}))
    # A device gives a scorer its history_window most recent items (ScoreSource).
    assert short.history_window == hl and topk(short.score(history[-hl:], (0, 0, 0)), 1).tolist() != [9]


def test_a_model_part_beside_a_longer_history_reads_only_its_own_window(tmp_path: Path) -> None:
    hl = load_bundle(tiny_bundle()).spec.history_length
    gated = {"kind": "model", "own_gate": {"w": [0.5, 0.1, 0.2, 1.0]}}
    wide = load_scorer(rebundle(tmp_path / "wide", {"kind": "own_topk", "k": 0, "history": 3 * hl,
                                                    "then": gated}))
    plain = load_scorer(rebundle(tmp_path / "plain", gated))
    history = [int(i) for i in np.random.default_rng(3).integers(0, 48, 3 * hl)]
    # The gate counts the own items and the history's length: from the model's window only.
    assert np.array_equal(wide.score(history, (0, 0, 0)), plain.score(history[-hl:], (0, 0, 0)))
    assert not np.array_equal(plain.score(history, (0, 0, 0)), plain.score(history[-hl:], (0, 0, 0)))


def test_own_topk_counts_its_own_window_and_its_then_part_reads_its_own(tmp_path: Path) -> None:
    hl = load_bundle(tiny_bundle()).spec.history_length
    knn = {"kind": "item_knn", "file": "knn.npz", "history": 3 * hl}
    alone = load_scorer(rebundle(tmp_path / "alone", knn, {"knn.npz": knn_table()}))
    nested = load_scorer(rebundle(tmp_path / "nested", {"kind": "own_topk", "k": 0, "then": knn},
                                  {"knn.npz": knn_table()}))
    assert nested.history_window == alone.history_window == 3 * hl
    history = [int(i) for i in np.random.default_rng(5).integers(0, 48, 3 * hl)]
    assert np.array_equal(nested.score(history, (0, 0, 0)), alone.score(history, (0, 0, 0)))
    # A short own count above a model: the model still reads its history_length.
    gated = {"kind": "model", "own_gate": {"w": [0.5, 0.1, 0.2, 1.0]}}
    short = load_scorer(rebundle(tmp_path / "short", {"kind": "own_topk", "k": 0, "history": hl // 2,
                                                      "then": gated}))
    plain = load_scorer(rebundle(tmp_path / "plain", gated))
    assert np.array_equal(short.score(history[-hl:], (0, 0, 0)), plain.score(history[-hl:], (0, 0, 0)))


def test_only_validated_parts_set_the_history_window(tmp_path: Path) -> None:
    hl = load_bundle(tiny_bundle()).spec.history_length
    for spec in ({"kind": "popularity", "then": {"kind": "own_topk", "k": 1, "history": 400}},
                 {"kind": "segmented", "known": {"kind": "popularity"}, "anonymous": {"kind": "popularity"},
                  "then": {"kind": "own_topk", "k": 1, "history": "x"}}):
        assert load_scorer(rebundle(tmp_path / str(len(spec)), spec)).history_window == hl


def test_a_bundle_whose_scorer_reads_a_longer_history_is_format_3_and_others_stay_2(tmp_path: Path) -> None:
    from edge.bundle import BUNDLE_FORMAT_VERSION, LONG_HISTORY_FORMAT_VERSION

    longer = load_bundle(rebundle(tmp_path / "long", {"kind": "segmented", "anonymous": {"kind": "popularity"},
                                                      "known": {"kind": "own_topk", "k": 1, "history": 50}}))
    plain = load_bundle(rebundle(tmp_path / "plain", {"kind": "own_topk", "k": 1}))
    assert longer.manifest.format_version == LONG_HISTORY_FORMAT_VERSION == 3
    assert plain.manifest.format_version == BUNDLE_FORMAT_VERSION == 2


def test_score_source_gives_the_scorer_its_whole_window(tmp_path: Path) -> None:
    from edge.reco.scores import ScoreSource
    from edge.serving.catalogue import Catalogue
    from edge.state.store import Session

    hl = load_bundle(tiny_bundle()).spec.history_length
    scorer = load_scorer(rebundle(tmp_path, {"kind": "own_topk", "k": 1, "history": 2 * hl,
                                             "then": {"kind": "popularity"}}))
    source = ScoreSource(Catalogue(scorer.bundle.items), scorer)
    shopper = Session("t:a", None, "a", 0, 0, history=[9, 9, 9, *range(10, 10 + 2 * hl - 3)])
    scores, _, key = source.scores(shopper, None, ["D"], 0.0)  # type: ignore[arg-type]
    assert len(key[0]) == 2 * hl and topk(np.asarray(scores), 1).tolist() == [9]
    # The next generation reads less: the key it primes is its own window of the history.
    short = load_scorer(rebundle(tmp_path / "short", {"kind": "own_topk", "k": 1, "then": {"kind": "popularity"}}))
    warmed = ScoreSource(Catalogue(short.bundle.items), short)
    assert len(warmed.prime([key], budget_s=5.0)) == 1
    warmed.scores(shopper, None, ["D"], 0.0)  # type: ignore[arg-type]
    assert warmed.cache_hits == 1 and warmed.cache_misses == 0


def test_own_topk_ties_go_to_the_latest_purchase() -> None:
    assert own_topk([4, 2, 4, 2, 9], 10, 3).tolist() == [2, 4, 9]
    assert own_topk([], 10, 3).tolist() == []
    assert own_topk([1, 99, -1], 10, 5).tolist() == [1]  # out-of-catalogue indices are ignored


def test_device_checks_run_the_declared_scorer(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """edge-device check-bundle and the OTA shape check replay golden cases with the
    manifest's scorer, not the bare network (which would fail them)."""
    from edge.cli import main as edge_device
    from edge.ota.verify import check_shape

    path = rebundle(tmp_path, {"kind": "segmented", "known": {"kind": "own_topk", "k": 3},
                               "anonymous": {"kind": "popularity", "context": heat_context()}})
    assert edge_device(["check-bundle", str(path), "--runs", "5"]) == 0
    assert json.loads(capsys.readouterr().out)["golden_failures"] == []
    assert isinstance(check_shape(load_bundle(path)), BundleScorer)


# -- the cheap own_gate / own_tail path (gated_fast) against the float64 reference -------------


def reference_gated(scores: np.ndarray, history: list[int], w: list[float], head: int | None) -> np.ndarray:
    """What the device computed before the float32 path: float64 copy, boost, own_tail_order."""
    out = scores.astype(np.float64)
    items, counts = own_counts(history, len(scores))
    if len(items):
        out[items] += gate_boost(w, len(history), counts)
        if head is not None:
            own_tail_order(out, items, head)
    return out.astype(np.float32)


def fast_gated(scores: np.ndarray, history: list[int], w: list[float], head: int | None) -> tuple[np.ndarray, bool]:
    """The device's gated path: ``gated_fast``, or the reference where it declines
    (then it must have left the scores as they were). Second: whether it was fast."""
    items, counts = own_counts(history, len(scores))
    out = scores.copy()
    if not len(items):
        return out, True
    got = gated_fast(out, items, gate_boost(w, len(history), counts), head)
    if got is None:
        assert np.array_equal(out, scores, equal_nan=True)
        return reference_gated(scores, history, w, head), False
    assert got is out  # in place, no second catalogue-sized array
    return got, True


def random_case(rng: np.random.Generator, n: int) -> tuple[list[int], list[float]]:
    size = int(rng.integers(0, 120))
    history = rng.integers(0, n, size).tolist()
    if size and rng.random() < 0.3:  # ids a stale history may hold: ignored by both
        history += [-1, n, n + 7]
    w = [float(rng.normal(0, 2)), float(rng.normal(0, 1)), float(rng.normal(0, 1)), float(rng.normal(0, 3))]
    return history, w


def top_k_is_the_trainers(got: np.ndarray, scores: np.ndarray, history: list[int],
                           w: list[float], k: int, head: int) -> bool:
    """The device's top ``k`` of gated scores ``got`` (ties to the lower item id) is the
    list the trainer's evaluation of the device (``_gate_lists``) builds."""
    n = len(scores)
    items, counts = own_counts(history, n)
    others = np.setdiff1d(np.arange(n), items)
    case = _GateCase(items, scores[items].astype(np.float64), counts, len(history),
                     others, scores[others].astype(np.float64))
    trainer = _gate_lists([case], w, k, head)[0]
    device = np.lexsort((np.arange(n), -got.astype(np.float64)))[:k]
    return device.tolist() == trainer.tolist()


def test_fast_gate_equals_the_float64_reference_without_ties() -> None:
    rng = np.random.default_rng(7)
    n = 2000
    for trial in range(300):
        scores = rng.normal(0, 3, n).astype(np.float32)
        history, w = random_case(rng, n)
        head = [None, 0, 1, 10, 50, n + 5][trial % 6]
        got, fast = fast_gated(scores, history, w, head)
        distinct = len(own_counts(history, n)[0])
        assert fast == (head is None or head + 1 <= n - distinct), (trial, head)
        assert got.dtype == np.float32
        assert np.array_equal(got, reference_gated(scores, history, w, head)), (trial, head)


def test_fast_gate_on_quantized_ties_follows_the_trainers_ranking() -> None:
    """int8-like scores tie a lot: the new path ranks ties at the head boundary by
    item id, as the trainer's evaluation of the device (``_gate_lists``) does; where
    the reference has no tie there, the two agree exactly."""
    rng = np.random.default_rng(11)
    n, k = 400, 40
    exact = 0
    for trial in range(200):
        scores = (rng.integers(-128, 128, n) * np.float32(0.05)).astype(np.float32)
        history, w = random_case(rng, n)
        w[3] = float(rng.choice([0.0, 0.05, 0.1]))  # boosts on the quantization grid tie too
        head = [0, 1, 3, 10, 25][trial % 5]
        got, fast = fast_gated(scores, history, w, head)
        assert fast
        items, counts = own_counts(history, n)
        boosted = scores.astype(np.float64)
        boosted[items] += gate_boost(w, len(history), counts)
        ranked = np.sort(boosted)[::-1]
        if len(items) and 0 < head < n and ranked[head - 1] > ranked[head]:
            assert np.array_equal(got, reference_gated(scores, history, w, head)), trial
            exact += 1
        assert top_k_is_the_trainers(got, scores, history, w, k, head), trial
    assert exact > 20  # the exact comparison did run


def test_fast_gate_edge_cases_match_the_reference() -> None:
    rng = np.random.default_rng(3)
    n = 50
    scores = rng.normal(0, 1, n).astype(np.float32)
    w = [0.5, 0.1, -0.2, 2.0]
    cases = [
        ([], 10),  # no history: the model's scores untouched
        ([4, 9, 9], 0),  # head 0: own items first, then everything else
        ([-3, n, n + 100], 10),  # only out-of-range ids: nothing is own
        ([7, n + 1, -1, 7, 2], 10),  # out-of-range ids among real ones
        (list(range(n)) * 2, 10),  # every item is own (the reference runs)
        (list(range(n)), n + 3),  # head past the catalogue (the reference runs)
        (list(range(n - 11)), 10),  # just enough others for the fast path
    ]
    for history, head in cases:
        got, _ = fast_gated(scores, history, w, head)
        assert np.array_equal(got, reference_gated(scores, history, w, head)), (history, head)
    minus_inf = scores.copy()
    minus_inf[[1, 5]] = -np.inf  # finite-only max for base, -inf items ranked last
    for history, head in (([1, 2, 3], 3), ([5], 3), ([2, 3], n - 4)):  # the last: -inf among the head
        got, _ = fast_gated(minus_inf, history, w, head)
        assert np.array_equal(got, reference_gated(minus_inf, history, w, head)), (history, head)


def test_own_counts_gives_what_np_unique_gives() -> None:
    """Counted in Python now: the same sorted items and int64 counts as
    ``np.unique(return_counts=True)`` over the in-range ids (numpy ints too)."""
    rng = np.random.default_rng(5)
    n = 300
    for trial in range(200):
        history, _ = random_case(rng, n)
        if trial % 4 == 0:
            history = [np.int64(i) for i in history]
        hist = np.asarray(history, dtype=np.int64)
        want_items, want_counts = np.unique(hist[(hist >= 0) & (hist < n)], return_counts=True)
        items, counts = own_counts(history, n)
        assert items.dtype == np.int64 and counts.dtype == np.int64, trial
        assert items.tolist() == want_items.tolist() and counts.tolist() == want_counts.tolist(), trial


def test_gate_values_are_the_numpy_gate_bit_for_bit() -> None:
    """The explore scorer's own values in Python floats (``gate_values``, numpy's log of
    each count from a table) are what ``(raw as float64 + gate_boost) as float32`` gives,
    bit for bit: real-size histories, counts past the table's first size, the shipped
    weights and random ones, raw scores that are int8-like ties, huge, infinite or NaN."""
    rng = np.random.default_rng(12)
    weights = [[-2.0, 0.0, 0.0, 6.0], [-2.0, 0.0, 0.0, 9.0]] + [list(rng.normal(0, 3, 4)) for _ in range(6)]
    for trial in range(3000):
        w = weights[trial % len(weights)]
        k = int(rng.integers(1, 40))
        counts = rng.integers(1, 600 if trial % 50 == 0 else 12, k)
        history_len = int(counts.sum()) + int(rng.integers(0, 5))
        raw = rng.normal(0, 4, k).astype(np.float32)
        if trial % 7 == 0:
            raw = np.round(raw * 2) / 2  # ties, as int8 scores make
        if trial % 97 == 0:
            raw[0] = [np.inf, -np.inf, np.nan, np.float32(3e38)][trial % 4]
        want = (raw.astype(np.float64) + gate_boost(w, history_len, counts)).astype(np.float32)
        got = np.array(gate_values(w, history_len, raw.tolist(), counts.tolist()), dtype=np.float32)
        assert np.array_equal(got, want, equal_nan=True), trial
        finite = np.isfinite(want)
        assert np.array_equal(got[finite].view(np.int32), want[finite].view(np.int32)), trial


def test_fast_gate_on_a_real_size_catalogue_narrows_by_a_sample_and_stays_exact() -> None:
    """From 4,096 items the head's competitors are found through a strided-sample
    threshold instead of a partition of the catalogue: the same result without ties,
    the trainer's order with int8-like ties, and the whole-vector path when the
    sample lets too few through (the best scores off the sample's stride)."""
    rng = np.random.default_rng(13)
    n, k = 18_307, 40
    for trial in range(60):
        if trial % 3 == 2:  # a few best on the sample's stride, the next ones off it
            scores = rng.normal(-5, 1, n).astype(np.float32)
            scores[np.arange(0, 96, 16)] = 10 + np.arange(6) / 8  # 6 on the stride: too few for head 10
            scores[np.arange(1, 400, 16)] = rng.normal(8, 1, 25).astype(np.float32)
        else:
            scores = rng.normal(0, 3, n).astype(np.float32)
        quantized = trial % 3 == 1
        if quantized:
            scores = (np.round(scores * 8) / 8).astype(np.float32)
        history, w = random_case(rng, n)
        head = [0, 1, 10, 50][trial % 4]
        got, fast = fast_gated(scores, history, w, head)
        assert fast, trial
        if not quantized:
            assert np.array_equal(got, reference_gated(scores, history, w, head)), (trial, head)
        assert top_k_is_the_trainers(got, scores, history, w, k, head), trial
    for bad in (np.nan, np.inf):  # still declined (the reference runs), scores left as they were
        scores = rng.normal(0, 3, n).astype(np.float32)
        scores[5_001] = bad
        got, fast = fast_gated(scores, [1, 2, 3], [0.5, 0.0, 0.0, 1.0], 10)
        assert not fast


class ArrayModel:
    """A stand-in for the LiteRT scorer returning set scores; ``reuse``: one buffer
    for every call (a model that keeps its output), else a new array each time."""

    def __init__(self, scores: np.ndarray, *, reuse: bool) -> None:
        self.scores = scores
        self.fresh_output = not reuse
        self.busy_since = None

    def score(self, history: Any, context: Any) -> np.ndarray:
        return self.scores if not self.fresh_output else self.scores.copy()


@pytest.mark.parametrize("reuse", [False, True])
def test_gated_model_scorer_falls_back_on_nan_and_never_changes_a_kept_buffer(reuse: bool) -> None:
    bundle = load_bundle(tiny_bundle())
    n = bundle.spec.num_items
    spec = {"kind": "model", "own_gate": {"w": [1.0, 0.0, 0.0, 2.0]}, "own_tail": 3}
    scores = np.random.default_rng(5).normal(0, 1, n).astype(np.float32)
    history = [3, 5, 5, 7]
    for bad in (np.nan, np.inf, None):
        model_out = scores.copy()
        if bad is not None:
            model_out[11] = bad
        kept = model_out.copy()
        model = ArrayModel(model_out, reuse=reuse)
        scorer = BundleScorer(bundle, spec, model)
        got = scorer.score(history, (0, 0, 0))
        want = reference_gated(model_out, history, spec["own_gate"]["w"], 3)
        assert got.dtype == np.float32
        assert np.array_equal(got, want, equal_nan=True), bad
        assert np.array_equal(model_out, kept, equal_nan=True)  # the model's buffer is as it was
        assert scorer.fresh_output is not reuse
        assert not np.shares_memory(got, model_out)


def test_smoke_test_accepts_golden_cases_recorded_with_the_old_tie_rule() -> None:
    """Bundles trained before the item-id tie rule recorded ties at the own_tail
    boundary as ``np.argpartition`` left them: the device still accepts them, and
    still refuses a top-K neither rule gives."""
    src = load_bundle(tiny_bundle())
    n = src.spec.num_items
    spec = {"kind": "model", "own_gate": {"w": [0.0, 0.0, 0.0, 0.0]}, "own_tail": 3}
    history, k = [40, 41], 6
    rng = np.random.default_rng(0)
    for _ in range(200):  # quantized scores until the two rules part at the boundary
        scores = (rng.integers(0, 4, n) * np.float32(0.5)).astype(np.float32)
        new = topk(fast_gated(scores, history, spec["own_gate"]["w"], 3)[0], k).tolist()
        old = topk(reference_gated(scores, history, spec["own_gate"]["w"], 3), k).tolist()
        if sorted(new) != sorted(old):
            break
    else:
        pytest.fail("no tie at the head boundary found")

    def scorer_with(expected: list[int]) -> BundleScorer:
        golden = [GoldenCase(history=history, context={}, expected_topk=expected)]
        bundle = Bundle(path=src.path, manifest=src.manifest, items=src.items, spec=src.spec, golden=golden)
        return BundleScorer(bundle, spec, ArrayModel(scores, reuse=False))

    assert topk(scorer_with(new).score(history, (0, 0, 0)), k).tolist() == new  # serves the new rule
    assert scorer_with(new).smoke_test().ok
    assert scorer_with(old).smoke_test().ok
    wrong = scorer_with(old[::-1][:1] + [i for i in range(n) if i not in old][: k - 1]).smoke_test()
    assert not wrong.ok and wrong.failures[0].startswith("golden case 0: top-6")


def test_topk_breaks_ties_at_the_cut_by_index_and_old_golden_cases_still_pass() -> None:
    """``topk`` takes equal scores at the k-th place by index, as the device's ranker does;
    a bundle whose golden top-K was recorded with argpartition's pick still loads."""
    from edge.bundle import topk_argpartition
    from edge.runtime.golden import replay_golden

    assert topk(np.array([0.0, 5.0, 5.0, 5.0, 1.0, 5.0]), 2).tolist() == [1, 2]
    assert topk(np.array([np.nan, 1.0, 1.0]), 3).tolist() == [1, 2, 0]  # NaN last
    src = load_bundle(tiny_bundle())
    n = src.spec.num_items
    rng = np.random.default_rng(3)
    for _ in range(500):  # ties until argpartition picks another member at the cut
        scores = (rng.integers(0, 3, n) * np.float32(0.5)).astype(np.float32)
        new, old = topk(scores, 6).tolist(), topk_argpartition(scores, 6).tolist()
        if sorted(new) != sorted(old):
            break
    else:
        pytest.fail("no tie at the cut where the two rules part")

    class Fixed:
        def __init__(self, expected: list[int]) -> None:
            self.bundle = Bundle(path=src.path, manifest=src.manifest, items=src.items, spec=src.spec,
                                 golden=[GoldenCase(history=[1], context={}, expected_topk=expected)])

        def encode_context(self, context: dict) -> tuple[int, ...]:
            return (0, 0, 0)

        def score(self, history: list[int], context: tuple[int, ...]) -> np.ndarray:
            return scores

    assert replay_golden(Fixed(new)).failures == []
    assert replay_golden(Fixed(old)).failures == []
    other = [i for i in range(n) if i not in new and i not in old][:6]
    assert replay_golden(Fixed(other)).failures


def test_golden_cases_prefer_shoppers_whose_top_k_older_firmware_also_gives() -> None:
    """A golden case with a tie at the own_tail boundary would make firmware from
    before the item-id tie rule refuse a good bundle: the trainer records cases
    both rules rank alike when it can."""
    from types import SimpleNamespace

    from cloud_trainer.packaging import _DeviceScores, _same_for_older_firmware, golden_cases

    src = load_bundle(tiny_bundle())
    n = src.spec.num_items
    spec = {"kind": "model", "own_gate": {"w": [0.0, 0.0, 0.0, 0.0]}, "own_tail": 3}
    tied, k = [40, 41], 6
    rng = np.random.default_rng(0)
    for _ in range(200):  # quantized scores until the two rules part at the boundary for ``tied``
        scores = (rng.integers(0, 4, n) * np.float32(0.5)).astype(np.float32)
        new = topk(fast_gated(scores, tied, spec["own_gate"]["w"], 3)[0], k).tolist()
        old = topk(reference_gated(scores, tied, spec["own_gate"]["w"], 3), k).tolist()
        if new != old:
            break
    else:
        pytest.fail("no tie at the head boundary found")
    distinct = np.linspace(1.0, 0.0, n, dtype=np.float32)  # no two items tie

    class PerShopperModel(ArrayModel):
        """The tied scores for the ``tied`` shopper, tie-free ones for everybody else."""

        def score(self, history: Any, context: Any) -> np.ndarray:
            return (scores if list(history)[-2:] == tied else distinct).copy()

    device = _DeviceScores(BundleScorer(src, spec, PerShopperModel(scores, reuse=False)))
    assert not _same_for_older_firmware(device, tied, {}, k)
    plain = [7, 30]
    assert _same_for_older_firmware(device, plain, {}, k)

    def case(history: list[int], user: str) -> SimpleNamespace:
        return SimpleNamespace(user_id=user, history=np.asarray(history), context={})

    golden = golden_cases([case(tied, "a"), case(plain, "b")], device, k)
    assert golden[0].history == plain  # the tied shopper is passed over while another one fits
    assert [g.history for g in golden[:2]] == [plain, tied]  # and only used to fill the set


def test_exclude_history_also_leaves_out_the_consumed_set_beyond_the_history(tmp_path: Path) -> None:
    scorer = load_scorer(rebundle(tmp_path, {"kind": "model", "exclude_history": True}))
    assert scorer.excludes_consumed
    favourites = topk(scorer.model.score([], (0, 0, 0)), 8).tolist()
    old, recent = favourites[:4], favourites[4:]  # consumed long ago / in the model's history
    got = topk(scorer.score(recent, (0, 0, 0), np.asarray(old + recent, dtype=np.int32)), 10).tolist()
    assert not set(got) & set(favourites)
    # Without the set, only the history is excluded (what older devices do).
    assert set(old) <= set(topk(scorer.score(recent, (0, 0, 0)), 10).tolist())


def test_score_source_passes_each_shoppers_consumed_set_and_keys_its_cache_by_it(tmp_path: Path) -> None:
    from edge.reco.scores import ScoreSource
    from edge.serving.catalogue import Catalogue
    from edge.state.store import Session, consumed_items

    scorer = load_scorer(rebundle(tmp_path, {"kind": "model", "exclude_history": True}))
    source = ScoreSource(Catalogue(scorer.bundle.items), scorer)
    favourites = topk(scorer.model.score([], (0, 0, 0)), 8).tolist()
    window = [favourites[7]]
    a = Session("t:a", None, "a", 0, 0, history=list(window), consumed=consumed_items(favourites[:3] + window))
    b = Session("t:b", None, "b", 0, 0, history=list(window), consumed=consumed_items(window))
    sa, _, key_a = source.scores(a, None, ["D"], 0.0)  # type: ignore[arg-type]
    sb, _, key_b = source.scores(b, None, ["D"], 0.0)  # type: ignore[arg-type]
    assert key_a != key_b  # the same history window, different consumed sets: not one cache entry
    assert np.isneginf(sa[favourites[:3]]).all() and np.isfinite(sb[favourites[:3]]).all()
    assert np.isneginf(sa[window]).all() and np.isneginf(sb[window]).all()


def test_a_primed_cache_entry_with_a_consumed_set_scores_as_serving_would(tmp_path: Path) -> None:
    from edge.reco.scores import ScoreSource
    from edge.serving.catalogue import Catalogue
    from edge.state.store import Session, consumed_items

    scorer = load_scorer(rebundle(tmp_path, {"kind": "model", "exclude_history": True}))
    served = ScoreSource(Catalogue(scorer.bundle.items), scorer)
    shopper = Session("t:a", None, "a", 0, 0, history=[3], consumed=consumed_items([5, 7, 3]))
    scores, _, key = served.scores(shopper, None, ["D"], 0.0)  # type: ignore[arg-type]
    warmed = ScoreSource(Catalogue(scorer.bundle.items), scorer)  # the next generation
    assert len(warmed.prime([key], budget_s=5.0)) == 1
    again, _, key2 = warmed.scores(shopper, None, ["D"], 0.0)  # type: ignore[arg-type]
    assert key2 == key and warmed.cache_hits == 1 and np.array_equal(again, scores)


def test_explore_output_says_it_is_the_prior_with_the_own_items_written_in(tmp_path: Path) -> None:
    """The ranker trusts ``LazyScores.delta`` (rank without a pass over the catalogue):
    the vector must be the shared base everywhere but the changed items, equal to what
    ``score()`` returns; ``score()`` itself returns a plain array that claims nothing."""
    explore = {"prior": "heat_1w", "table": [[41, 1.0], [40, 0.5], [42, 0.25], [3, 0.2]],
               "weight": 1.0, "offset": 2.0}
    spec = {"kind": "model", "own_gate": {"w": [0.5, 0.0, 0.0, 1.0]}, "explore": explore}
    scorer = load_scorer(rebundle(tmp_path / "a", spec))
    for history in ([3, 5, 5], [], [47, 0, 47, 12, 3, 3, 3]):
        got = scorer.score(history, (0, 0, 0))
        assert type(got) is np.ndarray and getattr(got, "delta", None) is None
        # The device's path: the same values, the vector not built until asked for.
        lazy = scorer.score_delta(history, (0, 0, 0))
        assert lazy is not None
        base, items, values = lazy.delta
        assert not base.flags.writeable
        assert items.tolist() == sorted(set(history))
        assert values.dtype == np.float32 and values.tolist() == got[items].tolist()
        assert np.array_equal(np.asarray(lazy).view(np.int32), got.view(np.int32))
        assert len(lazy) == 48 and not np.asarray(lazy).flags.writeable
        rest = np.ones(48, dtype=bool)
        rest[items] = False
        assert np.array_equal(got[rest].view(np.int32), base[rest].view(np.int32))
    assert (scorer.score_delta([3], (0, 0, 0)).delta.base
            is scorer.score_delta([5], (0, 0, 0)).delta.base)  # shared
    before = scorer.inferences
    scorer.score_delta([3], (0, 0, 0))
    assert scorer.inferences == before + 1  # counted like score()
    # Inside segmented: the explore part answers by its delta, the popularity part does not.
    seg = load_scorer(rebundle(tmp_path / "c", {"kind": "segmented", "known": spec,
                                                 "anonymous": {"kind": "popularity"}}))
    assert seg.score_delta([], (0, 0, 0)) is None
    assert np.array_equal(np.asarray(seg.score_delta([3, 5], (0, 0, 0))), seg.score([3, 5], (0, 0, 0)))
    # With exclude_history the scorer writes -inf after the fact: no claim any more.
    scorer = load_scorer(rebundle(tmp_path / "b", {**spec, "exclude_history": True}))
    got = scorer.score([3, 5], (0, 0, 0), np.array([7], dtype=np.int32))
    assert getattr(got, "delta", None) is None and got[[3, 5, 7]].tolist() == [-np.inf] * 3
    assert scorer.score_delta([3, 5], (0, 0, 0)) is None


def test_score_source_keeps_explore_scores_by_their_delta_within_its_memory_budget(tmp_path: Path) -> None:
    """The device's score source asks an explore scorer for its delta (LazyScores, the
    vector not built) and caches that; the cache stays within its byte budget counting
    what each entry holds, and priming a new generation fills it the same way."""
    from edge.reco import Placement, ScoreSource
    from edge.reco.scores import entry_bytes
    from edge.runtime.scorers import LazyScores
    from edge.state import Session, StateStore

    explore = {"prior": "heat_1w", "table": [[41, 1.0], [40, 0.5], [42, 0.25]], "weight": 1.0, "offset": 2.0}
    spec = {"kind": "model", "own_gate": {"w": [0.5, 0.0, 0.0, 1.0]}, "explore": explore}
    scorer = load_scorer(rebundle(tmp_path, spec))
    store = StateStore(tmp_path / "s.db", scorer.bundle.items)
    source = ScoreSource(store, scorer, cache_mb=0.02)
    p = Placement("d1", "z1", np.zeros(48, dtype=bool), "Produce")
    for i in range(120):
        s = Session(f"t:{i}", None, str(i), 0, 0, history=[i % 48, (i * 7) % 48, (i * 5) % 48])
        got, strategy, key = source.scores(s, p, ["PRODUCE"], 3600.0 * i)
        assert strategy == "model" and isinstance(got, LazyScores)
        full = scorer.score(key[0], key[1])
        assert np.array_equal(np.asarray(got).view(np.int32), full.view(np.ndarray).view(np.int32))
        held = sum(entry_bytes(k, v) for k, v in source._cache.items())  # noqa: SLF001
        assert held == source._cache_bytes  # noqa: SLF001
        assert held <= source.cache_budget or len(source._cache) <= 16  # noqa: SLF001
    warmed = ScoreSource(store, scorer)
    assert len(warmed.prime(source.recent_keys(5), budget_s=5.0)) == 5
    assert all(isinstance(v, LazyScores) for v in warmed._cache.values())  # noqa: SLF001
    store.close()


def test_explore_scorer_scoring_one_history_in_several_contexts_gives_what_a_fresh_scorer_gives(
        tmp_path: Path) -> None:
    """The explore scorer keeps what depends on the history alone (own items, their gate
    terms, the model's padded input row) per history: a shopper scored again in another
    context (another zone's department, the next hour) must get, bit for bit, what a
    scorer that never saw them computes, and the model the same output from the kept
    input row as from its own buffer."""
    explore = {"prior": "heat_1w", "table": [[41, 1.0], [40, 0.5], [42, 0.25], [3, 0.2]],
               "weight": 1.0, "offset": 2.0}
    w = [0.5, 0.1, -0.2, 1.0]
    spec = {"kind": "model", "own_gate": {"w": w}, "explore": explore}
    path = rebundle(tmp_path / "a", spec)
    kept = load_scorer(path)
    model = kept.model
    rng = np.random.default_rng(11)
    histories = [tuple(int(i) for i in rng.integers(0, 48, size=int(rng.integers(1, 30)))) for _ in range(6)]
    histories.append(tuple(range(47, -1, -1)) * 3)  # longer than the model's window
    for round_ in range(3):
        for h in histories:
            context = (int(rng.integers(0, 3)), int(rng.integers(0, 3)), round_)
            given = h if round_ != 1 else list(h)  # a list is keyed by its tuple
            got = kept.score_delta(given, context).delta
            fresh = load_scorer(path).score_delta(list(h), context).delta
            assert np.array_equal(got.items, fresh.items)
            assert got.values.tobytes() == fresh.values.tobytes(), (h, context)
            # ... which is the gate of the model's plain output (not the kept row).
            raw = model.score(list(h), context)
            items, counts = own_counts(list(h), 48)
            want = np.array(gate_values(w, len(h), raw[items].tolist(), counts.tolist()), dtype=np.float32)
            assert got.values.tobytes() == want.tobytes()
            row = model.padded_history(h)
            assert model.score(h, context, padded=row).tobytes() == raw.tobytes()
