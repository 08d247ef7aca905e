"""Artifact downloads for devices: bearer token, ``Range`` for resuming, streamed.

Only tarballs recorded in the registry are served (looked up by name in the
``models`` table, never by a path from the request), read from disk in 64 KiB
chunks so a large bundle never sits in memory. ``ETag`` is the tarball's
sha256, so ``If-Range`` with it resumes safely and a stale one gets the whole
file.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import Response, StreamingResponse
from starlette.routing import Route

from fleet.http import ApiError

CHUNK = 64 * 1024


def parse_range(header: str | None, size: int) -> tuple[int, int] | None:
    """The one byte range asked for as (first, last) inclusive, or None to send the whole file.

    Raises ApiError 416 when the range starts past the end. Malformed or
    multi-range headers are ignored (the whole file is sent), as RFC 9110 allows.
    """
    if not header or not header.startswith("bytes=") or "," in header:
        return None
    first_s, sep, last_s = header[len("bytes="):].strip().partition("-")
    if not sep:
        return None
    if first_s == "":  # suffix: the last N bytes
        if not last_s.isdigit():
            return None
        n = int(last_s)
        if n == 0 or size == 0:
            raise ApiError(416, f"range: {header!r} selects nothing of {size} bytes",
                           {"Content-Range": f"bytes */{size}"})
        return max(0, size - n), size - 1
    if not first_s.isdigit() or (last_s and not last_s.isdigit()):
        return None
    first = int(first_s)
    last = int(last_s) if last_s else size - 1
    if last_s and last < first:
        return None
    if first >= size:
        raise ApiError(416, f"range: {header!r} starts beyond the end ({size} bytes)",
                       {"Content-Range": f"bytes */{size}"})
    return first, min(last, size - 1)


def _stream(path: Path, start: int, length: int) -> Iterator[bytes]:
    with path.open("rb") as fh:
        fh.seek(start)
        left = length
        while left > 0:
            chunk = fh.read(min(CHUNK, left))
            if not chunk:  # file shrank under us: end the response short, the client sees it
                return
            left -= len(chunk)
            yield chunk


async def artifact(request: Request) -> Response:
    fleet = request.app.state.fleet
    who = fleet.auth.device_or_operator(request)
    name = request.path_params["name"]
    row = await run_in_threadpool(
        fleet.storage.one, "SELECT artifact, sha256, size FROM models WHERE artifact = ?", (name,))
    if row is None:
        raise ApiError(404, f"artifact {name!r} is not in the registry")
    path = fleet.config.artifact_dir / row["artifact"]
    try:
        size = path.stat().st_size
    except OSError:
        raise ApiError(404, f"artifact {name!r} is registered but missing from the artifact store") from None
    etag = f'"{row["sha256"]}"'
    headers = {"Accept-Ranges": "bytes", "ETag": etag, "Cache-Control": "no-store"}
    wanted = request.headers.get("range")
    if_range = request.headers.get("if-range")
    rng = parse_range(wanted, size) if (if_range is None or if_range == etag) else None
    if rng is None:
        start, length, status = 0, size, 200
    else:
        start, length, status = rng[0], rng[1] - rng[0] + 1, 206
        headers["Content-Range"] = f"bytes {rng[0]}-{rng[1]}/{size}"
    headers["Content-Length"] = str(length)
    fleet.count_download(who, name, start, length)
    if request.method == "HEAD":
        return Response(b"", status_code=status, headers=headers, media_type="application/gzip")
    return StreamingResponse(_stream(path, start, length), status_code=status, headers=headers,
                             media_type="application/gzip")


routes = [Route("/artifacts/{name}", artifact, methods=["GET", "HEAD"])]
