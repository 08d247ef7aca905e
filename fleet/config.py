"""``fleet serve --config FILE``: the service's TOML configuration.

    storage = "sqlite:///var/lib/fleet/fleet.db"
    listen = "0.0.0.0:8443"
    public_url = "https://fleet.example.com:8443"  # base of the artifact URLs sent to devices
    tls_cert_file = "tls/fleet.crt"              # HTTPS: both or neither
    tls_key_file = "tls/fleet.key"
    artifact_dir = "/var/lib/fleet/artifacts"
    trusted_keys = ["keys/signing.pub"]          # fleet publish accepts bundles signed by these
    operator_token_file = "operator.token"       # or operator_token = "..."
    device_tokens_file = "device-tokens.toml"    # device_id = "token" lines; or a [device_tokens] table

    [broker]                                     # the same shape as a device's [broker]
    host = "127.0.0.1"
    port = 1883

Relative paths resolve against the config file's folder. Every error names the
file and the field.
"""

from __future__ import annotations

import hashlib
import tomllib
from pathlib import Path

from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator

from firmware_config.schema import BrokerConfig


class ConfigError(Exception):
    """A config file that cannot be used: every problem, each with its field."""


class ConsoleConfig(BaseModel):
    """The web console's settings (docs/console.md)."""

    model_config = ConfigDict(extra="forbid")

    warehouse: str | None = Field(default=None, description="Feedback warehouse URL for the results page "
                                  "(sqlite:///path/wh.db or postgresql://...); none: the page says so.")


class FleetConfig(BaseModel):
    model_config = ConfigDict(extra="forbid")

    storage: str = Field(description="Storage URL: sqlite:///path/fleet.db or postgresql://user@host:5432/db.")
    listen: str = Field(default="127.0.0.1:8080", pattern=r"^[^:\s]+:\d{1,5}$", description="host:port to serve on.")
    public_url: str | None = Field(default=None, pattern=r"^https?://[^\s/]+(/[^\s]*)?$",
                                   description="Base URL devices reach the service at; defaults to http(s)://<listen>.")
    tls_cert_file: Path | None = Field(default=None, description="PEM certificate chain: serve HTTPS (tokens never cross in clear).")
    tls_key_file: Path | None = Field(default=None, description="PEM private key of tls_cert_file.")
    artifact_dir: Path = Field(description="Where published tarballs are stored and served from.")
    trusted_keys: list[Path] = Field(default_factory=list, description="PEM public keys whose signatures `fleet publish` accepts.")
    operator_token: str | None = Field(default=None, min_length=16, description="Bearer token of the JSON API.")
    operator_token_file: Path | None = None
    device_tokens: dict[str, str] = Field(default_factory=dict, description="device_id -> bearer token for artifact downloads.")
    device_tokens_file: Path | None = None
    broker: BrokerConfig | None = Field(default=None, description="Broker with the devices' status and desired topics; none: no MQTT.")
    console: ConsoleConfig | None = Field(default=None, description="The web console (pages under /console).")

    @field_validator("device_tokens")
    @classmethod
    def _tokens_long_enough(cls, value: dict[str, str]) -> dict[str, str]:
        short = [d for d, tok in value.items() if len(tok) < 16]
        if short:
            raise ValueError(f"tokens shorter than 16 characters for {', '.join(sorted(short))}")
        return value

    @property
    def host(self) -> str:
        return self.listen.rsplit(":", 1)[0]

    @property
    def port(self) -> int:
        return int(self.listen.rsplit(":", 1)[1])

    @property
    def base_url(self) -> str:
        scheme = "https" if self.tls_cert_file else "http"
        return (self.public_url or f"{scheme}://{self.listen}").rstrip("/")

    def operator_token_value(self) -> str:
        if self.operator_token:
            return self.operator_token
        assert self.operator_token_file is not None
        return self.operator_token_file.read_text(encoding="utf-8").strip()


def _read_toml(path: Path, what: str) -> dict:
    try:
        with path.open("rb") as fh:
            return tomllib.load(fh)
    except FileNotFoundError:
        raise ConfigError(f"{path}: {what} not found") from None
    except tomllib.TOMLDecodeError as exc:
        raise ConfigError(f"{path}: not valid TOML ({exc})") from None


def load_config(path: Path) -> FleetConfig:
    """Read and validate a config file; raises :class:`ConfigError` listing every problem."""
    path = Path(path)
    raw = _read_toml(path, "config file")
    try:
        cfg = FleetConfig.model_validate(raw)
    except ValidationError as exc:
        lines = [f"{path}: {'.'.join(str(p) for p in e['loc']) or 'config'}: {e['msg']}" for e in exc.errors()]
        raise ConfigError("\n".join(lines)) from None
    base = path.parent

    def rel(p: Path | None) -> Path | None:
        return None if p is None or p.is_absolute() else base / p

    updates: dict = {"artifact_dir": rel(cfg.artifact_dir) or cfg.artifact_dir,
                     "trusted_keys": [rel(k) or k for k in cfg.trusted_keys]}
    for name in ("operator_token_file", "tls_cert_file", "tls_key_file"):
        value = getattr(cfg, name)
        if value is not None:
            updates[name] = rel(value) or value
    if cfg.storage.startswith("sqlite:///") and not cfg.storage.startswith("sqlite:////") \
            and cfg.storage != "sqlite:///:memory:":
        updates["storage"] = "sqlite:///" + str((base / cfg.storage[len("sqlite:///"):]).resolve())
    cfg = cfg.model_copy(update=updates)
    if (cfg.tls_cert_file is None) != (cfg.tls_key_file is None):
        raise ConfigError(f"{path}: tls_cert_file and tls_key_file go together (HTTPS needs both)")
    for name in ("tls_cert_file", "tls_key_file"):
        file = getattr(cfg, name)
        if file is not None and not file.is_file():
            raise ConfigError(f"{path}: {name}: {file} not found")
    if cfg.public_url is None and cfg.host in ("0.0.0.0", "::", "[::]"):
        raise ConfigError(f"{path}: public_url is required when listen is {cfg.listen} "
                          "(devices need an address they can reach, not 'all interfaces')")
    if cfg.operator_token is None and cfg.operator_token_file is None:
        raise ConfigError(f"{path}: operator_token or operator_token_file is required (the JSON API is never open)")
    if cfg.operator_token_file is not None:
        try:
            token = cfg.operator_token_value()
        except OSError as exc:
            raise ConfigError(f"{path}: operator_token_file: {exc}") from None
        if len(token) < 16:
            raise ConfigError(f"{cfg.operator_token_file}: operator token shorter than 16 characters")
    if cfg.device_tokens_file is not None:
        tfile = rel(cfg.device_tokens_file) or cfg.device_tokens_file
        data = _read_toml(tfile, "device tokens file")
        table = data.get("device_tokens", data)
        bad = [k for k, v in table.items() if not isinstance(v, str) or len(v) < 16]
        if bad:
            raise ConfigError(f"{tfile}: {', '.join(bad)}: token must be a string of at least 16 characters")
        cfg = cfg.model_copy(update={"device_tokens": {**cfg.device_tokens, **table}, "device_tokens_file": tfile})
    return cfg


def token_digest(token: str) -> str:
    """Tokens are looked up by digest, so a lookup's timing says nothing about a near-miss token."""
    return hashlib.sha256(token.encode()).hexdigest()
