"""Which lines of an interactions file are interactions, and how many each one is.

Real exports list more than purchases, and not always one a line: a click log lists
every item shown, clicked or not (Tenrec's ``click``); a till lists refunds as lines with
a positive quantity and a status that says so (Loyverse's ``Receipt type``, Shopify's
``Financial Status`` on an order's first line); a basket's items sit in one cell as a
list (Kaggle's Retail Transactions) or packed with ``|`` (Shopware, BigCommerce); and a
few times lie years away from the rest (Taobao's 2008 and 2033 lines). Each rule here
looks at a column's name, or the first thousand cells, before any pass over every line,
and says what it did in a note; a line that is no interaction is counted as skipped, a
line that cannot be read is a bad row naming its line (:func:`skip_rows`).

:mod:`.generic` runs them after :func:`.table.read_table` has validated the file.
"""

from __future__ import annotations

import json
import re
from collections import Counter
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from cloud_trainer.data.amounts import text_number
from cloud_trainer.data.columns import fill_from_basket
from cloud_trainer.data.idlists import (
    COUNTED_AFTER,
    COUNTED_TEXT,
    JOINED,
    NEXT_COUNTED,
    counts_after,
    counts_first,
    joined_ids,
)
from cloud_trainer.data.ingest import IngestReport
from cloud_trainer.data.names import header_key, letter_words
from cloud_trainer.data.schema import INTERACTION_COLUMNS, MISSING_VALUES, DataError, event_of_name
from cloud_trainer.data.timestamps import parse_timestamps


def unread_columns(frame: pd.DataFrame, schema_columns: tuple[str, ...]) -> dict[str, tuple[str, str]]:
    """The columns of ``frame`` no schema column took, each with the name the file gives
    it and that name's :func:`.names.header_key`: where a file's other facts are looked for
    (a basket number, item names on the lines, a second id column)."""
    names = frame.attrs.get("source_names", {})
    return {col: (str(names.get(col, col)), header_key(str(names.get(col, col))))
            for col in frame.columns if col not in schema_columns and col != "_line"}


CLICK_KEYS = ("click", "clicked", "isclick", "clk", "clicklabel")
"""Header names of a 0/1 column saying whether an item shown was clicked: click-through
logs list every exposure (Tenrec's ``click``, KuaiRand's ``is_click``, Taobao display
ads' ``clk``), most of them not clicked."""

LABEL_KEYS = ("label", "response")
"""The same written as a research file's ``label`` (KGCN's and RippleNet's
``ratings_final``: each user's items, then as many sampled ones labelled 0; DKN's news
shown and not clicked; libFM's -1) or a bandit log's ``response`` (the recommended item
not taken); read so only in a file of a shopper, an item and such columns, no basket,
quantity or price (an order's ``label`` is a fraud or gift flag: session af's review). A
file read without a header names such a column ``label``
(:func:`.headerless.column_names`)."""


RATING_KEYS = ("rating", "ratings", "stars", "starrating", "score", "reviewscore", "bookrating", "userrating",
               "overall", "ratingvalue")  # (Magento's and schema.org's 'rating_value'; real179-au)
"""Header names of a rating given to the item (MovieLens' ``rating``, Amazon's ``overall``,
Book-Crossing's ``Book-Rating``): not read, every rated line counts as an interaction --
but for a rating of only 0 and 1, which is a label (:func:`clicked_only`)."""


def clicked_only(inter: pd.DataFrame, file: Path, report: IngestReport) -> pd.DataFrame:
    """The lines whose click column says clicked: a line with 0 is an item shown and
    passed over, no interaction (read as one, 70 % of a Tenrec log were positives that
    were not). Only for a column of 0/1 (true/false) values under such a name, or -1/1
    under a label's (:data:`LABEL_KEYS`); the lines left out are counted as skipped, with
    a note, not as errors."""
    labels = LABEL_KEYS if not any(c in inter for c in ("session_id", "quantity", "price")) else ()
    # A label before a click: a research file that keeps both says with the label what it
    # means (a KuaiRand extract's 'label' 0 is a video hated, whatever 'is_click' says;
    # read by the click, 3,274 hated videos trained as choices; real8-ag).
    label = _zero_one_flag(inter, labels, minus_one=True) if labels else None
    if label is not None and len(inter) >= 1000 and (~label[1]).mean() < 0.01:
        # A 'label' that is 1 on under 1 % of lines marks a rare state, not what a line is:
        # JODIE's Wikipedia edits label an editor's ban, and read as the positives, 217 of
        # 157,474 edits were kept (real16-ah). A research file's sampled negatives are as
        # many as its positives or more, a click log's clicks a few in a hundred.
        report.notes.append(f"{file}: column {label[0]!r} is 1 on {int((~label[1]).sum()):,} of {len(inter):,} "
                            "lines (under 1 %): a rare state of the line (a ban, a fraud), not whether it is an "
                            "interaction: not read")
        label = None
    click = _zero_one_flag(inter, CLICK_KEYS)
    flag = label or click
    if label is not None and click is not None and (differ := int((label[1] != click[1]).sum())):
        # (an unrelated 0/1 'label' beside a click would decide too: said, so it can be
        # dropped; session ag's second review)
        report.notes.append(f"{file}: {label[0]!r} decides which lines are no interaction, not {click[0]!r}: they "
                            f"differ on {differ:,} lines (if {click[0]!r} is the target, leave {label[0]!r} out)")
    if flag is None and labels:
        # A 'rating' of 0 and 1 only is a label too: an NCF-style test file lists each
        # user's held-out item rated 1.0 and 100 sampled ones rated 0.0 (real6-ag: 99 % of
        # 25,048 lines negatives, trained as choices; no test target was one). Only with
        # both values: a column of 1s is an implicit file's 'rated'.
        rated = _zero_one_flag(inter, RATING_KEYS)
        if rated is not None and 0 < int(rated[1].sum()) < len(inter):
            flag = rated
    if flag is None:
        return inter
    name, shown, negative = flag
    n = int(shown.sum())
    what = (f"{negative} (shown, not clicked)" if header_key(name) in CLICK_KEYS else
            f"{negative} (of 0 and 1 only: a negative, sampled as not taken or disliked)"
            if header_key(name) in RATING_KEYS else
            f"{negative} (a negative: shown and not taken, or sampled as not taken)")
    if n == len(shown):
        raise DataError(f"{file}: every line has {name!r} {what}: no interaction to learn from")
    inter = left_out(inter, shown, file, report, f"{n:,} lines with {name!r} {what} are no interaction")
    inter.attrs["chosen_by_flag"] = name  # (the lines kept are what was chosen: an impression log's clicks)
    return inter


def _zero_one_flag(inter: pd.DataFrame, keys: tuple[str, ...],
                   minus_one: bool = False) -> tuple[str, np.ndarray, str] | None:
    """``(the column's own name, its lines that say no, how they say it)`` for the first
    column not read as a schema column whose name is one of ``keys`` and whose values are
    all 0/1 (true/false, yes/no), else None. ``minus_one``: -1/1 too (libFM's and SVM-light's
    negative), not mixed with 0 (a click log's -1 is 'not logged': session af's review)."""
    for col, (name, key) in unread_columns(inter, INTERACTION_COLUMNS).items():
        if key not in keys:
            continue
        values = inter[col].astype(str).str.strip().str.lower()
        no_values = FLAG_NO + (FLAG_MINUS if minus_one else ())
        if values.isin([*FLAG_YES, *no_values]).all():
            no = values.isin(no_values).to_numpy()
            said = sorted(values[no].unique())
            if len(said) > 1 and set(said) & set(FLAG_MINUS) and set(said) & set(FLAG_NO):
                continue  # (0 and -1 both: which one is 'no' is not clear)
            return name, no, " or ".join(said) or "0"
    return None


FLAG_YES = ("1", "true", "1.0", "+1", "yes", "y")
FLAG_NO = ("0", "false", "0.0", "no", "n")
"""(``Yes`` / ``No`` too: a news site's ``Click`` beside each article served had kept
3,417 articles not clicked as views; real49-an)"""
FLAG_MINUS = ("-1", "-1.0")
"""A label's negative as libFM and SVM-light write it."""


TAG_KEYS = ("tag", "tags", "tagname", "tagvalue", "tagid")
"""Header names of the tag a user gave an item (MovieLens' ``tags.csv``, hetrec's
``user_taggedartists``, Delicious bookmarks): one line per tag."""


def tag_log_firsts(inter: pd.DataFrame, file: Path, report: IngestReport) -> pd.DataFrame:
    """A tag log's first tag of each (user, item): the further tags are no further
    interactions. Read a line each, re-tagging a movie days later counted as buying it
    again: 15.7 % "repeat" flipped MovieLens tags' decision to keep own items in the
    lists, where one line per pair gives 0 % (real2-ae). Only for a file of a user, an
    item, a tag column and perhaps a time (no basket, quantity, price or event: an order
    export's 'Tags' are the order's labels, and its repeat lines are purchases)."""
    if any(col in inter for col in ("session_id", "quantity", "price", "event_type")):
        return inter
    tag = next((col for col, (_, key) in unread_columns(inter, INTERACTION_COLUMNS).items() if key in TAG_KEYS), None)
    if tag is None:
        return inter
    order = inter.sort_values("timestamp", kind="stable").index if "timestamp" in inter else inter.index
    again = inter.loc[order].duplicated(["user_id", "item_id"]).reindex(inter.index).to_numpy()
    if not again.any():
        return inter
    # The tags of a pair's lines differ: a product's own tags ('snack', 'organic') repeat on
    # each purchase of it, and those repeats are purchases (session ae's review).
    repeated = inter.duplicated(["user_id", "item_id"], keep=False)
    tags = inter.loc[repeated].groupby(["user_id", "item_id"], sort=False)[tag].nunique()
    if (tags > 1).mean() < 0.5:
        return inter
    pairs = int((~again).sum())
    return left_out(inter, again, file, report,
                    f"a tag log (column {inter.attrs.get('source_names', {}).get(tag, tag)!r}): {int(again.sum()):,} "
                    f"lines tag a user's item again; {pairs:,} (user, item) pairs are one interaction each, at their "
                    "first tag, so re-tagging is not taking the item again")


def context_rating_firsts(inter: pd.DataFrame, file: Path, report: IngestReport) -> pd.DataFrame:
    """A ratings file without times that rates most of its (user, item) pairs more than
    once rates them under contexts, the first line of each pair the one interaction:
    InCarMusic asked for each song's rating again per imagined situation ("Imagine you
    are driving in a relaxed mood"), all 930 pairs on 2-20 lines; CARSKit's loose layout
    writes a rating once per context dimension; DePaulMovie rates a movie again at home
    and at the cinema. Read a line each, the re-ratings made the domain 'repeat' (72 %)
    and every test target one of the user's own items (real12-ag). Only for a file of a
    user, an item, a rating column on a scale (:func:`_a_scale`) and no time, basket,
    quantity, price or event (a till's repeat lines are purchases), where half its pairs or
    more recur and half the recurring pairs' lines differ in another column, their context."""
    if any(col in inter for col in ("timestamp", "session_id", "quantity", "price", "event_type")):
        return inter
    unread = unread_columns(inter, INTERACTION_COLUMNS)
    rating = next((col for col, (_, key) in unread.items() if key in RATING_KEYS), None)
    if rating is None or not _a_scale(inter[rating]):
        return inter
    again = inter.duplicated(["user_id", "item_id"]).to_numpy()
    pairs = int((~again).sum())
    recurring = int(inter.loc[again].drop_duplicates(["user_id", "item_id"]).shape[0]) if again.any() else 0
    if recurring < 0.5 * pairs:
        return inter
    # The lines of a pair differ in a context column, not in the rating alone (a game's
    # replays scored again, a shop's repeat orders with a satisfaction score, are repeats;
    # session ah's review).
    contexts = [col for col in unread if col != rating]
    repeated = inter.loc[inter.duplicated(["user_id", "item_id"], keep=False)]
    varied = repeated.groupby(["user_id", "item_id"], sort=False)[contexts].nunique(dropna=False).gt(1).any(axis=1) \
        if contexts else pd.Series(False)
    if varied.mean() < 0.5:
        return inter
    named = inter.attrs.get("source_names", {}).get(rating, rating)
    return left_out(inter, again, file, report,
                    f"{recurring:,} of the {pairs:,} (user, item) pairs are rated on more than one line and there is "
                    f"no time (column {named!r}): ratings under other contexts, not the item taken again; "
                    f"each pair is one interaction, at its first line, and {int(again.sum()):,} lines rate it again")


def _a_scale(values: pd.Series) -> bool:
    """Whether a column holds a rating scale: numbers within -10..10 in whole or half steps
    on nine lines in ten or more (not a game's points, 100-9999)."""
    numbers = pd.to_numeric(values, errors="coerce")
    given = numbers.dropna()
    return (len(given) >= 0.9 * len(values) and len(given) > 0 and given.between(-10, 10).all()
            and bool(((given * 2) % 1 == 0).all()))


def unrated_grid_cells(inter: pd.DataFrame, file: Path, report: IngestReport) -> pd.DataFrame:
    """A ratings matrix written a cell a line, every user against every item, lists the
    items a user did not rate too, with a blank rating: the Tijuana restaurant survey's
    sheet of 50 users by 40 restaurants gave 1,104 of its 2,000 lines no rating, and they
    had been read as visits (real12-ag). Those lines are left out (and a 0 below a scale
    of 1 and up), only where the pairs are the whole grid (98 % of it or more), each once
    (a shop's export whose rating column is blank where a customer left no review is of
    purchases all the same)."""
    rating = next((col for col, (_, key) in unread_columns(inter, INTERACTION_COLUMNS).items()
                   if key in RATING_KEYS), None)
    if rating is None or len(inter) < 400:
        return inter
    users, items = inter["user_id"].nunique(), inter["item_id"].nunique()
    # 20 of each or more (a small shop where each of 30 customers bought each of its 4
    # products once is a grid too, of purchases), and nearly whole (a survey's grid one
    # cell short had kept its 1,090 unrated cells): session ah's review
    if (users < 20 or items < 20 or len(inter) < 0.98 * users * items
            or inter.duplicated(["user_id", "item_id"]).any()):
        return inter
    given = inter[rating].astype(str).str.strip()
    numbers = pd.to_numeric(given, errors="coerce")
    rated = numbers[numbers != 0].dropna()
    # A 0 below a scale of 1 and up is a cell the user did not rate (session ah's review)
    zero = (numbers == 0) if len(rated) and rated.min() >= 1 and rated.max() <= 10 else False
    blank = (given.eq("") | given.isin(MISSING_VALUES) | zero).to_numpy()
    if not blank.any() or blank.all():
        return inter
    named = inter.attrs.get("source_names", {}).get(rating, rating)
    return left_out(inter, blank, file, report,
                    f"the lines are a grid, each of its {users:,} users against each of its {items:,} items; "
                    f"{int(blank.sum()):,} of them have no {named!r}: an item the user did not rate")


PARENT_LINE_KEYS = ("parentitemid", "parentlineid", "parentorderitemid")
"""A line's parent line in the same order (Magento's ``parent_item_id``)."""
NO_PARENT = frozenset({"", "0", "null", "none", "nan", "\\n", "na"})


def child_lines(inter: pd.DataFrame, file: Path, report: IngestReport) -> pd.DataFrame:
    """Lines that name a parent line are that line's option, not a sale of their own:
    Magento writes a configurable product (a shirt) as the product's line with its price
    and a child line for the size chosen, at price 0, so each such sale counted twice,
    once as an item that is never sold alone. The parent's line stays; the children are
    left out with a note. Only where the parents named are the file's own lines."""
    for col, (name, key) in unread_columns(inter, INTERACTION_COLUMNS).items():
        if key not in PARENT_LINE_KEYS:
            continue
        parents = inter[col].astype(str).str.strip()
        child = ~parents.str.lower().isin(NO_PARENT).to_numpy()
        if child.all() or not child.any():
            return inter  # no parent line in the file: not such a column
        # The parents must be lines of this file (another column holds them: Magento's
        # line key): a catalogue's 'Parent Item ID' naming a variant's product is no line.
        named = set(parents[child])
        if not any(len(named & set(inter[other].astype(str).str.strip())) >= 0.9 * len(named)
                   for other in inter.columns if other not in (col, "_line")):
            return inter
        return left_out(inter, child, file, report, f"{int(child.sum()):,} lines with a {name!r} are an option of "
                        "another line (Magento's configurable and bundle products), not a sale of their own")
    return inter


READ_KEYS = ("isread",)
"""A flag that says whether a shelved book was read (Goodreads' ``is_read``)."""


def shelved_as_favorites(inter: pd.DataFrame, file: Path, report: IngestReport) -> pd.DataFrame:
    """In a file without an event column, the lines whose read flag is 0 are books put on
    a shelf (Goodreads' 'to-read'), not read: a wish, so a ``favorite``, where every line
    had been a reading (a purchase). Only for a column of 0/1 (true/false) values under
    such a name; the lines read stay purchases. A note counts them."""
    flag = _zero_one_flag(inter, READ_KEYS) if "event_type" not in inter else None
    if flag is None or not flag[1].any():
        return inter
    name, shelved, _ = flag
    report.notes.append(f"{file}: {int(shelved.sum()):,} lines with {name!r} 0 (shelved, not read) read as "
                        "favorites (a wish), the others as purchases (read)")
    inter = inter.copy()
    inter["event_type"] = np.where(shelved, "favorite", "purchase")
    return inter


LIST_STATUS_KEYS = ("watchingstatus", "mystatus", "readingstatus", "readstatus", "viewingstatus", "playingstatus",
                    "playstatus", "liststatus", "exclusiveshelf")
"""Header names of the column of a person's list on a media site that says where a title
stands on it: MyAnimeList's ``watching_status`` / ``my_status``, Goodreads' ``Exclusive
Shelf``, a reading or game tracker's status, AniList's ``PLANNING``."""
PLANNED_WORDS = frozenset({"plantowatch", "plantoread", "plantoplay", "plantolisten", "planned", "planning", "toread",
                           "wanttoread", "wanttowatch", "wanttoplay", "wishlist", "watchlist", "backlog"})
"""Such a status, keyed as :func:`.names.header_key` writes it, that says the title is
planned, not watched, read or played yet."""
MAL_CODES = frozenset({"1", "2", "3", "4", "6"})
"""MyAnimeList's list codes (1 watching, 2 completed, 3 on hold, 4 dropped, 6 plan to
watch; no 5), as its API and the scraped data sets write them."""


def planned_as_favorites(inter: pd.DataFrame, file: Path, report: IngestReport) -> pd.DataFrame:
    """In a file without an event column, the titles a list's status says are planned
    (MyAnimeList's ``Plan to Watch``, code 6; Goodreads' ``to-read``) are a wish, a
    ``favorite``, not a watch: MyAnimeList's scraped lists had 47 % of their lines planned,
    every one read as watched (real32-ak). Dropped and on-hold titles were watched in
    part and stay. Only under a name of :data:`LIST_STATUS_KEYS`; a note counts them."""
    if "event_type" in inter:
        return inter
    for col, (name, key) in unread_columns(inter, INTERACTION_COLUMNS).items():
        if key not in LIST_STATUS_KEYS:
            continue
        values = inter[col].astype(str).str.strip().str.replace(r"^(\d+)\.0$", r"\1", regex=True)  # ('6.0')
        distinct = set(values.unique()[:51])
        # (MyAnimeList's codes on 99 % of the given lines: a few stray 0 or 5 are no other
        # scheme; session al's reviews)
        if (key in ("watchingstatus", "mystatus") and "6" in distinct and distinct <= MAL_CODES | {"0", "5", ""}
                and values[values != ""].isin(MAL_CODES).mean() >= 0.99):
            planned, how = (values == "6").to_numpy(), "6 (MyAnimeList's Plan to Watch)"
        else:
            words = {v for v in distinct if header_key(v) in PLANNED_WORDS}
            planned = values.isin(words).to_numpy()
            how = ", ".join(map(repr, sorted(words)))
        if not planned.any():
            continue
        report.notes.append(f"{file}: {int(planned.sum()):,} lines with {name!r} {how} are planned, not yet "
                            "watched or read: read as favorites (a wish), the others as purchases")
        inter = inter.copy()
        inter["event_type"] = np.where(planned, "favorite", "purchase")
        return inter
    return inter


def _running_number(values: pd.Series) -> bool:
    """Whether a column numbers the lines: whole numbers, each once (a pandas index, a
    register's 'index')."""
    text = values.astype(str).str.strip()
    return bool(text.str.fullmatch(r"\d+").all()) and not text.duplicated().any()


def units_of_split_lines(inter: pd.DataFrame, file: Path, report: IngestReport) -> pd.DataFrame:
    """Lines of one basket that repeat a product at the same time and price but differ in a
    column not read (Shopify writes a second unit of a variant on its own line where its
    discount differs; a vending export where it left another coil) are one line of more
    units: the others' quantities are added to the first's. Read as they were, the later
    lines were 'exact duplicates' the split drops (141 units, 2.9 %, of a real Shopify
    export; real3-af, real9-ag). Lines alike in every column are left here:
    :func:`repeated_scans` sums them where they are a till's repeated scans, else the split
    drops them. Only in sales lines: a quantity or a price column, or a line key's (:func:`_line_key`), and
    no event column. Without a basket column, a shopper's lines of one time are the basket
    where they differ only in a running number (Amazon India's International Sale Report:
    one line a piece, its own 'index', no order id; 6,276 of 17,218 lines had been dropped
    as exact duplicates; real145-as)."""
    baskets = "session_id" in inter and bool((inter["session_id"] != "").any())
    if not baskets and not ("timestamp" in inter and "user_id" in inter):
        return inter
    other = [c for c in unread_columns(inter, INTERACTION_COLUMNS)]
    if not other:
        return inter
    # (sales lines only: a quantity or a price column, no event column; a log's repeated
    # views are no units)
    if "event_type" in inter or not (any(c in inter for c in ("quantity", "price")) or _line_key(inter, other)):
        return inter
    keys = [c for c in ("user_id", "item_id", "timestamp", "session_id", "price") if c in inter
            and (baskets or c != "session_id")]
    alike = inter.duplicated(keys, keep=False).to_numpy() & (
        (inter["session_id"] != "").to_numpy() if baskets else inter["user_id"].astype(str).ne("").to_numpy())
    if not alike.any():
        return inter
    if not baskets:
        # (without a basket only lines that differ in a running number alone, each line's
        # own: an order id, a receipt's or a sale's amount that differs is another sale of
        # that day; session as's harness: Fetch's receipts, a pharmacy's sales)
        numbers = [c for c in other if _running_number(inter[c])]
        if not numbers:
            return inter
        keys = keys + [c for c in other if c not in numbers]
        alike &= inter.duplicated(keys, keep=False).to_numpy()
        if not alike.any():
            return inter
    group = inter[alike]
    distinct = group.drop_duplicates(keys + other + (["quantity"] if "quantity" in inter else []))
    if len(distinct) == len(distinct.drop_duplicates(keys)):
        return inter  # (the repeats are copies in every column: the split's drop says so)
    if (copied := _copied_line_key(inter, group, keys, other)) is not None:
        # (a star schema's fact built by a join that fanned out: 'sale_id' 2718 four times,
        # one sale, its 'location_key' the only difference; 13,180 of 23,502 lines had been
        # added up as units, 3 became 12; real103-aq)
        copies = (inter.duplicated([*keys, copied]).to_numpy() & alike)
        name = inter.attrs.get("source_names", {}).get(copied, copied)
        return left_out(inter, copies, file, report,
                        f"{int(copies.sum()):,} lines repeat another line's own key ({name!r}) with its product and "
                        "basket: copies of one line (a join that fanned out), not more units")
    # One code per line of the product (its basket, time and price), its first row the lead.
    line = distinct.groupby(keys, sort=False, dropna=False).ngroup()
    units = (distinct["quantity"].fillna(1.0) if "quantity" in distinct else pd.Series(1.0, index=distinct.index))
    first = ~line.duplicated()
    merged = distinct.index[~first]
    inter = inter.copy()
    inter.loc[distinct.index[first], "quantity"] = units.groupby(line).sum()[line[first]].to_numpy()
    names = inter.attrs.get("source_names", {})
    for col in other:
        # (so are their units cancelled or refunded, which units_given_back takes off after:
        # the second line's had been lost; session am's review)
        if header_key(str(names.get(col, col))) in GIVEN_BACK_UNIT_KEYS:
            back = pd.to_numeric(distinct[col].astype(str).str.strip().replace("", "0"), errors="coerce")
            if back.notna().all():
                inter[col] = inter[col].astype(object)
                inter.loc[distinct.index[first], col] = [
                    f"{v:g}" for v in back.groupby(line).sum()[line[first]].to_numpy()]
    inter = _money_added_up(inter, distinct, line.to_numpy(), distinct.index[first], other)
    drop = inter.index.isin(merged)
    one, lead = distinct.loc[merged[0]], distinct[first & (line == line[merged[0]])].iloc[0]
    differs = next((names.get(c, c) for c in other if str(one[c]) != str(lead[c])), names.get(other[0], other[0]))
    # (not counted as skipped: no line is lost, its units are on the first; and rows of
    # a packed order's cell are no lines of the file)
    # (no price where none is read: 'at the same price' had been said of lines whose unread
    # 'valor' differed; real95-ap)
    same = "at the same time and price" if "price" in inter else "at the same time (no price column to compare)"
    whose = "basket" if baskets else "shopper's lines"
    report.notes.append(f"{file}: {len(merged):,} lines repeat a product of their {whose} {same} "
                        f"(another quantity, or another value in a column not read, e.g. {differs!r}): more units of "
                        "one line, their quantities added to the first's")
    return inter.loc[~drop].reset_index(drop=True)


def repeated_scans(inter: pd.DataFrame, file: Path, report: IngestReport) -> pd.DataFrame:
    """Lines of one basket alike in every column (a till's second scan of one product, two
    identical burritos on one order) as more units of the first: the split drops exact
    copies, and four packs of chicken on one receipt had become one (real184-au,
    real189-au, real192-au, real194-au). Only in sales lines (a quantity or a price, no
    event column) of baskets of several lines (the median basket two lines or more: a file
    of one-line sales, copied, is a dirty copy), and where such repeats are a minority (a
    fifth of the lines or fewer: an export written twice over is a copy).

    Not where the repeats are copies by what they repeat (review 71): a line's own key
    (:data:`_LINE_KEY`, :data:`_OWN_KEYS`: an ERP's order details fanned out by a join), or
    a whole basket of two products or more, each of its lines twice (a day's batch appended
    twice, order lines joined to an order's two payments). Beside an event column that says
    purchase on every line (Square's 'Event Type' Payment)."""
    if "session_id" not in inter or not any(c in inter for c in ("quantity", "price")):
        return inter
    if "event_type" in inter and (inter["event_type"].astype(str) != "purchase").any():
        return inter
    basket = inter["session_id"].astype(str)
    given = (basket != "").to_numpy()
    if not given.any() or basket[given].value_counts().median() < 2:
        return inter
    unread = unread_columns(inter, INTERACTION_COLUMNS)
    if any(_LINE_KEY.fullmatch(key) or key in _OWN_KEYS for _, key in unread.values()):
        return inter  # (a line's own key, repeated: a copy of that line)
    cols = [c for c in inter.columns if c not in ("_line", "quantity")]
    # (each line's group of lines alike in every column, hashed once: its repeats and its size)
    group = inter.groupby(cols, sort=False, dropna=False).ngroup().to_numpy()
    again = pd.Series(group).duplicated(keep="first").to_numpy() & given
    if not again.any():
        return inter
    size = pd.Series(group).map(pd.Series(group).value_counts()).to_numpy()
    # (a basket of two lines or more, each twice: a copy of the basket, left for the split's
    # drop of exact copies)
    each = pd.DataFrame({"basket": basket.to_numpy(), "twice": size == 2, "lead": ~again})
    by_basket = each.groupby("basket", sort=False).agg(twice=("twice", "all"), lines=("lead", "sum"))
    doubled = by_basket.index[by_basket["twice"] & (by_basket["lines"] >= 2)]
    again &= ~basket.isin(doubled).to_numpy()
    if not again.any() or again.sum() > 0.2 * len(inter):
        return inter
    scanned = np.isin(group, group[again]) & given
    units = (inter["quantity"].fillna(1.0) if "quantity" in inter else pd.Series(1.0, index=inter.index))
    total = units.groupby(group).transform("sum").to_numpy()
    inter = inter.copy()
    inter["quantity"] = np.where(scanned, total, units.to_numpy())
    lead = scanned & ~again
    inter = _money_added_up(inter, inter[scanned], group[scanned], inter.index[lead], list(unread))
    report.notes.append(f"{file}: {int(again.sum()):,} lines repeat another line of their basket in every column (a "
                        "till's second scan of one product): more units of that line, their quantities added to the "
                        "first's")
    return inter.loc[~again].reset_index(drop=True)


_LINE_MONEY = re.compile(r"total|amount|sales|revenue|spend|gross|net|discount|tax|value|importe|betrag|umsatz"
                         r"|montant|valor|subtotal|paid|cost")
"""Header words of a line's money, which two lines made one add up (a till's 'GROSS_SALES')."""
_PER_UNIT = re.compile(r"unit|price|each|rate|per|percent|pct|%|avg|average|mean")
"""Header words of an amount a unit's or a share, which stays as it is."""


def _money_added_up(inter: pd.DataFrame, rows: pd.DataFrame, line: np.ndarray, lead: pd.Index,
                    other: list[str]) -> pd.DataFrame:
    """``inter`` with each line's money (:data:`_LINE_MONEY`, not read: a line total the
    price is later worked out from) on the lead lines of ``rows`` (``line``: each row's
    line) the sum of its line's rows. Two beers of 12.00 scanned apart had become two units
    at 6.00 each, the price worked out from the first line's total after the merge
    (real199-av). Columns of plain numbers only."""
    names = inter.attrs.get("source_names", {})
    for col in other:
        key = header_key(str(names.get(col, col)))
        if not _LINE_MONEY.search(key) or _PER_UNIT.search(key):
            continue
        money = pd.to_numeric(rows[col].astype(str).str.strip().replace("", "0"), errors="coerce")
        if money.isna().any():
            continue
        sums = money.groupby(line).sum()
        at = pd.Series(line, index=rows.index)[lead]
        inter[col] = inter[col].astype(object)
        inter.loc[lead, col] = [np.format_float_positional(round(float(v), 6), trim="-") for v in sums[at].to_numpy()]
    return inter


MEASURE_UNIT_KEYS = frozenset({
    "jednostka", "unit", "uom", "unitofmeasure", "unitofmeasurement", "measureunit", "unitmeasure", "unidad",
    "unidaddemedida", "unidadmedida", "einheit", "mengeneinheit", "unite", "unitedemesure", "satuan", "quantityunit",
    "qtyunit", "salesunit", "baseunit", "billingquantityunit", "requestedquantityunit", "unitname", "measure",
    # (a Rimi receipt's 'measurement_unit'; Polish invoices' 'J.m.', Czech 'MJ', Russian 'Ед. изм.',
    # Latvian, Estonian, Lithuanian; real205-av, review 72)
    "measurementunit", "unitofmeasurementname", "j.m.", "jm", "mj", "m.j.", "ед.изм.", "едизм", "едизм.",
    "единицаизмерения", "mervieniba", "uhik", "matovienetas", "vienetas"})
"""Header names of a line's unit of measure, beside its quantity."""
MEASURES = frozenset({
    "g", "gr", "gram", "grams", "gramy", "gramm", "gramo", "gramos", "gramme", "grammes", "kg", "kgs", "kilo", "kilos",
    "kilogram", "kilograms", "kilogramy", "kilogramm", "kilogramo", "kilogramos", "ml", "mililitr", "millilitre",
    "milliliter", "mililitro", "l", "lt", "ltr", "litr", "litre", "liter", "liters", "litres", "litro", "litros",
    "lb", "lbs", "pound", "pounds", "oz", "ounce", "ounces", "m", "metr", "meter", "metre", "meters", "metres",
    "metro", "metros", "cm", "mm", "m2", "m3", "sqm", "sqft", "ft"})
"""Units a quantity is a measure in (a weight, a volume, a length), not a count of pieces."""


def measured_amounts(inter: pd.DataFrame, file: Path, report: IngestReport) -> pd.DataFrame:
    """Lines whose quantity is a measure, as their unit column says ('gram', 'litr', 'kg'),
    as one buy each: a household's receipts gave 500 'gram' of gnocchi at 4.69 a pack, read
    as 500 units (real200-av). Pieces ('szt', 'pcs', 'PC') keep their count. Only where the
    measured quantities look measured (a fraction, 0.416 kg, or a median of 50 or more, 500
    g), and no pack's size is beside the unit: a webshop's 'Pack Size' 1.5 with 'Unit' l and
    'Quantity' 3 is three packs (review 72)."""
    if "quantity" not in inter:
        return inter
    unread = unread_columns(inter, INTERACTION_COLUMNS)
    if any(re.search(r"size|pack|content|inhalt|volume|weight|gewicht|poids", key) for _, key in unread.values()):
        return inter
    for col, (name, key) in unread.items():
        if key not in MEASURE_UNIT_KEYS:
            continue
        units = inter[col].astype(str).str.strip().str.lower().str.rstrip(".")
        measured = units.isin(MEASURES).to_numpy() & inter["quantity"].notna().to_numpy()
        if not measured.any():
            continue
        amounts = inter.loc[measured, "quantity"].astype(float)
        if not ((amounts % 1 != 0).any() or amounts.median() >= 50):
            continue
        shown = ", ".join(repr(v) for v in units[measured].value_counts().index[:3])
        report.notes.append(f"{file}: {int(measured.sum()):,} lines give their quantity as a measure in column {name!r} "
                            f"({shown}): one pack or one weighed buy each, read as quantity 1")
        inter = inter.copy()
        inter.loc[measured, "quantity"] = 1.0
        return inter
    return inter


_OWN_KEYS = frozenset({"saleid", "salesid", "lineid", "rowid", "recid", "salekey", "saleskey", "factid"})
"""A line's own key by a fact table's or a dump's names (``sale_id`` beside ``order_id``)."""


def _copied_line_key(inter: pd.DataFrame, group: pd.DataFrame, keys: list[str], other: list[str]) -> str | None:
    """The column not read that is each line's own key (:func:`_line_key`'s names or
    :data:`_OWN_KEYS`: each value on one basket's one product, one value a line) and
    repeats unchanged on lines alike in basket, product, time and price: those lines are
    copies of one."""
    names = inter.attrs.get("source_names", {})
    line = None
    for col in other:
        key = header_key(str(names.get(col, col)))
        if not (_LINE_KEY.fullmatch(key) or key in _OWN_KEYS):
            continue
        ids = inter[col].astype(str).str.strip()
        if (ids == "").any():
            continue
        if line is None:
            line = inter.groupby(keys, sort=False, dropna=False).ngroup()
        # (a few ids on two products: the same fan-out through a product key; real103-aq; up to
        # a quarter of them in a cut where such ids gather; real133-ar. An order's key spans
        # most of its order's products)
        if ids.nunique() < 0.9 * line.nunique() or (pd.DataFrame({"id": ids, "line": line})
                                                      .groupby("id")["line"].nunique() > 1).mean() > 0.25:
            continue  # (an order's key, or a counter: not one line's)
        same = [col, *(c for c in ("quantity",) if c in group)]
        # (and the same quantity: a line shipped in two parts, 2 + 1, is no copy; session aq's review)
        # (on 95 % of the repeated lines' groups: one order's two real lines of one product, as a
        # Superstore fact has 337 times in 23,502 lines, had made every copy units again, 37,873
        # units 89,018; real126-ar, real133-ar)
        one = (group.groupby(keys, sort=False, dropna=False)[same].nunique(dropna=False).max(axis=1) == 1).mean()
        if one >= 0.95:
            return col
    return None


_LINE_KEY = re.compile(r"(?:order|sales|invoice|receipt)(?:details?|line|lineitem)(?:id|no|nr|number|key)?"
                       r"|(?:details?|line|lineitem)(?:id|no|nr|number|key)")
"""A sales line's own key by name (Maven's ``order_details_id``, WooCommerce's ``Line number``;
not a bare ``line`` or ``details``, a log's row counter: session ai's review)."""


def _line_key(inter: pd.DataFrame, unread: list[str]) -> bool:
    """Whether an unread column is the lines' own key: named so (:data:`_LINE_KEY`) and
    unique on every line. A till's file of order lines then lists a second dish of an order
    as a line of its own, without a quantity (Maven's restaurant orders: 307 dishes, 2.5 %,
    had been dropped as exact duplicates; real17-ai)."""
    names = inter.attrs.get("source_names", {})
    return any(_LINE_KEY.fullmatch(header_key(str(names.get(c, c)))) and inter[c].is_unique for c in unread)


def left_out(inter: pd.DataFrame, drop: np.ndarray, file: Path, report: IngestReport, what: str) -> pd.DataFrame:
    """``inter`` without the lines in ``drop``, which are no interaction rather than bad
    rows (an item shown and not clicked, a refund): moved from kept to skipped in the
    file's counts, with one note ``FILE: {what}: left out (counted as skipped, ...)``."""
    n = int(drop.sum())
    if not n:
        return inter
    rows, touched = n, n
    if "_line" in inter:
        # (the file's lines whose every row goes: a line of several items, a fee among them,
        # had counted as skipped whole while its products were kept; session an's review)
        lines = inter["_line"].to_numpy()
        hit = set(lines[drop])
        touched, n = len(hit), len(hit - set(lines[~drop]))
    stats = report.stats(str(file))
    stats.rows_skipped += n
    stats.rows_kept -= n
    counted = ("counted as skipped, not as errors" if n == rows else
               f"their {n:,} lines counted as skipped, not as errors" if n == touched else
               "no line counted as skipped: each keeps its other items" if n == 0 else
               f"{n:,} lines counted as skipped, the others keep their other items")
    report.notes.append(f"{file}: {what}: left out ({counted})")
    return inter.loc[~drop].reset_index(drop=True)


_LIST_CELL = re.compile(r"\[.*\]", re.DOTALL)
"""A cell that is a list: ``[...]`` whole."""
_QUOTED = re.compile(r"'((?:[^'\\]|\\.)*)'|\"((?:[^\"\\]|\\.)*)\"")
"""A quoted string in such a list, single- or double-quoted (Python writes ``"Paula's"``)."""


def _list_items(cell: str) -> list[tuple[str, float | None, float | None]]:
    """The ``(item, quantity, unit price)`` of a list written in a cell: Python's ``['Ice
    Cream', "Paula's"]``, JSON's ``["a", "b"]``, numpy's ``['B09W9FND7K' 'B09JSPLN1M']``
    (no commas) or bare ``[12, 31]`` (no quantity or price). A list of objects
    (``[{"product": {"id": "04000"}, "quantity": 1}]``) gives each object's id, not its
    keys' names: its quoted keys had been read as the items 'product', 'id' and 'quantity'
    on every line; and its quantity and unit price where it gives them (a kirana's
    ``{"product_id": "p001", "qty": 2, "unit_price": 30.0}``: 1,312 units had been read
    as 1,003 and every price unknown; real51-an)."""
    inner = cell.strip()[1:-1]
    if inner.lstrip().startswith("{"):
        return _object_items(cell)
    quoted = _QUOTED.findall(inner)
    if quoted:
        return [((a or b).strip(), None, None) for a, b in quoted if (a or b).strip()]
    return [(v, None, None) for v in re.split(r"[,\s]+", inner) if v]


OBJECT_ID_KEYS = ("sku", "productid", "itemid", "productsku", "itemsku", "asin", "productcode", "variantid",
                  # (Fetch's receipt items: 'barcode'; every item had been ''; real55-an)
                  "barcode", "upc", "ean", "gtin", "itemnumber",
                  # (a bare 'id' after them: Shopify's line_items' is the line's, its 'sku' the
                  # product's; session an's review)
                  "id",
                  "name", "title", "productname",  # (a name last: objects of a name alone name their items so)
                  # (and a bare 'description' after all: Fetch's items without a barcode, half of
                  # some receipts'; a fee's object is then left out as a line of no product; session
                  # an's reviews)
                  "description")
"""Keys of an object's id in a list of objects written in a cell (:func:`_object_items`)."""
OBJECT_QTY_KEYS = ("qty", "quantity", "units", "count", "quantitypurchased")
OBJECT_PRICE_KEYS = ("unitprice", "price", "priceeach", "itemprice")
"""Keys of an object's quantity and unit price in such a list."""


def _object_items(cell: str) -> list[tuple[str, float | None, float | None]]:
    """The ``(id, quantity, unit price)`` of each object of a list of objects in a cell
    (JSON, or Python's dict syntax): each object's id key (:data:`OBJECT_ID_KEYS`), or its
    ``product`` / ``item`` object's, and its own quantity and unit price where it gives
    them as numbers (:data:`OBJECT_QTY_KEYS`, :data:`OBJECT_PRICE_KEYS`); an object
    without an id names no item. Nothing where the cell does not parse."""
    import ast
    import json

    try:
        objects = json.loads(cell)
    except ValueError:
        try:
            objects = ast.literal_eval(cell)
        except (ValueError, SyntaxError, MemoryError, RecursionError):
            return []

    def id_of(obj: Any, depth: int = 0) -> str | None:
        if not isinstance(obj, dict) or depth > 2:
            return None
        keys = {header_key(str(k)): v for k, v in obj.items()}
        found = next((keys[k] for k in OBJECT_ID_KEYS if k in keys and keys[k] not in (None, "")), None)
        if found is not None and not isinstance(found, dict | list):
            return str(found)
        return next((i for k in ("product", "item") if (i := id_of(keys.get(k), depth + 1)) is not None), None)

    def number(obj: Any, names: tuple[str, ...]) -> float | None:
        keys = {header_key(str(k)): v for k, v in obj.items()}
        value = next((keys[k] for k in names if k in keys), None)
        if isinstance(value, str):
            # (Shopify's "price": "19.00", Fetch's "itemPrice": "26.00"; "1,332.00" and a
            # European "37,90", "6.337,78"; session an's reviews)
            return text_number(value)
        return float(value) if isinstance(value, int | float) and not isinstance(value, bool) else None

    return [(i, number(o, OBJECT_QTY_KEYS), number(o, OBJECT_PRICE_KEYS))
            for o in (objects if isinstance(objects, list) else []) if (i := id_of(o)) is not None]


_COUNTED = re.compile(r"\s*(\d+(?:\.\d+)?)\s*[x×]\s+(\S.*?)\s*", re.IGNORECASE)
"""A packed line item with its count first: Shopware's ``2x SW10078``."""
_FIELDS = re.compile(r",\s*(?=Product [A-Z][A-Za-z ]*:)")
"""Where BigCommerce's ``Product ID: 275, Product Qty: 1, Product Name: Milk, 2%, ...`` starts a field."""


def _packed_items(cell: str) -> list[tuple[str, float | None, float | None]] | None:
    """``(item, quantity, unit price)`` of each line item packed in ``cell`` with ``|``
    between them (Shopware's ``1x SW10001|2x SW10078``; BigCommerce's ``Product ID: 275,
    Product Qty: 1, Product SKU: ..., Product Unit Price: 1.09|Product ID: ...``), or with
    ``;`` between keyed items (WooCommerce's, :data:`_KEYED`), or None when the cell is
    not written so."""
    out: list[tuple[str, float | None, float | None]] = []
    if _KEYED.match(cell):
        return _keyed_items(cell)
    if PRICED_LIST.fullmatch(cell.strip()):
        # ('Lobster:17.18;Annatto seed:58.38': a shop's order with each product's price; each
        # whole cell had been one item; real26-aj)
        return [(name.strip(), None, float(price)) for name, _, price in
                (part.rpartition(":") for part in cell.strip().split(";") if part.strip())]
    for part in cell.split("|"):
        if not part.strip():
            continue
        if "Product ID:" in part:
            fields = dict(f.partition(":")[::2] for f in _FIELDS.split(part.strip()))
            fields = {k.strip(): v.strip() for k, v in fields.items()}
            item = fields.get("Product ID") or fields.get("Product SKU")
            if not item:
                return None
            out.append((item, _number(fields.get("Product Qty")), _number(fields.get("Product Unit Price"))))
            continue
        counted = _COUNTED.fullmatch(part)
        if counted is None:
            return None
        out.append((counted.group(2), float(counted.group(1)), None))
    return out or None


PRICED_LIST = re.compile(r"[^:;|]+:\d+(?:\.\d+)?(?:;[^:;|]+:\d+(?:\.\d+)?)*;?")
"""Products with their prices (or counts), ``name:price`` joined by ``;``."""
_KEYED = re.compile(r"\s*(?:id|name|product_id|sku):[^|;]*\|")
"""WooCommerce's customer/order CSV export (SkyVerge) writes ``line_items`` as
``id:900|name:Zip Hoodie|product_id:234|sku:HD-GRY-M|quantity:1|subtotal:64.90|...``,
one item after another with ``;`` between them."""


def _keyed_items(cell: str) -> list[tuple[str, float | None, float | None]] | None:
    """The items of a :data:`_KEYED` cell: its SKU (else its product id), quantity, and
    unit price (the subtotal before discounts, over the quantity)."""
    out: list[tuple[str, float | None, float | None]] = []
    for part in cell.split(";"):
        if not part.strip():
            continue
        fields = {k.strip(): v.strip() for k, _, v in (f.partition(":") for f in part.split("|"))}
        item = fields.get("sku") or fields.get("product_id")
        if not item:
            return None
        quantity = _number(fields.get("quantity"))
        subtotal = _number(fields.get("subtotal"))
        price = subtotal / quantity if subtotal is not None and quantity else None
        out.append((item, quantity, price))
    return out or None


def _number(text: str | None) -> float | None:
    try:
        return float(text) if text else None
    except ValueError:
        return None


def _listed_parts(cells: pd.Series) -> tuple[list, str] | None:
    """Each cell's ``(item, quantity, unit price)`` triples where the cells are lists or
    packed line items (:func:`item_lists`), and how they are written; None otherwise."""
    head = cells.iloc[:1000]
    # The first thousand first: a pass over every line of a 2 M-line till export costs
    # a second (a regex) to four (a packed cell's parse).
    if len(cells) == 0 or not (head.str.fullmatch(_LIST_CELL).mean() >= 0.5
                               or sum(_packed_items(c) is not None for c in head) >= 0.95 * len(head)):
        return None
    listed = cells.str.fullmatch(_LIST_CELL).to_numpy(dtype=bool)
    if listed.mean() >= 0.5:  # (the rest single items, written bare: one product bought)
        return _counts_after([_list_items(c) if is_list else [(c, None, None)]
                              for c, is_list in zip(cells, listed, strict=True)]), "lists of items"
    packed = [_packed_items(c) for c in cells]
    written = np.array([p is not None for p in packed])
    if written.mean() < 0.95 or not any(len(p) > 1 for p in packed if p):
        return None
    priced = cells.iloc[:1000].str.strip().str.fullmatch(PRICED_LIST).mean() >= 0.5
    if priced and _counts_not_prices(packed):
        # ('Sugar:5;Onion:3': each number 1 to 10, every product at many of them, one order
        # 'Chocolate:5;Chocolate:1;Chocolate:1': counts; read as prices, no quantity had been
        # read; round 44)
        return ([[(name, number, None) for name, _, number in p] if p is not None else [(c, None, None)]
                 for p, c in zip(packed, cells, strict=True)],
                "products with their counts, 'name:count' joined by ';'")
    return ([p if p is not None else [(c, None, None)] for p, c in zip(packed, cells, strict=True)],
            "products with their prices, 'name:price' joined by ';'" if priced else "an order's line items packed with '|'")


def _counts_not_prices(packed: list) -> bool:
    """Whether ``name:number`` cells' numbers are counts: whole numbers of 1 to 99, a product
    named twice in one cell, or most products (of 5 or more) at 3 numbers or more, as
    prices seldom are."""
    values: dict[str, set[float]] = {}
    twice = False
    for p in packed:
        if not p:
            continue
        names = [name for name, _, _ in p]
        twice = twice or len(set(names)) < len(names)
        for name, _, number in p:
            values.setdefault(name, set()).add(number)
    numbers = [n for found in values.values() for n in found]
    if not numbers or not all(n is not None and float(n).is_integer() and 1 <= n <= 99 for n in numbers):
        return False
    if sum(len(found) == 1 for found in values.values()) * 5 >= len(values) * 4:
        return False  # (one number a product: its price, a café's 'Chai:20;Chai:20' two units; review 67)
    several = sum(len(found) >= 3 for found in values.values())
    return twice or (len(values) >= 5 and several * 2 > len(values))


_COUNT_AFTER_WORDS = re.compile(r"\s*(\S.*?\D)\s+[x×]\s?(\d{1,3})\s*", re.IGNORECASE)
"""A listed item with its count after it: a food order's ``Margherita Pizza x2``."""
_COUNT_AFTER = re.compile(_COUNT_AFTER_WORDS.pattern + r"|\s*(\S.*?\d)\s+[x×](\d{1,3})\s*", re.IGNORECASE)
"""As :data:`_COUNT_AFTER_WORDS`, or after a name's number with the ``x`` written close
(``Combo 1 x2``); not a size, a number before an ``x`` spaced from the next (``Canvas Print
30 x 40``, ``M4 x 20``; session aq's reviews)."""
_COUNT_AFTER_ANY = re.compile(r"\s*(\S.*?)\s+[x×]\s?(\d{1,3})\s*", re.IGNORECASE)
"""Any count after a name, spaced too (``Combo 1 x 2``): only in a file whose counts follow
words so (:func:`_counts_after`)."""
_COUNT_FIRST = re.compile(r"\s*(\d{1,3})\s?[x×]\s+(\D.*?)\s*", re.IGNORECASE)
"""A count before the name, as other order apps write it: ``2x Margherita Pizza``, ``1 x
Coke``; a name that starts with a digit is a size (``30 x 40 Canvas``), not a count."""


def _counts_after(parts: list[list[tuple[str, float | None, float | None]]]
                  ) -> list[list[tuple[str, float | None, float | None]]]:
    """``parts`` with each item's count after (or before: :data:`_COUNT_FIRST`) its name
    taken off as its quantity, where three in four of the listed items carry one (a
    delivery app's orders, ``["Margherita Pizza x2", "Garlic Bread x1"]``, 8 of 10 items:
    each count had made another dish; real107-aq). Not where a few do: a shop's 'Batteries
    AA x2' is a pack's name."""
    named = [item for items in parts for item, quantity, _ in items if quantity is None]
    head = named[:2000]
    first = bool(head) and sum(bool(_COUNT_FIRST.fullmatch(item)) for item in head) >= 0.75 * len(head)
    if first:
        pattern = _COUNT_FIRST
    elif not named or sum(bool(_COUNT_AFTER.fullmatch(item)) for item in head) < 0.75 * len(head):
        # (where most names are words and spaced counts follow them, 'Coleslaw x 1', a
        # 'Combo 1 x 2' counts too: the file writes counts so; session aq's last review)
        if not head or sum(bool(_COUNT_AFTER_WORDS.fullmatch(i)) for i in head) < 0.5 * len(head) or sum(
                bool(_COUNT_AFTER_ANY.fullmatch(i)) for i in head) < 0.75 * len(head):
            return parts
        pattern = _COUNT_AFTER_ANY
    else:
        pattern = _COUNT_AFTER
    out = []
    for items in parts:
        row = []
        for item, quantity, price in items:
            match = pattern.fullmatch(item) if quantity is None else None
            groups = [g for g in match.groups() if g is not None] if match else []
            if first:
                groups.reverse()
            row.append((groups[0], float(groups[1]), price) if match else (item, quantity, price))
        out.append(row)
    return out


_KEYED_FIELD = re.compile(r"\s*([A-Za-z_]+)\s*=\s*([^,;=]*?)\s*")
_KEYED_ID = ("sku", "product", "productid", "item", "itemid", "id")
_KEYED_QTY = ("qty", "quantity")


def _keyed_product(part: str) -> tuple[str, float | None, float | None] | None:
    """``(sku, qty, price)`` of one ``sku=...,qty=...[,price=...]`` part (its fields in any
    order), else None."""
    fields: dict[str, str] = {}
    last = ""
    for field in part.split(","):
        if last and (re.fullmatch(r"\s*\d{1,2}\s*", field)
                     or (re.fullmatch(r"\s*\d{3}\s*", field) and fields[last].lstrip("-") == "0")):
            fields[last] += "," + field.strip()  # (a decimal comma: 'price=36,50', 'qty=0,125' kg)
            continue
        if (m := _KEYED_FIELD.fullmatch(field)) is None:
            return None
        last = m.group(1).lower().replace("_", "")
        fields[last] = m.group(2)
    sku = next((fields[k] for k in _KEYED_ID if fields.get(k)), None)
    qty = next((fields[k] for k in _KEYED_QTY if k in fields), None)
    price = fields.get("price")
    qty = qty.replace(",", ".") if qty and re.fullmatch(r"-?\d+,\d+", qty) else qty  # (a deli's 'qty=0,5')
    if sku is None or qty is None or not re.fullmatch(r"-?\d+(?:\.\d+)?", qty):
        return None  # (a quantity of 0 or below is then a bad row of its own)
    price = price.replace(",", ".") if price and re.fullmatch(r"\d+,\d{1,2}", price) else price  # ('36,50')
    return sku, float(qty), float(price) if price and re.fullmatch(r"\d+(?:\.\d+)?", price) else None


def _keyed_parts(cells: pd.Series) -> tuple[list, str] | None:
    """Each cell's ``(sku, qty, price)`` where every given cell is ``sku=...,qty=...`` parts
    (their fields in any order, a ``price`` too) joined by ``;``: Magento's sample-data
    installer writes an order's products so (``sku=WRMG4011FO,qty=17;sku=PHI85,qty=20``),
    which had been one made-up item a cell (real35-al). None otherwise."""
    given = cells[cells.str.strip() != ""]

    def parts(cell: str) -> list[str]:
        return [p for p in cell.split(";") if p.strip()]  # (a trailing ';')

    def keyed(head: pd.Series) -> bool:
        return bool(head.map(lambda c: bool(parts(c)) and all(_keyed_product(p) for p in parts(c))).all())

    # (the head first: most files' items fail on their first cell, at no cost to the load)
    if given.empty or "=" not in given.iloc[0] or not keyed(given.head(100)) or not keyed(given):
        return None
    return ([[_keyed_product(p) for p in parts(c)] if c.strip() else [] for c in cells],
            "'sku=...,qty=...' pairs joined by ';'")


def _bare_packed(cells: pd.Series) -> tuple[list, str] | None:
    """Each cell's ``(item, units, None)`` where a transaction's product ids are joined
    (:func:`joined_ids`) with nothing else: a Kaggle transactions file's ``products``,
    ``2|2|23|68``: 78 % of its lines several products, an id repeated for each unit; read
    whole, 15,418 'items' out of 293 products (real11-ag); a market-basket file's
    ``"27,26"``: 37,309 'items' of 48 products (real13-ah). None otherwise."""
    if len(cells) == 0 or (sep := joined_ids(cells.iloc[:1000].tolist())) is None:
        return None
    cells = cells.str.strip()
    if not cells.str.fullmatch(JOINED[sep]).all():
        return None
    return ([[(item, float(n), None) for item, n in Counter(c.split(sep)).items()] for c in cells],
            f"product ids joined by {sep!r}, an id once per unit")


_CJK = "[\u2e80-\u9fff\uac00-\ud7af\uf900-\ufaff\uff66-\uff9f]"
"""A Chinese, Japanese or Korean character (a name written so has no space inside)."""


def _joined_names(cells: pd.Series) -> tuple[list, str] | None:
    """Each cell's ``(name, None, None)`` where an order's product names are joined by
    ``", "`` (a WooCommerce wine shop's ``Products``: ``Casas del Bosque Reserva
    Carmenere 2022, Casas del Bosque Reserva Chardonnay 2022``; read whole, 613 of its 807
    'items' were lists; real21-aj) or by a space (a Japanese receipt's ``野菜ジュース
    栄養ドリンク ヨーグルト``: 703 'items' of 29 products; spaces only in cells nine in ten of
    which are written in Chinese, Japanese or Korean). Only where a fifth of the cells or
    more are so joined, in three lengths or more, and of the names after each cell's first a
    third or more (with spaces, four in five) are also bought alone (a cell of its own): a
    product whose name holds a comma (``SET OF 3 CAKE TINS, PANTRY DESIGN``) or a space
    (``whole milk``) has parts nobody buys alone, and a product's options (``Latte, Oat
    Milk``) are never bought alone. A name twice is two units."""
    if len(cells) < 50:
        return None

    def joined_by(text: pd.Series, sep: str, share: float) -> np.ndarray | None:
        joined = text.str.contains(sep, regex=False).to_numpy(dtype=bool)
        lists = text[joined].str.split(sep)
        if joined.mean() < 0.2 or lists.map(len).nunique() < 3:
            return None
        alone = set(text[~joined])
        # (the names after the first: a café's 'Latte, Oat Milk, Extra Shot' and a shop's
        # 'Hoodie, Grey, XL' start with a product bought alone, their options never are;
        # session aj's review)
        names = [n for parts in lists for n in parts[1:] if n]
        return joined if names and sum(n in alone for n in names) >= share * len(names) else None

    for sep, share in ((", ", 1 / 3), (" ", 0.8)):
        # (the first thousand first, as _listed_parts: a 2 M-line column of names with spaces
        # pays a split of a thousand, not of every line)
        head = cells.iloc[:1000].str.strip()
        if sep == " " and head.str.contains(_CJK).mean() < 0.9:
            continue  # (spaces only between Chinese or Japanese names: 'Whole Milk' is one; session aj's review)
        if joined_by(head, sep, share) is None:
            continue
        text = cells.str.strip()
        if (joined := joined_by(text, sep, share)) is None:
            continue
        return ([[(n.strip(), None, None) for n in c.split(sep) if n.strip()] if is_list else [(c, None, None)]
                 for c, is_list in zip(text, joined, strict=True)], f"product names joined by {sep!r}")
    return _names_in_any_order(cells)


_BARE_COMMA = re.compile(r"(?<!\d),|,(?!\d)")
"""A comma with no space after it, not between two digits (``Cola 1,5L`` is one name)."""
_SEMICOLON = re.compile(r"\s*;\s*")
"""A semicolon between names (a receipt's ``Milk; Bread; Eggs``; session ap's review)."""
_PIPE = re.compile(r"\s*\|\s*")
"""A pipe between names, spaced or not (``Tomatoes | Chicken Breast | Butter``)."""


def _names_in_any_order(cells: pd.Series) -> tuple[list, str] | None:
    """Each cell's ``(name, None, None)`` where product names are joined by a comma with no
    space (an Indonesian pharmacy's ``produk``: ``chocolatos dark mini 30gr,pi kang shuang
    5g,omegesic box``; read whole, 807 of 921 receipts were one made-up item each, 921 lines
    for 9,530; real80-ap), by a pipe (a retail chain's ``Tomatoes | Chicken Breast |
    Butter``: 1,841 made-up items of 40 products; real88-ap) or by a semicolon. Few such names are bought
    alone there (7 %), so the test of :func:`_joined_names` would not do; instead a third or
    more of the names after a cell's first come first on another cell (there two in three):
    a receipt lists its items in any order, while a product's options (``Latte,Oat Milk``,
    ``Hoodie,Grey,XL``) never come first. Only where a fifth of the cells or more are so
    joined, in three lengths or more."""
    text = cells.str.strip()
    head = text.iloc[:1000]
    for sep, said in ((_BARE_COMMA, "','"), (_PIPE, "'|'"), (_SEMICOLON, "';'")):
        lists = _first_names_lead(head, sep) and _first_names_lead(text, sep)
        if lists:
            return [[(n, None, None) for n in parts if n] for parts in lists], f"product names joined by {said}"
    return None


def _first_names_lead(sample: pd.Series, sep: re.Pattern) -> list[list[str]] | None:
    """``sample``'s cells split at ``sep`` where they are lists of names in any order
    (:func:`_names_in_any_order`), else None."""
    joined = sample.str.contains(sep).to_numpy(dtype=bool)
    if joined.mean() < 0.2:
        return None
    lists = [[n.strip() for n in sep.split(c)] for c in sample]
    if len({len(parts) for parts, is_list in zip(lists, joined, strict=True) if is_list}) < 3:
        return None
    first = {parts[0] for parts in lists}
    names = [n for parts, is_list in zip(lists, joined, strict=True) if is_list for n in parts[1:] if n]
    if not names or sum(n in first for n in names) * 3 < len(names):
        return None
    return lists


_NAMED_COUNT = re.compile(r"(.+?) x (\d+)")
"""An item with its count after its name, as Square's ``Description`` writes it: ``Mocha x 2``."""
_COUNT_NAMED = re.compile(r"(\d+(?:\.\d+)?) x (.+)")
"""An item with its count (or weight) before its name, as Loyverse's writes it: ``2 x Mocha``,
``0.950 x Buah Naga``."""
_BEFORE_COUNT = re.compile(r", (?=\d+(?:\.\d+)? x )")
"""Where Loyverse's list moves to its next item: a comma inside a name is no such place."""


def _square_parts(cells: pd.Series) -> tuple[list, str]:
    """Square's ``Description`` (``Blueberry Muffin, Pain au Chocolat x 2, Mocha``) as
    :func:`_listed_parts` gives its cells: the items between commas, a count after `` x ``
    their quantity; or Loyverse's, each count before its name (``2 x Mocha``). Read whole,
    a list had been one made-up item (137 in a probe's file)."""
    def triple(piece: str) -> tuple[str, float | None, None]:
        counted = _NAMED_COUNT.fullmatch(piece)
        return (counted.group(1), float(counted.group(2)), None) if counted else (piece, None, None)

    given = cells[cells.str.strip() != ""].iloc[:1000]
    # (not where the pieces end with Square's count: a print shop's '4 x 6 Print Glossy x 12'
    # is Square's; session ak's review)
    if len(given) and given.str.match(_COUNT_NAMED).mean() >= 0.9 and given.str.contains(
            r" x \d+(?:,|$)", regex=True).mean() < 0.1:
        # Loyverse's '1 x VIT Botol 550 ml, 0.950 x Buah Naga': each item's count first
        # (real28-ak)
        def first(piece: str) -> tuple[str, float | None, None]:
            counted = _COUNT_NAMED.fullmatch(piece)
            return (counted.group(2).strip(), float(counted.group(1)), None) if counted else (piece, None, None)

        return ([[first(p.strip()) for p in _BEFORE_COUNT.split(cell) if p.strip()] for cell in cells],
                "each receipt's items, each count first, commas between them (Loyverse's)")
    return ([[triple(p.strip()) for p in cell.split(", ") if p.strip()] for cell in cells],
            "each payment's items, commas between them (Square's)")


def _counted_parts(cells: pd.Series) -> tuple[list, str] | None:
    """Each cell's ``(dish, count, None)`` where the cells are :func:`counted_text`. Read
    whole, each order's list had been one made-up item: 200 orders, about 200 'items'."""
    given = [c for c in cells.tolist() if c.strip()][:1000]  # (as counted_text judges them: each test once)
    if len(given) < 20:
        return None
    if counts_after(given):
        return ([[(n.strip(), float(k), None) for n, k in COUNTED_AFTER.findall(cell)] or [(cell.strip(), None, None)]
                 for cell in cells], "each order's products, each count after its name")
    if not counts_first(given):
        return None

    def dish(piece: str) -> tuple[str, float | None, None]:
        counted = COUNTED_TEXT.fullmatch(piece)
        return (counted.group(2), float(counted.group(1)), None) if counted else (piece.strip(), None, None)

    return ([[dish(p) for p in NEXT_COUNTED.split(cell) if p.strip()] for cell in cells],
            "each order's dishes, each count first, commas between them")


def item_lists(inter: pd.DataFrame, file: Path, report: IngestReport) -> pd.DataFrame:
    """One row per item where the item cell holds several: a list (Kaggle's Retail
    Transactions: ``Product`` = ``['Spinach', 'Bread']``, one line a basket) or an order's
    line items packed with ``|`` (:func:`_packed_items`, with their quantities and unit
    prices). Read whole, the list was one made-up item (945 'items' from 70 products) and
    no item was ever bought twice. Only when half the item cells are lists (the others
    then single items) or nearly all (95 %) are packed so (:func:`_listed_parts`), or the
    item column is Square's ``Description`` (:func:`_square_parts`); the row's other
    fields go with each of its items, and its line number too."""
    cells = inter["item_id"].astype(str)
    square = header_key(inter.attrs.get("source_names", {}).get("item_id", "")) == "description"
    found = _square_parts(cells) if square else (_listed_parts(cells) or _keyed_parts(cells) or _bare_packed(cells)
                                                 or _counted_parts(cells) or _joined_names(cells))
    if found is None:
        return inter
    parts, how = found
    name = inter.attrs.get("source_names", {}).get("item_id", "item_id")
    lines = len(inter)
    parallel = _parallel_list_columns(inter, parts)
    out = inter.assign(item_id=parts, **parallel).explode(["item_id", *parallel], ignore_index=True)
    # An empty list '[]' is a line with no item: a bad row of its own.
    out = skip_rows(out, out["item_id"].isna().to_numpy(), "item_id", str(file), report,
                    lambda _v: "an empty list of items")
    triples = out["item_id"].tolist()
    out["item_id"] = [t[0] for t in triples]
    for at, column in ((1, "quantity"), (2, "price")):
        given = [t[at] for t in triples]
        if any(v is not None for v in given):
            # The packed line's own quantity and unit price, not the order's totals.
            out[column] = pd.array([v if v is not None else np.nan for v in given], dtype=float)
    out = _line_units(out, triples, file, report)
    if "quantity" in out:  # read_table's check, for the quantities it never saw ('0x SW10001')
        out = skip_rows(out, (out["quantity"] <= 0).to_numpy(), "quantity", str(file), report,
                        lambda v: f"must be > 0 (got {v})")
    out.attrs = inter.attrs
    if "session_id" not in out:
        # The line is the basket: its items were bought together.
        out["session_id"] = "line " + out["_line"].astype(str)
    beside = ", ".join(repr(inter.attrs.get("source_names", {}).get(c, c)) for c in parallel)
    report.notes.append(f"{file}: column {name!r} holds {how} ({cells.iloc[0][:60]!r}): read as one row per "
                        f"item, {lines:,} lines -> {len(out):,} rows, each line's items one basket"
                        + (f" ({beside}: lists as long, read item by item)" if parallel else ""))
    return out


def _parallel_list_columns(inter: pd.DataFrame, parts: list) -> dict[str, list]:
    """Other columns whose every cell is a JSON list as long as its line's list of items
    (a receipt's ``Product_Name`` beside its ``Product_Code``): each cell's values, to go
    with its items one by one. Copied whole to each item, the names had been list text,
    and each product 'carried three names' (real176-au). Only columns the schema does not
    read (a name, a size)."""
    out: dict[str, list] = {}
    for column in inter.columns:
        if column in INTERACTION_COLUMNS or column.startswith("_"):
            continue
        cells = inter[column].astype(str).str.strip()
        if not cells.str.startswith("[").all():
            continue
        values = []
        for cell, items in zip(cells, parts, strict=True):
            try:
                listed = json.loads(cell)
            except ValueError:
                break
            if not isinstance(listed, list) or not isinstance(items, list) or len(listed) != len(items) or any(
                    isinstance(v, (list, dict)) for v in listed):
                break
            values.append(listed)
        else:
            if values:
                out[column] = values
    return out


def _line_units(out: pd.DataFrame, triples: list, file: Path, report: IngestReport) -> pd.DataFrame:
    """``out`` (a list's items, one row each) with each listed item one unit (a name twice,
    two) where the line's own quantity counts the whole line: an Indonesian restaurant till's
    ``Qty`` 10 beside its 9 names, copied to each, had made 81,773 units of 12,581, and a
    name twice on a receipt had been dropped as an exact duplicate (real80-ap). Only where
    the lists give no quantity of their own, and the line's is at least its number of names
    on nine list lines in ten (a quantity of each item would be 1 beside two names)."""
    if "quantity" not in out or any(t[1] is not None for t in triples):
        return out
    lines = out["_line"].to_numpy()
    size = pd.Series(lines).map(pd.Series(lines).value_counts()).to_numpy()
    listed = size > 1
    if not listed.any():
        return out
    quantity = pd.to_numeric(out["quantity"], errors="coerce").to_numpy(dtype=float)
    first = listed & ~pd.Series(lines).duplicated().to_numpy()
    if not (quantity[first] >= size[first]).mean() >= 0.9:
        return out
    units = out.groupby(["_line", "item_id"], sort=False)["item_id"].transform("size").to_numpy(dtype=float)
    out = out.assign(quantity=np.where(listed, units, quantity))
    again = listed & out.duplicated(["_line", "item_id"]).to_numpy()
    name = out.attrs.get("source_names", {}).get("quantity", "quantity")
    report.notes.append(f"{file}: {name!r} counts a whole line's units ({int(first.sum()):,} lines list several items, "
                        f"and {name!r} is at least their number on {(quantity[first] >= size[first]).mean():.0%}): "
                        "each item listed is read as one unit, a name listed twice as two")
    return out[~again].reset_index(drop=True)


STATUS_KEYS = ("receipttype", "transactiontype", "txtype", "trxtype", "salestype", "orderstatus", "status",
               "linestatus", "itemstatus",
               "paymentstatus", "orderpaymentstate", "financialstatus", "orderstate", "orderitemstatus",
               # (Booking.com's 'Reservation state', 'cancelled by guest'; round 46)
               "reservationstate", "bookingstate",
               "estado", "estadodelpedido", "取引区分", "stato", "ステータス", "trangthai",
               "displayfinancialstatus",  # (Shopify's GraphQL and bulk exports)
               "statut", "durum", "статус", "stav",  # (French, Turkish, Russian, Czech marketplaces)
               "etat", "etatdelacommande",  # (WooCommerce's orders in French, 'État'; real179-au)
               "reasonforcreditentry",  # (Meesho's orders: its status, CANCELLED, RTO_COMPLETE; real191-au)
               "tipetransaksi", "statustransaksi",  # (an Indonesian till's 'Tipe Transaksi': 'refunded'; real19-ai)
               # (a kirana till's 'billType' estimate; real65-ao. Not 'outcome': a course's Failed is
               # no sale undone; session ao's review)
               "billtype",
               "订单类型")  # (a vending platform's order type: 常规订单, or 出货测试订单, a dispense test; real240-ax)
"""Header names of a column that says what became of a sale (Loyverse's ``Receipt type``:
``Sale`` / ``Refund``; BigCommerce's ``Order Status``; Shopify's ``Financial Status``).
A name that starts or ends with a word for status and holds a word of a sale counts too
(:func:`_is_status_key`)."""
STATUS_WORDS = ("status", "stato", "estado", "trangthai", "상태", "状态", "狀態", "ステータス", "statut", "statusu",
                "durum", "статус")
"""Status in the languages of the probed marketplaces' exports: Allegro's and Tokopedia's
``Status`` (``Status Terakhir``), PrestaShop Italia's ``stato``, Shopee Vietnam's ``Trạng
Thái Đơn Hàng``, Naver's ``주문상태``, Chinese ``订单状态``."""
DOCUMENT_KEYS = ("invoiceorcredit", "doctype", "doc.type", "documenttype",
                 # (Spanish-language invoicing: 'Tipo documento', Peru's SUNAT 'TIPCOMP', Mexico's
                 # 'TipoDeComprobante'; real193-au)
                 "tipodocumento", "tipodedocumento", "tipodoc", "tipocomprobante", "tipodecomprobante", "tipcomp",
                 "tipocomp", "tipocfdi", "tipodecfdi")
VOUCHER_KEYS = frozenset({"tipocomprobante", "tipodecomprobante", "tipcomp", "tipocomp",
                          "tipocfdi", "tipodecfdi"})  # (Mexico's CFDI type, 'E' for egreso; review 71)
"""Of those, a tax voucher's type, where SUNAT's '07' and the CFDI's 'E' are credit notes
(a bare 'Tipo Doc' is often the buyer's identity document: Venezuela's 'E', a foreigner;
Ecuador's '07', a final consumer; review 70)."""
"""An ERP's document type column: Sage 50's ``INVOICE_OR_CREDIT`` (Invoice / Credit), SAP
Business One's ``Doc. Type`` (IN / CN): a credit note gives a sale back."""
CREDIT_WORDS = frozenset({"credit", "cn", "gutschrift", "avoir", "notadecredito", "notacredito",
                          "notadecreditoelectronica", "notacreditoelectronica",
                          # (Portuguese SAF-T's 'NC', Spain's 'Abono' and 'Factura rectificativa';
                          # review 70)
                          "nc", "abono", "facturarectificativa", "rectificativa"})
VOUCHER_CREDIT_CODES = frozenset({"07", "e", "7", "egreso"})
"""The tax offices' codes of a credit note in a voucher-type column (:data:`VOUCHER_KEYS`):
SUNAT's '07' ('7' where a sheet dropped its zero), the CFDI's 'E', egreso (real193-au,
review 71)."""


def _credit_word(value: str) -> bool:
    """Whether a document type says credit note (:data:`CREDIT_WORDS`; Argentina's 'Nota de
    Crédito B' and its 'NCB', 'NCA', 'NCE'; review 71)."""
    key = header_key(value)
    return key in CREDIT_WORDS or key.startswith(("notadecredito", "notacredito")) or bool(
        re.fullmatch(r"nc[abcem]", key))


def _returned_to_origin(value: str, key: str) -> bool:
    """Whether a status says a parcel was refused and sent back (India's 'RTO': Meesho's
    RTO_COMPLETE, Shiprocket's 'RTO ACKNOWLEDGED', 'RTO_NDR', 'RTO Received'; real191-au,
    review 71): those states, and a bare 'RTO' under a status's or a reason's name (not a
    payment type's 'RTO' or 'RTO 12 Months': a rent-to-own sale, reviews 70 and 72)."""
    word = header_key(value)
    return word.startswith("rto") and (word[3:].startswith(
        ("complete", "delivered", "initiated", "intransit", "locked", "ofd", "deliveryfailed", "acknowledged",
         "received", "ndr", "undelivered", "dispatched", "returned")) or (
        word == "rto" and bool(re.search(r"status|reason|state|credit", key))))
"""A credit note, in a document type column only (elsewhere ``Credit`` is a card payment);
``Credit Memo`` and ``Credit Note`` say so in any status column (:data:`REFUND_WORDS`)."""
REFUND_WORDS = frozenset({"refund", "refunded", "return", "returned", "cancelled", "canceled",
                          "cancel",  # (Amazon.in's MTR report's 'Transaction Type' Cancel; round 44)
                          # (a B2B app's undelivered lines, an order marked invalid; round 45)
                          "faileddelivery", "deliveryfailed", "invalidorder",
                          # (an Indian marketplace's parcel refused and sent back: Meesho's
                          # RTO_COMPLETE, 'return to origin'; real191-au. Not a bare 'RTO', a
                          # rent-to-own sale: review 70)
                          "rtocomplete", "rtodelivered", "rtoinitiated", "rtointransit", "rtolocked", "rtoofd",
                          "rtodeliveryfailed",
                          "cancellation", "void", "voided", "reversed", "chargeback", "storno", "storniert",
                          "retoure", "ruckerstattung", "erstattet", "rembourse", "annule", "devolucion", "devuelto", "reso",
                          "rimborsato", "rejected", "orderrefunded", "ordercanceled",
                          "ordercancelled", "cancelada", "cancelado", "anulada", "anulado", "reembolsado",
                          "reembolsada", "devuelta", "annulee", "remboursee", "zuruckerstattet",
                          "geannuleerd", "terugbetaald", "geretourneerd", "failed", "paymentfailed", "返品",
                          # (French: an order 'retourné', 'retournée (remboursement émis ...)', 'échoué',
                          # 'refusé', 'rejeté', 'non livré'; real227-aw)
                          "retourne", "retournee", "retournes", "retournees", "remboursees", "remboursement",
                          "echoue", "echouee", "refuse", "refusee", "rejete", "rejetee", "nonlivre", "nonlivree",
                          # (DataCo's and retail_db's 'SUSPECTED_FRAUD': shipping cancelled; real236-aw.
                          # Not a bare 'fraud': 'Fraud Check Passed' is a sale; review 78)
                          "suspectedfraud",
                          "キャンセル", "creditmemo", "creditnote", "draft", "errore",
                          # Polish, Italian, Indonesian, Vietnamese, Korean, Chinese marketplaces
                          "anulowane", "anulowano", "anulowany", "zwrot", "zwrocone", "annullato", "annullata",
                          "dibatalkan", "batal", "pesananbatal", "transaksibatal", "orderbatal", "pengembalian", "đahuy", "dahuy", "dahuydon",
                           "trahang", "đahoantien",
                          "취소", "반품", "환불", "취소완료", "반품완료", "환불완료",
                          "退货", "退款", "已取消", "取消", "退貨", "已退款",
                          "退款中", "退货中", "已退货",  # (a refund under way: the sale is being undone; real28-ak)
                          "退款成功", "交易关闭",  # (Taobao's: a refund made, a trade closed unpaid; session ak's review)
                          # Dutch, Turkish, Russian marketplaces (bol.com, Trendyol, Ozon, Wildberries)
                          "retour", "iptal", "iptaledildi", "iade", "iadeedildi", "отменен", "отменён", "отмена",
                          "ожидаетотмены",  # (Kaspi's 'Ожидает отмены', the buyer refused; real237-aw)
                          "возврат",
                          "annulation", "annulees", "annules"})  # (French: 'Annulation'; review 79)
"""A status word that says a sale was undone (whole, or first in a part: :func:`_says_refund`)."""
NEVER_SOLD_WORDS = frozenset({"quotation", "quotationsent", "draftquotation", "quote", "closedlost",
                              # (Magento's status code 'fraud', 'Suspected Fraud': held, not sold; the
                              # whole status only, as 'Fraud Check Passed' is a sale; review 79)
                              "fraud", "fraudulent",
                              # (a vending machine's dispense tests, paid 0; real240-ax)
                              "出货测试订单", "出货测试", "测试订单",
                              "awaitingpayment", "enattentedepaiement",
                              # (a Vietnamese shop's unaccented 'Huy', cancelled: the whole status only,
                              # as 'Hủy trả hàng' is a return cancelled, the sale standing; real21-aj and
                              # session aj's review)
                              "huy", "huydon",
                              # (a card's top-up, money loaded, no purchase: a campus card log's
                              # 'tx_type' 充值 beside 消费; real153-as)
                              "充值", "topup", "recharge", "cardtopup", "储值", "충전",
                              # (a Chinese shop's orders awaiting payment, unpaid; real28-ak)
                              "待支付", "未支付", "待付款", "未付款", "等待买家付款",
                              # (Nuvemshop's 'Status do Pagamento' 'Vencido': a boleto that expired
                              # unpaid; 68 such orders had been purchases; real44-am)
                              "vencido", "expirado",
                              # (a booking on the waiting list: no seat sold; real57-ao)
                              "waitlisted", "waitlist", "waitinglist", "onwaitlist", "warteliste",
                              # (a kirana till's 'estimate' bill, a quotation; real65-ao)
                              "estimate", "proforma", "proformainvoice"})
"""A status word that says no sale was made: an ERP's quotation (Odoo's ``Quotation``,
``Quotation Sent``), a CRM's lost deal, an order never paid for (Cdiscount's ``En attente
de paiement``). Read as purchases, offers taught the model what shoppers buy."""
NOBODY_CAME = frozenset({"noshow", "didnotattend", "dna", "didnotarrive", "noshowed"})
"""An appointment's whole status that says nobody came (a vet clinic's ``No Show``: 4,967
of 30,000 appointments had been visits; real67-ao; the NHS's ``DNA``, did not attend): no
visit, in an appointment's or a visit's status only. A ticket or a booking paid for and
not used stays a sale (an airline's, a concert's No-Show; session ap's review)."""
SOLD_BY_THE_SHOPPER = frozenset({"sell", "sellorder", "shortsell", "sellshort"})
"""A trade's whole type that says the shopper sold: a broker's ``transaction_type``
``SELL`` beside ``BUY`` (3,261 of 10,000 trades had been purchases; real83-ap). No
purchase, left out as a return is (under half the lines, as any status), in a file of
trades only (:data:`_TRADE_WORD`): a trade-in shop writes ``Sell`` for its own sale to the
customer (session ap's review). Not ``Sale``, ``Sold``, ``Venta`` or ``Verkauf``: a till's
words for its own sale."""
_TRADE_WORD = re.compile(r"stock(?:ticker|symbol|price|sector|industry|name|exchange)|ticker(?:symbol)?|symbol|isin"
                         r"|shares|numberofshares|sharecount|sharesquantity|asset(?:class|type|name|id)?|coin"
                         r"|crypto(?:currency)?|portfolio(?:id)?|broker(?:age)?|security(?:id|name)?|securities")
"""A column of a file of trades, by its whole header key: a ticker, a stock's price, an
asset (not a shop's ``StockCode``, ``In Stock``, ``currency_symbol`` or
``merchandising_group``: session ap's review)."""
PAYMENT_FAILED = frozenset({"failed", "paymentfailed", "declined", "requirespaymentmethod", "blocked", "failure",
                            "txnfailure", "refused"})  # (UPI's 'failure', Paytm's, Adyen's 'Refused')
"""A payment's whole status that says no money was taken (Stripe's ``Failed``,
``requires_payment_method``, ``Blocked``): a sale never made however many such lines
there are, as a subscription's retries may be most of a payments export (28 of 53
charges in one; real46-an). Only in a column that says of other lines that money was
taken (:data:`PAYMENT_TAKEN`): a judge's submissions or a courier's deliveries 'Failed'
on most lines say something else (session an's review)."""
PAYMENT_TAKEN = frozenset({"paid", "succeeded", "captured", "settled", "authorized", "authorised", "paymentcomplete",
                           # (Flutterwave's 'successful', a UPI log's 'Success', PayPal's and
                           # Square's 'Completed'; session an's review)
                           "success", "successful", "completed", "complete", "approved", "txnsuccess"})
DECLINED = "declined"
DECLINED_WORDS = frozenset({DECLINED, "denied", "paymentdeclined", "carddeclined"})
"""A sale's whole status ``Declined`` (a Saudi restaurant till's card refused, the line no
sale; real26-aj), not in a column of returns or refunds, where the return was refused and
the sale stands (session aj's last review). Not ``Moved`` (a delivery rescheduled).
``Denied`` too (a claim denied; real62-ao), as much only beside the sale (a return request
denied: the sale stands; session ao's review)."""
STAGE_KEYS = ("stage", "stagename", "opportunity.stagename", "opportunitystage", "dealstage")
"""A CRM's opportunity stage (Salesforce's ``Stage``, HubSpot's ``Deal Stage``): where
``Closed Won`` is among its values, only those lines are sales (the open stages are
offers, ``Closed Lost`` none)."""
SALE_STANDS = frozenset({"reversal", "reversed", "closed", "window", "membership", "denied", "declined",
                         "requested", "pending", "partial", "partially", "request", "not",
                         # (French: 'Remboursement partiel', 'Remboursement demandé'; review 77)
                         "partiel", "partielle", "partiellement", "demande", "demandee", "enattente", "encours",
                         # (Spanish, Portuguese, Italian partial refunds; requests in Spanish, Italian,
                         # German, Dutch: 'Devolución solicitada', 'Reso richiesto'; review 81)
                         "parcial", "parcialmente", "parziale", "parzialmente", "solicitado", "solicitada",
                         "solicitud", "richiesto", "richiesta", "angefordert", "beantragt", "aangevraagd",
                         # (a return refused in Spanish, Italian, Polish, Portuguese; review 82)
                         "rechazada", "rechazado", "denegada", "denegado", "rifiutato", "rifiutata", "respinto",
                         "odrzucony", "odrzucona", "odrzucone", "recusado", "recusada",
                         # a return refused: Dutch, German, Turkish, Russian (the sale stands)
                         "afgewezen", "geweigerd", "abgelehnt", "reddedildi", "отклонён", "отклонен", "отклонена"})
"""Words after a refund word that say the sale stands (``Return Rejected`` aside)."""
_REQUEST_WORDS = frozenset({"request", "requested", "demande", "demandee", "solicitado", "solicitada", "solicitud",
                            "richiesto", "richiesta", "angefordert", "beantragt", "aangevraagd"})
"""Of :data:`SALE_STANDS`, the words of a request: the sale stands only where the refund is
what is asked (``Refund requested``, ``Remboursement demandé``), not where the request is
the reason (``Annulée à la demande du client``, ``Cancelled (Customer request)``; review 79)."""
_UNDONE_AGAIN = frozenset({"cancelled", "canceled", "cancel", "cancellation", "rejected", "refuse", "refusee",
                           "rejete", "rejetee", "annule", "annulee", "dibatalkan", "batal",
                           "storniert", "storno", "anulada", "anulado", "cancelada", "cancelado", "annullato",
                           "annullata", "iptal", "отменен", "отменён", "отмена"})
"""Words in brackets after a refund word that undo the refund itself (``Return (Rejected)``,
``Retour (annulé)``, ``Pengembalian (Dibatalkan)``): the sale stands (review 79)."""
_REQUEST_HEADS = frozenset({"return", "refund", "retour", "retoure", "devolucion", "reso", "remboursement",
                            "ruckerstattung", "zwrot", "iade", "возврат", "pengembalian", "rma", "chargeback", "storno"})
"""Status heads that name a request or a process (a return, a refund asked for), which a
word in brackets may refuse, void or leave pending: the sale then stands."""
_CANCELLATION_REQUESTS = frozenset({"cancellation", "cancel", "annulation", "cancellationrequest"})
_REJECTED = frozenset({"rejected", "denied", "refused", "refuse", "refusee", "rejete", "rejetee", "abgelehnt",
                       "afgewezen", "geweigerd", "rechazada", "rechazado", "denegada", "denegado", "rifiutato",
                       "rifiutata", "respinto", "odrzucony", "odrzucona", "odrzucone", "recusado", "recusada",
                       "reddedildi", "отклонён", "отклонен", "отклонена"})
"""Words that refuse a request (a cancellation rejected, a return denied): the sale stands."""
_CANCEL_HEADS = frozenset({"annules", "annulees", "ordercancelled", "ordercanceled",
                           "failed", "paymentfailed", "echoue", "echouee", "anulowane", "anulowano", "anulowany",
                           "iptaledildi", "취소", "已取消", "取消"})
"""Status heads of a cancellation beside :data:`_UNDONE_AGAIN`'s (a sale never made, not a
return or a refund that a word in brackets may itself undo)."""
_ORDER_WORDS = frozenset({"order", "commande", "bestellung", "pedido", "ordine", "zamowienie", "bestelling"})
"""A status's first word that names the order (``Commande annulée``, ``Order Cancelled``):
what follows it says what became of the sale (review 79)."""
CANCEL_TIME_KEYS = ("cancelledat", "canceledat", "cancelleddate", "canceleddate", "cancellationdate",
                    "cancelledon", "canceledon", "datecancelled", "datecanceled", "canceldate")
"""Header names of the time an order was cancelled (Shopify's ``Cancelled at``, on an
order's first line): an order with one is a sale never made, whatever its ``Financial
Status`` (``paid``, refunded later or never) says (real3-af: 16 lines of two exports)."""
def _cancelled_orders(inter: pd.DataFrame, values: pd.Series) -> np.ndarray:
    """The lines a cancellation time marks as an order never made: only in an order export
    (a basket column) and, where both times read, cancelled within 31 days of the order.
    A subscription's 'cancel_date' months after it started ends a sale that was made
    (session ag's review: a third of a membership file's sales had been left out)."""
    given = (values != "").to_numpy() & ~values.isin(_NO | {"null", "0000-00-00 00:00:00", "nat"}).to_numpy()
    if "session_id" not in inter or not given.any():
        return np.zeros(len(inter), dtype=bool)
    if "timestamp" not in inter:
        return given
    when, _ = parse_timestamps(values.where(given), None)  # (the file's own reading: day first where it is)
    ordered = pd.to_datetime(inter["timestamp"], errors="coerce")
    late = (when - ordered).dt.total_seconds().to_numpy() > 31 * 86400
    return given & ~(late & when.notna().to_numpy())


PURCHASED_FLAG_KEYS = ("purchased", "bought", "isbought", "purchaseflag", "productocomprado", "comprado",
                       "productpurchased")
"""A labelled row's yes/no 'bought' (a recommender's training rows: 'purchased' /
'producto_comprado' 0 is a product shown and not bought, however many; real115-aq): its
no rows are left out even where they are most of the lines."""
VALID_FLAG_KEYS = ("isvalid", "ispaid", "paymentsuccess", "ispaymentsuccess", "issuccess", "issuccessful",
                   "isordered", "wasordered", "ordercompleted", "isordercompleted",
                   "orderplaced", "isorderplaced", "ispurchased", "waspurchased",
                   # (an electronics seller's 'Closed Deal?' No: 442 of 2,000 deals never made; real77-ap)
                   "closeddeal", "closeddeal?", "dealclosed", "isdealclosed", "dealwon", "isdealwon",
                   # (not a bare 'Won?': a match played, a scratch card bought; session ap's review)
                   "closedwon", "closedwon?", "dealwon?", "dealwon(y/n)", "closeddeal(y/n)",
                   *PURCHASED_FLAG_KEYS)
# (Not a bare 'success': a crowdfunding pledge's is its project's; session an's review.)
"""Header names of a yes/no column saying the order went through (DQLab's e-commerce
sets: ``is_valid`` 0 on an order never paid or cancelled, 1,872 of 5,884 lines of one,
real5-ag; they had trained as purchases): a line with no there is left out. Also a
session's or an order's outcome (two food-delivery logs' ``is_ordered`` and
``order_completed``: 18-20 % of their lines were visits that ordered nothing, trained as
purchases; real23-aj. Not ``was_completed`` or ``converted``: a course enrolment not
finished, a sale not currency-converted; session aj's review). Not ``is_net`` (valid and
not returned): on that set 59 % of the lines, more than half, and so the column would not
be read."""
_TEST_FLAG_KEYS = ("istest", "istestorder", "testorder", "testflag", "istestaccount")
"""A test booking's or order's flag (a service platform's 'is_test', which its own SQL
deletes; real113-aq): read only where a tenth of the lines at most say yes (more is a
held-out split or an experiment's group; session aq's review)."""
REFUND_FLAG_KEYS = ("refunded", "isrefund", "isrefunded", "returned", "isreturn", "isreturned",
                    "returnflag", "returnedflag", "isreturnflag",  # (a Jumia-style shop's 'Return Flag'; real216-av)
                    "transactionrefunded", "cancelled", "iscancelled", "canceled", "storniert",
                    "void", "void?", "voided", "isvoid", "isvoided",  # Toast's 'Void?'
                    "storno", "istorno",
                    "cancellationflag", "cancelflag", "cancelledflag", "canceledflag",  # (a hotel's; real38-al)
                    "refund",  # (Magento's sample orders' 'refund' yes / no; real35-al)
                    # (a database's soft delete: a receipt line 'deleted' True is gone; real91-ap)
                    "deleted", "isdeleted", "softdeleted", "deletedflag",
                    *_TEST_FLAG_KEYS)
"""Header names of a yes/no column saying the line was given back (Clover's ``Refunded``;
SumUp's ``Transaction refunded``)."""
_DELETED_KEYS = frozenset({"deleted", "isdeleted", "softdeleted", "deletedflag",
                           # MyBatis-Plus's logical delete (0 / 1) and RuoYi's 'del_flag' (0 kept,
                           # 2 deleted), the Chinese admin frameworks' order tables
                           "delflag", "delflg", "delyn", "isdel", "isdelete", "deleteflag"})
# (not mall's 'delete_status': a shopper's own 'delete order', allowed on completed orders
# only, hides a purchase made from their list; session aq's review)
DELETED_TIME_KEYS = frozenset({"deletedat", "deletedon", "deletedate", "datedeleted", "deletiondate",
                               "deletedtime", "deletetime", "deletedatetime", "deleteddate", "deleteddatetime",
                               "deletiontime"})
"""Header names of the time a row was soft deleted (Laravel's and Rails' paranoia
``deleted_at``): a table dumped with its deleted rows holds them with a time there, and
NULL or blank on the live ones."""


def _of_the_item(inter: pd.DataFrame, hit: np.ndarray) -> bool:
    """Whether a flag may mark items, not lines: no flagged item with two lines or more has
    a line without it (a product table's ``deleted``, joined onto its order lines, 60 of
    300 sales had been left out, and 80 of 591 where each deleted product sold once;
    session ap's reviews). A line's own soft delete leaves some lines of an item and not
    others (Fetch's receipts). (Not by shopper: an order deleted whole is all of a one-off
    buyer's lines, and where no column names shoppers each order is its own; session aq's
    review.)"""
    if not hit.any():
        return False
    items = inter["item_id"].astype(str)
    per = pd.DataFrame({"item": items, "hit": hit}).groupby("item")["hit"].agg(["size", "mean"])
    flagged = per[(per["mean"] > 0) & (per["size"] >= 2)]
    return not bool((flagged["mean"] < 1).any())


def _joined_delete_times(inter: pd.DataFrame, values: pd.Series, hit: np.ndarray) -> bool:
    """Whether deletion times are a joined record's, not the lines' own: most of them are
    shared by lines of two orders or more that have one value in common in another column
    -- the item, the shopper, a branch (:data:`_RECORD_KEY`) -- (a variant, a store, a customer
    deleted later, its one time on each of its lines: 45 and 62 sales had been left out;
    session aq's review). A line's or an order's own delete stamps that order's lines alone;
    an admin's bulk delete (one time, a day, on a dozen orders of different shoppers and
    items) stamps orders with nothing else in common (session aq's second review)."""
    if not hit.any():
        return False
    if "session_id" in inter:
        orders = inter["session_id"].astype(str)
    elif "timestamp" in inter:
        orders = inter["timestamp"].astype(str)
    else:
        orders = pd.Series(np.arange(len(inter)).astype(str), index=inter.index)
    ids = [c for c in ("user_id", "item_id", "store_id") if c in inter and inter[c].nunique() > 1] + [
        c for c, (_, key) in unread_columns(inter, INTERACTION_COLUMNS).items()
        if _RECORD_KEY.search(key) and not _NO_RECORD_KEY.search(key) and inter[c].nunique() > 1]
    frame = inter.loc[hit, ids].astype(str).assign(_when=values[hit].to_numpy(), _order=orders[hit].to_numpy())
    shared = frame[frame.groupby("_when")["_order"].transform("nunique") >= 2]
    if shared.empty:
        return False
    groups = shared.groupby("_when")
    joined = sum(any(group[c].nunique() == 1 for c in ids) for _, group in groups)
    return joined > 0.5 * frame["_when"].nunique()


_RECORD_KEY = re.compile(r"(?:id|key|code|no|number|name)$|branch|store|location|warehouse|filiale|shop|outlet")
"""The columns a joined record's deletion time is told by (:func:`_joined_delete_times`): an
id's, a name's or a branch's (a branch's 'store_name' counts; session aq's review), where
they have more than one value in the file (not a one-shop dump's 'store_id' 1)."""
_NO_RECORD_KEY = re.compile(r"date|time|at$|deleted|updated|created|method|type|status|channel|currency|mode|state")
"""Not a time's, nor a kind's: a 'payment_method' or its '_id' that three bulk deletes share
(session aq's third and fourth reviews)."""


_YES = frozenset({"true", "1", "yes", "y", "ja", "oui", "si", "sí", "sim", "tak", "wahr", "vrai",
                  "t"})  # (PostgreSQL's booleans: 't' / 'f'; session ap's review)
_NO = frozenset({"false", "0", "no", "n", "nein", "non", "nao", "não", "nie", "falsch", "faux", "", "f"})


_NO_DELETE_TIME = (r"^(?:0|0000-00-00|1970-01-01|1900-01-01|0001-01-01)(?:[ T]0?0:00(?::00)?(?:\.0+)?)?"
                   r"(?:\s?(?:[+-]00(?::?00)?|z|utc))?$|^nat$")
"""A deletion time that says there was none: ThinkPHP's default 0, a MySQL zero date, the
epoch (PostgreSQL's ``1970-01-01 00:00:00+00``), SQL Server's ``1900-01-01 00:00:00.000``
(lower case: the values are)."""
_NO_FLAG = frozenset({v.lower() for v in MISSING_VALUES} | {"0.0"})
"""A delete flag's values that say no beside :data:`_NO`: NULL (a flag set only when deleted), 0.0."""


STRAY_SHARE = 0.001
"""The share of a file's times at each end the span of its times is read without."""


def stray_times(inter: pd.DataFrame, file: Path, report: IngestReport) -> pd.DataFrame:
    """``inter`` without the lines whose time lies far outside the file's others: more
    than the span of the middle 99.8 % of its times before or after it (Taobao's nine
    days of ``UserBehavior.csv`` carry a few lines stamped 2008 and 2033 -- a device's
    clock, a default value). Each is a bad row naming its time and the file's span:
    kept, a 2033 line stretched the test window sixteen years and its context came from
    a year the store never saw. By its quantiles it takes at most 0.2 % of the lines."""
    times = inter["timestamp"]
    known = times.dropna()
    ahead = (times > pd.Timestamp.now() + pd.Timedelta(days=366)).to_numpy(dtype=bool)
    if len(known) >= 20 and 0 < ahead.sum() <= 0.1 * len(known):
        # (a year or more after today on a tenth of the lines or fewer, the rest before:
        # a typed year, '2118' for '2018'; a library's 4 % of such loans had made 40 % of
        # the test targets; real132-ar. A file that is all in the future is said so, kept)
        inter = skip_rows(inter, ahead, "timestamp", str(file), report,
                          lambda t: f"a year or more after today: {t} (a typed year?)")
        times = inter["timestamp"]
        known = times.dropna()
    if len(known) < 1000:
        return inter  # too few to tell strays from a real spread
    try:
        low, high = known.quantile(STRAY_SHARE), known.quantile(1 - STRAY_SHARE)
        span = max(high - low, pd.Timedelta(days=1))
        stray = ((times < low - span) | (times > high + span)).to_numpy(dtype=bool)
    except (OverflowError, pd.errors.OutOfBoundsDatetime):
        return inter  # times at the ends of what pandas holds (1900, 2150): nothing to tell by
    if not stray.any():
        return inter
    inside = f"{1 - 2 * STRAY_SHARE:.1%} of them lie within {low:%Y-%m-%d} .. {high:%Y-%m-%d}"
    return skip_rows(inter, stray, "timestamp", str(file), report,
                      lambda t: f"far outside the file's other times: {t} ({inside})")


SALE_WORDS = ("order", "sale", "invoice", "payment", "transaction", "financial", "return", "refund", "receipt",
              "line", "item", "terakhir", "pesanan", "zamowien", "ordine", "pedido", "donhang", "đonhang", "주문",
              "dathang", "đathang",  # (Shopee VN's 'Trạng thái đặt hàng' Đã hủy; real151-as)
              "订单", "訂單", "注文", "受注", "siparis", "заказ", "commande", "bestelling",
              "booking", "reservation",  # (a hotel's 'booking_status' Cancelled; real34-ak)
              "appointment", "visit",  # (a vet clinic's 'AppointmentStatus' Cancelled / No Show; real67-ao)
              "pagamento",  # (Nuvemshop's 'Status do Pagamento'; real44-am)
              # (a fashion shop's 'Delivery_Status' Delivered / Returned / Cancelled; real48-an)
              "delivery", "shipping", "shipment", "fulfillment", "fulfilment",
              "envio", "entrega", "versand", "lieferung", "livraison", "expedition", "spedizione", "consegna")
# (Not 'session': a quiz's 'session_status' Failed is no sale's; session an's review.)
"""Words of a sale, one of which a status column's name must hold beside the status word
(``Order Items Status``, ``Return / Refund Status``, ``주문상태``): a subscription's or a
product's status (``draft``) says nothing of a sale."""


CLAIM_STATUS_KEYS = ("claimstatus", "insuranceclaimstatus", "medicalclaimstatus", "pharmacyclaimstatus",
                     "rxclaimstatus", "prescriptionclaimstatus")
"""A health insurance claim's status: ``Denied`` is no sale (a pharmacy's; real62-ao). Not a
warranty's, a shipping or a points claim's: the sale stands (session ao's reviews)."""


_COPY_SUFFIX = re.compile(r"(?:raw|clean|cleaned|reference|final|std|normali[sz]ed|standardi[sz]ed|mapped)+(?:v\d+)?$")
"""The end of a column's name that says it is a copy of another, as written or cleaned up:
an electronics shop's ``order_status_raw`` (``done``, ``Batal``) and
``order_status_clean_reference`` (``Completed``, ``Returned``, ``Cancelled``): neither was
read, and 865 returned or cancelled lines of 12,580 had been purchases (real77-ap). Not
``_original``, ``_orig`` or a bare version (``_v1`` beside ``_v2``): an earlier state (a
payment Failed, then Paid; session ap's reviews)."""


def _is_status_key(key: str) -> bool:
    """Whether a header key names a sale's status (:data:`STATUS_KEYS`; a name that starts
    or ends with one of :data:`STATUS_WORDS` and holds one of :data:`SALE_WORDS`: ``Return
    / Refund Status``) or an ERP's document type (:data:`DOCUMENT_KEYS`)."""
    if key in STATUS_KEYS or key in DOCUMENT_KEYS or key in CLAIM_STATUS_KEYS or key in STAGE_KEYS:
        return True
    copy = _COPY_SUFFIX.sub("", key)
    if copy != key and copy:
        return _is_status_key(copy)  # (a cleaned file's 'order_status_raw' beside 'order_status_clean_reference')
    if "itemapproval" in key or "approvalcontext" in key:
        # (Amazon's item_approval_context_approval_status: a substitution's, not the sale's;
        # real33-ak. An order's or a payment's approval status stays one: session ak's review)
        return False
    return (key.startswith(STATUS_WORDS) or key.endswith(STATUS_WORDS)) and any(w in key for w in SALE_WORDS)


def _status_head(status: str) -> str:
    """A status's key without the reason after it, in brackets, after a colon or a dash: a
    bookshop's ``Declined (Insufficient Funds)`` is ``declined`` (real78-ap: 166 declined
    payments had been purchases), so are ``Declined: ...`` and ``Declined - ...`` (session
    ap's review). Only a reason after a word: ``(pending)`` alone stays as it is."""
    head = re.sub(r"\s*(?:[(\[:]|\s-\s).*$", "", status)
    return header_key(head) if head.strip() else header_key(status)


def undone_by_status(frame: pd.DataFrame, header: list[str], raw_header: list[str]) -> np.ndarray:
    """Rows whose status column says the sale was undone (:func:`_says_refund`: refunded,
    cancelled, returned) or whose refund flag is set: the quantity check leaves their 0 or
    negative units out as such, not as bad rows (Amazon India's report writes a cancelled
    line's quantity 0, a till a return's below 0: each had been a 'must be > 0' error
    beside the cancellations counted; real129-ar, real140-as, real141-as, real142-as)."""
    undone = np.zeros(len(frame), dtype=bool)
    for col, raw in zip(header, raw_header, strict=False):
        key = header_key(raw)
        status = _is_status_key(key)
        if col not in frame or not (status or key in REFUND_FLAG_KEYS):
            continue
        values = frame[col].astype(str).str.strip()
        distinct = values.unique()
        if len(distinct) > 50:
            continue
        marks = not status and "return" in key and _RETURN_MARKS.issuperset(header_key(v) for v in distinct)
        said = {v: _says_refund(v) if status else (header_key(v) in ("returned", "r")) if marks else v.lower() in _YES
                for v in distinct}
        if key in _PAYMENT_STATUS_KEYS:
            # (Shopify's 'Financial Status' 'expired': a checkout never paid, its shop's own
            # test orders among them; a subscription's 'expired' elsewhere was bought; real247-ax)
            said.update({v: True for v in distinct if header_key(v) == "expired"})
        undone |= values.map(said).to_numpy(dtype=bool)
    if "session_id" in header and "quantity" in header:
        # (Online Retail's cancellations: an invoice 'C489588' beside numbers, its units below
        # 0, as its documentation says; each had been a 'must be > 0' error; real200-av)
        basket = frame["session_id"].astype(str).str.strip()
        # ('CN489003', 'C-489003' as other copies write them; review 74)
        credit = basket.str.fullmatch(r"[Cc](?:[Nn]|-)?\d{4,}").to_numpy() & (
            pd.to_numeric(frame["quantity"], errors="coerce") < 0).to_numpy()
        if credit.any() and basket.str.fullmatch(r"\d{4,}").mean() >= 0.5:
            undone |= credit
    return undone


_PAYMENT_STATUS_KEYS = frozenset({"financialstatus", "displayfinancialstatus", "paymentstatus"})
"""A payment's status (Shopify's ``Financial Status``), where ``expired`` is a sale never paid."""


def _bracket_words(status: str) -> list[str] | None:
    """The words of a status's bracketed part, as header keys ('Cancellation (Seller
    declined)' -> ['seller', 'declined']); None where it has no brackets."""
    bracket = re.search(r"\s[(\[](.*)", status)
    return [header_key(w) for w in re.split(r"[\s_\-.,()\[\]]+", bracket.group(1)) if w] if bracket else None


def _says_refund(status: str) -> bool:
    """Whether a sale's status says it was undone: the whole status (``Refunded``,
    ``order_refunded``), or a part of it after a ``-`` or ``/`` that starts with such a word
    and holds no other (Amazon's ``Shipped - Returned to Seller``; not ``Return Cancelled``,
    ``Return Rejected``, ``Delivered - Return window closed``, ``Canceled Reversal``,
    ``Cancelled-membership`` or ``Partially Refunded``, where the sale stands)."""
    # (a sale never made only as the whole status: 'Quote Accepted' is a sale)
    if header_key(status) in REFUND_WORDS | NEVER_SOLD_WORDS:
        return True
    head = _status_head(status)
    # (a cancellation's reason in brackets undoes nothing: 'Cancelled (Rejected by restaurant)',
    # 'Annulée (commande annulée par le client)', 'Cancelled (Customer request)' are no sales;
    # a request's may: 'Return (Rejected)', 'Refund (Requested)', 'Cancellation (Denied)',
    # 'Refund (Voided)'; review 81. A refund done keeps its reason: 'Refunded (Customer
    # Request)', 'Refunded (not as described)'; review 82)
    words = _bracket_words(status)
    if head in _CANCELLATION_REQUESTS and words:
        # (a cancellation request refused, declined by the seller, pending or withdrawn keeps
        # the sale; its reason, 'Customer request', 'Payment declined', undoes it; reviews 84, 86)
        return not (any(w in _REJECTED for w in words) or (
            words[-1] in ("declined", "pending", "requested", "withdrawn", "approved")
            and words[0] not in ("payment", "card", "bank", "customer", "buyer", "client", "paiement")))
    if head in _REQUEST_HEADS:
        stands = SALE_STANDS | _UNDONE_AGAIN | {"void", "voided"}
    elif head in _UNDONE_AGAIN or head in _CANCEL_HEADS:
        stands = frozenset()
    else:
        stands = (SALE_STANDS - _REQUEST_WORDS - {"not"}) | _UNDONE_AGAIN
    if words is not None and head in REFUND_WORDS:
        # (its reason after it in brackets: 'retournée (remboursement émis le ...)'; not
        # 'Refund (partial)', a sale that stands in part; real227-aw, review 77. The bracket
        # decides: 'Return (customer requested)' stands; review 81)
        return not any(w in stands or w.startswith("parti") for w in words)
    for part in re.split(r"\s+[-/]\s+|/", status.lower()):
        # (accents folded as in a header: Mercado Libre's 'Devolución finalizada')
        words = [header_key(w) for w in re.split(r"[\s_\-.,()]+", part) if w]
        if len(words) > 1 and words[0] in _ORDER_WORDS:
            words = words[1:]
        # (a request stands right after the refund word only; 'en attente' is two words)
        after = [w for at, w in enumerate(words[1:], 1) if at == 1 or w not in _REQUEST_WORDS]
        after += [a + b for a, b in zip(words[1:], words[2:], strict=False)]
        if words and words[0] in REFUND_WORDS and not any(w in REFUND_WORDS or w in SALE_STANDS for w in after):
            return True
    return False


LOAN_WORDS = frozenset({"loan", "loans", "borrow", "borrows", "borrowing", "borrowings", "lending", "lendings",
                        "circulation", "rental", "rentals", "prestamo", "prestamos", "prestito", "prestiti",
                        "emprestimo", "emprestimos", "ausleihe", "ausleihen", "emprunt", "emprunts"})
"""Words of a file name that say its lines are loans (a library's ``loans.csv``, ``prestamos.csv``).
By the name only: a shop's order lines have a payment's ``Due Date`` and a returned item's
``return_date`` too (session al's review). Not ``checkouts``: a shop's checkouts export has
returns too (its last review)."""
LOAN_ENDS = frozenset({"returned", "return", "checkedin", "devuelto", "devuelta", "devolucion", "restituito",
                       "devolvido", "zuruckgegeben"})
"""A loan's status when it is given back (its first word: 'Returned late' too): the loan is
done, not undone."""


def loans_file(file: Path) -> bool:
    """Whether the lines are loans (a library's, a rental's), as the file's name says. There
    a 'RETURNED' status is a loan done, not a sale given back: a library's loans had lost
    their returned ones where fewer than half (real36-al)."""
    return bool(LOAN_WORDS & letter_words(file.name))


def _given_back(status: str) -> bool:
    """Whether a loan's status says it was given back (:data:`LOAN_ENDS`, its first word)."""
    words = [header_key(w) for w in re.split(r"[\s_\-.,()/]+", status.lower()) if w]
    return bool(words) and (header_key(status) in LOAN_ENDS or words[0] in LOAN_ENDS)


def sales_only(inter: pd.DataFrame, file: Path, report: IngestReport) -> pd.DataFrame:
    """The lines that are sales: a refund, return or cancelled order is no purchase, and a
    till export lists it with a positive quantity and a status column that says so
    (Loyverse's ``Receipt type`` ``Refund``, BigCommerce's ``Order Status`` ``Refunded``,
    Clover's ``Refunded`` ``TRUE``). Read as purchases, what shoppers gave back taught
    the model what they buy. Only a column of a few distinct values under such a name;
    the lines left out are counted as skipped, with a note, not as errors."""
    if "event_type" in inter:
        return inter  # an event column says what each line is (Square's Payment / Refund)
    drop = np.zeros(len(inter), dtype=bool)
    failed = np.zeros(len(inter), dtype=bool)
    not_bought = np.zeros(len(inter), dtype=bool)  # (labelled rows a shopper did not buy)
    done = False  # (a status column that also says lines were completed: a sale's, however many failed)
    said = []
    loans = loans_file(file)
    keys = [header_key(str(n)) for n in inter.attrs.get("source_names", {}).values()] + [
        key for _, key in unread_columns(inter, INTERACTION_COLUMNS).values()]
    # (a plain 'status' in a file of appointments, as an appointment's or a visit's own id
    # says: not an order's 'appointment_slot' nor a web shop's 'visitNumber', nor a file's
    # name, an optician's orders named for their collection appointments; session ap's reviews)
    appointments = any(k in ("appointmentid", "appointmentno", "appointmentnumber", "visitid", "visitno") for k in keys)
    trade_file = any(_TRADE_WORD.fullmatch(k) for k in keys)
    # (a subscription's status is its state today: 'cancelled' after a paid term is a
    # customer who left, not a sale undone; Wave's and a SaaS's exports had lost every
    # churned customer; round 46)
    subscriptions = any(_SUBSCRIPTION_KEY.search(k) for k in keys)
    for col, (name, key) in unread_columns(inter, INTERACTION_COLUMNS).items():
        if loans and key in ("returned", "isreturned", "isreturn"):
            continue  # (a loan given back is a loan done)
        status = _is_status_key(key)
        cancelled_at = key in CANCEL_TIME_KEYS
        deleted_at = key in DELETED_TIME_KEYS
        valid = key in VALID_FLAG_KEYS
        rejected = key in REJECTION_KEYS
        if key not in REFUND_FLAG_KEYS and key not in _DELETED_KEYS and not status and not cancelled_at and not valid \
                and not deleted_at and not rejected:
            continue
        given = inter[col].astype(str).str.strip()
        if "session_id" in inter and (status or cancelled_at):
            # Shopify writes 'Financial Status' on an order's first line only: it is the order's.
            # (A yes/no flag is the line's own: one 'Returned' Y had dropped its whole order.)
            given = fill_from_basket(given, inter["session_id"].astype(str).str.strip(), str(file), name,
                                     str(inter.attrs.get("source_names", {}).get("session_id", "session_id")),
                                     report, note=False)
        values = given.str.lower()
        distinct = set(values.unique()[:51])
        payments = status and any(header_key(v) in PAYMENT_TAKEN for v in distinct)  # (other lines paid)
        if subscriptions and cancelled_at:
            continue
        if cancelled_at:
            hit = _cancelled_orders(inter, values)
        elif deleted_at:
            # (ThinkPHP's 'delete_time' 0 on a live row, a MySQL zero date, the epoch: none)
            hit = ((values != "") & ~given.isin(MISSING_VALUES) & ~values.str.match(_NO_DELETE_TIME)).to_numpy()
            # (a 'never' written as a date: the epoch in the server's zone, '1969-12-31 19:00:00-05',
            # Excel's '1/1/1900 0:00', '9999-12-31'; session aq's review)
            years = pd.to_datetime(values.where(hit), errors="coerce", utc=True, format="mixed").dt.year
            hit = hit & ~((years <= 1970) | (years >= 9000)).to_numpy()
            if _of_the_item(inter, hit) or _joined_delete_times(inter, values, hit):
                continue  # (a joined product's, variant's, store's or customer's own delete: the sales stand)
        elif rejected:
            # (SAP's reason for rejection on an order line, 'Credit block', 'No stock': the line
            # was never delivered, its confirmed quantity 0; 57 such lines had been purchases;
            # real188-au)
            hit = ((values != "") & ~given.isin(MISSING_VALUES) & ~values.isin(_NO | _NO_FLAG)
                   & ~values.isin(("none", "-", "n/a", "na"))).to_numpy()
            if values.str.contains(r"(?<![a-z])(?:return|refund|rma|exchange|warrant|retour|devol)", regex=True).any():
                continue  # (a return's rejection, 'Outside return window': the sale stands; review 69)
        elif len(distinct) > 50:
            continue
        elif key in _TEST_FLAG_KEYS and distinct <= _YES | _NO and values.isin(_YES).mean() > 0.1:
            continue  # (a held-out split's or an experiment's group, not test orders; session aq's review)
        elif key in _DELETED_KEYS and distinct <= _YES | _NO | _NO_FLAG | {"2", "1.0", "2.0"}:
            # (RuoYi's '2', MyBatis-Plus's '1', a 'true', a Korean DEL_YN 'Y'; NULL or 0.0 none)
            hit = ~values.isin(_NO | _NO_FLAG).to_numpy()
            if _of_the_item(inter, hit):
                continue  # (a joined product's own soft delete: its sales stand; session ap's review)
        elif key in REFUND_FLAG_KEYS and distinct <= _YES | _NO:
            hit = values.isin(_YES).to_numpy()
        elif key in REFUND_FLAG_KEYS and "return" in key and _RETURN_MARKS.issuperset(header_key(v) for v in distinct):
            # (a flag's own words, 'Returned' / 'Not Returned', or its letters, 'R' / 'N', TPC-H's
            # R / A / N; review 75)
            hit = values.map(lambda v: header_key(v) in ("returned", "r")).to_numpy(dtype=bool)
        elif valid and distinct <= _YES | _NO:
            hit = values.isin(_NO - {""}).to_numpy()  # (a blank flag is unknown, not a no)
            if key in PURCHASED_FLAG_KEYS:
                if event_of_name(file)[1] not in (None, "purchase"):
                    continue  # (a wish list's or a cart's 'purchased': bought later or not; session aq's review)
                not_bought |= hit
        elif key in STAGE_KEYS:
            # (a B2B pipeline's plain 'Won' / 'Lost' beside 'Engaging': 2,473 lost deals and 501
            # open ones had been sales; real68-ao)
            # (plain only under a deal's name: a customer's lifecycle 'stage' Lost; session ao's review)
            plain = key != "stage"
            won = {v for v in distinct if header_key(v) == "closedwon" or (plain and header_key(v) == "won")}
            lost = {v for v in distinct if header_key(v) == "closedlost" or (plain and header_key(v) == "lost")}
            hit = (~values.isin(won) if won else values.isin(lost)).to_numpy()
        elif status:
            credit = key in DOCUMENT_KEYS
            done = done or any(header_key(v) in DONE_STATUS for v in distinct)
            # (nor a cancellation's: a cancellation request Denied, the sale stands; session ao's review)
            # (nor a claim's but an insurance claim's: a shipping claim Denied, the sale stands)
            visits = "appointment" in key or "visit" in key or appointments
            of_sale = not re.search(r"return|refund|retour|devol|rma|cancel", key) and (
                "claim" not in key or key in CLAIM_STATUS_KEYS)
            hit = values.map({v: (_says_refund(v) and not (loans and _given_back(v))
                                  and not (subscriptions and header_key(v) in _CANCEL_ONLY))
                              or (credit and _credit_word(v))
                              or _returned_to_origin(v, key)
                              or (key in VOUCHER_KEYS and header_key(v) in VOUCHER_CREDIT_CODES)
                              or (of_sale and _status_head(v) in DECLINED_WORDS)
                              or (visits and header_key(v) in NOBODY_CAME)
                              or (trade_file and header_key(v) in SOLD_BY_THE_SHOPPER)
                              or (of_sale and payments and _status_head(v) in PAYMENT_FAILED)
                              or (key in _PAYMENT_STATUS_KEYS and header_key(v) == "expired")
                              for v in distinct}).to_numpy(dtype=bool)  # (50 at most)
        else:
            continue
        if payments and hit.any():
            failed |= hit & values.map({v: _status_head(v) in PAYMENT_FAILED for v in distinct}).to_numpy(dtype=bool)
        if hit.any():
            shown = sorted(given[hit].unique())[:3]
            said.append(f"{int(hit.sum()):,} with {name!r} {', '.join(map(repr, shown))}")
            drop |= hit
    by_status = drop.copy()
    if (negative := _negative_line_totals(inter, drop)) is not None:
        name, hit, shown = negative
        said.append(f"{int(hit.sum()):,} with a negative {name!r} ({shown!r}) beside a positive quantity")
        drop |= hit
    n = int(drop.sum())
    if not n:
        return inter
    if (int((drop & ~failed & ~not_bought).sum()) * 2 > len(drop) and not done) or failed.all() or not_bought.all():
        # Most lines 'returned' are no shop's sales but a library's loans, say: a shop's
        # refunds are a minority of its lines (10 % in Amazon's India report, 36 % in the
        # most refund-heavy probe). Not read, with a note. (A payment that failed is none
        # however many fail, but not every line: then the column says something else.)
        # Unless the column says other lines were delivered or completed: a Nigerian B2B
        # app's 'Item Status', Cancelled on 52 % of its lines, Delivered on 42 % (round 45).
        share = "every line" if n == len(drop) else f"{n:,} of {len(drop):,} lines"
        report.notes.append(f"{file}: {share} would be a refund, return or cancellation ({'; '.join(said)}): "
                            "more than half, so the column is not read as a sale's status")
        return inter
    if (refunded := _refunded_sales(inter, by_status & drop)).any():
        said.append(f"{int(refunded.sum()):,} sales those refund lines reverse (the same basket, item and units)")
        drop = drop | refunded
        n = int(drop.sum())
    return left_out(inter, drop, file, report,
                     f"{n:,} lines are refunds, returns, cancellations or sales never made ({'; '.join(said)}): "
                     "no purchase")


def _refunded_sales(inter: pd.DataFrame, drop: np.ndarray) -> np.ndarray:
    """The sale lines that the refund lines a status left out (``drop``) reverse, one each:
    an Indonesian till writes a refund as its own line, 'refunded', of the sale's basket,
    product and units with its money below zero; the refunds had been left out and the
    sales they undo kept, 93 of them in a month (real225-aw). Only a reversing line (its
    units or its money below zero, not a refund's own amount: a returned line whose
    'refund_amount' is below zero is the sale itself; review 76), and its twin of the same
    units (a partial refund leaves the sale; a discount's line, left out by its sign alone,
    undoes nothing) whose money it gives back (``undoes``: reviews 77 and 78). Where a
    receipt number comes back on other days (a till's count restarts each day), only the
    same day's sale (review 76)."""
    out = np.zeros(len(inter), dtype=bool)
    if "session_id" not in inter or not drop.any():
        return out
    units = pd.to_numeric(inter["quantity"], errors="coerce") if "quantity" in inter else pd.Series(1.0, index=inter.index)
    negative = (units < 0).to_numpy(dtype=bool, copy=True)
    if "price" in inter:  # (the money read as the price: a till's 'Net Sales' of one unit)
        negative |= (pd.to_numeric(inter["price"], errors="coerce") < 0).to_numpy()
    given = np.zeros(len(inter), dtype=bool)
    money: list[np.ndarray] = []  # (each money column's amounts, no sign)
    for col, (_, key) in unread_columns(inter, INTERACTION_COLUMNS).items():
        # (not a refund's or a discount's own amount, below zero on the sale's own line: a
        # returned unit's 'refund_amount'; review 76)
        if _LINE_MONEY.search(key) and not _PER_UNIT.search(key) and not re.search(r"refund|return|discount|rabat", key):
            text = inter[col].astype(str)
            negative |= text.str.match(_MINUS).to_numpy()
            given |= ~text.str.fullmatch(r"\s*[-0.,]*\s*").to_numpy()
            money.append(_magnitudes(text))
    reversing = drop & negative
    if not reversing.any():
        return out
    basket = inter["session_id"].astype(str).str.strip().to_numpy()
    # (an order's total on each of its lines is no line's money: a refund's own -7.50 had
    # been under half of the 37.50 order its sale was in, and the sale kept; review 79)
    # (not a one-price shop's equal line totals, each its unit price times its units;
    # review 81)
    line_money = (pd.to_numeric(inter["price"], errors="coerce").abs() * units.abs().fillna(1.0)).to_numpy(dtype=float) \
        if "price" in inter else None
    money = [m for m in money if not _order_level(m, basket, ~drop, line_money)]
    # (and a refund line at no money beside a reversing one of its basket: the free box
    # the refunded serum came in; real225-aw)
    reversing |= drop & ~given & np.isin(basket, basket[reversing]) & (basket != "")
    item = inter["item_id"].astype(str).to_numpy()
    size = units.abs().fillna(1.0).to_numpy()
    day = (inter["timestamp"].dt.normalize().astype(str).to_numpy() if "timestamp" in inter
           and pd.api.types.is_datetime64_any_dtype(inter["timestamp"]) else np.full(len(inter), ""))
    sales = ~drop & ~negative
    days = pd.Series(day[sales]).groupby(basket[sales]).nunique()
    again = set(days.index[days > 1])  # (numbers that come back on other days)
    open_sales: dict[tuple[str, str, float, str], list[int]] = {}
    for at in np.flatnonzero(sales):
        if basket[at]:
            key = (basket[at], item[at], float(size[at]), day[at] if basket[at] in again else "")
            open_sales.setdefault(key, []).append(int(at))
    def undoes(refund: int, sale: int) -> bool:
        """Whether the refund gives back the sale's money: its amount equal in a column, or
        nowhere under half of it (a price adjustment, 2.00 of a 20.00 sale, leaves the
        goods sold; review 78). An order's total on each line is compared too, and a line's
        own total then decides (review 77)."""
        pairs = [(m[refund], m[sale]) for m in money if m[refund] > 0 and m[sale] > 0]
        if any(abs(r - t) <= 0.01 * max(r, t) for r, t in pairs):
            return True
        return not any(r < 0.5 * t for r, t in pairs)
    for at in np.flatnonzero(reversing):
        twins = open_sales.get((basket[at], item[at], float(size[at]), day[at] if basket[at] in again else ""))
        match = next((t for t in twins or [] if undoes(at, t)), None)
        if match is not None:
            twins.remove(match)
            out[match] = True
    return out


def _magnitudes(text: pd.Series) -> np.ndarray:
    """A money column's amounts as :func:`_magnitude` reads each, but where one value groups
    thousands beyond doubt (``1.500.000``, ``1,250,000``, India's ``1,25,000.00``) every
    value of the column is read so: a rupiah till's ``150.000`` beside ``1.500.000`` is a
    hundred and fifty thousand, not 150 (review 79: a price adjustment had undone its sale)."""
    digits = text.str.replace(r"[^\d.,]", "", regex=True)
    if digits.str.fullmatch(r"\d{1,3}(?:\.\d{3}){2,}(?:,\d{1,2})?").any():
        return pd.to_numeric(digits.str.replace(".", "", regex=False).str.replace(",", ".", regex=False),
                             errors="coerce").to_numpy(dtype=float)
    if digits.str.fullmatch(r"\d{1,3}(?:,\d{3}){2,}(?:\.\d+)?|\d{1,2}(?:,\d{2})+,\d{3}(?:\.\d+)?").any():
        return pd.to_numeric(digits.str.replace(",", "", regex=False), errors="coerce").to_numpy(dtype=float)
    return np.array([_magnitude(v) for v in text], dtype=float)


def _order_level(amounts: np.ndarray, basket: np.ndarray, sales: np.ndarray, line_money: np.ndarray | None) -> bool:
    """Whether a money column is an order's total written on each of its lines: the same
    amount on every sale line of nine in ten baskets of two lines or more, and not each
    line's unit price times its units (``line_money``) on nine lines in ten."""
    if line_money is not None:
        # (of lines in baskets of two or more: a one-line order's total is its line's; review 82)
        shared = pd.Series(basket).map(pd.Series(basket[sales]).value_counts()).fillna(0).to_numpy() >= 2
        given = sales & shared & (basket != "") & np.isfinite(amounts) & np.isfinite(line_money)
        if given.any() and float((np.abs(amounts[given] - line_money[given]) <= 0.01).mean()) >= 0.9:
            return False
    given = sales & (basket != "")
    return one_value_per_group(basket[given], amounts[given])


def one_value_per_group(groups: np.ndarray, values: np.ndarray) -> bool:
    """Whether ``values`` are one per group on nine groups in ten of those with two lines or
    more (five such groups at least): an order's total on each of its lines, a product's
    average rating on each of its lines."""
    sizes = pd.DataFrame({"g": groups, "v": values}).groupby("g")["v"].agg(["size", "nunique"])
    multi = sizes[sizes["size"] >= 2]
    return len(multi) >= 5 and float((multi["nunique"] == 1).mean()) >= 0.9


def _magnitude(text: str) -> float:
    """An amount's size as a number, its sign and currency aside ('-1.234,56 €' 1234.56,
    '(7.50)' 7.5), read as :func:`.amounts.text_number` reads one value; NaN where none."""
    value = text_number(re.sub(r"[^\d.,]", "", text))
    return float("nan") if value is None else value


NEGATIVE_TOTAL_KEYS = frozenset({"total", "linetotal", "lineamount", "linevalue", "totalamount", "totalvalue",
                                 "totalprice", "totalline", "valortotal", "valor", "montant", "montanttotal",
                                 "importe", "importetotal", "totale", "gesamt", "gesamtbetrag", "betrag", "bedrag",
                                 "totaal", "kwota", "suma", "summa", "jumlah", "extendedprice", "salesamount",
                                 "netamount", "grossamount"})
"""Header keys of a line's money total whose sign :func:`_negative_line_totals` reads (not a
bare 'amount': Ta-Feng's 'AMOUNT' is its units, a return's -2 a bad row)."""
_MINUS = re.compile(r"^\s*(?:[^\d\s(-]{0,4}\s*)?(?:-|\u2212|\()\s*[^\d\s]{0,4}\s*(?=[\d.,]*[1-9])\d"
                    r"|^\s*(?=[\d.,]*[1-9])\d[\d.,]*-\s*$")
"""A negative amount as exports write it: '-160.00', 'R$ -160,00', '-$5', '(160.00)'."""
_PLUS = re.compile(r"^\s*[^\d\s(-]{0,4}\s*\d[\d.,\s]*(?:[^\d\s.,-]{1,4}\s*)?$")
"""A positive amount: '160.00', 'R$ 160,00', '12,90 €' (its currency before or after it)."""


def _negative_line_totals(inter: pd.DataFrame, drop: np.ndarray) -> tuple[str, np.ndarray, str] | None:
    """A line whose money total is below zero while its quantity (and unit price) is
    not: a refund, a void or a chargeback, where the sign lives on the money. A dirty
    sales sample's sale of two mice at 80.00 with 'valor_total' -160.00, which its own
    pipeline quarantines, had been a purchase in the test window (real217-av). Only a
    few such lines (a tenth at most, nine in ten of the others positive): where many
    totals are negative, the sign says something else (a ledger's debits)."""
    for col, (name, key) in unread_columns(inter, INTERACTION_COLUMNS).items():
        if key not in NEGATIVE_TOTAL_KEYS:
            continue
        text = inter[col].astype(str)
        minus = text.str.match(_MINUS).to_numpy(dtype=bool, copy=True)
        plus = text.str.match(_PLUS).to_numpy() & text.str.contains(r"[1-9]", regex=True).to_numpy()
        if "quantity" in inter:
            units = pd.to_numeric(inter["quantity"], errors="coerce")
            minus &= ~(units <= 0).to_numpy()  # (a return's units below zero are read as such)
        if "price" in inter:
            minus &= ~(pd.to_numeric(inter["price"], errors="coerce") < 0).to_numpy()
        minus &= ~drop
        if not minus.any() or minus.sum() > 0.1 * len(text) or plus.sum() < 0.9 * (len(text) - minus.sum()):
            continue
        return name, minus, str(text[minus].iloc[0]).strip()
    return None


_RETURN_MARKS = frozenset({"returned", "notreturned", "r", "n", "a", ""})
"""The values of a return flag in its own words or letters (TPC-H's R, A, N): R returned."""


REJECTION_KEYS = ("rejectionreason", "reasonforrejection", "rejectreason", "absagegrund", "motivorechazo",
                  "salesdocumentrjcnreason", "rjcnreason")  # (SAP OData's; real201-av)
"""Header names of an order line's reason for rejection (SAP's ``ABGRU``, 'Reason for
rejection'; German 'Absagegrund'): a line with one given was never delivered."""


_SUBSCRIPTION_KEY = re.compile(r"^mrr|currentterm|billingcycle|billingperiod|trialend|^subscription(?:id|status)?$")
"""Header keys of a subscription export (Chargebee's, Stripe's, Recurly's): not a shop's
'is_subscription' flag on its orders (review 67)."""
_CANCEL_ONLY = frozenset({"cancelled", "canceled", "cancel", "cancellation"})
"""A status that says cancelled and nothing else (not refunded)."""


DONE_STATUS = frozenset({"delivered", "completed", "complete", "paid", "shipped", "fulfilled", "success",
                         "successful", "entregue", "entregado", "zugestellt", "geliefert", "livre", "livree",
                         "consegnato", "terkirim", "selesai", "dagiao", "giaohangthanhcong", "hoanthanh",
                         "已完成", "交易成功", "已签收", "배송완료", "구매확정"})
"""A status that says a sale went through: beside it, cancellations are a shop's, however many."""


GA_ACTIONS = {"1": "view", "2": "view", "3": "cart", "5": "cart", "6": "purchase"}
"""Google Analytics 360's ``eCommerceAction.action_type`` (its BigQuery export's schema): 1
a click in a product list, 2 a product's detail view, 3 an add to the cart, 5 a checkout, 6
a purchase; 0 (no e-commerce action: a page hit), 4 (a removal), 7 (a refund) and 8
(checkout options) are no shopper action on a product."""
GA_ACTION_KEYS = ("ecommerceactiontype", "ecommerceactionactiontype", "hitsecommerceactionactiontype")


def ga_actions(inter: pd.DataFrame, file: Path, report: IngestReport) -> pd.DataFrame:
    """A GA360 hits table's events from its ``ecommerceaction_type`` (:data:`GA_ACTIONS`),
    where no column is read as the event: a course's ``all_sessions.csv`` (one row a page
    hit, 14,785 of 15,134 with type 0, 9 purchases) had every hit trained as a purchase
    (real114-aq). The hits of no action are left out with a note."""
    if "event_type" in inter:
        return inter
    for col, (name, key) in unread_columns(inter, INTERACTION_COLUMNS).items():
        if key not in GA_ACTION_KEYS:
            continue
        codes = inter[col].astype(str).str.strip().str.replace(r"\.0$", "", regex=True)
        if not codes.isin({str(n) for n in range(9)} | {""}).all():
            continue
        events = codes.map(GA_ACTIONS)
        inter = inter.assign(event_type=events.fillna("").to_numpy())
        return left_out(inter, events.isna().to_numpy(), file, report,
                        f"{int(events.isna().sum()):,} hits with {name!r} 0, 4, 7 or 8 are no action on a product "
                        "(a page hit, a removal, a refund, checkout options); the others read as Google Analytics' "
                        "codes: 1 and 2 views, 3 and 5 adds to the cart, 6 purchases")
    return inter


_FLAG_EVENTS = {"view": "view", "viewed": "view", "pageview": "view", "click": "view", "clicked": "view",
                "detail": "view", "cart": "cart", "carted": "cart", "addtocart": "cart", "addedtocart": "cart",
                "atc": "cart", "wishlist": "favorite", "addtowishlist": "favorite", "favorite": "favorite",
                "favourite": "favorite", "fav": "favorite", "liked": "favorite", "purchase": "purchase",
                "purchased": "purchase", "buy": "purchase", "bought": "purchase", "order": "purchase",
                "ordered": "purchase"}
"""A one-hot event column's word, after an optional ``evt_`` / ``is_``, and its event."""
_EVENT_FLAG = re.compile(r"(?:evt|event|is|flag|has)?(" + "|".join(sorted(_FLAG_EVENTS, key=len, reverse=True)) + ")")
"""A one-hot event column's key: a feature table's ``evt_view`` ... ``evt_purchase``."""
_FLAG_RANK = ("purchase", "cart", "favorite", "view")


def events_of_flags(inter: pd.DataFrame, file: Path, report: IngestReport) -> pd.DataFrame:
    """The event of each line where no column is read as the event but one-hot flag
    columns say it (``evt_view``, ``evt_click``, ``evt_add_to_cart``, ``evt_purchase``, yes/no
    or 0/1): two such columns or more, naming two kinds of event or more, one flag set on
    nine lines in ten. A feature table built from an event log had every line read as a
    purchase, 3 of 60 truly so (real128-ar). A line with several set takes the strongest;
    one with none is left out, said so."""
    if "event_type" in inter:
        return inter
    flags: dict[str, pd.Series] = {}
    for col, (_, key) in unread_columns(inter, INTERACTION_COLUMNS).items():
        match = _EVENT_FLAG.fullmatch(key)
        if match is None:
            continue
        said = inter[col].astype(str).str.strip().str.lower()
        if not said.isin(_YES | _NO).all():
            continue
        event = _FLAG_EVENTS[match.group(1)]
        flags[event] = flags.get(event, pd.Series(False, index=inter.index)) | said.isin(_YES)
    if len(flags) < 2:
        return inter
    some = pd.Series(False, index=inter.index)
    for set_ in flags.values():
        some |= set_
    if some.mean() < 0.9:
        return inter
    event = pd.Series("", index=inter.index, dtype=object)
    for kind in reversed(_FLAG_RANK):  # (the strongest last, over the others)
        if kind in flags:
            event = event.where(~flags[kind], kind)
    inter = inter.assign(event_type=event.to_numpy())
    names = ", ".join(sorted(n for n, k in unread_columns(inter, INTERACTION_COLUMNS).values()
                             if _EVENT_FLAG.fullmatch(k)))
    report.notes.append(f"{file}: the event of each line read from its flag columns ({names}): "
                        + ", ".join(f"{kind} {int((event == kind).sum()):,}" for kind in _FLAG_RANK if kind in flags))
    return left_out(inter, (event == "").to_numpy(), file, report,
                    f"{int((event == '').sum()):,} lines with no event flag set")


def previews_out(inter: pd.DataFrame, file: Path, report: IngestReport) -> pd.DataFrame:
    """Netflix's viewing activity lists the trailers, teasers and recaps that autoplay while
    a profile browses, each with its ``Supplemental Video Type``: 5,451 of one account's
    18,176 lines had trained as titles watched (real43-am). A line with such a type is no
    view of the title, left out with a note."""
    for col, (name, key) in unread_columns(inter, INTERACTION_COLUMNS).items():
        if key != "supplementalvideotype":
            continue
        kind = inter[col].astype(str).str.strip()
        kind = kind.where(~kind.isin(MISSING_VALUES), "")  # (R writes NA in every empty cell)
        if (kind != "").mean() > 0.9:
            continue  # (no account's browsing is nine tenths previews: another column)
        shown = sorted(kind[kind != ""].unique())[:3]
        return left_out(inter, (kind != "").to_numpy(), file, report,
                        f"{int((kind != '').sum()):,} lines are previews the service played ({name!r} "
                        f"{', '.join(map(repr, shown))}), no view of the title")
    return inter


GIVEN_BACK_UNIT_KEYS = frozenset({
    f"{a}{b}" for a, b in
    [*((w, u) for w in ("cancelled", "canceled", "cancel", "refunded", "refund") for u in ("units", "qty", "quantity")),
     *((u, w) for w in ("cancelled", "canceled", "refunded") for u in ("units", "qty", "quantity"))]})
"""Header names of a count of a line's units cancelled or refunded, beside the units
ordered: an Indian marketplace's ``Cancelled_Units`` (28.5 % of its lines cancelled whole;
real41-am), Magento's ``qty_canceled`` and ``qty_refunded``, WooCommerce's ``Refunded
Qty`` (written below 0). Not ``returned``: a hire's or a tool library's units returned
are a hire done, and no file name says those are loans (session am's review)."""

_AFTER_CANCELLATIONS = re.compile(r"ship|invoic|deliver|sold|fulfil|dispatch|net|billed|refund|cancel")
"""A quantity column's name that says it counts what went out (``qty_shipped``,
``Invoiced Quantity``, ``Units Sold``) or what is left (WooCommerce's ``Quantity (-
Refund)``): the cancelled units are not in it already."""


def units_given_back(inter: pd.DataFrame, file: Path, report: IngestReport) -> pd.DataFrame:
    """A line's units less those cancelled or refunded (:data:`GIVEN_BACK_UNIT_KEYS`, every
    such column: Magento gives both); a line with none left is no purchase, left out with
    a note. Read as ordered, 23,732 of a marketplace's 83,374 lines, cancelled whole, had
    trained as purchases. Only beside a quantity of units ordered (not one shipped or
    invoiced, :data:`_AFTER_CANCELLATIONS`), where each count is a whole number on every
    line that has one, all of one sign (WooCommerce writes its refunds below 0), and at
    most the units ordered on 99 lines in 100 (elsewhere it counts something else), and
    not in a loans file. Called after the prices are read, so a line total is divided by
    the units ordered."""
    names = inter.attrs.get("source_names", {})
    if "quantity" not in inter or loans_file(file) or _AFTER_CANCELLATIONS.search(header_key(names.get("quantity", ""))):
        return inter
    units = inter["quantity"].fillna(1.0).to_numpy(dtype=float)
    back = np.zeros(len(inter))
    read = []
    for col, (name, key) in unread_columns(inter, INTERACTION_COLUMNS).items():
        if key not in GIVEN_BACK_UNIT_KEYS:
            continue
        text = inter[col].astype(str).str.strip()
        count = pd.to_numeric(text.where(text != "", "0"), errors="coerce")
        if (count <= 0).all() and (count < 0).any():
            count = -count  # (WooCommerce's refunds, below 0)
        if count.isna().any() or (count < 0).any() or (count % 1 != 0).any() or not (count > 0).any():
            continue
        if (count.to_numpy(dtype=float) > units).mean() > 0.01:
            continue
        back += count.to_numpy(dtype=float)
        read.append(name)
    if not read:
        return inter
    said = " and ".join(repr(n) for n in read)
    left = units - back
    gone = left <= 0
    part = (back > 0) & ~gone
    if part.any():
        inter = inter.copy()
        inter.loc[part, "quantity"] = left[part]
        report.notes.append(f"{file}: {int(part.sum()):,} lines have some of their units in {said}: the units read "
                            "are those left")
    return left_out(inter, gone, file, report,
                    f"{int(gone.sum()):,} lines have all their units in {said} (cancelled or refunded): no purchase")


SERVICE_NAMES = frozenset({
    # (an Amazon.co.jp order history's bookkeeping lines beside its products: the order's
    # total, the card charge, shipping, a discount, points; real251-ax)
    "（注文全体）", "（クレジットカードへの請求）", "（配送料・手数料）", "（割引）", "（amazonポイント）", "（ポイント）",
    "（ギフト券）", "（amazonギフト券）",
    # UCI Online Retail's non-product stock codes, by their descriptions
    "postage", "dotcom postage", "carriage", "manual", "bank charges", "amazon fee", "discount", "samples",
    "adjust bad debt", "cruk commission",
    # what tills and shops put on a receipt besides products
    "shipping", "shipping fee", "shipping charge", "shipping cost", "delivery", "delivery charge", "delivery fee",
    "service charge", "service fee", "tip", "tips", "gratuity", "carrier bag", "carrier bags", "plastic bag",
    "bag fee", "bag charge", "deposit", "bottle deposit", "pfand", "leergut", "rounding", "rounding adjustment",
    # (and in other languages, and gift wrapping: a German shop's line-item objects; session
    # an's review)
    "versand", "versandkosten", "lieferkosten", "geschenkverpackung", "verpackung", "frais de port",
    "frais de livraison", "livraison", "emballage cadeau", "gastos de envio", "gastos de envío", "envío", "envio",
    "spese di spedizione", "spedizione", "gift wrap", "gift wrapping", "handling fee", "handling", "payment fee",
    "transaction fee", "cod fee", "porto", "versandkostenpauschale", "expressversand", "porto & verpackung",
    "porto und verpackung", "flat rate", "flat rate shipping", "standard shipping", "express shipping",
    "free shipping", "shipping & handling", "shipping and handling",
    # (Zoho Books' 'Shipping Charges' on its invoices' lines, plural; real111-aq)
    "shipping charges", "delivery charges", "service charges", "shipping costs", "shipping fees", "delivery fees",
    "handling charge", "handling charges", "freight", "freight charge", "freight charges", "courier charge",
    "courier charges", "packing charge", "packing charges",
    # (Canadian and US tills' environmental charges; real185-au)
    "enviro fee", "environmental fee", "eco fee", "ecofee", "recycling fee", "bottle fee", "container deposit"})
"""Names (or ids) of a line that is a fee or a service, not a product: a screen must never
show 'POSTAGE', which on UCI Online Retail is on more invoices than most products.
Compared whole, without case or extra spaces (``Discount bread`` is a product), and without
a carrier in brackets (``Versand (DHL)``)."""


_FEE_FIRST = r"(?:ongkir|ongkos kirim|biaya kirim|frete|kargo ucreti|kargo ücreti)(?:\s.*)?"
"""A shipping fee by its first words, a carrier after them: an Indonesian till's 'Ongkir
Spx', a Brazilian 'Frete Sedex', a Turkish 'Kargo Ücreti' (round 46)."""


BAG_AND_DEPOSIT_NAMES = frozenset({
    # (a till's carrier bag in other languages: Polish, Swedish, Danish and Norwegian, German,
    # Dutch, French, Spanish, Finnish, Italian, Portuguese; a Swedish receipt log's 'Bärkasse
    # papper' was its fifth item, a Polish one's 'reklamówka' and 'torba papierowa' were
    # products; real222-aw; review 76. Not a bare 'torba', 'bolsa' or 'borsa')
    "reklamówka", "reklamowka", "torba papierowa", "torba foliowa", "torebka foliowa", "torebka papierowa",
    "bärkasse", "bärkasse papper", "bärkasse plast", "plastpåse", "papperspåse", "bærepose", "bæreposer",
    "handlepose", "tragetasche", "tragetüte", "papiertüte", "plastiktüte", "papiertragetasche", "draagtas",
    "plastic tas", "sac cabas", "sac plastique", "sac papier", "bolsa de plástico", "bolsa plástica",
    "bolsa de papel", "plastic bags", "paper bag", "paper bags", "shopping bag", "carry bag", "muovikassi",
    "paperikassi", "sacchetto", "shopper biodegradabile", "sacola", "sacola plástica", "statiegeld",
    "einwegpfand", "mehrwegpfand", "pfand-rückgabe", "pfandrückgabe", "pantti"})
"""A carrier bag's or a deposit's name, a fee only where its price is a small share of what
the lines cost (:func:`service_lines`): a bag shop sells a 'Shopping Bag' at 89.00 and a
'Tragetasche' as products (review 76)."""
_DEPOSIT_FIRST = (r"(?:pfand|leergut|bärkasse|einwegpfand|mehrwegpfand|pantti|statiegeld)(?:[\s-].*)?"
                  # (German compounds, 'Kastenpfand', 'Flaschenpfand'; English 'Bottle deposit';
                  # review 81)
                  r"|[a-zäöü]+pfand(?:[\s-].*)?|(?:einweg|mehrweg|ew|mw)-pfand(?:[\s-].*)?"
                  r"|(?:bottle|crate|can|keg|container)\s+deposit(?:\s.*)?"
                  # (California's 'CRV', 'Btl Dep', Québec's 'Consigne bouteilles'; review 82)
                  # (not a Honda CR-V's accessories, 'CRV Key Fob Cover'; review 84)
                  # ('CRV Fee', 'CRV $0.05', 'CA CRV $0.10' are; review 86)
                  r"|(?:ca\s+)?crv(?:\s*(?:[\d$(<>¢]|fee|tax).*)?|btl\.?\s?dep.*|consigne(?:\s.*)?"
                  # (Poland's 'Kaucja za butelkę', Denmark's 'Pant A', Romania's 'Garanție SGR',
                  # Hungary's 'Betétdíj', Slovakia's 'Záloha', Ireland's 'DRS Deposit'; review 84)
                  r"|kaucja(?:\s.*)?|pant\s+[abc](?:\s.*)?|garan[tț]ie\s+sgr.*|sgr(?:\s.*)?|bet[eé]td[ií]j.*"
                  r"|z[aá]loh(?:a|ov[aá])(?:\s.*)?"
                  r"|drs\s+deposit.*"
                  # (a deposit with its amount, REWE's 'PFAND 0,25 EURO'; a Nordic 'Pant 1,00': not
                  # a garment's 'Pant 2-Pack' or 'Pant 34x32'; real222-aw, review 76)
                  r"|pant\s+\d+[.,]\d{2}(?:\s*(?:kr|sek|nok|dkk|€|eur))?")
"""A deposit's or a bag's line by its first word, price-checked as :data:`BAG_AND_DEPOSIT_NAMES`."""
CHEAP_SHARE = 0.3
"""A bag's price, at most this share of the other lines' median price (a Polish
household's paper bag at 1.00 zł beside a median line of 4.49: the harness, real197-av; a
boutique's own tote at 19.90 beside clothes at 49.90 is a product: review 78)."""
DEPOSIT_SHARE = 0.5
"""A deposit's price, at most this share of the other lines' median: a bottle or crate
deposit is no product anywhere, and a drinks shop's crate deposit of 3.10-3.42 beside
water crates at 8.99 (0.37 of them) had been its most sold 'product' at the bag's 0.3
(review 79)."""
_DEPOSIT = re.compile(r"[\w-]*pfand|leergut|pantti|statiegeld|pant\s+(?:\d|[abc]\b)|(?:bottle|crate|can|keg|container)\s+deposit"
                      r"|(?:ca\s+)?crv(?:\s*(?:[\d$(<>¢]|fee|tax)|$)|btl\.?\s?dep|consigne|kaucja|garan[tț]ie\s+sgr|sgr\b"
                      r"|bet[eé]td[ií]j"
                      r"|z[aá]loha|drs\s+deposit")


_DISCOUNT_LINE = (r"(?:[^\s\d]\S* ){1,3}(?:discount|rabatt|remise|descuento|sconto|korting|desconto)"
                  r"|\d+(?:[.,]\d+)?\s?% (?:discount|rabatt)|(?:discount|rabatt) \d+(?:[.,]\d+)?\s?%")
"""A discount's line under its own name: Zoho's 'VIP Discount', a 'Loyalty Discount' (words,
then the word; not 'Discount bread', which starts with it), '10% Discount', 'Discount 5%'."""


def service_lines(inter: pd.DataFrame, items: pd.DataFrame, file: Path,
                  report: IngestReport) -> tuple[pd.DataFrame, pd.DataFrame]:
    """``(inter, items)`` without the items named as fees or services
    (:data:`SERVICE_NAMES`) and their lines, which are left out as no purchase. Only in a
    shop's lines (a price, a quantity or a basket on them): in a listening log 'Tip' and
    'Discount' are artists."""
    if not (inter["price"].notna().any() or inter["quantity"].notna().any() or (inter["session_id"] != "").any()):
        return inter, items

    def named(values: pd.Series, cheap: bool = False) -> np.ndarray:
        text = values.fillna("").astype(str).str.strip().str.lower().str.replace(r"\s+", " ", regex=True)
        bare = text.str.replace(r"\s*\([^()]*\)$", "", regex=True)  # ('Versand (DHL)')
        if cheap:
            return (text.isin(BAG_AND_DEPOSIT_NAMES) | bare.isin(BAG_AND_DEPOSIT_NAMES)
                    | text.str.fullmatch(_DEPOSIT_FIRST)).to_numpy()
        return (text.isin(SERVICE_NAMES) | bare.isin(SERVICE_NAMES) | text.str.fullmatch(_DISCOUNT_LINE)
                | text.str.fullmatch(_FEE_FIRST)).to_numpy()

    item_names = items["name"] if "name" in items else pd.Series("", index=items.index, dtype=object)
    service = set(items["item_id"][named(item_names) | named(items["item_id"])]) if len(items) else set()
    ids = pd.Series(pd.unique(inter["item_id"].to_numpy()), dtype=object)  # (a few thousand of 2M lines)
    service |= set(ids[named(ids)])
    bags = set(items["item_id"][named(item_names, True) | named(items["item_id"], True)]) if len(items) else set()
    names_of = dict(zip(items["item_id"], item_names, strict=True)) if len(items) else {}
    bags |= set(ids[named(ids, True)])
    if bags and inter["price"].notna().any():
        # (a bag's or a deposit's price, a small share of the lines' own: not a bag shop's)
        prices = inter["price"].where(inter["price"] > 0)
        # (the other lines' median: a drinks shop's deposit after every crate would be the
        # median itself; review 77)
        others = prices[~inter["item_id"].isin(bags)]
        median = float(others.median()) if others.notna().any() else 0.0
        own = prices[inter["item_id"].isin(bags)].groupby(inter["item_id"]).median()
        bags = {i for i in bags if i not in own.index or pd.isna(own[i]) or own[i] <= median * (
            DEPOSIT_SHARE if _DEPOSIT.match(str(names_of.get(i) or i).strip().lower()) else CHEAP_SHARE)}
    service |= bags
    if not service:
        return inter, items
    drop = inter["item_id"].isin(service).to_numpy()
    names = dict(zip(items["item_id"], item_names, strict=True)) if len(items) else {}
    counts = inter["item_id"][drop].value_counts()
    said = ", ".join(f"{(names.get(i) or i)!r} ({n:,})" for i, n in counts.head(5).items())
    # (items of a line's list: the line stays for its products; session an's review)
    what = "items listed on the lines" if "_line" in inter and inter["_line"].duplicated().any() else "lines"
    inter = left_out(inter, drop, file, report, f"{int(drop.sum()):,} {what} are fees or services, no product "
                     f"({said}{', ...' if len(counts) > 5 else ''})")
    return inter, items[~items["item_id"].isin(service)].reset_index(drop=True)


def skip_rows(frame: pd.DataFrame, mask: np.ndarray, column: str, file: str, report: IngestReport,
               reason: Any) -> pd.DataFrame:
    """``frame`` without the rows in ``mask``, each reported as a bad row of ``file``
    (``reason(value of column)`` says why) and moved from kept to skipped in its counts:
    checks the loader makes after :func:`.table.read_table` has counted the file."""
    for line, value in zip(frame["_line"][mask], frame[column][mask], strict=True):
        report.add_error(file, int(line), column, reason(value))
    stats = report.stats(file)
    stats.rows_skipped += int(mask.sum())
    stats.rows_kept -= int(mask.sum())
    return frame.loc[~mask].reset_index(drop=True)
