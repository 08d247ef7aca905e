"""Tables that are not written as rows under a header: Netflix Prize's blocks of rows under
an ``ID:`` line, and files of one basket a line (the arules ``groceries.csv``)."""

from __future__ import annotations

import csv
import io
import re
from array import array

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
