"""Feedback loop on the device: capture into a SQLite outbox, sync to the cloud.

* :mod:`edge.feedback.outbox`  -- the outbox table, its bounds and counters;
* :mod:`edge.feedback.capture` -- the agent's feedback sink (impressions,
  interactions, conversions), written in the caller's transaction;
* :mod:`edge.feedback.sync`    -- the QoS 1 sender with end-to-end confirmation;
* :mod:`edge.feedback.dbguard` -- corrupt database detection, moved aside, never deleted;
* :mod:`edge.feedback.runtime` -- the wiring ``edge-device run`` uses (guard, sink, sender child).

See ``docs/feedback.md``.
"""
