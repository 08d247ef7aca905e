"""``cloud-trainer``: train a model bundle from a retailer's data.

    cloud-trainer train --dataset completejourney --data-dir ../shared/data/completejourney --out out/cj
    cloud-trainer train --dataset rees46 --data-dir ../shared/data/rees46 --out out/rees46
    cloud-trainer train --dataset csv --interactions I.csv --items ITEMS.csv [--users U.csv] --out out/x
    cloud-trainer check-data --dataset csv --interactions I.csv ...   (how it is read; seconds, no training)
    cloud-trainer keys generate --out keys/            (keys/signing.key, keys/signing.pub)
    cloud-trainer sign out/cj/bundle --signing-key keys/signing.key

Input problems end with one line on stderr and exit status 2. An int8 network
that fails the parity gate on every seed is never shipped: by default the bundle
runs the best baseline on validation instead (the report says so);
``--parity-failure refuse`` exits 3 after writing the report (and no bundle).
"""

from __future__ import annotations

import argparse
import os
import sys
import time
from pathlib import Path

EXIT_DATA = 2
EXIT_PARITY = 3
EXIT_INTERRUPTED = 130
"""128 + SIGINT, what a shell reports for a command stopped by Ctrl-C."""


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="cloud-trainer", description=__doc__.split("\n")[0])
    sub = parser.add_subparsers(dest="command", required=True)
    train = sub.add_parser("train", help="load, train, evaluate, export and bundle")
    check = sub.add_parser("check-data", help="read an export as 'train' would, print how (columns, notes, "
                                              "bad rows, split, repeat decision) and stop: seconds, no training")
    for p in (train, check):
        p.add_argument("--dataset", required=True, choices=("completejourney", "rees46", "csv"))
        p.add_argument("--data-dir", type=Path, help="directory of a completejourney / rees46 export")
        p.add_argument("--interactions", type=Path, help="generic-schema interactions CSV (--dataset csv)")
        p.add_argument("--items", type=Path, help="generic-schema items CSV (--dataset csv)")
        p.add_argument("--users", type=Path, help="optional generic-schema users CSV (--dataset csv)")
        p.add_argument("--event-codes", type=_event_codes, metavar="CODE=EVENT,...",
                       help="what a coded event column means, e.g. 0=view,1=cart,2=purchase,3=favorite "
                            "(Tmall's action_type); events: view, cart, purchase, favorite, or none for "
                            "no action (remove_from_cart=none: those lines left out) (--dataset csv)")
        p.add_argument("--targets", choices=("auto", "purchase", "all"), default="auto",
                       help="which events are predicted and judged: purchase, all (views, carts, "
                            "favourites too), or auto: purchases where they are at least 20%% of train "
                            "events, else all (default; the log's [targets] line says why)")
        p.add_argument("--timezone", type=_timezone, metavar="ZONE",
                       help="the store's IANA time zone, e.g. Asia/Shanghai: times written as instants (Unix "
                            "time, 'Z', 'UTC') are read as its wall clock, which hour and weekday context "
                            "are (default: left in UTC, with a note) (--dataset csv)")
        p.add_argument("--max-lines", type=_max_lines, metavar="N",
                       help="an export with more lines is read as a sample of whole shoppers (a hash of "
                            "the id, the same every run) of about N lines; 0 = every line (default: what "
                            "this machine's free memory holds, 1.65 KB + 5 bytes a character a line)")
        p.add_argument("--val-frac", type=float, default=0.1,
                       help="share of interactions (latest before test) for validation; of the named "
                            "shoppers' interactions where a file also has anonymous baskets")
        p.add_argument("--test-frac", type=float, default=0.1,
                       help="share of interactions (latest) for test")
    train.add_argument("--out", type=Path, required=True, help="output directory (report, models, bundle)")
    train.add_argument("--seed", type=int, default=42)
    train.add_argument("--seeds", type=int, default=3,
                       help="model fits (seeds SEED, SEED+1, ...); the best on validation ships, "
                            "all are reported (default 3; --quick trains 1)")
    train.add_argument("--epochs", type=int, help="maximum training epochs instead of the model's fixed step count (early stopping still applies)")
    train.add_argument("--time-budget", type=float, dest="time_budget_s",
                       help="optional: seconds of model training after which no new epoch starts (default none: "
                            "a wall-clock cap makes the model depend on the machine's load)")
    train.add_argument("--cross-time", type=int, nargs="?", const=1, default=0, metavar="PERIODS",
                       help="leave the test window out and shift the split one period back (or "
                            "PERIODS back): the report's 'test' is then the real validation window, "
                            "or an earlier one (for choosing settings without test data)")
    train.add_argument("--parity-tolerance", type=float, default=0.01,
                       help="largest relative Recall@20 drop int8 may have against float")
    train.add_argument("--parity-failure", choices=("baseline", "refuse"), default="baseline",
                       help="when int8 fails the gate on every seed: ship the best baseline (default) "
                            "or write the report only and exit 3")
    train.add_argument("--feedback-warehouse",
                       help="feedback warehouse to learn from (python -m cloud_trainer.ingest): "
                            "sqlite:///path/wh.db or a path, or postgresql://user@host:port/db")
    train.add_argument("--quick", action="store_true",
                       help="smoke run: 2 epochs, untuned TIFU-KNN (numbers not meaningful)")
    train.add_argument("--signing-key", type=Path,
                       help="Ed25519 private key (PEM, from 'keys generate') that signs the bundle")
    keys = sub.add_parser("keys", help="manage bundle signing keys")
    keys_sub = keys.add_subparsers(dest="keys_command", required=True)
    gen = keys_sub.add_parser("generate", help="write DIR/signing.key (0600) and DIR/signing.pub")
    gen.add_argument("--out", type=Path, required=True, help="directory for the key pair")
    sign = sub.add_parser("sign", help="sign an existing bundle directory (and re-pack DIR.tar.gz if present)")
    sign.add_argument("bundle", type=Path, help="bundle directory (OUT/bundle)")
    sign.add_argument("--signing-key", type=Path, required=True, help="Ed25519 private key (PEM)")
    return parser


def main(argv: list[str] | None = None) -> int:
    started = time.perf_counter()
    args = build_parser().parse_args(argv)
    if args.command == "keys":
        return _keys(args)
    if args.command == "sign":
        return _sign(args)
    if args.command == "check-data":
        return _check_data(args)
    if args.signing_key is not None:
        # Checked before minutes of training, not after.
        from edge.bundle import BundleError, load_private_key

        try:
            load_private_key(args.signing_key)
        except BundleError as exc:
            return _fail(str(exc))
    os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")  # TensorFlow's C++ start-up chatter
    from cloud_trainer.data import DataError
    from cloud_trainer.pipeline import ParityFailed, TrainOptions, run_train

    if (problem := _data_args_problem(args)) is not None:
        return _fail(problem)
    if args.cross_time < 0:
        return _fail("--cross-time takes a number of periods >= 0")
    opts = TrainOptions(
        dataset=args.dataset,
        out=args.out,
        data_dir=args.data_dir,
        interactions=args.interactions,
        items=args.items,
        users=args.users,
        event_codes=args.event_codes,
        timezone=args.timezone,
        targets=args.targets,
        max_lines=args.max_lines,
        seed=args.seed,
        seeds=args.seeds,
        epochs=args.epochs,
        time_budget_s=args.time_budget_s,
        quick=args.quick,
        val_frac=args.val_frac,
        test_frac=args.test_frac,
        cross_time=args.cross_time,
        parity_tolerance=args.parity_tolerance,
        parity_failure=args.parity_failure,
        feedback_warehouse=args.feedback_warehouse,
        signing_key=args.signing_key,
        command=["cloud-trainer", *(argv if argv is not None else sys.argv[1:])],
        started=started,
    )
    try:
        report = run_train(opts, log=lambda line: print(line, flush=True))
    except DataError as exc:
        return _fail(str(exc))
    except ParityFailed as exc:
        print(f"cloud-trainer: {exc}", file=sys.stderr)
        return EXIT_PARITY
    except OSError as exc:  # e.g. --out not writable
        return _fail(f"{exc.filename or ''}: {exc.strerror or exc}".lstrip(": "))
    except KeyboardInterrupt:
        # Not a traceback: the run stopped on request (the side thread's queued work is
        # dropped, cloud_trainer.side_thread).
        print("cloud-trainer: interrupted", file=sys.stderr)
        return EXIT_INTERRUPTED
    parity = report.get("parity", {})
    if parity.get("network_refused"):
        # Exit 0 (a bundle shipped), but a pipeline watching stderr must see that the
        # network itself was refused.
        print(f"cloud-trainer: PARITY GATE: the int8 network is refused for every seed; the bundle "
              f"runs {report['champion']['description']}, which does not use it", file=sys.stderr)
    return 0


def _max_lines(text: str) -> int:
    try:
        value = int(text.replace("_", "").replace(",", ""))
    except ValueError:
        raise argparse.ArgumentTypeError(f"a whole number of lines, not {text!r}") from None
    if value < 0:
        raise argparse.ArgumentTypeError(f"a number of lines >= 0 (0 = every line), not {text}")
    return value


def _timezone(text: str) -> str:
    from cloud_trainer.data import DataError
    from cloud_trainer.data.schema import parse_timezone

    try:
        return parse_timezone(text)
    except DataError as exc:
        raise argparse.ArgumentTypeError(str(exc).removeprefix("--timezone: ")) from exc


def _event_codes(text: str) -> dict[str, str]:
    from cloud_trainer.data.schema import parse_event_codes

    try:
        return parse_event_codes(text)
    except ValueError as exc:
        raise argparse.ArgumentTypeError(str(exc).removeprefix("--event-codes: ")) from exc


def _data_args_problem(args: argparse.Namespace) -> str | None:
    """What is wrong with the data options ``train`` and ``check-data`` share, if anything."""
    if args.dataset == "csv" and args.data_dir is not None:
        return "--dataset csv reads --interactions/--items/--users, not --data-dir"
    if not 0 < args.val_frac < 0.5 or not 0 < args.test_frac < 0.5:
        return "--val-frac and --test-frac must be between 0 and 0.5"
    return None


def _check_data(args: argparse.Namespace) -> int:
    import json

    from cloud_trainer.check_data import check_data
    from cloud_trainer.data import DataError

    if (problem := _data_args_problem(args)) is not None:
        return _fail(problem)
    try:
        result = check_data(args.dataset, data_dir=args.data_dir, interactions=args.interactions,
                            items=args.items, users=args.users, event_codes=args.event_codes,
                            timezone=args.timezone, targets=args.targets, max_lines=args.max_lines, val_frac=args.val_frac,
                            test_frac=args.test_frac, log=lambda line: print(line, flush=True))
    except DataError as exc:
        return _fail(str(exc))
    print(json.dumps(result, default=str))
    return 0


def _keys(args: argparse.Namespace) -> int:
    from edge.bundle import PRIVATE_KEY_FILE, PUBLIC_KEY_FILE, generate_keypair

    try:
        key_id = generate_keypair(args.out)
    except OSError as exc:
        return _fail(str(exc))
    print(f"key {key_id}: private {args.out / PRIVATE_KEY_FILE} (keep it off devices), "
          f"public {args.out / PUBLIC_KEY_FILE} (list it in the devices' trusted keys)")
    return 0


def _sign(args: argparse.Namespace) -> int:
    from edge.bundle import BundleError, pack_bundle, sign_bundle

    bundle = args.bundle
    try:
        key_id = sign_bundle(bundle, args.signing_key)
        tarball = bundle.with_name(bundle.name + ".tar.gz")
        if tarball.is_file():
            pack_bundle(bundle, tarball)
    except BundleError as exc:
        return _fail(str(exc))
    except OSError as exc:
        return _fail(f"{exc.filename or bundle}: {exc.strerror or exc}")
    print(f"{bundle}: signed by key {key_id}")
    return 0


def _fail(message: str) -> int:
    print(f"cloud-trainer: error: {message}", file=sys.stderr)
    return EXIT_DATA


if __name__ == "__main__":
    sys.exit(main())
