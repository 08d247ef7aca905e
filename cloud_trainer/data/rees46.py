"""REES46 e-commerce events, a folder of monthly files: ``event_time`` in UTC, the
``category_code`` ``a.b.c`` gives department ``a`` and category ``a.b.c``
(``category_id`` when the code is empty), ``user_session`` is the session, the
catalogue is derived from the events themselves.
"""

from __future__ import annotations

import hashlib
import json
from pathlib import Path

import numpy as np
import pandas as pd

from cloud_trainer.data.frames import EXPORT_SUFFIXES, finished
from cloud_trainer.data.ingest import IngestReport, RawDataset, require_rows
from cloud_trainer.data.sampling import ShopperSample
from cloud_trainer.data.schema import (
    UNKNOWN_TEXT,
    Column,
    DataError,
    MissingColumns,
    TableSpec,
)
from cloud_trainer.data.table import read_table

REES46_EVENTS = TableSpec(
    "events",
    (
        Column("event_time", "timestamp", timestamp_format="%Y-%m-%d %H:%M:%S UTC"),
        Column("event_type", "enum", choices=("view", "cart", "purchase")),
        Column("product_id"),
        Column("category_id", required=False),
        Column("category_code", required=False),
        Column("brand", required=False),
        # No lower bound: a negative price (REES46's cosmetics shop has some) leaves the
        # event without a price rather than out (load_rees46).
        Column("price", "float", required=False),
        Column("user_id"),
        Column("user_session", required=False),
    ),
)


# ----------------------------------------------------------------------- REES46


def _rees46_files(data_dir: Path, report: IngestReport) -> list[Path]:
    """The event files of ``data_dir``; where a month is there both unpacked and packed,
    the unpacked file only (reading both would count every event twice), with a note.
    macOS's ``._`` files (resource forks it writes beside each file on a shared drive)
    are no data."""
    try:
        files = sorted(p for p in data_dir.iterdir()
                       if p.is_file() and p.name.endswith(EXPORT_SUFFIXES) and not p.name.startswith("._"))
    except OSError as exc:
        raise DataError(f"{data_dir}: cannot be read ({exc.strerror or exc})") from None
    plain = {p.name for p in files if p.name.endswith(".csv")}
    packed_twice = [p for p in files if not p.name.endswith(".csv") and _unpacked_name(p.name) in plain]
    if packed_twice:
        report.notes.append(f"{data_dir}: {', '.join(p.name for p in packed_twice)} not read: the same month "
                            "is there unpacked (reading both would count every event twice)")
    return [p for p in files if p not in packed_twice]


def _unpacked_name(name: str) -> str:
    """``2019-Oct.csv.gz`` -> ``2019-Oct.csv``; ``2019-Oct.zip`` -> ``2019-Oct.csv``."""
    for suffix in (".gz", ".bz2", ".xz"):
        if name.endswith(suffix):
            return name[: -len(suffix)]
    base = name.removesuffix(".zip")
    return base if base.endswith(".csv") else base + ".csv"


def load_rees46(data_dir: Path, sample: ShopperSample) -> RawDataset:
    report = IngestReport()
    hasher = hashlib.sha256()
    files = _rees46_files(data_dir, report) if data_dir.is_dir() else []
    if not files:
        raise DataError(f"{data_dir}: no REES46 event file ({', '.join('*' + s for s in EXPORT_SUFFIXES)})")
    # A month is 4-9 GB of CSV: the first file's lines, scaled by its share of the bytes
    # (a packed month counts its packed size: about right beside other packed ones),
    # decide one fraction for every month, so a shopper kept is kept in each.
    packings = {_unpacked_name(f.name) == f.name for f in files}
    sample.file_share = (files[0].stat().st_size / max(1, sum(f.stat().st_size for f in files))
                         if len(packings) == 1 else 1 / len(files))  # packed beside plain: a month each
    frames, read, others = [], [], []
    for f in files:
        try:
            frames.append(read_table(f, REES46_EVENTS, report, hasher=hasher, sample=sample))
            read.append(f)
        except MissingColumns as exc:
            if exc.found:  # a month with a column renamed or lost: an error, not a month left out
                raise
            others.append(str(exc))  # a category tree, a README table beside the months
            report.files.pop(str(f), None)
    if not frames:
        raise DataError(f"{data_dir}: no REES46 event file: {'; '.join(others)}")
    files = read
    report.notes.extend(f"not a REES46 event file (none of its columns), not read: {why}" for why in others)
    if sample.active:
        report.notes.append(sample.note(", ".join(str(f) for f in files)))
    ev = pd.concat(frames, ignore_index=True)
    require_rows(ev, ", ".join(str(f) for f in files), report)
    negative = ev["price"] < 0
    if negative.any():
        # A view or a cart is no less one for a price that cannot be: the price goes, the
        # event stays (it had been a bad row, the shopper's event lost with it).
        report.notes.append(
            f"{', '.join(str(f) for f in files)}: {int(negative.sum()):,} events with a negative price (e.g. "
            f"{ev.loc[negative, 'price'].iloc[0]:g}): read without a price, the events kept")
        ev["price"] = ev["price"].where(~negative)

    code = ev["category_code"]
    fallback = "category " + ev["category_id"].where(ev["category_id"] != "", UNKNOWN_TEXT)
    ev["category"] = code.where(code != "", fallback)
    ev["department"] = code.str.split(".").str[0].where(code != "", "")
    inter = pd.DataFrame(
        {
            "user_id": ev["user_id"],
            "item_id": ev["product_id"],
            "timestamp": ev["event_time"],
            "event_type": ev["event_type"],
            "quantity": 1.0,
            "price": ev["price"],
            "store_id": "",
            "session_id": ev["user_session"],
        }
    )
    # The catalogue is what the events say about each product, latest event wins.
    last = ev.sort_values("event_time").drop_duplicates("product_id", keep="last")
    leaf = last["category"].str.split(".").str[-1]
    brand = last["brand"]
    items = pd.DataFrame(
        {
            "item_id": last["product_id"],
            "name": leaf.str.replace("_", " ").str.capitalize()
            + np.where(brand != "", " (" + brand + ")", ""),
            "category": last["category"],
            "department": last["department"],
            "brand": brand,
            "price": ev.groupby("product_id")["price"].median().reindex(last["product_id"]).to_numpy(),
            "attributes": [json.dumps({"category_id": c}) for c in last["category_id"]],
        }
    )
    report.notes.append("rees46: no user file; catalogue derived from the events")
    return finished("rees46", inter, items, pd.DataFrame({"user_id": pd.Series(dtype=object)}), report, hasher,
                    timezone="UTC")
