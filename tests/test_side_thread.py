"""cloud_trainer.side_thread: the trainer's stages beside the fits, or in turn."""

from __future__ import annotations

import sys
import threading
import time

import pytest

from cloud_trainer.side_thread import Cancelled, SideThread


def test_in_turn_runs_each_task_at_submit_on_the_calling_thread() -> None:
    ran: list[str] = []
    with SideThread(enabled=False) as side:
        future = side.submit(lambda: ran.append(threading.current_thread().name) or 7)
        assert ran == [threading.current_thread().name]  # before any wait
        assert side.wait(future) == 7


def test_in_turn_raises_a_task_error_at_submit() -> None:
    def broken() -> None:
        raise ValueError("bad baseline")

    with SideThread(enabled=False) as side, pytest.raises(ValueError, match="bad baseline"):
        side.submit(broken)


def test_side_tasks_run_in_submission_order_on_one_other_thread() -> None:
    order: list[tuple[int, str]] = []

    def task(n: int) -> int:
        time.sleep(0.01 * (3 - n))  # the first is the slowest: FIFO, not first done
        order.append((n, threading.current_thread().name))
        return n

    with SideThread(enabled=True) as side:
        futures = [side.submit(task, n) for n in range(3)]
        assert [side.wait(f) for f in futures] == [0, 1, 2]
    assert [n for n, _ in order] == [0, 1, 2]
    names = {name for _, name in order}
    assert len(names) == 1 and names != {threading.current_thread().name}
    assert side.waited_s > 0


def test_the_switch_interval_holds_inside_the_block_and_is_restored() -> None:
    before = sys.getswitchinterval()
    with SideThread(enabled=True, switch_interval_s=0.001):
        assert sys.getswitchinterval() == pytest.approx(0.001, abs=1.5e-6)
    assert sys.getswitchinterval() == pytest.approx(before, abs=1.5e-6)
    with SideThread(enabled=False, switch_interval_s=0.001):  # no thread, nothing to yield to
        assert sys.getswitchinterval() == pytest.approx(before, abs=1.5e-6)


def test_an_error_on_the_main_thread_stops_the_running_task_and_drops_the_queued_ones() -> None:
    """Ctrl-C during a fit must not wait for every queued evaluation: the running task
    stops at its next check and the queued ones never start."""
    started = threading.Event()
    checks_after_stop: list[int] = []
    queued_ran: list[bool] = []

    def long_task(side: SideThread) -> None:
        started.set()
        for n in range(1000):  # units of work, ~10 s in all if never stopped
            try:
                side.check()
            except Cancelled:
                checks_after_stop.append(n)
                raise
            time.sleep(0.01)

    t0 = time.perf_counter()
    with pytest.raises(KeyboardInterrupt), SideThread(enabled=True) as side:
        running = side.submit(long_task, side)
        queued = side.submit(lambda: queued_ran.append(True))
        assert started.wait(5)
        raise KeyboardInterrupt
    assert time.perf_counter() - t0 < 5
    assert checks_after_stop and checks_after_stop[0] < 1000
    assert isinstance(running.exception(), Cancelled)
    assert queued.cancelled() and queued_ran == []


def test_a_side_task_error_reaches_the_main_thread_at_wait() -> None:
    def broken() -> None:
        raise RuntimeError("evaluation failed")

    with pytest.raises(RuntimeError, match="evaluation failed"), SideThread(enabled=True) as side:
        side.wait(side.submit(broken))
