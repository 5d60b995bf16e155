"""A throwaway PostgreSQL server for tests and benchmarks: initdb in a temp dir, loopback port, stopped after.

Debian's `postgresql` package (binaries under /usr/lib/postgresql/<version>/bin). PostgreSQL
refuses to run as root, so as root the server runs as the `postgres` user the package creates
(`runuser -u postgres`). It listens on 127.0.0.1 only, with trust authentication for the
one role it makes; nothing of it is kept.

    python -m bench.pgserver     # start one, print its URL, stop on Enter or Ctrl-C
"""

from __future__ import annotations

import contextlib
import os
import pwd
import shutil
import socket
import subprocess
import tempfile
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

ROLE = "atlas"
DATABASE = "atlas"


def pg_bin() -> Path | None:
    """The newest installed PostgreSQL's bin directory, or None."""
    found = sorted(Path("/usr/lib/postgresql").glob("*/bin/initdb"), key=lambda p: int(p.parent.parent.name or 0))
    if found:
        return found[-1].parent
    initdb = shutil.which("initdb")
    return Path(initdb).parent if initdb else None


def missing_reason() -> str | None:
    if pg_bin() is None:
        return "no PostgreSQL server binaries (Debian: apt-get install -y postgresql)"
    if os.geteuid() == 0 and not _run_as_user():
        return "running as root and no 'postgres' user to run PostgreSQL as"
    return None


def _run_as_user() -> str | None:
    for name in ("postgres", "nobody"):
        with contextlib.suppress(KeyError):
            pwd.getpwnam(name)
            return name
    return None


def _free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@dataclass
class PgServer:
    directory: Path
    port: int
    bin: Path
    user: str | None  # the OS user it runs as (None: this user)

    @property
    def url(self) -> str:
        return f"postgresql+psycopg://{ROLE}@127.0.0.1:{self.port}/{DATABASE}"

    def _cmd(self, *args: str) -> list[str]:
        cmd = [str(self.bin / args[0]), *args[1:]]
        return ["runuser", "-u", self.user, "--", *cmd] if self.user else cmd

    def run(self, *args: str, timeout: float = 60) -> str:
        proc = subprocess.run(self._cmd(*args), capture_output=True, text=True, timeout=timeout, cwd=self.directory)
        if proc.returncode != 0:
            raise RuntimeError(f"{args[0]} failed ({proc.returncode}): {proc.stderr.strip() or proc.stdout.strip()}")
        return proc.stdout

    def log_tail(self, lines: int = 40) -> str:
        try:
            return "\n".join((self.directory / "server.log").read_text(errors="replace").splitlines()[-lines:])
        except OSError:
            return "(no server log)"

    def psql(self, sql: str) -> str:
        return self.run("psql", "-h", "127.0.0.1", "-p", str(self.port), "-U", ROLE, "-d", DATABASE, "-Atc", sql)

    def stop(self) -> None:
        with contextlib.suppress(Exception):
            self.run("pg_ctl", "-D", str(self.directory / "data"), "-m", "fast", "-w", "-t", "30", "stop")
        shutil.rmtree(self.directory, ignore_errors=True)


def start(port: int | None = None) -> PgServer:
    """initdb, start on 127.0.0.1:port (free if None), create the role's database; return when it answers."""
    bin_dir = pg_bin()
    if bin_dir is None:
        raise RuntimeError(missing_reason() or "no PostgreSQL")
    user = _run_as_user() if os.geteuid() == 0 else None
    directory = Path(tempfile.mkdtemp(prefix="atlas-pg-"))
    if user:
        info = pwd.getpwnam(user)
        os.chown(directory, info.pw_uid, info.pw_gid)
    directory.chmod(0o700)
    server = PgServer(directory, port or _free_port(), bin_dir, user)
    data = directory / "data"
    try:
        server.run("initdb", "-D", str(data), "-U", ROLE, "-A", "trust", "-E", "UTF8", "--no-sync", "--locale=C", timeout=120)
        options = (
            f"-p {server.port} -k {directory} -c listen_addresses=127.0.0.1 -c fsync=off "
            "-c synchronous_commit=off -c full_page_writes=off -c max_connections=60"
        )
        server.run(
            "pg_ctl", "-D", str(data), "-o", options, "-l", str(directory / "server.log"), "-w", "-t", "60", "start", timeout=90
        )
        deadline = time.monotonic() + 30
        while True:
            try:
                server.run("createdb", "-h", "127.0.0.1", "-p", str(server.port), "-U", ROLE, DATABASE)
                break
            except RuntimeError:
                if time.monotonic() > deadline:
                    raise
                time.sleep(0.3)
    except BaseException:
        tail = server.log_tail()
        server.stop()
        if isinstance(tail, str) and tail != "(no server log)":
            raise RuntimeError(f"PostgreSQL did not start:\n{tail}") from None
        raise
    return server


@contextlib.contextmanager
def running(port: int | None = None) -> Iterator[PgServer]:
    server = start(port)
    try:
        yield server
    finally:
        server.stop()


if __name__ == "__main__":
    with running() as pg:
        print(pg.url, flush=True)
        with contextlib.suppress(KeyboardInterrupt, EOFError):
            input("PostgreSQL running; press Enter to stop. ")
