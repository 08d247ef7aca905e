"""The warehouse contract, checked on every engine: SQLite and a real PostgreSQL server.

Each test runs once per engine (the ``warehouse_url`` fixture starts a
throw-away PostgreSQL server with initdb in a temp dir for the session). What
the ingest's exactly-once guarantee rests on: idempotent storage, atomic
batches (a process killed inside a batch leaves nothing of it), per-device
watermarks and gaps, per-stream order; and the analytic queries (online
metrics, proof of play, training aggregates) give the same numbers on both.
"""

from __future__ import annotations

import subprocess
import sys
import textwrap
import threading
from pathlib import Path

import pandas as pd
import pytest

from cloud_trainer.feedback_training import include_feedback, online_metrics, proof_of_play
from cloud_trainer.ingest import SQLWarehouse, WarehouseError, open_warehouse
from cloud_trainer.ingest.warehouse import MIGRATIONS
from edge.comms.topics import FeedbackEvent

REPO = Path(__file__).resolve().parents[1]


def ev(seq: int, device: str = "dev1", epoch: str = "e1", kind: str = "impression", ts: float | None = None,
       model_version: str | None = "m1", **data: object) -> FeedbackEvent:
    return FeedbackEvent(event_id=f"{device}:{epoch}:{seq}", device_id=device, store_id="s1", seq=seq,
                         kind=kind, ts=1000.0 + seq if ts is None else ts,  # type: ignore[arg-type]
                         model_version=model_version, data=dict(data))


@pytest.fixture
def wh(warehouse_url: str):
    w = open_warehouse(warehouse_url)
    yield w
    w.close()


def test_the_same_event_twice_is_stored_once(wh: SQLWarehouse) -> None:
    first = wh.store([ev(1), ev(2), ev(3)])
    again = wh.store([ev(2), ev(3), ev(4), ev(4)])  # re-deliveries, and a repeat inside one batch
    assert (first.new, first.duplicates) == (3, 0)
    assert (again.new, again.duplicates) == (1, 3)
    integ = wh.integrity()
    assert (integ["events"], integ["duplicates_after_dedupe"], integ["raw_duplicates_received"]) == (4, 0, 3)
    assert wh.watermark("dev1:e1") == 4
    assert [s["received"] for s in wh.streams()] == [4]


def test_a_process_killed_inside_a_batch_stores_none_of_it(warehouse_url: str) -> None:
    # A real crash: a child process stores 50 events, and SIGKILLs itself after the
    # events are inserted but before the transaction commits.
    wh = open_warehouse(warehouse_url)
    wh.store([ev(1), ev(2)])
    script = textwrap.dedent(f"""
        import os, signal
        from cloud_trainer.ingest import open_warehouse
        from cloud_trainer.ingest.warehouse import SQLWarehouse
        from edge.comms.topics import FeedbackEvent
        def die(self, *a, **k):
            os.kill(os.getpid(), signal.SIGKILL)
        SQLWarehouse._advance = die
        wh = open_warehouse({warehouse_url!r})
        wh.store([FeedbackEvent(event_id=f"dev1:e1:{{s}}", device_id="dev1", store_id="s1", seq=s,
                                kind="impression", ts=1.0, data={{}}) for s in range(3, 53)])
    """)
    proc = subprocess.run([sys.executable, "-c", script], cwd=REPO, capture_output=True, text=True, timeout=60)
    assert proc.returncode == -9, proc.stderr
    integ = wh.integrity()
    assert integ["events"] == 2
    assert wh.streams()[0]["max_seq"] == 2 and wh.watermark("dev1:e1") == 2
    # The batch delivered again (as the broker does after the crash) is stored whole.
    res = wh.store([ev(s) for s in range(3, 53)])
    assert (res.new, res.duplicates) == (50, 0) and wh.watermark("dev1:e1") == 52
    wh.close()


def test_an_error_inside_a_batch_rolls_all_of_it_back(wh: SQLWarehouse, monkeypatch: pytest.MonkeyPatch) -> None:
    wh.store([ev(1)])

    def boom(*a: object, **k: object) -> None:
        raise RuntimeError("disk full")

    monkeypatch.setattr(wh, "_advance", boom)
    with pytest.raises(RuntimeError):
        wh.store([ev(2), ev(3), ev(7)])
    monkeypatch.undo()
    assert wh.integrity()["events"] == 1 and wh.gaps() == [] and wh.streams()[0]["received"] == 1


def test_gap_per_device_is_reported_then_closes_when_filled(wh: SQLWarehouse) -> None:
    wh.store([ev(1), ev(2), ev(1, "other")])
    res = wh.store([ev(6)])
    assert [(g.device_id, g.from_seq, g.to_seq, g.status) for g in res.gaps_opened] == [("dev1", 3, 5, "open")]
    assert wh.watermark("dev1:e1") == 2 and wh.watermark("other:e1") == 1
    assert wh.gaps(open_only=True)[0].describe() == "device dev1 (epoch e1) seq 3..5: open"
    res = wh.store([ev(3), ev(4)])
    assert res.watermarks["dev1:e1"][3] == 4
    wh.store([ev(5)])
    assert wh.watermark("dev1:e1") == 6
    assert [g.status for g in wh.gaps()] == ["filled"]
    integ = wh.integrity()
    assert integ["open_gaps"] == [] and integ["late_arrivals"] == 3


def test_gap_announced_as_dropped_by_device_closes_without_the_events(wh: SQLWarehouse) -> None:
    wh.store([ev(1)])
    wh.store([ev(5, dropped_before=[2, 4])])
    assert wh.watermark("dev1:e1") == 5
    assert [(g.from_seq, g.to_seq, g.status) for g in wh.gaps()] == [(2, 4, "dropped_by_device")]


def test_devices_and_epochs_are_separate_sequence_spaces(wh: SQLWarehouse) -> None:
    wh.store([ev(1, "a"), ev(1, "b"), ev(2, "a"), ev(1, "a", epoch="e2")])
    assert {s["stream"]: s["contig"] for s in wh.streams()} == {"a:e1": 2, "a:e2": 1, "b:e1": 1}
    assert wh.gaps() == []


def test_events_come_back_in_device_order_whatever_the_arrival_order(wh: SQLWarehouse) -> None:
    wh.store([ev(4, "b"), ev(2), ev(1, "b")])
    wh.store([ev(3), ev(1), ev(2, "b"), ev(3, "b")])
    assert [(e["device_id"], e["seq"]) for e in wh.events()] == [
        ("b", 1), ("b", 2), ("b", 3), ("b", 4), ("dev1", 1), ("dev1", 2), ("dev1", 3)]
    assert [e["seq"] for e in wh.events(kinds=["impression"]) if e["device_id"] == "dev1"] == [1, 2, 3]
    assert {s["stream"]: (s["contig"], s["late"]) for s in wh.streams()} == {"b:e1": (4, 3), "dev1:e1": (3, 1)}


def test_concurrent_writers_on_the_same_devices_store_each_event_once(warehouse_url: str) -> None:
    # Four connections (as four ingest workers) store overlapping batches of the same
    # 10 devices at once: every event exactly once, watermarks complete, no gap left.
    n_dev, n_seq = 10, 200
    errors: list[BaseException] = []

    def worker(offset: int) -> None:
        w = open_warehouse(warehouse_url)
        try:
            for start in range(1 + offset * 7, n_seq + 1, 25):
                w.store([ev(s, f"d{d}") for d in range(n_dev) for s in range(start, min(start + 40, n_seq + 1))])
            w.store([ev(s, f"d{d}") for d in range(n_dev) for s in range(1, n_seq + 1)])
        except BaseException as exc:  # surfaced below
            errors.append(exc)
        finally:
            w.close()

    threads = [threading.Thread(target=worker, args=(i,)) for i in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(120)
    assert errors == []
    wh = open_warehouse(warehouse_url)
    integ = wh.integrity()
    assert integ["events"] == n_dev * n_seq and integ["duplicates_after_dedupe"] == 0
    assert integ["open_gaps"] == []
    assert {s["contig"] for s in wh.streams()} == {n_seq}
    assert sum(s["received"] for s in wh.streams()) == n_dev * n_seq
    wh.close()


def test_schema_is_migrated_once_to_the_latest_version(warehouse_url: str) -> None:
    wh = open_warehouse(warehouse_url)
    latest = max(v for v, _, _ in MIGRATIONS[wh.engine])
    assert wh.schema_version() == latest
    wh.store([ev(1)])
    wh.close()
    again = open_warehouse(warehouse_url)  # reopening applies nothing and keeps the data
    _, rows = again.query("SELECT version FROM schema_migrations ORDER BY version")
    assert [r[0] for r in rows] == list(range(1, latest + 1))
    assert again.integrity()["events"] == 1
    # A database migrated by newer code is refused with its version, not misread.
    with again._lock, again._transaction():
        again._execute("INSERT INTO schema_migrations VALUES (?, ?, ?)", (latest + 1, "future", 0.0))
    again.close()
    with pytest.raises(WarehouseError, match=f"schema version {latest + 1} is newer"):
        open_warehouse(warehouse_url)


# ---- the analytic queries: same numbers on both engines --------------------------------------------


def shown(rec: str, shopper: str | None, items: list[str], display: str = "x", shown_at: float | None = None) -> dict:
    d: dict = {"recommendation_id": rec, "shopper": shopper, "display_id": display,
               "items": [{"item_id": i, "position": p + 1} for p, i in enumerate(items)]}
    if shown_at is not None:
        d["shown_at"] = shown_at
    return d


def fill(wh: SQLWarehouse) -> None:
    def mk(device: str, i: int, kind: str, mv: str | None, data: dict, ts: float) -> FeedbackEvent:
        return FeedbackEvent(event_id=f"{device}:e:{i}", device_id=device, store_id=f"s-{device}", seq=i,
                             kind=kind, ts=ts, model_version=mv, data=data)  # type: ignore[arg-type]

    wh.store([
        mk("d1", 1, "impression", "m1", shown("r1", "l:u1", ["P0", "P1", "P2"], "scr1", shown_at=1000.2), 1000.0),
        mk("d1", 2, "interaction", "m1", {"action": "touch", "item_id": "P0", "recommended": True,
                                          "shopper": "l:u1", "recommendation_id": "r1"}, 1001.0),
        mk("d1", 3, "conversion", "m1", {"item_id": "P1", "quantity": 2, "price": 2.0, "revenue": 4.0,
                                         "transaction_id": "t1", "shopper": "l:u1"}, 1002.0),
        mk("d1", 4, "impression", "m1", shown("r2", None, ["P3"], "scr1"), 1003.0),
        mk("d1", 5, "impression", None, shown("r5", "l:u2", ["P2"], "shelf1", shown_at=1004.5), 1004.0),
        mk("d1", 6, "conversion", None, {"item_id": "P2", "quantity": 1, "price": 3.0, "revenue": 3.25,
                                         "transaction_id": "t2", "shopper": "l:u2"}, 9000.0),  # outside window
    ])
    wh.store([
        mk("d2", 1, "impression", "m2", shown("r3", "t:abc", ["P3", "P2"], "scr9", shown_at=1000.9), 1000.0),
        mk("d2", 2, "impression", "m2", shown("r4", "t:abc", ["P3"], "scr9", shown_at=1001.9), 1001.0),
        mk("d2", 3, "interaction", "m2", {"action": "pickup", "item_id": "P3", "recommended": True,
                                          "shopper": "t:abc"}, 1002.0),
        mk("d2", 4, "interaction", "m2", {"action": "touch", "item_id": "NOPE", "recommended": False}, 1003.0),
        mk("d2", 5, "impression", "m1", shown("r6", "l:u1", ["P1"], "scr9"), 1004.0),
    ])


EXPECTED_ONLINE = [
    # version, running, seen, impressions, shoppers, interactions, ctr, conversions, cr, revenue, rev/1k
    ("m1", 1, 2, 3, 1, 1, 0.33333, 1, 0.33333, 4.0, 1333.33),
    ("m2", 0, 1, 2, 1, 2, 0.5, 0, 0.0, 0.0, 0.0),
    ("popularity", 1, 1, 1, 1, 0, 0.0, 1, 1.0, 3.25, 3250.0),
]


def test_online_metrics_give_the_expected_numbers(wh: SQLWarehouse) -> None:
    fill(wh)
    df = online_metrics(wh)
    cols = ["model_version", "devices_running", "devices_seen", "impressions", "shoppers", "interactions",
            "ctr", "conversions", "conversion_rate", "attributed_revenue", "revenue_per_1k_impressions"]
    assert [tuple(r) for r in df[cols].itertuples(index=False)] == EXPECTED_ONLINE
    # d1's latest impression is the popularity fallback (seq 5), d2's is m1 (seq 5).
    assert dict(zip(df["model_version"], df["devices_running"], strict=True)) == {"m1": 1, "m2": 0, "popularity": 1}


def test_proof_of_play_counts_rendered_lists_per_display(wh: SQLWarehouse) -> None:
    fill(wh)
    df = proof_of_play(wh)
    got = [tuple(r) for r in df[["device_id", "display_id", "published", "played", "item_slots_played",
                                 "first_played", "last_played"]].itertuples(index=False)]
    assert got == [("d1", "scr1", 2, 1, 3, 1000.2, 1000.2), ("d1", "shelf1", 1, 1, 1, 1004.5, 1004.5),
                   ("d2", "scr9", 3, 2, 3, 1000.9, 1001.9)]
    windowed = proof_of_play(wh, since=1001.0, until=1004.0)
    assert list(zip(windowed["display_id"], windowed["published"], windowed["played"], strict=True)) == [
        ("scr1", 1, 0), ("scr9", 1, 1)]


def test_every_query_returns_the_same_numbers_on_both_engines(tmp_path: Path, postgres_server) -> None:
    lite = open_warehouse(f"sqlite:///{tmp_path / 'wh.db'}")
    pg = open_warehouse(postgres_server.create_database("same_numbers"))
    for w in (lite, pg):
        fill(w)
    pd.testing.assert_frame_equal(online_metrics(lite), online_metrics(pg))
    pd.testing.assert_frame_equal(proof_of_play(lite), proof_of_play(pg))
    from test_feedback_training import prepared

    a, b = include_feedback(prepared(), lite), include_feedback(prepared(), pg)
    assert a.summary == b.summary
    pd.testing.assert_frame_equal(a.data.train, b.data.train)
    pd.testing.assert_frame_equal(a.negatives, b.negatives)
    assert (a.item_weights == b.item_weights).all()
    assert a.summary["appended_rows"] == 4
    # u1 saw P2 (not taken) and P1 again after buying it; u2 bought P2 hours after the window.
    assert sorted(zip(a.negatives["user_id"], a.negatives["item_idx"], strict=True)) == [
        ("anon:abc", 2), ("u1", 1), ("u1", 2), ("u2", 2)]
    assert a.summary["unknown_items"] == 1


def test_a_bad_url_is_a_clear_error(tmp_path: Path) -> None:
    with pytest.raises(WarehouseError, match="no warehouse engine for scheme 'clickhouse'"):
        open_warehouse("clickhouse://host/db")
    with pytest.raises(WarehouseError, match="no file path after sqlite://"):
        open_warehouse("sqlite://")
    with pytest.raises(WarehouseError, match=r"postgresql://u:\*\*\*@127.0.0.1:1/x: cannot connect"):
        open_warehouse("postgresql://u:secret@127.0.0.1:1/x")
    assert open_warehouse(tmp_path / "plain.db").engine == "sqlite"
    # The command-line tools say the same in one line, exit 2, no traceback.
    for module, cmd in (("cloud_trainer.ingest", "report"), ("cloud_trainer.feedback_training", "report")):
        res = subprocess.run([sys.executable, "-m", module, cmd, "--warehouse", "mysql://db/x"], cwd=REPO,
                             capture_output=True, text=True, timeout=60)
        assert res.returncode == 2 and "no warehouse engine for scheme 'mysql'" in res.stderr, res.stderr
        assert "Traceback" not in res.stderr
