"""Feedback capture: the device agent's feedback sink.

The agent calls these hooks inside the SQLite transaction of the state change
that caused the event, so both commit or neither does:

* :meth:`OutboxFeedbackSink.on_recommendation` after a recommendation is
  published: one **impression** (display, recommendation id, model version,
  items with their positions);
* :meth:`OutboxFeedbackSink.on_interaction` for a touch on a screen or a
  pickup from a shelf: one **interaction**, tied to the recommendation it
  answered when known;
* :meth:`OutboxFeedbackSink.on_rendered` for a page's render confirmation
  (proof of play, see docs/signage.md): for displays whose screens confirm
  rendering, the impression is held back in ``feedback_held`` at publish
  time and written to the outbox only when a page says it drew the list,
  with ``shown_at``. A list replaced before any page drew it never becomes an
  impression (nobody could see it): held rows older than ``HELD_S`` are
  pruned, except each display's newest (a page that reconnects draws it);
* :meth:`OutboxFeedbackSink.on_purchase` for a POS purchase: one
  **conversion** per purchased item that was shown to the same shopper within
  the attribution window (the latest such impression gets the credit).

Attribution needs to know who saw what: that is the device's recommendation
log, ``reco_log`` (recommendation, display, shopper, items, when: one row per
published list, written by :class:`edge.state.logwriter.LogWriter` in the same
transaction as the list's impression, in the order they were queued), indexed
by shopper for this (migration 7 of :data:`edge.state.store.MIGRATIONS`). A
separate ``feedback_recs`` table held the same fields a second time until
then: one more row and two more index entries per list in every log
transaction (docs/performance-log.md, "(2026-12-02 (f)) the write path"). The log
keeps its rows for the personal-data retention (at least a day), so a
conversion is found within the attribution window or that retention,
whichever is shorter. A purchase without a shopper reference cannot be
attributed to a person and makes no conversion; store-level exposure
attribution would credit every busy display and is left to the cloud, which
has all impressions.
"""

from __future__ import annotations

import json
import logging
import sqlite3
from typing import Protocol

import orjson
import sqlite_utils

from edge.comms.topics import DisplayInteraction, PosPurchase, RenderConfirmation
from edge.feedback.outbox import Outbox, _conn, create_schema
from edge.reco.result import RecoResult
from edge.state.db import atomic
from firmware_config.feedback import FeedbackConfig

log = logging.getLogger(__name__)

Db = sqlite3.Connection | sqlite_utils.Database


class FeedbackSink(Protocol):
    """Where the device agent hooks feedback capture in. Every call runs inside
    the SQLite transaction (``conn``) of the state change it describes, so an
    outbox row commits or rolls back with it:

    * ``on_interaction`` / ``on_purchase``: in the handler's transaction that
      records the interaction (session history) or the purchase (basket);
    * ``on_recommendation`` / ``on_recommendations`` (a run of them, what the
      log writer calls): in the log writer's batch transaction that writes the
      recommendations' ``reco_log`` rows, off the hot path (see
      :mod:`edge.state.logwriter`); impressions queued before an interaction or
      a purchase are written before it.

    ``on_recommendation`` gets the agent's plain :class:`RecoResult`, not the
    pydantic contract model: at 1,000 signals/s building that model per
    impression cost a sizeable share of a core.
    """

    def on_recommendation(self, conn: Db, rec: RecoResult) -> None: ...

    def on_recommendations(self, conn: Db, recs: list[RecoResult]) -> None:
        """``on_recommendation`` for each, in order (the log writer hands runs of them)."""
        ...

    def on_interaction(self, conn: Db, interaction: DisplayInteraction, display_id: str) -> None: ...

    def on_purchase(self, conn: Db, purchase: PosPurchase) -> None: ...

    def on_rendered(self, conn: Db, confirmation: RenderConfirmation, display_id: str) -> bool: ...


MAX_EXPOSURES = 500
"""Most recent impressions of one shopper that a purchase is attributed against."""
LATEST_SCAN_ROWS = 100_000
"""Newest ``reco_log`` rows an interaction without a recommendation id searches
for its display's list (a few milliseconds at worst; every display is refreshed
at start-up and at each signal in its zone, so the match is near the end)."""


class NullFeedbackSink:
    """Feedback disabled: every hook does nothing."""

    def on_recommendation(self, conn: Db, rec: RecoResult) -> None:
        return None

    def on_recommendations(self, conn: Db, recs: list[RecoResult]) -> None:
        return None

    def on_interaction(self, conn: Db, interaction: DisplayInteraction, display_id: str) -> None:
        return None

    def on_purchase(self, conn: Db, purchase: PosPurchase) -> None:
        return None

    def on_rendered(self, conn: Db, confirmation: RenderConfirmation, display_id: str) -> bool:
        return False


class OutboxFeedbackSink:
    """Writes impressions, interactions and conversions to the outbox."""

    PRUNE_EVERY = 500
    HELD_S = 60.0
    """A held list this old that is not its display's newest was replaced unseen."""

    def __init__(
        self, db: Db, device_id: str, store_id: str, config: FeedbackConfig | None = None,
        *, render_confirmed: frozenset[str] = frozenset(),
    ) -> None:
        self.config = config or FeedbackConfig()
        self.render_confirmed = render_confirmed
        """Displays whose impressions wait for a page's render confirmation."""
        self.never_shown = 0
        """Held lists pruned because no page drew them before they were replaced."""
        self.outbox = Outbox(self.config.outbox)
        conn = _conn(db)
        with atomic(conn):  # joins the caller's transaction if one is open
            self._create_tables(conn, device_id, store_id)
        self._calls = 0

    @staticmethod
    def _create_tables(conn: sqlite3.Connection, device_id: str, store_id: str) -> None:
        create_schema(conn, device_id, store_id)
        # Impressions held until a screen confirms it drew them (proof of play).
        conn.execute(
            "CREATE TABLE IF NOT EXISTS feedback_held (recommendation_id TEXT PRIMARY KEY, "
            "display_id TEXT, data TEXT NOT NULL, model_version TEXT, ts REAL NOT NULL)"
        )

    # ---- hooks ---------------------------------------------------------------------

    def on_recommendation(self, conn: Db, rec: RecoResult) -> None:
        self.on_recommendations(conn, [rec])

    def on_recommendations(self, conn: Db, recs: list[RecoResult]) -> None:
        """Impressions of a run of published lists (the log writer's, between two
        writes that read them), numbered in the outbox in one step (Outbox.add_many).
        Who saw what is each list's reco_log row, not written here (the log writer's)."""
        c = _conn(conn)
        impressions: list[tuple[dict, float | None, str | None]] = []
        for rec in recs:
            items = [{"item_id": it["item_id"], "position": it["position"], "score": round(it["score"], 6),
                      "price": it["price"]} for it in rec.items]
            cause = rec.cause
            data = {
                "recommendation_id": rec.recommendation_id, "display_id": rec.display_id, "zone": rec.zone,
                "shopper": rec.shopper, "strategy": rec.strategy,
                "cause_signal_id": cause[0] if cause else None, "items": items,
            }
            if rec.display_id in self.render_confirmed:
                c.execute("INSERT OR REPLACE INTO feedback_held VALUES (?,?,?,?,?)",
                          (rec.recommendation_id, rec.display_id, json.dumps(data), rec.model_version,
                           rec.generated_at))
            else:
                impressions.append((data, rec.generated_at, rec.model_version))
            self._maybe_prune(c, rec.generated_at)
        self.outbox.add_many(c, "impression", impressions)

    def on_interaction(self, conn: Db, interaction: DisplayInteraction, display_id: str) -> None:
        c = _conn(conn)
        _claim_write(c)
        rec = None
        if interaction.recommendation_id:
            rec = c.execute("SELECT recommendation_id, model_version, items FROM reco_log "
                            "WHERE recommendation_id = ?", (interaction.recommendation_id,)).fetchone()
        if rec is None:  # what the display showed most recently
            # Newest first by rowid (the log is appended in time order): a handful of
            # displays, so the match is near the end; the scan is bounded all the same
            # (the log holds the whole retention, no display index is paid for this).
            rec = c.execute("SELECT recommendation_id, model_version, items FROM reco_log "
                            "WHERE rowid > (SELECT max(rowid) FROM reco_log) - ? AND display_id = ? "
                            "ORDER BY rowid DESC LIMIT 1", (LATEST_SCAN_ROWS, display_id)).fetchone()
        position = None
        if rec is not None and interaction.item_id:
            shown = _ids(rec[2]) if rec[2] else []
            position = shown.index(interaction.item_id) + 1 if interaction.item_id in shown else None
        self.outbox.add(c, "interaction", {
            "signal_id": interaction.signal_id, "action": interaction.kind, "display_id": display_id,
            "item_id": interaction.item_id, "recommendation_id": rec[0] if rec else None,
            "recommended": position is not None, "position": position,
            "shopper": interaction.shopper.key if interaction.shopper else None,
        }, ts=interaction.ts, model_version=rec[1] if rec else None)

    def on_rendered(self, conn: Db, confirmation: RenderConfirmation, display_id: str) -> bool:
        """A page drew a held recommendation: its impression goes to the outbox with
        ``shown_at``. Returns False for a confirmation with nothing held (a second
        screen on the same display, a redelivery, or a display not held back)."""
        c = _conn(conn)
        row = c.execute("DELETE FROM feedback_held WHERE recommendation_id = ? "
                        "RETURNING data, model_version, ts", (confirmation.recommendation_id,)).fetchone()
        if row is None:
            return False
        data = json.loads(row[0])
        if data.get("display_id") != display_id:
            log.warning("render confirmation of %s came on display %s, not %s",
                        confirmation.recommendation_id, display_id, data.get("display_id"))
        data["shown_at"] = confirmation.shown_at
        data["shown_delay_s"] = round(confirmation.shown_at - row[2], 4)
        data["screen"] = confirmation.screen
        self.outbox.add(c, "impression", data, ts=row[2], model_version=row[1])
        return True

    def on_purchase(self, conn: Db, purchase: PosPurchase) -> None:
        if purchase.shopper is None:
            return
        c = _conn(conn)
        _claim_write(c)
        since = purchase.ts - self.config.attribution_window_s
        # What this shopper was shown in the window, newest first: at most
        # MAX_EXPOSURES lists, indexed once by item (the newest showing wins), so
        # the cost is bounded by exposures + lines, not their product (a 5,000-line
        # POS against thousands of impressions once stalled every signal for 2.7 s).
        exposures = c.execute(
            "SELECT recommendation_id, display_id, model_version, ts, items FROM reco_log "
            "WHERE shopper = ? AND ts >= ? AND ts <= ? ORDER BY ts DESC LIMIT ?",
            (purchase.shopper.key, since, purchase.ts + 1.0, MAX_EXPOSURES),
        ).fetchall()
        # Only the purchased items' newest showing is looked for: a set
        # intersection per list (C) instead of a dict entry per shown item (~11
        # lists of ~6 per purchase), and orjson for the lists (json.loads was
        # 8,655 calls per 10,000 real signals): the same hits (newest list first,
        # first position in it), ~-1.5 us per signal in the log writer's replay,
        # ~17 us per purchase (docs/performance-log.md, "(2026-12-03 (i)) the log writer").
        wanted = {line.item_id for line in purchase.items}
        last_shown: dict[str, tuple[str, str, int, str | None, float]] = {}
        for rec_id, display, version, shown_ts, items in exposures:
            if not items:
                continue
            shown = _ids(items)
            for item_id in wanted.intersection(shown):
                if item_id not in last_shown:
                    last_shown[item_id] = (rec_id, display, shown.index(item_id) + 1, version, shown_ts)
        for line in purchase.items:
            hit = last_shown.get(line.item_id)
            if hit is None:
                continue
            self.outbox.add(c, "conversion", {
                "transaction_id": purchase.transaction_id, "signal_id": purchase.signal_id,
                "item_id": line.item_id, "quantity": line.quantity, "price": line.price,
                "revenue": round(line.quantity * line.price, 4), "recommendation_id": hit[0],
                "display_id": hit[1], "position": hit[2], "impression_ts": hit[4],
                "seconds_after_impression": round(purchase.ts - hit[4], 3),
                "shopper": purchase.shopper.key, "attribution": "shopper_last_impression",
            }, ts=purchase.ts, model_version=hit[3])

    # ---- housekeeping ----------------------------------------------------------------

    def _maybe_prune(self, c: sqlite3.Connection, now: float) -> None:
        """Held lists nobody drew (every PRUNE_EVERY impressions). Exposures are
        ``reco_log`` rows, pruned with the personal-data retention
        (:meth:`edge.state.store.StateStore.prune_personal_data`)."""
        self._calls += 1
        if self._calls % self.PRUNE_EVERY or not self.render_confirmed:
            return
        # A held list that is not its display's newest and is older than HELD_S was
        # replaced before any page drew it: nobody saw it, it is not an impression.
        self.never_shown += c.execute(
            "DELETE FROM feedback_held WHERE ts < ? AND rowid NOT IN "
            "(SELECT max(rowid) FROM feedback_held GROUP BY display_id)",
            (now - self.HELD_S,)).rowcount


def _ids(text: str) -> list:
    """A ``reco_log`` item list read back: orjson (~0.5 us for a list of six where
    ``json.loads`` took ~2.5), ``json`` for what orjson refuses (a lone surrogate
    escape, which ``json.dumps`` wrote for a string that is not valid UTF-8)."""
    try:
        return orjson.loads(text)
    except orjson.JSONDecodeError:
        return json.loads(text)


def _claim_write(c: sqlite3.Connection) -> None:
    """Take the write lock before reading. In WAL mode a deferred transaction that
    reads first and writes later fails with SQLITE_BUSY_SNAPSHOT (no retry) if
    the sender committed in between; a write first makes SQLite wait instead.
    Not in an ``atomic`` ``BEGIN IMMEDIATE`` (the log writer's transactions, where
    every purchase and interaction hook runs): it holds the lock from its start,
    and the no-op update was one statement per ordered write there."""
    if c.in_transaction and not getattr(c, "write_locked", False):
        c.execute("UPDATE feedback_state SET next_seq = next_seq WHERE id = 1")


def make_sink(
    db: Db, device_id: str, store_id: str, config: FeedbackConfig | None,
    *, render_confirmed: frozenset[str] = frozenset(),
) -> FeedbackSink:
    """The sink the agent should use for this config (a no-op when disabled)."""
    if config is not None and not config.enabled:
        return NullFeedbackSink()
    return OutboxFeedbackSink(db, device_id, store_id, config, render_confirmed=render_confirmed)
