"""Decide whether a downloaded bundle may serve, and say why not in one word.

Checks, in order (the first failure refuses the bundle; the device keeps
serving what it has):

=============  ==============================================================
reason         when
=============  ==============================================================
truncated      fewer bytes than the desired state's ``size``, or the gzip/tar
               stream ends early (a cut download that was served as complete)
tampered       the tarball's sha256 differs from the desired state; more
               bytes than ``size``; a file's hash differs from the signed
               manifest; the signature does not match the manifest bytes
unsigned       no ``signature.json`` (and signatures are required)
wrong_key      signed, but by no key this device trusts
downgrade      the bundle was built before the active one (signed
               ``created_at``) and the desired state did not ask for a rollback
wrong_shape    the model's tensors or catalogue do not match its feature spec
               (LiteRT would score the wrong items, or fail)
smoke_failed   the golden inputs no longer give the trainer's top-K
bad_bundle     anything else that makes the bundle unreadable (format version,
               malformed JSON, unsafe archive member)
=============  ==============================================================

The signature is what makes a bundle trusted: the desired-state message and
the artifact server only say where to find it (see ``docs/ota.md``).
"""

from __future__ import annotations

import gzip
import hashlib
import tarfile
import zlib
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

from edge import bundle as bundle_mod
from edge.bundle import Bundle, BundleError, load_bundle

REASONS = ("truncated", "tampered", "unsigned", "wrong_key", "downgrade", "wrong_shape",
           "smoke_failed", "too_large", "bad_bundle")
_BUNDLE_REASONS = {"unsafe": "tampered", "missing": "tampered"}
"""edge.bundle's own reason words that mean something else here (an archive
member leaving the bundle directory is an attack, not a format problem)."""


class Refused(Exception):
    """A bundle that must not serve. ``reason`` is one word of :data:`REASONS`."""

    def __init__(self, reason: str, detail: str) -> None:
        super().__init__(f"{reason}: {detail}")
        self.reason = reason
        self.detail = detail


def sha256_of(path: Path) -> str:
    digest = hashlib.sha256()
    with open(path, "rb") as fh:
        for chunk in iter(lambda: fh.read(1 << 20), b""):
            digest.update(chunk)
    return digest.hexdigest()


def gzip_complete(path: Path) -> bool:
    """Whether the gzip stream of ``path`` runs to its end marker."""
    try:
        with gzip.open(path, "rb") as fh:
            while fh.read(1 << 20):
                pass
    except (EOFError, zlib.error, gzip.BadGzipFile, OSError):
        return False
    return True


def check_artifact(path: Path, *, sha256: str, size: int) -> None:
    """The downloaded tarball is exactly what the desired state names."""
    actual_size = path.stat().st_size
    if actual_size < size:
        raise Refused("truncated", f"{path.name}: {actual_size} of {size} bytes")
    if actual_size > size:
        raise Refused("tampered", f"{path.name}: {actual_size} bytes, desired state says {size}")
    actual = sha256_of(path)
    # A cut archive is "truncated" even when a server stored it cut and hashed
    # it that way: the reason says what is wrong with the bytes.
    if not gzip_complete(path):
        raise Refused("truncated", f"{path.name}: gzip stream ends early")
    if actual != sha256:
        raise Refused("tampered", f"{path.name}: sha256 {actual[:16]}... != desired {sha256[:16]}...")


def extract(tarball: Path, dest: Path) -> Path:
    """Unpack the tarball into ``dest`` safely; the bundle directory inside it is returned."""
    extract_fn = getattr(bundle_mod, "extract_bundle", None)
    try:
        if extract_fn is not None:
            return Path(extract_fn(tarball, dest))
        with tarfile.open(tarball, "r:gz") as tar:
            tar.extractall(dest, filter="data")
    except (EOFError, zlib.error, gzip.BadGzipFile) as exc:
        raise Refused("truncated", f"{tarball.name}: archive ends early ({exc})") from exc
    except (tarfile.TarError, OSError) as exc:
        text = str(exc)
        if "unexpected end" in text.lower() or "compressed file ended" in text.lower():
            raise Refused("truncated", f"{tarball.name}: {text}") from exc
        raise Refused("bad_bundle", f"{tarball.name}: {text}") from exc
    except BundleError as exc:
        raise _classify(exc, default="bad_bundle") from exc
    dirs = [p for p in dest.iterdir() if p.is_dir()]
    if (dest / bundle_mod.MANIFEST).is_file():
        return dest
    if len(dirs) == 1 and (dirs[0] / bundle_mod.MANIFEST).is_file():
        return dirs[0]
    raise Refused("bad_bundle", f"{tarball.name}: no {bundle_mod.MANIFEST} in the archive")


def _classify(exc: BundleError, *, default: str) -> Refused:
    """Map a BundleError to a reason word (the signature API starts its messages with one)."""
    text = str(exc)
    word = getattr(exc, "reason", None)
    word = _BUNDLE_REASONS.get(word, word)
    if word in REASONS:
        return Refused(word, text.removeprefix(f"{getattr(exc, 'reason', '')}: "))
    word = text.split(":", 1)[0].strip()
    if word in REASONS:
        return Refused(word, text.split(":", 1)[1].strip() if ":" in text else text)
    lowered = text.lower()
    if "does not match manifest" in lowered or "listed in manifest but missing" in lowered:
        return Refused("tampered", text)
    if "feature spec says" in lowered or "contract says" in lowered or "not in the model" in lowered:
        return Refused("wrong_shape", text)
    return Refused(default, text)


def check_signature(path: Path, trusted_keys: list[Path], *, required: bool) -> str | None:
    """The key id that signed the bundle, or None when unsigned and not required."""
    verify_signature = getattr(bundle_mod, "verify_signature", None)
    signed = (path / "signature.json").exists()
    if not signed:
        if required:
            raise Refused("unsigned", f"{path.name}: no signature.json")
        return None
    if verify_signature is None:
        raise Refused("bad_bundle", "this device cannot check signatures (edge.bundle has no verify_signature)")
    try:
        return str(verify_signature(path, trusted_keys))
    except BundleError as exc:
        raise _classify(exc, default="tampered") from exc


def _parse_time(text: str | None) -> datetime | None:
    try:
        return datetime.fromisoformat(str(text))
    except (TypeError, ValueError):
        return None


def _created(bundle: Bundle) -> datetime | None:
    return _parse_time(bundle.manifest.created_at)


def check_bundle(
    path: Path,
    *,
    trusted_keys: list[Path],
    require_signature: bool = True,
    active: Bundle | None = None,
    active_created_at: str | None = None,
    allow_downgrade: bool = False,
    expected_version: str | None = None,
) -> tuple[Bundle, str | None]:
    """Signature, manifest hashes, version and anti-downgrade of an extracted bundle.

    ``active`` (or just its signed ``created_at``): the bundle serving now.
    Returns the loaded bundle and the signing key id."""
    key_id = check_signature(path, trusted_keys, required=require_signature)
    try:
        bundle = load_bundle(path, verify=True)
    except BundleError as exc:
        raise _classify(exc, default="bad_bundle") from exc
    if expected_version is not None and bundle.model_version != expected_version:
        raise Refused("tampered", f"manifest model_version {bundle.model_version!r}, "
                                  f"desired state says {expected_version!r}")
    if active is not None:
        active_created_at = active.manifest.created_at
    if active_created_at is not None and not allow_downgrade:
        new, old = _created(bundle), _parse_time(active_created_at)
        if new is not None and old is not None and new < old:
            raise Refused("downgrade", f"{bundle.model_version} (built {bundle.manifest.created_at}) "
                                       f"is older than the active model (built {active_created_at}); "
                                       f"not an explicit rollback")
    return bundle, key_id


def check_shape(bundle: Bundle, *, smoke_test: bool = True):
    """Load the model in LiteRT (tensor shapes against the feature spec) and run
    the golden cases. Returns the ready scorer (:class:`~edge.runtime.model.Scorer`
    or the bundle-declared kind of :mod:`edge.runtime.scorers`)."""
    from edge.runtime.model import Scorer
    from edge.runtime.scorers import build_scorer

    try:
        scorer = build_scorer(bundle, Scorer)  # the scorer kind the manifest declares
    except BundleError as exc:
        raise _classify(exc, default="wrong_shape") from exc
    if smoke_test:
        result = scorer.smoke_test()
        if not result.ok:
            raise Refused("smoke_failed", "; ".join(result.failures)[:300])
    return scorer


@dataclass
class BootCheck:
    """What :func:`verify_slot` returns for a slot that may serve."""

    bundle: Bundle
    scorer: object
    key_id: str | None


def verify_slot(path: Path, *, trusted_keys: list[Path], require_signature: bool = True,
                smoke_test: bool = True) -> BootCheck:
    """Everything a boot checks before serving a slot (no downgrade check: the
    slot was accepted when it was installed)."""
    bundle, key_id = check_bundle(path, trusted_keys=trusted_keys, require_signature=require_signature)
    return BootCheck(bundle=bundle, scorer=check_shape(bundle, smoke_test=smoke_test), key_id=key_id)
