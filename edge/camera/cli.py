"""``edge-camera``: run the camera pipeline for one device config.

    edge-camera --config device.toml                       # source from [camera], publish to [broker]
    edge-camera --config F --source video.avi --no-publish --counts-out counts.jsonl
    edge-camera --config F --source 0 --debug-mjpeg 8090   # installer view at http://127.0.0.1:8090/

stdout gets exactly one line, at the end: a JSON summary whose first keys are
``frames``, ``fps`` (processing speed) and ``mean_people``. Logs go to stderr.
Exit codes: 0 done, 2 bad config or arguments, 3 source cannot be opened,
4 detector cannot be loaded. Errors are one clear line, never a traceback.
"""

from __future__ import annotations

import argparse
import itertools
import json
import logging
import signal
import sys
from pathlib import Path
from types import FrameType

from edge.camera.source import FileSource, LiveSource, SourceError, describe, parse_source

EXIT_CONFIG, EXIT_SOURCE, EXIT_DETECTOR = 2, 3, 4

log = logging.getLogger("edge.camera")


def build_parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(prog="edge-camera", description=__doc__.split("\n\n")[0])
    p.add_argument("--config", required=True, type=Path, help="Device TOML with a [camera] section.")
    p.add_argument("--source", help="Override camera.source: USB index, RTSP URL or video file.")
    p.add_argument("--model-dir", type=Path, help="Override camera.model_dir (Darknet cfg + weights).")
    p.add_argument("--no-publish", action="store_true", help="Do not connect to the broker (no broker needed).")
    p.add_argument("--counts-out", type=Path, help='Write one JSON line per frame: {"frame": i, "people": n}.')
    p.add_argument("--debug-out", type=Path, help="Annotated frames to a .avi/.mp4 or a PNG directory (installers).")
    p.add_argument("--debug-every", type=int, help="Annotate every Nth frame only.")
    p.add_argument("--debug-mjpeg", type=int, metavar="PORT", help="Serve annotated frames on 127.0.0.1:PORT.")
    p.add_argument("--threads", type=int, help="OpenCV threads (default camera.detector.threads, 1).")
    p.add_argument("--max-frames", type=int, help="Stop after this many frames (tests, quick checks).")
    p.add_argument("-v", "--verbose", action="store_true", help="Debug logging on stderr.")
    return p


def _fail(code: int, message: str) -> int:
    print(f"edge-camera: error: {message}", file=sys.stderr)
    return code


def main(argv: list[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    logging.basicConfig(
        level=logging.DEBUG if args.verbose else logging.INFO,
        format="%(asctime)s %(name)s %(levelname)s %(message)s",
        stream=sys.stderr,
    )
    # Imported here so `edge-camera --help` and config errors stay instant.
    import cv2

    from edge.camera.debug import DebugWriter, MjpegServer
    from edge.camera.detector import DetectorError, PersonDetector
    from edge.camera.pipeline import Pipeline, open_counts
    from edge.camera.publisher import EventGate, make_sink, status_payload
    from edge.camera.tracker import Tracker
    from edge.camera.zones import ZoneMapper
    from firmware_config.loader import ConfigError, load_config

    try:
        config = load_config(args.config)
    except ConfigError as exc:
        return _fail(EXIT_CONFIG, "invalid config\n" + "\n".join(exc.errors))
    cam = config.camera
    if cam is None:
        return _fail(EXIT_CONFIG, f"{args.config}: no [camera] section")
    source = args.source or cam.source
    if args.source is None and parse_source(source)[0] == "file" and not Path(source).is_absolute():
        # Like every path in the config file, a file source is relative to that file.
        source = str(args.config.parent / source)
    model_dir = args.model_dir or cam.model_dir
    if model_dir is None:
        return _fail(EXIT_CONFIG, f"{args.config}: camera.model_dir is not set (or pass --model-dir)")

    cv2.setNumThreads(args.threads or cam.detector.threads)
    try:
        detector = PersonDetector(
            model_dir,
            input_size=(cam.detector.input_width, cam.detector.input_height),
            conf_threshold=cam.detector.conf_threshold,
            nms_threshold=cam.detector.nms_threshold,
            min_box_height=cam.detector.min_box_height,
            letterbox=cam.detector.letterbox,
        )
    except DetectorError as exc:
        return _fail(EXIT_DETECTOR, str(exc))

    kind, _ = parse_source(source)
    opts = cam.source_options
    pipeline: Pipeline | None = None

    def on_state(state: str, detail: str | None) -> None:
        log.warning("%s: %s%s", describe(source), state, f" ({detail})" if detail else "")
        if pipeline is not None:
            pipeline.publish_status("retrying" if state == "retrying" else "online", {"event": detail})

    try:
        if kind == "file":
            src: FileSource | LiveSource = FileSource(source)
            source_fps: float | None = src.fps
        else:
            src = LiveSource(
                source,
                stall_timeout_s=opts.stall_timeout_s,
                retry_initial_s=opts.retry_initial_s,
                retry_max_s=opts.retry_max_s,
                open_attempts=opts.open_attempts,
                max_fps=opts.max_fps,
                on_state=on_state,
            ).start()
            source_fps = None
    except SourceError as exc:
        return _fail(EXIT_SOURCE, str(exc))

    debug_out = args.debug_out or cam.debug.out
    mjpeg_port = args.debug_mjpeg or cam.debug.mjpeg_port
    try:
        counts = open_counts(args.counts_out)
        debug_writer = DebugWriter(debug_out, fps=source_fps or 10.0) if debug_out else None
        mjpeg = MjpegServer(mjpeg_port) if mjpeg_port else None
    except OSError as exc:
        src.close()
        what = f"{exc.filename}: " if getattr(exc, "filename", None) else ""
        return _fail(EXIT_CONFIG, f"cannot set up outputs: {what}{exc.strerror or exc}")
    sink, tree = make_sink(config, publish=not args.no_publish)
    if mjpeg:
        log.info("debug stream on http://127.0.0.1:%d/ (loopback only)", mjpeg.port)

    pipeline = Pipeline(
        camera_id=cam.id,
        detector=detector,
        tracker=Tracker(
            iou_threshold=cam.tracker.iou_threshold,
            max_center_distance=cam.tracker.max_center_distance,
            min_hits=cam.tracker.min_hits,
            max_age_s=cam.tracker.max_age_s,
        ),
        zones=ZoneMapper.from_config(
            cam.zones,
            linger_s=cam.linger_s,
            exit_grace_s=cam.publish.exit_grace_s,
            dwell_report_s=cam.publish.dwell_report_s,
        ),
        gate=EventGate(
            cam.id,
            occupancy_min_interval_s=cam.publish.occupancy_min_interval_s,
            occupancy_heartbeat_s=cam.publish.occupancy_heartbeat_s,
            max_events_per_s=cam.publish.max_events_per_s,
        ),
        sink=sink,
        tree=tree,
        source_stats=src.stats,
        counts_out=counts,
        debug_writer=debug_writer,
        debug_every=args.debug_every or cam.debug.every_n,
        mjpeg=mjpeg,
        status_interval_s=cam.publish.status_interval_s,
    )

    def on_signal(signum: int, frame: FrameType | None) -> None:
        pipeline.stop()
        if isinstance(src, LiveSource):
            src.request_stop()  # unblock a frames() loop waiting on a lost camera

    signal.signal(signal.SIGTERM, on_signal)
    signal.signal(signal.SIGINT, on_signal)

    health = None
    if config.metrics.camera_port and not args.no_publish:
        from edge.camera.metrics import start_health

        try:
            health = start_health(config.metrics.host, config.metrics.camera_port, cam.id, pipeline, src.stats,
                                  stall_s=max(30.0, 2 * opts.stall_timeout_s))
        except OSError as exc:  # a taken port costs the metrics, never the camera
            log.error("no /metrics: cannot listen on %s:%d (%s)", config.metrics.host,
                      config.metrics.camera_port, exc.strerror or exc)

    log.info(
        "camera %s: %s, %d zone areas, detector %dx%d conf %.2f, %s",
        cam.id,
        describe(source),
        len(cam.zones),
        cam.detector.input_width,
        cam.detector.input_height,
        cam.detector.conf_threshold,
        "no publish" if args.no_publish else f"broker {config.broker.host}:{config.broker.port}",
    )
    frames = src.frames()
    if args.max_frames:
        frames = itertools.islice(frames, args.max_frames)
    from edge.observability.http import Watchdog, sd_notify

    sd_notify("READY=1")
    watchdog = Watchdog(lambda: health is None or health.healthz()[0]).start()
    try:
        pipeline.run(frames)
    finally:
        sd_notify("STOPPING=1")
        watchdog.stop()
        if health is not None:
            health.stop()
        if isinstance(src, LiveSource):
            src.close()
        if counts is not None:
            counts.close()
        if debug_writer is not None:
            debug_writer.close()
        if mjpeg is not None:
            mjpeg.close()
    summary = pipeline.summary(source_fps)
    sink.close(final_status=status_payload(cam.id, "offline", {"reason": "stopped", **summary}))
    print(json.dumps(summary), flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
