"""Where a display's raw scores come from: the model, or popularity without one.

The model sees the shopper's recent items and the context the trainer used
(the department the display faces, the hour, the weekday; demographics are
left "unknown" on the device). Scores are cached per (history, context): every
anonymous shopper arriving in the same zone in the same hour shares one
inference, and a known shopper walking past several screens of one zone is
scored once. A bundle that excludes consumed items (no-repeat domains) also
gets the shopper's consumed set (``Session.consumed``), which is then part of
the key. An ``explore`` scorer's vector is its prior's fixed vector with the
shopper's own items written in: it is kept as that delta
(:class:`~edge.runtime.scorers.LazyScores`, ~1 kB instead of 73 kB), which the
ranker reads without the vector being built.

Without a model (none configured, or the bundle was refused) the device serves
zone popularity: the bundle-free fallback the issue asks for.
"""

from __future__ import annotations

import time
from collections.abc import Sequence
from datetime import datetime
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

import numpy as np

from edge.reco.ranker import Placement
from edge.runtime.model import Scorer
from edge.runtime.scorers import LazyScores, history_given
from edge.serving.catalogue import Catalogue
from edge.state.store import Session, StateStore

WEEKDAYS = ("Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday")


def entry_bytes(key: tuple, scores: np.ndarray | LazyScores) -> int:
    """What a score cache entry holds in memory, roughly: a vector's bytes, or for a
    :class:`LazyScores` its own items and values (the base is shared) plus the key
    (history ints and context) and the objects around them."""
    if isinstance(scores, LazyScores):
        d = scores.delta
        return 400 + d.items.nbytes + d.values.nbytes + 40 * len(key[0])
    return int(scores.nbytes)


class ScoreSource:
    """Model scores (cached) or popularity, per the policy's cold-start rule.

    ``store`` is the catalogue scored (anything with ``items`` and ``popularity``:
    a serving generation passes its :class:`~edge.serving.catalogue.Catalogue`)."""

    def __init__(
        self,
        store: Catalogue | StateStore,
        scorer: Scorer | None,
        *,
        cold_start: str = "model",
        cache_mb: float = 32.0,
    ) -> None:
        self.store = store
        self.scorer = scorer
        self.cold_start = cold_start
        # A score vector is 4 bytes per catalogue item (73 kB for 18k items):
        # bound the cache by memory, not by entries, to keep the RSS target. An entry
        # described by its delta (LazyScores: the own items and their values) costs
        # ~1 kB instead, so the same memory keeps ~50x more shoppers' scores (a cleared
        # cache is a fresh inference for every shopper seen next).
        self.cache_budget = int(cache_mb * 2**20)
        self.cache_size = max(16, self.cache_budget // max(4 * len(store.items), 1))
        """How many whole vectors the budget holds (at least 16: the cache's floor)."""
        self._cache_bytes = 0
        self._cache: dict[tuple, np.ndarray | LazyScores] = {}
        self.cache_hits = 0
        self.cache_misses = 0
        pop = store.popularity.astype(np.float32)
        top = float(pop.max()) if len(pop) and pop.max() > 0 else 1.0
        self._popularity = pop / top
        self._zone_popularity: dict[str, np.ndarray] = {}
        self._context_memo: dict[tuple, tuple[int, ...]] = {}
        self._tz = None
        self._weekday_names: str | None = None
        self._window = history_given(scorer) if scorer is not None else 0
        """The most recent items the scorer reads (``BundleScorer.history_window``: the
        model's ``history_length``, or longer where a baseline's device form counts more)."""
        self._consumed = bool(getattr(scorer, "excludes_consumed", False))
        """The scorer leaves out the shopper's consumed set (``BundleScorer.excludes_consumed``)."""
        self._delta = getattr(scorer, "score_delta", None)
        """``BundleScorer.score_delta``: a :class:`~edge.runtime.scorers.LazyScores` (the
        vector not built) when the scorer's kind allows, else None."""
        if scorer is not None:
            tz = scorer.spec.normalisation.get("timezone")
            try:
                self._tz = ZoneInfo(tz) if tz else None
            except (ZoneInfoNotFoundError, ValueError):
                self._tz = None
            for f in scorer.spec.context_fields:
                if f.name == "weekday" and any(v in WEEKDAYS for v in f.vocab):
                    self._weekday_names = "long"
                elif f.name == "weekday" and any(v in {d[:3] for d in WEEKDAYS} for v in f.vocab):
                    self._weekday_names = "short"

    @property
    def model_version(self) -> str | None:
        return self.scorer.model_version if self.scorer is not None else None

    def scores(
        self,
        session: Session | None,
        placement: Placement,
        departments: Sequence[str],
        now: float,
    ) -> tuple[np.ndarray | LazyScores, str, tuple]:
        """(scores over the catalogue, strategy, cache key) for a shopper at a placement.

        The key identifies the score vector, so the ranker can cache work done on it.
        The scores are an array, or a :class:`~edge.runtime.scorers.LazyScores` (a
        vector described by its delta, ``np.asarray`` builds it) the ranker reads as is."""
        cold = session is None or not session.history
        if self.scorer is None or (cold and self.cold_start != "model"):
            if self.cold_start == "global_popularity" and self.scorer is not None:
                return self._popularity, "popularity", ("pop",)
            return (self.zone_popularity(placement.key, placement.near), "popularity",
                    ("pop", placement.key))
        history = tuple(session.history[-self._window :]) if session else ()
        context = self.encode_context(departments, now)
        # A scorer that excludes consumed items (a no-repeat domain) gets the shopper's
        # whole consumed set, longer than the model's history; it is part of the key.
        consumed = session.consumed if self._consumed and session is not None else None
        if consumed is not None and len(consumed):
            key: tuple = (history, context, session.consumed_key)  # type: ignore[union-attr]
        else:
            key, consumed = (history, context), None
        cached = self._cache.get(key)
        if cached is not None:
            self.cache_hits += 1
            return cached, "model", key
        self.cache_misses += 1
        # A scorer that can say how its vector is made (the explore kind: a shared base
        # with the own items written in) is asked for that first: the ranker reads it
        # without the vector, which is then only built if a fallback needs it.
        scores = self._delta(history, context) if self._delta is not None and consumed is None else None
        if scores is None:
            scores = self._fresh(self.scorer.score(history, context, consumed) if consumed is not None
                                 else self.scorer.score(history, context))
            scores.setflags(write=False)  # shared by every ranking that hits the cache
        self._keep(key, scores)
        return scores, "model", key

    def _keep(self, key: tuple, scores: np.ndarray | LazyScores) -> None:
        """Cache ``scores`` under ``key``, first clearing the cache (cheap and good
        enough: the working set is small) if it would pass its memory budget."""
        cost = entry_bytes(key, scores)
        if len(self._cache) >= 16 and self._cache_bytes + cost > self.cache_budget:
            self._cache.clear()
            self._cache_bytes = 0
        self._cache[key] = scores
        self._cache_bytes += cost

    def _fresh(self, scores: np.ndarray) -> np.ndarray:
        """A vector the cache may own and mark read-only: the LiteRT scorer's output
        is a copy already (a second 73 kB copy per inference saved); any other
        scorer's may be an array it keeps (a popularity vector), so it is copied."""
        return scores if getattr(self.scorer, "fresh_output", False) else scores.copy()

    def recent_keys(self, n: int) -> list[tuple]:
        """The ``n`` cache keys inserted last, newest first (any thread: one C-level copy)."""
        try:
            keys = list(self._cache)
        except RuntimeError:  # changed size during the copy: another thread cleared it
            return []
        return keys[::-1][:n]

    def prime(self, keys: Sequence[tuple], *, budget_s: float) -> list[float]:
        """Score ``keys`` into the cache ahead of serving (a generation about to be
        swapped in), so its first signals hit instead of all missing at once.

        Not on the signal path: this source must not serve yet (one thread scores
        with it). Stops after ``budget_s``; sleeps(0) between inferences so the
        signal path gets the interpreter. Returns the seconds each inference took
        (what a signal missing that key would have waited at least)."""
        if self.scorer is None:
            return []
        deadline = time.monotonic() + budget_s
        took: list[float] = []
        for key in keys[: self.cache_size]:
            if time.monotonic() >= deadline:
                break
            history, context, *owned = key
            if len(history) > self._window:
                # Scored by a generation whose scorer read more of the history: this one
                # looks the shopper up by its own window of it.
                history = history[-self._window:]
                key = (history, context, *owned)
            if key in self._cache:
                continue
            if owned and not self._consumed:
                continue  # scored by a generation that excluded consumed items: not this one's key
            t0 = time.perf_counter()
            scores = self._delta(history, context) if self._delta is not None and not owned else None
            if scores is None:
                scores = self._fresh(self.scorer.score(history, context) if not owned else
                                     self.scorer.score(history, context, np.frombuffer(owned[0], dtype=np.int32)))
                scores.setflags(write=False)
            took.append(time.perf_counter() - t0)
            self._keep(key, scores)
            time.sleep(0)
        return took

    def zone_popularity(self, key: str, zone_mask: np.ndarray) -> np.ndarray:
        """Store popularity, with the zone's own departments ranked first."""
        pop = self._zone_popularity.get(key)
        if pop is None:
            pop = self._popularity + zone_mask.astype(np.float32)
            pop.setflags(write=False)
            self._zone_popularity[key] = pop
        return pop

    def encode_context(self, departments: Sequence[str], now: float) -> tuple[int, ...]:
        """Context indices; hour and weekday only change by the minute, so memoised per minute."""
        assert self.scorer is not None
        memo_key = (departments[0] if departments else None, int(now // 60))
        found = self._context_memo.get(memo_key)
        if found is not None:
            return found
        if len(self._context_memo) > 256:
            self._context_memo.clear()
        when = datetime.fromtimestamp(now, self._tz) if self._tz else datetime.fromtimestamp(now)
        weekday: str = str(when.weekday())
        if self._weekday_names == "long":
            weekday = WEEKDAYS[when.weekday()]
        elif self._weekday_names == "short":
            weekday = WEEKDAYS[when.weekday()][:3]
        values = {
            "department": departments[0] if departments else None,
            "hour": str(when.hour),
            "weekday": weekday,
        }
        found = self.scorer.encode_context(values)
        self._context_memo[memo_key] = found
        return found
