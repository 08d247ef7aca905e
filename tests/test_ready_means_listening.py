"""/readyz of edge-device means it listens: its subscriptions are acknowledged by
the broker, not merely its connection; on real processes (Mosquitto, the device).

On a broker that holds no session of the device yet (its first start), a signal
published between the CONNACK and the SUBACK reaches nobody and is lost. The
benchmark's history seeding started publishing once the device answered on its
metrics port and lost its first 13-529 purchases that way, then waited for them
for 300 s (the "seeding stall", docs/performance-log.md). Here a proxy in front of
the broker holds back what the device sends after its CONNECT, so the device is
connected but not yet subscribed for as long as the test wants.
"""

from __future__ import annotations

import contextlib
import json
import socket
import subprocess
import sys
import threading
import time
from pathlib import Path

from edge_helpers import Probe, device_toml, http_get, metric, purchase, topics, wait_until

from deploy.local_broker import MosquittoBroker, free_port


class HoldingProxy:
    """TCP proxy to a broker: forwards each client's first send (its CONNECT) and
    everything the broker sends, and holds the rest of what clients send until
    :attr:`release` is set."""

    def __init__(self, target_port: int) -> None:
        self.target_port = target_port
        self.release = threading.Event()
        self.listener = socket.create_server(("127.0.0.1", 0))
        self.port = self.listener.getsockname()[1]
        self.sockets: list[socket.socket] = []
        threading.Thread(target=self._accept, daemon=True).start()

    def _accept(self) -> None:
        while True:
            try:
                client, _ = self.listener.accept()
            except OSError:
                return
            upstream = socket.create_connection(("127.0.0.1", self.target_port))
            self.sockets += [client, upstream]
            threading.Thread(target=self._pipe, args=(client, upstream, True), daemon=True).start()
            threading.Thread(target=self._pipe, args=(upstream, client, False), daemon=True).start()

    def _pipe(self, src: socket.socket, dst: socket.socket, hold: bool) -> None:
        first = True
        try:
            while data := src.recv(65536):
                if hold and not first:
                    self.release.wait()
                first = False
                dst.sendall(data)
        except OSError:
            pass
        for s in (src, dst):
            with contextlib.suppress(OSError):
                s.shutdown(socket.SHUT_RDWR)

    def close(self) -> None:
        self.release.set()
        self.listener.close()
        for s in self.sockets:
            s.close()


def test_readyz_waits_for_the_subscriptions_and_a_signal_sent_once_ready_is_handled(
    tmp_path: Path, broker: MosquittoBroker
) -> None:
    proxy = HoldingProxy(broker.port)
    port = free_port()
    config = device_toml(tmp_path, proxy.port, metrics_port=port, keepalive_s=30)
    proc = subprocess.Popen([sys.executable, "-m", "edge.cli", "run", "--config", str(config)],
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    base = f"http://127.0.0.1:{port}"
    probe = None
    try:
        # Connected (the CONNACK came back through the proxy), its SUBSCRIBE held back.
        deadline = time.monotonic() + 60
        while metric(base, "edge_broker_connected") != 1.0:
            assert proc.poll() is None and time.monotonic() < deadline, "device did not connect"
            time.sleep(0.1)
        status, body = http_get(base + "/readyz")
        assert status == 503, body
        assert json.loads(body)["broker"] is True and json.loads(body)["subscribed"] is False, body
        proxy.release.set()
        assert wait_until(lambda: http_get(base + "/readyz")[0] == 200, 20, 0.05), \
            "not ready after the subscriptions went through"
        # Ready means listening: a purchase sent now (straight to the broker) is handled.
        probe = Probe(broker)
        probe.publish(topics().pos, purchase(["1"], txn="t-ready"))
        assert wait_until(lambda: metric(base, "edge_signals_handled_total") == 1.0, 20, 0.1), \
            "the purchase sent once ready was not handled"
    finally:
        if probe is not None:
            probe.close()
        proc.terminate()
        proc.wait(20)
        proxy.close()
