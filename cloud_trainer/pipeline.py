"""``cloud-trainer train`` end to end.

load -> prepare -> fit and score the baselines -> train the model -> export
float and int8 TFLite -> score both files by *running them in LiteRT* -> parity
gate (int8 must keep float's Recall@20 within 1 %) -> bundle -> report.

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
from dataclasses import asdict, dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from cloud_trainer.baselines import TIFUKNNRecommender, all_baselines
from cloud_trainer.data import DataError, load_dataset
from cloud_trainer.dataset import PreparedData, Recommender
from cloud_trainer.evaluation import evaluate_segments, headline
from cloud_trainer.processing import prepare
from cloud_trainer.report import metrics_table, write_report

MODEL_DIR = "models"
PARITY_TOLERANCE = 0.01


class ParityFailed(Exception):
    """The int8 model failed the parity gate; the report is written, the bundle is not."""


@dataclass
class TrainOptions:
    dataset: str
    out: Path
    data_dir: Path | None = None
    interactions: Path | None = None
    items: Path | None = None
    users: Path | None = None
    seed: int = 42
    epochs: int | None = None
    time_budget_s: float | None = None
    quick: bool = False
    """A smoke run: few epochs, no TIFU tuning (for tests and demos, not for numbers)."""
    val_frac: float = 0.1
    test_frac: float = 0.1
    parity_tolerance: float = PARITY_TOLERANCE
    feedback_warehouse: Path | str | None = None
    """A feedback warehouse (cloud_trainer.ingest; a SQLite path or a storage URL) whose store
    events join the training data."""
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
    from cloud_trainer.ingest.warehouse import WarehouseError, WarehouseMissing, open_warehouse

    try:
        # must_exist: a mistyped SQLite path must be an error, not an empty new warehouse.
        fb = include_feedback(data, open_warehouse(warehouse, must_exist=True))
    except WarehouseMissing as exc:
        raise DataError(f"{warehouse}: no such feedback warehouse") from exc
    except WarehouseError as exc:
        raise DataError(str(exc)) from exc
    log(f"[feedback] {warehouse}: {fb.summary}")
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
    t_start = opts.started if opts.started is not None else time.perf_counter()
    timings: dict[str, float] = {}
    out = Path(opts.out)

    t = time.perf_counter()
    raw = load_dataset(
        opts.dataset,
        data_dir=opts.data_dir,
        interactions=opts.interactions,
        items=opts.items,
        users=opts.users,
    )
    timings["load"] = time.perf_counter() - t
    log(f"[load] {raw.name}: {len(raw.interactions)} interactions, {len(raw.items)} items, "
        f"{len(raw.users)} users with a profile ({timings['load']:.1f} s)")
    log(_indent(raw.report.summary(max_lines=5)))

    # OUT is checked before minutes of work go into it; a bundle left there by an
    # earlier run must not survive a run whose model fails its gate.
    out.mkdir(parents=True, exist_ok=True)
    _remove_stale_bundle(out)

    t = time.perf_counter()
    data = prepare(raw, seed=opts.seed, val_frac=opts.val_frac, test_frac=opts.test_frac)
    timings["prepare"] = time.perf_counter() - t
    if opts.feedback_warehouse is not None:
        data = _with_feedback(data, opts.feedback_warehouse, log)
    info = data.split_info
    log(f"[prepare] catalogue {data.num_items} items; train {len(data.train)} interactions; "
        f"val {info['val_cases']['shoppers']} / test {info['test_cases']['shoppers']} shoppers "
        f"(+ anonymous copies); targets: {', '.join(info['target_events'])} "
        f"({timings['prepare']:.1f} s)")


    segments: dict[str, dict[str, dict[str, float]]] = {}
    baseline_info: dict[str, Any] = {}
    t = time.perf_counter()
    for system in all_baselines():
        if opts.quick and isinstance(system, TIFUKNNRecommender):
            system.tune = False
        t_fit = time.perf_counter()
        system.fit(data)
        fit_s = time.perf_counter() - t_fit
        segments[system.name], eval_s = score(system, data)
        log(f"[baseline] {system.name}: recall@20 {segments[system.name]['overall'].get('recall@20', 0):.4f} "
            f"(fit {fit_s:.1f} s, eval {eval_s:.1f} s)")
        if isinstance(system, TIFUKNNRecommender):
            baseline_info["tifu_knn"] = {"params": asdict(system.params), "tuning": system.tuning}
    timings["baselines"] = time.perf_counter() - t

    # The model stack (TensorFlow) loads only now that the data is known to be usable.
    from cloud_trainer.export import ParityError, check_parity, export_tflite
    from cloud_trainer.litert_eval import TFLiteRecommender
    from cloud_trainer.model import TrainConfig, train_model
    from cloud_trainer.packaging import build_bundle

    overrides: dict[str, Any] = {"seed": opts.seed}
    if opts.quick:
        overrides.update(epochs=2, patience=1, time_budget_s=30.0)
    if opts.epochs is not None:
        overrides["epochs"] = opts.epochs
    if opts.time_budget_s is not None:
        overrides["time_budget_s"] = opts.time_budget_s
    cfg = TrainConfig(**overrides)
    t = time.perf_counter()
    trained = train_model(data, cfg)
    timings["train_model"] = time.perf_counter() - t
    log(f"[model] trained in {trained.seconds:.1f} s (best epoch {trained.best_epoch})")

    t = time.perf_counter()
    export = export_tflite(trained, data, out / MODEL_DIR)
    timings["export"] = time.perf_counter() - t
    log(f"[export] float {export.float_bytes:,} B, int8 {export.int8_bytes:,} B "
        f"({timings['export']:.1f} s)")

    t = time.perf_counter()
    for name, path in (("model_float", export.float_path), ("model_int8", export.int8_path)):
        segments[name], eval_s = score(TFLiteRecommender(path, export.spec, name), data)
        log(f"[litert] {name}: recall@20 {segments[name]['overall'].get('recall@20', 0):.4f} "
            f"({eval_s:.1f} s)")
    timings["eval_tflite"] = time.perf_counter() - t

    float_r20 = segments["model_float"]["overall"]["recall@20"]
    int8_r20 = segments["model_int8"]["overall"]["recall@20"]
    parity: dict[str, Any] = {
        "float_recall@20": float_r20,
        "int8_recall@20": int8_r20,
        "tolerance": opts.parity_tolerance,
    }
    parity_error: str | None = None
    try:
        parity["relative_drop"] = check_parity(float_r20, int8_r20, opts.parity_tolerance)
        parity["passed"] = True
    except ParityError as exc:
        parity["passed"] = False
        parity["relative_drop"] = exc.drop
        parity_error = str(exc)

    metrics = {system: headline(seg) for system, seg in segments.items()}
    report: dict[str, Any] = {
        "dataset": data.name,
        "fingerprint": data.fingerprint,
        "created_at": datetime.now(UTC).isoformat(timespec="seconds"),
        "command": shlex.join(opts.command),
        "metrics": metrics,
        "segments": segments,
        "sizes": {
            "float_bytes": export.float_bytes,
            "int8_bytes": export.int8_bytes,
            "int8_to_float": export.size_ratio,
        },
        "parity": parity,
        "model": {
            "config": asdict(cfg),
            "history": trained.history,
            "best_epoch": trained.best_epoch,
            "seconds": trained.seconds,
        },
        "baselines": baseline_info,
        "split": info,
        "normalisation": data.normalisation,
        "ingest": raw.report.to_json(),
        "options": {k: str(v) if isinstance(v, Path) else v
                    for k, v in asdict(opts).items() if k != "command"},
    }

    if parity_error is None:
        t = time.perf_counter()
        version = f"{data.name}-{data.fingerprint[:8]}-{datetime.now(UTC):%Y%m%dT%H%M%SZ}"
        manifest = build_bundle(out, export, data, _bundle_metrics(metrics), version,
                                signing_key=opts.signing_key)
        timings["bundle"] = time.perf_counter() - t
        report["bundle"] = {
            "path": str(out / "bundle"),
            "tarball": str(out / "bundle.tar.gz"),
            "model_version": manifest.model_version,
            "files": manifest.files,
        }
        log(f"[bundle] {out / 'bundle'} version {manifest.model_version}")

    report["timings"] = timings
    write_report(out, report, started=t_start)  # sets train_seconds and timings["total"]
    log("")
    log(metrics_table(metrics))
    log(f"\nreport: {out / 'report.md'}  (train_seconds {report['train_seconds']:.1f})")
    if parity_error is not None:
        raise ParityFailed(parity_error)
    return report


def _bundle_metrics(metrics: dict[str, dict[str, float]]) -> dict[str, Any]:
    """What the manifest records: the shipped int8 model's test numbers, float and popularity for scale."""
    keep = ("recall@10", "recall@20", "ndcg@10", "ndcg@20", "map@10", "coverage@20")
    return {
        system: {k: round(float(metrics[system][k]), 6) for k in keep if k in metrics[system]}
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
