"""A small real catalogue for signage tests: Complete Journey products named and
priced as the trainer does (product type in title case + brand; mean price paid).
Falls back to the synthetic test catalogue when the shared data is absent."""

from __future__ import annotations

import csv
from collections import defaultdict
from pathlib import Path

from edge.bundle import Item

DEPARTMENTS = ("PRODUCE", "DELI", "GROCERY", "DRUG GM")


def real_items(data: Path, per_department: int = 12) -> list[Item] | None:
    products, sales = data / "products.csv", data / "transactions_sample.csv"
    if not products.is_file() or not sales.is_file():
        return None
    paid: dict[str, list[float]] = defaultdict(lambda: [0.0, 0.0])
    with sales.open(newline="") as f:
        for row in csv.DictReader(f):
            q, v = float(row["quantity"] or 0), float(row["sales_value"] or 0)
            if q > 0 and v > 0:
                paid[row["product_id"]][0] += v
                paid[row["product_id"]][1] += q
    ranked: dict[str, list[tuple[float, Item]]] = defaultdict(list)
    with products.open(newline="") as f:
        for row in csv.DictReader(f):
            dept, pid = row["department"], row["product_id"]
            if dept not in DEPARTMENTS or pid not in paid or not row["product_type"]:
                continue
            value, qty = paid[pid]
            brand = f" ({row['brand']})" if row["brand"] else ""
            item = Item(item_id=pid, name=row["product_type"].title() + brand,
                        category=row["product_category"], department=dept, price=round(value / qty, 2),
                        popularity=qty)
            ranked[dept].append((qty, item))
    items: list[Item] = []
    for dept in DEPARTMENTS:
        items += [it for _, it in sorted(ranked[dept], key=lambda p: -p[0])[:per_department]]
    return items
