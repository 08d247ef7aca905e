"""From raw scores to what a display shows: the ranking pipeline.

For one display and (optionally) one shopper::

    scores (model, or popularity)       one float per catalogue item
      -> drop items unfit to show       no name, a placeholder name, or a price below 0.005
      -> drop out-of-stock items        the store's in-stock mask
      -> drop items bought this visit   the session's basket
      -> boost items near the display   normalised score + policy.near_boost
      -> one item per display name      two ids printed "Gasoline-Reg Unleaded" look like a bug
      -> diversity re-ranking           MMR: relevance vs "another item of a category already shown"
      -> top-K with a short reason      what the screen prints under the product

Fit to show is enforced here, where every consumer (screens, shelves, MQTT
clients) gets its list: no item without a real name or with a non-positive
price, no display name twice in one list, and every slot filled whenever the
catalogue has that many eligible items (the whole catalogue is ranked again
when the cached short list runs dry).

Everything before MMR is vectorised over the catalogue (and cached, see
:class:`Ranker`); MMR runs on a shortlist of at most 256 candidates, so the
per-signal cost hardly depends on catalogue size.
"""

from __future__ import annotations

import itertools
import math
import sys
from collections.abc import Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, NamedTuple

import numpy as np

from edge.state.store import Session, StateStore

if TYPE_CHECKING:
    from edge.runtime.scorers import LazyScores, ScoreDelta

_SENTINEL = np.iinfo(np.intp).max  # (np.iinfo per call: ~1 % of a rank call)
_HIGH_HALF = slice(1, None, 2) if sys.byteorder == "little" else slice(0, None, 2)
"""The high 32-bit halves of an int64 array viewed as int32."""
CANDIDATES_PER_SLOT = 5
MIN_CANDIDATES = 30
MIN_PRICE = 0.005
"""The lowest price a screen shows: anything less prints as 0.00, which reads as an
error on a price tag. Complete Journey's fuel lines carry 0.002-0.003 (a sales value
over a quantity counted in small units): positive, yet "Gasoline 0.00" on a screen."""


def priced(price: float) -> bool:
    """A price fit for a price tag: known (not NaN) and at least :data:`MIN_PRICE`."""
    return price == price and price >= MIN_PRICE  # price == price: not NaN


def display_name(name: str) -> str:
    """The name as a shopper reads it: case and spacing do not make two products different."""
    return " ".join(name.split()).casefold()


def top_k(scores: np.ndarray, k: int, *, nan_free: bool = False) -> np.ndarray:
    """Indices of the ``k`` highest scores, best first; ties lower index first,
    also at the cut (``edge.bundle.topk`` leaves which of several equal scores at
    the k-th place gets in to ``argpartition``).

    For a large catalogue it first narrows the field with a threshold taken from
    a strided sample (one element in 16), so the exact selection runs on a few
    hundred scores instead of the whole catalogue: measured 55 -> ~20 us for the
    256 best of 18k scores. If the threshold lets fewer than ``k`` through (a
    sample unlike the whole), it tries a lower one, then the whole vector: the
    result is the same either way, only the cost differs.

    ``nan_free``: the caller knows ``scores`` holds no NaN (the ranker's
    normalised scores), which saves a pass over the catalogue (~5 us)."""
    n = scores.shape[0]
    k = min(k, n)
    if k <= 0:
        return np.zeros(0, dtype=np.int64)
    if not nan_free and np.isnan(scores.max()):  # NaN sorts above everything and equals nothing: rank it last
        scores = np.where(np.isnan(scores), -np.inf, scores)
    pool = None
    if n >= 4096 and k * 8 <= n:
        sample = scores[::16]
        ns = len(sample)
        # The k best hold ~k/16 of the sample (sd ~sqrt(k/16)): a cut at its
        # (k/16 + 12)-th best lets 1.3-3.5x k through on the real replay's vectors
        # (358-1,000 for k = 256; never too few in 3,725 of them); a cut at k/8 + 16,
        # ~3.4x k, made the exact selection below 7 us dearer per short list. A
        # sample unlike the whole is retried with a lower cut before the whole vector.
        m = min(ns, k // 16 + 12)
        pool = np.flatnonzero(scores >= np.partition(sample, ns - m)[ns - m])
        if len(pool) < k and m < ns:
            m = min(ns, 2 * m + 16)
            pool = np.flatnonzero(scores >= np.partition(sample, ns - m)[ns - m])
        if len(pool) < k:
            pool = None
    if pool is None:
        pool = np.arange(n)
    sub = scores[pool]
    if sub.dtype == np.float32:
        return _best_first_f32(sub, pool, k)
    kth = np.partition(sub, len(sub) - k)[len(sub) - k]  # the k-th highest score
    above = pool[sub > kth]
    tied = pool[sub == kth][: k - len(above)]  # lowest indices first (pool is ascending)
    chosen = np.concatenate((above, tied))
    # Best first, ties by index: ``chosen`` is ascending by index within ``above``
    # and within ``tied`` (all equal to the lowest score), so a stable sort on the
    # score alone gives the order a lexsort on (score, index) gives, for less.
    return chosen[np.argsort(-scores[chosen], kind="stable")]


def _best_first_f32(sub: np.ndarray, pool: np.ndarray, k: int) -> np.ndarray:
    """The ``k`` best of ``pool`` (ascending indices, ``sub`` their float32 scores, no
    NaN), best first, ties by lower index: one sort of unique integer keys, the
    score's bits made order-preserving and inverted in the high half, the index in
    the low half. No tie needs handling at the cut, and numpy sorts 64-bit integers
    with SIMD: ~6 vs ~13 us (a ~500-score pool) for partition, selection at the cut
    and a stable argsort of the chosen."""
    bits = (sub + np.float32(0)).view(np.int32).astype(np.int64)  # + 0: -0.0 -> +0.0, equal scores equal keys
    bits ^= (bits >> 31) & 0x7FFFFFFF  # negatives: magnitude bits flipped, so integer order is float order
    keys = (0x7FFFFFFF - bits).view(np.uint64) << np.uint64(32)  # 0 .. 2**32 - 1 (best lowest), high half
    keys |= pool.astype(np.uint64)
    if len(keys) > 4 * k:  # the whole catalogue: cut first, sort k
        keys = np.partition(keys, k - 1)[:k]
    keys.sort()
    return (keys[:k] & np.uint64(0xFFFFFFFF)).astype(np.int64)


def showable_mask(items: Sequence) -> np.ndarray:
    """Items fit to put on a screen: a real name and a price (:func:`priced`).

    A placeholder name ("Product 1126203": the trainer's fallback when the
    catalogue has no product type or category) tells a shopper nothing, and a
    price of 0.00 (or unknown, NaN) reads as an error on a price tag."""
    ok = np.ones(len(items), dtype=bool)
    for i, it in enumerate(items):
        name = display_name(it.name or "")
        price = it.price
        if (not name or _is_placeholder(name, it.item_id)
                or not priced(price)):
            ok[i] = False
    return ok


def _is_placeholder(name: str, item_id: str) -> bool:
    """"product 1126203", also with the brand the trainer appends ("... (private)")."""
    stem = f"product {item_id}".casefold()
    return name == stem or (name.startswith(stem + " (") and name.endswith(")"))


def name_codes(items: Sequence) -> np.ndarray:
    """One int per item; equal for items whose display names are equal."""
    codes: dict[str, int] = {}
    return np.fromiter((codes.setdefault(display_name(it.name or ""), len(codes)) for it in items),
                       dtype=np.int64, count=len(items))


class Ranked(NamedTuple):
    """One chosen item (a named tuple: immutable, and built in a third of a frozen
    dataclass's time; a list builds k of them per signal)."""

    index: int
    score: float
    reason: str


@dataclass(frozen=True)
class Placement:
    """Where recommendations will be seen: a display (or a bare zone for requests)."""

    key: str
    """Display id, or ``zone:<id>`` for a request that names only a zone."""
    zone: str
    near: np.ndarray
    """Boolean mask over the catalogue: items shelved by this display."""
    near_label: str
    """Human name of the nearby departments, for reasons ("Produce")."""


def department_mask(store: StateStore, departments: Sequence[str]) -> np.ndarray:
    wanted = {d.upper() for d in departments}
    codes = [i for i, d in enumerate(store.departments) if d.upper() in wanted]
    return np.isin(store.department_codes, codes)


class Ranker:
    """Filters, boosts and diversifies scores for a placement.

    The expensive part (normalising and boosting the whole catalogue, then
    finding its best few hundred items) depends only on the score vector and
    the placement, not on stock or the shopper's basket; it is cached per
    (score key, placement). Each signal then only filters that short list by
    the live in-stock mask and the basket, and runs MMR on what is left. When
    the short list runs dry (most of it sold out or bought) the whole catalogue
    is ranked again, so a filter can never leave a display short.
    """

    SHORTLIST = 256
    DELTA_PREFIX = SHORTLIST + 64
    """Per near class, how many of a delta base's best items are ranked ahead (see
    :meth:`_delta_best`): the short list's 256 plus room for changed items that fall
    inside the prefix and for float32 ties at its end (beyond that: the full path)."""

    def __init__(
        self,
        store: StateStore,
        *,
        near_boost: float,
        diversity_weight: float,
        exclude_purchased: bool = True,
        cache_size: int = 4096,
        like: Ranker | None = None,
    ) -> None:
        """``like``: a ranker over the very same items (a model update that kept
        items.json); its per-item arrays are shared instead of derived again
        (~17 ms of CPU for 18k items, held GIL, during an OTA build)."""
        self.store = store
        self.near_boost = float(near_boost)
        self.diversity_weight = float(diversity_weight)
        self.exclude_purchased = exclude_purchased
        self.cache_size = cache_size
        self._shortlists: dict[tuple, tuple[np.ndarray, np.ndarray, bool]] = {}
        """Short lists: (items, boosted scores, whether any is -inf, i.e. excluded by the scorer)."""
        self._near: dict[str, tuple[int, np.ndarray, int]] = {}
        """Display -> (placed_version, near mask, mask token), the latest only."""
        self._near_canon: dict[tuple[int, bytes], tuple[int, np.ndarray]] = {}
        """Mask content -> (token, the one array kept for it): placements whose masks
        are equal share one array and one token, so their short lists are one cache entry."""
        self._near_tokens = itertools.count()
        self.full_ranks = 0
        self.delta_built = 0
        """Short lists built from a score vector's delta (:meth:`_delta_best`), not the whole vector."""
        self.delta_merged = 0
        """Of those, the ones merged into the base's sorted candidates (:meth:`_delta_merge`)."""
        self._picked: dict[int, tuple] = {}
        """id of a cached short list -> (that list, the filter mask's bytes, k, want, the
        filtered list's items and scores up to the deepest pick, the picks' positions in
        it): what :meth:`rank` picked from it last. The entry holds the list, so its id
        is not reused while the entry lives."""
        self._here_text: dict[str, str] = {}
        self._near_boost: dict[int, tuple[np.ndarray, np.ndarray]] = {}
        if like is not None and like.store.items is store.items:
            self.showable, self.name_codes = like.showable, like.name_codes
        else:
            self.showable = showable_mask(store.items)
            self.name_codes = name_codes(store.items)
        self._unshowable = np.flatnonzero(~self.showable)
        self._n_showable = int(self.showable.sum())
        self._n_names = int(self.name_codes.max()) + 1 if len(self.name_codes) else 0
        # Scratch mask over the catalogue for the basket filter: set, read, cleared
        # per signal (np.isin sorts both sides: ~15 us for a 256-item short list).
        self._scratch = np.zeros(len(self.showable), dtype=bool)
        # Scratch for _unique_names, kept all-sentinel between calls (a fresh
        # np.full over every name and an arange per call were a third of its time).
        self._first = np.full(self._n_names, _SENTINEL, dtype=np.intp)
        self._positions = np.arange(max(self.SHORTLIST, 1), dtype=np.intp)
        self._work = np.empty(len(self.showable), dtype=np.float32)
        self._delta_base: tuple[np.ndarray, np.ndarray, np.ndarray, dict, np.ndarray] | None = None
        """(base, its order ascending, descending, near token -> what _delta_best needs,
        a writable copy of it): the latest base."""

    def near_mask(self, placement: Placement) -> np.ndarray:
        """Items shelved by the display: its departments plus items a shelf reported there."""
        return self._near_entry(placement)[0]

    def _near_entry(self, placement: Placement) -> tuple[np.ndarray, int]:
        """:meth:`near_mask` and its token: equal for placements whose masks are equal.

        Two displays facing the same departments (the demo store's two grocery
        endcaps, with no shelf-reported items) rank a shopper's score vector to the
        same short list: keyed by the mask's content instead of the display, it is
        computed once (17 % of the short lists built in the real replay were such
        repeats). Masks are compared by content once per display and placed_version."""
        version = self.store.placed_version
        found = self._near.get(placement.key)
        if found is not None and found[0] == version:
            return found[1], found[2]
        near = placement.near
        placed = self.store.placed.get(placement.key)
        if placed:
            near = near.copy()
            near[list(placed)] = True
        content = (len(near), np.packbits(near).tobytes())
        canon = self._near_canon.get(content)
        if canon is None:
            if len(self._near_canon) >= 256:  # shelf reports make new masks; tokens are never reused
                self._near_canon.clear()
            canon = self._near_canon[content] = (next(self._near_tokens), near)
        self._near[placement.key] = (version, canon[1], canon[0])  # one mask per display, the latest
        return canon[1], canon[0]

    def boosted(self, scores: np.ndarray, near: np.ndarray) -> np.ndarray:
        """Scores min-max normalised over the catalogue, plus the near-display boost.

        In place on one new array, with the boost vector kept per near mask: the
        same float32 operations in the same order as ``(s - lo) / (hi - lo) +
        boost * near``, so the same bits, for about half the time."""
        return self._boosted(scores, near)[0]

    def _boosted(self, scores: np.ndarray, near: np.ndarray,
                 out: np.ndarray | None = None) -> tuple[np.ndarray, bool]:
        """:meth:`boosted`, and whether the result is certainly free of NaN (finite
        bounds: every value is then in [0, 1] plus the boost; NaN in ``scores``
        makes both bounds NaN and the result all ones), so top_k can skip its check.
        ``out``: a float32 array of the catalogue's length to write the result into."""
        s = scores.astype(np.float32, copy=False)
        lo, hi = float(s.min()), float(s.max())
        # -inf marks items the scorer excludes (a no-repeat bundle's consumed items): they
        # stay -inf and the rest is normalised over its finite range (-inf - -inf would
        # make every score NaN, and the display one item repeated).
        excluded = lo == -math.inf and hi > lo
        if excluded:
            lo = float(s[s > -np.inf].min())
        if hi > lo:
            rel = np.subtract(s, lo, dtype=np.float32, out=out)
            rel /= hi - lo
            nan_free = math.isfinite(hi - lo) and hi - lo < 1e38  # s - lo cannot overflow float32
        else:
            rel = np.ones_like(s) if out is None else out
            rel.fill(1.0)
            if excluded:
                rel[s == -np.inf] = -np.inf
            nan_free = True
        rel += self._boost_vector(near)
        return rel, nan_free

    def _boost_vector(self, near: np.ndarray) -> np.ndarray:
        """``float32(near_boost) * near``, computed once per near mask (masks are
        cached per display and replaced, not mutated, when a shelf reports)."""
        found = self._near_boost.get(id(near))
        if found is None or found[0] is not near:  # the mask is kept alive, so its id is not reused
            if len(self._near_boost) > 64:
                self._near_boost.clear()
            found = self._near_boost[id(near)] = (near, np.float32(self.near_boost) * near)
        return found[1]

    def rank(
        self,
        scores: np.ndarray | LazyScores,
        placement: Placement,
        k: int,
        *,
        session: Session | None = None,
        strategy: str = "model",
        key: tuple | None = None,
    ) -> list[Ranked]:
        if k <= 0:
            return []
        store = self.store
        near, near_token = self._near_entry(placement)
        bought = session.bought if session is not None and self.exclude_purchased else set()
        want = max(CANDIDATES_PER_SLOT * k, MIN_CANDIDATES)

        # How the vector was made, if it says (edge.runtime.scorers.LazyScores: its
        # array is only built if a catalogue-wide path needs it).
        delta = getattr(scores, "delta", None)
        found = self._shortlist(scores, near_token, near, key, delta)
        cands, cboost, excluded = found
        ok = store.available[cands]
        if excluded:  # -inf: excluded by the scorer (known when the short list was built)
            ok &= cboost > -np.inf
        if bought:
            basket = np.fromiter(bought, dtype=np.int64, count=len(bought))
            scratch = self._scratch
            scratch[basket] = True
            ok &= ~scratch[cands]
            scratch[basket] = False
        # What MMR picks depends only on the short list, this mask over it, k and want:
        # kept per cached short list (the latest mask), so a list ranked again with the
        # same stock and basket skips the filter, MMR and the conversions. The picks for
        # k are the first k of those for a larger k with the same want (MMR is greedy,
        # and the catalogue-wide fallback is taken for neither). Matched by content (the
        # mask's bytes), not a stock version: the stock mask is written in place.
        # docs/performance-log.md, "(2026-12-03 (i)) ranking: picks kept per short list"
        pkey = ok.tobytes()
        picked = self._picked.get(id(found))
        if (picked is not None and picked[0] is found and picked[1] == pkey and picked[3] == want
                and k <= picked[2]):
            ids_l, boosts_l, chosen = picked[4], picked[5], picked[6]
            if k < len(chosen):
                chosen = chosen[:k]
        else:
            # MMR sees the whole filtered shortlist, not just the top few: when one
            # category fills the top ranks, the best of the others must be reachable.
            keep, kboost = cands[ok], cboost[ok]  # the short list has one item per name already
            # Rank the whole catalogue again when the slots cannot be filled, or when stock
            # and basket thinned the short list below what MMR wants (a short list that is
            # short only because of duplicate names is not rebuilt on every signal).
            thinned = len(keep) < len(cands)
            full = (len(keep) < k or (thinned and len(keep) < want)) and len(cands) < len(scores)
            if full:
                keep, kboost = self._full(np.asarray(scores), near, bought, max(self.SHORTLIST, want), k)
            chosen = self._mmr(keep, kboost, k)
            if not chosen:
                return []
            # Only the chosen leave numpy: MMR picks from the head of the list, so a
            # slice up to the deepest pick converted to Python and indexed there costs
            # less than numpy fancy indexing by a list (which builds an index array).
            top = max(chosen) + 1
            ids_l, boosts_l = keep[:top].tolist(), kboost[:top].tolist()
            if key is not None and not full:  # a cached short list: it may be ranked again
                picks = self._picked
                if len(picks) >= self.cache_size:
                    picks.clear()
                picks[id(found)] = (found, pkey, k, want, ids_l, boosts_l, chosen)
        history = set(session.history) if session is not None else set()
        reason = self._reason
        out = []
        for j in chosen:
            i = ids_l[j]
            out.append(Ranked(i, boosts_l[j], reason(i, near[i], history, placement, strategy)))
        return out

    def _shortlist(
        self, scores: np.ndarray | LazyScores, near_token: int, near: np.ndarray, key: tuple | None,
        delta: ScoreDelta | None = None,
    ) -> tuple[np.ndarray, np.ndarray, bool]:
        """The catalogue's best SHORTLIST showable items for a near mask (``near_token``
        names its content), ignoring stock and basket: nothing else of the placement
        enters it, so placements with equal masks share it. The third element: whether
        any of them is -inf (excluded by the scorer), so a cached list is not scanned
        for it on every signal. ``delta``: how ``scores`` was made (a shared base with a
        few items written in), which lets :meth:`_delta_best` find the same list
        without a pass over the catalogue."""
        ckey = (key, near_token, self.store.placed_version) if key is not None else None
        found = self._shortlists.get(ckey) if ckey is not None else None
        if found is not None:
            return found
        n = min(self.SHORTLIST, self._n_showable)
        best = self._delta_best(delta, near_token, near, n) if delta is not None and n else None
        if best is not None:
            cands, cboost = best
            self.delta_built += 1
        else:
            scores = np.asarray(scores)  # a LazyScores is built here
            # Into a kept buffer: only the short list leaves this method (a fresh 18k-item
            # array per short list was an allocation and its page faults every time).
            boosted, nan_free = self._boosted(scores, near,
                                              self._work if len(scores) == len(self._work) else None)
            boosted[self._unshowable] = -np.inf
            cands = top_k(boosted, n, nan_free=nan_free) if n else np.zeros(0, dtype=np.int64)
            cboost = boosted[cands]
        # One item per display name, decided once per cached short list rather than
        # per signal (np.unique over 256 ids is tens of microseconds): a subset of it
        # (stock and basket filtered) then has unique names too.
        keep, kboost = self._unique_names(cands, cboost)
        # Best first, and top_k ranks NaN as -inf: if any is -inf (or NaN), the last one is.
        found = (keep, kboost, bool(len(kboost)) and not kboost[-1] > -np.inf)
        if ckey is not None:
            if len(self._shortlists) >= self.cache_size:
                self._shortlists.clear()
                self._picked.clear()
            self._shortlists[ckey] = found
        return found

    def _delta_best(
        self, delta: ScoreDelta, near_token: int, near: np.ndarray, n: int
    ) -> tuple[np.ndarray, np.ndarray] | None:
        """What the catalogue-wide path of :meth:`_shortlist` finds (``top_k`` of the
        boosted, showable-only vector: its ``n`` best, best first, ties to the lower
        index, and their boosted scores), bit for bit, for a vector that is
        ``delta.base`` except at ``delta.items``; None when it cannot tell (the caller
        then takes the catalogue-wide path). The vector itself is not read: a
        :class:`~edge.runtime.scorers.LazyScores` is never built on this path.

        Normalising and boosting are monotone (non-decreasing) within a near class
        (near / not near), so an unchanged item outside the class's ``DELTA_PREFIX``
        best by base score (ranked once per base and near mask, :meth:`_delta_prep`)
        scores at most what the first item after that prefix (its "sentinel") would
        score with its base value. The candidates are the prefixes and the changed
        showable items; if the ``n``-th best of them scores strictly above every
        class's sentinel, nothing outside can enter the ``n`` best, whatever the ties.
        Every value gets the float32 operations of :meth:`_boosted` with the same
        bounds (the catalogue's min and max: the base's outside the changed items,
        and the changed items' own values), so the same bits.

        Numpy calls on a few hundred values cost about what they cost on the whole
        catalogue (~1 us each on a 2-core box), so this makes as few as it can: ~18
        against the catalogue-wide path's ~25 over 18k values."""
        base, items, values = delta
        if values.dtype != np.float32 or len(values) != len(items):
            return None
        prep = self._delta_prep(base, near_token, near)
        if prep is None:
            return None
        lo, hi, lo_item, hi_item, addable, cand, sentinels, ranked = prep
        if len(items):
            own = values.tolist()
            # -inf, +inf, NaN: the full path's cases (a sum, not min/max: Python's
            # min and max skip a NaN that is not first)
            if not math.isfinite(sum(own)):
                return None
            olo, ohi = min(own), max(own)
            changed = items.tolist()
            if lo_item in changed or hi_item in changed:  # a changed item held the base's min or max
                lo, hi = self._delta_bounds(delta)
            lo, hi = min(lo, olo), max(hi, ohi)
            if ranked is not None and lo == prep[0] and hi == prep[1]:
                return self._delta_merge(ranked, items, values, lo, hi - lo, near, n)
            pool = np.concatenate((items[addable[items]], cand))
        else:
            if ranked is not None:
                return self._delta_merge(ranked, items, values, lo, hi - lo, near, n)
            pool = cand
        span = hi - lo
        if not (hi > lo and span < 1e38):  # all equal, or a span the full path treats apart
            return None
        # The vector's values at the pool: a kept copy of the base with the changed
        # values written in and put back (3 small calls instead of a 73 kB vector).
        scratch = self._delta_base[4]  # type: ignore[index]
        if len(items):
            try:
                scratch[items] = values
                raw = scratch[pool]
            finally:
                scratch[items] = base[items]
        else:
            raw = scratch[pool]
        if len(pool) < n:
            return None
        v, keys = self._delta_keys(raw, pool, lo, span, near)
        keys.sort()
        if sentinels:  # the n-th best must beat what any item left out can score
            f32 = np.float32
            worst = np.int32(0x7FFFFFFF - int(keys[n - 1] >> 32)).view(np.float32)
            flo, fspan = f32(lo), f32(span)
            for base_value, boost in sentinels:
                if not worst > (f32(base_value) - flo) / fspan + boost:
                    return None
        cands = keys[:n] & 0xFFFFFFFF
        work = self._work
        work[pool] = v
        return cands, work[cands]

    def _delta_merge(
        self, ranked: tuple[np.ndarray, np.ndarray, tuple], items: np.ndarray, values: np.ndarray,
        lo: float, span: float, near: np.ndarray, n: int,
    ) -> tuple[np.ndarray, np.ndarray] | None:
        """:meth:`_delta_best` when the vector's min and max are the base's (3 of 4 fresh
        vectors of the real replay: the shopper's own values inside the base's range).
        Every unchanged candidate then scores what it scores in the base vector, whose
        candidates' keys :meth:`_delta_prep` sorted once (``ranked``: keys, their items,
        the sentinels' scores, all with the base's bounds); only the changed showable
        items are scored here, and they replace their old keys among the first ``n +
        len(items)`` (enough: at most ``len(items)`` of those leave). The same keys as
        :meth:`_delta_best` sorts (unique: the index is in them), so the same ``n`` best
        in the same order, and the same float32 scores (their bits are in the keys)."""
        self.delta_merged += 1
        keys, ids, limits = ranked
        if len(items):
            show = self.showable[items]
            _, new = self._delta_keys(values[show], items[show], lo, span, near)
            h = n + len(items)
            mark = self._scratch
            mark[items] = True
            try:
                stay = ~mark[ids[:h]]
            finally:
                mark[items] = False
            keys = np.concatenate((keys[:h][stay], new))
            keys.sort()
        if len(keys) < n:
            return None
        # The n-th best must beat what any item left out can score: ``limits`` are those
        # scores as key bounds (a key below one scores strictly above it, whatever its index).
        if limits and not int(keys[n - 1]) < limits[0]:
            return None
        best = keys[:n]
        # The scores' bits are the keys' high halves (inverted), read as int32 pairs.
        return best & 0xFFFFFFFF, np.subtract(0x7FFFFFFF, best.view(np.int32)[_HIGH_HALF]).view(np.float32)

    def _delta_bounds(self, delta: ScoreDelta) -> tuple[float, float]:
        """The base's min and max outside ``delta.items`` (the rare case where a
        changed item holds one of them): among its ``len(items) + 1`` lowest (highest)
        items, the first one unchanged; (inf, -inf) if every item is changed."""
        base, items = delta.base, delta.items
        found = self._delta_base
        assert found is not None and found[0] is base
        asc, desc = found[1], found[2]
        mark = self._scratch
        mark[items] = True
        try:
            m = len(items) + 1
            head = asc[:m]
            first = int(np.argmin(mark[head]))
            if mark[head[first]]:
                return math.inf, -math.inf
            lo = float(base[head[first]])
            head = desc[:m]
            return lo, float(base[head[np.argmin(mark[head])]])
        finally:
            mark[items] = False

    def _delta_prep(self, base: np.ndarray, near_token: int, near: np.ndarray) -> tuple | None:
        """What :meth:`_delta_best` needs per base vector and near mask, computed once
        per pair: the base's min and max and the items holding them, a mask of the
        showable items outside the candidates, the candidates (per class, showable
        near / not near items, its ``DELTA_PREFIX`` best by base score, ties by index)
        and per incomplete class its sentinel (the next item's base value and the
        class's boost, float32). One stable argsort of the catalogue per base (~1 ms),
        a few masked gathers per mask. None for a base it cannot use (not float32 over
        the catalogue, not finite) or a near boost that is negative (values below zero
        break the bit-order sort) or not finite."""
        found = self._delta_base
        if found is None or found[0] is not base:
            if (len(base) != len(self._work) or base.dtype != np.float32 or not np.isfinite(base).all()
                    or not (0 <= np.float32(self.near_boost) < np.inf)):
                return None
            asc = np.argsort(base, kind="stable")
            desc = np.argsort(-base, kind="stable")  # negation is exact: ties keep index order
            found = self._delta_base = (base, asc, desc, {}, base.copy())
        per_near = found[3]
        prep = per_near.get(near_token)
        if prep is None:
            if len(per_near) >= 32:
                per_near.clear()
            asc, desc = found[1], found[2]
            near_d, show_d = near[desc], self.showable[desc]
            parts, sentinels = [], []
            for cls, boost in ((near_d & show_d, np.float32(self.near_boost) * np.True_),
                               (~near_d & show_d, np.float32(self.near_boost) * np.False_)):
                ranked = desc[cls]
                parts.append(ranked[: self.DELTA_PREFIX])
                if len(ranked) > self.DELTA_PREFIX:
                    sentinels.append((base[ranked[self.DELTA_PREFIX]], boost))
            cand = np.concatenate(parts)
            addable = self.showable.copy()
            addable[cand] = False
            lo, hi = float(base[asc[0]]), float(base[desc[0]])
            prep = per_near[near_token] = (lo, hi, int(asc[0]), int(desc[0]), addable, cand,
                                           tuple(sentinels), self._delta_ranked(base, cand, lo, hi, near, sentinels))
        return prep

    def _delta_keys(self, raw: np.ndarray, ids: np.ndarray, lo: float, span: float,
                    near: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """The float32 scores and unsorted sort keys of ``ids`` whose vector values are ``raw``: the float32
        operations of :meth:`_boosted` (minus ``lo``, over ``span``, plus the near boost)
        with the score's inverted bits in the high half and the item id in the low half.
        Every score here is >= +0.0 (``raw >= lo``, a boost >= 0: see :meth:`_delta_prep`),
        so its bits order like it and one integer sort ranks best first, ties to the lower
        id, as :func:`_best_first_f32`. One builder for :meth:`_delta_best`,
        :meth:`_delta_merge` and :meth:`_delta_ranked`, whose keys must match bit for bit."""
        v = np.subtract(raw, lo, dtype=np.float32)
        v /= span
        v += self._boost_vector(near)[ids]
        keys = np.subtract(0x7FFFFFFF, v.view(np.int32), dtype=np.int64)
        keys <<= 32
        keys |= ids
        return v, keys

    def _delta_ranked(self, base: np.ndarray, cand: np.ndarray, lo: float, hi: float, near: np.ndarray,
                      sentinels: list) -> tuple[np.ndarray, np.ndarray, tuple] | None:
        """For :meth:`_delta_merge`: the candidates' keys as :meth:`_delta_best` builds
        them for the base itself (the same float32 operations, the base's bounds), sorted,
        their items, and each sentinel's score with those bounds. None when the base's
        span is one the full path treats apart."""
        span = hi - lo
        if not (hi > lo and span < 1e38):
            return None
        _, keys = self._delta_keys(base[cand], cand, lo, span, near)
        keys.sort()
        f32 = np.float32
        flo, fspan = f32(lo), f32(span)
        # Each sentinel's score (>= +0.0: its bits order like it) as the lowest key scoring
        # the same: a key below the lowest of them scores strictly above every sentinel.
        bounds = [(0x7FFFFFFF - int(((f32(base_value) - flo) / fspan + boost).view(np.int32))) << 32
                  for base_value, boost in sentinels]
        return keys, keys & 0xFFFFFFFF, (min(bounds),) if bounds else ()

    def _full(
        self, scores: np.ndarray, near: np.ndarray, bought: set[int], want: int, k: int
    ) -> tuple[np.ndarray, np.ndarray]:
        """The best ``want`` eligible items of the whole catalogue, one per name;
        widened until ``k`` distinct names are found or the catalogue is used up."""
        self.full_ranks += 1
        valid = self.store.available & self.showable & (scores > -np.inf)  # -inf: excluded by the scorer
        if bought:
            valid[list(bought)] = False
        n_valid = int(valid.sum())
        if n_valid == 0:
            return np.zeros(0, dtype=np.int64), np.zeros(0, dtype=np.float32)
        boosted, nan_free = self._boosted(scores, near)
        boosted[~valid] = -np.inf
        while True:
            cands = top_k(boosted, min(want, n_valid), nan_free=nan_free)
            keep, kboost = self._unique_names(cands, boosted[cands])
            if len(keep) >= k or want >= n_valid:
                return keep, kboost
            want *= 4

    def _unique_names(self, cands: np.ndarray, boost: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """Keep the best-ranked item of each display name (``cands`` arrive best first).

        The first position of each name code by ``minimum.at`` over a table of
        codes (2,258 names for Complete Journey's 18k items): no sort, 11 -> 4 us
        for a 256-item short list against ``np.unique(return_index=True)``."""
        n = len(cands)
        codes = self.name_codes[cands]
        pos = self._positions[:n] if n <= len(self._positions) else np.arange(n, dtype=np.intp)
        first = self._first  # all sentinel (> any position) between calls
        np.minimum.at(first, codes, pos)
        keep = first[codes] == pos
        first[codes] = _SENTINEL
        if np.count_nonzero(keep) == n:
            return cands, boost
        return cands[keep], boost[keep]

    def _mmr(self, cands: np.ndarray, rel: np.ndarray, k: int) -> list[int]:
        """Positions in ``cands`` chosen by maximal marginal relevance, with
        "same category" as the similarity.

        Picks, k times, the candidate maximising ``(1-w)*relevance - w*similarity``
        where similarity is 1 if its category is already on the list. With w=0
        this is plain top-K.

        ``cands`` arrive best first, so at each step only two candidates can
        win: the first one of a new category, and the first one of a category
        already shown. The scan stops at the former, which keeps this a short
        pure-Python loop rather than K passes over every candidate.
        """
        w = self.diversity_weight
        n = len(cands)
        if w <= 0 or n <= 1:
            return list(range(min(k, n)))
        top = float(rel[0]) if rel[0] > 0 else 1.0
        scale = (1.0 - w) / top
        codes = self.store.category_codes
        # Python lists are fast to scan but slow to build, and the scan rarely
        # goes deep: convert a prefix, and the rest only if a scan reaches it.
        m = min(n, 32)
        relevance = (rel[:m] * scale).tolist()
        cats = codes[cands[:m]].tolist()
        taken = [False] * n
        shown: set[int] = set()
        out: list[int] = []
        only_shown_left = False  # once true, no new category can appear any more
        for _ in range(min(k, n)):
            best_j, best_v = -1, -np.inf
            j = 0
            if only_shown_left:
                while taken[j]:
                    j += 1
                best_j, j = j, n
            while j < n:
                if j == m:
                    relevance += (rel[m:] * scale).tolist()
                    cats += codes[cands[m:]].tolist()
                    m = n
                if taken[j]:
                    j += 1
                    continue
                if cats[j] in shown:
                    if best_j < 0:  # the best already-shown-category candidate
                        best_j, best_v = j, relevance[j] - w
                    j += 1
                    continue
                if relevance[j] > best_v:  # the best new-category candidate
                    best_j = j
                break
            else:
                only_shown_left = True  # scanned to the end: every category left is shown
            taken[best_j] = True
            shown.add(cats[best_j])
            out.append(best_j)
        return out

    def _here(self, department: str) -> str:
        text = self._here_text.get(department)
        if text is None:
            text = self._here_text[department] = f"right here in {_title(department)}"
        return text

    def _reason(
        self, idx: int, near: bool, history: set[int], placement: Placement, strategy: str
    ) -> str:
        if idx in history:
            return "bought before"
        if strategy == "popularity":
            return f"popular in {placement.near_label}" if near else "popular in store"
        if near:
            return self._here(self.store.items[idx].department)
        if history:
            return "goes with your basket"
        return "popular right now"


def _title(text: str) -> str:
    return text.title() if text.isupper() else text
