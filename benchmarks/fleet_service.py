"""How much fleet one `fleet serve` process keeps up with.

    .venv/bin/python -m benchmarks.fleet_service [--devices 2000] [--rounds 3] [--bundle-mb 8]

Starts a private Mosquitto and a real `fleet serve` (SQLite storage), then:

1. *Status ingest*: one MQTT client publishes ``--rounds`` retained statuses
   for each of ``--devices`` devices (50 stores) as fast as the broker takes
   them; the figure is statuses recorded per second, read from the service's
   own ``/api/health`` counter (every status is an upsert plus the rollout
   check, as in production). 2,000 devices reporting every 10 s is 200/s.
2. *API latency*: ``GET /api/devices`` (every device, the console's overview
   query) and ``GET /api/devices/ID`` 20 times each; p50/p95 ms.
3. *Downloads*: a signed bundle whose model file is ``--bundle-mb`` MB of
   random bytes is published; one full download and one resumed from the
   middle (``Range``), MB/s as a device sees it. As a reference measured in
   the same run, the same file is read and hashed in the benchmark process (``read_sha256_mb_s``).
4. The service's peak RSS (VmHWM).

The machine is shared: the load average is printed beside the figures. The
last stdout line is one JSON object.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.request
from pathlib import Path

from deploy.local_broker import MosquittoBroker, free_port
from edge.bundle import ContextField, FeatureSpec, GoldenCase, Item, generate_keypair, write_bundle
from edge.comms.mqtt import new_client, start
from edge.comms.topics import DeviceStatus, TopicTree, dump

REPO = Path(__file__).resolve().parents[1]
OPERATOR = "bench-operator-token-0123456789"


def _token(device: str) -> str:
    return f"bench-{device}-0123456789"


def _bundle(out: Path, key: Path, mb: float) -> Path:
    items = [Item(item_id=f"P{i}", name=f"P{i}", category="C", department="D", price=1.0, price_band=0,
                  popularity=0.0) for i in range(8)]
    spec = FeatureSpec(num_items=8, history_length=2, history_pad=8, context_fields=[ContextField("d", ["<unk>"])],
                       input_tensors={"history": "h", "context": "c"}, output_tensor="s")
    write_bundle(out, model_bytes=os.urandom(int(mb * (1 << 20))), items=items, spec=spec,
                 golden=[GoldenCase(history=[0], context={}, expected_topk=[0])], model_version="bench-1",
                 dataset_fingerprint="bench", metrics={}, golden_k=1, make_tarball=False, signing_key=key)
    return out


def _get(url: str, token: str, headers: dict[str, str] | None = None) -> tuple[bytes, float]:
    req = urllib.request.Request(url, headers={"Authorization": f"Bearer {token}", **(headers or {})})
    t = time.perf_counter()
    with urllib.request.urlopen(req, timeout=60) as resp:
        body = resp.read()
    return body, time.perf_counter() - t


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--devices", type=int, default=2000)
    ap.add_argument("--rounds", type=int, default=3)
    ap.add_argument("--bundle-mb", type=float, default=8.0)
    args = ap.parse_args(argv)

    work = Path(tempfile.mkdtemp(prefix="fleet-bench-"))
    broker = MosquittoBroker(workdir=work / "broker")
    broker.start()
    generate_keypair(work / "keys")
    ids = [f"d{i:05d}" for i in range(args.devices)]
    (work / "tokens.toml").write_text("".join(f'"{d}" = "{_token(d)}"\n' for d in ids))
    port = free_port()
    (work / "fleet.toml").write_text("\n".join([
        'storage = "sqlite:///fleet.db"', f'listen = "127.0.0.1:{port}"', 'artifact_dir = "artifacts"',
        f'trusted_keys = ["{work / "keys/signing.pub"}"]', f'operator_token = "{OPERATOR}"',
        'device_tokens_file = "tokens.toml"', "[broker]", 'host = "127.0.0.1"', f"port = {broker.port}", ""]))
    env = {**os.environ, "PYTHONPATH": str(REPO)}
    bundle = _bundle(work / "b" / "bundle", work / "keys/signing.key", args.bundle_mb)
    subprocess.run([sys.executable, "-m", "fleet.cli", "publish", str(bundle), "--config", str(work / "fleet.toml")],
                   check=True, env=env, capture_output=True)
    server = subprocess.Popen([sys.executable, "-m", "fleet.cli", "serve", "--config", str(work / "fleet.toml")],
                              env=env, stdout=(work / "serve.log").open("wb"), stderr=subprocess.STDOUT)
    base = f"http://127.0.0.1:{port}"
    try:
        for _ in range(200):
            try:
                _get(base + "/healthz", OPERATOR)
                break
            except OSError:
                time.sleep(0.1)

        def received() -> int:
            return json.loads(_get(base + "/api/health", OPERATOR)[0])["mqtt"]["received"]

        client = new_client("bench-devices", reconnect_s=None, nodelay=False, inflight=0)
        start(client, "127.0.0.1", broker.port, keepalive=60, blocking=True)
        before = received()
        total = args.devices * args.rounds
        t0 = time.perf_counter()
        for r in range(args.rounds):
            for i, d in enumerate(ids):
                status = DeviceStatus(device_id=d, state="online", ts=time.time(), model_version="m-1",
                                      detail={"model": {"active": "m-1", "previous": None},
                                              "ota": {"state": "idle"}, "received": {"location": r * 1000 + i}})
                client.publish(TopicTree(f"s{i % 50:02d}", d).status, dump(status), qos=1, retain=True)
        while received() - before < total:
            if time.perf_counter() - t0 > 300:
                break
            time.sleep(0.05)
        ingest_s = time.perf_counter() - t0
        got = received() - before
        client.loop_stop()
        client.disconnect()

        def lat(path: str) -> dict[str, float]:
            ms = sorted(_get(base + path, OPERATOR)[1] * 1000 for _ in range(20))
            return {"p50": round(statistics.median(ms), 1), "p95": round(ms[18], 1)}

        overview, one = lat("/api/devices"), lat(f"/api/devices/{ids[len(ids) // 2]}")

        path = work / "artifacts" / "bench-1.tar.gz"
        t = time.perf_counter()
        digest = hashlib.sha256(path.read_bytes()).hexdigest()
        disk_s = time.perf_counter() - t
        size = path.stat().st_size
        full, full_s = _get(base + "/artifacts/bench-1.tar.gz", _token(ids[0]))
        half = size // 2
        rest, rest_s = _get(base + "/artifacts/bench-1.tar.gz", _token(ids[1]), {"Range": f"bytes={half}-"})
        assert hashlib.sha256(full).hexdigest() == digest and full[half:] == rest
        hwm_kb = next(int(line.split()[1]) for line in Path(f"/proc/{server.pid}/status").read_text().splitlines()
                      if line.startswith("VmHWM"))
        result = {
            "devices": args.devices, "statuses": total, "statuses_recorded": got,
            "status_per_s": round(got / ingest_s), "ingest_s": round(ingest_s, 2),
            "devices_api_ms": overview, "device_api_ms": one,
            "download_mb": round(size / (1 << 20), 2), "download_mb_s": round(size / (1 << 20) / full_s, 1),
            "resumed_mb_s": round((size - half) / (1 << 20) / rest_s, 1),
            "read_sha256_mb_s": round(size / (1 << 20) / disk_s, 1),
            "rss_mb": round(hwm_kb / 1024, 1), "loadavg": Path("/proc/loadavg").read_text().split()[:3],
        }
    finally:
        server.terminate()
        server.wait(10)
        broker.cleanup()
    print(json.dumps(result))
    return 0


if __name__ == "__main__":
    sys.exit(main())
