"""``fleet``: publish signed bundles, run the service, drive rollouts.

    fleet publish BUNDLE_DIR --config fleet.toml
    fleet serve --config fleet.toml
    fleet models | devices [--store S]
    fleet rollout create --model V (--devices a,b | --store S | --all) [--canary N] [--waves 10,50,100]
                         [--abort-on rolled_back,refused,timeout] [--stage-timeout SECONDS]
    fleet rollout status ID | list | pause ID | resume ID | abort ID [--reason TEXT]
    fleet rollback (--device D | --store S) --to VERSION [--reason TEXT]

Everything but ``publish`` and ``serve`` calls the running service's JSON API
(``--server URL`` and ``--token``/``--token-file``, or FLEET_SERVER /
FLEET_TOKEN), so the CLI and the console go through the same service logic.
Exit status: 0 ok, 1 refused by the service, 2 bad usage or unreachable service.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import urllib.error
import urllib.request
from pathlib import Path
from typing import Any
from urllib.parse import quote


def _die(msg: str, code: int = 2) -> int:
    print(f"fleet: error: {msg}", file=sys.stderr)
    return code


# ---- local commands ------------------------------------------------------------


def cmd_publish(args: argparse.Namespace) -> int:
    from fleet.config import ConfigError, load_config
    from fleet.registry import PublishError, publish
    from fleet.storage import StorageError, open_storage

    if args.config:
        try:
            cfg = load_config(args.config)
        except ConfigError as exc:
            return _die(str(exc))
        storage_url, artifact_dir, keys = cfg.storage, cfg.artifact_dir, cfg.trusted_keys
    else:
        if not (args.storage and args.artifact_dir):
            return _die("publish: give --config FILE, or --storage URL and --artifact-dir DIR")
        storage_url, artifact_dir = args.storage, args.artifact_dir
        keys = []
    keys = [*keys, *(args.trusted_key or [])]
    try:
        storage = open_storage(storage_url)
    except StorageError as exc:
        return _die(str(exc))
    try:
        done = publish(storage, args.bundle_dir, trusted_keys=keys, artifact_dir=artifact_dir)
    except PublishError as exc:
        print(f"fleet: refused {args.bundle_dir}: {exc}", file=sys.stderr)
        return 1
    finally:
        storage.close()
    print(f"published {done.version}: {done.size:,} B, sha256 {done.sha256}, signed by {done.key_id}")
    if done.metrics and isinstance(done.metrics.get("metrics"), dict):
        m = done.metrics["metrics"]
        shown = [f"{s} recall@20 {m[s]['recall@20']:.4f}" for s in ("model_int8", "popularity")
                 if isinstance(m.get(s), dict) and "recall@20" in m[s]]
        if shown:
            print("offline metrics: " + ", ".join(shown))
    if done.note:
        print(f"note: {done.note}")
    return 0


def cmd_serve(args: argparse.Namespace) -> int:
    import logging

    import uvicorn

    from fleet.app import create_app
    from fleet.config import ConfigError, load_config
    from fleet.storage import StorageError

    try:
        cfg = load_config(args.config)
        app = create_app(cfg)
    except (ConfigError, StorageError) as exc:
        return _die(str(exc))
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    scheme = "https" if cfg.tls_cert_file else "http"
    print(f"fleet: serving on {scheme}://{cfg.listen} (storage {app.state.fleet.storage.url}; "
          f"devices download from {cfg.base_url}/artifacts/)", flush=True)
    tls = {"ssl_certfile": str(cfg.tls_cert_file), "ssl_keyfile": str(cfg.tls_key_file)} if cfg.tls_cert_file else {}
    server = uvicorn.Server(uvicorn.Config(app, host=cfg.host, port=cfg.port, log_level=args.log_level,
                                           lifespan="on", access_log=args.access_log, **tls))
    server.run()
    return 0


# ---- API client ----------------------------------------------------------------


class Client:
    def __init__(self, server: str, token: str) -> None:
        self.server = server.rstrip("/")
        self.token = token

    def call(self, method: str, path: str, body: dict[str, Any] | None = None) -> tuple[int, Any]:
        data = json.dumps(body).encode() if body is not None else None
        req = urllib.request.Request(self.server + path, data=data, method=method, headers={
            "Authorization": f"Bearer {self.token}", "Content-Type": "application/json"})
        try:
            with urllib.request.urlopen(req, timeout=30) as resp:
                return resp.status, json.loads(resp.read() or b"null")
        except urllib.error.HTTPError as exc:
            raw = exc.read()
            try:
                return exc.code, json.loads(raw)
            except ValueError:
                return exc.code, {"error": raw.decode(errors="replace")[:200]}


def _client(args: argparse.Namespace) -> Client | str:
    server = args.server or os.environ.get("FLEET_SERVER")
    token = args.token or os.environ.get("FLEET_TOKEN")
    if args.token_file:
        try:
            token = Path(args.token_file).read_text(encoding="utf-8").strip()
        except OSError as exc:
            return f"--token-file: {exc}"
    if not server:
        return "--server URL (or FLEET_SERVER) is required"
    if not token:
        return "--token, --token-file or FLEET_TOKEN is required"
    return Client(server, token)


def _stage_table(status: dict[str, Any]) -> list[str]:
    lines = [f"{'stage':<8} {'devices':>7} {'done':>5} {'sent':>5} {'pending':>7} {'failed':>6} {'cancelled':>9}"]
    for s in status["stages"]:
        mark = "*" if s["stage"] == status["current_stage"] and status["state"] in ("running", "paused") else " "
        lines.append(f"{s['name'] + mark:<8} {s['devices']:>7} {s['done']:>5} {s['sent']:>5} {s['pending']:>7} "
                     f"{s['failed']:>6} {s['cancelled']:>9}")
    return lines


def render_rollout(status: dict[str, Any]) -> str:
    n = sum(s["devices"] for s in status["stages"])
    head = f"{status['id']} {status['kind']} of {status['model']} to {n} device(s): {status['state']}"
    if status.get("reason"):
        head += f" ({status['reason']})"
    lines = [head, *_stage_table(status)]
    for t in status["targets"]:
        if t["state"] in ("failed", "cancelled") and t["reason"]:
            lines.append(f"  {t['device']}: {t['state']} ({t['reason']})")
    return "\n".join(lines)


def render_devices(data: dict[str, Any]) -> str:
    lines = [f"{'device':<16} {'store':<12} {'state':<8} {'active':<42} {'desired':<42} ota"]
    for d in data["devices"]:
        ota = d["ota"]["state"] or "-"
        if d["ota"]["reason"]:
            ota += f" ({d['ota']['reason']})"
        lines.append(f"{d['id']:<16} {d['store'] or '-':<12} {d['state']:<8} {d['model']['active'] or '-':<42} "
                     f"{d['desired']['version'] or '-':<42} {ota}")
    return "\n".join(lines)


def render_models(data: dict[str, Any]) -> str:
    lines = [f"{'version':<44} {'size':>11} {'signer':<18} recall@20"]
    for m in data["models"]:
        r20 = "-"
        metrics = (m.get("metrics") or {}).get("metrics") or {}
        if isinstance(metrics.get("model_int8"), dict) and "recall@20" in metrics["model_int8"]:
            r20 = f"{metrics['model_int8']['recall@20']:.4f}"
        lines.append(f"{m['version']:<44} {m['size']:>11,} {m['key_id'][:16]:<18} {r20}")
    return "\n".join(lines)


def cmd_api(args: argparse.Namespace) -> int:
    client = _client(args)
    if isinstance(client, str):
        return _die(client)
    method, path, body, render = args.request(args)
    try:
        status, data = client.call(method, path, body)
    except (urllib.error.URLError, OSError) as exc:
        return _die(f"{client.server}: unreachable ({getattr(exc, 'reason', exc)})")
    if status >= 400:
        print(f"fleet: {status}: {data.get('error') if isinstance(data, dict) else data}", file=sys.stderr)
        return 1
    print(json.dumps(data, indent=1) if args.json or render is None else render(data))
    return 0


def _csv(value: str) -> list[str]:
    return [v.strip() for v in value.split(",") if v.strip()]


def _waves(value: str) -> list[int]:
    try:
        return [int(v) for v in _csv(value)]
    except ValueError:
        raise argparse.ArgumentTypeError(f"waves: expected percentages like 10,50,100 (got {value!r})") from None


def _create_request(args: argparse.Namespace) -> tuple[str, str, dict[str, Any], Any]:
    body: dict[str, Any] = {"model": args.model, "canary": args.canary, "waves": args.waves,
                            "abort_on": args.abort_on}
    if args.devices is not None:
        body["devices"] = args.devices
    if args.store is not None:
        body["store"] = args.store
    if args.all:
        body["all"] = True
    if args.stage_timeout is not None:
        body["stage_timeout_s"] = args.stage_timeout
    return "POST", "/api/rollouts", body, render_rollout


def build_parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(prog="fleet", description="Fleet service: model registry, artifacts, rollouts.")
    sub = p.add_subparsers(dest="command", required=True)

    pub = sub.add_parser("publish", help="record a signed bundle in the registry")
    pub.add_argument("bundle_dir", type=Path)
    pub.add_argument("--config", type=Path, help="service config (storage, artifact_dir, trusted_keys)")
    pub.add_argument("--storage", help="storage URL, without --config")
    pub.add_argument("--artifact-dir", type=Path, help="artifact directory, without --config")
    pub.add_argument("--trusted-key", type=Path, action="append", help="PEM public key to trust (repeatable)")
    pub.set_defaults(func=cmd_publish)

    srv = sub.add_parser("serve", help="run the service (HTTP + MQTT)")
    srv.add_argument("--config", type=Path, required=True)
    srv.add_argument("--log-level", default="info", choices=["debug", "info", "warning", "error"])
    srv.add_argument("--access-log", action="store_true", help="log every HTTP request")
    srv.set_defaults(func=cmd_serve)

    def api_parser(parent: Any, name: str, help_: str, request: Any) -> argparse.ArgumentParser:
        a = parent.add_parser(name, help=help_)
        a.add_argument("--server", help="service URL (default $FLEET_SERVER)")
        a.add_argument("--token", help="operator token (default $FLEET_TOKEN)")
        a.add_argument("--token-file", type=Path, help="file holding the operator token")
        a.add_argument("--json", action="store_true", help="print the raw JSON answer")
        a.set_defaults(func=cmd_api, request=request)
        return a

    api_parser(sub, "models", "list the registry", lambda a: ("GET", "/api/models", None, render_models))
    dev = api_parser(sub, "devices", "devices and their reported/desired state",
                     lambda a: ("GET", "/api/devices" + (f"?store={quote(a.store)}" if a.store else ""), None,
                                render_devices))
    dev.add_argument("--store")

    ro = sub.add_parser("rollout", help="create and drive rollouts").add_subparsers(dest="action", required=True)
    create = api_parser(ro, "create", "roll a model out: canary, then waves", _create_request)
    create.add_argument("--model", required=True)
    target = create.add_mutually_exclusive_group(required=True)
    target.add_argument("--devices", type=_csv, help="comma-separated device ids")
    target.add_argument("--store")
    target.add_argument("--all", action="store_true")
    create.add_argument("--canary", type=int, default=0, help="devices in the canary stage (default 0)")
    create.add_argument("--waves", type=_waves, default=[100], help="cumulative percentages (default 100)")
    create.add_argument("--abort-on", type=_csv, default=[],
                        help="what aborts instead of pausing: rolled_back,refused,timeout")
    create.add_argument("--stage-timeout", type=float, metavar="SECONDS",
                        help="a device not active this long after its stage started fails (reason timeout)")
    api_parser(ro, "list", "every rollout",
               lambda a: ("GET", "/api/rollouts", None,
                          lambda d: "\n\n".join(render_rollout(r) for r in d["rollouts"]) or "no rollouts"))
    st = api_parser(ro, "status", "one rollout, stage by stage",
                    lambda a: ("GET", f"/api/rollouts/{quote(a.id)}", None, render_rollout))
    st.add_argument("id")
    for action in ("pause", "resume", "abort"):
        act = api_parser(ro, action, f"{action} a rollout",
                         lambda a, action=action: ("POST", f"/api/rollouts/{quote(a.id)}/{action}",
                                                   {"reason": a.reason} if a.reason else {}, render_rollout))
        act.add_argument("id")
        act.add_argument("--reason")

    rb = api_parser(sub, "rollback", "send devices back to an older signed version",
                    lambda a: ("POST", "/api/rollback",
                               {k: v for k, v in (("to", a.to), ("device", a.device), ("store", a.store),
                                                  ("reason", a.reason)) if v is not None}, render_rollout))
    which = rb.add_mutually_exclusive_group(required=True)
    which.add_argument("--device")
    which.add_argument("--store")
    rb.add_argument("--to", required=True, help="model version to go back to")
    rb.add_argument("--reason")

    from fleet.console.cli import add_users_parser  # the web console's users (fleet/console/)

    add_users_parser(sub)
    return p


def main(argv: list[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    return args.func(args)


if __name__ == "__main__":
    sys.exit(main())
