"""The console's live view of the fleet: one row per device, kept in memory.

The fleet link hands every device status (and every "offline" last will) to
:meth:`LiveIndex.on_status` after the service has recorded it. From the raw
counters of consecutive statuses the index derives what an operator reads:
signals per second, latency, outbox backlog and the age of its oldest unsent
event, dead letters in the last hour, camera health; and it keeps a short
history per device for the device page's charts (``HISTORY`` samples, about
15 minutes at one status per 10 s; in memory: lost on restart).

Each change bumps a global sequence number stored on the row, so the overview's
live stream pushes exactly the rows that changed since its last push.
"""

from __future__ import annotations

import itertools
import json
import threading
import time
from collections import deque
from dataclasses import dataclass, field
from typing import Any

from edge.comms.topics import DeviceStatus, reported
from fleet.storage import Storage

HISTORY = 90
HOUR_S = 3600.0


@dataclass(slots=True)
class Sample:
    ts: float
    signals_s: float | None
    latency_ms: float | None
    backlog: int | None
    dead_total: int


@dataclass(slots=True)
class DeviceRow:
    id: str
    store: str | None = None
    state: str = "unknown"
    last_seen: float | None = None
    active: str | None = None
    ota_state: str | None = None
    ota_reason: str | None = None
    signals_s: float | None = None
    latency_p50: float | None = None
    latency_p99: float | None = None
    latency_mean: float | None = None
    backlog: int | None = None
    oldest_unsent_s: float | None = None
    dead_total: int = 0
    dead_hour: int = 0
    cameras: str = "none"
    cameras_ok: bool = True
    handled: int | None = None
    detail: dict[str, Any] = field(default_factory=dict)
    history: deque[Sample] = field(default_factory=lambda: deque(maxlen=HISTORY))
    seq: int = 0


def _num(value: Any) -> float | None:
    return float(value) if isinstance(value, (int, float)) and not isinstance(value, bool) else None


def _cameras(detail: dict[str, Any]) -> tuple[str, bool]:
    cams = detail.get("cameras")
    if not isinstance(cams, dict) or not cams:
        return "none", True
    states = [(c.get("state") if isinstance(c, dict) else c) for c in cams.values()]
    ok = sum(1 for s in states if s == "online")
    return f"{ok}/{len(states)} online", ok == len(states)


class LiveIndex:
    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._rows: dict[str, DeviceRow] = {}
        self._seq = itertools.count(1)
        self.version = 0
        """The sequence number of the newest change (the stream compares against it)."""

    def load(self, storage: Storage) -> None:
        """Start from what the service stored (the last status of every device)."""
        for r in storage.query("SELECT id, store_id, state, last_seen, status_ts, detail_json FROM devices"):
            row = self._row(r["id"])
            row.store = r["store_id"]
            row.state = r["state"]
            row.last_seen = r["last_seen"]
            if r["detail_json"]:
                try:
                    detail = json.loads(r["detail_json"])
                except ValueError:
                    continue
                status = DeviceStatus(device_id=r["id"], state="online", ts=r["status_ts"] or 0, detail=detail)
                self._apply(row, status, keep_state=True)
            row.seq = self.version = next(self._seq)

    def _row(self, device_id: str) -> DeviceRow:
        row = self._rows.get(device_id)
        if row is None:
            row = self._rows[device_id] = DeviceRow(device_id)
        return row

    def on_status(self, store_id: str, device_id: str, status: DeviceStatus) -> None:
        with self._lock:
            row = self._row(device_id)
            row.store = store_id
            if status.state == "offline":
                row.state = "offline"  # the last will has no detail: keep the last reported figures
            else:
                self._apply(row, status)
            row.seq = self.version = next(self._seq)

    def _apply(self, row: DeviceRow, status: DeviceStatus, keep_state: bool = False) -> None:
        d = status.detail or {}
        if not keep_state:
            row.state = "online"
            row.last_seen = status.ts
        model, ota = reported(status)
        row.active = (model.active if model and model.active else None) or status.model_version
        row.ota_state = ota.state if ota else None
        row.ota_reason = ota.reason if ota else None
        handled = d.get("handled")
        prev = row.history[-1] if row.history else None
        signals = None
        if isinstance(handled, int) and row.handled is not None and prev is not None and status.ts > prev.ts:
            delta = handled - row.handled
            signals = delta / (status.ts - prev.ts) if delta >= 0 else None  # a restart resets counters
        row.handled = handled if isinstance(handled, int) else None
        row.signals_s = signals
        lat = d.get("latency_ms") if isinstance(d.get("latency_ms"), dict) else {}
        row.latency_p50, row.latency_p99 = _num(lat.get("p50")), _num(lat.get("p99"))
        stages = d.get("stage_us_mean")
        row.latency_mean = (sum(v for v in stages.values() if _num(v) is not None) / 1000
                            if isinstance(stages, dict) and stages else None)
        feedback = (d.get("health") or {}).get("feedback") if isinstance(d.get("health"), dict) else None
        outbox = feedback.get("outbox") if isinstance(feedback, dict) else None
        if isinstance(outbox, dict):
            backlog = outbox.get("unsent", outbox.get("pending"))
            row.backlog = int(backlog) if isinstance(backlog, int) else None
            row.oldest_unsent_s = _num(outbox.get("oldest_pending_age_s"))
        else:
            row.backlog = row.oldest_unsent_s = None
        dead = d.get("rejected_total")
        row.dead_total = int(dead) if isinstance(dead, int) else 0
        row.cameras, row.cameras_ok = _cameras(d)
        row.detail = d
        row.history.append(Sample(status.ts, signals, row.latency_p99 or row.latency_mean, row.backlog,
                                  row.dead_total))
        # Dead letters in the last hour: the counter now minus its value an hour ago
        # (the oldest sample inside the hour; a counter reset restarts the count).
        cutoff = status.ts - HOUR_S
        base = next((s.dead_total for s in row.history if s.ts >= cutoff), row.dead_total)
        row.dead_hour = row.dead_total - base if row.dead_total >= base else row.dead_total

    def rows(self) -> list[DeviceRow]:
        with self._lock:
            return list(self._rows.values())

    def counts(self) -> dict[str, int]:
        """Devices per state, for the overview's summary line."""
        with self._lock:
            out = {"online": 0, "offline": 0, "unknown": 0}
            for r in self._rows.values():
                out[r.state] = out.get(r.state, 0) + 1
            return out

    def get(self, device_id: str) -> DeviceRow | None:
        with self._lock:
            return self._rows.get(device_id)

    def changed(self, ids: list[str], since: int) -> list[DeviceRow]:
        with self._lock:
            return [r for i in ids if (r := self._rows.get(i)) is not None and r.seq > since]

    def now(self) -> float:
        return time.time()
