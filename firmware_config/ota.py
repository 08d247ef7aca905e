"""Configuration of over-the-air model updates (owned by the device's OTA part).

The ``[ota]`` table of a device config turns OTA on: the device then follows
its retained ``desired`` topic, downloads the named bundle from the fleet
service, verifies it against the public keys listed here, keeps it in a
versioned slot under ``state_dir`` and swaps it in while serving. Without the
table the device serves ``[model] bundle_path`` as before. See ``docs/ota.md``.
"""

from __future__ import annotations

from pydantic import Field, model_validator

from firmware_config.bounds import SafePath, StrictModel


class ProbationConfig(StrictModel):
    window_s: float = Field(
        default=60.0,
        gt=0,
        le=86400,
        title="Probation window (s)",
        description="After a swap the device watches its own health this long; any breach rolls back to the previous slot.",
    )
    min_signals: int = Field(
        default=200,
        ge=1,
        title="Minimum signals",
        description="Latency and fallback shares are judged only once this many signals were answered by the new model (no verdict on three samples).",
        le=1_000_000,
    )
    max_p99_ms: float = Field(
        default=50.0,
        gt=0,
        title="Max p99 latency (ms)",
        description="Rolled back when the p99 of signal handling time under the new model exceeds this.",
        le=60_000,
    )
    max_p99_ratio: float | None = Field(
        default=None,
        gt=1,
        title="Max p99 ratio",
        description="Also rolled back when the new model's p99 exceeds this multiple of the previous model's p99 measured just before the swap (omit to judge by max_p99_ms only).",
        le=1000,
    )
    max_errors: int = Field(
        default=0,
        ge=0,
        title="Max inference errors",
        description="Inference/handler errors tolerated under the new model before it is rolled back.",
        le=1_000_000,
    )
    max_watchdog_trips: int = Field(
        default=0,
        ge=0,
        title="Max watchdog trips",
        description="Stuck inferences (inference watchdog) tolerated under the new model.",
        le=1000,
    )
    max_fallback_share: float = Field(
        default=0.5,
        ge=0,
        le=1,
        title="Max popularity share",
        description="Rolled back when more than this share of model-eligible signals were answered by popularity instead of the model.",
    )


class CrashLoopConfig(StrictModel):
    boots: int = Field(
        default=3,
        ge=2,
        le=100,
        title="Boots",
        description="The process starting this many times within window_s of a swap means the new model crash-loops: the previous slot is booted.",
    )
    window_s: float = Field(
        default=120.0,
        gt=0,
        title="Window (s)",
        description="How long after a swap restarts count towards a crash loop.",
        le=86_400,
    )


class OtaConfig(StrictModel):
    enabled: bool = Field(default=True, title="Enabled", description="Follow the desired-state topic and apply model updates.")
    state_dir: SafePath | None = Field(
        default=None,
        title="State directory",
        description="Where slots (bundles/<version>/), the slot pointer and the staging area live; defaults to an 'ota' folder beside the state database. Nothing is ever written outside it.",
    )
    trusted_keys: list[SafePath] = Field(
        default_factory=list,
        max_length=32,
        title="Trusted public keys",
        description="PEM Ed25519 public keys (from 'cloud-trainer keys generate'); a bundle must be signed by one of them. List old and new during a key rotation.",
    )
    token: str | None = Field(
        default=None,
        title="Fleet token",
        description="This device's bearer token for the fleet artifact server (sent as 'Authorization: Bearer ...').",
    )
    token_file: SafePath | None = Field(
        default=None,
        title="Fleet token file",
        description="File holding the token (first line), so the secret can live outside the config; overrides token.",
    )
    ca_file: SafePath | None = Field(
        default=None,
        title="Fleet CA file",
        description="PEM CA that signed the fleet service's HTTPS certificate, when it is not in the system store.",
    )
    max_bundle_bytes: int = Field(
        default=256 * 2**20,
        ge=1024,
        title="Max bundle size (bytes)",
        description="A download announcing or reaching more than this is refused: a store uplink and disk are finite.",
        le=16 * 2**30,
    )
    download_timeout_s: float = Field(
        default=30.0, gt=0, le=86_400, title="Download timeout (s)", description="Socket timeout of one download attempt."
    )
    download_attempts: int = Field(
        default=8,
        ge=1,
        le=1000,
        title="Download attempts",
        description="Attempts per artifact; each one resumes where the last stopped (HTTP Range).",
    )
    require_signature: bool = Field(
        default=True,
        title="Require signature",
        description="Refuse unsigned bundles (the only safe setting over the air; false is for bench tests).",
    )
    smoke_test: bool = Field(default=True, title="Smoke test", description="Run the bundle's golden cases before a swap.")
    keep_slots: int = Field(
        default=2,
        ge=2,
        le=20,
        title="Slots kept",
        description="Versions kept on disk (the current and the previous at least); older ones are pruned.",
    )
    probation: ProbationConfig = Field(default_factory=ProbationConfig, title="Probation", description="Health watched after a swap.")
    crash_loop: CrashLoopConfig = Field(default_factory=CrashLoopConfig, title="Crash loop", description="Restart-loop detection after a swap.")

    @model_validator(mode="after")
    def _keys_when_signed(self) -> OtaConfig:
        if self.enabled and self.require_signature and not self.trusted_keys:
            raise ValueError("trusted_keys: at least one public key is needed when require_signature is true")
        return self

    def fleet_token(self) -> str | None:
        """The bearer token: the token file's first line when set, else ``token``."""
        if self.token_file is not None:
            try:
                return self.token_file.read_text(encoding="utf-8").splitlines()[0].strip() or None
            except (OSError, IndexError):
                return None
        return self.token
