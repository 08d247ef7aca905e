"""Choosing what the bundle ships, and comparing the model honestly.

* :func:`repeat_rate` -- share of train purchases in a shopper's later baskets
  of an item they had already. Below :data:`NO_REPEAT_RATE` the domain does
  not repeat (ratings, one-off purchases): every system then leaves items the
  shopper already has out of its list (:class:`ExcludeHistory`, and
  ``exclude_history`` in the shipped scorer).
* :func:`heat_candidates` -- context-aware sales heat (by hour, day part or
  weekday, three shrinkages each) for anonymous shoppers: candidates beside plain
  popularity, which stays when context does not help on validation.
* :func:`write_knn_table`, :func:`write_user_table` -- the item-kNN and TIFU-KNN
  baselines in the form a device runs (a pruned table, the stored shoppers' vectors).
* :func:`choose_champion` -- per segment (known / anonymous shoppers), the
  device-runnable system with the best validation objective
  (:data:`OBJECTIVE`); the result is a ``scorer`` spec for the manifest.
* :func:`paired_bootstrap` -- the 95 % interval of the per-case difference.

Every candidate is scored through :class:`edge.runtime.scorers.BundleScorer`,
the code a device runs, with the history cut to the device's history length.
The network's own scorer (its repeat/explore gate and explore prior) is fitted in
:mod:`cloud_trainer.gate` before it joins the candidates here.
"""

from __future__ import annotations

from collections import OrderedDict
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import scipy.sparse as sp

from cloud_trainer.baselines import consumed_width, drop_consumed
from cloud_trainer.dataset import EvalCase, PreparedData
from cloud_trainer.evaluation import evaluate, recommend_all
from cloud_trainer.processing import EVENT_WEIGHTS
from edge.bundle import Bundle, FeatureSpec, Item, Manifest, topk
from edge.runtime.scorers import BundleScorer, history_given
from edge.state.store import CONSUMED_KEEP, consumed_items

OBJECTIVE = ("recall@20", "ndcg@10")
"""The validation objective: recall@20 + ndcg@10 on the segment's cases."""
NO_REPEAT_RATE = 0.02
HEAT_TABLE_SIZE = 200
DAY_PARTS = {**{str(h): "night" for h in range(0, 6)}, **{str(h): "morning" for h in range(6, 11)},
             **{str(h): "midday" for h in range(11, 14)}, **{str(h): "afternoon" for h in range(14, 18)},
             **{str(h): "evening" for h in range(18, 24)}}


def objective(metrics: Mapping[str, Any]) -> float:
    return float(sum(metrics.get(k) or 0.0 for k in OBJECTIVE))


# -- repeat or not ------------------------------------------------------------------------


def repeat_rate(data: PreparedData) -> float:
    """Among train target events in a shopper's second or later basket, the share
    whose item the shopper had in an earlier basket.

    Only later baskets count: a shopper seen once cannot repeat, and a log where
    most shoppers come once (a browsing sample) would otherwise look like a
    domain without repeats (REES46: 1.6 % of all events, 17 % of later-basket
    ones). 0 when no shopper has two baskets (no evidence of repeating).
    """
    repeats = _later_basket_repeats(data)
    return float(repeats.mean()) if len(repeats) else 0.0


def _later_basket_repeats(data: PreparedData) -> np.ndarray:
    """For each train target event in a shopper's second or later basket, whether the
    shopper had its item in an earlier basket (empty when no shopper has two)."""
    train = data.train
    targets = data.split_info.get("target_events") or ["purchase"]
    rows = train[train["event_type"].isin(targets)]
    if rows.empty:
        return np.zeros(0, dtype=bool)
    starts = rows.groupby(["user_id", "basket_id"])["timestamp"].transform("min")
    framed = rows.assign(_s=starts)
    first_basket = framed.groupby("user_id")["_s"].transform("min")
    first_seen = framed.groupby(["user_id", "item_idx"])["_s"].transform("min")
    later = (starts > first_basket).to_numpy()
    return (starts > first_seen).to_numpy()[later]


MIN_VALIDATION_REPEAT_TARGETS = 30
"""Validation targets of known shoppers below which they do not decide the repeat mode
where train cannot: one to five targets, from baskets the split's cut-off ran through,
had set it for every shopper the device will see (fuzz-ad)."""


def repeat_decision(data: PreparedData) -> dict[str, Any]:
    """Whether the domain repeats, from the train window (:func:`repeat_rate` against
    :data:`NO_REPEAT_RATE`), in the report's form: the rate, the threshold, the
    decision (``exclude_history``) and a sentence saying it."""
    repeats = _later_basket_repeats(data)
    rate = float(repeats.mean()) if len(repeats) else 0.0
    exclude = rate < NO_REPEAT_RATE
    leaves_out = ("every system, the shipped scorer included, leaves items the shopper already "
                  "has out of its lists")
    val_rate, val_targets = _validation_repeats(data) if not len(repeats) else (0.0, 0)
    if not len(repeats) and val_targets >= MIN_VALIDATION_REPEAT_TARGETS:
        # No second basket in train (a web shop's session id that is a cart for good, an
        # export of one minute): validation's known shoppers say it. Taken as 'does not
        # repeat', such a shop's own items were left out of every list, known shoppers'
        # recall 0.14 where 76 % of their targets were things they had (fuzz-ac).
        rate, exclude = val_rate, val_rate < NO_REPEAT_RATE
        decision = (f"no shopper in train has a second basket of target events; in validation, {val_rate:.1%} of "
                    f"known shoppers' {val_targets:,} targets are items they already had "
                    + (f"(< {NO_REPEAT_RATE:.0%}): the domain does not repeat, so {leaves_out}" if exclude else
                       f"(>= {NO_REPEAT_RATE:.0%}): the domain repeats, own items stay recommendable"))
    elif not len(repeats):
        # Anonymous baskets read as one-visit shoppers: a 0 % rate here is no evidence.
        few = (f" (validation's known shoppers have {val_targets} targets, fewer than the "
               f"{MIN_VALIDATION_REPEAT_TARGETS} that would say)" if val_targets else "")
        decision = (f"no shopper in train has a second basket of target events, so nothing shows "
                    f"whether shoppers buy again{few}: taken as not repeating, and {leaves_out} (on a "
                    "device, what the shopper already picked up)")
    else:
        decision = (
            f"{rate:.1%} of train target events in a shopper's second or later basket are of an "
            "item they already had "
            + (f"(< {NO_REPEAT_RATE:.0%}): the domain does not repeat, so {leaves_out}" if exclude else
               f"(>= {NO_REPEAT_RATE:.0%}): the domain repeats, own items stay recommendable"))
    return {
        "train_repeat_rate": round(rate, 4),
        "threshold": NO_REPEAT_RATE,
        "exclude_history": exclude,
        "decision": decision,
    }


def _validation_repeats(data: PreparedData) -> tuple[float, int]:
    """The share of validation targets of shoppers with a history that are in it, and how
    many such targets there are (0 when none)."""
    hits = total = 0
    for case in data.val_cases:
        if case.user_id is None or not len(case.history):
            continue
        hits += int(np.isin(case.targets, case.history).sum())
        total += len(case.targets)
    return (hits / total if total else 0.0), total


class ExcludeHistory:
    """Wraps a recommender so items in the shopper's history are never listed."""

    def __init__(self, inner: Any) -> None:
        self.inner = inner
        self.name = inner.name

    def fit(self, data: PreparedData) -> None:
        self.inner.fit(data)

    def recommend(self, cases: list[EvalCase], k: int) -> np.ndarray:
        return drop_consumed(self.inner.recommend(cases, k + consumed_width(cases)), cases, k)


def consumed_cap_info(cases: list[EvalCase]) -> dict[str, Any]:
    """How many shoppers have more distinct items than a device keeps as consumed
    (CONSUMED_KEEP): their oldest ones stay recommendable on the device (and in
    ``shipped``), unlike in the cloud baselines (:class:`ExcludeHistory`)."""
    sizes = [len(np.unique(c.history)) for c in cases if len(c.history)]
    return {"device_keeps": CONSUMED_KEEP, "shoppers": len(sizes),
            "shoppers_over_cap": sum(1 for n in sizes if n > CONSUMED_KEEP),
            "max_distinct_items": max(sizes, default=0)}


# -- device scorers as trainer recommenders ---------------------------------------------


class _LiteRTModel:
    """The ``model`` part of a :class:`BundleScorer`, run by the trainer's LiteRT scorer."""

    def __init__(self, path: Path, spec: FeatureSpec) -> None:
        from cloud_trainer.litert_eval import TFLiteScorer

        self._scorer = TFLiteScorer(path, spec)
        self._spec = spec
        self._hist = np.empty((1, spec.history_length), dtype=np.int32)
        self._ctx = np.zeros((1, len(spec.context_fields)), dtype=np.int32)
        self.busy_since: float | None = None
        # The gate fit, the validation scoring, the champion choice and the test
        # slices ask the same queries again (and anonymous ones differ only by
        # hour and weekday): each runs LiteRT once -- while the cache holds at most
        # CACHE_BYTES; past it the least recently used scores go (they are
        # recomputed, the same values). Unbounded, a 93k-item catalogue's 42k
        # queries held 14 GB and the clickstream training was killed
        # (docs/performance-log.md, "(2026-12-03 (k)) large exports").
        self._cache: OrderedDict[tuple[tuple[int, ...], tuple[int, ...]], np.ndarray] = OrderedDict()
        self._cache_bytes = 0

    CACHE_BYTES = 2_000_000_000
    """~27k queries of Complete Journey's 18,307 float32 scores (73 kB each), ~5k of the
    clickstream shape's 93,558."""

    def score(self, history: Sequence[int], context: Sequence[int]) -> np.ndarray:
        key = (tuple(int(i) for i in history[-self._spec.history_length:]), tuple(int(c) for c in context))
        found = self._cache.get(key)
        if found is None:
            self._spec.fill_history(self._hist, history)
            self._ctx[0, :] = context
            found = self._cache[key] = self._scorer.scores(self._hist, self._ctx).copy()
            found.setflags(write=False)
            self._cache_bytes += found.nbytes
            while self._cache_bytes > self.CACHE_BYTES and len(self._cache) > 1:
                self._cache_bytes -= self._cache.popitem(last=False)[1].nbytes
        else:
            self._cache.move_to_end(key)
        return found

    def clear(self) -> None:
        self._cache.clear()
        self._cache_bytes = 0


def staging_bundle(items: list[Item], spec: FeatureSpec, path: Path | None = None) -> Bundle:
    """An in-memory bundle (no files) for scoring candidates before one is written."""
    manifest = Manifest(format_version=0, model_version="candidate", created_at="",
                        dataset_fingerprint="", metrics={}, files={})
    return Bundle(path=path or Path("."), manifest=manifest, items=items, spec=spec, golden=[])


class ScorerRecommender:
    """A :class:`~cloud_trainer.dataset.Recommender` that runs a device scorer.

    Exactly the device's path: history cut to the scorer's window (the spec's
    ``history_length``, or a kind's longer ``history``), context encoded
    by the feature spec, scores from the scorer, ranked by ``edge.bundle.topk``.
    A scorer that excludes consumed items also gets the consumed set a device
    holds after seeing the case's whole history (``edge.state.store.consumed_items``:
    its CONSUMED_KEEP most recent distinct items), as the device passes it.
    """

    def __init__(self, name: str, scorer: Any) -> None:
        self.name = name
        self.scorer = scorer

    def fit(self, data: PreparedData) -> None:
        """Nothing to learn: the scorer is what ships."""

    def recommend(self, cases: list[EvalCase], k: int) -> np.ndarray:
        spec = self.scorer.spec
        consumed = bool(getattr(self.scorer, "excludes_consumed", False))
        out = np.full((len(cases), k), -1, dtype=np.int64)  # -1 pads a catalogue smaller than k
        window = history_given(self.scorer)
        for i, case in enumerate(cases):
            history = np.asarray(case.history)[-window:] if window else []
            context = spec.context_indices(case.context)
            if consumed and len(case.history):
                scores = self.scorer.score(history, context, consumed_items(case.history))
            else:
                scores = self.scorer.score(history, context)
            top = topk(scores, k)
            out[i, : len(top)] = top
        return out


def make_scorer(bundle: Bundle, scorer_spec: Mapping[str, Any], model: Any | None) -> BundleScorer:
    return BundleScorer(bundle, scorer_spec, model)


# -- context-aware sales heat -------------------------------------------------------------


def heat_tables(data: PreparedData, field_name: str, groups: Mapping[str, str] | None) -> dict[str, Any]:
    """Per context group: its hottest items and total heat, in shares of all train heat
    (the unit of ``edge.runtime.scorers.heat_scores``)."""
    train = data.train
    if field_name not in train.columns:
        return {}
    half_life = pd.Timedelta(hours=float(data.normalisation.get("heat_half_life_hours", 336.0)))
    end = pd.Timestamp(data.split_info.get("val_start", train["timestamp"].max()))
    age = ((end - train["timestamp"]) / half_life).to_numpy(dtype=np.float64)
    weight = train["event_type"].map(EVENT_WEIGHTS).fillna(1.0).to_numpy() * np.power(0.5, age)
    values = train[field_name].astype(str).to_numpy()
    if groups:
        values = np.array([groups.get(v, v) for v in values], dtype=object)
    frame = pd.DataFrame({"g": values, "item": train["item_idx"].to_numpy(), "w": weight / weight.sum()})
    frame = frame[frame["g"] != ""]
    heat = frame.groupby(["g", "item"])["w"].sum().reset_index()
    table: dict[str, list[list[float]]] = {}
    total: dict[str, float] = {}
    for g, rows in heat.groupby("g"):
        rows = rows.sort_values(["w", "item"], ascending=[False, True])
        total[str(g)] = float(rows["w"].sum())
        top = rows.head(HEAT_TABLE_SIZE)
        table[str(g)] = [[int(i), round(float(v), 9)] for i, v in zip(top["item"], top["w"], strict=True)]
    return {"field": field_name, "groups": dict(groups) if groups else None, "table": table, "total": total}


def heat_candidates(data: PreparedData) -> list[dict[str, Any]]:
    """Context-heat scorer specs worth trying: by hour, day part and weekday, three shrinkages;
    only on the fields whose values the data's timestamps really tell (``real_context``:
    a heat table on made-up weekdays would be looked up with the device's real ones)."""
    out = []
    real = data.split_info.get("real_context", ("hour", "weekday"))
    for field_name, groups in (("hour", None), ("hour", DAY_PARTS), ("weekday", None)):
        if field_name not in real:
            continue
        base = heat_tables(data, field_name, groups)
        if not base or not base["total"]:
            continue
        typical = float(np.median(list(base["total"].values())))
        for c in (0.25, 1.0, 4.0):
            ctx = {**base, "smoothing": round(c * typical, 9)}
            if ctx["groups"] is None:
                del ctx["groups"]
            out.append({"kind": "popularity", "context": ctx})
    return out


DEVICE_KNN_NEIGHBOURS = 50
"""Neighbours per item in the shipped item-kNN table (bundle size; CJ: 18k items x 50 ~ 8 MB)."""
DEVICE_KNN_MAX_ENTRIES = 4_000_000
"""A tuned item-kNN table with more neighbours than DEVICE_KNN_NEIGHBOURS is offered to
the device as tuned too when it has at most this many entries (8 bytes each before
compression, 32 MB). Cut to 50, Last.fm's 400-neighbour table (15.4k artists, 1.43 M
entries, a 3.6 MB file) lost the known shoppers to TIFU-KNN's device form, and the
shipped scorer to the item_knn baseline on test (recall@20 0.2353 against 0.2554);
as tuned it ships at 0.2553."""
KNN_FILE = "item_knn.npz"
KNN_DEVICE_DECAYS = (0.95, 0.8)
"""Per-item history decays tried for the device's item-kNN (besides none)."""


def _save_csr(csr: Any, path: Path, indptr_dtype: Any) -> None:
    """A CSR table as the kNN scorer kinds read it (``indptr``, ``indices``, ``data``)."""
    import io

    buf = io.BytesIO()
    np.savez_compressed(buf, indptr=csr.indptr.astype(indptr_dtype), indices=csr.indices.astype(np.int32),
                        data=csr.data.astype(np.float32))
    path.write_bytes(buf.getvalue())


def write_knn_table(sim: Any, path: Path) -> dict[str, Any]:
    """Save an items x items similarity (scipy CSR, already pruned) for the
    ``item_knn`` scorer kind; returns its spec."""
    _save_csr(sim.tocsr(), path, np.int32)
    return {"kind": "item_knn", "file": path.name}


USER_KNN_FILE = "user_knn.npz"
USER_KNN_MAX_SHOPPERS = 50_000
"""Stored shoppers the ``user_knn`` table keeps at most (those with the most items): the
device's neighbour search allocates one float per stored shopper and query, and a
store's loyalty base is in the tens of thousands; a web log's million one-visit
visitors would only make the file big."""


def write_user_table(vectors: Any, path: Path, max_rows: int = USER_KNN_MAX_SHOPPERS) -> dict[str, Any]:
    """Save the train shoppers' TIFU vectors (scipy CSR, shoppers x items) for the
    ``user_knn`` scorer kind, each row scaled to sum to 1 and empty rows left out;
    returns the spec without ``k`` / ``alpha``."""
    csr = sp.csr_matrix(vectors)
    csr.eliminate_zeros()
    sizes = np.diff(csr.indptr)
    keep = np.flatnonzero(sizes > 0)
    if len(keep) > max_rows:
        keep = np.sort(keep[np.argsort(-sizes[keep], kind="stable")[:max_rows]])
    csr = csr[keep]
    sums = np.asarray(csr.sum(axis=1)).ravel()
    csr = sp.diags(1.0 / np.where(sums > 0, sums, 1.0)) @ csr
    csr = sp.csr_matrix(csr)
    csr.sort_indices()
    _save_csr(csr, path, np.int64)  # int64: a large table's entries pass 2**31
    return {"kind": "user_knn", "file": path.name}


def scorer_files(spec: Mapping[str, Any], directory: Path) -> dict[str, bytes]:
    """The data files a scorer spec reads, by name (for the bundle)."""
    out: dict[str, bytes] = {}
    if spec.get("kind") in ("item_knn", "user_knn"):
        out[spec["file"]] = (directory / spec["file"]).read_bytes()
    for part in ("known", "anonymous", "then"):
        if isinstance(spec.get(part), Mapping):
            out.update(scorer_files(spec[part], directory))
    return out


def describe(spec: Mapping[str, Any]) -> str:
    """A short name for a scorer spec (reports)."""
    kind = spec["kind"]
    if kind == "popularity":
        ctx = spec.get("context")
        if not ctx:
            return "popularity"
        by = "day part" if ctx.get("groups") else ctx["field"]
        return f"context heat by {by} (m={ctx['smoothing']:.3g})"
    if kind == "own_topk":
        window = f" of the last {spec['history']} items" if spec.get("history") else ""
        return f"own top-{spec['k']}{window} then {describe(spec.get('then', {'kind': 'popularity'}))}"
    last = f"last {spec['history']} items" if spec.get("history") else ""
    if kind == "item_knn":
        parts = [f"decay {spec['decay']}" if spec.get("decay", 1.0) != 1.0 else "", last]
        return "item_knn" + (f" ({', '.join(p for p in parts if p)})" if any(parts) else "")
    if kind == "user_knn":
        decay = f", decay {spec['decay']}" if spec.get("decay", 1.0) != 1.0 else ""
        return (f"tifu_knn on the device ({spec['k']} neighbours, alpha {spec['alpha']:g}{decay}"
                f"{', ' + last if last else ''})")
    if kind == "model":
        gate = spec.get("own_gate")
        tail = f", own items after the first {spec['own_tail']}" if spec.get("own_tail") is not None else ""
        ex = spec.get("explore")
        explore = (f", other items by the explore prior {ex.get('prior', '')} (weight {ex['weight']:g}, "
                   f"offset {ex['offset']:g})") if ex else ""
        return "model" + (f" + repeat gate w={gate['w']}{tail}{explore}" if gate else "")
    return f"known: {describe(spec['known'])}; anonymous: {describe(spec['anonymous'])}"


# -- the champion ---------------------------------------------------------------------------


@dataclass
class Champion:
    spec: dict[str, Any]
    reason: str
    segments: dict[str, list[dict[str, Any]]] = field(default_factory=dict)
    """Per segment, every candidate with its validation metrics (best first)."""


def segment_cases(cases: list[EvalCase]) -> dict[str, list[EvalCase]]:
    known = [c for c in cases if not c.segment.get("anonymous", c.user_id is None)]
    anonymous = [c for c in cases if c.segment.get("anonymous", c.user_id is None)]
    return {"known": known, "anonymous": anonymous}


FLOOR = "popularity"
"""The candidate a segment falls back to unless another beats it on validation by
more than noise (paired bootstrap over validation cases, 95 % interval above 0)."""


def candidate_lists(
    candidates: dict[str, list[tuple[str, dict[str, Any]]]],
    bundle: Bundle,
    val_cases: list[EvalCase],
    *,
    exclude_history: bool,
) -> dict[tuple[str, str], np.ndarray]:
    """``{(segment, name): top-20 lists}`` of candidates that do not run the network, on
    their segment's validation cases, as :func:`choose_champion` ranks them (ties in
    score as the device breaks them). They need no trained model, so the pipeline makes
    them while a seed trains, and the champion stage only ranks the network's."""
    by_segment = segment_cases(val_cases)
    out: dict[tuple[str, str], np.ndarray] = {}
    for seg, cands in candidates.items():
        cases = by_segment.get(seg, [])
        for name, spec in cands:
            if cases and spec.get("kind") not in ("model", "segmented"):
                out[seg, name] = device_recommender(name, spec, bundle, None, exclude_history).recommend(cases, 20)
    return out


def device_recommender(name: str, spec: Mapping[str, Any], bundle: Bundle, model: Any | None,
                       exclude_history: bool) -> ScorerRecommender:
    """A scorer spec as the device would run it, as a recommender for the evaluation
    (consumed items left out where the domain does not repeat): every champion
    candidate, and the network's own rows in the report."""
    full = {**spec, "exclude_history": True} if exclude_history else spec
    return ScorerRecommender(name, make_scorer(bundle, full, model))


def choose_champion(
    candidates: dict[str, list[tuple[str, dict[str, Any]]]],
    bundle: Bundle,
    model: Any | None,
    val_cases: list[EvalCase],
    *,
    exclude_history: bool,
    fallbacks: Mapping[str, tuple[str, Sequence[str]]] | None = None,
    lists: Mapping[tuple[str, str], np.ndarray] | None = None,
) -> Champion:
    """The best device-runnable candidate per segment on validation (:data:`OBJECTIVE`).

    ``candidates`` maps a segment ("known", "anonymous") to ``(name, spec)``
    pairs. If one spec wins both segments it ships alone, else a ``segmented`` one.
    A winner whose gain over the segment's fallback on validation is within noise
    gives way to it (the reason says so). The fallback is :data:`FLOOR` unless
    ``fallbacks`` names, per segment, ``(what it is, candidate names)``: then the
    best of those candidates and :data:`FLOOR` on validation (the pipeline passes the
    device forms of the best baseline, so a system that is not clearly better than
    that baseline does not replace it, unless popularity does better than them).
    ``lists``: :func:`candidate_lists` made earlier for some of the candidates (the
    pipeline makes the baselines' beside a fit); the rest are ranked here.
    """
    lists = lists or {}
    by_segment = segment_cases(val_cases)
    results: dict[str, list[dict[str, Any]]] = {}
    chosen: dict[str, dict[str, Any]] = {}
    for seg, cands in candidates.items():
        cases = by_segment.get(seg, [])
        rows = []
        recs: dict[str, ScorerRecommender | np.ndarray] = {}
        for name, spec in cands:
            if not cases:
                rows.append({"name": name, "spec": spec, "val": {}, "objective": 0.0})
                continue
            made = lists.get((seg, name))
            rec = recs[name] = made if made is not None else device_recommender(name, spec, bundle, model, exclude_history)
            m = evaluate(rec, cases, None, ks=(10, 20))
            rows.append({"name": name, "spec": spec, "val": {k: m.get(k) for k in (*OBJECTIVE, "n_cases")},
                         "objective": objective(m)})
        # Ties keep the earlier candidate: the model is listed first, then simpler systems.
        rows.sort(key=lambda r: -r["objective"])
        results[seg] = rows
        chosen[seg] = rows[0]
        what, names = (fallbacks or {}).get(seg, ("", (FLOOR,)))
        # The best of the named forms and FLOOR (rows are in validation order; ties keep
        # the named form): a best baseline whose device form scores below popularity on
        # validation is no safe default. Netflix's 10k sample shipped TIFU-KNN's device
        # form with 0 validation hits over popularity's 2, popularity's lead being
        # "within noise" on 27 shoppers.
        floor = next((r for r in rows if r["name"] in names or r["name"] == FLOOR), None)
        if not cases and floor is not None:
            chosen[seg] = floor  # nothing to judge by: the fallback, not the network unvalidated
        if cases and floor is not None and rows[0] is not floor:
            # On an unseen retailer's data a close validation win is often a test loss
            # (a ratings export: model 0.0840 vs popularity 0.0832 on validation, 0.0483 vs
            # 0.0491 on test; REES46: TIFU-KNN's device form 0.7283 vs item_knn's 0.7215,
            # then 0.2078 vs 0.2125 recall@20 on test). Leave the fallback only for a win
            # the validation cases support.
            a = per_case(recommend_all(recs[rows[0]["name"]], cases, 20), cases)
            b = per_case(recommend_all(recs[floor["name"]], cases, 20), cases)
            # The leader is the best of len(rows) candidates on these same cases: its lead is
            # tested at the family-wise 95 % level (Bonferroni over the others), or the
            # largest of many noisy leads passes as real (a fuzz of odd data sets shipped
            # context heat, best of its variants, over popularity in 3 of ~48 runs, and each
            # lost on test).
            test = paired_bootstrap(sum(a.values()), sum(b.values()), comparisons=max(len(rows) - 1, 1))
            rows[0]["vs_floor_ci95"] = test["ci95"]
            rows[0]["floor"] = floor["name"]
            if test["ci95"] is None or test["ci95"][0] <= 0:
                floor["beat_within_noise"] = {
                    "by": rows[0]["name"], "ci95": test["ci95"],
                    "ships": (f"the simpler {FLOOR}" if floor["name"] == FLOOR
                              else f"{floor['name']}, {what},")}
                chosen[seg] = floor
    known, anon = chosen["known"], chosen["anonymous"]
    if known["spec"] == anon["spec"]:
        spec = dict(known["spec"])
    else:
        spec = {"kind": "segmented", "known": known["spec"], "anonymous": anon["spec"]}
    if exclude_history:
        spec["exclude_history"] = True
    parts = []
    for seg in ("known", "anonymous"):
        rows = results[seg]
        if not by_segment.get(seg):
            parts.append(f"{seg} shoppers: no validation case, so {chosen[seg]['name']} "
                         f"({'the fallback' if chosen[seg] is not rows[0] else 'listed first'}) by default")
            continue
        pick = chosen[seg]
        if "beat_within_noise" in pick:
            ci = pick["beat_within_noise"]["ci95"]
            noise = (f"only within noise (paired 95% CI of the difference, family-wise over its {len(rows)} "
                     f"candidates, [{ci[0]:+.4f}, {ci[1]:+.4f}] includes 0)"
                     if ci is not None else
                     f"on {len(by_segment[seg])} validation case(s), too few to tell systems apart")
            parts.append(
                f"{seg} shoppers: {pick['name']} ({pick['objective']:.4f}): {rows[0]['name']} "
                f"({rows[0]['objective']:.4f}) is ahead {noise}, so "
                f"{pick['beat_within_noise']['ships']} ships")
            continue
        runner = f", ahead of {rows[1]['name']} ({rows[1]['objective']:.4f})" if len(rows) > 1 else ""
        parts.append(f"{seg} shoppers: {rows[0]['name']} ({rows[0]['objective']:.4f}){runner}")
    reason = ("best validation recall@20 + ndcg@10 per segment among device-runnable systems: "
              + "; ".join(parts))
    return Champion(spec=spec, reason=reason, segments=results)


# -- statistics ------------------------------------------------------------------------------


def per_case(lists: np.ndarray, cases: list[EvalCase]) -> dict[str, np.ndarray]:
    """Per-case recall@20 and ndcg@10 (cases with at least one target), for paired tests."""
    out: dict[str, list[float]] = {"recall@20": [], "ndcg@10": []}
    discounts = 1.0 / np.log2(np.arange(2, 22))
    for row, case in zip(lists, cases, strict=True):
        n_t = len(case.targets) + case.num_unseen_targets
        if n_t == 0:
            continue
        hits = np.isin(row[:20], case.targets)
        out["recall@20"].append(hits.sum() / n_t)
        idcg = discounts[: min(n_t, 10)].sum()
        out["ndcg@10"].append(float((hits[:10] * discounts[:10]).sum() / idcg))
    return {k: np.asarray(v) for k, v in out.items()}


NORMAL_CASES = 5000
"""Cases from which a family-wise interval (``comparisons`` > 1) is the normal one."""
MIN_INTERVAL_CASES = 20
"""Cases below which no bootstrap interval is given (``ci95`` None, ``why_no_ci95`` says
so): resampling 1-19 cases gives intervals that look exact and mean nothing."""


def paired_bootstrap(a: np.ndarray, b: np.ndarray, *, n: int = 2000, seed: int = 0,
                     comparisons: int = 1) -> dict[str, Any]:
    """``ratio`` = mean(a) / mean(b) and the bootstrap 95 % interval of mean(a - b),
    resampling cases (the same resample for both systems); no interval for fewer than
    :data:`MIN_INTERVAL_CASES` cases. ``comparisons`` > 1 widens it to the family-wise 95 %
    level over that many (Bonferroni), with more resamples for its farther tails."""
    a, b = np.asarray(a, dtype=np.float64), np.asarray(b, dtype=np.float64)
    if len(a) == 0:
        return {"ratio": None, "diff": None, "ci95": None, "n_cases": 0}
    ratio = float(a.mean() / b.mean()) if b.mean() > 0 else None
    if len(a) < MIN_INTERVAL_CASES:
        # One test shopper gave '[+0.0663, +0.0663]', read as evidence and used to choose.
        return {"ratio": ratio, "diff": float((a - b).mean()), "ci95": None, "n_cases": int(len(a)),
                "why_no_ci95": f"{len(a)} case(s): too few for an interval (fewer than {MIN_INTERVAL_CASES})"}
    diff = a - b
    tail = 2.5 / comparisons
    if comparisons > 1 and len(diff) >= NORMAL_CASES:
        # The mean of thousands of cases is normal to well past these tails; resampling
        # 20,000 cases 20,000 times took 5 s a segment.
        from statistics import NormalDist

        half = NormalDist().inv_cdf(1 - tail / 100) * float(diff.std(ddof=1)) / np.sqrt(len(diff))
        return {"ratio": ratio, "diff": float(diff.mean()), "ci95": [float(diff.mean() - half), float(diff.mean() + half)],
                "n_cases": int(len(diff))}
    rng = np.random.default_rng(seed)
    n = max(n, min(20_000, int(round(50 / (tail / 100)))))  # 25-50 resamples beyond each end
    means = np.concatenate([diff[rng.integers(0, len(diff), size=(min(2000, n - done), len(diff)))].mean(axis=1)
                            for done in range(0, n, 2000)])  # (in blocks: 5,000 x 20,000 cases is 800 MB)
    lo, hi = np.percentile(means, [tail, 100 - tail])
    return {"ratio": ratio, "diff": float(diff.mean()), "ci95": [float(lo), float(hi)],
            "n_cases": int(len(diff))}
