"""A no-repeat bundle (``exclude_history``) on a real device: what a loyalty member
consumed stays off their screens, beyond the model's history, across a restart
and into their next visit (edge/state/store.py consumed set)."""

from __future__ import annotations

import shutil
import time
from pathlib import Path

from edge_helpers import (
    Probe,
    device_config,
    location,
    purchase,
    scorer_bundle,
    topics,
    wait_until,
)

from deploy.local_broker import MosquittoBroker
from edge.app import Device
from edge.bundle import load_bundle

T = topics()


def no_repeat_bundle(tmp_path: Path) -> Path:
    """The tiny bundle re-written to ship popularity with ``exclude_history`` (what the
    trainer ships on a ratings export), golden cases recomputed by that scorer."""
    return scorer_bundle(tmp_path, {"kind": "popularity", "exclude_history": True}, "no-repeat")


def test_a_members_consumed_items_stay_excluded_beyond_the_history_after_a_restart(
    tmp_path: Path, broker: MosquittoBroker
) -> None:
    bundle = no_repeat_bundle(tmp_path)
    window = load_bundle(bundle).spec.history_length
    config = device_config(tmp_path, broker, bundle, session_ttl_s=10)
    offset = [0.0]
    probe = Probe(broker)
    device = Device(config, clock=lambda: time.time() + offset[0])
    device.start()
    try:
        assert device.link.subscribed.wait(10)
        assert device.store.consumed_on  # the bundle excludes: sets are kept
        # What this screen shows a shopper it knows nothing about (popularity): bought first,
        # then more than the model's history window of other items.
        first = probe.items_shown(location("produce", track="t-anon"), "produce-screen")
        later = [it.item_id for it in device.store.items if it.item_id not in first][: window + 4]
        for basket in (first, later[: window // 2], later[window // 2:]):
            probe.publish(T.pos, purchase(basket, loyalty="L-c"))
        assert wait_until(lambda: device.metrics.received["pos"] == 3)
        session = device.store.sessions["l:L-c"]
        assert wait_until(lambda: len(session.consumed) == len(first) + len(later))
        assert len(session.consumed) > window
    finally:
        device.stop()

    # A restart, then the member comes back for another visit (the old session expired).
    device = Device(config, clock=lambda: time.time() + offset[0])
    device.start()
    try:
        assert device.link.subscribed.wait(10)
        assert len(device.store.sessions["l:L-c"].consumed) == len(first) + len(later)
        offset[0] = 60.0
        assert wait_until(lambda: not device.store.sessions, timeout=10)
        again = probe.items_shown(location("produce", loyalty="L-c"), "produce-screen")
        session = device.store.sessions["l:L-c"]
        assert not session.bought and len(session.history) <= 100
        # Outside the model's history window and not bought this visit, yet excluded.
        assert not set(first) & {device.store.items[i].item_id for i in session.history[-window:]}
        assert len(set(again)) == len(again) == 4, again  # four different items
        assert not (set(first) | set(later)) & set(again), again
        # An anonymous shopper is still shown them.
        assert set(probe.items_shown(location("produce", track="t-anon-2"), "produce-screen")) & set(first)
    finally:
        device.stop()
        probe.close()
        shutil.rmtree(bundle, ignore_errors=True)
