"""The latency benchmark's real traffic: who comes in, with what history, doing what."""

from __future__ import annotations

import json
from collections import Counter
from pathlib import Path

from benchmarks import real_traffic
from deploy.devicecfg import local_device_config


def test_members_get_history_through_till_purchases_and_walk_the_store(tmp_path: Path, shared_data: Path) -> None:
    report = tmp_path / "train" / "report.json"
    report.parent.mkdir()
    report.write_text(json.dumps({"split": {"start": "2017-01-01 00:00:00", "val_start": "2017-10-21 17:40:33"}}))
    config = local_device_config(tmp_path / "device.toml", port=1883, bundle=None, db_path=tmp_path / "s.db")
    t = real_traffic.build(config, 3000, bundle=report.parent / "bundle",
                           data_dir=shared_data / "completejourney")
    assert t.window == ("2017-01-01 00:00:00", "2017-10-21 17:40:33")
    # History arrives the way a device learns it: POS purchases naming a loyalty id,
    # from baskets inside the training window only.
    assert t.members > 100 and len(t.warmup) >= t.members
    assert all(topic.endswith("/pos") and "loyalty_id" in p["shopper"] for topic, p in t.warmup)
    assert all(p["transaction_id"].startswith("hist-") and p["items"] for _, p in t.warmup)
    # The measured stream: exactly the signals asked for, every kind a store sends,
    # members and anonymous shoppers mixed, no ids or clocks baked in.
    assert len(t.signals) == 3000
    kinds = Counter(topic.rsplit("/", 1)[-1] for topic, _ in t.signals)
    assert set(kinds) == {"location", "inventory", "pos", "interaction"}
    assert t.member_visits > 0 and t.anonymous_visits > 0
    assert not any("signal_id" in p or "ts" in p for _, p in t.signals)
    zones = {z.id for z in config.zones}
    assert {p["zone"] for topic, p in t.signals if topic.endswith("/location")} <= zones
    # Members whose history was seeded come back during the run.
    members = {p["shopper"]["loyalty_id"] for _, p in t.warmup}
    assert members & {p["shopper"]["loyalty_id"] for _, p in t.signals if "loyalty_id" in p.get("shopper", {})}
