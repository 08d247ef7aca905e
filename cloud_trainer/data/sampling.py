"""Whole-shopper sampling of an export too large to train on.

A 30-million-line export (H&M's transactions, MovieLens-25M, a full REES46 month,
Instacart's prior orders joined to their shoppers) does not fit this trainer's memory:
on grocery5m (4.8 M lines, ``python -m deploy.csv_shapes --shape grocery5m``) a whole
``train`` peaked at 8.55 GB, about 1.8 KB a line, and the load, split and example
tables grow with the lines (:data:`LINE_COST`). Killed by the kernel after an hour, a run says nothing.

So the reader keeps a sample of **shoppers**, not of lines: every line of a shopper
kept, none of a shopper left out. Each shopper's history, repeat purchases and
basket sequence then stay whole, which the temporal split, the repeat features and
the baselines' own-history lists need; a random sample of lines would cut them all.

Which shoppers: those whose id hashes (CRC-32 of the id's text) below the fraction,
so the same file gives the same sample on every run and machine, and a smaller
fraction keeps a subset of a larger one's shoppers. A basket without a shopper (an
anonymous till basket) is sampled by its basket id, so its lines stay together. (A
line missing its shopper in a basket whose other lines name one takes that shopper when
the file is read whole; sampled, it is kept or left by its basket, so it may be kept
without them and read as an anonymous basket.)

How many lines: ``--max-lines N`` (0 = every line). The default is what this
machine's free memory holds at the measured cost of a line that wide (:func:`lines_that_fit`).
The fraction is decided from the file's line count before any row is built, and the
report says what was kept and why (``ingest.sample`` in ``report.json``).
"""

from __future__ import annotations

import zlib
from dataclasses import dataclass
from typing import Any

from .schema import DataError

LINE_COST = 1650
LINE_COST_PER_CHARACTER = 5
"""A whole ``train``'s peak memory a line of export, ``LINE_COST + LINE_COST_PER_CHARACTER
x`` the file's characters a line. Measured (``/usr/bin/time -v``, docs/performance-log.md
session (v)): grocery5m's 4.8 M lines of 33 characters peaked at 8.55 GB in ``train``
(1.8 KB a line, with TensorFlow and the LiteRT score caches) and 3.87 GB in ``check-data``
(load and split: 0.81 KB a line); a REES46-shaped file's 2.6 M lines of 139 characters at
3.26 GB in ``check-data`` (1.25 KB a line). So the load and split grow ~4 bytes a
character (each field is a string object, the frame's columns copies of them; 5 here, to
be on the safe side) and the rest of a train ~1 KB a line. It overestimates for small
files, where no sample is taken anyway."""

MEMORY_SHARE = 0.8
"""Of the memory free at the start: the rest is left to the machine (page cache, the
other processes a shared machine runs)."""

FLOOR_LINES = 1_000_000
"""The default never samples below this many lines: below it a sample costs more in
model quality than it saves, and ~2 GB is there on any machine this trains on."""

_HASH_SPACE = 2**32


def available_memory() -> int | None:
    """Bytes the kernel says can be used without swapping (``MemAvailable``), or None
    where ``/proc/meminfo`` does not exist."""
    try:
        with open("/proc/meminfo", encoding="ascii") as fh:
            for line in fh:
                if line.startswith("MemAvailable:"):
                    return int(line.split()[1]) * 1024
    except OSError:
        pass
    return None


def room_to_read(name: str, needed: int, what: str) -> None:
    """A clear error instead of the kernel's OOM kill: a file is read whole, its bytes
    and then its text (:func:`.table.read_table`), before a sample can leave rows out. A 6 GB
    REES46 month needs 12 GB for that; twice the free memory is never there."""
    free = available_memory()
    if free is not None and needed > free:
        raise DataError(f"{name}: reading it takes about {needed / 1e9:.1f} GB ({what}) and this machine has "
                        f"{free / 1e9:.1f} GB free: give a part of it (whole shoppers, e.g. the lines whose "
                        "shopper id ends in 0-4), or read it on a machine with more memory")


def line_cost(characters_a_line: float) -> float:
    """Peak bytes of a whole ``train`` a line of export this wide (:data:`LINE_COST`)."""
    return LINE_COST + LINE_COST_PER_CHARACTER * characters_a_line


def lines_that_fit(memory: int, characters_a_line: float) -> int:
    """The default line budget: ``MEMORY_SHARE`` of ``memory`` at :func:`line_cost`, at
    least ``FLOOR_LINES``.

    Rounded down to a whole million lines: the free memory moves by a few hundred MB
    between two runs, and an exact budget would then read another sample (another data
    set, another fingerprint) each time. ``--max-lines N`` pins it outright."""
    fit = int(max(0, memory) * MEMORY_SHARE / line_cost(characters_a_line))
    return max(FLOOR_LINES, fit // 1_000_000 * 1_000_000)


def shopper_key(user: str, basket: str | None, missing: frozenset[str] = frozenset()) -> str:
    """The text a row's shopper is sampled by: the shopper id as the reader will keep
    it, or the basket id where the row has no shopper.

    As the reader keeps it: stripped; ``12.0`` and ``12.00`` are shopper ``12`` (a
    spreadsheet writes whole ids so); a value in ``missing`` (Diginetica's ``NA``,
    :data:`~cloud_trainer.data.schema.MISSING_VALUES`) is no shopper, so the line goes
    with its basket, as an anonymous basket does."""
    key = user.strip()
    if key in missing:
        key = ""
    if not key and basket is not None:
        return "\0basket " + basket.strip()
    if "." in key:
        head, _, tail = key.partition(".")
        if tail and not tail.strip("0"):
            return head
    return key


@dataclass
class ShopperSample:
    """One read's sampling: the budget asked for and, once a file's lines are counted,
    the fraction kept. ``max_lines`` 0 or None = keep every line.

    ``lines_seen`` / ``lines_kept`` count the data rows the sample was decided on, over
    every file (rows a later check rejects are counted as the file's bad rows, not here);
    :meth:`count` adds a file's."""

    max_lines: int | None
    why: str = "--max-lines"
    memory: int | None = None
    """For the default budget: the free memory, turned into ``max_lines`` by the first
    file's width (:func:`lines_that_fit`)."""
    file_share: float = 1.0
    """The share of the data set's bytes the next file holds (REES46's months are
    several files): the first file's line count over it estimates the whole set's."""
    fraction: float = 1.0
    lines_in_file: int = 0
    lines_seen: int = 0
    lines_kept: int = 0
    _threshold: int = _HASH_SPACE
    _decided: bool = False

    def decide(self, text: str) -> float:
        """Count the lines of a file's ``text``; the first file read fixes the fraction (a
        shopper kept in one month's file is kept in the next) and it is returned. Without a
        budget (``--max-lines 0``) nothing is counted: two passes over a 6 GB text are
        seconds."""
        if not self.max_lines and self.memory is None:
            return 1.0
        # Lines by \n, or by \r in a file with only those (Excel's "CSV (Macintosh)").
        return self.decide_counts(max(text.count("\n"), text.count("\r")), len(text))

    def decide_counts(self, lines: int, characters: int) -> float:
        """:meth:`decide` for a file of ``lines`` lines and ``characters`` characters."""
        self.lines_in_file += lines
        if not self._decided:
            self._decided = True
            if self.memory is not None:
                width = characters / max(lines, 1)
                # The file's text is held while its rows are read: what is left holds them.
                self.max_lines = lines_that_fit(self.memory - characters, width)
                self.why = (f"the default: what this machine's free memory, {self.memory / 1e9:.1f} GB, "
                            f"holds at {line_cost(width) / 1e3:.1f} KB a line of {width:.0f} characters "
                            f"(never below {FLOOR_LINES:,}); --max-lines N sets another")
            estimate = lines / max(self.file_share, 1e-9)
            if self.max_lines and estimate > self.max_lines:
                self.fraction = self.max_lines / estimate
                self._threshold = int(self.fraction * _HASH_SPACE)
        return self.fraction

    def count(self, kept: int, left_out: int) -> None:
        """Add one file's rows: ``kept`` in the sample, ``left_out`` of other shoppers."""
        self.lines_seen += kept + left_out
        self.lines_kept += kept

    @property
    def active(self) -> bool:
        return self.fraction < 1.0

    def keeps(self, key: str) -> bool:
        """Whether the shopper (or anonymous basket) ``key`` is in the sample."""
        return zlib.crc32(key.encode("utf-8", "surrogatepass")) < self._threshold

    def note(self, name: str) -> str:
        """What was kept and why, for the report's notes (once, after every file of the
        data set is read: ``name`` names them all)."""
        return (f"{name}: {self.lines_in_file:,} lines, over the budget of {self.max_lines:,} ({self.why}): "
                f"read a sample of whole shoppers, {self.fraction:.1%} of them (chosen by a hash of the "
                f"shopper id, the same every run): {self.lines_kept:,} of {self.lines_seen:,} rows before "
                "the rows' checks; --max-lines 0 reads every line")

    def to_json(self) -> dict[str, Any]:
        return {
            "max_lines": self.max_lines,
            "why": self.why,
            "fraction": round(self.fraction, 6),
            "lines_in_file": self.lines_in_file,
            "rows_seen": self.lines_seen,
            "rows_kept": self.lines_kept,
            "by": "crc32 of the shopper id (of the basket id for a basket without one)",
        }


def sample_for(max_lines: int | None) -> ShopperSample:
    """The sample a ``--max-lines`` value asks for: None = what this machine's free
    memory holds (no sample where that is unknown), 0 = none."""
    if max_lines is None:
        memory = available_memory()
        return ShopperSample(0) if memory is None else ShopperSample(None, memory=memory)
    return ShopperSample(max_lines, why="--max-lines")
