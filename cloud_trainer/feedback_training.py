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

    python -m cloud_trainer.feedback_training report --warehouse FILE
    python -m cloud_trainer.feedback_training examples --warehouse FILE   # counts only
"""

from __future__ import annotations

import argparse
import json
from collections import defaultdict
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from cloud_trainer.dataset import PreparedData
from cloud_trainer.ingest.warehouse import SQLiteWarehouse, Warehouse

ACTION_EVENT = {"pickup": "cart", "touch": "view"}
WEIGHT_CLIP = (0.5, 2.0)


@dataclass
class FeedbackTraining:
    data: PreparedData
    negatives: pd.DataFrame
    item_weights: np.ndarray
    summary: dict[str, Any] = field(default_factory=dict)


def _user(shopper: str | None) -> str | None:
    if not shopper:
        return None
    kind, _, ident = shopper.partition(":")
    return ident if kind == "l" else f"anon:{ident}"


def _open(warehouse: Warehouse | str | Path) -> Warehouse:
    return SQLiteWarehouse(warehouse) if isinstance(warehouse, str | Path) else warehouse


def include_feedback(
    data: PreparedData,
    warehouse: Warehouse | str | Path,
    *,
    attribution_window_s: float = 3600.0,
    smoothing: float = 20.0,
) -> FeedbackTraining:
    """Fold store feedback into a PreparedData (see the module docstring)."""
    wh = _open(warehouse)
    index = {item_id: i for i, item_id in enumerate(data.items["item_id"].astype(str))}
    n_items = len(index)
    rows: list[dict[str, Any]] = []
    unknown_items = 0
    shown: dict[tuple[str, int], list[tuple[float, str | None]]] = defaultdict(list)
    taken: dict[tuple[str, int], list[float]] = defaultdict(list)
    shown_per_item = np.zeros(n_items)
    taken_per_item = np.zeros(n_items)

    for ev in wh.events():
        d = ev["data"]
        if ev["kind"] == "impression":
            user = _user(d.get("shopper"))
            for it in d.get("items", []):
                idx = index.get(str(it.get("item_id")))
                if idx is None:
                    unknown_items += 1
                    continue
                shown_per_item[idx] += 1
                if user is not None:
                    shown[(user, idx)].append((ev["ts"], ev["model_version"]))
            continue
        idx = index.get(str(d.get("item_id")))
        user = _user(d.get("shopper"))
        if idx is None:
            unknown_items += 1 if d.get("item_id") else 0
            continue
        if ev["kind"] == "conversion":
            event_type, basket = "purchase", d.get("transaction_id")
            quantity, price = float(d.get("quantity") or 1), float(d.get("price") or 0)
        else:
            event_type, basket = ACTION_EVENT.get(d.get("action"), "view"), d.get("recommendation_id")
            quantity, price = 1.0, float(data.items["price"].iloc[idx]) if "price" in data.items else 0.0
        if d.get("recommended") or ev["kind"] == "conversion":
            taken_per_item[idx] += 1
        if user is None:
            continue
        taken[(user, idx)].append(ev["ts"])
        rows.append({"user_id": user, "item_idx": idx, "timestamp": pd.to_datetime(ev["ts"], unit="s"),
                     "event_type": event_type, "quantity": quantity, "price": price,
                     "basket_id": f"fb:{basket or ev['event_id']}", "store_id": ev["store_id"]})

    negatives = []
    for (user, idx), exposures in shown.items():
        takes = taken.get((user, idx), [])
        missed = [(ts, mv) for ts, mv in exposures
                  if not any(ts <= t <= ts + attribution_window_s for t in takes)]
        if missed:
            negatives.append({"user_id": user, "item_idx": idx, "shown": len(missed),
                              "model_version": missed[-1][1]})
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


def online_metrics(warehouse: Warehouse | str | Path) -> pd.DataFrame:
    """One row per model version (``popularity`` for the fallback), side by side."""
    wh = _open(warehouse)
    acc: dict[str, dict[str, Any]] = defaultdict(lambda: {
        "impressions": 0, "shoppers": set(), "interactions": 0, "interactions_on_recommended": 0,
        "conversions": 0, "revenue": 0.0, "first_ts": None, "last_ts": None, "devices": set()})
    latest: dict[str, tuple[float, str]] = {}
    for ev in wh.events():
        version = ev["model_version"] or "popularity"
        a = acc[version]
        d = ev["data"]
        a["devices"].add(ev["device_id"])
        a["first_ts"] = ev["ts"] if a["first_ts"] is None else min(a["first_ts"], ev["ts"])
        a["last_ts"] = ev["ts"] if a["last_ts"] is None else max(a["last_ts"], ev["ts"])
        if ev["kind"] == "impression":
            a["impressions"] += 1
            if d.get("shopper"):
                a["shoppers"].add(d["shopper"])
            if ev["ts"] >= latest.get(ev["device_id"], (-1.0, ""))[0]:
                latest[ev["device_id"]] = (ev["ts"], version)
        elif ev["kind"] == "interaction":
            a["interactions"] += 1
            a["interactions_on_recommended"] += 1 if d.get("recommended") else 0
        elif ev["kind"] == "conversion":
            a["conversions"] += 1
            a["revenue"] += float(d.get("revenue") or 0.0)
    running: dict[str, int] = defaultdict(int)
    for _, version in latest.values():
        running[version] += 1
    out = []
    for version, a in sorted(acc.items()):
        imp = a["impressions"]
        out.append({
            "model_version": version,
            "devices_running": running.get(version, 0),
            "devices_seen": len(a["devices"]),
            "impressions": imp,
            "shoppers": len(a["shoppers"]),
            "interactions": a["interactions"],
            "ctr": round(a["interactions_on_recommended"] / imp, 5) if imp else None,
            "conversions": a["conversions"],
            "conversion_rate": round(a["conversions"] / imp, 5) if imp else None,
            "attributed_revenue": round(a["revenue"], 2),
            "revenue_per_1k_impressions": round(1000 * a["revenue"] / imp, 2) if imp else None,
            "first_ts": a["first_ts"],
            "last_ts": a["last_ts"],
        })
    return pd.DataFrame(out)


def _table(df: pd.DataFrame) -> str:
    cols = ["model_version", "devices_running", "impressions", "shoppers", "ctr", "conversions",
            "conversion_rate", "attributed_revenue", "revenue_per_1k_impressions"]
    if df.empty:
        return "(no feedback events)"
    return df[cols].to_string(index=False)


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(prog="python -m cloud_trainer.feedback_training", description=__doc__.split("\n")[0])
    sub = ap.add_subparsers(dest="cmd", required=True)
    rep = sub.add_parser("report", help="online metrics per model version (table, then one JSON line)")
    rep.add_argument("--warehouse", required=True, type=Path)
    ex = sub.add_parser("examples", help="what include_feedback would add, without a dataset (counts)")
    ex.add_argument("--warehouse", required=True, type=Path)
    args = ap.parse_args(argv)
    if args.cmd == "report":
        df = online_metrics(args.warehouse)
        print(_table(df))
        print(json.dumps({"online_metrics": df.to_dict(orient="records")}, default=str))
        return 0
    wh = SQLiteWarehouse(args.warehouse)
    counts: dict[str, int] = defaultdict(int)
    for ev in wh.events():
        counts[ev["kind"]] += 1
    print(json.dumps({"events": dict(counts), "streams": len(wh.streams()),
                      "open_gaps": [g.describe() for g in wh.gaps(open_only=True)]}))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
