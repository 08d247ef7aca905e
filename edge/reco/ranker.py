"""From raw scores to what a display shows: the ranking pipeline.

For one display and (optionally) one shopper::

    scores (model, or popularity)       one float per catalogue item
      -> drop out-of-stock items        the store's in-stock mask
      -> drop items bought this visit   the session's basket
      -> boost items near the display   normalised score + policy.near_boost
      -> diversity re-ranking           MMR: relevance vs "another item of a category already shown"
      -> top-K with a short reason      what the screen prints under the product

Everything before MMR is vectorised over the catalogue; MMR runs on a short
candidate list (a few times K), so the cost hardly depends on catalogue size.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

from edge.bundle import topk
from edge.state.store import Session, StateStore

CANDIDATES_PER_SLOT = 5
MIN_CANDIDATES = 30


@dataclass(frozen=True)
class Ranked:
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
    """Filters, boosts and diversifies scores for a placement."""

    def __init__(
        self,
        store: StateStore,
        *,
        near_boost: float,
        diversity_weight: float,
        exclude_purchased: bool = True,
    ) -> None:
        self.store = store
        self.near_boost = float(near_boost)
        self.diversity_weight = float(diversity_weight)
        self.exclude_purchased = exclude_purchased

    def rank(
        self,
        scores: np.ndarray,
        placement: Placement,
        k: int,
        *,
        session: Session | None = None,
        strategy: str = "model",
    ) -> list[Ranked]:
        store = self.store
        valid = store.available.copy()
        if session is not None and self.exclude_purchased and session.bought:
            valid[list(session.bought)] = False
        n_valid = int(valid.sum())
        if n_valid == 0 or k <= 0:
            return []
        s = scores.astype(np.float32, copy=False)
        vs = s[valid]
        lo, hi = float(vs.min()), float(vs.max())
        rel = (s - lo) / (hi - lo) if hi > lo else np.ones_like(s)
        near = placement.near
        placed = store.placed.get(placement.key)
        if placed:
            near = near.copy()
            near[list(placed)] = True
        boosted = rel + self.near_boost * near
        boosted[~valid] = -np.inf
        cands = topk(boosted, min(max(CANDIDATES_PER_SLOT * k, MIN_CANDIDATES), n_valid))
        chosen = self._mmr(cands, boosted[cands], k)
        history = set(session.history) if session is not None else set()
        return [
            Ranked(int(i), float(boosted[i]), self._reason(int(i), bool(near[i]), history, placement, strategy))
            for i in chosen
        ]

    def _mmr(self, cands: np.ndarray, rel: np.ndarray, k: int) -> list[int]:
        """Maximal marginal relevance with "same category" as the similarity.

        Picks, k times, the candidate maximising ``(1-w)*relevance - w*similarity``
        where similarity is 1 if its category is already on the list. With w=0
        this is plain top-K.
        """
        w = self.diversity_weight
        if w <= 0 or len(cands) <= 1:
            return cands[:k].tolist()
        top = float(rel[0]) if rel[0] > 0 else 1.0
        rel = rel / top
        cats = self.store.category_codes[cands]
        taken = np.zeros(len(cands), dtype=bool)
        shown_cat = np.zeros(len(cands), dtype=bool)
        out: list[int] = []
        for _ in range(min(k, len(cands))):
            mmr = (1.0 - w) * rel - w * shown_cat
            mmr[taken] = -np.inf
            j = int(np.argmax(mmr))
            taken[j] = True
            shown_cat |= cats == cats[j]
            out.append(int(cands[j]))
        return out

    def _reason(
        self, idx: int, near: bool, history: set[int], placement: Placement, strategy: str
    ) -> str:
        item = self.store.items[idx]
        if idx in history:
            return "bought before"
        if strategy == "popularity":
            return f"popular in {placement.near_label}" if near else "popular in store"
        if near:
            return f"right here in {_title(item.department)}"
        if history:
            return "goes with your basket"
        return "popular right now"


def _title(text: str) -> str:
    return text.title() if text.isupper() else text
