"""The shipped detector settings against people counted by eye (tests/fixtures/vtest_counts.json).

Tolerance, stated: mean absolute count error <= 1.0 person per frame on the
tuning frames and on the held-out frames separately, and no frame off by more
than 2. Measured when written (docs/camera.md): 0.46 tuning, 0.83 held out,
worst frame 2 (always an undercount: people hidden behind the sign post or
walking in overlapping pairs).
"""

from __future__ import annotations

import json
from pathlib import Path

import cv2
import numpy as np
import pytest

from edge.camera.detector import Detection, DetectorError, PersonDetector
from firmware_config.loader import load_config

FIXTURE = Path(__file__).resolve().parent / "fixtures" / "vtest_counts.json"
EXAMPLE = Path(__file__).resolve().parents[1] / "firmware_config" / "examples" / "vtest-camera.toml"


def shipped_detector(model_dir: Path) -> PersonDetector:
    cam = load_config(EXAMPLE).camera
    assert cam is not None
    d = cam.detector
    return PersonDetector(
        model_dir,
        input_size=(d.input_width, d.input_height),
        conf_threshold=d.conf_threshold,
        nms_threshold=d.nms_threshold,
        min_box_height=d.min_box_height,
        letterbox=d.letterbox,
    )


def test_counts_match_eye_counts(shared_data: Path) -> None:
    fixture = json.loads(FIXTURE.read_text())
    sets = {name: {int(k): v for k, v in fixture[name].items()} for name in ("tuning", "holdout")}
    wanted = set(sets["tuning"]) | set(sets["holdout"])
    detector = shipped_detector(shared_data / "models" / "yolo-fastest-1.1_body")
    cap = cv2.VideoCapture(str(shared_data / fixture["video"]))
    counts: dict[int, int] = {}
    index = 0
    while len(counts) < len(wanted):
        ok, frame = cap.read()
        assert ok, f"video ended at frame {index}"
        if index in wanted:
            counts[index] = len(detector.detect(frame))
        index += 1
    cap.release()
    for name, truth in sets.items():
        errors = np.array([counts[i] - truth[i] for i in sorted(truth)])
        assert np.abs(errors).mean() <= 1.0, (name, dict(zip(sorted(truth), errors.tolist(), strict=True)))
        assert np.abs(errors).max() <= 2, (name, dict(zip(sorted(truth), errors.tolist(), strict=True)))
    assert detector.latency.percentile_ms(50) is not None


def test_boxes_are_in_frame_pixels(shared_data: Path) -> None:
    detector = shipped_detector(shared_data / "models" / "yolo-fastest-1.1_body")
    cap = cv2.VideoCapture(str(shared_data / "video" / "vtest.avi"))
    ok, frame = cap.read()
    cap.release()
    assert ok
    boxes = detector.detect(frame)
    h, w = frame.shape[:2]
    assert boxes
    for b in boxes:
        assert isinstance(b, Detection)
        assert 0 <= b.x1 < b.x2 <= w and 0 <= b.y1 < b.y2 <= h
        assert b.y2 - b.y1 > b.x2 - b.x1  # people are taller than wide on this camera
    # Frame 0 has three people standing/walking in the right half and centre.
    assert len(boxes) == 3


def test_bad_model_dir_and_size(tmp_path: Path) -> None:
    with pytest.raises(DetectorError, match="not found"):
        PersonDetector(tmp_path / "none")
    (tmp_path / "m").mkdir()
    with pytest.raises(DetectorError, match="exactly one .cfg"):
        PersonDetector(tmp_path / "m")
    (tmp_path / "m" / "x.cfg").write_text("[net]\nwidth=32\n")
    (tmp_path / "m" / "x.weights").write_bytes(b"\x00" * 16)
    with pytest.raises(DetectorError, match="multiples of 32"):
        PersonDetector(tmp_path / "m", input_size=(100, 100))
    with pytest.raises(DetectorError, match="OpenCV cannot load"):
        PersonDetector(tmp_path / "m")
