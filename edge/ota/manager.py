"""The device's OTA part: desired state in, a verified model swapped in, health-checked.

State machine (reported in ``status.detail.ota.state``)::

    idle ─desired─► downloading ─► verifying ─► smoke_testing ─► probation ─► active
                        │              │              │              │
                        └──────────────┴──────────────┴─► refused    └─► rolled_back

* **downloading**: resumable, bounded by the desired ``size`` and
  ``[ota] max_bundle_bytes``, into ``staging/<sha256>.part`` (a restart resumes it);
* **verifying**: size, sha256, archive, signature, manifest hashes, anti-downgrade
  (:mod:`edge.ota.verify`); the bundle is extracted in ``staging/`` only;
* **smoke_testing**: LiteRT loads the model (tensor shapes) and replays the golden
  cases, on this thread, while the old generation keeps serving;
* the slot is installed (atomic rename), the pointer committed, and the host
  swaps the generation between two signals;
* **probation**: :class:`~edge.ota.probation.Probation` watches every answered
  signal; a breach swaps the previous generation back (kept in memory) and
  rolls the pointer back; a clean window confirms the slot.

Everything the manager needs from the device goes through :class:`Host`, so it
does not know how the device is put together. A malformed desired-state
message is dead-lettered with its reason and changes nothing.

Test-only fault injection (documented in docs/ota.md): the environment variable
``EDGE_OTA_TEST_FAULTS`` = ``{"<model_version>": {"latency_ms": 5}}`` makes that
version's scorer sleep per inference; ``{"crash": true}`` makes the process exit
(status 70) on that version's first served inference. It is read once at start;
unset (production) it does nothing.
"""

from __future__ import annotations

import json
import logging
import os
import shutil
import ssl
import subprocess
import sys
import threading
import time
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Protocol

from edge.bundle import Bundle, BundleError, load_bundle
from edge.comms.topics import DesiredState, PayloadError, parse_desired
from edge.ota.download import DownloadError, download
from edge.ota.probation import LatencyWindow, Probation
from edge.ota.slots import SlotError, Slots
from edge.ota.verify import Refused, check_bundle, check_shape, verify_slot
from firmware_config.ota import OtaConfig
from firmware_config.schema import DeviceConfig

log = logging.getLogger(__name__)

FAULTS_ENV = "EDGE_OTA_TEST_FAULTS"
CHECK_EVERY_S = 0.1


class Host(Protocol):
    """What the OTA manager needs from the device it runs in."""

    def active_scorer(self) -> Any | None: ...
    def build_generation(self, scorer: Any) -> Any:
        """Everything derived from a new model, built off the signal path."""
    def warm_generation(self, generation: Any) -> list[float]:
        """Fill the new generation's caches before it serves (bounded in time);
        the seconds each inference took."""
    def swap_generation(self, generation: Any) -> tuple[Any, float]:
        """Install ``generation`` between two signals; returns (the old one, pause seconds)."""
    def publish_status(self) -> None: ...
    def dead_letter(self, topic: str, payload: bytes, reason: str) -> None: ...


def state_dir(config: DeviceConfig) -> Path:
    ota = config.ota
    if ota is not None and ota.state_dir is not None:
        return ota.state_dir
    return Path(config.storage.db_path).resolve().parent / "ota"


# ---- fault injection (tests and benchmarks only) ------------------------------------------


def _faults() -> dict[str, dict]:
    raw = os.environ.get(FAULTS_ENV)
    if not raw:
        return {}
    try:
        data = json.loads(raw)
        return {str(k): dict(v) for k, v in data.items()}
    except (ValueError, TypeError, AttributeError):
        log.error("%s is not a JSON object of objects: ignored", FAULTS_ENV)
        return {}


def apply_faults(scorer: Any) -> Any:
    """Wrap ``scorer.score`` per ``EDGE_OTA_TEST_FAULTS`` (after its smoke test)."""
    fault = _faults().get(getattr(scorer, "model_version", ""))
    if not fault:
        return scorer
    inner = scorer.score
    latency = float(fault.get("latency_ms", 0)) / 1000
    crash = bool(fault.get("crash", False))
    log.warning("test fault injected into %s: %s", scorer.model_version, fault)

    def score(history, context):
        if crash:
            log.critical("test fault: %s crashes the process", scorer.model_version)
            logging.shutdown()
            os._exit(70)
        if latency:
            time.sleep(latency)
        return inner(history, context)

    scorer.score = score
    return scorer


# ---- boot -------------------------------------------------------------------------------------


@dataclass
class BootChoice:
    scorer: Any | None
    source: str
    """'slot', 'config' or 'none' (popularity)."""
    version: str | None
    event: str | None = None
    """A crash-loop rollback or an invalid slot found at this boot."""


def boot(config: DeviceConfig, load_configured: Callable[[], Any | None]) -> BootChoice:
    """The model this process starts with: a verified slot, else the configured bundle."""
    ota = config.ota
    assert ota is not None
    slots = Slots(state_dir(config), keep=ota.keep_slots)
    event = slots.record_boot(boots=ota.crash_loop.boots, window_s=ota.crash_loop.window_s)

    def load(path: Path) -> Any:
        return verify_slot(path, trusted_keys=list(ota.trusted_keys),
                           require_signature=ota.require_signature, smoke_test=ota.smoke_test).scorer

    chosen = slots.select(load)
    state = slots.read()
    event = event or state.last_event
    if chosen is not None:
        version, scorer = chosen
        return BootChoice(apply_faults(scorer), "slot", version, event)
    scorer = load_configured()
    if scorer is not None:
        return BootChoice(apply_faults(scorer), "config", scorer.model_version, event)
    return BootChoice(None, "none", None, event)


# ---- the manager --------------------------------------------------------------------------------


class OtaManager:
    """Follows the desired state; one update at a time, on its own thread."""

    def __init__(self, config: DeviceConfig, host: Host, *, boot_choice: BootChoice | None = None,
                 desired_topic: str = "desired") -> None:
        assert config.ota is not None
        self.config = config
        self.ota: OtaConfig = config.ota
        self.host = host
        self.desired_topic = desired_topic
        self.slots = Slots(state_dir(config), keep=self.ota.keep_slots)
        for leftover in self.slots.staging.iterdir():
            if leftover.is_dir():  # an extraction a power cut interrupted (downloads are kept)
                shutil.rmtree(leftover, ignore_errors=True)
        self.report: dict[str, Any] = {"state": "idle", "ts": time.time()}
        self.counts: Counter = Counter()
        self.refused: Counter = Counter()
        self.probation: Probation | None = None
        self.reference = LatencyWindow()
        self._previous_generation: Any | None = None
        self._pending: DesiredState | None = None
        self._cond = threading.Condition()
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None
        self._last_progress = 0.0
        self._swapped_at = 0.0
        self._last_pause_us: float | None = None
        self._checker: subprocess.Popen | None = None
        if boot_choice is not None and boot_choice.event:
            self.report.update(state="rolled_back" if "crash_loop" in boot_choice.event else "idle",
                               reason=boot_choice.event)
            if "crash_loop" in boot_choice.event:
                self.counts["rollbacks"] += 1
        st = self.slots.read()
        if st.probation and st.current is not None and boot_choice is not None \
                and boot_choice.version == st.current:
            # Restarted during probation: judge the model again, for a full window.
            self._begin_probation(st.current, publish=False)

    # ---- entry points --------------------------------------------------------------------

    def start(self) -> None:
        self._thread = threading.Thread(target=self._run, name="ota", daemon=True)
        self._thread.start()

    def stop(self) -> None:
        self._stop.set()
        checker = self._checker
        if checker is not None and checker.poll() is None:
            checker.kill()
        with self._cond:
            self._cond.notify_all()
        if self._thread is not None:
            self._thread.join(timeout=5)

    def on_desired(self, topic: str, payload: bytes) -> None:
        """A desired-state message (MQTT thread): validate, then hand to the OTA thread."""
        try:
            desired = parse_desired(topic, payload)
        except PayloadError as exc:
            self.counts["desired_rejected"] += 1
            self.host.dead_letter(topic, payload, exc.reason)
            return
        if desired is None:
            return  # cleared: keep running what we run
        if desired.device_id != self.config.device_id:
            self.counts["desired_rejected"] += 1
            self.host.dead_letter(topic, payload,
                                  f"device_id: {desired.device_id!r} is not this device")
            return
        with self._cond:
            self._pending = desired  # the latest wins: an update in progress finishes first
            self._cond.notify_all()

    def observe(self, seconds: float, strategy: str | None, *, eligible: bool = True,
                error: bool = False) -> None:
        """One handled signal (signal path): feeds probation, or the reference p99."""
        p = self.probation
        if p is not None:
            if error:
                p.error()
            else:
                p.record(seconds, strategy, eligible=eligible)
        elif not error:
            self.reference.record(seconds)

    def watchdog_trip(self) -> None:
        p = self.probation
        if p is not None:
            p.watchdog_trip()

    def detail(self) -> dict[str, Any]:
        """``status.detail.model`` and ``status.detail.ota``."""
        st = self.slots.read()
        active = self.host.active_scorer()
        ota = dict(self.report)
        ota["counts"] = dict(self.counts)
        if self._last_pause_us is not None:
            ota["swap_pause_us"] = self._last_pause_us
        if self.refused:
            ota["refused"] = dict(self.refused)
        p = self.probation
        if p is not None:
            ota["probation"] = {"elapsed_s": round(p.elapsed_s, 1), "signals": len(p._lat)}
        return {
            "model": {"active": active.model_version if active is not None else None,
                      "previous": st.previous or (st.configured if st.current not in (None, st.configured) else None)},
            "ota": ota,
        }

    # ---- the OTA thread -------------------------------------------------------------------

    def _set(self, state: str, *, publish: bool = True, **fields: Any) -> None:
        report = {"state": state, "ts": time.time()}
        for key in ("version", "rollout_id"):
            if key in self.report and key not in fields:
                report[key] = self.report[key]
        report.update({k: v for k, v in fields.items() if v is not None})
        self.report = report
        log.info("ota %s %s", state, {k: v for k, v in fields.items() if k != "ts"})
        if publish:
            try:
                self.host.publish_status()
            except Exception:  # a status publish must never stop an update
                log.exception("status publish failed")

    def _run(self) -> None:
        while not self._stop.is_set():
            with self._cond:
                if self._pending is None:
                    self._cond.wait(CHECK_EVERY_S)
                desired, self._pending = self._pending, None
            try:
                if self.probation is not None:
                    self._judge()
                if desired is not None:
                    self._apply(desired)
            except Exception as exc:  # the OTA thread must outlive any bug in one update
                log.exception("ota update failed")
                self._set("refused", reason=f"internal: {type(exc).__name__}: {exc}"[:300])

    def _judge(self) -> None:
        p = self.probation
        assert p is not None
        verdict = p.check()
        if verdict.breach is not None:
            self._rollback(verdict.breach)
        elif verdict.done:
            self.probation = None
            self.slots.confirm(p.version)
            self._previous_generation = None
            self.counts["confirmed"] += 1
            self._set("active", version=p.version,
                      p99_ms=round(verdict.p99_ms, 2) if verdict.p99_ms is not None else None)

    def _rollback(self, reason: str) -> None:
        p = self.probation
        self.probation = None
        detected = time.monotonic() - self._swapped_at if self._swapped_at else None
        previous = self._previous_generation
        self._previous_generation = None
        st = self.slots.read()
        if previous is None and st.previous is not None:
            # Restarted during probation: the previous model is on disk, not in memory.
            try:
                check = verify_slot(self.slots.path(st.previous), trusted_keys=list(self.ota.trusted_keys),
                                    require_signature=self.ota.require_signature,
                                    smoke_test=self.ota.smoke_test)
                previous = self.host.build_generation(apply_faults(check.scorer))
            except Exception as exc:
                log.error("previous slot %s unusable for rollback: %s", st.previous, exc)
        if previous is not None:
            self.host.swap_generation(previous)
        self.slots.rollback(reason)
        self.counts["rollbacks"] += 1
        log.error("rolled back %s: %s", p.version if p else "?", reason)
        self._set("rolled_back", version=p.version if p else None, reason=reason,
                  detected_s=round(detected, 3) if detected is not None else None)

    def _apply(self, desired: DesiredState) -> None:
        version = desired.model_version
        active = self.host.active_scorer()
        self.report = {"state": self.report.get("state", "idle"), "version": version,
                       "rollout_id": desired.rollout_id}
        if active is not None and active.model_version == version:
            if self.probation is None:
                self._set("active", version=version)
            return
        st = self.slots.read()
        if version in st.rejected and not desired.allow_downgrade:
            # Rolled back before: do not loop on a retained desired state.
            self._set("rolled_back", version=version, reason=st.rejected[version])
            return
        if self.probation is not None:
            # A new version while one is on probation: the one on probation is
            # not trusted yet; roll it back before starting over.
            self._rollback(f"superseded: desired state moved to {version}")
        try:
            scorer = self._fetch_and_check(desired, active)
        except Refused as exc:
            self.refused[exc.reason] += 1
            self._set("refused", version=version, reason=str(exc)[:300])
            return
        except DownloadError as exc:
            self.counts["download_failed"] += 1
            self._set("refused", version=version, reason=str(exc)[:300])
            return
        try:
            self._swap_in(version, scorer)
        except Refused as exc:  # the device cannot build a generation from it
            self.refused[exc.reason] += 1
            self._set("refused", version=version, reason=str(exc)[:300])

    def _fetch_and_check(self, desired: DesiredState, active: Any | None) -> Any:
        version = desired.model_version
        try:
            slot = self.slots.path(version)
        except SlotError as exc:
            raise Refused("bad_bundle", str(exc)) from None
        active_bundle: Bundle | None = getattr(active, "bundle", None)
        if not self.slots.has(version):
            part = self.slots.staging / f"{desired.sha256}.part"
            for stale in self.slots.staging.glob("*.part"):
                if stale != part:
                    stale.unlink(missing_ok=True)  # another version's leftovers
            self._set("downloading", version=version, bytes=part.stat().st_size if part.exists() else 0,
                      total=desired.size)
            limit = min(desired.size, self.ota.max_bundle_bytes)
            if desired.size > self.ota.max_bundle_bytes:
                raise DownloadError("too_large", f"{desired.size} bytes > max_bundle_bytes "
                                                 f"{self.ota.max_bundle_bytes}")
            result = download(desired.artifact_url, part, token=self.ota.fleet_token(),
                              # one byte over the announced size is enough to call it tampered
                              max_bytes=limit + 1, attempts=self.ota.download_attempts,
                              timeout_s=self.ota.download_timeout_s, progress=self._progress,
                              should_stop=self._stop.is_set, ssl_context=self._ssl_context())
            if result.resumed_from:
                self.counts["resumed_downloads"] += 1
            self._set("verifying", version=version, bytes=result.bytes, total=desired.size)
            # A fresh directory per attempt: nothing a killed attempt left can mix in.
            work = self.slots.staging_dir(f"x-{version}-{os.getpid()}-{self.counts['checks']}")
            self.counts["checks"] += 1
            answer = self._check_in_child({
                "artifact": str(part), "sha256": desired.sha256, "size": desired.size, "work": str(work),
                "trusted_keys": [str(k) for k in self.ota.trusted_keys],
                "require_signature": self.ota.require_signature, "expected_version": version,
                "active_created_at": active_bundle.manifest.created_at if active_bundle is not None else None,
                "allow_downgrade": desired.allow_downgrade, "smoke_test": self.ota.smoke_test}, version)
            part.unlink(missing_ok=True)
            if not answer.get("ok"):
                shutil.rmtree(work, ignore_errors=True)
                raise Refused(str(answer.get("reason", "bad_bundle")), str(answer.get("detail", "")))
            slot = self.slots.install(version, Path(answer["path"]))
            shutil.rmtree(work, ignore_errors=True)
            # Verified and smoke-tested by the checker; this process only loads it,
            # sharing the serving bundle's parsed items when items.json is the same
            # file (its sha256 is in the manifest the checker verified).
            try:
                bundle = load_bundle(slot, verify=False, reuse_items=active_bundle)
            except BundleError as exc:
                raise Refused("bad_bundle", str(exc)) from None
            scorer = check_shape(bundle, smoke_test=False)
        else:
            # Already on disk (a crash after install, or the previous slot): verify it again, here.
            self._set("verifying", version=version)
            bundle, key_id = check_bundle(
                slot, trusted_keys=list(self.ota.trusted_keys), require_signature=self.ota.require_signature,
                active=active_bundle, allow_downgrade=desired.allow_downgrade, expected_version=version)
            self._set("smoke_testing", version=version, key_id=key_id)
            scorer = check_shape(bundle, smoke_test=self.ota.smoke_test)
        return scorer

    def _check_in_child(self, request: dict, version: str) -> dict:
        """Run :mod:`edge.ota.check` (nice 19, its own GIL); its answer as a dict."""
        cmd = [sys.executable, "-m", "edge.ota.check", json.dumps(request)]
        try:
            proc = subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True)
        except OSError as exc:
            return {"ok": False, "reason": "bad_bundle", "detail": f"cannot start the checker: {exc}"}
        self._checker = proc
        answer: dict = {}
        assert proc.stdout is not None
        for line in proc.stdout:
            try:
                msg = json.loads(line)
            except ValueError:
                continue
            if msg.get("stage") == "smoke_testing":
                self._set("smoke_testing", version=version, key_id=msg.get("key_id"))
            elif "ok" in msg:
                answer = msg
        code = proc.wait()
        self._checker = None
        if not answer:
            return {"ok": False, "reason": "bad_bundle", "detail": f"checker exited with status {code}"}
        return answer

    def _ssl_context(self) -> ssl.SSLContext | None:
        """The system's trust store, plus ``[ota] ca_file`` when the fleet has its own CA."""
        if self.ota.ca_file is None:
            return None
        return ssl.create_default_context(cafile=str(self.ota.ca_file))

    def _progress(self, size: int, total: int | None) -> None:
        self.report["bytes"] = size
        now = time.monotonic()
        if now - self._last_progress >= 1.0:
            self._last_progress = now
            self._set("downloading", bytes=size, total=self.report.get("total"))

    def _swap_in(self, version: str, scorer: Any) -> None:
        baseline = self.reference.p99_ms()
        generation = self.host.build_generation(apply_faults(scorer))
        # Pointer first: a power cut right after it boots the new slot (on probation);
        # a cut before it boots the old one and the retained desired state retries.
        active = self.host.active_scorer()
        self.slots.commit_swap(version, replacing=active.model_version if active is not None else None)
        # After the pointer: a model that crashes on inference crashes here as it would
        # on its first signal, and the crash-loop rule boots the previous slot.
        warmed = self.host.warm_generation(generation)
        self.counts["warmed_keys"] += len(warmed)
        old, pause_s = self.host.swap_generation(generation)
        self._previous_generation = old
        self._swapped_at = time.monotonic()
        self.counts["swaps"] += 1
        self._last_pause_us = round(pause_s * 1e6, 1)
        self._begin_probation(version, baseline)
        # The warm-up's inferences are judged like signals: the signals they serve
        # from the cache would otherwise hide a slow model from probation.
        assert self.probation is not None
        for seconds in warmed:
            self.probation.record(seconds, "model")

    def _begin_probation(self, version: str, baseline: float | None = None, *,
                         publish: bool = True) -> None:
        self.probation = Probation(version, self.ota.probation, baseline_p99_ms=baseline)
        if not self._swapped_at:
            self._swapped_at = time.monotonic()
        self._set("probation", publish=publish, version=version, window_s=self.ota.probation.window_s,
                  baseline_p99_ms=round(baseline, 2) if baseline is not None else None)
