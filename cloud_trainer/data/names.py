"""How the reader compares column names: one function, below both the CSV reader
(:mod:`.schema`) and the converters of other formats (:mod:`.formats`), which match a
workbook's sheets by the same names."""

from __future__ import annotations

import re
import unicodedata

_CURRENCY_END = re.compile(r"(?<=...)(?:in)?(?:usd|eur|gbp|inr|cad|aud|nzd|jpy|cny|rmb|chf|sek|nok|dkk|pln|czk|huf|"
                           r"brl|mxn|zar|sgd|hkd|krw|twd|thb|idr|myr|php|vnd|aed|sar|ils|rub|uah)$")
"""A currency's ISO code ending a header key (``unitpriceusd``, ``priceineur``,
``linetotalusd``): no part of the column's name."""

_UNIT_IN_BRACKETS = re.compile(r"\([^()]*\)$")
"""A unit in round brackets ending a header key (``unitprice(eur)``); not ``[...]``: DAX's
``Customer[City]`` names the column in brackets."""


def without_unit(key: str) -> str:
    """A header key (:func:`header_key`) without the unit its name ends in, in brackets or
    as a currency's code: ``unitprice(eur)``, ``unitpriceusd`` and ``linetotal(usd)`` are
    ``unitprice`` and ``linetotal``. The one rule for the schema's names
    (:func:`.headers.normalise_header`) and the line totals' (:mod:`.prices`)."""
    return _CURRENCY_END.sub("", _UNIT_IN_BRACKETS.sub("", key))


def header_key(col: str) -> str:
    """A header name as :func:`.headers.normalise_header` compares it (case, spaces, - and _
    dropped, accents folded: ``Référence`` is ``reference``, ``Stückpreis`` ``stuckpreis``)."""
    key = col.lower().replace(" ", "").replace("-", "").replace("_", "")
    if not key.isascii():
        # Full-width letters as ASCII (NFKC: 'ＩＤ' is 'id'); then accents off Latin letters
        # (Vietnamese's too) only: a kana's voicing mark is part of the word ('コード' is not 'コート').
        key = unicodedata.normalize("NFKC", key).lower()
        key = "".join(_fold(c) if "\u00c0" <= c <= "\u024f" or "\u1e00" <= c <= "\u1eff" else c for c in key)
        key = key.replace("\u0307", "")  # Turkish 'İ' lower-cases to 'i' and a combining dot
        key = key.replace("ı", "i")  # (and its dotless 'ı' has no accent to fold: 'Ürün Adı' is 'urunadi'; round 46)
    return key


def letter_words(file_name: str) -> set[str]:
    """A file name's runs of letters, lower case (``Toys_item2attributes.json``: toys, item,
    attributes, json): what the name says of the file (returns, attributes, a content
    matrix), its digits and separators aside."""
    return set(re.findall(r"[a-z]+", file_name.lower()))


def _fold(letter: str) -> str:
    return "".join(c for c in unicodedata.normalize("NFKD", letter) if not unicodedata.combining(c))


PASSED_OVER = " (not read)"


def passed_over(column: str) -> str:
    """The new name of a column the reader chose another over for the same field (an
    items file's ``book_id`` beside the ``id`` its interactions use; Magento's line key
    beside ``product_id``; GA4's ``user_id`` beside ``user_pseudo_id``): kept in the
    frame, but never read as that field nor as a demographic (:func:`is_passed_over`)."""
    return column + PASSED_OVER


def is_passed_over(column: str) -> bool:
    return column.endswith(PASSED_OVER)


BASKET_HEADER_WORDS = frozenset({"items", "item", "products", "product", "basket", "baskets", "transaction",
                                 "transactions", "itemset", "itemsets", "order", "orders", "groceries", "basketitems",
                                 "itemslist", "itemlist", "artikel", "produkte", "articulos", "produits", "produtos",
                                 "articles", "panier", "warenkorb", "cesta", "carrello"})
"""One word over a file of baskets that names what its lines are, no item."""


def is_basket_header(fields: list[str]) -> bool:
    """Whether a basket file's first line is its header: one field, a word of
    :data:`BASKET_HEADER_WORDS` (``Items``), no basket of one item."""
    return len(fields) == 1 and header_key(fields[0]) in BASKET_HEADER_WORDS
