"""Stopping a child process the way every test, demo and benchmark does (dev tooling).

SIGTERM first, because the project's processes stop gracefully on it (a device
publishes "offline", drains its queue and commits its log; a broker saves its
persistence file), then SIGKILL if that takes longer than ``timeout``.
"""

from __future__ import annotations

import subprocess


def stop_process(proc: subprocess.Popen | None, timeout: float = 10.0) -> int | None:
    """SIGTERM ``proc``, wait up to ``timeout`` s, then SIGKILL and reap it.

    Returns its exit status (None for no process); a process that already exited
    is only reaped."""
    if proc is None:
        return None
    if proc.poll() is not None:
        return proc.returncode
    proc.terminate()
    try:
        return proc.wait(timeout)
    except subprocess.TimeoutExpired:
        proc.kill()
        return proc.wait()
