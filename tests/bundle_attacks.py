"""Hostile bundles: every attack on the bundle loader and on tarball extraction.

One table, used by ``tests/test_bundle_attacks.py`` (against a tiny bundle with a
fake model) and by ``benchmarks/security.py`` (against a real device). Each
directory attack mutates a good bundle directory the way an attacker who
controls the bundle (but not the signing key) could; most keep the manifest's
hashes consistent so that the parser, not the hash check, is what is tested.
Each tarball attack builds an archive from a good bundle plus a malicious member.
"""

from __future__ import annotations

import hashlib
import io
import json
import os
import shutil
import tarfile
import uuid
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from edge.bundle import BundleError, extract_bundle, load_bundle


@dataclass(frozen=True)
class DirAttack:
    name: str
    apply: Callable[[Path], None]
    reason: str
    """The reason word the refusal must start with."""
    names: str
    """A file name the message must contain."""


@dataclass(frozen=True)
class TarAttack:
    name: str
    build: Callable[[Path, Path], Path]
    """(good bundle dir, work dir) -> tarball path."""
    reason: str


# ---- helpers ---------------------------------------------------------------------


def _manifest(b: Path) -> dict:
    return json.loads((b / "manifest.json").read_text())


def _write_manifest(b: Path, data: object) -> None:
    (b / "manifest.json").write_text(json.dumps(data))


def _rehash(b: Path, name: str) -> None:
    """Make the manifest agree with the file again (what an attacker without the key can do)."""
    m = _manifest(b)
    data = (b / name).read_bytes()
    m["files"][name] = {"sha256": hashlib.sha256(data).hexdigest(), "bytes": len(data)}
    _write_manifest(b, m)


def _replace(name: str, content: bytes | str) -> Callable[[Path], None]:
    def apply(b: Path) -> None:
        (b / name).write_bytes(content.encode() if isinstance(content, str) else content)
        _rehash(b, name)

    return apply


def _edit_json(name: str, edit: Callable[[object], object]) -> Callable[[Path], None]:
    def apply(b: Path) -> None:
        data = json.loads((b / name).read_text())
        (b / name).write_text(json.dumps(edit(data)))
        if name != "manifest.json":
            _rehash(b, name)

    return apply


def _set_item(i: int, key: str, value: object) -> Callable[[object], object]:
    def edit(items: object) -> object:
        items[i][key] = value  # type: ignore[index]
        return items

    return edit


def _set_golden(key: str, value: object) -> Callable[[object], object]:
    def edit(cases: object) -> object:
        cases[0][key] = value  # type: ignore[index]
        return cases

    return edit


def _set_manifest(key: str, value: object) -> Callable[[object], object]:
    def edit(m: object) -> object:
        m[key] = value  # type: ignore[index]
        return m

    return edit


def _list_outside(target: str) -> Callable[[Path], None]:
    def apply(b: Path) -> None:
        m = _manifest(b)
        m["files"][target] = {"sha256": "0" * 64, "bytes": 1}
        _write_manifest(b, m)

    return apply


def _dir_instead(name: str) -> Callable[[Path], None]:
    def apply(b: Path) -> None:
        (b / name).unlink()
        (b / name).mkdir()

    return apply


def _symlink_instead(name: str) -> Callable[[Path], None]:
    def apply(b: Path) -> None:
        outside = b.parent / "outside-secret.json"
        outside.write_bytes((b / name).read_bytes())  # same bytes: the hash would even match
        (b / name).unlink()
        (b / name).symlink_to(outside)

    return apply


def _fifo_instead(name: str) -> Callable[[Path], None]:
    def apply(b: Path) -> None:
        (b / name).unlink()
        os.mkfifo(b / name)

    return apply


def _flip_byte(name: str) -> Callable[[Path], None]:
    def apply(b: Path) -> None:
        data = bytearray((b / name).read_bytes())
        data[len(data) // 2] ^= 0xFF
        (b / name).write_bytes(bytes(data))

    return apply


def _truncate(name: str) -> Callable[[Path], None]:
    def apply(b: Path) -> None:
        data = (b / name).read_bytes()
        (b / name).write_bytes(data[: len(data) // 2])

    return apply


def _unlink(name: str) -> Callable[[Path], None]:
    return lambda b: (b / name).unlink()


DIR_ATTACKS: list[DirAttack] = [
    DirAttack("manifest_files_is_a_list", _edit_json("manifest.json", _set_manifest("files", ["model.tflite"])),
              "malformed", "manifest.json"),
    DirAttack("manifest_files_hold_strings",
              _edit_json("manifest.json", lambda m: {**m, "files": {k: "x" for k in m["files"]}}),
              "malformed", "manifest.json"),
    DirAttack("manifest_is_a_list", lambda b: _write_manifest(b, [1, 2]), "malformed", "manifest.json"),
    DirAttack("manifest_is_a_string", lambda b: _write_manifest(b, "bundle"), "malformed", "manifest.json"),
    DirAttack("manifest_invalid_utf8", lambda b: (b / "manifest.json").write_bytes(b'{"a": "\xff\xfe"}'),
              "malformed", "manifest.json"),
    DirAttack("manifest_invalid_json", lambda b: (b / "manifest.json").write_text("{\n oops"),
              "malformed", "manifest.json"),
    DirAttack("manifest_wrong_format_version", _edit_json("manifest.json", _set_manifest("format_version", 99)),
              "wrong_format", "manifest.json"),
    DirAttack("manifest_format_version_string", _edit_json("manifest.json", _set_manifest("format_version", "2")),
              "malformed", "manifest.json"),
    DirAttack("manifest_model_version_traversal",
              _edit_json("manifest.json", _set_manifest("model_version", "../../etc")), "malformed", "manifest.json"),
    DirAttack("manifest_lists_parent_path", _list_outside("../outside.txt"), "unsafe", "manifest.json"),
    DirAttack("manifest_lists_absolute_path", _list_outside("/etc/hostname"), "unsafe", "manifest.json"),
    DirAttack("manifest_lists_subdir_path", _list_outside("sub/model.tflite"), "unsafe", "manifest.json"),
    DirAttack("manifest_is_a_symlink", _symlink_instead("manifest.json"), "unsafe", "manifest.json"),
    DirAttack("manifest_huge", lambda b: (b / "manifest.json").write_bytes(b" " * (2 << 20)),
              "too_large", "manifest.json"),
    DirAttack("manifest_deeply_nested", lambda b: (b / "manifest.json").write_text("[" * 100_000 + "]" * 100_000),
              "malformed", "manifest.json"),
    DirAttack("items_is_a_directory", _dir_instead("items.json"), "malformed", "items.json"),
    DirAttack("items_is_a_symlink", _symlink_instead("items.json"), "unsafe", "items.json"),
    DirAttack("model_is_a_symlink", _symlink_instead("model.tflite"), "unsafe", "model.tflite"),
    DirAttack("model_is_a_fifo", _fifo_instead("model.tflite"), "malformed", "model.tflite"),
    DirAttack("model_missing", _unlink("model.tflite"), "missing", "model.tflite"),
    DirAttack("model_wrong_hash", _flip_byte("model.tflite"), "tampered", "model.tflite"),
    DirAttack("model_truncated", _truncate("model.tflite"), "truncated", "model.tflite"),
    DirAttack("items_invalid_utf8", _replace("items.json", b'[{"item_id": "\xc3\x28"}]'), "malformed", "items.json"),
    DirAttack("items_not_a_list", _replace("items.json", '{"item_id": "1"}'), "malformed", "items.json"),
    DirAttack("items_hold_strings", _replace("items.json", '["a", "b", "c"]'), "malformed", "items.json"),
    DirAttack("items_popularity_not_numeric", _edit_json("items.json", _set_item(0, "popularity", "hot")),
              "malformed", "items.json"),
    DirAttack("items_price_nan", _replace("items.json", '[{"item_id": "1", "price": NaN}]'), "malformed", "items.json"),
    DirAttack("items_item_id_not_string", _edit_json("items.json", _set_item(0, "item_id", {"x": 1})),
              "malformed", "items.json"),
    DirAttack("items_duplicate_id", _edit_json("items.json", lambda it: [it[0], *it[:-1]]), "malformed", "items.json"),
    DirAttack("items_count_differs_from_spec", _edit_json("items.json", lambda it: it[:-1]), "malformed", "items.json"),
    DirAttack("spec_num_items_huge", _edit_json("feature_spec.json", lambda s: {**s, "num_items": 10**30}),
              "malformed", "feature_spec.json"),
    DirAttack("spec_context_fields_not_list",
              _edit_json("feature_spec.json", lambda s: {**s, "context_fields": "department"}),
              "malformed", "feature_spec.json"),
    DirAttack("golden_history_index_huge", _edit_json("golden.json", _set_golden("history", [10**30])),
              "malformed", "golden.json"),
    DirAttack("golden_topk_out_of_range", _edit_json("golden.json", _set_golden("expected_topk", [10**6])),
              "malformed", "golden.json"),
    DirAttack("golden_negative_index", _edit_json("golden.json", _set_golden("history", [-1])),
              "malformed", "golden.json"),
    DirAttack("golden_context_not_object", _edit_json("golden.json", _set_golden("context", ["x"])),
              "malformed", "golden.json"),
    DirAttack("golden_not_a_list", _replace("golden.json", '"cases"'), "malformed", "golden.json"),
]


# ---- tarballs ----------------------------------------------------------------------


def _tar_with(extra: Callable[[tarfile.TarFile], None], *, skip_manifest: bool = False) -> Callable[[Path, Path], Path]:
    def build(bundle: Path, work: Path) -> Path:
        out = work / f"attack-{uuid.uuid4().hex[:8]}.tar.gz"
        with tarfile.open(out, "w:gz") as tar:
            for f in sorted(bundle.iterdir()):
                if skip_manifest and f.name == "manifest.json":
                    continue
                tar.add(f, arcname=f"bundle/{f.name}")
            extra(tar)
        return out

    return build


def _member(name: str, data: bytes = b"pwned\n", **attrs: object) -> Callable[[tarfile.TarFile], None]:
    def add(tar: tarfile.TarFile) -> None:
        info = tarfile.TarInfo(name)
        info.size = len(data) if attrs.get("type", tarfile.REGTYPE) == tarfile.REGTYPE else 0
        for key, value in attrs.items():
            setattr(info, key, value)
        tar.addfile(info, io.BytesIO(data) if info.size else None)

    return add


def _raw(content: Callable[[Path], bytes]) -> Callable[[Path, Path], Path]:
    def build(bundle: Path, work: Path) -> Path:
        out = work / f"attack-{uuid.uuid4().hex[:8]}.tar.gz"
        out.write_bytes(content(bundle))
        return out

    return build


def _good_tar_bytes(bundle: Path) -> bytes:
    buf = io.BytesIO()
    with tarfile.open(fileobj=buf, mode="w:gz") as tar:
        for f in sorted(bundle.iterdir()):
            tar.add(f, arcname=f"bundle/{f.name}")
    return buf.getvalue()


ABSOLUTE_TARGET = Path("/tmp") / f"bundle-attack-absolute-{uuid.uuid4().hex[:8]}"

TAR_ATTACKS: list[TarAttack] = [
    TarAttack("tar_parent_traversal", _tar_with(_member("bundle/../../escaped.txt")), "unsafe"),
    TarAttack("tar_overwrites_sibling_bundle", _tar_with(_member("../bundle/manifest.json", b"{}")), "unsafe"),
    TarAttack("tar_absolute_path", _tar_with(_member(str(ABSOLUTE_TARGET / "x.txt"))), "unsafe"),
    TarAttack("tar_symlink_member", _tar_with(_member("bundle/link", type=tarfile.SYMTYPE, linkname="/etc/passwd")),
              "unsafe"),
    TarAttack("tar_symlink_then_write_through",
              _tar_with(lambda t: (_member("bundle/out", type=tarfile.SYMTYPE, linkname="..")(t),
                                   _member("bundle/out/escaped.txt")(t))), "unsafe"),
    TarAttack("tar_hardlink_member", _tar_with(_member("bundle/hl", type=tarfile.LNKTYPE, linkname="/etc/passwd")),
              "unsafe"),
    TarAttack("tar_char_device", _tar_with(_member("bundle/dev", type=tarfile.CHRTYPE, devmajor=1, devminor=3)),
              "unsafe"),
    TarAttack("tar_fifo", _tar_with(_member("bundle/fifo", type=tarfile.FIFOTYPE)), "unsafe"),
    TarAttack("tar_nested_directory", _tar_with(_member("bundle/sub/deeper.txt")), "unsafe"),
    TarAttack("tar_duplicate_member", _tar_with(_member("bundle/items.json", b"[]")), "unsafe"),
    TarAttack("tar_two_top_directories", _tar_with(_member("other/x.txt")), "unsafe"),
    TarAttack("tar_member_too_large", _tar_with(_member("bundle/big.bin", b"\0" * (2 << 20))), "too_large"),
    TarAttack("tar_too_many_members",
              _tar_with(lambda t: [_member(f"bundle/f{i}.txt")(t) for i in range(40)]), "too_large"),
    TarAttack("tar_not_gzip", _raw(lambda b: b"PK\x03\x04 this is a zip, not a tar.gz" * 10), "malformed"),
    TarAttack("tar_plain_tar_not_gzip",
              _raw(lambda b: _plain_tar(b)), "malformed"),
    TarAttack("tar_truncated", _raw(lambda b: _good_tar_bytes(b)[: len(_good_tar_bytes(b)) // 2]), "truncated"),
    TarAttack("tar_empty_file", _raw(lambda b: b""), "malformed"),
    TarAttack("tar_without_manifest", _tar_with(lambda t: None, skip_manifest=True), "malformed"),
]
"""Every tar attack must be refused as a whole: nothing written, inside or outside."""

TAR_LIMITS = {"max_file_bytes": 1 << 20, "max_total_bytes": 8 << 20}
"""Limits for the size attacks (small, so the test writes little); the defaults are larger."""


def _plain_tar(bundle: Path) -> bytes:
    buf = io.BytesIO()
    with tarfile.open(fileobj=buf, mode="w") as tar:
        for f in sorted(bundle.iterdir()):
            tar.add(f, arcname=f"bundle/{f.name}")
    return buf.getvalue()


# ---- running them --------------------------------------------------------------------


@dataclass
class Outcome:
    name: str
    refused: bool
    reason: str | None
    message: str
    uncaught: str | None = None
    """The type of an exception that was not a BundleError (a traceback on a device)."""
    written_outside: list[str] | None = None
    loaded: bool = False


def _snapshot(root: Path) -> dict[str, str]:
    out = {}
    for dirpath, dirnames, filenames in os.walk(root, followlinks=False):
        for n in filenames + [d for d in dirnames if os.path.islink(os.path.join(dirpath, d))]:
            p = os.path.join(dirpath, n)
            try:
                out[p] = "link:" + os.readlink(p) if os.path.islink(p) else hashlib.sha256(
                    Path(p).read_bytes()).hexdigest()
            except OSError:
                out[p] = "special"
    return out


def run_dir_attack(attack: DirAttack, good: Path, work: Path) -> Outcome:
    """Copy ``good`` into ``work``, apply the attack, load it."""
    target = work / attack.name / "bundle"
    shutil.copytree(good, target)
    attack.apply(target)
    try:
        load_bundle(target)
    except BundleError as exc:
        return Outcome(attack.name, True, exc.reason, str(exc))
    except Exception as exc:  # noqa: BLE001 - counting what escapes is the point
        return Outcome(attack.name, False, None, repr(exc), uncaught=type(exc).__name__)
    return Outcome(attack.name, False, None, "accepted", loaded=True)


def run_tar_attack(attack: TarAttack, good: Path, work: Path) -> Outcome:
    """Build the tarball in ``work/<name>/`` beside an existing ``bundle/`` (which
    must survive untouched) and extract it into ``work/<name>/slots/v2``."""
    root = work / attack.name
    root.mkdir(parents=True)
    shutil.copytree(good, root / "bundle")
    tarball = attack.build(good, root)
    before = _snapshot(root)
    dest = root / "slots" / "v2"
    outcome: Outcome
    try:
        extract_bundle(tarball, dest, **TAR_LIMITS)
    except BundleError as exc:
        outcome = Outcome(attack.name, True, exc.reason, str(exc))
    except Exception as exc:  # noqa: BLE001
        outcome = Outcome(attack.name, False, None, repr(exc), uncaught=type(exc).__name__)
    else:
        outcome = Outcome(attack.name, False, None, "extracted", loaded=True)
    after = _snapshot(root)
    outside = sorted(
        p for p in set(after) | set(before)
        if after.get(p) != before.get(p) and not p.startswith(str(dest) + os.sep)
    )
    if ABSOLUTE_TARGET.exists():
        outside.append(str(ABSOLUTE_TARGET))
        shutil.rmtree(ABSOLUTE_TARGET, ignore_errors=True)
    if (work.parent / "escaped.txt").exists():
        outside.append(str(work.parent / "escaped.txt"))
    outcome.written_outside = outside
    if outcome.refused and dest.exists() and any(dest.iterdir()):
        outcome.written_outside = [*outside, f"{dest} left non-empty after a refusal"]
    return outcome
