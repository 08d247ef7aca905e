"""`cloud-trainer train`: one-line errors for unusable input, and a full small run on
the generic CSV fixture that honours the report / bundle contract."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

from edge.bundle import generate_keypair, load_bundle, sha256_file

GENERIC = Path(__file__).resolve().parent / "fixtures" / "retail" / "generic"


def run_cli(*args: str | Path, timeout: float = 300) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "cloud_trainer.cli", "train", *map(str, args)],
        capture_output=True, text=True, timeout=timeout,
    )


def assert_one_line_error(proc: subprocess.CompletedProcess[str], fragment: str) -> None:
    assert proc.returncode == 2, proc.stderr
    assert "Traceback" not in proc.stderr
    lines = proc.stderr.strip().splitlines()
    assert len(lines) == 1, proc.stderr
    assert lines[0].startswith("cloud-trainer: error: ")
    assert fragment in lines[0]


def test_bad_data_dir(tmp_path: Path) -> None:
    proc = run_cli("--dataset", "completejourney", "--data-dir", tmp_path / "nope", "--out", tmp_path / "o")
    assert_one_line_error(proc, "no such directory")
    assert not (tmp_path / "o").exists()


def test_missing_interactions_file(tmp_path: Path) -> None:
    proc = run_cli("--dataset", "csv", "--interactions", tmp_path / "missing.csv",
                   "--items", GENERIC / "items.csv", "--out", tmp_path / "o")
    assert_one_line_error(proc, "missing.csv: no such file")


def test_file_without_usable_rows(tmp_path: Path) -> None:
    bad = tmp_path / "inter.csv"
    bad.write_text("user_id,item_id,timestamp,event_type\nu1,i1,not-a-time,view\nu2,i2,2024-01-01,click\n")
    proc = run_cli("--dataset", "csv", "--interactions", bad, "--items", GENERIC / "items.csv",
                   "--out", tmp_path / "o")
    assert_one_line_error(proc, "no usable rows (2 read)")


def test_dataset_directory_missing_files(tmp_path: Path) -> None:
    proc = run_cli("--dataset", "rees46", "--data-dir", tmp_path, "--out", tmp_path / "o")
    assert_one_line_error(proc, "no REES46 event file")


def test_full_small_train_writes_report_and_bundle(tmp_path: Path) -> None:
    out = tmp_path / "out"
    key_id = generate_keypair(tmp_path / "keys")
    # --quick trains 2 epochs on 40 synthetic shoppers: the int8/float parity gate is
    # about the real model on real data, so it is opened wide here (tested below).
    proc = run_cli(
        "--dataset", "csv", "--interactions", GENERIC / "interactions.csv",
        "--items", GENERIC / "items.csv", "--users", GENERIC / "users.csv",
        "--out", out, "--quick", "--parity-tolerance", "1.0",
        "--signing-key", tmp_path / "keys" / "signing.key",
    )
    assert proc.returncode == 0, proc.stderr[-3000:]
    assert "Traceback" not in proc.stderr
    # The readable table is printed at the end.
    assert "model_int8" in proc.stdout and "recall@20" in proc.stdout

    report = json.loads((out / "report.json").read_text())
    for system in ("popularity", "personal_topfreq", "own_topk_popular", "item_knn", "tifu_knn",
                   "model_float", "model_int8", "shipped"):
        m = report["metrics"][system]
        for key in ("recall@10", "recall@20", "ndcg@10", "ndcg@20", "map@10", "coverage@20"):
            assert 0.0 <= m[key] <= 1.0, (system, key)
        assert set(report["segments"][system]) == {"overall", "repeat", "new", "known", "anonymous"}
    # The honest comparison: model vs the baseline that was best on validation.
    cmp = report["comparison"]
    assert cmp["best_baseline"] in report["metrics"]
    for key in ("recall@20", "ndcg@10"):
        entry = cmp["model_int8"][key]
        lo, hi = entry["ci95"]
        assert lo <= entry["diff"] <= hi
        assert entry["ratio"] == pytest.approx(
            report["metrics"]["model_int8"][key] / report["metrics"][cmp["best_baseline"]][key])
    # ... and vs the strongest baseline on test, per metric (a strict reading of the target).
    baselines = ("popularity", "personal_topfreq", "own_topk_popular", "item_knn", "tifu_knn")
    for key in ("recall@20", "ndcg@10"):
        entry = cmp["best_on_test"][key]
        top = max(report["metrics"][b][key] for b in baselines)
        assert report["metrics"][entry["baseline"]][key] == top
        assert entry["ratio"] == pytest.approx(report["metrics"]["model_int8"][key] / top)
        lo, hi = entry["ci95"]
        assert lo <= entry["diff"] <= hi
        assert cmp["validation_choice_best_on_test"][key] == (entry["baseline"] == cmp["best_baseline"])
        assert report["seeds"][0]["vs_best_on_test"][key]["baseline"] == entry["baseline"]
    assert "best baseline on test, per metric: recall@20 " in proc.stdout
    assert report["champion_reason"].startswith("best validation recall@20 + ndcg@10 per segment")
    assert [row["seed"] for row in report["seeds"]] == [42]  # --quick trains one seed
    assert report["repeat"]["exclude_history"] is False  # the fixture's shoppers re-buy
    # What ships is in the manifest, and the device's loader runs it.
    scorer = json.loads((out / "bundle" / "manifest.json").read_text())["scorer"]
    assert scorer["kind"] in ("model", "popularity", "own_topk", "segmented", "item_knn", "user_knn")
    # TIFU-KNN's device form was a candidate for known shoppers, scored on validation.
    known = [row["name"] for row in report["champion"]["candidates"]["known"]]
    assert any(name.startswith("tifu_knn on the device") for name in known), known
    from edge.runtime.model import load_scorer

    assert load_scorer(out / "bundle").smoke_test().ok
    assert report["sizes"]["float_bytes"] > 0 and report["sizes"]["int8_bytes"] > 0
    assert report["train_seconds"] > 0
    assert report["ingest"]["rows_skipped"] > 0  # the fixture's bad rows were counted
    assert report["parity"]["tolerance"] == 1.0

    manifest = json.loads((out / "bundle" / "manifest.json").read_text())
    for name, meta in manifest["files"].items():
        assert sha256_file(out / "bundle" / name) == meta["sha256"], name
    bundle = load_bundle(out / "bundle")
    assert bundle.manifest.dataset_fingerprint == report["fingerprint"]
    assert (out / "bundle.tar.gz").is_file()
    # Signed before packing: the tarball verifies against the public key alone.
    signed = load_bundle(out / "bundle.tar.gz", trusted_keys=[tmp_path / "keys" / "signing.pub"])
    assert signed.signed_by == key_id
    md = (out / "report.md").read_text()
    assert "| model_int8 |" in md
    assert f"| recall@20 | {cmp['best_on_test']['recall@20']['baseline']} (best on test" in md
    for png in ("metrics_by_system.png", "recall_by_segment.png", "training_curves.png"):
        assert (out / png).read_bytes()[:4] == b"\x89PNG", png


@pytest.mark.slow
def test_parity_failure_refuse_writes_report_but_no_bundle(tmp_path: Path) -> None:
    out = tmp_path / "out"
    # A bundle from an earlier run in the same OUT must not survive a refused model.
    (out / "bundle").mkdir(parents=True)
    (out / "bundle" / "model.tflite").write_bytes(b"stale")
    (out / "bundle.tar.gz").write_bytes(b"stale")
    # A negative tolerance makes any int8 model fail the gate (unless it is twice as good).
    proc = run_cli(
        "--dataset", "csv", "--interactions", GENERIC / "interactions.csv",
        "--items", GENERIC / "items.csv", "--out", out, "--quick", "--parity-tolerance", "-1",
        "--parity-failure", "refuse",
    )
    assert proc.returncode == 3, proc.stderr[-2000:]
    assert "PARITY GATE" in proc.stderr and "Traceback" not in proc.stderr
    report = json.loads((out / "report.json").read_text())
    assert report["parity"]["passed"] is False
    assert not (out / "bundle").exists() and not (out / "bundle.tar.gz").exists()



def test_parity_failure_ships_a_baseline_that_never_runs_the_network(tmp_path: Path) -> None:
    out = tmp_path / "out"
    proc = run_cli(
        "--dataset", "csv", "--interactions", GENERIC / "interactions.csv",
        "--items", GENERIC / "items.csv", "--out", out, "--quick", "--parity-tolerance", "-1",
    )
    assert proc.returncode == 0, proc.stderr[-2000:]
    assert "PARITY GATE" in proc.stderr and "network is refused" in proc.stderr
    report = json.loads((out / "report.json").read_text())
    assert report["parity"]["passed"] is False and report["parity"]["network_refused"] is True
    assert "failed the parity gate" in report["champion_reason"]
    manifest = json.loads((out / "bundle" / "manifest.json").read_text())
    scorer = manifest["scorer"]
    kinds = {scorer["kind"]} | {scorer[s]["kind"] for s in ("known", "anonymous") if s in scorer}
    assert "model" not in kinds, scorer
    # What ships was scored by the device's loader, like any bundle.
    assert report["metrics"]["shipped"]["recall@20"] is not None
    assert "network is refused" in (out / "report.md").read_text()


def test_bad_signing_key_fails_before_training(tmp_path: Path) -> None:
    (tmp_path / "not-a-key.pem").write_text("hello\n")
    proc = run_cli("--dataset", "csv", "--interactions", GENERIC / "interactions.csv",
                   "--items", GENERIC / "items.csv", "--out", tmp_path / "out",
                   "--signing-key", tmp_path / "not-a-key.pem")
    assert_one_line_error(proc, "bad_key")
    assert "Epoch" not in proc.stdout and not (tmp_path / "out").exists()


def test_ratings_export_without_categories_prices_profiles_or_repeats(tmp_path: Path) -> None:
    """A public ratings-like export: ids and names only, no users file, nothing repeats."""
    ratings = GENERIC.parent / "ratings"
    out = tmp_path / "out"
    proc = run_cli("--dataset", "csv", "--interactions", ratings / "interactions.csv",
                   "--items", ratings / "items.csv", "--out", out, "--quick", "--parity-tolerance", "1.0")
    assert proc.returncode == 0, proc.stderr[-3000:]
    report = json.loads((out / "report.json").read_text())
    # Nothing repeats in train, so nobody is shown what they already have.
    assert report["repeat"]["train_repeat_rate"] == 0.0 and report["repeat"]["exclude_history"] is True
    assert "does not repeat" in report["repeat"]["decision"]
    # No categories: diversity is undefined and said so, not printed as 0.
    assert report["metrics"]["shipped"]["diversity@10"] is None
    assert "no item categories" in report["undefined_metrics"]["diversity@10"]
    assert "n/a" in proc.stdout
    # item_knn's table has 100 neighbours (--quick does not tune) and is small enough to
    # ship as it is, so the device is offered it beside the 50-neighbour cut.
    names = {c["name"] for c in report["champion"]["candidates"]["known"]}
    assert {"item_knn (50 neighbours)", "item_knn (100 neighbours)"} <= names
    manifest = json.loads((out / "bundle" / "manifest.json").read_text())
    assert manifest["scorer"]["exclude_history"] is True
    from edge.runtime.model import load_scorer

    device = load_scorer(out / "bundle")
    history = list(range(10))
    top = np.argsort(-device.score(history, device.encode_context({})))[:10]
    assert not set(top.tolist()) & set(history)


def test_unwritable_out_fails_before_training(tmp_path: Path) -> None:
    blocker = tmp_path / "a-file"
    blocker.write_text("")
    proc = run_cli("--dataset", "csv", "--interactions", GENERIC / "interactions.csv",
                   "--out", blocker / "out")
    assert_one_line_error(proc, "Not a directory")
    assert "Epoch" not in proc.stdout


def test_train_learns_from_a_feedback_warehouse(tmp_path: Path) -> None:
    from cloud_trainer.ingest import SQLiteWarehouse
    from edge.comms.topics import FeedbackEvent

    wh = SQLiteWarehouse(tmp_path / "wh.db")
    shown = {"recommendation_id": "r1", "shopper": "l:U18", "display_id": "d1",
             "items": [{"item_id": "I000", "position": 1}, {"item_id": "I001", "position": 2}]}
    bought = {"item_id": "I001", "quantity": 1, "price": 4.7, "revenue": 4.7,
              "transaction_id": "t1", "shopper": "l:U18"}
    wh.store([
        FeedbackEvent(event_id="d1:e:1", device_id="d1", store_id="S1", seq=1, kind="impression",
                      ts=1_704_100_000.0, model_version="m1", data=shown),
        FeedbackEvent(event_id="d1:e:2", device_id="d1", store_id="S1", seq=2, kind="conversion",
                      ts=1_704_100_060.0, model_version="m1", data=bought),
    ])
    out = tmp_path / "out"
    proc = run_cli(
        "--dataset", "csv", "--interactions", GENERIC / "interactions.csv",
        "--items", GENERIC / "items.csv", "--out", out, "--quick", "--parity-tolerance", "1.0",
        "--feedback-warehouse", tmp_path / "wh.db",
    )
    assert proc.returncode == 0, proc.stderr[-3000:]
    feedback = json.loads((out / "report.json").read_text())["split"]["feedback"]
    assert feedback["appended_rows"] == 1  # the conversion became a training purchase
    assert feedback["negative_pairs"] == 1  # I000 was shown to U18 and not taken

    missing = run_cli(
        "--dataset", "csv", "--interactions", GENERIC / "interactions.csv",
        "--items", GENERIC / "items.csv", "--out", tmp_path / "o2", "--quick",
        "--feedback-warehouse", tmp_path / "nope.db",
    )
    assert missing.returncode == 2
    assert "nope.db: no such feedback warehouse" in missing.stderr
    assert "Traceback" not in missing.stderr


def test_too_little_data_is_a_one_line_error_before_training(tmp_path: Path) -> None:
    """30 rows where every later purchase is of an item never sold before: nothing to judge."""
    inter = tmp_path / "tiny.csv"
    rows = [f"u{i % 7},i{i},{1704103200 + 3600 * i}" for i in range(30)]
    inter.write_text("user_id,item_id,timestamp\n" + "\n".join(rows) + "\n")
    proc = run_cli("--dataset", "csv", "--interactions", inter, "--out", tmp_path / "out", "--quick")
    assert proc.returncode == 2, proc.stderr[-2000:]
    assert "too little data: no validation shopper bought an item that was sold in the train window" \
        in proc.stderr
    assert "[model]" not in proc.stdout


def test_cross_time_run_scores_the_validation_window_and_never_sees_the_test_window(tmp_path: Path) -> None:
    """--cross-time: the settings check run on data one period earlier (docs/model.md)."""
    from cloud_trainer.data import load_dataset
    from cloud_trainer.processing import prepare

    files = {"interactions": GENERIC / "interactions.csv", "items": GENERIC / "items.csv",
             "users": GENERIC / "users.csv"}
    real = prepare(load_dataset("csv", **files)).split_info
    out = tmp_path / "out"
    proc = run_cli("--dataset", "csv", *(x for k, v in files.items() for x in (f"--{k}", v)),
                   "--out", out, "--quick", "--seeds", "1", "--parity-tolerance", "1.0", "--cross-time")
    assert proc.returncode == 0, proc.stderr[-3000:]
    assert "[cross-time] the test window is left out" in proc.stdout
    split = json.loads((out / "report.json").read_text())["split"]
    assert split["cross_time"] == 1
    # The run's last interaction is before the real test window; its test window starts
    # where the real validation window does (the same interaction quantile).
    assert split["test_start"] <= real["val_start"] < real["test_start"]
    assert split["val_start"] < real["val_start"]
    # Two periods back (the second fold): its test window ends where the first fold's starts.
    out2 = tmp_path / "out2"
    proc = run_cli("--dataset", "csv", *(x for k, v in files.items() for x in (f"--{k}", v)),
                   "--out", out2, "--quick", "--seeds", "1", "--parity-tolerance", "1.0", "--cross-time", "2")
    assert proc.returncode == 0, proc.stderr[-3000:]
    assert "(2 period(s) back)" in proc.stdout and "an earlier window" in proc.stdout
    fold2 = json.loads((out2 / "report.json").read_text())["split"]
    assert fold2["cross_time"] == 2
    assert fold2["test_start"] <= split["val_start"] and fold2["val_start"] < split["val_start"]


@pytest.mark.slow
def test_side_thread_gives_the_same_report_as_running_every_stage_in_turn(tmp_path: Path) -> None:
    """The baselines and each seed's LiteRT evaluation run beside the fits on small data
    (pipeline.SIDE_THREAD_MAX_TRAIN_ROWS); every reported number must be what the same
    run gives with each stage in turn, as large exports run."""
    from cloud_trainer import pipeline

    files = {"interactions": GENERIC / "interactions.csv", "items": GENERIC / "items.csv",
             "users": GENERIC / "users.csv"}
    reports = {}
    switch = sys.getswitchinterval()
    for name, limit in (("side", 10**9), ("in_turn", 0)):
        opts = pipeline.TrainOptions(dataset="csv", out=tmp_path / name, epochs=1, seeds=2,
                                     parity_tolerance=1.0, **files)
        old, pipeline.SIDE_THREAD_MAX_TRAIN_ROWS = pipeline.SIDE_THREAD_MAX_TRAIN_ROWS, limit
        try:
            reports[name] = pipeline.run_train(opts, log=lambda _line: None)
        finally:
            pipeline.SIDE_THREAD_MAX_TRAIN_ROWS = old
    # The side thread's GIL setting is undone (to the microsecond CPython stores it in).
    assert sys.getswitchinterval() == pytest.approx(switch, abs=1.5e-6)
    side, in_turn = reports["side"], reports["in_turn"]
    assert len(side["seeds"]) == 2
    for key in ("metrics", "comparison", "champion_reason", "baselines", "parity"):
        assert side[key] == in_turn[key], key
    strip = ("train_seconds",)
    runs = [[{k: v for k, v in r.items() if k not in strip} for r in rep["seeds"]] for rep in (side, in_turn)]
    assert runs[0] == runs[1]
    assert side["timings"]["side_wait"] <= side["timings"]["baselines"] + side["timings"]["eval_tflite"]


def test_ctrl_c_stops_a_run_with_one_line_and_status_130(tmp_path: Path) -> None:
    """SIGINT once the data is prepared (the baselines run beside the model stack's
    start): no traceback, no bundle, the shell's status for Ctrl-C."""
    import signal
    import time

    out = tmp_path / "o"
    proc = subprocess.Popen(
        [sys.executable, "-m", "cloud_trainer.cli", "train", "--dataset", "csv",
         "--interactions", str(GENERIC / "interactions.csv"), "--items", str(GENERIC / "items.csv"),
         "--out", str(out)],
        stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
        # A suite started in the background (`make test &`, nohup ... &) runs with SIGINT
        # ignored, and children inherit that: Python then installs no handler and the run
        # ignores the signal (rc 0). A shell's foreground job, which this test stands
        # for, has the default.
        preexec_fn=lambda: signal.signal(signal.SIGINT, signal.SIG_DFL))
    try:
        assert proc.stdout is not None
        for line in proc.stdout:
            if line.startswith("[prepare]"):
                break
        time.sleep(1.0)
        proc.send_signal(signal.SIGINT)
        _, stderr = proc.communicate(timeout=120)
    finally:
        proc.kill()
    assert proc.returncode == 130, stderr
    assert "Traceback" not in stderr, stderr
    # TensorFlow may log its own shutdown lines after ours, so not necessarily the last.
    assert "cloud-trainer: interrupted" in stderr.splitlines(), stderr
    assert not (out / "bundle").exists() and not (out / "report.json").exists()


def test_check_data_says_how_an_export_is_read_without_training(tmp_path: Path) -> None:
    """``check-data`` runs train's first steps (load, split, repeat decision) and stops:
    a bare ratings file is read by its values and the JSON last line says what was read;
    no TensorFlow is imported, and an unusable file is the same one-line error as train's."""
    rows = [f"u{u}\t{i}\t4\t{1_700_000_000 + 3600 * (u * 40 + i)}" for u in range(30) for i in range(40)]
    bare = tmp_path / "u.data"
    bare.write_text("\n".join(rows) + "\n")
    proc = subprocess.run(
        [sys.executable, "-c", "import sys; from cloud_trainer.cli import main; rc = main(sys.argv[1:]); "
         "print('tensorflow' in sys.modules, file=sys.stderr); sys.exit(rc)",
         "check-data", "--dataset", "csv", "--interactions", str(bare)],
        capture_output=True, text=True, timeout=120)
    assert proc.returncode == 0, proc.stderr
    assert proc.stderr.strip() == "False"  # no TensorFlow: seconds, not a training start-up
    lines = proc.stdout.strip().splitlines()
    assert any("columns read by their values: column 1 as user_id, 2 as item_id, 4 as timestamp" in ln
               for ln in lines)
    assert any(ln.startswith("[split] train ") for ln in lines)
    assert any(ln.startswith("[repeat] 0.0% of train target events") for ln in lines)
    result = json.loads(lines[-1])
    assert (result["rows_kept"], result["rows_skipped"], result["error_count"]) == (1200, 0, 0)
    assert result["repeat"]["exclude_history"] is True and result["real_context"] == ["hour", "weekday"]
    assert result["split"]["interactions"] == {"train": 960, "val": 120, "test": 120}
    assert not (tmp_path / "out").exists()
    # A till file without quantities writes a second unit as a second identical line: the
    # split leaves such duplicates out, and check-data says how many.
    doubled = tmp_path / "doubled.tsv"
    doubled.write_text("\n".join(rows + rows[:5]) + "\n")
    proc = subprocess.run([sys.executable, "-m", "cloud_trainer.cli", "check-data", "--dataset", "csv",
                           "--interactions", str(doubled)], capture_output=True, text=True, timeout=120)
    assert proc.returncode == 0, proc.stderr
    assert ("[split] 5 exact duplicate rows left out (same shopper, item, time, event, basket, quantity and price): "
            "where a file has no quantity column, that is how it lists a second unit") in proc.stdout
    # Nothing priced: the note says so ('prices from interactions' had been said of such files).
    assert "no items file: item metadata unknown, no price on any line (no price column read)" in proc.stdout
    # With a quantity column, a duplicate is no second unit, and the line does not say it is.
    counted = tmp_path / "counted.csv"
    counted.write_text("user_id,item_id,timestamp,quantity,price\n" + "\n".join(
        ",".join(r.split("\t")[:2] + [r.split("\t")[3], "2", "1.5"]) for r in rows + rows[:5]) + "\n")
    proc = subprocess.run([sys.executable, "-m", "cloud_trainer.cli", "check-data", "--dataset", "csv",
                           "--interactions", str(counted)], capture_output=True, text=True, timeout=120)
    assert ("[split] 5 exact duplicate rows left out (same shopper, item, time, event, basket, quantity and price)\n"
            in proc.stdout), proc.stdout
    assert "prices from interactions" in proc.stdout
    assert json.loads(proc.stdout.strip().splitlines()[-1])["split"]["duplicates_dropped"] == 5
    bad = tmp_path / "inter.csv"
    bad.write_text("user_id,item_id,timestamp\nu1,i1,not-a-time\n")
    proc = subprocess.run([sys.executable, "-m", "cloud_trainer.cli", "check-data", "--dataset", "csv",
                           "--interactions", str(bad)], capture_output=True, text=True, timeout=120)
    assert_one_line_error(proc, "no usable rows (1 read)")
    # The data options are checked as train checks them.
    proc = subprocess.run([sys.executable, "-m", "cloud_trainer.cli", "check-data", "--dataset", "csv",
                           "--interactions", str(bare), "--val-frac", "0.7"], capture_output=True, text=True,
                          timeout=120)
    assert_one_line_error(proc, "--val-frac and --test-frac must be between 0 and 0.5")


def test_check_data_reads_a_tmall_log_with_its_event_codes(tmp_path: Path) -> None:
    """Tmall's user_log: MMDD dates without a year and coded actions. Without
    --event-codes it is one line saying what to add; with it every row reads; a code
    that names no event is refused before anything is read, as train refuses it."""
    rng = np.random.default_rng(0)
    rows = [f"{u},{i},{i % 7},{i % 5},{i % 3},{rng.integers(5, 11):02d}{rng.integers(1, 29):02d},{rng.integers(0, 4)}"
            for u in range(40) for i in range(30)]
    log = tmp_path / "user_log_format1.csv"
    log.write_text("user_id,item_id,cat_id,seller_id,brand_id,time_stamp,action_type\n" + "\n".join(rows) + "\n")
    check = [sys.executable, "-m", "cloud_trainer.cli", "check-data", "--dataset", "csv", "--interactions", str(log)]
    proc = subprocess.run(check, capture_output=True, text=True, timeout=120)
    assert_one_line_error(proc, "numeric codes need --event-codes, e.g. 0=view,1=cart,2=purchase,3=favorite")
    proc = subprocess.run([*check, "--event-codes", "0=view,1=cart,2=purchase,3=favorite"],
                          capture_output=True, text=True, timeout=120)
    assert proc.returncode == 0, proc.stderr
    assert "column 'time_stamp' holds a month and day without a year" in proc.stdout
    assert "'cat_id' as category" in proc.stdout and "'brand_id' as brand" in proc.stdout
    result = json.loads(proc.stdout.strip().splitlines()[-1])
    assert (result["rows_kept"], result["error_count"]) == (1200, 0)
    assert result["real_context"] == []  # a made-up year's weekdays, and dates alone
    proc = subprocess.run([*check, "--event-codes", "0=click"], capture_output=True, text=True, timeout=120)
    assert proc.returncode == 2 and "'0=click': the event must be one of view, cart, purchase, favorite" in proc.stderr
    proc = subprocess.run([sys.executable, "-m", "cloud_trainer.cli", "check-data", "--dataset", "rees46",
                           "--data-dir", str(tmp_path), "--event-codes", "0=view"], capture_output=True, text=True,
                          timeout=120)
    assert_one_line_error(proc, "--event-codes is for --dataset csv; rees46 has its own event names")
