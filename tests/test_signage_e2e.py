"""edge-signage as a person sees it: real Mosquitto, real edge-device with a
bundle over real Complete Journey products, the edge-signage process and a
real headless Chromium. One browser and one process stack for the module."""

from __future__ import annotations

import json
import os
import sqlite3
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
from edge_helpers import DEVICE, STORE, Probe, location, topics, wait_until

from deploy.browser import (
    screenshot_not_blank,
    set_viewport,
    signage_cmd,
    wait_http,
)
from deploy.devicecfg import render_toml
from deploy.local_broker import MosquittoBroker, free_port
from deploy.process import stop_process

pytestmark = pytest.mark.slow

REPO = Path(__file__).resolve().parents[1]
SHOTS = REPO / "out" / "screenshots"
T = topics()


class Stack:
    def __init__(self, root: Path) -> None:
        from bundle_factory import build_bundle
        from conftest import SHARED_DATA
        from signage_catalogue import real_items

        self.root = root
        items = real_items(SHARED_DATA / "completejourney")
        self.bundle = build_bundle(root / "bundle", items=items)
        self.broker = MosquittoBroker(workdir=root / "broker").start()
        self.port = free_port()
        self.db = root / "state.db"
        config = {
            "device_id": DEVICE, "store_id": STORE,
            "broker": {"host": "127.0.0.1", "port": self.broker.port, "keepalive_s": 5},
            "model": {"bundle_path": str(self.bundle)},
            "storage": {"db_path": str(self.db)},
            "signage": {"port": self.port, "proof_of_play": True, "heartbeat_s": 0.5},
            "zones": [
                {"id": "produce", "departments": ["PRODUCE"], "neighbours": ["deli"]},
                {"id": "deli", "departments": ["DELI"], "neighbours": ["produce", "grocery"]},
                {"id": "grocery", "departments": ["GROCERY", "DRUG GM"], "neighbours": ["deli"]},
            ],
            "displays": [
                {"id": "produce-screen", "kind": "screen", "zone": "produce", "slots": 6},
                {"id": "deli-screen", "kind": "screen", "zone": "deli", "slots": 4},
                {"id": "grocery-shelf", "kind": "shelf", "zone": "grocery", "slots": 4},
            ],
        }
        self.config = root / "device.toml"
        self.config.write_text(render_toml(config))
        env = {**os.environ, "PYTHONUNBUFFERED": "1"}
        self.device = subprocess.Popen([sys.executable, "-m", "edge.cli", "run", "--config", str(self.config),
                                        "--log-level", "WARNING"], env=env,
                                       stdout=(root / "device.log").open("wb"), stderr=subprocess.STDOUT)
        self.signage = subprocess.Popen(signage_cmd(self.config), env=env,
                                        stdout=(root / "signage.log").open("wb"), stderr=subprocess.STDOUT)
        self.url = f"http://127.0.0.1:{self.port}"
        wait_http(self.url + "/healthz", proc=self.signage)
        self.probe = Probe(self.broker)
        self.probe.wait_for(lambda t, b: t == T.status and b["state"] == "online", timeout=30)

    def outbox(self, kind: str) -> list[dict]:
        conn = sqlite3.connect(f"file:{self.db}?mode=ro", uri=True, timeout=5)
        try:
            rows = conn.execute("SELECT payload FROM feedback_outbox WHERE kind = ?", (kind,)).fetchall()
        finally:
            conn.close()
        return [json.loads(r[0]) for r in rows]

    def close(self) -> None:
        self.probe.close()
        for proc in (self.signage, self.device):
            stop_process(proc, 10)
        self.broker.cleanup()


@pytest.fixture(scope="module")
def stack(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Stack]:
    s = Stack(tmp_path_factory.mktemp("signage"))
    try:
        yield s
    finally:
        s.close()


def page_state(driver) -> dict:
    return driver.execute_script("""
        const l = document.getElementById('list');
        return {cause: l.dataset.cause, rec: l.dataset.recommendation, online: document.body.dataset.online,
                marker: !document.getElementById('offline').hidden, tiles: l.children.length,
                text: document.body.innerText, renders: window.__renders.length};""")


def wait_page(driver, pred, timeout: float = 10.0) -> dict:
    deadline = time.monotonic() + timeout
    while True:
        state = page_state(driver)
        if pred(state):
            return state
        if time.monotonic() > deadline:
            raise AssertionError(f"page never reached the expected state; last: {state}")
        time.sleep(0.05)


def show(driver, stack: Stack, display: str, size: tuple[int, int], layout: str | None = None) -> None:
    set_viewport(driver, *size)
    driver.get(f"{stack.url}/display/{display}" + (f"?layout={layout}" if layout else ""))
    wait_page(driver, lambda s: s["tiles"] > 0 and s["online"] == "1")


def test_location_signal_puts_the_new_list_on_screen_and_confirms_it(stack: Stack, browser) -> None:
    show(browser, stack, "produce-screen", (1920, 1080))
    sig = location("produce", track="e2e-1")
    stack.probe.publish(T.location, sig, qos=0)
    reco = stack.probe.reco_for(sig["signal_id"], "produce-screen")
    state = wait_page(browser, lambda s: s["cause"] == sig["signal_id"])
    assert state["rec"] == reco["recommendation_id"] and state["tiles"] == 6
    for item in reco["items"]:
        assert f"${item['price']:.2f}" in state["text"]
        assert item["item_id"] not in state["text"]  # no raw ids on screen
    assert sig["signal_id"] not in state["text"]
    # Proof of play: the impression is recorded once the page drew it, with shown_at.
    assert wait_until(lambda: any(i["data"]["recommendation_id"] == reco["recommendation_id"]
                                  for i in stack.outbox("impression")), timeout=10)
    imp = next(i for i in stack.outbox("impression") if i["data"]["recommendation_id"] == reco["recommendation_id"])
    assert reco["generated_at"] <= imp["data"]["shown_at"] < reco["generated_at"] + 5


def test_screenshots_of_every_layout_are_readable(stack: Stack, browser) -> None:
    SHOTS.mkdir(parents=True, exist_ok=True)
    for display, size, layout, name in (
        ("produce-screen", (1920, 1080), None, "landscape"),
        ("deli-screen", (1080, 1920), "portrait", "portrait"),
        ("grocery-shelf", (1920, 360), None, "shelf-strip"),
    ):
        show(browser, stack, display, size, layout)
        # Nothing cut off: every tile lies inside the viewport, its texts inside the
        # tile, and no text is clipped inside its own box.
        overflow = browser.execute_script("""
            const bad = [];
            for (const t of document.querySelectorAll('.tile')) {
              const tr = t.getBoundingClientRect();
              if (tr.bottom > innerHeight + 1 || tr.right > innerWidth + 1) bad.push('tile:' + t.textContent);
              for (const e of t.querySelectorAll('.inner > *')) {
                const r = e.getBoundingClientRect();
                if (r.bottom > tr.bottom + 1 || r.right > tr.right + 1 || e.scrollHeight > e.clientHeight + 2
                    || e.scrollWidth > e.clientWidth + 2)
                  bad.push(e.className + ':' + e.textContent);
              }
            }
            return bad;""")
        assert overflow == [], f"{name}: cut off: {overflow}"
        png = SHOTS / f"{name}.png"
        browser.save_screenshot(str(png))
        assert screenshot_not_blank(png) > 0.05, f"{png} looks blank"


def test_shelf_display_gets_the_compact_label_payload(stack: Stack) -> None:
    got: list[dict] = []
    stack.probe.client.on_message = lambda c, u, m: got.append(json.loads(m.payload))
    stack.probe.client.subscribe(T.shelf("grocery-shelf"), qos=1)
    assert wait_until(lambda: bool(got), timeout=5)
    labels = got[-1]["labels"]
    assert 1 <= len(labels) <= 4 and all(len(lab["text"]) <= 24 and lab["price"] > 0 for lab in labels)


def test_tap_reaches_the_feedback_outbox_as_an_interaction(stack: Stack, browser) -> None:
    show(browser, stack, "deli-screen", (1920, 1080), "landscape")
    tile = browser.find_element("css selector", ".tile")
    item_id = tile.get_attribute("data-item")
    tile.click()
    assert wait_until(lambda: any(i["data"]["item_id"] == item_id and i["data"]["action"] == "touch"
                                  and i["data"]["recommended"] for i in stack.outbox("interaction")),
                      timeout=10)


def test_broker_outage_keeps_the_last_list_and_live_updates_resume(stack: Stack, browser) -> None:
    show(browser, stack, "produce-screen", (1920, 1080))
    before = page_state(browser)
    stack.broker.stop()
    during = wait_page(browser, lambda s: s["online"] == "0" and s["marker"], timeout=10)
    assert during["rec"] == before["rec"] and during["tiles"] == before["tiles"]
    stack.broker.start()
    t0 = time.monotonic()
    wait_page(browser, lambda s: s["online"] == "1" and not s["marker"], timeout=15)
    assert time.monotonic() - t0 < 5, "page did not resume within 5 s of the broker"
    sig = location("produce", track="e2e-2")
    assert wait_until(lambda: stack.probe.client.is_connected(), timeout=10)
    stack.probe.publish(T.location, sig, qos=0)
    wait_page(browser, lambda s: s["cause"] == sig["signal_id"], timeout=10)


def test_device_going_away_keeps_the_list_with_the_marker(stack: Stack, browser) -> None:
    # Last in the module: the device is stopped for good.
    show(browser, stack, "deli-screen", (1920, 1080))
    before = page_state(browser)
    stack.device.terminate()  # a clean stop publishes the retained "offline" status
    stack.device.wait(15)
    during = wait_page(browser, lambda s: s["online"] == "0" and s["marker"], timeout=10)
    assert during["rec"] == before["rec"] and during["tiles"] == before["tiles"] > 0
