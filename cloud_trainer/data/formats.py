"""Exports that are not CSV text: JSON lines, Parquet and spreadsheets, turned into CSV text.

Amazon's and Yelp's reviews and Goodreads' interactions ship as JSON lines (one object
per line, often gzipped); data warehouses export Parquet; UCI publishes Online Retail
(I and II) as Excel workbooks, and a store's back office saves what it has in Excel.
All are tables, so :func:`as_csv` writes them as CSV text that :func:`.table.read_table`
then validates like any other export -- one validator, one set of column names and
notes. Errors keep pointing at the source: ``line_map[i]`` is the JSON line (the Parquet
row number, from 1; the workbook row) of the i-th data row, and a JSON line that does
not parse is a bad row of its own, the others going on.

This module tells the layout by its bytes and hands it to its converter: JSON to
:mod:`.jsonfiles`, workbooks to :mod:`.sheets`, Netflix-style blocks and SNAP's records to :mod:`.blocks`;
what they all give is :mod:`.records`' :class:`~.records.Converted`.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import json
import re
import struct
from typing import Any

from .blocks import (
    BLOCKS_MEMORY,
    baskets_table,
    block_layout,
    item_blocks,
    record_blocks,
    record_layout,
)
from .charsets import LETTERS, legacy_codec
from .jsonfiles import (
    concatenated_records,
    exploded,
    json_array,
    json_baskets,
    json_layout,
    json_lines,
    one_document,
    wrapped_records,
)
from .records import Converted, FormatError
from .sheets import workbook

__all__ = ["Converted", "FormatError", "as_csv", "conversion_memory", "workbook_kind"]

PARQUET_MAGIC = b"PAR1"
ARROW_MAGIC = b"ARROW1\x00\x00"
ORC_MAGIC = b"ORC"
AVRO_MAGIC = b"Obj\x01"
_HTML = re.compile(rb"(?:\xef\xbb\xbf)?\s*<(?:!doctype html|html|table|meta)[\s>]", re.IGNORECASE)
_XML = re.compile(rb"(?:\xef\xbb\xbf)?\s*<(?:\?xml|[A-Za-z][\w:.-]*[\s>])")
NUMPY_MAGIC = b"\x93NUMPY"
_PICKLE = re.compile(rb"\x80(?:[\x04\x05]\x95|[\x02\x03][\x5d\x63\x7d\x28\x4e\x4b\x4a\x58\x55\x71])")
"""A pickle of protocol 4 or 5 opens with PROTO then FRAME (pandas' to_pickle); of protocol 2
or 3 (Python 2's cPickle, Python 3.0-3.7's default) with PROTO then its first object's
opcode (a list, a class, a dict, a mark ...): KHGT's and KGSF's research files had been read
as CSV text, their bytes quoted as a header (real20-ai)."""
OLE2_MAGIC = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"
"""An old Excel ``.xls`` (and other Office files)."""


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


def as_csv(raw: bytes, table: str = "interactions") -> Converted | None:
    """``raw`` as CSV text when it is JSON lines, a JSON array, Parquet, Feather, ORC or a
    spreadsheet (Excel ``.xlsx`` / ``.xls`` / ``.xlsb``, OpenDocument ``.ods``); None for
    anything else (it is then read as CSV). Avro and XML are an error saying so.
    ``table``: what the file is read as (:func:`.jsonfiles.wrapped_records`)."""
    if raw.startswith(OLE2_MAGIC):
        return workbook(raw, "xls")
    if raw.startswith(ZIP_MAGIC):
        import zipfile

        try:
            kind = workbook_kind(zipfile.ZipFile(io.BytesIO(raw)).namelist())
        except zipfile.BadZipFile:
            kind = None
        if kind is not None:
            return workbook(raw, kind)
    if raw.startswith(PARQUET_MAGIC):
        return _columnar(raw, "Parquet")
    if raw.startswith(ARROW_MAGIC):
        return _columnar(raw, "Feather / Arrow")
    if raw.startswith(ORC_MAGIC) and any(b < 9 for b in raw[3:16]):  # (a CSV's 'ORCHARD_ID,...' is text)
        return _columnar(raw, "ORC")
    if raw.startswith(NUMPY_MAGIC) or _PICKLE.match(raw[:3]):
        # (KGCN's ratings_final.npy had been read as text: 'header has \x93NUMPY\x01...')
        what = "a NumPy array (.npy)" if raw.startswith(NUMPY_MAGIC) else "a Python pickle"
        raise FormatError(f"{what}, which the trainer does not read: save it as CSV (numpy.savetxt(path, array, "
                          "fmt='%d', delimiter=','), or DataFrame.to_csv) with a header naming the columns")
    if raw.startswith(b"MATLAB ") and b"MAT-file" in raw[:128]:
        # (a course's ex8_movies.mat had been refused as a CSV whose header was 'MATLAB 5.0
        # MAT-file...'; real54-an)
        raise FormatError("a MATLAB data file (.mat), which the trainer does not read: save its matrix as CSV "
                          "(writematrix in MATLAB, or scipy.io.loadmat then numpy.savetxt), one line per shopper and "
                          "item, with a header naming the columns")
    if raw.startswith((b"RDX2\n", b"RDX3\n", b"RDA2\n", b"RDA3\n", b"X\n\x00\x00\x00\x02", b"X\n\x00\x00\x00\x03")):
        # (a garden's spending.rda, unpacked, had been refused as a CSV whose header was its
        # bytes, with advice on duplicated header names; real85-ap)
        raise FormatError("R data (.rda, .RData or .rds), which the trainer does not read: export the data frame "
                          "as CSV (write.csv(df, 'interactions.csv', row.names = FALSE) in R)")
    if raw[4:19] in (b"Standard Jet DB", b"Standard ACE DB"):
        # (a shop's Access database, 'Sales.accdb', had been refused quoting its page's bytes
        # as the header; real208-av)
        raise FormatError("a Microsoft Access database (.mdb / .accdb), which the trainer does not read: export the "
                          "table of sales as CSV (Access: External Data > Export > Text File; or mdbtools: "
                          "mdb-tables FILE, then mdb-export FILE TABLE > sales.csv)")
    if (dbase := _dbase(raw)) is not None:
        return dbase
    if raw.startswith(b"PGDMP"):
        # (a music store's 'Music_Store_database.sql' in pg_dump's custom format had been
        # refused as a CSV whose header was 'PGDMP'; real101-ap)
        raise FormatError("a PostgreSQL dump in pg_dump's custom format, which the trainer does not read: restore it "
                          "(pg_restore -d DB FILE) and export the table of interactions as CSV (psql's \\copy ... to "
                          "'interactions.csv' csv header)")
    if raw[8:12] == b"DUCK" and b"\x00" in raw[12:24]:  # (its header's version number, binary; review 70)
        # (a dbt project's warehouse, 'jaffle_shop.duckdb', had been read as a CSV whose header
        # was its binary page; real183-au)
        raise FormatError("a DuckDB database, which the trainer does not read: export the table of interactions "
                          "as CSV or Parquet (duckdb FILE \"COPY <table> TO 'interactions.csv' (HEADER)\")")
    if raw.startswith(b"%PDF-"):
        raise FormatError("a PDF document, which the trainer does not read: export the report's table as CSV or a "
                          "spreadsheet from the system that made it")
    if raw.startswith(b"SQLite format 3\x00"):
        # (a theme park's themepark.db had been refused as a CSV whose header was the page
        # header's bytes, 'SQLite format 3, , @ 9'; real66-ao)
        raise FormatError("an SQLite database, which the trainer does not read: export the table of interactions "
                          "as CSV (sqlite3 -header -csv FILE 'SELECT * FROM <table>' > interactions.csv)")
    if raw.startswith(AVRO_MAGIC):
        raise FormatError("an Avro file (BigQuery's or Kafka's export format), which the trainer does not read: "
                          "export the table as CSV, JSON lines or Parquet (bq extract --destination_format CSV)")
    if _HTML.match(raw[:256]):
        raise FormatError("an HTML page (a report saved as .xls by an older back office is often one), which the "
                          "trainer does not read: open it in a spreadsheet and save it as CSV, or export CSV")
    if _XML.match(raw[:256]) and not re.search(rb"[,;\t|]", raw[:256].split(b"\n", 1)[0].split(b">", 1)[-1]):
        raise FormatError("XML (a shop system's order export?), which the trainer does not read: export the "
                          "orders' lines as CSV, or turn the XML into one (one line per order line)")
    if block_layout(raw):
        return item_blocks(raw)
    if record_layout(raw):
        return record_blocks(raw)
    if _ARFF.match(raw[:4096]):
        return _arff(raw)
    # (SQL Server Management Studio saves a script with a UTF-8 byte order mark first, and
    # writes '[dbo].[Orders]': read as a CSV whose header was 'USE [opaxSample]'; real120-ar)
    script = raw[:65536].removeprefix(b"\xef\xbb\xbf")
    if SQL_DUMP.search(script) or SQL_SCRIPT.match(script):
        raise FormatError("an SQL dump or script (statements, not a table of rows): export the table as CSV (mysql --batch, "
                          "psql's \\copy ... to 'file.csv' csv header, or SELECT ... INTO OUTFILE)")
    json_kind = json_layout(raw)
    if json_kind == "lines":
        return wrapped_records(raw, table) or concatenated_records(raw) or one_document(raw) or json_lines(raw)
    if json_kind == "array":
        return json_array(raw)
    if json_kind == "baskets":
        return json_baskets(raw)
    if raw[:64].lstrip(b"\xef\xbb\xbf \t\r\n").startswith(b"[") and (values := _json_values(raw)) is not None:
        # (a scraper's list of product links had been read as a CSV whose header was '['; real106-aq)
        raise FormatError(f"a JSON array of {len(values):,} plain values ({str(values[0])[:60]!r}, ...), not records: "
                          "no shopper and no item per line to read; give a table of what shoppers did (user_id, "
                          "item_id, timestamp)")
    return None


_DBASE_VERSIONS = frozenset({0x03, 0x30, 0x31, 0x32, 0x83, 0x8B, 0xF5, 0x43, 0x63, 0xCB, 0xFB})
"""dBase III to 7's and FoxPro's version bytes (with or without a memo file)."""


def _dbase(raw: bytes) -> Converted | None:
    """A dBase or FoxPro table (.dbf) as CSV, or None where ``raw`` is none: a shop still
    on FoxPro keeps its order lines so, and one had been refused quoting its header's
    bytes (real208-av). The header says the records' count and width and each field's
    name, type and width; text fields are read as Windows-1252 (the codepage byte names
    others rarely), numbers and dates as written, memo and binary fields left blank;
    deleted records ('*') are left out."""
    if len(raw) < 65 or raw[0] not in _DBASE_VERSIONS or not (1 <= raw[2] <= 12 and 1 <= raw[3] <= 31):
        return None
    count, header, width = struct.unpack("<IHH", raw[4:12])
    if header < 65 or width < 2 or header > len(raw):
        return None
    said = count
    # (a header's count above the records the file holds: a table copied while written, or
    # cut; its records are read, with a word; review 75)
    count = min(count, (len(raw) - header) // width)
    fields: list[tuple[str, str, int, int]] = []
    at = 32
    while at + 32 <= header and raw[at] != 0x0D:
        name = raw[at:at + 11].split(b"\x00", 1)[0].decode("latin-1").strip()
        kind, size = chr(raw[at + 11]), raw[at + 16]
        if not name or not (kind.isalpha() or kind == "0"):  # ('0': Visual FoxPro's hidden _NullFlags)
            return None
        fields.append((name, kind, size, raw[at + 18]))
        at += 32
    if not fields or at >= header or raw[at] != 0x0D or 1 + sum(f[2] for f in fields) != width:
        return None
    codec = _DBASE_CODEPAGES.get(raw[29], "cp1252")
    if raw[29] == 0:
        # (no code page named: its text fields' bytes say which, as a CSV's do; three
        # customers in cp866 had merged into one as cp1252's 'ˆў ­®ў'; review 75)
        texts, pos = [], 1
        for _, kind, size, _ in fields:
            if kind in "CV":
                texts += [raw[header + n * width + pos: header + n * width + pos + size] for n in range(min(count, 2000))]
            pos += size
        codec = _dbase_text_codec(b" ".join(texts))
    # Visual FoxPro's _NullFlags bits, in the fields' order: a varchar's (V, Q) 'shorter than
    # its width' bit, then a nullable field's 'null' bit (its flags byte, 0x02). A NULL
    # price had been read as 0 and a varchar customer blank (review 75).
    bits: list[tuple[int | None, int | None]] = []
    next_bit = 0
    for _, kind, _, flags in fields:
        short = null = None
        if kind in "VQ":
            short, next_bit = next_bit, next_bit + 1
        if kind != "0" and flags & 0x02:
            null, next_bit = next_bit, next_bit + 1
        bits.append((short, null))
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow([f[0] for f in fields if f[1] != "0"])
    line_map: list[int] = []
    deleted = 0
    for n in range(count):
        record = raw[header + n * width: header + (n + 1) * width]
        if len(record) < width:
            break
        if record[:1] == b"*":
            deleted += 1
            continue
        cells, pos, marks = [], 1, 0
        for (_, kind, size, _), _ in zip(fields, bits, strict=True):
            if kind == "0":
                marks = int.from_bytes(record[pos:pos + size], "little")
            pos += size
        pos = 1
        for (_, kind, size, _), (short, null) in zip(fields, bits, strict=True):
            value = record[pos:pos + size]
            pos += size
            if kind == "0":
                continue
            if null is not None and marks >> null & 1:
                cells.append("")
                continue
            if short is not None and marks >> short & 1 and value and value[-1] < size:
                value = value[:value[-1]]
            cells.append(_dbase_cell(kind, value, codec))
        writer.writerow(cells)
        line_map.append(n + 2)
    return Converted(out.getvalue(), line_map, f"a dBase / FoxPro table (.dbf: {count:,} records, {len(fields)} fields"
                     + (f", {deleted:,} deleted ones left out" if deleted else "")
                     + (f"; its header says {said:,} records, the file holds {count:,}" if said > count else "") + ")")


_DBASE_CODEPAGES = {0x01: "cp437", 0x02: "cp850", 0x03: "cp1252", 0x04: "mac_roman", 0x08: "cp865", 0x09: "cp437",
                    0x0A: "cp850", 0x0B: "cp437", 0x0D: "cp437", 0x0E: "cp850", 0x0F: "cp437", 0x10: "cp850",
                    0x11: "cp437", 0x12: "cp850", 0x13: "cp932", 0x14: "cp850", 0x15: "cp437", 0x16: "cp850",
                    0x17: "cp865", 0x18: "cp437", 0x19: "cp437", 0x1A: "cp850", 0x1B: "cp437", 0x1C: "cp863",
                    0x1D: "cp850", 0x1F: "cp852", 0x22: "cp852", 0x23: "cp852", 0x24: "cp860", 0x25: "cp850",
                    0x26: "cp866", 0x37: "cp850", 0x40: "cp852", 0x4D: "gbk", 0x4E: "cp949", 0x4F: "cp950",
                    0x50: "cp874", 0x57: "cp1252", 0x58: "cp1252", 0x59: "cp1252", 0x64: "cp852", 0x65: "cp866",
                    0x66: "cp865", 0x67: "cp861", 0x6A: "cp737", 0x6B: "cp857", 0x78: "cp950", 0x79: "cp949",
                    0x7A: "gbk", 0x7B: "cp932", 0x7C: "cp874", 0x7D: "cp1255", 0x7E: "cp1256", 0x86: "cp737",
                    0x87: "cp852", 0x88: "cp857", 0xC8: "cp1250", 0xC9: "cp1251", 0xCA: "cp1254", 0xCB: "cp1253",
                    0xCC: "cp1257"}
"""dBase's code-page byte (the 29th of its header, its 'language driver') and the text's
codec: DOS and 1C tables write cp866, and Cyrillic names read as cp1252 merged three
customers (review 74); a Chinese FoxPro table's 0x7A is GBK (review 75)."""


def _dbase_text_codec(sample: bytes) -> str:
    """The code page of a dBase table's text that names none: of the one a CSV would be
    guessed in (:func:`.charsets.legacy_codec`, else Windows-1252), DOS Cyrillic cp866 and
    Windows-1251, the one that reads its high bytes most like text. DOS tables write cp866,
    which no CSV is guessed as, and read as cp1252 'Иванов' is 'ˆў ­®ў' (review 75)."""
    cyrillic = LETTERS["cp1251"]

    def score(codec: str) -> float:
        text = sample.decode(codec, errors="replace")
        high = [c for c in text if not c.isascii()]
        if not high:
            return 0.0
        if codec in ("cp866", "cp1251"):
            found = [c for c in (h.lower() for h in high) if c in cyrillic]
            return len(found) / len(high) * sum(c in cyrillic[:12] for c in found) / max(len(found), 1)
        # Latin: letters, each word's mostly plain ones ('Café', 'Müller'; Cyrillic read as
        # Windows-1252 is words of accents only, 'Èâàíîâ')
        words = [w for w in re.findall(r"[^\W\d_]+", text) if not w.isascii()]
        plain = sum(sum(c.isascii() for c in w) / len(w) for w in words) / max(len(words), 1)
        return sum(c.isalpha() and c < "\u0250" for c in high) / len(high) * min(1.0, 2 * plain)
    # (and DOS's own Latin page: a German DOS table's 'M\x81ller' is cp437's 'Müller'; review 77)
    candidates = [legacy_codec(sample) or "cp1252", "cp866", "cp1251", "cp437"]
    return max(candidates, key=score)  # (the first of equals: the CSV's guess)


def _dbase_cell(kind: str, value: bytes, codec: str) -> str:
    """One dBase field's value as text: characters in the table's code page, numbers and
    YYYYMMDD dates as written; Visual FoxPro's binary integers (I), currency (Y, in ten
    thousandths), doubles (B, O) and datetimes (T: a Julian day and milliseconds) decoded
    (review 74: its quantities and prices had been blank); memos and others blank."""
    if kind in "CNFDLV":  # (V: Visual FoxPro's varchar, its length already cut; review 75)
        return value.decode(codec, errors="replace").strip(" \x00")
    if kind == "I" and len(value) == 4:
        return str(struct.unpack("<i", value)[0])
    if kind == "Y" and len(value) == 8:
        return f"{struct.unpack('<q', value)[0] / 10000:.4f}".rstrip("0").rstrip(".")
    if kind in "BO" and len(value) == 8:
        return repr(struct.unpack("<d", value)[0])
    if kind == "T" and len(value) == 8:
        day, ms = struct.unpack("<ii", value)
        if day <= 0:
            return ""
        stamp = dt.datetime(1, 1, 1) + dt.timedelta(days=day - 1721426, milliseconds=ms)
        return stamp.strftime("%Y-%m-%d %H:%M:%S")
    return ""


def _json_values(raw: bytes) -> list[Any] | None:
    """The values of a JSON array of strings and numbers only (a list of links or ids), or None."""
    try:
        value = json.loads(raw.decode("utf-8", errors="replace").lstrip("\ufeff"))
    except json.JSONDecodeError:
        return None
    if not isinstance(value, list) or not value or not all(
            isinstance(v, str | int | float) and not isinstance(v, bool) for v in value):
        return None
    return value


_ARFF = re.compile(rb"(?:\xef\xbb\xbf)?(?:\s*%[^\n]*\n)*\s*@relation\b", re.IGNORECASE)
"""Weka's ARFF: ``%`` comments, then ``@RELATION name``."""
_ARFF_ATTRIBUTE = re.compile(r"@attribute\s+('(?:[^'\\]|\\.)*'|\"(?:[^\"\\]|\\.)*\"|[^\s{]+)\s*,?\s*(.*)",
                             re.IGNORECASE)
"""An ``@ATTRIBUTE`` line: the name (quoted, or up to a space or a ``{``: Weka's own
``supermarket.arff`` writes ``@attribute I1{t}``) and its type."""
_ONE_VALUE = re.compile(r"\{\s*('[^']*'|\"[^\"]*\"|[^,{}\s]+)\s*\}")
"""A nominal type of one value (``{t}``, ``{'1'}``): an item a basket has or has not."""


def _arff(raw: bytes) -> Converted:
    """Weka's ARFF (LibRec ships its ratings so): ``@ATTRIBUTE`` lines name the columns,
    the rows after ``@DATA`` are CSV. Read as text, its ``@RELATION`` line had been the
    header and the hint offered it as the shopper and the item. A sparse ARFF (``{0 x,
    3 y}`` rows) is refused: its rows name their columns by number."""
    lines = raw.decode("utf-8", errors="replace").splitlines()
    names: list[str] = []
    kinds: list[str] = []
    start = None
    for number, line in enumerate(lines, start=1):
        text = line.strip()
        if match := _ARFF_ATTRIBUTE.match(text):
            names.append(match.group(1).strip("'\""))
            kinds.append(match.group(2).strip())
        elif text.lower().startswith("@data"):
            start = number
            break
    if start is None or not names:
        raise FormatError("a Weka ARFF file without @ATTRIBUTE lines or an @DATA section: nothing to read")
    present = [_ONE_VALUE.fullmatch(kind) for kind in kinds]
    if len(names) >= 5 and sum(m is not None for m in present) >= 0.9 * len(names):
        return _arff_baskets(lines[start:], start, names, [m.group(1).strip("'\"") if m else None for m in present])
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(names)
    line_map: list[int] = []
    for number, line in enumerate(lines[start:], start=start + 1):
        text = line.strip()
        if not text or text.startswith("%"):
            continue
        if text.startswith("{"):
            raise FormatError(f"a sparse Weka ARFF file (line {number}: {text[:40]!r}), which the trainer does not "
                              "read: save it as a dense ARFF or as CSV with a header")
        writer.writerow(_arff_fields(text))
        line_map.append(number)
    return Converted(out.getvalue(), line_map, f"a Weka ARFF file ({len(names)} attributes, {len(line_map):,} rows "
                                               "after @DATA)")


def _arff_baskets(lines: list[str], start: int, names: list[str], present: list[str | None]) -> Converted:
    """An ARFF file of one-hot baskets (Weka's ``supermarket.arff``: an attribute per
    product of one value, ``{t}`` or ``{'1'}``, each row a basket with that value where it
    holds the product and ``?`` where not; or sparse rows, ``{3 t, 7 t}``) as a table of a
    basket a row: refused before as a wide table, its attributes named in no header
    (real176-au). Attributes of other types (a ``total {low, high}`` label) are no items."""
    rows: list[tuple[int, str, list[str]]] = []
    for number, line in enumerate(lines, start=start + 1):
        text = line.strip()
        if not text or text.startswith("%"):
            continue
        if text.startswith("{"):
            pairs = [p.strip().split(None, 1) for p in text.strip("{}").split(",") if p.strip()]
            values = {int(p[0]): (p[1].strip("'\"") if len(p) > 1 else "") for p in pairs if p[0].isdigit()}
        else:
            values = dict(enumerate(_arff_fields(text)))
        rows.append((number, "", [names[i] for i, v in values.items()
                                  if i < len(names) and present[i] is not None and v == present[i]]))
    table, line_map, baskets, items = baskets_table(rows)
    return Converted(table, line_map, f"a Weka ARFF file of one-hot baskets ({len(names)} attributes, each an item "
                                      f"a row holds or not): {baskets:,} baskets of {items:,} items, each read with "
                                      "its line number as its id")


_ARFF_FIELD = re.compile(r"""\s*(?:'((?:[^'\\]|\\.)*)'|"((?:[^"\\]|\\.)*)"|([^,]*?))\s*(?:,|$)""")
"""One field of an ARFF data row: Weka quotes a value with a space or a comma in it
(``'War and Peace'``, ``'2015-01-19 10:00:00'``), with backslash escapes."""


def _arff_fields(text: str) -> list[str]:
    """An ARFF data row's values, unquoted and unescaped; ``?`` (ARFF's missing value) is
    blank. Read as CSV, a quoted comma had split the row and the quotes stayed on the id
    (session ag's review)."""
    fields: list[str] = []
    at = 0
    while at <= len(text):
        match = _ARFF_FIELD.match(text, at)
        if match is None or match.end() == at:
            break
        single, double, bare = match.groups()
        quoted = single if single is not None else double
        value = re.sub(r"\\(.)", r"\1", quoted) if quoted is not None else (bare or "")
        fields.append("" if quoted is None and value == "?" else value)
        at = match.end()
        if at >= len(text):
            if text.rstrip().endswith(","):
                fields.append("")  # (a last value left empty: 'u15,'Item 28',')
            break
    return fields


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
    if record_layout(raw):
        # (the text, its records as dicts, the CSV text: as a JSON array's records are)
        return JSON_ARRAY_MEMORY * len(raw), "its records become a table's text before a sample can leave rows out"
    return None


def _columnar(raw: bytes, kind: str) -> Converted:
    """A warehouse's columnar file (Parquet; Feather / Arrow IPC, as pandas' ``to_feather``
    writes; ORC, Hive's) read by pyarrow, its rows as a JSON array's records are."""
    import pyarrow.feather as feather
    import pyarrow.orc as orc
    import pyarrow.parquet as pq

    read = {"Parquet": pq.read_table, "Feather / Arrow": feather.read_table, "ORC": orc.read_table}[kind]
    try:
        table = read(io.BytesIO(raw))
    except Exception as exc:  # pyarrow raises several types for a damaged file
        raise FormatError(f"looks like {kind} but does not read ({exc})") from None
    records = table.to_pylist()
    # (the table let go before the records are read: a refusal's traceback had kept it to
    # the interpreter's exit, where pyarrow's threads were gone: 'terminate called'; real151-as)
    del table
    return exploded(records, kind, "rows", "the row number")


SQL_DUMP = re.compile(rb"^(?:-- (?:MySQL|MariaDB|PostgreSQL database) dump|INSERT INTO [`\"\w.\[]+)", re.MULTILINE)
"""The start of ``mysqldump`` / ``pg_dump`` output, or an INSERT statement at a line's start."""
SQL_SCRIPT = re.compile(rb"\s*(?:(?:--[^\n]*+|#[^\n]*+|/\*.*?\*/)\s*)*(?i:use\s+[`\[\]\w.]+\s*;?[ \t]*\r?\n|insert\s+into\s"
                        rb"|insert\s+\[|create\s+(?:table|database|schema)\s|drop\s+(?:table|database)\s|delete\s+from\s"
                        rb"|set\s+\w+\s*=|set\s+names\s|set\s+define\s+off|set\s+identity_insert\s|set\s+\w+\s+(?:on|off)\s*;?[ \t]*\r?\n|rem\s+inserting\s|begin(?:\s+transaction)?\s*;[ \t]*\r?\n"
                        rb"|start\s+transaction|print\s+N?'"
                        # (EF Core's idempotent script: 'IF OBJECT_ID(N'[__EFMigrationsHistory]')
                        # IS NULL', then BEGIN and CREATE TABLE; real210-av)
                        rb"|if\s+(?:not\s+)?(?:object_id|exists)\s*\("
                        # (an analytics repo's query file: comments, then WITH ... AS (, DECLARE,
                        # CREATE VIEW; a PL/pgSQL 'DO $$' block; real213-av, review 74)
                        # (not a bare SELECT: a grid's 'Select' column, a form's 'Select your store'
                        # question, with 'from' in its answers, read alike; review 74)
                        rb"|with\s+(?:recursive\s+)?\w+\s*"
                        rb"(?:\([^)]*\)\s*)?as\s*\(|;with\s|do\s+\$\$|declare\s+@"
                        rb"|create\s+(?:or\s+replace\s+)?(?:temp(?:orary)?\s+)?(?:view|table)\s)",
                        re.DOTALL)
"""An SQL script's first statement, in any case, after its comments (a course's ``use
a_plants;`` then ``Insert into a_plants.order_details``; real85-ap; Oracle SQL Developer's
``REM INSERTING``, ``SET DEFINE OFF;``; SQL Server's ``USE [ShopDB]`` then ``GO``), a
``USE`` or a ``BEGIN;`` alone on its line. At the file's start only: a quoted description's
line 'Insert into any USB-C port' is no statement, nor a header's 'Use Case;...' or
'Begin;End;...' (session ap's reviews)."""
