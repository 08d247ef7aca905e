"""OTA on a real device process: real Mosquitto, a real HTTP artifact server, real ``edge-device``.

What a store must be able to rely on: a signed model is swapped in under
traffic without an unanswered signal; every bad bundle is refused with its
reason while the previous model keeps serving; a cut download resumes; a slow
or crash-looping model is rolled back by the device itself; SIGKILL at any
OTA step comes back serving a verified model.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import threading
import time
from pathlib import Path

import pytest
from edge_helpers import DEVICE, Probe, device_config, location, tiny_bundle, wait_until
from ota_factory import (
    ArtifactServer,
    desired,
    generate_keys,
    pack,
    sign,
    tamper,
    truncate,
    variant,
    wrong_shape,
)

from deploy.devicecfg import render_toml
from deploy.local_broker import MosquittoBroker
from deploy.process import stop_process

TOKEN = "dev1-token"


class Keys:
    def __init__(self, root: Path) -> None:
        self.private, self.public = generate_keys(root / "fleet")
        self.other_private, _ = generate_keys(root / "other")


class Lab:
    """Bundles, keys, an artifact server, and a device process to start and kill."""

    def __init__(self, tmp: Path, broker: MosquittoBroker, *, faults: dict | None = None,
                 probation: dict | None = None, crash_loop: dict | None = None,
                 throttle_bps: int | None = None) -> None:
        self.tmp, self.broker = tmp, broker
        self.base = tiny_bundle()
        self.keys = Keys(tmp)
        (tmp / "artifacts").mkdir()
        self.server = ArtifactServer(tmp / "artifacts", token=TOKEN, throttle_bps=throttle_bps)
        self.v1 = self.bundle("v1", created="2026-12-01T10:00:00+00:00")
        cfg = device_config(tmp, broker, self.v1).model_dump(mode="json", exclude_none=True)
        cfg["feedback"] = {"enabled": False, "sync": {"enabled": False}}
        cfg["ota"] = {"trusted_keys": [str(self.keys.public)], "token": TOKEN,
                      "state_dir": str(tmp / "ota"),
                      "probation": {"window_s": 2.0, "min_signals": 20, "max_p99_ms": 200.0,
                                    **(probation or {})},
                      "crash_loop": {"boots": 2, "window_s": 120, **(crash_loop or {})}}
        self.config = tmp / "device.toml"
        self.config.write_text(render_toml(cfg))
        self.env = {**os.environ, "EDGE_OTA_TEST_FAULTS": json.dumps(faults or {})}
        self.proc: subprocess.Popen | None = None

    def bundle(self, version: str, *, created: str = "2026-12-01T12:00:00+00:00",
               key: Path | None = None, change=None) -> Path:
        path = variant(self.base, self.tmp / "bundles" / version, version=version, created_at=created)
        sign(path, key or self.keys.private)
        if change is not None:
            change(path)
        return path

    def publish_desired(self, probe: Probe, path: Path, *, cut: float | None = None, truncated: bool = False,
                        allow_downgrade: bool = False, rollout: str = "r1") -> str:
        art = pack(path)
        if truncated:
            art = truncate(art)
        url = self.server.add(art)
        if cut is not None:
            self.server.cut_next[art.tarball.name] = int(art.size * cut)  # a fraction of the bytes
        probe.publish(probe.tree.desired, desired(DEVICE, art, url, allow_downgrade=allow_downgrade,
                                                  rollout_id=rollout), retain=True)
        return art.version

    def start(self) -> subprocess.Popen:
        self.proc = subprocess.Popen([sys.executable, "-m", "edge.cli", "run", "--config", str(self.config)],
                                     env=self.env, stderr=subprocess.PIPE, text=True)
        return self.proc

    def close(self) -> None:
        stop_process(self.proc, 10)
        self.server.close()


def ota_status(probe: Probe, pred, timeout: float = 30.0) -> dict:
    """The first device status whose detail satisfies ``pred(detail)``."""
    def match(topic: str, body: dict | None) -> bool:
        return (topic.endswith("/status") and body is not None and body.get("state") == "online"
                and pred(body.get("detail") or {}))
    return probe.wait_for(match, timeout)[1]["detail"]


def state_is(state: str, version: str | None = None):
    return lambda d: (d.get("ota") or {}).get("state") == state and (
        version is None or d["ota"].get("version") == version)


class Traffic:
    """Location signals at a steady rate; which of them were answered."""

    def __init__(self, probe: Probe, rate: float = 100.0) -> None:
        self.probe, self.rate = probe, rate
        self.sent: list[str] = []
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)

    def __enter__(self) -> Traffic:
        self._thread.start()
        return self

    def _run(self) -> None:
        zones = ["produce", "deli", "grocery"]
        n = 0
        next_t = time.monotonic()
        while not self._stop.is_set():
            sig = location(zones[n % 3], track=f"t{n % 40}")
            self.probe.publish(self.probe.tree.location, sig, qos=0)
            self.sent.append(sig["signal_id"])
            n += 1
            next_t += 1 / self.rate
            time.sleep(max(0.0, next_t - time.monotonic()))

    def __exit__(self, *exc) -> None:
        self._stop.set()
        self._thread.join()

    def unanswered(self) -> set[str]:
        answered = {(b.get("cause") or {}).get("signal_id") for t, b, _ in list(self.probe.messages)
                    if t.endswith("/recommendations") and b}
        return set(self.sent) - answered


def _wait_serving(probe: Probe, version: str, timeout: float = 30.0) -> None:
    ota_status(probe, lambda d: (d.get("model") or {}).get("active") == version, timeout)


def test_signed_swap_under_traffic_and_every_attack_refused_while_serving(
        tmp_path: Path, broker: MosquittoBroker, probe: Probe) -> None:
    lab = Lab(tmp_path, broker)
    try:
        lab.start()
        _wait_serving(probe, "v1")
        with Traffic(probe) as traffic:
            time.sleep(0.5)
            lab.publish_desired(probe, lab.bundle("v2"))
            ota_status(probe, state_is("probation", "v2"))
            detail = ota_status(probe, state_is("active", "v2"))
            assert detail["model"] == {"active": "v2", "previous": "v1"}
            attacks = {
                "tampered": lab.bundle("a-tampered", change=tamper),
                "unsigned": lab.bundle("a-unsigned", change=lambda p: (p / "signature.json").unlink()),
                "wrong_key": lab.bundle("a-wrongkey", key=lab.keys.other_private),
                "downgrade": lab.bundle("a-old", created="2026-11-01T00:00:00+00:00"),
                "wrong_shape": lab.bundle("a-shape", change=lambda p: (wrong_shape(p), sign(p, lab.keys.private))),
                "truncated": lab.bundle("a-truncated"),
            }
            for n, (reason, path) in enumerate(attacks.items()):
                version = lab.publish_desired(probe, path, truncated=reason == "truncated", rollout=f"atk{n}")
                refused = ota_status(probe, state_is("refused", version))
                assert refused["ota"]["reason"].startswith(reason), refused["ota"]
                assert refused["model"]["active"] == "v2"
            time.sleep(0.5)
        assert traffic.sent and wait_until(lambda: not traffic.unanswered(), timeout=5), \
            f"{len(traffic.unanswered())} of {len(traffic.sent)} signals unanswered"
        # The device kept serving v2 all along and says so.
        assert lab.proc is not None and lab.proc.poll() is None
        probe.publish(probe.tree.desired, b"{not json", retain=True)
        letter = probe.wait_for(lambda t, b: t.endswith("/deadletter") and b and "desired" in b["topic"])[1]
        assert letter["reason"]
    finally:
        lab.close()


def test_cut_download_resumes_and_the_model_swaps(tmp_path: Path, broker: MosquittoBroker,
                                                  probe: Probe) -> None:
    lab = Lab(tmp_path, broker)
    try:
        lab.start()
        _wait_serving(probe, "v1")
        lab.publish_desired(probe, lab.bundle("v2"), cut=0.5)
        detail = ota_status(probe, state_is("active", "v2"))
        assert detail["ota"]["counts"]["resumed_downloads"] == 1
        ranges = [r for name, r in lab.server.requests if name.startswith("v2")]
        assert ranges[0] is None and ranges[1] is not None and ranges[1].startswith("bytes=")
        assert int(ranges[1][6:-1]) > 0
    finally:
        lab.close()


def test_slow_model_is_rolled_back_within_probation(tmp_path: Path, broker: MosquittoBroker,
                                                    probe: Probe) -> None:
    lab = Lab(tmp_path, broker, faults={"v-slow": {"latency_ms": 30}},
              probation={"window_s": 20.0, "max_p99_ms": 15.0})
    try:
        lab.start()
        _wait_serving(probe, "v1")
        with Traffic(probe, rate=50):
            lab.publish_desired(probe, lab.bundle("v-slow"))
            detail = ota_status(probe, state_is("rolled_back", "v-slow"))
        assert detail["ota"]["reason"].startswith("slow_model")
        assert detail["ota"]["detected_s"] < 20
        assert detail["model"]["active"] == "v1"
    finally:
        lab.close()


def test_crash_looping_model_boots_the_previous_slot(tmp_path: Path, broker: MosquittoBroker,
                                                     probe: Probe) -> None:
    lab = Lab(tmp_path, broker, faults={"v-crash": {"crash": True}})
    try:
        lab.start()
        _wait_serving(probe, "v1")
        lab.publish_desired(probe, lab.bundle("v-crash"))
        exits = []
        with Traffic(probe, rate=20):
            for _ in range(2):  # the supervisor's job (systemd): restart whatever exits
                assert lab.proc is not None
                exits.append(lab.proc.wait(30))
                lab.start()
            detail = ota_status(probe, state_is("rolled_back", "v-crash"), timeout=40)
        assert exits == [70, 70]
        assert detail["ota"]["reason"].startswith("crash_loop")
        assert detail["model"]["active"] == "v1"
    finally:
        lab.close()


@pytest.mark.slow
def test_sigkill_at_each_ota_step_comes_back_serving_a_verified_model(
        tmp_path: Path, broker: MosquittoBroker, probe: Probe) -> None:
    lab = Lab(tmp_path, broker, throttle_bps=200_000, probation={"window_s": 3.0})
    try:
        lab.start()
        _wait_serving(probe, "v1")
        served: list[str] = []
        # verifying and smoke_testing both run in the checker process: one kill covers it.
        for n, step in enumerate(("downloading", "smoke_testing", "probation")):
            version = f"k{n}"
            probe.clear()
            lab.publish_desired(probe, lab.bundle(version), rollout=f"kill{n}")
            ota_status(probe, state_is(step, version), timeout=60)
            assert lab.proc is not None
            lab.proc.kill()
            lab.proc.wait(10)
            probe.clear()
            lab.start()
            # It comes back serving something verified, then (desired is retained) finishes the update.
            detail = ota_status(probe, lambda d: (d.get("model") or {}).get("active") is not None)
            served.append(detail["model"]["active"])
            ota_status(probe, state_is("active", version), timeout=60)
        assert all(v in {"v1", "k0", "k1", "k2"} for v in served)
    finally:
        lab.close()


def test_fleet_rollout_swaps_the_model_and_a_rollback_pauses_it(
        tmp_path: Path, broker: MosquittoBroker, probe: Probe) -> None:
    """The real path: `fleet publish`, `fleet serve` (per-device token, Range), a rollout
    through the fleet's API; the device's own rollback pauses the fleet's rollout."""
    from fleet_helpers import FleetServer, device_token, run_fleet, write_config

    lab = Lab(tmp_path, broker, faults={"v-slow": {"latency_ms": 30}},
              probation={"window_s": 2.0, "max_p99_ms": 15.0})
    fleet_dir = tmp_path / "fleet-service"
    fleet_dir.mkdir()
    cfg = write_config(fleet_dir, broker.port, [DEVICE], [lab.keys.public])
    text = lab.config.read_text().replace(f'token = "{TOKEN}"', f'token = "{device_token(DEVICE)}"')
    lab.config.write_text(text)
    server = FleetServer(cfg)
    try:
        for version in ("v2", "v-slow"):
            done = run_fleet("publish", str(lab.bundle(version)), "--config", str(cfg))
            assert done.returncode == 0, done.stderr
        server.start()
        lab.start()
        _wait_serving(probe, "v1")
        wait_until(lambda: server.api("GET", f"/api/devices/{DEVICE}")[0] == 200, timeout=10)
        code, rollout = server.api("POST", "/api/rollouts", {"model": "v2", "devices": [DEVICE]})
        assert code == 201, rollout
        detail = ota_status(probe, state_is("active", "v2"))
        assert detail["model"] == {"active": "v2", "previous": "v1"}
        assert detail["ota"]["rollout_id"] == rollout["id"]
        assert wait_until(lambda: server.api("GET", f"/api/rollouts/{rollout['id']}")[1]["state"] == "completed",
                          timeout=10)

        code, slow = server.api("POST", "/api/rollouts", {"model": "v-slow", "devices": [DEVICE]})
        assert code == 201, slow
        with Traffic(probe, rate=50):
            detail = ota_status(probe, state_is("rolled_back", "v-slow"))
        assert detail["ota"]["reason"].startswith("slow_model")
        assert detail["model"]["active"] == "v2"
        assert wait_until(lambda: server.api("GET", f"/api/rollouts/{slow['id']}")[1]["state"] == "paused",
                          timeout=10)
    finally:
        lab.close()
        server.stop()
