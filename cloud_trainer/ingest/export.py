"""Export the feedback warehouse to partitioned Parquet, for training on months of data
or a Spark/Dask/DuckDB job that should read files, not the live database.

    python -m cloud_trainer.ingest export --warehouse URL --since 2026-11-01 [--until 2026-12-01] \\
        --format parquet --out feedback-parquet/

Layout (Hive partitioning, readable by ``pyarrow.dataset``, Spark, DuckDB's
``read_parquet('out/**/*.parquet', hive_partitioning=true)``)::

    OUT/date=2026-11-30/kind=impression/part-0.parquet
    OUT/date=2026-11-30/kind=conversion/part-0.parquet

``date`` is the UTC day of the event time ``ts`` (device clock); ``--since``
and ``--until`` (inclusive / exclusive) filter on the same time, as ISO dates,
ISO date-times (UTC unless an offset is given) or epoch seconds. Columns:
event_id, stream, device_id, store_id, epoch, seq, kind, ts, model_version,
data (the event's JSON payload as text), received_at. Rows are streamed from
the database in chunks (a server-side cursor on PostgreSQL), so memory does
not grow with the export. A partition this run writes is replaced as a whole:
re-running an export for the same days gives the same files, not duplicates.
"""

from __future__ import annotations

import json
import shutil
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from cloud_trainer.ingest.warehouse import SQLWarehouse

COLUMNS = ["event_id", "stream", "device_id", "store_id", "epoch", "seq", "kind", "ts", "model_version", "data",
           "received_at"]


class ExportError(ValueError):
    """A bad --since/--until or output location."""


def parse_time(text: str, option: str) -> float:
    """Epoch seconds from an ISO date / date-time (UTC unless it carries an offset) or a number."""
    try:
        return float(text)
    except ValueError:
        pass
    try:
        dt = datetime.fromisoformat(text)
    except ValueError as exc:
        raise ExportError(f"{option} {text!r}: want an ISO date (2026-11-01), date-time "
                          "(2026-11-01T08:00:00+01:00) or epoch seconds") from exc
    if dt.tzinfo is None:
        dt = dt.replace(tzinfo=UTC)
    return dt.timestamp()


def export_parquet(wh: SQLWarehouse, out: Path, *, since: float | None = None, until: float | None = None,
                   chunk_rows: int = 100_000) -> dict[str, Any]:
    """Write the events with ``since <= ts < until`` under ``out`` (see the module docstring)."""
    import pyarrow as pa
    import pyarrow.parquet as pq

    schema = pa.schema([("event_id", pa.string()), ("stream", pa.string()), ("device_id", pa.string()),
                        ("store_id", pa.string()), ("epoch", pa.string()), ("seq", pa.int64()),
                        ("kind", pa.string()), ("ts", pa.float64()), ("model_version", pa.string()),
                        ("data", pa.string()), ("received_at", pa.float64())])
    out = Path(out)
    if out.exists() and not out.is_dir():
        raise ExportError(f"{out}: exists and is not a directory")
    where, params = [], []
    if since is not None:
        where.append("ts >= ?")
        params.append(float(since))
    if until is not None:
        where.append("ts < ?")
        params.append(float(until))
    sql = f"SELECT {', '.join(COLUMNS)} FROM events" + (f" WHERE {' AND '.join(where)}" if where else "")
    writers: dict[tuple[str, str], Any] = {}
    rows_total = 0
    try:
        for _, rows in wh.iter_query(sql, params, chunk=chunk_rows):
            parts: dict[tuple[str, str], list[tuple[Any, ...]]] = {}
            for r in rows:
                day = datetime.fromtimestamp(float(r[7]), UTC).strftime("%Y-%m-%d")
                data = r[9] if isinstance(r[9], str) else json.dumps(r[9], separators=(",", ":"))
                parts.setdefault((day, r[6]), []).append((*r[:9], data, r[10]))
            for key, part in parts.items():
                if key not in writers:
                    pdir = out / f"date={key[0]}" / f"kind={key[1]}"
                    if pdir.exists():  # replaced whole: a re-run must not duplicate rows
                        shutil.rmtree(pdir)
                    pdir.mkdir(parents=True)
                    writers[key] = pq.ParquetWriter(str(pdir / "part-0.parquet"), schema, compression="zstd")
                cols = list(zip(*part, strict=True))
                writers[key].write_table(pa.Table.from_arrays(
                    [pa.array(list(c), type=f.type) for c, f in zip(cols, schema, strict=True)], schema=schema))
                rows_total += len(part)
    finally:
        for w in writers.values():
            w.close()
    return {"rows": rows_total, "partitions": sorted(f"date={d}/kind={k}" for d, k in writers), "out": str(out),
            "since": since, "until": until}
