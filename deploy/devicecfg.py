"""Device config files for local runs (demo, benchmark): the demo store, pointed at a broker.

The demo store layout lives in ``firmware_config/examples/demo-store.toml``;
a local run needs the same layout with its own broker port, bundle and
database. TOML has no standard-library writer, so :func:`render_toml` writes
the small subset device configs use (tables, arrays of tables, scalars, lists
of scalars), and the result is validated by the real loader.
"""

from __future__ import annotations

import json
import sys
import tomllib
from pathlib import Path
from typing import Any

from firmware_config.loader import load_config
from firmware_config.schema import DeviceConfig

DEMO_STORE = Path(__file__).resolve().parents[1] / "firmware_config" / "examples" / "demo-store.toml"


CHECKOUT = Path(__file__).resolve().parents[1]
"""The checkout this module (and so the harness or test importing it) runs from."""


def edge_device_cmd() -> list[str]:
    """The command that starts the device of this checkout: this interpreter with
    :data:`CHECKOUT` first on its import path, running ``edge.cli``'s main (the
    ``edge-device`` script's entry point; arguments follow as they would it).

    Not the installed ``edge-device`` script: it imports ``edge`` through the
    venv's editable install, i.e. from whichever checkout was installed, whatever
    the working directory, so a benchmark or test run from another worktree
    started that checkout's device (found 2026-12-03: device A/B pairs run from a
    worktree had measured the installed checkout's device on both sides)."""
    boot = (f"import sys; sys.path.insert(0, {str(CHECKOUT)!r}); "
            "from edge.cli import main; sys.exit(main())")
    return [sys.executable, "-c", boot]


def _scalar(value: Any) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int | float):
        return repr(value)
    if isinstance(value, str | Path):
        return json.dumps(str(value))  # a JSON string is a valid TOML basic string
    if isinstance(value, list):
        return "[" + ", ".join(_scalar(v) for v in value) + "]"
    raise TypeError(f"cannot write {type(value).__name__} to TOML")


def render_toml(data: dict[str, Any]) -> str:
    """TOML text for a config mapping (two levels deep, as device configs are)."""
    lines: list[str] = []
    tables: list[tuple[str, dict]] = []
    arrays: list[tuple[str, list[dict]]] = []
    for key, value in data.items():
        if isinstance(value, dict):
            tables.append((key, value))
        elif isinstance(value, list) and value and all(isinstance(v, dict) for v in value):
            arrays.append((key, value))
        elif value is not None:
            lines.append(f"{key} = {_scalar(value)}")
    for key, table in tables:
        lines += ["", f"[{key}]"]
        nested = []
        for k, v in table.items():
            if isinstance(v, dict) or (isinstance(v, list) and v and all(isinstance(x, dict) for x in v)):
                nested.append((k, v))
            elif v is not None:
                lines.append(f"{k} = {_scalar(v)}")
        for sub, value in nested:
            for row in [value] if isinstance(value, dict) else value:
                lines += ["", f"[{key}.{sub}]" if isinstance(value, dict) else f"[[{key}.{sub}]]"]
                lines += [f"{k} = {_scalar(v)}" for k, v in row.items() if v is not None]
    for key, rows in arrays:
        for row in rows:
            lines += ["", f"[[{key}]]"]
            lines += [f"{k} = {_scalar(v)}" for k, v in row.items() if v is not None]
    return "\n".join(lines) + "\n"


def local_device_config(
    path: Path,
    *,
    port: int,
    bundle: Path | None,
    db_path: Path,
    device_id: str = "demo-edge-1",
    overrides: dict[str, Any] | None = None,
) -> DeviceConfig:
    """Write the demo store's config for a local broker/bundle/db to ``path`` and load it back."""
    data = tomllib.loads(DEMO_STORE.read_text())
    data["device_id"] = device_id
    data["broker"] = {**data.get("broker", {}), "host": "127.0.0.1", "port": port}
    if bundle is not None:
        data["model"] = {**data.get("model", {}), "bundle_path": str(Path(bundle).resolve())}
    else:
        data.pop("model", None)
    data["storage"] = {"db_path": str(Path(db_path).resolve())}
    for key, value in (overrides or {}).items():
        if isinstance(value, dict) and isinstance(data.get(key), dict):
            data[key] = {**data[key], **value}
        else:
            data[key] = value
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(render_toml(data))
    return load_config(path)
