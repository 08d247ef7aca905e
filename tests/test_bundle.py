"""The bundle format contract: write, load, verify, refuse."""

import json
from pathlib import Path

import numpy as np
import pytest

from edge.bundle import (
    BUNDLE_FORMAT_VERSION,
    BundleError,
    ContextField,
    FeatureSpec,
    GoldenCase,
    Item,
    load_bundle,
    topk,
    write_bundle,
)


def _spec(n: int = 3) -> FeatureSpec:
    return FeatureSpec(
        num_items=n,
        history_length=4,
        history_pad=n,
        context_fields=[
            ContextField("department", ["<unk>", "PRODUCE", "DELI"]),
            ContextField("hour", ["<unk>", *map(str, range(24))]),
        ],
        input_tensors={"history": "serving_history:0", "context": "serving_context:0"},
        output_tensor="StatefulPartitionedCall:0",
    )


def _write(tmp_path: Path) -> Path:
    items = [Item(str(100 + i), f"item {i}", "cat", "PRODUCE", 1.5 * i) for i in range(3)]
    write_bundle(
        tmp_path / "bundle",
        model_bytes=b"TFL3 not really a model",
        items=items,
        spec=_spec(),
        golden=[GoldenCase(history=[0, 1], context={"hour": "9"}, expected_topk=[2, 0, 1])],
        model_version="test-1",
        dataset_fingerprint="abc",
        metrics={"recall@20": 0.5},
    )
    return tmp_path / "bundle"


def test_round_trip_directory_and_tarball(tmp_path: Path) -> None:
    path = _write(tmp_path)
    for source in (path, tmp_path / "bundle.tar.gz"):
        bundle = load_bundle(source)
        assert bundle.manifest.format_version == BUNDLE_FORMAT_VERSION
        assert bundle.model_version == "test-1"
        assert [i.item_id for i in bundle.items] == ["100", "101", "102"]
        assert bundle.item_index()["102"] == 2
        assert bundle.golden[0].expected_topk == [2, 0, 1]
        assert bundle.model_path.read_bytes().startswith(b"TFL3")


def test_tampered_file_is_refused_naming_it(tmp_path: Path) -> None:
    path = _write(tmp_path)
    (path / "items.json").write_text("[]\n")
    with pytest.raises(BundleError, match=r"items\.json: sha256 .* does not match manifest"):
        load_bundle(path)


def test_missing_file_and_wrong_version_are_refused(tmp_path: Path) -> None:
    path = _write(tmp_path)
    (path / "golden.json").unlink()
    with pytest.raises(BundleError, match="golden.json: listed in manifest but missing"):
        load_bundle(path)
    path = _write(tmp_path / "again")
    manifest = json.loads((path / "manifest.json").read_text())
    manifest["format_version"] = 99
    (path / "manifest.json").write_text(json.dumps(manifest))
    with pytest.raises(BundleError, match="format_version 99"):
        load_bundle(path)


def test_invalid_manifest_json_names_line(tmp_path: Path) -> None:
    path = _write(tmp_path)
    (path / "manifest.json").write_text("{\n  oops\n")
    with pytest.raises(BundleError, match=r"manifest.json: invalid JSON at line 2"):
        load_bundle(path)


def test_encode_pads_truncates_and_maps_unknown_to_zero() -> None:
    spec = _spec()
    enc = spec.encode([0, 1], {"department": "DELI", "hour": "25", "age": "45-54"})
    assert enc["history"].tolist() == [[3, 3, 0, 1]]
    assert enc["context"].tolist() == [[2, 0]]
    assert enc["history"].dtype == np.int32 and enc["context"].dtype == np.int32
    long = spec.encode([0, 1, 2, 0, 1, 2], {})
    assert long["history"].tolist() == [[2, 0, 1, 2]]
    assert spec.encode([], {})["history"].tolist() == [[3, 3, 3, 3]]


def test_topk_orders_best_first_with_stable_ties() -> None:
    scores = np.array([0.1, 0.9, 0.5, 0.9, -1.0])
    assert topk(scores, 3).tolist() == [1, 3, 2]
    assert topk(scores, 10).tolist() == [1, 3, 2, 0, 4]
