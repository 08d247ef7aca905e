"""The generic retail schema and the row validator every adapter goes through.

Any retailer can plug in its own export as three CSV files (UTF-8, header row,
comma separated); the Complete Journey and REES46 adapters read their native
files through the same validator and map them onto the same columns.

``interactions`` -- one shopper action on one item:

=============  ========  ===================================================
column         required  meaning
=============  ========  ===================================================
user_id        yes       shopper / household / loyalty card id
item_id        yes       product id (matches ``items.item_id``)
timestamp      yes       ISO 8601; without an offset it is store-local time
event_type     no        ``view``, ``cart``, ``purchase``, ``favorite``; empty
                         or no column means ``purchase`` (till/rating exports)
quantity       no        units (> 0); empty means 1
price          no        unit price (>= 0); empty means the item's price
store_id       no        store the action happened in
session_id     no        basket / session id; empty means 30-minute sessions
=============  ========  ===================================================

``items`` -- the catalogue: ``item_id`` (required), ``name``, ``category``,
``department``, ``brand``, ``price`` (>= 0), ``attributes`` (a JSON object or
``key=value;key=value``). Empty fields become ``unknown`` (text) or are derived
from the interactions (price).

``users`` -- ``user_id`` (required) plus any number of demographic columns
(free text, e.g. ``age``, ``income``, ``household_size``); every non-empty value
becomes a context value the model may use for opted-in shoppers.

Validation never stops at the first bad row: each bad row is reported as
``file:line: column: reason`` in an :class:`IngestReport`, skipped and
counted, and the load goes on. Only a missing file, a missing required column
or a file without a single usable row stops the load, with a one-line
:class:`DataError`. How the times real exports write are read is
:mod:`.timestamps`; JSON lines and Parquet are :mod:`.formats`; files without a
header line are :mod:`.headerless`.
"""

from __future__ import annotations

import codecs
import contextlib
import csv
import io
import json
import re
import threading
from collections import Counter
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any, Literal

import numpy as np
import pandas as pd

from . import charsets, formats, headerless
from .amounts import (
    decimal_points,
    european_numbers,
    money_amounts,
    thousands_marks,
    writes_decimal_commas,
)
from .names import header_key, passed_over
from .sampling import ShopperSample, available_memory, shopper_key
from .timestamps import DAY_ZERO, clock_text, month_days, parse_timestamps

EVENT_TYPES: tuple[str, ...] = ("view", "cart", "purchase", "favorite")
"""Shopper actions, weakest to strongest signal (favorite sits apart: a stated liking)."""

EVENT_SYNONYMS: dict[str, str] = {
    **dict.fromkeys(("transaction", "buy", "bought", "order", "purchased", "sale", "checkout", "orders",
                     "purchases", "payment"), "purchase"),  # Square's Event Type: Payment (or Refund)
    **dict.fromkeys(("addtocart", "addtobasket", "basket", "cartadd", "carts"), "cart"),
    **dict.fromkeys(("detail", "pageview", "productview", "viewed", "pv", "views",
                     "viewitem"), "view"),  # Google Analytics 4: view_item, add_to_cart, purchase
    # steam-200k lists each game twice, 'purchase' then 'play' (hours played): a use of
    # what the player already has, a signal like a view, not a second purchase.
    **dict.fromkeys(("play", "played"), "view"),
    # Tianchi-style Chinese logs: browse, add to cart, buy, collect
    **dict.fromkeys(("浏览", "点击浏览"), "view"), "加购": "cart", "加入购物车": "cart", "购买": "purchase",
    "收藏": "favorite",
    **dict.fromkeys(("wishlist", "addtowishlist", "favourite", "like", "fav", "favorites", "favourites"), "favorite"),
    # the e-commerce event names of Segment's spec (also Mixpanel's and Amplitude's
    # tracking plans), Klaviyo's metrics, and warehouse copies of them in capitals
    **dict.fromkeys(("productviewed", "viewedproduct", "productview"), "view"),
    **dict.fromkeys(("productadded", "addedtocart", "productaddedtocart"), "cart"),
    **dict.fromkeys(("ordercompleted", "orderedproduct", "placedorder", "orderplaced", "purchasecompleted",
                     "productpurchased"),
                    "purchase"),
    **dict.fromkeys(("productaddedtowishlist", "addedtowishlist"), "favorite"),
}
"""What public event exports call the four actions (Retail Rocket's ``addtocart`` and
``transaction``, ``add_to_cart``, ``wishlist``...), keyed without case, spaces, dashes or
underscores. Only names that mean the action without doubt: ``click`` (an ad? a
product?) and ``remove_from_cart`` stay bad rows."""


def parse_event_codes(text: str) -> dict[str, str]:
    """``0=view,1=cart,2=purchase,3=favorite`` (``--event-codes``) as ``{"0": "view", ...}``:
    what an export's coded event column means (Tmall's ``action_type``: 0 click, 1 add to
    cart, 2 purchase, 3 favourite; Taobao's ``behavior_type``: 1 view .. 4 buy). Raises
    ``ValueError`` naming the bad part."""
    codes: dict[str, str] = {}
    for part in text.split(","):
        code, sep, event = (x.strip() for x in part.partition("="))
        if not part.strip():
            continue
        if not sep or not code:
            raise ValueError(f"--event-codes: {part.strip()!r} is not CODE=EVENT")
        event = EVENT_SYNONYMS.get(header_key(event), event.lower())
        if event not in EVENT_TYPES:
            raise ValueError(f"--event-codes: {part.strip()!r}: the event must be one of {', '.join(EVENT_TYPES)}")
        code = code.lower()
        already = code if code in EVENT_TYPES else EVENT_SYNONYMS.get(header_key(code))
        if already is not None and already != event:  # 'cart=purchase': it would be ignored
            raise ValueError(f"--event-codes: {part.strip()!r}: {code!r} already names the action {already!r}")
        if code in codes:
            raise ValueError(f"--event-codes: {part.strip()!r}: code {code!r} is given twice")
        codes[code] = event
    if not codes:
        raise ValueError("--event-codes: no CODE=EVENT pair given")
    return codes


def with_event_codes(spec: TableSpec, codes: dict[str, str] | None) -> TableSpec:
    """``spec`` whose ``event_type`` column also reads ``codes`` (:func:`parse_event_codes`)
    as the events they stand for, with the note synonyms get."""
    if not codes:
        return spec
    columns = tuple(
        replace(c, synonyms={**c.synonyms, **codes})
        if c.name == "event_type" else c
        for c in spec.columns
    )
    return replace(spec, columns=columns)

INTERACTION_COLUMNS: tuple[str, ...] = (
    "user_id",
    "item_id",
    "timestamp",
    "event_type",
    "quantity",
    "price",
    "store_id",
    "session_id",
)
ITEM_COLUMNS: tuple[str, ...] = (
    "item_id",
    "name",
    "category",
    "department",
    "brand",
    "price",
    "attributes",
)
USER_ID = "user_id"

UNKNOWN_TEXT = "unknown"
"""What an empty category / department / brand becomes after loading."""

ROW = "row"
"""Column name used in errors about the row as a whole (wrong number of fields)."""

MAX_STORED_ERRORS = 2000
"""Errors kept verbatim; beyond that only the counts grow (a broken export of
millions of rows must not exhaust memory)."""


class DataError(Exception):
    """Input that cannot be used at all. The message is one line naming the file and why."""


class MissingColumns(DataError):
    """A file without the columns its table needs: maybe another table altogether (a
    category tree beside an adapter's event files). ``found``: how many of the required
    columns it has (none: another table; some: a broken or renamed export)."""

    def __init__(self, message: str, found: int) -> None:
        super().__init__(message)
        self.found = found


ColumnKind = Literal["str", "float", "timestamp", "enum"]


@dataclass(frozen=True)
class Column:
    """How one CSV column is validated."""

    name: str
    kind: ColumnKind = "str"
    required: bool = True
    """Must be present in the header and non-empty in every row."""
    min_value: float | None = None
    min_exclusive: bool = False
    choices: tuple[str, ...] = ()
    """For ``enum``: allowed values (compared lower-case)."""
    synonyms: dict[str, str] = field(default_factory=dict, hash=False)
    """For ``enum``: other names of the choices, keyed without case, spaces, dashes or
    underscores; read as the choice, with a note counting them."""
    aliases: tuple[str, ...] = ()
    """Other header names public exports give this column (``CustomerID``, ``StockCode``,
    ``InvoiceDate``), keyed without case, spaces, dashes or underscores, most specific
    first. Used only when the file has no column of this name, with a note."""
    timestamp_format: str | None = None
    """strftime format read first; what it leaves is read as any export's times are."""
    free_text: bool = False
    """A name or description: a missing-value marker there (a title 'None') is kept as
    written; in an id, code, number or event column it is read as blank."""

    @property
    def header_keys(self) -> frozenset[str]:
        """The header names (as :func:`header_key` writes them) read as this column: its
        own name, camelCase or run together, and its aliases."""
        return frozenset((self.name.replace("_", ""), *self.aliases))


@dataclass(frozen=True)
class TableSpec:
    """The columns a file must/may have. Columns not listed are kept as text."""

    name: str
    columns: tuple[Column, ...]

    @property
    def required(self) -> list[str]:
        return [c.name for c in self.columns if c.required]

    def column(self, name: str) -> Column | None:
        """The column called ``name``, or None."""
        return next((c for c in self.columns if c.name == name), None)


DAY_NUMBER_KEYS = ("day", "dayno", "daynumber", "dayindex", "dayid")
"""Normalised header names of a column that may count days instead of dating them
(dunnhumby's ``DAY``: 1-711 in The Complete Journey's Kaggle release, 1-728 in
Carbo-Loading), read as such only when every value is a whole number of <= 5 digits."""

# The header names public data sets use (UCI Online Retail, Retail Rocket, REES46,
# MovieLens, Instacart, Ta-Feng, Dunnhumby, Amazon reviews, Yelp, Book-Crossing,
# Last.fm, academic dumps' uid / iid), for the columns whose meaning they cannot
# mistake. Not "type" or "amount": too often something else (a payment type, money).
# A file with separate date and time columns gets its date read (a day is a coarse
# timestamp; a time of day alone is none). Olist's customer_unique_id is the person and
# its customer_id one per order, so the first is taken when a join has both.
# European tills and web shops write their headers in their language (a German till's
# Kunde;Artikel;Datum;Menge;Preis was refused for missing columns): the words for the
# customer, the article, quantity, price and receipt in German, French, Spanish, Italian
# and Dutch, accents folded (header_key), only where the word can mean nothing else.
USER_ALIASES = ("customeruniqueid", "customerid", "customercode", "customernumber", "customerno",
                "cardcode",  # (SAP Business One's business partner)
                # (alias order is preference: a number before an e-mail or a bare word)
                "kundennummer", "kundennr", "kundenid", "numeroclient", "codeclient", "n°client", "noclient",
                "idclient", "idcliente", "codicecliente",
                "klantnummer", "klantid",
                "customer", "visitorid", "householdid", "householdkey",
                "household", "shopperid", "clientid", "memberid", "membernumber", "memberno", "accountid",
                "cardid", "reviewerid", "uid", "user", "email", "customeremail", "emailaddress", "email(billing)", "billingemail",
                # ('client' alone is not one: an event log's client is the app, ios or web)
                "kunde", "cliente", "klant", "klient", "idklienta",
                "custid", "custno", "customer#", "clienteid", "kundnr", "kundenr", "kundenr.", "buyerusername", "loyaltyid",
                "loyaltycardnumber",
                # A name last: two shoppers may share one (Loyverse's and Clover's 'Customer name'),
                # but a till that gives no id was read as anonymous baskets only.
                "buyerid", "buyeremail", "buyer",  # Etsy's sold items, Amazon's shipments report
                "fullvisitorid",  # Google Analytics (Universal Analytics) exports
                "клиент", "покупатель", "кодклиента", "musteri", "musterino", "musterikodu",
                "customername", "reviewprofilename", "profilename",
                # Chinese and Japanese tills and Tianchi-style exports
                "用户id", "用户", "顾客id", "客户id", "会员id", "顧客id", "会員id", "顧客番号", "顧客コード",
                "顧客編號", "客戶id", "客戶編號", "會員id", "會員編號",  # Traditional (Taiwan: Ta-Feng's own file)
                "userpseudoid",  # Google Analytics 4 (_pseudonymous_user_column)
                # last: other domains' and programmes' names, each read only where nothing
                # above names the shopper (a books file's 'Author ID' is no shopper)
                "msno", "authorid", "distinctid")  # (Mixpanel's distinct_id)
ITEM_ALIASES = ("productid", "stockcode", "sku", "articleid", "itemcode", "productcode", "movieid", "bookid", "isbn",
                "songid", "trackid", "artistid", "businessid", "recipeid", "iid",
                "skuid", "itemsku", "productsku",  # JData's sku_id; Clover's Item SKU; BigCommerce's Product SKU
                "listingid",  # Etsy: a listing, where its SKU is blank
                "артикул", "кодтовара", "товар", "urunkodu", "urun",
                "beerbeerid", "beerid",  # BeerAdvocate
                "parentasin",  # Amazon 2023: the product; its 'asin' is a variant, and the meta file has no other
                "asin", "upc", "ean", "product", "article", "item", "aid",
                "itemdescription", "menuitem",  # Kaggle's Groceries, a Toast till: the item's name is its only id
                "lineitemsku",  # Shopify's orders export: one line item a line
                "artikelnummer", "artikelnr", "artikelid", "produktid", "referenceproduit", "idproducto",
                "codiceprodotto", "codicearticolo", "artikelcode", "productnummer",
                "codigoproduto", "idproduto",
                "artikel", "produkt", "produit", "articulo", "producto", "articolo", "prodotto", "produto",
                "商品id", "商品编号", "商品编码", "商品コード", "商品番号", "商品", "商品編號", "商品代碼",
                # An order's products packed in one cell (Shopware's 'lineItems' '1x SW10001|2x
                # SW10078', BigCommerce's 'Product Details'): lines.item_lists splits them
                "lineitems", "productdetails", "orderitems", "orderlines",
                # the item of other domains' logs and of more tills and marketplaces
                "videoid", "animeid", "gameid", "courseid", "placeid", "newsid", "itemnbr", "itemnumber",
                "itemno", "itemno.", "variantsku", "variantid", "partnumber", "partno", "articleno", "articleno.",
                "artnr", "art.nr.", "varenr", "varenr.", "barcode", "#depublicacion")
# Not "sales_price" / "sales_value": Ta-Feng's and dunnhumby's are the line's total, which
# loaders.LINE_TOTAL_KEYS divides by the quantity when there is no unit price.
PRICE_ALIASES = ("unitprice", "itemprice", "listprice", "lineitemprice", "preis", "einzelpreis", "stuckpreis",
                 "prix", "prixunitaire", "precio", "preciounitario", "prezzo", "prezzounitario", "prijs",
                 "stukprijs", "productunitprice", "preco", "precounitario", "cena", "cenajednostkowa",
                 "单价", "単価", "价格", "価格", "單價", "價格", "цена", "fiyat", "birimfiyat", "stk.pris", "stkpris",
                 "enhedspris", "styckpris")

GENERIC_INTERACTIONS = TableSpec(
    "interactions",
    (
        Column("user_id", aliases=USER_ALIASES),
        Column("item_id", aliases=ITEM_ALIASES),
        Column("timestamp", "timestamp",
               aliases=("eventtime", "eventtimestamp", "eventts", "visitstarttime", "orderpurchasetimestamp", "purchasetimestamp",
                        "ordertimestamp", "unixreviewtime", "invoicedate", "transactiontimestamp",
                        "transactiondate", "transactiondt", "transactiondateandtime", "transactiontime", "orderdatetime", "orderdate", "purchasedate",
                        "datetime", "createdat", "dateadded", "eventdate", "date", "tdat", "time", "ts",
                        "datum", "zeitstempel", "fecha", "datahora", "dataora", "tijdstip", "docdate", "postingdate",
                        "documentdate", "belegdatum", "reviewtime", "lineitemdate",
                        "时间", "日期", "购买时间", "购买日期", "下单时间", "購入日", "購入日時", "日付", "日時",
                        "交易日期", "交易时间", "交易時間", "時間", "購買日期", "受注日", "注文日",
                        "saledate", "solddate", "datesold", "fechadeventa", "fechaventa",
                        "дата", "датапродажи", "tarih", "islemtarihi",
                        *DAY_NUMBER_KEYS)),
        # Till and rating exports have no event type: every row is a purchase.
        Column("event_type", "enum", required=False, choices=EVENT_TYPES, synonyms=EVENT_SYNONYMS,
               aliases=("event", "eventname", "behavior", "behaviour", "behaviortype", "interactiontype",
                        "action", "actiontype", "行为类型", "行为", "行動")),
        Column("quantity", "float", required=False, min_value=0.0, min_exclusive=True,
               aliases=("qty", "units", "lineitemquantity", "qtyordered", "quantityordered", "productquantity",
                        "qtysold", "menge", "anzahl", "quantite", "cantidad",
                        "quantita", "aantal", "quantidade", "ilosc", "productqty",
                        "scancount", "数量", "购买数量", "數量", "unidades", "antal", "quantityshipped", "количество", "колво", "adet", "miktar")),  # Walmart's: -1 for an item returned, a bad row as any quantity <= 0
        Column("price", "float", required=False, min_value=0.0, aliases=PRICE_ALIASES),
        Column("store_id", required=False, aliases=("store", "storecode", "shopid", "shop")),
        Column("session_id", required=False,
               aliases=("basketid", "sessionid", "usersession", "invoiceno", "invoice", "orderid", "transactionid",
                        "receiptid", "session", "basket", "transaction", "transactionno", "receiptno",
                        "ticketid", "docnum", "ticket", "n°ticket", "noticket", "numeroticket", "scontrino",
                        "numeroscontrino", "receiptnumber", "saleid", "invoicenumber", "transactionnumber", "bonnummer", "belegnummer", "beleg", "kassenbon", "commande",
                        "numerocommande", "pedido", "numeropedido", "ordine", "bestelling", "bestelnummer",
                        "ticketnumber", "paragon", "numerparagonu", "订单号", "订单id", "订单编号", "注文番号",
                        "注文id", "レシート番号", "orderref", "orderreference", "incrementid", "чек", "номерчека",
                        "fisno", "fis", "visitid", "visitnumber", "amazonorderid", "fakturanr", "fakturanr.")),
    ),
)
GENERIC_ITEMS = TableSpec(
    "items",
    (
        # In a catalogue file a bare "id" can only be the item (Last.fm's artists.dat).
        Column("item_id", aliases=(*ITEM_ALIASES, "id")),
        Column("name", required=False, free_text=True,
               # A title before a description (Amazon's product metadata has both; the second is prose)
               aliases=("productname", "prodname", "itemname", "title", "movietitle", "description",
                        "productdescription", "lineitemname",
                        "bezeichnung", "artikelbezeichnung", "artikelname", "produktname", "designation",
                        "libelle", "nomproduit", "descripcion", "nombreproducto", "descrizione", "omschrijving",
                        "productnaam", "artikel", "produkt", "produit", "producto", "prodotto", "articolo",
                        "articulo", "varenavn", "varubenamning")),
        Column("category", required=False,
               aliases=("categorycode", "categoryname", "productcategory", "categoryid", "aisle", "aisleid",
                        "genres", "genre", "class", "productclass", "commoditydesc", "commodity", "catid",
                        "itemcategory", "producttypename", "productsubclass", "subclass", "finelinenumber",
                        "商品分類", "商品分类", "分類", "分类", "类别", "類別",
                        "warengruppe", "kategorie", "categorie", "categoria", "rubrique", "familia", "famille")),
        Column("department", required=False, aliases=("departmentname", "departmentid", "dept", "departmentdescription",
                                                    "deptdesc", "deptdescription")),
        Column("brand", required=False, aliases=("brandname", "brandid", "marke", "marque", "marca", "merk")),
        Column("price", "float", required=False, min_value=0.0, aliases=PRICE_ALIASES),
        Column("attributes", required=False, free_text=True),
    ),
)
GENERIC_USERS = TableSpec("users", (Column("user_id", aliases=(*USER_ALIASES, "id")),))


@dataclass(frozen=True)
class RowError:
    """One rejected row: where it is and why."""

    file: str
    line: int
    column: str
    reason: str

    def __str__(self) -> str:
        return f"{self.file}:{self.line}: {self.column}: {self.reason}"


@dataclass
class FileStats:
    """Row counts for one input file (data rows, header excluded)."""

    file: str
    rows_read: int = 0
    rows_kept: int = 0
    rows_skipped: int = 0
    rows_sampled_out: int = 0
    """Rows of shoppers a sample left out (:mod:`.sampling`): not bad, not read."""


@dataclass
class IngestReport:
    """Everything the loaders rejected, per file and per reason."""

    files: dict[str, FileStats] = field(default_factory=dict)
    errors: list[RowError] = field(default_factory=list)
    error_count: int = 0
    reasons: Counter[str] = field(default_factory=Counter)
    """Error counts by ``column: reason-kind`` (the reason up to its first colon)."""
    notes: list[str] = field(default_factory=list)
    """Whole-file remarks (an optional file absent, a derived field...)."""
    sample: ShopperSample | None = None
    """The shopper sample the interactions were read with, when one was taken."""

    def stats(self, file: str) -> FileStats:
        if file not in self.files:
            self.files[file] = FileStats(file)
        return self.files[file]

    def add_error(self, file: str, line: int, column: str, reason: str) -> None:
        self.error_count += 1
        self.reasons[f"{column}: {reason_kind(reason)}"] += 1
        if len(self.errors) < MAX_STORED_ERRORS:
            self.errors.append(RowError(file, line, column, reason))

    @property
    def rows_skipped(self) -> int:
        return sum(s.rows_skipped for s in self.files.values())

    @property
    def rows_kept(self) -> int:
        return sum(s.rows_kept for s in self.files.values())

    def summary(self, max_lines: int = 10) -> str:
        """A few readable lines: per-file counts and the first errors."""
        lines = [
            f"{s.file}: {s.rows_read} rows read, {s.rows_kept} kept, {s.rows_skipped} skipped"
            + (f", {s.rows_sampled_out} of shoppers outside the sample" if s.rows_sampled_out else "")
            for s in self.files.values()
        ]
        lines += [f"note: {note}" for note in self.notes]
        lines += [f"  {err}" for err in self.errors[:max_lines]]
        if self.error_count > max_lines:
            lines.append(f"  ... {self.error_count - max_lines} more errors")
        return "\n".join(lines)

    def to_json(self, max_errors: int = 50) -> dict[str, Any]:
        return {
            "files": {k: vars(v).copy() for k, v in self.files.items()},
            "rows_kept": self.rows_kept,
            "rows_skipped": self.rows_skipped,
            "error_count": self.error_count,
            "errors_by_reason": dict(self.reasons.most_common()),
            "first_errors": [str(e) for e in self.errors[:max_errors]],
            "notes": list(self.notes),
            **({"sample": self.sample.to_json()} if self.sample is not None else {}),
        }


@dataclass
class RawDataset:
    """Validated input in the generic schema, before any cleaning or encoding.

    ``interactions``: the :data:`INTERACTION_COLUMNS`; ``timestamp`` is
    ``datetime64`` store-local wall time, ``quantity``/``price`` float (NaN =
    not given), text columns ``""`` when not given. ``items``: the
    :data:`ITEM_COLUMNS` (``attributes`` a JSON string). ``users``: ``user_id``
    plus demographic text columns.
    """

    name: str
    interactions: pd.DataFrame
    items: pd.DataFrame
    users: pd.DataFrame
    report: IngestReport
    fingerprint: str
    """sha256 over the bytes of every input file read, in a fixed order."""
    timezone: str = "UTC"
    """Zone the timestamps were converted to (hour/weekday context is in it)."""
    real_context: tuple[str, ...] = ("hour", "weekday")
    """Context fields the timestamps really tell: a file of day numbers has a made-up
    weekday, a file without times (given its file order as a clock) neither. Systems
    keyed on the others (sales heat by weekday) are not offered to the device."""
    sources: list[str] = field(default_factory=list)

    def load_line(self, seconds: float) -> str:
        """The ``[load]`` line ``train`` and ``check-data`` both print."""
        return (f"[load] {self.name}: {len(self.interactions)} interactions, {len(self.items)} items, "
                f"{len(self.users)} users with a profile ({seconds:.1f} s)")


def read_table(
    path: Path,
    spec: TableSpec,
    report: IngestReport,
    *,
    hasher: Any | None = None,
    display_name: str | None = None,
    may_lack: tuple[str, ...] = (),
    sample: ShopperSample | None = None,
) -> pd.DataFrame:
    """Read and validate one CSV file; bad rows go to ``report`` and are dropped.

    ``may_lack``: required columns the file may lack altogether (the caller then
    fills them, as the generic loader gives a file without times a clock); when
    present they are required in every row as usual.

    ``sample``: read only a sample of whole shoppers when the file has more lines than
    its budget (:mod:`.sampling`); what it kept is in ``report.sample``.

    Returns a DataFrame with the file's columns (validated ones converted:
    ``float`` -> float64 with NaN for empty, ``timestamp`` -> naive
    ``datetime64`` (UTC if the text had an offset), ``enum`` -> lower case, text
    -> stripped str with ``""`` for empty) plus ``_line``, the 1-based line
    number in the file, so later checks can still point at the source.
    """
    name = display_name or str(path)
    if not path.is_file():
        if path.is_dir():  # (Spark, Redshift and Snowflake unload a table as a folder of part files)
            raise DataError(f"{name}: a directory, not a file; if it holds a table's part files (part-00000..., "
                            "as Spark or a warehouse unload writes them), join them into one (CSV: cat the parts; "
                            "Parquet: pyarrow.parquet.read_table(folder).to_pandas().to_parquet(file)) and give that")
        raise DataError(f"{name}: no such file")
    _room_to_read(name, 2 * path.stat().st_size, "the file's bytes and their text")
    try:
        raw = path.read_bytes()
    except OSError as exc:  # no read permission, an unreadable disk
        raise DataError(f"{name}: cannot be read ({exc.strerror or exc})") from None
    # The fingerprint is of the content: the same export gzipped again (a new mtime in
    # its header) is the same data set.
    raw = _decompressed(raw, name, report)
    if hasher is not None:
        hasher.update(path.name.encode() + b"\0" + raw)
    stats = report.stats(name)
    wide = _wide_encoding(raw)
    if wide is not None:
        # UTF-16 first, whatever it holds: Windows PowerShell writes its JSON so too.
        try:
            raw = raw.decode(wide).encode("utf-8")
        except UnicodeDecodeError as exc:
            line = raw[: exc.start].decode(wide, errors="replace").count("\n") + 1
            raise DataError(f"{name}:{line}: {wide.upper()} text that does not decode ({exc.reason}); "
                            "save the export as CSV UTF-8") from None
        report.notes.append(f"{name}: {wide.upper()} text (Excel's 'Unicode Text', Windows "
                            "PowerShell's export); read as such")
    conversion = formats.conversion_memory(raw)
    if conversion is not None:
        _room_to_read(name, *conversion)
    try:
        converted = formats.as_csv(raw)
    except formats.FormatError as exc:
        raise DataError(f"{name}: {exc}") from None
    if converted is not None:
        # JSON lines / Parquet: validated as the CSV text they make; errors keep the
        # source's line (or row) numbers through line_map.
        text = converted.text
        report.notes.append(f"{name}: {converted.what}; read as a table")
        for line, reason in converted.bad_lines:
            stats.rows_read += 1
            stats.rows_skipped += 1
            report.add_error(name, line, ROW, reason)
        line_map = converted.line_map
    else:
        line_map = None
        try:
            text = raw.decode("utf-8")
        except UnicodeDecodeError as exc:
            # Spreadsheets on Windows save CP-1252 ("CSV" rather than "CSV UTF-8"), and
            # MovieLens' u.item is Latin-1: the bytes that are not UTF-8 are read as
            # Windows-1252 (its printable range is Latin-1's), the rest stays UTF-8, so a
            # file mixing both keeps every character; say where and how many.
            line = raw[: exc.start].count(b"\n") + 1
            _FALLBACK_BYTES.n = 0
            codec = charsets.legacy_codec(raw) if _mostly_not_utf8(raw) else None
            if codec is not None:
                # Another locale's Excel "CSV": Chinese GBK, Japanese Shift-JIS, Cyrillic,
                # Central European (charsets): read as that, not as Windows-1252.
                text = raw.decode(codec, errors="replace")
                report.notes.append(
                    f"{name}:{line}: not UTF-8 (first bad byte 0x{raw[exc.start]:02x}); read as "
                    f"{charsets.NAMES[codec]} (e.g. {_first_line_with(text, line)!r}); save the export as UTF-8")
            elif _UTF8_PAIR.search(raw) is None:
                # No UTF-8 at all (a whole Windows export): one C-speed decode; the
                # per-byte handler costs 2.7 us a byte (5 s for 2M accented letters).
                text = raw.decode("cp1252", errors=_CP1252_FALLBACK)
                _FALLBACK_BYTES.n = len(raw) - len(raw.translate(None, _HIGH_BYTES))
            else:
                text = raw.decode("utf-8", errors=_CP1252_FALLBACK)
            if codec is None:
                report.notes.append(
                    f"{name}:{line}: not UTF-8 (first bad byte 0x{raw[exc.start]:02x}); "
                    f"{_FALLBACK_BYTES.n} bytes read as Windows-1252 / Latin-1 "
                    f"(e.g. {_first_line_with(text, line)!r}); save the export as UTF-8")
    text = text.lstrip("\ufeff")
    del raw, converted  # the text is what is read from here on (a 160 MB export's bytes)
    if line_map is None and spec.name == "interactions" and _baskets_a_line(text, spec):
        baskets = formats.basket_lines(text)
        text, line_map = baskets.text, baskets.line_map
        report.notes.append(f"{name}: {baskets.what}; read as a table")
    # Excel's separator line ('sep=;' first, so Excel opens the file with that separator):
    # it is not the header. Dropped, and the lines errors name are counted as the file's.
    sep_line = re.match(r'"?sep=([,;\t|])"?[,;\t|]*\r?\n', text, flags=re.IGNORECASE)
    if sep_line:
        text = text[sep_line.end():]
        report.notes.append(f"{name}: first line {sep_line.group(0).strip()!r} (Excel's separator line) "
                            "read as the separator, not as the header")
    title_lines = 0
    if not sep_line and line_map is None:
        title_lines, title = _title_lines(text)
        if title_lines:
            text = text.split("\n", title_lines)[-1]
            report.notes.append(f"{name}: {title_lines} line(s) above the header ({title!r}: a report's "
                                "title, with no separator) not read")
    delimiter = sep_line.group(1) if sep_line else _delimiter(text)
    if delimiter == UNIT_SEPARATOR:
        # MovieLens 1M / 10M (ratings.dat, movies.dat): fields joined by '::', titles
        # with commas. csv takes one character, so '::' becomes the ASCII unit separator,
        # which no export writes.
        text = text.replace("::", UNIT_SEPARATOR)
    if delimiter != "," and not sep_line:
        report.notes.append(
            f"{name}: {DELIMITERS[delimiter]}-separated (the header has no comma); read that way")
    # '::' files quote nothing: a title that starts with '"' is text, not a quoted field.
    quoting = csv.QUOTE_NONE if delimiter == UNIT_SEPARATOR else csv.QUOTE_MINIMAL
    reader = _csv_reader(_text_lines(text), delimiter, quoting)
    try:
        header_line = next(reader)
        header = [h.strip() for h in header_line]
    except StopIteration:
        raise DataError(f"{name}: empty file (no header row)") from None
    except csv.Error as exc:
        raise DataError(f"{name}:1: unreadable header ({exc})") from None
    header = _strip_type_suffixes(header, name, report.notes)
    by_content = headerless.first_line_is_data(header, map(header_key, header), _known_keys(spec))
    if by_content:
        header = _names_by_content(text, delimiter, quoting, header, spec, name, report.notes,
                                   time_required="timestamp" not in may_lack)
        # The first line is a row: read the file again from its start.
        reader = _csv_reader(_text_lines(text), delimiter, quoting)
    raw_header = header
    header = _normalise_header(header, spec, name, report.notes)
    header = _order_name_column(header, raw_header, name, report.notes)
    header = _pseudonymous_user_column(header, raw_header, name, report.notes)
    if not by_content and "timestamp" not in header and any(c.name == "timestamp" for c in spec.columns):
        header = _time_by_content(text, delimiter, quoting, header, spec, name, report.notes)
    time_of_day = _time_of_day_column(raw_header, header, spec)
    missing = [c for c in spec.required if c not in header and c not in may_lack]
    # A till export of anonymous baskets (a bakery's, most stores' without a loyalty card):
    # baskets, nobody's. Each basket is read as one shopper's only visit, so every
    # evaluated shopper is new, and what ships for them is learnt from what sells when
    # (hour, weekday) -- what a store's anonymous shoppers get anyway.
    basket_shoppers = "user_id" in missing and "session_id" in header
    if basket_shoppers:
        missing.remove("user_id")
        basket_name = raw_header[header.index("session_id")]
        report.notes.append(
            f"{name}: no shopper column (header has {', '.join(raw_header)}): each basket "
            f"({basket_name!r}) is read as one anonymous shopper's only visit, so every shopper "
            "evaluated is new; if a column names shoppers, call it user_id")
    if missing:
        wide = ""
        if len(raw_header) >= headerless.WIDE_COLUMNS:
            with contextlib.suppress(csv.Error):
                rows = _first_rows(text, delimiter, quoting, 200)[1:]
                wide = headerless.wide_table([[r[i].strip() if i < len(r) else "" for r in rows]
                                              for i in range(len(raw_header))])
        listed = ", ".join(h if len(h) <= 60 else h[:57] + "..." for h in raw_header[:12]) + (
            f", ... ({len(raw_header)} columns)" if len(raw_header) > 12 else "")  # (a headerless tab file's
        # first line is one 2 KB 'name' when read as commas: Snowplow's enriched events)
        raise MissingColumns(
            f"{name}: missing required column(s) {', '.join(missing)} "
            f"(header has {listed or 'nothing: the file holds only blank lines'})" + (f"; {wide}" if wide else ""),
            found=sum(c.required for c in spec.columns) - len(missing))
    width = len(header)
    # Whose rows to keep, decided before any row is built: the point of a sample is
    # that the rows left out never take memory.
    keeps = None
    if sample is not None and sample.decide(text) < 1.0:
        keeps = sample.keeps
        if hasher is not None:  # a sample of a file is another data set than the file
            hasher.update(f"shopper-sample\0{sample.fraction!r}".encode())
    user_at = header.index("user_id") if "user_id" in header else None
    basket_at = header.index("session_id") if "session_id" in header else None
    ghost_rows = 0
    loose_name = spec.name == "items" and header[-1] == "name" and quoting != csv.QUOTE_NONE
    loose_names = 0
    # Exports joined with `cat` repeat the header where each part starts: not data (as
    # an item 'item_id' it would ship in the catalogue where nothing else rejects it).
    repeated_header = None if by_content else header_line
    header_again = 0
    rows: list[list[str]] = []
    lines: list[int] = []
    pending: list[tuple[int, int, str, str]] = []  # reported in line order at the end
    while True:
        try:
            row = next(reader)
        except StopIteration:
            break
        except csv.Error as exc:
            stats.rows_read += 1
            stats.rows_skipped += 1
            pending.append((reader.line_num, -1, ROW, f"unparseable CSV ({exc})"))
            continue
        if not row or (not row[0].strip() and not any(field.strip() for field in row)):
            # A blank line is not a row at all; nor is a line of bare separators (',,'),
            # which spreadsheets write after the data (900k of them in one re-saved
            # Book-Crossing file): counted, one note, no error per line.
            if len(row) > 1:
                ghost_rows += 1
            continue
        if repeated_header is not None and row[0].lstrip("\ufeff") == repeated_header[0] and (
                [row[0].lstrip("\ufeff"), *row[1:]] == repeated_header):  # (a joined Excel file's BOM too)
            header_again += 1
            continue
        stats.rows_read += 1
        if len(row) > width and loose_name and all(part.startswith(" ") for part in row[width:]):
            # A name written with its commas unquoted (Netflix's movie_titles.csv: '1,2003,
            # Happy, Texas'): the last column takes the rest of the line, as it was meant.
            # Only where a space follows each extra separator, as in a title; '2,51' (a decimal
            # comma in a column before it) stays a bad row.
            row = [*row[:width - 1], delimiter.join(row[width - 1:])]
            loose_names += 1
        if len(row) != width:
            stats.rows_skipped += 1
            hint = " (truncated row?)" if len(row) < width else ""
            pending.append(
                (reader.line_num, -1, ROW, f"expected {width} fields, got {len(row)}{hint}")
            )
            continue
        if keeps is not None and not keeps(shopper_key(row[user_at] if user_at is not None else "",
                                                       row[basket_at] if basket_at is not None else None,
                                                       MISSING_VALUES)):
            stats.rows_sampled_out += 1
            continue
        rows.append(row)
        lines.append(reader.line_num)
    if keeps is not None:
        assert sample is not None
        sample.count(len(rows), stats.rows_sampled_out)
        report.sample = sample  # the loader notes it once every file is read
        if not rows and stats.rows_read > stats.rows_skipped:
            raise DataError(f"{name}: the sample kept no line ({sample.fraction:.2%} of the shoppers "
                            f"for --max-lines {sample.max_lines:,}): give a larger --max-lines")
    if header_again:
        report.notes.append(f"{name}: the header line came again {header_again:,} time(s) inside the file "
                            "(exports joined together?); those lines skipped")
    if loose_names:
        report.notes.append(f"{name}: {loose_names} rows with more fields than the header: the last column "
                            f"({'the name' if raw_header[-1] == 'name' else repr(raw_header[-1]) + ', the name'}) "
                            "read as the rest of the line (a name with its "
                            f"{DELIMITERS[delimiter]}s not quoted, as Netflix's movie_titles.csv writes)")
    if ghost_rows:
        report.notes.append(f"{name}: {ghost_rows} lines of bare separators (',,', as spreadsheets "
                            "write after the data) skipped as blank lines")
    if line_map is not None:  # CSV line n is the converted file's data row n - 2
        lines = [line_map[n - 2] for n in lines]
        pending = [(line_map[p[0] - 2] if p[0] >= 2 else p[0], *p[1:]) for p in pending]
    elif sep_line or title_lines:  # the file's line numbers count the lines dropped above the header
        dropped = 1 if sep_line else title_lines
        lines = [n + dropped for n in lines]
        pending = [(p[0] + dropped, *p[1:]) for p in pending]

    # The text and the reader's buffer (4 bytes a character) are done with: 0.8 GB for a
    # 160 MB export, held through the frame's build and checks otherwise.
    formulas = '="' in text  # Excel's ="00030" somewhere (one scan: most files pay nothing per column)
    del reader, text
    frame = pd.DataFrame(rows, columns=header, dtype=object) if rows else pd.DataFrame(
        columns=header, dtype=object
    )
    del rows  # the frame holds the same strings; the 4.8M row lists were 0.5 GB more
    frame["_line"] = np.asarray(lines, dtype=np.int64)
    frame, header = _event_column_by_values(frame, header, raw_header, spec, name, report)
    if "item_id" in header and spec.name == "interactions":
        frame, header = _better_item_column(frame, header, raw_header, name, report.notes)
    if basket_shoppers:  # the basket column read twice: as the basket and as its shopper
        frame["user_id"] = frame["session_id"]
        header, raw_header = [*header, "user_id"], [*raw_header, basket_name]
    bad = np.zeros(len(frame), dtype=bool)
    by_name = {c.name: c for c in spec.columns}
    for col in header:
        # Ids, codes, numbers and event names (not free text: a title may be 'None').
        column = by_name.get(col)
        if len(frame) and column is not None and column.kind != "timestamp" and not column.free_text:
            values = frame[col].astype(str).str.strip()
            if formulas:
                values = _text_formulas(values, name, raw_header[header.index(col)], report)
            frame[col] = _missing_values(values, name, raw_header[header.index(col)], report)
    if "session_id" in header and len(frame) and not basket_shoppers:
        basket = frame["session_id"].astype(str).str.strip()
        for col in ("user_id", "timestamp"):
            if col in header:
                frame[col] = fill_from_basket(frame[col].astype(str).str.strip(), basket, name,
                                               raw_header[header.index(col)],
                                               raw_header[header.index("session_id")], report)
    day_numbers = None  # the timestamp column's day-number reading, if it has one
    # A semicolon file whose numbers use decimal commas groups thousands with points.
    thousands_dots = delimiter == ";" and writes_decimal_commas(
        frame, [c for c in header if c in by_name and by_name[c].kind == "float"])
    date_only = False  # every timestamp is a midnight: dates without times
    unreadable: list[str] = []  # optional number columns left out (renamed below)
    for col in header:
        text_values = frame[col].astype(str).str.strip()
        frame[col] = text_values
        column = by_name.get(col)
        if column is None:
            continue
        empty = (text_values == "").to_numpy()
        if col in ("user_id", "item_id") and not empty.all():
            text_values = _whole_number_ids(text_values, empty, name, col, report)
            frame[col] = text_values
        if col == "user_id" and not basket_shoppers and "session_id" in header and empty.any():
            text_values = _anonymous_baskets(text_values, frame["session_id"].astype(str).str.strip(), name,
                                             raw_header[header.index("user_id")],
                                             raw_header[header.index("session_id")], report)
            frame[col] = text_values
            empty = (text_values == "").to_numpy()
        if column.required:
            _flag(pending, frame, empty, col, lambda _v: "empty (required)")
            bad |= empty
        if column.kind == "float":
            values = pd.to_numeric(text_values.where(~empty), errors="coerce").astype(float)
            invalid = (~empty) & ~np.isfinite(values.to_numpy())
            # Written amounts ('$1.09', "4'050.66", '1.234,56') only where some value is no
            # plain number (or a semicolon file's points group thousands): a clean 2M-line
            # price column skips their three passes over its distinct values (~0.6 s).
            if invalid.any() or (delimiter == ";" and thousands_dots):
                text_values = thousands_marks(text_values)
                text_values, money = money_amounts(text_values)
                if money:
                    report.notes.append(f"{name}: {col}: {money}")
                if delimiter == ";":
                    text_values, commas = decimal_points(text_values, thousands_dots)
                else:
                    text_values, commas = european_numbers(text_values)
                if commas:
                    report.notes.append(f"{name}: {col}: numbers with {commas}")
                values = pd.to_numeric(text_values.where(~empty), errors="coerce").astype(float)
                invalid = (~empty) & ~np.isfinite(values.to_numpy())
            if not column.required and invalid.sum() * 2 > (~empty).sum() > 0:
                # An optional column the reader cannot read (a money format not known): the
                # lines are usable without it, so it is left out, not every line with it.
                example = text_values[invalid].iloc[0]
                report.notes.append(
                    f"{name}: column {raw_header[header.index(col)]!r} ({col}): {int(invalid.sum()):,} of "
                    f"{int((~empty).sum()):,} values are no number (e.g. {example!r}): the column is not read")
                unreadable.append(col)
                continue
            _flag(pending, frame, invalid, col, lambda v: f"not a number: {v!r}")
            bad |= invalid
            if column.min_value is not None:
                arr = values.to_numpy()
                with np.errstate(invalid="ignore"):
                    low = arr <= column.min_value if column.min_exclusive else arr < column.min_value
                low &= np.isfinite(arr)
                op = ">" if column.min_exclusive else ">="
                _flag(
                    pending, frame, low, col,
                    lambda v, op=op, m=column.min_value: f"must be {op} {m:g} (got {v})",
                )
                bad |= low
            frame[col] = values
        elif column.kind == "timestamp":
            raw_name = raw_header[header.index(col)]
            day_numbers = _day_numbers(text_values, empty, raw_name)
            if day_numbers is not None:
                text_values, first_day, last_day = day_numbers
                report.notes.append(
                    f"{name}: {col}: column {raw_name!r} holds day numbers "
                    f"({first_day}-{last_day}), not dates: day N read as {DAY_ZERO} + N days, so "
                    "the order and gaps are right but weekday and season context are not the real ones")
            elif (mmdd := month_days(text_values, empty)) is not None:
                text_values, first_day, last_day = mmdd
                day_numbers = mmdd
                report.notes.append(
                    f"{name}: {col}: column {raw_name!r} holds a month and day without a year "
                    f"(MMDD, {first_day} .. {last_day}): read as days of one made-up year, "
                    f"{DAY_ZERO[:4]}, so the order and gaps within the year are right but the weekday "
                    "is not the real one (a file that crosses New Year would be out of order)")
            if time_of_day is not None:
                # A date column and a time-of-day column (Ta-Feng-like and till exports):
                # one timestamp, so a day's baskets keep their order and hour context.
                clock = clock_text(frame[time_of_day].astype(str).str.strip())
                # A date that already has its time (a colon) is left as it is.
                has_clock = ((clock != "") & ~empty & ~text_values.str.contains(":", regex=False)).to_numpy()
                text_values = text_values.where(~has_clock, text_values + " " + clock)
                frame[col] = text_values  # what a bad row's error quotes
                report.notes.append(f"{name}: {col}: read with the time of day from column "
                                    f"{time_of_day!r} ({int(has_clock.sum())} rows)")
            parsed, note = parse_timestamps(text_values.where(~empty), column.timestamp_format)
            if note:
                report.notes.append(f"{name}: {col}: {note}")
            invalid = (~empty) & parsed.isna().to_numpy()
            stamps = parsed.dropna()
            # Dates alone (Kaggle's Groceries, Amazon's unixReviewTime at midnight): the
            # hour is then not real context (RawDataset.real_context).
            date_only = bool(len(stamps)) and bool((stamps == stamps.dt.normalize()).all())
            _flag(pending, frame, invalid, col, lambda v: f"not a timestamp: {v!r}")
            bad |= invalid
            frame[col] = parsed
        elif column.kind == "enum":
            lowered = text_values.str.lower()
            if column.synonyms:
                unknown = ~lowered.isin(column.choices) & ~empty
                if unknown.any():
                    mapped = _synonyms(lowered[unknown], column.synonyms)
                    if mapped.notna().any():
                        said = (text_values[unknown][mapped.notna()] + " as " + mapped.dropna()).value_counts()
                        report.notes.append(
                            f"{name}: {col}: read as the usual names: "
                            + ", ".join(f"{k} ({n} row{'s' if n != 1 else ''})" for k, n in said.items()))
                        lowered = lowered.copy()
                        lowered.loc[mapped.dropna().index] = mapped.dropna()
            invalid = (~empty) & ~lowered.isin(column.choices).to_numpy()
            allowed = ", ".join(column.choices)
            # Only the generic schema's column (synonyms: what --event-codes extends); an
            # adapter's (REES46) names its own events.
            if col == "event_type" and column.synonyms and invalid.any():
                if text_values[invalid].str.fullmatch(r"-?\d+").all():
                    # Coded actions (Tmall's action_type 0-3): no code means one event everywhere.
                    allowed += "; numeric codes need --event-codes, e.g. 0=view,1=cart,2=purchase,3=favorite"
                else:  # OTTO's 'clicks' on products; a 'click' elsewhere may be an ad's
                    allowed += "; --event-codes VALUE=EVENT says what another value means"
            _flag(
                pending, frame, invalid, col,
                lambda v, allowed=allowed: f"must be one of {allowed} (got {v!r})",
            )
            bad |= invalid
            frame[col] = lowered
    for line, _pos, col, reason in sorted(pending, key=lambda p: (p[0], p[1])):
        report.add_error(name, line, col, reason)
    stats.rows_skipped += int(bad.sum())
    frame = frame.loc[~bad].reset_index(drop=True)
    stats.rows_kept = len(frame)
    if unreadable:
        # Out of the schema's columns altogether, so what stands in for them still does
        # (a line total for the unit price, loaders._prices_from_line_totals).
        renamed = {col: passed_over(raw_header[header.index(col)]) for col in unreadable}
        frame = frame.rename(columns=renamed)
        header = [renamed.get(h, h) for h in header]
    # What the loader needs to know of how the file was read: a guessed column order to
    # check against another file (items' ids), a made-up weekday (RawDataset.real_context).
    frame.attrs["source_names"] = dict(zip(header, raw_header, strict=True))  # for notes: the file's names
    frame.attrs["columns_by_content"] = by_content
    frame.attrs["day_numbers"] = day_numbers is not None
    frame.attrs["date_only"] = date_only
    frame.attrs["decimal_comma"] = delimiter == ";"  # for numbers the loader reads later
    return frame


def _text_lines(text: str, chunk: int = 1 << 22) -> Iterator[str]:
    """The lines of ``text`` as ``io.StringIO(text, newline="")`` gives them (ends kept,
    split at \\n, \\r and \\r\\n), a few MB at a time: one StringIO over the whole text
    holds it again at 4 bytes a character, 2.1 GB for a 530 MB export (MovieLens-20M's
    ratings) beside the text itself. Chunks end just after a \\n, so no \\r\\n is cut."""
    start, size = 0, len(text)
    while start < size:
        end = text.find("\n", start + chunk)
        end = size if end < 0 else end + 1
        yield from io.StringIO(text[start:end], newline="")
        start = end


def _wide_encoding(raw: bytes) -> str | None:
    """``utf-16`` / ``utf-32`` (with a byte-order mark) or ``utf-16-le`` / ``-be`` (without:
    every other byte of the first 200 is NUL, as ASCII text is in UTF-16), else None.
    Excel's "Unicode Text" and Windows PowerShell's ``Export-Csv`` / ``Out-File`` write
    UTF-16; read as UTF-8 the header came out as ``ÿþu s e r _ i d`` and the file was
    refused for missing columns."""
    if raw.startswith((b"\xff\xfe\x00\x00", b"\x00\x00\xfe\xff")):
        return "utf-32"
    if raw.startswith((b"\xff\xfe", b"\xfe\xff")):
        return "utf-16"
    head = raw[:200]
    if len(head) >= 4 and len(head) % 2 == 0:
        even, odd = head[0::2], head[1::2]
        if not odd.strip(b"\x00") and even.count(0) == 0:
            return "utf-16-le"
        if not even.strip(b"\x00") and odd.count(0) == 0:
            return "utf-16-be"
    return None


def _cp1252_fallback(exc: UnicodeError) -> tuple[str, int]:
    """A codecs error handler: the undecodable bytes as Windows-1252 (Latin-1 for the five
    bytes Windows-1252 leaves undefined), counted in :data:`_FALLBACK_BYTES` for the note
    (per thread: loads may run side by side)."""
    assert isinstance(exc, UnicodeDecodeError)
    bad = exc.object[exc.start:exc.end]
    _FALLBACK_BYTES.n = getattr(_FALLBACK_BYTES, "n", 0) + len(bad)
    return "".join(bytes([b]).decode("cp1252", errors="strict") if b not in _CP1252_HOLES else chr(b)
                   for b in bad), exc.end


_CP1252_HOLES = frozenset((0x81, 0x8D, 0x8F, 0x90, 0x9D))
_FALLBACK_BYTES = threading.local()
_UTF8_PAIR = re.compile(rb"[\xc2-\xf4][\x80-\xbf]")
"""A UTF-8 lead byte and a continuation byte: a file without one has no UTF-8 to keep."""
_HIGH_BYTES = bytes(range(0x80, 0x100))

_CP1252_FALLBACK = "cloud_trainer.cp1252_fallback"
codecs.register_error(_CP1252_FALLBACK, _cp1252_fallback)


def _mostly_not_utf8(raw: bytes) -> bool:
    """Whether fewer of the first MB's non-ASCII characters are UTF-8 than are not: a
    legacy code page's file (GBK's byte pairs look like UTF-8 now and then), not a UTF-8
    file with a stray Windows byte, whose UTF-8 is kept."""
    sample = raw[:charsets.SAMPLE].decode("utf-8", errors="replace")
    bad = sample.count("\ufffd")
    return bad >= len(sample) - len(sample.encode("ascii", errors="ignore")) - bad


def _first_line_with(text: str, line: int) -> str:
    """Line ``line`` (1-based) of ``text``, cut to 60 characters, for the note."""
    start = 0
    for _ in range(line - 1):
        start = text.find("\n", start) + 1
    end = text.find("\n", start)
    return text[start:end if end >= 0 else len(text)].rstrip("\r")[:60]


def _baskets_a_line(text: str, spec: TableSpec) -> bool:
    """Whether ``text`` is one basket a line (:func:`.headerless.is_basket_per_line`):
    comma-separated only, as the files that are so (a tab file is a table)."""
    head = text[:4096]
    if "," not in head or "\t" in head:
        return False
    try:
        rows = _first_rows(text, ",", csv.QUOTE_MINIMAL, headerless.SAMPLE_ROWS)
    except csv.Error:
        return False
    return headerless.is_basket_per_line(rows, _known_keys(spec))


def _known_keys(spec: TableSpec) -> set[str]:
    """The header names :func:`_normalise_header` would match to a column of ``spec``."""
    return {key for c in spec.columns for key in c.header_keys}


def _first_rows(text: str, delimiter: str, quoting: int, lines: int) -> list[list[str]]:
    """The non-blank rows of ``text``'s first ``lines`` lines, parsed as the file will be
    (the sample's text only, not the whole file's lines). Raises ``csv.Error``."""
    end = 0
    for _ in range(lines):
        end = text.find("\n", end) + 1
        if end == 0:
            end = len(text)
            break
    return [r for r in _csv_reader(io.StringIO(text[:end], newline=""), delimiter, quoting) if r]


def _csv_reader(lines: Iterable[str], delimiter: str, quoting: int) -> Any:
    """The one way a file's text is parsed, for its sample and for every row: a space
    separator (Epinions' '39 121 4') takes any run of spaces as one."""
    return csv.reader(lines, delimiter=delimiter, quoting=quoting, skipinitialspace=delimiter == " ")


def _names_by_content(text: str, delimiter: str, quoting: int, first: list[str], spec: TableSpec,
                      name: str, notes: list[str], *, time_required: bool) -> list[str]:
    """Column names for a file whose first line is data (see :mod:`.headerless`), from
    its first rows; a note says how each column was read."""
    try:
        rows = _first_rows(text, delimiter, quoting, headerless.SAMPLE_ROWS)
        names, how = headerless.column_names(rows, spec.name, (*EVENT_TYPES, *EVENT_SYNONYMS),
                                             time_required=time_required)
    except (csv.Error, headerless.NoHeaderError) as exc:
        shown = ", ".join(first[:8]) + (f", ... ({len(first)} fields)" if len(first) > 8 else "")
        fix = "" if str(exc).startswith("it looks like a wide table") else (
            f": put a header line first ({', '.join(spec.required)}, ...)")
        raise DataError(f"{name}: no header line (the first line is data: {shown}), and {exc}{fix}") from None
    notes.append(f"{name}: no header line (the first line is data); columns read by their values: {how}. "
                 "If that is wrong, put a header line first")
    return names


def _order_name_column(header: list[str], raw: list[str], name: str, notes: list[str]) -> list[str]:
    """Shopify's orders export calls the order number ``Name`` (``#1001``) beside
    ``Lineitem sku`` / ``Lineitem name``: there it is the basket, not an item's name.
    Only with those line-item columns and no other basket column."""
    keys = [header_key(r) for r in raw]
    if "session_id" in header or "name" not in keys or not any(k.startswith("lineitem") for k in keys):
        return header
    at = keys.index("name")
    if header[at] != raw[at]:
        return header  # a schema column took it
    notes.append(f"{name}: {raw[at]!r} beside line-item columns (Shopify's orders export) is the order "
                 "number: read as the basket (session_id)")
    return [*header[:at], "session_id", *header[at + 1:]]


STRONG_ITEM_KEYS = ("productid", "sku", "articleid", "itemcode", "productcode", "ean", "upc", "stockcode",
                    "artikelnummer", "articlenumber", "productnumber")
"""Names that say 'the product's id' beyond doubt (not 'article', 'item': in a shop of
one-off pieces a unique item_id beside a garment type is right as it is)."""


def _better_item_column(frame: pd.DataFrame, header: list[str], raw: list[str], name: str,
                        notes: list[str]) -> tuple[pd.DataFrame, list[str]]:
    """Another product column, when the one read as ``item_id`` cannot be the product:
    a count up line by line (Magento's ``sales_order_item.item_id`` is the line's key,
    beside ``product_id`` and ``sku``: taken only for such a product-id name), or blank on a fifth of the lines or more where
    the other is nearly always given (Lightspeed's ``UPC`` beside ``Item``; Square's
    ``SKU``, empty for products without one, beside ``Item``). Only a column the schema
    did not read that bears a usual name of the item; a note says which and why."""
    n = len(frame)
    if n < 50:
        return frame, header
    known = set(INTERACTION_COLUMNS)
    others = [i for i, h in enumerate(header) if h not in known and header_key(h) in ITEM_ALIASES]
    if not others:
        return frame, header
    chosen = frame["item_id"].astype(str).str.strip()
    blank = float((chosen == "").mean())
    distinct = chosen.nunique()
    for i in others:
        other = frame[header[i]].astype(str).str.strip()
        other_blank = float((other == "").mean())
        if (distinct == n and headerless.is_row_key(chosen.tolist()) and header_key(header[i]) in STRONG_ITEM_KEYS
                and other.nunique() <= n / 2 and other_blank < 0.05):
            why = f"counts {'up' if int(chosen.iloc[1]) > int(chosen.iloc[0]) else 'down'} line by line over all {n:,} lines " \
                  "(a line's key, not a product)"
        elif blank >= 0.2 and other_blank <= blank / 4:
            why = f"is blank on {blank:.0%} of the lines, {raw[i]!r} on {other_blank:.0%}"
        else:
            continue
        at = header.index("item_id")
        notes.append(f"{name}: {raw[i]!r} read as item_id: {raw[at]!r} {why}")
        renamed = {"item_id": passed_over(raw[at]), header[i]: "item_id"}
        header = [renamed.get(h, h) for h in header]
        return frame.rename(columns=renamed), header
    return frame, header


def _pseudonymous_user_column(header: list[str], raw: list[str], name: str, notes: list[str]) -> list[str]:
    """Google Analytics 4 gives ``user_id`` only for a signed-in visit and
    ``user_pseudo_id`` (the browser) on every event, Segment ``userId`` and
    ``anonymousId`` alike: the second is the shopper, or most events would be bad rows
    and a visitor who signs in half-way would be two people."""
    keys = [header_key(r) for r in raw]
    pseudo = next((keys.index(k) for k in ("userpseudoid", "anonymousid") if k in keys), None)
    if pseudo is None or "user_id" not in header:
        return header
    at = header.index("user_id")
    if at == pseudo:
        return header  # the only shopper column, read so by its name already
    notes.append(f"{name}: {raw[pseudo]!r} (every event's browser id) read as user_id, not {raw[at]!r} "
                 "(given only when signed in)")
    out = list(header)
    out[at], out[pseudo] = passed_over(raw[at]), "user_id"
    return out


def _time_by_content(text: str, delimiter: str, quoting: int, header: list[str], spec: TableSpec,
                     name: str, notes: list[str]) -> list[str]:
    """``header`` with ``timestamp`` for the first column the schema does not know whose
    values are all written dates or times (not bare numbers: an order number or an EAN can
    pass for a Unix time), when no column is named as one: a German till's ``Verkauft am``,
    a ``Buchungszeit``. Without it the file would be read on a made-up clock while its real
    times sat unread."""
    known = {c.name for c in spec.columns}
    unknown = [i for i, h in enumerate(header) if h not in known]
    if not unknown:
        return header
    try:
        rows = _first_rows(text, delimiter, quoting, 201)[1:]  # 200 rows below the header
    except csv.Error:
        return header
    for i in unknown:
        values = [r[i].strip() for r in rows if len(r) == len(header)]
        if headerless.is_time(values, epochs=False):
            notes.append(f"{name}: no column named as the time; column {header[i]!r} holds dates or times "
                         f"({values[0]!r}, ...) and is read as the timestamp")
            return [*header[:i], "timestamp", *header[i + 1:]]
    return header


UNIT_SEPARATOR = "\x1f"
DELIMITERS = {",": "comma", "\t": "tab", ";": "semicolon", "|": "pipe", UNIT_SEPARATOR: "'::'", " ": "space"}

COMPRESSIONS = (
    (b"\x1f\x8b", "gzip"),
    (b"BZh", "bzip2"),
    (b"\xfd7zXZ\x00", "xz"),
    (b"PK\x03\x04", "zip"),
)
"""Leading bytes of the compressed files exports arrive as (``.csv.gz`` downloads, a zip
from a BI tool), recognised by content rather than by name: a renamed file reads too."""


def _decompressed(raw: bytes, name: str, report: IngestReport) -> bytes:
    """``raw`` itself, or its content if it is a compressed file (a note says which).

    A zip must hold exactly one file (folders aside): with several it is not clear which
    is meant, and the error lists them. A damaged archive is an error naming the file
    and the reason, not a page of decoding noise."""
    kind = next((k for magic, k in COMPRESSIONS if raw.startswith(magic)), None)
    if kind is None:
        return raw
    import bz2
    import gzip
    import lzma
    import zipfile

    try:
        if kind == "zip":
            with zipfile.ZipFile(io.BytesIO(raw)) as archive:
                # macOS's Finder adds resource forks ('__MACOSX/._data.csv') and Windows
                # Explorer 'Thumbs.db' to a zip it makes: not the export's files.
                members = [m for m in archive.namelist() if not m.endswith("/") and not m.startswith("__MACOSX/")
                           and m.rsplit("/", 1)[-1] not in ("Thumbs.db", ".DS_Store", "desktop.ini")]
                if formats.workbook_kind(members):  # an .xlsx / .ods is a zip of XML parts
                    return raw  # a table: formats.as_csv reads it
                if len(members) != 1:
                    raise DataError(f"{name}: a zip archive with {len(members)} files "
                                    f"({', '.join(members[:5]) or 'none'}); unzip it and give one CSV "
                                    "(an adapter's --data-dir reads each CSV of the folder: REES46's months)")
                # Before unpacking: the unpacked bytes and then their text.
                _room_to_read(name, 2 * archive.getinfo(members[0]).file_size, "the unpacked bytes and their text")
                data = archive.read(members[0])
                what = f"zip-compressed ({members[0]})"
        else:
            if kind == "gzip" and len(raw) >= 18:
                # A gzip's last 4 bytes are its unpacked size modulo 2**32: a lower bound,
                # enough to stop a 9 GB month from being unpacked into 8 GB. (bzip2 and xz
                # say nothing: they are checked once unpacked, below.)
                _room_to_read(name, 2 * int.from_bytes(raw[-4:], "little"), "the unpacked bytes and their text")
            data = {"gzip": gzip.decompress, "bzip2": bz2.decompress, "xz": lzma.decompress}[kind](raw)
            what = f"{kind}-compressed"
    except (OSError, EOFError, lzma.LZMAError, zipfile.BadZipFile, ValueError) as exc:
        raise DataError(f"{name}: looks {kind}-compressed but does not decompress ({exc})") from exc
    report.notes.append(f"{name}: {what}; read decompressed ({len(data):,} bytes)")
    _room_to_read(name, len(data), "the unpacked bytes' text")
    return data


def _room_to_read(name: str, needed: int, what: str) -> None:
    """A clear error instead of the kernel's OOM kill: a file is read whole, its bytes
    and then its text (:func:`read_table`), before a sample can leave rows out. A 6 GB
    REES46 month needs 12 GB for that; twice the free memory is never there."""
    free = available_memory()
    if free is not None and needed > free:
        raise DataError(f"{name}: reading it takes about {needed / 1e9:.1f} GB ({what}) and this machine has "
                        f"{free / 1e9:.1f} GB free: give a part of it (whole shoppers, e.g. the lines whose "
                        "shopper id ends in 0-4), or read it on a machine with more memory")


def _title_lines(text: str) -> tuple[int, str]:
    """``(lines, first)`` above the header when a file opens with a report's title (BI
    tools write 'Sales report March 2024', then maybe a blank line, then the table): the
    first line has no separator (comma, tab, semicolon, pipe, "::") but those Excel pads a
    sheet's row with (``Sales report March 2024,,,``) and one of the next 10 has two or
    more fields that are not blank. ``(0, "")`` otherwise, and always for a one-column file."""
    head = text[:20_000].split("\n", 12)[:12]
    seps = (",", "\t", ";", "|", "::")
    first = head[0].rstrip(" \r,;\t|") if head else ""
    if not first.strip() or any(sep in first for sep in seps):
        return 0, ""
    for i, line in enumerate(head[1:11], start=1):
        if max(sum(bool(part.strip()) for part in line.split(sep)) for sep in seps) >= 2:
            return i, first.strip()
        if line.strip(" \r,;\t|") and i > 2:
            break  # text lines after the title: a one-column file, not a title
    return 0, ""


def _delimiter(text: str) -> str:
    """The field separator: a comma, unless the header line has none but has '::', a
    tab, semicolon or pipe (MovieLens 1M / 10M join fields with '::'; public data sets
    ship as TSV; European spreadsheets save CSV with semicolons). Decided on the header
    alone: data rows may hold commas in quoted names. A quoted header name's own
    characters do not count (``user_id;item_id;"Preis (EUR, brutto)"`` is semicolons)."""
    end = text.find("\n")
    header = text if end < 0 else text[:end]  # not split(): that copies the rest of the file
    header = re.sub(r'"(?:[^"]|"")*"', "", header)
    if "," in header:
        return ","
    if "::" in header and "\t" not in header:
        return UNIT_SEPARATOR  # read_table turns each '::' into it
    found = next((d for d in ("\t", ";", "|") if d in header), None)
    if found is None and len(header.split()) >= 2:
        # Space-separated (Epinions' ratings_data.txt '39 121 4', many academic dumps):
        # only when the next line has as many space-separated fields.
        stop = text.find("\n", end + 1) if end >= 0 else -1
        second = text[end + 1: stop if stop >= 0 else len(text)] if end >= 0 else ""
        # ...and has a number: 'Product Name' over 'Green Tea' is a one-column file.
        if len(second.split()) == len(header.split()) and any(c.isdigit() for c in second):
            return " "
    return found or ","


TYPE_SUFFIXES = ("token", "token_seq", "float", "float_seq")
"""The column types RecBole's "atomic files" (``ml-100k.inter``: ``user_id:token``,
``rating:float``) write after each header name; public benchmark copies of MovieLens,
Amazon and Yelp ship that way."""


def _strip_type_suffixes(header: list[str], name: str, notes: list[str]) -> list[str]:
    """``user_id:token`` -> ``user_id`` when every header name carries such a type.

    Only when all do: one ``a:float`` among plain names is more likely a real name.
    """
    parts = [h.rpartition(":") for h in header]
    if not header or not all(sep and kind.lower() in TYPE_SUFFIXES and base.strip()
                             for base, sep, kind in parts):
        return header
    notes.append(f"{name}: header names carry type suffixes ({header[0]!r}: RecBole's atomic files); "
                 "read without them")
    return [base.strip() for base, _, _ in parts]


def _normalise_header(header: list[str], spec: TableSpec, name: str,
                      notes: list[str] | None = None) -> list[str]:
    """Match schema columns whatever their case or separators (``User_ID``, ``Item Id``,
    ``userId`` -> ``user_id``), and by the usual names of public exports
    (:attr:`Column.aliases`: ``CustomerID`` -> ``user_id``) where the file has no
    column of the schema's name (a note in ``notes`` says which were read so).

    Spreadsheet and BI exports capitalise headers or put spaces in them; the
    order never mattered. Columns the schema does not know keep their name
    (users: demographics). Two columns that mean the same schema column would
    make every row ambiguous, so that stops the load with a one-line error.
    """
    # camelCase and run-together names too (userId, ItemID, EventType, SessionId).
    known = {c.name.replace("_", ""): c.name for c in spec.columns}
    keys = [header_key(col) for col in header]
    out: list[str] = []
    first: dict[str, int] = {}
    unnamed: list[int] = []
    for pos, (col, key) in enumerate(zip(header, keys, strict=True)):
        target = known.get(key, col)
        if not target:
            # Trailing commas on every line (spreadsheets, hand-edited files) and the
            # unnamed index column pandas' to_csv writes: columns nobody reads.
            target = f"column_{pos + 1}"
            unnamed.append(pos + 1)
        if target in first:
            if target in known.values():
                raise DataError(
                    f"{name}:1: columns {first[target] + 1} and {pos + 1} are both {target!r} "
                    f"(header has {', '.join(header)})"
                )
            target = f"{target}_{pos + 1}"  # a column the schema does not read, named twice
        first[target] = pos
        out.append(target)
    if unnamed and notes is not None:
        notes.append(f"{name}: {len(unnamed)} column(s) without a name in the header "
                     f"(column {', '.join(map(str, unnamed))}); not read")
    said: list[str] = []

    def take(pos: int, column: str) -> None:
        out[pos] = column
        first[column] = pos
        said.append(f"{header[pos]!r} as {column}")

    for column in spec.columns:
        if column.name in first or not column.aliases:
            continue
        for alias in column.aliases:
            # Only columns no schema column has taken yet, so one column is never read twice.
            pos = next((i for i, key in enumerate(keys) if key == alias and out[i] not in known.values()), None)
            if pos is not None:
                take(pos, column.name)
                break
    for column in spec.columns:
        if column.name in first:
            continue
        # A flattened JSON export's paths (Shopware's 'orderCustomer.email', pandas'
        # json_normalize 'customer.id'): the end of the path, where nothing matched whole.
        for alias in (column.name.replace("_", ""), *column.aliases):
            found = [i for i, key in enumerate(keys) if ("." in key or "/" in key) and alias in _path_ends(key)
                     and out[i] not in known.values()]
            if len(found) > 1:
                # 'shipping.price' beside 'product.price': the product's, or none.
                found = [i for i in found if re.search(r"product|item|line|article", keys[i].rsplit(".", 1)[0])]
            pos = found[0] if len(found) == 1 else None
            if pos is not None:
                take(pos, column.name)
                break
    if said and notes is not None:
        notes.append(f"{name}: columns read by their usual names: {', '.join(said)}")
    return out


def _path_ends(key: str) -> tuple[str, ...]:
    """``ordercustomer.email`` -> (``email``, ``ordercustomeremail``): a dotted path's last
    part, and its last two run together (``customer.id`` is ``customerid``); Odoo's related
    fields (``Order Ref/Customer``) too."""
    parts = [p for p in re.split(r"[./]", key) if p]
    return (parts[-1], "".join(parts[-2:])) if parts else ()


DATE_ONLY_KEYS = ("date", "orderdate", "transactiondate", "purchasedate", "eventdate", "invoicedate",
                  "tdat", "datum", "fecha", "data", "docdate", "postingdate", "belegdatum", *DAY_NUMBER_KEYS)
"""Normalised header names of a timestamp column that may hold the date alone."""
TIME_OF_DAY_KEYS = ("time", "timeofday", "ordertime", "transactiontime", "purchasetime", "eventtime",
                    "invoicetime", "hhmm", "hhmmss", "transtime", "timeoftransaction",
                    "uhrzeit", "zeit", "heure", "hora", "ora", "tijd")
"""Normalised header names of a separate time-of-day column beside such a date."""


def _synonyms(lowered: pd.Series, synonyms: dict[str, str]) -> pd.Series:
    """The choice each lower-case value is another name of, NaN where none: the exact
    value first (an --event-codes code such as '-1'), then the value without spaces, '_'
    or '-' (add_to_cart, Add To Cart)."""
    exact = lowered.map(synonyms)
    return exact.fillna(lowered.str.replace(r"[\s_-]", "", regex=True).map(synonyms))


def _event_column_by_values(frame: pd.DataFrame, header: list[str], raw_header: list[str], spec: TableSpec,
                            name: str, report: IngestReport) -> tuple[pd.DataFrame, list[str]]:
    """A column called ``type`` (OTTO's ``clicks`` / ``carts`` / ``orders``) or ``metric``
    (Klaviyo's ``Viewed Product`` / ``Added to Cart`` / ``Ordered Product``) is the event
    column when nearly all its values name actions (with ``--event-codes``' too); by name
    alone it is too often something else (a payment type, a measure). Short of that, a
    note says how many do and the way to read it."""
    event = spec.column("event_type")
    known = {c.name for c in spec.columns}
    if event is None or "event_type" in header or frame.empty:
        return frame, header
    j = next((k for k, (h, r) in enumerate(zip(header, raw_header, strict=True))
              if header_key(r) in ("type", "metric", "metricname") and h not in known), None)
    if j is None:
        return frame, header
    values = frame[header[j]].astype(str).str.strip().str.lower()
    named = values.isin(event.choices) | _synonyms(values, event.synonyms).notna().to_numpy()
    share = float(named.mean())
    if share >= 0.9:
        frame = frame.rename(columns={header[j]: "event_type"})
        report.notes.append(f"{name}: column {raw_header[j]!r} read as event_type: {share:.0%} of its values "
                            "name actions")
        return frame, [*header[:j], "event_type", *header[j + 1:]]
    codes = values.value_counts()
    if share == 0 and len(codes) <= 10 and codes.index.str.fullmatch(r"\d{1,2}").all():
        # JData's 'type' 1-6, Taobao's 'behavior_type' 1-4: actions as codes only the data
        # set's documentation explains. Without --event-codes every line is a purchase.
        shown = ", ".join(sorted(codes.index, key=int))
        report.notes.append(
            f"{name}: column {raw_header[j]!r} holds codes ({shown}), not action names: if they are the "
            "actions, --event-codes CODE=EVENT says which is which (e.g. 1=view,2=cart,4=purchase); "
            "as it is, every line is read as a purchase")
    elif share > 0:
        others = ", ".join(repr(v) for v in values[~named].value_counts().index[:3])
        report.notes.append(
            f"{name}: column {raw_header[j]!r} names actions on {share:.0%} of the lines, not read as the "
            f"event column; if it is one, --event-codes VALUE=EVENT says what the others ({others}) mean")
    return frame, header


MISSING_VALUES = frozenset({"NA", "N/A", "#N/A", "nan", "NaN", "NULL", "null", "None", "none", "<NA>", "-", "\\N"})
"""How R (``NA``), pandas (``nan``, ``<NA>``), SQL dumps (``NULL``), spreadsheets (``#N/A``,
``-``) and database unloads (Snowflake's, MySQL's and PostgreSQL's ``\\N``) write a missing
value; read as blank (:func:`_missing_values`)."""


def _text_formulas(values: pd.Series, name: str, raw_name: str, report: IngestReport) -> pd.Series:
    """``="00030"`` -> ``00030``: Excel's way to keep an id's leading zeros (or a barcode's
    digits) as text, which an export written for Excel uses; read literally, no id matched
    the items file's ``00030``."""
    formula = values.str.startswith('="') & values.str.endswith('"') & (values.str.len() >= 3)
    if not formula.any():
        return values
    report.notes.append(f"{name}: column {raw_name!r}: {int(formula.sum()):,} values written as Excel's text "
                        f"formula (e.g. {values[formula].iloc[0]!r}): read as the text inside")
    return values.where(~formula, values.str[2:-1])


def _missing_values(values: pd.Series, name: str, raw_name: str, report: IngestReport) -> pd.Series:
    """Ids, numbers and event names written as a missing-value marker are blank. Diginetica's
    ``userId`` is ``NA`` on most lines, and read as text those lines were all one shopper
    called ``NA``; an R export's ``NA`` price was a bad row where a blank one is the item's
    price."""
    missing = values.isin(MISSING_VALUES)
    if not missing.any():
        return values
    said = ", ".join(f"{k!r} ({n})" for k, n in values[missing].value_counts().items())
    report.notes.append(f"{name}: column {raw_name!r}: {said} read as no value: the way exports write a "
                        "missing value")
    return values.where(~missing, "")


ANONYMOUS_BASKET = "basket "
"""Prefix of the shopper id a line without one gets from its basket (:func:`_anonymous_baskets`)."""


def is_anonymous_basket(user_ids: pd.Series) -> np.ndarray:
    """Which shopper ids are anonymous baskets (:func:`_anonymous_baskets`), not shoppers."""
    return user_ids.astype(str).str.startswith(ANONYMOUS_BASKET).to_numpy()


def fill_from_basket(values: pd.Series, basket: pd.Series, name: str, col_name: str, basket_name: str,
                     report: IngestReport, *, note: bool = True) -> pd.Series:
    """Blank ``values`` on lines of a basket whose other lines all give one value take it:
    an order export writes the customer and the time on an order's first line only
    (Shopify's orders CSV: 60 % of its lines were bad rows). A basket whose lines give
    two values leaves its blanks blank (bad rows); one that gives none is an anonymous
    basket (:func:`_anonymous_baskets`)."""
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


def _anonymous_baskets(user: pd.Series, basket: pd.Series, name: str, user_name: str, basket_name: str,
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
        f"shopper ({user_name!r}): each of those {basket[blank].nunique()} baskets is read as one "
        f"anonymous shopper's only visit (shopper id '{ANONYMOUS_BASKET}<basket>'), so they count for what "
        "sells and are evaluated as new shoppers")
    return user.where(~blank, ANONYMOUS_BASKET + basket)


def _day_numbers(values: pd.Series, empty: np.ndarray, raw_name: str) -> tuple[pd.Series, int, int] | None:
    """``(ISO dates, first, last)`` when the timestamp column counts days (``DAY``: 1, 2,
    ... 711) rather than dating them, else None. Only for a column named so
    (:data:`DAY_NUMBER_KEYS`): elsewhere a short number is a bad timestamp."""
    if header_key(raw_name) not in DAY_NUMBER_KEYS or empty.all():
        return None
    present = values[~empty]
    if not present.str.fullmatch(r"\d{1,5}").all():
        return None
    days = pd.to_numeric(values.where(~empty), errors="coerce")
    dates = (pd.Timestamp(DAY_ZERO) + pd.to_timedelta(days, unit="D")).dt.strftime("%Y-%m-%d")
    return dates.where(~empty, ""), int(days.min()), int(days.max())


def _time_of_day_column(raw: list[str], header: list[str], spec: TableSpec) -> str | None:
    """The column holding the time of day when the timestamp was read from a date
    column (``date`` + ``time``), or None. Only a column no schema column took."""
    ts = [c.name for c in spec.columns if c.kind == "timestamp"]
    if not ts or ts[0] not in header:
        return None
    key = header_key(raw[header.index(ts[0])])
    if key not in DATE_ONLY_KEYS:
        return None
    known = {c.name for c in spec.columns}
    for original, name in zip(raw, header, strict=True):
        if name not in known and header_key(original) in TIME_OF_DAY_KEYS:
            return name
    return None


def _flag(
    pending: list[tuple[int, int, str, str]],
    frame: pd.DataFrame,
    mask: np.ndarray,
    column: str,
    reason: Any,
) -> None:
    """Queue an error for every row in ``mask``; ``reason(value)`` words the problem."""
    if not mask.any():
        return
    idx = np.flatnonzero(mask)
    values = frame[column].to_numpy()[idx]
    line_numbers = frame["_line"].to_numpy()[idx]
    col_pos = list(frame.columns).index(column)
    for line, value in zip(line_numbers, values, strict=True):
        pending.append((int(line), col_pos, column, reason(value)))


def _whole_number_ids(values: pd.Series, empty: np.ndarray, name: str, col: str,
                      report: IngestReport) -> pd.Series:
    """``17850.0`` -> ``17850`` when every id of the column is a whole number written so.

    pandas writes an integer column that has a blank as floats (Online Retail's
    CustomerID after a ``to_csv``), and those ids then match no customers file that
    writes ``17850``. Only when all of them end in ``.0``: one ``1.5`` says they are not
    whole numbers, and text ids are left alone."""
    first = values[~empty].iloc[0]
    if _SCIENTIFIC.fullmatch(first):
        _refuse_scientific_ids(values[~empty], name, col)
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


def parse_attributes(text: str) -> dict[str, str] | None:
    """``{"k": "v"}`` JSON or ``k=v;k2=v2``; None if it is neither."""
    text = text.strip()
    if not text:
        return {}
    if text.startswith("{"):
        try:
            value = json.loads(text)
        except json.JSONDecodeError:
            return None
        return {str(k): str(v) for k, v in value.items()} if isinstance(value, dict) else None
    out: dict[str, str] = {}
    for part in text.split(";"):
        if not part.strip():
            continue
        if "=" not in part:
            return None
        key, _, value = part.partition("=")
        out[key.strip()] = value.strip()
    return out


def require_rows(frame: pd.DataFrame, file: str, report: IngestReport) -> None:
    """A file that produced no usable row at all is a whole-input failure."""
    if len(frame) == 0:
        stats = report.files.get(file)
        read = stats.rows_read if stats else 0
        errors = [e for e in report.errors if e.file == file]
        detail = f"; first error: {errors[0]}" if errors else ""
        # The first error may be a side issue (Square's line 2 lacks a SKU); say what most
        # lines failed on (there: its event type, 'Payment').
        kinds = Counter(_error_kind(e) for e in errors)
        if len(kinds) > 1:
            top, n = kinds.most_common(1)[0]
            example = next(e for e in errors if _error_kind(e) == top)
            detail = (f"; most lines fail on {top} ({n:,} of the {len(errors):,} errors kept, e.g. {example})"
                      + detail)
        raise DataError(f"{file}: no usable rows ({read} read){detail}")


def _error_kind(error: RowError) -> str:
    """``column: reason`` without the value, as :meth:`IngestReport.add_error` counts it."""
    return f"{error.column}: {reason_kind(error.reason)}"


def reason_kind(reason: str) -> str:
    """A bad row's reason without the value it quotes (``not a number: '$1'`` -> ``not a number``)."""
    return reason.split(":")[0].split(" (")[0].split(" '")[0]
