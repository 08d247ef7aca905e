"""Person detector: Yolo-Fastest 1.1 "body" (Darknet) through OpenCV's DNN module.

Why this model: it is a 1.2 MB, ~0.25 GFLOP single-class (person) detector that
runs in ~15-20 ms per frame on one CPU core at 320x256 with plain OpenCV, so the
device needs no extra runtime. ``cv2.dnn.readNetFromDarknet`` exists in OpenCV
4.x only (the project pins 4.x for it).

Darknet's ``[yolo]`` layers, as OpenCV runs them, output one row per anchor and
grid cell: ``[cx, cy, w, h, objectness, class scores...]`` with box coordinates
normalised to 0..1 of the network input and the class score already multiplied
by the objectness. With one class the last column is the confidence.

Pre-processing is a plain resize (no letterbox) by default, as Darknet trained
the model: normalised coordinates then map back to the frame by simple scaling.
Letterboxing is available for cameras whose aspect ratio is far from the input's.

The detector measures its own latency (pre-processing + forward + NMS) so the
CLI and the benchmark can report it next to the end-to-end frame rate.
"""

from __future__ import annotations

import time
from dataclasses import dataclass, field
from pathlib import Path

import cv2
import numpy as np


class DetectorError(RuntimeError):
    """The model files are missing or OpenCV cannot load them."""


@dataclass(frozen=True, slots=True)
class Detection:
    """One person box in frame pixels (x1, y1) top-left, (x2, y2) bottom-right."""

    x1: float
    y1: float
    x2: float
    y2: float
    score: float

    @property
    def ground_point(self) -> tuple[float, float]:
        """Bottom centre of the box: where the person stands on the floor."""
        return ((self.x1 + self.x2) / 2.0, self.y2)


@dataclass
class LatencyStats:
    """Detector latencies in seconds, kept for percentiles (bounded to stay small)."""

    samples: list[float] = field(default_factory=list)
    max_samples: int = 100_000

    def add(self, seconds: float) -> None:
        if len(self.samples) < self.max_samples:
            self.samples.append(seconds)

    def percentile_ms(self, q: float) -> float | None:
        if not self.samples:
            return None
        return float(np.percentile(np.asarray(self.samples), q) * 1000.0)

    def summary(self) -> dict[str, float | int | None]:
        return {
            "detector_calls": len(self.samples),
            "detector_ms_p50": _round(self.percentile_ms(50)),
            "detector_ms_p99": _round(self.percentile_ms(99)),
            "detector_ms_mean": _round(
                float(np.mean(self.samples) * 1000.0) if self.samples else None
            ),
        }


def _round(value: float | None) -> float | None:
    return None if value is None else round(value, 2)


def find_model_files(model_dir: Path) -> tuple[Path, Path]:
    """The .cfg and .weights in ``model_dir``; a clear error naming what is missing."""
    if not model_dir.is_dir():
        raise DetectorError(f"detector directory not found: {model_dir}")
    cfgs = sorted(model_dir.glob("*.cfg"))
    weights = sorted(model_dir.glob("*.weights"))
    if len(cfgs) != 1 or len(weights) != 1:
        raise DetectorError(
            f"{model_dir}: expected exactly one .cfg and one .weights "
            f"(found {len(cfgs)} and {len(weights)})"
        )
    return cfgs[0], weights[0]


class PersonDetector:
    """Yolo-Fastest person boxes for a BGR frame, with NMS and latency accounting."""

    def __init__(
        self,
        model_dir: Path,
        *,
        input_size: tuple[int, int] = (320, 256),
        conf_threshold: float = 0.4,
        nms_threshold: float = 0.45,
        min_box_height: float = 0.0,
        letterbox: bool = False,
    ) -> None:
        width, height = input_size
        if width % 32 or height % 32:
            # Two stride-32 heads: other sizes make OpenCV's yolo grid misalign.
            raise DetectorError(f"input size must be multiples of 32, got {width}x{height}")
        cfg, weights = find_model_files(Path(model_dir))
        try:
            self.net = cv2.dnn.readNetFromDarknet(str(cfg), str(weights))
        except cv2.error as exc:
            raise DetectorError(f"OpenCV cannot load {cfg.name}/{weights.name}: {exc}") from None
        self.net.setPreferableBackend(cv2.dnn.DNN_BACKEND_OPENCV)
        self.net.setPreferableTarget(cv2.dnn.DNN_TARGET_CPU)
        self.output_names = list(self.net.getUnconnectedOutLayersNames())
        self.input_size = (width, height)
        self.conf_threshold = conf_threshold
        self.nms_threshold = nms_threshold
        self.min_box_height = min_box_height
        self.letterbox = letterbox
        self.latency = LatencyStats()

    def _blob(self, frame: np.ndarray) -> tuple[np.ndarray, float, float, float, float]:
        """Network input plus the (scale_x, scale_y, pad_x, pad_y) to undo it."""
        h, w = frame.shape[:2]
        in_w, in_h = self.input_size
        if not self.letterbox:
            blob = cv2.dnn.blobFromImage(frame, 1 / 255.0, (in_w, in_h), swapRB=True, crop=False)
            return blob, w / in_w, h / in_h, 0.0, 0.0
        scale = min(in_w / w, in_h / h)
        new_w, new_h = round(w * scale), round(h * scale)
        pad_x, pad_y = (in_w - new_w) // 2, (in_h - new_h) // 2
        canvas = np.full((in_h, in_w, 3), 127, dtype=np.uint8)
        canvas[pad_y : pad_y + new_h, pad_x : pad_x + new_w] = cv2.resize(frame, (new_w, new_h))
        blob = cv2.dnn.blobFromImage(canvas, 1 / 255.0, swapRB=True, crop=False)
        return blob, 1 / scale, 1 / scale, float(pad_x), float(pad_y)

    def detect(self, frame: np.ndarray) -> list[Detection]:
        """Person boxes above the confidence threshold, after NMS, in frame pixels."""
        start = time.perf_counter()
        blob, sx, sy, px, py = self._blob(frame)
        self.net.setInput(blob)
        outputs = self.net.forward(self.output_names)
        rows = np.vstack([o.reshape(-1, o.shape[-1]) for o in outputs])
        scores = rows[:, 5:].max(axis=1) if rows.shape[1] > 5 else rows[:, 4]
        keep = scores >= self.conf_threshold
        rows, scores = rows[keep], scores[keep]
        detections: list[Detection] = []
        if len(rows):
            in_w, in_h = self.input_size
            cx = rows[:, 0] * in_w
            cy = rows[:, 1] * in_h
            bw = rows[:, 2] * in_w
            bh = rows[:, 3] * in_h
            x1 = (cx - bw / 2 - px) * sx
            y1 = (cy - bh / 2 - py) * sy
            ww = bw * sx
            hh = bh * sy
            boxes = np.stack([x1, y1, ww, hh], axis=1)
            idx = cv2.dnn.NMSBoxes(
                boxes.tolist(), scores.tolist(), self.conf_threshold, self.nms_threshold
            )
            fh, fw = frame.shape[:2]
            for i in np.asarray(idx).reshape(-1):
                x, y, bw_i, bh_i = boxes[i]
                if bh_i < self.min_box_height:
                    continue
                detections.append(
                    Detection(
                        x1=float(max(0.0, x)),
                        y1=float(max(0.0, y)),
                        x2=float(min(fw, x + bw_i)),
                        y2=float(min(fh, y + bh_i)),
                        score=float(scores[i]),
                    )
                )
        self.latency.add(time.perf_counter() - start)
        return detections
