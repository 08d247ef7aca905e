"""Installer debug output: annotated PNG/video files and the loopback-only MJPEG endpoint."""

from __future__ import annotations

import socket
import urllib.request
from pathlib import Path

import cv2
import numpy as np

from deploy.local_broker import free_port
from edge.camera.debug import DebugWriter, MjpegServer, annotate
from edge.camera.detector import Detection
from edge.camera.tracker import Track
from edge.camera.zones import Area

AREAS = [Area("plaza", ((10.0, 10.0), (100.0, 10.0), (100.0, 80.0), (10.0, 80.0)), display="screen-1")]


def frame() -> np.ndarray:
    return np.full((120, 160, 3), 40, np.uint8)


def annotated() -> np.ndarray:
    trk = Track(id="0a1b2c3d", box=(30.0, 20.0, 50.0, 70.0), first_seen=0.0, last_seen=0.0, confirmed=True)
    return annotate(
        frame(),
        areas=AREAS,
        detections=[Detection(30, 20, 50, 70, 0.9)],
        tracks=[trk],
        occupancy={"plaza": 1},
        caption="frame 0",
    )


def test_annotate_draws_on_a_copy() -> None:
    original = frame()
    out = annotate(original, areas=AREAS, detections=[], tracks=[], occupancy={})
    assert (original == 40).all()  # the source frame is untouched
    assert (out != 40).any()  # polygon and label drawn
    assert out.shape == original.shape


def test_png_series_and_video(tmp_path: Path) -> None:
    png = DebugWriter(tmp_path / "pngs")
    png.write(annotated(), 7)
    png.close()
    written = cv2.imread(str(tmp_path / "pngs" / "frame_000007.png"))
    assert written is not None and written.shape == (120, 160, 3)

    video = DebugWriter(tmp_path / "debug.avi", fps=10)
    for i in range(5):
        video.write(annotated(), i)
    video.close()
    cap = cv2.VideoCapture(str(tmp_path / "debug.avi"))
    assert cap.get(cv2.CAP_PROP_FRAME_COUNT) == 5
    cap.release()


def test_mjpeg_serves_jpeg_on_loopback_only() -> None:
    server = MjpegServer(free_port())
    try:
        assert server.httpd.server_address[0] == "127.0.0.1"
        server.push(annotated())
        with urllib.request.urlopen(f"http://127.0.0.1:{server.port}/", timeout=5) as resp:
            assert resp.headers["Content-Type"].startswith("multipart/x-mixed-replace")
            head = resp.read(200)
        assert b"--frame" in head and b"\xff\xd8\xff" in head  # a JPEG part
        # Not reachable on any non-loopback address of this machine.
        for addr in {info[4][0] for info in socket.getaddrinfo(socket.gethostname(), None, socket.AF_INET)}:
            if addr.startswith("127."):
                continue
            with socket.socket() as s:
                s.settimeout(1)
                assert s.connect_ex((addr, server.port)) != 0
    finally:
        server.close()
