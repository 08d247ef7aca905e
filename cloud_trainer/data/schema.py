"""The generic retail schema: its columns, their kinds and the names exports give them.

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
``file:line: column: reason`` in an :class:`.ingest.IngestReport`, skipped and
counted, and the load goes on. Only a missing file, a missing required column
or a file without a single usable row stops the load, with a one-line
:class:`DataError`.

This module is the contract. How a file is read into it is :func:`.table.read_table`, in stages:
:mod:`.filetext` (bytes to the text of a table), :mod:`.headers` (which column is
which), :mod:`.columns` (rules on a column's values), with what a load gives
(:class:`.ingest.RawDataset`, its :class:`.ingest.IngestReport`) in :mod:`.ingest`.
How the times real exports write are read is :mod:`.timestamps`, their amounts
:mod:`.amounts`; JSON lines and Parquet are :mod:`.formats`; files without a header
line are :mod:`.headerless`.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Literal

import numpy as np
import pandas as pd

from .names import header_key

EVENT_TYPES: tuple[str, ...] = ("view", "cart", "purchase", "favorite")
"""Shopper actions, weakest to strongest signal (favorite sits apart: a stated liking)."""


EVENT_SYNONYMS: dict[str, str] = {
    **dict.fromkeys(("transaction", "buy", "bought", "order", "purchased", "sale", "checkout", "orders",
                     "purchases", "payment"), "purchase"),  # Square's Event Type: Payment (or Refund)
    **dict.fromkeys(("addtocart", "addtobasket", "basket", "cartadd", "carts"), "cart"),
    **dict.fromkeys(("detail", "pageview", "productview", "viewed", "pv", "views",
                     "viewitem", "viewproduct"), "view"),  # Google Analytics 4: view_item, add_to_cart, purchase
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
                     "productpurchased", "checkoutcompleted"),
                    "purchase"),
    **dict.fromkeys(("productaddedtowishlist", "addedtowishlist"), "favorite"),
    # Google Cloud Retail's user events; Microsoft's Recommendations API usage files
    "detailpageview": "view", "purchasecomplete": "purchase", "addshopcart": "cart",
}
"""What public event exports call the four actions (Retail Rocket's ``addtocart`` and
``transaction``, ``add_to_cart``, ``wishlist``...), keyed without case, spaces, dashes or
underscores. Only names that mean the action without doubt: ``click`` (an ad? a
product?) and ``remove_from_cart`` stay bad rows."""


NO_ACTION = "(no action)"
"""An event value that names no shopper action (a product list's impression, a removal
from the cart, a refund in a product-action column; what ``--event-codes CODE=none``
says): the line is left out with one note (:func:`.values.choices`), not a bad row each
-- a GA360 export's impressions were 450 errors of 680 lines."""
NO_ACTION_WORDS = ("none", "ignore", "skip")
"""What ``--event-codes`` takes for 'no action: leave these lines out'."""


def parse_event_codes(text: str) -> dict[str, str]:
    """``0=view,1=cart,2=purchase,3=favorite`` (``--event-codes``) as ``{"0": "view", ...}``:
    what an export's coded event column means (Tmall's ``action_type``: 0 click, 1 add to
    cart, 2 purchase, 3 favourite; Taobao's ``behavior_type``: 1 view .. 4 buy), and
    ``remove_from_cart=none`` for an event that is no shopper action (:data:`NO_ACTION`).
    Raises ``ValueError`` naming the bad part."""
    codes: dict[str, str] = {}
    for part in text.split(","):
        code, sep, event = (x.strip() for x in part.partition("="))
        if not part.strip():
            continue
        if not sep or not code:
            raise ValueError(f"--event-codes: {part.strip()!r} is not CODE=EVENT")
        if event.lower() in NO_ACTION_WORDS:
            # (a removal from the cart, a click on an ad: left out with one note, where each
            # had been a bad row, 1,512 of a fuzz set's lines)
            event = NO_ACTION
        else:
            event = EVENT_SYNONYMS.get(header_key(event), event.lower())
        if event not in (*EVENT_TYPES, NO_ACTION):
            raise ValueError(f"--event-codes: {part.strip()!r}: the event must be one of {', '.join(EVENT_TYPES)}, "
                             "or none (no action: those lines are left out)")
        code = code.lower()
        # A usual name may be given another meaning (Starbucks' rewards log: 'transaction' is a
        # payment with no offer, 'transaction=none'; real105-aq): the codes are read before
        # the usual names. An action's own name may not ('cart=purchase' would be ignored).
        already = code if code in EVENT_TYPES else None
        if already is not None and already != event:
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
    # A code in words also stands for its other spellings ('add_to_cart=none' for a file's
    # 'add to cart'), over the usual names': values are looked up so (session aq's review).
    spelled = {re.sub(r"[\s_-]", "", code): event for code, event in codes.items() if re.search(r"[^\W\d_]", code)}
    columns = tuple(
        replace(c, synonyms={**c.synonyms, **spelled, **codes}, given_codes=frozenset(codes))
        if c.name == "event_type" else c
        for c in spec.columns
    )
    return replace(spec, columns=columns)


def with_alias(spec: TableSpec, column: str, alias: str) -> TableSpec:
    """``spec`` whose ``column`` also reads a header named ``alias``, before its other names."""
    return replace(spec, columns=tuple(replace(c, aliases=(alias, *c.aliases)) if c.name == column else c
                                       for c in spec.columns))


def with_timezone(spec: TableSpec, timezone: str | None) -> TableSpec:
    """``spec`` whose ``timestamp`` column reads instants as ``timezone``'s wall clock
    (:attr:`Column.timezone`)."""
    if not timezone:
        return spec
    return replace(spec, columns=tuple(replace(c, timezone=timezone) if c.name == "timestamp" else c
                                       for c in spec.columns))


def parse_timezone(text: str) -> str:
    """``text`` as an IANA zone name (``Asia/Shanghai``, ``Europe/Berlin``, ``UTC``), or a
    :class:`DataError` naming it."""
    from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

    try:
        ZoneInfo(text)
    except (ZoneInfoNotFoundError, ValueError):
        raise DataError(f"--timezone: {text!r} is no IANA time zone (e.g. Asia/Shanghai, Europe/Berlin, "
                        "America/New_York, UTC)") from None
    return text


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


class DataError(Exception):
    """Input that cannot be used at all. The message is one line naming the file and why."""


class MissingColumns(DataError):
    """A file without the columns its table needs: maybe another table altogether (a
    category tree beside an adapter's event files). ``found``: how many of the required
    columns it has (none: another table; some: a broken or renamed export); ``missing``: the
    schema columns not found; ``header``: the file's header as written."""

    def __init__(self, message: str, found: int, missing: tuple[str, ...] = (), header: tuple[str, ...] = ()) -> None:
        super().__init__(message)
        self.found = found
        self.missing = missing
        self.header = header


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
    given_codes: frozenset[str] = frozenset()
    """For ``event_type``: the codes ``--event-codes`` gave, which no rule reads otherwise."""
    aliases: tuple[str, ...] = ()
    """Other header names public exports give this column (``CustomerID``, ``StockCode``,
    ``InvoiceDate``), keyed without case, spaces, dashes or underscores, most specific
    first. Used only when the file has no column of this name, with a note."""
    timestamp_format: str | None = None
    """strftime format read first; what it leaves is read as any export's times are."""
    timezone: str | None = None
    """An IANA zone (``--timezone``): times written as instants (Unix time, ``Z``,
    ``+00:00``, ``UTC``) are read as that zone's wall clock, the store's, which hour and
    weekday context are; None leaves them in UTC, with a note."""
    free_text: bool = False
    """A name or description: a missing-value marker there (a title 'None') is kept as
    written; in an id, code, number or event column it is read as blank."""

    def __post_init__(self) -> None:
        # Aliases are compared with header_key's form of a header: written here as words
        # are spelt, Thai's จำนวน (quantity) is จํานวน in that form (NFKC splits its vowel).
        object.__setattr__(self, "aliases", tuple(header_key(alias) for alias in self.aliases))

    @property
    def header_keys(self) -> frozenset[str]:
        """The header names (as :func:`.names.header_key` writes them) read as this column: its
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
Carbo-Loading), read as such only when every value is a whole number of <= 5 digits.
(A star schema's ``time_id`` is read so only where a file has no time column:
:func:`.generic.day_key_clock`.)"""


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
USER_ALIASES = ("customeruniqueid", "customerid", "customercode", "custcode",  # (dunnhumby LGSR's CUST_CODE)
                "customernumber", "customerno",
                "cardcode",  # (SAP Business One's business partner)
                # (alias order is preference: a number before an e-mail or a bare word)
                "kundennummer", "kundennr", "kundenid", "numeroclient", "codeclient", "n°client", "noclient",
                "idclient", "idcliente", "codicecliente",
                "klantnummer", "klantid",
                "customer", "visitorid", "householdid", "householdkey",
                "household", "shopperid", "clientid", "memberid", "membernumber", "memberno", "subscriberid", "accountid",
                "cardid", "reviewerid", "uid", "user", "email", "customeremail", "emailaddress", "customeremailaddress", "email(billing)", "billingemail",
                # ('client' alone is not one: an event log's client is the app, ios or web)
                "kunde", "cliente", "klant", "klient", "idklienta", "kundnummer", "kund", "comprador",
                "pelanggan", "idpelanggan", "kodepelanggan", "idcustomer",  # (an Indonesian ERP: real3-af)
                "pembeli", "idpembeli",  # (Indonesian for the buyer: a sales sheet's "Pembeli"; real13-ah)
                "usuarioid", "idusuario",  # (a Spanish shop's 'usuario_id'; real15-ah)
                "codigocliente",  # (a Portuguese B2B sheet; real17-ai)
                # (Latin American invoices key the customer by a tax id: Peru's 'RUC CLIENTE',
                # Colombia's NIT, Brazil's CPF, Mexico's RFC, Argentina's CUIT, Chile's RUT; round 44)
                "ruccliente", "nitcliente", "dnicliente", "cpfcliente", "cnpjcliente", "rfccliente", "cuitcliente",
                "cuilcliente", "rutcliente", "codcliente",
                "customerkey", "custkey", "usersid",  # a Power BI / SSMS warehouse's key; Looker's 'Users ID'
                "custid", "custno", "customer#", "clienteid", "kundnr", "kundenr", "kundenr.", "buyerusername", "loyaltyid",
                "cust",  # (a grocer's hand-kept ledger's bare 'cust'; round 44)
                "loyaltycardnumber",
                # ERPs' customer accounts (a probe, session (ab)): Sage 50's ACCOUNT_REF, SAP's
                # sold-to party and Business One's customer/vendor code, Dynamics 365's CUSTACCOUNT
                "accountref", "soldtoparty", "soldtopt", "soldto", "customer/vendorcode", "custaccount",
                # marketplaces' buyers: Allegro, Shopee (Username (Buyer)), Naver, Shopee VN, Tokopedia
                "loginkupujacego", "username(buyer)", "usernamebuyer", "구매자id", "구매자아이디", "주문자id", "회원아이디", "고객번호", "고객id", "회원번호", "고객코드", "customercd", "custcd", "nguoimua",
                "contactemail",  # (Wix)
                # (Rakuten's order download: the orderer's masked e-mail, one per buyer; round 44)
                "注文者メールアドレス", "購入者メールアドレス",
                # A name last: two shoppers may share one (Loyverse's and Clover's 'Customer name'),
                # but a till that gives no id was read as anonymous baskets only.
                "buyerid", "buyeremail", "buyer",
                # (ticket sellers' and clubs' buyers: a football club's 'purchaser_id', a fan app's
                # 'fan_id'; Parse Server's 'user_objectid'; real199-av, real196-av)
                "purchaserid", "purchaser", "fanid", "userobjectid",
                "bidder", "bidderid", "biddername",  # (an auction's bids; real207-av)
                "numcli", "codcli", "nrocli", "numcliente", "nrocliente",  # (xBase's ten letters; real208-av)
                "contactid",  # (an accounting app's customer: Qoyod's, Xero's 'ContactID'; real215-av)  # Etsy's sold items, Amazon's shipments report
                "fullvisitorid",  # Google Analytics (Universal Analytics) exports
                "клиент", "покупатель", "кодклиента", "musteri", "musterino", "musterikodu",
                # (Russian course files' and 1C's buyer, a Czech shop's customer, Taiwanese exports'
                # consumer and member numbers, a till's loyalty card; real119-ar, real121-ar, real123-ar)
                "заказчик", "идклиента", "idклиента", "кодпокупателя", "контрагент", "zakaznik", "idzakaznika",
                "消費者編號", "customercardno", "loyaltycardno",
                "membercardno",
                "musteriid",  # (a Turkish sales file's 'musteri_id'; real37-al)
                # (a patient's prescriptions, a library's patron and borrower, a job board's
                # applicant; real36-al, real38-al)
                "patientid", "patient", "patronid", "borrowerid", "applicantid", "applicant.id",
                "customername", "reviewprofilename", "profilename", "contactname",  # (Xero's)
                "namapembeli", "구매자명",  # (Tokopedia's, Naver's buyer's name)
                "nomecliente", "nomedocliente",  # (a Portuguese building-supply store's; real28-ak)
                "nombrecliente", "nombredelcliente",  # (a Peruvian invoice sheet's; round 44)
                "买家会员名", "买家昵称",  # (Taobao's buyer's member name, unique there; session ak's review)
                # (a Northwind star schema's 'KeyCliente', an Indonesian dealer's 'Konsumen', a radio's
                # 'listener_id'; real31-ak, real32-ak)
                "keycliente", "konsumen", "listenerid",
                # a B2B buyer (an FMCG maker's orders by 'Distributor_ID': read as none, each of
                # 5,000 orders was an anonymous shopper and nothing repeated), a game's player,
                # a Steam library's owner (real40-am, real41-am)
                "distributorid", "dealerid",  # (not beside a retailer or an outlet: normalise_header)
                "playerid", "usersteamid", "steamid",
                "alici", "klantnaam", "accountname",  # (Trendyol's, bol.com's buyer; Salesforce's account)
                "reviewer",  # (Magento's sample reviews: a blank 'email' beside it; real35-al)
                # Chinese and Japanese tills and Tianchi-style exports
                "用户id", "用户", "顾客id", "客户id", "会员id", "顧客id", "会員id", "顧客番号", "顧客コード",
                "顧客編號", "客戶id", "客戶編號", "會員id", "會員編號",  # Traditional (Taiwan: Ta-Feng's own file)
                # (a Chinese course's customer number, then name; real178-au, review 68)
                "客户编号", "客户名称", "客户",
                # Hebrew, Arabic, Greek and Thai tills (charsets reads their code pages)
                "מספרלקוח", "קודלקוח", "לקוח", "رقمالعميل", "كودالعميل", "العميل", "الزبون",
                "اسمالعميل",  # (an Egyptian shop's customer name, its only id; real108-aq)
                "کدمشتری", "شمارهمشتری", "مشتری", "کدمشتري", "مشتري",  # (and with Arabic yeh: Windows-1256 has no other)  # (Persian: its own yeh and kaf; real108-aq)
                "κωδικόςπελάτη", "κωδικοςπελατη", "πελάτης", "πελατης", "รหัสลูกค้า", "ลูกค้า",
                "userpseudoid",  # Google Analytics 4 (pseudonymous_user_column)
                "clntid", "社保卡号", "iduser",  # (TripAdvisor's ID_USER, real12-ag)  # (Lotte L.POINT's CLNT_ID; a Chinese pharmacy's social-security card; real7-ag)
                # last: other domains' and programmes' names, each read only where nothing
                # above names the shopper (a books file's 'Author ID' is no shopper)
                "msno", "authorid", "distinctid",  # (Mixpanel's distinct_id)
                # (Kaggle's fashion sales, real17-ai; last: elsewhere a per-order PO reference,
                # which a customer's name beside it beats; session ai's review)
                "customerreferenceid",
                # (a Vietnamese shop's 'khach_hang', its customer; real21-aj)
                "makhachhang", "khachhang",
                "klientid",
                # (last, after every customer's and buyer's name: AdventureWorks' FactResellerSales,
                # the reseller, a business, is the buyer: 632 resellers' repeat orders had been 3,600
                # anonymous one-visit shoppers; real104-aq. Beside a buyer's column a reseller sells;
                # session aq's review)
                "resellerkey", "resellerid")  # (a Polish shop's 'klient_id'; real26-aj)
USER_ALIASES = (*USER_ALIASES[:-2],
                # (Danish and Norwegian customers, Finnish ones, 84.51's households; real125-ar, real127-ar)
                "kundeid", "kundenummer", "asiakasnumero", "asiakasid", "hshdnum",
                "diner", "dinerid",  # (a school-lunch report's 'Diner'; real255-ax)
                # (a publisher's 'reader_id', Klaviyo's 'person_id'; real126-ar)
                "readerid", "personid",
                # (a campus card's and a school canteen's buyer; real153-as)
                "studentid", "studentnumber", "学号", "学生id",
                "asiakas",  # (a Finnish customer's name: after the numbers; session ar's review)
                # (round 45: a Finnish app's 'kayttaja', user; a Romanian shop's 'Cumparator', buyer;
                # a Hungarian ERP's 'Vevőkód', customer code; a Danish sheet's 'Kundenavn', name)
                "kayttaja", "kayttajaid", "cumparator", "idcumparator", "vevokod", "vevoazonosito", "kundenavn",
                # (a hotel's guest; round 46)
                "guestid", "guestno", "guestnumber",
                # (a library's borrower: Koha's 'borrowernumber' and report header 'BORROWER', a
                # ledger's 'person's name', Chinese and German systems' reader; real221-aw)
                "borrowernumber", "borrower", "borrowername", "personsname", "person'sname", "borrower'sname",
                "reader'sname", "customer'sname",  # (apostrophes kept by header_key: the Strashun ledger; real241-ax)
                "读者id", "读者编号", "借阅人", "借阅者",
                "leser", "lesernummer",
                # (a customer-club app's purchase history keyed by member 'Username': last, since a
                # till's may be its cashier's login, read only where nothing names a customer; real135-ar)
                "username",
                # (a cash-on-delivery shop's WooCommerce orders, whose only customer column is 'Phone
                # (Billing)': its returning customers had been one-visit baskets; real179-au. Last:
                # any other customer column comes first, and a bare 'phone' may be the store's)
                "phone(billing)", "billingphone", "customerphone", "customerphonenumber", "buyerphone",
                # (a Kaspi seller's sheet keyed by the buyer's 'телефон'; Ukrainian buyers; real206-av.
                # A chain's receipts that give the shop's own phone read it as the shopper too: left)
                "телефонпокупателя", "телефонклиента", "телефон", "клієнт", "покупець", "телефонклієнта",
                "usermd5", "userhash",  # (Douban's hashed 'USER_MD5'; real182-au)
                # (Croatian, Serbian, Slovenian, Macedonian, Bulgarian, Albanian buyers; real184-au)
                "kupac", "sifrakupca", "kupec", "nrklienta", "numerklienta", "authorusername",  # (Shopee's 'Author Username': real249-ax. Not
                # '작성자': an ERP sales slip's writer is its clerk; review 83)
                  # (Polish 'Nr_klienta'; real242-ax)
                 "купувач", "купец", "klijent", "klienti",
                # (a dealer system's 'business_partner_name', SAP's word for the customer on a
                # sales invoice; real244-ax)
                "businesspartnername", "businesspartner", "businesspartnercode", "bpname",
                *USER_ALIASES[-2:])


ITEM_ALIASES = ("goodsid",  # (first: ECShop's 'product_id' beside it is a spec, 0 where none; session aq's review)
                "productid", "stockcode", "sku", "articleid", "itemcode", "productcode", "prodcode", "movieid", "bookid", "isbn",
                "songid", "trackid", "artistid", "businessid", "recipeid", "jokeid", "iid",
                "skuid", "itemsku", "productsku",  # JData's sku_id; Clover's Item SKU; BigCommerce's Product SKU
                "listingid",  # Etsy: a listing, where its SKU is blank
                "артикул", "кодтовара", "товар", "urunkodu", "urunid", "urun", "stokkodu",
                "beerbeerid", "beerid",  # BeerAdvocate
                # (Untappd's check-ins: 'beer.bid' beside the venue's 'venue.venue_id'; X-Wines' 'WineID';
                # real141-as)
                "beerbid", "wineid",
                "parentasin",  # Amazon 2023: the product; its 'asin' is a variant, and the meta file has no other
                "asin", "upc", "ean", "product", "article", "item", "aid",
                # an item's number before its description (Iowa's liquor sales: 45 names stood
                # for 2-5 bottle sizes each, 61 % of the lines; real7-ag)
                "itemnumber", "itemnbr", "itemno", "itemno.", "itemnum",
                "itemdescription", "menuitem",  # Kaggle's Groceries, a Toast till: the item's name is its only id
                "lineitemsku",  # Shopify's orders export: one line item a line
                "salesitemitemid",  # (QuickBooks' sales receipt lines, beside a mostly blank bundle_id; real33-ak)
                "artikelnummer", "artikelnr", "artikelid", "produktid", "referenceproduit", "idproducto",
                "iditem",  # (a museum's 'id_item' of artworks; real228-aw)
                "idproduct",  # (PrestaShop's 'id_product'; real235-aw)
                "articlenumber",  # (ICA's receipt lines, 'article_number' beside 'article_name'; real222-aw)
                "codearticle", "productkey", "productssku", "productsid",  # French tills; Power BI; Looker
                "inventoryitemcode",  # Xero's invoices
                # Odoo's related field for a product's SKU (its 'default_code'), as
                # 'Stock Moves/Product/Internal Reference' in a picking export (real35-al)
                "productinternalreference",
                "medicationid",  # (a pharmacy's prescriptions; real41-am)
                # (the US National Drug Code of a claim or a fill: Tuva's 'ndc_code'; real226-aw)
                "ndc", "ndccode", "ndc11", "nationaldrugcode", "productndc",
                # (a library's lent copy: 'CopyID', a Chinese system's book id and ISBN; real221-aw)
                "copyid", "itembarcode", "图书id", "图书编号", "书籍isbn", "图书isbn",
                "stockitemkey", "stockitemid",  # (WideWorldImporters' Fact.Sale and Sales.OrderLines; real45-am)
                # (Odoo in French: 'Mouvements de stock/Article/Référence interne'; session am's review)
                "articlereferenceinterne", "produitreferenceinterne",
                # (a probe, session (ab)) SAP's material number, Shopee's, Lazada's and
                # PrestaShop's seller SKU, Allegro's offer, Naver's product number, Tokopedia's SKU
                "materialnumber", "materialno", "skureferenceno", "skureferenceno.", "sellersku", "productreference",
                "idoferty", "상품번호", "nomorsku", "skuphanloaihang",
                "codiceprodotto", "codicearticolo", "artikelcode", "productnummer",
                "codigoproduto", "idproduto",
                "artikel", "produkt", "produit", "articulo", "producto", "articolo", "prodotto", "produto",
                "idbarang", "kodebarang", "barang", "productno", "productno.",  # (Indonesian; Kaggle's ProductNo)
                # (Indonesian pharmacy apps' 'barang_id', medicine codes 'kd_obat'; real134-ar)
                "barangid", "kdbarang", "kdobat", "kodeobat", "idobat", "obatid",
                "idproduk", "kodeproduk", "productoid",  # (Indonesian and Spanish students' shop exports; real15-ah)
                "idhotel", "hotelid",  # (TripAdvisor's ID_HOTEL, real12-ag)
                "单品编码",  # (a Chinese grocer's item code, CUMCM 2023; real7-ag. Not L.POINT's 'PD_C':
                # a pharmacy's 'PDC' is an adherence ratio, session ag's second review)
                # (Rakuten's '商品管理番号', unique across shops, before its '商品ID', one shop's
                # number: an order download of four shops had merged a protein, a serum and a
                # cream under 10000053; round 44)
                "商品管理番号",
                "商品id", "商品编号", "商品编码", "sku编码", "sku编号", "商品コード", "商品番号", "商品", "商品編號", "商品代碼",
                # (Taiwan's 'product' word, a Russian file's product and 1C's nomenclature, a Czech
                # order line's item; real119-ar, real123-ar)
                "產品id", "產品編號", "產品代碼", "产品id", "产品编号", "идтовара", "idтовара", "продукт",
                "номенклатура", "kodzbozi", "製品id",  # (not a Czech 'Položka': an invoice line's position)
                "品番", "janコード", "jancode",  # (a Japanese part number and barcode, before 商品名; session aj's
                # review. Not a bare 'JAN': a sales-by-month sheet's January)
                "קודמוצר", "ברקוד", "מוצר", "פריט", "كودالمنتج", "رقمالصنف", "كودالصنف", "الباركود", "المنتج",
                "کدکالا", "کدمحصول", "کالا", "محصول",  # (Persian; real108-aq)
                "الصنف", "κωδικόςπροϊόντος", "κωδικοςπροιοντος", "κωδικοςπροϊοντος", "προϊόν", "προϊον", "προιον", "είδος", "ειδος",
                "รหัสสินค้า", "สินค้า",
                # An order's products packed in one cell (Shopware's 'lineItems' '1x SW10001|2x
                # SW10078', BigCommerce's 'Product Details'): lines.item_lists splits them
                "lineitems", "productdetails", "orderitems", "orderlines",
                # the item of other domains' logs and of more tills and marketplaces
                "videoid", "animeid", "gameid", "courseid", "placeid", "venueid",
                "spuid",  # (Meituan's dish, beside its restaurant's 'poi_id'; session aj's review)
                "poiid",  # (STSP's and GETNext's check-ins; real22-aj. Not 'Location_id': a till's store,
                # nor Gowalla's 'spot_id': an ad log's slot; session aj's last review)
                 "newsid", "variantsku", "variantid", "partnumber", "partno", "articleno", "articleno.",
                # (a parts shop's 'part', 'part_id'; a motorcycle dealer's 'Bike_ID' beside its
                # 'Sale_ID' and 'Customer_ID'; round 44)
                "part", "partid", "partkey", "sparepartid", "bikeid", "motorcycleid",
                "artnr", "art.nr.", "varenr", "varenr.", "barcode", "#depublicacion",
                # (round 45: Danish 'Partnummer'; Hungarian 'Cikkszám', article number, 'Termékkód')
                "partnummer", "cikkszam", "termekkod",
                # last, beaten by any name above: Kaggle's fashion sales, Maven's restaurant menu,
                # Sakila's rented copy (real17-ai; a part number or barcode beside them is the
                # product, session ai's review), a bundle recommender's item (BundleRec, real18-ai)
                "itempurchased", "menuitemid", "inventoryid",
                # (Riiid's 'content_id' beside its 'bundle_id': the question, not the group of
                # questions shown together, 9,737 folded into 7,123; real38-al)
                "contentid", "bundleid",
                "detailproduk",  # (an Indonesian till's product; real19-ai)
                # (Vietnamese 'mã sản phẩm', 'sản phẩm'; Tiendanube's 'Nombre del producto' where its
                # SKU is blank on every line; real21-aj)
                "masanpham", "sanpham", "nombredelproducto",
                # (a Japanese receipt's and an office's product names, their only product id; real21-aj)
                "商品名", "品名", "購入商品",
                # (Simplified Chinese courses' product name, a restaurant's dish beside a blank
                # 'bar_code', Tianchi's mother-and-baby 'auction_id'; real178-au. Not a bare
                # 'Goods': an invoice's amount of goods; review 68)
                "商品名称", "dishesid", "dishid", "auctionid",
                # (Balkan tills and ERPs: Croatian/Serbian 'Šifra artikla', 'Artikl', 'Artikal',
                # Slovenian 'Izdelek', Macedonian 'Производ', Albanian 'Artikulli'; real184-au)
                "sifraartikla", "sifraproizvoda", "artikl", "artikal", "proizvod", "izdelek", "производ", "артикл",
                "артикал", "artikulli",
                "sifra", "шифра", "kodi",  # (a bare 'code' after the names: a customer's 'Šifra' too; review 69)
                "barkod", "urunadi",  # (a Turkish till's barcode and product name; real24-aj)
                "codigoproducto", "codigodeproducto", "codigodelproducto", "skuproducto", "skuproduto",  # (a Chilean shop's 'Codigo producto', 'SKU_Producto'; real26-aj, real124-ar)
                # (a French order file's 'ID_Produit', a Mexican shop's 'PROD_ID'; a Portuguese and an
                # Indonesian till's product names, their only product id; real28-ak)
                # (and CamelCase 'ProduitID'; real142-as)
                "idproduit", "produitid", "prodid", "nomeproduto", "nomedoproduto", "namaproduk",
                # (Northwind's 'KeyProducto', a class's 'ProdName', a Spanish check-in file's
                # 'negocio_id', a museum's 'content_id', ASSISTments' 'problem_id'; real31-ak, real32-ak)
                "keyproducto", "prodname", "negocioid", "problemid",
                # (the Chinese shop frameworks' English schemas, ECShop's, litemall's, RuoYi
                # mall's order lines: 'goods_id', 'goods_sn'; session aq)
                "goodssn", "goodscode", "goodsno",
                "prdkey", "prdid", "prdcd", "prdcode",
                "productcd", "itemcd",  # (Japanese systems' '_cd': 100本ノック's receipts; real109-aq)
                "상품코드", "품목코드", "제품코드", "제품번호",  # (Cafe24's, a Korean ERP's product code; real109-aq; a vending menu's '제품 번호': real240-ax)  # (the data-warehouse course's 'sls_prd_key', its prefix off; real103-aq)
                "drugid",  # (a pharmacy's sales; real34-ak)
                # (a Polish shop's 'IDProduktu', a tourism file's 'id_place', a POI visit's 'poiID', a
                # job board's 'Job.ID', a library's 'library_book_id'; real35-al .. real38-al)
                # (not a bare 'JobID': a workshop's work order would train as the item; the
                # hint names it for CareerBuilder's applications; session al's reviews)
                "idproduktu", "idplace", "placeid", "poiid", "job.id", "librarybookid",
                # (a Steam play log's 'game-title', its only id; real138-as)
                "gametitle",
                # last of all: a name, the item's only id where no id above is given (Chipotle's
                # order lines, a fast-food till; real39-am. After 'sellerSku' and 'Part Number'
                # beside it: session am's review)
                "itemname")
_ROMANCE_PRODUCT_WORDS = ("produto", "prodotto", "producto", "articolo", "articulo", "artigo", "tuote",
                         "produs")  # (Romanian: 'Cod produs'; round 45)
"""A product in Portuguese, Italian, Spanish, Romanian (and Finnish), which schemas write with an id's
affix: Brazil's 'produto_id', Italy's 'IdProdotto', 'cod_articolo' (real130-ar, real125-ar)."""
ITEM_ALIASES = (*ITEM_ALIASES[:-1], *dict.fromkeys(
    key for word in _ROMANCE_PRODUCT_WORDS for key in (f"{word}id", f"id{word}", f"cod{word}", f"codigo{word}",
                                                        f"codice{word}", f"{word}numero", f"{word}koodi", word)
    if key not in ITEM_ALIASES),
    # (84.51's Complete Journey sample: 'PRODUCT_NUM'; Danish item numbers; real127-ar, real125-ar)
    "productnum", "varenummer", "vareid", "itemobjectid", "productobjectid",
    "refprod", "codart", "codarticulo",  # (French Northwind's 'Refprod', xBase's 'CODART'; real208-av)
    "kodproduktu", "kodzbozi",  # (a Czech shop's 'kód produktu', 'kód zboží'; real242-ax)
    ITEM_ALIASES[-1],
    # (last of all, and only beside a count of tickets (headers.normalise_header): the show a
    # ticket seller's order is for, Afisha's 'event_id' beside 'tickets_count'; real212-av)
    "eventid",
    # (and a product's name after it: a boutique's Shopify sheet names its dresses only by
    # 'Product Name', and had been refused for the item; real181-au)
    *(k for k in ("productname", "producttitle", "nomproduit", "nombreproducto", "nombredelproducto", "artikelname",
                  "artikelbezeichnung",
                  # (a pharmacy's 'Medicine_Name', 'Medication_Name', 'drug_name'; real198-av)
                  "medicinename", "medicationname", "drugname",
                  "namabarang",  # (Indonesian 'goods' name, a thesis's 'nama_barang'; real225-aw)
                  # (an Indonesian till's 'Produk', after its codes 'kode_produk': review 76)
                  "produk",
                  # (what a salon, a spa or a clinic sells: a beauty salon's 'procedure' beside its
                  # 'client'; not a bare 'service' or 'service_type', a kind as often; real202-av)
                  # (nor 'service_name': a ticket seller's operator, Afisha's; review of the harness)
                  # (not a bare 'treatment': an A/B test's control or treatment; review 73)
                  "serviceid", "procedure", "procedurename",
                  "treatmentname", "procedimiento", "procedimento", "tratamiento", "behandlung", "prestation",
                  # (a workshop's invoice lines name the part or job sold: 'invoice_line_text'
                  # ENGINE OIL, AIR FILTER; real244-ax)
                  "invoicelinetext", "linetext", "lineitemtext", "itemtext",
                  "bookname",  # (a library ledger's 'book name' beside its borrower; real241-ax)
                  )
    if k not in ITEM_ALIASES),
    # (last: SAP's product, only beside an SAP document's key (headers.normalise_header); else
    # a garment's fabric. SAP's OData order items had been refused for the item; real201-av)
    "material")
GUARDED_ITEM_ALIASES = frozenset({"eventid", "material"})
"""Item names read only where :func:`.headers.normalise_header` finds what makes them the
item (a ticket count; SAP's documents): never picked up elsewhere as another item column
(a clickstream's own 'event_id' had been taken for the blank 'sku'; a fabric's 'Material')."""
# (Not 'appid': Steam's game, but a Snowplow event's or an e-learning log's client app
# beside its course; session am's review.)
# (Not Taobao's ad log's 'adgroup_id': a Google Ads report's ad group, beside the
# advertiser's 'Customer ID', had trained as purchases; session aj's review.)
# (Not Mult-VAE's and ENMF's 'sid', their item: elsewhere a store's or a session's id, read
# as the item beside a product's name; session ai's second review.)
# (Not 'restaurant' or 'hotel': a food-delivery export's 'Restaurant' beside its 'Dish'
# is the vendor, and had made a second dish of an order more units of the first; session
# ah's review. The refusal's hint names them: table._LIKELY.)
# (Not 'reference' for a French till's 'Référence': PrestaShop's and Xero's 'Reference' is
# the order's or the customer's PO.)


# Not "sales_price" / "sales_value": Ta-Feng's and dunnhumby's are the line's total, which
# prices.LINE_TOTAL_KEYS divides by the quantity when there is no unit price.
PRICE_ALIASES = ("unitprice", "priceunit",  # (Odoo's order lines' price_unit)
                 "amountpiece", "priceperpiece", "valorhomologadounitario",  # (real256-ax)
                 "sellprice",  # (a Kaspi seller's 'Sell_price'; M5's 'sell_price'; real254-ax)
                  # (an ERP's "amount piece", a unit's price; real246-ax)
                 "goodsprice", "paidprice", "itemprice", "priceatpurchase", "purchasepriceperunit", "unitsoldprice", "saleprice", "listprice", "regularprice", "lineitemprice", "preis", "einzelpreis", "stuckpreis", "harga", "hargasatuan", "hargaproduk", "hargajual", "keranjangharga", "hargaobat",
                 # (sale_price after item_price, before list_price: thelook's price paid beats a list price; a
                 # WooCommerce line's item price beats a sale price blank but on promotions; session aq's reviews)
                 "prix", "prixunitaire", "precio", "preciounitario", "preciounit", "precioventaunitario", "prezzo", "prezzounitario", "prijs",
                 "stukprijs", "productunitprice", "preco", "precounitario", "cena", "cenajednostkowa",
                 "单价", "単価", "商品単価", "价格", "価格", "單價", "價格", "цена", "ценазаединицу", "ценапродажи", "ценапродажизаединицу",
                 "商品售價", "訂單商品售價", "jednotkovacena", "cenazaks", "fiyat", "birimfiyat", "birimfiyati", "stk.pris", "stkpris", "pris", "enhetspris",
                 "enhedspris", "styckpris", "unitamount",  # (Xero)
                 "soldfor",  # (eBay's orders report: the item's price; 'Total Price' is the order's)
                 "priceeach",  # (Kaggle's Sales Product Data)
                 "unitsaleprice",  # (a warehouse's FactSales: every item had been priced 0; real45-am)
                 "itemrate",  # (NetSuite's saved searches: 'Item Rate')
                 "priceperunit", "priceperitem", "srp",  # (a Kaggle retail file's 'Price Per Unit'; FoodMart's
                 # product 'SRP', its suggested retail price: real-ae, every item had shipped at 0.0)
                 "productprice", "localproductprice", "pricemicros", "priceamountmicros",  # (GA360; Google's micros)
                 "cenazasztuke", "상품가격", "판매가", "단가", "제품가격", "giauuđai",  # Allegro, Naver, Shopee VN (the price paid)
                 "đongia", "dongia", "preciodelproducto",
                 "prixunit",  # (the French Northwind's 'PrixUnit'; real227-aw)
                 "prixproduit", "prixvente", "prixdevente",  # (a Moroccan till's 'prix_produit'; real238-aw)
                 # (Shopee Vietnam's 'Giá(₫)' with its currency, whole: not a bare 'GIA', a
                 # diamond's certificate number; real229-aw, real237-aw)
                 "gia(₫)", "gia(vnd)", "gia(đ)", "gia(vnđ)", "giaban",  # ('Giá (VNĐ)', 'Giá bán': session ax)
                 "cenazaprodukt", "cenazakus", "cenazaks",  # (Czech: 'cena za produkt', 'cena za kus'; real242-ax)
                 "售价", "售價", "销售价格", "商品单价",  # (a Taobao log's sale price; real106-aq; a vending platform's: real240-ax)  # (Vietnamese 'đơn giá', Tiendanube's; real21-aj)
                 "sellingprice",  # (a Nigerian and an Indian till's 'selling_price'; real24-aj)
                 # (not 'final_price': an order's total in one file, a line's in another; session
                 # an's review)
                 "rprice",  # (a vending machine's export: 'RPrice' beside 'RQty')
                 "ourprice",  # (Amazon's data-request exports: 'OurPrice', the unit price; real9-ag)
                 # (Nuvemshop's 'Valor do Produto', a Portuguese B2B sheet's 'valor_unitario_produto',
                 # not WooCommerce's 'Item Cost': elsewhere the shop's cost; real17-ai, session ai's review)
                 "valordoproduto", "valorunitario", "valorunitarioproduto",
                 "품목단가",  # (a Korean invoice list's; real19-ai. Not Odoo's 'price_unit': SAP's 'Price Unit'
                 # is the quantity a price is per, 1 or 100; session ai's second review)
                 "מחירליחידה", "מחיר", "سعرالوحدة", "السعر", "قیمتواحد", "قیمت", "قيمتواحد", "قيمت", "τιμήμονάδας",
                 "τιμημοναδας", "τιμή", "τιμη", "ราคาต่อหน่วย", "ราคา",
                 # (last: a bottler's price per case beside its cases; a unit's price beats it where
                 # both are given, the quantity then in units; session aq's review)
                 "unitpricecase", "pricepercase")
PRICE_ALIASES = (*PRICE_ALIASES[:-2],
                 # (Danish, Finnish, Vietnamese prices; a Mockaroo/ADempiere 'price_momentary';
                 # real125-ar, real128-ar, real129-ar)
                 "salgspris", "salgsprisprstk", "hinta", "yksikkohinta", "pricemomentary",
                 # (round 45: Slovak 'cena_za_kus', Romanian 'Pret unitar', Hungarian 'Egységár',
                 # Finnish 'myyntihinta', a selling price, not 'tukkuhinta', wholesale; Lithuanian 'kaina')
                 "cenazakus", "pretunitar", "egysegar", "myyntihinta", "kaina",
                 # (gross unit prices: BaseLinker's line 'price_brutto', Polish and German exports'
                 # 'cena brutto', 'Preis brutto'; real140-as)
                 "priceretail", "retailprice",  # (the same sample's 'PRICE_RETAIL'; an Israeli workbook's; real146-as, real154-as)
                 "pricebrutto", "cenabrutto", "cenajednostkowabrutto", "preisbrutto", "bruttopreis", "einzelpreisbrutto",
                 # (in cents: divided by prices.micros_prices; real126-ar)
                 "unitpricecents", "pricecents", "priceincents", "itempricecents", "unitamountcents",
                 # (last: a drop-ship supplier's 'Wholesale Price' to Wayfair, a retail price first
                 # where both are given; Croatian, Serbian, Albanian; rounds 47 and 48, review 69.
                 # Not Vietnamese 'Giá': a diamond's 'GIA' report number; review 70)
                 "wholesaleprice", "cijena", "jedinicnacijena", "cmimi",
                 "lastunitprice",  # (Sage's order lines; real208-av)
                 *PRICE_ALIASES[-2:])


GENERIC_INTERACTIONS = TableSpec(
    "interactions",
    (
        Column("user_id", aliases=USER_ALIASES),
        Column("item_id", aliases=ITEM_ALIASES),
        Column("timestamp", "timestamp",
               aliases=("eventtime", "eventtimestamp", "eventts", "visitstarttime", "orderpurchasetimestamp", "purchasetimestamp",
                        "ordertimestamp", "orderchargedtimestamp", "unixreviewtime",
                        "invoicedate", "transactiontimestamp",
                        "transactiondate", "transactiondt", "orderdt", "orddt", "transactiondateandtime", "transactiontime", "orderdatetime", "orderdate", "purchasedate",
                        # (a ticket seller's 'trans_date' beside the show's 'event_date'; real199-av)
                        "transdate",
                        # (an invoice's or a loan's issue: Qoyod's 'issue_date' beside its
                        # 'created_at', a bulk back-entry months later; real215-av)
                        "issuedate", "dateofissue", "invoiceissuedate",
                        "datedecommande",  # (Odoo in French: 'Commande client/Date de commande'; session am's review)
                        "datetime", "ordercreatedat", "ordercreateddate", "createdat", "datecreated", "orderitemscreatedtime", "orderitemscreateddate",  # (Looker)
                        "dateadded", "eventdate", "date", "tdat", "time", "ts", "siparistarihi", "датазаказа",
                        "datum", "zeitstempel", "fecha", "datahora", "dataora", "tijdstip", "docdate", "postingdate", "tanggal", "tgl",
                        "documentdate", "belegdatum", "reviewtime", "lineitemdate",
                        "时间", "日期", "购买时间", "购买日期", "下单时间", "購入日", "購入日時", "日付", "日時",
                        # ('timestamp' in Chinese, Japanese, Korean: a Taobao log's Unix seconds under
                        # '时间戳' were unread and a year of times made up; real106-aq)
                        "时间戳", "時間戳", "タイムスタンプ", "타임스탬프",
                        # (Rakuten's date and time '注文日時' before its date alone '注文日'; round 44)
                        "交易日期", "交易时间", "交易時間", "時間", "購買日期", "受注日時", "注文日時", "受注日", "注文日",
                        "saledate", "solddate", "datesold", "shopdate", "fechadeventa", "fechaventa",
                        # (Korean; real24-aj. A date and time, '거래일시', before a date alone)
                        "판매일시", "주문일시", "거래일시", "판매일", "판매일자", "주문일", "주문일자", "거래일", "거래일자",
                        "дата", "датапродажи", "tarih", "islemtarihi",
                        "datumivrijeme", "datumivreme", "датум", "датаивреме", "датумивреме",  # (real184-au)
                        "תאריךמכירה", "תאריך", "تاريخالبيع", "تاريخالفاتورة", "التاريخ", "تاریخ", "تاریخخرید", "تاریخفاکتور", "تاريخ", "تاريخفاکتور", "ημερομηνία",
                        "ημερομηνια", "วันที่ขาย", "วันที่",
                        *DAY_NUMBER_KEYS,
                        # last, so an 'OrderDate' beside them is the time (session ag's second
                        # review): a vending export's and L.POINT's (real7-ag)
                        "sessdt",
                        # (a photo's 'dateTaken' in a POI visit log, a trajectory's 'startTime'; real38-al)
                        "datetaken", "starttime",
                        # (last: Bazaarvoice's reviews' own time, beside a product's 'FirstSubmissionTime';
                        # a KoboToolbox form's '_submission_time' is the upload's, a 'purchase_date' beats
                        # it; real148-as, session as's review)
                        "submissiontime",
                        # (last: M-Pesa's 'TransTime' '20260613120000', a date and time, where no
                        # date column is beside it; a time of day beside a date; real216-av)
                        "transtime")),
        # Till and rating exports have no event type: every row is a purchase.
        Column("event_type", "enum", required=False, choices=EVENT_TYPES, synonyms=EVENT_SYNONYMS,
               aliases=("event", "eventname", "behavior", "behaviour", "behaviortype", "interactiontype",
                        "action", "actiontype", "行为类型", "行为", "行動",
                        # (an LMS log's 'activity_type', video_watch / quiz_attempt: every line had
                        # been a purchase; round 45)
                        "activitytype")),
        Column("quantity", "float", required=False, min_value=0.0, min_exclusive=True,
               aliases=("qty", "units", "productuomqty",  # (Odoo's order lines: product_uom_qty)
                        "lineitemquantity", "qtyordered", "quantityordered", "orderquantity", "qtyorder", "billedqty",
                        # (PHP Point of Sale writes both: its line's 'Quantity Purchased' and the sale's
                        # 'Items Purchased', which had been read, 1,480 of 2,310 lines wrong; real21-aj)
                        "quantitypurchased", "itemspurchased",
                        # (a ticket seller's orders: Afisha's 'tickets_count'; real147-as)
                        "ticketscount", "ticketcount", "numberoftickets", "ticketsqty", "ticketqty",
                        "numberofitemspurchased",  # (a Nike sales sample's; real146-as)
                        "liczbasztuk", "수량", "soluong",  # (Sage 50, SAP; Allegro, Naver, Shopee VN)
                        "productquantity",  # (Fetch's receipt lines, and 'quantity_purchased')
                        "bottlessold", "rqty", "pdbuyct",  # (Iowa's liquor sales, a vending export, L.POINT)
                        "unitsales", "unitssold",  # (FoodMart's 'unit_sales'; real-ae: every line had been 1)
                        # (Maven Roasters' 'transaction_qty', a BikeStores query's SUM as 'total_units';
                        # real224-aw: every line had been one unit)
                        "transactionqty", "totalunits",
                        "orderitemquantity",  # (DataCo's 'Order Item Quantity'; real236-aw)
                        "qtevendu", "quantitevendu", "qtevendue", "quantitevendue",  # (a Moroccan till's 'qte_vendu'; real238-aw)
                        # (AtliQ's 'sales_qty', a shop's 'quantity_sold': their line totals had
                        # become unit prices, 41,241 for 100 units of one product; real13-ah)
                        "salesqty", "quantitysold",
                        "soldquantity", "soldqty",  # (a distributor's 'sold_quantity': every line had been 1; real68-ao)
                        # (a 3PL's 'Ordered quantity' beside 'Delivered quantity', an ERP's 'Delivery
                        # Invoiced Quantity' beside a 'Delivery Delivered Quantity' of 0; real35-al. Not
                        # 'Delivered quantity' alone: 0 on an open order's lines; session al's review)
                        "orderedquantity", "invoicedquantity", "deliveryinvoicedquantity",
                        # (Nuvemshop's 'Quantidade Comprada', a Portuguese B2B sheet's, Fetch's
                        # cleaned receipts' 'FINAL_QUANTITY'; real17-ai)
                        "quantidadecomprada", "quantidadevendida", "quantidadevendidaproduto", "finalquantity",
                        "finalqty",  # (a next-basket paper's order lines; real110-aq)
                        # (a Chinese pharmacy's '销售数量', its 16 returns negative; an Indonesian till's
                        # 'Banyak Penjualan'; real19-ai)
                        "销售数量", "banyakpenjualan", "cantidaddelproducto",  # (Tiendanube's; real21-aj)
                        # (a theatre's 'tickets_qty': 2,400 of 5,000 sales of 2-5 seats had been 1; real23-aj)
                        # (not 'num_tickets': a helpdesk's count of a customer's support tickets)
                        "ticketsqty", "ticketqty", "ticketssold", "nbbillets",
                        "seatssold",  # (a box office's group sale of 600 seats had been 1; real57-ao)
                        # (a pharmacy claim's units dispensed: 2,104 of 5,000 lines above 1; real62-ao)
                        "quantitydispensed", "qtydispensed", "dispensedquantity", "dispensedqty",
                        "goodsnum", "goodsnumber", "goodscount",  # (ECShop, litemall; session aq)
                        "orderqty",  # (a dairy's SAP lines: 65 % above one unit had been 1; real117-aq)
                        # (a beverage bottler's SAP lines count cases: 'ordered_cases' beside
                        # 'confirmed_cases', unread, made 235 lines exact duplicates; real104-aq)
                        "orderedcases", "casesordered", "qtycases", "quantitycases", "noofcases",
                        "itemquantity", "個数",  # (Petpooja's 'item_quantity', a Japanese sheet's; real24-aj)
                        "pcs",  # (an Indian wholesaler's 'PCS': 554 of 2,709 lines above 1; real-af. Not
                        # 'pieces': a puzzle shop's is the product's size, session af's review)
                        "qtysold", "menge", "anzahl", "quantite", "cantidad", "jumlahbarang", "kuantitas", "kuantiti",
                        # (Indonesian: a shop's 'jumlah' of 1-10 units, 899 of 1,000 lines above 1;
                        # a coffee stall's 'Jumlah Produk'; real28-ak)
                        "jumlah", "jumlahproduk", "barangqty", "jmljual", "jumlahjual", "qtyjual",
                        "cantidadunidades",  # (Northwind's Spanish star schema; real31-ak)
                        # (a Mexican sell-out's 'Venta (pza)', pieces sold, beside 'Venta ($)'; real31-ak)
                        "venta(pza)", "venta(pzas)", "venta(pzas.)", "venta(piezas)", "ventapza", "ventapzas",
                        "ventas(pza)", "ventas(pzas)", "venta(unidades)", "ventas(unidades)", "ventaunidades",
                        "ventapiezas", "venta(uds)", "ventauds", "piezasvendidas", "unidadesvendidas",
                        "quantita", "aantal", "quantidade", "ilosc", "productqty",
                        "scancount", "数量", "购买数量", "商品数量", "數量", "unidades", "antal", "antall", "quantityshipped", "количество", "колво", "adet", "miktar",
                        # (Russian, Czech and Polish order lines, a till's 'ItemQty'; real119-ar, real121-ar)
                        "количествопродаж", "pocetkusu", "mnozstvi",
                        # (round 45: Slovak 'pocet_kusov', Romanian 'Cantitate', Hungarian
                        # 'Mennyiség' and 'Értékesített mennyiség', Lithuanian 'kiekis', Ukrainian)
                        "pocetkusov", "cantitate", "mennyiseg", "ertekesitettmennyiseg", "kiekis", "кількість", "itemqty", "antalstk", "maara", "lukumaara", "kpl", "銷售數量", "購買數量",
                        "כמות", "الكمية", "تعداد", "ποσότητα", "ποσοτητα", "จำนวน",
                        # (last, after every name above: Superstore US 2015's 'Quantity ordered new',
                        # an Indian sales register's 'Bill Quantity', Tianchi's 'buy_mount', Balkan
                        # tills', pyretailscience's 'unit_quantity', Veepee's 'product_sold'; rounds 47
                        # and 48, review 69: above 'Units Sold' and 'Order Qty' they had taken a
                        # product's name and a pack's size)
                        "quantityorderednew", "billquantity", "billqty", "billedquantity", "buymount",
                        "kolicina", "количина", "sasia", "unitquantity", "productsold",
                        # (SAP's OData order and billing items: 'requestedQuantity', 'billingQuantity';
                        # real201-av)
                        "requestedquantity", "billingquantity",
                        # (French Northwind's 'Qte', Sage's 'QuantityOrderedRevised'; real208-av)
                        "qte", "qté", "quantityorderedrevised", "ordqty",
                        # (German 'Stück' / 'Stk' and Italian 'Qtà' of a JSON order's lines, unread:
                        # every line one unit; session aw's left list)
                        "stuck", "stueck", "stk", "stuckzahl", "anzahlstuck", "qta",
                        # (a Brazilian state's purchases: the quantity awarded; real256-ax)
                        "quantidadehomologada")),  # Walmart's: -1 for an item returned, a bad row as any quantity <= 0
        Column("price", "float", required=False, min_value=0.0, aliases=PRICE_ALIASES),
        Column("store_id", required=False, aliases=("store", "storecode", "storecd", "shopid", "shop",
                                                     # (a French bakery's 'Tienda' in a Spanish course's
                                                     # workbook; real131-ar)
                                                     "tienda", "sucursal", "loja", "filiale", "negozio", "magasin",
                                                     "idmagasin",  # (a Malagasy chain's 'id_magasin'; real227-aw)
                                                     # (a pharmacy chain's 'branch_id'; real198-av)
                                                     "branchid", "branchcode", "branchno")),
        Column("session_id", required=False,
               aliases=("basketid", "sessionid", "usersession", "invoiceno", "invoice", "orderid", "orderkey",
                        # (Turkish sale and order ids: 'satis id', Trendyol's 'Sipariş Numarası'; real254-ax)
                        "satisid", "siparisid", "siparisno", "siparisnumarasi", "orderhdrid", "orderheaderid", "transactionid", "idinvoice", "nofaktur", "idtransaksi", "notransaksi",
                        "receiptid", "receiptcode", "session", "basket", "sessid", "transaction", "transactionno", "receiptno", "kvittonummer", "kvittering", "kvitteringsnr", "kvitteringsnummer", "salesordernumber",
                        "salesorderno", "nocom", "numcom", "nocommande",  # (Sage; French Northwind; real208-av)
                        "txid", "transid", "transno",  # (a duty-free till's 'tx_id', 'Trans_ID'; real213-av)
                        # (French: 'id_transaction', an Abidjan shop's 'id_vente'; real227-aw, real230-aw)
                        "idtransaction", "idvente", "numvente", "numerovente", "novente",
                        # (PrestaShop's 'id_order', a Django cart line's 'cart_id'; real235-aw)
                        "idorder", "cartid", "idcart",
                        # (a Croatian café's fiscal receipt 'Broj računa'; Macedonian, Bulgarian; real184-au)
                        "brojracuna", "racunbroj", "бројнасметка", "номернабележка", "brojfiskalnogracuna",
                        "stevilkaracuna", "бројрачуна", "nr.ifatures", "nrifatures", "numrifatures", "fiskalnibrojracuna",
                        "ticketid", "docnum", "ticket", "n°ticket", "noticket", "numeroticket", "scontrino",
                        "numeroscontrino", "receiptnumber", "saleid", "invoicenumber", "transactionnumber", "bonnummer", "belegnummer", "beleg", "kassenbon", "commande",
                        "numerocommande", "pedido", "numeropedido", "numerodeorden", "nrparagonu", "ventaid", "idventa",
 "madon", "mađon", "madonhang", "mađonhang", "numerodopedido", "idpedido", "numeronota", "kodetransaksi", "idtrx",
                        "ordine", "bestelling", "bestelnummer", "pedidoid",  # ('pedido_id': real31-ak)
                        "ordnum", "ordno",  # (the data-warehouse course's 'sls_ord_num', a Korean ERP's ORD_NO; real103-aq)
                        "txnid", "trxid", "txnno",  # (a till's 'Txn ID' over a receipt's lines; session aq's review)
                        "ordersn",  # (ECShop's and litemall's order number; session aq's review)
                        "invoiceid", "salesreceiptid",  # (Xero's and QuickBooks' line tables; real33-ak)
                        "idstruk", "nostruk", "nomorstruk", "idcommande", "numcommande", "commandeid",  # (real28-ak)
                        "ticketnumber", "paragon", "numerparagonu", "订单号", "订单id", "订单编号", "注文番号",
                        "注文id", "レシート番号", "orderref", "orderreference", "incrementid", "чек", "номерчека",
                        # (Taiwanese marketplaces' order number, Russian, Czech and Polish orders; real119-ar,
                        # real123-ar)
                        "訂單編號", "訂單號碼", "訂單id", "訂單號", "номерзаказа", "идзаказа", "idзаказа",
                        # (Kaspi.kz's '№ заказа', a seller's 'No заказа'; Ukrainian; real206-av)
                        "№заказа", "noзаказа", "noзаказа.", "№замовлення", "номерзамовлення", "objednavka",
                        "idobjednavky", "cisloobjednavky", "zamowienie", "idzamowienia",
                        "fisno", "fis", "visitid", "visitnumber", "amazonorderid", "fakturanr", "fakturanr.", "billingdoc.", "billingdoc", "billingdocument", "salesorder", "salesdocument",
                        "מספרקבלה", "קבלה", "מספרחשבונית", "رقمالفاتورة", "الفاتورة", "شمارهفاکتور", "شمارهسفارش", "αριθμόςαπόδειξης",
                        "αριθμοςαποδειξης", "απόδειξη", "αποδειξη", "เลขที่ใบเสร็จ", "ใบเสร็จ", "เลขที่บิล",
                        # (a probe, session (ab); after the rest: a Latin American till's document number is the customer's ID card)
                        "주문번호", "mađonhang",
                        # (Shopee Vietnam's affiliate report's 'ID đơn hàng', the noun after; real106-aq)
                        "iddonhang", "idđonhang", "numerzamowienia", "documentnumber", "doc.no.",
                        # (last: Chile's receipt number, Mexico's invoice folio, Latin America's
                        # voucher number, Brazil's fiscal coupon and note, Mercado Libre's '# de venta';
                        # real124-ar. Not a bare 'Cupom' (a discount code), 'Comprobante' or 'Boleta' (the
                        # document's kind); an order's own name first; session ar's review)
                        # (Danish, Finnish, Italian, Spanish and Portuguese orders, invoices and receipts;
                        # real125-ar, real130-ar)
                        "penjualaninvoice", "idpenjualan", "penjualanid", "nopenjualan", "invoicepenjualan",
                        "ordrenummer", "ordrenr", "ordreid", "tilausnumero", "tilausid", "kuittinumero",
                        "ostotapahtumaid", "idfattura", "fatturaid", "numerofattura", "idfactura", "facturaid",
                        "numerofactura", "idscontrino", "idordine", "ordineid", "numeroordine", "codigoventa",
                        "laskunumero",
                        "nboleta", "nroboleta", "numeroboleta", "folio", "nrocomprobante", "numerocomprobante",
                        "cupomfiscal", "notafiscal", "numeronotafiscal", "idvenda", "vendaid", "#deventa",
                        "numerodeventa", "nºdeventa", "invoicecode", "basketnum", "オーダーid")),
    ),
)


GENERIC_ITEMS = TableSpec(
    "items",
    (
        # In a catalogue file a bare "id" can only be the item (Last.fm's artists.dat).
        Column("item_id", aliases=(*ITEM_ALIASES, "id")),
        Column("name", required=False, free_text=True,
               # A title before a description (Amazon's product metadata has both; the second is prose)
               aliases=("productname", "prodname", "itemname", "title", "movietitle", "description", "제품명", "상품명", "메뉴명",
                        "productdescription", "lineitemname",
                        "titel",  # (a German shop's article list; real142-as)
                        "bezeichnung", "artikelbezeichnung", "artikelname", "produktname", "designation", "namabarang",
                        "libelle", "nomproduit", "descripcion", "nombreproducto", "descrizione", "omschrijving",
                        "productnaam", "artikel", "produkt", "produit", "producto", "prodotto", "articolo",
                        "articulo", "varenavn", "varubenamning",
                        # (round 45: Danish, Finnish, Hungarian, Romanian product names)
                        "produktnavn", "tuotenimi", "termeknev", "denumireprodus",
                        # other domains' catalogues (Steam's 'Game Name', Book-Crossing's 'Book-Title',
                        # an anime list's 'name' is the usual one): their screens had no names (real2-ae)
                        "gamename", "booktitle", "songtitle", "tracktitle", "trackname", "albumtitle",
                        "animename", "bookname", "coursename", "coursetitle", "placename", "restaurantname",
                        "skuname", "单品名称", "商品名", "品名", "articlename",
                        # (a pharmacy's catalogue: its drugs had gone nameless; real226-aw)
                        "medicationname", "medicinename", "drugname", "genericname",  # (DQLab's sku_detail, real5-ag; CUMCM 2023's items, real7-ag)
                        "titles")),  # (BundleRec's item_titles.csv; real18-ai)
        Column("category", required=False,
               aliases=("categorycode", "categoryname", "productcategory", "categoryid", "aisle", "aisleid",
                        "genres", "genre", "class", "productclass", "commoditydesc", "commodity", "catid",
                        "itemcategory", "producttypename", "productsubclass", "subclass", "finelinenumber",
                        "商品分類", "商品分类", "分類", "分类", "类别", "類別",
                        "warengruppe", "kategorie", "categorie", "categoria", "rubrique", "familia", "famille",
                        "категория", "категориятовара", "kategoria", "產品類別", "商品類別",
                        "カテゴリ", "カテゴリー", "카테고리", "therapyarea", "therapeuticclass",  # (real222-aw, real226-aw)
                        "icategory")),  # (ReChorus's item features are 'i_' named; real20-ai)
               # (not 'categories': Amazon's and BundleRec's lists of paths, one category each; session ai's review)
        Column("department", required=False, aliases=("departmentname", "departmentid", "dept", "departmentdescription",
                                                    "deptdesc", "deptdescription")),
        Column("brand", required=False, aliases=("brandname", "brandid", "marke", "marque", "marca", "merk",
                                                "manufacturer", "hersteller", "fabricante",  # (real226-aw)
                                                "bookauthor", "publisher")),  # (Book-Crossing's)
        # (a catalogue's list price is the item's price; on a sale's line it is not what was
        # paid, so only here: DQLab's sku_detail 'base_price', real5-ag)
        Column("price", "float", required=False, min_value=0.0, aliases=(*PRICE_ALIASES, "baseprice")),
        Column("attributes", required=False, free_text=True),
    ),
)


GENERIC_USERS = TableSpec("users", (Column("user_id", aliases=(*USER_ALIASES, "id", "#id")),))  # (Last.fm-1K's '#id')


STRONG_ITEM_KEYS = ("productid", "sku", "articleid", "itemcode", "productcode", "ean", "upc", "stockcode",
                    "artikelnummer", "articlenumber", "productnumber",
                    # (a Brazilian order-items table's 'produto_id' beside its line's own 'item_id'; real130-ar)
                    *(f"{a}{w}{b}" for w in _ROMANCE_PRODUCT_WORDS for a, b in (("", "id"), ("id", ""), ("cod", ""))))
"""Names that say 'the product's id' beyond doubt (not 'article', 'item': in a shop of
one-off pieces a unique item_id beside a garment type is right as it is)."""


PREDICTED_SCORE = re.compile(r"(?:predict(?:ion|ions|ed)?|pred)(?:score|rating|prob(?:ability)?)?")
"""Header keys (whole) of a model's predicted score: LensKit's ``prediction``, a school-meal
recommender's ``Predicted_Score``; not a CRM's 'Predicted Gender' nor an 'Estimated Value'
or a repair's 'estimate' (session ao's reviews)."""
RANK_KEYS = ("rank", "ranking", "recrank")
SCORE_KEYS = ("score", "scores", "relevance", "similarity", "sim", "probability", "prob", "confidence")
"""A list's position and its score: a recommender's output writes both (LensKit's
``rank``, ``score``)."""


DATE_ONLY_KEYS = ("date", "orderdate", "transactiondate", "purchasedate", "eventdate", "invoicedate",
                  "tdat", "datum", "fecha", "data", "docdate", "postingdate", "belegdatum", "datecreated", "createddate",
                  "creationdate", "saledate", "shopdate", "日付",
                  "tanggal", "tgl",  # (an Indonesian till's date beside its 'Waktu'; real19-ai)
                  *DAY_NUMBER_KEYS)
"""Normalised header names of a timestamp column that may hold the date alone."""


HOUR_KEYS = ("hour", "hourofday", "shophour", "transactionhour")
"""A time-of-day column that holds the hour alone (dunnhumby LGSR's ``SHOP_HOUR`` 12)."""
TIME_OF_DAY_KEYS = ("time", "timeofday", "ordertime", "transactiontime", "purchasetime", "eventtime",
                    "invoicetime", "hhmm", "hhmmss", "transtime", "timeoftransaction",
                    # (a pub's 'Sale Date' and 'Sale Time', a Japanese receipt's 日付 and 時刻:
                    # 15,312 lines had lost their hour; real21-aj)
                    "saletime", "時刻",
                    # (a vet clinic's, beside 'AppointmentDate'; real67-ao. Not 'visit_time': a
                    # visit's duration as often; session ao's review)
                    "appointmenttime",
                    "uhrzeit", "zeit", "heure", "hora", "ora", "tijd",
                    # (a Croatian bar's 'Datum' beside 'Vrijeme'; Serbian, Finnish, Swedish; review 71)
                    "vrijeme", "vreme", "време", "kellonaika", "klockslag",
                    *HOUR_KEYS)
# (Not an Indonesian till's 'Waktu' or 'Jam' by name alone: written '08.15' or as the hour,
# glued to the date they made every line a bad row; session ai's second review.
# CLOCK_BY_VALUES_KEYS.)
"""Normalised header names of a separate time-of-day column beside such a date."""
CLOCK_BY_VALUES_KEYS = ("waktu", "jam", "pukul", "waktutransaksi", "jamtransaksi",
                        # (Polish, Czech, Hungarian, Turkish: short words that name other things
                        # too, a chemical's 'CAS' number; review 72)
                        "czas", "godzina", "cas", "ido", "saat")
"""Names of a time-of-day column read as one only where nearly all its values are written
'hh:mm' (Indonesian: a skincare till's 'Tanggal' '01 Jul 2025' beside 'Waktu' '08:22' had
read every sale at midnight; real200-av)."""


FILE_EVENT_WORDS = {
    # views: YOOCHOOSE's 'yoochoose-clicks.dat' had been read as purchases, and so its
    # report claimed a till's targets
    **dict.fromkeys(("click", "clicks", "clickstream", "view", "views", "pageview", "pageviews", "browse",
                     "browsing",
                     # (a jewellery shop's 'viewed.csv' beside its 'purchase.csv': 168,224 views had
                     # been purchases; real48-an)
                     "viewed"), "view"),  # (not 'clicked': 'reco_log_few_clicked.csv'; session an's review)
    # adds to cart: a research repo's RetailRocket split into 'view_ecommerce.dat',
    # 'add_to_cart_ecommerce.dat' and 'purchase_ecommerce.dat' (real4-af). Not 'basket':
    # a market-basket file is purchases
    **dict.fromkeys(("cart", "carts", "addtocart", "addtocarts", "abandoned"), "cart"),
    # (an auction's bids: an intent to buy, most of them outbid, not sales; an eBay bid log
    # had trained its re-bids as a 'repeating' domain; real207-av)
    **dict.fromkeys(("bid", "bids", "bidding", "biddings"), "cart"),
    **dict.fromkeys(("purchase", "purchases", "buy", "buys", "order", "orders", "sale", "sales",
                     "transaction", "transactions"), "purchase"),
    # (not 'purchased' or 'bought': 'cart_items_not_purchased.csv' is carts; session an's review)
    # favourites: MULE's Tmall 'collect.txt' (收藏), 221,514 lines had been purchases (real14-ah)
    **dict.fromkeys(("favorite", "favorites", "favourite", "favourites", "fav", "favs", "collect", "wishlist",
                     "wishlists",
                     # (a museum's 'liked_artworks_*.csv', read as purchases; real66-ao)
                     "liked", "likes",
                     # (an open-source shop's 'wish_item.csv': wished-for goods, read as purchases;
                     # session ap's left list)
                     "wish", "wishes",
                     # (goodbooks-10k's 'to_read.csv': books marked to read, read as purchases;
                     # real138-as. 'to_read' is two words: event_of_name joins them)
                     "toread", "wanttoread", "watchlist", "watchlists", "wantlist"), "favorite"),
}
"""Words of a file name that say which event its rows are, where no column says it."""
STRONG_FILE_WORDS = frozenset({"abandoned", "cart", "carts", "bid", "bids", "bidding", "biddings"})
"""Words that say the event even beside quantities and prices: Shopify's
``abandoned_checkouts_export.csv`` lists its carts' quantities and prices like orders,
and had trained as purchases and shipped a bundle of what shoppers left (real9-ag); a
shop database's ``cart_items.csv`` has its quantity too (real109-aq)."""


def event_of_name(file: object) -> tuple[str | None, str | None]:
    """The word of ``file``'s name (split at anything but letters and digits, so 'reviews'
    is no 'views') that says which event its rows are (:data:`FILE_EVENT_WORDS`), and that
    event; ``(None, None)`` where no word says one, or words say two (``cart_orders.csv``:
    session ag's review)."""
    path = Path(str(file))
    said = _event_words(path.name)
    if not said and _PART_FILE.match(path.name.lower()):
        # A Spark or pandas part file ('part-00000-...snappy.parquet') is named by its folder,
        # past the partitions' 'key=value' ones: one part of 'silver/add_to_cart/
        # event_date=2024-01-01/' had been read as purchases (real183-au).
        folder = next((p for p in list(path.parents)[:4] if "=" not in p.name), None)
        said = _event_words(folder.name) if folder is not None else []
    if not said or len({event for _, event in said}) > 1:
        return None, None
    return said[0]


_PART_FILE = re.compile(r"part[-_.]?\d|\d+\.(?:parquet|csv|json)$")
"""A part file's name (``part-00000-....parquet``, ``part-0.parquet``, ``0.parquet``)."""


def _event_words(file_name: str) -> list[tuple[str, str]]:
    """The words of a file's (or a folder's) name that say an event, with the event."""
    # (words written together, 'AdClickLog': its clicks had been purchases; real229-aw)
    name = re.sub(r"(?<=[a-z])(?=[A-Z][a-z])", "_", file_name)
    name = re.sub(r"(?<![a-z])(?:(want[^a-z0-9]?)?to[^a-z0-9]read|(?:watch|wish|want)[^a-z0-9]list)(?![a-z])",
                  lambda m: re.sub(r"[^a-z]", "", m.group(0)), name.lower())
    return [(w, FILE_EVENT_WORDS[w]) for w in re.split(r"[^a-z0-9]+", name) if w in FILE_EVENT_WORDS]


MISSING_VALUES = frozenset({"NA", "N/A", "#N/A", "nan", "NaN", "NULL", "null", "None", "none", "<NA>", "-", "\\N",
                            "Not Applicable", "not applicable",  # (Amazon's data-request exports: every brand)
                            "(not set)",
                            # a spreadsheet formula's error: no value (a price of '#DIV/0!')
                            "#DIV/0!", "#VALUE!", "#REF!", "#NAME?", "#NUM!", "#NULL!", "#ERROR!"})
"""How R (``NA``), pandas (``nan``, ``<NA>``), SQL dumps (``NULL``), spreadsheets (``#N/A``,
``-``), database unloads (Snowflake's, MySQL's and PostgreSQL's ``\\N``) and Google
Analytics (``(not set)``: a GA4 view's transaction id, one basket of all a user's views
until it was blank) write a missing value; read as blank (:func:`.columns.missing_values`)."""


ITEM_PLACEHOLDERS = frozenset({"NONE", "ERROR", "UNKNOWN", "[unknown]",
                               # (a cafeteria's cleaned export: 315 lines; real79-ap)
                               "Unknown Item", "Unknown item", "UNKNOWN ITEM", "Unknown Product", "Unknown product",
                               "UNKNOWN PRODUCT"})
"""A till's item for no product, no value in the item column only (the BreadBasket's 786
``NONE`` lines had trained as its 7th most popular product; real-ae; a café's 'dirty'
export writes ``ERROR`` and ``UNKNOWN`` on 636 lines, real5-ag; Last.fm's ``[unknown]``
artist. Not 'Unknown' written as a name: a record shop's album). In an event column it
stays what it was, a value ``--event-codes`` may name (session ae's review)."""

ITEM_PLACEHOLDER_PATTERN = re.compile(r"NO[_ ](?:BARCODE|UPC|EAN|SKU|ITEM|PRODUCT)(?:[_ ](?:AVAILABLE|FOUND|GIVEN|CODE))?")
"""Item placeholders written as words in capitals (Fetch's cleaned receipts fill a blank
barcode with ``NO_BARCODE_AVAILABLE``: 2,881 lines, 11.5 %, the next barcode on 91; it had
shipped as every list's first product; real17-ai), matched whole."""


ANONYMOUS_BASKET = "basket "
"""Prefix of the shopper id a line without one gets from its basket (:func:`.columns.anonymous_baskets`)."""


def is_anonymous_basket(user_ids: pd.Series) -> np.ndarray:
    """Which shopper ids are anonymous baskets (:func:`.columns.anonymous_baskets`), not shoppers."""
    return user_ids.astype(str).str.startswith(ANONYMOUS_BASKET).to_numpy()


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


NOT_A_SALES_DATE = re.compile(r"deliver|ship|dispatch|liefer|entrega|livraison|consegna|expir|vencim"
                              r"|verfall|scadenz|caducid|peremption|bestbefore|due|valid|until|^end|enddate|endtime|return"
                              # (German, Spanish, French, Dutch, Danish, Polish shipping and
                              # best-before dates; review 66; Swedish, Dutch and Finnish ones, a
                              # Danish 'Leveringsdato' had timed a file beside its 'Ordredato':
                              # left by session (at))
                              r"|versand|envio|expedi|verzend|levering|leverans|leverd|toimitus|wysyl|dostaw|^mhd|haltbar"
                              # (a crawl's or a sync's own time: a review scraper's 'scraped_at'
                              # had timed its reviews by the scraper's runs; real200-av)
                              r"|scrap|crawl|fetched|synced|ingest|loadedat|loaddate|etl|updated|modified"
                              # (a fulfilment's, blank on half an order's lines: 472 of 1,000 dropped;
                              # real233-aw)
                              r"|fulfil")
"""Header keys of a date that is no sale's time (a delivery's, a batch's expiry: review 65):
never taken over one that is (:func:`.columns.filled_time_column`,
:func:`.headers.time_by_content`)."""
