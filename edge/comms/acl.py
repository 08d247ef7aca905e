"""Who may read and write which topic: the broker's rights, derived from the topic contract.

Every client of the store broker has one identity (its certificate CN on the
TLS listener, its username on the loopback listener) and each identity has one
role. This module turns the topic tree of :mod:`edge.comms.topics` into the
exact rights of every identity of a store, so that the Mosquitto ACL
(``deploy/mosquitto/acl``, written by ``python -m deploy.acl``), the matrix
test on a real broker and the table in ``docs/security.md`` all come from one
place. The rules:

* a right names this store's topics only (the store id is in every topic), and,
  where the topic has an instance slot, the identity's own instance (a screen
  reads its own display's recommendations; a camera writes its own camera's topics);
* ``user`` blocks only, never ``pattern`` lines: a pattern applies to every
  client, which is how every certificate of the store CA got device rights;
* nothing but ``monitor`` reads ``#``; an identity that is not listed gets nothing;
* requests are answered into ``{p}/{store}/reply/{client}/...``; each requester
  reads only its own reply namespace, and only the device writes there;
* only the bridge (the cloud side) writes ``feedback/ack``; only the console
  and the bridge write ``desired``.

Identities (certificate CN = MQTT username):

=================  ===========================  ======================================================
role               identity                     one per
=================  ===========================  ======================================================
device             ``<device_id>``              device (the agent and its in-process feedback sender)
feedback_sender    ``<device_id>-feedback``     device, when the sender runs on its own credentials
screen             ``screen-<display_id>``      display of kind ``screen`` (a player on its own MQTT client)
signage            ``edge-signage``             edge box (the page server for the displays it serves)
shelf_gateway      ``shelf-gateway``            store (every display of kind ``shelf``, and stock)
till_gateway       ``till-gateway``             store
camera             ``camera-<camera_id>``       camera
location_system    ``location-system``          store
console            ``fleet-console``            store (the fleet service's desired state)
monitor            ``monitor``                  store (operators, read-only)
bridge             ``cloud-bridge``             store (a bridge that logs in as a client)
=================  ===========================  ======================================================
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from typing import Literal

from edge.comms.topics import TopicTree

Access = Literal["read", "write"]

ROLES: tuple[str, ...] = (
    "device", "feedback_sender", "screen", "signage", "shelf_gateway", "till_gateway", "camera",
    "location_system", "console", "monitor", "bridge",
)

BRIDGE_STATE_TOPIC = "bridge/cloud/state"
"""Retained uplink state the store broker's own bridge publishes (store-broker.conf)."""


@dataclass(frozen=True)
class Grant:
    access: Access
    topic: str
    """A topic filter (``+``/``#`` allowed) in the broker's syntax."""


@dataclass(frozen=True)
class Identity:
    role: str
    username: str
    grants: tuple[Grant, ...]
    local: bool = False
    """Runs on the edge box itself, so it gets loopback credentials in the password file."""

    def may(self, access: Access, topic: str) -> bool:
        """Whether a grant of this identity covers the concrete ``topic``."""
        return any(g.access == access and topic_matches(g.topic, topic) for g in self.grants)


@dataclass(frozen=True)
class StoreLayout:
    """What the rights of a store depend on: its ids, displays and cameras."""

    store_id: str
    device_ids: tuple[str, ...]
    screens: tuple[str, ...]
    shelves: tuple[str, ...]
    cameras: tuple[str, ...] = ("cam1",)
    signage: tuple[str, ...] = ()
    """Displays the edge-signage page server serves."""
    prefix: str = "store"
    extra: dict[str, str] = field(default_factory=dict)

    @classmethod
    def from_config(cls, config: object) -> StoreLayout:
        """From a :class:`firmware_config.schema.DeviceConfig` (one device per store config)."""
        displays = getattr(config, "displays", [])
        camera = getattr(config, "camera", None)
        # Without a [signage] table the page server would serve every display when
        # enabled; its rights are generated for that so enabling it needs no new ACL.
        signage = getattr(config, "signage_displays", list)() or [d.id for d in displays]
        return cls(
            store_id=config.store_id,  # type: ignore[attr-defined]
            device_ids=(config.device_id,),  # type: ignore[attr-defined]
            screens=tuple(d.id for d in displays if d.kind == "screen"),
            shelves=tuple(d.id for d in displays if d.kind == "shelf"),
            cameras=(camera.id,) if camera is not None else ("cam1",),
            signage=tuple(signage),
            prefix=config.broker.topic_prefix,  # type: ignore[attr-defined]
        )


def _r(*topics: str) -> list[Grant]:
    return [Grant("read", t) for t in topics]


def _w(*topics: str) -> list[Grant]:
    return [Grant("write", t) for t in topics]


def identities(layout: StoreLayout) -> list[Identity]:
    """Every identity of the store with its exact rights, in a stable order."""
    store = TopicTree(layout.store_id, prefix=layout.prefix)
    out: list[Identity] = []
    for device_id in layout.device_ids:
        dev = TopicTree(layout.store_id, device_id, layout.prefix)
        out.append(Identity("device", device_id, (
            *_r(dev.location, dev.camera_zone(), dev.camera_status(), dev.inventory, dev.pos,
                dev.interaction(), dev.rendered(), dev.request, dev.desired),
            *_w(dev.recommendations(), dev.status, dev.deadletter, dev.reply() + "/#"),
            # The feedback sender runs in the device process on the same credentials.
            *_r(dev.feedback_ack, BRIDGE_STATE_TOPIC), *_w(dev.feedback),
        ), local=True))
        out.append(Identity("feedback_sender", f"{device_id}-feedback", (
            *_r(dev.feedback_ack, BRIDGE_STATE_TOPIC), *_w(dev.feedback),
        ), local=True))
    any_device = TopicTree(layout.store_id, "+", layout.prefix)
    for display_id in layout.screens:
        name = f"screen-{display_id}"
        out.append(Identity("screen", name, (
            *_r(store.recommendations(display_id), store.reply(name) + "/#"),
            *_w(store.interaction(display_id), any_device.request),
        )))
    out.append(Identity("signage", "edge-signage", (
        # The device's retained status tells the pages when the device is offline.
        *_r(*(store.recommendations(d) for d in layout.signage),
            *(TopicTree(layout.store_id, d, layout.prefix).status for d in layout.device_ids)),
        *_w(*(t for d in layout.signage for t in (store.rendered(d), store.shelf(d), store.interaction(d)))),
    ), local=True))
    out.append(Identity("shelf_gateway", "shelf-gateway", (
        *_r(*(t for s in layout.shelves for t in (store.recommendations(s), store.shelf(s)))),
        *_w(store.inventory, *(store.interaction(s) for s in layout.shelves)),
    )))
    out.append(Identity("till_gateway", "till-gateway", tuple(_w(store.pos))))
    for camera_id in layout.cameras:
        out.append(Identity("camera", f"camera-{camera_id}", tuple(
            _w(store.camera_zone(camera_id), store.camera_status(camera_id))), local=True))
    out.append(Identity("location_system", "location-system", tuple(_w(store.location))))
    out.append(Identity("console", "fleet-console", (
        *_r(any_device.status), *_w(any_device.desired),
    )))
    out.append(Identity("monitor", "monitor", tuple(_r("#")), local=True))
    out.append(Identity("bridge", "cloud-bridge", (
        *_r(any_device.feedback), *_w(any_device.feedback_ack, any_device.desired),
    )))
    return out


def topic_matches(filter_: str, topic: str) -> bool:
    """MQTT topic-filter matching (``+`` one level, ``#`` the rest; ``$`` topics need an explicit first level)."""
    f_parts, t_parts = filter_.split("/"), topic.split("/")
    if t_parts[0].startswith("$") and f_parts[0] in ("+", "#"):
        return False
    for i, part in enumerate(f_parts):
        if part == "#":
            return True
        if i >= len(t_parts) or (part != "+" and part != t_parts[i]):
            return False
    return len(f_parts) == len(t_parts)


def contract_topics(layout: StoreLayout, requester: str | None = None) -> list[tuple[str, str]]:
    """``(name, concrete topic)`` for every topic of the contract in this store, each
    instance slot filled with an own and a foreign instance, plus the same topics of
    another store: what the matrix test checks every identity against."""
    device_id = layout.device_ids[0]
    dev = TopicTree(layout.store_id, device_id, layout.prefix)
    other_dev = TopicTree(layout.store_id, "other-device", layout.prefix)
    screen = layout.screens[0] if layout.screens else "front"
    shelf = layout.shelves[0] if layout.shelves else "shelf"
    camera = layout.cameras[0]
    requester = requester or f"screen-{screen}"
    rows = [
        ("location", dev.location),
        ("camera", dev.camera_zone(camera)),
        ("camera_other", dev.camera_zone("other-cam")),
        ("camera_status", dev.camera_status(camera)),
        ("inventory", dev.inventory),
        ("pos", dev.pos),
        ("interaction_screen", dev.interaction(screen)),
        ("interaction_shelf", dev.interaction(shelf)),
        ("recommendations_screen", dev.recommendations(screen)),
        ("recommendations_shelf", dev.recommendations(shelf)),
        ("rendered_screen", dev.rendered(screen)),
        ("shelf_labels", dev.shelf(shelf)),
        ("status", dev.status),
        ("request", dev.request),
        ("deadletter", dev.deadletter),
        ("feedback", dev.feedback),
        ("feedback_ack", dev.feedback_ack),
        ("feedback_other_device", other_dev.feedback),
        ("feedback_ack_other_device", other_dev.feedback_ack),
        ("desired", dev.desired),
        ("reply_own", f"{dev.reply(requester)}/r1"),
        ("reply_other", f"{dev.reply('someone-else')}/r1"),
        ("bridge_state", BRIDGE_STATE_TOPIC),
    ]
    other_store = TopicTree("other-store", device_id, layout.prefix)
    rows += [
        ("other_store_recommendations", other_store.recommendations(screen)),
        ("other_store_pos", other_store.pos),
        ("other_store_status", other_store.status),
    ]
    return rows


def render_mosquitto_acl(idents: Sequence[Identity], *, header: Iterable[str] = ()) -> str:
    """The Mosquitto ``acl_file``: one ``user`` block per identity, no patterns."""
    lines = [f"# {h}" if h else "#" for h in header]
    for ident in idents:
        lines += ["", f"# {ident.role}", f"user {ident.username}"]
        lines += [f"topic {g.access} {g.topic}" for g in ident.grants]
    return "\n".join(lines).lstrip("\n") + "\n"
