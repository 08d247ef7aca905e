"""What a file's money columns mean where their names do not say it plainly: a line's
total where there is no unit price (dunnhumby's ``SALES_VALUE``, Ta-Feng's
``SALES_PRICE``, SAP's ``Net value``), Amazon's seller reports' ``item-price`` (the
line's), Google's prices in millionths. Each rewrites ``price`` (and, for Ta-Feng,
``quantity``) with a note; :func:`.generic.load_generic` calls them in turn."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import numpy as np
import pandas as pd

from .amounts import (
    decimal_points,
    european_numbers,
    grouped_thousands,
    money_amounts,
    thousands_marks,
)
from .ingest import IngestReport
from .lines import skip_rows, unread_columns
from .names import header_key, without_unit
from .schema import INTERACTION_COLUMNS

SQUARE_TOTAL_KEYS = ("productsales", "grosssales", "netsales")
"""Square's line totals: names a POS also gives an order's total under, so read only where
they differ within an order (:func:`_order_total`; session am's review)."""

LINE_TOTAL_KEYS = ("linetotal", "lineamount", "linevalue", "extendedprice", "salesvalue", "salesamount",
                   "unitspend",  # (pyretailscience's line spend, unit price times units; real183-au)
                   "salesprice", "銷售價格", "销售价格", "銷售金額", "销售金额",
                   # (a furniture shop's cleaned ' total_sales ' beside 'quantity'; round 46. After
                   # 'Sales_Price', which a merch shop's unit price is beside its 'Total_Sales')
                   "totalsales",
                   "itemrevenue",  # (GA4: an item's revenue in the transaction)
                   "rowtotal",  # (Magento's order items: 'row_total' beside 'qty_ordered')
                   "spend",  # (84.51's Complete Journey sample: 'SPEND' beside 'UNITS'; real127-ar)
                   "purchaseamount",  # (Kaggle's shopping trends: 'Purchase Amount (USD)'; real48-an)
                   "netvalue",  # (SAP's billing items: the line's net value)
                   "storesales",  # (FoodMart's 'store_sales': unit_sales times the price; real-ae)
                   "grossamt", "grossamount",  # (an Indian wholesaler's 'GROSS AMT' beside 'PCS'; real-af)
                   "finalsale",  # (Fetch's cleaned receipt lines: FINAL_SALE beside FINAL_QUANTITY; real17-ai)
                   # (a Chinese pharmacy's received and receivable amounts; an Indonesian till's
                   # net sales; real19-ai)
                   "实收金额", "应收金额", "penjualanbersih",
                   # (Eventbrite's 'total_paid' for a ticket, every price had been 0; Iowa's
                   # liquor orders' 'Sale (Dollars)'; real57-ao, real59-ao)
                   # (not 'amount_paid': paid so far, a deposit; session ao's review)
                   "totalpaid", "saledollars",
                   # (a card export's 'Txn Amount': 193 salary deposits at -4,500 had been kept as
                   # purchases of the employer; real105-aq. An order's total where it repeats on
                   # an order's lines, as MAYBE_ORDER_TOTAL_KEYS says)
                   "txnamount", "transactionamount", "trxamount",
                   # Square's item sales export: its lines' 'Product Sales' (before discounts and
                   # tax); the classic export's 'Gross Sales' (before discounts: the newer one's
                   # adds the tax, but has 'Product Sales'), then 'Net Sales' (after discounts).
                   # Every price had been 0 (real39-am).
                   *SQUARE_TOTAL_KEYS)
"""Header keys of a line's total money (dunnhumby's ``SALES_VALUE``, Ta-Feng's ``SALES_PRICE``),
which a file without a unit price gives instead: unit price = total / quantity. In order of
preference: an ERP export's ``Sales Price`` beside its ``Line Amount`` is the unit price, so
the unambiguous names come first."""


MAYBE_ORDER_TOTAL_KEYS = (*SQUARE_TOTAL_KEYS, "purchaseamount", "totalpaid", "txnamount", "transactionamount",
                          "trxamount")
"""Line totals' names that some exports give an order's or a receipt's total under, the
same on each of its lines (Square's; a loyalty receipt's 'Purchase Amount'; session an's
review): not read where they repeat so."""


BESIDE_UNITS = ("sales", "revenue", "umsatz", "銷售額", "销售额", "売上", "売上金額", "выручка")  # (a Taiwanese Superstore; real123-ar)
"""A line's money under a bare name (a currency beside it: ``Revenue (INR)``, ``Sales USD``),
read as its total only beside a quantity column, where it is money (:func:`_money`)."""


def _steady_unit_price(inter: pd.DataFrame, total: pd.Series) -> bool:
    """Whether ``total`` over the quantity is about one price an item: of the items on two
    lines or more (10 at least), the median's spread (standard deviation over mean) is 0.25
    or less: Superstore's discounts spread its prices 0.12, an Indian marketplace's 0.10; a
    store's units sold beside its stock ('Sales', 'Quantity') spread 0.29 to 0.36 and had
    made prices of units over stock (session am's reviews). Discounts of 0 to 70 % (0.40)
    leave a price unread, as before. Fewer such items say nothing: true."""
    unit = (total / inter["quantity"].where(inter["quantity"] > 0)).where(total > 0)
    spread = _item_spread(unit, inter["item_id"], least=10)
    return spread is None or spread <= 0.25


PRICE_NAMED_TOTALS = ("salesprice", "銷售價格", "销售价格")
"""Line totals' names that say price: Ta-Feng's ``SALES_PRICE`` is the line's total, a
shop's ``Sales_Price`` as often the unit's (:func:`_steadier_undivided` tells them apart)."""


def _steadier_undivided(inter: pd.DataFrame, total: pd.Series, units: pd.Series) -> bool:
    """Whether ``total`` is a unit price rather than a line total: on lines of more than one
    unit (10 or more), each item's values spread 0.05 or less (one price an item), less
    than divided by the units. Ta-Feng's totals grow with the units, so divided they are
    the steadier."""
    several = (units > 1).to_numpy() & (total > 0).to_numpy()
    if several.sum() < 10:
        return False
    raw = _item_spread(total[several], inter["item_id"][several], least=3)
    divided = _item_spread(total[several] / units[several], inter["item_id"][several], least=3)
    return raw is not None and divided is not None and raw <= 0.05 and raw < divided


def _item_spread(values: pd.Series, items: pd.Series, least: int) -> float | None:
    """The median item's spread of ``values`` (standard deviation over mean), of the items
    on two lines or more with a mean above 0; None where fewer than ``least`` such items."""
    by_item = values.groupby(items).agg(["size", "mean", "std"])
    several = by_item[(by_item["size"] >= 2) & (by_item["mean"] > 0)]
    return float((several["std"] / several["mean"]).median()) if len(several) >= least else None


def _money(values: pd.Series) -> bool:
    """Whether a column's numbers look like money: 9 lines in 10 a number, and 8 values or
    more, or cents: not a sales channel's words nor a sales rep's number (a small menu's
    totals are 9 values; session am's review)."""
    given = values.dropna()
    return bool(len(given) >= 0.9 * len(values) and (given.nunique() >= 8 or bool((given % 1 != 0).any())))


def prices_from_line_totals(inter: pd.DataFrame, file: Path, report: IngestReport) -> pd.DataFrame:
    """``inter`` with unit prices from a line-total column, for a file with no price column
    (``price`` and, for Ta-Feng, ``quantity`` set; the note in ``report``).

    Ta-Feng writes ``AMOUNT`` (units) beside ``SALES_PRICE`` (their total): ``amount`` is
    not a quantity alias on its own (it is money as often), but beside a line total it is
    the units, checked as a quantity column is (a line whose amount is no positive number
    is a bad row). A blank quantity counts one unit, as everywhere; a line without a
    positive total keeps no price, as a line without a unit price does. The numbers may
    have a decimal comma, read as :func:`.table.read_table` reads them."""
    unread = unread_columns(inter, INTERACTION_COLUMNS)

    def number(column: str, money: bool = True) -> tuple[pd.Series, pd.Series]:
        """The column's numbers (NaN where none) and its stripped text (``money``: amounts,
        where ``1,350`` beside ``900`` is thousands; not units)."""
        text = inter[column].astype(str).str.strip()
        text = money_amounts(text)[0]  # (Square's '$78.05 ': every line had gone unpriced; real39-am)
        # (a US sheet's '1,706.18', Excel's #,##0.00: the dearest lines had gone unpriced;
        # round 46. As the unit price column reads them)
        text = thousands_marks(text.str.strip())
        # (a comma or pipe file's column of '5,99': SAP's lists write its numbers so)
        if inter.attrs.get("decimal_comma"):
            text = decimal_points(text)[0]
        else:
            text = european_numbers(grouped_thousands(text) if money else text)[0]
        return pd.to_numeric(text, errors="coerce"), text

    # A currency's code is no part of the name ('Line Total USD'); an 'Amount' in a currency
    # is money, the line's, where a bare one may be units (session af's review).
    keys = {c: without_unit(key) for c, (_, key) in unread.items()}
    named = (*LINE_TOTAL_KEYS, "amount", *BESIDE_UNITS)
    found = [c for c, key in keys.items()
             if (key in LINE_TOTAL_KEYS and not (key in MAYBE_ORDER_TOTAL_KEYS and _order_total(inter, c)))
             or (key == "amount" and unread[c][1] != "amount")]
    if not found and "quantity" in inter:
        # A bare 'Amount' beside the file's own quantity is no count of units but money:
        # the line's (Vrinda's Amazon, Myntra and Ajio lines: every item had been priced 0;
        # real15-ah), unless it repeats on every line of an order (the order's total).
        found = [c for c, (_, key) in unread.items() if key == "amount" and not _order_total(inter, c)]
        # Then a bare 'Sales' or 'Revenue' beside the units (Tableau's Sample Superstore, an
        # Indian marketplace's lines: every item had been priced 0; real41-am). Not without
        # a quantity column: M5's 'sales' are units.
        for c in ([] if found else [c for c in unread if keys[c] in BESIDE_UNITS]):
            values = number(c)[0]  # (once for both checks: money_amounts and the parse run over every line)
            if _money(values) and _steady_unit_price(inter, values) and not _order_total(inter, c):
                found.append(c)
    if not found:
        return inter
    total_col = min(found, key=lambda c: named.index(keys[c]))

    units_name = "quantity"
    # (not where the total is itself an 'Amount' in a currency: a bare 'Amount' beside 'Amount
    # EUR' is money too, and had become 440 units; session af's second review)
    if "quantity" not in inter and keys[total_col] != "amount":
        amount = next((c for c, (_, key) in unread.items() if key == "amount"), None)
        if amount is not None:
            units, text = number(amount, money=False)
            bad = ((units <= 0) | (units.isna() & (text != ""))).to_numpy()
            if bad.any():
                inter = skip_rows(inter, bad, amount, str(file), report,
                                   lambda v: f"not a positive number of units: {v!r}")
                units = units[~bad].reset_index(drop=True)
            units_name = repr(unread[amount][0])
            inter["quantity"] = units.to_numpy()
    total = number(total_col)[0]
    negative = (total < 0).to_numpy()
    if negative.any() and negative.mean() < 0.5:
        # A line whose total is below 0 gives money back: a salon till's credits ('Consultation'
        # -50 at 1 unit) had been 70 unpriced purchases (real87-ap). A bad row, as a negative
        # price is; most lines so are a refunds report, refused elsewhere.
        inter = skip_rows(inter, negative, total_col, str(file), report,
                          lambda v: f"a line total below 0 ({v!r}): money given back, no purchase")
        total = total[~negative].reset_index(drop=True)
    units = inter.get("quantity")  # float: read_table's, or the amounts'
    if units is not None and (made := _unit_price_times_units(inter, total, units, total_col, unread, number)):
        # An ERP's 'Sales Price' that the quantity times makes another column (its 'Net
        # Invoice Amount') is the unit price, not Ta-Feng's line total: divided, 40 had been
        # 8 for 5 units (real35-al).
        inter["price"] = total.where(total > 0)
        units_said = inter.attrs.get("source_names", {}).get("quantity", units_name) if units_name == "quantity" \
            else units_name.strip("'")
        report.notes.append(f"{file}: {unread[total_col][0]!r} read as the unit price: times {units_said!r} it makes "
                            f"{made}")
        return inter
    if units is not None and keys[total_col] in PRICE_NAMED_TOTALS and _steadier_undivided(inter, total, units):
        # A merch shop's 'Sales_Price', one per product on all 7,394 lines whatever the
        # quantity, is a unit price; divided, 2 x 9.00 had been priced 4.50 (round 44).
        inter["price"] = total.where(total > 0)
        report.notes.append(f"{file}: {unread[total_col][0]!r} read as the unit price: each item's is the same "
                            "whatever the quantity (a line total would grow with it)")
        return inter
    price = total / units.fillna(1.0) if units is not None else total
    price = price.where((total > 0) & np.isfinite(price))
    inter["price"] = price
    how = f"{unread[total_col][0]!r} / {units_name}" if units is not None else repr(unread[total_col][0])
    report.notes.append(
        f"{file}: no unit price column: price = {how} ({unread[total_col][0]!r} read as the line's "
        f"total{'' if units_name == 'quantity' else f', {units_name} as its quantity'}); "
        f"{int(price.notna().sum())} of {len(inter)} lines priced")
    return inter


def _unit_price_times_units(inter: pd.DataFrame, price: pd.Series, units: pd.Series, price_col: str,
                            unread: dict[str, tuple[str, str]],
                            number: Callable[[str], tuple[pd.Series, pd.Series]]) -> str:
    """``'Net Invoice Amount' on 100% of the lines with more than one unit`` where another
    money column not read is ``price`` times ``units`` (within a cent or 1 %) on 9 lines in
    10 of those with more than one unit (20 at least), or that times one rate on 9 in 10
    (a VAT of up to 50 %) or at most it, and half of it or more, on all of them (line
    discounts); else "": the price is then the unit one. A line total divided by 2 units or
    more is never within that (a cost column beside Ta-Feng's totals is below half)."""
    several = (units.fillna(1.0) > 1).to_numpy() & (price > 0).to_numpy()
    if several.sum() < 20:
        return ""
    expected = (price * units)[several]
    for col, (raw, _) in unread.items():
        if col == price_col:
            continue
        other = number(col)[0][several]
        close = float(((other - expected).abs() <= np.maximum(0.01, 0.01 * expected.abs())).mean())
        if close >= 0.9:
            return f"{raw!r} on {close:.0%} of the lines with more than one unit"
        ratio = other / expected
        rate = float(ratio.median()) if ratio.notna().any() else 0.0
        # (session al's last review: an 'Amount Including VAT', a 'Net Amount' after line
        # discounts had left the unit price divided as a line total)
        if 1.0 < rate <= 1.5 and float(((ratio - rate).abs() <= 0.01 * rate).mean()) >= 0.9:
            return (f"{raw!r} / {rate:.3g} (a tax of {rate - 1:.0%}) on 90% or more of the lines with more than "
                    "one unit")
        if ratio.between(0.5, 1.0 + 1e-9).all() and close >= 0.5:
            return f"{raw!r} on {close:.0%} of the lines with more than one unit, less a discount on the others"
    return ""


def _order_total(inter: pd.DataFrame, column: str) -> bool:
    """Whether ``column`` holds one value on every line of most (8 in 10) orders of two
    lines or more: the order's total, not each line's."""
    if "session_id" not in inter:
        return False
    baskets = inter.loc[inter["session_id"] != ""].groupby("session_id", sort=False)[column].agg(["size", "nunique"])
    several = baskets[baskets["size"] >= 2]
    return len(several) > 0 and float((several["nunique"] == 1).mean()) >= 0.8


def _amazon_line_total(inter: pd.DataFrame) -> bool:
    """Whether ``price`` is Amazon's seller reports' ``item-price``, a line's total."""
    names = inter.attrs.get("source_names", {})
    return not (names.get("price", "").lower() != "item-price" or "quantity" not in inter
                or "amazon-order-id" not in {str(v).lower() for v in names.values()} | set(inter.columns))


def amazon_line_prices(inter: pd.DataFrame, file: Path, report: IngestReport) -> pd.DataFrame:
    """Amazon's seller reports (Amazon Fulfilled Shipments, All Orders) write ``item-price``
    as the line's total for its ``quantity-shipped`` / ``quantity-purchased``, not the
    unit price the name says elsewhere: three mugs at 10.00 were one at 30.00. Divided by
    the quantity, only in a file with Amazon's ``amazon-order-id``."""
    if not _amazon_line_total(inter):
        return inter
    names = inter.attrs.get("source_names", {})
    units = inter["quantity"].fillna(1.0)
    inter["price"] = inter["price"] / units
    report.notes.append(f"{file}: 'item-price' is the line's total in Amazon's seller reports: price = "
                        f"'item-price' / {names.get('quantity', 'quantity')!r}")
    return inter


SCALE_LINES = 200_000
"""Lines :func:`prices_that_scale_with_units` judges a price column on."""


def prices_that_scale_with_units(inter: pd.DataFrame, file: Path, report: IngestReport) -> pd.DataFrame:
    """A price column that is the line's total though its name says a unit's: Chipotle's
    ``item_price`` is 16.98 for two Chicken Bowls of 8.49 (259 of 422 multi-unit lines
    priced 2 to 5 times over; real39-am). Told by what it does: on multi-unit lines of an
    item also sold one at a time, the price is the units times the item's one-unit median
    (within 15 %) on 8 lines in 10 (20 lines at least); a unit price does not grow with
    the units. Then every multi-unit line's price is divided by its units, with a note."""
    if "quantity" not in inter or "price" not in inter or _amazon_line_total(inter):
        return inter  # (Amazon's is divided by its own rule, after)
    # Judged on the first 200,000 lines: over a 1M-line file the medians cost 0.6 s, and a
    # price column means one thing throughout.
    head = inter.iloc[:SCALE_LINES]
    units, price = head["quantity"].fillna(1.0), head["price"]
    one = price.where((units == 1) & (price > 0)).groupby(head["item_id"]).median()
    several = (units > 1) & (price > 0)
    reference = head["item_id"].map(one).where(several)
    judged = reference.notna() & (reference > 0)
    if judged.sum() < 20:
        return inter
    times = (price[judged] / reference[judged]) / units[judged]
    if float(((times - 1).abs() <= 0.15).mean()) < 0.8:
        return inter
    inter["price"] = inter["price"] / inter["quantity"].fillna(1.0)
    name = inter.attrs.get("source_names", {}).get("price", "price")
    report.notes.append(f"{file}: {name!r} is the line's total, not the unit price: on {float(((times - 1).abs() <= 0.15).mean()):.0%} "
                        f"of {int(judged.sum()):,} lines of more than one unit it is the units times the item's price "
                        f"on its one-unit lines; price = {name!r} / the units")
    return inter


def totals_over_amounts(inter: pd.DataFrame, file: Path, report: IngestReport) -> pd.DataFrame:
    """A price column that is the line's total for an ``Amount`` of units beside it (a fuel
    card's till: 28 litres of diesel at ``Price`` 672.64, 24.02 a litre; read as the unit
    price, the bundle had shipped diesel at 583.74, its median fill-up; real50-an). A bare
    ``Amount`` is money as often as units, so it is read only where it makes the price
    steady: over it, each item's price spreads (standard deviation over mean, the median
    item's) 0.25 or less where the price alone spreads twice as much and more. Then the
    ``Amount`` is the quantity and the price the total over it, with a note."""
    if "quantity" in inter or "price" not in inter:
        return inter
    unread = unread_columns(inter, INTERACTION_COLUMNS)
    amount = next((c for c, (_, key) in unread.items() if key == "amount"), None)
    if amount is None:
        return inter
    text = inter[amount].astype(str).str.strip()
    # (a semicolon file's '12,43' litres; session an's review)
    text = decimal_points(text)[0] if inter.attrs.get("decimal_comma") else european_numbers(text)[0]
    units = pd.to_numeric(text, errors="coerce")
    price = pd.to_numeric(inter["price"], errors="coerce")
    if units.notna().mean() < 0.9 or (units < 0).any() or (units > 0).mean() < 0.9:
        return inter
    units = units.where(units > 0)  # (a fuel card's 0 litres: a line of no units, its price unread)
    ratio = (price / units).where(price > 0)
    # (3 items at least: a fuel station sells five grades)
    alone = _item_spread(price.where(price > 0), inter["item_id"], least=3)
    over = _item_spread(ratio, inter["item_id"], least=3)
    if alone is None or over is None or not (over <= 0.25 and alone >= 2 * over):
        return inter
    if 0.75 <= float(ratio.median()) <= 1.34:
        # (about 1: the 'Amount' is the line's money beside its unit 'Price' (one unit a
        # line, a discount), not its units)
        return inter
    means = ratio.groupby(inter["item_id"]).mean().dropna()
    kinds = int((means / means.median()).round(2).nunique())
    if len(means) < 2 or float(means.std() / means.mean()) < 0.02 or kinds < min(4, len(means)):
        # (one ratio for every item, or two or three: the same money in another currency, a
        # deposit's share, a tax at its rates; not a price per unit, which differs between
        # products; session an's reviews)
        return inter
    inter["quantity"] = units.to_numpy()
    inter["price"] = (price / units).where((price > 0) & units.notna()).to_numpy()
    names = inter.attrs.get("source_names", {})
    report.notes.append(f"{file}: {names.get('price', 'price')!r} is the line's total for its {unread[amount][0]!r} "
                        f"of units: over them each item's price is steady (spread {over:.2f} against {alone:.2f}); "
                        f"{unread[amount][0]!r} read as the quantity, price = {names.get('price', 'price')!r} / it")
    return inter


def micros_prices(inter: pd.DataFrame, file: Path, report: IngestReport) -> pd.DataFrame:
    """Prices Google writes in millionths of the currency: GA360's BigQuery export's
    ``productPrice`` (16990000 is 16.99, as its schema documents; only beside GA's
    ``productSKU``, since a shop's own ``product_price`` is the price) and any
    ``..._micros`` column (Merchant Center's ``price.amount_micros``). Read as written, a
    16.99 dress cost 17 million."""
    names = inter.attrs.get("source_names", {})
    key = header_key(names.get("price", "")).rsplit(".", 1)[-1]
    ga = key in ("productprice", "localproductprice") and header_key(names.get("item_id", "")) == "productsku"
    if key.endswith("cents") or key.startswith("centsper"):
        # (an app database's 'unit_price_cents', as Stripe and jaffle-shop v2 keep money:
        # unread, every price had been 0 in the bundle; real126-ar)
        inter["price"] = inter["price"] / 100
        report.notes.append(f"{file}: {names['price']!r} is in cents: price = {names['price']!r} / 100")
        return inter
    if not (ga or key.endswith("micros")):
        return inter
    given = inter["price"][inter["price"] > 0]  # (most hits of a GA360 table are priced 0)
    if ga and len(given) and float(given.median()) < 10_000:
        # (a course's cleaned copy divided them already: 74.99, 28.99; read again, 0.000075;
        # real114-aq. No price a shop sells at is a hundredth of a cent in micros)
        return inter
    inter["price"] = inter["price"] / 1e6
    report.notes.append(f"{file}: {names['price']!r} is in millionths of the currency (Google's micros): "
                        f"price = {names['price']!r} / 1,000,000")
    return inter


CURRENCY_KEYS = frozenset({"currency", "currencyofsale", "currencycode", "ordercurrency", "salecurrency",
                           "pricecurrency", "currencyiso", "wahrung", "waehrung", "moneda", "moeda", "valuta",
                           "devise", "divisa", "waluta", "通貨", "货币", "币种", "통화"})
"""Header names (as :func:`.names.header_key` writes them) of a column that says each line's
currency."""


def mixed_currencies(inter: pd.DataFrame, file: Path, report: IngestReport) -> pd.DataFrame:
    """``inter`` with the prices of lines in another currency than most lines' left unknown,
    where a currency column names two or more and the commonest holds fewer than 98 % of
    the priced lines: a Google Play sales report prices one in-app product 3.49, 93.97 and
    17,500.00 (pounds, pesos mexicanos, pesos colombianos), read as one scale of prices
    (real138-as). Not converted: no rate is in the file. Not where an item sold in two
    currencies or more costs about the same in each: the prices are already one currency's
    (GA360's ``productPrice``, in the view's currency beside each hit's ``currencyCode``)."""
    column = next((c for c in inter.columns if not str(c).startswith("_") and header_key(str(c)) in CURRENCY_KEYS),
                  None)
    if column is None or "price" not in inter:
        return inter
    codes = inter[column].astype(str).str.strip().str.upper()
    priced = inter["price"].notna().to_numpy() & (codes != "").to_numpy()
    counts = codes[priced].value_counts()
    if len(counts) < 2 or counts.iloc[0] >= 0.98 * priced.sum():
        return inter
    main = counts.index[0]
    if _one_scale(inter["price"][priced], inter["item_id"][priced], codes[priced]):
        return inter
    other = priced & (codes != main).to_numpy()
    inter["price"] = inter["price"].where(~other)
    shown = ", ".join(f"{c} {n:,}" for c, n in counts.iloc[1:4].items())
    report.notes.append(f"{file}: column {column!r} gives each line's currency, {len(counts)} of them: prices are "
                        f"read in {main} only ({int(counts.iloc[0]):,} lines); the {int(other.sum()):,} lines in "
                        f"another ({shown}{', ...' if len(counts) > 4 else ''}) have no price, since no rate is given")
    return inter


def _one_scale(price: pd.Series, items: pd.Series, codes: pd.Series) -> bool:
    """Whether the items priced in two currencies or more cost about the same in each (the
    dearest currency's median within 1.5 times the cheapest's, on four items in five):
    then the prices are one currency's whatever each line's currency column says."""
    medians = pd.DataFrame({"i": items.to_numpy(), "c": codes.to_numpy(), "p": price.to_numpy()}).groupby(
        ["i", "c"])["p"].median()
    by_item = medians.groupby(level=0)
    spread = (by_item.max() / by_item.min().where(by_item.min() > 0))[by_item.size() >= 2].dropna()
    return len(spread) > 0 and float((spread <= 1.5).mean()) >= 0.8
