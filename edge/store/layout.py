"""The store layout from the device config: zones, displays, and where each one's
recommendations are seen (a :class:`~edge.reco.Placement` per display and zone).

Placements hold a department mask over a catalogue, so they belong to a serving
generation: :meth:`StoreLayout.placements` builds them for one catalogue.
"""

from __future__ import annotations

from collections.abc import Sequence

from edge.reco.ranker import Placement, department_mask
from edge.serving.catalogue import Catalogue
from firmware_config.schema import DeviceConfig, DisplayConfig, ZoneConfig


class Rejected(Exception):
    """A well-formed message the device still cannot act on (unknown zone...)."""


class StoreLayout:
    """Zones and displays, resolved once from the config."""

    def __init__(self, config: DeviceConfig) -> None:
        self.zones: dict[str, ZoneConfig] = {z.id: z for z in config.zones}
        self.displays: dict[str, DisplayConfig] = {d.id: d for d in config.displays}
        self.zone_displays: dict[str, list[str]] = {z: [] for z in self.zones}
        for d in config.displays:
            self.zone_displays[d.zone].append(d.id)
        self.default_k = config.policy.k

    def zone(self, zone: str) -> str:
        """``zone`` if the store has it, else :class:`Rejected`."""
        if zone not in self.zones:
            raise Rejected(f"zone: unknown zone {zone!r}")
        return zone

    def display(self, display_id: str | None, what: str = "unknown display") -> DisplayConfig:
        found = self.displays.get(display_id) if display_id is not None else None
        if found is None:
            raise Rejected(f"display_id: {what} {display_id!r}")
        return found

    def departments(self, key: str, zone: str) -> list[str]:
        """The departments a placement faces: the display's own, else its zone's."""
        display = self.displays.get(key)
        return (display.departments if display else None) or self.zones[zone].departments

    def placements(self, catalogue: Catalogue) -> dict[str, Placement]:
        """A placement per display id, and per ``zone:<id>`` for requests naming only a zone."""
        out: dict[str, Placement] = {}
        for d in self.displays.values():
            depts = d.departments or self.zones[d.zone].departments
            out[d.id] = Placement(d.id, d.zone, department_mask(catalogue, depts), _label(d.zone, depts))
        for z in self.zones.values():
            out[f"zone:{z.id}"] = Placement(f"zone:{z.id}", z.id, department_mask(catalogue, z.departments),
                                            _label(z.id, z.departments))
        return out


def _label(zone: str, departments: Sequence[str]) -> str:
    return ", ".join(d.title() for d in departments[:2]) if departments else zone
