"""Run the shipped store broker config for real: TLS, client certificates, ACL, password file.

For tests and ``benchmarks/security.py`` (a dev tool, not device code). A
throwaway CA and one client certificate per identity are made with
``cryptography``; ``deploy/mosquitto/store-broker.conf`` is used as shipped
with only paths, ports, the cloud address and the store id rewritten.
"""

from __future__ import annotations

import datetime as dt
import ipaddress
import os
import socket
import subprocess
import time
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path

from deploy.local_broker import find_mosquitto, free_port
from deploy.process import stop_process

DEPLOY = Path(__file__).resolve().parent / "mosquitto"


def make_pki(out: Path, names: Iterable[str], *, server_names: Iterable[str] = ("store-broker",)) -> Path:
    """A CA (``ca.crt``; aliases ``store-ca.crt``/``cloud-ca.crt``) and ``<name>.crt/.key``
    for every client name (CN = name) and server name (SAN 127.0.0.1/localhost)."""
    from cryptography import x509
    from cryptography.hazmat.primitives import hashes, serialization
    from cryptography.hazmat.primitives.asymmetric import ec
    from cryptography.x509.oid import NameOID

    out.mkdir(parents=True, exist_ok=True)
    now = dt.datetime.now(dt.UTC)
    ca_key = ec.generate_private_key(ec.SECP256R1())
    ca_name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "test-store-ca")])
    ca = (x509.CertificateBuilder().subject_name(ca_name).issuer_name(ca_name)
          .public_key(ca_key.public_key()).serial_number(x509.random_serial_number())
          .not_valid_before(now - dt.timedelta(minutes=5)).not_valid_after(now + dt.timedelta(days=2))
          .add_extension(x509.BasicConstraints(ca=True, path_length=None), critical=True)
          .sign(ca_key, hashes.SHA256()))
    pem = serialization.Encoding.PEM
    for alias in ("ca.crt", "store-ca.crt", "cloud-ca.crt"):
        (out / alias).write_bytes(ca.public_bytes(pem))
    servers = set(server_names)
    for name in [*servers, *names]:
        key = ec.generate_private_key(ec.SECP256R1())
        builder = (x509.CertificateBuilder()
                   .subject_name(x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, name)]))
                   .issuer_name(ca_name).public_key(key.public_key())
                   .serial_number(x509.random_serial_number())
                   .not_valid_before(now - dt.timedelta(minutes=5)).not_valid_after(now + dt.timedelta(days=2)))
        if name in servers:
            builder = builder.add_extension(x509.SubjectAlternativeName(
                [x509.DNSName("localhost"), x509.IPAddress(ipaddress.ip_address("127.0.0.1"))]), critical=False)
        (out / f"{name}.crt").write_bytes(builder.sign(ca_key, hashes.SHA256()).public_bytes(pem))
        (out / f"{name}.key").write_bytes(key.private_bytes(
            pem, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()))
    os.chmod(out, 0o755)
    for f in out.iterdir():
        os.chmod(f, 0o644)  # mosquitto may drop privileges before reading them
    return out


def loopback_conf(text: str, *, certs: Path, data: Path, ports: dict[str, int],
                  paths: Iterable[tuple[str, Path]] = (), restart_timeout: str = "30 60",
                  store_id: str = "cj-demo") -> str:
    """A shipped broker config (deploy/mosquitto/*.conf) run on this machine, with
    only paths, ports and addresses changed: certificates from ``certs``; each
    (shipped path, local path) of ``paths`` (ACL, password file); the TLS
    listener on loopback ``ports['tls']``, the plain one on ``ports['plain']``;
    persistence in ``data``; log to stderr; the bridge to ``ports['cloud']`` on
    loopback (9, where nothing listens, without one) restarting after
    ``restart_timeout``; ``store_id`` for STORE_ID; 'user root' when run as root.
    A directive a config does not have is left alone."""
    out = text.replace("/etc/mosquitto/certs/", f"{certs}/")
    for shipped, local in paths:
        out = out.replace(shipped, str(local))
    out = out.replace("listener 8883 0.0.0.0", f"listener {ports['tls']} 127.0.0.1")
    if "plain" in ports:
        out = out.replace("listener 1883 127.0.0.1", f"listener {ports['plain']} 127.0.0.1")
    out = (out.replace("persistence_location /var/lib/mosquitto/", f"persistence_location {data}/")
           .replace("log_dest syslog", "log_dest stderr")
           .replace("cloud-mqtt.example.com:8883", f"127.0.0.1:{ports.get('cloud', 9)}")
           .replace("restart_timeout 5 60", f"restart_timeout {restart_timeout}")
           .replace("STORE_ID", store_id))
    if os.geteuid() == 0:
        out += "\nuser root\n"
    return out


def rewrite_store_conf(text: str, *, certs: Path, data: Path, ports: dict[str, int], acl: Path,
                       passwd: Path, store_id: str) -> str:
    """The shipped store-broker.conf with only paths, ports and addresses changed."""
    return loopback_conf(text, certs=certs, data=data, ports=ports, store_id=store_id,
                         paths=(("/etc/mosquitto/acl", acl), ("/etc/mosquitto/passwd", passwd)))


@dataclass
class SecureBroker:
    """The shipped store broker on free ports; ``stop()`` ends it."""

    dir: Path
    certs: Path
    ports: dict[str, int]
    proc: subprocess.Popen[bytes]
    log: Path
    extra: dict[str, object] = field(default_factory=dict)

    def stop(self) -> None:
        stop_process(self.proc, 10)


def start_store_broker(work: Path, *, acl_text: str, passwd: Path, certs: Path, store_id: str) -> SecureBroker:
    work.mkdir(parents=True, exist_ok=True)
    ports = {"tls": free_port(), "plain": free_port(), "cloud": free_port()}
    acl = work / "acl"
    acl.write_text(acl_text)
    text = rewrite_store_conf((DEPLOY / "store-broker.conf").read_text(), certs=certs, data=work,
                              ports=ports, acl=acl, passwd=passwd, store_id=store_id)
    return _launch(work, certs, text, ports, listening=("tls", "plain"))


def start_broker(work: Path, *, conf_name: str, acl: tuple[str, str], certs: Path) -> SecureBroker:
    """Another shipped broker config (e.g. ``cloud-broker.conf``) on a free TLS port:
    ``acl`` = (the path the file names, the ACL text to put there)."""
    work.mkdir(parents=True, exist_ok=True)
    ports = {"tls": free_port()}
    acl_path = work / "acl"
    acl_path.write_text(acl[1])
    text = loopback_conf((DEPLOY / conf_name).read_text(), certs=certs, data=work, ports=ports,
                         paths=((acl[0], acl_path),))
    return _launch(work, certs, text, ports, listening=("tls",))


def _launch(work: Path, certs: Path, conf_text: str, ports: dict[str, int], *,
            listening: tuple[str, ...]) -> SecureBroker:
    """Write ``conf_text`` to ``work`` and run Mosquitto on it until every port
    named in ``listening`` accepts (10 s), or raise with the tail of its log."""
    conf = work / "mosquitto.conf"
    conf.write_text(conf_text)
    log = work / "mosquitto.log"
    proc = subprocess.Popen([find_mosquitto(), "-c", str(conf)], stdout=log.open("wb"), stderr=subprocess.STDOUT)
    deadline = time.monotonic() + 10
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise RuntimeError(f"mosquitto exited: {log.read_text()[-2000:]}")
        try:
            for name in listening:
                socket.create_connection(("127.0.0.1", ports[name]), timeout=0.2).close()
            return SecureBroker(work, certs, ports, proc, log)
        except OSError:
            time.sleep(0.05)
    proc.kill()
    raise RuntimeError(f"mosquitto did not listen: {log.read_text()[-2000:]}")
