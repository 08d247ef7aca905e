"""Would a store's own sales rank better than the chain's for anonymous shoppers?

An experiment, not a shipped scorer (docs/model.md, "Sales heat by store for
anonymous shoppers"). On Complete Journey's validation masked copies (known
shoppers scored as if they had not identified, judged on their first
validation basket), each list comes from the store of that basket, shrunk
toward the chain's as the context-heat scorer shrinks a group
(``(heat(item, store) + m p(item)) / (total(store) + m)``):

* ``heat``: the train window's sales heat (event weights, 14-day half-life),
  ``m`` in multiples of the median store's total;
* ``buyers``: distinct buyers per item and store (a heavy household counts
  once), ``m`` in buyers;
* ``popularity``: what ships, and the chain's distinct buyers, for reference.

    python -m benchmarks.store_heat [--data-dir ../shared/data/completejourney] [--period val|test]

The last line is one JSON object: recall@20 and ndcg@10 per list.
"""

from __future__ import annotations

import argparse
import json
import os
import time
from pathlib import Path

import numpy as np
import pandas as pd

REPO = Path(__file__).resolve().parents[1]


def _top(scores: np.ndarray, k: int = 20) -> np.ndarray:
    return np.argsort(-scores, kind="stable")[:k]


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(prog="python -m benchmarks.store_heat", description=__doc__.split("\n")[0])
    ap.add_argument("--data-dir", type=Path, default=REPO.parent / "shared" / "data" / "completejourney")
    ap.add_argument("--period", choices=("val", "test"), default="val")
    args = ap.parse_args(argv)

    from cloud_trainer.data import load_dataset
    from cloud_trainer.evaluation import evaluate
    from cloud_trainer.processing import EVENT_WEIGHTS, prepare

    started = time.perf_counter()
    raw = load_dataset("completejourney", data_dir=args.data_dir)
    data = prepare(raw)
    info = data.split_info
    val_start, test_start = pd.Timestamp(info["val_start"]), pd.Timestamp(info["test_start"])
    lo, hi, cases = ((val_start, test_start, data.val_cases) if args.period == "val" else
                     (test_start, pd.Timestamp(info["end"]) + pd.Timedelta(seconds=1), data.test_cases))
    inter = raw.interactions
    period = inter[(inter["timestamp"] >= lo) & (inter["timestamp"] < hi) & (inter["event_type"] == "purchase")]
    first_store = period.sort_values("timestamp", kind="stable").groupby("user_id")["store_id"].first()
    # Masked copies follow the known cases in the same shopper order (processing._build_cases).
    known = [c for c in cases if not c.segment.get("masked") and not c.segment.get("anonymous")]
    masked = [c for c in cases if c.segment.get("masked")]
    if len(known) != len(masked):
        raise SystemExit(f"{len(known)} known cases against {len(masked)} masked copies: not paired")
    stores = [str(first_store.get(c.user_id, "")) for c in known]

    train, n = data.train, data.num_items
    half_life = pd.Timedelta(hours=float(data.normalisation.get("heat_half_life_hours", 336.0)))
    age = ((val_start - train["timestamp"]) / half_life).to_numpy(np.float64)
    weight = train["event_type"].map(EVENT_WEIGHTS).fillna(1.0).to_numpy() * np.power(0.5, age)
    items = train["item_idx"].to_numpy()
    share = np.bincount(items, weights=weight, minlength=n)
    share /= share.sum()
    codes, names = pd.factorize(train["store_id"].astype(str).to_numpy())
    heat = np.zeros((len(names), n))
    np.add.at(heat, (codes, items), weight / weight.sum())
    pairs = train[["store_id", "item_idx", "user_id"]].astype({"store_id": str}).drop_duplicates()
    bcodes, bnames = pd.factorize(pairs["store_id"].to_numpy())
    buyers = np.zeros((len(bnames), n))
    np.add.at(buyers, (bcodes, pairs["item_idx"].to_numpy()), 1.0)
    chain_buyers = np.bincount(train[["item_idx", "user_id"]].drop_duplicates()["item_idx"].to_numpy(),
                               minlength=n).astype(np.float64)
    chain_buyers /= chain_buyers.sum()

    def lists(table: np.ndarray, index: list[str], prior: np.ndarray, m: float) -> np.ndarray:
        where = {s: i for i, s in enumerate(index)}
        totals = table.sum(axis=1)
        out = np.zeros((len(masked), 20), dtype=np.int64)
        for r, s in enumerate(stores):
            i = where.get(s)
            out[r] = _top(prior if i is None else (table[i] + m * prior) / (totals[i] + m))
        return out

    def judged(found: np.ndarray) -> dict[str, float]:
        m = evaluate(found, masked, None, ks=(10, 20))
        return {k: round(float(m[k]), 4) for k in ("recall@20", "ndcg@10")}

    typical = float(np.median(heat.sum(axis=1)))
    result: dict[str, dict[str, float]] = {
        "popularity": judged(np.tile(_top(share), (len(masked), 1))),
        "chain_buyers": judged(np.tile(_top(chain_buyers), (len(masked), 1))),
    }
    for c in (0.25, 1.0, 4.0, 16.0):
        result[f"heat m={c:g}x median store"] = judged(lists(heat, list(names), share, c * typical))
    for m in (10.0, 100.0, 1000.0, 10000.0):
        result[f"buyers m={m:g}"] = judged(lists(buyers, list(bnames), chain_buyers, m))
    for name, row in result.items():
        print(f"{name}: {row}")
    print(json.dumps({"period": args.period, "masked_shoppers": len(masked), "stores": len(set(stores)),
                      "lists": result, "seconds": round(time.perf_counter() - started, 1),
                      "load": os.getloadavg()[0]}))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
