"""The model bundle: the one contract between the cloud trainer and a store device.

A bundle is a directory (shipped as a ``.tar.gz`` of it) that a device loads with
numpy and LiteRT alone. This module is the only place that knows its layout; the
trainer writes bundles with :func:`write_bundle` and the device reads them with
:func:`load_bundle`. Neither side opens the files by name anywhere else.

Layout (format version 1)::

    bundle/
      manifest.json      format_version, model_version, created_at, dataset_fingerprint,
                         metrics, files: {name: {"sha256", "bytes"}}
      model.tflite       the deployed (int8) scoring model
      items.json         item vocabulary: position i = model output column i
      feature_spec.json  how to build the model's input tensors (see FeatureSpec)
      golden.json        inputs with their expected top-K, for an on-device smoke test

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

import hashlib
import json
import tarfile
from collections.abc import Mapping, Sequence
from dataclasses import asdict, dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import numpy as np

BUNDLE_FORMAT_VERSION = 1

MANIFEST = "manifest.json"
MODEL = "model.tflite"
ITEMS = "items.json"
FEATURE_SPEC = "feature_spec.json"
GOLDEN = "golden.json"
BUNDLE_FILES = (MODEL, ITEMS, FEATURE_SPEC, GOLDEN)

UNKNOWN = 0
"""Context index meaning "unknown / not given"; valid in every context field."""


class BundleError(Exception):
    """A bundle that cannot be used. The message names the file and the reason."""


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


@dataclass
class Bundle:
    """A verified bundle on disk, ready for a device to load its model."""

    path: Path
    manifest: Manifest
    items: list[Item]
    spec: FeatureSpec
    golden: list[GoldenCase]

    @property
    def model_path(self) -> Path:
        return self.path / MODEL

    @property
    def model_version(self) -> str:
        return self.manifest.model_version

    def item_index(self) -> dict[str, int]:
        return {item.item_id: i for i, item in enumerate(self.items)}


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
) -> Manifest:
    """Write a complete bundle to ``out_dir`` (and ``out_dir.tar.gz``)."""
    if len(items) != spec.num_items:
        raise BundleError(f"{ITEMS}: {len(items)} items but feature spec says {spec.num_items}")
    out_dir.mkdir(parents=True, exist_ok=True)
    (out_dir / MODEL).write_bytes(model_bytes)
    _write_json(out_dir / ITEMS, [asdict(item) for item in items])
    _write_json(out_dir / FEATURE_SPEC, spec.to_json())
    _write_json(out_dir / GOLDEN, [asdict(case) for case in golden])
    files = {
        name: {"sha256": sha256_file(out_dir / name), "bytes": (out_dir / name).stat().st_size}
        for name in BUNDLE_FILES
    }
    manifest = Manifest(
        format_version=BUNDLE_FORMAT_VERSION,
        model_version=model_version,
        created_at=datetime.now(UTC).isoformat(timespec="seconds"),
        dataset_fingerprint=dataset_fingerprint,
        metrics=dict(metrics),
        files=files,
        golden_k=golden_k,
    )
    _write_json(out_dir / MANIFEST, asdict(manifest))
    if make_tarball:
        with tarfile.open(out_dir.with_name(out_dir.name + ".tar.gz"), "w:gz") as tar:
            for name in (MANIFEST, *BUNDLE_FILES):
                tar.add(out_dir / name, arcname=f"{out_dir.name}/{name}")
    return manifest


def load_bundle(path: Path, *, verify: bool = True) -> Bundle:
    """Read a bundle directory (or ``.tar.gz``), checking format and hashes.

    Raises :class:`BundleError` naming the offending file on any problem, so a
    device can refuse a bad bundle and keep serving with what it has.
    """
    path = Path(path)
    if path.suffixes[-2:] == [".tar", ".gz"]:
        path = _extract(path)
    if not path.is_dir():
        raise BundleError(f"{path}: not a bundle directory")
    manifest_data = _read_json(path / MANIFEST)
    try:
        manifest = Manifest(**manifest_data)
    except TypeError as exc:
        raise BundleError(f"{path / MANIFEST}: malformed manifest ({exc})") from exc
    if manifest.format_version != BUNDLE_FORMAT_VERSION:
        raise BundleError(
            f"{path / MANIFEST}: format_version {manifest.format_version}, "
            f"this device reads {BUNDLE_FORMAT_VERSION}"
        )
    missing = [name for name in BUNDLE_FILES if name not in manifest.files]
    if missing:
        raise BundleError(f"{path / MANIFEST}: does not list {', '.join(missing)}")
    if verify:
        for name, meta in manifest.files.items():
            file = path / name
            if not file.is_file():
                raise BundleError(f"{file}: listed in manifest but missing")
            actual = sha256_file(file)
            if actual != meta.get("sha256"):
                raise BundleError(f"{file}: sha256 {actual} does not match manifest")
    try:
        items = [Item(**row) for row in _read_json(path / ITEMS)]
        spec = FeatureSpec.from_json(_read_json(path / FEATURE_SPEC))
        golden = [GoldenCase(**row) for row in _read_json(path / GOLDEN)]
    except (TypeError, KeyError, ValueError) as exc:
        raise BundleError(f"{path}: malformed bundle file ({exc})") from exc
    if len(items) != spec.num_items:
        raise BundleError(f"{path / ITEMS}: {len(items)} items, feature spec says {spec.num_items}")
    return Bundle(path=path, manifest=manifest, items=items, spec=spec, golden=golden)


def topk(scores: np.ndarray, k: int) -> np.ndarray:
    """Indices of the ``k`` highest scores, best first (ties: lower index first)."""
    scores = np.asarray(scores).reshape(-1)
    k = min(k, scores.shape[0])
    part = np.argpartition(-scores, k - 1)[:k]
    return part[np.lexsort((part, -scores[part]))]


def _extract(tarball: Path) -> Path:
    target = tarball.parent / tarball.name[: -len(".tar.gz")]
    with tarfile.open(tarball, "r:gz") as tar:
        tar.extractall(tarball.parent, filter="data")
    if not target.is_dir():
        raise BundleError(f"{tarball}: archive does not contain {target.name}/")
    return target


def _write_json(path: Path, data: Any) -> None:
    path.write_text(json.dumps(data, indent=1, sort_keys=False) + "\n", encoding="utf-8")


def _read_json(path: Path) -> Any:
    try:
        return json.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError as exc:
        raise BundleError(f"{path}: missing") from exc
    except json.JSONDecodeError as exc:
        raise BundleError(f"{path}: invalid JSON at line {exc.lineno} ({exc.msg})") from exc
