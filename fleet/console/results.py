"""Online results from the feedback warehouse, computed in SQL.

One aggregate query per table (never a Python loop over events), on either
warehouse engine through :func:`cloud_trainer.ingest.open_warehouse` and its
JSON helpers (``jtext``/``jnum``/``jtruthy``/``jitems``), the same ones the
``scale`` engineer's ``online_metrics``/``proof_of_play`` queries use. The
console adds what an A/B decision needs: a 95% confidence interval for every
rate (Wilson score interval) and for revenue per impression (normal
approximation from the sum and the sum of squares, also computed in SQL), and
proof of play down to item and hour.
"""

from __future__ import annotations

import math
import threading
import time
from collections.abc import Callable, Iterator
from typing import Any

from cloud_trainer.ingest import open_warehouse
from cloud_trainer.ingest.warehouse import SQLiteWarehouse, SQLWarehouse

Z95 = 1.959964
CACHE_TTL_S = 30.0


def wilson(k: int, n: int) -> tuple[float, float] | None:
    """95% Wilson score interval of a proportion k/n (None without trials)."""
    if n <= 0:
        return None
    p = k / n
    denom = 1 + Z95 ** 2 / n
    centre = (p + Z95 ** 2 / (2 * n)) / denom
    half = Z95 * math.sqrt(p * (1 - p) / n + Z95 ** 2 / (4 * n * n)) / denom
    return max(0.0, centre - half), min(1.0, centre + half)


def mean_ci(total: float, total_sq: float, n: int) -> tuple[float, float] | None:
    """95% interval of a per-impression mean from its sum and sum of squares (normal approx.)."""
    if n <= 1:
        return None
    mean = total / n
    var = max(0.0, (total_sq - n * mean * mean) / (n - 1))
    half = Z95 * math.sqrt(var / n)
    return mean - half, mean + half


class Results:
    """The warehouse behind the results page (one connection, opened on first use)."""

    def __init__(self, url: str | None, ttl_s: float = CACHE_TTL_S) -> None:
        self.url = url
        self.ttl_s = ttl_s
        self._wh: SQLWarehouse | None = None
        self._lock = threading.Lock()
        self._cache: dict[Any, tuple[float, Any]] = {}
        self._cache_lock = threading.Lock()

    def cached(self, key: Any, fn: Callable[[], Any], fresh: bool = False) -> tuple[Any, float]:
        """``fn()`` computed at most every ``ttl_s`` per key: the warehouse is a report, and one
        proof-of-play GROUP BY over every rendered item costs about a second per 100,000 items.
        Returns (value, computed_at)."""
        now = time.time()
        with self._cache_lock:
            hit = self._cache.get(key)
            if hit is not None and not fresh and now - hit[0] < self.ttl_s:
                return hit[1], hit[0]
        value = fn()
        with self._cache_lock:
            if len(self._cache) > 64:  # a few filter combinations; never unbounded
                self._cache.clear()
            self._cache[key] = (now, value)
        return value, now

    def warehouse(self) -> SQLWarehouse | None:
        if self.url is None:
            return None
        with self._lock:
            if self._wh is None:
                self._wh = open_warehouse(self.url)
            return self._wh

    def close(self) -> None:
        with self._lock:
            if self._wh is not None:
                self._wh.close()
                self._wh = None

    def online(self) -> list[dict[str, Any]]:
        """Per model version: impressions, CTR, conversion, attributed revenue, each with its 95% CI."""
        wh = self.warehouse()
        if wh is None:
            return []
        version = "coalesce(nullif(model_version, ''), 'popularity')"
        rev = f"coalesce({wh.jnum('revenue')}, 0)"
        _, rows = wh.query(
            f"SELECT {version} AS v, count(DISTINCT device_id), "
            "sum(CASE WHEN kind = 'impression' THEN 1 ELSE 0 END), "
            f"sum(CASE WHEN kind = 'interaction' THEN {wh.jtruthy('recommended')} ELSE 0 END), "
            "sum(CASE WHEN kind = 'conversion' THEN 1 ELSE 0 END), "
            f"sum(CASE WHEN kind = 'conversion' THEN {rev} ELSE 0 END), "
            f"sum(CASE WHEN kind = 'conversion' THEN {rev} * {rev} ELSE 0 END), "
            "min(ts), max(ts) FROM events GROUP BY 1 ORDER BY 1")
        out = []
        for v, devices, imp, clicks, conv, revenue, revenue_sq, first, last in rows:
            imp, clicks, conv = int(imp or 0), int(clicks or 0), int(conv or 0)
            revenue, revenue_sq = float(revenue or 0), float(revenue_sq or 0)
            per_imp = mean_ci(revenue, revenue_sq, imp)
            out.append({
                "model_version": v, "devices": int(devices), "impressions": imp,
                "clicks": clicks, "ctr": clicks / imp if imp else None, "ctr_ci": wilson(clicks, imp),
                "conversions": conv, "conversion_rate": conv / imp if imp else None,
                "conversion_ci": wilson(min(conv, imp), imp),
                "revenue": revenue,
                # The total's interval: impressions times the per-impression interval.
                "revenue_ci": (per_imp[0] * imp, per_imp[1] * imp) if per_imp else None,
                "first_ts": first, "last_ts": last,
            })
        return out

    @staticmethod
    def compare(a: dict[str, Any], b: dict[str, Any]) -> dict[str, Any]:
        """B minus A for CTR and conversion, with a 95% interval of the difference (two proportions)."""
        out: dict[str, Any] = {}
        for key, k in (("ctr", "clicks"), ("conversion_rate", "conversions")):
            na, nb = a["impressions"], b["impressions"]
            if not na or not nb:
                out[key] = None
                continue
            pa, pb = a[k] / na, b[k] / nb
            se = math.sqrt(max(pa * (1 - pa), 0) / na + max(pb * (1 - pb), 0) / nb)
            d = pb - pa
            out[key] = {"diff": d, "ci": (d - Z95 * se, d + Z95 * se), "significant": abs(d) > Z95 * se > 0}
        return out

    def _play_sql(self, wh: SQLWarehouse, since: float | None) -> tuple[str, list[Any]]:
        """Plays grouped by store, display, item, hour: ``shown_at`` is extracted once per
        impression (a materialized CTE), then the items are expanded and grouped."""
        shown = wh.jnum("shown_at")
        hour = ("CAST(shown / 3600 AS INTEGER) * 3600" if isinstance(wh, SQLiteWarehouse)
                else "floor(shown / 3600) * 3600")
        where, params = ["kind = 'impression'"], []
        if since is not None:
            where.append("ts >= ?")
            params.append(float(since))
        item = wh.jtext("item_id", "it.value")
        sql = (f"WITH imp AS MATERIALIZED (SELECT store_id, coalesce({wh.jtext('display_id')}, '') AS display, "
               f"{shown} AS shown, data FROM events WHERE {' AND '.join(where)}), "
               f"plays AS (SELECT store_id, display, {item} AS item, {hour} AS hour, count(*) AS plays "
               f"FROM imp, {wh.jitems()} WHERE shown IS NOT NULL GROUP BY store_id, display, item, hour) "
               "SELECT store_id, display, item, hour, plays, count(*) OVER () AS total FROM plays "
               "ORDER BY hour DESC, store_id, display, plays DESC, item")
        return sql, params

    def proof_of_play(self, since: float | None = None, limit: int = 200) -> tuple[list[tuple[Any, ...]], int]:
        """Plays per store / display / item / hour (newest hour first): the first ``limit`` rows and the total
        (one pass: the total is a window count over the grouped rows)."""
        wh = self.warehouse()
        if wh is None:
            return [], 0
        sql, params = self._play_sql(wh, since)
        _, rows = wh.query(f"{sql} LIMIT {int(limit)}", params)
        return [r[:5] for r in rows], int(rows[0][5]) if rows else 0

    def proof_of_play_csv(self, since: float | None = None) -> Iterator[str]:
        """Every row, streamed in chunks (the export may be larger than memory)."""
        wh = self.warehouse()
        yield "store_id,display_id,item_id,hour_utc,plays\n"
        if wh is None:
            return
        import datetime as dt

        sql, params = self._play_sql(wh, since)
        for _, rows in wh.iter_query(sql, params, chunk=10_000):
            lines = []
            for store, display, item, hour, plays, _ in rows:
                when = dt.datetime.fromtimestamp(float(hour), dt.UTC).strftime("%Y-%m-%dT%H:00Z")
                lines.append(",".join(_csv(x) for x in (store, display, item, when, int(plays))) + "\n")
            yield "".join(lines)


def _csv(value: Any) -> str:
    text = "" if value is None else str(value)
    if any(c in text for c in ',"\n\r') or text[:1] in ("=", "+", "-", "@"):
        # Quote, and defuse spreadsheet formulas in ids that came from devices.
        text = '"' + ("'" + text if text[:1] in ("=", "+", "-", "@") else text).replace('"', '""') + '"'
    return text
