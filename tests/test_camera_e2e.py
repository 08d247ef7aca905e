"""The whole reference clip through edge-camera: the contract command, a real Mosquitto, privacy.

Needs ../shared (the video and the detector); skipped without it.
"""

from __future__ import annotations

import json
import subprocess
import threading
import time
from pathlib import Path

import paho.mqtt.client as mqtt
import pytest
from paho.mqtt.enums import CallbackAPIVersion

from deploy.local_broker import MosquittoBroker
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

    sub = mqtt.Client(callback_api_version=CallbackAPIVersion.VERSION2, client_id="test-spy")
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
