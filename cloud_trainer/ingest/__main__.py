"""``python -m cloud_trainer.ingest run|report|export``: the ingest worker, its report, Parquet export."""

from __future__ import annotations

import argparse
import json
import logging
import signal
import threading
from pathlib import Path

from cloud_trainer.ingest.service import IngestService
from cloud_trainer.ingest.warehouse import WarehouseError, open_warehouse


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m cloud_trainer.ingest", description=__doc__)
    sub = parser.add_subparsers(dest="cmd", required=True)
    run = sub.add_parser("run", help="subscribe and store feedback until SIGTERM")
    run.add_argument("--host", default="127.0.0.1")
    run.add_argument("--port", type=int, default=1883)
    run.add_argument("--warehouse", required=True, help="storage URL: sqlite:///path/wh.db (or a path) or postgresql://user@host:port/db")
    run.add_argument("--prefix", default="store")
    run.add_argument("--group", default="ingest", help="shared subscription group")
    run.add_argument("--client-id", default="cloud-ingest-1", help="stable per worker")
    run.add_argument("--username")
    run.add_argument("--password")
    run.add_argument("--cafile", help="CA of the broker's certificate (enables TLS)")
    run.add_argument("--certfile", help="client certificate (its CN is the MQTT username)")
    run.add_argument("--keyfile")
    run.add_argument("--no-acks", action="store_true", help="do not publish end-to-end acks")
    run.add_argument("--log-level", default="INFO")
    rep = sub.add_parser("report", help="print streams, gaps and integrity as JSON")
    rep.add_argument("--warehouse", required=True, help="storage URL (as for run)")
    exp = sub.add_parser("export", help="write events to partitioned Parquet (date=/kind=) for offline jobs")
    exp.add_argument("--warehouse", required=True, help="storage URL (as for run)")
    exp.add_argument("--since", help="event time, inclusive: ISO date/date-time (UTC) or epoch seconds")
    exp.add_argument("--until", help="event time, exclusive: ISO date/date-time (UTC) or epoch seconds")
    exp.add_argument("--format", choices=["parquet"], default="parquet")
    exp.add_argument("--out", required=True, help="output directory (partitions it writes are replaced)")
    args = parser.parse_args(argv)

    if args.cmd == "export":
        from cloud_trainer.ingest.export import ExportError, export_parquet, parse_time

        try:
            since = parse_time(args.since, "--since") if args.since else None
            until = parse_time(args.until, "--until") if args.until else None
            summary = export_parquet(open_warehouse(args.warehouse, must_exist=True), Path(args.out), since=since, until=until)
        except (ExportError, WarehouseError) as exc:
            parser.exit(2, f"python -m cloud_trainer.ingest export: error: {exc}\n")
        print(json.dumps(summary))
        return 0

    try:
        wh = open_warehouse(args.warehouse, must_exist=args.cmd == "report")
    except WarehouseError as exc:
        parser.exit(2, f"python -m cloud_trainer.ingest {args.cmd}: error: {exc}\n")
    if args.cmd == "report":
        out = {"streams": wh.streams(), "gaps": [g.describe() for g in wh.gaps()],
               "integrity": wh.integrity(), "schema_version": wh.schema_version()}
        print(json.dumps(out, indent=2, default=str))
        return 0

    logging.basicConfig(level=args.log_level, format="%(asctime)s %(name)s %(levelname)s %(message)s")
    service = IngestService(
        wh, args.host, args.port, prefix=args.prefix, group=args.group,
        client_id=args.client_id, send_acks=not args.no_acks, username=args.username,
        password=args.password,
        tls={"ca_certs": args.cafile, "certfile": args.certfile, "keyfile": args.keyfile} if args.cafile else None,
    ).start()
    stop = threading.Event()
    signal.signal(signal.SIGTERM, lambda *_: stop.set())
    signal.signal(signal.SIGINT, lambda *_: stop.set())
    while not stop.wait(10.0):
        logging.getLogger("cloud_trainer.ingest").info("ingest: %s", service.counters)
    service.stop()
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
