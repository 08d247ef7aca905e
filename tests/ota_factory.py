"""Bundles for OTA tests and the OTA benchmark: good ones and each kind of attack.

Every variant starts from a real bundle (tests/bundle_factory.py or a trained
one) copied into a new directory, changed the way an attacker or a fault would
change it, and packed as the tarball a fleet server would serve. Nothing here
trains: copies only, so a benchmark run builds all its variants in a second.
"""

from __future__ import annotations

import hashlib
import json
import shutil
import tarfile
from dataclasses import dataclass
from pathlib import Path

from edge.bundle import BUNDLE_FILES, MANIFEST, sha256_file


@dataclass(frozen=True)
class Artifact:
    version: str
    tarball: Path
    sha256: str
    size: int


def _manifest(bundle: Path) -> dict:
    return json.loads((bundle / MANIFEST).read_text())


def reseal(bundle: Path) -> None:
    """Recompute every file hash in the manifest (what a build does), dropping any signature."""
    manifest = _manifest(bundle)
    manifest["files"] = {
        name: {"sha256": sha256_file(bundle / name), "bytes": (bundle / name).stat().st_size}
        for name in BUNDLE_FILES if (bundle / name).exists()
    }
    (bundle / MANIFEST).write_text(json.dumps(manifest, indent=1) + "\n")
    (bundle / "signature.json").unlink(missing_ok=True)


def variant(src: Path, dst: Path, *, version: str, created_at: str | None = None) -> Path:
    """A copy of ``src`` as model ``version`` (optionally built at ``created_at``), unsigned."""
    if dst.exists():
        shutil.rmtree(dst)
    shutil.copytree(src, dst)
    manifest = _manifest(dst)
    manifest["model_version"] = version
    if created_at is not None:
        manifest["created_at"] = created_at
    (dst / MANIFEST).write_text(json.dumps(manifest, indent=1) + "\n")
    reseal(dst)
    return dst


def sign(bundle: Path, private_key: Path) -> str:
    from edge.bundle import sign_bundle  # type: ignore[attr-defined]

    return sign_bundle(bundle, private_key)


def generate_keys(out: Path) -> tuple[Path, Path]:
    """An Ed25519 key pair as ``cloud-trainer keys generate`` writes it."""
    from edge import bundle as b

    gen = getattr(b, "generate_keypair", None)
    if gen is not None:
        result = gen(out)
        if isinstance(result, tuple):
            return Path(result[0]), Path(result[1])
        return out / "signing.key", out / "signing.pub"
    from cryptography.hazmat.primitives import serialization
    from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

    out.mkdir(parents=True, exist_ok=True)
    key = Ed25519PrivateKey.generate()
    (out / "signing.key").write_bytes(key.private_bytes(
        serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()))
    (out / "signing.pub").write_bytes(key.public_key().public_bytes(
        serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo))
    return out / "signing.key", out / "signing.pub"


def pack(bundle: Path, out: Path | None = None) -> Artifact:
    """The bundle directory as ``<version>.tar.gz`` (one top-level folder), with its sha256."""
    version = _manifest(bundle)["model_version"]
    out = out or bundle.parent / f"{bundle.name}.tar.gz"
    with tarfile.open(out, "w:gz") as tar:
        for p in sorted(bundle.iterdir()):
            tar.add(p, arcname=f"{version}/{p.name}")
    return Artifact(version, out, hashlib.sha256(out.read_bytes()).hexdigest(), out.stat().st_size)


def tamper(bundle: Path) -> None:
    """Change the catalogue after signing (a product name made longer, so the file does not
    shrink: a shorter file reads as truncated), leaving manifest and signature as they were."""
    items = json.loads((bundle / "items.json").read_text())
    items[0]["name"] = items[0]["name"] + " (now on offer)"
    (bundle / "items.json").write_text(json.dumps(items, indent=1) + "\n")


def wrong_shape(bundle: Path) -> None:
    """A feature spec that disagrees with the model (two more items than it scores), resealed:
    the signature can be valid while the bundle cannot serve."""
    spec = json.loads((bundle / "feature_spec.json").read_text())
    spec["num_items"] += 2
    (bundle / "feature_spec.json").write_text(json.dumps(spec, indent=1) + "\n")
    items = json.loads((bundle / "items.json").read_text())
    items += [dict(items[-1], item_id=f"{items[-1]['item_id']}-x{i}") for i in range(2)]
    (bundle / "items.json").write_text(json.dumps(items, indent=1) + "\n")
    reseal(bundle)


def truncate(artifact: Artifact, keep: float = 0.5) -> Artifact:
    """The tarball cut to ``keep`` of its bytes, announced with its full size and the truncated hash
    (a server that stores a cut upload as if complete)."""
    data = artifact.tarball.read_bytes()[: int(artifact.size * keep)]
    out = artifact.tarball.with_name(f"{artifact.version}-truncated.tar.gz")
    out.write_bytes(data)
    return Artifact(artifact.version, out, hashlib.sha256(data).hexdigest(), artifact.size)


class ArtifactServer:
    """A small real HTTP artifact server for tests (bearer token, Range, faults).

    ``cut_next[name] = n`` ends the next response for ``name`` after ``n`` bytes
    (a flaky uplink); ``throttle_bps`` paces every response (a slow one)."""

    def __init__(self, root: Path, *, token: str = "device-token", throttle_bps: int | None = None) -> None:
        import threading
        from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

        self.root, self.token, self.throttle_bps = root, token, throttle_bps
        self.cut_next: dict[str, int] = {}
        self.requests: list[tuple[str, str | None]] = []
        outer = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, *a) -> None:
                pass

            def do_GET(self) -> None:
                import time as _t

                name = self.path.rsplit("/", 1)[-1]
                outer.requests.append((name, self.headers.get("Range")))
                path = outer.root / name
                if self.headers.get("Authorization") != f"Bearer {outer.token}" or not path.is_file():
                    self.send_response(401 if path.is_file() else 404)
                    self.send_header("Content-Length", "0")
                    self.end_headers()
                    return
                data = path.read_bytes()
                start = 0
                rng = self.headers.get("Range")
                if rng:
                    start = int(rng.split("=")[1].split("-")[0])
                    if start >= len(data):
                        self.send_response(416)
                        self.send_header("Content-Length", "0")
                        self.end_headers()
                        return
                    self.send_response(206)
                    self.send_header("Content-Range", f"bytes {start}-{len(data) - 1}/{len(data)}")
                else:
                    self.send_response(200)
                body = data[start:]
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                cut = outer.cut_next.pop(name, None)
                if cut is not None:
                    body = body[:cut]
                step = 16384
                try:
                    for i in range(0, len(body), step):
                        self.wfile.write(body[i:i + step])
                        if outer.throttle_bps:
                            _t.sleep(step / outer.throttle_bps)
                except OSError:
                    return
                if cut is not None:
                    self.wfile.flush()
                    self.connection.shutdown(2)

        self.httpd = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.base = f"http://127.0.0.1:{self.httpd.server_address[1]}/artifacts"
        threading.Thread(target=self.httpd.serve_forever, daemon=True).start()

    def add(self, artifact: Artifact, name: str | None = None) -> str:
        name = name or artifact.tarball.name
        shutil.copyfile(artifact.tarball, self.root / name)
        return f"{self.base}/{name}"

    def close(self) -> None:
        self.httpd.shutdown()
        self.httpd.server_close()


def desired(device_id: str, artifact: Artifact, url: str, *, key_id: str = "test", rollout_id: str = "r1",
            allow_downgrade: bool = False, size: int | None = None) -> dict:
    """A DesiredState payload (edge/comms/topics.py) for ``artifact``."""
    import time as _t

    return {"v": 1, "device_id": device_id, "model_version": artifact.version, "artifact_url": url,
            "sha256": artifact.sha256, "size": size or artifact.size, "key_id": key_id,
            "rollout_id": rollout_id, "allow_downgrade": allow_downgrade, "ts": _t.time()}
