"""Turn the shared public data into generic-schema CSV exports of different shapes.

A dev tool for checking ``cloud-trainer train --dataset csv`` the way a retailer
would use it: real rows, written the way real exports look (not the way our
adapters would write them). Each shape goes into ``OUT/<shape>/`` as
``interactions.csv`` (+ ``items.csv``, ``users.csv`` where the shape has them)
and the command to train on it is printed.

Shapes:

* ``rees46`` -- REES46 events as views/carts/purchases, ISO timestamps with
  ``+00:00``, dotted category codes, brands and prices, no users file.
* ``ratings`` -- a ratings-like export with no repeats at all: the first
  purchase of each (household, product) pair of Complete Journey, epoch-second
  timestamps, no items file, no users file, no prices, no sessions.
* ``single`` -- one event per shopper: each Complete Journey household's first
  purchase only (ISO timestamps, nothing else): no shopper has a history.
* ``messy`` -- Complete Journey purchases written like a spreadsheet export:
  UTF-8 BOM, CRLF line endings, header in another case and order, date-only
  and ``dd/mm``-free ISO timestamps mixed with epoch seconds, quoted names with
  commas, extra unknown columns, exact duplicate rows, blank lines, a few bad
  rows (unknown event type, negative price, empty user), items without prices
  or categories for some, users file covering only some households.
* ``onlineretail`` -- Complete Journey purchases in UCI Online Retail's own
  layout, header and all (``InvoiceNo,StockCode,Description,Quantity,InvoiceDate,
  UnitPrice,CustomerID,Country``): ``12/1/2010 8:26``-style month-first dates,
  every 20th line without a customer, cancelled invoices (``C...``) with negative
  quantities, no items or users file.
* ``dunnhumby`` -- Complete Journey in dunnhumby's own (Kaggle) release layout:
  ``household_key,BASKET_ID,DAY,PRODUCT_ID,QUANTITY,SALES_VALUE,STORE_ID,RETAIL_DISC,
  TRANS_TIME,WEEK_NO,...`` with day *numbers* (1 = the first day) and ``HHMM`` times
  without a leading zero (``946``), products as ``PRODUCT_ID,MANUFACTURER,DEPARTMENT,
  BRAND,COMMODITY_DESC,...``, households as ``hh_demographic.csv``'s ``AGE_DESC,...,
  household_key``.
* ``retailrocket`` -- REES46 events in Retail Rocket's ``events.csv`` layout
  (``timestamp,visitorid,event,itemid,transactionid``): Unix milliseconds,
  ``view`` / ``addtocart`` / ``transaction``, a transaction id on purchases only,
  no items or users file.
* ``grouplens`` -- Complete Journey purchases as MovieLens-100k ships its files, with
  no header line: ``u.data`` (household, product, quantity, Unix seconds; tabs),
  ``u.item`` (product|product type|department; pipes), ``u.user`` (household|age|
  income|...; pipes).
* ``jsonl`` -- REES46 events as gzipped JSON lines with REES46's own field names
  (``interactions.jsonl.gz``), the way Amazon and Yelp ship reviews.
* ``notime`` -- Complete Journey purchases with no time at all, sorted by household
  as Book-Crossing's ratings are (``household_key,PRODUCT_ID,QUANTITY``), each
  household's rows in the order they were bought.
* ``groceries`` -- Complete Journey purchases in Kaggle's "Groceries dataset" layout
  (``Member_number,Date,itemDescription``): dashed day-first dates without times
  (``21-07-2017``), the product type's name as the item id, no other file.
* ``orderlines`` -- Complete Journey purchases as Instacart's order lines joined to its
  orders (``order_id,product_id,add_to_cart_order,user_id,order_number``): no time at
  all, listed by order id, each household's baskets numbered in time order.
* ``instacart`` -- the same joined to all of Instacart's ``orders.csv`` columns
  (``reordered``, ``eval_set``, ``order_dow`` with 0 = Sunday, ``order_hour_of_day``,
  ``days_since_prior_order`` capped at 30): no time, but the gaps, weekdays and hours
  of Complete Journey's real store times.

Large shapes -- SYNTHETIC, not public rows: seeded random exports with the size and
skew of public data sets, for checking that training fits in memory and time
(only written when named with ``--shape``; ``--max-rows`` sets their row count,
the other sizes scale with it where noted; ``--seed``, default 0):

* ``clickstream`` -- Retail-Rocket-like: 2 M events (views 96.6 %, carts 2.5 %,
  purchases 0.9 %) over 139 days in Unix milliseconds, items and visitors drawn
  Zipf-skewed (rows / 10 items, 93k of them seen at 2 M rows; rows / 2 visitor ids,
  ~70k seen, the heaviest with 48k distinct items: a bot), no items or users file,
  no sessions.
* ``ratings1m`` -- MovieLens-1M-like: 1 M ratings, 3,706 items, 6,040 users
  (scaled with rows), at least 20 and no repeated item per user, Unix seconds,
  a ``rating`` column.
* ``retail1m`` -- Online-Retail-II-like: 1 M invoice lines of 20 items, 5,000 stock
  codes, 6,000 customers, invoices as sessions, ``Quantity``-style quantities,
  prices, ``%Y-%m-%d %H:%M`` dates.
* ``grocery5m`` -- Instacart-sized repeat buying: 40,000 shoppers (rows / 120 with
  ``--max-rows``), 20,000 items, ~4.8 M lines in ~480k baskets (``session_id``) of
  Poisson(9) + 1 lines; a shopper's basket b is at their start + b x a random 2-14 day
  gap drawn per basket (so the times are not in basket order, and reach into 2027);
  60 % of a basket's lines come from the shopper's own pool of 30 items, the rest
  Zipf-popular. Slow to write (~80 s: a loop over shoppers).

Usage::

    python -m deploy.csv_shapes --out /tmp/shapes [--max-rows 20000]
    python -m deploy.csv_shapes --out /tmp/large --shape clickstream [--max-rows 200000]
    python -m deploy.csv_shapes --summarize OUT/rees46 OUT/ratings ...   # after training

``--summarize`` prints one markdown table row per training output (from its
``report.json``): best baseline, model_int8 and shipped as ratios of it, the
anonymous slice against popularity, the repeat decision.
"""

from __future__ import annotations

import argparse
import csv
import io
import json
import random
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

SHARED = Path(__file__).resolve().parents[2] / "shared" / "data"


def _write(path: Path, header: list[str], rows: list[list[object]], *, bom: bool = False,
           crlf: bool = False, blank_every: int = 0) -> None:
    buf = io.StringIO()
    w = csv.writer(buf, lineterminator="\r\n" if crlf else "\n")
    w.writerow(header)
    for i, row in enumerate(rows):
        w.writerow(row)
        if blank_every and i % blank_every == blank_every - 1:
            buf.write("\r\n" if crlf else "\n")
    path.write_bytes((b"\xef\xbb\xbf" if bom else b"") + buf.getvalue().encode("utf-8"))


def _read(path: Path) -> list[dict[str, str]]:
    with path.open(newline="", encoding="utf-8") as fh:
        return [r for r in csv.DictReader(fh) if None not in r and None not in r.values()]


def rees46(data: Path, out: Path, max_rows: int) -> None:
    events = _read(data / "rees46" / "2019-Oct_head.csv")[: max_rows or None]
    inter, items = [], {}
    for e in events:
        ts = datetime.strptime(e["event_time"], "%Y-%m-%d %H:%M:%S UTC").replace(tzinfo=UTC)
        inter.append([e["user_id"], e["product_id"], ts.isoformat(), e["event_type"], "",
                      e["price"], e["user_session"]])
        code = e["category_code"]
        items[e["product_id"]] = [e["product_id"], "", code, code.split(".")[0] if code else "",
                                  e["brand"], e["price"]]
    _write(out / "interactions.csv",
           ["user_id", "item_id", "timestamp", "event_type", "quantity", "price", "session_id"], inter)
    _write(out / "items.csv", ["item_id", "name", "category", "department", "brand", "price"],
           list(items.values()))


def _cj_rows(data: Path, max_rows: int) -> list[dict[str, str]]:
    rows = _read(data / "completejourney" / "transactions_sample.csv")
    rows = [r for r in rows if float(r["quantity"] or 0) > 0]
    rows.sort(key=lambda r: r["transaction_timestamp"])
    return rows[:max_rows] if max_rows else rows


def _cj_time(row: dict[str, str]) -> datetime:
    """A Complete Journey transaction's time as written (UTC wall time, naive)."""
    return datetime.strptime(row["transaction_timestamp"], "%Y-%m-%d %H:%M:%S")


def _cj_unix(row: dict[str, str]) -> int:
    """A Complete Journey transaction's time in Unix seconds."""
    return int(_cj_time(row).replace(tzinfo=UTC).timestamp())


def ratings(data: Path, out: Path, max_rows: int) -> None:
    seen: set[tuple[str, str]] = set()
    inter = []
    for r in _cj_rows(data, 0):
        pair = (r["household_id"], r["product_id"])
        if pair in seen:
            continue
        seen.add(pair)
        inter.append([pair[0], pair[1], _cj_unix(r), "purchase"])
    _write(out / "interactions.csv", ["user_id", "item_id", "timestamp", "event_type"],
           inter[:max_rows] if max_rows else inter)


def single(data: Path, out: Path, max_rows: int) -> None:
    first: dict[str, dict[str, str]] = {}
    for r in _cj_rows(data, 0):
        first.setdefault(r["household_id"], r)
    inter = [[h, r["product_id"], r["transaction_timestamp"].replace(" ", "T"), "purchase"]
             for h, r in first.items()]
    _write(out / "interactions.csv", ["user_id", "item_id", "timestamp", "event_type"],
           inter[:max_rows] if max_rows else inter)


def messy(data: Path, out: Path, max_rows: int) -> None:
    rng = random.Random(7)
    tx = _cj_rows(data, max_rows)
    products = {p["product_id"]: p for p in _read(data / "completejourney" / "products.csv")}
    header = ["Event_Type", "USER_ID", "Item_ID", "Timestamp", "Quantity", "Price", "Basket",
              "loyalty_tier"]
    inter: list[list[object]] = []
    for i, r in enumerate(tx):
        ts = _cj_time(r)
        mode = i % 3
        stamp: object = (ts.isoformat(sep=" ") if mode == 0 else ts.strftime("%Y-%m-%dT%H:%M")
                         if mode == 1 else _cj_unix(r))
        qty = float(r["quantity"])
        price = f"{float(r['sales_value']) / qty:.2f}"
        inter.append(["Purchase" if i % 5 else "PURCHASE", r["household_id"], r["product_id"],
                      stamp, qty, price, "", rng.choice(["gold", "silver", ""])])
    for i in rng.sample(range(len(inter)), 40):  # exact duplicates, as re-exports produce
        inter.append(list(inter[i]))
    bad = [["click", "1", "940996", "2017-05-01 10:00:00", 1, "1.00", "", ""],
           ["purchase", "1", "940996", "2017-05-01 10:00:00", 1, "-1.00", "", ""],
           ["purchase", "", "940996", "2017-05-01 10:00:00", 1, "1.00", "", ""],
           ["purchase", "1", "940996", "yesterday", 1, "1.00", "", ""]]
    inter += bad
    _write(out / "interactions.csv", header, inter, bom=True, crlf=True, blank_every=997)
    items = []
    for pid in sorted({r["product_id"] for r in tx}):
        p = products.get(pid)
        if p is None:
            continue
        name = f"{p['product_type'].title()}, {p['brand']}" if p["product_type"] else ""
        keep_cat = rng.random() < 0.7
        items.append([name, pid, p["product_category"] if keep_cat else "",
                      p["department"] if keep_cat else "", "", "aisle=" + str(rng.randint(1, 9))])
    _write(out / "items.csv", ["Name", "Item_ID", "Category", "Department", "price", "Attributes"],
           items, bom=True, crlf=True)
    demo = _read(data / "completejourney" / "demographics.csv")
    users = [[d["household_id"], d["age"], d["income"], d["household_size"]] for d in demo[::2]]
    _write(out / "users.csv", ["User_Id", "Age", "Income", "Household Size"], users, crlf=True)


def _zipf_ids(rng: Any, n: int, size: int, a: float) -> Any:
    """``size`` ids in ``range(n)``, Zipf(``a``)-skewed, the popular ones spread by a permutation."""
    import numpy as np

    r = rng.zipf(a, size * 2)
    r = r[r <= n][:size]
    while len(r) < size:
        x = rng.zipf(a, size)
        r = np.concatenate([r, x[x <= n]])[:size]
    return rng.permutation(n)[r - 1]


def clickstream(out: Path, rows: int, seed: int) -> None:
    import numpy as np
    import pandas as pd

    rng = np.random.default_rng(seed)
    n = rows or 2_000_000
    items, users = max(1, n // 10), max(1, n // 2)
    u = _zipf_ids(rng, users, n, 1.3)
    it = _zipf_ids(rng, items, n, 1.15)
    t0, span = 1_430_000_000_000, 139 * 86400 * 1000
    ts = t0 + np.sort(rng.integers(0, span, n))
    ev = rng.choice(["view", "cart", "purchase"], n, p=[0.966, 0.025, 0.009])
    pd.DataFrame({"timestamp": ts, "user_id": u, "event_type": ev, "item_id": it}).to_csv(
        out / "interactions.csv", index=False)


def ratings1m(out: Path, rows: int, seed: int) -> None:
    import numpy as np
    import pandas as pd

    rng = np.random.default_rng(seed)
    n = rows or 1_000_000
    users, items = max(1, round(6040 * n / 1_000_000)), 3706
    per = np.minimum(np.maximum(20, (rng.pareto(1.2, users) * 60).astype(int)), 2000)
    per = (per * n / per.sum()).astype(int) + 1
    pop = 1 / np.arange(1, items + 1) ** 0.9
    pop /= pop.sum()
    parts = []
    for uid, k in enumerate(per):
        k = min(k, items)
        its = rng.choice(items, k, replace=False, p=pop)
        t = 956_703_932 + np.sort(rng.integers(0, 3 * 365 * 86400, k))
        parts.append(pd.DataFrame({"user_id": uid + 1, "item_id": its + 1,
                                   "rating": rng.integers(1, 6, k), "timestamp": t}))
    pd.concat(parts).to_csv(out / "interactions.csv", index=False)


def retail1m(out: Path, rows: int, seed: int) -> None:
    import numpy as np
    import pandas as pd

    rng = np.random.default_rng(seed)
    n = rows or 1_000_000
    items, users = 5000, 6000
    uid = _zipf_ids(rng, users, n // 20, 1.2)
    inv = np.repeat(np.arange(n // 20), 20)[:n]
    it = _zipf_ids(rng, items, n, 1.05)
    t = pd.Timestamp("2009-12-01") + pd.to_timedelta(
        np.sort(rng.integers(0, 730 * 86400, n // 20))[inv], unit="s")
    pd.DataFrame({"session_id": inv, "item_id": it, "Quantity": rng.integers(1, 12, n),
                  "timestamp": t.strftime("%Y-%m-%d %H:%M"), "Price": np.round(rng.gamma(2, 2, n), 2),
                  "user_id": uid[inv]}).to_csv(out / "interactions.csv", index=False)


def grocery5m(out: Path, rows: int, seed: int) -> None:
    import numpy as np
    import pandas as pd

    rng = np.random.default_rng(seed)
    n_users, n_items = (max(1, round(rows / 120)) if rows else 40_000), 20_000
    pop = 1.0 / np.arange(1, n_items + 1) ** 0.9
    pop /= pop.sum()
    per_user = rng.geometric(1 / 12, n_users)  # baskets
    users, items, minutes, baskets = [], [], [], []
    basket = 0
    for u in range(n_users):
        pool = rng.choice(n_items, 30, p=pop)
        start = rng.integers(0, 300 * 24 * 60)
        for b in range(per_user[u]):
            k = rng.poisson(9) + 1
            own = rng.random(k) < 0.6
            lines = np.where(own, pool[rng.integers(0, 30, k)], rng.choice(n_items, k, p=pop))
            t = start + b * rng.integers(2 * 24 * 60, 14 * 24 * 60)
            users.append(np.full(k, u))
            items.append(lines)
            minutes.append(np.full(k, t))
            baskets.append(np.full(k, basket))
            basket += 1
    stamps = np.datetime64("2023-01-01T00:00") + np.concatenate(minutes).astype("timedelta64[m]")
    pd.DataFrame({"user_id": np.concatenate(users), "item_id": np.concatenate(items),
                  "session_id": np.concatenate(baskets), "timestamp": stamps.astype(str)}).to_csv(
        out / "interactions.csv", index=False)


def onlineretail(data: Path, out: Path, max_rows: int) -> None:
    products = {p["product_id"]: p for p in _read(data / "completejourney" / "products.csv")}
    rows: list[list[object]] = []
    for i, r in enumerate(_cj_rows(data, max_rows)):
        ts = _cj_time(r)
        qty = float(r["quantity"])
        p = products.get(r["product_id"], {})
        stamp = f"{ts.month}/{ts.day}/{ts.year} {ts.hour}:{ts.minute:02d}"
        line = [r["basket_id"], r["product_id"], (p.get("product_type") or "").upper(), int(qty) if qty.is_integer()
                else qty, stamp, f"{float(r['sales_value']) / qty:.2f}", "" if i % 20 == 19 else r["household_id"],
                "United Kingdom"]
        rows.append(line)
        if i % 50 == 49:  # a cancellation: the invoice again, with a C and a negative quantity
            rows.append(["C" + str(line[0]), *line[1:3], -line[3], *line[4:]])
    _write(out / "interactions.csv", ["InvoiceNo", "StockCode", "Description", "Quantity", "InvoiceDate",
                                      "UnitPrice", "CustomerID", "Country"], rows)


def dunnhumby(data: Path, out: Path, max_rows: int) -> None:
    from zoneinfo import ZoneInfo

    from cloud_trainer.data.completejourney import CJ_TIMEZONE

    eastern = ZoneInfo(CJ_TIMEZONE)  # the store time the adapter reads, as dunnhumby counts days
    rows = _cj_rows(data, max_rows)
    stamps = [_cj_time(r).replace(tzinfo=UTC).astimezone(eastern) for r in rows]
    first = min(stamps).date()
    _write(out / "interactions.csv",
           ["household_key", "BASKET_ID", "DAY", "PRODUCT_ID", "QUANTITY", "SALES_VALUE", "STORE_ID",
            "RETAIL_DISC", "TRANS_TIME", "WEEK_NO", "COUPON_DISC", "COUPON_MATCH_DISC"],
           [[r["household_id"], r["basket_id"], (ts.date() - first).days + 1, r["product_id"], r["quantity"],
             r["sales_value"], r["store_id"], r["retail_disc"], ts.hour * 100 + ts.minute, r["week"],
             r["coupon_disc"], r["coupon_match_disc"]] for r, ts in zip(rows, stamps, strict=True)])
    products = _read(data / "completejourney" / "products.csv")
    _write(out / "items.csv", ["PRODUCT_ID", "MANUFACTURER", "DEPARTMENT", "BRAND", "COMMODITY_DESC",
                               "SUB_COMMODITY_DESC", "CURR_SIZE_OF_PRODUCT"],
           [[p["product_id"], p["manufacturer_id"], p["department"], p["brand"], p["product_category"],
             p["product_type"], p["package_size"]] for p in products])
    demo = _read(data / "completejourney" / "demographics.csv")
    _write(out / "users.csv", ["AGE_DESC", "MARITAL_STATUS_CODE", "INCOME_DESC", "HOMEOWNER_DESC",
                               "HH_COMP_DESC", "HOUSEHOLD_SIZE_DESC", "KID_CATEGORY_DESC", "household_key"],
           [[d["age"], d["marital_status"], d["income"], d["home_ownership"], d["household_comp"],
             d["household_size"], d["kids_count"], d["household_id"]] for d in demo])


def retailrocket(data: Path, out: Path, max_rows: int) -> None:
    names = {"view": "view", "cart": "addtocart", "purchase": "transaction"}
    rows: list[list[object]] = []
    sessions: dict[str, int] = {}
    for e in _read(data / "rees46" / "2019-Oct_head.csv")[: max_rows or None]:
        if e["event_type"] not in names:
            continue
        ts = datetime.strptime(e["event_time"], "%Y-%m-%d %H:%M:%S UTC").replace(tzinfo=UTC)
        tx = sessions.setdefault(e["user_session"], len(sessions)) if e["event_type"] == "purchase" else ""
        rows.append([int(ts.timestamp() * 1000), e["user_id"], names[e["event_type"]], e["product_id"], tx])
    _write(out / "interactions.csv", ["timestamp", "visitorid", "event", "itemid", "transactionid"], rows)


def grouplens(data: Path, out: Path, max_rows: int) -> dict[str, Path]:
    rows = _cj_rows(data, max_rows)
    lines = [f"{r['household_id']}\t{r['product_id']}\t{r['quantity']}\t{_cj_unix(r)}" for r in rows]
    (out / "u.data").write_text("\n".join(lines) + "\n")
    products = _read(data / "completejourney" / "products.csv")
    (out / "u.item").write_text("".join(f"{p['product_id']}|{p['product_type']}|{p['department']}\n"
                                        for p in products if p["product_type"] and p["department"]))
    demo = _read(data / "completejourney" / "demographics.csv")
    (out / "u.user").write_text("".join(f"{d['household_id']}|{d['age']}|{d['income']}|{d['household_size']}\n"
                                        for d in demo))
    return {"interactions": out / "u.data", "items": out / "u.item", "users": out / "u.user"}


def jsonl(data: Path, out: Path, max_rows: int) -> dict[str, Path]:
    import gzip

    events = _read(data / "rees46" / "2019-Oct_head.csv")[: max_rows or None]
    text = "".join(json.dumps({k: (float(v) if k == "price" else v) for k, v in e.items()}) + "\n"
                   for e in events)
    path = out / "interactions.jsonl.gz"
    path.write_bytes(gzip.compress(text.encode(), mtime=0))
    return {"interactions": path}


def notime(data: Path, out: Path, max_rows: int) -> None:
    rows = sorted(_cj_rows(data, max_rows), key=lambda r: int(r["household_id"]))  # stable: time order kept
    _write(out / "interactions.csv", ["household_key", "PRODUCT_ID", "QUANTITY"],
           [[r["household_id"], r["product_id"], r["quantity"]] for r in rows])


def groceries(data: Path, out: Path, max_rows: int) -> None:
    """Kaggle's "Groceries dataset" layout: member, a dashed day-first date alone, and
    the item's name as its only id (here the product type, lower case)."""
    products = {p["product_id"]: p["product_type"].lower() for p in _read(data / "completejourney" / "products.csv")
                if p["product_type"]}
    _write(out / "interactions.csv", ["Member_number", "Date", "itemDescription"],
           [[r["household_id"], _cj_time(r).strftime("%d-%m-%Y"), products[r["product_id"]]]
            for r in _cj_rows(data, max_rows) if r["product_id"] in products])


def orderlines(data: Path, out: Path, max_rows: int) -> None:
    """Instacart's ``order_products__prior.csv`` joined to ``orders.csv`` on order_id: order
    lines with the shopper and each shopper's ``order_number``, no time at all, listed by
    order id (ascending, as Instacart's file is)."""
    rows = _cj_rows(data, max_rows)  # in time order: each household's order numbers count up
    position: dict[str, int] = {}
    number: dict[str, int] = {}
    baskets: dict[str, int] = {}
    lines = []
    for r in rows:
        if r["basket_id"] not in number:
            baskets[r["household_id"]] = baskets.get(r["household_id"], 0) + 1
            number[r["basket_id"]] = baskets[r["household_id"]]
        position[r["basket_id"]] = position.get(r["basket_id"], 0) + 1
        lines.append([r["basket_id"], r["product_id"], position[r["basket_id"]], r["household_id"],
                      number[r["basket_id"]]])
    # Listed by order id, as Instacart's file is (stable: a basket's lines keep their order).
    lines.sort(key=lambda line: int(line[0]))
    _write(out / "interactions.csv", ["order_id", "product_id", "add_to_cart_order", "user_id", "order_number"],
           lines)


def instacart(data: Path, out: Path, max_rows: int) -> None:
    """Instacart's ``order_products__prior.csv`` joined to all of ``orders.csv``: the order
    lines with ``reordered``, and each order's ``eval_set``, ``order_number``,
    ``order_dow`` (0 = Sunday), ``order_hour_of_day`` and ``days_since_prior_order``
    (whole days, capped at 30, blank for a shopper's first order) instead of a time.
    From Complete Journey's real store times, so a trainer that reads the gaps can be
    compared with one that reads the times."""
    from zoneinfo import ZoneInfo

    from cloud_trainer.data.completejourney import CJ_TIMEZONE

    eastern = ZoneInfo(CJ_TIMEZONE)
    rows = _cj_rows(data, max_rows)
    stamps = [_cj_time(r).replace(tzinfo=UTC).astimezone(eastern) for r in rows]
    order_of: dict[str, tuple[int, datetime]] = {}  # basket -> (number, its first line's time)
    count: dict[str, int] = {}
    last: dict[str, datetime] = {}
    gap: dict[str, str] = {}
    earlier: dict[str, set[str]] = {}  # the shopper's items of earlier orders
    current: dict[str, tuple[str, set[str]]] = {}  # the shopper's open order and its items
    position: dict[str, int] = {}
    lines = []
    for r, ts in zip(rows, stamps, strict=True):
        user, basket = r["household_id"], r["basket_id"]
        if basket not in order_of:
            count[user] = count.get(user, 0) + 1
            order_of[basket] = (count[user], ts)
            gap[basket] = "" if user not in last else f"{min((ts.date() - last[user].date()).days, 30)}.0"
            last[user] = ts
            if user in current:
                earlier.setdefault(user, set()).update(current[user][1])
            current[user] = (basket, set())
        position[basket] = position.get(basket, 0) + 1
        number, first = order_of[basket]
        reordered = int(r["product_id"] in earlier.get(user, ()))
        current[user][1].add(r["product_id"])
        lines.append([basket, r["product_id"], position[basket], reordered, user, "prior", number,
                      (first.weekday() + 1) % 7, first.hour, gap[basket]])
    lines.sort(key=lambda line: int(line[0]))  # listed by order id, as Instacart's file is
    _write(out / "interactions.csv", ["order_id", "product_id", "add_to_cart_order", "reordered", "user_id",
                                      "eval_set", "order_number", "order_dow", "order_hour_of_day",
                                      "days_since_prior_order"], lines)


SHAPES = {"rees46": rees46, "ratings": ratings, "messy": messy, "single": single,
          "onlineretail": onlineretail, "retailrocket": retailrocket, "dunnhumby": dunnhumby,
          "grouplens": grouplens, "jsonl": jsonl, "notime": notime, "groceries": groceries,
          "orderlines": orderlines, "instacart": instacart}
LARGE_SHAPES = {"clickstream": clickstream, "ratings1m": ratings1m, "retail1m": retail1m, "grocery5m": grocery5m}
"""Synthetic (see the module docstring): written only when named with ``--shape``."""


def summarize(out_dir: Path) -> str:
    """One table row from a training output's report.json; 'n/a' where a figure is absent."""
    r = json.loads((out_dir / "report.json").read_text())
    comp = r.get("comparison") or {}
    best = comp.get("best_baseline", "n/a")
    metrics = r.get("metrics", {})

    def ratio(system: str, metric: str) -> str:
        num = (metrics.get(system) or {}).get(metric)
        den = (metrics.get(best) or {}).get(metric)
        return f"{num / den:.2f}x" if num is not None and den else "n/a"

    def anon(metric: str) -> str:
        check = (r.get("shipped") or {}).get(f"anonymous_vs_popularity_{metric}") or {}
        if "shipped" not in check:
            return "n/a"
        return f"{check['shipped']:.4f} vs {check['popularity']:.4f}"

    repeat = "excluded" if (r.get("repeat") or {}).get("exclude_history") else "kept"
    return (
        f"| {out_dir.name} | {best} | {ratio('model_int8', 'recall@20')} / {ratio('model_int8', 'ndcg@10')}"
        f" | {ratio('shipped', 'recall@20')} / {ratio('shipped', 'ndcg@10')}"
        f" | {anon('recall@20')} / {anon('ndcg@10')} | {repeat} | {r.get('train_seconds', 0):.0f} s |"
    )


def main(argv: list[str] | None = None) -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--summarize", type=Path, nargs="+", metavar="TRAIN_OUT")
    ap.add_argument("--out", type=Path)
    ap.add_argument("--data", type=Path, default=SHARED)
    ap.add_argument("--max-rows", type=int, default=0, help="interactions per shape (0 = all)")
    ap.add_argument("--shape", choices=sorted({**SHAPES, **LARGE_SHAPES}), action="append")
    ap.add_argument("--seed", type=int, default=0, help="random seed of the synthetic large shapes")
    args = ap.parse_args(argv)
    if args.summarize:
        print("| shape | best baseline (val) | model_int8 recall@20 / ndcg@10 | shipped recall@20 / ndcg@10"
              " | anonymous shipped vs popularity recall@20 / ndcg@10 | own items | train |")
        print("|---|---|---|---|---|---|---|")
        for out_dir in args.summarize:
            print(summarize(out_dir))
        return
    if args.out is None:
        ap.error("--out is required (or --summarize)")
    for name in args.shape or sorted(SHAPES):
        target = args.out / name
        target.mkdir(parents=True, exist_ok=True)
        if name in LARGE_SHAPES:
            files = LARGE_SHAPES[name](target, args.max_rows, args.seed)
        else:
            files = SHAPES[name](args.data, target, args.max_rows)
        # Shapes with files named as the public data set names them say which is which.
        files = files or {f.stem: f for f in sorted(target.glob("*.csv"))}
        opts = " ".join(f"--{flag} {f}" for flag, f in files.items())
        print(f"{name}: cloud-trainer train --dataset csv {opts} --out OUT/{name}")


if __name__ == "__main__":
    main()
