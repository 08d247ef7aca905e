"""What a load gives: the validated tables (:class:`RawDataset`) and the report of
every row left out and why (:class:`IngestReport`), which ``check-data`` and the
training report print.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field
from typing import Any

import pandas as pd

from .sampling import ShopperSample
from .schema import DataError

MAX_STORED_ERRORS = 2000
"""Errors kept verbatim; beyond that only the counts grow (a broken export of
millions of rows must not exhaust memory)."""


@dataclass(frozen=True)
class RowError:
    """One rejected row: where it is and why."""

    file: str
    line: int
    column: str
    reason: str

    def __str__(self) -> str:
        return f"{self.file}:{self.line}: {self.column}: {self.reason}"


@dataclass
class FileStats:
    """Row counts for one input file (data rows, header excluded)."""

    file: str
    rows_read: int = 0
    rows_kept: int = 0
    rows_skipped: int = 0
    rows_sampled_out: int = 0
    """Rows of shoppers a sample left out (:mod:`.sampling`): not bad, not read."""


@dataclass
class IngestReport:
    """Everything the loaders rejected, per file and per reason."""

    files: dict[str, FileStats] = field(default_factory=dict)
    errors: list[RowError] = field(default_factory=list)
    error_count: int = 0
    reasons: Counter[str] = field(default_factory=Counter)
    """Error counts by ``column: reason-kind`` (the reason up to its first colon)."""
    notes: list[str] = field(default_factory=list)
    """Whole-file remarks (an optional file absent, a derived field...)."""
    sample: ShopperSample | None = None
    """The shopper sample the interactions were read with, when one was taken."""

    def stats(self, file: str) -> FileStats:
        if file not in self.files:
            self.files[file] = FileStats(file)
        return self.files[file]

    def add_error(self, file: str, line: int, column: str, reason: str) -> None:
        self.error_count += 1
        self.reasons[f"{column}: {reason_kind(reason)}"] += 1
        if len(self.errors) < MAX_STORED_ERRORS:
            self.errors.append(RowError(file, line, column, reason))

    @property
    def rows_skipped(self) -> int:
        return sum(s.rows_skipped for s in self.files.values())

    @property
    def rows_kept(self) -> int:
        return sum(s.rows_kept for s in self.files.values())

    def summary(self, max_lines: int = 10) -> str:
        """A few readable lines: per-file counts and the first errors."""
        lines = [
            f"{s.file}: {s.rows_read} rows read, {s.rows_kept} kept, {s.rows_skipped} skipped"
            + (f", {s.rows_sampled_out} of shoppers outside the sample" if s.rows_sampled_out else "")
            for s in self.files.values()
        ]
        lines += [f"note: {note}" for note in self.notes]
        lines += [f"  {err}" for err in self.errors[:max_lines]]
        if self.error_count > max_lines:
            lines.append(f"  ... {self.error_count - max_lines} more errors")
        return "\n".join(lines)

    def to_json(self, max_errors: int = 50) -> dict[str, Any]:
        return {
            "files": {k: vars(v).copy() for k, v in self.files.items()},
            "rows_kept": self.rows_kept,
            "rows_skipped": self.rows_skipped,
            "error_count": self.error_count,
            "errors_by_reason": dict(self.reasons.most_common()),
            "first_errors": [str(e) for e in self.errors[:max_errors]],
            "notes": list(self.notes),
            **({"sample": self.sample.to_json()} if self.sample is not None else {}),
        }


@dataclass
class RawDataset:
    """Validated input in the generic schema, before any cleaning or encoding.

    ``interactions``: the :data:`.schema.INTERACTION_COLUMNS`; ``timestamp`` is
    ``datetime64`` store-local wall time, ``quantity``/``price`` float (NaN =
    not given), text columns ``""`` when not given. ``items``: the
    :data:`.schema.ITEM_COLUMNS` (``attributes`` a JSON string). ``users``: ``user_id``
    plus demographic text columns.
    """

    name: str
    interactions: pd.DataFrame
    items: pd.DataFrame
    users: pd.DataFrame
    report: IngestReport
    fingerprint: str
    """sha256 over the bytes of every input file read, in a fixed order."""
    timezone: str = "UTC"
    """Zone the timestamps were converted to (hour/weekday context is in it)."""
    real_context: tuple[str, ...] = ("hour", "weekday")
    """Context fields the timestamps really tell: a file of day numbers has a made-up
    weekday, a file without times (given its file order as a clock) neither. Systems
    keyed on the others (sales heat by weekday) are not offered to the device."""
    sources: list[str] = field(default_factory=list)

    def load_line(self, seconds: float) -> str:
        """The ``[load]`` line ``train`` and ``check-data`` both print."""
        return (f"[load] {self.name}: {len(self.interactions)} interactions, {len(self.items)} items, "
                f"{len(self.users)} users with a profile ({seconds:.1f} s)")


def require_rows(frame: pd.DataFrame, file: str, report: IngestReport) -> None:
    """A file that produced no usable row at all is a whole-input failure."""
    if len(frame) == 0:
        stats = report.files.get(file)
        read = stats.rows_read if stats else 0
        errors = [e for e in report.errors if e.file == file]
        detail = f"; first error: {errors[0]}" if errors else ""
        # The first error may be a side issue (Square's line 2 lacks a SKU); say what most
        # lines failed on (there: its event type, 'Payment').
        kinds = Counter(_error_kind(e) for e in errors)
        if len(kinds) > 1:
            top, n = kinds.most_common(1)[0]
            example = next(e for e in errors if _error_kind(e) == top)
            detail = (f"; most lines fail on {top} ({n:,} of the {len(errors):,} errors kept, e.g. {example})"
                      + detail)
        raise DataError(f"{file}: no usable rows ({read} read){detail}")


def _error_kind(error: RowError) -> str:
    """``column: reason`` without the value, as :meth:`IngestReport.add_error` counts it."""
    return f"{error.column}: {reason_kind(error.reason)}"


def reason_kind(reason: str) -> str:
    """A bad row's reason without the value it quotes (``not a number: '$1'`` -> ``not a number``)."""
    return reason.split(":")[0].split(" (")[0].split(" '")[0]
