"""Spreadsheets as a table: Excel ``.xlsx`` / ``.xls`` / ``.xlsb`` and OpenDocument ``.ods``
(UCI's Online Retail, a back office's workbook), read with python-calamine: the sheet
whose header the others share, merged cells filled, dates written as text."""

from __future__ import annotations

import csv
import datetime
import io
import re
from typing import Any

from .names import header_key
from .records import Converted, FormatError, cell
from .schema import GENERIC_INTERACTIONS


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
    return cell(value)


def workbook(raw: bytes, kind: str) -> Converted:
    """A spreadsheet's table: the sheet with the most rows (not a cover or README sheet
    that happens to come first; the largest that names a shopper and an item where the
    largest does not: :func:`_dated` where the largest names a shopper), with every other sheet that has the same header (UCI's
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
    largest = max(tables, key=lambda t: len(t[2]))
    # A workbook of a shop's tables (Books, Customers, Purchases) may have its catalogue or
    # its customers as the largest sheet: where the largest does not name a shopper and an
    # item, the largest sheet that does is the one with the lines (real78-ap: the catalogue
    # was read and refused). Where the largest names a shopper (Customers, or Orders whose
    # item is a 'Product Name'), only a sheet with a date, an order or a rating of each line
    # (:func:`_dated`): a smaller pivot of top pairs or quantities is no lines; nor is a
    # Returns sheet, its lines the orders' given back (session ap's reviews).
    lines = [t for t in tables if _names(t[1], "user_id", "item_id") and not _returns_sheet(t[0])
             and (not _names(largest[1], "user_id") or _dated(t[1]))]
    if not lines and not _names(largest[1], "item_id"):
        # (or, where the largest names no item, a sheet of dated lines about as large that
        # shares its order key (not a restaurant's supplier invoices beside its 'Orders' of
        # customers; reviews 73 and 74): a service shop's 'Repair Data' of parts per order beside its 'Work Order
        # Data' of 500 rows each, the work orders read and refused; real203-av)
        # (and only one sharing the largest's order key, 'Order No': its lines; review 74)
        lines = [t for t in tables if _names(t[1], "item_id") and _dated(t[1]) and not _returns_sheet(t[0])
                 and len(t[2]) * 2 >= len(largest[2]) and _shares_orders(largest, t)]
    chosen = largest if not lines or _names(largest[1], "user_id", "item_id") else max(lines, key=lambda t: len(t[2]))
    header = chosen[1]
    # The same columns spelled another way ('Customer ID' on one sheet, 'CustomerID' on
    # the next, as the reader's column names compare them) are the same table.
    key = [header_key(str(h)) for h in header]
    # (a Returns tab of the same header lists lines given back, no more purchases: session
    # as's review; :func:`_given_back_sheet` marks them)
    used = [t for t in tables if [header_key(str(h)) for h in t[1]] == key
            and (t is chosen or not _returns_sheet(t[0]))]
    # (of a table and its copies, the one with the most typed cells: a course's cleaned copy,
    # its dates real dates, beside a raw sheet and a staging sheet of text and swapped dates;
    # session as's review)
    found = _copies(used, chosen)
    family = [t for t in used if t is chosen or any(t is c for c in found)]
    kept = max(family, key=_typed_cells)
    copies = [t for t in family if t is not kept]
    used = [t for t in used if not any(t is c for c in copies)]
    others = [t for t in tables if not any(t is u for u in used) and not any(t is c for c in copies)]
    left_out = [t[0] for t in others]
    respelled = [t[0] for t in used if t[1] != header]
    filled = sum(t[4] for t in used)
    given_back = _given_back_sheet(others, header)
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(header + ([RETURNED_COLUMN] if given_back else []))
    marked = 0
    line_map: list[int] = []
    ranges = []
    unit = "row" if len(used) == 1 else "line"  # one sheet: its own rows; several: counted on
    swapped = {id(t): _swapped_date_columns(t[2], len(header)) for t in used}
    for table in used:
        name, _, data, header_row, _ = table
        line = header_row if len(used) == 1 else (line_map[-1] if line_map else 1)
        for row in data:
            cells = [_sheet_cell(_day_first(v) if i in swapped[id(table)] else v) for i, v in enumerate(row[: len(header)])]
            if given_back:
                back = tuple(cells[i] if i < len(cells) else "" for i in given_back[1]) in given_back[2]
                marked += back
                cells = cells + [""] * (len(header) - len(cells)) + ["yes" if back else ""]
            writer.writerow(cells)
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
            + (f"; left out as copies of sheet {kept[0]!r} (the same header, and four in five of its order "
               f"numbers both ways): {', '.join(repr(t[0]) for t in copies)}" if copies else "")
            + (f"; sheet {given_back[0]!r} lists {len(given_back[2]):,} returned "
               f"{' and '.join(repr(header[i]) for i in given_back[1])}: their {marked:,} lines marked "
               f"{RETURNED_COLUMN!r}" if given_back else "")
            + (f"; a title above the header, not read: {'; '.join(titles)}" if titles else "")
            + (f"; {filled} merged cell range(s) read as their value in every cell" if filled else "")
            + ("; date cells beside day-first text dates in one column read with their day and month swapped back "
               f"(Excel had read '05-03-25' as May 3): column(s) {', '.join(repr(header[i]) for i in sorted(cols))}"
               if (cols := set().union(*swapped.values())) else "")
            + ")")
    return Converted(out.getvalue(), line_map, what)


_TEXT_DAY_FIRST = re.compile(r"\s*(\d{1,2})[-/.](\d{1,2})[-/.](\d{2}|\d{4})(?:[ T]\d{1,2}:\d{2}(?::\d{2})?)?\s*")


def _returns_sheet(name: str) -> bool:
    """Whether a sheet's name says it lists returns (:data:`_RETURNS_SHEET_KEYS`, singular or
    with a year: 'Return', 'Returns 2024'; session as's review)."""
    key = re.sub(r"\d+$", "", header_key(name))
    return key in _RETURNS_SHEET_KEYS or key == "return"


def _swapped_date_columns(data: list[list[Any]], width: int) -> set[int]:
    """Columns whose date cells Excel made by reading day-first text month first: beside
    them, text dates of the same column whose first number is above 12 (which Excel could
    not read so, and left as text, ``'14-03-25'``) on a tenth of the column or more, and
    every date cell's day and month both 12 or below. A course sheet's 'raw' dates, 87 of
    89 cells, had been read months off (ORD0005 on 2025-10-03 for 10 March; real149-as)."""
    out = set()
    for i in range(width):
        values = [r[i] for r in data if i < len(r) and r[i] not in ("", None)]
        dates = [v for v in values if isinstance(v, (datetime.date, datetime.datetime))]
        texts = [m for v in values if isinstance(v, str) and (m := _TEXT_DAY_FIRST.fullmatch(v))]
        if not dates or len(texts) < 0.1 * len(values) or not all(int(m.group(1)) > 12 for m in texts):
            continue
        if all(d.day <= 12 for d in dates):
            out.add(i)
    return out


def _day_first(value: Any) -> Any:
    """A date cell with its day and month swapped back (:func:`_swapped_date_columns`)."""
    if isinstance(value, (datetime.date, datetime.datetime)) and value.day <= 12:
        return value.replace(month=value.day, day=value.month)
    return value


_LINE_ID = re.compile(r"order|invoice|transaction|receipt|ticket|factura|pedido|commande|bestell|rechnung|beleg")
"""Header words of a column that names each order or line (not a row number, a date or a customer)."""


def _copies(used: list[tuple], chosen: tuple) -> list[tuple]:
    """The sheets of ``used`` (one header) that copy ``chosen``: of about its size (within
    a fifth), and four in five of their order or invoice numbers (a column so named, three
    in ten of its values distinct: order lines, two a order) are ``chosen``'s and the other
    way round. A course's
    workbook keeps its raw lines, a cleaned copy and a staging copy of one table: stacked,
    every order was read three times (real149-as). Not a Returns tab (a subset), sheets per
    channel or per month sharing dates, row numbers or customers (session as's review), nor
    two years of a shop (UCI's Online Retail II: no invoice twice)."""
    if len(used) < 2:
        return []
    data = chosen[2]
    at = next((i for i, h in enumerate(chosen[1]) if _LINE_ID.search(header_key(str(h)))
               and (values := [_sheet_cell(r[i]) for r in data if i < len(r)])
               and len(set(values)) >= 0.3 * len(values) and len(values) >= 9), None)
    if at is None:
        return []
    mine = {_sheet_cell(r[at]) for r in data if at < len(r)} - {""}
    out = []
    for table in used:
        if table is chosen or not 0.8 * len(data) <= len(table[2]) <= 1.25 * len(data):
            continue
        theirs = {_sheet_cell(r[at]) for r in table[2] if at < len(r)} - {""}
        common = len(theirs & mine)
        if theirs and common >= 0.8 * len(theirs) and common >= 0.8 * len(mine):
            out.append(table)
    return out


def _typed_cells(table: tuple) -> int:
    """How many of a sheet's cells are typed (numbers, dates) rather than text: of a table's
    copies, the cleaned one (its dates real dates) has the most."""
    return sum(1 for r in table[2] for v in r if v not in ("", None) and not isinstance(v, str))


_ORDER_ID = re.compile(r"(?:id|no|nr|num|number|key|code|#|nummer|numero|número)$")
"""The end of an order column's name that says it is the order's number, not its date or
status (``Order No``, ``InvoiceID``; not ``Order Date``, ``Order Status``)."""


def _shares_orders(largest: tuple, sheet: tuple) -> bool:
    """Whether ``sheet`` has the largest sheet's order number column (:data:`_ORDER_KEY`
    ending as a number's name, :data:`_ORDER_ID`) and half its numbers or more are the
    largest's: a service shop's parts per work order beside its work orders (real203-av),
    not a business's purchase orders from its suppliers ('PO0' ...) beside its sales
    orders, nor a café's supplies sharing only an 'Order Date' (review 75)."""
    own = [header_key(str(h)) for h in largest[1]]
    theirs = [header_key(str(h)) for h in sheet[1]]
    for at, key in enumerate(own):
        if not (_ORDER_KEY.search(key) and _ORDER_ID.search(key)) or key not in theirs:
            continue
        there = theirs.index(key)
        known = {str(r[at]).strip() for r in largest[2] if at < len(r) and str(r[at]).strip()}
        given = [str(r[there]).strip() for r in sheet[2] if there < len(r) and str(r[there]).strip()]
        if given and sum(v in known for v in given) * 2 >= len(given):
            return True
    return False


def _dated(header: list[str]) -> bool:
    """Whether a sheet's header has a date or a time (``Order Date``, ``PurchasedDate``,
    ``created_at``), names an order (a basket) or holds each line's rating: a sheet of
    lines, not of totals."""
    keys = [header_key(str(h)) for h in header]
    # (or each line's rating: a Ratings sheet beside a larger Users one; not a quantity or an
    # 'Avg Rating', a pivot's; session ap's reviews)
    return any("date" in k or k.endswith(("time", "timestamp")) or k in ("rating", "ratings", "stars") for k in keys) \
        or any(_names(header, c) for c in ("timestamp", "session_id"))


def _names(header: list[str], *columns: str) -> bool:
    """Whether a sheet's header names each of ``columns`` (``user_id``, ``item_id``) by the
    reader's usual names."""
    keys = {header_key(str(h)) for h in header}
    return all(keys & column.header_keys for column in GENERIC_INTERACTIONS.columns if column.name in columns)


RETURNED_COLUMN = "Returned"
"""The column a workbook's returns sheet becomes: a yes/no flag the sales-only rule reads
(its name's key is ``returned``)."""

_RETURNS_SHEET_KEYS = ("returns", "returned", "returnedorders", "refunds", "refunded", "refundedorders",
                       "retours", "devoluciones", "devolucoes", "devoluções", "retouren", "zwroty",
                       # (a Taiwanese Superstore's '退貨' sheet: '退回' 是 and '訂單ID'; real123-ar)
                       "退貨", "退货", "返品", "возвраты", "vratky")


_ORDER_KEY = re.compile(r"order|invoice|receipt|transaction|basket|bill|ticket|sale(?:s)?id|commande|pedido"
                        r"|bestellung|ordine|factura|facture|rechnung|訂單|订单|注文|オーダー|заказ|objedn")
"""A column that names an order: the only one a returns sheet is matched by (one that lists
products flags every shopper's purchases of them; session am's review)."""


_MEASURE = re.compile(r"quantit|qty|units|amount|sales|price|profit|discount|total|value|cost|refund")
"""A column of a returns sheet that measures the return (how many, how much): no key of the
lines returned."""


def _measure(key: str) -> bool:
    """Whether a column's key names a measure (:data:`_MEASURE`) rather than an id
    (``SalesOrderNumber`` is an order's, ``OrderQuantity`` a measure: session am's reviews)."""
    return bool(_MEASURE.search(key)) and not re.search(r"(?:number|(?<!pa)id|no|nr|key|code)$", key)


def _given_back_sheet(others: list[tuple], header: list[Any]) -> tuple[str, list[int], set[tuple[str, ...]]] | None:
    """``(sheet, columns of the table, their values on each returned line)`` where a
    left-out sheet named for returns (:data:`_RETURNS_SHEET_KEYS`) lists orders by columns
    of the table, one of them naming an order (:data:`_ORDER_KEY`), with at most one column
    of its own beside them, a yes/no or a status saying so (Tableau's Sample Superstore's
    ``Returns`` sheet of ``Returned``, ``Order ID``; the older ``Order ID``, ``Status`` of
    ``Returned``; Global Superstore's ``Returned``, ``Order ID``, ``Region``; one of
    ``Order ID``, ``Product ID``, ``Returned``, a line's return), else None. Its 296
    orders' 800 lines, 8 % of the ``Orders`` sheet, had been read as purchases. Not where
    the table has such a flag already."""
    keys = [header_key(str(h)) for h in header]
    if "returned" in keys:
        return None
    for name, sheet_header, data, _, _ in others:
        if not _returns_sheet(str(name)) or not data:
            continue
        own = [header_key(str(h)) for h in sheet_header]
        # (not a measure: a returned 'Quantity' or 'Sales' is the return's, not the line's;
        # session am's review)
        shared = [i for i, k in enumerate(own) if k and k in keys and not _measure(k)]
        rest = [i for i, k in enumerate(own) if k and k not in keys]
        if not any(_ORDER_KEY.search(own[i]) for i in shared) or len(rest) > 1:
            continue
        values = set()
        for row in data:
            cells = tuple(_sheet_cell(row[i]) if i < len(row) else "" for i in shared)
            if not any(cells):
                continue
            flag = _sheet_cell(row[rest[0]]).strip().lower() if rest and rest[0] < len(row) else "yes"
            if flag not in ("yes", "y", "true", "1", "x", "returned", "oui", "si", "sí", "sim", "ja", "是", "да", "ano", "○", "◯", "はい"):
                if flag in ("no", "n", "false", "0", "", "not returned", "non", "nein", "não", "nao", "否", "нет", "ne"):
                    continue
                break  # (another column than a yes/no: no returns list)
            values.add(cells)
        else:
            if values:
                return str(name), [keys.index(own[i]) for i in shared], values
    return None


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
    of two or more cells and half the widest of those rows' or more (a preface's
    'Fuente:, French bakery daily sales' of two cells above a table of nine is no header;
    real131-ar). None for an empty sheet. A one-column table keeps its first row."""
    filled = [sum(1 for v in row if v != "") for row in rows]
    first = next((i for i, n in enumerate(filled) if n), None)
    if first is None or filled[first] != 1:
        return first
    below = range(first + 1, min(first + 11, len(filled)))
    least = max(2, max((filled[i] for i in below), default=0) // 2)
    wide = next((i for i in below if filled[i] >= least), None)
    return wide if wide is not None else first


def _trimmed(row: list[Any]) -> list[str]:
    """A header row's cells as text, without the empty cells after the last name."""
    cells = [_sheet_cell(v) for v in row]
    while cells and cells[-1] == "":
        cells.pop()
    return cells
