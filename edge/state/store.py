"""The device's local state: catalogue, stock, planogram, shopper sessions, logs.

Two copies, each for what it is good at:

* **In memory**, shaped for the hot path: numpy arrays over the catalogue (an
  in-stock mask, category codes, popularity) and a dict of live sessions. A
  signal reads and updates these only; nothing on the way to a screen waits
  for the disk.
* **SQLite** (through sqlite-utils, WAL, ``synchronous=NORMAL``) is the durable
  record the device restarts from and that the feedback outbox will share.

Durability, per kind of write:

* inventory and POS purchases are committed as they arrive (QoS 1 facts the
  store cares about; a purchase commits in the same transaction as the
  feedback hook, see :meth:`StateStore.transaction`);
* session changes are buffered and committed by :meth:`StateStore.flush`,
  which the agent calls about twice a second; the recommendation log (and
  impression feedback) is written by :class:`edge.state.logwriter.LogWriter`
  every 0.1 s on its own connection. A power cut can lose the last half
  second of session changes and log rows, never stock or purchases. ``synchronous=NORMAL`` in WAL mode means a committed transaction
  survives a process crash; an OS crash can lose the last commits, not corrupt
  the file.

Unknown stock counts as available: a device that has not yet heard from a
shelf must still recommend. An item is hidden once a shelf reports fewer units
than the policy's ``min_stock``.
"""

from __future__ import annotations

import heapq
import json
import sqlite3
import threading
import time
from collections.abc import Callable, Hashable, Iterable, Sequence
from contextlib import AbstractContextManager
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import sqlite_utils

from edge.bundle import MAX_SCORER_HISTORY, Item
from edge.serving.catalogue import Catalogue, remap
from edge.state import db
from edge.state.db import Migration

UNKNOWN_STOCK = -1
MAX_FOREIGN_STOCK = 50_000
"""Items outside the serving catalogue whose stock is kept (a later model may carry them)."""
RECO_LOG_PRUNE_BATCH = 2_000
"""reco_log rows examined per pruning transaction (a few milliseconds of write lock)."""
MAX_ITEM_LABELS = 100_000
"""Item names and prices kept from the tills (made-up ids beyond this are not stored)."""
MAX_SESSIONS = 20_000
"""Live sessions kept at most (least recently seen go first): a store has
hundreds of shoppers at once, a flood of made-up ids has no end."""
HISTORY_KEEP = MAX_SCORER_HISTORY
"""Most recent items kept per shopper (500), whatever the serving bundle reads: the
model reads its ``history_length`` (100 for Complete Journey's, whose repeat gate
ranks the shopper's own items in it), a baseline's device form may read up to
``MAX_SCORER_HISTORY`` (``"history"``: the baselines count the whole history), and
``edge.reco.scores.ScoreSource`` gives the scorer its ``history_window`` of them. One
length for every bundle, so a swap to a bundle that reads less and back (an OTA
probation, a rollback) loses nothing, in memory or in ``shopper_history``. It was 100
until 2026-12-05 (w). Memory: a list of up to 500 references to the store's own index
ints, ~3.1 kB more per full session than at 100 (the cap's 20,000 sessions all full:
88 against 27 MB, measured; a store's few hundred live shoppers: about 1 MB)."""
CONSUMED_KEEP = 2000
"""Most recent distinct items kept per shopper as *consumed* (never recommended again),
only while the serving bundle excludes them (``exclude_history``: a domain where nothing
repeats). Longer than HISTORY_KEEP because exclusion must cover the whole history the
cloud's baselines exclude. It was 500 until 2026-12-03 (k): on a MovieLens-shaped
export (1M ratings, 6,040 shoppers, 406 of 5,831 test shoppers above 500, the most
1,927) the items of heavy raters beyond the 500th came back at the head of every list,
and on validation TIFU-KNN's device form fell from ndcg@10 0.1435 (everything excluded)
to 0.1249, the model's test ndcg@10 from 0.1309 to 0.1164. Bounded all the same: 8 kB
per shopper at the cap as int32 (the score cache's key is the same buffer, not a
copy), 2.4 MB for 300 shoppers in the store; the worst case, MAX_SESSIONS sessions all
at the cap (forty million attributed purchases or pickups), measured +158 MB RSS over
the same sessions without consumed sets (their 100-item histories: +85 MB).
Beyond it the oldest items become recommendable again; the trainer evaluates the
shipped scorer with the same cap (``consumed_items``) and reports how many shoppers
exceed it."""


SIGNAL_IDS_KEPT_S = 2 * 86_400.0
"""How long recorded interaction signal ids are kept: longer than the broker keeps an
absent device's session (edge.comms.mqtt.SESSION_EXPIRY_S, a day), so nothing it can
resend after a restart is counted twice."""
SCHEMA_COMPONENT = "device_state"


def consumed_items(items: Iterable[int] | np.ndarray, keep: int = CONSUMED_KEEP) -> np.ndarray:
    """The ``keep`` most recently consumed distinct items of ``items`` (oldest first),
    as int32: what a device holds as a shopper's consumed set after seeing ``items``
    in order (the trainer evaluates the shipped scorer with it)."""
    arr = np.asarray(items if isinstance(items, np.ndarray) else list(items), dtype=np.int64)
    if not len(arr):
        return np.zeros(0, dtype=np.int32)
    rev = arr[::-1]
    _, first = np.unique(rev, return_index=True)  # last occurrence of each item
    latest = rev[np.sort(first)][:keep]
    return latest[::-1].astype(np.int32)


def _history_as_item_ids(conn: sqlite3.Connection) -> None:
    """Session histories and baskets were stored as catalogue indices; indices
    change with the catalogue, item ids do not."""
    ids = dict(conn.execute("SELECT idx, item_id FROM catalogue").fetchall())
    rows = conn.execute("SELECT key, history, bought FROM sessions").fetchall()
    for key, history, bought in rows:
        conv = [[ids[i] if isinstance(i, int) else i for i in json.loads(v or "[]")
                 if not isinstance(i, int) or i in ids] for v in (history, bought)]
        conn.execute("UPDATE sessions SET history=?, bought=? WHERE key=?",
                     (json.dumps(conv[0]), json.dumps(conv[1]), key))


MIGRATIONS = [
    # IF NOT EXISTS: databases written before migrations were recorded already have these.
    Migration(1, "catalogue, stock, planogram, sessions, purchases, log", """
        CREATE TABLE IF NOT EXISTS catalogue (item_id TEXT PRIMARY KEY, idx INTEGER, name TEXT,
            category TEXT, department TEXT, price REAL, popularity REAL);
        CREATE TABLE IF NOT EXISTS meta (key TEXT PRIMARY KEY, value TEXT);
        CREATE TABLE IF NOT EXISTS inventory (item_id TEXT PRIMARY KEY, quantity INTEGER, shelf TEXT,
            updated_at REAL);
        CREATE TABLE IF NOT EXISTS planogram (display_id TEXT, item_id TEXT, source TEXT, updated_at REAL,
            PRIMARY KEY (display_id, item_id));
        CREATE TABLE IF NOT EXISTS sessions (key TEXT PRIMARY KEY, loyalty_id TEXT, track_id TEXT, zone TEXT,
            started_at REAL, last_seen REAL, history TEXT, bought TEXT);
        CREATE TABLE IF NOT EXISTS shopper_history (loyalty_id TEXT PRIMARY KEY, items TEXT, updated_at REAL);
        CREATE TABLE IF NOT EXISTS purchases (transaction_id TEXT PRIMARY KEY, ts REAL, shopper TEXT, items TEXT);
        CREATE TABLE IF NOT EXISTS reco_log (recommendation_id TEXT PRIMARY KEY, ts REAL, display_id TEXT,
            zone TEXT, shopper TEXT, cause_signal_id TEXT, cause_topic TEXT, strategy TEXT, model_version TEXT,
            items TEXT);
        CREATE INDEX IF NOT EXISTS idx_reco_log_display_id_ts ON reco_log (display_id, ts);
    """),
    Migration(2, "session histories and baskets as item ids", _history_as_item_ids),
    # Interactions carry no natural key like a POS transaction id: their signal ids are
    # recorded so a redelivery after a restart (the broker resends what was not acked)
    # is not a second event. Pruned after SIGNAL_IDS_KEPT_S (StateStore.prune_signals).
    Migration(3, "signal ids of recorded interactions", """
        CREATE TABLE IF NOT EXISTS signals_seen (kind TEXT, signal_id TEXT, ts REAL,
            PRIMARY KEY (kind, signal_id)) WITHOUT ROWID;
        CREATE INDEX IF NOT EXISTS idx_signals_seen_ts ON signals_seen (ts);
    """),
    # What the tills call an item and charge for it: the catalogue of a device serving
    # without a model (edge.serving.fallback) lists only items it can name and price.
    Migration(4, "item names and prices from the tills", """
        CREATE TABLE IF NOT EXISTS item_labels (item_id TEXT PRIMARY KEY, name TEXT NOT NULL,
            price REAL NOT NULL, updated_at REAL);
    """),
    # A shopper's consumed set (item ids, JSON), kept only while the serving bundle
    # excludes consumed items (Session.consumed); NULL otherwise.
    Migration(5, "consumed items per session and per loyalty member", """
        ALTER TABLE sessions ADD COLUMN consumed TEXT;
        ALTER TABLE shopper_history ADD COLUMN consumed TEXT;
    """),
    # Nothing reads reco_log by display (pruning walks rowids, attribution reads
    # feedback_recs), and the index cost the log writer ~8 of the ~44 pages each
    # of its transactions wrote to the WAL (8 displays: a leaf page each).
    Migration(6, "drop the reco_log display index nothing reads", """
        DROP INDEX IF EXISTS idx_reco_log_display_id_ts;
    """),
    # Feedback attribution reads what a shopper was shown from reco_log itself
    # (edge.feedback.capture): feedback_recs held the same six fields of every
    # published list a second time, one more row, table and id index per list in
    # every log transaction. Its rows are all in reco_log already (each impression
    # had its log row, in the same transaction): dropping it loses nothing.
    Migration(7, "reco_log is the exposure index of feedback attribution; feedback_recs dropped", """
        CREATE INDEX IF NOT EXISTS idx_reco_log_shopper_ts ON reco_log (shopper, ts) WHERE shopper IS NOT NULL;
        DROP TABLE IF EXISTS feedback_recs;
    """),
]
"""The device database's schema, in order (edge.state.db.migrate applies what is missing)."""


@dataclass
class Session:
    """One shopper's visit: where they are, what they looked at and bought."""

    key: str
    loyalty_id: str | None
    track_id: str | None
    started_at: float
    last_seen: float
    zone: str | None = None
    history: list[int] = field(default_factory=list)
    """Item indices into the serving catalogue, oldest first: previous purchases of a
    known shopper, then this visit's. Re-indexed by :meth:`StateStore.rebind` when a
    new catalogue is swapped in; stored on disk as item ids."""
    bought: set[int] = field(default_factory=set)
    """Item indices bought in this visit (hidden from recommendations)."""
    version: int = 0
    """Bumped when ``history`` changes; part of the score cache key."""
    consumed: np.ndarray | None = None
    """Distinct item indices the shopper bought or picked up, oldest first (int32, at
    most CONSUMED_KEEP): never recommended again while the serving bundle excludes
    consumed items; None while it does not (nothing kept). A known shopper's set
    outlives their visit (``shopper_history.consumed``)."""
    consumed_dirty: bool = False
    """``consumed`` changed since the last flush (the session row rewrites it)."""
    _consumed_key: bytes | None = field(default=None, repr=False)

    @property
    def anonymous(self) -> bool:
        return self.loyalty_id is None

    def add_history(self, items: Iterable[int]) -> None:
        """Append ``items`` (a repeat of the last item is not appended again), keeping
        the HISTORY_KEEP most recent."""
        items = list(items)
        added = False
        for idx in items:
            if self.history and self.history[-1] == idx:
                continue
            self.history.append(idx)
            added = True
        if added:
            del self.history[:-HISTORY_KEEP]
            self.version += 1
        if self.consumed is not None and items:
            self.consume(items)

    def consume(self, items: Sequence[int]) -> None:
        """Add ``items`` to the consumed set (an item consumed again moves to the
        recent end; the oldest fall off beyond CONSUMED_KEEP)."""
        assert self.consumed is not None
        new = np.fromiter(dict.fromkeys(items), dtype=np.int32)
        old = self.consumed
        if len(old):
            old = old[~np.isin(old, new)]
        self.consumed = np.concatenate((old, new))[-CONSUMED_KEEP:]
        self.consumed_dirty = True
        self._consumed_key = None

    @property
    def consumed_key(self) -> bytes:
        """The consumed set as bytes (part of the score cache key while it is kept)."""
        if self._consumed_key is None:
            if self.consumed is None:
                self._consumed_key = b""
            else:
                # The key is the set itself (a generation priming its cache rebuilds the set
                # from it), and the array becomes a view of the same buffer: at the cap the
                # set is 8 kB per session, and it is held once, not twice.
                self._consumed_key = self.consumed.tobytes()
                self.consumed = np.frombuffer(self._consumed_key, dtype=np.int32)
        return self._consumed_key


class MaybeStored:
    """Keys that may be on disk (a Bloom filter, two bits per key): ``key in this``
    is False only for a key never added, so a caller asks SQLite only when it is True.

    The agent's worker checks every POS transaction id and every interaction signal
    id against the database before it accepts one (a redelivery after a restart must
    not count twice); nearly all are new, and each read cost the worker 33-59 us of
    thread CPU in process against 4-6 us for this check (``benchmarks.handle_cpu
    --traffic real``, the two alternated per check, load 2.0-2.9) and ~100 us of wall
    time (the read releases the GIL: another thread runs before the worker gets it
    back), on ~13 % of real traffic's signals (docs/performance-log.md, "(2026-12-03 (h)) the
    worker"). Filled from the table when the store opens and by the store's
    own writers before they queue a row, so a row on disk was added before it was
    committed. 2**23 bits (1 MB): ~4 % false positives (an exact read, as before) at
    a million keys. Python's ``hash`` is fixed for the life of the process, which is
    the filter's."""

    SHIFT = 23
    BITS = 1 << SHIFT
    MASK = BITS - 1

    def __init__(self, keys: Iterable[Hashable] = ()) -> None:
        self._bits = bytearray(self.BITS >> 3)
        self._lock = threading.Lock()  # adds come from more than one thread: no lost bit
        # :meth:`_pair` and the bit setting of :meth:`add` written out: the store
        # fills this from every stored row at open (1M generated keys: 0.54 s of CPU
        # through two calls per key, 0.40 s like this; 2026-12-03, load 1.1).
        bits, mask, shift, n = self._bits, self.MASK, self.SHIFT, 0
        for key in keys:  # nobody else has it yet: no lock
            h = hash(key)
            i, j = h & mask, (h >> shift) & mask
            bits[i >> 3] |= 1 << (i & 7)
            bits[j >> 3] |= 1 << (j & 7)
            n += 1
        self.count = n

    def _pair(self, key: Hashable) -> tuple[int, int]:
        """The key's two bits: its hash's low :data:`SHIFT` bits and the next ones."""
        h = hash(key)
        return h & self.MASK, (h >> self.SHIFT) & self.MASK

    def add(self, key: Hashable) -> None:
        i, j = self._pair(key)
        with self._lock:
            self._bits[i >> 3] |= 1 << (i & 7)
            self._bits[j >> 3] |= 1 << (j & 7)
            self.count += 1

    def __contains__(self, key: Hashable) -> bool:
        i, j = self._pair(key)
        bits = self._bits
        return bool(bits[i >> 3] >> (i & 7) & 1 and bits[j >> 3] >> (j & 7) & 1)


class StateStore:
    """Inventory, planogram and sessions: arrays in memory, SQLite on disk.

    The catalogue itself belongs to the serving generation
    (:class:`edge.serving.catalogue.Catalogue`); the store keeps its hot arrays
    (stock mask, placed items, session histories) indexed by the catalogue it is
    bound to, mirrors that catalogue's fields (``items``, ``index``, codes,
    popularity) for the ranker, and re-indexes everything by item id when
    :meth:`rebind` binds it to another one. Nothing here is lost by a swap.
    """

    # Mirrored from the bound catalogue (Catalogue.hot_fields), re-set by rebind.
    catalogue: Catalogue
    items: list[Item]
    index: dict[str, int]
    categories: list[str]
    category_codes: np.ndarray
    departments: list[str]
    department_codes: np.ndarray
    popularity: np.ndarray

    def __init__(
        self,
        db_path: Path | str,
        items: Sequence[Item] | Catalogue | None,
        *,
        min_stock: int = 1,
        session_ttl_s: float = 1800.0,
        keep_consumed: bool = False,
    ) -> None:
        self.db_path = Path(db_path)
        # One thread at a time touches the store (the agent serialises), but
        # not always the same thread (worker vs housekeeping): db.connect allows that.
        conn = db.connect(db_path)
        # No sqlite-utils plugins on a device: scanning entry points for them
        # cost ~0.1 s of start-up (measured).
        self.db = sqlite_utils.Database(conn, execute_plugins=False)
        self.conn = conn
        self.min_stock = min_stock
        self.session_ttl_s = session_ttl_s
        self.schema_version = db.migrate(conn, SCHEMA_COMPONENT, MIGRATIONS)
        self.max_sessions = MAX_SESSIONS
        self.consumed_on = keep_consumed
        """Whether sessions keep a consumed set (the serving bundle excludes consumed
        items, :meth:`keep_consumed`)."""
        self.sessions_evicted = 0
        """Sessions forgotten for the cap before their TTL."""
        self.unknown_items = 0
        """Inventory messages for items outside the catalogue not stored (over MAX_FOREIGN_STOCK)."""
        self._foreign_stock: set[str] | None = None
        self._labels_n: int | None = None
        """Rows in item_labels (counted once, then kept up to date)."""

        if items is None:
            # No model loaded: serve the catalogue of the last bundle that was.
            catalogue = Catalogue.stored(conn)
            fresh_catalogue = False
        else:
            catalogue = items if isinstance(items, Catalogue) else Catalogue(items)
            fresh_catalogue = True
        self._bind(catalogue)
        n = len(catalogue)
        self.quantity = np.full(n, UNKNOWN_STOCK, dtype=np.int64)
        self.available = np.ones(n, dtype=bool)
        """The hot-path stock filter: True where an item may be recommended."""
        self.placed: dict[str, set[int]] = {}
        """Display id -> item indices a shelf reported placed at it (from inventory.shelf)."""
        self.placed_version = 0
        """Bumped when ``placed`` changes (invalidates the ranker's near-item caches)."""
        self.sessions: dict[str, Session] = {}
        self._dirty_sessions: set[str] = set()
        self._ended_sessions: set[str] = set()
        self._flush_conn: sqlite3.Connection | None = None
        self._flush_lock = threading.Lock()
        if fresh_catalogue:
            self._save_catalogue()
        self._load_inventory()
        self._load_sessions()
        # What the duplicate checks may find on disk (see MaybeStored): ~0.5 s per
        # million stored rows at start, instead of a read per POS and interaction.
        self._purchases_stored = MaybeStored(r[0] for r in conn.execute("SELECT transaction_id FROM purchases"))
        self._signals_stored = MaybeStored(tuple(r) for r in conn.execute("SELECT kind, signal_id FROM signals_seen"))

    def _bind(self, catalogue: Catalogue) -> None:
        """Mirror the catalogue's fields as plain attributes (the ranker reads them per signal)."""
        self.catalogue = catalogue
        self.__dict__.update(catalogue.hot_fields())

    def rebind(self, catalogue: Catalogue, mapping: np.ndarray | None = None) -> None:
        """Re-index stock, planogram and sessions into ``catalogue`` (a generation swap).

        ``mapping`` is :func:`edge.serving.catalogue.remap` from the bound
        catalogue (computed ahead, off the signal path, by the generation
        builder). Stock and placements of items new to this catalogue are read
        from SQLite; history and baskets keep every item the new catalogue still
        has. Call under the agent's lock, between two signals."""
        old = self.catalogue
        if catalogue is old:
            return
        if mapping is None or len(mapping) != len(old):
            mapping = remap(old, catalogue)
        n = len(catalogue)
        kept = mapping >= 0
        quantity = np.full(n, UNKNOWN_STOCK, dtype=np.int64)
        quantity[mapping[kept]] = self.quantity[kept]
        placed: dict[str, set[int]] = {}
        m = mapping.tolist()
        for display_id, idxs in self.placed.items():
            moved = {m[i] for i in idxs if m[i] >= 0}
            if moved:
                placed[display_id] = moved
        for s in self.sessions.values():
            s.history = [m[i] for i in s.history if 0 <= i < len(m) and m[i] >= 0]
            s.bought = {m[i] for i in s.bought if 0 <= i < len(m) and m[i] >= 0}
            s.version += 1
            if s.consumed is not None and len(s.consumed):
                moved_c = mapping[s.consumed]
                s.consumed = moved_c[moved_c >= 0].astype(np.int32)
                s._consumed_key = None
        self._bind(catalogue)
        self.quantity = quantity
        self.available = (quantity == UNKNOWN_STOCK) | (quantity >= self.min_stock)
        self.placed = placed
        if int(kept.sum()) < n:  # items new to this catalogue: their stock may be on disk
            fresh = set(catalogue.index) - {old.items[i].item_id for i in np.flatnonzero(kept)}
            self._load_inventory(only=fresh)
        self.placed_version += 1

    # ---- schema and start-up ------------------------------------------------

    def _save_catalogue(self) -> None:
        """Record the bound catalogue (so logs and the outbox can join on it)."""
        with self.transaction() as conn:
            self.catalogue.save(conn)

    def _load_inventory(self, only: set[str] | None = None) -> None:
        for item_id, qty in self.conn.execute("SELECT item_id, quantity FROM inventory"):
            idx = self.index.get(item_id)
            if idx is not None and (only is None or item_id in only):
                self._set_quantity(idx, int(qty))
        for display_id, item_id in self.conn.execute("SELECT display_id, item_id FROM planogram"):
            idx = self.index.get(item_id)
            if idx is not None and (only is None or item_id in only):
                self.placed.setdefault(display_id, set()).add(idx)

    def _load_sessions(self) -> None:
        """Resume live sessions after a restart (expired ones are dropped on the next sweep)."""
        for row in self.db["sessions"].rows:
            s = self.sessions[row["key"]] = Session(
                key=row["key"], loyalty_id=row["loyalty_id"], track_id=row["track_id"],
                started_at=row["started_at"], last_seen=row["last_seen"], zone=row["zone"],
                history=self._indices(json.loads(row["history"] or "[]")),
                bought=set(self._indices(json.loads(row["bought"] or "[]"))),
            )
            if self.consumed_on:
                s.consumed = self._consumed_from(row["consumed"], s.history)

    def _consumed_from(self, stored: str | None, history: list[int]) -> np.ndarray:
        """A consumed set from its stored item ids; without one (written while nothing
        was kept), the history stands in: the most the device knows."""
        if not stored:
            return consumed_items(history)
        return consumed_items(self._indices(json.loads(stored)))

    def keep_consumed(self, on: bool) -> None:
        """Keep (or stop keeping) a consumed set per shopper: on while the serving
        bundle excludes consumed items. Switched on, live sessions start from their
        history (their stored sets are read when they next arrive); switched off,
        the sets are dropped (the memory, and the personal data on the next writes).
        Call under the agent's lock (a swap)."""
        if on == self.consumed_on:
            return
        self.consumed_on = on
        for s in self.sessions.values():
            s.consumed = consumed_items(s.history) if on else None
            s.consumed_dirty = True
            s._consumed_key = None
            self._dirty_sessions.add(s.key)

    def _indices(self, stored: list) -> list[int]:
        """Catalogue indices of stored items: item ids (what is written now), or
        bare indices from databases written before ids were stored (kept if in range)."""
        n, index = len(self.items), self.index
        out = []
        for v in stored:
            if isinstance(v, str):
                i = index.get(v)
                if i is not None:
                    out.append(i)
            elif isinstance(v, int) and 0 <= v < n:
                out.append(v)
        return out

    # ---- transactions -------------------------------------------------------

    def transaction(self) -> AbstractContextManager[sqlite3.Connection]:
        """One SQLite transaction (:func:`edge.state.db.atomic`); the feedback hooks
        run inside it so a state change and its feedback event commit (or roll
        back) together, and a nested call joins it."""
        return db.atomic(self.conn)

    # ---- inventory ----------------------------------------------------------

    def _set_quantity(self, idx: int, quantity: int) -> bool:
        """Update stock; True when the item's availability flipped."""
        self.quantity[idx] = quantity
        now_available = quantity == UNKNOWN_STOCK or quantity >= self.min_stock
        flipped = bool(self.available[idx]) != now_available
        self.available[idx] = now_available
        return flipped

    def update_inventory(
        self, item_id: str, quantity: int, shelf: str | None, ts: float, conn: sqlite3.Connection
    ) -> tuple[int | None, bool]:
        """Record a shelf count. Returns (item index or None if not in the catalogue,
        whether its availability flipped). Must run inside :meth:`transaction`.
        (:meth:`stage_inventory` + its write, in the caller's transaction.)"""
        idx, flipped, write = self.stage_inventory(item_id, quantity, shelf, ts)
        if write is not None:
            write(conn)
        return idx, flipped

    def stage_inventory(
        self, item_id: str, quantity: int, shelf: str | None, ts: float
    ) -> tuple[int | None, bool, Callable[[sqlite3.Connection], None] | None]:
        """A shelf count in memory now, on disk by the returned write (run it in a
        transaction: the agent hands it to the log writer, one writer thread,
        and acknowledges the signal once it committed). Returns (item index or
        None if not in the catalogue, whether its availability flipped, the
        write or None when nothing is stored).

        Stock of an item outside the catalogue is kept too (the next model may
        carry it), but only for MAX_FOREIGN_STOCK such items: the table is bounded
        by the catalogue plus that, not by the ids senders make up (the rest are
        counted in ``unknown_items``, not stored)."""
        idx = self.index.get(item_id)
        if idx is None and not self._admit_foreign(item_id):
            self.unknown_items += 1
            return None, False, None
        placed = False
        if idx is not None and shelf is not None and idx not in self.placed.get(shelf, ()):
            self.placed.setdefault(shelf, set()).add(idx)
            self.placed_version += 1
            placed = True

        def write(conn: sqlite3.Connection) -> None:
            conn.execute(
                "INSERT INTO inventory(item_id, quantity, shelf, updated_at) VALUES (?,?,?,?) "
                "ON CONFLICT(item_id) DO UPDATE SET quantity=excluded.quantity, "
                "shelf=coalesce(excluded.shelf, inventory.shelf), updated_at=excluded.updated_at",
                (item_id, quantity, shelf, ts),
            )
            if placed:
                conn.execute(
                    "INSERT OR REPLACE INTO planogram(display_id, item_id, source, updated_at) "
                    "VALUES (?,?,?,?)",
                    (shelf, item_id, "shelf", ts),
                )

        if idx is None:
            return None, False, write
        return idx, self._set_quantity(idx, quantity), write

    def record_labels(self, labels: Sequence[tuple[str, str, float]], ts: float, conn: sqlite3.Connection) -> None:
        """Remember (item id, name, unit price) from a till, in the caller's transaction.
        Bounded to MAX_ITEM_LABELS items: an id already known is updated, a new one is
        stored while there is room (senders can make ids up)."""
        if not labels:
            return
        if self._labels_n is None:
            self._labels_n = conn.execute("SELECT count(*) FROM item_labels").fetchone()[0]
        for item_id, name, price in labels:
            updated = conn.execute("UPDATE item_labels SET name=?, price=?, updated_at=? WHERE item_id=?",
                                   (name, price, ts, item_id)).rowcount
            if not updated and self._labels_n < MAX_ITEM_LABELS:
                conn.execute("INSERT INTO item_labels(item_id, name, price, updated_at) VALUES (?,?,?,?)",
                             (item_id, name, price, ts))
                self._labels_n += 1

    def _admit_foreign(self, item_id: str) -> bool:
        """Whether stock of this non-catalogue item may be stored (see update_inventory)."""
        if self._foreign_stock is None:
            self._foreign_stock = {r[0] for r in self.conn.execute("SELECT item_id FROM inventory")
                                   if r[0] not in self.index}
        if item_id in self._foreign_stock:
            return True
        if len(self._foreign_stock) >= MAX_FOREIGN_STOCK:
            return False
        self._foreign_stock.add(item_id)
        return True

    # ---- sessions -----------------------------------------------------------

    def session(
        self, key: str, *, loyalty_id: str | None, track_id: str | None, now: float
    ) -> Session:
        """The live session for a shopper, started if new (a known shopper's
        earlier purchases seed its history, so the model knows them)."""
        s = self.sessions.get(key)
        if s is None:
            history: list[int] = []
            consumed: np.ndarray | None = None
            if loyalty_id:
                history, stored = self._loyalty_row(loyalty_id)
                if self.consumed_on:
                    consumed = self._consumed_from(stored, history)
            elif self.consumed_on:
                consumed = np.zeros(0, dtype=np.int32)
            s = Session(key=key, loyalty_id=loyalty_id, track_id=track_id, started_at=now,
                        last_seen=now, history=history, version=1, consumed=consumed,
                        consumed_dirty=consumed is not None and len(consumed) > 0)
            self.sessions[key] = s
            self._ended_sessions.discard(key)
        else:
            s.last_seen = max(s.last_seen, now)
            if track_id and s.track_id != track_id:
                s.track_id = track_id
        self._dirty_sessions.add(key)
        return s

    def touch(self, session: Session) -> None:
        self._dirty_sessions.add(session.key)

    def loyalty_history(self, loyalty_id: str) -> list[int]:
        return self._loyalty_row(loyalty_id)[0]

    def _loyalty_row(self, loyalty_id: str) -> tuple[list[int], str | None]:
        """A member's stored recent items (catalogue indices) and consumed set (item ids, JSON)."""
        row = self.conn.execute(
            "SELECT items, consumed FROM shopper_history WHERE loyalty_id=?", (loyalty_id,)
        ).fetchone()
        if row is None:
            return [], None
        return [self.index[i] for i in json.loads(row[0]) if i in self.index], row[1]

    def record_purchase(
        self, transaction_id: str, session: Session | None, item_ids: Sequence[str], ts: float,
        conn: sqlite3.Connection,
    ) -> list[int] | None:
        """Record a till transaction once, in the caller's transaction. Returns the
        catalogue indices bought, or None when this transaction was already
        recorded (a QoS 1 redelivery). (:meth:`stage_purchase` + its write.)"""
        if self.purchase_recorded(transaction_id, conn):
            return None
        bought, write = self.stage_purchase(transaction_id, session, item_ids, ts)
        write(conn)
        return bought

    def purchase_recorded(self, transaction_id: str, conn: sqlite3.Connection | None = None) -> bool:
        """Whether this till transaction is on disk already (a redelivery after a
        restart): a read, no write lock (WAL), for the agent's worker; ``conn``: read
        inside the caller's transaction instead."""
        if transaction_id not in self._purchases_stored:  # never staged nor on disk at start
            return False
        return (conn or self.conn).execute("SELECT 1 FROM purchases WHERE transaction_id=?",
                                           (transaction_id,)).fetchone() is not None

    def stage_purchase(
        self, transaction_id: str, session: Session | None, item_ids: Sequence[str], ts: float,
    ) -> tuple[list[int], Callable[[sqlite3.Connection], bool]]:
        """A till transaction in memory now (the session's basket and history), on
        disk by the returned write, which the agent hands to the log writer (one
        writer thread, in order after the impressions queued before it: what the
        purchase is attributed to). The write returns False, and stores nothing,
        when the transaction is on disk already (a redelivery whose first copy
        was still queued). Returns (catalogue indices bought, the write).

        :meth:`record_purchase` is the same in the caller's transaction."""
        self._purchases_stored.add(transaction_id)  # before its row can be on disk
        bought = [self.index[i] for i in item_ids if i in self.index]
        key = session.key if session else None
        loyalty_id = None
        known: list[str] = []
        consumed: list[str] | None = None
        if session is not None:
            session.bought.update(bought)
            session.add_history(bought)
            self._dirty_sessions.add(session.key)
            if session.loyalty_id:
                loyalty_id = session.loyalty_id
                # Item ids now (the history moves on); their JSON on the writer's thread.
                known = [self.items[i].item_id for i in session.history[-HISTORY_KEEP:]]
                # The consumed set rides along only while it is kept (else NULL: not stored).
                if session.consumed is not None:
                    consumed = [self.items[i].item_id for i in session.consumed.tolist()]
        lines = list(item_ids)

        def write(conn: sqlite3.Connection) -> bool:
            cur = conn.execute(
                "INSERT OR IGNORE INTO purchases(transaction_id, ts, shopper, items) VALUES (?,?,?,?)",
                (transaction_id, ts, key, json.dumps(lines)),
            )
            if cur.rowcount == 0:
                return False
            if loyalty_id:
                conn.execute(
                    "INSERT OR REPLACE INTO shopper_history(loyalty_id, items, updated_at, consumed) "
                    "VALUES (?,?,?,?)",
                    (loyalty_id, json.dumps(known), ts, json.dumps(consumed) if consumed is not None else None),
                )
            return True

        return bought, write

    def expire_sessions(self, now: float) -> list[Session]:
        """Forget sessions idle for longer than the TTL, and the least recently
        seen beyond ``max_sessions`` (a flood of made-up shoppers must not grow
        memory and the sessions table); returns them."""
        cutoff = now - self.session_ttl_s
        gone = [s for s in self.sessions.values() if s.last_seen < cutoff]
        over = len(self.sessions) - len(gone) - self.max_sessions
        if over > 0:
            expired = {s.key for s in gone}
            live = (s for s in self.sessions.values() if s.key not in expired)
            gone += heapq.nsmallest(over, live, key=lambda s: s.last_seen)
            self.sessions_evicted += over
        for s in gone:
            del self.sessions[s.key]
            self._dirty_sessions.discard(s.key)
            self._ended_sessions.add(s.key)
        return gone

    # ---- batched durability -----------------------------------------------------

    def pending(self) -> int:
        return len(self._dirty_sessions) + len(self._ended_sessions)

    def take_pending(self) -> tuple[list[tuple], list[str]]:
        """Snapshot buffered session changes as rows (call under the agent's lock).

        Separate from :meth:`write_pending` so the agent can release its lock
        before touching SQLite: the write may wait for the log writer's batch
        transaction, and a signal must never wait behind that.
        """
        dirty = [self.sessions[k] for k in self._dirty_sessions if k in self.sessions]
        # Copies of the index lists only: turning them into item-id JSON took 1-6 ms
        # per flush at 1,000 signals/s (100-200 dirty sessions), up to 40 ms on a
        # loaded box, with every arriving signal waiting on the agent's lock.
        # write_pending encodes them off the lock.
        items = self.items
        rows = [
            (s.key, s.loyalty_id, s.track_id, s.zone, s.started_at, s.last_seen,
             (s.history.copy(), items), (list(s.bought), items),
             self._take_consumed(s, items))
            for s in dirty
        ]
        ended = list(self._ended_sessions)
        self._dirty_sessions.clear()
        self._ended_sessions.clear()
        return rows, ended

    def write_pending(self, pending: tuple[list[tuple], list[str]]) -> int:
        """Commit a :meth:`take_pending` snapshot on the flush connection; returns rows written."""
        rows, ended = pending
        if not rows and not ended:
            return 0
        # Index lists and consumed sets taken under the agent's lock become item-id
        # JSON here (item ids, not indices, on disk: a restart with another catalogue
        # keeps them).
        rows = [(*r[:6], _ids_json(r[6]), _ids_json(r[7], sort=True), _consumed_json(r[8])) for r in rows]
        with self._flush_lock, db.atomic(self._flush_connection()) as conn:
            # An unchanged consumed set (NULL here) keeps the stored one: sessions are
            # rewritten on every position, the set only when it changed ('' clears it).
            conn.executemany(
                "INSERT INTO sessions(key, loyalty_id, track_id, zone, started_at, "
                "last_seen, history, bought, consumed) VALUES (?,?,?,?,?,?,?,?,?) "
                "ON CONFLICT(key) DO UPDATE SET loyalty_id=excluded.loyalty_id, "
                "track_id=excluded.track_id, zone=excluded.zone, started_at=excluded.started_at, "
                "last_seen=excluded.last_seen, history=excluded.history, bought=excluded.bought, "
                "consumed=nullif(coalesce(excluded.consumed, sessions.consumed), '')",
                rows,
            )
            conn.executemany("DELETE FROM sessions WHERE key=?", [(k,) for k in ended])
        return len(rows) + len(ended)

    @staticmethod
    def _take_consumed(s: Session, items: list[Item]) -> tuple[np.ndarray, list[Item]] | str | None:
        """A changed consumed set as (array copy, the catalogue's items) for
        :meth:`write_pending` to encode off the agent's lock; None when unchanged,
        '' when it is no longer kept (the stored one is cleared)."""
        if not s.consumed_dirty:
            return None
        s.consumed_dirty = False
        if s.consumed is None:
            return ""
        return s.consumed.copy(), items

    def prune_personal_data(self, now: float, retention_s: float) -> dict[str, int]:
        """Forget personal data older than ``retention_s``: a loyalty member's stored
        history is deleted, a logged purchase keeps its items (and its transaction id,
        which de-duplicates redelivered tills) but loses its shopper key, and the
        recommendation log's rows (each names the shopper it addressed) are deleted.
        Runs on the flush connection, like the session writes, off the signal path."""
        cutoff = now - retention_s
        with self._flush_lock:
            conn = self._flush_connection()
            with db.atomic(conn):  # the writer lock too: the log writer and the agent wait, never fail
                history = conn.execute("DELETE FROM shopper_history WHERE updated_at < ?", (cutoff,)).rowcount
                purchases = conn.execute(
                    "UPDATE purchases SET shopper = NULL WHERE ts < ? AND shopper IS NOT NULL", (cutoff,)
                ).rowcount
            logged = self._prune_reco_log(conn, cutoff)
        return {"history": history, "purchases": purchases, "reco_log": logged}

    def _prune_reco_log(self, conn: sqlite3.Connection, cutoff: float) -> int:
        """Delete ``reco_log`` rows (each names the shopper it addressed) older than ``cutoff``.

        The log is appended in time order, so it is walked from its oldest rowid in
        windows of RECO_LOG_PRUNE_BATCH rows, one short transaction each (the log
        writer needs the same write lock), until a window holds no row past the
        retention. No index on ``ts`` is paid on the log writer's inserts for it."""
        deleted = 0
        cursor = 0
        while True:
            window = conn.execute("SELECT max(rowid), min(ts) FROM (SELECT rowid, ts FROM reco_log WHERE rowid > ? "
                                  "ORDER BY rowid LIMIT ?)", (cursor, RECO_LOG_PRUNE_BATCH)).fetchone()
            if window[0] is None or window[1] is None or window[1] >= cutoff:
                return deleted
            with db.atomic(conn):
                deleted += conn.execute(
                    "DELETE FROM reco_log WHERE rowid > ? AND rowid <= ? AND ts < ?",
                    (cursor, window[0], cutoff)).rowcount
            cursor = window[0]
            time.sleep(0.005)  # let the log writer's batch in between windows

    def claim_signal(self, kind: str, signal_id: str, now: float, conn: sqlite3.Connection) -> bool:
        """Record ``signal_id`` in the caller's transaction; False if it was recorded
        before (a redelivery or replay, also across restarts: the caller skips it)."""
        self._signals_stored.add((kind, signal_id))  # before its row can be on disk
        return conn.execute("INSERT OR IGNORE INTO signals_seen(kind, signal_id, ts) VALUES (?,?,?)",
                            (kind, signal_id, now)).rowcount == 1

    def signal_claimed(self, kind: str, signal_id: str) -> bool:
        """Whether ``signal_id`` is on disk as recorded (a read, no write lock: the
        worker's check before it queues the claim with :meth:`claim_signal`)."""
        if (kind, signal_id) not in self._signals_stored:  # never claimed nor on disk at start
            return False
        return self.conn.execute("SELECT 1 FROM signals_seen WHERE kind=? AND signal_id=?",
                                 (kind, signal_id)).fetchone() is not None

    def prune_signals(self, now: float, keep_s: float = SIGNAL_IDS_KEPT_S) -> int:
        """Forget recorded signal ids older than ``keep_s`` (on the flush connection)."""
        with self._flush_lock, db.atomic(self._flush_connection()) as conn:
            return conn.execute("DELETE FROM signals_seen WHERE ts < ?", (now - keep_s,)).rowcount

    def flush(self) -> int:
        """Commit buffered session changes in one transaction; returns rows written."""
        return self.write_pending(self.take_pending())

    def _flush_connection(self) -> sqlite3.Connection:
        if str(self.db_path) == ":memory:":
            return self.conn  # an in-memory database exists on one connection only
        if self._flush_conn is None:
            self._flush_conn = db.connect(self.db_path)
        return self._flush_conn

    def close(self) -> None:
        self.flush()
        if self._flush_conn is not None:
            self._flush_conn.close()
        self.conn.close()


def _ids_json(taken: tuple[list[int], list[Item]], *, sort: bool = False) -> str:
    indices, items = taken
    ids = [items[i].item_id for i in indices]
    return json.dumps(sorted(ids) if sort else ids)


def _consumed_json(taken: tuple[np.ndarray, list[Item]] | str | None) -> str | None:
    if taken is None or isinstance(taken, str):
        return taken
    arr, items = taken
    return _ids_json((arr.tolist(), items))
