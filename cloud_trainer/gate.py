"""The network's scorer, fitted on validation around its int8 scores: how a shopper's own
items and the rest are merged into one list.

* :func:`fit_gate` -- the repeat/explore gate: how far each shopper's own items move up
  the network's ranking (``edge.runtime.scorers.gate_boost``), a small grid scored on
  the validation cases with the device's own ranking rules.
* :func:`fit_explore` -- the other merge: own items by the gate, every other item by a
  recent-sales prior (:func:`explore_priors`) instead of the network; kept by the
  trainer only where it wins on validation.

Both score each grid point on every validation case, so the cases are packed once
(:class:`_GatePack`, :class:`_ExplorePack`) and ranked with numpy in bulk; the device
(:mod:`edge.runtime.scorers`) ranks the same way one shopper at a time, and
tests/test_scorers.py holds the two to the same lists. The objective is
:data:`cloud_trainer.champion.OBJECTIVE` (recall@20 + ndcg@10).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd

from cloud_trainer.dataset import EvalCase, PreparedData
from cloud_trainer.processing import EVENT_WEIGHTS
from edge.bundle import FeatureSpec
from edge.runtime.scorers import own_counts

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
