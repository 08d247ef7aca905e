"""OTA building blocks on their own: slots, download, verification, probation, config.

The download tests run a real HTTP server (stdlib, in a thread) that honours
Range and can cut a response in the middle, as a flaky store uplink does.
"""

from __future__ import annotations

import hashlib
import json
import shutil
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest
from edge_helpers import device_config, tiny_bundle
from ota_factory import pack, tamper, truncate, variant, wrong_shape

from edge.ota.download import DownloadError, download
from edge.ota.probation import Probation
from edge.ota.slots import SlotError, Slots
from edge.ota.verify import Refused, check_artifact, check_bundle, check_shape, extract
from firmware_config.loader import ConfigError, parse_config
from firmware_config.ota import ProbationConfig

# ---- slots -------------------------------------------------------------------------


def _fake_slot(slots: Slots, version: str) -> Path:
    d = slots.staging_dir(f"x-{version}")
    (d / "manifest.json").write_text(json.dumps({"model_version": version}))
    return slots.install(version, d)


def test_swap_keeps_previous_and_rollback_restores_it(tmp_path: Path) -> None:
    slots = Slots(tmp_path / "ota")
    _fake_slot(slots, "v1")
    slots.commit_swap("v1")
    slots.confirm("v1")
    _fake_slot(slots, "v2")
    state = slots.commit_swap("v2")
    assert (state.current, state.previous, state.probation) == ("v2", "v1", True)
    state = slots.rollback("slow_model: p99 9 ms")
    assert (state.current, state.previous) == ("v1", None)
    assert state.rejected["v2"].startswith("slow_model")
    assert Slots(tmp_path / "ota").read().current == "v1"  # durable, read back from disk


def test_slot_names_cannot_leave_the_bundles_dir(tmp_path: Path) -> None:
    slots = Slots(tmp_path / "ota")
    for bad in ("../etc", "a/b", ".hidden", "", "x" * 200, "a..b"):
        with pytest.raises(SlotError):
            slots.path(bad)
    outside = tmp_path / "elsewhere"
    outside.mkdir()
    with pytest.raises(SlotError, match="staging"):
        slots.install("v1", outside)


def test_restarts_soon_after_a_swap_boot_the_previous_slot(tmp_path: Path) -> None:
    slots = Slots(tmp_path / "ota")
    for v in ("v1", "v2"):
        _fake_slot(slots, v)
    slots.commit_swap("v1", now=0)
    slots.confirm("v1")
    slots.commit_swap("v2", now=1000)
    assert slots.record_boot(boots=3, window_s=60, now=1005) is None
    assert slots.record_boot(boots=3, window_s=60, now=1010) is None
    reason = slots.record_boot(boots=3, window_s=60, now=1015)
    assert reason is not None and reason.startswith("crash_loop")
    assert slots.read().current == "v1"
    # Restarts long after a swap (or after probation) are not counted.
    slots.commit_swap("v2", now=2000)
    assert slots.record_boot(boots=2, window_s=60, now=2100) is None
    assert slots.read().current == "v2"


def test_boot_falls_back_when_the_current_slot_does_not_verify(tmp_path: Path) -> None:
    slots = Slots(tmp_path / "ota")
    for v in ("v1", "v2"):
        _fake_slot(slots, v)
    slots.commit_swap("v1")
    slots.commit_swap("v2")

    def load(path: Path) -> str:
        if path.name == "v2":
            raise ValueError("tampered: model.tflite sha256 mismatch")
        return path.name

    assert slots.select(load) == ("v1", "v1")
    assert slots.read().rejected["v2"].startswith("invalid_slot: tampered")
    assert Slots(tmp_path / "ota").select(lambda p: (_ for _ in ()).throw(ValueError("x"))) is None


def test_prune_keeps_current_and_previous(tmp_path: Path) -> None:
    slots = Slots(tmp_path / "ota", keep=2)
    for v in ("v1", "v2", "v3"):
        _fake_slot(slots, v)
        slots.commit_swap(v)
    slots.confirm("v3")
    assert sorted(p.name for p in slots.bundles.iterdir()) == ["v2", "v3"]


def test_unreadable_pointer_means_no_slot_not_a_crash(tmp_path: Path) -> None:
    slots = Slots(tmp_path / "ota")
    slots.pointer.write_text("{not json")
    assert slots.read().current is None


# ---- download ------------------------------------------------------------------------


class _Server:
    """Serves one file at /a.tar.gz with Range; ``cut_first`` bytes ends the first response early."""

    def __init__(self, data: bytes, *, token: str = "tok", cut_first: int | None = None) -> None:
        self.data, self.token, self.cut_first = data, token, cut_first
        self.requests: list[str | None] = []
        outer = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, *a) -> None:
                pass

            def do_GET(self) -> None:
                outer.requests.append(self.headers.get("Range"))
                if self.headers.get("Authorization") != f"Bearer {outer.token}":
                    self.send_response(401)
                    self.send_header("Content-Length", "0")
                    self.end_headers()
                    return
                start = 0
                rng = self.headers.get("Range")
                if rng:
                    start = int(rng.split("=")[1].split("-")[0])
                    self.send_response(206)
                    self.send_header("Content-Range", f"bytes {start}-{len(outer.data) - 1}/{len(outer.data)}")
                else:
                    self.send_response(200)
                body = outer.data[start:]
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                if outer.cut_first is not None:
                    self.wfile.write(body[: outer.cut_first])
                    outer.cut_first = None
                    self.wfile.flush()
                    self.connection.shutdown(2)
                    return
                self.wfile.write(body)

        self.httpd = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.httpd.server_address[1]}/a.tar.gz"
        threading.Thread(target=self.httpd.serve_forever, daemon=True).start()

    def close(self) -> None:
        self.httpd.shutdown()
        self.httpd.server_close()


def test_cut_download_resumes_with_range_and_completes(tmp_path: Path) -> None:
    data = bytes(range(256)) * 2000
    server = _Server(data, cut_first=100_000)
    seen: list[int] = []
    try:
        result = download(server.url, tmp_path / "a.part", token="tok", max_bytes=10**7,
                          backoff_s=0.01, progress=lambda n, total: seen.append(n))
    finally:
        server.close()
    assert (tmp_path / "a.part").read_bytes() == data
    assert result.attempts == 2 and result.resumed_from == 100_000
    assert server.requests == [None, "bytes=100000-"]
    assert seen[-1] == len(data)


def test_download_refuses_more_than_the_bound_and_a_wrong_token(tmp_path: Path) -> None:
    server = _Server(b"x" * 50_000)
    try:
        with pytest.raises(DownloadError, match="too_large"):
            download(server.url, tmp_path / "b.part", token="tok", max_bytes=10_000)
        with pytest.raises(DownloadError, match="http_401"):
            download(server.url, tmp_path / "c.part", token="wrong", max_bytes=10**6)
    finally:
        server.close()


# ---- verification ----------------------------------------------------------------------


@pytest.fixture(scope="module")
def base_bundle() -> Path:
    return tiny_bundle()


def _art(base: Path, tmp: Path, version: str, **kw):
    return pack(variant(base, tmp / version, version=version, **kw))


def test_good_artifact_extracts_loads_and_passes_the_smoke_test(tmp_path: Path, base_bundle: Path) -> None:
    art = _art(base_bundle, tmp_path, "v2")
    check_artifact(art.tarball, sha256=art.sha256, size=art.size)
    path = extract(art.tarball, tmp_path / "x")
    bundle, key = check_bundle(path, trusted_keys=[], require_signature=False, expected_version="v2")
    assert key is None and bundle.model_version == "v2"
    assert check_shape(bundle).model_version == "v2"


def test_each_bad_artifact_is_refused_with_its_reason(tmp_path: Path, base_bundle: Path) -> None:
    good = _art(base_bundle, tmp_path, "v2")
    with pytest.raises(Refused) as e:
        check_artifact(good.tarball, sha256=hashlib.sha256(b"other").hexdigest(), size=good.size)
    assert e.value.reason == "tampered"
    cut = truncate(good)
    with pytest.raises(Refused) as e:
        check_artifact(cut.tarball, sha256=cut.sha256, size=cut.size)
    assert e.value.reason == "truncated"
    with pytest.raises(Refused) as e:
        check_artifact(cut.tarball, sha256=cut.sha256, size=cut.tarball.stat().st_size)
    assert e.value.reason == "truncated"  # complete download of a cut file: the archive ends early
    with pytest.raises(Refused) as e:
        extract(cut.tarball, tmp_path / "cut")
    assert e.value.reason == "truncated"

    tampered = variant(base_bundle, tmp_path / "t", version="v3")
    tamper(tampered)
    with pytest.raises(Refused) as e:
        check_bundle(tampered, trusted_keys=[], require_signature=False)
    assert e.value.reason == "tampered"

    with pytest.raises(Refused) as e:
        check_bundle(variant(base_bundle, tmp_path / "u", version="v4"), trusted_keys=[],
                     require_signature=True)
    assert e.value.reason == "unsigned"

    shaped = variant(base_bundle, tmp_path / "s", version="v5")
    wrong_shape(shaped)
    bundle, _ = check_bundle(shaped, trusted_keys=[], require_signature=False)
    with pytest.raises(Refused) as e:
        check_shape(bundle)
    assert e.value.reason == "wrong_shape"


def test_older_build_is_a_downgrade_unless_asked_for(tmp_path: Path, base_bundle: Path) -> None:
    from edge.bundle import load_bundle

    active = load_bundle(variant(base_bundle, tmp_path / "new", version="new",
                                 created_at="2026-12-01T10:00:00+00:00"))
    old = variant(base_bundle, tmp_path / "old", version="old", created_at="2026-11-01T10:00:00+00:00")
    with pytest.raises(Refused) as e:
        check_bundle(old, trusted_keys=[], require_signature=False, active=active)
    assert e.value.reason == "downgrade"
    bundle, _ = check_bundle(old, trusted_keys=[], require_signature=False, active=active,
                             allow_downgrade=True)
    assert bundle.model_version == "old"


def test_manifest_version_must_match_the_desired_state(tmp_path: Path, base_bundle: Path) -> None:
    path = variant(base_bundle, tmp_path / "v9", version="v9")
    with pytest.raises(Refused, match="tampered"):
        check_bundle(path, trusted_keys=[], require_signature=False, expected_version="v10")


# ---- probation -------------------------------------------------------------------------


class _Clock:
    def __init__(self) -> None:
        self.t = 0.0

    def __call__(self) -> float:
        return self.t


def test_probation_rolls_back_a_slow_model_and_passes_a_good_one() -> None:
    cfg = ProbationConfig(window_s=10, min_signals=100, max_p99_ms=5.0)
    clock = _Clock()
    slow = Probation("v2", cfg, clock=clock)
    for _i in range(99):
        slow.record(0.020, "model")
    assert slow.check().breach is None  # too few signals for a verdict
    slow.record(0.020, "model")
    verdict = slow.check()
    assert verdict.breach is not None and verdict.breach.startswith("slow_model: p99 20.0 ms")

    good = Probation("v3", cfg, clock=clock)
    for _i in range(500):
        good.record(0.001, "model")
    assert not good.check().done
    clock.t = 10.5
    verdict = good.check()
    assert verdict.breach is None and verdict.done


def test_a_model_too_slow_to_reach_min_signals_is_judged_when_the_window_ends() -> None:
    cfg = ProbationConfig(window_s=5, min_signals=200, max_p99_ms=50.0)
    clock = _Clock()
    p = Probation("v-slow", cfg, clock=clock)
    for _ in range(30):  # a saturated device answers only a few signals
        p.record(0.150, "model")
    assert p.check().breach is None and not p.check().done
    clock.t = 5.0
    assert p.check().breach.startswith("slow_model: p99 150.0 ms")
    quiet = Probation("v2", cfg, clock=clock)
    clock.t = 12.0
    assert not quiet.check().done  # no signals yet: keep watching ...
    clock.t = 5.0 + 3 * 5.0
    assert quiet.check().done  # ... but a quiet store does not hold an update forever


def test_probation_breaches_on_errors_watchdog_and_popularity_fallback() -> None:
    cfg = ProbationConfig(window_s=10, min_signals=10, max_fallback_share=0.5)
    p = Probation("v2", cfg)
    p.error()
    assert p.check().breach.startswith("inference_errors")
    p = Probation("v2", cfg)
    p.watchdog_trip()
    assert p.check().breach.startswith("watchdog")
    p = Probation("v2", cfg)
    for i in range(20):
        p.record(0.001, "popularity" if i % 4 else "model")
        p.record(0.001, "popularity", eligible=False)  # anonymous under a popularity policy: not judged
    assert p.check().breach.startswith("popularity_fallback: 75%")


def test_probation_ratio_against_the_previous_model() -> None:
    cfg = ProbationConfig(window_s=10, min_signals=10, max_p99_ms=1000, max_p99_ratio=2.0)
    p = Probation("v2", cfg, baseline_p99_ms=1.0)
    for _ in range(20):
        p.record(0.0025, "model")
    assert p.check().breach.startswith("slow_model: p99 2.5 ms > 2 x")


# ---- config ------------------------------------------------------------------------------


def test_ota_table_resolves_paths_and_requires_keys(tmp_path: Path) -> None:
    base = device_config(tmp_path, None, None).model_dump(mode="json")
    cfg = parse_config({**base, "ota": {"trusted_keys": ["keys/fleet.pub"], "state_dir": "ota",
                                        "probation": {"window_s": 30}}}, tmp_path / "device.toml")
    assert cfg.ota is not None
    assert cfg.ota.trusted_keys == [tmp_path / "keys/fleet.pub"]
    assert cfg.ota.state_dir == tmp_path / "ota"
    assert cfg.ota.probation.window_s == 30
    with pytest.raises(ConfigError, match="trusted_keys: at least one public key"):
        parse_config({**base, "ota": {}}, tmp_path / "device.toml")
    with pytest.raises(ConfigError, match="ota.probation.window_sx: Extra inputs"):
        parse_config({**base, "ota": {"trusted_keys": ["k"], "probation": {"window_sx": 1}}},
                     tmp_path / "device.toml")


def test_token_file_overrides_the_inline_token(tmp_path: Path) -> None:
    (tmp_path / "token").write_text("secret-1\n")
    base = device_config(tmp_path, None, None).model_dump(mode="json")
    cfg = parse_config({**base, "ota": {"trusted_keys": ["k"], "token": "inline", "token_file": "token"}},
                       tmp_path / "device.toml")
    assert cfg.ota.fleet_token() == "secret-1"
    shutil.rmtree(tmp_path / "ota", ignore_errors=True)


def test_https_download_trusts_the_configured_ca_only(tmp_path: Path) -> None:
    import datetime
    import ipaddress
    import ssl

    from cryptography import x509
    from cryptography.hazmat.primitives import hashes, serialization
    from cryptography.hazmat.primitives.asymmetric import ec
    from cryptography.x509.oid import NameOID

    key = ec.generate_private_key(ec.SECP256R1())
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "127.0.0.1")])
    now = datetime.datetime.now(datetime.UTC)
    cert = (x509.CertificateBuilder().subject_name(name).issuer_name(name).public_key(key.public_key())
            .serial_number(1).not_valid_before(now - datetime.timedelta(minutes=1))
            .not_valid_after(now + datetime.timedelta(hours=1))
            .add_extension(x509.SubjectAlternativeName([x509.IPAddress(ipaddress.ip_address("127.0.0.1"))]),
                           critical=False)
            .add_extension(x509.BasicConstraints(ca=True, path_length=None), critical=True)
            .sign(key, hashes.SHA256()))
    (tmp_path / "ca.pem").write_bytes(cert.public_bytes(serialization.Encoding.PEM))
    (tmp_path / "key.pem").write_bytes(key.private_bytes(serialization.Encoding.PEM,
                                                         serialization.PrivateFormat.PKCS8,
                                                         serialization.NoEncryption()))
    data = b"bundle bytes " * 1000
    server = _Server(data)
    ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    ctx.load_cert_chain(tmp_path / "ca.pem", tmp_path / "key.pem")
    server.httpd.socket = ctx.wrap_socket(server.httpd.socket, server_side=True)
    url = server.url.replace("http://", "https://")
    try:
        with pytest.raises(DownloadError, match="unreachable"):
            download(url, tmp_path / "a.part", token="tok", max_bytes=10**6, attempts=1)
        trusted = ssl.create_default_context(cafile=str(tmp_path / "ca.pem"))
        download(url, tmp_path / "b.part", token="tok", max_bytes=10**6, attempts=1, ssl_context=trusted)
    finally:
        server.close()
    assert (tmp_path / "b.part").read_bytes() == data
