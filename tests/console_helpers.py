"""A cookie-keeping HTTP client for the console (no redirects followed, so tests see the 303s),
and the setup shared by the console tests: users made through the real ``fleet users add``."""

from __future__ import annotations

import http.cookiejar
import re
import subprocess
import urllib.error
import urllib.parse
import urllib.request
from pathlib import Path

from tests.fleet_helpers import REPO, _env, fleet_cmd

PASSWORDS = {"olga": "operator-pass-1", "vic": "viewer-pass-1"}


def add_user(config: Path, name: str, role: str, password: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(fleet_cmd("users", "add", name, "--role", role, "--config", str(config)),
                          input=password + "\n", capture_output=True, text=True, timeout=60, env=_env(), cwd=REPO)


class _NoRedirect(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, *args, **kwargs):  # type: ignore[no-untyped-def]
        return None


class Client:
    def __init__(self, base: str) -> None:
        self.base = base
        self.jar = http.cookiejar.CookieJar()
        self.opener = urllib.request.build_opener(urllib.request.HTTPCookieProcessor(self.jar), _NoRedirect)
        self.csrf: str | None = None

    def request(self, method: str, path: str, form: dict[str, str] | None = None
                ) -> tuple[int, dict[str, str], str]:
        data = urllib.parse.urlencode(form).encode() if form is not None else None
        req = urllib.request.Request(self.base + path, data=data, method=method)
        if data is not None:
            req.add_header("Content-Type", "application/x-www-form-urlencoded")
        try:
            with self.opener.open(req, timeout=15) as resp:
                return resp.status, dict(resp.headers), resp.read().decode()
        except urllib.error.HTTPError as exc:
            return exc.code, dict(exc.headers), exc.read().decode()

    def get(self, path: str) -> tuple[int, dict[str, str], str]:
        return self.request("GET", path)

    def post(self, path: str, form: dict[str, str], csrf: bool = True) -> tuple[int, dict[str, str], str]:
        return self.request("POST", path, {**form, **({"csrf": self.csrf or ""} if csrf else {})})

    def login(self, name: str, password: str | None = None) -> tuple[int, dict[str, str], str]:
        status, _, page = self.get("/console/login")
        assert status == 200, page
        token = re.search(r'name="csrf" value="([^"]+)"', page).group(1)  # type: ignore[union-attr]
        answer = self.request("POST", "/console/login",
                              {"csrf": token, "name": name, "password": password or PASSWORDS[name],
                               "next": "/console/"})
        if answer[0] == 303:
            status, _, page = self.get("/console/")
            found = re.search(r'name="csrf" value="([^"]+)"', page)
            self.csrf = found.group(1) if found else None
        return answer
