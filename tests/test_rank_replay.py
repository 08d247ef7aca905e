"""benchmarks.rank_replay: its A/B of two rankers replays every call, compares the
outputs, and leaves out of the timing the calls a GC collection ran inside."""

from __future__ import annotations

import gc
import json
import pickle
from pathlib import Path

import numpy as np
import pytest

from benchmarks import rank_replay
from edge.bundle import Item
from edge.reco import Placement, department_mask
from edge.state import StateStore


@pytest.fixture
def capture(tmp_path: Path) -> Path:
    items = [Item(item_id=f"I{i}", name=f"Item {i}", category=f"C{i % 7}", department=["PRODUCE", "DELI"][i % 2],
                  price=1.0, popularity=float(400 - i)) for i in range(400)]
    store = StateStore(":memory:", items)
    try:
        static = {f: getattr(store, f) for f in rank_replay._STATIC}  # noqa: SLF001
        p = Placement("d1", "z1", department_mask(store, ["DELI"]), "Deli")
        rng = np.random.default_rng(3)
        available = np.ones(len(items), dtype=bool)
        calls = []
        for i in range(40):
            scores = rng.normal(0, 1, len(items)).astype(np.float32) if i % 4 == 0 else calls[-1]["scores"]
            calls.append({"scores": scores, "delta": None, "placement": p, "k": 4 + (i % 3), "strategy": "model",
                          "key": ("v", i // 4), "bought": {1, 2} if i % 5 == 0 else set(), "history": [3, 4],
                          "available": available, "placed": {}, "placed_version": 0})
        meta = {"near_boost": 0.3, "diversity_weight": 0.2, "exclude_purchased": True, "static": static}
    finally:
        store.close()
    out = tmp_path / "cap.pkl"
    with open(out, "wb") as f:
        pickle.dump({"meta": meta, "calls": calls}, f)
    return out


def test_compare_replays_every_call_and_finds_a_ranker_identical_to_itself(
        capture: Path, capsys: pytest.CaptureFixture[str]) -> None:
    old = Path(rank_replay.current.__file__)
    assert rank_replay.compare(capture, old, rounds=2) == 0
    result = json.loads(capsys.readouterr().out.strip().splitlines()[-1])
    assert result["identical"]
    for r in result["rounds"]:
        assert r["mismatches"] == 0
        assert r["built"]["calls"] + r["cached"]["calls"] + r["gc_excluded"] == 40
        assert r["built"]["calls"] == 10  # one short list per score key


def test_the_collection_counter_sees_every_collection() -> None:
    seen = rank_replay._count_collections()  # noqa: SLF001
    before = seen[0]
    gc.collect()
    gc.collect(0)
    assert seen[0] == before + 2
