"""One side thread beside the network's fits, or none.

A Keras fit keeps about 1.4 of the 2 cores busy and releases the GIL in its kernels.
The trainer's stages that need no model being trained (the baselines, a finished
seed's LiteRT evaluation, the champion's candidates) run on one side thread
meanwhile: Complete Journey's ``train_seconds`` went from 206 to 164 on a 2-core
machine with the same report (docs/performance-log.md, "(2026-12-03 (m))"). Each
side does the same computations in the same order, so no number can change;
``SideThread(enabled=False)`` runs each task at ``submit``, in turn, as large
exports do (their peak memory would add up).

One worker, not more: the tasks read each other's results in submission order
(an evaluation compares with the baselines), which a single FIFO worker gives
without locks.
"""

from __future__ import annotations

import sys
import threading
import time
from collections.abc import Callable
from concurrent.futures import Future, ThreadPoolExecutor
from types import TracebackType
from typing import Any, TypeVar

T = TypeVar("T")


class Cancelled(Exception):
    """The run stopped (Ctrl-C, or an error on the main thread): a side task gives up at
    its next :meth:`SideThread.check` instead of finishing work nobody will read."""


class SideThread:
    """``with SideThread(enabled) as side``: ``side.submit(fn, *args)`` returns a future;
    ``side.wait(future)`` is its result, and the time spent waiting adds to
    ``waited_s`` (the report's ``timings.side_wait``).

    ``switch_interval_s`` sets the GIL switch interval while the thread exists (Python's
    default is 5 ms): Keras' loop needs the GIL for short spells between kernels, and
    the side thread's Python could hold it that long each time.

    Leaving the block with an exception (Ctrl-C during a fit) drops the tasks not yet
    started and asks the running one to stop at its next ``check()``; the block waits
    only for that, not for minutes of evaluation.
    """

    def __init__(self, enabled: bool, switch_interval_s: float | None = None) -> None:
        self.enabled = enabled
        self.waited_s = 0.0
        self._switch = switch_interval_s if enabled else None
        self._before: float | None = None
        self._stop = threading.Event()
        self._pool: ThreadPoolExecutor | None = None

    def __enter__(self) -> SideThread:
        if self.enabled:
            self._pool = ThreadPoolExecutor(max_workers=1, thread_name_prefix="trainer-side")
            if self._switch is not None:
                self._before = sys.getswitchinterval()
                sys.setswitchinterval(self._switch)
        return self

    def __exit__(self, exc_type: type[BaseException] | None, exc: BaseException | None,
                 tb: TracebackType | None) -> None:
        try:
            if self._pool is not None:
                if exc_type is not None:
                    self._stop.set()
                self._pool.shutdown(wait=True, cancel_futures=exc_type is not None)
        finally:
            if self._before is not None:
                sys.setswitchinterval(self._before)

    def submit(self, fn: Callable[..., T], *args: Any) -> Future[T]:
        if self._pool is not None:
            return self._pool.submit(fn, *args)
        done: Future[T] = Future()
        done.set_result(fn(*args))  # in turn: an error raises here, at its stage
        return done

    def wait(self, future: Future[T]) -> T:
        t = time.perf_counter()
        try:
            return future.result()
        finally:
            self.waited_s += time.perf_counter() - t

    def check(self) -> None:
        """Raise :class:`Cancelled` if the run has stopped; side tasks call it between
        their units of work (one baseline, one seed's gate fit)."""
        if self._stop.is_set():
            raise Cancelled("the training run stopped")
