"""``fleet users add NAME --role viewer|operator --config FILE``: console users.

The password comes from stdin when it is not a terminal (one line, for
scripts: ``printf '%s\\n' "$PW" | fleet users add ...``), else from a prompt
asked twice. It is never a command-line argument (those show in ``ps``).
"""

from __future__ import annotations

import argparse
import getpass
import sys
from pathlib import Path
from typing import Any

from fleet.console.auth import ROLES, UserError, add_user


def cmd_users_add(args: argparse.Namespace) -> int:
    from fleet.config import ConfigError, load_config
    from fleet.storage import StorageError, open_storage

    if sys.stdin.isatty():
        password = getpass.getpass(f"password for {args.name}: ")
        if getpass.getpass("again: ") != password:
            print("fleet: passwords differ; nothing changed", file=sys.stderr)
            return 1
    else:
        password = sys.stdin.readline().rstrip("\r\n")
    try:
        storage_url = args.storage or load_config(args.config).storage
        storage = open_storage(storage_url)
    except (ConfigError, StorageError) as exc:
        print(f"fleet: {exc}", file=sys.stderr)
        return 2
    try:
        add_user(storage, args.name, password, args.role)
    except UserError as exc:
        print(f"fleet: user {args.name!r} not saved: {exc}", file=sys.stderr)
        return 1
    finally:
        storage.close()
    print(f"user {args.name} ({args.role}) saved")
    return 0


def add_users_parser(sub: Any) -> None:
    users = sub.add_parser("users", help="console users").add_subparsers(dest="action", required=True)
    add = users.add_parser("add", help="create a console user (or reset its password and role)")
    add.add_argument("name")
    add.add_argument("--role", required=True, choices=ROLES)
    where = add.add_mutually_exclusive_group(required=True)
    where.add_argument("--config", type=Path, help="service config (its storage)")
    where.add_argument("--storage", help="storage URL, without --config")
    add.set_defaults(func=cmd_users_add)
