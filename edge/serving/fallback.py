"""The no-model fallback's catalogue: zone popularity from what the store itself has seen.

Without a model (no ``[model]``, a refused bundle, no verified OTA slot) the
device serves zone popularity (:class:`edge.reco.scores.ScoreSource`): the
items of the zone's departments first, each ranked by popularity, out-of-stock
ones filtered. That needs a catalogue. In order, the device uses:

1. **the last bundle's catalogue** stored in the state database (items,
   departments and the training window's popularity), as before;
2. **the catalogue salvaged from a database moved aside as corrupt**
   (:func:`salvage_catalogue`: the newest ``<db>.corrupt-*`` file, opened
   read-only and immutable, its ``catalogue`` table read if its pages are
   intact); it is then stored in the fresh database like a bundle's;
3. **the store's own catalogue** (:func:`learned_catalogue`), built from the
   state database: the items the tills named and priced (POS lines with a
   ``name``, kept in ``item_labels``: an item without a name and a price is
   never put on a screen), the ones sold first (popularity = transactions
   containing it among the latest :data:`MAX_TRANSACTIONS` in ``purchases``),
   then those a shelf reported (``inventory``). An item reported on a
   configured display's shelf is put in that display's department (its own
   ``departments``, else its zone's), so it ranks first in that zone. It
   grows while the device runs: :class:`StoreCatalogueLearner` looks for new
   sales and shelf reports every :data:`LEARN_EVERY_S` and the device swaps
   the rebuilt catalogue in (new items at once, popularity-only changes at
   most every :data:`RECOUNT_EVERY_S`). Nothing is invented: on a first boot
   with an empty database the lists stay empty until the first sale or shelf
   report, and fill within :data:`LEARN_EVERY_S` of it.

A learned catalogue is never stored as "the last bundle's" (a later boot
learns it again from the same tables), and a model arriving by OTA replaces it
like any other generation.
"""

from __future__ import annotations

import contextlib
import logging
import sqlite3
import time
from collections import Counter
from pathlib import Path

from edge.bundle import Item
from edge.serving.catalogue import Catalogue
from edge.store.layout import StoreLayout

log = logging.getLogger(__name__)

MAX_LEARNED_ITEMS = 20_000
"""Items in a learned catalogue at most: the best sellers, then shelf reports."""
MAX_TRANSACTIONS = 50_000
"""Latest till transactions counted for popularity (about two weeks of a busy store)."""
LEARN_EVERY_S = 2.0
"""How often the learner looks for new sales and shelf reports."""
RECOUNT_EVERY_S = 60.0
"""Popularity-only changes (no new item) are swapped in at most this often."""
SMALL_CATALOGUE = 1_000
BIG_SWAP_EVERY_S = 30.0
"""A learned catalogue of SMALL_CATALOGUE items or more takes new items at most this
often: each swap rebuilds the generation (tens of milliseconds for 20,000 items)."""
UNKNOWN_DEPARTMENT = "UNKNOWN"
"""Department of an item no configured shelf reported (sold only)."""


def _departments(layout: StoreLayout) -> dict[str, str]:
    """Display id -> the department its shelf's items belong to."""
    out: dict[str, str] = {}
    for display_id, display in layout.displays.items():
        depts = display.departments or layout.zones[display.zone].departments
        if depts:
            out[display_id] = depts[0]
    return out


class StoreCatalogueLearner:
    """Counts sales and shelf reports from the state database, incrementally.

    Reads only (its own short-lived connection): the agent's writes are never
    blocked by it. ``refresh`` returns a new catalogue when one should be swapped in."""

    def __init__(self, db_path: Path | str, layout: StoreLayout) -> None:
        self.db_path = Path(db_path)
        self.shelf_departments = _departments(layout)
        self.sales: Counter[str] = Counter()
        self.department: dict[str, str] = {}
        """Item id -> department, for items a configured shelf reported."""
        self.stocked: dict[str, float] = {}
        """Item id -> last shelf report time (items never sold still get listed)."""
        self.labels: dict[str, tuple[str, float]] = {}
        """Item id -> (name, unit price) as the tills gave them (item_labels)."""
        self._purchases_rowid = 0
        self._inventory_rowid = 0
        self._labels_rowid = 0
        self._known: set[str] = set()
        """Item ids already in (or named for) the catalogue: a new one triggers a swap."""
        self._new_items = False
        self._last_check = 0.0
        self._last_swap = 0.0
        self._served: tuple[str, ...] = ()
        self.refreshes = 0

    def _connect(self) -> sqlite3.Connection:
        return sqlite3.connect(f"file:{self.db_path}?mode=ro", uri=True, timeout=5.0)

    def load(self) -> Catalogue:
        """Read everything once (start-up) and return the catalogue to serve (empty if
        the tables cannot be read: the device still starts, and retries as it learns)."""
        try:
            self._read(initial=True)
        except sqlite3.Error as exc:
            log.warning("fallback catalogue: could not read sales and stock at start: %s", exc)
        self._new_items = False
        cat = self.catalogue()
        self._served = tuple(it.item_id for it in cat.items)
        self._last_swap = time.monotonic()
        return cat

    def _read(self, *, initial: bool = False, full_labels: bool = False) -> bool:
        """Fold new purchases, inventory rows and labels in; True if anything changed.
        Sets ``_new_items`` when an item id appears that was not known before."""
        changed = False
        known = self._known
        with contextlib.closing(self._connect()) as conn:
            if initial:
                # The latest transactions only: a bounded scan at start, whatever the history.
                rows = conn.execute(
                    "SELECT p.rid, j.value FROM (SELECT rowid AS rid, items FROM purchases ORDER BY rowid DESC "
                    "LIMIT ?) p, json_each(p.items) j WHERE json_valid(p.items)", (MAX_TRANSACTIONS,))
            else:
                rows = conn.execute(
                    "SELECT p.rowid, j.value FROM purchases p, json_each(p.items) j WHERE p.rowid > ? "
                    "AND json_valid(p.items) ORDER BY p.rowid LIMIT 200000", (self._purchases_rowid,))
            for rowid, item_id in rows:
                if isinstance(item_id, str) and item_id:
                    self.sales[item_id] += 1
                    changed = True
                self._purchases_rowid = max(self._purchases_rowid, rowid)
            for rowid, item_id, shelf, updated_at in conn.execute(
                    "SELECT rowid, item_id, shelf, updated_at FROM inventory WHERE rowid > ? ORDER BY rowid",
                    (self._inventory_rowid,)):
                self._inventory_rowid = max(self._inventory_rowid, rowid)
                if not isinstance(item_id, str) or not item_id:
                    continue
                self.stocked[item_id] = float(updated_at or 0.0)
                dept = self.shelf_departments.get(shelf) if shelf else None
                if dept is not None and self.department.get(item_id) != dept:
                    self.department[item_id] = dept
                    if item_id in known:
                        self._new_items = True  # it moves to another zone's lead: news
                changed = True
            # Names and prices (bounded by MAX_ITEM_LABELS rows): new ones as they come,
            # all again at a recount (a renamed or repriced item waits for that).
            after = 0 if full_labels else self._labels_rowid
            for rowid, item_id, name, price in conn.execute(
                    "SELECT rowid, item_id, name, price FROM item_labels WHERE rowid > ?", (after,)):
                self._labels_rowid = max(self._labels_rowid, rowid)
                if isinstance(item_id, str) and isinstance(name, str) and name and isinstance(price, (int, float)) \
                        and price > 0:
                    self.labels[item_id] = (name, float(price))
                    changed = True
        # A new item can only join the catalogue once it is named; then it is news.
        for item_id in self.labels.keys() - known:
            if item_id in self.sales or item_id in self.stocked:
                known.add(item_id)
                self._new_items = True
        if len(self.sales) > 4 * MAX_LEARNED_ITEMS:  # bound memory: keep the best sellers
            self.sales = Counter(dict(self.sales.most_common(2 * MAX_LEARNED_ITEMS)))
        return changed

    def catalogue(self) -> Catalogue:
        """Items the tills named and priced (nothing else can go on a screen): the
        best sellers first, then items a shelf reported but nobody bought yet."""
        labels = self.labels
        chosen = [i for i, _ in sorted(((i, n) for i, n in self.sales.items() if i in labels),
                                       key=lambda kv: (-kv[1], kv[0]))[:MAX_LEARNED_ITEMS]]
        if len(chosen) < MAX_LEARNED_ITEMS:
            sold = set(chosen)
            rest = sorted((i for i in self.stocked if i not in sold and i in labels),
                          key=lambda i: (-self.stocked[i], i))
            chosen += rest[: MAX_LEARNED_ITEMS - len(chosen)]
        items = []
        for item_id in chosen:
            dept = self.department.get(item_id, UNKNOWN_DEPARTMENT)
            name, price = labels[item_id]
            items.append(Item(item_id=item_id, name=name, category=dept, department=dept,
                              price=price, popularity=float(self.sales.get(item_id, 0))))
        return Catalogue(items)

    def due(self, now: float | None = None) -> bool:
        """Whether :meth:`refresh` would look at the database now."""
        now = time.monotonic() if now is None else now
        return now - self._last_check >= LEARN_EVERY_S

    def refresh(self, now: float | None = None) -> Catalogue | None:
        """A rebuilt catalogue when new items appeared (at once while the catalogue is
        small, at most every :data:`BIG_SWAP_EVERY_S` once it is large) or, at most
        every :data:`RECOUNT_EVERY_S`, when sales changed the ranking; else None.
        Cheap when nothing is new: no sort, no catalogue built."""
        now = time.monotonic() if now is None else now
        if now - self._last_check < LEARN_EVERY_S:
            return None
        self._last_check = now
        recount = now - self._last_swap >= RECOUNT_EVERY_S
        try:
            changed = self._read(full_labels=recount)
        except sqlite3.Error as exc:
            log.warning("fallback catalogue: could not read sales and stock: %s", exc)
            return None
        since = now - self._last_swap
        due = self._new_items and (len(self._served) < SMALL_CATALOGUE or since >= BIG_SWAP_EVERY_S)
        if not due and not (changed and recount):
            return None
        cat = self.catalogue()
        self._new_items = False
        self._last_swap = now
        ids = tuple(it.item_id for it in cat.items)
        if ids == self._served and not recount:
            return None
        self._served = ids
        self.refreshes += 1
        return cat


def learned_catalogue(db_path: Path | str, layout: StoreLayout) -> Catalogue:
    """The store's own catalogue from its database (see the module docstring)."""
    return StoreCatalogueLearner(db_path, layout).load()


def salvage_catalogue(moved_aside: Path | str) -> Catalogue | None:
    """The catalogue table of a database moved aside as corrupt, if it reads back whole.

    Opened read-only and immutable (the evidence is never written, its WAL is not
    replayed); any SQLite error means nothing is salvaged."""
    uri = f"file:{Path(moved_aside).resolve()}?mode=ro&immutable=1"
    try:
        with contextlib.closing(sqlite3.connect(uri, uri=True, timeout=1.0)) as conn:
            rows = conn.execute(
                "SELECT item_id, name, category, department, price, popularity FROM catalogue ORDER BY idx "
                "LIMIT 200000").fetchall()
    except sqlite3.Error as exc:
        log.warning("no catalogue salvaged from %s: %s", moved_aside, exc)
        return None
    items = []
    try:
        for r in rows:
            if not isinstance(r[0], str) or not r[0] or not all(isinstance(v, str) for v in r[1:4]):
                raise ValueError(f"damaged row {r[0]!r}")
            items.append(Item(item_id=r[0], name=r[1] or r[0], category=r[2] or UNKNOWN_DEPARTMENT,
                              department=r[3] or UNKNOWN_DEPARTMENT, price=float(r[4] or 0.0),
                              popularity=float(r[5] or 0.0)))
    except (TypeError, ValueError) as exc:  # a damaged row: trust none of it
        log.warning("no catalogue salvaged from %s: %s", moved_aside, exc)
        return None
    return Catalogue(items) if items else None
