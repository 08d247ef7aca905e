"""Choosing what the bundle ships, and comparing the model honestly.

* :func:`repeat_rate` -- share of train purchases in a shopper's later baskets
  of an item they had already. Below :data:`NO_REPEAT_RATE` the domain does
  not repeat (ratings, one-off purchases): every system then leaves items the
  shopper already has out of its list (:class:`ExcludeHistory`, and
  ``exclude_history`` in the shipped scorer).
* :func:`fit_gate` -- the model's repeat/explore gate, fitted on validation:
  how far each shopper's own items move up the model's ranking
  (``edge.runtime.scorers.gate_boost``).
* :func:`fit_context_heat` -- context-aware sales heat (by hour, day part or
  weekday) for anonymous shoppers, its field and shrinkage tuned on
  validation; plain popularity stays when context does not help.
* :func:`choose_champion` -- per segment (known / anonymous shoppers), the
  device-runnable system with the best validation objective
  (:data:`OBJECTIVE`); the result is a ``scorer`` spec for the manifest.
* :func:`paired_bootstrap` -- the 95 % interval of the per-case difference.

Every candidate is scored through :class:`edge.runtime.scorers.BundleScorer`,
the code a device runs, with the history cut to the device's history length.
"""

from __future__ import annotations

from collections import OrderedDict
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import scipy.sparse as sp

from cloud_trainer.dataset import EvalCase, PreparedData
from cloud_trainer.evaluation import evaluate, recommend_all
from cloud_trainer.processing import EVENT_WEIGHTS
from edge.bundle import Bundle, FeatureSpec, Item, Manifest, topk
from edge.runtime.scorers import BundleScorer, own_counts
from edge.state.store import CONSUMED_KEEP, consumed_items

OBJECTIVE = ("recall@20", "ndcg@10")
"""The validation objective: recall@20 + ndcg@10 on the segment's cases."""
NO_REPEAT_RATE = 0.02
HEAT_TABLE_SIZE = 200
DAY_PARTS = {**{str(h): "night" for h in range(0, 6)}, **{str(h): "morning" for h in range(6, 11)},
             **{str(h): "midday" for h in range(11, 14)}, **{str(h): "afternoon" for h in range(14, 18)},
             **{str(h): "evening" for h in range(18, 24)}}


def objective(metrics: Mapping[str, Any]) -> float:
    return float(sum(metrics.get(k) or 0.0 for k in OBJECTIVE))


# -- repeat or not ------------------------------------------------------------------------


def repeat_rate(data: PreparedData) -> float:
    """Among train target events in a shopper's second or later basket, the share
    whose item the shopper had in an earlier basket.

    Only later baskets count: a shopper seen once cannot repeat, and a log where
    most shoppers come once (a browsing sample) would otherwise look like a
    domain without repeats (REES46: 1.6 % of all events, 17 % of later-basket
    ones). 0 when no shopper has two baskets (no evidence of repeating).
    """
    train = data.train
    targets = data.split_info.get("target_events") or ["purchase"]
    rows = train[train["event_type"].isin(targets)]
    if rows.empty:
        return 0.0
    starts = rows.groupby(["user_id", "basket_id"])["timestamp"].transform("min")
    framed = rows.assign(_s=starts)
    first_basket = framed.groupby("user_id")["_s"].transform("min")
    first_seen = framed.groupby(["user_id", "item_idx"])["_s"].transform("min")
    later = (starts > first_basket).to_numpy()
    if not later.any():
        return 0.0
    return float((starts > first_seen).to_numpy()[later].mean())


class ExcludeHistory:
    """Wraps a recommender so items in the shopper's history are never listed."""

    def __init__(self, inner: Any) -> None:
        self.inner = inner
        self.name = inner.name

    def fit(self, data: PreparedData) -> None:
        self.inner.fit(data)

    def recommend(self, cases: list[EvalCase], k: int) -> np.ndarray:
        extra = max((len(np.unique(c.history)) for c in cases), default=0)
        wide = np.asarray(self.inner.recommend(cases, k + extra))
        out = np.empty((len(cases), k), dtype=np.int64)
        for i, (row, case) in enumerate(zip(wide, cases, strict=True)):
            kept = row[~np.isin(row, case.history)][:k]
            if len(kept) < k:  # cannot happen unless the catalogue is tiny
                kept = np.concatenate([kept, row[:k - len(kept)]])
            out[i] = kept
        return out


def consumed_cap_info(cases: list[EvalCase]) -> dict[str, Any]:
    """How many shoppers have more distinct items than a device keeps as consumed
    (CONSUMED_KEEP): their oldest ones stay recommendable on the device (and in
    ``shipped``), unlike in the cloud baselines (:class:`ExcludeHistory`)."""
    sizes = [len(np.unique(c.history)) for c in cases if len(c.history)]
    return {"device_keeps": CONSUMED_KEEP, "shoppers": len(sizes),
            "shoppers_over_cap": sum(1 for n in sizes if n > CONSUMED_KEEP),
            "max_distinct_items": max(sizes, default=0)}


# -- device scorers as trainer recommenders ---------------------------------------------


class _LiteRTModel:
    """The ``model`` part of a :class:`BundleScorer`, run by the trainer's LiteRT scorer."""

    def __init__(self, path: Path, spec: FeatureSpec) -> None:
        from cloud_trainer.litert_eval import TFLiteScorer

        self._scorer = TFLiteScorer(path, spec)
        self._spec = spec
        self._hist = np.empty((1, spec.history_length), dtype=np.int32)
        self._ctx = np.zeros((1, len(spec.context_fields)), dtype=np.int32)
        self.busy_since: float | None = None
        # The gate fit, the validation scoring, the champion choice and the test
        # slices ask the same queries again (and anonymous ones differ only by
        # hour and weekday): each runs LiteRT once -- while the cache holds at most
        # CACHE_BYTES; past it the least recently used scores go (they are
        # recomputed, the same values). Unbounded, a 93k-item catalogue's 42k
        # queries held 14 GB and the clickstream training was killed
        # (docs/performance-log.md, "(2026-12-03 (k)) large exports").
        self._cache: OrderedDict[tuple[tuple[int, ...], tuple[int, ...]], np.ndarray] = OrderedDict()
        self._cache_bytes = 0

    CACHE_BYTES = 2_000_000_000
    """~27k queries of Complete Journey's 18,307 float32 scores (73 kB each), ~5k of the
    clickstream shape's 93,558."""

    def score(self, history: Sequence[int], context: Sequence[int]) -> np.ndarray:
        key = (tuple(int(i) for i in history[-self._spec.history_length:]), tuple(int(c) for c in context))
        found = self._cache.get(key)
        if found is None:
            self._spec.fill_history(self._hist, history)
            self._ctx[0, :] = context
            found = self._cache[key] = self._scorer.scores(self._hist, self._ctx).copy()
            found.setflags(write=False)
            self._cache_bytes += found.nbytes
            while self._cache_bytes > self.CACHE_BYTES and len(self._cache) > 1:
                self._cache_bytes -= self._cache.popitem(last=False)[1].nbytes
        else:
            self._cache.move_to_end(key)
        return found

    def clear(self) -> None:
        self._cache.clear()
        self._cache_bytes = 0


def staging_bundle(items: list[Item], spec: FeatureSpec, path: Path | None = None) -> Bundle:
    """An in-memory bundle (no files) for scoring candidates before one is written."""
    manifest = Manifest(format_version=0, model_version="candidate", created_at="",
                        dataset_fingerprint="", metrics={}, files={})
    return Bundle(path=path or Path("."), manifest=manifest, items=items, spec=spec, golden=[])


class ScorerRecommender:
    """A :class:`~cloud_trainer.dataset.Recommender` that runs a device scorer.

    Exactly the device's path: history cut to the spec's length, context encoded
    by the feature spec, scores from the scorer, ranked by ``edge.bundle.topk``.
    A scorer that excludes consumed items also gets the consumed set a device
    holds after seeing the case's whole history (``edge.state.store.consumed_items``:
    its CONSUMED_KEEP most recent distinct items), as the device passes it.
    """

    def __init__(self, name: str, scorer: Any) -> None:
        self.name = name
        self.scorer = scorer

    def fit(self, data: PreparedData) -> None:
        """Nothing to learn: the scorer is what ships."""

    def recommend(self, cases: list[EvalCase], k: int) -> np.ndarray:
        spec = self.scorer.spec
        consumed = bool(getattr(self.scorer, "excludes_consumed", False))
        out = np.full((len(cases), k), -1, dtype=np.int64)  # -1 pads a catalogue smaller than k
        for i, case in enumerate(cases):
            history = np.asarray(case.history)[-spec.history_length:] if spec.history_length else []
            context = spec.context_indices(case.context)
            if consumed and len(case.history):
                scores = self.scorer.score(history, context, consumed_items(case.history))
            else:
                scores = self.scorer.score(history, context)
            top = topk(scores, k)
            out[i, : len(top)] = top
        return out


def make_scorer(bundle: Bundle, scorer_spec: Mapping[str, Any], model: Any | None) -> BundleScorer:
    return BundleScorer(bundle, scorer_spec, model)


# -- the repeat/explore gate --------------------------------------------------------------


@dataclass
class _GateCase:
    own: np.ndarray
    own_scores: np.ndarray
    counts: np.ndarray
    history_len: int
    others: np.ndarray
    other_scores: np.ndarray

    def shopper(self) -> tuple[float, float, float]:
        """The gate's per-shopper features ``[1, log1p(history length), distinct own /
        history length]`` (all 0 without history): ``w0..w2`` of ``gate_boost``."""
        if not self.history_len or not len(self.own):
            return (0.0, 0.0, 0.0)
        return (1.0, float(np.log1p(self.history_len)), len(self.own) / self.history_len)


def _gate_cases(model: Any, cases: list[EvalCase], spec: FeatureSpec, k: int) -> list[_GateCase]:
    out = []
    for case in cases:
        history = np.asarray(case.history)[-spec.history_length:]
        s = np.asarray(model.score(history, spec.context_indices(case.context)), dtype=np.float64)
        own, counts = own_counts(history, spec.num_items)
        top = np.argpartition(-s, min(k + len(own), len(s) - 1))[: k + len(own)]
        others = top[~np.isin(top, own)]
        out.append(_GateCase(own, s[own], counts, len(history), others, s[others]))
    return out


@dataclass
class _GatePack:
    """The gate cases as padded arrays (one row per case: own items, then the
    network's best others), so every grid point ranks all cases at once."""

    items: np.ndarray
    scores: np.ndarray
    own: np.ndarray
    """Whether the entry is an own item."""
    log_counts: np.ndarray
    shopper: np.ndarray
    """Per case: ``[1, log1p(history length), distinct own / history length]`` (0 without history)."""
    valid: np.ndarray

    @classmethod
    def of(cls, gc: list[_GateCase]) -> _GatePack:
        width = max((len(c.own) + len(c.others) for c in gc), default=0)
        n = len(gc)
        items = np.full((n, width), np.iinfo(np.int64).max, dtype=np.int64)
        scores = np.full((n, width), -np.inf)
        own = np.zeros((n, width), dtype=bool)
        log_counts = np.zeros((n, width))
        shopper = np.zeros((n, 3))
        for i, c in enumerate(gc):
            a, b = len(c.own), len(c.own) + len(c.others)
            items[i, :a], items[i, a:b] = c.own, c.others
            scores[i, :a], scores[i, a:b] = c.own_scores, c.other_scores
            own[i, :a] = True
            log_counts[i, :a] = np.log(c.counts)
            shopper[i] = c.shopper()
        # Entries in item order once, so a stable sort by score breaks ties by item id
        # (the device's order) without sorting by item again at every grid point.
        by_item = np.argsort(items, axis=1, kind="stable")
        items, scores, own, log_counts = (np.take_along_axis(x, by_item, axis=1)
                                          for x in (items, scores, own, log_counts))
        return cls(items, scores, own, log_counts, shopper, np.isfinite(scores))


def _gate_lists(gc: list[_GateCase] | _GatePack, w: Sequence[float], k: int,
                head: int | None = None) -> np.ndarray:
    """The device's ranking (``edge.runtime.scorers``: ``own_gate``, ``own_tail``) from
    the cached candidates: every own item plus the network's best others.

    Vectorised over cases (padded rows); ties go to the lower item id, as on the
    device, whose positions are item ids.
    """
    pack = gc if isinstance(gc, _GatePack) else _GatePack.of(gc)
    n, width = pack.scores.shape
    out = np.full((n, k), -1, dtype=np.int64)  # -1 (never a target) pads a tiny catalogue
    if width == 0:
        return out
    boost = (pack.shopper @ np.asarray([w[0], w[1], w[2]], dtype=np.float64))[:, None] \
        + w[3] * pack.log_counts
    scores = np.where(pack.own, pack.scores + boost, pack.scores)
    # Rank by score (descending), ties by item: a stable sort of rows kept in item order.
    order = np.argsort(-scores, axis=1, kind="stable")
    if head is not None:
        # own_tail: the first ``head`` keep their places, then the other own items, then the rest.
        rank = np.empty_like(order)
        np.put_along_axis(rank, order, np.arange(width)[None, :].repeat(n, axis=0), axis=1)
        has_own = pack.own.any(axis=1, keepdims=True)
        top = (rank < head) & pack.valid
        group = np.where(top, 0, np.where(pack.own, 1, 2))
        group = np.where(pack.valid, group, 3)
        group = np.where(has_own, group, np.where(pack.valid, 0, 3))
        order = np.argsort(group * width + rank, axis=1, kind="stable")
    ranked = np.take_along_axis(pack.items, order, axis=1)[:, :k]
    valid = np.take_along_axis(pack.valid, order, axis=1)[:, :k]
    out[:, : ranked.shape[1]] = np.where(valid, ranked, -1)
    return out


class _Objective:
    """:data:`OBJECTIVE` of top-20 lists for fixed cases, as :func:`evaluate` computes it
    (unseen targets count as misses, cases without targets are skipped), with the
    targets laid out once: the gate fit scores hundreds of candidate lists."""

    KEY_WIDTH = 1 << 32
    """(case, item + 1) keys: item ids (and the -1 pad) stay inside one case's range."""

    def __init__(self, cases: list[EvalCase]) -> None:
        n_t = np.array([len(c.targets) + c.num_unseen_targets for c in cases], dtype=np.float64)
        self.keep = n_t > 0
        kept = [np.asarray(c.targets, dtype=np.int64) for c, k in zip(cases, self.keep, strict=True) if k]
        # Targets as sorted (case, item) keys, looked up per list entry: a padded
        # cases x max-targets table compared against every list entry needed
        # cases x 20 x 8,051 bytes (1.3 GB) on a clickstream export whose bot-like
        # visitor has 8k targets (docs/performance-log.md, "(2026-12-03 (k)) large exports").
        rows = np.repeat(np.flatnonzero(self.keep), [len(t) for t in kept])
        flat = np.concatenate(kept) if kept else np.zeros(0, dtype=np.int64)
        self.target_keys = np.unique(rows * self.KEY_WIDTH + flat + 1)
        self.n_t = n_t[self.keep]
        discounts = 1.0 / np.log2(np.arange(2, 12))
        self.discounts = discounts
        self.idcg = np.cumsum(discounts)[np.minimum(self.n_t, 10).astype(np.int64) - 1]

    def hits(self, items: np.ndarray) -> np.ndarray:
        """Whether each entry of ``items`` (one row per case; -1 pads) is one of its
        case's targets."""
        keys = np.arange(len(items), dtype=np.int64)[:, None] * self.KEY_WIDTH + items + 1  # -1 pads: key +0
        if not len(self.target_keys):
            return np.zeros(keys.shape, dtype=bool)
        at = np.minimum(np.searchsorted(self.target_keys, keys), len(self.target_keys) - 1)
        return self.target_keys[at] == keys

    def of_hits(self, hits: np.ndarray) -> float:
        """The objective of top-20 lists given as :meth:`hits` of them."""
        if not len(self.n_t):
            return 0.0
        hits = hits[self.keep][:, :20]
        recall = hits.sum(axis=1) / self.n_t
        ndcg = (hits[:, :10] * self.discounts[: min(10, hits.shape[1])]).sum(axis=1) / self.idcg
        return float(recall.mean() + ndcg.mean())

    def __call__(self, lists: np.ndarray) -> float:
        return self.of_hits(self.hits(lists[:, :20]))


GATE_GRID = {
    1: (-1.0, -0.5, 0.0, 0.5, 1.0),
    2: (-3.0, -1.5, 0.0, 1.5, 3.0),
}
"""The coordinate pass over ``w1`` (history length) and ``w2`` (distinct share)."""
FIT_W0 = (-3.0, -2.0, -1.0, -0.5, 0.0, 1.0)
FIT_W3 = (2.0, 4.0, 6.0, 9.0, 12.0)
FIT_TAILS = (None, 8, 10, 12, 15)
"""The grid :func:`fit_gate` scores exhaustively (150 points): every gate fitted on
Complete Journey so far lies inside it (``w0`` -2..0, ``w3`` 4..9, tails 8-15)."""


def fit_gate(
    model: Any, cases: list[EvalCase], spec: FeatureSpec
) -> tuple[list[float], int | None, list[dict]]:
    """Fit the gate weights and the ``own_tail`` head on ``cases`` (validation
    shoppers with history), maximising :data:`OBJECTIVE`. Returns ``(w, head, trace)``.

    Every ``(w0, w3, head)`` of :data:`FIT_W0` x :data:`FIT_W3` x :data:`FIT_TAILS` is
    scored (the shopper-level constant, the count weight and the tail decide almost
    everything; a coordinate search from ``w = 0`` stopped in local optima: seed 44 of
    Complete Journey reached 0.1401 where the grid finds 0.1417), then one coordinate pass
    over ``w1``, ``w2``. The plain model (``w = 0``, no tail) is the starting point,
    so it stays unless a gate beats it."""
    gc = _GatePack.of(_gate_cases(model, cases, spec, 20))
    score_lists = _Objective(cases)

    def value(w: list[float], head: int | None) -> float:
        return score_lists(_gate_lists(gc, w, 20, head))

    w: list[float] = [0.0, 0.0, 0.0, 0.0]
    head: int | None = None
    best = value(w, head)
    trace = [{"w": list(w), "own_tail": head, "val_objective": best}]
    for w0 in FIT_W0:
        for w3 in FIT_W3:
            trial = [w0, 0.0, 0.0, w3]
            if not any(trial):
                continue
            for h in FIT_TAILS:
                score = value(trial, h)
                if score > best + 1e-9:
                    best, w, head = score, trial, h
                    trace.append({"w": list(w), "own_tail": head, "val_objective": score})
    if any(w):
        for j in (1, 2):
            for x in GATE_GRID[j]:
                trial = list(w)
                trial[j] = x
                if trial == w:
                    continue
                score = value(trial, head)
                if score > best + 1e-9:
                    best, w = score, trial
                    trace.append({"w": list(w), "own_tail": head, "val_objective": score})
    return w, head, trace


# -- the explore prior ---------------------------------------------------------------------

EXPLORE_TABLE_SIZE = 200
"""Items per explore-prior table: a list shows at most 20, a shopper has at most a
history's worth (100) of own items, so 200 always leaves the list enough discoveries."""
EXPLORE_PRIORS = {"heat_1w": 168.0, "heat_2w": 336.0, "buyers_30d": 720.0, "buyers_1w": 168.0}
"""Explore priors the fit tries, by half-life in hours: sales heat (event-weighted
sales, each halving per half-life before the end of training) over one and two weeks,
and buyers (each shopper counted once per item, at their latest purchase of it) over
30 days and one week. ``buyers_1w`` counts how many shoppers take an item up rather
than how much of it sells, so staples bought in bulk by a few weigh less: on Complete
Journey it led every seed's validation objective (docs/model.md, "Explore prior").
Later entries win only by a strictly better objective (order = tie rule)."""
FIT_EXPLORE_W0 = (-4.0, -2.0, 0.0)
FIT_EXPLORE_W3 = (6.0, 9.0, 12.0, 16.0, 24.0)
FIT_EXPLORE_WEIGHT = (2.0, 4.0, 8.0, 16.0)
FIT_EXPLORE_OFFSET = (4.0, 8.0, 12.0, 16.0, 24.0, 32.0)
EXPLORE_TIE_STEP = 1e-5
"""Relative step between equal values in an explore table (see :func:`explore_priors`)."""
EXPLORE_FILL = 24
"""Discoveries kept per case in the fit: a top-20 list holds at most 20; the margin covers
float32 ties among table values, which the device breaks by item id."""


def explore_priors(data: PreparedData) -> dict[str, dict[str, Any]]:
    """Per :data:`EXPLORE_PRIORS` entry, ``{"table": [[item, value], ...]}``: the
    :data:`EXPLORE_TABLE_SIZE` best items, values scaled to a maximum of 1 (the
    ``explore`` table of ``edge.runtime.scorers``)."""
    train = data.train
    if not len(train):
        return {}
    end = pd.Timestamp(data.split_info.get("val_start", train["timestamp"].max()))
    age_h = ((end - train["timestamp"]) / pd.Timedelta(hours=1)).to_numpy(dtype=np.float64)
    items = train["item_idx"].to_numpy(dtype=np.int64)
    events = train["event_type"].map(EVENT_WEIGHTS).fillna(1.0).to_numpy(dtype=np.float64)
    # Each shopper once per item, at their latest interaction with it.
    latest = ~pd.DataFrame({"u": train["user_id"].to_numpy(), "i": items, "t": age_h}) \
        .sort_values("t", kind="stable").duplicated(["u", "i"]).sort_index().to_numpy()
    out = {}
    for name, half_life in EXPLORE_PRIORS.items():
        decay = np.power(0.5, age_h / half_life)
        w = decay * latest if name.startswith("buyers") else decay * events
        value = np.bincount(items, weights=w, minlength=data.num_items)
        if not value.max() > 0:
            continue
        value = value / value.max()
        order = np.lexsort((np.arange(len(value)), -value))[:EXPLORE_TABLE_SIZE]
        rows: list[list[float]] = []
        for i in order:
            v = float(value[i])
            if rows and v >= rows[-1][1] * (1 - EXPLORE_TIE_STEP):
                # Strictly decreasing: equal heat is common (items sold together the same
                # days), and equal scores at a list's cut are placed by argpartition, not by
                # item id, in edge.bundle.topk; a step this small reorders nothing else.
                v = rows[-1][1] * (1 - EXPLORE_TIE_STEP)
            v = round(v, 12)
            if v <= 0:
                break
            rows.append([int(i), v])
        if rows:
            out[name] = {"table": rows}
    return out


@dataclass
class _ExplorePack:
    """Validation shoppers as padded arrays for the explore fit: own items (network score,
    log count), and per prior the best table items that are not their own."""

    own: np.ndarray
    own_scores: np.ndarray
    log_counts: np.ndarray
    shopper: np.ndarray
    own_by_item: np.ndarray = field(init=False)
    """The permutation that puts each row's own items in item order (pads last)."""
    own_in_item_order: np.ndarray = field(init=False)

    def __post_init__(self) -> None:
        self.own_by_item = np.argsort(self.own, axis=1, kind="stable")
        self.own_in_item_order = np.take_along_axis(self.own, self.own_by_item, axis=1)

    @classmethod
    def of(cls, gc: list[_GateCase]) -> _ExplorePack:
        width = max((len(c.own) for c in gc), default=0)
        n = len(gc)
        own = np.full((n, width), np.iinfo(np.int64).max, dtype=np.int64)
        scores = np.full((n, width), -np.inf)
        log_counts = np.zeros((n, width))
        shopper = np.zeros((n, 3))
        for i, c in enumerate(gc):
            a = len(c.own)
            own[i, :a], scores[i, :a], log_counts[i, :a] = c.own, c.own_scores, np.log(c.counts)
            shopper[i] = c.shopper()
        return cls(own, scores, log_counts, shopper)

    def fill(self, table: list[list[float]]) -> tuple[np.ndarray, np.ndarray]:
        """``(items, ln value)`` ``[n, EXPLORE_FILL]``: each case's best table items that
        are not its own (value descending, then item id)."""
        items = np.array([r[0] for r in table], dtype=np.int64)
        values = np.array([r[1] for r in table], dtype=np.float64)
        by_value = np.lexsort((items, -values))  # the device's order: equal values by item id
        items, logv = items[by_value], np.log(values[by_value])
        n = len(self.own)
        out_items = np.full((n, EXPLORE_FILL), np.iinfo(np.int64).max, dtype=np.int64)
        out_logv = np.full((n, EXPLORE_FILL), -np.inf)
        taken = (items[None, :, None] == self.own[:, None, :]).any(axis=2)
        for i in range(n):
            free = np.flatnonzero(~taken[i])[:EXPLORE_FILL]
            out_items[i, : len(free)], out_logv[i, : len(free)] = items[free], logv[free]
        return out_items, out_logv


def _own_top(pack: _ExplorePack, w: Sequence[float], k: int = 20) -> tuple[np.ndarray, np.ndarray]:
    """``(items, scores)`` ``[n, <= k]``: each case's ``k`` best own items under gate ``w``,
    best first, float32 scores as ``BundleScorer`` returns them, ties to the lower item id.

    A top-``k`` list holds at most ``k`` own items, and they are its ``k`` best own ones
    whatever the discoveries score: so the merge with the fill needs only these. The
    explore grid ranks every (weight, offset) against the same few own tops, 44 columns
    a case instead of up to 124 (a history's 100 own items + the fill), and looks the
    targets up once per layout: fit_explore took 9.6 s a seed on Complete Journey, 5.0 s
    now, every grid value the same (docs/performance-log.md, "(2026-12-03 (m))")."""
    boost = (pack.shopper @ np.asarray(w[:3], dtype=np.float64))[:, None] + w[3] * pack.log_counts
    own = np.take_along_axis((pack.own_scores + boost).astype(np.float32), pack.own_by_item, axis=1)
    # Rows are in item order, so a stable sort by score breaks ties by item id.
    order = np.argsort(-own, axis=1, kind="stable")[:, :k]
    return np.take_along_axis(pack.own_in_item_order, order, axis=1), np.take_along_axis(own, order, axis=1)


def _explore_layout(own_top: tuple[np.ndarray, np.ndarray],
                    fill: tuple[np.ndarray, np.ndarray]) -> tuple[np.ndarray, np.ndarray]:
    """``(items, by_item)``: each case's candidates (its own top, then the fill) in item
    order, and the permutation that puts them there. It does not depend on the explore
    weight and offset, so :func:`fit_explore` computes it once per prior and gate."""
    items = np.concatenate((own_top[0], fill[0]), axis=1)
    by_item = np.argsort(items, axis=1, kind="stable")
    return np.take_along_axis(items, by_item, axis=1), by_item


def _explore_lists(pack: _ExplorePack, fill: tuple[np.ndarray, np.ndarray], w: Sequence[float],
                   weight: float, offset: float, k: int = 20,
                   own_top: tuple[np.ndarray, np.ndarray] | None = None,
                   layout: tuple[np.ndarray, np.ndarray] | None = None,
                   hits: np.ndarray | None = None) -> np.ndarray:
    """The device's top-``k`` (``own_gate`` + ``explore``) from the packed candidates:
    float64 sums stored as float32, as ``BundleScorer`` returns them, ties to the lower item id.
    ``own_top``: :func:`_own_top` of ``pack``, ``w`` and ``k``; ``layout``:
    :func:`_explore_layout` of that and ``fill``; each made here if not given.
    ``hits``: :meth:`_Objective.hits` of the layout's items; given, the lists' hits are
    returned instead of their items (the grid looks the targets up once per layout)."""
    if own_top is None:
        own_top = _own_top(pack, w, k)
    items, by_item = layout if layout is not None else _explore_layout(own_top, fill)
    other = (weight * fill[1] + offset).astype(np.float32)
    scores = np.take_along_axis(np.concatenate((own_top[1], other), axis=1), by_item, axis=1)
    # Rows are in item order, so a stable sort by score breaks ties by item id.
    order = np.argsort(-scores, axis=1, kind="stable")[:, :k]
    valid = np.isfinite(np.take_along_axis(scores, order, axis=1))
    if hits is not None:
        return np.take_along_axis(hits, order, axis=1) & valid
    ranked = np.take_along_axis(items, order, axis=1)
    out = np.full((len(items), k), -1, dtype=np.int64)
    out[:, : ranked.shape[1]] = np.where(valid, ranked, -1)
    return out


def fit_explore(
    model: Any, cases: list[EvalCase], spec: FeatureSpec, priors: Mapping[str, Mapping[str, Any]]
) -> tuple[list[float], dict[str, Any] | None, float, list[dict]]:
    """Fit ``own_gate`` + ``explore`` on ``cases`` (validation shoppers with history):
    every prior of ``priors`` x :data:`FIT_EXPLORE_W0` x :data:`FIT_EXPLORE_W3` x
    :data:`FIT_EXPLORE_WEIGHT` x :data:`FIT_EXPLORE_OFFSET`, maximising :data:`OBJECTIVE`.

    The idea (ReCANet / RepeatNet's repeat-vs-explore, with the explore side given to
    a prior): the network's scores plus the gate say how likely each own item is to be
    bought again; ``weight * ln(prior) + offset`` is the same question for an item the
    shopper never had, on the same scale, and one sort merges the two. Returns
    ``(w, explore, val_objective, trace)``; ``explore`` None when there is nothing to fit."""
    if not cases or not priors:
        return [0.0, 0.0, 0.0, 0.0], None, 0.0, []
    pack = _ExplorePack.of(_gate_cases(model, cases, spec, 0))
    score_lists = _Objective(cases)
    best: tuple[float, list[float], dict[str, Any] | None] = (-1.0, [0.0, 0.0, 0.0, 0.0], None)
    trace: list[dict] = []
    # The own tops depend on the gate alone: made once, not once per prior.
    own_tops = {(w0, w3): _own_top(pack, [w0, 0.0, 0.0, w3]) for w0 in FIT_EXPLORE_W0 for w3 in FIT_EXPLORE_W3}
    for name, prior in priors.items():
        fill = pack.fill(prior["table"])
        for w0 in FIT_EXPLORE_W0:
            for w3 in FIT_EXPLORE_W3:
                w = [w0, 0.0, 0.0, w3]
                own_top = own_tops[w0, w3]
                layout = _explore_layout(own_top, fill)
                pads = layout[0] == np.iinfo(np.int64).max  # never ranked: always invalid
                hits = score_lists.hits(np.where(pads, -1, layout[0]))
                for a in FIT_EXPLORE_WEIGHT:
                    for b in FIT_EXPLORE_OFFSET:
                        value = score_lists.of_hits(_explore_lists(pack, fill, w, a, b, own_top=own_top,
                                                                   layout=layout, hits=hits))
                        if value > best[0] + 1e-9:
                            best = (value, w, {"prior": name, "table": prior["table"],
                                               "weight": a, "offset": b})
                            trace.append({"w": w, "prior": name, "weight": a, "offset": b,
                                          "val_objective": value})
    return best[1], best[2], best[0], trace


# -- context-aware sales heat -------------------------------------------------------------


def heat_tables(data: PreparedData, field_name: str, groups: Mapping[str, str] | None) -> dict[str, Any]:
    """Per context group: its hottest items and total heat, in shares of all train heat
    (the unit of ``edge.runtime.scorers.heat_scores``)."""
    train = data.train
    if field_name not in train.columns:
        return {}
    half_life = pd.Timedelta(hours=float(data.normalisation.get("heat_half_life_hours", 336.0)))
    end = pd.Timestamp(data.split_info.get("val_start", train["timestamp"].max()))
    age = ((end - train["timestamp"]) / half_life).to_numpy(dtype=np.float64)
    weight = train["event_type"].map(EVENT_WEIGHTS).fillna(1.0).to_numpy() * np.power(0.5, age)
    values = train[field_name].astype(str).to_numpy()
    if groups:
        values = np.array([groups.get(v, v) for v in values], dtype=object)
    frame = pd.DataFrame({"g": values, "item": train["item_idx"].to_numpy(), "w": weight / weight.sum()})
    frame = frame[frame["g"] != ""]
    heat = frame.groupby(["g", "item"])["w"].sum().reset_index()
    table: dict[str, list[list[float]]] = {}
    total: dict[str, float] = {}
    for g, rows in heat.groupby("g"):
        rows = rows.sort_values(["w", "item"], ascending=[False, True])
        total[str(g)] = float(rows["w"].sum())
        top = rows.head(HEAT_TABLE_SIZE)
        table[str(g)] = [[int(i), round(float(v), 9)] for i, v in zip(top["item"], top["w"], strict=True)]
    return {"field": field_name, "groups": dict(groups) if groups else None, "table": table, "total": total}


def heat_candidates(data: PreparedData) -> list[dict[str, Any]]:
    """Context-heat scorer specs worth trying: by hour, day part and weekday, three shrinkages."""
    out = []
    for field_name, groups in (("hour", None), ("hour", DAY_PARTS), ("weekday", None)):
        base = heat_tables(data, field_name, groups)
        if not base or not base["total"]:
            continue
        typical = float(np.median(list(base["total"].values())))
        for c in (0.25, 1.0, 4.0):
            ctx = {**base, "smoothing": round(c * typical, 9)}
            if ctx["groups"] is None:
                del ctx["groups"]
            out.append({"kind": "popularity", "context": ctx})
    return out


DEVICE_KNN_NEIGHBOURS = 50
"""Neighbours per item in the shipped item-kNN table (bundle size; CJ: 18k items x 50 ~ 8 MB)."""
KNN_FILE = "item_knn.npz"
KNN_DEVICE_DECAYS = (0.95, 0.8)
"""Per-item history decays tried for the device's item-kNN (besides none)."""


def _save_csr(csr: Any, path: Path, indptr_dtype: Any) -> None:
    """A CSR table as the kNN scorer kinds read it (``indptr``, ``indices``, ``data``)."""
    import io

    buf = io.BytesIO()
    np.savez_compressed(buf, indptr=csr.indptr.astype(indptr_dtype), indices=csr.indices.astype(np.int32),
                        data=csr.data.astype(np.float32))
    path.write_bytes(buf.getvalue())


def write_knn_table(sim: Any, path: Path) -> dict[str, Any]:
    """Save an items x items similarity (scipy CSR, already pruned) for the
    ``item_knn`` scorer kind; returns its spec."""
    _save_csr(sim.tocsr(), path, np.int32)
    return {"kind": "item_knn", "file": path.name}


USER_KNN_FILE = "user_knn.npz"
USER_KNN_MAX_SHOPPERS = 50_000
"""Stored shoppers the ``user_knn`` table keeps at most (those with the most items): the
device's neighbour search allocates one float per stored shopper and query, and a
store's loyalty base is in the tens of thousands; a web log's million one-visit
visitors would only make the file big."""


def write_user_table(vectors: Any, path: Path, max_rows: int = USER_KNN_MAX_SHOPPERS) -> dict[str, Any]:
    """Save the train shoppers' TIFU vectors (scipy CSR, shoppers x items) for the
    ``user_knn`` scorer kind, each row scaled to sum to 1 and empty rows left out;
    returns the spec without ``k`` / ``alpha``."""
    csr = sp.csr_matrix(vectors)
    csr.eliminate_zeros()
    sizes = np.diff(csr.indptr)
    keep = np.flatnonzero(sizes > 0)
    if len(keep) > max_rows:
        keep = np.sort(keep[np.argsort(-sizes[keep], kind="stable")[:max_rows]])
    csr = csr[keep]
    sums = np.asarray(csr.sum(axis=1)).ravel()
    csr = sp.diags(1.0 / np.where(sums > 0, sums, 1.0)) @ csr
    csr = sp.csr_matrix(csr)
    csr.sort_indices()
    _save_csr(csr, path, np.int64)  # int64: a large table's entries pass 2**31
    return {"kind": "user_knn", "file": path.name}


def scorer_files(spec: Mapping[str, Any], directory: Path) -> dict[str, bytes]:
    """The data files a scorer spec reads, by name (for the bundle)."""
    out: dict[str, bytes] = {}
    if spec.get("kind") in ("item_knn", "user_knn"):
        out[spec["file"]] = (directory / spec["file"]).read_bytes()
    for part in ("known", "anonymous", "then"):
        if isinstance(spec.get(part), Mapping):
            out.update(scorer_files(spec[part], directory))
    return out


def describe(spec: Mapping[str, Any]) -> str:
    """A short name for a scorer spec (reports)."""
    kind = spec["kind"]
    if kind == "popularity":
        ctx = spec.get("context")
        if not ctx:
            return "popularity"
        by = "day part" if ctx.get("groups") else ctx["field"]
        return f"context heat by {by} (m={ctx['smoothing']:.3g})"
    if kind == "own_topk":
        return f"own top-{spec['k']} then {describe(spec.get('then', {'kind': 'popularity'}))}"
    if kind == "item_knn":
        return "item_knn" + (f" (decay {spec['decay']})" if spec.get("decay", 1.0) != 1.0 else "")
    if kind == "user_knn":
        decay = f", decay {spec['decay']}" if spec.get("decay", 1.0) != 1.0 else ""
        return f"tifu_knn on the device ({spec['k']} neighbours, alpha {spec['alpha']:g}{decay})"
    if kind == "model":
        gate = spec.get("own_gate")
        tail = f", own items after the first {spec['own_tail']}" if spec.get("own_tail") is not None else ""
        ex = spec.get("explore")
        explore = (f", other items by the explore prior {ex.get('prior', '')} (weight {ex['weight']:g}, "
                   f"offset {ex['offset']:g})") if ex else ""
        return "model" + (f" + repeat gate w={gate['w']}{tail}{explore}" if gate else "")
    return f"known: {describe(spec['known'])}; anonymous: {describe(spec['anonymous'])}"


# -- the champion ---------------------------------------------------------------------------


@dataclass
class Champion:
    spec: dict[str, Any]
    reason: str
    segments: dict[str, list[dict[str, Any]]] = field(default_factory=dict)
    """Per segment, every candidate with its validation metrics (best first)."""


def segment_cases(cases: list[EvalCase]) -> dict[str, list[EvalCase]]:
    known = [c for c in cases if not c.segment.get("anonymous", c.user_id is None)]
    anonymous = [c for c in cases if c.segment.get("anonymous", c.user_id is None)]
    return {"known": known, "anonymous": anonymous}


FLOOR = "popularity"
"""The candidate a segment falls back to unless another beats it on validation by
more than noise (paired bootstrap over validation cases, 95 % interval above 0)."""


def candidate_lists(
    candidates: dict[str, list[tuple[str, dict[str, Any]]]],
    bundle: Bundle,
    val_cases: list[EvalCase],
    *,
    exclude_history: bool,
) -> dict[tuple[str, str], np.ndarray]:
    """``{(segment, name): top-20 lists}`` of candidates that do not run the network, on
    their segment's validation cases, as :func:`choose_champion` ranks them (ties in
    score as the device breaks them). They need no trained model, so the pipeline makes
    them while a seed trains, and the champion stage only ranks the network's."""
    by_segment = segment_cases(val_cases)
    out: dict[tuple[str, str], np.ndarray] = {}
    for seg, cands in candidates.items():
        cases = by_segment.get(seg, [])
        for name, spec in cands:
            if cases and spec.get("kind") not in ("model", "segmented"):
                out[seg, name] = _candidate(name, spec, bundle, None, exclude_history).recommend(cases, 20)
    return out


def _candidate(name: str, spec: Mapping[str, Any], bundle: Bundle, model: Any | None,
               exclude_history: bool) -> ScorerRecommender:
    """A champion candidate as the device would run it (consumed items left out where
    the domain does not repeat)."""
    full = {**spec, "exclude_history": True} if exclude_history else spec
    return ScorerRecommender(name, make_scorer(bundle, full, model))


def choose_champion(
    candidates: dict[str, list[tuple[str, dict[str, Any]]]],
    bundle: Bundle,
    model: Any | None,
    val_cases: list[EvalCase],
    *,
    exclude_history: bool,
    fallbacks: Mapping[str, tuple[str, Sequence[str]]] | None = None,
    lists: Mapping[tuple[str, str], np.ndarray] | None = None,
) -> Champion:
    """The best device-runnable candidate per segment on validation (:data:`OBJECTIVE`).

    ``candidates`` maps a segment ("known", "anonymous") to ``(name, spec)``
    pairs. If one spec wins both segments it ships alone, else a ``segmented`` one.
    A winner whose gain over the segment's fallback on validation is within noise
    gives way to it (the reason says so). The fallback is :data:`FLOOR` unless
    ``fallbacks`` names, per segment, ``(what it is, candidate names)``: then the
    best of those candidates on validation (the pipeline passes the device forms of
    the best baseline, so a system that is not clearly better than that baseline
    does not replace it). ``lists``: :func:`candidate_lists` made earlier for some of
    the candidates (the pipeline makes the baselines' beside a fit); the rest are
    ranked here.
    """
    lists = lists or {}
    by_segment = segment_cases(val_cases)
    results: dict[str, list[dict[str, Any]]] = {}
    chosen: dict[str, dict[str, Any]] = {}
    for seg, cands in candidates.items():
        cases = by_segment.get(seg, [])
        rows = []
        recs: dict[str, ScorerRecommender | np.ndarray] = {}
        for name, spec in cands:
            if not cases:
                rows.append({"name": name, "spec": spec, "val": {}, "objective": 0.0})
                continue
            made = lists.get((seg, name))
            rec = recs[name] = made if made is not None else _candidate(name, spec, bundle, model, exclude_history)
            m = evaluate(rec, cases, None, ks=(10, 20))
            rows.append({"name": name, "spec": spec, "val": {k: m.get(k) for k in (*OBJECTIVE, "n_cases")},
                         "objective": objective(m)})
        # Ties keep the earlier candidate: the model is listed first, then simpler systems.
        rows.sort(key=lambda r: -r["objective"])
        results[seg] = rows
        chosen[seg] = rows[0]
        what, names = (fallbacks or {}).get(seg, ("", (FLOOR,)))
        floor = next((r for r in rows if r["name"] in names), None) or next(
            (r for r in rows if r["name"] == FLOOR), None)
        if cases and floor is not None and rows[0] is not floor:
            # On an unseen retailer's data a close validation win is often a test loss
            # (a ratings export: model 0.0840 vs popularity 0.0832 on validation, 0.0483 vs
            # 0.0491 on test; REES46: TIFU-KNN's device form 0.7283 vs item_knn's 0.7215,
            # then 0.2078 vs 0.2125 recall@20 on test). Leave the fallback only for a win
            # the validation cases support.
            a = per_case(recommend_all(recs[rows[0]["name"]], cases, 20), cases)
            b = per_case(recommend_all(recs[floor["name"]], cases, 20), cases)
            test = paired_bootstrap(sum(a.values()), sum(b.values()))
            rows[0]["vs_floor_ci95"] = test["ci95"]
            rows[0]["floor"] = floor["name"]
            if test["ci95"] is not None and test["ci95"][0] <= 0:
                floor["beat_within_noise"] = {
                    "by": rows[0]["name"], "ci95": test["ci95"],
                    "ships": (f"the simpler {FLOOR}" if floor["name"] == FLOOR
                              else f"{floor['name']}, {what},")}
                chosen[seg] = floor
    known, anon = chosen["known"], chosen["anonymous"]
    if known["spec"] == anon["spec"]:
        spec = dict(known["spec"])
    else:
        spec = {"kind": "segmented", "known": known["spec"], "anonymous": anon["spec"]}
    if exclude_history:
        spec["exclude_history"] = True
    parts = []
    for seg in ("known", "anonymous"):
        rows = results[seg]
        if not by_segment.get(seg):
            parts.append(f"{seg} shoppers: no validation case, so {rows[0]['name']} (listed first) by default")
            continue
        pick = chosen[seg]
        if "beat_within_noise" in pick:
            lo, hi = pick["beat_within_noise"]["ci95"]
            parts.append(
                f"{seg} shoppers: {pick['name']} ({pick['objective']:.4f}): {rows[0]['name']} "
                f"({rows[0]['objective']:.4f}) is ahead only within noise (paired 95% CI of the "
                f"difference [{lo:+.4f}, {hi:+.4f}] includes 0), so "
                f"{pick['beat_within_noise']['ships']} ships")
            continue
        runner = f", ahead of {rows[1]['name']} ({rows[1]['objective']:.4f})" if len(rows) > 1 else ""
        parts.append(f"{seg} shoppers: {rows[0]['name']} ({rows[0]['objective']:.4f}){runner}")
    reason = ("best validation recall@20 + ndcg@10 per segment among device-runnable systems: "
              + "; ".join(parts))
    return Champion(spec=spec, reason=reason, segments=results)


# -- statistics ------------------------------------------------------------------------------


def per_case(lists: np.ndarray, cases: list[EvalCase]) -> dict[str, np.ndarray]:
    """Per-case recall@20 and ndcg@10 (cases with at least one target), for paired tests."""
    out: dict[str, list[float]] = {"recall@20": [], "ndcg@10": []}
    discounts = 1.0 / np.log2(np.arange(2, 22))
    for row, case in zip(lists, cases, strict=True):
        n_t = len(case.targets) + case.num_unseen_targets
        if n_t == 0:
            continue
        hits = np.isin(row[:20], case.targets)
        out["recall@20"].append(hits.sum() / n_t)
        idcg = discounts[: min(n_t, 10)].sum()
        out["ndcg@10"].append(float((hits[:10] * discounts[:10]).sum() / idcg))
    return {k: np.asarray(v) for k, v in out.items()}


def paired_bootstrap(a: np.ndarray, b: np.ndarray, *, n: int = 2000, seed: int = 0) -> dict[str, Any]:
    """``ratio`` = mean(a) / mean(b) and the bootstrap 95 % interval of mean(a - b),
    resampling cases (the same resample for both systems)."""
    a, b = np.asarray(a, dtype=np.float64), np.asarray(b, dtype=np.float64)
    if len(a) == 0:
        return {"ratio": None, "diff": None, "ci95": None, "n_cases": 0}
    diff = a - b
    rng = np.random.default_rng(seed)
    idx = rng.integers(0, len(diff), size=(n, len(diff)))
    means = diff[idx].mean(axis=1)
    lo, hi = np.percentile(means, [2.5, 97.5])
    ratio = float(a.mean() / b.mean()) if b.mean() > 0 else None
    return {"ratio": ratio, "diff": float(diff.mean()), "ci95": [float(lo), float(hi)],
            "n_cases": int(len(diff))}
