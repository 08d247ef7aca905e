"""One column's values checked and typed, by the column's kind: numbers (amounts as exports
write them, an ERP's sign), times (with a separate time of day), choices (an enum and its
other names); and :class:`Checks`, the bad rows they find, queued with their reasons.
:func:`.table.read_table`'s last stage calls one of these per schema column."""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import Any

import numpy as np
import pandas as pd

from .amounts import (
    decimal_points,
    european_numbers,
    free_prices,
    grouped_thousands,
    money_amounts,
    thousands_marks,
    whole_amounts,
)
from .columns import (
    _synonyms,
    counts_not_times,
    read_day_numbers,
    read_offset_seconds,
    read_step_numbers,
    read_time_since_first,
)
from .ingest import IngestReport
from .names import header_key
from .schema import HOUR_KEYS, NO_ACTION, Column, DataError
from .timestamps import (
    DAY_ZERO,
    clock_text,
    day_first_header,
    instants_as_local,
    month_days,
    parse_marking_unix,
    swapped_resave,
)


class Checks:
    """The bad rows of one file's frame as its columns are checked: each queued with its
    reason (reported in line order at the end) and masked out of the frame."""

    def __init__(self, frame: pd.DataFrame, pending: list[tuple[int, int, str, str]],
                 undone: np.ndarray | None = None) -> None:
        self.frame = frame
        self.pending = pending
        self.bad = np.zeros(len(frame), dtype=bool)
        self.undone = undone
        """Rows a status column says were undone (refunded, cancelled): their units of 0
        or below are no bad rows (:func:`.lines.undone_by_status`)."""

    def skip(self, mask: np.ndarray) -> None:
        """Rows in ``mask`` are no data (a note says why): left out, no error each."""
        self.bad |= mask

    def flag(self, mask: np.ndarray, column: str, reason: Any) -> None:
        """Rows in ``mask`` are bad; ``reason(value)`` words why (the value as the frame
        holds it now, so the error quotes what the file wrote)."""
        if not mask.any():
            return
        idx = np.flatnonzero(mask)
        values = self.frame[column].to_numpy()[idx]
        lines = self.frame["_line"].to_numpy()[idx]
        at = list(self.frame.columns).index(column)
        self.pending.extend((int(line), at, column, reason(value)) for line, value in zip(lines, values, strict=True))
        self.bad |= mask


_UNIT_WORDS = {word: str(n) for n, word in enumerate(
    ("one", "two", "three", "four", "five", "six", "seven", "eight", "nine", "ten", "eleven", "twelve"), 1)}
"""A count of units written as an English word."""


def numbers(text_values: pd.Series, empty: np.ndarray, col: str, column: Column, checks: Checks, *,
            raw_name: str, delimiter: str, thousands_dots: bool, name: str, report: IngestReport,
            keep_lines: bool = False) -> pd.Series | None:
    """A number column's values (NaN where blank), amounts as exports write them read
    (:mod:`.amounts`); None for an optional column whose values are mostly no number.
    ``keep_lines``: a value that is no number is no value, said in a note, not a bad row
    (an items file's price: a catalogue's '*35.99' had lost the book, its title and
    category with it; real132-ar)."""
    values = pd.to_numeric(text_values.where(~empty), errors="coerce").astype(float)
    invalid = (~empty) & ~np.isfinite(values.to_numpy())
    # Written amounts ('$1.09', "4'050.66", '1.234,56') only where some value is no
    # plain number (or a semicolon file's points group thousands): a clean 2M-line
    # price column skips their three passes over its distinct values (~0.6 s).
    # (not in a comma file: a US export's quoted '1,000' is a thousand)
    if (invalid.any() and col == "quantity" and delimiter != ","
            and (units := _three_decimal_units(text_values, empty)) is not None):
        values, invalid = units, np.zeros(len(values), dtype=bool)
        report.notes.append(f"{name}: {col}: quantities written with three decimals after a comma (SAP's "
                            f"'1,000' is one unit): read so")
    elif invalid.any() or (delimiter == ";" and thousands_dots):
        # Quotes written into the value ('"21.5"': a dirty retail export quotes some prices
        # twice over) are no part of the number (session ae's review: 14 sales had been bad rows).
        text_values = text_values.str.strip().str.strip("\"'")
        text_values = thousands_marks(whole_amounts(text_values))
        text_values, money = money_amounts(text_values)
        if col == "price" and (free := free_prices(text_values))[1]:
            text_values = free[0]
            report.notes.append(f"{name}: {col}: {free[1]:,} prices written as a word for nothing ('free', "
                                "'gratis', 'N/C') read as 0")
        if col == "quantity" and (worded := (lowered := text_values.str.lower()).isin(_UNIT_WORDS)).any():
            # Vrinda's 'Qty' writes 29 of its 31,047 lines 'One', 'Two' ...: bad rows, though
            # they say how many as well as a digit (real15-ah)
            text_values = text_values.where(~worded, lowered.map(_UNIT_WORDS))
            report.notes.append(f"{name}: {col}: {int(worded.sum()):,} quantities written as a word ('one', 'two' "
                                "...) read as their number")
        if money:
            report.notes.append(f"{name}: {col}: {money}")
        if col == "quantity" and delimiter == ",":
            # A comma file's quoted '4,000' units among plain whole ones are four thousand (a
            # Korean procurement log saved from Notion: its 151 largest orders had been bad
            # rows; real109-aq). Not where most are written with a comma: SAP's '5,000' is
            # five, a deli's '0,750' three quarters of a kilo.
            # (whole thousands only: a Brazilian butcher's '12,500' kg is twelve and a half)
            grouped = text_values.str.fullmatch(r"[1-9]\d{0,2}(?:,000)+").fillna(False).to_numpy(dtype=bool)
            plain = text_values.str.fullmatch(r"\d+").fillna(False).to_numpy(dtype=bool)
            if grouped.any() and plain.sum() * 2 > (~empty).sum() and not text_values.str.match(r"0,").any():
                text_values = text_values.where(~grouped, text_values.str.replace(",", "", regex=False))
        if col == "price" and delimiter != ";":
            text_values = grouped_thousands(text_values, header_key(raw_name))
        if delimiter == ";":
            text_values, commas = decimal_points(text_values, thousands_dots)
        else:
            text_values, commas = european_numbers(text_values)
        if commas:
            report.notes.append(f"{name}: {col}: numbers with {commas}")
        values = pd.to_numeric(text_values.where(~empty), errors="coerce").astype(float)
        invalid = (~empty) & ~np.isfinite(values.to_numpy())
    if not column.required and invalid.sum() * 2 > (~empty).sum() > 0:
        # An optional column the reader cannot read (a money format not known): the
        # lines are usable without it, so it is left out, not every line with it.
        return _not_read(text_values, invalid, empty, "are no number", col, raw_name=raw_name, name=name, report=report)
    if keep_lines and invalid.any() and not column.required:
        report.notes.append(f"{name}: column {raw_name!r} ({col}): {int(invalid.sum()):,} values are no number (e.g. "
                            f"{text_values[invalid].iloc[0]!r}): read as none, their lines kept")
        invalid = np.zeros(len(values), dtype=bool)
    checks.flag(invalid, col, lambda v: f"not a number: {v!r}")
    if col == "quantity" and column.min_value == 0.0:
        values = _outflows(values, checks, raw_name=raw_name, name=name, report=report)
    if column.min_value is not None:
        arr = values.to_numpy()
        with np.errstate(invalid="ignore"):
            low = arr <= column.min_value if column.min_exclusive else arr < column.min_value
        low &= np.isfinite(arr)
        op = ">" if column.min_exclusive else ">="
        if col == "price" and low.sum() * 2 > (~empty).sum() > 0:
            # A price column mostly out of range (every price below 0: a refund report's
            # sign, or another column's values): the lines are sales without it. Read,
            # every line was a bad row and the load stopped. (Not a quantity: a line of
            # 0 or fewer units is no sale, whatever the other lines say.)
            return _not_read(text_values, low, empty, f"are not {op} {column.min_value:g}", col, raw_name=raw_name,
                             name=name, report=report)
        if col == "quantity" and checks.undone is not None and (gone := low & checks.undone).any():
            checks.skip(gone)
            report.notes.append(f"{name}: {int(gone.sum()):,} lines of {raw_name!r} 0 or below are cancellations or "
                                "returns by their status (or a cancellation's invoice number, 'C...'): left out (counted as "
                                "skipped, not as errors)")
            low &= ~gone
        checks.flag(low, col, lambda v, op=op, m=column.min_value: f"must be {op} {m:g} (got {v})")
    return values


_THREE_DECIMALS = re.compile(r"-?\d{1,3}(?:\.\d{3})*,\d{3}-?")
"""``1,000``, ``12,500``, ``1.000,000``: a quantity as SAP's list displays write it, in
units with three decimals and a decimal comma (a trailing minus for a return)."""


def _three_decimal_units(text_values: pd.Series, empty: np.ndarray) -> pd.Series | None:
    """A quantity column every value of which is written as :data:`_THREE_DECIMALS` is
    read as such (``1,000`` one unit, ``0,500`` half a kilo); None otherwise. Every value,
    since a US file's ``1,000`` is a thousand: but such a file writes its 1-999 plainly,
    and no sales file sells thousands on every line. (The column had been left unread,
    every line counted one unit.)"""
    distinct = pd.Series(pd.unique(text_values[~empty].to_numpy()), dtype=object).astype(str).str.strip()
    if distinct.empty or not distinct.str.fullmatch(_THREE_DECIMALS).all():
        return None
    signed = text_values.str.strip().str.replace(r"^(.*)-$", r"-\1", regex=True)
    return pd.to_numeric(signed.str.replace(".", "", regex=False).str.replace(",", ".", regex=False).where(~empty),
                         errors="coerce").astype(float)


def _not_read(text_values: pd.Series, bad: np.ndarray, empty: np.ndarray, what: str, col: str, *, raw_name: str,
              name: str, report: IngestReport) -> None:
    """An optional number column left unread, most of its values ``bad``: the note, with
    how many and an example."""
    report.notes.append(f"{name}: column {raw_name!r} ({col}): {int(bad.sum()):,} of {int((~empty).sum()):,} values "
                        f"{what} (e.g. {text_values[bad].iloc[0]!r}): the column is not read")


OUTFLOW_SHARE = 0.75
"""Quantities below 0, as a share of a column's numbers, above which the file writes a sale
as stock going out (:func:`_outflows`): a till's returns are a small minority of its lines
(Walmart's -1 lines), an ERP ledger's receipts and returns too (Business Central's item
ledger in the probe: 219 sales of 274 entries, 80 %; Dynamics 365's sales lines 92 %). A
month of a till heavy with returns (62 % below 0 in a review's file) is not turned round."""


def _outflows(values: pd.Series, checks: Checks, *, raw_name: str, name: str, report: IngestReport) -> pd.Series:
    """Quantities an ERP writes as stock movements: a sale takes stock out, so Dynamics 365
    Commerce's sales lines and Business Central's item ledger write it below 0, and a
    return (or a receipt from a supplier) above. Where over :data:`OUTFLOW_SHARE` of the
    quantities are below 0 they are read turned round, and the lines above 0 -- returns
    and receipts in that convention -- are no sales: left out with a note. As written,
    every sale was a bad row and the returns were trained as purchases."""
    arr = values.to_numpy()
    finite = np.isfinite(arr)
    negative = finite & (arr < 0)
    if not finite.any() or negative.sum() <= OUTFLOW_SHARE * finite.sum():
        return values
    against = finite & (arr > 0)
    checks.skip(against)
    values = values.where(~against)  # (no 'must be > 0' error for them as well)
    report.notes.append(
        f"{name}: column {raw_name!r} (quantity): {int(negative.sum()):,} of {int(finite.sum()):,} quantities are "
        "below 0, as an ERP writes a sale (stock going out): read turned round, and the "
        f"{int(against.sum()):,} lines above 0 (returns or receipts in that convention) left out as no sales")
    return -values


_CLOCK = re.compile(r"\d{1,2}(?::\d\d(?::\d\d(?:\.\d+)?)?|\.\d\d(?:\.\d\d)?)?\s*(?:[AaPp]\.?[Mm]\.?)?")
"""A time of day as a time-of-day column writes it (``08:15``, ``17:40:05``, ``8:52 AM``,
``10.04.00``, an hour ``12``)."""
_DATE_IN_CLOCK = re.compile(r"\d{4}[-/.]\d{1,2}[-/.]\d{1,2}|\d{1,2}[-/.]\d{1,2}[-/.]\d{4}")
"""A whole date inside a time-of-day column (a four-digit year: '10.04.00' is a dotted clock)."""


def times(text_values: pd.Series, empty: np.ndarray, col: str, column: Column, checks: Checks, *,
          raw_name: str, time_of_day: str | None, name: str, report: IngestReport,
          decimal_commas: Callable[[], str | None] | None = None) -> tuple[pd.Series, str | None, bool]:
    """A timestamp column's times (:mod:`.timestamps`), day numbers and a separate time
    of day read; with what it counted instead of dating ('days', 'seconds' from a start,
    or None) and whether every time is a midnight.

    ``decimal_commas``: asked only where numeric dates cannot tell the day, an example of
    the file's numbers written with a decimal comma, else None: its dates are day first."""
    # Numbers that count days rather than date them, each reading with what its note says.
    readings = (
        ("days", lambda: read_day_numbers(text_values, empty, raw_name),
         lambda a, b: f"holds day numbers ({a}-{b}), not dates: day N read as {DAY_ZERO} + N days, so the order and "
                      "gaps are right but weekday and season context are not the real ones"),
        ("days", lambda: month_days(text_values, empty),
         lambda a, b: f"holds a month and day without a year (MMDD, {a} .. {b}): read as days of one made-up year, "
                      f"{DAY_ZERO[:4]}, so the order and gaps within the year are right but the weekday is not the "
                      "real one (a file that crosses New Year would be out of order)"),
        ("days", lambda: read_step_numbers(text_values, empty),
         lambda a, b: f"holds small whole numbers ({a} to {b}), which no clock writes (offsets or steps): read as day "
                      f"numbers, day N as {DAY_ZERO} + N days, so the order is right but the gaps, weekday and season "
                      "may not be"),
        ("seconds", lambda: read_time_since_first(text_values, empty, checks.frame.get("user_id")),
         lambda a, b: f"counts each shopper's time since their first line (0 on the first line of {a}; up to {b}), "
                      f"from a made-up start, {DAY_ZERO}, where every shopper starts: each shopper's order is right, "
                      "but hour, weekday and season context are not the real ones"),
        ("seconds", lambda: read_offset_seconds(text_values, empty),
         lambda a, b: f"holds numbers counted from a start ({a} to {b}), not dates (a research file's seconds since "
                      f"its log began): read as seconds from a made-up start, {DAY_ZERO}, so the order is right (and "
                      "the gaps, if they are seconds), but hour, weekday and season context are not the real ones"),
    )
    users = checks.frame.get("user_id")
    if time_of_day is None and (counts := counts_not_times(text_values, empty, users)) is not None:
        raise DataError(f"{name}: {col}: column {raw_name!r} holds {counts}: not times, and the split is by time; if "
                        f"the file has none, name the column for what it counts (e.g. 'plays') and the order of "
                        "each shopper's lines is read as their order")
    given = text_values[~empty]
    if time_of_day is None and len(given) >= 10 and given.iloc[:1000].str.fullmatch(_CLOCK_ONLY).all() \
            and given.str.fullmatch(_CLOCK_ONLY).all():
        # (a play log whose 'listen_date' Excel wrote as '28:18.9', minutes and seconds: every
        # line had been a bad row, 'not a timestamp', and nothing said why; real46-an)
        raise DataError(f"{name}: {col}: column {raw_name!r} holds times of day without dates on every line "
                        f"({given.iloc[0]!r}: a spreadsheet shows a date and time so when told to show minutes and "
                        "seconds only, and saves it so): no day to split by. If another column gives the dates, name "
                        "that one 'date' and this one 'time' (read as its time of day); else export it with its "
                        "dates, or leave the column out and each shopper's lines are read in the file's order")
    counted = None
    for unit, read, said in readings:
        if (read_as := read()) is not None:
            counted = unit
            text_values, first_day, last_day = read_as
            report.notes.append(f"{name}: {col}: column {raw_name!r} {said(first_day, last_day)}")
            break
    if time_of_day is not None:
        # A date column and a time-of-day column (Ta-Feng-like and till exports):
        # one timestamp, so a day's baskets keep their order and hour context.
        clock = clock_text(_day_zero_clock(checks.frame[time_of_day].astype(str).str.strip()),
                           hours=header_key(time_of_day) in HOUR_KEYS)
        text_values = _midnight_dates(text_values, empty)
        # A date that already has its time (a colon) is left as it is; a "time" that is a
        # whole timestamp (JD.com's order_time '2018-03-01 02:39:00.0' beside order_date)
        # is taken as it is, not glued after the date a second time.
        whole = clock.str.contains(_DATE_IN_CLOCK).to_numpy(dtype=bool)
        # (Only a time of day, or a whole date: an hour range '13:00 - 14:00' left the date
        # alone unreadable; glued, every line was a bad timestamp.)
        has_clock = ((clock != "") & ~empty & ~text_values.str.contains(":", regex=False)
                     & (clock.str.fullmatch(_CLOCK) | whole)).to_numpy()
        text_values = text_values.where(~has_clock | whole, text_values + " " + clock).where(~(has_clock & whole), clock)
        checks.frame[col] = text_values  # what a bad row's error quotes
        if has_clock.any():
            report.notes.append(f"{name}: {col}: read with the time of day from column "
                                f"{time_of_day!r} ({int(has_clock.sum())} rows)")
        else:  # (it had said '(0 rows)', and nothing of why)
            given = clock[(clock != "").to_numpy()]
            report.notes.append(f"{name}: {col}: column {time_of_day!r} holds no time of day the reader knows"
                                + (f" (e.g. {given.iloc[0]!r})" if len(given) else " (it is blank)")
                                + ": the dates are read without it")
    if column.timestamp_format is None:
        text_values, note = swapped_resave(text_values.where(~empty))
        text_values = text_values.fillna("")
        if note:
            report.notes.append(f"{name}: {col}: {note}")
    def day_first() -> str | None:
        if day_first_header(header_key(raw_name)):
            return f"the column's name, {raw_name!r}, is 'date' in a language whose countries write the day first"
        if decimal_commas is not None and (example := decimal_commas()) is not None:
            return f"the file writes its numbers with a decimal comma (e.g. {example!r}), as day-first countries do"
        return None
    parsed, note, unix = parse_marking_unix(text_values.where(~empty), column.timestamp_format, day_first)
    if note:
        report.notes.append(f"{name}: {col}: {note}")
    if column.timestamp_format is None:  # (an adapter's source says its own zone)
        parsed, note = instants_as_local(parsed, text_values.where(~empty), unix, column.timezone)
        if note:
            report.notes.append(f"{name}: {col}: {note}")
    invalid = (~empty) & parsed.isna().to_numpy()
    stamps = parsed.dropna()
    # Dates alone (Kaggle's Groceries, Amazon's unixReviewTime at midnight): the
    # hour is then not real context (RawDataset.real_context).
    date_only = bool(len(stamps)) and bool((stamps == stamps.dt.normalize()).all())
    checks.flag(invalid, col, lambda v: f"not a timestamp: {v!r}")
    return parsed, counted, date_only


_CLOCK_ONLY = r"\d{1,2}:\d{2}(?::\d{2})?(?:[.,]\d+)?(?:\s*[AaPp]\.?[Mm]\.?)?"
"""A time of day, or minutes and seconds, with no date (``28:18.9``, ``14:30``, ``2:05 PM``)."""


_DAY_ZERO_CLOCK = re.compile(r"^(?:1899-12-3[01]|1900-01-0[01]|0?1/0?0/(?:19)?00|0?0/0?1/(?:19)?00|12/3[01]/1899"
                             r"|3[01]/12/1899|0?0\.0?1\.1900|3[01]\.12\.1899)[ T](?=\d)")
"""The date part of a time of day stored as a date-time (Access's and Excel's day zero,
``1899-12-30 14:22:10``, as pandas and ODBC read a time column; Excel's own display of it,
``1/0/1900 10:00``, in a barber's export: real81-ap, every line had been a bad row; German
Excel's ``00.01.1900 08:00``, a two-digit year's ``1/0/00 8:00``: session ap's review)."""


def _day_zero_clock(clock: pd.Series) -> pd.Series:
    """Times of day as they are written: ``1899-12-30 14:22:10`` without its day zero, and a
    column of day fractions (Excel's time as a number, ``0.342361``) as ``HH:MM:SS``. Read
    as whole dates, or as no time, every line's hour had been midnight."""
    clock = clock.str.replace(_DAY_ZERO_CLOCK, "", regex=True)
    given = clock[clock != ""]
    if len(given) and given.str.fullmatch(r"0?\.\d+").all():
        seconds = (pd.to_numeric(clock, errors="coerce") * 86400).round()
        clock = seconds.map(lambda s: "" if s != s else f"{int(s) // 3600 % 24:02d}:{int(s) // 60 % 60:02d}:"
                            f"{int(s) % 60:02d}")
    return clock


def _midnight_dates(text_values: pd.Series, empty: np.ndarray) -> pd.Series:
    """A date column beside a time-of-day column whose every value is a date at midnight
    (``2024-03-04 00:00:00``, as a database writes a date): the dates alone, so the time
    of day is joined to them (a date with a clock keeps its own, and every line had)."""
    bare = text_values.str.replace(r"[ T]00:00(?::00(?:\.0+)?)?$", "", regex=True)
    changed = (bare != text_values).to_numpy()
    return bare if changed[~empty].all() and changed.any() else text_values


CHECKOUT_KEYS = frozenset({"checkout", "begincheckout", "checkoutstarted", "startedcheckout", "initiatecheckout"})
"""A checkout's names, keyed as :data:`.schema.EVENT_SYNONYMS` is: a purchase where a log
names nothing after it (Retail Rocket-like logs end there), a step before it where the same
column also names the purchase."""


def _checkout_beside_purchase(lowered: pd.Series, unknown: pd.Series, mapped: pd.Series) -> pd.Series:
    """``mapped`` (the other names' choices of ``lowered[unknown]``) with a checkout read as
    the cart where the column names the purchase by another word too: a shop's funnel log
    (``visit``, ``view_product``, ``add_to_cart``, ``checkout``, ``purchase``) had 2,376
    checkouts read as purchases beside its 1,654 purchases, 2,361 of them never bought
    (real30-ak)."""
    checkout = lowered[unknown].str.replace(r"[\s_-]", "", regex=True).isin(CHECKOUT_KEYS)
    # (purchases a tenth as many as the checkouts at least: one stray 'purchase' line had
    # made 137 checkouts carts; session ak's review. --event-codes checkout=... wins.)
    bought = int((lowered[~unknown] == "purchase").sum()) + int((mapped[~checkout] == "purchase").sum())
    if not checkout.any() or bought < 0.1 * int(checkout.sum()):
        return mapped
    return mapped.where(~checkout, "cart")


def _add_beside_view_and_buy(lowered: pd.Series, unknown: pd.Series, mapped: pd.Series) -> pd.Series:
    """``mapped`` with a bare ``Add`` read as the cart where the same column names a view and
    a purchase too: a food app's View / Add / Buy funnel had 350 of its 912 lines bad rows
    (real107-aq, real117-aq). Alone, 'add' says nothing of what was added to."""
    bare = lowered[unknown].str.strip().isin({"add", "added"})
    if not bare.any():
        return mapped
    acts = set(mapped.dropna()) | set(lowered[~unknown])
    if not {"view", "purchase"} <= acts:
        return mapped
    return mapped.where(~bare, "cart")


def choices(text_values: pd.Series, empty: np.ndarray, col: str, column: Column, checks: Checks, *,
            name: str, report: IngestReport) -> pd.Series:
    """An enum column's values in lower case, other names of a choice read as it."""
    lowered = text_values.str.lower()
    if column.synonyms:
        unknown = ~lowered.isin(column.choices) & ~empty
        if unknown.any():
            mapped = _synonyms(lowered[unknown], column.synonyms)
            if col == "event_type" and not {re.sub(r"[\s_-]", "", c) for c in column.given_codes} & CHECKOUT_KEYS:
                mapped = _checkout_beside_purchase(lowered, unknown, mapped)
            if col == "event_type" and "add" not in column.given_codes:
                mapped = _add_beside_view_and_buy(lowered, unknown, mapped)
            if mapped.notna().any():
                said = (text_values[unknown][mapped.notna()] + " as " + mapped.dropna()).value_counts()
                report.notes.append(
                    f"{name}: {col}: read as the usual names: "
                    + ", ".join(f"{k} ({n} row{'s' if n != 1 else ''})" for k, n in said.items()))
                lowered = lowered.copy()
                lowered.loc[mapped.dropna().index] = mapped.dropna()
    if col == "event_type":
        none = (lowered == NO_ACTION).to_numpy()
        if none.any():
            checks.skip(none)
            report.notes.append(f"{name}: {int(none.sum()):,} lines name no shopper action (an impression in a "
                                "product list, a removal from the cart, a refund): left out")
            empty = empty | none
    invalid = (~empty) & ~lowered.isin(column.choices).to_numpy()
    allowed = ", ".join(column.choices)
    # Only the generic schema's column (synonyms: what --event-codes extends); an
    # adapter's (REES46) names its own events.
    if col == "event_type" and column.synonyms and invalid.any():
        if text_values[invalid].str.fullmatch(r"-?\d+").all():
            # Coded actions (Tmall's action_type 0-3): no code means one event everywhere.
            allowed += "; numeric codes need --event-codes, e.g. 0=view,1=cart,2=purchase,3=favorite"
        else:  # OTTO's 'clicks' on products; a 'click' elsewhere may be an ad's
            allowed += "; --event-codes VALUE=EVENT says what another value means (VALUE=none: no action, left out)"
    checks.flag(invalid, col, lambda v, allowed=allowed: f"must be one of {allowed} (got {v!r})")
    return lowered
