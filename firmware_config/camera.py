"""Configuration of the edge-camera process (owned by the camera pipeline).

Zones are drawn as polygons in image pixel coordinates of the camera's frame;
each names the store zone (``DeviceConfig.zones``) it belongs to. Several
polygons may belong to one store zone (a zone seen in two parts of the image);
a polygon with a ``display`` is the area in front of that display, used for
"lingering at display" events. ``edge-camera --debug-out`` draws the polygons
on the live image so an installer can check them (docs/camera.md).

Defaults are the values measured on the reference clip (docs/camera.md): an
installer should only need the source and the zones.
"""

from __future__ import annotations

from typing import Annotated

from pydantic import Field, model_validator

from firmware_config.bounds import Identifier, Port, SafePath, StrictModel

Coordinate = Annotated[float, Field(ge=-100_000, le=100_000)]
"""A pixel coordinate: finite and bounded (frames are at most a few thousand pixels)."""

HOUR_S = 3600.0

Period = Annotated[float, Field(gt=0, le=HOUR_S)]
"""A period or timeout in seconds: positive, at most an hour."""

Delay = Annotated[float, Field(ge=0, le=HOUR_S)]
"""A delay in seconds that may be 0 (off), at most an hour."""

Threshold = Annotated[float, Field(gt=0, lt=1)]
"""A score or overlap threshold strictly between 0 and 1."""

InputSide = Annotated[int, Field(ge=64, le=1280, multiple_of=32)]
"""A detector network input side in pixels: a multiple of 32 (the network's stride)."""


class CameraZone(StrictModel):
    zone: str = Field(title="Store zone", description="Id of the store zone (DeviceConfig.zones) this area belongs to.")
    polygon: list[tuple[Coordinate, Coordinate]] = Field(
        min_length=3,
        max_length=64,
        title="Polygon",
        description="Vertices [x, y] in frame pixels; a person's ground point (bottom centre of the box) inside it is in the zone.",
    )
    display: str | None = Field(
        default=None,
        title="Display",
        description="A display facing this area: someone staying here longer than linger_s is 'lingering at' it.",
    )


class DetectorConfig(StrictModel):
    conf_threshold: Threshold = Field(
        default=0.45,
                title="Confidence threshold",
        description="Minimum person score kept. 0.45 gave the lowest count error on the reference clip (docs/camera.md); lower finds more distant people but also posts and cones.",
    )
    nms_threshold: Threshold = Field(
        default=0.45,
                title="NMS IoU threshold",
        description="Boxes overlapping a better one by more than this IoU are dropped as duplicates.",
    )
    input_width: InputSide = Field(
        default=416,
                title="Input width",
        description="Network input width in pixels (multiple of 32). Larger sees smaller people but costs time quadratically.",
    )
    input_height: InputSide = Field(
        default=320,
                title="Input height",
        description="Network input height in pixels (multiple of 32). Keep width/height close to the camera's aspect ratio.",
    )
    letterbox: bool = Field(
        default=False,
        title="Letterbox",
        description="Pad the frame to the input aspect ratio instead of stretching it; for cameras far from 4:3.",
    )
    min_box_height: float = Field(
        default=0.0,
        ge=0,
        le=10_000,
        title="Minimum box height",
        description="Ignore person boxes shorter than this many frame pixels (far-away people outside every zone).",
    )
    threads: int = Field(
        default=1,
        ge=1,
        le=64,
        title="OpenCV threads",
        description="Threads OpenCV may use; 1 leaves the other cores to the recommendation agent.",
    )


class TrackerConfig(StrictModel):
    iou_threshold: float = Field(
        default=0.2,
        ge=0,
        lt=1,
        title="Match IoU",
        description="Minimum overlap between a track's predicted box and a detection to match them.",
    )
    max_center_distance: float = Field(
        default=0.6,
        gt=0,
        le=100,
        title="Match distance",
        description="Fallback match when boxes do not overlap: centre distance up to this fraction of the box height.",
    )
    min_hits: int = Field(
        default=2,
        ge=1,
        le=1000,
        title="Hits to confirm",
        description="Detections needed before a track counts (suppresses one-frame false positives).",
    )
    max_age_s: Period = Field(
        default=1.0,
                title="Track expiry (s)",
        description="A track unseen for this long is forgotten; its id is never reused.",
    )


class PublishConfig(StrictModel):
    occupancy_min_interval_s: Delay = Field(
        default=1.0,
                title="Occupancy interval (s)",
        description="At most one occupancy message per zone per interval; a change inside it is sent when it ends.",
    )
    occupancy_heartbeat_s: Period = Field(
        default=30.0,
                title="Occupancy heartbeat (s)",
        description="Re-send an unchanged occupancy this often, so a late subscriber learns it.",
    )
    dwell_report_s: Period = Field(
        default=5.0,
                title="Dwell report period (s)",
        description="While a track stays in a zone, send its dwell time this often (the exit event carries the final one).",
    )
    max_events_per_s: float = Field(
        default=20.0,
        gt=0,
        le=100_000,
        title="Event rate cap",
        description="Token-bucket cap on enter/exit/dwell messages per second; linger and occupancy are never dropped by it.",
    )
    exit_grace_s: Delay = Field(
        default=0.5,
                title="Exit grace (s)",
        description="A track must be outside a zone this long before it exits, so a box jittering on a border does not flap.",
    )
    status_interval_s: Period = Field(
        default=10.0,
                title="Status interval (s)",
        description="How often the retained camera status (frames, fps, drops, errors) is refreshed.",
    )


class SourceConfig(StrictModel):
    stall_timeout_s: Period = Field(
        default=5.0,
                title="Stall timeout (s)",
        description="A live source that delivers no frame for this long is closed and reopened.",
    )
    retry_initial_s: Period = Field(
        default=1.0,
                title="First retry delay (s)",
        description="Delay before the first reopen of a lost camera; doubles on each failure.",
    )
    retry_max_s: Period = Field(
        default=30.0,
                title="Max retry delay (s)",
        description="Cap of the doubling reopen delay.",
    )
    open_attempts: int = Field(
        default=5,
        ge=1,
        le=1000,
        title="Start-up open attempts",
        description="Tries to open a live source at start before edge-camera exits with an error (once running, a lost camera is retried forever).",
    )
    max_fps: float | None = Field(
        default=None,
        gt=0,
        le=1000,
        title="Max processing rate",
        description="Process at most this many frames per second of a live source (the rest are dropped); None: as fast as the detector allows.",
    )


class DebugConfig(StrictModel):
    out: SafePath | None = Field(
        default=None,
        title="Debug output",
        description="Write annotated frames (boxes, track ids, zone polygons) here: a .avi/.mp4 video, or a directory for a PNG series. Installer use only: off by default, stays on the device.",
    )
    every_n: int = Field(
        default=1,
        ge=1,
        le=100_000,
        title="Debug every N frames",
        description="Annotate only every Nth processed frame, to keep debug output small.",
    )
    mjpeg_port: Port | None = Field(
        default=None,
        title="MJPEG port",
        description="Serve the annotated stream at http://127.0.0.1:PORT/ (loopback only, never the store LAN).",
    )


class CameraConfig(StrictModel):
    id: Identifier = Field(
        default="cam1",
        title="Camera id",
        description="Camera id used in camera topics (so no '/', '+', '#' or spaces).",
    )
    source: str = Field(
        default="0",
        min_length=1,
        pattern=r"^[^\x00-\x1f]+$",
        title="Source",
        description="USB camera index ('0'), RTSP URL or video file path. --source on the command line overrides it.",
    )
    model_dir: SafePath | None = Field(
        default=None,
        title="Detector directory",
        description="Directory of the person detector (Darknet cfg + weights).",
    )
    zones: list[CameraZone] = Field(default_factory=list, max_length=200, title="Zones", description="Areas of the frame mapped to store zones.")
    linger_s: Period = Field(default=5.0, title="Linger threshold (s)", description="Dwell near a display that counts as lingering.")
    detector: DetectorConfig = Field(default_factory=DetectorConfig, title="Detector", description="Person detector settings.")
    tracker: TrackerConfig = Field(default_factory=TrackerConfig, title="Tracker", description="How detections are linked into anonymous tracks.")
    publish: PublishConfig = Field(default_factory=PublishConfig, title="Publishing", description="Change-driven, rate-limited MQTT publishing.")
    source_options: SourceConfig = Field(default_factory=SourceConfig, title="Source options", description="Reconnect, stall and frame-drop policy for live sources.")
    debug: DebugConfig = Field(default_factory=DebugConfig, title="Debug output", description="Annotated frames for installers drawing zones.")

    @model_validator(mode="after")
    def _retry_bounds(self) -> CameraConfig:
        if self.source_options.retry_max_s < self.source_options.retry_initial_s:
            raise ValueError("camera.source_options.retry_max_s must be >= retry_initial_s")
        return self
