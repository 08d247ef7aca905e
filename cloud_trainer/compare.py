"""The model against the baselines, on test: ratios with paired-bootstrap intervals, the
best baseline per metric, the spread over seeds, and the shipped scorer's check.

The choice of what ships is made on validation (:mod:`cloud_trainer.champion`); these
are what the report says about that choice on test, including where test disagrees.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as np

from cloud_trainer.champion import OBJECTIVE, paired_bootstrap


def comparison(model: dict[str, np.ndarray], base: dict[str, np.ndarray]) -> dict[str, Any]:
    """``{metric: {"ratio", "diff", "ci95", "n_cases"}}``: model / baseline and the paired
    bootstrap 95 % interval of the per-case difference model - baseline."""
    return {k: paired_bootstrap(model[k], base[k]) for k in OBJECTIVE}


def best_per_metric(segments: dict[str, dict[str, dict[str, Any]]], prefer: str | None = None) -> dict[str, str]:
    """The system with the highest overall test value, per objective metric: ``prefer`` (the
    validation choice) on a tie, else the first (every baseline at 0.0000 had named the
    first 'best on test' and the validation choice 'not the best')."""
    return {k: max(segments, key=lambda n: (segments[n]["overall"].get(k) or 0.0, n == prefer)) for k in OBJECTIVE}


def comparison_per_metric(model: dict[str, np.ndarray], bases: dict[str, dict[str, np.ndarray]],
                          chosen: dict[str, str]) -> dict[str, Any]:
    """Like :func:`comparison`, each metric against its own baseline ``chosen[metric]``
    (named in the entry's ``baseline``)."""
    return {k: {"baseline": chosen[k], **paired_bootstrap(model[k], bases[chosen[k]][k])} for k in OBJECTIVE}


def ratio_text(entry: dict[str, Any]) -> str:
    """A :func:`comparison` entry in words, for the log. Three decimals, as in report.md:
    with two, 1.0986x read "1.10x", which a target of 1.10x does not meet."""
    if entry.get("ratio") is None:
        return "n/a"
    if entry.get("ci95") is None:
        return f"{entry['ratio']:.3f}x, no interval ({entry.get('why_no_ci95', 'none')})"
    lo, hi = entry["ci95"]
    return f"{entry['ratio']:.3f}x, diff 95% CI [{lo:+.4f}, {hi:+.4f}]"


def seed_spread(rows: list[dict[str, Any]], against: str = "vs_best_baseline") -> dict[str, Any]:
    """Over the seeds' report rows: the test values' range and spread, the ratios' range, and
    whether every seed's interval is above 0 (``against``: the row's comparison to read)."""
    out: dict[str, Any] = {"seeds": [r["seed"] for r in rows]}
    for k in OBJECTIVE:
        ratios = [r[against][k]["ratio"] for r in rows
                  if r[against][k]["ratio"] is not None]
        values = [r["test"][k] for r in rows if r["test"][k] is not None]
        out[k] = {
            "test_min": min(values) if values else None, "test_max": max(values) if values else None,
            "test_std": float(np.std(values)) if values else None,
            "ratio_min": min(ratios) if ratios else None, "ratio_max": max(ratios) if ratios else None,
            "ci_above_zero_all_seeds": all(r[against][k]["ci95"] is not None
                                           and r[against][k]["ci95"][0] > 0 for r in rows),
        }
    return out


DEVICE_FORMS = {
    "item_knn": "its neighbour table and weights as the baseline has them",
    "tifu_knn": "its train shoppers' vectors, without basket boundaries (TIFU's basket groups are not on the device)",
    "own_topk_popular": "its own-item count and popularity",
    "personal_topfreq": "its own-item counts and popularity",
}
"""Baseline -> what its device form keeps of it."""


def device_form_note(form_of: str | None, baseline: str, history_keep: int, over: int, shoppers: int) -> str | None:
    """Why shipped can trail ``baseline`` on test when it *is* that baseline as the device
    runs it (``form_of``: the baseline the shipped known-shopper scorer is the device form
    of, None when it is another system), not a different system validation preferred:
    the device scores from a shopper's ``history_keep`` most recent items (``over`` of the
    ``shoppers`` test shoppers have more), and, for TIFU-KNN, without baskets."""
    if form_of != baseline or baseline not in DEVICE_FORMS:
        return None
    history = (f", from a shopper's {history_keep} most recent items ({over} of {shoppers} test "
               "shoppers have more)") if over else ""
    return f"shipped is {baseline} as the device runs it, {DEVICE_FORMS[baseline]}{history}"


def shipped_check(segments: dict[str, Any], best_baseline: str,
                   best_on_test: dict[str, str] | None = None,
                   device_form: Callable[[str], str | None] | None = None) -> dict[str, Any]:
    """Test-time check of the choice made on validation: shipped vs the best baseline (and
    vs the best baseline on test per metric, when that is another one) and vs popularity
    for anonymous shoppers (``ok`` False says the test disagrees). A failed check against
    a baseline whose device form ships carries ``why`` (``device_form(baseline)``)."""
    ship = segments["shipped"]
    out: dict[str, Any] = {}

    def against(name: str, k: str) -> dict[str, Any]:
        mine, theirs = ship["overall"].get(k), segments[name]["overall"].get(k)
        row = {"shipped": mine, name: theirs, "ok": (mine or 0) >= (theirs or 0)}
        why = device_form(name) if device_form is not None and not row["ok"] else None
        if why:
            row["why"] = why
        return row

    for k in OBJECTIVE:
        out[f"vs_best_baseline_{k}"] = against(best_baseline, k)
        other = (best_on_test or {}).get(k)
        if other is not None and other != best_baseline:
            out[f"vs_best_on_test_{k}"] = against(other, k)
        anon_s, anon_p = ship["anonymous"].get(k), segments["popularity"]["anonymous"].get(k)
        out[f"anonymous_vs_popularity_{k}"] = {"shipped": anon_s, "popularity": anon_p,
                                              "ok": (anon_s or 0) >= (anon_p or 0)}
    return out
