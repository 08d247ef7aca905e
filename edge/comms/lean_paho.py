"""paho's MQTT client with cheaper per-packet Python, the same protocol behaviour.

The device's two MQTT connections cost as much CPU per signal as half the
handling itself (docs/performance-log.md), and most of it was paho's own Python
per packet, not the network: py-spy under real traffic put ~20 % of the main
connection's thread in building a :class:`~paho.mqtt.properties.Properties`
object for every inbound PUBLISH and PUBACK (its constructor builds two
dictionaries of all 27 MQTT 5 properties, so it also drives the cyclic GC),
~12 % in ``recv`` (paho reads every packet with three or more ``recv`` calls:
1 byte of fixed header, each remaining-length byte, then the body), and each
QoS 1 publish and each PUBACK wakes the network thread through its socket
pair and goes out in a ``send`` of its own.

:class:`LeanClient` is a :class:`paho.mqtt.client.Client` (paho-mqtt >= 2.1,
< 3: it overrides private methods, and its tests pin the behaviour) that

* **reads buffered**: one ``recv`` of up to :data:`READ_SIZE` bytes serves every
  packet in it; all complete packets are handled before the loop goes back to
  ``select`` (a packet left in the buffer would otherwise wait for the next
  byte from the broker), a packet split across reads waits in the buffer for
  the rest, and the buffer belongs to one socket (a reconnect starts empty).
  TLS sockets work as before: ``recv`` returns at most a record and paho's loop
  already skips ``select`` while ``pending()`` holds decrypted bytes.
* **decodes PUBLISH and PUBACK without paho's objects** where they carry
  nothing: a PUBLISH with no properties gets an empty ``Properties`` copied
  from a template (the same type and attributes; a real one is decoded when
  the broker sends any), a success PUBACK completes the message without a
  ``ReasonCode``/``Properties`` pair (paho builds them only for
  ``on_publish``; when one is set, paho's own path runs). With
  ``on_publish_raw`` set, inbound messages go straight to it as
  ``(topic, payload, properties, qos, retain, mid)``, without an
  ``MQTTMessage`` (whose ``MQTTMessageInfo`` builds a ``threading.Condition``).
  QoS 2 and MQTT 3 packets take paho's path.
* **wakes the network thread once per batch**: a packet queued while an
  earlier wake-up is still pending does not write another byte to the socket
  pair (the network thread takes every queued packet when it wakes), and a
  packet queued by the network thread itself (a message handled to completion
  in its callback, an ack) wakes nothing: what a packet's callback queued is
  written right after that callback, before the next packet of the read.
* **does not wake for a lone PUBACK** when :attr:`LeanClient.read_low_water` is
  set (the device's main link): the broker acknowledges each answer the device
  publishes with a 4-byte PUBACK ~0.1 ms after it, and at 1,000 signals/s those
  were about half of the main connection's wake-ups (each a context switch and
  the GIL taken back, for a dictionary pop). With ``SO_RCVLOWAT`` at
  :func:`lazy_ack_mark` of its subscriptions (17 bytes for the device) the
  kernel reports the socket readable only once a PUBLISH (never shorter than
  the mark) or a fifth PUBACK arrives, and the waiting PUBACKs are read with it;
  ``select`` then times out every :data:`MISC_EVERY_S` and reads whatever waits
  (a PINGRESP: keepalive).
* **writes queued packets in one ``send``**: the packets waiting when the
  network thread wakes (a recommendation, the signal's PUBACK, ...) go out
  together; a partial write leaves the rest queued in order, as paho does.

* **keeps the connection alive through a stalled callback**
  (:meth:`LeanClient.keep_alive_stalled`, called by another thread every
  :func:`stall_tick_s`): paho's keepalive runs on the network thread, so a
  message callback that does not return (a hung inference handled on this
  thread, ``--dispatch hybrid``) would stop the PINGREQs, the broker would drop
  the connection after 1.5 keepalives and publish the last will while the
  process lives, and packets other threads queue (the watchdog's "stuck" status)
  would wait for the thread. When the same callback has been running at two
  ticks in a row, the calling thread writes a PINGREQ (at most every half
  keepalive) and whatever is queued, under the write lock, as
  :attr:`LeanClient.write_on_release` already does (plain sockets only: a TLS
  socket is never written from another thread). Idle otherwise: the tick reads
  a lock's state and a counter; nothing per packet.

Everything else (connect, keepalive, reconnect, session state, in-flight
bookkeeping, QoS 1 resend, manual acks) is paho's own code.
"""

from __future__ import annotations

import logging
import select
import socket
import threading
from collections.abc import Callable
from typing import Any

import paho.mqtt.client as mqtt
from paho.mqtt.client import MQTT_LOG_ERR, MQTTErrorCode, MQTTMessage
from paho.mqtt.enums import MQTTProtocolVersion
from paho.mqtt.exception import MalformedPacket
from paho.mqtt.packettypes import PacketTypes
from paho.mqtt.properties import Properties

log = logging.getLogger(__name__)

READ_SIZE = 65_536
"""Bytes asked of the socket per ``recv`` (at 1,000 signals/s one read usually
holds every packet that arrived since the last wake-up)."""
WRITE_BATCH = 65_536
"""At most this many bytes of queued packets are joined into one ``send``."""

_PUBLISH = 0x30
_PUBACK = 0x40
_DISCONNECT = 0xE0
_SUCCESS = MQTTErrorCode.MQTT_ERR_SUCCESS
_AGAIN = MQTTErrorCode.MQTT_ERR_AGAIN
_CONN_LOST = MQTTErrorCode.MQTT_ERR_CONN_LOST
_PROTOCOL = MQTTErrorCode.MQTT_ERR_PROTOCOL
_NO_CONN = MQTTErrorCode.MQTT_ERR_NO_CONN
_MQTTv5 = MQTTProtocolVersion.MQTTv5
_PUBACK_FAST_REASONS = frozenset((0x00, 0x10))
"""PUBACK reason codes completed without paho's objects: success and "no
matching subscribers" (Mosquitto's answer to a publish nobody reads)."""

MISC_EVERY_S = 0.1
"""How often the lean loop runs paho's ``loop_misc`` (keepalive: a PINGREQ when
due, the connection dropped when a PINGRESP is overdue). paho runs it after
every ``select``, i.e. per packet at 1,000 signals/s; keepalives are seconds."""

RECONNECT_WALKS = 10
"""Times :meth:`LeanClient.reconnect` runs paho's when another thread keeps queueing
packets during its walk of the queue (each walk takes microseconds)."""

TOPIC_CACHE = 4_096
"""Publish topics whose encoded form :meth:`LeanClient.publish_nowait` keeps
(a store's displays and status topics fit; beyond it the cache starts over)."""

STALL_TICK_MAX_S = 1.0


def stall_tick_s(keepalive: float) -> float:
    """How often the stall guard calls :meth:`LeanClient.keep_alive_stalled`: an
    eighth of the keepalive, at most :data:`STALL_TICK_MAX_S`. A stall is seen at
    the second tick inside it (at most two ticks after it began), and paho's last
    packet before it went out at most a keepalive earlier (plus its loop's
    lateness), so the guard's first PINGREQ leaves well inside the broker's
    1.5 keepalives: keepalive + 2 ticks <= 1.25 keepalives."""
    return min(STALL_TICK_MAX_S, keepalive / 8)


PUBACK_BYTES = 4
"""The broker's PUBACK of a success in MQTT 5 (no reason code, no properties); its
PINGRESP is 2 bytes. Every PUBLISH it can send us is longer (:func:`shortest_publish`)."""
LAZY_ACKS = 4
"""PUBACKs that may wait in the socket without waking the thread, where every
PUBLISH the link can receive is longer than they are together (:func:`lazy_ack_mark`)."""


def shortest_topic(topic_filter: str) -> int:
    """Characters of the shortest topic ``topic_filter`` matches: a ``+`` level may
    be empty, and a trailing ``#`` also matches its parent (``a/#`` matches ``a``)."""
    levels = topic_filter.split("/")
    if levels[-1] == "#":
        levels = levels[:-1]
        if not levels:
            return 1  # "#" alone: any topic, and a topic has at least one character
    return max(sum(0 if level == "+" else len(level) for level in levels) + len(levels) - 1, 1)


def shortest_publish(topic_filters: list[str]) -> int:
    """Bytes of the shortest PUBLISH a broker can send for these subscriptions: a
    QoS 0 one (no packet id) on the shortest matching topic, without properties or
    payload: fixed header and remaining length (2), topic length (2), topic,
    property length (1)."""
    return 5 + min(shortest_topic(f) for f in topic_filters)


def lazy_ack_mark(topic_filters: list[str]) -> int:
    """The main link's ``SO_RCVLOWAT``: up to :data:`LAZY_ACKS` waiting PUBACKs
    stay below it, and no PUBLISH the subscriptions can bring does (at most
    :func:`shortest_publish`, never under 6 bytes: one PUBACK always waits)."""
    return min(PUBACK_BYTES * LAZY_ACKS + 1, shortest_publish(topic_filters))

_EMPTY_PUBLISH_PROPS = Properties(PacketTypes.PUBLISH)


class _UnwaitedInfo(mqtt.MQTTMessageInfo):
    """The ``MQTTMessageInfo`` of a message published by
    :meth:`LeanClient.publish_nowait`: never handed to a caller, so nobody waits
    on it and it needs no ``threading.Condition`` (paho builds one per message,
    an RLock and a list, and locks it again on completion). paho's code only
    marks it published and sets its ``rc``."""

    __slots__ = ()

    def __init__(self, mid: int) -> None:  # paho's, without the Condition
        self.mid = mid
        self._published = False
        self.rc = _SUCCESS
        self._iterpos = 0

    def _set_as_published(self) -> None:
        self._published = True

    def is_published(self) -> bool:
        return self._published

    def wait_for_publish(self, timeout: float | None = None) -> None:
        raise RuntimeError("a publish_nowait message cannot be waited on; use publish()")


def empty_publish_properties() -> Properties:
    """A fresh empty PUBLISH ``Properties`` (what paho decodes from a property
    length of 0) for the price of a dict update: it shares the template's
    read-only name and type tables instead of building them again."""
    props = object.__new__(Properties)
    props.__dict__.update(_EMPTY_PUBLISH_PROPS.__dict__)
    return props


def _remaining_length(n: int) -> bytes:
    if n < 128:
        return bytes((n,))
    if n > 268_435_455:
        raise ValueError("Packet too large")
    out = bytearray()
    while True:
        byte, n = n & 0x7F, n >> 7
        out.append(byte | 0x80 if n else byte)
        if not n:
            return bytes(out)


def publish_packet(head: bytes, payload: bytes | bytearray, *, qos: int = 0, retain: bool = False,
                   dup: bool = False, mid: int = 0, properties: bytes = b"\x00") -> bytes:
    """One MQTT 5 PUBLISH packet, the bytes paho writes: fixed header, ``head`` (the
    topic, length-prefixed UTF-8), the packet id when ``qos`` > 0, ``properties``
    (packed; ``b"\\x00"``: none), the payload. Built in one ``join``."""
    ident = mid.to_bytes(2, "big") if qos else b""
    command = _PUBLISH | (int(dup) << 3) | (qos << 1) | int(retain)
    return b"".join((bytes((command,)), _remaining_length(len(head) + len(ident) + len(properties) + len(payload)),
                     head, ident, properties, payload))


def topic_head(topic_b: bytes) -> bytes:
    """A topic as PUBLISH carries it: its UTF-8 length (2 bytes) then the bytes."""
    return len(topic_b).to_bytes(2, "big") + topic_b


RawMessageHandler = Callable[[bytes, bytes, Properties, int, bool, int], None]
"""``(topic, payload, properties, qos, retain, mid)``; topic as the broker sent it (UTF-8 bytes)."""


class StoppableClient(mqtt.Client):
    """A paho ``Client`` whose :meth:`loop_stop` survives paho's own race
    (eclipse-paho/paho.mqtt.python#872, open): after a ``disconnect()`` the network
    thread ends and sets ``_thread`` to None, and where that fell between
    ``loop_stop``'s check and its ``join`` the call raised ``AttributeError``. Two
    teardowns of a CI run on 2026-12-08 (aw) failed so; a device's shutdown calls the
    same pair."""

    def loop_stop(self) -> MQTTErrorCode:
        thread = self._thread  # (read once: the network thread may clear it any time)
        if thread is None:
            return MQTTErrorCode.MQTT_ERR_INVAL
        self._thread_terminate = True
        if threading.current_thread() is not thread:
            thread.join()
        return MQTTErrorCode.MQTT_ERR_SUCCESS


class LeanClient(StoppableClient):
    """A paho ``Client`` with buffered reads, light PUBLISH/PUBACK decoding and
    coalesced writes (module doc). Used exactly like ``paho.mqtt.client.Client``."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self._rbuf = b""
        """Bytes of an incomplete packet, read from ``_rbuf_sock``."""
        self._rbuf_sock: Any = None
        self._wake_pending = False
        """A byte is in the socket pair (or about to be) and the network thread has
        not yet taken the queued packets: the next packet needs no wake-up of its own."""
        self._wake_holders: dict[int, bool] = {}
        """Thread id -> whether it queued a packet since its :meth:`hold_wakes`: packets
        a holding thread queues wake the network thread once, at its :meth:`release_wakes`
        (per thread: the worker and the log writer may hold at the same time)."""
        self.on_publish_raw: RawMessageHandler | None = None
        """Inbound QoS 0/1 messages go here instead of ``on_message`` (no MQTTMessage)."""
        self._misc_due = 0.0
        """When the lean loop next runs ``loop_misc`` (monotonic seconds)."""
        self._topic_heads: dict[str, bytes] = {}
        """Publish topic -> its checked, length-prefixed UTF-8 (:meth:`publish_nowait`)."""
        self._write_lock = threading.RLock()
        """Held while packets are taken from the queue and written: the network thread
        and, with :attr:`write_on_release`, a thread releasing its held wake-ups write
        the same socket, one at a time and in queue order. (Re-entrant: a DISCONNECT
        written runs paho's on_disconnect, which may queue and write again.)"""
        self.write_on_release = False
        """:meth:`release_wakes` writes what its thread queued itself (one ``send``, no
        wake-up) instead of waking the network thread, when the socket is a plain one
        and no other thread is writing; the device's links set it."""
        self.read_low_water = 1
        """``SO_RCVLOWAT`` of a plain connection: ``select`` reports the socket readable
        once this many bytes wait (1: any byte, the kernel's default). The device's main
        link sets :func:`lazy_ack_mark`, so the broker's 4-byte PUBACKs of its answers
        wait in the socket for the next signal instead of waking this thread alone
        (module doc). A read that leaves part of a packet drops it to 1 until that
        packet is whole; a ``select`` that times out reads what waits anyway."""
        self._lowat_sock: Any = None
        self._lowat = 1
        """The ``SO_RCVLOWAT`` last set on ``_lowat_sock``."""
        self.lean_counts = {"reads": 0, "packets_in": 0, "writes": 0, "packets_out": 0, "wakes": 0,
                            "direct_writes": 0, "idle_reads": 0, "reconnect_walks": 0,
                            "stalls": 0, "stall_ticks": 0, "stall_pings": 0}
        """Syscall economy, for tests and benchmarks: ``recv`` calls that returned
        data / packets handled from them; ``send`` calls / packets they carried;
        socket-pair wake-ups written. ``stalls``/``stall_ticks``/``stall_pings``:
        callbacks seen stalled, guard ticks inside them, PINGREQs the guard sent
        (:meth:`keep_alive_stalled`)."""
        self._stall_seen = -1
        """``packets_in`` when the stall guard last found a callback running (-1: none was)."""
        self._in_stall = False
        """The stall guard's previous tick found a stall (the next one counts no new stall)."""

    def _paho_path(self) -> bool:
        """Whether paho's own code must run: MQTT 3, or paho logging switched on (a
        logger or ``on_log``, which paho's paths feed per packet)."""
        return self._protocol != _MQTTv5 or self._logger is not None or self._on_log is not None

    # ---- the loop -------------------------------------------------------------------

    def _loop(self, timeout: float = 1.0) -> MQTTErrorCode:
        """One ``select`` and what it found: paho's ``_loop`` for a plain socket,
        with less Python per wake-up (the network threads wake once per packet or
        two at 1,000 signals/s, and paho's layers cost more than the packet).

        The same steps in the same order: read (every complete packet, as
        ``loop_read``), drain the wake-up pair, write what is queued
        (``loop_write``); ``loop_misc`` (keepalive) every :data:`MISC_EVERY_S`
        instead of after every ``select``. A TLS socket (decrypted bytes may wait
        in ``pending()``), MQTT 3 or paho logging take paho's ``_loop``."""
        sock = self._sock
        if sock is None or hasattr(sock, "pending") or self._paho_path():
            return super()._loop(timeout)
        if timeout < 0.0:
            raise ValueError("Invalid timeout.")
        pair = self._sockpairR
        if self.read_low_water > 1 and timeout > MISC_EVERY_S:
            timeout = MISC_EVERY_S  # what waits below the mark is read within this (a PINGRESP: keepalive)
        try:
            readable, writable, _ = select.select((sock, pair) if pair is not None else (sock,),
                                                  (sock,) if self._out_packet else (), (), timeout)
        except (TypeError, ValueError):
            # As paho: the socket was closed under us (disconnect() or a lost connection).
            if self._state not in (mqtt._ConnectionState.MQTT_CS_DISCONNECTING,  # noqa: SLF001
                                   mqtt._ConnectionState.MQTT_CS_DISCONNECTED):  # noqa: SLF001
                self._state = mqtt._ConnectionState.MQTT_CS_CONNECTION_LOST  # noqa: SLF001
            return _CONN_LOST
        except Exception:  # noqa: BLE001 - paho's own rule
            return mqtt.MQTTErrorCode.MQTT_ERR_UNKNOWN
        write = bool(writable)
        if not readable and not write and self.read_low_water > 1:
            # Timed out: bytes below the low-water mark (a lone PUBACK, a PINGRESP)
            # never make select return, so they are read here (keepalive needs the
            # PINGRESP; at most MISC_EVERY_S late).
            rc = self._packet_read()
            if rc > 0:
                return self._loop_rc_handle(rc)
            if self._sock is None:
                return _SUCCESS
            self.lean_counts["idle_reads"] += 1
        if readable:
            if sock in readable:
                rc = self._packet_read()
                if rc == _SUCCESS and self._sock is not None:  # a full buffer: paho's loop_read for the rest
                    rc = self.loop_read()
                elif rc > 0:
                    return self._loop_rc_handle(rc)
                else:
                    rc = _SUCCESS
                if rc or self._sock is None:
                    return rc
            if pair is not None and pair in readable:
                write = True  # a thread queued packets: write them (paho inserts the socket in the write list)
                try:  # noqa: SIM105 (per wake-up: contextlib.suppress costs more than the recv)
                    pair.recv(10000)
                except BlockingIOError:
                    pass
        if write:
            rc = self.loop_write()
            if rc or self._sock is None:
                return rc
        now = mqtt.time_func()
        if now >= self._misc_due:
            self._misc_due = now + MISC_EVERY_S
            return self.loop_misc()
        return _SUCCESS

    # ---- reading --------------------------------------------------------------------

    def _packet_read(self) -> MQTTErrorCode:
        sock = self._sock
        if sock is not self._rbuf_sock:  # a new connection: nothing of the old one is valid
            self._rbuf, self._rbuf_sock = b"", sock
        try:
            data = self._sock_recv(READ_SIZE)
        except BlockingIOError:
            return _AGAIN
        except TimeoutError as err:
            self._easy_log(MQTT_LOG_ERR, "timeout on socket: %s", err)
            return _CONN_LOST
        except OSError as err:
            self._easy_log(MQTT_LOG_ERR, "failed to receive on socket: %s", err)
            return _CONN_LOST
        if not data:
            return _CONN_LOST
        counts = self.lean_counts
        counts["reads"] += 1
        with self._msgtime_mutex:
            self._last_bytes_received = mqtt.time_func()
        if self._rbuf:
            data = self._rbuf + data
            self._rbuf = b""
        rc = self._handle_buffered(data, sock)
        if rc:
            return rc
        if self.read_low_water > 1:
            # Part of a packet waits in the buffer: its rest may be fewer bytes than
            # the low-water mark, so wake for any byte until it is whole.
            lowat = 1 if self._rbuf else self.read_low_water
            if lowat != self._lowat or sock is not self._lowat_sock:
                self._set_low_water(sock, lowat)
        # A short read emptied the socket: back to select (paho's loop_read would
        # otherwise call again and pay a recv that raises BlockingIOError). A full
        # one may have left more: read again. Every complete packet is handled
        # either way, so select never waits while one sits in the buffer.
        return _AGAIN if len(data) < READ_SIZE or self._sock is None else _SUCCESS

    def _set_low_water(self, sock: Any, lowat: int) -> None:
        """Set ``SO_RCVLOWAT`` on a plain socket (TLS sockets keep the default: their
        reads go through records, not bytes)."""
        self._lowat_sock, self._lowat = sock, lowat
        if hasattr(sock, "pending"):
            return
        try:
            sock.setsockopt(socket.SOL_SOCKET, socket.SO_RCVLOWAT, lowat)
        except (OSError, AttributeError):
            self._lowat = 1  # not supported here: every byte wakes the thread, as before

    def wake_on_any_byte(self) -> None:
        """Turn the low-water mark off for good (``read_low_water`` = 1): a caller is
        about to wait for a PUBACK (``stop``'s final status)."""
        self.read_low_water = 1
        sock = self._sock
        if sock is not None and sock is self._lowat_sock:
            self._set_low_water(sock, 1)  # even if the network thread just set it: one call
            self._wake()  # a select already waiting re-checks the socket with the new mark

    def _handle_buffered(self, data: bytes, sock: Any) -> MQTTErrorCode:
        """Handle every complete packet in ``data``; keep the incomplete tail."""
        pos, end_all = 0, len(data)
        in_packet = self._in_packet
        own = self._thread is not None and threading.get_ident() == self._thread.ident
        counts = self.lean_counts
        while end_all - pos >= 2:
            # Remaining length: 1-4 bytes, 7 bits each, low first.
            i = pos + 1
            length, shift = 0, 0
            while True:
                if i >= end_all:
                    self._rbuf = data[pos:]
                    return _SUCCESS
                byte = data[i]
                i += 1
                length |= (byte & 0x7F) << shift
                if not byte & 0x80:
                    break
                shift += 7
                if shift >= 28:  # a fifth length byte: not MQTT
                    return _PROTOCOL
            end = i + length
            if end > end_all:
                break
            in_packet = self._in_packet  # paho's reconnect() replaces the dict
            in_packet["command"] = data[pos]
            in_packet["have_remaining"] = 1
            in_packet["remaining_length"] = length
            in_packet["packet"] = data[i:end]
            in_packet["to_process"] = 0
            in_packet["pos"] = 0
            pos = end
            counts["packets_in"] += 1
            try:
                rc = self._packet_handle()
            except MalformedPacket as exc:
                self._easy_log(mqtt.MQTT_LOG_DEBUG, "Received malformed packet: %s", exc)
                rc = _PROTOCOL
            in_packet["command"] = 0
            in_packet["have_remaining"] = 0
            in_packet["packet"] = b""
            if not rc and own and self._out_packet:
                # What this packet's callback queued on this thread (an answer run
                # to completion here, its ack) goes out now, before the next packet
                # of the read is handled, in one send and without a wake-up; an
                # error leaves it queued for loop_write to meet and handle.
                self._packet_write()
            if rc:
                self._rbuf = b""
                return rc
            if self._sock is not sock:  # the handler closed the connection (DISCONNECT)
                self._rbuf = b""
                return _SUCCESS
        self._rbuf = data[pos:] if pos < end_all else b""
        return _SUCCESS

    def _handle_publish(self) -> MQTTErrorCode:
        in_packet = self._in_packet
        header = in_packet["command"]
        qos = (header & 0x06) >> 1
        if qos == 2 or self._paho_path():
            return super()._handle_publish()
        packet = in_packet["packet"]
        try:
            tlen = (packet[0] << 8) | packet[1]
            p = 2 + tlen
            topic = packet[2:p]
            if len(topic) != tlen:
                raise MalformedPacket("topic longer than the packet")
            mid = 0
            if qos:
                mid = (packet[p] << 8) | packet[p + 1]
                p += 2
            if packet[p] == 0:
                props = empty_publish_properties()
                p += 1
            else:
                props = Properties(PacketTypes.PUBLISH)
                _, used = props.unpack(packet[p:])
                p += used
        except MalformedPacket:
            raise
        except Exception as err:  # what paho's decoder turns into MalformedPacket
            raise MalformedPacket(str(err)) from err
        payload = packet[p:]
        retain = bool(header & 0x01)
        raw = self.on_publish_raw
        if raw is not None:
            with self._in_callback_mutex:
                try:
                    raw(topic, payload, props, qos, retain, mid)
                except Exception as err:
                    self._easy_log(MQTT_LOG_ERR, "Caught exception in on_publish_raw: %s", err)
                    if not self.suppress_exceptions:
                        raise
        else:
            message = MQTTMessage(mid=mid, topic=topic)
            message.dup = bool(header & 0x08)
            message.qos = qos
            message.retain = retain
            message.properties = props
            message.payload = payload
            message.timestamp = mqtt.time_func()
            self._handle_on_message(message)
        if qos == 1 and not self._manual_ack:
            return self._send_puback(mid)
        return _SUCCESS

    def _handle_pubackcomp(self, cmd: Any) -> MQTTErrorCode:
        packet = self._in_packet["packet"]
        n = len(packet)
        if (cmd != "PUBACK" or self._on_publish is not None or self._protocol != _MQTTv5
                or not (n == 2 or (n == 3 and packet[2] in _PUBACK_FAST_REASONS))):
            return super()._handle_pubackcomp(cmd)
        mid = (packet[0] << 8) | packet[1]
        # paho's _do_on_publish without on_publish (so without its ReasonCode/Properties).
        with self._out_message_mutex:
            msg = self._out_messages.pop(mid, None)
            if msg is None:
                return _SUCCESS
            msg.info._set_as_published()  # noqa: SLF001
            if msg.qos > 0:
                self._inflight_messages -= 1
                if self._max_inflight_messages > 0:
                    return self._update_inflight()
        return _SUCCESS

    # ---- publishing without waiting ------------------------------------------------

    def publish_nowait(
        self, topic: str, payload: bytes | bytearray, qos: int = 0, retain: bool = False,
        properties: Properties | None = None,
    ) -> MQTTErrorCode:
        """:meth:`publish` for a caller that never waits on the message: returns
        only paho's ``rc`` (``MQTT_ERR_SUCCESS``, ``MQTT_ERR_NO_CONN`` = kept for
        the next connection, ``MQTT_ERR_QUEUE_SIZE`` = dropped, as paho).

        Same bookkeeping as paho's ``publish`` under the same lock: a QoS > 0
        message goes into ``_out_messages`` (so paho resends it after a reconnect
        and completes it on PUBACK), counts against ``max_inflight_messages``
        (beyond it: queued, sent by paho's ``_update_inflight``) and
        ``max_queued_messages``; the bytes on the wire are paho's. Cheaper because
        the topic is checked and encoded once per topic (:attr:`_topic_heads`),
        the message's info is a :class:`_UnwaitedInfo` (no
        ``threading.Condition`` nobody would wait on) and the packet is built
        in one ``join``. MQTT 3, a logger or ``on_log``: paho's ``publish``."""
        if self._paho_path():
            return self.publish(topic, payload, qos, retain, properties).rc
        head = self._topic_heads.get(topic) or self._topic_head(topic)
        if not isinstance(payload, (bytes, bytearray)):
            payload = mqtt._encode_payload(payload)  # noqa: SLF001 - paho's own rule for str/int/None
        if qos < 0 or qos > 2:
            raise ValueError("Invalid QoS level.")
        if len(payload) > 268_435_455:
            raise ValueError("Payload too large.")
        mid = self._mid_generate()
        props = b"\x00" if properties is None else properties.pack()
        if qos == 0:
            if self._sock is None:
                return _NO_CONN
            packet = publish_packet(head, payload, retain=retain, properties=props)
            return self._packet_queue(_PUBLISH, packet, mid, 0, _UnwaitedInfo(mid))
        topic_b = head[2:]
        message = object.__new__(MQTTMessage)  # paho's __init__ would build an info with a Condition
        message.timestamp = mqtt.time_func()
        message.state = mqtt.mqtt_ms_invalid
        message.dup = False
        message.mid = mid
        message._topic = topic_b  # noqa: SLF001
        message.payload = payload
        message.qos = qos
        message.retain = retain
        message.info = info = _UnwaitedInfo(mid)
        message.properties = properties
        with self._out_message_mutex:
            out = self._out_messages
            if (self._max_queued_messages > 0 and len(out) >= self._max_queued_messages) or mid in out:
                info.rc = mqtt.MQTT_ERR_QUEUE_SIZE
                return info.rc
            out[mid] = message
            if self._max_inflight_messages == 0 or self._inflight_messages < self._max_inflight_messages:
                self._inflight_messages += 1
                message.state = mqtt.mqtt_ms_wait_for_puback if qos == 1 else mqtt.mqtt_ms_wait_for_pubrec
                if self._sock is None:
                    rc = _NO_CONN
                else:
                    packet = publish_packet(head, payload, qos=qos, retain=retain, mid=mid, properties=props)
                    rc = self._packet_queue(_PUBLISH, packet, mid, qos, info)
                if rc == _NO_CONN:  # kept: paho sends it after the next connect
                    self._inflight_messages -= 1
                    message.state = mqtt.mqtt_ms_publish
                info.rc = rc
                return rc
            message.state = mqtt.mqtt_ms_queued
            return _SUCCESS

    def _topic_head(self, topic: str) -> bytes:
        """Length-prefixed UTF-8 of a publish topic, checked as paho checks it, cached."""
        topic_b = topic.encode("utf-8")
        self._raise_for_invalid_topic(topic_b)
        head = topic_head(topic_b)
        heads = self._topic_heads
        if len(heads) >= TOPIC_CACHE:  # topics are per display/shopper: bounded, never stale
            heads.clear()
        heads[topic] = head
        return head

    # ---- writing --------------------------------------------------------------------

    def _send_publish(
        self, mid: int, topic: bytes, payload: bytes | bytearray = b"", qos: int = 0,
        retain: bool = False, dup: bool = False, info: Any = None, properties: Properties | None = None,
    ) -> MQTTErrorCode:
        if self._paho_path():
            return super()._send_publish(mid, topic, payload, qos, retain, dup, info, properties)
        if not isinstance(topic, bytes):
            raise TypeError("topic must be bytes, not str")
        if payload and not isinstance(payload, (bytes, bytearray)):
            raise TypeError("payload must be bytes if set")
        if self._sock is None:
            return _NO_CONN
        packet = publish_packet(topic_head(topic), payload, qos=qos, retain=retain, dup=bool(dup & 0x1), mid=mid,
                                properties=b"\x00" if properties is None else properties.pack())
        return self._packet_queue(_PUBLISH, packet, mid, qos, info)

    def _packet_queue(
        self, command: int, packet: bytes | bytearray, mid: int, qos: int, info: Any = None,
    ) -> MQTTErrorCode:
        self._out_packet.append({
            "command": command, "mid": mid, "qos": qos, "pos": 0,
            "to_process": len(packet), "packet": packet, "info": info,
        })
        # One wake-up per batch: _packet_write clears the flag *before* it takes
        # the queue, so a packet queued after that wakes the thread again.
        # None from the network thread itself: it is awake, and writes what it
        # queued before it next waits (at the end of a read, or through
        # select's write list: want_write() is true).
        if (self._sockpairW is not None and not self._wake_pending
                and (self._thread is None or threading.get_ident() != self._thread.ident)):
            holders = self._wake_holders
            if holders and threading.get_ident() in holders:
                holders[threading.get_ident()] = True  # held: one wake-up at release_wakes
            else:
                self._wake()
        if self._thread is None and self._on_socket_register_write is None and self._in_callback_mutex.acquire(False):
            self._in_callback_mutex.release()
            return self.loop_write()
        self._call_socket_register_write()
        return _SUCCESS

    def _wake(self) -> None:
        """Write the wake-up byte to paho's socket pair (the network thread's select returns)."""
        self._wake_pending = True
        self.lean_counts["wakes"] += 1
        try:  # noqa: SIM105 (per packet: contextlib.suppress costs more than the send)
            self._sockpairW.send(mqtt.sockpair_data)
        except BlockingIOError:
            pass  # the pair is full of wake-ups already
        except AttributeError:
            pass  # the pair was closed meanwhile (a reset): nothing to wake

    def hold_wakes(self) -> None:
        """Until :meth:`release_wakes`, packets this thread queues do not wake the
        network thread one by one: the device's worker holds them while it handles
        one signal, so the network thread does not take the GIL in the middle of
        the handling (each wake-up there was a GIL hand-over and back, and the
        answer could not go out before the worker let go of the GIL anyway)."""
        self._wake_holders[threading.get_ident()] = False

    def release_wakes(self) -> None:
        """End :meth:`hold_wakes` (this thread's): one wake-up if it queued anything
        meanwhile and no wake-up is pending already (a pending one makes the network
        thread take the whole queue: it clears the flag before it takes it).

        With :attr:`write_on_release`, this thread first writes the queue itself
        and wakes the network thread only for what it could not write. The answer
        then leaves when it is ready: a woken network thread had to get the GIL
        from the worker, which kept it while it went on to the next queued signal
        (at 1,000 signals/s a signal answered in a backlog waited 0.4 ms at the
        median, 2.5-3 ms at p99 for the thread to write it; docs/performance-log.md,
        "(2026-12-02 (f)) the tail")."""
        if self._wake_holders.pop(threading.get_ident(), False) and self._sockpairW is not None:
            if self.write_on_release and self._write_here():
                return
            if not self._wake_pending:
                self._wake()

    def _write_here(self) -> bool:
        """Write the queued packets from the calling thread; True when none is left
        for the network thread. False without writing when the socket is TLS (an
        SSL socket must not be written while another thread reads it), paho's own
        write path is in use, or another thread is writing right now."""
        sock = self._sock
        if sock is None or hasattr(sock, "pending") or self._paho_path() or self._on_publish is not None:
            return False
        if not self._write_lock.acquire(blocking=False):
            return False
        try:
            rc = self._packet_write_locked()
        finally:
            self._write_lock.release()
        self.lean_counts["direct_writes"] += 1
        return rc == _SUCCESS and not self._out_packet

    def keep_alive_stalled(self) -> bool:
        """One tick of the stall guard (another thread, every :func:`stall_tick_s`).

        A stall: the network thread is inside a callback (it holds
        ``_in_callback_mutex``, as paho does around every callback) and has
        handled no packet since the previous tick, where it was inside one too.
        Then this thread does what the network thread cannot:

        * a PINGREQ when nothing went out for half a keepalive (the broker drops
          a client silent for 1.5), without setting ``_ping_t``;
        * every queued packet (a status the watchdog published, acks) is written,
          under the write lock, in queue order (:meth:`_write_here`);
        * ``_ping_t`` is cleared. When the callback returns, paho judges its
          keepalive (``loop_misc``) before it reads what came meanwhile: a
          PINGREQ it sent before the stall would look unanswered for a
          keepalive (its PINGRESP waits unread in the socket) and paho would
          close a live connection. Cleared, paho sends a fresh PINGREQ once the
          thread is back and expects its answer within a keepalive, as after
          any quiet spell; the guard's own PINGRESPs, read then, clear it too.
          (A tick that races the callback's return may clear the PINGREQ paho
          just sent: a dead broker is then noticed a keepalive later.)

        Plain sockets on the lean path only (``_write_here``): a TLS socket is
        not written from another thread, so there a stall stays paho's
        behaviour (the device does not run handlers on a TLS link's thread:
        edge/app.py). Returns whether a stall was seen."""
        seen = self.lean_counts["packets_in"]
        inside = self._in_callback_mutex.locked()
        stalled = inside and seen == self._stall_seen
        self._stall_seen = seen if inside else -1
        counts = self.lean_counts
        if not stalled:
            self._in_stall = False
            return False
        if not self._in_stall:
            self._in_stall = True
            counts["stalls"] += 1
        counts["stall_ticks"] += 1
        sock = self._sock
        if (sock is None or hasattr(sock, "pending") or self._paho_path()
                or self._state != mqtt._ConnectionState.MQTT_CS_CONNECTED):  # noqa: SLF001
            return True
        self._ping_t = 0
        with self._msgtime_mutex:
            quiet = mqtt.time_func() - self._last_msg_out
        if quiet >= self._keepalive / 2:
            me = threading.get_ident()
            self._wake_holders[me] = False  # queued without waking the stalled thread: written just below
            try:
                self._send_simple_command(mqtt.PINGREQ)
            finally:
                self._wake_holders.pop(me, None)
            counts["stall_pings"] += 1
        if self._out_packet:
            self._write_here()
        return True

    def _reset_sockets(self, sockpair_only: bool = False) -> None:
        super()._reset_sockets(sockpair_only)
        self._wake_pending = False

    def reconnect(self) -> MQTTErrorCode:
        """paho's ``reconnect``, walked again when a packet was queued during its walk.

        paho walks ``_out_packet`` (to fail the QoS 0 messages in it) before it
        clears it, while other threads queue packets without a lock (the device's
        worker and log writer queue broker acks of messages of the lost connection
        until the new one is up): a deque changed during the walk raises
        ``RuntimeError``, which ended the network thread, so the client never
        reconnected again. Nothing before the walk depends on having run once
        (state, a socket closed again), so the whole call is simply made again."""
        for _ in range(RECONNECT_WALKS - 1):
            try:
                return super().reconnect()
            except RuntimeError as exc:
                if "mutated during iteration" not in str(exc):
                    raise
                self.lean_counts["reconnect_walks"] += 1
        return super().reconnect()

    def loop_start(self) -> MQTTErrorCode:
        self._wake_pending = False
        return super().loop_start()

    def _packet_write(self) -> MQTTErrorCode:
        with self._write_lock:
            return self._packet_write_locked()

    def _packet_write_locked(self) -> MQTTErrorCode:
        self._wake_pending = False
        if self._on_publish is not None:  # paho's path calls it per QoS 0 packet written
            return super()._packet_write()
        out = self._out_packet
        while out:
            batch: list[Any] = []
            size = 0
            while size < WRITE_BATCH:
                try:
                    packet = out.popleft()
                except IndexError:
                    break
                batch.append(packet)
                size += packet["to_process"]
                if packet["command"] & 0xF0 == _DISCONNECT:
                    break  # nothing goes after a DISCONNECT in the same write
            if not batch:
                break
            if len(batch) == 1:
                first = batch[0]
                data = first["packet"][first["pos"]:] if first["pos"] else first["packet"]
            else:
                data = b"".join(p["packet"][p["pos"]:] if p["pos"] else p["packet"] for p in batch)
            try:
                written = self._sock_send(data)
            except (AttributeError, ValueError):
                out.extendleft(reversed(batch))
                return _SUCCESS
            except BlockingIOError:
                out.extendleft(reversed(batch))
                return _AGAIN
            except OSError as err:
                out.extendleft(reversed(batch))
                self._easy_log(MQTT_LOG_ERR, "failed to receive on socket: %s", err)
                return _CONN_LOST
            counts = self.lean_counts
            counts["writes"] += 1
            for k, packet in enumerate(batch):
                left = packet["to_process"]
                if written < left:  # this one only in part, the rest not at all: back in front, in order
                    packet["pos"] += written
                    packet["to_process"] = left - written
                    out.extendleft(reversed(batch[k:]))
                    with self._msgtime_mutex:
                        self._last_msg_out = mqtt.time_func()
                    return _SUCCESS
                written -= left
                packet["pos"] += left
                packet["to_process"] = 0
                counts["packets_out"] += 1
                if packet["command"] & 0xF0 in (_PUBLISH, _DISCONNECT) and self._finished(packet):
                    return _SUCCESS
        with self._msgtime_mutex:
            self._last_msg_out = mqtt.time_func()
        return _SUCCESS

    def _finished(self, packet: Any) -> bool:
        """paho's bookkeeping of a packet written whole (no on_publish set): a
        QoS 0 publish is published (its info); a DISCONNECT closes the connection (True)."""
        command = packet["command"] & 0xF0
        if command == _PUBLISH and packet["qos"] == 0:
            if packet["info"] is not None:
                packet["info"]._set_as_published()  # noqa: SLF001
            return False
        if command == _DISCONNECT:
            with self._msgtime_mutex:
                self._last_msg_out = mqtt.time_func()
            self._do_on_disconnect(packet_from_broker=False, v1_rc=_SUCCESS)
            self._sock_close()
            if self._state == mqtt._ConnectionState.MQTT_CS_DISCONNECTING:  # noqa: SLF001
                self._state = mqtt._ConnectionState.MQTT_CS_DISCONNECTED  # noqa: SLF001
            return True
        return False
