"""Bundles are hostile until verified: every attack in tests/bundle_attacks.py is a
BundleError with its reason word and the file named, never a traceback, never a
byte written outside the bundle's own slot, and check-bundle says REFUSED."""

from __future__ import annotations

import hashlib
from pathlib import Path

import pytest
from bundle_attacks import DIR_ATTACKS, TAR_ATTACKS, run_dir_attack, run_tar_attack
from test_bundle import _write

from edge.cli import main as edge_device


@pytest.fixture(scope="module")
def good(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return _write(tmp_path_factory.mktemp("good"))


@pytest.mark.parametrize("attack", DIR_ATTACKS, ids=lambda a: a.name)
def test_directory_attack_is_refused_with_reason_naming_the_file(
    attack, good: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    outcome = run_dir_attack(attack, good, tmp_path)
    assert outcome.uncaught is None, outcome.message
    assert outcome.refused, f"{attack.name} was accepted"
    assert outcome.reason == attack.reason, outcome.message
    assert outcome.message.startswith(f"{attack.reason}: ")
    assert attack.names in outcome.message
    # No hash of a file outside the bundle (or inside it) is ever echoed back.
    outside = tmp_path / attack.name / "outside-secret.json"
    if outside.exists():
        assert hashlib.sha256(outside.read_bytes()).hexdigest() not in outcome.message
    # The device's own check command refuses it the same way, without a traceback.
    assert edge_device(["check-bundle", str(tmp_path / attack.name / "bundle"), "--runs", "1"]) == 1
    err = capsys.readouterr().err
    assert err.startswith(f"REFUSED: {attack.reason}: ") and "Traceback" not in err


@pytest.mark.parametrize("attack", TAR_ATTACKS, ids=lambda a: a.name)
def test_tarball_attack_is_refused_and_writes_nothing_outside(attack, good: Path, tmp_path: Path) -> None:
    outcome = run_tar_attack(attack, good, tmp_path / "work")
    assert outcome.uncaught is None, outcome.message
    assert outcome.refused, f"{attack.name} was extracted"
    assert outcome.reason == attack.reason, outcome.message
    assert outcome.written_outside == []
    assert not (tmp_path / "escaped.txt").exists()


def test_wrong_hash_never_prints_the_real_sha256(good: Path, tmp_path: Path) -> None:
    attack = next(a for a in DIR_ATTACKS if a.name == "model_wrong_hash")
    outcome = run_dir_attack(attack, good, tmp_path)
    real = hashlib.sha256((tmp_path / attack.name / "bundle" / "model.tflite").read_bytes()).hexdigest()
    assert outcome.refused and real not in outcome.message


def test_the_outside_write_detector_sees_what_a_naive_extractor_writes(
    good: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Guards the guard: the pre-hardening extractor (plain extractall, no filter)
    writes outside its slot, and run_tar_attack reports it."""
    import tarfile

    import bundle_attacks

    def naive(tarball: Path, dest: Path, **_: object) -> Path:
        dest.mkdir(parents=True, exist_ok=True)
        with tarfile.open(tarball, "r:gz") as tar:
            tar.extractall(dest, filter="fully_trusted")
        return dest

    monkeypatch.setattr(bundle_attacks, "extract_bundle", naive)
    attack = next(a for a in TAR_ATTACKS if a.name == "tar_overwrites_sibling_bundle")
    outcome = run_tar_attack(attack, good, tmp_path / "work")
    assert not outcome.refused and outcome.written_outside


@pytest.mark.parametrize("attack", [a for a in TAR_ATTACKS if a.name != "tar_member_too_large"],
                         ids=lambda a: a.name)
def test_check_bundle_refuses_a_hostile_tarball(attack, good: Path, tmp_path: Path,
                                                capsys: pytest.CaptureFixture[str]) -> None:
    """The device's own command with its default limits (the size attack above uses
    small limits to keep the test light, so it is left out here)."""
    tarball = attack.build(good, tmp_path)
    assert edge_device(["check-bundle", str(tarball), "--runs", "1"]) == 1
    err = capsys.readouterr().err
    assert err.startswith(f"REFUSED: {attack.reason}: ") and "Traceback" not in err
    assert not (tmp_path / "escaped.txt").exists() and not (tmp_path.parent / "escaped.txt").exists()
