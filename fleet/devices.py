"""Reported device state: what each device's retained status says it runs.

The service keeps one row per device from its retained ``status`` (and the
broker's "offline" last will), plus an event for every change that matters to
an operator: a new active model, an OTA state change, a rollback with its reason.
"""

from __future__ import annotations

import json
import time
from typing import Any

from edge.comms.topics import DeviceStatus, reported
from fleet.storage import Row, Storage


def record_status(storage: Storage, store_id: str, device_id: str, status: DeviceStatus,
                  now: float | None = None) -> list[dict[str, Any]]:
    """Upsert the device's row from one status message; returns the events it caused."""
    now = time.time() if now is None else now
    events: list[dict[str, Any]] = []
    with storage.tx():
        row = storage.one("SELECT * FROM devices WHERE id = ?", (device_id,))
        if row is None:
            storage.execute("INSERT INTO devices (id, store_id, state, updated_at) VALUES (?, ?, 'unknown', ?)",
                            (device_id, store_id, now))
            row = {"active_model": None, "ota_state": None, "ota_version": None, "state": "unknown"}
        if status.state == "offline":
            # The last will carries no detail: keep what the device last reported.
            storage.execute("UPDATE devices SET state = 'offline', store_id = ?, updated_at = ? WHERE id = ?",
                            (store_id, now, device_id))
            if row["state"] != "offline":
                events.append({"kind": "offline"})
        else:
            model, ota = reported(status)
            active = model.active if model and model.active else status.model_version
            previous = model.previous if model else None
            storage.execute(
                "UPDATE devices SET store_id = ?, state = 'online', last_seen = ?, status_ts = ?,"
                " active_model = ?, previous_model = ?, ota_state = ?, ota_version = ?, ota_rollout = ?,"
                " ota_reason = ?, detail_json = ?, updated_at = ? WHERE id = ?",
                (store_id, status.ts, status.ts, active, previous,
                 ota.state if ota else None, ota.version if ota else None,
                 ota.rollout_id if ota else None, ota.reason if ota else None,
                 json.dumps(status.detail), now, device_id))
            if row["state"] != "online":
                events.append({"kind": "online"})
            if active != row["active_model"]:
                events.append({"kind": "model_changed", "model_version": active,
                               "detail": {"from": row["active_model"], "to": active}})
            if ota and (ota.state, ota.version) != (row["ota_state"], row["ota_version"]):
                events.append({"kind": f"ota_{ota.state}", "model_version": ota.version,
                               "rollout_id": ota.rollout_id, "reason": ota.reason})
        for ev in events:
            add_event(storage, ev["kind"], device_id=device_id, rollout_id=ev.get("rollout_id"),
                      model_version=ev.get("model_version"), reason=ev.get("reason"),
                      detail=ev.get("detail"), ts=now)
    return events


def ensure_devices(storage: Storage, device_ids: list[str]) -> None:
    """Rows for devices known only from their download token (store unknown until they report)."""
    now = time.time()
    with storage.tx():
        for device_id in device_ids:
            storage.execute("INSERT INTO devices (id, state, updated_at) VALUES (?, 'unknown', ?)"
                            " ON CONFLICT (id) DO NOTHING", (device_id, now))


def add_event(storage: Storage, kind: str, *, device_id: str | None = None, rollout_id: str | None = None,
              model_version: str | None = None, reason: str | None = None,
              detail: dict[str, Any] | None = None, ts: float | None = None) -> None:
    storage.execute(
        "INSERT INTO events (ts, kind, device_id, rollout_id, model_version, reason, detail_json)"
        " VALUES (?, ?, ?, ?, ?, ?, ?)",
        (time.time() if ts is None else ts, kind, device_id, rollout_id, model_version, reason,
         json.dumps(detail) if detail is not None else None))


def device_json(row: Row) -> dict[str, Any]:
    return {
        "id": row["id"], "store": row["store_id"], "state": row["state"], "last_seen": row["last_seen"],
        "model": {"active": row["active_model"], "previous": row["previous_model"]},
        "ota": {"state": row["ota_state"], "version": row["ota_version"], "rollout_id": row["ota_rollout"],
                "reason": row["ota_reason"]},
        "desired": {"version": row["desired_version"], "rollout_id": row["desired_rollout"]},
    }


def list_devices(storage: Storage, store: str | None = None) -> list[dict[str, Any]]:
    if store is None:
        rows = storage.query("SELECT * FROM devices ORDER BY store_id, id")
    else:
        rows = storage.query("SELECT * FROM devices WHERE store_id = ? ORDER BY id", (store,))
    return [device_json(r) for r in rows]


def events_json(rows: list[Row]) -> list[dict[str, Any]]:
    return [{"ts": r["ts"], "kind": r["kind"], "device": r["device_id"], "rollout": r["rollout_id"],
             "model_version": r["model_version"], "reason": r["reason"],
             "detail": json.loads(r["detail_json"]) if r["detail_json"] else None} for r in rows]


def device_events(storage: Storage, device_id: str, limit: int = 50) -> list[dict[str, Any]]:
    rows = storage.query("SELECT * FROM events WHERE device_id = ? ORDER BY id DESC LIMIT ?", (device_id, limit))
    return events_json(rows)
