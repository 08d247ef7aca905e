"""Set-up the device benchmarks share (edge_latency, overload, handle_cpu, ...):
the trained bundle they run on, stderr reporting, a process's CPU and memory.

Human-readable lines go to stderr (:func:`say`) so that each benchmark's last
stdout line stays its one JSON result.
"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
DEFAULT_BUNDLE = REPO / "out" / "train" / "bundle"
TRAIN_CMD = ["cloud-trainer", "train", "--dataset", "completejourney",
             "--data-dir", "../shared/data/completejourney", "--out", "out/train"]


def say(msg: str) -> None:
    print(msg, file=sys.stderr, flush=True)


def ensure_bundle(bundle: Path) -> None:
    """Train the Complete Journey bundle first if ``bundle`` has none (a fresh clone)."""
    if (bundle / "manifest.json").exists():
        return
    exe = Path(sys.executable).with_name("cloud-trainer")
    cmd = [str(exe) if exe.exists() else TRAIN_CMD[0], *TRAIN_CMD[1:]]
    say(f"bundle {bundle} missing: training one first ({' '.join(cmd)})")
    subprocess.run(cmd, check=True, cwd=REPO)
    if not (bundle / "manifest.json").exists():
        raise SystemExit(f"training finished but {bundle}/manifest.json is still missing")


def proc_cpu_s(pid: int) -> float:
    """User + system CPU seconds of a process (from /proc/PID/stat); 0.0 once it is gone."""
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
        return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")
    except (OSError, IndexError, ValueError):
        return 0.0


def proc_rss_mb(pid: int) -> float | None:
    """Resident memory of a process now, in MB (None once it is gone)."""
    try:
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) / 1024
    except OSError:
        pass
    return None
