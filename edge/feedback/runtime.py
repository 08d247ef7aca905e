"""Feedback wiring for the device process: guard the DB, install the sink, run the sender.

``edge-device run`` does, around the agent::

    feedback = FeedbackRuntime(config)      # before the state DB is opened: corrupt -> moved aside
    agent = Agent(config, feedback=feedback.sink_factory)
    feedback.start(agent)                   # sender thread + status reporting
    agent.run_forever()
    feedback.stop()

The agent's device status carries ``detail.health.feedback``: outbox counters
(produced, pending, dropped by reason), the sender's counters and the corrupt
database count, refreshed every second by the sender's own thread, so the
agent's hot path never queries the outbox for it.
"""

from __future__ import annotations

import logging
import sqlite3
import threading
from typing import Any

from edge.feedback import dbguard
from edge.feedback.capture import FeedbackSink, NullFeedbackSink, OutboxFeedbackSink
from edge.feedback.outbox import Outbox
from edge.feedback.sync import FeedbackSender, open_db, sender_from_config

log = logging.getLogger(__name__)


class FeedbackRuntime:
    """Everything feedback needs in the device process, for one DeviceConfig."""

    REPORT_S = 1.0

    def __init__(self, config: Any) -> None:
        self.config = config
        self.quarantine = dbguard.guard(config.storage.db_path)
        self.sender: FeedbackSender | None = None
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None

    def sink_factory(self, store: Any) -> FeedbackSink:
        """Given the agent's StateStore, the sink writing into its connection."""
        fb = self.config.feedback
        if not fb.enabled:
            return NullFeedbackSink()
        return OutboxFeedbackSink(store.conn, self.config.device_id, self.config.store_id, fb)

    def start(self, agent: Any) -> None:
        fb = self.config.feedback
        if fb.enabled and fb.sync.enabled:
            self.sender = sender_from_config(self.config).start()
        self._thread = threading.Thread(target=self._report, args=(agent,), name="feedback-report",
                                        daemon=True)
        self._thread.start()

    def status(self, conn: sqlite3.Connection | None = None) -> dict[str, Any]:
        out: dict[str, Any] = dict(dbguard.status(self.config.storage.db_path))
        if self.quarantine is not None:
            out["corrupt_db_last"] = {"moved_to": self.quarantine.moved_to[0], "reason": self.quarantine.reason}
        if conn is not None:
            try:
                out["outbox"] = Outbox.stats(conn)
            except Exception as exc:  # status must never take the device down
                out["outbox_error"] = str(exc)[:200]
        if self.sender is not None:
            out["sender"] = self.sender.stats()
        return out

    def _report(self, agent: Any) -> None:
        conn = open_db(self.config.storage.db_path)  # its own: connections are not shared across threads
        try:
            while not self._stop.wait(self.REPORT_S):
                agent.health["feedback"] = self.status(conn)
        finally:
            conn.close()

    def stop(self) -> None:
        self._stop.set()
        if self._thread is not None:
            self._thread.join(timeout=2)
        if self.sender is not None:
            self.sender.stop()
