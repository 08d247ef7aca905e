"""The MQTT topic tree and payload schemas: the one owner of the wire contract.

Everything that speaks MQTT in this project (the device agent, the camera
process, the simulator, the feedback sync, the cloud ingest, benchmarks and
tests) builds topics with :class:`TopicTree` and reads/writes payloads with the
models below. ``docs/mqtt-topics.md`` documents the same tree; ``python -m
edge.comms.topics`` prints the JSON schemas of every payload.

Tree (``{p}`` is the configured prefix, default ``store``)::

    {p}/{store}/shopper/location                      in   QoS 0  shopper entered/left a zone
    {p}/{store}/camera/{camera}/zone                  in   QoS 0  camera occupancy/entry/exit/dwell/linger
    {p}/{store}/camera/{camera}/status                out  QoS 1  retained: camera online/retrying/offline (last will)
    {p}/{store}/inventory                             in   QoS 1  stock level of an item on a shelf
    {p}/{store}/pos                                   in   QoS 1  a completed purchase at a till
    {p}/{store}/display/{display}/interaction         in   QoS 1  touch on a screen, pickup from a shelf
    {p}/{store}/display/{display}/recommendations     out  QoS 1  retained: what the display shows now
    {p}/{store}/display/{display}/rendered            in   QoS 1  proof of play: a screen drew a recommendation
    {p}/{store}/display/{display}/shelf               out  QoS 1  retained: compact shelf-label / LED-strip form of it
    {p}/{store}/device/{device}/status                out  QoS 1  retained: online/offline (last will)
    {p}/{store}/device/{device}/request               in   QoS 1  MQTT 5 request; reply to its response topic
    {p}/{store}/device/{device}/deadletter            out  QoS 0  rejected inbound messages and why
    {p}/{store}/device/{device}/feedback              out  QoS 1  impressions/interactions/conversions for the cloud
    {p}/{store}/device/{device}/feedback/ack          in   QoS 1  retained: the cloud's contiguous watermark (bridged back)
    {p}/{store}/device/{device}/desired               in   QoS 1  retained: the model the fleet service wants it to run
    {p}/{store}/reply/{client}/...                    out  QoS 1  replies to requests, only into the requester's namespace

Every payload is a JSON object with ``"v": 1`` (the schema version). A device
rejects a payload with another version rather than guess at its meaning.
Timestamps are Unix seconds (float). Every inbound signal carries a
``signal_id`` chosen by its sender; a recommendation names the signal that
caused it in ``cause``, so a screen, a log and a benchmark can match them.
"""

from __future__ import annotations

import contextlib
import json
import math
from dataclasses import dataclass, field
from typing import Annotated, Any, Literal, NamedTuple

import orjson
from pydantic import BaseModel, ConfigDict, Field, ValidationError, model_validator

SCHEMA_VERSION = 1

# ---- limits: admission before work -------------------------------------------
# Every inbound number and string is bounded so that nothing accepted can fail
# later (an inventory quantity >= 2^63 once passed validation and then failed in
# SQLite, with a traceback per message), and no accepted message costs unbounded
# work (a 5,000-line POS stalled every other signal for 2.7 s).

MAX_PAYLOAD_BYTES = 65_536
"""Largest inbound payload the device parses; longer ones are dead-lettered
unread. The store broker forwards nothing over four times this
(``message_size_limit``/``max_packet_size`` in ``deploy/mosquitto/store-broker.conf``
and ``deploy/local_broker.py``)."""
MAX_POS_LINES = 500
"""Lines in one POS purchase (a full trolley is ~100)."""
MAX_QUANTITY = 1_000_000
"""Units of one item on a shelf or in one POS line: far below SQLite's 2^63."""
MAX_PRICE = 1_000_000.0
MAX_TS = 4_102_444_800.0
"""2100-01-01 in Unix seconds: later timestamps are a sender's bug."""
MAX_DWELL_S = 86_400.0
MAX_NAME_CHARS = 200
"""A product name on a POS line (a receipt line is far shorter)."""
MAX_OCCUPANCY = 100_000

Id = Annotated[str, Field(min_length=1, max_length=128)]


class Part(BaseModel):
    """Base of every nested object: unknown keys are an error, not ignored, and
    numbers are finite (JSON has no NaN or Infinity; a lenient parser once let
    ``"ts": Infinity`` into outbox rows the cloud could not parse)."""

    model_config = ConfigDict(extra="forbid", frozen=True, allow_inf_nan=False)


class Payload(Part):
    """Base of every top-level payload: strict keys plus the schema version."""

    v: Literal[1] = Field(default=1, title="Schema version", description="Payload schema version; 1 today.")


class ShopperRef(Part):
    """Who a signal is about: an anonymous track or an opted-in loyalty member (or both)."""

    track_id: Id | None = Field(default=None, description="Short-lived anonymous id from a camera or location system.")
    loyalty_id: Id | None = Field(default=None, description="Loyalty id of a shopper who opted in to personalisation.")

    @model_validator(mode="after")
    def _one_id(self) -> ShopperRef:
        if self.track_id is None and self.loyalty_id is None:
            raise ValueError("one of track_id or loyalty_id is required")
        return self

    @property
    def key(self) -> str:
        """Session key: the loyalty id when known, so a shopper keeps one session across tracks."""
        return f"l:{self.loyalty_id}" if self.loyalty_id else f"t:{self.track_id}"


class Signal(Payload):
    signal_id: Id = Field(description="Sender-chosen unique id; echoed in the recommendation it causes.")
    ts: float = Field(ge=0, le=MAX_TS, description="When it happened, Unix seconds.")


# ---- inbound ---------------------------------------------------------------


class LocationSignal(Signal):
    """A shopper entered or left a zone."""

    shopper: ShopperRef
    zone: Id = Field(description="Zone id from the device config.")
    action: Literal["enter", "leave"]


class CameraZoneEvent(Signal):
    """Anonymous zone events from edge-camera. No image data ever: counts and times only."""

    camera_id: Id
    zone: Id
    event: Literal["occupancy", "enter", "exit", "dwell", "linger"]
    occupancy: int | None = Field(default=None, ge=0, le=MAX_OCCUPANCY, description="People in the zone now (occupancy events).")
    track_id: Id | None = Field(default=None, description="Random short-lived track id (enter/exit/dwell/linger).")
    dwell_s: float | None = Field(default=None, ge=0, le=MAX_DWELL_S, description="Seconds the track has been in the zone.")
    display_id: Id | None = Field(default=None, description="Display the track lingers at (linger events).")


class InventoryUpdate(Signal):
    """Stock of an item on a shelf, as counted by a smart shelf or the stock system."""

    item_id: Id
    quantity: int = Field(ge=0, le=MAX_QUANTITY, description="Units on the shelf now (absolute, not a delta).")
    shelf: Id | None = Field(default=None, description="Shelf or display id, if known.")


class PosLine(Part):
    item_id: Id
    quantity: float = Field(gt=0, le=MAX_QUANTITY)
    price: float = Field(ge=0, le=MAX_PRICE, description="Unit price paid.")
    name: str | None = Field(
        default=None, min_length=1, max_length=MAX_NAME_CHARS,
        description="Product name as the till prints it. Optional; a device serving without a model "
                    "lists only items it can name and price (docs/edge-runtime.md, 'Without a model').")


class PosPurchase(Signal):
    """A completed transaction at a till."""

    transaction_id: Id
    shopper: ShopperRef | None = Field(default=None, description="Who paid, when the store can tell (loyalty card, track).")
    items: list[PosLine] = Field(min_length=1, max_length=MAX_POS_LINES)


class DisplayInteraction(Signal):
    """A shopper touched a screen tile or picked an item off a smart shelf."""

    kind: Literal["touch", "pickup"]
    item_id: Id | None = None
    recommendation_id: Id | None = Field(default=None, description="The recommendation shown when it happened, if known.")
    shopper: ShopperRef | None = None


class RenderConfirmation(Payload):
    """Proof of play: a signage page drew a recommendation on a screen.

    Sent by ``edge-signage`` when the browser confirms the list is in its DOM
    and painted; the device turns it into the impression's ``shown_at``
    (an impression then means "a person could see it", not "it was published")."""

    recommendation_id: Id = Field(description="The recommendation drawn (its recommendation_id).")
    cause_signal_id: Id | None = Field(default=None, description="cause.signal_id of that recommendation, if any.")
    shown_at: float = Field(ge=0, le=MAX_TS, description="When the page drew it (browser clock, Unix seconds).")
    screen: Id | None = Field(default=None, description="Which page/browser drew it, when several show one display.")


class RecommendRequest(Payload):
    """On-demand request (MQTT 5: reply goes to the response topic with the correlation data)."""

    request_id: Id | None = None
    display_id: Id | None = None
    zone: Id | None = None
    shopper: ShopperRef | None = None
    k: int | None = Field(default=None, ge=1, le=50)


# ---- outbound --------------------------------------------------------------


class Cause(Part):
    signal_id: str
    topic: str


class RecommendedItem(Part):
    item_id: str
    name: str
    category: str
    price: float
    score: float
    position: int
    reason: str = Field(description="Short human-readable why: 'bought before', 'popular in Produce', ...")
    department: str | None = Field(default=None, description="Catalogue department (screens colour tiles by it).")


class Recommendation(Payload):
    """What one display should show now."""

    recommendation_id: str
    display_id: str
    zone: str
    cause: Cause | None = Field(description="The signal that triggered this recompute (None at start-up).")
    shopper: str | None = Field(default=None, description="Session key ('t:...' anonymous or 'l:...' opted in).")
    model_version: str | None = Field(description="Bundle model version, or None for the popularity fallback.")
    strategy: Literal["model", "popularity"]
    generated_at: float
    items: list[RecommendedItem]


SHELF_TEXT_MAX = 24
"""Characters a shelf-edge label shows per item (two lines of a 2.9" e-paper tag)."""


class ShelfLabel(Part):
    slot: int = Field(ge=1, le=50, description="Shelf position to highlight, 1 = leftmost (the recommendation's position).")
    item_id: str
    text: str = Field(max_length=SHELF_TEXT_MAX, description="Short product name, cut at a word boundary.")
    price: float = Field(gt=0, description="Unit price.")
    colour: str = Field(pattern=r"^#[0-9a-f]{6}$", description="Department colour as #rrggbb, for LED strips.")


class ShelfLabels(Payload):
    """Compact form of a recommendation for shelf-edge labels and LED strips.

    Derived from the display's recommendation by ``edge-signage`` (not on the
    device's hot path); retained, so a label controller that restarts gets the
    current state at once. ``cause_signal_id`` and ``recommendation_id`` tie it
    back to the full recommendation."""

    display_id: str
    recommendation_id: str
    cause_signal_id: str | None = None
    generated_at: float
    labels: list[ShelfLabel] = Field(max_length=50)


class DeviceStatus(Payload):
    device_id: str
    state: Literal["online", "offline"]
    ts: float
    model_version: str | None = None
    detail: dict[str, Any] = Field(default_factory=dict, description="Counters and health (free form).")


class CameraStatus(Payload):
    """Health of one edge-camera process: retained, with an 'offline' last will."""

    camera_id: Id
    state: Literal["online", "retrying", "offline"] = Field(
        description="online: frames flowing; retrying: source lost or stalled, reopening with backoff; offline: process stopped or dead."
    )
    ts: float = Field(ge=0, le=MAX_TS)
    detail: dict[str, Any] = Field(
        default_factory=dict, description="Counters and health: frames, fps, corrupt/dropped frames, reconnects, last error."
    )


class DeadLetter(Payload):
    topic: str
    reason: str
    payload: str = Field(description="The first 512 bytes of the rejected payload, decoded with replacement.")
    ts: float


class FeedbackEvent(Payload):
    """One feedback event for the cloud, sent from the device outbox in sequence order."""

    event_id: str = Field(description="Globally unique (device id + sequence); the cloud de-duplicates on it.")
    device_id: str
    store_id: str
    seq: int = Field(ge=1, description="Per-device sequence number; gaps are detectable in the cloud.")
    kind: Literal["impression", "interaction", "conversion"]
    ts: float
    model_version: str | None = None
    data: dict[str, Any] = Field(default_factory=dict)


OtaState = Literal[
    "idle", "downloading", "verifying", "smoke_testing", "probation", "active", "rolled_back", "refused"
]
"""The device's over-the-air update states, reported in ``status.detail.ota.state``."""

OTA_STATES: tuple[str, ...] = OtaState.__args__  # type: ignore[attr-defined]

Sha256Hex = Annotated[str, Field(pattern=r"^[0-9a-f]{64}$", description="Lower-case hex SHA-256.")]


class DesiredState(Payload):
    """What the fleet service wants one device to run: retained, one per device.

    An empty retained payload clears it (the device keeps what it runs). The
    device fetches ``artifact_url`` with its own bearer token, checks the
    tarball's ``size`` and ``sha256``, then the bundle's own Ed25519 signature
    against its trusted keys: the signature, not this message, is what makes a
    bundle trusted. A version older than the active one is refused unless
    ``allow_downgrade`` is true (an explicit rollback by an operator).
    """

    device_id: Id
    model_version: Id = Field(description="Bundle model version (manifest `model_version`) to run.")
    artifact_url: str = Field(min_length=1, max_length=2048,
                              description="HTTP(S) URL of the bundle tarball on the fleet artifact server.")
    sha256: Sha256Hex = Field(description="SHA-256 of the tarball at `artifact_url`.")
    size: int = Field(ge=1, le=2**40, description="Size of the tarball in bytes: the download is refused beyond it.")
    key_id: str = Field(min_length=1, max_length=128,
                        description="Id of the key that signed the bundle (signature.json `key_id`), for the report.")
    rollout_id: Id | None = Field(default=None, description="The rollout this belongs to; echoed in `status.detail.ota`.")
    allow_downgrade: bool = Field(default=False,
                                  description="True only for an explicit rollback to an older signed version.")
    ts: float = Field(ge=0, le=MAX_TS, description="When the fleet service decided it, Unix seconds.")


class ReportedModel(BaseModel):
    """``status.detail.model``: what the device runs (its retained status carries it)."""

    model_config = ConfigDict(extra="ignore", frozen=True)

    active: str | None = Field(default=None, description="Model version serving now (None: popularity fallback).")
    previous: str | None = Field(default=None, description="Version kept in the previous slot for rollback.")


class OtaReport(BaseModel):
    """``status.detail.ota``: the update the device is working on or finished last.

    Extra keys (timings, counters) are allowed and ignored by readers.
    """

    model_config = ConfigDict(extra="ignore", frozen=True)

    state: OtaState
    version: str | None = Field(default=None, description="The version this state is about (the desired one).")
    rollout_id: str | None = Field(default=None, description="`rollout_id` of the desired state being applied.")
    bytes: int | None = Field(default=None, ge=0, description="Bytes downloaded so far (downloading).")
    total: int | None = Field(default=None, ge=0, description="Tarball size (downloading).")
    reason: str | None = Field(default=None, description="Why (refused, rolled_back): a reason word first, e.g. 'tampered: ...'.")
    ts: float | None = Field(default=None, description="When the state was entered, Unix seconds.")


def reported(status: DeviceStatus) -> tuple[ReportedModel | None, OtaReport | None]:
    """Read ``detail.model`` and ``detail.ota`` from a status; a malformed block reads as None."""
    model = ota = None
    with contextlib.suppress(ValidationError, TypeError, ValueError):
        if isinstance(status.detail.get("model"), dict):
            model = ReportedModel.model_validate(status.detail["model"])
    with contextlib.suppress(ValidationError, TypeError, ValueError):
        if isinstance(status.detail.get("ota"), dict):
            ota = OtaReport.model_validate(status.detail["ota"])
    return model, ota


def parse_desired(topic: str, payload: bytes) -> DesiredState | None:
    """Validate a desired-state message; an empty payload (cleared) is None.

    Raises :class:`PayloadError` naming the topic and the first bad field.
    """
    if not payload:
        return None
    try:
        return DesiredState.model_validate_json(payload)
    except ValidationError as exc:
        raise PayloadError(topic, _first_error(exc)) from None


class FeedbackAck(Payload):
    """The cloud ingest's confirmation: every event of this device and outbox
    epoch up to ``watermark`` (inclusive, contiguous) is stored in the warehouse."""

    device_id: str
    epoch: str = Field(description="Outbox epoch (changes when a corrupt state DB is replaced).")
    watermark: int = Field(ge=0, le=2**63 - 1, description="Highest seq below which nothing is missing.")
    ts: float = Field(ge=0, le=MAX_TS)


# ---- topics ----------------------------------------------------------------

InboundKind = Literal[
    "location", "camera", "inventory", "pos", "interaction", "request", "camera_status", "rendered"
]

INBOUND_MODELS: dict[str, type[Payload]] = {
    "location": LocationSignal,
    "camera": CameraZoneEvent,
    "inventory": InventoryUpdate,
    "pos": PosPurchase,
    "interaction": DisplayInteraction,
    "request": RecommendRequest,
    "camera_status": CameraStatus,
    "rendered": RenderConfirmation,
}


class PayloadError(ValueError):
    """An inbound message that does not meet the contract: the topic and why."""

    def __init__(self, topic: str, reason: str) -> None:
        self.topic = topic
        self.reason = reason
        super().__init__(f"{topic}: {reason}")


class Inbound(NamedTuple):
    """A validated inbound message (a named tuple: immutable like the frozen
    dataclass it was, built in ~0.3 us instead of ~1.2 us, once per signal)."""

    kind: str
    topic: str
    payload: Payload
    params: dict[str, str]
    """Topic wildcards, e.g. {"display_id": "d1"} or {"camera_id": "cam1"}."""


@dataclass(frozen=True)
class TopicTree:
    """Topic names for one store (and one device in it)."""

    store_id: str
    device_id: str = "+"
    prefix: str = "store"
    _classified: dict[str, tuple[str, dict[str, str]]] = field(
        default_factory=dict, init=False, repr=False, compare=False, hash=False)
    """parse()'s memo of classify(); its params dicts are shared between the messages
    of one topic: read them, never change them."""

    @property
    def base(self) -> str:
        return f"{self.prefix}/{self.store_id}"

    @property
    def location(self) -> str:
        return f"{self.base}/shopper/location"

    def camera_zone(self, camera_id: str = "+") -> str:
        return f"{self.base}/camera/{camera_id}/zone"

    def camera_status(self, camera_id: str = "+") -> str:
        return f"{self.base}/camera/{camera_id}/status"

    @property
    def inventory(self) -> str:
        return f"{self.base}/inventory"

    @property
    def pos(self) -> str:
        return f"{self.base}/pos"

    def interaction(self, display_id: str = "+") -> str:
        return f"{self.base}/display/{display_id}/interaction"

    def recommendations(self, display_id: str = "+") -> str:
        return f"{self.base}/display/{display_id}/recommendations"

    def rendered(self, display_id: str = "+") -> str:
        return f"{self.base}/display/{display_id}/rendered"

    def shelf(self, display_id: str = "+") -> str:
        return f"{self.base}/display/{display_id}/shelf"

    @property
    def device(self) -> str:
        return f"{self.base}/device/{self.device_id}"

    @property
    def status(self) -> str:
        return f"{self.device}/status"

    @property
    def request(self) -> str:
        return f"{self.device}/request"

    @property
    def feedback_ack(self) -> str:
        return f"{self.feedback}/ack"

    @property
    def deadletter(self) -> str:
        return f"{self.device}/deadletter"

    @property
    def feedback(self) -> str:
        return f"{self.device}/feedback"

    def reply(self, client: str = "+") -> str:
        """Reply namespace of one requester: a device answers a request only into
        ``{p}/{store}/reply/{client}/...`` (the MQTT 5 response topic must lie in it),
        and the broker lets each client read only its own (edge/comms/acl.py)."""
        return f"{self.base}/reply/{client}"

    def is_reply_topic(self, topic: str) -> bool:
        """A concrete topic inside some requester's reply namespace of this store."""
        base = f"{self.base}/reply/"
        if not topic.startswith(base) or any(c in topic for c in "+#\0"):
            return False
        rest = topic[len(base):].split("/")
        return len(rest) >= 1 and all(rest) and len(topic) <= 512

    @property
    def desired(self) -> str:
        """Retained desired state (:class:`DesiredState`) from the fleet service."""
        return f"{self.device}/desired"

    def parse_device_topic(self, topic: str) -> tuple[str, str, str] | None:
        """``(store_id, device_id, leaf)`` of a ``{p}/{store}/device/{device}/{leaf}`` topic, else None.

        For cloud readers subscribed with wildcards (``TopicTree("+").status``).
        """
        parts = topic.split("/")
        if len(parts) != 5 or parts[0] != self.prefix or parts[2] != "device":
            return None
        if self.store_id not in ("+", parts[1]) or self.device_id not in ("+", parts[3]):
            return None
        return parts[1], parts[3], parts[4]

    def subscriptions(self) -> list[tuple[str, int]]:
        """What a device subscribes to, with QoS."""
        return [
            (self.location, 0),
            (self.camera_zone(), 0),
            (self.inventory, 1),
            (self.pos, 1),
            (self.interaction(), 1),
            (self.request, 1),
            (self.camera_status(), 1),
            (self.rendered(), 1),
        ]

    def classify(self, topic: str) -> tuple[str, dict[str, str]] | None:
        """Map a concrete inbound topic to (kind, wildcard params), or None if not ours."""
        base = self.base + "/"
        if not topic.startswith(base):
            return None
        parts = topic[len(base) :].split("/")
        match parts:
            case ["shopper", "location"]:
                return "location", {}
            case ["camera", camera_id, "zone"]:
                return "camera", {"camera_id": camera_id}
            case ["camera", camera_id, "status"]:
                return "camera_status", {"camera_id": camera_id}
            case ["inventory"]:
                return "inventory", {}
            case ["pos"]:
                return "pos", {}
            case ["display", display_id, "interaction"]:
                return "interaction", {"display_id": display_id}
            case ["display", display_id, "rendered"]:
                return "rendered", {"display_id": display_id}
            case ["device", device_id, "request"] if self.device_id in ("+", device_id):
                return "request", {}
        return None

    def parse(self, topic: str, payload: bytes) -> Inbound:
        """Validate an inbound message. Raises :class:`PayloadError` naming topic and reason."""
        # A device sees a few dozen distinct topics (one per display at most), so
        # their classification is remembered (bounded: topics come from senders).
        memo = self._classified
        found = memo.get(topic)
        if found is None:
            found = self.classify(topic)
            if found is not None:
                if len(memo) >= 1024:
                    memo.clear()
                memo[topic] = found
        if found is None:
            raise PayloadError(topic, "not an inbound topic of this device")
        if len(payload) > MAX_PAYLOAD_BYTES:
            # Checked before parsing: a 16 MB payload must cost a length check, not a parse.
            raise PayloadError(topic, f"payload: {len(payload)} bytes, more than the {MAX_PAYLOAD_BYTES} allowed")
        kind, params = found
        model = INBOUND_MODELS[kind]
        try:
            message = model.model_validate_json(payload)
        except ValidationError as exc:
            raise PayloadError(topic, _first_error(exc)) from None
        return Inbound(kind=kind, topic=topic, payload=message, params=params)


def _first_error(exc: ValidationError) -> str:
    """'field.path: message (+N more)' for the first error of a validation failure."""
    first = exc.errors()[0]
    where = ".".join(str(p) for p in first["loc"]) or "payload"
    more = f" (+{exc.error_count() - 1} more)" if exc.error_count() > 1 else ""
    return f"{where}: {first['msg']}{more}"


def dump(payload: Payload) -> bytes:
    """Serialise a payload for publishing (compact JSON, None fields kept explicit).
    Strict JSON: pydantic writes a non-finite float in a free-form field as null."""
    return payload.model_dump_json().encode()


def _finite(value: Any) -> Any:
    if isinstance(value, float):
        return value if math.isfinite(value) else None
    if isinstance(value, dict):
        return {k: _finite(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_finite(v) for v in value]
    return value


def strict_json(value: Any) -> str:
    """Compact JSON that any strict parser reads: a non-finite float becomes null
    (Python's json writes NaN/Infinity, which JSON does not have).

    orjson first: it writes non-finite floats as null itself and costs ~1 us
    where ``json.dumps`` cost ~13 us for a feedback event (one per impression, on
    the log writer's thread). It writes non-ASCII as UTF-8 rather than ``\\u``
    escapes and floats in their shortest form (``1e-5``, not ``1e-05``): the same
    JSON values. What it refuses (ints beyond 64 bits, non-string keys) goes the
    ``json`` way."""
    try:
        return orjson.dumps(value).decode()
    except TypeError:
        pass
    try:
        return json.dumps(value, separators=(",", ":"), allow_nan=False)
    except ValueError:
        return json.dumps(_finite(value), separators=(",", ":"), allow_nan=False)


ALL_MODELS: dict[str, type[Payload]] = {
    **INBOUND_MODELS,
    "recommendations": Recommendation,
    "reply": Recommendation,
    "shelf": ShelfLabels,
    "status": DeviceStatus,
    "deadletter": DeadLetter,
    "feedback": FeedbackEvent,
    "feedback_ack": FeedbackAck,
    "desired": DesiredState,
}
"""Every payload model by topic name: the inbound ones, then what the device and the cloud publish."""


def all_schemas() -> dict[str, Any]:
    return {name: model.model_json_schema() for name, model in ALL_MODELS.items()}


if __name__ == "__main__":
    print(json.dumps(all_schemas(), indent=2))
