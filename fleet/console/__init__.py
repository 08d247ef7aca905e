"""The fleet management console: web pages on the ``fleet serve`` app (issue 9).

:func:`mount` is the one hook ``fleet.app.create_app`` calls: it adds the
console's routes under ``/console`` (and ``/`` redirects there), keeps a live
per-device view fed by the service's broker link, and holds the sessions.
Users are created with ``fleet users add NAME --role viewer|operator``.
See docs/console.md.
"""

from __future__ import annotations

from typing import Any

from starlette.applications import Starlette

from fleet.console.auth import LoginThrottle, Sessions
from fleet.console.live import LiveIndex
from fleet.console.results import Results


class Console:
    def __init__(self, fleet: Any) -> None:
        self.fleet = fleet
        self.storage = fleet.storage
        cfg = fleet.config.console
        self.results = Results(cfg.warehouse if cfg else None)
        self.secure = fleet.config.tls_cert_file is not None or (fleet.config.public_url or "").startswith("https:")
        self.sessions = Sessions()
        self.throttle = LoginThrottle()
        self.live = LiveIndex()
        self.live.load(self.storage)
        fleet.status_listeners.append(self.live.on_status)


def mount(app: Starlette, fleet: Any) -> Console:
    from fleet.console.pages import routes

    console = Console(fleet)
    app.router.routes.extend(routes)
    app.state.console = console
    return console
