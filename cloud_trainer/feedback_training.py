"""Learning from store feedback, and online metrics per model version.

Two uses of the warehouse the ingest fills (:mod:`cloud_trainer.ingest`):

**Training signal** (:func:`include_feedback`). Given the
:class:`~cloud_trainer.dataset.PreparedData` the pipeline built from the
retailer's export, it returns a :class:`FeedbackTraining`:

* ``data``: the same PreparedData with the stores' positive feedback appended to
  ``train`` as ordinary interactions (a conversion is a ``purchase``, a pickup a
  ``cart``, a touch a ``view``; loyalty shoppers keep their id, anonymous
  tracks become ``anon:<track>`` pseudo-users). Every appended row has
  ``source = "feedback"``; the original rows ``source = "export"``.
* ``negatives``: shown-but-not-taken pairs: items an identified shopper saw on
  a screen (an impression) and neither touched, picked up nor bought within
  the attribution window (``user_id, item_idx, shown, model_version``).
* ``item_weights``: one weight per catalogue item, a smoothed take-rate lift
  ``(taken + a) / (shown * base_rate + a)`` clipped to ``[0.5, 2]``: an item
  shown a lot and rarely taken is down-weighted as a training label, one taken
  more than the average shown item is up-weighted. A trainer passes
  ``item_weights[label]`` as the Keras ``sample_weight``.

**Online metrics** (:func:`online_metrics`), per model version, side by side:
impressions, shoppers reached, interactions on recommended items and
click-through (interactions on a recommended item / impressions), conversions,
conversion rate (conversions / impressions), attributed revenue and revenue
per 1,000 impressions, plus the devices currently running each version (the
version of their latest impression).

**Proof of play** (:func:`proof_of_play`): per store, device and display, the
lists published and the lists the display confirmed it rendered.

``--warehouse`` takes a storage URL (``sqlite:///wh.db`` or a path, or
``postgresql://...``); every aggregation runs as SQL in the warehouse.

    python -m cloud_trainer.feedback_training report --warehouse URL
    python -m cloud_trainer.feedback_training proof-of-play --warehouse URL [--since T] [--until T]
    python -m cloud_trainer.feedback_training examples --warehouse URL   # counts only
"""

from __future__ import annotations

import argparse
import json
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from cloud_trainer.dataset import PreparedData
from cloud_trainer.ingest.warehouse import SQLWarehouse, WarehouseError, open_warehouse

ACTION_EVENT = {"pickup": "cart", "touch": "view"}
WEIGHT_CLIP = (0.5, 2.0)


@dataclass
class FeedbackTraining:
    data: PreparedData
    negatives: pd.DataFrame
    item_weights: np.ndarray
    summary: dict[str, Any] = field(default_factory=dict)


def _open(warehouse: SQLWarehouse | str | Path) -> SQLWarehouse:
    """A warehouse object, or one opened from a storage URL / SQLite path."""
    return open_warehouse(warehouse) if isinstance(warehouse, str | Path) else warehouse


def _user_sql(wh: SQLWarehouse, shopper: str) -> str:
    """SQL for the training user of a shopper key: loyalty ``l:<id>`` keeps its id,
    any other ``<kind>:<track>`` becomes ``anon:<track>``, no shopper is NULL."""
    pos = wh.strpos(shopper, "':'")
    return (f"(CASE WHEN {shopper} IS NULL OR {shopper} = '' THEN NULL "
            f"WHEN substr({shopper}, 1, 2) = 'l:' THEN substr({shopper}, 3) "
            f"WHEN {pos} > 0 THEN 'anon:' || substr({shopper}, {pos} + 1) ELSE 'anon:' END)")


def _ctes(wh: SQLWarehouse) -> str:
    """Two row sources every training query starts from, computed by the database:
    ``imp``: one row per item slot of every impression (who saw which item, when, which model);
    ``pos``: one row per interaction/conversion with its shopper and item.
    MATERIALIZED: computed once per query (the JSON is parsed once), not per probe."""
    item = wh.jtext("item_id", "it.value")
    return (
        f"WITH imp AS MATERIALIZED (SELECT e.stream, e.seq, e.ts, e.model_version AS mv, "
        f"{_user_sql(wh, wh.jtext('shopper', 'e.data'))} AS u, {item} AS item "
        f"FROM events e, {wh.jitems('e.data')} WHERE e.kind = 'impression'), "
        f"pos AS MATERIALIZED (SELECT e.event_id, e.store_id, e.ts, e.kind, "
        f"{_user_sql(wh, wh.jtext('shopper', 'e.data'))} AS u, {wh.jtext('item_id', 'e.data')} AS item, "
        f"{wh.jtext('action', 'e.data')} AS action, {wh.jtext('transaction_id', 'e.data')} AS txn, "
        f"{wh.jtext('recommendation_id', 'e.data')} AS rec, {wh.jnum('quantity', 'e.data')} AS quantity, "
        f"{wh.jnum('price', 'e.data')} AS price, {wh.jtruthy('recommended', 'e.data')} AS recommended "
        f"FROM events e WHERE e.kind IN ('interaction', 'conversion')) ")


def include_feedback(
    data: PreparedData,
    warehouse: SQLWarehouse | str | Path,
    *,
    attribution_window_s: float = 3600.0,
    smoothing: float = 20.0,
) -> FeedbackTraining:
    """Fold store feedback into a PreparedData (see the module docstring).

    The joins and aggregations run in the warehouse (SQLite or PostgreSQL):
    per-item exposure and take counts, the shown-but-not-taken anti-join and the
    positive rows; Python only maps item ids to catalogue indices and builds the
    appended DataFrame, so memory grows with the positives, not with the events.
    """
    wh = _open(warehouse)
    index = {item_id: i for i, item_id in enumerate(data.items["item_id"].astype(str))}
    n_items = len(index)
    unknown_items = 0
    shown_per_item = np.zeros(n_items)
    taken_per_item = np.zeros(n_items)
    ctes = _ctes(wh)

    _, shown_rows = wh.query(ctes + "SELECT item, count(*) FROM imp GROUP BY item")
    for item, n in shown_rows:
        idx = index.get(str(item))
        if idx is None:
            unknown_items += int(n)
        else:
            shown_per_item[idx] += int(n)
    _, taken_rows = wh.query(ctes + "SELECT item, count(*), sum(CASE WHEN recommended = 1 OR kind = "
                             "'conversion' THEN 1 ELSE 0 END) FROM pos GROUP BY item")
    for item, n, taken in taken_rows:
        idx = index.get(str(item)) if item is not None else None
        if idx is None:
            unknown_items += int(n) if item else 0
        else:
            taken_per_item[idx] += int(taken)

    cols, pos_rows = wh.query(ctes + "SELECT event_id, store_id, ts, kind, u, item, action, txn, rec, "
                              "quantity, price FROM pos WHERE u IS NOT NULL AND item IS NOT NULL "
                              "ORDER BY ts, event_id")
    rows: list[dict[str, Any]] = []
    for event_id, store_id, ts, kind, user, item, action, txn, rec, quantity, price in pos_rows:
        idx = index.get(str(item))
        if idx is None:
            continue
        if kind == "conversion":
            event_type, basket, qty, pr = "purchase", txn, float(quantity or 1), float(price or 0)
        else:
            event_type, basket, qty = ACTION_EVENT.get(action, "view"), rec, 1.0
            pr = float(data.items["price"].iloc[idx]) if "price" in data.items else 0.0
        rows.append({"user_id": user, "item_idx": idx, "timestamp": pd.to_datetime(ts, unit="s"),
                     "event_type": event_type, "quantity": qty, "price": pr,
                     "basket_id": f"fb:{basket or event_id}", "store_id": store_id})

    # Shown but not taken: exposures of an identified shopper with no interaction or
    # conversion on that item by that shopper within the attribution window.
    _, neg_rows = wh.query(
        ctes + "SELECT u, item, count(*), max(CASE WHEN rn = 1 THEN mv END) FROM ("
        "SELECT i.u, i.item, i.mv, ROW_NUMBER() OVER (PARTITION BY i.u, i.item "
        "ORDER BY i.ts DESC, i.stream DESC, i.seq DESC) AS rn FROM imp i "
        # An anti-join written as LEFT JOIN ... IS NULL: both engines hash or index the
        # equality (u, item); SQLite ran the NOT EXISTS form as a scan per exposure.
        "LEFT JOIN pos p ON p.u = i.u AND p.item = i.item AND p.ts >= i.ts AND p.ts <= i.ts + ? "
        "WHERE i.u IS NOT NULL AND p.event_id IS NULL) AS missed GROUP BY u, item ORDER BY u, item",
        (float(attribution_window_s),))
    negatives = [{"user_id": u, "item_idx": index[str(item)], "shown": int(n), "model_version": mv}
                 for u, item, n, mv in neg_rows if str(item) in index]
    neg = pd.DataFrame(negatives, columns=["user_id", "item_idx", "shown", "model_version"])

    base = taken_per_item.sum() / max(shown_per_item.sum(), 1.0)
    weights = (taken_per_item + smoothing * base) / (shown_per_item * base + smoothing * base) \
        if base > 0 else np.ones(n_items)
    weights = np.clip(weights, *WEIGHT_CLIP).astype(np.float32)

    train = data.train.assign(source="export")
    if rows:
        new = pd.DataFrame(rows)
        ts = new["timestamp"]
        if "department" in train.columns and "department" in data.items.columns:
            new["department"] = data.items["department"].to_numpy()[new["item_idx"].to_numpy()]
        if "hour" in train.columns:
            new["hour"] = ts.dt.hour.astype(str)
        if "weekday" in train.columns:
            new["weekday"] = ts.dt.day_of_week.astype(str)
        for col in ("category", "price_band"):
            if col in train.columns and col in data.items.columns:
                new[col] = data.items[col].to_numpy()[new["item_idx"].to_numpy()]
        if "event_weight" in train.columns:
            by_type = train.groupby("event_type")["event_weight"].first().to_dict()
            new["event_weight"] = new["event_type"].map(by_type).fillna(1.0)
        new["source"] = "feedback"
        if getattr(train["timestamp"].dt, "tz", None) is not None:
            new["timestamp"] = new["timestamp"].dt.tz_localize(train["timestamp"].dt.tz)
        for col in train.columns:
            if col not in new.columns:  # demographics etc.: unknown for store shoppers
                new[col] = np.nan if pd.api.types.is_numeric_dtype(train[col]) else ""
        train = pd.concat([train, new[train.columns]], ignore_index=True)
        train["item_idx"] = train["item_idx"].astype(np.int32)

    summary = {
        "appended_rows": len(rows),
        "appended_by_type": pd.Series([r["event_type"] for r in rows]).value_counts().to_dict() if rows else {},
        "negative_pairs": len(neg),
        "negative_exposures": int(neg["shown"].sum()) if len(neg) else 0,
        "unknown_items": unknown_items,
        "base_take_rate": round(float(base), 6),
        "items_downweighted": int((weights < 1).sum()),
        "items_upweighted": int((weights > 1).sum()),
    }
    split_info = {**data.split_info, "feedback": summary}
    return FeedbackTraining(data=replace(data, train=train, split_info=split_info), negatives=neg,
                            item_weights=weights, summary=summary)


# ---- online metrics ----------------------------------------------------------------------


def online_metrics(warehouse: SQLWarehouse | str | Path) -> pd.DataFrame:
    """One row per model version (``popularity`` for the fallback), side by side.

    Two aggregate queries in the warehouse; the ratios are computed here from the
    counts so both engines round the same way.
    """
    wh = _open(warehouse)
    version = "coalesce(nullif(model_version, ''), 'popularity')"
    shopper = wh.jtext("shopper")
    _, rows = wh.query(
        f"SELECT {version} AS v, count(DISTINCT device_id), "
        "sum(CASE WHEN kind = 'impression' THEN 1 ELSE 0 END), "
        f"count(DISTINCT CASE WHEN kind = 'impression' AND {shopper} != '' THEN {shopper} END), "
        "sum(CASE WHEN kind = 'interaction' THEN 1 ELSE 0 END), "
        f"sum(CASE WHEN kind = 'interaction' THEN {wh.jtruthy('recommended')} ELSE 0 END), "
        "sum(CASE WHEN kind = 'conversion' THEN 1 ELSE 0 END), "
        f"sum(CASE WHEN kind = 'conversion' THEN coalesce({wh.jnum('revenue')}, 0) ELSE 0 END), "
        "min(ts), max(ts) FROM events GROUP BY 1 ORDER BY 1")
    # The version a device runs now: that of its latest impression.
    _, running_rows = wh.query(
        f"SELECT v, count(*) FROM (SELECT {version} AS v, ROW_NUMBER() OVER (PARTITION BY device_id "
        "ORDER BY ts DESC, stream DESC, seq DESC) AS rn FROM events WHERE kind = 'impression') AS latest "
        "WHERE rn = 1 GROUP BY v")
    running = {v: int(n) for v, n in running_rows}
    out = []
    for v, devices, imp, shoppers, inter, on_rec, conv, revenue, first_ts, last_ts in rows:
        imp, conv, revenue = int(imp), int(conv), float(revenue or 0.0)
        out.append({
            "model_version": v,
            "devices_running": running.get(v, 0),
            "devices_seen": int(devices),
            "impressions": imp,
            "shoppers": int(shoppers),
            "interactions": int(inter),
            "ctr": round(int(on_rec) / imp, 5) if imp else None,
            "conversions": conv,
            "conversion_rate": round(conv / imp, 5) if imp else None,
            "attributed_revenue": round(revenue, 2),
            "revenue_per_1k_impressions": round(1000 * revenue / imp, 2) if imp else None,
            "first_ts": float(first_ts),
            "last_ts": float(last_ts),
        })
    return pd.DataFrame(out, columns=ONLINE_COLUMNS)


ONLINE_COLUMNS = ["model_version", "devices_running", "devices_seen", "impressions", "shoppers",
                  "interactions", "ctr", "conversions", "conversion_rate", "attributed_revenue",
                  "revenue_per_1k_impressions", "first_ts", "last_ts"]
PLAY_COLUMNS = ["store_id", "device_id", "display_id", "published", "played", "play_rate",
                "item_slots_played", "first_played", "last_played"]


def proof_of_play(warehouse: SQLWarehouse | str | Path, *, since: float | None = None,
                  until: float | None = None) -> pd.DataFrame:
    """Proof of play per store, device and display, from impressions in ``[since, until)``
    (event time, epoch seconds).

    ``published``: recommendation lists sent to the display; ``played``: those the
    display confirmed it rendered (the impression's ``data.shown_at``, set by the
    signage page); ``item_slots_played``: product slots on screen summed over played
    lists; ``first_played``/``last_played``: the ``shown_at`` range. One GROUP BY in
    the warehouse.
    """
    wh = _open(warehouse)
    shown = wh.jnum("shown_at")
    where, params = ["kind = 'impression'"], []
    if since is not None:
        where.append("ts >= ?")
        params.append(float(since))
    if until is not None:
        where.append("ts < ?")
        params.append(float(until))
    _, rows = wh.query(
        f"SELECT store_id, device_id, coalesce({wh.jtext('display_id')}, '') AS display, count(*), "
        f"sum(CASE WHEN {shown} IS NOT NULL THEN 1 ELSE 0 END), "
        f"sum(CASE WHEN {shown} IS NOT NULL THEN {wh.jlen('items')} ELSE 0 END), "
        f"min({shown}), max({shown}) FROM events WHERE {' AND '.join(where)} "
        "GROUP BY store_id, device_id, display ORDER BY store_id, device_id, display", params)
    out = [{"store_id": st, "device_id": dev, "display_id": disp, "published": int(pub), "played": int(played),
            "play_rate": round(int(played) / int(pub), 5) if pub else None,
            "item_slots_played": int(slots or 0),
            "first_played": None if first is None else float(first),
            "last_played": None if last is None else float(last)}
           for st, dev, disp, pub, played, slots, first, last in rows]
    return pd.DataFrame(out, columns=PLAY_COLUMNS)


def _table(df: pd.DataFrame) -> str:
    cols = ["model_version", "devices_running", "impressions", "shoppers", "ctr", "conversions",
            "conversion_rate", "attributed_revenue", "revenue_per_1k_impressions"]
    if df.empty:
        return "(no feedback events)"
    return df[cols].to_string(index=False)


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(prog="python -m cloud_trainer.feedback_training", description=__doc__.split("\n")[0])
    sub = ap.add_subparsers(dest="cmd", required=True)
    help_wh = "storage URL: sqlite:///path/wh.db (or a path) or postgresql://user@host:port/db"
    rep = sub.add_parser("report", help="online metrics per model version (table, then one JSON line)")
    rep.add_argument("--warehouse", required=True, help=help_wh)
    play = sub.add_parser("proof-of-play", help="published vs rendered lists per display (table, then JSON)")
    play.add_argument("--warehouse", required=True, help=help_wh)
    play.add_argument("--since", type=float, help="epoch seconds (event time), inclusive")
    play.add_argument("--until", type=float, help="epoch seconds (event time), exclusive")
    ex = sub.add_parser("examples", help="what include_feedback would add, without a dataset (counts)")
    ex.add_argument("--warehouse", required=True, help=help_wh)
    args = ap.parse_args(argv)
    try:
        wh = open_warehouse(args.warehouse, must_exist=True)
    except WarehouseError as exc:
        ap.exit(2, f"{ap.prog} {args.cmd}: error: {exc}\n")
    if args.cmd == "report":
        df = online_metrics(wh)
        print(_table(df))
        print(json.dumps({"online_metrics": df.to_dict(orient="records")}, default=str))
        return 0
    if args.cmd == "proof-of-play":
        df = proof_of_play(wh, since=args.since, until=args.until)
        print("(no impressions)" if df.empty else df.to_string(index=False))
        print(json.dumps({"proof_of_play": df.to_dict(orient="records")}, default=str))
        return 0
    _, kinds = wh.query("SELECT kind, count(*) FROM events GROUP BY kind ORDER BY kind")
    print(json.dumps({"events": {k: int(n) for k, n in kinds}, "streams": len(wh.streams()),
                      "open_gaps": [g.describe() for g in wh.gaps(open_only=True)]}))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
