"""A store broker bridged to a cloud broker, as two real Mosquitto processes.

``deploy/mosquitto/store-broker.conf`` is the production shape (TLS, ACL,
bridge over TLS). Tests and benchmarks need the same topology on loopback
without certificates: :func:`bridge_config` generates the plain-TCP variant of
its bridge section, and :class:`StoreCloudPair` runs a store broker bridged to a
cloud broker with :class:`deploy.local_broker.MosquittoBroker`. Stopping the
cloud broker (or both) is how a test takes the store's uplink down.
"""

from __future__ import annotations

import shutil
import tempfile
from pathlib import Path
from types import TracebackType

from deploy.local_broker import MosquittoBroker, free_port


def bridge_config(
    cloud_host: str,
    cloud_port: int,
    *,
    name: str = "cloud",
    prefix: str = "store",
    clientid: str = "store-bridge-test",
    restart_s: tuple[int, int] = (1, 2),
    state_topic: str = "bridge/cloud/state",
) -> str:
    """The bridge section of the store broker (plain TCP, for tests).

    Same choices as the production file: feedback goes out at QoS 1, the
    cloud's end-to-end acks come back in at QoS 1, ``cleansession false`` so
    both brokers keep the bridge's session (and its queue) across outages.
    The bridge state ('1'/'0', retained) goes to ``state_topic`` on the store
    broker only; the device's sender reads it (``feedback.sync.uplink_state_topic``).
    """
    return "\n".join([
        f"connection {name}",
        f"address {cloud_host}:{cloud_port}",
        f"remote_clientid {clientid}",
        f"local_clientid {clientid}.local",
        "bridge_protocol_version mqttv311",
        "cleansession false",
        "try_private true",
        "notifications true",
        "notifications_local_only true",
        f"notification_topic {state_topic}",
        "keepalive_interval 5",
        f"restart_timeout {restart_s[0]} {restart_s[1]}",
        "start_type automatic",
        f"topic {prefix}/+/device/+/feedback out 1",
        f"topic {prefix}/+/device/+/feedback/ack in 1",
    ])


class StoreCloudPair:
    """A cloud broker and a store broker bridged to it (store -> cloud feedback)."""

    def __init__(self, workdir: Path | None = None, *, prefix: str = "store") -> None:
        self._own_dir = workdir is None
        self.workdir = Path(workdir or tempfile.mkdtemp(prefix="store-cloud-"))
        # MosquittoBroker keeps persistence working when run as root.
        self.cloud = MosquittoBroker(workdir=self.workdir / "cloud")
        store_port = free_port()
        self.store = MosquittoBroker(
            port=store_port,
            workdir=self.workdir / "store",
            extra_config=bridge_config(self.cloud.host, self.cloud.port, prefix=prefix,
                                       clientid=f"store-bridge-{store_port}"),
        )

    def start(self) -> StoreCloudPair:
        self.cloud.start()
        self.store.start()
        return self

    def link_down(self, *, kill: bool = False) -> None:
        """Take the uplink down: the cloud side goes away, the store keeps running."""
        self.cloud.stop(kill=kill)

    def link_up(self) -> None:
        self.cloud.start()

    def cleanup(self) -> None:
        self.store.cleanup()
        self.cloud.cleanup()
        if self._own_dir:
            shutil.rmtree(self.workdir, ignore_errors=True)

    def __enter__(self) -> StoreCloudPair:
        return self.start()

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.cleanup()
