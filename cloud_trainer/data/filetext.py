"""A file's bytes to the text of its table, before any column is named: packed files
and folders of parts (unpacked by :mod:`.archives`, each member read here), other
formats (:mod:`.formats`), UTF-16 and legacy code pages (:mod:`.charsets`), NUL
padding, a report's title or Excel's ``sep=`` line above the header, the field
separator, and the one CSV parser every later stage reads rows with. Memory is checked
before a file is read whole (:func:`.sampling.room_to_read`): a clear error, not the
kernel's OOM kill.
"""

from __future__ import annotations

import codecs
import csv
import io
import re
import threading
from collections import Counter
from collections.abc import Iterable, Iterator
from functools import partial
from pathlib import Path
from typing import Any

from . import archives, charsets, formats
from .ingest import IngestReport
from .names import header_key
from .sampling import room_to_read
from .schema import ROW, DataError


def text_lines(text: str, chunk: int = 1 << 22) -> Iterator[str]:
    """The lines of ``text`` as ``io.StringIO(text, newline="")`` gives them (ends kept,
    split at \\n, \\r and \\r\\n), a few MB at a time: one StringIO over the whole text
    holds it again at 4 bytes a character, 2.1 GB for a 530 MB export (MovieLens-20M's
    ratings) beside the text itself. Chunks end just after a \\n, so no \\r\\n is cut."""
    start, size = 0, len(text)
    while start < size:
        end = text.find("\n", start + chunk)
        end = size if end < 0 else end + 1
        yield from io.StringIO(text[start:end], newline="")
        start = end


def _wide_encoding(raw: bytes) -> str | None:
    """``utf-16`` / ``utf-32`` (with a byte-order mark) or ``utf-16-le`` / ``-be`` (without:
    every other byte of the first 200 is NUL, as ASCII text is in UTF-16), else None.
    Excel's "Unicode Text" and Windows PowerShell's ``Export-Csv`` / ``Out-File`` write
    UTF-16; read as UTF-8 the header came out as ``ÿþu s e r _ i d`` and the file was
    refused for missing columns."""
    if raw.startswith((b"\xff\xfe\x00\x00", b"\x00\x00\xfe\xff")):
        return "utf-32"
    if raw.startswith((b"\xff\xfe", b"\xfe\xff")):
        return "utf-16"
    head = raw[:200]
    if len(head) >= 4 and len(head) % 2 == 0:
        even, odd = head[0::2], head[1::2]
        if not odd.strip(b"\x00") and even.count(0) == 0:
            return "utf-16-le"
        if not even.strip(b"\x00") and odd.count(0) == 0:
            return "utf-16-be"
    return None


def _cp1252_fallback(exc: UnicodeError) -> tuple[str, int]:
    """A codecs error handler: the undecodable bytes as Windows-1252 (Latin-1 for the five
    bytes Windows-1252 leaves undefined), counted in :data:`_FALLBACK_BYTES` for the note
    (per thread: loads may run side by side)."""
    assert isinstance(exc, UnicodeDecodeError)
    bad = exc.object[exc.start:exc.end]
    _FALLBACK_BYTES.n = getattr(_FALLBACK_BYTES, "n", 0) + len(bad)
    return "".join(bytes([b]).decode("cp1252", errors="strict") if b not in _CP1252_HOLES else chr(b)
                   for b in bad), exc.end


_CP1252_HOLES = frozenset((0x81, 0x8D, 0x8F, 0x90, 0x9D))


_FALLBACK_BYTES = threading.local()


_UTF8_PAIR = re.compile(rb"[\xc2-\xf4][\x80-\xbf]")
"""A UTF-8 lead byte and a continuation byte: a file without one has no UTF-8 to keep."""


_HIGH_BYTES = bytes(range(0x80, 0x100))


_CP1252_FALLBACK = "cloud_trainer.cp1252_fallback"


codecs.register_error(_CP1252_FALLBACK, _cp1252_fallback)


def _mostly_not_utf8(raw: bytes) -> bool:
    """Whether fewer of the first MB's non-ASCII characters are UTF-8 than are not: a
    legacy code page's file (GBK's byte pairs look like UTF-8 now and then), not a UTF-8
    file with a stray Windows byte, whose UTF-8 is kept."""
    sample = raw[:charsets.SAMPLE].decode("utf-8", errors="replace")
    # (A legacy page's letter pairs that happen to be UTF-8 count against it where they read
    # as phonetic signs or C1 controls, which no export writes: Windows-1250's 'ĘŻ' in a
    # Polish shop's 'MĘŻCZYZNA' is UTF-8's 'ʯ', and 40,783 of 72,832 lines had been garbled
    # half as UTF-8, half as Windows-1252; real24-aj.)
    bad = sample.count("\ufffd") + len(_UNLIKELY_UTF8.findall(sample))
    return bad >= len(sample) - len(sample.encode("ascii", errors="ignore")) - bad


_UNLIKELY_UTF8 = re.compile("[\u0080-\u009f\u0250-\u02af]")
"""Characters a legacy code page's byte pairs read as in UTF-8 and no shop's text holds:
C1 controls and IPA letters (not the modifier letters after them: Uzbek writes ʻ and ʼ;
session aj's review)."""


def _first_line_with(text: str, line: int) -> str:
    """Line ``line`` (1-based) of ``text``, cut to 60 characters, for the note."""
    start = 0
    for _ in range(line - 1):
        start = text.find("\n", start) + 1
    end = text.find("\n", start)
    return text[start:end if end >= 0 else len(text)].rstrip("\r")[:60]


def first_rows(text: str, delimiter: str, quoting: int, lines: int) -> list[list[str]]:
    """The non-blank rows of ``text``'s first ``lines`` lines, parsed as the file will be
    (the sample's text only, not the whole file's lines). Raises ``csv.Error``."""
    end = 0
    for _ in range(lines):
        end = text.find("\n", end) + 1
        if end == 0:
            end = len(text)
            break
    return [r for r in csv_reader(io.StringIO(text[:end], newline=""), delimiter, quoting) if r]


def csv_reader(lines: Iterable[str], delimiter: str, quoting: int) -> Any:
    """The one way a file's text is parsed, for its sample and for every row: a space
    separator (Epinions' '39 121 4') takes any run of spaces as one."""
    return csv.reader(lines, delimiter=delimiter, quoting=quoting, skipinitialspace=delimiter == " ")


def requoted_apostrophes(text: str, delimiter: str) -> str | None:
    """``text`` with its fields re-quoted with '"', where every header field and most of the
    next lines' fields are wrapped in apostrophes (PHP's ``fputcsv`` with enclosure "'",
    some SQL clients: a ticket shop's ``'EVT0012'|'01/23/2025'|...``, whose "'user_id'" had
    not been taken for ``user_id``; round 41). None for any other file. An apostrophe
    doubled inside a field is one; one inside an unquoted field stays text."""
    if delimiter in ("'", " ", UNIT_SEPARATOR) or not text.startswith("'"):
        return None
    sample = text[:20_000].split("\n", 21)[:21]
    header, *lines = [line.rstrip("\r") for line in sample[:-1] if line.strip()] or [""]
    fields = header.split(delimiter)
    if len(fields) < 2 or not all(len(f) >= 2 and f[0] == f[-1] == "'" for f in (f.strip() for f in fields)):
        return None
    cells = [f.strip() for line in lines for f in line.split(delimiter)]
    if cells and sum(f[:1] == "'" for f in cells) < 0.5 * len(cells):
        return None
    rows = list(csv.reader(io.StringIO(text, newline=""), delimiter=delimiter, quotechar="'"))
    if sum(len(r) != len(fields) for r in rows if r) > 0.01 * len(rows):
        # (an apostrophe not doubled inside a field, 'Men's T-Shirt, Size M', ends the field
        # early: half the lines had split at the comma; refused as before; review 65)
        return None
    out = io.StringIO()
    csv.writer(out, delimiter=delimiter, lineterminator="\n").writerows(rows)
    return out.getvalue()


UNIT_SEPARATOR = "\x1f"
BCP_SEPARATORS = ("|+|", "|^|", "~|~", "|~|", "^|^")
"""Multi-character field terminators (SQL Server's bcp ``|+|``; warehouse unloads' ``|^|``
and ``~|~``), chosen so no text holds them; read as :data:`UNIT_SEPARATOR`."""


def bcp_separator(why: str) -> str:
    """The multi-character separator :func:`guess_delimiter`'s reason names, else ``'::'``."""
    return next((sep for sep in BCP_SEPARATORS if f"'{sep}'" in why), "::")


DELIMITERS = {",": "comma", "\t": "tab", ";": "semicolon", "|": "pipe", UNIT_SEPARATOR: "'::'", " ": "space",
              "\x01": "Ctrl-A (Hive's text tables)"}


def _filled_fields(line: str, sep: str) -> int:
    """Fields of ``line`` that are not blank, split at ``sep`` outside quotes (a report's
    quoted period '"January - March, 2024"' is one field, not a header of two)."""
    if sep == "::":
        return sum(bool(part.strip()) for part in line.split(sep))
    try:
        return sum(bool(field.strip()) for field in next(csv.reader([line], delimiter=sep), []))
    except csv.Error:
        return sum(bool(part.strip()) for part in line.split(sep))


def count_title_lines(text: str) -> tuple[int, str]:
    """``(lines, first)`` above the header when a file opens with a report's title (BI
    tools write 'Sales report March 2024', then maybe a blank line, then the table): the
    first line has no separator (comma, tab, semicolon, pipe, "::") but those Excel pads a
    sheet's row with (``Sales report March 2024,,,``) and one of the next 10 has two or
    more fields that are not blank. ``(0, "")`` otherwise, and always for a one-column file."""
    head = text[:20_000].split("\n", 12)[:12]
    seps = (",", "\t", ";", "|", "::")
    first = head[0].strip(" \r,;\t|") if head else ""  # (a sheet's title padded before too: ',,,Breakfast at the Frat'; real127-ar)
    # (a separator inside quotes is the title's own: Mindbody's report title '"& Joe, Deblin
    # Edit Class Pay Rates ..."' had been the header; real250-ax)
    if first.strip() and any(sep in re.sub(r'"[^"]*"', "", first) for sep in seps):
        return _labelled_preamble(head, seps)
    if not first.strip():
        return 0, ""
    filled = [max(_filled_fields(line, sep) for sep in seps) for line in head[1:11]]
    # The header fills half the widest line's fields or more: a sheet's preface may hold
    # a 'Fuente:, French bakery daily sales' of two cells and captions of one above a
    # table of nine (a course's bakery workbook, five such rows; real131-ar).
    wide = max(2, max(filled, default=0) // 2)
    for i, (line, n) in enumerate(zip(head[1:11], filled, strict=True), start=1):
        if n >= wide and not re.match(r"#(?:\s|#|$)", line):
            # (not a comment line: a research dump's '# (randomized subset data, trans_id=0,
            # item_id=0)' under its '# CIRCULATION TRANSACTIONS' had been read as the header
            # of the headerless rows below; real221-aw. A header's own '#' column, '#,Date'
            # or '#id,user', stays one: review 76)
            return i, first.strip()
        if line.strip(" \r,;\t|") and i > 2 and not line.startswith("#") and max(filled[i:], default=0) < 2:
            # text lines after the title: a one-column file, not a title ('#' lines are
            # comments: GA4's download opens with eight of them, then the table)
            break
    return 0, ""


def _labelled_preamble(head: list[str], seps: tuple[str, ...]) -> tuple[int, str]:
    """``(lines, first)`` above the header where an export opens with a few lines of one or
    two filled fields (``Generation Date,,03/11/2026,,,``: a label and its value), then a
    line of bare separators (or three or more such pairs with none), then a line filling
    half the widest line's fields or more:
    Shopmonkey's customer export had been read as a headerless file, its first names the
    shoppers and its last names the items (real244-ax). ``(0, "")`` otherwise."""
    filled = [max(_filled_fields(line, sep) for sep in seps) for line in head]
    wide = max(3, max(filled, default=0) // 2)
    if len(head) > 2:
        # (a merged cell's title unmerged by a re-save: 'Cycle 3,Sample School,Sample School,...'
        # repeats one value across the row above a header of as many distinct names; a
        # school-lunch report's title had been its header; real255-ax)
        sep = max(seps[:4], key=lambda s: head[0].count(s))
        first, second = head[0].rstrip("\r").split(sep), head[1].rstrip("\r").split(sep)
        names = [f.strip() for f in second if f.strip()]
        if (len(first) == len(second) >= 3 and Counter(f.strip() for f in first if f.strip()).most_common(1)[0][1] >= 3
                and len(names) == len(second) and len(set(names)) == len(names)
                and not any(f.strip().replace(".", "").isdigit() for f in second)):
            return 1, head[0].strip(" \r,;\t|")
    for i in range(1, len(head) - 1):
        if any(n > 2 for n in filled[:i]):
            break
        if i <= 3 and not head[i].strip(" \r,;\t|") and filled[i + 1] >= wide:
            return i + 1, head[0].strip(" \r,;\t|")
        # (a form of 'label;value' lines right above the table, no blank line between: a
        # kids' bazaar's consignor list, 'Name;Sugar', 'PLZ;90559' ... nine lines, then
        # 'Nummer;Beschreibung;Groesse;Preis'; its form had been the rows; real247-ax)
        # (counted with one separator, the header's: a two-column tab file's product names
        # with commas, 'Milk, whole, 1 gal', are no wider header; review 83)
        sep = max(seps[:4], key=lambda s: head[i].count(s))
        counts = [_filled_fields(line, sep) for line in head[:i + 2]]
        if (i >= 3 and all(n == 2 for n in counts[:i]) and counts[i] >= wide
                and i + 1 < len(head) and counts[i + 1] >= counts[i] - 1):
            return i, head[0].strip(" \r,;\t|")
    return 0, ""


_SCAFFOLD_FIELD = re.compile(r"(?i)\s*(?:\d{1,3}|[a-z]|col[ou]?[um]n[a-z]?\d*|colunm\d*|null|none|nan)?\s*")
"""A field of a spreadsheet's scaffolding row: a column number, a column letter, the word
'column' (Power Query's, or misspelt), 'null', or nothing."""


def count_scaffold_lines(text: str, keys: set[str]) -> tuple[int, str]:
    """``(lines, first)`` above the header when a re-saved sheet opens with its scaffolding:
    column numbers (``1,2,...,8``; ``,,1,2,3,4,5,,``), Power Query's ``column,column,...``
    or its letters, each field one of :data:`_SCAFFOLD_FIELD`, before a line with two or
    more names among ``keys`` (the file type's header names, by :func:`.names.header_key`)
    in the first 10 lines. ``(0, "")`` otherwise. Read as a headerless file, a sales file
    of Maven's AdventureWorks had its order and stock dates taken for shopper and item,
    and trained (real-af)."""
    head = text[:20_000].split("\n", 11)[:11]
    for sep in (",", ";", "\t", "|"):  # (a European sheet's ';', a tab export: session af's review)
        for i, line in enumerate(head[:10]):
            fields = line.rstrip("\r").split(sep)
            if i and sum(header_key(f.strip().strip('"')) in keys for f in fields) >= 2:
                return i, head[0].rstrip("\r")
            if len(fields) < 2 or not all(_SCAFFOLD_FIELD.fullmatch(f) for f in fields):
                break
    return 0, ""


_NOT_DECIMAL_COMMA = re.compile(r"(?<!\d),|,(?!\d)")
"""A comma that is not between two digits."""


NO_COMMA = "the header has no comma"


def guess_delimiter(text: str) -> tuple[str, str]:
    """The field separator: a comma, unless the header line has none but has '::', a
    tab, semicolon or pipe (MovieLens 1M / 10M join fields with '::'; public data sets
    ship as TSV; European spreadsheets save CSV with semicolons). Decided on the header
    alone: data rows may hold commas in quoted names. A quoted header name's own
    characters do not count (``user_id;item_id;"Preis (EUR, brutto)"`` is semicolons).
    Returns the separator and, when it is not a comma, why (for the note)."""
    end = text.find("\n")
    header = text if end < 0 else text[:end]  # not split(): that copies the rest of the file
    header = re.sub(r'"(?:[^"]|"")*"', "", header)
    if bcp := next((sep for sep in BCP_SEPARATORS if sep in header), None):
        # (SQL Server's bcp unloads with FIELDTERMINATOR '|+|': split at its pipes, every other
        # field a '+', the quantity had been read as the item; real114-aq)
        return UNIT_SEPARATOR, f"'{bcp}' between fields, as bcp and warehouse unloads write them"
    if "," in header and "\t" in header:
        # A tab file whose text holds commas (MIND's news.tsv: titles, abstracts and JSON
        # entities, no header): the same number of tabs on each of the first lines while
        # the commas vary. It had been split at its commas, the items file refused (real4-af).
        lines = [line for line in text[:200_000].split("\n", 20)[:20] if line.strip()]
        if len(lines) >= 2 and len({line.count("\t") for line in lines}) == 1 and len(
                {line.count(",") for line in lines}) > 1:
            return "\t", "the same number of tabs on every line, the commas in its text"
    if "," in header:
        # ...unless every comma sits between digits beside tabs, semicolons or pipes: that
        # is a headerless file's first row with decimal commas ('1000;4711;...;4,75;1',
        # as a European till unloads it), which was split at the decimal comma and refused.
        other = next((d for d in ("\t", ";", "|") if d in header), None)
        # (as many of the other separator as commas at least: '1001,4711,20240301,12|13' is
        # a comma file with a list in its last field)
        if other is None or _NOT_DECIMAL_COMMA.search(header) or header.count(other) < header.count(","):
            return ",", ""
        return other, "its commas are decimal commas"
    if "::" in header and "\t" not in header:
        return UNIT_SEPARATOR, NO_COMMA  # read_table turns each '::' into it
    found = next((d for d in ("\t", ";", "|", "\x01") if d in header), None)
    if found is None and len(header.split()) >= 2:
        # Space-separated (Epinions' ratings_data.txt '39 121 4', many academic dumps):
        # only when the next line has as many space-separated fields.
        stop = text.find("\n", end + 1) if end >= 0 else -1
        second = text[end + 1: stop if stop >= 0 else len(text)] if end >= 0 else ""
        # ...and has a number: 'Product Name' over 'Green Tea' is a one-column file.
        if len(second.split()) == len(header.split()) and any(c.isdigit() for c in second):
            return " ", NO_COMMA
    return (found, NO_COMMA) if found else (",", "")


def file_text(path: Path, name: str, report: IngestReport, hasher: Any | None = None,
              table: str = "interactions") -> tuple[str, list[int] | None]:
    """The text of the table in ``path`` (``name`` in messages) whatever its packing,
    format and encoding, and its ``line_map``: for a file converted to CSV text (JSON
    lines, Parquet, a workbook: :mod:`.formats`) the source's line or row of each data
    row, so errors keep pointing at the source; None for a CSV. Lines a conversion could
    not read are bad rows in ``report`` already. ``hasher`` takes the unpacked bytes;
    ``table`` is what the file is read as (a JSON object of lists reads as shoppers'
    histories or as items' attributes)."""
    if path.is_dir():  # (Spark, Redshift and Snowflake unload a table as a folder of part files)
        return archives.folder_parts(path, name, report, partial(file_text, report=report, hasher=hasher,
                                                                 table=table))
    if not path.is_file():
        raise DataError(f"{name}: no such file")
    room_to_read(name, 2 * path.stat().st_size, "the file's bytes and their text")
    try:
        raw = path.read_bytes()
    except OSError as exc:  # no read permission, an unreadable disk
        raise DataError(f"{name}: cannot be read ({exc.strerror or exc})") from None
    return _raw_text(raw, path.name, name, report, hasher, table)


_LFS_POINTER = b"version https://git-lfs.github.com/spec/"


def _raw_text(raw: bytes, file_name: str, name: str, report: IngestReport, hasher: Any | None,
              table: str = "interactions") -> tuple[str, list[int] | None]:
    """:func:`file_text` of a file's bytes (``file_name`` is what the fingerprint hashes)."""
    # (an archive's members, each as a file is read)
    read = partial(_raw_text, report=report, hasher=hasher, table=table)
    if raw.startswith(_LFS_POINTER):
        # A repository's large file committed without Git LFS's data: the pointer had been
        # read as a table of three rows, 'version', 'oid' and 'size' (real16-ah).
        size = re.search(rb"^size (\d+)", raw, re.MULTILINE)
        raise DataError(f"{name}: a Git LFS pointer, not the data" + (f" (a file of {int(size.group(1)):,} bytes)"
                        if size else "") + ": fetch it with 'git lfs pull' in its repository and give that file")
    if raw.startswith(formats.ZIP_MAGIC):
        parts = archives.zip_parts(raw, name, report, read)
        if parts is not None:
            return parts
    # The fingerprint is of the content: the same export gzipped again (a new mtime in
    # its header) is the same data set.
    raw = archives.decompressed(raw, name, report)
    if archives.is_tar(raw):
        return archives.tar_parts(raw, name, report, read)
    if hasher is not None:
        hasher.update(file_name.encode() + b"\0" + raw)
    wide = _wide_encoding(raw)
    if wide is not None:
        # UTF-16 first, whatever it holds: Windows PowerShell writes its JSON so too.
        try:
            raw = raw.decode(wide).encode("utf-8")
        except UnicodeDecodeError as exc:
            line = raw[: exc.start].decode(wide, errors="replace").count("\n") + 1
            raise DataError(f"{name}:{line}: {wide.upper()} text that does not decode ({exc.reason}); "
                            "save the export as CSV UTF-8") from None
        report.notes.append(f"{name}: {wide.upper()} text (Excel's 'Unicode Text', Windows "
                            "PowerShell's export); read as such")
    conversion = formats.conversion_memory(raw)
    if conversion is not None:
        room_to_read(name, *conversion)
    try:
        converted = formats.as_csv(raw, table)
    except formats.FormatError as exc:
        raise DataError(f"{name}: {exc}") from None
    if converted is not None:
        # JSON lines / Parquet: validated as the CSV text they make; errors keep the
        # source's line (or row) numbers through line_map.
        text = converted.text
        report.notes.append(f"{name}: {converted.what}; read as a table")
        for line, reason in converted.bad_lines:
            stats = report.stats(name)
            stats.rows_read += 1
            stats.rows_skipped += 1
            report.add_error(name, line, ROW, reason)
        line_map = converted.line_map
    else:
        line_map = None
        text = _decoded(raw, name, report)
    if "\0" in text:
        # A legacy till's or COBOL dump's fixed-width fields padded with NUL bytes
        # ('C1003\0\0\0\0\0'): no export means them. Kept, the ids matched nothing (numpy
        # drops trailing NULs from strings), and the load stopped in an IndexError.
        report.notes.append(f"{name}: {text.count(chr(0)):,} NUL bytes (fixed-width fields' padding) "
                            "removed from its fields")
        text = text.replace("\0", "")
    if _EASTERN_DIGITS.search(text, 0, 1 << 20):
        # An Arabic or Persian spreadsheet's digits ('٢٠٢٤/٠٣/٠٤ ٠٨:٢٢', a price '٦٫٩٩'): every
        # time and number had been no number. Read as the digits they are (the first MB tells:
        # a file written so writes them throughout).
        report.notes.append(f"{name}: Arabic-Indic / Persian digits (e.g. "
                            f"{_EASTERN_DIGITS.search(text, 0, 1 << 20).group(0)!r}) read as 0-9, '٫' as a decimal point")
        text = text.translate(_TO_ASCII_DIGITS)
    return text.lstrip("\ufeff"), line_map


_EASTERN_DIGITS = re.compile("[\u0660-\u0669\u06f0-\u06f9]")
_TO_ASCII_DIGITS = {**{0x0660 + d: str(d) for d in range(10)}, **{0x06F0 + d: str(d) for d in range(10)},
                    0x066B: ".", 0x066C: ""}
"""Arabic-Indic and Persian (Extended Arabic-Indic) digits as ASCII ones; the Arabic decimal
separator as a point, its thousands separator dropped."""


def _decoded(raw: bytes, name: str, report: IngestReport) -> str:
    """A CSV's bytes as text: UTF-8, or what the bytes that are not say (a note tells)."""
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError as exc:
        # Spreadsheets on Windows save CP-1252 ("CSV" rather than "CSV UTF-8"), and
        # MovieLens' u.item is Latin-1: the bytes that are not UTF-8 are read as
        # Windows-1252 (its printable range is Latin-1's), the rest stays UTF-8, so a
        # file mixing both keeps every character; say where and how many.
        line = raw[: exc.start].count(b"\n") + 1
        _FALLBACK_BYTES.n = 0
        codec = charsets.legacy_codec(raw) if _mostly_not_utf8(raw) else None
        if codec is not None:
            # Another locale's Excel "CSV": Chinese GBK, Japanese Shift-JIS, Cyrillic,
            # Central European (charsets): read as that, not as Windows-1252.
            text = raw.decode(codec, errors="replace")
            report.notes.append(
                f"{name}:{line}: not UTF-8 (first bad byte 0x{raw[exc.start]:02x}); read as "
                f"{charsets.NAMES[codec]} (e.g. {_first_line_with(text, line)!r}); save the export as UTF-8")
        elif _UTF8_PAIR.search(raw) is None:
            # No UTF-8 at all (a whole Windows export): one C-speed decode; the
            # per-byte handler costs 2.7 us a byte (5 s for 2M accented letters).
            text = raw.decode("cp1252", errors=_CP1252_FALLBACK)
            _FALLBACK_BYTES.n = len(raw) - len(raw.translate(None, _HIGH_BYTES))
        else:
            text = raw.decode("utf-8", errors=_CP1252_FALLBACK)
        if codec is None:
            report.notes.append(
                f"{name}:{line}: not UTF-8 (first bad byte 0x{raw[exc.start]:02x}); "
                f"{_FALLBACK_BYTES.n} bytes read as Windows-1252 / Latin-1 "
                f"(e.g. {_first_line_with(text, line)!r}); save the export as UTF-8")
    return text
