"""Frame sources: a video file, a USB camera or an RTSP/HTTP stream, via cv2.VideoCapture.

Two policies, because the two kinds of source want opposite things:

* **Video file** (:class:`FileSource`): every frame is processed, in order,
  however long the detector takes; time is *media time* (frame index / fps), so
  dwell and linger results do not depend on how fast the machine is. A frame
  that fails to decode is skipped and counted; the end of the file is told apart
  from a corrupt frame by the frame count (or by several failures in a row).
* **Live source** (:class:`LiveSource`): a reader thread grabs frames as fast as
  the camera delivers them and keeps only the latest; the pipeline takes the
  latest when it is ready. A slow detector therefore *drops* frames (counted)
  instead of falling behind real time. A camera that disappears, or a stream
  that stalls (no frame for ``stall_timeout_s``), is reopened with exponential
  backoff, and every state change is reported through ``on_state`` so the
  process can publish it as camera status.

Open failures raise :class:`SourceError` with a message naming the source,
which the CLI prints without a traceback.
"""

from __future__ import annotations

import contextlib
import os
import threading
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Literal, Protocol

# Quieten OpenCV's own C++ warnings (e.g. "can't open camera by index"): the
# errors we raise say the same thing once, with the source named.
os.environ.setdefault("OPENCV_LOG_LEVEL", "ERROR")

import cv2  # noqa: E402  (must come after the log level is set)
import numpy as np  # noqa: E402

SourceKind = Literal["file", "usb", "stream"]
State = Literal["starting", "online", "retrying", "ended"]

# Consecutive failed reads that mean "end of file" when the container does not
# say how many frames it has.
_EOF_FAILURES = 10


class SourceError(RuntimeError):
    """A source that cannot be opened or read; the message names the source."""


class Capture(Protocol):
    """The part of cv2.VideoCapture we use (so tests can inject a fake camera)."""

    def isOpened(self) -> bool: ...  # noqa: N802 (OpenCV's name)
    def read(self) -> tuple[bool, Any]: ...
    def get(self, prop: int) -> float: ...
    def release(self) -> None: ...


@dataclass(frozen=True, slots=True)
class Frame:
    index: int
    """Position in the source (file: frame number from 0; live: frames received so far)."""
    t: float
    """Pipeline clock in seconds: media time for files, monotonic time for live sources."""
    image: np.ndarray


@dataclass
class SourceStats:
    frames_read: int = 0
    corrupt_frames: int = 0
    dropped_frames: int = 0
    reconnects: int = 0
    stalls: int = 0
    state: State = "starting"
    last_error: str | None = None

    def as_dict(self) -> dict[str, Any]:
        return {
            "frames_read": self.frames_read,
            "corrupt_frames": self.corrupt_frames,
            "dropped_frames": self.dropped_frames,
            "reconnects": self.reconnects,
            "stalls": self.stalls,
            "source_state": self.state,
            "last_error": self.last_error,
        }


def parse_source(source: str) -> tuple[SourceKind, str | int]:
    """'0' -> USB camera 0; 'rtsp://...' (any URL) -> stream; anything else -> file path."""
    text = source.strip()
    if text.isdigit():
        return "usb", int(text)
    if "://" in text:
        return "stream", text
    return "file", text


def describe(source: str) -> str:
    """The source as it appears in messages, without credentials of an RTSP URL."""
    kind, value = parse_source(source)
    if kind == "usb":
        return f"USB camera {value}"
    if kind == "stream":
        text = str(value)
        scheme, _, rest = text.partition("://")
        if "@" in rest.split("/", 1)[0]:
            rest = "***@" + rest.split("@", 1)[1]
        return f"stream {scheme}://{rest}"
    return f"video file {value}"


def valid_image(image: Any, expected: tuple[int, ...] | None = None) -> bool:
    """A decodable BGR frame of the expected shape (a resolution change mid-stream is corrupt)."""
    if not isinstance(image, np.ndarray) or image.ndim != 3 or image.shape[2] != 3:
        return False
    if image.shape[0] < 8 or image.shape[1] < 8 or image.dtype != np.uint8:
        return False
    return expected is None or image.shape == expected


class FileSource:
    """Every frame of a video file, in order, on media time."""

    def __init__(self, path: str | Path, *, opener: Callable[[str], Capture] | None = None) -> None:
        self.path = Path(path)
        self.stats = SourceStats()
        if not self.path.exists():
            raise SourceError(f"video file not found: {self.path}")
        if not self.path.is_file():
            raise SourceError(f"not a video file: {self.path}")
        open_capture = opener or (lambda p: cv2.VideoCapture(p, cv2.CAP_FFMPEG))
        self.cap = open_capture(str(self.path))
        if not self.cap.isOpened():
            raise SourceError(f"cannot open video file {self.path}: not a video OpenCV can decode")
        fps = self.cap.get(cv2.CAP_PROP_FPS)
        self.fps = fps if fps and 1.0 <= fps <= 240.0 else 25.0
        count = self.cap.get(cv2.CAP_PROP_FRAME_COUNT)
        self.frame_count = int(count) if count and count > 0 else None
        ok, first = self.cap.read()
        if not ok or not valid_image(first):
            self.cap.release()
            raise SourceError(f"cannot read video file {self.path}: no decodable frame")
        self._first: np.ndarray | None = first
        self.shape = first.shape
        self.stats.state = "online"

    def frames(self) -> Iterator[Frame]:
        index = 0
        pending_failures = 0
        try:
            while True:
                if self._first is not None:
                    ok, image = True, self._first
                    self._first = None
                else:
                    ok, image = self.cap.read()
                if not ok or not valid_image(image, self.shape):
                    pending_failures += 1
                    # A failure at or past the container's frame count is the end of the
                    # file; so are many failures in a row when it has no count. The count
                    # is only trusted for that: frames beyond an underestimated count are
                    # still read. Trailing failures are never counted as corrupt frames.
                    if self.frame_count is not None:
                        if index + pending_failures >= self.frame_count:
                            break
                    elif pending_failures >= _EOF_FAILURES:
                        break
                    continue
                if pending_failures:
                    # Failed reads between two good frames were frames we could not decode.
                    self.stats.corrupt_frames += pending_failures
                    index += pending_failures
                    pending_failures = 0
                self.stats.frames_read += 1
                yield Frame(index=index, t=index / self.fps, image=image)
                index += 1
        finally:
            self.stats.state = "ended"
            self.cap.release()

    def close(self) -> None:
        self.cap.release()


def _open_live(kind: SourceKind, value: str | int, timeout_ms: int) -> Capture:
    if kind == "usb":
        return cv2.VideoCapture(int(value))
    params = [cv2.CAP_PROP_OPEN_TIMEOUT_MSEC, timeout_ms, cv2.CAP_PROP_READ_TIMEOUT_MSEC, timeout_ms]
    return cv2.VideoCapture(str(value), cv2.CAP_FFMPEG, params)


class LiveSource:
    """Latest-frame reader for a USB camera or stream, with stall detection and reconnects.

    ``on_state(state, detail)`` is called from the reader thread on every state
    change ("online", "retrying") so the caller can publish camera status.
    """

    def __init__(
        self,
        source: str,
        *,
        stall_timeout_s: float = 5.0,
        retry_initial_s: float = 1.0,
        retry_max_s: float = 30.0,
        open_attempts: int = 5,
        max_fps: float | None = None,
        on_state: Callable[[str, str | None], None] | None = None,
        opener: Callable[[], Capture] | None = None,
        sleep: Callable[[float], None] | None = None,
    ) -> None:
        self.source = source
        self.name = describe(source)
        kind, value = parse_source(source)
        if kind == "file":
            raise SourceError(f"{source!r} is a file path; use FileSource")
        timeout_ms = int(stall_timeout_s * 1000)
        self._opener = opener or (lambda: _open_live(kind, value, timeout_ms))
        self.stall_timeout_s = stall_timeout_s
        self.retry_initial_s = retry_initial_s
        self.retry_max_s = retry_max_s
        self.open_attempts = open_attempts
        self.min_interval = 1.0 / max_fps if max_fps else 0.0
        self.on_state = on_state
        self._sleep = sleep
        self.stats = SourceStats()
        self._cond = threading.Condition()
        self._latest: Frame | None = None
        self._stop = threading.Event()
        self._reopen = threading.Event()
        self._received = 0
        self._cap: Capture | None = None
        self._thread: threading.Thread | None = None

    # -- state ---------------------------------------------------------------

    def _set_state(self, state: State, detail: str | None = None) -> None:
        changed = state != self.stats.state
        self.stats.state = state
        if detail:
            self.stats.last_error = detail
        if changed and self.on_state is not None:
            self.on_state(state, detail)

    def _try_open(self) -> Capture | None:
        try:
            cap = self._opener()
        except Exception as exc:  # noqa: BLE001 (an opener may raise anything; we report it)
            self.stats.last_error = f"cannot open {self.name}: {exc}"
            return None
        if cap is None or not cap.isOpened():
            self.stats.last_error = f"cannot open {self.name}"
            return None
        return cap

    def _open_with_backoff(self, attempts: int | None) -> Capture | None:
        """Open, doubling the delay after each failure; None if attempts ran out or stopping."""
        delay = self.retry_initial_s
        tried = 0
        while not self._stop.is_set():
            cap = self._try_open()
            tried += 1
            if cap is not None:
                return cap
            if attempts is not None and tried >= attempts:
                return None
            self._set_state("retrying", f"{self.stats.last_error}; retry in {delay:.1f}s")
            if self._sleep is not None:
                self._sleep(delay)  # tests: record the backoff instead of waiting
            elif self._stop.wait(delay):
                return None
            delay = min(delay * 2, self.retry_max_s)
        return None

    # -- lifecycle -------------------------------------------------------------

    def start(self) -> LiveSource:
        """Open the source (``open_attempts`` tries) and start the reader; SourceError if it never opens."""
        cap = self._open_with_backoff(self.open_attempts)
        if cap is None:
            raise SourceError(
                f"{self.stats.last_error or 'cannot open ' + self.name} "
                f"(gave up after {self.open_attempts} attempts)"
            )
        self._cap = cap
        self._set_state("online")
        self._thread = threading.Thread(target=self._reader, name="camera-reader", daemon=True)
        self._thread.start()
        return self

    def request_stop(self) -> None:
        """Make frames() return soon (safe from a signal handler: it only sets an event)."""
        self._stop.set()

    def close(self) -> None:
        self._stop.set()
        with self._cond:
            self._cond.notify_all()
        if self._thread is not None:
            self._thread.join(timeout=self.stall_timeout_s + 1)
        if self._cap is not None:
            with contextlib.suppress(Exception):
                self._cap.release()

    def _reader(self) -> None:
        failures = 0
        shape: tuple[int, ...] | None = None
        while not self._stop.is_set():
            if self._cap is None or self._reopen.is_set():
                self._reopen.clear()
                if self._cap is not None:
                    with contextlib.suppress(Exception):
                        self._cap.release()
                self._cap = None
                cap = self._open_with_backoff(None)
                if cap is None:
                    return  # stopping
                self._cap = cap
                self.stats.reconnects += 1
                failures = 0
                shape = None
                self._set_state("online")
            try:
                ok, image = self._cap.read()
            except Exception as exc:  # noqa: BLE001 (a driver may raise anything; we reopen)
                ok, image = False, None
                self.stats.last_error = f"{self.name}: read failed: {exc}"
            if not ok:
                failures += 1
                if failures >= 3:
                    # Three failed reads in a row: the camera is gone, not a glitch.
                    self._set_state("retrying", f"{self.name}: no frames (camera lost?)")
                    self._reopen.set()
                continue
            failures = 0
            if shape is None and valid_image(image):
                shape = image.shape
            if not valid_image(image, shape):
                self.stats.corrupt_frames += 1
                continue
            self._received += 1
            frame = Frame(index=self._received - 1, t=time.monotonic(), image=image)
            with self._cond:
                if self._latest is not None:
                    self.stats.dropped_frames += 1  # the pipeline never saw it
                self._latest = frame
                self._cond.notify_all()

    def frames(self) -> Iterator[Frame]:
        """Yield the latest frame whenever one is ready; detect stalls while waiting."""
        if self._thread is None:
            self.start()
        last_frame_at = time.monotonic()
        last_yield = 0.0
        while not self._stop.is_set():
            with self._cond:
                if self._latest is None:
                    self._cond.wait(timeout=0.2)
                frame, self._latest = self._latest, None
            now = time.monotonic()
            if frame is None:
                if now - last_frame_at > self.stall_timeout_s and self.stats.state == "online":
                    self.stats.stalls += 1
                    self._set_state("retrying", f"{self.name}: stalled, no frame for {self.stall_timeout_s:.0f}s")
                    self._reopen.set()
                    last_frame_at = now
                continue
            last_frame_at = now
            if self.min_interval and now - last_yield < self.min_interval:
                self.stats.dropped_frames += 1  # max_fps policy: keep the CPU for the agent
                continue
            last_yield = now
            self.stats.frames_read += 1
            yield frame
