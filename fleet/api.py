"""The operator JSON API: models, devices, rollouts, rollbacks.

Every route checks the operator (``Auth.operator``) first; the CLI and the web
console call the same routes, so both go through :class:`fleet.rollouts.Rollouts`.
Errors are ``{"error": "field: why"}`` with a 4xx status.
"""

from __future__ import annotations

from typing import Any

from pydantic import BaseModel, ConfigDict, Field, ValidationError
from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import JSONResponse
from starlette.routing import Route

from fleet import devices, registry
from fleet.http import ApiError, json_body
from fleet.rollouts import RolloutError, RolloutRequest


class CreateRollout(BaseModel):
    model_config = ConfigDict(extra="forbid")

    model: str = Field(min_length=1, max_length=128)
    devices: list[str] | None = Field(default=None, max_length=10_000)
    store: str | None = Field(default=None, min_length=1, max_length=128)
    all: bool = False
    canary: int = Field(default=0, ge=0)
    waves: list[int] = Field(default_factory=lambda: [100], min_length=1, max_length=20)
    abort_on: list[str] = Field(default_factory=list)
    stage_timeout_s: float | None = Field(default=None, gt=0, allow_inf_nan=False)


class Rollback(BaseModel):
    model_config = ConfigDict(extra="forbid")

    to: str = Field(min_length=1, max_length=128)
    device: str | None = Field(default=None, min_length=1, max_length=128)
    store: str | None = Field(default=None, min_length=1, max_length=128)
    reason: str | None = Field(default=None, max_length=500)


class Reason(BaseModel):
    model_config = ConfigDict(extra="forbid")

    reason: str | None = Field(default=None, max_length=500)


def _parse(model: type[BaseModel], data: dict[str, Any]) -> Any:
    try:
        return model.model_validate(data)
    except ValidationError as exc:
        first = exc.errors()[0]
        where = ".".join(str(p) for p in first["loc"]) or "body"
        more = f" (+{exc.error_count() - 1} more)" if exc.error_count() > 1 else ""
        raise ApiError(400, f"{where}: {first['msg']}{more}") from None


async def _call(fn: Any, *args: Any, **kwargs: Any) -> Any:
    """Run service logic off the event loop, mapping its refusals to HTTP errors."""
    try:
        return await run_in_threadpool(fn, *args, **kwargs)
    except RolloutError as exc:
        raise ApiError(exc.status, str(exc)) from None


async def health(request: Request) -> JSONResponse:
    fleet = request.app.state.fleet
    fleet.auth.operator(request)
    return JSONResponse(await run_in_threadpool(fleet.health))


async def list_models(request: Request) -> JSONResponse:
    fleet = request.app.state.fleet
    fleet.auth.operator(request)
    return JSONResponse({"models": await run_in_threadpool(registry.list_models, fleet.storage)})


async def get_model(request: Request) -> JSONResponse:
    fleet = request.app.state.fleet
    fleet.auth.operator(request)
    version = request.path_params["version"]
    row = await run_in_threadpool(registry.get_model, fleet.storage, version)
    if row is None:
        raise ApiError(404, f"model {version!r} not found")
    return JSONResponse(registry.model_json(row))


async def list_devices(request: Request) -> JSONResponse:
    fleet = request.app.state.fleet
    fleet.auth.operator(request)
    store = request.query_params.get("store")
    return JSONResponse({"devices": await run_in_threadpool(devices.list_devices, fleet.storage, store)})


async def get_device(request: Request) -> JSONResponse:
    fleet = request.app.state.fleet
    fleet.auth.operator(request)
    device_id = request.path_params["device"]

    def read() -> dict[str, Any] | None:
        row = fleet.storage.one("SELECT * FROM devices WHERE id = ?", (device_id,))
        if row is None:
            return None
        return {**devices.device_json(row), "events": devices.device_events(fleet.storage, device_id)}

    found = await run_in_threadpool(read)
    if found is None:
        raise ApiError(404, f"device {device_id!r} not found")
    return JSONResponse(found)


async def list_rollouts(request: Request) -> JSONResponse:
    fleet = request.app.state.fleet
    fleet.auth.operator(request)
    raw = request.query_params.get("limit", "50")
    if not raw.isdigit() or not 1 <= int(raw) <= 1000:
        raise ApiError(400, f"limit: expected 1..1000 (got {raw[:20]!r})")
    return JSONResponse({"rollouts": await _call(fleet.rollouts.list, int(raw))})


async def create_rollout(request: Request) -> JSONResponse:
    fleet = request.app.state.fleet
    who = fleet.auth.operator(request)
    body: CreateRollout = _parse(CreateRollout, await json_body(request))
    req = RolloutRequest(model=body.model, devices=body.devices, store=body.store, all=body.all,
                         canary=body.canary, waves=body.waves, abort_on=body.abort_on,
                         stage_timeout_s=body.stage_timeout_s, created_by=who)
    return JSONResponse(await _call(fleet.rollouts.create, req), status_code=201)


async def get_rollout(request: Request) -> JSONResponse:
    fleet = request.app.state.fleet
    fleet.auth.operator(request)
    return JSONResponse(await _call(fleet.rollouts.status, request.path_params["rid"]))


async def rollout_action(request: Request) -> JSONResponse:
    fleet = request.app.state.fleet
    fleet.auth.operator(request)
    rid, action = request.path_params["rid"], request.path_params["action"]
    body: Reason = _parse(Reason, await json_body(request))
    if action == "pause":
        return JSONResponse(await _call(fleet.rollouts.pause, rid, body.reason))
    if action == "resume":
        return JSONResponse(await _call(fleet.rollouts.resume, rid))
    if action == "abort":
        return JSONResponse(await _call(fleet.rollouts.abort, rid, body.reason))
    raise ApiError(404, f"action {action!r}: expected pause, resume or abort")


async def rollback(request: Request) -> JSONResponse:
    fleet = request.app.state.fleet
    who = fleet.auth.operator(request)
    body: Rollback = _parse(Rollback, await json_body(request))
    result = await _call(fleet.rollouts.rollback, to=body.to, device=body.device, store=body.store,
                         reason=body.reason, created_by=who)
    return JSONResponse(result, status_code=201)


routes = [
    Route("/api/health", health),
    Route("/api/models", list_models),
    Route("/api/models/{version}", get_model),
    Route("/api/devices", list_devices),
    Route("/api/devices/{device}", get_device),
    Route("/api/rollouts", list_rollouts, methods=["GET"]),
    Route("/api/rollouts", create_rollout, methods=["POST"]),
    Route("/api/rollouts/{rid}", get_rollout),
    Route("/api/rollouts/{rid}/{action}", rollout_action, methods=["POST"]),
    Route("/api/rollback", rollback, methods=["POST"]),
]
