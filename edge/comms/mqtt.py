"""Every MQTT client of the project is built here (paho-mqtt 2.x, MQTT 5).

:func:`new_client` / :func:`client_for` + :func:`start` are the one way a process
makes a client: v2 callbacks, MQTT 5, credentials and TLS from the config,
TCP_NODELAY on every connection, reconnect backoff, in-flight/queue limits, an
optional last will, and (``session_expiry_s``) a persistent session that the
broker keeps while we are away. The device agent, the feedback sender, the
camera publisher, the cloud ingest and the simulator all use it, so those
settings cannot drift apart between them.

:class:`MqttLink` is the device's own connection on top of it. What it
guarantees the agent:

* **Availability via last will.** The broker holds a retained "offline"
  :class:`~edge.comms.topics.DeviceStatus` as our will; if the device dies or
  the network drops, screens and operators see it within 1.5 keepalives.
* **Reconnect with backoff.** paho's network thread retries from 0.5 s doubling
  to 10 s, forever; the agent never handles a lost connection itself.
* **Re-subscribe and republish on every connect.** ``on_connected`` runs after
  each CONNACK: the agent re-announces "online" and republishes every display's
  retained recommendation, so a broker that lost its retained store (restart
  without persistence) is repaired.
* **Nothing published while disconnected is dropped.** QoS 1 publishes are kept
  in paho's unbounded in-memory queue and sent after the reconnect; the session
  is persistent (clean start off, session expiry of a day), so QoS 1 signals
  sent to the device while it was away are delivered by the broker when it
  returns. QoS 0 traffic (location pings, dead letters) is best effort by
  contract.
* **Acknowledged when committed** (``manual_ack``, the device's main link): a
  QoS 1 signal is PUBACKed after the handler's transaction committed (or it was
  dead-lettered), not when paho read it. A crash before that leaves it in-flight
  at the broker, which resends it on the next connect of the persistent session.
* **An ack that never comes is seen** (``manual_ack``): the link keeps, per
  connection, when each QoS 1 message came until its ack is sent
  (:meth:`MqttLink.oldest_unacked_s`). The store broker hands the device at most
  ``max_inflight_messages`` (100) unacknowledged messages, so acks that stop (a
  wedged writer, a lost ack) would stop every QoS 1 signal; the device's
  /healthz reports it (edge/observability/http.py) and systemd restarts the
  device, after which the broker resends what was never acked. (Not a reconnect
  in place: the resent copies would be acked as duplicates while the first
  copies' writes may still be waiting, i.e. before they are on disk.)
* **A stale stream is dropped** (``stale_after_s``, the device's positions
  link): the broker forwards QoS 0 messages to a slow subscriber without limit
  (Mosquitto queues ``max_queued_messages`` of them), so after a flood the
  device would read seconds of superseded positions before the current ones.
  The link sends a PINGREQ every ``LAG_PROBE_S`` while messages arrive; the
  broker's PINGRESP queues behind everything it holds for us, so its age is how
  far behind the stream is. Past ``stale_after_s`` the link closes its socket:
  with no persistent session the broker discards the backlog, and the link
  reconnects at once and reads current positions. QoS 0 messages of the
  dropped connection already read into the client's buffer are skipped.
* **A handler that hangs on the network thread does not cost the connection**
  (a small guard thread per link, ticking every
  :func:`~edge.comms.lean_paho.stall_tick_s`): with ``--dispatch hybrid`` a
  message may be handled on the thread that read it, and paho's keepalive runs
  on that thread. While one callback runs for two ticks, the guard writes a
  PINGREQ and whatever other threads queued (the watchdog's "stuck" status)
  itself (:meth:`~edge.comms.lean_paho.LeanClient.keep_alive_stalled`), so the
  broker neither drops the device nor publishes its last will while it lives.
"""

from __future__ import annotations

import contextlib
import logging
import socket
import ssl
import threading
import time
from collections.abc import Callable, Mapping
from typing import Any

import paho.mqtt.client as mqtt
from paho.mqtt.enums import CallbackAPIVersion
from paho.mqtt.packettypes import PacketTypes
from paho.mqtt.properties import Properties

from edge.comms.lean_paho import LeanClient, StoppableClient, lazy_ack_mark, stall_tick_s
from firmware_config.schema import BrokerConfig, TLSConfig

log = logging.getLogger(__name__)

SESSION_EXPIRY_S = 86_400
"""How long the broker keeps our subscriptions and queued QoS 1 messages while we are away."""
LAG_PROBE_S = 0.1
"""How often a link with ``stale_after_s`` measures its stream's lag (a PINGREQ)."""
ACK_STALL_S = 120.0
"""A QoS 1 message unacknowledged this long on a connected ``manual_ack`` link is
a stall (the device's /healthz fails, so systemd restarts it). Longer than any
legitimate wait for an ack: the log writer tries a commit three times, each
waiting up to the 30 s busy timeout, before it gives up and acks anyway, and a
full priority lane (5,000 messages) drains in seconds."""

MessageHandler = Callable[..., None]
"""``(topic, payload, properties)``; with ``manual_ack`` also ``ack``: a callable
that acknowledges the message to the broker (None for QoS 0)."""
Ack = Callable[[], None]


ConnectCallback = Callable[..., None]


def new_client(
    client_id: str,
    *,
    username: str | None = None,
    password: str | None = None,
    tls: TLSConfig | Mapping[str, Any] | None = None,
    will: tuple[str, bytes] | None = None,
    reconnect_s: tuple[float, float] | None = (0.5, 10.0),
    inflight: int | None = None,
    queued: int | None = None,
    nodelay: bool = True,
    manual_ack: bool = False,
    on_connect: ConnectCallback | None = None,
    lean: bool = False,
) -> mqtt.Client:
    """A paho MQTT 5 client (v2 callbacks), configured, not yet connected.

    ``tls``: the config's :class:`TLSConfig`, or paho ``tls_set`` keyword
    arguments (the cloud ingest's form). ``will``: (topic, payload), published
    retained at QoS 1 by the broker if we vanish. ``inflight``/``queued``: paho's
    limits (0 = unlimited; None = paho's defaults). ``on_connect``: paho's v2
    callback; with ``nodelay`` the socket gets TCP_NODELAY before it runs (assign
    callbacks through this argument: setting ``client.on_connect`` later drops it).
    ``lean``: a :class:`~edge.comms.lean_paho.LeanClient` (buffered reads, light
    PUBLISH/PUBACK decoding, coalesced writes; the same protocol behaviour).
    """
    cls = LeanClient if lean else StoppableClient
    client = cls(callback_api_version=CallbackAPIVersion.VERSION2, client_id=client_id,
                         protocol=mqtt.MQTTv5, manual_ack=manual_ack)
    if will is not None:
        client.will_set(will[0], will[1], qos=1, retain=True)
    if isinstance(tls, Mapping):
        if username is not None:
            client.username_pw_set(username, password)
        client.tls_set(**tls)
    else:
        apply_auth(client, username, password, tls)
    if reconnect_s is not None:
        client.reconnect_delay_set(min_delay=reconnect_s[0], max_delay=reconnect_s[1])  # type: ignore[arg-type]
    if inflight is not None:
        client.max_inflight_messages_set(inflight)
    if queued is not None:
        client.max_queued_messages_set(queued)
    if nodelay or on_connect is not None:
        def _on_connect(c: mqtt.Client, userdata: Any, flags: Any, reason_code: Any, properties: Any) -> None:
            if nodelay and not reason_code.is_failure:
                no_delay(c)
            if on_connect is not None:
                on_connect(c, userdata, flags, reason_code, properties)

        client.on_connect = _on_connect
    return client


def client_for(broker: BrokerConfig, client_id: str, **kw: Any) -> mqtt.Client:
    """:func:`new_client` with the credentials and TLS of a ``[broker]`` config table."""
    return new_client(client_id, username=broker.username, password=broker.password, tls=broker.tls, **kw)


def start(
    client: mqtt.Client, host: str, port: int, *, keepalive: int,
    session_expiry_s: int | None = None, blocking: bool = False,
) -> None:
    """Connect and run paho's network thread (it reconnects by itself until stopped).

    ``session_expiry_s``: a persistent session (clean start off, kept that long by
    the broker: subscriptions and queued QoS 1 messages survive a disconnect);
    None: a fresh session. ``blocking``: connect now and raise if the broker is
    unreachable (a dev tool), instead of connecting in the background."""
    props = None
    clean_start: bool | int = mqtt.MQTT_CLEAN_START_FIRST_ONLY
    if session_expiry_s is not None:
        props = Properties(PacketTypes.CONNECT)
        props.SessionExpiryInterval = session_expiry_s
        clean_start = False
    if blocking:
        client.connect(host, port, keepalive=keepalive, clean_start=clean_start, properties=props)
    else:
        client.connect_async(host, port, keepalive=keepalive, clean_start=clean_start, properties=props)
    client.loop_start()


class MqttLink:
    """One MQTT 5 client connection for a device."""

    def __init__(
        self,
        broker: BrokerConfig,
        client_id: str,
        *,
        subscriptions: list[tuple[str, int]],
        will: tuple[str, bytes] | None,
        on_message: MessageHandler,
        on_connected: Callable[[bool], None] | None = None,
        on_retained: MessageHandler | None = None,
        manual_ack: bool = False,
        session_expiry_s: int | None = SESSION_EXPIRY_S,
        stale_after_s: float | None = None,
        reconnect_s: tuple[float, float] = (0.5, 10.0),
    ) -> None:
        """``session_expiry_s``: a persistent session kept that long by the broker
        (None: a fresh one at every connect, and the broker forgets what it held
        for us when we go). ``stale_after_s``: drop the connection when the
        stream runs that many seconds behind (see the module doc; needs a fresh
        session to discard the backlog)."""
        self.broker = broker
        self.session_expiry_s = session_expiry_s
        self.stale_after_s = stale_after_s
        self.stale_resets = 0
        """Connections dropped because the stream was more than ``stale_after_s`` behind."""
        self.lag_s_max = 0.0
        """Largest stream lag seen (age of an unanswered PINGREQ), in seconds."""
        self.stale_skipped = 0
        """QoS 0 messages not handled because their connection was already being
        dropped as stale (read into the client's buffer before the drop)."""
        self._lag_check_at = 0.0
        self._stale_connection = -1
        """``connects`` of the connection last dropped as stale (-1: none)."""
        self.manual_ack = manual_ack
        """The handler acknowledges each QoS 1 message itself (4th argument ``ack``)
        once its effect is committed: a message acknowledged when it was merely
        queued is lost by a crash, and the broker would never send it again.
        Unacknowledged messages stay in-flight at the broker, which resends them
        on the next connect of this persistent session."""
        self.acks = 0
        self._unacked: dict[int, float] = {}
        """This connection's QoS 1 messages not yet acked (``manual_ack``): packet id ->
        when it came (monotonic). Filled in arrival order, so the first is the
        oldest; replaced by an empty one at each (dis)connect (a message of an old
        connection is resent by the broker and counted again on the new one)."""
        self.acks_stale = 0
        """Acks not sent because the connection changed since the message came
        (the broker resends it on the new connection, and that copy is acked)."""
        self.subscriptions = subscriptions
        self.on_message_cb = on_message
        self.on_connected_cb = on_connected
        self.on_retained_cb = on_retained
        """Receives messages with the retain flag (sent because we subscribed, i.e. old
        state) instead of ``on_message``; None treats them like any other message."""
        self.connected = threading.Event()
        self.subscribed = threading.Event()
        """Set once the broker acknowledged our subscriptions (the device is listening)."""
        self._stopping = False
        self._started = False
        self._guard_stop = threading.Event()
        self._guard: threading.Thread | None = None
        self.connects = 0
        self.disconnects = 0
        # will None: a cloud client (the fleet service) with no presence topic of its own.
        # No in-flight window (0 = unlimited). paho's default of 20 queues screens
        # behind each other, and with any window paho rescans every unacknowledged
        # message on each PUBACK (measured: ~130 us per PUBACK at 1,000 signals/s).
        # Unbounded queue: never drop while offline.
        # LeanClient: paho's per-packet Python was most of these threads' CPU
        # (edge/comms/lean_paho.py); messages come to _on_raw without an MQTTMessage.
        client = client_for(broker, client_id, will=will, reconnect_s=reconnect_s, inflight=0, queued=0,
                            on_connect=self._on_connect, manual_ack=manual_ack, lean=True)
        client.on_disconnect = self._on_disconnect
        client.on_message = self._on_message
        client.on_publish_raw = self._on_raw  # type: ignore[attr-defined]
        # A thread that held its wake-ups (the worker around a signal, the log writer
        # around a chunk's acks) writes what it queued itself at the release: no
        # hand-over to the network thread, which would first need the GIL back.
        client.write_on_release = True  # type: ignore[attr-defined]
        client.on_subscribe = self._on_subscribe
        if manual_ack:
            # The device's main link: it publishes an answer per signal, and the
            # broker's PUBACK of each woke paho's thread on its own (lean_paho).
            # Up to LAZY_ACKS of them wait for the next signal (or the 0.1 s
            # timeout), where the subscriptions' shortest PUBLISH allows it: at
            # 1,000 signals/s PUBACK pairs still woke it ~0.15 times per signal
            # (docs/performance-log.md, "(2026-12-03 (h)) the network threads").
            client.read_low_water = lazy_ack_mark([t for t, _ in subscriptions])  # type: ignore[attr-defined]
        self.client: LeanClient = client  # type: ignore[assignment]  # new_client(lean=True)

    def start(self) -> None:
        """Connect in the background; paho's thread keeps reconnecting until :meth:`stop`."""
        self._started = True
        start(self.client, self.broker.host, self.broker.port, keepalive=self.broker.keepalive_s,
              session_expiry_s=self.session_expiry_s)
        self._guard = threading.Thread(target=self._guard_stalls, args=(stall_tick_s(self.broker.keepalive_s),),
                                       name=f"mqtt-stall-guard-{self.client._client_id.decode(errors='replace')}",  # noqa: SLF001
                                       daemon=True)
        self._guard.start()

    def _guard_stalls(self, tick_s: float) -> None:
        """The stall guard (module doc): one look per tick, idle unless a callback
        on the network thread has been running since the previous one."""
        client = self.client
        stalled = False
        while not self._guard_stop.wait(tick_s):
            try:
                now_stalled = client.keep_alive_stalled()
            except Exception:  # the guard must outlive a surprise; the next tick tries again
                log.exception("stall guard failed")
                continue
            if now_stalled and not stalled:
                log.warning("%s: a message handler has run on the network thread for over %.2f s; "
                            "keeping the connection alive from the stall guard",
                            client._client_id.decode(errors="replace"), tick_s)  # noqa: SLF001
            stalled = now_stalled

    def network_alive(self) -> bool:
        """Whether paho's network thread runs: it reads, writes and reconnects by
        itself, and once it has ended nothing ever will (True before :meth:`start`
        and while stopping)."""
        if not self._started or self._stopping:
            return True
        thread = self.client._thread  # noqa: SLF001 - paho sets it to None when the thread ends
        return thread is not None and thread.is_alive()

    def stop(self, final: tuple[str, bytes] | None = None, timeout: float = 2.0) -> None:
        """Publish ``final`` (the "offline" status) if connected, then disconnect."""
        self._stopping = True
        self._guard_stop.set()
        if self._guard is not None:
            self._guard.join(timeout=timeout)
        self.client.wake_on_any_byte()  # the final status's PUBACK must wake the thread
        if final is not None and self.connected.is_set():
            info = self.client.publish(final[0], final[1], qos=1, retain=True)
            with contextlib.suppress(RuntimeError, ValueError):
                info.wait_for_publish(timeout=timeout)
        self.client.disconnect()
        # Let the network thread send what is queued and the DISCONNECT before it stops:
        # stopped first (a flood had the final status still queued behind recos after
        # the wait above), the socket closed without a word, the broker published the
        # last will over the final status, and the retained status lost its detail.
        deadline = time.monotonic() + timeout
        while self.connected.is_set() and time.monotonic() < deadline:
            time.sleep(0.01)
        self.client.loop_stop()

    def publish(
        self, topic: str, payload: bytes, *, qos: int = 1, retain: bool = False,
        properties: Properties | None = None,
    ) -> None:
        # LeanClient's publish_nowait: paho's bookkeeping (resend after reconnect,
        # in-flight window, PUBACK completion) without what only a waiting caller
        # needs; nothing here waits on a publish.
        self.client.publish_nowait(topic, payload, qos, retain, properties)

    def hold_wakes(self) -> None:
        """Publishes and acks this thread queues wake the network thread once, at
        :meth:`release_wakes` (LeanClient.hold_wakes): the agent's worker holds them
        for the length of one signal."""
        self.client.hold_wakes()

    def release_wakes(self) -> None:
        self.client.release_wakes()

    # ---- paho callbacks (network thread) -----------------------------------------

    def _on_connect(self, client, userdata, flags, reason_code, properties) -> None:
        if reason_code.is_failure:
            log.warning("broker refused connection: %s", reason_code)
            return
        self.connects += 1
        self._unacked = {}
        # Subscribe even when the broker kept our session: a broker restarted
        # without persistence forgot it, and re-subscribing is idempotent.
        client.subscribe(self.subscriptions)
        self.connected.set()
        log.info(
            "connected to %s:%s (session present: %s)",
            self.broker.host, self.broker.port, flags.session_present,
        )
        if self.on_connected_cb is not None:
            try:
                self.on_connected_cb(bool(flags.session_present))
            except Exception:
                log.exception("on_connected handler failed")

    def _on_disconnect(self, client, userdata, disconnect_flags, reason_code, properties) -> None:
        if self.connected.is_set() and not self._stopping:
            self.disconnects += 1
            log.warning("disconnected from broker (%s); reconnecting", reason_code)
        self.connected.clear()
        self.subscribed.clear()
        self._unacked = {}  # no ack can go out now; the broker resends these after the reconnect

    def _on_subscribe(self, client, userdata, mid, reason_codes, properties) -> None:
        failed = [str(rc) for rc in reason_codes if rc.is_failure]
        if failed:
            log.error("broker refused subscriptions: %s", failed)
        self.subscribed.set()

    def _on_message(self, client, userdata, msg: mqtt.MQTTMessage) -> None:
        """paho's path (QoS 2, or paho logging switched on): the same as :meth:`_on_raw`."""
        self._on_raw(msg._topic, msg.payload, getattr(msg, "properties", None),  # noqa: SLF001
                     msg.qos, msg.retain, msg.mid)

    def _on_raw(self, topic_b: bytes, payload: bytes, props: Properties | None, qos: int, retain: bool,
                mid: int) -> None:
        """One inbound message (network thread), straight from LeanClient's decoder."""
        if self.stale_after_s is not None:
            if qos == 0 and self._stale_connection == self.connects:
                # This connection is being dropped as stale, but one read of the
                # socket holds hundreds of messages (READ_SIZE), and handling them
                # all took 1-2 s in a flood (CI, 2 cores): positions that old are
                # superseded, so skip them and reconnect for current ones. QoS 1
                # is still handled: nothing would send it again.
                self.stale_skipped += 1
                return
            now = time.monotonic()
            if now >= self._lag_check_at:
                self._lag_check_at = now + LAG_PROBE_S
                self._check_lag(self.client, now)
        ack = self._acker(mid, qos) if self.manual_ack and qos > 0 else None
        topic = "?"
        try:
            topic = topic_b.decode()
            cb = self.on_retained_cb if retain and self.on_retained_cb is not None else self.on_message_cb
            if self.manual_ack:
                cb(topic, payload, props, ack)
            else:
                cb(topic, payload, props)
        except Exception:  # the network thread must survive any handler bug (and a non-UTF-8 topic)
            log.exception("message handler failed on %s", topic if topic != "?" else repr(topic_b))
            if ack is not None:
                ack()  # a bug costs this one message; unacked, it would come back at every connect

    def _check_lag(self, client: mqtt.Client, now: float) -> None:
        """Measure the stream's lag with a PINGREQ, and drop the connection past
        ``stale_after_s`` (network thread, while messages arrive: an idle stream
        has no backlog). Reads and sends through paho's keepalive state
        (``_ping_t``: when the unanswered PINGREQ was sent, paho's own ones
        included), on paho's thread, as paho does: paho >= 2.1, < 3."""
        sent = client._ping_t  # noqa: SLF001
        if not sent:
            client._send_pingreq()  # noqa: SLF001
            return
        lag = now - sent
        self.lag_s_max = max(self.lag_s_max, lag)
        if lag <= self.stale_after_s:  # type: ignore[operator]
            return
        self.stale_resets += 1
        self._stale_connection = self.connects
        log.warning("%s: stream %.1f s behind (a flood); dropping the connection so the broker "
                    "discards what it holds for us, reconnecting (%d so far)",
                    client._client_id.decode(errors="replace"), lag, self.stale_resets)  # noqa: SLF001
        sock = client.socket()
        if isinstance(sock, socket.socket):
            with contextlib.suppress(OSError):
                sock.shutdown(socket.SHUT_RDWR)  # paho sees the connection lost and reconnects

    def _acker(self, mid: int, qos: int) -> Ack:
        """The ack of one received message, valid on the connection it came on.

        After a reconnect the broker resends every unacknowledged message of the
        session with its original packet id; that copy is handled again (the
        device de-duplicates by signal id) and acknowledged then, so an ack
        from an older connection is not sent. Acks go out in the order the
        worker finishes messages, which is the order they came in (one FIFO
        lane); the OTA desired state and dead letters are acked at once."""
        connection = self.connects
        unacked = self._unacked
        unacked[mid] = time.monotonic()

        def ack() -> None:
            if self.connects != connection:
                self.acks_stale += 1
                return
            self.client.ack(mid, qos)
            unacked.pop(mid, None)
            self.acks += 1

        return ack

    def unacked(self) -> int:
        """QoS 1 messages of this connection whose ack has not been sent yet."""
        return len(self._unacked)

    def oldest_unacked_s(self, now: float | None = None) -> float:
        """How long the oldest QoS 1 message of this connection has waited for its
        ack, in seconds (0.0: none waits). Safe from any thread: the network
        thread adds entries while the worker and the log writer remove them."""
        try:
            first = next(iter(self._unacked.values()))
        except (StopIteration, RuntimeError):  # empty, or changed size under us: asked again later
            return 0.0
        return max((time.monotonic() if now is None else now) - first, 0.0)


def apply_auth(
    client: mqtt.Client, username: str | None, password: str | None, tls: TLSConfig | None
) -> None:
    """Credentials and TLS from the device config: one place for every client a
    device runs (agent, feedback sender, camera), so they cannot drift apart."""
    if username is not None:
        client.username_pw_set(username, password)
    if tls is not None:
        client.tls_set(
            ca_certs=str(tls.ca_file),
            certfile=str(tls.cert_file) if tls.cert_file else None,
            keyfile=str(tls.key_file) if tls.key_file else None,
            tls_version=ssl.PROTOCOL_TLS_CLIENT,
        )
        client.tls_insecure_set(tls.insecure)


def no_delay(client: mqtt.Client) -> None:
    """Disable Nagle's algorithm on the broker connection.

    Screens wait for small messages; with Nagle a recommendation written while
    the previous one is unacknowledged waits for the peer's (delayed) ACK.
    Measured through Mosquitto: a bare echo round trip went from ~10 ms p50 to
    well under a millisecond once both the clients and the broker
    (``set_tcp_nodelay true``) sent without delay."""
    sock = client.socket()
    if isinstance(sock, socket.socket):
        with contextlib.suppress(OSError):
            sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)


def reply_properties(correlation_data: bytes | None) -> Properties:
    props = Properties(PacketTypes.PUBLISH)
    if correlation_data is not None:
        props.CorrelationData = correlation_data
    return props
