"""Shared helpers for the device tests: a tiny bundle, a config, a probe client.

The bundle is built once per test session (TensorFlow conversion takes a few
seconds) and copied nowhere: tests only read it. Its folder is removed when the
test process exits, so a suite leaves nothing behind in the temp directory.
"""

from __future__ import annotations

import atexit
import itertools
import json
import shutil
import tempfile
import threading
import time
import urllib.error
import urllib.request
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING, Any

from deploy.devicecfg import render_toml
from deploy.local_broker import MosquittoBroker
from edge.comms.mqtt import new_client, start
from edge.comms.topics import TopicTree
from firmware_config.loader import parse_config
from firmware_config.schema import DeviceConfig

if TYPE_CHECKING:
    from edge.app import Device

STORE = "teststore"
DEVICE = "dev1"
_BUNDLE: Path | None = None
_OTHER: Path | None = None
_BUNDLE_LOCK = threading.Lock()
_ids = itertools.count(1)


def _session_dir() -> Path:
    root = Path(tempfile.mkdtemp(prefix="edge-test-bundle-"))
    atexit.register(shutil.rmtree, root, ignore_errors=True)
    return root


def tiny_bundle() -> Path:
    """The session's test bundle (built on first use)."""
    global _BUNDLE
    with _BUNDLE_LOCK:
        if _BUNDLE is None:
            from bundle_factory import build_bundle

            root = _session_dir()
            _BUNDLE = build_bundle(root / "bundle")
        return _BUNDLE


def other_bundle() -> Path:
    """A second bundle (model "test-8") whose catalogue differs from :func:`tiny_bundle`'s:
    the same items in reverse order, P000-P003 dropped and P900-P903 added."""
    global _OTHER
    with _BUNDLE_LOCK:
        if _OTHER is None:
            from bundle_factory import build_bundle, make_items

            from edge.bundle import Item

            items = list(reversed(make_items()))[:-4]
            items += [Item(item_id=f"P9{i:02d}", name=f"New {i}", category="PRODUCE NEW", department="PRODUCE",
                           price=2.0, popularity=0.5) for i in range(4)]
            root = _session_dir()
            _OTHER = build_bundle(root / "bundle", seed=8, items=items)
        return _OTHER


def scorer_bundle(tmp_path: Path, spec: dict[str, Any], name: str) -> Path:
    """The tiny bundle re-written to ship the bundle-declared scorer ``spec`` (no model
    in it), its golden cases recomputed by that scorer as the trainer records them."""
    from edge.bundle import Bundle, GoldenCase, load_bundle, topk, write_bundle
    from edge.runtime.scorers import BundleScorer

    src = load_bundle(tiny_bundle())
    runner = BundleScorer(Bundle(path=tmp_path, manifest=src.manifest, items=src.items, spec=src.spec,
                                 golden=[]), spec)
    golden = [GoldenCase(history=c.history, context=c.context,
                         expected_topk=topk(runner.score(c.history, runner.encode_context(c.context)),
                                            len(c.expected_topk)).tolist())
              for c in src.golden]
    out = tmp_path / f"{name}-bundle"
    write_bundle(out, model_bytes=src.model_path.read_bytes(), items=src.items, spec=src.spec, golden=golden,
                 model_version=name, dataset_fingerprint="synthetic", metrics={},
                 make_tarball=False, scorer=spec)
    return out


def device_config(
    tmp_path: Path,
    broker: MosquittoBroker | None,
    bundle: Path | None,
    **policy: Any,
) -> DeviceConfig:
    """A three-zone test store over the tiny bundle's departments."""
    data: dict[str, Any] = {
        "device_id": DEVICE,
        "store_id": STORE,
        "broker": {"host": "127.0.0.1", "port": broker.port if broker else 1883, "keepalive_s": 5},
        "storage": {"db_path": str(tmp_path / "state.db")},
        "policy": {"diversity_weight": 0.3, "near_boost": 0.5, **policy},
        "zones": [
            {"id": "produce", "departments": ["PRODUCE"], "neighbours": ["deli"]},
            {"id": "deli", "departments": ["DELI"], "neighbours": ["produce", "grocery"]},
            {"id": "grocery", "departments": ["GROCERY", "DRUG GM"], "neighbours": ["deli"]},
        ],
        "displays": [
            {"id": "produce-screen", "kind": "screen", "zone": "produce", "slots": 4},
            {"id": "deli-screen", "kind": "screen", "zone": "deli", "slots": 4},
            {"id": "grocery-shelf", "kind": "shelf", "zone": "grocery", "slots": 3},
        ],
    }
    if bundle is not None:
        data["model"] = {"bundle_path": str(bundle)}
    return parse_config(data, tmp_path / "device.toml")


def device_toml(tmp_path: Path, broker_port: int, *, metrics_port: int | None = None,
                keepalive_s: int = 5, db_path: Path | None = None) -> Path:
    """``device.toml`` of a one-zone store over the tiny bundle, for tests that run
    ``edge.cli run`` as its own process (``metrics_port``: its HTTP endpoints)."""
    data: dict[str, Any] = {
        "device_id": DEVICE, "store_id": STORE,
        "broker": {"host": "127.0.0.1", "port": broker_port, "keepalive_s": keepalive_s},
        "model": {"bundle_path": str(tiny_bundle())},
        "storage": {"db_path": str(db_path or tmp_path / "state.db")},
        "zones": [{"id": "produce", "departments": ["PRODUCE"]}],
        "displays": [{"id": "produce-screen", "kind": "screen", "zone": "produce", "slots": 4}],
    }
    if metrics_port is not None:
        data["metrics"] = {"device_port": metrics_port}
    config = tmp_path / "device.toml"
    config.write_text(render_toml(data))
    return config


def http_get(url: str) -> tuple[int, bytes]:
    """Status and body of a GET; an HTTP error is an answer too, and (0, b"") means
    nothing answered (the process is not listening yet, or any more)."""
    try:
        with urllib.request.urlopen(url, timeout=5) as resp:
            return resp.status, resp.read()
    except urllib.error.HTTPError as exc:
        return exc.code, exc.read()
    except OSError:
        return 0, b""


def metric(base: str, name: str) -> float | None:
    """One unlabelled sample of the device's ``/metrics`` at ``base``; None when absent."""
    for line in http_get(base + "/metrics")[1].decode().splitlines():
        if line.startswith(name + " "):
            return float(line.split()[-1])
    return None


def topics() -> TopicTree:
    return TopicTree(STORE, DEVICE)


def signal_id(prefix: str = "s") -> str:
    return f"{prefix}-{next(_ids)}"


def location(zone: str, *, track: str | None = None, loyalty: str | None = None,
             action: str = "enter", sid: str | None = None) -> dict:
    shopper = {k: v for k, v in (("track_id", track), ("loyalty_id", loyalty)) if v}
    return {"v": 1, "signal_id": sid or signal_id("loc"), "ts": time.time(),
            "shopper": shopper, "zone": zone, "action": action}


def inventory(item_id: str, quantity: int, shelf: str | None = None) -> dict:
    return {"v": 1, "signal_id": signal_id("inv"), "ts": time.time(), "item_id": item_id,
            "quantity": quantity, "shelf": shelf}


def purchase(items: list[str], *, track: str | None = None, loyalty: str | None = None,
             txn: str | None = None) -> dict:
    shopper = {k: v for k, v in (("track_id", track), ("loyalty_id", loyalty)) if v} or None
    return {"v": 1, "signal_id": signal_id("pos"), "ts": time.time(),
            "transaction_id": txn or signal_id("txn"), "shopper": shopper,
            "items": [{"item_id": i, "quantity": 1, "price": 1.0} for i in items]}


class Probe:
    """A test client: publishes signals and records everything the device says."""

    def __init__(self, broker: MosquittoBroker, tree: TopicTree | None = None) -> None:
        self.tree = tree or topics()
        self.messages: list[tuple[str, dict, Any]] = []
        self._cond = threading.Condition()
        self.client = new_client(f"probe-{next(_ids)}", on_connect=self._on_connect)
        self.client.on_message = self._on_message
        self._subscribed = threading.Event()
        self.client.on_subscribe = lambda *a: self._subscribed.set()
        start(self.client, broker.host, broker.port, keepalive=10, blocking=True)
        if not self._subscribed.wait(5):
            raise TimeoutError("probe did not subscribe")

    def _on_connect(self, client, userdata, flags, reason_code, properties) -> None:
        client.subscribe([(f"{self.tree.base}/display/+/recommendations", 1),
                          (f"{self.tree.device}/#", 1), (f"{self.tree.reply()}/#", 1), ("probe/#", 1)])

    def _on_message(self, client, userdata, msg) -> None:
        try:
            body = json.loads(msg.payload) if msg.payload else None
        except ValueError:
            body = None
        with self._cond:
            self.messages.append((msg.topic, body, getattr(msg, "properties", None)))
            self._cond.notify_all()

    def publish(self, topic: str, payload: dict | bytes | str, qos: int = 1, **kw: Any) -> None:
        if isinstance(payload, dict):
            payload = json.dumps(payload)
        self.client.publish(topic, payload, qos=qos, **kw).wait_for_publish(5)

    def wait_for(self, pred: Callable[[str, dict | None], bool], timeout: float = 5.0) -> tuple[str, dict]:
        """The first recorded message matching ``pred`` (waiting for it)."""
        deadline = time.monotonic() + timeout
        with self._cond:
            while True:
                for topic, body, _ in self.messages:
                    if pred(topic, body):
                        return topic, body  # type: ignore[return-value]
                left = deadline - time.monotonic()
                if left <= 0:
                    seen = [(t, (b or {}).get("cause")) for t, b, _ in self.messages[-10:]]
                    raise TimeoutError(f"no matching message in {timeout}s; last: {seen}")
                self._cond.wait(left)

    def reco_for(self, sid: str, display: str | None = None, timeout: float = 5.0) -> dict:
        """The recommendation caused by signal ``sid`` (on ``display`` if given)."""
        def match(topic: str, body: dict | None) -> bool:
            return (topic.endswith("/recommendations") and body is not None
                    and (body.get("cause") or {}).get("signal_id") == sid
                    and (display is None or body.get("display_id") == display))
        return self.wait_for(match, timeout)[1]

    def items_shown(self, location_signal: dict, display: str) -> list[str]:
        """Publish a location signal (QoS 0, as cameras do) and return the item ids the
        recommendation it causes on ``display`` lists."""
        self.publish(self.tree.location, location_signal, qos=0)
        return [i["item_id"] for i in self.reco_for(location_signal["signal_id"], display)["items"]]

    def clear(self) -> None:
        with self._cond:
            self.messages.clear()

    def close(self) -> None:
        self.client.disconnect()
        self.client.loop_stop()


def start_agent(config: DeviceConfig, **kw: Any) -> Device:
    """A started in-process device, once it is connected and subscribed."""
    from edge.app import Device  # here, not at the top: conftest imports this module for every test

    agent = Device(config, **kw)
    agent.start()
    assert agent.link.subscribed.wait(10), "agent did not connect and subscribe"
    return agent


def wait_until(pred: Callable[[], bool], timeout: float = 5.0, interval: float = 0.02) -> bool:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if pred():
            return True
        time.sleep(interval)
    return pred()
