"""Packed tables to the bytes or the one text of their table: compressed files (gzip,
bzip2, xz, zstd, a zip of one file), archives of one table's files (a zip or tar of a
year's months) and folders of part files (Spark's and the warehouses' unloads).

Each member or part is read by the caller's reader (:func:`.filetext.file_text`'s
stages, handed in as ``read``), so a member may itself be packed, converted from JSON
or Parquet, or in any code page; this module only unpacks, orders and joins.
"""

from __future__ import annotations

import io
import re
from collections.abc import Callable
from pathlib import Path
from typing import Any

from . import formats
from .ingest import IngestReport
from .names import header_key
from .sampling import room_to_read
from .schema import GENERIC_INTERACTIONS, DataError, event_of_name

Text = tuple[str, "list[int] | None"]
"""A table's text and its line map (:func:`.filetext.file_text`)."""

ReadBytes = Callable[[bytes, str, str], Text]
"""Reads a member's bytes: ``(raw, its file name, its name in messages)``."""

ReadFile = Callable[[Path, str], Text]
"""Reads a part file: ``(path, its name in messages)``."""


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
    """The files of a zip archive that are its content (:func:`_is_content`)."""
    return [m for m in archive.namelist() if not m.endswith("/") and _is_content(m)]


def _is_content(member: str) -> bool:
    """Whether an archive's member is a file of its content: macOS's Finder adds resource
    forks (``__MACOSX/._data.csv``, or ``._data.csv`` beside it in a tar) and
    ``.DS_Store``, Windows Explorer ``Thumbs.db`` and ``desktop.ini``, to an archive it
    makes, whether zip or tar."""
    base = member.rsplit("/", 1)[-1]
    return (not member.startswith("__MACOSX/") and not base.startswith("._")
            and base not in ("Thumbs.db", ".DS_Store", "desktop.ini"))


def decompressed(raw: bytes, name: str, report: IngestReport) -> bytes:
    """``raw`` itself, or its content if it is a compressed file (a note says which).

    A zip holds one file here (folders aside): one of several files of one table is read
    with the others (:func:`zip_parts`), several tables are an error listing them. A
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


def folder_parts(folder: Path, name: str, report: IngestReport, read: ReadFile) -> Text:
    """A folder of one table's part files (``part-00000-...csv.gz`` as Spark, Databricks,
    Redshift's and Snowflake's unloads write them) as one table's text: the parts in
    name order, each read as a file is, the header line kept once. Spark's ``_SUCCESS``,
    checksums (``.crc``) and empty parts are no parts. The lines errors name count through
    the joined parts; a note says which lines each part holds. Parts with different
    header lines, or of different formats, are an error naming the first that differs."""
    if (folder / "metadata").is_dir() and any((folder / "metadata").glob("*.metadata.json")):
        raise DataError(f"{name}: an Apache Iceberg table (its metadata/ folder): its files hold rows its snapshots "
                        "have deleted or replaced; export the table (SELECT * with Spark, Trino or pyiceberg) as one "
                        "CSV or Parquet file")
    if (folder / "_delta_log").is_dir():
        parts = _delta_files(folder, name, report)
    else:
        parts = sorted(p for p in folder.rglob("*")
                       if p.is_file() and not p.name.startswith(("_", ".")) and p.stat().st_size
                       and all(_PARTITION.fullmatch(d) for d in p.relative_to(folder).parts[:-1]))
    partitions = sorted({p.relative_to(folder).parts[0].split("=", 1)[0] for p in parts
                         if len(p.relative_to(folder).parts) > 1})
    columns = [k for k in partitions if _names_a_column(k)]
    if columns:
        # Spark's partitionBy('event_type'): the action lives in the folder's name only; read
        # without it, every view and cart line was a purchase.
        raise DataError(f"{name}: part files in partition folders by {', '.join(columns)} (e.g. "
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
    named = {p.name: event for p in parts if (event := event_of_name(p)[1]) is not None}
    if len(set(named.values())) > 1:
        # A research repo's behaviours a file each (MULE's Tmall buy.txt, cart.txt,
        # collect.txt): joined as parts, every cart and favourite was a purchase (real14-ah).
        raise DataError(f"{name}: files whose names say different events ("
                        + ", ".join(f"{file}: {event}" for file, event in sorted(named.items())[:6])
                        + "), which their rows do not hold: give one file with an event_type column, or one "
                        "behaviour's file alone (its name then says its event)")
    room_to_read(name, 2 * sum(p.stat().st_size for p in parts), "the part files' bytes and their text")
    readers = [(str(p.relative_to(folder)), lambda p=p: read(p, f"{name}/{p.relative_to(folder)}"))
               for p in parts]
    return _joined_parts(readers, name, report, f"a folder of {len(parts)} part files")


def _delta_files(folder: Path, name: str, report: IngestReport) -> list[Path]:
    """The data files a Delta Lake table's log keeps (its ``_delta_log``: each commit's
    ``add`` and ``remove`` actions replayed in order, from its last checkpoint where the
    early commits are gone). Read as a folder of parts, the files a DELETE or an UPDATE
    had rewritten came back: a customer's erased lines trained on again. Rows deleted
    inside a file (deletion vectors) are an error: no plain reader can leave them out."""
    import json
    from urllib.parse import unquote

    log = folder / "_delta_log"
    commits = {int(p.name[:20]): p for p in log.iterdir() if re.fullmatch(r"\d{20}\.json", p.name)}
    checkpoints = {int(p.name[:20]): p for p in log.iterdir() if re.fullmatch(r"\d{20}\.checkpoint\.parquet", p.name)}
    active: dict[str, dict[str, Any]] = {}
    start = 0
    if 0 not in commits:
        if not checkpoints:
            raise DataError(f"{name}: a Delta Lake table whose log (_delta_log) has neither its first commit nor a "
                            "checkpoint; export the table as one CSV or Parquet file")
        start = max(checkpoints)
        import pyarrow.parquet as pq

        for action in pq.read_table(checkpoints[start], columns=["add"]).column("add").to_pylist():
            if action is not None:
                active[action["path"]] = action
        start += 1
    removed = 0
    for version in sorted(v for v in commits if v >= start):
        for number, line in enumerate(commits[version].read_text(encoding="utf-8").splitlines(), 1):
            try:
                action = json.loads(line) if line.strip() else {}
            except json.JSONDecodeError:
                raise DataError(f"{name}/_delta_log/{commits[version].name}:{number}: not a JSON action; "
                                "the table's log is damaged") from None
            if "add" in action:
                active[action["add"]["path"]] = action["add"]
            elif "remove" in action:
                removed += active.pop(action["remove"]["path"], None) is not None
    if any(a.get("deletionVector") for a in active.values()):
        raise DataError(f"{name}: a Delta Lake table with deletion vectors (rows deleted inside its files); export "
                        "the table (SELECT * with Spark or delta-rs) as one CSV or Parquet file")
    report.notes.append(f"{name}: a Delta Lake table: the {len(active)} data file(s) its log keeps (version "
                        f"{max(commits or checkpoints)}); {removed} file(s) its deletes and updates replaced not read")
    return sorted(folder / unquote(path) for path in active)


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


_SPARSE_MEMBERS = frozenset({"data.npy", "indices.npy", "indptr.npy", "shape.npy", "format.npy", "row.npy", "col.npy"})
"""The arrays ``scipy.sparse.save_npz`` writes (CSR / CSC, or COO's row and col)."""


def _numpy_archive(members: list[str]) -> tuple[str, str]:
    """What a zip of ``.npy`` arrays is, and how to write it as a table: a SciPy sparse
    matrix (AutoDebias' ``S_c.npz``, whose message had named its ``data.npy`` and advised
    saving that array alone, the values without their rows and columns; real18-ai) or
    NumPy's ``.npz``."""
    if set(members) <= _SPARSE_MEMBERS and "shape.npy" in members:
        return (f"a SciPy sparse matrix (scipy.sparse.save_npz: {', '.join(members)})",
                "write its entries as a table, a row each (rows, cols, values = "
                "scipy.sparse.find(scipy.sparse.load_npz(path)); pandas.DataFrame({'user_id': rows, 'item_id': cols, "
                "'rating': values}).to_csv(out, index=False))")
    return (f"a NumPy archive (.npz: {', '.join(members[:5])})",
            "save the array of interactions as CSV (numpy.savetxt(path, array, fmt='%d', delimiter=','), or "
            "DataFrame.to_csv) with a header naming the columns")


def zip_parts(raw: bytes, name: str, report: IngestReport, read: ReadBytes) -> Text | None:
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
        if members and all(m.endswith(".npy") for m in members):
            what, how = _numpy_archive(members)
            raise DataError(f"{name}: {what}, which the trainer does not read: {how}")
        if len(members) < 2 or formats.workbook_kind(members):
            return None
        if "DataModel" in members and any(m.startswith("Report/") for m in members):
            # (a jewellery shop's dashboard.pbix had been told to unpack it; real196-av)
            raise DataError(f"{name}: a Power BI file (.pbix: its compressed data model and report layout), no "
                            "table to read; in Power BI Desktop export the sales table (a table visual's 'Export "
                            "data', or the model's table as CSV) and give that")
        room_to_read(name, 3 * sum(archive.getinfo(m).file_size for m in members),
                     "the unpacked files' bytes and their text")
        alike = len({archive.getinfo(m).CRC for m in members}) < len(members)
        if alike or _returns_named(members):
            raise DataError(f"{name}: a zip archive with {len(members)} files ({', '.join(members[:5])}), "
                            + ("two of them the same" if alike else "some named as returns or refunds")
                            + "; unpack it and give the one table of sales")
        return _archive_parts("zip", members, archive.read, name, report, read)


def _archive_parts(kind: str, members: list[str], unpack: Any, name: str, report: IngestReport,
                   read: ReadBytes) -> Text:
    """An archive's files (``read(member)`` gives one's bytes) as one table, in name
    order (:func:`_joined_parts`); an error listing them when they are different tables."""
    readers = [(m, lambda m=m: read(unpack(m), m.rsplit("/", 1)[-1], f"{name}/{m}"))
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


def is_tar(raw: bytes) -> bool:
    """A tar archive (``export.tar.gz`` once unpacked): POSIX and GNU tar write ``ustar``
    at byte 257 of every member's header."""
    return raw[257:263] in (b"ustar\x00", b"ustar ")  # (POSIX, GNU: a CSV's 'Custard' at 257 is no tar)


def tar_parts(raw: bytes, name: str, report: IngestReport, read: ReadBytes) -> Text:
    """A tar archive's files read as a zip's are: one file as itself, several of one table
    as one table. Read as text, its first member's header block was taken for the CSV's
    header line ('header has export/orders.csv0000644...')."""
    import tarfile

    try:
        with tarfile.open(fileobj=io.BytesIO(raw)) as archive:
            contents = {m.name: handle.read() for m in archive.getmembers()
                        if m.isfile() and _is_content(m.name)
                        and (handle := archive.extractfile(m)) is not None}
    except tarfile.TarError as exc:
        raise DataError(f"{name}: looks like a tar archive but does not read ({exc})") from None
    if not contents:
        raise DataError(f"{name}: a tar archive without a file")
    if len(contents) == 1:
        ((member, data),) = contents.items()
        report.notes.append(f"{name}: a tar archive ({member}); read unpacked")
        return read(data, member.rsplit("/", 1)[-1], name)
    return _archive_parts("tar", sorted(contents), contents.pop, name, report, read)


def _joined_parts(readers: list[tuple[str, Any]], name: str, report: IngestReport, what: str
                  ) -> Text:
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
