"""Every ``Ranker.rank`` call of the real replay, captured and replayed through two rankers side by side.

Whole-run CPU figures on a shared 2-core box spread +-15 % between runs of one
tree, more than a ranking change moves them. This measures the ranker alone,
per call, on the calls the device really makes:

    python -m benchmarks.rank_replay capture OUT.pkl [--signals 10000] [--bundle DIR]
    python -m benchmarks.rank_replay compare OUT.pkl --old OLD_RANKER.py [--rounds 3]
    python -m benchmarks.rank_replay inline --old OLD_RANKER.py [--signals 10000] [--bundle DIR]
    python -m benchmarks.rank_replay score OUT.pkl [--bundle DIR] [--rounds 3]

``capture`` runs ``benchmarks.handle_cpu --traffic real`` in this process and
records, for every rank call, its inputs: the score vector, the placement, k,
the shopper's basket and history, strategy, cache key, and the store's stock
mask and shelf placements at that moment (the ranker reads those per call).
A vector the device scored by its delta (:class:`~edge.runtime.scorers.LazyScores`,
the explore kind) is recorded as an array and its delta; the current ranker is given
a ``LazyScores`` as in the device, and so is an old one that has the delta path
(``Ranker._delta_best``); an older one is given the array. ``compare`` builds one ranker from ``OLD_RANKER.py`` (a copy of
``edge/reco/ranker.py`` from another commit, e.g. ``git show main:edge/reco/ranker.py``)
and one from the current tree over the same catalogue, feeds both every call
in order (each keeps its own caches, as the device's would), alternating per call
which goes first, checks that the outputs are identical (index, score, reason)
and sums each side's thread CPU (a call during which the cyclic GC ran is left out
of both sums and counted in ``gc_excluded``). The last line is one JSON object; calls are
split into those that built a short list (a fresh score vector or placement)
and those served from the cache. Back to back, the replay runs with warm caches;
``inline`` runs both rankers inside the device's own handling of the real replay
instead (each call right after that signal's inference and state work, as in the
device), alternating per call which goes first, outputs compared the same way.
``score`` times the scorer itself on the capture's (history, context) keys: the
full vector (``BundleScorer.score``) against its delta (``score_delta``, what the
device's score source asks for), vectors compared bit for bit.
"""

from __future__ import annotations

import argparse
import gc
import importlib.util
import json
import os
import pickle
import sys
import tempfile
import time
from pathlib import Path
from types import SimpleNamespace

import numpy as np

from benchmarks.edge_latency import DEFAULT_BUNDLE
from edge.reco import ranker as current
from edge.runtime.scorers import LazyScores

_STATIC = ("items", "category_codes", "department_codes", "departments", "categories")


def capture(out: Path, signals: int, bundle: Path) -> int:
    from benchmarks import handle_cpu

    calls: list[dict] = []
    meta: dict = {}
    last = {"available": None, "placed": None, "placed_version": None}
    orig = current.Ranker.rank

    def recording(self, scores, placement, k, *, session=None, strategy="model", key=None):
        st = self.store
        if not meta:
            meta.update(near_boost=self.near_boost, diversity_weight=self.diversity_weight,
                        exclude_purchased=self.exclude_purchased,
                        static={f: getattr(st, f) for f in _STATIC if hasattr(st, f)})
        av = st.available
        if last["available"] is None or not np.array_equal(last["available"], av):
            last["available"] = av.copy()
        if last["placed_version"] != st.placed_version:
            last["placed_version"] = st.placed_version
            last["placed"] = {d: set(v) for d, v in st.placed.items()}
        calls.append({
            "scores": np.asarray(scores), "delta": getattr(scores, "delta", None), "placement": placement, "k": k, "strategy": strategy, "key": key,
            "bought": None if session is None else set(session.bought),
            "history": None if session is None else list(session.history),
            "available": last["available"], "placed": last["placed"], "placed_version": last["placed_version"],
        })
        return orig(self, scores, placement, k, session=session, strategy=strategy, key=key)

    current.Ranker.rank = recording  # type: ignore[method-assign]
    args = handle_cpu.parser().parse_args(["--traffic", "real", "--signals", str(signals), "--bundle", str(bundle)])
    handle_cpu._run(args, Path(tempfile.mkdtemp(prefix="rank-capture-")), None)  # noqa: SLF001
    with open(out, "wb") as f:
        pickle.dump({"meta": meta, "calls": calls}, f, protocol=pickle.HIGHEST_PROTOCOL)
    print(f"captured {len(calls)} rank calls into {out}", file=sys.stderr)
    return 0


def inline(old_path: Path, signals: int, bundle: Path) -> int:
    from benchmarks import handle_cpu

    old = _load_module(old_path, "_old_ranker")
    old_takes_delta = hasattr(old.Ranker, "_delta_best")
    orig = current.Ranker.rank
    twins: dict[int, tuple] = {}
    cpu = {"old": {"built": 0, "cached": 0}, "new": {"built": 0, "cached": 0}}
    n = {"built": 0, "cached": 0, "mismatches": 0, "gc_excluded": 0}
    collections = _count_collections()

    def both(self, scores, placement, k, *, session=None, strategy="model", key=None):
        twin = twins.get(id(self))
        if twin is None or twin[0] is not self:  # one old ranker per device ranker (a swap builds a new one)
            twin = twins[id(self)] = (self, old.Ranker(self.store, near_boost=self.near_boost,
                                                        diversity_weight=self.diversity_weight,
                                                        exclude_purchased=self.exclude_purchased))
        tt = time.thread_time_ns
        out = {}
        before = len(self._shortlists)  # noqa: SLF001
        # An old ranker without the delta path gets a plain array (what the device ranked
        # before score deltas), built here, outside either side's time: the copy it costs
        # is the scorer's. One with it gets what the device gives it, as the new side.
        plain = scores if old_takes_delta else np.asarray(scores)
        gc_before = collections[0]
        for side in (("old", "new") if sum(n.values()) % 2 == 0 else ("new", "old")):
            t = tt()
            if side == "old":
                res = twin[1].rank(plain, placement, k, session=session, strategy=strategy, key=key)
            else:
                res = orig(self, scores, placement, k, session=session, strategy=strategy, key=key)
            out[side] = (tt() - t, res)
        kind = "built" if len(self._shortlists) != before or key is None else "cached"  # noqa: SLF001
        if not _tally(cpu, n, kind, out, gc_ran=collections[0] != gc_before):
            n["gc_excluded"] += 1
        if [tuple(x) for x in out["old"][1]] != [tuple(x) for x in out["new"][1]]:
            n["mismatches"] += 1
        return out["new"][1]

    current.Ranker.rank = both  # type: ignore[method-assign]
    args = handle_cpu.parser().parse_args(["--traffic", "real", "--signals", str(signals), "--bundle", str(bundle)])
    handle_cpu._run(args, Path(tempfile.mkdtemp(prefix="rank-inline-")), None)  # noqa: SLF001
    total = n["built"] + n["cached"]
    print(json.dumps({
        "mode": "inline", "old": str(old_path), "calls": total, "mismatches": n["mismatches"],
        "gc_excluded": n["gc_excluded"],
        "load_avg_1m": round(os.getloadavg()[0], 2),
        **_per_call(cpu, n),
    }))
    return 0 if n["mismatches"] == 0 else 1


def _tally(cpu: dict[str, dict[str, int]], n: dict[str, int], kind: str, out: dict[str, tuple],
           *, gc_ran: bool) -> bool:
    """Add one call pair's thread CPU (``out[side][0]``, ns) to ``cpu`` and count it in
    ``n`` under ``kind`` (built or cached); False, and nothing added, when a GC
    collection ran during the pair (up to tens of ms inside one side's time)."""
    if gc_ran:
        return False
    n[kind] += 1
    for side in cpu:
        cpu[side][kind] += out[side][0]
    return True


def _count_collections() -> list[int]:
    """A counter of the cyclic GC's collections (any generation), from now on. A call
    pair during which one ran is left out of both sides' sums: a full collection (20-40 ms
    in ``handle_cpu``'s run, two per run) lands in whichever side allocated last and
    outweighs thousands of calls' difference."""
    seen = [0]

    def on_gc(phase: str, info: dict) -> None:
        if phase == "start":
            seen[0] += 1

    gc.callbacks.append(on_gc)
    return seen


def _per_call(cpu: dict[str, dict[str, int]], n: dict[str, int]) -> dict:
    """Thread CPU per rank call (µs) by side: overall, and split into calls that built a
    short list and calls served from the cache (``cpu`` in ns, ``n`` call counts)."""
    total = n["built"] + n["cached"]
    return {
        "us_per_call": {s: round((cpu[s]["built"] + cpu[s]["cached"]) / max(total, 1) / 1e3, 2) for s in cpu},
        **{kind: {"calls": n[kind], **{s: round(cpu[s][kind] / max(n[kind], 1) / 1e3, 2) for s in cpu}}
           for kind in ("built", "cached")},
    }


class _View:
    """What a Ranker reads from its store, set per replayed call."""

    def __init__(self, static: dict) -> None:
        self.__dict__.update(static)
        self.available = np.ones(len(self.items), dtype=bool)
        self.placed: dict[str, set[int]] = {}
        self.placed_version = 0


def _load_module(path: Path, name: str):
    spec = importlib.util.spec_from_file_location(name, path)
    assert spec is not None and spec.loader is not None
    mod = importlib.util.module_from_spec(spec)
    sys.modules[name] = mod
    spec.loader.exec_module(mod)
    return mod


def _with_delta(scores: np.ndarray, delta) -> np.ndarray | LazyScores:
    """The captured vector as the device's score source gives it: a :class:`LazyScores`
    (the vector not built) for a vector recorded with its delta, else the array."""
    return scores if delta is None else LazyScores(delta)


def compare(capture_file: Path, old_path: Path, rounds: int) -> int:
    with open(capture_file, "rb") as f:
        cap = pickle.load(f)
    meta, calls = cap["meta"], cap["calls"]
    old = _load_module(old_path, "_old_ranker")
    old_takes_delta = hasattr(old.Ranker, "_delta_best")  # else the old side gets the plain vector
    kw = {"near_boost": meta["near_boost"], "diversity_weight": meta["diversity_weight"],
          "exclude_purchased": meta["exclude_purchased"]}
    results = []
    collections = _count_collections()
    for r in range(rounds):
        views = {"old": _View(meta["static"]), "new": _View(meta["static"])}
        rankers = {"old": old.Ranker(views["old"], **kw), "new": current.Ranker(views["new"], **kw)}
        cpu = {"old": {"built": 0, "cached": 0}, "new": {"built": 0, "cached": 0}}
        n = {"built": 0, "cached": 0}
        mismatches = gc_excluded = 0
        tt = time.thread_time_ns
        for i, c in enumerate(calls):
            plain = c["scores"]
            lazy = _with_delta(plain, c.get("delta"))
            scores = {"old": lazy if old_takes_delta else plain, "new": lazy}
            session = None if c["bought"] is None else SimpleNamespace(bought=c["bought"], history=c["history"])
            for v in views.values():
                v.available, v.placed, v.placed_version = c["available"], c["placed"], c["placed_version"]
            out = {}
            kind = None
            order = ("old", "new") if (i + r) % 2 == 0 else ("new", "old")
            gc_before = collections[0]
            for side in order:
                rk = rankers[side]
                before = len(rk._shortlists)  # noqa: SLF001
                t = tt()
                res = rk.rank(scores[side], c["placement"], c["k"], session=session,
                              strategy=c["strategy"], key=c["key"])
                dt = tt() - t
                if side == "new":
                    kind = "built" if len(rk._shortlists) != before or c["key"] is None else "cached"  # noqa: SLF001
                out[side] = (dt, [tuple(x) for x in res])
            assert kind is not None
            if not _tally(cpu, n, kind, out, gc_ran=collections[0] != gc_before):
                gc_excluded += 1
            if out["old"][1] != out["new"][1]:
                mismatches += 1
        total = len(calls)
        res_r = {
            "round": r, "calls": total, "mismatches": mismatches, "gc_excluded": gc_excluded,
            "load_avg_1m": round(os.getloadavg()[0], 2),
            **_per_call(cpu, n),
        }
        print(json.dumps(res_r), file=sys.stderr)
        results.append(res_r)
    print(json.dumps({"capture": str(capture_file), "old": str(old_path), "rounds": results,
                      "identical": all(r["mismatches"] == 0 for r in results)}))
    return 0 if all(r["mismatches"] == 0 for r in results) else 1


def score(capture_file: Path, bundle: Path, rounds: int) -> int:
    """Per fresh inference: the scorer's full vector (``score``, what the device built
    before) against its delta (``score_delta``, a LazyScores), on the captured calls'
    distinct (history, context) keys whose vector had a delta, alternating per key
    which goes first; checks the delta's vector is bit for bit ``score``'s."""
    from edge.bundle import load_bundle
    from edge.runtime.model import Scorer
    from edge.runtime.scorers import build_scorer

    with open(capture_file, "rb") as f:
        calls = pickle.load(f)["calls"]
    keys = list(dict.fromkeys(c["key"] for c in calls if c.get("delta") is not None))
    scorer = build_scorer(load_bundle(bundle), Scorer)
    if getattr(scorer, "score_delta", None) is None or scorer.score_delta(*keys[0][:2]) is None:
        print(json.dumps({"error": f"{bundle}: the scorer has no delta path"}))
        return 1
    tt = time.thread_time_ns
    results = []
    for r in range(rounds):
        cpu = {"full": 0, "delta": 0}
        mismatches = 0
        for i, key in enumerate(keys):
            history, context = key[0], key[1]
            out = {}
            for side in (("full", "delta") if (i + r) % 2 == 0 else ("delta", "full")):
                t = tt()
                out[side] = scorer.score(history, context) if side == "full" else scorer.score_delta(history, context)
                cpu[side] += tt() - t
            if not np.array_equal(np.asarray(out["delta"]).view(np.int32), out["full"].view(np.int32)):
                mismatches += 1
        results.append({"round": r, "keys": len(keys), "mismatches": mismatches,
                        "load_avg_1m": round(os.getloadavg()[0], 2),
                        "us_per_inference": {s: round(v / len(keys) / 1e3, 2) for s, v in cpu.items()}})
        print(json.dumps(results[-1]), file=sys.stderr)
    print(json.dumps({"mode": "score", "capture": str(capture_file), "bundle": str(bundle), "rounds": results,
                      "identical": all(x["mismatches"] == 0 for x in results)}))
    return 0 if all(x["mismatches"] == 0 for x in results) else 1


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    sub = ap.add_subparsers(dest="cmd", required=True)
    c = sub.add_parser("capture")
    c.add_argument("out", type=Path)
    c.add_argument("--signals", type=int, default=10000)
    c.add_argument("--bundle", type=Path, default=DEFAULT_BUNDLE)
    m = sub.add_parser("compare")
    m.add_argument("capture", type=Path)
    m.add_argument("--old", type=Path, required=True)
    m.add_argument("--rounds", type=int, default=3)
    i = sub.add_parser("inline")
    i.add_argument("--old", type=Path, required=True)
    i.add_argument("--signals", type=int, default=10000)
    i.add_argument("--bundle", type=Path, default=DEFAULT_BUNDLE)
    sc = sub.add_parser("score")
    sc.add_argument("capture", type=Path)
    sc.add_argument("--bundle", type=Path, default=DEFAULT_BUNDLE)
    sc.add_argument("--rounds", type=int, default=3)
    args = ap.parse_args(argv)
    if args.cmd == "score":
        return score(args.capture, args.bundle, args.rounds)
    if args.cmd in ("capture", "inline"):
        code = (capture(args.out, args.signals, args.bundle) if args.cmd == "capture"
                else inline(args.old, args.signals, args.bundle))
        sys.stdout.flush()
        os._exit(code)  # the device's link thread keeps retrying an absent broker
    return compare(args.capture, args.old, args.rounds)


if __name__ == "__main__":
    sys.exit(main())
