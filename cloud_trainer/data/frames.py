"""The frames a :class:`.ingest.RawDataset` holds, in their final shape: the schema's
columns in order and typed, and a side file's repeated ids left out (or the file
refused, when it is an interactions file given as a side file); :func:`finished` makes
an adapter's result of them.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd

from cloud_trainer.data.ingest import IngestReport, RawDataset
from cloud_trainer.data.lines import (
    skip_rows,
    unread_columns,
)
from cloud_trainer.data.schema import (
    GENERIC_INTERACTIONS,
    INTERACTION_COLUMNS,
    ITEM_COLUMNS,
    DataError,
)

EXPORT_SUFFIXES = (".csv", ".csv.gz", ".csv.bz2", ".csv.xz", ".zip")
"""An adapter's files as published (REES46's ``2019-Oct.csv.gz``) or unpacked (``.csv``)."""


def drop_duplicate_ids(
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
    if dup.mean() > 0.5 and {"property", "value"} <= {key for _, key in unread_columns(frame, (id_col,)).values()}:
        raise DataError(f"{file}: {int(dup.sum()):,} of {len(frame):,} lines repeat an id ({id_col}) already listed, "
                        "with 'property' and 'value' columns: one line per property (an entity-attribute-value "
                        "table, as Retailrocket's item_properties), not one per item; give a table of one line per "
                        "item, the properties wanted as its columns")
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


def empty_items() -> pd.DataFrame:
    return pd.DataFrame({c: pd.Series(dtype=object) for c in ITEM_COLUMNS})


def finish_interactions(inter: pd.DataFrame) -> pd.DataFrame:
    out = inter[list(INTERACTION_COLUMNS)].reset_index(drop=True).copy()
    for col in ("user_id", "item_id", "event_type", "store_id", "session_id"):
        out[col] = out[col].fillna("").astype(str)
    for col in ("quantity", "price"):
        out[col] = pd.to_numeric(out[col], errors="coerce").astype(float)
    out["timestamp"] = pd.to_datetime(out["timestamp"])
    return out


def finish_items(items: pd.DataFrame) -> pd.DataFrame:
    out = items.copy()
    for col in ITEM_COLUMNS:
        if col not in out:
            out[col] = np.nan if col == "price" else ""
    out = out[list(ITEM_COLUMNS)].reset_index(drop=True)
    for col in ("item_id", "name", "category", "department", "brand", "attributes"):
        out[col] = out[col].fillna("").astype(str)
    out["price"] = pd.to_numeric(out["price"], errors="coerce").astype(float)
    return out


def finished(name: str, inter: pd.DataFrame, items: pd.DataFrame, users: pd.DataFrame, report: IngestReport,
             hasher: Any, **fields: Any) -> RawDataset:
    """An adapter's result: its tables in their final shape, the fingerprint of every
    file it read and the files themselves; ``fields`` are what differs between adapters
    (``timezone``, ``real_context``)."""
    return RawDataset(name=name, interactions=finish_interactions(inter), items=finish_items(items),
                      users=users.reset_index(drop=True), report=report, fingerprint=hasher.hexdigest(),
                      sources=sorted(report.files), **fields)
