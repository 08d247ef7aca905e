"""The training report: ``report.json`` for machines, ``report.md`` + PNG plots for people.

``report.json`` always has ``metrics`` (system -> overall test metrics),
``segments`` (system -> slice -> metrics), ``sizes`` (``float_bytes``,
``int8_bytes``), ``train_seconds`` (wall time of the whole ``train``
command), plus the split, ingest counts, dataset fingerprint, timings, the
model's training history and the parity check.
"""

from __future__ import annotations

import json
import math
import time
from pathlib import Path
from typing import Any

import matplotlib

matplotlib.use("Agg")  # files only: no display on a build machine
import matplotlib.pyplot as plt  # noqa: E402
import pandas as pd  # noqa: E402

from cloud_trainer.compare import ratio_text  # noqa: E402

TABLE_COLUMNS = (
    "recall@10", "recall@20", "ndcg@10", "ndcg@20", "map@10", "map@20",
    "precision@10", "f1@10", "coverage@20", "diversity@10",
)
SEGMENT_ORDER = ("overall", "known", "anonymous", "repeat", "new")
METRICS_PNG = "metrics_by_system.png"
SEGMENTS_PNG = "recall_by_segment.png"
CURVES_PNG = "training_curves.png"


def metrics_table(metrics: dict[str, dict[str, float]], columns: tuple[str, ...] = TABLE_COLUMNS) -> str:
    """A fixed-width text table: one row per system."""
    width = max([len("system"), *(len(s) for s in metrics)])
    head = f"{'system':<{width}}  " + "  ".join(f"{c:>12}" for c in columns)
    lines = [head, "-" * len(head)]
    for system, values in metrics.items():
        cells = "  ".join(f"{_fmt(values.get(c)):>12}" for c in columns)
        lines.append(f"{system:<{width}}  {cells}")
    return "\n".join(lines)


def _fmt(value: Any) -> str:
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return "n/a"
    return f"{value:.4f}" if isinstance(value, float) else str(value)


def _markdown_table(header: list[str], rows: list[list[str]]) -> str:
    lines = ["| " + " | ".join(header) + " |", "|" + "|".join("---" for _ in header) + "|"]
    lines += ["| " + " | ".join(r) + " |" for r in rows]
    return "\n".join(lines)


def plot_metrics(metrics: dict[str, dict[str, float]], path: Path) -> None:
    """Grouped bars per system: accuracy at 20 on the left, breadth on the right
    (coverage reaches 0.9 where recall is 0.08, so they need separate scales)."""
    systems = list(metrics)
    panels = (
        (["recall@20", "ndcg@20", "map@20", "precision@20"], "accuracy (overall test)"),
        (["coverage@20", "diversity@10"], "catalogue coverage / list diversity"),
    )
    fig, axes = plt.subplots(1, 2, figsize=(max(10.0, 2.2 * len(systems) + 3), 4.2),
                             gridspec_kw={"width_ratios": [3, 2]})
    for ax, (keys, title) in zip(axes, panels, strict=True):
        width = 0.8 / len(keys)
        for j, key in enumerate(keys):
            values = [float(metrics[s].get(key, 0.0) or 0.0) for s in systems]
            xs = [i + (j - (len(keys) - 1) / 2) * width for i in range(len(systems))]
            ax.bar(xs, values, width, label=key)
        ax.set_xticks(range(len(systems)), systems, rotation=25, ha="right")
        ax.set_title(title)
        ax.legend(fontsize=8)
        ax.grid(axis="y", alpha=0.3)
    fig.suptitle("Metrics by system")
    fig.tight_layout()
    fig.savefig(path, dpi=110)
    plt.close(fig)


def plot_segments(segments: dict[str, dict[str, dict[str, float]]], path: Path) -> None:
    """Recall@20 per system for each slice (overall, known, anonymous, repeat, new)."""
    systems = list(segments)
    segs = [s for s in SEGMENT_ORDER if any(s in segments[sys] for sys in systems)]
    fig, ax = plt.subplots(figsize=(max(6.0, 1.4 * len(systems) + 2), 4.0))
    width = 0.8 / max(len(segs), 1)
    for j, seg in enumerate(segs):
        values = [float(segments[s].get(seg, {}).get("recall@20", 0.0) or 0.0) for s in systems]
        xs = [i + (j - (len(segs) - 1) / 2) * width for i in range(len(systems))]
        ax.bar(xs, values, width, label=seg)
    ax.set_xticks(range(len(systems)), systems, rotation=20, ha="right")
    ax.set_ylabel("recall@20")
    ax.set_title("Recall@20 by shopper / item segment")
    ax.legend(fontsize=8)
    ax.grid(axis="y", alpha=0.3)
    fig.tight_layout()
    fig.savefig(path, dpi=110)
    plt.close(fig)


def plot_training_curves(history: dict[str, list[float]], path: Path) -> bool:
    """Loss curves on the left, every other tracked metric on the right."""
    if not history or not any(history.values()):
        return False
    losses = {k: v for k, v in history.items() if "loss" in k}
    others = {k: v for k, v in history.items() if "loss" not in k and k not in ("lr", "learning_rate")}
    fig, axes = plt.subplots(1, 2, figsize=(10, 3.8))
    for ax, group, title in ((axes[0], losses, "loss"), (axes[1], others, "validation metrics")):
        for key, values in group.items():
            ax.plot(range(1, len(values) + 1), values, marker="o", label=key)
        ax.set_xlabel("epoch")
        ax.xaxis.get_major_locator().set_params(integer=True)
        ax.set_title(title)
        ax.grid(alpha=0.3)
        if group:
            ax.legend(fontsize=8)
    fig.tight_layout()
    fig.savefig(path, dpi=110)
    plt.close(fig)
    return True


def write_report(
    out: Path, report: dict[str, Any], *, started: float | None = None
) -> tuple[Path, Path]:
    """Write the plots, ``report.md`` and ``report.json`` into ``out``.

    With ``started`` (a ``time.perf_counter()`` value) ``train_seconds`` and
    ``timings["total"]`` are stamped after the plots (the slow part of writing
    the report), so they cover the whole command but for a few milliseconds.
    """
    out.mkdir(parents=True, exist_ok=True)
    plot_metrics(report["metrics"], out / METRICS_PNG)
    if report.get("segments"):
        plot_segments(report["segments"], out / SEGMENTS_PNG)
    curves = plot_training_curves(report.get("model", {}).get("history", {}), out / CURVES_PNG)
    if started is not None:
        report["train_seconds"] = time.perf_counter() - started
        report.setdefault("timings", {})["total"] = report["train_seconds"]
    md_path = out / "report.md"
    md_path.write_text(render_markdown(report, curves=curves), encoding="utf-8")
    json_path = out / "report.json"
    json_path.write_text(json.dumps(_jsonable(report), indent=1) + "\n", encoding="utf-8")
    return json_path, md_path


def render_markdown(report: dict[str, Any], *, curves: bool) -> str:
    split = report.get("split", {})
    ingest = report.get("ingest", {})
    lines = [
        f"# Training report: {report.get('dataset', '?')}",
        "",
        f"Created {report.get('created_at', '?')} with `{report.get('command', 'cloud-trainer train')}`; "
        f"dataset fingerprint `{report.get('fingerprint', '?')}`; "
        f"whole run {report.get('train_seconds', 0):.1f} s.",
        "",
        "## Data",
        "",
        f"* Ingest: {ingest.get('rows_kept', '?')} rows kept"
        + (" (" + "; ".join(f"{Path(f).name} {st.get('rows_kept', 0):,}" for f, st in ingest["files"].items()) + ")"
           if len(ingest.get("files") or {}) > 1 else "")
        + f", {ingest.get('rows_skipped', '?')} bad rows skipped ({ingest.get('error_count', '?')} errors).",
    ]
    for reason, count in list(ingest.get("errors_by_reason", {}).items())[:8]:
        lines.append(f"  * `{reason}`: {count}")
    for err in ingest.get("first_errors", [])[:5]:
        lines.append(f"  * e.g. `{err}`")
    if sample := ingest.get("sample"):
        lines.append(f"* **A sample of the shoppers:** the export has {sample['lines_in_file']:,} lines, over "
                     f"the budget of {sample['max_lines']:,} ({sample['why']}); {sample['fraction']:.1%} of its "
                     f"shoppers were read, every row of each ({sample['rows_kept']:,} rows before the rows' "
                     f"checks), chosen by {sample['by']}. `--max-lines 0` reads every line.")
    if split and (dropped := split.get("duplicates_dropped")):
        # (a file written ten times over had said '15300 rows kept' and then split 1,500)
        kept = ingest.get("rows_kept")
        share = f" ({dropped / kept:.0%} of the rows kept)" if isinstance(kept, int) and kept else ""
        lines.append(f"* {dropped:,} exact duplicate rows dropped{share}: the same shopper, item, time, event, "
                     "basket, quantity and price again" + ("; so many is more like a join gone wrong than a second scan"
                                         if isinstance(kept, int) and kept and dropped > 0.2 * kept else ""))
    if split:
        counts = split.get("interactions", {})
        tc = split.get("test_cases", {})
        lines += [
            f"* Split (temporal): train < {split.get('val_start')} <= validation < "
            f"{split.get('test_start')} <= test <= {split.get('end')}; interactions "
            f"{counts.get('train')} / {counts.get('val')} / {counts.get('test')}"
            + (f" ({split['cut_note']})." if split.get("cut_note") else "."),
            f"* Catalogue: {split.get('catalogue_items')} items with a train interaction; "
            f"targets: {', '.join(split.get('target_events', []))}"
            + (f" ({split['target_reason']})." if split.get("target_reason") else "."),
            f"* Test: {tc.get('shoppers')} shopper{'' if tc.get('shoppers') == 1 else 's'} "
            f"({tc.get('with_history')} with history) plus "
            f"{tc.get('masked_copies')} anonymous copies; {tc.get('targets')} target items, "
            f"{tc.get('targets_outside_catalogue')} outside the catalogue (always missed).",
        ]
        lines += _thin_data_lines(split, report.get("metrics", {}))
    lines += [
        "",
        "## Test metrics (overall: every shopper once, as the device sees them)",
        "",
    ]
    metrics = report["metrics"]
    cols = [c for c in TABLE_COLUMNS if any(c in m for m in metrics.values())]
    lines.append(
        _markdown_table(
            ["system", *cols],
            [[s, *(_fmt(m.get(c)) for c in cols)] for s, m in metrics.items()],
        )
    )
    lines += ["", f"![metrics by system]({METRICS_PNG})", ""]
    segments = report.get("segments", {})
    if segments:
        lines += ["## Recall@20 / NDCG@20 by segment", ""]
        segs = [s for s in SEGMENT_ORDER if any(s in v for v in segments.values())]
        rows = []
        for system, by_seg in segments.items():
            cells = [
                f"{_fmt(by_seg.get(s, {}).get('recall@20'))} / {_fmt(by_seg.get(s, {}).get('ndcg@20'))}"
                for s in segs
            ]
            rows.append([system, *cells])
        any_sys = next(iter(segments.values()))
        header = [f"{s} (n={any_sys.get(s, {}).get('n_cases', 0)})" for s in segs]
        lines.append(_markdown_table(["system", *header], rows))
        lines += [
            "",
            "*known*: shoppers with their history and opted-in demographics; *anonymous*: the same "
            "shoppers with both hidden, each judged on the visit whose hour and weekday are its "
            "context (one basket, as a screen meets them), plus first-time shoppers; *repeat* / "
            "*new*: targets the shopper had / had not bought before.",
            "",
            f"![recall by segment]({SEGMENTS_PNG})",
            "",
        ]
    lines += comparison_lines(report)
    lines += ["## What ships, and where it loses", ""]
    if report.get("champion_reason"):
        lines.append(f"* Chosen on validation: {report['champion_reason']}")
    repeat = report.get("repeat") or {}
    if repeat.get("decision"):
        lines.append(f"* Repeat buying: {repeat['decision']}")
    verdict = shipped_verdict(report)
    lines += [f"* {v}" for v in verdict] or ["* On test, shipped is at least as good as the best "
                                               "baseline and as popularity for anonymous shoppers."]
    for name, why in (report.get("undefined_metrics") or {}).items():
        lines.append(f"* `{name}` is n/a: {why}")
    for note in ingest.get("notes", []):
        lines.append(f"* Input: {note}")
    lines.append("")
    sizes = report.get("sizes", {})
    parity = report.get("parity", {})
    if sizes or parity:
        lines += ["## Model", ""]
        if sizes:
            lines.append(
                f"* TFLite sizes: float {sizes.get('float_bytes', 0):,} bytes, int8 "
                f"{sizes.get('int8_bytes', 0):,} bytes (ratio {sizes.get('int8_to_float', 0):.2f})."
            )
        if parity:
            verdict = "passed" if parity.get("passed") else "FAILED"
            lines.append(
                f"* Parity gate {verdict}: int8 recall@20 {_fmt(parity.get('int8_recall@20'))} vs "
                f"float {_fmt(parity.get('float_recall@20'))} (relative drop "
                f"{_fmt(parity.get('relative_drop'))}, allowed {parity.get('tolerance')})."
                + ("" if parity.get("passed")
                   else " **The int8 network is refused: the bundle runs a baseline that does not use it.**"
                   if parity.get("network_refused")
                   else " **No bundle was built: the int8 model is refused.**")
            )
        model = report.get("model", {})
        if model:
            lines.append(
                f"* Training: {model.get('seconds', 0):.1f} s, best epoch {model.get('best_epoch')}."
            )
        if curves:
            lines += ["", f"![training curves]({CURVES_PNG})"]
        lines.append("")
    tifu = report.get("baselines", {}).get("tifu_knn")
    if tifu:
        lines += ["## Baseline tuning", "", f"* TIFU-KNN chosen on validation: `{tifu.get('params')}`", ""]
    timings = report.get("timings", {})
    if timings:
        lines += ["## Timings (seconds)", ""]
        lines.append(_markdown_table(list(timings), [[f"{v:.1f}" for v in timings.values()]]))
        lines.append("")
    bundle = report.get("bundle")
    if bundle:
        lines += ["## Bundle", "", f"`{bundle.get('path')}` model version `{bundle.get('model_version')}`", ""]
    return "\n".join(lines) + "\n"


def shipped_verdict(report: dict[str, Any]) -> list[str]:
    """Plain sentences on where the shipped scorer and the model lose on test.

    The champion is chosen on validation; these say when the test set disagrees
    (an unseen retailer's data can flip a close call), so nobody has to read it
    out of the tables.
    """
    lines: list[str] = []
    for key, check in (report.get("shipped") or {}).items():
        if not isinstance(check, dict) or check.get("ok", True):
            continue
        prefix, _, metric = key.rpartition("_")
        other = next((k for k in check if k not in ("shipped", "ok", "why")), "?")
        # (one 'on test' a sentence, and 'it' named: the shipped scorer, not the baseline)
        whom = ("popularity for anonymous shoppers" if prefix == "anonymous_vs_popularity"
                else f"{other}, the best baseline there" if prefix == "vs_best_on_test"
                else f"the best baseline ({other})")
        mine, theirs = check.get("shipped"), check.get(other)
        said = f"{_fmt(mine)} vs {_fmt(theirs)}"
        if _fmt(mine) == _fmt(theirs) and isinstance(mine, float) and isinstance(theirs, float):
            # (a loss below the fourth decimal had read '0.4160 vs 0.4160': one shopper in
            # 15,400 whose history the device form cuts; real2-ae)
            said = f"{said}, lower by {theirs - mine:.2g}"  # (six decimals had printed -0.000000)
        lines.append(
            f"shipped LOSES on test {metric} to {whom}: {said} "
            + (f"({check['why']})" if check.get("why")
               else "(the shipped scorer was chosen on validation; test disagrees)")
        )
    comp = report.get("comparison") or {}
    best = comp.get("best_baseline")
    against = [(row, f"model_int8 loses to {best} on test {metric}")
               for metric, row in (comp.get("model_int8") or {}).items()]
    against += [(row, f"model_int8 loses to {row.get('baseline')} (best baseline on test for {metric})")
                for metric, row in (comp.get("best_on_test") or {}).items() if row.get("baseline") != best]
    for row, loses in against:
        ratio, ci = row.get("ratio"), row.get("ci95")
        if ratio is not None and ratio < 1.0:
            interval = f", diff 95% CI [{ci[0]:+.4f}, {ci[1]:+.4f}]" if ci else ""
            noise = " (within noise)" if ci and ci[0] < 0 < ci[1] else ""
            lines.append(f"{loses}: {ratio:.2f}x{interval}{noise}")
    return lines


SMALL_CATALOGUE = 5 * 20
"""A catalogue of at most this many items (five top-20 lists) is said in report.md: a
list then holds a fifth of it or more, and any system's recall@20 is high."""
FEW_WITH_HISTORY = 0.2
"""Below this share of test shoppers with a history, report.md says the known-shopper
figures rest on few shoppers."""


FEW_SHOPPERS = 20
"""Test shoppers below which report.md says its figures are anecdotes."""
SHORT_WINDOW = pd.Timedelta(days=2)
"""A validation or test window shorter than this is said in report.md."""


def _span(length: pd.Timedelta) -> str:
    hours = length / pd.Timedelta(hours=1)
    return f"{hours:.0f} hours" if hours >= 1 else f"{length / pd.Timedelta(minutes=1):.0f} minutes"


def _thin_data_lines(split: dict[str, Any], metrics: dict[str, Any]) -> list[str]:
    """Lines for report.md's data section where the data leave little to judge by: a
    catalogue a top-20 list covers much of (Amazon Fashion's 27 items: every system
    0.976 recall@20, which read as quality), or test shoppers almost none of whom have a
    history (shopping_trends: none), so personal figures rest on a handful (real-ad)."""
    lines = []
    items = split.get("catalogue_items")
    if isinstance(items, int) and 0 < items <= SMALL_CATALOGUE:
        popular = metrics.get("popularity", {}).get("recall@20")
        lines.append(f"* **A small catalogue:** a top-20 list holds {min(20, items) / items:.0%} of its {items} items, "
                     "so any system's recall@20 is high"
                     + (f" (popularity's is {popular:.3f})" if isinstance(popular, float) else "")
                     + ": compare the systems here with each other, not with other data sets.")
    tc = split.get("test_cases", {})
    shoppers, known = tc.get("shoppers"), tc.get("with_history")
    if isinstance(shoppers, int) and shoppers < FEW_SHOPPERS:
        # (2 households trained, shipped and reported like any other run: fuzz-ad)
        lines.append(f"* **Few shoppers to judge by:** test has {shoppers}, so the figures below are anecdotes, "
                     "not measurements.")
    windows = [(name, pd.Timestamp(split[b]) - pd.Timestamp(split[a])) for name, a, b in
               (("validation", "val_start", "test_start"), ("test", "test_start", "end"))
               if all(split.get(k) for k in (a, b))]
    short = [f"{name} {_span(length)}" for name, length in windows if length < SHORT_WINDOW]
    if short:
        # (a sale day at the export's end: validation 6 h and test 7 h of Black Friday
        # afternoon chose and judged everything, unsaid; fuzz-ad)
        lines.append(f"* **Short windows:** {' and '.join(short)}: everything is chosen and judged on what shoppers "
                     "did then; a longer export, or larger --val-frac / --test-frac, judges more.")
    if isinstance(shoppers, int) and isinstance(known, int) and shoppers and known < FEW_WITH_HISTORY * shoppers:
        lines.append(f"* **Few test shoppers with a history:** {known} of {shoppers}, so the figures for known "
                     "shoppers rest on them and what this data can judge is mostly the list for a shopper "
                     "the device does not know.")
    return lines


def comparison_lines(report: dict[str, Any]) -> list[str]:
    """The model against the baseline chosen on validation and against the best baseline on
    test per metric, with the seed spread of each (report.md)."""
    comp = report.get("comparison") or {}
    best = comp.get("best_baseline")
    if not comp.get("model_int8"):
        return []

    def cell(row: dict[str, Any], spread: dict[str, Any] | None) -> str:
        text = ratio_text(row)
        if row.get("ratio") is not None and spread and spread.get("ratio_min") is not None and len(spread_seeds) > 1:
            text += (f"; seeds {spread['ratio_min']:.3f}-{spread['ratio_max']:.3f}x, CI above 0 on every seed: "
                     f"{'yes' if spread.get('ci_above_zero_all_seeds') else 'NO'}")
        return text

    spread_seeds = (comp.get("seed_spread") or {}).get("seeds") or []
    rows = []
    for metric, row in comp["model_int8"].items():
        rows.append([metric, f"{best} (chosen on validation)", cell(row, (comp.get("seed_spread") or {}).get(metric))])
        other = (comp.get("best_on_test") or {}).get(metric)
        if other:
            name = other.get("baseline")
            label = f"{name} (best on test)" + ("" if name == best else ": **not the validation choice**")
            rows.append([metric, label, cell(other, (comp.get("seed_spread_best_on_test") or {}).get(metric))])
    lines = ["## model_int8 against the baselines (test)", "",
             _markdown_table(["metric", "baseline", "model_int8 ratio (shipped seed)"], rows), ""]
    differ = [m for m, same in (comp.get("validation_choice_best_on_test") or {}).items() if not same]
    if differ:
        lines += [f"The baseline chosen on validation ({best}) is not the strongest on test for "
                  f"{', '.join(differ)}: a target stated against \"the best baseline\" is read here "
                  "against the best on test per metric as well.", ""]
    return lines


def _jsonable(value: Any) -> Any:
    """numpy scalars / arrays and NaN -> plain JSON (NaN becomes null)."""
    if isinstance(value, dict):
        return {str(k): _jsonable(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_jsonable(v) for v in value]
    if hasattr(value, "tolist"):
        return _jsonable(value.tolist())
    if isinstance(value, float) and not math.isfinite(value):
        return None
    if isinstance(value, int | float | str | bool) or value is None:
        return value
    return str(value)
