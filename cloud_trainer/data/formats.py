"""Exports that are not CSV text: JSON lines, Parquet and spreadsheets, turned into CSV text.

Amazon's and Yelp's reviews and Goodreads' interactions ship as JSON lines (one object
per line, often gzipped); data warehouses export Parquet; UCI publishes Online Retail
(I and II) as Excel workbooks, and a store's back office saves what it has in Excel.
All are tables, so :func:`as_csv` writes them as CSV text that :func:`.schema.read_table`
then validates like any other export -- one validator, one set of column names and
notes. Errors keep pointing at the source: ``line_map[i]`` is the JSON line (the Parquet
row number, from 1; the workbook row) of the i-th data row, and a JSON line that does
not parse is a bad row of its own, the others going on.
"""

from __future__ import annotations

import csv
import datetime
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


ZIP_MAGIC = b"PK\x03\x04"


def workbook_kind(members: list[str]) -> str | None:
    """The spreadsheet a zip archive with these members is (``xlsx``, ``xlsb``, ``ods``),
    or None: Office and OpenDocument files are zips of XML parts."""
    if "xl/workbook.xml" in members:
        return "xlsx"
    if "xl/workbook.bin" in members:
        return "xlsb"
    if "content.xml" in members and "mimetype" in members:
        return "ods"
    return None


def as_csv(raw: bytes) -> Converted | None:
    """``raw`` as CSV text when it is JSON lines, a JSON array, Parquet or a spreadsheet
    (Excel ``.xlsx`` / ``.xls`` / ``.xlsb``, OpenDocument ``.ods``); None for anything else
    (it is then read as CSV)."""
    if raw.startswith(OLE2_MAGIC):
        return _workbook(raw, "xls")
    if raw.startswith(ZIP_MAGIC):
        import zipfile

        try:
            kind = workbook_kind(zipfile.ZipFile(io.BytesIO(raw)).namelist())
        except zipfile.BadZipFile:
            kind = None
        if kind is not None:
            return _workbook(raw, kind)
    if raw.startswith(PARQUET_MAGIC):
        return _parquet(raw)
    json_kind = json_layout(raw)
    if json_kind == "lines":
        return _json_lines(raw)
    if json_kind == "array":
        return _json_array(raw)
    return None


JSON_MEMORY = 13
"""Peak memory of reading JSON, per byte of it: every record becomes a dict before the
table's text is written, and only then can a sample leave rows out. Measured with
``load_dataset`` (``ru_maxrss``): 101 MB of 3-field JSON lines peaked at 1.28 GB (12.7x),
108 MB of Amazon-review-shaped lines at 0.80 GB (7.4x)."""


def json_layout(raw: bytes) -> str | None:
    """``"lines"`` (JSON lines), ``"array"`` (a JSON array of objects) or None."""
    head = raw[:64].lstrip(b"\xef\xbb\xbf \t\r\n")
    if head.startswith(b"{"):
        return "lines"
    if head.startswith(b"[") and head[1:].lstrip().startswith(b"{"):
        return "array"
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


def _sheet_cell(value: Any) -> str:
    """One spreadsheet cell as CSV text. Every number is a float in a workbook, so whole
    ones are written without ``.0`` (``17850.0`` is customer 17850), up to 2**53, below
    which a float holds every whole number exactly; a bigger one is no exact id any more
    and keeps its float form. (Excel itself keeps 15 significant digits: a 16-digit number
    typed into it has already lost its last digit; one written by a program keeps it.)
    Dates and times in ISO form, which the timestamp reader takes as it is."""
    if isinstance(value, float) and value.is_integer() and abs(value) < 2**53:
        return str(int(value))
    if isinstance(value, datetime.datetime):
        # A workbook keeps a time as a fraction of a day: 08:26 comes back as
        # 08:25:59.999999 or 08:26:00.000002. To the millisecond, what Excel shows.
        value = value.replace(microsecond=0) + datetime.timedelta(milliseconds=round(value.microsecond / 1000))
        return value.isoformat(sep=" ", timespec="milliseconds" if value.microsecond else "seconds")
    if isinstance(value, datetime.time):
        whole = datetime.datetime.combine(datetime.date(2000, 1, 1), value)
        return _sheet_cell(whole).split(" ", 1)[1]
    if isinstance(value, datetime.date):
        return value.isoformat()
    return _cell(value)


def _workbook(raw: bytes, kind: str) -> Converted:
    """A spreadsheet's table: the sheet with the most rows (not a cover or README sheet
    that happens to come first), with every other sheet that has the same header (UCI's
    Online Retail II splits its two years into two sheets), in workbook order; the others
    are left out, and the note names them. With one sheet, errors give the workbook's own
    row numbers; with several, lines count on through them, and the note gives each
    sheet's range. Read with ``python-calamine`` (Rust, no Excel needed)."""
    try:
        from python_calamine import CalamineWorkbook
    except ImportError:  # pragma: no cover - a dependency of the cloud extra
        raise FormatError(f"an Excel or OpenDocument workbook (.{kind}): reading it needs python-calamine "
                          "(pip install python-calamine), or save each sheet as 'CSV UTF-8'") from None
    # (sheet, header, data rows, the header's row number in the sheet, merged ranges filled)
    tables = []
    titles: list[str] = []  # lines above a sheet's header: a report's title
    try:
        book = CalamineWorkbook.from_filelike(io.BytesIO(raw))
        for name in book.sheet_names:
            sheet = book.get_sheet_by_name(name)
            rows = sheet.to_python()  # from the sheet's first used row and column
            first = _header_row(rows)
            if first is None:
                continue  # an empty sheet
            above = [c for row in rows[:first] for c in _trimmed(row) if c]
            if above:
                titles.append(f"{name!r}: {' / '.join(above)[:60]!r}")
            # calamine gives merges for .xlsx and .xls only (None for .ods and .xlsb).
            filled = _fill_merged(rows, sheet.merged_cell_ranges or [], sheet.start, first)
            tables.append((name, _trimmed(rows[first]), rows[first + 1:], sheet.start[0] + first + 1, filled))
    except Exception as exc:  # calamine raises its own error types for damaged files
        raise FormatError(f"looks like a workbook (.{kind}) but does not read ({exc})") from None
    if not tables:
        raise FormatError(f"a workbook (.{kind}) with no rows in any sheet")
    header = max(tables, key=lambda t: len(t[2]))[1]
    used = [t for t in tables if t[1] == header]
    left_out = [t[0] for t in tables if t[1] != header]
    filled = sum(t[4] for t in used)
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(header)
    line_map: list[int] = []
    ranges = []
    unit = "row" if len(used) == 1 else "line"  # one sheet: its own rows; several: counted on
    for name, _, data, header_row, _ in used:
        line = header_row if len(used) == 1 else (line_map[-1] if line_map else 1)
        for row in data:
            writer.writerow([_sheet_cell(v) for v in row[: len(header)]])
            line += 1
            line_map.append(line)
        a, b = line - len(data) + 1, line
        span = f"{unit}s {a:,}-{b:,}" if b > a else f"{unit} {a:,}" if b == a else "(header only)"
        ranges.append(f"{name!r} {span}")
    what = (f"an {'OpenDocument' if kind == 'ods' else 'Excel'} workbook (.{kind}; "
            + (f"sheet {ranges[0]}, errors give the sheet's row" if len(used) == 1 else
               "sheets with the same header, read as one table, lines counting on through them: "
               + ", ".join(ranges))
            + (f"; left out, with another header: {', '.join(repr(n) for n in left_out)}" if left_out else "")
            + (f"; a title above the header, not read: {'; '.join(titles)}" if titles else "")
            + (f"; {filled} merged cell range(s) read as their value in every cell" if filled else "")
            + ")")
    return Converted(out.getvalue(), line_map, what)


def _fill_merged(rows: list[list[Any]], ranges: list[tuple[tuple[int, int], tuple[int, int]]],
                 start: tuple[int, int], header: int) -> int:
    """Copy each merged range's value (kept in its first cell only) into all its cells, for
    ranges below the ``header`` row: a report merges an invoice's number, date or customer
    over its lines, and each line is a row of its own. Merges at or above the header (a
    title across the table, a header over two columns) stay as they are. Returns the
    number of ranges filled (those with a value)."""
    filled = 0
    for (r0, c0), (r1, c1) in ranges:
        top, left = r0 - start[0], c0 - start[1]
        if top <= header or left < 0 or top >= len(rows) or left >= len(rows[top]):
            continue
        value = rows[top][left]
        if value == "":
            continue
        for r in range(top, min(r1 - start[0], len(rows) - 1) + 1):
            for c in range(left, min(c1 - start[1], len(rows[r]) - 1) + 1):
                rows[r][c] = value
        filled += 1
    return filled


def _header_row(rows: list[list[Any]]) -> int | None:
    """The row that names the columns: the first non-empty one, unless it is a title (one
    cell, 'Sales report March' above a report's table) followed, within 10 rows, by a row
    of two or more cells. None for an empty sheet. A one-column table keeps its first row."""
    filled = [sum(1 for v in row if v != "") for row in rows]
    first = next((i for i, n in enumerate(filled) if n), None)
    if first is None or filled[first] != 1:
        return first
    wide = next((i for i in range(first + 1, min(first + 11, len(filled))) if filled[i] >= 2), None)
    return wide if wide is not None else first


def _trimmed(row: list[Any]) -> list[str]:
    """A header row's cells as text, without the empty cells after the last name."""
    cells = [_sheet_cell(v) for v in row]
    while cells and cells[-1] == "":
        cells.pop()
    return cells


def _parquet(raw: bytes) -> Converted:
    import pyarrow.parquet as pq

    try:
        table = pq.read_table(io.BytesIO(raw))
    except Exception as exc:  # pyarrow raises several types for a damaged file
        raise FormatError(f"looks like Parquet but does not read ({exc})") from None
    records = table.to_pylist()
    return Converted(_write(records), list(range(1, len(records) + 1)),
                     f"Parquet ({len(records):,} rows; errors give the row number, from 1, as the line)")
