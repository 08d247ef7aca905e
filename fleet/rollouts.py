"""Rollouts: a model to a set of devices, canary first, then waves.

A rollout is a list of *stages*: the canary (``canary`` devices, if any), then
one stage per wave percentage (``waves=[10, 50, 100]``: each stage brings the
share of targets that have the desired state up to that percentage). A stage
starts by publishing each of its devices' retained desired state; it is
settled when every device in it reports the model active and out of probation
(``done``), or failed. When the current stage is settled the next one starts;
after the last, the rollout is ``completed``.

A device that reports ``rolled_back`` or ``refused`` for this rollout's version
fails with the reason it gave, and the rollout stops advancing: ``paused`` (the
default: an operator looks, then resumes or aborts) or ``aborted`` when the
state is in ``abort_on``. Resuming counts failed devices as settled.

Aborting cancels every device not yet done: targets waiting for a later stage
get nothing, and devices still working on it get an empty retained desired
state (cleared: keep what you run). Devices that finished keep the model; use
:meth:`Rollouts.rollback` (a one-stage rollout with ``allow_downgrade``) to
take them back.

Everything goes through :class:`Rollouts`, under one lock: the JSON API (and
so the CLI and the console), and the MQTT thread reporting device statuses.
"""

from __future__ import annotations

import json
import math
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from edge.comms.topics import DesiredState, DeviceStatus, TopicTree, dump
from fleet import devices
from fleet.registry import get_model
from fleet.storage import Row, Storage

FAILURE_STATES = ("rolled_back", "refused")
ABORT_ON = (*FAILURE_STATES, "timeout")
ACTIVE_ROLLOUT = ("running", "paused")
UNSETTLED = ("pending", "sent")
BUSY_OTA = ("downloading", "verifying", "smoke_testing", "probation")

Publisher = Callable[[str, bytes], None]
"""(topic, payload) -> publish retained at QoS 1."""


class RolloutError(Exception):
    """A request the rollout service refuses; ``status`` is the HTTP status to answer with."""

    def __init__(self, status: int, message: str) -> None:
        self.status = status
        super().__init__(message)


@dataclass
class RolloutRequest:
    model: str
    devices: list[str] | None = None
    store: str | None = None
    all: bool = False
    canary: int = 0
    waves: list[int] = field(default_factory=lambda: [100])
    abort_on: list[str] = field(default_factory=list)
    stage_timeout_s: float | None = None
    """A device not done this long after its stage started fails with reason ``timeout``."""
    created_by: str | None = None


def stage_names(canary: int, waves: list[int]) -> list[str]:
    return (["canary"] if canary > 0 else []) + [f"{p}%" for p in waves]


def assign_stages(device_ids: list[str], canary: int, waves: list[int]) -> list[list[str]]:
    """Split ordered targets into stages: the first ``canary`` devices, then
    cumulative wave percentages of the whole set (rounded up)."""
    total = len(device_ids)
    stages: list[list[str]] = []
    taken = 0
    if canary > 0:
        stages.append(device_ids[:canary])
        taken = min(canary, total)
    for pct in waves:
        upto = max(taken, math.ceil(total * pct / 100))
        stages.append(device_ids[taken:upto])
        taken = upto
    return stages


class Rollouts:
    def __init__(self, storage: Storage, *, base_url: str, downloadable: set[str], prefix: str = "store",
                 publish: Publisher | None = None, clock: Callable[[], float] = time.time) -> None:
        self.storage = storage
        self.base_url = base_url.rstrip("/")
        self.downloadable = downloadable
        """Device ids holding a download token: only they can be targeted."""
        self.prefix = prefix
        self.publish = publish
        self.clock = clock
        self.lock = threading.RLock()

    # ---- create ----------------------------------------------------------------

    def create(self, req: RolloutRequest, *, kind: str = "rollout", allow_downgrade: bool = False,
               reason: str | None = None) -> dict[str, Any]:
        waves = list(req.waves) or [100]
        if any(not isinstance(p, int) or p < 1 or p > 100 for p in waves):
            raise RolloutError(400, f"waves: each must be a whole percentage 1..100 (got {waves})")
        if waves != sorted(set(waves)) or waves[-1] != 100:
            raise RolloutError(400, f"waves: must increase strictly and end at 100 (got {waves})")
        if req.canary < 0:
            raise RolloutError(400, f"canary: must be >= 0 (got {req.canary})")
        bad = [s for s in req.abort_on if s not in ABORT_ON]
        if bad:
            raise RolloutError(400, f"abort_on: {', '.join(bad)} not one of {', '.join(ABORT_ON)}")
        if req.stage_timeout_s is not None and not 1 <= req.stage_timeout_s <= 30 * 86400:
            raise RolloutError(400, f"stage_timeout_s: must be 1 s .. 30 days (got {req.stage_timeout_s})")
        chosen = sum(x is not None and x is not False for x in (req.devices, req.store, req.all or None))
        if chosen != 1:
            raise RolloutError(400, "target: give exactly one of devices, store or all")
        with self.lock, self.storage.tx():
            model = get_model(self.storage, req.model)
            if model is None:
                raise RolloutError(404, f"model: {req.model!r} is not in the registry (fleet publish it first)")
            targets, skipped = self._resolve(req)
            busy = self.storage.query(
                "SELECT t.device_id, t.rollout_id FROM rollout_targets t JOIN rollouts r ON r.id = t.rollout_id"
                " WHERE r.state IN ('running', 'paused') AND t.state IN ('pending', 'sent')")
            clash = sorted({f"{b['device_id']} ({b['rollout_id']})" for b in busy
                            if b["device_id"] in {t["id"] for t in targets}})
            if clash:
                raise RolloutError(409, "devices already in an active rollout: " + ", ".join(clash)
                                   + "; abort it first or roll back")
            seq = int((self.storage.one("SELECT MAX(seq) AS m FROM rollouts") or {}).get("m") or 0) + 1
            rid = f"r{seq}"
            now = self.clock()
            # Online devices first, so the canary is a device that can answer now.
            ordered = sorted(targets, key=lambda t: (t["state"] != "online", t["store_id"] or "", t["id"]))
            stages = assign_stages([t["id"] for t in ordered], req.canary, waves)
            target_spec = {"devices": req.devices, "store": req.store, "all": req.all}
            self.storage.execute(
                "INSERT INTO rollouts (id, seq, kind, model_version, state, target_json, canary, waves_json,"
                " abort_on_json, allow_downgrade, current_wave, reason, created_by, created_at, updated_at,"
                " stage_timeout_s) VALUES (?, ?, ?, ?, 'running', ?, ?, ?, ?, ?, -1, ?, ?, ?, ?, ?)",
                (rid, seq, kind, req.model, json.dumps(target_spec), req.canary, json.dumps(waves),
                 json.dumps(req.abort_on), int(allow_downgrade), reason, req.created_by, now, now,
                 req.stage_timeout_s))
            for i, ids in enumerate(stages):
                for device_id in ids:
                    self.storage.execute(
                        "INSERT INTO rollout_targets (rollout_id, device_id, wave, state, updated_at)"
                        " VALUES (?, ?, ?, 'pending', ?)", (rid, device_id, i, now))
            devices.add_event(self.storage, f"{kind}_created", rollout_id=rid, model_version=req.model,
                              reason=reason, detail={"targets": len(targets), "stages": [len(s) for s in stages],
                                                     "skipped": skipped, "by": req.created_by}, ts=now)
            self._evaluate(rid)
        return self.status(rid)

    def _resolve(self, req: RolloutRequest) -> tuple[list[Row], list[str]]:
        """The target devices, and the ones a store/all target had to skip.

        A device must have reported a status (its store is part of the desired
        topic) and hold a download token. Named devices that do not are refused;
        for ``store``/``all`` they are skipped and listed, so one device that
        was never installed does not block a fleet-wide rollout."""
        if req.devices is not None:
            ids = list(dict.fromkeys(req.devices))
            if not ids:
                raise RolloutError(400, "devices: empty list")
            marks = ",".join("?" * len(ids))
            rows = self.storage.query(f"SELECT * FROM devices WHERE id IN ({marks})", ids)
            unknown = sorted(set(ids) - {r["id"] for r in rows})
            if unknown:
                raise RolloutError(404, f"devices: unknown device(s) {', '.join(unknown)}")
        elif req.store is not None:
            rows = self.storage.query("SELECT * FROM devices WHERE store_id = ?", (req.store,))
            if not rows:
                raise RolloutError(404, f"store: no device has reported from store {req.store!r}")
        else:
            rows = self.storage.query("SELECT * FROM devices")
        silent = sorted(r["id"] for r in rows if not r["store_id"])
        tokenless = sorted(r["id"] for r in rows if r["store_id"] and r["id"] not in self.downloadable)
        if req.devices is not None and silent:
            raise RolloutError(409, f"devices never reported a status (store unknown, nowhere to publish): "
                                    f"{', '.join(silent)}")
        if req.devices is not None and tokenless:
            raise RolloutError(409, f"devices without a download token (add them to device_tokens): "
                                    f"{', '.join(tokenless)}")
        usable = [r for r in rows if r["store_id"] and r["id"] in self.downloadable]
        if not usable:
            raise RolloutError(404, "target: no device that has reported a status and holds a download token"
                                    + (f" (skipped: {', '.join(silent + tokenless)})" if rows else ""))
        return usable, [f"{d} (never reported)" for d in silent] + [f"{d} (no token)" for d in tokenless]

    # ---- rollback --------------------------------------------------------------

    def rollback(self, *, to: str, device: str | None = None, store: str | None = None,
                 reason: str | None = None, created_by: str | None = None) -> dict[str, Any]:
        """Send devices back to an older signed version now: one stage, downgrade allowed.

        Active rollouts touching these devices are aborted first (their reason
        names this rollback), so the two never fight over a desired state."""
        if (device is None) == (store is None):
            raise RolloutError(400, "target: give exactly one of device or store")
        req = RolloutRequest(model=to, devices=[device] if device else None, store=store, created_by=created_by)
        with self.lock:
            if get_model(self.storage, to) is None:
                raise RolloutError(404, f"to: {to!r} is not in the registry")
            ids = {r["id"] for r in self._resolve(req)[0]}
            marks = ",".join("?" * len(ids))
            active = self.storage.query(
                f"SELECT DISTINCT t.rollout_id FROM rollout_targets t JOIN rollouts r ON r.id = t.rollout_id"
                f" WHERE r.state IN ('running', 'paused') AND t.state IN ('pending', 'sent')"
                f" AND t.device_id IN ({marks})", sorted(ids))
            for row in active:
                self.abort(row["rollout_id"], reason=f"superseded by a rollback to {to}"
                           + (f" ({reason})" if reason else ""))
            return self.create(req, kind="rollback", allow_downgrade=True, reason=reason or "operator rollback")

    # ---- operator actions ------------------------------------------------------

    def _get(self, rid: str) -> Row:
        row = self.storage.one("SELECT * FROM rollouts WHERE id = ?", (rid,))
        if row is None:
            raise RolloutError(404, f"rollout {rid!r} not found")
        return row

    def pause(self, rid: str, reason: str | None = None) -> dict[str, Any]:
        with self.lock, self.storage.tx():
            row = self._get(rid)
            if row["state"] != "running":
                raise RolloutError(409, f"rollout {rid} is {row['state']}, only a running rollout can be paused")
            self._set_state(rid, "paused", reason or "paused by operator")
        return self.status(rid)

    def resume(self, rid: str) -> dict[str, Any]:
        with self.lock, self.storage.tx():
            row = self._get(rid)
            if row["state"] != "paused":
                raise RolloutError(409, f"rollout {rid} is {row['state']}, only a paused rollout can be resumed")
            self._set_state(rid, "running", None)
            # The stage's clock restarts: time spent paused is not the devices' fault.
            self.storage.execute("UPDATE rollouts SET stage_started_at = ? WHERE id = ?", (self.clock(), rid))
            self._evaluate(rid)
        return self.status(rid)

    def abort(self, rid: str, reason: str | None = None) -> dict[str, Any]:
        with self.lock, self.storage.tx():
            row = self._get(rid)
            if row["state"] not in ACTIVE_ROLLOUT:
                raise RolloutError(409, f"rollout {rid} is already {row['state']}")
            self._abort(row, reason or "aborted by operator")
        return self.status(rid)

    def _abort(self, row: Row, reason: str) -> None:
        rid, now = row["id"], self.clock()
        for t in self.storage.query("SELECT device_id, state FROM rollout_targets WHERE rollout_id = ?"
                                    " AND state IN ('pending', 'sent')", (rid,)):
            if t["state"] == "sent":
                self._clear_desired(t["device_id"], rid)
            self.storage.execute("UPDATE rollout_targets SET state = 'cancelled', reason = ?, updated_at = ?"
                                 " WHERE rollout_id = ? AND device_id = ?", (reason, now, rid, t["device_id"]))
        self._set_state(rid, "aborted", reason)

    def _set_state(self, rid: str, state: str, reason: str | None) -> None:
        self.storage.execute("UPDATE rollouts SET state = ?, reason = ?, updated_at = ? WHERE id = ?",
                             (state, reason, self.clock(), rid))
        devices.add_event(self.storage, f"rollout_{state}", rollout_id=rid, reason=reason, ts=self.clock())

    # ---- device reports ------------------------------------------------------

    def on_status(self, store_id: str, device_id: str, status: DeviceStatus) -> None:
        """A device's status arrived (MQTT thread): record it, then move its rollouts on."""
        with self.lock:
            devices.record_status(self.storage, store_id, device_id, status, self.clock())
            rows = self.storage.query(
                "SELECT DISTINCT t.rollout_id FROM rollout_targets t JOIN rollouts r ON r.id = t.rollout_id"
                " WHERE t.device_id = ? AND r.state IN ('running', 'paused')", (device_id,))
            for row in rows:
                with self.storage.tx():
                    self._evaluate(row["rollout_id"])

    def _evaluate(self, rid: str) -> None:
        """Settle what devices reported, then start the next stage if this one is settled."""
        row = self._get(rid)
        if row["state"] not in ACTIVE_ROLLOUT:
            return
        version, now = row["model_version"], self.clock()
        abort_on = set(json.loads(row["abort_on_json"]))
        sent = self.storage.query(
            "SELECT t.device_id, d.active_model, d.ota_state, d.ota_version, d.ota_rollout, d.ota_reason"
            " FROM rollout_targets t JOIN devices d ON d.id = t.device_id"
            " WHERE t.rollout_id = ? AND t.state = 'sent'", (rid,))
        for t in sent:
            failed = (t["ota_state"] in FAILURE_STATES and t["ota_version"] == version
                      and t["ota_rollout"] in (None, rid))
            if failed:
                what = f"{t['ota_state']}: {t['ota_reason'] or 'no reason given'}"
                why = f"{t['device_id']} {what}"
                self._settle(rid, t["device_id"], "failed", what)
                if t["ota_state"] in abort_on:
                    self._abort(row, why)
                    return
                if row["state"] == "running":
                    self._set_state(rid, "paused", why)
                    row = self._get(rid)
            elif t["active_model"] == version and t["ota_state"] not in BUSY_OTA:
                self._settle(rid, t["device_id"], "done", None)
        if row["state"] != "running":
            return
        stage = row["current_wave"]
        while True:
            if stage >= 0:
                left = self.storage.one(
                    "SELECT COUNT(*) AS n FROM rollout_targets WHERE rollout_id = ? AND wave = ?"
                    " AND state IN ('pending', 'sent')", (rid, stage))
                if left and left["n"]:
                    return
            stage += 1
            targets = self.storage.query("SELECT device_id FROM rollout_targets WHERE rollout_id = ? AND wave = ?"
                                         " ORDER BY device_id", (rid, stage))
            total_stages = self.storage.one("SELECT MAX(wave) AS m FROM rollout_targets WHERE rollout_id = ?",
                                            (rid,))
            if stage > int((total_stages or {}).get("m") or 0):
                self._set_state(rid, "completed", None)
                return
            self.storage.execute("UPDATE rollouts SET current_wave = ?, stage_started_at = ?, updated_at = ?"
                                 " WHERE id = ?", (stage, now, now, rid))
            devices.add_event(self.storage, "stage_started", rollout_id=rid, model_version=version,
                              detail={"stage": stage, "devices": len(targets)}, ts=now)
            model = get_model(self.storage, version)
            assert model is not None  # rollouts reference models by foreign key
            for t in targets:
                self._send_desired(row, model, t["device_id"])
            # An empty stage (rounding) or devices already on the version settle at once: loop.
            if targets:
                self._evaluate_sent_only(rid, version)

    def _evaluate_sent_only(self, rid: str, version: str) -> None:
        """Mark devices of the new stage that already run the version as done (no status will come)."""
        rows = self.storage.query(
            "SELECT t.device_id FROM rollout_targets t JOIN devices d ON d.id = t.device_id"
            " WHERE t.rollout_id = ? AND t.state = 'sent' AND d.active_model = ?"
            " AND (d.ota_state IS NULL OR d.ota_state NOT IN ('downloading', 'verifying', 'smoke_testing',"
            " 'probation'))", (rid, version))
        for r in rows:
            self._settle(rid, r["device_id"], "done", None)

    def _settle(self, rid: str, device_id: str, state: str, reason: str | None) -> None:
        now = self.clock()
        self.storage.execute("UPDATE rollout_targets SET state = ?, reason = ?, updated_at = ?"
                             " WHERE rollout_id = ? AND device_id = ?", (state, reason, now, rid, device_id))
        devices.add_event(self.storage, f"target_{state}", device_id=device_id, rollout_id=rid, reason=reason, ts=now)

    def tick(self) -> None:
        """Fail devices that outlived their stage's timeout (called every second by the service).

        A timed-out device is one that never reported the version active --
        offline, stuck downloading, or silent -- and it fails like a rollback
        would: the rollout pauses, or aborts when ``timeout`` is in ``abort_on``."""
        with self.lock:
            now = self.clock()
            due = self.storage.query(
                "SELECT * FROM rollouts WHERE state = 'running' AND stage_timeout_s IS NOT NULL"
                " AND stage_started_at IS NOT NULL AND stage_started_at + stage_timeout_s <= ?", (now,))
            for row in due:
                with self.storage.tx():
                    self._evaluate(row["id"])  # a report may have settled the stage just now
                    row = self._get(row["id"])
                    if row["state"] != "running" or row["stage_started_at"] + row["stage_timeout_s"] > now:
                        continue  # settled, paused, or moved on to a stage with its own clock
                    late = self.storage.query(
                        "SELECT t.device_id, d.state, d.ota_state FROM rollout_targets t"
                        " JOIN devices d ON d.id = t.device_id"
                        " WHERE t.rollout_id = ? AND t.wave = ? AND t.state = 'sent' ORDER BY t.device_id",
                        (row["id"], row["current_wave"]))
                    if not late:
                        continue
                    for t in late:
                        self._settle(row["id"], t["device_id"], "failed",
                                     f"timeout: not active {row['stage_timeout_s']:g} s after its stage started"
                                     f" (device {t['state']}, ota {t['ota_state'] or 'unknown'})")
                    names = ", ".join(t["device_id"] for t in late)
                    why = f"{names} timeout: not active within {row['stage_timeout_s']:g} s"
                    if "timeout" in json.loads(row["abort_on_json"]):
                        self._abort(row, why)
                    else:
                        self._set_state(row["id"], "paused", why)

    # ---- desired state ---------------------------------------------------------

    def _topic(self, device_id: str) -> str:
        row = self.storage.one("SELECT store_id FROM devices WHERE id = ?", (device_id,))
        assert row is not None and row["store_id"]
        return TopicTree(row["store_id"], device_id, self.prefix).desired

    def _send_desired(self, rollout: Row, model: Row, device_id: str) -> None:
        now = self.clock()
        desired = DesiredState(
            device_id=device_id, model_version=model["version"],
            artifact_url=f"{self.base_url}/artifacts/{model['artifact']}", sha256=model["sha256"],
            size=model["size"], key_id=model["key_id"], rollout_id=rollout["id"],
            allow_downgrade=bool(rollout["allow_downgrade"]), ts=now)
        payload = dump(desired)
        self.storage.execute(
            "UPDATE devices SET desired_version = ?, desired_rollout = ?, desired_json = ?, updated_at = ?"
            " WHERE id = ?", (model["version"], rollout["id"], payload.decode(), now, device_id))
        self.storage.execute("UPDATE rollout_targets SET state = 'sent', updated_at = ? WHERE rollout_id = ?"
                             " AND device_id = ?", (now, rollout["id"], device_id))
        devices.add_event(self.storage, "desired", device_id=device_id, rollout_id=rollout["id"],
                          model_version=model["version"], ts=now)
        if self.publish is not None:
            self.publish(self._topic(device_id), payload)

    def _clear_desired(self, device_id: str, rid: str) -> None:
        self.storage.execute(
            "UPDATE devices SET desired_version = NULL, desired_rollout = NULL, desired_json = NULL,"
            " updated_at = ? WHERE id = ? AND desired_rollout = ?", (self.clock(), device_id, rid))
        if self.publish is not None:
            self.publish(self._topic(device_id), b"")

    def republish(self) -> int:
        """Every stored desired state again (after a (re)connect: a broker that lost its
        retained messages is repaired). Returns how many were published."""
        if self.publish is None:
            return 0
        with self.lock:
            rows = self.storage.query("SELECT id, store_id, desired_json FROM devices"
                                      " WHERE desired_json IS NOT NULL AND store_id IS NOT NULL")
            for r in rows:
                self.publish(TopicTree(r["store_id"], r["id"], self.prefix).desired, r["desired_json"].encode())
        return len(rows)

    # ---- reading ---------------------------------------------------------------

    def status(self, rid: str) -> dict[str, Any]:
        with self.lock:
            row = self._get(rid)
            targets = self.storage.query(
                "SELECT device_id, wave, state, reason, updated_at FROM rollout_targets WHERE rollout_id = ?"
                " ORDER BY wave, device_id", (rid,))
            events = self.storage.query("SELECT * FROM events WHERE rollout_id = ? ORDER BY id DESC LIMIT 50",
                                        (rid,))
        names = stage_names(row["canary"], json.loads(row["waves_json"]))
        stages = []
        for i, name in enumerate(names):
            counts = {s: 0 for s in ("pending", "sent", "done", "failed", "cancelled")}
            for t in targets:
                if t["wave"] == i:
                    counts[t["state"]] += 1
            stages.append({"stage": i, "name": name, "devices": sum(counts.values()), **counts})
        return {
            "id": row["id"], "kind": row["kind"], "model": row["model_version"], "state": row["state"],
            "reason": row["reason"], "current_stage": row["current_wave"],
            "allow_downgrade": bool(row["allow_downgrade"]), "abort_on": json.loads(row["abort_on_json"]),
            "stage_timeout_s": row["stage_timeout_s"], "stage_started_at": row["stage_started_at"],
            "target": json.loads(row["target_json"]), "created_at": row["created_at"],
            "created_by": row["created_by"], "updated_at": row["updated_at"], "stages": stages,
            "targets": [{"device": t["device_id"], "stage": t["wave"], "state": t["state"], "reason": t["reason"]}
                        for t in targets],
            "events": devices.events_json(events),
        }

    def list(self, limit: int = 50) -> list[dict[str, Any]]:
        """The newest ``limit`` rollouts, each with its full status."""
        with self.lock:
            rows = self.storage.query("SELECT id FROM rollouts ORDER BY seq DESC LIMIT ?", (limit,))
        return [self.status(r["id"]) for r in rows]
