"""The ASGI application: the composition root of the fleet service.

:class:`FleetService` owns the storage, the rollout engine, the broker link
and the auth; :func:`create_app` mounts the route modules on one Starlette app
(artifacts for devices, the operator JSON API; the console adds its pages
here) and starts/stops the broker link with the app's lifespan.
"""

from __future__ import annotations

import contextlib
import logging
import threading
from collections import Counter
from collections.abc import AsyncIterator, Callable
from typing import Any

from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse
from starlette.routing import Route

from edge.comms.topics import DeviceStatus
from fleet import api, artifacts, devices
from fleet.config import FleetConfig
from fleet.http import ApiError, Auth, api_error
from fleet.mqtt import FleetLink
from fleet.rollouts import Rollouts
from fleet.storage import Storage, open_storage

log = logging.getLogger(__name__)

TICK_S = 1.0
"""How often stage timeouts are checked."""


class FleetService:
    def __init__(self, config: FleetConfig, storage: Storage | None = None) -> None:
        self.config = config
        self.storage = storage or open_storage(config.storage)
        self.auth = Auth(config.operator_token_value(), config.device_tokens)
        devices.ensure_devices(self.storage, sorted(config.device_tokens))
        prefix = config.broker.topic_prefix if config.broker else "store"
        self.rollouts = Rollouts(self.storage, base_url=config.base_url,
                                 downloadable=set(config.device_tokens), prefix=prefix)
        self.status_listeners: list[Callable[[str, str, DeviceStatus], None]] = []
        """Called (MQTT thread) after each status is recorded: the console's live view."""
        self.link = FleetLink(config.broker, self.rollouts, self.status_listeners) if config.broker else None
        self._stop = threading.Event()
        self._ticker: threading.Thread | None = None
        self._dl_lock = threading.Lock()
        self.downloads: Counter[str] = Counter()
        self.bytes_served = 0

    def count_download(self, who: str, name: str, start: int, length: int) -> None:
        with self._dl_lock:
            self.downloads["resumed" if start else "full"] += 1
            self.bytes_served += length

    def health(self) -> dict[str, Any]:
        with self._dl_lock:
            dl = {**self.downloads, "bytes_planned": self.bytes_served}
        return {
            "schema_version": self.storage.schema_version(),
            "mqtt": self.link.stats() if self.link else None,
            "downloads": dl,
            "devices": self.storage.one("SELECT COUNT(*) AS n FROM devices")["n"],  # type: ignore[index]
            "models": self.storage.one("SELECT COUNT(*) AS n FROM models")["n"],  # type: ignore[index]
        }

    def start(self) -> None:
        if self.link:
            self.link.start()
        self._stop.clear()
        self._ticker = threading.Thread(target=self._tick_loop, name="fleet-rollout-ticker", daemon=True)
        self._ticker.start()

    def _tick_loop(self) -> None:
        """Stage timeouts need a clock, not only device reports."""
        while not self._stop.wait(TICK_S):
            try:
                self.rollouts.tick()
            except Exception:  # a storage hiccup must not stop future ticks
                log.exception("rollout tick failed")

    def stop(self) -> None:
        self._stop.set()
        if self._ticker is not None:
            self._ticker.join(5)
        if self.link:
            self.link.stop()
        self.storage.close()


async def healthz(request: Request) -> JSONResponse:
    """Liveness for load balancers and tests: no secrets, no auth."""
    return JSONResponse({"status": "ok"})


async def not_found(request: Request, exc: Exception) -> JSONResponse:
    status = getattr(exc, "status_code", 404)
    detail = getattr(exc, "detail", "not found")
    return JSONResponse({"error": f"{request.url.path}: {detail}"}, status_code=status)


async def server_error(request: Request, exc: Exception) -> JSONResponse:
    log.exception("request %s %s failed", request.method, request.url.path, exc_info=exc)
    return JSONResponse({"error": "internal error (logged by the service)"}, status_code=500)


def create_app(config: FleetConfig, service: FleetService | None = None) -> Starlette:
    fleet = service or FleetService(config)

    @contextlib.asynccontextmanager
    async def lifespan(app: Starlette) -> AsyncIterator[None]:
        fleet.start()
        try:
            yield
        finally:
            fleet.stop()

    app = Starlette(
        routes=[Route("/healthz", healthz), *artifacts.routes, *api.routes],
        exception_handlers={ApiError: api_error, 404: not_found, 405: not_found, 500: server_error},
        lifespan=lifespan,
    )
    app.state.fleet = fleet
    from fleet.console import mount  # the web console's pages (fleet/console/, issue 9)

    mount(app, fleet)
    return app
