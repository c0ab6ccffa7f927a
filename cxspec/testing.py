"""Helpers for testing cxspec plugins (and cxspec itself): the public test API.

- :func:`write_project`: a project folder from dicts and strings (cxspec.yaml, specs, data);
- :func:`run_cli`: the ``cxspec`` command in-process → ``(exit_code, stdout, stderr)``;
- :func:`registered_plugin`: a plugin loaded for one test, as if installed, CLI included;
- warehouses: ``duckdb:///:memory:``, :func:`sqlite_url`, :class:`PostgresServer` (a
  throwaway PostgreSQL on 127.0.0.1) and :func:`postgres_or_skip`;
- pytest fixtures of all of these, to import into a ``conftest.py``
  (``from cxspec.testing import cxspec_project, cxspec_cli, postgres_url  # noqa: F401``).

docs/testing-plugins.md shows each in use. Importing this module needs pytest.
"""

from __future__ import annotations

import contextlib
import glob
import io
import os
import re
import shlex
import shutil
import socket
import subprocess
import tempfile
import textwrap
import time
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from pathlib import Path

import pytest

#: The smallest valid cxspec.yaml, as data: `write_project` starts from it.
MINIMAL_CONFIG = {"version": 1, "project": "test"}
DUCKDB_MEMORY = "duckdb:///:memory:"


# -- projects ------------------------------------------------------------------------------------


def _yaml_text(content) -> str:
    import yaml

    return yaml.safe_dump(content, sort_keys=False, allow_unicode=True)


def write_project(
    root: str | os.PathLike,
    files: Mapping[str, object] | None = None,
    *,
    config: Mapping | str | None = MINIMAL_CONFIG,
) -> Path:
    """Write a project into `root` (created if needed) and return its path.

    :param files: relative path → content: a ``str`` (dedented, so triple-quoted YAML can be
        indented with the test), ``bytes`` (written as is) or a dict or list (written as
        YAML). Spec files, data files, anything.
    :param config: cxspec.yaml: a mapping (written as YAML; ``version`` and ``project`` are
        added when missing), a string (written as is, dedented), or None for no cxspec.yaml.
    """
    root = Path(root)
    root.mkdir(parents=True, exist_ok=True)
    if isinstance(config, Mapping):
        _write(root / "cxspec.yaml", {**MINIMAL_CONFIG, **config})
    elif config is not None:
        _write(root / "cxspec.yaml", config)
    for name, content in (files or {}).items():
        _write(root / name, content)
    return root


def _write(path: Path, content) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    if isinstance(content, bytes):
        path.write_bytes(content)
    elif isinstance(content, str):
        path.write_text(textwrap.dedent(content), encoding="utf-8")
    else:
        path.write_text(_yaml_text(content), encoding="utf-8")


# -- the CLI ---------------------------------------------------------------------------------------


@dataclass
class CliResult:
    exit_code: int
    stdout: str
    stderr: str

    def __iter__(self):  # `code, out, err = run_cli(...)`
        return iter((self.exit_code, self.stdout, self.stderr))


def run_cli(*args: str | os.PathLike, env: Mapping[str, str] | None = None) -> CliResult:
    """Run ``cxspec ARGS`` in this process, as the installed command would, and capture it.

    Errors are reported as the command reports them (``cxspec: error: …`` and exit 1), never
    as an exception. The plugins are those installed, plus any :func:`registered_plugin`.

    :param env: environment variables set for the call (restored after).
    """
    from cxspec.cli import main

    out, err = io.StringIO(), io.StringIO()
    with _environment(env or {}), contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
        try:
            main([os.fspath(a) for a in args])
            code = 0
        except SystemExit as exc:
            code = exc.code if isinstance(exc.code, int) else (0 if exc.code is None else 1)
    return CliResult(code, out.getvalue(), err.getvalue())


@contextlib.contextmanager
def _environment(values: Mapping[str, str | None]) -> Iterator[None]:
    saved = {name: os.environ.get(name) for name in values}
    try:
        for name, value in values.items():
            if value is None:
                os.environ.pop(name, None)
            else:
                os.environ[name] = value
        yield
    finally:
        for name, value in saved.items():
            if value is None:
                os.environ.pop(name, None)
            else:
                os.environ[name] = value


# -- plugins ---------------------------------------------------------------------------------------


@contextlib.contextmanager
def registered_plugin(plugin, name: str | None = None, *, installed: bool = False):
    """Load `plugin` (a module or an object with hook implementations) for the duration of
    the ``with`` block, as if installed: the CLI, ``default_registry()`` and everything else
    see it. Yields the registry, which tests may pass to ``validate_project``, ``compute``….

    :param name: the plugin's name in messages and in ``plugins:`` of cxspec.yaml (the
        module's name by default; use your entry point's name).
    :param installed: also load the installed plugins (default: the built-ins and this one
        only, so the test does not depend on what else is installed).
    """
    from cxspec import plugins
    from cxspec.registry import default_registry

    name = name or getattr(plugin, "__name__", None) or type(plugin).__name__
    entry = (name, plugin)
    blocked = {} if installed else {plugins.DISABLE_VARIABLE: "*"}
    with _environment(blocked):
        plugins.ADDED.append(entry)
        default_registry.cache_clear()
        try:
            yield default_registry()
        finally:
            plugins.ADDED.remove(entry)
            default_registry.cache_clear()


# -- warehouses ------------------------------------------------------------------------------------


def sqlite_url(folder: str | os.PathLike, name: str = "warehouse.db") -> str:
    """A SQLite warehouse in a file of `folder` (SQLite keeps results only in a file)."""
    return f"sqlite:///{Path(folder) / name}"


def postgres_or_skip(reason: str) -> None:
    """Skip the test for want of PostgreSQL, except in CI (CI=true): there it must run, so fail."""
    if os.environ.get("CI", "").lower() == "true":
        pytest.fail(f"PostgreSQL is required when CI=true, but {reason}", pytrace=False)
    pytest.skip(f"no PostgreSQL: {reason}")


class ServerUnavailable(Exception):
    """No PostgreSQL server binaries here, or no way to run them."""


PG_USER = "cxspec"
PG_START_TIMEOUT = 30  # seconds


def _version_key(path: str) -> tuple:
    return tuple(int(p) for p in re.findall(r"\d+", Path(path).parent.name)) or (0,)


def _has_server_tools(folder: Path) -> bool:
    return all(os.access(folder / tool, os.X_OK) for tool in ("initdb", "pg_ctl", "postgres"))


def find_bindir() -> Path | None:
    """The folder holding initdb and pg_ctl: the newest /usr/lib/postgresql/*/bin, else pg_config's."""
    for folder in sorted(glob.glob("/usr/lib/postgresql/*/bin"), key=_version_key, reverse=True):
        if _has_server_tools(Path(folder)):
            return Path(folder)
    pg_config = shutil.which("pg_config")
    if pg_config:
        try:
            out = subprocess.run([pg_config, "--bindir"], capture_output=True, text=True, timeout=10)
        except (OSError, subprocess.SubprocessError):
            out = None
        if out is not None and out.returncode == 0 and _has_server_tools(Path(out.stdout.strip())):
            return Path(out.stdout.strip())
    if shutil.which("initdb") is None or shutil.which("pg_ctl") is None:
        return None
    return Path(shutil.which("initdb")).parent


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


class PostgresServer:
    """A throwaway PostgreSQL server: initdb in a temporary folder, started on 127.0.0.1 on a
    free port with its socket in that folder, stopped and removed at the end.

    ``with PostgresServer() as url:`` → ``postgresql://cxspec@127.0.0.1:PORT/postgres``.
    PostgreSQL refuses to run as root: as root the folder is handed to the `postgres` user
    and initdb/pg_ctl run as that user (``runuser -u postgres --``, or ``su postgres``).
    """

    def __init__(self, bindir: Path | None = None):
        self.bindir = bindir or find_bindir()
        if self.bindir is None:
            raise ServerUnavailable("no PostgreSQL server binaries (initdb, pg_ctl) found")
        self.as_root = hasattr(os, "geteuid") and os.geteuid() == 0
        self.folder: Path | None = None
        self.port: int | None = None
        self.started = False

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

    @property
    def data(self) -> Path:
        return self.folder / "data"

    @property
    def url(self) -> str:
        return f"postgresql://{PG_USER}@127.0.0.1:{self.port}/postgres"

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
            [str(self.bindir / "initdb"), "-D", str(self.data), "-A", "trust", "-U", PG_USER,
             "-E", "UTF8", "--locale=C", "--no-sync"]  # fmt: skip
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
                [str(self.bindir / "pg_ctl"), "-D", str(self.data), "-l", str(self.folder / "server.log"),
                 "-o", options, "-w", "-t", str(PG_START_TIMEOUT), "start"],  # fmt: skip
                timeout=PG_START_TIMEOUT + 10,
            )
            if started.returncode == 0 and self._wait_ready():
                self.started = True
                return self.url
            last_error = f"{started.stdout}\n{started.stderr}\n{self._log()}"
            self._stop()
        self.cleanup()
        raise RuntimeError(f"PostgreSQL did not start:\n{last_error}")

    def _wait_ready(self) -> bool:
        deadline = time.monotonic() + PG_START_TIMEOUT
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


@contextlib.contextmanager
def postgres_server() -> Iterator[str]:
    """The URL of a throwaway PostgreSQL server, or the test skipped (failed with CI=true)
    when there is no psycopg or no server binaries."""
    try:
        import psycopg  # noqa: F401
    except ImportError:
        postgres_or_skip("psycopg is not installed (pip install 'cxspec[postgres]')")
    try:
        server = PostgresServer()
        url = server.start()
    except ServerUnavailable as exc:
        postgres_or_skip(str(exc))
    try:
        yield url
    finally:
        server.stop()


# -- pytest fixtures (import the ones you use into your conftest.py) -----------------------------


@pytest.fixture
def cxspec_project(tmp_path):
    """``cxspec_project(files, config=...)`` → a new project folder below tmp_path each call
    (the arguments of :func:`write_project`)."""
    counter = iter(range(1_000_000))

    def make(files=None, *, config=MINIMAL_CONFIG, name: str | None = None) -> Path:
        return write_project(tmp_path / (name or f"project{next(counter)}"), files, config=config)

    return make


@pytest.fixture
def cxspec_cli():
    """``cxspec_cli("validate", path)`` → :class:`CliResult` (see :func:`run_cli`)."""
    return run_cli


@pytest.fixture
def duckdb_url() -> str:
    """An in-memory DuckDB warehouse (each connection its own: nothing is kept)."""
    return DUCKDB_MEMORY


@pytest.fixture
def sqlite_warehouse(tmp_path) -> str:
    """The URL of a SQLite warehouse in a file of the test's tmp_path."""
    return sqlite_url(tmp_path)


@pytest.fixture(scope="session")
def postgres_url():
    """postgresql://cxspec@127.0.0.1:PORT/postgres of a throwaway server started once for the
    session; skipped when there is no PostgreSQL (a failure with CI=true)."""
    with postgres_server() as url:
        yield url
