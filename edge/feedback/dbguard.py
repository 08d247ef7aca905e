"""Corrupt state database: detect it, move it aside, report it. Never delete it.

A store computer loses power, a card wears out, someone copies a file over
the database. The device must still start (it has shoppers to serve), but the
old file may hold feedback the cloud never received, so it is evidence, not
garbage: :func:`guard` renames it (and its ``-wal``/``-shm`` companions) to
``<name>.corrupt-<UTC timestamp>``, writes a JSON note next to it, logs an
error, and lets the caller create a fresh database. The count of files moved
aside is derived from the files themselves (:func:`quarantined`), so it
survives the fresh start and shows up in the device status.

The fresh outbox gets a new epoch, so its event ids cannot collide with the
old file's; the cloud sees a new sequence space for the device. The events
the old outbox still owed the cloud are read back from a copy of the
moved-aside file and sent under their own ids (:mod:`edge.feedback.salvage`);
only those on damaged pages stay behind, reported as the old epoch's open gap.
"""

from __future__ import annotations

import json
import logging
import sqlite3
import time
from dataclasses import asdict, dataclass
from pathlib import Path

log = logging.getLogger(__name__)

SQLITE_MAGIC = b"SQLite format 3\x00"


@dataclass(frozen=True)
class Quarantine:
    """One database moved aside."""

    original: str
    moved_to: list[str]
    reason: str
    ts: float


def check(db_path: Path) -> str | None:
    """Why ``db_path`` is unusable, or None if it is fine (or absent, or empty)."""
    if not db_path.exists() or db_path.stat().st_size == 0:
        return None
    with db_path.open("rb") as fh:
        header = fh.read(len(SQLITE_MAGIC))
    if header != SQLITE_MAGIC:
        return "not an SQLite database (bad header)"
    try:
        # Read-only URI: checking must never modify the evidence (no WAL replay into it).
        conn = sqlite3.connect(f"file:{db_path}?mode=ro", uri=True, timeout=30.0)
        try:
            rows = [r[0] for r in conn.execute("PRAGMA integrity_check(20)")]
        finally:
            conn.close()
    except sqlite3.DatabaseError as exc:
        return f"cannot open: {exc}"
    if rows != ["ok"]:
        return "integrity_check: " + "; ".join(rows)[:500]
    return None


def guard(db_path: Path | str) -> Quarantine | None:
    """Check the database before it is opened; move it aside if it is corrupt."""
    db_path = Path(db_path)
    reason = check(db_path)
    if reason is None:
        return None
    stamp = time.strftime("%Y%m%dT%H%M%SZ", time.gmtime())
    moved: list[str] = []
    for suffix in ("", "-wal", "-shm"):
        src = Path(f"{db_path}{suffix}")
        if not src.exists():
            continue
        dst = Path(f"{db_path}.corrupt-{stamp}{suffix}")
        n = 1
        while dst.exists():  # two corruptions within a second: never overwrite evidence
            dst = Path(f"{db_path}.corrupt-{stamp}.{n}{suffix}")
            n += 1
        src.rename(dst)
        moved.append(str(dst))
    q = Quarantine(original=str(db_path), moved_to=moved, reason=reason, ts=time.time())
    Path(f"{moved[0]}.json").write_text(json.dumps(asdict(q), indent=2))
    log.error("state database %s is corrupt (%s); moved aside to %s and starting fresh",
              db_path, reason, moved[0])
    return q


def quarantined(db_path: Path | str) -> list[Path]:
    """Database files moved aside so far (main files only), oldest first."""
    db_path = Path(db_path)
    return sorted(p for p in db_path.parent.glob(f"{db_path.name}.corrupt-*")
                  if not p.name.endswith(("-wal", "-shm", ".json")))


def status(db_path: Path | str) -> dict[str, object]:
    """What the device status should carry about quarantined databases."""
    files = quarantined(db_path)
    return {"corrupt_db_count": len(files), "corrupt_db_files": [p.name for p in files[-5:]]}
