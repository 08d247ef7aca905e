"""Run a private PostgreSQL server as a child process on a free loopback port.

The PostgreSQL twin of :mod:`deploy.local_broker`: tests and benchmarks start
their own throw-away server (``initdb`` in a temporary directory, a free TCP
port on 127.0.0.1, the unix socket in that directory) and stop it at the end,
so nothing depends on a system service or an existing cluster.

PostgreSQL refuses to run as root. CI and this machine run as root, so then the
server runs as an unprivileged account: ``postgres`` (created by Debian's
``postgresql-common``) when it exists, else ``nobody``; the data directory is
created under the system temp dir (world-traversable, unlike pytest's
``/tmp/pytest-of-root``) and handed to that user.

    with PostgresServer() as pg:
        url = pg.create_database("wh")   # postgresql://postgres@127.0.0.1:PORT/wh

Binaries: ``$PG_BIN`` if set, else the newest ``/usr/lib/postgresql/<v>/bin``,
else ``initdb``/``pg_ctl`` on ``$PATH``. ``make postgres`` installs Debian's
``postgresql`` when none is found.
"""

from __future__ import annotations

import os
import pwd
import shutil
import subprocess
import tempfile
import time
from pathlib import Path
from types import TracebackType

from deploy.local_broker import free_port


class PostgresError(RuntimeError):
    """PostgreSQL could not be found or did not start."""


def find_pg_bin() -> Path:
    """The directory holding initdb, pg_ctl and postgres."""
    env = os.environ.get("PG_BIN")
    candidates: list[Path] = [Path(env)] if env else []
    root = Path("/usr/lib/postgresql")
    if root.is_dir():
        versions = sorted((p for p in root.iterdir() if p.name.isdigit()), key=lambda p: int(p.name), reverse=True)
        candidates += [v / "bin" for v in versions]
    found = shutil.which("initdb")
    if found:
        candidates.append(Path(found).resolve().parent)
    for c in candidates:
        if (c / "initdb").is_file() and (c / "pg_ctl").is_file():
            return c
    raise PostgresError("PostgreSQL server binaries not found (initdb, pg_ctl): install the Debian package "
                        "'postgresql' (make postgres does it) or set PG_BIN")


def _run_as() -> tuple[int, int] | None:
    """(uid, gid) to run the server as when we are root; None when we are not root."""
    if os.geteuid() != 0:
        return None
    for name in ("postgres", "nobody"):
        try:
            pw = pwd.getpwnam(name)
        except KeyError:
            continue
        return pw.pw_uid, pw.pw_gid
    raise PostgresError("running as root and neither a 'postgres' nor a 'nobody' account exists: "
                        "PostgreSQL refuses to run as root")


class PostgresServer:
    """A PostgreSQL cluster in a temp dir, listening on 127.0.0.1:<free port>.

    ``durable=False`` turns off fsync (tests: a crash of the *machine* is not
    what they test; process crashes are still safe). Benchmarks keep the default.
    """

    def __init__(self, *, durable: bool = True, port: int | None = None, superuser: str = "postgres",
                 settings: dict[str, str] | None = None) -> None:
        self.bin = find_pg_bin()
        self.port = port or free_port()
        self.host = "127.0.0.1"
        self.superuser = superuser
        self.durable = durable
        self.settings = settings or {}
        self._ids = _run_as()
        self.workdir = Path(tempfile.mkdtemp(prefix="pg-"))
        self.datadir = self.workdir / "data"
        self.sockdir = self.workdir / "sock"
        self.log_path = self.workdir / "postgres.log"
        self._started = False

    # -- helpers ---------------------------------------------------------------------

    def _cmd(self, args: list[str], timeout: float = 120.0) -> subprocess.CompletedProcess[str]:
        kw: dict = {}
        if self._ids is not None:
            kw = {"user": self._ids[0], "group": self._ids[1], "extra_groups": []}
        res = subprocess.run(args, capture_output=True, text=True, timeout=timeout, cwd=self.workdir,
                             stdin=subprocess.DEVNULL, **kw)
        if res.returncode != 0:
            log = self.log_path.read_text(errors="replace")[-2000:] if self.log_path.exists() else ""
            raise PostgresError(f"{Path(args[0]).name} failed ({res.returncode}): "
                                f"{(res.stderr or res.stdout).strip()[-2000:]}\n{log}")
        return res

    def url(self, dbname: str = "postgres") -> str:
        return f"postgresql://{self.superuser}@{self.host}:{self.port}/{dbname}"

    # -- life cycle ------------------------------------------------------------------

    def start(self, timeout: float = 60.0) -> PostgresServer:
        if self._started:
            return self
        if not self.datadir.exists():
            self.sockdir.mkdir(parents=True, exist_ok=True)
            if self._ids is not None:
                for p in (self.workdir, self.sockdir):
                    os.chown(p, *self._ids)
            self._cmd([str(self.bin / "initdb"), "-D", str(self.datadir), "-U", self.superuser,
                       "--auth=trust", "-E", "UTF8", "--locale=C", "--no-instructions"])
        opts = {"listen_addresses": "127.0.0.1", "port": str(self.port),
                "unix_socket_directories": str(self.sockdir), "max_connections": "100",
                "shared_buffers": "64MB", **({} if self.durable else {"fsync": "off", "full_page_writes": "off",
                                                                     "synchronous_commit": "off"}),
                **self.settings}
        o = " ".join(f"-c {k}={v}" for k, v in opts.items())
        self._cmd([str(self.bin / "pg_ctl"), "-D", str(self.datadir), "-l", str(self.log_path), "-o", o,
                   "-w", "-t", str(int(timeout)), "start"], timeout=timeout + 10)
        self._started = True
        return self

    def stop(self, *, mode: str = "fast") -> None:
        """``fast`` (clean), or ``immediate`` (like a crash: recovery on the next start)."""
        if not self._started:
            return
        self._started = False
        self._cmd([str(self.bin / "pg_ctl"), "-D", str(self.datadir), "-m", mode, "-w", "stop"])

    def create_database(self, name: str) -> str:
        """A fresh database on this server; returns its URL."""
        import psycopg

        with psycopg.connect(self.url(), autocommit=True) as conn:
            conn.execute(f'DROP DATABASE IF EXISTS "{name}"')
            conn.execute(f'CREATE DATABASE "{name}"')
        return self.url(name)

    def cleanup(self) -> None:
        try:
            self.stop()
        finally:
            shutil.rmtree(self.workdir, ignore_errors=True)

    def __enter__(self) -> PostgresServer:
        return self.start()

    def __exit__(self, exc_type: type[BaseException] | None, exc: BaseException | None,
                 tb: TracebackType | None) -> None:
        self.cleanup()


def main() -> int:
    """``python -m deploy.local_postgres``: start a server, print its URL, stop on Ctrl-C."""
    with PostgresServer() as pg:
        print(pg.url(), flush=True)
        try:
            while True:
                time.sleep(3600)
        except KeyboardInterrupt:
            pass
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
