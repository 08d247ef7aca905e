"""Run a private Mosquitto broker as a child process on a free loopback port.

Tests, benchmarks and the demo each start their own broker so they can stop and
restart it at will (fault tests kill it under load) and never depend on a
system service being there. Persistence is on by default so a restarted broker
keeps persistent sessions and queued QoS 1 messages, as a real store broker
configured from ``deploy/mosquitto/`` does.
"""

from __future__ import annotations

import collections
import os
import shutil
import socket
import subprocess
import tempfile
import time
from pathlib import Path
from types import TracebackType

from edge.comms.topics import MAX_PAYLOAD_BYTES

BROKER_PAYLOAD_LIMIT = 4 * MAX_PAYLOAD_BYTES
"""Largest payload the broker forwards. Above the device's own limit on purpose:
a payload between the two reaches the device, which dead-letters it unread with
its size (the sender learns why); one above it never leaves the broker, so a
16 MB "signal" costs the device nothing."""
BROKER_PACKET_LIMIT = BROKER_PAYLOAD_LIMIT + 8192
"""Whole MQTT packet (payload plus topic and properties); Mosquitto disconnects
a client that sends a bigger one."""

MOSQUITTO_CANDIDATES = ("mosquitto", "/usr/sbin/mosquitto", "/usr/local/sbin/mosquitto")


class BrokerError(RuntimeError):
    """Mosquitto could not be found or did not start."""


def find_mosquitto() -> str:
    for candidate in MOSQUITTO_CANDIDATES:
        found = shutil.which(candidate)
        if found:
            return found
    raise BrokerError(
        "mosquitto not found: install the Debian package 'mosquitto' (make mosquitto does it)"
    )


_HANDED_OUT: collections.deque[int] = collections.deque(maxlen=1024)


def free_port() -> int:
    """A loopback TCP port free now, and none of the last 1,024 this process handed out.

    The port is released before the caller binds it, so two calls made before either
    caller binds (a store and its cloud broker, a broker's TLS and plain listeners) could
    get the same one from the kernel, and the second bind then fails 'Address already in
    use' (seen in CI). Remembering the recent ones rules that out for this process;
    another process taking the port meanwhile is left to the caller's retry
    (:meth:`MosquittoBroker.start`)."""
    for _ in range(64):
        with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
            sock.bind(("127.0.0.1", 0))
            port = sock.getsockname()[1]
        if port not in _HANDED_OUT:
            break
    _HANDED_OUT.append(port)
    return port


def holds_socket(pid: int, port: int, *, listening: bool) -> bool:
    """Whether process ``pid`` holds a TCP socket listening on ``port``
    (``listening=True``) or connected to ``port`` (``listening=False``): Linux /proc.

    A port answering is not proof it is the process we started: another one
    may own it. This matches the socket inodes of ``pid`` against the table."""
    state, column = ("0A", 1) if listening else ("01", 2)  # LISTEN on local / ESTABLISHED to remote
    inodes = set()
    for table in ("/proc/net/tcp", "/proc/net/tcp6"):
        try:
            lines = Path(table).read_text().splitlines()[1:]
        except OSError:
            continue
        for line in lines:
            fields = line.split()
            # addresses are HEXIP:HEXPORT
            if fields[3] == state and int(fields[column].rsplit(":", 1)[1], 16) == port:
                inodes.add(fields[9])
    if not inodes:
        return False
    try:
        fds = os.listdir(f"/proc/{pid}/fd")
    except OSError:
        return False
    for fd in fds:
        try:
            target = os.readlink(f"/proc/{pid}/fd/{fd}")
        except OSError:
            continue
        if target.startswith("socket:[") and target[8:-1] in inodes:
            return True
    return False


class MosquittoBroker:
    """A Mosquitto process bound to 127.0.0.1 on its own port.

    ``stop()``/``start()`` keep the same port and data directory, so a restart
    looks to clients exactly like a real broker restart.
    """

    def __init__(
        self,
        port: int | None = None,
        workdir: Path | None = None,
        *,
        persistence: bool = True,
        tcp_nodelay: bool = True,
        extra_config: str = "",
    ) -> None:
        self.port = port or free_port()
        self._port_chosen = port is None
        """True while the port is ours to change: picked by free_port() and never served yet."""
        self.host = "127.0.0.1"
        self._own_dir = workdir is None
        self.workdir = Path(workdir or tempfile.mkdtemp(prefix="mosquitto-"))
        self.workdir.mkdir(parents=True, exist_ok=True)
        self.persistence = persistence
        self.tcp_nodelay = tcp_nodelay
        self.extra_config = extra_config
        self.binary = find_mosquitto()
        self._proc: subprocess.Popen[bytes] | None = None

    @property
    def config_path(self) -> Path:
        return self.workdir / "mosquitto.conf"

    @property
    def log_path(self) -> Path:
        return self.workdir / "mosquitto.log"

    def _write_config(self) -> None:
        lines = [
            f"listener {self.port} 127.0.0.1",
            "allow_anonymous true",
            f"persistence {'true' if self.persistence else 'false'}",
            f"persistence_location {self.workdir}/",
            # Keep QoS 1 backlogs of offline persistent sessions: the outbox
            # tests depend on a broker that does not silently drop them.
            "max_queued_messages 1000000",
            "max_inflight_messages 0",
            # The same admission limits as the shipped store broker
            # (deploy/mosquitto/store-broker.conf): see BROKER_PAYLOAD_LIMIT.
            f"message_size_limit {BROKER_PAYLOAD_LIMIT}",
            f"max_packet_size {BROKER_PACKET_LIMIT}",
            "log_dest stderr",
            "log_type error",
            "log_type warning",
        ]
        if self.tcp_nodelay and "set_tcp_nodelay" not in self.extra_config:
            # Without it Nagle's algorithm holds small MQTT packets back until
            # the peer's delayed ACK: ~10 ms per hop instead of ~0.1 ms.
            lines.append("set_tcp_nodelay true")
        if os.geteuid() == 0 and "\nuser " not in f"\n{self.extra_config}":
            # As root Mosquitto drops to the 'mosquitto' user, which cannot
            # write our temporary persistence directory: the broker would then
            # run without persistence and a restart would lose queued messages.
            lines.append("user root")
        if self.extra_config:
            lines.append(self.extra_config)
        self.config_path.write_text("\n".join(lines) + "\n")

    def start(self, timeout: float = 10.0) -> MosquittoBroker:
        if self.running:
            return self
        # free_port() releases the port before Mosquitto binds it, so another
        # process on a busy machine can take it in between. On a first start
        # with a port we chose, pick another one; a restart must keep its port
        # (clients reconnect to it), and a caller's port is theirs to keep.
        for _ in range(4 if self._port_chosen else 1):
            try:
                self._start_once(timeout)
                break
            except BrokerError as exc:
                if not (self._port_chosen and "Address already in use" in str(exc)):
                    raise
                self.port = free_port()
        self._port_chosen = False
        return self

    def _start_once(self, timeout: float) -> None:
        self._write_config()
        log = self.log_path.open("ab")
        self._proc = subprocess.Popen(
            [self.binary, "-c", str(self.config_path)],
            stdout=log,
            stderr=subprocess.STDOUT,
            stdin=subprocess.DEVNULL,
        )
        log.close()
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self._proc.poll() is not None:
                raise BrokerError(
                    f"mosquitto exited with {self._proc.returncode}: "
                    f"{self.log_path.read_text(errors='replace')[-2000:]}"
                )
            # Ours, not just anyone's: another process listening on the port
            # would accept the probe while Mosquitto fails to bind it.
            if holds_socket(self._proc.pid, self.port, listening=True):
                return
            time.sleep(0.02)
        self.stop()
        raise BrokerError(f"mosquitto did not listen on port {self.port} within {timeout}s")

    def stop(self, *, kill: bool = False) -> None:
        """Stop the broker: SIGTERM (clean, saves persistence) or SIGKILL."""
        proc, self._proc = self._proc, None
        if proc is None or proc.poll() is not None:
            return
        if kill:
            proc.kill()
        else:
            proc.terminate()
        try:
            proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()

    def restart(self, *, kill: bool = False, down_seconds: float = 0.0) -> None:
        self.stop(kill=kill)
        if down_seconds:
            time.sleep(down_seconds)
        self.start()

    @property
    def running(self) -> bool:
        return self._proc is not None and self._proc.poll() is None

    @property
    def pid(self) -> int | None:
        """The Mosquitto process's id while started (benchmarks read its CPU, pin it)."""
        return self._proc.pid if self._proc is not None else None

    def cleanup(self) -> None:
        self.stop()
        if self._own_dir:
            shutil.rmtree(self.workdir, ignore_errors=True)

    def __enter__(self) -> MosquittoBroker:
        return self.start()

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.cleanup()
