"""The catalogue a model scores: items in the model's index order, and the
vectors derived from them once (category / department codes, popularity).

A catalogue belongs to a serving generation (``items.json`` ships in the
bundle): a new bundle may add, drop or reorder items, so anything indexed by
catalogue position (stock masks, session histories, planogram sets) is
re-indexed with :func:`remap` when a generation is swapped in. State keyed by
item id (the SQLite tables) never needs that.
"""

from __future__ import annotations

import hashlib
import json
import sqlite3
from collections.abc import Sequence

import numpy as np

from edge.bundle import Item


class Catalogue:
    """Items by index, plus the arrays the hot path reads (built once, read-only)."""

    def __init__(self, items: Sequence[Item]) -> None:
        self.items: list[Item] = list(items)
        self.index: dict[str, int] = {item.item_id: i for i, item in enumerate(self.items)}
        self.categories, self.category_codes = _codes([it.category for it in self.items])
        self.departments, self.department_codes = _codes([it.department for it in self.items])
        self.popularity = np.array([it.popularity for it in self.items], dtype=np.float32)
        self._rows: list[tuple] | None = None
        self._fingerprint: str | None = None

    def __len__(self) -> int:
        return len(self.items)

    @property
    def empty(self) -> bool:
        return not self.items

    def hot_fields(self) -> dict[str, object]:
        """What a catalogue-shaped reader (the store, a ranker's view) mirrors as
        plain attributes: the ranker reads them per signal, where a property costs."""
        return {"items": self.items, "index": self.index,
                "categories": self.categories, "category_codes": self.category_codes,
                "departments": self.departments, "department_codes": self.department_codes,
                "popularity": self.popularity}

    # ---- persistence: the device database keeps the last catalogue served ----

    def rows(self) -> list[tuple]:
        if self._rows is None:
            self._rows = [
                (it.item_id, i, it.name, it.category, it.department, it.price, it.popularity)
                for i, it in enumerate(self.items)
            ]
        return self._rows

    @property
    def fingerprint(self) -> str:
        """sha256 over the rows. Hashed row by row: one ``json.dumps`` of a whole
        catalogue holds the GIL for its whole run (measured 0.7 s for 18k items on
        a loaded machine), and this also runs on the OTA thread while signals are
        served; between rows the signal path gets the interpreter."""
        if self._fingerprint is None:
            h = hashlib.sha256()
            for row in self.rows():
                h.update(json.dumps(row).encode())
            self._fingerprint = h.hexdigest()
        return self._fingerprint

    def same_items(self, other: Catalogue) -> bool:
        """The same items in the same order (what the stock arrays and sessions are indexed by)."""
        return other is self or (len(other) == len(self) and other.items == self.items)

    @classmethod
    def stored(cls, conn: sqlite3.Connection) -> Catalogue:
        """The catalogue last saved in the device database (empty on a fresh one)."""
        return cls([
            Item(item_id=r[0], name=r[1], category=r[2], department=r[3], price=r[4], popularity=r[5])
            for r in conn.execute(
                "SELECT item_id, name, category, department, price, popularity FROM catalogue ORDER BY idx")
        ])

    def save(self, conn: sqlite3.Connection) -> bool:
        """Record this catalogue (logs and the outbox join on it), in the caller's
        transaction. Skipped when the stored one is the same: rewriting 20k rows
        cost a quarter of a second of start-up (measured). Returns whether it wrote."""
        found = conn.execute("SELECT value FROM meta WHERE key='catalogue'").fetchone()
        if found is not None and found[0] == self.fingerprint:
            return False
        conn.execute("DELETE FROM catalogue")
        conn.executemany(
            "INSERT INTO catalogue(item_id, idx, name, category, department, price, popularity) "
            "VALUES (?,?,?,?,?,?,?)", self.rows())
        conn.execute("INSERT OR REPLACE INTO meta(key, value) VALUES ('catalogue', ?)", (self.fingerprint,))
        return True


def remap(old: Catalogue, new: Catalogue) -> np.ndarray:
    """``m[i]`` = the index in ``new`` of ``old``'s item ``i``, or -1 if it left the catalogue."""
    index = new.index
    return np.fromiter((index.get(it.item_id, -1) for it in old.items), dtype=np.int64, count=len(old))


def _codes(values: Sequence[str]) -> tuple[list[str], np.ndarray]:
    """Distinct values and an int code per entry (for vectorised category checks)."""
    distinct: dict[str, int] = {}
    codes = np.array([distinct.setdefault(v, len(distinct)) for v in values], dtype=np.int32)
    return list(distinct), codes
