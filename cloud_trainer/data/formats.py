"""Exports that are not CSV text: JSON lines and Parquet, turned into CSV text.

Amazon's and Yelp's reviews and Goodreads' interactions ship as JSON lines (one object
per line, often gzipped); data warehouses export Parquet. Both are tables, so
:func:`as_csv` writes them as CSV text that :func:`.schema.read_table` then validates
like any other export -- one validator, one set of column names and notes. Errors keep
pointing at the source: ``line_map[i]`` is the JSON line (or the Parquet row number,
from 1) of the i-th data row, and a JSON line that does not parse is a bad row of its
own, the others going on. Excel workbooks are recognised and refused with the way out
(save as CSV UTF-8), instead of a page of decoding noise.
"""

from __future__ import annotations

import csv
import io
import json
from dataclasses import dataclass, field
from typing import Any

PARQUET_MAGIC = b"PAR1"
OLE2_MAGIC = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"
"""An old Excel ``.xls`` (and other Office files)."""


class FormatError(ValueError):
    """The file is in a format the trainer does not read; the message says what to do."""


@dataclass
class Converted:
    """A non-CSV export as CSV text, and where each data row came from."""

    text: str
    line_map: list[int]
    what: str
    """For the note: ``JSON lines (3 records)``."""
    bad_lines: list[tuple[int, str]] = field(default_factory=list)
    """``(line, reason)`` of records that did not parse."""


def as_csv(raw: bytes) -> Converted | None:
    """``raw`` as CSV text when it is JSON lines, a JSON array or Parquet; None for
    anything else (it is then read as CSV)."""
    if raw.startswith(OLE2_MAGIC):
        raise FormatError("an Excel workbook (.xls), not a CSV file: save each sheet as 'CSV UTF-8'")
    if raw.startswith(PARQUET_MAGIC):
        return _parquet(raw)
    head = raw[:64].lstrip(b"\xef\xbb\xbf \t\r\n")
    if head.startswith(b"{"):
        return _json_lines(raw)
    if head.startswith(b"[") and head[1:].lstrip().startswith(b"{"):
        return _json_array(raw)
    return None


def _cell(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, dict | list):
        return json.dumps(value, sort_keys=True, ensure_ascii=False)
    if isinstance(value, float) and value != value:  # NaN from Parquet
        return ""
    # One physical line per record, so the CSV's line n is data row n - 2 (review texts
    # hold line breaks; nothing read depends on them).
    return str(value).replace("\r", " ").replace("\n", " ")


def _write(records: list[dict[str, Any]]) -> str:
    columns: dict[str, None] = {}
    for record in records:
        columns.update(dict.fromkeys(record))
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(columns)
    for record in records:
        writer.writerow([_cell(record.get(c)) for c in columns])
    return out.getvalue()


def _json_lines(raw: bytes) -> Converted:
    records: list[dict[str, Any]] = []
    lines: list[int] = []
    bad: list[tuple[int, str]] = []
    for number, line in enumerate(raw.decode("utf-8", errors="replace").splitlines(), start=1):
        if not line.strip():
            continue
        try:
            value = json.loads(line)
        except json.JSONDecodeError as exc:
            bad.append((number, f"not JSON ({exc.msg}, column {exc.colno})"))
            continue
        if not isinstance(value, dict):
            bad.append((number, f"a JSON {type(value).__name__}, not an object"))
            continue
        records.append(value)
        lines.append(number)
    unread = f", {len(bad):,} lines that are no JSON object" if bad else ""
    what = f"JSON lines ({len(records):,} records{unread})"
    nested = _nested_list(records)
    if nested is not None:
        records, lines, bad, said = _explode(records, lines, bad, nested)
        unread = f", {len(bad):,} lines that are no JSON object or have no {nested!r} list" if bad else ""
        what = f"JSON lines ({len(records):,} rows from {said}{unread})"
    return Converted(_write(records), lines, what, bad)


def _nested_list(records: list[dict[str, Any]]) -> str | None:
    """The field holding each record's rows, or None: a session log written as one record
    per session (OTTO: ``{"session": 1, "events": [{"aid": .., "ts": .., "type": "clicks"},
    ...]}``). Only a field that is a non-empty list of objects in at least 90 % of the
    first 100 records, and the only such field: Amazon's reviews carry an ``images`` list
    that is empty on most of them, and each review is one row."""
    sample = records[:100]
    if not sample:
        return None
    counts: dict[str, int] = {}
    for record in sample:
        for key, value in record.items():
            if isinstance(value, list) and value and all(isinstance(v, dict) for v in value):
                counts[key] = counts.get(key, 0) + 1
    keys = [k for k, n in counts.items() if n >= 0.9 * len(sample)]
    return keys[0] if len(keys) == 1 else None


def _explode(
    records: list[dict[str, Any]], lines: list[int], bad: list[tuple[int, str]], key: str
) -> tuple[list[dict[str, Any]], list[int], list[tuple[int, str]], str]:
    """One row per element of each record's ``key`` list, with the record's other fields
    (its session) copied in; every row keeps its record's line for errors. A record whose
    ``key`` is missing or not a list of objects is a bad line, not silently no rows."""
    rows: list[dict[str, Any]] = []
    row_lines: list[int] = []
    bad = list(bad)
    for record, line in zip(records, lines, strict=True):
        value = record.get(key)
        if not isinstance(value, list) or not value or not all(isinstance(v, dict) for v in value):
            bad.append((line, f"no {key!r} list of objects (the other records have one)"))
            continue
        outer = {k: v for k, v in record.items() if k != key}
        for element in value:
            rows.append({**outer, **element})
            row_lines.append(line)
    bad.sort()
    said = f"{len(records):,} records' {key!r} lists, one row per element with its record's other fields"
    return rows, row_lines, bad, said


def _json_array(raw: bytes) -> Converted:
    try:
        value = json.loads(raw.decode("utf-8", errors="replace"))
    except json.JSONDecodeError as exc:
        raise FormatError(f"a JSON array that does not parse (line {exc.lineno}: {exc.msg})") from None
    records = [v for v in value if isinstance(v, dict)]
    if len(records) != len(value):
        raise FormatError(f"a JSON array with {len(value) - len(records)} elements that are not objects")
    # Elements have no line of their own: errors name the element's number, from 1.
    return Converted(_write(records), list(range(1, len(records) + 1)),
                     f"a JSON array ({len(records):,} objects; errors give the element number as the line)")


def _parquet(raw: bytes) -> Converted:
    import pyarrow.parquet as pq

    try:
        table = pq.read_table(io.BytesIO(raw))
    except Exception as exc:  # pyarrow raises several types for a damaged file
        raise FormatError(f"looks like Parquet but does not read ({exc})") from None
    records = table.to_pylist()
    return Converted(_write(records), list(range(1, len(records) + 1)),
                     f"Parquet ({len(records):,} rows; errors give the row number, from 1, as the line)")
