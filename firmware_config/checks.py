"""Checks of a valid config against the machine it will run on.

The schema (``firmware_config.schema``) says whether a config is well formed;
these checks say whether ``edge-device run`` can start with it here: the
bundle is there and readable, the state database can be created and written,
the TLS files load. Each of them once passed validation and then failed (or
hung) at run time. ``firmware-config validate`` runs them after the schema
(``--schema-only`` skips them, for a config written for another machine), and
``edge-device run`` runs the same function before it opens anything and exits 2
with the reasons.
"""

from __future__ import annotations

import os
import ssl
from pathlib import Path

from firmware_config.schema import DeviceConfig

BUNDLE_SUFFIXES = (".tar.gz", ".tgz")


def runtime_errors(config: DeviceConfig, source: Path | str = "<config>") -> list[str]:
    """Every problem that would stop this config from running here, as
    'file: field.path: reason' lines (the loader's format). Never raises."""
    errors: list[tuple[str, str]] = []
    try:
        if config.model is not None:
            errors += [("model.bundle_path", e) for e in _bundle_errors(config.model.bundle_path)]
        errors += [("storage.db_path", e) for e in _db_errors(config.storage.db_path)]
        tls = config.broker.tls
        if tls is not None:
            errors += _tls_errors(tls.ca_file, tls.cert_file, tls.key_file)
        ota = getattr(config, "ota", None)
        if ota is not None and ota.enabled:
            errors += _ota_errors(ota)
        camera = config.camera
        if camera is not None and camera.model_dir is not None and not camera.model_dir.is_dir():
            errors.append(("camera.model_dir", f"not a directory: {camera.model_dir}"))
    except (OSError, ValueError) as exc:  # a path the OS refuses outright
        errors.append(("(paths)", f"cannot check: {exc}"))
    return [f"{source}: {where}: {reason}" for where, reason in errors]


def _bundle_errors(path: Path) -> list[str]:
    if not path.exists():
        return [f"does not exist: {path}"]
    if path.is_dir():
        manifest = path / "manifest.json"
        if not manifest.is_file():
            return [f"not a model bundle (no manifest.json): {path}"]
        if manifest.stat().st_size == 0:
            return [f"empty manifest.json in {path}"]
        if not os.access(manifest, os.R_OK):
            return [f"manifest.json not readable: {path}"]
        return []
    if not path.is_file():
        return [f"neither a directory nor a file: {path}"]
    if not path.name.endswith(BUNDLE_SUFFIXES):
        return [f"a bundle file must be a {' or '.join(BUNDLE_SUFFIXES)} archive: {path}"]
    if path.stat().st_size == 0:
        return [f"empty file: {path}"]
    if not os.access(path, os.R_OK):
        return [f"not readable: {path}"]
    return []


def _db_errors(path: Path) -> list[str]:
    """SQLite in WAL mode writes the file and, beside it, '-wal' and '-shm'
    files: the file and its directory must both be writable."""
    if path.is_dir():
        return [f"is a directory, not a database file: {path}"]
    if path.exists():
        if not path.is_file():
            return [f"not a regular file: {path}"]
        if not os.access(path, os.R_OK | os.W_OK):
            return [f"not readable and writable: {path}"]
    return _writable_folder_errors(path.parent, " (the database and its WAL files live there)")


def _ota_errors(ota: object) -> list[tuple[str, str]]:
    errors: list[tuple[str, str]] = []
    state_dir = getattr(ota, "state_dir", None)
    if state_dir is not None:
        errors += [("ota.state_dir", e) for e in _writable_dir_errors(state_dir)]
    for i, key in enumerate(getattr(ota, "trusted_keys", None) or []):
        if not (key.is_file() and os.access(key, os.R_OK)):
            errors.append((f"ota.trusted_keys.{i}", f"not a readable file: {key}"))
    token_file = getattr(ota, "token_file", None)
    if token_file is not None and not (token_file.is_file() and os.access(token_file, os.R_OK)):
        errors.append(("ota.token_file", f"not a readable file: {token_file}"))
    return errors


def _writable_dir_errors(path: Path) -> list[str]:
    """A folder the device writes into (created when missing)."""
    if path.exists() and not path.is_dir():
        return [f"not a directory: {path}"]
    return _writable_folder_errors(path)


def _writable_folder_errors(folder: Path, why: str = "") -> list[str]:
    """The device creates missing folders: the nearest existing one decides
    whether ``folder`` can be created and written."""
    while not folder.exists() and folder != folder.parent:
        folder = folder.parent
    if not folder.is_dir():
        return [f"cannot create it: {folder} is not a directory"]
    if not os.access(folder, os.W_OK | os.X_OK):
        return [f"cannot write in {folder}{why}"]
    return []


def _tls_errors(ca_file: Path, cert_file: Path | None, key_file: Path | None) -> list[tuple[str, str]]:
    errors: list[tuple[str, str]] = []
    for where, path in (("broker.tls.ca_file", ca_file), ("broker.tls.cert_file", cert_file),
                        ("broker.tls.key_file", key_file)):
        if path is not None and not (path.is_file() and os.access(path, os.R_OK)):
            errors.append((where, f"not a readable file: {path}"))
    if (cert_file is None) != (key_file is None):
        errors.append(("broker.tls", "cert_file and key_file go together (mutual TLS needs both)"))
    if errors:
        return errors
    # Load them the way the MQTT client will, so a file that is not PEM, a
    # certificate without its key or an encrypted key fails here, not at connect.
    context = ssl.SSLContext(ssl.PROTOCOL_TLS_CLIENT)
    try:
        context.load_verify_locations(cafile=str(ca_file))
    except (ssl.SSLError, OSError) as exc:
        errors.append(("broker.tls.ca_file", f"not a PEM CA certificate: {ca_file} ({exc})"))
    if cert_file is not None and key_file is not None:
        try:
            # A passphrase callback that answers nothing: an encrypted key must
            # fail here instead of prompting on a headless device's stdin.
            context.load_cert_chain(str(cert_file), str(key_file), password=lambda: b"")
        except (ssl.SSLError, OSError) as exc:
            errors.append(("broker.tls.cert_file",
                           f"certificate and key do not load together (or the key is encrypted): {exc}"))
    return errors
