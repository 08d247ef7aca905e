"""The model registry: signed bundles, recorded once, served as tarballs.

``publish()`` refuses anything a device would refuse -- no signature, a key the
fleet does not trust, a manifest that does not match the files -- so the
registry only ever offers bundles a device can install. It packs its own
tarball from the verified directory (``edge.bundle.pack_bundle``: manifest,
signature and the files the manifest lists, nothing else) and checks that
tarball as a device will, because the trainer's ``bundle.tar.gz`` may predate the signature
(``cloud-trainer sign`` on an existing bundle) and must not be trusted blindly.
"""

from __future__ import annotations

import hashlib
import json
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from edge.bundle import Bundle, BundleError, extract_bundle, load_bundle, pack_bundle
from fleet.storage import Row, Storage


class PublishError(Exception):
    """A bundle the registry refuses; the message starts with a reason word."""

    def __init__(self, reason: str, detail: str) -> None:
        self.reason = reason
        super().__init__(f"{reason}: {detail}")


@dataclass(frozen=True)
class Published:
    version: str
    size: int
    sha256: str
    key_id: str
    artifact: Path
    metrics: dict[str, Any] | None
    note: str | None
    """Why offline metrics are missing, when they are."""


def _load_verified(bundle_dir: Path, trusted_keys: list[Path]) -> Bundle:
    """The bundle, checked as a device checks it (signature by a trusted key,
    every file's sha256, structure), or PublishError with the device's reason word."""
    if not trusted_keys:
        raise PublishError("wrong_key", "no trusted_keys configured: the registry accepts only bundles "
                                        "signed by a key the devices trust")
    try:
        bundle = load_bundle(bundle_dir, verify=True, trusted_keys=trusted_keys)
    except BundleError as exc:
        raise PublishError(exc.reason, str(exc).removeprefix(f"{exc.reason}: ")) from None
    if bundle.signed_by is None:  # load_bundle checked a signature because keys were given
        raise PublishError("unsigned", f"{bundle_dir}: no signature was verified")
    return bundle


def _offline_metrics(bundle_dir: Path, version: str) -> tuple[dict[str, Any] | None, str | None]:
    """Metrics from the trainer's ``report.json`` beside the bundle, if it is this bundle's report."""
    report_path = bundle_dir.parent / "report.json"
    if not report_path.is_file():
        return None, f"{report_path}: not found, no offline metrics recorded"
    try:
        report = json.loads(report_path.read_text(encoding="utf-8"))
    except (OSError, ValueError) as exc:
        return None, f"{report_path}: unreadable ({exc}), no offline metrics recorded"
    if not isinstance(report, dict):
        return None, f"{report_path}: not a JSON object, no offline metrics recorded"
    reported = (report.get("bundle") or {}).get("model_version")
    if reported != version:
        return None, f"{report_path}: describes {reported!r}, not {version!r}; no offline metrics recorded"
    keep = {k: report[k] for k in ("dataset", "created_at", "metrics", "parity", "sizes", "train_seconds")
            if k in report}
    return keep, None


def _pack(bundle_dir: Path, dest: Path) -> tuple[int, str]:
    """The tarball devices download (edge.bundle's own layout); returns (size, sha256)."""
    pack_bundle(bundle_dir, dest)
    digest = hashlib.sha256()
    with dest.open("rb") as fh:
        for chunk in iter(lambda: fh.read(1 << 20), b""):
            digest.update(chunk)
    return dest.stat().st_size, digest.hexdigest()


def publish(storage: Storage, bundle_dir: Path, *, trusted_keys: list[Path], artifact_dir: Path) -> Published:
    """Verify a signed bundle directory and record it in the registry."""
    bundle_dir = Path(bundle_dir)
    if not (bundle_dir / "manifest.json").is_file():
        raise PublishError("missing", f"{bundle_dir}: not a bundle directory (no manifest.json)")
    bundle = _load_verified(bundle_dir, trusted_keys)
    key_id = bundle.signed_by
    assert key_id is not None
    version = bundle.manifest.model_version
    if storage.one("SELECT version FROM models WHERE version = ?", (version,)):
        raise PublishError("exists", f"model {version} is already in the registry")
    metrics, note = _offline_metrics(bundle_dir, version)
    artifact_dir.mkdir(parents=True, exist_ok=True)
    name = f"{version}.tar.gz"
    manifest = json.loads((bundle_dir / "manifest.json").read_text(encoding="utf-8"))
    size, sha = _pack(bundle_dir, artifact_dir / name)
    # The tarball must hold what was verified: re-check it as a device will.
    try:
        with tempfile.TemporaryDirectory(prefix="fleet-publish-") as scratch:
            load_bundle(extract_bundle(artifact_dir / name, Path(scratch) / "bundle"), verify=True,
                        trusted_keys=trusted_keys)
    except BundleError as exc:
        (artifact_dir / name).unlink(missing_ok=True)
        raise PublishError(exc.reason, f"packed tarball does not verify: {exc}") from None
    with storage.tx():
        storage.execute(
            "INSERT INTO models (version, created_at, published_at, size, sha256, key_id, artifact,"
            " metrics_json, manifest_json, source) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
            (version, bundle.manifest.created_at, time.time(), size, sha, key_id, name,
             json.dumps(metrics) if metrics is not None else None, json.dumps(manifest), str(bundle_dir)))
        storage.execute(
            "INSERT INTO events (ts, kind, model_version, reason, detail_json) VALUES (?, ?, ?, ?, ?)",
            (time.time(), "model_published", version, note,
             json.dumps({"sha256": sha, "size": size, "key_id": key_id})))
    return Published(version, size, sha, key_id, artifact_dir / name, metrics, note)


def model_json(row: Row) -> dict[str, Any]:
    return {
        "version": row["version"], "created_at": row["created_at"], "published_at": row["published_at"],
        "size": row["size"], "sha256": row["sha256"], "key_id": row["key_id"], "artifact": row["artifact"],
        "metrics": json.loads(row["metrics_json"]) if row["metrics_json"] else None,
    }


def list_models(storage: Storage) -> list[dict[str, Any]]:
    return [model_json(r) for r in storage.query("SELECT * FROM models ORDER BY published_at DESC")]


def get_model(storage: Storage, version: str) -> Row | None:
    return storage.one("SELECT * FROM models WHERE version = ?", (version,))


