"""Versioned model slots on the device's disk, and which one boots.

Layout, all under the OTA state directory (``[ota] state_dir``) and nowhere else::

    state_dir/
      slots.json          the pointer: current, previous, probation, boots since the swap
      bundles/<version>/  one verified, extracted bundle per version (current, previous, ...)
      staging/            downloads (``<sha256>.part``) and extractions in progress

Power loss may strike between any two system calls, so every step leaves a
state the next boot can use:

* a slot directory is complete (files fsynced, then renamed into ``bundles/``)
  before the pointer ever names it;
* the pointer is replaced atomically (write a temporary file, fsync, rename,
  fsync the directory): a boot reads either the old or the new pointer;
* a boot verifies the slot it is about to serve (hashes and signature) and
  falls back to the previous slot, then to the configured bundle, then to
  popularity (:meth:`Slots.select`);
* restarts shortly after a swap are counted in the pointer
  (:meth:`Slots.record_boot`): N of them within M seconds mean the new model
  crash-loops the process, and the previous slot boots instead.
"""

from __future__ import annotations

import json
import logging
import os
import re
import shutil
import time
from collections.abc import Callable
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import TypeVar

log = logging.getLogger(__name__)

POINTER = "slots.json"
BUNDLES = "bundles"
STAGING = "staging"

VERSION_RE = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_.\-]{0,127}$")
"""A model version names a directory: no separators, no leading dot, bounded."""

T = TypeVar("T")


class SlotError(Exception):
    """A version that cannot name a slot, or a slot that cannot be installed."""


def valid_version(version: str) -> bool:
    return bool(VERSION_RE.match(version)) and ".." not in version


@dataclass
class SlotState:
    """The pointer file's content."""

    current: str | None = None
    previous: str | None = None
    probation: bool = False
    """The current slot was swapped in and has not yet passed its probation."""
    swapped_at: float | None = None
    boots: list[float] = field(default_factory=list)
    """Process starts (Unix time) since the swap, while on probation."""
    rejected: dict[str, str] = field(default_factory=dict)
    """Version -> why it was rolled back or refused at boot (kept for the status)."""
    last_event: str | None = None
    """The last rollback or fallback and its reason, for the status after a restart."""
    configured: str | None = None
    """Version of the configured ``[model]`` bundle the first swap replaced: what a
    rollback with no previous slot boots (it is not copied into a slot)."""

    @classmethod
    def from_json(cls, data: dict) -> SlotState:
        return cls(
            current=data.get("current"),
            previous=data.get("previous"),
            probation=bool(data.get("probation", False)),
            swapped_at=data.get("swapped_at"),
            boots=[float(b) for b in data.get("boots", [])],
            rejected={str(k): str(v) for k, v in (data.get("rejected") or {}).items()},
            last_event=data.get("last_event"),
            configured=data.get("configured"),
        )


def fsync_dir(path: Path) -> None:
    """Make a rename or a new entry in ``path`` durable."""
    try:
        fd = os.open(path, os.O_RDONLY)
    except OSError:
        return
    try:
        os.fsync(fd)
    except OSError:  # some file systems refuse fsync on a directory; rename is still atomic
        pass
    finally:
        os.close(fd)


def atomic_write(path: Path, data: bytes) -> None:
    """Replace ``path`` with ``data`` so a crash leaves either the old or the new file."""
    tmp = path.with_name(f".{path.name}.{os.getpid()}.tmp")
    with open(tmp, "wb") as fh:
        fh.write(data)
        fh.flush()
        os.fsync(fh.fileno())
    os.replace(tmp, path)
    fsync_dir(path.parent)


def fsync_tree(root: Path) -> None:
    """fsync every file and directory under ``root`` (before it is renamed into place)."""
    for dirpath, _dirs, files in os.walk(root):
        for name in files:
            with open(Path(dirpath) / name, "rb") as fh:
                os.fsync(fh.fileno())
        fsync_dir(Path(dirpath))


class Slots:
    """The slot directory of one device (see the module docstring)."""

    def __init__(self, state_dir: Path, *, keep: int = 2) -> None:
        self.root = Path(state_dir).resolve()
        self.bundles = self.root / BUNDLES
        self.staging = self.root / STAGING
        self.pointer = self.root / POINTER
        self.keep = max(2, keep)
        for d in (self.root, self.bundles, self.staging):
            d.mkdir(parents=True, exist_ok=True)

    # ---- the pointer --------------------------------------------------------------

    def read(self) -> SlotState:
        try:
            data = json.loads(self.pointer.read_text(encoding="utf-8"))
        except FileNotFoundError:
            return SlotState()
        except (OSError, ValueError) as exc:
            # Written atomically, so this is disk damage, not a torn write: boot
            # from whatever verifies (select() falls back) rather than not at all.
            log.error("%s unreadable (%s): starting with no slot pointer", self.pointer, exc)
            return SlotState()
        if not isinstance(data, dict):
            return SlotState()
        return SlotState.from_json(data)

    def write(self, state: SlotState) -> None:
        atomic_write(self.pointer, (json.dumps(asdict(state), indent=1) + "\n").encode())

    # ---- slots ------------------------------------------------------------------------

    def path(self, version: str) -> Path:
        """The slot directory of ``version``; refuses any name that could leave ``bundles/``."""
        if not valid_version(version):
            raise SlotError(f"model_version {version!r}: not a valid slot name")
        path = (self.bundles / version).resolve()
        if path.parent != self.bundles:
            raise SlotError(f"model_version {version!r}: slot would be outside {self.bundles}")
        return path

    def has(self, version: str) -> bool:
        try:
            return (self.path(version) / "manifest.json").is_file()
        except SlotError:
            return False

    def staging_dir(self, name: str) -> Path:
        """A fresh directory in the staging area (removed first if a crash left it)."""
        path = self.staging / name
        if path.exists():
            shutil.rmtree(path, ignore_errors=True)
        path.mkdir(parents=True)
        return path

    def install(self, version: str, extracted: Path) -> Path:
        """Move a verified, extracted bundle from staging into its slot, durably.

        ``extracted`` must be on the same file system (it is under ``staging/``),
        so the final step is one atomic rename."""
        target = self.path(version)
        extracted = Path(extracted).resolve()
        if self.staging not in extracted.parents:
            raise SlotError(f"{extracted}: not in the staging area {self.staging}")
        fsync_tree(extracted)
        if target.exists():
            # Same version again (re-delivery, or a crash after the rename last
            # time): the content is verified either way; replace it whole.
            trash = self.staging / f".old-{version}-{os.getpid()}"
            os.replace(target, trash)
            shutil.rmtree(trash, ignore_errors=True)
        os.replace(extracted, target)
        fsync_dir(self.bundles)
        return target

    # ---- transitions ----------------------------------------------------------------------

    def commit_swap(self, version: str, now: float | None = None, *,
                    replacing: str | None = None) -> SlotState:
        """The new version serves from now on; the old current becomes previous.
        ``replacing``: the version serving now when it is not from a slot."""
        self.path(version)
        state = self.read()
        if state.current is None and replacing is not None:
            state.configured = replacing
        if state.current != version:
            state.previous = state.current
        state.current = version
        state.probation = True
        state.swapped_at = now if now is not None else time.time()
        state.boots = []
        state.rejected.pop(version, None)
        self.write(state)
        return state

    def confirm(self, version: str) -> SlotState:
        """Probation passed: ``version`` is the active model; prune old slots."""
        state = self.read()
        if state.current == version:
            state.probation = False
            state.boots = []
            self.write(state)
            self.prune(state)
        return state

    def rollback(self, reason: str) -> SlotState:
        """The current slot failed: the previous one becomes current (no previous left)."""
        state = self.read()
        bad = state.current
        if bad is not None:
            state.rejected[bad] = reason
        state.current, state.previous = state.previous, None
        state.probation = False
        state.swapped_at = None
        state.boots = []
        state.last_event = f"rolled back {bad}: {reason}"
        self.write(state)
        return state

    def record_boot(self, *, boots: int, window_s: float, now: float | None = None) -> str | None:
        """Count this process start; if the swapped-in model crash-loops, roll it
        back and return the reason (None otherwise)."""
        now = now if now is not None else time.time()
        state = self.read()
        if not state.probation or state.swapped_at is None:
            return None
        if now - state.swapped_at > window_s:
            return None  # restarts long after the swap are not the model's doing
        state.boots.append(now)
        if len(state.boots) >= boots:
            reason = (f"crash_loop: {len(state.boots)} restarts within "
                      f"{now - state.swapped_at:.0f}s of the swap to {state.current}")
            log.error("%s: booting the previous slot %s", reason, state.previous)
            self.rollback(reason)
            return reason
        self.write(state)
        return None

    def select(self, load: Callable[[Path], T]) -> tuple[str, T] | None:
        """The first slot that loads and verifies: current, else previous.

        ``load`` verifies and loads a slot (raises on any problem). A current
        slot that fails is rolled back with the reason, so the pointer always
        names what actually serves."""
        for _ in range(2):
            state = self.read()
            if state.current is None:
                return None
            try:
                return state.current, load(self.path(state.current))
            except Exception as exc:  # any failure: this slot cannot serve
                reason = f"invalid_slot: {str(exc)[:200]}"
                log.error("slot %s does not verify (%s): falling back", state.current, reason)
                self.rollback(reason)
        return None

    def prune(self, state: SlotState | None = None) -> list[str]:
        """Remove slots other than current and previous (beyond ``keep``), and
        leftovers in staging that are not a resumable download."""
        state = state or self.read()
        keep = {v for v in (state.current, state.previous) if v}
        others = sorted(
            (p for p in self.bundles.iterdir() if p.is_dir() and p.name not in keep),
            key=lambda p: p.stat().st_mtime, reverse=True,
        )
        removed = []
        for p in others[max(0, self.keep - len(keep)):]:
            shutil.rmtree(p, ignore_errors=True)
            removed.append(p.name)
        for p in self.staging.iterdir():
            if p.is_dir():
                shutil.rmtree(p, ignore_errors=True)
        return removed
