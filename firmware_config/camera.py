"""Configuration of the edge-camera process (owned by the camera pipeline).

Zones are drawn as polygons in image pixel coordinates of the camera's frame;
each names the store zone (``DeviceConfig.zones``) it belongs to.
"""

from __future__ import annotations

from pathlib import Path

from pydantic import BaseModel, ConfigDict, Field


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class CameraZone(_Strict):
    zone: str = Field(title="Store zone", description="Id of the store zone (DeviceConfig.zones) this area belongs to.")
    polygon: list[tuple[float, float]] = Field(
        min_length=3,
        title="Polygon",
        description="Vertices [x, y] in frame pixels; a person's ground point (bottom centre of the box) inside it is in the zone.",
    )
    display: str | None = Field(
        default=None,
        title="Display",
        description="A display facing this area: someone staying here longer than linger_s is 'lingering at' it.",
    )


class CameraConfig(_Strict):
    id: str = Field(default="cam1", title="Camera id", description="Camera id used in camera topics.")
    source: str = Field(
        default="0",
        title="Source",
        description="USB camera index ('0'), RTSP URL or video file path. --source on the command line overrides it.",
    )
    model_dir: Path | None = Field(
        default=None,
        title="Detector directory",
        description="Directory of the person detector (Darknet cfg + weights).",
    )
    zones: list[CameraZone] = Field(default_factory=list, title="Zones", description="Areas of the frame mapped to store zones.")
    linger_s: float = Field(default=5.0, gt=0, title="Linger threshold (s)", description="Dwell near a display that counts as lingering.")
