"""Files without a header line: which column is which, read from the values.

Many public data sets ship their files bare, the first line already data:
MovieLens-100k's ``u.data`` (``196<TAB>242<TAB>3<TAB>881250949``), MovieLens 1M's
``ratings.dat`` / ``movies.dat`` / ``users.dat``, Taobao's ``UserBehavior.csv``
(``1,2268318,2520377,pv,1511544070``), Amazon's ratings-only files
(``A39HTATAQ9V7YF,0205616461,5.0,1369699200``), YOOCHOOSE's clicks
(``1,2014-04-07T10:51:09.277Z,214536502,0``). Asking the user to write a header
first works, but every one of these files follows the same conventions, so the
trainer reads them as they are and says, in a note, how it read each column:

* **interactions**: the time is the column whose every value is a date or a Unix
  time in 1990-2040 (seconds or milliseconds); an action column is one whose every
  value is an action name (``pv``, ``buy``, ``cart``...). Of the rest, decimal
  numbers (``5.0``: a rating, a price) are not ids; the first id column is the
  shopper and the second the item -- the order every file above uses, except Amazon's
  2018 ratings files (``0000013714,A2SUAM1J3GNN3B,5.0,1252800000``: item first), read
  the other way round when the first column holds Amazon product ids (ASINs) and the
  second does not. Where an items file is given the loader checks that order against
  it (:func:`item_column_check`).
  A file with no time column at all is, for the generic loader, a file without
  times (it gives each shopper's rows their file order as a clock).
* **items**: the first column is the item; the name is the column with the most
  words per value (``Toy Story (1995)``), the category a column of words without
  digits that repeat or are '|'-joined lists (``Animation|Children's|Comedy``).
* **users**: the first column is the shopper; the rest are demographic values.

Columns not read keep a positional name (``column_3``). This module only decides
names from a sample of rows; :func:`.table.read_table` validates every row as
with a header.
"""

from __future__ import annotations

import re
import time
from collections import Counter
from collections.abc import Iterable, Sequence
from typing import Any

import numpy as np

from .idlists import joined_ids
from .names import header_key, is_basket_header
from .schema import MISSING_VALUES
from .timestamps import EPOCH_PATTERN, epoch_seconds

SAMPLE_ROWS = 1000
"""Rows the decision is made on: enough to see an id column's variety, cheap to scan."""

_EPOCH = re.compile(EPOCH_PATTERN)
_EPOCH_SECONDS = (631_152_000, 2_208_988_800)  # 1990-01-01 .. 2040-01-01 UTC
"""A Unix time outside this range is more likely an id (an ISBN, a 9-digit visitor id)."""
_DATE = re.compile(r"\d{4}([-/.])\d{1,2}\1\d{1,2}([ T].*)?|\d{1,2}[/.]\d{1,2}[/.]\d{2,4}( .*)?"
                   r"|\d{1,2}-\d{1,2}-\d{4}( .*)?"  # '2024/02/09 19:22:50' (Japan), '30-10-2016 09:58'
                   # eBay's 'Sale Date' 'Feb-09-24': a month name, the day, a two-digit year
                   r"|(?i:(?:jan|feb|mar|apr|may|jun|jul|aug|sep|oct|nov|dec)[a-z]*-\d{1,2}-\d{2}(?:[ T].*)?)"
                   # Foursquare's and Twitter's 'Tue Apr 03 18:00:09 +0000 2012', 'Jan 3, 2024 8:10 AM'
                   r"|(?i:(?:[a-z]{3},? )?(?:\d{1,2}[ -])?(?:jan|feb|mar|apr|may|jun|jul|aug|sep|oct|nov|dec)"
                   r"[a-z]*[ -]\d{1,4}.*\d{4}.*)"
                   # the day first: '14-Nov-2019', Clover's '03-Jan-2024 08:10 AM EST', '01 Oct 2023'
                   r"|(?i:(?:[a-z]{3},? )?\d{1,2}[ -](?:jan|feb|mar|apr|may|jun|jul|aug|sep|oct|nov|dec)"
                   r"[a-z]*[ -]\d{2,4}(?:[ T].*)?)")
_DECIMAL = re.compile(r"-?\d+\.\d+")
_NUMBER = re.compile(r"-?\d+(\.\d+)?")
_COMMA_MONEY = re.compile(r"[-+]?\d{1,3}(?:[.\s\u00a0]\d{3})*,\d{2}|[-+]?\d+,\d{2}")
"""An amount written with a decimal comma and cents (``-3,99``, ``3.143,70``): no id."""
_CLOCK = re.compile(r"\d{1,2}:\d{2}(?::\d{2}(?:\.\d+)?)?(?:\s*[AaPp]\.?[Mm]\.?)?")
"""A time of day (``10:29:52.28``, ``1:45 PM``): no id (a jewellery shop's headerless orders had
read their times as items; real86-ap)."""
"""A time of day (``10:29:52.28``), no id."""
_DIGIT = re.compile(r"\d")
_WHOLE = re.compile(r"\d+(\.0+)?")
_ASIN = re.compile(r"B[0-9A-Z]{9}|\d{9}[\dX]")
"""An Amazon product id: ``B00004Y2UT``, or a book's ISBN-10 ``0000013714``. (A
reviewer's id, ``A2SUAM1J3GNN3B``, is longer.)"""


def asin_share(col: list[str]) -> float:
    return sum(bool(_ASIN.fullmatch(v)) and (v[0] == "B" or _isbn10(v)) for v in col) / max(len(col), 1)


def _isbn10(value: str) -> bool:
    """An ISBN-10's check digit holds (9 in 10 other 10-digit numbers, a phone number's,
    fail it): sum of digit i (from 10 down to 1) times i is a multiple of 11, X = 10."""
    digits = [10 if c == "X" else int(c) for c in value]
    return sum(d * w for d, w in zip(digits, range(10, 0, -1), strict=True)) % 11 == 0


class NoHeaderError(ValueError):
    """The first line is data, and the values do not say which column is which."""


def first_line_is_data(fields: Sequence[str], field_keys: Iterable[str], known_keys: Iterable[str],
                       second: Sequence[str] = ()) -> bool:
    """True when no field is a column name the table knows (``field_keys`` and
    ``known_keys``: names as the header matching normalises them, aliases included)
    and at least one field is a number or a date: ``196, 242, 3, 881250949``; Last.fm-1K's
    ``user_000001, 2009-05-04T23:08:57Z, f1b1cf71-..., Deep Dish, ...``; or two fields or
    more are prefixed ids of different prefixes (``u1``, ``i18``), or one beside an action,
    that the ``second`` line repeats in place, the first with its prefix (PredictionIO's
    ``u1::i18``, the Universal Recommender's ``u1,purchase,p1``: read as a header, refused
    for a missing user_id; real60-ao). Not R's ``V1,V2`` nor ``SKU1,SKU2``: one prefix.

    A header that names none of the known columns stops the load anyway, so reading
    such a line as data can only turn that error into a load or a clearer error."""
    if not fields or set(known_keys).intersection(field_keys):
        return False
    numbers = [int(f) for f in fields if f.strip().isdigit()]
    if (len(numbers) >= 5 and numbers == sorted(set(numbers)) and numbers[-1] - numbers[0] <= len(numbers) + 1
            and any(f.strip() and not _NUMBER.fullmatch(f.strip()) for f in fields)):
        # (a pivot's column labels, 'category1_name,1,2,3,...,13,All': a JAN code length per
        # category, read as 75 purchases of categories; real251-ax)
        return False
    if any(_NUMBER.fullmatch(f) or _DATE.fullmatch(f) or _NO_NAME.match(f) for f in fields):
        return True
    ids = [i for i, f in enumerate(fields) if _PREFIXED_ID.fullmatch(f)]
    # (an action beside one id: the Universal Recommender's 'u1,purchase,iphone'; session ao's review)
    acts = [i for i, f in enumerate(fields) if f.lower() in _ACTIONS and i < len(second) and second[i].lower() in _ACTIONS]
    return (len(second) == len(fields) and (len(ids) >= 2 or (ids and acts))
            and len({_PREFIXED_ID.fullmatch(fields[i])[1].lower() for i in ids}) == len(ids)
            and all(_PREFIXED_ID.fullmatch(second[i]) for i in ids)
            # (the first id's prefix repeats: a shopper's; an item's may change with its
            # category, 'TV0' then 'PH7'; session ao's review)
            and _PREFIXED_ID.fullmatch(second[ids[0]])[1] == _PREFIXED_ID.fullmatch(fields[ids[0]])[1])


_PREFIXED_ID = re.compile(r"([A-Za-z]{1,8})[-_]?\d+")
"""An id written as a few letters and a number: ``u1``, ``i18``, ``p-7``, ``user1``."""
_ACTIONS = frozenset({"view", "views", "click", "clicks", "purchase", "purchases", "buy", "cart", "addtocart",
                      "add_to_cart", "like", "favorite", "order", "rate", "rating", "play"})
"""An action as an event log writes it on each line."""


_NO_NAME = re.compile(r"https?://|[\[{]\s*[\[{\"]")
"""A field no header names a column with: a web address or JSON text. MIND's
``news.tsv`` is bare, ``N34700``, its category, title, abstract, ``https://assets.msn.com/...``
and entities as JSON lists: its first article had been read as the header, and the
file refused for a missing item_id."""


def sequence_layout(lines: list[str]) -> str:
    """How ``lines`` (a file's first lines) hold one shopper's items a line, separated by
    spaces, or "": ``"shopper"`` for ``1 1 2 3 4 5`` (the shopper, then the items in order:
    S3-Rec's and RecBole's Amazon Beauty and Taobao ``.txt``), ``"counted"`` for ``4 193
    11908 12727 14760`` (how many items, then the items; the shopper is the line: CiteULike's
    ``users.dat``, as CTR, CDL and CML use it), ``"basket"`` for ``63 64 65 66`` (one basket
    a line, every number an item: FIMI's ``retail.dat``). Every field a whole number, 20
    lines or more, lines of many lengths; each line's first number its own (a table's
    columns repeat their values), or on 95 % of the lines the count of the numbers after
    it, or else no number twice on a line."""
    # (FIMI's files end each line with a space: 'retail.dat' is '63 64 65 66 67 68 ')
    lines = [line.rstrip("\r \t") for line in lines if line.strip()]
    # One space between fields, none empty: a space-separated table with blank fields
    # ('1  7 3') has lines of several lengths too, and is a table (session ae's review).
    if any(line != line.lstrip() or "  " in line for line in lines):
        return ""
    rows = [line.split(" ") for line in lines]
    # Nine digits and more are Unix times or such, no item ids.
    if len(rows) < 20 or any(not all(f.isdigit() and len(f) < 9 for f in r) for r in rows):
        return ""
    if (min(len(r) for r in rows) >= 4 and all(int(r[0]) == len(r) - 1 and len(set(r[1:])) == len(r) - 1
                                               for r in rows)):
        # Every line the same count: CTR's 'cf-train-10-users.dat', 10 articles a user,
        # had been read as a table of 11 columns, its first two articles the shopper and
        # the item (5,551 of 55,510 pairs kept; real14-ah)
        return "counted"
    if len({len(r) for r in rows}) < 3 or max(len(r) for r in rows) < 4:
        return ""
    if sum(int(r[0]) == len(r) - 1 for r in rows) >= 0.95 * len(rows):
        return "counted"
    if len({r[0] for r in rows}) == len(rows):
        return "shopper"
    # First numbers that come back on other lines are items, not shoppers: FIMI's basket
    # files (retail.dat, kosarak.dat, T10I4D100K), each line a basket, its items distinct
    # (a basket lists an item once). They had been refused, the first basket taken for a
    # header: 'header has 63 64 65 66 67 68' (real-af, real2-af).
    # And a line's first number is an item found further along lines too (on 69-80 % of
    # FIMI's): a session a line whose shoppers come back ('3 194 371') has its shoppers'
    # numbers there alone, and had been read as baskets with each shopper an item
    # (session af's review).
    later = {f for r in rows for f in r[1:]}
    if sum(r[0] in later for r in rows) * 2 < len(rows):
        return ""
    return "basket" if all(len(set(r)) == len(r) for r in rows) else ""


def is_basket_per_line(rows: list[list[str]], known_keys: Iterable[str]) -> bool:
    """Whether ``rows`` (a file's first rows) are one basket a line, each field an item's
    name (the arules ``groceries.csv``: ``citrus fruit,semi-finished bread,margarine``;
    Kaggle's ``Market_Basket_Optimisation.csv``): no header (no known column name on the
    first line), no number or date anywhere, lines of varied lengths, and the same names
    at different places on different lines (a table's columns keep their values apart).
    Trailing empty fields (a spreadsheet pads to its widest line) are no items, nor an
    empty field between two names on a line in twenty or fewer (Electronidex's baskets:
    40 of 9,835 lines hold ``,,`` or ``, ,``; the whole file had been refused, its first
    basket taken for a header; real140-as)."""
    rows = [[f.strip() for f in r] for r in rows]
    for r in rows:
        while r and not r[-1]:
            r.pop()
    rows = [r for r in rows if r]
    if rows and is_basket_header(rows[0]):
        rows = rows[1:]  # (a one-word header, 'Basket', 'Transaction': blocks.basket_lines skips it)
    if len(rows) < 20 or set(known_keys).intersection(map(header_key, rows[0])):
        return False
    if any(_NUMBER.fullmatch(f) or _DATE.fullmatch(f) for r in rows for f in r if f) or sum(
            not all(r) for r in rows) > len(rows) / 20:
        return False
    rows = [[f for f in r if f] for r in rows]
    widths = {len(r) for r in rows}
    if len(widths) < 3 or max(widths) < 3:
        return False
    places: dict[str, set[int]] = {}
    for r in rows:
        for i, f in enumerate(r):
            places.setdefault(f, set()).add(i)
    return sum(len(p) >= 2 for p in places.values()) >= 3


_PAIR = re.compile(r"\(\s*\d+\s*,\s*\d+\s*\)")
"""A sampled-negatives line's first field, ``(user,item)``."""

WIDE_COLUMNS = 20
"""Columns of numbers a table needs to be taken for a wide one (a shopper a row, an item
a column): an interactions file has a handful of columns."""


def sampled_negatives(first: str, items: str) -> str:
    """The refusal of a file of sampled negatives whose lines start with ``first``."""
    return (f"it looks like sampled negatives (first field {first!r}, a (shopper,item) pair, then {items}: NCF's "
            "test.negative lists items the shopper did NOT have): no interactions to train on; give the file of what "
            "shoppers did (NCF's train.rating)")


def wide_table(columns: list[list[str]]) -> str:
    """Why the ``columns`` (values of the first rows) look like a wide table -- one row
    per shopper, one column per item, the cell a rating or a 0/1 flag (Jester's 100
    jokes, ``99`` for not rated; Santander's 24 ``ind_*_ult1`` products) -- or "".
    Read as a long file, two of its rating columns were taken for shopper and item."""
    numeric = [col for col in columns if col and all(_NUMBER.fullmatch(v) for v in col if v) and any(col)]
    if len(numeric) < WIDE_COLUMNS or len(numeric) * 2 < len(columns):
        return ""
    if columns[0] and all(_PAIR.fullmatch(v) for v in columns[0] if v) and any(columns[0]):
        # NCF's test.negative: '(0,25)' then 99 movies user 0 did NOT rate. Melted, as the
        # wide table's advice says, every sampled negative would have become a purchase.
        return sampled_negatives(columns[0][0], f"{len(numeric)} item ids")
    flags = sum(all(v in ("0", "1", "0.0", "1.0") for v in col if v) for col in numeric)
    if flags < WIDE_COLUMNS and any(is_time(col) for col in columns):
        return ""  # a long file with a time and many numeric features: one line an event
    what = f"{flags} columns of 0/1 flags" if flags >= WIDE_COLUMNS else f"{len(numeric)} columns of numbers"
    return (f"it looks like a wide table ({what} of {len(columns)}: one row per shopper, one column per "
            "item?): give one line per shopper and item instead (e.g. pandas' melt, keeping the cells that "
            "say the shopper has the item); if its columns are a survey's answers or a model's features "
            "(one-hot codes), not items, it holds no interactions")


COUNT_COLUMNS = 10
"""Columns of counts, mostly blank or 0, that make a header's file a basket matrix."""


def count_matrix(columns: list[list[str]]) -> str:
    """Why ``columns`` (values of a headed file's first rows, whose header names no item)
    look like a basket matrix -- one row per order, one column per product holding how
    many -- or "". A bakery's orders ('angbutter', 'plain bread', ... holding 1.0, 3.0 or
    nothing, beside 'datetime' and 'order_id'; real-ae) had been refused for a missing
    item_id, unexplained; :func:`wide_table` passes over it for its time column. Only for
    a load that stops anyway: a long file's numeric features are filled on most lines,
    but an optional one may not be."""
    # (a column blank on every row counts nothing: a Shopify product export's unused option
    # and Google Shopping fields had made a catalogue a basket matrix; real78-ap)
    counts = [col for col in columns if col and all(_WHOLE.fullmatch(v) for v in col if v)
              and sum(v in ("", "0", "0.0") for v in col) * 2 > len(col) and any(v not in ("", "0", "0.0") for v in col)]
    # Three columns or more with a cell above 1: an order file's 0/1 flags ('gift',
    # 'express', 'coupon') beside a discount and points are no items, and melted they would
    # be (session ae's review). (Twenty or more 0/1 columns are :func:`wide_table`'s.)
    if len(counts) < COUNT_COLUMNS or sum(any(float(v) > 1 for v in col if v) for col in counts) < 3:
        return ""
    return (f"it looks like a basket matrix ({len(counts)} columns of counts, mostly blank or 0, of {len(columns)}: "
            "one row per order, one column per item?): give one line per order and item instead (e.g. pandas' "
            "melt, keeping the cells above 0 as the quantity)")


def is_time(values: list[str], *, epochs: bool = True) -> bool:
    """Whether a column's values are dates or Unix times (at least half filled); with
    ``epochs=False`` written dates or times only (an order number or a barcode can look
    like a Unix time). Unix times more than 1 % of which lie after tomorrow are ids: a
    log is written after its events, and Yahoo! Movies' 10-digit ids (1800019594: April
    2027) had been taken for the time, the file refused for want of an item (real2-ae)."""
    filled = [v for v in values if v]
    if not filled or len(filled) * 2 < len(values):
        return False
    future = 0
    tomorrow = time.time() + 86_400
    for value in filled:
        if _DATE.fullmatch(value) or _DAY_DIGITS.fullmatch(value):
            continue
        if not epochs or not _EPOCH.fullmatch(value):
            return False
        seconds = float(epoch_seconds(float(value)))
        if not _EPOCH_SECONDS[0] <= seconds <= _EPOCH_SECONDS[1]:
            return False
        future += seconds > tomorrow
    return future <= 0.01 * len(filled)


_DIGIT_TOKEN = re.compile(r"\S*\d\S*")


def _is_id_list(value: str) -> bool:
    """Two or more tokens, each with a digit: a list of ids ('N1 N2-1'), not a name ('Game
    6's Edition'). Token by token: the regex this was (a run of digit-holding tokens in
    one pattern) backtracked exponentially on a long run of such tokens ending in a word (9.3 s for one
    of Adobe's hit lines; a 1.8 MB data feed took 343 s to load)."""
    tokens = value.split()
    return len(tokens) >= 2 and all(_DIGIT_TOKEN.fullmatch(t) for t in tokens)


_BARE_ID = re.compile(r"[A-Za-z]{0,3}\d+(?:-\d+)?")
"""A list's id as an impression log writes it: 'N64727', 'N64727-1' (clicked), '1204'."""


def _is_bare_id_list(value: str) -> bool:
    """Two or more tokens, each a bare id (:data:`_BARE_ID`): MIND's history and
    impressions; not Amazon's helpful votes '[0, 0]' nor its review date '02 28, 2014'
    (session af: read as lists, Amazon's reviews had been refused as an impression log)."""
    tokens = value.split()
    return len(tokens) >= 2 and all(_BARE_ID.fullmatch(t) for t in tokens)


def is_row_key(col: list[str]) -> bool:
    """Whole numbers rising (or falling: an export newest first) on every row of 50 or
    more: a line's or an event's key."""
    filled = [v for v in col if v]
    if len(filled) < 50 or len(filled) < len(col) or not all(v.isdigit() for v in filled):
        return False
    numbers = [int(v) for v in filled]
    pairs = list(zip(numbers, numbers[1:], strict=False))
    return all(b > a for a, b in pairs) or all(b < a for a, b in pairs)


def _follows(key: list[str], times: list[str]) -> bool:
    """Whether a column's times keep (nine in ten steps, rising or falling) the order of a
    row key: a till's or a log's line number, where a file of one line per shopper (0, 1,
    2 ...) has times in no order."""
    order = sorted(range(len(key)), key=lambda i: int(key[i]) if key[i].isdigit() else -1)
    stamps = [times[i] for i in order if times[i]]
    try:
        values = [float(v) for v in stamps]
    except ValueError:
        values = stamps  # written dates: their text sorts as they do when all are one format
    steps = list(zip(values, values[1:], strict=False))
    # Either way: an export newest first numbers its lines as it writes them
    return not steps or 10 * max(sum(b >= a for a, b in steps), sum(b <= a for a, b in steps)) >= 9 * len(steps)


def _is_label(col: list[str]) -> bool:
    """Whether a column is a 0/1 (or -1/1, libFM's; 0.0/1.0, PaddleRec SIGN's) label, both
    values present: every value filled and one of the two."""
    values = set(col)
    return len(col) >= 2 and (values == {"0", "1"} or values == {"-1", "1"} or values == {"-1", "+1"}
                              or values == {"0.0", "1.0"})


def _mostly_distinct(col: list[str]) -> bool:
    """Whether half or more of a column's filled values are distinct: taken for the
    shopper, most shoppers would have one line."""
    filled = [v for v in col if v]
    return bool(filled) and len(set(filled)) * 2 >= len(filled)


def _is_scale(col: list[str]) -> bool:
    """Whether a column looks like a rating: 50 or more values, whole or half steps from
    0 to 10, at most 10 of them (1-5 stars; 0.5-5 in half stars)."""
    filled = [v for v in col if v]
    if len(filled) < 50 or not all(_SCALE_VALUE.fullmatch(v) for v in filled):
        return False
    values = {float(v) for v in filled}
    return len(values) <= 10 and max(values) <= 10


_SCALE_VALUE = re.compile(r"\d{1,2}(?:\.[05]0*)?")


MISSING_MARKERS = frozenset({"-1", "?"} | {v.lower() for v in MISSING_VALUES})
"""Values a headerless export writes for 'not given': the reader's missing-value markers
(:data:`.schema.MISSING_VALUES`), lower-cased, and a log's ``-1`` (Criteo's) or ``?``."""


MANY_IDS = 6
"""Columns that could be ids, more than which a headerless file is not guessed at: the
public logs read by their values have two to four (u.data, Taobao's, YOOCHOOSE's)."""


def _weak_pair(user: list[str], item: list[str]) -> bool:
    """Whether the first two id-like columns make no plausible shopper and item: a count as
    the shoppers (10 or fewer small numbers, up to 100, changing from line to line: a log
    sorted by a few heavy shoppers keeps each for a run of lines) or a new item on every line."""
    count = (len(set(user)) <= 10 and all(v.isdigit() and int(v) <= 100 for v in user)
             and sum(a == b for a, b in zip(user, user[1:], strict=False)) * 2 < len(user))
    return count or len(set(item)) == len(item)


def _times_of(timed: list[str], dated: list[str]) -> bool:
    """Whether a column writes the date-only column's dates with a time of day: on 8 lines
    in 10 it starts with that line's date and a clock follows, not only midnight's."""
    pairs = [(t, d) for t, d in zip(timed, dated, strict=True) if t and d]
    same = sum(t.startswith(d) and ":" in t[len(d):] for t, d in pairs)
    return bool(pairs) and same >= 0.8 * len(pairs) and any(not re.search(r"\b00:00(:00)?(\.0+)?$", t)
                                                          for t, _ in pairs)


def _owned(owners: list[str], values: list[str], share: float = 0.95) -> bool:
    """Whether each value of ``values`` goes with one owner: of those on two lines or more
    (20 of them at least), ``share`` (19 in 20) with one value of ``owners`` only."""
    seen: dict[str, set[str]] = {}
    for o, v in zip(owners, values, strict=True):
        if o and v:
            seen.setdefault(v, set()).add(o)
    counts = Counter(v for v in values if v)
    repeated = [v for v, n in counts.items() if n >= 2]
    return len(repeated) >= 20 and sum(len(seen[v]) == 1 for v in repeated) >= share * len(repeated)


def _items_of_one_owner(columns: list[list[str]], user: int, item: int, others: list[int]) -> bool:
    """Whether the column taken for the shoppers holds names (fewer than 1 in 10 of its
    distinct values with a digit) that the item column belongs to (:func:`_owned`), and a
    third text column belongs to the items in turn: a catalogue's three levels (a listening
    log's artists, their albums and the albums' tracks). A shop's customers share their
    products; a B2B buyer who reorders its own SKUs has no third level (session am's
    reviews)."""
    names = {u for u in columns[user] if u}
    if not names or sum(any(c.isdigit() for c in u) for u in names) * 10 >= len(names):
        return False
    if not _owned(columns[user], columns[item]):
        return False
    # (a track's title may be on a single and an album: 195 of 213 in the real file's head)
    return any(_owned(columns[item], columns[i], 0.85) for i in others
               if sum(any(c.isalpha() for c in v) for v in columns[i] if v) * 2 > len(columns[i]))


_ORDER_STATES = frozenset({"complete", "completed", "paid", "unpaid", "pending", "processing", "shipped", "delivered",
                           "cancelled", "canceled", "refunded", "returned", "failed", "open", "closed", "new",
                           "on hold", "in progress", "fulfilled", "unfulfilled", "confirmed", "draft"})
"""An order's states, as a shop writes them: never an id."""
_PRICED_LIST = re.compile(r"[^:;]+:\s*\d+(?:[.,]\d+)?(?:\s*;\s*[^:;]+:\s*\d+(?:[.,]\d+)?)+;?")
"""Two or more ``name:number`` pairs joined by semicolons: a basket's products with their
prices or counts in one cell."""


def is_sentence(value: str, words: int) -> bool:
    """Whether a value is a sentence: ``words`` words or more, most of them lower case (a
    review's text; a person's four names or a product's title are capitalised)."""
    split = value.split()
    return len(split) >= words and 2 * sum(w[:1].islower() for w in split) > len(split)


def _can_be_id(col: list[str]) -> bool:
    """Whether a column's values can be shopper or item ids: not mostly decimals (5.0,
    3.5: ratings or prices; Jester's -7.82 beside its 99 for 'not rated'), not lists
    (MIND's 'N1 N2 N3' history), and more than two values in a sample of 50 or more
    rows (Criteo's 0/1 click label)."""
    filled = [v for v in col if v]
    if not filled:
        return False
    if 2 * sum(1 for v in filled if v.lower() in MISSING_MARKERS) >= len(filled):
        return False  # (mostly 'not given': Criteo's -1 on 85 % of its sales column had made shopper '-1')
    if _mostly_decimals(filled):
        return False
    if 2 * sum(1 for v in filled if _COMMA_MONEY.fullmatch(v)) >= len(filled):
        return False  # (a German bank export's '-3,99', '3.143,70': its amounts had been the items; real204-av)
    if 2 * sum(1 for v in filled if _is_id_list(v)) >= len(filled):
        return False
    if 2 * sum(1 for v in filled if _CLOCK.fullmatch(v)) >= len(filled):
        return False  # (a scan's time of day, '10:29:52.28': 8,865 'shoppers' of one line; real7-ag)
    if 2 * sum(1 for v in filled if _YEAR_MONTH.fullmatch(v)) >= len(filled):
        return False  # (a month, '2015-01': a cohort table's, read as its shoppers; real245-ax)
    if 2 * sum(1 for v in filled if _IPV4.fullmatch(v)) >= len(filled):
        return False  # (a login log's addresses: a Flink course's LoginLog.csv, its IPs the 'items'; real121-ar)
    if 5 * sum(1 for v in filled if v.lower().replace("-", " ").replace("_", " ") in _ORDER_STATES) >= 4 * len(filled):
        # (an order's state, 'complete', 'paid', 'shipped': read as the item of a headerless
        # orders file once its basket cell was no id; round 45)
        return False
    if 2 * sum(1 for v in filled if _PRICED_LIST.fullmatch(v)) >= len(filled):
        # (a basket written as 'Lobster:17.18;Camomile:83.21': the products, never one id;
        # read as the shopper, 33 customers had been the items; round 45)
        return False
    if 2 * sum(1 for v in filled if is_sentence(v, words=8)) >= len(filled):
        # (sentences: a review scrape's text beside its stars, 'giao hàng nhanh, shop đóng gói
        # kĩ ...': 719 reviews had been the items of five 'shoppers', the star ratings; round 44.
        # Most words lower case: a marketplace's long capitalised titles are ids; review 66)
        return False
    # (two numbers of five digits or more, not years, are two shoppers: a sample cut from
    # the head of a log sorted by shopper, AVS's '86246' and '86252', had given the shopper's
    # place to the department; real191-au. Not 'true' and 'false', a store's 'ST01' and
    # 'ST02', years 2023 and 2024: review 70. Two md5 hashes too: review 71)
    values = set(filled)
    return len(filled) < 50 or len(values) > 2 or (
        len(values) == 2 and all(re.fullmatch(r"\d{5,}|[0-9a-f]{32}", v) for v in values))


_YEAR_MONTH = re.compile(r"(?:19|20)\d\d[-/.](?:0[1-9]|1[0-2])|(?:0[1-9]|1[0-2])[-/.](?:19|20)\d\d")
"""A month of a year ('2015-01', '01/2015'): a period, no shopper's or item's id."""
WEB_REQUEST = re.compile(r"(?:GET|POST|HEAD|PUT|DELETE|OPTIONS|PATCH) \S+ HTTP/\d(?:\.\d)?")
"""A web server's request line, as an access log writes it."""
_IPV4 = re.compile(r"(?:(?:25[0-5]|2[0-4]\d|1\d\d|[1-9]?\d)\.){3}(?:25[0-5]|2[0-4]\d|1\d\d|[1-9]?\d)")
"""An IPv4 address: a client's, no product (nor shopper: many people share one). Four
numbers of 0 to 255 without leading zeros: not a material code '1.02.05.014'."""


def _item_of(columns: list[list[str]], ids: list[int]) -> int:
    """Of the id columns after the shopper's (``ids[0]``), the first that is no phone or
    address of the shopper's (:func:`_of_the_shopper`): a Chinese fruit shop's order dump
    had read its 33 buyers' phones as its 27 'items', then their addresses (real13-ah).
    The second id column where every later one is such too."""
    users = columns[ids[0]]
    if len(set(users)) > 0.8 * len(users):  # (shoppers must come back, a fifth of the lines)
        return ids[1]
    return next((i for i in ids[1:] if not _of_the_shopper(users, columns[i])), ids[1])


def _of_the_shopper(users: list[str], values: list[str]) -> bool:
    """Whether a column holds phone numbers or addresses (:func:`_phone_or_address`) that
    each go with one shopper, about one a shopper: nine in ten of its values with one
    owner, and no more of them than 1.25 a shopper. Blanks are passed over. Not a column
    of short codes: a refill shop whose customers each rebuy a product of their own has its
    items so (session ah's review)."""
    pairs = {(u, v) for u, v in zip(users, values, strict=True) if v}
    given = [v for v in values if v]
    if len(given) * 2 < len(values) or not all(_phone_or_address(v) for v in given):
        return False
    owners = Counter(v for _, v in pairs)
    shoppers = len({u for u, _ in pairs})
    return sum(n == 1 for n in owners.values()) >= 0.9 * len(owners) and len(owners) <= 1.25 * shoppers


_EMAIL = re.compile(r"[^@\s,;]+@[^@\s,;]+\.[A-Za-z]{2,}")


def _emails(col: list[str]) -> bool:
    """Whether nine in ten of a column's given values are e-mail addresses."""
    given = [v for v in col if v]
    return bool(given) and sum(bool(_EMAIL.fullmatch(v)) for v in given) >= 0.9 * len(given)


def _phone_or_address(value: str) -> bool:
    """A phone number, or an address: a comma, three words or more, 12 characters, or two
    of an address's characters (:data:`_CJK_ADDRESS`)."""
    return bool(_PHONE_LIKE.fullmatch(value) or "," in value or len(value.split()) >= 3 or len(value) >= 12
                or len(_CJK_ADDRESS.findall(value)) >= 2)


_CJK_ADDRESS = re.compile("[省市区區县縣镇鎮路街道号號都府県町村丁]")
"""The characters a Chinese or Japanese address is written with (province, city, district,
road, street, number ...): two of them make ``厦门市思明区路21号`` an address."""
_RELATION = re.compile(r"[a-z][a-z_]*(?:\.[a-z][a-z_]*){1,}")
"""A knowledge graph's relation, as Freebase names it: ``music.artist.origin``."""
_PHONE_LIKE = re.compile(r"\+?\(?\d[\d ().-]{6,18}\d")
"""A phone number as a shop writes it: ``13313859284``, ``+49 30 1234567``, ``(373) 340-5302``."""


def _units_of(columns: list[list[str]], count: int) -> int | None:
    """The amount column of a column of unit counts (:func:`_is_count`, :func:`_amount_of`),
    or None. 1 on a tenth of the lines is enough where another column is the units times a
    price (:func:`_line_total_of`): AdventureWorksLT's reseller orders have 1 unit on 23 %
    of their lines, and their 'OrderQty' had been the item (real177-au)."""
    col = columns[count]
    if not _is_count(col, ones=0.1):
        return None
    if _share_of_ones(col) >= 0.25:
        return _amount_of(columns, count)
    units = np.array([float(v) if v else np.nan for v in col])
    return _line_total_of(columns, count, units, ~np.isnan(units))


def _is_count(col: list[str], ones: float = 0.25) -> bool:
    """Whether a column is a line's count of units rather than ids: whole numbers below
    100, few of them, 1 the most common (on a quarter of the lines or more) and each of 1,
    2, 3 more common than the next (CDNOW's number of CDs, 1 on 45 %, had been read as the
    item, 43 'products', once its dates were no longer: real11-ag). Only beside a column
    of its amounts (:func:`_amount_of`)."""
    filled = [v for v in col if v]
    if len(filled) < 50 or not all(v.isdigit() and len(v) <= 2 for v in filled):
        return False
    seen = Counter(int(v) for v in filled)
    return (len(seen) <= 30 and seen.most_common(1)[0][0] == 1 and _share_of_ones(col) >= ones
            and seen[1] > seen[2] > seen[3] > 0)


_CLOCK_TIME = re.compile(r"(?:[01]?\d|2[0-3]):[0-5]\d(?::[0-5]\d)?")
_LABELS = frozenset({"0", "1", "-1", "+1", "0.0", "1.0"})
_FEATURE = re.compile(r"\d+(?::\d+)?:-?\d+(?:\.\d+)?(?:[eE]-?\d+)?")
"""A libSVM / libFM feature (``3:1``) or a libffm one (``0:12:0.3651``)."""


def _bag_of_features(columns: list[list[str]], features: list[int]) -> bool:
    """Whether index:value columns are a bag of features rather than one field a column:
    libffm's ``field:index:value``, or indices the columns share (a fifth more places than
    indices), or one-hot fields of a few values each (xLearn's agaricus); Frappe's libFM
    file gives each field its own range of indices (its user's, then its item's), and is
    read as those ids."""
    sets = [{v.split(":")[0] for v in columns[i] if v} for i in features]
    triple = any(v.count(":") == 2 for i in features for v in columns[i] if v)
    # One-hot fields of a few values each (agaricus: 1-7 values a column over 1,000 lines)
    # hold no shopper or item: an id column takes tens of values at least in a sample
    # (Frappe's libFM: 359 users, 791 apps in 1,000 lines).
    # (no column: a libFM file sorted by user has a few users in its first 1,000 lines, and
    # its items; session ak's review)
    few = len(columns[0]) >= 100 and not any(len(set(columns[i])) >= 20 for i in features)
    return triple or few or sum(map(len, sets)) > 1.2 * len(set().union(*sets))


def _mostly_ones(col: list[str]) -> bool:
    """Whether a column holds whole numbers below 100, 1 the most common on 40 % of the
    lines or more: a line's units, as tills write them (an impression's position 1-10 is
    as often 7 as 1; session aj's second review)."""
    filled = [v for v in col if v]
    if not filled or not all(v.isdigit() and len(v) <= 2 for v in filled):
        return False
    return Counter(filled).most_common(1)[0][0] == "1" and _share_of_ones(col) >= 0.4


def _amount_of(columns: list[list[str]], count: int) -> int | None:
    """The column that is the amount of a column of unit counts, or None: numbers on
    every line, larger on the whole (twice the counts' mean or more), that grow with the
    counts (correlation 0.5 or more): CDNOW's dollars beside its number of CDs, whole
    numbers or not. A small catalogue's ids ranked by sales, beside a price that does not
    grow with them, is no count (session ah's review)."""
    units = np.array([float(v) if v else np.nan for v in columns[count]])
    given = ~np.isnan(units)
    if (total := _line_total_of(columns, count, units, given)) is not None:
        return total
    for j, col in enumerate(columns):
        if j == count or not col or not all(_NUMBER.fullmatch(v) for v in col):
            continue
        amount = np.array([float(v) for v in col])
        if (amount[given].std() > 0 and units[given].std() > 0
                and np.nanmean(amount) >= 2 * np.nanmean(units)
                and np.corrcoef(units[given], amount[given])[0, 1] >= 0.5):
            return j
    return None


def _line_total_of(columns: list[list[str]], count: int, units: np.ndarray, given: np.ndarray) -> int | None:
    """The column that is the units times another column (a line's total beside its unit
    price), on three in four of the lines with more than one unit (ten at least; the rest
    discounted), or None.
    AdventureWorksLT's bcp unload of 'SalesOrderDetail' (no header: order, line key,
    'OrderQty', product, unit price, discount, 'LineTotal') had its quantities read as
    the items: a total's correlation with the units is weak where prices vary
    (real120-ar); the product says it."""
    several = given & (units > 1)
    if several.sum() < 10:
        return None
    numeric = {j: np.array([float(v) for v in col]) for j, col in enumerate(columns)
               if j != count and col and all(_NUMBER.fullmatch(v) for v in col)}
    for j, amount in numeric.items():
        for k, price in numeric.items():
            if k != j and price[several].std() > 0 and np.isclose(
                    amount[several], units[several] * price[several], rtol=0.01, atol=0.01).mean() >= 0.75:
                return j
    return None


def _share_of_ones(col: list[str]) -> float:
    filled = [v for v in col if v]
    return sum(v == "1" for v in filled) / max(len(filled), 1)


def _mostly_decimals(col: list[str]) -> bool:
    filled = [v for v in col if v]
    return bool(filled) and 2 * sum(1 for v in filled if _DECIMAL.fullmatch(v)) >= len(filled)


def _is_date_text(values: list[str]) -> bool:
    return any(_DATE.fullmatch(v) for v in values if v)


_DAY_DIGITS = re.compile(r"(?:19|20)\d\d(?:0[1-9]|1[0-2])(?:0[1-9]|[12]\d|3[01])")
"""A date of eight digits, ``yyyymmdd`` (CDNOW's ``19970101``): as a Unix time it is 1970,
so it had passed as an id, and CDNOW's order dates were read as its items, 546 'products'
(real11-ag). Every value of a column must be one (:func:`is_time`)."""


EVENT_WORDS_MAX = 12
"""Distinct values of a column of action words at most (Microsoft's usage files: Click,
RecommendationClick, AddShopCart, RemoveShopCart, Purchase)."""


def _event_column(columns: list[list[str]], names: list[str], words: set[str]) -> int | None:
    """The column of actions: the first whose every value is an action word the schema
    knows; else the first of a few distinct words (:data:`EVENT_WORDS_MAX`), letters only,
    that the known words fill a fifth of, two of them actions (or most lines known). Its
    other words are then bad rows naming ``--event-codes``; read only where every value
    was known, Microsoft's usage file (Click, AddShopCart, RemoveShopCart, Purchase) had
    every line a purchase, removals too."""
    def key(v: str) -> str:
        return re.sub(r"[\s_-]", "", v.lower())

    loose = None
    for i, col in enumerate(columns):
        filled = [v for v in col if v]
        if names[i] == "timestamp" or not filled:
            continue
        known = sum(key(v) in words for v in filled)
        if known == len(filled):
            return i
        distinct = {key(v) for v in filled}
        # (two actions among them, or known words on most lines: a price type's 'Sale' among
        # 'Regular' and 'Clearance' is no event column)
        if (loose is None and len(distinct) <= EVENT_WORDS_MAX and known * 5 >= len(filled)
                and all(d.isalpha() for d in distinct) and (len(distinct & words) >= 2 or known * 2 > len(filled))):
            loose = i
    return loose


def column_names(rows: list[list[str]], table: str, event_words: Iterable[str], *,
                 time_required: bool = True) -> tuple[list[str], str]:
    """Names for the columns of ``rows`` (the file's first rows, the first line among
    them) as ``table`` ("interactions", "items" or "users") needs them, and how they
    were chosen, for a note. Raises :class:`NoHeaderError` with the reason when the
    values do not say. Without ``time_required`` an interactions file may have no
    time column (the caller gives it a clock)."""
    # The usual width, not the widest: an unquoted comma in a title (Netflix's
    # movie_titles.csv, 'Happy, Texas') widens a row or two, not the file.
    widths = Counter(len(r) for r in rows)
    width = max(widths, key=lambda w: (widths[w], w), default=0)
    all_rows = rows[:SAMPLE_ROWS]
    rows = [r for r in rows if len(r) == width][:SAMPLE_ROWS]
    columns = [[r[i].strip() for r in rows] for i in range(width)]
    names = [f"column_{i + 1}" for i in range(width)]
    said: list[str] = []
    if table == "interactions":
        wide = wide_table(columns)
        if wide:
            raise NoHeaderError(wide)
        if _text_boxes(columns):
            # (ICDAR SROIE's receipt OCR: 'x1,y1,x2,y2,x3,y3,x4,y4,text'; 15,150 boxes of 300
            # receipts had been read as purchases, column 1 the shopper; real185-au)
            raise NoHeaderError("its lines are text boxes: eight pixel coordinates, then a line of text (a receipt "
                                "OCR's output, as ICDAR SROIE writes it), no shoppers' purchases; give the receipts' "
                                "lines as a table (a receipt id, the product, the date)")
        months = [i for i, col in enumerate(columns) if col and sum(bool(_YEAR_MONTH.fullmatch(v)) for v in col) >= 0.9 * len(col)]
        # (the month first or second, as a query grouped by it writes it, 'sku,2015-01,units,
        # revenue' too, review 82: a monthly grain's purchases, 'customer, product, 2015-01,
        # qty, amount', are lines of shoppers; review 81)
        # (second only beside one id-like column at most: 'sku,2015-01,units,revenue' is a
        # summary, 'customer,2015-01,product,qty,amount' a monthly grain's lines; review 85)
        # (an id repeats: a customer's or a product's number comes back on a third of the
        # lines or fewer distinct values; units and whole revenue vary; review 87)
        ids = [i for i, col in enumerate(columns) if i not in months and 5 <= len(set(col)) <= len(col) / 3
               and all(v.isdigit() for v in col if v) and max((int(v) for v in col if v), default=0) >= 100]
        if months and (months[0] == 0 or (months[0] == 1 and len(ids) <= 1)) and width >= 3 and all(
                i in months or (col and all(_NUMBER.fullmatch(v) for v in col if v)) for i, col in enumerate(columns)):
            # (a cohort-retention query's output, '2015-01,18439,0,18439,100': the month had
            # been 378 lines' shopper and the cohort's size their item; real245-ax)
            raise NoHeaderError(f"its lines are a month ({columns[months[0]][0]!r}) and numbers only: a summary by "
                                "period (counts, sizes, shares), no shopper's or order's lines; export the lines the "
                                "summary was made from")
        features = [i for i, col in enumerate(columns) if i and col
                    and sum(bool(_FEATURE.fullmatch(v)) and not _CLOCK_TIME.fullmatch(v) for v in col) >= 0.8 * len(col)]
        # (a label first: two columns of clock times, '14:41', '10:27:00', are no features; session
        # aj's last review)
        if (len(features) >= 2 and 2 * len(features) >= width - 1 and set(columns[0]) <= _LABELS
                and _bag_of_features(columns, features)):
            # (xLearn's agaricus_train.txt: '1 3:1 9:1 ...' had been read label first, its
            # index:value tokens as shoppers and items; real27-aj)
            raise NoHeaderError("its lines are a label and index:value features (libSVM, libFM or libffm: "
                                f"{' '.join(rows[0][:4])} ...), no shopper or item column: write one line per "
                                "shopper and item (user_id, item_id, timestamp if there is one)")
        times = [i for i, col in enumerate(columns) if is_time(col)]
        if not times and time_required:
            raise NoHeaderError("no column holds dates or Unix times")
        small = [max(int(v) for v in col if v) for col in columns
                 if col and all(v.isdigit() and len(v) <= 3 for v in col if v) and any(col)]
        # (not where the first column numbers its lines, each once: S3-Rec's sequences, a
        # shopper then the items, 'u i i i ...')
        if not times and width >= 5 and len(small) == width and max(small) <= 2 * min(small) and len(
                set(columns[0])) < len(columns[0]):
            # (an RNN experiment's generated sequences, ten columns of 0-99: column 1 had been
            # 100 shoppers, column 2 their items, and trained; round 40)
            raise NoHeaderError(f"its {width} columns all hold small whole numbers alike (0 to {max(small)}): a "
                                "matrix or sequences of numbers, no shopper and item columns to tell apart; put a "
                                "header line first that names them (user_id, item_id)")
        if not times and _spade_events(columns):
            # cSPADE's and arulesSequences' 'sequenceID eventID SIZE item' (SIZE 1 on every
            # line): the event number had been the item, and the events shuffled for want of
            # an order they give (real176-au). Read as each sequence's shopper and the item,
            # the lines in their events' order (so each sequence's last events are its test).
            return (["user_id", "column_2", "column_3", "item_id"],
                    "column 1 as user_id, 4 as item_id; column 2 not read (each sequence's event numbers, which "
                    "never fall: the lines are in their order), column 3 not read (each event's size, 1 on every "
                    "line): cSPADE's sequence layout")
        records = Counter(r[0].strip() for r in all_rows if r)
        # (each type its own width, as an invoice's 'H', 'T' and 'F' have: a file whose first
        # field is a gender, M or F, with two lines widened by a comma, is a table; reviews 68
        # and 69: an export of many invoices, an 'H' for each, is still typed records)
        widths_of = {k: Counter(len(r) for r in all_rows if r and r[0].strip() == k).most_common(1)[0][0]
                     for k in records}
        if (len(records) in (2, 3, 4) and all(re.fullmatch(r"[A-Z]", k) for k in records)
                and len(set(widths_of.values())) >= 2):
            # Marg's and Busy's invoice files: a header record ('H'), item lines ('T') and a
            # footer ('F'), each its own fields; the manufacturers' codes had been read as the
            # shoppers of their own names (real175-au)
            kinds = ", ".join(f"{k!r} on {n:,}" for k, n in records.most_common())
            raise NoHeaderError(f"its lines are typed records (column 1 is the record's type: {kinds} of the first "
                                f"{sum(records.values()):,} lines), each type with fields of its own, as Marg's and "
                                "Busy's invoice files write them: no one table of shoppers and items; export the "
                                "sales register's item lines as a table with a header line")
        if times:
            # A written date over an epoch-looking number; then the last such column
            # (u.data, ratings.dat, Taobao and Amazon all end with the time).
            dated = [i for i in times if _is_date_text(columns[i])]
            # A yyyymmdd day last: a warehouse unload's day key or partition ('20230301')
            # beside the event's own time had taken its place, hours lost (session ah's review)
            days = [i for i in times if all(_DAY_DIGITS.fullmatch(v) for v in columns[i] if v)]
            timed = [i for i in times if i not in days]
            # (a written date with its time of day over one without: a coffee machine's dump
            # gives 'date' then 'datetime', and 3,547 sales had been read at midnight; real39-am)
            # Only the same days' times: a delivery's, an update's or a shipping time is another
            # moment (session am's review).
            clocked = [i for i in dated[1:] if _times_of(columns[i], columns[dated[0]])]
            time = clocked[0] if clocked else dated[0] if dated else timed[-1] if timed else days[0]
            names[time] = "timestamp"
            said.append(f"{time + 1} as timestamp")
        event = _event_column(columns, names, set(event_words))
        if event is not None:
            names[event] = "event_type"
            said.append(f"{event + 1} as event_type")
        # (not another written date: a day column beside the one read with its hours)
        written = [i for i in times if _is_date_text(columns[i])] if times else []
        ids = [i for i, col in enumerate(columns) if names[i].startswith("column_") and _can_be_id(col)
               and i not in written]
        counts = {i: amount for i in ids if (amount := _units_of(columns, i)) is not None}
        ids = [i for i in ids if i not in counts and i not in counts.values()]
        # A column the same as an earlier one on every line says nothing of its own: IBM's
        # Quest generator writes 'customer transaction item', one transaction a customer,
        # and the transaction had been the item, each customer buying their own number
        # (real176-au).
        # (not one value on every line: a clickstream's three columns of '42' are no repeat of
        # one id; dropped, they had let an epoch second be read as the item)
        ids = [i for k, i in enumerate(ids) if len(set(columns[i])) == 1
               or not any(columns[i] == columns[j] for j in ids[:k])]
        # A row number (MIND's impression id: 1, 2, 3 ...) is an event's own key, neither
        # who made it nor what it was of. (Distinct alone is no sign: Amazon's ratings,
        # sorted by item, show a new shopper on nearly every line.)
        lists = [i for i, col in enumerate(columns) if len(col) >= 20
                 and 2 * sum(1 for v in col if _is_bare_id_list(v)) >= len([v for v in col if v]) > 0]
        if len(lists) >= 2:
            # MIND's behaviors.tsv: an impression id, the user, the time, the clicked history
            # and the impressions ('N1-1 N2-0'), a list each. A shuffled sample's impression ids
            # are no row number, and had been read as the shoppers, the users as the items
            # (real4-af): one line is many interactions, which no column names.
            raise NoHeaderError(
                f"columns {_spans([i + 1 for i in lists])} hold lists of ids on most lines (an impression log's "
                "history and impressions, as MIND's behaviors.tsv), so a line is many interactions: give one "
                "line per shopper and item (for MIND, each clicked 'N…-1' of the impressions)")
        if len(lists) == 1 and lists[0] not in ids and _products_listed(columns[lists[0]]) and (
                (buyer := _buyer_beside_a_list(columns, ids)) is not None):
            # One column of id lists, the rest single ids: a basket a line, its products
            # listed ('2013-01-01|202|530|20 3 1': a Colombian supermarket's day, store,
            # customer and products; the store had been the shopper and the customer the
            # item, the products unread; real124-ar). The products are the item
            # (lines.item_lists makes a row of each), the shopper :func:`_buyer_beside_a_list`.
            # Only a list of products (lists of several lengths whose ids come back on other
            # lines: not phones '06 12 22 30 40', amounts '12 500'; session ar's review).
            names[buyer], names[lists[0]] = "user_id", "item_id"
            said += [f"{buyer + 1} as user_id", f"{lists[0] + 1} as item_id (a list of the basket's products a line)"]
            said.sort(key=lambda s: int(s.split()[0]))
            not_read = _spans([i + 1 for i, n in enumerate(names) if n.startswith("column_")])
            return names, "column " + ", ".join(said) + (f"; column {not_read} not read" if not_read else "")
        keys = [i for i in ids if is_row_key(columns[i])]
        ids = [i for i in ids if i not in keys]
        if keys and len(ids) >= 2 and _is_scale(columns[ids[1]]) and (
                _mostly_distinct(columns[ids[0]]) or (times and not _follows(columns[keys[0]], columns[time]))):
            # NCF's ml-1m.test.rating: user, movie, rating, time, one line per user (0, 1, 2,
            # ...). With the user taken for a row number the movie had become the shopper
            # (a new one on most lines) and the 1-5 rating the item; the load stopped on '5
            # distinct items'. (A till's index, then customers who come back and a menu of
            # 8 items, is read as before: session af's review.) Yelp's test file (APR's) sees
            # its businesses again (19 % distinct), but its times do not follow the numbers as
            # a till's do: the lines are shoppers, not events (real20-ai).
            k, r = keys[0], ids[1]
            raise NoHeaderError(
                f"it looks like one rated line per shopper: column {k + 1} numbers the lines "
                f"({', '.join(columns[k][:3])}, ...) and column {r + 1} holds {len(set(columns[r]) - {''})} small "
                f"values ({', '.join(sorted(set(columns[r]) - {''}, key=float))}: a rating, or a catalogue too "
                "small to rank, as a top-20 list needs 21 items), so no two columns are a shopper and an item; if "
                f"column {k + 1} is the shopper, each has one line, nothing to learn from (NCF's test.rating: train "
                "on its train.rating)")
        requests = next((i for i, col in enumerate(columns) if len(col) >= 10
                         and sum(bool(WEB_REQUEST.fullmatch(v)) for v in col) >= 0.9 * len(col)), None)
        if len(ids) < 2 and requests is not None:
            # (its addresses are no ids since session ar: said here, as refusals.refuse_access_log says it
            # where two columns could be ids)
            raise NoHeaderError(f"column {requests + 1} holds a web server's requests ({columns[requests][0]!r}): an "
                                "access log of pages fetched by network addresses, not shoppers' actions on items; "
                                "give a shop's event log (a shopper id, a product id, the time, the action)")
        if len(ids) < 2:
            # (Pinterest's leave-one-out test file, NCF's: user 0, 1, 2 ..., pin, 1, 0.)
            lines = (f"; column {keys[0] + 1} numbers the lines ({', '.join(columns[keys[0]][:3])}, ...): if it is "
                     "the shopper, each has one line, nothing to learn from (a leave-one-out test file: train on "
                     "its train file)") if keys and ids else ""
            raise NoHeaderError("no two columns that can be ids (shopper, item)" + (" besides the time" if times else "")
                                + lines
                                + "".join(f"; column {i + 1} counts units (1 on {_share_of_ones(columns[i]):.0%} of "
                                          f"the lines, column {a + 1} their amount), no item"
                                          for i, a in counts.items()))
        if len(ids) > MANY_IDS and _weak_pair(columns[ids[0]], columns[ids[1]]):
            # (Criteo's 23-column conversion log: its first two were a count and a hash of
            # each line, read as 5 shoppers of 300 one-off items; the log's own ids are its last)
            raise NoHeaderError(f"{len(ids)} columns could be the shopper or the item (columns "
                                f"{_spans([i + 1 for i in ids])}), too many to tell by their values")
        basket = _basket_of(columns, ids, columns[time] if times else None)
        if basket is not None:
            # (Redshift's UNLOAD without HEADER: 'order_id|customer_id|sku|...'; a Hive
            # table's 'user_id, session_id, item_id, ...': the order was read as the shopper
            # and the shopper as the item.)
            names[basket[0]] = "session_id"
            said.append(f"{basket[0] + 1} as session_id (its lines come together, within a day, "
                        f"each of one value of column {basket[1] + 1})")
            ids = [basket[1], *[i for i in ids if i not in basket]]
        user, item = ids[0], _item_of(columns, ids)
        if _emails(columns[item]) and not _emails(columns[user]) and len(set(columns[item])) > len(set(columns[user])):
            # An e-mail address is a person's: a cinema's headerless bookings ('1,Paid,1/8/2019
            # 4:05,1,83,armandenderle@gmail.com') had read its 119 shows as the shoppers and
            # 500 customers as the items (real47-an). Not where the e-mails are fewer: a mailing
            # list's addresses are its items (session an's review).
            user, item = item, user
        given = [v for v in columns[item] if v]
        # (only where the rows seen are the whole file: a file sorted by item may give its
        # first thousand lines to one product)
        if len(given) >= 10 and len(set(given)) == 1 and len(all_rows) < SAMPLE_ROWS:
            # One value on every line is no item (one shopper's may be): a sandwich shop's
            # order log names its own maker, 'Okan Durmus', on each, and he had been the item,
            # the sandwiches unread (real181-au). The next id whose values come back, as
            # products do (an order header's own number, once a line, is none).
            other = next((i for i in ids if i not in (user, item) and len(set(columns[i]) - {""}) > 1
                          and len(set(columns[i])) <= 0.8 * len(columns[i])), None)
            if other is None:
                raise NoHeaderError(f"column {item + 1}, the item by its place, holds one value ({given[0]!r}) on "
                                    "every line, and no other column's values come back as products do: no items "
                                    "to tell apart (one line per order, without its products?)")
            item = other
        asins = ""
        if asin_share(columns[user]) >= 0.9 and asin_share(columns[item]) <= 0.1:
            user, item = item, user
            asins = " (Amazon product ids, ASINs: the item comes first, as in Amazon's ratings files)"
        few = [len({v for v in columns[i] if v}) for i in (user, item)]
        rest = [i for i in range(width) if i not in (user, item)]
        measured = sum(_mostly_decimals([v for v in columns[i] if v]) for i in rest)
        # (four measured columns or more, four in five of the rest: a quiz log's score and
        # minutes beside 24 students and 24 quizzes is read; session ap's review)
        if len(columns[user]) >= 1000 and max(few) <= 24 and all(
                all(v.isdigit() and len(v) <= 2 for v in columns[i] if v) for i in (user, item)) and measured >= 4 \
                and measured >= 0.8 * len(rest):
            # A bike-share model's features (day of the week 0-6, hour 0-23, then the trip's
            # coordinates) had been read as 7 shoppers buying 24 items, and trained (real90-ap).
            raise NoHeaderError(f"columns {user + 1} and {item + 1}, the first that could be the shopper and the "
                                f"item, hold {few[0]} and {few[1]} small numbers in the first {len(columns[user]):,} lines "
                                "(a day of the week, an hour?): a table of features, no ids of shoppers and items; "
                                "put a header line first that names the shopper and item columns")
        relations = [v for v in columns[item] if v]
        if relations and sum(bool(_RELATION.fullmatch(v)) for v in relations) >= 0.9 * len(relations):
            # KGNN-LS's and MKR's kg.txt: entity, Freebase relation, entity. Read as a shopper
            # and an item, 58 relation names had been the catalogue and a model shipped (real16-ah).
            raise NoHeaderError(f"column {item + 1} holds relation names ({', '.join(sorted(set(relations))[:2])}, ...): "
                                "knowledge-graph triples (head, relation, tail), no interactions; give the file of "
                                "what users did (its ratings or clicks)")
        if _items_of_one_owner(columns, user, item, [i for i in range(width) if i not in (user, item)
                                                     and names[i].startswith("column_")]):
            # One listener's Last.fm scrobbles ('artist,album,track,date') had been read with
            # its 3,686 artists as the shoppers and a bundle shipped (real40-am): each album
            # goes with one artist. Customers' names in a shop's dump share their products.
            example = next(v for v in columns[user] if v)
            raise NoHeaderError(f"column {user + 1}, the first that could be the shopper, holds names (e.g. "
                                f"{example!r}), and each value of column {item + 1} goes with one of them only: "
                                "a catalogue's hierarchy (an artist's albums?), no shopper's history; put a header "
                                "line first that names the shopper column user_id")
        numbered = _numbered_by(columns, user, columns[time] if times else None) if basket is None else None
        if numbered is not None and numbered == item:
            # (the numbered column is the item: a course's lessons 1..n, jokes rated in
            # order; or another id is: an order's line number second, its product third)
            rest = [i for i in ids if i not in (user, numbered)]
            item = rest[0] if rest else item
            numbered = numbered if rest else None
        if numbered is not None:
            # TPC-H's lineitem.tbl (no header: order key, part, supplier, line number, ...):
            # the order key had been the shopper, the line numbers 1-7 called a rating whose
            # low values should be left out (real120-ar). An order, no shopper: anonymous visits.
            names[user], names[item], names[numbered] = "session_id", "item_id", "line_number"
            said += [f"{user + 1} as session_id (each value's lines come together, numbered 1, 2, ... in column "
                     f"{numbered + 1}: an order's lines; no column names the shopper, so each order is an "
                     "anonymous visit)", f"{item + 1} as item_id{asins}", f"{numbered + 1} as line_number (not read)"]
        else:
            if basket is not None and _numbered_by(columns, basket[0], None) == item:
                # (the basket's line positions taken for the item: SAP's VBAP, 'POSNR' 10, 20
                # beside 'MATNR'; the product is the next id; session ar's review)
                rest = [i for i in ids if i not in (user, item)]
                if rest:
                    names[item] = "line_number"
                    said.append(f"{item + 1} as line_number (not read)")
                    item = rest[0]
            names[user], names[item] = "user_id", "item_id"
            said += [f"{user + 1} as user_id", f"{item + 1} as item_id{asins}"]
        # Only in a file without times: the research files that write a label (KGCN's, DKN's,
        # libFM's) have none, and a till's 0/1 promo or weekend flag beside its times is no
        # label (session af's review: 70 % of such a file's purchases had been left out).
        label = None if times else next(
            (i for i, col in enumerate(columns) if names[i].startswith("column_") and _is_label(col)), None)
        # A label first (libSVM's and CTR files' layout: PaddleRec SIGN's 'label user item
        # tag', its 681 sampled negatives of 1,024 lines had trained as choices; real22-aj) is
        # one beside ids; beside a count or an amount it is a till's promo flag as anywhere
        # (session aj's review: 1,477 of 2,000 purchases had been left out).
        numbers = [col for i, col in enumerate(columns) if names[i].startswith("column_") and i != label and col
                   and all(_NUMBER.fullmatch(v) for v in col if v)]
        if label is not None and numbers and (label != 0 or any(_mostly_ones(c) or _mostly_decimals(c) for c in numbers)):
            # (nor beside another column of numbers, a quantity's or an amount's: a 0/1 beside
            # it is a returned or promo flag; session af's second review. libFM's other fields
            # are 'index:value', DKN's entity lists text.)
            label = None
        if label is not None:
            # (KGCN's ratings_final: 'user item 1' then as many sampled items 'user item 0';
            # read as all positives, every test target was a sampled negative: real2-af)
            names[label] = "label"
            said.append(f"{label + 1} as label (lines with 0 or -1 left out)")
    elif table in ("items", "users"):
        key = "item_id" if table == "items" else "user_id"
        names[0] = key
        said.append(f"1 as {key}")
        if table == "items":
            rest = [i for i in range(1, width) if any(columns[i])]

            def words(i: int) -> float:
                filled = [v for v in columns[i] if v]
                return sum(len(v.split()) for v in filled) / max(len(filled), 1)

            text = [i for i in rest if not all(_NUMBER.fullmatch(v) for v in columns[i] if v)]
            # A name is the wordiest column that is no web address or JSON text, and
            # (where one is) of 20 words or fewer: MIND's news.tsv has its title (11
            # words) beside an abstract (37), which had been read as the name.
            prose = [i for i in text if not any(_NO_NAME.match(v) for v in columns[i][:20] if v)]
            # (among columns whose values are mostly distinct, where there are such: a
            # category of 3 words repeats, a 25-word marketplace title does not; session
            # ag's review)
            pool = [i for i in prose if _mostly_distinct(columns[i])] or prose
            name = max([i for i in pool if words(i) <= 20] or pool, key=words, default=None)
            if name is not None and words(name) >= 1.5:
                names[name] = "name"
                said.append(f"{name + 1} as name")
            for i in text:
                filled = [v for v in columns[i] if v]
                # Words that repeat, or lists of them (MovieLens' genres: a 5-row file
                # repeats none, but 'Comedy|Drama' is plainly a list of classes).
                if (names[i].startswith("column_") and filled and not any(_DIGIT.search(v) for v in filled)
                        and (len(set(filled)) * 2 <= len(filled) or any("|" in v for v in filled))):
                    names[i] = "category"
                    said.append(f"{i + 1} as category")
                    break
    else:
        raise NoHeaderError(f"no reading by content for a {table} file")
    def nearly_all_once(column: str) -> bool:
        return len({v for v in columns[names.index(column)] if v}) >= 0.9 * len(rows)

    if (table == "interactions" and "user_id" in names and "item_id" in names and "timestamp" not in names
            and len(rows) >= 12 and len(rows) >= 0.8 * min(sum(widths.values()), SAMPLE_ROWS)
            and nearly_all_once("user_id") and nearly_all_once("item_id")):
        # (a shop's headerless product list, 'ELPC-1;Monster Abra A7;8;500': each code read
        # as a shopper who bought its name; refused only for its size; real154-as)
        raise NoHeaderError(f"nearly each of the first {len(rows)} lines names a shopper and an item no other line does "
                            f"(columns {names.index('user_id') + 1} and {names.index('item_id') + 1}), with no time: "
                            "a list such as a catalogue's codes and names, not what shoppers did; give a catalogue as "
                            "--items, or give the interactions with a header line")
    said.sort(key=lambda s: int(s.split()[0]))
    not_read = _spans([i + 1 for i, n in enumerate(names) if n.startswith("column_")])
    how = "column " + ", ".join(said)
    if not_read:
        how += f"; column {not_read} " + ("as demographic values" if table == "users" else "not read")
    return names, how


BASKET_HOURS = 24
"""The longest a basket's (an order's, a visit's) lines may span, at the median."""


def _basket_of(columns: list[list[str]], ids: list[int], times: list[str] | None) -> tuple[int, int] | None:
    """``(basket, shopper)`` among three or more id columns: a column whose lines come in
    one run each (an order's lines together), whose runs mostly repeat a value (orders of
    several lines) and last a day or less, and each of whose values goes with one value
    of another id column with fewer values (the order's customer). A user column sorted
    together goes with one store too, but spans weeks: the time is what tells them, so
    without one nothing is read as a basket."""
    if len(ids) < 3 or times is None:
        return None
    stamps = _stamps(times)
    for a in ids:
        col = columns[a]
        runs = 1 + sum(x != y for x, y in zip(col, col[1:], strict=False))
        distinct = set(col)
        if runs != len(distinct) or len(distinct) * 1.2 > len(col) or "" in distinct or not _within_a_day(col, stamps):
            continue
        for b in ids:
            shoppers = len(set(columns[b]))
            # (A one-day file sorted by customer: each customer's lines come together within
            # the day, each with one store. Four stores are no 60 customers' shoppers.)
            if b == a or shoppers >= len(distinct) or shoppers < max(3, 0.1 * len(distinct)):
                continue
            pairs = set(zip(col, columns[b], strict=True))
            if len(pairs) == len(distinct):  # each basket with one value of b
                return a, b
    return None


def _stamps(times: list[str]) -> Any:
    """A time column's values as timestamps (NaT where none)."""
    import pandas as pd

    from .timestamps import parse_timestamps

    return parse_timestamps(pd.Series(times, dtype=object), None)[0]


def _within_a_day(col: list[str], stamps: Any) -> bool:
    """Whether each value's lines of ``col`` span :data:`BASKET_HOURS` or less at the median
    (``stamps`` their times): an order's or a visit's, not a shopper's weeks."""
    import pandas as pd

    by = stamps.groupby(pd.Series(col))
    span = (by.max() - by.min()).median()
    return not pd.isna(span) and span <= pd.Timedelta(hours=BASKET_HOURS)


def _buyer_beside_a_list(columns: list[list[str]], ids: list[int]) -> int | None:
    """The shopper of a file of one basket a line beside its list of products: of the id
    columns that vary and repeat (not a receipt's id, new on every line, nor a row key),
    the one with the most values, where every other has a fifth of them or fewer (the
    stores, not a click log's clicked item beside its shown slate). None otherwise."""
    varying = [i for i in ids if len(set(columns[i]) - {""}) > 1 and not is_row_key(columns[i])]
    repeating = [i for i in varying if len(set(columns[i])) <= 0.8 * len(columns[i])]
    if not varying:
        return None
    # (new on every line is a receipt's id where another repeats; in a short sample, the
    # customers may be too)
    buyer = max(repeating or varying, key=lambda i: len(set(columns[i])))
    most = len(set(columns[buyer]))
    return buyer if all(5 * len(set(columns[i])) <= most for i in repeating if i != buyer) else None


def _products_listed(col: list[str]) -> bool:
    """Whether a column's lists are products', as :func:`.idlists.joined_ids` finds them."""
    return joined_ids(col) == " "


def _numbered_by(columns: list[list[str]], at: int, times: list[str] | None) -> int | None:
    """A column that numbers the lines of each value of column ``at`` 1, 2, 3 ... (or 0, 1,
    2 ..., or 10, 20, 30 ...), where each value's lines come together (one run each), a
    fifth of the runs or more have two lines or more, and a run's times (where the file has
    times) span a day or less at the median: a document's line numbers, so column ``at`` is
    the document (an order), not a shopper. A shopper's events numbered in a file sorted by shopper span weeks (session
    ar's review: a ratings file's 60 users had become 450 one-day visits). None otherwise."""
    col = columns[at]
    starts = [0, *(k for k in range(1, len(col)) if col[k] != col[k - 1])]
    if len(starts) < 10 or len(starts) != len(set(col)) or "" in col:
        return None
    ends = [*starts[1:], len(col)]
    runs = [(s, e) for s, e in zip(starts, ends, strict=True) if e - s >= 2]
    if len(runs) < 0.2 * len(starts):
        return None
    # (a shopper's numbered events span weeks; so do TPC-H's orders, shipped line by line,
    # which stay read as shoppers: session ar's reviews found the shoppers' the commoner)
    if times is not None and not _within_a_day(col, _stamps(times)):
        return None
    # (the last run may be cut by the sample's end: it still starts at 1)
    for c, values in enumerate(columns):
        if c == at or not values or not all(v.isdigit() for v in values):
            continue
        numbers = [int(v) for v in values]
        runs_of = [numbers[s:e] for s, e in zip(starts, ends, strict=True)]
        # (from 1; from 0 only where the times say a run is a day's: pandas' cumcount() numbers
        # a shopper's ratings so; session ar's review)
        for first in ((1, 0) if times is not None else (1,)):
            if all(run == list(range(first, first + len(run))) for run in runs_of):
                return c
        # (SAP's positions 10, 20, 30, rising, a deleted line's gap left: VBAP's 'POSNR'; on
        # nine runs in ten from 10; session ar's reviews)
        if all(n % 10 == 0 and n > 0 for n in numbers) and all(
                all(b > a for a, b in zip(run, run[1:], strict=False)) for run in runs_of) and sum(
                run[0] == 10 for run in runs_of) >= 0.9 * len(runs_of):
            return c
    return None


def _text_boxes(columns: list[list[str]]) -> bool:
    """Whether the first eight columns are a box's four corners in whole pixels, upright
    (x1 = x4 and y1 = y2 on nine lines in ten), and a ninth holds text: OCR output."""
    if len(columns) < 9 or len(columns[0]) < 5:
        return False
    if not all(v.isdigit() for col in columns[:8] for v in col):
        return False
    upright = sum(a == d and b == c for a, b, c, d in zip(columns[0], columns[1], columns[3], columns[6], strict=True))
    return upright >= 0.9 * len(columns[0]) and any(not v.replace(".", "").isdigit() for v in columns[8])


def _spade_events(columns: list[list[str]]) -> bool:
    """Whether four columns of whole numbers are cSPADE's 'sequenceID eventID SIZE item'
    with one item an event: the third is 1 on every line, each sequence's lines come
    together (20 lines or more in all, two a sequence or more on the whole), its event
    numbers never fall, and the items differ."""
    if len(columns) != 4 or len(columns[0]) < 20 or not all(v.isdigit() for col in columns for v in col):
        return False
    if set(columns[2]) != {"1"} or len(set(columns[3])) < 2:
        return False
    sequence, event = columns[0], [int(v) for v in columns[1]]
    starts = [0, *(k for k in range(1, len(sequence)) if sequence[k] != sequence[k - 1])]
    # (sequences of two events or more on the whole: a leave-one-out file, 'user item 1 0',
    # has one line each)
    if len(starts) != len(set(sequence)) or len(starts) < 2 or 2 * len(starts) > len(sequence):
        return False
    return all(event[k] >= event[k - 1] for k in range(1, len(event)) if sequence[k] == sequence[k - 1])


def _spans(numbers: list[int]) -> str:
    """``[3, 4, 5, 9]`` -> ``"3-5, 9"`` (u.item has 19 genre flag columns)."""
    runs: list[list[int]] = []
    for n in numbers:
        if runs and n == runs[-1][-1] + 1:
            runs[-1].append(n)
        else:
            runs.append([n])
    return ", ".join(str(r[0]) if len(r) == 1 else f"{r[0]}-{r[-1]}" for r in runs)


def item_column_check(user_hits: float, item_hits: float) -> bool:
    """Whether a bare interactions file lists the item before the shopper (Amazon's 2018
    ratings files do: ``item,user,rating,timestamp``): true when the items file
    describes most of the "user" column's ids and fewer of the "item" column's."""
    return user_hits >= 0.5 and user_hits > item_hits
