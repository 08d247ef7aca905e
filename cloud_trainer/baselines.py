"""Non-neural recommenders the model must beat, scored by the same evaluation.

* ``popularity`` -- everyone gets the items with the highest recent sales heat.
* ``personal_topfreq`` -- the shopper's own most frequently bought items
  (most recent first on ties), then popular items. Grocery shoppers repeat a
  lot, which makes this a hard baseline.
* ``item_knn`` -- classic item-to-item collaborative filtering, the approach
  this product replaces: cosine similarity of items over which shoppers
  bought them in train; a shopper's score for an item is the summed
  similarity to the items in their history.
* ``tifu_knn`` -- TIFU-KNN (Hu et al., SIGIR 2020), a strong next-basket
  method: the shopper's history becomes a time-decayed item vector (baskets
  within a group of ``m`` decay by ``r_b``, groups by ``r_g``), blended with
  the mean vector of their ``k`` nearest shoppers, ``alpha`` toward the
  shopper's own vector. Its parameters are tuned on the validation cases.

All read only ``case.history`` / ``case.history_baskets`` / ``case.user_id``,
never targets, are fitted on ``data.train`` only, and fill any list that runs
out of scored items with popular items.
"""

from __future__ import annotations

import itertools
from collections.abc import Callable, Sequence
from dataclasses import dataclass

import numpy as np
import scipy.sparse as sp

from cloud_trainer.dataset import EvalCase, PreparedData


def no_check() -> None:
    """What a baseline's ``check`` is until a caller sets one: nothing asks it to stop."""


class Stoppable:
    """A baseline whose long fit can be asked to stop: ``fit`` calls :attr:`check`
    between blocks of work (a similarity block, a tuning point, a chunk of shoppers),
    and ``check`` raises to stop. The training pipeline sets it to its side thread's
    :meth:`~cloud_trainer.side_thread.SideThread.check`, so Ctrl-C during a baseline
    fit waits for one block, not the whole fit (item_knn: 12 s on Complete Journey,
    230 s on the clickstream shape)."""

    check: Callable[[], None] = staticmethod(no_check)


def consumed_width(cases: Sequence[EvalCase]) -> int:
    """The most distinct items any case's history holds: how much longer a list must
    be asked for so that ``k`` remain once the shopper's own items are dropped."""
    return max((len(np.unique(c.history)) for c in cases), default=0)


def drop_consumed(wide: np.ndarray, cases: Sequence[EvalCase], k: int) -> np.ndarray:
    """Each row of ``wide`` (best first) without the items in its case's history, cut to
    ``k``; a row with fewer than ``k`` others left (a catalogue hardly larger than the
    history) is completed with the dropped items in their order."""
    wide = np.asarray(wide, dtype=np.int64)
    if not len(wide):
        return wide[:, :k]
    # One membership test over (row, item) keys instead of one np.isin per shopper; a
    # binary search in the sorted history keys (1.2 s for 37k shoppers x 220 slots
    # against 3.7 M history entries, where np.isin took 4.4 s).
    lens = np.fromiter((len(c.history) for c in cases), dtype=np.int64, count=len(cases))
    if not lens.sum():
        return wide[:, :k]
    rows = np.repeat(np.arange(len(cases), dtype=np.int64), lens)
    items = np.concatenate([np.asarray(c.history, dtype=np.int64) for c in cases])
    width = int(max(wide.max(), items.max())) + 1
    owned_keys = np.sort(rows * width + items)
    keys = np.arange(len(wide), dtype=np.int64)[:, None] * width + wide
    owned = owned_keys[np.minimum(np.searchsorted(owned_keys, keys), len(owned_keys) - 1)] == keys
    order = np.argsort(owned, axis=1, kind="stable")[:, :k]  # kept items first, in list order
    return np.take_along_axis(wide, order, axis=1)


class Tuned(Stoppable):
    """A baseline tuned on validation lists, judged there as the pipeline judges it.

    Where the domain does not repeat, the pipeline leaves a shopper's own items out of
    every system's lists (``ExcludeHistory``) and sets :attr:`exclude_history`; the
    tuning then scores each grid point's lists with those items left out too. Judged
    on the raw lists, a setting is tuned for how well it spends slots on items the
    shopper already has, which never count there. On goodbooks item_knn's raw-list
    choice (100 neighbours, decay 0.8) scored 0.2738 recall@20 on test, below the
    device's 50-neighbour form of its own table (0.3104); judged as evaluated it
    chooses 20 neighbours, decay 1.0, and scores 0.3215 (docs/model.md, "Baselines
    tuned as they are judged")."""

    exclude_history: bool = False

    def list_width(self, cases: Sequence[EvalCase], k: int) -> int:
        """How long a list to rank so that ``k`` are left to judge (:meth:`judged`)."""
        return k + consumed_width(cases) if self.exclude_history else k

    def judged(self, lists: np.ndarray, cases: Sequence[EvalCase], k: int) -> np.ndarray:
        """``lists`` (ranked :meth:`list_width` long) as the pipeline will judge them."""
        return drop_consumed(lists, cases, k) if self.exclude_history else lists


def _fill_with_popular(chosen: np.ndarray, pop_order: np.ndarray, k: int) -> np.ndarray:
    """``chosen`` (at most ``k`` items, best first), then the most popular items not
    in it (``pop_order``: every item, most popular first) up to ``k``."""
    if len(chosen) >= k:
        return chosen
    fill = pop_order[: k + len(chosen)]
    return np.concatenate([chosen, fill[~np.isin(fill, chosen)][: k - len(chosen)]])


def rank_with_fill(scores: sp.spmatrix | np.ndarray, popularity: np.ndarray, k: int) -> np.ndarray:
    """Top-``k`` per row: items with a positive score first (by score, ties by popularity),
    then the most popular items not already listed.

    Works on the sparse rows directly: a shopper's scored items are a few hundred
    of a catalogue of tens of thousands, so the catalogue is never densified.
    """
    csr = sp.csr_matrix(scores)
    n_rows, n_items = csr.shape
    k = min(k, n_items)
    pop = np.asarray(popularity, dtype=np.float64)
    pop_order = np.lexsort((np.arange(n_items), -pop))  # most popular first, then lower index
    out = np.empty((n_rows, k), dtype=np.int64)
    indptr, indices, data = csr.indptr, csr.indices, csr.data
    for i in range(n_rows):
        idx = indices[indptr[i] : indptr[i + 1]]
        val = data[indptr[i] : indptr[i + 1]]
        positive = val > 0
        idx, val = idx[positive], val[positive]
        if len(idx) > 4 * k:  # cut down before the exact sort; ties at the cut stay in
            cut = np.partition(val, len(val) - k)[len(val) - k]
            keep = val >= cut
            idx, val = idx[keep], val[keep]
        out[i] = _fill_with_popular(idx[np.lexsort((idx, -pop[idx], -val))][:k], pop_order, k)
    return out


def rank_dense_with_fill(scores: np.ndarray, popularity: np.ndarray, k: int) -> np.ndarray:
    """:func:`rank_with_fill` for dense score rows (same order, same ties, same fill)."""
    n_rows, n_items = scores.shape
    k = min(k, n_items)
    pop = np.asarray(popularity, dtype=np.float64)
    pop_order = np.lexsort((np.arange(n_items), -pop))
    out = np.empty((n_rows, k), dtype=np.int64)
    # The k-th largest score per row: everything >= it (ties at the cut included) is a candidate.
    cut = -np.partition(-scores, k - 1, axis=1)[:, k - 1]
    for i in range(n_rows):
        row = scores[i]
        idx = np.flatnonzero((row > 0) & (row >= cut[i]))
        out[i] = _fill_with_popular(idx[np.lexsort((idx, -pop[idx], -row[idx]))][:k], pop_order, k)
    return out


def history_matrix(cases: list[EvalCase], n_items: int, *, binary: bool) -> sp.csr_matrix:
    """Cases x items: how often (or whether) each item is in the case history."""
    rows = np.concatenate([np.full(len(c.history), i) for i, c in enumerate(cases)] or [np.zeros(0)])
    cols = np.concatenate([np.asarray(c.history) for c in cases] or [np.zeros(0)])
    mat = sp.csr_matrix(
        (np.ones(len(rows)), (rows.astype(np.int64), cols.astype(np.int64))),
        shape=(len(cases), n_items),
    )
    mat.sum_duplicates()
    if binary:
        mat.data[:] = 1.0
    return mat


class PopularityRecommender:
    """Most popular items by recent sales heat, the same list for everyone."""

    name = "popularity"

    def __init__(self) -> None:
        self.popularity = np.zeros(0)

    def fit(self, data: PreparedData) -> None:
        self.popularity = data.items["popularity"].to_numpy(dtype=np.float64)

    def recommend(self, cases: list[EvalCase], k: int) -> np.ndarray:
        top = rank_with_fill(np.zeros((1, len(self.popularity))), self.popularity, k)[0]
        return np.tile(top, (len(cases), 1))


class PersonalTopFreqRecommender:
    """The shopper's own most frequent items; ties go to the most recent."""

    name = "personal_topfreq"

    def __init__(self) -> None:
        self.popularity = np.zeros(0)

    def fit(self, data: PreparedData) -> None:
        self.popularity = data.items["popularity"].to_numpy(dtype=np.float64)

    def recommend(self, cases: list[EvalCase], k: int) -> np.ndarray:
        rows, cols, vals = [], [], []
        for i, case in enumerate(cases):
            hist = np.asarray(case.history, dtype=np.int64)
            n = len(hist)
            if n == 0:
                continue
            rows.append(np.full(n, i))
            cols.append(hist)
            # 1 per purchase plus a recency bonus; the bonuses of one item sum to < 0.5,
            # so they only break ties between equal counts (later purchases win).
            vals.append(1.0 + 0.5 * np.arange(1, n + 1) / (n * (n + 1)))
        if not rows:
            return rank_with_fill(np.zeros((len(cases), len(self.popularity))), self.popularity, k)
        counts = sp.csr_matrix(
            (np.concatenate(vals), (np.concatenate(rows), np.concatenate(cols))),
            shape=(len(cases), len(self.popularity)),
        )
        counts.sum_duplicates()
        return rank_with_fill(counts, self.popularity, k)


def own_counts(cases: list[EvalCase], n_items: int) -> sp.csr_matrix:
    """Cases x items: purchase count plus a recency bonus below 0.5 that only breaks
    ties between equal counts (later purchases win). The same ranking the device's
    ``own_topk`` scorer computes (``edge.runtime.scorers.own_scores``)."""
    rows, cols, vals = [], [], []
    for i, case in enumerate(cases):
        hist = np.asarray(case.history, dtype=np.int64)
        n = len(hist)
        if n == 0:
            continue
        rows.append(np.full(n, i))
        cols.append(hist)
        vals.append(1.0 + 0.5 * np.arange(1, n + 1) / (n * (n + 1)))
    if not rows:
        return sp.csr_matrix((len(cases), n_items))
    counts = sp.csr_matrix(
        (np.concatenate(vals), (np.concatenate(rows), np.concatenate(cols))),
        shape=(len(cases), n_items),
    )
    counts.sum_duplicates()
    return counts


def row_ranks(mat: sp.csr_matrix) -> np.ndarray:
    """Each stored entry's rank within its row: 0 = largest value, ties by lower item index.

    One global sort instead of a Python loop over rows (an 18k-item similarity
    matrix has 18k rows); :func:`keep_top_per_row` keeps ranks below ``k``.
    """
    indptr, indices, data = mat.indptr, mat.indices, mat.data
    row = np.repeat(np.arange(mat.shape[0]), np.diff(indptr))
    order = np.lexsort((indices, -data, row))  # by row, then value descending, then index
    ranks = np.empty(len(data), dtype=np.int64)
    ranks[order] = np.arange(len(data)) - indptr[row[order]]
    return ranks


def keep_top_per_row(mat: sp.csr_matrix, k: int, ranks: np.ndarray | None = None) -> sp.csr_matrix:
    """Each row's ``k`` largest entries (ties at the cut: lower item index wins).

    ``ranks`` (from :func:`row_ranks` on the same ``mat``) skips the sort, so
    several ``k`` share one.
    """
    mat = sp.csr_matrix(mat)
    if ranks is None:
        ranks = row_ranks(mat)
    keep = ranks < k
    # Copies: eliminate_zeros works in place and would corrupt ``mat``'s shared arrays.
    out = sp.csr_matrix((mat.data * keep, mat.indices.copy(), mat.indptr.copy()), shape=mat.shape)
    out.eliminate_zeros()
    return out


class OwnTopKPopularRecommender(Tuned):
    """The shopper's own ``k`` most frequent items (latest first on ties), then
    popular items; ``k`` tuned on validation recall@20 + ndcg@10.

    The "spreadsheet" baseline: a few staples the shopper always buys, then what
    sells. With ``k`` = 20 it is ``personal_topfreq``.
    """

    name = "own_topk_popular"
    GRID_K = (1, 2, 3, 4, 5, 6, 8, 10, 12, 15, 20)

    def __init__(self, k: int | None = None) -> None:
        self.k = k if k is not None else 5
        self.tune = k is None
        self.tuning: list[dict[str, float]] = []
        self.popularity = np.zeros(0)

    def fit(self, data: PreparedData) -> None:
        self.popularity = data.items["popularity"].to_numpy(dtype=np.float64)
        cases = [c for c in data.val_cases if not c.segment.get("masked")]
        if self.tune and cases:
            from cloud_trainer.evaluation import evaluate

            counts = own_counts(cases, len(self.popularity))
            ranks = row_ranks(counts)
            best = -1.0
            width = self.list_width(cases, 20)
            for k in self.GRID_K:
                self.check()
                lists = rank_with_fill(keep_top_per_row(counts, k, ranks), self.popularity, width)
                m = evaluate(self.judged(lists, cases, 20), cases, None, ks=(10, 20))
                objective = m.get("recall@20", 0.0) + m.get("ndcg@10", 0.0)
                self.tuning.append({"k": k, "val_recall@20": m.get("recall@20", 0.0),
                                    "val_ndcg@10": m.get("ndcg@10", 0.0)})
                if objective > best:
                    best, self.k = objective, k

    def recommend(self, cases: list[EvalCase], k: int) -> np.ndarray:
        counts = keep_top_per_row(own_counts(cases, len(self.popularity)), self.k)
        return rank_with_fill(counts, self.popularity, k)


@dataclass(frozen=True)
class ItemKNNParams:
    neighbours: int = 100
    """Similar items kept per item (pruning: the long tail of weak co-occurrences is noise)."""
    shrink: float = 10.0
    """Added to the cosine denominator: pairs seen together by few shoppers count less."""
    decay: float = 1.0
    """History weight of a basket ``j`` baskets before the latest: ``decay ** j``, summed over purchases."""


class ItemKNNRecommender(Tuned):
    """Item-item CF ("customers who bought X also bought"): shrunk cosine similarity
    of items over which shoppers bought them in train, each item's list pruned to
    its nearest neighbours, scored against a count- and recency-weighted history.
    The three parameters are tuned on validation recall@20 + ndcg@10.

    Memory follows the pruned table, not the co-occurrence matrix: similarity is
    built a block of item rows at a time and cut to the largest neighbour count
    needed before the next block (a clickstream export where one visitor viewed
    48k items has 4.2 G co-occurring pairs, which OOM-killed the one-shot
    ``x.T @ x`` at 24 GB; docs/performance-log.md, "(2026-12-03 (k)) large
    exports"). A data set whose pair count exceeds :attr:`MAX_PAIRS` is not fitted
    at all: :attr:`skipped` says why and the pipeline reports it.
    """

    name = "item_knn"
    GRID = tuple(
        ItemKNNParams(n, s, d) for n in (20, 100, 400) for s in (0.0, 10.0, 50.0) for d in (1.0, 0.8)
    )
    BLOCK_PAIRS = 16_000_000
    """Co-occurrence entries computed at once (bounds a block's ~40 bytes per entry)."""
    MAX_PAIRS = 16_000_000_000
    """Co-occurring (shopper, item, item) triples above which the baseline is skipped:
    the tuned fit costs ~74 s per G on this box (clickstream shape: 3.12 G pairs over
    60.8k train shoppers, 230 s, max RSS 3.8 GB at load ~2), so 16 G is ~20 min."""

    def __init__(self, params: ItemKNNParams | None = None, *, tune: bool = True) -> None:
        self.params = params or ItemKNNParams()
        self.tune = tune and params is None
        self.tuning: list[dict[str, float]] = []
        self.popularity = np.zeros(0)
        self.skipped: str | None = None
        # Items x shoppers, binary: the source of the co-occurrence counts, read one
        # block of item rows at a time (None before fit and when skipped).
        self._co: sp.csr_matrix | None = None
        self._x: sp.csr_matrix | None = None
        self._norm = np.zeros(0)
        self._sim: sp.csr_matrix | None = None
        self._sim_key: tuple[int, float] | None = None
        # Per shrink: the table pruned to the most neighbours any setting asks for and
        # each entry's rank in its row; every smaller neighbour count is a prefix of it.
        self._ranked: dict[float, tuple[sp.csr_matrix, np.ndarray]] = {}
        self._kept = 0

    def fit(self, data: PreparedData) -> None:
        self.popularity = data.items["popularity"].to_numpy(dtype=np.float64)
        users, user_idx = np.unique(data.train["user_id"].to_numpy(), return_inverse=True)
        x = sp.csr_matrix(
            (np.ones(len(user_idx)), (user_idx, data.train["item_idx"].to_numpy())),
            shape=(len(users), data.num_items),
        )
        x.sum_duplicates()
        x.data[:] = 1.0
        self._sim, self._sim_key, self._ranked, self.skipped = None, None, {}, None
        self._co, self._x = None, None
        pairs = int(np.square(np.diff(x.indptr), dtype=np.float64).sum())
        if pairs > self.MAX_PAIRS:
            self.skipped = (f"{pairs / 1e9:.1f} G co-occurring item pairs over train shoppers "
                            f"(limit {self.MAX_PAIRS / 1e9:.0f} G; the tuned fit costs ~74 s per G)")
            return
        # The diagonal stays: an item is its own nearest neighbour, which is how
        # item-kNN re-recommends what a shopper buys again.
        self._co, self._x = x.T.tocsr(), x
        self._norm = np.sqrt(np.asarray(x.sum(axis=0)).ravel())
        grid = self.GRID if self.tune else (self.params,)
        self._kept = max(p.neighbours for p in grid)
        self._build({p.shrink for p in grid})
        cases = [c for c in data.val_cases if not c.segment.get("masked") and len(c.history)]
        if self.tune and cases:
            from cloud_trainer.evaluation import evaluate

            best = -1.0
            chosen = self.params
            weights = {d: self.history_weights(cases, d) for d in sorted({p.decay for p in self.GRID})}
            width = self.list_width(cases, 20)
            for p in self.GRID:
                self.check()
                lists = self._rank(weights[p.decay], self.similarity(p), width)
                m = evaluate(self.judged(lists, cases, 20), cases, None, ks=(10, 20))
                objective = m.get("recall@20", 0.0) + m.get("ndcg@10", 0.0)
                self.tuning.append({"neighbours": p.neighbours, "shrink": p.shrink, "decay": p.decay,
                                    "val_recall@20": m.get("recall@20", 0.0),
                                    "val_ndcg@10": m.get("ndcg@10", 0.0)})
                if objective > best:
                    best, chosen = objective, p
            self.params = chosen
        # memory: after fitting only the chosen table is used (kept in ``_sim``); the
        # 400-neighbour tables and ranks per shrink are ~0.75 GB each on the clickstream
        # shape, and ``similarity`` rebuilds one if another setting is asked for.
        self.similarity(self.params)
        self._ranked = {}

    def _build(self, shrinks: set[float]) -> None:
        """``self._ranked[shrink]`` for each of ``shrinks``: every item row's
        ``self._kept`` largest similarities, built a block of rows at a time.

        The same entries and values as pruning the full matrix (co-occurrence counts
        are exact integers; a row's top entries depend on that row only)."""
        assert self._co is not None and self._x is not None
        co_src, x, norm, kept = self._co, self._x, self._norm, self._kept
        n_items = co_src.shape[0]
        # Upper bound of each item row's co-occurrence entries: the summed history
        # sizes of its shoppers (capped at the catalogue).
        bound = np.minimum(co_src @ np.diff(x.indptr).astype(np.float64), n_items)
        parts: dict[float, list[tuple[sp.csr_matrix, np.ndarray]]] = {s: [] for s in shrinks}
        start = 0
        while start < n_items:
            self.check()
            stop = start + max(1, int(np.searchsorted(np.cumsum(bound[start:]), self.BLOCK_PAIRS)))
            stop = min(stop, n_items)
            co = (co_src[start:stop] @ x).tocsr()
            row = np.repeat(np.arange(start, stop), np.diff(co.indptr))
            base = norm[row] * norm[co.indices]
            for shrink in shrinks:
                block = sp.csr_matrix((co.data / (base + shrink), co.indices, co.indptr), shape=co.shape)
                parts[shrink].append(_top_per_row(block, kept))
            # Each block's table comes out with sorted indices, the one-shot table's
            # order: the shipped item_knn.npz stays byte-identical.
            del co, row, base
            start = stop
        for shrink, blocks in parts.items():
            full = sp.vstack([b for b, _ in blocks], format="csr") if blocks else sp.csr_matrix((0, n_items))
            ranks = np.concatenate([r for _, r in blocks]) if blocks else np.zeros(0, dtype=np.int64)
            self._ranked[shrink] = (full, ranks)

    def similarity(self, p: ItemKNNParams) -> sp.csr_matrix:
        """Items x items: ``co(i, j) / (sqrt(n_i n_j) + shrink)``, top ``neighbours`` per row."""
        assert self._co is not None, "fit() first"
        key = (p.neighbours, p.shrink)
        if self._sim is None or self._sim_key != key:
            if p.shrink not in self._ranked or p.neighbours > self._kept:
                if p.neighbours > self._kept:
                    self._kept, self._ranked = p.neighbours, {}
                self._build({p.shrink})
            full, ranks = self._ranked[p.shrink]
            self._sim, self._sim_key = keep_top_per_row(full, p.neighbours, ranks), key
        return self._sim

    def history_weights(self, cases: list[EvalCase], decay: float) -> sp.csr_matrix:
        """Cases x items: ``sum over purchases of decay ** (baskets since)``."""
        baskets = [list(c.history_baskets) or [np.asarray(c.history, dtype=np.int64)] for c in cases]
        n_baskets = np.fromiter((len(b) for b in baskets), dtype=np.int64, count=len(baskets))
        flat = [np.asarray(b, dtype=np.int64) for bs in baskets for b in bs]
        if not flat or not sum(len(b) for b in flat):
            return sp.csr_matrix((len(cases), len(self.popularity)))
        # Vectorised over all baskets (a per-basket loop made 1.2 M small arrays per grid point).
        sizes = np.fromiter((len(b) for b in flat), dtype=np.int64, count=len(flat))
        basket_row = np.repeat(np.arange(len(cases)), n_baskets)
        first = np.repeat(np.cumsum(n_baskets) - n_baskets, n_baskets)
        age = n_baskets[basket_row] - 1 - (np.arange(len(flat)) - first)  # baskets since
        mat = sp.csr_matrix((np.repeat(np.power(float(decay), age), sizes),
                             (np.repeat(basket_row, sizes), np.concatenate(flat))),
                            shape=(len(cases), len(self.popularity)))
        mat.sum_duplicates()
        return mat

    def recommend(self, cases: list[EvalCase], k: int) -> np.ndarray:
        return self._recommend(cases, k, self.params)

    def _recommend(self, cases: list[EvalCase], k: int, p: ItemKNNParams) -> np.ndarray:
        return self._rank(self.history_weights(cases, p.decay), self.similarity(p), k)

    CASE_BLOCK_ENTRIES = 32_000_000
    """Score entries (upper bound) computed at once: a shopper with 48k items in their
    history against a 400-neighbour table alone has up to 19 M."""

    def _rank(self, weights: sp.csr_matrix, sim: sp.csr_matrix, k: int) -> np.ndarray:
        """``rank_with_fill(weights @ sim)``, a block of cases at a time (rows are
        independent, so the lists are the same as in one product)."""
        bound = weights.astype(bool).astype(np.float64) @ np.diff(sim.indptr).astype(np.float64)
        bound = np.minimum(bound, sim.shape[1])
        if bound.sum() <= self.CASE_BLOCK_ENTRIES:
            return rank_with_fill((weights @ sim).tocsr(), self.popularity, k)
        out = []
        start = 0
        while start < weights.shape[0]:
            stop = start + max(1, int(np.searchsorted(np.cumsum(bound[start:]), self.CASE_BLOCK_ENTRIES)))
            out.append(rank_with_fill((weights[start:stop] @ sim).tocsr(), self.popularity, k))
            start = stop
        return np.concatenate(out)


Flat = tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]
"""Baskets flattened for vector building: (shopper row, basket position from the
most recent, shopper's basket count, item), one entry per distinct item per basket."""


@dataclass(frozen=True)
class TIFUParams:
    group_size: int = 7
    r_b: float = 0.9
    r_g: float = 0.7
    k_neighbours: int = 300
    alpha: float = 0.7


class TIFUKNNRecommender(Tuned):
    """TIFU-KNN next-basket recommendation (Hu et al. 2020), tuned on validation.

    Each shopper's baskets, oldest first, are split into groups of
    ``group_size`` counted from the most recent (the oldest group may be
    short). A group vector is the mean of its basket vectors weighted
    ``r_b ** (baskets after it in the group)``; the shopper vector is the mean of
    group vectors weighted ``r_g ** (groups after it)``. The prediction is
    ``alpha * own + (1 - alpha) * mean of the k nearest train shoppers`` (cosine).
    """

    name = "tifu_knn"

    # The published Dunnhumby setting (m=3, r_b=0.9, r_g=0.6 with k=900, alpha=0.2)
    # is inside both grids.
    GRID_DECAY = (
        dict(group_size=3, r_b=0.9, r_g=0.6),
        dict(group_size=3, r_b=0.9, r_g=0.7),
        dict(group_size=3, r_b=1.0, r_g=0.6),
        dict(group_size=7, r_b=0.9, r_g=0.7),
        dict(group_size=7, r_b=1.0, r_g=0.6),
        dict(group_size=7, r_b=0.9, r_g=0.9),
        dict(group_size=15, r_b=0.95, r_g=0.8),
    )
    GRID_BLEND = tuple(itertools.product((50, 300, 900), (0.2, 0.5, 0.7, 0.9)))

    def __init__(self, params: TIFUParams | None = None, *, tune: bool = True) -> None:
        self.params = params or TIFUParams()
        self.tune = tune and params is None
        self.tuning: list[dict[str, float]] = []
        self.popularity = np.zeros(0)
        self._n_items = 0
        self._train_baskets: list[list[np.ndarray]] = []
        self._train_users: np.ndarray = np.zeros(0, dtype=object)
        self._pool: sp.csr_matrix | None = None
        self._pool_key: tuple[int, float, float] | None = None
        self._pool_flat: Flat | None = None
        self._pool_l2: sp.csr_matrix | None = None

    def fit(self, data: PreparedData) -> None:
        self.popularity = data.items["popularity"].to_numpy(dtype=np.float64)
        self._n_items = data.num_items
        train = data.train.sort_values(["user_id", "timestamp"], kind="stable")
        starts = train.groupby(["user_id", "basket_id"])["timestamp"].transform("min")
        train = train.assign(_start=starts).sort_values(["user_id", "_start", "basket_id"], kind="stable")
        users, baskets = [], []
        for user, g in train.groupby("user_id", sort=True):
            bounds = np.flatnonzero(g["basket_id"].to_numpy()[1:] != g["basket_id"].to_numpy()[:-1]) + 1
            users.append(user)
            baskets.append(np.split(g["item_idx"].to_numpy(dtype=np.int64), bounds))
        self._train_users = np.asarray(users, dtype=object)
        self._train_baskets = baskets
        self._pool, self._pool_key, self._pool_flat = None, None, None
        if self.tune:
            self._tune([c for c in data.val_cases if len(c.history_baskets)])

    def _tune(self, cases: list[EvalCase]) -> None:
        """Coordinate search on validation recall@20 + ndcg@10: decay first, then the blend."""
        if not cases:
            return
        from cloud_trainer.evaluation import evaluate  # evaluation imports nothing from here

        flat = _flatten_baskets([list(c.history_baskets) for c in cases])
        best = self.params
        best_score = -1.0
        width = self.list_width(cases, 20)
        # Where own items are left out, alpha = 1 (own items only) lists nothing but the
        # popular fill, and every alpha < 1 the same neighbour order (own items are the
        # only ones the blend moves): the decay is tuned on the neighbours alone and
        # alpha 0 is the one blend left.
        decay_alpha = 0.0 if self.exclude_history else 1.0
        # With neighbours each decay costs a neighbour search per shopper (on goodbooks'
        # 37k validation shoppers the fit took 334 s, against 145 s when decays were
        # judged without them): the decays are ranked on a seeded sample of DECAY_CASES
        # (fit 180 s, the same choice), the neighbour counts on every shopper.
        decay_cases, decay_flat = cases, flat
        if self.exclude_history and len(cases) > self.DECAY_CASES:
            pick = np.sort(np.random.default_rng(0).choice(len(cases), self.DECAY_CASES, replace=False))
            decay_cases = [cases[i] for i in pick]
            decay_flat = _flatten_baskets([list(c.history_baskets) for c in decay_cases])
        def objective(p: TIFUParams) -> float:
            self.check()
            found = self._recommend(decay_cases, width, p, decay_flat)
            m = evaluate(self.judged(found, decay_cases, 20), decay_cases, None, ks=(10, 20))
            return m["recall@20"] + m["ndcg@10"]

        for decay in self.GRID_DECAY:
            trial = TIFUParams(**decay, k_neighbours=best.k_neighbours, alpha=decay_alpha)
            score = objective(trial)
            row = {**decay, "alpha": decay_alpha, "val_recall@20+ndcg@10": score}
            if decay_cases is not cases:
                row["val_shoppers"] = len(decay_cases)
            self.tuning.append(row)
            if score > best_score:
                best, best_score = trial, score
        # The blend must earn its place: pure repeat (alpha = 1) stays if neighbours don't help.
        chosen = best
        grid_blend = list(self.GRID_BLEND)
        if self.exclude_history:  # every neighbour count (the decay's too, if on a sample)
            grid_blend = [(k_nn, 0.0) for k_nn in dict.fromkeys(k for k, _ in self.GRID_BLEND)
                          if k_nn != best.k_neighbours or decay_cases is not cases]
            if decay_cases is not cases:  # scored on every shopper below, like the others
                best_score = -1.0
        # One neighbour search and one neighbour mean per k, shared by every alpha
        # (same lists as scoring each grid point on its own, a quarter of the work).
        by_k: dict[int, list[float]] = {}
        for k_nn, alpha in grid_blend:
            by_k.setdefault(k_nn, []).append(alpha)
        lists: dict[tuple[int, float], np.ndarray] = {}
        for k_nn, alphas in by_k.items():
            trial = TIFUParams(best.group_size, best.r_b, best.r_g, k_nn, 1.0)
            for alpha, found in zip(alphas, self._blend(cases, width, trial, alphas, flat), strict=True):
                lists[(k_nn, alpha)] = self.judged(found, cases, 20)
        for k_nn, alpha in grid_blend:
            trial = TIFUParams(best.group_size, best.r_b, best.r_g, k_nn, alpha)
            m = evaluate(lists[(k_nn, alpha)], cases, None, ks=(10, 20))
            score = m["recall@20"] + m["ndcg@10"]
            self.tuning.append({"k_neighbours": k_nn, "alpha": alpha, "val_recall@20+ndcg@10": score})
            if score > best_score:
                chosen, best_score = trial, score
        self.params = chosen

    def train_vectors(self) -> sp.csr_matrix:
        """The train shoppers' vectors at the tuned decay: the neighbours TIFU-KNN
        searches (what the ``user_knn`` scorer kind ships)."""
        if self._pool_flat is None:
            self._pool_flat = _flatten_baskets(self._train_baskets)
        return self._vectors(self._pool_flat, len(self._train_baskets), self.params)

    def user_vectors(self, baskets_per_user: list[list[np.ndarray]], p: TIFUParams) -> sp.csr_matrix:
        """Shoppers x items time-decayed repeat vectors (the TIFU representation)."""
        return self._vectors(_flatten_baskets(baskets_per_user), len(baskets_per_user), p)

    def _vectors(self, flat: Flat, n_rows: int, p: TIFUParams) -> sp.csr_matrix:
        row, from_end, n_baskets, item = flat
        shape = (n_rows, self._n_items)
        if len(row) == 0:
            return sp.csr_matrix(shape)
        m = p.group_size
        group = from_end // m  # 0 = the most recent group
        pos_in_group = from_end % m  # baskets after this one within its group
        group_len = np.minimum(m, n_baskets - group * m)
        n_groups = -(-n_baskets // m)
        w = (p.r_b**pos_in_group) / group_len * (p.r_g**group) / n_groups
        mat = sp.csr_matrix((w, (row, item)), shape=shape)
        mat.sum_duplicates()
        return mat

    def recommend(self, cases: list[EvalCase], k: int) -> np.ndarray:
        return self._recommend(cases, k, self.params)

    def _recommend(
        self, cases: list[EvalCase], k: int, p: TIFUParams, flat: Flat | None = None
    ) -> np.ndarray:
        return self._blend(cases, k, p, (p.alpha,), flat)[0]

    DECAY_CASES = 8000
    """Validation shoppers the decay grid is scored on when it needs neighbour searches."""

    CHUNK = 128
    """Shoppers scored at once against the whole catalogue (dense 128 x items float64)."""

    def _blend(
        self, cases: list[EvalCase], k: int, p: TIFUParams, alphas: Sequence[float],
        flat: Flat | None = None,
    ) -> list[np.ndarray]:
        """Top-``k`` lists for each ``alpha`` (``p``'s decay and ``k_neighbours``): the
        neighbour search and the neighbour mean are computed once for all of them."""
        if flat is None:
            flat = _flatten_baskets([list(c.history_baskets) for c in cases])
        own = self._vectors(flat, len(cases), p)
        plain = rank_with_fill(own, self.popularity, k)
        outs = [plain if a >= 1.0 else plain.copy() for a in alphas]
        mixed = [i for i, a in enumerate(alphas) if a < 1.0]
        key = (p.group_size, p.r_b, p.r_g)
        if not mixed:
            return outs
        if self._pool is None or self._pool_key != key:
            if self._pool_flat is None:
                self._pool_flat = _flatten_baskets(self._train_baskets)
            self._pool = self._vectors(self._pool_flat, len(self._train_baskets), p)
            self._pool_l2 = _l2_rows(self._pool).T.tocsr()
            self._pool_key = key
        pool, pool_l2_t = self._pool, self._pool_l2
        kn = min(p.k_neighbours, pool.shape[0] - 1) if pool.shape[0] > 1 else 0
        if kn <= 0:
            return outs
        # Only shoppers with a history have neighbours (the rest get popularity): on test
        # half the cases are anonymous copies, and k = 900 makes every row expensive.
        active = np.flatnonzero(np.diff(own.indptr) > 0)
        own_l2 = _l2_rows(own)
        index = {u: i for i, u in enumerate(self._train_users)}
        for start in range(0, len(active), self.CHUNK):
            self.check()
            rows = active[start:start + self.CHUNK]
            sims = (own_l2[rows] @ pool_l2_t).toarray()
            # A shopper is not their own neighbour (their train vector is part of their history).
            for j, r in enumerate(rows):
                u = cases[r].user_id
                found = index.get(u) if u is not None else None
                if found is not None:
                    sims[j, found] = -np.inf
            nbr = np.argpartition(-sims, kn - 1, axis=1)[:, :kn]
            rep = np.repeat(np.arange(len(rows)), kn)
            avg = sp.csr_matrix((np.full(len(rep), 1.0 / kn), (rep, nbr.ravel())),
                                shape=(len(rows), pool.shape[0]))
            neighbours = (avg @ pool).toarray()
            mine = own[rows].toarray()
            for i in mixed:
                a = alphas[i]
                outs[i][rows] = rank_dense_with_fill(a * mine + (1.0 - a) * neighbours, self.popularity, k)
        return outs


def _flatten_baskets(baskets_per_user: list[list[np.ndarray]]) -> Flat:
    """One entry per (shopper, basket, distinct item): shopper row, the basket's
    position counted from the most recent (0 = latest), the shopper's basket count,
    and the item (distinct items of a basket in ascending order)."""
    flat = [np.asarray(b, dtype=np.int64) for bs in baskets_per_user for b in bs]
    sizes = np.fromiter((len(b) for b in flat), dtype=np.int64, count=len(flat))
    if not sizes.sum():
        empty = np.zeros(0, dtype=np.int64)
        return empty, empty, empty, empty
    # Vectorised: one unique over (basket, item) keys instead of one per basket.
    n_baskets = np.fromiter((len(bs) for bs in baskets_per_user), dtype=np.int64,
                            count=len(baskets_per_user))
    basket_row = np.repeat(np.arange(len(baskets_per_user)), n_baskets)
    first = np.repeat(np.cumsum(n_baskets) - n_baskets, n_baskets)
    from_end = n_baskets[basket_row] - 1 - (np.arange(len(flat)) - first)
    items = np.concatenate(flat)
    width = int(items.max()) + 1
    keys = np.unique(np.repeat(np.arange(len(flat), dtype=np.int64), sizes) * width + items)
    basket, item = keys // width, keys % width
    row = basket_row[basket]
    return row, from_end[basket], n_baskets[row], item


def _top_per_row(mat: sp.csr_matrix, k: int) -> tuple[sp.csr_matrix, np.ndarray]:
    """``keep_top_per_row(mat, k)`` (indices sorted within rows) and its entries'
    :func:`row_ranks`, without sorting every entry: a row longer than ``k`` keeps
    what is above its ``k``-th largest value plus the lowest-index entries equal to
    it, exactly the full sort's first ``k``. A clickstream block has rows of 48k
    entries of which 400 stay, and integer co-occurrence counts tie by the
    thousand at the cut (a plain ``>= cut`` kept them all and sorted them)."""
    mat = sp.csr_matrix(mat)
    indptr, indices, data = mat.indptr, mat.indices, mat.data
    lengths = np.diff(indptr)
    keep = np.ones(len(data), dtype=bool)
    for i in np.flatnonzero(lengths > k):
        lo, hi = indptr[i], indptr[i + 1]
        val = data[lo:hi]
        cut = np.partition(val, len(val) - k)[len(val) - k]
        above = val > cut
        tied = np.flatnonzero(val == cut)
        tied = tied[np.argsort(indices[lo:hi][tied], kind="stable")][: k - int(above.sum())]
        above[tied] = True
        keep[lo:hi] = above
    row = np.repeat(np.arange(mat.shape[0]), lengths)[keep]
    idx, val = indices[keep], data[keep]
    order = np.lexsort((idx, row))  # rows in order, indices ascending within a row
    top = sp.csr_matrix((val[order], idx[order],
                         np.concatenate([[0], np.cumsum(np.bincount(row, minlength=mat.shape[0]))])),
                        shape=mat.shape)
    return top, row_ranks(top)


def _l2_rows(mat: sp.csr_matrix) -> sp.csr_matrix:
    norms = np.sqrt(np.asarray(mat.multiply(mat).sum(axis=1)).ravel())
    return (sp.diags(np.where(norms > 0, 1.0 / np.maximum(norms, 1e-12), 0.0)) @ mat).tocsr()


def all_baselines() -> list[
    PopularityRecommender | PersonalTopFreqRecommender | OwnTopKPopularRecommender
    | ItemKNNRecommender | TIFUKNNRecommender
]:
    """Fresh, unfitted instances of every baseline, in report order."""
    return [
        PopularityRecommender(),
        PersonalTopFreqRecommender(),
        OwnTopKPopularRecommender(),
        ItemKNNRecommender(),
        TIFUKNNRecommender(),
    ]
