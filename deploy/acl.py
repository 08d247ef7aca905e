"""Generate the brokers' ACL files (and the loopback password file) from the topic contract.

    python -m deploy.acl store [--config DEVICE.toml] > deploy/mosquitto/acl
    python -m deploy.acl cloud [--config DEVICE.toml ...] > deploy/mosquitto/cloud-acl
    python -m deploy.acl passwd --config DEVICE.toml --out DIR

The rights come from :mod:`edge.comms.acl`, which derives them from
:mod:`edge.comms.topics`; the committed ``deploy/mosquitto/acl`` and
``cloud-acl`` are this output for the example store
(``firmware_config/examples/demo-store.toml``), and ``tests/test_acl.py`` fails
when they differ. A real store generates its own from its device config.

``passwd`` writes ``DIR/passwd`` (Mosquitto's password file, PBKDF2-SHA512
hashes, for the loopback listener) and ``DIR/<username>.password`` (mode 0600)
for every process that runs on the edge box itself (the device, a standalone
feedback sender, the camera, the local monitor); put the username and the
password in that process's ``[broker]`` section. Existing passwords are kept.
"""

from __future__ import annotations

import argparse
import base64
import hashlib
import os
import secrets
import sys
from collections.abc import Sequence
from pathlib import Path

from edge.comms.acl import (
    Grant,
    Identity,
    StoreLayout,
    contract_topics,
    identities,
    render_mosquitto_acl,
)
from edge.comms.topics import TopicTree

REPO = Path(__file__).resolve().parents[1]
EXAMPLE_CONFIG = REPO / "firmware_config" / "examples" / "demo-store.toml"
INGEST_WORKERS = ("ingest-1", "ingest-2")

STORE_HEADER = (
    "ACL of the store broker (deploy/mosquitto/store-broker.conf). GENERATED: do not edit;",
    "run  python -m deploy.acl store --config DEVICE.toml  (see docs/security.md).",
    "",
    "Usernames are certificate CNs on the TLS listener (use_identity_as_username) and",
    "password-file users on the loopback listener. One user block per identity, no",
    "pattern lines (a pattern applies to every client). A CN listed nowhere gets nothing.",
    "The broker's own bridge connection is internal to Mosquitto and not subject to this file.",
)
CLOUD_HEADER = (
    "ACL of the cloud broker (deploy/mosquitto/cloud-broker.conf). GENERATED: do not edit;",
    "run  python -m deploy.acl cloud --config DEVICE.toml ...  (see docs/security.md).",
    "",
    "Each store's bridge (CN store-<store>-bridge) may only publish its own store's",
    "feedback and read its own store's acks and desired states; ingest workers read",
    "all feedback and write the acks; the fleet service writes desired states.",
)


def load_layouts(paths: Sequence[Path]) -> list[StoreLayout]:
    from firmware_config.loader import ConfigError, load_config

    layouts = []
    for path in paths:
        try:
            layouts.append(StoreLayout.from_config(load_config(path)))
        except ConfigError as exc:
            raise SystemExit(str(exc)) from None
    return layouts


def store_acl(layout: StoreLayout) -> str:
    return render_mosquitto_acl(identities(layout), header=STORE_HEADER)


def matrix_markdown(layout: StoreLayout) -> str:
    """The contract's rights table for docs/security.md: one column per role (its
    first identity), one row per contract topic; r = may read, w = may write."""
    idents = identities(layout)
    cols: list[Identity] = []
    for ident in idents:
        if ident.role not in {c.role for c in cols}:
            cols.append(ident)
    head = ["topic", *(c.role for c in cols), "stranger"]
    lines = ["| " + " | ".join(head) + " |", "|" + "---|" * len(head)]
    for name, topic in contract_topics(layout):
        cells = []
        for c in cols:
            cell = ("r" if c.may("read", topic) else "") + ("w" if c.may("write", topic) else "")
            cells.append(cell or "-")
        lines.append(f"| `{name}` `{topic}` | " + " | ".join(cells) + " | - |")
    lines.append("")
    lines.append("Identities: " + ", ".join(f"{c.role} = `{c.username}`" for c in cols)
                 + "; stranger = any other certificate of the store CA.")
    return "\n".join(lines) + "\n"


def cloud_identities(layouts: Sequence[StoreLayout]) -> list[Identity]:
    out = []
    for layout in layouts:
        tree = TopicTree(layout.store_id, "+", layout.prefix)
        out.append(Identity("bridge", f"store-{layout.store_id}-bridge", (
            Grant("write", tree.feedback), Grant("read", tree.feedback_ack), Grant("read", tree.desired),
        )))
    every = TopicTree("+", "+", layouts[0].prefix if layouts else "store")
    for worker in INGEST_WORKERS:
        out.append(Identity("ingest", worker, (
            Grant("read", f"$share/ingest/{every.feedback}"), Grant("read", every.feedback),
            Grant("write", every.feedback_ack),
        )))
    out.append(Identity("console", "fleet-console", (Grant("write", every.desired),)))
    return out


def cloud_acl(layouts: Sequence[StoreLayout]) -> str:
    return render_mosquitto_acl(cloud_identities(layouts), header=CLOUD_HEADER)


def mosquitto_password_hash(password: str, *, salt: bytes | None = None, iterations: int = 101) -> str:
    """Mosquitto 2.0's ``$7$`` format: PBKDF2-HMAC-SHA512 (what ``mosquitto_passwd`` writes)."""
    salt = salt if salt is not None else secrets.token_bytes(12)
    digest = hashlib.pbkdf2_hmac("sha512", password.encode(), salt, iterations, dklen=64)
    return f"$7${iterations}${base64.b64encode(salt).decode()}${base64.b64encode(digest).decode()}"


def write_password_file(layout: StoreLayout, out_dir: Path) -> dict[str, str]:
    """Loopback credentials of every local identity; returns {username: password}."""
    out_dir.mkdir(parents=True, exist_ok=True)
    creds: dict[str, str] = {}
    for ident in identities(layout):
        if not ident.local:
            continue
        pw_file = out_dir / f"{ident.username}.password"
        if pw_file.exists():
            password = pw_file.read_text().strip()
        else:
            password = secrets.token_urlsafe(24)
            fd = os.open(pw_file, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
            with os.fdopen(fd, "w") as fh:
                fh.write(password + "\n")
        creds[ident.username] = password
    lines = [f"{user}:{mosquitto_password_hash(pw)}" for user, pw in creds.items()]
    tmp = out_dir / "passwd.tmp"
    fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o640)
    with os.fdopen(fd, "w") as fh:
        fh.write("\n".join(lines) + "\n")
    os.replace(tmp, out_dir / "passwd")
    return creds


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m deploy.acl", description=__doc__.split("\n")[0])
    sub = parser.add_subparsers(dest="command", required=True)
    st = sub.add_parser("store", help="print the store broker's acl_file")
    st.add_argument("--config", type=Path, default=EXAMPLE_CONFIG)
    cl = sub.add_parser("cloud", help="print the cloud broker's acl_file")
    cl.add_argument("--config", type=Path, action="append", help="one device config per store (repeatable)")
    mx = sub.add_parser("matrix", help="print the rights table (markdown) for docs/security.md")
    mx.add_argument("--config", type=Path, default=EXAMPLE_CONFIG)
    pw = sub.add_parser("passwd", help="write the loopback password file and per-process passwords")
    pw.add_argument("--config", type=Path, required=True)
    pw.add_argument("--out", type=Path, required=True)
    args = parser.parse_args(argv)
    if args.command == "store":
        sys.stdout.write(store_acl(load_layouts([args.config])[0]))
    elif args.command == "matrix":
        sys.stdout.write(matrix_markdown(load_layouts([args.config])[0]))
    elif args.command == "cloud":
        sys.stdout.write(cloud_acl(load_layouts(args.config or [EXAMPLE_CONFIG])))
    else:
        creds = write_password_file(load_layouts([args.config])[0], args.out)
        print(f"{args.out / 'passwd'}: {len(creds)} loopback users ({', '.join(creds)}); "
              f"passwords in {args.out}/<user>.password (0600)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
