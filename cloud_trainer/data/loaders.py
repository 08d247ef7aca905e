"""Adapters from each supported export to the generic schema (:mod:`.schema`).

* ``completejourney`` -- 84.51 / dunnhumby "The Complete Journey" as CSV:
  every transaction line is a ``purchase``; unit price is
  ``sales_value / quantity``; the basket is the session; item name from
  ``product_type`` and ``brand``, category ``product_category``, department
  ``department``; ``demographics.csv`` gives the users. The most frequent
  in-store display of a product (``promotions_sample.csv``) becomes its
  ``display_location`` attribute. Timestamps are stored in UTC and converted
  to US Eastern store time (the hours then peak in the late afternoon, as
  grocery trips do).
* ``rees46`` -- REES46 e-commerce events: ``event_time`` in UTC, the
  ``category_code`` ``a.b.c`` gives department ``a`` and category ``a.b.c``
  (``category_id`` when the code is empty), ``user_session`` is the session,
  the catalogue is derived from the events themselves.
* ``csv`` -- the generic schema, for any retailer's own export.

Each adapter validates rows with :func:`.table.read_table`, so every rejected
row is reported with file, line, column and reason, and the load goes on.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import replace
from pathlib import Path
from typing import Any, NamedTuple

import numpy as np
import pandas as pd

from cloud_trainer.data import headerless
from cloud_trainer.data.amounts import decimal_points
from cloud_trainer.data.ingest import IngestReport, RawDataset, require_rows
from cloud_trainer.data.lines import (
    clicked_only,
    item_lists,
    sales_only,
    service_lines,
    skip_rows,
    stray_times,
    unread_columns,
)
from cloud_trainer.data.names import passed_over
from cloud_trainer.data.sampling import ShopperSample, sample_for, shopper_key
from cloud_trainer.data.schema import (
    ANONYMOUS_BASKET,
    GENERIC_INTERACTIONS,
    GENERIC_ITEMS,
    GENERIC_USERS,
    INTERACTION_COLUMNS,
    ITEM_COLUMNS,
    UNKNOWN_TEXT,
    Column,
    DataError,
    MissingColumns,
    TableSpec,
    is_anonymous_basket,
    parse_attributes,
    with_event_codes,
)
from cloud_trainer.data.table import read_table

DATASETS = ("completejourney", "rees46", "csv")

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

REES46_EVENTS = TableSpec(
    "events",
    (
        Column("event_time", "timestamp", timestamp_format="%Y-%m-%d %H:%M:%S UTC"),
        Column("event_type", "enum", choices=("view", "cart", "purchase")),
        Column("product_id"),
        Column("category_id", required=False),
        Column("category_code", required=False),
        Column("brand", required=False),
        Column("price", "float", required=False, min_value=0.0),
        Column("user_id"),
        Column("user_session", required=False),
    ),
)


def load_dataset(
    dataset: str,
    *,
    data_dir: Path | str | None = None,
    interactions: Path | str | None = None,
    items: Path | str | None = None,
    users: Path | str | None = None,
    event_codes: dict[str, str] | None = None,
    max_lines: int | None = None,
) -> RawDataset:
    """Load one supported dataset into the generic schema.

    ``completejourney`` and ``rees46`` read ``data_dir``; ``csv`` reads the
    ``interactions`` file plus optional ``items`` and ``users`` files, and
    ``event_codes`` (:func:`~cloud_trainer.data.schema.parse_event_codes`) says what
    a coded event column's values mean.
    ``max_lines``: an interactions (event) export with more lines is read as a sample of
    whole shoppers that size (:mod:`.sampling`); None = what this machine's memory
    holds, 0 = every line. Complete Journey, a fixed 2.6 M lines, is always read whole.
    Raises :class:`.schema.DataError` (one line) for a bad path, a missing required
    column or a file without a single usable row.
    """
    if event_codes and dataset != "csv":
        raise DataError(f"--event-codes is for --dataset csv; {dataset} has its own event names")
    if dataset == "completejourney":
        return _load_completejourney(_need_dir(data_dir, dataset))
    sample = sample_for(max_lines)
    if dataset == "rees46":
        return _load_rees46(_need_dir(data_dir, dataset), sample)
    if dataset == "csv":
        if interactions is None:
            raise DataError("--dataset csv needs --interactions FILE")
        return _load_generic(
            Path(interactions),
            Path(items) if items is not None else None,
            Path(users) if users is not None else None,
            event_codes,
            sample,
        )
    raise DataError(f"unknown dataset {dataset!r} (choose from {', '.join(DATASETS)})")


def _need_dir(data_dir: Path | str | None, dataset: str) -> Path:
    if data_dir is None:
        raise DataError(f"--dataset {dataset} needs --data-dir DIR")
    path = Path(data_dir)
    if not path.is_dir():
        raise DataError(f"{path}: " + ("a file, not a directory (--data-dir takes the folder of the export's files)"
                                       if path.is_file() else "no such directory"))
    return path


# --------------------------------------------------------------------------- CJ


EXPORT_SUFFIXES = (".csv", ".csv.gz", ".csv.bz2", ".csv.xz", ".zip")
"""An adapter's files as published (REES46's ``2019-Oct.csv.gz``) or unpacked (``.csv``)."""

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


def _load_completejourney(data_dir: Path) -> RawDataset:
    report = IngestReport()
    hasher = hashlib.sha256()
    tx_path = _cj_file(data_dir, ("transactions", "transactions_sample"), report)
    if tx_path is None:
        release = [data_dir / f"{stem}.csv" for stem in DUNNHUMBY_RELEASE]
        if release[0].is_file():
            raw = _load_generic(*(p if p.is_file() else None for p in release))
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
        prod = _drop_duplicate_ids(prod, "product_id", str(products_path), report)
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
        items = _empty_items()

    demo_path = _cj_file(data_dir, ("demographics",), report)
    if demo_path is not None:
        demo = read_table(demo_path, CJ_DEMOGRAPHICS, report, hasher=hasher)
        demo = _drop_duplicate_ids(demo, "household_id", str(demo_path), report)
        users = demo.drop(columns=["_line"]).rename(columns={"household_id": "user_id"})
    else:
        report.notes.append(f"{data_dir / 'demographics.csv'}: absent; no demographics")
        users = pd.DataFrame({"user_id": pd.Series(dtype=object)})

    return RawDataset(
        name="completejourney",
        interactions=_finish_interactions(inter),
        items=_finish_items(items),
        users=users.reset_index(drop=True),
        report=report,
        fingerprint=hasher.hexdigest(),
        timezone=CJ_TIMEZONE,
        sources=sorted(report.files),
    )


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


def _load_rees46(data_dir: Path, sample: ShopperSample) -> RawDataset:
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
    return RawDataset(
        name="rees46",
        interactions=_finish_interactions(inter),
        items=_finish_items(items),
        users=pd.DataFrame({"user_id": pd.Series(dtype=object)}),
        report=report,
        fingerprint=hasher.hexdigest(),
        timezone="UTC",
        sources=sorted(report.files),
    )


# ---------------------------------------------------------------------- generic


def _load_generic(
    interactions: Path, items: Path | None, users: Path | None, event_codes: dict[str, str] | None = None,
    sample: ShopperSample | None = None,
) -> RawDataset:
    report = IngestReport()
    hasher = hashlib.sha256()
    if event_codes:  # the same bytes read with other codes are another data set
        hasher.update(b"event-codes\0" + json.dumps(event_codes, sort_keys=True).encode())
    inter = read_table(interactions, with_event_codes(GENERIC_INTERACTIONS, event_codes), report,
                       hasher=hasher, may_lack=("timestamp",), sample=sample)
    if sample is not None and sample.active:
        report.notes.append(sample.note(str(interactions)))
    require_rows(inter, str(interactions), report)
    # Lines are left out before a line's packed items become rows, so counts are of lines.
    inter = clicked_only(inter, interactions, report)
    inter = sales_only(inter, interactions, report)
    inter = item_lists(inter, interactions, report)
    if "event_type" not in inter:
        report.notes.append(f"{interactions}: no event_type column: every row is a purchase"
                            + ("; --event-codes had nothing to read" if event_codes else ""))
        inter["event_type"] = "purchase"
    else:
        empty = inter["event_type"] == ""
        if empty.any():
            report.notes.append(
                f"{interactions}: {int(empty.sum())} rows without an event_type counted as purchases"
            )
            inter.loc[empty, "event_type"] = "purchase"
    # (Not where each basket is its shopper: a big basket is then no guest id.)
    baskets_as_shoppers = bool((inter["user_id"] == inter.get("session_id", "")).all())
    if not baskets_as_shoppers and (note := _one_shopper_for_many(inter["user_id"], interactions)) is not None:
        report.notes.append(note)
    if "timestamp" in inter:
        inter = stray_times(inter, interactions, report)
        _split_reused_baskets(inter, baskets_as_shoppers, interactions, report)
    if "price" not in inter:
        inter = _prices_from_line_totals(inter, interactions, report)
    for col in INTERACTION_COLUMNS:
        if col not in inter and col != "timestamp":  # no times: a clock below
            inter[col] = np.nan if col in ("quantity", "price") else ""

    if items is not None:
        it = read_table(items, GENERIC_ITEMS, report, hasher=hasher)
        require_rows(it, str(items), report)
        it = _best_id_column(it, inter["item_id"], items, report)
        it = _drop_duplicate_ids(it, "item_id", str(items), report)
        if inter.attrs.get("columns_by_content"):
            inter = _item_column_first(inter, it["item_id"], interactions, report)
        if "attributes" in it:
            parsed = [parse_attributes(a) for a in it["attributes"]]
            bad = np.array([p is None for p in parsed], dtype=bool)
            for line, text in zip(it["_line"][bad], it["attributes"][bad], strict=True):
                report.add_error(
                    str(items), int(line), "attributes",
                    f"not a JSON object or key=value list: {text!r}; attributes ignored",
                )
            it["attributes"] = [json.dumps(p or {}, sort_keys=True) for p in parsed]
        report.notes.append(_coverage(inter["item_id"], it["item_id"], "items", items))
    else:
        it = _items_from_interactions(inter, interactions, report)
    inter, it = service_lines(inter, it, interactions, report)
    it = _department_from_path(it, items or interactions, report)

    real_context = ("hour",) if inter.attrs.get("day_numbers") else ("hour", "weekday")
    if inter.attrs.get("date_only"):
        real_context = tuple(f for f in real_context if f != "hour")
        report.notes.append(f"{interactions}: every timestamp is a date at midnight: the hour is "
                            "not real context (no sales heat by hour)")
    if "timestamp" not in inter:  # after the id columns are settled: the clock is per shopper
        real_context = ()
        baskets = bool((inter["session_id"] != "").any())
        sequence, sequence_name = _sequence_column(inter)
        item_sorted = 0.0 if baskets or sequence is not None else _item_sorted_share(inter)
        shuffled = item_sorted >= 0.9
        gaps = _order_gaps(inter) if baskets and sequence is not None else None
        if gaps is not None:
            inter["timestamp"], real_context, note = _order_gap_clock(
                inter["user_id"], inter["session_id"], sequence, sequence_name, gaps)
            report.notes.append(f"{interactions}: {note}")
        else:
            inter["timestamp"] = _file_order_clock(inter["user_id"], inter["session_id"] if baskets else None,
                                                   shuffled=shuffled, sequence=sequence)
            unit = "baskets (session_id; a basket's rows share one time)" if baskets else "rows"
            order = f"by their {sequence_name!r}" if sequence is not None else "as the file lists them"
            report.notes.append(
                f"{interactions}: no timestamp column: each shopper's {unit} are taken to be in time order "
                f"{order}, and spread evenly over one made-up year from {ORDER_CLOCK_START}, "
                f"so the temporal split keeps each shopper's last {unit.split(' ')[0]} (about 10 % each) for "
                "validation and test; hour, weekday and season context are then not real"
                + (f". But {item_sorted:.0%} of the shoppers with 3 or more rows have them sorted by item id: the "
                   "file order is not the time order, so each shopper's rows are taken in a random order "
                   "(seeded, the same every run) and validation and test hold a random tenth of each "
                   "shopper's rows" if shuffled else ""))

    if users is not None:
        us = read_table(users, GENERIC_USERS, report, hasher=hasher)
        require_rows(us, str(users), report)
        named = inter["user_id"][~is_anonymous_basket(inter["user_id"])]
        us = _best_id_column(us, named, users, report, column="user_id")
        us = _drop_duplicate_ids(us, "user_id", str(users), report).drop(columns=["_line"])
        if sample is not None and sample.active:
            # The profiles of the sampled shoppers: the others' would read as ids the
            # interactions do not have (and _coverage as ids written differently).
            us = us[[sample.keeps(shopper_key(u, None)) for u in us["user_id"]]]
        # Anonymous baskets (_anonymous_baskets) are nobody a profile could describe.
        report.notes.append(_coverage(named, us["user_id"], "shoppers", users))
    else:
        us = _users_from_interactions(inter, interactions, report)

    return RawDataset(
        name="csv",
        interactions=_finish_interactions(inter),
        items=_finish_items(it),
        users=us.reset_index(drop=True),
        report=report,
        fingerprint=hasher.hexdigest(),
        timezone="as given (store-local)",
        real_context=real_context,
        sources=sorted(report.files),
    )


# ---------------------------------------------------------------------- helpers


def _split_reused_baskets(inter: pd.DataFrame, baskets_as_shoppers: bool, file: Path,
                          report: IngestReport) -> None:
    """An anonymous basket (one shopper's only visit, keyed by its basket number) whose
    number recurs on other days is a till that restarts its receipt numbers (daily, or
    per register): read as one shopper it would be a fabricated regular with every day's
    receipt 17. Each day's is its own visit (shopper id ``<basket> <day>``); in place."""
    anon = (np.ones(len(inter), dtype=bool) if baskets_as_shoppers
            else is_anonymous_basket(inter["user_id"]))
    if not anon.any() or inter["timestamp"].isna().all():
        return
    rows = inter.index[anon]
    day = inter.loc[rows, "timestamp"].dt.strftime("%Y-%m-%d")
    ids = inter.loc[rows, "user_id"]
    days = day.groupby(ids).nunique()
    reused = days.index[days > 1]
    if not len(reused):
        return
    split = ids.isin(reused)
    inter.loc[rows[split], "user_id"] = ids[split] + " " + day[split]
    report.notes.append(
        f"{file}: {len(reused):,} anonymous baskets' numbers recur on more than one day (e.g. "
        f"{str(reused[0]).removeprefix(ANONYMOUS_BASKET)!r} on {int(days.max())} days: a till that restarts its "
        "receipt numbers?): each day's is read as its own visit ('<basket> <day>')")


GUEST_SHARE = 0.10
"""A shopper id holding more than this share of the lines (among 20 or more shoppers) is
said in a note: how a log may write its guests (``0``, ``-1``, ``guest``)."""


def _one_shopper_for_many(user_ids: pd.Series, file: Path) -> str | None:
    """A note when one shopper id holds an outsized share of the lines. Logs often write
    every guest as one id (``0``, ``-1``, ``guest``, ``anonymous``), which would then be
    read as one shopper with everybody's history; only the export's owner knows, so it is
    said, not changed (a wholesale customer or a bot may be real). Markers of a missing
    id (``NA``) are blank already (``schema.MISSING_VALUES``)."""
    counts = user_ids[~is_anonymous_basket(user_ids)].value_counts()
    if len(counts) < 20 or counts.iloc[0] <= GUEST_SHARE * len(user_ids):
        return None
    top = counts.index[0]
    return (f"{file}: shopper {top!r} has {counts.iloc[0]:,} of the {len(user_ids):,} lines "
            f"({counts.iloc[0] / len(user_ids):.0%}; the median shopper {int(counts.median()):,}): if that "
            "is how the export writes guests, blank those ids (or give each guest visit its basket id) -- "
            "as it is, they are read as one shopper")


def _coverage(used: pd.Series, described: pd.Series, what: str, file: Path) -> str:
    """How many of the ids the interactions use ``file`` describes: an export whose ids
    are written differently (``17850.0`` against ``17850``, other case) matches nothing,
    and the trainer would then silently go without its metadata."""
    ids = pd.unique(used)
    known = _described(ids, set(described.tolist()))
    text = (f"{file}: describes {int(known.sum()):,} of the {len(ids):,} {what} in the interactions "
            f"({known.mean():.0%})")
    # The spelling hint only when the file's own ids are mostly unused too: a users file
    # for the 801 of 2,373 households that opted in matches everything it describes.
    unused = 1.0 - int(known.sum()) / max(described.nunique(), 1)
    if known.mean() < 0.5 and len(described) and unused >= 0.5:
        missing = ids[~known][0]
        text += (f"; ids are compared as text: the interactions have e.g. {missing!r}, {file.name} "
                 f"e.g. {described.iloc[0]!r}")
    return text



ORDER_CLOCK_START = "2000-01-01"
"""First day of the made-up year a file without times is spread over (any date would
do: only the order within each shopper is known)."""


SEQUENCE_KEYS = ("ordernumber", "basketnumber", "visitnumber", "tripnumber", "sequencenumber")
"""Header names (as :func:`.names.header_key` writes them) of a column that numbers each
shopper's baskets in time order: Instacart's ``order_number``, whose files have no time."""


def _sequence_column(inter: pd.DataFrame) -> tuple[pd.Series | None, str]:
    """A file without times may still number each shopper's baskets (Instacart's
    ``order_number``: 1, 2, 3 ...); then that, not the file order, is the time order.
    ``(numbers, the file's column name)``, or ``(None, "")`` when there is none or a value
    is not a number."""
    for col, (name, key) in unread_columns(inter, INTERACTION_COLUMNS).items():
        if key in SEQUENCE_KEYS:
            numbers = pd.to_numeric(inter[col], errors="coerce")
            if numbers.notna().all():
                return numbers.astype(float), name
    return None, ""


GAP_KEYS = ("dayssincepriororder", "dayssinceprior", "dayssincelastorder", "dayssinceprevious",
            "dayssincepreviousorder", "dayssincelastvisit")
DOW_KEYS = ("orderdow", "orderdayofweek", "dayofweek", "dow", "weekday")
HOUR_KEYS = ("orderhourofday", "hourofday", "orderhour", "hour")


class OrderGaps(NamedTuple):
    """What Instacart's ``orders.csv`` says about each order instead of a time: days since
    the shopper's previous order, and the weekday and hour it was placed (the columns
    that are there and read right; None for the others)."""

    days: pd.Series
    days_name: str
    dow: pd.Series | None
    dow_name: str
    hour: pd.Series | None
    hour_name: str


def _order_gaps(inter: pd.DataFrame) -> OrderGaps | None:
    """The days-since-previous-order column (numbers >= 0, blank for a shopper's first
    order) and, where they are whole numbers in range, the weekday (0-6) and hour (0-23)
    columns; None without a usable days column."""
    unread = unread_columns(inter, INTERACTION_COLUMNS)

    def column(keys: tuple[str, ...], low: float, high: float, blanks: bool) -> tuple[pd.Series | None, str]:
        for key in keys:
            for col, (name, found) in unread.items():
                if found != key:
                    continue
                text = inter[col].astype(str).str.strip()
                values = pd.to_numeric(text.replace("", np.nan), errors="coerce")
                given = text != ""
                if values[given].isna().any() or not values.notna().any():
                    return None, ""  # text where a number belongs: not this
                if (values.dropna() < low).any() or (values.dropna() > high).any():
                    return None, ""
                if not blanks and values.isna().any():
                    return None, ""
                return values, name
        return None, ""

    days, days_name = column(GAP_KEYS, 0.0, 36_500.0, blanks=True)
    if days is None:
        return None
    dow, dow_name = column(DOW_KEYS, 0.0, 6.0, blanks=False)
    hour, hour_name = column(HOUR_KEYS, 0.0, 23.0, blanks=False)
    if dow is not None and not (dow == dow.round()).all():
        dow, dow_name = None, ""
    if hour is not None and not (hour == hour.round()).all():
        hour, hour_name = None, ""
    return OrderGaps(days, days_name, dow, dow_name, hour, hour_name)


ORDER_GAP_END = "2000-12-31"
"""The day every shopper's last order is placed on (:func:`_order_gap_clock`), give or take
the days that put it on its own weekday: a Sunday, the end of the made-up year."""


def _order_gap_clock(user_ids: pd.Series, sessions: pd.Series, sequence: pd.Series, sequence_name: str,
                     gaps: OrderGaps) -> tuple[pd.Series, tuple[str, ...], str]:
    """Times for Instacart's order lines, which have none, from what its ``orders.csv``
    gives each order: ``days_since_prior_order``, ``order_dow``, ``order_hour_of_day``.

    A shopper's orders are ranked by ``order_number``; their days are the running sum of
    the gaps, so the days between them are real. The shopper's last order is put on
    :data:`ORDER_GAP_END` moved back to its own weekday, so every shopper's latest
    orders fall in the split's last weeks (the usual protocol for this data: predict each
    shopper's next basket) and, where the gaps are exact, every order lands on its own
    weekday; the hour is its hour. Instacart caps the gap at 30 days ("30 or more"): an
    order after such a gap is moved further back to its weekday. Shoppers with a single
    order are spread over the other shoppers' span by file order, as in
    :func:`_file_order_clock`. Returns the times, the context they make real (hour with an
    hour column, weekday with a weekday column), and a note. Instacart does not say
    which weekday 0 is; it is taken as Sunday (its busiest two days are 0 and 1)."""
    basket = sessions.where(sessions != "", "\0row" + pd.Series(np.arange(len(sessions)),
                                                                index=sessions.index).astype(str))
    lines = pd.DataFrame({"user": user_ids.to_numpy(), "basket": basket.to_numpy(), "seq": sequence.to_numpy(),
                          "days": gaps.days.to_numpy(),
                          "dow": gaps.dow.to_numpy() if gaps.dow is not None else 0.0,
                          "hour": gaps.hour.to_numpy() if gaps.hour is not None else 12.0})
    lines["order"] = lines.groupby(["user", "basket"], sort=False).ngroup()
    orders = lines.groupby("order", sort=False).agg(user=("user", "first"), seq=("seq", "min"),
                                                   days=("days", "max"), dow=("dow", "first"),
                                                   hour=("hour", "first"))
    orders["first_seen"] = np.arange(len(orders))
    orders = orders.sort_values(["user", "seq", "first_seen"], kind="stable")
    by_user = orders.groupby("user", sort=False)
    orders["rank"] = by_user.cumcount()
    days = orders["days"].where(orders["rank"] > 0, 0.0).fillna(0.0)  # the first order has no gap
    orders["day"] = days.groupby(orders["user"], sort=False).cumsum()
    orders["before_end"] = by_user["day"].transform("max") - orders["day"]
    count = by_user["seq"].transform("size").to_numpy()
    end = pd.Timestamp(ORDER_GAP_END)
    weekday = ((orders["dow"].to_numpy() + 6) % 7).astype(int)  # Instacart 0 = Sunday -> Python's 6
    before = orders["before_end"].to_numpy().copy()  # days before the end
    if gaps.dow is not None:
        # Every order of a shopper moves back by what puts their last on its weekday.
        last = orders["rank"].to_numpy() == count - 1
        shift = pd.Series(np.where(last, (end.weekday() - weekday) % 7, 0), index=orders.index)
        before += shift.groupby(orders["user"], sort=False).transform("max").to_numpy()
    single = count == 1
    if single.any() and (~single).any():
        # One order alone: spread over the others' span by file order, not all on the last day.
        ranks = pd.Series(orders["first_seen"].to_numpy()[single]).rank(method="dense").to_numpy()
        before[single] = np.floor((1.0 - (ranks - 0.5) / ranks.max()) * before[~single].max())
    date = pd.DatetimeIndex(end - pd.to_timedelta(before, unit="D"))
    moved = 0
    if gaps.dow is not None:
        # A capped gap ("30 or more"), or a single order: back to its own weekday.
        off = (np.asarray(date.day_of_week) - weekday) % 7
        moved = int((off != 0).sum())
        date = date - pd.to_timedelta(off, unit="D")
    stamp = (date + pd.to_timedelta(orders["hour"].to_numpy(), unit="h")
             + pd.to_timedelta(orders["rank"].to_numpy() % 3600, unit="s"))  # same-hour orders keep their order
    per_order = pd.Series(np.asarray(stamp), index=orders.index)
    times = pd.Series(per_order.reindex(lines["order"]).to_numpy(), index=user_ids.index)
    real = tuple(f for f, col in (("hour", gaps.hour), ("weekday", gaps.dow)) if col is not None)
    said = ", ".join(f"{name!r}" for name in (gaps.days_name, gaps.dow_name, gaps.hour_name) if name)
    note = (f"no timestamp column, but each order's {said}: a shopper's orders (by their {sequence_name!r}) "
            f"are placed that many days apart, every shopper's last on or just before {ORDER_GAP_END}"
            + (" on its own weekday (0 read as Sunday)" if gaps.dow is not None else "")
            + (" at its hour" if gaps.hour is not None else "")
            + "; the split keeps each shopper's latest orders for validation and test; real context: "
            + (", ".join(real) if real else "none")
            + (f"; {moved:,} of {len(orders):,} orders moved back to their weekday (a gap capped at 30 days, "
               "or a shopper's only order)" if moved else ""))
    return times, real, note


LINE_TOTAL_KEYS = ("linetotal", "lineamount", "linevalue", "extendedprice", "salesvalue", "salesamount",
                   "salesprice", "銷售價格", "销售价格", "銷售金額", "销售金额")
"""Header keys of a line's total money (dunnhumby's ``SALES_VALUE``, Ta-Feng's ``SALES_PRICE``),
which a file without a unit price gives instead: unit price = total / quantity. In order of
preference: an ERP export's ``Sales Price`` beside its ``Line Amount`` is the unit price, so
the unambiguous names come first."""


def _prices_from_line_totals(inter: pd.DataFrame, file: Path, report: IngestReport) -> pd.DataFrame:
    """``inter`` with unit prices from a line-total column, for a file with no price column
    (``price`` and, for Ta-Feng, ``quantity`` set; the note in ``report``).

    Ta-Feng writes ``AMOUNT`` (units) beside ``SALES_PRICE`` (their total): ``amount`` is
    not a quantity alias on its own (it is money as often), but beside a line total it is
    the units, checked as a quantity column is (a line whose amount is no positive number
    is a bad row). A blank quantity counts one unit, as everywhere; a line without a
    positive total keeps no price, as a line without a unit price does. In a ``;`` file
    the numbers may have a decimal comma, read as :func:`.table.read_table` reads them."""
    unread = unread_columns(inter, INTERACTION_COLUMNS)
    found = [c for c, (_, key) in unread.items() if key in LINE_TOTAL_KEYS]
    if not found:
        return inter
    total_col = min(found, key=lambda c: LINE_TOTAL_KEYS.index(unread[c][1]))

    def number(column: str) -> tuple[pd.Series, pd.Series]:
        """The column's numbers (NaN where none) and its stripped text."""
        text = inter[column].astype(str).str.strip()
        if inter.attrs.get("decimal_comma"):
            text = decimal_points(text)[0]
        return pd.to_numeric(text, errors="coerce"), text

    units_name = "quantity"
    if "quantity" not in inter:
        amount = next((c for c, (_, key) in unread.items() if key == "amount"), None)
        if amount is not None:
            units, text = number(amount)
            bad = ((units <= 0) | (units.isna() & (text != ""))).to_numpy()
            if bad.any():
                inter = skip_rows(inter, bad, amount, str(file), report,
                                   lambda v: f"not a positive number of units: {v!r}")
                units = units[~bad].reset_index(drop=True)
            units_name = repr(unread[amount][0])
            inter["quantity"] = units.to_numpy()
    total = number(total_col)[0]
    units = inter.get("quantity")  # float: read_table's, or the amounts'
    price = total / units.fillna(1.0) if units is not None else total
    price = price.where((total > 0) & np.isfinite(price))
    inter["price"] = price
    how = f"{unread[total_col][0]!r} / {units_name}" if units is not None else repr(unread[total_col][0])
    report.notes.append(
        f"{file}: no unit price column: price = {how} ({unread[total_col][0]!r} read as the line's "
        f"total{'' if units_name == 'quantity' else f', {units_name} as its quantity'}); "
        f"{int(price.notna().sum())} of {len(inter)} lines priced")
    return inter


def _file_order_clock(user_ids: pd.Series, sessions: pd.Series | None = None,
                      shuffled: bool = False, sequence: pd.Series | None = None) -> pd.Series:
    """Times for an export without any (Book-Crossing, Goodreads, play counts): row k of
    a shopper's n rows, in file order, at (k + 0.5) / n of a year.

    Spreading every shopper over the same year makes the split's quantile cut-offs take
    the same share of each shopper's rows (the per-user hold-out that is the usual
    protocol for such data) instead of whole late shoppers; a global row-order clock
    would put every row of a file sorted by shopper into one side of the split.

    With baskets (``sessions`` not empty) the unit is the basket: basket k of a
    shopper's n, in order of first appearance, and all its rows share one time. Ranking
    rows would cut one Instacart order across train, validation and test (87 % of them
    in a joined sample), and the task would become "finish this basket".

    ``shuffled``: the file order is known not to be the time order (every shopper's
    rows sorted by item id), so each shopper's rows are ranked in a seeded random order
    instead: the split is then the usual random per-user hold-out, not "each shopper's
    highest item ids" (on goodbooks-10k, whose ids rank books by popularity, those are
    each reader's rarest books).

    ``sequence``: each row's basket number (Instacart's ``order_number``): the baskets, or
    rows, are ranked by it instead of by the file order (ties in file order)."""
    unit = pd.Series(np.arange(len(user_ids)), index=user_ids.index)  # one row, one unit
    if sessions is not None:
        # A row without a basket id is a basket of its own.
        own = "\0row" + pd.Series(np.arange(len(sessions)), index=sessions.index).astype(str)
        basket = sessions.where(sessions != "", own)
        unit = pd.Series(pd.DataFrame({"u": user_ids, "b": basket}).groupby(["u", "b"], sort=False).ngroup(),
                         index=user_ids.index)
        groups = unit.groupby(user_ids, sort=False)
        count = groups.transform("nunique").to_numpy(dtype=float)
        if sequence is not None:
            # A basket's place: its number, then its first appearance (ties), densely ranked.
            first = pd.DataFrame({"seq": sequence.to_numpy(), "unit": unit.to_numpy()})
            key = first.groupby("unit")["seq"].transform("min").to_numpy() * (len(unit) + 1) + unit.to_numpy()
            rank = pd.Series(key, index=user_ids.index).groupby(user_ids, sort=False).rank(
                method="dense").to_numpy() - 1.0
        else:
            rank = groups.rank(method="dense").to_numpy(dtype=float) - 1.0
    else:
        groups = user_ids.groupby(user_ids, sort=False)
        count = groups.transform("size").to_numpy(dtype=float)
        if sequence is not None:
            rank = sequence.groupby(user_ids, sort=False).rank(method="first").to_numpy() - 1.0
        elif shuffled:
            draw = pd.Series(np.random.default_rng(0).random(len(user_ids)), index=user_ids.index)
            rank = draw.groupby(user_ids, sort=False).rank(method="first").to_numpy() - 1.0
        else:
            rank = groups.cumcount().to_numpy(dtype=float)
    share = (rank + 0.5) / count
    single = count == 1
    if single.any():
        # Shoppers seen once would all sit mid-year, on one side of every cut-off (all of
        # Olist's one-order customers landed in validation; a sample of Instacart orders
        # left too few distinct times to split at all): they are spread by file order.
        ranks = pd.Series(unit.to_numpy()[single]).rank(method="dense").to_numpy()
        share[single] = (ranks - 0.5) / ranks.max()
    offset = pd.to_timedelta(share * 365.0 * 86_400.0, unit="s").round("s")
    return pd.Series(pd.Timestamp(ORDER_CLOCK_START) + offset, index=user_ids.index)


def _item_sorted_share(inter: pd.DataFrame) -> float:
    """The share of shoppers with 3 or more rows whose rows are sorted by item id (all of
    Last.fm's user_artists.dat, goodbooks' ratings and Book-Crossing's): then the file
    order is not the time order (:func:`_file_order_clock`'s ``shuffled``)."""
    ids = inter["item_id"]
    numeric = pd.to_numeric(ids, errors="coerce")
    key = numeric if numeric.notna().all() else ids
    many = inter.groupby("user_id", sort=False)["user_id"].transform("size").to_numpy() >= 3
    if not many.any():
        return 0.0
    frame = pd.DataFrame({"user": inter["user_id"].to_numpy()[many], "key": key.to_numpy()[many]})
    falls = frame["key"] < frame.groupby("user", sort=False)["key"].shift()  # vectorised: 1M rows in a blink
    return 1.0 - float(falls.groupby(frame["user"], sort=False).any().mean())


def _described(ids: Any, table: set[Any]) -> np.ndarray:
    """Which of ``ids`` (distinct) ``table`` holds. A Python set: np.isin on Arrow text ids
    took 36 s for the 20,833 items of dunnhumby's layout against its 92,331 products
    (pd.Index.isin 0.75 s, this 0.03 s)."""
    return np.fromiter((i in table for i in ids), dtype=bool, count=len(ids))


def _most_common_value(keys: np.ndarray, values: np.ndarray) -> pd.Series:
    """Per key (an item, a shopper), the non-empty value most of its lines give; ties go to
    the one the file gives first. Keys with no such value are absent."""
    lines = pd.DataFrame({"key": keys, "value": values})
    lines = lines[lines["value"] != ""]
    counted = lines.groupby(["key", "value"], sort=False).size().rename("n").reset_index()
    best = counted.sort_values("n", ascending=False, kind="stable").drop_duplicates("key")
    return best.set_index("key")["value"]


_PATH_STEP = r"\s*[>›»]\s*"


def _department_from_path(items: pd.DataFrame, file: Path, report: IngestReport) -> pd.DataFrame:
    """Categories written as paths (Google's product taxonomy in Shopify and Merchant
    Center exports: ``Food, Beverages & Tobacco > Food Items > Bakery``) give the
    department, their first step, where the file has none: without it a shop's 2,000
    paths were 2,000 unrelated categories and no department context. The category stays
    the whole path (two shops' ``Bakery`` may sit under different parents). Not ``/``:
    ``BAKED BREAD/BUNS/ROLLS`` is one category."""
    if "category" not in items or ("department" in items and (items["department"].fillna("") != "").any()):
        return items
    category = items["category"].fillna("").astype(str)
    given = category[category != ""]
    if not len(given) or given.str.contains(r"\S" + _PATH_STEP + r"\S").mean() < 0.5:
        return items
    items = items.copy()
    items["department"] = category.str.split(_PATH_STEP, n=1, regex=True).str[0].str.strip()
    report.notes.append(f"{file}: categories are paths (e.g. {given.iloc[0]!r}): the first step is read as the "
                        "department")
    return items


def _items_from_interactions(inter: pd.DataFrame, file: Path, report: IngestReport) -> pd.DataFrame:
    """Item metadata an interactions file carries on its own lines, when there is no
    items file: UCI Online Retail's ``Description``, Superstore's ``Product Name`` and
    ``Category``. Each item gets the value most of its lines give (Online Retail's first
    line of an item is often a stock adjustment with a blank description); the device's
    screens then show names, not stock codes."""
    unread = unread_columns(inter, INTERACTION_COLUMNS)
    # A reviews file's 'title' is the review's (Amazon 2023: every item was named "Nice"),
    # where the lines also carry the review's text.
    reviews = any(key in ("text", "reviewtext", "review", "reviewbody", "body", "summary")
                  for _, key in unread.values())
    taken: dict[str, str] = {}
    for column in GENERIC_ITEMS.columns:
        if column.name in ("item_id", "price", "attributes"):
            continue  # prices come from the interactions anyway; attributes are the items file's
        found = next((c for c, (_, key) in unread.items()
                      if key in column.header_keys and c not in taken.values()
                      and not (reviews and key == "title")), None)
        if found is not None:
            taken[column.name] = found
    if not taken:
        report.notes.append("no items file: item metadata unknown, prices from interactions")
        return _empty_items()
    items = pd.DataFrame({"item_id": pd.unique(inter["item_id"])})
    for field, col in taken.items():
        best = _most_common_value(inter["item_id"].to_numpy(), inter[col].astype(str).str.strip().to_numpy())
        items[field] = items["item_id"].map(best).fillna("")
    said = ", ".join(f"{unread[col][0]!r} as {field}" for field, col in taken.items())
    report.notes.append(f"no items file: item metadata from the interactions' own columns ({said}; the "
                        f"value most of an item's lines in {file} give), prices from interactions")
    return items


SHOPPER_ATTRIBUTE_KEYS = frozenset((
    "age", "agegroup", "ageband", "agerange", "agedesc", "agecategory", "gender", "sex", "年齡", "年龄",
    "income", "incomegroup", "incomeband", "incomerange", "incomedesc", "maritalstatus",
    "maritalstatuscode", "householdsize", "householdsizedesc", "kidcategorydesc", "homeownerdesc",
    "occupation", "education", "pincode", "zip", "zipcode", "postcode", "postalcode",
    "customerzipcodeprefix", "segment", "customersegment", "customertype", "membertype", "membership",
    "loyaltytier", "clubmemberstatus"))
"""Header names (as :func:`~cloud_trainer.data.names.header_key` writes them) of what an
interactions file may say about its shopper on every line: Ta-Feng's ``AGE_GROUP`` and
``PIN_CODE``, Superstore's ``Segment``. Not a country, state, region or city (UCI Online
Retail's ``Country``, an Olist join's ``customer_state``): that says where an online order
ships, and one store's shoppers share it; read as context on UCI's 20 days it moved the
network's test recall@20 from 0.989x to 0.949x of TIFU-KNN (within noise, validation
unchanged), for a field a store's device would give every shopper alike. A postal code
(Ta-Feng's ``PIN_CODE``) is kept: it tells one store's neighbourhoods apart."""
SHOPPER_ATTRIBUTE_STABLE = 0.9
"""Share of shoppers (with two or more lines giving a value) whose lines all give the same
one, at least, for a column to be read as describing the shopper and not the line (a
store's region, a delivery address that moves)."""


def _users_from_interactions(inter: pd.DataFrame, file: Path, report: IngestReport) -> pd.DataFrame:
    """Shopper profiles an interactions file carries on its own lines, when there is no
    users file (Ta-Feng writes each line's ``AGE_GROUP`` and ``PIN_CODE``): a column with
    a usual shopper-attribute name (:data:`SHOPPER_ATTRIBUTE_KEYS`) whose value stays the
    same across a shopper's lines (:data:`SHOPPER_ATTRIBUTE_STABLE`). Each named shopper
    gets the value most of their lines give; anonymous baskets get no profile. The columns
    become the users table's, which :mod:`cloud_trainer.processing` takes as demographic
    context where they have few values (``MAX_DEMOGRAPHIC_VALUES``), as it does a users
    file's. Without this, the model was blind to what the export says about its shoppers."""
    empty = pd.DataFrame({"user_id": pd.Series(dtype=object)})
    found = {c: raw for c, (raw, key) in unread_columns(inter, INTERACTION_COLUMNS).items()
             if key in SHOPPER_ATTRIBUTE_KEYS}
    if not found:
        return empty
    named = ~is_anonymous_basket(inter["user_id"])
    users = pd.DataFrame({"user_id": pd.unique(inter["user_id"][named])})
    taken, varying = [], []
    for col, raw in found.items():
        lines = pd.DataFrame({"user_id": inter["user_id"].to_numpy()[named],
                              "value": inter[col].astype(str).str.strip().to_numpy()[named]})
        lines = lines[lines["value"] != ""]
        if lines.empty:
            continue
        per_user = lines.groupby("user_id", sort=False)["value"].agg(["nunique", "size"])
        several = per_user[per_user["size"] >= 2]
        stable = float((several["nunique"] == 1).mean()) if len(several) else 1.0
        if stable < SHOPPER_ATTRIBUTE_STABLE:
            varying.append(f"{raw!r} ({1 - stable:.0%} of shoppers' lines differ)")
            continue
        if lines["value"].nunique() < 2:
            continue  # the same for everybody: no context
        best = _most_common_value(lines["user_id"].to_numpy(), lines["value"].to_numpy())
        name = "_".join(filter(None, "".join(ch if ch.isalnum() else " " for ch in raw.lower()).split()))
        name = name if name and name not in users.columns else f"{col}_profile"
        users[name] = users["user_id"].map(best).fillna("")
        taken.append(f"{raw!r} as {name}")
    if varying:
        report.notes.append(f"{file}: not read as shopper attributes, since they change between one "
                            f"shopper's lines: {', '.join(varying)}")
    if not taken:
        return empty
    report.notes.append(f"no users file: shopper profiles from the interactions' own columns "
                        f"({', '.join(taken)}; the value most of a shopper's lines in {file} give)")
    return users


OWN_IDS_MATCHED = 0.9
"""Share of a side file's own ids in a column that the interactions must use for that
column to key a file that describes under half of them (:func:`_best_id_column`)."""


def _best_id_column(items: pd.DataFrame, used: pd.Series, file: Path, report: IngestReport, *,
                    column: str = "item_id") -> pd.DataFrame:
    """The items (or users) file's id column, by what the interactions use when the names
    mislead.

    goodbooks-10k's books.csv has ``id`` (what ratings.csv calls ``book_id``) and
    ``book_id`` (Goodreads' own id): the usual name picks the second, whose ids meet the
    ratings' 1..10,000 only by accident (item 5, The Great Gatsby, got the name of a
    Harry Potter book). Shopify's customers export has ``Customer ID`` and ``Email``, and
    its orders name the customer by email. Another id-named column of the file (``id`` or
    a usual name of the column) that describes at least half of the interactions' items
    (shoppers), and twice as many as the chosen one, is taken instead, with a note. So is
    one that describes fewer where the chosen one describes none and nearly all of its
    own ids are the interactions' (a users file of the third of customers who opted in,
    keyed by their email as the orders are): ids that meet by accident do not.
    """
    names = items.attrs.get("source_names", {})
    spec, schema_columns, what = (GENERIC_ITEMS, ITEM_COLUMNS, "items") if column == "item_id" else \
        (GENERIC_USERS, ("user_id",), "shoppers")
    id_keys = spec.column(column).header_keys  # (its aliases and 'id')
    others = [c for c, (_, key) in unread_columns(items, schema_columns).items() if key in id_keys]
    if not others:
        return items
    ids = pd.unique(used)
    if not len(ids):
        return items

    def share(col: str) -> float:
        return float(_described(ids, set(items[col].astype(str).str.strip().tolist())).mean())

    current = share(column)
    best, best_share = max(((c, share(c)) for c in others), key=lambda pair: pair[1])
    if best_share < 2 * current or not best_share:
        return items
    if best_share < 0.5:
        own = items[best].astype(str).str.strip()
        own = own[own != ""]
        if current > 0 or not len(own) or _described(own.to_numpy(), set(ids.tolist())).mean() < OWN_IDS_MATCHED:
            return items
    chosen = str(names.get(column, column))
    report.notes.append(
        f"{file}: column {names.get(best, best)!r} read as {column}, not {chosen!r}: it describes "
        f"{best_share:.0%} of the interactions' {what}, {chosen!r} {current:.0%}")
    out = items.rename(columns={column: passed_over(chosen), best: column})
    out[column] = out[column].astype(str).str.strip()
    empty = (out[column] == "").to_numpy()
    return skip_rows(out, empty, column, str(file), report, lambda _i: "empty (required)")


def _item_column_first(inter: pd.DataFrame, item_ids: pd.Series, file: Path, report: IngestReport) -> pd.DataFrame:
    """A bare interactions file was read shopper first (:mod:`.schema`'s reading by
    content); swap the two id columns when the items file says the first is the item."""
    table = set(item_ids.tolist())

    def hits(col: str) -> float:
        known = _described(pd.unique(inter[col]), table)
        return float(known.mean()) if len(known) else 0.0

    user_hits, item_hits = hits("user_id"), hits("item_id")
    if not headerless.item_column_check(user_hits, item_hits):
        return inter
    report.notes.append(f"{file}: the items file describes {user_hits:.0%} of the ids read as user_id and "
                        f"{item_hits:.0%} of those read as item_id: the file lists the item first; read that way")
    return inter.rename(columns={"user_id": "item_id", "item_id": "user_id"})


def _drop_duplicate_ids(
    frame: pd.DataFrame, id_col: str, file: str, report: IngestReport
) -> pd.DataFrame:
    """Keep the first row per id; later ones are reported as bad rows. A file in which
    most lines repeat an id and that also names the other side (a shopper beside the
    items, an item beside the shoppers) or a time is no table of items or shoppers but a
    list of events (the interactions file given as ``--users``, which made its quantity a
    demographic): an error saying so, not tens of thousands of bad rows. (An items file
    of one line per item and tag is no such list: its first line per item is kept.)"""
    dup = frame[id_col].duplicated(keep="first").to_numpy()
    if not dup.any():
        return frame.reset_index(drop=True)
    if dup.mean() > 0.5 and _names_events(frame, id_col):
        raise DataError(f"{file}: {int(dup.sum()):,} of {len(frame):,} lines repeat an id ({id_col}) already "
                        "listed: one line per event, as an interactions file has, not one per item or shopper; "
                        "is it the interactions file?")
    first_line = frame.drop_duplicates(id_col).set_index(id_col)["_line"]
    return skip_rows(frame, dup, id_col, file, report,
                      lambda v: f"duplicate id {v!r} (first at line {int(first_line[v])}); row skipped")


def _names_events(frame: pd.DataFrame, id_col: str) -> bool:
    """Whether a side file keyed by ``id_col`` has a column named as the other id or as a
    time, as an interactions file has."""
    other = GENERIC_INTERACTIONS.column("item_id" if id_col in ("user_id", "household_id") else "user_id")
    times = GENERIC_INTERACTIONS.column("timestamp")
    return any(key in other.header_keys or key in times.header_keys
               for _, key in unread_columns(frame, (id_col,)).values())


def _empty_items() -> pd.DataFrame:
    return pd.DataFrame({c: pd.Series(dtype=object) for c in ITEM_COLUMNS})


def _finish_interactions(inter: pd.DataFrame) -> pd.DataFrame:
    out = inter[list(INTERACTION_COLUMNS)].reset_index(drop=True).copy()
    for col in ("user_id", "item_id", "event_type", "store_id", "session_id"):
        out[col] = out[col].fillna("").astype(str)
    for col in ("quantity", "price"):
        out[col] = pd.to_numeric(out[col], errors="coerce").astype(float)
    out["timestamp"] = pd.to_datetime(out["timestamp"])
    return out


def _finish_items(items: pd.DataFrame) -> pd.DataFrame:
    out = items.copy()
    for col in ITEM_COLUMNS:
        if col not in out:
            out[col] = np.nan if col == "price" else ""
    out = out[list(ITEM_COLUMNS)].reset_index(drop=True)
    for col in ("item_id", "name", "category", "department", "brand", "attributes"):
        out[col] = out[col].fillna("").astype(str)
    out["price"] = pd.to_numeric(out["price"], errors="coerce").astype(float)
    return out
