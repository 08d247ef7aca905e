""":func:`read_table`, the one reader every input file goes through: its text
(:mod:`.filetext`), which column is which (:mod:`.headers`), the rows, then each
schema column's values checked and typed (:mod:`.values`, one function per column kind,
with :mod:`.columns`, :mod:`.amounts`, :mod:`.timestamps`). A bad row is reported as
``file:line: column: reason`` and left out; the load goes on.
"""

from __future__ import annotations

import contextlib
import csv
import io
import re
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass
from functools import cache, partial
from itertools import chain, islice
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from . import blocks, headerless
from .amounts import (
    decimal_comma_example,
    writes_decimal_commas,
)
from .columns import (
    ORDER_NUMBER_KEYS,
    across_shoppers,
    anonymous_baskets,
    better_basket_column,
    better_item_column,
    better_price_column,
    better_user_column,
    carried_down,
    counts_from_one,
    date_from_parts,
    event_column_by_values,
    fill_from_basket,
    filled_time_column,
    missing_values,
    one_form_ids,
    record_continuations,
    renamed_columns,
    scientific_ids,
    text_formulas,
    whole_number_ids,
    words_for_a_time,
)
from .filetext import (
    DELIMITERS,
    UNIT_SEPARATOR,
    bcp_separator,
    count_scaffold_lines,
    count_title_lines,
    csv_reader,
    file_text,
    first_rows,
    guess_delimiter,
    requoted_apostrophes,
    text_lines,
)
from .headers import (
    Twin,
    baskets_a_line,
    daily_date_over_month,
    date_beside_clock,
    known_keys,
    names_by_content,
    normalise_header,
    order_name_column,
    pseudonymous_user_column,
    sequences_a_line,
    strip_table_names,
    strip_table_prefix,
    strip_type_suffixes,
    time_by_content,
    time_of_day_column,
)
from .idlists import counted_text, joined_ids
from .ingest import FileStats, IngestReport
from .lines import PRICED_LIST, undone_by_status
from .names import header_key, is_passed_over, passed_over
from .records import Converted
from .refusals import process_log
from .sampling import ShopperSample, shopper_key
from .schema import (
    ANONYMOUS_BASKET,
    INTERACTION_COLUMNS,
    ITEM_PLACEHOLDER_PATTERN,
    ITEM_PLACEHOLDERS,
    MISSING_VALUES,
    PREDICTED_SCORE,
    RANK_KEYS,
    ROW,
    DataError,
    MissingColumns,
    TableSpec,
)
from .values import Checks, choices, numbers, times


def read_table(
    path: Path,
    spec: TableSpec,
    report: IngestReport,
    *,
    hasher: Any | None = None,
    display_name: str | None = None,
    may_lack: tuple[str, ...] = (),
    sample: ShopperSample | None = None,
) -> pd.DataFrame:
    """Read and validate one CSV file; bad rows go to ``report`` and are dropped.

    ``may_lack``: required columns the file may lack altogether (the caller then
    fills them, as the generic loader gives a file without times a clock); when
    present they are required in every row as usual.

    ``sample``: read only a sample of whole shoppers when the file has more lines than
    its budget (:mod:`.sampling`); what it kept is in ``report.sample``.

    Returns a DataFrame with the file's columns (validated ones converted:
    ``float`` -> float64 with NaN for empty, ``timestamp`` -> naive
    ``datetime64`` (UTC if the text had an offset), ``enum`` -> lower case, text
    -> stripped str with ``""`` for empty) plus ``_line``, the 1-based line
    number in the file, so later checks can still point at the source.

    The stages, each below: the file's text (:func:`.filetext.file_text`), how its
    lines are laid out (:func:`_layout`), which column is which (:func:`_header`), the
    rows (:func:`_rows`), then each schema column's values (:func:`_checked`).
    """
    name = display_name or str(path)
    text, line_map = file_text(path, name, report, hasher, table=spec.name)
    report.stats(name)  # the file's counts, from here on (a refused file shows its zeros)
    layout = _layout(text, line_map, spec, name, report)
    del text  # (the layout's text is the one read from here on)
    try:
        head = _header(layout, spec, name, report, may_lack)
    except MissingColumns as exc:
        raise _in_its_sheet(exc, name, report) from None
    read = _rows(layout, head, spec, name, report, sample, hasher)
    # The text and the reader's buffer (4 bytes a character) are done with: 0.8 GB for a
    # 160 MB export, held through the frame's build and checks otherwise.
    formulas = '="' in layout.text  # Excel's ="00030" somewhere (one scan: most files pay nothing per column)
    # (an ASCII file's ids have no Unicode forms to tell apart: one C-speed look, not a
    # unique over each id column, 0.35 s each on 2M lines)
    unicode_ids = not layout.text.isascii()
    delimiter = layout.delimiter
    del layout
    frame = pd.DataFrame(read.rows, columns=head.names, dtype=object) if read.rows else pd.DataFrame(
        columns=head.names, dtype=object
    )
    read.rows.clear()  # the frame holds the same strings; the 4.8M row lists were 0.5 GB more
    frame["_line"] = np.asarray(read.lines, dtype=np.int64)
    frame = _one_of_twins(frame, head, name, report)
    if "timestamp" in may_lack and "timestamp" in head.names and len(frame):
        frame = _zero_times(frame, head, name, report)
    return _checked(frame, head, spec, name, report, read.pending, delimiter=delimiter, formulas=formulas,
                    unicode_ids=unicode_ids)


def _zero_times(frame: pd.DataFrame, head: _Header, name: str, report: IngestReport) -> pd.DataFrame:
    """A time column that is 0 on every line holds no time (NCF's ``pinterest-20`` files
    write ``user item 1 0``): the file is read as one without times, with a note. Read as
    times, 0 is the Unix epoch, a missing time's default, and every line had been a bad
    row (real2-ae)."""
    values = frame["timestamp"].astype(str).str.strip()
    if not values.isin(("0", "0.0", "")).all() or not (values != "").any():
        return frame
    at = head.names.index("timestamp")
    raw = head.raw[at]
    head.names[at] = passed_over(raw)
    report.notes.append(f"{name}: column {raw!r} is 0 on every line: no times, so the file is read as one "
                        "without them")
    return frame.rename(columns={"timestamp": head.names[at]})


@dataclass
class _Layout:
    """A file's text and how its lines are read, before any column is named."""

    text: str
    line_map: list[int] | None
    """A converted file's (:mod:`.formats`) source line or row of each data row."""
    delimiter: str
    quoting: int
    dropped: int
    """Lines above the header that are not read (Excel's ``sep=`` line, a report's title):
    the lines errors name count them."""


def _one_kind_of_node(text: str, delimiter: str, quoting: int, raw_header: list[str]) -> bool:
    """Whether an edge list's sources and targets are one kind of node: numbers whose ranges
    overlap by half or more, or words of the same letters around their digits. A bipartite
    list (TGB's reviews, users to products; ``u17`` to ``i4``) is users to items, whose
    columns a rename makes readable (session ak's review)."""
    keys = [header_key(h) for h in raw_header]
    at = next(i for i, k in enumerate(keys) if k in EDGE_SOURCE_KEYS)
    to = next(i for i, k in enumerate(keys) if k in EDGE_TARGET_KEYS)
    try:
        rows = [r for r in first_rows(text, delimiter, quoting, 1001)[1:] if len(r) > max(at, to)]
    except csv.Error:
        return False
    sources, targets = [r[at].strip() for r in rows], [r[to].strip() for r in rows]
    if not rows:
        return False
    if all(v.isdigit() for v in sources + targets):
        a, b = [int(v) for v in sources], [int(v) for v in targets]
        span = min(max(a) - min(a), max(b) - min(b))
        return span > 0 and min(max(a), max(b)) - max(min(a), min(b)) >= 0.5 * span
    return {re.sub(r"\d+", "#", v) for v in sources} == {re.sub(r"\d+", "#", v) for v in targets}


EDGE_SOURCE_KEYS = frozenset({"source", "sourcenode", "sourceid", "sourcenodeid", "src", "srcnode", "srcid",
                              "fromnode", "fromid", "node1", "nodea"})
EDGE_TARGET_KEYS = frozenset({"destination", "destinationnode", "destinationid", "target", "targetnode", "targetid",
                              "dst", "dstnode", "dstid", "tonode", "toid", "node2", "nodeb"})
"""Header names of a graph's edge list (networkx's and node2vec's ``source``, ``target``)."""


_ACCESS_LOG_LINE = re.compile(r"\S+ \S+ \S+ \[\d{1,2}/[A-Za-z]{3}/\d{4}:\d\d:\d\d:\d\d [+-]\d{4}\] \"")
"""A web server's access log line (the Common and Combined Log Formats)."""
_NEGATIVES_LINE = re.compile(r"(\(\d+,\s*\d+\))[ \t]+\d+[ \t]+\d+")
"""A sampled-negatives line: ``(user,item)`` then item ids, whitespace between them."""


def _in_its_sheet(exc: MissingColumns, name: str, report: IngestReport) -> MissingColumns:
    """A workbook's refusal that names the sheet it read and the sheets it left out: an
    AppSheet workbook of nine sheets had been refused for its 'Buy' sheet's header with no
    word of which sheet that was, nor how to read its order lines' sheet (real200-av)."""
    said = next((n for n in report.notes if n.startswith(f"{name}: an ") and " workbook (." in n.split(";")[0]), None)
    message = str(exc)
    if said is None or not message.startswith(f"{name}: "):
        return exc
    sheet = re.search(r"\(\.\w+; sheets? ('(?:[^'\\]|\\.)*'|\"[^\"]*\")", said)
    others = re.search(r"; left out, with another header: ([^;]*?)\)?(?:;|$)", said)
    if sheet is None:
        return exc
    where = f"sheet {sheet.group(1)}" + (
        f" (the workbook's other sheets, with another header: {others.group(1)}; to read one of them, save it "
        "as CSV and give that file)" if others else "")
    return MissingColumns(f"{name}: {where}: {message[len(name) + 2:]}", found=exc.found, missing=exc.missing,
                          header=exc.header)


def _layout(text: str, line_map: list[int] | None, spec: TableSpec, name: str, report: IngestReport) -> _Layout:
    """One basket a line made a table; blank lines, Excel's separator line and a report's
    title above the header dropped; the field separator and quoting. Each with a note."""
    blank = 0
    lead = re.match(r"(?:[ \t,;|]*\r?\n)+", text) if line_map is None else None
    if lead:
        # Blank lines above the header (eBay's orders report opens with one): the header
        # had been read as an empty line, and the file refused as 'only blank lines'.
        blank = lead.group(0).count("\n")
        text = text[lead.end():]
        report.notes.append(f"{name}: {blank} blank line(s) above the header skipped")
    if line_map is None and spec.name == "interactions" and (block := _line_block(text, spec, blank + 1, name)) is not None:
        text, line_map = block.text, block.line_map
        report.notes.append(f"{name}: {block.what}; read as a table")
    elif (line_map and spec.name == "interactions" and (cells := _quoted_cells(text)) is not None
          and baskets_a_line(cells, spec)):
        # A sheet's one column of baskets, a basket a cell (an Egyptian grocer's workbook,
        # in two repositories: its first basket had been the header; real108-aq). The
        # sheet's text line 1 is its header row, the rows after it in line_map.
        block = blocks.basket_lines(cells, 1)
        rows = [line_map[0] - 1, *line_map]
        text, line_map = block.text, [rows[n - 1] if 0 < n <= len(rows) else n for n in block.line_map]
        report.notes.append(f"{name}: a column of baskets, one a cell: {block.what.split(' (the arules')[0]}; read as a table")
    # Excel's separator line ('sep=;' first, so Excel opens the file with that separator):
    # it is not the header. Dropped, and the lines errors name are counted as the file's.
    sep_line = re.match(r'"?sep=([,;\t|])"?[,;\t|]*\r?\n', text, flags=re.IGNORECASE)
    if sep_line:
        text = text[sep_line.end():]
        report.notes.append(f"{name}: first line {sep_line.group(0).strip()!r} (Excel's separator line) "
                            "read as the separator, not as the header")
    title_lines = 0
    if not sep_line and line_map is None:
        title_lines, title = count_title_lines(text)
        if title_lines:
            text = text.split("\n", title_lines)[-1]
            report.notes.append(f"{name}: {title_lines} line(s) above the header ({title!r}: a report's "
                                + ("preamble, labels and their values)" if any(
                                    sep in title for sep in ",;\t|") else "title, with no separator)") + " not read")
        elif (title_lines := count_scaffold_lines(text, known_keys(spec))[0]):
            first = text.split("\n", 1)[0].rstrip("\r")
            text = text.split("\n", title_lines)[-1]
            report.notes.append(f"{name}: {title_lines} line(s) above the header ({first!r}: a spreadsheet's "
                                "column numbers or letters) not read")
    delimiter, why = (sep_line.group(1), "") if sep_line else guess_delimiter(text)
    if delimiter == UNIT_SEPARATOR:
        # MovieLens 1M / 10M (ratings.dat, movies.dat): fields joined by '::', titles
        # with commas. csv takes one character, so '::' becomes the ASCII unit separator,
        # which no export writes.
        text = text.replace(bcp_separator(why), UNIT_SEPARATOR)
    if delimiter != "," and not sep_line:
        report.notes.append(f"{name}: {DELIMITERS[delimiter]}-separated ({why}); read that way"
                            if bcp_separator(why) == "::" else f"{name}: {why}; read that way")
    if (requoted := requoted_apostrophes(text, delimiter)) is not None:
        text = requoted
        report.notes.append(f"{name}: every field is quoted with apostrophes ('...'); read as quotes")
    # '::' files quote nothing: a title that starts with '"' is text, not a quoted field.
    quoting = csv.QUOTE_NONE if delimiter == UNIT_SEPARATOR else csv.QUOTE_MINIMAL
    dropped = blank + (1 if sep_line else title_lines)
    if line_map is None and spec.name == "interactions":
        outline = blocks.outline_report(text, delimiter, quoting, dropped + 1, partial(_read_as, spec))
        if outline is not None:  # its line map counts the dropped lines
            report.notes.append(f"{name}: {outline.what}")
            return _Layout(outline.text, list(outline.line_map), ",", csv.QUOTE_MINIMAL, 0)
    return _Layout(text, line_map, delimiter, quoting, dropped)


def _row_names(header: list[str], text: str, delimiter: str, quoting: int) -> bool:
    """Whether every one of the first 50 lines below a header of named columns has one
    field more than it, that field first a row's number (whole numbers, each once)."""
    if len(header) < 2 or not all(header):
        return False
    try:
        rows = [r for r in first_rows(text, delimiter, quoting, 51)[1:] if any(f.strip() for f in r)]
    except csv.Error:
        return False
    if len(rows) < 5 or not all(len(r) == len(header) + 1 for r in rows):
        return False
    # (not a separator after the last field, nor a last field split at an unquoted comma,
    # 'Austin, TX': those widen a line at its end; session ar's review)
    lasts = [r[-1] for r in rows]
    if all(not v.strip() for v in lasts) or any(v[:1] == " " for v in lasts):
        return False
    return _numbers_the_rows([r[0].strip() for r in rows])


def _numbers_the_rows(labels: list[str]) -> bool:
    """Whether a first field labels its rows: whole numbers, each once (R's and pandas' row
    names and index, in any order where the frame was filtered or sorted first)."""
    return bool(labels) and all(v.isdigit() for v in labels) and len(set(labels)) == len(labels)


def _pandas_labels(header: list[str], text: str, delimiter: str, quoting: int) -> bool:
    """Whether a header is the labels pandas gives a DataFrame's unnamed columns (``0, 1,
    2, 3``) after its row index's empty name, and that index labels the rows: whole
    numbers, one a row (0, 1, 2 ..., or gapped or out of order where the frame was
    filtered or sorted first). Not a first line ``0,1`` without the empty name (a
    headerless 0-indexed file's first pair), nor an index that repeats (a shopper's id,
    kept as data; session ai's reviews)."""
    if len(header) < 3 or header[0] != "" or header[1:] != [str(k) for k in range(len(header) - 1)]:
        return False
    try:
        rows = first_rows(text.split("\n", 1)[-1], delimiter, quoting, 50)
    except csv.Error:
        return False
    return _numbers_the_rows([r[0].strip() for r in rows if r])


def _line_block(text: str, spec: TableSpec, first_line: int, name: str) -> Converted | None:
    """An interactions file whose lines are not table rows, made a table: one basket a
    line, baskets with numbered item columns, or one shopper's sequence or one basket a
    line of numbers (its first line had been read as a header of numbers, '1 1 2 3 4 5',
    and the file refused for missing user_id and item_id: real-ae, real2-ae, real-af).
    ``first_line``: the file's number of ``text``'s first line (blank lines above it were
    cut), so baskets named by their line and errors name the file's lines. None for a table."""
    # (The numbered item columns first: 'Item1,...,Item20' above baskets a line also reads as
    # a basket a line, and had become a basket of 20 made-up items; real26-aj.)
    if numbered := (blocks.numbered_item_lines(text, first_line) or blocks.indexed_lines(text, first_line)
                    or blocks.numbered_items_beside_fields(text, first_line)):
        return numbered
    if baskets_a_line(text, spec):
        return blocks.basket_lines(text, first_line)
    if (cells := _quoted_cells(text)) is not None and baskets_a_line(cells, spec):
        return blocks.basket_lines(cells, first_line)
    if (spmf := blocks.spmf_lines(text, first_line)) is not None:
        return spmf
    if layout := sequences_a_line(text):
        # CiteULike's items.dat is its users.dat turned round: one article a line, then
        # its readers; read as users.dat, every row had shopper and item swapped (real14-ah)
        items_a_line = layout == "counted" and _ITEMS_WORD.search(Path(name).stem.lower()) is not None
        return blocks.sequence_lines(text, layout, first_line, items_a_line=items_a_line)
    if (words := _word_baskets(text)) is not None:
        block = blocks.basket_lines(words, first_line)
        return Converted(block.text, block.line_map, block.what.replace(
            "(the arules 'groceries.csv' layout)", "(words between spaces, the arules 'groceries.csv' layout)"))
    if _COMMA_NUMBERS.fullmatch(text[:4096].rsplit("\n", 1)[0]) and sequences_a_line(
            spaced := text.replace(",", " ")) == "basket":
        # (FIMI's baskets with commas between the numbers, as a course's dat2csv.py writes
        # 'retail.dat': refused, its first basket taken for a header; real176-au. Baskets
        # only: a table of numbers has lines of one length)
        return blocks.sequence_lines(spaced, "basket", first_line)
    return None


_WORD = re.compile(r"[^\W\d_][\w'&.+-]*")


def _word_baskets(text: str) -> str | None:
    """``text`` with commas for its spaces, where it is one basket a line of one-word names
    between single spaces ('bread milk eggs': a course's market-basket file, refused as a
    header 'cheese milk banana' that names nothing; session aw's left list): 20 lines or
    more, of at least three lengths, nothing but words, no word twice on 19 lines in 20,
    and the words coming back across lines (a text's sentences repeat theirs on a line).
    None for any other file."""
    head = text[:4096]
    if any(sep in head for sep in ",;\t|"):
        return None
    lines = [line.strip() for line in text[:200_000].lstrip("\ufeff").split("\n", 200)[:200] if line.strip()]
    rows = [line.split() for line in lines]  # (two spaces between words too; review 80)
    if len(rows) < 20 or len({len(r) for r in rows}) < 3 or max(len(r) for r in rows) < 3:
        return None
    firsts = [r[0] for r in rows]
    if len(set(firsts)) == len(firsts) and not set(firsts) & {w for r in rows for w in r[1:]}:
        # (a textbook's 'T100 I1 I2 I5', or '1 bread milk': each line's first word its own,
        # never an item, is the transaction's id; read as items, 120 one-off 'items';
        # reviews 80 and 83)
        rows = [r[1:] for r in rows]
        text = re.sub(r"(?m)^[ \t]*\S+[ \t]*", "", text)
        if len({len(r) for r in rows}) < 3 or min(len(r) for r in rows) < 1:
            return None
    if any(not all(_WORD.fullmatch(w) for w in r) for r in rows):
        return None
    words = [w for r in rows for w in r]
    if sum(len(set(r)) == len(r) for r in rows) < 0.95 * len(rows) or len(set(words)) > 0.5 * len(words):
        return None
    return re.sub(r"[ \t]+", ",", text)


_COMMA_NUMBERS = re.compile(r"\d+(?:,\d+)*,?(?:\r?\n\d+(?:,\d+)*,?)*\r?\n?")
"""Lines of whole numbers between commas only (nothing else in the file's first 4 KB)."""


_QUOTED_CELL = re.compile(r'"((?:[^"]|"")*,(?:[^"]|"")*)"')


def _quoted_cells(text: str) -> str | None:
    """``text`` without the quotes round each line, where lines are one cell each and half
    of them or more quoted cells with commas in them: a spreadsheet's one column of
    baskets, a basket a cell (an Egyptian grocer's ``"سكر,لبن,شاي"``; its first basket had
    been the header and the file refused; real108-aq); a basket of one item, or the
    column's name, is written bare (session aq's review). None otherwise."""
    lines = text.splitlines()
    out = []
    quoted = 0
    for line in lines:
        bare = line.strip()
        if not bare:
            out.append(line)
            continue
        if (match := _QUOTED_CELL.fullmatch(bare)) is not None:
            quoted += 1
            out.append(match.group(1).replace('""', '"'))
        elif "," in bare or '"' in bare:
            return None
        else:
            out.append(bare)
    if quoted < 2 or quoted * 2 < len([x for x in out if x.strip()]):
        return None
    first = next(i for i, x in enumerate(out) if x.strip())
    if '"' not in lines[first] and out[first] not in {n.strip() for x in out[first + 1:] for n in x.split(",")}:
        out[first] = ""  # (the column's name, no item of any basket: a blank line keeps the lines' numbers)
    return "\n".join(out) + "\n"


_ITEMS_WORD = re.compile(r"(?:^|[^a-z])items?(?:[^a-z]|$)")
"""'items' as a word of a file's name (``items.dat``, ``citeulike_a_items.dat``)."""


def _read_as(spec: TableSpec, name: str) -> str | None:
    """The column of ``spec`` a header name is read as by its usual names, or None."""
    key = header_key(name)
    return next((c.name for c in spec.columns if key in c.header_keys), None)


@dataclass
class _Header:
    """Which of a file's columns is which."""

    line: list[str]
    """The header line as read, to know it again inside the file (exports joined with cat)."""
    names: list[str]
    """Each column's schema name where it is one, else its own name."""
    raw: list[str]
    """The file's own names (given by content where the first line is data)."""
    by_content: bool
    """The first line is data: the names were given by the columns' values."""
    time_of_day: str | None
    """A separate time-of-day column beside a date (:func:`.headers.time_of_day_column`)."""
    basket_name: str | None
    """Set when the file names no shopper: each basket is read as an anonymous shopper's."""
    twins: list[Twin]
    """Second columns named as a schema column the header has already (:func:`_one_of_twins`)."""


def _header(layout: _Layout, spec: TableSpec, name: str, report: IngestReport,
            may_lack: tuple[str, ...]) -> _Header:
    """The header line read and matched to ``spec`` (:mod:`.headers`), or the columns named
    by their values; a missing required column stops the load here, naming what the header has."""
    text, delimiter, quoting = layout.text, layout.delimiter, layout.quoting
    if spec.name == "interactions" and delimiter == "," and (pair := _NEGATIVES_LINE.match(text)) is not None:
        # (DA-GR's and C3's Mafengwo 'userRatingNegative.txt', '(3,543) 620 709 ...': the
        # pair's comma had made the file comma-separated, its first line a header of two
        # columns; real29-ak)
        raise DataError(f"{name}: {headerless.sampled_negatives(pair.group(1), 'item ids')}")
    if spec.name == "interactions" and _ACCESS_LOG_LINE.match(text):
        # (an Apache access log had been told 'missing user_id, item_id (header has
        # 192.168.1.34 - - [15/Jun/2025:00:36:45 +0000] "GET ...)'; real30-ak)
        raise DataError(f"{name}: a web server's access log (Apache's or nginx's: "
                        f"{text.split(chr(10), 1)[0][:60]!r}), not a table of shoppers and items: extract the product "
                        "pages each visitor opened as user_id, item_id, timestamp lines")
    reader = csv_reader(text_lines(text), delimiter, quoting)
    try:
        header_line = next(reader)
        header = [h.strip() for h in header_line]
    except StopIteration:
        raise DataError(f"{name}: empty file (no header row)") from None
    except csv.Error as exc:
        raise DataError(f"{name}:1: unreadable header ({exc})") from None
    if len(header) > 2 and re.match(r"#\s+\S", header[0]) and all(h for h in header[1:]):
        # (MySQL Workbench's export writes its header after '# ': '# orderNumber,productCode,...'
        # had been refused for a missing shopper, its first column unnamed; real253-ax)
        report.notes.append(f"{name}: the header's first name is written after '# ' ({header[0]!r}): read without it")
        header = [header[0].lstrip("#").strip(), *header[1:]]
    header = strip_table_names(strip_type_suffixes(header, name, report.notes), name, report.notes)
    header = strip_table_prefix(header, spec, name, report.notes)
    if _row_names(header, text, delimiter, quoting):
        # (R's write.table and pandas' to_csv(index_label=False) name every column but the
        # row names they write first: the lines had been refused as one field too wide,
        # 'records over several lines?'; real128-ar)
        report.notes.append(f"{name}: each line has one field more than the header, first its row's number "
                            "(row names written without a name, as R's write.table does): not read")
        header, header_line = ["", *header], ["", *header_line]
    labelled = _pandas_labels(header, text, delimiter, quoting)
    try:
        second = first_rows(text, delimiter, quoting, 2)[1:2]
    except csv.Error:
        second = []
    if spec.name == "interactions" and second:
        _refuse_grouped_report(header_line, second[0], name)
    by_content = not labelled and headerless.first_line_is_data(header, map(header_key, header), known_keys(spec),
                                                                [f.strip() for f in second[0]] if second else ())
    if by_content and delimiter == " ":
        _refuse_fixed_width(text, name)
    if by_content:
        _refuse_header_below(text, delimiter, quoting, spec, name)
    if by_content:
        header = names_by_content(text, delimiter, quoting, header, spec, name, report.notes,
                                   time_required="timestamp" not in may_lack)
    elif labelled:
        # pandas' own labels (',0,1,2,3': a DataFrame of unnamed columns saved with its row
        # index): a header that names nothing. The header line had been a row of data, the
        # index the shopper and the shopper the item (XING's interactions; real18-ai). The
        # columns after the index are named by their values; the index is not read.
        rows = first_rows(text.split("\n", 1)[-1], delimiter, quoting, headerless.SAMPLE_ROWS)
        out = io.StringIO()
        csv.writer(out, delimiter=delimiter, lineterminator="\n").writerows(r[1:] for r in rows)
        header = ["", *names_by_content(out.getvalue(), delimiter, quoting, header[1:], spec, name, report.notes,
                                        time_required="timestamp" not in may_lack)]
        report.notes[-1] = report.notes[-1].replace(
            "no header line (the first line is data); columns read by their values:",
            f"the header line is pandas' column numbers ({delimiter.join(header_line[:4])}...), which name nothing, "
            "and its row index, not read; columns read by their values (counted after the index):")
    if not by_content and not labelled:
        header = _side_table(header, text, delimiter, quoting, name, report)
    raw_header = header
    twins: list[Twin] = []
    header = normalise_header(header, spec, name, report.notes, twins)
    header = order_name_column(header, raw_header, name, report.notes)
    header = pseudonymous_user_column(header, raw_header, name, report.notes)
    if spec.name == "interactions" and "item_id" not in header:
        header = _square_description(header, raw_header, name, report)
    if spec.name == "interactions" and "item_id" not in header:
        header = _listed_items(text, delimiter, quoting, header, raw_header, name, report)
    if spec.name == "interactions" and "item_id" not in header and "session_id" in header:
        header = _basket_of_ids(text, delimiter, quoting, header, raw_header, name, report)
    if not by_content and "timestamp" not in header and any(c.name == "timestamp" for c in spec.columns):
        header = time_by_content(text, delimiter, quoting, header, spec, name, report.notes)
    if spec.name == "interactions":
        header = date_beside_clock(text, delimiter, quoting, header, raw_header, name, report.notes)
        header = daily_date_over_month(text, delimiter, quoting, header, raw_header, name, report.notes)
    parsed: list[list[list[str]]] = []

    def first_columns() -> list[list[str]]:
        """The first rows' values by column, parsed once for a clock's test and the hints below."""
        if not parsed:
            parsed.append(_first_columns(text, delimiter, quoting, raw_header))
        return parsed[0]

    time_of_day = time_of_day_column(raw_header, header, spec, clock=lambda pos: _clock_times(first_columns(), pos))
    missing = [c for c in spec.required if c not in header and c not in may_lack]
    # A till export of anonymous baskets (a bakery's, most stores' without a loyalty card):
    # baskets, nobody's. Each basket is read as one shopper's only visit, so every
    # evaluated shopper is new, and what ships for them is learnt from what sells when
    # (hour, weekday) -- what a store's anonymous shoppers get anyway.
    basket_name = None
    if "user_id" in missing and "session_id" not in header:
        header = _order_number_header(layout, header, raw_header, name, report)
    keys = {header_key(h) for h in raw_header}
    if "user_id" in missing and (keys >= AMAZON_OWN_HISTORY and keys <= AMAZON_HISTORY_COLUMNS
                                 or keys >= AMAZON_DIGITAL_ITEMS):
        # (only Amazon's own columns: a file pooling many people's histories adds theirs,
        # 'participant_id', 'Buyer Name', and is no one customer's; session aj's review)
        # (Amazon.ca's Retail.OrderHistory.1.csv: 246 orders of one person had been read as
        # 246 shoppers of one visit each, and nobody as buying again; real21-aj)
        said = ", ".join(h for h in raw_header if header_key(h) in AMAZON_OWN_HISTORY | AMAZON_DIGITAL_ITEMS)
        raise DataError(f"{name}: one customer's own order history (Amazon's 'Request your data' export: "
                        f"{said}): every line is "
                        "the same shopper, so there is nothing to learn about what shoppers buy; give a shop's "
                        "sales of many shoppers")
    if "user_id" in missing and keys >= GOODREADS_OWN_LIBRARY and not _likely_columns(
            ["user_id"], raw_header, header, first_columns()):
        # (not where a column may say who read: exports of many readers pooled with a
        # 'Reader' column keep its hint; review 75)
        # (Goodreads' 'Export Library': one reader's shelves, refused with a bare 'missing
        # user_id' and no word of why; real219-av)
        said = ", ".join(h for h in raw_header if header_key(h) in GOODREADS_OWN_LIBRARY)
        raise DataError(f"{name}: one reader's own library (Goodreads' library export: {said}): every line is the "
                        "same reader, so there is nothing to learn about what readers choose; give a shop's or a "
                        "site's interactions of many readers")
    if "user_id" in missing and (said := _listening_history(raw_header)):
        # (Spotify's account data, its extended history, Last.fm scrobbles: told 'trackName
        # may be item_id', renamed, then 'missing user_id' with no word of why; round 44)
        raise DataError(f"{name}: one person's own listening history ({said}): no column says who listened, as "
                        "every line is the account holder's, so there is nothing to learn about what listeners "
                        "choose; give many listeners' plays (if this file holds several, name the column that says "
                        "who listened user_id)")
    if "user_id" in missing and (at := _client_column(header, raw_header, first_columns())) is not None:
        report.notes.append(f"{name}: {raw_header[at]!r} read as user_id (the client, the buyer: its values "
                            "are people or accounts, not an app's platforms)")
        header = [*header[:at], "user_id", *header[at + 1:]]
        missing.remove("user_id")
    if "user_id" in missing and "session_id" in header:
        header = _receipt_of_files(header, raw_header, first_columns(), name, report.notes)
    if "user_id" in missing and "session_id" in header:
        missing.remove("user_id")
        basket_name = raw_header[header.index("session_id")]
        report.notes.append(
            f"{name}: no shopper column (header has {', '.join(raw_header)}): each basket "
            f"({basket_name!r}) is read as one anonymous shopper's only visit, so every shopper "
            "evaluated is new; if a column names shoppers, call it user_id"
            # (an order's 'Customer First Name' and 'Customer Last Name': session an's left list;
            # a club app's 'fan_id' beside its 'session_id': real57-ao)
            # (the hints' own checks of the values: not a 'Loyalty Card Used' Yes / No, a
            # 'Member Since' date, a 'Card Brand'; session ao's review)
            + (f" ({hint[2:]})" if (hint := _likely_columns(["user_id"], raw_header, header, first_columns()))
               else ""))
    # (a header the delimiter did not split: 'Q1:2024' is a quarterly sheet's column)
    tokens = [t for h in raw_header for t in h.split()] if len(raw_header) <= 2 or delimiter in " \t" else []
    if missing and len(tokens) >= 3 and sum(bool(_SLOT.fullmatch(t)) for t in tokens) >= 0.8 * len(tokens):
        # (PaddleRec's MIND and BST samples: 'user_id:482936 target_item:0 hist_item:5175 ...'
        # had been told 'missing user_id' with user_id:482936 the first token; real22-aj)
        raise DataError(f"{name}: its lines are key:value pairs ({' '.join(tokens[:3])} ...: a slot file, as "
                        "PaddleRec and libFM write them), not a table with a header: write one line per shopper and "
                        "item (user_id, item_id, timestamp if there is one)")
    if ({"user_id", "item_id"} <= set(missing) and keys & EDGE_SOURCE_KEYS and keys & EDGE_TARGET_KEYS
            and _one_kind_of_node(text, delimiter, quoting, raw_header)):
        # (node2vec's Epinions 'source_node,destination_node': renamed as the hint said, 343,016
        # trust links had trained as purchases; real29-ak)
        raise DataError(f"{name}: a graph's edges (the header has {', '.join(raw_header)}), its sources and targets "
                        "one kind of node: links between people or items, no interactions; give the file of what users "
                        "bought, rated or used (if its sources are shoppers and its targets items, name them user_id and "
                        "item_id)")
    if missing and {"headid", "relationid", "tailid"} <= keys | {k + "id" for k in keys}:
        # (RecBole's .kg: 'head_id:token relation_id:token tail_id:token' had been told
        # 'missing user_id, item_id' with no word of what it is; real27-aj)
        raise DataError(f"{name}: knowledge-graph triples (the header has {', '.join(raw_header)}), no "
                        "interactions; give the file of what users did (its .inter file, ratings or clicks)")
    if missing:
        wide = ""
        columns = first_columns()
        client = next((i for i, h in enumerate(raw_header) if header_key(h) == "clientid"), None)
        if keys >= BROWSER_HISTORY and not any(
                re.search(r"participant|person|subject|panelist|respondent|user", key) for key in keys) and (
                client is None or (columns and len(set(columns[client]) - {""}) <= 1)):
            # (Google Takeout's BrowserHistory.json had been refused for a missing item, its
            # hint naming 'title'; only once renamed was it refused as one person's; real49-an.
            # Its 'client_id' is a browser's, one on every line looked at; not a pool of many
            # people's histories, a study's 'participant_id' or several clients, which a file
            # sorted by client shows only further down: one person synced from three devices
            # gets the hint instead; session an's reviews)
            raise DataError(f"{name}: one person's browser history (Google Takeout's BrowserHistory: "
                            f"{', '.join(h for h in raw_header if header_key(h) in BROWSER_HISTORY)}): pages one "
                            "browser visited, no shop's shoppers or items; give a shop's event log of many shoppers")
        if len(raw_header) >= headerless.COUNT_COLUMNS and columns:
            wide = ((headerless.wide_table(columns) if len(raw_header) >= headerless.WIDE_COLUMNS else "")
                    or headerless.count_matrix(columns))
            periods = [h for h in raw_header if _PERIOD_NAME.search(h)]
            if wide and len(periods) * 2 >= len(raw_header):
                # (a bar's beer report, 'Литры_2022-01' .. 'Выручка_2025-12': told to melt it into
                # shoppers and items, its months would have been items; real141-as)
                wide = (f"it looks like a summary by period ({len(periods)} columns named as months, quarters "
                        f"or years: {periods[0]!r} .. {periods[-1]!r}): totals, no shopper's or order's "
                        "lines; export the sales lines the summary was made from")
        listed = ", ".join(h if len(h) <= 60 else h[:57] + "..." for h in raw_header[:12]) + (
            f", ... ({len(raw_header)} columns)" if len(raw_header) > 12 else "")  # (a headerless tab file's
        # first line is one 2 KB 'name' when read as commas: Snowplow's enriched events)
        # (a header that names three columns 'order_date', the order's id, its date and its
        # time: the repeat is what to fix; real79-ap)
        repeats = [(h, n) for h, n in Counter(h.strip() for h in raw_header if h.strip()).items() if n > 1]
        again = (f"; the header names {', '.join(f'{h!r} {n} times' for h, n in repeats[:3])}: each column needs "
                 "its own name (a header written over?)" if repeats else "")
        below = re.split(r"\r\n|\n|\r", text, maxsplit=1)[1:]  # (or by CR alone: a Mac Excel save; real139-as)
        if listed and not re.search(r"[^\s,;|\t\"']", below[0] if below else ""):
            # (an Egyptian shop's orders sheet: its header alone; told which columns were
            # missing, renaming them would not have helped; real108-aq)
            raise DataError(f"{name}: a header ({listed}) and no rows below it: nothing to read; export the "
                            "table with its data")
        if (process := process_log(raw_header, columns)) is not None:
            raise DataError(f"{name}: {process}")
        likely = _likely_columns(missing, raw_header, header, columns)
        catalogue = _a_catalogue(missing, header, raw_header, columns) or _totals_per_item(
            missing, header, raw_header, columns)
        # (what the file may be instead: an orders table without its lines, where no column
        # is offered as the item; a basket column's alternative to the shopper)
        orders = "" if wide or "may be item_id" in likely else _order_headers(missing, header, raw_header)
        basket = ("; a shopper column is not needed where one names each line's basket (an order, receipt or "
                  "invoice number): name that one session_id and each basket is read as an anonymous visit"
                  if spec.name == "interactions" and missing == ["user_id"] and "session_id" not in header
                  and any(_BASKET_WORD.search(header_key(h)) for h in raw_header) and not catalogue else "")
        raise MissingColumns(
            f"{name}: missing required column(s) {', '.join(missing)} "
            f"(header has {listed or 'nothing: the file holds only blank lines'})" + (f"; {wide}" if wide else "")
            + again + likely + catalogue + orders + basket,
            found=sum(c.required for c in spec.columns) - len(missing), missing=tuple(missing),
            header=tuple(raw_header))
    return _Header(header_line, header, raw_header, by_content, time_of_day, basket_name, twins)


def _no_day_keys(times: pd.Series, name: str, raw_name: str, report: IngestReport) -> pd.Series:
    """``times`` with a warehouse's day key for no date (``0``, ``00000000``, ``-1``,
    ``19000101``) blank, where
    95 % of the other values are ``yyyymmdd`` days: a line of an order then takes the
    order's day from its other lines (:func:`.columns.fill_from_basket`). A data-warehouse
    course's 19 lines dated ``0`` had been bad rows while their orders' other lines gave
    the day (real120-ar)."""
    zero = times.isin(("0", "00000000", "-1", "19000101"))  # (Kimball's unknown day keys too)
    if not zero.any():
        return times
    given = times[(times != "") & ~zero]
    if len(given) < 20 or given.str.fullmatch(r"(?:19|20)\d{2}(?:0[1-9]|1[0-2])(?:0[1-9]|[12]\d|3[01])").mean() < 0.95:
        return times
    keys = ", ".join(repr(k) for k in pd.unique(times[zero])[:3])
    report.notes.append(f"{name}: column {raw_name!r}: {int(zero.sum()):,} day keys {keys} (a warehouse's 'no date') "
                        "read as no date")
    return times.where(~zero, "")


_BASKET_WORD = re.compile(r"^(?:id|no|nr|num|numero|kode|kd|n|sales|номер)?(?:order|invoice|receipt|transaction"
                          r"|transaksi|ticket|basket|cart|bill|boleta|folio|fatura|factura|commande|pedido|venta|venda"
                          r"|sale|penjualan|beleg|rechnung|kvitto|nota|cheque|documento?|bestell|ordre|auftrag|заказа?)"
                          r"s?(?:id|no|nr|num|number|nummer|numero|code|key|#)?$")
"""Words of a column that may name a line's basket: a refusal for the shopper alone offers
it only then (not to a summary table's, a year's revenue by product; round 40)."""


def _order_headers(missing: list[str], header: list[str], raw_header: list[str]) -> str:
    """``; it looks like one line per order ...`` for a file refused for its item that names
    an order or its id and an order's total, amount or status, and no product: dbt's
    'raw_orders.csv' (id, user_id, order_date, status, copied into hundreds of repositories)
    had been told only 'missing item_id' (real126-ar). "" otherwise."""
    keys = [header_key(h) for h in raw_header]
    # (an order's own column, not a summary's 'Sales Volume' or 'Revenue': a luxury brand's
    # sales by region had been told it was orders; real196-av)
    ordered = "session_id" in header or any(re.search(
        r"^(?:order|invoice|receipt|sale|transaction)s?(?:id|no|nr|number|num|key|code|date|status|total|#)?$"
        r"|^ordered(?:at|on|date)?$"
        r"|(?:order|invoice|receipt|transaction)s?(?:id|no|nr|number|num|key|code|date|status|total|#)", k) for k in keys)
    if "item_id" not in missing or not ordered:
        return ""
    if any(re.search(r"balance|debit|credit(?!card)|iban|saldo|accountnumber|accountno|payee|payer|upi", k) for k in keys):
        return ""  # (a bank's or a payment app's statement: no orders at all; real204-av)
    if not any(re.search(r"total|amount|status|sum|revenue|paid", k) for k in keys) or any(
            re.search(r"product|sku|article|artikel|produ|item(?!s?(?:count|qty|quantity|number|total))", k)
            for k in keys):
        return ""
    return ("; it looks like one line per order (its total or status) with no product: give the order lines, one "
            "line per product bought")


def _quoted_ids(values: pd.Series, empty: np.ndarray, name: str, col: str, report: IngestReport) -> pd.Series:
    """Ids without the quotes every one of them carries: Book-Crossing's ratings as a
    spreadsheet re-saved them write each ISBN ``\"\"\"034545104X\"\"\"``, read as
    ``"034545104X"`` and matching no items file (real132-ar); single quotes the same. Only
    where every given id is so wrapped."""
    given = values[~empty]
    quote = given.iloc[0][:1] if not given.empty else ""
    # (single quotes too: a spreadsheet's text marker kept, 'ISBN'; session ar's review)
    if quote not in ('"', "'") or not (given.str.len() > 2).all() or not (
            given.str.startswith(quote) & given.str.endswith(quote)).all():
        return values
    report.notes.append(f"{name}: {col}: every id is written in quotes (e.g. {given.iloc[0]!r}): read without them")
    return values.where(empty, values.str.strip(quote))


_DESCRIBES_AN_ITEM = re.compile(r"name|title|categor|brand|descr|subcategor|department|aisle|price|color|colour|size"
                                r"|stock|precio|preco|prix|preis|prezzo|harga|nama|nombre|marca|kategori|categoria")


def _a_catalogue(missing: list[str], header: list[str], raw_header: list[str], columns: list[list[str]]) -> str:
    """``; it looks like a catalogue ...`` for a file refused for its shopper alone that has
    its item column, no time, each product on one line of the first rows, and columns that
    describe a product (a name, a category, a brand, a price): an items file, given where
    the interactions go (a streaming demo's product_catalog.csv had been told only 'missing
    user_id'; real121-ar). "" otherwise."""
    if missing != ["user_id"] or "item_id" not in header or "timestamp" in header or not columns:
        return ""
    items = [v for v in columns[header.index("item_id")] if v]
    described = [h for h, read in zip(raw_header, header, strict=False)
                 if read != "item_id" and _DESCRIBES_AN_ITEM.search(header_key(h))]
    # (nine in ten once: a Chilean pharmacy's stock list names a product twice under two
    # barcodes, and had been told only 'missing user_id'; real134-ar)
    if len(items) < 10 or len(set(items)) < 0.9 * len(items) or not described:
        return ""
    return (f"; it looks like a catalogue (one line per product, with {', '.join(repr(h) for h in described[:3])}): "
            "give it as --items beside an --interactions file of what shoppers did")


_SOLD_COUNT = re.compile(r"sold|terjual|vendid|verkauf|vendu|total|count|jumlah|qty|quantit|units|revenue|sales")
"""Header words of a product's total in a summary (units sold, revenue)."""


def _totals_per_item(missing: list[str], header: list[str], raw_header: list[str], columns: list[list[str]]) -> str:
    """``; it looks like totals per product ...`` for a file refused for its shopper alone
    that has its item column, no time and no basket, each product on one line of the first
    rows, and a column of numbers named as what was sold: a best-seller list. A thesis's
    'rekap' of 'nama_produk', 'jumlah_terjual' had been told only 'missing user_id', and
    with a made-up shopper column, that it was one person's history (real225-aw)."""
    if missing != ["user_id"] or "item_id" not in header or "timestamp" in header or "session_id" in header \
            or not columns:
        return ""
    items = [v for v in columns[header.index("item_id")] if v]
    if len(items) < 10 or len(set(items)) < 0.9 * len(items):
        return ""
    totals = [h for at, (h, read) in enumerate(zip(raw_header, header, strict=False))
              if read != "item_id" and at < len(columns) and _SOLD_COUNT.search(header_key(h))
              and (given := [v for v in columns[at] if v])
              and all(re.fullmatch(r"-?\d+(?:[.,]\d+)?", v.strip()) for v in given)]
    if not totals:
        return ""
    return (f"; it looks like totals per product (one line per product, with {', '.join(repr(h) for h in totals[:3])}): "
            "a summary, no shopper's or order's lines; export the sales lines it was made from")


def _refuse_header_below(text: str, delimiter: str, quoting: int, spec: TableSpec, name: str) -> None:
    """Stop where a file whose first line is data has a header line further down (two names
    or more the reader knows, nothing else): exports pasted one after another. A German
    kiosk's 'Kinder Schokolade ,3' then 'Artikel,Preis' on lines 2 and 5 had been read
    without a header, its products as shoppers and its prices as items, the header lines
    purchases of 'Preis' (real24-aj)."""
    keys = known_keys(spec)
    with contextlib.suppress(csv.Error):
        for at, row in enumerate(first_rows(text, delimiter, quoting, 200)[1:], start=2):
            fields = [header_key(f) for f in row if f.strip()]
            if len(fields) >= 2 and all(f in keys for f in fields):
                raise DataError(f"{name}:{at}: a header line ({', '.join(f.strip() for f in row)}) below data "
                                "(line 1 is data): exports pasted one after another? Give one header line first "
                                "and none below")


_SLOT = re.compile(r"[A-Za-z_][\w.]*:-?\d+(?:\.\d+)?")
"""A slot file's ``key:value`` token (``hist_item:5175``, ``label:0``)."""


LISTENING_HISTORIES = (
    # (and its audiobook history, 'audiobookName', 'chapterName'; real219-av)
    ("Spotify's account data", frozenset({"endtime", "msplayed"}),
     frozenset({"trackname", "episodename", "audiobookname", "chaptername"})),
    ("Spotify's extended streaming history", frozenset({"ts", "msplayed"}),
     frozenset({"mastermetadatatrackname", "spotifytrackuri", "episodename", "audiobooktitle"})),
    ("Last.fm scrobbles", frozenset({"artist", "track"}),
     frozenset({"album", "date", "datetime", "timestamp", "uts", "utctime", "playedat"})))
"""One person's listening exports, by their header names: all of the first set and one of
the second (:func:`_listening_history`)."""


def _listening_history(raw_header: list[str]) -> str:
    """What a header of one person's listening export is and its columns that say so, or
    "": Spotify's ``endTime, artistName, trackName, msPlayed``, its extended history's
    ``ts, ms_played, master_metadata_track_name``, a Last.fm scrobble export's ``artist,
    album, track, date``."""
    keys = {header_key(h): h for h in raw_header}
    for what, every, some in LISTENING_HISTORIES:
        if every <= set(keys) and some & set(keys):
            return f"{what}: {', '.join(keys[k] for k in sorted(every | (some & set(keys))))}"
    return ""


BROWSER_HISTORY = frozenset({"pagetransition", "timeusec", "url"})
"""Header names of Google Takeout's browser history (``page_transition``, ``time_usec``)."""
AMAZON_OWN_HISTORY = frozenset({"website", "orderid", "asin", "shipmentstatus", "carriername&trackingnumber"})
"""Header names (as :func:`.names.header_key` writes them) of Amazon's order history as it
gives one customer their own data: no column names the customer, since it is all theirs."""
AMAZON_HISTORY_COLUMNS = AMAZON_OWN_HISTORY | {
    "orderdate", "purchaseordernumber", "currency", "unitprice", "unitpricetax", "shippingcharge", "totaldiscounts",
    "totalowed", "shipmentitemsubtotal", "shipmentitemsubtotaltax", "productcondition", "quantity", "orderstatus",
    "shipdate", "shippingoption", "productname", "giftmessage", "giftsendername", "giftrecipientcontactdetails",
    "itemserialnumber", "billingaddress", "shippingaddress", "paymentinstrumenttype"}
"""Every column of that export (``Retail.OrderHistory.1.csv``), and its addresses and payment
type as other years' exports add them."""
GOODREADS_OWN_LIBRARY = frozenset({"bookid", "myrating", "exclusiveshelf", "dateread"})
"""Goodreads' 'Export Library' columns: one reader's own shelves."""
AMAZON_DIGITAL_ITEMS = frozenset({"asin", "orderid", "digitalorderitemid", "ourprice", "marketplace"})
"""The same export's ``Digital Items.csv`` (Kindle books, apps): one person's 259 orders had
been read as 259 one-visit shoppers (real26-aj)."""


_LIKELY = {"item_id": re.compile(r"(?i)item|product|article|descr|sku|recipe|menu|dish|pizza|title|clothing|auction"
                                  # (German and Dutch descriptions: a shop's 'beschreibung'; real142-as)
                                  r"|beschreibung|bezeichnung|omschrijving|libell"
                                  r"|course|module|book(?!ing|ed|.?(?:tod|dow|date|time|day|hour|week|month))|movie|(?<!ful)film|song|track|anime|game|listing|video"
                                  r"|restaurant|hotel|sub.?category|^business(?:.?id)?$"
                                  # (Steam's 'appid', no usual name: a client app's elsewhere; real40-am)
                                  r"|(?<![a-z])app.?id"
                                  # (a jewellery shop's 'pro_id' in every file, a fashion shop's
                                  # 'config_id', a click log's 'pageUrl'; real48-an, real49-an)
                                  r"|(?<![a-z])pro.?id(?![a-z])|(?<![a-z])config.?id(?![a-z])|page.?url"
                                  # (a subscription's plan: Chargify's 'Current Plan Handle'; real46-an)
                                  r"|(?<![a-z])plan(?![a-z])|(?<![a-z])plano(?![a-z])"  # (a gym's 'ID_Plano'; round 46)
                                  # (an NFT's 'token_id'; real53-an)
                                  r"|^(?:nft.?)?token.?id$"
                                  # (what a gift or a ticket is for: a campaign, a committee, a show;
                                  # real56-ao, real57-ao)
                                  # (not a hiring file's 'candidate_id', a gift's 'recipient_id', a line's
                                  # own 'event_id'; session ao's review)
                                  r"|campaign|committee|charity|politician|(?<![a-z])cause(?![a-z])|show.?name"
                                  # (a check-in's 'beer_name', a review's 'Beer', a pharmacy's
                                  # 'drug_name' or 'medication_name'; real62-ao, real63-ao)
                                  # (not a daily pivot's 'Anti-inflammatory drugs', a class's quantities;
                                  # real73-ao; a rental's 'equipment_id' is)
                                  r"|beer|wine|(?<![a-z])strain(?![a-z])|drug(?!s)|medication(?!s)|medicine(?!s)"
                                  r"|equipment"
                                  # (what a dealer, a workshop or a car wash sells: 'Vehicle_ID', 'CarID',
                                  # 'service_type', a dealership's 'Model'; round 44; a phone shop's 'Mobile Model'; real180-au)
                                  r"|vehicle|motorcycle|(?<![a-z])car.?id$|service.?type|^(?:mobile|phone|cell)?.?model(?:.?(?:id|name))?$"
                                  # (a concert's in a ticket shop's orders, only beside tickets: an event
                                  # log's own 'event_id' is the line's; round 44)
                                  r"|^event.?(?:id|name|code)$"
                                  # (a hotel's 'room_number', 'roomId', 'room_type'; round 46)
                                  r"|(?<![a-z])room.?(?:id|no|number|type)$"
                                  # (what a park, a zoo or a museum sells: a ride log's 'attraction_id';
                                  # real212-av)
                                  r"|attraction|(?<![a-z])ride.?(?:id|name)$|exhibit|(?<![a-z])tour.?(?:id|name)$"
                                  # (a salon's 'service_id', 'Service'; real81-ap. Not its fee or its date)
                                  r"|(?<![a-z])service(?:.?(?:id|name|code))?$"
                                  # (a coupon or an offer redeemed, a delivery app's 'food_id': dunnhumby's
                                  # 'coupon_upc', Tianchi O2O's 'Coupon_id', a card's 'offer_id'; real105-aq,
                                  # real107-aq)
                                  # (not a day's 'Coupon_used', 'Coupon_no': counts)
                                  r"|coupon(?:.?(?:id|code|upc))?$|voucher(?:.?(?:id|code))?$"
                                  r"|(?<![a-z])offer.?(?:id|code|name)$|(?<![a-z])promo.?(?:id|code)$"
                                  r"|(?<![a-z])food.?(?:id|name|code)$"
                                  # (what a booking is of: a tutor's, a court's, a tour's; real113-aq)
                                  r"|(?<![a-z])(?:tutor|mentor|coach|trainer|court|treatment|tour)"
                                  r"(?:.?(?:id|name|code))?$"
                                  # (an order line's bare 'name', an ice-cream shop's; real122-ar)
                                  r"|^name$"
                                  # (a trip's: an airline's 'flight_id', a travel agent's 'destination';
                                  # a vending machine's 'coffee_name'; real139-as, real137-as)
                                  r"|flight|destination|(?<![a-z])route(?![a-z])|^(?:coffee|drinks?|snack)(?:.?(?:id|name|code|type))?$"
                                  # (the same words in Russian, Czech, Polish and Chinese: 'Название товара',
                                  # 'Наименование', 'název položky', 'nazwa produktu', '品項名稱'; real119-ar,
                                  # real123-ar)
                                  r"|товар|продукт|наименован|номенклатур|polozk|zbozi|towar|produkt|品項|品名|商品|產品|产品"),
           "user_id": re.compile(r"(?i)customer|user|member|client|card|buyer|visitor|account|household|guest"
                                  r"|reviewer|student|learner|listener|viewer|player|reader|subscriber|patron"
                                  # (a cashback app's 'saver_id'; real46-an)
                                  r"|saver|consumer|purchaser|payer"
                                  # (an NFT sale's 'buyer_address', a holding's 'current_owner'; real53-an)
                                  r"|wallet.?(?:id|address)|current.?owner"
                                  # (a gift's donor, a campaign's backer, a club's fan; real56-ao, real57-ao)
                                  r"|donor|contributor|backer|supporter|(?<![a-z])fan(?![a-z])"
                                  # (an auction's 'bidder', 'winner_bidder_number'; real69-ao)
                                  r"|bidder|winner"
                                  # (Starbucks' rewards log's 'person'; real105-aq)
                                  r"|^person(?:.?id)?$"
                                  # (an airline's 'passenger_id', a travel agent's 'traveller'; real139-as)
                                  r"|passenger|travell?er|(?<![a-z])pax(?![a-z])"
                                  # (a gym's or a school's student: 'ID_Aluno', 'alumno'; round 46)
                                  r"|(?<![a-z])alumno|(?<![a-z])aluno|estudiante"
                                  # (a bare 'Name' where another column is the item: a German order
                                  # sheet's customers, 'Lina Gotthard'; real142-as)
                                  r"|^(?:name|nome|nombre|nom)$"
                                  # (Russian, Czech, Polish and Chinese buyers; real119-ar, real123-ar)
                                  r"|клиент|покупател|заказчик|контрагент|zakaznik|klient|kupujac|消費者|會員|会员|客戶|客户|顧客"),
           "timestamp": re.compile(r"(?i)date|time|day|when|created")}
"""Words in a header name that may name a missing column: the error then says which
(Chipotle's 'item_name', a restaurant's 'description' had been listed with the rest,
unpointed; real-ad)."""
_PERIOD_NAME = re.compile(r"(?i)(?:19|20)\d\d[-_/. ]?(?:0[1-9]|1[0-2]|q[1-4])(?!\d)|(?<![a-z])q[1-4][-_ ]?(?:19|20)\d\d"
                          r"|(?<![a-z])(?:jan|feb|mar|apr|may|jun|jul|aug|sep|oct|nov|dec)[a-z]*[-_ ']?(?:19|20)?\d\d(?!\d)")
"""A column named as a month, a quarter or a year's month (``2022-01``, ``Q3 2024``, ``Jan-23``)."""
_KIND_WORDS = re.compile(r"(?i)destination|route")
"""Item words that as often name a kind of a few values (a driver's 'Destination': Home,
Work, No Urgent Place; session as's harness): a hint only where the column holds more."""
_YES_NO = frozenset({"yes", "no", "true", "false", "y", "n", "0", "1",
                     "?"})  # (Weka's missing value beside a basket table's 'y' flags; real80-ap)
"""A flag's values: such a column is no id, whatever its name says."""
_ID_END = re.compile(r"(?i)(?:^|[^a-z])(?:id|key|code|no|uri)$|^id[^a-z]|[a-z]Id$")
"""A header name that ends (or starts) as an id's does: 'Clothing ID', 'id_student', 'ProductKey'."""
_NOT_LIKELY = re.compile(r"(?i)total|count|price|qty|quantit|amount|(?<![a-z])sum(?![a-z])|tax|type|cost|rate|discount"
                         r"|number of|^n_|^num"
                         # (Tiendanube's 'Precio del producto' had been offered as the item; real21-aj)
                         # (whole words: 'Imported Item' is an item; session aj's review)
                         r"|(?<![a-z])(?:precio|preco|preço|prix|preis|prezzo|cantidad|quantidade|menge|importe|monto"
                         r"|valor)(?![a-z])"
                         r"|sales|size|measure|weight|customers|users|members|visitors|first|last|full|bill|ship"
                         # (not an NFT's 'buyer_address' or a 'wallet_address': a wallet; a street's
                         # 'Buyer Address State' is; session an's reviews)
                         r"|(?<!buyer.)(?<!buyer)(?<!wallet.)(?<!wallet)address|(?:buyer|wallet).?address.|email|phone|city|country|store|gift|contact|[{}\[\]:\"]"
                         # (where a buyer lives: Google Play's 'Buyer Postal Code', 'State of Buyer'; real138-as)
                         r"|postal|zip.?code|post.?code|(?<![a-z])state(?![a-z])|province|(?<![a-z])region(?![a-z])"
                         # (a kind or a detail, not the thing: 'Product Category', 'fashion_news_frequency',
                         # Snowplow's 'name_tracker', Netflix's 'Bookmark', 'Book-Author'; session af's review)
                         r"|categor|class\b|group|segment|department|division|frequenc|tracker|bookmark|author"
                         # (an answer or a count of days: a survey's 'same_items_scale', a tyre
                         # shop's 'booked_days_ahead'; real34-ak)
                         r"|scale|score|rating|(?<![a-z])days(?![a-z])"
                         # (how an order was paid: a gym's 'Forma_Pagamento'; round 46)
                         r"|payment|pagamento|(?<![a-z])pago(?![a-z])|zahlung|paiement|metodopago"
                         # (a diagnosis, a student's answer, a count of items ordered, a price's
                         # high; real35-al .. real38-al)
                         r"|reason|answer|(?:items|units|products)\s*ordered|ordered\s*(?:qty|quantity|units|items)"
                         r"|(?<![a-z])(?:high|low|max|min|avg|average|mean)(?![a-z])"
                         # (a game's 'sum_gamerounds', a podcast's 'subscribers': counts; real40-am)
                         r"|subscribers|followers"
                         # (an affiliate who earns the commission, no buyer: Shopee's 'Username
                         # Affiliate'; real186-au)
                         r"|affiliate"
                         # (an app log's 'device.mobile_model_name': the user's phone, no product)
                         r"|(?<![a-z])device"
                         # (a customer's age, gender or income: no id; real48-an)
                         r"|(?<![a-z])(?:age|gender|sex|income)(?![a-z])"
                         # (and camel-cased after the person: AliExpress feedback's 'buyerGender',
                         # its 'buyerEval' a rating; real106-aq)
                         r"|(?-i:[a-z](?:Gender|Age|Sex|Income|Eval)(?![a-z]))|(?<![a-z])eval(?:uation)?(?![a-z])"
                         # (a sports centre's 'booked_slots', a cinema's 'Movie_Genre'; real47-an)
                         r"|slots(?![a-z])|genre"
                         # (a car dealer's 'customerarea', 20 neighbourhoods; real50-an)
                         r"|area|region|zone|district|neighbo"
                         # (a count of them, not one: a board game's 'MaxPlayers', as 'customers' is;
                         # real52-an. Not a column of players' names, nor 'PeopleSoft Customer ID';
                         # session an's review)
                         r"|(?:max|min|num|total|peak|avg|average|number.?of|no.?of)[\s_.]*(?:players|persons|people"
                         r"|guests|buyers|sellers|owners|holders)|(?<![a-z])guests(?![a-z])"
                         # (a map's coordinates: a textbook's 'OS X Customer'; not a merge's '_x' suffix
                         # nor a Spanish 'y'; session an's review)
                         r"|coord|(?<![a-z])os\s[xy](?![a-z])|latitude|longitude|(?<![a-z])(?:lat|lon|lng)(?![a-z])"
                         # (a donor's 'Job Titles'; a post's 'video_views'; a buyer's
                         # 'Customer_Location', 15 states; real56-ao .. real59-ao)
                         r"|job|occupation|profession"
                         r"|(?<![a-z])(?:views|likes|shares|clicks|impressions)(?![a-z])"
                         r"|(?:customer|user|buyer|client).?location|user.?agent"
                         # (a self-checkout's 'lineItemVoids', 'scannedLineItemsPerSecond'; real64-ao)
                         r"|voids|per.?(?:second|minute|hour)"
                         # (a customer profile's 'Product Preference'; a C2C user's count of
                         # 'productsListed', a reseller's 'Buyer Deposit', an auction's share of
                         # 'Auction_Bids'; real67-ao, real69-ao)
                         r"|prefer|(?<=[a-z])listed|deposit|balance|(?<![a-z])bids(?![a-z])"
                         # (a repair shop's staff 'Team Member'; an invoice's own 'subitem_id' and
                         # 'line_item_id', one a line; real74-ao)
                         r"|(?<![a-z])team|subitem|line.?item.?id"
                         # (a gym's 'months_as_member', how long, no member; a churn table's
                         # 'plan_cancel_date'; real76-ap)
                         r"|(?<![a-z])(?:weeks|months|years|tenure)(?![a-z])|cancel"
                         # (an association-rule miner's output: 'Itemset' with its support; real80-ap)
                         r"|itemset|antecedent|consequent"
                         # (Etsy's 'Listing Currency', USD on every line; real84-ap; a broker's
                         # 'Exchange Description', a wallet's 'Transaction Description'; real83-ap)
                         r"|currenc|exchange|transaction.?desc"
                         # (a customer summary's 'TotItems', 'MaxItems', 'MeanBasketItems': counts;
                         # real98-ap, real100-ap)
                         r"|(?<![a-z])(?:tot|max|min|avg|mean|num|unique)[\s_.a-z]*items|pref(?![a-z])"
                         # (a feature table's 'unique_item_ids', a count; a party's 'booked_adults'; real110-aq,
                         # real113-aq)
                         r"|unique.?item.?ids|(?<![a-z])booked.?(?:adults|children|guests|persons|pax|seats)"
                         # (a sales file's 'Customer_Satisfaction', 1-6 or 'good'; real122-ar)
                         r"|satisf|feedback|sentiment|loyalty.?(?:tier|level|points)"
                         # (a feature table's count of products, a delivery's 'USER_LONG' longitude;
                         # real127-ar, real125-ar)
                         r"|unique.?products?|(?<![a-z])long(?![a-z])"
                         # (an order's carrier and tracking number, a line's status; real129-ar, real126-ar)
                         r"|tracking|carrier|status|order.?item.?id|in.?cart(?![a-z])"
                         # (a category in Russian, Czech, Polish, Chinese: 'Категория товара'; real119-ar)
                         r"|категор|kategor|類別|类别|分類|分类")
"""A count, an amount, a kind or a person's or place's detail (``Total products``,
``Customer type``, Rossmann's ``Customers``, ``Ordered Product Sales``, ``Bill-to Name``):
no id, whatever other word it has; nor a JSON fragment taken for a name (session ad's
second review)."""


_COUNT_WORDS = re.compile(r"点数|数量|件数|個数|count|qty|quantit|anzahl|cantidad|aantal|antal|liczba|jumlah|колич")
"""Header words of a count (Japanese '商品点数', the number of products bought)."""
_SOURCE_FILE = re.compile(r"filename|file|imagename|image|imagefile|receiptimage|sourcefile|source|photo|scan|pdf"
                          r"|imagepath|filepath|img|document|path|imageid")
"""Header keys of the file a line was read from (an OCR's receipt image)."""
_A_FILE = re.compile(r"(?i)(?!https?:|www\.|//|[\w-]+(?:\.[\w-]+)+/)[^,;]*\.(?:jpe?g|png|gif|webp|heic|tiff?|bmp|pdf|txt|json|xml)")
"""A file's name or path ('9FjTM9ngrpCu.jpeg', '/data/receipts/IMG_2000.jpg'), no web address."""


def _receipt_of_files(header: list[str], raw_header: list[str], columns: list[list[str]], name: str,
                      notes: list[str]) -> list[str]:
    """``header`` with the basket read from the file each line was read from (an OCR's
    receipt image, ``9FjTM9ngrpCu.jpeg``) where the basket column is blank on most of the
    first lines and that column is given on nine in ten: an OCR'd receipt's number, read on
    7 % of its lines, had left 115 of 127 product lines without a basket (real197-av)."""
    at = header.index("session_id")
    basket = columns[at] if at < len(columns) else []
    if not basket or sum(v == "" for v in basket) * 2 < len(basket):
        return header
    for i, raw in enumerate(raw_header):
        given = columns[i] if i < len(columns) else []
        # (files by their values: a product's picture URL or a marketing 'Source' beside an order
        # number written on first lines only had become the baskets; review 73)
        if (_SOURCE_FILE.fullmatch(header_key(raw)) and header[i] == raw and given
                and sum(v != "" for v in given) >= 0.9 * len(given) and len(set(given)) > 1
                and sum(bool(_A_FILE.fullmatch(v)) for v in given) >= 0.9 * len(given)
                and not _one_product_each(given, columns, header)):
            notes.append(f"{name}: the basket column {raw_header[at]!r} is blank on "
                         f"{sum(v == '' for v in basket) / len(basket):.0%} of the first lines; each line's source "
                         f"file, {raw!r} ({given[0]!r}, ...), is read as its basket instead")
            return [passed_over(raw_header[at]) if j == at else "session_id" if j == i else h
                    for j, h in enumerate(header)]
    return header


def _one_product_each(files: list[str], columns: list[list[str]], header: list[str]) -> bool:
    """Whether each file of two lines or more goes with one product (nine in ten): a
    product's picture ('Blue Shirt 0 front.jpg'), not a receipt's scan, which holds several
    products (review 75)."""
    if "item_id" not in header or header.index("item_id") >= len(columns):
        return False
    products: dict[str, set[str]] = {}
    for file, item in zip(files, columns[header.index("item_id")], strict=False):
        if file:
            products.setdefault(file, set()).add(item)
    repeated = [p for f, p in products.items() if files.count(f) >= 2]
    return bool(repeated) and sum(len(p) == 1 for p in repeated) >= 0.9 * len(repeated)


def _clock_times(columns: list[list[str]], pos: int) -> bool:
    """Whether the column at ``pos`` of the first rows holds clock times ('08:22',
    '14:05:09') on 49 lines in 50 of those written, ten at least."""
    given = [v for v in (columns[pos] if pos < len(columns) else []) if v]
    return len(given) >= 10 and sum(bool(re.fullmatch(r"\d{1,2}:\d\d(?::\d\d)?", v)) for v in given) >= 0.98 * len(given)


def _first_columns(text: str, delimiter: str, quoting: int, raw_header: list[str]) -> list[list[str]]:
    """The first 199 rows' values, by column (none where the text will not parse)."""
    with contextlib.suppress(csv.Error):
        rows = first_rows(text, delimiter, quoting, 200)[1:]
        return [[r[i].strip() if i < len(r) else "" for r in rows] for i in range(len(raw_header))]
    return []


_EVENT_NAMED = re.compile(r"event.?(?:id|name|code)")
"""An event's column: the item of a ticket shop's orders only (:func:`_likely_columns`)."""
_SHOP_ID = re.compile(r"(?i)(?:store|shop|retailer|outlet|dealer|licensee|pharmacy)[ _-]?(?:id|number|no|nr|num|code)")
"""A shop's id column, offered as the buyer only where no shopper's is (:func:`_likely_columns`)."""


def _likely_columns(missing: list[str], raw_header: list[str], header: list[str],
                    columns: list[list[str]] | None = None) -> str:
    """``; 'item_name' may be item_id: if so, name it item_id in the header`` for each
    missing column a header name looks like, among the columns not read as another ("" when
    none). ``columns`` (the first rows' values, by position): an id column is not one of
    5 or fewer values over 50 rows or more -- a bike-share file's 'member_casual' is a
    rider's type, and named user_id the file would have been two shoppers (real2-ae)."""
    def head(at: int) -> list[str]:
        """The column's values in the first rows (none where not given)."""
        return columns[at] if columns and at < len(columns) else []

    def a_kind(at: int) -> bool:
        values = [v for v in head(at) if v]
        return len(values) >= 50 and len(set(values)) <= 5

    def repeats(at: int) -> bool:
        """Its values come back (a customer's name on each of their orders, an order
        line's products), as a catalogue's, one a line, do not (session as's harness)."""
        values = [v for v in head(at) if v]
        return len(set(values)) <= 0.8 * len(values)

    def mostly_blank(at: int) -> bool:
        """Blank on most lines: an order's 'Coupon Code', no item of every line (session aq's review)."""
        values = head(at)
        return len(values) >= 10 and sum(not v for v in values) * 2 > len(values)

    def no_person(at: int) -> bool:
        """Sentences or links, no shopper's id or name: a review scrape's 'Customer Review'
        ('mantap, barang sesuai'), 'buyerFeedback', an avatar's URL 'buyerHeadPortrait'
        (real106-aq: followed, identical short reviews had become one shopper)."""
        given = [v for v in head(at) if v]
        if len(given) < 10:
            return False
        # (sentences: many words, most of them lower case; a person's four names are
        # capitalised, 'María José García López'; session aq's review)
        sentences = sum(headerless.is_sentence(v, words=4) for v in given)
        images = sum(bool(re.search(r"(?i)\.(?:jpe?g|png|gif|webp)(?:\?|$)", v)) for v in given)
        return sentences * 2 >= len(given) or images * 2 >= len(given)

    def blank(at: int) -> bool:  # (Spotify's 'audiobook_title', null on every song's record: real2-af)
        values = head(at)
        return bool(values) and not any(v and v.lower() not in headerless.MISSING_MARKERS for v in values)

    def yes_no(at: int) -> bool:  # (a telco's 'StreamingMovies' Yes / No / No internet service: real34-ak)
        given = [v.lower() for v in head(at) if v]
        values = set(given)
        return len(given) >= 10 and len(values) <= 4 and all(v in _YES_NO or v.startswith("no ") for v in values)

    def not_an_id(at: int) -> bool:
        """Measured decimals (a review site's average ratings under 'restaurants': distinct
        on more than half the lines) or free text (a tour's HTML 'describe_place', a job's
        description): no id (real38-al). Not a course's '6.006' or a module's '2.3' (few
        values, repeated), nor a listing's 70-character title (session al's reviews)."""
        given = [v for v in head(at) if v]
        if len(given) < 10:
            return False
        # (nine in ten: a correlation matrix's diagonal is '1'; real180-au)
        decimals = (sum(bool(re.fullmatch(r"-?\d*\.\d+", v)) for v in given) >= 0.9 * len(given)
                    and len(set(given)) * 2 > len(given))
        markup = sum(bool(re.search(r"<[a-z/][^>]*>", v)) for v in given) * 5 >= len(given) * 2
        # (counts with thousands commas: an NFT collection's 'Buyers', '1,790,587'; real53-an)
        grouped = sum(bool(re.fullmatch(r"\d{1,3}(?:,\d{3})+", v)) for v in given) * 2 >= len(given)
        # (a mapping written whole, Python's or JSON's: a library's borrowers table packs each
        # borrower's books as {'<title>': '<ledger volume>', ...}; named item_id as the hint
        # said, each borrower's whole dict had become one item; real219-av. A list of items,
        # '[...]', is read item by item)
        mappings = sum(v.startswith("{") and v.endswith("}") for v in given) * 2 >= len(given)
        return decimals or markup or grouped or mappings or sorted(map(len, given))[len(given) // 2] > 150

    def counts_or_money(at: int) -> bool:
        """Amounts, not an item's ids: money with cents ('Coffee' of a spend-by-category
        pivot, 12.50) or small counts up to 20 (a receipt summary's '商品点数', a sheet's
        'Books' 2, 1, 4), under a name that is no id's (real195-av, real197-av)."""
        given = [v for v in head(at) if v]
        if len(given) < 3 or _ID_END.search(raw_header[at]) or not all(
                re.fullmatch(r"-?\d+(?:\.\d{1,2})?", v) for v in given):
            return False
        return (any("." in v for v in given) or max(abs(float(v)) for v in given) <= 20
                or _COUNT_WORDS.search(header_key(raw_header[at])) is not None)

    # A recommender's output names what it recommended beside a rank or a predicted score
    # ('Recommended_Dish' beside 'Predicted_Score': a school-meal model's lists; real59-ao);
    # a book club's 'recommended_book' alone is a member's own act (session ao's review).
    scored = any(PREDICTED_SCORE.fullmatch(k := header_key(h)) or k in RANK_KEYS for h in raw_header)

    def dated(at: int) -> bool:  # (a 'Member Since' of dates: session ao's review)
        given = [v for v in head(at) if v]
        return len(given) >= 10 and headerless.is_time(given, epochs=False)

    # A campaign is what a gift is for only in a file of gifts: elsewhere a marketing one
    # (a quick-commerce shop's, Klaviyo's 'campaign_id'; real82-ap, real92-ap, real93-ap).
    # (not a shop's 'gift_wrap' or 'contribution_margin'; session ap's review)
    gifts = any(re.search(r"donat|donor|pledge|backer|fundrais|charit", header_key(h)) for h in raw_header)
    free = [(at, raw) for at, (raw, read) in enumerate(zip(raw_header, header, strict=False))
            if read not in INTERACTION_COLUMNS and not _NOT_LIKELY.search(raw) and not blank(at) and not yes_no(at)
            and not not_an_id(at) and not dated(at) and not (scored and re.search(r"(?i)recommend|predict", raw))
            and (gifts or not re.search(r"(?i)campaign", raw))]
    said = []
    keys = [header_key(h) for h in raw_header]
    beside_a_person = any(re.search(r"phone|mobile|email|mail|address|street|zip|postal", k) for k in keys)
    order_lines = any(re.search(r"qty|quantit", k) for k in keys)

    def a_persons_name(at: int) -> bool:
        """A bare 'name' (or a path's: 'customer.name') beside a person's phone, e-mail or
        address, under a path, or in a file of no order lines (no quantity): the
        customer's, a booking's, a ledger's party (session ar's round 37: offered as the
        product of bookings, ledgers and a food app's 'customer.name')."""
        return re.split(r"[./]", keys[at])[-1] == "name" and (beside_a_person or not order_lines or keys[at] != "name")

    tickets = any(re.search(r"ticket|seat|admission|entradas|billet", k) for k in keys)
    for col in missing:
        pattern = _LIKELY.get(col)
        # An id's name first: 'Clothing ID' before the review's 'Title' (real-af). A kind is
        # no shopper; an item column may be few-valued in a head listed item by item
        # (MyAnimeList's 'title', scraped title by title: real2-af).
        # (the name's last part: mParticle's 'product_action.transaction_id' is no product)
        found = sorted((raw for at, raw in free if pattern is not None and pattern.search(re.split(r"[./]", raw)[-1])
                        and not (col == "user_id" and (a_kind(at) or no_person(at) or (
                            keys[at] in ("name", "nome", "nombre", "nom") and (
                                "item_id" not in header or _join_names_hint(raw_header, a_kind) is not None
                                or not (repeats(at) or repeats(header.index("item_id")))))))
                        and not (col == "item_id" and _EVENT_NAMED.fullmatch(keys[at]) and not tickets)
                        and not (col == "item_id" and (mostly_blank(at) or a_persons_name(at) or counts_or_money(at)
                                                       or (_KIND_WORDS.search(raw) is not None and a_kind(at))))),
                       key=lambda raw: not _ID_END.search(raw))[:2]
        if found:
            said.append(f"{' or '.join(repr(f) for f in found)} may be {col}: if so, name it {col} in the header")
        elif col == "user_id" and (join := _join_names_hint(raw_header, a_kind)) is not None:
            said.append(join)  # (a person named in two columns: join them)
        elif col == "user_id" and (shop := next((
                raw for at, (raw, read) in enumerate(zip(raw_header, header, strict=False))
                if read not in INTERACTION_COLUMNS and _SHOP_ID.fullmatch(raw.strip()) and not a_kind(at)), None)):
            # (a wholesaler's sales to shops: Iowa's liquor sales by 'store_number', no other
            # party in the file; refused with no hint; real141-as)
            said.append(f"{shop!r} may be user_id if the shops are the buyers (a wholesaler's or a distributor's "
                        "sales to them): if so, name it user_id in the header")
    return "; " + "; ".join(said) if said else ""


def _join_names_hint(raw_header: list[str], a_kind: Callable[[int], bool] = lambda at: False) -> str | None:
    """The hint for a shopper named in two columns (VAST's loyalty-card purchases:
    'FirstName', 'LastName'; either alone merges people: two Felixes, three shared last
    names; real55-an): join them. With a customer's or a billing prefix, in French, German
    or Spanish; not a salesperson's, nor a column ``a_kind`` says holds five names or fewer
    (session an's review)."""
    def named(pattern: str) -> int | None:
        return next((at for at, raw in enumerate(raw_header)
                     if re.search(pattern, header_key(raw)) and not a_kind(at)
                     and not re.search(r"sales|rep(?![a-z])|agent|staff|employee|cashier|driver|seller"
                                       # (a restaurant's 'Server First Name'; session ao's review)
                                       r"|server|waiter|waitress|host|bartender|barista|clerk|teller"
                                       r"|product|articulo|artikel|item", header_key(raw))), None)

    first = named(r"firstname|givenname|vorname|prenom|nombre(?!.*apellido)")
    last = named(r"lastname|surname|familyname|nachname|apellido|^nom$")
    if first is None or last is None or first == last:
        return None
    return (f"{raw_header[first]!r} and {raw_header[last]!r} together may be user_id: join them into one "
            "column named user_id (either alone would take two people of one name for one shopper)")


def _side_table(header: list[str], text: str, delimiter: str, quoting: int, name: str,
                report: IngestReport) -> list[str]:
    """``header`` without the names of a second table kept beside the first on the same
    sheet: after a column with no name and no value on any of the first 2,000 rows, columns
    filled on a fifth of those rows or fewer, one after the other from the top, where one
    before it is filled on four in five
    (a course's bakery sheet: its lines in columns A-G, then an empty H, then a summary by
    day and one by item, 7 and 20 rows long; refused, 'columns 5 and 13 are both Item';
    real131-ar). The second table's columns are not read."""
    gaps = [i for i, h in enumerate(header) if not h and 0 < i < len(header) - 1]
    if not gaps:
        return header
    try:
        rows = first_rows(text, delimiter, quoting, 2001)[1:]
    except csv.Error:
        return header
    if len(rows) < 20:
        return header

    def share(at: int) -> float:
        return sum(len(r) > at and r[at].strip() != "" for r in rows) / len(rows)

    def a_block_on_top(columns: list[int]) -> bool:
        """Filled on the first rows, one after the other (a summary), not on an order's
        first line of each (fields written once a block, filled down; session as's review)."""
        filled = [k for k, r in enumerate(rows) if any(len(r) > i and r[i].strip() for i in columns)]
        return bool(filled) and filled[-1] < len(filled) + 3

    for gap in gaps:
        after = [i for i in range(gap + 1, len(header)) if header[i]]
        if after and share(gap) == 0 and max(share(i) for i in after) <= 0.2 and max(
                share(i) for i in range(gap)) >= 0.8 and a_block_on_top(after):
            named = ", ".join(repr(header[i]) for i in after[:5])
            report.notes.append(f"{name}: a second table beside the first, after the empty column {gap + 1} "
                                f"(its columns {named}{', ...' if len(after) > 5 else ''}, filled on a fifth of "
                                "the lines or fewer: a summary kept on the same sheet): not read")
            return [*header[:gap], *("" for _ in header[gap:])]
    return header


def _one_of_twins(frame: pd.DataFrame, head: _Header, name: str, report: IngestReport) -> pd.DataFrame:
    """A column named twice (a warehouse's ``SELECT *`` of a join writes ``user_id`` from
    both tables) is read once where the two agree on every line, or as the one that is
    given where the other is blank on every line; the second is dropped with a note.
    Where they differ, which is meant is not clear: the load stops, naming both (it had
    stopped on the header alone)."""
    for twin in head.twins:
        one = frame[twin.field].astype(str).str.strip()
        other = frame[twin.column].astype(str).str.strip()
        # (one of them blank or NULL on every line: a billing app's 'prodid', NULL, beside
        # its 'prodid_'; the load had stopped on the two names; real175-au)
        empty_one, empty_other = ((v.isin(MISSING_VALUES) | (v == "")).all() for v in (one, other))
        if empty_one != empty_other:
            blank, kept = (twin.first, twin.second) if empty_one else (twin.second, twin.first)
            if empty_one:
                frame[twin.field] = frame[twin.column]
            said = f", and column {blank} is blank on every line: column {kept} read as {twin.field}"
        elif not one.equals(other):
            differ = int(frame.loc[one != other, "_line"].iloc[0])
            raise DataError(f"{twin.error}; their values differ (e.g. line {differ})")
        else:
            said = " with the same values on every line (a join's columns written twice): read once"
        frame = frame.drop(columns=twin.column)
        at = head.names.index(twin.column)
        del head.names[at], head.raw[at]
        report.notes.append(f"{name}: columns {twin.first} and {twin.second} are both {twin.field!r}{said}")
    return frame


_THOUSANDS_GROUP = re.compile(r"\d{3}(?!\d)")
"""A number's thousands group after an unquoted comma in a name ('20,000 Leagues')."""


@dataclass
class _Rows:
    """A file's rows of the header's width, with their lines in the file."""

    rows: list[list[str]]
    lines: list[int]
    pending: list[tuple[int, int, str, str]]
    """Bad rows so far: ``(line, column position, column, reason)``, reported in line order."""


def _rows(layout: _Layout, head: _Header, spec: TableSpec, name: str, report: IngestReport,
          sample: ShopperSample | None, hasher: Any | None) -> _Rows:
    """Every row of the file: blank lines, bare separators, repeated header lines and a
    footer skipped, a row of the wrong width a bad row, the shoppers a sample leaves out never
    built (:mod:`.sampling`)."""
    text, line_map, delimiter, quoting = layout.text, layout.line_map, layout.delimiter, layout.quoting
    header, raw_header, by_content, header_line = head.names, head.raw, head.by_content, head.line
    stats = report.stats(name)
    source = text_lines(text)
    reader = csv_reader(source, delimiter, quoting)
    if not by_content:
        next(reader)  # the header line (_header read it)
    width = len(header)
    line_base = 0  # the file's line number of the reader's line 0 (moved where a quote left open is undone)
    unclosed: list[int] = []
    # Whose rows to keep, decided before any row is built: the point of a sample is
    # that the rows left out never take memory.
    keeps = None
    if sample is not None and sample.decide(text) < 1.0:
        keeps = sample.keeps
        if hasher is not None:  # a sample of a file is another data set than the file
            hasher.update(f"shopper-sample\0{sample.fraction!r}".encode())
    user_at = header.index("user_id") if "user_id" in header else None
    basket_at = header.index("session_id") if "session_id" in header else None
    ghost_rows = 0
    loose_name = spec.name == "items" and header[-1] == "name" and quoting != csv.QUOTE_NONE
    loose_names = 0
    # A last column named as a list takes the rest of each line (JODIE's and TGN's
    # 'comma_separated_list_of_features': 172 numbers after a header of five names).
    list_tail = not by_content and width > 1 and bool(_LIST_NAME.search(raw_header[-1]))
    list_tails = 0
    # Exports joined with `cat` repeat the header where each part starts: not data (as
    # an item 'item_id' it would ship in the catalogue where nothing else rejects it).
    repeated_header = None if by_content else header_line
    header_again = 0
    comments = 0
    is_comment_header = bool(raw_header) and raw_header[0][:1] == "#"
    footer: list[tuple[int, list[str]]] = []  # lines of one or two fields below the data, so far
    # A trailing separator on the data lines or on the header only (a spreadsheet's or a
    # script's habit): every line had been a bad row 'expected 7 fields, got 8' and the
    # file refused (fuzz-ac). The empty last field is dropped, or the missing one added.
    header_trails = not by_content and width > 1 and not raw_header[-1].strip()
    trailing = 0
    records_in_cells = 0
    wider = 0  # lines with more fields than the header, and the first of them with its line number
    first_wider: tuple[int, list[str]] | None = None
    rows: list[list[str]] = []
    lines: list[int] = []
    pending: list[tuple[int, int, str, str]] = []  # reported in line order at the end
    while True:
        before = line_base + reader.line_num
        overflow = False
        try:
            row = next(reader)
        except StopIteration:
            break
        except csv.Error as exc:
            # (the same quote left open in a file of any size: the field it opened passes
            # csv's 128 KB limit first, and 2,960 sales had gone as one unparseable row;
            # review 80. One line that long is unparseable as before)
            overflow = "field larger than field limit" in str(exc) and line_base + reader.line_num - before > 1
            if not overflow or len(unclosed) >= 100:
                stats.rows_read += 1
                stats.rows_skipped += 1
                pending.append((line_base + reader.line_num, -1, ROW, f"unparseable CSV ({exc})"))
                continue
        if line_base + reader.line_num - before > 1 and len(unclosed) < 100 and (
                overflow or _swallowed(row, width, delimiter, text)):
            # A quote opened in a field and never closed ('"Bolt 3/8' for 3/8 of an inch)
            # runs every line after it into that field, to the next quote or the end of the
            # file: 199 lines had vanished unsaid (session aw's left list). Its line is read
            # without the quote, and the lines it swallowed as the rows they are.
            raw_lines = list(islice(text_lines(text), before, line_base + reader.line_num))
            unclosed.append(before + 1)
            row = [f.strip('"') if quoting != csv.QUOTE_NONE else f
                   for f in next(csv_reader([raw_lines[0].rstrip("\r\n")], delimiter, csv.QUOTE_NONE))]
            reader = csv_reader(chain(raw_lines[1:], source), delimiter, quoting)
            line_base = before + 1
        if not row or (not row[0].strip() and not any(field.strip() for field in row)):
            # A blank line is not a row at all; nor is a line of bare separators (',,'),
            # which spreadsheets write after the data (900k of them in one re-saved
            # Book-Crossing file): counted, one note, no error per line.
            if len(row) > 1:
                ghost_rows += 1
            continue
        # (the cheap look first: a blank second field or a short row, a separator in the
        # first; 2 M rows pay two comparisons each)
        if (width >= 4 and (len(row) < 2 or not row[1]) and delimiter in row[0]
                and (whole := _record_in_a_cell(row, width, delimiter)) is not None):
            row = whole
            records_in_cells += 1
        if row[0][:1] == "#" and (row[0] == "#" or row[0][1:2].isspace() or len(row) == 1) and not is_comment_header:
            # A comment line among the rows ('# Encodage: UTF-8', '#,commentaire isolé'): a
            # data set's README says to ignore them; each had been a bad row (real142-as).
            # Not Shopify's order name '#1001', a value.
            comments += 1
            continue
        if repeated_header is not None and row[0].lstrip("\ufeff") == repeated_header[0] and (
                [row[0].lstrip("\ufeff"), *row[1:]] == repeated_header):  # (a joined Excel file's BOM too)
            header_again += 1
            continue
        if len(row) < width and len(row) <= 2 and width >= 4 and stats.rows_read:
            # A report's footer ('40 record(s) downloaded,from Mar-01-24 ...', 'Seller ID :
            # shop' under eBay's orders): a field or two below the data. Held until the file
            # ends; a row after it makes them bad rows after all.
            footer.append((line_base + reader.line_num, row))
            continue
        if footer:  # rows below the held lines: those were bad rows after all
            for line, short in footer:
                pending.append(_wrong_width(line, short, width, stats))
            footer.clear()
        if len(row) != width:
            if len(row) == width + 1 and not row[-1].strip():
                row.pop()  # a separator after the last field, on the lines but not the header's
                trailing += 1
            elif len(row) == width - 1 and header_trails:
                row.append("")  # the header's own trailing separator, which the lines do not have
                trailing += 1
        if len(row) != width:
            if len(row) > width and loose_name and all(
                    part.startswith(" ") or (_THOUSANDS_GROUP.match(part) and row[at - 1][-1:].isdigit())
                    for at, part in enumerate(row[width:], width)):
                # A name written with its commas unquoted (Netflix's movie_titles.csv: '1,2003,
                # Happy, Texas'): the last column takes the rest of the line, as it was meant.
                # Only where a space follows each extra separator, as in a title, or a digit
                # group does ('20,000 Leagues Under the Sea': 8 titles had been bad rows;
                # real2-ae); '2,51' (a decimal comma in a column before it) stays a bad row.
                row = [*row[:width - 1], delimiter.join(row[width - 1:])]
                loose_names += 1
            elif (len(row) > width + 1 and list_tail
                  and all(_NUMBER_FIELD.fullmatch(f.strip()) for f in row[width - 1:])):
                row = [*row[:width - 1], delimiter.join(row[width - 1:])]
                list_tails += 1
            else:
                pending.append(_wrong_width(line_base + reader.line_num, row, width, stats))
                if len(row) > width:
                    wider += 1
                    first_wider = first_wider or (line_base + reader.line_num, row)
                continue
        stats.rows_read += 1
        if keeps is not None and not keeps(shopper_key(row[user_at] if user_at is not None else "",
                                                       row[basket_at] if basket_at is not None else None,
                                                       MISSING_VALUES)):
            stats.rows_sampled_out += 1
            continue
        rows.append(row)
        lines.append(line_base + reader.line_num)
    if wider >= 20 and wider > stats.rows_read - wider:  # (lines a sample left out count: review 2's P1)
        # Most lines wider than the first: no table of that many columns. AKT's knowledge-
        # tracing blocks (a student's two numbers, then three lines of 305 answers each) had
        # kept the short lines as rows, dropped 72 % as bad, trained and shipped (real20-ai).
        line, wide = first_wider or (0, [])
        raise DataError(f"{name}: {wider:,} of {stats.rows_read:,} lines have more fields than the "
                        f"{'first line' if by_content else 'header'} ({width}; e.g. line {line}, {len(wide):,} fields): "
                        f"not a table of {width} columns ({_why_wider(wide, raw_header, width, delimiter)}); write one "
                        "interaction a line, its fields named")
    if keeps is not None:
        assert sample is not None
        sample.count(len(rows), stats.rows_sampled_out)
        report.sample = sample  # the loader notes it once every file is read
        if not rows and stats.rows_read > stats.rows_skipped:
            raise DataError(f"{name}: the sample kept no line ({sample.fraction:.2%} of the shoppers "
                            f"for --max-lines {sample.max_lines:,}): give a larger --max-lines")
    if comments:
        report.notes.append(f"{name}: {comments:,} comment line(s) ('#' first) among the rows: not read")
    if unclosed:
        report.notes.append(f"{name}: {len(unclosed):,} line(s) open a quote that never closes (line {unclosed[0]}"
                            + (f", ... {unclosed[-1]}" if len(unclosed) > 1 else "") + "), which would have run the "
                            "lines below into one field: the quote left out, those lines read as their rows")
    if header_again:
        report.notes.append(f"{name}: the header line came again {header_again:,} time(s) inside the file "
                            "(exports joined together?); those lines skipped")
    if loose_names:
        report.notes.append(f"{name}: {loose_names} rows with more fields than the header: the last column "
                            f"({'the name' if raw_header[-1] == 'name' else repr(raw_header[-1]) + ', the name'}) "
                            "read as the rest of the line (a name with its "
                            f"{DELIMITERS[delimiter]}s not quoted, as Netflix's movie_titles.csv writes)")
    if list_tails:
        report.notes.append(f"{name}: {list_tails:,} rows with more fields than the header: the last column "
                            f"({raw_header[-1]!r}, named as a list) read as the rest of the line")
    if footer:
        report.notes.append(f"{name}: {len(footer)} line(s) of one or two fields below the data (a report's footer, "
                            f"e.g. {delimiter.join(footer[0][1])[:60]!r}) not read")
    if records_in_cells:
        report.notes.append(f"{name}: {records_in_cells:,} lines hold a whole record in one quoted field (a quote "
                            "left open above them, or a spreadsheet's re-save of such a file): read as the record")
    if ghost_rows:
        report.notes.append(f"{name}: {ghost_rows} lines of bare separators (',,', as spreadsheets "
                            "write after the data) skipped as blank lines")
    if trailing:
        report.notes.append(f"{name}: {trailing:,} lines with a separator after their last field where the "
                            + ("header has one" if header_trails else "header has none") + ": read as the header's")
    if line_map is not None:  # CSV line n is the converted file's data row n - 2
        lines = [line_map[n - 2] for n in lines]
        pending = [(line_map[p[0] - 2] if p[0] >= 2 else p[0], *p[1:]) for p in pending]
    elif layout.dropped:  # the file's line numbers count the lines dropped above the header
        lines = [n + layout.dropped for n in lines]
        pending = [(p[0] + layout.dropped, *p[1:]) for p in pending]
    return _Rows(rows, lines, pending)


def _why_wider(row: list[str], raw_header: list[str], width: int, delimiter: str) -> str:
    """The likeliest cause of a line wider than the header, for the refusal: a text column
    holding the separator unquoted (a field after it starts with a space, as prose's do:
    session ai's second review), else records over several lines or a list a line."""
    at = next((i for i in range(1, len(row)) if row[i][:1] == " " and row[i - 1].strip()), None)
    if at is not None and at - 1 < width and raw_header[at - 1].strip():
        return (f"column {raw_header[at - 1]!r} holds the separator unquoted? e.g. "
                f"{row[at - 1] + delimiter + row[at]!r}: quote that column")
    return "records over several lines, or a list a line?"


WALK_IN_BUYERS = frozenset({"consumidor final", "consumidorfinal", "publico en general", "público en general",
                            # (a Brazilian till's bare 'CONSUMIDOR'; real214-av)
                            "consumidor", "consumidor nao identificado", "consumidor não identificado",
                            "cliente consumidor",
                            "publico em geral", "público em geral", "publico general", "público general",
                            "cliente generico", "cliente genérico", "clientes varios", "cliente varios",
                            "cliente balcao", "cliente balcão", "66666666-6", "walk-in customer", "walk in customer",
                            "walkin customer", "walk-in", "cash customer", "cash sale", "default customer",
                            "guest customer", "laufkunde", "barverkauf", "client divers", "client comptoir",
                            "розничный покупатель", "частное лицо", "散客", "一般客", "비회원",
                            # (Mexican tills' defaults; session ar's review)
                            "cliente mostrador", "clientemostrador", "ventas al publico", "ventas al público",
                            "venta al publico", "venta al público", "mostrador"})
"""The names tills and ERPs give a buyer they do not know, the same on every such receipt:
Brazil's and Argentina's 'Consumidor Final', Mexico's 'PUBLICO EN GENERAL', Chile's RUT
66666666-6, a till's 'Walk-in Customer'. Read as one shopper, a Brazilian ERP's 1,330
receipts (42 % of its lines) had been one person's history, and turned the repeat decision
(real124-ar)."""


_ZEROS_ID = re.compile(r"[A-Za-z]{0,4}0{6,}")
"""A shopper id of zeros (``ZZ000000000000``, ``0000000000``): no member's number."""


def _walk_in_buyers(values: pd.Series, name: str, raw_name: str, report: IngestReport, frame: pd.DataFrame,
                    header: list[str]) -> pd.Series:
    """``values`` (the shopper column of a file with a basket column) with
    :data:`WALK_IN_BUYERS` blank: each such receipt is then an anonymous visit of its own.
    Where the basket numbers come back for other shoppers (a till's receipt numbers, counted
    again each day in each store), a walk-in's visit is its basket on its day in its store,
    named as an anonymous basket here: blank, its lines had been bad rows (round 44)."""
    distinct = [v for v in pd.unique(values) if isinstance(v, str)]
    named = [v for v in distinct if v.strip().casefold() in WALK_IN_BUYERS]
    # (a member number of zeros behind a letter prefix, on a tenth of the lines or more: a
    # Japanese till's non-members, 'ZZ000000000000' on 36 % of its receipts' lines, which the
    # data set's own exercises leave out; round 44. Counted only for such ids: a count of
    # every shopper's lines cost a pass over a large file's column for none)
    # (or '-1' and '0', a numeric export's unknown customer from fillna(-1) or COALESCE, beside
    # numbers: a Nike sales sample's guests, 25 % of its lines, had been one shopper; real187-au)
    # (pandas' '270001.0' too; review 69)
    ids = [v.strip().removesuffix(".0") for v in distinct[:1000]]
    numbers = sum(v.isdigit() for v in ids) >= 0.9 * min(len(distinct), 1000)
    # ('0' where it holds five times the lines of the median shopper or more: WooCommerce's
    # guest checkouts beside ids of 1 to 3 digits, not a label-encoded dealer 0 among eight
    # alike; review 70)
    # (and twice the next shopper's, in ids that are no 0-based numbering: a next-basket
    # benchmark's users renumbered 0 .. N-1 by activity have their busiest as 0; review 71)
    counts = values.value_counts() if numbers and values.isin(("0", "0.0")).any() else None
    guest_zero = False
    if counts is not None:
        zero = counts[counts.index.isin(("0", "0.0"))].sum()
        others = counts[~counts.index.isin(("0", "0.0", ""))]
        numbered = pd.to_numeric(pd.Series(others.index), errors="coerce")
        dense = bool(numbered.notna().all() and len(numbered) and numbered.max() == len(numbered))  # (1 .. N beside 0)
        guest_zero = bool(zero >= 5 * max(float(others.median()), 1.0) and zero >= 2 * others.max()) and not dense
    zeros = {v: int((values == v).sum()) for v in distinct if (_ZEROS_ID.fullmatch(v.strip()) or (
        numbers and v.strip() in ("-1", "-1.0")) or (guest_zero and v.strip() in ("0", "0.0"))) and v not in named}
    named += sorted((v for v, n in zeros.items() if n * 10 >= len(values)), key=lambda v: -zeros[v])
    if not named:
        return values
    walk_in = values.isin(named)
    blanked = values.where(~walk_in, "")
    basket = frame["session_id"].astype(str).str.strip()
    # (or any walk-in basket number that a named shopper's lines use too: a small till's
    # three receipts a day, too few for across_shoppers, had made them bad rows; review 66)
    shared = basket[walk_in].isin(set(basket[~walk_in & (blanked != "")])).any()
    if not shared and not across_shoppers(blanked, basket):
        report.notes.append(f"{name}: column {raw_name!r}: {', '.join(repr(v) for v in named[:3])} "
                            f"({int(walk_in.sum()):,} lines) is a till's name for a buyer it does not know: each of "
                            "those baskets is read as an anonymous visit")
        return blanked
    visit, said = basket, ["basket number"]
    for col, what in (("timestamp", "time"), ("store_id", "store")):
        if col in header:
            visit, said = visit + " " + frame[col].astype(str).str.strip(), [*said, what]
    report.notes.append(f"{name}: column {raw_name!r}: {', '.join(repr(v) for v in named[:3])} "
                        f"({int(walk_in.sum()):,} lines) is a till's name for a buyer it does not know; its basket "
                        "numbers come back for other shoppers, so those lines are read as anonymous visits, one per "
                        f"{' and '.join(said)}")
    return values.where(~walk_in, ANONYMOUS_BASKET + visit)


_MASKED = re.compile(r"\w\*{2,}(?:[\s.-]+\w\*{2,})*|\w+\*{3,}@[\w.-]+|\+?\d{1,4}[\d\s-]*\*{3,}[\d\s-]*")
"""A name masked for publishing: each word's first letter, then asterisks (``L****** P******``);
an e-mail or a phone number so (``98******21``: a billing phone read as the shopper since
round 47; review 68)."""


def _masked_buyers(values: pd.Series, name: str, raw_name: str, report: IngestReport) -> pd.Series:
    """``values`` (the shopper column of a file with a basket column) blank where half its
    names or more are masked (:data:`_MASKED`): 'A***** F*****' stands for a Chicago and a
    Los Angeles buyer alike, so each basket is an anonymous visit (an Etsy shop's published
    orders: 273 of 2,403 masked names covered several addresses; real150-as)."""
    given = (values != "").to_numpy()
    masked = values.str.fullmatch(_MASKED).fillna(False).to_numpy(dtype=bool)
    if not given.any() or masked.sum() < 0.5 * given.sum():
        return values
    report.notes.append(f"{name}: column {raw_name!r}: {int(masked.sum()):,} of {int(given.sum()):,} names are masked "
                        f"({values[masked].iloc[0]!r}: a first letter and asterisks), which stand for many people "
                        "alike: not read as shoppers, each basket read as an anonymous visit")
    return values.where(~masked, "")


NUMBER_PLACEHOLDERS = frozenset({"ERROR", "UNKNOWN", "Unknown", "unknown"})
"""A number column's words for no value, as a 'dirty' export writes them beside its items'
(a café's ``Quantity`` and ``Price Per Unit`` 'ERROR' / 'UNKNOWN': 583 lines whose item and
date are given had been bad rows, 'not a number', where a blank one is kept; real122-ar)."""


def _item_placeholders(values: pd.Series) -> frozenset[str]:
    """:data:`.schema.ITEM_PLACEHOLDERS` and the column's values :data:`.schema.ITEM_PLACEHOLDER_PATTERN` matches."""
    worded = [v for v in pd.unique(values[values.str.startswith("NO", na=False)])
              if ITEM_PLACEHOLDER_PATTERN.fullmatch(v)]
    return ITEM_PLACEHOLDERS | frozenset(worded) if worded else ITEM_PLACEHOLDERS


_LIST_NAME = re.compile(r"(?i)(?:^|[^a-z])(?:features|embeddings?|vectors?|list_?of)(?:[^a-z]|$)")
"""A last column's name that says it holds a list of numbers (JODIE's and TGN's
``comma_separated_list_of_features``, ``feature_vector``, ``embedding``), a word of its
own: its values are the rest of the line, written with the separator unquoted, where all
of them are numbers and there are three or more (not a 'List Price', 'playlist',
'is_featured' or 'feature_id' after a price written '1,299.00': session ai's reviews)."""
_NUMBER_FIELD = re.compile(r"-?\d+(?:\.\d+)?(?:[eE][-+]?\d+)?")


def _shape(value: str) -> str:
    """A value's shape, its letters and digits as runs of 'a' and '9' ('u12' -> 'a9')."""
    return re.sub(r"(.)\1+", r"\1", re.sub(r"\d", "9", re.sub(r"[^\W\d_]", "a", value.strip().strip('"'))))


def _swallowed(row: list[str], width: int, delimiter: str, text: str) -> bool:
    """Whether a field of ``row`` holds, after its first line, lines that are themselves
    records: two or more, four in five with the header's number of separators, and either
    their first fields shaped as the row's own or the row itself cut short (it lost its
    width, or the field runs to the end of the file). That is what a quote left open does to
    the lines below it; a quoted address or description over several lines has no such lines."""
    if width < 3:
        return False
    own = _shape(row[0])
    # (a separator after the last field is the row's width still; review 87)
    lost = len(row) != width and not (len(row) == width + 1 and not row[-1].strip())
    for field in row:
        if "\n" in field:
            inner = [line for line in field.split("\n")[1:] if line.strip()]
            # (two records or more: one in a cell of its own is a record in a cell, which
            # _record_in_a_cell reads, AtliQ's quoted '"\nProd030,...,INR"')
            # (the lines' first fields shaped as the row's own first field, 'u5' as 'u3': the
            # file's records; an Etsy personalisation's 'Name: Ann' beside an order number is
            # a cell's text, whether or not the row keeps its width; reviews 80 and 83)
            wide = [line for line in inner if line.count(delimiter) >= width - 1]
            shaped = [line for line in wide if _shape(line.split(delimiter, 1)[0]) == own]
            # (or, where first fields vary in shape, e-mails and names, where the row lost its
            # width or the field runs to the end of the file; review 85)
            if len(inner) >= 2 and (len(shaped) >= 0.8 * len(inner) or (len(wide) >= 0.8 * len(inner) and (
                    lost or text.rstrip("\r\n").endswith(field.rstrip("\r\n")[-200:])))):
                return True
    return False


def _record_in_a_cell(row: list[str], width: int, delimiter: str) -> list[str] | None:
    """A row whose one field holds a whole record, its fields as the header's (the rest of
    the row blank), as that record; else None. A quote left open on one line of AtliQ's
    sales export made each of its last 10,743 records one field, dropped as 'a report's
    footer'; a spreadsheet's re-save of it wrote them so in column 1, 6 blank fields after
    them, and the carry-down of a visit's shopper and date had given them all one
    customer and the whole record as the item (real13-ah). Not where a field after a
    separator starts with a space, as prose's do."""
    given = [field for field in row if field.strip()]
    if len(given) != 1 or given[0] != row[0] or given[0].count(delimiter) < width - 1:
        return None
    try:
        fields = next(csv.reader([given[0].strip().replace("\r", "")], delimiter=delimiter), [])
    except csv.Error:
        return None
    if len(fields) == width + 1 and not fields[-1].strip():
        fields.pop()
    # An export writes no space after its separator; prose does: a product's name ('Shirt,
    # blue, size M, cotton') on a block layout's line, an address, a note or a footer in
    # column 1 had been split into a 'record' (session ah's review).
    if len(fields) != width or any(f[:1].isspace() for f in fields):
        return None
    return fields


def _wrong_width(line: int, row: list[str], width: int, stats: FileStats) -> tuple[int, int, str, str]:
    """A row of another width than the header's: a bad row, counted read and skipped."""
    stats.rows_read += 1
    stats.rows_skipped += 1
    hint = " (truncated row?)" if len(row) < width else ""
    return line, -1, ROW, f"expected {width} fields, got {len(row)}{hint}"


def _basket_of_ids(text: str, delimiter: str, quoting: int, header: list[str], raw_header: list[str], name: str,
                   report: IngestReport) -> list[str]:
    """``header`` with the basket column read as the items, where the file names no item
    and its basket's cells list the basket's item ids (a market-basket file's ``basket``:
    ``"27,26"``, ``"6,47,17"``; it had been refused for want of an item, and the hint's
    route, naming it item_id, had made each whole list an item, 37,309 of them for 48
    products; real13-ah). :func:`.lines.item_lists` then makes a row of each id, each line
    its basket. Where its first 200 cells are such lists (:func:`.idlists.joined_ids`)."""
    at = header.index("session_id")
    with contextlib.suppress(csv.Error):
        cells = [r[at].strip() for r in first_rows(text, delimiter, quoting, 200)[1:] if len(r) > at]
        if (sep := joined_ids(cells)) is not None:
            example = next(c for c in cells if sep in c)
            report.notes.append(f"{name}: no item column, but {raw_header[at]!r} lists each basket's item ids "
                                f"({example[:40]!r}): read as the items")
            return [("item_id" if i == at else h) for i, h in enumerate(header)]
    return header


_AGGREGATES = frozenset({"count", "nunique", "sum", "mean", "median", "min", "max", "std", "var", "size",
                         "first", "last", "avg", "average", "total", "countdistinct", "distinctcount"})
"""pandas' aggregation names (``df.groupby(...).agg({'order_id': 'nunique'})``) and a BI
tool's, as a grouped table's second header row writes them."""


def _refuse_grouped_report(header: list[str], second: list[str], name: str) -> None:
    """Refuse a grouped report: pandas writes a ``groupby().agg()`` table with a two-row
    header, the columns aggregated, then under each its aggregation (``count``,
    ``nunique``, ``sum``, ``mean``). Its rows are groups' totals: a tutorial's
    ``reporte_ventas.xlsx`` had been read as 33 purchases of shoppers 9114 and 39580,
    refused only for being small (real122-ar)."""
    said = [v.strip() for v in second if v.strip()]
    if len(said) < 2 or not all(header_key(v) in _AGGREGATES for v in said):
        return
    columns = ", ".join(f"{h.strip()!r}" for h in header if h.strip())
    raise DataError(f"{name}: a grouped report, not one line per purchase: under its header ({columns}) a second "
                    f"row names aggregations ({', '.join(repr(v) for v in said[:4])}), as pandas' groupby().agg() "
                    "writes them; each row is a group's total. Export the lines the totals were made from")


LISTED_ITEM_KEYS = frozenset({"items", "products", "orderitems", "itemlist", "itemslist", "productlist",
                              "productslist", "dishes", "cartitems", "basketitems", "ordereditems", "itemsjson",
                              "productids", "itemids", "produtos", "idprodutos", "productos", "prodotti",
                              "itemsinorder"})  # (Zomato's partner dashboard; session as's review)
"""Names of an order's column of listed items (a food app's ``items``: ``["Margherita Pizza
x2", "Garlic Bread x1"]``), read as the items only where its cells are lists."""


_SERVED = re.compile(r"placement$|modelversion|^model$|^servedat$|^servedon$|impression|slate|^recommendations?$"
                     r"|^rank$|^requestid$")
"""Header words of a recommender's serving log: its lists are what was shown, not bought."""


def _listed_items(text: str, delimiter: str, quoting: int, header: list[str], raw_header: list[str], name: str,
                  report: IngestReport) -> list[str]:
    """``header`` with a :data:`LISTED_ITEM_KEYS` column read as the items, where the file
    names no item column and half its first 200 cells or more are lists (``[...]``):
    :func:`.lines.item_lists` makes a row of each. A delivery app's orders had been
    refused, 'missing item_id', its hint's route (renaming 'items') the only way
    (real107-aq). A column of counts ('items': 3) stays unread."""
    at = next((i for i, h in enumerate(raw_header) if header[i] not in INTERACTION_COLUMNS
               and header_key(h) in LISTED_ITEM_KEYS), None)
    if at is None or any(_SERVED.search(header_key(h)) for h in raw_header):
        # (a recommender's serving log: 'request_id', 'placement', 'model_version' and the
        # 'items' it showed, read as 2,500 purchases; session ar's review)
        return header
    with contextlib.suppress(csv.Error):
        # (2,000 rows: a file sorted by its products names too few in its first 200; session ar's review)
        cells = [r[at].strip() for r in first_rows(text, delimiter, quoting, 2001)[1:] if len(r) > at]
        # (not lists of one length of eight or more on every line: a slate shown, ten ids each;
        # a meal kit's four recipes a box are a basket; session ar's reviews)
        sizes = {c.count(",") for c in cells}
        if cells and sum("[object Object]" in c for c in cells) * 2 >= len(cells):
            # (a JavaScript export's 'Products' of '[object Object],[object Object]': split, four
            # made-up items, '[object' and 'Object]', had been each order's; round 45)
            raise DataError(f"{name}: column {raw_header[at]!r} holds '[object Object]' ({cells[0][:40]!r}), "
                            "JavaScript's text for an object: the products' names or ids were lost when the file "
                            "was written; export them (a field of each object, or JSON.stringify)")
        if cells and sum(c.startswith("[") and c.endswith("]") for c in cells) >= 0.5 * len(cells) and (
                len(cells) < 20 or len(sizes) > 1 or min(sizes) < 7) or counted_text(cells) or (
                # (or 'name:count' pairs: a delivery app's 'Sugar:5;Onion:3;'; round 44)
                cells and sum(bool(PRICED_LIST.fullmatch(c)) and ";" in c for c in cells) >= 0.5 * len(cells)):
            # (or written as text, each count first: '2 x Mutton Rogan Josh, 3 x Veg Pulao';
            # review 57)
            report.notes.append(f"{name}: no item column, but {raw_header[at]!r} lists each order's items "
                                f"({cells[0][:40]!r}): read as the items")
            return [("item_id" if i == at else h) for i, h in enumerate(header)]
        # (or one product's name a line, words that come back: Kaggle's 'Bakery' dataset's 'Items'
        # beside 'TransactionNo', 24 copies refused for want of an item; real131-ar. Not a count)
        named = [c for c in cells if c and not re.fullmatch(r"[\d.,\s]+", c)]
        counted = sum(bool(re.fullmatch(r"(?i)\d+\s*(?:items?|pcs|pieces|units?|artikel|stk|st)\.?", c)) for c in named)
        # (not '21 items', an order's size; nor a handful of departments; session ar's review)
        if len(cells) >= 20 and len(named) >= 0.9 * len(cells) and len(set(named)) <= 0.5 * len(named) and len(
                set(named)) >= 10 and counted < 0.5 * len(named):
            report.notes.append(f"{name}: no item column, but {raw_header[at]!r} names a product on each line "
                                f"({cells[0][:40]!r}): read as the items")
            return [("item_id" if i == at else h) for i, h in enumerate(header)]
    return header


SQUARE_KEYS = frozenset({"description", "transactionid", "paymentid", "eventtype"})
"""Square's transactions export: its items only in ``Description`` (``Latte x 2, Croissant``)."""
LOYVERSE_KEYS = frozenset({"description", "receiptnumber", "receipttype"})
"""Loyverse's receipts export: its items only in ``Description`` (``1 x Latte, 0.950 x Buah Naga``)."""


def _square_description(header: list[str], raw_header: list[str], name: str, report: IngestReport) -> list[str]:
    """``header`` with Square's ``Description`` read as the item column, in Square's
    transactions export or Loyverse's receipts (their other column names say so), which have
    no item column: each payment's or receipt's items are listed there
    (:func:`.lines.item_lists` splits them). It was refused, 'missing item_id'."""
    keys = [header_key(h) for h in raw_header]
    # (and Loyverse's receipts: refused, its hint offered 'Description' as the item, and
    # followed, 767 products had been 7,563 ids with their counts; real28-ak)
    export = "Square's transactions" if set(keys) >= SQUARE_KEYS else "Loyverse's receipts" if (
        set(keys) >= LOYVERSE_KEYS) else None
    if export is None:
        return header
    at = keys.index("description")
    report.notes.append(f"{name}: {raw_header[at]!r} read as item_id: {export} export lists each "
                        f"{'payment' if export.startswith('Square') else 'receipt'}'s items there")
    return [*header[:at], "item_id", *header[at + 1:]]


_CLIENT_KEYS = frozenset({"client", "nomclient", "nomduclient", "clientnom"})  # (not 'Clients', a count: review 80)
_CLIENT_KINDS = frozenset({"particulier", "particuliers", "professionnel", "professionnels", "pro", "association",
                           "collectivite", "revendeur", "entreprise", "societe", "administration", "public", "prive",
                           "individuel", "b2b", "b2c", "comptoir", "passage", "divers", "autre", "grossiste",
                           # (and English kinds: review 87)
                           "retail", "wholesale", "trade", "corporate", "walkin", "cash", "guest"})
"""A till's kinds of client, French and English (reviews 85 and 87: five of them had become
five shoppers)."""
_APP_CLIENTS = re.compile(r"(?i)ios|iphone|ipad|android|web|www|mobile|desktop|app|api|pos|kiosk|tablet|windows|mac(?:os)?"
                          r"|linux|chrome|firefox|safari|edge|opera|browser|bot|sdk|server|cli|backend|frontend|tv")


def _client_column(header: list[str], raw_header: list[str], columns: list[list[str]]) -> int | None:
    """A bare 'Client' (French 'Client', 'Nom client') where no column is named as the
    shopper: the buyer, where its values name people or accounts. Not an event log's
    client, the app or platform it came from (ios, web, android), nor a till's kind of
    client (Particulier, Professionnel: :data:`_CLIENT_KINDS`): that is why 'client' is no
    shopper alias (a French shop's sales of 'Date;Client;Produit' had been refused for a
    missing user_id with 'Client' in the hint)."""
    at = next((i for i, h in enumerate(raw_header) if header[i] not in INTERACTION_COLUMNS
               and header_key(h) in _CLIENT_KEYS), None)
    if at is None or at >= len(columns):
        return None
    given = [v.strip() for v in columns[at] if v.strip()]
    # (five people at least: a till's 'Client' of Particulier / Professionnel is a kind,
    # review 80; a wholesaler's eight restaurants are clients, review 83)
    if len(given) < 0.5 * max(len(columns[at]), 1) or len(set(given)) < 5:
        return None
    if sum(bool(_APP_CLIENTS.fullmatch(v.split("/")[0].split()[0])) for v in given) > 0.2 * len(given):
        return None
    if sum(header_key(v) in _CLIENT_KINDS for v in given) > 0.2 * len(given):
        return None
    return at


def _order_number_header(layout: _Layout, header: list[str], raw_header: list[str], name: str,
                         report: IngestReport) -> list[str]:
    """``header`` with an order number's column (:data:`.columns.ORDER_NUMBER_KEYS`) read as
    the basket, in a file with neither a shopper nor a basket column, where its first
    rows' values are not a count (whole numbers from 1): then each order is an anonymous
    shopper's visit, as a till's baskets are. Ozon's postings ('Номер заказа') had been
    refused for the missing shopper."""
    # (R's write.csv after read.csv writes 'Order.Number': a Redbubble report; real186-au)
    at = next((i for i, h in enumerate(raw_header) if header[i] not in INTERACTION_COLUMNS
               and (header_key(h) in ORDER_NUMBER_KEYS or header_key(h).replace(".", "") in ORDER_NUMBER_KEYS)), None)
    if at is None:
        return header
    try:
        rows = first_rows(layout.text, layout.delimiter, layout.quoting, 201)[1:]
    except csv.Error:
        return header
    values = pd.Series([r[at].strip() for r in rows if len(r) > at and r[at].strip()], dtype=object)
    if values.empty or counts_from_one(values):
        return header
    report.notes.append(f"{name}: {raw_header[at]!r} read as session_id (the basket): the file names no shopper "
                        "and no basket otherwise")
    return [*header[:at], "session_id", *header[at + 1:]]


_GLUED = re.compile(r"\d{3,}[A-Za-z]+\d+|\d{15,}")
"""A field that runs two together: an order number and a customer (``00000001C1034``), a
price and a time (``14920240304083927``), as a fixed-width record with no space between
them writes it."""


def _refuse_fixed_width(text: str, name: str) -> None:
    """A clear error for a fixed-width file (an AS/400 or COBOL dump: every line the same
    length, fields padded with spaces and some run together): split at its spaces, an
    order and a customer glued into one 'shopper' had trained (a probe of session (ac))."""
    lines = [line for line in text[: 1 << 16].splitlines()[:200] if line.strip()]
    if len(lines) < 20:
        return
    lengths = Counter(len(line) for line in lines)
    glued = sum(bool(_GLUED.search(line)) for line in lines)
    widths = Counter(len(line.split()) for line in lines)
    words = sum(any(re.fullmatch(r"[^\W\d_]{2,}", f) and f.upper() not in ("AM", "PM") for f in line.split())
                for line in lines)
    if len(widths) >= 2 and widths.most_common(1)[0][1] < 0.9 * len(lines) and words * 2 >= len(lines):
        # (a vending machine's audit log, '04/09/2022 05:17:04 PM FEED MONEY 10.00 11.00' beside
        # 'Chiclets 11.00 10.25': 'FEED' read as a shopper, 'MONEY' as an item; real137-as)
        shown = ", ".join(str(w) for w in sorted(widths)[:4])
        raise DataError(f"{name}: a space-separated log whose lines hold {shown} fields, with words among them (names "
                        "with spaces?): its columns cannot be told apart by spaces; export it with a separator "
                        "names do not hold (a comma or a tab) and a header line")
    if lengths.most_common(1)[0][1] >= 0.95 * len(lines) and glued * 2 >= len(lines) and "  " in lines[0]:
        example = _GLUED.search(next(line for line in lines if _GLUED.search(line))).group(0)
        raise DataError(f"{name}: a fixed-width file (every line {lengths.most_common(1)[0][0]} characters, fields "
                        f"padded with spaces and some run together, e.g. {example!r}): its fields cannot be told "
                        "apart by spaces; export it with a separator (CSV), or give its column positions")


def _checked(frame: pd.DataFrame, head: _Header, spec: TableSpec, name: str, report: IngestReport,
             pending: list[tuple[int, int, str, str]], *, delimiter: str, formulas: bool,
             unicode_ids: bool = True) -> pd.DataFrame:
    """The rows' frame with each schema column's values checked and typed; the bad rows
    reported (with those of the earlier stages, in line order) and left out."""
    header, raw_header = list(head.names), list(head.raw)
    basket_name, time_of_day, by_content = head.basket_name, head.time_of_day, head.by_content
    stats = report.stats(name)
    frame, header = event_column_by_values(frame, header, raw_header, spec, name, report)
    if "item_id" in header and spec.name == "interactions":
        record_continuations(frame, header, raw_header, name, report.notes)
        frame, header = better_item_column(frame, header, raw_header, name, report.notes)
        frame, header = better_user_column(frame, header, raw_header, name, report.notes)
        frame, header = better_price_column(frame, header, raw_header, spec.column("price"), name, report.notes)
        frame, header = words_for_a_time(frame, header, raw_header, name, report.notes)
        frame, header = filled_time_column(frame, header, raw_header, name, report.notes)
        frame, header = date_from_parts(frame, header, raw_header, name, report.notes)
    if (basket := spec.column("session_id")) is not None and spec.name == "interactions":
        frame, header = better_basket_column(frame, header, raw_header, basket, name, report.notes)
    if basket_name is not None:  # the basket column read twice: as the basket and as its shopper
        frame["user_id"] = frame["session_id"]
        header, raw_header = [*header, "user_id"], [*raw_header, basket_name]
    checks = Checks(frame, pending, undone_by_status(frame, header, raw_header) if spec.name == "interactions" else None)
    by_name = {c.name: c for c in spec.columns}
    for col in header:
        # Ids, codes, numbers, event names and times (not free text: a title may be 'None',
        # or start with '="'). A time is no missing-value marker's: 'NA' there stays a bad row.
        column = by_name.get(col)
        if spec.name == "users" and column is None and len(frame) and not is_passed_over(col):
            # A users file's other columns are its demographics: 'NA', 'null' and '-' there had
            # become values of the model's context vocabularies (fuzz-ac).
            frame[col] = missing_values(frame[col].astype(str).str.strip(), name, raw_header[header.index(col)],
                                        report, country_codes=True)
            continue
        if (len(frame) and column is not None and not column.free_text
                and (formulas or column.kind != "timestamp")):  # (a time column's strip is the loop's below)
            values = frame[col].astype(str).str.strip()
            if formulas:
                values = text_formulas(values, name, raw_header[header.index(col)], report)
            if column.kind != "timestamp":
                values = missing_values(values, name, raw_header[header.index(col)], report,
                                        known=column.synonyms if column.kind == "enum" else (),
                                        also=_item_placeholders(values) if col == "item_id"
                                        else NUMBER_PLACEHOLDERS if column.kind == "float" else ())
                if col == "user_id" and "session_id" in header:
                    values = _walk_in_buyers(values, name, raw_header[header.index(col)], report, frame, header)
                    values = _masked_buyers(values, name, raw_header[header.index(col)], report)
            if col == "item_id" and spec.name == "interactions" and (values == "").all():
                # (a restaurant's 'bar_code', 'NA' on all 10,037 lines, had been read as the item
                # by its usual name, and the load stopped on 'line 2: item_id: empty': real-af)
                raw = raw_header[header.index(col)]
                others = [passed_over(h) if h == col else h for h in header]
                raise DataError(f"{name}: column {raw!r}, read as item_id by its usual name, is empty on every "
                                f"line ({len(values):,}): no item to read"
                                + _likely_columns(["item_id"], raw_header, others,
                                                  [frame[h].head(200).astype(str).tolist() if h in frame else []
                                                   for h in header]))
            frame[col] = values
    if "session_id" in header and len(frame) and basket_name is None:
        basket = frame["session_id"].astype(str).str.strip()
        for col in ("user_id", "timestamp"):
            if col == "user_id" and col in header and (frame[col].astype(str).str.strip() == "").any() \
                    and across_shoppers(frame[col], basket):
                # (a line key repeated across customers, read as the basket by its name: no
                # blank customer takes another's; session aq's review)
                report.notes.append(f"{name}: {raw_header[header.index('session_id')]!r} joins lines of different "
                                    "shoppers: lines without a shopper do not take one from it")
                continue
            if col == "timestamp" and col in header:
                frame[col] = _no_day_keys(frame[col].astype(str).str.strip(), name, raw_header[header.index(col)],
                                          report)
            if col in header:
                frame[col] = fill_from_basket(frame[col].astype(str).str.strip(), basket, name,
                                               raw_header[header.index(col)],
                                               raw_header[header.index("session_id")], report)
    elif "user_id" in header and "timestamp" in header and len(frame) and spec.name == "interactions":
        carried_down(frame, [raw_header[header.index(c)] for c in ("user_id", "timestamp")], name, report)
    counted: str | None = None  # what the timestamp column counts instead of dates ('days', 'seconds')
    # A semicolon file whose numbers use decimal commas groups thousands with points.
    number_cols = [c for c in header if c in by_name and by_name[c].kind == "float"]
    thousands_dots = delimiter == ";" and writes_decimal_commas(frame, number_cols)
    # (as written, for the dates to ask of only if they must: the loop below reads them)
    number_text = frame[number_cols].copy()
    decimal_commas = cache(lambda: decimal_comma_example(number_text, number_cols))
    date_only = False  # every timestamp is a midnight: dates without times
    unreadable: list[str] = []  # optional number columns left out (renamed below)
    for col in header:
        text_values = frame[col].astype(str).str.strip()
        frame[col] = text_values
        column = by_name.get(col)
        if column is None:
            continue
        raw_name = raw_header[header.index(col)]
        empty = (text_values == "").to_numpy()
        if col in ("user_id", "item_id") and not empty.all():
            if unicode_ids:
                text_values = one_form_ids(text_values, name, col, report)
            text_values = _quoted_ids(text_values, empty, name, col, report)
            text_values = whole_number_ids(text_values, empty, name, col, report)
            frame[col] = text_values
            if (mangled := scientific_ids(text_values)).any():
                # (a few ids Excel rewrote, '9.78E+12' for three readers' different ISBNs:
                # merged into one item, unsaid, where most are written whole; real241-ax)
                checks.flag(mangled, col, lambda v: f"an id in scientific notation ({v!r}: a spreadsheet kept only "
                                                    "the digits it showed, so it may stand for several)")
        if col == "user_id" and basket_name is None and "session_id" in header and empty.any():
            text_values = anonymous_baskets(text_values, frame["session_id"].astype(str).str.strip(), name,
                                             raw_name, raw_header[header.index("session_id")], report)
            frame[col] = text_values
            empty = (text_values == "").to_numpy()
        if col == "item_id" and "session_id" in header and empty.any():
            empty = _order_summaries(empty, frame["session_id"].astype(str).str.strip(), checks, name,
                                     raw_name, raw_header[header.index("session_id")], report)
        if column.required:
            checks.flag(empty, col, lambda _v: "empty (required)")
        if column.kind == "float":
            values = numbers(text_values, empty, col, column, checks, raw_name=raw_name, delimiter=delimiter,
                              thousands_dots=thousands_dots, name=name, report=report, keep_lines=spec.name == "items")
            if values is None:
                unreadable.append(col)
            else:
                frame[col] = values
        elif column.kind == "timestamp":
            frame[col], counted, date_only = times(text_values, empty, col, column, checks, raw_name=raw_name,
                                                        time_of_day=time_of_day, name=name, report=report,
                                                        decimal_commas=decimal_commas)
        elif column.kind == "enum":
            frame[col] = choices(text_values, empty, col, column, checks, name=name, report=report)
    bad = checks.bad
    for line, _pos, col, reason in sorted(pending, key=lambda p: (p[0], p[1])):
        report.add_error(name, line, col, reason)
    stats.rows_skipped += int(bad.sum())
    frame = frame.loc[~bad].reset_index(drop=True)
    stats.rows_kept = len(frame)
    if unreadable:
        # Out of the schema's columns altogether, so what stands in for them still does
        # (a line total for the unit price, prices.prices_from_line_totals).
        frame, header = renamed_columns(frame, header, {col: passed_over(raw_header[header.index(col)])
                                                 for col in unreadable})
    # What the loader needs to know of how the file was read: a guessed column order to
    # check against another file (items' ids), a made-up weekday (RawDataset.real_context).
    frame.attrs["source_names"] = dict(zip(header, raw_header, strict=True))  # for notes: the file's names
    frame.attrs["columns_by_content"] = by_content
    frame.attrs["day_numbers"] = counted == "days"
    frame.attrs["offset_clock"] = counted == "seconds"  # no hour, weekday or season is real
    frame.attrs["date_only"] = date_only
    frame.attrs["decimal_comma"] = delimiter == ";"  # for numbers the loader reads later
    return frame


def _order_summaries(empty: np.ndarray, basket: pd.Series, checks: Checks, name: str, item_name: str,
                     basket_name: str, report: IngestReport) -> np.ndarray:
    """Lines without an item in a basket whose other lines have one are the order's own
    line (eBay's orders report writes a multi-item order's buyer and total on a line above
    its items) or a session's page views (Coveo's browsing log): skipped with a note, not a
    bad row each. Returns the blanks left: lines whose basket has no item at all stay bad
    rows."""
    summary = empty & (basket != "").to_numpy() & basket.isin(set(basket[~empty])).to_numpy()
    if not summary.any():
        return empty
    checks.skip(summary)
    lines = checks.frame["_line"].to_numpy()[summary]
    report.notes.append(f"{name}: {int(summary.sum()):,} lines without {item_name!r} in an order ({basket_name!r}) "
                        f"whose other lines name items (e.g. line {int(lines[0])}): lines of no product (an order's "
                        "own line above its items, as eBay's orders report writes; a page view in a browsing log; "
                        "a till's placeholder item, such as 'NONE'); not read")
    return empty & ~summary
