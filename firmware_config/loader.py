"""Load a device TOML file into a validated :class:`DeviceConfig`.

Errors are collected, not raised one at a time: an installer fixing a config
wants every problem in one go, each with the file and the field path.
"""

from __future__ import annotations

import tomllib
from pathlib import Path

from pydantic import ValidationError

from firmware_config.schema import DeviceConfig, reference_errors

MAX_CONFIG_BYTES = 1_000_000
"""A device config is a few KB; a bigger file is a mistake (or an attack)."""


class ConfigError(Exception):
    """An invalid config file. ``errors`` holds one 'file: field.path: reason' per problem."""

    def __init__(self, path: Path, errors: list[str]) -> None:
        self.path = path
        self.errors = errors
        super().__init__("\n".join(errors))


def _format(path: Path, exc: ValidationError) -> list[str]:
    lines = []
    for err in exc.errors():
        loc = ".".join(str(p) for p in err["loc"]) or "(root)"
        msg = err["msg"]
        if err["type"] == "value_error" and not err["loc"]:
            # Cross-reference errors already carry their own field paths.
            for part in msg.removeprefix("Value error, ").split("; "):
                lines.append(f"{path}: {part}")
            continue
        lines.append(f"{path}: {loc}: {msg}")
    return lines


def parse_config(data: dict, path: Path = Path("<config>")) -> DeviceConfig:
    """Validate an already-parsed mapping; relative paths resolve against the file's folder."""
    try:
        config = DeviceConfig.model_validate(data)
    except RecursionError:
        raise ConfigError(path, [f"{path}: values nested too deeply"]) from None
    except ValidationError as exc:
        errors = _format(path, exc)
        for ref in reference_errors(data):
            line = f"{path}: {ref}"
            if line not in errors:
                errors.append(line)
        raise ConfigError(path, errors) from None
    return _resolve_paths(config, path.parent)


def load_config(path: str | Path) -> DeviceConfig:
    path = Path(path)
    try:
        raw = path.read_bytes()
    except OSError as exc:
        raise ConfigError(path, [f"{path}: cannot read ({exc.strerror})"]) from None
    if len(raw) > MAX_CONFIG_BYTES:
        raise ConfigError(path, [f"{path}: {len(raw)} bytes, more than a config may be ({MAX_CONFIG_BYTES})"])
    try:
        data = tomllib.loads(raw.decode("utf-8"))
    except (tomllib.TOMLDecodeError, UnicodeDecodeError) as exc:
        raise ConfigError(path, [f"{path}: not valid TOML ({exc})"]) from None
    except RecursionError:
        raise ConfigError(path, [f"{path}: not valid TOML (arrays or tables nested too deeply)"]) from None
    except ValueError as exc:  # e.g. an integer of more digits than Python converts
        raise ConfigError(path, [f"{path}: not valid TOML ({str(exc)[:200]})"]) from None
    return parse_config(data, path)


def _resolve_paths(config: DeviceConfig, base: Path) -> DeviceConfig:
    """Make file paths in the config relative to the config file, as installers expect."""
    updates = {}
    if config.model is not None and not config.model.bundle_path.is_absolute():
        updates["model"] = config.model.model_copy(update={"bundle_path": base / config.model.bundle_path})
    if not config.storage.db_path.is_absolute():
        updates["storage"] = config.storage.model_copy(update={"db_path": base / config.storage.db_path})
    if config.camera is not None:
        camera = config.camera
        cam_updates = {}
        if camera.model_dir is not None and not camera.model_dir.is_absolute():
            cam_updates["model_dir"] = base / camera.model_dir
        out = camera.debug.out
        if out is not None and not out.is_absolute():
            cam_updates["debug"] = camera.debug.model_copy(update={"out": base / out})
        if cam_updates:
            updates["camera"] = camera.model_copy(update=cam_updates)
    if config.ota is not None:
        ota = config.ota
        ota_updates: dict = {}
        if ota.state_dir is not None and not ota.state_dir.is_absolute():
            ota_updates["state_dir"] = base / ota.state_dir
        if any(not k.is_absolute() for k in ota.trusted_keys):
            ota_updates["trusted_keys"] = [k if k.is_absolute() else base / k for k in ota.trusted_keys]
        if ota.token_file is not None and not ota.token_file.is_absolute():
            ota_updates["token_file"] = base / ota.token_file
        if ota.ca_file is not None and not ota.ca_file.is_absolute():
            ota_updates["ca_file"] = base / ota.ca_file
        if ota_updates:
            updates["ota"] = ota.model_copy(update=ota_updates)
    return config.model_copy(update=updates) if updates else config
