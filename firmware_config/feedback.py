"""Configuration of feedback capture and store-and-forward sync (owned by the feedback loop).

The outbox in the device's SQLite file is the source of truth for feedback:
an event exists once the transaction that caused it commits, and it leaves the
outbox only when the cloud has confirmed it (or when an explicit, counted bound
drops it). These settings size that outbox and tune the sender that drains it.
See ``docs/feedback.md``.
"""

from __future__ import annotations

from typing import Literal

from pydantic import Field

from firmware_config.bounds import ClientId, ConcreteTopic, StrictModel

DAY_S = 86_400


DropPolicy = Literal["oldest_impressions_first", "drop_oldest", "drop_newest"]


class OutboxConfig(StrictModel):
    max_rows: int = Field(
        default=500_000,
        ge=10,
        le=100_000_000,
        title="Max unsent rows",
        description=(
            "Bound on events not yet confirmed by the cloud. About 1 KB each on disk; 500k covers "
            "days of an offline store. Beyond it the drop policy applies and every drop is counted."
        ),
    )
    max_age_s: int = Field(
        default=14 * 86400,
        ge=60,
        le=365 * DAY_S,
        title="Max age (s)",
        description="Unconfirmed events older than this are dropped (counted and reported): stale feedback is worth less than disk.",
    )
    drop_policy: DropPolicy = Field(
        default="oldest_impressions_first",
        title="Drop policy",
        description=(
            "What goes when the outbox is full: 'oldest_impressions_first' drops the oldest impressions "
            "(the cheapest signal) and only then the oldest of any kind; 'drop_oldest' drops the oldest "
            "event; 'drop_newest' refuses the new event. The state change that caused it commits either way."
        ),
    )
    sent_retention_s: int = Field(
        default=3600,
        ge=0,
        le=30 * DAY_S,
        title="Sent retention (s)",
        description="Confirmed events are kept this long for audit before they are pruned; 0 prunes at once.",
    )


class SyncConfig(StrictModel):
    enabled: bool = Field(default=True, title="Sync enabled", description="Run the sender that drains the outbox to the broker.")
    mode: Literal["process", "thread"] = Field(
        default="process",
        title="Sender mode",
        description=(
            "'process': edge-device runs the sender as a child process (its own interpreter, so publishing "
            "never competes with recommendations for the GIL; it dies with the device). 'thread': inside "
            "the device process."
        ),
    )
    qos: Literal[1] = Field(default=1, title="QoS", description="MQTT QoS of feedback publishes; 1 (at least once) is the only choice: the cloud de-duplicates.")
    client_id: ClientId | None = Field(
        default=None,
        title="Sender client id",
        description="Stable MQTT client id of the sender; defaults to '<broker client id>-feedback'. Stable so the persistent session survives restarts.",
    )
    session_expiry_s: int = Field(
        default=7 * 86400,
        ge=0,
        le=365 * DAY_S,
        title="Session expiry (s)",
        description="MQTT 5 session expiry requested on connect (with clean_start false), so the broker keeps the session across disconnects.",
    )
    inflight: int = Field(
        default=100,
        ge=1,
        le=65535,
        title="In-flight window",
        description="Publishes awaiting PUBACK at once. Larger hides round trips; order is kept either way (one connection, one topic).",
    )
    batch: int = Field(default=500, ge=1, le=10_000, title="Batch size", description="Rows read from the outbox and marked sent per SQLite transaction.")
    backoff_initial_s: float = Field(default=0.2, gt=0, le=60, title="Initial backoff (s)", description="First reconnect delay after the broker goes away.")
    backoff_max_s: float = Field(default=10.0, gt=0, le=3600, title="Max backoff (s)", description="Ceiling of the exponential reconnect delay.")
    end_to_end_ack: bool = Field(
        default=True,
        title="End-to-end confirmation",
        description=(
            "Wait for the cloud ingest's acknowledgement (feedback/ack topic, bridged back) before a row is "
            "final. A broker PUBACK only proves the store broker has it; a broker killed before it saved or "
            "forwarded would lose it otherwise."
        ),
    )
    uplink_state_topic: ConcreteTopic | None = Field(
        default=None,
        title="Uplink state topic",
        description=(
            "Retained bridge notification topic on the store broker ('1' up, '0' down; Mosquitto's "
            "notification_topic). While the uplink is down the sender holds events in the outbox instead "
            "of the broker's bridge queue, and re-sends what was unconfirmed when it comes back, in order."
        ),
    )
    confirm_timeout_s: float = Field(
        default=30.0,
        gt=0,
        le=DAY_S,
        title="Confirm timeout (s)",
        description="A row sent but not confirmed by the cloud for this long is sent again (the cloud de-duplicates).",
    )


class FeedbackConfig(StrictModel):
    enabled: bool = Field(default=True, title="Enabled", description="Capture impressions, interactions and conversions into the outbox.")
    attribution_window_s: int = Field(
        default=3600,
        ge=0,
        le=7 * DAY_S,
        title="Attribution window (s)",
        description="A POS purchase of a recommended item within this time after the impression counts as a conversion.",
    )
    outbox: OutboxConfig = Field(default_factory=OutboxConfig, title="Outbox", description="Bounds of the on-device outbox and what is dropped beyond them.")
    sync: SyncConfig = Field(default_factory=SyncConfig, title="Sync", description="The sender that publishes the outbox to the store broker at QoS 1.")
