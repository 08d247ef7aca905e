"""Files that hold no shoppers' actions, refused with what they are: what a system wrote
(a recommender's lists and predicted scores, a log of what it showed, a web server's
requests) or what a business planned or moved (a demand forecast, a warehouse's stock
ledger). Each rule names the real file that motivated it and the reviews that narrowed
it; :func:`.generic.load_generic` calls them on an interactions file once its columns
are read."""

from __future__ import annotations

import re
from pathlib import Path

import pandas as pd

from cloud_trainer.data import headerless
from cloud_trainer.data.lines import unread_columns
from cloud_trainer.data.names import header_key
from cloud_trainer.data.schema import (
    EVENT_SYNONYMS,
    EVENT_TYPES,
    INTERACTION_COLUMNS,
    PREDICTED_SCORE,
    RANK_KEYS,
    SCORE_KEYS,
    DataError,
)


def column_said(name: str) -> str:
    """A column as an error names it: ``column 'Status'``, or ``column 6`` in a file
    without a header (read as ``column_6``)."""
    return f"column {name[7:]}" if re.fullmatch(r"column_\d+", name) else f"column {name!r}"


_IMPRESSION_WORDS = frozenset({"impression", "impressions", "shown", "displayed", "exposed", "exposure"})
"""What an ad or a feed log says of an item it showed: the only shown words a bare ``type``
may hold (beside clicks)."""
SHOWN_WORDS = _IMPRESSION_WORDS | {"recommended", "recommendation", "recommendations"}
"""A value that says a line is what a system showed the shopper, not what they did (not
'served': a restaurant's order status; session an's review)."""
_CLICK_WORDS = frozenset({"click", "clicked", "clicks"})


_FORECAST = re.compile(r"(?:demand|sales)?forecast(?:ed)?(?:qty|quantity|units|sales|demand|volume)?"
                       r"|predicted(?:qty|quantity|units|sales|demand)")
"""Header keys (whole) of a forecast quantity: ``forecast_quantity``, ``demand_forecast``."""


def refuse_forecasts(inter: pd.DataFrame, file: Path) -> None:
    """A clear error for a demand forecast: a distributor's ``fact_forecast_monthly.csv``
    (date, product, customer, ``forecast_quantity``) had its 1,000 forecasts read as
    purchases without a word (real68-ao). Where the quantity, or a column of numbers not
    read where no quantity is, is named as a forecast."""
    names = inter.attrs.get("source_names", {})
    quantity = header_key(str(names.get("quantity", ""))) if "quantity" in inter else ""
    # (the quantity itself, or the only one: a sales file's 'forecast_qty' beside its actual
    # units, a 'forecast_error_pct', are read; session ao's review)
    columns = ({"quantity": (str(names["quantity"]), quantity)} if _FORECAST.fullmatch(quantity)
               else {} if quantity else unread_columns(inter, INTERACTION_COLUMNS))
    for col, (name, key) in columns.items():
        if _FORECAST.fullmatch(key) and pd.to_numeric(inter[col].iloc[:1000], errors="coerce").notna().mean() >= 0.9:
            raise DataError(f"{file}: {column_said(name)} is a forecast: what a plan expected to sell, not what "
                            "shoppers bought; give the sales (the actual quantities) instead")


STOCK_WORDS = frozenset({"stokgirisi", "stokcikisi", "goodsin", "goodsout", "goodsreceipt",
                         "goodsreceived", "goodsissue", "wareneingang", "warenausgang", "stockin", "stockout",
                         "stockreceipt", "purchasereceipt", "entradadestock", "salidadestock",
                         "entradademercancia", "salidademercancia",
                         # (French: 'entrée de stock', 'sortie de stock'; real234-aw)
                         "entreedestock", "sortiedestock", "entreestock", "sortiestock"})
"""What only a warehouse's ledger says of a line: goods in or out (Turkish ``Stok girişi``,
German ``Wareneingang``, ``Goods In``)."""
STOCK_PAIRS = ({"receipt", "issue"}, {"giris", "cikis"}, {"entrada", "salida"},
               {"eingang", "ausgang"},
               # (a sneaker shop's 'inventory_transactions': Sale beside Restock, Damage,
               # Adjustment and Return, its signed 'quantity_change' unread, 100 movements
               # trained as purchases; real103-aq)
               {"sale", "restock"}, {"restock", "damage"},
               # (and in the past tense, and Square's and the small-shop inventory apps' reasons;
               # session aq's review)
               {"sold", "restocked"}, {"restocked", "damaged"}, {"sale", "damaged"}, {"sale", "theft"},
               {"sale", "recount"}, {"sale", "purchase", "adjustment"},
               # (an ERP's or a WMS's transaction types, 'receipt' / 'transfer' / 'shipment' /
               # 'adjustment': a supply-chain course's ledgers, receipts trained as purchases by
               # the admin; a French shop's VENTE / ACHAT / CASSE / PERTE / INVENTAIRE_PLUS;
               # real234-aw)
               # (not 'receipt' beside 'transfer': a till's 'Receipt' lines beside a few
               # 'Transfer' ones are sales; session ao's review)
               {"receipt", "shipment"}, {"shipment", "adjustment"},
               # (not 'vente' beside 'achat': a second-hand shop buys from its clients; review 78)
               {"vente", "casse"}, {"vente", "perte"}, {"vente", "inventaireplus"}, {"vente", "inventairemoins"},
               {"reception", "expedition"},  # (a French WMS's 'Réception' / 'Expédition'; review 78)
               # (Italian, Portuguese and German goods in and out, under any column: an Italian
               # 'Causale'; reviews 82 and 84)
               {"carico", "scarico"}, {"entrada", "saida"}, {"zugang", "abgang"})
"""Words that say so together only: ``Receipt`` and ``Issue`` (a till's ``Receipt`` alone is
a sale's; Spanish ``Entrada`` alone a ticket). Not ``IN`` / ``OUT`` (a library's returns
and loans, a gym's door) nor ``Inbound`` / ``Outbound`` (a lead's or a call's source)."""
MOVEMENT_PAIRS = ({"vente", "achat"}, {"venta", "compra"}, {"venda", "compra"}, {"vendita", "acquisto"},
                  {"einkauf", "verkauf"})
"""Pairs that say so only under a column named as a stock movement (``type_mouvement``): a
French shop's ledger of ``ACHAT`` restocks beside ``VENTE`` (review 79), where elsewhere a
second-hand shop's ``Vente`` / ``Achat`` are its sales and its buying from clients (review 78)."""
_MOVEMENT_KEY = re.compile(r"mouvement|movement|movimiento|moviment|bewegung|stock|estoque|magazzin|lager|mvt|causale")  # (Spanish, Italian; review 81)
STOCK_OTHER_WORDS = frozenset({"transfer", "transferin", "transferout", "adjustment", "stockadjustment", "writeoff",
                               "restock", "replenishment", "return", "returns", "damage", "damaged", "shrinkage",
                               "restocked", "returned", "received", "theft", "recount", "loss", "lost", "expired",
                               "shipment", "casse", "perte", "retour", "inventaireplus", "inventairemoins",
                               "ajustement", "transfert", "vente", "achat", "reception", "expedition"})
"""Words a ledger's other lines say, beside those: they count towards its lines, never alone."""
_LEDGER_WORDS = STOCK_WORDS | STOCK_OTHER_WORDS | {w for pair in STOCK_PAIRS for w in pair}
"""Every word a ledger's line may say: its share of the lines is what is judged."""


_ACTIVITY_KEYS = frozenset({"activity", "activityname", "activitylabel", "activitydescription", "concept:name"})
"""Header keys of a process log's step (Disco's, ProM's, Celonis' 'Activity'; pm4py's
'concept:name')."""
_CASE_KEYS = frozenset({"caseid", "case", "casekey", "caseno", "casenumber", "case:concept:name", "traceid"})
"""Header keys of a process log's case (pm4py's 'case:concept:name')."""
_STEP_WORDS = re.compile(r"(?i)creat|chang|approv|deliver|invoic|payment|receiv|assign|resolv|clos|block|releas"
                         r"|cancel|regist|issue|submit|confirm|complet|reject|updat|remov|set\b|sched")
"""Words of a business process's steps ('Line Creation', 'Good Issue', 'Take in charge
ticket'), which no shopper's action is named with."""


def process_log(header: list[str], columns: list[list[str]]) -> str | None:
    """What a process-mining event log is, said for its refusal, or None: a column of
    steps (:data:`_ACTIVITY_KEYS`, its values naming no shopper's action) beside a case id,
    or whose steps are a business's ('Line Creation', 'Delivery', 'Good Issue'). A
    helpdesk's tickets with a 'customer' and a 'product' attribute had trained 363 steps as
    purchases, and IBM's SAP order-to-cash log would have with the item the hint named
    (real201-av). ``columns``: each header column's first values."""
    keys = [header_key(h) for h in header]
    case = next((header[i] for i, k in enumerate(keys) if k in _CASE_KEYS), None)
    for i, key in enumerate(keys):
        if key not in _ACTIVITY_KEYS or i >= len(columns):
            continue
        given = [v for v in columns[i] if v.strip()]
        distinct = pd.Series(given, dtype=object).value_counts()
        if len(distinct) < 3:
            continue
        named = sum(n for v, n in distinct.items()
                    if header_key(v) in EVENT_TYPES or header_key(v) in EVENT_SYNONYMS)
        if named > 0.1 * len(given):
            continue  # (a shop's 'activity' of views and purchases: the event column)
        steps = [str(v) for v in distinct.index[:20]]
        if case is None and (sum(bool(_STEP_WORDS.search(v)) for v in steps) * 3 < len(steps)
                             or not _steps_of_cases(keys, columns, i)):
            continue
        said = ", ".join(repr(v) for v in steps[:3])
        return (f"column {header[i]!r} names the steps of a process ({said}, ...)"
                + (f" of each case ({case!r})" if case else "")
                + ": a process-mining event log, each line one step of a case, not a shopper's purchase; give the "
                "order or sales lines (one line per product bought), or this log's lines of one step (e.g. the "
                "order's creation) alone")
    return None


_NOT_A_CASE = re.compile(r"custom|client|user|buyer|member|shopper|guest|patient|kunde|cliente|usuario|staff|employ"
                         r"|operator|agent|resource|date|time|stamp|product|item|sku|article|material|name|price"
                         r"|qty|quantit|amount|value|total|categor|hierarch")
"""Header words of a person's, a time's, a product's or an amount's column: no case of a
process."""


def _steps_of_cases(keys: list[str], columns: list[list[str]], activity: int) -> bool:
    """Whether some column, no person's, time's, product's or amount's, groups the lines into cases of
    several steps: half its repeated values or more carry two activities or more (IBM's
    SAP order-to-cash log's 'Key', an order line through its steps). A shop's order lines
    whose 'Activity' is each order's last status, one a order, or a tour operator's
    bookings whose 'Activity' is the tour, one a booking, are no process log (review 72)."""
    for j, key in enumerate(keys):
        if j == activity or j >= len(columns) or _NOT_A_CASE.search(key):
            continue
        pairs = pd.DataFrame({"case": columns[j], "step": columns[activity]})
        pairs = pairs[(pairs["case"] != "") & (pairs["step"] != "")]
        sizes = pairs.groupby("case")["step"].agg(["size", "nunique"])
        repeated = sizes[sizes["size"] >= 2]
        if len(repeated) >= 5 and (repeated["nunique"] >= 2).mean() >= 0.5:
            return True
    return False


def refuse_process_log(inter: pd.DataFrame, file: Path) -> None:
    """A clear error for a process-mining event log read with a shopper and an item
    (:func:`process_log`)."""
    names = inter.attrs.get("source_names", {})
    columns = [c for c in inter.columns if c != "_line"]
    header = [str(names.get(c, c)) for c in columns]
    head = inter.iloc[:1000]
    if (said := process_log(header, [head[c].astype(str).str.strip().tolist() for c in columns])) is not None:
        raise DataError(f"{file}: {said}")


def refuse_stock_movements(inter: pd.DataFrame, file: Path) -> None:
    """A clear error for a warehouse's stock ledger: a Turkish shop's ``stock_transactions.csv``
    says ``Stok girişi`` (goods in) on every line, and its 4,399 deliveries of 195-252 units
    had been read as purchases by one-line anonymous shoppers; a supply chain's ``Issue`` /
    ``Receipt`` movements, renamed as the hint said, as 9,760 (real61-ao). Where a column
    not read names such movements on nine lines in ten or more: a ledger's own words, or a
    pair that says so together (not a till's ``Receipt`` beside a few ``Transfer`` lines, a
    shop's ``Replenishment`` orders; session ao's review)."""
    for col, (name, _) in unread_columns(inter, INTERACTION_COLUMNS).items():
        head = inter[col].iloc[:1000].astype(str)
        # (a phrase by its first word where the whole is none: an Italian 'Carico da
        # fornitore', a Portuguese 'Entrada de estoque'; review 86)
        distinct = {v: (k if (k := header_key(v)) in _LEDGER_WORDS or not v.split() else header_key(v.split()[0]))
                    for v in pd.unique(head)}
        counts = head.map(distinct).value_counts()
        # (each word of a pair on two lines and a fiftieth at least: a shop's one 'Damaged'
        # line among 294 sales is no ledger; session aq's review)
        keys = {k for k, n in counts.items() if n >= max(2, 0.02 * len(head))}
        pairs = STOCK_PAIRS + (MOVEMENT_PAIRS if _MOVEMENT_KEY.search(header_key(name)) else ())
        if len(head) < 10 or not (keys & STOCK_WORDS or any(pair <= keys for pair in pairs)):
            continue
        ledger = _LEDGER_WORDS | {w for pair in pairs for w in pair}
        moved = head.map(distinct).isin(ledger)
        if moved.mean() < 0.9:
            continue
        said = ", ".join(repr(v) for v, k in distinct.items() if k in ledger)
        raise DataError(f"{file}: {column_said(name)} names stock movements ({said}) on {moved.mean():.0%} of the "
                        "lines looked at: a warehouse's ledger of goods in and out, not shoppers' purchases; give "
                        "the sales or order lines")


def refuse_shown_log(inter: pd.DataFrame, file: Path) -> None:
    """A clear error for a log of what a recommender showed: a shop's headerless
    ``recommendation_logs.csv`` ends every line with ``recommended``, and its 240
    suggestions had been read as purchases (real48-an). Where a column says so on half the
    lines or more and its other lines name actions (``clicked``: the shoppers' actions are
    those lines), or on nine in ten. In a file read without a header, or under a name of
    what a line is (``status``, ``action``, ``event``): not a review's verdict
    ``Recommended`` beside ``Not Recommended``, nor an order's ``Served`` (session an's
    reviews)."""
    headerless = bool(inter.attrs.get("columns_by_content"))
    for col, (name, key) in unread_columns(inter, INTERACTION_COLUMNS).items():
        bare_type = key == "type" and not headerless
        if not headerless and key not in _LINE_KIND_KEYS and not key.endswith("status") and not bare_type:
            continue
        head = inter[col].iloc[:1000].astype(str).str.strip().str.lower()
        if not len(head) or head.isin(SHOWN_WORDS).mean() < 0.5:
            continue
        said = inter[col].astype(str).str.strip().str.lower()
        shown = said.isin(SHOWN_WORDS)
        others = sorted(set(said[~shown]))
        if any(re.match(r"not?\b|un", v) for v in others):
            continue  # (a verdict: 'Not Recommended')
        actions = all(re.sub(r"[\s_-]", "", v) in EVENT_SYNONYMS or v in EVENT_TYPES or v in _CLICK_WORDS
                      for v in others)
        # A bare 'type' only as an ad log writes it, impressions beside clicks (Criteo-like
        # logs: 240 shown items trained as purchases); not a listening log's 'recommended'
        # beside 'search' or 'favorite', the tab a play was started from (session an's and
        # ao's reviews).
        if bare_type and not (said[shown].isin(_IMPRESSION_WORDS).all() and set(others) & _CLICK_WORDS):
            continue
        if shown.mean() >= 0.9 or (shown.mean() >= 0.5 and actions):
            word = said[shown].iloc[0]
            raise DataError(f"{file}: {column_said(name)} says {word!r} on "
                            + ("every line" if shown.all() else f"{int(shown.sum()):,} of {len(said):,} lines")
                            + ": what a system showed shoppers, not what they did; give their views, clicks or "
                            "purchases" + (f" (here the lines that say {', '.join(map(repr, others[:3]))})"
                                           if others else ""))


def _ranked_lists(inter: pd.DataFrame, col: str) -> bool:
    """Whether ``col`` numbers each shopper's lines 1, 2, 3 ... as a list does (nine in ten
    shoppers): not a leaderboard's rank of a play, nor a hotel's rank in its city (session
    ao's review)."""
    rank = pd.to_numeric(inter[col], errors="coerce")
    if rank.isna().any():
        return False
    per = rank.groupby(inter["user_id"].astype(str)).agg(lambda r: sorted(r) == list(range(1, len(r) + 1)))
    return bool(per.mean() >= 0.9)


def _model_digits(values: pd.Series, places: int = 4) -> bool:
    """Whether nine in ten of a column's values are decimals written to ``places`` or more,
    as a model writes its scores (2.633861161256741, 0.1771): a rating or an hour count is
    written to one or two (session ao's reviews: a leave-10-out Jester split sorted by
    rating). Or scores rounded to ``places``, which lose their trailing zeros (``1.327``,
    ``2``) on one value in ten or more: three in four at exactly ``places`` and none beyond
    (a quick-commerce shop's top-10 lists, 85 % at four places, had been 100 purchases;
    real82-ap); a learner's scores written as whole fractions (0.8333333333333334, 0.75)
    are neither (session ap's review)."""
    text = values.astype(str).str.strip()
    if not len(text):
        return False
    if text.str.fullmatch(rf"-?\d*\.\d{{{places},}}(?:[eE]-?\d+)?").mean() >= 0.9:
        return True
    decimals = text.str.extract(r"^-?\d*(?:\.(\d*))?$")[0].fillna("").str.len()
    return bool((decimals == places).mean() >= 0.75 and (decimals <= places).all())


def refuse_recommender_output(inter: pd.DataFrame, file: Path) -> None:
    """A clear error for a recommender's output, its lists or predicted scores, read as what
    shoppers did: LensKit's ``topn-java-recs.csv`` (``Algorithm,user,rank,item,score``: 8
    algorithms' top-100 lists) had been read as 78,400 purchases, its ``item-item-preds.csv``
    (``user_id,item_id,prediction``) as 1,288; a school-meal recommender's top-3 dishes a
    day (``Rank``, ``Recommended_Dish``, ``Predicted_Score``) trained once renamed as its
    hint said; librec-auto's headerless top-4 of each of 3,000 users stopped only on its 12
    items (real59-ao, real60-ao). Named so (a predicted score of numbers; a rank that numbers
    each shopper's lines from 1 beside a score), or, in a file without a header, as such
    lists are written: every shopper the same number of lines, each list's scores falling,
    written to a model's four decimals or more (not a game's score beside its leaderboard
    rank, a 'Predicted Gender', a top-10 of hours played; session ao's reviews)."""
    unread = unread_columns(inter, INTERACTION_COLUMNS)
    said = [n for c, (n, k) in unread.items() if PREDICTED_SCORE.fullmatch(k)
            and pd.to_numeric(inter[c].iloc[:1000], errors="coerce").notna().mean() >= 0.9]
    # (a model's scores beside the rank: users' own top-5 lists score them 7 to 10; session ao's review)
    ranks = [c for c, (n, k) in unread.items() if k in RANK_KEYS and _ranked_lists(inter, c)]
    # (four decimals: a learner's own ranked quiz scores, 0.875, are no model's; session ao's review)
    scores = [n for c, (n, k) in unread.items() if k in SCORE_KEYS and _model_digits(inter[c].iloc[:1000])]
    keys = {k for _, k in unread.values()}
    if "est" in keys and "rui" in keys:  # (Surprise's dumped predictions: 'uid,iid,r_ui,est'; session ao's review)
        said.append(next(n for n, k in unread.values() if k == "est"))
    if ranks and scores:
        said += [unread[ranks[0]][0], scores[0]]
    if not said and inter.attrs.get("columns_by_content") and len(inter) >= 60:
        users = inter["user_id"].astype(str)
        sizes = users.value_counts()
        if len(sizes) >= 20 and sizes.min() == sizes.max() >= 3 and (users != users.shift()).sum() == len(sizes):
            for col, (name, _) in unread.items():
                score = pd.to_numeric(inter[col], errors="coerce")
                # (five places here: a listener's own top-10 of play shares, 0.2114, is his;
                # librec-auto writes its scores to fifteen; session ao's reviews 36 to 38)
                if score.notna().all() and _model_digits(inter[col], 5):
                    same = users == users.shift()
                    if (score.diff()[same] <= 0).mean() >= 0.95:
                        said.append(name)
                        break
    if said:
        raise DataError(f"{file}: a recommender's output ({', '.join(column_said(n) for n in dict.fromkeys(said))}"
                        "): what a system predicted or listed for shoppers, not what they did; give the "
                        "interactions it learned from (purchases, clicks, ratings)")


_LINE_KIND_KEYS = ("action", "event", "eventtype", "eventname", "interaction", "interactiontype", "logtype")
"""Header names of a column that says what a line is (and any ``...status``: ``rec_status``);
a bare ``type`` only where it holds impressions beside clicks: a listening log's says where
a play was started (session an's and ao's reviews)."""


"""A web server's request line, as an access log writes it: ``GET /login.php HTTP/1.1``."""


def refuse_access_log(inter: pd.DataFrame, file: Path) -> None:
    """A clear error for a web server's access log: a headerless one (address, ``[29/Nov/
    2017:06:58:55``, ``GET /login.php HTTP/1.1``, status) had its bracketed times read as
    7,307 items and its 16,062 requests, 404s too, as purchases by 16 addresses, shell
    errors pasted into it among them (real49-an). Requests of pages by network addresses
    are no shopper's actions on items until a site's own log says which product a page is.
    Only in a file read without a header: a shop's own log that names its shopper and
    product beside the request line it keeps is read (session an's review)."""
    if not inter.attrs.get("columns_by_content"):
        return
    for col, (name, _) in unread_columns(inter, INTERACTION_COLUMNS).items():
        head = inter[col].iloc[:1000].astype(str).str.strip()
        if len(head) >= 10 and head.str.fullmatch(headerless.WEB_REQUEST.pattern).mean() >= 0.9:
            raise DataError(f"{file}: {column_said(name)} holds a web server's requests ({head.iloc[0]!r}): an access "
                            "log of pages fetched by network addresses, not shoppers' actions on items; give a "
                            "shop's event log (a shopper id, a product id, the time, the action)")
