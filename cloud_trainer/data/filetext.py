"""A file's bytes to the text of its table, before any column is named: packed files
(gzip, bzip2, xz, a zip of one file), UTF-16 and legacy code pages (:mod:`.charsets`),
a report's title or Excel's ``sep=`` line above the header, the field separator, and
the one CSV parser every later stage reads rows with. Memory is checked before a file
is read whole (:func:`room_to_read`): a clear error, not the kernel's OOM kill.
"""

from __future__ import annotations

import codecs
import csv
import io
import re
import threading
from collections.abc import Iterable, Iterator
from pathlib import Path
from typing import Any

from . import charsets, formats
from .ingest import IngestReport
from .names import header_key
from .sampling import available_memory
from .schema import GENERIC_INTERACTIONS, ROW, DataError


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
    bad = sample.count("\ufffd")
    return bad >= len(sample) - len(sample.encode("ascii", errors="ignore")) - bad


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


UNIT_SEPARATOR = "\x1f"


DELIMITERS = {",": "comma", "\t": "tab", ";": "semicolon", "|": "pipe", UNIT_SEPARATOR: "'::'", " ": "space",
              "\x01": "Ctrl-A (Hive's text tables)"}


COMPRESSIONS = (
    (b"\x1f\x8b", "gzip"),
    (b"BZh", "bzip2"),
    (b"\xfd7zXZ\x00", "xz"),
    (b"PK\x03\x04", "zip"),
    (b"\x28\xb5\x2f\xfd", "zstd"),  # Snowflake's and Databricks' unloads (COMPRESSION = ZSTD)
)
"""Leading bytes of the compressed files exports arrive as (``.csv.gz`` downloads, a zip
from a BI tool), recognised by content rather than by name: a renamed file reads too."""


def zip_members(archive: Any) -> list[str]:
    """The files of a zip archive that are its content: macOS's Finder adds resource forks
    (``__MACOSX/._data.csv``) and Windows Explorer ``Thumbs.db`` to a zip it makes."""
    return [m for m in archive.namelist() if not m.endswith("/") and not m.startswith("__MACOSX/")
            and m.rsplit("/", 1)[-1] not in ("Thumbs.db", ".DS_Store", "desktop.ini")]


def decompressed(raw: bytes, name: str, report: IngestReport) -> bytes:
    """``raw`` itself, or its content if it is a compressed file (a note says which).

    A zip holds one file here (folders aside): one of several files of one table is read
    with the others (:func:`_zip_parts`), several tables are an error listing them. A
    damaged archive is an error naming the file and the reason, not a page of decoding
    noise."""
    kind = next((k for magic, k in COMPRESSIONS if raw.startswith(magic)), None)
    if kind is None:
        return raw
    import bz2
    import gzip
    import lzma
    import zipfile

    try:
        if kind == "zip":
            with zipfile.ZipFile(io.BytesIO(raw)) as archive:
                members = zip_members(archive)
                if formats.workbook_kind(members):  # an .xlsx / .ods is a zip of XML parts
                    return raw  # a table: formats.as_csv reads it
                if len(members) != 1:
                    raise DataError(f"{name}: a zip archive with {len(members)} files "
                                    f"({', '.join(members[:5]) or 'none'}); unzip it and give one CSV "
                                    "(an adapter's --data-dir reads each CSV of the folder: REES46's months)")
                # Before unpacking: the unpacked bytes and then their text.
                room_to_read(name, 2 * archive.getinfo(members[0]).file_size, "the unpacked bytes and their text")
                data = archive.read(members[0])
                what = f"zip-compressed ({members[0]})"
        else:
            if kind == "gzip" and len(raw) >= 18:
                # A gzip's last 4 bytes are its unpacked size modulo 2**32: a lower bound,
                # enough to stop a 9 GB month from being unpacked into 8 GB. (bzip2 and xz
                # say nothing: they are checked once unpacked, below.)
                room_to_read(name, 2 * int.from_bytes(raw[-4:], "little"), "the unpacked bytes and their text")
            data = {"gzip": gzip.decompress, "bzip2": bz2.decompress, "xz": lzma.decompress, "zstd": _unzstd}[kind](raw)
            what = f"{kind}-compressed"
    except (OSError, EOFError, lzma.LZMAError, zipfile.BadZipFile, ValueError) as exc:
        raise DataError(f"{name}: looks {kind}-compressed but does not decompress ({exc})") from exc
    report.notes.append(f"{name}: {what}; read decompressed ({len(data):,} bytes)")
    room_to_read(name, len(data), "the unpacked bytes' text")
    return data


def _unzstd(raw: bytes) -> bytes:
    """A Zstandard frame's content, by pyarrow's codec (the standard library has none
    before Python 3.14)."""
    import pyarrow as pa

    try:
        return pa.input_stream(pa.py_buffer(raw), compression="zstd").read()
    except (OSError, pa.ArrowException) as exc:
        raise ValueError(str(exc)) from None


def room_to_read(name: str, needed: int, what: str) -> None:
    """A clear error instead of the kernel's OOM kill: a file is read whole, its bytes
    and then its text (:func:`.table.read_table`), before a sample can leave rows out. A 6 GB
    REES46 month needs 12 GB for that; twice the free memory is never there."""
    free = available_memory()
    if free is not None and needed > free:
        raise DataError(f"{name}: reading it takes about {needed / 1e9:.1f} GB ({what}) and this machine has "
                        f"{free / 1e9:.1f} GB free: give a part of it (whole shoppers, e.g. the lines whose "
                        "shopper id ends in 0-4), or read it on a machine with more memory")


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
    first = head[0].rstrip(" \r,;\t|") if head else ""
    if not first.strip() or any(sep in first for sep in seps):
        return 0, ""
    for i, line in enumerate(head[1:11], start=1):
        if max(_filled_fields(line, sep) for sep in seps) >= 2:
            return i, first.strip()
        if line.strip(" \r,;\t|") and i > 2 and not line.startswith("#"):
            # text lines after the title: a one-column file, not a title ('#' lines are
            # comments: GA4's download opens with eight of them, then the table)
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


def file_text(path: Path, name: str, report: IngestReport, hasher: Any | None = None
              ) -> tuple[str, list[int] | None]:
    """The text of the table in ``path`` (``name`` in messages) whatever its packing,
    format and encoding, and its ``line_map``: for a file converted to CSV text (JSON
    lines, Parquet, a workbook: :mod:`.formats`) the source's line or row of each data
    row, so errors keep pointing at the source; None for a CSV. Lines a conversion could
    not read are bad rows in ``report`` already. ``hasher`` takes the unpacked bytes."""
    if path.is_dir():  # (Spark, Redshift and Snowflake unload a table as a folder of part files)
        return _parts_text(path, name, report, hasher)
    if not path.is_file():
        raise DataError(f"{name}: no such file")
    room_to_read(name, 2 * path.stat().st_size, "the file's bytes and their text")
    try:
        raw = path.read_bytes()
    except OSError as exc:  # no read permission, an unreadable disk
        raise DataError(f"{name}: cannot be read ({exc.strerror or exc})") from None
    return _raw_text(raw, path.name, name, report, hasher)


def _raw_text(raw: bytes, file_name: str, name: str, report: IngestReport, hasher: Any | None
              ) -> tuple[str, list[int] | None]:
    """:func:`file_text` of a file's bytes (``file_name`` is what the fingerprint hashes)."""
    if raw.startswith(formats.ZIP_MAGIC):
        parts = _zip_parts(raw, name, report, hasher)
        if parts is not None:
            return parts
    # The fingerprint is of the content: the same export gzipped again (a new mtime in
    # its header) is the same data set.
    raw = decompressed(raw, name, report)
    if _is_tar(raw):
        return _tar_parts(raw, name, report, hasher)
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
        converted = formats.as_csv(raw)
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
    return text.lstrip("\ufeff"), line_map


def _parts_text(folder: Path, name: str, report: IngestReport, hasher: Any | None
                ) -> tuple[str, list[int] | None]:
    """A folder of one table's part files (``part-00000-...csv.gz`` as Spark, Databricks,
    Redshift's and Snowflake's unloads write them) as one table's text: the parts in
    name order, each read as a file is, the header line kept once. Spark's ``_SUCCESS``,
    checksums (``.crc``) and empty parts are no parts. The lines errors name count through
    the joined parts; a note says which lines each part holds. Parts with different
    header lines, or of different formats, are an error naming the first that differs."""
    parts = sorted(p for p in folder.rglob("*")
                   if p.is_file() and not p.name.startswith(("_", ".")) and p.stat().st_size
                   and all(_PARTITION.fullmatch(d) for d in p.relative_to(folder).parts[:-1]))
    partitions = sorted({p.relative_to(folder).parts[0].split("=", 1)[0] for p in parts if len(p.relative_to(folder).parts) > 1})
    read = [k for k in partitions if _names_a_column(k)]
    if read:
        # Spark's partitionBy('event_type'): the action lives in the folder's name only; read
        # without it, every view and cart line was a purchase.
        raise DataError(f"{name}: part files in partition folders by {', '.join(read)} (e.g. "
                        f"{parts[0].relative_to(folder).parts[0]}), which the rows do not hold: write the table "
                        "without partitionBy on that column, or with the column in the rows")
    if partitions:
        # Spark's partitionBy('event_date') writes 'event_date=2024-03-04/part-....csv': the
        # parts one level (or more) down. The value lives in the folder's name only.
        report.notes.append(f"{name}: part files in partition folders ({', '.join(partitions)}=...), read in "
                            "path order; the partition values are in the folder names, not read as a column")
    if not parts:
        raise DataError(f"{name}: a directory without a data file (part files such as part-00000, as Spark "
                        "or a warehouse unload writes them); give the export's file or its folder of parts")
    room_to_read(name, 2 * sum(p.stat().st_size for p in parts), "the part files' bytes and their text")
    readers = [(str(p.relative_to(folder)), lambda p=p: file_text(p, f"{name}/{p.relative_to(folder)}", report, hasher))
               for p in parts]
    return _joined_parts(readers, name, report, f"a folder of {len(parts)} part files")


def _names_a_column(key: str) -> bool:
    """Whether a partition folder's key names a column the generic schema reads other than
    the time (a date partition's value is also in the rows' times)."""
    keys = {header_key(a) for c in GENERIC_INTERACTIONS.columns if c.kind != "timestamp"
            for a in (c.name, c.name.replace("_", ""), *c.aliases)}
    return header_key(key) in keys


_PARTITION = re.compile(r"[^=/]+=[^/]*")
"""A Hive-style partition folder's name (``event_date=2024-03-04``)."""


class _OtherColumns(DataError):
    """A part whose header is not the first part's."""


def _zip_parts(raw: bytes, name: str, report: IngestReport, hasher: Any | None
               ) -> tuple[str, list[int] | None] | None:
    """A zip of one table's files (a year's months, as a back office or a data portal packs
    them: ``sales_2024_01.csv`` ...) read as one table, as a folder of parts is; None for
    a zip of one file or a workbook (:func:`decompressed` and :mod:`.formats` read
    those). Files with other columns are other tables (``orders.csv`` beside
    ``products.csv``): an error listing them, which had been the answer to any zip of
    several files."""
    import zipfile

    try:
        archive = zipfile.ZipFile(io.BytesIO(raw))
    except zipfile.BadZipFile:
        return None  # decompressed() says what is wrong with it
    with archive:
        members = zip_members(archive)
        if len(members) < 2 or formats.workbook_kind(members):
            return None
        room_to_read(name, 3 * sum(archive.getinfo(m).file_size for m in members),
                     "the unpacked files' bytes and their text")
        alike = len({archive.getinfo(m).CRC for m in members}) < len(members)
        if alike or _returns_named(members):
            raise DataError(f"{name}: a zip archive with {len(members)} files ({', '.join(members[:5])}), "
                            + ("two of them the same" if alike else "some named as returns or refunds")
                            + "; unpack it and give the one table of sales")
        return _archive_parts("zip", members, archive.read, name, report, hasher)


def _archive_parts(kind: str, members: list[str], read: Any, name: str, report: IngestReport,
                   hasher: Any | None) -> tuple[str, list[int] | None]:
    """An archive's files (``read(member)`` gives one's bytes) as one table, in name
    order (:func:`_joined_parts`); an error listing them when they are different tables."""
    readers = [(m, lambda m=m: _raw_text(read(m), m.rsplit("/", 1)[-1], f"{name}/{m}", report, hasher))
               for m in sorted(members)]
    try:
        return _joined_parts(readers, name, report, f"a {kind} archive of {len(members)} files of one table")
    except _OtherColumns as exc:
        raise DataError(f"{name}: a {kind} archive with {len(members)} files ({', '.join(members[:5])}) of "
                        f"different columns ({str(exc).split(': ', 1)[0]} has others); unpack it and give one "
                        "table (an adapter's --data-dir reads each CSV of the folder: REES46's months)") from None


def _returns_named(members: list[str]) -> bool:
    """Whether an archive's file names say some hold returns (an archive of orders beside
    returns in one layout: read as one table, the returns were trained as purchases)."""
    words = {w for m in members for w in re.split(r"[^a-z]+", m.rsplit("/", 1)[-1].lower()) if w}
    return bool(words & {"return", "returns", "refund", "refunds", "cancellations", "cancelled", "storno", "retoure",
                         "retouren", "creditnotes"})


def _is_tar(raw: bytes) -> bool:
    """A tar archive (``export.tar.gz`` once unpacked): POSIX and GNU tar write ``ustar``
    at byte 257 of every member's header."""
    return raw[257:263] in (b"ustar\x00", b"ustar ")  # (POSIX, GNU: a CSV's 'Custard' at 257 is no tar)


def _tar_parts(raw: bytes, name: str, report: IngestReport, hasher: Any | None) -> tuple[str, list[int] | None]:
    """A tar archive's files read as a zip's are: one file as itself, several of one table
    as one table. Read as text, its first member's header block was taken for the CSV's
    header line ('header has export/orders.csv0000644...')."""
    import tarfile

    try:
        with tarfile.open(fileobj=io.BytesIO(raw)) as archive:
            contents = {m.name: handle.read() for m in archive.getmembers()
                        if m.isfile() and not m.name.rsplit("/", 1)[-1].startswith(("._", ".DS_Store"))
                        and (handle := archive.extractfile(m)) is not None}
    except tarfile.TarError as exc:
        raise DataError(f"{name}: looks like a tar archive but does not read ({exc})") from None
    if not contents:
        raise DataError(f"{name}: a tar archive without a file")
    if len(contents) == 1:
        ((member, data),) = contents.items()
        report.notes.append(f"{name}: a tar archive ({member}); read unpacked")
        return _raw_text(data, member.rsplit("/", 1)[-1], name, report, hasher)
    return _archive_parts("tar", sorted(contents), contents.pop, name, report, hasher)


def _joined_parts(readers: list[tuple[str, Any]], name: str, report: IngestReport, what: str
                  ) -> tuple[str, list[int] | None]:
    """One table's parts (``(part name, its text and line map when called)``, in order)
    as one table's text: the header line kept once, the lines errors name counted
    through the parts, a note saying which lines each holds (``what`` opens it)."""
    texts: list[str] = []
    maps: list[int] = []
    ranges: list[str] = []
    first_line = ""
    converted: bool | None = None
    lines = offset = 0  # lines of the joined text so far; a converted part's source lines or rows so far
    for k, (part, read) in enumerate(readers):
        text, line_map = read()
        if converted is not None and converted != (line_map is not None):
            raise DataError(f"{name}/{part}: a part of another format than {readers[0][0]}; give one table")
        converted = line_map is not None
        if not text.endswith("\n"):
            text += "\n"
        head, _, rest = text.partition("\n")
        if k == 0:
            first_line = head
        elif head == first_line:
            text = rest  # the header again (or the same first row of a headerless part: too rare to weigh)
        elif converted or (_names_only(head) and _names_only(first_line)):
            # Two headers that differ (a column added, or reordered, in a later month): read
            # as one table, a part's rows would sit under the other's names.
            raise _OtherColumns(f"{name}/{part}: other columns than {readers[0][0]} ({head[:80]!r} against "
                                f"{first_line[:80]!r}); give one table")
        count = text.count("\n")
        if line_map is not None:  # errors name the source's lines (rows), counted through the parts
            maps.extend(offset + n for n in line_map)
            last = max(line_map[-1] if len(line_map) else 0, 1)
            ranges.append(f"{part} {offset + 1}-{offset + last}")
            offset += last
        else:
            ranges.append(f"{part} {lines + 1}-{lines + count}")
        lines += count
        texts.append(text)
    report.notes.append(f"{name}: {what}, read as one table in name order (its "
                        f"lines: {'; '.join(ranges[:6])}{'; ...' if len(ranges) > 6 else ''})")
    return "".join(texts), maps if converted else None


def _names_only(line: str) -> bool:
    """Whether a part's first line reads as a header: no field is a number, a date or a
    time (a headerless part's first row has some: ids, times)."""
    fields = [f.strip().strip('"') for f in re.split(r"[,;\t|]", line)]
    return all(fields) and not any(re.fullmatch(r"[\d.,:/ +\-TZ]+", f) for f in fields)

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
