"""Throwaway TLS material and a Mosquitto with a TLS listener, for the tests that
connect the device's MQTT links over TLS (real openssl, real broker)."""

from __future__ import annotations

import shutil
import socket
import subprocess
import tempfile
from pathlib import Path

import pytest
from edge_helpers import wait_until

from deploy.local_broker import MosquittoBroker, free_port


def tls_material(users: dict[str, str] | None = None) -> Path:
    """A CA, a broker certificate for 127.0.0.1 and, with ``users``, a password file.

    In a world-readable temp dir: mosquitto started as root reads them as its own
    unprivileged user. The caller removes the directory."""
    if not shutil.which("openssl") or (users and not shutil.which("mosquitto_passwd")):
        pytest.skip("openssl or mosquitto_passwd not installed")
    d = Path(tempfile.mkdtemp(prefix="edge-tls-"))
    d.chmod(0o755)

    def run(*cmd: str) -> None:
        subprocess.run(cmd, cwd=d, check=True, capture_output=True)

    # EC keys: generated in milliseconds where RSA-2048 takes up to a second.
    key = ("-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1", "-nodes")
    run("openssl", "req", "-x509", *key, "-keyout", "ca.key", "-out", "ca.crt", "-days", "2",
        "-subj", "/CN=edge-test-ca")
    run("openssl", "req", *key, "-keyout", "broker.key", "-out", "broker.csr", "-subj", "/CN=127.0.0.1")
    (d / "ext.cnf").write_text("subjectAltName=IP:127.0.0.1\n")
    run("openssl", "x509", "-req", "-in", "broker.csr", "-CA", "ca.crt", "-CAkey", "ca.key",
        "-CAcreateserial", "-out", "broker.crt", "-days", "2", "-extfile", "ext.cnf")
    for i, (user, password) in enumerate((users or {}).items()):
        run("mosquitto_passwd", "-b", *(["-c"] if i == 0 else []), "passwords", user, password)
    for f in d.iterdir():
        f.chmod(0o644)
    return d


def tls_broker(workdir: Path, certs: Path) -> tuple[MosquittoBroker, int]:
    """A broker with its usual plain listener plus a TLS one (the returned port), up
    and listening; with a password file in ``certs``, both listeners require it."""
    tls_port = free_port()
    passwords = f"password_file {certs}/passwords\n" if (certs / "passwords").exists() else ""
    broker = MosquittoBroker(
        workdir=workdir, persistence=False,
        extra_config=(f"{passwords}listener {tls_port} 127.0.0.1\n"
                      f"cafile {certs}/ca.crt\ncertfile {certs}/broker.crt\nkeyfile {certs}/broker.key"),
    ).start()

    def listening() -> bool:
        with socket.socket() as s:
            return s.connect_ex(("127.0.0.1", tls_port)) == 0

    if not wait_until(listening, 10):
        broker.cleanup()
        raise AssertionError(f"the broker's TLS listener on port {tls_port} did not open")
    return broker, tls_port
