"""A bundle whose scorer counts more than the model's history (``"history": H``, a
baseline's device form): a real device keeps a member's items beyond the model's
window (edge/state/store.py ``HISTORY_KEEP``) and the scorer sees them on the member's
next visit (edge/reco/scores.py gives it its ``history_window``)."""

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
    tiny_bundle,
    topics,
    wait_until,
)

from deploy.local_broker import MosquittoBroker
from edge.app import Device
from edge.bundle import load_bundle

T = topics()


def staples_bundle(tmp_path: Path, history: int) -> Path:
    """The tiny bundle re-written to ship "the shopper's most bought item, then
    popularity", counted over the last ``history`` items; golden cases recomputed."""
    spec = {"kind": "own_topk", "k": 1, "history": history, "then": {"kind": "popularity"}}
    return scorer_bundle(tmp_path, spec, "staples")


def test_a_members_staple_bought_before_the_models_window_still_leads_their_next_visit(
    tmp_path: Path, broker: MosquittoBroker
) -> None:
    window = load_bundle(tiny_bundle()).spec.history_length
    longer = 150  # more than the model's window and than what a device keeps for it (100)
    assert window < 100 < longer
    bundle = staples_bundle(tmp_path, longer)
    offset = [0.0]
    probe = Probe(broker)
    device = Device(device_config(tmp_path, broker, bundle, session_ttl_s=10),
                    clock=lambda: time.time() + offset[0])
    device.start()
    try:
        assert device.link.subscribed.wait(10)
        # The staple: the least of what the screen shows a stranger, bought five times
        # first; then 40 other items three times each (120 purchases, each item 3-4 times).
        staple = probe.items_shown(location("produce", track="t-anon"), "produce-screen")[-1]
        others = [it.item_id for it in device.store.items if it.item_id != staple][:40]
        baskets = [[staple, others[i]] for i in range(5)] + [others * 3]
        for basket in baskets:
            probe.publish(T.pos, purchase(basket, loyalty="L-s"))
        assert wait_until(lambda: device.metrics.received["pos"] == len(baskets))
        offset[0] = 60.0  # the visit ends; the member comes back
        # The housekeeping sweep (every HOUSEKEEPING_S) expires the visit; 30 s, not 10:
        # a clean clone's suite on a loaded 2-core machine once took longer (session (aa)).
        assert wait_until(lambda: not device.store.sessions, timeout=30)
        again = probe.items_shown(location("produce", loyalty="L-s"), "produce-screen")
        session = device.store.sessions["l:L-s"]
        assert len(session.history) == 130 > 100  # every item stored, more than the model needs
        assert staple not in {device.store.items[i].item_id for i in session.history[-100:]}
        assert again[0] == staple, again  # counted from all 130
    finally:
        device.stop()
        probe.close()
        shutil.rmtree(bundle, ignore_errors=True)
