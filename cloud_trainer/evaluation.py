"""Top-K metrics, computed the same way for every system.

For one case let ``R`` be the recommended list (best first, ``R[i]`` at rank
``i + 1``), ``T`` its targets -- the unique items the shopper bought in the
target period, *including* items outside the catalogue
(``EvalCase.num_unseen_targets``), which can never be hit -- and
``hits@K = |R[:K] ∩ T|``. Per-case values are averaged over cases (macro
average), cases without any target are skipped.

* ``recall@K = hits@K / |T|`` (the standard next-basket definition, as in
  TIFU-KNN; a shopper with more than K targets cannot reach 1).
* ``precision@K = hits@K / K``.
* ``f1@K`` = per-case harmonic mean of precision@K and recall@K (0 when both are 0).
* ``ndcg@K`` with binary relevance: ``DCG = sum over hits at rank r of
  1/log2(r + 1)``, divided by the ideal DCG of ``min(|T|, K)`` hits at the top.
* ``map@K``: ``AP@K = (1 / min(|T|, K)) * sum over hits at rank r of
  precision@r``, averaged over cases.
* ``coverage@K``: distinct items in all top-K lists / catalogue size (across
  cases, not averaged).
* ``diversity@K``: intra-list diversity over category -- the share of item
  pairs in a top-K list from different categories, averaged over cases.

Slices (:func:`evaluate_segments`):

* ``overall`` -- every shopper once, as the device sees them (known shoppers
  with their history; shoppers new in the period are naturally anonymous).
  The masked copies are not in it. This is the headline.
* ``known`` / ``anonymous`` -- by ``segment["anonymous"]``; ``anonymous``
  holds the masked copies (the same shoppers with history and demographics
  hidden) plus shoppers who never shopped before.
* ``repeat`` / ``new`` -- over the ``overall`` cases, with the targets split
  into items the shopper had in their history and items new to them (only
  cases with at least one such target count). Out-of-catalogue targets are
  always new.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np

from cloud_trainer.data.schema import UNKNOWN_TEXT
from cloud_trainer.dataset import EvalCase, PreparedData, Recommender

METRICS = ("recall", "ndcg", "map", "precision", "f1")
SEGMENTS = ("overall", "repeat", "new", "known", "anonymous")


def recommend_all(recs: Recommender | np.ndarray, cases: list[EvalCase], k: int) -> np.ndarray:
    """Top-``k`` lists for ``cases``: from a recommender, or given as an array."""
    lists = recs if isinstance(recs, np.ndarray) else np.asarray(recs.recommend(cases, k))
    if lists.ndim != 2 or lists.shape[0] != len(cases):
        raise ValueError(f"expected {len(cases)} recommendation lists, got shape {lists.shape}")
    return lists


def evaluate(
    recs: Recommender | np.ndarray,
    cases: list[EvalCase],
    data: PreparedData | None,
    ks: Sequence[int] = (10, 20),
    *,
    targets: list[np.ndarray] | None = None,
    extra_misses: np.ndarray | None = None,
) -> dict[str, float]:
    """Metrics over ``cases`` (see module docstring), keys like ``recall@10``.

    ``recs`` is a recommender (asked for ``max(ks)`` items) or the lists
    themselves. ``targets`` / ``extra_misses`` override each case's targets and
    unseen-target count (used for the repeat / new slices). ``coverage@K`` and
    ``diversity@K`` need ``data`` and are left out without it.
    Also returns ``n_cases``: the cases that had at least one target.
    """
    kmax = max(ks)
    lists = recommend_all(recs, cases, kmax)[:, :kmax]
    width = lists.shape[1]
    if width < kmax:  # a catalogue smaller than K: the missing ranks are misses
        lists = np.pad(lists, ((0, 0), (0, kmax - lists.shape[1])), constant_values=-1)
    if targets is None:
        targets = [np.asarray(c.targets) for c in cases]
    if extra_misses is None:
        extra_misses = np.array([c.num_unseen_targets for c in cases], dtype=np.int64)
    n_targets = np.array([len(t) for t in targets], dtype=np.int64) + extra_misses
    keep = n_targets > 0
    out: dict[str, float] = {}
    if not keep.any():
        out["n_cases"] = 0
        return out
    lists = lists[keep]
    n_t = n_targets[keep].astype(np.float64)
    kept_targets = [t for t, flag in zip(targets, keep, strict=True) if flag]
    hits = _hits(lists, kept_targets)
    discounts = 1.0 / np.log2(np.arange(2, kmax + 2))
    for k in ks:
        h = hits[:, :k]
        n_hit = h.sum(axis=1).astype(np.float64)
        recall = n_hit / n_t
        precision = n_hit / k
        denom = precision + recall
        f1 = np.divide(2 * precision * recall, denom, out=np.zeros_like(denom), where=denom > 0)
        ideal_n = np.minimum(n_t, k).astype(np.int64)
        idcg = np.cumsum(discounts[:k])[ideal_n - 1]
        ndcg = (h * discounts[:k]).sum(axis=1) / idcg
        prec_at_rank = np.cumsum(h, axis=1) / np.arange(1, k + 1)
        ap = (prec_at_rank * h).sum(axis=1) / np.minimum(n_t, k)
        out[f"recall@{k}"] = float(recall.mean())
        out[f"ndcg@{k}"] = float(ndcg.mean())
        out[f"map@{k}"] = float(ap.mean())
        out[f"precision@{k}"] = float(precision.mean())
        out[f"f1@{k}"] = float(f1.mean())
        if data is not None:
            listed = lists[:, :k]
            out[f"coverage@{k}"] = float(len(np.unique(listed[listed >= 0])) / data.num_items)
            categories = data.items["category"].to_numpy()
            # Without any known category every pair looks alike: the metric is
            # undefined (None, explained in the report), not 0.
            out[f"diversity@{k}"] = (
                intra_list_diversity(lists[:, : min(k, width)], categories)
                if has_categories(categories) else None
            )
    out["n_cases"] = int(keep.sum())
    return out


def _hits(lists: np.ndarray, targets: list[np.ndarray]) -> np.ndarray:
    """``hits[i, r]``: whether ``lists[i, r]`` is one of case ``i``'s targets.

    One ``np.isin`` over (case, item) keys instead of one per case: tuning grids
    evaluate thousands of cases hundreds of times.
    """
    lists = np.asarray(lists, dtype=np.int64)
    flat = np.concatenate([np.asarray(t, dtype=np.int64).ravel() for t in targets]) if targets else \
        np.zeros(0, dtype=np.int64)
    width = int(max(lists.max(initial=-1), flat.max(initial=-1))) + 2  # -1 pads lists: shift by 1
    rows = np.repeat(np.arange(len(targets), dtype=np.int64),
                     [np.asarray(t).size for t in targets])
    list_keys = np.arange(len(lists), dtype=np.int64)[:, None] * width + (lists + 1)
    return np.isin(list_keys, rows * width + flat + 1)


def has_categories(category: np.ndarray) -> bool:
    """Whether any catalogue item has a real category (diversity is defined)."""
    return bool(np.any((category.astype(str) != UNKNOWN_TEXT) & (category.astype(str) != "")))


UNDEFINED_REASONS = {
    "diversity": "the data set gives no item categories, so list diversity over category is undefined",
    "empty_slice": "no case in this slice (e.g. no shopper with history), so its metrics are undefined",
}


def intra_list_diversity(lists: np.ndarray, category: np.ndarray) -> float:
    """Mean share of item pairs within a list that come from different categories."""
    _, codes = np.unique(category.astype(str), return_inverse=True)
    cats = codes[lists]
    k = lists.shape[1]
    if k < 2:
        return 0.0
    same = (cats[:, :, None] == cats[:, None, :]).sum(axis=(1, 2)) - k  # ordered pairs, no self
    return float((1.0 - same / (k * (k - 1))).mean())


def evaluate_segments(
    recs: Recommender | np.ndarray,
    cases: list[EvalCase],
    data: PreparedData | None,
    ks: Sequence[int] = (10, 20),
) -> dict[str, dict[str, float]]:
    """Metrics for every slice in :data:`SEGMENTS` (see module docstring)."""
    lists = recommend_all(recs, cases, max(ks))
    real = np.array([not c.segment.get("masked", False) for c in cases])
    anonymous = np.array([bool(c.segment.get("anonymous", c.user_id is None)) for c in cases])

    def subset(mask: np.ndarray) -> tuple[list[EvalCase], np.ndarray]:
        idx = np.flatnonzero(mask)
        return [cases[i] for i in idx], lists[idx]

    out: dict[str, dict[str, float]] = {}
    sub_cases, sub_lists = subset(real)
    out["overall"] = evaluate(sub_lists, sub_cases, data, ks)
    repeat_t, new_t = [], []
    for c in sub_cases:
        in_hist = np.isin(c.targets, c.history)
        repeat_t.append(np.asarray(c.targets)[in_hist])
        new_t.append(np.asarray(c.targets)[~in_hist])
    no_misses = np.zeros(len(sub_cases), dtype=np.int64)
    unseen = np.array([c.num_unseen_targets for c in sub_cases], dtype=np.int64)
    out["repeat"] = evaluate(sub_lists, sub_cases, data, ks, targets=repeat_t, extra_misses=no_misses)
    out["new"] = evaluate(sub_lists, sub_cases, data, ks, targets=new_t, extra_misses=unseen)
    for name, mask in (("known", ~anonymous), ("anonymous", anonymous)):
        sc, sl = subset(mask)
        out[name] = evaluate(sl, sc, data, ks) if sc else {"n_cases": 0}
    return out


def headline(segments: dict[str, dict[str, float]]) -> dict[str, Any]:
    """The ``overall`` slice, the numbers quoted per system in report.json ``metrics``."""
    return dict(segments["overall"])
