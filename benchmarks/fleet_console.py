"""The fleet console with 2,000 devices: page times, status-to-page latency, memory.

    .venv/bin/python -m benchmarks.fleet_console [--devices 2000] [--period 10] [--seconds 60]

Starts a private Mosquitto, a real `fleet serve` (SQLite storage, console on)
and a feedback warehouse (SQLite) seeded with ``--impressions`` impressions
(plus their clicks and conversions) for two model versions. ``--devices``
simulated devices publish a retained status every ``--period`` seconds, each
status shaped like a real device's (model, ota, handled, rejected_total,
stage_us_mean, feedback outbox, cameras). **Few MQTT connections publish on
behalf of many device ids** (``--connections``, 4 by default: 500 devices
each); the console reads topics and payloads, so what it sees is the same as
from 2,000 devices, except that no device has its own last will.

Measured while the statuses flow:

* ``overview_ms``: ``GET /console/`` with a session, varied filters, sorts,
  searches and pages (the server filters, sorts and pages all devices on every
  request), wall time seen by a local HTTP client (an upper bound of server time).
* ``device_page_ms``: ``GET /console/devices/ID`` for random devices.
* ``results_ms``: ``GET /console/results`` (online metrics with intervals,
  A/B comparison, proof of play per store/display/item/hour: SQL over the warehouse).
* ``status_to_page_ms``: a headless Chromium keeps the overview open (live
  rows over server-sent events); the benchmark publishes a status that
  changes one visible device's active model and times until that row shows it
  (polled in the page every 10 ms).
* ``reference_healthz_ms``: ``GET /healthz`` interleaved with the overview
  requests: what any request to this server costs under the same load.
* ``rss_mb``: the `fleet serve` process's resident memory at the end
  (``rss_peak_mb``: its VmHWM).

The machine is shared: the load average is printed beside the figures. The
last stdout line is one JSON object.
"""

from __future__ import annotations

import argparse
import json
import os
import random
import re
import statistics
import subprocess
import sys
import tempfile
import threading
import time
import urllib.parse
import urllib.request
from pathlib import Path
from typing import Any

from deploy.browser import wait_http
from deploy.console_seed import SimulatedFleet as Fleet
from deploy.console_seed import publisher, seed_feedback
from deploy.local_broker import MosquittoBroker, free_port
from deploy.process import stop_process
from edge.comms.mqtt import new_client, start

REPO = Path(__file__).resolve().parents[1]
OPERATOR = "bench-operator-token-0123456789"
PASSWORD = "bench-password-1"
V1, V2 = "cj-2026-11-20", "cj-2026-12-01"


def pct(values: list[float]) -> dict[str, float]:
    if not values:
        return {"p50": None, "p95": None, "n": 0}  # type: ignore[dict-item]
    s = sorted(values)
    return {"p50": round(statistics.median(s), 1), "p95": round(s[min(len(s) - 1, int(0.95 * len(s)))], 1),
            "n": len(s)}


class Session:
    def __init__(self, base: str) -> None:
        import http.cookiejar

        self.base = base
        self.jar = http.cookiejar.CookieJar()
        self.opener = urllib.request.build_opener(urllib.request.HTTPCookieProcessor(self.jar))

    def get(self, path: str) -> tuple[float, str]:
        t0 = time.perf_counter()
        with self.opener.open(self.base + path, timeout=30) as resp:
            body = resp.read().decode()
        return (time.perf_counter() - t0) * 1000, body

    def login(self, name: str, password: str) -> None:
        _, page = self.get("/console/login")
        token = re.search(r'name="csrf" value="([^"]+)"', page).group(1)  # type: ignore[union-attr]
        data = urllib.parse.urlencode({"csrf": token, "name": name, "password": password}).encode()
        with self.opener.open(urllib.request.Request(self.base + "/console/login", data=data), timeout=30) as r:
            assert "/console/" in r.url, r.url


def rss_mb(pid: int) -> tuple[float, float]:
    text = Path(f"/proc/{pid}/status").read_text()
    rss = int(re.search(r"VmRSS:\s+(\d+)", text).group(1)) / 1024  # type: ignore[union-attr]
    hwm = int(re.search(r"VmHWM:\s+(\d+)", text).group(1)) / 1024  # type: ignore[union-attr]
    return round(rss, 1), round(hwm, 1)


def cpu_s(pid: int) -> float:
    """user + system CPU seconds of a process so far."""
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(prog="python -m benchmarks.fleet_console", description=__doc__.split("\n")[0])
    ap.add_argument("--devices", type=int, default=2000)
    ap.add_argument("--stores", type=int, default=100)
    ap.add_argument("--period", type=float, default=10.0, help="seconds between two statuses of one device")
    ap.add_argument("--connections", type=int, default=4)
    ap.add_argument("--impressions", type=int, default=40_000)
    ap.add_argument("--requests", type=int, default=60, help="overview requests (device/results: fewer)")
    ap.add_argument("--measure-s", type=float, default=0, help="extra seconds of status load before the browser part")
    ap.add_argument("--probes", type=int, default=20, help="status-to-page measurements")
    args = ap.parse_args(argv)

    tmp = Path(tempfile.mkdtemp(prefix="fleet-console-bench-"))
    broker = MosquittoBroker(workdir=tmp / "broker")
    broker.start()
    env = {**os.environ, "PYTHONPATH": str(REPO)}
    serve = None
    stop = threading.Event()
    try:
        t0 = time.perf_counter()
        wh = f"sqlite:///{tmp / 'wh.db'}"
        n_events = seed_feedback(wh, [(V1, 0.04, 0.02), (V2, 0.06, 0.025)], impressions=args.impressions,
                                 stores=20, devices_per_store=3)
        print(f"warehouse: {n_events} feedback events for {V1} and {V2} in {time.perf_counter() - t0:.1f} s",
              file=sys.stderr)
        port = free_port()
        cfg = tmp / "fleet.toml"
        cfg.write_text("\n".join([
            'storage = "sqlite:///fleet.db"', f'listen = "127.0.0.1:{port}"', 'artifact_dir = "artifacts"',
            f'operator_token = "{OPERATOR}"', "[broker]", 'host = "127.0.0.1"', f"port = {broker.port}",
            "keepalive_s = 10", "[console]", f'warehouse = "{wh}"', ""]))
        done = subprocess.run([sys.executable, "-m", "fleet.cli", "users", "add", "bench", "--role", "operator",
                               "--config", str(cfg)], input=PASSWORD + "\n", text=True, capture_output=True,
                              env=env, cwd=REPO, timeout=60)
        assert done.returncode == 0, done.stderr
        serve = subprocess.Popen([sys.executable, "-m", "fleet.cli", "serve", "--config", str(cfg),
                                  "--log-level", "warning"], env=env, cwd=REPO,
                                 stdout=(tmp / "serve.log").open("wb"), stderr=subprocess.STDOUT)
        base = f"http://127.0.0.1:{port}"
        try:
            wait_http(base + "/healthz", timeout=30, proc=serve)
        except (RuntimeError, TimeoutError):
            raise RuntimeError((tmp / "serve.log").read_text()) from None

        fleet = Fleet(args.devices, args.stores, (V1, V2))
        sent = [0]
        shares = [fleet.ids[i::args.connections] for i in range(args.connections)]
        threads = [threading.Thread(target=publisher, args=(broker.port, fleet, s, args.period, stop, sent),
                                    daemon=True) for s in shares]
        for t in threads:
            t.start()

        def fleet_devices() -> int:
            req = urllib.request.Request(base + "/api/health", headers={"Authorization": f"Bearer {OPERATOR}"})
            return json.loads(urllib.request.urlopen(req, timeout=10).read())["devices"]

        deadline = time.monotonic() + args.period * 6 + 30
        while fleet_devices() < args.devices:
            if time.monotonic() > deadline:
                raise RuntimeError(f"only {fleet_devices()} of {args.devices} devices reported")
            time.sleep(1)
        print(f"all {args.devices} devices reported after {time.perf_counter() - t0:.1f} s; "
              f"statuses sent so far {sent[0]}", file=sys.stderr)

        s = Session(base)
        s.login("bench", PASSWORD)
        rng = random.Random(1)
        stores = sorted(set(fleet.store.values()))
        queries = ["", "?sort=signals&dir=desc", "?state=online&page=7", f"?store={stores[3]}",
                   f"?model={V2}&sort=last_seen&dir=desc", "?q=edge-07", "?sort=dead&dir=desc&page=20",
                   "?sort=latency"]
        overview: list[float] = []
        healthz: list[float] = []  # reference in the same run: the cheapest route of the same server
        for i in range(args.requests):
            healthz.append(s.get("/healthz")[0])
            ms, page = s.get("/console/" + queries[i % len(queries)])
            assert "Devices" in page
            overview.append(ms)
        device_ms = []
        for _ in range(max(10, args.requests // 2)):
            ms, page = s.get(f"/console/devices/{rng.choice(fleet.ids)}")
            assert "Status over time" in page
            device_ms.append(ms)
        results_ms, results_fresh_ms = [], []
        for i in range(max(5, args.requests // 6)):
            ms, page = s.get("/console/results")
            assert "A/B comparison" in page
            results_ms.append(ms)
            if i % 2 == 0:  # recomputed: what the first visitor after the cache's 30 s waits
                results_fresh_ms.append(s.get("/console/results?fresh=1")[0])
        print(f"pages done; load {Path('/proc/loadavg').read_text().strip()}", file=sys.stderr)

        to_page: list[float] = []
        try:
            from deploy.browser import chromium

            driver = chromium()
        except Exception as exc:  # no browser: the figure is missing, said so, not invented
            print(f"status_to_page: no browser ({exc})", file=sys.stderr)
            driver = None
        if driver is not None:
            try:
                driver.get(base + "/console/login")
                driver.find_element("id", "name").send_keys("bench")
                driver.find_element("id", "password").send_keys(PASSWORD)
                driver.find_element("id", "login").click()
                driver.get(base + "/console/?sort=id")
                time.sleep(1.5)  # the event stream opens
                visible = driver.execute_script(
                    "return Array.from(document.querySelectorAll('tr[data-id]')).map(r => r.dataset.id)")
                probe = new_client("bench-probe", reconnect_s=None, nodelay=False)
                start(probe, "127.0.0.1", broker.port, keepalive=30, blocking=True)
                for k in range(args.probes):
                    dev = visible[k % len(visible)]
                    marker = f"probe-{k}"
                    with fleet.lock:
                        fleet.version[dev] = marker  # the simulator keeps reporting it too
                    topic, payload = fleet.status(dev)
                    t_pub = time.perf_counter()
                    probe.publish(topic, payload, qos=1, retain=True)
                    seen = False
                    while time.perf_counter() - t_pub < 10:
                        text = driver.execute_script(
                            "const r = document.getElementById(arguments[0]);"
                            " const c = r && r.querySelector('.active'); return c ? c.textContent : '';",
                            f"dev-{dev}")
                        if text.strip() == marker:
                            seen = True
                            break
                        time.sleep(0.01)
                    if seen:
                        to_page.append((time.perf_counter() - t_pub) * 1000)
                    else:
                        print(f"status_to_page: {dev} not updated within 10 s", file=sys.stderr)
                    time.sleep(rng.uniform(0.2, 0.6))
                probe.loop_stop()
            finally:
                driver.quit()
        rss, hwm = rss_mb(serve.pid)
        load = Path("/proc/loadavg").read_text().split()[:3]
        result: dict[str, Any] = {
            "devices": args.devices, "period_s": args.period, "mqtt_connections": args.connections,
            "statuses_sent": sent[0], "feedback_events": n_events,
            "overview_ms": pct(overview), "device_page_ms": pct(device_ms), "results_ms": pct(results_ms),
            "results_recomputed_ms": pct(results_fresh_ms),
            "reference_healthz_ms": pct(healthz),
            "serve_cpu_ms_per_status": round(1000 * cpu_s(serve.pid) / max(sent[0], 1), 2),
            "status_to_page_ms": pct(to_page), "status_to_page_missed": args.probes - len(to_page),
            "rss_mb": rss, "rss_peak_mb": hwm, "loadavg": [float(x) for x in load],
        }
        print(json.dumps(result))
        return 0
    finally:
        stop.set()
        stop_process(serve, 10)
        broker.cleanup()


if __name__ == "__main__":
    sys.exit(main())
