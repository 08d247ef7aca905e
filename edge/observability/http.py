"""Health and metrics over HTTP, and readiness/liveness to systemd, for every
long-running edge process (edge-device, edge-camera; edge-signage serves the
same paths from its own web server).

    GET /metrics   Prometheus text exposition (version 0.0.4)
    GET /healthz   200 while the process is alive and its loop turns, else 503
    GET /readyz    200 when it can do its job (device: model loaded or fallback
                   declared, broker connected and both links' subscriptions
                   acknowledged), else 503 with the reasons

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

import bisect
import json
import logging
import os
import socket
import threading
import time
from collections import Counter
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
        self.scrape_cpu_s = 0.0
        """CPU time spent rendering /metrics (this thread only): what a scrape costs the process."""
        server = self

        class Handler(BaseHTTPRequestHandler):
            def do_GET(self) -> None:  # noqa: N802 - http.server's naming
                path = self.path.split("?", 1)[0]
                try:
                    if path == "/metrics":
                        t0 = time.thread_time()
                        body = server.metrics()
                        body = body.encode() if isinstance(body, str) else body
                        server.scrapes += 1
                        server.scrape_cpu_s += time.thread_time() - t0
                        body += (
                            b"# HELP metrics_scrape_cpu_seconds_total CPU time spent rendering /metrics.\n"
                            b"# TYPE metrics_scrape_cpu_seconds_total counter\n"
                            b"metrics_scrape_cpu_seconds_total %r\n"
                            b"# HELP metrics_scrapes_total Scrapes of /metrics served.\n"
                            b"# TYPE metrics_scrapes_total counter\n"
                            b"metrics_scrapes_total %d\n" % (server.scrape_cpu_s, server.scrapes))
                        self._send(200, body, CONTENT_TYPE)
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


# ---- edge-device: histograms, extra gauges and the endpoints ----------------------

STAGE_BOUNDS_S = (0.00005, 0.0001, 0.00025, 0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 1.0)
_BOUNDS_NS = tuple(int(b * 1e9) for b in STAGE_BOUNDS_S)


class StageHistograms(Counter):
    """The registry's ``stage_ns`` (nanoseconds per stage), which also files every
    increment into a fixed-bucket histogram of that stage.

    The agent already does ``stage_ns[stage] += dt`` once per stage per signal;
    catching that assignment gives per-stage histograms (and ``total``: one
    message from parse to publish) without touching the hot path's code and
    without a second set of counters. Cost: a bisect over 13 bounds and a list
    increment per stage (well under a microsecond; benchmarks/edge_latency.py
    --scrape-hz compares the hot path with and without scrapes)."""

    def __init__(self, base: Counter | None = None) -> None:
        super().__init__()
        if base:
            dict.update(self, base)
        self.buckets: dict[str, list[int]] = {}
        self.sums_ns: dict[str, int] = {}
        self._window: dict[str, list[int]] = {}

    def __setitem__(self, key: str, value: int) -> None:
        delta = value - dict.get(self, key, 0)
        dict.__setitem__(self, key, value)
        b = self.buckets.get(key)
        if b is None:
            b = self.buckets[key] = [0] * (len(_BOUNDS_NS) + 1)
            self.sums_ns[key] = 0
        b[bisect.bisect_left(_BOUNDS_NS, delta)] += 1
        self.sums_ns[key] += delta

    def window_quantiles(self, stage: str, qs: tuple[float, ...] = (0.5, 0.99)) -> dict[str, float] | None:
        """Quantiles (ms) of ``stage`` since the previous call, interpolated inside buckets as
        Prometheus' histogram_quantile does; None when no message went through. Feeds the MQTT
        status's ``latency_ms`` (the fleet console's p50/p99 column)."""
        counts = list(self.buckets.get(stage) or ())
        prev = self._window.get(stage) or [0] * len(counts)
        self._window[stage] = counts
        delta = [c - p for c, p in zip(counts, prev, strict=False)]
        n = sum(delta)
        if n <= 0:
            return None
        out: dict[str, float] = {}
        for q in qs:
            rank, running = q * n, 0
            for i, k in enumerate(delta):
                if running + k >= rank and k:
                    lo = STAGE_BOUNDS_S[i - 1] if i > 0 else 0.0
                    hi = STAGE_BOUNDS_S[i] if i < len(STAGE_BOUNDS_S) else STAGE_BOUNDS_S[-1]
                    value = lo + (hi - lo) * (rank - running) / k
                    break
                running += k
            else:
                value = STAGE_BOUNDS_S[-1]
            out[f"p{round(q * 100):d}"] = round(value * 1000, 3)
        return {**out, "n": n}

    def render(self, name: str, help_text: str) -> str:
        """Prometheus text of one histogram family, label ``stage``."""
        lines = [f"# HELP {name} {help_text}", f"# TYPE {name} histogram"]
        for stage in sorted(self.buckets):
            counts = list(self.buckets[stage])  # a copy: the hot path keeps writing
            running = 0
            for bound, n in zip(STAGE_BOUNDS_S, counts, strict=False):
                running += n
                lines.append(f'{name}_bucket{{stage="{stage}",le="{bound}"}} {running}')
            running += counts[-1]
            lines.append(f'{name}_bucket{{stage="{stage}",le="+Inf"}} {running}')
            lines.append(f'{name}_sum{{stage="{stage}"}} {self.sums_ns[stage] / 1e9!r}')
            lines.append(f'{name}_count{{stage="{stage}"}} {running}')
        return "\n".join(lines) + "\n"


def _outbox_reader(db_path: str) -> Callable[[], tuple[float, float]]:
    """(unconfirmed events, age in seconds of the oldest one) from the state DB,
    on its own read-only connection, read when scraped."""
    import sqlite3
    import time

    lock = threading.Lock()
    conn: list[sqlite3.Connection] = []
    last: list[Any] = [0.0, (0.0, 0.0)]

    def read() -> tuple[float, float]:
        with lock:
            if time.monotonic() - last[0] < 0.5:
                return last[1]  # both gauges of one scrape share one query
            if not conn:
                conn.append(sqlite3.connect(f"file:{db_path}?mode=ro", uri=True, timeout=1,
                                            check_same_thread=False))
            try:
                # The outbox keeps its own count of unconfirmed rows, and the oldest one
                # is the lowest seq in the partial "owed" index: two index lookups, not
                # a scan of the backlog (which grows while the cloud is unreachable).
                n = conn[0].execute("SELECT pending FROM feedback_state WHERE id = 1").fetchone()[0]
                row = conn[0].execute(
                    "SELECT created_at FROM feedback_outbox WHERE seq = (SELECT min(seq) FROM feedback_outbox "
                    "WHERE confirmed_at IS NULL)").fetchone()
                oldest = row[0] if row else None
            except sqlite3.Error:
                return 0.0, 0.0  # no outbox (feedback off) or the DB is being replaced
            last[0], last[1] = time.monotonic(), (float(n), (time.time() - oldest) if oldest else 0.0)
            return last[1]

    return read


class DeviceEndpoints:
    """The device's checks and, when configured, the HTTP server serving them."""

    def __init__(self, healthz: Check, readyz: Check, server: HealthServer | None) -> None:
        self.healthz, self.readyz, self.server = healthz, readyz, server

    def stop(self) -> None:
        if self.server is not None:
            self.server.stop()


def serve_device(device: Any, config: Any, *, ack_stall_s: float | None = None,
                 stuck_after_s: float = 10.0) -> DeviceEndpoints:
    """``/metrics``, ``/healthz``, ``/readyz`` of edge-device on ``config.metrics``.

    ``/healthz`` fails while a thread is dead (the MQTT links' network threads
    included), while queued messages wait and none
    was handled for ``stuck_after_s``, or while a QoS 1 message of the main link has waited
    longer than ``ack_stall_s`` (default :data:`edge.comms.mqtt.ACK_STALL_S`) for
    its broker ack (each logged once, with where the messages wait).

    Built on the device's own registry (``device.metrics``, edge/observability):
    its counters and gauges as they are, plus per-stage histograms, the score
    cache, the outbox backlog, the OTA state and the model version as an info
    metric, registered there so the MQTT status and Prometheus read one source.
    No server when turned off (port 0) or when the port is taken (logged:
    metrics must never cost the device); the checks still drive the systemd
    watchdog."""
    from edge.observability.registry import render_prometheus

    m = device.metrics
    if not isinstance(m.stage_ns, StageHistograms):
        m.stage_ns = StageHistograms(m.stage_ns)
    stages: StageHistograms = m.stage_ns
    # Signal latency (parse to publish) between two statuses, for the fleet console.
    m.register_block("latency_ms", lambda: stages.window_quantiles("total"))

    def model_info() -> dict:
        gen = device.generation
        return {(gen.model_version or "none", "model" if gen.scorer is not None else "popularity"): 1.0}

    m.gauge("edge_model_info", "The model being served (value 1); strategy popularity = no model.",
            model_info, labels=("version", "strategy"))
    m.gauge("edge_score_cache_hits", "Score cache hits since start.",
            lambda: float(device.generation.scores.cache_hits))
    m.gauge("edge_score_cache_misses", "Score cache misses since start.",
            lambda: float(device.generation.scores.cache_misses))
    outbox = _outbox_reader(str(config.storage.db_path))
    m.gauge("edge_outbox_backlog", "Feedback events not yet confirmed by the cloud.", lambda: outbox()[0])
    m.gauge("edge_outbox_oldest_age_seconds", "Age of the oldest unconfirmed feedback event.",
            lambda: outbox()[1])
    m.gauge("edge_broker_connected", "1 while connected to the store broker.",
            lambda: 1.0 if device.link.connected.is_set() else 0.0)
    m.gauge("edge_mqtt_unacked_messages", "QoS 1 signals of this connection not yet acknowledged to the broker.",
            lambda: float(device.link.unacked()))
    m.gauge("edge_mqtt_oldest_unacked_seconds", "How long the oldest unacknowledged QoS 1 signal has waited.",
            lambda: round(device.link.oldest_unacked_s(), 3))
    if getattr(device, "ota", None) is not None:
        m.gauge("edge_ota_state", "OTA state of the device (value 1 for the current state).",
                lambda: {(str(device.ota.detail()["ota"].get("state", "unknown")),): 1.0}, labels=("state",))

    def metrics_text() -> str:
        return render_prometheus(m.metrics()) + stages.render(
            "edge_stage_seconds", "Time per stage of the signal path (total: one message, parse to publish).")

    from edge.comms.mqtt import ACK_STALL_S

    stall_limit_s = ACK_STALL_S if ack_stall_s is None else ack_stall_s
    progress: dict[str, Any] = {"handled": -1, "at": 0.0, "reported": None}

    def healthz() -> tuple[bool, dict]:
        threads = {t.name: t.is_alive() for t in getattr(device, "_threads", [])}
        worker = getattr(getattr(device, "agent", None), "_worker_thread", None)
        if worker is not None:
            threads[worker.name] = worker.is_alive()
        for name, link in (("mqtt-main", getattr(device, "link", None)),
                           ("mqtt-positions", getattr(device, "positions_link", None))):
            if link is not None:
                threads[name] = link.network_alive()
        handled = m.handled + sum(m.rejected.values())
        now = time.monotonic()
        if handled != progress["handled"]:
            progress["handled"], progress["at"] = handled, now
        backlog = _queue_size(device)
        stuck = backlog > 0 and now - progress["at"] > stuck_after_s  # messages waiting, none handled
        link = device.link
        oldest = link.oldest_unacked_s(now)
        unacked = {"messages": link.unacked(), "oldest_s": round(oldest, 1)}
        reason = None
        if not all(threads.values()):
            reason = "dead: " + ", ".join(name for name, alive in threads.items() if not alive)
        elif stuck:
            reason = f"stuck: {backlog} messages queued and none handled for {now - progress['at']:.0f} s"
        elif oldest > stall_limit_s:
            # Where the oldest one's ack is: in a message still queued, in a state
            # write waiting for the log writer's commit, or handed out and never sent.
            writer = getattr(device, "log_writer", None)
            waiting = writer.acks_waiting if writer is not None else 0
            where = (f"{waiting} acks wait for the log writer's commit ({writer.pending} entries queued)" if waiting
                     else f"{backlog} messages queued for the worker" if backlog
                     else "none queued or waiting for a commit: an ack was never sent")
            reason = (f"acks stalled: {unacked['messages']} QoS 1 signals unacknowledged, the oldest for "
                      f"{oldest:.0f} s (limit {stall_limit_s:.0f} s); {where}")
        if reason != progress["reported"]:
            progress["reported"] = reason
            if reason is not None:
                log.error("unhealthy (the systemd watchdog will restart the device): %s", reason)
        detail = {"threads": threads, "queued": backlog, "unacked": unacked, "inference": m.health.get("inference")}
        if reason is not None:
            detail["reason"] = reason
        return reason is None, detail

    def readyz() -> tuple[bool, dict]:
        gen = device.generation
        connected = device.link.connected.is_set()
        # Ready: something to serve (a model, or a declared popularity fallback over a
        # catalogue) and listening: both links' subscriptions acknowledged by the broker
        # (SUBACK), not merely connected. A signal published before that is dropped by
        # a broker that holds no session of ours yet (a first start): the benchmark's
        # history seeding, which waited for /metrics, lost its first 13-529 purchases
        # that way (docs/performance-log.md, "(2026-12-02 (g)) the seeding stall").
        links = (device.link, getattr(device, "positions_link", None))
        listening = connected and all(link.subscribed.is_set() for link in links if link is not None)
        serving = gen.scorer is not None or len(gen.catalogue) > 0
        return listening and serving, {"broker": connected, "subscribed": listening, "model": gen.model_version,
                                       "strategy": "model" if gen.scorer is not None else "popularity",
                                       "model_error": m.health.get("model_error")}

    cfg = config.metrics
    server = None
    if cfg.device_port:
        try:
            server = HealthServer(cfg.host, cfg.device_port, metrics=metrics_text, healthz=healthz,
                                  readyz=readyz).start()
        except OSError as exc:
            log.error("no /metrics: cannot listen on %s:%d (%s)", cfg.host, cfg.device_port,
                      exc.strerror or exc)
    return DeviceEndpoints(healthz, readyz, server)


def _queue_size(device: Any) -> int:
    """Messages waiting for the agent's worker: the Intake's backlog (both lanes).
    Read directly, with no fallback: a guarded ``qsize()``, which the Intake does
    not have, read 0 for ever, so the "stuck" check never fired once the Intake
    replaced the plain queue."""
    return device.agent._queue.backlog  # noqa: SLF001 - the agent's intake is the device's backlog
