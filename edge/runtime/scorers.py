"""Bundle-declared scorer kinds, run with numpy (no TensorFlow).

The trainer ships whatever won on validation: the neural model, or a baseline
that beat it (``docs/model.md``, "champion"). The bundle's manifest says which
in its optional ``scorer`` field; without it the device runs the TFLite model
as before. Every kind answers the same question as
:class:`edge.runtime.model.Scorer` -- a score per catalogue item for one
shopper (``history``: item indices, oldest first) in one context (one
vocabulary index per feature-spec field) -- so the rest of the device does not
know which one it runs.

Kinds (``{"kind": ..., params}``, nested where a kind wraps another):

``{"kind": "model"}``
    The bundle's TFLite model. Optional ``"own_gate": {"w": [w0, w1, w2, w3]}``:
    each of the shopper's own items (those in ``history``) gets ``w0 + w1 *
    log1p(len(history)) + w2 * distinct / len(history) + w3 * log(count)``
    added to its score -- a per-shopper repeat/explore gate (how far the
    shopper's own items move up, from how much and how repetitively they
    shop) on top of the model's own ranking of them. Optional ``"own_tail":
    H``: the first ``H`` places go to the best items by that score (discoveries
    and staples alike), the next ones to the rest of the shopper's own items
    (best first), then everything else -- repeat candidates fill the list's
    tail instead of pushing discoveries out of its head. Ties go to the lower
    item id (as the trainer ranks them, ``gate._gate_lists``); the work is
    done on the model's float32 output with a max and a threshold pass over the catalogue
    (:func:`gated_fast`), float64 on the own items only. Optional ``"explore":
    {"table": [[item, value], ...], "weight": a, "offset": b}`` (instead of
    ``own_tail``): the shopper's own items keep the gated model score, every
    other item is scored by an explore prior -- ``a * ln(value) + b`` for the
    items in the table (values in (0, 1]: recent sales heat or how many shoppers
    bought it), below all of them the rest by popularity -- so the list merges
    re-buys (the model) and discoveries (the prior) by one comparison of
    scores: on grocery data the network ranks a shopper's own items well but
    finds new items worse than recent sales heat does (docs/model.md, "Explore
    prior"). Without own items the model is not run.
``{"kind": "popularity"}``
    Sales heat from ``items.json``. Optional ``"context"``: context-aware
    heat, see :func:`heat_scores`.
``{"kind": "own_topk", "k": K, "then": <scorer>}``
    The shopper's ``K`` most frequent items (latest first on ties) on top,
    then ``then``'s ranking.
``{"kind": "item_knn", "file": NAME}``
    Item-to-item CF: each history item adds its (count-weighted) similarity
    to its stored neighbours; items with a positive score rank first (equal
    scores: the more popular item first, as the cloud baseline ranks them),
    then the rest by popularity. ``NAME`` is a bundle file listed in the manifest (hash-checked
    like the others): a numpy ``.npz`` with the items x items table in CSR form
    (``indptr``, ``indices``, ``data``). Optional ``"decay": d`` in (0, 1]: a
    history entry weighs ``d ** (entries after it)`` instead of 1 (recent
    items count more; the device has no basket boundaries, so the decay is
    per item, not per basket).
``{"kind": "user_knn", "file": NAME, "k": K, "alpha": A}``
    Shopper-to-shopper CF, the device's form of TIFU-KNN (Hu et al. 2020):
    the shopper's own vector (their items, each weighing ``decay ** (entries
    after it)``, optional ``"decay"`` in (0, 1], default 1; summing to 1)
    finds the ``K`` most similar stored shoppers (cosine > 0), and the score
    is ``A * own + (1 - A) * (sum of their vectors + (K - found) * the average
    stored vector) / K``; items with a positive score rank first (equal scores:
    the more popular first), then by popularity. ``NAME`` is a bundle file (``.npz``: the stored shoppers x
    items table in CSR form, ``indptr``, ``indices``, ``data``, each row
    summing to 1): the train shoppers' TIFU vectors, so what the baseline
    knows about its neighbours ships with the bundle and the device needs no
    shopper ids. The average vector stands in for the unrelated shoppers
    TIFU-KNN takes when fewer than ``K`` are similar (a popularity prior at
    the neighbours' scale): without it the device form trailed TIFU-KNN on
    Complete Journey's validation (recall@20 0.0794 against 0.0865), with it
    0.0877.
``{"kind": "segmented", "known": <scorer>, "anonymous": <scorer>}``
    ``anonymous`` when the history is empty and no demographic field is known,
    else ``known`` (the trainer's known / anonymous slices use the same rule).

``item_knn``, ``user_knn`` and ``own_topk`` may carry ``"history": H`` (1 to
:data:`MAX_SCORER_HISTORY`): the kind reads the shopper's ``H`` most recent items
instead of the feature spec's ``history_length`` (the model's input, 100). The
baselines these kinds run count a shopper's whole history; where shoppers have
more than the model's window, a kind cut to it trails its own baseline (on the
grocery5m export, TIFU-KNN's device form from the last 100 items gave test
recall@20 0.3443 against TIFU-KNN's 0.3496, from the last 400 or more 0.3558;
docs/model.md, "A longer history for the baselines' device forms"). The device
keeps ``MAX_SCORER_HISTORY`` items per shopper and gives the scorer its
:attr:`BundleScorer.history_window` most recent (the longest any part reads);
every part reads its own window of them (``own_topk`` counts its own items in its
window, its ``then`` part reads its own). A bundle with such a part is written
as format version 3, which devices from before it refuse (``edge.bundle``).

Any kind may carry ``"exclude_history": true``: items the shopper already has
are never recommended (set where the training data shows a domain that does
not repeat, e.g. ratings). "Already has" is the history passed in plus the
``consumed`` set :meth:`BundleScorer.score` may be given: on the device, every
item the shopper bought or picked up, up to ``edge.state.store.CONSUMED_KEEP``
most recent ones (longer than the model's history; the trainer evaluates
``shipped`` with the same set, ``edge.state.store.consumed_items``).

The trainer evaluates the shipped bundle through this module, so its
``shipped`` metrics are the device's.
"""

from __future__ import annotations

import reprlib
import time
from collections.abc import Callable, Mapping, Sequence
from typing import Any, NamedTuple

import numpy as np

from edge.bundle import (
    MAX_SCORER_HISTORY,
    NO_PART,
    SCORER_PARTS,
    Bundle,
    BundleError,
    FeatureSpec,
    scorer_parts,
)
from edge.runtime.golden import replay_golden

SCORER_KINDS = ("model", "popularity", "own_topk", "segmented", "item_knn", "user_knn")
NON_DEMOGRAPHIC_FIELDS = frozenset({"department", "hour", "weekday"})
"""Context fields that describe the place and time, not the shopper."""

ScoreFn = Callable[[Sequence[int], Sequence[int]], np.ndarray]
WINDOWED_KINDS = ("item_knn", "user_knn", "own_topk")
"""Kinds that may read a longer history than the model's (``"history"``)."""
SMALL_MERGE = 64
"""Up to this many entries (the head's competitors plus the own items) :func:`gated_fast`
orders them in Python, above it with numpy (int8 scores can tie by the hundred)."""


def own_scores(history: Sequence[int], num_items: int) -> tuple[np.ndarray, np.ndarray]:
    """``(items, value)`` of the shopper's distinct items: purchase count plus a
    recency bonus below 0.5 that only breaks ties (later purchases win)."""
    hist = np.asarray(history, dtype=np.int64)
    hist = hist[(hist >= 0) & (hist < num_items)]
    n = len(hist)
    if n == 0:
        return np.zeros(0, dtype=np.int64), np.zeros(0)
    bonus = 0.5 * np.arange(1, n + 1) / (n * (n + 1))
    items, inverse = np.unique(hist, return_inverse=True)
    value = np.bincount(inverse, weights=1.0 + bonus)
    return items, value


def own_counts(history: Sequence[int], num_items: int) -> tuple[np.ndarray, np.ndarray]:
    """``(items, count)`` of the shopper's distinct items in ``history`` (items
    ascending, int64 counts: what ``np.unique(..., return_counts=True)`` gives).

    Counted in Python: a history is at most the model's window (100 items, median
    ~9 in the real replay), where ``np.unique``'s fixed overhead (~10 us, once per
    fresh inference) cost as much as the LiteRT invoke itself."""
    items, counts = own_count_lists(history, num_items)
    if not items:
        return np.zeros(0, dtype=np.int64), np.zeros(0, dtype=np.int64)
    return np.array(items, dtype=np.int64), np.array(counts, dtype=np.int64)


def own_count_lists(history: Sequence[int], num_items: int) -> tuple[list[int], list[int]]:
    """:func:`own_counts` as Python lists (items ascending, their counts)."""
    counts: dict[int, int] = {}
    get = counts.get
    for i in history:
        if 0 <= i < num_items:
            counts[i] = get(i, 0) + 1
    items = sorted(counts)
    return items, [counts[i] for i in items]


def decayed_counts(history: Sequence[int], num_items: int, decay: float) -> tuple[np.ndarray, np.ndarray]:
    """``(items, weight)``: each history entry weighs ``decay ** (entries after it)``."""
    hist = np.asarray(history, dtype=np.int64)
    hist = hist[(hist >= 0) & (hist < num_items)]
    if not len(hist):
        return np.zeros(0, dtype=np.int64), np.zeros(0)
    items, inverse = np.unique(hist, return_inverse=True)
    w = np.power(decay, np.arange(len(hist) - 1, -1, -1, dtype=np.float64))
    return items, np.bincount(inverse, weights=w)


def history_weights(history: Sequence[int], num_items: int, decay: float) -> tuple[np.ndarray, np.ndarray]:
    """``(items, weight)`` of the kNN kinds: each item's count in ``history``, or with
    ``decay`` < 1 each entry weighing ``decay ** (entries after it)``."""
    if decay < 1.0:
        return decayed_counts(history, num_items, decay)
    return own_counts(history, num_items)


def gate_boost(w: Sequence[float], history_len: int, counts: np.ndarray) -> np.ndarray:
    """The ``own_gate`` boost of each own item (see the module docstring)."""
    if history_len == 0 or len(counts) == 0:
        return np.zeros(len(counts))
    return _gate_shopper(w, history_len, len(counts)) + w[3] * np.log(counts)


def _gate_shopper(w: Sequence[float], history_len: int, distinct: int) -> float:
    """The gate's per-shopper term ``w0 + w1 log1p(len) + w2 distinct / len``: one
    formula for :func:`gate_boost` and :func:`gate_values`, which must agree bit for bit."""
    return w[0] + w[1] * _log1p(history_len) + w[2] * distinct / history_len


def gate_values(w: Sequence[float], history_len: int, raw: Sequence[float], counts: Sequence[int]) -> list[float]:
    """``raw + gate_boost(w, history_len, counts)`` per own item, in Python floats: the
    same float64 operations in the same order as the numpy expression, with numpy's own
    ``log`` of each count (:func:`_log_count`), so the same bits (tests/test_scorers.py);
    the explore scorer casts them to float32 as before. In Python because the shopper's
    own items are few (median ~9) and, right after an inference, each of the ~7 numpy
    calls it replaces cost ~1.5 us with cold caches (31.7 -> 21.7 us per fresh score)."""
    return [r + g for r, g in zip(raw, gate_terms(w, history_len, counts), strict=True)]


def gate_terms(w: Sequence[float], history_len: int, counts: Sequence[int]) -> list[float]:
    """Each own item's ``gate_boost`` term (``shopper + w3 * log(count)``) in Python floats:
    what :func:`gate_values` adds to the raw scores. It depends on the history only, so the
    explore scorer keeps it per history (one shopper, scored in several contexts)."""
    shopper = _gate_shopper(w, history_len, len(counts))
    w3 = w[3]
    return [shopper + w3 * _log_count(c) for c in counts]


_LOG_COUNTS: list[float] = []


def _log_count(c: int) -> float:
    """``np.log(c)`` as a float, for a count ``c >= 1``: a table of numpy's values
    (``math.log`` may differ in the last bit), grown when a count passes its end."""
    table = _LOG_COUNTS
    if c > len(table):
        table[:] = np.log(np.arange(1, max(2 * c, 256) + 1, dtype=np.float64)).tolist()
    return table[c - 1]


_LOG1P: dict[int, float] = {}


def _log1p(n: int) -> float:
    """``np.log1p(n)`` as a float, remembered per history length (a numpy scalar call
    per fresh inference; ``math.log1p`` differs from numpy's in the last bit for ~1 %
    of lengths, so numpy's value is the one kept)."""
    found = _LOG1P.get(n)
    if found is None:
        if len(_LOG1P) > 4096:
            _LOG1P.clear()
        found = _LOG1P[n] = float(np.log1p(n))
    return found


def own_tail_order(scores: np.ndarray, own: np.ndarray, head: int) -> None:
    """In place: the top ``head`` items keep their order on top, then the remaining
    ``own`` items (by score), then the rest (``own_tail``, see the module docstring)."""
    finite = scores[np.isfinite(scores)]
    if not len(finite):
        return
    top = np.argpartition(-scores, min(head, len(scores) - 1))[:head] if head else np.zeros(0, np.int64)
    top = top[np.lexsort((top, -scores[top]))]
    rest = own[~np.isin(own, top)]
    rest = rest[np.lexsort((rest, -scores[rest]))]
    base = float(finite.max()) + 1.0
    scores[rest] = base + np.arange(len(rest), 0, -1, dtype=np.float64)
    scores[top] = base + len(rest) + np.arange(len(top), 0, -1, dtype=np.float64)


def gated_fast(scores: np.ndarray, items: np.ndarray, boost: np.ndarray, head: int | None) -> np.ndarray | None:
    """``own_gate`` (+ ``own_tail`` when ``head`` is not None) in place on the model's
    float32 ``scores`` (``items``: the own items, sorted and distinct, as
    :func:`own_counts` gives them), with a max and one comparison pass over the
    catalogue (its ``head + 1`` best others found among the few a strided sample's
    threshold lets through, as :func:`edge.reco.ranker.top_k` does; the whole vector
    when the sample lets too few through) and float64 arithmetic on the own items only.

    Returns ``scores``, holding what the float64 reference (``+=`` boost, then
    :func:`own_tail_order`, cast to float32) gives -- except that ties at the
    ``head`` boundary go to the lower item id (the trainer's rule,
    ``cloud_trainer.gate._gate_lists``) where the reference's ``argpartition``
    takes any of them. Returns None, ``scores`` unchanged, when the reference must
    run instead: NaN or +inf anywhere, or fewer than ``head + 1`` finite other items.
    """
    raw = scores[items]
    own = raw.astype(np.float64) + boost  # float64 arithmetic on the own items only
    if head is None:
        scores[items] = own
        return scores
    n = len(scores)
    k = head + 1
    if not (own < np.inf).all() or k > n - len(items):  # NaN / +inf own; (almost) all own
        return None
    # Every own item gets a new value below; meanwhile they must not count among the
    # others. The top ``head`` are among the own items and the ``head + 1`` best others
    # (the best other sets ``base``); ties with the kth value are all kept, so the
    # item-id rule is exact.
    scores[items] = -np.inf
    best_other = float(scores.max())  # NaN propagates: then the reference runs
    if not best_other < np.inf:
        scores[items] = raw
        return None
    # The k best others without partitioning the catalogue (a copy and a select over
    # 18k floats): a threshold from a strided sample lets a few dozen through, and
    # the exact selection runs on those; the values found are the same either way.
    pool = None
    if n >= 4096:
        sample = scores[::16]
        m = min(len(sample), k // 8 + 4)  # ~16 m of the catalogue pass: ~4x k here
        cut = np.partition(sample, len(sample) - m)[len(sample) - m]
        if cut > -np.inf:
            pool = np.flatnonzero(scores >= cut)
            if len(pool) < k:
                pool = None
    sub = scores if pool is None else scores[pool]
    kth = np.partition(sub, len(sub) - k)[len(sub) - k]
    if not -np.inf < kth:
        scores[items] = raw
        return None
    others = np.flatnonzero(scores >= kth) if pool is None else pool[sub >= kth]
    base = max(best_other, float(own.max())) + 1.0
    if len(others) + len(items) <= SMALL_MERGE:
        # A dozen others and the own items (real histories: ~25 entries in all):
        # sorted as Python tuples, where numpy's per-call overhead was most of the
        # cost. Same keys as the lexsort below: score (float32 -> float64 exactly,
        # as astype does) descending, then item id; ids are distinct.
        entries = sorted([(-v, i, False) for v, i in zip(scores[others].tolist(), others.tolist(), strict=True)]
                         + [(-v, i, True) for v, i in zip(own.tolist(), items.tolist(), strict=True)])
        top_ids = [e[1] for e in entries[:head]]
        rest_ids = [e[1] for e in entries[head:] if e[2]]  # the own items below the head
        n_rest = len(rest_ids)
        scores[rest_ids] = [base + j for j in range(n_rest, 0, -1)]
        scores[top_ids] = [base + n_rest + j for j in range(len(top_ids), 0, -1)]
        return scores
    ids = np.concatenate((others, items))
    vals = np.concatenate((scores[others].astype(np.float64), own))
    order = np.lexsort((ids, -vals))
    ranked = ids[order]
    head_ids = ranked[:head]
    rest = ranked[head:][order[head:] >= len(others)]  # the own items below the head
    scores[rest] = base + np.arange(len(rest), 0, -1, dtype=np.float64)
    scores[head_ids] = base + len(rest) + np.arange(len(head_ids), 0, -1, dtype=np.float64)
    return scores


_ABOVE_ONE = int(np.array(np.nextafter(np.float32(1.0), np.float32(2.0))).view(np.int32))


TIE_STEP = 4
"""float32 units between consecutive tied scores (:func:`float32_descending`). One unit
does not survive the device ranker's min-max scaling in float32 (``(s - lo) / (hi - lo)``
rounds adjacent values together: 300 ties of 2,301 scored items came out as 1,968
distinct values, and ties fell back to the index); two did in every trial, four leaves
a margin for the subtraction's rounding."""


def float32_descending(values: np.ndarray) -> np.ndarray:
    """``values`` (positive, >= 2, in the order to rank them: non-increasing) as
    float32 that strictly decrease, each the nearest float32 to its value where that
    keeps the order: a run of equal (or, after rounding, equal) values steps down
    :data:`TIE_STEP` float32 units at a time. The bit patterns of positive floats are
    ordered as their values, so this is ``w[i] = min(u[i], w[i-1] - step)`` on them,
    i.e. a running minimum of ``u[i] + step * i`` minus ``step * i``. It stays above 1.0
    (the popularity fill's top) for up to ~2 M tied entries, past any catalogue here."""
    u = np.asarray(values, dtype=np.float32).view(np.int32).astype(np.int64)
    step = np.arange(len(u), dtype=np.int64) * TIE_STEP
    w = np.maximum(np.minimum.accumulate(u + step) - step, _ABOVE_ONE)
    return w.astype(np.int32).view(np.float32)


def own_topk(history: Sequence[int], num_items: int, k: int) -> np.ndarray:
    """The shopper's ``k`` most frequent items, best first (ties: latest, then lower index)."""
    items, value = own_scores(history, num_items)
    order = np.lexsort((items, -value))[:k]
    return items[order]


def heat_scores(params: Mapping[str, Any], base: np.ndarray, value: str | None) -> np.ndarray:
    """Context-aware sales heat for one context value.

    ``params``: ``field`` (a context field name), optional ``groups`` (value ->
    group, e.g. hours -> day parts), ``smoothing`` ``m``, and per group
    ``table`` = ``[[item, heat], ...]`` (its hottest items) and ``total``
    (the group's summed heat over all items). With ``p`` the store-wide heat
    share, an item scores ``(heat(item, group) + m * p) / (total + m)``:
    the group's own heat, shrunk toward the store's. Items not listed score
    ``m * p / (total + m)``. An unknown value scores ``p``.
    """
    share = base / base.sum() if base.sum() > 0 else np.full(len(base), 1.0 / max(len(base), 1))
    if value is None:
        return share
    groups = params.get("groups")
    group = str(groups.get(value, value)) if groups else value
    table = params["table"].get(group)
    if table is None:
        return share
    m = float(params["smoothing"])
    total = float(params["total"][group])
    out = m * share
    if table:
        arr = np.asarray(table, dtype=np.float64)
        out[arr[:, 0].astype(np.int64)] += arr[:, 1]
    return out / (total + m)


def is_anonymous(history: Sequence[int], context: Sequence[int], spec: FeatureSpec) -> bool:
    """No history and no demographic field known: the device knows nothing about the shopper."""
    if len(history):
        return False
    return not any(
        idx for f, idx in zip(spec.context_fields, context, strict=False)
        if f.name not in NON_DEMOGRAPHIC_FIELDS
    )


def validate_scorer_spec(spec: Any, where: str = "scorer") -> None:
    """Raise :class:`BundleError` for a malformed ``scorer`` manifest field (names the path)."""
    if not isinstance(spec, Mapping):
        raise BundleError(f"{where}: must be an object, got {type(spec).__name__}")
    kind = spec.get("kind")
    if kind not in SCORER_KINDS:
        raise BundleError(f"{where}.kind: {kind!r} is not one of {', '.join(SCORER_KINDS)}")
    if "history" in spec:
        h = spec["history"]
        if kind not in WINDOWED_KINDS:
            raise BundleError(f"{where}.history: only {', '.join(WINDOWED_KINDS)} read a history "
                              f"of their own length, not {kind}")
        if isinstance(h, bool) or not isinstance(h, int) or not 1 <= h <= MAX_SCORER_HISTORY:
            raise BundleError(f"{where}.history: must be an integer 1..{MAX_SCORER_HISTORY}, got {h!r}")
    if kind == "own_topk":
        k = spec.get("k")
        if not isinstance(k, int) or k < 0:
            raise BundleError(f"{where}.k: must be an integer >= 0, got {k!r}")
        validate_scorer_spec(spec.get("then", NO_PART), f"{where}.then")
    elif kind in ("item_knn", "user_knn"):
        name = spec.get("file")
        if not isinstance(name, str) or not name or "/" in name or name.startswith("."):
            raise BundleError(f"{where}.file: must be a plain bundle file name, got {name!r}")
        decay = spec.get("decay", 1.0)
        if isinstance(decay, bool) or not isinstance(decay, int | float) or not 0 < decay <= 1:
            raise BundleError(f"{where}.decay: must be a number in (0, 1], got {decay!r}")
        if kind == "user_knn":
            k, alpha = spec.get("k"), spec.get("alpha")
            if isinstance(k, bool) or not isinstance(k, int) or k < 1:
                raise BundleError(f"{where}.k: must be an integer >= 1, got {k!r}")
            if isinstance(alpha, bool) or not isinstance(alpha, int | float) or not 0 <= alpha <= 1:
                raise BundleError(f"{where}.alpha: must be a number in [0, 1], got {alpha!r}")
    elif kind == "segmented":
        for part in SCORER_PARTS[kind]:
            if part not in spec:
                raise BundleError(f"{where}.{part}: missing")
            validate_scorer_spec(spec[part], f"{where}.{part}")
    elif kind == "model" and "own_tail" in spec and (
        not isinstance(spec["own_tail"], int) or spec["own_tail"] < 0 or "own_gate" not in spec
    ):
        raise BundleError(f"{where}.own_tail: must be an integer >= 0 and needs own_gate, "
                          f"got {spec['own_tail']!r}")
    elif kind == "model" and "own_gate" in spec:
        w = spec["own_gate"].get("w") if isinstance(spec["own_gate"], Mapping) else None
        if not isinstance(w, list) or len(w) != 4 or not all(isinstance(x, int | float) for x in w):
            raise BundleError(f"{where}.own_gate.w: must be a list of 4 numbers, got {w!r}")
        if "explore" in spec:
            validate_explore(spec["explore"], f"{where}.explore", own_tail="own_tail" in spec)
    elif kind == "model" and "explore" in spec:
        raise BundleError(f"{where}.explore: needs own_gate (the own items' side of the merge)")
    elif kind == "popularity" and "context" in spec:
        ctx = spec["context"]
        for key in ("field", "smoothing", "table", "total"):
            if not isinstance(ctx, Mapping) or key not in ctx:
                raise BundleError(f"{where}.context.{key}: missing")


def validate_explore(spec: Any, where: str, *, own_tail: bool = False) -> None:
    """Raise :class:`BundleError` for a malformed ``explore`` prior (names the entry)."""
    if own_tail:
        raise BundleError(f"{where}: cannot be combined with own_tail (both place the other items)")
    if not isinstance(spec, Mapping):
        raise BundleError(f"{where}: must be an object, got {type(spec).__name__}")
    for key in ("weight", "offset"):
        x = spec.get(key)
        if isinstance(x, bool) or not isinstance(x, int | float) or not np.isfinite(x):
            raise BundleError(f"{where}.{key}: must be a finite number, got {x!r}")
    table = spec.get("table")
    if not isinstance(table, list) or not table:
        raise BundleError(f"{where}.table: must be a non-empty list of [item, value], got {reprlib.repr(table)}")
    for i, row in enumerate(table):
        ok = (isinstance(row, list) and len(row) == 2 and isinstance(row[0], int)
              and not isinstance(row[0], bool) and row[0] >= 0
              and isinstance(row[1], int | float) and not isinstance(row[1], bool) and 0 < row[1] <= 1)
        if not ok:
            raise BundleError(f"{where}.table[{i}]: must be [item index >= 0, value in (0, 1]], "
                              f"got {reprlib.repr(row)}")


def explore_base(spec: Mapping[str, Any], popularity: np.ndarray, where: str) -> np.ndarray:
    """The float32 score vector of the ``explore`` prior: ``weight * ln(value) + offset``
    for the table's items; every other item below the lowest of those, ordered by
    ``popularity`` (in [0, 1]). Built once per bundle; each call copies it."""
    n = len(popularity)
    items = np.array([int(r[0]) for r in spec["table"]], dtype=np.int64)
    values = np.array([float(r[1]) for r in spec["table"]], dtype=np.float64)
    if (items >= n).any():
        bad = int(np.flatnonzero(items >= n)[0])
        raise BundleError(f"{where}.table[{bad}]: item {int(items[bad])} is outside the "
                          f"{n}-item catalogue")
    prior = float(spec["weight"]) * np.log(values) + float(spec["offset"])
    pop = np.clip(np.asarray(popularity, dtype=np.float64), 0.0, 1.0)
    base = float(prior.min()) - 2.0 + pop
    base[items] = prior
    return base.astype(np.float32)


def _gather(indptr: np.ndarray, rows: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Positions of the entries of CSR ``rows`` (in that order) and the row each belongs
    to (as an index into ``rows``): one vectorised gather instead of a slice per row."""
    starts = indptr[rows].astype(np.int64)
    lens = indptr[rows + 1].astype(np.int64) - starts
    owner = np.repeat(np.arange(len(rows)), lens)
    offsets = np.cumsum(lens) - lens  # where each row's run starts in the output
    return np.repeat(starts - offsets, lens) + np.arange(int(lens.sum())), owner


class UserTable:
    """The ``user_knn`` kind's stored shoppers: their vectors by shopper (to average
    the neighbours) and by item (to find them), and each vector's L2 norm (cosine).

    By shopper the table keeps the file's 32-bit indices and values; by item it widens
    them to what the item-by-item walk indexes fastest with (an int32 index or a float32
    operand costs that walk a conversion per slice: 4.6 against 2.6 ms a 500-item score
    on 40,000 shoppers). Sums are float64 either way, so no width changes a bit. 50 MB
    for 40,000 shoppers with 2.1 M entries, against 67 MB with everything widened.
    """

    #: Postings an item must average before finding neighbours walks item by item (a
    #: numpy slice per item, ~1 us of Python each) instead of one gather of every
    #: posting (~4 ns a posting more in temporaries). Both add in the history's item
    #: order, so they give the same bits and the choice is free to follow cost: on a
    #: 6,040-shopper table the walk lost at 412 postings an item (266 against 241 us)
    #: and won at 492; on 40,000 shoppers it won 2.6 against 4.5 ms at 1,459.
    LOOP_ABOVE_POSTINGS = 500

    def __init__(self, indptr: np.ndarray, indices: np.ndarray, data: np.ndarray, *,
                 num_items: int) -> None:
        self.num_items = num_items
        self.indptr = indptr.astype(np.int64)
        self.indices = indices.astype(np.int32)  # checked against the catalogue by the loader
        self.data = data if data.dtype in (np.float32, np.float64) else data.astype(np.float64)
        self.num_shoppers = len(indptr) - 1
        rows = np.repeat(np.arange(self.num_shoppers, dtype=np.int32), np.diff(self.indptr))
        self.norms = np.sqrt(np.bincount(rows, weights=self.data.astype(np.float64) ** 2,
                                         minlength=self.num_shoppers))
        # The transpose (item -> shoppers), built once at load: finding neighbours
        # touches only the shoppers who share an item with the history.
        order = np.argsort(self.indices, kind="stable")
        self.by_item_ptr = np.concatenate(([0], np.cumsum(np.bincount(self.indices, minlength=num_items))))
        self.by_item_shopper = rows[order].astype(np.intp)
        self.by_item_value = self.data[order].astype(np.float64)
        # Item by item, `dots[shoppers] += ...` is a plain add only if no shopper is listed
        # twice for one item; a table that repeats one (no trainer writes it) keeps the gather.
        by_item = self.indices[order]
        same_item = by_item[1:] == by_item[:-1]
        self._loop_ok = not bool(np.any(same_item & (self.by_item_shopper[1:] == self.by_item_shopper[:-1])))
        self.mean_vector = np.bincount(self.indices, weights=self.data, minlength=num_items) / max(
            self.num_shoppers, 1)

    def own_vector(self, history: Sequence[int], decay: float) -> tuple[np.ndarray, np.ndarray]:
        """``(items, weight)``: the shopper's items, weights summing to 1."""
        items, w = history_weights(history, self.num_items, decay)
        w = w.astype(np.float64, copy=False)
        total = w.sum()
        return items, (w / total if total > 0 else w)

    def dots(self, items: np.ndarray, weights: np.ndarray) -> np.ndarray:
        """Every stored vector's dot product with ``items``/``weights`` (float64)."""
        starts = self.by_item_ptr[items]
        ends = self.by_item_ptr[items + 1]
        if self._loop_ok and int((ends - starts).sum()) > self.LOOP_ABOVE_POSTINGS * len(items):
            out = np.zeros(self.num_shoppers)
            shoppers, values = self.by_item_shopper, self.by_item_value
            for a, b, w in zip(starts.tolist(), ends.tolist(), weights.tolist(), strict=True):
                if b > a:
                    out[shoppers[a:b]] += values[a:b] * w
            return out
        pos, owner = _gather(self.by_item_ptr, items)
        return np.bincount(self.by_item_shopper[pos], weights=self.by_item_value[pos] * weights[owner],
                           minlength=self.num_shoppers).astype(np.float64, copy=False)  # int when empty

    def neighbours(self, items: np.ndarray, weights: np.ndarray, k: int) -> np.ndarray:
        """The up to ``k`` stored shoppers most similar (cosine, > 0) to the vector
        ``items``/``weights``; ties to the lower row."""
        if not len(items) or not self.num_shoppers:
            return np.zeros(0, dtype=np.int64)
        dots = self.dots(items, weights)
        sims = np.divide(dots, self.norms, out=np.zeros_like(dots), where=self.norms > 0)
        candidates = np.flatnonzero(sims > 0)
        if len(candidates) > k:
            # The k most similar, ties at the cut to the lower rows: the same neighbours
            # wherever it runs. A partition finds the cut in linear time (a full sort of a
            # 6,040-shopper table's candidates cost ~300 us of the ~440 us search).
            s = sims[candidates]
            cut = -np.partition(-s, k - 1)[k - 1]
            above = candidates[s > cut]
            candidates = np.concatenate((above, candidates[s == cut][: k - len(above)]))
        return candidates

    def scores(self, history: Sequence[int], k: int, alpha: float, decay: float) -> np.ndarray:
        """``alpha * own + (1 - alpha) * (sum of the nearest vectors + (k - found) *
        mean_vector) / k`` per item; zeros for an empty history."""
        items, weights = self.own_vector(history, decay)
        out = np.zeros(self.num_items)
        if not len(items):
            return out
        out[items] = alpha * weights
        if alpha < 1.0:
            nbrs = self.neighbours(items, weights, k)
            near = self.mean_vector * (k - len(nbrs))
            if len(nbrs):
                pos, _ = _gather(self.indptr, nbrs)
                near += np.bincount(self.indices[pos], weights=self.data[pos], minlength=self.num_items)
            out += near * ((1.0 - alpha) / k)
        return out


class ScoreDelta(NamedTuple):
    """What a score vector is made of: ``base`` (a read-only vector shared by every
    vector of one scorer) with ``values`` (float32) written in at ``items`` (distinct
    indices, ascending); everywhere else the vector is ``base``."""

    base: np.ndarray
    items: np.ndarray
    values: np.ndarray

    def vector(self) -> np.ndarray:
        """The score vector itself: a new, writable copy of ``base`` with the values in."""
        out = self.base.copy()
        out[self.items] = self.values
        return out


class LazyScores:
    """A score vector not built: ``delta.base`` with ``delta.values`` at
    ``delta.items`` (:meth:`BundleScorer.score_delta`, the device's scoring path).

    Building it is a 73 kB copy per fresh inference (18k items) that a ranker which
    reads the delta does not need; ``np.asarray`` builds it (a ranker's
    catalogue-wide fallbacks), read-only, each time: not kept, so a score cache
    entry stays ~1 kB whatever its rankings needed."""

    __slots__ = ("delta",)

    def __init__(self, delta: ScoreDelta) -> None:
        self.delta = delta

    def __len__(self) -> int:
        return len(self.delta.base)

    @property
    def dtype(self) -> np.dtype:
        return self.delta.base.dtype

    @property
    def shape(self) -> tuple[int, ...]:
        return self.delta.base.shape

    def __array__(self, dtype: Any = None, copy: bool | None = None) -> np.ndarray:
        out = self.delta.vector()
        if dtype is not None and np.dtype(dtype) != out.dtype:
            return out.astype(dtype)
        out.setflags(write=bool(copy))
        return out


def history_window(spec: Mapping[str, Any], default: int) -> int:
    """The most recent items any part of a validated ``spec`` reads (``default``: the
    feature spec's ``history_length``, what a part without ``"history"`` reads). Only
    the parts :func:`validate_scorer_spec` checks are followed."""
    return max(int(part.get("history", default)) if part["kind"] in WINDOWED_KINDS else default
               for part in scorer_parts(spec))


def history_given(scorer: Any) -> int:
    """How many of a shopper's most recent items a device gives ``scorer``: a bundle
    scorer's :attr:`BundleScorer.history_window`, else its feature spec's
    ``history_length`` (the TFLite model alone). The one rule for the device
    (``edge.reco.scores.ScoreSource``) and the trainer (``shipped``, golden cases),
    which must give a scorer the same history."""
    return int(getattr(scorer, "history_window", 0) or scorer.spec.history_length)


def uses_model(spec: Mapping[str, Any]) -> bool:
    """Whether the scorer runs the bundle's TFLite model anywhere."""
    return any(part.get("kind") == "model" for part in scorer_parts(spec))


class BundleScorer:
    """A bundle-declared scorer; the same interface as :class:`edge.runtime.model.Scorer`.

    ``model`` is the bundle's loaded TFLite scorer when the spec uses it; its
    ``busy_since`` is what the inference watchdog watches.
    """

    def __init__(self, bundle: Bundle, scorer_spec: Mapping[str, Any], model: Any | None = None) -> None:
        validate_scorer_spec(scorer_spec, f"{bundle.path}/manifest.json: scorer")
        self.bundle = bundle
        self.spec = bundle.spec
        self.scorer_spec = dict(scorer_spec)
        self.model = model
        self._popularity = np.array([it.popularity for it in bundle.items], dtype=np.float64)
        self._num_items = bundle.spec.num_items
        self._busy: float | None = None
        self.inferences = 0
        self.inference_s_total = 0.0
        self.reference_ties = False
        """Break ties as firmware before the current rules did: the gate's float64
        reference path (ties at the ``own_tail`` boundary as ``np.argpartition``
        leaves them) instead of :func:`gated_fast`, and the kNN kinds' equal scores
        left for the ranker (lower index) instead of to the more popular item. The
        smoke test of bundles whose golden cases were recorded that way."""
        self._older_ties = False
        """Whether a part of this scorer breaks ties otherwise with :attr:`reference_ties`."""
        self.history_window = history_window(self.scorer_spec, self.spec.history_length)
        """How many of the shopper's most recent items :meth:`score` is given (the
        longest any part reads; each part reads its own window of them)."""
        self._fn = self._build(self.scorer_spec, "scorer")
        self._delta_fn: Callable[[Sequence[int], Sequence[int]], ScoreDelta | None] | None = (
            None if self.scorer_spec.get("exclude_history") else getattr(self._fn, "delta", None))

    @property
    def model_version(self) -> str:
        return self.bundle.model_version

    @property
    def fresh_output(self) -> bool:
        """Whether :meth:`score` returns an array nobody else holds (see
        :attr:`edge.runtime.model.Scorer.fresh_output`): every kind returns a new
        array (float64 results are cast, which copies; the gated model works on the
        model's output only when that is a private copy) except a plain model kind
        whose model keeps its output."""
        return self.model is None or bool(getattr(self.model, "fresh_output", False))

    @property
    def kind(self) -> str:
        return str(self.scorer_spec["kind"])

    @property
    def excludes_consumed(self) -> bool:
        """Whether :meth:`score` leaves out the shopper's consumed items (``exclude_history``):
        the device then keeps a consumed set per shopper and passes it in."""
        return bool(self.scorer_spec.get("exclude_history"))

    @property
    def busy_since(self) -> float | None:
        """Monotonic start of the running inference (None when idle)."""
        if self.model is not None and self.model.busy_since is not None:
            return self.model.busy_since
        return self._busy

    @busy_since.setter
    def busy_since(self, value: float | None) -> None:
        self._busy = value

    def encode_context(self, context: Mapping[str, object]) -> tuple[int, ...]:
        return self.spec.context_indices(context)

    def score(self, history: Sequence[int], context: Sequence[int],
              consumed: np.ndarray | None = None) -> np.ndarray:
        """Scores ``[num_items]`` (float32) for ``history`` (oldest first) and encoded ``context``;
        with ``exclude_history``, the items of ``history`` and of ``consumed`` (item indices,
        any order) score -inf."""
        start = time.monotonic()
        self._busy = start
        try:
            out = np.asarray(self._fn(history, context))
            own_array = out.dtype == np.float32 and self.fresh_output
            if out.dtype != np.float32:
                out, own_array = out.astype(np.float32), True  # a new array: no second copy
            if self.scorer_spec.get("exclude_history") and (
                    len(history) or (consumed is not None and len(consumed))):
                if not own_array:
                    out = out.copy()
                for owned in (history, consumed):
                    if owned is not None and len(owned):
                        idx = np.asarray(owned, dtype=np.int64)
                        out[idx[(idx >= 0) & (idx < self._num_items)]] = -np.inf
        finally:
            self._busy = None
        self.inferences += 1
        self.inference_s_total += time.monotonic() - start
        return out

    def score_delta(self, history: Sequence[int], context: Sequence[int]) -> LazyScores | None:
        """:meth:`score`'s result as a :class:`LazyScores` (the vector not built), for a
        kind whose output is a shared base with a few items written in (``explore``,
        also as the ``known`` part of ``segmented``); None for any other kind or input,
        or with ``exclude_history`` (the caller then calls :meth:`score`). The same
        values, the same inference bookkeeping and watchdog stamp."""
        fn = self._delta_fn
        if fn is None:
            return None
        start = time.monotonic()
        self._busy = start
        try:
            delta = fn(history, context)
        finally:
            self._busy = None
        if delta is None:
            return None
        self.inferences += 1
        self.inference_s_total += time.monotonic() - start
        return LazyScores(delta)

    def smoke_test(self) -> Any:
        """The golden-case replay of :meth:`edge.runtime.model.Scorer.smoke_test`; a
        case that fails is replayed once more with :attr:`reference_ties`: the gate's
        float64 reference path, whose ties at the ``own_tail`` boundary fall as
        ``np.argpartition`` left them, and kNN ties left to the index: bundles
        trained before those tie rules recorded their golden top-K that way, and
        either list is a ranking of the same scores."""
        return replay_golden(self, self.score_older_ties if self._older_ties else None)

    def score_older_ties(self, history: Sequence[int], context: Sequence[int]) -> np.ndarray:
        """:meth:`score` with :attr:`reference_ties`: ties as firmware before the
        current tie rules left them."""
        self.reference_ties = True
        try:
            return self.score(history, context)
        finally:
            self.reference_ties = False

    # -- building the score function -------------------------------------------------
    def _build(self, spec: Mapping[str, Any], where: str) -> ScoreFn:
        """The score function of ``spec``, reading its own window of the history."""
        fn = self._build_kind(spec, where)
        if spec["kind"] in ("segmented", "popularity", "own_topk"):
            return fn  # their parts cut their own windows (own_topk its count); popularity reads none
        window = self._window(spec)
        if window >= self.history_window:
            return fn  # reads all it is given: no wrapper (every bundle without "history")

        def cut(history: Sequence[int], context: Sequence[int]) -> np.ndarray:
            return fn(history[-window:], context)

        delta = getattr(fn, "delta", None)
        if delta is not None:
            def cut_delta(history: Sequence[int], context: Sequence[int]) -> ScoreDelta | None:
                return delta(history[-window:], context)

            cut.delta = cut_delta  # type: ignore[attr-defined]
        return cut

    def _window(self, spec: Mapping[str, Any]) -> int:
        """The most recent items the part ``spec`` itself reads."""
        return int(spec.get("history", self.spec.history_length))

    def _build_kind(self, spec: Mapping[str, Any], where: str) -> ScoreFn:
        kind = spec["kind"]
        if kind == "model":
            return self._model_fn(spec, where)
        if kind == "popularity":
            return self._popularity_fn(spec)
        if kind == "item_knn":
            return self._item_knn_fn(spec, where)
        if kind == "user_knn":
            return self._user_knn_fn(spec, where)
        if kind == "own_topk":
            then = self._build(spec.get("then", NO_PART), f"{where}.then")
            k = int(spec["k"])
            n = self._num_items
            window = self._window(spec)  # the own items' count reads this many; `then` its own

            def own_then(history: Sequence[int], context: Sequence[int]) -> np.ndarray:
                base = np.asarray(then(history, context), dtype=np.float64).copy()
                top = own_topk(history[-window:], n, k)
                if len(top):
                    finite = base[np.isfinite(base)]
                    ceiling = float(finite.max()) if len(finite) else 0.0
                    # Own items above everything else, best first.
                    base[top] = ceiling + 1.0 + np.arange(len(top), 0, -1, dtype=np.float64)
                return base

            return own_then
        known = self._build(spec["known"], f"{where}.known")
        anonymous = self._build(spec["anonymous"], f"{where}.anonymous")
        fspec = self.spec

        def segmented(history: Sequence[int], context: Sequence[int]) -> np.ndarray:
            part = anonymous if is_anonymous(history, context, fspec) else known
            return part(history, context)

        known_d, anonymous_d = getattr(known, "delta", None), getattr(anonymous, "delta", None)
        if known_d is not None or anonymous_d is not None:
            def segmented_delta(history: Sequence[int], context: Sequence[int]) -> ScoreDelta | None:
                part = anonymous_d if is_anonymous(history, context, fspec) else known_d
                return part(history, context) if part is not None else None

            segmented.delta = segmented_delta  # type: ignore[attr-defined]
        return segmented

    def _model_fn(self, spec: Mapping[str, Any], where: str) -> ScoreFn:
        if self.model is None:
            raise BundleError(f"{self.bundle.path}: {where} runs the model but none is loaded")
        model = self.model
        gate = spec.get("own_gate")
        if not gate:
            return lambda history, context: model.score(history, context)
        w = [float(x) for x in gate["w"]]
        head = spec.get("own_tail")
        n = self._num_items
        if "explore" in spec:
            return self._explore_fn(model, w, spec["explore"], where)

        def reference(scores: np.ndarray, items: np.ndarray, boost: np.ndarray) -> np.ndarray:
            """The plain float64 version: NaN / +inf scores, and what the tests compare with."""
            out = np.asarray(scores, dtype=np.float64).copy()
            if len(items):
                out[items] += boost
                if tail is not None:
                    own_tail_order(out, items, tail)
            return out

        def gated(history: Sequence[int], context: Sequence[int]) -> np.ndarray:
            out = np.asarray(model.score(history, context))
            items, counts = own_counts(history, n)
            boost = gate_boost(w, len(history), counts)
            if out.dtype != np.float32 or self.reference_ties:
                return reference(out, items, boost)
            if not fresh:  # the result is returned as is and may be changed in place
                out = out.copy()
            if not len(items):
                return out
            done = gated_fast(out, items, boost, tail)
            return done if done is not None else reference(out, items, boost)

        fresh = bool(getattr(model, "fresh_output", False))
        tail = None if head is None else int(head)
        self._older_ties = True
        return gated

    def _explore_fn(self, model: Any, w: list[float], spec: Mapping[str, Any], where: str) -> ScoreFn:
        """``own_gate`` + ``explore``: the prior's vector with the own items' gated model
        scores written in (float64 sums, stored as float32 like every scorer's output).

        Its ``delta`` attribute gives the same as a :class:`ScoreDelta` (the base and
        the own items), which :meth:`BundleScorer.score_delta` hands the device unbuilt
        so the ranker ranks it without a pass over the whole catalogue."""
        base = explore_base(spec, self._popularity, f"{self.bundle.path}/manifest.json: {where}.explore")
        base.setflags(write=False)  # shared by every vector's delta
        n = self._num_items

        none = np.zeros(0, dtype=np.float32)

        no_items = np.zeros(0, dtype=np.int64)
        no_items.setflags(write=False)

        # Per history: its own items, their gate terms and the model's padded input row.
        # A shopper walking the store is scored once per zone (the department is part of
        # the context): 2 of 3 fresh inferences of the real replay repeat a history seen
        # before, and what depends on the history alone cost ~20 us of each with the
        # caches cold (counting, three arrays, the logs).
        by_history: dict[tuple, tuple[np.ndarray, list[float], np.ndarray | None]] = {}
        pad = getattr(model, "padded_history", None)
        score_at = getattr(model, "score_at", None)
        if score_at is None:  # a model without the in-place gather: the whole vector, then the items
            def score_at(history: Sequence[int], context: Sequence[int], items: np.ndarray, *,
                         padded: np.ndarray | None = None) -> np.ndarray:
                kw = {} if padded is None else {"padded": padded}
                return np.asarray(model.score(history, context, **kw))[items]

        def own_of(history: Sequence[int]) -> tuple[np.ndarray, list[float], np.ndarray | None]:
            key = history if type(history) is tuple else tuple(history)
            found = by_history.get(key)
            if found is None:
                own, counts = own_count_lists(history, n)
                if own:
                    items = np.array(own, dtype=np.int64)
                    items.setflags(write=False)  # shared by every delta of this history
                    found = (items, gate_terms(w, len(history), counts),
                             pad(history) if pad is not None else None)
                else:
                    found = (no_items, [], None)
                if len(by_history) >= 4096:
                    by_history.clear()
                by_history[key] = found
            return found

        def explored_delta(history: Sequence[int], context: Sequence[int]) -> ScoreDelta:
            items, terms, padded = own_of(history)
            if not len(items):
                return ScoreDelta(base, no_items, none)
            # Only the own items leave the model's output buffer (Scorer.score_at).
            raw = score_at(history, context, items) if padded is None else \
                score_at(history, context, items, padded=padded)
            # (raw as float64 + gate_boost) as float32, with a few own items' arithmetic
            # in Python floats (gate_values' sums) instead of ~7 numpy calls.
            values = np.array([r + g for r, g in zip(raw.tolist(), terms, strict=True)], dtype=np.float32)
            return ScoreDelta(base, items, values)

        def explored(history: Sequence[int], context: Sequence[int]) -> np.ndarray:
            return explored_delta(history, context).vector()

        explored.delta = explored_delta  # type: ignore[attr-defined]
        return explored

    def _csr_file(self, spec: Mapping[str, Any], where: str, what: str,
                  rows: int | None) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """``(indptr, indices, data)`` of the bundle file ``spec["file"]``: a CSR table whose
        columns are catalogue items (``rows`` rows, or any number when None)."""
        name = spec["file"]
        listed = self.bundle.manifest.files
        if listed and name not in listed:  # a staging bundle (trainer) lists nothing
            raise BundleError(f"{self.bundle.path}/manifest.json: {where}.file {name!r} is not a "
                              "listed (hash-checked) bundle file")
        try:
            with np.load(self.bundle.path / name, allow_pickle=False) as npz:
                indptr, indices, data = (np.asarray(npz[k]) for k in ("indptr", "indices", "data"))
        except (OSError, KeyError, ValueError) as exc:
            raise BundleError(f"{self.bundle.path / name}: unreadable {what} table ({exc})") from exc
        n = self._num_items
        if len(indptr) < 1 or (rows is not None and len(indptr) != rows + 1) or len(indices) != len(data) \
                or indptr[-1] != len(data) or np.any(np.diff(indptr) < 0) or (
                len(indices) and (indices.min() < 0 or indices.max() >= n)):
            raise BundleError(f"{self.bundle.path / name}: {what} table does not match "
                              f"the {n}-item catalogue")
        return indptr, indices, data

    def _item_knn_fn(self, spec: Mapping[str, Any], where: str) -> ScoreFn:
        n = self._num_items
        indptr, indices, data = self._csr_file(spec, where, "item-neighbour", n)
        ranked = self._scored_then_popular()
        decay = float(spec.get("decay", 1.0))

        def knn(history: Sequence[int], context: Sequence[int]) -> np.ndarray:
            items, counts = history_weights(history, n, decay)
            scores = np.zeros(n)
            for item, c in zip(items, counts, strict=True):
                a, b = indptr[item], indptr[item + 1]
                scores[indices[a:b]] += c * data[a:b]  # a row's neighbours are distinct
            return ranked(scores)

        return knn

    def _scored_then_popular(self) -> Callable[[np.ndarray], np.ndarray]:
        """The kNN kinds' ranking: items with a positive score first (by it), then the
        rest by popularity, which is scaled into [0, 1], below every scored item.

        Equal scores go to the more popular item, then the lower index: the order the
        cloud baselines rank by (``cloud_trainer.baselines.rank_with_fill``), so an
        item_knn bundle lists what the baseline it was chosen as lists. A neighbour
        table ties often (two rare items seen once with the same history item score
        the same), and the device ranker breaks ties by index alone: on Last.fm 191
        of 1,877 test lists then differed from the baseline's, and ``shipped`` came
        out 0.0001 below it (docs/model.md, "kNN ties"). :func:`float32_descending`
        makes the order one the float32 scores keep. With :attr:`reference_ties`
        (golden-case replay for firmware before the rule) ties stay for the ranker.

        The order is one sort of unique int64 keys, the score's float32 bits above the
        popularity rank: 145 us for 9,000 scored items of 15k, where a two-key
        ``np.lexsort`` on the float64 scores took 1.18 ms (a stable argsort 0.65 ms).
        Scores that differ only below float32's precision (the device's output type)
        are then ordered by popularity, not by the float64 difference."""
        pop = self._popularity
        n = len(pop)
        fill = pop / (pop.max() if pop.max() > 0 else 1.0)
        pop_order = np.lexsort((np.arange(n), -pop))  # most popular first, ties to the lower index
        wide = n >= 1 << 24  # the rank no longer fits below the score bits: two-key sort
        tie = np.empty(n, dtype=np.int64)
        tie[pop_order] = np.arange(n)[::-1] if not wide else np.arange(n)
        self._older_ties = True

        def ranked(scores: np.ndarray) -> np.ndarray:
            if self.reference_ties:
                return np.where(scores > 0, 2.0 + scores, fill)
            out = fill.astype(np.float32)
            pos = np.flatnonzero(scores > 0)
            if len(pos):
                if wide:
                    order = pos[np.lexsort((tie[pos], -scores[pos]))]
                else:
                    bits = scores[pos].astype(np.float32).view(np.int32).astype(np.int64)
                    order = pos[np.argsort(-((bits << 24) | tie[pos]))]
                out[order] = float32_descending(2.0 + scores[order])
            return out

        return ranked

    def _user_knn_fn(self, spec: Mapping[str, Any], where: str) -> ScoreFn:
        n = self._num_items
        table = UserTable(*self._csr_file(spec, where, "stored-shopper", None), num_items=n)
        ranked = self._scored_then_popular()
        k, alpha, decay = int(spec["k"]), float(spec["alpha"]), float(spec.get("decay", 1.0))

        def knn(history: Sequence[int], context: Sequence[int]) -> np.ndarray:
            return ranked(table.scores(history, k, alpha, decay))

        return knn

    def _popularity_fn(self, spec: Mapping[str, Any]) -> ScoreFn:
        base = self._popularity
        ctx = spec.get("context")
        if not ctx:
            return lambda history, context: base
        fields = [f.name for f in self.spec.context_fields]
        if ctx["field"] not in fields:
            raise BundleError(
                f"{self.bundle.path}/manifest.json: scorer.context.field {ctx['field']!r} "
                f"is not a feature-spec context field ({', '.join(fields)})"
            )
        j = fields.index(ctx["field"])
        vocab = self.spec.context_fields[j].vocab
        cache: dict[int, np.ndarray] = {}

        def heat(history: Sequence[int], context: Sequence[int]) -> np.ndarray:
            idx = int(context[j]) if j < len(context) else 0
            found = cache.get(idx)
            if found is None:
                value = vocab[idx] if 0 < idx < len(vocab) else None
                found = cache[idx] = heat_scores(ctx, base, value)
            return found

        return heat


def manifest_scorer(bundle: Bundle) -> dict[str, Any] | None:
    """The manifest's ``scorer`` field (a known field, or kept among unknown ones)."""
    spec = getattr(bundle.manifest, "scorer", None)
    if spec is None:
        spec = (getattr(bundle.manifest, "extra", None) or {}).get("scorer")
    return spec


def build_scorer(bundle: Bundle, model_scorer: Callable[[Bundle], Any]) -> Any:
    """The scorer the bundle declares: ``model_scorer(bundle)`` (the TFLite
    :class:`~edge.runtime.model.Scorer`) for a plain ``{"kind": "model"}`` or no
    field, else a :class:`BundleScorer` (loading the model only if it uses it)."""
    spec = manifest_scorer(bundle)
    if spec is None or spec == {"kind": "model"}:
        return model_scorer(bundle)
    validate_scorer_spec(spec, f"{bundle.path}/manifest.json: scorer")
    model = model_scorer(bundle) if uses_model(spec) else None
    return BundleScorer(bundle, spec, model)
