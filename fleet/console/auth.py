"""Console logins: users with argon2 password hashes, server-side sessions, CSRF tokens.

* Passwords are stored only as argon2id hashes (argon2-cffi defaults); a login
  against an unknown name still spends one hash verification, so timing does
  not tell which names exist.
* A session is a random 256-bit token in an ``HttpOnly``, ``SameSite=Strict``
  cookie (``Secure`` when the service speaks HTTPS); the server keeps the
  session (user, role, CSRF token, expiry) in memory, so a restart logs
  everyone out and a stolen cookie dies with its expiry or logout.
* Every state-changing request (POST) must carry the session's CSRF token in
  the form field ``csrf`` (or header ``X-CSRF-Token``); a missing or wrong
  token is 403. The login form, which has no session yet, uses a
  double-submit token (cookie + field).
"""

from __future__ import annotations

import hmac
import secrets
import threading
import time
from dataclasses import dataclass, field

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError

from fleet.storage import Storage

ROLES = ("viewer", "operator")
"""viewer: every page, no action; operator: also rollouts, pause/resume/abort, rollbacks."""

SESSION_COOKIE = "fleet_session"
LOGIN_COOKIE = "fleet_login_csrf"
SESSION_TTL_S = 12 * 3600
MAX_NAME = 64
MIN_PASSWORD = 8

_hasher = PasswordHasher()
_DUMMY_HASH = _hasher.hash("not a password of anyone")


class UserError(Exception):
    """A user that cannot be created, with the field and why."""


def add_user(storage: Storage, name: str, password: str, role: str) -> None:
    """Create (or, for an existing name, replace the password and role of) a console user."""
    if not name or len(name) > MAX_NAME or not name.replace("-", "").replace("_", "").replace(".", "").isalnum():
        raise UserError(f"name: {name!r} must be 1..{MAX_NAME} letters, digits, '-', '_' or '.'")
    if role not in ROLES:
        raise UserError(f"role: {role!r} is not one of {', '.join(ROLES)}")
    if len(password) < MIN_PASSWORD:
        raise UserError(f"password: shorter than {MIN_PASSWORD} characters")
    digest = _hasher.hash(password)
    with storage.tx():
        storage.execute(
            "INSERT INTO users (name, password_hash, role, created_at) VALUES (?, ?, ?, ?)"
            " ON CONFLICT (name) DO UPDATE SET password_hash = excluded.password_hash, role = excluded.role",
            (name, digest, role, time.time()))


def check_password(storage: Storage, name: str, password: str) -> str | None:
    """The user's role if the password is right, else None (same cost either way)."""
    row = storage.one("SELECT password_hash, role FROM users WHERE name = ?", (name[:MAX_NAME],))
    digest = row["password_hash"] if row else _DUMMY_HASH
    try:
        _hasher.verify(digest, password)
    except (VerificationError, InvalidHashError):
        return None
    return row["role"] if row else None


@dataclass
class Session:
    user: str
    role: str
    csrf: str = field(default_factory=lambda: secrets.token_urlsafe(32))
    expires: float = field(default_factory=lambda: time.time() + SESSION_TTL_S)

    @property
    def operator(self) -> bool:
        return self.role == "operator"

    def csrf_ok(self, token: str | None) -> bool:
        return bool(token) and hmac.compare_digest(self.csrf, token or "")


class LoginThrottle:
    """After ``FREE_FAILURES`` failed logins for one name, each further attempt for it
    must wait ``2 ** (failures - FREE_FAILURES)`` s (at most ``MAX_WAIT_S``); a success
    resets it. Slows online password guessing without letting anyone lock a user
    out for long. Per name, in memory, bounded."""

    FREE_FAILURES = 5
    MAX_WAIT_S = 300.0
    MAX_NAMES = 10_000

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._fails: dict[str, tuple[int, float]] = {}

    def wait_s(self, name: str) -> float:
        with self._lock:
            n, last = self._fails.get(name, (0, 0.0))
        if n < self.FREE_FAILURES:
            return 0.0
        return max(0.0, last + min(self.MAX_WAIT_S, 2.0 ** (n - self.FREE_FAILURES)) - time.time())

    def record(self, name: str, ok: bool) -> None:
        with self._lock:
            if ok:
                self._fails.pop(name, None)
                return
            if len(self._fails) >= self.MAX_NAMES:
                self._fails.clear()
            n, _ = self._fails.get(name, (0, 0.0))
            self._fails[name] = (n + 1, time.time())


class Sessions:
    """Server-side sessions by cookie token (in memory; a restart logs everyone out)."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._by_token: dict[str, Session] = {}

    def create(self, user: str, role: str) -> tuple[str, Session]:
        token = secrets.token_urlsafe(32)
        session = Session(user, role)
        with self._lock:
            now = time.time()
            for t in [t for t, s in self._by_token.items() if s.expires < now]:
                del self._by_token[t]
            self._by_token[token] = session
        return token, session

    def get(self, token: str | None) -> Session | None:
        if not token:
            return None
        with self._lock:
            session = self._by_token.get(token)
            if session is not None and session.expires < time.time():
                del self._by_token[token]
                return None
            return session

    def drop(self, token: str | None) -> None:
        with self._lock:
            self._by_token.pop(token or "", None)
