"""Ingest scale-out on PostgreSQL: three worker processes share the subscription, one is
killed inside a batch, and every event is stored exactly once.

Real parts: Mosquitto, a PostgreSQL server started by the tests, ``python -m
cloud_trainer.ingest run`` processes, 20 simulated devices publishing at QoS 1
(the same harness as ``benchmarks/ingest_scale.py``, at a CI-sized scale).
"""

from __future__ import annotations

from pathlib import Path

import pytest

from benchmarks.ingest_scale import run_case
from deploy.local_broker import MosquittoBroker
from deploy.local_postgres import PostgresServer


@pytest.mark.slow
def test_three_workers_one_killed_mid_batch_store_every_event_exactly_once(
        broker: MosquittoBroker, postgres_server: PostgresServer, tmp_path: Path) -> None:
    url = postgres_server.create_database("scaleout3")
    res = run_case(url, broker, workers=3, devices=20, events=100, kill="in_batch", workdir=tmp_path,
                   timeout=120)
    killed = res["killed"]
    assert killed is not None and killed["returncode"] == -9 and killed["restarted"], res
    assert res["published"] == 2000
    assert (res["stored"], res["lost"], res["duplicates"]) == (2000, 0, 0), res
    assert res["devices_complete"] == 20 and res["open_gaps"] == 0, res
