"""What every converter of a non-CSV export gives: the table as CSV text, where each of its
rows came from, and one cell's text (:mod:`.formats` dispatches to the converters)."""

from __future__ import annotations

import csv
import io
import json
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any


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


def cell(value: Any) -> str:
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


MAX_RECORD_FIELDS = 2_000
"""Fields a file's records may have between them. More are keys that are data (a shopper's
id, a basket's date, an item's id: Coop's ``{"data": {"2019_01_02_1": {"basket": {"12345":
...}}}}``, DNNTSP's ``{"train": {"83663": ...}}``), each of which had become a column:
hundreds of thousands of them, a check that ran for 10 minutes and more (real18-ai)."""


def few_fields(columns: dict[str, None] | list[str], records: int) -> None:
    """Raise :class:`FormatError` where ``records`` records have more than
    :data:`MAX_RECORD_FIELDS` fields between them, and more than ten a record (a catalogue's
    free-form attributes, Amazon 2023's ``details``, run to thousands of keys over a
    hundred thousand products: those read; session ai's review)."""
    if len(columns) <= MAX_RECORD_FIELDS or len(columns) <= 10 * records:
        return
    names = list(columns)
    raise FormatError(f"{records:,} JSON record(s) with {len(names):,} different fields between them (e.g. "
                      f"{', '.join(repr(n) for n in names[:3])} ... {names[-1]!r}): their keys are data (ids or "
                      "dates), not field names; write a record per interaction, its fields named (user, item, time), "
                      "or a CSV")


def write_records(records: list[dict[str, Any]]) -> str:
    columns: dict[str, None] = {}
    for record in records:
        columns.update(dict.fromkeys(record))
    few_fields(columns, len(records))
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(columns)
    for record in records:
        writer.writerow([cell(record.get(c)) for c in columns])
    return out.getvalue()
