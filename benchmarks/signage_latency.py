"""Signal to pixels: from a location signal to the screen showing the list it caused.

    .venv/bin/python -m benchmarks.signage_latency [--rate 200] [--seconds 20]

Real parts only: a private Mosquitto, ``edge-device`` on the trained bundle
(``out/train/bundle``, trained first if missing) with the demo store's eight
displays, ``edge-signage``, and a headless Chromium showing all eight display
pages (the ``/wall`` page: one iframe per display page, 1920x1080).

1. waits until every page shows a list and is online;
2. sends ``--rate`` location signals per second for ``--seconds`` (shoppers
   walking the demo store), stamping each send with the wall clock;
   a child process subscribed to the recommendations gives ``reco_latency_us``
   (signal published -> recommendation received over MQTT);
3. reads every page's render log (``window.__renders``: cause signal id, the
   moment the list was in the DOM, the next animation frame) and matches it by
   cause: ``signal_to_pixels_ms`` is publish -> DOM showing the list naming that
   signal as its cause, on the first page that showed it (``signal_to_frame_ms``:
   to the next animation frame, what the render confirmation reports);
   ``rendered`` counts signals some page showed;
4. stops the broker: every page must keep its last list and show the offline
   marker (``offline_kept_last_list``); restarts it and publishes a signal every
   100 ms until a page shows one: ``reconnected_s`` is broker start -> that;
5. ``signage_rss_mb``: peak resident memory of the edge-signage process (VmHWM).

Browser and server clocks are the same machine's wall clock (the page uses
``performance.timeOrigin + performance.now()``). Human-readable output goes to
stderr; the last stdout line is one JSON object.
"""

from __future__ import annotations

import argparse
import json
import multiprocessing as mp
import os
import queue
import shutil
import sqlite3
import subprocess
import sys
import tempfile
import time
import urllib.request
from pathlib import Path

import numpy as np

from benchmarks.edge_latency import (
    DEFAULT_BUNDLE,
    Publisher,
    ensure_bundle,
    location_payloads,
    paced,
    proc_cpu_s,
    proc_memory_mb,
    receiver_main,
)
from deploy.browser import chromium, signage_cmd, wait_http
from deploy.devicecfg import edge_device_cmd, local_device_config
from deploy.local_broker import MosquittoBroker, free_port
from deploy.process import stop_process
from edge.comms.topics import TopicTree

REPO = Path(__file__).resolve().parents[1]

COLLECT_JS = """
return Array.from(document.querySelectorAll('iframe')).map(f => {
  const w = f.contentWindow, d = f.contentDocument;
  if (!w || !d || !d.getElementById('list')) return null;
  return {renders: w.__renders || [], online: d.body.dataset.online,
          marker: !d.getElementById('offline').hidden, cause: d.getElementById('list').dataset.cause,
          rec: d.getElementById('list').dataset.recommendation, tiles: d.getElementById('list').children.length};
});"""

STATE_JS = COLLECT_JS.replace("renders: w.__renders || []", "renders: (w.__renders || []).length")

# The same, for a top-level display page (one per window).
PAGE_JS = """
const l = document.getElementById('list');
if (!l) return null;
return {renders: window.__renders || [], online: document.body.dataset.online,
        marker: !document.getElementById('offline').hidden, cause: l.dataset.cause,
        rec: l.dataset.recommendation, tiles: l.children.length};"""
PAGE_STATE_JS = PAGE_JS.replace("renders: window.__renders || []", "renders: (window.__renders || []).length")


class Pages:
    """The display pages in the browser: iframes of one /wall page, or one window each."""

    def __init__(self, driver, base: str, displays: list[str], mode: str) -> None:
        self.driver, self.mode = driver, mode
        if mode == "wall":
            driver.get(base + "/wall")
            self.handles: list[str] = []
            return
        self.handles = [driver.current_window_handle]
        driver.get(f"{base}/display/{displays[0]}")
        for d in displays[1:]:
            driver.switch_to.new_window("window")
            driver.get(f"{base}/display/{d}")
            self.handles.append(driver.current_window_handle)

    def _each(self, script: str) -> list:
        if self.mode == "wall":
            return self.driver.execute_script(script)
        out = []
        for h in self.handles:
            self.driver.switch_to.window(h)
            out.append(self.driver.execute_script(script))
        return out

    def state(self) -> list:
        return self._each(STATE_JS if self.mode == "wall" else PAGE_STATE_JS)

    def collect(self) -> list:
        return self._each(COLLECT_JS if self.mode == "wall" else PAGE_JS)


def say(msg: str) -> None:
    print(msg, file=sys.stderr, flush=True)


def pct_ms(values_s: list[float]) -> dict[str, float | None]:
    if not values_s:
        return {"p50": None, "p99": None}
    arr = np.asarray(values_s) * 1000
    return {"p50": round(float(np.percentile(arr, 50)), 2), "p99": round(float(np.percentile(arr, 99)), 2)}


def wait_pages(pages_: Pages, pred, timeout: float, what: str) -> list[dict]:
    deadline = time.monotonic() + timeout
    while True:
        pages = pages_.state()
        if all(p is not None for p in pages) and pred(pages):
            return pages
        if time.monotonic() > deadline:
            raise SystemExit(f"timed out waiting for {what}; pages: {pages}")
        time.sleep(0.05)


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(prog="python -m benchmarks.signage_latency", description=__doc__.split("\n")[0])
    ap.add_argument("--rate", type=float, default=200.0, help="location signals per second")
    ap.add_argument("--seconds", type=float, default=20.0)
    ap.add_argument("--bundle", type=Path, default=DEFAULT_BUNDLE)
    ap.add_argument("--keep", action="store_true", help="keep the work directory (logs, state DB)")
    ap.add_argument("--pages", choices=("wall", "windows"), default="wall",
                    help="all eight pages in one /wall page of iframes (480x540 each), or one 1920x1080 "
                         "window per display (four times the pixels to paint per page)")
    args = ap.parse_args(argv)

    ensure_bundle(args.bundle)
    work = Path(tempfile.mkdtemp(prefix="signage-bench-"))
    broker = MosquittoBroker(workdir=work / "broker", persistence=False).start()
    procs: list[subprocess.Popen] = []
    driver = None
    rx_proc = None
    mpctx = mp.get_context("fork")  # forked before any MQTT thread exists in this process
    ready, stop, out = mpctx.Event(), mpctx.Event(), mpctx.Queue()
    try:
        port = free_port()
        config = local_device_config(
            work / "device.toml", port=broker.port, bundle=args.bundle, db_path=work / "state.db",
            device_id="bench-edge",
            overrides={"signage": {"port": port, "proof_of_play": True, "heartbeat_s": 1.0}})
        tree = TopicTree(config.store_id, config.device_id, config.broker.topic_prefix)
        rx_proc = mpctx.Process(target=receiver_main,
                                args=(broker.host, broker.port, [(tree.recommendations(), 1)], ready, stop, out),
                                daemon=True)
        rx_proc.start()
        if not ready.wait(10):
            raise SystemExit("benchmark receiver could not subscribe")

        env = {**os.environ, "PYTHONUNBUFFERED": "1"}
        device = subprocess.Popen([*edge_device_cmd(), "run", "--config", str(work / "device.toml"),
                                   "--log-level", "WARNING"], cwd=REPO, env=env,
                                  stdout=(work / "device.log").open("wb"), stderr=subprocess.STDOUT)
        procs.append(device)
        signage = subprocess.Popen(signage_cmd(work / "device.toml"), cwd=REPO, env=env,
                                   stdout=(work / "signage.log").open("wb"), stderr=subprocess.STDOUT)
        procs.append(signage)
        base = f"http://127.0.0.1:{port}"
        wait_http(base + "/healthz", timeout=60, proc=signage)
        try:
            out.get(timeout=60)  # the device's first recommendation
        except queue.Empty:
            raise SystemExit(f"device sent no recommendation in 60 s; see {work / 'device.log'}") from None

        driver = chromium(1920, 1080)
        n_displays = len(config.displays)
        browser_pages = Pages(driver, base, [d.id for d in config.displays], args.pages)
        wait_pages(browser_pages, lambda ps: len(ps) == n_displays and all(p["tiles"] > 0 and p["online"] == "1" for p in ps),
                   60, "every page online with a list")
        say(f"{n_displays} display pages online in Chromium; signage pid {signage.pid}, device pid {device.pid}")
        time.sleep(1.0)

        # -- load: location signals at --rate --------------------------------------------
        count = int(args.rate * args.seconds)
        zones = [z.id for z in config.zones]
        neighbours = {z.id: list(z.neighbours) for z in config.zones}
        payloads = location_payloads(zones, neighbours, count)
        sent_wall = [0.0] * count
        sent_mono = [0.0] * count
        pub = Publisher(broker.host, broker.port, "bench-signage-tx")

        browser_pids = _descendants(driver.service.process.pid)
        cpu0 = {"signage": proc_cpu_s(signage.pid), "device": proc_cpu_s(device.pid),
                "browser": sum(proc_cpu_s(p) for p in browser_pids)}
        t_load = time.perf_counter()

        def send(i: int) -> None:
            sent_wall[i] = time.time()
            sent_mono[i] = time.perf_counter()
            pub.publish(tree.location, payloads[i])

        achieved = paced(args.rate, count, send, pub.service)
        elapsed = time.perf_counter() - t_load
        cpu_pct = {
            "signage": round(100 * (proc_cpu_s(signage.pid) - cpu0["signage"]) / elapsed, 1),
            "device": round(100 * (proc_cpu_s(device.pid) - cpu0["device"]) / elapsed, 1),
            "browser": round(100 * (sum(proc_cpu_s(p) for p in browser_pids) - cpu0["browser"]) / elapsed, 1),
        }
        time.sleep(2.0)  # the last lists reach the pages
        say(f"sent {count} signals at {achieved:.1f}/s")

        # -- offline: stop the broker, every page keeps its list with the marker ----------
        # First let a backlog drain (a loaded machine can run seconds behind), so that a
        # list changing now is a failure to keep it, not a late one arriving.
        before, stable_since = browser_pages.state(), time.monotonic()
        deadline = time.monotonic() + 60
        while time.monotonic() - stable_since < 2.0 and time.monotonic() < deadline:
            time.sleep(0.25)
            now_state = browser_pages.state()
            if [p["rec"] for p in now_state] != [p["rec"] for p in before]:
                before, stable_since = now_state, time.monotonic()
        broker.stop()
        during = wait_pages(browser_pages, lambda ps: all(p["online"] == "0" and p["marker"] for p in ps), 30,
                            "the offline marker on every page")
        kept = all(d["rec"] == b["rec"] and d["tiles"] == b["tiles"] and d["tiles"] > 0
                   for b, d in zip(before, during, strict=True))
        time.sleep(2.0)
        still = browser_pages.state()
        kept = kept and all(s["rec"] == b["rec"] and s["tiles"] > 0 for b, s in zip(before, still, strict=True))
        say(f"broker stopped: pages kept their last list: {kept}")

        broker.start()
        t_up = time.perf_counter()
        pub.close()
        reconnected_s = None
        probe_pub = None
        probes: list[str] = []
        deadline = t_up + 30
        while time.perf_counter() < deadline and reconnected_s is None:
            try:
                if probe_pub is None:
                    probe_pub = Publisher(broker.host, broker.port, "bench-signage-probe")
                sid = f"resume-{len(probes)}"
                probes.append(sid)
                probe_pub.publish(tree.location, json.dumps(
                    {"v": 1, "signal_id": sid, "ts": time.time(), "shopper": {"track_id": "resume"},
                     "zone": zones[len(probes) % len(zones)], "action": "enter"}).encode())
                probe_pub.service()
            except OSError:
                probe_pub = None
            time.sleep(0.1)
            causes = {p["cause"] for p in browser_pages.state() if p}
            if causes & set(probes):
                reconnected_s = round(time.perf_counter() - t_up, 2)
        say(f"broker restarted: a fresh signal on screen after {reconnected_s} s")
        if probe_pub is not None:
            probe_pub.close()

        # -- collect ---------------------------------------------------------------------
        pages = browser_pages.collect()
        first_dom: dict[str, float] = {}
        first_frame: dict[str, float] = {}
        server_at: dict[str, float] = {}
        for page in pages:
            for r in page["renders"]:
                cause = r.get("cause")
                if not cause or not cause.startswith("b"):
                    continue
                if r["dom_at"] < first_dom.get(cause, float("inf")):
                    first_dom[cause] = r["dom_at"]
                    if r.get("received_at"):
                        server_at[cause] = r["received_at"]
                if r.get("shown_at") and r["shown_at"] < first_frame.get(cause, float("inf")):
                    first_frame[cause] = r["shown_at"]
        to_pixels = [first_dom[f"b{i}"] - sent_wall[i] for i in range(count) if f"b{i}" in first_dom]
        to_frame = [first_frame[f"b{i}"] - sent_wall[i] for i in range(count) if f"b{i}" in first_frame]
        mem = proc_memory_mb(signage.pid)
        skipped = None
        with urllib.request.urlopen(base + "/metrics", timeout=5) as resp:
            for line in resp.read().decode().splitlines():
                if line.startswith("signage_lists_skipped_total "):
                    skipped = int(float(line.split()[1]))
        stop.set()
        _, records = out.get(timeout=30)
        answered: dict[str, float] = {}
        for t, kind, sid in records:
            if kind == "reco" and sid.startswith("b") and sid not in answered:
                answered[sid] = t
        reco = [answered[f"b{i}"] - sent_mono[i] for i in range(count) if f"b{i}" in answered]
        reco_us = {k: (round(v * 1000, 1) if v is not None else None) for k, v in pct_ms(reco).items()}
        # The reference measured in the same run: what edge-signage + the browser add
        # on top of the device's own signal -> MQTT recommendation time.
        overhead = [(first_dom[f"b{i}"] - sent_wall[i]) - (answered[f"b{i}"] - sent_mono[i])
                    for i in range(count) if f"b{i}" in first_dom and f"b{i}" in answered]
        confirmed = _confirmed_impressions(work / "state.db")

        result = {
            "signals": count,
            "rendered": len(to_pixels),
            "recommended": len(reco),
            "signal_to_pixels_ms": pct_ms(to_pixels),
            "signal_to_frame_ms": pct_ms(to_frame),
            "reco_latency_us": reco_us,
            "signage_added_ms": pct_ms(overhead),
            # Where the time goes: signal published -> edge-signage received the
            # recommendation (broker, device, broker), and that -> the page's DOM.
            "signal_to_server_ms": pct_ms([server_at[f"b{i}"] - sent_wall[i] for i in range(count)
                                           if f"b{i}" in server_at]),
            "server_to_dom_ms": pct_ms([first_dom[c] - server_at[c] for c in server_at]),
            "signage_rss_mb": mem.get("VmHWM"),
            "signage_rss_now_mb": mem.get("VmRSS"),
            "offline_kept_last_list": kept,
            "reconnected_s": reconnected_s,
            "pages_skipped_lists": skipped,
            "pages": len(pages),
            "pages_mode": args.pages,
            "impressions_with_shown_at": confirmed,
            "rate_achieved": round(achieved, 1),
            "cpu_pct_of_one_core": cpu_pct,
            "loadavg": Path("/proc/loadavg").read_text().split()[:3],
        }
        say(json.dumps(result, indent=1))
        print(json.dumps(result))
        return 0
    finally:
        if driver is not None:
            driver.quit()
        stop.set()
        for proc in procs:
            stop_process(proc, 10)
        if rx_proc is not None:
            rx_proc.join(timeout=5)
        broker.cleanup()
        if args.keep:
            say(f"work directory kept: {work}")
        else:
            shutil.rmtree(work, ignore_errors=True)


def _descendants(pid: int) -> list[int]:
    """Every process below ``pid`` (the browser's processes under chromedriver)."""
    children: dict[int, list[int]] = {}
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            fields = stat.read_text().rsplit(")", 1)[1].split()
            children.setdefault(int(fields[1]), []).append(int(stat.parent.name))
        except (OSError, IndexError, ValueError):
            continue
    out, todo = [], [pid]
    while todo:
        p = todo.pop()
        for c in children.get(p, []):
            out.append(c)
            todo.append(c)
    return out


def _confirmed_impressions(db: Path) -> int | None:
    """Impressions in the outbox that carry a page's shown_at (proof of play)."""
    try:
        conn = sqlite3.connect(f"file:{db}?mode=ro", uri=True, timeout=5)
        try:
            return conn.execute("SELECT count(*) FROM feedback_outbox WHERE kind = 'impression' "
                                "AND json_extract(payload, '$.data.shown_at') IS NOT NULL").fetchone()[0]
        finally:
            conn.close()
    except sqlite3.Error:
        return None


if __name__ == "__main__":
    sys.exit(main())
