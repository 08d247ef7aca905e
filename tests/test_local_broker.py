import socket

from deploy.local_broker import MosquittoBroker


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
