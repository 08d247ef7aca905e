"""Package an exported model into the bundle a store device loads.

The layout and manifest belong to :mod:`edge.bundle`; this module only
gathers the pieces: the int8 model file, the item vocabulary, the feature spec
with the real tensor names, and golden cases whose expected top-K comes from
running the int8 file in LiteRT (so a device that reproduces them is known to
run the very same model the same way).
"""

from __future__ import annotations

import itertools
import math
from pathlib import Path
from typing import Any

import pandas as pd

from cloud_trainer.dataset import EvalCase, PreparedData
from cloud_trainer.export import ExportResult
from cloud_trainer.litert_eval import TFLiteScorer
from edge.bundle import GoldenCase, Item, Manifest, topk, topk_argpartition, write_bundle
from edge.runtime.scorers import history_given

GOLDEN_K = 10
GOLDEN_KNOWN = 4
"""Known shoppers in the golden set; one anonymous and one zone-only case are added."""
GOLDEN_SCAN = 200
"""Known test shoppers looked at to find GOLDEN_KNOWN whose top-K no tie rule changes."""


def catalogue(items: pd.DataFrame) -> list[Item]:
    """The item vocabulary in model order (row i = output column i)."""

    def text(value: Any) -> str:
        return "" if value is None or (isinstance(value, float) and math.isnan(value)) else str(value)

    def number(value: Any) -> float:
        try:
            out = float(value)
        except (TypeError, ValueError):
            return 0.0
        return 0.0 if math.isnan(out) else out

    cols = items.columns
    return [
        Item(
            item_id=text(row.item_id),
            name=text(row.name) if "name" in cols else "",
            category=text(row.category) if "category" in cols else "",
            department=text(row.department) if "department" in cols else "",
            price=number(row.price) if "price" in cols else 0.0,
            price_band=int(number(row.price_band)) if "price_band" in cols else 0,
            popularity=number(row.popularity) if "popularity" in cols else 0.0,
        )
        for row in items.itertuples(index=False)
    ]


class _DeviceScores:
    """``scores_for`` over a device scorer (``edge.runtime.scorers``), for golden cases."""

    def __init__(self, scorer: Any) -> None:
        self.scorer = scorer
        self.spec = scorer.spec
        self.history_window = history_given(scorer)

    def scores_for(self, history: list[int], context: dict[str, Any]) -> Any:
        return self.scorer.score(history, self.spec.context_indices(context))


def _same_for_older_firmware(scorer: TFLiteScorer | _DeviceScores, history: list[int],
                             context: dict[str, Any], k: int) -> bool:
    """Whether firmware from before 2026-12-02 (c) lists the top-``k`` the device does.

    That firmware takes the ``k`` best with ``edge.bundle.topk_argpartition`` (equal
    scores at the cut as ``np.argpartition`` leaves them), and firmware before the
    item-id tie rule also breaks ties at the gate's head boundary that way
    (``BundleScorer.score_older_ties``); a golden case with such a tie would make that
    firmware refuse a good bundle."""
    inner = getattr(scorer, "scorer", None)
    scores = scorer.scores_for(history, context)
    older = scores
    if inner is not None and hasattr(inner, "score_older_ties"):
        older = inner.score_older_ties(history, scorer.spec.context_indices(context))
    return topk(scores, k).tolist() == topk_argpartition(older, k).tolist()


def golden_cases(
    cases: list[EvalCase], scorer: TFLiteScorer | _DeviceScores, k: int = GOLDEN_K
) -> list[GoldenCase]:
    """A handful of real test queries with the top-K the shipped model gives them.

    Covers a known shopper with history, an anonymous shopper and a shopper known
    only by the zone they stand in, so the smoke test exercises every input path.
    """
    candidates = [c for c in cases if c.user_id is not None and len(c.history)]
    # The history a device gives the scorer: the model's window, or a kind's longer one.
    window = history_given(scorer)
    # Prefer cases whose top-K older firmware's tie rules give too (see
    # _same_for_older_firmware): a device running it smoke-tests this bundle too.
    stable = (c for c in candidates[:GOLDEN_SCAN]
              if _same_for_older_firmware(scorer, c.history.tolist()[-window:],
                                          dict(c.context), k))
    known = list(itertools.islice(stable, GOLDEN_KNOWN))  # stops scoring once it has them
    if len(known) < GOLDEN_KNOWN:
        known += [c for c in candidates if all(c is not x for x in known)][: GOLDEN_KNOWN - len(known)]
    anonymous = [c for c in cases if c.user_id is None or not len(c.history)][:1]
    chosen: list[tuple[list[int], dict[str, str]]] = [
        (c.history.tolist()[-window:], dict(c.context)) for c in known
    ]
    if anonymous:
        chosen.append(([], dict(anonymous[0].context)))
    else:
        chosen.append(([], {}))
    fields = {f.name: f for f in scorer.spec.context_fields}
    if "department" in fields and len(fields["department"].vocab) > 1:
        chosen.append(([], {"department": fields["department"].vocab[1]}))
    golden = []
    for history, context in chosen:
        expected = topk(scorer.scores_for(history, context), k)
        golden.append(
            GoldenCase(
                history=[int(i) for i in history],
                context={key: str(v) for key, v in context.items()},
                expected_topk=[int(i) for i in expected],
            )
        )
    return golden


def build_bundle(
    out_dir: Path,
    export: ExportResult,
    data: PreparedData,
    metrics: dict[str, Any],
    model_version: str,
    *,
    signing_key: Path | None = None,
    scorer_spec: dict[str, Any] | None = None,
    golden_scorer: Any | None = None,
    scorer_files: dict[str, bytes] | None = None,
) -> Manifest:
    """Write ``out_dir/bundle/`` and ``out_dir/bundle.tar.gz`` around the int8 model
    (signed with ``signing_key`` when given).

    ``scorer_spec`` is the manifest's ``scorer`` (what the device runs);
    ``golden_scorer`` runs it (``edge.runtime.scorers.BundleScorer``) so the
    golden top-K are what the device must reproduce. Without them the bundle
    runs the plain int8 model and its golden cases come from LiteRT.
    """
    scorer: TFLiteScorer | _DeviceScores = (
        _DeviceScores(golden_scorer) if golden_scorer is not None
        else TFLiteScorer(export.int8_path, export.spec)
    )
    golden = golden_cases(data.test_cases or data.val_cases, scorer)
    return write_bundle(
        Path(out_dir) / "bundle",
        model_bytes=export.int8_path.read_bytes(),
        items=catalogue(data.items),
        spec=export.spec,
        golden=golden,
        model_version=model_version,
        dataset_fingerprint=data.fingerprint,
        metrics=metrics,
        golden_k=GOLDEN_K,
        signing_key=signing_key,
        scorer=scorer_spec,
        scorer_files=scorer_files,
    )
