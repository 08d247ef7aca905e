"""The prepared dataset every system trains and is evaluated on.

This is the seam between data processing (``cloud_trainer.data``,
``cloud_trainer.processing``), the baselines, the neural model and the
evaluation: all of them read a :class:`PreparedData` and answer
:class:`EvalCase` queries, so every system is scored by the same code on the
same cases.

An evaluation case is what a store device knows when a shopper stands at a
screen: their recent items (none for an anonymous shopper), where they stand and
when, and their demographics if they opted in. Its targets are the items the
shopper actually bought next (in the target period), which no system sees.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Protocol

import numpy as np
import pandas as pd


@dataclass
class EvalCase:
    """One query to a recommender, with the ground truth kept aside."""

    user_id: str | None
    """None for an anonymous shopper (no history, no demographics)."""
    history: np.ndarray
    """Item indices the shopper interacted with before the target period, oldest first."""
    history_baskets: list[np.ndarray]
    """The same history grouped into baskets/sessions, oldest first (for next-basket methods)."""
    context: dict[str, str]
    """Raw context values by field name (``department``, ``hour``, ``weekday``, demographics).
    Absent keys mean unknown."""
    targets: np.ndarray
    """Unique item indices bought in the target period."""
    segment: dict[str, Any] = field(default_factory=dict)
    """Labels for sliced metrics, e.g. {"anonymous": False}."""
    num_unseen_targets: int = 0
    """Items bought in the target period that are outside the catalogue (no train
    interaction): no system can recommend them, evaluation counts them as misses."""


@dataclass
class PreparedData:
    """Encoded, split data. Item indices are positions in ``items`` (0..N-1)."""

    name: str
    items: pd.DataFrame
    """Index 0..N-1 = item index. Columns: item_id, name, category, department, brand,
    price, price_band, popularity (sales heat in the training window)."""
    users: pd.DataFrame
    """One row per known user: user_id plus demographic columns (may be empty)."""
    train: pd.DataFrame
    """Training interactions: user_id, item_idx, timestamp, event_type, quantity, price,
    basket_id, plus context columns (department, hour, weekday, demographics)."""
    val_cases: list[EvalCase]
    test_cases: list[EvalCase]
    context_fields: dict[str, list[str]]
    """Context field name -> its vocabulary of known values (unknown is implicit)."""
    fingerprint: str
    """Stable hash of the input data, recorded in the bundle manifest."""
    split_info: dict[str, Any] = field(default_factory=dict)
    normalisation: dict[str, Any] = field(default_factory=dict)
    """Constants the features were built with (time zone, price band edges, log-price
    mean/std, heat half-life...); meant for ``FeatureSpec.normalisation``."""

    @property
    def num_items(self) -> int:
        return len(self.items)


class Recommender(Protocol):
    """Anything that can be scored by :mod:`cloud_trainer.evaluation`."""

    name: str

    def fit(self, data: PreparedData) -> None: ...

    def recommend(self, cases: list[EvalCase], k: int) -> np.ndarray:
        """Top-``k`` item indices per case, best first: shape ``[len(cases), k]``."""
        ...
