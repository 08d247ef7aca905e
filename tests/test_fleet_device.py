"""The fleet service and a real device, end to end: a real Mosquitto, a real
`fleet serve`, a real `edge-device` with OTA on, signals flowing. The device
downloads from the fleet's artifact server with its own token, and the
rollout and the rollback complete on what the device itself reports."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

from edge_helpers import DEVICE, STORE, Probe, device_config, location, tiny_bundle, wait_until
from ota_factory import generate_keys, sign, variant

from deploy.devicecfg import render_toml
from deploy.local_broker import MosquittoBroker
from deploy.process import stop_process
from tests.fleet_helpers import FleetServer, device_token, run_fleet, write_config


def test_a_real_device_follows_a_rollout_and_a_rollback(tmp_path: Path, broker: MosquittoBroker) -> None:
    private, public = generate_keys(tmp_path / "keys")
    bundles = {}
    for version, created in (("v1", "2026-12-01T10:00:00+00:00"), ("v2", "2026-12-01T12:00:00+00:00")):
        bundles[version] = variant(tiny_bundle(), tmp_path / "bundles" / version / "bundle", version=version,
                                   created_at=created)
        sign(bundles[version], private)
    config = write_config(tmp_path, broker.port, [DEVICE], [public])
    for version in ("v1", "v2"):
        done = run_fleet("publish", str(bundles[version]), "--config", str(config))
        assert done.returncode == 0, done.stderr
    fleet = FleetServer(config).start()

    cfg = device_config(tmp_path, broker, bundles["v1"]).model_dump(mode="json", exclude_none=True)
    cfg["feedback"] = {"enabled": False, "sync": {"enabled": False}}
    cfg["ota"] = {"trusted_keys": [str(public)], "token": device_token(DEVICE), "state_dir": str(tmp_path / "ota"),
                  "probation": {"window_s": 1.0, "min_signals": 5, "max_p99_ms": 500.0}}
    (tmp_path / "device.toml").write_text(render_toml(cfg))
    device = subprocess.Popen([sys.executable, "-m", "edge.cli", "run", "--config", str(tmp_path / "device.toml")],
                              env={**os.environ, "EDGE_OTA_TEST_FAULTS": "{}"}, stderr=subprocess.PIPE, text=True)
    probe = Probe(broker)

    def fleet_view() -> dict:
        return fleet.api("GET", f"/api/devices/{DEVICE}")[1]

    def rollout(rid: str) -> dict:
        return fleet.api("GET", f"/api/rollouts/{rid}")[1]

    def traffic_until(pred, timeout: float) -> bool:
        """Signals keep flowing (probation judges live traffic) until ``pred()``."""
        return wait_until(lambda: probe.publish(probe.tree.location, location("produce"), qos=0) or pred(),
                          timeout, interval=0.05)

    try:
        assert wait_until(lambda: fleet.api("GET", f"/api/devices/{DEVICE}")[0] == 200
                          and fleet_view()["model"]["active"] == "v1", 60), fleet.api("GET", "/api/devices")
        assert fleet_view()["store"] == STORE

        done = run_fleet("rollout", "create", "--model", "v2", "--devices", DEVICE, "--server", fleet.url,
                         "--token", "operator-token-0123456789")
        assert done.returncode == 0, done.stderr
        rid = done.stdout.split()[0]
        assert traffic_until(lambda: rollout(rid)["state"] == "completed", 60), (rollout(rid), fleet_view())
        view = fleet_view()
        assert view["model"] == {"active": "v2", "previous": "v1"}
        assert view["ota"]["state"] == "active" and view["ota"]["rollout_id"] == rid

        done = run_fleet("rollback", "--device", DEVICE, "--to", "v1", "--reason", "test", "--server", fleet.url,
                         "--token", "operator-token-0123456789")
        assert done.returncode == 0, done.stderr
        rid2 = done.stdout.split()[0]
        assert traffic_until(lambda: rollout(rid2)["state"] == "completed", 60), (rollout(rid2), fleet_view())
        assert fleet_view()["model"]["active"] == "v1"
        kinds = [e["kind"] for e in fleet_view()["events"]]
        assert "ota_probation" in kinds and "model_changed" in kinds
        health = fleet.api("GET", "/api/health")[1]
        assert health["downloads"].get("full", 0) >= 1  # v2 came from the fleet's artifact server
        assert device.poll() is None
    finally:
        probe.close()
        stop_process(device, 10)
        fleet.stop()
