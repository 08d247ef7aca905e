"""Resumable, bounded HTTP(S) download of a bundle into the staging area.

Why the standard library (``http.client``) and not httpx: the device then needs
no extra package for OTA, and what it needs is small and explicit here: one
GET with ``Range: bytes=N-`` when a partial file exists, a bearer token, a
size bound checked before and while writing, and a progress callback. A store
uplink that drops mid-transfer costs only the bytes not yet received: the next
attempt resumes from the ``.part`` file (206), or starts over when the server
ignores the range (200).

Errors are :class:`DownloadError` with a reason word first (``too_large``,
``http_404``, ``unreachable``, ``cut``...), so the OTA status names the cause.
"""

from __future__ import annotations

import http.client
import os
import re
import ssl
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import urlsplit

CHUNK = 64 * 1024
_CONTENT_RANGE = re.compile(r"bytes (\d+)-(\d+)/(\d+|\*)")


class DownloadError(Exception):
    """A download that did not complete; ``reason`` is one word for the status."""

    def __init__(self, reason: str, detail: str) -> None:
        super().__init__(f"{reason}: {detail}")
        self.reason = reason


@dataclass
class DownloadResult:
    path: Path
    bytes: int
    resumed_from: int
    """Bytes already on disk when the completing attempt started (0: a fresh download)."""
    attempts: int


def fetch(
    url: str,
    part: Path,
    *,
    token: str | None = None,
    max_bytes: int,
    timeout_s: float = 30.0,
    progress: Callable[[int, int | None], None] | None = None,
    should_stop: Callable[[], bool] | None = None,
    ssl_context: ssl.SSLContext | None = None,
) -> tuple[int, int]:
    """One attempt: GET ``url`` into ``part``, resuming from its current size.

    Returns (total bytes on disk, bytes present before this attempt). Raises
    :class:`DownloadError`; the ``.part`` file keeps what arrived, for the next
    attempt."""
    split = urlsplit(url)
    if split.scheme not in ("http", "https") or not split.hostname:
        raise DownloadError("bad_url", f"{url!r}: only http(s) URLs are fetched")
    have = part.stat().st_size if part.exists() else 0
    if have > max_bytes:
        part.unlink()
        have = 0
    headers = {"User-Agent": "edge-device-ota/1", "Accept-Encoding": "identity"}
    if token:
        headers["Authorization"] = f"Bearer {token}"
    if have:
        headers["Range"] = f"bytes={have}-"
    conn: http.client.HTTPConnection
    if split.scheme == "https":
        conn = http.client.HTTPSConnection(split.hostname, split.port, timeout=timeout_s,
                                           context=ssl_context or ssl.create_default_context())
    else:
        conn = http.client.HTTPConnection(split.hostname, split.port, timeout=timeout_s)
    path = split.path or "/"
    if split.query:
        path += "?" + split.query
    try:
        try:
            conn.request("GET", path, headers=headers)
            resp = conn.getresponse()
        except (OSError, http.client.HTTPException) as exc:
            raise DownloadError("unreachable", f"{split.netloc}: {exc}") from exc
        if resp.status == 416 and have:
            # Our partial file is not a prefix of what the server has now: start over.
            resp.read()
            part.unlink(missing_ok=True)
            raise DownloadError("restart", f"{url}: range {have}- not satisfiable; restarting")
        if resp.status == 200:
            offset = 0  # the server ignored the range (or there was none)
        elif resp.status == 206:
            m = _CONTENT_RANGE.match(resp.getheader("Content-Range", ""))
            if not m or int(m.group(1)) != have:
                part.unlink(missing_ok=True)
                raise DownloadError("restart", f"{url}: unexpected Content-Range "
                                    f"{resp.getheader('Content-Range')!r} for bytes={have}-")
            offset = have
        else:
            raise DownloadError(f"http_{resp.status}", f"{url}: {resp.status} {resp.reason}")
        length = resp.getheader("Content-Length")
        expected = offset + int(length) if length and length.isdigit() else None
        if expected is not None and expected > max_bytes:
            raise DownloadError("too_large", f"{url}: {expected} bytes > max_bundle_bytes {max_bytes}")
        mode = "r+b" if offset else "wb"
        if offset and not part.exists():
            mode = "wb"
        size = offset
        with open(part, mode) as fh:
            fh.seek(offset)
            fh.truncate()
            while True:
                if should_stop is not None and should_stop():
                    raise DownloadError("stopped", f"{url}: stopped at {size} bytes")
                try:
                    chunk = resp.read(CHUNK)
                except (OSError, http.client.HTTPException) as exc:
                    fh.flush()
                    raise DownloadError("cut", f"{url}: connection lost at {size} bytes ({exc})") from exc
                if not chunk:
                    break
                size += len(chunk)
                if size > max_bytes:
                    fh.truncate(0)
                    raise DownloadError("too_large", f"{url}: more than max_bundle_bytes {max_bytes}")
                fh.write(chunk)
                if progress is not None:
                    progress(size, expected)
            fh.flush()
            os.fsync(fh.fileno())
        if expected is not None and size < expected:
            raise DownloadError("cut", f"{url}: connection closed at {size} of {expected} bytes")
        return size, have
    finally:
        conn.close()


def download(
    url: str,
    part: Path,
    *,
    token: str | None = None,
    max_bytes: int,
    attempts: int = 8,
    timeout_s: float = 30.0,
    backoff_s: float = 0.5,
    progress: Callable[[int, int | None], None] | None = None,
    should_stop: Callable[[], bool] | None = None,
    ssl_context: ssl.SSLContext | None = None,
) -> DownloadResult:
    """Download with retries; every retry resumes from what is already on disk."""
    last: DownloadError | None = None
    delay = backoff_s
    for attempt in range(1, attempts + 1):
        try:
            size, have = fetch(url, part, token=token, max_bytes=max_bytes, timeout_s=timeout_s,
                               progress=progress, should_stop=should_stop, ssl_context=ssl_context)
            return DownloadResult(path=part, bytes=size, resumed_from=have, attempts=attempt)
        except DownloadError as exc:
            last = exc
            if exc.reason in ("too_large", "bad_url", "stopped") or exc.reason in (
                    "http_401", "http_403", "http_404"):
                raise
        except TimeoutError as exc:
            last = DownloadError("timeout", f"{url}: {exc}")
        if last.reason != "restart":
            if should_stop is not None and should_stop():
                raise last
            time.sleep(delay)
            delay = min(delay * 2, 10.0)
    assert last is not None
    raise last
