"""CI-scaled fault scenarios with real processes (the benchmark runs them longer).

The real device process (``python -m edge.cli run``), a store Mosquitto bridged
to a cloud Mosquitto, and the cloud ingest process, driven by store traffic:
the store broker SIGKILLed under load, the uplink down for a window, the
device SIGKILLed while writing, and a damaged state database (drained, and
still owing the cloud events: those are salvaged from the moved-aside file). Every event the
device committed must reach the warehouse exactly once.
"""

from __future__ import annotations

import pytest
from edge_helpers import tiny_bundle

from benchmarks.reliability import run_scenarios

pytestmark = pytest.mark.slow


@pytest.fixture(scope="module")
def results() -> dict[str, dict]:
    return run_scenarios(
        ["broker_restarts", "offline_window", "device_sigkill", "corrupt_db", "corrupt_db_owed"],
        scale=0.15, rate=500.0, restarts=3, kills=10, offline_runs=1, bundle=tiny_bundle(), keep=False,
    )


@pytest.mark.parametrize("name", ["broker_restarts", "offline_window", "device_sigkill", "corrupt_db", "corrupt_db_owed"])
def test_nothing_lost_nothing_duplicated(results: dict[str, dict], name: str) -> None:
    r = results[name]
    assert r["produced"] > 100, r  # the scenario really made the device write
    assert r["lost"] == 0, r
    assert r["duplicates_after_dedupe"] == 0, r
    assert r["invented"] == 0 and r["payload_mismatches"] == 0, r
    assert r["open_gaps"] == [], r
    assert r["integrity_ok"], r
    assert r["delivered"] == r["produced"], r


def test_faults_were_really_injected(results: dict[str, dict]) -> None:
    assert results["broker_restarts"]["restarts"] == 3
    assert results["device_sigkill"]["kills"] == 10
    assert results["device_sigkill"]["device_starts"] == 11
    assert results["device_sigkill"]["corrupt_db_false_alarms"] == 0  # SIGKILL never corrupts WAL
    # Every POS/interaction sent once the device had subscribed is recorded, across the kills.
    assert results["device_sigkill"]["qos1_unrecorded"] == 0 and results["device_sigkill"]["qos1_checked"] > 0
    assert results["offline_window"]["owed_to_cloud_peak"] > 0  # events waited for the uplink


def test_device_keeps_recommending_while_offline(results: dict[str, dict]) -> None:
    lat = results["offline_window"]["reco_latency_offline_us"]
    assert lat["sent"] > 0
    assert lat["answered"] >= 0.95 * lat["sent"], lat


def test_corrupt_database_is_moved_aside_and_reported(results: dict[str, dict]) -> None:
    r = results["corrupt_db"]
    assert len(r["moved_aside"]) == 1
    assert r["original_bytes_preserved"] and r["reported_in_status"] and r["new_epoch"], r
    # The rig damaged the file only once the device had recorded every QoS 1 signal
    # it was sent and the cloud had confirmed every event (benchmarks/reliability.py).
    assert r["qos1_unrecorded"] == 0 and r["unconfirmed_at_kill"] == 0, r


def test_events_owed_by_a_corrupt_database_are_salvaged_and_delivered(results: dict[str, dict]) -> None:
    """The uplink was down, so the database owed the cloud everything when it was damaged:
    each owed event is read back from the moved-aside file and delivered with its own id
    (the verdict counts the old outbox's rows as produced)."""
    r = results["corrupt_db_owed"]
    assert r["owed_at_kill"] > 100, r
    assert r["salvaged"] == r["owed_at_kill"] and r["salvaged_unconfirmed"] == 0, r
    assert r["lost"] == 0 and len(r["moved_aside"]) == 1, r
