"""Hostile and mutated device configs: validation never crashes, never passes a
config that cannot run, and the device refuses at start what validation refuses.

Each case is written as a real TOML file and run through ``firmware-config
validate`` (in process for the 200-mutation fuzz, a subprocess for a few);
a sample of the accepted ones is started as a real ``edge-device`` on a real
Mosquitto and must answer a signal.
"""

from __future__ import annotations

import copy
import json
import math
import os
import random
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

import pytest
from edge_helpers import Probe, tiny_bundle, wait_until

from deploy.local_broker import MosquittoBroker
from deploy.process import stop_process
from edge.comms.topics import TopicTree
from firmware_config import cli
from firmware_config.loader import load_config

MUTATIONS = 200
SERVED_SAMPLE = 3
DEEP = 5000


class Raw(str):
    """TOML text written as is (a 5,000-digit integer, a 5,000-deep array)."""


def toml_value(v: Any) -> str:
    if isinstance(v, Raw):
        return str(v)
    if isinstance(v, bool):
        return "true" if v else "false"
    if isinstance(v, int):
        return str(v)
    if isinstance(v, float):
        if math.isnan(v):
            return "nan"
        if math.isinf(v):
            return "inf" if v > 0 else "-inf"
        return repr(v)
    if isinstance(v, str):
        return json.dumps(v, ensure_ascii=False)  # JSON string escapes are TOML basic-string escapes
    if isinstance(v, list):
        return "[" + ", ".join(toml_value(x) for x in v) + "]"
    if isinstance(v, dict):
        return "{" + ", ".join(f"{json.dumps(k)} = {toml_value(x)}" for k, x in v.items()) + "}"
    raise TypeError(type(v))


def write_toml(path: Path, data: dict) -> Path:
    path.write_text("\n".join(f"{json.dumps(k)} = {toml_value(v)}" for k, v in data.items()) + "\n",
                    encoding="utf-8")
    return path


def base_config(work: Path, port: int) -> dict:
    return {
        "device_id": "fz1",
        "store_id": "fzstore",
        "broker": {"host": "127.0.0.1", "port": port, "keepalive_s": 5},
        "model": {"bundle_path": str(tiny_bundle())},
        "storage": {"db_path": str(work / "state.db")},
        "policy": {"k": 6, "diversity_weight": 0.3, "near_boost": 0.5, "session_ttl_s": 600},
        "zones": [
            {"id": "produce", "name": "Produce", "departments": ["PRODUCE"], "neighbours": ["deli"]},
            {"id": "deli", "departments": ["DELI"], "neighbours": ["produce"]},
        ],
        "displays": [
            {"id": "produce-screen", "kind": "screen", "zone": "produce", "slots": 4},
            {"id": "deli-screen", "kind": "screen", "zone": "deli", "slots": 3},
        ],
        "feedback": {"sync": {"enabled": False, "batch": 500, "backoff_max_s": 10.0}},
    }


def leaf_paths(value: Any, where: tuple = ()) -> list[tuple]:
    """Every key/index path in a config mapping, containers included."""
    paths = [where] if where else []
    if isinstance(value, dict):
        for k, v in value.items():
            paths += leaf_paths(v, (*where, k))
    elif isinstance(value, list):
        for i, v in enumerate(value):
            paths += leaf_paths(v, (*where, i))
    return paths


def set_at(data: Any, path: tuple, value: Any) -> None:
    for key in path[:-1]:
        data = data[key]
    data[path[-1]] = value


def delete_at(data: Any, path: tuple) -> None:
    for key in path[:-1]:
        data = data[key]
    del data[path[-1]]


def hostile_values(work: Path) -> list[Any]:
    empty_bundle = work / "empty.tar.gz"
    empty_bundle.touch()
    return [
        "", " ", "x\x00y", "x" * 70_000, "store/+/#", "a b", "é\u202e", "../nowhere/at/all",
        str(work), str(empty_bundle), str(work / "missing-dir" / "x"),
        -1, 0, 1, 2**63, 10**300, Raw("1" * 5000), Raw("0x7fffffffffffffffffff"),
        -0.0, 1e308, math.inf, -math.inf, math.nan, True, False,
        [], {}, ["a", 1], [["a"]], Raw("[" * DEEP + "]" * DEEP), {"x": 1}, [{"id": []}],
    ]


def mutate(rng: random.Random, base: dict, values: list[Any]) -> dict:
    data = copy.deepcopy(base)
    for _ in range(rng.choice((1, 1, 1, 2, 3))):
        paths = leaf_paths(data)
        how = rng.choice(("set", "set", "set", "delete", "add", "duplicate"))
        path = rng.choice(paths)
        try:
            if how == "set":
                set_at(data, path, rng.choice(values))
            elif how == "delete":
                delete_at(data, path)
            elif how == "add":
                parent = data
                for key in path[:-1]:
                    parent = parent[key]
                if isinstance(parent, dict):
                    parent[rng.choice(("colour", "x" * 300, "tls", "retries"))] = rng.choice(values)
            elif how == "duplicate":
                for key in ("zones", "displays"):
                    if isinstance(data.get(key), list) and data[key]:
                        data[key].append(copy.deepcopy(data[key][0]))
        except (KeyError, IndexError, TypeError):
            pass  # the path went away with an earlier change
    return data


def validate(path: Path, capsys: pytest.CaptureFixture[str]) -> tuple[int, str]:
    code = cli.main(["validate", str(path)])  # an exception here is the traceback the user would see
    out = capsys.readouterr()
    return code, out.out + out.err


# ---- named cases: each once passed validation and then failed at run time ----------------


@pytest.fixture
def work(tmp_path: Path) -> Path:
    (tmp_path / "adir").mkdir()
    (tmp_path / "empty-bundle").mkdir()
    return tmp_path


NAMED: list[tuple[str, Any, str]] = [
    ("broker.client_id", "c" * 70_000, "broker.client_id: String should have at most 128"),
    ("broker.client_id", "dev/+/#", "broker.client_id: String should match pattern"),
    ("broker.host", "", "broker.host: String should have at least 1"),
    ("storage.db_path", "state\x00.db", "storage.db_path: Value error, path contains a NUL byte"),
    ("storage.db_path", "", "storage.db_path: Value error, path is empty"),
    ("storage.db_path", "{work}/adir", "storage.db_path: is a directory"),
    ("model.bundle_path", "{work}/nope", "model.bundle_path: does not exist"),
    ("model.bundle_path", "{work}/empty-bundle", "model.bundle_path: not a model bundle"),
    ("broker.tls", {"ca_file": "{work}/missing-ca.pem"}, "broker.tls.ca_file: not a readable file"),
    ("broker.tls", {"ca_file": "{work}/state.toml"}, "broker.tls.ca_file: not a PEM CA certificate"),
    ("feedback.sync.uplink_state_topic", "bridge/+/state", "feedback.sync.uplink_state_topic: String should match"),
    ("feedback.outbox.max_rows", 2**63, "feedback.outbox.max_rows: Input should be less than or equal"),
    ("policy.near_boost", math.inf, "policy.near_boost: Input should be a finite number"),
    ("policy.min_stock", Raw("9" * 5000), "not valid TOML"),
    ("zones.0.departments", Raw("[" * DEEP + "]" * DEEP), "not valid TOML"),
    ("zones.0.neighbours", [["deli"]], "zones.0.neighbours.0: Input should be a valid string"),
    ("displays.0.zone", ["produce"], "displays.0.zone: Input should be a valid string"),
    ("zones.0.id", {"x": 1}, "zones.0.id: Input should be a valid string"),
]


@pytest.mark.parametrize(("where", "value", "expected"), NAMED, ids=[f"{w}={str(v)[:20]!r}" for w, v, _ in NAMED])
def test_config_that_cannot_run_is_refused_with_its_field(work: Path, where: str, value: Any, expected: str,
                                                         capsys: pytest.CaptureFixture[str]) -> None:
    data = base_config(work, 1883)
    if isinstance(value, str):
        value = type(value)(value.replace("{work}", str(work)))
    if isinstance(value, dict):
        value = {k: v.replace("{work}", str(work)) if isinstance(v, str) else v for k, v in value.items()}
    path = tuple(int(p) if p.isdigit() else p for p in where.split("."))
    parent = data
    for key in path[:-1]:
        parent = parent.setdefault(key, {}) if isinstance(parent, dict) else parent[key]
    parent[path[-1]] = value
    file = write_toml(work / "state.toml", data)
    code, out = validate(file, capsys)
    assert code == 1, out
    assert expected in out
    assert "Traceback" not in out
    assert all(line.startswith(f"{file}: ") for line in out.splitlines()), out
    assert len(out) < 2000, "an error line must not echo a huge value"


def test_edge_device_refuses_at_start_what_validate_refuses(work: Path) -> None:
    data = base_config(work, 1883)
    data["storage"]["db_path"] = str(work / "adir")
    data["model"]["bundle_path"] = str(work / "nope")
    file = write_toml(work / "device.toml", data)
    res = subprocess.run([sys.executable, "-m", "edge.cli", "run", "--config", str(file)],
                         capture_output=True, text=True, timeout=60)
    assert res.returncode == 2, res.stderr
    assert f"{file}: storage.db_path: is a directory" in res.stderr
    assert f"{file}: model.bundle_path: does not exist" in res.stderr
    assert "Traceback" not in res.stderr


def test_validate_cli_subprocess_prints_no_traceback_on_a_deep_array(work: Path) -> None:
    data = base_config(work, 1883)
    data["zones"][0]["departments"] = Raw("[" * DEEP + "]" * DEEP)
    data["policy"]["k"] = Raw("7" * 5000)
    file = write_toml(work / "deep.toml", data)
    res = subprocess.run([sys.executable, "-m", "firmware_config.cli", "validate", str(file)],
                         capture_output=True, text=True, timeout=60)
    assert res.returncode == 1
    assert "Traceback" not in res.stderr
    assert res.stderr.startswith(f"{file}: not valid TOML")


# ---- the fuzz ------------------------------------------------------------------------------------


def test_200_mutated_configs_validate_without_traceback_and_accepted_ones_serve(
    tmp_path: Path, broker: MosquittoBroker, capsys: pytest.CaptureFixture[str]
) -> None:
    rng = random.Random(14)
    base = base_config(tmp_path, broker.port)
    values = hostile_values(tmp_path)
    accepted: list[Path] = []
    rejected = 0
    for n in range(MUTATIONS):
        case = tmp_path / f"case{n}"
        case.mkdir()
        data = mutate(rng, base, values)
        if isinstance(data.get("storage"), dict) and data["storage"].get("db_path") == base["storage"]["db_path"]:
            data["storage"]["db_path"] = str(case / "state.db")  # each accepted case its own database
        file = write_toml(case / "device.toml", data)
        code, out = validate(file, capsys)
        assert code in (0, 1), out
        assert "Traceback" not in out and "internal error" not in out, out
        if code == 1:
            rejected += 1
            lines = out.splitlines()
            assert lines and all(line.startswith(f"{file}: ") for line in lines), out
            assert all(len(line) < 1500 for line in lines), "an error line echoes a huge value"
        else:
            accepted.append(file)
    assert rejected > MUTATIONS // 2 and accepted, (rejected, len(accepted))

    # Accepted means it runs: start a sample as real devices on the real broker.
    reachable = [f for f in accepted
                 if (c := load_config(f)).broker.host == "127.0.0.1" and c.broker.port == broker.port
                 and c.broker.tls is None and c.broker.username is None and c.displays]
    sample = [reachable[i] for i in sorted(rng.sample(range(len(reachable)), min(SERVED_SAMPLE, len(reachable))))]
    assert sample
    if os.environ.get("EDGE_CONFIG_FUZZ_SERVE_ALL"):
        # Every accepted config (minutes: run locally, not in CI): the reachable ones must
        # answer a signal, the others (another broker, TLS, no display) start and stay up.
        sample = reachable
        for file in accepted:
            if file not in reachable:
                assert_starts(file)
        print(f"config fuzz: {len(accepted)} of {MUTATIONS} accepted; {len(reachable)} served a signal, "
              f"{len(accepted) - len(reachable)} started and stayed up")
    for file in sample:
        assert_serves(file, broker)


def assert_starts(file: Path, seconds: float = 4.0) -> None:
    """The device starts on this config and is still running after ``seconds`` (no traceback)."""
    proc = subprocess.Popen([sys.executable, "-m", "edge.cli", "run", "--config", str(file), "--log-level", "WARNING"],
                            stderr=subprocess.PIPE, text=True, env={**os.environ, "PYTHONUNBUFFERED": "1"})
    try:
        time.sleep(seconds)
        assert proc.poll() is None, f"{file} exited {proc.returncode}: {proc.stderr.read() if proc.stderr else ''}"
    finally:
        stop_process(proc, 15)
    err = proc.stderr.read() if proc.stderr else ""
    assert "Traceback" not in err, err[-3000:]


def assert_serves(file: Path, broker: MosquittoBroker) -> None:
    config = load_config(file)
    tree = TopicTree(config.store_id, config.device_id, config.broker.topic_prefix)
    display = config.displays[0]
    probe = Probe(broker, tree)
    proc = subprocess.Popen([sys.executable, "-m", "edge.cli", "run", "--config", str(file), "--log-level", "WARNING"],
                            stderr=subprocess.PIPE, text=True, env={**os.environ, "PYTHONUNBUFFERED": "1"})
    try:
        assert wait_until(lambda: any(t == tree.status and (b or {}).get("state") == "online"
                                      for t, b, _ in list(probe.messages)) or proc.poll() is not None, 30), file
        assert proc.poll() is None, f"{file} exited {proc.returncode}: {proc.stderr.read() if proc.stderr else ''}"
        if config.model is None:
            # No model: zone popularity over what the store has sold (edge/serving/fallback.py);
            # a fresh database has sold nothing, so ring up a named item first.
            probe.publish(tree.pos, {"v": 1, "signal_id": "fz-sale", "ts": time.time(), "transaction_id": "fz-t1",
                                     "items": [{"item_id": "FZ1", "quantity": 1, "price": 2.0, "name": "Bread"}]})
        deadline = time.monotonic() + 15
        while True:
            sid = f"fz-{time.monotonic_ns()}"
            probe.publish(tree.location, {"v": 1, "signal_id": sid, "ts": time.time(), "shopper": {"track_id": "fz"},
                                          "zone": display.zone, "action": "enter"}, qos=0)
            reco = probe.reco_for(sid, display.id, timeout=15)
            if reco["items"] or config.model is not None or time.monotonic() > deadline:
                break
            time.sleep(0.5)  # the learned catalogue is swapped in within seconds of the sale
        assert reco["items"], file
    finally:
        probe.close()
        stop_process(proc, 15)
    err = proc.stderr.read() if proc.stderr else ""
    assert "Traceback" not in err, err[-3000:]
