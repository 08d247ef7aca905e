"""The console's pages and actions (mounted under ``/console`` by :func:`fleet.console.mount`).

Every route goes through :func:`guard`: no session -> 303 to the login page;
a POST without the session's CSRF token -> 403; an operator action by a
viewer -> 403. Actions call the same service objects the JSON API and the
``fleet`` CLI call (``fleet.rollouts.Rollouts`` through ``api.CreateRollout``
validation), never a second implementation.
"""

from __future__ import annotations

import asyncio
import json
import time
from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, quote, urlencode

from jinja2 import Environment, FileSystemLoader, select_autoescape
from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import HTMLResponse, RedirectResponse, Response, StreamingResponse
from starlette.routing import Mount, Route
from starlette.staticfiles import StaticFiles

from fleet import devices as fleet_devices
from fleet import registry
from fleet.api import CreateRollout, Rollback
from fleet.console.auth import LOGIN_COOKIE, SESSION_COOKIE, Session, check_password
from fleet.console.live import DeviceRow
from fleet.http import ApiError
from fleet.rollouts import RolloutError, RolloutRequest

HERE = Path(__file__).parent
PAGE_SIZE = 50
MAX_FORM = 16 * 1024
STREAM_TICK_S = 0.25
SORTS = ("store", "id", "state", "last_seen", "active", "signals", "latency", "backlog", "dead")

env = Environment(loader=FileSystemLoader(HERE / "templates"), autoescape=select_autoescape(["html"]))


def _ago(ts: float | None) -> str:
    if not ts:
        return "never"
    s = max(0.0, time.time() - float(ts))
    if s < 90:
        return f"{s:.0f} s ago"
    if s < 5400:
        return f"{s / 60:.0f} min ago"
    if s < 2 * 86400:
        return f"{s / 3600:.1f} h ago"
    return f"{s / 86400:.0f} d ago"


def _when(ts: float | None) -> str:
    return time.strftime("%Y-%m-%d %H:%M:%S", time.gmtime(float(ts))) + " UTC" if ts else "-"


def _fmt(value: Any, digits: int = 1, unit: str = "") -> str:
    if value is None:
        return "-"
    if isinstance(value, float):
        return f"{value:,.{digits}f}{unit}"
    return f"{value:,}{unit}"


def _pct(value: float | None, digits: int = 2) -> str:
    return "-" if value is None else f"{100 * value:.{digits}f}%"


def _spark(values: list[float | None], width: int = 400, height: int = 80) -> str:
    """A small inline SVG line chart (no script, no library)."""
    pts = [(i, v) for i, v in enumerate(values) if v is not None]
    if len(pts) < 2:
        return (f'<svg class="spark" viewBox="0 0 {width} {height}" preserveAspectRatio="none">'
                '<text x="4" y="28">not enough samples</text></svg>')
    lo, hi = min(v for _, v in pts), max(v for _, v in pts)
    span = (hi - lo) or 1.0
    n = max(len(values) - 1, 1)
    path = " ".join(f"{4 + (width - 8) * i / n:.1f},{height - 4 - (height - 8) * (v - lo) / span:.1f}"
                    for i, v in pts)
    return (f'<svg class="spark" viewBox="0 0 {width} {height}">'
            f'<polyline fill="none" stroke="#2563eb" stroke-width="2" points="{path}"/>'
            f'<text x="{width - 4}" y="12" text-anchor="end">max {hi:,.1f}</text>'
            f'<text x="{width - 4}" y="{height - 2}" text-anchor="end">min {lo:,.1f}</text></svg>')


env.filters.update(ago=_ago, when=_when, fmt=_fmt, pct=_pct)
env.globals.update(spark=_spark)


def render(name: str, request: Request, session: Session | None, status: int = 200, **ctx: Any) -> HTMLResponse:
    html = env.get_template(name).render(request=request, session=session, path=request.url.path, **ctx)
    return HTMLResponse(html, status_code=status)


# ---- guard -------------------------------------------------------------------------------


def console(request: Request) -> Any:
    return request.app.state.console


async def read_form(request: Request) -> dict[str, str]:
    """An urlencoded form (bounded); the last value of each field."""
    body = b""
    async for chunk in request.stream():
        body += chunk
        if len(body) > MAX_FORM:
            raise ApiError(413, f"form: larger than {MAX_FORM} bytes")
    try:
        fields = parse_qs(body.decode("utf-8"), keep_blank_values=True)
    except UnicodeDecodeError:
        raise ApiError(400, "form: not UTF-8") from None
    return {k: v[-1] for k, v in fields.items()}


Handler = Callable[[Request, Session, dict[str, str]], Awaitable[Response]]


def guard(*, operator: bool = False) -> Callable[[Handler], Callable[[Request], Awaitable[Response]]]:
    def wrap(fn: Handler) -> Callable[[Request], Awaitable[Response]]:
        async def endpoint(request: Request) -> Response:
            session = console(request).sessions.get(request.cookies.get(SESSION_COOKIE))
            if session is None:
                target = request.url.path + (f"?{request.url.query}" if request.url.query else "")
                return RedirectResponse("/console/login?" + urlencode({"next": target}), status_code=303)
            form: dict[str, str] = {}
            if request.method == "POST":
                form = await read_form(request)
                token = form.get("csrf") or request.headers.get("x-csrf-token")
                if not session.csrf_ok(token):
                    return render("error.html", request, session, 403,
                                  message="This form is missing its security token (CSRF). Reload the page and try again.")
            if operator and not session.operator:
                return render("error.html", request, session, 403,
                              message=f"{session.user} is a viewer: only an operator may do this.")
            return await fn(request, session, form)
        return endpoint
    return wrap


# ---- login -------------------------------------------------------------------------------


def _safe_next(value: str | None) -> str:
    # Only local console paths: never an open redirect to another site.
    if value and value.startswith("/console") and "//" not in value and "\\" not in value:
        return value
    return "/console/"


async def login_page(request: Request) -> Response:
    import secrets

    token = secrets.token_urlsafe(24)
    resp = render("login.html", request, None, next=_safe_next(request.query_params.get("next")), csrf=token,
                  error=None)
    resp.set_cookie(LOGIN_COOKIE, token, httponly=True, samesite="strict", secure=console(request).secure,
                    path="/console/login", max_age=3600)
    return resp


async def login_submit(request: Request) -> Response:
    form = await read_form(request)
    cookie = request.cookies.get(LOGIN_COOKIE)
    if not cookie or form.get("csrf") != cookie:
        return render("error.html", request, None, 403,
                      message="The login form's security token is missing or stale. Reload the page and try again.")
    c = console(request)
    name, password = form.get("name", "")[:64], form.get("password", "")[:1024]
    wait = c.throttle.wait_s(name)
    if wait > 0:
        return render("login.html", request, None, 429, next=_safe_next(form.get("next")), csrf=cookie,
                      error=f"Too many failed logins for this name: try again in {wait:.0f} s.")
    role = await run_in_threadpool(check_password, c.storage, name, password)
    c.throttle.record(name, ok=role is not None)
    if role is None:
        await asyncio.sleep(0.2)  # slows password guessing a little more (argon2 already costs ~50 ms)
        resp = render("login.html", request, None, 401, next=_safe_next(form.get("next")), csrf=cookie,
                      error="Wrong name or password.")
        return resp
    token, _ = c.sessions.create(name, role)
    resp = RedirectResponse(_safe_next(form.get("next")), status_code=303)
    resp.set_cookie(SESSION_COOKIE, token, httponly=True, samesite="strict", secure=c.secure, path="/",
                    max_age=12 * 3600)
    resp.delete_cookie(LOGIN_COOKIE, path="/console/login")
    return resp


@guard()
async def logout(request: Request, session: Session, form: dict[str, str]) -> Response:
    console(request).sessions.drop(request.cookies.get(SESSION_COOKIE))
    resp = RedirectResponse("/console/login", status_code=303)
    resp.delete_cookie(SESSION_COOKIE, path="/")
    return resp


# ---- overview ----------------------------------------------------------------------------


def _sort_key(sort: str) -> Callable[[DeviceRow], Any]:
    def num(v: float | int | None) -> float:
        return -1.0 if v is None else float(v)

    return {
        "store": lambda r: (r.store or "~", r.id),
        "id": lambda r: r.id,
        "state": lambda r: (r.state, r.store or "", r.id),
        "last_seen": lambda r: num(r.last_seen),
        "active": lambda r: (r.active or "", r.id),
        "signals": lambda r: num(r.signals_s),
        "latency": lambda r: num(r.latency_p99 if r.latency_p99 is not None else r.latency_mean),
        "backlog": lambda r: num(r.backlog),
        "dead": lambda r: r.dead_hour,
    }[sort]


def overview_data(c: Any, params: dict[str, str]) -> dict[str, Any]:
    """Filter, sort and page the fleet server-side: only one page of rows goes to the browser."""
    desired = {r["id"]: r["desired_version"] for r in
               c.storage.query("SELECT id, desired_version FROM devices WHERE desired_version IS NOT NULL")}
    rows = c.live.rows()
    stores = sorted({r.store for r in rows if r.store})
    versions = sorted({r.active for r in rows if r.active})
    counts = {s: sum(1 for r in rows if r.state == s) for s in ("online", "offline", "unknown")}
    store, state, model = params.get("store", ""), params.get("state", ""), params.get("model", "")
    q = params.get("q", "").strip().lower()
    if store:
        rows = [r for r in rows if r.store == store]
    if state:
        rows = [r for r in rows if r.state == state]
    if model:
        rows = [r for r in rows if r.active == model]
    if q:
        rows = [r for r in rows if q in r.id.lower() or q in (r.store or "").lower() or q in (r.active or "").lower()]
    sort = params.get("sort", "store")
    sort = sort if sort in SORTS else "store"
    desc = params.get("dir") == "desc"
    rows.sort(key=_sort_key(sort), reverse=desc)
    total = len(rows)
    pages = max(1, -(-total // PAGE_SIZE))
    page = min(max(1, int(params["page"])) if params.get("page", "").isdigit() else 1, pages)
    shown = rows[(page - 1) * PAGE_SIZE: page * PAGE_SIZE]
    keep = {k: v for k, v in params.items() if k in ("store", "state", "model", "q", "sort", "dir") and v}
    return {"rows": shown, "desired": desired, "stores": stores, "versions": versions, "counts": counts,
            "total": total, "page": page, "pages": pages, "sort": sort, "desc": desc, "filters": keep,
            "version": c.live.version, "all": sum(counts.values())}


def _link(filters: dict[str, str], **changes: Any) -> str:
    merged = {**filters, **{k: str(v) for k, v in changes.items() if v is not None}}
    return "/console/?" + urlencode({k: v for k, v in merged.items() if v})


env.globals.update(link=_link)


@guard()
async def overview(request: Request, session: Session, form: dict[str, str]) -> Response:
    c = console(request)
    data = await run_in_threadpool(overview_data, c, dict(request.query_params))
    if request.headers.get("hx-request"):  # a filter change: only the grid
        return render("overview_grid.html", request, session, **data)
    return render("overview.html", request, session, title="Fleet overview", **data)


@guard()
async def stream(request: Request, session: Session, form: dict[str, str]) -> Response:
    """Server-sent events: the rows of the open page that changed, as HTML, every ~0.25 s."""
    c = console(request)
    ids = [i for i in request.query_params.get("ids", "").split(",") if i][:PAGE_SIZE]
    since = int(request.query_params.get("since", "0") or 0)
    row_tpl = env.get_template("row.html")

    async def events() -> Any:
        nonlocal since
        seen_version, last_counts = -1, None
        yield "retry: 2000\n\n"
        last_beat = time.monotonic()
        while True:
            if await request.is_disconnected():
                return
            if c.live.version != seen_version:
                seen_version = c.live.version
                counts = c.live.counts()
                if counts != last_counts:
                    last_counts = counts
                    yield f"event: counts\ndata: {json.dumps(counts)}\n\n"
            changed = c.live.changed(ids, since)
            if changed:
                since = max(r.seq for r in changed)
                desired = {r["id"]: r["desired_version"] for r in c.storage.query(
                    f"SELECT id, desired_version FROM devices WHERE id IN ({','.join('?' * len(changed))})",
                    [r.id for r in changed])}
                for r in changed:
                    html = row_tpl.render(r=r, desired=desired).replace("\n", " ")
                    yield f"event: row\ndata: {json.dumps({'id': r.id, 'html': html, 'seq': r.seq})}\n\n"
                last_beat = time.monotonic()
            elif time.monotonic() - last_beat > 15:
                yield ": keep-alive\n\n"
                last_beat = time.monotonic()
            await asyncio.sleep(STREAM_TICK_S)

    return StreamingResponse(events(), media_type="text/event-stream",
                             headers={"Cache-Control": "no-store", "X-Accel-Buffering": "no"})


# ---- device ------------------------------------------------------------------------------


def _diff(desired: dict[str, Any] | None, row: Any) -> list[dict[str, Any]]:
    """Desired vs reported, field by field; ``differs`` marks what the device has not reached."""
    want = desired or {}
    pairs = [("model version", want.get("model_version"), row["active_model"]),
             ("rollout", want.get("rollout_id"), row["ota_rollout"]),
             ("sha256", (want.get("sha256") or "")[:16] or None, None),
             ("OTA state", "active" if want else None, row["ota_state"])]
    out = []
    for name, d, r in pairs:
        differs = d is not None and r is not None and d != r or (d is not None and r is None and name != "sha256")
        out.append({"field": name, "desired": d, "reported": r, "differs": differs})
    return out


def device_data(c: Any, device_id: str) -> dict[str, Any] | None:
    row = c.storage.one("SELECT * FROM devices WHERE id = ?", (device_id,))
    if row is None:
        return None
    desired = json.loads(row["desired_json"]) if row["desired_json"] else None
    events = fleet_devices.device_events(c.storage, device_id, limit=200)
    history = [e for e in events if e["kind"] in ("model_changed", "ota_rolled_back", "ota_refused", "ota_active",
                                                  "ota_probation", "desired", "target_failed", "target_done")]
    live = c.live.get(device_id)
    detail = json.loads(row["detail_json"]) if row["detail_json"] else {}
    dead = detail.get("rejected") if isinstance(detail.get("rejected"), dict) else {}
    samples = list(live.history) if live else []
    return {"row": row, "desired": desired, "diff": _diff(desired, row), "events": events[:40],
            "history": history, "live": live, "detail": detail, "dead": sorted(dead.items(), key=lambda kv: -kv[1]),
            "charts": {
                "signals/s": [s.signals_s for s in samples],
                "latency ms (p99, or mean of stages)": [s.latency_ms for s in samples],
                "outbox backlog": [None if s.backlog is None else float(s.backlog) for s in samples],
                "dead letters (total)": [float(s.dead_total) for s in samples],
            },
            "config": json.dumps({k: v for k, v in detail.items() if k not in ("received", "rejected")},
                                 indent=2, sort_keys=True, default=str)[:20_000],
            "models": [m["version"] for m in registry.list_models(c.storage)]}


@guard()
async def device_page(request: Request, session: Session, form: dict[str, str]) -> Response:
    c = console(request)
    device_id = request.path_params["device"]
    data = await run_in_threadpool(device_data, c, device_id)
    if data is None:
        return render("error.html", request, session, 404, message=f"No device {device_id!r}.")
    return render("device.html", request, session, title=f"Device {device_id}", **data)


# ---- models ------------------------------------------------------------------------------


def models_data(c: Any) -> dict[str, Any]:
    running: dict[str, int] = {}
    where: dict[str, dict[str, int]] = {}
    for r in c.live.rows():
        if r.active and r.state == "online":
            running[r.active] = running.get(r.active, 0) + 1
            stores = where.setdefault(r.active, {})
            stores[r.store or "?"] = stores.get(r.store or "?", 0) + 1
    models = []
    for m in registry.list_models(c.storage):
        metrics = (m.get("metrics") or {}).get("metrics") or {}
        top = sorted(where.get(m["version"], {}).items(), key=lambda kv: (-kv[1], kv[0]))
        models.append({**m, "running": running.get(m["version"], 0), "offline": metrics, "stores": top[:6],
                       "more_stores": max(0, len(top) - 6)})
    return {"models": models}


@guard()
async def models_page(request: Request, session: Session, form: dict[str, str]) -> Response:
    data = await run_in_threadpool(models_data, console(request))
    return render("models.html", request, session, title="Models", **data)


# ---- rollouts ----------------------------------------------------------------------------


def _int_list(text: str) -> list[int] | str:
    try:
        return [int(x) for x in text.replace(" ", "").split(",") if x]
    except ValueError:
        return text


@guard()
async def rollouts_page(request: Request, session: Session, form: dict[str, str]) -> Response:
    c = console(request)

    def read() -> dict[str, Any]:
        return {"rollouts": c.fleet.rollouts.list(30), "models": [m["version"] for m in registry.list_models(c.storage)],
                "stores": sorted({r.store for r in c.live.rows() if r.store})}

    data = await run_in_threadpool(read)
    return render("rollouts.html", request, session, title="Rollouts", error=request.query_params.get("error"), **data)


def _refusal(exc: Exception) -> str:
    return exc.message if isinstance(exc, ApiError) else str(exc)


@guard(operator=True)
async def create_rollout(request: Request, session: Session, form: dict[str, str]) -> Response:
    c = console(request)
    target = form.get("target", "all")
    body: dict[str, Any] = {"model": form.get("model", ""), "canary": int(form["canary"]) if form.get("canary", "").isdigit() else 0,
                            "waves": _int_list(form.get("waves", "100") or "100"),
                            "abort_on": [x for x in ("rolled_back", "refused", "timeout") if form.get(f"abort_{x}")]}
    if target == "devices":
        body["devices"] = [d.strip() for d in form.get("devices", "").split(",") if d.strip()]
    elif target == "store":
        body["store"] = form.get("store", "")
    else:
        body["all"] = True
    if form.get("stage_timeout_s", "").strip():
        try:
            body["stage_timeout_s"] = float(form["stage_timeout_s"])
        except ValueError:
            body["stage_timeout_s"] = form["stage_timeout_s"]
    try:
        from fleet.api import _parse  # the JSON API's own validation, so both refuse the same input

        spec: CreateRollout = _parse(CreateRollout, body)
        req = RolloutRequest(model=spec.model, devices=spec.devices, store=spec.store, all=spec.all,
                             canary=spec.canary, waves=spec.waves, abort_on=spec.abort_on,
                             stage_timeout_s=spec.stage_timeout_s, created_by=f"console:{session.user}")
        result = await run_in_threadpool(c.fleet.rollouts.create, req)
    except (ApiError, RolloutError) as exc:
        return RedirectResponse("/console/rollouts?" + urlencode({"error": _refusal(exc)}), status_code=303)
    return RedirectResponse(f"/console/rollouts/{quote(result['id'])}", status_code=303)


@guard()
async def rollout_page(request: Request, session: Session, form: dict[str, str]) -> Response:
    c = console(request)
    try:
        status = await run_in_threadpool(c.fleet.rollouts.status, request.path_params["rid"])
    except RolloutError as exc:
        return render("error.html", request, session, exc.status, message=str(exc))
    tpl = "rollout_progress.html" if request.headers.get("hx-request") else "rollout.html"
    return render(tpl, request, session, title=f"Rollout {status['id']}", r=status,
                  error=request.query_params.get("error"))


@guard(operator=True)
async def rollout_action(request: Request, session: Session, form: dict[str, str]) -> Response:
    c = console(request)
    rid, action = request.path_params["rid"], request.path_params["action"]
    reason = (form.get("reason") or "").strip()[:500] or None
    by = f"{action} by console:{session.user}" + (f" ({reason})" if reason else "")
    fn = {"pause": lambda: c.fleet.rollouts.pause(rid, by), "resume": lambda: c.fleet.rollouts.resume(rid),
          "abort": lambda: c.fleet.rollouts.abort(rid, by)}.get(action)
    if fn is None:
        return render("error.html", request, session, 404, message=f"No action {action!r}.")
    try:
        await run_in_threadpool(fn)
    except RolloutError as exc:
        return RedirectResponse(f"/console/rollouts/{quote(rid)}?" + urlencode({"error": str(exc)}), status_code=303)
    return RedirectResponse(f"/console/rollouts/{quote(rid)}", status_code=303)


@guard(operator=True)
async def rollback(request: Request, session: Session, form: dict[str, str]) -> Response:
    c = console(request)
    body = {k: form[k].strip() for k in ("to", "device", "store", "reason") if form.get(k, "").strip()}
    back = form.get("back") if form.get("back", "").startswith("/console/") else "/console/rollouts"
    try:
        from fleet.api import _parse

        spec: Rollback = _parse(Rollback, body)
        result = await run_in_threadpool(lambda: c.fleet.rollouts.rollback(
            to=spec.to, device=spec.device, store=spec.store,
            reason=spec.reason or f"rollback by console:{session.user}", created_by=f"console:{session.user}"))
    except (ApiError, RolloutError) as exc:
        return RedirectResponse(back + "?" + urlencode({"error": _refusal(exc)}), status_code=303)
    return RedirectResponse(f"/console/rollouts/{quote(result['id'])}", status_code=303)


# ---- results -----------------------------------------------------------------------------


def _since(params: Any) -> float | None:
    hours = params.get("hours", "")
    return time.time() - float(hours) * 3600 if hours.isdigit() and int(hours) > 0 else None


@guard()
async def results_page(request: Request, session: Session, form: dict[str, str]) -> Response:
    c = console(request)

    fresh = request.query_params.get("fresh") == "1"

    def read() -> dict[str, Any]:
        online, at = c.results.cached("online", c.results.online, fresh)
        by_version = {r["model_version"]: r for r in online}
        a, b = request.query_params.get("a"), request.query_params.get("b")
        if not (a in by_version and b in by_version) and len(online) >= 2:
            a, b = online[-2]["model_version"], online[-1]["model_version"]
        compare = c.results.compare(by_version[a], by_version[b]) if a in by_version and b in by_version else None
        hours = request.query_params.get("hours", "")
        (plays, total), at2 = c.results.cached(("plays", hours),
                                               lambda: c.results.proof_of_play(_since(request.query_params)), fresh)
        return {"computed_at": min(at, at2), "ttl": int(c.results.ttl_s), "online": online, "a": a, "b": b, "compare": compare, "plays": plays, "plays_total": total,
                "warehouse": c.results.url, "hours": request.query_params.get("hours", "")}

    try:
        data = await run_in_threadpool(read)
    except Exception as exc:  # a warehouse that is down must not take the page (or the service) with it
        return render("error.html", request, session, 503, message=f"Feedback warehouse unavailable: {exc}")
    return render("results.html", request, session, title="Results", **data)


@guard()
async def proof_of_play_csv(request: Request, session: Session, form: dict[str, str]) -> Response:
    c = console(request)
    return StreamingResponse(c.results.proof_of_play_csv(_since(request.query_params)), media_type="text/csv",
                             headers={"Content-Disposition": 'attachment; filename="proof-of-play.csv"'})


async def root(request: Request) -> Response:
    return RedirectResponse("/console/", status_code=303)


routes = [
    Route("/", root),
    Route("/console", root),
    Route("/console/login", login_page, methods=["GET"]),
    Route("/console/login", login_submit, methods=["POST"]),
    Route("/console/logout", logout, methods=["POST"]),
    Route("/console/", overview),
    Route("/console/stream", stream),
    Route("/console/devices/{device}", device_page),
    Route("/console/models", models_page),
    Route("/console/rollouts", rollouts_page, methods=["GET"]),
    Route("/console/rollouts", create_rollout, methods=["POST"]),
    Route("/console/rollouts/{rid}", rollout_page, methods=["GET"]),
    Route("/console/rollouts/{rid}/{action}", rollout_action, methods=["POST"]),
    Route("/console/rollback", rollback, methods=["POST"]),
    Route("/console/results", results_page),
    Route("/console/results/proof-of-play.csv", proof_of_play_csv),
    Mount("/console/static", app=StaticFiles(directory=HERE / "static"), name="console-static"),
]
