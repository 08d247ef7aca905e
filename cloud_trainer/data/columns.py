"""Rules on one column's values once a file's rows are read, before they are typed:
missing-value markers and Excel's text formulas, ids written as floats or in
scientific notation, customers and times an order export writes on its first line
only, anonymous baskets, day numbers, and the columns whose values decide what they
are (an event column called ``type``, a product column better than the line's key).
"""

from __future__ import annotations

import re
from collections.abc import Collection, Iterator

import numpy as np
import pandas as pd

from . import headerless
from .headers import CUSTOMER_KEYS
from .ingest import IngestReport
from .names import header_key, is_passed_over, passed_over
from .schema import (
    ANONYMOUS_BASKET,
    DAY_NUMBER_KEYS,
    GUARDED_ITEM_ALIASES,
    INTERACTION_COLUMNS,
    ITEM_ALIASES,
    MISSING_VALUES,
    NO_ACTION,
    NOT_A_SALES_DATE,
    STRONG_ITEM_KEYS,
    USER_ALIASES,
    Column,
    DataError,
    TableSpec,
    event_of_name,
)
from .timestamps import DAY_ZERO, month_number

ORDER_NUMBER_KEYS = ("ordernumber", "orderno", "ordernr", "ordernummer", "order#", "orderno.", "receipt", "siparisnumarasi",
                     "siparisno", "номерзаказа",  # (Trendyol, Ozon)
                     "ponumber", "pono", "ponum", "sonum",  # (a supplier's purchase orders from Wayfair, 'PO Number'; real178-au)
                     "kodepesanan", "nopesanan", "nomorpesanan",  # (Shopee Indonesia's order code; real186-au)
                     "suborderno", "subordernumber")  # (Meesho's order lines, 'Sub Order No'; real191-au)
"""An order's number: the basket where the column read as it names each line alone
(:func:`better_basket_column`). Not a basket by name: Instacart's ``order_number``
counts a shopper's orders (:mod:`.clocks`)."""


def better_basket_column(frame: pd.DataFrame, header: list[str], raw: list[str], basket: Column,
                         name: str, notes: list[str]) -> tuple[pd.DataFrame, list[str]]:
    """Another basket column, when the one read as ``session_id`` names every line alone
    while another basket name's column groups them: eBay's orders report gives each line
    item its own ``Transaction ID`` beside the order's ``Order Number``, so every item was
    a basket of its own. A note says which and why. Without a basket column, an order
    number's column (:func:`_order_number_basket`)."""
    if "session_id" not in header and len(frame) >= 2:
        return _order_number_basket(frame, header, raw, name, notes)
    if "session_id" not in header or len(frame) < 2:
        return frame, header
    chosen = frame["session_id"]
    if chosen.head(10_000)[chosen.head(10_000) != ""].duplicated().any():
        return frame, header  # baskets of several lines, seen in the first lines (the usual case: no pass over all)
    chosen = chosen.astype(str).str.strip()
    given = chosen[chosen != ""]
    if given.empty and "user_id" in header:
        # Blank on every line: no basket column at all, so an order number's still is
        # (WooCommerce's 'Transaction ID', the payment gateway's, beside 'Order Number':
        # each line had been a visit of its own; real17-ai).
        notes.append(f"{name}: column {raw[header.index('session_id')]!r} is blank on every line: not read as "
                     "session_id")
        frame, header = _set_aside(frame, header, raw, "session_id")
        return _order_number_basket(frame, header, raw, name, notes)
    if given.duplicated().any():
        return frame, header  # baskets of several lines: right as it is
    for i, other in _grouping_columns(frame, header, raw, set(basket.aliases) | set(ORDER_NUMBER_KEYS)):
        at = header.index("session_id")
        notes.append(f"{name}: {raw[i]!r} read as session_id (the basket): {raw[at]!r} names each line alone, "
                     f"{raw[i]!r} has {other.nunique():,} values on {len(other):,} lines")
        return _read_instead(frame, header, raw, "session_id", i)
    return frame, header


def _grouping_columns(frame: pd.DataFrame, header: list[str], raw: list[str], keys: set[str]
                      ) -> Iterator[tuple[int, pd.Series]]:
    """The columns the schema did not read whose name is one of ``keys`` and whose values
    could group lines (given on 95 % of them, some repeated), with those values."""
    known = set(INTERACTION_COLUMNS)
    for i, h in enumerate(header):
        if h in known or header_key(raw[i]) not in keys:
            continue
        values = frame[h].astype(str).str.strip()
        if (values == "").mean() < 0.05 and values.duplicated().any() and not (
                "user_id" in header and across_shoppers(frame["user_id"], values)):
            yield i, values


def across_shoppers(users: pd.Series, values: pd.Series) -> bool:
    """Whether a column's repeated values join lines of different shoppers, in a fifth of
    the groups that name two shoppers or more: a line key repeated by a defect, not a basket
    (an ETL lab's 'transaction_id', 13 repeats on 1,000 lines, each joining two orders of
    two customers weeks apart; read as the basket, a blank customer was filled in from
    another's line; real103-aq). A basket is one shopper's."""
    users = users.astype(str).str.strip()
    named = users != ""
    shared = pd.DataFrame({"group": values[named], "user": users[named]})
    shared = shared[shared["group"].duplicated(keep=False)]
    if shared.empty:
        return False
    per = shared.groupby("group")["user"].nunique()
    # (five such groups at least: one order naming two customers says little; its own
    # lines then keep their gaps)
    return len(per) >= 5 and bool((per > 1).mean() > 0.2)


def counts_from_one(values: pd.Series) -> bool:
    """Whether an order number's values are a count (whole numbers from 1: Instacart's
    ``order_number``, a till's receipt counter) rather than orders' ids."""
    numbers = pd.to_numeric(values, errors="coerce")
    return bool(numbers.notna().all() and (numbers % 1 == 0).all() and numbers.min() <= 1)


def _order_number_basket(frame: pd.DataFrame, header: list[str], raw: list[str], name: str,
                         notes: list[str]) -> tuple[pd.DataFrame, list[str]]:
    """An order number's column (:data:`ORDER_NUMBER_KEYS`) as the basket, in a file with
    no basket column, where its values are orders and not a count of each shopper's
    (Instacart's ``order_number`` 1, 2, 3 is each shopper's sequence, read by
    :mod:`.clocks`): every order of one shopper, or, without shoppers, not whole numbers
    from 1. Jumia's ``Order Number``, Walmart's ``Order#``, a MongoDB ``orderNo`` had left
    the file without baskets (a guest's lines bad rows)."""
    for i, orders in _grouping_columns(frame, header, raw, set(ORDER_NUMBER_KEYS)):
        h = header[i]
        if "user_id" in header:
            users = frame["user_id"].astype(str).str.strip()
            given = users != ""
            shared = pd.DataFrame({"o": orders[given], "u": users[given]}).groupby("o")["u"].nunique()
            if (shared > 1).mean() > 0.02:
                continue  # (order 1, 2, 3 of many shoppers: a sequence)
        elif counts_from_one(orders):
            continue
        notes.append(f"{name}: {raw[i]!r} read as session_id (the basket): each of its {orders.nunique():,} "
                     "orders is one shopper's")
        frame = frame.rename(columns={h: "session_id"})
        return frame, ["session_id" if x == h else x for x in header]
    return frame, header


def better_item_column(frame: pd.DataFrame, header: list[str], raw: list[str], name: str,
                        notes: list[str]) -> tuple[pd.DataFrame, list[str]]:
    """Another product column, when the one read as ``item_id`` cannot be the product:
    a count up line by line (Magento's ``sales_order_item.item_id`` is the line's key,
    beside ``product_id`` and ``sku``: taken only for such a product-id name), or blank on a fifth of the lines or more where
    the other is nearly always given (Lightspeed's ``UPC`` beside ``Item``; Square's
    ``SKU``, empty for products without one, beside ``Item``). Only a column the schema
    did not read that bears a usual name of the item; a note says which and why. Short
    of that, blank lines take their item from another column (:func:`_items_of_blank_lines`)."""
    n = len(frame)
    known = set(INTERACTION_COLUMNS)
    lead = header_key(raw[header.index("item_id")])
    if lead == "eventid" and n >= 50 and frame["item_id"].nunique() >= 0.9 * n:
        # (a show's id, read beside a count of tickets, differing on nearly every line: a
        # booking app's event log keyed by its own 'event_id' had become 300 one-off items
        # and been refused for too little data; review 75)
        raise DataError(f"{name}: column {raw[header.index('item_id')]!r}, read as the show tickets are for beside "
                        f"a count of tickets, differs on {frame['item_id'].nunique():,} of {n:,} lines: a log's own "
                        "key, not a show; name the column of what was bought item_id")
    fields = sorted((i for i, r in enumerate(raw) if header[i] not in known and re.fullmatch(
        re.escape(lead) + r"[/.](?:product|productid|sku|item|itemid)(?:[/.](?:internalreference|reference|code|id"
        r"|defaultcode|name))?", header_key(r))), key=lambda i: len(raw[i]))
    # (a field that names the line's product, not one blank on half the lines beside a
    # flattened 'product': :func:`_names_the_line`; session al's reviews)
    labels = frame["item_id"].astype(str).str.strip() if fields else None
    part = next((i for i in fields if _names_the_line(labels, frame[header[i]].astype(str).str.strip())), None)
    if part is not None:
        # Odoo's export of 'Order Lines' and its fields: the first is the line's label
        # ('S00074 - Screw Driver (Acme Corporation)'), 'Order Lines/Product' the product;
        # 131 labels had been the items of 50 products (real35-al).
        notes.append(f"{name}: {raw[part]!r} read as item_id: {raw[header.index('item_id')]!r} names the line, "
                     "its field the product")
        return _read_instead(frame, header, raw, "item_id", part)
    others = [i for i, h in enumerate(header) if h not in known and (
        (header_key(h) in ITEM_ALIASES and header_key(h) not in GUARDED_ITEM_ALIASES)
        or header_key(h) == SAP_MATERIAL)] if n >= 50 else []
    # (an item's name after its ids: Etsy's 'Item Name' before 'Listing ID' in its header)
    others.sort(key=lambda i: header_key(header[i]) in ("itemname", "itemdescription", "menuitem"))
    if not others:
        return _items_of_blank_lines(frame, header, raw, name, notes)
    # (a missing-value word is blank: Shopify's 'null' SKU had been blanked after this, its
    # line a bad row, where 'Lineitem name' would have named it; real26-aj)
    chosen = frame["item_id"].astype(str).str.strip()
    chosen = chosen.where(~chosen.isin(MISSING_VALUES), "")
    blank = float((chosen == "").mean())
    distinct = chosen.nunique()
    for i in others:
        other = frame[header[i]].astype(str).str.strip()
        # (its missing-value words too: Fetch's 'barcode' 'NULL' on 55 % of the lines had
        # looked never blank, taken over 'itemNumber', and 3,701 lines that name their product
        # in 'description' were dropped; real55-an)
        # (and an id of zeros, a listing linked to no product; real214-av)
        other_blank = float((other.isin(MISSING_VALUES) | (other == "") | other.str.fullmatch(r"0+")).mean())
        # ('Material' is SAP's product only beside its line positions: elsewhere a fabric)
        material = header_key(header[i]) == SAP_MATERIAL
        if (not material and distinct == n and chosen.str.fullmatch(r"\d+").all()
                and header_key(header[i]) in STRONG_ITEM_KEYS and other.nunique() <= n / 2 and other_blank < 0.05):
            # (in any order: Magento's demo 'sales_order_item.csv' is sorted by product, its
            # 2,990 line keys read as 2,990 one-off items beside 200 SKUs; real35-al)
            if headerless.is_row_key(chosen.tolist()):
                why = f"counts {'up' if int(chosen.iloc[1]) > int(chosen.iloc[0]) else 'down'} line by line over " \
                      f"all {n:,} lines (a line's key, not a product)"
            else:
                why = f"is a number that differs on every one of the {n:,} lines (a line's key, not a product)"
        elif (not material and distinct == n and n >= 20 and other.nunique() <= n / 2 and other_blank < 0.05
              and (header_key(header[i]) in STRONG_ITEM_KEYS or header_key(header[i]).endswith("name"))
              and header_key(raw[header.index("item_id")]) not in STRONG_ITEM_KEYS  # (a 'SKU' a piece: review 74)
              # (nor beside a few kinds, a resale shop's 'Item Name' Jacket, Boots, Dress, Bag beside
              # its pieces' 'Item ID' CS-10001 ...: 200 pieces had become 4 items; review 75)
              and other.nunique() > 10
              and (numbered := _prefixed_numbers(chosen)) is not None and headerless.is_row_key(numbered)):
            # (a delivery app's order items numbered 'ITEM_0000001', 'ITEM_0000002' ... beside
            # their 'item_name': 50,000 one-off items; real210-av. Not beside a garment's type,
            # 'article': a shop of one-off pieces)
            why = f"numbers the lines ({chosen.iloc[0]!r}, {chosen.iloc[1]!r}, ...: a line's key, not a product)"
        elif (not material and n >= 50 and distinct >= 0.99 * n and header_key(header[i]) in _TITLE_CODES
              and other.nunique() <= n / 2 and other_blank < 0.05):
            # (a bookshop's till: 'ItemID' each copy's own, 7,783 of 7,785 lines, beside the
            # 'ISBN' of 93 titles; read as 7,783 one-off items, the editions file unmatched and
            # the file refused for too little data; real241-ax)
            why = f"differs on {distinct:,} of {n:,} lines (each copy's or line's own id, not a product)"
        elif not material and blank >= 0.2 and other_blank <= blank / 4:
            why = f"is blank on {blank:.0%} of the lines, {raw[i]!r} on {other_blank:.0%}"
        elif _line_positions(chosen) and other.nunique() >= 2 * distinct and other_blank < 0.05:
            # SAP's 'Item' is the line's position in its document (10, 20, 30) beside
            # 'Material': read as the product, a store sold four things.
            why = f"holds {distinct} small numbers (a line's position in its document), {raw[i]!r} {other.nunique()}"
        else:
            continue
        at = header.index("item_id")
        notes.append(f"{name}: {raw[i]!r} read as item_id: {raw[at]!r} {why}")
        return _read_instead(frame, header, raw, "item_id", i)
    return _items_of_blank_lines(frame, header, raw, name, notes)


_TITLE_CODES = frozenset({"isbn", "isbn13", "isbn10", "ean", "ean13", "upc", "gtin", "barcode"})
"""A product's trade code (a book's ISBN, a barcode): the product beside an id that is
each copy's or line's own."""


def _prefixed_numbers(values: pd.Series) -> list[str] | None:
    """The numbers of ids that are one prefix and a number each ('ITEM_0000001'), as text
    without their zeros; None where they are not."""
    parts = values.str.extract(r"^([A-Za-z]+[_-]?)(\d+)$")
    if parts[0].isna().any() or parts[0].nunique() != 1:
        return None
    return [str(int(v)) for v in parts[1]]


SAP_MATERIAL = "material"
"""SAP's product column, read as the item only in place of SAP's line positions."""


def _line_positions(values: pd.Series) -> bool:
    """Whether a column holds line positions: whole numbers, few of them against the lines,
    each a multiple of 10 (SAP's 10, 20, 30) or all at most 50 (1, 2, 3 elsewhere) -- not
    a grocer's PLU codes (4011, 4664), which a weighed item's barcode column beside them
    would have replaced."""
    if not values.str.fullmatch(r"\d{1,4}").all() or values.nunique() * 10 > len(values):
        return False
    numbers = pd.to_numeric(values)
    return bool((numbers % 10 == 0).all() or numbers.max() <= 50)


def better_user_column(frame: pd.DataFrame, header: list[str], raw: list[str], name: str,
                        notes: list[str]) -> tuple[pd.DataFrame, list[str]]:
    """Another shopper column, when the one read as ``user_id`` is blank on nearly every
    line (Lazada's ``customerEmail``, withheld, beside ``customerName``): the first column
    the schema did not read that bears a usual name of the shopper and is given on most
    lines. Every line had been a bad row ('user_id: empty') and the file refused."""
    if "user_id" not in header or frame.empty:
        return frame, header
    # An exact look first (a 2M-line file's strip costs ~0.3 s): a blank column is blank.
    exact = float((frame["user_id"].to_numpy() == "").mean())
    if exact < 0.1:
        frame, header = _cashiers_not_shoppers(frame, header, raw, name, notes)
        return _owner_not_shopper(frame, header, raw, name, notes)
    if exact < 0.5 or float((frame["user_id"].astype(str).str.strip() == "").mean()) < 0.9:
        # (a Moroccan cash-on-delivery shop's orders: 'customer_email' blank on 15 of 38 lines,
        # 'customer_phone' on none; those lines had been bad rows; real108-aq. Not the lines
        # of an order whose first line names its shopper: the basket gives them theirs;
        # session aq's review)
        open_lines = None
        if "session_id" in header:
            basket = frame["session_id"].astype(str).str.strip()
            users = frame["user_id"].astype(str).str.strip()
            open_lines = (~basket.isin(set(basket[users != ""])) | (basket == "")).to_numpy()
            if float(((users == "").to_numpy() & open_lines).mean()) < 0.1:
                return frame, header
        return _phones_as_shoppers(frame, header, raw, name, notes, open_lines), header
    for i, h in _unread_by_names(header, raw, USER_ALIASES):
        given = frame[h].astype(str).str.strip()
        # (not a column of one name for most lines: a till's 'Walk-in Customer')
        if float((given == "").mean()) <= 0.5 and float(given.value_counts(normalize=True).iloc[0]) < 0.5:
            at = header.index("user_id")
            i = _customers_own_phone(frame, header, raw, i)
            notes.append(f"{name}: {raw[i]!r} read as user_id: {raw[at]!r} is blank on nearly every line")
            return _read_instead(frame, header, raw, "user_id", i)
    return _phones_as_shoppers(frame, header, raw, name, notes), header


_RECEIPT_NUMBER = re.compile(r"receipt(?:no|number|nr|id|num|#)?|bonnummer|bonnr|belegnr|belegnummer|ticketno")
_CUSTOMER_COLUMN = CUSTOMER_KEYS | {"customername", "kunde", "kundenname", "client", "memberid"}  # (Vend's 'Customer Name'; review 84)


def _cashiers_not_shoppers(frame: pd.DataFrame, header: list[str], raw: list[str], name: str,
                           notes: list[str]) -> tuple[pd.DataFrame, list[str]]:
    """The customer column instead of a till's ``user_id``, where the file numbers its
    receipts and ``user_id`` holds a handful of people (ten at most) beside a customer
    column of three times as many: the cashiers who rang the sales up (review 82: a
    receipts table's two cashier numbers had been its shoppers). An app's ``user_id`` of
    many people beside a payment's ``receipt_number`` stays the shopper (review 81)."""
    keys = [header_key(r) for r in raw]
    at = header.index("user_id")
    if keys[at] not in ("userid", "user", "username") or not any(_RECEIPT_NUMBER.fullmatch(k) for k in keys):
        return frame, header
    users = frame["user_id"].astype(str).str.strip()
    staff = users.nunique()
    if staff > 10 or len(frame) < 50:
        return frame, header
    for i, key in enumerate(keys):
        if key in _CUSTOMER_COLUMN and header[i] not in INTERACTION_COLUMNS:
            given = frame[header[i]].astype(str).str.strip()
            if given[given != ""].nunique() >= max(10, 3 * staff):
                notes.append(f"{name}: {raw[i]!r} read as user_id: {raw[at]!r} holds {staff} people beside the "
                             "till's receipt numbers (the staff who rang the sales up, not the shoppers)")
                return _read_instead(frame, header, raw, "user_id", i)
    return frame, header


def _owner_not_shopper(frame: pd.DataFrame, header: list[str], raw: list[str], name: str,
                       notes: list[str]) -> tuple[pd.DataFrame, list[str]]:
    """Another shopper column, when the one read as ``user_id`` holds one value on every
    line of 10 or more while a column bearing a shopper's usual name varies: the account
    that owns a multi-tenant app's data (a car-parts shop's MongoDB orders, each with the
    shop's ``user``, its customers under ``customerName``; round 44: every order had been
    one shopper's). A personal export's one buyer has no varying customer column beside it."""
    users = frame["user_id"].astype(str).str.strip()
    if len(frame) < 10 or users.nunique() != 1:
        return frame, header
    found = []
    for i, h in _unread_by_names(header, raw, USER_ALIASES):
        if header_key(raw[i]) in ("username", "user", "login", "uid"):
            continue  # (a till's login is its cashier's; review 66)
        given = frame[h].astype(str).str.strip()
        blank = float((given == "").mean())
        if blank <= 0.5 and float(given.value_counts(normalize=True).iloc[0]) < 0.5:
            found.append((blank, len(found), i))
    if not found:
        return frame, header
    # (the fullest: a customer's name on every order before an e-mail blank on three of
    # eight; review 65)
    i = min(found)[2]
    at = header.index("user_id")
    notes.append(f"{name}: {raw[i]!r} read as user_id: {raw[at]!r} is {users.iloc[0]!r} on every line "
                 "(the account the data belongs to, not a shopper)")
    return _read_instead(frame, header, raw, "user_id", i)


def _customers_own_phone(frame: pd.DataFrame, header: list[str], raw: list[str], at: int) -> int:
    """Shopify's customer-level ``Phone`` over the ``Billing Phone`` found first, where both
    are the same numbers but for how each checkout typed them: a Bangladeshi shop's
    returning customer had typed +88001847135555 at her third order, +8801847135555 at her
    first two, and been split in two, while her 'Phone' was one number (real209-av). Only
    where 'Phone' is given on as many lines, names no more people, and its last nine digits
    are the billing phone's on four lines in five: a bare 'Phone' may be the store's own."""
    if header_key(raw[at]) not in ("billingphone", "phone(billing)", "shippingphone"):
        return at
    billing = frame[header[at]].astype(str).str.strip()
    for i, h in enumerate(header):
        if h in INTERACTION_COLUMNS or header_key(raw[i]) != "phone":
            continue
        own = frame[h].astype(str).str.strip()
        both = (own != "") & (billing != "")
        if (own != "").sum() < (billing != "").sum() or own[own != ""].nunique() > billing[billing != ""].nunique() \
                or not both.any():
            continue
        tail = own[both].str.replace(r"\D", "", regex=True).str[-9:]
        if float((tail == billing[both].str.replace(r"\D", "", regex=True).str[-9:]).mean()) >= 0.8:
            return i
    return at


def _unread_by_names(header: list[str], raw: list[str], names: tuple[str, ...]) -> Iterator[tuple[int, str]]:
    """The columns the schema did not read whose header key is one of ``names``, in the
    order of ``names`` (a column's usual names are in order of preference): their places
    and frame names."""
    known = set(INTERACTION_COLUMNS)
    for alias in names:
        for i, h in enumerate(header):
            if h not in known and header_key(raw[i]) == alias:
                yield i, h


def better_price_column(frame: pd.DataFrame, header: list[str], raw: list[str], price: Column | None, name: str,
                        notes: list[str]) -> tuple[pd.DataFrame, list[str]]:
    """Another price column, when the one read as ``price`` is blank on most lines while a
    later usual name's is given: a shop's ``sale_price`` (read before a ``list_price``, as
    thelook's price paid) is blank but on promotions, 165 of 200 lines had gone unpriced
    (session aq's last review). The lines with a sale price keep it."""
    if price is None or "price" not in header or frame.empty:
        return frame, header
    given = frame["price"].astype(str).str.strip()
    if float((given == "").mean()) <= 0.5:
        return frame, header
    for i, h in _unread_by_names(header, raw, price.aliases):
        other = frame[h].astype(str).str.strip()
        if float((other == "").mean()) < 0.5:
            at = header.index("price")
            frame = frame.copy()
            frame["price"] = given.where(given != "", other)
            notes.append(f"{name}: {raw[at]!r}, read as price, is blank on most lines: those take {raw[i]!r}")
            return frame, header
    return frame, header


_PHONE = re.compile(r"(?=(?:\D*\d){7})[+(]?\d[\d\s().-]*")
"""A phone number as a shop writes it: seven digits or more, with spaces, dots, dashes,
brackets (``(373) 340-5302``) or a ``+`` first."""


def _phones_as_shoppers(frame: pd.DataFrame, header: list[str], raw: list[str], name: str,
                        notes: list[str], open_lines: np.ndarray | None = None) -> pd.DataFrame:
    """Lines without a shopper take the customer's phone (:data:`PHONE_KEYS`) as theirs,
    where the values are phone numbers and many (a store's own number on every line,
    a device's model in an app log's 'mobile', are no customer: session ag's review).
    Only the blank lines: a line that names its shopper keeps the name."""
    blank = (frame["user_id"].astype(str).str.strip() == "").to_numpy()
    if open_lines is not None:
        blank = blank & open_lines  # (lines their basket's named lines will give a shopper are not)
    known = set(INTERACTION_COLUMNS)
    for i, h in enumerate(header):
        if h in known or header_key(raw[i]) not in PHONE_KEYS:
            continue
        phones = frame[h].astype(str).str.strip()
        given = phones[blank & (phones != "").to_numpy()]
        # Many: a tenth of the orders or more (returning cash-on-delivery customers, 30
        # phones over 200 orders, are; a chain's four store phones over 86 are not).
        orders = frame["session_id"][given.index].nunique() if "session_id" in frame else len(given)
        if (len(given) < 0.5 * blank.sum() or not given.str.fullmatch(_PHONE).mean() >= 0.9
                or given.nunique() < max(3, 0.1 * orders)):
            continue
        frame = frame.copy()
        fill = blank & (phones != "").to_numpy()
        frame.loc[fill, "user_id"] = phones[fill]
        at = header.index("user_id")
        notes.append(f"{name}: {int(fill.sum()):,} lines without {raw[at]!r} take the customer's {raw[i]!r} as "
                     "their shopper (guest orders)")
        return frame
    return frame


PHONE_KEYS = ("phone", "billingphone", "shippingphone", "phonenumber", "mobilenumber", "customerphone")
"""A customer's phone, the shopper of the lines without one where the column read as the
shopper is blank on nearly every line (:func:`_phones_as_shoppers`): cash-on-delivery
shops' Shopify exports leave ``Email`` blank on 99 % of their guest orders and give a
``Phone`` on each (real5-ag: 21 returning customers had become one-visit shoppers); a
Moroccan shop's ``customer_email`` is blank on 40 % of its lines, its ``customer_phone`` on
none (real108-aq: a tenth blank is enough). Not a bare 'mobile' (an app log's device model)."""


_PERSON_DATE = re.compile(r"birth|dob|expir|since|signup|joined"
                          r"|(?:customer|user|member|account|client).*regist|regist.*(?:customer|user|member|account|client)")
"""Header keys of a person's or a card's date (``birth_date``, ``card_expiry``,
``customer_since``; and a customer's registration, not a line's own 'registered_at'): no
line's time, whatever it holds (session an's reviews)."""


def words_for_a_time(frame: pd.DataFrame, header: list[str], raw: list[str], name: str,
                     notes: list[str]) -> tuple[pd.DataFrame, list[str]]:
    """A column named as the time that holds no time: a few words and no digit, a context
    (CARSKit's DePaulMovie: ``Time`` is ``Weekend``, ``Weekday`` or ``NA``: every line had
    been a bad row and the file refused), or a clock's ``HHMM`` numbers with no date (930,
    2352: read as years where they could be, 25 of 200 lines on a span of 1903-2145;
    session ag's second review). Left unread, with a note; another column of written dates
    or times is then the time, else the file is read as one without times."""
    if "timestamp" not in header or len(frame) < 20:
        return frame, header
    values = frame["timestamp"].astype(str).str.strip()
    words = pd.Series(values[(values != "") & ~values.isin(MISSING_VALUES)].unique())
    if len(words) < 2:
        return frame, header
    if (words.str.fullmatch(r"-?\d{1,2}").all() and len(words) <= 12
            and header_key(raw[header.index("timestamp")]) not in DAY_NUMBER_KEYS):
        # A few small codes: LDOS-CoMoDa's 'time' of day (1-4, -1 where not given); the
        # file of 2,296 ratings had been refused for a bad timestamp '3' (real12-ag). A
        # 'day' of 1 to 7 is read as day numbers (:func:`read_day_numbers`).
        kind = f"a few codes ({', '.join(repr(w) for w in sorted(words, key=int)[:4])}), no times: a context"
    elif (words.str.fullmatch(r"\d{1,2}").all() and pd.to_numeric(words).between(0, 24).all()
          and re.search(r"hour|start|end|time", header_key(raw[header.index("timestamp")]))):
        # Hours of the day, all 24 of them: an EV charging log's 'startTime' 0-23 beside its
        # 'created' dates had made every one of 3,395 sessions a bad row (real47-an). Only
        # under a time's or an hour's name: a 'Date' of 1-24 beside 'Year' and 'Month' is a
        # day of the month (session an's review).
        kind = f"hours of the day ({', '.join(repr(w) for w in sorted(words, key=int)[:3])}, ...), no dates"
    elif words.str.fullmatch(r"\d{1,4}").all():
        clock = pd.to_numeric(words)
        if (not (_clock_numbers(clock, latest=1300) and len(words) >= 20)
                or clock.between(1900, 2199).all()):  # (years: 2001 .. 2023)
            return frame, header
        shown = ", ".join(repr(w) for w in words[:3])
        kind = f"times of day ({shown}: HHMM), no dates"
    elif len(words) > 12 or words.str.contains(r"\d").any():
        return frame, header
    else:
        kind = f"words ({', '.join(repr(w) for w in words[:3])}), no times: a context"
    at = header.index("timestamp")
    renamed = {"timestamp": passed_over(raw[at])}  # (and another column read as the time, below)
    # Another column of written dates or times is then the time (a log's 'logged' beside
    # its 'Time' of Weekend / Weekday; session ag's second review).
    known = set(INTERACTION_COLUMNS)
    for i, h in enumerate(header):
        if h in known or is_passed_over(h) or _PERSON_DATE.search(header_key(raw[i])):
            continue
        given = frame[h].astype(str).str.strip()
        given = given[(given != "") & ~given.isin(MISSING_VALUES)]
        if len(given) * 2 >= len(frame) and headerless.is_time(given.head(200).tolist(), epochs=False):
            renamed[h] = "timestamp"
            notes.append(f"{name}: column {raw[at]!r} holds {kind}; {raw[i]!r} holds dates or times and is read "
                         "as the timestamp")
            break
    else:
        notes.append(f"{name}: column {raw[at]!r} holds {kind}, not read as the timestamp")
    return renamed_columns(frame, header, renamed)


def filled_time_column(frame: pd.DataFrame, header: list[str], raw: list[str], name: str,
                       notes: list[str]) -> tuple[pd.DataFrame, list[str]]:
    """Another column named as a date, where the one read as the time is blank on most lines
    that name a shopper and that one is given on nine in ten of them: a grocer's ledger
    writes its restocks ('purchase date', the shop's own buying, no customer) and its sales
    ('date sold' beside 'cust') in one table; the restock date had timed the file, every
    sale a bad row (round 44)."""
    if "timestamp" not in header or "user_id" not in header or len(frame) < 10:
        return frame, header
    # The columns that could time the sales, by their names: most files have none, and then
    # no line is looked at (stripping a 2M-line column took 0.37 s on this machine).
    known = set(INTERACTION_COLUMNS)
    candidates = [i for i, h in enumerate(header)
                  if not (h in known or is_passed_over(h) or _PERSON_DATE.search(key := header_key(raw[i]))
                          or not re.search(r"date|time|datum|fecha|data|sold", key) or NOT_A_SALES_DATE.search(key))]
    if not candidates:
        return frame, header
    times = frame["timestamp"].astype(str).str.strip()
    shopper = (frame["user_id"].astype(str).str.strip() != "").to_numpy()
    blank = (times == "").to_numpy() & shopper
    if "session_id" in header:
        # (an order's date on its first line only, the basket giving it to the others, is no
        # blank: a delivery date had timed such an export; review 65)
        basket = frame["session_id"].astype(str).str.strip()
        blank &= ~(basket.isin(set(basket[times != ""])) & (basket != "")).to_numpy()
    if shopper.sum() < 10 or blank.sum() * 2 < shopper.sum():
        return frame, header
    for i in candidates:
        given = frame[header[i]].astype(str).str.strip()
        there = (given != "").to_numpy() & shopper
        if there.sum() * 10 >= shopper.sum() * 9 and headerless.is_time(given[there].head(200).tolist(),
                                                                          epochs=False):
            at = header.index("timestamp")
            notes.append(f"{name}: {raw[i]!r} read as the timestamp: {raw[at]!r} is blank on {blank.sum():,} of the "
                         f"{shopper.sum():,} lines that name a shopper, {raw[i]!r} given on them")
            return _read_instead(frame, header, raw, "timestamp", i)
    return frame, header


YEAR_KEYS = ("year", "anio", "ano", "jahr", "annee", "anno", "tahun", "yil", "rok", "jaar", "orderyear", "salesyear")
MONTH_KEYS = ("month", "mes", "mois", "monat", "mese", "bulan", "maand", "miesiac", "ordermonth", "salesmonth")
DAY_OF_MONTH_KEYS = ("day", "dia", "jour", "tag", "giorno", "dag", "hari", "dayofmonth", "orderday")
"""Header names of a date written in parts, one column each: a Mexican sell-out's ``Anio``
and ``Mes`` (``ene`` .. ``dic``), a sales sheet's ``Year``, ``Month``, ``Day``."""


def _names_the_line(labels: pd.Series, field: pd.Series) -> bool:
    """Whether ``field`` is the product of lines that ``labels`` name: given on 7 lines in 10
    or more, and either of half the labels' values or fewer, or of fewer values than labels
    that differ on 9 lines in 10 (a label a line), or written inside the label on 8 of 10
    lines where given (Odoo's ``S00074 - Screw Driver (Acme Corporation)``)."""
    given = (field != "").to_numpy()
    if given.mean() < 0.7:
        return False
    products, names = field[given].nunique(), labels[given].nunique()
    if (names >= 2 * products and given.mean() >= 0.95) or names >= 0.9 * int(given.sum()) > products:
        return True
    inside = [f in label for label, f in zip(labels[given].head(2000), field[given].head(2000), strict=True)]
    return names > products and sum(inside) >= 0.8 * len(inside)


def date_from_parts(frame: pd.DataFrame, header: list[str], raw: list[str], name: str,
                    notes: list[str]) -> tuple[pd.DataFrame, list[str]]:
    """A file that writes each line's date in parts, a year column and a month column (a
    number or a name) and perhaps a day of the month, and no time column: those dates are
    its times (a month's lines on its first day where no day is given). A sheet's ``Day``
    of 1-31 beside its ``Year`` and ``Month`` had been read alone as day numbers, three
    years folded into 28 days; a sell-out's ``Anio`` and ``Mes`` were not read and its
    months spread over a made-up year (real31-ak). Only where every year is one of
    1900-2199 within 10 years (a car's model year spans decades), every month a month and
    every day 1-31 (blank ones aside); a day column of 1-7 only over several months is a
    weekday, left out of the date; a time column of times of day alone (``13:38``) is
    joined to it (session al's review). ``raw``, the file's names, grows with ``header``
    in place."""
    timed = "timestamp" in header
    known = set(INTERACTION_COLUMNS) - {"timestamp"}
    parts: dict[str, int] = {}
    for i, h in enumerate(header):
        key = header_key(raw[i])
        if h in known or is_passed_over(h):
            continue
        for part, keys in (("year", YEAR_KEYS), ("month", MONTH_KEYS), ("day", DAY_OF_MONTH_KEYS)):
            if key in keys and part not in parts:
                parts[part] = i
    if "year" not in parts or "month" not in parts or len(frame) < 20:
        return frame, header
    clock: pd.Series | None = None
    if timed and header_key(raw[header.index("timestamp")]) not in DAY_OF_MONTH_KEYS:
        clock = frame["timestamp"].astype(str).str.strip()
        if not clock.str.fullmatch(r"(?:[01]?\d|2[0-3]):[0-5]\d(?::[0-5]\d)?(?:\s*[AaPp]\.?\s?[Mm]\.?)?|").all():
            return frame, header
    text = {part: frame[header[i]].astype(str).str.strip() for part, i in parts.items()}
    given = (text["year"] != "") & (text["month"] != "")
    if not given.any():
        return frame, header
    years = text["year"][given]
    months = text["month"][given].map({v: month_number(v) for v in text["month"][given].unique()})
    days = text["day"][given] if "day" in text else pd.Series("1", index=years.index)
    if (not years.str.fullmatch(r"(?:19|20|21)\d\d").all() or months.isna().any()
            or not days.str.fullmatch(r"0?[1-9]|[12]\d|3[01]").all()):
        return frame, header
    numbers = pd.to_numeric(years)
    span = float(numbers.quantile(0.99) - numbers.quantile(0.01))
    if span > 10:
        # A car dealer's model year beside the month (and day) sold spans 10-30 years; a
        # mistyped year is no span (session al's reviews). A 'Day' of the month is then no
        # time alone either (it had folded three years into 28 days).
        if timed and clock is None:
            notes.append(f"{name}: column {raw[header.index('timestamp')]!r} is a day of the month beside "
                         f"{raw[parts['year']]!r}, whose years span {span:.0f}: not read as the time (over 10 years "
                         "the year may be a model year; a longer sales history, write its dates in one column)")
            return _set_aside(frame, header, raw, "timestamp")
        return frame, header
    if "day" in parts and len(days) >= 40 and months.nunique() >= 2 and pd.to_numeric(days).max() <= 7:
        del parts["day"]  # a weekday's number, not the day of the month
        days = pd.Series("1", index=years.index)
    dates = pd.Series("", index=frame.index, dtype=object)
    dates[given] = years + "-" + months.astype(int).astype(str).str.zfill(2) + "-" + days.str.zfill(2)
    if clock is not None:
        timed_too = given & (clock != "")
        dates[timed_too] = dates[timed_too] + " " + clock[timed_too]
    shown = ", ".join(repr(raw[i]) for i in parts.values()) + (
        f" and {raw[header.index('timestamp')]!r}" if clock is not None else "")
    if timed:  # the day of the month or the time of day, read as the time: now one of its parts
        frame, header = _set_aside(frame, header, raw, "timestamp")
    frame = frame.assign(timestamp=dates)
    header.append("timestamp")
    raw.append("/".join(raw[i] for i in parts.values()))  # (the caller's raw header, in step with the header)
    notes.append(f"{name}: {shown} write each line's {'time' if clock is not None else 'date'} in parts: read together "
                 "as its time"
                 + ("" if "day" in parts else ", each line on its month's first day (the lines of a month share one time)"))
    return frame, header


def _read_instead(frame: pd.DataFrame, header: list[str], raw: list[str], field: str, i: int
                  ) -> tuple[pd.DataFrame, list[str]]:
    """Column ``i`` read as ``field``; the column that was is kept, as not read."""
    return renamed_columns(frame, header, {field: passed_over(raw[header.index(field)]), header[i]: field})


def _set_aside(frame: pd.DataFrame, header: list[str], raw: list[str], field: str
               ) -> tuple[pd.DataFrame, list[str]]:
    """The column read as ``field`` kept, as not read."""
    return renamed_columns(frame, header, {field: passed_over(raw[header.index(field)])})


def renamed_columns(frame: pd.DataFrame, header: list[str], renamed: dict[str, str]) -> tuple[pd.DataFrame, list[str]]:
    """``frame`` and ``header`` with the columns of ``renamed`` under their new names."""
    return frame.rename(columns=renamed), [renamed.get(h, h) for h in header]


ITEM_NAME_KEYS = ("lineitemname", "itemname", "productname", "itemtitle", "producttitle", "listingtitle",
                  "goodsname",  # (ECShop's, litemall's; session aq's review)
                  "fullproductname",  # (Odoo's point-of-sale lines; real19-ai)
                  "articlename", "artikelname", "artikelbezeichnung", "nomproduit", "nombreproducto",
                  "namaproduk", "nomeproduto",  # (an Indonesian till's blank SKU beside them; real28-ak)
                  # last, a bare 'description': Fetch's receipt lines name a product only so
                  # where it has no barcode (real3-af); read only for lines without a code,
                  # and only where most lines have none
                  "description")
"""A product's name, which names it where its code is blank (:func:`_items_of_blank_lines`)."""


def _items_of_blank_lines(frame: pd.DataFrame, header: list[str], raw: list[str], name: str,
                          notes: list[str]) -> tuple[pd.DataFrame, list[str]]:
    """Lines whose item column is blank take their item from other columns that, between
    them, name it on nearly every such line (an item id's other name first, then the
    product's name): a shop's products without a SKU (Shopify's ``Lineitem sku`` beside
    ``Lineitem name``; Etsy's ``SKU`` beside ``Listing ID``; Clover's ``Item Code``, blank
    on every line, beside ``Item Name``) had been bad rows, 48 of 151 lines of one export.
    Where no one column covers 90 % of them, the next fills what the first left blank:
    Fetch's receipt lines give ``itemNumber`` on 2 %, ``barcode`` on 43 % and a
    ``description`` on most of the rest, and 97.8 % of them had been bad rows. The lines
    with a code keep it; a note says how many took each column's value."""
    # An exact look first (0.02 s on 2 M lines, where stripping them all took 0.3 s): a
    # column of codes is rarely blank but for spaces.
    # (and a missing-value word: Shopify's 'null' SKU; real26-aj)
    blank = (frame["item_id"].to_numpy() == "") | marked_missing(frame["item_id"].astype(str)).to_numpy()
    if not blank.any():
        return frame, header
    known = set(INTERACTION_COLUMNS)
    # (a flattened name's last part: 'rewardsReceiptItemList.barcode', Power Query's
    # 'Column1.rewardsReceiptItemList.barcode'; real55-an. Only under the item column's own
    # prefix: an order's 'shipping_lines.description' is no product; session an's review)
    prefix = header_key(raw[header.index("item_id")]).rpartition(".")[0]
    keys = [key.rpartition(".")[2] if prefix and key.rpartition(".")[0] == prefix else key
            for key in (header_key(r) for r in raw)]
    others = sorted((i for i, h in enumerate(header) if h not in known and not is_passed_over(h)
                     and ((keys[i] in ITEM_ALIASES and keys[i] not in GUARDED_ITEM_ALIASES)
                          or keys[i] in ITEM_NAME_KEYS)),
                    key=lambda i: (keys[i] in ITEM_NAME_KEYS, keys[i] == "description"))  # an id before a name
    if blank.mean() < 0.5:
        # A bare 'description' names the product only where most lines have no code
        # (Fetch's receipts, 98 %): beside a code on most lines, a line without one is
        # freight, labour or a discount (Xero's invoices: 'Freight charge' had become
        # the most sold product; session ag's review), left to child_lines' rule.
        others = [i for i in others if keys[i] != "description"]
    given = {i: frame[header[i]].astype(str).str.strip() for i in others}
    given = {i: v.where(~v.isin(MISSING_VALUES), "") for i, v in given.items()}  # ('NULL' is none)
    # (nor an id of zeros: Tiny ERP's 'id_produto' 0 of a listing linked to no product, 38
    # products under one '0', the sixth best seller; real214-av)
    given = {i: v.where(~v.str.fullmatch(r"0+"), "") for i, v in given.items()}
    left = blank.copy()
    taken: list[tuple[int, np.ndarray]] = []
    for i in others:
        fill = left & (given[i] != "").to_numpy()
        if fill.any():
            taken.append((i, fill))
            left &= ~fill
    if not taken or (blank & ~left).sum() < 0.9 * blank.sum():
        return frame, header
    frame = frame.copy()
    for i, fill in taken:
        frame.loc[fill, "item_id"] = given[i][fill]
    at = header.index("item_id")
    said = (f"{raw[taken[0][0]]!r} (e.g. {given[taken[0][0]][taken[0][1]].iloc[0]!r})" if len(taken) == 1 else
            ", then ".join(f"{raw[i]!r} ({int(fill.sum()):,}, e.g. {given[i][fill].iloc[0]!r})" for i, fill in taken))
    notes.append(f"{name}: {int((blank & ~left).sum()):,} lines without {raw[at]!r} ({blank.mean():.0%}) take their item "
                 f"from {said}: products without a code are named so")
    return frame, header


def _synonyms(lowered: pd.Series, synonyms: dict[str, str]) -> pd.Series:
    """The choice each lower-case value is another name of, NaN where none: the exact
    value first (an --event-codes code such as '-1'), then the value without spaces, '_'
    or '-' (add_to_cart, Add To Cart)."""
    exact = lowered.map(synonyms)
    return exact.fillna(lowered.str.replace(r"[\s_-]", "", regex=True).map(synonyms))


def _actions(named: pd.Series, event: Column) -> set[str]:
    """The actions lower-case values that name one stand for (their choices), looked up
    once per distinct value: per line, a 20k-line Klaviyo export had taken 23 s."""
    return set(_action_of(pd.Series(named.unique(), dtype=object), event).dropna())


def _action_of(distinct: pd.Series, event: Column) -> pd.Series:
    """Each of ``distinct`` (lower-case values) as the action it names (itself, or what its
    other name stands for), NaN where it names none."""
    return distinct.where(distinct.isin(event.choices), _synonyms(distinct, event.synonyms))


PRODUCT_CLICKS = frozenset({"click", "clicks", "clicked"})
"""A ``type`` value that is a product view where the column's other values are a shop's
actions (:func:`event_column_by_values`)."""

PRODUCT_ACTIONS: dict[str, str | None] = {
    "detail": "view", "click": "view", "add": "cart", "checkout": "cart", "purchase": "purchase",
    "remove": None, "refund": None, "checkout_option": None, "promo_click": None}
"""What a product-action column's words mean (Coveo's SIGIR data set ``product_action``;
Google Analytics' enhanced e-commerce): a product's detail page or a click on it in a
list is a view, ``add`` is to the cart, and so is a product in ``checkout`` (not yet
bought). ``remove`` (from the cart), ``refund`` and the like are none of the four
actions (None): :data:`NO_ACTION`, left out with a note."""
PRODUCT_ACTION_KEYS = ("productaction", "ecommerceaction")


def _product_action_column(frame: pd.DataFrame, header: list[str], raw_header: list[str], event: Column,
                           known: set[str], name: str, report: IngestReport) -> tuple[pd.DataFrame, list[str]]:
    """A ``product_action`` column is the event column where its words are actions
    (:data:`PRODUCT_ACTIONS`, or the usual names): Coveo's browsing log has an
    ``event_type`` too, but its values say what kind of line it is (``pageview``,
    ``event_product``), and was refused (no item column), or read as a view for every
    line. That column is then kept under its own name, not read."""
    j = next((k for k, (h, r) in enumerate(zip(header, raw_header, strict=True))
              if header_key(r) in PRODUCT_ACTION_KEYS and h not in known), None)
    if j is None:
        return frame, header
    values = frame[header[j]].astype(str).str.strip().str.lower()
    given = values[values != ""]
    distinct = pd.Series(given.unique(), dtype=object)
    actions = distinct.map(PRODUCT_ACTIONS).fillna(_action_of(distinct, event))
    words = distinct[actions.notna() | distinct.isin(PRODUCT_ACTIONS)]
    if given.empty or given.isin(words).mean() < 0.9:
        return frame, header
    frame = frame.copy()
    frame[header[j]] = values.replace(
        {**{w: NO_ACTION for w, a in PRODUCT_ACTIONS.items() if a is None},
         **dict(zip(distinct[actions.notna()], actions.dropna(), strict=True))})
    header = list(header)
    if "event_type" in header:
        k = header.index("event_type")
        frame = frame.rename(columns={"event_type": raw_header[k] + " (not read)"})
        header[k] = raw_header[k] + " (not read)"
    frame = frame.rename(columns={header[j]: "event_type"})
    header[j] = "event_type"
    said = ", ".join(f"{v} as {a}" for v, a in zip(distinct, actions, strict=True) if pd.notna(a) and v != a)
    report.notes.append(f"{name}: column {raw_header[j]!r} read as event_type, its words as actions ({said})")
    return frame, header


GA_ACTION_CODES = {"1": "view", "2": "view", "3": "cart", "5": "cart", "6": "purchase"}
"""Google Analytics' (Universal Analytics, GA360) ``eCommerceAction.action_type``, as its
documentation gives them: 1 a click in a product list, 2 a product's detail view, 3 an
add to cart, 5 a checkout, 6 a purchase. 0 (an impression or no action), 4 (a removal
from the cart), 7 (a refund) and 8 (checkout options) are none of the four actions:
:data:`NO_ACTION`, left out with a note."""


def _ga_action_codes(frame: pd.DataFrame, header: list[str], raw_header: list[str], event: Column, name: str,
                     report: IngestReport) -> pd.DataFrame:
    """Google Analytics' action codes read as their actions where the event column is its
    ``eCommerceAction.action_type`` and ``--event-codes`` says nothing of them: the codes
    are the same in every GA export, so asking for them was a step in the way."""
    raw = raw_header[header.index("event_type")]
    if not header_key(raw).endswith("ecommerceaction.actiontype") or any(c in event.synonyms for c in GA_ACTION_CODES):
        return frame
    frame = frame.copy()
    values = frame["event_type"].astype(str).str.strip()
    frame["event_type"] = values.replace({**dict.fromkeys(("0", "4", "7", "8"), NO_ACTION), **GA_ACTION_CODES})
    found = values.isin(list(GA_ACTION_CODES))
    report.notes.append(f"{name}: column {raw!r}: Google Analytics' action codes read as its documentation gives "
                        f"them ({', '.join(f'{c} as {a}' for c, a in GA_ACTION_CODES.items())}; {int(found.sum()):,} "
                        "lines); 0 (an impression), 4 (a removal), 7 (a refund) and 8 are no action")
    return frame


def _constant_flag(frame: pd.DataFrame, header: list[str], raw_header: list[str], event: Column, name: str,
                   report: IngestReport) -> tuple[pd.DataFrame, list[str]]:
    """An event column holding one number on every line, which ``--event-codes`` does not
    name, is a flag that the row happened, not which action: a research repo's
    RetailRocket split into ``view_ecommerce.dat`` and ``purchase_ecommerce.dat``, each
    ``visitorid itemid event`` with ``event`` 1 throughout (real4-af). Every line had been
    a bad row, and the advice's example (``1=cart``) would have read the views as carts.
    Only where the file's name says which event its rows are (:func:`.schema.event_of_name`);
    the column is then left unread, and the name decides."""
    values = frame["event_type"].astype(str).str.strip()
    first = values.iloc[0]
    if (len(frame) < 20 or not re.fullmatch(r"-?\d+(?:\.0+)?", first) or first.lower() in event.synonyms
            or not bool((values.to_numpy() == first).all())):
        return frame, header
    word, _ = event_of_name(name)
    if word is None:
        # (only where the file's name says which event its rows are: a views-only
        # extract 'sample_events.csv' of code 0 would have been read as purchases, where
        # the error asks for --event-codes; session ag's review)
        return frame, header
    raw = raw_header[header.index("event_type")]
    report.notes.append(f"{name}: column {raw!r} is {first!r} on every line: a flag that the row happened, not "
                        f"which action it was, which the file's name says ({word!r}): not read as event_type "
                        "(--event-codes names the code if it is one)")
    return _set_aside(frame, header, raw_header, "event_type")


_EVENT_KINDS = frozenset({"paid", "free", "online", "virtual", "in person", "in-person", "hybrid", "offline",
                          "public", "private", "donation", "members only", "invite only"})
"""What a ticketing export's ``Event Type`` says of an event (Luma's Paid / Free)."""


_TICKETING = re.compile(r"^(?:ticket|rsvp|attendee|checkin|venue|donat)|^(?:program|programname|seat|seatnumber)$")
"""Header keys of a ticketing, an RSVP or a donation export's columns (``Attendee ID``,
``RSVP Time``, ``Ticket Type``, ``program``)."""


def _event_titles(frame: pd.DataFrame, header: list[str], raw_header: list[str], event: Column, name: str,
                  report: IngestReport) -> tuple[pd.DataFrame, list[str]]:
    """A column named as the event that holds no action at all but the events' titles or
    their kinds: a ticketing export's ``Event Name`` ('Investing for Beginners', 'Hamlet')
    beside its tickets, RSVPs or attendees, a charity's ``event_name`` ('Meal Trans') beside
    its programs, Luma's ``Event Type`` Paid / Free: what event a ticket is for, not what the
    shopper did; every line had been a bad row (real56-ao, real57-ao). Not read as
    event_type, with a note. Without such columns beside it, an app's own event names
    ('Watch Video', 'Log In', 'Course viewed'), like codes, still ask for ``--event-codes``:
    no test of the words tells an action from a title (session ao's reviews)."""
    values = frame["event_type"].astype(str).str.strip().str.lower()
    distinct = pd.Series(values.unique()[:5000], dtype=object)
    distinct = distinct[distinct != ""]
    if (distinct.empty or event.given_codes & set(distinct) or _action_of(distinct, event).notna().any()
            or distinct.str.fullmatch(r"-?\d+(?:\.\d+)?").any()):
        return frame, header
    raw = raw_header[header.index("event_type")]
    # (and a ticket seller's 'event_type' Exhibition / Sports / Theater beside 'ticket_id':
    # the show's kind; real199-av)
    titled = (header_key(raw) in ("eventname", "eventtitle", "event", "eventtype", "eventcategory", "eventkind")
              and any(_TICKETING.search(header_key(h)) for h in raw_header))
    if not (set(distinct) <= _EVENT_KINDS or titled):
        return frame, header
    shown = ", ".join(repr(v) for v in frame["event_type"].astype(str).str.strip().unique()[:2])
    report.notes.append(f"{name}: column {raw!r} names no action on any line ({shown}, ...): which event a line is "
                        "for, not what the shopper did; not read as event_type (--event-codes VALUE=EVENT reads it)")
    return _set_aside(frame, header, raw_header, "event_type")


BY_VALUES_EVENT_KEYS = ("type", "metric", "metricname",
                        # (a shop's 'activity' of views, carts and purchases had been read as
                        # purchases, every line; elsewhere a process's steps: real201-av)
                        "activity", "useractivity")
"""Header keys of a column read as the event column only where its values name actions
(:func:`event_column_by_values`)."""


def event_column_by_values(frame: pd.DataFrame, header: list[str], raw_header: list[str], spec: TableSpec,
                            name: str, report: IngestReport) -> tuple[pd.DataFrame, list[str]]:
    """A column called ``type`` (OTTO's ``clicks`` / ``carts`` / ``orders``) or ``metric``
    (Klaviyo's ``Viewed Product`` / ``Added to Cart`` / ``Ordered Product``) is the event
    column when nearly all its values name actions (with ``--event-codes``' too); by name
    alone it is too often something else (a payment type, a measure). Short of that, a
    note says how many do and the way to read it."""
    event = spec.column("event_type")
    known = {c.name for c in spec.columns}
    if event is None or frame.empty:
        return frame, header
    frame, header = _product_action_column(frame, header, raw_header, event, known, name, report)
    if "event_type" in header and not (frame["event_type"].astype(str).str.strip() != "").any():
        # (blank on every line: no event column at all, so a status column still says what
        # each line is; a Wayfair export's empty 'Event Type' had kept 64 cancelled lines
        # as purchases; real11-ag)
        raw = raw_header[header.index("event_type")]
        report.notes.append(f"{name}: column {raw!r} is blank on every line: not read as event_type")
        frame, header = _set_aside(frame, header, raw_header, "event_type")
    if "event_type" in header:
        frame, header = _constant_flag(frame, header, raw_header, event, name, report)
    if "event_type" in header:
        frame, header = _event_titles(frame, header, raw_header, event, name, report)
    if "event_type" in header:
        return _ga_action_codes(frame, header, raw_header, event, name, report), header
    j = next((k for k, (h, r) in enumerate(zip(header, raw_header, strict=True))
              if header_key(r) in BY_VALUES_EVENT_KEYS and h not in known), None)
    if j is None:
        return frame, header
    values = frame[header[j]].astype(str).str.strip().str.lower()
    if values.str.fullmatch(r"\d+\.0").all():
        # (codes pandas wrote as floats, '1.0': the codes they are, for --event-codes too;
        # session al's review)
        values = values.str[:-2]
        frame = frame.assign(**{header[j]: values})
    named = values.isin(event.choices) | _synonyms(values, event.synonyms).notna().to_numpy()
    share = float(named.mean())
    clicks = values.isin(PRODUCT_CLICKS).to_numpy()
    if 0 < share < 0.9 and (named | clicks).all() and _actions(values[named], event) & {"cart", "purchase"}:
        # OTTO's train.jsonl: 'clicks' beside 'carts' and 'orders'. In a log of a shop's own
        # actions a click is on a product, a view; read as purchases, 85 % of its events
        # were trained as sales. Beside views alone (Heap's 'view' / 'click': any click on
        # the page), or alone, a 'click' still needs --event-codes.
        frame = frame.copy()
        frame[header[j]] = frame[header[j]].where(~clicks, "view")
        report.notes.append(f"{name}: column {raw_header[j]!r}: {int(clicks.sum()):,} "
                            f"{'/'.join(sorted(set(values[clicks])))!r} read as views, beside the actions of its "
                            "other values (a click in a shop's own log is on a product; --event-codes says otherwise)")
        share = 1.0
    coded = bool(event.given_codes & set(values.unique()[:51]))
    if share >= 0.9 or coded:
        # (codes the user named are the user's word, however few of the lines they cover:
        # JData's 'type' named 1=view,2=cart,4=purchase had been set aside, every line a
        # purchase; the codes not named are bad rows that say so; real37-al)
        frame = frame.rename(columns={header[j]: "event_type"})
        report.notes.append(f"{name}: column {raw_header[j]!r} read as event_type: "
                            + (f"{share:.0%} of its values name actions" if share >= 0.9 else
                               f"--event-codes names its values ({share:.0%} of the lines)"))
        return frame, [*header[:j], "event_type", *header[j + 1:]]
    codes = values.value_counts()
    if share == 0 and len(codes) <= 10 and codes.index.str.fullmatch(r"\d{1,2}").all():
        # JData's 'type' 1-6, Taobao's 'behavior_type' 1-4: actions as codes only the data
        # set's documentation explains.
        shown = ", ".join(sorted(codes.index, key=int))
        ask = (f"column {raw_header[j]!r} holds codes ({shown}), not action names: if they are the actions, "
               f"--event-codes says what each is ({','.join(f'{c}=EVENT' for c in sorted(codes.index, key=int))}; "
               f"EVENT one of {', '.join(event.choices)}, or none to leave its lines out)")
        if not any(h in header for h in ("quantity", "price")) and len(codes) >= 3:
            # A log's lines (no quantity, no price) of six codes are not all purchases: JData's
            # 29,999 actions, 38 of them orders, had trained as purchases with a note (real37-al).
            # Whether codes are actions or a kind (a channel, a platform, a review's kind) the
            # file does not say: five reviews' rules to tell them apart each misread one or
            # the other (session al). Asked, a user renames a kind's column in a moment; read,
            # a log's views had trained as purchases. (Two codes are a flag: said.)
            raise DataError(f"{name}: {ask}; if it is no action (a channel, a platform, a kind), rename the column "
                            "(e.g. type_code) and every line is read as a purchase")
        report.notes.append(f"{name}: {ask}; as it is, every line is read as a purchase")
    elif share > 0:
        others = ", ".join(repr(v) for v in values[~named].value_counts().index[:3])
        report.notes.append(
            f"{name}: column {raw_header[j]!r} names actions on {share:.0%} of the lines, not read as the "
            f"event column; if it is one, --event-codes VALUE=EVENT says what the others ({others}) mean")
    return frame, header


def text_formulas(values: pd.Series, name: str, raw_name: str, report: IngestReport) -> pd.Series:
    """``="00030"`` -> ``00030``: Excel's way to keep an id's leading zeros (or a barcode's
    digits) as text, which an export written for Excel uses; read literally, no id matched
    the items file's ``00030``."""
    formula = values.str.startswith('="') & values.str.endswith('"') & (values.str.len() >= 3)
    if not formula.any():
        return values
    report.notes.append(f"{name}: column {raw_name!r}: {int(formula.sum()):,} values written as Excel's text "
                        f"formula (e.g. {values[formula].iloc[0]!r}): read as the text inside")
    return values.where(~formula, values.str[2:-1])


def marked_missing(values: pd.Series) -> pd.Series:
    """Which of ``values`` (text) are a missing-value marker (:data:`.schema.MISSING_VALUES`),
    or such markers joined by ``|`` or ``;``, one for each product of an order (a florist's ``Item
    Number`` ``N/A|N/A`` on 135 lines had been 4 made-up items, the 6th most bought;
    real85-ap)."""
    missing = values.isin(MISSING_VALUES)
    joined = values.str.contains("|", regex=False) | values.str.contains(";", regex=False)
    if joined.any():
        missing[joined] = values[joined].str.split(r"[|;]", regex=True).map(
            lambda parts: all(p.strip() in MISSING_VALUES or not p.strip() for p in parts))
    return missing


def missing_values(values: pd.Series, name: str, raw_name: str, report: IngestReport, *,
                   country_codes: bool = False, known: Collection[str] = (),
                   also: Collection[str] = ()) -> pd.Series:
    """Ids, numbers and event names written as a missing-value marker are blank. Diginetica's
    ``userId`` is ``NA`` on most lines, and read as text those lines were all one shopper
    called ``NA``; an R export's ``NA`` price was a bad row where a blank one is the item's
    price. ``country_codes``: in a column of two-letter codes ``NA`` is Namibia. ``known``:
    values the column reads as something (an event code given with ``--event-codes
    NONE=none``, whatever its case), which no marker list overrides (session ae's review);
    ``also``: more markers for this column (:data:`.schema.ITEM_PLACEHOLDERS`); markers
    joined by ``|`` are one (:func:`marked_missing`)."""
    missing = marked_missing(values) | (values.isin(also) if also else False)
    if known and missing.any():
        missing &= ~values.str.lower().isin({k.lower() for k in known})
    if country_codes and missing.any():
        given = values[~missing & (values != "")]
        if len(given) and given.str.fullmatch(r"[A-Z]{2}").mean() >= 0.8:
            missing &= values != "NA"
    if not missing.any():
        return values
    said = ", ".join(f"{k!r} ({n})" for k, n in values[missing].value_counts().items())
    report.notes.append(f"{name}: column {raw_name!r}: {said} read as no value: the way exports write a "
                        "missing value")
    return values.where(~missing, "")


CARRIED_SHARE = 0.2
"""Lines blank in both the shopper and the time, as a share of the lines, from which a file
without a basket column writes a visit's shopper and time on its first line only."""


def carried_down(frame: pd.DataFrame, raw_names: list[str], name: str, report: IngestReport) -> None:
    """A spreadsheet's visit written as a block, its shopper and time on the first line only
    (the cells below left blank, as a person types or a merged cell exports), in a file with
    no basket column: the blank lines take the shopper and time of the line above, in
    place, with a note. Only where every line without a shopper is also without a time
    (so a line with its own time and no shopper stays an anonymous or bad line) and has an
    item, such lines are at least :data:`CARRIED_SHARE` of the file, and the first line has
    both. They had been bad rows: 172 of 282 lines of one export."""
    user = frame["user_id"].astype(str)  # (stripped already: the time is not, and a 2M-line file
    blank_user = (user == "").to_numpy()  # pays for that only where the shoppers are blank)
    if blank_user.mean() < CARRIED_SHARE:
        return
    time = frame["timestamp"].astype(str).str.strip()
    blank_time = (time == "").to_numpy()
    if (not (blank_user == blank_time).all() or blank_user[0]
            or "item_id" not in frame or (frame["item_id"].astype(str).str.strip() == "").to_numpy()[blank_user].any()):
        return  # (lines without an item too are no visit's lines: Excel's subtotals, '5001 Total')
    block = np.cumsum(~blank_user)  # each line's visit: the last line above (or at) it with a shopper
    frame["user_id"] = user.to_numpy()[np.flatnonzero(~blank_user)][block - 1]
    frame["timestamp"] = time.to_numpy()[np.flatnonzero(~blank_user)][block - 1]
    report.notes.append(
        f"{name}: {int(blank_user.sum()):,} lines without {raw_names[0]!r} and {raw_names[1]!r} below a line with "
        "both, in a file without a basket column: a visit written as a block, its shopper and time on its first "
        "line only; they take the line above's")


def record_continuations(frame: pd.DataFrame, header: list[str], raw: list[str], name: str,
                         notes: list[str]) -> None:
    """Odoo exports a record with its one-to-many lines (a picking with its ``Stock Moves/...``,
    an order with its ``Order Lines/...``) as one row for the record and its first line,
    then a row per further line with the record's fields blank. Where the item is such a
    line's field, those rows take the record's blank fields from the row above, in place,
    with a note: 458 of a picking export's 1,458 rows had been bad rows (no shopper, no
    time), and its status, blank there, did not leave a cancelled picking's lines out. A
    further row is one that gives a field inside the item's ``Prefix/`` and is blank in
    the first column and in the shopper and the time (those outside it); another
    many-valued field (Odoo's ``Tags``) may fill its own cell there and keeps it."""
    item = raw[header.index("item_id")]
    if "/" not in item or not len(frame):
        return
    prefix = item.split("/", 1)[0].strip()
    inside = np.array([r.strip() == prefix or r.split("/", 1)[0].strip() == prefix for r in raw])
    if inside.all():
        return
    blank = np.column_stack([(frame[h].astype(str).str.strip() == "").to_numpy() for h in header])
    keys = [0, *(header.index(c) for c in ("user_id", "timestamp") if c in header)]
    keys = [k for k in dict.fromkeys(keys) if not inside[k]]
    carried = blank[:, keys].all(axis=1) & ~blank[:, inside].all(axis=1)
    if not carried.any() or carried[0]:
        return
    head = np.flatnonzero(~carried)[np.cumsum(~carried) - 1]  # each row's record: the last row above that has one
    for at in np.flatnonzero(~inside):
        values = frame[header[at]].to_numpy(copy=True)
        take = carried & blank[:, at]
        values[take] = values[head[take]]
        frame[header[at]] = values
    notes.append(f"{name}: {int(carried.sum()):,} rows give {prefix!r} fields without the record's: each a further "
                 "line of the record above (Odoo writes a record's fields on its first line only); they take the "
                 "record's")


def fill_from_basket(values: pd.Series, basket: pd.Series, name: str, col_name: str, basket_name: str,
                     report: IngestReport, *, note: bool = True) -> pd.Series:
    """Blank ``values`` on lines of a basket whose other lines all give one value take it:
    an order export writes the customer and the time on an order's first line only
    (Shopify's orders CSV: 60 % of its lines were bad rows). A basket whose lines give
    two values leaves its blanks blank (bad rows); one that gives none is an anonymous
    basket (:func:`anonymous_baskets`)."""
    blank = (values == "") & (basket != "")
    if not blank.any():
        return values
    named = values != ""
    given = pd.DataFrame({"basket": basket[named], "value": values[named]}).drop_duplicates()
    counts = given.groupby("basket")["value"].agg(["first", "size"])
    one = counts.loc[counts["size"] == 1, "first"]
    fill = basket[blank].map(one)
    taken = fill.notna()
    if not taken.any():
        return values
    values = values.copy()
    values.loc[fill.index[taken.to_numpy()]] = fill[taken]
    if note:
        report.notes.append(
            f"{name}: {int(taken.sum()):,} lines without {col_name!r} are in a basket ({basket_name!r}) whose "
            "other lines give one: they take it (order exports write it on an order's first line only, as Shopify "
            "does)")
    return values


def anonymous_baskets(user: pd.Series, basket: pd.Series, name: str, user_name: str, basket_name: str,
                       report: IngestReport) -> pd.Series:
    """Lines with a basket but no shopper (UCI Online Retail: 25 % of its lines have no
    ``CustomerID``; a till's sales to shoppers without a loyalty card) are a store's
    anonymous shoppers, the ones the device serves most. Dropping them as bad rows lost a
    third of the sales that popularity and sales heat learn from. Each such basket is read
    as one anonymous shopper's only visit, as where a file has no shopper column at all.
    Lines with neither, or in a basket whose other lines name two shoppers, stay bad rows
    (a basket naming one has given it to its blank lines: :func:`fill_from_basket`)."""
    blank = (user == "") & (basket != "") & ~basket.isin(basket[user != ""].unique())
    if not blank.any():
        return user
    report.notes.append(
        f"{name}: {int(blank.sum())} lines ({blank.mean():.0%}) have a basket ({basket_name!r}) but no "
        f"shopper ({user_name!r}): "
        + (f"each of those {basket[blank].nunique()} baskets is" if basket[blank].nunique() != 1 else "that basket is")
        + " read as one "
        f"anonymous shopper's only visit (shopper id '{ANONYMOUS_BASKET}<basket>'), so they count for what "
        "sells and are evaluated as new shoppers")
    return user.where(~blank, ANONYMOUS_BASKET + basket)


def read_day_numbers(values: pd.Series, empty: np.ndarray, raw_name: str) -> tuple[pd.Series, int, int] | None:
    """``(ISO dates, first, last)`` when the timestamp column counts days (``DAY``: 1, 2,
    ... 711) rather than dating them, else None. Only for a column named so
    (:data:`.schema.DAY_NUMBER_KEYS`): elsewhere a short number is a bad timestamp."""
    if header_key(raw_name) not in DAY_NUMBER_KEYS or empty.all():
        return None
    present = values[~empty]
    if not present.str.fullmatch(r"\d{1,5}").all():
        return None
    days = pd.to_numeric(values.where(~empty), errors="coerce")
    dates = (pd.Timestamp(DAY_ZERO) + pd.to_timedelta(days, unit="D")).dt.strftime("%Y-%m-%d")
    return dates.where(~empty, ""), int(days.min()), int(days.max())


def _clock_numbers(numbers: pd.Series, latest: int) -> bool:
    """Whether whole numbers are a clock's ``HHMM`` (930, 2352): 0 to 2359, the last two
    digits a minute, the largest ``latest`` or more (an hour past it says a clock)."""
    return bool(numbers.min() >= 0 and latest <= numbers.max() <= 2359 and (numbers % 100 < 60).all())


def read_step_numbers(values: pd.Series, empty: np.ndarray) -> tuple[pd.Series, int, int] | None:
    """``(ISO dates, first, last)`` when a timestamp column under another name (``time``,
    ``date``) holds only small whole numbers, which no clock writes: offsets from a
    course's start (OULAD's ``date``, -10 to 269) or a research file's steps (LibRec's
    ``time``, 1 to 100). Read as day numbers they keep the order; as times, every line
    had been a bad row and the file refused. Not a column of years (``2014``: a year),
    nor of numbers written with a leading zero (``0511``: a month and day), nor of Excel's
    date serials (32874 and up, :func:`.timestamps.numeric_dates`' neighbour)."""
    present = values[~empty]
    # (ASCII digits: '۱۴۰۲' is a Persian year. 20 values or more: Speed Dating's 'date' is
    # how often one dates, 1 to 7, and one '17' is no step either)
    if len(present) < 20 or not present.str.fullmatch(r"-?[1-9][0-9]{0,4}|0").all() or present.nunique() < 20:
        return None
    days = pd.to_numeric(values.where(~empty), errors="coerce")
    if days.max() >= 32874 or days.dropna().between(1900, 2199).all():
        return None
    given = days.dropna()
    if (given.min() >= 0 and given.max() <= 31) or _clock_numbers(given, latest=100):
        # (a day of the month, 1-31, beside a month column; a clock's HHMM, 930 and 2352:
        # no steps; session ag's review)
        return None
    dates = (pd.Timestamp(DAY_ZERO) + pd.to_timedelta(days, unit="D")).dt.strftime("%Y-%m-%d")
    return dates.where(~empty, ""), int(days.min()), int(days.max())


def counts_not_times(values: pd.Series, empty: np.ndarray, users: pd.Series | None = None) -> str | None:
    """What a timestamp column holds instead of times where its numbers are counts: whole
    numbers from 0 to under 10^9 (no Unix time), 1,000 or more, that repeat (fewer distinct
    values than half the lines) and pile up near the bottom (the median under a twentieth
    of the 99th percentile), as play counts do, where a log's seconds or steps spread over
    its span. RPP's Last.fm ``lastfm.inter`` heads HetRec's play counts (1 to 352,698,
    median 260) ``timestamp:float``: read as seconds from a start, its split had been one
    by play count, its test the most-played pairs (real22-aj). Not where most shoppers'
    numbers (of those with three lines or more) never fall down the file, as positions 1,
    2, 3 and a flash sale's seconds do (session aj's review); play counts listed heaviest
    first fall (HetRec's ``user_artists.dat``, its second review). None otherwise."""
    present = values[~empty]
    # (the first thousand first: this looks at every file's time column, nearly all of dates)
    whole = r"\d{1,9}(?:\.0+)?"
    if len(present) < 1000 or not present.iloc[:1000].str.fullmatch(whole).all() or not present.str.fullmatch(
            whole).all():
        return None
    numbers = pd.to_numeric(present, errors="coerce")
    if numbers.nunique() * 2 >= len(numbers) or numbers.nunique() < 20:
        return None
    median, high = float(numbers.median()), float(numbers.quantile(0.99))
    if median * 20 >= high:
        return None
    if users is not None and _rising_share(numbers, users[~empty]) >= 0.5:
        return None
    return (f"whole numbers from {int(numbers.min()):,} to {int(numbers.max()):,} that repeat and pile up near the "
            f"bottom (median {median:,.0f}, 99th percentile {high:,.0f}), as counts do (plays, clicks, units), where a "
            "log's times spread over its span")


def _rising_share(numbers: pd.Series, users: pd.Series) -> float:
    """Of the shoppers with three lines or more, the share whose numbers never fall down
    the file."""
    steps = numbers.groupby(users.to_numpy(), sort=False).diff()
    frame = pd.DataFrame({"user": users.to_numpy(), "down": (steps < 0).to_numpy(), "n": 1})
    per = frame.groupby("user", sort=False).agg(down=("down", "any"), n=("n", "sum"))
    per = per[per["n"] >= 3]
    return float((~per["down"]).mean()) if len(per) else 0.0


def read_time_since_first(values: pd.Series, empty: np.ndarray,
                          users: pd.Series | None) -> tuple[pd.Series, str, str] | None:
    """``(ISO times, first, last)`` when a timestamp column counts each shopper's time since
    their own first line: 0 there, as Riiid's answer log writes its ``timestamp`` (milliseconds,
    0 to 8e10). Read as Unix time, 46 % of a real file's lines had been bad rows and the rest
    dated 1973 to 2199 (real38-al). Read as milliseconds (seconds where the largest is below
    1e9: 31 years of seconds; a guess the note says) from :data:`.timestamps.DAY_ZERO`, each
    shopper's order is right, and its gaps where the unit is; shoppers all start there, and
    the caller says hour and weekday are not real. Only where 0 is the smallest time of 80 %
    of the shoppers with two lines or more, 5 at least, and their next times are near 0 too."""
    if users is None or len(values) < 20:
        return None
    present = values[~empty]
    # (the head first: a date column's 2M values fail on their first, at no cost to its load)
    if not present.head(100).str.fullmatch(r"\d{1,13}").all() or not present.str.fullmatch(r"\d{1,13}").all():
        return None
    counts = pd.to_numeric(values.where(~empty), errors="coerce")
    by_user = pd.DataFrame({"user": users.astype(str).to_numpy(), "t": counts.to_numpy()}).dropna()
    groups = by_user.groupby("user")["t"].agg(["min", "size"])
    several = groups[groups["size"] >= 2]
    if len(several) < 5 or (several["min"] == 0).mean() < 0.8 or float(counts.max()) < 1000:
        return None
    # Each shopper's next time near 0 too: a Unix time with 0 for 'unknown' on each
    # shopper's one undated line has its others at 1.6e9 (session al's review).
    second = by_user[by_user["t"] > 0].groupby("user")["t"].min()
    if second.empty or float(second.median()) >= 1e8:
        return None
    top = float(counts.max())
    # (above 1e9 it is milliseconds: 31 years of seconds is no one's history; below, which
    # is meant is not clear, and the note says so)
    unit = "ms" if top >= 1e9 else "s"
    stamps = pd.Timestamp(DAY_ZERO) + pd.to_timedelta(counts, unit=unit)
    text = stamps.dt.strftime("%Y-%m-%d %H:%M:%S.%f")
    shown = f"{(several['min'] == 0).mean():.0%} of the shoppers with two lines or more"
    return text.where(~empty, ""), shown, (f"{top:,.0f}, read as milliseconds" if unit == "ms" else
                                           f"{top:,.0f}, read as seconds: if they are milliseconds, the order is "
                                           "right but the gaps are 1,000 times too long")


_YYYYMMDD = r"(?:19|20|21)\d\d(?:0[1-9]|1[0-2])(?:0[1-9]|[12]\d|3[01])"
"""A date written as eight digits, year first (``20101229``)."""


def read_offset_seconds(values: pd.Series, empty: np.ndarray) -> tuple[pd.Series, str, str] | None:
    """``(ISO times, first, last)`` when a timestamp column holds numbers counted from a
    start rather than a date: JODIE's and TGN's interaction files (``timestamp`` 0.0 to
    2,678,373.0, seconds since the crawl began). Read as times, the ones from 1900 to 2199
    had been years and the rest bad rows (a file of whole seconds kept 1 line in 40, over
    236 years). Read as seconds from :data:`.timestamps.DAY_ZERO` the order is right, and
    the gaps where the unit is seconds; the caller says hour and weekday are not real.
    Not Unix time (nine digits and more: MovieLens 100K's 874965758 is 1997), unless under
    a tenth of the lines and 20 distinct values lie below it, as a count from zero has them
    (JODIE's Last.fm reaches 137 M seconds); not a column that does not start near zero
    (its smallest number above 0 over a hundredth of its largest); not whole numbers below 32874,
    which :func:`read_step_numbers` weighs; not a clock's ``HHMMSS``."""
    present = values[~empty]
    # (the pattern first: counting a 2 M-line column's distinct times cost 0.7 s of every
    # load whose times are dates, which the pattern rules out in 0.1 s)
    if len(present) < 20 or not present.str.fullmatch(r"\d{1,9}(?:\.\d+)?").all() or present.nunique() < 20:
        return None
    if present.str.fullmatch(_YYYYMMDD).mean() >= 0.95:
        # (a data-warehouse course's 'sls_order_dt': 60,360 yyyymmdd dates and 19 junk
        # values, 0, 5489, 32154, had made three years of sales seconds of one day; real103-aq.
        # The junk is bad rows, 'not a timestamp', as its own silver layer reads it)
        return None
    seconds = pd.to_numeric(values.where(~empty), errors="coerce")
    given = seconds.dropna()
    top, low = float(given.max()), float(given[given > 0].min())
    # (the smallest number above 0: an SAP date column's one '00000000' for no date had
    # made every yyyymmdd date seconds from 2000; session ai's review. The file's order says
    # nothing: research files are written newest first, shuffled or by user; its second review)
    if top >= 1e9 or low > top / 100:
        return None
    if top >= 1e8:
        below = given[given < 1e8]
        if len(below) < 0.1 * len(given) or below.nunique() < 20:
            return None
    whole = bool((given % 1 == 0).all())
    if whole and (top < 32874 or (top <= 235959 and (given % 100 < 60).all() and (given // 100 % 100 < 60).all())):
        return None
    stamps = pd.Timestamp(DAY_ZERO) + pd.to_timedelta(seconds, unit="s")
    text = stamps.dt.strftime("%Y-%m-%d %H:%M:%S.%f")
    return text.where(~empty, ""), f"{float(given.min()):,.{0 if whole else 1}f}", f"{top:,.{0 if whole else 1}f}"


_INVISIBLE = re.compile("[\u200b\u200c\u200d\u2060\ufeff\u00ad]")
"""Characters that show nothing (zero-width spaces and joiners, a stray byte-order mark,
a soft hyphen): pasted into an id, they make another id that looks the same."""


def one_form_ids(values: pd.Series, name: str, col: str, report: IngestReport) -> pd.Series:
    """Ids in one Unicode form (NFC) and without invisible characters: ``Café-7`` typed
    with a combining accent on one till and precomposed on another, or a zero-width space
    pasted in, were two items that look the same (540 'items' for 260 products in a
    fuzz set). Called only for a file whose text is not all ASCII (:func:`.table.read_table`:
    the unique over a 2 M-line column costs 0.35 s); its distinct non-ASCII ids are looked at."""
    import unicodedata

    distinct = pd.unique(values.to_numpy())
    fixed = {v: unicodedata.normalize("NFC", _INVISIBLE.sub("", v)) for v in distinct if not v.isascii()}
    changed = {v: f for v, f in fixed.items() if f != v}
    if not changed:
        return values
    example = next(iter(changed))
    report.notes.append(f"{name}: {col}: {len(changed):,} ids written in another Unicode form or with invisible "
                        f"characters (e.g. {example!r}) read as the ids they show ({changed[example]!r})")
    return values.replace(changed)


def whole_number_ids(values: pd.Series, empty: np.ndarray, name: str, col: str,
                      report: IngestReport) -> pd.Series:
    """``17850.0`` -> ``17850`` when every id of the column is a whole number written so.

    pandas writes an integer column that has a blank as floats (Online Retail's
    CustomerID after a ``to_csv``), and those ids then match no customers file that
    writes ``17850``. Only when all of them end in ``.0``: one ``1.5`` says they are not
    whole numbers, and text ids are left alone."""
    given = values[~empty]
    first = given.iloc[0]
    # Any of the first thousand, not the first alone: a short PLU ('4011') may head a
    # column of barcodes Excel rewrote ('4.90000E+10').
    if given.head(1000).str.fullmatch(_SCIENTIFIC.pattern).any():
        _refuse_scientific_ids(given, name, col)
    if not first.endswith(".0"):  # the usual case costs one look
        return values
    whole = values[~empty].str.fullmatch(r"-?\d+\.0+")
    if not whole.all():
        return values
    report.notes.append(f"{name}: {col}: ids written as whole numbers with '.0' ({first!r}, as pandas "
                        "writes an integer column with blanks) read without it")
    return values.str.replace(r"\.0+$", "", regex=True)


_SCIENTIFIC = re.compile(r"-?\d(?:[.,]\d+)?[eE][+-]?\d+")
"""A number as a spreadsheet shows a long one: ``4.00638E+12`` (an EAN barcode)."""


def scientific_ids(values: pd.Series) -> np.ndarray:
    """The ids in scientific notation of a column where others are not (the column whose
    ids mostly are is refused: :func:`_refuse_scientific_ids`): a spreadsheet's rewriting
    of a long number, ``9.78E+12`` for an ISBN, that may stand for several. Only ids of
    eleven digits or more when written out (``1E+3`` may be a real code's text)."""
    if not values.str.contains("[eE]\\+", regex=True).any():  # (one pass: most columns have none)
        return np.zeros(len(values), dtype=bool)
    looks = values.str.fullmatch(r"\d(?:[.,]\d+)?[eE]\+(?:1\d|[2-9]\d)")
    return looks.fillna(False).to_numpy(dtype=bool)


def _refuse_scientific_ids(values: pd.Series, name: str, col: str) -> None:
    """Ids in scientific notation are a spreadsheet's rewriting of long numbers, saved with
    the 6 digits it showed: different barcodes or card numbers now share one id, and no
    reading can tell them apart again. Refused when most ids of the column look so (a
    catalogue of one '4.00638E+12' item would otherwise train)."""
    looks = values.str.fullmatch(_SCIENTIFIC.pattern)
    if looks.mean() > 0.5:
        raise DataError(
            f"{name}: {col}: {int(looks.sum()):,} of {len(values):,} ids are numbers in scientific notation "
            f"(e.g. {values[looks].iloc[0]!r}, {values[looks].nunique():,} distinct): a spreadsheet rewrote "
            "long ids and kept only the digits it showed, so different ones now share an id. Export the "
            "column as text (in Excel: format the column as Text before saving, or save from the source "
            "system)")
