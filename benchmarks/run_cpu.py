"""CPU of every process in a benchmark run, so a reader sees how the cores were split.

``edge_latency`` runs Mosquitto, the device, its own load generator and a
receiver process on the same machine: at 1,000 signals/s and more they compete
for the same two cores, and a device figure alone cannot tell "the device is
slow" from "the harness took the CPU". :class:`RunCpu` samples each process's
user + system CPU (``/proc/PID/stat``) and the whole machine's busy time
(``/proc/stat``, which also counts processes outside the run) so a window can be
reported as CPU microseconds per signal per process and as cores busy.
"""

from __future__ import annotations

import os
import time
from pathlib import Path

from benchmarks.device_setup import proc_cpu_s

_TICK = os.sysconf("SC_CLK_TCK")


def machine_busy_s() -> float:
    """CPU seconds every core of the machine spent not idle since boot (all processes)."""
    try:
        fields = Path("/proc/stat").read_text().split("\n", 1)[0].split()[1:]
    except OSError:
        return 0.0
    ticks = [int(f) for f in fields]
    # user nice system idle iowait irq softirq steal (guest time is inside user already)
    idle = ticks[3] + (ticks[4] if len(ticks) > 4 else 0)
    return (sum(ticks[:8]) - idle) / _TICK


def thread_sched_s(pid: int) -> dict[str, tuple[float, float, int]]:
    """Native thread id -> (seconds on a CPU, seconds runnable but waiting for one,
    times it was put on a CPU) of each live thread of ``pid``
    (``/proc/PID/task/TID/schedstat``, nanoseconds). The wait is what a starved
    thread shows: it had work and no core to run it on (a thread waiting for the
    GIL or a lock sleeps, so it is not counted). The count is its wake-ups (and
    preemptions): a thread that sleeps on every message shows one per message."""
    out = {}
    for task in Path(f"/proc/{pid}/task").glob("*"):
        try:
            on_cpu, waiting, runs = (task / "schedstat").read_text().split()
        except (OSError, ValueError):
            continue
        out[task.name] = (int(on_cpu) / 1e9, int(waiting) / 1e9, int(runs))
    return out


def runq_wait_s(pid: int) -> float:
    """Seconds the live threads of ``pid`` waited, runnable, for a CPU (see :func:`thread_sched_s`)."""
    return sum(w for _, w, _ in thread_sched_s(pid).values())


def sched_by_thread(before: dict[str, tuple[float, float, int]], after: dict[str, tuple[float, float, int]],
                    names: dict[str, str], wall_s: float) -> dict[str, dict[str, float]]:
    """Per Python thread name: cores on a CPU, cores' worth of waiting for one and
    times put on a CPU per second (``runs_per_s``: wake-ups) between two
    :func:`thread_sched_s` samples (threads under 0.01 cores of both left out)."""
    acc: dict[str, list[float]] = {}
    for tid, (cpu, wait, runs) in after.items():
        c0, w0, r0 = before.get(tid, (0.0, 0.0, 0))
        row = acc.setdefault(names.get(tid, f"tid {tid}"), [0.0, 0.0, 0.0])
        row[0] += cpu - c0
        row[1] += wait - w0
        row[2] += runs - r0
    wall = max(wall_s, 1e-9)
    return {k: {"cpu_cores": round(c / wall, 2), "runq_wait_cores": round(w / wall, 2), "runs_per_s": round(r / wall)}
            for k, (c, w, r) in sorted(acc.items(), key=lambda kv: -kv[1][0]) if max(c, w) / wall >= 0.01}


class RunCpu:
    """Samples the CPU of named processes (``{"device": pid, "broker": pid, ...}``)."""

    def __init__(self, pids: dict[str, int]) -> None:
        self.pids = dict(pids)

    def sample(self) -> dict[str, float]:
        out = {name: proc_cpu_s(pid) for name, pid in self.pids.items()}
        out.update({f"{name}:runq": runq_wait_s(pid) for name, pid in self.pids.items()})
        out["_machine"] = machine_busy_s()
        out["_wall"] = time.perf_counter()
        return out

    def split(self, before: dict[str, float], after: dict[str, float], signals: int,
              busy_until: dict[str, float] | None = None) -> dict:
        """The window ``before`` .. ``after`` as CPU per signal of each process
        (``us_per_signal``, with ``harness`` = load generator + receiver) and cores
        busy (``cores``: CPU seconds per wall second, with ``other_processes`` =
        the machine's busy time outside this run's processes and ``idle``).

        ``busy_until``: a sample taken when the sending stopped; cores are then
        computed over the sending only (the grace after it, when every process
        idles, would dilute them), CPU per signal still over the whole window
        (late answers count)."""
        n = max(signals, 1)
        used = {name: max(after[name] - before[name], 0.0) for name in self.pids}
        per = {name: round(s / n * 1e6, 1) for name, s in used.items()}
        harness = [k for k in ("load_generator", "receiver") if k in used]
        if harness:
            per["harness"] = round(sum(used[k] for k in harness) / n * 1e6, 1)
        per["all"] = round(sum(used.values()) / n * 1e6, 1)
        end = busy_until or after
        wall = max(end["_wall"] - before["_wall"], 1e-9)
        cores = {name: round(max(end[name] - before[name], 0.0) / wall, 2) for name in self.pids}
        machine = max(end["_machine"] - before["_machine"], 0.0) / wall
        ours = sum(max(end[name] - before[name], 0.0) for name in self.pids) / wall
        cores["other_processes"] = round(max(machine - ours, 0.0), 2)
        cores["idle"] = round(max((os.cpu_count() or 1) - machine, 0.0), 2)
        # Runnable but not running (summed over each process's threads): a process
        # starved of a core shows it here, one blocked on its own locks does not.
        waits = {name: round(max(end[f"{name}:runq"] - before[f"{name}:runq"], 0.0) / wall, 2)
                 for name in self.pids}
        return {"us_per_signal": per, "cores": cores, "runq_wait_cores": waits, "cores_window_s": round(wall, 2)}


def say_split(label: str, split: dict) -> str:
    """One line: us/signal per process and the cores each used."""
    per, cores = split["us_per_signal"], split["cores"]
    parts = [f"{k} {v:.0f}" for k, v in per.items()]
    cparts = [f"{k} {v:.2f}" for k, v in cores.items()]
    wparts = [f"{k} {v:.2f}" for k, v in split.get("runq_wait_cores", {}).items()]
    return (f"{label}: CPU us/signal {', '.join(parts)} | cores {', '.join(cparts)} | "
            f"waiting for a core {', '.join(wparts)}")
