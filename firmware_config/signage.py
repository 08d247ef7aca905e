"""Configuration of the edge-signage process (owned by edge/signage).

``edge-signage`` is the web server screens point a kiosk browser at
(``http://<edge box>:<port>/display/<display id>``). It reads the same device
config file as ``edge-device``: the broker, the store and the displays come
from there; this table only says where to listen and which displays it serves.
See ``docs/signage.md``.
"""

from __future__ import annotations

from pydantic import Field

from firmware_config.bounds import ClientId, HostName, Port, StrictModel


class SignageConfig(StrictModel):
    host: HostName = Field(
        default="127.0.0.1",
        title="Listen address",
        description="Address the page server binds; set the store LAN address (or 0.0.0.0) so screens can reach it.",
    )
    port: Port = Field(default=8090, title="Port", description="HTTP port of the display pages.")
    displays: list[str] = Field(
        default_factory=list,
        max_length=1000,
        title="Displays",
        description="Display ids served (and confirmed) by this process; empty means every display of the config.",
    )
    proof_of_play: bool = Field(
        default=True,
        title="Proof of play",
        description=(
            "Record a served display's impression only when a page confirms it drew the list (its shown_at). "
            "Turn off while no screen shows the pages, or impressions of those displays are never recorded."
        ),
    )
    client_id: ClientId | None = Field(
        default=None,
        title="MQTT client id",
        description="Stable MQTT client id of the page server; defaults to 'signage-<device_id>'.",
    )
    heartbeat_s: float = Field(
        default=2.0,
        gt=0,
        le=60,
        title="Page heartbeat (s)",
        description="The server sends each page a heartbeat this often; a page that misses three shows the offline marker.",
    )
