import socket

from deploy.local_broker import MosquittoBroker
from edge.comms.lean_paho import StoppableClient


def _listening(b: MosquittoBroker) -> bool:
    try:
        with socket.create_connection((b.host, b.port), timeout=0.5):
            return True
    except OSError:
        return False


def test_broker_starts_stops_and_restarts_on_same_port(broker: MosquittoBroker) -> None:
    port = broker.port
    assert _listening(broker)
    broker.stop()
    assert not broker.running
    assert not _listening(broker)
    broker.start()
    assert broker.port == port
    assert _listening(broker)


def test_retained_message_survives_restart(broker: MosquittoBroker) -> None:
    """Persistence must really work (as root Mosquitto would otherwise drop
    privileges and silently fail to write its database)."""
    import threading

    import paho.mqtt.client as mqtt
    import paho.mqtt.publish as publish

    publish.single("t/keep", b"still here", qos=1, retain=True, hostname=broker.host, port=broker.port)
    broker.restart()
    got: list[bytes] = []
    done = threading.Event()
    client = StoppableClient(mqtt.CallbackAPIVersion.VERSION2)
    client.on_connect = lambda c, *_: c.subscribe("t/keep", qos=1)

    def on_message(_c: mqtt.Client, _u: object, msg: mqtt.MQTTMessage) -> None:
        got.append(msg.payload)
        done.set()

    client.on_message = on_message
    client.connect(broker.host, broker.port)
    client.loop_start()
    try:
        assert done.wait(5), "retained message lost across restart"
    finally:
        client.loop_stop()
        client.disconnect()
    assert got == [b"still here"]
    assert "Permission denied" not in broker.log_path.read_text()


def test_first_start_moves_off_a_port_taken_since_it_was_chosen(tmp_path) -> None:
    """free_port() releases the port before Mosquitto binds it; on a busy machine
    another process can take it in between (seen as a flaky 'Address already in
    use' in a full suite run). A first start on a port the broker chose itself
    moves to a free one; a restart keeps its port."""
    b = MosquittoBroker(workdir=tmp_path / "broker")
    taken = b.port
    squatter = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    squatter.bind(("127.0.0.1", taken))
    squatter.listen()
    try:
        b.start()
        assert b.port != taken
        assert _listening(b)
        moved = b.port
        b.restart()
        assert b.port == moved
    finally:
        squatter.close()
        b.cleanup()


def test_a_store_handed_its_clouds_port_moves_and_bridges_to_where_the_cloud_listens(tmp_path, monkeypatch) -> None:
    """free_port() releases the port it found, so two calls before either broker binds
    can return the same one (CI saw the store fail 'Address already in use'). The store
    takes another port, its bridge points at the port the cloud really listens on, and
    it connects there."""
    import time

    from deploy import local_broker
    from deploy.bridge import StoreCloudPair
    from deploy.local_broker import holds_socket

    real = local_broker.free_port
    same = real()
    handed = iter([same, same])
    monkeypatch.setattr(local_broker, "free_port", lambda: next(handed, None) or real())
    pair = StoreCloudPair(tmp_path / "brokers")
    assert pair.cloud.port == pair.store.port == same
    with pair:
        assert pair.store.port != pair.cloud.port == same
        assert f"address {pair.cloud.host}:{pair.cloud.port}" in pair.store.config_path.read_text()
        assert _listening(pair.store) and _listening(pair.cloud)
        store_pid = pair.store._proc.pid
        deadline = time.monotonic() + 10
        while not holds_socket(store_pid, pair.cloud.port, listening=False):
            assert time.monotonic() < deadline, "the store's bridge never connected to the cloud"
            time.sleep(0.05)


def test_free_port_never_hands_this_process_the_same_port_twice(monkeypatch) -> None:
    """The kernel may give a just-released port again; free_port asks again instead, so
    two listeners picked before either binds never share one."""
    from deploy import local_broker

    given = iter([50001, 50001, 50001, 50002])

    class Socket:
        def __init__(self, *_a) -> None: ...
        def __enter__(self) -> "Socket": return self
        def __exit__(self, *_a) -> None: ...
        def bind(self, _address) -> None: ...
        def getsockname(self) -> tuple[str, int]: return ("127.0.0.1", next(given))

    monkeypatch.setattr(local_broker, "_HANDED_OUT", local_broker.collections.deque(maxlen=1024))
    monkeypatch.setattr(local_broker.socket, "socket", Socket)
    assert [local_broker.free_port(), local_broker.free_port()] == [50001, 50002]
