"""The whole reference clip through edge-camera: the contract command, a real Mosquitto, privacy.

Needs ../shared (the video and the detector); skipped without it.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import threading
import time
from pathlib import Path

import cv2
import pytest
from paho.mqtt.enums import CallbackAPIVersion

from deploy.local_broker import MosquittoBroker, free_port
from edge.comms.lean_paho import StoppableClient
from edge.comms.topics import CameraStatus, CameraZoneEvent, TopicTree

REPO = Path(__file__).resolve().parents[1]
EDGE_CAMERA = REPO / ".venv" / "bin" / "edge-camera"
EXAMPLE = REPO / "firmware_config" / "examples" / "vtest-camera.toml"
FRAMES = 795

# Magic numbers of image/video formats: none of them may appear in any payload.
IMAGE_MAGIC = {
    "jpeg": b"\xff\xd8\xff",
    "png": b"\x89PNG",
    "gif": b"GIF8",
    "bmp": b"BM6",
    "riff": b"RIFF",
    "webp": b"WEBP",
    "jpeg-base64": b"/9j/",
    "png-base64": b"iVBORw0KGgo",
}

pytestmark = pytest.mark.slow


def cli(*args: str) -> list[str]:
    exe = str(EDGE_CAMERA) if EDGE_CAMERA.exists() else "edge-camera"
    return [exe, *args]


def config_for(tmp_path: Path, broker: MosquittoBroker | None) -> Path:
    """The example config, with its relative paths kept valid and the test broker's port."""
    text = EXAMPLE.read_text()
    text = text.replace('"../../../shared/', f'"{REPO.parent}/shared/')
    if broker is not None:
        text = text.replace("port = 1883", f"port = {broker.port}")
    path = tmp_path / "vtest-camera.toml"
    path.write_text(text)
    return path


def last_json_line(stdout: str) -> dict:
    lines = [line for line in stdout.strip().splitlines() if line.strip()]
    assert lines, "no output"
    return json.loads(lines[-1])


def test_contract_command_no_publish(tmp_path: Path, shared_data: Path) -> None:
    counts = tmp_path / "COUNTS.jsonl"
    res = subprocess.run(
        cli(
            "--config", str(EXAMPLE),
            "--source", str(shared_data / "video" / "vtest.avi"),
            "--no-publish",
            "--counts-out", str(counts),
        ),
        capture_output=True, text=True, timeout=300, cwd=REPO,
    )  # fmt: skip
    assert res.returncode == 0, res.stderr
    summary = last_json_line(res.stdout)
    assert summary["frames"] == FRAMES
    assert summary["fps"] > 0
    rows = [json.loads(line) for line in counts.read_text().splitlines()]
    assert [r["frame"] for r in rows] == list(range(FRAMES))
    assert all(set(r) == {"frame", "people"} and isinstance(r["people"], int) for r in rows)
    mean = sum(r["people"] for r in rows) / FRAMES
    assert summary["mean_people"] == pytest.approx(mean, abs=1e-3)
    # Sanity: the clip always has people in it (3 to 9 in the frames counted by eye).
    assert 3.0 < mean < 9.0


def test_full_video_through_real_mosquitto(tmp_path: Path, shared_data: Path, broker: MosquittoBroker) -> None:
    config = config_for(tmp_path, broker)
    tree = TopicTree(store_id="vtest")
    received: list[tuple[str, bytes, bool]] = []
    subscribed = threading.Event()

    def on_connect(client, userdata, flags, reason_code, properties):  # noqa: ANN001
        client.subscribe("#", qos=1)

    def on_subscribe(client, userdata, mid, reason_codes, properties):  # noqa: ANN001
        subscribed.set()

    def on_message(client, userdata, msg):  # noqa: ANN001
        received.append((msg.topic, bytes(msg.payload), bool(msg.retain)))

    sub = StoppableClient(callback_api_version=CallbackAPIVersion.VERSION2, client_id="test-spy")
    sub.on_connect, sub.on_subscribe, sub.on_message = on_connect, on_subscribe, on_message
    sub.connect(broker.host, broker.port)
    sub.loop_start()
    try:
        assert subscribed.wait(10), "subscriber did not subscribe"
        start = time.monotonic()
        res = subprocess.run(
            cli("--config", str(config), "--source", str(shared_data / "video" / "vtest.avi")),
            capture_output=True, text=True, timeout=300, cwd=REPO,
        )  # fmt: skip
        assert res.returncode == 0, res.stderr
        summary = last_json_line(res.stdout)
        # Give the broker a moment to deliver the tail to the spy.
        deadline = time.monotonic() + 10
        while time.monotonic() < deadline and len(received) < summary["messages"]:
            time.sleep(0.05)
    finally:
        sub.loop_stop()
        sub.disconnect()
    elapsed = time.monotonic() - start
    assert summary["frames"] == FRAMES

    zone_topic = tree.camera_zone("cam-vtest")
    status_topic = tree.camera_status("cam-vtest")
    assert {t for t, _, _ in received} == {zone_topic, status_topic}, "only camera topics are used"

    # Privacy: every payload on every topic is small JSON with no image bytes.
    for topic, payload, _ in received:
        assert len(payload) < 2048, (topic, len(payload))
        for name, magic in IMAGE_MAGIC.items():
            assert magic not in payload, f"{name} bytes in a payload on {topic}"
        json.loads(payload)
    total_bytes = sum(len(p) for _, p, _ in received)
    assert total_bytes < 200_000  # counts and ids, not pictures: ~100 KB for 80 s of video

    events = [CameraZoneEvent.model_validate_json(p) for t, p, _ in received if t == zone_topic]
    statuses = [CameraStatus.model_validate_json(p) for t, p, _ in received if t == status_topic]
    assert len(events) == sum(summary["events"].values())  # every zone message sent arrived

    by_kind: dict[str, list[CameraZoneEvent]] = {}
    for ev in events:
        by_kind.setdefault(ev.event, []).append(ev)
    assert {"occupancy", "enter", "exit", "dwell", "linger"} <= set(by_kind), set(by_kind)
    # Change-driven, rate-limited: far fewer messages than frames x zones.
    assert len(events) < FRAMES, len(events)
    assert len(by_kind["occupancy"]) < FRAMES // 2
    # Every visit is closed by the end of the clip.
    assert sorted((e.zone, e.track_id) for e in by_kind["enter"]) == sorted((e.zone, e.track_id) for e in by_kind["exit"])
    for ev in by_kind["linger"]:
        assert ev.display_id == "plaza-screen" and ev.zone == "plaza" and ev.dwell_s >= 5.0
    for ev in by_kind["enter"] + by_kind["exit"] + by_kind["dwell"]:
        assert ev.track_id and len(ev.track_id) == 8 and ev.dwell_s is not None
    # The final occupancy of every zone is 0 once all tracks have ended.
    last_occ: dict[str, int] = {}
    for ev in by_kind["occupancy"]:
        last_occ[ev.zone] = ev.occupancy
    assert last_occ == {"west-path": 0, "plaza": 0, "east-road": 0, "lawn": 0}

    assert statuses[0].state == "online"
    assert statuses[-1].state == "offline" and statuses[-1].detail["reason"] == "stopped"
    assert elapsed < 120


class FakeIpCamera:
    """An HTTP MJPEG camera (what many IP cameras serve) replaying the clip, that can be unplugged."""

    def __init__(self, video: Path, port: int, fps: float) -> None:
        from edge.camera.debug import MjpegServer

        self._server_cls = MjpegServer
        self.port = port
        self.period = 1.0 / fps
        self.server: MjpegServer | None = MjpegServer(port)
        self.cap = cv2.VideoCapture(str(video))
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._feed, daemon=True)
        self._thread.start()

    def _feed(self) -> None:
        while not self._stop.is_set():
            ok, image = self.cap.read()
            if not ok:
                self.cap.set(cv2.CAP_PROP_POS_FRAMES, 0)
                continue
            server = self.server
            if server is not None:
                server.push(image)
            time.sleep(self.period)

    def unplug(self) -> None:
        server, self.server = self.server, None
        if server is not None:
            server.close()

    def plug_in(self) -> None:
        self.server = self._server_cls(self.port)

    def close(self) -> None:
        self._stop.set()
        self.unplug()
        self._thread.join(2)
        self.cap.release()


def test_live_stream_lost_retried_and_recovered(tmp_path: Path, shared_data: Path, broker: MosquittoBroker) -> None:
    """A live camera: frames dropped when it outpaces the detector; unplugged -> 'retrying'; back -> 'online'."""
    config = config_for(tmp_path, broker)
    config.write_text(
        config.read_text()
        + "\n[camera.source_options]\nstall_timeout_s = 2.0\nretry_initial_s = 0.2\nretry_max_s = 1.0\n"
        + "\n[camera.publish]\nstatus_interval_s = 1.0\n"
    )
    camera = FakeIpCamera(shared_data / "video" / "vtest.avi", free_port(), fps=100.0)  # faster than the detector
    statuses: list[CameraStatus] = []
    zone_messages: list[bytes] = []
    sub = StoppableClient(callback_api_version=CallbackAPIVersion.VERSION2, client_id="test-live-spy")
    subscribed = threading.Event()
    sub.on_connect = lambda c, u, f, rc, p: c.subscribe("#", qos=1)
    sub.on_subscribe = lambda c, u, mid, rcs, p: subscribed.set()

    def on_message(client, userdata, msg):  # noqa: ANN001
        if msg.topic.endswith("/status"):
            statuses.append(CameraStatus.model_validate_json(msg.payload))
        else:
            zone_messages.append(bytes(msg.payload))

    sub.on_message = on_message
    sub.connect(broker.host, broker.port)
    sub.loop_start()
    proc = None
    try:
        assert subscribed.wait(10)
        proc = subprocess.Popen(
            cli("--config", str(config), "--source", f"http://127.0.0.1:{camera.port}/"),
            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, cwd=REPO,
        )  # fmt: skip

        def wait_for(pred, timeout: float, what: str) -> None:  # noqa: ANN001
            deadline = time.monotonic() + timeout
            while time.monotonic() < deadline:
                if pred():
                    return
                assert proc.poll() is None, proc.communicate()[1]
                time.sleep(0.05)
            raise AssertionError(f"timed out waiting for {what}; statuses: {[s.state for s in statuses]}")

        wait_for(lambda: any(s.state == "online" and s.detail.get("frames", 0) > 20 for s in statuses), 30, "frames")
        camera.unplug()
        wait_for(lambda: any(s.state == "retrying" for s in statuses), 20, "retrying")
        time.sleep(1.5)  # a few failed reopen attempts with backoff
        camera.plug_in()
        lost_at = max(i for i, s in enumerate(statuses) if s.state == "retrying")
        wait_for(
            lambda: any(s.state == "online" and s.detail.get("reconnects", 0) >= 1 for s in statuses[lost_at:]),
            20,
            "online again",
        )
        proc.terminate()  # SIGTERM: a clean stop
        out, err = proc.communicate(timeout=20)
    finally:
        if proc is not None and proc.poll() is None:
            proc.kill()
            proc.communicate()
        camera.close()
        sub.loop_stop()
        sub.disconnect()
    assert proc.returncode == 0, err
    summary = last_json_line(out)
    assert summary["reconnects"] >= 1
    assert summary["dropped_frames"] > 0  # a 100 fps camera: the detector took the latest frame, dropped the rest
    assert summary["frames"] > 20
    retrying = [s for s in statuses if s.state == "retrying"]
    assert any("camera lost" in str(s.detail.get("event")) or "stalled" in str(s.detail.get("event")) for s in retrying)
    assert statuses[-1].state == "offline"
    assert zone_messages  # occupancy at least
    for payload in zone_messages:
        assert b"\xff\xd8\xff" not in payload and len(payload) < 2048


def make_tls_material(d: Path) -> tuple[Path, Path, Path]:
    """A throwaway CA and a server certificate for 127.0.0.1 (openssl)."""

    def run(*cmd: str) -> None:
        subprocess.run(cmd, check=True, capture_output=True, cwd=d)

    run("openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "2", "-subj", "/CN=test-ca",
        "-keyout", "ca.key", "-out", "ca.crt")  # fmt: skip
    run("openssl", "req", "-newkey", "rsa:2048", "-nodes", "-subj", "/CN=127.0.0.1",
        "-keyout", "server.key", "-out", "server.csr")  # fmt: skip
    (d / "san.ext").write_text("subjectAltName=IP:127.0.0.1\n")
    run("openssl", "x509", "-req", "-in", "server.csr", "-CA", "ca.crt", "-CAkey", "ca.key", "-CAcreateserial",
        "-days", "2", "-extfile", "san.ext", "-out", "server.crt")  # fmt: skip
    return d / "ca.crt", d / "server.crt", d / "server.key"


@pytest.mark.skipif(not (shutil.which("openssl") and shutil.which("mosquitto_passwd")), reason="needs openssl and mosquitto_passwd")
def test_publishes_over_tls_with_credentials(tmp_path: Path, shared_data: Path) -> None:
    tls_dir = tmp_path / "tls"
    tls_dir.mkdir()
    ca, cert, key = make_tls_material(tls_dir)
    passwd = tmp_path / "passwd"
    subprocess.run(["mosquitto_passwd", "-b", "-c", str(passwd), "camera", "s3cret"], check=True, capture_output=True)
    extra = f"certfile {cert}\nkeyfile {key}\ncafile {ca}\nallow_anonymous false\npassword_file {passwd}\n"
    if os.geteuid() == 0:
        # Started as root, mosquitto drops to user 'mosquitto', which cannot read pytest's private tmp dir.
        extra += "user root\n"
    with MosquittoBroker(workdir=tmp_path / "broker", extra_config=extra) as broker:
        config = config_for(tmp_path, broker)
        text = config.read_text().replace(
            "keepalive_s = 15",
            f'keepalive_s = 15\nusername = "camera"\npassword = "s3cret"\n\n[broker.tls]\nca_file = "{ca}"',
        )
        config.write_text(text)
        got: list[str] = []
        subscribed = threading.Event()
        sub = StoppableClient(callback_api_version=CallbackAPIVersion.VERSION2, client_id="test-tls-spy")
        sub.username_pw_set("camera", "s3cret")
        sub.tls_set(ca_certs=str(ca))
        sub.on_connect = lambda c, u, f, rc, p: c.subscribe("#", qos=1)
        sub.on_subscribe = lambda c, u, mid, rcs, p: subscribed.set()
        sub.on_message = lambda c, u, msg: got.append(msg.topic)
        sub.connect(broker.host, broker.port)
        sub.loop_start()
        try:
            assert subscribed.wait(10)
            res = subprocess.run(
                cli("--config", str(config), "--source", str(shared_data / "video" / "vtest.avi"), "--max-frames", "60"),
                capture_output=True, text=True, timeout=120, cwd=REPO,
            )  # fmt: skip
            assert res.returncode == 0, res.stderr
            summary = last_json_line(res.stdout)
            deadline = time.monotonic() + 10
            while time.monotonic() < deadline and "store/vtest/camera/cam-vtest/status" not in got[-1:]:
                time.sleep(0.05)
        finally:
            sub.loop_stop()
            sub.disconnect()
    assert summary["frames"] == 60
    assert got.count("store/vtest/camera/cam-vtest/zone") == sum(summary["events"].values()) > 0
    assert got[-1] == "store/vtest/camera/cam-vtest/status"  # the final 'offline' status
