"""Exports that are not CSV text: JSON lines, Parquet and spreadsheets, turned into CSV text.

Amazon's and Yelp's reviews and Goodreads' interactions ship as JSON lines (one object
per line, often gzipped); data warehouses export Parquet; UCI publishes Online Retail
(I and II) as Excel workbooks, and a store's back office saves what it has in Excel.
All are tables, so :func:`as_csv` writes them as CSV text that :func:`.table.read_table`
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
import re
from array import array
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from itertools import islice
from typing import Any

from .names import header_key

PARQUET_MAGIC = b"PAR1"
OLE2_MAGIC = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"
"""An old Excel ``.xls`` (and other Office files)."""


class FormatError(ValueError):
    """The file is in a format the trainer does not read; the message says what to do."""


@dataclass
class Converted:
    """A non-CSV export as CSV text, and where each data row came from."""

    text: str
    line_map: Sequence[int]
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
    if block_layout(raw):
        return _item_blocks(raw)
    if SQL_DUMP.search(raw[:65536]):
        raise FormatError("an SQL dump (INSERT statements), not a table: export the table as CSV (mysql --batch, "
                          "psql's \\copy ... to 'file.csv' csv header, or SELECT ... INTO OUTFILE)")
    json_kind = json_layout(raw)
    if json_kind == "lines":
        return _wrapped_records(raw) or _json_lines(raw)
    if json_kind == "array":
        return _json_array(raw)
    return None


JSON_MEMORY = 3
"""Peak memory of turning JSON into a table's text, per byte of it: the bytes, and the
CSV text twice while it is written out (JSON lines are read a record at a time; a JSON
array is parsed whole and takes more). Measured (``ru_maxrss`` around ``as_csv``,
session (x)): 175 MB of 3-field lines peaked at 2.4x, 114 MB of OTTO-shaped nested
sessions at 3.2x (with the interpreter's 0.2 GB); reading every record as a dict first
had taken 12-14x. The sample (:mod:`.sampling`) then applies to that text as to a CSV's."""


JSON_ARRAY_MEMORY = 9
"""The same for a JSON array, parsed whole into objects first: 6.9x the file above its
bytes (a review of session (x), 26 MB measured), so 9 with the bytes and the interpreter."""


def conversion_memory(raw: bytes) -> tuple[int, str] | None:
    """``(bytes, why)`` that turning ``raw`` into a table's text takes at its peak, for a
    layout that is converted before a sample can leave rows out; None otherwise."""
    layout = json_layout(raw)
    if layout is not None:
        factor = JSON_MEMORY if layout == "lines" else JSON_ARRAY_MEMORY
        return factor * len(raw), "JSON becomes a table's text before a sample can leave rows out"
    if block_layout(raw):
        return BLOCKS_MEMORY * len(raw), "its blocks become a table's text before a sample can leave rows out"
    return None


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
    if isinstance(value, dict | list | tuple | set | frozenset):
        # default=str: a Python-dict line may hold a set or other literals JSON has not;
        # keys of mixed types cannot be sorted, so they keep their order.
        try:
            return json.dumps(value, sort_keys=True, ensure_ascii=False, default=str)
        except TypeError:
            return json.dumps(value, ensure_ascii=False, default=str)
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


def _json_line_values(raw: bytes) -> Iterator[tuple[int, dict[str, Any] | None, str]]:
    """``(line, record, "")`` for each JSON object line, ``(line, None, why)`` for a line
    that is none; blank lines are skipped, lines count from 1.

    A line at a time from the bytes, so only one record is alive. Split on ``\n`` only:
    inside a JSON string a U+2028 or a NEL is text, not the end of the record (as
    ``str.splitlines`` would have it). A UTF-8 byte order mark before the first record
    is not part of it."""
    start, number, end_of_file = 0, 0, len(raw)
    while start < end_of_file:
        end = raw.find(b"\n", start)
        if end < 0:
            end = end_of_file
        number += 1
        line = raw[start:end]
        start = end + 1
        if not line.strip():
            continue
        text = line.decode("utf-8", errors="replace")
        if number == 1:
            text = text.lstrip("\ufeff")
        try:
            value = json.loads(text)
        except json.JSONDecodeError as exc:
            value = _python_literal(text)
            if value is None:
                yield number, None, f"not JSON ({exc.msg}, column {exc.colno})"
                continue
            yield number, value, PYTHON_REPR
            continue
        if not isinstance(value, dict):
            yield number, None, f"a JSON {type(value).__name__}, not an object"
            continue
        yield number, value, ""


PYTHON_REPR = "python"
"""How :func:`_json_line_values` marks a record written in Python's syntax."""


def _python_literal(text: str) -> dict[str, Any] | None:
    """A line in Python's dict syntax (``{'user_id': '7656', 'items': [...]}``: McAuley's
    Steam and Epinions files, written with ``str(dict)``), read safely as the literal it
    is (``ast.literal_eval`` evaluates no code); None for anything else."""
    stripped = text.strip()
    if not (stripped.startswith("{") and "'" in stripped):
        return None
    import ast

    try:
        value = ast.literal_eval(stripped)
    except (ValueError, SyntaxError, MemoryError, RecursionError):
        return None
    return value if isinstance(value, dict) else None


def _json_lines(raw: bytes) -> Converted:
    """JSON lines as CSV text, in two passes over the bytes (the columns, then the rows)
    rather than every record as a dict at once: the records of 175 MB of 3-field lines
    held 0.9 GB more than their table (docs/performance-log.md, session (x))."""
    head = list(islice((v for _, v, _ in _json_line_values(raw) if v is not None), 100))
    nested = _nested_list(head)
    parents = _bulk_parents(raw) if any(BULK_PARENT in r for r in head) else None
    columns: dict[str, None] = {}
    bad: list[tuple[int, str]] = []
    records = rows = python = 0
    no_list = _no_list(nested)
    empty = 0  # records whose list is empty: no product, no row
    for number, record, why in _json_line_values(raw):
        if record is None:
            bad.append((number, why))
            continue
        records += 1
        python += why == PYTHON_REPR
        if parents is not None and (record := _with_parent(record, parents)) is None:
            continue  # a parent (an order) of child lines: its fields go with them
        parts = _rows_of(record, nested)
        if parts is None:
            bad.append((number, no_list))
            continue
        empty += not parts
        for row in parts:
            columns.update(dict.fromkeys(row))
            rows += 1
    if not records:
        raise FormatError(_no_records(raw, bad))
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(columns)
    line_map = array("q")  # 8 bytes a row, not a list's int objects (~36)
    for number, record, _ in _json_line_values(raw):
        if parents is not None and record is not None:
            record = _with_parent(record, parents)
        for row in (_rows_of(record, nested) or ()) if record is not None else ():
            writer.writerow([_cell(row.get(c)) for c in columns])
            line_map.append(number)
    if nested is None:
        unread = f", {len(bad):,} lines that are no JSON object" if bad else ""
        what = f"JSON lines ({records:,} records{unread})"
    else:
        unread = f", {len(bad):,} lines that are no JSON object or have no {nested!r} list" if bad else ""
        said = f"{records:,} records' {nested!r} lists, one row per element with its record's other fields"
        what = f"JSON lines ({rows:,} rows from {said}{unread}{_empty_lists(empty, nested)})"
    if python:
        what = what[:-1] + f"; {python:,} records in Python's dict syntax, read as the literals they are)"
    return Converted(out.getvalue(), line_map, what, bad)


BULK_PARENT = "__parentId"
"""Shopify's bulk-operation JSON lines: an order a line, then each of its line items a
line of its own naming the order in this field."""


def _bulk_parents(raw: bytes) -> dict[Any, dict[str, Any]]:
    """The records that child lines name as their parent, by id (the orders; their line
    items are not kept): one pass over the lines."""
    named: set[Any] = set()
    candidates: dict[Any, dict[str, Any]] = {}
    for _, record, _ in _json_line_values(raw):
        if record is None:
            continue
        if BULK_PARENT in record:
            named.add(record[BULK_PARENT])
        elif isinstance(record.get("id"), (str, int)):
            candidates[record["id"]] = record
    return {k: v for k, v in candidates.items() if k in named}


def _with_parent(record: dict[str, Any], parents: dict[Any, dict[str, Any]]) -> dict[str, Any] | None:
    """A child line with its parent's fields (the order's customer and time; the line's
    own fields win), None for a parent that has child lines (no row of its own), the
    record itself otherwise. Read alone, every line item lacked the order's customer and
    time and every order its product: no usable row."""
    if BULK_PARENT in record:
        parent = parents.get(record[BULK_PARENT], {})
        return {"order_id": record[BULK_PARENT], **{k: v for k, v in parent.items() if k != "id"},
                **{k: v for k, v in record.items() if k != BULK_PARENT}}  # (the order: the basket)
    return None if record.get("id") in parents else record


WRAPPER_KEYS = frozenset({"info", "meta", "metadata", "pagination", "paging", "links", "_links", "page", "count",
                          "total", "next", "previous", "cursor", "has_more", "status"})
"""Keys an API response puts beside its list of records (Spotify's ``info``, a page's
``next`` / ``count``); a record's own fields (a customer object beside its events) are none."""


def _wrapped_records(raw: bytes) -> Converted | None:
    """A file that is one JSON object holding its records in one list, its other values
    objects or nothing (Shopify's REST ``{"orders": [...]}`` as ``curl`` saves it, on one
    line or pretty-printed; Spotify's ``{"info": {...}, "playlists": [...]}``): the list's
    objects read as a JSON array's are. One line of JSON lines stops the parse at its end
    ('Extra data'), so a file of records costs one record's parse here. A record with its
    own fields beside a list (OTTO's session and its events, a customer object beside its
    events: anything but :data:`WRAPPER_KEYS`) is JSON lines' record."""
    try:
        whole = json.loads(raw.decode("utf-8", errors="replace").lstrip("\ufeff"))
    except json.JSONDecodeError:
        return None
    if not isinstance(whole, dict):
        return None
    lists = [k for k, v in whole.items() if isinstance(v, list) and v and all(isinstance(e, dict) for e in v)]
    if len(lists) != 1 or any(str(k).lower() not in WRAPPER_KEYS for k in whole if k != lists[0]):
        return None
    return _exploded(whole[lists[0]], f"a JSON object holding its records in {lists[0]!r}", "objects",
                     "the element number")


def _no_records(raw: bytes, bad: list[tuple[int, str]]) -> str:
    """Why a file that opens like JSON lines gave no record: one JSON document over
    several lines (Spotify's playlist slices), or lines that are no JSON at all."""
    try:
        whole = json.loads(raw.decode("utf-8", errors="replace").lstrip("\ufeff"))
    except json.JSONDecodeError:
        whole = None
    if isinstance(whole, dict):
        lists = [k for k, v in whole.items() if isinstance(v, list)]
        lines = raw.count(b"\n") + 1
        return (f"one JSON object over {lines:,} lines "
                f"(keys {', '.join(list(whole)[:6])}), not one record a line: give its list of records"
                + (f" ({', '.join(lists[:3])}) as JSON lines or a JSON array" if lists else ""))
    first = bad[0] if bad else (1, "empty")
    return f"no line is a JSON object (line {first[0]}: {first[1]})"


def _nested_list(records: list[dict[str, Any]]) -> str | None:
    """The field holding each record's rows, or None: a session log written as one record
    per session (OTTO: ``{"session": 1, "events": [{"aid": .., "ts": .., "type": "clicks"},
    ...]}``). A field named as the items (:data:`ITEM_LIST_NAMES`) that is a non-empty list
    of objects in any of the first 100 records; else only a field that is one in at least
    90 % of them, and the only such field: Amazon's reviews carry an ``images`` list that is
    empty on most of them, and each review is one row."""
    sample = [_unbagged(r) for r in records[:100]]
    if not sample:
        return None
    counts: dict[str, int] = {}
    for record in sample:
        for key, value in record.items():
            if isinstance(value, list) and value and all(isinstance(v, dict) for v in value):
                counts[key] = counts.get(key, 0) + 1
    # A field named as a record's items first: Google Analytics 4's BigQuery export gives
    # every event an event_params list and the commerce events an items list (empty on a
    # page_view, whose record is then a bad line: no item was seen).
    named = [k for k in counts if k.lower().replace("_", "") in ITEM_LIST_NAMES]
    if len(named) == 1:
        return named[0]
    keys = [k for k, n in counts.items() if n >= 0.9 * len(sample)
            and k.lower().replace("_", "") not in MEDIA_LIST_NAMES]
    return keys[0] if len(keys) == 1 else None


MEDIA_LIST_NAMES = ("images", "videos", "photos", "pictures", "media", "attachments", "imageurls")
"""Lists of a record's pictures (Amazon 2023's product metadata: every product has
``images``), never its rows."""


ITEM_LIST_NAMES = ("items", "events", "products", "lineitems", "orderitems", "orderlines", "lines")
"""Field names that hold a record's rows (lowercase, ``_`` dropped)."""


def _rows_of(record: dict[str, Any], key: str | None) -> list[dict[str, Any]] | None:
    """The table rows of one record: itself, or with a nested ``key`` one row per element
    of its list with the record's other fields (its session) copied in. None when that
    list is missing or not a list of objects: a bad line, not silently no rows."""
    record = _unbagged(record)
    if key is None:
        return [_flat(record)]
    value = record.get(key)
    if not isinstance(value, list) or not value or not all(isinstance(v, dict) for v in value):
        # Segment's 'Product Viewed' names its product itself, its 'Order Completed' lists
        # them. A GA4 page_view or session_start has the list, empty: an event about no
        # product, so no row (counted in the note), where a record without the list is a
        # bad line.
        own = any(k.lower().replace("_", "") in OWN_ITEM_KEYS for k in record)
        if own:
            return [_flat({k: v for k, v in record.items() if k != key})]
        return [] if value == [] else None
    outer = {k: v for k, v in record.items() if k != key}
    return [_flat({**outer, **element}) for element in value]


WHOLE_OBJECTS = frozenset({"attributes"})
"""Fields an object is meant whole in: an items file's ``attributes`` (the schema's JSON
object of a product's attributes), which split into ``attributes.color`` nobody read."""


def _flat(row: dict[Any, Any]) -> dict[Any, Any]:
    """``row`` with its objects' fields as fields of their own, named by their path
    (``{"customer": {"id": 7}}`` -> ``customer.id``, at any depth), as pandas'
    ``json_normalize`` names them and the header reader matches (``customer.id`` is the
    shopper). Kept whole as JSON text, a customer object was the shopper's id, and a
    product object the item's, so a price change made another item. Lists stay text."""
    if not any(isinstance(v, dict) for v in row.values()):
        return row  # (most records: one look)
    out: dict[Any, Any] = {}
    for k, v in row.items():
        if isinstance(v, dict) and v and k not in WHOLE_OBJECTS:
            for sub, inner in _flat(v).items():
                out[f"{k}.{sub}"] = inner
        else:
            out[k] = v
    return out


def _no_list(nested: str | None) -> str:
    """A bad line's reason: the record lacks the list of line items the others have. (The
    field's name after the words: the report counts reasons up to a quoted value.)"""
    return f"no list of objects in field {nested!r} (the other records have one)"


def _empty_lists(empty: int, nested: str | None) -> str:
    """For the note: records skipped because their list is empty (events about no product)."""
    return (f"; {empty:,} record{'s' if empty != 1 else ''} with an empty {nested!r} list (no product: a page "
            "view) skipped") if empty else ""


PROPERTY_BAGS = ("properties", "eventproperties")
"""Where product-analytics tools put an event's own fields (Mixpanel's and Segment's
``properties``, Amplitude's ``event_properties``): read as the record's own fields."""
OWN_ITEM_KEYS = ("productid", "itemid", "sku", "asin")
"""Keys that name a record's product itself (lowercase, ``_`` dropped)."""


def _unbagged(record: dict[str, Any]) -> dict[str, Any]:
    """``record`` with its :data:`PROPERTY_BAGS` fields lifted to the top (a field the
    record has itself wins): Mixpanel's ``{"event": .., "properties": {"distinct_id": ..,
    "time": .., "product_id": ..}}`` was refused, its header 'event, properties'."""
    bags = [k for k, v in record.items() if isinstance(v, dict) and k.lower().replace("_", "") in PROPERTY_BAGS]
    if not bags:
        return record
    out = {k: v for k, v in record.items() if k not in bags}
    for bag in bags:
        for k, v in record[bag].items():
            out.setdefault(k, v)
    return out


def _json_array(raw: bytes) -> Converted:
    try:
        value = json.loads(raw.decode("utf-8", errors="replace"))
    except json.JSONDecodeError as exc:
        raise FormatError(f"a JSON array that does not parse (line {exc.lineno}: {exc.msg})") from None
    records = [v for v in value if isinstance(v, dict)]
    if len(records) != len(value):
        raise FormatError(f"a JSON array with {len(value) - len(records)} elements that are not objects")
    # Elements have no line of their own: errors name the element's number, from 1.
    return _exploded(records, "a JSON array", "objects", "the element number")


def _exploded(records: list[dict[str, Any]], kind: str, unit: str, number: str) -> Converted:
    """Whole records (a JSON array's, a Parquet file's) as CSV text, a record's list of
    line items one row each as JSON lines are read (WooCommerce's REST orders'
    ``line_items``, a Parquet ``list<struct>`` column of GA4's ``items``): read whole, the
    list's JSON text was split into made-up items ('id', 'src', '0.00')."""
    nested = _nested_list(records)
    rows: list[dict[str, Any]] = []
    line_map: list[int] = []
    bad: list[tuple[int, str]] = []
    empty = 0  # records whose list is empty: no product, no row
    for at, record in enumerate(records, start=1):
        parts = _rows_of(record, nested)
        if parts is None:
            bad.append((at, _no_list(nested)))
            continue
        empty += not parts
        rows.extend(parts)
        line_map.extend([at] * len(parts))
    if not rows:
        raise FormatError(f"{kind} of {len(records):,} {unit}, none with a {nested!r} list of objects")
    said = (f"{len(records):,} {unit}" if nested is None else
            f"{len(rows):,} rows from {len(records):,} {unit}' {nested!r} lists, one row per element with the "
            f"other fields{_empty_lists(empty, nested)}")
    return Converted(_write(rows), line_map, f"{kind} ({said}; errors give {number}, from 1, as the line)", bad)


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
    # The same columns spelled another way ('Customer ID' on one sheet, 'CustomerID' on
    # the next, as the reader's column names compare them) are the same table.
    key = [header_key(str(h)) for h in header]
    used = [t for t in tables if [header_key(str(h)) for h in t[1]] == key]
    left_out = [t[0] for t in tables if t not in used]
    respelled = [t[0] for t in used if t[1] != header]
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
            + (f"; the same header spelled otherwise, read as these columns: {', '.join(repr(n) for n in respelled)}"
               if respelled else "")
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
    return _exploded(table.to_pylist(), "Parquet", "rows", "the row number")


SQL_DUMP = re.compile(rb"^(?:-- (?:MySQL|MariaDB|PostgreSQL database) dump|INSERT INTO [`\"\w.]+)", re.MULTILINE)
"""The start of ``mysqldump`` / ``pg_dump`` output, or an INSERT statement at a line's start."""

BLOCK_HEADER = re.compile(rb"^[ \t]*(\d+):[ \t]*\r?$", re.MULTILINE)
"""A line that is an id and a colon, heading the lines below it (Netflix Prize's
``1:`` before that movie's ratings)."""

BLOCKS_MEMORY = 4
"""Peak memory of :func:`_item_blocks` per byte of the file: the bytes, the rows as one
growing buffer, their text and the line map (measured 3.8x on 103 MB of Netflix-shaped
blocks, 5 M rows, session (y))."""


def block_layout(raw: bytes) -> bool:
    """Whether ``raw`` is rows in blocks, each under a line ``ID:`` (Netflix Prize's
    ``combined_data_*.txt`` and ``training_set/mv_*.txt``: ``1:``, then that movie's
    ``CustomerID,Rating,Date`` lines). A CSV's first line has a separator; this one has
    an id and a colon only, and the next line holds a number (a row, or the next id: a
    file of ids alone is then an error that says so)."""
    lines = [line for line in raw[:4096].lstrip(b"\xef\xbb\xbf").split(b"\n")[:3] if line.strip()]
    return len(lines) >= 2 and BLOCK_HEADER.fullmatch(lines[0]) is not None and re.search(rb"\d", lines[1]) is not None


BLOCK_DATE = re.compile(rb"\d{4}-\d\d-\d\d")


def _block_columns(first_row: bytes) -> list[str]:
    """The header for a block layout's rows: the block's id is the item, a row's first
    field the shopper (Netflix's ``CustomerID``), a date the time and a small number the
    rating (an extra column, not read); any other field keeps its position's name."""
    fields = first_row.strip().split(b",")
    names = ["item_id", "user_id"]
    for k, value in enumerate(fields[1:], 2):
        if BLOCK_DATE.match(value) and "timestamp" not in names:
            names.append("timestamp")
        elif value.isdigit() and len(value) <= 2 and "rating" not in names:
            names.append("rating")
        else:
            names.append(f"field {k}")
    return names


def _item_blocks(raw: bytes) -> Converted:
    """A block layout (:func:`block_layout`) as CSV text: every row takes its block's id
    as its first field, ``item_id``. One block is sliced out at a time (Netflix's largest
    movie has 232,944 lines), and the rows go straight into one growing buffer: splitting
    the whole file first held a second copy of it (5.9x a 103 MB file at the peak, 3.8x
    this way: ``BLOCKS_MEMORY``)."""
    raw = raw.removeprefix(b"\xef\xbb\xbf")  # (a copy only then: '^' never matches at a search's start)
    heads = list(BLOCK_HEADER.finditer(raw))  # (tens of thousands at most: a movie each)
    out = bytearray()
    line_map = array("q")
    bad: list[tuple[int, str]] = []
    first = heads[0].start() if heads else len(raw)
    for number, before in enumerate(raw[:first].split(b"\n")[:-1], 1):
        if before.strip():
            bad.append((number, "a row above the first block's 'ID:' line"))
    columns: list[str] | None = None
    line = 1 + raw.count(b"\n", 0, first)  # the line of the block's 'ID:'
    for index, head in enumerate(heads):
        item = head.group(1)
        end = heads[index + 1].start() if index + 1 < len(heads) else len(raw)
        pieces = raw[head.end():end].split(b"\n")  # [the rest of the 'ID:' line, row, row, ..., ""]
        for offset, piece in enumerate(pieces[1:], 1):
            if piece.strip():
                if columns is None:
                    columns = _block_columns(piece)
                out += item + b"," + piece.rstrip(b"\r") + b"\n"
                line_map.append(line + offset)
        line += len(pieces) - 1
    if columns is None:
        raise FormatError(f"{len(heads):,} 'ID:' lines (blocks, as Netflix Prize writes a movie's ratings) "
                          "with no row under any of them")
    out[0:0] = (",".join(columns) + "\n").encode()  # in place: a str joined to the text would be a third copy
    text = out.decode("utf-8", errors="replace")
    del out
    what = (f"{len(heads):,} blocks of rows, each under a line 'ID:' (Netflix Prize's layout: the id is the "
            f"item, a row's fields {', '.join(columns[1:])})")
    return Converted(text, line_map, what, bad)


def basket_lines(text: str) -> Converted:
    """A file of one basket a line (:func:`.headerless.is_basket_per_line`) as a table
    ``session_id,item_id``: a row per name on a line, the line's number as its basket."""
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(("session_id", "item_id"))
    line_map = array("q")
    baskets = 0
    items: set[str] = set()
    for number, line in enumerate(text.split("\n"), 1):
        names = [f.strip() for f in next(csv.reader([line]), []) if f.strip()]
        baskets += bool(names)
        for item in names:
            writer.writerow((f"line {number}", item))
            line_map.append(number)
            items.add(item)
    what = (f"one basket a line, each name on it an item, no header (the arules 'groceries.csv' layout): "
            f"{baskets:,} baskets of {len(items):,} items, each read with its line number as its id")
    return Converted(out.getvalue(), line_map, what)
