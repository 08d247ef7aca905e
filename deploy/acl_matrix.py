"""Observe every identity's rights on a real broker and compare them with the contract.

Used by ``tests/test_acl_matrix.py`` and ``benchmarks/security.py`` (dev tools,
not device code). One Mosquitto runs the shipped ``store-broker.conf`` with the
generated ACL and password file; every identity of the store (and a
``stranger`` whose certificate comes from the same CA but names no role)
connects over TLS with its own certificate. For every identity x every
contract topic (:func:`edge.comms.acl.contract_topics`):

* read: the identity subscribes to the topic (and, in a second round, to
  ``#``), a writer publishes, and a read is observed when the message arrives;
* write: the identity publishes, and a write is observed when an observer
  subscribed to ``#`` receives it.

The writer/observer is ``matrix-admin``, a user block appended to the ACL for
the test only (it changes no other identity's rights: each user block stands
alone). The loopback listener is checked too: each local identity logs in with
its generated password; a wrong password and an anonymous client are refused.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path

import paho.mqtt.client as mqtt

from deploy.acl import cloud_acl, cloud_identities, store_acl, write_password_file
from deploy.secure_broker import SecureBroker, make_pki, start_broker, start_store_broker
from edge.comms.acl import Identity, StoreLayout, contract_topics, identities
from edge.comms.mqtt import new_client, start
from edge.comms.topics import TopicTree

ADMIN = "matrix-admin"
ADMIN_BLOCK = f"\n# matrix test only: writer and observer\nuser {ADMIN}\ntopic readwrite #\n"
STRANGER = "stranger"


@dataclass
class MatrixResult:
    checked: int = 0
    mismatches: list[str] = field(default_factory=list)
    observed: dict[tuple[str, str], str] = field(default_factory=dict)
    """(username, topic name) -> "r", "w", "rw" or "-" as observed."""
    hash_extra: dict[str, list[str]] = field(default_factory=dict)
    """username -> topics a ``#`` subscription delivered beyond its rights."""
    loopback: dict[str, bool] = field(default_factory=dict)
    seconds: float = 0.0

    def summary(self) -> dict[str, int]:
        return {"checked": self.checked, "mismatches": len(self.mismatches)}


class _Client:
    def __init__(self, name: str, certs: Path, port: int) -> None:
        self.name = name
        self.got: set[str] = set()
        self.lock = threading.Lock()
        self.connected = threading.Event()
        self.subacks = 0
        c = new_client(f"matrix-{name}", reconnect_s=None, nodelay=False,
                       tls={"ca_certs": str(certs / "ca.crt"), "certfile": str(certs / f"{name}.crt"),
                            "keyfile": str(certs / f"{name}.key")},
                       on_connect=lambda cl, u, f, rc, p: self.connected.set() if not rc.is_failure else None)
        c.on_message = self._on_message
        c.on_subscribe = self._on_subscribe
        self.client = c
        start(c, "127.0.0.1", port, keepalive=30, blocking=True)

    def _on_message(self, client: mqtt.Client, userdata: object, msg: mqtt.MQTTMessage) -> None:
        with self.lock:
            self.got.add(msg.topic)

    def _on_subscribe(self, *args: object) -> None:
        with self.lock:
            self.subacks += 1

    def subscribe(self, filters: list[str]) -> None:
        before = self.subacks
        self.client.subscribe([(f, 1) for f in filters])
        _wait(lambda: self.subacks > before, 5)

    def unsubscribe(self, filters: list[str]) -> None:
        info = self.client.unsubscribe(filters)
        del info
        time.sleep(0.05)

    def take(self) -> set[str]:
        with self.lock:
            got, self.got = self.got, set()
        return got

    def close(self) -> None:
        self.client.disconnect()
        self.client.loop_stop()


def _wait(cond: object, timeout: float) -> bool:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if cond():  # type: ignore[operator]
            return True
        time.sleep(0.02)
    return False


def _publish_all(client: mqtt.Client, topics: Iterable[str], payload: bytes) -> None:
    infos = [client.publish(t, payload, qos=1) for t in topics]
    for info in infos:
        info.wait_for_publish(5)


def _loopback_checks(broker: SecureBroker, creds: dict[str, str]) -> dict[str, bool]:
    """username (or a label) -> whether the observed outcome is the intended one."""
    def connects(user: str | None, password: str | None) -> bool:
        result: list[bool] = []
        done = threading.Event()
        c = new_client(f"lo-{user}", username=user, password=password, reconnect_s=None, nodelay=False,
                       on_connect=lambda cl, u, f, rc, p: (result.append(not rc.is_failure), done.set()))
        try:
            start(c, "127.0.0.1", broker.ports["plain"], keepalive=10, blocking=True)
        except OSError:
            return False
        done.wait(5)
        c.disconnect()
        c.loop_stop()
        return bool(result and result[0])

    out = {user: connects(user, pw) for user, pw in creds.items()}
    some = next(iter(creds))
    out["wrong_password_refused"] = not connects(some, "not-the-password")
    out["anonymous_refused"] = not connects(None, None)
    return out


def run_matrix(work: Path, layout: StoreLayout, *, acl_extra: str = "") -> MatrixResult:
    """The store broker. ``acl_extra`` is appended to the generated ACL (a test uses
    it to prove a wrong line is caught)."""
    started = time.monotonic()
    idents: list[Identity] = [*identities(layout), Identity("stranger", STRANGER, ())]
    certs = make_pki(work / "certs", [*(i.username for i in idents), ADMIN])
    creds = write_password_file(layout, work / "loopback")
    acl = store_acl(layout) + acl_extra + ADMIN_BLOCK
    broker = start_store_broker(work / "broker", acl_text=acl, passwd=work / "loopback" / "passwd",
                                certs=certs, store_id=layout.store_id)
    try:
        result = _observe(broker, certs, idents, contract_topics(layout))
        result.loopback = _loopback_checks(broker, creds)
        for label, ok in result.loopback.items():
            result.checked += 1
            if not ok:
                result.mismatches.append(f"loopback: {label}")
    finally:
        broker.stop()
    result.seconds = time.monotonic() - started
    return result


def run_cloud_matrix(work: Path, layouts: list[StoreLayout]) -> MatrixResult:
    """The cloud broker (shipped cloud-broker.conf, generated cloud-acl): each store's
    bridge, the ingest workers, the fleet console and a stranger (a bridge of a store
    the ACL does not list) against every topic that crosses it, for two stores."""
    started = time.monotonic()
    idents: list[Identity] = [*cloud_identities(layouts), Identity("stranger", "store-unlisted-bridge", ())]
    certs = make_pki(work / "certs", [*(i.username for i in idents), ADMIN], server_names=("cloud-broker",))
    broker = start_broker(work / "broker", conf_name="cloud-broker.conf",
                          acl=("/etc/mosquitto/cloud-acl", cloud_acl(layouts) + ADMIN_BLOCK), certs=certs)
    topics: list[tuple[str, str]] = []
    for store in [*(layout.store_id for layout in layouts), "unlisted"]:
        tree = TopicTree(store, "dev1", layouts[0].prefix)
        topics += [(f"{store}:feedback", tree.feedback), (f"{store}:feedback_ack", tree.feedback_ack),
                   (f"{store}:desired", tree.desired), (f"{store}:status", tree.status)]
    try:
        result = _observe(broker, certs, idents, topics)
    finally:
        broker.stop()
    result.seconds = time.monotonic() - started
    return result


def _observe(broker: SecureBroker, certs: Path, idents: list[Identity],
             topics: list[tuple[str, str]]) -> MatrixResult:
    """Every identity x every topic x read/write, observed, against ``Identity.may``."""
    result = MatrixResult()
    names = [i.username for i in idents]
    by_topic = dict((t, n) for n, t in topics)
    clients: dict[str, _Client] = {}
    try:
        admin = _Client(ADMIN, certs, broker.ports["tls"])
        for name in names:
            clients[name] = _Client(name, certs, broker.ports["tls"])
        if not all(c.connected.wait(10) for c in [admin, *clients.values()]):
            raise RuntimeError(f"a client could not connect: {broker.log.read_text()[-1500:]}")
        concrete = [t for _, t in topics]
        observed_read: dict[str, set[str]] = {}
        # Round 1: exact subscriptions. Round 2: '#' only.
        for round_filters in (concrete, ["#"]):
            for c in clients.values():
                c.subscribe(round_filters)
            time.sleep(0.2)
            for c in clients.values():
                c.take()  # retained messages (bridge state) are not what this round measures
            _publish_all(admin.client, concrete, b"matrix-read")
            expected = sum(1 for i in idents for t in concrete if i.may("read", t))
            _wait(lambda n=expected: sum(len(c.got) for c in clients.values()) >= n, 3)
            time.sleep(0.3)  # anything beyond the expected would arrive now
            for c in clients.values():
                got = c.take() & set(concrete)
                if round_filters == ["#"]:
                    ident = next(i for i in idents if i.username == c.name)
                    extra = sorted(by_topic[t] for t in got if not ident.may("read", t))
                    if extra:
                        result.hash_extra[c.name] = extra
                    result.checked += 1
                    if extra:
                        result.mismatches.append(f"{c.name}: '#' delivered {', '.join(extra)}")
                else:
                    observed_read[c.name] = got
                c.unsubscribe(round_filters)
        # Writes, observed by the admin's '#'.
        received: dict[str, set[str]] = {}
        lock = threading.Lock()

        def on_write(client: mqtt.Client, userdata: object, msg: mqtt.MQTTMessage) -> None:
            if msg.retain:
                return  # retained state (bridge/cloud/state) was written by the broker, not a client
            who = msg.payload.decode(errors="replace").removeprefix("matrix-write ")
            with lock:
                received.setdefault(who, set()).add(msg.topic)

        admin.client.on_message = on_write
        admin.subscribe(["#"])
        time.sleep(0.2)
        for c in clients.values():
            _publish_all(c.client, concrete, f"matrix-write {c.name}".encode())
        expected_w = sum(1 for i in idents for t in concrete if i.may("write", t))
        _wait(lambda: sum(len(v) for v in received.values()) >= expected_w, 3)
        time.sleep(0.3)
        for ident in idents:
            for name, topic in topics:
                r_obs = topic in observed_read.get(ident.username, set())
                w_obs = topic in received.get(ident.username, set())
                r_exp, w_exp = ident.may("read", topic), ident.may("write", topic)
                result.checked += 2
                result.observed[(ident.username, name)] = ("r" if r_obs else "") + ("w" if w_obs else "") or "-"
                if r_obs != r_exp:
                    result.mismatches.append(f"{ident.username} read {name} ({topic}): observed {r_obs}, "
                                             f"contract {r_exp}")
                if w_obs != w_exp:
                    result.mismatches.append(f"{ident.username} write {name} ({topic}): observed {w_obs}, "
                                             f"contract {w_exp}")
    finally:
        for c in [*clients.values(), *([admin] if "admin" in locals() else [])]:
            c.close()
    return result
