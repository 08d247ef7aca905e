"""Fleet service pieces without the service process: storage migrations and
the rollout engine's stages and rules on both engines (a real SQLite file and a
real PostgreSQL server started by the tests), Range parsing, config errors."""

from __future__ import annotations

import json
import time
import uuid
from pathlib import Path

import pytest

from edge.comms.topics import DeviceStatus
from fleet import storage as storage_module
from fleet.artifacts import parse_range
from fleet.config import ConfigError, load_config
from fleet.http import ApiError
from fleet.rollouts import RolloutError, RolloutRequest, Rollouts, assign_stages
from fleet.storage import MIGRATIONS, StorageError, open_storage


@pytest.fixture(params=["sqlite", "postgresql"])
def fleet_url(request: pytest.FixtureRequest, tmp_path: Path) -> str:
    """An empty fleet database on each engine."""
    if request.param == "sqlite":
        return f"sqlite:///{tmp_path / 'fleet.db'}"
    return request.getfixturevalue("postgres_server").create_database(f"fleet_{uuid.uuid4().hex[:12]}")


def test_migrations_apply_once_and_record_the_schema_version(fleet_url: str) -> None:
    url = fleet_url
    s = open_storage(url)
    assert s.schema_version() == MIGRATIONS[-1][0] == 2
    tables = {r["table_name"] for r in s.query("SELECT table_name FROM information_schema.tables")} \
        if s.dialect.name == "postgresql" else \
        {r["name"] for r in s.query("SELECT name FROM sqlite_master WHERE type = 'table'")}
    assert {"devices", "models", "rollouts", "rollout_targets", "events", "users", "schema_migrations"} <= tables
    s.close()
    again = open_storage(url)
    assert again.migrate() == []  # nothing left to apply
    again.execute("INSERT INTO schema_migrations (version, description, applied_at) VALUES (99, 'x', 0)")
    again.close()
    with pytest.raises(StorageError, match="schema version 99 is newer"):
        open_storage(url)


def test_an_older_database_is_upgraded_at_open(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    url = f"sqlite:///{tmp_path}/old.db"
    monkeypatch.setattr(storage_module, "MIGRATIONS", MIGRATIONS[:1])  # the schema a first release shipped
    old = open_storage(url)
    old.execute("INSERT INTO models (version, published_at, size, sha256, key_id, artifact, manifest_json)"
                " VALUES ('m-1', 0, 1, 'x', 'k', 'm-1.tar.gz', '{}')")
    old.close()
    monkeypatch.undo()
    s = open_storage(url)
    assert s.schema_version() == 2
    columns = {r["name"] for r in s.query("PRAGMA table_info(rollouts)")}
    assert {"stage_timeout_s", "stage_started_at"} <= columns
    assert s.one("SELECT version FROM models") == {"version": "m-1"}  # data kept across the upgrade


def test_a_dropped_postgres_connection_is_reopened(postgres_server) -> None:  # noqa: ANN001
    import psycopg

    s = open_storage(postgres_server.create_database(f"fleet_{uuid.uuid4().hex[:12]}"))
    pid = s.one("SELECT pg_backend_pid() AS pid")["pid"]
    with psycopg.connect(postgres_server.url(), autocommit=True) as admin:  # as a server restart would
        admin.execute("SELECT pg_terminate_backend(%s)", (pid,))
    assert s.one("SELECT COUNT(*) AS n FROM models") == {"n": 0}  # re-opened, not an error
    assert s.one("SELECT pg_backend_pid() AS pid")["pid"] != pid
    with s.tx():
        s.execute("INSERT INTO devices (id, state, updated_at) VALUES ('d1', 'unknown', 0)")
    assert s.one("SELECT id FROM devices") == {"id": "d1"}


def test_storage_urls_are_checked(tmp_path: Path) -> None:
    with pytest.raises(StorageError, match="unsupported storage URL"):
        open_storage("mysql://x")
    with pytest.raises(StorageError, match=r"postgresql://fleet:\*\*\*@127.0.0.1:1/fleet: .*"):
        open_storage("postgresql://fleet:secret@127.0.0.1:1/fleet")  # nothing listens; password never shown


def test_a_failed_transaction_leaves_nothing(fleet_url: str) -> None:
    s = open_storage(fleet_url)
    with pytest.raises(RuntimeError), s.tx():
        s.execute("INSERT INTO devices (id, state, updated_at) VALUES ('d1', 'unknown', 0)")
        raise RuntimeError("crash mid-transaction")
    assert s.query("SELECT * FROM devices") == []


@pytest.mark.parametrize(("canary", "waves", "sizes"), [
    (1, [10, 50, 100], [1, 0, 4, 5]),
    (0, [100], [10]),
    (2, [30, 100], [2, 1, 7]),
    (20, [100], [10, 0]),
])
def test_stages_take_the_canary_then_cumulative_percentages(canary: int, waves: list[int],
                                                           sizes: list[int]) -> None:
    ids = [f"d{i}" for i in range(10)]
    stages = assign_stages(ids, canary, waves)
    assert [len(s) for s in stages] == sizes
    assert sum(stages, []) == ids


class Fleet:
    """A rollout engine on real SQLite with a recording publisher."""

    def __init__(self, url: str, n: int = 5) -> None:
        self.storage = open_storage(url)
        self.sent: list[tuple[str, bytes]] = []
        self.ids = [f"d{i}" for i in range(n)]
        self.now = 1000.0
        self.r = Rollouts(self.storage, base_url="http://fleet", downloadable=set(self.ids),
                          publish=lambda t, p: self.sent.append((t, p)), clock=lambda: self.now)
        for v in ("m-1", "m-2"):
            self.storage.execute(
                "INSERT INTO models (version, created_at, published_at, size, sha256, key_id, artifact, manifest_json)"
                " VALUES (?, '', 0, 10, ?, 'k', ?, '{}')", (v, "0" * 64, f"{v}.tar.gz"))
        for d in self.ids:
            self.report(d, active="m-1")

    def report(self, device: str, *, active: str | None, ota: dict | None = None, store: str = "s1") -> None:
        detail = {"model": {"active": active}} | ({"ota": ota} if ota else {})
        self.r.on_status(store, device, DeviceStatus(device_id=device, state="online", ts=time.time(),
                                                     detail=detail))

    def desired_for(self, device: str) -> list[dict]:
        return [json.loads(p) if p else {} for t, p in self.sent if t == f"store/s1/device/{device}/desired"]

    def stage_devices(self, rid: str, stage: int) -> list[str]:
        return [t["device"] for t in self.r.status(rid)["targets"] if t["stage"] == stage]


def test_rollout_goes_canary_then_waves_as_devices_report_active(fleet_url: str) -> None:
    f = Fleet(fleet_url)
    st = f.r.create(RolloutRequest(model="m-2", all=True, canary=1, waves=[50, 100]))
    assert [s["devices"] for s in st["stages"]] == [1, 2, 2]
    canary = f.stage_devices(st["id"], 0)[0]
    assert [d["model_version"] for d in f.desired_for(canary)] == ["m-2"]
    assert sum(len(f.desired_for(d)) for d in f.ids) == 1  # nothing beyond the canary yet
    desired = f.desired_for(canary)[0]
    assert desired["artifact_url"] == "http://fleet/artifacts/m-2.tar.gz" and desired["rollout_id"] == st["id"]
    f.report(canary, active="m-2", ota={"state": "probation", "version": "m-2"})
    assert f.r.status(st["id"])["current_stage"] == 0  # still in probation: not done
    f.report(canary, active="m-2", ota={"state": "active", "version": "m-2"})
    st = f.r.status(st["id"])
    assert st["current_stage"] == 1 and st["stages"][0]["done"] == 1
    for stage in (1, 2):
        for d in f.stage_devices(st["id"], stage):
            f.report(d, active="m-2", ota={"state": "active", "version": "m-2"})
    st = f.r.status(st["id"])
    assert st["state"] == "completed"
    assert all(s["done"] == s["devices"] for s in st["stages"])


def test_a_rolled_back_device_pauses_the_rollout_with_its_reason(fleet_url: str) -> None:
    f = Fleet(fleet_url)
    rid = f.r.create(RolloutRequest(model="m-2", all=True, canary=1, waves=[100]))["id"]
    canary = f.stage_devices(rid, 0)[0]
    f.report(canary, active="m-1", ota={"state": "rolled_back", "version": "m-2", "rollout_id": rid,
                                        "reason": "slow_model: p99 9.1 ms > 4 ms"})
    st = f.r.status(rid)
    assert st["state"] == "paused" and "slow_model: p99 9.1 ms" in st["reason"]
    assert st["targets"][0]["state"] == "failed"
    assert sum(len(f.desired_for(d)) for d in f.ids) == 1  # the next stage did not start
    st = f.r.resume(rid)  # the operator accepts the failure: the next stage starts
    assert st["state"] == "running" and st["current_stage"] == 1
    assert sum(len(f.desired_for(d)) for d in f.ids) == 5


def test_abort_on_aborts_and_clears_desired_state_of_unfinished_devices(fleet_url: str) -> None:
    f = Fleet(fleet_url)
    rid = f.r.create(RolloutRequest(model="m-2", all=True, canary=2, abort_on=["refused"]))["id"]
    first, second = f.stage_devices(rid, 0)
    f.report(first, active="m-1", ota={"state": "refused", "version": "m-2", "reason": "wrong_key: k"})
    st = f.r.status(rid)
    assert st["state"] == "aborted" and "wrong_key" in st["reason"]
    assert f.desired_for(second)[-1] == {}  # cleared: keep what you run
    assert {t["state"] for t in st["targets"]} == {"failed", "cancelled"}
    with pytest.raises(RolloutError, match="already aborted"):
        f.r.abort(rid)


def test_rollback_supersedes_an_active_rollout_and_allows_downgrade(fleet_url: str) -> None:
    f = Fleet(fleet_url)
    rid = f.r.create(RolloutRequest(model="m-2", devices=["d0", "d1"]))["id"]
    f.report("d0", active="m-2", ota={"state": "active", "version": "m-2"})
    rb = f.r.rollback(to="m-1", store="s1", reason="bad conversion")
    assert f.r.status(rid)["state"] == "aborted"
    assert "superseded by a rollback to m-1" in f.r.status(rid)["reason"]
    assert rb["kind"] == "rollback" and rb["allow_downgrade"] is True
    assert f.desired_for("d0")[-1]["allow_downgrade"] is True
    assert rb["state"] == "running"  # d0 must come back to m-1; the others already run it
    f.report("d0", active="m-1", ota={"state": "active", "version": "m-1"})
    assert f.r.status(rb["id"])["state"] == "completed"


@pytest.mark.parametrize(("req", "status", "message"), [
    (RolloutRequest(model="nope", all=True), 404, "not in the registry"),
    (RolloutRequest(model="m-2", all=True, waves=[50, 20, 100]), 400, "increase strictly"),
    (RolloutRequest(model="m-2", all=True, waves=[10, 50]), 400, "end at 100"),
    (RolloutRequest(model="m-2", all=True, abort_on=["exploded"]), 400, "abort_on: exploded"),
    (RolloutRequest(model="m-2", all=True, stage_timeout_s=0.5), 400, "stage_timeout_s"),
    (RolloutRequest(model="m-2", devices=["d0", "ghost"]), 404, "unknown device(s) ghost"),
    (RolloutRequest(model="m-2", store="s9"), 404, "no device has reported from store 's9'"),
    (RolloutRequest(model="m-2", devices=["d0"], store="s1"), 400, "exactly one of"),
])
def test_bad_rollout_requests_are_refused_with_the_field(tmp_path: Path, req: RolloutRequest, status: int,
                                                         message: str) -> None:
    f = Fleet(f"sqlite:///{tmp_path / 'fleet.db'}")
    with pytest.raises(RolloutError) as info:
        f.r.create(req)
    assert info.value.status == status and message in str(info.value)


def test_a_silent_device_fails_its_stage_after_the_timeout_and_pauses_the_rollout(fleet_url: str) -> None:
    f = Fleet(fleet_url)
    rid = f.r.create(RolloutRequest(model="m-2", all=True, canary=2, stage_timeout_s=60))["id"]
    quick, silent = f.stage_devices(rid, 0)
    f.report(quick, active="m-2", ota={"state": "active", "version": "m-2"})
    f.now += 59
    f.r.tick()
    assert f.r.status(rid)["state"] == "running"
    f.now += 2
    f.r.tick()
    st = f.r.status(rid)
    assert st["state"] == "paused" and st["reason"] == f"{silent} timeout: not active within 60 s"
    failed = next(t for t in st["targets"] if t["device"] == silent)
    assert failed["state"] == "failed" and failed["reason"].startswith("timeout: not active 60 s")
    f.now += 600  # paused time does not count against the next stage
    st = f.r.resume(rid)
    assert st["state"] == "running" and st["current_stage"] == 1
    f.r.tick()
    assert f.r.status(rid)["state"] == "running"


def test_timeout_in_abort_on_aborts(fleet_url: str) -> None:
    f = Fleet(fleet_url)
    rid = f.r.create(RolloutRequest(model="m-2", devices=["d0"], stage_timeout_s=5, abort_on=["timeout"]))["id"]
    f.now += 6
    f.r.tick()
    assert f.r.status(rid)["state"] == "aborted"


def test_all_skips_devices_that_cannot_be_reached_but_named_ones_are_refused(fleet_url: str) -> None:
    f = Fleet(fleet_url, n=3)
    f.storage.execute("INSERT INTO devices (id, state, updated_at) VALUES ('new-box', 'unknown', 0)")
    f.report("no-token", active="m-1")
    st = f.r.create(RolloutRequest(model="m-2", all=True))
    assert sorted(t["device"] for t in st["targets"]) == ["d0", "d1", "d2"]
    created = next(e for e in st["events"] if e["kind"] == "rollout_created")
    assert created["detail"]["skipped"] == ["new-box (never reported)", "no-token (no token)"]
    with pytest.raises(RolloutError, match="never reported a status .*: new-box"):
        f.r.create(RolloutRequest(model="m-2", devices=["new-box"]))
    with pytest.raises(RolloutError, match="without a download token .*: no-token"):
        f.r.create(RolloutRequest(model="m-2", devices=["no-token"]))


def test_a_device_in_an_active_rollout_cannot_join_another(fleet_url: str) -> None:
    f = Fleet(fleet_url)
    f.r.create(RolloutRequest(model="m-2", devices=["d0"]))
    with pytest.raises(RolloutError, match=r"already in an active rollout: d0 \(r1\)") as info:
        f.r.create(RolloutRequest(model="m-2", all=True))
    assert info.value.status == 409


def test_device_events_record_model_history_and_rollback_reasons(fleet_url: str) -> None:
    f = Fleet(fleet_url, n=1)
    f.report("d0", active="m-2", ota={"state": "probation", "version": "m-2"})
    f.report("d0", active="m-1", ota={"state": "rolled_back", "version": "m-2", "reason": "crash_loop: 3 in 60 s"})
    rows = f.storage.query("SELECT kind, reason FROM events WHERE device_id = 'd0' ORDER BY id")
    kinds = [r["kind"] for r in rows]
    assert kinds.count("model_changed") == 3  # None -> m-1 -> m-2 -> m-1
    assert {"kind": "ota_rolled_back", "reason": "crash_loop: 3 in 60 s"} in rows


@pytest.mark.parametrize(("header", "size", "expected"), [
    ("bytes=0-9", 100, (0, 9)),
    ("bytes=90-", 100, (90, 99)),
    ("bytes=95-200", 100, (95, 99)),
    ("bytes=-10", 100, (90, 99)),
    ("bytes=-500", 100, (0, 99)),
    ("bytes=5-1", 100, None),      # invalid: ignored, whole file
    ("bytes=0-1,5-6", 100, None),  # multi-range: whole file
    ("items=0-1", 100, None),
    (None, 100, None),
])
def test_range_header_parsing(header: str | None, size: int, expected: tuple[int, int] | None) -> None:
    assert parse_range(header, size) == expected


@pytest.mark.parametrize("header", ["bytes=100-", "bytes=500-600", "bytes=-0"])
def test_unsatisfiable_ranges_are_416_with_the_size(header: str) -> None:
    with pytest.raises(ApiError) as info:
        parse_range(header, 100)
    assert info.value.status == 416 and info.value.headers == {"Content-Range": "bytes */100"}


def test_config_errors_name_the_file_and_field(tmp_path: Path) -> None:
    cfg = tmp_path / "fleet.toml"
    cfg.write_text('storage = "sqlite:///x.db"\nartifact_dir = "a"\nlisten = "nowhere"\ncolour = 1\n'
                   'device_tokens = {d1 = "short"}\n')
    with pytest.raises(ConfigError) as info:
        load_config(cfg)
    text = str(info.value)
    assert f"{cfg}: listen:" in text and f"{cfg}: colour: Extra inputs" in text
    assert "d1" in text and "shorter than 16" in text
    cfg.write_text('storage = "sqlite:///x.db"\nartifact_dir = "a"\n')
    with pytest.raises(ConfigError, match="operator_token or operator_token_file is required"):
        load_config(cfg)


def test_config_refuses_half_tls_and_an_unreachable_default_url(tmp_path: Path) -> None:
    cfg = tmp_path / "fleet.toml"
    base = 'storage = "sqlite:///x.db"\nartifact_dir = "a"\noperator_token = "0123456789abcdef"\n'
    cfg.write_text(base + 'tls_cert_file = "c.pem"\n')
    with pytest.raises(ConfigError, match="tls_cert_file and tls_key_file go together"):
        load_config(cfg)
    cfg.write_text(base + 'listen = "0.0.0.0:8080"\n')
    with pytest.raises(ConfigError, match="public_url is required when listen is 0.0.0.0:8080"):
        load_config(cfg)
    cfg.write_text(base + 'listen = "0.0.0.0:8080"\npublic_url = "https://fleet.example.com"\n')
    assert load_config(cfg).base_url == "https://fleet.example.com"
