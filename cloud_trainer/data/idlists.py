"""Ids joined in one cell (``2|2|23|68``, ``"27,26"``, ``19834 1111 11595``): how a column's
cells say they are lists of products, for the line reader (:mod:`.lines`), a basket
column read as the items (:mod:`.table`) and a headerless file's list column
(:mod:`.headerless`), and dishes each with its count (``2 x Mutton Rogan Josh, 3 x Veg
Pulao``) for the line reader and the table's listed-items column. A module of its own so
that none of those imports another for it."""

from __future__ import annotations

import re
from collections import Counter

_TOKEN = r"[A-Za-z0-9_.\-]+"
JOINED = {sep: rf"{_TOKEN}(?:\{sep}{_TOKEN})*" for sep in ("|", ",", " ")}
_GROUPED = re.compile(r"-?\d{1,3}(?:,\d{3})+(?:\.\d+)?")
"""A number with its thousands grouped, as a spreadsheet shows it: ``1,234``, ``37,789.00``."""


def joined_ids(cells: list[str]) -> str | None:
    """The separator, ``|``, ``,`` or a space, that joins ids in ``cells`` (a column's
    first cells), or None: where a third of the given cells or more hold it and every cell
    is bare tokens so joined (with spaces, each token with a digit: PoliMi's playlists
    ``19834 1111 11595``, where 'Ice Cream' is a name; real16-ah). With commas or spaces,
    only where the lists are of several lengths (a SKU and its size, ``TSHIRT14,M``, are
    always two) and their ids come back on other cells for half their places (an order's
    ``1005,1006,1007`` do not), and not where the cells are numbers with their thousands
    grouped (session ah's review)."""
    given = [c.strip() for c in cells if c.strip()]
    for sep in ("|", ",", " "):
        joined = [c for c in given if sep in c]
        if joined and sep == "," and len(joined) * 3 < len(given) and _lists_of_lone_ids(given, joined):
            return sep
        if not joined or len(joined) * 3 < len(given):
            continue
        if not all(re.fullmatch(JOINED[sep], c) for c in given):
            return None
        if sep == " " and not all(any(ch.isdigit() for ch in t) for c in given for t in c.split()):
            return None  # (words with spaces are a name: 'Ice Cream')
        if sep != "|":
            if all(_GROUPED.fullmatch(c) for c in joined):
                return None
            lists = [c.split(sep) for c in given]
            seen = Counter(t for parts in lists for t in set(parts))
            places = sum(len(parts) for parts in lists)
            if len({len(parts) for parts in lists}) < 3 or 2 * sum(
                    seen[t] >= 2 for parts in lists for t in parts) < places:
                return None
        return sep
    return None


def _lists_of_lone_ids(given: list[str], joined: list[str]) -> bool:
    """Whether a minority of comma lists (one in 30 cells or more, ten at least) join ids
    that stand alone in the column's other cells: nine in ten of their parts so. Etsy's
    sold orders write a multi-item order's SKUs in one cell (``659839779733,659839703509``,
    104 of 1,042 lines, 261 of 262 parts sold alone too); each list had been an item
    (real129-ar). Not numbers with their thousands grouped, nor lists of words."""
    if len(joined) < 10 or len(joined) * 30 < len(given) or any(_GROUPED.fullmatch(c) for c in joined):
        return False
    if not all(re.fullmatch(JOINED[","], c) for c in joined):
        return False
    alone = {c for c in given if "," not in c}
    parts = [t for c in joined for t in c.split(",")]
    return sum(t in alone for t in parts) >= 0.9 * len(parts)


COUNTED_TEXT = re.compile(r"\s*(\d{1,3}(?:\.\d+)?)\s?[x×]\s+(\D.*?)\s*", re.IGNORECASE | re.DOTALL)
"""A dish with its count first and a spaced ``x`` (``2 x Mutton Rogan Josh``, ``3x Veg
Pulao``); a name that starts with a digit is a size (``2 x 4 Lumber``)."""
NEXT_COUNTED = re.compile(r",\s*(?=\d{1,3}(?:\.\d+)?\s?[x×]\s+\D)", re.IGNORECASE)
"""Where such a list moves to its next dish: a comma inside a name is no such place."""


COUNTED_AFTER = re.compile(r"\s*(\S.*?)\s[x×]\s?(\d{1,3})\s*(?:[,;|\n]|$)", re.IGNORECASE | re.DOTALL)
"""One product of a list whose counts come after the names, ``Product A x 1, Product B x
2`` (WooCommerce's Analytics > Orders 'Product(s)': every product with its count, ``x 1``
too; real179-au). Found from a cell's start, each ends at its count: a comma inside a
name is no place to split. Between them a comma, a semicolon, a pipe or a line break
(review 68)."""
_ALL_COUNTED_AFTER = re.compile(r"(?:\s*\S.*?\s[x×]\s?\d{1,3}\s*(?:[,;|\n]|$))+", re.IGNORECASE | re.DOTALL)


def counted_text(cells: list[str]) -> bool:
    """Whether nine in ten of the first thousand written cells are an order's dishes, each
    count first (:data:`COUNTED_TEXT`) or each count after (:data:`COUNTED_AFTER`), commas
    between them, and a tenth or more list several: a delivery partner's dashboard export
    (Zomato's and Swiggy's 'Items in order', ``2 x Mutton Rogan Josh, 3 x Veg Pulao``;
    review 57), WooCommerce's orders (``Product A x 1, Product B x 2``)."""
    given = [c for c in cells if c.strip()][:1000]
    return len(given) >= 20 and (counts_first(given) or counts_after(given))


def counts_first(given: list[str]) -> bool:
    """Whether nine in ten of ``given`` (written cells) are lists of :data:`COUNTED_TEXT`,
    each count first, a tenth or more of several."""
    return sum(bool(COUNTED_TEXT.fullmatch(c)) for c in given) >= 0.9 * len(given) and sum(
        bool(NEXT_COUNTED.search(c)) for c in given) >= 0.1 * len(given)


def counts_after(given: list[str]) -> bool:
    """Whether nine in ten of ``given`` (written cells) are lists of :data:`COUNTED_AFTER`,
    a tenth or more of several products, the counts 1 on three pieces in ten or more, as an
    order's are, and nine names in ten not ending in a number or a unit: a print shop's
    ``Poster 30 x 40`` is a size and ``Coca-Cola 330ml x 24`` a multipack (review 68: read
    as counts, 50 products had become 40, each bought 40 or 70 times)."""
    if not (sum(bool(_ALL_COUNTED_AFTER.fullmatch(c)) for c in given) >= 0.9 * len(given) and sum(
            len(COUNTED_AFTER.findall(c)) >= 2 for c in given) >= 0.1 * len(given)):
        return False
    pieces = [piece for c in given for piece in COUNTED_AFTER.findall(c)]
    # (a name ending in a measure, or in a number before a count above 1: 'iPhone 15 x 1' is a
    # phone, 'Poster 30 x 40' a size)
    measured = sum(bool(_MEASURED_END.search(name)) or (name.rstrip()[-1:].isdigit() and count != "1")
                   for name, count in pieces)
    return sum(count == "1" for _, count in pieces) >= 0.3 * len(pieces) and measured <= 0.1 * len(pieces)


_MEASURED_END = re.compile(r"(?i)\d\s*(?:ml|cl|l|g|kg|mg|oz|lb|cm|mm|m|in|ft|pcs|pk|\"|')$")
"""A name that ends in a measure: a size or a pack, not a product before its count."""
