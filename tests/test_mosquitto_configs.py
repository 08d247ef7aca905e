"""The production broker files in deploy/mosquitto, run for real with TLS and ACLs.

Certificates come from a throwaway CA made with openssl; paths, ports and the
cloud address are rewritten to the test's; everything else is the shipped
file, with the generated ACLs of the example store (cj-demo, device demo-edge-1)
and a generated loopback password file. A device publishes feedback to the store broker over TLS, the bridge
carries it to the cloud broker, an ingest client receives it; the ACL refuses
a device publishing as another device (an error PUBACK, which the sender must
not take as an acknowledgement).
"""

from __future__ import annotations

import os
import shutil
import socket
import subprocess
import threading
import time
from collections.abc import Iterator
from pathlib import Path

import paho.mqtt.client as mqtt
import pytest
from edge_helpers import wait_until

from deploy.acl import EXAMPLE_CONFIG, load_layouts, write_password_file
from deploy.local_broker import find_mosquitto, free_port
from deploy.secure_broker import loopback_conf
from edge.comms.mqtt import new_client

DEPLOY = Path(__file__).resolve().parents[1] / "deploy" / "mosquitto"

pytestmark = pytest.mark.skipif(shutil.which("openssl") is None, reason="openssl not installed")


def make_certs(d: Path, names: list[str]) -> None:
    d.mkdir(parents=True)
    ec = ["-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1", "-nodes"]
    subprocess.run(["openssl", "req", "-x509", *ec, "-keyout", d / "ca.key", "-out", d / "ca.crt",
                    "-days", "2", "-subj", "/CN=test-ca"], check=True, capture_output=True)
    (d / "san.ext").write_text("subjectAltName=IP:127.0.0.1,DNS:localhost\n")
    for name in names:
        subprocess.run(["openssl", "req", *ec, "-keyout", d / f"{name}.key", "-out", d / f"{name}.csr",
                        "-subj", f"/CN={name}"], check=True, capture_output=True)
        subprocess.run(["openssl", "x509", "-req", "-in", d / f"{name}.csr", "-CA", d / "ca.crt",
                        "-CAkey", d / "ca.key", "-CAcreateserial", "-out", d / f"{name}.crt", "-days", "2",
                        "-extfile", d / "san.ext"], check=True, capture_output=True)
    for alias in ("store-ca", "cloud-ca"):
        shutil.copy(d / "ca.crt", d / f"{alias}.crt")
    os.chmod(d, 0o755)
    for f in d.iterdir():
        os.chmod(f, 0o644)


def rewrite(text: str, certs: Path, data: Path, ports: dict[str, int]) -> str:
    """The shipped config with the committed ACL files; the bridge retries within
    a second or two, so the uplink tests need not wait."""
    return loopback_conf(text, certs=certs, data=data, ports=ports, restart_timeout="1 2",
                         paths=(("/etc/mosquitto/passwd", certs / "loopback" / "passwd"),
                                ("/etc/mosquitto/acl", DEPLOY / "acl"),
                                ("/etc/mosquitto/cloud-acl", DEPLOY / "cloud-acl")))


def start(conf: Path, port: int, log: Path) -> subprocess.Popen[bytes]:
    proc = subprocess.Popen([find_mosquitto(), "-c", str(conf)], stdout=log.open("wb"), stderr=subprocess.STDOUT)
    deadline = time.monotonic() + 10
    while time.monotonic() < deadline:
        assert proc.poll() is None, log.read_text()
        try:
            socket.create_connection(("127.0.0.1", port), timeout=0.2).close()
            return proc
        except OSError:
            time.sleep(0.05)
    proc.kill()
    raise AssertionError(f"mosquitto did not listen: {log.read_text()}")


@pytest.fixture
def brokers(tmp_path: Path) -> Iterator[dict]:
    certs = tmp_path / "certs"
    make_certs(certs, ["store-broker", "cloud-broker", "store-cj-demo-bridge", "demo-edge-1", "ingest-1"])
    # The store broker's bridge presents its store's identity to the cloud broker.
    for ext in ("crt", "key"):
        shutil.copy(certs / f"store-cj-demo-bridge.{ext}", certs / f"store-bridge.{ext}")
    write_password_file(load_layouts([EXAMPLE_CONFIG])[0], certs / "loopback")
    os.chmod(certs / "loopback", 0o755)
    os.chmod(certs / "loopback" / "passwd", 0o644)
    cloud_ports = {"tls": free_port(), "plain": free_port()}
    store_ports = {"tls": free_port(), "plain": free_port(), "cloud": cloud_ports["tls"]}
    procs = []
    try:
        for name, ports in (("cloud", cloud_ports), ("store", store_ports)):
            data = tmp_path / name
            data.mkdir()
            conf = data / "mosquitto.conf"
            conf.write_text(rewrite((DEPLOY / f"{name}-broker.conf").read_text(), certs, data, ports))
            procs.append(start(conf, ports["tls"], data / "log"))
        yield {"certs": certs, "store": store_ports, "cloud": cloud_ports, "dir": tmp_path}
    finally:
        for p in procs:
            p.terminate()
            p.wait(10)


def tls_client(certs: Path, name: str) -> mqtt.Client:
    return new_client(name, tls={"ca_certs": str(certs / "ca.crt"), "certfile": str(certs / f"{name}.crt"),
                                 "keyfile": str(certs / f"{name}.key")})


def test_feedback_crosses_the_tls_bridge_and_the_acl_refuses_impersonation(brokers: dict) -> None:
    certs = brokers["certs"]
    got: list[str] = []
    subscribed = threading.Event()
    ingest = tls_client(certs, "ingest-1")
    ingest.on_connect = lambda c, u, f, rc, p: c.subscribe("$share/ingest/store/+/device/+/feedback", qos=1)
    ingest.on_subscribe = lambda *a: subscribed.set()
    ingest.on_message = lambda c, u, m: got.append(m.topic)
    ingest.connect("127.0.0.1", brokers["cloud"]["tls"])
    ingest.loop_start()

    state: list[bytes] = []
    acks: dict[int, object] = {}
    dev = tls_client(certs, "demo-edge-1")
    dev.on_connect = lambda c, u, f, rc, p: c.subscribe("bridge/cloud/state", qos=1)
    dev.on_message = lambda c, u, m: state.append(m.payload)
    dev.on_publish = lambda c, u, mid, rc, p: acks.__setitem__(mid, rc)
    dev.connect("127.0.0.1", brokers["store"]["tls"])
    dev.loop_start()
    try:
        assert subscribed.wait(10)
        assert wait_until(lambda: b"1" in state, timeout=15, interval=0.1), "bridge state topic never said up"
        time.sleep(0.5)  # the bridge's remote subscription settles
        own = dev.publish("store/cj-demo/device/demo-edge-1/feedback", b'{"x":1}', qos=1)
        other = dev.publish("store/cj-demo/device/dev2/feedback", b'{"x":2}', qos=1)
        own.wait_for_publish(10)
        other.wait_for_publish(10)
        wait_until(lambda: bool(got), timeout=10, interval=0.1)
        time.sleep(0.5)
    finally:
        for c in (dev, ingest):
            c.disconnect()
            c.loop_stop()
    assert got == ["store/cj-demo/device/demo-edge-1/feedback"]
    assert not acks[own.mid].is_failure  # type: ignore[attr-defined]
    assert acks[other.mid].is_failure, acks[other.mid]  # type: ignore[attr-defined]
