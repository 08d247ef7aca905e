"""Admission and the overload policy: what the device takes on, and what it sheds.

Between paho's network thread and the agent's worker sits :class:`Intake`, a
bounded queue with two lanes (docs/edge-runtime.md, "Admission, overload and bounds"):

* **Coalesced lane** for QoS 0 positions: ``location`` signals keyed by shopper
  and ``camera`` events keyed by camera, zone, event and track. Below
  ``coalesce_above`` pending (a hiccup) every position is handled, in order.
  Once that many are pending the lane is *flooded* until it is empty again,
  and only the latest position of each shopper matters: a newer signal
  *replaces* the shopper's pending one in place (it keeps the older one's turn:
  a shopper who keeps moving is not pushed back for ever), and the worker skips
  any older position of a shopper that has a newer one pending (queued before
  the flood began). So the backlog a flood leaves is at most one position per
  shopper, not the ``coalesce_above`` oldest ones. At most ``max_coalesced``
  positions are pending; beyond that the oldest is shed and counted. This is
  what a flood fills, and it stays the same size however fast the flood is.
* **Priority lane** for everything else (POS, inventory, interactions,
  requests, camera status, render confirmations). Never shed: when it holds
  ``max_priority`` messages or ``max_priority_bytes`` the network thread waits
  for the worker (TCP backpressure to the broker, which keeps QoS 1 messages),
  in slices short enough that paho keeps the connection alive. The worker
  always serves this lane first, so a touch at a screen is answered within one
  message of the flood.

Oversized payloads never enter either lane: they are handed to ``on_reject``
on the network thread (dead letter + count) at the cost of a length check.

**Run to completion when idle** (``--dispatch hybrid``): a network thread may
:meth:`Intake.claim` the handler instead of queueing, but only while no one is
handling (the worker waits in ``get`` or another link's thread is not running
one) and both lanes are empty; it handles the message itself, then
:meth:`Intake.release` s. Anything else is queued as above, so under load and
floods the lanes, coalescing, shedding and backpressure are unchanged, and a
link's messages stay in order (a queued message of a link is always ahead of
that link's next one, which then queues too). It saves the two thread
hand-offs of an idle device (network thread -> worker -> network thread).

A handler that hangs (an inference stuck in native code) then hangs on the
network thread that claimed it, which is also the thread of paho's keepalive.
What keeps that safe is the link, not the intake: each link's stall guard
(edge/comms/lean_paho.py, ``LeanClient.keep_alive_stalled``; a thread ticking
every keepalive/8, at most 1 s) sees one callback running at two ticks in a row
and, while it runs, writes a PINGREQ every half keepalive and every packet other
threads queued (the watchdog's "stuck" status, the log writer's acks) itself, so
the broker neither drops the device nor publishes its last will; what arrives
meanwhile waits in the socket (QoS 1 unacknowledged) and is handled when the
handler returns. Chosen over the alternatives because nothing else can help: a
claimed handler cannot be handed to the worker once it hangs (the thread is
inside it), and marking the link so that later messages queue does not send a
single PINGREQ. The guard adds no work per signal (it reads a lock's state and
a counter once a tick). Over TLS the device does not claim at all (edge/app.py:
a TLS socket must not be written by the guard while the network thread may be
reading it), so ``hybrid`` is ``queue`` there. tests/test_hybrid_stall.py.

:class:`SeenWindow` remembers accepted ``signal_id`` s of POS and interactions
for a window, so a QoS 1 redelivery or a replayed message is counted as a
duplicate instead of becoming a second feedback event.

:class:`TopCounter` is a counter with a bounded number of keys (top N plus
"other"): rejection reasons come from untrusted input (an unknown key's name is
its reason), so the status must not grow with them.
"""

from __future__ import annotations

import ctypes
import ctypes.util
import json
import logging
import threading
import time
from collections import Counter, OrderedDict, deque
from collections.abc import Callable, Hashable
from typing import Any

from edge.comms.topics import MAX_PAYLOAD_BYTES, TopicTree

log = logging.getLogger(__name__)

COALESCED_KINDS = frozenset({"location", "camera"})
NEVER_SHED = ("pos", "inventory", "interaction", "request", "camera_status", "rendered")
COALESCE_ABOVE = 500
"""Positions pending before newer ones replace older ones of the same shopper.
Below it (a short hiccup: a model swap, a busy second) every position is
handled and answered in order; above it the device is flooded, and only the
latest position of each shopper matters."""
PACE_ABOVE = 100
"""Positions pending before the worker starts resting between them (a flood)."""
MAX_REST_S = 0.01
MAX_BACKPRESSURE_S = 5.0
"""Longest the network thread waits for room in the priority lane for one
message. Past it the message is queued over the bound (counted in
``over_bound``), never dropped: paho's loop is this thread, and waiting longer
than the keepalive would get the device disconnected and reported offline
while it is alive (a third of the default 15 s keepalive)."""


class Intake:
    """The worker queue: ``put`` from the network thread, ``get`` from the worker.

    Drop-in for the ``queue.SimpleQueue`` the agent used (``put(item)``,
    ``get()``, ``None`` as the stop sentinel), bounded as described above."""

    def __init__(
        self,
        topics: TopicTree,
        *,
        max_coalesced: int = 2_000,
        max_priority: int = 5_000,
        max_priority_bytes: int = 16 * 2**20,
        pace: float = 1.0,
        coalesce_above: int = COALESCE_ABOVE,
        on_reject: Callable[[str, bytes, str], None] | None = None,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.topics = topics
        self.max_coalesced = max_coalesced
        self.max_priority = max_priority
        self.max_priority_bytes = max_priority_bytes
        self.on_reject = on_reject
        self.clock = clock
        self._cond = threading.Condition()
        self._priority: deque[tuple[tuple[Any, ...], float]] = deque()
        self.priority_wait_s = 0.0
        self.priority_wait_max_s = 0.0
        self.priority_taken = 0
        """Time priority messages waited in the lane (for the worker), in total and at most."""
        self._priority_bytes = 0
        self._pending: OrderedDict[int, tuple[Hashable, tuple[Any, ...]]] = OrderedDict()
        """Turn (a sequence number) -> (shopper key, message), oldest first."""
        self._latest: dict[Hashable, int] = {}
        """Shopper key -> the turn of their newest pending position."""
        self._seq = 0
        self.flooded = False
        """Set when ``coalesce_above`` positions are pending, cleared when the lane is empty."""
        self._stop = False
        self._anon = 0
        self.shed: Counter = Counter({k: 0 for k in ("location", "camera", *NEVER_SHED)})
        """Messages dropped by the overload policy, by kind (only coalesced kinds ever count)."""
        self.coalesced = 0
        """Positions replaced by a newer one of the same shopper/track before they were handled."""
        self.oversize = 0
        self.backpressure_s = 0.0
        """Total time the network thread waited for room in the priority lane."""
        self.over_bound = 0
        """Priority messages queued past the bound after MAX_BACKPRESSURE_S (none dropped)."""
        self.peak_backlog = 0
        self._peak_since = 0
        self.pace = pace
        self.coalesce_above = coalesce_above
        self.rested_s = 0.0
        """Time the worker rested under a flood, leaving the GIL to the network thread."""
        self._last_was_position = False
        self._last_get = 0.0
        self.refused_stopping = 0
        """Priority messages that came while stopping: left unacknowledged with the broker."""
        self.drained_at: float | None = None
        """When the backlog last went from non-empty to empty (for giving memory back)."""
        self._busy: str | None = None
        """Who is handling a message, "worker" or "claim": by the worker (from ``get`` returning it to
        its next ``get``) or by a network thread that claimed it (``claim`` to
        ``release``). One at a time, so handling stays in arrival order."""
        self.ran_inline = 0
        """Messages a network thread handled itself (``claim``), not queued."""

    # ---- producer: paho's network thread --------------------------------------------

    def put(self, item: tuple[Any, ...] | None) -> None:
        if item is None:
            with self._cond:
                self._stop = True
                self._cond.notify_all()
            return
        topic, payload = item[0], item[1]
        ack = item[3] if len(item) > 3 else None
        if len(payload) > MAX_PAYLOAD_BYTES:
            # Admission before work: a length check, no copy, no parse.
            self.oversize += 1
            if self.on_reject is not None:
                self.on_reject(topic, payload, f"payload: {len(payload)} bytes, more than the "
                                               f"{MAX_PAYLOAD_BYTES} allowed")
            if ack is not None:
                ack()  # dead-lettered: done with it
            return
        found = self.topics.classify(topic)
        kind = found[0] if found else None
        if kind in COALESCED_KINDS:
            if ack is not None:
                ack()  # positions are best effort (QoS 0 by contract): a newer one supersedes it
                item = item[:3]
            self._put_coalesced(kind, self._key(kind, topic, payload), item)
            if self.flooded:
                # Flooded: hand the GIL over after each position, so the main
                # connection's thread and the worker run between them instead of
                # waiting out a whole switch interval (5 ms) behind this thread.
                # (The flag, not the lane's length: latest-per-shopper keeps the
                # lane under the threshold for most of a flood.)
                time.sleep(0)
        else:
            self._put_priority(item, len(payload))

    def claim(self, size: int) -> bool:
        """Run to completion: True when the caller (a network thread) may handle a
        message of ``size`` bytes itself, because nobody is handling one and
        nothing is queued; it must call :meth:`release` when done. False: ``put``
        it (oversized payloads too, so admission rejects them there)."""
        if size > MAX_PAYLOAD_BYTES:
            return False
        with self._cond:
            if self._busy or self._stop or self._priority or self._pending:
                return False
            self._busy = "claim"
            self.ran_inline += 1
            return True

    def release(self) -> None:
        """The message claimed is done: the worker may take what queued meanwhile."""
        with self._cond:
            self._busy = None
            if self._priority or self._pending or self._stop:
                self._cond.notify_all()

    def _key(self, kind: str, topic: str, payload: bytes) -> Hashable:
        """Who a position is about, read without validating (the worker validates
        the survivor). Anything unreadable gets a key of its own: it is not
        coalesced, and the worker dead-letters it."""
        try:
            body = json.loads(payload)
            if kind == "location":
                shopper = body["shopper"]
                who = shopper.get("loyalty_id") or shopper.get("track_id")
                if isinstance(who, str):
                    return (kind, "l" if shopper.get("loyalty_id") else "t", who)
            else:
                key = (kind, topic, body.get("zone"), body.get("event"), body.get("track_id"),
                       body.get("display_id"))
                if all(isinstance(k, str | None) for k in key):
                    return key
        except (ValueError, TypeError, KeyError, AttributeError, RecursionError):
            pass
        self._anon += 1
        return ("raw", self._anon)

    def _put_coalesced(self, kind: str, key: Hashable, item: tuple[Any, ...]) -> None:
        with self._cond:
            pending = self._pending
            if len(pending) >= self.coalesce_above:
                self.flooded = True
            turn = self._latest.get(key) if self.flooded else None
            if turn is not None:
                pending[turn] = (key, item)  # the latest position, in the older one's turn
                self.coalesced += 1
                return
            # Not a flood (every position is handled and answered, in order), or
            # the shopper's first pending position.
            while len(pending) >= self.max_coalesced:
                old_turn, (old_key, _) = pending.popitem(last=False)
                if self._latest.get(old_key) == old_turn:
                    del self._latest[old_key]
                self.shed[old_key[0] if old_key[0] in COALESCED_KINDS else kind] += 1
            self._seq += 1
            pending[self._seq] = (key, item)
            self._latest[key] = self._seq
            self._grew()
            self._cond.notify()

    def _put_priority(self, item: tuple[Any, ...], size: int) -> None:
        with self._cond:
            if self._stop:
                # Stopping: not queued and not acknowledged, so the broker keeps it
                # for the next start (persistent session) instead of us losing it.
                self.refused_stopping += 1
                return
            if self._priority and (len(self._priority) >= self.max_priority
                                   or self._priority_bytes + size > self.max_priority_bytes):
                # Never shed: wait for the worker (TCP backpressure to the broker).
                t0 = time.monotonic()
                room = self._cond.wait_for(lambda: self._stop or (
                    len(self._priority) < self.max_priority
                    and self._priority_bytes + size <= self.max_priority_bytes), MAX_BACKPRESSURE_S)
                self.backpressure_s += time.monotonic() - t0
                if not room:
                    self.over_bound += 1
            self._priority.append((item, time.perf_counter()))
            self._priority_bytes += size
            self._grew()
            self._cond.notify()

    def _grew(self) -> None:
        backlog = len(self._priority) + len(self._pending)
        if backlog > self.peak_backlog:
            self.peak_backlog = backlog
        if backlog > self._peak_since:
            self._peak_since = backlog

    def close(self, *, shed_positions: bool = True) -> None:
        """Stop: ``get`` returns the rest of the priority lane, then None.
        Pending positions are shed (QoS 0, superseded by the next start's) and counted."""
        with self._cond:
            if shed_positions:
                for key, _ in self._pending.values():
                    self.shed[key[0] if key[0] in COALESCED_KINDS else "location"] += 1
                self._pending.clear()
                self._latest.clear()
            self._stop = True
            self._cond.notify_all()

    def take_peak(self) -> int:
        """The largest backlog since the last call (then reset): housekeeping gives
        memory back after a flood."""
        with self._cond:
            peak, self._peak_since = self._peak_since, self.backlog
        return peak

    # ---- consumer: the worker --------------------------------------------------------

    def get(self) -> tuple[Any, ...] | None:
        """The next message: the priority lane first, then the oldest pending
        position. ``None`` once stopped and empty.

        Under a flood (more than ``PACE_ABOVE`` positions pending) the worker
        rests after each position for ``pace`` times as long as it worked on it,
        waking at once for a priority message. Positions coalesce, so doing fewer
        of them loses nothing; the rest leaves the GIL to paho's network thread,
        which must read the socket faster than the flood arrives, or a touch at a
        screen would wait behind the flood in the TCP stream, where no queue
        policy can reach it."""
        with self._cond:
            if self._busy == "worker":
                self._busy = None  # the worker is back: its last message is done
            if self._last_was_position and len(self._pending) > PACE_ABOVE and not self._priority:
                worked = time.perf_counter() - self._last_get
                rest = min(worked * self.pace, MAX_REST_S)
                if rest > 0:
                    self._cond.wait_for(lambda: bool(self._priority) or self._stop, rest)
                    self.rested_s += rest
            while True:
                if self._busy:  # a network thread is running a message to completion
                    self._cond.wait()
                    continue
                if self._priority:
                    item, t_put = self._priority.popleft()
                    self._priority_bytes -= len(item[1])
                    waited = time.perf_counter() - t_put
                    self.priority_wait_s += waited
                    self.priority_taken += 1
                    self.priority_wait_max_s = max(self.priority_wait_max_s, waited)
                    self._after_take(position=False)
                    return item
                item = self._next_position()
                if item is not None:
                    self._after_take(position=True)
                    return item
                if self._stop:
                    return None
                self._cond.wait()

    def _next_position(self) -> tuple[Any, ...] | None:
        """The oldest pending position worth handling (under ``_cond``): while
        flooded, one superseded by a newer position of the same shopper is
        skipped (counted in ``coalesced``)."""
        pending, latest = self._pending, self._latest
        while pending:
            turn, (key, item) = pending.popitem(last=False)
            if latest.get(key) == turn:
                del latest[key]
            elif self.flooded:
                self.coalesced += 1
                continue
            if not pending:
                self.flooded = False
            return item
        self.flooded = False
        return None

    def _after_take(self, *, position: bool) -> None:
        self._busy = "worker"
        self._last_was_position = position
        self._last_get = time.perf_counter()
        self._cond.notify_all()  # room for a waiting producer
        if not self._priority and not self._pending:
            self.drained_at = self.clock()

    # ---- reporting ----------------------------------------------------------------------

    @property
    def backlog(self) -> int:
        return len(self._priority) + len(self._pending)

    @property
    def coalesced_pending(self) -> int:
        return len(self._pending)

    def detail(self) -> dict[str, Any]:
        """The status block: backlog now, bounds, and what was shed (truthfully: by kind)."""
        return {
            "backlog": self.backlog,
            "priority": len(self._priority),
            "coalesced_pending": len(self._pending),
            "peak_backlog": self.peak_backlog,
            "bounds": {"coalesced": self.max_coalesced, "priority": self.max_priority,
                       "priority_bytes": self.max_priority_bytes},
            "shed": dict(self.shed),
            "coalesced": self.coalesced,
            "oversize": self.oversize,
            "backpressure_s": round(self.backpressure_s, 3),
            "over_bound": self.over_bound,
            "rested_s": round(self.rested_s, 3),
            "refused_stopping": self.refused_stopping,
            "ran_inline": self.ran_inline,
            "priority_wait_ms": {"mean": round(self.priority_wait_s / max(self.priority_taken, 1) * 1e3, 2),
                                 "max": round(self.priority_wait_max_s * 1e3, 2)},
        }


class SeenWindow:
    """Accepted signal ids per kind, remembered for ``window_s`` (at most ``cap``
    ids; the oldest go first). Worker thread only."""

    def __init__(self, window_s: float = 600.0, cap: int = 50_000,
                 clock: Callable[[], float] = time.monotonic) -> None:
        self.window_s = window_s
        self.cap = cap
        self.clock = clock
        self._seen: OrderedDict[tuple[str, str], float] = OrderedDict()
        # Every kind counted here (edge.agent.DEDUP_KINDS) has its key from the start: the status thread copies
        # this Counter while the worker counts, and a key added mid-copy raises
        # "dictionary changed size" there (the status then loses its overload block).
        self.duplicates: Counter = Counter({"pos": 0, "interaction": 0})

    def duplicate(self, kind: str, signal_id: str) -> bool:
        """True (and counted) if this id was accepted within the window."""
        now = self.clock()
        self._evict(now)
        seen = self._seen.get((kind, signal_id))
        if seen is not None:
            self.duplicates[kind] += 1
            return True
        return False

    def accept(self, kind: str, signal_id: str) -> None:
        self._seen[(kind, signal_id)] = self.clock()
        while len(self._seen) > self.cap:
            self._seen.popitem(last=False)

    def _evict(self, now: float) -> None:
        seen = self._seen
        while seen:
            key, t = next(iter(seen.items()))
            if now - t <= self.window_s:
                return
            seen.popitem(last=False)

    def __len__(self) -> int:
        return len(self._seen)


class TopCounter(Counter):
    """A Counter that keeps at most ``max_keys`` named keys; further new keys
    count under ``"other"``. Its keys come from untrusted input (a rejection reason
    names the offending field, and a sender chooses field names)."""

    OTHER = "other"

    def __init__(self, max_keys: int = 32) -> None:
        super().__init__()
        self.max_keys = max_keys

    def __missing__(self, key: Any) -> int:
        return 0

    def __setitem__(self, key: Any, value: int) -> None:
        if key not in self and key != self.OTHER and len(self) >= self.max_keys:
            # A new key's ``c[k] += n`` arrives here as ``c[k] = 0 + n``.
            key, value = self.OTHER, self.get(self.OTHER, 0) + value
        super().__setitem__(key, value)

    def top(self, n: int = 10) -> dict[str, int]:
        """The n most frequent keys plus everything else summed as "other"."""
        ranked = self.most_common()
        out = {str(k): v for k, v in ranked[:n] if k != self.OTHER}
        rest = sum(v for k, v in ranked if str(k) not in out)
        if rest:
            out[self.OTHER] = rest
        return out


class LogThrottle:
    """At most one log line per ``interval_s`` for a repeating event; the line
    says how many were not logged. A sender that repeats a bad message must not
    flood the journal (8,646 'bad ack' lines once)."""

    def __init__(self, interval_s: float = 1.0, clock: Callable[[], float] = time.monotonic) -> None:
        self.interval_s = interval_s
        self.clock = clock
        self._last = float("-inf")
        self.suppressed = 0
        self.total = 0

    def __call__(self, logger: logging.Logger, level: int, msg: str, *args: Any) -> None:
        self.total += 1
        now = self.clock()
        if now - self._last < self.interval_s:
            self.suppressed += 1
            return
        if self.suppressed:
            msg += f" (+{self.suppressed} more since the last line)"
        self._last, self.suppressed = now, 0
        logger.log(level, msg, *args)


def give_memory_back() -> bool:
    """Return freed heap pages to the OS (glibc ``malloc_trim``). After a flood the
    Python objects are gone but glibc keeps their arenas; without this the RSS
    stays at its peak for the life of the process. Returns whether it ran."""
    global _malloc_trim
    if _malloc_trim is None:
        try:
            libc = ctypes.CDLL(ctypes.util.find_library("c") or "libc.so.6")
            _malloc_trim = libc.malloc_trim
        except (OSError, AttributeError):
            _malloc_trim = False
    if _malloc_trim is False:
        return False
    _malloc_trim(0)
    return True


_malloc_trim: Any = None
