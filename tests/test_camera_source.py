"""Sources: clear errors for missing/broken/unreachable sources, corrupt frames, live-source robustness."""

from __future__ import annotations

import json
import subprocess
import sys
import threading
import time
from pathlib import Path

import cv2
import numpy as np
import pytest

from deploy.local_broker import free_port
from edge.camera.source import FileSource, LiveSource, SourceError, describe, parse_source

REPO = Path(__file__).resolve().parents[1]
EXAMPLE = REPO / "firmware_config" / "examples" / "vtest-camera.toml"
MODEL_DIR = REPO.parent / "shared" / "data" / "models" / "yolo-fastest-1.1_body"

MINIMAL = """
device_id = "t1"
store_id = "s1"
[[zones]]
id = "z"
[camera]
id = "c1"
model_dir = "{model_dir}"
[camera.source_options]
open_attempts = 2
retry_initial_s = 0.05
retry_max_s = 0.1
[[camera.zones]]
zone = "z"
polygon = [[0, 0], [100, 0], [100, 100]]
"""


def write_config(tmp_path: Path, model_dir: Path = MODEL_DIR) -> Path:
    path = tmp_path / "cam.toml"
    path.write_text(MINIMAL.format(model_dir=model_dir))
    return path


def run_cli(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "edge.camera.cli", *args],
        capture_output=True,
        text=True,
        timeout=120,
        cwd=REPO,
    )


def make_video(path: Path, n: int = 20, corrupt: int | None = None) -> Path:
    """A small MJPG AVI; with ``corrupt``, that frame's JPEG data is wiped (undecodable)."""
    writer = cv2.VideoWriter(str(path), cv2.VideoWriter_fourcc(*"MJPG"), 10, (160, 120))
    for i in range(n):
        image = np.full((120, 160, 3), i * 10, np.uint8)
        cv2.putText(image, str(i), (50, 60), cv2.FONT_HERSHEY_SIMPLEX, 1, (255, 255, 255), 2)
        writer.write(image)
    writer.release()
    if corrupt is not None:
        data = bytearray(path.read_bytes())
        soi = [i for i in range(len(data) - 1) if data[i] == 0xFF and data[i + 1] == 0xD8]
        assert len(soi) == n
        start = soi[corrupt]
        data[start : start + 400] = bytes(400)
        path.write_bytes(bytes(data))
    return path


def assert_clean_error(res: subprocess.CompletedProcess[str], code: int, *needles: str) -> None:
    assert res.returncode == code, (res.returncode, res.stderr)
    assert "Traceback" not in res.stderr
    assert res.stdout == ""  # no summary line pretending it ran
    for needle in needles:
        assert needle in res.stderr, res.stderr


# ---- CLI errors ----------------------------------------------------------------


def test_missing_file_is_a_clear_error(tmp_path: Path) -> None:
    missing = tmp_path / "nope.avi"
    res = run_cli("--config", str(write_config(tmp_path)), "--source", str(missing), "--no-publish")
    assert_clean_error(res, 3, f"video file not found: {missing}")


def test_broken_file_is_a_clear_error(tmp_path: Path) -> None:
    broken = tmp_path / "broken.avi"
    broken.write_bytes(b"RIFF\x00\x00\x00\x00AVI this is not a video" * 20)
    res = run_cli("--config", str(write_config(tmp_path)), "--source", str(broken), "--no-publish")
    assert_clean_error(res, 3, "edge-camera: error:", str(broken))


def test_unreachable_rtsp_gives_up_with_clear_error(tmp_path: Path) -> None:
    url = f"rtsp://user:secret@127.0.0.1:{free_port()}/stream"
    start = time.monotonic()
    res = run_cli("--config", str(write_config(tmp_path)), "--source", url, "--no-publish")
    assert_clean_error(res, 3, "stream rtsp://***@127.0.0.1", "gave up after 2 attempts")
    assert "secret" not in res.stderr  # credentials never end up in logs
    assert time.monotonic() - start < 60


def test_missing_detector_is_a_clear_error(tmp_path: Path) -> None:
    video = make_video(tmp_path / "ok.avi")
    res = run_cli("--config", str(write_config(tmp_path, tmp_path / "no-model")), "--source", str(video), "--no-publish")
    assert_clean_error(res, 4, "detector directory not found")


def test_config_without_camera_section(tmp_path: Path) -> None:
    cfg = tmp_path / "nocam.toml"
    cfg.write_text('device_id = "d"\nstore_id = "s"\n[[zones]]\nid = "z"\n')
    res = run_cli("--config", str(cfg), "--no-publish")
    assert_clean_error(res, 2, "no [camera] section")


# ---- files -------------------------------------------------------------------


def test_corrupt_frame_is_skipped_and_counted(tmp_path: Path) -> None:
    src = FileSource(make_video(tmp_path / "c.avi", n=20, corrupt=10))
    indices = [f.index for f in src.frames()]
    assert indices == [i for i in range(20) if i != 10]  # frame 10 skipped, numbering kept
    assert src.stats.corrupt_frames == 1
    assert src.stats.frames_read == 19


def test_clean_file_has_no_corrupt_frames_and_media_time(tmp_path: Path) -> None:
    src = FileSource(make_video(tmp_path / "ok.avi", n=12))
    frames = list(src.frames())
    assert [f.index for f in frames] == list(range(12))
    assert frames[5].t == pytest.approx(0.5)  # 10 fps media time
    assert src.stats.corrupt_frames == 0


def test_corrupt_frame_through_the_cli(tmp_path: Path, shared_data: Path) -> None:
    video = make_video(tmp_path / "c.avi", n=20, corrupt=10)
    counts = tmp_path / "counts.jsonl"
    res = run_cli("--config", str(write_config(tmp_path)), "--source", str(video), "--no-publish", "--counts-out", str(counts))
    assert res.returncode == 0, res.stderr
    summary = json.loads(res.stdout.strip().splitlines()[-1])
    assert summary["frames"] == 19 and summary["corrupt_frames"] == 1
    lines = [json.loads(line) for line in counts.read_text().splitlines()]
    assert [d["frame"] for d in lines] == [i for i in range(20) if i != 10]


def test_parse_and_describe_sources() -> None:
    assert parse_source("0") == ("usb", 0)
    assert parse_source("rtsp://cam/1") == ("stream", "rtsp://cam/1")
    assert parse_source("clip.avi") == ("file", "clip.avi")
    assert describe("rtsp://u:p@10.0.0.5:554/live") == "stream rtsp://***@10.0.0.5:554/live"
    assert describe("2") == "USB camera 2"


# ---- live sources (fake camera) --------------------------------------------------


class FakeCamera:
    """A cv2.VideoCapture stand-in: delivers frames, can vanish, can stall."""

    def __init__(self, *, fail_after: int | None = None, stall: threading.Event | None = None, period: float = 0.0):
        self.n = 0
        self.fail_after = fail_after
        self.stall = stall
        self.period = period
        self.released = False

    def isOpened(self) -> bool:  # noqa: N802
        return True

    def read(self) -> tuple[bool, np.ndarray | None]:
        if self.stall is not None and self.n >= 3:
            self.stall.wait(2.0)  # a stream that stops delivering (read times out eventually)
            return False, None
        if self.fail_after is not None and self.n >= self.fail_after:
            return False, None  # unplugged
        if self.period:
            time.sleep(self.period)
        self.n += 1
        return True, np.full((48, 64, 3), self.n % 255, np.uint8)

    def get(self, prop: int) -> float:
        return 0.0

    def release(self) -> None:
        self.released = True


def test_live_open_failure_retries_with_backoff_then_gives_up() -> None:
    delays: list[float] = []
    states: list[str] = []
    src = LiveSource(
        "rtsp://10.0.0.9/live",
        open_attempts=4,
        retry_initial_s=1.0,
        retry_max_s=3.0,
        opener=lambda: None,  # type: ignore[arg-type,return-value]
        sleep=delays.append,
        on_state=lambda s, d: states.append(s),
    )
    with pytest.raises(SourceError, match=r"cannot open stream rtsp://10\.0\.0\.9/live .*gave up after 4 attempts"):
        src.start()
    assert delays == [1.0, 2.0, 3.0]  # doubling, capped
    assert states == ["retrying"]


def test_lost_camera_is_reopened_and_reported() -> None:
    cams = [FakeCamera(fail_after=5), FakeCamera()]
    opened: list[FakeCamera] = []

    def opener() -> FakeCamera:
        cam = cams[min(len(opened), len(cams) - 1)]
        opened.append(cam)
        return cam

    states: list[str] = []
    src = LiveSource("0", retry_initial_s=0.01, opener=opener, on_state=lambda s, d: states.append(s)).start()
    got = []
    try:
        for frame in src.frames():
            got.append(frame)
            if len(opened) >= 2 and len(got) >= 8:
                break
            time.sleep(0.001)
    finally:
        src.close()
    assert src.stats.reconnects == 1
    assert cams[0].released
    assert states[:3] == ["online", "retrying", "online"]
    assert "camera lost" in (src.stats.last_error or "")


def test_stalled_stream_is_detected_and_reopened() -> None:
    unblock = threading.Event()
    cams = [FakeCamera(stall=unblock), FakeCamera()]
    opened: list[FakeCamera] = []

    def opener() -> FakeCamera:
        cam = cams[min(len(opened), len(cams) - 1)]
        opened.append(cam)
        return cam

    src = LiveSource("rtsp://cam/live", stall_timeout_s=0.3, retry_initial_s=0.01, opener=opener).start()
    got = 0
    deadline = time.monotonic() + 10
    try:
        for _ in src.frames():
            got += 1
            if len(opened) >= 2 and got >= 6:
                break
            if time.monotonic() > deadline:
                break
    finally:
        unblock.set()
        src.close()
    assert src.stats.stalls >= 1
    assert src.stats.reconnects >= 1
    assert "stalled" in (src.stats.last_error or "") or "camera lost" in (src.stats.last_error or "")


def test_slow_consumer_drops_frames_instead_of_lagging() -> None:
    cam = FakeCamera(period=0.002)  # ~500 fps camera
    src = LiveSource("0", opener=lambda: cam).start()
    seen = []
    try:
        for frame in src.frames():
            seen.append(frame.index)
            time.sleep(0.03)  # a detector slower than the camera
            if len(seen) >= 10:
                break
    finally:
        src.close()
    assert src.stats.dropped_frames > 10
    # Each processed frame is the newest one: large index gaps, never a backlog.
    gaps = [b - a for a, b in zip(seen, seen[1:], strict=False)]
    assert min(gaps) > 1


class ScriptedFile:
    """A VideoCapture stand-in for a file: a script of good (True) and undecodable (False) frames."""

    def __init__(self, script: list[bool], reported_count: int) -> None:
        self.script = script
        self.count = reported_count
        self.pos = 0

    def isOpened(self) -> bool:  # noqa: N802
        return True

    def read(self) -> tuple[bool, np.ndarray | None]:
        if self.pos >= len(self.script):
            return False, None
        good = self.script[self.pos]
        self.pos += 1
        return (True, np.zeros((48, 64, 3), np.uint8)) if good else (False, None)

    def get(self, prop: int) -> float:
        return {cv2.CAP_PROP_FPS: 10.0, cv2.CAP_PROP_FRAME_COUNT: float(self.count)}.get(prop, 0.0)

    def release(self) -> None:
        pass


@pytest.mark.parametrize(
    ("script", "reported", "indices", "corrupt"),
    [
        # No frame count in the container: a corrupt frame mid-file is still told from the end.
        ([True] * 4 + [False] + [True] * 5, 0, [0, 1, 2, 3, 5, 6, 7, 8, 9], 1),
        # An underestimated frame count does not cut the file short.
        ([True] * 8, 5, list(range(8)), 0),
        # An overestimated one ends at the real end, with no phantom corrupt frames.
        ([True] * 6, 9, list(range(6)), 0),
        # A truncated tail (last frames undecodable) is the end, not corruption.
        ([True] * 6 + [False] * 3, 9, list(range(6)), 0),
    ],
)
def test_file_end_vs_corruption(
    tmp_path: Path, script: list[bool], reported: int, indices: list[int], corrupt: int
) -> None:
    path = tmp_path / "scripted.avi"
    path.write_bytes(b"x")
    src = FileSource(path, opener=lambda p: ScriptedFile(script, reported))
    assert [f.index for f in src.frames()] == indices
    assert src.stats.corrupt_frames == corrupt
