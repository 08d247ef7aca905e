"""The retained MQTT :class:`~edge.comms.topics.DeviceStatus`, built from the registry.

``online`` is published on every (re)connect, every ``STATUS_EVERY_S`` and when
something an operator must see changes (a camera lost, an inference stuck);
``offline`` is the broker-held last will and the last word of a clean stop.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from edge.comms.topics import DeviceStatus, dump
from edge.observability.registry import Registry

STATUS_EVERY_S = 30.0


class StatusReporter:
    """Builds and publishes the device status from one :class:`Registry`."""

    def __init__(
        self,
        device_id: str,
        registry: Registry,
        *,
        model_version: Callable[[], str | None],
        clock: Callable[[], float],
    ) -> None:
        self.device_id = device_id
        self.registry = registry
        self.model_version = model_version
        self.clock = clock

    def build(self, state: str, detail: dict[str, Any] | None = None) -> DeviceStatus:
        """The status now; ``detail`` the registry's unless given."""
        return DeviceStatus(
            device_id=self.device_id, state=state, ts=self.clock(),  # type: ignore[arg-type]
            model_version=self.model_version(), detail=self.registry.detail() if detail is None else detail,
        )

    def payload(self, state: str) -> bytes:
        return dump(self.build(state))

    def will_payload(self) -> bytes:
        """The "offline" the broker publishes for a device gone without a clean stop: set
        at connect, so no snapshot of the detail blocks (then half built: the overload
        block raised, and a retained {"error": ...} stood in for the device's detail)."""
        return dump(self.build("offline", {"will": "the broker's word: the device went without a clean stop"}))
