"""A throw-away PostgreSQL server for the tests: Debian's binaries, a temp directory, 127.0.0.1, a free port.

initdb refuses to run as root, so as root the server runs as the unprivileged user ``nobody`` (through
``runuser``); as any other user it runs as that user. Durability is switched off (fsync, synchronous_commit,
full_page_writes): the data lives as long as the test session.
"""

from __future__ import annotations

import contextlib
import glob
import os
import pwd
import shutil
import socket
import subprocess
import tempfile
from pathlib import Path

INSTALL_HINT = "install the server binaries: apt-get install postgresql"


class PostgresUnavailable(Exception):
    """No PostgreSQL server can be started here (the message says why)."""


def _bin_dir() -> Path:
    override = os.environ.get("JETBOT_PG_BIN")  # a folder with initdb and pg_ctl, e.g. another version's
    if override:
        if not (Path(override) / "initdb").exists():
            raise PostgresUnavailable(f"JETBOT_PG_BIN={override} has no initdb; {INSTALL_HINT}")
        return Path(override)
    found = sorted(glob.glob("/usr/lib/postgresql/*/bin/initdb"), key=lambda p: int(Path(p).parts[4]))
    if found:
        return Path(found[-1]).parent
    initdb = shutil.which("initdb")
    if initdb:
        return Path(initdb).parent
    raise PostgresUnavailable(f"no PostgreSQL server binaries (initdb, pg_ctl) found; {INSTALL_HINT}")


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


class PostgresServer:
    def __init__(self) -> None:
        self.bin = _bin_dir()
        self.dir = Path(tempfile.mkdtemp(prefix="jetbot-pg-"))
        self.data = self.dir / "data"
        self.port = 0
        self._as: list[str] = []
        if os.geteuid() == 0:
            nobody = pwd.getpwnam("nobody")
            os.chown(self.dir, nobody.pw_uid, nobody.pw_gid)
            self._as = ["runuser", "-u", "nobody", "--"]

    def _run(self, *args: str) -> None:
        try:
            done = subprocess.run([*self._as, *args], capture_output=True, text=True, timeout=60, check=False)
        except (OSError, subprocess.TimeoutExpired) as exc:
            raise PostgresUnavailable(f"{Path(args[0]).name}: {exc}") from exc
        if done.returncode != 0:
            raise PostgresUnavailable(f"{Path(args[0]).name} failed: {(done.stderr or done.stdout).strip()[-800:]}")

    def start(self) -> str:
        """Start the server; returns the URL of its ``postgres`` database."""
        self._run(str(self.bin / "initdb"), "-D", str(self.data), "-U", "postgres", "-A", "trust", "-E", "UTF8",
                  "--no-sync", "--locale=C")
        last: PostgresUnavailable | None = None
        for _ in range(3):  # another process may take the free port between choosing it and listening
            self.port = _free_port()
            options = (f"-p {self.port} -h 127.0.0.1 -k {self.dir} -c fsync=off -c synchronous_commit=off "
                       "-c full_page_writes=off -c max_connections=200")
            try:
                self._run(str(self.bin / "pg_ctl"), "-D", str(self.data), "-o", options,
                          "-l", str(self.dir / "server.log"), "-w", "-t", "30", "start")
                return self.url("postgres")
            except PostgresUnavailable as exc:
                last = exc
        assert last is not None
        raise last

    def url(self, database: str) -> str:
        return f"postgresql://postgres@127.0.0.1:{self.port}/{database}"

    def stop(self) -> None:
        with contextlib.suppress(PostgresUnavailable):
            self._run(str(self.bin / "pg_ctl"), "-D", str(self.data), "-m", "immediate", "-w", "stop")
        shutil.rmtree(self.dir, ignore_errors=True)
