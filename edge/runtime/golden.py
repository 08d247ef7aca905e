"""The golden-case smoke test every scorer passes before the device runs it.

The trainer records, per bundle, a few shoppers' histories and contexts with the top-K
it computed for them (``golden`` in the manifest). A scorer that gives another top-K on
this machine is not the model that was evaluated -- a wrong file, a LiteRT build that
computes differently, a scorer kind implemented differently -- and the bundle is refused.

Its own module so that :mod:`edge.runtime.model` (the TFLite scorer, which loads every
kind) and :mod:`edge.runtime.scorers` (the numpy kinds) both use it without importing
each other.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np

from edge.bundle import topk, topk_argpartition


@dataclass(frozen=True)
class SmokeResult:
    cases: int
    failures: list[str]

    @property
    def ok(self) -> bool:
        return not self.failures


def replay_golden(scorer: Any,
                  retry: Callable[[Sequence[int], tuple[int, ...]], np.ndarray] | None = None) -> SmokeResult:
    """The smoke test of any scorer with ``bundle``, ``score`` and ``encode_context``:
    each golden case's top-K against the one the trainer recorded. ``retry`` (scores
    by another rule the trainer may have used) gets a failing case once more."""
    failures = []
    for n, case in enumerate(scorer.bundle.golden):
        k = len(case.expected_topk)
        expected = list(case.expected_topk)
        context = scorer.encode_context(case.context)
        scores = scorer.score(case.history, context)
        if _gives_top_k(scores, k, expected):
            continue
        if retry is not None and _gives_top_k(retry(case.history, context), k, expected):
            continue
        failures.append(f"golden case {n}: top-{k} {topk(scores, k).tolist()} != expected {case.expected_topk}")
    return SmokeResult(cases=len(scorer.bundle.golden), failures=failures)


def _gives_top_k(scores: np.ndarray, k: int, expected: list[int]) -> bool:
    """Whether ``scores`` give the recorded top-``k``: ties can swap places under int8
    arithmetic (the same set is the same model), and bundles built before
    ``edge.bundle.topk`` broke ties at the cut by index recorded argpartition's pick."""
    return any(sorted(rule(scores, k).tolist()) == sorted(expected) for rule in (topk, topk_argpartition))
