"""The console's derived figures, from statuses shaped like a device's, and the
device-side latency window they read."""

from __future__ import annotations

from edge.comms.topics import DeviceStatus
from edge.observability.http import StageHistograms
from fleet.console.live import LiveIndex
from fleet.console.results import Results, mean_ci, wilson


def status(ts: float, handled: int, rejected: int, **detail: object) -> DeviceStatus:
    return DeviceStatus(device_id="d1", state="online", ts=ts, model_version="v1",
                        detail={"handled": handled, "rejected_total": rejected, **detail})


def test_signals_per_second_and_dead_letters_of_the_last_hour_come_from_counter_deltas() -> None:
    live = LiveIndex()
    live.on_status("s1", "d1", status(1000.0, 100, 5))
    row = live.get("d1")
    assert row is not None and row.signals_s is None and row.dead_hour == 0  # one sample: no rate yet
    live.on_status("s1", "d1", status(1010.0, 600, 9, latency_ms={"p50": 0.4, "p99": 2.5},
                                      health={"feedback": {"outbox": {"unsent": 12, "oldest_pending_age_s": 3.5}}},
                                      cameras={"c1": {"state": "online"}, "c2": {"state": "retrying"}}))
    row = live.get("d1")
    assert row.signals_s == 50.0 and row.dead_hour == 4
    assert (row.latency_p50, row.latency_p99) == (0.4, 2.5)
    assert (row.backlog, row.oldest_unsent_s) == (12, 3.5)
    assert row.cameras == "1/2 online" and not row.cameras_ok
    # Two hours later only the last hour's dead letters count; a restart (counter reset) is not negative.
    live.on_status("s1", "d1", status(1010.0 + 3600 * 2, 700, 10))
    live.on_status("s1", "d1", status(1020.0 + 3600 * 2, 50, 1))
    row = live.get("d1")
    assert row.signals_s is None and row.dead_hour == 1
    live.on_status("s1", "d1", DeviceStatus(device_id="d1", state="offline", ts=0))
    assert live.get("d1").state == "offline" and live.get("d1").last_seen == 1020.0 + 3600 * 2
    assert live.counts() == {"online": 0, "offline": 1, "unknown": 0}


def test_the_changed_rows_are_those_past_the_stream_position() -> None:
    live = LiveIndex()
    live.on_status("s1", "a", DeviceStatus(device_id="a", state="online", ts=1.0))
    mark = live.version
    live.on_status("s1", "b", DeviceStatus(device_id="b", state="online", ts=1.0))
    assert [r.id for r in live.changed(["a", "b", "zz"], mark)] == ["b"]


def test_device_latency_window_reports_quantiles_between_two_statuses() -> None:
    h = StageHistograms()
    assert h.window_quantiles("total") is None
    for _ in range(97):
        h["total"] += 300_000  # 0.3 ms: the (0.25, 0.5] ms bucket
    for _ in range(3):
        h["total"] += 40_000_000  # 40 ms outliers: the (25, 50] ms bucket
    q = h.window_quantiles("total")
    assert q is not None and q["n"] == 100 and 0.25 <= q["p50"] <= 0.5 and 25.0 <= q["p99"] <= 50.0
    assert h.window_quantiles("total") is None  # nothing since the last status


def test_intervals_are_the_textbook_ones() -> None:
    lo, hi = wilson(50, 1000)
    assert round(lo, 4) == 0.0381 and round(hi, 4) == 0.0653
    assert wilson(0, 0) is None
    lo, hi = mean_ci(total=100.0, total_sq=1000.0, n=100)  # mean 1, sd ~2.98
    assert round(lo, 2) == 0.41 and round(hi, 2) == 1.59
    d = Results.compare({"impressions": 1000, "clicks": 50, "conversions": 10},
                        {"impressions": 1000, "clicks": 80, "conversions": 11})
    assert d["ctr"]["significant"] and not d["conversion_rate"]["significant"]


def test_results_sql_gives_the_same_figures_on_both_warehouse_engines(warehouse_url: str) -> None:
    from deploy.console_seed import seed_feedback

    seed_feedback(warehouse_url, [("v1", 0.05, 0.02), ("v2", 0.08, 0.03)], impressions=600, start_ts=1_764_547_200.0)
    r = Results(warehouse_url)
    try:
        online = {row["model_version"]: row for row in r.online()}
        assert set(online) == {"v1", "v2"} and online["v1"]["impressions"] == online["v2"]["impressions"] == 300
        for row in online.values():
            lo, hi = row["ctr_ci"]
            assert lo <= row["ctr"] <= hi and row["revenue_ci"][0] <= row["revenue"] <= row["revenue_ci"][1]
        rows, total = r.proof_of_play(limit=5)
        assert len(rows) == 5 and total >= 5
        assert rows[0][3] >= rows[-1][3]  # newest hour first
        body = "".join(r.proof_of_play_csv())
        assert body.count("\n") == total + 1
        assert sum(int(line.rsplit(",", 1)[1]) for line in body.splitlines()[1:]) == 3 * 600
    finally:
        r.close()
