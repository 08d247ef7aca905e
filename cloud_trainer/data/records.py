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


def write_records(records: list[dict[str, Any]]) -> str:
    columns: dict[str, None] = {}
    for record in records:
        columns.update(dict.fromkeys(record))
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(columns)
    for record in records:
        writer.writerow([cell(record.get(c)) for c in columns])
    return out.getvalue()
