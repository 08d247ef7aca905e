"""``--dataset csv``: any retailer's export as an interactions file with optional
items and users files. :func:`.table.read_table` names and checks the columns;
here the lines that are no sale or click are left out (:mod:`.lines`), files
without times get a clock (:mod:`.clocks`), the catalogue and the shoppers'
profiles are taken from the interactions where no side file gives them, and a
side file keyed by another id than the interactions use is matched on the one
they share.
"""

from __future__ import annotations

import csv
import hashlib
import json
import re
from graphlib import CycleError, TopologicalSorter
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from cloud_trainer.data import headerless
from cloud_trainer.data.clocks import (
    ORDER_CLOCK_START,
    file_order_clock,
    order_gap_clock,
    order_gaps,
    sequence_column,
)
from cloud_trainer.data.filetext import csv_reader, file_text, guess_delimiter, text_lines
from cloud_trainer.data.frames import (
    drop_duplicate_ids,
    empty_items,
    finished,
)
from cloud_trainer.data.ingest import IngestReport, RawDataset, require_rows
from cloud_trainer.data.lines import (
    CREDIT_WORDS,
    DOCUMENT_KEYS,
    RATING_KEYS,
    STATUS_KEYS,
    child_lines,
    clicked_only,
    context_rating_firsts,
    events_of_flags,
    ga_actions,
    item_lists,
    loans_file,
    measured_amounts,
    one_value_per_group,
    planned_as_favorites,
    previews_out,
    repeated_scans,
    sales_only,
    service_lines,
    shelved_as_favorites,
    skip_rows,
    stray_times,
    tag_log_firsts,
    units_given_back,
    units_of_split_lines,
    unrated_grid_cells,
    unread_columns,
)
from cloud_trainer.data.names import header_key, letter_words, passed_over, without_unit
from cloud_trainer.data.prices import (
    amazon_line_prices,
    micros_prices,
    mixed_currencies,
    prices_from_line_totals,
    prices_that_scale_with_units,
    totals_over_amounts,
)
from cloud_trainer.data.refusals import (
    column_said,
    refuse_access_log,
    refuse_forecasts,
    refuse_process_log,
    refuse_recommender_output,
    refuse_shown_log,
    refuse_stock_movements,
)
from cloud_trainer.data.sampling import ShopperSample, shopper_key
from cloud_trainer.data.schema import (
    ANONYMOUS_BASKET,
    GENERIC_INTERACTIONS,
    GENERIC_ITEMS,
    GENERIC_USERS,
    INTERACTION_COLUMNS,
    ITEM_COLUMNS,
    MISSING_VALUES,
    STRONG_FILE_WORDS,
    DataError,
    MissingColumns,
    event_of_name,
    is_anonymous_basket,
    parse_attributes,
    with_alias,
    with_event_codes,
    with_timezone,
)
from cloud_trainer.data.table import read_table
from cloud_trainer.data.timestamps import DAY_ZERO

# ---------------------------------------------------------------------- generic


_OPINION = re.compile(r"recommend|rating|score|review|stars|voted|liked|helpful")
"""Header words of a shopper's opinion of an item: one per shopper and item."""


def _varies_within_items(inter: pd.DataFrame, column: str) -> bool:
    """Whether ``column`` holds two values or more for some item: a shopper's own, not the
    item's (a marketplace's 'avg_rating' is one value per product)."""
    values = inter[column].astype(str).str.strip()
    return bool((values.groupby(inter["item_id"]).nunique() > 1).any())


def _timeless_copies(inter: pd.DataFrame, interactions: Path, report: IngestReport) -> pd.DataFrame:
    """``inter`` (no time, no basket) without lines that repeat an earlier one on every
    column read: with no time to tell them apart they are one interaction written twice
    (a crawl's copies), not a second purchase. Each had been given its own made-up time
    before the split's exact-duplicate check, so none was dropped: a Steam reviews file's
    104 copies in 400 lines made 29 % 'repeat' buying and the domain 'repeats' (real138-as).
    Only where a column gives an opinion (a rating, a recommendation, a review: one per
    shopper and item), and not where a quantity is read: order lines, each line again
    another order of the same (Magento's B2B sample orders), and a play log or a
    sequence in file order plays a song again."""
    if "quantity" in inter and inter["quantity"].notna().any():
        return inter
    columns = [c for c in inter.columns if not c.startswith("_")]
    if not any(_OPINION.search(header_key(str(c))) and _varies_within_items(inter, c) for c in columns):
        return inter  # (a product's own 'avg_rating' is none: session as's review)
    again = inter.duplicated(columns).to_numpy()
    if not again.any():
        return inter
    report.notes.append(f"{interactions}: {int(again.sum()):,} lines repeat an earlier line on every column read, and no "
                        "time or basket tells them apart: read as one interaction written twice, left out")
    return inter[~again].reset_index(drop=True)


def _one_value_per_item(inter: pd.DataFrame, values: pd.Series) -> bool:
    """Whether ``values`` are one per item (:func:`.lines.one_value_per_group`, lines with
    a value): an attribute of the product (its average rating), not each shopper's own."""
    items, given = inter["item_id"].to_numpy(), values.to_numpy()
    rated = ~(pd.isna(items) | pd.isna(given))
    return one_value_per_group(items[rated], given[rated])


def _side_table_keys(exc: MissingColumns, items: Path | None, users: Path | None) -> dict[str, str]:
    """The interactions' columns to read as ``item_id`` / ``user_id`` where the file lacks
    them (``exc``'s missing columns): the first column of the ``--items`` / ``--users`` file
    (a database table's key; the second after a bare ``id``), where the interactions'
    header has a column of that name."""
    header = {header_key(h) for h in exc.header}
    keys = {}
    for column, side in (("item_id", items), ("user_id", users)):
        if side is None or column not in exc.missing:
            continue
        try:
            text, _ = file_text(side, str(side), IngestReport(), table="items" if column == "item_id" else "users")
            first = next(csv_reader(text_lines(text[:20_000]), guess_delimiter(text)[0], csv.QUOTE_MINIMAL), [])
        except (DataError, csv.Error, OSError):
            continue
        # (a database's own 'id' first is no key the log names: the next column then;
        # review 80)
        named = [f.strip() for f in first[:2] if f.strip() and not re.fullmatch(
            r"id|#|no\.?|nr\.?|lp\.?|s\.?no\.?|sr\.?no\.?|index|unnamed:?\d*", header_key(f))]  # ('Lp.': review 83)
        if named and header_key(named[0]) in header:
            keys[column] = named[0]
    return keys


def load_generic(
    interactions: Path, items: Path | None, users: Path | None, event_codes: dict[str, str] | None = None,
    sample: ShopperSample | None = None, timezone: str | None = None,
) -> RawDataset:
    report = IngestReport()
    hasher = hashlib.sha256()
    if event_codes:  # the same bytes read with other codes are another data set
        hasher.update(b"event-codes\0" + json.dumps(event_codes, sort_keys=True).encode())
    if timezone:  # (and with another zone's clock)
        hasher.update(b"timezone\0" + timezone.encode())
    spec = with_timezone(with_event_codes(GENERIC_INTERACTIONS, event_codes), timezone)
    before = hasher.copy()
    side_keys: dict[str, str] = {}
    try:
        inter = read_table(interactions, spec, report,
                           hasher=hasher, may_lack=("timestamp",), sample=sample)
    except MissingColumns as exc:
        keys = _side_table_keys(exc, items, users)
        if not keys:
            raise
        # (a database's tables given with their keys' own names: a Polish car-rental log's
        # 'Nr_ew' and 'Nr_klienta', the keys of its cars and clients files, refused for
        # missing columns; real242-ax)
        report, hasher = IngestReport(), before
        hasher.update(json.dumps(keys, sort_keys=True).encode())
        for column, key in keys.items():
            spec = with_alias(spec, column, key)
        inter = read_table(interactions, spec, report,
                           hasher=hasher, may_lack=("timestamp",), sample=sample)
        report.notes.append(f"{interactions}: " + ", ".join(
            f"{key!r} read as {column} (the key of the {'items' if column == 'item_id' else 'users'} file beside it)"
            for column, key in keys.items()))
        side_keys = keys  # (the side tables read their key by the same name)
    if sample is not None and sample.active:
        report.notes.append(sample.note(str(interactions)))
    require_rows(inter, str(interactions), report)
    if inter.attrs.get("columns_by_content"):
        inter = _item_first_by_name(inter, interactions, report)
    _refuse_attribute_lists(interactions, report)
    inter = _amounts_as_units(inter, interactions, report)
    inter = _histories_then_targets(inter, interactions, report)
    if (graph := _social_graph(inter, interactions)) is not None:
        report.notes.append(f"{interactions}: {graph}")
    _refuse_full_grid(inter, interactions)  # (before a clock is made up for a file without times)
    if "timestamp" not in inter:
        inter = day_key_clock(inter, interactions, report)
    _refuse_returns_report(inter, interactions, report)
    refuse_shown_log(inter, interactions)
    refuse_process_log(inter, interactions)
    refuse_recommender_output(inter, interactions)
    refuse_stock_movements(inter, interactions)
    refuse_forecasts(inter, interactions)
    _refuse_scaled_ids(inter, interactions)
    refuse_access_log(inter, interactions)
    _refuse_account_ledger(inter, interactions)
    _refuse_one_shopper(inter, interactions)
    inter = _line_numbers_as_baskets(inter, interactions, report)
    # Lines are left out before a line's packed items become rows, so counts are of lines.
    inter = clicked_only(inter, interactions, report)
    inter = tag_log_firsts(inter, interactions, report)
    inter = context_rating_firsts(inter, interactions, report)
    inter = unrated_grid_cells(inter, interactions, report)
    inter = shelved_as_favorites(inter, interactions, report)
    inter = planned_as_favorites(inter, interactions, report)
    inter = child_lines(inter, interactions, report)
    inter = ga_actions(inter, interactions, report)
    inter = events_of_flags(inter, interactions, report)
    inter = sales_only(inter, interactions, report)
    inter = previews_out(inter, interactions, report)
    inter = _items_in_unnamed_columns(inter, interactions, report)
    inter = item_lists(inter, interactions, report)
    inter = measured_amounts(inter, interactions, report)
    # (before split lines' units are added: a merged line's price is a unit's)
    inter = prices_that_scale_with_units(inter, interactions, report)
    inter = units_of_split_lines(inter, interactions, report)
    inter = repeated_scans(inter, interactions, report)
    # (lines left out or lists of no item may leave none: said so, where the clock and the
    # split had crashed on an empty table; real55-an)
    require_rows(inter, str(interactions), report)
    _refuse_line_numbers_as_items(inter, interactions)
    if "event_type" not in inter:
        # (not where the lines carry a quantity or a price: 'click_and_collect_orders',
        # 'sales_by_view' are purchases, whatever their name says; session af's review. A
        # session is no evidence: YOOCHOOSE's and Diginetica's clicks come in sessions)
        bought = any(c in inter and inter[c].notna().any() for c in ("quantity", "price"))  # (read as numbers)
        word, named = event_of_name(interactions)
        if not bought and named is None and not inter.attrs.get("chosen_by_flag") and (shown := _IMPRESSION_WORDS & letter_words(
                re.sub(r"(?<=[a-z])(?=[A-Z])", "_", Path(interactions).name))):
            # (an ad server's 'impressions.csv', a retail-media 'ad_impressions.csv': what was
            # shown, each read as a purchase; real229-aw)
            raise DataError(f"{interactions}: a log of {sorted(shown)[0]} (what was shown, as its name says), with no "
                            "column of what the shopper did: no shopper's choice to learn from; give the clicks, "
                            "views, adds to cart or purchases (a file named so, or an event_type column)")
        # ('recovered_carts.csv': carts that became orders; session aq's review)
        said = letter_words(Path(interactions).name)
        recovered = bool({"recovered", "converted", "completed"} & said) and not {"not", "non", "never", "un"} & said
        if bought and (word not in STRONG_FILE_WORDS or recovered):
            word, named = None, None
        if named == "purchase":
            word = None  # (a purchase is what a file without events is anyway)
        bidder = header_key(str(inter.attrs.get("source_names", {}).get("user_id", "")))
        # (a price only a won lot has, not a bid's winning flag or a bidder's premium membership;
        # review 74)
        won = bool({"won", "winning", "winners", "sold", "results", "hammer", "awarded", "lots"} & said) or any(
            # (its unit and an apostrophe aside: 'Hammer Price (GBP)', 'hammer_price_usd', "Buyer's
            # Premium"; review 75)
            re.fullmatch(r"hammer(?:price)?|buyers?premium|soldprice|saleprice|winningbid(?:amount|price)?"
                         r"|winningprice|winningamount", without_unit(key).replace("'", "").replace("’", ""))
            for _, key in unread_columns(inter, INTERACTION_COLUMNS).values())
        if won and named == "cart" and word in ("bid", "bids", "bidding", "biddings"):
            word, named = None, None  # (an auction's won lots, hammer prices: sales; review 73)
        if word is None and not won and bidder in ("bidder", "bidderid", "biddername"):
            # (an auction's bids by their bidder, whatever the file is called: eBay's
            # 'auction.csv' of bids, most of them outbid; real207-av)
            word, named = f"its shopper column '{bidder}'", "cart"
        report.notes.append(
            f"{interactions}: no event_type column: every row is "
            + (f"{'an add to cart' if named == 'cart' else 'a ' + str(named)} ("
               + (f"{word}: a bid, an intent to buy" if word.startswith("its ") else f"the file's name says '{word}'")
               + "; rename it if its rows are purchases)" if word else "a purchase")
            + ("; --event-codes had nothing to read" if event_codes else ""))
        inter["event_type"] = named if word else "purchase"
    else:
        empty = inter["event_type"] == ""
        if empty.any():
            report.notes.append(
                f"{interactions}: {int(empty.sum())} rows without an event_type counted as purchases"
            )
            inter.loc[empty, "event_type"] = "purchase"
    if (note := _ratings_note(inter, interactions)) is not None:
        report.notes.append(note)
    if (note := _counts_note(inter, interactions)) is not None:
        report.notes.append(note)
    # (Not where each basket is its shopper: a big basket is then no guest id.)
    baskets_as_shoppers = bool((inter["user_id"] == inter.get("session_id", "")).all())
    for col in ("item_id", "user_id"):
        if (note := _ids_alike(inter[col], col, interactions)) is not None:
            report.notes.append(note)
    _refuse_amounts_as_shoppers(inter, interactions)
    if not baskets_as_shoppers:
        lines_each = inter["user_id"][~is_anonymous_basket(inter["user_id"])].value_counts()
        if inter.attrs.get("columns_by_content") and len(lines_each) >= 100 and lines_each.iloc[0] == 1:
            # Taken by its values, a column that differs on every line names no shopper: a
            # headerless Goodreads export's 'Book Id' had made 812 books one-line shoppers (real36-al).
            # (Not 'nearly every line': an order table's reference code on 480 of 481 lines is the
            # shape of a ratings file's head, 2,981 reviewers on 2,985 lines; session am's review.)
            given = inter.attrs.get("source_names", {}).get("user_id", "user_id")
            given = "" if given == "user_id" else f" ({given!r})"  # (a headerless file's: the note names it)
            raise DataError(f"{interactions}: the column read as the shopper by its values{given} differs on "
                            f"every line ({int(lines_each.sum()):,} lines): no shopper id (a book's or an order's?); "
                            "put a header line first that names the shopper column user_id")
        for note in (_one_shopper_for_many(lines_each, len(inter), interactions),
                     _plus_address_accounts(lines_each, len(inter), interactions),
                     _one_line_each(lines_each, interactions),
                     _one_basket_each(inter, lines_each, interactions),
                     _counts_per_pair(inter, interactions)):
            if note is not None:
                report.notes.append(note)
    if "timestamp" in inter and (note := _positions_as_times(inter, interactions)) is not None:
        # Each shopper's lines in the order of their times, then read as a file without
        # times (below): a split at one moment had judged only the longest histories.
        report.notes.append(note)
        inter = inter.sort_values(["user_id", "timestamp"], kind="stable").drop(columns="timestamp")
        inter.attrs.pop("offset_clock", None)
        inter.attrs["stated_order"] = True
    if "timestamp" in inter and (note := _item_dates(inter, interactions)) is not None:
        report.notes.append(note)
        inter = inter.drop(columns="timestamp")
    if "timestamp" in inter:
        inter = stray_times(inter, interactions, report)
        if (note := _time_span_note(inter["timestamp"], interactions)) is not None:
            report.notes.append(note)
        _split_reused_baskets(inter, baskets_as_shoppers, interactions, report)
    if "price" not in inter:
        inter = prices_from_line_totals(inter, interactions, report)
    else:
        inter = amazon_line_prices(inter, interactions, report)
        inter = micros_prices(inter, interactions, report)
        inter = totals_over_amounts(inter, interactions, report)
        inter = mixed_currencies(inter, interactions, report)
    inter = units_given_back(inter, interactions, report)  # (after the prices: a total is of the units ordered)
    inter = _scaled_prices(inter, interactions, report)
    for col in INTERACTION_COLUMNS:
        if col not in inter and col != "timestamp":  # no times: a clock below
            inter[col] = np.nan if col in ("quantity", "price") else ""

    it = read_table(items, with_alias(GENERIC_ITEMS, "item_id", side_keys["item_id"]) if "item_id" in side_keys
                    else GENERIC_ITEMS, report, hasher=hasher) if items is not None else None
    if it is not None and _header_only(it, items, "items", report):
        items = it = None
    if it is not None and items is not None:
        require_rows(it, str(items), report)
        it = _best_id_column(it, inter["item_id"], items, report)
        it = _zero_padded_ids(it, inter["item_id"], items, report)
        it = drop_duplicate_ids(it, "item_id", str(items), report)
        if inter.attrs.get("columns_by_content"):
            inter = _item_column_first(inter, it["item_id"], interactions, report)
        if "attributes" in it:
            parsed = [parse_attributes(a) for a in it["attributes"]]
            bad = np.array([p is None for p in parsed], dtype=bool)
            for line, text in zip(it["_line"][bad], it["attributes"][bad], strict=True):
                report.add_error(
                    str(items), int(line), "attributes",
                    f"not a JSON object or key=value list: {text!r}; attributes ignored",
                )
            it["attributes"] = [json.dumps(p or {}, sort_keys=True) for p in parsed]
        report.notes.append(_coverage(inter["item_id"], it["item_id"], "items", items))
        if not ("price" in it and it["price"].notna().any()) and not inter["price"].notna().any():
            # (said where no items file was given, not where one was: Maven's electronics
            # retailer shipped 2,481 items at 0.0 without a word, its 'Unit Price USD' unread)
            report.notes.append(f"{items}: no item's price (no price column read, or every price in it blank), "
                                f"and no price on any line of {interactions}: every item's price is unknown, 0 in "
                                "the bundle")
        if (note := _sparse_fields(it[it["item_id"].isin(set(inter["item_id"]))], items)) is not None:
            report.notes.append(note)
    else:
        it = _items_from_interactions(inter, interactions, report)
    inter, it = service_lines(inter, it, interactions, report)
    it = _department_from_path(it, items or interactions, report)

    real_context = () if inter.attrs.get("offset_clock") else \
        ("hour",) if inter.attrs.get("day_numbers") else ("hour", "weekday")
    if inter.attrs.get("date_only"):
        real_context = tuple(f for f in real_context if f != "hour")
        report.notes.append(f"{interactions}: every timestamp is a date at midnight: the hour is "
                            "not real context (no sales heat by hour)")
    if "timestamp" not in inter:  # after the id columns are settled: the clock is per shopper
        real_context = ()
        baskets = bool((inter["session_id"] != "").any())
        sequence, sequence_name = sequence_column(inter)
        if not baskets and sequence is not None and _numbers_hold_lines(inter["user_id"], sequence):
            # A shopper's basket number and no basket column ('user_id, order_number,
            # product_id', the layout the next-basket benchmarks publish Ta-Feng, Dunnhumby
            # and Instacart in): the number is the basket. Each line had been a basket of
            # its own on a made-up day, and Instacart 'did not repeat' (real2-ad). (Written
            # whole: '{:g}' had made 1234567 and 1234568 one basket.)
            whole = (sequence % 1 == 0).to_numpy()
            number = np.where(whole, sequence.where(whole, 0).astype(np.int64).astype(str), sequence.astype(str))
            inter["session_id"] = (inter["user_id"].astype(str) + " " + number).to_numpy()
            baskets = True
            report.notes.append(f"{interactions}: no basket column: each shopper's {sequence_name!r} is read as "
                                "their basket (session_id)")
        if not baskets:
            inter = _timeless_copies(inter, interactions, report)
        # (An order the file states: RecBole's histories, times that number the lines. Their
        # ids, numbered by first appearance, rise along each sequence, which had read as a
        # file sorted by item and shuffled the order; session aj.)
        stated = bool(inter.attrs.get("stated_order"))
        item_sorted, sorted_how = (0.0, "") if baskets or sequence is not None or stated else \
            _item_sorted_share(inter)
        item_runs = 0.0 if baskets or sequence is not None or stated or item_sorted >= 0.9 else \
            _item_grouped_share(inter)
        sort_key = None if baskets or sequence is not None or stated or item_sorted >= 0.9 or item_runs >= 0.9 else \
            _sorted_by(inter)
        shuffled = item_sorted >= 0.9 or item_runs >= 0.9 or sort_key is not None
        gaps = order_gaps(inter) if baskets and sequence is not None else None
        if gaps is not None:
            inter["timestamp"], real_context, note = order_gap_clock(
                inter["user_id"], inter["session_id"], sequence, sequence_name, gaps)
            report.notes.append(f"{interactions}: {note}")
        else:
            inter["timestamp"] = file_order_clock(inter["user_id"], inter["session_id"] if baskets else None,
                                                   shuffled=shuffled, sequence=sequence)
            unit = "baskets (session_id; a basket's rows share one time)" if baskets else "rows"
            order = f"by their {sequence_name!r}" if sequence is not None else "as the file lists them"
            report.notes.append(
                f"{interactions}: no timestamp column: each shopper's {unit} are taken to be in time order "
                f"{order}, and spread evenly over one made-up year from {ORDER_CLOCK_START}, "
                f"so the temporal split keeps each shopper's last {unit.split(' ')[0]} (about 10 % each) for "
                "validation and test; hour, weekday and season context are then not real"
                + (f". But {item_sorted:.0%} of the shoppers with 3 or more rows have them {sorted_how}"
                   if item_sorted >= 0.9 else
                   f". But the file lists its rows item by item ({item_runs:.0%} of the items two or more shoppers "
                   "have come in one run of lines)" if item_runs >= 0.9 else
                   f". But the file lists its rows sorted by {sort_key}" if sort_key is not None else "")
                + (": the file order is not the time order, so each shopper's rows are taken in a random order "
                   "(seeded, the same every run) and validation and test hold a random tenth of each "
                   "shopper's rows" if shuffled else ""))

    real_context = _varied_context(inter, real_context, interactions, report)
    real_context = _month_dated(inter, real_context, interactions, report)
    if (note := _separate_assortments(inter, interactions)) is not None:
        report.notes.append(note)
    us = read_table(users, with_alias(GENERIC_USERS, "user_id", side_keys["user_id"]) if "user_id" in side_keys
                    else GENERIC_USERS, report, hasher=hasher) if users is not None else None
    if us is not None and _header_only(us, users, "users", report):
        users = us = None
    if us is not None and users is not None and baskets_as_shoppers and "session_id" in inter \
            and (inter["session_id"] != "").all():
        # No shopper column: each basket stands for its shopper, and a customers file's ids
        # are no basket numbers. The Gravity bookstore's order lines (no customer, no date:
        # both in its orders table) had 2,000 orders given the profile of the customer whose
        # id was the order's number, and '26 %' of shoppers said described (real5-ag).
        report.notes.append(f"{users}: not read: {interactions} names no shopper, each basket standing for one, "
                            "and a shoppers file describes shoppers, not baskets; if the shopper (and the time) "
                            "are in an orders table, join it to the lines first")
        us = _users_from_interactions(inter, interactions, report)
    elif us is not None and users is not None:
        require_rows(us, str(users), report)
        named = inter["user_id"][~is_anonymous_basket(inter["user_id"])]
        us = _best_id_column(us, named, users, report, column="user_id")
        us = _zero_padded_ids(us, named, users, report, column="user_id")
        us = drop_duplicate_ids(us, "user_id", str(users), report).drop(columns=["_line"])
        if sample is not None and sample.active:
            # The profiles of the sampled shoppers: the others' would read as ids the
            # interactions do not have (and _coverage as ids written differently).
            us = us[[sample.keeps(shopper_key(u, None)) for u in us["user_id"]]]
        # Anonymous baskets (_anonymous_baskets) are nobody a profile could describe.
        report.notes.append(_coverage(named, us["user_id"], "shoppers", users))
    else:
        us = _users_from_interactions(inter, interactions, report)

    return finished("csv", inter, it, us, report, hasher, timezone="as given (store-local)",
                    real_context=real_context)


# ---------------------------------------------------------------------- helpers


def _numbers_hold_lines(users: pd.Series, numbers: pd.Series) -> bool:
    """Whether a shopper's numbers each hold several lines, as a basket number's do (a
    tenth of them or more): a log's global event counter gives every line its own, and
    read as baskets it had made 20,000 events 9,813 made-up baskets (session ad's
    second review)."""
    sizes = pd.DataFrame({"u": users.to_numpy(), "n": numbers.to_numpy()}).groupby(["u", "n"]).size()
    return bool((sizes > 1).mean() >= 0.1)


def _split_reused_baskets(inter: pd.DataFrame, baskets_as_shoppers: bool, file: Path,
                          report: IngestReport) -> None:
    """An anonymous basket (one shopper's only visit, keyed by its basket number) whose
    number recurs on other days is a till that restarts its receipt numbers (daily, or
    per register): read as one shopper it would be a fabricated regular with every day's
    receipt 17. Each day's is its own visit (shopper id ``<basket> <day>``); in place. A
    known shopper's basket ids go to :func:`_split_known_shoppers_reused_baskets`."""
    if inter["timestamp"].isna().all():
        return
    anon = (np.ones(len(inter), dtype=bool) if baskets_as_shoppers
            else is_anonymous_basket(inter["user_id"]))
    if not anon.all():
        _split_known_shoppers_reused_baskets(inter, ~anon, file, report)
    if not anon.any():
        return
    rows = inter.index[anon]
    ids = inter.loc[rows, "user_id"]
    stamp = inter.loc[rows, "timestamp"]
    reused, days = _longer_than_a_visit(stamp, ids)
    if not len(reused):
        return
    split = ids.isin(reused).to_numpy()
    inter.loc[rows[split], "user_id"] = ids[split] + " " + stamp[split].dt.strftime("%Y-%m-%d")
    report.notes.append(
        f"{file}: {len(reused):,} anonymous baskets' numbers recur on more than one day (e.g. "
        f"{str(reused[0]).removeprefix(ANONYMOUS_BASKET)!r} on {int(days.max())} days: a till that restarts its "
        "receipt numbers?): each day's is read as its own visit ('<basket> <day>')")


REUSED_BASKET_SHARE = 0.01
"""Share of a file's baskets (a shopper's basket id) that, spanning more than
:data:`REUSED_BASKET_DAYS`, show the id is a number counted within a day or a till."""
REUSED_BASKET_DAYS = 2
"""Days a basket may span and still be one visit or order (a web session past midnight,
an order whose lines are stamped as it is picked)."""


VISIT_HOURS = 12
"""Hours a basket's lines may span across midnight and still be one visit (a bar's tab
from 22:00 to 01:00); a basket number whose lines lie further apart on other days is a
number used again."""


def _longer_than_a_visit(stamp: pd.Series, key: pd.Series | np.ndarray) -> tuple[pd.Index, pd.Series]:
    """The baskets (``key``) whose lines fall on more than one day and span more than
    :data:`VISIT_HOURS`, and each basket's count of days: a basket past midnight is one
    visit (634 of a fuzz bar's 2,500 tabs had been cut in two at 00:00; fuzz-ad)."""
    key = np.asarray(key)
    grouped = stamp.groupby(key)
    hours = (grouped.max() - grouped.min()) / pd.Timedelta(hours=1)
    days = stamp.dt.normalize().groupby(key).nunique()  # (not day strings: 1 s on 2M lines)
    return days.index[(days > 1).to_numpy() & (hours.reindex(days.index) > VISIT_HOURS).to_numpy()], days


def _split_known_shoppers_reused_baskets(inter: pd.DataFrame, known: np.ndarray, file: Path,
                                         report: IngestReport) -> None:
    """A known shopper's basket id that recurs days apart is an order number counted
    within each day (a Korean grocery's ``OrderID`` 1, 2, 3 every day: 32,451 orders read
    as 25,805, one of them spanning 452 days, in real-ad) or a till's: where over
    :data:`REUSED_BASKET_SHARE` of the baskets span more than :data:`REUSED_BASKET_DAYS`,
    each day's lines of a basket that spans days are a basket of their own (``<basket>
    <day>``); in place. Merged, a shopper's orders of a year had been one basket in the
    basket baselines, the repeat rate and the order of their history."""
    if "session_id" not in inter:
        return
    rows = inter.index[known & (inter["session_id"] != "").to_numpy()]
    if not len(rows):
        return
    stamp = inter.loc[rows, "timestamp"]
    # A basket is (shopper, basket id) as integer codes: a joined text key cost 1.2 s on
    # 2M lines of a file that has nothing to split (session ad's review).
    users, _ = pd.factorize(inter.loc[rows, "user_id"])
    baskets, _ = pd.factorize(inter.loc[rows, "session_id"])
    key = users.astype(np.int64) * (int(baskets.max()) + 1) + baskets
    grouped = stamp.groupby(key)
    span = (grouped.max() - grouped.min()) / pd.Timedelta(days=1)
    if (span > REUSED_BASKET_DAYS).sum() <= REUSED_BASKET_SHARE * len(span):
        return
    many = np.isin(key, _longer_than_a_visit(stamp, key)[0])
    widest = int(np.flatnonzero(key == span.idxmax())[0])
    example = (inter.loc[rows[widest], "user_id"], inter.loc[rows[widest], "session_id"])
    inter.loc[rows[many], "session_id"] = (inter.loc[rows[many], "session_id"] + " "
                                           + stamp[many].dt.strftime("%Y-%m-%d"))
    report.notes.append(
        f"{file}: {int((span > REUSED_BASKET_DAYS).sum()):,} of {len(span):,} baskets (a shopper's session_id) span "
        f"more than {REUSED_BASKET_DAYS} days (e.g. shopper {example[0]!r}'s {example[1]!r}: {span.max():.0f} days): "
        "a number counted within each day, or a till's (or a clock gone wrong)?; each day's lines of a basket are "
        "read as a basket of their own ('<basket> <day>')")


GUEST_SHARE = 0.10
"""A shopper id holding more than this share of the lines (among 20 or more shoppers) is
said in a note: how a log may write its guests (``0``, ``-1``, ``guest``)."""


DAY_KEYS = ("timeid",)
"""Header names of a star schema's day key (FoodMart's sales fact ``time_id``, 367-730 into
its ``time_by_day``), read as day numbers where a file has no time column."""


def day_key_clock(inter: pd.DataFrame, file: Path, report: IngestReport) -> pd.DataFrame:
    """Times from a day key where a file has no time column: FoodMart's ``time_id`` (real-ae)
    had been passed over for the file order, wrong for 1,483 of its 5,581 shoppers. Only
    for whole numbers of up to 5 digits, read as dunnhumby's ``DAY`` is; a surrogate key of
    another kind is left alone, and a file's own dates always win (session ae's review: a
    fact table's ``time_id`` of minutes had been read as days over its ``date_key``)."""
    unread = unread_columns(inter, INTERACTION_COLUMNS)
    if any("date" in key for _, key in unread.values()):
        return inter  # (a date key beside it, unread: which is the day is not clear)
    for col, (raw, key) in unread.items():
        values = inter[col].astype(str).str.strip()
        if key not in DAY_KEYS or not values.str.fullmatch(r"\d{1,5}").all():
            continue
        days = values.astype(int)
        if days.max() - days.min() > 3660:
            continue  # (a random surrogate key spans centuries as days)
        inter = inter.copy()
        inter["timestamp"] = pd.Timestamp(DAY_ZERO) + pd.to_timedelta(days, unit="D")
        inter.attrs["day_numbers"] = inter.attrs["date_only"] = True
        report.notes.append(f"{file}: no timestamp column, but {raw!r} is a day key ({days.min()}-{days.max()}): "
                            f"day N read as {DAY_ZERO} + N days, so the order and gaps are right but weekday and "
                            "season context are not the real ones")
        return inter
    return inter


RECOMMEND_KEYS = ("recommend", "recommended", "isrecommended", "votedup", "wouldrecommend")
"""Header names of a review's yes-or-no recommendation (Steam's ``recommend``, ``voted_up``)."""


COUNT_KEYS = ("weight", "playcount", "plays", "listens", "listencount", "scrobbles", "visits", "clicks", "views",
              "viewcount", "freq", "frequency")
"""Header names of a column that may count a shopper's uses of an item (Last.fm 2k's
``user_artists.dat``: ``weight``, the plays)."""


def _counts_note(inter: pd.DataFrame, file: Path) -> str | None:
    """A note where a column under a count's name (:data:`COUNT_KEYS`) holds whole numbers
    of which the median line's is 2 or more, and no quantity was read: each line counts
    once, however many plays it stands for (Last.fm's 13 and 43,864 plays alike; the
    column had been dropped without a word: real182-au)."""
    if "quantity" in inter and inter["quantity"].notna().any():
        return None
    for col, (raw, key) in unread_columns(inter, INTERACTION_COLUMNS).items():
        if key not in COUNT_KEYS:
            continue
        values = pd.to_numeric(inter[col].astype(str).str.strip(), errors="coerce")
        given = values.dropna()
        if len(given) < 0.9 * len(values) or not len(given) or (given % 1 != 0).any() or given.median() < 2:
            continue
        return (f"{file}: column {raw!r} (whole numbers, {given.min():,.0f} to {given.max():,.0f}, median "
                f"{given.median():,.0f}) not read: each line counts once, whatever it says; if it counts the "
                "shopper's plays, visits or units of the item, name it 'quantity' and it is read as the units")
    return None


def _ratings_note(inter: pd.DataFrame, file: Path) -> str | None:
    """A rating column is not read, so a 1-star line trains as a like: say so, with how
    many lines rate below the middle of the column's scale. Documented, but nothing in a
    run had told a user that 31 % of Yahoo! R3's lines (1 star) or 22 % of a restaurant
    file's (0 of 0-2) went in as likes (real2-ae). Only for a column of numbers within
    -10..10 in whole or half steps under such a name (not an invoice's 'rate', its unit
    price, nor a model's 'score' between 0 and 1)."""
    bare = bool(inter.attrs.get("columns_by_content")) and "quantity" not in inter and "price" not in inter
    for col, (raw, key) in unread_columns(inter, INTERACTION_COLUMNS).items():
        if key in RECOMMEND_KEYS:
            said = inter[col].astype(str).str.strip().str.lower()
            no = said.isin(("false", "0", "no", "n")).to_numpy()
            if said.isin(("true", "false", "1", "0", "yes", "no", "y", "n")).mean() >= 0.9 and no.any():
                # (Steam's reviews, 'recommend' False on 10 % of them, had said nothing; real32-ak)
                return (f"{file}: column {raw!r} (a recommendation, yes or no) not read: every line counts as the "
                        f"shopper choosing the item; {no.mean():.0%} of them do not recommend it. If that means "
                        "disliked, leave those lines out before exporting")
            continue
        # (a bare file's unnamed column too, where it holds a scale: Yahoo! R3's test set,
        # 91 % rated 1-3, had said only 'column 3 not read'; real10-ag)
        if key not in RATING_KEYS and not (bare and col.startswith("column_")):
            continue
        text = inter[col].astype(str).str.strip()
        text = text.where(~text.isin(MISSING_VALUES), "")  # ('N/A' where a course is not rated: review 67)
        # (stars written out, 'N out of 5' as Jumia's review pages and Amazon's '4.0 out of 5
        # stars': read as N, or the note had been silent; round 45)
        values = pd.to_numeric(text, errors="coerce").fillna(pd.to_numeric(
            text.str.extract(r"(?i)^(-?\d+(?:[.,]\d+)?)\s*(?:/|out of|of|von|de|sur|su|van)\s*\d+"
                             r"(?:\s*(?:stars?|sternen|estrellas|étoiles|etoiles|stelle|sterren))?$")[0]
            .str.replace(",", ".", regex=False), errors="coerce"))
        given = values.dropna()
        # (of the lines that rate: a rating left blank where it is optional, as an e-learning
        # site's enrolments leave it, is no reason for silence; round 45)
        rated = int((text != "").sum())
        if not len(given) or len(given) < 0.9 * rated or given.min() < -10 or given.max() > 10:
            continue
        low, high = float(given.min()), float(given.max())
        # A scale's steps, whole or half (not a model's 0-1 probability; session ae's
        # review), or a signed scale read to the hundredth (Jester's -10 .. +10: 37 % of
        # its lines below 0 had said nothing; real10-ag).
        steps = given.nunique() <= 41 and ((given * 2) % 1 == 0).mean() >= 0.99
        signed = key in RATING_KEYS and low < 0 < high
        # (a column named as the rating, to the tenth: a generator's 1.0-5.0 reviews, 15 % of
        # them below 3, had said nothing; real128-ar)
        # (or to the hundredth above 1: BoardGameGeek's 7.25 and 7.75 among tenths, 17.6 % of
        # its ratings below the middle unsaid; real253-ax)
        tenths = key in RATING_KEYS and 0 <= low < high <= 10 and (
            ((given * 10).round(6) % 1 == 0).mean() >= 0.99
            or (high > 1 and ((given * 100).round(6) % 1 == 0).mean() >= 0.99))
        if not (steps or signed or tenths):
            continue
        if (given % 1 != 0).any() and _one_value_per_item(inter, values):
            # (a product's average written on each of its lines, to the tenth or the
            # hundredth, 4.3 or 4.81: the same on every line of nearly every item; reviews 85, 87)
            continue
        if low == high:
            return None
        if key not in RATING_KEYS and low == 0 and 2 <= high <= 3 and (given % 1 == 0).all() and (
                zeros := float((given == 0).mean())) >= 0.4 and given.mode().iloc[0] == 0:
            # (KAIST AI607's answers: 0 no interaction, 1 view, 2 cart, 3 purchase; 243,148 lines
            # had trained as purchases, 121,574 of them nothing done; real29-ak)
            raise DataError(f"{file}: column {col.split('_')[-1]} (no name) holds {low:g} to {high:g}, {zeros:.0%} of "
                            "the lines 0: codes of what the shopper did (0 nothing done, or the commonest action?), "
                            "not a rating; put a header line first (user_id, item_id, event_type) and say what each "
                            "code means with --event-codes (e.g. 0=none,1=view,2=cart,3=purchase where 0 means "
                            "nothing was done)")
        if key not in RATING_KEYS and not _bare_scale(given, inter):
            return None
        below = float((given < (low + high) / 2).mean())
        # (Goodreads' 0 of 0-5 is a book shelved, not rated: 73 % of a file 'below the middle';
        # round 44)
        zero = " (a 0 may be no rating at all: Book-Crossing's and Goodreads' 0 is an implicit interaction)" if (
            low == 0 and high >= 5 and float((given == 0).mean()) >= 0.3) else ""
        what = f"column {raw!r} (" if key in RATING_KEYS else f"column {col.split('_')[-1]} (no name; "
        return (f"{file}: {what}ratings from {low:g} to {high:g}) not read: every line counts as the shopper "
                f"choosing the item, whatever its rating; {below:.0%} of them rate below the middle of that scale{zero}. "
                "If a low rating means disliked, leave those lines out before exporting")
    return None


def _bare_scale(given: pd.Series, inter: pd.DataFrame) -> bool:
    """Whether a bare file's unnamed column of small numbers looks like a rating rather
    than a warehouse unload's quantity: 4 to 11 values, none of them on 60 % of the lines
    (units are mostly 1), not below 0, in a file without baskets (session ag's
    harnesses: Redshift's and MySQL's unloads, quantities 1-3, had been called ratings)."""
    baskets = "session_id" in inter and bool((inter["session_id"] != "").any())
    return (not baskets and 4 <= given.nunique() <= 11 and given.min() >= 0
            and float(given.value_counts(normalize=True).iloc[0]) < 0.6)


_COUNT_NAME = re.compile(r"^(?!number$)(?:number|num|nb|times)[a-z]+|^countof|(?<!dis)(?<!ac)count$|booked$|visits$"
                         r"|(?<!date)times$"
                         r"|bookings$|purchases$|orders$|frequency$")
"""Header keys of a count of events: ``Number_Booked``, ``times_bought``, ``visit_count``;
not an invoice's ``Number``, a ``discount`` or an ``account`` (session ao's review)."""


def _counts_per_pair(inter: pd.DataFrame, file: Path) -> str | None:
    """A note where each shopper-item pair has one line and a column not read counts, above
    1 on a tenth of the lines or more, how often it happened: a hotel site's
    ``user_bookings.csv`` (``Number_Booked`` up to 2,138) had its 53,438 bookings read as
    13,892, so 0 % repeat buying was measured where the bookings repeat 71 % of the time
    (real70-ao). Said, not changed: such a count may be units of one purchase."""
    if len(inter) < 100 or inter[["user_id", "item_id"]].head(100_000).duplicated().any():
        return None
    for col, (name, key) in unread_columns(inter, INTERACTION_COLUMNS).items():
        if not _COUNT_NAME.search(key):
            continue
        counts = pd.to_numeric(inter[col].head(100_000), errors="coerce")
        if counts.notna().all() and (counts % 1 == 0).all() and (counts >= 1).all() and (counts > 1).mean() >= 0.1:
            return (f"{file}: each shopper-item pair has one line and {name!r} counts more than 1 on "
                    f"{(counts > 1).mean():.0%} of them: if it counts the pair's purchases (visits, bookings), the "
                    "file is a table of totals and repeats are not seen (each pair is read once, so the domain may "
                    "be judged not to repeat); give one line per event with its time, or name it quantity if it "
                    "counts units of one purchase")
    return None


def _one_line_each(counts: pd.Series, file: Path) -> str | None:
    """A note where each of 100 shoppers or more has exactly one line (``counts``: each
    named shopper's lines, most first): a leave-one-out split's held-out file (ENMF's
    ``test.csv``: a user's one target and its sampled negatives) reads as a whole log whose
    every evaluated shopper is new, which nothing had said (real20-ai)."""
    if len(counts) < 100 or counts.iloc[0] != 1:
        return None
    return (f"{file}: each of the {len(counts):,} shoppers has exactly one line, so none has a history to learn "
            "from or to hold out: if this is a held-out test file (one target a shopper, as leave-one-out splits "
            "write), give the training file instead")


def _one_basket_each(inter: pd.DataFrame, counts: pd.Series, file: Path) -> str | None:
    """A note where each of 100 shoppers or more has exactly one basket (one basket id or
    order number, over several lines): a next-basket benchmark's held-out file (its
    ``dunnhumby_future.csv``, ``test_baskets.csv``) reads as a log whose every evaluated
    shopper is new, and the split's note had said each shopper's last baskets were held out
    (real96-ap)."""
    if len(counts) < 100 or counts.iloc[0] == 1:
        return None
    # (by a basket or Instacart's 'order_number', not a time: a tasting panel's one date per
    # respondent over 8 ratings is no basket; session ap's review)
    sequence, _ = sequence_column(inter)
    key = inter.get("session_id", sequence)
    if key is None or (key.astype(str) == "").any():
        return None  # (a basket or a time missing on some lines says nothing of the others)
    named = ~np.asarray(is_anonymous_basket(inter["user_id"]), dtype=bool)
    baskets = key[named].groupby(inter["user_id"][named], sort=False).nunique()
    if len(baskets) < 100 or baskets.max() != 1:
        return None
    return (f"{file}: each of the {len(baskets):,} shoppers has exactly one basket, so none has a history to learn "
            "from or to hold out: if this is a held-out file (each shopper's next basket, as next-basket benchmarks "
            "write their 'future' or test baskets), give the training file of their earlier baskets instead")


_PLUS_ADDRESS = re.compile(r"([^+@\s]+)\+[^@\s]+(@\S+\.\w+)")
"""An e-mail address with a tag: ``atdorders+53462593055@eventbrite.com``."""


def _plus_address_accounts(counts: pd.Series, lines: int, file: Path) -> str | None:
    """A note where many shopper ids are one address with a tag each and hold an outsized
    share of the lines together: Eventbrite writes each event's door sales as
    ``atdorders+<event>@eventbrite.com``, 37 such ids held 43 % of a venue's 171,997 tickets,
    each read as a heavy shopper, and no one id passed the guest note's share (real57-ao).
    Said, not changed: a person who tags their own address is one shopper under many."""
    if len(counts) < 20:
        return None
    ids = pd.Series(counts.index.astype(str), index=counts.index)
    found = ids.str.fullmatch(_PLUS_ADDRESS.pattern)
    if found.sum() < 5:
        return None
    bases = ids[found].str.replace(_PLUS_ADDRESS.pattern, r"\1\2", regex=True)
    for base, members in bases.groupby(bases):
        held = int(counts[members.index].sum())
        if len(members) >= 5 and held > GUEST_SHARE * lines:
            return (f"{file}: {len(members):,} shopper ids are one address with a tag each "
                    f"({ids[members.index].iloc[0]!r}, ...: {base!r}) and have {held:,} of the {lines:,} lines: "
                    "if that is a system's own account (a platform's door sales, one tag an event or an order), "
                    "blank those ids (or give each its basket id) -- as it is, each is read as one shopper")
    return None


_IMPRESSION_WORDS = frozenset({"impression", "impressions", "exposure", "exposures", "proofofplay"})
"""File-name words of a log of what was shown (an ad server's, a signage player's proof of
play; not a 'playlog', a listener's own plays: review 77)."""


def _one_shopper_for_many(counts: pd.Series, lines: int, file: Path) -> str | None:
    """A note when one shopper id holds an outsized share of the lines. Logs often write
    every guest as one id (``0``, ``-1``, ``guest``, ``anonymous``), which would then be
    read as one shopper with everybody's history; only the export's owner knows, so it is
    said, not changed (a wholesale customer or a bot may be real). Markers of a missing
    id (``NA``) are blank already (``schema.MISSING_VALUES``). ``counts``: each named
    shopper's lines, most first, of the file's ``lines``."""
    if len(counts) < 20 or counts.iloc[0] <= GUEST_SHARE * lines:
        return None
    top = counts.index[0]
    # (each of them named: a WooCommerce shop's two kiosks' e-mails held 51 % and 45 % of the
    # lines, and the note had named the first alone; real17-ai)
    outsized = counts[counts > GUEST_SHARE * lines]
    if len(outsized) > 1:
        shares = [f"{u!r} ({n:,}, {n / lines:.0%})" for u, n in outsized.head(5).items()]
        return (f"{file}: shoppers {', '.join(shares[:-1])} and {shares[-1]} have {int(outsized.sum()):,} of the "
                f"{lines:,} lines (the median shopper {int(counts.median()):,}): if that is how the export "
                "writes guests (a log's guest id, a shop's own e-mail for its walk-in buyers), blank those ids (or "
                "give each guest visit its basket id) -- as it is, each is read as one shopper")
    return (f"{file}: shopper {top!r} has {counts.iloc[0]:,} of the {lines:,} lines "
            f"({counts.iloc[0] / lines:.0%}; the median shopper {int(counts.median()):,}): if that "
            "is how the export writes guests, blank those ids (or give each guest visit its basket id) -- "
            "as it is, they are read as one shopper")


def _coverage(used: pd.Series, described: pd.Series, what: str, file: Path) -> str:
    """How many of the ids the interactions use ``file`` describes: an export whose ids
    are written differently (``17850.0`` against ``17850``, other case) matches nothing,
    and the trainer would then silently go without its metadata."""
    ids = pd.unique(used)
    known = _described(ids, set(described.tolist()))
    text = (f"{file}: describes {int(known.sum()):,} of the {len(ids):,} {what} in the interactions "
            f"({known.mean():.0%})")
    # The spelling hint only when the file's own ids are mostly unused too: a users file
    # for the 801 of 2,373 households that opted in matches everything it describes.
    unused = 1.0 - int(known.sum()) / max(described.nunique(), 1)
    if known.mean() < 0.5 and len(described) and unused >= 0.5:
        missing = ids[~known][0]
        text += (f"; ids are compared as text: the interactions have e.g. {missing!r}, {file.name} "
                 f"e.g. {described.iloc[0]!r}")
    return text


SHARED_ASSORTMENT = 0.5
"""Stores fewer of whose lines than this are of items sold in more than one store are
said in a note (:func:`_separate_assortments`)."""


def _separate_assortments(inter: pd.DataFrame, file: Path) -> str | None:
    """A note where the export's stores (``store_id``) sell mostly different items: one
    bundle serves them all, so a store's screen would be offered the others' items (a
    fuzz chain of three stores: 16 of a store's top 20 for new shoppers were not sold
    there, popularity per store 0.656 recall@20 against 0.282; fuzz-ad). The device
    hides an item only when its stock is known to be low, so the way out is said."""
    if "store_id" not in inter:
        return None
    store_codes, store_names = pd.factorize(inter["store_id"].astype(str).str.strip())
    named = np.asarray(store_names) != ""
    stores = int(named.sum())
    if stores < 2 or stores > 1000:
        return None
    lines = named[store_codes] & (store_codes >= 0)
    item_codes, _ = pd.factorize(inter["item_id"])
    # Per line, not per item: a long tail of items sold once can never look shared, and
    # a chain of one range had been said to sell different items (session ad's review).
    # (On integer codes: a frame's drop_duplicates and groupby took 1 s on 2M lines.)
    pairs = np.unique(item_codes[lines].astype(np.int64) * len(store_names) + store_codes[lines])
    in_stores = np.bincount(pairs // len(store_names), minlength=int(item_codes.max()) + 1)
    shared = float((in_stores[item_codes[lines]] > 1).mean())
    if shared >= SHARED_ASSORTMENT:
        return None
    raw = inter.attrs.get("source_names", {}).get("store_id", "store_id")
    if stores >= 20 and shared < 0.05:
        # (a marketplace's sellers: Shopee's 'shopId', 228 shops of one or two laptops each,
        # had been told to train 228 bundles; real180-au)
        return (f"{file}: {stores} stores ({raw!r}, read as store_id) and {shared:.0%} of the lines are of items sold "
                "in more than one: each item is one store's alone, as a marketplace's sellers' are; if they are "
                "sellers, not shops a device stands in, rename the column so it is not read as the store; if they "
                "are shops, train a bundle per store (its lines only) or send each device a stock of 0 for what its "
                "store does not sell")
    return (f"{file}: {stores} stores (store_id) of which only {shared:.0%} of the lines are of items sold in more "
            "than one: one bundle serves every store, so its lists for a shopper the device does not know mix the "
            "stores' items, and a device hides an item only when its stock says so; train a bundle per store (its "
            "lines only), or send each device a stock of 0 for what its store does not sell")


SPARSE_FIELD_SHARE = 0.5
"""An items file's field given for fewer of its items than this is said in a note."""


def _sparse_fields(items: pd.DataFrame, file: Path) -> str | None:
    """A note naming the items file's fields that most items sold leave blank: those items
    are 'unknown' there, with no category context or store zone, and the coverage note
    had said '100 %' of a file 90 % of whose categories were blank (fuzz-ad). ``items``
    holds the rows of the items that sell: a whole catalogue's never-sold rows had made
    it say 8 % where every sold item had both (session ad's review)."""
    said = []
    for col in ("category", "department", "price"):
        if col in items and len(items):
            given = float((items[col].notna() & (items[col].astype(str).str.strip() != "")).mean())
            if 0 < given < SPARSE_FIELD_SHARE:
                said.append(f"{col} for {given:.0%}")
    if not said:
        return None
    return (f"{file}: gives {' and '.join(said)} of the items sold; the others are 'unknown' there (no category "
            "context, zone or price band of their own)")


_POSITION_STEPS = (pd.Timedelta(microseconds=1), pd.Timedelta(milliseconds=1), pd.Timedelta(seconds=1),
                   pd.Timedelta(days=1))
"""The steps a position read as a time makes: 1 as a microsecond, millisecond, second or day."""


def _positions_as_times(inter: pd.DataFrame, file: Path) -> str | None:
    """A note where the times only number each shopper's lines: 50 shoppers or more, nine
    in ten of whom start at the file's first time, nine steps in ten of one unit
    (:data:`_POSITION_STEPS`) from line to line (LLMSRec's Last.fm ``lastfm.inter``:
    1238536800000 plus 1, 2, 3 ms for each user;
    split at one moment, only the 84 users with more than 194 lines reached validation and
    45 test, of 1,142; real22-aj; and bare positions 1, 2, 3 read as day numbers, session
    aj's review). None otherwise."""
    times = inter["timestamp"]
    t0 = times.min()
    if pd.isna(t0) or not t0 < times.max():
        return None
    users = inter["user_id"].to_numpy()
    first = times.groupby(users, sort=False).min()
    if len(first) < 50 or float((first == t0).mean()) < 0.9:
        return None
    ordered = pd.DataFrame({"user": users, "t": times.to_numpy()}).sort_values(["user", "t"], kind="stable")
    steps = ordered.groupby("user", sort=False)["t"].diff().dropna()
    if steps.empty or (step := steps.mode().iloc[0]) not in _POSITION_STEPS or float((steps == step).mean()) < 0.9:
        return None  # (a weekly delivery for everyone since launch day is a clock: session aj's second review)
    return (f"{file}: every shopper's times start at {t0} and step by {step} from line to line "
            f"({(first == t0).mean():.0%} of {len(first):,} shoppers start at the first, {(steps == step).mean():.0%} "
            "of the steps are that one): they number each shopper's lines, not a clock, so they give the order and "
            "the file is read as one without times")


LONG_SPAN_YEARS = 20
"""Years of times beyond which a note says how far they spread: a shop's export covers
months or a few years; 162 years (1900-2100) is a default value or a unit misread."""


_PURCHASE_TIME = re.compile(r"order|purchas|transact|sale|invoice|receipt|paid|payment|checkout|bought|placed"
                            r"|pedido|compra|venta|commande|bestell|kauf")
"""Words of a time column's name that say it is the purchase's own time."""


def _item_dates(inter: pd.DataFrame, file: Path) -> str | None:
    """The note where the time column is each item's own date, then not read as the time
    (the lines in file order, as a file without times): every item of 20 or more, sold on
    two lines or more on average, has one time on all its lines, and there are about as
    many times as items (a concert ticket export's ``event_date``, the show's: 50 events,
    50 dates over 399 orders; the split had ordered purchases by show and blamed 'a range
    launched at the end of the export'; real139-as). A till's product is sold at many
    times; a small shop's few days, one item on one of them by chance, are not this."""
    times = inter["timestamp"]
    items = inter["item_id"]
    n_items = items.nunique()
    if n_items < 20 or len(inter) < 2 * n_items or times.nunique() < max(2, n_items // 2):
        return None
    if int(pd.DataFrame({"i": items, "t": times}).drop_duplicates().shape[0]) != n_items:
        return None
    name = inter.attrs.get("source_names", {}).get("timestamp", "timestamp")
    if _PURCHASE_TIME.search(header_key(str(name))):
        return None  # (a deal-of-the-day shop's 'order_date' is the order's: session as's review)
    return (f"{file}: {name!r} is one value per item ({n_items:,} items, each with one time on all its lines): "
            "the item's own date (a show's, a departure's, a tasting's), not when each line happened: not read as "
            "the time")


def _time_span_note(times: pd.Series, file: Path) -> str | None:
    """A note where the times spread over more than :data:`LONG_SPAN_YEARS` or lie in the
    future: the split is by time, so 85 % of the lines in 2091 put validation and test
    in a few days of 2091 (fuzz-ac), and nothing had said the times were odd."""
    known = times.dropna()
    if known.empty:
        return None
    first, last = known.min(), known.max()
    # (as Python datetimes: pandas' Timedelta stops at 292 years, and times read from
    # counts had spanned more, a crash; real22-aj)
    years = (last.to_pydatetime() - first.to_pydatetime()).days / 365.25
    future = float((known > pd.Timestamp.now() + pd.Timedelta(days=2)).mean())
    if years <= LONG_SPAN_YEARS and not future:
        return None
    said = [f"the times span {years:.0f} years ({first:%Y-%m-%d} .. {last:%Y-%m-%d})"] if years > LONG_SPAN_YEARS else []
    if future:
        # ('the times 6% of them lie after today' where only this clause applied: fuzz-ad)
        said.append(f"{future:.0%} of {'them' if said else 'the times'} lie after today")
    return (f"{file}: {' and '.join(said)}: the split is by time, so check that the time column is the "
            "purchases' (not a default date, a birth date or a misread unit)")


def _varied_context(inter: pd.DataFrame, real_context: tuple[str, ...], file: Path, report: IngestReport
                    ) -> tuple[str, ...]:
    """``real_context`` without a field every line has the same value of: an export of one
    day has one weekday, of one hour one hour, and 'sales by hour' there is a half-life
    of seconds over nothing to tell apart (fuzz-ac). A note says which."""
    same = [f for f, part in (("hour", "hour"), ("weekday", "day_of_week")) if f in real_context
            and getattr(inter["timestamp"].dt, part).nunique() == 1]
    if not same:
        return real_context
    report.notes.append(f"{file}: every line has the same {' and '.join(same)}: not real context (no sales heat by "
                        f"{' or '.join(same)})")
    return tuple(f for f in real_context if f not in same)


MONTH_DATED_SHARE = 0.9
"""Share of the times on a month's first midnight (in a zone within 14 hours of UTC) from
which the file is taken to date its lines to the month."""


def _month_dated(inter: pd.DataFrame, real_context: tuple[str, ...], file: Path, report: IngestReport
                 ) -> tuple[str, ...]:
    """``real_context`` without hour and weekday where the times are dated to the month:
    HetRec's Last.fm tag times (RecBole_SAE's ``lastfm.inter``) are each month's first
    midnight in Central Europe, 22:00 or 23:00 UTC the evening before, on 98 % of lines; the
    hour and weekday of those are the calendar's, not the shoppers', and had been called
    real context (real27-aj). Three months at least, so one export of a month's first
    days is not taken for it."""
    if not real_context or "timestamp" not in inter or not len(inter):
        return real_context
    stamps = inter["timestamp"].dropna()
    # The nearest month's first midnight, a zone's within 14 hours of UTC's either way (Central
    # Europe's the evening before, New York's at 04:00 or 05:00 UTC), on the hour: a sale on a
    # month's last evening has its minutes (session ak's review).
    ahead = (stamps + pd.Timedelta(hours=14)).dt.to_period("M").dt.to_timestamp()
    near = ((ahead - stamps).abs() <= pd.Timedelta(hours=14)) & (stamps.dt.minute == 0) & (stamps.dt.second == 0)
    share = float(near.mean()) if len(near) else 0.0
    if share < MONTH_DATED_SHARE or ahead[near].nunique() < 3:
        return real_context
    report.notes.append(f"{file}: {share:.0%} of the times fall on the hour within 14 hours of a month's first "
                        "midnight: the lines are dated to the month, so hour and weekday are not real context (no "
                        "sales heat by them)")
    return ()


def _line_numbers_as_baskets(inter: pd.DataFrame, file: Path, report: IngestReport) -> pd.DataFrame:
    """``inter`` without its basket column where that numbers the lines, one value a line
    among 50 lines or more of named shoppers, half of which share their shopper and time
    with three other lines or more on average: a sales sheet's ``ReceiptNo`` (1111, 1112 ...
    beside its 94 invoices' ``Num``) had split every invoice into one-line baskets, and
    which items were bought together was lost (real28-ak). Without it a shopper's lines of
    one time are one basket."""
    if "session_id" not in inter or "timestamp" not in inter or len(inter) < 50:
        return inter
    baskets = inter["session_id"]
    # (the first thousand first: most files' baskets repeat there, and they pay no more; the
    # anonymous-basket look over every shopper id, 0.3 s on 2M lines, comes after)
    if not baskets.head(1000).is_unique or (baskets == "").any() or not baskets.is_unique:
        return inter
    if is_anonymous_basket(inter["user_id"]).any():
        return inter
    # And half the lines or more share their shopper and time with three others or more on
    # average: an invoice's lines (a canteen's one-line orders, two a day of one shopper, had
    # been merged and its repeats dropped as duplicates; session ak's review). On the first
    # 200,000 lines: a 2M-line file's grouping had cost 0.6 s.
    head = inter.head(200_000)
    together = head.groupby(["user_id", "timestamp"], sort=False)["item_id"].transform("size")
    if float((together > 1).mean()) < 0.5 or float(together[together > 1].mean()) < 4:
        return inter
    raw = inter.attrs.get("source_names", {}).get("session_id", "session_id")
    report.notes.append(f"{file}: column {raw!r} differs on every line (e.g. {baskets.iloc[0]!r}, "
                        f"{baskets.iloc[1]!r}): it numbers the lines, not the baskets, so it is not read; a "
                        "shopper's lines of one time are one basket")
    out = inter.assign(session_id="")
    out.attrs = inter.attrs
    return out


def _scaled_prices(inter: pd.DataFrame, file: Path, report: IngestReport) -> pd.DataFrame:
    """No prices where the column is a model's input scaled to 0..1 (min-max): a canteen's
    processed file wrote Samosa at 0.0 and the dearest dish at 1.0, the rest as
    0.5833333333333334, and the bundle had shipped those as prices (real47-an). Told by
    the ends, exactly 0 and 1, and values no till writes (more than four decimals)."""
    if "price" not in inter:
        return inter
    price = pd.to_numeric(inter["price"], errors="coerce").dropna()
    if len(price) < 20 or price.min() != 0 or price.max() != 1 or price.nunique() < 5:
        return inter
    if not ((price * 10_000) % 1 > 1e-6).any():
        return inter
    # (and two more columns scaled so, as a model's input file has: a penny-candy shop's
    # prices or sales in ETH lie within 0..1 too; session an's review)
    scaled = 0
    for col in unread_columns(inter, INTERACTION_COLUMNS):
        values = pd.to_numeric(inter[col], errors="coerce").dropna()
        scaled += bool(len(values) >= 20 and values.min() == 0 and values.max() == 1 and values.nunique() >= 5)
    if scaled < 2:
        return inter
    report.notes.append(f"{file}: the prices lie from exactly 0 to exactly 1 with fractions no till writes (e.g. "
                        f"{float(price[(price * 10_000) % 1 > 1e-6].iloc[0])}): a model's input scaled to 0..1, not "
                        "money; not read (every item's price unknown, 0 in the bundle)")
    inter = inter.copy()
    inter["price"] = np.nan
    return inter


def _refuse_attribute_lists(file: Path, report: IngestReport) -> None:
    """A clear error for a JSON object of lists keyed by id, read as shoppers' histories,
    whose name says it lists attributes: S3-Rec's ``item2attributes.json`` given as the
    interactions by mistake had trained 300 items as shoppers and 39 attributes as the
    catalogue (session ak's review); as ``--items`` it is each item's attributes."""
    histories = any(n.startswith(f"{file}: a JSON object keyed by shopper, each a list of items") for n in report.notes)
    words = letter_words(Path(file).name)
    if histories and words & NAME_ATTRIBUTE_WORDS:
        raise DataError(f"{file}: the file's name says its lists are attributes ({', '.join(sorted(words & NAME_ATTRIBUTE_WORDS))}), "
                        "not what shoppers did: give it as --items, and the interactions file as --interactions")


UNIT_WORDS_OF_AMOUNTS = ("jumlah",)
"""Quantity names that are the line's money elsewhere (Indonesian 'jumlah', a number: units
in one shop's export, the total in rupiah in another's)."""


def _amounts_as_units(inter: pd.DataFrame, file: Path, report: IngestReport) -> pd.DataFrame:
    """``inter`` without the quantity read from a name of :data:`UNIT_WORDS_OF_AMOUNTS` whose
    values are money: a median of 1,000 or more a line (a 'Jumlah' of Rp 7,500-150,000 had been
    as many units; session ak's review)."""
    raw = inter.attrs.get("source_names", {}).get("quantity", "")
    if header_key(raw) not in UNIT_WORDS_OF_AMOUNTS or not inter["quantity"].notna().any():
        return inter
    if float(inter["quantity"].median()) < 1000:
        return inter  # (a wholesaler's 50-500 units are units; session ak's review)
    report.notes.append(f"{file}: column {raw!r} (median {inter['quantity'].median():g} a line) is the line's amount of "
                        "money, not its units: not read as the quantity")
    out = inter.assign(quantity=np.nan)
    out.attrs = inter.attrs
    return out


ONE_SHOPPER_LINES = 100
"""Lines of one shopper from which a file of nobody else's is refused (a handful is a
sample or a test fixture's, refused later for too little data anyway)."""


def _refuse_one_shopper(inter: pd.DataFrame, file: Path) -> None:
    """A clear error for a file of one shopper's lines only: a person's own history
    ('download your data': Netflix's ViewingActivity.csv of one profile, Apple Music's
    play activity named by its one account) had been read and trained, 'validation 1
    shoppers' (real30-ak). Nothing in it says what shoppers choose over others."""
    if len(inter) < ONE_SHOPPER_LINES or is_anonymous_basket(inter["user_id"].head(1)).any():
        return
    # (one comparison, not a unique over 2M ids: 0.5 s)
    if not (inter["user_id"] == inter["user_id"].iloc[0]).all():
        return
    shopper = str(inter["user_id"].iloc[0])[:40]
    baskets = inter["session_id"].nunique() if "session_id" in inter else 0
    if baskets >= 20:
        # (a till's default customer on every receipt, 'Walk-in Customer': its 122 receipts are
        # anonymous visits; session ak's review)
        raise DataError(f"{file}: every one of its {len(inter):,} lines is one shopper's ({shopper!r}), "
                        f"over {baskets:,} baskets: a till's default customer? If so, blank that column so each "
                        "basket is read as an anonymous visit; if it is one person's own history, nothing can be "
                        "learnt from it of what shoppers choose")
    raise DataError(f"{file}: every one of its {len(inter):,} lines is one shopper's ({shopper!r}): one person's own "
                    "history (a service's 'download your data' export?), from which nothing can be learnt of what "
                    "shoppers choose; give many shoppers' lines")


RETURN_TIME_KEYS = ("returndate", "returnedat", "returneddate", "returntime", "returntimestamp", "returncreatedat",
                    "returnedon")
"""A time column of returns: Amazon's 'FBA customer returns' report (``return-date``),
Shopify's and marketplaces' returns exports. Its lines are what shoppers gave back."""


RETURN_REASON_KEYS = ("returnreason", "reasonforreturn", "returnreasoncode", "claimreason", "defect", "defecttype")
"""A column of why a product came back: beside a return's date on every line, a report of
returns (a warranty claims file). Not a bare 'Reason': a trip's beside its return date
(session am's review)."""

RETURN_NAME_WORDS = frozenset({"returns", "refunds", "devoluciones", "devolucoes", "retouren", "retours", "rimborsi",
                               "zwroty", "iadeler"})
"""Words of a file's name that say its lines are returns (Spanish, Portuguese, German,
French, Italian, Polish, Turkish too)."""
SALE_NAME_WORDS = frozenset({"orders", "sales", "sale", "ventas", "vendas", "purchases", "transactions", "and",
                             "penjualan", "pesanan", "transaksi"})
"""Words beside which a returns word names a file of sales and returns both (``orders_and_returns``;
not ``order_returns``, the returns of orders)."""


_NO_RETURN = frozenset({v.lower() for v in MISSING_VALUES} | {"", "--", "no", "n"})
"""A return column's cells that say there was none (lower case): blank, a missing-value word;
and those that start with :data:`_NO_RETURN_STARTS`."""
_NULL_DATE = re.compile(r"^0000-00-00|(?<!\d)(?:1899|1900)(?!\d)|^1970-01-01|^01/01/1970")
"""A date a database writes for none (``0000-00-00``, ``01/01/1900``, the epoch)."""
_NO_RETURN_STARTS = ("not returned", "no return", "not applicable", "no devuelto", "no aplica", "nao devolvido",
                     "não devolvido", "nicht zurück")
"""``Not Returned Yet``, ``No Return Requested``, ``No devuelto``: no return (not a reason that
starts with 'no': ``No longer needed``, ``Not as described``; session am's reviews)."""


def _refuse_account_ledger(inter: pd.DataFrame, file: Path) -> None:
    """A clear error for a bank or card account's transactions (Mint's export: 'Description',
    'Amount', 'Transaction Type' debit / credit, 'Account Name'): money in and out of a
    household's accounts, read (as the missing item's hint led) as 991 purchases by 8
    'shoppers' that were one family's cards, loans and IRAs, salaries among them
    (real43-am). Told by a transaction-type column of debit and credit (``DR`` / ``CR``, a
    third type ``transfer``) where the shopper is read from an account's name or number or
    a balance column is beside it: a till's ``Transaction Type`` is the card used."""
    unread = unread_columns(inter, INTERACTION_COLUMNS)
    names = inter.attrs.get("source_names", {})
    account = header_key(names.get("user_id", "")) in ("accountname", "account", "accountnumber", "accountno") or any(
        key in ("balance", "runningbalance", "accountbalance") for _, key in unread.values())
    # (not where the lines have units or a unit price: invoice lines by an 'Account Name', a
    # canteen card's purchases; session am's last review)
    if not account or any(c in inter and pd.to_numeric(inter[c], errors="coerce").notna().any()
                          for c in ("quantity", "price")):
        return
    for col, (name, key) in unread.items():
        if key.replace("/", "") not in ("transactiontype", "debitcredit", "drcr", "creditdebit", "crdr"):
            continue
        values = set(inter[col].astype(str).str.strip().str.lower().unique()[:5])
        if {"debit", "credit"} <= values <= {"debit", "credit", "transfer"} or values == {"dr", "cr"}:
            raise DataError(f"{file}: a bank or card account's transactions ({name!r} debit / credit): money in and "
                            "out of accounts, no shopper's purchases of items; give a shop's order lines")


_SCALED = r"-?\d*\.\d{4,}"
"""A number with four decimals or more (``0.7272727272727273``, ``-1.2247``, ``0.7273``): a
scaler's output, no id or till amount."""


def _refuse_scaled_ids(inter: pd.DataFrame, file: Path) -> None:
    """A clear error for a model's input file whose item column was scaled with the rest: a
    mobile-money fraud set's ``ProductId`` ``0.7272727272727273`` had been read as 21 items
    and 9,567 one-visit shoppers, and a bundle shipped (real51-an). Where nine in ten of the
    item ids are such numbers (min-max, standardised or rounded to four decimals) and two
    more columns are too; not a tracker's random visitor ids beside a plain log (session
    an's review)."""
    # (the first 100,000 lines, sliced before the text is made: a column means one thing)
    ids = pd.Series(pd.unique(inter["item_id"].iloc[:100_000].astype(str).str.strip().to_numpy()))
    if len(ids) < 5 or ids.str.fullmatch(_SCALED).mean() < 0.9:
        return
    if not pd.to_numeric(ids, errors="coerce").abs().le(10).all():
        return  # (a scaler's numbers are small: a library's Dewey numbers, '972.19285', are not)
    # (any other column, read or not: a scaled 'CustomerId' is read as the shopper; session
    # an's review)
    def is_scaled(col: str) -> bool:
        head = inter[col].iloc[:1000].astype(str).str.strip()
        return bool(head.str.fullmatch(_SCALED).mean() >= 0.5
                    and pd.to_numeric(head, errors="coerce").abs().le(10).mean() >= 0.9)  # (not latitudes)

    scaled = sum(is_scaled(col) for col in inter.columns if col not in ("item_id", "_line"))
    if scaled < 2:
        return
    name = inter.attrs.get("source_names", {}).get("item_id", "item_id")
    raise DataError(f"{file}: {column_said(name)}, read as item_id, holds scaled numbers ({ids.iloc[0]!r}, ...), as "
                    f"{scaled} more columns do: a model's scaled input, no ids; give the file as it was before it was "
                    "scaled")


def _refuse_full_grid(inter: pd.DataFrame, file: Path) -> None:
    """A clear error for a headerless table by store and product: a bike chain's
    ``stocks.csv`` (store, product, units on hand) had been read as 3 shoppers each buying
    all 313 products once, a bundle shipped (real52-an). A few shoppers (50 at most) with a
    line for nearly every item (19 pairs in 20), each once, are no shoppers' histories.
    Only in a file read without a header (a named file says what its columns are) and
    without times (a tasting panel's judges, each scoring every wine at its time, are
    shoppers; session an's review)."""
    if not inter.attrs.get("columns_by_content") or "timestamp" in inter:
        return
    users, items = inter["user_id"].nunique(), inter["item_id"].nunique()
    if not 2 <= users <= 50 or items < 21:
        return
    pairs = len(inter[["user_id", "item_id"]].drop_duplicates())
    if pairs == len(inter) and pairs >= 0.95 * users * items:
        raise DataError(f"{file}: each of the {users} values read as the shopper has a line for nearly every one "
                        f"of the {items:,} items, once ({pairs:,} of {users * items:,} pairs): a table by store (or "
                        "warehouse) and product, stock or sales, no shoppers' histories; put a header line first "
                        "if it is one")


def _items_in_unnamed_columns(inter: pd.DataFrame, file: Path, report: IngestReport) -> pd.DataFrame:
    """A basket's further items in the unnamed columns after its first: Kaggle's
    ``Market_Basket_Optimisation.csv`` heads ``ID,ITEMS`` over 20 fields, and named as its
    hints said, 7,501 of its 29,363 items were read, the rest 'not read' (real54-an).
    Where two unnamed columns or more hold, on half their given values or more, names the
    item column holds too: each line's items are its rows, the line a basket. Numbers only
    where they are codes of one width (three digits or more, or PLUs of four and five) and each column is other codes
    than the line's first and about as varied (a numbered catalogue's unlabelled quantity,
    price and aisle columns hold its codes' numbers too); a line's price and quantity stay
    its first item's (session an's and ao's reviews)."""
    if inter.attrs.get("columns_by_content"):
        return inter  # (a headerless file's columns are all 'column_N': its own reading)
    unnamed = [c for c in inter.columns if re.fullmatch(r"column_\d+", str(c))]
    if len(unnamed) < 2:
        return inter
    first = inter["item_id"].iloc[:100_000].astype(str).str.strip()
    items = set(first)
    named = sum(any(c.isalpha() for c in v) for v in items) >= 0.5 * len(items)
    # Codes of one width, three digits or more (a till's PLUs 1009, 1050; EANs): a numbered
    # catalogue's 1..150 leaves a quantity or a whole price among its codes (session ao's review).
    # (or PLUs of four and five digits, a produce code and its organic one: 4011, 94011;
    # session ao's left list)
    widths = {len(v) for v in items}
    coded = (len(widths) == 1 and min(widths) >= 3) or widths == {4, 5}
    same = []
    for col in unnamed:
        given = inter[col].iloc[:100_000].astype(str).str.strip()
        given = given[(given != "") & ~given.isin(MISSING_VALUES)]
        if not len(given) or given.iloc[:10_000].isin(items).mean() < 0.5:
            continue
        # Codes (a till's PLUs 1009, 1050) where each column is other items than the line's
        # first and as varied: not a quantity of three values, nor an aisle that repeats the
        # code beside it (session an's reviews: a numbered catalogue's).
        if named or (coded and given.str.len().isin(widths).all() and (given != first[given.index]).mean() >= 0.9
                     and given.nunique() * 5 >= len(items)):
            same.append(col)
    if len(same) < 2:
        return inter
    lines = len(inter)
    cells = inter[["item_id", *same]].astype(str).apply(lambda c: c.str.strip())
    lists = [[v for v in row if v and v not in MISSING_VALUES] for row in cells.itertuples(index=False)]
    out = inter.drop(columns=same).assign(item_id=lists).explode("item_id", ignore_index=True)
    out = out[out["item_id"].notna()].reset_index(drop=True)
    further = (out.groupby("_line").cumcount() > 0).to_numpy()
    for col in ("price", "quantity"):
        if col in out:
            out[col] = out[col].where(~further)  # (the line's price is its first item's)
    out.attrs = inter.attrs
    if "session_id" not in out:
        out["session_id"] = "line " + out["_line"].astype(str)
    name = inter.attrs.get("source_names", {}).get("item_id", "item_id")
    if len(same) == len(unnamed):  # (the header's note said they are not read: this one says how they are)
        report.notes[:] = [n for n in report.notes
                           if not (n.startswith(f"{file}: ") and "without a name in the header" in n)]
    report.notes.append(f"{file}: {len(same)} unnamed columns after {name!r} hold more of the same items: each line's "
                        f"items read as its basket, {lines:,} lines -> {len(out):,} rows")
    return out


def _refuse_line_numbers_as_items(inter: pd.DataFrame, file: Path) -> None:
    """A clear error where the column read as the item counts the lines (0, 1, 2 ... each
    once): a receipt-scanner export's 'item_id' is its line's key, and read as 6,941 items
    of one line each, the load had stopped on 'too little data: export a longer period'
    (real55-an). (:func:`.columns.better_item_column` reads another column instead where
    one names the product on nearly every line.) Only under a name of no kind of product
    (``item_id``, ``id``, ``item``): an auction's lots numbered 1 to N are each sold once,
    and an ``anime_id`` is a title's (session an's review)."""
    name = inter.attrs.get("source_names", {}).get("item_id", "item_id")
    if header_key(name) not in ("itemid", "id", "item", "itemno", "lineid", "index", "row", "rowid"):
        return
    if len(inter) < 100 or not inter["item_id"].iloc[:1000].is_unique:
        return  # (a look at the head first: most files repeat their items within it)
    ids = inter["item_id"].astype(str)
    if ids.nunique() != len(ids) or not ids.str.fullmatch(r"\d+").all():
        return
    numbers = pd.to_numeric(ids).to_numpy()
    # (counting up or down line by line, from any start, some lines left out: a span at
    # most a quarter wider than the lines; session an's reviews)
    steps = np.diff(numbers)
    if ((steps > 0).all() or (steps < 0).all()) and abs(numbers[-1] - numbers[0]) + 1 <= 1.25 * len(numbers):
        raise DataError(f"{file}: {column_said(name)}, read as item_id, counts line by line ({numbers[0]}, "
                        f"{numbers[1]}, {numbers[2]} ... {numbers[-1]}), each once: a line's key, it seems, not a "
                        "product; name the column that says the product item_id (a barcode, a SKU, a description). "
                        "(If each item truly sells once, there is nothing to learn of what sells with what.)")


def _refuse_returns_report(inter: pd.DataFrame, file: Path, report: IngestReport) -> None:
    """A clear error for a report of returns: its time is the return's, every line a
    thing given back. Read, 120 returns of Amazon's report were trained as purchases. Or
    its name says so (a Mexican drug maker's ``devoluciones.csv``, credit notes of returns:
    renamed as the hint said, 1,007 returns had trained as purchases; real31-ak), where no
    line says what it is (a status column, an event, a quantity below 0 for the returns
    among sales: test files named ``returns.csv`` hold such mixes)."""
    raw = inter.attrs.get("source_names", {}).get("timestamp", "")
    if header_key(raw) in RETURN_TIME_KEYS:
        raise DataError(f"{file}: a report of returns ({raw!r} is its time): every line is a product given back, "
                        "not a purchase; give the orders or sales report (its returns are left out from there)")
    unread = unread_columns(inter, INTERACTION_COLUMNS) if "event_type" not in inter and len(inter) >= 20 else {}
    # Each return column's share of lines that give a return: a placeholder is none (an
    # orders file's 'Return Date' '-' and 'Return Reason' 'Not Returned' on the lines kept;
    # session am's reviews). Only the return columns, on their distinct values (a 1M-line
    # file has a few thousand).
    filled = {}
    for col, (name, key) in unread.items():
        if key in RETURN_TIME_KEYS or key in RETURN_REASON_KEYS:
            cells = inter[col].astype(str)
            distinct = pd.unique(cells)
            none = [v for v in distinct if (t := v.strip().lower()) in _NO_RETURN
                    or t.startswith(_NO_RETURN_STARTS) or (key in RETURN_TIME_KEYS and _NULL_DATE.search(t))]
            if key in RETURN_TIME_KEYS:
                # (a word where a date goes, 'Sin devolución', says none came back where it is
                # on half the lines or more; a returns report's 'Pending' on a quarter is a
                # return under way; session am's last reviews)
                words = [v for v in distinct if not any(c.isdigit() for c in v)]
                if cells.isin(words).mean() >= 0.5:
                    none += words
            filled[key] = (name, float((~cells.isin(none)).mean()))
    # A refund's own id and amount on nine lines in ten (Maven Fuzzy Factory's
    # 'order_item_refunds.csv': 'order_item_refund_id', 'refund_amount_usd'; renamed without
    # 'refund' in its name, 1,731 refunds had been purchases; real75-ao). A line is a refund
    # where its id is given (not 'null', '0', '-') and its amount is not 0 ('$49.99',
    # '-49.99'): an orders export may carry both columns empty or 0 on its sales. Not a
    # tax-free shop's VAT refund beside each sale; a 'reservation_refund_id' and a
    # 'refund_amount_incl_tax' are a refund's (session ao's reviews).
    ids = next(((n, c) for c, (n, k) in unread.items() if re.search(r"refund[a-z]*id$", k)
                and not re.search(r"^(?:vat|tax)|(?:vat|tax)refund", k)), None)
    amounts = next(((n, c) for c, (n, k) in unread.items()
                    if re.match(r"refund(?:ed)?amount|amountrefunded", k)), None)
    if ids is not None and amounts is not None:
        given = inter[ids[1]].astype(str).str.strip().str.lower()
        money = pd.to_numeric(inter[amounts[1]].astype(str).str.replace(r"[^\d.\-]", "", regex=True), errors="coerce")
        if float((~given.isin({"", "0", "-", "none", "null", "n/a", "na", "nan"}) & (money.abs() > 0)).mean()) >= 0.9:
            raise DataError(f"{file}: a report of refunds ({ids[0]!r} and {amounts[0]!r} given on 90% of the lines or "
                            "more): every line is a sale given back, not a purchase; give the orders or sales report "
                            "(its refunds are left out from there)")
    when = next(((n, s) for k, (n, s) in filled.items() if k in RETURN_TIME_KEYS and s >= 0.9), None)
    why = next((n for k, (n, s) in filled.items() if k in RETURN_REASON_KEYS and s >= 0.9), None)
    if when is not None and why is not None and not loans_file(file):
        # A watch maker's warranty claims: 'return_date' and 'return_reason' on every line,
        # the time read from 'order_date'; 2,392 returns had been purchases (real42-am). Not
        # a return date alone, nor beside a return's branch, condition or flight: a loan's,
        # a rental's, a trip's (session am's review).
        raise DataError(f"{file}: a report of returns ({when[0]!r} and {why!r} given on 90% of the lines or more): "
                        "every line is a product given back, not a purchase; give the orders or sales report "
                        "(its returns are left out from there)")
    words = letter_words(Path(file).name)
    # (a credit note's or memo's file: Zoho's 'Credit_Note.csv', its lines goods given back
    # and read as purchases; real111-aq)
    credit = {"creditnote", "creditnotes", "creditmemo", "creditmemos", "creditnotas", "gutschriften", "gutschrift",
              "avoirs", "creditmemoitem"} & words or (
        "credit" in words and words & {"note", "notes", "memo", "memos"}) or (
        "credito" in words and words & {"nota", "notas", "note"})  # (Spanish, Italian)
    # (not an export of invoices and credit notes together whose document type, a column the
    # reader reads, says which line is which: a bare 'Type' or 'Voucher Type' is read by
    # nothing, its credit notes would be purchases; session aq's reviews)
    typed = any(header_key(c) in (*DOCUMENT_KEYS, "transactiontype") and not inter[c].astype(str).map(
        lambda v: "credit" in v.lower() or "crédit" in v.lower() or header_key(v) in CREDIT_WORDS).all()
                for c in inter.columns)
    if credit and not words & (SALE_NAME_WORDS | {"invoice", "invoices"}) and not typed and "event_type" not in inter:
        raise DataError(f"{file}: the file's name says it lists credit notes: every line a product given back or "
                        "money refunded, not a purchase; give the invoices or sales file")
    if not words & RETURN_NAME_WORDS or words & SALE_NAME_WORDS or "event_type" in inter:
        return
    if any(header_key(c) in STATUS_KEYS or header_key(c).endswith("status") for c in inter.columns):
        return  # (a status says which lines are sales; a 'Product Type' says nothing of it)
    if any(e.column == "quantity" and e.file == str(file) for e in report.errors):
        return  # (a quantity below 0 was a line given back among sales)
    raise DataError(f"{file}: the file's name says it lists returns ({', '.join(sorted(words & RETURN_NAME_WORDS))}): "
                    "every line a product given back, not a purchase; give the orders or sales file")


ALIKE_LINES = 500_000
"""Lines whose ids :func:`_ids_alike` looks at."""
ALIKE_SHARE = 0.02
"""Ids that differ from another only in case or number form, as a share of the distinct
ids, from which a note says so (a few are ordinary: 'A1' and 'a1' may be two products)."""


def _refuse_amounts_as_shoppers(inter: pd.DataFrame, file: Path) -> None:
    """A clear error where the column a headerless file's values made the shopper holds
    numbers written both whole and with decimals on the same values (``9290`` and
    ``9290.0``): money or a measure a spreadsheet rewrote, no ids. FarMar's headerless
    ``sales.csv`` (sale id, amount in cents, time, vendor, product) had its 7,060 amounts
    read as shoppers and its vendors as items (real58-ao, real73-ao). A file with a header
    names its shopper column, whatever its ids look like."""
    if not inter.attrs.get("columns_by_content"):
        return
    distinct = pd.Series(pd.unique(inter["user_id"].to_numpy()[:ALIKE_LINES]), dtype=object).astype(str)
    whole = distinct[distinct.str.fullmatch(r"\d+")]
    decimal = distinct[distinct.str.fullmatch(r"\d+\.0+")].str.replace(r"\.0+$", "", regex=True)
    both = set(whole) & set(decimal)
    # (and one or two lines a value, as amounts have: a ratings file joined from two exports,
    # one writing its user ids as floats, sees its users often; session ao's review)
    lines_each = inter["user_id"].astype(str).str.replace(r"\.0+$", "", regex=True).value_counts()
    if len(distinct) >= 100 and len(both) >= ALIKE_SHARE * len(distinct) and lines_each.median() <= 2:
        example = sorted(both)[0]
        raise DataError(f"{file}: the column read as the shopper by its values writes {len(both):,} of "
                        f"its {len(distinct):,} values both whole and with decimals (e.g. {example!r} and "
                        f"{example + '.0'!r}): numbers a spreadsheet rewrote (an amount?), not shopper ids; put a "
                        "header line first that names the shopper column user_id (if the file has one)")


def _ids_alike(ids: pd.Series, col: str, file: Path) -> str | None:
    """A note where ids differ from others only in letter case (``Sku-0007`` /
    ``sku-0007``), spaces (``商 品 S`` / ``商品S``) or number form (``7`` / ``7.0`` / ``007``): each is read as an id of its
    own, as it may be; but an export that writes one product so is split into several
    (608 'items' of 260 products in a fuzz set, ndcg@10 halved), and nothing had said so."""
    # (the first 500k lines: the ids are the same kind throughout, and a 2M-line file's
    # unique over every line cost 0.3 s a column for a note)
    distinct = pd.Series(pd.unique(ids.to_numpy()[:ALIKE_LINES]), dtype=object).astype(str)
    if len(distinct) < 2:
        return None
    number = distinct.str.fullmatch(r"\d+(?:\.0+)?")
    # (and in their spaces: a hand-typed '商 品 S' or '商品 S' for '商品S', full-width ones too;
    # 92 ids of 26 products in a Japanese teaching file had been noted as 4; real122-ar)
    form = distinct.str.casefold().str.replace(r"\s+", "", regex=True).where(
        ~number, distinct.str.replace(r"\.0+$", "", regex=True).str.lstrip("0"))
    # (duplicated, not a groupby into lists: 2.9 s on a 2M-line file's 200k shoppers)
    alike = form.duplicated(keep=False).to_numpy()
    if alike.sum() < ALIKE_SHARE * len(distinct):
        return None
    first = form[alike].iloc[0]
    example = ", ".join(repr(v) for v in distinct[(form == first).to_numpy()].iloc[:3])
    return (f"{file}: {col}: {int(alike.sum()):,} of {len(distinct):,} ids differ from another only in "
            f"letter case, spaces or number form (e.g. {example}): each is read as its own id; if they name one "
            f"{'product' if col == 'item_id' else 'shopper'}, write them alike")


def _header_only(frame: pd.DataFrame, file: Path, what: str, report: IngestReport) -> bool:
    """Whether an optional side file (``--items``, ``--users``) has a header and not one
    line below it: read as no such file, with a note (it had stopped the run, 'no usable
    rows', though the file is optional). A file whose lines are all bad still stops it."""
    stats = report.files.get(str(file))
    if len(frame) or (stats is not None and stats.rows_read):
        return False
    report.notes.append(f"{file}: a header and no lines: read as no {what} file")
    return True


def _item_sorted_share(inter: pd.DataFrame) -> tuple[float, str]:
    """The share of shoppers with 3 or more rows whose rows are sorted by item id (all of
    Last.fm's user_artists.dat, goodbooks' ratings and Book-Crossing's): then the file
    order is not the time order (:func:`.clocks.file_order_clock`'s ``shuffled``).
    Number ids are tried both as numbers and as text: ``sort``, Spark and a database's text
    column list ``1000010, 10084651, 1008674`` (the Audioscrobbler sample that a Spark
    book ships), read as time order and its test targets each user's text-highest ids:
    recall@20 0.0031 against 0.0523 in a random order (real-ad). With how they are sorted,
    for the note: by item id, or in one list's order (:func:`_one_list_order`)."""
    ids = inter["item_id"]
    many = inter.groupby("user_id", sort=False)["user_id"].transform("size").to_numpy() >= 3
    if not many.any():
        return 0.0, ""
    users = inter["user_id"].to_numpy()[many]
    numeric = pd.to_numeric(ids, errors="coerce")
    keys = [numeric, ids.astype(str)] if numeric.notna().all() else [ids]
    text = ids.astype(str)
    if text.str.len().nunique() > 1 and text.str.fullmatch(r"\d+X?").mean() >= 0.9:
        # ISBNs a spreadsheet stripped of their leading zeros ('195153448' for 0195153448,
        # some ending in X): sorted as written they were 92 % of a Book-Crossing re-save's
        # shoppers, as read 34 % (real10-ag). Padded back, they sort as they were.
        keys.append(text.str.zfill(int(text.str.len().max())))
    if (listed := _one_list_order(inter)) is not None:
        keys.append(ids.map(listed))
    shares = []
    for key in keys:
        frame = pd.DataFrame({"user": users, "key": key.to_numpy()[many]})
        falls = frame["key"] < frame.groupby("user", sort=False)["key"].shift()  # vectorised: 1M rows in a blink
        shares.append(1.0 - float(falls.groupby(frame["user"], sort=False).any().mean()))
    by_id = max(shares[:-1] if listed is not None else shares)
    if listed is not None and by_id < 0.9:
        return shares[-1], "in one order of the items, the same on every shopper's lines (a survey's list?)"
    return by_id, "sorted by item id"


def _one_list_order(inter: pd.DataFrame) -> dict[str, int] | None:
    """Each item's place in one list that every shopper's lines follow, or None: a survey
    asks its places in its own order (the Tijuana restaurants', neither alphabetical nor by
    id, so each user's last four were the same four; real12-ag). Such a list exists where
    no two shoppers list two items the other way round: the items one shopper lists after
    another, over all shoppers, make no cycle. A file in time order has cycles (one shopper
    takes a before b, another b before a) and is left as it is. Only where the median
    shopper has a fifth of the items or more (few shoppers' lines share few pairs, and a
    log's sparse pairs make no cycle by chance alone), and where half the shoppers skip
    some of the list between their first and last items (a course's lessons are taken as
    a run, in time order)."""
    sizes = inter.groupby("user_id", sort=False).size()
    if sizes.median() < max(3, 0.2 * inter["item_id"].nunique()):
        return None
    users = inter["user_id"].to_numpy()
    items = inter["item_id"].astype(str).to_numpy()
    same = users[1:] == users[:-1]
    pairs = pd.DataFrame({"a": items[:-1][same], "b": items[1:][same]}).drop_duplicates()
    # (a pair taken both ways is a cycle, found in one merge: a 2 M-line log of 5,000 items
    # had spent 5 s building its graph; session ah's review)
    if pairs.empty or (pairs["a"] == pairs["b"]).any() or not pairs.merge(
            pairs, left_on=["a", "b"], right_on=["b", "a"]).empty:
        return None
    order = TopologicalSorter({b: set() for b in items})
    for a, b in pairs.itertuples(index=False):
        order.add(b, a)
    try:
        place = {item: k for k, item in enumerate(order.static_order())}
    except CycleError:
        return None
    # Users who skip some of the list's items (a survey's unrated places), not ones who
    # take a run of it and stop (a course's lessons, a series' episodes, in time order).
    ranks = pd.Series([place[i] for i in items]).rank(method="dense").to_numpy()
    span = pd.Series(ranks).groupby(users, sort=False).agg(["min", "max", "size"])
    return place if ((span["max"] - span["min"] + 1) > span["size"]).mean() >= 0.5 else None


NAME_ITEM_WORDS = frozenset({"item", "items", "business", "movie", "movies", "book", "books", "product", "products",
                             "artist", "artists", "song", "songs", "track", "tracks", "poi", "place", "venue",
                             "restaurant", "hotel", "recipe", "news", "video", "anime", "game", "course", "paper",
                             "bundle", "bundles"})
NAME_USER_WORDS = frozenset({"user", "users", "customer", "customers", "member", "members", "author", "authors"})
NAME_ATTRIBUTE_WORDS = frozenset({"location", "genre", "genres", "category", "categories", "brand", "tag", "tags",
                                  "actor", "director", "age", "occupation", "type", "city", "group", "compare",
                                  "attribute", "attributes", "publisher", "year", "interest", "interests",
                                  "compliment"})
"""The last word of a bare file's name that says it gives an attribute of the user or item
word before it (the HIN data sets' ``movie_genre.dat``, ``user_location.dat``). Not
'view': Koubei's ``user_view.txt`` is what users viewed."""


NAME_SUFFIX_WORDS = frozenset({"train", "training", "test", "testing", "valid", "validation", "val", "tune", "dev",
                               "original", "orig", "full", "all", "final", "raw", "clean", "filtered", "new", "data",
                               "sample", "samples", "small", "sim", "similarity", "knn"})
"""Words after a file name's relation that name its split or version (``_train``, ``_original``)
or how it was made (``item_item_sim.txt``: similar items)."""
KG_NAME_WORDS = frozenset({"kg", "triple", "triples"})
"""Words of a bare file's name that say it holds knowledge-graph triples (``kg_final.txt``;
not ``5kg`` of rice, nor a knowledge base's page views), with 200 relations at most."""


def _name_words(stem: str) -> list[str]:
    """A file name's words, lower case: split at anything but letters and digits, and where
    a capital starts a word (ConsRec's ``userFollow.txt``)."""
    # (a bracketed tag is no word of the relation: PHGD's 'user_user(original).dat',
    # 'artist_artist(knn).dat'; real27-aj)
    stem = re.sub(r"\([^)]*\)", "", stem)
    return [w for w in re.split(r"[^a-z0-9]+", re.sub(r"(?<=[a-z0-9])(?=[A-Z])", "_", stem).lower()) if w]


def _item_first_by_name(inter: pd.DataFrame, file: Path, report: IngestReport) -> pd.DataFrame:
    """A bare file read shopper first whose name puts the item first (the HIN data sets'
    ``business_user.txt``, ``movie_user.dat``, ``paper_author.dat``): the two id columns
    swapped, with a note. Yelp-2's 2,614 businesses had been the shoppers and its 1,286
    users the catalogue, and the model shipped recommended users to businesses (real8-ag)."""
    named = _name_words(Path(file).name.split(".")[0])
    words = list(named)
    # (a split's or a version's word after the relation is none of it: BGCN's Youshu
    # 'bundle_item_original.txt', a bundle's contents, had trained 4,771 bundles as shoppers;
    # real29-ak)
    while len(words) > 2 and words[-1] in NAME_SUFFIX_WORDS:
        words.pop()
    if (KG_NAME_WORDS & set(named) and "timestamp" not in inter
            and inter["item_id"].nunique() <= 200):
        # (KGAT's, KGIN's and MCCLK's 'kg_final.txt', '14967 0 14968': head, relation, tail;
        # 72,000 entities had trained as shoppers and the relations as the catalogue; real27-aj.
        # By the name: by their values, a listener, a station and minutes look the same;
        # session ak's review)
        raise DataError(f"{file}: the file's name says it holds knowledge-graph triples (head, relation, tail), no "
                        "interactions; give the file of what users did (its ratings or clicks)")
    # (only after an entity's word and without times: Koubei's 'user_view.txt', a file of
    # 'purchases_last_year' or 'orders_mexico_city' are logs; session aj's second review)
    entity = len(words) >= 2 and words[-2] in NAME_USER_WORDS | NAME_ITEM_WORDS and "timestamp" not in inter
    # (and two items, PHGD's 'artist_artist(knn).dat' of similar artists; HIN's
    # 'item_view.dat', an item's view nodes; real27-aj. Not 'video_view.dat', a log)
    if entity and (words[-1] in NAME_ATTRIBUTE_WORDS or words[-2] in NAME_USER_WORDS
                   and words[-1] in NAME_USER_WORDS | PEOPLE_LINK_WORDS
                   or words[-2] in NAME_ITEM_WORDS and words[-1] in NAME_ITEM_WORDS or words[-2:] == ["item", "view"]):
        # (the HIN data sets' movie_genre.dat, user_location.dat, item_view.dat, user_user.dat:
        # each read as purchases, its genres, places or people the catalogue; real25-aj)
        what = ("an attribute" if words[-1] in NAME_ATTRIBUTE_WORDS or words[-2:] == ["item", "view"] else
                "links between people" if words[-2] in NAME_USER_WORDS else "links between items")
        raise DataError(f"{file}: the file's name says its lines link {words[-2]!r} to {words[-1]!r}: {what}, no "
                        "interactions; give the file of what users bought, rated or used")
    if len(words) < 2 or words[-2] not in NAME_ITEM_WORDS or words[-1] not in NAME_USER_WORDS:
        return inter
    if headerless.asin_share(inter["item_id"].head(1000).tolist()) >= 0.9:
        return inter  # (Amazon's product ids where they are read: the content says, not the name)
    report.notes.append(f"{file}: the file's name ({Path(file).name!r}) puts the item first: the columns read as "
                        "user_id and item_id are read the other way round")
    return inter.rename(columns={"user_id": "item_id", "item_id": "user_id"})


def _histories_then_targets(inter: pd.DataFrame, file: Path, report: IngestReport) -> pd.DataFrame:
    """One row per item of each shopper's sequence where lines hold a history before an
    item: RecBole's sequential benchmark files (``user_id:token  item_id_list:token_seq
    item_id:token``). The history had been left out without a word: LLMSRec's
    ``Games.test.inter`` lost 389,718 of 440,264 interactions (real22-aj). A train file
    writes a line per step of a shopper (each line's item the next line's newest history
    item), its lines oldest first or, as UniSRec's, newest first with the history capped at
    50: each shopper's sequence is then the earliest line's history, oldest first, and every
    line's item after it in time, where nine steps in ten chain so (session aj's review:
    exploding every line had made 15,826 lines 412,609 rows); else each shopper's longest
    line. Only in a file without times; with times a note says the list is not read."""
    if "item_id_list" not in inter.columns:
        return inter
    if "timestamp" in inter:
        report.notes.append(f"{file}: column 'item_id_list' (each line's history) not read: the file has times, and "
                            "its lines are read one item each")
        return inter
    # (On whole columns, each history split only for a shopper's first line: splitting all
    # of a 1 M-line train file's histories in Python had taken 15 s.)
    text = inter["item_id_list"].fillna("").astype(str).str.strip().str.replace(r"\s+", " ", regex=True)
    # (a session file, DICSRec's 'session_id item_id_list item_id', has no shopper: each
    # session is one sequence, its order kept, where one basket at one time had lost it;
    # real27-aj)
    sessions = "user_id" not in inter.columns or bool(
        "session_id" in inter.columns and (inter["user_id"] == inter["session_id"]).all())
    users = pd.factorize(inter["session_id" if sessions else "user_id"].astype(str))[0]
    targets = inter["item_id"].astype(str).to_numpy()
    firsts = text.str.split(" ", n=1).str[0].to_numpy()
    lasts = text.str.rsplit(" ", n=1).str[-1].to_numpy()
    lines = np.arange(len(inter))
    order = np.lexsort((lines, users))  # by shopper, then file order
    user = users[order]
    same = user[1:] == user[:-1]  # consecutive lines of one shopper
    steps = int(same.sum())
    a, b = order[:-1][same], order[1:][same]
    # Which way the lines chain: each line's item the next line's newest history item,
    # the history oldest first (RecBole) or newest first; the lines written oldest first,
    # or newest first (UniSRec's, their history capped at 50).
    ways = {("forward", False): int((lasts[b] == targets[a]).sum()),
            ("forward", True): int((firsts[b] == targets[a]).sum()),
            ("back", False): int((lasts[a] == targets[b]).sum()),
            ("back", True): int((firsts[a] == targets[b]).sum())}
    (lines_way, newest_first), chained = max(ways.items(), key=lambda kv: kv[1])
    if lines_way == "back":
        order = np.lexsort((-lines, users))
    starts = np.flatnonzero(np.r_[True, users[order][1:] != users[order][:-1]])
    if steps and chained < 0.9 * steps:
        # (lines that do not chain: each shopper's longest line only, a whole sequence)
        length = np.where(text != "", text.str.count(" ").to_numpy() + 1, 0)
        picks = np.array([max(group, key=lambda at: length[at]) for group in np.split(order, starts[1:])])
        sequences = [[*h, t] for h, t in zip(text.iloc[picks].str.split().tolist(), targets[picks], strict=True)]
        how = "lines that do not chain: each shopper's longest"
    else:
        picks = order[starts]
        heads = text.iloc[picks].str.split().tolist()
        tails = np.split(targets[order], starts[1:])
        sequences = [[*(h[::-1] if newest_first else h), *t] for h, t in zip(heads, tails, strict=True)]
        how = ("a line per step" + (", written newest first" if lines_way == "back" else "")
               + (", each history newest first" if newest_first else "")) if steps else "a line per shopper"
    out = inter.iloc[picks].drop(columns="item_id_list").assign(item_id=sequences).explode(
        "item_id", ignore_index=True)
    out.attrs = {**inter.attrs, "stated_order": True}
    if sessions:
        out["user_id"], out["session_id"] = "session " + out["session_id"].astype(str), ""
        report.notes[:] = [n for n in report.notes if not n.startswith(f"{file}: no shopper column")]
        how += "; each session one shopper's sequence"
    report.notes.append(f"{file}: column 'item_id_list' holds each line's history before its item_id (RecBole's "
                        f"sequential files, {how}): read as each shopper's sequence, one row per item, "
                        f"{len(inter):,} lines -> {len(out):,} rows")
    return out


PEOPLE_LINK_WORDS = frozenset({"links", "trust", "trusts", "trustnetwork", "friend", "friends", "friendship",
                               "friendships", "socialnet", "follow", "follows", "following", "followee", "followers",
                               # (a Douban social recommender's 'social_info.txt', follower then
                               # followee, had been read as 580 purchases; real182-au)
                               "social"})
"""Words of a file's name that say its lines link people: DiffNet's ``yelp.links``,
Epinions' and SELFRec's ``trust.txt``, Last.fm's ``user_friends.dat``; and RecBole's
``.net`` extension (not the word 'net': a shop's ``net_sales.csv``)."""
_WHAT_PEOPLE_DID = frozenset({"rating", "ratings", "purchase", "purchases", "order", "orders", "review", "reviews",
                              "clicks", "views", "buys", "interactions", "transactions", "sales"})
"""Words of a file's name that say its lines are what people did, beside 'social'."""
MESSAGE_WORDS = frozenset({"msg", "msgs", "message", "messages", "email", "emails", "mail", "mails", "sms", "calls",
                           "contacts"})
"""The last word of a file's name that says its lines are who wrote to whom (SNAP's
``CollegeMsg.txt``: 59,835 messages had trained as purchases of people; real32-ak); not
before another (``mail_orders.txt``, ``email_campaign_purchases.txt``: session ak's review)."""


def _no_words_first(file: Path) -> bool:
    """Whether a file's first line holds no letter (no header: ``91\t6394\t1``, ``5:12 7``)."""
    try:
        with open(file, "rb") as handle:
            first = handle.read(4096).split(b"\n", 1)[0]
    except OSError:
        return False
    return not re.search(rb"[A-Za-z]", first)


def _social_graph(inter: pd.DataFrame, file: Path) -> str | None:
    """A note where the lines look like links between people rather than people and
    items: both columns hold the same ids, the pairs are sparse (a contact graph, not a
    filled-in survey numbered from 1) and most run both ways. SAMN's Delicious ``link``
    file (contacts) had trained as user-item with no word; a speed-dating file of mutual
    ratings has the same shape and is what its user wants, so this is said, not refused
    (session ag's second review). Refused where the file's name also says so
    (:data:`PEOPLE_LINK_WORDS`) and it has no header: DiffNet's ``yelp.links``, one-way
    follows, had trained as 143,765 purchases of 14,732 people (real22-aj). On integer
    codes: a set of 5 M pairs took 23 s."""
    users, items = inter["user_id"].to_numpy(), inter["item_id"].to_numpy()
    u, i = pd.unique(users), pd.unique(items)
    shared = len(np.intersect1d(u.astype(str), i.astype(str)))
    stem = _name_words(file.name.split(".")[0])  # (a message word only last: 'mail_orders.txt' is orders)
    said = set(_name_words(file.name)) & PEOPLE_LINK_WORDS | ({stem[-1]} & MESSAGE_WORDS if stem else set())
    if said == {"social"} and set(_name_words(file.name)) & _WHAT_PEOPLE_DID:
        said = set()  # ('social_ratings.txt', 'x_social_purchases.txt': what people did; review 69)
    said |= {file.suffix} if file.suffix.lower() == ".net" else set()
    # (Only a file without a header: a headed purchase log named 'friends_and_family_sale'
    # or 'orders_following_promo' says what its columns are; session aj's review.)
    if len(u) >= 20 and said and _no_words_first(file) and shared >= 0.5 * min(len(u), len(i)):
        raise DataError(f"{file}: the shopper and item columns hold the same ids ({shared:,} in both) and the file's "
                        f"name says {'/'.join(sorted(said))!r}: links between people (who follows, trusts or "
                        "befriends whom), no file of what people bought, rated or used; give that file (a social "
                        "recommender takes the links beside it)")
    if len(u) < 20 or shared < 0.9 * min(len(u), len(i)):
        return None
    codes, names = pd.factorize(np.concatenate([users, items]))
    n = len(names)
    pairs = np.unique(codes[:len(users)].astype(np.int64) * n + codes[len(users):])
    if len(pairs) > 0.1 * len(u) * len(i):
        return None  # (dense: a survey or a small catalogue, not a contact graph)
    back = np.isin((pairs % n) * n + pairs // n, pairs)
    if back.mean() < 0.8:
        return None
    return (f"the shopper and item columns hold the same ids ({shared:,} in both) and {back.mean():.0%} of the "
            f"{len(pairs):,} pairs run both ways: links between people (a contact or follower graph)? If so, it is no "
            "file of what people bought, rated or used, and a model of it recommends people")


AMOUNT_WORDS = ("amount", "total", "sales", "revenue", "spend", "spent", "price", "cost", "value", "qty",
                "quantity", "units", "count", "score", "rating")
"""Parts of a column's name that say it holds an amount (:func:`_sorted_by`)."""


def _sorted_by(inter: pd.DataFrame) -> str | None:
    """The column (quantity, price or one not read) a file without times lists its rows
    sorted by, said as ``'Amount' (largest first)``, else None: Kaggle's Diwali sales run
    from the largest ``Amount`` to the smallest, so each shopper's last lines, taken as
    the latest, were their cheapest orders, and validation and test held only those.
    Sorted means no value rises from one line to the next over the whole file, among 20
    or more distinct values (a column of a few codes sorts by chance); smallest first only
    for the quantity or the price, as a column not read that counts up (a row number, an
    order number) keeps the file's order, which may well be the time's."""
    names = inter.attrs.get("source_names", {})
    # (an amount's name only: a 'days_ago' counting down is the time order itself, a
    # 'review_id' counting down a newest-first file; session ag's review)
    columns = [c for c in ("quantity", "price") if c in inter] + [
        c for c, (_, key) in unread_columns(inter, INTERACTION_COLUMNS).items()
        if any(word in key for word in AMOUNT_WORDS)]
    for col in columns:
        values = pd.to_numeric(inter[col], errors="coerce")
        given = values.dropna().to_numpy()
        if len(given) < 0.9 * len(values) or len(given) < 50 or len(np.unique(given)) < 20:
            continue
        steps = np.diff(given)
        if (steps <= 0).all():
            return f"{names.get(col, col)!r} (largest first)"
        if col in ("quantity", "price") and (steps >= 0).all():
            return f"{names.get(col, col)!r} (smallest first)"
    return None


def _item_grouped_share(inter: pd.DataFrame) -> float:
    """Among items two or more shoppers have, and only where there are 20 or more, the
    share whose lines come in one run: a file listed item by item (MyAnimeList's reviews
    scraped title by title, in the site's ranking; real2-af), whose order within each
    shopper is the items' order, not the time's. It had been taken for time, and test
    held each member's lowest-ranked titles. 0.0 where fewer than 20 such items."""
    items = inter["item_id"].to_numpy()
    if len(items) < 2:
        return 0.0
    starts = np.r_[True, items[1:] != items[:-1]]
    runs = pd.Series(starts).groupby(items, sort=False).sum()
    shoppers = inter.groupby("item_id", sort=False)["user_id"].nunique()
    shared = shoppers[shoppers >= 2].index
    if len(shared) < 20:
        return 0.0
    return float((runs.reindex(shared) == 1).mean())


def _zero_padded_ids(it: pd.DataFrame, used: pd.Series, file: Path, report: IngestReport,
                     column: str = "item_id") -> pd.DataFrame:
    """The items (or shoppers) file's numeric ids in the interactions' spelling where the
    two differ only in leading zeros: a MovieTweetings items file writes IMDb's ``0444778``
    where the ratings write ``444778``, and 62 % of the items went without their names; a
    Complete Journey sample's households file writes ``0577`` where its transactions write
    ``577``, and 61 of 339 households went without their profile at 82 % matched, too many
    to see (real218-av). Only where, zeros dropped, 90 % or more of the interactions' ids
    match and more than as written, and no file writes one number two ways (``7`` and
    ``007`` are then two ids); a note says so."""
    what = "item" if column == "item_id" else "shopper"
    ids = pd.Series(pd.unique(used)).astype(str)
    own = it[column].astype(str)
    if not len(ids) or not own.str.fullmatch(r"\d+").all() or not ids.str.fullmatch(r"\d+").mean() >= 0.9:
        return it
    table = set(own.tolist())
    as_written = _described(ids.to_numpy(), table).mean()
    if as_written >= 0.999:
        return it
    spelling = dict(zip(_without_zeros(ids), ids, strict=True))
    own_bare = _without_zeros(own)
    if len(spelling) < len(ids) or own_bare.duplicated().any():
        return it  # ('7' and '007' both used, here or in the ids file: the zeros tell ids apart)
    mapped = own_bare.map(spelling)
    bare = _described(ids.to_numpy(), set(mapped.dropna())).mean()
    if bare < 0.9 or bare <= as_written:
        return it
    changed = mapped.notna() & (mapped != own)
    example = int(np.argmax(changed.to_numpy()))
    report.notes.append(f"{file}: {what} ids read without their leading zeros, as the interactions write them "
                        f"({own.iloc[example]!r} as {mapped.iloc[example]!r}; {int(changed.sum()):,} ids): "
                        f"written as they are, {as_written:.0%} of the interactions' {what}s matched, "
                        f"zeros dropped {bare:.0%}")
    it = it.copy()
    it[column] = mapped.fillna(own)
    return it


def _without_zeros(ids: pd.Series) -> pd.Series:
    """Number ids without their leading zeros (``007`` -> ``7``, ``000`` -> ``0``)."""
    return ids.str.lstrip("0").replace("", "0")


def _described(ids: Any, table: set[Any]) -> np.ndarray:
    """Which of ``ids`` (distinct) ``table`` holds. A Python set: np.isin on Arrow text ids
    took 36 s for the 20,833 items of dunnhumby's layout against its 92,331 products
    (pd.Index.isin 0.75 s, this 0.03 s)."""
    return np.fromiter((i in table for i in ids), dtype=bool, count=len(ids))


def _most_common_value(keys: np.ndarray, values: np.ndarray) -> pd.Series:
    """Per key (an item, a shopper), the non-empty value most of its lines give; ties go to
    the one the file gives first. Keys with no such value are absent."""
    lines = pd.DataFrame({"key": keys, "value": values})
    lines = lines[lines["value"] != ""]
    counted = lines.groupby(["key", "value"], sort=False).size().rename("n").reset_index()
    best = counted.sort_values("n", ascending=False, kind="stable").drop_duplicates("key")
    return best.set_index("key")["value"]


def _agreement(keys: np.ndarray, values: np.ndarray) -> tuple[float, int]:
    """Over the keys with two or more filled lines (integer codes; a value code of -1 is
    blank): the share of their lines that give the key's most common value, and how many
    such keys there are."""
    given = values >= 0
    keys, values = keys[given], values[given]
    width = int(values.max(initial=0)) + 1  # (a key and a value as one integer: key * width + value)
    pairs = pd.Series(keys.astype(np.int64) * width + values).value_counts(sort=False)
    of_key = pairs.index.to_numpy() // width
    per_key = pd.Series(pairs.to_numpy()).groupby(of_key, sort=False)
    total, top = per_key.sum(), per_key.max()
    several = (total >= 2).to_numpy()
    return (float(top[several].sum() / total[several].sum()) if several.any() else 1.0), int(several.sum())


SHOPPER_CHECK_LINES = 200_000
"""Lines :func:`_the_shoppers` looks at (every k-th line of a longer file): on all of a 2 M-line
file it had cost 1.5-2.7 s a column (session aj's review)."""


def _not_the_items(inter: pd.DataFrame, column: str) -> bool:
    """Whether a name column disagrees with itself on an item's lines: over the items seen
    twice or more (five at least), fewer than six in ten of their lines give the item's
    commonest value (:func:`_agreement`). A product's name, however a till spells it now
    and then, agrees on most of its lines."""
    text = inter[column].astype(str).str.strip()
    # (a variant's name after its product's, 'Tee 0 - S / Black', is the item's; session ar's review)
    base = text.str.split(r"\s+-\s+|\s*/\s*|\s*\|\s*|,\s*|\s*\(", n=1, regex=True).str[0]
    values, _ = pd.factorize(base.where(base != ""), use_na_sentinel=True)
    items, _ = pd.factorize(inter["item_id"])
    by_item, seen_twice = _agreement(items, values)
    return seen_twice >= 5 and by_item < 0.6


def _the_shoppers(inter: pd.DataFrame, column: str, *, person: bool) -> bool:
    """Whether a column of an interactions file describes the shopper, not the item: the
    same value on 95 % of each returning shopper's lines, of 20 shoppers or more, about one
    value a shopper (as many distinct values as eight in ten of them: a person's name),
    where an item's lines (20 items or more seen twice) agree on theirs on fewer than
    80 %. A product's own name agrees on nearly all its lines, whoever bought it; a
    subscription's variant names ('Coffee Blend 7 - Filter grind, 1kg'), each shopper on
    one, are fewer than the shoppers (session aj's review). The count of values is asked of
    a ``person``'s name only: a customer's segment (Retail, Wholesale) as the category is
    the shopper's too (its second review)."""
    if "user_id" not in inter:
        return False
    step = max(1, len(inter) // SHOPPER_CHECK_LINES)
    lines = inter.iloc[::step]
    text = lines[column].astype(str).str.strip()
    values, _ = pd.factorize(text.where(text != ""), use_na_sentinel=True)
    users, _ = pd.factorize(lines["user_id"])
    by_shopper, shoppers = _agreement(users, values)
    if shoppers < 20 or by_shopper < 0.95 or (person and len(np.unique(values[values >= 0])) < 0.8 * len(
            np.unique(users))):
        return False
    items, _ = pd.factorize(lines["item_id"])
    by_item, seen_twice = _agreement(items, values)
    return seen_twice >= 20 and by_item < 0.8


_PATH_STEP = r"\s*[>›»]\s*"


def _department_from_path(items: pd.DataFrame, file: Path, report: IngestReport) -> pd.DataFrame:
    """Categories written as paths (Google's product taxonomy in Shopify and Merchant
    Center exports: ``Food, Beverages & Tobacco > Food Items > Bakery``) give the
    department, their first step, where the file has none: without it a shop's 2,000
    paths were 2,000 unrelated categories and no department context. The category stays
    the whole path (two shops' ``Bakery`` may sit under different parents). Not ``/``:
    ``BAKED BREAD/BUNS/ROLLS`` is one category."""
    if "category" not in items or ("department" in items and (items["department"].fillna("") != "").any()):
        return items
    category = items["category"].fillna("").astype(str)
    given = category[category != ""]
    if not len(given) or given.str.contains(r"\S" + _PATH_STEP + r"\S").mean() < 0.5:
        return items
    items = items.copy()
    items["department"] = category.str.split(_PATH_STEP, n=1, regex=True).str[0].str.strip()
    report.notes.append(f"{file}: categories are paths (e.g. {given.iloc[0]!r}): the first step is read as the "
                        "department")
    return items


def _items_from_interactions(inter: pd.DataFrame, file: Path, report: IngestReport) -> pd.DataFrame:
    """Item metadata an interactions file carries on its own lines, when there is no
    items file: UCI Online Retail's ``Description``, Superstore's ``Product Name`` and
    ``Category``. Each item gets the value most of its lines give (Online Retail's first
    line of an item is often a stock adjustment with a blank description); the device's
    screens then show names, not stock codes."""
    unread = unread_columns(inter, INTERACTION_COLUMNS)
    # A reviews file's 'title' is the review's (Amazon 2023: every item was named "Nice"),
    # where the lines also carry the review's text.
    reviews = any(key in ("text", "reviewtext", "review", "reviewbody", "body", "summary")
                  for _, key in unread.values())
    taken: dict[str, str] = {}
    for column in GENERIC_ITEMS.columns:
        if column.name in ("item_id", "price", "attributes"):
            continue  # prices come from the interactions anyway; attributes are the items file's
        found = next((c for c, (_, key) in unread.items()
                      if key in column.header_keys and c not in taken.values()
                      and not (reviews and key == "title")), None)
        if found is not None:
            taken[column.name] = found
    for field, col in list(taken.items()):
        names = inter[col].astype(str).str.strip()
        if field == "name" and names.str.fullmatch(r"\d{1,6}").all() and (
                set(names.astype(int)) == set(range(names.nunique()))):
            # (a processed file's label codes, 0 .. 23, for its dishes: the screens had shown
            # them as names; real47-an. Not a bus route's '42': session an's review)
            del taken[field]
            report.notes.append(f"{file}: {unread[col][0]!r} not read as the items' name: its values are the "
                                f"numbers 0 to {names.nunique() - 1} (a label encoder's codes, no names)")
            continue
        if _the_shoppers(inter, col, person=field == "name"):
            # A fact table joined to its customers (order lines, then the buyer's 'name',
            # 'email', 'country'): the buyer's name had named each of 5,596 items after its
            # most frequent buyer, for items.json and the screens (real23-aj).
            del taken[field]
            report.notes.append(f"{file}: {unread[col][0]!r} not read as the items' {field}: it goes with the "
                                "shopper (one value a shopper, several on an item's lines), not with the item")
            continue
        if field == "name" and _not_the_items(inter, col):
            # (a generator's customer user names beside 'customerId': each of 6 items seen
            # twice had two names, item 16 called 'Ewell60'; real128-ar)
            del taken[field]
            report.notes.append(f"{file}: {unread[col][0]!r} not read as the items' name: an item's own lines give "
                                "it different values (not the item's)")
            continue
    # (Only where the lines give one: 'prices from interactions' had been said of files with
    # no price at all, or one under a name not read, and every item shipped at 0.0; real-ae.)
    prices = ("prices from interactions" if "price" in inter and inter["price"].notna().any() else
              "no price on any line (no price column read): every item's price is unknown, 0 in the bundle")
    if not taken:
        report.notes.append(f"no items file: item metadata unknown, {prices}")
        return empty_items()
    items = pd.DataFrame({"item_id": pd.unique(inter["item_id"])})
    for field, col in taken.items():
        best = _most_common_value(inter["item_id"].to_numpy(), inter[col].astype(str).str.strip().to_numpy())
        items[field] = items["item_id"].map(best).fillna("")
    said = ", ".join(f"{unread[col][0]!r} as {field}" for field, col in taken.items())
    report.notes.append(f"no items file: item metadata from the interactions' own columns ({said}; the "
                        f"value most of an item's lines in {file} give), {prices}")
    if "name" in taken and (note := _names_of_one_id(inter, taken["name"], unread[taken["name"]][0], file)):
        report.notes.append(note)
    return items


def _names_of_one_id(inter: pd.DataFrame, col: str, raw: str, file: Path) -> str | None:
    """A note where item ids carry three names or more on their lines: an Egyptian shop's
    Shopify export gave SKU ``50`` to six different products, read as one item with no word
    (real33-ak). A product's variants ('Tee - S', 'Tee - M') under one code look the same,
    so this is said, not changed."""
    # (the first 500,000 lines, as _ids_alike: a note's cost stays small on 2M lines)
    head = inter.head(ALIKE_LINES)
    names = head[col].astype(str).str.strip()
    given = (names != "").to_numpy()
    pairs = pd.DataFrame({"item": head["item_id"].to_numpy()[given], "name": names.to_numpy()[given]})
    counts = pairs.drop_duplicates().groupby("item", sort=False).size()
    many = counts[counts >= 3]
    if many.empty:
        return None
    example = many.index[0]
    shown = ", ".join(repr(n) for n in pd.unique(pairs["name"][pairs["item"] == example])[:3])
    return (f"{file}: {len(many):,} item id(s) carry three names or more in {raw!r} (e.g. {example!r}: {shown}, ...): "
            "each is read as one item; if different products share an id there, give each its own code")


SHOPPER_ATTRIBUTE_KEYS = frozenset((
    "age", "agegroup", "ageband", "agerange", "agedesc", "agecategory", "gender", "sex", "年齡", "年龄",
    "income", "incomegroup", "incomeband", "incomerange", "incomedesc", "maritalstatus",
    "maritalstatuscode", "householdsize", "householdsizedesc", "kidcategorydesc", "homeownerdesc",
    "occupation", "education", "pincode", "zip", "zipcode", "postcode", "postalcode",
    "customerzipcodeprefix", "segment", "customersegment", "customertype", "membertype", "membership",
    "loyaltytier", "clubmemberstatus"))
"""Header names (as :func:`~cloud_trainer.data.names.header_key` writes them) of what an
interactions file may say about its shopper on every line: Ta-Feng's ``AGE_GROUP`` and
``PIN_CODE``, Superstore's ``Segment``. Not a country, state, region or city (UCI Online
Retail's ``Country``, an Olist join's ``customer_state``): that says where an online order
ships, and one store's shoppers share it; read as context on UCI's 20 days it moved the
network's test recall@20 from 0.989x to 0.949x of TIFU-KNN (within noise, validation
unchanged), for a field a store's device would give every shopper alike. A postal code
(Ta-Feng's ``PIN_CODE``) is kept: it tells one store's neighbourhoods apart."""


SHOPPER_ATTRIBUTE_STABLE = 0.9
"""Share of shoppers (with two or more lines giving a value) whose lines all give the same
one, at least, for a column to be read as describing the shopper and not the line (a
store's region, a delivery address that moves)."""


def _users_from_interactions(inter: pd.DataFrame, file: Path, report: IngestReport) -> pd.DataFrame:
    """Shopper profiles an interactions file carries on its own lines, when there is no
    users file (Ta-Feng writes each line's ``AGE_GROUP`` and ``PIN_CODE``): a column with
    a usual shopper-attribute name (:data:`SHOPPER_ATTRIBUTE_KEYS`) whose value stays the
    same across a shopper's lines (:data:`SHOPPER_ATTRIBUTE_STABLE`). Each named shopper
    gets the value most of their lines give; anonymous baskets get no profile. The columns
    become the users table's, which :mod:`cloud_trainer.processing` takes as demographic
    context where they have few values (``MAX_DEMOGRAPHIC_VALUES``), as it does a users
    file's. Without this, the model was blind to what the export says about its shoppers."""
    empty = pd.DataFrame({"user_id": pd.Series(dtype=object)})
    found = {c: raw for c, (raw, key) in unread_columns(inter, INTERACTION_COLUMNS).items()
             if key in SHOPPER_ATTRIBUTE_KEYS}
    if not found:
        return empty
    named = ~is_anonymous_basket(inter["user_id"])
    users = pd.DataFrame({"user_id": pd.unique(inter["user_id"][named])})
    taken, varying = [], []
    for col, raw in found.items():
        lines = pd.DataFrame({"user_id": inter["user_id"].to_numpy()[named],
                              "value": inter[col].astype(str).str.strip().to_numpy()[named]})
        lines = lines[lines["value"] != ""]
        if lines.empty:
            continue
        per_user = lines.groupby("user_id", sort=False)["value"].agg(["nunique", "size"])
        several = per_user[per_user["size"] >= 2]
        stable = float((several["nunique"] == 1).mean()) if len(several) else 1.0
        if stable < SHOPPER_ATTRIBUTE_STABLE:
            varying.append(f"{raw!r} ({1 - stable:.0%} of shoppers' lines differ)")
            continue
        if lines["value"].nunique() < 2:
            continue  # the same for everybody: no context
        best = _most_common_value(lines["user_id"].to_numpy(), lines["value"].to_numpy())
        name = "_".join(filter(None, "".join(ch if ch.isalnum() else " " for ch in raw.lower()).split()))
        name = name if name and name not in users.columns else f"{col}_profile"
        users[name] = users["user_id"].map(best).fillna("")
        taken.append(f"{raw!r} as {name}")
    if varying:
        report.notes.append(f"{file}: not read as shopper attributes, since they change between one "
                            f"shopper's lines: {', '.join(varying)}")
    if not taken:
        return empty
    report.notes.append(f"no users file: shopper profiles from the interactions' own columns "
                        f"({', '.join(taken)}; the value most of a shopper's lines in {file} give)")
    return users


OWN_IDS_MATCHED = 0.9
"""Share of a side file's own ids in a column that the interactions must use for that
column to key a file that describes under half of them (:func:`_best_id_column`)."""


def _best_id_column(items: pd.DataFrame, used: pd.Series, file: Path, report: IngestReport, *,
                    column: str = "item_id") -> pd.DataFrame:
    """The items (or users) file's id column, by what the interactions use when the names
    mislead.

    goodbooks-10k's books.csv has ``id`` (what ratings.csv calls ``book_id``) and
    ``book_id`` (Goodreads' own id): the usual name picks the second, whose ids meet the
    ratings' 1..10,000 only by accident (item 5, The Great Gatsby, got the name of a
    Harry Potter book). Shopify's customers export has ``Customer ID`` and ``Email``, and
    its orders name the customer by email. Another id-named column of the file (``id`` or
    a usual name of the column) that describes at least half of the interactions' items
    (shoppers), and twice as many as the chosen one, is taken instead, with a note. So is
    one that describes fewer where the chosen one describes none and nearly all of its
    own ids are the interactions' (a users file of the third of customers who opted in,
    keyed by their email as the orders are): ids that meet by accident do not.
    """
    names = items.attrs.get("source_names", {})
    spec, schema_columns, what = (GENERIC_ITEMS, ITEM_COLUMNS, "items") if column == "item_id" else \
        (GENERIC_USERS, ("user_id",), "shoppers")
    id_keys = spec.column(column).header_keys  # (its aliases and 'id')
    # (a database's primary key by its prefix: a brewery's customers keyed 'PKCustomerID',
    # 'Customer' their names, which matched none of the sales' BC100 codes; real248-ax)
    others = [c for c, (_, key) in unread_columns(items, schema_columns).items()
              if key in id_keys or (key[:2] in ("pk", "fk") and key[2:] in id_keys)]
    ids = pd.unique(used)
    if not len(ids):
        return items
    if column == "item_id" and "name" in items and not _described(
            ids, set(items[column].astype(str).str.strip().tolist())).any() and (named := float(_described(
                ids, set(items["name"].astype(str).str.strip().tolist())).mean())) >= 0.8:
        # (a vending machine's sales name their drinks, its menu keys them by '제품 번호' and
        # names them in '제품명': described 0 %; real240-ax)
        chosen = str(names.get(column, column))
        report.notes.append(f"{file}: column {names.get('name', 'name')!r} read as {column}, not {chosen!r}: the "
                            f"interactions name their {what}, and it describes {named:.0%} of them, {chosen!r} none")
        out = items.rename(columns={column: passed_over(chosen)})
        out[column] = out["name"].astype(str).str.strip()
        return skip_rows(out, (out[column] == "").to_numpy(), column, str(file), report, lambda _i: "empty (required)")
    if not others:
        return items

    def share(col: str) -> float:
        return float(_described(ids, set(items[col].astype(str).str.strip().tolist())).mean())

    current = share(column)
    best, best_share = max(((c, share(c)) for c in others), key=lambda pair: pair[1])
    if best_share < 2 * current or not best_share:
        return items
    if best_share < 0.5:
        own = items[best].astype(str).str.strip()
        own = own[own != ""]
        if current > 0 or not len(own) or _described(own.to_numpy(), set(ids.tolist())).mean() < OWN_IDS_MATCHED:
            return items
    chosen = str(names.get(column, column))
    report.notes.append(
        f"{file}: column {names.get(best, best)!r} read as {column}, not {chosen!r}: it describes "
        f"{best_share:.0%} of the interactions' {what}, {chosen!r} {current:.0%}")
    out = items.rename(columns={column: passed_over(chosen), best: column})
    out[column] = out[column].astype(str).str.strip()
    empty = (out[column] == "").to_numpy()
    return skip_rows(out, empty, column, str(file), report, lambda _i: "empty (required)")


def _item_column_first(inter: pd.DataFrame, item_ids: pd.Series, file: Path, report: IngestReport) -> pd.DataFrame:
    """A bare interactions file was read shopper first (:mod:`.schema`'s reading by
    content); swap the two id columns when the items file says the first is the item."""
    table = set(item_ids.tolist())

    def hits(col: str) -> float:
        known = _described(pd.unique(inter[col]), table)
        return float(known.mean()) if len(known) else 0.0

    user_hits, item_hits = hits("user_id"), hits("item_id")
    if not headerless.item_column_check(user_hits, item_hits):
        return inter
    report.notes.append(f"{file}: the items file describes {user_hits:.0%} of the ids read as user_id and "
                        f"{item_hits:.0%} of those read as item_id: the file lists the item first; read that way")
    return inter.rename(columns={"user_id": "item_id", "item_id": "user_id"})
