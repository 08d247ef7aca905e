"""84.51 / dunnhumby "The Complete Journey" as its R package's CSVs: every
transaction line is a ``purchase``; unit price is ``sales_value / quantity``; the
basket is the session; item name from ``product_type`` and ``brand``, category
``product_category``, department ``department``; ``demographics.csv`` gives the
users. The most frequent in-store display of a product (``promotions_sample.csv``)
becomes its ``display_location`` attribute. Timestamps are stored in UTC and
converted to US Eastern store time (the hours then peak in the late afternoon, as
grocery trips do). dunnhumby's own release (``transaction_data.csv``, ...) is read by
the generic reader (:mod:`.generic`).
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import replace
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from cloud_trainer.data.frames import (
    EXPORT_SUFFIXES,
    drop_duplicate_ids,
    empty_items,
    finished,
)
from cloud_trainer.data.generic import load_generic
from cloud_trainer.data.ingest import IngestReport, RawDataset, require_rows
from cloud_trainer.data.schema import (
    Column,
    DataError,
    TableSpec,
)
from cloud_trainer.data.table import read_table

CJ_TIMEZONE = "America/New_York"


CJ_TRANSACTIONS = TableSpec(
    "transactions",
    (
        Column("household_id"),
        Column("store_id", required=False),
        Column("basket_id"),
        Column("product_id"),
        Column("quantity", "float", min_value=0.0, min_exclusive=True),
        Column("sales_value", "float", min_value=0.0),
        Column("transaction_timestamp", "timestamp", timestamp_format="%Y-%m-%d %H:%M:%S"),
    ),
)


CJ_PRODUCTS = TableSpec(
    "products",
    (
        Column("product_id"),
        Column("department", required=False),
        Column("brand", required=False),
        Column("product_category", required=False),
        Column("product_type", required=False),
        Column("package_size", required=False),
    ),
)


CJ_DEMOGRAPHICS = TableSpec("demographics", (Column("household_id"),))


DUNNHUMBY_RELEASE = ("transaction_data", "product", "hh_demographic")
"""dunnhumby's own release of The Complete Journey (Kaggle): other file names and its own
columns (``household_key``, ``DAY``, ``TRANS_TIME``), which the generic reader knows."""


def _cj_file(data_dir: Path, stems: tuple[str, ...], report: IngestReport) -> Path | None:
    """The first of ``stems`` in ``data_dir`` as a CSV, packed or not (the R package's
    full-size name before its sample's: ``transactions`` from ``get_transactions()``, then
    ``transactions_sample``); a note names any other candidate left unread beside it."""
    found = [data_dir / (stem + suffix) for stem in stems for suffix in EXPORT_SUFFIXES
             if (data_dir / (stem + suffix)).is_file()]
    if len(found) > 1:
        report.notes.append(f"{found[0]}: read; {', '.join(p.name for p in found[1:])} beside it not "
                            "(one file of each kind: the full-size name before the sample's, a plain CSV "
                            "before a packed one)")
    return found[0] if found else None


def load_completejourney(data_dir: Path) -> RawDataset:
    report = IngestReport()
    hasher = hashlib.sha256()
    tx_path = _cj_file(data_dir, ("transactions", "transactions_sample"), report)
    if tx_path is None:
        release = [data_dir / f"{stem}.csv" for stem in DUNNHUMBY_RELEASE]
        if release[0].is_file():
            raw = load_generic(*(p if p.is_file() else None for p in release))
            raw.report.notes.insert(0, f"{data_dir}: dunnhumby's own release of The Complete Journey "
                                       f"({', '.join(p.name for p in release if p.is_file())}), not the R "
                                       "package's CSVs: read as the generic schema reads it (as --dataset csv "
                                       f"--interactions {release[0]} --items ... --users ...)")
            return replace(raw, name="completejourney")
        raise DataError(f"{data_dir}: no transactions_sample.csv or transactions.csv (the completejourney R "
                        "package's tables as CSV; dunnhumby's own release has transaction_data.csv)")
    tx = read_table(tx_path, CJ_TRANSACTIONS, report, hasher=hasher)
    require_rows(tx, str(tx_path), report)

    utc = tx["transaction_timestamp"].dt.tz_localize("UTC")
    local = utc.dt.tz_convert(CJ_TIMEZONE).dt.tz_localize(None)
    inter = pd.DataFrame(
        {
            "user_id": tx["household_id"],
            "item_id": tx["product_id"],
            "timestamp": local,
            "event_type": "purchase",
            "quantity": tx["quantity"],
            "price": tx["sales_value"] / tx["quantity"],
            "store_id": tx.get("store_id", ""),
            "session_id": tx["basket_id"],
        }
    )

    products_path = _cj_file(data_dir, ("products",), report)
    if products_path is not None:
        prod = read_table(products_path, CJ_PRODUCTS, report, hasher=hasher)
        prod = drop_duplicate_ids(prod, "product_id", str(products_path), report)
        for column in CJ_PRODUCTS.columns[1:]:  # optional: a column the file lacks is unknown for all
            if column.name not in prod:
                prod[column.name] = ""
        ptype = prod["product_type"].where(prod["product_type"] != "", prod["product_category"])
        ptype = ptype.where(ptype != "", "product " + prod["product_id"])
        brand = prod["brand"]
        name = ptype.str.title() + np.where(brand != "", " (" + brand + ")", "")
        attrs = [
            {k: v for k, v in (("package_size", size), ("manufacturer_id", man)) if v}
            for size, man in zip(
                prod["package_size"],
                prod.get("manufacturer_id", pd.Series([""] * len(prod))),
                strict=True,
            )
        ]
        # the sample first, as before: the package's full table is ~21 M lines
        promotions = _cj_file(data_dir, ("promotions_sample", "promotions"), report)
        display = _cj_display_locations(promotions or data_dir / "promotions_sample.csv", hasher, report)
        for pid, attr in zip(prod["product_id"], attrs, strict=True):
            if pid in display:
                attr["display_location"] = display[pid]
        items = pd.DataFrame(
            {
                "item_id": prod["product_id"],
                "name": name,
                "category": prod["product_category"],
                "department": prod["department"],
                "brand": brand,
                "price": np.nan,
                "attributes": [json.dumps(a, sort_keys=True) for a in attrs],
            }
        )
    else:
        report.notes.append(f"{data_dir / 'products.csv'}: absent; item metadata unknown")
        items = empty_items()

    demo_path = _cj_file(data_dir, ("demographics",), report)
    if demo_path is not None:
        demo = read_table(demo_path, CJ_DEMOGRAPHICS, report, hasher=hasher)
        demo = drop_duplicate_ids(demo, "household_id", str(demo_path), report)
        users = demo.drop(columns=["_line"]).rename(columns={"household_id": "user_id"})
    else:
        report.notes.append(f"{data_dir / 'demographics.csv'}: absent; no demographics")
        users = pd.DataFrame({"user_id": pd.Series(dtype=object)})

    return finished("completejourney", inter, items, users, report, hasher, timezone=CJ_TIMEZONE)


def _cj_display_locations(
    path: Path, hasher: Any, report: IngestReport
) -> dict[str, str]:
    """Each product's most frequent in-store display (0 = none is ignored).

    This file is optional enrichment of 360k rows; it is read in bulk and its
    unparseable rows simply do not contribute.
    """
    if not path.is_file():
        report.notes.append(f"{path}: absent; no display_location attribute")
        return {}
    # In pieces: the package's full promotions table is ~21 M lines (the sample 360k).
    hasher.update(path.name.encode() + b"\0")
    with path.open("rb") as raw:
        for block in iter(lambda: raw.read(1 << 24), b""):
            hasher.update(block)  # (the same digest as the whole file at once)
    parts = []
    try:
        for promo in pd.read_csv(path, usecols=["product_id", "display_location"], dtype=str,
                                 on_bad_lines="skip", chunksize=2_000_000):
            promo = promo.dropna()
            promo = promo[promo["display_location"] != "0"]
            parts.append(promo.groupby(["product_id", "display_location"]).size())
    except (ValueError, pd.errors.ParserError) as exc:
        report.notes.append(f"{path}: not used ({exc})")
        return {}
    if not parts or not sum(len(p) for p in parts):
        return {}
    counts = pd.concat(parts).groupby(level=[0, 1]).sum().rename("n").reset_index()
    counts = counts.sort_values(["product_id", "n", "display_location"], ascending=[True, False, True])
    top = counts.drop_duplicates("product_id")
    report.notes.append(
        f"{path}: display_location attribute for {len(top)} products (most frequent non-zero display)"
    )
    return dict(zip(top["product_id"], top["display_location"], strict=True))
