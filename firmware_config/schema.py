"""Typed device and store configuration: the one owner of the config schema.

A device is configured by one TOML file validated against :class:`DeviceConfig`.
Every model forbids unknown keys (a typo is an error, not a silently ignored
setting) and every field has a title and a description, so
``firmware-config schema`` emits a JSON schema an integrator can read.

Cross-references (a display facing a zone that does not exist, a neighbour that
is not a zone) are checked here too, so a device never starts with a layout it
cannot serve.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any, Literal

from pydantic import Field, model_validator

from firmware_config.bounds import (
    MAX_TEXT_CHARS,
    ClientId,
    HostName,
    Identifier,
    Port,
    SafePath,
    StrictModel,
    Text,
)
from firmware_config.camera import CameraConfig
from firmware_config.feedback import FeedbackConfig
from firmware_config.metrics import MetricsConfig
from firmware_config.ota import OtaConfig
from firmware_config.signage import SignageConfig

MAX_ZONES = 500
MAX_DISPLAYS = 1000
"""Layout bounds: far above a real store, low enough that the per-display work at
start-up (a placement mask each) stays bounded."""


class TLSConfig(StrictModel):
    ca_file: SafePath = Field(title="CA file", description="PEM file of the CA that signed the broker's certificate.")
    cert_file: SafePath | None = Field(
        default=None, title="Client certificate", description="PEM client certificate for mutual TLS; omit for server-only TLS."
    )
    key_file: SafePath | None = Field(
        default=None, title="Client key", description="PEM private key matching cert_file."
    )
    insecure: bool = Field(
        default=False,
        title="Skip hostname check",
        description="Accept a certificate whose name does not match the host. For bench tests only.",
    )


class BrokerConfig(StrictModel):
    host: HostName = Field(default="127.0.0.1", title="Broker host", description="Hostname or IP of the store MQTT broker.")
    port: Port = Field(default=1883, title="Broker port", description="TCP port (8883 is usual with TLS).")
    client_id: ClientId | None = Field(
        default=None,
        title="Client id",
        description="Stable MQTT client id; defaults to 'edge-<device_id>'. Must be stable so persistent sessions survive restarts. The device also opens '<client id>-positions' (same credentials) for location and camera events, so a flood of them cannot delay the rest.",
    )
    username: Text | None = Field(default=None, title="Username", description="MQTT username, if the broker requires one.")
    password: str | None = Field(default=None, max_length=MAX_TEXT_CHARS, title="Password", description="MQTT password, if the broker requires one.")
    tls: TLSConfig | None = Field(default=None, title="TLS", description="TLS settings; omit for plain TCP on a trusted store LAN.")
    keepalive_s: int = Field(default=15, ge=5, le=600, title="Keepalive (s)", description="MQTT keepalive; also how fast the broker notices a dead device and publishes its last will.")
    topic_prefix: str = Field(
        default="store",
        max_length=64,
        pattern=r"^[A-Za-z0-9_\-]+$",
        title="Topic prefix",
        description="First level of every topic of the contract (docs/mqtt-topics.md).",
    )


class ModelConfig(StrictModel):
    bundle_path: SafePath = Field(title="Model bundle", description="Directory or .tar.gz written by 'cloud-trainer train' (OUT/bundle).")
    smoke_test: bool = Field(
        default=True,
        title="Golden smoke test",
        description="Run the bundle's golden inputs and refuse the model if its top-K differs.",
    )
    required: bool = Field(
        default=False,
        title="Model required",
        description="Refuse to start without a valid model; otherwise serve zone popularity until one loads.",
    )


class StorageConfig(StrictModel):
    db_path: SafePath = Field(default=Path("edge-state.db"), title="State database", description="SQLite file (WAL) for catalogue, inventory, sessions, logs and the outbox.")


class ZoneConfig(StrictModel):
    id: Identifier = Field(title="Zone id", description="Unique zone id, used in location signals and topics.")
    name: Text = Field(default="", title="Name", description="Human-readable name shown to operators.")
    departments: list[Text] = Field(
        default_factory=list,
        max_length=200,
        title="Departments",
        description="Catalogue departments shelved in this zone; the model's 'department' context and the near-item boost use them.",
    )
    neighbours: list[Identifier] = Field(
        default_factory=list, max_length=MAX_ZONES, title="Neighbours", description="Zones a shopper can walk to directly from this one."
    )


class DisplayConfig(StrictModel):
    id: Identifier = Field(title="Display id", description="Unique display id; recommendations go to its topic.")
    kind: Literal["screen", "shelf"] = Field(title="Kind", description="A signage screen or a smart-shelf label strip.")
    zone: Identifier = Field(title="Zone", description="The zone this display faces: shoppers there see it.")
    slots: int = Field(default=6, ge=1, le=50, title="Slots", description="How many products the display can show at once.")
    departments: list[Text] = Field(
        default_factory=list,
        max_length=200,
        title="Nearby departments",
        description="Departments shelved right by this display (boosted); empty means the zone's departments.",
    )


class PolicyConfig(StrictModel):
    k: int = Field(default=6, ge=1, le=50, title="K", description="Candidate list length before a display takes its slots.")
    diversity_weight: float = Field(
        default=0.3,
        ge=0.0,
        le=1.0,
        title="Diversity weight",
        description="MMR trade-off: 0 ranks by relevance only, 1 maximises category variety.",
    )
    near_boost: float = Field(
        default=0.5,
        ge=0.0,
        le=10.0,
        title="Near-item boost",
        description="Added to the normalised score of items shelved near the display, so shoppers see what they can reach.",
    )
    session_ttl_s: int = Field(
        default=1800, ge=10, le=86400, title="Session TTL (s)", description="A shopper session with no signal for this long is forgotten."
    )
    cold_start: Literal["zone_popularity", "global_popularity", "model"] = Field(
        default="model",
        title="Cold-start policy",
        description="For an anonymous shopper with no history: the model with context only, or popularity in the zone / store.",
    )
    exclude_purchased: bool = Field(
        default=True, title="Hide bought items", description="Do not recommend what the shopper already bought in this visit."
    )
    min_stock: int = Field(
        default=1, ge=0, le=1_000_000, title="Minimum stock", description="Items with fewer units than this on the shelf are not recommended."
    )
    personal_data_retention_days: int = Field(
        default=90, ge=1, le=3650, title="Personal data retention (days)",
        description="A loyalty member's stored purchase history is deleted, and the shopper key of a logged "
                    "purchase unlinked, this many days after it was last updated (docs/security.md).",
    )


class DeviceConfig(StrictModel):
    """The whole configuration of one store device."""

    device_id: Identifier = Field(title="Device id", description="Unique id of this device in the fleet.")
    store_id: Identifier = Field(title="Store id", description="The store this device serves; second level of every topic.")
    broker: BrokerConfig = Field(default_factory=BrokerConfig, title="Broker", description="The store MQTT broker.")
    model: ModelConfig | None = Field(default=None, title="Model", description="The model bundle; omit to serve popularity only.")
    storage: StorageConfig = Field(default_factory=StorageConfig, title="Storage", description="Local SQLite state.")
    zones: list[ZoneConfig] = Field(min_length=1, max_length=MAX_ZONES, title="Zones", description="The store layout, as zones a shopper can stand in.")
    displays: list[DisplayConfig] = Field(default_factory=list, max_length=MAX_DISPLAYS, title="Displays", description="Screens and shelves this device drives.")
    policy: PolicyConfig = Field(default_factory=PolicyConfig, title="Policy", description="How recommendations are ranked and filtered.")
    camera: CameraConfig | None = Field(default=None, title="Camera", description="The edge-camera process: source, detector, zone polygons.")
    feedback: FeedbackConfig = Field(default_factory=FeedbackConfig, title="Feedback", description="Impression/interaction/conversion capture and sync to the cloud.")
    ota: OtaConfig | None = Field(default=None, title="OTA", description="Over-the-air model updates from the fleet service (docs/ota.md); omit to serve [model] only.")
    metrics: MetricsConfig = Field(default_factory=MetricsConfig, title="Metrics", description="Where edge-device and edge-camera serve /metrics, /healthz and /readyz.")
    signage: SignageConfig | None = Field(default=None, title="Signage", description="The edge-signage page server for screens and shelf strips (docs/signage.md).")

    @model_validator(mode="after")
    def _check_references(self) -> DeviceConfig:
        errors = reference_errors(self.model_dump(mode="json"))
        if errors:
            raise ValueError("; ".join(errors))
        return self

    @property
    def client_id(self) -> str:
        return self.broker.client_id or f"edge-{self.device_id}"

    def signage_displays(self) -> list[str]:
        """Display ids the signage process serves (none without a [signage] table)."""
        if self.signage is None:
            return []
        return list(self.signage.displays) or [d.id for d in self.displays]

    def render_confirmed_displays(self) -> frozenset[str]:
        """Displays whose impressions wait for a page's render confirmation (proof of play)."""
        if self.signage is None or not self.signage.proof_of_play:
            return frozenset()
        return frozenset(self.signage_displays())


def _shown(value: Any) -> str:
    """repr() of a config value for an error line, bounded (a 70,000-character id
    must not become a 70,000-character error)."""
    text = repr(value) if isinstance(value, str) else f"<{type(value).__name__}>"
    return text if len(text) <= 80 else text[:77] + "...'"


def _entries(value: Any) -> list[tuple[int, dict]]:
    """(index, table) for each table of an array; anything else has no entries
    (its type error is pydantic's to report, with the right path)."""
    if not isinstance(value, list):
        return []
    return [(i, v) for i, v in enumerate(value) if isinstance(v, dict)]


def _ids(entries: list[tuple[int, dict]]) -> list[str]:
    return [e["id"] for _, e in entries if isinstance(e.get("id"), str)]


def reference_errors(data: Any) -> list[str]:
    """Cross-reference problems in a (possibly otherwise invalid) config mapping.

    Works on plain dicts so the loader can report these alongside field errors
    in one pass, instead of making the installer fix the file twice. Values of
    the wrong type are skipped here (pydantic reports them): this function must
    never raise, whatever the file holds.
    """
    if not isinstance(data, dict):
        return []
    zones = _entries(data.get("zones"))
    displays = _entries(data.get("displays"))
    zone_ids = _ids(zones)
    display_ids = _ids(displays)
    errors: list[str] = []
    for dup in sorted({z for z in zone_ids if zone_ids.count(z) > 1}):
        errors.append(f"zones: duplicate zone id {_shown(dup)}")
    known = set(zone_ids)
    for i, zone in zones:
        neighbours = zone.get("neighbours")
        for n in neighbours if isinstance(neighbours, list) else []:
            if isinstance(n, str) and n not in known:
                errors.append(f"zones.{i}.neighbours: unknown zone {_shown(n)}")
    for dup in sorted({d for d in display_ids if display_ids.count(d) > 1}):
        errors.append(f"displays: duplicate display id {_shown(dup)}")
    for i, display in displays:
        zone = display.get("zone")
        if isinstance(zone, str) and zone not in known:
            errors.append(f"displays.{i}.zone: unknown zone {_shown(zone)}")
    signage = data.get("signage")
    if isinstance(signage, dict):
        listed = signage.get("displays")
        for i, d in enumerate(listed if isinstance(listed, list) else []):
            if isinstance(d, str) and d not in set(display_ids):
                errors.append(f"signage.displays.{i}: unknown display {_shown(d)}")
    camera = data.get("camera")
    if isinstance(camera, dict):
        for i, cz in _entries(camera.get("zones")):
            zone, display = cz.get("zone"), cz.get("display")
            if isinstance(zone, str) and zone not in known:
                errors.append(f"camera.zones.{i}.zone: unknown zone {_shown(zone)}")
            if isinstance(display, str) and display not in set(display_ids):
                errors.append(f"camera.zones.{i}.display: unknown display {_shown(display)}")
    return errors
