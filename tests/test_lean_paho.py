"""LeanClient (edge/comms/lean_paho.py): paho's client with buffered reads and
coalesced writes must frame, encode and complete packets exactly as paho does.

The framing tests drive the client over a real socket pair (the test writes the
broker's side byte by byte where it matters); the end-to-end ones go through a
real Mosquitto, plain and TLS."""

from __future__ import annotations

import shutil
import socket
import threading
import time
from pathlib import Path

import paho.mqtt.client as mqtt
import pytest
from edge_helpers import wait_until
from paho.mqtt.enums import CallbackAPIVersion
from paho.mqtt.packettypes import PacketTypes
from paho.mqtt.properties import Properties
from tls_helpers import tls_broker, tls_material

from deploy.local_broker import MosquittoBroker
from edge.comms import lean_paho
from edge.comms.lean_paho import LeanClient
from edge.comms.mqtt import MqttLink, new_client, start
from firmware_config.schema import BrokerConfig, TLSConfig


def _pair(cls: type[mqtt.Client] = LeanClient) -> tuple[mqtt.Client, socket.socket]:
    """A client whose connection is one end of a socket pair (the test is the broker)."""
    client = cls(CallbackAPIVersion.VERSION2, client_id="lean-test", protocol=mqtt.MQTTv5, manual_ack=True)
    ours, broker_side = socket.socketpair()
    ours.setblocking(False)
    client._sock = ours  # noqa: SLF001 - connected by hand: no broker speaks here
    client._state = mqtt._ConnectionState.MQTT_CS_CONNECTED  # noqa: SLF001
    return client, broker_side


def _publish_packet(topic: bytes, payload: bytes, *, qos: int = 0, mid: int = 0, retain: bool = False,
                    props: bytes = b"\x00") -> bytes:
    head = len(topic).to_bytes(2, "big") + topic + (mid.to_bytes(2, "big") if qos else b"") + props
    body = head + payload
    n, length = len(body), bytearray()
    while True:
        byte, n = n & 0x7F, n >> 7
        length.append(byte | 0x80 if n else byte)
        if not n:
            break
    return bytes((0x30 | qos << 1 | int(retain),)) + bytes(length) + body


def _collect(client: mqtt.Client) -> list[tuple]:
    got: list[tuple] = []
    client.on_publish_raw = lambda *a: got.append(a)  # type: ignore[attr-defined]
    return got


def test_many_packets_in_one_read_are_all_handled_before_select() -> None:
    client, broker = _pair()
    got = _collect(client)
    packets = [_publish_packet(f"s/{i}".encode(), b"x" * (i % 300), qos=i % 2, mid=i + 1) for i in range(200)]
    broker.sendall(b"".join(packets))  # one write: the client must not need a byte more to see them
    assert wait_until(lambda: client._sock.recv(1, socket.MSG_PEEK) != b"", 5)  # noqa: SLF001
    while len(got) < 200:
        rc = client._packet_read()  # noqa: SLF001
        assert rc in (mqtt.MQTT_ERR_SUCCESS, mqtt.MQTT_ERR_AGAIN)
        if rc == mqtt.MQTT_ERR_AGAIN:
            break
    assert [(t, p, q, m) for t, p, _, q, _, m in got] == [
        (f"s/{i}".encode(), b"x" * (i % 300), i % 2, (i + 1) * (i % 2)) for i in range(200)]
    assert client.lean_counts["packets_in"] == 200 and client.lean_counts["reads"] <= 5
    assert client._rbuf == b""  # noqa: SLF001


def test_a_packet_split_anywhere_waits_for_its_rest() -> None:
    client, broker = _pair()
    got = _collect(client)
    props = Properties(PacketTypes.PUBLISH)
    props.CorrelationData = b"corr-1"
    props.ResponseTopic = "reply/here"
    big = _publish_packet(b"big/topic", bytes(range(256)) * 80, qos=1, mid=7, props=props.pack())
    assert big[1] & 0x80 and big[2] & 0x80  # a 3-byte remaining length: split inside it too
    small = _publish_packet(b"small", b"{}")
    stream = big + small
    for cut in (1, 2, 3, 200, len(big) - 1, len(big) + 1):
        got.clear()
        broker.sendall(stream[:cut])
        assert wait_until(lambda: client._sock.recv(1, socket.MSG_PEEK) != b"", 5)  # noqa: SLF001
        assert client._packet_read() in (mqtt.MQTT_ERR_SUCCESS, mqtt.MQTT_ERR_AGAIN)  # noqa: SLF001
        assert got == ([] if cut < len(big) else got[:1]) and len(got) == (cut >= len(big))
        broker.sendall(stream[cut:])
        assert wait_until(lambda: client._sock.recv(1, socket.MSG_PEEK) != b"", 5)  # noqa: SLF001
        client._packet_read()  # noqa: SLF001
        assert [(t, p, q, m) for t, p, _, q, _, m in got] == [
            (b"big/topic", bytes(range(256)) * 80, 1, 7), (b"small", b"{}", 0, 0)]
        assert got[0][2].CorrelationData == b"corr-1" and got[0][2].ResponseTopic == "reply/here"
        assert not hasattr(got[1][2], "ResponseTopic")  # the shared empty template stays empty
        got[1][2].ResponseTopic = "mine"  # a copy: setting it must not leak into the next message
        assert not hasattr(lean_paho.empty_publish_properties(), "ResponseTopic")


def test_a_malformed_or_closed_stream_is_a_lost_connection() -> None:
    client, broker = _pair()
    broker.sendall(b"\x30\xff\xff\xff\xff\x01")  # a fifth remaining-length byte: not MQTT
    assert wait_until(lambda: client._sock.recv(1, socket.MSG_PEEK) != b"", 5)  # noqa: SLF001
    assert client._packet_read() == mqtt.MQTT_ERR_PROTOCOL  # noqa: SLF001
    client, broker = _pair()
    broker.close()
    assert client._packet_read() == mqtt.MQTT_ERR_CONN_LOST  # noqa: SLF001


@pytest.mark.parametrize("qos", [0, 1])
def test_publish_packets_are_byte_identical_to_paho_and_a_puback_completes_them(qos: int) -> None:
    lean, lean_broker = _pair()
    stock, stock_broker = _pair(mqtt.Client)
    props = Properties(PacketTypes.PUBLISH)
    props.CorrelationData = b"\x00\x01"
    cases = [("a/b", b"", False, None), ("reco/screen-1", b"{}" * 63, True, None),
             ("reco/screen-2", b"y" * 128, False, props), ("big", b"z" * 70_000, True, None)]
    infos = []
    for topic, payload, retain, p in cases:
        infos.append(lean.publish(topic, payload, qos=qos, retain=retain, properties=p))
        stock.publish(topic, payload, qos=qos, retain=retain, properties=p)
    want = b"".join(_drain(stock, stock_broker))
    assert b"".join(_drain(lean, lean_broker)) == want
    if qos:
        assert len(lean._out_messages) == len(cases)  # noqa: SLF001
        lean_broker.sendall(b"".join(bytes((0x40, 2)) + i.mid.to_bytes(2, "big") for i in infos[:2])
                            + bytes((0x40, 3)) + infos[2].mid.to_bytes(2, "big") + b"\x10")  # no subscribers
        assert wait_until(lambda: lean._sock.recv(1, socket.MSG_PEEK) != b"", 5)  # noqa: SLF001
        lean._packet_read()  # noqa: SLF001
        assert [i.is_published() for i in infos] == [True, True, True, False]
        assert list(lean._out_messages) == [infos[3].mid]  # noqa: SLF001
    else:
        assert all(i.is_published() for i in infos)


def _drain(client: mqtt.Client, broker: socket.socket) -> list[bytes]:
    """Everything the client writes, letting it finish partial writes (no network thread)."""
    broker.setblocking(False)
    out: list[bytes] = []
    for _ in range(10_000):
        client.loop_write()
        try:
            out.append(broker.recv(1 << 20))
        except BlockingIOError:
            if not client.want_write():
                break
    broker.setblocking(True)
    return out


def test_a_partial_write_resumes_in_order() -> None:
    client, broker = _pair()
    client._sock.setsockopt(socket.SOL_SOCKET, socket.SO_SNDBUF, 4096)  # noqa: SLF001
    client._thread = threading.current_thread()  # noqa: SLF001 - queue only: loop_write is ours to call
    payloads = [bytes([i]) * (30_000 + i) for i in range(6)]
    for i, p in enumerate(payloads):
        client.publish(f"t/{i}", p, qos=i % 2)
    client.ack(99, 1)  # a PUBACK queued behind them
    client._thread = None  # noqa: SLF001
    data = b"".join(_drain(client, broker))
    expect = b""
    for i, p in enumerate(payloads):
        expect += _publish_packet(f"t/{i}".encode(), p, qos=i % 2, mid=i + 1)
    assert data == expect + bytes((0x40, 2, 0, 99))
    assert client.lean_counts["writes"] > 1  # it did take several sends


def _burst_through(broker_cfg: BrokerConfig, pub_kw: dict, port: int, n: int = 300) -> None:
    seen: list[tuple[str, bytes]] = []
    done = threading.Event()

    def on_message(topic: str, payload: bytes, props, ack) -> None:
        seen.append((topic, payload))
        if ack is not None:
            ack()
        if len(seen) == n:
            done.set()

    link = MqttLink(broker_cfg, "lean-burst", subscriptions=[("burst/#", 1)], will=None,
                    on_message=on_message, manual_ack=True)
    link.start()
    sender = new_client("lean-burst-sender", **pub_kw)
    try:
        assert link.subscribed.wait(10)
        start(sender, "127.0.0.1", port, keepalive=10, blocking=True)
        payloads = [bytes([65 + i % 26]) * (1 + (i * 977) % 40_000) for i in range(n)]
        for i, p in enumerate(payloads):
            sender.publish(f"burst/{i}", p, qos=1 if i % 3 else 0)
        assert done.wait(30), f"{len(seen)}/{n} arrived"
        sent = [(f"burst/{i}", p) for i, p in enumerate(payloads)]
        # In order within a QoS (the broker may let QoS 0 pass QoS 1 held by its in-flight window).
        qos1 = lambda m: int(m[0].rsplit("/", 1)[1]) % 3 != 0  # noqa: E731
        for q in (False, True):
            assert [m for m in seen if qos1(m) == q] == [m for m in sent if qos1(m) == q]
        counts = link.client.lean_counts  # type: ignore[attr-defined]
        assert counts["packets_in"] >= n
        if broker_cfg.tls is None:  # over TLS a read returns at most one record (16 KB)
            assert counts["reads"] < counts["packets_in"]
        assert wait_until(lambda: link.acks == sum(1 for i in range(n) if i % 3), 10)
    finally:
        sender.disconnect()
        sender.loop_stop()
        link.stop()


def test_a_burst_through_mosquitto_arrives_whole_in_order_and_acked(broker: MosquittoBroker) -> None:
    _burst_through(BrokerConfig(host=broker.host, port=broker.port, keepalive_s=10), {}, broker.port)


def test_a_burst_over_tls_arrives_whole_in_order_and_acked(tmp_path: Path) -> None:
    """Packets larger than a TLS record and many records per read: paho's loop
    must see the bytes the SSL layer already decrypted (pending)."""
    certs = tls_material()
    broker, tls_port = tls_broker(tmp_path / "broker", certs)
    try:
        tls = TLSConfig(ca_file=certs / "ca.crt")
        _burst_through(BrokerConfig(host="127.0.0.1", port=tls_port, keepalive_s=10, tls=tls),
                       {"tls": {"ca_certs": str(certs / "ca.crt")}}, tls_port)
    finally:
        broker.cleanup()
        shutil.rmtree(certs, ignore_errors=True)


def test_a_queued_packet_always_has_a_wake_up_pending() -> None:
    """One byte in paho's socket pair per batch, never none: a packet queued
    after the network thread took the queue must wake it again (else it would
    wait for the next inbound byte or select's timeout)."""
    client, broker = _pair()
    client._sockpairR, client._sockpairW = socket.socketpair()  # noqa: SLF001
    client._sockpairR.setblocking(False)  # noqa: SLF001
    # A network thread that is not this one: the test publishes as the worker does.
    client._thread = threading.Thread(target=lambda: None)  # noqa: SLF001

    def wake_bytes() -> int:
        try:
            return len(client._sockpairR.recv(100))  # noqa: SLF001
        except BlockingIOError:
            return 0

    client.publish("a", b"1", qos=1)
    client.ack(5, 1)
    client.publish("b", b"2", qos=0)
    assert wake_bytes() == 1 and client.lean_counts["wakes"] == 1  # three packets, one wake-up
    client.ack(6, 1)
    assert wake_bytes() == 0  # still pending: the thread has not taken the queue yet
    assert client._packet_write() == mqtt.MQTT_ERR_SUCCESS  # noqa: SLF001 - the thread takes all four
    assert client.lean_counts["writes"] == 1 and client.lean_counts["packets_out"] == 4
    client.ack(7, 1)  # queued after the take: wakes again
    assert wake_bytes() == 1 and client.lean_counts["wakes"] == 2
    client._reset_sockets(sockpair_only=True)  # noqa: SLF001 - a new pair starts with nothing pending
    client._sockpairR, client._sockpairW = socket.socketpair()  # noqa: SLF001
    client._sockpairR.setblocking(False)  # noqa: SLF001
    client.ack(8, 1)
    assert wake_bytes() == 1


def test_held_wake_ups_come_once_at_the_release_per_holding_thread() -> None:
    """The worker holds wake-ups while it handles one signal: what it queues
    meanwhile (answers, the ack) wakes the network thread once, at its release;
    another thread holding at the same time (the log writer's acks) keeps its
    own hold, and a thread that does not hold wakes at once as before."""
    client, broker = _pair()
    client._sockpairR, client._sockpairW = socket.socketpair()  # noqa: SLF001
    client._sockpairR.setblocking(False)  # noqa: SLF001
    client._thread = threading.Thread(target=lambda: None)  # noqa: SLF001 - not this thread

    def wake_bytes() -> int:
        try:
            return len(client._sockpairR.recv(100))  # noqa: SLF001
        except BlockingIOError:
            return 0

    client.hold_wakes()
    client.publish_nowait("a", b"1", 1, True, None)
    client.publish_nowait("b", b"2", 1, True, None)
    client.ack(5, 1)
    assert wake_bytes() == 0 and client.lean_counts["wakes"] == 0  # held
    other = threading.Thread(target=lambda: (client.hold_wakes(), client.ack(6, 1), client.release_wakes()))
    other.start()
    other.join()
    assert wake_bytes() == 1 and client.lean_counts["wakes"] == 1  # the other thread's release woke
    client.release_wakes()
    assert wake_bytes() == 0  # that wake-up is still pending: the queue goes out with it
    assert client._packet_write() == mqtt.MQTT_ERR_SUCCESS  # noqa: SLF001
    assert client.lean_counts["packets_out"] == 4
    client.hold_wakes()
    client.release_wakes()
    assert wake_bytes() == 0  # nothing queued: nothing to wake for
    client.hold_wakes()
    client.publish_nowait("c", b"3", 1, True, None)
    assert wake_bytes() == 0
    client.release_wakes()
    assert wake_bytes() == 1 and client.lean_counts["wakes"] == 2
    client._packet_write()  # noqa: SLF001
    client.ack(7, 1)  # not held: wakes at once
    assert wake_bytes() == 1 and client.lean_counts["wakes"] == 3


def test_a_releasing_thread_writes_its_own_packets_when_write_on_release_is_set() -> None:
    """The device's links: the worker writes its answers and ack itself at the
    release (one send, no wake-up, the network thread never needs the GIL for
    them), in queue order after what other threads queued before; while the
    network thread is writing, the release falls back to waking it, so nothing
    is left behind."""
    client, broker = _pair()
    client._sockpairR, client._sockpairW = socket.socketpair()  # noqa: SLF001
    client._sockpairR.setblocking(False)  # noqa: SLF001
    client._thread = threading.Thread(target=lambda: None)  # noqa: SLF001 - not this thread
    client.write_on_release = True  # type: ignore[attr-defined]

    def wake_bytes() -> int:
        try:
            return len(client._sockpairR.recv(100))  # noqa: SLF001
        except BlockingIOError:
            return 0

    broker.settimeout(2)
    client.hold_wakes()
    client.publish_nowait("screen/a", b"answer-1", 1, True, None)
    client.ack(5, 1)
    client.release_wakes()
    assert wake_bytes() == 0 and client.lean_counts["wakes"] == 0
    assert not client._out_packet  # noqa: SLF001 - all written
    assert client.lean_counts["direct_writes"] == 1 and client.lean_counts["writes"] == 1
    got = broker.recv(65536)
    assert got.index(b"screen/a") < got.index(bytes((0x40, 2, 0, 5)))  # the answer, then the ack, in one send

    # The network thread is writing (holds the write lock): the release wakes it instead.
    taken, done = threading.Event(), threading.Event()

    def network_thread_writing() -> None:
        with client._write_lock:  # noqa: SLF001
            taken.set()
            done.wait(2)

    writer = threading.Thread(target=network_thread_writing)
    writer.start()
    assert taken.wait(2)
    client.hold_wakes()
    client.publish_nowait("screen/b", b"answer-2", 1, True, None)
    client.release_wakes()
    done.set()
    writer.join()
    assert wake_bytes() == 1 and client.lean_counts["direct_writes"] == 1
    assert client._packet_write() == mqtt.MQTT_ERR_SUCCESS  # noqa: SLF001 - the woken thread writes it
    assert b"screen/b" in broker.recv(65536)


def test_the_network_thread_writes_what_its_own_callbacks_queued_without_a_wake_up() -> None:
    """A message handled to completion in the network thread's callback (hybrid
    dispatch) publishes its answer and acks from that thread: no byte goes to
    the socket pair (the thread is awake), and what a callback queued leaves in
    one send before the next packet of the read is handled."""
    client, broker = _pair()
    client._sockpairR, client._sockpairW = socket.socketpair()  # noqa: SLF001
    client._sockpairR.setblocking(False)  # noqa: SLF001
    client._thread = threading.current_thread()  # noqa: SLF001 - the test is the network thread

    def answer(topic, payload, props, qos, retain, mid) -> None:
        client.publish("answer/" + topic.decode(), payload, qos=1)
        client.ack(mid, qos)

    client.on_publish_raw = answer  # type: ignore[attr-defined]
    broker.sendall(_publish_packet(b"sig/1", b"x", qos=1, mid=11) + _publish_packet(b"sig/2", b"y", qos=1, mid=12))
    time.sleep(0.05)
    assert client.loop_read() == mqtt.MQTT_ERR_SUCCESS
    assert client.lean_counts["wakes"] == 0
    with pytest.raises(BlockingIOError):
        client._sockpairR.recv(100)  # noqa: SLF001 - nothing to wake for
    assert client.lean_counts["writes"] == 2 and client.lean_counts["packets_out"] == 4  # one send per signal
    assert not client.want_write()
    broker.settimeout(2)
    got = broker.recv(65536)
    assert got.count(b"answer/sig/") == 2 and got.count(bytes((0x40, 2, 0, 11))) == 1


def test_the_lean_loop_reads_writes_what_was_queued_and_keeps_the_keepalive() -> None:
    """LeanClient._loop (a plain socket): one select, then every complete packet
    read, the wake-up pair drained and the queued packets written, as paho's
    _loop; paho's loop_misc (keepalive) runs at most every MISC_EVERY_S, still
    soon enough to send a PINGREQ when one is due."""
    client, broker = _pair()
    client._sockpairR, client._sockpairW = socket.socketpair()  # noqa: SLF001
    client._sockpairR.setblocking(False)  # noqa: SLF001
    client._thread = threading.Thread(target=lambda: None)  # noqa: SLF001 - the worker queues from "elsewhere"
    client._keepalive = 1  # noqa: SLF001
    got = _collect(client)
    misc = [0]
    loop_misc = client.loop_misc
    client.loop_misc = lambda: (misc.__setitem__(0, misc[0] + 1), loop_misc())[1]  # type: ignore[method-assign]
    broker.settimeout(2)
    broker.sendall(_publish_packet(b"s/1", b"a", qos=1, mid=3) + _publish_packet(b"s/2", b"b"))
    assert client._loop(1.0) == mqtt.MQTT_ERR_SUCCESS  # noqa: SLF001
    assert [(t, p) for t, p, *_ in got] == [(b"s/1", b"a"), (b"s/2", b"b")]
    client.publish_nowait("answer", b"x", 1, True, None)  # wakes through the pair
    client.ack(3, 1)
    assert client._loop(1.0) == mqtt.MQTT_ERR_SUCCESS  # noqa: SLF001 - the wake-up: drained and written
    written = broker.recv(65536)
    assert b"answer" in written and written.endswith(bytes((0x40, 2, 0, 3)))
    assert not client.want_write() and client.lean_counts["writes"] == 1
    with pytest.raises(BlockingIOError):
        client._sockpairR.recv(100)  # noqa: SLF001 - the wake-up byte was taken
    assert misc[0] == 1  # two wake-ups, one keepalive check
    client._last_msg_out = client._last_bytes_received = time.monotonic() - 2  # noqa: SLF001 - 2 s quiet
    deadline = time.monotonic() + 1.0
    while client._ping_t == 0 and time.monotonic() < deadline:  # noqa: SLF001
        client._loop(0.02)  # noqa: SLF001
    client._loop(0.5)  # noqa: SLF001 - and the next wake-up writes it
    assert broker.recv(2) == bytes((0xC0, 0)) and misc[0] >= 2  # a PINGREQ, from paho's keepalive


@pytest.mark.parametrize("qos", [0, 1])
def test_publish_nowait_writes_paho_s_bytes_and_keeps_paho_s_bookkeeping(qos: int) -> None:
    lean, lean_broker = _pair()
    stock, stock_broker = _pair(mqtt.Client)
    props = Properties(PacketTypes.PUBLISH)
    props.ResponseTopic = "reply/here"
    props.CorrelationData = b"\x00\x01"
    cases = [("a/b", b"", False, None), ("reco/screen-1", b"{}" * 63, True, None),
             ("reco/screen-2", b"y" * 128, False, props), ("reco/screen-1", b"again", True, None),
             ("", b"alias-less empty topic", False, None), ("ünï/cødé", b"u", False, None),
             ("big", b"z" * 70_000, True, None)]
    for topic, payload, retain, p in cases:
        assert lean.publish_nowait(topic, payload, qos, retain, p) == mqtt.MQTT_ERR_SUCCESS
        stock.publish(topic, payload, qos=qos, retain=retain, properties=p)
    assert b"".join(_drain(lean, lean_broker)) == b"".join(_drain(stock, stock_broker))
    if qos:
        out = lean._out_messages  # noqa: SLF001
        ref = stock._out_messages  # noqa: SLF001
        assert [(m.mid, m.topic, m.payload, m.qos, m.retain, m.state, m.properties) for m in out.values()] == \
               [(m.mid, m.topic, m.payload, m.qos, m.retain, m.state, m.properties) for m in ref.values()]
        mids = list(out)
        lean_broker.sendall(b"".join(bytes((0x40, 2)) + mid.to_bytes(2, "big") for mid in mids[:-1]))
        assert wait_until(lambda: lean._sock.recv(1, socket.MSG_PEEK) != b"", 5)  # noqa: SLF001
        lean._packet_read()  # noqa: SLF001
        assert list(out) == mids[-1:]
        assert lean._inflight_messages == 1  # noqa: SLF001
    with pytest.raises(ValueError, match="wildcards"):
        lean.publish_nowait("reco/+", b"x", qos)


def test_publish_nowait_keeps_the_in_flight_window_the_queue_limit_and_what_waits_for_a_connection() -> None:
    lean, broker = _pair()
    lean._max_inflight_messages = 2  # noqa: SLF001 - paho's setter refuses on a connected client
    lean._max_queued_messages = 4  # noqa: SLF001
    rcs = [lean.publish_nowait(f"t/{i}", b"p", 1) for i in range(5)]
    assert rcs == [mqtt.MQTT_ERR_SUCCESS] * 4 + [mqtt.MQTT_ERR_QUEUE_SIZE]
    states = [m.state for m in lean._out_messages.values()]  # noqa: SLF001
    assert states == [mqtt.mqtt_ms_wait_for_puback] * 2 + [mqtt.mqtt_ms_queued] * 2
    assert b"".join(_drain(lean, broker)) == b"".join(_publish_packet(f"t/{i}".encode(), b"p", qos=1, mid=i + 1)
                                                      for i in range(2))
    broker.sendall(bytes((0x40, 2, 0, 1)))  # the first PUBACK lets paho send the first queued one
    assert wait_until(lambda: lean._sock.recv(1, socket.MSG_PEEK) != b"", 5)  # noqa: SLF001
    lean._packet_read()  # noqa: SLF001
    assert b"".join(_drain(lean, broker)) == _publish_packet(b"t/2", b"p", qos=1, mid=3)
    # Not connected: kept for the next connection (paho resends it), not in flight.
    offline, _ = _pair()
    offline._sock = None  # noqa: SLF001
    assert offline.publish_nowait("t/x", b"later", 1, True) == mqtt.MQTT_ERR_NO_CONN
    (msg,) = offline._out_messages.values()  # noqa: SLF001
    assert (msg.state, offline._inflight_messages) == (mqtt.mqtt_ms_publish, 0)  # noqa: SLF001


def test_a_publish_nowait_message_is_resent_after_a_reconnect(broker: MosquittoBroker) -> None:
    """The broker drops the connection before acking: paho's session resends it (dup) on reconnect."""
    got: list[bytes] = []
    reader = new_client("nowait-reader")
    reader.on_message = lambda c, u, m: got.append(m.payload)
    start(reader, "127.0.0.1", broker.port, keepalive=30, blocking=True)
    reader.subscribe("nowait/#", qos=1)
    pub = new_client("nowait-pub", lean=True, inflight=1)  # the later ones wait queued behind the first
    start(pub, "127.0.0.1", broker.port, keepalive=30, blocking=True)
    time.sleep(0.3)
    pub.loop_stop()  # no network thread: nothing is acked or written until we say
    for i in range(3):
        pub.publish_nowait(f"nowait/{i}", b"m%d" % i, 1)
    pub._sock_close()  # noqa: SLF001 - the connection is lost with everything unacked
    pub.reconnect()
    pub.loop_start()
    assert wait_until(lambda: sorted(set(got)) == [b"m0", b"m1", b"m2"], 10), got
    assert wait_until(lambda: not pub._out_messages, 5)  # noqa: SLF001
    for c in (pub, reader):
        c.disconnect()
        c.loop_stop()


def test_the_main_link_is_not_woken_by_a_lone_puback_but_reads_it_and_every_signal_promptly(
        broker: MosquittoBroker) -> None:
    """The device's main link (``manual_ack``) sets ``SO_RCVLOWAT`` above a 4-byte
    PUBACK: the broker's ack of each answer no longer wakes paho's thread alone
    (two waiting ones do, and so does any PUBLISH, always longer); a select that
    times out reads what waits, so every answer is still completed; a signal sent
    while a PUBACK waits is handled at once; keepalive (a 2-byte PINGRESP) holds."""
    cfg = BrokerConfig(host=broker.host, port=broker.port, keepalive_s=5)
    handled: list[float] = []

    def on_message(topic: str, payload: bytes, props, ack) -> None:
        handled.append(time.perf_counter())
        if ack is not None:
            ack()

    reader = new_client("lowat-reader")  # the answers have a subscriber: the broker's PUBACK is a success (4 bytes)
    start(reader, "127.0.0.1", broker.port, keepalive=30, blocking=True)
    reader.subscribe("answers/#", qos=1)
    link = MqttLink(cfg, "lowat-main", subscriptions=[("signals/#", 1)], will=None, on_message=on_message,
                    manual_ack=True)
    # "signals/#" can bring a 12-byte PUBLISH (topic "signals", QoS 0, nothing else):
    # two PUBACKs (8 bytes) wait below the mark, a third wakes the thread.
    assert link.client.read_low_water == lean_paho.lazy_ack_mark(["signals/#"]) == 12
    link.start()
    sender = new_client("lowat-sender")
    try:
        assert link.subscribed.wait(10)
        start(sender, "127.0.0.1", broker.port, keepalive=30, blocking=True)
        time.sleep(0.3)
        counts = link.client.lean_counts
        reads0, packets0 = counts["reads"], counts["packets_in"]
        n = 20
        for i in range(n):  # one answer at a time: each PUBACK comes alone
            link.publish(f"answers/{i}", b"list %d" % i, qos=1, retain=True)
            time.sleep(0.02)
        # Every answer completed (the last lone PUBACK read by a timed-out select).
        assert wait_until(lambda: not link.client._out_messages, 5)  # noqa: SLF001
        assert counts["packets_in"] - packets0 == n
        # Pairs of PUBACKs (8 bytes) woke the thread, lone ones did not; the idle
        # reads that found one waiting are counted apart (slow publishes on a
        # busy box leave more PUBACKs alone until the next timeout).
        assert counts["reads"] - reads0 < n, (counts, reads0)
        # A signal arriving while a PUBACK waits below the mark is handled at once,
        # not at the next select timeout: 10 signals, each right after an answer.
        delays = []
        for i in range(10):
            link.publish(f"answers/x{i}", b"list", qos=1)
            time.sleep(0.01)
            before = len(handled)
            t0 = time.perf_counter()
            sender.publish(f"signals/{i}", b'{"signal": %d}' % i, qos=1)
            assert wait_until(lambda: len(handled) > before, 5)  # noqa: B023
            delays.append(handled[-1] - t0)
        # Below the 0.1 s select timeout (measured 0.3-1 ms): no signal waited for it.
        assert sorted(delays)[len(delays) // 2] < 0.05, delays
        # Keepalive 1 s on our side (a PINGREQ each idle second, the connection
        # dropped if nothing comes back within one), 2.5 s idle: the PINGRESPs were
        # read, the connection was kept.
        link.client._keepalive = 1  # noqa: SLF001 - the config's floor is 5 s
        time.sleep(2.5)
        assert link.client.is_connected() and link.connects == 1 and link.disconnects == 0
        assert link.acks == 10
    finally:
        sender.disconnect()
        sender.loop_stop()
        link.stop()
        reader.disconnect()
        reader.loop_stop()


@pytest.mark.parametrize(("topic_filter", "shortest"), [
    ("store/s1/pos", "store/s1/pos"),
    ("store/s1/display/+/interaction", "store/s1/display//interaction"),
    ("signals/#", "signals"),
    ("+/x", "/x"),
    ("#", "a"),
])
def test_the_main_link_s_mark_is_never_above_the_shortest_publish_its_subscriptions_can_bring(
        topic_filter: str, shortest: str) -> None:
    """The lazy-ack mark must stay at or below every PUBLISH the broker can send for
    the link's subscriptions (else a signal would wait for the 0.1 s timeout): the
    shortest is a QoS 0 one on the shortest topic the filter matches, with no
    properties and no payload, and its bytes are what the computation says."""
    assert mqtt.topic_matches_sub(topic_filter, shortest)
    packet = lean_paho.publish_packet(lean_paho.topic_head(shortest.encode()), b"")
    assert len(packet) == lean_paho.shortest_publish([topic_filter])
    mark = lean_paho.lazy_ack_mark([topic_filter, "store/s1/a-much-longer/topic"])
    assert 4 < mark <= len(packet) and mark <= 4 * lean_paho.LAZY_ACKS + 1
    # The device's main link: up to four PUBACKs (16 bytes) wait, the fifth wakes.
    tree_filters = ["store/s1/inventory", "store/s1/pos", "store/s1/display/+/interaction"]
    assert lean_paho.lazy_ack_mark(tree_filters) == 17


def test_loop_stop_survives_the_network_thread_clearing_itself(monkeypatch: pytest.MonkeyPatch) -> None:
    """paho's loop_stop reads ``_thread`` twice, and the network thread, ending after a
    disconnect, sets it to None in between (eclipse-paho/paho.mqtt.python#872): two CI
    teardowns failed with AttributeError. The clients ours makes read it once. The race is
    forced here: the thread clears itself when loop_stop asks which thread it runs on."""
    def ended_thread() -> threading.Thread:
        worker = threading.Thread(target=lambda: None)
        worker.start()
        return worker

    def racing(client: mqtt.Client) -> None:
        real = threading.current_thread

        def current() -> threading.Thread:
            client._thread = None  # noqa: SLF001 - what paho's _thread_main does as it ends
            return real()
        monkeypatch.setattr(threading, "current_thread", current)

    paho = mqtt.Client(CallbackAPIVersion.VERSION2, client_id="plain")
    paho._thread = ended_thread()  # noqa: SLF001
    racing(paho)
    with pytest.raises(AttributeError):
        paho.loop_stop()
    monkeypatch.undo()
    for lean in (False, True):
        ours = new_client(f"ours-{lean}", lean=lean)
        ours._thread = ended_thread()  # noqa: SLF001
        racing(ours)
        assert ours.loop_stop() == mqtt.MQTT_ERR_SUCCESS
        monkeypatch.undo()
