"""The fleet service end to end: a real Mosquitto, a real `fleet serve` process,
the `fleet` CLI as a subprocess, and fake devices speaking the MQTT contract."""

from __future__ import annotations

import hashlib
import json
import socket
from collections.abc import Iterator
from pathlib import Path

import pytest

from deploy.local_broker import MosquittoBroker
from edge.comms.mqtt import new_client, start
from tests.edge_helpers import wait_until
from tests.fleet_helpers import (
    OPERATOR_TOKEN,
    FakeDevice,
    FleetServer,
    device_token,
    make_bundle,
    make_keys,
    run_fleet,
    self_signed_cert,
    write_config,
)

DEVICES = ["dev-a", "dev-b", "dev-c", "dev-d", "dev-e"]


class Env:
    def __init__(self, tmp: Path, broker: MosquittoBroker) -> None:
        self.tmp = tmp
        self.broker = broker
        self.keys = make_keys(tmp / "keys")
        self.other_keys = make_keys(tmp / "other-keys")
        self.config = write_config(tmp, broker.port, [*DEVICES, "dev-x"], [self.keys / "signing.pub"])
        for v in ("m-1", "m-2"):
            make_bundle(tmp / v, v, self.keys / "signing.key")
            done = run_fleet("publish", str(tmp / v / "bundle"), "--config", str(self.config))
            assert done.returncode == 0, done.stderr
        self.server = FleetServer(self.config).start()

    def cli(self, *args: str) -> tuple[int, str, str]:
        done = run_fleet(*args, "--server", self.server.url, "--token", OPERATOR_TOKEN)
        return done.returncode, done.stdout, done.stderr


@pytest.fixture(scope="module")
def env(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Env]:
    tmp = tmp_path_factory.mktemp("fleet")
    broker = MosquittoBroker(workdir=tmp / "broker")
    broker.start()
    e = Env(tmp, broker)
    try:
        yield e
    finally:
        e.server.stop()
        broker.cleanup()


def test_publish_records_metrics_and_refuses_unsigned_and_untrusted(env: Env) -> None:
    code, out, _ = env.cli("models")
    assert code == 0 and "m-1" in out and "m-2" in out and "0.0777" in out
    status, model = env.server.api("GET", "/api/models/m-2")
    tarball = env.tmp / "artifacts" / "m-2.tar.gz"
    assert status == 200 and model["sha256"] == hashlib.sha256(tarball.read_bytes()).hexdigest()
    assert model["size"] == tarball.stat().st_size and len(model["key_id"]) == 32
    assert model["metrics"]["metrics"]["popularity"]["recall@20"] == 0.0627

    make_bundle(env.tmp / "unsigned", "m-unsigned", None)
    done = run_fleet("publish", str(env.tmp / "unsigned" / "bundle"), "--config", str(env.config))
    assert done.returncode == 1 and "refused" in done.stderr and "unsigned:" in done.stderr

    make_bundle(env.tmp / "rogue", "m-rogue", env.other_keys / "signing.key")
    done = run_fleet("publish", str(env.tmp / "rogue" / "bundle"), "--config", str(env.config))
    assert done.returncode == 1 and "wrong_key:" in done.stderr and "not a trusted key" in done.stderr

    signed = make_bundle(env.tmp / "tampered", "m-tampered", env.keys / "signing.key")
    items = (signed / "items.json").read_text()
    (signed / "items.json").write_text(items.replace("Product 1", "Product 9", 1))  # same length, other bytes
    done = run_fleet("publish", str(signed), "--config", str(env.config))
    assert done.returncode == 1 and "tampered:" in done.stderr

    done = run_fleet("publish", str(env.tmp / "m-1" / "bundle"), "--config", str(env.config))
    assert done.returncode == 1 and "exists: model m-1 is already in the registry" in done.stderr
    assert [m["version"] for m in env.server.api("GET", "/api/models")[1]["models"]] == ["m-2", "m-1"]


def test_tokens_devices_fetch_models_only_and_unknown_tokens_get_401(env: Env) -> None:
    s = env.server
    assert s.request("GET", "/artifacts/m-2.tar.gz", token=None)[0] == 401
    status, headers, _ = s.request("GET", "/artifacts/m-2.tar.gz", token="not-a-token-of-anyone")
    assert status == 401 and headers.get("www-authenticate") == "Bearer"
    assert s.request("GET", "/artifacts/m-2.tar.gz", token=device_token("dev-a"))[0] == 200
    status, body = s.api("GET", "/api/devices", token=device_token("dev-a"))
    assert status == 403 and "may only fetch models" in body["error"]
    assert s.api("POST", "/api/rollouts", {"model": "m-2", "all": True}, token=device_token("dev-a"))[0] == 403
    assert s.request("GET", "/artifacts/..%2Ffleet.db", token=device_token("dev-a"))[0] == 404
    assert s.request("GET", "/artifacts/nope.tar.gz", token=device_token("dev-a"))[0] == 404


def test_range_requests_resume_an_interrupted_download(env: Env) -> None:
    s, tok = env.server, device_token("dev-b")
    whole = (env.tmp / "artifacts" / "m-2.tar.gz").read_bytes()
    size, half = len(whole), len(whole) // 2
    # An interrupted download: the socket closes after `half` bytes of the body.
    with socket.create_connection(("127.0.0.1", s.port)) as sock:
        sock.sendall(f"GET /artifacts/m-2.tar.gz HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer {tok}\r\n\r\n".encode())
        got = b""
        while b"\r\n\r\n" not in got or len(got.split(b"\r\n\r\n", 1)[1]) < half:
            got += sock.recv(4096)
    first = got.split(b"\r\n\r\n", 1)[1][:half]
    status, headers, rest = s.request("GET", "/artifacts/m-2.tar.gz", token=tok,
                                      headers={"Range": f"bytes={half}-", "If-Range": f'"{hashlib.sha256(whole).hexdigest()}"'})
    assert status == 206 and headers["content-range"] == f"bytes {half}-{size - 1}/{size}"
    assert first + rest == whole
    status, headers, tail = s.request("GET", "/artifacts/m-2.tar.gz", token=tok, headers={"Range": "bytes=-10"})
    assert status == 206 and tail == whole[-10:] and headers["content-length"] == "10"
    status, headers, _ = s.request("GET", "/artifacts/m-2.tar.gz", token=tok, headers={"Range": f"bytes={size}-"})
    assert status == 416 and headers["content-range"] == f"bytes */{size}"
    # A stale If-Range (another file) gets the whole file, never a splice of two.
    status, _, body = s.request("GET", "/artifacts/m-2.tar.gz", token=tok,
                                headers={"Range": "bytes=10-", "If-Range": '"stale"'})
    assert status == 200 and body == whole
    status, headers, body = s.request("HEAD", "/artifacts/m-2.tar.gz", token=tok)
    assert status == 200 and body == b"" and headers["content-length"] == str(size)


def test_malformed_requests_get_clear_4xx_and_never_crash_the_service(env: Env) -> None:
    s = env.server
    cases = [
        (b"{not json", 400, "body: invalid JSON"),
        (b"[1, 2]", 400, "expected a JSON object"),
        (json.dumps({"model": "m-2", "all": True, "colour": "red"}).encode(), 400, "colour: Extra inputs"),
        (json.dumps({"model": "m-2", "all": True, "canary": -1}).encode(), 400, "canary"),
        (json.dumps({"model": "m-2", "all": True, "waves": ["x"]}).encode(), 400, "waves.0"),
        (json.dumps({"model": "m-9", "all": True}).encode(), 404, "not in the registry"),
        (b"{" + b'"a":' * 40000 + b"}", 413, "larger than"),
    ]
    for raw, status, message in cases:
        got, _, body = s.request("POST", "/api/rollouts", raw=raw, headers={"Content-Type": "application/json"})
        assert (got, message in json.loads(body)["error"]) == (status, True), (raw[:60], got, body)
    assert s.api("GET", "/api/rollouts/r999")[0] == 404
    status, body = s.api("GET", "/api/rollouts?limit=0")
    assert status == 400 and body["error"].startswith("limit: expected 1..1000")
    assert s.api("POST", "/api/rollouts/r999/explode")[0] == 404
    assert s.api("GET", "/api/nothing-here")[0] == 404
    assert s.api("DELETE", "/api/models")[0] == 405
    # Junk on the status topics is counted, not fatal.
    c = new_client("junk")
    start(c, "127.0.0.1", env.broker.port, keepalive=60, blocking=True)
    for payload in (b"\xff\x00", b"{}", json.dumps({"v": 1, "device_id": "someone-else", "state": "online",
                                                    "ts": 1.0}).encode()):
        c.publish("store/s9/device/junk-1/status", payload, qos=1).wait_for_publish(5)
    c.loop_stop()
    c.disconnect()
    assert wait_until(lambda: sum(s.api("GET", "/api/health")[1]["mqtt"]["rejected"].values()) >= 3, 5)
    rejects = s.api("GET", "/api/health")[1]["mqtt"]["last_rejects"]
    assert any("does not match the topic" in r["reason"] for r in rejects)
    assert s.alive() and s.request("GET", "/healthz", token=None)[0] == 200


def test_rollout_advances_canary_then_waves_and_pauses_on_a_rollback(env: Env) -> None:
    s = env.server
    devs = {d: FakeDevice(env.broker.port, "s1", d, s.url, fail_with="slow_model: p99 9.1 ms > 4 ms"
                          if d == "dev-e" else None) for d in DEVICES}
    try:
        assert wait_until(lambda: all(d["state"] == "online" for d in s.api("GET", "/api/devices")[1]["devices"]
                                      if d["id"] in DEVICES) and len(s.api("GET", "/api/devices")[1]["devices"]) >= 5, 10)
        code, out, err = env.cli("rollout", "create", "--model", "m-2", "--devices", "dev-a,dev-b,dev-c,dev-d",
                                 "--canary", "1", "--waves", "50,100")
        assert code == 0, err
        rid = out.split()[0]
        assert "canary" in out and "running" in out

        def state() -> dict:
            return s.api("GET", f"/api/rollouts/{rid}")[1]

        assert wait_until(lambda: state()["state"] == "completed", 20), state()
        st = state()
        assert [(x["name"], x["devices"], x["done"]) for x in st["stages"]] == [
            ("canary", 1, 1), ("50%", 1, 1), ("100%", 2, 2)]
        started = [e for e in reversed(st["events"]) if e["kind"] == "stage_started"]
        assert [e["detail"]["stage"] for e in started] == [0, 1, 2]
        for d in ("dev-a", "dev-b", "dev-c", "dev-d"):
            dev = s.api("GET", f"/api/devices/{d}")[1]
            assert dev["model"] == {"active": "m-2", "previous": "m-1"} and dev["ota"]["state"] == "active"
            assert dev["desired"] == {"version": "m-2", "rollout_id": rid}

        # The fifth device rolls back: the rollout pauses with its reason, visible in the CLI.
        code, out, err = env.cli("rollout", "create", "--model", "m-2", "--store", "s1")
        assert code == 0, err
        rid2 = out.split()[0]
        assert wait_until(lambda: s.api("GET", f"/api/rollouts/{rid2}")[1]["state"] == "paused", 10)
        code, out, _ = env.cli("rollout", "status", rid2)
        assert code == 0 and "paused (dev-e rolled_back: slow_model: p99 9.1 ms > 4 ms)" in out
        code, out, _ = env.cli("rollout", "abort", rid2, "--reason", "investigating dev-e")
        assert code == 0 and "aborted" in out
        code, _, err = env.cli("rollout", "resume", rid2)
        assert code == 1 and "only a paused rollout can be resumed" in err

        # An explicit rollback of one device to the older signed version.
        code, out, err = env.cli("rollback", "--device", "dev-a", "--to", "m-1", "--reason", "A/B says worse")
        assert code == 0, err
        assert wait_until(lambda: s.api("GET", "/api/devices/dev-a")[1]["ota"] == {
            "state": "active", "version": "m-1", "rollout_id": out.split()[0], "reason": None}, 10)
        assert devs["dev-a"].desired[-1].allow_downgrade is True
        events = s.api("GET", "/api/devices/dev-a")[1]["events"]
        assert any(e["kind"] == "model_changed" and e["detail"] == {"from": "m-2", "to": "m-1"} for e in events)
    finally:
        for d in devs.values():
            d.close()
    assert all(not d.errors for d in devs.values())


def test_a_dead_device_is_shown_offline_and_times_out_of_a_rollout(env: Env) -> None:
    d = FakeDevice(env.broker.port, "s2", "dev-x", env.server.url)
    assert wait_until(lambda: env.server.api("GET", "/api/devices/dev-x")[0] == 200, 5)
    d.client.loop_stop()
    d.client.socket().close()  # die without a DISCONNECT: the broker publishes the last will
    assert wait_until(lambda: env.server.api("GET", "/api/devices/dev-x")[1]["state"] == "offline", 15)
    code, out, _ = env.cli("devices", "--store", "s2")
    assert code == 0 and "dev-x" in out and "offline" in out
    # A rollout to it cannot finish: the service's clock fails it after the stage timeout.
    code, out, err = env.cli("rollout", "create", "--model", "m-2", "--devices", "dev-x", "--stage-timeout", "1")
    assert code == 0, err
    rid = out.split()[0]
    assert wait_until(lambda: env.server.api("GET", f"/api/rollouts/{rid}")[1]["state"] == "paused", 10)
    code, out, _ = env.cli("rollout", "status", rid)
    assert "paused (dev-x timeout: not active within 1 s)" in out
    assert "dev-x: failed (timeout: not active 1 s after its stage started (device offline, ota idle))" in out


def test_https_serves_the_api_and_resumable_downloads(env: Env, tmp_path: Path) -> None:
    cert, key = self_signed_cert(tmp_path / "tls")
    config = write_config(tmp_path, None, ["dev-a"], [env.keys / "signing.pub"],
                          extra=[f'tls_cert_file = "{cert}"', f'tls_key_file = "{key}"'])
    assert run_fleet("publish", str(env.tmp / "m-2" / "bundle"), "--config", str(config)).returncode == 0
    server = FleetServer(config, ca=cert).start()
    try:
        status, models = server.api("GET", "/api/models")
        assert status == 200 and [m["version"] for m in models["models"]] == ["m-2"]
        status, headers, body = server.request("GET", "/artifacts/m-2.tar.gz", token=device_token("dev-a"),
                                               headers={"Range": "bytes=-100"})
        assert status == 206 and len(body) == 100
        # Nothing answers in clear on the HTTPS port: a token is never sent unencrypted and accepted.
        with pytest.raises(OSError):
            FleetServer(config).request("GET", "/api/models")
    finally:
        server.stop()
