"""What every HTTP route of the service shares: errors as JSON and bearer-token auth.

The console (issue 9) adds session logins here: :meth:`Auth.operator` is the
one check every state-changing API route calls.
"""

from __future__ import annotations

import json
from typing import Any

from starlette.requests import Request
from starlette.responses import JSONResponse

from fleet.config import token_digest

MAX_BODY = 64 * 1024
"""Largest JSON request body accepted (a rollout of thousands of named devices fits)."""


class ApiError(Exception):
    """Answered as ``{"error": message}`` with ``status``; never a stack trace."""

    def __init__(self, status: int, message: str, headers: dict[str, str] | None = None) -> None:
        self.status = status
        self.message = message
        self.headers = headers
        super().__init__(message)


async def api_error(request: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, ApiError)
    return JSONResponse({"error": exc.message}, status_code=exc.status, headers=exc.headers)


class Auth:
    """Bearer tokens: one operator token for the API, one token per device for downloads."""

    def __init__(self, operator_token: str, device_tokens: dict[str, str]) -> None:
        self._operator = token_digest(operator_token)
        self._devices = {token_digest(tok): device for device, tok in device_tokens.items()}

    @staticmethod
    def _bearer(request: Request) -> str:
        header = request.headers.get("authorization")
        if not header:
            raise ApiError(401, "authorization: missing (send 'Authorization: Bearer <token>')",
                           {"WWW-Authenticate": "Bearer"})
        scheme, _, token = header.partition(" ")
        if scheme.lower() != "bearer" or not token.strip():
            raise ApiError(401, "authorization: expected 'Bearer <token>'", {"WWW-Authenticate": "Bearer"})
        return token.strip()

    def device_or_operator(self, request: Request) -> str:
        """Who may download an artifact: a known device (its id) or the operator."""
        digest = token_digest(self._bearer(request))
        if digest == self._operator:
            return "operator"
        device = self._devices.get(digest)
        if device is None:
            raise ApiError(401, "authorization: unknown token", {"WWW-Authenticate": "Bearer"})
        return device

    def operator(self, request: Request) -> str:
        digest = token_digest(self._bearer(request))
        if digest == self._operator:
            return "operator"
        if digest in self._devices:
            raise ApiError(403, "authorization: a device token may only fetch models")
        raise ApiError(401, "authorization: unknown token", {"WWW-Authenticate": "Bearer"})


async def json_body(request: Request) -> dict[str, Any]:
    """The request's JSON object, or a 4xx naming what is wrong with it."""
    length = request.headers.get("content-length")
    if length is not None and not length.isdigit():
        raise ApiError(400, f"content-length: not a number ({length[:20]!r})")
    if length is not None and int(length) > MAX_BODY:
        raise ApiError(413, f"body: larger than {MAX_BODY} bytes")
    body = b""
    async for chunk in request.stream():
        body += chunk
        if len(body) > MAX_BODY:
            raise ApiError(413, f"body: larger than {MAX_BODY} bytes")
    if not body.strip():
        return {}
    try:
        data = json.loads(body)
    except (ValueError, UnicodeDecodeError) as exc:
        raise ApiError(400, f"body: invalid JSON ({exc})") from None
    if not isinstance(data, dict):
        raise ApiError(400, "body: expected a JSON object")
    return data
