"""Feedback wiring for the device process: guard the DB, install the sink, run the sender.

``edge-device run`` builds it through the composition root
(``Device(config, feedback_runtime=True)``, :mod:`edge.app`), which does::

    feedback = FeedbackRuntime(config)      # before the state DB is opened: corrupt -> moved aside
    ... StateStore(...), sink = feedback.sink_factory(store)
    feedback.start(device)                  # on Device.start: sender + status reporting
    feedback.stop()                         # on Device.stop, after the state DB is closed

The sender runs as a child process by default (``feedback.sync.mode``): its
own interpreter, so publishing a backlog after an outage never competes with
recommendations for the GIL. The child is tied to the device: it exits within
half a second once its parent pid changes (the device died, even by SIGKILL),
well before a restarted device (seconds to boot) starts the next one, so two
senders never fight over the same MQTT client id. If the child dies on its
own, the reporter restarts it.

The device status carries ``detail.health.feedback``: outbox counters
(produced, pending, dropped by reason), the sender's state and the corrupt
database count, refreshed every second by a thread with its own SQLite
connection, so the agent's hot path never queries the outbox for it.
"""

from __future__ import annotations

import logging
import os
import signal
import sqlite3
import subprocess
import sys
import threading
from typing import Any

from edge.feedback import dbguard, salvage
from edge.feedback.capture import FeedbackSink, make_sink
from edge.feedback.outbox import Outbox
from edge.feedback.sync import FeedbackSender, open_db, sender_from_config
from edge.state.db import atomic

log = logging.getLogger(__name__)

SENDER_NICENESS = 10
"""Scheduling niceness of the sender process relative to the device."""


class FeedbackRuntime:
    """Everything feedback needs in the device process, for one DeviceConfig."""

    REPORT_S = 1.0

    def __init__(self, config: Any) -> None:
        self.config = config
        self.quarantine = dbguard.guard(config.storage.db_path)
        self.salvaged: salvage.Salvage | None = None
        """Owed events read back from the database just moved aside (stored by sink_factory)."""
        if self.quarantine is not None:
            self.salvaged = salvage.read_owed(self.quarantine.moved_to[0], config.device_id)
            log.warning("salvaged %d owed feedback events from %s (%d unreadable)%s",
                        len(self.salvaged.events), self.salvaged.source, self.salvaged.skipped,
                        f": {self.salvaged.error}" if self.salvaged.error else "")
        self.sender: FeedbackSender | None = None
        self.child: subprocess.Popen[bytes] | None = None
        self.child_restarts = 0
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None

    def sink_factory(self, store: Any) -> FeedbackSink:
        """Given the agent's StateStore, the sink writing into its connection (and the
        events salvaged from a moved-aside database, into the fresh one, for the sender)."""
        if self.salvaged is not None and self.salvaged.events and self.config.feedback.enabled:
            with atomic(store.conn):
                salvage.store(store.conn, self.salvaged)
        return make_sink(store.conn, self.config.device_id, self.config.store_id, self.config.feedback,
                         render_confirmed=self.config.render_confirmed_displays())

    def start(self, agent: Any) -> None:
        fb = self.config.feedback
        if fb.enabled and fb.sync.enabled:
            if fb.sync.mode == "thread":
                self.sender = sender_from_config(self.config).start()
            else:
                self._spawn()
        self._thread = threading.Thread(target=self._report, args=(agent,), name="feedback-report",
                                        daemon=True)
        self._thread.start()

    def _spawn(self) -> None:
        level = logging.getLevelName(logging.getLogger().getEffectiveLevel())
        self.child = subprocess.Popen(
            [sys.executable, "-m", "edge.feedback.sync", "--config-json", "--parent-pid", str(os.getpid()),
             "--log-level", level if isinstance(level, str) else "WARNING"],
            stdin=subprocess.PIPE,
            # Feedback may arrive seconds late; a screen may not. On a busy box
            # the sender gets the CPU the signal path leaves over.
            preexec_fn=lambda: os.nice(SENDER_NICENESS),
        )
        assert self.child.stdin is not None
        self.child.stdin.write(self.config.model_dump_json().encode())
        self.child.stdin.close()

    def status(self, conn: sqlite3.Connection | None = None) -> dict[str, Any]:
        out: dict[str, Any] = dict(dbguard.status(self.config.storage.db_path))
        if self.quarantine is not None:
            out["corrupt_db_last"] = {"moved_to": self.quarantine.moved_to[0], "reason": self.quarantine.reason}
        if self.salvaged is not None:
            out["salvaged"] = {"events": len(self.salvaged.events), "unreadable": self.salvaged.skipped,
                               "error": self.salvaged.error}
        if conn is not None:
            try:
                out["outbox"] = Outbox.stats(conn)
            except Exception as exc:  # status must never take the device down
                out["outbox_error"] = str(exc)[:200]
        if self.sender is not None:
            out["sender"] = {"mode": "thread", **self.sender.stats()}
        elif self.child is not None:
            out["sender"] = {"mode": "process", "pid": self.child.pid, "alive": self.child.poll() is None,
                             "restarts": self.child_restarts}
        return out

    def _report(self, agent: Any) -> None:
        conn = open_db(self.config.storage.db_path)  # its own: connections are not shared across threads
        try:
            while not self._stop.wait(self.REPORT_S):
                if self.child is not None and self.child.poll() is not None and not self._stop.is_set():
                    log.error("feedback sender exited with %s; restarting it", self.child.returncode)
                    self.child_restarts += 1
                    self._spawn()
                agent.health["feedback"] = self.status(conn)
        finally:
            conn.close()

    def stop(self) -> None:
        self._stop.set()
        if self._thread is not None:
            self._thread.join(timeout=2)
        if self.sender is not None:
            self.sender.stop()
        if self.child is not None and self.child.poll() is None:
            self.child.send_signal(signal.SIGTERM)
            try:
                self.child.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self.child.kill()
                self.child.wait()
