"""``cloud-trainer``: train a model bundle from a retailer's data.

    cloud-trainer train --dataset completejourney --data-dir ../shared/data/completejourney --out out/cj
    cloud-trainer train --dataset rees46 --data-dir ../shared/data/rees46 --out out/rees46
    cloud-trainer train --dataset csv --interactions I.csv --items ITEMS.csv [--users U.csv] --out out/x

Input problems end with one line on stderr and exit status 2; a failed int8
parity gate exits 3 after writing the report (and no bundle).
"""

from __future__ import annotations

import argparse
import os
import sys
import time
from pathlib import Path

EXIT_DATA = 2
EXIT_PARITY = 3


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="cloud-trainer", description=__doc__.split("\n")[0])
    sub = parser.add_subparsers(dest="command", required=True)
    train = sub.add_parser("train", help="load, train, evaluate, export and bundle")
    train.add_argument("--dataset", required=True, choices=("completejourney", "rees46", "csv"))
    train.add_argument("--data-dir", type=Path, help="directory of a completejourney / rees46 export")
    train.add_argument("--interactions", type=Path, help="generic-schema interactions CSV (--dataset csv)")
    train.add_argument("--items", type=Path, help="generic-schema items CSV (--dataset csv)")
    train.add_argument("--users", type=Path, help="optional generic-schema users CSV (--dataset csv)")
    train.add_argument("--out", type=Path, required=True, help="output directory (report, models, bundle)")
    train.add_argument("--seed", type=int, default=42)
    train.add_argument("--epochs", type=int, help="maximum training epochs (default: the model's)")
    train.add_argument("--time-budget", type=float, dest="time_budget_s",
                       help="seconds of model training after which no new epoch starts")
    train.add_argument("--val-frac", type=float, default=0.1,
                       help="share of interactions (latest before test) for validation")
    train.add_argument("--test-frac", type=float, default=0.1,
                       help="share of interactions (latest) for test")
    train.add_argument("--parity-tolerance", type=float, default=0.01,
                       help="largest relative Recall@20 drop int8 may have against float")
    train.add_argument("--feedback-warehouse", type=Path,
                       help="feedback warehouse (SQLite, from python -m cloud_trainer.ingest) to learn from")
    train.add_argument("--quick", action="store_true",
                       help="smoke run: 2 epochs, untuned TIFU-KNN (numbers not meaningful)")
    return parser


def main(argv: list[str] | None = None) -> int:
    started = time.perf_counter()
    args = build_parser().parse_args(argv)
    os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")  # TensorFlow's C++ start-up chatter
    from cloud_trainer.data import DataError
    from cloud_trainer.pipeline import ParityFailed, TrainOptions, run_train

    if args.dataset == "csv" and args.data_dir is not None:
        return _fail("--dataset csv reads --interactions/--items/--users, not --data-dir")
    if not 0 < args.val_frac < 0.5 or not 0 < args.test_frac < 0.5:
        return _fail("--val-frac and --test-frac must be between 0 and 0.5")
    opts = TrainOptions(
        dataset=args.dataset,
        out=args.out,
        data_dir=args.data_dir,
        interactions=args.interactions,
        items=args.items,
        users=args.users,
        seed=args.seed,
        epochs=args.epochs,
        time_budget_s=args.time_budget_s,
        quick=args.quick,
        val_frac=args.val_frac,
        test_frac=args.test_frac,
        parity_tolerance=args.parity_tolerance,
        feedback_warehouse=args.feedback_warehouse,
        command=["cloud-trainer", *(argv if argv is not None else sys.argv[1:])],
        started=started,
    )
    try:
        run_train(opts, log=lambda line: print(line, flush=True))
    except DataError as exc:
        return _fail(str(exc))
    except ParityFailed as exc:
        print(f"cloud-trainer: {exc}", file=sys.stderr)
        return EXIT_PARITY
    except OSError as exc:  # e.g. --out not writable
        return _fail(f"{exc.filename or ''}: {exc.strerror or exc}".lstrip(": "))
    return 0


def _fail(message: str) -> int:
    print(f"cloud-trainer: error: {message}", file=sys.stderr)
    return EXIT_DATA


if __name__ == "__main__":
    sys.exit(main())
