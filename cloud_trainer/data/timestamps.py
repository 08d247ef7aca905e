"""Reading the times real exports write: ISO 8601 with or without offsets, ``UTC``
suffixes, Unix seconds or milliseconds, spreadsheet dates in either day order, dates with
month names, Tmall's month-days without a year, Thai and Taiwanese calendar years, and
till times of day as ``HHMM`` numbers. Pure functions on text :class:`pandas.Series`; :func:`.table.read_table`
decides which column is the time and reports what these return as notes and bad rows.
Any time outside 1900-2199 is no time (:func:`plausible`)."""

from __future__ import annotations

import functools
import re
import unicodedata
from collections.abc import Callable
from typing import Any

import numpy as np
import pandas as pd

DAY_ZERO = "2000-01-01"
"""Day 0 of a day-number column (any date would do: only order and gaps are known)."""


def month_days(values: pd.Series, empty: np.ndarray) -> tuple[pd.Series, str, str] | None:
    """``(ISO dates, first, last)`` when the timestamp column writes a month and day with
    no year (Tmall's ``time_stamp``: ``0511`` .. ``1111``, or ``511`` once a spreadsheet
    dropped the zero), else None. Every value must be 3-4 digits and at least 99 % of
    them a real month and day of :data:`DAY_ZERO`'s (leap) year; the others stay as they
    are and become bad rows. A column of years (``2015``) is not one."""
    if empty.all():
        return None
    present = values[~empty]
    if not present.str.fullmatch(r"\d{3,4}").all():
        return None
    number = pd.to_numeric(present)
    if number.between(1900, 2199).all():
        return None
    iso = DAY_ZERO[:4] + "-" + present.str.zfill(4).str[:2] + "-" + present.str.zfill(4).str[2:]
    real = pd.to_datetime(iso, format="%Y-%m-%d", errors="coerce").notna()
    if real.mean() < 0.99:
        return None
    # The rest must stay bad rows: '2015' would otherwise parse as a year.
    dates = values.where(empty, "not a month and day")
    dates.loc[real[real].index] = iso[real]
    ordered = number[real].sort_values()
    return dates, present[ordered.index[0]], present[ordered.index[-1]]


def clock_text(clock: pd.Series, *, hours: bool = False) -> pd.Series:
    """Times of day as ``HH:MM``: till exports write them as numbers (``1631``, ``946``
    for 09:46, ``5`` for 00:05: dunnhumby's ``TRANS_TIME``); ``16:31`` and the rest stay
    as they are. A column of one- and two-digit numbers only is hours (``12`` is 12:00)
    where ``hours`` (the column is named as the hour) or each is 23 or less: a Spanish
    transit log's ``hora`` 11 beside its ``fecha`` had been glued into '11/09/2019 11', every
    line a bad row (real59-ao)."""
    if (halves := clock.str.match(r"(?:上午|下午|午前|午後|오전|오후)\s*\d")).any():
        # (zh-TW, Japanese and Korean Excel write a clock's half of the day first: '上午 8:00:00',
        # '下午 2:15:00'; read as no time, every sale at midnight; session ar's review)
        parts = clock.str.extract(r"^(上午|下午|午前|午後|오전|오후)\s*(\d{1,2})(:\d{2}(?::\d{2})?)$")
        hour = pd.to_numeric(parts[1], errors="coerce") % 12 + parts[0].isin(["下午", "午後", "오후"]) * 12
        clock = clock.where(~(halves & parts[1].notna()),
                            hour.astype("Int64").astype(str).str.zfill(2) + parts[2].fillna(""))
    short = clock.str.fullmatch(r"\d{1,2}")
    if not hours and short.any() and not clock.str.fullmatch(r"\d{3,4}").any():
        hours = bool((pd.to_numeric(clock[short]) <= 23).all())
    if hours:
        return clock.where(~clock.str.fullmatch(r"\d{1,2}"), clock.str.zfill(2) + ":00")
    if clock.str.fullmatch(r"\d{5,6}").any():
        # HHMMSS (SAP's 'order_created_time' beside its date, '070832'; real117-aq), also
        # saved as a number without its leading zero ('93015' for 09:30:15, '4512' for
        # 00:45:12): no HHMM clock has five digits, so one such value says the column's unit.
        six = clock.str.zfill(6)
        valid = clock.str.fullmatch(r"\d{1,6}") & six.str.fullmatch(r"(?:[01]\d|2[0-3])[0-5]\d[0-5]\d")
        if bool(valid[clock != ""].all()):
            return clock.where(~valid, six.str[:2] + ":" + six.str[2:4] + ":" + six.str[4:])
    digits = clock.str.fullmatch(r"\d{1,4}")
    if not clock.str.fullmatch(r"\d{3,4}").any():
        return clock
    padded = clock.str.zfill(4)
    # (a number that is no clock, '1672' with its 72 minutes, leaves the date alone: a
    # synthetic till's 758 of 2,000 lines had been bad rows, their dates good; real127-ar)
    valid = padded.str.fullmatch(r"(?:[01]\d|2[0-3])[0-5]\d")
    return clock.where(~digits, (padded.str[:2] + ":" + padded.str[2:]).where(valid, ""))


_UTC_SUFFIX = re.compile(r"(?i)\s*(?:UTC|GMT)$")
"""``2019-10-01 00:00:00 UTC``: how REES46-style event exports (and many loggers) write UTC."""


_NUMERIC_DATE = re.compile(
    r"(?P<a>\d{1,2})(?P<sep>[/.-])(?P<b>\d{1,2})(?P=sep)(?P<year>\d{4}|\d{2})"
    r"(?:(?:,?[ T]|-(?=\d{1,2}:))(?P<hour>\d{1,2}):(?P<minute>\d{2})(?::(?P<second>\d{2}(?:\.\d+)?))?"
    r"(?:\s*(?P<half>[AaPp])\.?[Mm]\.?)?)?")
"""Spreadsheet dates: ``12/1/2010 8:26`` (Online Retail: month first), ``26/11/2017``,
``01.12.2010 08:26`` (day first), ``21-07-2015`` (Kaggle's Groceries, the bakery's
``30-10-2016 09:58``), ``03/01/2023 08:35 PM`` (a US point of sale's 12-hour clock),
``03/01/2026-01:21 pm`` (PHP Point of Sale's: every line had been refused) and
``2/23/2025, 9:12:00 AM`` (JavaScript's ``toLocaleString``; real21-aj).
Which number is the day is decided per column. With dashes a two-digit year may be
first or last (``15-07-21``): the end with more than 12 values, twice the other's, is
the day (:func:`numeric_dates`); else such dates stay bad rows."""


EPOCH_PATTERN = r"\d{9,19}(\.\d+)?"
"""Unix time as event pipelines write it: seconds (10 digits), milliseconds (13),
microseconds (16: Google Analytics 4's ``event_timestamp``) or nanoseconds (19)."""


def epoch_seconds(number: Any) -> Any:
    """Seconds from a Unix time in any of :data:`EPOCH_PATTERN`'s units, told apart by size
    (below 1e11 seconds, 1e14 milliseconds, 1e17 microseconds, else nanoseconds); a
    float or a float Series."""
    return number / np.where(number < 1e11, 1.0, np.where(number < 1e14, 1e3, np.where(number < 1e17, 1e6, 1e9)))


_ISO_TWELVE_HOUR = (r"\d{4}(?:-\d{2}-\d{2}|/\d{1,2}/\d{1,2}|\.\s?\d{1,2}\.\s?\d{1,2}\.?)[ T]\d{1,2}:\d{2}(?::\d{2})?"
                    r"\s*[AaPp]\.?[Mm]\.?")
"""A year-first date with a 12-hour clock: ``2023-03-01 08:35 PM``, and with slashes
(a convenience store's till: ``2025/03/28 6:56:42 PM``, every line had been a bad row;
real88-ap) or dots (Korean and Hungarian locales: ``2021.03.05 01:22 PM``, ``2021. 3. 5. 1:22
PM``; session ap's left list, session aq's review)."""


_PLACEHOLDER_TIMES = ("today", "now", "Today", "Now", "TODAY", "NOW")


_MONTH_NAME = re.compile(r"(?i)\b(?:jan|feb|mar|apr|may|jun|jul|aug|sep|sept|oct|nov|dec)[a-z]*\b")

_FOREIGN_MONTHS = {
    # German, French, Spanish, Portuguese, Italian, Dutch (accents folded), full and as
    # their tills shorten them; the English-looking ones (April, August) read as they are
    "januar": 1, "janner": 1, "janvier": 1, "janv": 1, "enero": 1, "ene": 1, "janeiro": 1, "gennaio": 1, "gen": 1,
    "januari": 1,
    "februar": 2, "fevrier": 2, "fevr": 2, "febrero": 2, "fevereiro": 2, "fev": 2, "febbraio": 2, "februari": 2,
    "marz": 3, "maerz": 3, "mars": 3, "marzo": 3, "marco": 3, "maart": 3, "mrt": 3,
    "avril": 4, "avr": 4, "abril": 4, "abr": 4, "aprile": 4,
    "mai": 5, "mayo": 5, "maio": 5, "maggio": 5, "mag": 5, "mei": 5,
    "juni": 6, "juin": 6, "junio": 6, "junho": 6, "giugno": 6, "giu": 6,
    "juli": 7, "juillet": 7, "juil": 7, "julio": 7, "julho": 7, "luglio": 7, "lug": 7,
    "aout": 8, "agosto": 8, "ago": 8, "augustus": 8,
    "septembre": 9, "septiembre": 9, "setiembre": 9, "setembro": 9, "settembre": 9, "set": 9,
    "oktober": 10, "okt": 10, "octobre": 10, "octubre": 10, "outubro": 10, "out": 10, "ottobre": 10, "ott": 10,
    "novembre": 11, "noviembre": 11, "novembro": 11,
    "dezember": 12, "dez": 12, "decembre": 12, "diciembre": 12, "dic": 12, "dezembro": 12, "dicembre": 12,
    "december": 12,
    # Danish, Norwegian, Swedish ('1. marts 2023', '2. maj 2023', '24. desember'; a Danish
    # shop's 4,022 March and May lines had been bad rows; round 45) and Finnish, with the
    # partitive a date takes ('1. maaliskuuta 2023')
    "marts": 3, "maj": 5, "augusti": 8, "desember": 12,
    "des": 12,  # (Norwegian's short December, '1. des. 2023': left by session (at); bokmål's other short months are English's or German's)
    **{name + end: n for n, name in enumerate(
        ("tammikuu", "helmikuu", "maaliskuu", "huhtikuu", "toukokuu", "kesakuu", "heinakuu", "elokuu", "syyskuu",
         "lokakuu", "marraskuu", "joulukuu"), start=1) for end in ("", "ta")},
}
"""Month names of the languages whose tills the reader meets (Mercado Libre's '3 de enero
de 2024 08:42 hs.', a German '15. März 2023'), to the month's number."""
_RUSSIAN_MONTHS = {
    "январь": 1, "января": 1, "янв": 1, "февраль": 2, "февраля": 2, "фев": 2, "февр": 2, "март": 3, "марта": 3,
    "мар": 3, "апрель": 4, "апреля": 4, "апр": 4, "май": 5, "мая": 5, "июнь": 6, "июня": 6, "июн": 6,
    "июль": 7, "июля": 7, "июл": 7, "август": 8, "августа": 8, "авг": 8, "сентябрь": 9, "сентября": 9,
    "сен": 9, "сент": 9, "октябрь": 10, "октября": 10, "окт": 10, "ноябрь": 11, "ноября": 11, "ноя": 11,
    "нояб": 11, "декабрь": 12, "декабря": 12, "дек": 12}
"""Russian months as written, whole words only (the nominative, the genitive a date uses
and the short forms): a stem would take 'Маргарин' for March and 'Майонез' for May."""
_MONTHS_IN_ENGLISH = {name: n for n, full in enumerate(
    ("january", "february", "march", "april", "may", "june", "july", "august", "september", "october", "november",
     "december"), start=1) for name in (full, full[:3])} | {"sept": 9}
_MONTHS_OF_PARTS = {
    # Indonesian (the others are Dutch's or German's), Polish (nominative and genitive,
    # accents folded): month columns only, not dates with words ('marca' is a brand in
    # Spanish); session al's review
    "maret": 3, "agustus": 8, "desember": 12, "nopember": 11, "pebruari": 2,
    "styczen": 1, "stycznia": 1, "luty": 2, "lutego": 2, "marzec": 3, "marca": 3, "kwiecien": 4, "kwietnia": 4,
    "maj": 5, "maja": 5, "czerwiec": 6, "czerwca": 6, "lipiec": 7, "lipca": 7, "sierpien": 8, "sierpnia": 8,
    "wrzesien": 9, "wrzesnia": 9, "pazdziernik": 10, "pazdziernika": 10, "listopad": 11, "listopada": 11,
    "grudzien": 12, "grudnia": 12,
    # their short forms ('Agu', 'Des'; 'sty', 'paź')
    "peb": 2, "agu": 8, "ags": 8, "agt": 8, "nop": 11, "des": 12,
    "sty": 1, "lut": 2, "kwi": 4, "cze": 6, "lip": 7, "sie": 8, "wrz": 9, "paz": 10, "lis": 11, "gru": 12}


def month_number(word: str) -> int | None:
    """The month a word or a number names (``3``, ``03``, ``Mar``, ``marzo``, ``ene``,
    ``März``, ``мая``), else None: a month column beside a year column."""
    word = word.strip().rstrip(".")
    if word.isdigit():
        return int(word) if 1 <= int(word) <= 12 else None
    key = "".join(c for c in unicodedata.normalize("NFKD", word.lower()) if not unicodedata.combining(c))
    return (_MONTHS_IN_ENGLISH.get(key) or _FOREIGN_MONTHS.get(key) or _MONTHS_OF_PARTS.get(key)
            or _RUSSIAN_MONTHS.get(word.lower()))


_RUSSIAN_MONTH = re.compile(r"(?i)(?<![а-яё])(" + "|".join(sorted(_RUSSIAN_MONTHS, key=len, reverse=True))
                            + r")\.?(?![а-яё])")
_RUSSIAN_MONTH_ANY = re.compile(_RUSSIAN_MONTH.pattern.replace("(?<![а-яё])(", "(?<![а-яё])(?:", 1))
_FOREIGN_MONTH = re.compile(r"(?i)(?<![a-z])(?:" + "|".join(sorted(_FOREIGN_MONTHS, key=len, reverse=True))
                            + r")\.?(?![a-z])")
_FILLER = re.compile(r"(?i)(?<![a-z])(?:de|del|di|do|da|um|uhr|hs|h|à|a|as|às|le|el|den|der)\.?(?![a-z])|,")


def parse_timestamps(values: pd.Series, fmt: str | None) -> tuple[pd.Series, str | None]:
    """Parse to naive datetimes (:func:`parse_marking_unix`, without its mask)."""
    parsed, note, _ = parse_marking_unix(values, fmt)
    return parsed, note


def parse_marking_unix(values: pd.Series, fmt: str | None, day_first: Callable[[], str | None] | None = None
                       ) -> tuple[pd.Series, str | None, np.ndarray]:
    """Parse to naive datetimes; text with an offset (or a UTC / GMT suffix) is converted
    to UTC first. Returns the parsed values and a note when the column needed a reading
    the file does not state (which number of a spreadsheet date is the day).

    ``fmt``: the form an adapter's source writes (Complete Journey's, REES46's), read
    first at C speed; what it leaves is read as any export's times are, so the same data
    written by R's ``readr`` (``2017-01-28T19:06:53Z``) or pandas (``+00:00``) still
    reads.

    The third value marks the lines read as Unix time: :func:`instants_as_local` needs to
    know which lines are instants, and learning it again from the text cost 0.4 s on a
    2M-line column.

    ``day_first``: asked only where numeric dates have no number above 12, what in the
    file says its dates are day first (:func:`numeric_dates`), or None."""
    if fmt is not None:
        parsed = pd.to_datetime(values, format=fmt, errors="coerce")
        missed = parsed.isna().to_numpy() & values.notna().to_numpy()
        unix = np.zeros(len(values), dtype=bool)
        if not missed.any():
            return parsed, None, unix
        rest, note, unix[missed] = parse_marking_unix(values[missed], None, day_first)
        parsed[missed] = rest.to_numpy()
        return parsed, note, unix
    # pandas reads 'today' and 'now' as the time of the run: in an export they are a
    # placeholder, not a time, and must stay bad rows.
    # (isin, not .str.lower(): a hash lookup costs nothing on a 2.6M-row till export.)
    values = values.where(~values.isin(_PLACEHOLDER_TIMES))
    # (an access log's '[01/Jan/2016:00:00:53 -0700]': its brackets are no part of the time)
    bracketed = values.str.startswith("[", na=False).to_numpy() & values.str.endswith("]", na=False).to_numpy()
    if bracketed.any():
        values = values.where(~bracketed, values.str[1:-1])
    if values.head(1000).str.match(_YEAR_DOT, na=False).any():
        # (Croatian, Serbian, Slovenian, Hungarian dates end with a dot: '01.03.2024.', '1. 3.
        # 2024.'; a bar's every line had been a bad row; review 71)
        values = values.str.replace(_YEAR_DOT, r"\1.\2.\3", regex=True)
    if values.head(1000).str.contains(_ZONE_REGION, na=False).any():
        # (Java's ZonedDateTime.toString(), '2024-07-01T09:15+01:00[Europe/London]': the
        # offset says the time; every line had been a bad row; review 68)
        values = values.str.replace(_ZONE_REGION, "", regex=True)
    values, wall = _wall_clock(values)
    parsed = plausible(pd.to_datetime(values, format="ISO8601", errors="coerce", utc=True))
    missing = parsed.isna().to_numpy() & values.notna().to_numpy()
    if missing.any():  # only the rows ISO 8601 left: a clean file pays nothing here
        suffixed = np.flatnonzero(missing)[values[missing].str.contains(_UTC_SUFFIX).to_numpy(dtype=bool)]
        utc = pd.to_datetime(values.iloc[suffixed].str.replace(_UTC_SUFFIX, "", regex=True),
                             format="ISO8601", errors="coerce", utc=True)
        parsed.iloc[suffixed] = plausible(utc).to_numpy()
    parsed, swapped = _swapped_iso_days(values, parsed)
    # Unix time, as rating and app-event exports write it (MovieLens, most
    # event pipelines): whole or fractional seconds, or milliseconds (13 digits).
    epoch = values.str.fullmatch(EPOCH_PATTERN).fillna(False).to_numpy(dtype=bool)
    unix = np.zeros(len(values), dtype=bool)
    if epoch.any():
        short = epoch & values.str.len().isin((10, 12)).fillna(False).to_numpy(dtype=bool)
        if short.any() and values[short].str.fullmatch(_COMPACT.pattern).all():
            epoch = epoch & ~short  # (local yyyymmddHH[MM], read by _compact_times below)
    if epoch.any():
        seconds = epoch_seconds(pd.to_numeric(values[epoch], errors="coerce").astype(float))
        # 1900-2199, as plausible: an 11-digit value is the year 5138, which stopped the load.
        seconds = seconds.where((seconds >= -2_208_988_800) & (seconds < 7_258_118_400))
        # To the microsecond: milliseconds through float seconds come back as 42.137000084.
        parsed.loc[epoch] = pd.to_datetime(seconds, unit="s", errors="coerce").dt.round("us").to_numpy()
        unix[epoch] = seconds.notna().to_numpy()
    # The readings below see only what the ones before left unread, each once per
    # distinct string: a till export repeats each basket's time on every line (1M lines
    # of 420 distinct minutes: 0.1 s instead of 12 s).
    note = "; ".join(n for n in (wall, swapped) if n) or None
    for read in (functools.partial(numeric_dates, day_first=day_first), _twelve_hour_clock, _spaced_meridiem,
                 _month_names, _foreign_month_names, _zone_names, _minguo_dates, _jalali_dates,
                 _compact_times, _year_first_words, _dotted_clock, _excel_serials, _weekday_or_week):
        rest = np.flatnonzero(parsed.isna().to_numpy() & values.notna().to_numpy())
        if not len(rest):
            break
        codes, uniq = pd.factorize(values.iloc[rest])
        stamps, said = read(pd.Series(uniq, dtype=object))
        if stamps is not None:
            parsed.iloc[rest] = stamps.to_numpy()[codes]
        if said:
            note = f"{note}; {said}" if note else said
    # The Unix epoch itself, to the second, is the default a system writes for a missing
    # time (a fuzz's 5 % of lines at 1970-01-01 00:00:00 were kept as 1970 purchases).
    return parsed.where(parsed != pd.Timestamp("1970-01-01")), note, unix


_YEAR_DOT = re.compile(r"^(\d{1,2})\.\s?(\d{1,2})\.\s?(\d{4})\.(?=\s|$)")
"""A day-first date with a dot after its year, as South Slavic languages write it."""
_ISO_DAY = re.compile(r"^(\d{4})-(\d\d)-(\d\d)")


def _swapped_iso_days(values: pd.Series, parsed: pd.Series) -> tuple[pd.Series, str | None]:
    """``parsed`` with ISO dates whose month and day a spreadsheet swapped read the other
    way, and a note; else as given. A sheet that read day-first dates month first writes
    every date with a day of 12 or less as ``yyyy-dd-mm`` when saved again (a bakery's
    sales, October 2016 to April 2017, had 2 November as 2016-02-11, and its test window
    had held only the first twelve days of four months; real197-av). Only where the file
    says so: the dates with a day above 12 span less than eleven months, the others fall
    outside that span as written (four in five or more) and inside it swapped (49 in 50, a
    month's margin)."""
    head = values.dropna()
    if head.empty or not head.iloc[:50].str.match(_ISO_DAY).all():
        return parsed, None
    days = head.str.extract(_ISO_DAY).drop_duplicates()
    if len(days) < 20:
        return parsed, None
    y, m, d = (pd.to_numeric(days[i], errors="coerce") for i in range(3))
    clear = d > 12
    unclear = (d <= 12) & (m <= 12) & (d != m)
    if clear.sum() < 10 or unclear.sum() < 10:
        return parsed, None
    as_written = pd.to_datetime(pd.DataFrame({"year": y, "month": m, "day": d}), errors="coerce")
    turned = pd.to_datetime(pd.DataFrame({"year": y, "month": d, "day": m}), errors="coerce")
    sure = as_written[clear].dropna()
    sure = sure[(sure - sure.median()).abs() <= pd.Timedelta(days=366)]  # (not a stray year: the bakery's 2025 lines)
    lo, hi = sure.min(), sure.max()
    if len(sure) < 10 or (hi - lo).days > 330:
        return parsed, None
    inside = as_written[unclear].between(lo, hi).mean()
    # (swapped, within a month of that span: a file that ends on 9 April has no clear day in
    # April, and its 1st to 9th fall just after the span)
    inside_turned = turned[unclear].between(lo - pd.Timedelta(days=31), hi + pd.Timedelta(days=31)).mean()
    if inside > 0.2 or inside_turned < 0.98:
        return parsed, None
    text = values.str[:10]
    swap = {f"{a:04d}-{b:02d}-{c:02d}": f"{a:04d}-{c:02d}-{b:02d}"
            for a, b, c in zip(y[unclear], m[unclear], d[unclear], strict=True)}
    hit = text.isin(swap.keys()).to_numpy()
    fixed = plausible(pd.to_datetime(text[hit].map(swap) + values[hit].str[10:], format="ISO8601", errors="coerce",
                                     utc=True))
    parsed = parsed.copy()
    parsed[hit] = fixed.to_numpy()
    example = next(iter(swap))
    return parsed, (f"dates written year-day-month where the day is 12 or less (e.g. {example!r} is "
                    f"{swap[example]}: a spreadsheet's swap): the dates with a day above 12 span "
                    f"{lo:%Y-%m-%d} to {hi:%Y-%m-%d}, and these fall in that span only so; {int(hit.sum()):,} lines "
                    "read so")


_WEEKDAY_FIRST = re.compile(
    r"^(?i:mon|tues?|wed|thu(?:rs?)?|fri|sat|sun)(?i:day|nesday|urday)?\.?,?\s+(?=\d)"
    r"|^(?i:montag|dienstag|mittwoch|donnerstag|freitag|samstag|sonntag|mo|di|mi|do|fr|sa|so)\.?,?\s+(?=\d)"
    r"|^(?i:lun|mar|mer|jeu|ven|sam|dim|mié|jue|vie|sáb|dom)\.?,?\s+(?=\d)")
"""A weekday's name before a date written in numbers (``Mon 04/03/2024 11:50``, ``Fr.
01.03.2024``), as a till's or a sheet's long format writes it."""
_ISO_WEEK = re.compile(r"(\d{4})-?W(\d{2})-?([1-7])(?:[ T](\d{1,2}:\d{2}(?::\d{2})?))?")
"""An ISO 8601 week date (``2024-W10-1``: Monday of week 10), with a time or without."""


def _weekday_or_week(named: pd.Series) -> tuple[pd.Series | None, str | None]:
    """Dates written with a weekday's name first (read without it, as the other forms are)
    and ISO week dates: each a bad row before (session (ac)'s probe)."""
    week = named.str.extract("^" + _ISO_WEEK.pattern + "$")
    if week[0].notna().any():
        days = pd.to_datetime(week[0] + "-W" + week[1] + "-" + week[2], format="%G-W%V-%u", errors="coerce")
        clock = pd.to_timedelta((week[3].fillna("0:00") + ":00").str.replace(r"^(\d+:\d+:\d+):00$", r"\1",
                                                                              regex=True), errors="coerce")
        stamps = plausible((days + clock).dt.tz_localize("UTC"))
        if stamps.notna().any():
            return stamps, "ISO week dates (2024-W10-1: Monday of week 10) read as their days"
    bare = (named.str.replace(_WEEKDAY_FIRST, "", regex=True).str.replace(_WEEKDAY_LAST, "", regex=True)
            .str.replace(_WEEKDAY_BRACKETED, " ", regex=True).str.strip()
            .str.replace(_KANJI_DATE, r"\1-\2-\3", regex=True))
    changed = (bare != named).to_numpy()
    if not changed.any():
        return None, None
    stamps, said = parse_timestamps(bare.where(changed), None)
    return stamps, "a weekday's name beside the date left out" + (f"; {said}" if said else "")


_WEEKDAY_BRACKETED = re.compile(r"\s*[（(][月火水木金土日][）)]\s*")
"""A Japanese weekday in brackets after the date, before a time (``2024/03/15(月) 10:15``)."""
_KANJI_DATE = re.compile(r"^(\d{4})年(\d{1,2})月(\d{1,2})日")
"""A date written in kanji (``2024年3月16日``), the way a Japanese sheet writes it."""
_WEEKDAY_LAST = re.compile(r"(?<=\d)\s*[（(]?(?:星期|周|礼拜|禮拜|曜日)?[一二三四五六日天月火水木金土][）)]?(?:曜日?)?$")
"""A weekday after the date, as Chinese and Japanese sheets write it (``2018-01-01 星期五``,
``2024/03/04(月)``): a pharmacy's workbook had every line a bad row (real7-ag)."""


_OFFSET = re.compile(r"^(.*\d:\d\d(?::\d\d(?:\.\d+)?)?)\s*[+-]\d\d(?::?\d\d)?$")
"""A time with its UTC offset at the end (Shopify's ``2024-06-03 08:45:02 -0400``, ISO's
``2024-01-02T09:00:00+02:00``): group 1 is the wall-clock time it writes."""
_ZERO_OFFSET = re.compile(r"[+-]00(?::?00)?$")
_UTC_MARK = re.compile(r"\d(?:Z|\s*[+-]00(?::?00)?)$")
_HAS_OFFSET = re.compile(r"\d:\d\d(?::\d\d(?:\.\d+)?)?\s*[+-]\d\d(?::?\d\d)?$")
_INSTANT = re.compile(r"(?i)\d(?:Z|\s*[+-]00(?::?00)?|\s*(?:UTC|GMT))$")
"""A time written as a UTC instant: ``...Z``, ``...+00:00`` (:data:`_UTC_MARK`, any case),
``... UTC`` (:data:`_UTC_SUFFIX`)."""
OFFSET_SAMPLE = 1000
"""Values looked at, first, last and spread evenly between, for an offset: a 2M-line
column costs 2.5 s to look through whole, so only a file that shows one pays for it."""


def _offset_sample(values: pd.Series) -> pd.Series:
    """The values :data:`OFFSET_SAMPLE` names, as text. The evenly spread ones find a
    block written by another system mid-file (three exports concatenated, the middle one
    in ``Z``), which the first and last thousand missed (session ad's review); a block
    shorter than the spacing (a 2,000th of the column) can still pass unseen."""
    present = values.dropna()
    spread = present.iloc[np.linspace(0, len(present) - 1, min(OFFSET_SAMPLE, len(present))).astype(int)]
    return pd.concat([present.head(OFFSET_SAMPLE), spread, present.tail(OFFSET_SAMPLE)]).astype(str)


def _wall_clock(values: pd.Series) -> tuple[pd.Series, str | None]:
    """Times written with a UTC offset, as the wall-clock time they write: the store's own,
    which hour and weekday context are read in (a generic file's times are store-local,
    :class:`.ingest.RawDataset`). Converted to UTC, a café's 08:00 sales under ``-0400``
    were read at noon, and DST moved every summer hour by one. ``Z`` and ``+00:00`` read
    as the same time either way."""
    if not _offset_sample(values).str.contains(_HAS_OFFSET).any():
        return values, None
    # '+00:00' (pandas' and most databases' UTC) is the same time either way: no note.
    offset = (values.str.contains(_HAS_OFFSET) & ~values.str.contains(_ZERO_OFFSET)).fillna(False).to_numpy(
        dtype=bool)
    if not offset.any():
        return values, None
    if values.str.contains(_UTC_MARK).fillna(False).any():
        if _summer_and_winter(values):
            # (its '+0000' is the zone's winter: every line's wall clock, as one offset's are)
            offset = values.str.contains(_HAS_OFFSET).fillna(False).to_numpy(dtype=bool)
        else:
            # UTC ('Z', '+00:00') beside other offsets: the column's times come from more than one
            # clock, so only UTC keeps them in order; read so, as before, with a note.
            return values, ("times with UTC offsets beside UTC ones ('Z', '+00:00') converted to UTC, which keeps "
                            "them in order: the hour and weekday are UTC's, not the store's, unless --timezone names "
                            "its zone")
    example = values[offset].iloc[0]
    values = values.where(~offset, values.str.replace(_OFFSET, r"\1", regex=True))
    return values, (f"times with a UTC offset (e.g. {example!r}) read as the wall-clock time they write, the "
                    "store's (the offset dropped, not converted to UTC), so hour and weekday are local")


_ZULU_AFTER_CLOCK = re.compile(r"\d:\d\d(?::\d\d(?:\.\d+)?)?Z$")
_ZONE_REGION = re.compile(r"(?<=[\dZ])\[(?:[A-Za-z]+(?:/[A-Za-z0-9_+-]+)+|UTC|GMT|Z)\]$")
"""A zone's region after a time, as Java writes a ZonedDateTime (``...Z[Europe/London]``)."""
_OFFSET_OF = re.compile(r"\d:\d\d(?::\d\d(?:\.\d+)?)?\s*([+-])(\d\d):?(\d\d)?$")


def _summer_and_winter(values: pd.Series) -> bool:
    """Whether a column's offsets are one zone's winter and summer, written the same way:
    two numeric offsets an hour apart on every line (a UK shop's Shopify export, ``+0000``
    in winter, ``+0100`` in summer). Its ``+0000`` is then no UTC from another clock: read
    as UTC, every summer order had moved an hour (round 45)."""
    sample = _offset_sample(values)
    found = sample.str.extract(_OFFSET_OF)
    zulu = (found[1].isna() & sample.str.contains(_ZULU_AFTER_CLOCK)).to_numpy()
    if found[1].isna().to_numpy()[~zulu].any():
        return False  # (a 'UTC', or a time with no offset: another clock)
    minutes = pd.Series([0 if z else (-1 if sign == "-" else 1) * (int(hours) * 60 + int(mins or 0))
                         for z, (sign, hours, mins) in zip(zulu, found.itertuples(index=False), strict=True)])
    if set(minutes) != {0, 60} and (zulu.any() or len(set(minutes)) != 2 or minutes.max() - minutes.min() != 60):
        return False
    if zulu.any():
        # Java's ISO writing of London's, Dublin's or Lisbon's clock: 'Z' in winter, '+01:00'
        # in summer (left by session (at)). Only where the seasons say so, each 'Z' between
        # October and March and each '+01:00' between March and October: a 'Z' in July is
        # UTC from another system beside a Paris winter's '+01:00'.
        month = pd.to_numeric(sample.str.extract(r"^\d{4}-(\d\d)")[0], errors="coerce").to_numpy()
        winter, summer = month[(minutes == 0).to_numpy()], month[(minutes == 60).to_numpy()]
        # (and a winter's month and a summer's each: a March export of a Berlin shop's '+01:00'
        # beside UTC 'Z' lines is two clocks; review 68)
        return bool(((winter >= 10) | (winter <= 3)).all() and ((summer >= 3) & (summer <= 10)).all()
                    and ((winter >= 11) | (winter <= 2)).any() and ((summer >= 4) & (summer <= 9)).any())
    return True


def instants_as_local(parsed: pd.Series, text: pd.Series, unix: np.ndarray,
                      timezone: str | None) -> tuple[pd.Series, str | None]:
    """Times written as instants (Unix time, ``Z``, ``+00:00``, ``UTC``) are read in UTC,
    and hour and weekday context are then UTC's, not the store's: Taobao's UserBehavior
    (China, UTC+8) had its night lull at 17-21 h (real-ad). With ``timezone``
    (``--timezone``) they are read as its wall clock; the note says which, or how. Instants
    nine in ten of which are at midnight are dates (Amazon's ``unixReviewTime``) and are
    left as they are.

    Which lines are instants is what the parser made of them, not their look (``unix``:
    :func:`parse_marking_unix`'s mask): 14 digits
    are a local ``yyyymmddHHMMSS`` when Unix time gives no plausible year, and in a
    column that mixes offsets with UTC the parser converted every offset line to UTC
    (session ad's review: both had been read as the wrong clock)."""
    if not unix.any() and (not _offset_sample(text).str.contains(_INSTANT).any() or _summer_and_winter(text.dropna())):
        return parsed, None  # (a zone's winter '+0000' beside its summer '+0100' is wall clock: _wall_clock)
    # The regexes only where the last character may end a UTC mark ('Z', '+00:00', 'UTC',
    # 'GMT'): over every line of a 2M-line Unix-time column they took 3 s of a 4 s check.
    ends = text.str[-1:].fillna("")
    maybe = ends.isin(("Z", "z", "0", "C", "c", "T", "t")).to_numpy(dtype=bool)
    instant = np.zeros(len(text), dtype=bool)
    if maybe.any():
        instant[maybe] = text[maybe].str.contains(_INSTANT).fillna(False).to_numpy(dtype=bool)
    if instant.any() and text[instant].str.contains(_UTC_MARK).fillna(False).any():
        # (parse_timestamps' _wall_clock: offsets beside 'Z' / '+00:00' are converted to UTC)
        instant |= text.str.contains(_HAS_OFFSET).fillna(False).to_numpy(dtype=bool)
    instant = (instant | unix) & parsed.notna().to_numpy()
    if not instant.any() or (parsed[instant] == parsed[instant].dt.normalize()).mean() >= 0.9:
        return parsed, None
    said = f"{int(instant.sum()):,} times written as instants (Unix time, 'Z', 'UTC') read "
    if timezone is None:
        return parsed, (said + "in UTC, so hour and weekday context are UTC's: if the store keeps another zone's "
                        "hours, give --timezone (e.g. Asia/Shanghai)")
    local = parsed[instant].dt.tz_localize("UTC").dt.tz_convert(timezone).dt.tz_localize(None)
    parsed = parsed.copy()
    parsed[instant] = local.to_numpy()
    return parsed, said + f"as {timezone}'s wall clock (--timezone), which hour and weekday context are"


_ZONE_NAME = re.compile(r"\s+(EST|EDT|CST|CDT|MST|MDT|PST|PDT|AKST|AKDT|HST|AST|ADT|NST|NDT|CET|CEST|MEZ|MESZ|WET|WEST|"
                        r"EET|EEST|BST|IST|MSK|JST|KST|HKT|SGT|AEST|AEDT|ACST|ACDT|AWST|NZST|NZDT)(?=(?:\s+\d{4})?$)")
"""A time zone's abbreviation at the end of a time, as US and European point-of-sale
exports write it (not UTC / GMT: those are read as UTC above), or before the year as
Java's ``Date.toString()`` and Unix ``date`` write it (``Wed Nov 21 12:13:00 IST 2018``:
a Nike sales sample's 950 lines had all been bad rows; real146-as)."""


def _twelve_hour_clock(named: pd.Series) -> tuple[pd.Series | None, str | None]:
    """A year-first date with a 12-hour clock (``2023-03-01 08:35 PM``, ``2025/3/28 6:56 PM``),
    as some US exports write."""
    twelve = named.str.fullmatch(_ISO_TWELVE_HOUR).to_numpy(dtype=bool)
    if not twelve.any():
        return None, None
    clean = (named.where(twelve).str.replace(r"^(\d{4})\.\s?(\d{1,2})\.\s?(\d{1,2})\.?", r"\1-\2-\3", regex=True)
             .str.replace(".", "", regex=False).str.upper().str.replace("T", " ", n=1)
             .str.replace(r"\s*([AP]M)$", r" \1", regex=True).str.replace("/", "-", regex=False))
    return plausible(pd.to_datetime(clean, format="%Y-%m-%d %I:%M %p", errors="coerce", utc=True)
                     .fillna(pd.to_datetime(clean, format="%Y-%m-%d %I:%M:%S %p", errors="coerce", utc=True))), None


_SPACED_MERIDIEM = re.compile(r"(?i)\s[ap]\.\s+m\.?$")
"""A Spanish-locale 12-hour clock's ``p. m.`` (Windows' and Excel's es-MX, es-CO ...)."""


def _spaced_meridiem(named: pd.Series) -> tuple[pd.Series | None, str | None]:
    """A date with a Spanish-locale 12-hour clock (``09/08/2023 01:39 p. m.``), read as its
    ``PM`` form is: every line of such an export had been a bad row (session al's review)."""
    spaced = named.str.contains(_SPACED_MERIDIEM).to_numpy(dtype=bool)
    if not spaced.any():
        return None, None
    clean = named.where(spaced).str.replace(_SPACED_MERIDIEM, lambda m: f" {m.group(0).lstrip()[0].upper()}M",
                                            regex=True)
    stamps, said = numeric_dates(clean)
    twelve, _ = _twelve_hour_clock(clean)
    if stamps is None:
        return twelve, said
    return (stamps.fillna(twelve) if twelve is not None else stamps), said


def _month_names(named: pd.Series) -> tuple[pd.Series | None, str | None]:
    """Dates written with the month's name: Amazon's reviewTime '09 13, 2009' aside,
    Goodreads' 'Mon Aug 14 21:00:21 -0700 2017', '14-Nov-2019', 'Jan 5, 2020 10:00 AM'.
    Only strings naming a month: pandas' free-form reading would also take 'today' or
    'now' as the current time."""
    worded = named.str.contains(_MONTH_NAME).to_numpy(dtype=bool)
    if not worded.any():
        return None, None
    # Oracle's default TIMESTAMP: '01-FEB-24 09.26.48.000000000 AM', its clock with dots;
    # a review site's 'Posted August 19, 2011.' (Steam's reviews) without its verb and stop.
    clocked = named.str.replace(_DOTTED_CLOCK, r"\1:\2:\3", regex=True).str.replace(
        _POSTED, "", regex=True).str.rstrip(".")
    # The usual forms first, each at C speed; the free-form reading, ~70 us a value (1.1 s
    # for 16k distinct times), only for what they leave.
    parsed = pd.Series(pd.NaT, index=named.index, dtype="datetime64[ns, UTC]")
    rest = worded.copy()
    for fmt in _WORDED_FORMATS:
        got = pd.to_datetime(clocked.where(rest), format=fmt, errors="coerce", utc=True)
        hit = got.notna().to_numpy()
        parsed[hit] = got[hit]
        rest &= ~hit
        if not rest.any():
            break
    if rest.any():
        free = pd.to_datetime(clocked.where(rest), format="mixed", errors="coerce", utc=True)
        # The free-form reading gives a year-1 date for 'Открытка 8 марта' (a card for 8
        # March): outside what nanoseconds hold, it stopped the load. Only 1900-2199 count.
        free = free.where(free.notna() & (free.dt.year >= 1900) & (free.dt.year < 2200))
        parsed[rest] = free.astype("datetime64[ns, UTC]")[rest]
    stamps = plausible(parsed)
    read = int(stamps.notna().sum())
    if not read:
        return stamps, None
    example = named[stamps.notna().to_numpy()].iloc[0]
    return stamps, f"dates with month names like {example!r} read by their words ({read} distinct)"


_POSTED = re.compile(r"^(?i:posted|updated|published|reviewed|last edited)(?:\s+on)?\s+(?=\w)")
"""The verb a review site writes before its date (``Posted August 19, 2011.``)."""

_WORDED_FORMATS = ("%a %b %d %H:%M:%S %z %Y",  # Twitter, Foursquare, Goodreads
                   "%B %d, %Y, %I:%M %p",  # Metabase
                   "%b %d, %Y %I:%M %p", "%b %d, %Y %I:%M:%S %p", "%b %d, %Y", "%B %d, %Y",
                   "%d-%b-%Y %H:%M", "%d-%b-%Y %H:%M:%S", "%d-%b-%Y %I:%M %p", "%d-%b-%Y", "%d-%b-%y",
                   "%d %b %Y %H:%M", "%d %b %Y", "%d %B %Y",
                   # a web server's log time ('23/Mar/2016:09:15:53', its '-0700' read as the wall
                   # clock's zone before: an article clickstream's times had been made up; real30-ak)
                   "%d/%b/%Y:%H:%M:%S")
"""Forms of dates with month names read at C speed before the free-form reading."""

_DOTTED_CLOCK = re.compile(r"(?<=\s)(\d{1,2})\.(\d{2})\.(\d{2})(?:\.\d+)?(?=\s*(?:[AaPp][Mm])?$)")
"""A time of day written with dots after a date (Oracle's ``09.26.48.000000000 AM``;
Finnish and Italian sheets' ``9.07.03``)."""

def _foreign_month_names(named: pd.Series) -> tuple[pd.Series | None, str | None]:
    """Dates whose month is named in German, French, Spanish, Portuguese, Italian or Dutch
    (:data:`_FOREIGN_MONTHS`): the name becomes its English one and the words around the
    numbers ('de', 'hs.', 'um ... Uhr') go, then :func:`_month_names` reads them. Before,
    a German file kept only its April, August, September and November lines."""
    # Russian first (folding to ASCII drops Cyrillic): Excel's long date in a Russian locale,
    # '1 марта 2024 г. 08:49', the month in the genitive and the year marked 'г.'.
    russian = (named.str.contains(_RUSSIAN_MONTH_ANY) & named.str.contains(r"\d{4}")).to_numpy(dtype=bool)
    written = (named.str.replace(_RUSSIAN_MONTH, lambda m: f" {_ENGLISH_MONTHS[_RUSSIAN_MONTHS[m[1].lower()] - 1]} ",
                               regex=True)
             .str.replace(r"(\d{4})\s*г(?:ода|\.)?(?=\s|$)", r"\1", regex=True))
    folded = written.map(lambda v: unicodedata.normalize("NFKD", v).encode("ascii", "ignore").decode()
                         if isinstance(v, str) else v)
    worded = folded.str.contains(_FOREIGN_MONTH).to_numpy(dtype=bool) | russian
    if not worded.any():
        return None, None
    english = (folded.where(worded)
               .str.replace(_FOREIGN_MONTH, lambda m: f" {_ENGLISH_MONTHS[_FOREIGN_MONTHS[m[0].rstrip('.').lower()] - 1]} ",
                            regex=True)
               .str.replace(_FILLER, " ", regex=True)
               .str.replace(r"(\d)\.(?=\s)", r"\1", regex=True)  # '15. März' -> '15 Mar'
               .str.replace(r"\s+", " ", regex=True).str.strip())
    stamps, said = _month_names(english)
    if said is None:
        return stamps, None
    example = named[stamps.notna().to_numpy()].iloc[0]
    return stamps, f"dates with month names like {example!r} read by their words ({int(stamps.notna().sum())} distinct)"


_ENGLISH_MONTHS = ("Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec")


def _zone_names(named: pd.Series) -> tuple[pd.Series | None, str | None]:
    """A zone's name after the time (Clover's '03-Jan-2024 08:10 AM EST'): the store's own
    zone, so the wall-clock time is its local time, which is what hour and weekday
    context read; the name is dropped and the rest read as :func:`parse_timestamps` does."""
    zone = named.str.extract(_ZONE_NAME, expand=False)
    zoned = zone.notna().to_numpy()
    if not zoned.any():
        return None, None
    stamps, inner = parse_timestamps(named.where(zoned).str.replace(_ZONE_NAME, "", regex=True), None)
    zones = sorted(set(zone[zoned & stamps.notna().to_numpy()]))
    if not zones:
        return stamps, None
    said = f"time-zone names ({', '.join(zones[:4])}) after the time dropped: read as the local time"
    return stamps, f"{said}; {inner}" if inner else said


MINGUO_OFFSET = 1911
"""Years of Taiwan's Minguo (ROC) calendar behind the Gregorian: 113 is 2024."""

_MINGUO_DATE = re.compile(r"(?P<year>1\d\d)(?P<sep>[/.-])(?P<month>\d{1,2})(?P=sep)(?P<day>\d{1,2})"
                          r"(?:[ T](?P<time>\d{1,2}:\d{2}(?::\d{2})?))?")
"""``113/03/15`` (``113/03/15 14:05``): a date in Taiwan's calendar, as its government's
open data and tills write it. A three-digit year first is no other convention's, so
the reading needs no majority of the column (years 100-199: 2011-2110)."""


def _minguo_dates(named: pd.Series) -> tuple[pd.Series | None, str | None]:
    """Dates in Taiwan's Minguo calendar (:data:`_MINGUO_DATE`): the year plus 1911."""
    parts = named.str.extract("^" + _MINGUO_DATE.pattern + "$")
    found = parts["year"].notna().to_numpy()
    if not found.any():
        return None, None
    iso = ((pd.to_numeric(parts["year"]) + MINGUO_OFFSET).astype("Int64").astype(str) + "-"
           + parts["month"].str.zfill(2) + "-" + parts["day"].str.zfill(2) + " " + parts["time"].fillna("00:00"))
    return _calendar_dates(named, iso.where(found), "in Taiwan's Minguo (ROC) calendar: the year plus 1911")


def _calendar_dates(named: pd.Series, iso: pd.Series, said: str) -> tuple[pd.Series, str | None]:
    """The stamps of ``iso`` (another calendar's dates of ``named`` written as Gregorian
    ones), and the note ``dates like '...' read <said>`` where one reads."""
    stamps = plausible(pd.to_datetime(iso, format="mixed", errors="coerce", utc=True))
    if not stamps.notna().any():
        return stamps, None
    example = named[stamps.notna().to_numpy()].iloc[0]
    return stamps, f"dates like {example!r} read {said}"


_JALALI_DATE = re.compile(r"(?P<year>1[34]\d\d)(?P<sep>[/.-])(?P<month>\d{1,2})(?P=sep)(?P<day>\d{1,2})"
                          r"(?:[ T](?P<time>\d{1,2}:\d{2}(?::\d{2})?))?")
"""``1402/01/01`` (``1402/01/01 14:05``): a date in Iran's Solar Hijri (Jalali) calendar, as
Iranian shop and accounting software writes it by default (every line had been a bad row;
session aq's review). Years 1300-1499 are no Gregorian year a shop's sales carry."""


JALALI_LAST_YEAR = 1406
"""The last Solar Hijri year read as one (1405 began in March 2026): a lunar Hijri year is
1447 or so, past it, and read as solar would lie forty years ahead."""


def jalali_to_gregorian(year: int, month: int, day: int) -> tuple[int, int, int]:
    """The Gregorian date of a Solar Hijri one (the arithmetic of the 33-year cycle, as
    jdatetime and the Iranian calendar's published conversions compute it)."""
    days = (-355668 + 365 * (year + 1595) + ((year + 1595) // 33) * 8 + (((year + 1595) % 33) + 3) // 4 + day
            + ((month - 1) * 31 if month < 7 else (month - 7) * 30 + 186))
    gy = 400 * (days // 146097)
    days %= 146097
    if days > 36524:
        days -= 1
        gy += 100 * (days // 36524)
        days %= 36524
        if days >= 365:
            days += 1
    gy += 4 * (days // 1461)
    days %= 1461
    if days > 365:
        gy += (days - 1) // 365
        days = (days - 1) % 365
    gd = days + 1
    lengths = [31, 29 if (gy % 4 == 0 and gy % 100 != 0) or gy % 400 == 0 else 28, 31, 30, 31, 30, 31, 31, 30, 31,
               30, 31]
    gm = 1
    for length in lengths:
        if gd <= length:
            break
        gd -= length
        gm += 1
    return gy, gm, gd


def _jalali_dates(named: pd.Series) -> tuple[pd.Series | None, str | None]:
    """Dates in the Solar Hijri calendar (:data:`_JALALI_DATE`), read as their Gregorian days."""
    parts = named.str.extract("^" + _JALALI_DATE.pattern + "$")
    # (years to 1406 only, this one's next: a Saudi ERP's lunar Hijri '1445/10/22' read as
    # solar had been 2066; session aq's last review)
    found = (pd.to_numeric(parts["year"], errors="coerce") <= JALALI_LAST_YEAR).to_numpy() \
        & (pd.to_numeric(parts["month"], errors="coerce") <= 12).to_numpy() \
        & (pd.to_numeric(parts["day"], errors="coerce") <= 31).to_numpy()
    if not found.any():
        return None, None
    iso = pd.Series(pd.NA, index=named.index, dtype=object)
    for at in np.flatnonzero(found):
        gy, gm, gd = jalali_to_gregorian(int(parts["year"].iloc[at]), int(parts["month"].iloc[at]),
                                         int(parts["day"].iloc[at]))
        time = parts["time"].iloc[at]
        iso.iloc[at] = f"{gy:04d}-{gm:02d}-{gd:02d} {time if isinstance(time, str) else '00:00'}"
    return _calendar_dates(named, iso, "in the Solar Hijri (Jalali) calendar, as their Gregorian days")


_YEAR_FIRST = re.compile(
    r"(?P<year>\d{4})(?:\.\s*|年|년\s*)(?P<month>\d{1,2})(?:\.\s*|月|월\s*)(?P<day>\d{1,2})(?:\.|日|일)?"
    r"(?:\s*(?P<half>오전|오후|上午|下午|午前|午後|de\.|du\.)?\s*(?P<hour>\d{1,2})[:：](?P<minute>\d{2})"
    r"(?:[:：](?P<second>\d{2}))?)?")
"""Year-first dates as Korean and Hungarian spreadsheets write them (``2024. 3. 1 오전
8:40:43``, ``2024. 03. 01. 08:30:47``, ``2015년 05월 14일``: a ticket office's sales had
been left on a made-up clock; real24-aj) and Chinese and Japanese ones (``2024年3月1日
18:52``), with a morning / afternoon word before a 12-hour clock."""
_AFTERNOON = ("오후", "下午", "午後", "du.")


def _year_first_words(named: pd.Series) -> tuple[pd.Series | None, str | None]:
    """Dates of :data:`_YEAR_FIRST`'s forms; they were bad rows, or, in a column not named
    as the time, left the file on a made-up clock."""
    parts = named.str.extract("^" + _YEAR_FIRST.pattern + "$")
    found = parts["year"].notna().to_numpy()
    if not found.any():
        return None, None
    hour = pd.to_numeric(parts["hour"]).fillna(0)
    half = parts["half"]
    hour = _twelve_hour(hour, half, half.isin(_AFTERNOON), strict=False)
    stamps = plausible(pd.to_datetime(pd.DataFrame({
        "year": pd.to_numeric(parts["year"]), "month": pd.to_numeric(parts["month"]),
        "day": pd.to_numeric(parts["day"]), "hour": hour, "minute": pd.to_numeric(parts["minute"]).fillna(0),
        "second": pd.to_numeric(parts["second"]).fillna(0)}), errors="coerce", utc=True))
    if not stamps.notna().any():
        return stamps, None
    example = named[stamps.notna().to_numpy()].iloc[0]
    return stamps, f"dates like {example!r} read year first (as Korean, Hungarian, Chinese and Japanese sheets write them)"


def _twelve_hour(hour: pd.Series, half: pd.Series, afternoon: Any, *, strict: bool) -> pd.Series:
    """Hours of the day from a 12-hour clock where ``half`` holds its word (AM / PM, 오전 /
    오후, 午前 / 午後, 上午 / 下午, de. / du.) and ``afternoon`` marks the afternoon's: 12
    in the morning is 00, an afternoon hour adds 12 (12 itself stays). ``strict`` (AM /
    PM): an hour of 0 or above 12 beside the word is no time (a bad row). Otherwise, as
    Japanese and Korean sheets write them, 0 is a half's first hour (午後0時 is noon) and
    13-23 stand as written (오후 14:01). Hours without the word pass as they are."""
    turned = hour % 12 + np.where(afternoon, 12, 0)
    if strict:
        return hour.where(half.isna(), turned.where(hour.between(1, 12), np.nan))
    return hour.where(half.isna() | (hour > 12), turned.where(hour.between(0, 12), np.nan))


def _dotted_clock(named: pd.Series) -> tuple[pd.Series | None, str | None]:
    """Dates whose time of day is written with dots (:data:`_DOTTED_CLOCK`: Finnish
    ``1.3.2024 9.07.03``, Italian ``1/3/2024 9.29.20``, as Google Sheets writes them in
    those locales), read as :func:`numeric_dates` reads them once those dots are colons."""
    clocked = named.str.replace(_DOTTED_CLOCK, r"\1:\2:\3", regex=True)
    changed = (clocked != named).to_numpy()
    if not changed.any():
        return None, None
    stamps, said = numeric_dates(clocked.where(changed))
    return stamps, (f"{said}; " if said else "") + "times of day written with dots read as hours.minutes.seconds"


_COMPACT = re.compile(r"(?:19|20)\d\d(?:0[1-9]|1[0-2])(?:0[1-9]|[12]\d|3[01])(?:[01]\d|2[0-3])(?:[0-5]\d(?:[0-5]\d)?)?")
"""``20240205120012``: a date and time with no separators (``yyyymmddHHMMSS``), as SAP
and mainframe extracts write it, or to the hour or minute (``2024030108``,
``202403010800``). As a Unix time in milliseconds the 14 digits are the year 2611; the
10 and 12 digits, read as Unix seconds and milliseconds, had become 2034 and 1976
(session ad's second review), so where every such value of a column is one, it is."""
_COMPACT_FORMATS = {14: ("%Y%m%d%H%M%S", "yyyymmddHHMMSS"), 12: ("%Y%m%d%H%M", "yyyymmddHHMM"),
                    10: ("%Y%m%d%H", "yyyymmddHH")}


def _compact_times(named: pd.Series) -> tuple[pd.Series | None, str | None]:
    """Times written as :data:`_COMPACT` (10, 12 or 14 digits)."""
    found = named.str.fullmatch(_COMPACT.pattern).to_numpy(dtype=bool)
    if not found.any():
        return None, None
    stamps = pd.Series(pd.NaT, index=named.index, dtype="datetime64[ns]")
    lengths = named.str.len()
    for length, (fmt, _) in _COMPACT_FORMATS.items():
        these = found & (lengths == length).to_numpy()
        if these.any():
            stamps[these] = pd.to_datetime(named[these], format=fmt, errors="coerce").to_numpy()
    first = named[found].iloc[0]
    return stamps, f"times like {first!r} read as {_COMPACT_FORMATS[len(first)][1]}"


EXCEL_DAY_ZERO = "1899-12-30"
"""Day 0 of Excel's date serials (1900's leap-year bug included): 45323 is 2024-02-01."""
_EXCEL_SERIAL = re.compile(r"\d{5}(?:\.\d+)?")
EXCEL_SPAN_DAYS = 30 * 366
"""A column of serials spread over more than 30 years is no column of dates."""


def _excel_serials(named: pd.Series) -> tuple[pd.Series | None, str | None]:
    """Excel's date serials (``45323``, ``45323.35`` with the time as a fraction of the
    day), which a sheet saves when a date column is formatted 'General'. Only 1990-2099
    (32874-73050): a smaller five-digit number may be a mainframe's year-and-day
    (``24036``)."""
    found = named.str.fullmatch(_EXCEL_SERIAL.pattern).to_numpy(dtype=bool)
    if not found.any():
        return None, None
    days = pd.to_numeric(named.where(found), errors="coerce")
    days = days.where((days >= 32874) & (days < 73051))
    if not days.notna().any() or days.max() - days.min() > EXCEL_SPAN_DAYS:
        return None, None  # (a counter of seconds from 45056 up is no 76 years of dates)
    stamps = (pd.Timestamp(EXCEL_DAY_ZERO) + pd.to_timedelta(days, unit="D")).dt.round("s")
    return stamps, (f"numbers like {named[days.notna().to_numpy()].iloc[0]!r} read as Excel's date serials (days "
                    f"since {EXCEL_DAY_ZERO}; the column was saved formatted as a number)")


def plausible(parsed: pd.Series) -> pd.Series:
    """UTC datetimes to naive nanosecond ones, NaT outside 1900-2199: ISO 8601 reads a
    bare ``0828`` (Tmall's month and day) as the year 828, which no export means and
    nanoseconds cannot hold (it stopped the load with pandas' OutOfBoundsDatetime)."""
    year = parsed.dt.year
    parsed = parsed.where((year >= 1900) & (year < 2200))
    return parsed.dt.tz_convert(None).astype("datetime64[ns]")


BUDDHIST_ERA_OFFSET = 543
"""Years of the Thai solar calendar ahead of the Gregorian: 2567 is 2024."""


_DAY_FIRST_WORDS = ("fecha", "datum", "tarih", "tanggal", "tarikh", "paivamaara", "ngay", "дата",
                    # (Arabic, Hebrew, Greek; review 68)
                    "تاريخ", "תאריך", "ημερομηνια", "ημερομηνία")
"""'Date' in languages whose countries write the day first (Spanish, German and Dutch and
the Nordic ones, Turkish, Indonesian, Malay, Finnish, Vietnamese, Russian, Arabic, Hebrew,
Greek), anywhere in a header (:func:`.names.header_key`'s form: 'Bestelldatum', 'Sipariş
Tarihi'); Portuguese's, Italian's and Polish's 'data' and French's 'date de ...' are
:data:`_DATA`'s and :data:`_DATE_DE`'s."""
_DAY_FIRST_ENDS = ("dato", "pvm")
"""... and those only at a header's start or end: Norwegian's and Danish's 'dato'
('Ordredato'), not 'mandatory'; Finnish's 'pvm'."""
_DATA = re.compile(r"data(?:$|d[aeio](?!te)|dell|em|fat|ord|vend|comp|nota|ped|doc|trans|mov|acq|reg|cria|lan|ora|hora"
                   r"|zam|sprz|zak|wyst|fakt|sprze|przyj)")
"""Portuguese's, Italian's and Polish's 'data' first in a header, then a word of theirs
('Data', 'Data do Pedido', 'Data de Faturamento', 'Data emissione', 'data_zamowienia',
'Data wystawienia', 'DataOra'), not English's ('Data Time', 'data_ts', 'DataDate',
'metadata': reviews 68 and 69)."""
_DATE_DE = re.compile(r"dated(?:e|'|’)(?:la|l'|l’)?(?:commande|vente|facture|facturation|paiement|creation|livraison"
                      r"|achat|emission|reservation|transaction|expedition|envoi|reception|saisie|operation|piece)"
                      r"|date(?:achat|commande|vente|facture|facturation|paiement|livraison|expedition|envoi|reception"
                      r"|saisie|piece|emission)")
"""French 'date de ...' ('Date de commande', "Date d'achat" and 'd’achat', 'date_achat',
Sage's 'Date pièce', 'Date livraison'); not English 'Date Delivered' (review 69), nor
'date_transaction' or 'date_creation' without the 'de' (a developer's English as often;
review 71)."""


def day_first_header(key: str) -> bool:
    """Whether a time column's header (as :func:`.names.header_key` writes it) is 'date' in
    a language whose countries write the day first."""
    return (any(w in key for w in _DAY_FIRST_WORDS) or bool(_DATA.match(key)) or bool(_DATE_DE.match(key))
            or any(key.startswith(w) or key.endswith(w) for w in _DAY_FIRST_ENDS))


def numeric_dates(values: pd.Series, day_first: Callable[[], str | None] | None = None
                  ) -> tuple[pd.Series | None, str | None]:
    """Spreadsheet dates (:data:`_NUMERIC_DATE`) to datetimes, NaT for anything else;
    ``(None, None)`` when none of ``values`` looks like one.

    ``day_first``, where no number above 12 tells the order: what else in the file says
    the day comes first (a Brazilian 'Data', decimal commas), or None; asked only then."""
    parts = values.str.extract("^" + _NUMERIC_DATE.pattern + "$")  # '108/03/01' (a ROC year) is not '08/03/01'
    found = parts["a"].notna().to_numpy()
    if not found.any():
        return None, None
    short_dashed = (parts["sep"] == "-") & (parts["year"].str.len() == 2)
    short_note = None
    # '19-10-01' may be year-first; a middle number above 12 somewhere in the column
    # (Amazon's India sales report: '04-30-22', '06-29-22') says month-day-year.
    if short_dashed.any() and (pd.to_numeric(parts.loc[short_dashed, "b"]) > 12).any():
        short_dashed = pd.Series(False, index=parts.index)  # month-day-year, all of them
    elif short_dashed.any():
        # Otherwise the day is the end that varies, as a file spans more days than years:
        # more than 12 values (no run of years is so long) and twice the other end's. A
        # coffee chain's receipts '01-04-19' .. '30-04-19' (real-ae) have 30 first numbers
        # and one last, so the year is last; '19-10-01' .. '19-10-30' put it first (each
        # had been a bad row, the file refused). Monthly lines on the 1st over five years
        # ('01-09-23', '01-07-19': 1 first number, 5 last) say nothing and stay bad rows
        # (session ae's review: read year first, they had become 2001).
        first, last = parts.loc[short_dashed, "a"].nunique(), parts.loc[short_dashed, "year"].nunique()
        example = values[short_dashed.to_numpy()].iloc[0]
        if last > 12 and last >= 2 * first:
            parts.loc[short_dashed, ["a", "year"]] = parts.loc[short_dashed, ["year", "a"]].to_numpy()
            parts.loc[short_dashed, "sep"] = "."  # (day first, as the dotted European dates are)
            short_note = (f"dates like {example!r} read as year-month-day with a two-digit year: the last number "
                          f"takes {last} values, the first {first}, and a file spans more days than years")
        elif (first > 12 and first >= 2 * last) or (
                last == 1 and first >= 4 and parts.loc[short_dashed, "b"].nunique() <= 3
                and int(parts.loc[short_dashed, "year"].iloc[0]) > 12):
            # (or one last number above 12, a few middle ones and several first: a course
            # sheet's '14-03-25' .. '26-02-25', days of two months of 2025, 12 first numbers;
            # read year first they were the 25th of months over 14 years; real149-as. Not
            # renewals on the 1st, '18-07-01' .. '24-01-01': session as's review)
            short_note = (f"dates like {example!r} read with a two-digit year last: the first number takes {first} "
                          f"values, the last {last}, and a file spans more days than years")
        if short_note is not None:
            short_dashed = pd.Series(False, index=parts.index)
    if short_dashed.any():
        parts.loc[short_dashed.to_numpy()] = np.nan
        found = parts["a"].notna().to_numpy()
        if not found.any():
            return None, None
    a, b = pd.to_numeric(parts["a"]), pd.to_numeric(parts["b"])
    big_a, big_b = bool((a > 12).any()), bool((b > 12).any())
    dotted = bool((parts["sep"].dropna() == ".").all())
    # Day first where only the first number goes above 12, or with dots (the European
    # way); month first otherwise -- the US spreadsheet convention, and the only reading
    # when no day above 12 occurs (said in a note) unless the file says otherwise: a
    # till log whose second number never changes while the first does, with times of
    # day, is a few days of one month (the first days of a UK export: 01/12/2010 ..
    # 05/12/2010), not purchases made only on the 12th of five months.
    # (not with dashes and dates alone: a US subscription's invoices '01-01-2024' ..
    # '12-01-2024' are the 1st of twelve months, as a grocery sample's '01-01-2024' ..
    # '03-01-2024' are three days to its own code; nothing in the dates tells: review 76)
    one_month = (not big_a and not big_b and b.nunique() == 1 and a.nunique() > 1
                 and parts["hour"].notna().any())
    # Nor does a Brazilian or German export whose dates happen to stay at or below the 12th
    # (a fortnight's till, the first days of each month) read them month first where its
    # header or numbers say where it comes from (left by session (at)).
    why = (day_first() if day_first is not None and not dotted and not big_a and not big_b and not one_month
           else None)
    first_day: bool | pd.Series = dotted or (big_a and not big_b) or one_month or why is not None
    note = None
    if why is not None:
        note = (f"dates like {values[found].iloc[0]!r} read as day/month/year: no number above 12 tells which is "
                f"the day, and {why}")
    elif one_month and not dotted:
        note = (f"dates like {values[found].iloc[0]!r} read as day/month/year: the second number "
                f"is {int(b.dropna().iloc[0])} in every date while the first varies, and month first "
                "would put every purchase on the same day of different months")
    elif not dotted and not big_a and not big_b:
        note = (f"dates like {values[found].iloc[0]!r} read as month/day/year "
                "(no number above 12 tells which is the day)")
    elif not dotted and big_a and big_b:
        by_sep = _day_first_by_separator(parts, a, b)
        if by_sep is not None:
            first_day, note = by_sep
        else:
            # Each date with a number above 12 in the order that number says, the rest (both
            # 12 or less) in the more common one: a teaching file that mixes MM/DD and DD/MM
            # had lost 75 telling dates of 500 as bad rows (real122-ar).
            days, months = int((a > 12).sum()), int((b > 12).sum())
            first_day = _each_by_its_own(a, b, days > months)
            note = (f"dates with '/' or '-' have numbers above 12 in both places (day/month on {days:,} lines, "
                    f"month/day on {months:,}: mixed): each such date read in the order its number above 12 "
                    f"says, the others (both numbers 12 or less) {'day' if days > months else 'month'} first, "
                    "the more common order, which for them is a guess")
    if short_note:
        note = f"{note}; {short_note}" if note else short_note
    year = pd.to_numeric(parts["year"])
    year = year.where(parts["year"].str.len() != 2, year + np.where(year < 69, 2000, 1900))
    if year.dropna().between(BUDDHIST_ERA_OFFSET + 1900, BUDDHIST_ERA_OFFSET + 2199).mean() > 0.5:
        # Thailand's calendar (15/03/2567 is 15 March 2024), as Thai tills write it; most of
        # them, so a typo's 9999 is a bad row, not the file (no other era writes such years)
        year = year - BUDDHIST_ERA_OFFSET
        era = f"dates like {values[found].iloc[0]!r} read in the Buddhist era (Thailand's): the year less 543"
        note = f"{note}; {era}" if note else era
    # 1900-2199, as plausible(): a typo's year 3024 is a bad row, not a load that stops on
    # pandas' OutOfBoundsDatetime (nanoseconds end in 2262)
    year = year.where((year >= 1900) & (year < 2200))
    second = pd.to_numeric(parts["second"]).fillna(0.0)
    hour = pd.to_numeric(parts["hour"]).fillna(0)
    half = parts["half"].str.upper()
    hour = _twelve_hour(hour, half, half == "P", strict=True)
    clock = {"hour": hour, "minute": pd.to_numeric(parts["minute"]).fillna(0), "second": np.floor(second)}
    first = first_day if isinstance(first_day, pd.Series) else pd.Series(first_day, index=a.index)
    stamp = pd.to_datetime(pd.DataFrame({
        "year": year, "month": b.where(first, a), "day": a.where(first, b), **clock}), errors="coerce")
    if first_day is True and big_a and not dotted:
        stamp, flipped = _flipped_by_a_spreadsheet(stamp, a, b, year, clock, values)
        if flipped:
            note = f"{note}; {flipped}" if note else flipped
    return stamp + pd.to_timedelta(second - np.floor(second), unit="s"), note


def _each_by_its_own(a: pd.Series, b: pd.Series, day_first: bool) -> pd.Series:
    """Per line, whether the day comes first: where the first number is above 12 it must be
    the day, where the second is it must be; else ``day_first``."""
    return ((a > 12) | ((b <= 12) & day_first)).fillna(day_first).astype(bool)


def _day_first_by_separator(parts: pd.DataFrame, a: pd.Series, b: pd.Series) -> tuple[pd.Series, str] | None:
    """Per line, whether the day comes first, where a column mixes two writings each of
    which says its own order: Kaggle's Indian e-commerce set writes ``27-09-2024`` (a day
    above 12 first) on 2,206 lines and ``9/27/24`` (above 12 second) on 1,526, half of it
    re-saved by a spreadsheet. Pooled, both numbers went above 12 and 59 % of the lines
    were bad rows. Only where there are two writings or more, each has a number above 12
    somewhere, and one of them reads day first; a writing with numbers above 12 in both
    places takes the order most of its telling dates take (those that cannot be, bad rows).
    They must decide differently unless one of them is so mixed; else None."""
    sep = parts["sep"]
    order: dict[str, bool] = {}
    mixed: list[str] = []
    for mark in sep.dropna().unique():
        rows = (sep == mark).to_numpy()
        high_a, high_b = bool((a[rows] > 12).any()), bool((b[rows] > 12).any())
        if not high_a and not high_b:
            return None  # (this writing says nothing)
        if high_a and high_b:
            # (this writing mixes both orders itself: the order most of its telling dates
            # take, beside another writing's; session am's review)
            mixed.append(mark)
            order[mark] = bool((a[rows] > 12).sum() > (b[rows] > 12).sum())
            continue
        order[mark] = high_a
    # (A hand-kept sheet writes '20-12-2025' day first throughout but mixes '27/12/2025'
    # with '11/24/2025': 186 day-first dashed dates had been bad rows and 88 read month
    # first with the pooled '/' ones; real44-am, real42-am.)
    if len(order) < 2 or not any(order.values()) or (len(set(order.values())) < 2 and not mixed):
        return None
    first = sep.map(order).fillna(False).astype(bool)
    for mark in mixed:
        rows = (sep == mark).to_numpy()
        first[rows] = _each_by_its_own(a, b, order[mark])[rows]
    said = ", ".join(f"{'day' if d else 'month'} first with {m!r}" + (" (most of its dates; each with a number "
                     "above 12 in the order it says)" if m in mixed else "") for m, d in sorted(order.items()))
    return first, (f"dates written two ways, each with its own order ({said}): a number above 12 says which in each "
                   "(a file partly re-saved by a spreadsheet?)")


def _flipped_by_a_spreadsheet(stamp: pd.Series, a: pd.Series, b: pd.Series, year: pd.Series,
                              clock: dict[str, pd.Series], values: pd.Series) -> tuple[pd.Series, str | None]:
    """Day-first dates some of whose ambiguous ones (both numbers 12 or less) were written
    month first, as a spreadsheet's round trip through US settings leaves them. Maven's
    AdventureWorks 2017 sales (1 January to 30 June) write 13-31 January ``13/01/2017``
    but 2-12 January ``01/02/2017`` .. ``01/12/2017``: read day first, 912 lines became
    the 1st of July to December, 30 % of the test period, predicted from the shopper's
    later purchases. The evidence: three or more such dates that, day first, lie over a
    month outside the span of the dates with a day above 12 and, month first, inside it
    (nine in ten of those that far out; others, ``08/02/2017``, must be day first: only
    some dates made the trip). Then each ambiguous date that day first lies outside that
    span's months and month first inside them is read month first, with a note; the
    others stay day first (``01/03/2017`` may be 1 March or 3 January: nothing tells). A
    file's own first days of the next month are no evidence. (``values`` are the
    column's distinct strings: so are the counts.)"""
    amb = ((a <= 12) & (b <= 12) & (a != b)).to_numpy() & stamp.notna().to_numpy()
    sure = stamp[(a > 12).to_numpy()].dropna()
    if amb.sum() < 3 or sure.empty:
        return stamp, None
    other = pd.to_datetime(pd.DataFrame({"year": year[amb], "month": a[amb], "day": b[amb],
                                         **{k: v[amb] for k, v in clock.items()}}), errors="coerce")
    # By whole months: the first month's days 1-12 are never sure (AdventureWorks' sure
    # dates start on 13 January).
    first = sure.min().normalize().replace(day=1)
    last = sure.max().normalize().replace(day=1) + pd.offsets.MonthBegin(1)
    mine = stamp[amb]
    month = pd.Timedelta(days=31)
    out = (mine < first - month) | (mine >= last + month)  # (day first, over a month outside)
    back = (other >= first) & (other < last)  # (month first, inside)
    far = out & back
    if int(far.sum()) < 3:
        return stamp, None
    # And nearly every ambiguous date that far out comes back inside when read month first,
    # as a round trip writes them (AdventureWorks: the 1st of July to December, all of
    # them), where a month of the file's own holds days 1-12 most of which do not (a
    # billing run, days above 12 only in its first quarter, had had eight months moved
    # into it; session ag's reviews).
    if int(far.sum()) < 0.9 * int(out.sum()):
        return stamp, None
    moved = (((mine < first) | (mine >= last)) & back).to_numpy()
    at = np.flatnonzero(amb)[moved]
    stamp = stamp.copy()
    stamp.iloc[at] = other.to_numpy()[moved]
    shown = ", ".join(repr(v) for v in values.iloc[at[:3]])
    return stamp, (f"{len(at):,} distinct dates ({shown} ...) read month first, where the dates with a day above 12 "
                   f"are day first ({sure.min():%Y-%m-%d} to {sure.max():%Y-%m-%d}): day first they would lie "
                   f"outside those months ({int(far.sum())} of them by over a month), as a spreadsheet's round trip "
                   "through US settings writes such dates")


_RESAVED_ISO = re.compile(r"(20(?:0[1-9]|1[0-2]))-(\d{2})-(\d{2})(.*)")
"""An ISO date a re-save made of ``m/d/yy``: its year 2000 + the month, its day the year (then any time)."""
_SHORT_US = re.compile(r"(\d{1,2})/(\d{1,2})/(\d{2})(\D.*)?")
"""``m/d/yy``, then any time."""


def swapped_resave(values: pd.Series) -> tuple[pd.Series, str | None]:
    """A column of ``m/d/yy`` dates a spreadsheet re-saved in part: the dates whose day
    is 12 or less it read as ``yy/m/d`` and wrote as ISO (``1/8/23``, 8 January 2023, as
    ``2001-08-23``), the others it could not and left as they were (``3/31/23``). Maven's
    restaurant orders as committed had 40 % of their lines in 2001-2003, a weekday context
    wrong for each (real17-ai). Read back, with a note, only where the signature is whole:
    every ISO date's year 2001-2012 and its day one value, every other date ``m/d/yy``
    with that year and a day above 12."""
    given = values.dropna()
    slashed = given.str.contains("/", regex=False)
    if not slashed.any() or slashed.all():  # (one pass, where a column is of one form: the usual case)
        return values, None
    iso = given.str.extract("^" + _RESAVED_ISO.pattern + "$")
    us = given.str.extract("^" + _SHORT_US.pattern + "$")
    is_iso, is_us = iso[0].notna(), us[0].notna()
    if not (is_iso.any() and is_us.any()) or not (is_iso | is_us).all():
        return values, None
    year = us.loc[is_us, 2]
    if year.nunique() != 1 or set(iso.loc[is_iso, 2]) != {year.iloc[0]} or not (
            pd.to_numeric(us.loc[is_us, 1]) > 12).all():
        return values, None
    back = (pd.to_numeric(iso.loc[is_iso, 0]) - 2000).astype(str) + "/" + iso.loc[is_iso, 1].str.lstrip("0") + "/" \
        + iso.loc[is_iso, 2] + iso.loc[is_iso, 3].fillna("")
    out = values.copy()
    out[back.index] = back
    example = given[is_iso].iloc[0]
    return out, (f"{int(is_iso.sum()):,} dates written year first ({example!r}) beside m/d/yy ones whose day is above "
                 f"12: a spreadsheet's re-save read m/d/yy days of 12 or less as yy/m/d, so they are read back "
                 f"({example!r} as {back.iloc[0]!r})")
