"""What each display shows now: one record per display.

The board answers the agent's "which displays does this change affect"
questions (an item went out of stock, a shopper paid or left) and is what a
reconnect republishes (retained). Items are kept by id, not catalogue index,
so the board stays right across a generation swap.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass

from edge.reco.result import RecoResult


@dataclass(slots=True)
class Showing:
    rec: RecoResult
    item_ids: frozenset[str]
    shopper: str | None


class Board:
    def __init__(self) -> None:
        self._showing: dict[str, Showing] = {}

    def show(self, display_id: str, rec: RecoResult) -> None:
        self._showing[display_id] = Showing(rec, frozenset(rec.item_ids), rec.shopper)

    def get(self, display_id: str) -> Showing | None:
        return self._showing.get(display_id)

    def __iter__(self) -> Iterator[tuple[str, Showing]]:
        return iter(list(self._showing.items()))

    def __len__(self) -> int:
        return len(self._showing)

    def showing_item(self, item_id: str) -> list[str]:
        """Displays currently showing ``item_id``."""
        return [d for d, s in self._showing.items() if item_id in s.item_ids]

    def addressing(self, shoppers: str | set[str]) -> list[str]:
        """Displays currently addressed to one of ``shoppers`` (a key or a set of keys)."""
        keys = {shoppers} if isinstance(shoppers, str) else shoppers
        return [d for d, s in self._showing.items() if s.shopper in keys]
