"""The model bundle: the one contract between the cloud trainer and a store device.

A bundle is a directory (shipped as a ``.tar.gz`` of it) that a device loads with
numpy and LiteRT alone. This module is the only place that knows its layout; the
trainer writes bundles with :func:`write_bundle`, signs them with
:func:`sign_bundle`, and the device reads them with :func:`load_bundle` (a
tarball is unpacked only by :func:`extract_bundle`). Neither side opens the
files by name anywhere else.

Layout (format version 2)::

    bundle/
      manifest.json      format_version, model_version, created_at, dataset_fingerprint,
                         metrics, files: {name: {"sha256", "bytes"}}, golden_k, optional scorer
                         (what the device runs: edge/runtime/scorers.py); fields a
                         device does not know are kept in Manifest.extra, not refused
      signature.json     optional: {"alg": "ed25519", "key_id", "signature"} over the exact
                         bytes of manifest.json (which holds every other file's sha256)
      model.tflite       the deployed (int8) scoring model
      items.json         item vocabulary: position i = model output column i
      feature_spec.json  how to build the model's input tensors (see FeatureSpec)
      golden.json        inputs with their expected top-K, for an on-device smoke test

A bundle is hostile until verified: every file is opened without following
symlinks, bounded in size and validated field by field, and every problem is a
:class:`BundleError` whose message starts with a reason word and names the
file. The signature is checked over the raw manifest bytes *before* anything
in the manifest is trusted.

The model takes two int32 inputs and returns one float32 output:

* ``history`` ``[1, history_length]``: the shopper's most recent item indices,
  oldest first and right-aligned, left-padded with ``history_pad`` (an anonymous
  shopper is all padding).
* ``context`` ``[1, len(context_fields)]``: one vocabulary index per context field
  (department of the zone, hour, weekday, opted-in demographics...). Index 0 of
  every field means "unknown / not given", so a device may always send 0.
* ``scores`` ``[1, num_items]``: a score per catalogue item; higher is better.

The exact TFLite tensor names are recorded in ``feature_spec.json`` because the
converter chooses them; the device resolves them at load time.
"""

from __future__ import annotations

import atexit
import base64
import binascii
import contextlib
import dataclasses
import hashlib
import json
import math
import os
import re
import shutil
import stat
import tarfile
import tempfile
import time
import zlib
from collections.abc import Iterable, Iterator, Mapping, Sequence
from dataclasses import asdict, dataclass, field
from datetime import UTC, datetime
from pathlib import Path, PurePosixPath
from types import MappingProxyType
from typing import TYPE_CHECKING, Any

import numpy as np

if TYPE_CHECKING:  # the device imports cryptography only when it checks a signature
    from cryptography.hazmat.primitives.asymmetric.ed25519 import (
        Ed25519PrivateKey,
        Ed25519PublicKey,
    )

BUNDLE_FORMAT_VERSION = 2
READABLE_FORMAT_VERSIONS = (1, 2, 3)
"""Version 1 is version 2 without the optional fields (signature, scorer): still read.
Version 3 is version 2 whose scorer has a part that reads more of the history than
``history_length`` (``"history"``, :data:`MAX_SCORER_HISTORY`): written only for such a
bundle (:func:`format_version_for`), so a device from before it refuses that bundle
instead of serving the part from the shorter history it would give it (its golden
replay passes: it scores the recorded history whole), and every other bundle stays 2."""
LONG_HISTORY_FORMAT_VERSION = 3
MAX_SCORER_HISTORY = 500
"""The longest history a scorer part may read (``"history"``), and so what a device
keeps per shopper (``edge.state.store.HISTORY_KEEP``): on the grocery5m export the test
shoppers' histories had 200 items at the median, 322 at p90, 650 at most, and
TIFU-KNN's device form gained nothing from 400 items up (docs/model.md, "A longer
history for the baselines' device forms")."""


SCORER_PARTS: dict[str, tuple[str, ...]] = {"own_topk": ("then",), "segmented": ("known", "anonymous")}
"""The scorer kinds that hold other scorers, and under which keys: the one map every walk
of a manifest's ``scorer`` follows (the format version here; the device's history window,
whether it runs the model, and validation in ``edge.runtime.scorers``)."""
NO_PART: Mapping[str, Any] = MappingProxyType({"kind": "popularity"})
"""What a part left out means (``own_topk`` without ``then``)."""


def scorer_parts(spec: Mapping[str, Any]) -> Iterator[Mapping[str, Any]]:
    """``spec`` and every scorer it holds (:data:`SCORER_PARTS`), depth first; a part left
    out is :data:`NO_PART`, one that is not an object is not followed (validation says so)."""
    yield spec
    kind = spec.get("kind")
    for key in SCORER_PARTS.get(kind, ()) if isinstance(kind, str) else ():
        part = spec.get(key, NO_PART)
        if isinstance(part, Mapping):
            yield from scorer_parts(part)


def format_version_for(scorer: Mapping[str, Any] | None) -> int:
    """The format version a bundle with this ``scorer`` is written as (3 when any part
    reads its own ``history``, else 2)."""
    reads_history = scorer is not None and any("history" in part for part in scorer_parts(scorer))
    return LONG_HISTORY_FORMAT_VERSION if reads_history else BUNDLE_FORMAT_VERSION

MANIFEST = "manifest.json"
SIGNATURE = "signature.json"
MODEL = "model.tflite"
ITEMS = "items.json"
FEATURE_SPEC = "feature_spec.json"
GOLDEN = "golden.json"
BUNDLE_FILES = (MODEL, ITEMS, FEATURE_SPEC, GOLDEN)
SIGNATURE_ALG = "ed25519"
PRIVATE_KEY_FILE = "signing.key"
PUBLIC_KEY_FILE = "signing.pub"

# Size limits. A real bundle is a few MB (the Complete Journey int8 model is
# 1.6 MB, its items.json 10 MB); the limits are far above that and far below
# what fills a device's disk or memory.
MAX_FILE_BYTES = 256 << 20
"""Largest single file (the model) in a bundle or tarball."""
MAX_JSON_BYTES = 64 << 20
"""Largest JSON file the device parses (items.json is the big one)."""
MAX_MANIFEST_BYTES = 1 << 20
MAX_TOTAL_BYTES = 512 << 20
"""Largest sum of extracted file sizes, and largest compressed tarball."""
MAX_MEMBERS = 32
"""Most entries in a tarball / files in a manifest."""
MAX_ITEMS = 10_000_000
MAX_HISTORY_LENGTH = 4096
MAX_CONTEXT_FIELDS = 256
MAX_GOLDEN_CASES = 1000

UNKNOWN = 0
"""Context index meaning "unknown / not given"; valid in every context field."""

_SAFE_NAME = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_.\-]{0,127}$")
"""A file name inside a bundle: one plain path component, no separators, no ``..``."""
_MODEL_VERSION = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_.\-]{0,127}$")
"""Model versions name slot directories on a device, so they must be safe path components."""
_SHA256 = re.compile(r"^[0-9a-f]{64}$")
_KEY_ID = re.compile(r"^[0-9a-f]{32}$")

REASONS = (
    "unsigned",  # no signature.json where one is required
    "wrong_key",  # signed, but not by a trusted key (or no key is trusted)
    "tampered",  # a signature or sha256 does not match
    "truncated",  # a file or archive is shorter than it should be
    "wrong_format",  # another format_version
    "malformed",  # not the structure the format defines
    "unsafe",  # a path, link or archive member that could escape the bundle
    "too_large",  # over a size limit
    "missing",  # a file or directory that must exist does not
    "bad_key",  # a key file that is not an Ed25519 key
)


class BundleError(Exception):
    """A bundle that cannot be used.

    The message is ``"<reason>: <file>: <why>"``; ``reason`` is one word of
    :data:`REASONS` (callers count refusals by it). Code outside this module may
    raise it without a reason; it then reads ``"refused"``.
    """

    def __init__(self, message: str, reason: str | None = None) -> None:
        self.reason = reason or "refused"
        super().__init__(f"{reason}: {message}" if reason else message)


@dataclass(frozen=True)
class Item:
    """One catalogue entry; its position in ``items.json`` is its model index."""

    item_id: str
    name: str
    category: str
    department: str
    price: float
    price_band: int = 0
    popularity: float = 0.0
    """Recent sales heat in the training window, used by the no-model fallback."""


@dataclass(frozen=True)
class ContextField:
    """A categorical context input. ``vocab[0]`` is reserved for unknown."""

    name: str
    vocab: list[str]

    def index(self, value: object) -> int:
        if value is None:
            return UNKNOWN
        try:
            return self._lookup[str(value)]
        except KeyError:
            return UNKNOWN

    @property
    def _lookup(self) -> dict[str, int]:
        cached = self.__dict__.get("_lookup_cache")
        if cached is None:
            cached = {v: i for i, v in enumerate(self.vocab) if i != UNKNOWN}
            object.__setattr__(self, "_lookup_cache", cached)
        return cached


@dataclass(frozen=True)
class FeatureSpec:
    """Everything needed to turn a shopper and their context into model inputs."""

    num_items: int
    history_length: int
    history_pad: int
    context_fields: list[ContextField]
    input_tensors: dict[str, str]
    """Logical input name ("history", "context") -> TFLite tensor name."""
    output_tensor: str
    """TFLite tensor name of the ``[1, num_items]`` scores."""
    normalisation: dict[str, Any] = field(default_factory=dict)
    """Constants the trainer used (price bands, time zone...); informative for the device."""

    def encode(
        self, history: Sequence[int], context: Mapping[str, object]
    ) -> dict[str, np.ndarray]:
        """Build the ``history`` and ``context`` input arrays for one shopper.

        ``history`` holds item indices, oldest first; only the last
        ``history_length`` are kept. Unknown context keys or values map to 0.
        """
        hist = np.empty((1, self.history_length), dtype=np.int32)
        self.fill_history(hist, history)
        ctx = np.array([self.context_indices(context)], dtype=np.int32)
        return {"history": hist, "context": ctx}

    def fill_history(self, out: np.ndarray, history: Sequence[int]) -> None:
        """Write ``history`` into a ``[1, history_length]`` buffer in the model's
        layout (last ``history_length`` items, right-aligned, padded). A device
        reuses one buffer per inference instead of allocating."""
        out.fill(self.history_pad)
        recent = history[-self.history_length :]
        if len(recent):
            out[0, -len(recent) :] = recent

    def context_indices(self, context: Mapping[str, object]) -> tuple[int, ...]:
        """One vocabulary index per context field; unknown keys or values are 0."""
        return tuple(f.index(context.get(f.name)) for f in self.context_fields)

    def to_json(self) -> dict[str, Any]:
        return asdict(self)

    @classmethod
    def from_json(cls, data: Mapping[str, Any]) -> FeatureSpec:
        fields = [ContextField(name=f["name"], vocab=list(f["vocab"])) for f in data["context_fields"]]
        return cls(
            num_items=int(data["num_items"]),
            history_length=int(data["history_length"]),
            history_pad=int(data["history_pad"]),
            context_fields=fields,
            input_tensors=dict(data["input_tensors"]),
            output_tensor=str(data["output_tensor"]),
            normalisation=dict(data.get("normalisation", {})),
        )


@dataclass(frozen=True)
class GoldenCase:
    """A fixed input and the top-K the exported model produced for it."""

    history: list[int]
    context: dict[str, str]
    expected_topk: list[int]


@dataclass(frozen=True)
class Manifest:
    format_version: int
    model_version: str
    created_at: str
    dataset_fingerprint: str
    metrics: dict[str, Any]
    files: dict[str, dict[str, Any]]
    golden_k: int = 10
    scorer: dict[str, Any] | None = None
    """What the device runs (``edge.runtime.scorers``): ``{"kind": "model" | "popularity" |
    "own_topk" | "segmented", ...params}``; absent = the TFLite model alone."""
    extra: dict[str, Any] = field(default_factory=dict)
    """Fields this device does not know (written by a newer trainer): kept, not refused."""

    def to_json(self) -> dict[str, Any]:
        data = {f.name: getattr(self, f.name) for f in dataclasses.fields(self) if f.name != "extra"}
        return {**data, **{k: v for k, v in self.extra.items() if k not in data}}


@dataclass
class Bundle:
    """A verified bundle on disk, ready for a device to load its model."""

    path: Path
    manifest: Manifest
    items: list[Item]
    spec: FeatureSpec
    golden: list[GoldenCase]
    signed_by: str | None = None
    """key_id of the trusted key whose signature was checked; None when none was asked for."""

    @property
    def model_path(self) -> Path:
        return self.path / MODEL

    @property
    def model_version(self) -> str:
        return self.manifest.model_version

    def item_index(self) -> dict[str, int]:
        return {item.item_id: i for i, item in enumerate(self.items)}


# ---- writing (trainer side) ----------------------------------------------------


def sha256_file(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as fh:
        for chunk in iter(lambda: fh.read(1 << 20), b""):
            digest.update(chunk)
    return digest.hexdigest()


def write_bundle(
    out_dir: Path,
    *,
    model_bytes: bytes,
    items: Sequence[Item],
    spec: FeatureSpec,
    golden: Sequence[GoldenCase],
    model_version: str,
    dataset_fingerprint: str,
    metrics: Mapping[str, Any],
    golden_k: int = 10,
    make_tarball: bool = True,
    signing_key: Path | None = None,
    scorer: Mapping[str, Any] | None = None,
    scorer_files: Mapping[str, bytes] | None = None,
) -> Manifest:
    """Write a complete bundle to ``out_dir`` (and ``out_dir.tar.gz``).

    ``scorer_files`` (plain name -> bytes) are data files the ``scorer`` reads
    (e.g. an item-neighbour table); they are listed, hashed and signed like the others.

    With ``signing_key`` (a PEM Ed25519 private key) the manifest is signed
    before the tarball is packed, so the tarball carries ``signature.json``.
    """
    if len(items) != spec.num_items:
        raise BundleError(f"{ITEMS}: {len(items)} items but feature spec says {spec.num_items}", "malformed")
    if not _MODEL_VERSION.match(model_version):
        raise BundleError(f"{MANIFEST}: model_version {model_version!r} is not a plain name", "malformed")
    out_dir.mkdir(parents=True, exist_ok=True)
    (out_dir / SIGNATURE).unlink(missing_ok=True)  # a stale signature would not match
    (out_dir / MODEL).write_bytes(model_bytes)
    _write_json(out_dir / ITEMS, [asdict(item) for item in items])
    _write_json(out_dir / FEATURE_SPEC, spec.to_json())
    _write_json(out_dir / GOLDEN, [asdict(case) for case in golden])
    for name, data in (scorer_files or {}).items():
        if not _SAFE_NAME.match(name) or name in (MANIFEST, SIGNATURE, *BUNDLE_FILES):
            raise BundleError(f"{name}: not a plain file name for a scorer file", "malformed")
        (out_dir / name).write_bytes(data)
    files = {
        name: {"sha256": sha256_file(out_dir / name), "bytes": (out_dir / name).stat().st_size}
        for name in (*BUNDLE_FILES, *(scorer_files or {}))
    }
    manifest = Manifest(
        format_version=format_version_for(scorer),
        model_version=model_version,
        created_at=datetime.now(UTC).isoformat(timespec="seconds"),
        dataset_fingerprint=dataset_fingerprint,
        metrics=dict(metrics),
        files=files,
        golden_k=golden_k,
        scorer=dict(scorer) if scorer is not None else None,
    )
    _write_json(out_dir / MANIFEST, manifest.to_json())
    if signing_key is not None:
        sign_bundle(out_dir, signing_key)
    if make_tarball:
        pack_bundle(out_dir, out_dir.with_name(out_dir.name + ".tar.gz"))
    return manifest


def pack_bundle(bundle_dir: Path, tarball: Path) -> Path:
    """Write ``tarball`` (``<dir name>/<file>`` members: manifest, signature if any,
    every listed file). Written to a temporary name and renamed, so a reader
    never sees half an archive."""
    bundle_dir = Path(bundle_dir)
    manifest = _parse_manifest(_read_bytes(bundle_dir, MANIFEST, MAX_MANIFEST_BYTES), bundle_dir / MANIFEST)
    names = [MANIFEST]
    if (bundle_dir / SIGNATURE).is_file():
        names.append(SIGNATURE)
    names += list(manifest.files)
    tarball = Path(tarball)
    tmp = tarball.with_name(tarball.name + ".tmp")
    with tarfile.open(tmp, "w:gz") as tar:
        for name in names:
            tar.add(bundle_dir / name, arcname=f"{bundle_dir.name}/{name}", recursive=False)
    os.replace(tmp, tarball)
    return tarball


# ---- keys and signatures -------------------------------------------------------


def generate_keypair(out_dir: Path) -> str:
    """Write ``out_dir/signing.key`` (PEM PKCS#8, mode 0600) and ``signing.pub``
    (PEM SubjectPublicKeyInfo); return the key id. Never overwrites a key."""
    from cryptography.hazmat.primitives import serialization
    from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

    out_dir = Path(out_dir)
    out_dir.mkdir(parents=True, exist_ok=True)
    private_path, public_path = out_dir / PRIVATE_KEY_FILE, out_dir / PUBLIC_KEY_FILE
    for path in (private_path, public_path):
        if path.exists() or path.is_symlink():
            raise FileExistsError(f"{path}: already exists; refusing to overwrite a key")
    key = Ed25519PrivateKey.generate()
    private_pem = key.private_bytes(
        serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
    )
    public_pem = key.public_key().public_bytes(
        serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo
    )
    # O_EXCL + mode 0600 at creation: the private key is never readable by others,
    # not even for the instant between create and chmod.
    fd = os.open(private_path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(fd, "wb") as fh:
        fh.write(private_pem)
    public_path.write_bytes(public_pem)
    return key_id_of(key.public_key())


def key_id_of(public_key: Ed25519PublicKey) -> str:
    """First 16 bytes (hex) of the sha256 of the raw 32-byte public key."""
    from cryptography.hazmat.primitives import serialization

    raw = public_key.public_bytes(serialization.Encoding.Raw, serialization.PublicFormat.Raw)
    return hashlib.sha256(raw).hexdigest()[:32]


def load_private_key(path: Path) -> Ed25519PrivateKey:
    from cryptography.hazmat.primitives import serialization
    from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

    path = Path(path)
    try:
        key = serialization.load_pem_private_key(path.read_bytes(), password=None)
    except OSError as exc:
        raise BundleError(f"{path}: cannot read private key ({exc.strerror or exc})", "bad_key") from exc
    except (ValueError, TypeError) as exc:
        raise BundleError(f"{path}: not an unencrypted PEM private key ({exc})", "bad_key") from exc
    if not isinstance(key, Ed25519PrivateKey):
        raise BundleError(f"{path}: not an Ed25519 private key", "bad_key")
    return key


def load_public_key(source: Path | str | bytes | Ed25519PublicKey) -> Ed25519PublicKey:
    """A trusted key: a PEM file path, PEM bytes, or a key object."""
    from cryptography.hazmat.primitives import serialization
    from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey

    if isinstance(source, Ed25519PublicKey):
        return source
    name = "<PEM bytes>"
    if isinstance(source, (str, Path)):
        name = str(source)
        try:
            source = Path(source).read_bytes()
        except OSError as exc:
            raise BundleError(f"{name}: cannot read public key ({exc.strerror or exc})", "bad_key") from exc
    try:
        key = serialization.load_pem_public_key(source)
    except (ValueError, TypeError) as exc:
        raise BundleError(f"{name}: not a PEM public key ({exc})", "bad_key") from exc
    if not isinstance(key, Ed25519PublicKey):
        raise BundleError(f"{name}: not an Ed25519 public key", "bad_key")
    return key


def sign_bundle(bundle_dir: Path, private_key_path: Path) -> str:
    """Sign ``bundle_dir/manifest.json`` into ``signature.json``; return the key id.

    The bundle is verified first (hashes, structure): a key holder never signs a
    broken bundle. The signature covers the manifest's exact bytes, and the
    manifest holds every file's sha256, so it covers the whole bundle.
    """
    bundle_dir = Path(bundle_dir)
    key = load_private_key(private_key_path)
    load_bundle(bundle_dir, verify=True)
    manifest_bytes = _read_bytes(bundle_dir, MANIFEST, MAX_MANIFEST_BYTES)
    key_id = key_id_of(key.public_key())
    signature = {
        "alg": SIGNATURE_ALG,
        "key_id": key_id,
        "signature": base64.b64encode(key.sign(manifest_bytes)).decode("ascii"),
    }
    tmp = bundle_dir / (SIGNATURE + ".tmp")
    _write_json(tmp, signature)
    os.replace(tmp, bundle_dir / SIGNATURE)
    return key_id


def verify_signature(
    bundle_dir: Path,
    trusted_public_keys: Iterable[Path | str | bytes | Ed25519PublicKey],
    *,
    manifest_bytes: bytes | None = None,
) -> str:
    """Check ``signature.json`` against the trusted keys; return the signer's key id.

    Raises :class:`BundleError` with reason ``unsigned`` (no signature),
    ``wrong_key`` (a key that is not trusted, or no trusted key at all),
    ``tampered`` (the manifest changed after signing) or ``malformed``.
    """
    from cryptography.exceptions import InvalidSignature

    bundle_dir = Path(bundle_dir)
    trusted = {key_id_of(k): k for k in map(load_public_key, trusted_public_keys)}
    if manifest_bytes is None:
        manifest_bytes = _read_bytes(bundle_dir, MANIFEST, MAX_MANIFEST_BYTES)
    sig_path = bundle_dir / SIGNATURE
    try:
        raw = _read_bytes(bundle_dir, SIGNATURE, 64 << 10)
    except BundleError as exc:
        if exc.reason == "missing":
            raise BundleError(f"{sig_path}: bundle is not signed", "unsigned") from exc
        raise
    data = _parse_json(raw, sig_path)
    if not isinstance(data, dict):
        raise BundleError(f"{sig_path}: must be a JSON object", "malformed")
    if data.get("alg") != SIGNATURE_ALG:
        raise BundleError(f"{sig_path}: alg {_short(data.get('alg'))}, expected {SIGNATURE_ALG!r}", "malformed")
    key_id, sig_b64 = data.get("key_id"), data.get("signature")
    if not isinstance(key_id, str) or not _KEY_ID.match(key_id):
        raise BundleError(f"{sig_path}: key_id must be 32 hex digits", "malformed")
    if not isinstance(sig_b64, str):
        raise BundleError(f"{sig_path}: signature must be a base64 string", "malformed")
    try:
        sig = base64.b64decode(sig_b64, validate=True)
    except (binascii.Error, ValueError) as exc:
        raise BundleError(f"{sig_path}: signature is not base64", "malformed") from exc
    if not trusted:
        raise BundleError(f"{sig_path}: signed by {key_id} but this device trusts no key", "wrong_key")
    key = trusted.get(key_id)
    if key is None:
        raise BundleError(f"{sig_path}: signed by {key_id}, which is not a trusted key", "wrong_key")
    try:
        key.verify(sig, manifest_bytes)
    except InvalidSignature as exc:
        raise BundleError(
            f"{bundle_dir / MANIFEST}: signature by {key_id} does not match (changed after signing)",
            "tampered",
        ) from exc
    return key_id


# ---- reading (device side) -----------------------------------------------------


def load_bundle(
    path: Path,
    *,
    verify: bool = True,
    trusted_keys: Iterable[Path | str | bytes | Ed25519PublicKey] | None = None,
    reuse_items: Bundle | None = None,
) -> Bundle:
    """Read a bundle directory (or ``.tar.gz``), checking format, hashes and,
    when ``trusted_keys`` is given (even empty), the signature.

    ``reuse_items``: a bundle already loaded (the one serving). When this
    manifest lists the same ``items.json`` (sha256 and size), its parsed items
    are shared instead of parsing the file again: parsing 18k items costs
    ~70 ms of CPU (250 ms wall at load 10) with the GIL held, while signals are
    served. With ``verify`` the file on disk is still hashed against the manifest.

    A tarball is unpacked with :func:`extract_bundle` into a new private
    temporary directory, never beside it. Raises :class:`BundleError` naming
    the offending file on any problem, so a device can refuse a bad bundle and
    keep serving with what it has.
    """
    path = Path(path)
    scratch = None
    if path.name.endswith(".tar.gz"):
        scratch = Path(tempfile.mkdtemp(prefix="bundle-"))
        # LiteRT reads the model by path for as long as the process runs: removed at exit.
        atexit.register(shutil.rmtree, scratch, True)
        try:
            path = extract_bundle(path, scratch)
        except BundleError:
            shutil.rmtree(scratch, ignore_errors=True)
            raise
    try:
        return _load_dir(path, verify=verify, trusted_keys=trusted_keys, reuse_items=reuse_items)
    except BundleError:
        if scratch is not None:
            shutil.rmtree(scratch, ignore_errors=True)
        raise
    except (OSError, ValueError, TypeError, KeyError, IndexError, AttributeError, RecursionError) as exc:
        # Containment: a check this module missed still refuses the bundle
        # with its path instead of a traceback. Each known case has its own message.
        if scratch is not None:
            shutil.rmtree(scratch, ignore_errors=True)
        raise BundleError(f"{path}: unreadable bundle ({type(exc).__name__}: {_short(str(exc), 120)})",
                          "malformed") from exc


def _load_dir(path: Path, *, verify: bool, trusted_keys: Iterable[Any] | None,
              reuse_items: Bundle | None = None) -> Bundle:
    if not path.is_dir():
        raise BundleError(f"{path}: not a bundle directory", "missing")
    manifest_bytes = _read_bytes(path, MANIFEST, MAX_MANIFEST_BYTES)
    signed_by = None
    if trusted_keys is not None:
        # Before a single manifest field is believed: the signature is over raw bytes.
        signed_by = verify_signature(path, trusted_keys, manifest_bytes=manifest_bytes)
    manifest = _parse_manifest(manifest_bytes, path / MANIFEST)
    shared = _same_items(manifest, reuse_items)
    contents: dict[str, bytes] = {}
    for name, meta in manifest.files.items():
        is_json = name in (ITEMS, FEATURE_SPEC, GOLDEN) and not (shared is not None and name == ITEMS)
        if is_json:
            contents[name] = data = _read_bytes(path, name, MAX_JSON_BYTES)
            size, digest = len(data), hashlib.sha256(data).hexdigest()
        elif verify:
            size, digest = _hash_file(path, name)
        else:
            continue
        if verify and (digest != meta["sha256"] or size != meta["bytes"]):
            # Neither hash is printed: the manifest's is public, the file's tells an attacker nothing useful.
            reason = "truncated" if size < meta["bytes"] else "tampered"
            raise BundleError(
                f"{path / name}: sha256 does not match the manifest ({size} bytes, manifest says {meta['bytes']})",
                reason,
            )
    if not verify:
        _open_regular(path, MODEL, MAX_FILE_BYTES).close()
    spec = _parse_spec(_parse_json(contents[FEATURE_SPEC], path / FEATURE_SPEC), path / FEATURE_SPEC)
    items = shared if shared is not None else _parse_items(_parse_json(contents[ITEMS], path / ITEMS), path / ITEMS)
    if len(items) != spec.num_items:
        raise BundleError(f"{path / ITEMS}: {len(items)} items, feature spec says {spec.num_items}", "malformed")
    golden = _parse_golden(_parse_json(contents[GOLDEN], path / GOLDEN), path / GOLDEN, spec)
    return Bundle(path=path, manifest=manifest, items=items, spec=spec, golden=golden, signed_by=signed_by)


def _same_items(manifest: Manifest, other: Bundle | None) -> list[Item] | None:
    """``other``'s parsed items when ``manifest`` lists the very same items.json."""
    if other is None:
        return None
    mine, theirs = manifest.files.get(ITEMS), other.manifest.files.get(ITEMS)
    if mine is None or theirs is None:
        return None
    if mine["sha256"] != theirs["sha256"] or mine["bytes"] != theirs["bytes"]:
        return None
    return other.items


def extract_bundle(
    tarball: Path,
    dest_dir: Path,
    *,
    max_file_bytes: int = MAX_FILE_BYTES,
    max_total_bytes: int = MAX_TOTAL_BYTES,
    max_members: int = MAX_MEMBERS,
) -> Path:
    """Unpack a bundle tarball into ``dest_dir`` (created, or empty) and return it.

    Only regular files with plain names are extracted, all at the top of
    ``dest_dir`` (the archive's ``<dir>/`` prefix is dropped): links, devices,
    absolute or ``..`` paths, nested directories, duplicates and anything over
    the size limits refuse the whole archive before a byte is written, and
    ``tarfile``'s ``data`` filter is applied as a second line. Nothing is ever
    written outside ``dest_dir``; on refusal what was written is removed.
    """
    tarball, dest = Path(tarball), Path(dest_dir)
    try:
        size = tarball.stat().st_size
    except OSError as exc:
        raise BundleError(f"{tarball}: cannot read ({exc.strerror or exc})", "missing") from exc
    if size > max_total_bytes:
        raise BundleError(f"{tarball}: {size} bytes, limit {max_total_bytes}", "too_large")
    if dest.is_symlink() or (dest.exists() and (not dest.is_dir() or any(dest.iterdir()))):
        raise BundleError(f"{dest}: extraction target exists and is not an empty directory", "unsafe")
    created = not dest.exists()
    dest.mkdir(parents=True, exist_ok=True)
    names: list[str] = []
    try:
        with tarfile.open(tarball, "r:gz") as tar:
            chosen = _check_members(tar, tarball, max_file_bytes, max_total_bytes, max_members)
            names = [m.name for m in chosen]
            tar.extractall(dest, members=chosen, filter="data")
        for name in names:  # the archive must hold as many bytes as its headers say
            if (dest / name).stat().st_size != next(m.size for m in chosen if m.name == name):
                raise BundleError(f"{tarball}: member {name} is truncated", "truncated")
    except BundleError:
        _remove_extracted(dest, names, created)
        raise
    except (tarfile.TarError, EOFError, zlib.error) as exc:
        _remove_extracted(dest, names, created)
        reason = "truncated" if isinstance(exc, EOFError) or "end" in str(exc).lower() else "malformed"
        raise BundleError(f"{tarball}: not a readable .tar.gz ({_short(str(exc), 100)})", reason) from exc
    except OSError as exc:  # gzip.BadGzipFile, a short read, a full disk
        _remove_extracted(dest, names, created)
        reason = "truncated" if "ended before" in str(exc) else "malformed"
        raise BundleError(f"{tarball}: not a readable .tar.gz ({_short(str(exc), 100)})", reason) from exc
    if MANIFEST not in names:
        _remove_extracted(dest, names, created)
        raise BundleError(f"{tarball}: archive has no {MANIFEST}", "malformed")
    return dest


def _check_members(
    tar: tarfile.TarFile, tarball: Path, max_file: int, max_total: int, max_members: int
) -> list[tarfile.TarInfo]:
    chosen: list[tarfile.TarInfo] = []
    prefixes: set[tuple[str, ...]] = set()
    seen: set[str] = set()
    total = entries = 0
    # Iterating reads headers one by one: a member over a limit stops the scan
    # before its data is decompressed (no gzip bomb is ever inflated).
    for member in tar:
        entries += 1
        if entries > max_members:
            raise BundleError(f"{tarball}: more than {max_members} entries", "too_large")
        raw = member.name
        if raw.startswith(("/", "\\")) or re.match(r"^[A-Za-z]:", raw):
            raise BundleError(f"{tarball}: member {_short(raw)} has an absolute path", "unsafe")
        parts = PurePosixPath(raw).parts
        if ".." in parts or not parts or "\\" in raw:
            raise BundleError(f"{tarball}: member {_short(raw)} leaves the bundle directory", "unsafe")
        if member.isdir():
            if len(parts) > 1:
                raise BundleError(f"{tarball}: nested directory {_short(raw)}", "unsafe")
            continue
        if not member.isreg():
            kind = "symlink" if member.issym() else "hard link" if member.islnk() else "device or special file"
            raise BundleError(f"{tarball}: member {_short(raw)} is a {kind}; only regular files are allowed", "unsafe")
        if len(parts) > 2:
            raise BundleError(f"{tarball}: member {_short(raw)} is nested too deep", "unsafe")
        prefixes.add(parts[:-1])
        name = parts[-1]
        if len(prefixes) > 1:
            raise BundleError(f"{tarball}: members in more than one directory", "unsafe")
        if not _SAFE_NAME.match(name):
            raise BundleError(f"{tarball}: member {_short(raw)} is not a plain file name", "unsafe")
        if name in seen:
            raise BundleError(f"{tarball}: member {_short(raw)} appears twice", "unsafe")
        seen.add(name)
        if member.size > max_file:
            raise BundleError(f"{tarball}: member {name} is {member.size} bytes, limit {max_file}", "too_large")
        total += member.size
        if total > max_total:
            raise BundleError(f"{tarball}: members add up to more than {max_total} bytes", "too_large")
        chosen.append(member.replace(name=name, deep=False))
    if not chosen:
        raise BundleError(f"{tarball}: archive holds no files", "malformed")
    return chosen


def _remove_extracted(dest: Path, names: list[str], created: bool) -> None:
    if created:
        shutil.rmtree(dest, ignore_errors=True)
        return
    for name in names:
        with contextlib.suppress(OSError):
            (dest / name).unlink()


def topk(scores: np.ndarray, k: int) -> np.ndarray:
    """Indices of the ``k`` highest scores, best first; ties go to the lower index, also
    at the cut, as the device's ranker (``edge.reco.ranker.top_k``) takes them. NaN
    ranks last.

    The trainer scores every device-run system with this, so its metrics are the
    device's lists: before, which of several equal scores at the k-th place got in was
    left to ``argpartition`` (:func:`topk_argpartition`), and int8 scores tie often
    (seed 42's validation: 166 of 1,611 top-20 lists differed at the cut)."""
    scores = np.asarray(scores).reshape(-1)
    n = scores.shape[0]
    k = min(k, n)
    if k <= 0:
        return np.zeros(0, dtype=np.int64)
    # max() is NaN if any score is: one pass, no mask, no warning. The k-th value by
    # np.partition needs no negated copy. Together 99 -> 77 us for 18,307 float32 scores
    # (150 -> 103 us float64); the trainer ranks ~10^5 lists a run (performance-log, (m)).
    if np.isnan(scores.max()):
        scores = np.where(np.isnan(scores), -np.inf, scores)
    kth = np.partition(scores, n - k)[n - k]
    above = np.flatnonzero(scores > kth)
    tied = np.flatnonzero(scores == kth)[: k - len(above)]
    chosen = np.concatenate((above, tied))
    return chosen[np.lexsort((chosen, -scores[chosen]))]


def topk_argpartition(scores: np.ndarray, k: int) -> np.ndarray:
    """:func:`topk` as it was before 2026-12-02 (c): ties at the cut as ``argpartition``
    leaves them. Golden cases of bundles built then were recorded with it."""
    scores = np.asarray(scores).reshape(-1)
    k = min(k, scores.shape[0])
    part = np.argpartition(-scores, k - 1)[:k]
    return part[np.lexsort((part, -scores[part]))]


# ---- safe file access and validation ---------------------------------------------


def _open_regular(bundle_dir: Path, name: str, limit: int) -> Any:
    """Open ``bundle_dir/name`` for reading: a plain name, no symlink followed, a
    regular file (not a directory or FIFO), at most ``limit`` bytes."""
    path = bundle_dir / name
    if not _SAFE_NAME.match(name):
        raise BundleError(f"{bundle_dir}: file name {_short(name)} is not a plain name inside the bundle", "unsafe")
    try:
        # O_NOFOLLOW: a symlink is refused, not followed; O_NONBLOCK: a FIFO cannot hang the device.
        fd = os.open(path, os.O_RDONLY | os.O_NOFOLLOW | os.O_NONBLOCK | os.O_CLOEXEC)
    except FileNotFoundError as exc:
        raise BundleError(f"{path}: missing", "missing") from exc
    except OSError as exc:
        if os.path.islink(path):
            raise BundleError(f"{path}: is a symlink; bundles hold regular files only", "unsafe") from exc
        raise BundleError(f"{path}: cannot open ({exc.strerror or exc})", "malformed") from exc
    st = os.fstat(fd)
    if not stat.S_ISREG(st.st_mode):
        os.close(fd)
        kind = "a directory" if stat.S_ISDIR(st.st_mode) else "not a regular file"
        raise BundleError(f"{path}: is {kind}", "malformed")
    if st.st_size > limit:
        os.close(fd)
        raise BundleError(f"{path}: {st.st_size} bytes, limit {limit}", "too_large")
    return os.fdopen(fd, "rb")


def _read_bytes(bundle_dir: Path, name: str, limit: int) -> bytes:
    with _open_regular(bundle_dir, name, limit) as fh:
        data = fh.read(limit + 1)
    if len(data) > limit:  # grew after the fstat
        raise BundleError(f"{bundle_dir / name}: more than {limit} bytes", "too_large")
    return data


def _hash_file(bundle_dir: Path, name: str) -> tuple[int, str]:
    digest, size = hashlib.sha256(), 0
    with _open_regular(bundle_dir, name, MAX_FILE_BYTES) as fh:
        for chunk in iter(lambda: fh.read(1 << 20), b""):
            size += len(chunk)
            if size > MAX_FILE_BYTES:
                raise BundleError(f"{bundle_dir / name}: more than {MAX_FILE_BYTES} bytes", "too_large")
            digest.update(chunk)
    return size, digest.hexdigest()


def _reject_constant(token: str) -> float:
    raise ValueError(f"{token} is not valid JSON")


def _parse_json(data: bytes, path: Path) -> Any:
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise BundleError(f"{path}: not UTF-8 (byte {exc.start})", "malformed") from exc
    try:
        return json.loads(text, parse_constant=_reject_constant)
    except json.JSONDecodeError as exc:
        raise BundleError(f"{path}: invalid JSON at line {exc.lineno} ({exc.msg})", "malformed") from exc
    except (ValueError, RecursionError) as exc:
        raise BundleError(f"{path}: invalid JSON ({_short(str(exc), 80)})", "malformed") from exc


def _short(value: object, limit: int = 40) -> str:
    text = repr(value)
    return text if len(text) <= limit else text[: limit - 3] + "..."


def _want(cond: bool, path: Path, where: str, what: str) -> None:
    if not cond:
        raise BundleError(f"{path}: {where}: {what}", "malformed")


def _is_int(value: object) -> bool:
    return isinstance(value, int) and not isinstance(value, bool)


def _is_number(value: object) -> bool:
    return isinstance(value, (int, float)) and not isinstance(value, bool) and math.isfinite(value)


def _parse_manifest(data: bytes, path: Path) -> Manifest:
    raw = _parse_json(data, path)
    if not isinstance(raw, dict):
        raise BundleError(f"{path}: must be a JSON object, not {type(raw).__name__}", "malformed")
    # format_version first: a newer format is refused as such, whatever else changed.
    version = raw.get("format_version")
    if not _is_int(version):
        raise BundleError(f"{path}: format_version missing or not an integer", "malformed")
    if version not in READABLE_FORMAT_VERSIONS:
        readable = ", ".join(map(str, READABLE_FORMAT_VERSIONS))
        raise BundleError(f"{path}: format_version {version}, this device reads {readable}", "wrong_format")
    mv = raw.get("model_version")
    _want(isinstance(mv, str) and bool(_MODEL_VERSION.match(mv)), path, "model_version",
          f"must be a plain name of letters, digits, '._-' (got {_short(mv)})")
    for key in ("created_at", "dataset_fingerprint"):
        _want(isinstance(raw.get(key), str), path, key, "must be a string")
    _want(isinstance(raw.get("metrics", {}), dict), path, "metrics", "must be an object")
    golden_k = raw.get("golden_k", 10)
    _want(_is_int(golden_k) and 1 <= golden_k <= 1000, path, "golden_k", "must be an integer 1..1000")
    files = raw.get("files")
    _want(isinstance(files, dict), path, "files", f"must be an object {{name: {{sha256, bytes}}}}, not {type(files).__name__}")
    _want(len(files) <= MAX_MEMBERS, path, "files", f"more than {MAX_MEMBERS} entries")
    for name, meta in files.items():
        if not _SAFE_NAME.match(name) or name in (MANIFEST, SIGNATURE):
            raise BundleError(f"{path}: files: {_short(name)} is not a plain file name inside the bundle", "unsafe")
        _want(isinstance(meta, dict), path, f"files.{name}", "must be an object {sha256, bytes}")
        _want(isinstance(meta.get("sha256"), str) and bool(_SHA256.match(meta["sha256"])), path,
              f"files.{name}.sha256", "must be 64 lowercase hex digits")
        _want(_is_int(meta.get("bytes")) and 0 <= meta["bytes"] <= MAX_FILE_BYTES, path,
              f"files.{name}.bytes", f"must be an integer 0..{MAX_FILE_BYTES}")
    missing = [name for name in BUNDLE_FILES if name not in files]
    if missing:
        raise BundleError(f"{path}: does not list {', '.join(missing)}", "malformed")
    known = {f.name for f in dataclasses.fields(Manifest)} - {"extra"}
    return Manifest(
        format_version=version,
        model_version=mv,
        created_at=raw["created_at"],
        dataset_fingerprint=raw["dataset_fingerprint"],
        metrics=dict(raw.get("metrics", {})),
        files={name: dict(meta) for name, meta in files.items()},
        golden_k=golden_k,
        # Checked where it is used (edge.runtime.scorers names the bad field).
        scorer=raw.get("scorer"),
        extra={k: v for k, v in raw.items() if k not in known},
    )


def _parse_spec(raw: Any, path: Path) -> FeatureSpec:
    _want(isinstance(raw, dict), path, "top level", "must be an object")
    n = raw.get("num_items")
    _want(_is_int(n) and 1 <= n <= MAX_ITEMS, path, "num_items", f"must be an integer 1..{MAX_ITEMS}")
    hl = raw.get("history_length")
    _want(_is_int(hl) and 1 <= hl <= MAX_HISTORY_LENGTH, path, "history_length",
          f"must be an integer 1..{MAX_HISTORY_LENGTH}")
    pad = raw.get("history_pad")
    _want(_is_int(pad) and 0 <= pad <= n, path, "history_pad", f"must be an integer 0..{n}")
    fields = raw.get("context_fields")
    _want(isinstance(fields, list) and len(fields) <= MAX_CONTEXT_FIELDS, path, "context_fields",
          f"must be a list of at most {MAX_CONTEXT_FIELDS} fields")
    for i, f in enumerate(fields):
        _want(isinstance(f, dict) and isinstance(f.get("name"), str), path, f"context_fields[{i}]",
              "must be an object with a string name")
        vocab = f.get("vocab")
        _want(isinstance(vocab, list) and len(vocab) >= 1 and all(isinstance(v, str) for v in vocab),
              path, f"context_fields[{i}].vocab", "must be a non-empty list of strings")
    tensors = raw.get("input_tensors")
    _want(isinstance(tensors, dict) and all(isinstance(tensors.get(k), str) for k in ("history", "context")),
          path, "input_tensors", "must map history and context to tensor names")
    _want(isinstance(raw.get("output_tensor"), str), path, "output_tensor", "must be a string")
    _want(isinstance(raw.get("normalisation", {}), dict), path, "normalisation", "must be an object")
    return FeatureSpec.from_json(raw)


_ITEM_TEXT = ("item_id", "name", "category", "department")


YIELD_EVERY_ITEMS = 256
"""``_parse_items`` sleeps(0) after this many items (0: never). On a device an
OTA load parses a new items.json on a background thread while signals are
served; a signal thread that released the GIL (socket, SQLite) otherwise waits
up to the 5 ms switch interval to get it back, once per release."""


def _parse_items(raw: Any, path: Path) -> list[Item]:
    _want(isinstance(raw, list), path, "top level", "must be a list of items")
    _want(len(raw) <= MAX_ITEMS, path, "top level", f"more than {MAX_ITEMS} items")
    items, seen = [], set()
    for i, row in enumerate(raw):
        if not isinstance(row, dict):
            raise BundleError(f"{path}: item {i}: must be an object", "malformed")
        for key in _ITEM_TEXT:
            if not isinstance(row.get(key, "" if key != "item_id" else None), str):
                raise BundleError(f"{path}: item {i}: {key} must be a string, got {_short(row.get(key))}", "malformed")
        for key in ("price", "popularity"):
            if not _is_number(row.get(key, 0.0)):
                raise BundleError(f"{path}: item {i}: {key} must be a finite number, got {_short(row.get(key))}",
                                  "malformed")
        band = row.get("price_band", 0)
        if not _is_int(band):
            raise BundleError(f"{path}: item {i}: price_band must be an integer, got {_short(band)}", "malformed")
        item_id = row["item_id"]
        if item_id in seen:
            raise BundleError(f"{path}: item {i}: item_id {_short(item_id)} appears twice", "malformed")
        seen.add(item_id)
        # Fields a newer trainer adds are ignored, not refused.
        items.append(Item(item_id, row.get("name", ""), row.get("category", ""), row.get("department", ""),
                          float(row.get("price", 0.0)), band, float(row.get("popularity", 0.0))))
        if YIELD_EVERY_ITEMS and i % YIELD_EVERY_ITEMS == YIELD_EVERY_ITEMS - 1:
            time.sleep(0)
    return items


def _parse_golden(raw: Any, path: Path, spec: FeatureSpec) -> list[GoldenCase]:
    _want(isinstance(raw, list) and len(raw) <= MAX_GOLDEN_CASES, path, "top level",
          f"must be a list of at most {MAX_GOLDEN_CASES} cases")
    n = spec.num_items
    cases = []
    for i, row in enumerate(raw):
        where = f"case {i}"
        _want(isinstance(row, dict), path, where, "must be an object")
        history, context, expected = row.get("history"), row.get("context", {}), row.get("expected_topk")
        _want(isinstance(history, list) and len(history) <= 10_000
              and all(_is_int(h) and (0 <= h < n or h == spec.history_pad) for h in history),
              path, f"{where}.history", f"must be a list of item indices 0..{n - 1}")
        _want(isinstance(context, dict) and all(isinstance(v, (str, int, float, bool)) or v is None
                                                for v in context.values()),
              path, f"{where}.context", "must map field names to scalar values")
        _want(isinstance(expected, list) and 1 <= len(expected) <= n
              and all(_is_int(j) and 0 <= j < n for j in expected),
              path, f"{where}.expected_topk", f"must be 1..{n} item indices 0..{n - 1}")
        cases.append(GoldenCase(history=list(history), context=dict(context), expected_topk=list(expected)))
    return cases


def _write_json(path: Path, data: Any) -> None:
    path.write_text(json.dumps(data, indent=1, sort_keys=False) + "\n", encoding="utf-8")
