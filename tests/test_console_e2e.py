"""The console as a fleet manager uses it, in a real headless Chromium: real
Mosquitto, real `fleet serve`, three real `edge-device` processes with OTA on.
Log in, see the devices come online, start a canary rollout from the page, see
them converge, kill one and see it go offline, roll one back from the page.
Screenshots of every page at 1920x1080 go to out/screenshots/ (checked not blank).
One browser and one process stack for the module."""

from __future__ import annotations

import json
import os
import re
import signal
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
from edge_helpers import STORE, device_config, location, tiny_bundle, wait_until
from ota_factory import generate_keys, sign, variant

from deploy.browser import screenshot_not_blank
from deploy.console_seed import seed_feedback
from deploy.devicecfg import render_toml
from deploy.local_broker import MosquittoBroker
from edge.comms.mqtt import new_client, start
from edge.comms.topics import TopicTree
from tests.console_helpers import PASSWORDS, add_user
from tests.fleet_helpers import FleetServer, device_token, run_fleet, write_config

pytestmark = pytest.mark.slow

REPO = Path(__file__).resolve().parents[1]
SHOTS = REPO / "out" / "screenshots"
DEVICES = ["aisle-1", "aisle-2", "checkout"]
V1, V2 = "cj-2026-12-01", "cj-2026-12-02"


class Stack:
    def __init__(self, root: Path) -> None:
        self.root = root
        self.broker = MosquittoBroker(workdir=root / "broker")
        self.broker.start()
        private, self.public = generate_keys(root / "keys")
        bundles = {}
        for version, created in ((V1, "2026-12-01T10:00:00+00:00"), (V2, "2026-12-02T10:00:00+00:00")):
            bundles[version] = variant(tiny_bundle(), root / "bundles" / version / "bundle", version=version,
                                       created_at=created)
            sign(bundles[version], private)
        wh = f"sqlite:///{root / 'wh.db'}"
        seed_feedback(wh, [(V1, 0.04, 0.02), (V2, 0.07, 0.03)], impressions=2000)
        self.config = write_config(root, self.broker.port, DEVICES, [self.public],
                                   extra=["[console]", f'warehouse = "{wh}"'])
        for version in (V1, V2):
            done = run_fleet("publish", str(bundles[version]), "--config", str(self.config))
            assert done.returncode == 0, done.stderr
        assert add_user(self.config, "olga", "operator", PASSWORDS["olga"]).returncode == 0
        self.fleet = FleetServer(self.config).start()
        self.procs: dict[str, subprocess.Popen[bytes]] = {}
        for dev in DEVICES:
            self.start_device(dev, bundles[V1])
        self.traffic = threading.Event()
        self._stop = threading.Event()
        self.client = new_client("console-e2e-traffic")
        start(self.client, "127.0.0.1", self.broker.port, keepalive=10, blocking=True)
        self._pump = threading.Thread(target=self._signals, daemon=True)
        self._pump.start()

    def start_device(self, dev: str, bundle: Path) -> None:
        d = self.root / dev
        d.mkdir(exist_ok=True)
        cfg = device_config(d, self.broker, bundle).model_dump(mode="json", exclude_none=True)
        cfg["device_id"] = dev
        cfg["feedback"] = {"enabled": False, "sync": {"enabled": False}}
        cfg["ota"] = {"trusted_keys": [str(self.public)], "token": device_token(dev), "state_dir": str(d / "ota"),
                      "probation": {"window_s": 1.0, "min_signals": 5, "max_p99_ms": 500.0}}
        (d / "device.toml").write_text(render_toml(cfg))
        self.procs[dev] = subprocess.Popen(
            [sys.executable, "-m", "edge.cli", "run", "--config", str(d / "device.toml")],
            env={**os.environ, "PYTHONPATH": str(REPO), "EDGE_OTA_TEST_FAULTS": "{}"},
            stdout=(d / "device.log").open("wb"), stderr=subprocess.STDOUT)

    def _signals(self) -> None:
        """Live traffic while a rollout runs: the devices' probation judges real signals."""
        n = 0
        while not self._stop.is_set():
            if self.traffic.is_set():
                n += 1
                for dev in DEVICES:
                    self.client.publish(TopicTree(STORE, dev).location,
                                        json.dumps(location("produce", track=f"t{n % 20}")))
            time.sleep(0.05)

    def kill(self, dev: str) -> None:
        self.procs[dev].send_signal(signal.SIGKILL)
        self.procs[dev].wait(10)

    def close(self) -> None:
        self._stop.set()
        self.client.loop_stop()
        for p in self.procs.values():
            if p.poll() is None:
                p.send_signal(signal.SIGTERM)
        for p in self.procs.values():
            try:
                p.wait(10)
            except subprocess.TimeoutExpired:
                p.kill()
        self.fleet.stop()
        self.broker.cleanup()


@pytest.fixture(scope="module")
def stack(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Stack]:
    s = Stack(tmp_path_factory.mktemp("console-e2e"))
    try:
        yield s
    finally:
        s.close()


def shot(driver, name: str) -> Path:
    SHOTS.mkdir(parents=True, exist_ok=True)
    path = SHOTS / f"console-{name}.png"
    driver.save_screenshot(str(path))
    assert screenshot_not_blank(path) > 0.02, f"{path} looks blank"
    return path


def row_text(driver, dev: str) -> str:
    return driver.execute_script(
        "const r = document.getElementById(arguments[0]); return r ? r.innerText : '';", f"dev-{dev}")


def row_cell(driver, dev: str, css: str) -> str:
    return driver.execute_script(
        "const r = document.getElementById(arguments[0]); const c = r && r.querySelector(arguments[1]);"
        " return c ? c.innerText.trim() : '';", f"dev-{dev}", css)


def text_of(driver, element_id: str) -> str:
    """An element's text read in one script call (htmx may replace it between two WebDriver calls)."""
    return driver.execute_script("const e = document.getElementById(arguments[0]); return e ? e.innerText : '';",
                                 element_id)


def test_console_end_to_end_in_a_real_browser(stack: Stack, browser) -> None:
    from selenium.webdriver.common.by import By
    from selenium.webdriver.support.ui import Select

    d = browser
    url = stack.fleet.url
    # Not logged in: the console sends the browser to the login page.
    d.get(url + "/console/")
    assert "/console/login" in d.current_url
    shot(d, "login")
    d.find_element(By.ID, "name").send_keys("olga")
    d.find_element(By.ID, "password").send_keys(PASSWORDS["olga"])
    d.find_element(By.ID, "login").click()
    assert wait_until(lambda: d.current_url.rstrip("/").endswith("/console"), 10), d.current_url

    # Three real devices report: the overview shows them online, with v1 active.
    def overview_shows(state: str, version: str | None = None, devs: list[str] = DEVICES) -> bool:
        return all(row_cell(d, dev, ".state") == state and (version is None or row_cell(d, dev, ".active") == version)
                   for dev in devs)

    assert wait_until(lambda: d.refresh() or overview_shows("online", V1), 60, interval=1.0), \
        [row_text(d, x) for x in DEVICES]
    shot(d, "overview")
    # Search narrows the grid in place (htmx swaps the grid; the URL keeps the filter).
    d.find_element(By.ID, "q").send_keys("aisle-2")
    assert wait_until(lambda: row_text(d, "aisle-1") == "" and row_text(d, "aisle-2") != "", 10), text_of(d, "grid")
    assert "q=aisle-2" in d.current_url

    # Start a canary rollout of v2 to all devices from the rollouts page.
    d.get(url + "/console/rollouts")
    Select(d.find_element(By.ID, "model")).select_by_visible_text(V2)
    d.find_element(By.ID, "canary").clear()
    d.find_element(By.ID, "canary").send_keys("1")
    d.find_element(By.ID, "waves").clear()
    d.find_element(By.ID, "waves").send_keys("100")
    stack.traffic.set()
    d.find_element(By.ID, "start-rollout").click()
    assert wait_until(lambda: "/console/rollouts/r" in d.current_url, 10), d.current_url
    rollout_url = d.current_url
    assert wait_until(lambda: text_of(d, "rollout-state") == "completed", 120, interval=1.0), \
        text_of(d, "progress")
    assert "canary" in text_of(d, "progress")
    shot(d, "rollout")

    # The open overview page converges to v2 by itself (live rows, no reload).
    d.get(url + "/console/")
    assert wait_until(lambda: overview_shows("online", V2), 40, interval=0.5), [row_text(d, x) for x in DEVICES]
    # Latency p50 / p99 from the devices' own histograms (status detail.latency_ms), not a mean.
    assert all(re.fullmatch(r"[\d.,]+ / [\d.,]+", row_cell(d, dev, ".lat")) for dev in DEVICES), \
        [row_cell(d, x, ".lat") for x in DEVICES]

    # Kill one device: the broker's last will marks it offline on the open page.
    stack.kill("checkout")
    assert wait_until(lambda: row_cell(d, "checkout", ".state") == "offline", 30, interval=0.5), \
        row_text(d, "checkout")
    assert overview_shows("online", V2, ["aisle-1", "aisle-2"])
    assert wait_until(lambda: text_of(d, "count-offline") == "1", 5), text_of(d, "grid")
    shot(d, "overview-offline")

    # Roll aisle-1 back to v1 from the rollout page.
    d.get(rollout_url)
    Select(d.find_element(By.ID, "rollback-device")).select_by_visible_text("aisle-1")
    d.find_element(By.ID, "rollback-to").send_keys(V1)
    d.find_element(By.ID, "rollback").click()
    assert wait_until(lambda: d.current_url != rollout_url and "/console/rollouts/r" in d.current_url, 10)
    assert wait_until(lambda: text_of(d, "rollout-state") == "completed", 90, interval=1.0), \
        text_of(d, "progress")
    stack.traffic.clear()
    d.get(url + "/console/")
    assert wait_until(lambda: row_cell(d, "aisle-1", ".active") == V1, 20, interval=0.5), row_text(d, "aisle-1")

    # The other pages, as a person sees them.
    d.get(url + "/console/devices/aisle-1")
    page = d.find_element(By.TAG_NAME, "body").text
    assert "Model history" in page and V1 in page and V2 in page
    shot(d, "device")
    d.get(url + "/console/models")
    assert V1 in d.find_element(By.ID, "models").text
    shot(d, "models")
    d.get(url + "/console/rollouts")
    shot(d, "rollouts")
    d.get(url + "/console/results")
    assert "A/B comparison" in d.find_element(By.TAG_NAME, "body").text
    shot(d, "results")
