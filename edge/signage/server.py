"""edge-signage: the page server screens and shelf strips point a kiosk browser at.

Its own process on the edge box, so browsers never compete with the device's
hot path for the interpreter. Data flow::

    store broker --retained recommendations--> Hub (paho network thread)
        -> validated (contract model), turned into a view once (edge.signage.view)
        -> event loop: pushed to every page of that display over a WebSocket
    page --"rendered" / "tap" over the same socket--> Hub -> MQTT
        rendered -> {p}/{store}/display/{d}/rendered   (proof of play: the impression's shown_at)
        tap      -> {p}/{store}/display/{d}/interaction (a touch, attributed by the device)
    shelf displays: each new recommendation -> {p}/{store}/display/{d}/shelf (ShelfLabels, retained)

Why Starlette + uvicorn: the cloud fleet service uses the same stack, it is a
few small pure-Python packages (plus ``websockets``), and one asyncio loop
serves pages, WebSockets and ``/metrics`` without a thread per screen. Why a
WebSocket rather than SSE: the page also talks back (render confirmations,
taps), and browsers allow only six HTTP/1.1 connections per host, which eight
display pages in one browser (a video wall, the benchmark) would exceed with
one EventSource each.

The page keeps its last list whenever anything between it and the device is
gone (this process, the broker, the device) and shows a small offline
marker; it reconnects by itself. Bad MQTT payloads and bad page messages are
counted and logged with the topic/display and reason; nothing stops the loop.
"""

from __future__ import annotations

import asyncio
import contextlib
import html
import json
import logging
import os
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import paho.mqtt.client as mqtt
from prometheus_client import CollectorRegistry, Counter, Gauge, Histogram, generate_latest
from prometheus_client.exposition import CONTENT_TYPE_LATEST
from pydantic import ValidationError
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import HTMLResponse, JSONResponse, PlainTextResponse, Response
from starlette.routing import Mount, Route, WebSocketRoute
from starlette.staticfiles import StaticFiles
from starlette.websockets import WebSocket, WebSocketDisconnect

from edge.comms.mqtt import client_for
from edge.comms.mqtt import start as start_mqtt
from edge.comms.topics import (
    DeviceStatus,
    DisplayInteraction,
    Recommendation,
    RenderConfirmation,
    TopicTree,
    dump,
)
from edge.observability.http import Watchdog, sd_notify
from edge.signage.view import make_view, shelf_labels
from firmware_config.schema import DeviceConfig, DisplayConfig
from firmware_config.signage import SignageConfig

log = logging.getLogger(__name__)

STATIC = Path(__file__).resolve().parent / "static"
LAYOUTS = ("landscape", "portrait", "strip")
PAGE_QUEUE = 256
"""Messages buffered per page; a page that falls further behind skips to the newest list
(counted in signage_lists_skipped_total): a screen must show what is true now."""


class Metrics:
    """The page server's Prometheus metrics (its own registry: nothing global)."""

    def __init__(self) -> None:
        self.registry = CollectorRegistry()
        r = self.registry
        self.recommendations = Counter("signage_recommendations_total",
                                       "Recommendations received per display", ["display"], registry=r)
        self.rejected = Counter("signage_rejected_messages_total",
                                "MQTT or page messages refused, by source", ["source"], registry=r)
        self.pages = Gauge("signage_pages_connected", "Display pages connected now", registry=r)
        self.skipped = Counter("signage_lists_skipped_total",
                               "Lists a page never got because it fell too far behind", registry=r)
        self.confirmations = Counter("signage_render_confirmations_total",
                                     "Render confirmations published (proof of play)", registry=r)
        self.taps = Counter("signage_taps_total", "Touches published as interactions", registry=r)
        self.mqtt_connected = Gauge("signage_mqtt_connected", "1 while connected to the broker", registry=r)
        self.reconnects = Counter("signage_mqtt_connects_total", "Successful broker connections", registry=r)
        self.render_delay = Histogram(
            "signage_render_delay_seconds", "Recommendation generated -> page drew it (device and browser clocks)",
            buckets=(0.002, 0.005, 0.01, 0.02, 0.05, 0.1, 0.25, 0.5, 1.0, 5.0), registry=r)


class Hub:
    """Latest list per display, the pages showing it, and the MQTT side."""

    def __init__(self, config: DeviceConfig, signage: SignageConfig) -> None:
        self.config = config
        self.signage = signage
        self.tree = TopicTree(config.store_id, config.device_id, config.broker.topic_prefix)
        served = config.signage_displays() or [d.id for d in config.displays]
        self.displays: dict[str, DisplayConfig] = {d.id: d for d in config.displays if d.id in served}
        self.views: dict[str, str] = {}
        """Display id -> the last view, as the JSON message pages get."""
        self.current: dict[str, str] = {}
        """Display id -> recommendation id shown now (a retained repeat is not re-sent)."""
        self.pages: dict[str, set[asyncio.Queue[str]]] = {d: set() for d in self.displays}
        self.device_state = "unknown"
        self.mqtt_up = False
        self.metrics = Metrics()
        self.loop: asyncio.AbstractEventLoop | None = None
        self._taps = 0
        self.loop_tick = time.monotonic()
        self._client = self._make_client()

    # ---- MQTT (paho network thread) ----------------------------------------------

    def _make_client(self) -> mqtt.Client:
        client_id = self.signage.client_id or f"signage-{self.config.device_id}"
        # Screens must resume within seconds of the broker coming back (reconnect
        # 0.25-2 s); no in-flight limit and an unbounded queue: taps and
        # confirmations made while offline are sent later.
        client = client_for(self.config.broker, client_id, reconnect_s=(0.25, 2.0), inflight=0, queued=0,
                            on_connect=self._on_connect)
        client.on_disconnect = self._on_disconnect
        client.on_message = self._on_message
        return client

    def start(self, loop: asyncio.AbstractEventLoop) -> None:
        self.loop = loop
        b = self.config.broker
        start_mqtt(self._client, b.host, b.port, keepalive=min(b.keepalive_s, 10))

    def stop(self) -> None:
        self._client.disconnect()
        self._client.loop_stop()

    def _on_connect(self, client, userdata, flags, reason_code, properties) -> None:
        if reason_code.is_failure:
            log.warning("broker refused connection: %s", reason_code)
            return
        subs = [(self.tree.recommendations(d), 1) for d in self.displays] + [(self.tree.status, 1)]
        client.subscribe(subs)
        self.metrics.reconnects.inc()
        self._set_mqtt(True)
        log.info("connected to %s:%s", self.config.broker.host, self.config.broker.port)

    def _on_disconnect(self, client, userdata, flags, reason_code, properties) -> None:
        if self.mqtt_up:
            log.warning("broker connection lost (%s); pages keep their last list", reason_code)
        self._set_mqtt(False)

    def _set_mqtt(self, up: bool) -> None:
        self.mqtt_up = up
        self.metrics.mqtt_connected.set(1 if up else 0)
        self._call(self._broadcast_status)

    def _on_message(self, client, userdata, msg: mqtt.MQTTMessage) -> None:
        try:
            self.on_mqtt(msg.topic, msg.payload)
        except Exception:  # the network thread must survive anything
            self.metrics.rejected.labels("internal").inc()
            log.exception("handling %s failed", msg.topic)

    def on_mqtt(self, topic: str, payload: bytes) -> None:
        received_at = time.time()
        if topic == self.tree.status:
            try:
                self.device_state = DeviceStatus.model_validate_json(payload).state
            except ValidationError as exc:
                self._bad("mqtt", topic, exc)
                return
            self._call(self._broadcast_status)
            return
        display_id = topic.rsplit("/", 2)[-2]
        display = self.displays.get(display_id)
        if display is None or not payload:
            return
        try:
            rec = Recommendation.model_validate_json(payload)
        except ValidationError as exc:
            self._bad("mqtt", topic, exc)  # the page keeps the last good list
            return
        if self.current.get(display_id) == rec.recommendation_id:
            return  # the broker's retained copy after a reconnect: already shown
        self.current[display_id] = rec.recommendation_id
        self.metrics.recommendations.labels(display_id).inc()
        view = make_view(rec, display.kind, display.slots)
        view["received_at"] = received_at  # for benchmarks: splits signal->server and server->pixels
        text = json.dumps({"type": "reco", "view": view}, separators=(",", ":"))
        self._call(self._broadcast, display_id, text)
        if display.kind == "shelf":
            self._client.publish(self.tree.shelf(display_id), dump(shelf_labels(rec)), qos=1, retain=True)

    def _bad(self, source: str, where: str, exc: ValidationError) -> None:
        self.metrics.rejected.labels(source).inc()
        first = exc.errors()[0]
        field = ".".join(str(p) for p in first["loc"]) or "payload"
        log.warning("rejected %s: %s: %s", where, field, first["msg"])

    def _call(self, fn: Callable[..., None], *args: Any) -> None:
        if self.loop is not None and not self.loop.is_closed():
            self.loop.call_soon_threadsafe(fn, *args)

    # ---- pages (event loop) -------------------------------------------------------

    def status_message(self) -> str:
        return json.dumps({"type": "status", "online": self.mqtt_up and self.device_state != "offline",
                           "broker": self.mqtt_up, "device": self.device_state})

    def _broadcast(self, display_id: str, text: str) -> None:
        self.views[display_id] = text
        for q in self.pages.get(display_id, ()):
            self.metrics.skipped.inc(_offer(q, text))

    def _broadcast_status(self) -> None:
        text = self.status_message()
        for queues in self.pages.values():
            for q in queues:
                self.metrics.skipped.inc(_offer(q, text))

    def attach(self, display_id: str) -> asyncio.Queue[str]:
        q: asyncio.Queue[str] = asyncio.Queue(PAGE_QUEUE)
        q.put_nowait(self.status_message())
        if display_id in self.views:
            q.put_nowait(self.views[display_id])
        self.pages[display_id].add(q)
        self.metrics.pages.inc()
        return q

    def detach(self, display_id: str, q: asyncio.Queue[str]) -> None:
        self.pages[display_id].discard(q)
        self.metrics.pages.dec()

    def from_page(self, display_id: str, data: dict[str, Any]) -> str | None:
        """A message from a page: a render confirmation or a tap. Returns an error or None."""
        kind = data.pop("type", None)
        try:
            if kind == "rendered":
                data.pop("dom_at", None)
                conf = RenderConfirmation.model_validate(data)
                self._client.publish(self.tree.rendered(display_id), dump(conf), qos=1)
                self.metrics.confirmations.inc()
                return None
            if kind == "tap":
                self._taps += 1
                ev = DisplayInteraction(
                    signal_id=f"tap-{display_id}-{os.getpid()}-{self._taps}", ts=time.time(), kind="touch",
                    item_id=data.get("item_id"), recommendation_id=data.get("recommendation_id"))
                self._client.publish(self.tree.interaction(display_id), dump(ev), qos=1)
                self.metrics.taps.inc()
                return None
        except ValidationError as exc:
            self.metrics.rejected.labels("page").inc()
            first = exc.errors()[0]
            return f"{kind}: {'.'.join(str(p) for p in first['loc']) or 'payload'}: {first['msg']}"
        self.metrics.rejected.labels("page").inc()
        return f"type: unknown message type {kind!r}"


def _offer(q: asyncio.Queue[str], text: str) -> int:
    """Queue for a page; a page too far behind only needs the newest state.
    Returns how many queued lists were skipped."""
    skipped = 0
    if q.full():
        while not q.empty():
            skipped += q.get_nowait().startswith('{"type":"reco"')
    q.put_nowait(text)
    return skipped


def _page(display: DisplayConfig, layout: str | None, heartbeat_s: float) -> str:
    layout = layout if layout in LAYOUTS else ("strip" if display.kind == "shelf" else "")
    cfg = json.dumps({"display": display.id, "kind": display.kind, "slots": display.slots,
                      "layout": layout, "heartbeat_s": heartbeat_s})
    return f"""<!doctype html>
<html lang="en"><head><meta charset="utf-8">
<meta name="viewport" content="width=device-width,initial-scale=1">
<title>{html.escape(display.id)}</title>
<link rel="stylesheet" href="/static/signage.css">
</head>
<body class="layout-{layout or 'auto'}" data-online="0">
<main id="list" data-cause="" data-recommendation=""></main>
<div id="offline" hidden><span class="dot"></span>offline</div>
<script>window.SIGNAGE = {cfg};</script>
<script src="/static/signage.js"></script>
</body></html>"""


def make_app(config: DeviceConfig, signage: SignageConfig | None = None) -> Starlette:
    signage = signage or config.signage or SignageConfig()
    hub = Hub(config, signage)

    def _display(request: Request) -> DisplayConfig | None:
        return hub.displays.get(request.path_params["display_id"])

    async def index(request: Request) -> Response:
        links = "".join(f'<li><a href="/display/{d}">{html.escape(d)}</a> ({c.kind}, {c.slots} slots)</li>'
                        for d, c in hub.displays.items())
        return HTMLResponse(f"<!doctype html><title>displays</title><h1>Displays of "
                            f"{html.escape(config.store_id)}</h1><ul>{links}</ul>"
                            '<p><a href="/wall">all displays side by side</a></p>')

    async def wall(request: Request) -> Response:
        """Every display side by side (a video wall, the demo, the benchmark): one
        iframe per display page, so each page is exactly what its screen shows."""
        ids = list(hub.displays)
        cols = max(1, min(len(ids), int(request.query_params.get("cols", "4") or 4)))
        rows = -(-len(ids) // cols)
        frames = "".join(f'<iframe src="/display/{d}" title="{html.escape(d)}"></iframe>' for d in ids)
        return HTMLResponse(
            "<!doctype html><meta charset=utf-8><title>all displays</title><style>html,body{margin:0;height:100%}"
            f"body{{display:grid;grid-template-columns:repeat({cols},1fr);grid-template-rows:repeat({rows},1fr);"
            "gap:4px;background:#333}iframe{border:0;width:100%;height:100%;background:#fff}</style>" + frames)

    async def display_page(request: Request) -> Response:
        display = _display(request)
        if display is None:
            return PlainTextResponse(f"unknown display {request.path_params['display_id']!r}; "
                                     f"known: {', '.join(hub.displays)}", status_code=404)
        layout = request.query_params.get("layout")
        if layout is not None and layout not in LAYOUTS:
            return PlainTextResponse(f"layout: must be one of {', '.join(LAYOUTS)} (got {layout!r})",
                                     status_code=400)
        return HTMLResponse(_page(display, layout, signage.heartbeat_s),
                            headers={"Cache-Control": "no-store"})

    async def socket(ws: WebSocket) -> None:
        display_id = ws.path_params["display_id"]
        if display_id not in hub.displays:
            await ws.close(code=4404, reason=f"unknown display {display_id!r}")
            return
        await ws.accept()
        q = hub.attach(display_id)

        async def writer() -> None:
            while True:
                try:
                    text = await asyncio.wait_for(q.get(), signage.heartbeat_s)
                except TimeoutError:
                    text = hub.status_message()  # heartbeat: the page knows we are alive
                await ws.send_text(text)

        task = asyncio.create_task(writer())
        try:
            while True:
                raw = await ws.receive_text()
                try:
                    data = json.loads(raw)
                    if not isinstance(data, dict):
                        raise ValueError("not an object")
                except ValueError as exc:
                    hub.metrics.rejected.labels("page").inc()
                    log.warning("display %s page sent bad JSON: %s", display_id, exc)
                    continue
                error = hub.from_page(display_id, data)
                if error is not None:
                    log.warning("display %s page: %s", display_id, error)
                    await ws.send_text(json.dumps({"type": "error", "error": error}))
        except (WebSocketDisconnect, RuntimeError):
            pass
        finally:
            task.cancel()
            with contextlib.suppress(asyncio.CancelledError, Exception):
                await task
            hub.detach(display_id, q)

    async def healthz(request: Request) -> Response:
        return JSONResponse({"status": "ok", "broker": hub.mqtt_up, "device": hub.device_state,
                             "pages": sum(len(p) for p in hub.pages.values())})

    async def readyz(request: Request) -> Response:
        # Ready when pages can get live lists: connected to the broker.
        return JSONResponse({"status": "ok" if hub.mqtt_up else "fail", "broker": hub.mqtt_up,
                             "device": hub.device_state}, status_code=200 if hub.mqtt_up else 503)

    async def metrics(request: Request) -> Response:
        return Response(generate_latest(hub.metrics.registry), media_type=CONTENT_TYPE_LATEST)

    async def tick() -> None:
        while True:  # proves the event loop turns (systemd watchdog, /healthz)
            hub.loop_tick = time.monotonic()
            await asyncio.sleep(1.0)

    @contextlib.asynccontextmanager
    async def lifespan(app: Starlette):  # type: ignore[no-untyped-def]
        hub.start(asyncio.get_running_loop())
        ticker = asyncio.create_task(tick())
        watchdog = Watchdog(lambda: time.monotonic() - hub.loop_tick < 5.0).start()
        try:
            yield
        finally:
            sd_notify("STOPPING=1")
            watchdog.stop()
            ticker.cancel()
            hub.stop()

    app = Starlette(
        routes=[
            Route("/", index),
            Route("/wall", wall),
            Route("/display/{display_id}", display_page),
            WebSocketRoute("/display/{display_id}/ws", socket),
            Route("/healthz", healthz),
            Route("/readyz", readyz),
            Route("/metrics", metrics),
            Mount("/static", StaticFiles(directory=STATIC), name="static"),
        ],
        lifespan=lifespan,
    )
    app.state.hub = hub
    return app


def serve(config: DeviceConfig, *, host: str | None = None, port: int | None = None) -> None:
    """Run the page server until SIGINT/SIGTERM (uvicorn handles both)."""
    import uvicorn

    class Server(uvicorn.Server):
        async def startup(self, sockets: Any = None) -> None:
            await super().startup(sockets)
            if self.started:
                sd_notify("READY=1")  # listening: systemd may start what depends on us

    signage = config.signage or SignageConfig()
    app = make_app(config, signage)
    server = Server(uvicorn.Config(
        app, host=host or signage.host, port=port or signage.port, log_level="warning",
        access_log=False, lifespan="on", ws="websockets", ws_ping_interval=None))
    server.run()
