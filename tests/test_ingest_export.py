"""``python -m cloud_trainer.ingest export --format parquet``: partitioned Parquet from either engine."""

from __future__ import annotations

import json
import subprocess
import sys
from datetime import UTC, datetime
from pathlib import Path

import pyarrow.dataset as ds

from cloud_trainer.ingest import open_warehouse
from edge.comms.topics import FeedbackEvent

REPO = Path(__file__).resolve().parents[1]
DAY1 = datetime(2026, 11, 29, 23, 0, tzinfo=UTC).timestamp()


def export(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "cloud_trainer.ingest", "export", *args], cwd=REPO,
                          capture_output=True, text=True, timeout=120)


def test_export_writes_date_and_kind_partitions_from_since_and_reruns_without_duplicates(
        warehouse_url: str, tmp_path: Path) -> None:
    wh = open_warehouse(warehouse_url)
    kinds = ["impression", "interaction", "conversion"]
    # 90 events, one every 40 minutes from 23:00 on Nov 29: three UTC days.
    wh.store([FeedbackEvent(event_id=f"d1:e:{s}", device_id="d1", store_id="s1", seq=s, kind=kinds[s % 3],
                            ts=DAY1 + (s - 1) * 2400, model_version="m1",  # type: ignore[arg-type]
                            data={"item_id": f"I{s}", "shopper": "l:u1"}) for s in range(1, 91)])
    wh.close()
    out = tmp_path / "parquet"
    res = export("--warehouse", warehouse_url, "--since", "2026-11-30", "--format", "parquet", "--out", str(out))
    assert res.returncode == 0, res.stderr
    summary = json.loads(res.stdout.strip().splitlines()[-1])
    since = datetime(2026, 11, 30, tzinfo=UTC).timestamp()
    expected = sum(1 for s in range(1, 91) if DAY1 + (s - 1) * 2400 >= since)
    assert summary["rows"] == expected
    assert "date=2026-11-29/kind=impression" not in summary["partitions"]
    assert "date=2026-11-30/kind=conversion" in summary["partitions"]
    table = ds.dataset(out, format="parquet", partitioning="hive").to_table()
    assert table.num_rows == expected
    assert set(table.column("kind").to_pylist()) == set(kinds)
    assert min(table.column("ts").to_pylist()) >= since
    assert json.loads(table.column("data").to_pylist()[0])["shopper"] == "l:u1"
    assert sorted(table.column("seq").to_pylist()) == [s for s in range(1, 91) if DAY1 + (s - 1) * 2400 >= since]
    # Re-running replaces the partitions it writes: same rows, no duplicates.
    assert export("--warehouse", warehouse_url, "--since", str(since), "--out", str(out)).returncode == 0
    assert ds.dataset(out, format="parquet", partitioning="hive").to_table().num_rows == expected


def test_export_refuses_a_bad_since_and_a_missing_warehouse(tmp_path: Path) -> None:
    bad = export("--warehouse", str(tmp_path / "nope.db"), "--out", str(tmp_path / "o"))
    assert bad.returncode == 2 and "nope.db: no such warehouse file" in bad.stderr
    open_warehouse(tmp_path / "wh.db").close()
    bad = export("--warehouse", str(tmp_path / "wh.db"), "--since", "yesterday", "--out", str(tmp_path / "o"))
    assert bad.returncode == 2 and "--since 'yesterday': want an ISO date" in bad.stderr
    assert "Traceback" not in bad.stderr
