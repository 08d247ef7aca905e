"""The bundle format contract: write, load, verify, refuse."""

import base64
import json
import os
import stat
import tarfile
from pathlib import Path

import numpy as np
import pytest

from edge.bundle import (
    BUNDLE_FILES,
    BUNDLE_FORMAT_VERSION,
    PRIVATE_KEY_FILE,
    PUBLIC_KEY_FILE,
    BundleError,
    ContextField,
    FeatureSpec,
    GoldenCase,
    Item,
    extract_bundle,
    generate_keypair,
    load_bundle,
    pack_bundle,
    sign_bundle,
    topk,
    verify_signature,
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
    with pytest.raises(BundleError, match=r"^truncated: .*items\.json: sha256 does not match the manifest"):
        load_bundle(path)


def test_missing_file_and_wrong_version_are_refused(tmp_path: Path) -> None:
    path = _write(tmp_path)
    (path / "golden.json").unlink()
    with pytest.raises(BundleError, match="^missing: .*golden.json: missing"):
        load_bundle(path)
    path = _write(tmp_path / "again")
    manifest = json.loads((path / "manifest.json").read_text())
    manifest["format_version"] = 99
    (path / "manifest.json").write_text(json.dumps(manifest))
    with pytest.raises(BundleError, match="^wrong_format: .*format_version 99"):
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


def test_topk_is_the_first_k_by_score_then_index_with_nan_last() -> None:
    """Against the definition (a full sort by score descending, then index; NaN as -inf),
    on small integer scores that tie often, with NaN and infinities mixed in."""
    rng = np.random.default_rng(11)
    for trial in range(3000):
        n, k = int(rng.integers(1, 60)), int(rng.integers(0, 25))
        scores = rng.integers(-4, 4, n).astype(rng.choice([np.float32, np.float64]))
        for value, every in ((np.nan, 3), (np.inf, 5), (-np.inf, 7)):
            if trial % every == 0:
                scores[rng.integers(0, n, 2)] = value
        ranked = np.where(np.isnan(scores), -np.inf, scores)
        expected = np.lexsort((np.arange(n), -ranked))[:k]
        assert topk(scores, k).tolist() == expected.tolist(), (scores.tolist(), k)


# ---- format v2: unknown fields, v1 still read ----------------------------------------


def _rewrite_manifest(path: Path, **changes: object) -> None:
    manifest = json.loads((path / "manifest.json").read_text())
    manifest.update(changes)
    (path / "manifest.json").write_text(json.dumps(manifest))


def test_unknown_manifest_fields_are_kept_not_refused(tmp_path: Path) -> None:
    path = _write(tmp_path)
    _rewrite_manifest(path, scorer={"kind": "model"}, from_the_future=[1, 2])
    bundle = load_bundle(path)
    assert bundle.manifest.extra == {"from_the_future": [1, 2]}
    assert bundle.manifest.scorer == {"kind": "model"}  # a known optional field (edge/runtime/scorers.py)
    assert bundle.manifest.to_json()["from_the_future"] == [1, 2]


def test_a_version_1_bundle_is_still_read(tmp_path: Path) -> None:
    path = _write(tmp_path)
    _rewrite_manifest(path, format_version=1)
    assert load_bundle(path).manifest.format_version == 1


# ---- signing ------------------------------------------------------------------------


@pytest.fixture(scope="module")
def keys(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    root = tmp_path_factory.mktemp("keys")
    generate_keypair(root / "good")
    generate_keypair(root / "other")
    return {"key": root / "good" / PRIVATE_KEY_FILE, "pub": root / "good" / PUBLIC_KEY_FILE,
            "other_key": root / "other" / PRIVATE_KEY_FILE, "other_pub": root / "other" / PUBLIC_KEY_FILE}


def test_generated_private_key_is_owner_only_and_never_overwritten(keys: dict[str, Path]) -> None:
    assert stat.S_IMODE(os.stat(keys["key"]).st_mode) == 0o600
    assert keys["pub"].read_text().startswith("-----BEGIN PUBLIC KEY-----")
    with pytest.raises(FileExistsError, match="refusing to overwrite"):
        generate_keypair(keys["key"].parent)


def test_signed_bundle_verifies_with_its_key_and_the_tarball_carries_the_signature(
    tmp_path: Path, keys: dict[str, Path]
) -> None:
    path = _write(tmp_path)
    key_id = sign_bundle(path, keys["key"])
    assert verify_signature(path, [keys["pub"]]) == key_id
    pack_bundle(path, tmp_path / "bundle.tar.gz")
    slot = extract_bundle(tmp_path / "bundle.tar.gz", tmp_path / "slots" / "test-1")
    assert sorted(p.name for p in slot.iterdir()) == sorted([*BUNDLE_FILES, "manifest.json", "signature.json"])
    bundle = load_bundle(slot, trusted_keys=[keys["other_pub"], keys["pub"]])
    assert bundle.signed_by == key_id and bundle.model_version == "test-1"


@pytest.mark.parametrize(
    ("case", "reason"),
    [("unsigned", "unsigned"), ("wrong_key", "wrong_key"), ("no_trusted_key", "wrong_key"),
     ("manifest_edited", "tampered"), ("signature_garbage", "malformed"), ("signature_flipped", "tampered")],
)
def test_signature_refusals_start_with_their_reason(
    case: str, reason: str, tmp_path: Path, keys: dict[str, Path]
) -> None:
    path = _write(tmp_path)
    trusted = [keys["pub"]]
    if case != "unsigned":
        sign_bundle(path, keys["other_key"] if case == "wrong_key" else keys["key"])
    if case == "no_trusted_key":
        trusted = []
    elif case == "manifest_edited":  # e.g. a new model hash swapped in after signing
        _rewrite_manifest(path, model_version="test-2")
    elif case in ("signature_garbage", "signature_flipped"):
        sig = json.loads((path / "signature.json").read_text())
        raw = bytearray(base64.b64decode(sig["signature"]))
        raw[0] ^= 1
        sig["signature"] = "not base64!" if case == "signature_garbage" else base64.b64encode(raw).decode()
        (path / "signature.json").write_text(json.dumps(sig))
    with pytest.raises(BundleError, match=f"^{reason}: ") as info:
        load_bundle(path, trusted_keys=trusted)
    assert info.value.reason == reason


def test_sign_refuses_a_broken_bundle(tmp_path: Path, keys: dict[str, Path]) -> None:
    path = _write(tmp_path)
    (path / "golden.json").write_text("[]\n")
    with pytest.raises(BundleError, match="golden.json"):
        sign_bundle(path, keys["key"])
    assert not (path / "signature.json").exists()


def test_cli_keys_sign_and_check_bundle(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    from cloud_trainer.cli import main as cloud_trainer
    from edge.cli import main as edge_device

    path = _write(tmp_path)
    assert cloud_trainer(["keys", "generate", "--out", str(tmp_path / "k")]) == 0
    assert cloud_trainer(["keys", "generate", "--out", str(tmp_path / "k")]) == 2
    assert "refusing to overwrite" in capsys.readouterr().err
    assert cloud_trainer(["sign", str(path), "--signing-key", str(tmp_path / "k" / "signing.key")]) == 0
    assert "signed by key" in capsys.readouterr().out
    # The sibling tarball was re-packed with the signature in it.
    with tarfile.open(tmp_path / "bundle.tar.gz") as tar:
        assert "bundle/signature.json" in tar.getnames()
    assert cloud_trainer(["sign", str(path), "--signing-key", str(tmp_path / "k" / "signing.pub")]) == 2
    assert "bad_key" in capsys.readouterr().err
    generate_keypair(tmp_path / "stranger")
    # The fake model is refused by LiteRT, but only after the signature: the reason shows which.
    assert edge_device(["check-bundle", str(path), "--trusted-key", str(tmp_path / "stranger" / "signing.pub")]) == 1
    assert capsys.readouterr().err.startswith("REFUSED: wrong_key: ")


def test_extract_refuses_a_non_empty_slot(tmp_path: Path) -> None:
    _write(tmp_path)
    slot = tmp_path / "slot"
    slot.mkdir()
    (slot / "keep.txt").write_text("x")
    with pytest.raises(BundleError, match="^unsafe: .*not an empty directory"):
        extract_bundle(tmp_path / "bundle.tar.gz", slot)
    assert (slot / "keep.txt").read_text() == "x"


def test_loading_a_tarball_never_writes_beside_it(tmp_path: Path) -> None:
    path = _write(tmp_path)
    (path / "manifest.json").write_text("precious")  # an older bundle dir beside the tarball
    bundle = load_bundle(tmp_path / "bundle.tar.gz")
    assert bundle.path.parent != tmp_path and (path / "manifest.json").read_text() == "precious"
