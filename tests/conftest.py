"""Shared fixtures. Every MQTT test gets its own real Mosquitto on a free port."""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest
from edge_helpers import Probe

from deploy.browser import BrowserMissing, chromium
from deploy.local_broker import MosquittoBroker
from deploy.local_postgres import PostgresServer

REPO_ROOT = Path(__file__).resolve().parents[1]
SHARED_DATA = REPO_ROOT.parent / "shared" / "data"
FIXTURES = Path(__file__).resolve().parent / "fixtures"


@pytest.fixture
def broker(tmp_path: Path) -> Iterator[MosquittoBroker]:
    """A fresh Mosquitto process; tests may stop/restart it."""
    b = MosquittoBroker(workdir=tmp_path / "broker")
    b.start()
    try:
        yield b
    finally:
        b.cleanup()


@pytest.fixture
def probe(broker: MosquittoBroker) -> Iterator[Probe]:
    """A client on ``broker`` that records every message of the test store's topics."""
    p = Probe(broker)
    try:
        yield p
    finally:
        p.close()


@pytest.fixture(scope="module")
def browser() -> Iterator:
    """A headless Chromium (selenium driver) for a module's page tests; skips when
    chromium/chromium-driver are not installed (``make browser``)."""
    try:
        driver = chromium()
    except BrowserMissing as exc:
        pytest.skip(str(exc))
    try:
        yield driver
    finally:
        driver.quit()


@pytest.fixture
def shared_data() -> Path:
    if not SHARED_DATA.is_dir():
        pytest.skip(f"shared data not found at {SHARED_DATA}")
    return SHARED_DATA


@pytest.fixture(scope="session")
def postgres_server() -> Iterator[PostgresServer]:
    """One throw-away PostgreSQL server for the session (initdb in a temp dir, free port);
    tests take a fresh database each with ``postgres_server.create_database(name)``."""
    server = PostgresServer(durable=False)
    server.start()
    try:
        yield server
    finally:
        server.cleanup()


@pytest.fixture(params=["sqlite", "postgresql"])
def warehouse_url(request: pytest.FixtureRequest, tmp_path: Path) -> str:
    """A storage URL for an empty warehouse on each engine (the conformance parametrization)."""
    if request.param == "sqlite":
        return f"sqlite:///{tmp_path / 'wh.db'}"
    server: PostgresServer = request.getfixturevalue("postgres_server")
    return server.create_database(f"wh_{uuid.uuid4().hex[:12]}")
