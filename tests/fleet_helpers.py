"""Helpers for the fleet service tests: signed bundles without TensorFlow, a
real `fleet serve` process, and fake devices that speak the MQTT contract.

The fleet never runs a model, so the bundles here carry placeholder model
bytes: everything the registry and a device check before loading (manifest,
hashes, signature, tarball layout) is real.
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import os
import ssl
import subprocess
import sys
import threading
import time
import urllib.error
import urllib.request
from pathlib import Path
from typing import Any

from deploy.local_broker import free_port
from deploy.process import stop_process
from edge.bundle import ContextField, FeatureSpec, GoldenCase, generate_keypair, write_bundle
from edge.comms.mqtt import new_client, start
from edge.comms.topics import DesiredState, DeviceStatus, TopicTree, dump, parse_desired
from tests.bundle_factory import make_items

REPO = Path(__file__).resolve().parents[1]
OPERATOR_TOKEN = "operator-token-0123456789"


def device_token(device_id: str) -> str:
    return f"token-{device_id}-0123456789"


def make_keys(path: Path) -> Path:
    generate_keypair(path)
    return path


def make_bundle(out: Path, version: str, signing_key: Path | None, *, report: bool = True) -> Path:
    """OUT/bundle (signed with ``signing_key`` unless None) and, if ``report``, OUT/report.json."""
    items = make_items(12)
    spec = FeatureSpec(num_items=12, history_length=4, history_pad=12,
                       context_fields=[ContextField("department", ["<unk>", "PRODUCE"])],
                       input_tensors={"history": "history", "context": "context"}, output_tensor="scores")
    write_bundle(out / "bundle", model_bytes=b"placeholder model " + version.encode(), items=items, spec=spec,
                 golden=[GoldenCase(history=[1], context={}, expected_topk=[0, 1, 2])], model_version=version,
                 dataset_fingerprint="f" * 16, metrics={}, golden_k=3, make_tarball=False,
                 signing_key=signing_key)
    if report:
        (out / "report.json").write_text(json.dumps({
            "dataset": "test", "created_at": "2026-12-01T00:00:00+00:00", "train_seconds": 1.5,
            "metrics": {"model_int8": {"recall@20": 0.0777}, "popularity": {"recall@20": 0.0627}},
            "bundle": {"model_version": version}}))
    return out / "bundle"


def fleet_cmd(*args: str) -> list[str]:
    return [sys.executable, "-m", "fleet.cli", *args]


def run_fleet(*args: str, timeout: float = 60) -> subprocess.CompletedProcess[str]:
    return subprocess.run(fleet_cmd(*args), capture_output=True, text=True, timeout=timeout, env=_env(), cwd=REPO)


def _env() -> dict[str, str]:
    return {**os.environ, "PYTHONPATH": str(REPO)}


def write_config(tmp: Path, broker_port: int | None, devices: list[str], trusted: list[Path],
                 extra: list[str] = ()) -> Path:
    port = free_port()
    (tmp / "device-tokens.toml").write_text("".join(f'"{d}" = "{device_token(d)}"\n' for d in devices))
    cfg = tmp / "fleet.toml"
    cfg.write_text("\n".join([
        'storage = "sqlite:///fleet.db"',
        f'listen = "127.0.0.1:{port}"',
        'artifact_dir = "artifacts"',
        f"trusted_keys = {json.dumps([str(k) for k in trusted])}",
        f'operator_token = "{OPERATOR_TOKEN}"',
        'device_tokens_file = "device-tokens.toml"',
        *extra,
        *(["[broker]", 'host = "127.0.0.1"', f"port = {broker_port}", "keepalive_s = 5"] if broker_port else []),
        "",
    ]))
    return cfg


class FleetServer:
    """A real `fleet serve` process on a free port."""

    def __init__(self, config: Path, ca: Path | None = None) -> None:
        self.config = config
        text = config.read_text()
        self.port = int(text.split('listen = "127.0.0.1:')[1].split('"')[0])
        self.url = f"{'https' if ca else 'http'}://127.0.0.1:{self.port}"
        self.ssl = ssl.create_default_context(cafile=str(ca)) if ca else None
        self.log = config.parent / "fleet-serve.log"
        self.proc: subprocess.Popen[bytes] | None = None

    def start(self, timeout: float = 20) -> FleetServer:
        self.proc = subprocess.Popen(fleet_cmd("serve", "--config", str(self.config)), env=_env(), cwd=REPO,
                                     stdout=self.log.open("wb"), stderr=subprocess.STDOUT)
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                raise RuntimeError(f"fleet serve exited {self.proc.returncode}: {self.log.read_text()}")
            with contextlib.suppress(OSError):
                if self.request("GET", "/healthz")[0] == 200:
                    return self
            time.sleep(0.1)
        raise RuntimeError(f"fleet serve not up in {timeout}s: {self.log.read_text()}")

    def stop(self) -> None:
        stop_process(self.proc, 10)

    def alive(self) -> bool:
        return self.proc is not None and self.proc.poll() is None

    def request(self, method: str, path: str, *, token: str | None = OPERATOR_TOKEN, body: Any = None,
                headers: dict[str, str] | None = None, raw: bytes | None = None) -> tuple[int, dict[str, str], bytes]:
        data = raw if raw is not None else (json.dumps(body).encode() if body is not None else None)
        h = dict(headers or {})
        if token is not None:
            h["Authorization"] = f"Bearer {token}"
        req = urllib.request.Request(self.url + path, data=data, method=method, headers=h)
        try:
            with urllib.request.urlopen(req, timeout=10, context=self.ssl) as resp:
                return resp.status, dict(resp.headers), resp.read()
        except urllib.error.HTTPError as exc:
            return exc.code, dict(exc.headers), exc.read()

    def api(self, method: str, path: str, body: Any = None, token: str | None = OPERATOR_TOKEN) -> tuple[int, Any]:
        status, _, data = self.request(method, path, token=token, body=body)
        return status, json.loads(data)


class FakeDevice:
    """An MQTT client that behaves like a device's OTA side, by the contract:
    retained status with an "offline" last will, follows its retained desired
    state by downloading the artifact with its own token and checking sha256,
    then reports the model active -- or, if ``fail_with`` is set, ``rolled_back``."""

    def __init__(self, broker_port: int, store: str, device_id: str, fleet_url: str, *,
                 active: str | None = "m-1", fail_with: str | None = None) -> None:
        self.tree = TopicTree(store, device_id)
        self.device_id = device_id
        self.fleet_url = fleet_url
        self.active, self.previous = active, None
        self.fail_with = fail_with
        self.ota: dict[str, Any] = {"state": "idle"}
        self.desired: list[DesiredState | None] = []
        self.errors: list[str] = []
        self.workers: list[threading.Thread] = []
        self._lock = threading.Lock()
        c = new_client(f"fake-{device_id}",
                       will=(self.tree.status, dump(DeviceStatus(device_id=device_id, state="offline",
                                                                 ts=time.time()))),
                       on_connect=lambda cl, *a: cl.subscribe(self.tree.desired, qos=1))
        c.on_message = self._on_message
        start(c, "127.0.0.1", broker_port, keepalive=5, blocking=True)
        self.client = c
        self.report()

    def report(self) -> None:
        status = DeviceStatus(device_id=self.device_id, state="online", ts=time.time(), model_version=self.active,
                              detail={"model": {"active": self.active, "previous": self.previous}, "ota": self.ota})
        self.client.publish(self.tree.status, dump(status), qos=1, retain=True).wait_for_publish(5)

    def _on_message(self, client: Any, userdata: Any, msg: Any) -> None:
        # Work off the network thread: downloading and publishing from it would deadlock waits.
        worker = threading.Thread(target=self._apply, args=(msg.topic, msg.payload), daemon=True)
        self.workers.append(worker)
        worker.start()

    def _apply(self, topic: str, payload: bytes) -> None:
        with self._lock:
            try:
                desired = parse_desired(topic, payload)
            except ValueError as exc:
                self.errors.append(str(exc))
                return
            self.desired.append(desired)
            if desired is None or desired.model_version == self.active:
                return
            base = {"version": desired.model_version, "rollout_id": desired.rollout_id}
            self.ota = {**base, "state": "downloading", "bytes": 0, "total": desired.size}
            self.report()
            req = urllib.request.Request(desired.artifact_url,
                                         headers={"Authorization": f"Bearer {device_token(self.device_id)}"})
            with urllib.request.urlopen(req, timeout=10) as resp:
                body = resp.read()
            if hashlib.sha256(body).hexdigest() != desired.sha256 or len(body) != desired.size:
                self.ota = {**base, "state": "refused", "reason": "tampered: sha256 mismatch"}
            elif self.fail_with:
                self.ota = {**base, "state": "rolled_back", "reason": self.fail_with}
            else:
                # Swap, then a short probation: the fleet must not count the device until it ends.
                self.previous, self.active = self.active, desired.model_version
                self.ota = {**base, "state": "probation"}
                self.report()
                time.sleep(0.2)
                self.ota = {**base, "state": "active"}
            self.report()

    def close(self) -> None:
        for worker in self.workers:
            worker.join(10)
        self.client.disconnect()
        self.client.loop_stop()


def self_signed_cert(out: Path) -> tuple[Path, Path]:
    """A certificate for 127.0.0.1 (and its key), its own CA: for HTTPS tests."""
    import datetime
    import ipaddress

    from cryptography import x509
    from cryptography.hazmat.primitives import hashes, serialization
    from cryptography.hazmat.primitives.asymmetric import ec
    from cryptography.x509.oid import NameOID

    key = ec.generate_private_key(ec.SECP256R1())
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "fleet-test")])
    now = datetime.datetime.now(datetime.UTC)
    cert = (x509.CertificateBuilder().subject_name(name).issuer_name(name).public_key(key.public_key())
            .serial_number(x509.random_serial_number()).not_valid_before(now - datetime.timedelta(minutes=5))
            .not_valid_after(now + datetime.timedelta(days=1))
            .add_extension(x509.SubjectAlternativeName([x509.IPAddress(ipaddress.ip_address("127.0.0.1"))]), False)
            .add_extension(x509.BasicConstraints(ca=True, path_length=None), True)
            .sign(key, hashes.SHA256()))
    out.mkdir(parents=True, exist_ok=True)
    (out / "fleet.crt").write_bytes(cert.public_bytes(serialization.Encoding.PEM))
    (out / "fleet.key").write_bytes(key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
                                                      serialization.NoEncryption()))
    return out / "fleet.crt", out / "fleet.key"
