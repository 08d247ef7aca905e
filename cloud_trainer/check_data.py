"""``cloud-trainer check-data``: how an export will be read, in seconds, before training.

A data scientist handed a new export wants to know, before minutes of training, which
column was read as what, which rows were dropped and why, what split the dates give and
whether the domain repeats. This runs exactly the steps ``train`` starts with -- the same
loader, notes and validation (:func:`~cloud_trainer.data.load_dataset`), the same split
(:func:`~cloud_trainer.processing.prepare`) and the same repeat decision
(:func:`~cloud_trainer.champion.repeat_decision`) -- prints them, and stops. No
TensorFlow is imported.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

from cloud_trainer.champion import repeat_decision
from cloud_trainer.data import load_dataset
from cloud_trainer.processing import (
    TARGET_CHOICES,
    decision_lines,
    prepare,
    require_catalogue,
    require_targets,
)


def check_data(
    dataset: str,
    *,
    data_dir: Path | None = None,
    interactions: Path | None = None,
    items: Path | None = None,
    users: Path | None = None,
    val_frac: float = 0.1,
    test_frac: float = 0.1,
    log: Callable[[str], None] = print,
    event_codes: dict[str, str] | None = None,
    max_lines: int | None = None,
    timezone: str | None = None,
    targets: str = "auto",
) -> dict[str, Any]:
    """Load and split ``dataset`` as ``train`` would; log what was read and return it as
    one JSON-able dict. Raises :class:`~cloud_trainer.data.DataError` where ``train``
    would stop."""
    started = time.perf_counter()
    raw = load_dataset(dataset, data_dir=data_dir, interactions=interactions, items=items, users=users,
                       event_codes=event_codes, max_lines=max_lines, timezone=timezone)
    log(raw.load_line(time.perf_counter() - started))
    log(raw.report.summary(max_lines=20))
    data = prepare(raw, val_frac=val_frac, test_frac=test_frac, target_events=TARGET_CHOICES[targets])
    require_catalogue(data, str(interactions or data_dir or dataset))
    require_targets(data)
    info = data.split_info
    counts = info["interactions"]
    log(f"[split] train {info['start']} to {info['val_start']} ({counts['train']} interactions), "
        f"validation to {info['test_start']} ({counts['val']}), test to {info['end']} ({counts['test']})")
    dropped = int(info["duplicates_dropped"])
    if dropped:
        # Kept rows above count them; the split below does not. A till file without a
        # quantity column writes a second unit of an item as a second identical line.
        log(f"[split] {dropped} exact duplicate rows left out (same shopper, item, time, event, basket, "
            "quantity and price)" + ("" if raw.interactions["quantity"].notna().any() else
                                     ": where a file has no quantity column, that is how it lists a second unit"))
    log(f"[split] validation {info['val_cases']['shoppers']} shoppers, test {info['test_cases']['shoppers']} "
        f"shoppers; catalogue {data.num_items} items; targets: {', '.join(info['target_events'])}")
    for line in decision_lines(info):
        log(line)
    repeat = repeat_decision(data)
    log(f"[repeat] {repeat['decision']}")
    real = list(raw.real_context)
    log("[context] " + (f"real from the timestamps: {', '.join(real)}" if real else
                        "none of hour / weekday is real (the notes above say why): no sales heat by them"))
    report = raw.report.to_json(max_errors=20)
    return {
        "dataset": raw.name,
        "interactions": len(raw.interactions),
        "items": len(raw.items),
        "users_with_profile": len(raw.users),
        "rows_kept": report["rows_kept"],
        "rows_skipped": report["rows_skipped"],
        "error_count": report["error_count"],
        "errors_by_reason": report["errors_by_reason"],
        "first_errors": report["first_errors"],
        "notes": report["notes"],
        **({"sample": report["sample"]} if "sample" in report else {}),
        "split": {k: info[k] for k in ("start", "val_start", "test_start", "end", "interactions",
                                       "val_cases", "test_cases", "target_events", "target_reason", "cut_note",
                                       "duplicates_dropped") if k in info},
        "repeat": repeat,
        "real_context": real,
        "seconds": round(time.perf_counter() - started, 2),
    }
