"""``cloud-trainer train`` end to end.

load -> prepare -> fit and score the baselines -> train the model -> export
float and int8 TFLite -> score both files by *running them in LiteRT* -> parity
gate (int8 must keep float's Recall@20 within 1 %) -> champion -> bundle -> report.

:func:`run_train` reads as that list: each stage is a method of :class:`Training`,
and what a stage hands on is a small dataclass (:class:`Baselines`, :class:`SeedRun`,
:class:`KeptSeed`, :class:`ChampionChoice`). The stages that need no model being trained
run on a side thread beside the fits (:mod:`cloud_trainer.side_thread`); how the
model is compared with the baselines on test is :mod:`cloud_trainer.compare`.

Every system, baseline or model, is scored by :mod:`cloud_trainer.evaluation`
on the same test cases. TensorFlow is imported only once the data has loaded,
so a bad path fails in a second with a one-line error.
"""

from __future__ import annotations

import shlex
import shutil
import sys
import time
from collections.abc import Callable
from concurrent.futures import Future
from dataclasses import asdict, dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import numpy as np

from cloud_trainer.baselines import Stoppable, Tuned, all_baselines, keep_top_per_row
from cloud_trainer.champion import (
    DEVICE_KNN_MAX_ENTRIES,
    DEVICE_KNN_NEIGHBOURS,
    KNN_DEVICE_DECAYS,
    KNN_FILE,
    OBJECTIVE,
    USER_KNN_FILE,
    ExcludeHistory,
    ScorerRecommender,
    _LiteRTModel,
    candidate_lists,
    choose_champion,
    consumed_cap_info,
    describe,
    device_recommender,
    heat_candidates,
    make_scorer,
    objective,
    per_case,
    repeat_decision,
    scorer_files,
    staging_bundle,
    write_knn_table,
    write_user_table,
)
from cloud_trainer.compare import (
    best_per_metric,
    comparison,
    comparison_per_metric,
    device_form_note,
    ratio_text,
    seed_spread,
    shipped_check,
)
from cloud_trainer.data import DataError, load_dataset
from cloud_trainer.dataset import PreparedData, Recommender
from cloud_trainer.evaluation import (
    UNDEFINED_REASONS,
    evaluate,
    evaluate_segments,
    headline,
    recommend_all,
)
from cloud_trainer.gate import explore_priors, fit_explore, fit_gate
from cloud_trainer.processing import (
    TARGET_CHOICES,
    cross_time,
    decision_lines,
    prepare,
    require_catalogue,
    require_targets,
)
from cloud_trainer.report import metrics_table, shipped_verdict, write_report
from cloud_trainer.side_thread import SideThread
from edge.bundle import MAX_SCORER_HISTORY
from edge.runtime.scorers import history_given

MODEL_DIR = "models"
PARITY_TOLERANCE = 0.01
SIDE_SWITCH_INTERVAL_S = 0.001
"""The GIL switch interval while the side thread runs (Python's default is 5 ms). Keras'
loop needs the GIL for short spells between kernels; with 5 ms the side thread's Python
could keep it that long each time, which lengthens short steps most (REES46, ~15 ms a
step: 64.5 / 76.2 s at 5 ms, 60.2 s at 1 ms, 65.3 s at 0.5 ms, 68.5 s with no side
thread; Complete Journey, ~160 ms a step: 163.6 s at 5 ms, 167.4 s at 1 ms, within the
noise of single runs; docs/performance-log.md, "(2026-12-03 (m))")."""
SIDE_THREAD_MAX_TRAIN_ROWS = 500_000
"""Train interactions up to which the baselines and the seeds' LiteRT evaluation run on a
side thread beside the fits (Complete Journey: 60k train interactions; train_seconds
206 -> 164 on a 2-core machine, the same report). Larger exports run them in turn, so
peak memory stays what docs/performance-log.md measured for them (clickstream shape,
2 M events: 9.7 GB)."""


class ParityFailed(Exception):
    """The int8 model failed the parity gate under ``--parity-failure refuse``; the report
    is written, the bundle is not."""


@dataclass
class TrainOptions:
    dataset: str
    out: Path
    data_dir: Path | None = None
    interactions: Path | None = None
    items: Path | None = None
    users: Path | None = None
    event_codes: dict[str, str] | None = None
    """What a coded event column's values mean (``--event-codes``; --dataset csv)."""
    targets: str = "auto"
    """Which events are targets (``--targets``): ``auto`` (purchases where they are at
    least 20 % of train events, else every event), ``purchase`` or ``all``."""
    timezone: str | None = None
    """The store's IANA zone, whose wall clock times written as instants are read in
    (``--timezone``; --dataset csv)."""
    max_lines: int | None = None
    """Read a larger export as a sample of whole shoppers of about this many lines
    (``--max-lines``; :mod:`cloud_trainer.data.sampling`): None = what this machine's
    memory holds, 0 = every line."""
    seed: int = 42
    seeds: int = 3
    """Model fits with seeds ``seed, seed+1, ...``; the best on validation ships, all are reported."""
    epochs: int | None = None
    time_budget_s: float | None = None
    quick: bool = False
    """A smoke run: few epochs, no TIFU tuning (for tests and demos, not for numbers)."""
    val_frac: float = 0.1
    test_frac: float = 0.1
    parity_tolerance: float = PARITY_TOLERANCE
    parity_failure: str = "baseline"
    """What a failed parity gate (every seed) does: ``baseline`` ships the best candidate
    on validation that does not run the network (the network is refused, not the bundle);
    ``refuse`` writes the report only and the command exits 3."""
    feedback_warehouse: Path | str | None = None
    """A feedback warehouse (cloud_trainer.ingest; a SQLite path or a storage URL) whose store
    events join the training data."""
    cross_time: int = 0
    """Leave the test window out and shift the split this many periods back
    (:func:`cloud_trainer.processing.cross_time`, applied that many times): with 1 the
    report's test numbers are the real validation window's, scored as the real test is
    (after a gap); 2 is the fold before it (a second window of shoppers for the same
    question). For choosing training settings without test data; the bundle is not
    for shipping."""
    signing_key: Path | None = None
    """Ed25519 private key (PEM) that signs the bundle's manifest; None leaves it unsigned."""
    command: list[str] = field(default_factory=lambda: list(sys.argv))
    started: float | None = None
    """``time.perf_counter()`` when the command started (the CLI sets it before its imports)."""


def _with_feedback(data: PreparedData, warehouse: Path | str, log: Callable[[str], None]) -> PreparedData:
    """Fold the stores' feedback into the training window.

    Conversions, pickups and touches become ordinary training interactions, so
    the next model learns what shoppers took from the screens; validation and
    test cases stay exactly those of the retailer's export, so the metrics stay
    comparable with a run without feedback. Shown-but-not-taken negatives and
    per-item take-rate weights are computed and reported; the model does not
    consume them yet.
    """
    from cloud_trainer.feedback_training import include_feedback
    from cloud_trainer.ingest.warehouse import (
        WarehouseError,
        WarehouseMissing,
        open_warehouse,
        redact_url,
    )

    try:
        # must_exist: a mistyped SQLite path must be an error, not an empty new warehouse.
        fb = include_feedback(data, open_warehouse(warehouse, must_exist=True))
    except WarehouseMissing as exc:
        raise DataError(f"{warehouse}: no such feedback warehouse") from exc
    except WarehouseError as exc:
        raise DataError(str(exc)) from exc
    log(f"[feedback] {redact_url(str(warehouse))}: {fb.summary}")
    return fb.data


def score(
    system: Recommender, data: PreparedData
) -> tuple[dict[str, dict[str, float]], float]:
    start = time.perf_counter()
    segments = evaluate_segments(system, data.test_cases, data)
    return segments, time.perf_counter() - start


def run_train(opts: TrainOptions, log: Callable[[str], None] = print) -> dict[str, Any]:
    """Run the whole training pipeline; returns the report dict (also written to disk).

    Raises :class:`~cloud_trainer.data.DataError` for unusable input and
    :class:`ParityFailed` (after writing the report) when int8 loses accuracy.
    """
    run = Training(opts, log)
    run.load()
    run.prepare()
    run.decide_repeat()
    # Large exports run the side thread's stages in turn: side by side, a big item_knn or
    # score cache would add its peak memory to the fit's.
    with SideThread(len(run.data.train) <= SIDE_THREAD_MAX_TRAIN_ROWS, SIDE_SWITCH_INTERVAL_S) as side:
        runs, candidates = run.fit_seeds(side)
    # eval_tflite and baselines are those stages' own time, some of it spent beside the fits;
    # side_wait is how long the run waited for them. Stages add up to more than the total.
    run.timings["side_wait"] = side.waited_s
    kept = run.keep_seed(runs)
    champ = run.choose_champion(kept, side.wait(candidates))
    report = run.report(runs, kept, champ)
    if kept.ships:
        run.ship(report, kept, champ)
    run.finish(report)
    if not kept.ships:
        raise ParityFailed(kept.error or "")
    return report


@dataclass
class Baselines:
    """Every baseline fitted on train and scored on validation and test, and which is best."""

    segments: dict[str, dict[str, dict[str, float]]] = field(default_factory=dict)
    """Test metrics per baseline and shopper segment."""
    validation: dict[str, dict[str, Any]] = field(default_factory=dict)
    """Validation metrics per baseline (known and anonymous shoppers together)."""
    info: dict[str, Any] = field(default_factory=dict)
    """The report's ``baselines``: tuned parameters and tuning traces, or why one was skipped."""
    fitted: dict[str, Any] = field(default_factory=dict)
    best: str = "popularity"
    """The best on validation (the objective, recall@20 + ndcg@10): the contract's ``best_baseline``."""
    best_on_test: dict[str, str] = field(default_factory=dict)
    """Per metric, the best on test: what a strict reader compares with."""
    cases: dict[str, dict[str, np.ndarray]] = field(default_factory=dict)
    """Per-case test metrics of ``best`` and of each ``best_on_test``, for paired intervals."""


@dataclass
class SeedRun:
    """One seed's network, the scorer fitted around it, and its LiteRT scores."""

    seed: int
    trained: Any
    export: Any
    spec: dict[str, Any]
    """The ``model`` scorer spec: own-item gate, tail, explore prior (without exclusion)."""
    gate_trace: list[dict[str, Any]]
    int8: Any
    """The int8 file in LiteRT; its score cache is dropped unless this seed leads on validation."""
    val: dict[str, Any]
    segments_int8: dict[str, dict[str, float]]
    lists_int8: np.ndarray
    """Top-20 lists for the known-shopper test cases (what the paired intervals compare)."""
    eval_seconds: float
    row: dict[str, Any]
    """The report's ``seeds`` entry."""
    segments_float: dict[str, dict[str, float]] | None = None


@dataclass
class KeptSeed:
    """The seed that ships, and the parity gate's verdict on it."""

    run: SeedRun
    parity: dict[str, Any]
    error: str | None
    """None when the int8 file kept float's accuracy; else why not (every seed failed)."""
    network_refused: bool
    """The gate failed and ``--parity-failure baseline`` ships a baseline scorer instead."""

    @property
    def ships(self) -> bool:
        """Whether a bundle is built: the gate passed, or a baseline ships in the network's place."""
        return self.error is None or self.network_refused


@dataclass
class ChampionChoice:
    """What the bundle runs: :class:`cloud_trainer.champion.Champion` (chosen on validation
    per segment), with the run's own reasons added to ``reason`` (a refused network,
    stronger baselines a device cannot run) and the choice's overall validation metrics."""

    spec: dict[str, Any]
    segments: dict[str, list[dict[str, Any]]]
    reason: str
    validation: dict[str, Any]


class Training:
    """One ``cloud-trainer train`` run, stage by stage; :func:`run_train` calls the stages
    in order. Each stage reads what the ones before it left on the object (``data``,
    ``exclude``, ``baselines``, ``segments``) and the report is built from them."""

    def __init__(self, opts: TrainOptions, log: Callable[[str], None]) -> None:
        self.opts, self.log = opts, log
        self.t_start = opts.started if opts.started is not None else time.perf_counter()
        self.timings: dict[str, float] = {}
        self.out = Path(opts.out)
        self.segments: dict[str, dict[str, dict[str, float]]] = {}
        """Test metrics per system (baselines first, then the model's rows, then shipped)."""
        self.baselines = Baselines()
        self.t_eval = 0.0
        self.device_forms: list[tuple[dict[str, Any], str]] = []
        """(known-shopper candidate spec, the baseline it is as a device runs it)."""

    # -- data ------------------------------------------------------------------------------
    def load(self) -> None:
        opts, log, out = self.opts, self.log, self.out
        t = time.perf_counter()
        self.raw = load_dataset(
            opts.dataset,
            data_dir=opts.data_dir,
            interactions=opts.interactions,
            items=opts.items,
            users=opts.users,
            event_codes=opts.event_codes,
            max_lines=opts.max_lines,
            timezone=opts.timezone,
        )
        raw = self.raw
        self.timings["load"] = time.perf_counter() - t
        log(raw.load_line(self.timings["load"]))
        log(_indent(raw.report.summary(max_lines=5)))

        # OUT is checked before minutes of work go into it; a bundle left there by an
        # earlier run must not survive a run whose model fails its gate.
        out.mkdir(parents=True, exist_ok=True)
        _remove_stale_bundle(out)

    def prepare(self) -> None:
        opts, log = self.opts, self.log
        val_frac, test_frac = opts.val_frac, opts.test_frac
        periods = int(opts.cross_time)
        for _ in range(periods):
            self.raw, val_frac, test_frac = cross_time(self.raw, val_frac=val_frac, test_frac=test_frac)
        if periods:
            log(f"[cross-time] the test window is left out ({periods} period(s) back): "
                f"{len(self.raw.interactions)} interactions kept; 'test' below is "
                + ("the real validation window" if periods == 1 else "an earlier window"))

        t = time.perf_counter()
        data = prepare(self.raw, seed=opts.seed, val_frac=val_frac, test_frac=test_frac,
                       target_events=TARGET_CHOICES[opts.targets])
        require_catalogue(data, str(opts.interactions or opts.data_dir or opts.dataset))
        if periods:
            data.split_info["cross_time"] = periods
        self.timings["prepare"] = time.perf_counter() - t
        if opts.feedback_warehouse is not None:
            data = _with_feedback(data, opts.feedback_warehouse, log)
        info = data.split_info
        log(f"[prepare] catalogue {data.num_items} items; train {len(data.train)} interactions; "
            f"val {info['val_cases']['shoppers']} / test {info['test_cases']['shoppers']} shoppers "
            f"(+ anonymous copies); targets: {', '.join(info['target_events'])} "
            f"({self.timings['prepare']:.1f} s)")
        for line in decision_lines(info):
            log(line)
        if info.get("duplicates_dropped"):
            # Re-exports and appended extracts repeat rows; say how many were folded.
            log(f"  {info['duplicates_dropped']} exact duplicate interactions dropped")
        require_targets(data)
        self.data = data
        self.val_overall = [c for c in data.val_cases if not c.segment.get("masked")]
        self.test_overall = [c for c in data.test_cases if not c.segment.get("masked")]

    def decide_repeat(self) -> None:
        """Whether the domain repeats (from the train window): if not, every system leaves
        the shopper's own items out of its lists."""
        repeat_info = repeat_decision(self.data)
        exclude = bool(repeat_info["exclude_history"])
        if exclude:
            cap = consumed_cap_info(self.test_overall)
            repeat_info["device_consumed"] = {
                **cap,
                "rule": (
                    f"the device excludes every item a shopper bought or picked up, up to the "
                    f"{cap['device_keeps']} most recent distinct ones (edge.state.store.CONSUMED_KEEP), "
                    "a known shopper's set arriving with their history; shipped, model_int8 and "
                    "model_float are scored with that same set, the baselines with the whole history "
                    f"({cap['shoppers_over_cap']} of {cap['shoppers']} test shoppers have more distinct "
                    f"items than the cap, the most {cap['max_distinct_items']})"),
            }
            repeat_info["decision"] += "; " + repeat_info["device_consumed"]["rule"]
        self.log(f"[repeat] {repeat_info['decision']}")
        self.exclude, self.repeat_info = exclude, repeat_info

    def _excluding(self, system: Recommender) -> Recommender:
        return ExcludeHistory(system) if self.exclude else system

    # -- baselines (on the side thread, beside the first fit) ------------------------------
    def fit_baselines(self, check: Callable[[], None] = lambda: None) -> Baselines:
        """Every baseline fitted and scored; the best on validation and on test, and their
        test lists (what each seed is compared with). ``check`` runs between baselines
        and inside the long ones (:class:`~cloud_trainer.baselines.Stoppable`;
        :meth:`SideThread.check`)."""
        opts, data, log = self.opts, self.data, self.log
        b = Baselines()
        t = time.perf_counter()
        for system in all_baselines():
            check()
            if isinstance(system, Stoppable):
                system.check = check  # and between blocks of its own fit
            if isinstance(system, Tuned):  # tuned on lists judged as they are judged here
                system.exclude_history = self.exclude
            if opts.quick and hasattr(system, "tune"):
                system.tune = False
            t_fit = time.perf_counter()
            system.fit(data)
            fit_s = time.perf_counter() - t_fit
            if getattr(system, "skipped", None):
                # Too big to fit in reasonable time or memory (the baseline says why):
                # reported, never a crash; the model is compared with the rest.
                log(f"[baseline] {system.name}: SKIPPED after {fit_s:.1f} s: {system.skipped}")
                b.info[system.name] = {"skipped": system.skipped}
                continue
            b.fitted[system.name] = system
            wrapped = self._excluding(system)
            b.segments[system.name], eval_s = score(wrapped, data)
            if self.val_overall:
                b.validation[system.name] = evaluate(wrapped, self.val_overall, None)
            log(f"[baseline] {system.name}: recall@20 {b.segments[system.name]['overall'].get('recall@20', 0):.4f} "
                f"(fit {fit_s:.1f} s, eval {eval_s:.1f} s)")
            for attr in ("params", "k"):
                if hasattr(system, attr):
                    value = getattr(system, attr)
                    b.info.setdefault(system.name, {})[attr] = (
                        asdict(value) if hasattr(value, "__dataclass_fields__") else value)
            if getattr(system, "tuning", None):
                b.info.setdefault(system.name, {})["tuning"] = system.tuning
        self.timings["baselines"] = time.perf_counter() - t
        b.best = max(b.validation, key=lambda n: objective(b.validation[n])) if b.validation else "popularity"
        log(f"[baseline] best on validation (recall@20 + ndcg@10): {b.best}")
        # The validation choice need not be the strongest baseline on test for each metric; a
        # strict reader compares with the best on test per metric, so both are reported.
        b.best_on_test = best_per_metric({n: b.segments[n] for n in b.fitted}, prefer=b.best)
        if any(n != b.best for n in b.best_on_test.values()):
            log("[baseline] best on test per metric: "
                + ", ".join(f"{k} {n} ({b.segments[n]['overall'].get(k, 0):.4f})" for k, n in b.best_on_test.items())
                + f"; the validation choice {b.best} is not the best on test for "
                + ", ".join(k for k, n in b.best_on_test.items() if n != b.best))
        b.cases = {
            name: per_case(recommend_all(self._excluding(b.fitted[name]), self.test_overall, 20), self.test_overall)
            for name in dict.fromkeys([b.best, *b.best_on_test.values()])}
        self.baselines = b
        return b

    # -- the network, one fit per seed -----------------------------------------------------
    def fit_seeds(self, side: SideThread) -> tuple[list[SeedRun], Future[dict[str, Any]]]:
        """Fit and export every seed; the baselines, each seed's evaluation and the
        champion's candidates run on ``side`` meanwhile. Returns the seeds' runs in seed
        order and the candidates' future."""
        opts, data, log = self.opts, self.data, self.log
        baselines: Future[Baselines] | None = side.submit(self.fit_baselines, side.check)

        # The model stack (TensorFlow) loads only now that the data is known to be usable.
        from cloud_trainer.export import export_tflite
        from cloud_trainer.model import TrainConfig, train_model
        from cloud_trainer.model.train import domain_overrides
        from cloud_trainer.packaging import catalogue

        # Not repeating: early stopping judges lists as every system is judged here, and the
        # own-item loss is off (train.domain_overrides says why). First, so --quick and
        # --epochs still set the epochs.
        overrides: dict[str, Any] = domain_overrides(repeats=not self.exclude)
        n_seeds = 1 if opts.quick else max(1, opts.seeds)
        if opts.quick:
            overrides.update(epochs=2, patience=1, max_steps=0)
        # Otherwise every fit runs TrainConfig's fixed step count (no wall-clock budget, so a
        # busy machine takes longer but trains the same model).
        if opts.epochs is not None:
            overrides.update(epochs=opts.epochs, max_steps=0)
        if opts.time_budget_s is not None:
            overrides["time_budget_s"] = opts.time_budget_s
        self.items = catalogue(data.items)
        self.gate_cases = [c for c in self.val_overall if len(c.history)]
        self.priors = explore_priors(data) if not self.exclude else {}
        runs: list[SeedRun] = []
        t_train = t_export = 0.0

        # Seed i's evaluation runs beside seed i+1's fit and export; collected in seed order.
        pending: Future[SeedRun] | None = None
        candidates: Future[dict[str, Any]] | None = None
        for i in range(n_seeds):
            seed = opts.seed + i
            cfg = TrainConfig(**{**overrides, "seed": seed})
            t = time.perf_counter()
            trained = train_model(data, cfg)
            t_train += time.perf_counter() - t
            log(f"[model] seed {seed}: trained in {trained.seconds:.1f} s (best epoch {trained.best_epoch})")
            t = time.perf_counter()
            export = export_tflite(trained, data, self.out / MODEL_DIR / (f"seed{seed}" if i else ""))
            t_export += time.perf_counter() - t
            if baselines is not None:  # the first evaluation compares with them
                side.wait(baselines)
                baselines = None
            if pending is not None:
                self._collect(runs, side.wait(pending))
            pending = side.submit(self.evaluate_seed, seed, trained, export, side.check)
            if candidates is None:  # after the first seed's evaluation, beside the second fit
                candidates = side.submit(self.device_candidates, export.spec, side.check)
        if pending is not None:
            self._collect(runs, side.wait(pending))
        assert candidates is not None  # n_seeds >= 1
        self.timings["train_model"], self.timings["export"] = t_train, t_export
        return runs, candidates

    def evaluate_seed(self, seed: int, trained: Any, export: Any,
                      check: Callable[[], None] = lambda: None) -> SeedRun:
        """Fit the seed's gate and explore prior and score it in LiteRT, as the device runs it.

        On the side thread, beside the next seed's fit: it touches neither TensorFlow nor
        another seed's objects."""
        check()
        data, exclude, base = self.data, self.exclude, self.baselines
        t0 = time.perf_counter()
        int8 = _LiteRTModel(export.int8_path, export.spec)
        stage = staging_bundle(self.items, export.spec)
        gate_w: list[float] | None = None
        gate_head: int | None = None
        gate_trace: list[dict[str, Any]] = []
        explore: dict[str, Any] | None = None
        if not exclude and self.gate_cases:
            gate_w, gate_head, gate_trace = fit_gate(int8, self.gate_cases, export.spec)
            check()
            # The other way to merge re-buys and discoveries: own items by the gate, the
            # rest by a sales prior (docs/model.md, "Explore prior"); kept if it wins.
            ex_w, ex, ex_value, ex_trace = fit_explore(int8, self.gate_cases, export.spec, self.priors)
            gate_value = gate_trace[-1]["val_objective"] if gate_trace else 0.0
            gate_trace = [*gate_trace, *({**t, "explore": True} for t in ex_trace)]
            if ex is not None and ex_value > gate_value + 1e-9:
                gate_w, gate_head, explore = ex_w, None, ex
        spec: dict[str, Any] = {"kind": "model"}
        if gate_w is not None and any(gate_w):
            spec["own_gate"] = {"w": gate_w}
            if gate_head is not None:
                spec["own_tail"] = gate_head
            if explore is not None:
                spec["explore"] = explore
        rec = device_recommender("model_int8", spec, stage, int8, exclude)
        val = evaluate(rec, self.val_overall, None) if self.val_overall else {}
        test_lists = recommend_all(rec, data.test_cases, 20)  # once: every slice reads these
        segments_int8 = evaluate_segments(test_lists, data.test_cases, data)
        lists_int8 = test_lists[[i for i, c in enumerate(data.test_cases) if not c.segment.get("masked")]]
        eval_seconds = time.perf_counter() - t0
        model_case = per_case(lists_int8, self.test_overall)
        cmp = comparison(model_case, base.cases[base.best])
        cmp_test = comparison_per_metric(model_case, base.cases, base.best_on_test)
        row = {
            "seed": seed,
            "val_objective": objective(val),
            "test": {k: segments_int8["overall"].get(k) for k in OBJECTIVE},
            "vs_best_baseline": cmp,
            "vs_best_on_test": cmp_test,
            "best_epoch": trained.best_epoch,
            "train_seconds": round(trained.seconds, 1),
            "own_gate": gate_w,
            "own_tail": gate_head,
            "explore": None if explore is None else {k: v for k, v in explore.items() if k != "table"},
        }
        self.log(f"[model] seed {seed}: {describe(spec)}; val objective {row['val_objective']:.4f}; "
                 f"test recall@20 {row['test']['recall@20']:.4f} "
                 f"({ratio_text(cmp['recall@20'])} of {base.best}), ndcg@10 {row['test']['ndcg@10']:.4f} "
                 f"({ratio_text(cmp['ndcg@10'])}); vs the best on test: "
                 + "; ".join(f"{k} {ratio_text(v)} of {v['baseline']}" for k, v in cmp_test.items()))
        return SeedRun(seed=seed, trained=trained, export=export, spec=spec, gate_trace=gate_trace,
                       int8=int8, val=val, segments_int8=segments_int8, lists_int8=lists_int8,
                       eval_seconds=eval_seconds, row=row)

    def _collect(self, runs: list[SeedRun], run: SeedRun) -> None:
        self.t_eval += run.eval_seconds
        runs.append(run)
        # Keep the LiteRT score cache of the best seed so far only (memory): collected
        # before the next evaluation starts, at most two caches are alive.
        leader = max(runs, key=lambda r: r.row["val_objective"])
        for r in runs:
            if r is not leader:
                r.int8.clear()

    def device_candidates(self, feature_spec: Any, check: Callable[[], None] = lambda: None) -> dict[str, Any]:
        """The baselines' device forms the champion is chosen among (the network is
        added once its seed is chosen), with their validation lists: none needs a
        trained model, so they are made on the side thread beside a fit."""
        check()
        data, exclude, out = self.data, self.exclude, self.out
        fitted, best_baseline = self.baselines.fitted, self.baselines.best
        t0 = time.perf_counter()
        pop_spec: dict[str, Any] = {"kind": "popularity"}
        known_cands: list[tuple[str, dict[str, Any]]] = []
        # The baselines count a shopper's whole history; the model reads the last
        # history_length items. Where shoppers have more, the device forms that count
        # (own top-k, and the kNN kinds without a decay) read up to MAX_SCORER_HISTORY:
        # from the model's 100 items TIFU-KNN's device form trailed TIFU-KNN on the
        # grocery5m export (test recall@20 0.3443 vs 0.3496), from 400 or more it did not
        # (0.3558; docs/model.md, "A longer history for the baselines' device forms").
        # The faithful form replaces the cut one rather than joining it as a candidate:
        # the fallback is the baseline as a device runs it, and on Complete Journey the
        # two differ within noise (validation 0.1345 from every item, 0.1351 from 100).
        longer = {"history": MAX_SCORER_HISTORY} if any(
            len(c.history) > feature_spec.history_length for c in data.val_cases) else {}
        if not exclude:
            own = fitted.get("own_topk_popular")
            if own is not None:
                known_cands.append(("own_topk_popular",
                                    {"kind": "own_topk", "k": int(own.k), "then": pop_spec, **longer}))
            known_cands.append(("personal_topfreq",
                                {"kind": "own_topk", "k": feature_spec.history_length, "then": pop_spec,
                                 **longer}))
        knn = fitted.get("item_knn")
        if knn is not None and getattr(knn, "_co", None) is not None:
            # The device runs a pruned table and count weights over its last H items:
            # that variant is the candidate, scored on validation like the rest -- and the
            # tuned table itself where it has more neighbours and is small enough to ship.
            tuned = knn.similarity(knn.params)
            sizes = [DEVICE_KNN_NEIGHBOURS]
            if knn.params.neighbours > DEVICE_KNN_NEIGHBOURS and tuned.nnz <= DEVICE_KNN_MAX_ENTRIES:
                sizes.append(knn.params.neighbours)
            for n in sizes:
                name = KNN_FILE if n == DEVICE_KNN_NEIGHBOURS else f"item_knn_{n}.npz"
                knn_spec = write_knn_table(keep_top_per_row(tuned, n), out / MODEL_DIR / name)
                kept = min(n, knn.params.neighbours)  # a table tuned to 20 stays at 20
                known_cands.append((f"item_knn ({kept} neighbours)", {**knn_spec, **longer}))
                # The baseline weighs history by basket recency; the device has no basket
                # boundaries, so per-item decays are candidates of their own (same table).
                for decay in KNN_DEVICE_DECAYS:
                    known_cands.append((f"item_knn ({kept} neighbours, decay {decay})", {**knn_spec, "decay": decay}))
        tifu = fitted.get("tifu_knn")
        if tifu is not None and getattr(tifu, "_train_baskets", None):
            # TIFU-KNN's neighbours are the train shoppers' vectors: they ship as a table, and
            # the device finds a shopper's neighbours from the history it holds (no basket
            # boundaries there, so per-item decays stand in for TIFU's basket groups).
            # TIFU's tuned blend and neighbour count carry over (on Complete Journey's
            # validation, alpha 0.2 / 0.5 / 0.8 gave 0.1245 / 0.1241 / 0.1230); where own items
            # are excluded the blend cannot change a list, so the neighbours alone are used.
            user_spec = write_user_table(tifu.train_vectors(), out / MODEL_DIR / USER_KNN_FILE)
            alpha = 0.0 if exclude else float(tifu.params.alpha)
            for decay in (1.0, *KNN_DEVICE_DECAYS):
                spec = {**user_spec, "k": int(tifu.params.k_neighbours), "alpha": alpha}
                if decay != 1.0:
                    spec["decay"] = decay  # 0.95 ** 100 < 0.01: the last 100 items are all it weighs
                else:
                    spec.update(longer)
                known_cands.append((describe(spec), spec))
        known_cands.append(("popularity", pop_spec))
        # Which candidates are the best baseline as a device runs it: the known segment falls
        # back to the best of them unless another candidate beats it beyond noise, so a close
        # validation win cannot ship something that then loses to that baseline on test.
        forms = {
            "tifu_knn": [n for n, s in known_cands if s.get("kind") == "user_knn"],
            "item_knn": [n for n, s in known_cands if s.get("kind") == "item_knn"],
            "own_topk_popular": ["own_topk_popular"],
            "personal_topfreq": ["personal_topfreq"],
        }.get(best_baseline, ["popularity"])
        fallbacks = {"known": (f"the best baseline on validation ({best_baseline}) as a device runs it",
                               forms)}
        # Which candidates *are* a baseline, only as the device runs it (its history, no
        # baskets): if one ships and trails that baseline on test, the report says why.
        self.device_forms = [(spec, "tifu_knn") for _, spec in known_cands if spec.get("kind") == "user_knn"]
        self.device_forms += [(spec, name) for name, spec in known_cands
                              if name in ("own_topk_popular", "personal_topfreq")]
        if knn is not None and knn.params.decay == 1.0:
            self.device_forms += [(spec, "item_knn") for name, spec in known_cands
                                  if name == f"item_knn ({knn.params.neighbours} neighbours)"]
        anon_cands: list[tuple[str, dict[str, Any]]] = [("popularity", pop_spec)]
        anon_cands += [(describe(h), h) for h in heat_candidates(data)]
        lists = candidate_lists({"known": known_cands, "anonymous": anon_cands},
                                staging_bundle(self.items, feature_spec, out / MODEL_DIR), data.val_cases,
                                exclude_history=exclude)
        return {"known": known_cands, "anonymous": anon_cands, "fallbacks": fallbacks, "lists": lists,
                "seconds": time.perf_counter() - t0}

    # -- which seed ships: the parity gate -------------------------------------------------
    def keep_seed(self, runs: list[SeedRun]) -> KeptSeed:
        """The best seed on validation ships -- if its int8 file keeps float's accuracy;
        otherwise the next best seed that does (every seed's check is reported)."""
        from cloud_trainer.export import ParityError, check_parity

        opts, data, log, exclude = self.opts, self.data, self.log, self.exclude
        t = time.perf_counter()
        self.stage = staging_bundle(self.items, runs[-1].export.spec, self.out / MODEL_DIR)
        parity_checks: list[dict[str, Any]] = []
        parity: dict[str, Any] = {}
        parity_error: str | None = None
        best = runs[0]
        for cand in sorted(runs, key=lambda r: -r.row["val_objective"]):
            best = cand
            float_model = _LiteRTModel(cand.export.float_path, cand.export.spec)
            cand.segments_float, _ = score(
                device_recommender("model_float", cand.spec, self.stage, float_model, exclude), data)
            float_r20 = cand.segments_float["overall"]["recall@20"]
            int8_r20 = cand.segments_int8["overall"]["recall@20"]
            parity = {"seed": cand.seed, "float_recall@20": float_r20, "int8_recall@20": int8_r20,
                      "tolerance": opts.parity_tolerance}
            try:
                parity["relative_drop"] = check_parity(float_r20, int8_r20, opts.parity_tolerance)
                parity["passed"], parity_error = True, None
            except ParityError as exc:
                parity["passed"], parity["relative_drop"], parity_error = False, exc.drop, str(exc)
            parity_checks.append(dict(parity))
            if parity["passed"]:
                break
            log(f"[parity] seed {cand.seed}: {_drop_text(parity['relative_drop'])}"
                + ("; trying the next seed" if len(parity_checks) < len(runs) else ""))
        if len(parity_checks) > 1 and parity_error is not None:
            best = max(runs, key=lambda r: r.row["val_objective"])  # none passes: report the best
            parity = {**parity_checks[0]}
            parity_error = (f"PARITY GATE FAILED for every seed: seed {best.seed}: "
                            f"{_drop_text(parity['relative_drop'])} (allowed "
                            f"{opts.parity_tolerance:.2%} relative)")
        parity["checks"] = parity_checks
        self.segments = dict(self.baselines.segments)
        assert best.segments_float is not None
        self.segments["model_float"] = best.segments_float
        log(f"[model] keeping seed {best.seed} (best validation objective"
            f"{' passing the parity gate' if len(parity_checks) > 1 and parity_error is None else ''})")
        self.segments["model_int8"] = best.segments_int8
        # The network alone, for the report's table: the shipped seed's only (every seed's
        # took 2-3 s on Complete Journey, and only this one was ever shown).
        self.segments["network_int8"], _ = score(
            device_recommender("network_int8", {"kind": "model"}, self.stage, best.int8, exclude), data)
        self.timings["eval_tflite"] = self.t_eval + time.perf_counter() - t
        for name in ("model_float", "model_int8", "network_int8"):
            log(f"[litert] {name}: recall@20 {self.segments[name]['overall'].get('recall@20', 0):.4f}")
        network_refused = parity_error is not None and opts.parity_failure == "baseline"
        if network_refused:
            parity["network_refused"] = True
        return KeptSeed(run=best, parity=parity, error=parity_error, network_refused=network_refused)

    # -- the champion: what the bundle runs, chosen on validation --------------------------
    def choose_champion(self, kept: KeptSeed, cands: dict[str, Any]) -> ChampionChoice:
        data, exclude, val_metrics = self.data, self.exclude, self.baselines.validation
        t = time.perf_counter()
        self.timings["champion_candidates"] = cands["seconds"]
        model_spec = kept.run.spec
        known_cands = [("model", model_spec), *cands["known"]]
        anon_cands = [("model", model_spec), *cands["anonymous"]]
        if kept.network_refused:
            # The gate guards what the device runs. An int8 network that lost float's accuracy
            # must not run, but the baselines' scorers never touch it: the champion is chosen
            # among them, and the bundle ships (a data set where the network is not the
            # champion anyway -- the single-event export with one seed -- still gets a bundle).
            known_cands = [(n, s) for n, s in known_cands if n != "model"]
            anon_cands = [(n, s) for n, s in anon_cands if n != "model"]
            self.log(f"[parity] {kept.error.rstrip('.')}. The network is refused; the champion is chosen among the "
                     "baselines.")
        champ = choose_champion({"known": known_cands, "anonymous": anon_cands}, self.stage, kept.run.int8,
                                data.val_cases, exclude_history=exclude, fallbacks=cands["fallbacks"],
                                lists=cands["lists"])
        unshippable = [n for n in ("tifu_knn", "item_knn") if n in val_metrics]
        champ_overall = evaluate(ScorerRecommender("champion", make_scorer(self.stage, champ.spec, kept.run.int8)),
                                 self.val_overall, None) if self.val_overall else {}
        beaten_by = [n for n in unshippable if objective(val_metrics[n]) > objective(champ_overall)]
        reason = champ.reason
        if kept.network_refused:
            reason = (f"The int8 network failed the parity gate, so it is not a candidate "
                      f"({kept.error}). {reason}")
        if beaten_by:
            reason += (
                f". Not device-runnable as tuned (TIFU-KNN groups history by baskets, which the "
                f"device does not see: its device form, per-item decays over the stored shoppers' "
                f"vectors, is a candidate above; item_knn's table is a candidate as tuned when it "
                f"has at most {DEVICE_KNN_MAX_ENTRIES:,} entries, and cut to {DEVICE_KNN_NEIGHBOURS} "
                f"neighbours, scored over the device's last items), so not shipped: "
                f"{', '.join(beaten_by)}, which "
                f"score higher on validation overall ({', '.join(f'{objective(val_metrics[n]):.4f}' for n in beaten_by)}"
                f" vs {objective(champ_overall):.4f})")
        self.timings["champion"] = time.perf_counter() - t
        self.log(f"[champion] {describe(champ.spec)}: {reason}")
        return ChampionChoice(spec=champ.spec, segments=champ.segments, reason=reason, validation=champ_overall)

    # -- the report and the bundle ---------------------------------------------------------
    def report(self, runs: list[SeedRun], kept: KeptSeed, champ: ChampionChoice) -> dict[str, Any]:
        data, opts, base, best = self.data, self.opts, self.baselines, kept.run
        trained, export = best.trained, best.export
        seed_rows = [r.row for r in runs]
        metrics = {system: headline(seg) for system, seg in self.segments.items()}
        return {
            "dataset": data.name,
            "fingerprint": data.fingerprint,
            "created_at": datetime.now(UTC).isoformat(timespec="seconds"),
            "command": shlex.join(opts.command),
            "metrics": metrics,
            "segments": self.segments,
            "validation": {**{n: {k: m.get(k) for k in (*OBJECTIVE, "n_cases")} for n, m in base.validation.items()},
                           "model_int8": {k: best.val.get(k) for k in (*OBJECTIVE, "n_cases")},
                           "champion": {k: champ.validation.get(k) for k in (*OBJECTIVE, "n_cases")}},
            "repeat": self.repeat_info,
            "sizes": {
                "float_bytes": export.float_bytes,
                "int8_bytes": export.int8_bytes,
                "int8_to_float": export.size_ratio,
            },
            "parity": kept.parity,
            "model": {
                "config": asdict(trained.config),
                "history": trained.history,
                "best_epoch": trained.best_epoch,
                "seconds": trained.seconds,
                "seed": best.seed,
                "scorer": best.spec,
                "gate_trace": best.gate_trace,
            },
            "seeds": seed_rows,
            "comparison": {"best_baseline": base.best,
                           "model_int8": best.row["vs_best_baseline"],
                           "seed_spread": seed_spread(seed_rows),
                           "best_on_test": best.row["vs_best_on_test"],
                           "validation_choice_best_on_test": {k: n == base.best for k, n in base.best_on_test.items()},
                           "seed_spread_best_on_test": seed_spread(seed_rows, "vs_best_on_test")},
            "champion": {"scorer": _summary(champ.spec), "description": describe(champ.spec),
                         "candidates": {seg: [{k: v for k, v in r.items() if k != "spec"} for r in rows]
                                        for seg, rows in champ.segments.items()}},
            "champion_reason": champ.reason,
            "baselines": base.info,
            "split": data.split_info,
            "normalisation": data.normalisation,
            "ingest": self.raw.report.to_json(),
            "options": {k: str(v) if isinstance(v, Path) else v
                        for k, v in asdict(opts).items() if k != "command"},
        }

    def ship(self, report: dict[str, Any], kept: KeptSeed, champ: ChampionChoice) -> None:
        """Build the bundle and score it the way the device runs it (``shipped``)."""
        from cloud_trainer.packaging import build_bundle
        from edge.runtime.model import load_scorer

        data, out, opts, log = self.data, self.out, self.opts, self.log
        metrics = report["metrics"]
        t = time.perf_counter()
        version = f"{data.name}-{data.fingerprint[:8]}-{datetime.now(UTC):%Y%m%dT%H%M%SZ}"
        golden_scorer = make_scorer(self.stage, champ.spec, kept.run.int8)
        manifest = build_bundle(out, kept.run.export, data, _bundle_metrics(metrics), version,
                                signing_key=opts.signing_key, scorer_spec=champ.spec,
                                golden_scorer=golden_scorer,
                                scorer_files=scorer_files(champ.spec, out / MODEL_DIR))
        self.timings["bundle"] = time.perf_counter() - t
        report["bundle"] = {
            "path": str(out / "bundle"),
            "tarball": str(out / "bundle.tar.gz"),
            "model_version": manifest.model_version,
            "files": manifest.files,
            "scorer": _summary(champ.spec),
        }
        log(f"[bundle] {out / 'bundle'} version {manifest.model_version}")
        # What the device gets: the bundle's own files, loaded by the device's loader.
        t = time.perf_counter()
        device = load_scorer(out / "bundle", smoke_test=True)
        self.segments["shipped"], _ = score(ScorerRecommender("shipped", device), data)
        metrics["shipped"] = headline(self.segments["shipped"])
        self.timings["eval_shipped"] = time.perf_counter() - t
        keep = history_given(device)
        over = sum(1 for c in self.test_overall if len(c.history) > keep)
        known = champ.spec.get("known", champ.spec)
        form_of = next((name for spec, name in self.device_forms if spec == known), None)
        report["shipped"] = shipped_check(
            self.segments, self.baselines.best, self.baselines.best_on_test,
            lambda name: device_form_note(form_of, name, keep, over, len(self.test_overall)))
        log(f"[shipped] {describe(champ.spec)}: recall@20 {metrics['shipped'].get('recall@20', 0):.4f}, "
            f"ndcg@10 {metrics['shipped'].get('ndcg@10', 0):.4f}")

    def finish(self, report: dict[str, Any]) -> None:
        """Write the report (``train_seconds`` is the time up to here) and log its summary."""
        log, out, best_baseline = self.log, self.out, self.baselines.best
        report["undefined_metrics"] = {**_undefined(self.segments), **_undefined_ratios(report.get("comparison") or {})}
        report["timings"] = self.timings
        write_report(out, report, started=self.t_start)  # sets train_seconds and timings["total"]
        log("")
        log(metrics_table(report["metrics"]))
        log(f"\nbest baseline (validation): {best_baseline}; model_int8 vs it on test: "
            f"recall@20 {ratio_text(report['comparison']['model_int8']['recall@20'])}, "
            f"ndcg@10 {ratio_text(report['comparison']['model_int8']['ndcg@10'])}")
        log("best baseline on test, per metric: " + "; ".join(
            f"{k} {v['baseline']}{'' if v['baseline'] == best_baseline else ' (not the validation choice)'}: "
            f"model_int8 {ratio_text(v)}" for k, v in report["comparison"]["best_on_test"].items()))
        for line in shipped_verdict(report):
            log(line)
        log(f"\nreport: {out / 'report.md'}  (train_seconds {report['train_seconds']:.1f})")


def _summary(spec: dict[str, Any]) -> dict[str, Any]:
    """The scorer spec without the heat tables (they are in the bundle's manifest)."""
    out: dict[str, Any] = {}
    for k, v in spec.items():
        if isinstance(v, dict) and "kind" in v:
            out[k] = _summary(v)
        elif k == "context":
            out[k] = {kk: vv for kk, vv in v.items() if kk not in ("table", "total", "groups")}
        else:
            out[k] = v
    return out


def _drop_text(drop: float | None) -> str:
    """The parity drop in words; None when float found nothing (a tiny or odd data set)."""
    if drop is None:
        return ("float Recall@20 is 0 on test, so int8 cannot be judged against it "
                "(too few test targets inside the catalogue?)")
    return f"int8 Recall@20 {drop:.2%} below float"


def _undefined_ratios(comparison: dict[str, Any]) -> dict[str, str]:
    """The comparison's ratios and intervals that are null, and why (a baseline scoring 0
    on a metric has no ratio to it; too few cases give no interval)."""
    out: dict[str, str] = {}
    for part in ("model_int8", "best_on_test"):
        for metric, entry in (comparison.get(part) or {}).items():
            if entry.get("ratio") is None and entry.get("n_cases"):
                against = entry.get("baseline") or comparison.get("best_baseline")
                out[f"comparison.{part}.{metric}.ratio"] = (
                    f"{against} scores 0 on {metric} on test, so model / baseline is undefined "
                    f"(the difference, {entry.get('diff', 0):+.4f}, is given)")
            if entry.get("ci95") is None and entry.get("why_no_ci95"):
                out[f"comparison.{part}.{metric}.ci95"] = entry["why_no_ci95"]
    return out


def _undefined(segments: dict[str, dict[str, dict[str, Any]]]) -> dict[str, str]:
    out: dict[str, str] = {}
    for by_seg in segments.values():
        for seg, m in by_seg.items():
            if not m.get("n_cases"):
                out[f"segments.*.{seg}"] = UNDEFINED_REASONS["empty_slice"]
            for key, value in m.items():
                if key.startswith("diversity") and value is None:
                    out[key] = UNDEFINED_REASONS["diversity"]
    return out


def _bundle_metrics(metrics: dict[str, dict[str, float]]) -> dict[str, Any]:
    """What the manifest records: the shipped int8 model's test numbers, float and popularity for scale."""
    keep = ("recall@10", "recall@20", "ndcg@10", "ndcg@20", "map@10", "coverage@20")
    return {
        system: {k: round(float(metrics[system][k]), 6) for k in keep if metrics[system].get(k) is not None}
        for system in ("model_int8", "model_float", "popularity")
        if system in metrics
    }


def _remove_stale_bundle(out: Path) -> None:
    bundle_dir, tarball = out / "bundle", out / "bundle.tar.gz"
    if bundle_dir.is_dir():
        shutil.rmtree(bundle_dir)
    if tarball.is_file():
        tarball.unlink()


def _indent(text: str) -> str:
    return "\n".join("  " + line for line in text.splitlines())
