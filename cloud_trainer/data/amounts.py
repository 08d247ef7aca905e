"""Numbers as exports write them: currencies, thousands marks, decimal commas.

A price or quantity column is first read as plain numbers (:func:`.table.read_table`);
only where some value is none do these readers rewrite the text: ``$1,234.50`` and
``(1.50)`` (:func:`money_amounts`), Swiss ``4'050.66`` and French ``1 234,50``
(:func:`thousands_marks`), a European spreadsheet's ``1.234,56`` (:func:`decimal_points`,
and :func:`european_numbers` where such a column sits in a comma or tab file). Each works
on a column's distinct values: a 4.8 M-line price column has a few thousand.
"""

from __future__ import annotations

import re
import unicodedata

import pandas as pd

_CURRENCY_CODES = ("USD|EUR|GBP|CHF|JPY|CNY|INR|AUD|CAD|NZD|SEK|NOK|DKK|PLN|CZK|HUF|RON|BGN|TRY|BRL|MXN|ZAR|"
                   "RUB|KRW|SGD|HKD|TWD|THB|IDR|MYR|PHP|VND|AED|SAR|ILS|ARS|CLP|COP|PEN|UAH|PKR|LKR|NGN|KES|"
                   "EGP|VNĐ|TL|kr|Kr|Rp\\.?|Rs\\.?|RM|đ")  # (kr: the Scandinavian crowns as their tills
# write them, 'kr 1 249,-'; Rs: a rupee of India, Pakistan or Sri Lanka, 'Rs. 1,299'; RM: a
# Malaysian ringgit; đ: a Vietnamese till's dong, '25.000đ')
_SIGNS = "€£¥₹₩₱฿₦₺₽₫₴₪円원元￥"
"""Currency signs besides the dollar's: a Korean, Philippine, Thai, Nigerian, Turkish,
Russian, Vietnamese, Ukrainian or Israeli price had been no number, its column unread
(and Japan's, Korea's and China's written after the amount: ``1,000円``, ``10,000원``,
``100元``)."""
_DOLLARS = r"(?:(?:R|US|AU|A|CA|C|NZ|HK|SG|S|NT|MX) ?)?\$"
"""A dollar sign, with the letters that say whose (Brazil's real is ``R$``: a Brazilian shop's
``R$ 209,00`` had left every price unread; real17-ai), a space between them as eBay writes
them (``AU $3,000.00``, ``US $84.99``: every price had been unread; round 45)."""
_TAX = r"税(?:込み?|抜き?|別)(?:価格)?"
"""A Japanese price's tax word: ``税込`` (included), ``税抜`` / ``税別`` (excluded), ``税込価格``."""
_MONEY = re.compile(r"(?:" + _TAX + r"\s*)?(?P<open>\()?\s*(?P<lead>-)?\s*(?P<pre>" + _DOLLARS + r"|[" + _SIGNS + "]|(?:" + _CURRENCY_CODES
                    + r")(?=[\s\d]))?\s*"
                    r"(?P<sign>-)?\s*(?P<number>\d[\d.,' ]*?)(?:/-)?\s*(?P<post>[$" + _SIGNS + "]|" + _CURRENCY_CODES + r")?\s*"
                    r"(?P<close>\))?\s*(?:\(" + _TAX + r"\)|" + _TAX + r")?")  # (a Japanese price 'tax included')
"""A money amount as POS and shop exports write it: ``$1,234.50``, ``€ 2,49``, ``2.49 EUR``,
``USD 3``, ``($1.50)`` (an accountant's negative)."""
_US_THOUSANDS = r"\d{1,3}(?:,\d{3})+\.\d+|\d{1,2}(?:,\d{2})+,\d{3}(?:\.\d+)?"
"""Commas grouping thousands before a decimal point (``1,043.00``), or India's lakhs
(``1,29,999.00``): no European amount is written so."""
_COMMA_THOUSANDS = ("$", "£", "USD", "GBP", "US$", "A$", "AU$", "C$", "CA$", "NZ$", "HK$", "S$", "SG$", "NT$", "MX$", "₹", "INR", "Rs", "Rs.",
                    "PKR", "LKR", "¥", "JPY", "CNY", "₩", "KRW", "₱", "PHP", "฿", "THB", "₦", "NGN", "RM", "MYR", "SGD",
                    "円", "원", "元", "￥",
                    "HKD", "AUD", "CAD", "NZD", "KES")
"""Currencies whose amounts group thousands with commas (``$1,234``, ``₹1,299``, ``¥1,200``,
``₩12,000``); others' comma is decimal (Brazil's ``R$ 1.234,56``)."""
_SAME_CURRENCY = {"EUR": "€", "GBP": "£", "JPY": "¥", "CNY": "¥", "INR": "₹", "USD": "$", "US$": "$", "KRW": "₩",
                  "PHP": "₱", "THB": "฿", "NGN": "₦", "TRY": "₺", "RUB": "₽", "VND": "₫", "VNĐ": "₫", "đ": "₫",
                  "Rs.": "Rs", "Rp.": "Rp"}
"""A currency's code and its sign, one currency where :func:`money_amounts` tells each
currency's way of writing amounts (``EUR 1.234,56`` beside ``€2.500``; session aj's review)."""
_GROUPED_EUROPEAN = r"\d{1,3}(?:\.\d{3})+,\d{1,2}"
_EUROPEAN_AMOUNT = _GROUPED_EUROPEAN + r"|\d+,\d{1,2}"


def whole_amounts(text: pd.Series) -> pd.Series:
    """``240,-`` and ``1.249,-`` (Scandinavian and German price tags' whole crowns or euros)
    as ``240`` and ``1.249``, on the distinct values as :func:`money_amounts`; every such
    price had been no number, the column unread."""
    distinct = pd.Series(pd.unique(text.to_numpy()), dtype=object).astype(str)
    dashed = distinct[distinct.str.contains(r"\d[,.]-\s*$", regex=True)]
    if dashed.empty:
        return text
    # (its points group thousands: '1.249,-' is 1249 crowns, not 1.249)
    whole = dashed.str.replace(r"(\d)[,.]-(\s*)$", r"\1\2", regex=True).str.replace(r"(\d)\.(?=\d{3}(?!\d))", r"\1",
                                                                                  regex=True)
    return text.replace(dict(zip(dashed, whole, strict=True)))


_FREE = re.compile(r"free|gratis|gratuit|gratuito|kostenlos|umsonst|no charge|complimentary|n/c|foc|f\.o\.c\.",
                   re.IGNORECASE)
"""A price written as a word for nothing (``FREE``, ``gratis``, ``N/C``, ``FOC``: free of
charge), as tills print a promotion's free item or a staff meal."""


def free_prices(text: pd.Series) -> tuple[pd.Series, int]:
    """``text`` with :data:`_FREE`'s words as ``0``, and how many lines said so: each such
    line had been a bad row, its sale lost for a price that is only context. On the
    distinct values, as :func:`money_amounts`."""
    distinct = pd.Series(pd.unique(text.to_numpy()), dtype=object).astype(str)
    words = distinct[distinct.str.strip().str.fullmatch(_FREE)]
    if words.empty:
        return text, 0
    free = text.isin(set(words))
    return text.where(~free, "0"), int(free.sum())


def thousands_marks(text: pd.Series) -> pd.Series:
    """``4'050.66`` and ``4’050.66`` (Switzerland's thousands, the second Windows' default
    for Swiss German) as ``4050.66``, France's ``1 234,50`` (a space, or Excel's
    no-break one) as ``1234,50``, and ``1,043.00`` / India's ``1,29,999.00`` as
    ``1043.00`` / ``129999.00``, currency or not; on the distinct values, as
    :func:`money_amounts`. (The decimal comma is :func:`decimal_points`' to read.)"""
    distinct = pd.Series(pd.unique(text.to_numpy()), dtype=object).astype(str)
    grouped = distinct[distinct.str.contains(r"\d['’]\d{3}|^\D*\d{1,3}(?:[ \u00a0\u202f]\d{3})+(?:[.,]\d+)?\D*$",
                                             regex=True)]
    # '1,043.00' with no currency sign (a US export quoting its prices), India's '1,29,999.00'.
    commas = distinct[distinct.str.fullmatch("-?(?:" + _US_THOUSANDS + ")")]
    if grouped.empty and commas.empty:
        return text
    mapping = {v: re.sub(r"(?<=\d)['’ \u00a0\u202f](?=\d{3}(?!\d))", "", v) for v in grouped}
    mapping.update({v: v.replace(",", "") for v in commas})
    return text.map(mapping).fillna(text)


_NO_CENTS_NAME = re.compile(r"vnd|vnđ|₫|dong(?![a-z])|idr|(?<![a-z])rp(?![a-z])|rupiah|clp|cop(?![a-z])"
                            r"|jpy|yen(?![a-z])|円|¥|krw|₩|원|won(?![a-z])")
"""A money column's name that says its currency has no cents (a dong's ``price_vnd``,
``Giá (VNĐ)``, a rupiah's ``harga_idr``, a yen's ``price_jpy`` or ``単価(円)``, a won's;
review 80): a comma between digits there groups thousands."""
_NO_CENTS_WORDS = re.compile(r"^(?:đon|don)?gia|thanhtien|tongtien|단가|판매가|가격|금액|単価|金額|価格|販売価格|売価")
"""Vietnamese, Korean and Japanese money headers ('Đơn giá', 'Thành tiền', '단가', '単価'):
the dong, the won and the yen have no cents (review 83)."""


def grouped_thousands(text: pd.Series, key: str = "") -> pd.Series:
    """Money written ``1,350`` with no cents, a comma grouping thousands, beside plain
    numbers (``900``, ``12.50``): as ``1350``. Where no value writes a decimal comma
    beyond doubt, none starts ``0,`` and some values have no comma, a comma with three
    digits after it can only group thousands: read as a decimal comma, ``1,350`` beside
    ``900`` would make the dearest lines a thousandth of the cheap ones (a furniture
    shop's line totals had been bad rows, the column unread: left by session (at)).
    Money only: a deli's ``1,350`` kg among pieces is a weight. On the distinct values.
    Where the column's header ``key`` names a currency without cents (:data:`_NO_CENTS_NAME`,
    :data:`_NO_CENTS_WORDS`), every such comma groups thousands, plain values beside or not."""
    distinct = pd.Series(pd.unique(text.to_numpy()), dtype=object).astype(str)
    grouped = distinct[distinct.str.fullmatch(r"-?[1-9]\d{0,2}(?:,\d{3})+")]
    if grouped.empty:
        return text
    if _NO_CENTS_NAME.search(key) or _NO_CENTS_WORDS.match(key):
        # (a Vietnamese shop's 'Đơn giá' of '17,500' and '120,000' dong, every value with a
        # comma, had been no number and the column unread: session aw's left list)
        return text.map({v: v.replace(",", "") for v in grouped}).fillna(text)
    rest = distinct[~distinct.isin(set(grouped)) & (distinct != "")]
    plain = rest.str.fullmatch(r"-?\d+(?:\.\d+)?")
    if not plain.any() or rest.str.contains(",", regex=False).any():
        return text
    return text.map({v: v.replace(",", "") for v in grouped}).fillna(text)


_DOTTED = ("R$", "Rp", "Rp.", "IDR", "VND", "VNĐ", "₫", "đ", "CLP", "COP", "ARS", "₺", "TRY", "TL")
"""Currencies whose amounts group thousands with points and have no cents in use (a
rupiah's ``Rp 5.000``, ``1.250.000 IDR``, a dong's ``25.000₫``, a Chilean, Colombian or
Argentine peso's, a Turkish lira's ``₺1.250``)."""
_NO_CENTS = ("Rp", "Rp.", "IDR", "VND", "VNĐ", "₫", "đ", "CLP", "COP")
"""Of :data:`_DOTTED`, the currencies whose amounts have no cents at all, so that a comma
between digits can only group thousands as well (``12,990 VND``)."""


def text_number(text: str) -> float | None:
    """One number written as text (a JSON object's ``"19.00"``): US thousands commas
    (``"1,332.00"``), a European amount (``"6.337,78"``, ``"37,90"``), else plain digits;
    None for anything else. The one-value form of what the column readers above do."""
    text = text.strip()
    if re.fullmatch(r"\d{1,3}(?:,\d{3})+(?:\.\d+)?", text):
        text = text.replace(",", "")
    elif re.fullmatch(_GROUPED_EUROPEAN, text):
        text = text.replace(".", "").replace(",", ".")
    elif re.fullmatch(r"\d+,\d{1,2}", text):
        text = text.replace(",", ".")
    return float(text) if re.fullmatch(r"\d+(?:\.\d+)?", text) else None


def money_amounts(text: pd.Series) -> tuple[pd.Series, str]:
    """``text`` with currency signs and codes taken off (``$1.09`` -> ``1.09``), an
    accountant's ``(1.50)`` as ``-1.50``, and a US amount's thousands commas dropped where
    it also has a decimal point (``$1,234.50``), and what was read so ("" when nothing):
    Square's and Lightspeed's exports write every money column so, and each such value was
    a bad row. The decimal comma is :func:`decimal_points`' to read."""
    # On the distinct values: a price column of 4.8 M lines has a few thousand (a regex over
    # every line cost ~2 s a column where nothing is marked).
    distinct = pd.Series(pd.unique(text.to_numpy()), dtype=object).astype(str)
    yen = distinct[distinct.str.match(r"\s*-?\\\d")]
    if len(yen):
        # (Shift-JIS writes the yen sign as the byte of a backslash: a Japanese Excel's
        # currency cells, '\2,500 ', decode so; every price had been no number; real109-aq)
        as_yen = {v: re.sub(r"\\(?=\d)", "¥", v, count=1) for v in yen}
        text = text.replace(as_yen)
        distinct = distinct.replace(as_yen)
    wide = distinct[distinct.str.contains("[０-９（）]", regex=True)]
    if len(wide):
        # (a Japanese shop's full-width '５８０円', '（税込）': read as their plain forms;
        # session an's review)
        plain = {v: unicodedata.normalize("NFKC", v) for v in wide}
        text = text.replace(plain)
        distinct = distinct.replace(plain)
    marked = distinct.str.contains(r"[$" + _SIGNS + "()]|" + _CURRENCY_CODES, regex=True)
    if not marked.any():
        return text, ""
    marked_values = set(distinct[marked])
    marked = text.isin(marked_values)
    parts = text[marked].str.extract("^" + _MONEY.pattern + "$")
    parts["pre"] = parts["pre"].str.replace(" ", "", regex=False)  # ('AU $' is 'AU$')
    ok = parts["number"].notna() & (parts["pre"].notna() | parts["post"].notna() | parts["open"].notna())
    ok &= parts["open"].isna() == parts["close"].isna()
    if not ok.any():
        return text, ""
    number = parts["number"].str.replace(r"[' \u00a0\u202f]", "", regex=True).str.rstrip(".,")
    # '$1,234.50'; and '$1,234' where the sign is a dollar's or a pound's, which group
    # thousands with commas ('€ 1,234' is a European 1.234).
    # (a currency with no cents in use groups thousands with commas too where a file writes
    # them so: '12,990 VND', 'IDR 5,000')
    commas = _COMMA_THOUSANDS + _NO_CENTS
    us = number.str.fullmatch(_US_THOUSANDS) | (
        (parts["pre"].isin(commas) | parts["post"].isin(commas)) & number.str.fullmatch(r"\d{1,3}(?:,\d{3})+"))
    number = number.where(~us, number.str.replace(",", "", regex=False))
    # A column that writes a dollar's amounts the European way ('US$ 1.299,90', a Brazilian
    # shop's dollar prices) groups thousands with points on its other lines too: its 'US$
    # 1.234' beside them had been read as 1.234 (session ai's second review).
    # Per currency: one '€ 1.200,00' says nothing of a column's '$2.886' (a fuel price to the
    # tenth of a cent; session aj's review).
    sign = parts["pre"].fillna(parts["post"]).fillna("").replace(_SAME_CURRENCY)
    # (and per currency the other way: one '¥1,200' says nothing of a column's '€1.200';
    # session an's review)
    european = sign.isin(set(sign[number.str.fullmatch(_GROUPED_EUROPEAN).fillna(False)])) & ~sign.isin(set(sign[us]))
    # '1,20 €' (quoted in a comma file: a French bakery's till), '€ 1.234,56': a comma
    # before one or two last digits is a decimal comma, whatever the separator, where the
    # currency is not a dollar's or a pound's.
    euro = (european | ~parts["pre"].isin(_COMMA_THOUSANDS) & ~parts["post"].isin(_COMMA_THOUSANDS)) & (
        number.str.fullmatch(_EUROPEAN_AMOUNT))
    number = number.where(~euro, number.str.replace(".", "", regex=False).str.replace(",", ".", regex=False))
    # 'R$ 1.234' (no decimals): the point groups thousands where the currency's comma is
    # decimal; read as 1.234 it was a thousandth of the price (session ai's review).
    # (so does Indonesia's 'Rp 5.000': a samosa shop's 546 prices had been bad rows; real44-am)
    dotted = (european | parts["pre"].isin(_DOTTED) | parts["post"].isin(_DOTTED)) & number.str.fullmatch(
        r"\d{1,3}(?:\.\d{3})+")
    number = number.where(~dotted, number.str.replace(".", "", regex=False))
    negative = parts["open"].notna() | parts["sign"].notna() | parts["lead"].notna()
    number = number.where(~negative, "-" + number)
    out = text.copy()
    out[ok[ok].index] = number[ok]
    signs = sorted(set(parts.loc[ok, "pre"].dropna()) | set(parts.loc[ok, "post"].dropna()))
    said = f"amounts with a currency ({', '.join(signs) or 'in brackets'}) read as numbers"
    return out, said + (", (1.50) as -1.50" if parts.loc[ok, "open"].notna().any() else "")


_DECIMAL_COMMA = r"-?\d+,\d+"
_THOUSANDS_DOTS = r"-?[1-9]\d{0,2}(?:\.\d{3})+(?:,\d+)?"  # not '0.500': half a kilo


def decimal_points(text: pd.Series, thousands_dots: bool = False) -> tuple[pd.Series, str]:
    """``text`` with a decimal comma (``1,5``) written as a point, and what was read so
    ("" when nothing): a semicolon file is a European spreadsheet export, where 1,5 means
    1.5. Only a whole value of digits, one comma, digits is changed (not ``1,234,567``).

    ``thousands_dots``: the file writes its decimals with commas, so a point can only
    group thousands: ``1.000`` is a thousand and ``1.234,56`` is 1234.56 (read as 1.0
    and as no number before)."""
    comma = text.str.fullmatch(_DECIMAL_COMMA)
    grouped = text.str.fullmatch(_THOUSANDS_DOTS) if thousands_dots else comma & False
    said = [w for w, found in (("a decimal comma (1,5) read as 1.5", comma.any()),
                               ("points grouping thousands (1.000, 1.234,5) read as 1000, 1234.5", grouped.any()))
            if found]
    if not said:
        return text, ""
    text = text.where(~grouped, text.str.replace(".", "", regex=False))
    return text.where(~(comma | grouped), text.str.replace(",", ".", regex=False)), " and ".join(said)


def european_numbers(text: pd.Series) -> tuple[pd.Series, str]:
    """A column that a file which is no European spreadsheet's (a comma file quoting
    ``"1234,50"``, Excel's tab-separated "Unicode Text") still writes the European way:
    where more than half its values are such amounts (``12,50``, ``1.234,56``:
    ``_EUROPEAN_AMOUNT``), read as :func:`decimal_points` reads a semicolon file's; a
    stray ``1,5`` among ``1.5`` is a typo and stays a bad row. On the distinct values."""
    distinct = pd.Series(pd.unique(text.to_numpy()), dtype=object).astype(str)
    # Most values one comma among digits and no point anywhere, some with a part no
    # thousands mark writes ('2024,994', '809,76'): the comma is decimal on every line, three
    # decimals too. A French order file's computed unit prices had been dropped whole, 47,551
    # of 51,075 'no number' (real28-ak); '1,234' and '12,500' alone stay as they were.
    commas = distinct[distinct.str.fullmatch(_DECIMAL_COMMA)]
    # (no thousands group starts with 0: '0,750' is three quarters of a kilo; session ak's review)
    odd = set(commas[~commas.str.fullmatch(r"-?[1-9]\d{0,2},\d{3}")])
    # (the odd ones on a twentieth of the lines at least: one typed '19,99' had made a
    # column's '1,299' 1.299; session ak's reviews)
    if (odd and not distinct.str.contains(".", regex=False).any()
            and text.isin(set(commas)).sum() * 2 > (text != "").sum() and text.isin(odd).sum() * 20 >= (text != "").sum()):
        return decimal_points(text)
    zero = commas.str.fullmatch(r"-?0,\d+").any()  # '0,750': no thousands group starts with 0
    if (len(commas) and not distinct.str.contains(".", regex=False).any()
            and distinct.str.fullmatch(r"-?\d+(?:,\d{1,2})?|" + (r"-?\d+,\d+|" if zero else "")).all()):
        # Whole numbers but for some with one or two decimals after a comma, which no
        # thousands mark writes: a Polish sheet's tea at '1,5' among prices of 2, 3 and 5 had
        # lost 1,081 of its 1,085 lines as 'not a number' (real37-al). Three decimals too where
        # a value starts '0,' (weights below a kilo, however few, beside whole pieces).
        return decimal_points(text)
    european = distinct[distinct.str.fullmatch("-?(?:" + _EUROPEAN_AMOUNT + ")")]
    if european.empty:
        return text, ""
    if text.isin(set(european)).sum() * 2 <= (text != "").sum():
        # A minority, but '1.660,00' (points grouping thousands before a decimal comma)
        # and '610,00' (cents after a comma) can be read no other way: no thousands group
        # has two digits. They had been bad rows beside 'EUR 610,00', which the currency
        # reader reads (fuzz-ac: 8 % of a file's lines). A stray '1,5' stays a bad row.
        cents = european[european.str.fullmatch(r"-?(?:" + _GROUPED_EUROPEAN + r"|\d+,\d\d)")]
        if cents.empty:
            return text, ""
        mapping = {v: v.replace(".", "").replace(",", ".") for v in cents}
        return text.map(mapping).fillna(text), (f"decimal commas (e.g. {cents.iloc[0]!r}) on a minority of lines, "
                                                "read so: such an amount can be read no other way")
    return decimal_points(text, thousands_dots=True)


_CENTS_AFTER_COMMA = re.compile(r"-?\d+,\d{1,2}|-?[1-9]\d{0,2}(?:\.\d{3})+,\d+")
"""A decimal comma beyond doubt: one or two decimals (``2,49``; ``1,234`` may group
thousands), or points grouping thousands before it (``1.234,5``)."""
_CENTS_AFTER_POINT = re.compile(r"-?\d+\.\d{1,2}|-?[1-9]\d{0,2}(?:,\d{3})+\.\d+")


def _distinct_amounts(frame: pd.DataFrame, column: str) -> tuple[pd.Series, pd.Series]:
    """A column's distinct values, stripped, and the same as :func:`money_amounts` reads
    them ('€ 2,49' too): what the two tests below look at."""
    distinct = pd.Series(pd.unique(frame[column].astype(str).str.strip().to_numpy()), dtype=object)
    return distinct, money_amounts(distinct)[0]


def decimal_comma_example(frame: pd.DataFrame, columns: list[str]) -> str | None:
    """A value of these columns written with a decimal comma beyond doubt (``2,49``,
    ``R$ 1.234,56``), where such values outnumber those with a decimal point: what says
    the file comes from a country that writes the day first. Else None."""
    for c in columns:
        distinct, values = _distinct_amounts(frame, c)
        comma = values.str.fullmatch(_CENTS_AFTER_COMMA).fillna(False).to_numpy(dtype=bool)
        if comma.sum() > values.str.fullmatch(_CENTS_AFTER_POINT).fillna(False).to_numpy(dtype=bool).sum():
            return str(distinct[comma].iloc[0])
    return None


def writes_decimal_commas(frame: pd.DataFrame, columns: list[str]) -> bool:
    """Whether any of these columns writes a decimal comma (``2,49`` or ``1.234,56``)."""
    for c in columns:
        values = _distinct_amounts(frame, c)[1]
        if values.str.contains(",", regex=False).any() and values.str.fullmatch(
                f"{_DECIMAL_COMMA}|{_THOUSANDS_DOTS}").any():
            return True
    return False
