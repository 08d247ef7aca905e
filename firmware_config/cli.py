"""``firmware-config``: validate device config files and print the JSON schema."""

from __future__ import annotations

import argparse
import json
import sys

from firmware_config.checks import runtime_errors
from firmware_config.loader import ConfigError, load_config
from firmware_config.schema import DeviceConfig


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="firmware-config", description=__doc__)
    sub = parser.add_subparsers(dest="command", required=True)
    validate = sub.add_parser("validate", help="check one or more config files; prints every error")
    validate.add_argument("files", nargs="+", metavar="FILE")
    validate.add_argument(
        "--schema-only", action="store_true",
        help="check the file only, not this machine (bundle, database folder, TLS files): "
             "for a config written for another device",
    )
    sub.add_parser("schema", help="print the JSON schema of the device config")
    args = parser.parse_args(argv)

    if args.command == "schema":
        print(json.dumps(DeviceConfig.model_json_schema(), indent=2))
        return 0

    failed = 0
    for file in args.files:
        try:
            config = load_config(file)
            problems = [] if args.schema_only else runtime_errors(config, file)
        except ConfigError as exc:
            failed += 1
            for line in exc.errors:
                print(line, file=sys.stderr)
            continue
        except Exception as exc:  # a checker bug: one line naming the file, never a traceback
            failed += 1
            print(f"{file}: internal error while validating: {type(exc).__name__}: {str(exc)[:200]}",
                  file=sys.stderr)
            continue
        if problems:
            failed += 1
            for line in problems:
                print(line, file=sys.stderr)
            continue
        print(
            f"{file}: ok (device {config.device_id}, store {config.store_id}, "
            f"{len(config.zones)} zones, {len(config.displays)} displays)"
        )
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
