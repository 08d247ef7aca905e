"""deploy.devicecfg.edge_device_cmd: benchmarks and tests start the device of their
own checkout, not the one the venv's ``edge-device`` script imports."""

from __future__ import annotations

import subprocess
from pathlib import Path

from deploy.devicecfg import CHECKOUT, edge_device_cmd

ENTRY = "from edge.cli import main; sys.exit(main())"


def test_the_device_command_imports_this_checkout_from_any_directory(tmp_path: Path) -> None:
    cmd = edge_device_cmd()
    assert cmd[-1].endswith(ENTRY)
    # The same boot, asked where edge.cli came from, run from an unrelated directory.
    probe = [*cmd[:-1], cmd[-1].replace(ENTRY, "import edge.cli; print(edge.cli.__file__)")]
    out = subprocess.run(probe, cwd=tmp_path, capture_output=True, text=True, timeout=60, check=True)
    assert Path(out.stdout.strip()) == CHECKOUT / "edge" / "cli.py"
    assert Path(__file__).resolve().parents[1] == CHECKOUT


def test_the_device_command_takes_the_edge_device_arguments(tmp_path: Path) -> None:
    out = subprocess.run([*edge_device_cmd(), "run", "--help"], cwd=tmp_path, capture_output=True,
                         text=True, timeout=60)
    assert out.returncode == 0, out.stderr
    assert "usage: edge-device run" in out.stdout and "--config" in out.stdout
