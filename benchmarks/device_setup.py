"""Set-up the device benchmarks share (edge_latency, overload, handle_cpu, ...):
the trained bundle they run on, stderr reporting, a process's CPU and memory.

Human-readable lines go to stderr (:func:`say`) so that each benchmark's last
stdout line stays its one JSON result.
"""

from __future__ import annotations

import argparse
import os
import re
import subprocess
import sys
from pathlib import Path
from typing import Any

from edge.cli import GC_GEN0_THRESHOLD

REPO = Path(__file__).resolve().parents[1]
DEFAULT_BUNDLE = REPO / "out" / "train" / "bundle"
TRAIN_CMD = ["cloud-trainer", "train", "--dataset", "completejourney",
             "--data-dir", "../shared/data/completejourney", "--out", "out/train"]


def add_device_knobs(ap: argparse.ArgumentParser) -> None:
    """``--device-cpus`` / ``--device-gc-gen0``: the process knobs of ``edge-device run``
    (``--cpus``, ``--gc-gen0``) a benchmark passes on to the device it starts."""
    ap.add_argument("--device-cpus", default=None,
                    help="passed to the device (edge-device run --cpus): pin its process to these CPUs, "
                         "e.g. 1 (default: no pinning)")
    ap.add_argument("--device-gc-gen0", type=int, default=None,
                    help="passed to the device (edge-device run --gc-gen0): the cyclic GC's "
                         "generation-0 threshold (default: the device's; 0: Python's 700)")


def device_knob_args(args: argparse.Namespace) -> list[str]:
    """The ``edge-device run`` arguments for :func:`add_device_knobs`' options."""
    return [*(["--gc-gen0", str(args.device_gc_gen0)] if args.device_gc_gen0 is not None else []),
            *(["--cpus", args.device_cpus] if args.device_cpus else [])]


def device_knobs_report(args: argparse.Namespace) -> dict[str, Any]:
    """The knobs the device ran with, for a benchmark's JSON."""
    return {"device_cpus": args.device_cpus,
            "device_gc_gen0": GC_GEN0_THRESHOLD if args.device_gc_gen0 is None else args.device_gc_gen0}


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


def thread_names(pid: int) -> dict[str, str]:
    """Native thread id -> Python thread name, read once with py-spy (Python 3.11
    does not name OS threads); empty without py-spy."""
    exe = Path(sys.executable).with_name("py-spy")
    if not exe.exists():
        return {}
    try:
        text = subprocess.run([str(exe), "dump", "--pid", str(pid)], capture_output=True, text=True,
                              timeout=20).stdout
    except (OSError, subprocess.SubprocessError):
        return {}
    return dict(re.findall(r'^Thread (\d+) \([^)]*\): "([^"]+)"', text, flags=re.M))


def thread_cpu_s(pid: int) -> dict[str, float]:
    out = {}
    tick = os.sysconf("SC_CLK_TCK")
    for task in Path(f"/proc/{pid}/task").glob("*"):
        try:
            fields = (task / "stat").read_text().rsplit(")", 1)[1].split()
        except (OSError, IndexError):
            continue
        out[task.name] = (int(fields[11]) + int(fields[12])) / tick
    return out


def cpu_by_thread(before: dict[str, float], after: dict[str, float], names: dict[str, str],
                  per: int) -> dict[str, float]:
    """CPU microseconds per unit (``per`` signals) of each thread between two
    :func:`thread_cpu_s` samples, by Python thread name (the busy ones)."""
    out: dict[str, float] = {}
    for tid, cpu in after.items():
        used = cpu - before.get(tid, 0.0)
        if used > 0:
            name = names.get(tid, f"tid {tid}")
            out[name] = out.get(name, 0.0) + used
    return {k: round(v / max(per, 1) * 1e6, 1) for k, v in sorted(out.items(), key=lambda kv: -kv[1])
            if v / max(per, 1) * 1e6 >= 1.0}
