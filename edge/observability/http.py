"""Health and metrics over HTTP, and readiness/liveness to systemd, for every
long-running edge process (edge-device, edge-camera; edge-signage serves the
same paths from its own web server).

    GET /metrics   Prometheus text exposition (version 0.0.4)
    GET /healthz   200 while the process is alive and its loop turns, else 503
    GET /readyz    200 when it can do its job (device: model loaded or fallback
                   declared, broker connected), else 503 with the reasons

The server is the standard library's threading HTTP server on its own daemon
threads, bound to loopback by default: a scrape never runs on the hot path's
thread, and it costs the hot path only the GIL time of rendering the text
(benchmarks/edge_latency.py --scrape-hz measures it).

``sd_notify`` speaks the systemd notification protocol without a dependency:
``READY=1`` once serving, ``WATCHDOG=1`` every half ``WatchdogSec`` while the
process's own liveness check passes, ``STOPPING=1`` on the way out. Outside
systemd (no ``NOTIFY_SOCKET``) every call is a no-op.
"""

from __future__ import annotations

import json
import logging
import os
import socket
import threading
from collections.abc import Callable
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

log = logging.getLogger(__name__)

CONTENT_TYPE = "text/plain; version=0.0.4; charset=utf-8"

Check = Callable[[], tuple[bool, dict[str, Any]]]
"""A health or readiness check: (ok, details shown in the JSON answer)."""


class HealthServer:
    """``/metrics``, ``/healthz`` and ``/readyz`` on ``host:port`` (port 0: any free port)."""

    def __init__(self, host: str, port: int, *, metrics: Callable[[], bytes | str],
                 healthz: Check, readyz: Check | None = None) -> None:
        self.metrics, self.healthz, self.readyz = metrics, healthz, readyz or healthz
        self.scrapes = 0
        server = self

        class Handler(BaseHTTPRequestHandler):
            def do_GET(self) -> None:  # noqa: N802 - http.server's naming
                path = self.path.split("?", 1)[0]
                try:
                    if path == "/metrics":
                        body = server.metrics()
                        server.scrapes += 1
                        self._send(200, body.encode() if isinstance(body, str) else body, CONTENT_TYPE)
                    elif path in ("/healthz", "/readyz"):
                        ok, detail = (server.healthz if path == "/healthz" else server.readyz)()
                        self._send(200 if ok else 503,
                                   json.dumps({"status": "ok" if ok else "fail", **detail}).encode(),
                                   "application/json")
                    else:
                        self._send(404, b"not found: /metrics, /healthz, /readyz\n", "text/plain")
                except Exception as exc:  # a broken check must not take the server down
                    log.exception("%s failed", path)
                    self._send(500, f"{path}: {type(exc).__name__}: {exc}\n".encode(), "text/plain")

            def _send(self, code: int, body: bytes, ctype: str) -> None:
                self.send_response(code)
                self.send_header("Content-Type", ctype)
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

            def log_message(self, format: str, *args: Any) -> None:  # noqa: A002
                return  # scrapes every few seconds would flood the journal

        self.httpd = ThreadingHTTPServer((host, port), Handler)
        self.httpd.daemon_threads = True
        self.host, self.port = self.httpd.server_address[:2]
        self._thread = threading.Thread(target=self.httpd.serve_forever, name="health-http", daemon=True)

    def start(self) -> HealthServer:
        self._thread.start()
        log.info("health and metrics on http://%s:%s/ (/metrics, /healthz, /readyz)", self.host, self.port)
        return self

    def stop(self) -> None:
        self.httpd.shutdown()
        self.httpd.server_close()


def sd_notify(state: str) -> bool:
    """Send ``state`` (e.g. "READY=1") to systemd; False outside systemd or on error."""
    addr = os.environ.get("NOTIFY_SOCKET")
    if not addr:
        return False
    if addr.startswith("@"):
        addr = "\0" + addr[1:]  # abstract namespace
    try:
        with socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM | socket.SOCK_CLOEXEC) as sock:
            sock.connect(addr)
            sock.sendall(state.encode())
        return True
    except OSError as exc:
        log.warning("sd_notify %r failed: %s", state, exc)
        return False


def watchdog_interval_s() -> float | None:
    """Half of systemd's WatchdogSec for this process, or None when no watchdog is set."""
    usec = os.environ.get("WATCHDOG_USEC")
    pid = os.environ.get("WATCHDOG_PID")
    if not usec or (pid and pid != str(os.getpid())):
        return None
    try:
        return max(int(usec) / 2e6, 0.05)
    except ValueError:
        return None


class Watchdog:
    """Pings systemd's watchdog while ``alive()`` holds: a hung loop stops the
    pings and systemd restarts the process (``Restart=always``)."""

    def __init__(self, alive: Callable[[], bool]) -> None:
        self.alive = alive
        self.interval = watchdog_interval_s()
        self._stop = threading.Event()
        self.missed = 0

    def start(self) -> Watchdog:
        if self.interval is not None:
            threading.Thread(target=self._run, name="sd-watchdog", daemon=True).start()
        return self

    def _run(self) -> None:
        while not self._stop.wait(self.interval):
            try:
                ok = self.alive()
            except Exception:
                ok = False
            if ok:
                sd_notify("WATCHDOG=1")
            else:
                self.missed += 1
                log.error("liveness check failed: not pinging the systemd watchdog")

    def stop(self) -> None:
        self._stop.set()
