"""Probation: the device judges a freshly swapped model by its own health.

For ``window_s`` after a swap every answered signal is recorded here (handling
time, whether the model or popularity answered it, whether it failed) along
with inference-watchdog trips. :meth:`Probation.check` returns the first
breach as a reason (a word first, then numbers), or None; the OTA manager
rolls back on a breach and confirms the model when the window ends clean.

Recording is a few list appends under the GIL (called on the signal path);
the p99 is computed only in :meth:`check`, off the signal path.
"""

from __future__ import annotations

import threading
import time
from dataclasses import dataclass

import numpy as np

from firmware_config.ota import ProbationConfig

MIN_LATE_SAMPLES = 20
"""After the window, a p99 (in effect the maximum) of this few signals still decides."""
QUIET_WINDOWS = 3
"""A store too quiet to give ``min_signals`` passes after this many windows without a breach."""
MAX_SAMPLES = 200_000
"""Latency samples kept per probation (a 60 s window at 1,000 signals/s is 60k)."""


@dataclass
class Verdict:
    breach: str | None
    """Reason word plus detail, e.g. 'slow_model: p99 12.3 ms > 5.0 ms over 812 signals'."""
    done: bool
    """The window ended without a breach: the model passes."""
    signals: int
    p99_ms: float | None


class Probation:
    """Health counters of one model version during its probation window."""

    def __init__(self, version: str, config: ProbationConfig, *, baseline_p99_ms: float | None = None,
                 clock=time.monotonic) -> None:
        self.version = version
        self.config = config
        self.clock = clock
        self.started = clock()
        self.baseline_p99_ms = baseline_p99_ms
        self._lat: list[float] = []
        self.model_answers = 0
        self.fallbacks = 0
        self.errors = 0
        self.watchdog_trips = 0
        self._lock = threading.Lock()
        self.breach: str | None = None

    # ---- recording (signal path) --------------------------------------------------

    def record(self, seconds: float, strategy: str | None, *, eligible: bool = True) -> None:
        """One answered signal: its handling time and which strategy answered it.
        ``eligible``: the model should have answered it (a shopper with a
        history, or the model cold-start policy)."""
        if len(self._lat) < MAX_SAMPLES:
            self._lat.append(seconds)
        if not eligible:
            return
        if strategy == "model":
            self.model_answers += 1
        elif strategy is not None:
            self.fallbacks += 1

    def error(self) -> None:
        self.errors += 1

    def watchdog_trip(self) -> None:
        self.watchdog_trips += 1

    # ---- judging (housekeeping) -------------------------------------------------------

    @property
    def elapsed_s(self) -> float:
        return self.clock() - self.started

    def p99_ms(self) -> float | None:
        lat = self._lat[:]  # a copy: the signal path keeps appending
        if not lat:
            return None
        return float(np.percentile(np.asarray(lat), 99)) * 1000

    def check(self) -> Verdict:
        cfg = self.config
        n = len(self._lat)
        elapsed = self.elapsed_s
        # A model so slow that the device answers few signals must not pass for
        # lack of samples: once the window is over, judge whatever was answered.
        enough = n >= cfg.min_signals or (elapsed >= cfg.window_s and n >= min(MIN_LATE_SAMPLES, cfg.min_signals))
        p99 = self.p99_ms() if enough else None
        breach = None
        if self.errors > cfg.max_errors:
            breach = f"inference_errors: {self.errors} errors under {self.version} (max {cfg.max_errors})"
        elif self.watchdog_trips > cfg.max_watchdog_trips:
            breach = (f"watchdog: {self.watchdog_trips} stuck inferences under {self.version} "
                      f"(max {cfg.max_watchdog_trips})")
        elif p99 is not None and p99 > cfg.max_p99_ms:
            breach = f"slow_model: p99 {p99:.1f} ms > {cfg.max_p99_ms:g} ms over {n} signals"
        elif (p99 is not None and cfg.max_p99_ratio is not None and self.baseline_p99_ms
              and p99 > cfg.max_p99_ratio * self.baseline_p99_ms):
            breach = (f"slow_model: p99 {p99:.1f} ms > {cfg.max_p99_ratio:g} x the previous model's "
                      f"{self.baseline_p99_ms:.1f} ms over {n} signals")
        else:
            judged = self.model_answers + self.fallbacks
            if judged >= cfg.min_signals:
                share = self.fallbacks / judged
                if share > cfg.max_fallback_share:
                    breach = (f"popularity_fallback: {share:.0%} of {judged} signals answered by "
                              f"popularity (max {cfg.max_fallback_share:.0%})")
        if breach is not None:
            self.breach = breach
        # Passing needs the window and either the samples or (a quiet store) three windows.
        done = breach is None and elapsed >= cfg.window_s and (
            n >= cfg.min_signals or elapsed >= QUIET_WINDOWS * cfg.window_s)
        return Verdict(breach=breach, done=done, signals=n, p99_ms=p99)


class LatencyWindow:
    """The last few thousand handling times outside probation: the previous
    model's p99 just before a swap (the reference of ``max_p99_ratio``)."""

    def __init__(self, size: int = 5000) -> None:
        self.size = size
        self._buf = np.zeros(size, dtype=np.float64)
        self._n = 0

    def record(self, seconds: float) -> None:
        self._buf[self._n % self.size] = seconds
        self._n += 1

    def p99_ms(self) -> float | None:
        n = min(self._n, self.size)
        if n < 50:
            return None
        return float(np.percentile(self._buf[:n], 99)) * 1000
