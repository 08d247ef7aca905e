"""``edge-device run --cpus`` and ``--gc-gen0``: process-level knobs, on a real device process."""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
from pathlib import Path

import pytest

from deploy.local_broker import MosquittoBroker
from edge.cli import parse_cpus


def test_cpu_lists_parse_like_taskset_and_bad_ones_say_why() -> None:
    assert parse_cpus("1") == {1}
    assert parse_cpus("0,2-3") == {0, 2, 3}
    for bad, why in (("x", "not a CPU number"), ("3-1", "not a valid CPU range"), ("", "no CPU")):
        with pytest.raises(argparse.ArgumentTypeError, match=why):
            parse_cpus(bad)


def _device_config(tmp_path: Path, port: int) -> Path:
    from edge_helpers import device_toml

    return device_toml(tmp_path, port)


def test_pinned_device_runs_every_thread_on_the_given_cpu_and_still_answers(
        tmp_path: Path, broker: MosquittoBroker) -> None:
    from edge_helpers import Probe, location, topics

    cpu = max(os.sched_getaffinity(0))
    config = _device_config(tmp_path, broker.port)
    probe = Probe(broker)
    proc = subprocess.Popen([sys.executable, "-m", "edge.cli", "run", "--config", str(config),
                             "--cpus", str(cpu), "--gc-gen0", "10000"],
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        probe.wait_for(lambda t, b: t == topics().status and (b or {}).get("state") == "online", timeout=60)
        sig = location("produce", track="m1")
        probe.publish(topics().location, sig)
        probe.reco_for(sig["signal_id"], "produce-screen")  # started, connected, answering
        tids = os.listdir(f"/proc/{proc.pid}/task")
        assert len(tids) >= 4  # worker, log writer, both MQTT links: all started after the pin
        for tid in tids:
            assert os.sched_getaffinity(int(tid)) == {cpu}, tid
    finally:
        probe.close()
        proc.terminate()
        proc.wait(15)


def test_a_cpu_the_machine_does_not_have_stops_the_start_with_the_reason(tmp_path: Path) -> None:
    config = _device_config(tmp_path, 1)
    res = subprocess.run([sys.executable, "-m", "edge.cli", "run", "--config", str(config), "--cpus", "4096"],
                         capture_output=True, text=True, timeout=60)
    assert res.returncode == 2
    assert "--cpus [4096]: cannot pin the device there" in res.stderr
    assert "this machine allows" in res.stderr
