"""A serving generation: everything derived from one model bundle, swapped as one object.

One :class:`Generation` holds the loaded scorer (or None: popularity), its
catalogue (``items.json``: items, index, category/department codes,
popularity), the feature spec (through the scorer), the score cache
(:class:`edge.reco.ScoreSource`), the ranker and its caches, and the
placement of every display (department masks are over the catalogue).

What is *not* in it survives a swap: stock, planogram and sessions live in
:class:`edge.state.StateStore`, durable by item id; their in-memory arrays are
re-indexed into the new catalogue at the swap (:meth:`StateStore.rebind`, with
the old -> new index map computed here, ahead, off the signal path).

Building a generation (load + verify the bundle, golden smoke test, catalogue
arrays, placements) takes from milliseconds to seconds; it
runs on any thread (:class:`BackgroundBuild`) while the old generation keeps
serving. The swap itself (``Device.swap``) is a re-index of the store plus one
reference assignment, under the agent's lock, between two signals: the agent
reads ``self.generation`` once per signal, so a signal is served entirely by
one generation.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from edge.reco.ranker import Placement, Ranker
from edge.reco.scores import ScoreSource
from edge.runtime.model import Scorer, load_scorer
from edge.serving.catalogue import Catalogue, remap
from edge.state.store import StateStore
from edge.store.layout import StoreLayout
from firmware_config.schema import PolicyConfig

log = logging.getLogger(__name__)


class RankerView:
    """What a generation's :class:`Ranker` reads: its own catalogue, the store's live stock.

    The ranker derives per-item arrays from ``items`` when it is built (fit to
    show, display-name codes), so it must see the *new* catalogue while the
    store is still bound to the old one; stock and placements it reads per
    signal from the store, which the swap has re-indexed by then."""

    items: list
    category_codes: np.ndarray

    def __init__(self, catalogue: Catalogue, store: StateStore) -> None:
        self._store = store
        self.__dict__.update(catalogue.hot_fields())

    @property
    def available(self) -> np.ndarray:
        return self._store.available

    @property
    def placed(self) -> dict[str, set[int]]:
        return self._store.placed

    @property
    def placed_version(self) -> int:
        return self._store.placed_version


@dataclass(eq=False)
class Generation:
    """The model and everything derived from it; read-only once built (caches aside)."""

    scorer: Scorer | None
    catalogue: Catalogue
    scores: ScoreSource
    ranker: Ranker
    placements: dict[str, Placement]
    source: str | None = None
    """Where the model came from (bundle path), None without one."""
    base: Catalogue | None = None
    """The catalogue served when this generation was built; ``mapping`` goes from it to ours."""
    mapping: np.ndarray | None = None
    built_s: float = 0.0
    """Seconds the build took (load, smoke test, caches)."""
    built_at: float = field(default_factory=time.time)

    @property
    def model_version(self) -> str | None:
        return self.scorer.model_version if self.scorer is not None else None

    @property
    def spec(self):
        """The bundle's feature spec (None without a model)."""
        return self.scorer.spec if self.scorer is not None else None

    def describe(self) -> dict:
        return {"version": self.model_version, "items": len(self.catalogue), "source": self.source,
                "strategy": "model" if self.scorer is not None else "popularity",
                "built_s": round(self.built_s, 3)}


def build_generation(
    scorer: Scorer | None,
    catalogue: Catalogue,
    *,
    store: StateStore,
    layout: StoreLayout,
    policy: PolicyConfig,
    source: str | None = None,
    previous: Generation | None = None,
) -> Generation:
    """A generation over an already loaded scorer (or none) and its catalogue.

    ``store`` provides stock and planogram to the ranker (read at ranking time,
    after the swap has bound the store to ``catalogue``). ``previous`` (the
    serving generation): when it has the same catalogue, its ranker's per-item
    arrays are shared instead of derived again."""
    t0 = time.perf_counter()
    base = store.catalogue
    if catalogue is not base and catalogue.same_items(base):
        # The same items.json (the usual model update): share the serving
        # catalogue, so the swap re-indexes nothing.
        catalogue = base
    mapping = remap(base, catalogue) if base is not catalogue else None
    scores = ScoreSource(catalogue, scorer, cold_start=policy.cold_start)
    view = RankerView(catalogue, store)
    like = previous.ranker if previous is not None and previous.catalogue is catalogue else None
    ranker = Ranker(view, near_boost=policy.near_boost, diversity_weight=policy.diversity_weight,  # type: ignore[arg-type]
                    exclude_purchased=policy.exclude_purchased, like=like)
    placements = layout.placements(catalogue)
    return Generation(scorer=scorer, catalogue=catalogue, scores=scores, ranker=ranker,
                      placements=placements, source=source, base=base, mapping=mapping,
                      built_s=time.perf_counter() - t0)


def load_generation(
    bundle_path: Path | str,
    *,
    store: StateStore,
    layout: StoreLayout,
    policy: PolicyConfig,
    smoke_test: bool = True,
    loader: Callable[..., Scorer] = load_scorer,
) -> Generation:
    """Load, verify and smoke-test a bundle, then build its generation.

    Raises :class:`edge.bundle.BundleError` (with the reason) for a bundle that
    must not serve; the caller keeps serving its current generation."""
    t0 = time.perf_counter()
    scorer = loader(Path(bundle_path), smoke_test=smoke_test)
    gen = build_generation(scorer, Catalogue(scorer.bundle.items), store=store, layout=layout,
                           policy=policy, source=str(bundle_path))
    gen.built_s = time.perf_counter() - t0
    log.info("generation %s built in %.3fs (%d items)", gen.model_version, gen.built_s, len(gen.catalogue))
    return gen


def warm_scores(new: Generation, old: Generation, *, max_keys: int = 256, budget_s: float = 1.0) -> list[float]:
    """Fill ``new``'s score cache with the keys ``old``'s cache holds (newest first),
    before ``new`` serves: after a swap every signal would otherwise miss at once and
    queue behind fresh inferences (what made p99 during swaps ~3x the steady one).

    Only when a key means the same thing to both: the same catalogue (history
    items are catalogue indices) and the same feature spec (context indices).
    Bounded by ``budget_s``. Returns the seconds of each inference made: OTA
    probation judges them like signals, since a warm cache would otherwise hide a
    slow model from it (a small store's working set can fit in the cache)."""
    if new.scorer is None or old.scorer is None or new.catalogue is not old.catalogue:
        return []
    if new.scorer.spec.to_json() != old.scorer.spec.to_json():
        return []
    return new.scores.prime(old.scores.recent_keys(max_keys), budget_s=budget_s)


class BackgroundBuild:
    """Runs a generation build on its own thread; the device keeps serving meanwhile.

    ::

        build = BackgroundBuild(lambda: device.load_generation(path)).start()
        new = build.wait(60)           # raises what the build raised (BundleError...)
        old = device.swap(new)
    """

    def __init__(self, build: Callable[[], Generation], name: str = "generation-build") -> None:
        self._build = build
        self.result: Generation | None = None
        self.error: BaseException | None = None
        self.done = threading.Event()
        self._thread = threading.Thread(target=self._run, name=name, daemon=True)

    def start(self) -> BackgroundBuild:
        self._thread.start()
        return self

    def _run(self) -> None:
        try:
            self.result = self._build()
        except BaseException as exc:  # handed to whoever waits
            self.error = exc
        finally:
            self.done.set()

    def wait(self, timeout: float | None = None) -> Generation:
        if not self.done.wait(timeout):
            raise TimeoutError(f"generation build still running after {timeout}s")
        if self.error is not None:
            raise self.error
        assert self.result is not None
        return self.result
