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
import uuid
from pathlib import Path
from types import TracebackType

from deploy.local_broker import MosquittoBroker


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
        self.prefix = prefix
        # MosquittoBroker keeps persistence working when run as root. Both pick their own
        # free port and, on a first start, another one if it was taken meanwhile; the
        # bridge's address is written once the cloud listens (start), so it is the port
        # the cloud really has. (Written here, a second free_port() could hand the store
        # the cloud's port before either bound it: "Address already in use", seen in CI.)
        self.cloud = MosquittoBroker(workdir=self.workdir / "cloud")
        self.store = MosquittoBroker(workdir=self.workdir / "store")
        self._clientid = f"store-bridge-{uuid.uuid4().hex[:12]}"

    def start(self) -> StoreCloudPair:
        self.cloud.start()
        self.store.extra_config = bridge_config(self.cloud.host, self.cloud.port, prefix=self.prefix,
                                                clientid=self._clientid)
        try:
            self.store.start()
        except BaseException:
            self.cloud.stop()  # not a cloud broker left running after a failed start
            raise
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
