"""A throwaway PostgreSQL server for tests: initdb in a temporary folder, started on
127.0.0.1 on a free port with its socket in that folder, stopped and removed at the end.

PostgreSQL refuses to run as root: as root the folder is handed to the `postgres` user and
initdb/pg_ctl run as that user (`runuser -u postgres --`, or `su postgres -s /bin/sh -c`).
"""

from __future__ import annotations

import glob
import os
import re
import shlex
import shutil
import socket
import subprocess
import tempfile
import time
from pathlib import Path

USER = "cxspec"
START_TIMEOUT = 30  # seconds


class ServerUnavailable(Exception):
    """No PostgreSQL server binaries here, or no way to run them."""


def _version_key(path: str) -> tuple:
    return tuple(int(p) for p in re.findall(r"\d+", Path(path).parent.name)) or (0,)


def find_bindir() -> Path | None:
    """The folder holding initdb and pg_ctl: the newest /usr/lib/postgresql/*/bin, else pg_config's."""
    candidates = sorted(glob.glob("/usr/lib/postgresql/*/bin"), key=_version_key, reverse=True)
    for folder in candidates:
        if all(os.access(Path(folder, tool), os.X_OK) for tool in ("initdb", "pg_ctl", "postgres")):
            return Path(folder)
    pg_config = shutil.which("pg_config")
    if pg_config:
        try:
            out = subprocess.run([pg_config, "--bindir"], capture_output=True, text=True, timeout=10)
        except (OSError, subprocess.SubprocessError):
            out = None
        if out is not None and out.returncode == 0:
            folder = Path(out.stdout.strip())
            if all(os.access(folder / tool, os.X_OK) for tool in ("initdb", "pg_ctl", "postgres")):
                return folder
    for tool in ("initdb", "pg_ctl"):
        if shutil.which(tool) is None:
            return None
    return Path(shutil.which("initdb")).parent


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


class PostgresServer:
    """`with PostgresServer() as url:` → postgresql://cxspec@127.0.0.1:PORT/postgres."""

    def __init__(self, bindir: Path | None = None):
        self.bindir = bindir or find_bindir()
        if self.bindir is None:
            raise ServerUnavailable("no PostgreSQL server binaries (initdb, pg_ctl) found")
        self.as_root = hasattr(os, "geteuid") and os.geteuid() == 0
        self.folder: Path | None = None
        self.port: int | None = None
        self.started = False

    # -- running as the right user -------------------------------------------------------

    def _command(self, args: list[str]) -> list[str]:
        if not self.as_root:
            return args
        if shutil.which("runuser"):
            return ["runuser", "-u", "postgres", "--", *args]
        if shutil.which("su"):
            return ["su", "postgres", "-s", "/bin/sh", "-c", shlex.join(args)]
        raise ServerUnavailable("running as root, and neither runuser nor su can switch to `postgres`")

    def _run(self, args: list[str], timeout: float = 60) -> subprocess.CompletedProcess:
        return subprocess.run(
            self._command(args), capture_output=True, text=True, timeout=timeout, cwd=self.folder
        )

    # -- life cycle ------------------------------------------------------------------------

    @property
    def data(self) -> Path:
        return self.folder / "data"

    @property
    def url(self) -> str:
        return f"postgresql://{USER}@127.0.0.1:{self.port}/postgres"

    def start(self) -> str:
        # /tmp when there is one: short enough for the socket's path, and open to `postgres`.
        base = "/tmp" if os.path.isdir("/tmp") and os.access("/tmp", os.W_OK) else None
        self.folder = Path(tempfile.mkdtemp(prefix="cxspec-pg-", dir=base))
        if self.as_root:
            import pwd

            try:
                account = pwd.getpwnam("postgres")
            except KeyError:
                self.cleanup()
                raise ServerUnavailable(
                    "running as root, and there is no `postgres` user to run the server"
                ) from None
            os.chown(self.folder, account.pw_uid, account.pw_gid)
        os.chmod(self.folder, 0o700)
        initdb = self._run(
            [
                str(self.bindir / "initdb"),
                "-D",
                str(self.data),
                "-A",
                "trust",
                "-U",
                USER,
                "-E",
                "UTF8",
                "--locale=C",
                "--no-sync",
            ]  # fmt: skip
        )
        if initdb.returncode != 0:
            self.cleanup()
            raise RuntimeError(f"initdb failed ({initdb.returncode}):\n{initdb.stdout}\n{initdb.stderr}")
        last_error = ""
        for _ in range(3):  # the free port may be taken between finding and binding it
            self.port = free_port()
            options = (
                f"-c listen_addresses=127.0.0.1 -p {self.port} -k {self.folder} -c fsync=off "
                "-c synchronous_commit=off -c full_page_writes=off"
            )
            started = self._run(
                [
                    str(self.bindir / "pg_ctl"),
                    "-D",
                    str(self.data),
                    "-l",
                    str(self.folder / "server.log"),
                    "-o",
                    options,
                    "-w",
                    "-t",
                    str(START_TIMEOUT),
                    "start",
                ],  # fmt: skip
                timeout=START_TIMEOUT + 10,
            )
            if started.returncode == 0 and self._wait_ready():
                self.started = True
                return self.url
            last_error = f"{started.stdout}\n{started.stderr}\n{self._log()}"
            self._stop()
        self.cleanup()
        raise RuntimeError(f"PostgreSQL did not start:\n{last_error}")

    def _wait_ready(self) -> bool:
        deadline = time.monotonic() + START_TIMEOUT
        while time.monotonic() < deadline:
            try:
                with socket.create_connection(("127.0.0.1", self.port), timeout=1):
                    pass
            except OSError:
                time.sleep(0.05)
                continue
            try:
                import psycopg
            except ImportError:
                return True
            try:
                with psycopg.connect(self.url, connect_timeout=2) as connection:
                    connection.execute("SELECT 1")
                return True
            except psycopg.Error:
                time.sleep(0.05)
        return False

    def _log(self) -> str:
        try:
            return (self.folder / "server.log").read_text(errors="replace")[-4000:]
        except OSError:
            return ""

    def _stop(self) -> None:
        if self.folder is not None and (self.data / "postmaster.pid").exists():
            self._run([str(self.bindir / "pg_ctl"), "-D", str(self.data), "-m", "immediate", "-w", "stop"])

    def stop(self) -> None:
        try:
            self._stop()
        finally:
            self.started = False
            self.cleanup()

    def cleanup(self) -> None:
        if self.folder is not None:
            shutil.rmtree(self.folder, ignore_errors=True)
            self.folder = None

    def __enter__(self) -> str:
        return self.start()

    def __exit__(self, *exc) -> None:
        self.stop()
