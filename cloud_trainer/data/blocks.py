"""Tables that are not written as plain rows under a header: Netflix Prize's blocks of rows
under an ``ID:`` line, files of one basket a line (the arules ``groceries.csv``), an
accounting report's outline of detail lines under group lines (QuickBooks'), and records
of ``key: value`` lines (Stanford SNAP's reviews)."""

from __future__ import annotations

import csv
import io
import itertools
import re
from array import array
from collections import Counter
from collections.abc import Callable, Iterable, Iterator

from .names import is_basket_header
from .records import Converted, FormatError

BLOCK_HEADER = re.compile(rb"^[ \t]*(\d+):[ \t]*\r?$", re.MULTILINE)
"""A line that is an id and a colon, heading the lines below it (Netflix Prize's
``1:`` before that movie's ratings)."""

BLOCKS_MEMORY = 4
"""Peak memory of :func:`item_blocks` per byte of the file: the bytes, the rows as one
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


def item_blocks(raw: bytes) -> Converted:
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


_NUMBERED_ITEM = re.compile(r"(?i)\s*(?:(?:variant|cart|basket|order|line)[\s_-]*)?"
                            r"(item|product|article|produkt|artikel|produit|producto)(?:[\s_-]*(?:id|code|sku))?"
                            r"[\s_#-]*(\d{1,3})\s*")
"""A header name that numbers an item column: ``Item 1``, ``product_2``, ``Item#3``, ``item_id_1``,
``variant_item_4`` (a cart's)."""
_BASKET_ID = re.compile(r"(?i)\s*(order|basket|transaction|invoice|receipt|ticket|session|cart)[\s_#-]*(id|no|nr|number)?\s*")
"""The one column such a header may name the row's basket by (eobuwie.pl's shipped orders:
``order_id;item_id_1;item_id_2;item_id_3``)."""
_ITEM_COUNT = re.compile(r"(?i)\s*(item\(s\)|items?|count|n|number of items|basket size|size)\s*")
"""The one other column such a header may have: how many items the row lists."""


_NO_ITEM = ("", "NA")
"""An empty item cell: blank, or R's ``NA`` (a Groceries re-save by R writes it in every
empty cell; session am's review)."""


def _counts_the_items(rest: str, delimiter: str, at: int, items: list[int]) -> bool:
    """Whether column ``at`` holds, on 19 rows in 20 of the first 1,000, the number of the
    row's item cells that are filled: a count under a basket's name."""
    rows = [next(csv.reader([r.rstrip("\r")], delimiter=delimiter), []) for r in rest.split("\n")[:1000] if r.strip()]
    rows = [r for r in rows if len(r) > at]
    hits = sum(r[at].strip() == str(sum(1 for i in items if i < len(r) and r[i].strip() not in _NO_ITEM)) for r in rows)
    return bool(rows) and hits >= 0.95 * len(rows)


def _column_numbers(header: list[str], rest: str, delimiter: str) -> int | None:
    """Where ``header``'s column numbers start (0, or 1 after pandas' index column) if it is
    only the columns' numbers, ``0,1,2,...`` or ``1,2,3,...`` (three or more), as pandas
    writes a table of unnamed columns, over baskets of names: a Turkish shop's wide
    baskets, read as a headerless file, had made each basket's first product its shopper
    and its second the item, 991 of 1,277 items dropped (real80-ap). Baskets: a letter in
    nine filled cells in ten of the first thousand rows, each row's names first and its
    blanks after them (19 rows in 20), in three lengths or more. A log of shopper, item and
    event, a follow graph, a customer's ordered and delivered products fill the same
    columns on every line (session ap's reviews). Rows of numbers below such a line may be
    a headerless file whose first line is data, and stay so."""
    fields = [h.strip() for h in header]
    # (pandas' index column: unnamed, or so named once read back and saved again)
    start = 1 if fields and fields[0].lower() in ("", "unnamed: 0", "index") else 0
    fields = fields[start:]
    if len(fields) < 3 or not all(f.isdigit() for f in fields):
        return None
    if [int(f) for f in fields] not in (list(range(len(fields))), list(range(1, len(fields) + 1))):
        return None
    rows = [[c.strip() for c in r.rstrip("\r").split(delimiter)[start:]] for r in rest.split("\n")[:1000] if r.strip()]
    cells = [c for r in rows for c in r if c]
    if not cells or sum(any(ch.isalpha() for ch in c) for c in cells) < 0.9 * len(cells):
        return None
    filled = [sum(1 for c in r if c) for r in rows]
    packed = sum(all(r[:n]) for r, n in zip(rows, filled, strict=True))
    if packed < 0.95 * len(rows) or len(set(filled)) < 3:
        return None
    # A basket's names come in any column; a log's columns each hold their own kind, one of
    # them a few values (an event, a payment) beside ids of many (session ap's review). A
    # long-tail shop's baskets may share few names between columns, but hold many in each.
    where: dict[str, set[int]] = {}
    for r in rows:
        for i, c in enumerate(r):
            if c:
                where.setdefault(c, set()).add(i)
    if sum(len(places) >= 2 for places in where.values()) * 2 >= len(where):
        return start
    kinds = [len({r[i] for r in rows if i < len(r) and r[i]}) for i in range(len(fields))]
    given = [sum(1 for r in rows if i < len(r) and r[i]) for i in range(len(fields))]
    few = any(k <= 12 and n >= 20 for k, n in zip(kinds, given, strict=True))  # (an event's 7 kinds too)
    return None if few and max(kinds) >= 20 else start


def numbered_item_lines(text: str, first_line: int = 1) -> Converted | None:
    """A headed file of one basket a row, its items across columns ``Item 1`` .. ``Item N``
    (and perhaps a count, ``Item(s)``): a Groceries re-save (real-ae), refused asking for
    a shopper column though the same baskets without a header load. As :func:`basket_lines`:
    ``session_id,item_id``, a row per item, the row's line as its basket. None for any
    other header (3 or more such columns numbered 1, 2, 3 ..., nothing else but a count)."""
    first, _, rest = text.partition("\n")
    first = first.lstrip("\ufeff").rstrip("\r")
    # (a European spreadsheet's semicolons, as the header alone says: eobuwie.pl's)
    delimiter = ";" if ";" in first and "," not in first else ","
    try:  # (a CR LF file's '\r', or a quote left open, is no header of this kind)
        header = next(csv.reader([first], delimiter=delimiter), [])
    except csv.Error:
        return None
    numbered = {i: int(m.group(2)) for i, h in enumerate(header) if (m := _NUMBERED_ITEM.fullmatch(h))}
    others = [i for i, h in enumerate(header) if i not in numbered and h.strip()]
    positions = _column_numbers(header, rest, delimiter)
    if positions is not None:
        numbered, others = {i: i + 1 - positions for i in range(positions, len(header))}, []
    if len(numbered) < 3 or sorted(numbered.values()) != list(range(1, len(numbered) + 1)):
        return None
    if len(others) > 1 or (others and not (_ITEM_COUNT.fullmatch(header[others[0]])
                                           or _BASKET_ID.fullmatch(header[others[0]]))):
        return None
    basket_at = others[0] if others and _BASKET_ID.fullmatch(header[others[0]]) else None
    if basket_at is not None and _counts_the_items(rest, delimiter, basket_at, sorted(numbered)):
        basket_at = None  # (a Groceries re-save heads its count 'Transaction': 9,835 baskets had been 29)
    if basket_at is not None:
        # (an order's id names one row: a column of a few values, a transaction's type,
        # is none, and a pivot of quantities by order is no list of items; session ai's review)
        ids = [r.split(delimiter)[basket_at].strip() for r in rest.split("\n")[:1000]
               if r.strip() and len(r.split(delimiter)) > basket_at]
        # (an order that runs on to the next row repeats only there: runs, not rows, count)
        runs = [v for k, v in enumerate(ids) if k == 0 or v != ids[k - 1]]
        if not runs or len(set(runs)) < 0.9 * len(runs):
            return None

    def rows() -> Iterator[tuple[int, str, list[str]]]:
        for number, line in enumerate(rest.split("\n"), first_line + 1):
            try:
                cells = next(csv.reader([line.rstrip("\r")], delimiter=delimiter), [])
            except csv.Error:  # (a broken line holds no item it can name)
                cells = []
            basket = cells[basket_at].strip() if basket_at is not None and basket_at < len(cells) else ""
            yield number, basket, [cells[i].strip() for i in sorted(numbered)
                                   if i < len(cells) and cells[i].strip() not in _NO_ITEM]

    text, line_map, baskets, items = baskets_table(rows())
    span = f"{header[min(numbered)].strip()!r} .. {header[max(numbered)].strip()!r}"
    named = header[others[0]].strip() if others else ""
    count = (f"; {named!r}, their count, not read" if others and basket_at is None else "")
    if positions is not None:
        span += (" (a header of column numbers, as pandas writes a table of unnamed columns"
                 + (", its index column not read)" if positions else ")"))
    what = (f"one basket a row, its items across the columns {span}{count}: {baskets:,} baskets of "
            f"{items:,} items, each read with " + (f"its {named!r} as its id" if basket_at is not None
                                                   else "its line number as its id"))
    return Converted(text, line_map, what)


def _headed(text: str) -> tuple[str, list[str], str] | None:
    """A headed file's separator (``;`` or a tab where the header has no comma), its header
    and the text below it; None where the header does not parse."""
    first, _, rest = text.partition("\n")
    first = first.lstrip("\ufeff").rstrip("\r")
    delimiter = ";" if ";" in first and "," not in first else "\t" if "\t" in first and "," not in first else ","
    try:
        return delimiter, next(csv.reader([first], delimiter=delimiter), []), rest
    except csv.Error:
        return None


def _records(rest: str, delimiter: str, first_line: int) -> Iterator[tuple[int, list[str]]]:
    """The rows below a header with their line numbers in the file (a record over several
    lines counts from its last); a broken line names nothing it can be sure of and is left out."""
    reader = csv.reader(io.StringIO(rest), delimiter=delimiter)
    while True:
        try:
            row = next(reader)
        except StopIteration:
            return
        except csv.Error:
            continue
        yield first_line + reader.line_num, row


_LISTED_PRODUCT = re.compile(r"(?i)product|item|sku|article|goods|asin|ean|upc|dish|menu|offer|listing")
"""A flattened list's field that names a product: then its places are order lines."""
_INDEXED = re.compile(r"\s*([A-Za-z_][\w ]*?)(?:\[(\d{1,3})\]|\.(\d{1,3}))\.([\w .]+?)\s*")
"""A flattened list's column: MongoDB Compass's and JSON-to-CSV tools' ``products[0].product_id``,
pandas' ``json_normalize`` ``products.0.product_id``."""


def indexed_lines(text: str, first_line: int = 1) -> Converted | None:
    """A headed file whose order lines are a list flattened into columns by their place
    (``products[0].product_id``, ``products[1].product_id``, ``products[0].quantity`` ...,
    as MongoDB Compass exports an array): a row per place that holds anything, the order's
    other fields copied to each, each place's fields under their own names
    (``product_id``, ``quantity``, ``price``). Refused before for 'missing item_id', and
    once renamed only the first product of each order was read (6 of 16 lines lost;
    real148-as). One such list, twelve fields or fewer a place, one of them naming a product,
    two places or more, the same fields at each place."""
    if (headed := _headed(text)) is None:
        return None
    delimiter, header, rest = headed
    found = {i: m for i, h in enumerate(header) if (m := _INDEXED.fullmatch(h))}
    lists = {m.group(1) for m in found.values()}
    if len(lists) != 1:
        return None
    places: dict[int, dict[str, int]] = {}
    for i, m in found.items():
        places.setdefault(int(m.group(2) or m.group(3)), {})[m.group(4).strip()] = i
    fields = sorted({f for p in places.values() for f in p})
    if len(places) < 2 or any(set(p) != set(fields) for p in places.values()) or len(fields) > 12:
        return None
    if not any(_LISTED_PRODUCT.search(f) for f in fields):
        return None  # (a split payment's 'payments[0].method', a record's tags: no lines of products)
    others = [i for i in range(len(header)) if i not in found]
    if any(header[i].strip() in fields for i in others):
        return None
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow([*(header[i] for i in others), *fields])
    line_map = array("q")
    orders = lines = 0
    for number, row in _records(rest, delimiter, first_line):
        if not any(c.strip() for c in row):
            continue
        own = [row[i] if i < len(row) else "" for i in others]
        wrote = False
        for place in sorted(places):
            cells = [row[places[place][f]] if places[place][f] < len(row) else "" for f in fields]
            if any(c.strip() for c in cells):
                writer.writerow([*own, *cells])
                line_map.append(number)
                lines += 1
                wrote = True
        orders += wrote
    name = next(iter(lists))
    what = (f"a list flattened into columns by place ({name}[0] .. {name}[{max(places)}], each of "
            f"{', '.join(repr(f) for f in fields)}): {lines:,} lines of {orders:,} records, a row per place that "
            "holds anything, the record's other fields copied to each")
    return Converted(out.getvalue(), line_map, what)


_NUMBERED_ANY = re.compile(r".*\D[\s_#-]*\d{1,3}\s*")
_SMALL_NUMBER = re.compile(r"-?\d{1,3}(?:[.,]\d+)?")


def numbered_items_beside_fields(text: str, first_line: int = 1) -> Converted | None:
    """A headed file of one order a row, its items across columns numbered 1 .. N
    (:data:`_NUMBERED_ITEM`, three or more) beside the order's own fields (a shop's
    ``order_completed.csv``: ``id, timestamp, total_price, ..., variant_item_1`` ..
    ``variant_item_5``; its hint had offered ``variant_item_1`` as the item, which would
    have kept each cart's first item and lost the rest; real130-ar). A row per item, the
    order's fields copied to each, its id column (an order's or ``id``, one a row) or its
    line number as ``session_id``; a name twice on a row is two units of it. None
    where the other columns number things too (a quantity beside each item: not paired
    here), where a column of the others names an item, or where the numbered cells are
    not filled left to right on 19 rows in 20 or are mostly small numbers (a pivot of
    quantities)."""
    if (headed := _headed(text)) is None:
        return None
    delimiter, header, rest = headed
    try:
        rows = list(itertools.islice(csv.reader(io.StringIO(rest), delimiter=delimiter), 1000))
    except csv.Error:
        return None
    numbered = {i: int(m.group(2)) for i, h in enumerate(header) if (m := _NUMBERED_ITEM.fullmatch(h))}
    others = [i for i in range(len(header)) if i not in numbered]
    if len(numbered) < 3 or sorted(numbered.values()) != list(range(1, len(numbered) + 1)) or len(others) < 2:
        return None
    if sum(bool(_NUMBERED_ANY.fullmatch(header[i])) for i in others) >= 3 or any(
            re.match(r"(?i)\s*(item|product|sku|article)", header[i]) for i in others):
        return None
    order = sorted(numbered)
    rows = [r for r in rows if any(c.strip() for c in r)]
    lists = [[r[i].strip() for i in order if i < len(r)] for r in rows]
    filled = [sum(1 for c in cells if c) for cells in lists]
    cells = [c for cells in lists for c in cells if c]
    if not rows or not cells or sum(all(ls[:n]) for ls, n in zip(lists, filled, strict=True)) < 0.95 * len(rows):
        return None
    if sum(bool(_SMALL_NUMBER.fullmatch(c)) for c in cells) >= 0.5 * len(cells) or sum(n >= 2 for n in filled) < (
            0.1 * len(rows)):
        return None
    # (the order's, the cart's or the session's own column: a second, made-up one beside a
    # 'session_id' had been refused as two; session as's review. A bare 'id' only where it
    # names one row: an id that repeats is no order's)
    basket = next((i for i in others if _BASKET_ID.fullmatch(header[i])), None)
    if basket is None and (bare := next((i for i in others if header[i].strip().lower() == "id"), None)) is not None:
        ids = [r[bare].strip() for r in rows if bare < len(r)]
        basket = bare if len(set(ids)) == len(ids) else None
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow([*("session_id" if i == basket else header[i] for i in others),
                     *(() if basket is not None else ("session_id",)), "item_id", "quantity"])
    line_map = array("q")
    orders = 0
    items: set[str] = set()
    for number, row in _records(rest, delimiter, first_line):
        names = [row[i].strip() for i in order if i < len(row) and row[i].strip() not in _NO_ITEM]
        orders += bool(names)
        fields = [row[i] if i < len(row) else "" for i in others]
        for item, units in Counter(names).items():
            writer.writerow([*fields, *(() if basket is not None else (f"line {number}",)), item, units])
            line_map.append(number)
            items.add(item)
    span = f"{header[order[0]].strip()!r} .. {header[order[-1]].strip()!r}"
    what = (f"one order a row, its items across the columns {span} beside its own fields: {orders:,} orders of "
            f"{len(items):,} items, a row each (a name listed twice two units), the order's fields copied to each, "
            "each read with "
            + (f"its {header[basket].strip()!r} as its id" if basket is not None else "its line number as its id"))
    return Converted(out.getvalue(), line_map, what)


def sequence_lines(text: str, layout: str, first_line: int = 1, *, items_a_line: bool = False) -> Converted:
    """A file of one shopper's items, or one basket, a line
    (:func:`.headerless.sequence_layout`) as a table. ``"basket"``: as :func:`basket_lines`. ``"shopper"`` (the shopper's number first): ``user_id,order_number,item_id``, a
    row per item, its place on the line as the order, so each item is the shopper's next
    basket and the split holds out each shopper's last items (the leave-last-out these
    files are judged by). ``"counted"`` (how many items first): ``user_id,item_id``, the
    shopper named by the line's number; no order, as such lines list their ids sorted (the
    reader then holds out a random share of each shopper's, :func:`.clocks.file_order_clock`).
    ``items_a_line`` (``"counted"`` only): each line an item and the numbers after the count
    its shoppers (CiteULike's ``items.dat``), written ``item_id,user_id``."""
    if layout == "basket":
        table, line_map, baskets, n_items = baskets_table(
            (number, "", line.split()) for number, line in enumerate(text.split("\n"), first_line))
        what = ("one basket a line, every number on it an item, no header (FIMI's 'retail.dat' and 'kosarak.dat' "
                f"layout): {baskets:,} baskets of {n_items:,} items, each read with its line number as its id "
                "(if each line's first number is its shopper or its transaction, give the file a header)")
        return Converted(table, line_map, what)
    colon = layout.endswith(":")  # (the shopper before a colon: SELFRec's '1:1 2 3 4')
    layout = layout.removesuffix(":")
    lines = [(number, (without_shopper_colon(line) if colon else line).split())
             for number, line in enumerate(text.split("\n"), first_line)]
    lines = [(number, fields) for number, fields in lines if len(fields) >= 2]
    # Lines that list their items by id (LightGCN's train.txt: a set) keep no order: the
    # reader then holds out a random share of each shopper's (session ae's review: "in
    # order" had been said of them, and each user's highest ids held out as "latest").
    long = [[int(f) for f in fields[1:]] for _, fields in lines if len(fields) >= 4]
    ordered = layout == "shopper" and not (
        long and sum(all(a < b for a, b in zip(ids, ids[1:], strict=False)) for ids in long) >= 0.9 * len(long))
    out = io.StringIO()
    out.write("user_id,order_number,item_id\n" if ordered else "item_id,user_id\n" if items_a_line else
              "user_id,item_id\n")
    line_map = array("q")
    items: set[str] = set()
    for number, fields in lines:
        shopper = fields[0] if layout == "shopper" else f"line {number}"
        for place, item in enumerate(fields[1:], 1):
            out.write(f"{shopper},{place},{item}\n" if ordered else f"{shopper},{item}\n")
            line_map.append(number)
            items.add(item)
    if layout == "shopper":
        what = ("one shopper a line, the first number the shopper and the others their items"
                + (" in order" if ordered else ", listed by id on most lines, so in no order")
                + (", no header (SELFRec's and QRec's layout, the shopper before a ':'; if a line is one basket "
                   "with its id first, give the file a header instead)" if colon else
                   ", no header (the sequential recommenders' layout, S3-Rec's and RecBole's '.txt'; if a line is "
                   "one basket with its id first, give the file a header instead)"))
    elif items_a_line:
        what = ("one item a line (the file's name says items), the first number how many shoppers follow and the "
                "others the shoppers, no header (CiteULike's items.dat): each item named by the line's number "
                "('line N')")
        return Converted(out.getvalue(), line_map, f"{what}: {len(lines):,} items, {len(items):,} shoppers")
    else:
        what = ("one shopper a line, the first number how many items follow and the others the items, no header "
                "(CiteULike's users.dat): each shopper named by the line's number ('line N')")
    return Converted(out.getvalue(), line_map, f"{what}: {len(lines):,} shoppers, {len(items):,} items")


_SPMF_SEQUENCE = re.compile(r"(?:-?\d+ )+-2")
"""SPMF's sequence line: itemsets of item numbers, each ended by ``-1``, the sequence by ``-2``."""
_SPMF_UTILITY = re.compile(r"(\d+(?: \d+)*):(\d+(?:\.\d+)?):(\d+(?:\.\d+)?(?: \d+(?:\.\d+)?)*)")
"""SPMF's utility line: ``items:total utility:each item's utility`` (``1 3 4:9:1 3 5``)."""


def spmf_lines(text: str, first_line: int = 1) -> Converted | None:
    """SPMF's sequence files (``1 2 -1 3 -1 -2``: one shopper's sequence a line, its
    itemsets in order) as ``user_id,order_number,item_id``, each itemset a basket in its
    place; SPMF's utility files (``1 3 4:9:1 3 5``, Foodmart's baskets with each item's
    utility) as a basket a line, the items before the first colon. Both had been refused,
    their first line taken for a header (real176-au). None for any other text: every one
    of the first 200 lines (20 or more; ``@``, ``#`` and ``%`` lines are comments, as SPMF
    writes them) must be so."""
    lines = [(number, line.strip()) for number, line in enumerate(text.split("\n"), first_line)
             if line.strip() and not line.lstrip().startswith(("@", "#", "%"))]
    head = [line for _, line in lines[:200]]
    if len(head) < 20:
        return None
    if all(_SPMF_SEQUENCE.fullmatch(line) and " -1 " in f" {line}" for line in head):
        out = io.StringIO()
        out.write("user_id,order_number,item_id\n")
        line_map = array("q")
        items: set[str] = set()
        for number, line in lines:
            place = 1
            for token in line.split():
                if token == "-2":
                    break
                if token == "-1":
                    place += 1
                    continue
                out.write(f"line {number},{place},{token}\n")
                line_map.append(number)
                items.add(token)
        return Converted(out.getvalue(), line_map, (
            "one shopper's sequence a line, its itemsets each ended by -1 and the sequence by -2, no header "
            f"(SPMF's sequence layout): {len(lines):,} shoppers (each named by its line, 'line N'), {len(items):,} "
            "items, each itemset one basket in its place"))
    parsed = [_SPMF_UTILITY.fullmatch(line) for line in head]
    # (and the total the sum of the utilities, as SPMF writes it: 'user:item:rating' lines are
    # no baskets; review 69)
    if all(m is not None and len(m[1].split()) == len(m[3].split())
           and abs(sum(float(u) for u in m[3].split()) - float(m[2])) <= 0.01 * max(float(m[2]), 1.0)
           for m in parsed):
        rows = [(number, "", m[1].split()) for number, line in lines
                if (m := _SPMF_UTILITY.fullmatch(line)) is not None]
        table, line_map, baskets, n_items = baskets_table(rows)
        return Converted(table, line_map, (
            "one basket a line, its items before the first ':' and their utilities after the second, no header "
            f"(SPMF's utility layout): {baskets:,} baskets of {n_items:,} items, each read with its line number as "
            "its id"))
    return None


SHOPPER_COLON = re.compile(r"(\d+):[ \t]*")
"""A line's shopper before a colon, as SELFRec and QRec write it (``1:1 2 3``, ``1: 1 2 3``,
``10:`` for a shopper without items)."""


def without_shopper_colon(line: str) -> str:
    """``line`` with the colon after its shopper a space: ``1:1 2 3`` -> ``1 1 2 3``."""
    return SHOPPER_COLON.sub(r"\1 ", line, count=1).rstrip()


def basket_lines(text: str, first_line: int = 1) -> Converted:
    """A file of one basket a line (:func:`.headerless.is_basket_per_line`) as a table
    ``session_id,item_id``: a row per name on a line, the line's number as its basket."""
    rows = [(number, "", [f.strip() for f in next(csv.reader([line]), []) if f.strip()])
            for number, line in enumerate(text.split("\n"), first_line)]
    first = next((i for i, (_, _, names) in enumerate(rows) if names), None)
    header = ""
    if first is not None and is_basket_header(rows[first][2]):
        # (a one-word header over the baskets, 'Items': read as a basket of one item
        # 'Items', it had put a product of that name in the catalogue; real54-an)
        header = rows[first][2][0]
        rows = rows[first + 1:]
    rows, label = _without_end_labels(rows)
    table, line_map, baskets, items = baskets_table(rows)
    what = ("one basket a line, each name on it an item, "
            + (f"under a header of one field ({header!r})" if header else "no header")
            + f" (the arules 'groceries.csv' layout): {baskets:,} baskets of {items:,} items, each read with its "
            "line number as its id"
            + (f"; the name each line ends with ({label}) is a label, not an item: left out" if label else ""))
    return Converted(table, line_map, what)


_LABEL = re.compile(r"[^=]+?\s*=\s*[^=]+")
"""A ``name = value`` pair (``total = high``): a class label, no product's name."""


def _without_end_labels(rows: list[tuple[int, str, list[str]]]) -> tuple[list[tuple[int, str, list[str]]], str]:
    """``rows`` without the ``name = value`` label each basket ends with, where nine in ten
    do (Weka's ``supermarket`` baskets end in ``total = low`` or ``total = high``: 4,627 of
    90,389 'purchases', the 4th most bought 'item'; real89-ap), and how the note names them
    ("" where no label)."""
    given = [names for _, _, names in rows if names]
    ends = Counter(names[-1] for names in given if _LABEL.fullmatch(names[-1]))
    if not given or sum(ends.values()) < 0.9 * len(given) or len(ends) > 10:
        return rows, ""
    # (the other names are no pairs: a basket of 'milk=t' items keeps its last; session ap's review)
    others = [n for names in given for n in names[:-1]]
    if others and sum(bool(_LABEL.fullmatch(n)) for n in others) >= 0.1 * len(others):
        return rows, ""
    shown = ", ".join(repr(v) for v, _ in ends.most_common(3))
    return [(n, b, names[:-1] if names and names[-1] in ends else names) for n, b, names in rows], shown


def baskets_table(lines: Iterable[tuple[int, str, list[str]]]) -> tuple[str, array, int, int]:
    """``session_id,item_id`` text from ``(line number, basket id, item names)``, each line
    a basket named by its id, or ``line N`` where it has none (""); with the rows' source
    lines and the counts of baskets and distinct items, for the note."""
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(("session_id", "item_id"))
    line_map = array("q")
    baskets = 0
    items: set[str] = set()
    for number, basket_id, names in lines:
        baskets += bool(names)
        basket = basket_id or f"line {number}"
        for item in names:
            writer.writerow((basket, item))
            line_map.append(number)
            items.add(item)
    return out.getvalue(), line_map, baskets, len(items)


QUICKBOOKS_NAMES = {"num": "Transaction Number", "type": "Document Type", "transaction type": "Document Type",
                    "sales price": "Unit Price", "product/service": "Product"}
"""QuickBooks reports' column names as the schema says them: ``Num`` is the sale's
document (the basket), ``Type`` / ``Transaction Type`` its kind (a ``Credit Memo`` or
``Refund Receipt`` gives a sale back), ``Sales Price`` the unit price (``Amount`` the
line's), ``Product/Service`` the item."""

QUICKBOOKS_WORDS = frozenset({"num", "type", "transaction type", "memo", "memo/description", "name", "qty",
                              "sales price", "amount", "balance", "product/service", "date"})
"""Column names of QuickBooks' detail reports, two of which an outline must have."""

OUTLINE_ITEM = "item"
OUTLINE_SHOPPER = "customer"
"""The names :func:`outline_report` gives the group columns it reads as the item or the shopper."""


def outline_report(text: str, delimiter: str, quoting: int, first_line: int, read_as: Callable[[str], str | None]
                   ) -> Converted | None:
    """An accounting report's outline as a table of its detail lines, or None for any
    other file (one look at its header). QuickBooks' 'Sales by Customer Detail' and
    'Sales by Item Detail' exported to CSV: the header's first columns have no name, a
    group's name stands alone in one of them on a line of its own (a customer; an item
    under its category under its type), the detail lines below leave them blank, and
    'Total for X' lines close each group. Read as rows, every detail line lacked the
    group it belongs to and the file was refused ('missing user_id, item_id').

    Each detail line gets its groups' names as columns. Which group is what comes from
    the named columns (``read_as`` gives the schema column a header name is read as): the
    innermost group is the item where no named column is one (QuickBooks Desktop's item
    report, whose ``Name`` is then the customer), else the outermost the shopper where no
    named column is one; other levels are passed over. Group, total and blank lines are
    no rows; ``first_line`` is the file line of ``text``'s first (the header)."""
    # (the first line alone: a split copies the rest of a 2 GB text; \r ends it in a Mac file)
    first = io.StringIO(text[: 1 << 16], newline="").readline().rstrip("\r\n")
    header = next(csv.reader([first], delimiter=delimiter, quoting=quoting), [])
    levels = next((k for k, h in enumerate(header) if h.strip()), 0)
    if not levels or levels > 4 or len(header) - levels < 3:
        return None  # (a header that starts with a name, as nearly every file's does)
    # QuickBooks' own words, which elsewhere mean other things (Ta-Feng's SALES_PRICE is a
    # line's total; a 'Type' is seldom a document's): read as what QuickBooks means.
    if sum(h.strip().casefold() in QUICKBOOKS_WORDS for h in header[levels:]) < 2:
        return None  # (pandas' unnamed index column, Excel's blank column A: no parse of the whole file)
    named = [QUICKBOOKS_NAMES.get(h.strip().casefold(), h.strip()) for h in header[levels:]]
    reads = [read_as(h) for h in named]
    rows: list[list[str]] = []
    line_map = array("q")
    groups = [""] * levels
    counts = {"group": 0, "total": 0, "other": 0}
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter, quoting=quoting)
    next(reader)
    for number, row in enumerate(reader, first_line + 1):
        cells = [c.strip() for c in row] + [""] * (len(header) - len(row))
        lead = [c for c in cells[:levels] if c]
        rest = any(cells[levels:])
        if not lead and not rest:
            continue
        if lead and lead[0].casefold().startswith("total"):
            counts["total"] += 1  # ('Total for Anna Miller', 'Total Americano', 'TOTAL')
        elif len(lead) == 1 and not rest and re.search(r"\w", lead[0]):  # (not a '-----' rule)
            at = next(k for k, c in enumerate(cells[:levels]) if c)
            groups[at:] = [lead[0]] + [""] * (levels - at - 1)
            counts["group"] += 1
        elif not lead:
            rows.append([*groups, *cells[levels:len(header)]])
            line_map.append(number)
        else:
            counts["other"] += 1
        if number == first_line + 200 and (not counts["group"] or counts["other"] > 10):
            return None  # (the first 200 lines tell: no parse of a long file that is no outline)
    # QuickBooks' signature: 'Total ...' lines closing the groups and its own column names
    # (above; a blank first header cell elsewhere had made 'Page 1' a shopper, a sales
    # channel an item; footer lines below the data, groups with no line, a crash).
    if counts["group"] < 2 or len(rows) < 5 or counts["other"] > max(2, len(rows) // 20) or not counts["total"]:
        return None
    filled = [k for k in range(levels) if any(r[k] for r in rows)]
    if not filled or sum(not any(r[:levels]) for r in rows) * 2 > len(rows):
        return None  # (most detail lines under no group: no outline)
    deepest = max(filled)
    names = [f"outline level {k + 1}" for k in range(levels)]
    if "item_id" not in reads:
        names[deepest] = OUTLINE_ITEM
        if "user_id" not in reads and "name" in [h.casefold() for h in named]:
            # (QuickBooks' 'Name' is the customer of a sale, its 'Memo' the item's text)
            named[[h.casefold() for h in named].index("name")] = OUTLINE_SHOPPER
    elif "user_id" not in reads:
        names[0] = OUTLINE_SHOPPER
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow([*names, *named])
    writer.writerows(rows)
    read = [n for n in (OUTLINE_SHOPPER, OUTLINE_ITEM) if n in names or n in named]
    what = (f"an outlined report (QuickBooks' 'Sales by ... Detail'): {len(rows):,} detail lines under "
            f"{counts['group']:,} group lines, each read with its groups ({', '.join(read) or 'none read'}); "
            f"{counts['group'] + counts['total']:,} group and total lines not read")
    return Converted(out.getvalue(), line_map, what)


RECORD_LINE = re.compile(rb"^[A-Za-z]\w*(?:/\w+)+: ")
"""A line of a record written ``key: value`` with a path for its key (SNAP's review
collections: ``product/productId: B001E4KFG0``, ``review/userId: A3SGXH7AUHU8GW``)."""


def record_layout(raw: bytes) -> bool:
    """Whether ``raw`` is records of ``key: value`` lines with path keys, one record a block
    of lines with a blank line between (Stanford SNAP's Amazon Fine Foods, BeerAdvocate,
    RateBeer and movie reviews). Read as a CSV it was refused, its 'header' one record's
    first line ('beer/name: Sausa Weizen')."""
    head = raw[:8192].lstrip(b"\xef\xbb\xbf").split(b"\n")
    filled = [line for line in head[:12] if line.strip()]
    if len(filled) < 3 or not all(RECORD_LINE.match(line) for line in filled[:3]):
        return False
    # A second record after the blank line, opening with the first one's key: three
    # 'Store/Branch: Oslo' lines above a CSV's header are a preamble, not records.
    blank = next((k for k, line in enumerate(head[1:40], 1) if not line.strip()), None)
    key = filled[0].split(b": ", 1)[0]
    return blank is not None and any(line.split(b": ", 1)[0] == key for line in head[blank + 1:blank + 40]
                                     if line.strip())


def record_blocks(raw: bytes) -> Converted:
    """A record layout (:func:`record_layout`) as CSV text: a row per record, a column per
    key, named by the key's last part where that is unique (``review/userId`` -> ``userId``,
    which the reader knows) and whole where two keys end alike. Errors give the line of a
    record's first key. Lines of no ``key: value`` inside a record are bad lines."""
    text = raw.decode("utf-8", errors="replace").lstrip("\ufeff")
    records: list[dict[str, str]] = []
    line_map = array("q")
    bad: list[tuple[int, str]] = []
    record: dict[str, str] = {}
    for number, line in enumerate(text.split("\n"), 1):
        line = line.rstrip("\r")
        if not line.strip():
            if record:
                records.append(record)
                record = {}
            continue
        key, sep, value = line.partition(": ")
        if not sep or "/" not in key:
            bad.append((number, f"not a 'key: value' line of a record ({line[:40]!r})"))
            continue
        if not record:
            line_map.append(number)
        record[key] = value
    if record:
        records.append(record)
    keys: dict[str, None] = {}
    for r in records:
        keys.update(dict.fromkeys(r))
    last = [k.rsplit("/", 1)[-1] for k in keys]
    names = {k: (tail if last.count(tail) == 1 else k) for k, tail in zip(keys, last, strict=True)}
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(names.values())
    for r in records:
        writer.writerow([r.get(k, "").replace("\t", " ") for k in keys])
    what = (f"{len(records):,} records of 'key: value' lines, a blank line between (Stanford SNAP's review "
            f"layout: {', '.join(list(keys)[:4])}, ...), read with the keys' last parts as the columns")
    return Converted(out.getvalue(), line_map, what, bad)
