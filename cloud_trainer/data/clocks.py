"""Times for interactions files that give none, or give only an order's place:
Instacart's orders (``order_number``, ``days_since_prior_order``, ``order_dow``,
``order_hour_of_day``: :func:`order_gap_clock`), and otherwise the file's own order
within each shopper (:func:`file_order_clock`). A made-up clock is said in a note
and keeps the hour and weekday out of the model's context.
"""

from __future__ import annotations

from typing import NamedTuple

import numpy as np
import pandas as pd

from cloud_trainer.data.lines import (
    unread_columns,
)
from cloud_trainer.data.schema import (
    INTERACTION_COLUMNS,
)

ORDER_CLOCK_START = "2000-01-01"
"""First day of the made-up year a file without times is spread over (any date would
do: only the order within each shopper is known)."""


ORDER_GAP_SINGLE_SPAN_DAYS = 364
"""Days the orders of a file where every shopper has one are spread over (by file order):
the made-up year :func:`file_order_clock` uses too."""


SEQUENCE_KEYS = ("ordernumber", "basketnumber", "visitnumber", "tripnumber", "sequencenumber")
"""Header names (as :func:`.names.header_key` writes them) of a column that numbers each
shopper's baskets in time order: Instacart's ``order_number``, whose files have no time."""


def sequence_column(inter: pd.DataFrame) -> tuple[pd.Series | None, str]:
    """A file without times may still number each shopper's baskets (Instacart's
    ``order_number``: 1, 2, 3 ...); then that, not the file order, is the time order.
    ``(numbers, the file's column name)``, or ``(None, "")`` when there is none or a value
    is not a number."""
    for col, (name, key) in unread_columns(inter, INTERACTION_COLUMNS).items():
        if key in SEQUENCE_KEYS:
            numbers = pd.to_numeric(inter[col], errors="coerce")
            if numbers.notna().all():
                return numbers.astype(float), name
    return None, ""


GAP_KEYS = ("dayssincepriororder", "dayssinceprior", "dayssincelastorder", "dayssinceprevious",
            "dayssincepreviousorder", "dayssincelastvisit")


DOW_KEYS = ("orderdow", "orderdayofweek", "dayofweek", "dow", "weekday")


HOUR_KEYS = ("orderhourofday", "hourofday", "orderhour", "hour")


class OrderGaps(NamedTuple):
    """What Instacart's ``orders.csv`` says about each order instead of a time: days since
    the shopper's previous order, and the weekday and hour it was placed (the columns
    that are there and read right; None for the others)."""

    days: pd.Series
    days_name: str
    dow: pd.Series | None
    dow_name: str
    hour: pd.Series | None
    hour_name: str


def order_gaps(inter: pd.DataFrame) -> OrderGaps | None:
    """The days-since-previous-order column (numbers >= 0, blank for a shopper's first
    order) and, where they are whole numbers in range, the weekday (0-6) and hour (0-23)
    columns; None without a usable days column."""
    unread = unread_columns(inter, INTERACTION_COLUMNS)

    def column(keys: tuple[str, ...], low: float, high: float, blanks: bool) -> tuple[pd.Series | None, str]:
        for key in keys:
            for col, (name, found) in unread.items():
                if found != key:
                    continue
                text = inter[col].astype(str).str.strip()
                values = pd.to_numeric(text.replace("", np.nan), errors="coerce")
                given = text != ""
                if values[given].isna().any() or not values.notna().any():
                    return None, ""  # text where a number belongs: not this
                if (values.dropna() < low).any() or (values.dropna() > high).any():
                    return None, ""
                if not blanks and values.isna().any():
                    return None, ""
                return values, name
        return None, ""

    days, days_name = column(GAP_KEYS, 0.0, 36_500.0, blanks=True)
    if days is None:
        return None
    dow, dow_name = column(DOW_KEYS, 0.0, 6.0, blanks=False)
    hour, hour_name = column(HOUR_KEYS, 0.0, 23.0, blanks=False)
    if dow is not None and not (dow == dow.round()).all():
        dow, dow_name = None, ""
    if hour is not None and not (hour == hour.round()).all():
        hour, hour_name = None, ""
    return OrderGaps(days, days_name, dow, dow_name, hour, hour_name)


ORDER_GAP_END = "2000-12-31"
"""The day every shopper's last order is placed on (:func:`order_gap_clock`), give or take
the days that put it on its own weekday: a Sunday, the end of the made-up year."""


def order_gap_clock(user_ids: pd.Series, sessions: pd.Series, sequence: pd.Series, sequence_name: str,
                     gaps: OrderGaps) -> tuple[pd.Series, tuple[str, ...], str]:
    """Times for Instacart's order lines, which have none, from what its ``orders.csv``
    gives each order: ``days_since_prior_order``, ``order_dow``, ``order_hour_of_day``.

    A shopper's orders are ranked by ``order_number``; their days are the running sum of
    the gaps, so the days between them are real. The shopper's last order is put on
    :data:`ORDER_GAP_END` moved back to its own weekday, so every shopper's latest
    orders fall in the split's last weeks (the usual protocol for this data: predict each
    shopper's next basket) and, where the gaps are exact, every order lands on its own
    weekday; the hour is its hour. Instacart caps the gap at 30 days ("30 or more"): an
    order after such a gap is moved further back to its weekday. Shoppers with a single
    order are spread over the other shoppers' span by file order, as in
    :func:`file_order_clock`. Returns the times, the context they make real (hour with an
    hour column, weekday with a weekday column), and a note. Instacart does not say
    which weekday 0 is; it is taken as Sunday (its busiest two days are 0 and 1)."""
    basket = sessions.where(sessions != "", "\0row" + pd.Series(np.arange(len(sessions)),
                                                                index=sessions.index).astype(str))
    lines = pd.DataFrame({"user": user_ids.to_numpy(), "basket": basket.to_numpy(), "seq": sequence.to_numpy(),
                          "days": gaps.days.to_numpy(),
                          "dow": gaps.dow.to_numpy() if gaps.dow is not None else 0.0,
                          "hour": gaps.hour.to_numpy() if gaps.hour is not None else 12.0})
    lines["order"] = lines.groupby(["user", "basket"], sort=False).ngroup()
    orders = lines.groupby("order", sort=False).agg(user=("user", "first"), seq=("seq", "min"),
                                                   days=("days", "max"), dow=("dow", "first"),
                                                   hour=("hour", "first"))
    orders["first_seen"] = np.arange(len(orders))
    orders = orders.sort_values(["user", "seq", "first_seen"], kind="stable")
    by_user = orders.groupby("user", sort=False)
    orders["rank"] = by_user.cumcount()
    days = orders["days"].where(orders["rank"] > 0, 0.0).fillna(0.0)  # the first order has no gap
    orders["day"] = days.groupby(orders["user"], sort=False).cumsum()
    orders["before_end"] = by_user["day"].transform("max") - orders["day"]
    count = by_user["seq"].transform("size").to_numpy()
    end = pd.Timestamp(ORDER_GAP_END)
    weekday = ((orders["dow"].to_numpy() + 6) % 7).astype(int)  # Instacart 0 = Sunday -> Python's 6
    before = orders["before_end"].to_numpy().copy()  # days before the end
    if gaps.dow is not None:
        # Every order of a shopper moves back by what puts their last on its weekday.
        last = orders["rank"].to_numpy() == count - 1
        shift = pd.Series(np.where(last, (end.weekday() - weekday) % 7, 0), index=orders.index)
        before += shift.groupby(orders["user"], sort=False).transform("max").to_numpy()
    single = count == 1
    if single.any():
        # One order alone: spread over the others' span by file order, not all on the last
        # day. Where every shopper has one (a head of Hunter's e-grocery file, real-ae), over
        # a made-up year: all on the last days, the split's cut-offs had followed weekday and
        # hour, and test was exactly the Sunday afternoon orders.
        span = before[~single].max() if (~single).any() else ORDER_GAP_SINGLE_SPAN_DAYS
        ranks = pd.Series(orders["first_seen"].to_numpy()[single]).rank(method="dense").to_numpy()
        before[single] = np.floor((1.0 - (ranks - 0.5) / ranks.max()) * span)
    date = pd.DatetimeIndex(end - pd.to_timedelta(before, unit="D"))
    moved = 0
    if gaps.dow is not None:
        # A capped gap ("30 or more"), or a single order: back to its own weekday.
        off = (np.asarray(date.day_of_week) - weekday) % 7
        moved = int((off != 0).sum())
        date = date - pd.to_timedelta(off, unit="D")
    stamp = (date + pd.to_timedelta(orders["hour"].to_numpy(), unit="h")
             + pd.to_timedelta(orders["rank"].to_numpy() % 3600, unit="s"))  # same-hour orders keep their order
    per_order = pd.Series(np.asarray(stamp), index=orders.index)
    times = pd.Series(per_order.reindex(lines["order"]).to_numpy(), index=user_ids.index)
    real = tuple(f for f, col in (("hour", gaps.hour), ("weekday", gaps.dow)) if col is not None)
    said = ", ".join(f"{name!r}" for name in (gaps.days_name, gaps.dow_name, gaps.hour_name) if name)
    note = (f"no timestamp column, but each order's {said}: a shopper's orders (by their {sequence_name!r}) "
            f"are placed that many days apart, every shopper's last on or just before {ORDER_GAP_END}"
            + (" on its own weekday (0 read as Sunday)" if gaps.dow is not None else "")
            + (" at its hour" if gaps.hour is not None else "")
            + ("; the split keeps each shopper's latest orders for validation and test" if (~single).any() else
               "; every shopper has one order, so none has a latest to hold out: the orders are spread over a "
               "made-up year by file order, and validation and test hold the orders listed last")
            + "; real context: "
            + (", ".join(real) if real else "none")
            + (f"; {moved:,} of {len(orders):,} orders moved back to their weekday (a gap capped at 30 days, "
               "or a shopper's only order)" if moved else ""))
    return times, real, note


def file_order_clock(user_ids: pd.Series, sessions: pd.Series | None = None,
                      shuffled: bool = False, sequence: pd.Series | None = None) -> pd.Series:
    """Times for an export without any (Book-Crossing, Goodreads, play counts): row k of
    a shopper's n rows, in file order, at (k + 0.5) / n of a year.

    Spreading every shopper over the same year makes the split's quantile cut-offs take
    the same share of each shopper's rows (the per-user hold-out that is the usual
    protocol for such data) instead of whole late shoppers; a global row-order clock
    would put every row of a file sorted by shopper into one side of the split.

    With baskets (``sessions`` not empty) the unit is the basket: basket k of a
    shopper's n, in order of first appearance, and all its rows share one time. Ranking
    rows would cut one Instacart order across train, validation and test (87 % of them
    in a joined sample), and the task would become "finish this basket".

    ``shuffled``: the file order is known not to be the time order (every shopper's
    rows sorted by item id), so each shopper's rows are ranked in a seeded random order
    instead: the split is then the usual random per-user hold-out, not "each shopper's
    highest item ids" (on goodbooks-10k, whose ids rank books by popularity, those are
    each reader's rarest books).

    ``sequence``: each row's basket number (Instacart's ``order_number``): the baskets, or
    rows, are ranked by it instead of by the file order (ties in file order)."""
    unit = pd.Series(np.arange(len(user_ids)), index=user_ids.index)  # one row, one unit
    if sessions is not None:
        # A row without a basket id is a basket of its own.
        own = "\0row" + pd.Series(np.arange(len(sessions)), index=sessions.index).astype(str)
        basket = sessions.where(sessions != "", own)
        unit = pd.Series(pd.DataFrame({"u": user_ids, "b": basket}).groupby(["u", "b"], sort=False).ngroup(),
                         index=user_ids.index)
        groups = unit.groupby(user_ids, sort=False)
        count = groups.transform("nunique").to_numpy(dtype=float)
        if sequence is not None:
            # A basket's place: its number, then its first appearance (ties), densely ranked.
            first = pd.DataFrame({"seq": sequence.to_numpy(), "unit": unit.to_numpy()})
            key = first.groupby("unit")["seq"].transform("min").to_numpy() * (len(unit) + 1) + unit.to_numpy()
            rank = pd.Series(key, index=user_ids.index).groupby(user_ids, sort=False).rank(
                method="dense").to_numpy() - 1.0
        else:
            rank = groups.rank(method="dense").to_numpy(dtype=float) - 1.0
    else:
        groups = user_ids.groupby(user_ids, sort=False)
        count = groups.transform("size").to_numpy(dtype=float)
        if sequence is not None:
            rank = sequence.groupby(user_ids, sort=False).rank(method="first").to_numpy() - 1.0
        elif shuffled:
            draw = pd.Series(np.random.default_rng(0).random(len(user_ids)), index=user_ids.index)
            rank = draw.groupby(user_ids, sort=False).rank(method="first").to_numpy() - 1.0
        else:
            rank = groups.cumcount().to_numpy(dtype=float)
    share = (rank + 0.5) / count
    single = count == 1
    if single.any():
        # Shoppers seen once would all sit mid-year, on one side of every cut-off (all of
        # Olist's one-order customers landed in validation; a sample of Instacart orders
        # left too few distinct times to split at all): they are spread by file order.
        ranks = pd.Series(unit.to_numpy()[single]).rank(method="dense").to_numpy()
        share[single] = (ranks - 0.5) / ranks.max()
    # Shoppers of a few rows each share a few places in the year (every second of three
    # rows at 1/2): Steam's reviews, 1-4 a player, had 33 distinct times among 261 rows and
    # the split refused them. Each unit's place in the file adds a second (less where a
    # file has more units than half the least gap between one shopper's rows holds), so
    # ties part and no shopper's order changes.
    order = pd.Series(unit.to_numpy()).rank(method="dense").to_numpy()
    year = 365.0 * 86_400.0
    share = share + (order - 1) * min(1.0 / year, 0.5 / count.max() / order.max())
    offset = pd.to_timedelta(share * 365.0 * 86_400.0, unit="s").round("s")
    return pd.Series(pd.Timestamp(ORDER_CLOCK_START) + offset, index=user_ids.index)
