"""Installer debug output: annotated frames to a local file or a loopback MJPEG endpoint.

This is the *only* place in edge-camera that keeps pixels, and only when an
installer asks for it (``--debug-out`` / ``--debug-mjpeg`` or ``[camera.debug]``).
The frames show zone polygons, raw detections, confirmed tracks with their
ground points, so zones can be drawn where people actually put their feet.
Nothing here is ever published on MQTT, and the MJPEG server binds to
127.0.0.1 only (reach it over an SSH tunnel), never the store LAN.
"""

from __future__ import annotations

import logging
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import cv2
import numpy as np

from edge.camera.detector import Detection
from edge.camera.zones import Area

log = logging.getLogger("edge.camera.debug")

_PALETTE = [(255, 128, 0), (0, 200, 255), (255, 0, 255), (0, 255, 128), (128, 128, 255), (255, 255, 0)]
LOOPBACK = "127.0.0.1"


def annotate(
    image: np.ndarray,
    *,
    areas: list[Area],
    detections: list[Detection],
    tracks: list[Any],
    occupancy: dict[str, int],
    caption: str = "",
) -> np.ndarray:
    """A copy of the frame with zones, detections (thin) and tracks (thick, id + ground point)."""
    out = image.copy()
    zone_colour: dict[str, tuple[int, int, int]] = {}
    for area in areas:
        colour = zone_colour.setdefault(area.zone, _PALETTE[len(zone_colour) % len(_PALETTE)])
        pts = np.array(area.polygon, dtype=np.int32).reshape(-1, 1, 2)
        overlay = out.copy()
        cv2.fillPoly(overlay, [pts], colour)
        cv2.addWeighted(overlay, 0.15, out, 0.85, 0, dst=out)
        cv2.polylines(out, [pts], True, colour, 1, cv2.LINE_AA)
        label = f"{area.zone} ({occupancy.get(area.zone, 0)})"
        if area.display:
            label += f" [{area.display}]"
        x, y = pts[:, 0, 0].min(), pts[:, 0, 1].min()
        cv2.putText(out, label, (int(x) + 2, int(y) + 12), cv2.FONT_HERSHEY_SIMPLEX, 0.4, colour, 1, cv2.LINE_AA)
    for det in detections:
        cv2.rectangle(out, (int(det.x1), int(det.y1)), (int(det.x2), int(det.y2)), (160, 160, 160), 1)
    for trk in tracks:
        x1, y1, x2, y2 = (int(v) for v in trk.box)
        colour = (0, 255, 0) if getattr(trk, "matched", True) else (0, 165, 255)
        cv2.rectangle(out, (x1, y1), (x2, y2), colour, 2)
        gx, gy = (int(v) for v in trk.ground_point)
        cv2.circle(out, (gx, gy), 3, (0, 0, 255), -1)
        cv2.putText(out, trk.id[:4], (x1, max(10, y1 - 3)), cv2.FONT_HERSHEY_SIMPLEX, 0.35, colour, 1, cv2.LINE_AA)
    if caption:
        cv2.putText(out, caption, (5, out.shape[0] - 6), cv2.FONT_HERSHEY_SIMPLEX, 0.4, (255, 255, 255), 1, cv2.LINE_AA)
    return out


class DebugWriter:
    """Annotated frames to a .avi/.mp4 video, or to a directory as a PNG series."""

    def __init__(self, out: Path, fps: float = 10.0) -> None:
        self.out = Path(out)
        self.fps = fps
        self._video: cv2.VideoWriter | None = None
        if self.out.suffix.lower() in (".avi", ".mp4", ".mkv"):
            self.out.parent.mkdir(parents=True, exist_ok=True)
            self.mode = "video"
        else:
            self.out.mkdir(parents=True, exist_ok=True)
            self.mode = "png"

    def write(self, image: np.ndarray, index: int) -> None:
        if self.mode == "png":
            cv2.imwrite(str(self.out / f"frame_{index:06d}.png"), image)
        else:
            if self._video is None:
                fourcc = cv2.VideoWriter_fourcc(*("mp4v" if self.out.suffix.lower() == ".mp4" else "MJPG"))
                h, w = image.shape[:2]
                self._video = cv2.VideoWriter(str(self.out), fourcc, self.fps, (w, h))
                if not self._video.isOpened():
                    raise OSError(f"cannot write debug video {self.out}")
            self._video.write(image)

    def close(self) -> None:
        if self._video is not None:
            self._video.release()
            self._video = None


class MjpegServer:
    """Serves the latest annotated frame as multipart MJPEG on 127.0.0.1:port only."""

    def __init__(self, port: int) -> None:
        self._frame: bytes | None = None
        self._cond = threading.Condition()
        self._closed = False
        server = self

        class Handler(BaseHTTPRequestHandler):
            def do_GET(self) -> None:  # noqa: N802 (http.server's name)
                self.send_response(200)
                self.send_header("Content-Type", "multipart/x-mixed-replace; boundary=frame")
                self.send_header("Cache-Control", "no-store")
                self.end_headers()
                last: bytes | None = None
                try:
                    while True:
                        with server._cond:
                            if not server._closed and server._frame is last:
                                server._cond.wait(timeout=5)
                            if server._closed:
                                return
                            jpeg = server._frame
                        if jpeg is None or jpeg is last:
                            continue
                        last = jpeg
                        self.wfile.write(b"--frame\r\nContent-Type: image/jpeg\r\n")
                        self.wfile.write(f"Content-Length: {len(jpeg)}\r\n\r\n".encode())
                        self.wfile.write(jpeg + b"\r\n")
                except (BrokenPipeError, ConnectionResetError):
                    return

            def log_message(self, format: str, *args: Any) -> None:  # noqa: A002 (stdlib signature)
                log.debug("mjpeg: " + format, *args)

        # Loopback only, by construction: the host is not configurable.
        self.httpd = ThreadingHTTPServer((LOOPBACK, port), Handler)
        self.httpd.daemon_threads = True
        self.port = self.httpd.server_address[1]
        self._thread = threading.Thread(target=self.httpd.serve_forever, name="mjpeg", daemon=True)
        self._thread.start()

    def push(self, image: np.ndarray) -> None:
        ok, jpeg = cv2.imencode(".jpg", image, [cv2.IMWRITE_JPEG_QUALITY, 80])
        if ok:
            with self._cond:
                self._frame = jpeg.tobytes()
                self._cond.notify_all()

    def close(self) -> None:
        with self._cond:
            self._closed = True
            self._cond.notify_all()
        self.httpd.shutdown()
        self.httpd.server_close()
