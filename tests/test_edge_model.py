"""LiteRT scorer: loads the bundle by tensor name, smoke-tests it, and a watchdog notices a stuck inference."""

from __future__ import annotations

import ast
import json
import shutil
import time
from pathlib import Path

import numpy as np
import pytest
from edge_helpers import tiny_bundle

from edge.bundle import BundleError, load_bundle, topk
from edge.cli import main as edge_device
from edge.runtime.model import InferenceWatchdog, Scorer, load_scorer

REPO = Path(__file__).resolve().parents[1]
FORBIDDEN = {"tensorflow", "cloud_trainer", "pandas", "tf_keras", "keras"}


def test_no_module_under_edge_imports_tensorflow_pandas_or_the_trainer() -> None:
    offenders = []
    for path in sorted((REPO / "edge").rglob("*.py")):
        tree = ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
        for node in ast.walk(tree):
            names: list[str] = []
            if isinstance(node, ast.Import):
                names = [a.name for a in node.names]
            elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
                names = [node.module]
            offenders += [f"{path.relative_to(REPO)}: {n}" for n in names if n.split(".")[0] in FORBIDDEN]
    assert offenders == []


def test_scores_match_the_golden_cases_and_topk() -> None:
    scorer = load_scorer(tiny_bundle())
    bundle = scorer.bundle
    assert scorer.smoke_test().ok
    for case in bundle.golden:
        scores = scorer.score(case.history, scorer.encode_context(case.context))
        assert scores.shape == (bundle.spec.num_items,) and scores.dtype == np.float32
        assert topk(scores, len(case.expected_topk)).tolist() == case.expected_topk


def test_history_and_context_change_the_scores() -> None:
    scorer = load_scorer(tiny_bundle())
    anon = scorer.score([], scorer.encode_context({})).copy()
    known = scorer.score([3, 5, 7], scorer.encode_context({})).copy()
    evening = scorer.score([], scorer.encode_context({"hour": "18", "department": "DELI"})).copy()
    assert not np.allclose(anon, known) and not np.allclose(anon, evening)
    # The input buffers are reused: a longer history is cut to the model's length, a shorter one padded.
    long = scorer.score(list(range(40)), (0, 0, 0)).copy()
    cut = scorer.score(list(range(40))[-scorer.spec.history_length:], (0, 0, 0)).copy()
    assert np.array_equal(long, cut)
    assert np.array_equal(scorer.score([], scorer.encode_context({})), anon)


def test_score_at_reads_the_same_values_as_score_from_the_output_buffer() -> None:
    scorer = load_scorer(tiny_bundle())
    n = scorer.spec.num_items
    items = np.array([n - 1, 0, 5, 5, 2], dtype=np.int64)
    for history, ctx in (([], {}), ([3, 5, 7], {}), ([1, 2, 1], {"hour": "18", "department": "DELI"})):
        context = scorer.encode_context(ctx)
        full = scorer.score(history, context).copy()
        at = scorer.score_at(history, context, items)
        assert at.dtype == np.float32 and at.tolist() == full[items].tolist()
        padded = scorer.padded_history(history)
        assert scorer.score_at(history, context, items, padded=padded).tolist() == full[items].tolist()
    # What score_at returned is a copy: the next inference does not change it.
    before = scorer.score_at([3], scorer.encode_context({}), items)
    kept = before.copy()
    scorer.score([4, 9], scorer.encode_context({"department": "DELI"}))
    assert before.tolist() == kept.tolist()
    assert scorer.inferences >= 8


def test_timing_samples_cpu_time_of_one_inference_in_sample_every() -> None:
    scorer = Scorer(load_bundle(tiny_bundle()))
    context = scorer.encode_context({})
    for _ in range(2 * Scorer.SAMPLE_EVERY + 1):
        scorer.score([1, 2], context)
    t = scorer.timing()
    assert t["inferences"] == 2 * Scorer.SAMPLE_EVERY + 1 and t["sampled"] == 3
    assert t["wall_us_mean"] > 0 and t["sampled_cpu_us_mean"] > 0
    assert 0 <= t["preempted_share"] <= 1 and 0 <= t["blocked_share"] <= 1


def test_tampered_model_is_refused_by_hash(tmp_path: Path) -> None:
    bad = tmp_path / "bundle"
    shutil.copytree(tiny_bundle(), bad)
    data = bytearray((bad / "model.tflite").read_bytes())
    data[-10] ^= 0xFF
    (bad / "model.tflite").write_bytes(bytes(data))
    with pytest.raises(BundleError, match="sha256"):
        load_scorer(bad)


def test_golden_mismatch_is_refused(tmp_path: Path) -> None:
    bad = tmp_path / "bundle"
    shutil.copytree(tiny_bundle(), bad)
    golden = json.loads((bad / "golden.json").read_text())
    golden[0]["expected_topk"] = list(reversed(range(38, 48)))
    (bad / "golden.json").write_text(json.dumps(golden))
    bundle = load_bundle(bad, verify=False)
    result = Scorer(bundle).smoke_test()
    assert not result.ok and "golden case 0" in result.failures[0]


def test_wrong_tensor_name_is_a_bundle_error(tmp_path: Path) -> None:
    bundle = load_bundle(tiny_bundle())
    spec = bundle.spec
    broken = type(spec)(**{**spec.__dict__, "output_tensor": "no_such_tensor"})
    bundle.spec = broken
    with pytest.raises(BundleError, match="no_such_tensor"):
        Scorer(bundle)


def test_watchdog_reports_a_stuck_inference_once_and_exits_past_the_limit() -> None:
    scorer = load_scorer(tiny_bundle())
    reports: list[float] = []
    exits: list[int] = []
    dog = InferenceWatchdog(scorer, stuck_after_s=0.5, exit_after_s=2.0, on_stuck=reports.append,
                            exit_fn=exits.append)
    assert dog.check() is None  # idle
    now = time.monotonic()
    scorer.busy_since = now - 0.1
    assert dog.check(now) is None  # running, not stuck
    scorer.busy_since = now - 1.0
    assert dog.check(now) == pytest.approx(1.0)
    assert dog.check(now + 0.5) == pytest.approx(1.5)
    assert len(reports) == 1 and dog.stuck_events == 1 and exits == []
    dog.check(now + 1.5)
    assert exits == [70]
    scorer.busy_since = None


def test_watchdog_thread_sees_a_real_blocked_inference(monkeypatch: pytest.MonkeyPatch) -> None:
    scorer = load_scorer(tiny_bundle())
    real_invoke = scorer._interp.invoke

    class Slow:
        def __getattr__(self, name):  # delegate everything but invoke
            return getattr(real, name)

        def invoke(self) -> None:
            time.sleep(0.6)
            real_invoke()

    real = scorer._interp
    scorer._interp = Slow()
    reports: list[float] = []
    dog = InferenceWatchdog(scorer, stuck_after_s=0.3, exit_after_s=None, on_stuck=reports.append,
                            interval_s=0.05).start()
    try:
        scorer.score([1], (0, 0, 0))
    finally:
        dog.stop()
        scorer._interp = real
    assert len(reports) == 1 and reports[0] >= 0.3


def test_check_bundle_cli(capsys: pytest.CaptureFixture[str]) -> None:
    assert edge_device(["check-bundle", str(tiny_bundle()), "--runs", "50"]) == 0
    report = json.loads(capsys.readouterr().out)
    assert report["golden_failures"] == [] and report["items"] == 48
    assert report["inference_us_mean"] > 0


@pytest.mark.slow
def test_check_bundle_times_the_same_model_under_tensorflow(tmp_path: Path,
                                                            capsys: pytest.CaptureFixture[str]) -> None:
    """--tf-model: the model's tf.function (in a child process: the device never imports
    TensorFlow) against the bundle under LiteRT, on the same inputs, both timed."""
    from bundle_factory import build_bundle

    bundle = build_bundle(tmp_path / "bundle", serving_tf=tmp_path / "serving_tf")
    assert edge_device(["check-bundle", str(bundle), "--runs", "10", "--tf-model",
                        str(tmp_path / "serving_tf"), "--rounds", "2"]) == 0
    vs = json.loads(capsys.readouterr().out)["vs_tensorflow"]
    assert vs["inputs"] == 200 and vs["rounds"] == 2
    assert vs["tf_function_us"]["wall"] > 0 and vs["litert_us"]["wall"] > 0
    ratio = vs["tf_function_us"]["wall"] / vs["litert_us"]["wall"]  # of the rounded figures
    assert vs["speedup_wall"] == pytest.approx(ratio, rel=0.02)
    assert vs["top10_overlap"] >= 0.8  # the same model, int8 vs float


def test_check_bundle_says_why_it_cannot_compare(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert edge_device(["check-bundle", str(tiny_bundle()), "--runs", "10",
                        "--tf-model", str(tmp_path / "missing")]) == 2
    err = capsys.readouterr().err
    assert "--tf-model" in err and "cannot compare with TensorFlow" in err
