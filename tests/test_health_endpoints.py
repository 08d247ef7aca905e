"""/metrics, /healthz and /readyz of the edge processes, on real processes;
the Prometheus text passes ``promtool check metrics`` (Debian package prometheus)."""

from __future__ import annotations

import asyncio
import json
import os
import shutil
import socket
import subprocess
import sys
import time
from pathlib import Path

import pytest
from edge_helpers import http_get

from deploy.browser import signage_cmd, wait_http
from deploy.devicecfg import render_toml
from deploy.local_broker import MosquittoBroker, free_port

REPO = Path(__file__).resolve().parents[1]


def promtool_check(text: bytes) -> None:
    promtool = shutil.which("promtool")
    if promtool is None:
        pytest.skip("promtool not found: install the Debian package 'prometheus' (make browser does it)")
    res = subprocess.run([promtool, "check", "metrics"], input=text, capture_output=True, timeout=30)
    assert res.returncode == 0, (res.stdout + res.stderr).decode()


def test_signage_metrics_pass_promtool_and_readiness_follows_the_broker(
    tmp_path: Path, broker: MosquittoBroker
) -> None:
    port = free_port()
    config = tmp_path / "device.toml"
    config.write_text(render_toml({
        "device_id": "dev1", "store_id": "teststore",
        "broker": {"host": "127.0.0.1", "port": broker.port, "keepalive_s": 5},
        "signage": {"port": port},
        "zones": [{"id": "z"}], "displays": [{"id": "d1", "kind": "screen", "zone": "z"}],
    }))
    notify = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
    notify.bind(str(tmp_path / "notify.sock"))
    notify.settimeout(10)
    env = {**os.environ, "NOTIFY_SOCKET": str(tmp_path / "notify.sock"), "WATCHDOG_USEC": "400000"}
    proc = subprocess.Popen(signage_cmd(config), stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, env=env)
    base = f"http://127.0.0.1:{port}"
    try:
        # systemd hears READY=1 once it listens, then WATCHDOG=1 every half WatchdogSec.
        said = {notify.recv(64).decode() for _ in range(3)}
        assert {"READY=1", "WATCHDOG=1"} <= said
        wait_http(base + "/readyz", proc=proc)
        # Bad requests get a clear answer and change nothing.
        status, body = http_get(base + "/display/nowhere")
        assert status == 404 and b"unknown display 'nowhere'" in body and b"d1" in body
        status, body = http_get(base + "/display/d1?layout=sideways")
        assert status == 400 and b"layout: must be one of landscape, portrait, strip" in body
        assert asyncio.run(_bad_page_messages(f"ws://127.0.0.1:{port}/display/d1/ws")) == [
            "rendered: recommendation_id: Field required", "type: unknown message type 'dance'"]
        status, body = http_get(base + "/metrics")
        assert status == 200 and b"signage_mqtt_connected 1.0" in body
        assert b'signage_rejected_messages_total{source="page"} 3.0' in body
        promtool_check(body)
        broker.stop()
        deadline = time.monotonic() + 10
        while http_get(base + "/readyz")[0] != 503:
            assert time.monotonic() < deadline, "readyz stayed ok without a broker"
            time.sleep(0.1)
        status, body = http_get(base + "/healthz")
        assert status == 200 and json.loads(body)["broker"] is False  # alive, just not ready
    finally:
        proc.terminate()
        proc.wait(10)
        notify.close()


async def _bad_page_messages(url: str) -> list[str]:
    """What the server answers a page sending nonsense (the socket stays open)."""
    import websockets

    errors = []
    async with websockets.connect(url) as ws:
        for bad in ("not json", json.dumps({"type": "rendered", "shown_at": 1.0}), json.dumps({"type": "dance"})):
            await ws.send(bad)
        deadline = time.monotonic() + 5
        while len(errors) < 2 and time.monotonic() < deadline:
            msg = json.loads(await asyncio.wait_for(ws.recv(), 5))
            if msg["type"] == "error":
                errors.append(msg["error"])
    return errors


@pytest.mark.slow
def test_camera_metrics_pass_promtool_while_it_runs(tmp_path: Path, shared_data: Path,
                                                    broker: MosquittoBroker) -> None:
    example = REPO / "firmware_config" / "examples" / "vtest-camera.toml"
    port = free_port()
    text = example.read_text().replace('"../../../shared/', f'"{REPO.parent}/shared/')
    text = text.replace("port = 1883", f"port = {broker.port}")
    config = tmp_path / "cam.toml"
    config.write_text(text + f"\n[metrics]\ncamera_port = {port}\n")
    proc = subprocess.Popen([sys.executable, "-m", "edge.camera.cli", "--config", str(config),
                             "--max-frames", "400"], stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                            env={**os.environ, "PYTHONUNBUFFERED": "1"})
    try:
        wait_http(f"http://127.0.0.1:{port}/healthz", timeout=60, proc=proc)
        deadline = time.monotonic() + 30
        while b"camera_frames_total{camera=" not in http_get(f"http://127.0.0.1:{port}/metrics")[1]:
            assert time.monotonic() < deadline
            time.sleep(0.2)
        status, body = http_get(f"http://127.0.0.1:{port}/metrics")
        assert status == 200
        promtool_check(body)
        assert http_get(f"http://127.0.0.1:{port}/readyz")[0] == 200
    finally:
        proc.terminate()
        proc.wait(30)


def test_device_metrics_pass_promtool_and_tell_systemd(tmp_path: Path, broker: MosquittoBroker) -> None:
    from edge_helpers import Probe, device_toml, location, topics

    port = free_port()
    config = device_toml(tmp_path, broker.port, metrics_port=port)
    notify = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
    notify.bind(str(tmp_path / "notify.sock"))
    notify.settimeout(20)
    env = {**os.environ, "NOTIFY_SOCKET": str(tmp_path / "notify.sock"), "WATCHDOG_USEC": "400000"}
    proc = subprocess.Popen([sys.executable, "-m", "edge.cli", "run", "--config", str(config)],
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, env=env)
    base = f"http://127.0.0.1:{port}"
    probe = Probe(broker)
    try:
        said = {notify.recv(64).decode() for _ in range(3)}
        assert {"READY=1", "WATCHDOG=1"} <= said
        wait_http(base + "/readyz", timeout=20, proc=proc)
        sig = location("produce", track="m1")
        probe.publish(topics().location, sig, qos=0)
        probe.reco_for(sig["signal_id"], "produce-screen")
        probe.publish(topics().location, b"{not json", qos=0)
        deadline = time.monotonic() + 10
        while b'edge_signals_rejected_total{reason="payload"}' not in http_get(base + "/metrics")[1]:
            assert time.monotonic() < deadline, http_get(base + "/metrics")[1].decode()
            time.sleep(0.1)
        status, body = http_get(base + "/metrics")
        assert status == 200
        text = body.decode()
        for needle in ('edge_signals_received_total{kind="location"}', 'edge_stage_seconds_bucket{stage="total"',
                       'edge_model_info{version="test-7",strategy="model"} 1', "edge_outbox_backlog ",
                       "edge_score_cache_misses ", "edge_broker_connected 1"):
            assert needle in text, needle
        promtool_check(body)
        assert http_get(base + "/healthz")[0] == 200
        broker.stop()
        deadline = time.monotonic() + 10
        while http_get(base + "/readyz")[0] != 503:
            assert time.monotonic() < deadline, "readyz stayed ok without a broker"
            time.sleep(0.1)
        assert http_get(base + "/healthz")[0] == 200  # alive, just not ready
    finally:
        probe.close()
        proc.terminate()
        proc.wait(15)
        notify.close()
