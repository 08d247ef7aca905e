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
    """Change the catalogue after signing (a price), leaving manifest and signature as they were."""
    items = json.loads((bundle / "items.json").read_text())
    items[0]["price"] = 0.01
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
