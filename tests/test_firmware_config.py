import json
import subprocess
import sys
from pathlib import Path

import pytest

from firmware_config.loader import ConfigError, load_config
from firmware_config.schema import DeviceConfig

EXAMPLES = Path(__file__).resolve().parents[1] / "firmware_config" / "examples"

BAD = """
device_id = "d 1"
store_id = "s"
colour = "red"
[[zones]]
id = "a"
neighbours = ["nowhere"]
[[displays]]
id = "x"
kind = "tv"
zone = "a"
[[displays]]
id = "y"
kind = "screen"
zone = "b"
"""


@pytest.mark.parametrize("path", sorted(EXAMPLES.glob("*.toml")), ids=lambda p: p.name)
def test_every_example_config_is_valid(path: Path) -> None:
    config = load_config(path)
    assert config.zones


def test_all_errors_reported_with_field_paths(tmp_path: Path) -> None:
    bad = tmp_path / "bad.toml"
    bad.write_text(BAD)
    with pytest.raises(ConfigError) as info:
        load_config(bad)
    errors = info.value.errors
    assert all(e.startswith(f"{bad}: ") for e in errors)
    joined = "\n".join(errors)
    assert "device_id:" in joined
    assert "displays.0.kind:" in joined
    assert "colour: Extra inputs are not permitted" in joined
    assert "zones.0.neighbours: unknown zone 'nowhere'" in joined
    assert "displays.1.zone: unknown zone 'b'" in joined


def test_invalid_toml_names_file(tmp_path: Path) -> None:
    bad = tmp_path / "broken.toml"
    bad.write_text("device_id = \n")
    with pytest.raises(ConfigError, match="broken.toml: not valid TOML"):
        load_config(bad)


def test_cli_validate_exit_codes(tmp_path: Path) -> None:
    bad = tmp_path / "bad.toml"
    bad.write_text(BAD)
    cmd = [sys.executable, "-m", "firmware_config.cli", "validate"]
    # The example's bundle is what 'cloud-trainer train' writes; the file
    # itself is checked without looking at this machine.
    ok = subprocess.run([*cmd, "--schema-only", str(EXAMPLES / "demo-store.toml")], capture_output=True, text=True)
    assert ok.returncode == 0, ok.stderr
    assert "ok (device demo-edge-1" in ok.stdout
    res = subprocess.run([*cmd, str(bad)], capture_output=True, text=True)
    assert res.returncode == 1
    assert res.stderr.count(str(bad)) == 5


def test_every_field_has_title_and_description() -> None:
    schema = DeviceConfig.model_json_schema()

    def walk(props: dict, where: str) -> list[str]:
        missing = []
        for name, spec in props.items():
            if "description" not in spec:
                missing.append(f"{where}.{name}")
        return missing

    missing = walk(schema["properties"], "DeviceConfig")
    for name, definition in schema.get("$defs", {}).items():
        missing += walk(definition.get("properties", {}), name)
    assert not missing, missing
    json.dumps(schema)


def test_relative_paths_resolve_against_config_file() -> None:
    config = load_config(EXAMPLES / "demo-store.toml")
    assert config.model is not None
    assert config.model.bundle_path == EXAMPLES / "../../out/train/bundle"
    assert config.storage.db_path == EXAMPLES / "../../out/edge-state.db"
