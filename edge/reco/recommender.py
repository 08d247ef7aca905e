"""Score, rank and describe: the list one display (or one request) gets.

The recommender is given the serving generation for each call (the agent
reads it once per signal), so a signal is scored, ranked and described by one
model and one catalogue even if a swap happens right after it.
"""

from __future__ import annotations

import time
from collections.abc import Callable

from edge.observability.registry import Registry
from edge.reco.ranker import Placement
from edge.reco.result import RecoResult
from edge.serving.generation import Generation
from edge.state.store import Session
from edge.store.layout import StoreLayout


class Recommender:
    def __init__(self, device_id: str, layout: StoreLayout, metrics: Registry,
                 clock: Callable[[], float] = time.time) -> None:
        self.device_id = device_id
        self.layout = layout
        self.metrics = metrics
        self.clock = clock
        self._seq = 0
        self._boot = f"{int(time.time() * 1000) % 10**10:x}"
        self._static: dict[int, tuple] = {}
        """Item index -> (item_id, name, category, price, department) of ``_static_of``'s
        catalogue: one small tuple per shown item instead of five attribute lookups on
        its ``Item`` (a frozen dataclass: an instance dict each, cold after an inference)."""
        self._static_of: list | None = None

    def recommend(
        self, gen: Generation, placement: Placement, session: Session | None, k: int,
        cause: tuple[str, str] | None,
    ) -> RecoResult:
        now = self.clock()
        t0 = time.perf_counter_ns()
        items = gen.catalogue.items
        self._seq += 1
        if not items:
            # Nothing to recommend from (no model and no stored catalogue): an
            # empty list, published like any other, rather than a crash.
            return RecoResult(
                recommendation_id=f"{self.device_id}-{self._boot}-{self._seq}", display_id=placement.key,
                zone=placement.zone, cause=cause, shopper=session.key if session is not None else None,
                model_version=None, strategy="popularity", generated_at=now, items=[])
        departments = self.layout.departments(placement.key, placement.zone)
        scores, strategy, key = gen.scores.scores(session, placement, departments, now)
        t1 = time.perf_counter_ns()
        ranked = gen.ranker.rank(scores, placement, k, session=session, strategy=strategy, key=key)
        static = self._static
        if self._static_of is not items:  # another generation's catalogue
            static.clear()
            self._static_of = items
        elif len(static) > 4096:
            static.clear()
        shown = []
        for pos, (index, score, reason) in enumerate(ranked, start=1):
            st = static.get(index)
            if st is None:
                it = items[index]
                st = static[index] = (it.item_id, it.name, it.category, it.price, it.department)
            shown.append({"item_id": st[0], "name": st[1], "category": st[2], "price": st[3],
                          "score": round(score, 4), "position": pos, "reason": reason,
                          "department": st[4]})
        rec = RecoResult(
            recommendation_id=f"{self.device_id}-{self._boot}-{self._seq}",
            display_id=placement.key,
            zone=placement.zone,
            cause=cause,
            shopper=session.key if session is not None else None,
            model_version=gen.model_version if strategy == "model" else None,
            strategy=strategy,
            generated_at=now,
            items=shown,
        )
        t2 = time.perf_counter_ns()
        stage = self.metrics.stage_ns
        stage["score"] += t1 - t0
        stage["rank"] += t2 - t1
        return rec
