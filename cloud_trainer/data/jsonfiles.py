"""JSON exports as a table: JSON lines (Amazon's and Yelp's reviews, Goodreads' interactions,
event pipelines), JSON arrays, API responses that wrap their list of records, Shopify's bulk
operation lines (children after their parents), Python-literal lines; nested objects
flattened to paths (``customer.id``), one list of line items exploded to rows, event
property bags opened."""

from __future__ import annotations

import contextlib
import csv
import io
import json
import re
from array import array
from collections import Counter
from collections.abc import Iterator
from itertools import islice
from typing import Any

from .blocks import baskets_table
from .records import MAX_RECORD_FIELDS, Converted, FormatError, cell, few_fields, write_records


def json_layout(raw: bytes) -> str | None:
    """``"lines"`` (JSON lines), ``"array"`` (a JSON array of objects), ``"baskets"`` (a JSON
    array of arrays: :func:`json_baskets`) or None."""
    head = raw[:64].lstrip(b"\xef\xbb\xbf \t\r\n")
    if head.startswith(b"{"):
        return "lines"
    if head.startswith(b"[") and head[1:].lstrip().startswith(b"{"):
        return "array"
    if head.startswith(b"[") and head[1:].lstrip().startswith(b"["):
        return "baskets"
    return None


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
        if value.keys() == {"schema", "payload"} and isinstance(value["payload"], dict):
            # Kafka Connect's JSON with its schema beside each message: the record is the
            # payload (its fields had been 'payload.customer_name' ..., a Debezium
            # unwrap's '__deleted' unread as 'payload.__deleted'; real121-ar)
            value = value["payload"]
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


_CHANGE_OPS = frozenset({"c", "r", "u", "d"})


def _change_event(record: dict[str, Any]) -> dict[str, Any] | None:
    """The change a Debezium event carries (``{"payload": {"before", "after", "source",
    "op"}}``, the payload alone where the converter drops the schema, or Flink's
    ``debezium-json`` without a ``source``), else None: its ``op`` one of Debezium's
    letters and its ``before`` and ``after`` row images (objects, or null), both present.
    (Not an app's cart log whose 'before' and 'after' are quantities; session ar's review.)"""
    inner = record.get("payload", record)
    if not isinstance(inner, dict) or inner.get("op") not in _CHANGE_OPS or "after" not in inner \
            or "before" not in inner:
        return None
    return inner if all(_row_image(inner.get(side)) is not None or inner.get(side) is None
                        for side in ("before", "after")) else None


def _row_image(value: Any) -> dict[str, Any] | None:
    """A change event's row image: an object, or MongoDB's connector's JSON text of one."""
    if isinstance(value, str) and value.startswith("{"):
        with contextlib.suppress(json.JSONDecodeError):
            value = json.loads(value)
    return value if isinstance(value, dict) else None


def _image_key(image: dict[str, Any]) -> str:
    return json.dumps(image, sort_keys=True, default=str)


def _change_rows(raw: bytes) -> tuple[dict[int, dict[str, Any]], int, int, int] | None:
    """Each row's last image, by the line it is on, where the JSON lines are Debezium's
    change events (its default output, no unwrap step): every create (``c``) and snapshot
    read (``r``) is a row; an update (``u``) replaces, and a delete (``d``) removes, the
    row its ``before`` names (:func:`_matching_row`), or, for an update without one
    (PostgreSQL's default replica identity), the one row whose first field, a table's key
    as tables are written, is its new image's; a change that names no row is left out,
    counted. Returns ``(images, updates, deletes, unmatched)``, or None for other lines.
    A TPC-C change feed had been refused, 'missing item_id', with its columns named
    'payload.after.ol_i_id' (real121-ar). Rows are never merged by a column's value: an
    order's lines share their order's id, and a line 3 had taken line 1's cancellation
    (session ar's reviews)."""
    head = [v for _, v, _ in islice(_json_line_values(raw), 20) if v is not None]
    if not head or not all(_change_event(r) is not None for r in head):
        return None
    rows: dict[int, dict[str, Any]] = {}
    by_image: dict[str, list[int]] = {}
    by_first: dict[str, list[int]] = {}  # (rows by their first field: found in one step, not a scan)
    updates = deletes = unmatched = 0
    for number, record, _ in _json_line_values(raw):
        event = _change_event(record) if record is not None else None
        if event is None:
            continue
        op, before, after = event["op"], _row_image(event.get("before")), _row_image(event.get("after"))
        if op in ("u", "d"):
            updates += op == "u"
            deletes += op == "d"
            at = _matching_row(rows, by_image, before, len(after) if after else 0) if before else None
            if at is None and after:
                # (40 cancellations without a 'before' had stayed purchases; session ar's review)
                found = by_first.get(_first_key(after), [])
                at = found[0] if len(found) == 1 else None
            if at is None:
                # (as a new row, an update would be a second purchase of the same line)
                unmatched += 1
                continue
            by_image[_image_key(rows[at])].remove(at)
            by_first[_first_key(rows[at])].remove(at)
            del rows[at]
            if op == "d":
                continue
        if after is None:
            continue
        rows[number] = after
        by_image.setdefault(_image_key(after), []).append(number)
        by_first.setdefault(_first_key(after), []).append(number)
    return rows, updates, deletes, unmatched


def _first_key(image: dict[str, Any]) -> str:
    """A row image's first field, as a key (its name and value)."""
    return json.dumps(next(iter(image.items()), None), default=str)


def _holds(row: dict[str, Any], values: dict[str, Any]) -> bool:
    return all(row.get(k) == v for k, v in values.items())


def _matching_row(rows: dict[int, dict[str, Any]], by_image: dict[str, list[int]],
                  before: dict[str, Any], width: int) -> int | None:
    """The last row whose image is ``before``, else, where ``before`` is narrower than the
    rows (``width`` fields: its key columns only), the last of the latest 100,000 rows that
    holds its values, else None."""
    same = by_image.get(_image_key(before))
    if same:
        return same[-1]
    if width and len([v for v in before.values() if v is not None]) >= width:
        return None
    # (a key-only image may write the other columns as nulls)
    known = {k: v for k, v in before.items() if v is not None}
    return next((at for at in islice(reversed(rows), 100_000) if _holds(rows[at], known)), None) if known else None


def json_lines(raw: bytes) -> Converted:
    """JSON lines as CSV text, in two passes over the bytes (the columns, then the rows)
    rather than every record as a dict at once: the records of 175 MB of 3-field lines
    held 0.9 GB more than their table (docs/performance-log.md, session (x))."""
    if (changes := _change_rows(raw)) is not None:
        return _changed_table(changes)
    head = list(islice((v for _, v, _ in _json_line_values(raw) if v is not None), 100))
    nested = _nested_list(head)
    _refuse_predictions(nested, "JSON lines")
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
        if len(columns) > MAX_RECORD_FIELDS and len(columns) > 100 * records:
            few_fields(columns, records)  # (at once: every field more costs each check a column)
    if not records:
        raise FormatError(_no_records(raw, bad))
    few_fields(columns, records)  # (the whole file's: a catalogue's first records may be its richest)
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    # OTTO's sessions ('session' beside its 'events' of aid, ts and type) are each one
    # shopper's four weeks, its README says: read as anonymous baskets, each was cut at
    # midnight into a visit a day, no history left (real115-aq).
    otto = bool(head) and all(set(r) == {"session", "events"} for r in head)
    writer.writerow(["user_id" if otto and c == "session" else c for c in columns])
    line_map = array("q")  # 8 bytes a row, not a list's int objects (~36)
    for number, record, _ in _json_line_values(raw):
        if parents is not None and record is not None:
            record = _with_parent(record, parents)
        for row in (_rows_of(record, nested) or ()) if record is not None else ():
            writer.writerow([cell(row.get(c)) for c in columns])
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
    if otto:
        what = what[:-1] + "; OTTO's layout: each 'session' is one shopper's, read as user_id)"
    return Converted(out.getvalue(), line_map, what, bad)


def _changed_table(changes: tuple[dict[int, dict[str, Any]], int, int, int]) -> Converted:
    """The rows :func:`_change_rows` kept, as CSV text, each on its event's line."""
    images, updates, deletes, unmatched = changes
    columns: dict[str, None] = {}
    for image in images.values():
        columns.update(dict.fromkeys(image))
    if not columns:
        raise FormatError("Debezium change events with no row left (every row deleted, or no 'after' image)")
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(list(columns))
    line_map = array("q")
    for number in sorted(images):
        writer.writerow([cell(images[number].get(c)) for c in columns])
        line_map.append(number)
    missed = f"; {unmatched:,} of them matched no earlier row" if unmatched else ""
    what = (f"Debezium change events ({len(images):,} rows, each its last 'after' image: {updates:,} updates and "
            f"{deletes:,} deletes applied to the rows their 'before' image names{missed})")
    return Converted(out.getvalue(), line_map, what, [])


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
                          "total", "next", "previous", "cursor", "has_more", "status",
                          # (a paged REST response's 'limit', 'offset', 'has_next'; real126-ar)
                          "limit", "offset", "has_next", "has_prev", "has_previous", "page_size", "pagesize",
                          "per_page", "total_count", "totalcount", "total_pages", "next_page", "prev_page",
                          "next_cursor", "success", "message", "code", "error", "errors", "request_id",
                          # (Chinese open platforms' status beside 'data'; review 59)
                          "msg", "errmsg", "errcode", "ret", "traceid", "trace_id",
                          # (MyBatis PageHelper's and Spring Data's pages beside their 'list' or
                          # 'content'; session as's review)
                          "pagenum", "pages", "startrow", "endrow", "prepage", "nextpage", "isfirstpage",
                          "islastpage", "hasnextpage", "haspreviouspage", "navigatepages", "navigatepagenums",
                          "navigatefirstpage", "navigatelastpage", "pageable", "totalelements", "totalpages",
                          "numberofelements", "first", "last", "empty", "sort", "number", "size",
                          # (DataTables' server-side response, an admin portal's: 'draw',
                          # 'recordsTotal', 'recordsFiltered' beside 'data'; real240-ax)
                          "draw", "recordstotal", "recordsfiltered"})
"""Keys an API response puts beside its list of records (Spotify's ``info``, a page's
``next`` / ``count``); a record's own fields (a customer object beside its events) are none."""


def wrapped_records(raw: bytes, table: str = "interactions") -> Converted | None:
    """A file that is one JSON object holding its records in one list, its other values
    objects or nothing (Shopify's REST ``{"orders": [...]}`` as ``curl`` saves it, on one
    line or pretty-printed; Spotify's ``{"info": {...}, "playlists": [...]}``): the list's
    objects read as a JSON array's are. One line of JSON lines stops the parse at its end
    ('Extra data'), so a file of records costs one record's parse here. A record with its
    own fields beside a list (OTTO's session and its events, a customer object beside its
    events: anything but :data:`WRAPPER_KEYS`) is JSON lines' record. ``table`` is what
    the file is read as (:func:`_lists_by_id`)."""
    try:
        whole = json.loads(raw.decode("utf-8", errors="replace").lstrip("\ufeff"))
    except json.JSONDecodeError:
        return None
    if not isinstance(whole, dict):
        return None
    if (keyed := _baskets_by_shopper(whole) or _split_baskets(whole) or _rated_pairs_by_shopper(whole)
            or _lists_by_id(whole, table)) is not None:
        return keyed
    if (frame := _pandas_frame(whole)) is not None:
        orient, records = frame
        return exploded(records, f"pandas' DataFrame.to_json, orient {orient!r}", "rows", "the row's place")
    if (held := _held_list(whole)) is None:
        return None
    path, records = held
    return exploded(records, f"a JSON object holding its records in {path!r}", "objects", "the element number")


def _default_index(keys: list[str]) -> bool:
    """Row numbers, rising, as a default index gives them, from 0 or filtered with gaps
    (review 66): not a promotions file's barcodes keying its objects (real108-aq), nor
    customers numbered 1 .. n without a gap (review 65): ids that are data."""
    numbers = [int(k) for k in keys if k.isdigit()]
    return (bool(numbers) and len(numbers) == len(keys) and numbers == sorted(numbers) and numbers[-1] < 10_000_000
            and numbers != list(range(1, len(numbers) + 1)))


def _pandas_frame(whole: dict[str, Any]) -> tuple[str, list[dict[str, Any]]] | None:
    """A table pandas' ``DataFrame.to_json`` wrote, and its rows as records: the default
    orient 'columns', ``{"Date": {"0": "5/22/2021", "1": ...}, "SKU": {...}}``, a column a
    key, each an object keyed by the row labels (a pet shop's sales, round 42: read as one
    record of 1,200 columns and refused with no hint); 'index', the same turned round; and
    'split', ``{"columns": [...], "index": [...], "data": [[...], ...]}``. The labels must
    be a default index's numbers, on one side only, and every column must hold the same
    labels: a shopper's object of item counts (``{"u1": {"p4": 2}}``) has neither. The
    labels are not kept."""
    if set(whole) >= {"columns", "data"} and set(whole) <= {"columns", "index", "data", "name"}:
        columns, data = whole["columns"], whole["data"]
        index = whole.get("index")
        if (isinstance(columns, list) and columns and all(isinstance(c, str) for c in columns)
                and isinstance(data, list) and data
                and all(isinstance(r, list) and len(r) == len(columns) for r in data)
                # (an index of times or customers, set before the export, is data: refused as
                # before, not dropped; review 65)
                and (index is None or (isinstance(index, list) and _default_index([str(i) for i in index])))):
            return "split", [dict(zip(columns, row, strict=True)) for row in data]
        return None
    inner = list(whole.values())
    if len(whole) < 2 or not all(isinstance(v, dict) and v for v in inner):
        return None
    labels = list(inner[0])
    if any(list(v) != labels for v in inner[1:]):
        return None
    if _default_index(labels) and not _default_index(list(whole)):
        return "columns", [{column: values[label] for column, values in whole.items()} for label in labels]
    if _default_index(list(whole)) and not _default_index(labels):
        return "index", inner
    return None


def _held_list(whole: dict[str, Any], depth: int = 0) -> tuple[str, list[Any]] | None:
    """The one list of objects a response holds, and its path, beside nothing but
    :data:`WRAPPER_KEYS`: at the top or one object down (``{"code": 0, "msg": "ok",
    "data": {"list": [...], "total": 200}}``, the paged shape of Youzan's, Weimob's and
    Taobao's wrappers: refused for missing columns named ``data.list``; review 59)."""
    def others_wrap(key: str) -> bool:
        return all(str(k).lower() in WRAPPER_KEYS for k in whole if k != key)

    lists = [k for k, v in whole.items() if isinstance(v, list) and v and all(isinstance(e, dict) for e in v)]
    if lists:
        return (lists[0], whole[lists[0]]) if len(lists) == 1 and others_wrap(lists[0]) else None
    inner = [k for k, v in whole.items() if isinstance(v, dict) and str(k).lower() not in WRAPPER_KEYS]
    if depth or len(inner) != 1 or not others_wrap(inner[0]):
        return None
    held = _held_list(whole[inner[0]], depth + 1)
    return None if held is None else (f"{inner[0]}.{held[0]}", held[1])


def _an_id(value: Any) -> bool:
    """Whether a JSON value can be an id: a number or a string (not ``true``, a bool, nor a
    float, a list or an object)."""
    return isinstance(value, (int, str)) and not isinstance(value, bool)


_PADDING = ([-1], ["-1"])
"""The next-basket benchmarks' empty basket, around each shopper's list (:func:`_baskets_by_shopper`)."""


def _baskets_by_shopper(whole: dict[str, Any]) -> Converted | None:
    """One JSON object keyed by shopper, each value a list of baskets, each a list of item
    ids (``{"1": [[-1], [55, 54, 3], [5, 23], [-1]], ...}``: the merged files the
    next-basket benchmarks publish Ta-Feng, Dunnhumby and Instacart in): a row per item,
    ``user_id``, the basket's place as ``order_number`` (:data:`.clocks.SEQUENCE_KEYS`) and
    ``item_id``; a ``[-1]`` basket is their padding and is left out. Read as JSON lines it
    had been one line of 13,858 fields (real2-ad). None for any other object: the
    ``[-1]`` padding around most shoppers' lists is the sign, since a dict of lists of
    pairs (``{"train": [[user, item], ...]}``, ``{item: [[time, rating], ...]}``) has the
    same shape and had been read as shoppers (session ad's second review)."""
    if len(whole) < 2 or not all(isinstance(v, list) and v and all(isinstance(b, list) for b in v)
                                 for v in whole.values()):
        return None
    if not all(_an_id(i) for v in whole.values() for b in v for i in b):
        return None
    padded = sum(v[0] in _PADDING and v[-1] in _PADDING for v in whole.values())
    if padded * 2 <= len(whole):
        # Without the padding, baskets of many sizes among 20 shoppers or more (the
        # benchmark's Ta-Feng merged file as another repository saved it): pairs and
        # triples are all of one size (session ai's corpus).
        sizes = {len(b) for v in whole.values() for b in v}
        if len(whole) < 20 or len(sizes) < 3 or not _one_kind_of_id(whole):
            return None
        return _basket_rows(whole, "")
    return _basket_rows(whole, "[-1] padding left out; ")


def _rated_pairs_by_shopper(whole: dict[str, Any]) -> Converted | None:
    """One JSON object keyed by shopper, each value a list of ``[item, rating]`` pairs
    (``{"0": [[1, 2.0], [3, 3.0], ...], "1": [...]}``, a ratings set saved from a dict of
    users: 19,460 ratings had been refused as a headerless CSV line of 1,000 fields;
    real94-ap): ``user_id,item_id,rating`` rows. Only where 20 shoppers or more list pairs
    whose first value is an id and second a rating (0 to 10, some written with a decimal
    point: whole counts may be quantities), and half the items or more
    are rated by two shoppers or more: ``{item: [[time, rating], ...]}`` lists Unix times
    first, which no other key shares."""
    if len(whole) < 20 or not all(isinstance(v, list) and v for v in whole.values()):
        return None
    pairs = [p for v in whole.values() for p in v]
    if not all(isinstance(p, list) and len(p) == 2 and _an_id(p[0]) and isinstance(p[1], (int, float))
               and not isinstance(p[1], bool) and 0 <= p[1] <= 10 for p in pairs):
        return None
    if not any(isinstance(p[1], float) for p in pairs):
        return None  # (whole counts are a quantity's as often: '{customer: [[product, 3]]}'; session ap's review)
    raters = Counter(item for v in whole.values() for item in {p[0] for p in v})  # (shoppers per item)
    if sum(n >= 2 for n in raters.values()) * 2 < len(raters):
        return None
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(["user_id", "item_id", "rating"])
    line_map = array("q")
    for at, (shopper, rated) in enumerate(whole.items(), start=1):
        for item, rating in rated:
            writer.writerow([shopper, item, f"{rating:g}"])
            line_map.append(at)
    return Converted(out.getvalue(), line_map, f"a JSON object keyed by shopper, each a list of [item, rating] pairs "
                     f"({len(whole):,} shoppers, {len(pairs):,} ratings; errors give the shopper's place, from 1, as "
                     "the line)")


def _one_kind_of_id(whole: dict[str, Any]) -> bool:
    """Whether a basket's later places hold the same ids its first does: most distinct
    values after the first place are some list's first too. A record ``[item, rating,
    time]`` has ratings and Unix times there, which no list starts with (session ai's
    second review: records with an optional field had been read as baskets)."""
    first = {b[0] for v in whole.values() for b in v if b}
    later = {i for v in whole.values() for b in v for i in b[1:]}
    # (and numbers: words are a sentence's or a film's tags, not a till's items)
    if not all(isinstance(i, int) or str(i).isdigit() for i in first | later):
        return False
    return not later or len(later & first) >= 0.5 * len(later)


SPLIT_NAMES = frozenset({"train", "training", "validate", "validation", "valid", "val", "dev", "test", "testing"})
"""The keys a research file splits its shoppers under (DNNTSP's ``train`` / ``validate`` / ``test``)."""
_SPLIT_RANK = {"train": 0, "training": 0, "test": 2, "testing": 2}  # (the others, validation's, 1)


def _split_baskets(whole: dict[str, Any]) -> Converted | None:
    """One JSON object of a split's parts, each keyed by shopper, each value a list of
    baskets (DNNTSP's Ta-Feng, DC and TMS: ``{"train": {"83663": [[197], [189], [11]],
    ...}, "validate": {...}, "test": {...}}``): the parts' shoppers together, each one's
    baskets in the parts' order, read as :func:`_baskets_by_shopper` reads a merged file.
    Read as JSON lines each shopper had been a column: three files of 9,000 to 15,000
    columns refused after 200 s each (the corpus of session ai). Not where the lists are
    records (``{item: [[time, rating], ...]}``, ``[item, rating, time]``) or words
    (:func:`_one_kind_of_id`)."""
    if not whole or not all(str(k).lower() in SPLIT_NAMES and isinstance(v, dict) and v for k, v in whole.items()):
        return None
    merged: dict[str, list[Any]] = {}
    # (train, then validation, then test, whatever order the file writes them in)
    parts = sorted(whole, key=lambda k: _SPLIT_RANK.get(str(k).lower(), 1))
    prefixes = shared = 0
    last: dict[str, list[Any]] = {}  # (each shopper's list in the part before)
    longest: dict[str, list[Any]] = {}
    for part in (whole[k] for k in parts):
        for shopper, lists in part.items():
            if not (isinstance(lists, list) and lists and all(
                    isinstance(b, list) and all(_an_id(i) for i in b)
                    for b in lists)):
                return None
            before = last.get(str(shopper))
            if before is not None:
                shared += 1
                prefixes += len(lists) > len(before) and lists[:len(before)] == before
            last[str(shopper)] = lists
            if len(lists) >= len(longest.get(str(shopper), [])):
                longest[str(shopper)] = lists
            merged.setdefault(str(shopper), []).extend(lists)
    nested = bool(shared) and prefixes * 10 >= shared * 9
    if nested:
        # Each later part repeats the earlier one's baskets and adds its own (a repository's
        # DNNTSP TaoBao.json: test = validate + one basket = train + two; joined end to end,
        # 65,560 baskets had been read as 164,468, early ones three times; real115-aq):
        # each shopper's longest list is the history.
        merged = {shopper: list(lists) for shopper, lists in longest.items()}
    sizes = {len(b) for lists in merged.values() for b in lists}
    if len(merged) < 2 or (len(sizes) == 1 and sizes.pop() >= 2) or not _one_kind_of_id(merged):
        return None  # (pairs or triples, [item, rating, time], not baskets)
    return _basket_rows(merged, f"each shopper's longest list of the parts {', '.join(map(repr, parts))} (each "
                        "later part repeats the earlier one's baskets); " if nested else
                        f"the parts {', '.join(map(repr, parts))} together, in that order; ")


def _basket_rows(whole: dict[str, Any], said: str) -> Converted | None:
    """``user_id,order_number,item_id`` rows of a shopper-keyed object of basket lists
    (:func:`_baskets_by_shopper`, :func:`_split_baskets`); ``said`` goes in the note."""
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(["user_id", "order_number", "item_id"])
    line_map = array("q")
    baskets = 0
    for at, (shopper, lists) in enumerate(whole.items(), start=1):
        number = 0
        for basket in lists:
            if basket in _PADDING or not basket:
                continue
            number += 1
            baskets += 1
            for item in basket:
                writer.writerow([shopper, number, item])
                line_map.append(at)
    if not baskets:
        return None
    return Converted(out.getvalue(), line_map, f"a JSON object keyed by shopper, each a list of baskets ({len(whole):,} "
                     f"shoppers, {baskets:,} baskets; {said}errors give the shopper's place, from 1, as the line)")


def _lists_by_id(whole: dict[str, Any], table: str) -> Converted | None:
    """One JSON object keyed by id, each value a list of ids or words (S3-Rec's
    ``item2attributes.json``: ``{"4": [1, 2, 3], "145": [1, 2, 6], ...}``, an item's
    attribute ids): a row per key, ``id`` (an items file's bare ``id`` is the item) and
    ``category``, the list joined by ``|`` as MovieLens writes its genres. Read as JSON
    lines it had been one record of 11,924 columns and no item described (real6-ag,
    real8-ag). Only where 20 or more keys hold such lists, nearly all of them.

    Given as the interactions, the same object is shoppers' histories (``{"user_17":
    [4, 9, 12], ...}``, the sequential papers' ``user_seq.json``): a row per item,
    ``user_id`` and ``item_id`` in the list's order, which the file order then is
    (refused before: 'missing required column(s) user_id, item_id (header has id,
    category)'; session ak)."""
    lists = [v for v in whole.values() if isinstance(v, list) and v
             and all(_an_id(e) for e in v)]
    if len(lists) < 20 or len(lists) < 0.95 * len(whole):
        return None
    if table == "interactions":
        return _histories(whole, len(lists))
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(["id", "category"])
    line_map = array("q")
    for at, (key, value) in enumerate(whole.items(), start=1):
        if isinstance(value, list) and value:
            writer.writerow([key, "|".join(str(e) for e in value)])
            line_map.append(at)
    return Converted(out.getvalue(), line_map, f"a JSON object keyed by id, each a list ({len(lists):,} ids; each "
                     "list read as the id's category, joined by '|'; errors give the id's place, from 1, as the line)")


def _histories(whole: dict[str, Any], shoppers: int) -> Converted:
    """``user_id,item_id`` rows of a shopper-keyed object of item lists (:func:`_lists_by_id`)."""
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(["user_id", "item_id"])
    line_map = array("q")
    for at, (key, value) in enumerate(whole.items(), start=1):
        if isinstance(value, list):
            for item in value:
                if _an_id(item):
                    writer.writerow([key, item])
                    line_map.append(at)
    return Converted(out.getvalue(), line_map, f"a JSON object keyed by shopper, each a list of items ({shoppers:,} "
                     "shoppers; a row per item, in the list's order; errors give the shopper's place, from 1, as "
                     "the line)")


def concatenated_records(raw: bytes) -> Converted | None:
    """JSON objects written one after another, each over several lines (``jq .`` of a
    JSON lines file, ``json.dumps(record, indent=2)`` a record): read as a JSON array's
    objects, or None where the first line is a whole record (JSON lines) or the text is
    not objects throughout. Refused before, 'no line is a JSON object' (the Amazon 2018
    reviews as a course repository re-saved them; real-ad)."""
    first = raw.lstrip(b"\xef\xbb\xbf \t\r\n").split(b"\n", 1)[0].strip()
    try:
        json.loads(first)
        return None  # (a record a line: json_lines reads it)
    except json.JSONDecodeError:
        pass
    text = raw.decode("utf-8", errors="replace").lstrip("\ufeff")
    decoder = json.JSONDecoder()
    records: list[dict[str, Any]] = []
    at = len(text) - len(text.lstrip())
    while at < len(text):
        try:
            value, at = decoder.raw_decode(text, at)
        except json.JSONDecodeError:
            return None
        if not isinstance(value, dict):
            return None
        records.append(value)
        while at < len(text) and text[at].isspace():
            at += 1
    if len(records) < 2:
        return None
    return exploded(records, "JSON objects one after another, each over several lines (as 'jq .' writes them)",
                    "objects", "the object number")


def one_document(raw: bytes) -> Converted | None:
    """None, or a clear error for a file that is one JSON object over several lines whose
    records :func:`wrapped_records` could not tell (a DoorDash export: a merchant, its
    stores and its orders): read as JSON lines, its only one-line objects, the options
    of an order's items (``{"name": "Extra lettuce", "price": 0}``), had been the table,
    and the error named their columns (real39-am)."""
    first = raw.lstrip(b"\xef\xbb\xbf \t\r\n").split(b"\n", 1)[0].strip()
    if first != b"{":
        return None  # (a JSON-lines record opens and closes on its own line)
    try:
        whole = json.loads(raw.decode("utf-8", errors="replace").lstrip("\ufeff"))
    except json.JSONDecodeError:
        return None
    if isinstance(whole, dict):
        raise FormatError(_no_records(raw, []))
    return None


def _no_records(raw: bytes, bad: list[tuple[int, str]]) -> str:
    """Why a file that opens like JSON lines gave no record: one JSON document over
    several lines (Spotify's playlist slices), or lines that are no JSON at all."""
    text = raw.decode("utf-8", errors="replace").lstrip("\ufeff")
    try:
        whole = json.loads(text)
    except json.JSONDecodeError as error:
        whole = None
        cut = error.pos >= len(text.rstrip()) or (error.msg.startswith("Unterminated string")
                                                   and "\n" not in text[error.pos:].rstrip())
        if cut and text.lstrip()[:1] in "{[" and len(bad) > 1:
            # A document that stops before it closes: MOOCCubeX's practice files in one
            # repository are 262,144 bytes each, cut mid-record (real22-aj); the lines'
            # own errors had said nothing of it.
            lines = raw.count(b"\n") + 1
            return (f"one JSON document over {lines:,} lines that ends before it closes "
                    f"({error.msg} at its end, byte {len(raw):,}): the file is cut short (a download or a "
                    "copy that stopped); give the whole file")
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


_SCALAR = (str, int, float, bool)


def _parallel_lists(records: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """``records`` with parallel lists of plain values zipped into one list of objects,
    ``events``, where a list of items is among them: NVTabular's session files
    (Transformers4Rec's ``item_id/list`` beside ``ts/list`` and ``category/list``, one
    session a row) had been refused, 'missing item_id' (real22-aj). The item list is a
    field named ``item_id/list``, ``item_id_list`` or ``item_ids`` holding plain values in nine
    of the first hundred records in ten; its partners are the other top-level ``.../list``
    fields of the same length on every such record (derived features, ``timestamp/hour/list``,
    are left out). Records are unchanged otherwise."""
    sample = records[:100]
    names = {k for r in sample for k in r}
    items = [k for k in names if k.lower().replace("_", "") in ("itemid/list", "itemidlist", "itemids")]
    if len(items) != 1 or not sample:
        return records
    key = items[0]
    if sum(isinstance(r.get(key), list) and all(isinstance(v, _SCALAR) for v in r[key]) for r in sample) < 0.9 * len(
            sample):
        return records
    partners = [k for k in names if k != key and k.endswith("/list") and k.count("/") == 1
                and all(isinstance(r.get(k), list) and len(r[k]) == len(r[key]) for r in sample
                        if isinstance(r.get(key), list))]
    zipped = [key, *sorted(partners)]
    out = []
    for record in records:
        lists = [record.get(k) for k in zipped]
        if not all(isinstance(v, list) and len(v) == len(lists[0]) for v in lists):
            out.append(record)  # (a bad line where its items are missing: _rows_of says so)
            continue
        base = {k: v for k, v in record.items() if not isinstance(v, list)}
        base["events"] = [{k.removesuffix("/list").removesuffix("_list"): v for k, v in zip(zipped, values, strict=True)}
                          for values in zip(*lists, strict=True)]
        out.append(base)
    return out


MEDIA_LIST_NAMES = ("images", "videos", "photos", "pictures", "media", "attachments", "imageurls")
"""Lists of a record's pictures (Amazon 2023's product metadata: every product has
``images``), never its rows."""


ITEM_LIST_NAMES = ("items", "events", "products", "lineitems", "orderitems", "orderlines", "lines", "hits", "product",
                   "productdetails")  # (Google Cloud Retail's user events)
# (not 'cart': a shop app's users keep their current cart beside their orders, and its
# unbought items had been read as purchases in their place; review 78)
"""Field names that hold a record's rows (lowercase, ``_`` dropped): Google Analytics 360's
BigQuery sessions hold ``hits``, and each hit its ``product`` list (:func:`_rows_of`)."""


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
    outer = _record_as_basket({k: v for k, v in record.items() if k != key})
    return [_flat({**outer, **_named_product(row)}) for element in value for row in _inner_rows(element)]


def _bare(key: Any) -> str:
    """A JSON key as the id key sets write it (``product_id`` is ``productid``)."""
    return str(key).lower().replace("_", "")


def _product_id_key(key: Any) -> bool:
    """Whether a listed line's key names its product by an id (:data:`_ID_KEYS`,
    :data:`_PRODUCT_KEY`)."""
    return _bare(key) in _ID_KEYS or bool(_PRODUCT_KEY.search(_bare(key)))


def _named_product(row: dict[str, Any]) -> dict[str, Any]:
    """A listed line item named only by its ``name`` (or ``title``), no id beside it, with
    that as ``item_name``: a CRM's orders (``"items": [{"name": "Cold Brew Maker",
    "quantity": 1, "price": 35.0}]``) had been refused as 'one line per order with no
    product', its lines exploded but the bare ``name`` unread (real143-as); the order's
    own ``name`` (a customer's) is no longer mistaken for it either."""
    def names_the_product(key: Any, value: Any) -> bool:
        """An id of the product: its own key, or a nested product object's ('product':
        {'id': ...}, its 'title' then a variant's: session as's review)."""
        if _product_id_key(key):
            return True
        return isinstance(value, dict) and bool(_PRODUCT_OBJECT.search(str(key))) and any(
            _bare(sub) in _ID_KEYS for sub in value)

    if any(names_the_product(k, v) for k, v in row.items()):
        return row
    named = next((k for k in row if str(k).lower() in ("name", "title") and isinstance(row.get(k), str)), None)
    if named is None and any(_bought_key(str(k)) for k in row):
        # (another language's name, only beside a price or an amount: a receipt's line, not
        # an attendee's 'nombre' or a store's; review 73)
        named = next((k for k in row if str(k).lower() in _NAME_KEYS and isinstance(row.get(k), str)), None)
    return row if named is None else {("item_name" if k == named else k): v for k, v in row.items()}


_BOUGHT_WORDS = frozenset({"price", "cena", "precio", "preco", "preço", "prix", "preis", "prezzo", "hinta", "pris",
                           "prijs", "qty", "qta", "quantity", "quantita", "quantità", "quantidade", "quantité",
                           "quantite", "cantidad", "ilosc", "ilość", "menge", "anzahl", "aantal", "antal", "unidades",
                           "stück", "stueck", "stk", "count", "unitprice", "einzelpreis", "stückpreis", "kpl"})
"""A listed line's words of its price or its quantity, each a whole word of its key
(``prix_unitaire``, ``precio_unitario``, ``quantité``, ``einzelpreis``: not ``country`` nor
``estilo``; review 74, review 75). Not an amount or a total alone (``valor``, ``total``,
``amount``): a travel booking's passengers (``nome``, ``valor``) and a hotel's guests
(``nombre``, ``total``) are no products (review 75)."""


def _bought_key(key: str) -> bool:
    """Whether a listed line's key names its price or its quantity (:data:`_BOUGHT_WORDS`)."""
    words = re.split(r"[\s_\-.]+|(?<=[a-z])(?=[A-Z])", key.strip())
    return any(w.lower() in _BOUGHT_WORDS for w in words if w)


_NAME_KEYS = frozenset({
                        # (a Polish household's receipts: 'produkty': [{'nazwa': ...}]; real197-av)
                        "nazwa", "nombre", "nome", "nom", "naam", "navn", "namn", "nimi", "naziv", "nazev", "název",
                        "bezeichnung", "denominazione"})
"""A listed line's name keys, in the languages of the probed exports."""


_BASKET_WORDS = ("order", "receipt", "invoice", "transaction", "basket", "session", "visit", "cart", "checkout",
                 "ticket")
"""Parts of a field's name that say it numbers the record's basket (``orderNo``, ``session``)."""


_RECORD_PRODUCT_KEYS = frozenset({"sku", "productid", "productcode", "itemid", "itemcode", "barcode", "ean", "upc",
                                  "asin", "variantid"})
"""A record's own key that makes it a product (a catalogue's), not an order: not an order's
'code' or 'menuId' (review 66)."""
_NOT_LINES = re.compile(r"(?i)categor|tag|image|photo|attribute|option|variation|review|link|meta")
"""A record's list that holds no order lines: a product's categories, tags, images or options."""


def _positions(ids: list[str]) -> bool:
    """Whether one record's line ids number its lines: whole numbers in even steps from 0,
    1 or the step (1, 2, 3; 10, 20, 30 as SAP numbers its items)."""
    if not all(i.isdigit() for i in ids):
        return False
    numbers = sorted(int(i) for i in ids)
    step = numbers[1] - numbers[0]
    return step > 0 and numbers[0] in (0, 1, step) and numbers == list(range(numbers[0], numbers[0] + step * len(numbers),
                                                                             step))


def _listed_ids_as_items(records: list[dict[str, Any]], nested: str, rows: list[dict[str, Any]],
                         line_map: list[int]) -> list[dict[str, Any]] | None:
    """``rows`` with the listed lines' bare ``id`` as ``item_id``, where each line names its
    product by nothing else and some of its ids come back in other
    records: a restaurant app's orders (``"items": [{"id": 61, "name": "Paneer Tikka",
    "qty": 1}]``), whose dish ids were unread and the file refused (real152-as). A
    Shopify line's ``id`` beside its ``product_id`` is the line's, ids that never come
    back in another record are lines' too, and so are ids that number each record's lines
    (:func:`_positions`): None for those."""
    elements = [e for r in records for e in (r.get(nested) or []) if isinstance(e, dict)]
    if not elements or not all("id" in e for e in elements) or any(
            k != "id" and _product_id_key(k) for e in elements for k in e):
        return None
    if _NOT_LINES.search(nested) or any(_bare(k) in _RECORD_PRODUCT_KEYS for r in records for k in r):
        # (a catalogue's products, each with its 'sku' and a list of 'categories' {id, name}:
        # the ids are categories, and the records no orders; review 65)
        return None
    records_of: dict[str, set[int]] = {}
    ids_of: dict[int, list[str]] = {}
    for row, at in zip(rows, line_map, strict=True):
        records_of.setdefault(str(row.get("id")), set()).add(at)
        ids_of.setdefault(at, []).append(str(row.get("id")))
    # (numbered lines, 1 .. n or 10, 20, 30 .. in each record, come back in every record:
    # positions, no products; review 65)
    several = [ids for ids in ids_of.values() if len(ids) >= 2]
    numbered = sum(_positions(ids) for ids in several)
    if not any(len(found) >= 2 for found in records_of.values()) or (several and numbered * 5 >= len(several) * 4):
        return None
    return [{("item_id" if k == "id" else k): v for k, v in row.items()} for row in rows]


def _record_as_basket(outer: dict[str, Any]) -> dict[str, Any]:
    """The fields of a record whose list becomes rows, its own ``id`` (``_id``) named as
    the basket where no field names one: the record is the receipt or order its lines were
    bought in (Fetch's receipts: read without it, 1,352 repeated lines of a receipt were
    dropped as exact duplicates; real11-ag). Shopify's REST orders: ``id`` is the order."""
    if not ({"id", "_id"} & set(outer)) or any(w in str(k).lower() for k in outer for w in _BASKET_WORDS):
        return outer
    own = "_id" if "_id" in outer else "id"
    return {("basket_id" if k == own else k): v for k, v in outer.items()}


def _inner_rows(element: dict[str, Any]) -> list[dict[str, Any]]:
    """An element of a record's list as rows: itself, or -- where it holds a list of objects
    named as the items (GA360's hit and its ``product`` list) -- one row per inner element
    with the hit's other fields; a hit whose list is empty (a page view) gives none. The
    GA360 sample was refused: two lists in every session, neither one read."""
    inner = next((k for k, v in element.items() if k.lower().replace("_", "") in ITEM_LIST_NAMES
                  and isinstance(v, list) and all(isinstance(x, dict) for x in v)), None)
    if inner is None:
        return [element]
    rest = {k: v for k, v in element.items() if k != inner}
    return [{**rest, **product} for product in element[inner]]


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
        v = _bson_value(v)
        if isinstance(v, dict) and k not in WHOLE_OBJECTS:
            # An empty object is no field: GA360 writes 'transaction': {} on every hit but
            # a purchase's, and its text '{}' was read as one basket of all the views.
            for sub, inner in _flat(v).items():
                out[f"{k}.{sub}"] = inner
        else:
            out[k] = v
    return out


BSON_TYPES = frozenset({"$oid", "$date", "$numberInt", "$numberLong", "$numberDecimal", "$numberDouble",
                        "$timestamp", "$uuid"})
"""MongoDB Extended JSON's type wrappers, as ``mongoexport`` writes every non-string value."""


def _bson_value(value: Any) -> Any:
    """A MongoDB Extended JSON value unwrapped (``{"$numberInt": "2"}`` -> ``"2"``, a
    ``$date`` of ``{"$numberLong": ms}`` -> the milliseconds): flattened as objects, the
    quantity sat in ``qty.$numberInt``, unread, and two units read as one."""
    while isinstance(value, dict) and len(value) == 1 and next(iter(value)) in BSON_TYPES:
        value = next(iter(value.values()))
    return value


DYNAMODB_TYPES = frozenset({"S", "N", "BOOL", "NULL", "M", "L", "SS", "NS", "B", "BS"})
"""DynamoDB JSON's type descriptors (its export to S3 writes ``{"Item": {"sku": {"S": "05073"}}}``)."""


def _dynamodb_item(record: dict[str, Any]) -> dict[str, Any]:
    """A DynamoDB export's ``{"Item": {...}}`` line as its item's plain fields (``{"S":
    "C1011"}`` -> ``"C1011"``, ``{"N": "3"}`` -> ``"3"``); any other record as it is. It was
    refused, its header 'Item.pk.S, Item.sk.S, Item.customerId.S'."""
    item = record.get("Item") if len(record) == 1 else None
    if not isinstance(item, dict) or not item or not all(
            isinstance(v, dict) and len(v) == 1 and next(iter(v)) in DYNAMODB_TYPES for v in item.values()):
        return record

    def plain(v: Any) -> Any:
        kind, inner = next(iter(v.items()))
        if kind == "M":
            return {k: plain(x) for k, x in inner.items()}
        if kind == "L":
            return [plain(x) for x in inner]
        return None if kind == "NULL" else inner

    return {k: plain(v) for k, v in item.items()}


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


def _refuse_predictions(nested: str | None, kind: str) -> None:
    """Stop where the records' list of rows is a recommender's output (:data:`_PREDICTED_LISTS`):
    a Spark ALS model's recommendForAllUsers 'recommendations' of product and score had been
    read as 5,370 purchases and trained on (real151-as)."""
    if nested is not None and re.sub(r"[^a-z]", "", nested.lower()) in _PREDICTED_LISTS:
        raise FormatError(f"{kind} whose {nested!r} lists hold a model's recommendations (its predictions, not "
                          "what shoppers did): give the interactions it was trained on")


_PREDICTED_LISTS = frozenset({"recommendations", "recommendation", "recs", "recommended", "predictions", "topk",
                              "topn", "recommendeditems", "recommendedproducts"})
"""Names of a record's list that holds a recommender's output."""
_PRODUCT_KEY = re.compile(r"(?:product|item|set|dish|article|sku|goods|menu|variant|offer|listing)(?:id|code|no|number)$")
"""A line item's key that names its product by an id (LEGO's 'SetID', a menu's 'dish_id'; not
a 'category_id', a 'currency_code' or 'void': session as's review)."""
_PRODUCT_OBJECT = re.compile(r"(?i)product|variant|sku|item|article|offer|listing")
"""Keys of a line item's nested object that is its product (not its category, tax or discount)."""
_ID_KEYS = frozenset({*OWN_ITEM_KEYS, "id", "productcode", "itemcode", "code", "barcode", "upc", "ean", "variantid"})
"""Keys of a listed line item that name its product by an id: then its ``name`` is only a name."""


BASKET_LIST_NAMES = ("baskets", "orders", "transactions", "sessions", "carts", "purchases")
"""Names of a record's field that lists its shopper's baskets, each a list of item ids."""


def _records_of_pairs(baskets: list[list[Any]]) -> bool:
    """Whether lists of one size, 2 or 3, are records rather than baskets: their second
    places hold another kind of value than their first (``[["P1", 2], ...]``) or numbers no
    id is (a quantity below 50, a Unix time). '[[item, qty], ...]' and '[[item, time], ...]'
    had trained quantities and times as items; a shopper whose baskets are all of two items
    is baskets still (session ak's reviews)."""
    sizes = {len(b) for b in baskets}
    if len(sizes) != 1 or sizes.pop() not in (2, 3):
        return False
    seconds = [b[1] for b in baskets]
    if any(type(b[0]) is not type(b[1]) for b in baskets):
        return True
    return all(isinstance(v, int) and (v < 50 or v > 100_000_000) for v in seconds)


def _basket_lists(record: dict[str, Any]) -> dict[str, Any]:
    """``record`` with a field of basket lists (DREAM's ``{"userID": 3047, "baskets": [[16916,
    4183], [612], ...]}``) as a list of ``{"order_number", "item_id"}`` objects, which
    :func:`_rows_of` makes a row each: the basket's place numbers the shopper's baskets in
    order (:data:`.clocks.SEQUENCE_KEYS`). Refused before, 'missing item_id'; renamed as the
    hint said, every basket of a shopper had been one (real29-ak)."""
    for key, value in record.items():
        if (str(key).lower() in BASKET_LIST_NAMES and isinstance(value, list) and value
                and all(isinstance(b, list) and all(_an_id(i) for i in b) for b in value)
                and not _records_of_pairs(value)):
            rows = [{"order_number": at, "item_id": item} for at, basket in enumerate(value, start=1) for item in basket]
            return {**record, key: rows}
    return record


def _unbagged(record: dict[str, Any]) -> dict[str, Any]:
    """``record`` with its :data:`PROPERTY_BAGS` fields lifted to the top (a field the
    record has itself wins): Mixpanel's ``{"event": .., "properties": {"distinct_id": ..,
    "time": .., "product_id": ..}}`` was refused, its header 'event, properties'."""
    record = _basket_lists(_dynamodb_item(record))
    bags = [k for k, v in record.items() if isinstance(v, dict) and k.lower().replace("_", "") in PROPERTY_BAGS]
    if not bags:
        return record
    out = {k: v for k, v in record.items() if k not in bags}
    for bag in bags:
        for k, v in record[bag].items():
            out.setdefault(k, v)
    return out


def json_array(raw: bytes) -> Converted:
    # (a byte order mark first, as PowerShell 5 and Notepad save UTF-8: json refused it; review 68)
    text = raw.decode("utf-8", errors="replace").removeprefix("\ufeff")
    cut = ""
    try:
        value = json.loads(text)
    except json.JSONDecodeError as exc:
        value = _cut_array(text)
        if value is None:
            raise FormatError(f"a JSON array that does not parse (line {exc.lineno}: {exc.msg})") from None
        cut = (f" cut off after its element {len(value):,} (line {exc.lineno}: {exc.msg}; the file ends there, "
               f"as an upload's size limit leaves it): its {len(value):,} whole elements read")
    records = [v for v in value if isinstance(v, dict)]
    if len(records) != len(value):
        raise FormatError(f"a JSON array with {len(value) - len(records)} elements that are not objects")
    if records and all("model" in r and isinstance(r.get("fields"), dict) for r in records):
        records, said = _django_rows(records)
        return exploded(records, f"a Django fixture ({said})", "objects", "the element number")
    # Elements have no line of their own: errors name the element's number, from 1.
    return exploded(records, "a JSON array" + cut, "objects", "the element number")


def _cut_array(text: str) -> list[Any] | None:
    """The whole elements of a JSON array whose text stops inside an element or between
    two (a file cut at its end, as an upload's size limit or ``head -n`` leaves it: a phone
    shop's reviews stopped in record 4,777 and the file had been refused; real180-au), ten
    or more; else None: an error before the last element, or in an array that ends with
    its ``]``, is no cut, and stays the file's error."""
    decoder = json.JSONDecoder()
    at = text.find("[")
    if at < 0 or text[:at].strip() or text.rstrip().endswith("]"):
        return None  # (an array that ends with its ']' is no cut: its error is in it; review 68)
    values: list[Any] = []
    at += 1
    while True:
        while at < len(text) and (text[at].isspace() or text[at] == ","):
            at += 1
        if at >= len(text):
            # (cut between two elements, after a '},': 'head -n 301' of an array written a
            # record a line; review 68)
            return values if len(values) >= 10 else None
        if text[at] == "]":
            return None  # (it ended well: the error was elsewhere)
        try:
            value, at = decoder.raw_decode(text, at)
        except json.JSONDecodeError as exc:
            # Cut only where the element's error is the text's end: its string or its value
            # runs out there (an order's own nested items had looked like more elements after
            # the error, and the cut refused; review 68).
            ran_out = exc.msg.startswith("Unterminated string") or exc.pos >= len(text.rstrip()) - 1
            return values if len(values) >= 10 and ran_out else None
        values.append(value)


_DJANGO_KEYS = frozenset({"order", "cart", "basket", "invoice", "receipt", "transaction", "user", "customer",
                          "client", "product", "item", "variant"})
"""A Django model's foreign keys by their field names (``order``, ``product``): written
without ``_id`` in a fixture, each is read as ``<name>_id``."""


_CART_MODEL = re.compile(r"(?:shopping|user|customer|session|guest)?(?:cart|basket|wishlist|wish)"
                         r"(?:item|entry|line|product)?s?")
"""A Django model of cart or wish-list lines by its name (``cartitem``, ``shoppingcartitem``,
``sessioncartitem``; not ``cartorderitems``, a tutorial's paid orders; session aq's reviews)."""
_CART_APPS = ("cart", "basket", "wishlist")
_CART_APP_MODEL = re.compile(r"(?:item|line|entry)s?")
"""Or by its app's name (django-oscar's ``basket.line``)."""


def _django_rows(records: list[dict[str, Any]]) -> tuple[list[dict[str, Any]], str]:
    """A Django fixture's (``manage.py dumpdata``) records as rows: each one's ``fields``
    and its ``pk``, a foreign key ``order`` as ``order_id`` (a shop's order lines, refused
    for a missing shopper, their ``fields.order`` the basket; real112-aq). Of two models,
    where one's records name the other by a foreign key (``orders.orderitem``'s ``order``
    -> ``orders.order``), the lines, each with its order's fields (its shopper and time:
    mixed, the orders had been lines without an item and the lines lost their shopper);
    of others, a clear error."""
    models = Counter(str(r["model"]) for r in records)

    def row(r: dict[str, Any]) -> dict[str, Any]:
        out = {"pk": r.get("pk")}
        app, _, model = str(r["model"]).rpartition(".")
        # (a bare 'order' is a foreign key only in a model of lines: django-ordered-model's
        # position field is named so too; session aq's review)
        of_lines = re.search(r"item|line|detail|entry|product", model)
        for key, value in r["fields"].items():
            fk = key in _DJANGO_KEYS and (key != "order" or of_lines)
            name = f"{key}_id" if fk and f"{key}_id" not in r["fields"] else key
            out[name] = value
        if (_CART_MODEL.fullmatch(model) or (app in _CART_APPS and _CART_APP_MODEL.fullmatch(model))) \
                and "event" not in out:
            # (a 'cart.cartitem' model's records are what shoppers put in their carts; session aq's review)
            out["event"] = "favorite" if "wish" in str(r["model"]) else "cart"
        return out

    if len(models) == 1:
        return [row(r) for r in records], f"model {next(iter(models))!r}"
    if len(models) == 2:
        for lines_model, head_model in (tuple(models), tuple(models)[::-1]):
            key = head_model.rsplit(".", 1)[-1]
            lines = [r for r in records if str(r["model"]) == lines_model]
            if all(key in r["fields"] for r in lines):
                heads = {str(r.get("pk")): r["fields"] for r in records if str(r["model"]) == head_model}
                out = []
                open_carts = 0
                for r in lines:
                    joined = row(r)
                    head = heads.get(str(r["fields"][key]), {})
                    if head.get("complete") is False:
                        open_carts += 1
                        continue  # (an open cart, never ordered: the tutorial shops' Order.complete)
                    for name, value in head.items():
                        joined.setdefault(name, value)
                    out.append(joined)
                return out, (f"{models[lines_model]:,} {lines_model!r} records, each with its {head_model!r}'s "
                             f"fields by its '{key}'" + (f"; {open_carts:,} lines of open carts ('complete' false) "
                                                        "left out" if open_carts else ""))
    listed = ", ".join(f"{m!r} ({n:,})" for m, n in models.most_common(5))
    raise FormatError(f"a Django fixture of {len(models)} models ({listed}): give one model's records "
                      "(manage.py dumpdata app.model), its lines with their shopper and time")


def json_baskets(raw: bytes) -> Converted | None:
    """A JSON array of baskets, each an array of item names or ids (a Groceries copy saved
    by ``json.dump``: ``[["sausage","whole milk"], ...]``; read as lines of text, 29,928 of
    its 38,764 items kept the JSON's brackets and quotes: 492 'items' of 167; real96-ap):
    ``session_id,item_id`` rows, each basket named by its place (``basket N``), errors too.
    Only where the baskets hold names or whole numbers in three lengths or more, in any
    order (:func:`.lines._first_names_lead`'s test): an array of ``[user, item, rating]``
    triples is of one length, a spreadsheet's rows (Google Sheets' ``values``) begin with
    their own column (None: read as text, as before)."""
    try:
        value = json.loads(raw.decode("utf-8", errors="replace").lstrip("\ufeff"))
    except json.JSONDecodeError:
        return None
    if not isinstance(value, list) or not all(
            isinstance(b, list) and all(isinstance(i, (str, int)) and not isinstance(i, bool) for i in b) for b in value):
        return None
    if len({len(b) for b in value}) < 3:
        return None
    # (a basket lists its items in any order: a third of the names after a basket's first
    # come first in another; a spreadsheet's rows of cells, an order number first, never do:
    # session ap's review)
    first = {str(b[0]) for b in value if b}
    later = [str(i) for b in value for i in b[1:]]
    if not later or sum(i in first for i in later) * 3 < len(later):
        return None
    text, line_map, _, items = baskets_table(
        (at, f"basket {at}", [str(i) for i in basket]) for at, basket in enumerate(value, start=1))
    return Converted(text, line_map, f"a JSON array of baskets, each an array of items ({len(value):,} "
                     f"baskets of {items:,} items; errors give the basket's place, from 1, as the line)")


_ID_KEY = re.compile(r"(?i)(?:^|[_\W])(?:id|uuid|guid|no|nr|num|number|code|key)$|(?:id|number|nummer|numero)$|^_?id")
_NOT_THE_RECORDS = re.compile(r"(?i)^(?:store|shop|branch|customer|user|member|cashier|register|terminal|tenant)"
                              r"[_\W]?(?:id|no|nr|num|number|code|key)$")
"""Ids of something else than the record: a receipt's store or cashier (review 70)."""
"""A record's key that may name it (``orderId``, ``_id``, ``receipt_no``, ``ticket_number``)."""


def _dated_records(records: list[dict[str, Any]], nested: str) -> bool:
    """Whether nine records in ten carry a date of their own beside their list, as a
    receipt does (a catalogue's categories, a recipe's ingredients, a customer's undated
    orders are no baskets; review 70). A date by its key's name ('purchased_at', 'ts' too),
    not a person's ('signup_date': a customer's record with their history; review 71)."""
    dated = sum(any(k != nested and _RECORD_TIME.search(str(k)) and not _PERSON_DATE.search(str(k)) and v
                    for k, v in r.items()) for r in records)
    return dated >= 0.9 * len(records)


_HISTORY_LIST = re.compile(r"(?i)^(?:purchases|orders|transactions|history|purchasehistory|orderhistory|bookings"
                           r"|visits|purchase_history|order_history|compras|pedidos|commandes|bestellungen)$")
"""A record's list of a person's orders over time (a customer's 'purchases'), no receipt's
lines: one basket of them would glue years together (review 72: a customer's 'created_at'
beside it had passed as a receipt's date)."""
_RECORD_TIME = re.compile(r"(?i)date|time|created|datum|data|fecha|_at$|(?<=[a-z])At$|^ts$|stamp|^when$")
"""A JSON key of a record's own time ('purchased_at', 'paidAt', 'ts')."""
_PERSON_DATE = re.compile(r"(?i)sign.?up|join|regist|birth|since|enrol|first|last|member")
"""A JSON key of a person's date (a sign-up's, a birthday), not a receipt's."""


def _dated_elements(records: list[dict[str, Any]], nested: str) -> bool:
    """Whether the listed elements carry their own times: a customer's record of dated
    transactions, no receipt (each had become one basket a year long; the harness)."""
    return any(isinstance(e, dict) and any(re.search(r"(?i)date|time|created|day", str(k)) for k in e)
               for r in records if isinstance(r.get(nested), list) for e in r[nested][:5])


def exploded(records: list[dict[str, Any]], kind: str, unit: str, number: str) -> Converted:
    """Whole records (a JSON array's, a Parquet file's) as CSV text, a record's list of
    line items one row each as JSON lines are read (WooCommerce's REST orders'
    ``line_items``, a Parquet ``list<struct>`` column of GA4's ``items``): read whole, the
    list's JSON text was split into made-up items ('id', 'src', '0.00')."""
    records = _parallel_lists(records)
    nested = _nested_list(records)
    _refuse_predictions(nested, kind)
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
    if nested is not None and (dish := _listed_ids_as_items(records, nested, rows, line_map)) is not None:
        rows, kind = dish, f"{kind}; each listed line's own 'id' is its product, some the same in other {unit}"
    elif nested is not None and rows and not any(_ID_KEY.search(str(k)) and not _NOT_THE_RECORDS.match(str(k))
                                                 for r in records[:100] for k in r if k != nested) \
            and not _dated_elements(records[:100], nested) \
            and not _HISTORY_LIST.search(str(nested)) \
            and _dated_records(records[:100], nested):
        # A receipt's products listed in it, and nothing to name the receipt by (a personal
        # scraper's Biedronka and Costco receipts: refused, 'missing user_id'; real192-au):
        # each element's lines are one basket, named by its number.
        for row, at in zip(rows, line_map, strict=True):
            row.setdefault("receipt_id", f"element {at}")
        kind = f"{kind}; no field names the {unit[:-1]}, so each one's {nested!r} lines are one basket, its number"
    said = (f"{len(records):,} {unit}" if nested is None else
            f"{len(rows):,} rows from {len(records):,} {unit}' {nested!r} lists, one row per element with the "
            f"other fields{_empty_lists(empty, nested)}")
    return Converted(write_records(rows), line_map, f"{kind} ({said}; errors give {number}, from 1, as the line)", bad)
