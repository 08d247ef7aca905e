"""Console security and pages over HTTP against a real `fleet serve` with a real
Mosquitto, users made by `fleet users add`, a real feedback warehouse: login,
sessions, roles, CSRF, and that the pages show what the service knows."""

from __future__ import annotations

import csv
import io
from collections.abc import Iterator
from pathlib import Path

import pytest

from deploy.console_seed import seed_feedback
from deploy.local_broker import MosquittoBroker
from tests.console_helpers import Client, add_user
from tests.fleet_helpers import (
    FakeDevice,
    FleetServer,
    make_bundle,
    make_keys,
    run_fleet,
    write_config,
)

PAGES = ["/console/", "/console/devices/edge-1", "/console/models", "/console/rollouts", "/console/rollouts/r1",
         "/console/results", "/console/results/proof-of-play.csv", "/console/stream?ids=edge-1"]
ACTIONS = [("/console/rollouts", {"model": "v2", "target": "all"}), ("/console/rollouts/r1/pause", {}),
           ("/console/rollouts/r1/resume", {}), ("/console/rollouts/r1/abort", {}),
           ("/console/rollback", {"to": "v1", "device": "edge-1"})]


class Stack:
    def __init__(self, root: Path) -> None:
        self.broker = MosquittoBroker(workdir=root / "broker")
        self.broker.start()
        keys = make_keys(root / "keys")
        self.wh = f"sqlite:///{root / 'wh.db'}"
        seed_feedback(self.wh, [("v1", 0.04, 0.02), ("v2", 0.08, 0.03)], impressions=3000)
        self.config = write_config(root, self.broker.port, ["edge-1", "edge-2"], [keys / "signing.pub"],
                                   extra=["[console]", f'warehouse = "{self.wh}"'])
        for v in ("v1", "v2"):
            done = run_fleet("publish", str(make_bundle(root / v, v, keys / "signing.key")), "--config",
                             str(self.config))
            assert done.returncode == 0, done.stderr
        for name, role in (("olga", "operator"), ("vic", "viewer")):
            done = add_user(self.config, name, role, {"olga": "operator-pass-1", "vic": "viewer-pass-1"}[name])
            assert done.returncode == 0, done.stderr
        self.fleet = FleetServer(self.config).start()
        self.devices = [FakeDevice(self.broker.port, "store-a", d, self.fleet.url, active="v1")
                        for d in ("edge-1", "edge-2")]

    def close(self) -> None:
        for d in self.devices:
            d.close()
        self.fleet.stop()
        self.broker.cleanup()


@pytest.fixture(scope="module")
def stack(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Stack]:
    s = Stack(tmp_path_factory.mktemp("console"))
    try:
        yield s
    finally:
        s.close()


def test_every_page_and_action_without_a_session_redirects_to_login(stack: Stack) -> None:
    anon = Client(stack.fleet.url)
    for path in PAGES:
        status, headers, _ = anon.get(path)
        assert status == 303 and headers["location"].startswith("/console/login?next="), (path, status)
    for path, form in ACTIONS:
        status, headers, _ = anon.post(path, form, csrf=False)
        assert status == 303 and headers["location"].startswith("/console/login"), (path, status)
    assert anon.get("/")[1]["location"] == "/console/"
    # The JSON API keeps its own bearer-token check; a console cookie is no key to it.
    assert stack.fleet.request("GET", "/api/devices", token=None)[0] == 401


def test_login_sets_a_strict_httponly_session_and_wrong_passwords_fail(stack: Stack) -> None:
    c = Client(stack.fleet.url)
    status, _, page = c.login("olga", "not-her-password")
    assert status == 401 and "Wrong name or password" in page
    status, _, _ = c.login("nobody", "whatever-123")
    assert status == 401
    status, headers, _ = c.login("olga")
    assert status == 303 and headers["location"] == "/console/"
    cookie = headers["set-cookie"].lower()
    assert "fleet_session=" in cookie and "httponly" in cookie and "samesite=strict" in cookie
    status, _, page = c.get("/console/")
    assert status == 200 and "olga (operator)" in page


def test_users_add_stores_only_an_argon2_hash_and_refuses_bad_input(stack: Stack) -> None:
    import sqlite3

    db = stack.config.parent / "fleet.db"
    rows = sqlite3.connect(db).execute("SELECT name, password_hash, role FROM users ORDER BY name").fetchall()
    assert [(n, r) for n, _, r in rows] == [("olga", "operator"), ("vic", "viewer")]
    assert all(h.startswith("$argon2id$") and "operator-pass-1" not in h for _, h, _ in rows)
    bad = add_user(stack.config, "eve", "admin", "long-enough-pass")
    assert bad.returncode == 2 and "invalid choice" in bad.stderr
    short = add_user(stack.config, "eve", "viewer", "short")
    assert short.returncode == 1 and "password: shorter than 8" in short.stderr


def test_a_viewer_sees_every_page_but_gets_403_on_operator_actions(stack: Stack) -> None:
    v = Client(stack.fleet.url)
    assert v.login("vic")[0] == 303
    for path in PAGES[:-1]:
        status, _, page = v.get(path)
        # r1 exists once the operator test made it; before, the page is a plain 404 (still behind login).
        assert status == 200 or (path.endswith("/r1") and status == 404), (path, status, page[:300])
    status, _, page = v.get("/console/rollouts")
    assert "Start rollout" not in page  # no form a viewer cannot use
    for path, form in ACTIONS:
        status, _, page = v.post(path, form)
        assert status == 403 and "viewer" in page, (path, status)
    assert stack.fleet.api("GET", "/api/rollouts")[1]["rollouts"] == []


def test_a_post_without_or_with_a_wrong_csrf_token_is_refused(stack: Stack) -> None:
    o = Client(stack.fleet.url)
    assert o.login("olga")[0] == 303
    for path, form in ACTIONS:
        assert o.post(path, form, csrf=False)[0] == 403, path
        assert o.request("POST", path, {**form, "csrf": "forged"})[0] == 403, path
    assert o.request("POST", "/console/logout", {})[0] == 403
    # A login form posted without its double-submit token is refused too.
    assert Client(stack.fleet.url).request("POST", "/console/login",
                                           {"name": "olga", "password": "operator-pass-1"})[0] == 403
    assert stack.fleet.api("GET", "/api/rollouts")[1]["rollouts"] == []


def test_an_operator_starts_and_aborts_a_rollout_through_the_service(stack: Stack) -> None:
    o = Client(stack.fleet.url)
    assert o.login("olga")[0] == 303
    status, _, page = o.get("/console/")
    assert "edge-1" in page and "store-a" in page
    # Filters, search and sort run on the server: only matching rows come back.
    assert 'id="dev-edge-2"' in o.get("/console/?q=edge-2")[2] and 'id="dev-edge-1"' not in o.get("/console/?q=edge-2")[2]
    assert 'id="dev-edge-1"' not in o.get("/console/?state=offline")[2]
    page = o.get("/console/?sort=id&dir=desc")[2]
    assert page.index('id="dev-edge-2"') < page.index('id="dev-edge-1"')
    # The service's own validation answers a bad form: waves must end at 100.
    status, headers, _ = o.post("/console/rollouts", {"model": "v2", "target": "store", "store": "store-a",
                                                     "canary": "1", "waves": "50"})
    assert status == 303 and "error=" in headers["location"]
    assert "waves" in o.get(headers["location"])[2]
    status, headers, _ = o.post("/console/rollouts", {"model": "v2", "target": "devices", "devices": "edge-1",
                                                     "canary": "0", "waves": "100"})
    assert status == 303 and headers["location"].startswith("/console/rollouts/r"), headers
    rid = headers["location"].rsplit("/", 1)[1]
    api = stack.fleet.api("GET", f"/api/rollouts/{rid}")[1]
    assert api["model"] == "v2" and api["created_by"] == "console:olga"
    page = o.get(headers["location"])[2]
    assert "v2" in page and "edge-1" in page
    status, _, _ = o.post(f"/console/rollouts/{rid}/abort", {})
    assert status == 303
    assert stack.fleet.api("GET", f"/api/rollouts/{rid}")[1]["state"] in ("aborted", "completed")
    assert o.post("/console/logout", {})[0] == 303
    assert o.get("/console/")[0] == 303  # the session is gone server-side


def test_results_show_both_versions_with_intervals_and_the_csv_matches_the_page(stack: Stack) -> None:
    o = Client(stack.fleet.url)
    assert o.login("vic")[0] == 303
    status, _, page = o.get("/console/results")
    assert status == 200 and "v1" in page and "v2" in page and "A/B comparison" in page
    assert page.count("[") >= 6  # CTR, conversion and revenue intervals for both versions
    status, headers, body = o.get("/console/results/proof-of-play.csv")
    assert status == 200 and headers["content-type"].startswith("text/csv")
    rows = list(csv.DictReader(io.StringIO(body)))
    assert rows and set(rows[0]) == {"store_id", "display_id", "item_id", "hour_utc", "plays"}
    # Every impression shows 3 items: the plays add up to 3 x impressions.
    assert sum(int(r["plays"]) for r in rows) == 3 * 3000
    assert f"{len(rows):,} rows" in page


def test_repeated_wrong_passwords_for_a_name_are_slowed_down(stack: Stack) -> None:
    c = Client(stack.fleet.url)
    codes = [c.login("vic", f"wrong-{i}")[0] for i in range(7)]
    assert codes[:5] == [401] * 5 and 429 in codes[5:], codes
    status, _, page = c.login("vic")  # even the right password waits: the guesser cannot tell
    assert status == 429 and "try again in" in page
    assert Client(stack.fleet.url).login("olga")[0] == 303  # other names are not affected
