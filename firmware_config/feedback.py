"""Configuration of feedback capture and store-and-forward sync (owned by the feedback loop)."""

from __future__ import annotations

from pydantic import BaseModel, ConfigDict, Field


class FeedbackConfig(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    enabled: bool = Field(default=True, title="Enabled", description="Capture impressions, interactions and conversions into the outbox.")
    attribution_window_s: int = Field(
        default=3600,
        ge=0,
        title="Attribution window (s)",
        description="A POS purchase of a recommended item within this time after the impression counts as a conversion.",
    )
