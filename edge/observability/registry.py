"""One registry of the device's numbers, read by the MQTT status and by ``/metrics``.

The hot path writes plain attributes (``received``, ``rejected``, ``stage_ns``
are :class:`collections.Counter`; ``published``, ``errors``, ``handled`` ints):
an increment costs what it cost before the registry existed. Everything else
is registered by the part that owns it and read only when someone asks:

* :meth:`Registry.counter` / :meth:`Registry.gauge`: named metric families with
  labels (a part increments its counter, or hands a callback for a gauge);
* :meth:`Registry.register_block`: a named block of the status ``detail``
  (``detail.model``, ``detail.ota``, ``detail.score_cache``...), a callable
  returning a JSON value, evaluated each time a status is built;
* :meth:`Registry.on_collect`: a callback run before each read (e.g. to clear
  a health flag that recovered).

:meth:`Registry.detail` builds the status detail, :meth:`Registry.metrics` the
metric families, and :func:`render_prometheus` their text exposition: both
from the same attributes, so an operator watching MQTT and one scraping
Prometheus see the same numbers. A failing callback yields an ``error`` entry
for its block, never an exception: status must never take the device down.
"""

from __future__ import annotations

import logging
import math
import threading
from collections import Counter
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from typing import Any

from edge.admission import TopCounter

log = logging.getLogger(__name__)

MAX_REJECT_REASONS = 32
REJECT_REASONS_SHOWN = 10
"""The status lists the top reasons; the rest are summed under "other"."""

Labels = tuple[tuple[str, str], ...]


@dataclass
class Metric:
    """One metric family: name, type (counter or gauge), help, and its samples."""

    name: str
    kind: str
    help: str
    samples: list[tuple[Labels, float]] = field(default_factory=list)


class CounterFamily:
    """A counter with optional labels; ``inc`` is a dict update under a lock."""

    def __init__(self, name: str, help: str, labels: tuple[str, ...] = ()) -> None:
        self.name, self.help, self.labels = name, help, labels
        self.values: Counter = Counter()
        self._lock = threading.Lock()

    def inc(self, *label_values: str, n: float = 1) -> None:
        if len(label_values) != len(self.labels):
            raise ValueError(f"{self.name}: labels {self.labels}, got {label_values}")
        with self._lock:
            self.values[label_values] += n

    def value(self, *label_values: str) -> float:
        return self.values.get(label_values, 0)

    def collect(self) -> Metric:
        with self._lock:
            items = list(self.values.items())
        return Metric(self.name, "counter", self.help,
                      [(tuple(zip(self.labels, lv, strict=True)), float(v)) for lv, v in items])


class GaugeFamily:
    """A gauge read from a callback (a number, or {label values tuple: number})."""

    def __init__(self, name: str, help: str, fn: Callable[[], float | dict], labels: tuple[str, ...] = ()) -> None:
        self.name, self.help, self.fn, self.labels = name, help, fn, labels

    def collect(self) -> Metric:
        got = self.fn()
        if isinstance(got, dict):
            samples = [(tuple(zip(self.labels, k if isinstance(k, tuple) else (k,), strict=True)), float(v))
                       for k, v in got.items()]
        else:
            samples = [((), float(got))]
        return Metric(self.name, "gauge", self.help, samples)


class Registry:
    """Counters, gauges, per-stage time, health and status blocks of one device process."""

    def __init__(self, prefix: str = "edge") -> None:
        self.prefix = prefix
        # The hot path's own counters: plain attributes, no indirection.
        self.received: Counter = Counter()
        """Messages parsed, by kind (location, pos...)."""
        self.rejected: TopCounter = TopCounter(MAX_REJECT_REASONS)
        """Dead-lettered messages, by the first word of the reason. Bounded: a
        reason names the offending field, and senders choose field names (20,000
        unique keys once made a 5 MB status); new reasons past the bound count as "other"."""
        self.stage_ns: Counter = Counter()
        """Nanoseconds spent per stage (parse, state, score, rank, publish, log, total)."""
        self.published = 0
        self.errors = 0
        self.handled = 0
        self.health: dict[str, Any] = {"inference": "ok"}
        """Free-form health flags, published as ``detail.health``."""
        self._families: dict[str, CounterFamily | GaugeFamily] = {}
        self._blocks: dict[str, Callable[[], Any]] = {}
        self._collect_hooks: list[Callable[[], None]] = []
        self._lock = threading.Lock()

    # ---- registration (any part: ota, feedback, signage...) ---------------------

    def counter(self, name: str, help: str, labels: Iterable[str] = ()) -> CounterFamily:
        """A named counter family (the same object if already registered)."""
        with self._lock:
            fam = self._families.get(name)
            if fam is None:
                fam = self._families[name] = CounterFamily(name, help, tuple(labels))
            if not isinstance(fam, CounterFamily):
                raise ValueError(f"metric {name} is already a gauge")
            return fam

    def gauge(self, name: str, help: str, fn: Callable[[], float | dict], labels: Iterable[str] = ()) -> GaugeFamily:
        """A gauge read from ``fn`` when collected (replaces one of the same name)."""
        with self._lock:
            fam = self._families[name] = GaugeFamily(name, help, fn, tuple(labels))
            return fam

    def register_block(self, name: str, fn: Callable[[], Any]) -> None:
        """``detail[name] = fn()`` in every status (omitted when it returns None)."""
        with self._lock:
            self._blocks[name] = fn

    def unregister_block(self, name: str) -> None:
        with self._lock:
            self._blocks.pop(name, None)

    def on_collect(self, fn: Callable[[], None]) -> None:
        """Run ``fn`` before every status or scrape (refresh derived health)."""
        with self._lock:
            self._collect_hooks.append(fn)

    # ---- reading -------------------------------------------------------------------

    def _collect(self) -> None:
        for fn in list(self._collect_hooks):
            try:
                fn()
            except Exception:
                log.exception("status collect hook failed")

    def detail(self) -> dict[str, Any]:
        """The ``detail`` of the device's MQTT status."""
        self._collect()
        n = max(self.handled, 1)
        out: dict[str, Any] = {
            "received": dict(self.received),
            "rejected": self.rejected.top(REJECT_REASONS_SHOWN),
            "rejected_total": sum(self.rejected.values()),
            "published": self.published,
            "errors": self.errors,
            "handled": self.handled,
            "stage_us_mean": {k: round(v / n / 1000, 1) for k, v in self.stage_ns.items()},
            "health": dict(self.health),
        }
        with self._lock:
            blocks = list(self._blocks.items())
        for name, fn in blocks:
            try:
                value = fn()
            except Exception as exc:  # one broken reporter must not hide the others
                value = {"error": f"{type(exc).__name__}: {exc}"[:200]}
            if value is not None:
                out[name] = value
        return out

    def metrics(self) -> list[Metric]:
        """Every metric family, for a Prometheus scrape."""
        self._collect()
        p = self.prefix
        out = [
            Metric(f"{p}_signals_received_total", "counter", "Messages parsed, by kind.",
                   [((("kind", k),), float(v)) for k, v in self.received.items()]),
            Metric(f"{p}_signals_rejected_total", "counter", "Messages dead-lettered, by reason.",
                   [((("reason", k),), float(v)) for k, v in self.rejected.items()]),
            Metric(f"{p}_signals_handled_total", "counter", "Messages handled to the end.",
                   [((), float(self.handled))]),
            Metric(f"{p}_recommendations_published_total", "counter", "Recommendations published.",
                   [((), float(self.published))]),
            Metric(f"{p}_handler_errors_total", "counter", "Handler bugs caught (one message lost each).",
                   [((), float(self.errors))]),
            Metric(f"{p}_stage_seconds_total", "counter", "Time spent per stage of the signal path.",
                   [((("stage", k),), v / 1e9) for k, v in self.stage_ns.items()]),
        ]
        with self._lock:
            families = list(self._families.values())
        for fam in families:
            try:
                out.append(fam.collect())
            except Exception:
                log.exception("metric %s failed", fam.name)
        return out


def render_prometheus(metrics: Iterable[Metric]) -> str:
    """Prometheus text exposition format (version 0.0.4)."""
    lines: list[str] = []
    for m in metrics:
        lines.append(f"# HELP {m.name} {_escape_help(m.help)}")
        lines.append(f"# TYPE {m.name} {m.kind}")
        for labels, value in m.samples:
            label_text = ",".join(f'{k}="{_escape_label(v)}"' for k, v in labels)
            lines.append(f"{m.name}{{{label_text}}} {_number(value)}" if label_text
                         else f"{m.name} {_number(value)}")
    return "\n".join(lines) + "\n"


def _escape_help(text: str) -> str:
    return text.replace("\\", "\\\\").replace("\n", "\\n")


def _escape_label(text: str) -> str:
    return str(text).replace("\\", "\\\\").replace("\n", "\\n").replace('"', '\\"')


def _number(v: float) -> str:
    if math.isnan(v):
        return "NaN"
    if math.isinf(v):
        return "+Inf" if v > 0 else "-Inf"
    return repr(int(v)) if float(v).is_integer() and abs(v) < 2**53 else repr(float(v))
