"""Spark Connect (sc://): a Connect server started here as a daemon with pyspark's own
sbin/start-connect-server.sh on 127.0.0.1 and stopped with sbin/stop-connect-server.sh; a
query of the numbers fixture checked against the plain-Python reference, and `cxspec run`
storing in the server's catalog (CatalogLayout)."""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import time
from contextlib import suppress
from pathlib import Path

import pytest
from numbers_reference import expected
from spark_testing import unavailable
from test_numbers import CASES, by_key, request_of
from test_run import RESPONSES, SPECS

from cxspec import compute, default_registry, load_project, run_project, stored_results

pytestmark = pytest.mark.spark_cluster

START_TIMEOUT = 240  # seconds: a JVM on a busy machine


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def _listening(port: int) -> bool:
    with socket.socket() as sock:
        sock.settimeout(1)
        return sock.connect_ex(("127.0.0.1", port)) == 0


@pytest.fixture(scope="module")
def connect_url(spark_url, tmp_path_factory):
    """sc://127.0.0.1:PORT of a Connect server (local[2]) started as a daemon by pyspark's
    sbin/start-connect-server.sh and stopped by sbin/stop-connect-server.sh (its pid file)."""
    try:
        import grpc  # noqa: F401
        import pyarrow  # noqa: F401
        import pyspark
    except ImportError as exc:
        unavailable(f"the Spark Connect client needs {exc.name}: pip install 'pyspark[connect]'")
    home = Path(pyspark.__file__).parent
    start, stop = home / "sbin" / "start-connect-server.sh", home / "sbin" / "stop-connect-server.sh"
    if not start.exists() or not stop.exists():
        unavailable(f"pyspark has no {start.name} and {stop.name} in {start.parent}")
    folder = tmp_path_factory.mktemp("connect")
    port = _free_port()
    (folder / "conf").mkdir()
    env = {
        **os.environ,
        "SPARK_HOME": str(home),
        "SPARK_CONF_DIR": str(folder / "conf"),  # empty: nothing from elsewhere
        "SPARK_LOG_DIR": str(folder / "logs"),
        "SPARK_PID_DIR": str(folder),  # the pid file the stop script reads
        "SPARK_IDENT_STRING": f"cxspec-test-{port}",
    }
    env.pop("SPARK_NO_DAEMONIZE", None)
    command = [
        "bash", str(start), "--master", "local[2]",
        "--conf", "spark.connect.grpc.binding.address=127.0.0.1",
        "--conf", f"spark.connect.grpc.binding.port={port}",
        "--conf", f"spark.sql.warehouse.dir={folder / 'warehouse'}",
        "--conf", "spark.ui.enabled=false",
        "--conf", "spark.sql.shuffle.partitions=1",
        "--conf", "spark.sql.codegen.wholeStage=false",
        "--conf", "spark.sql.session.timeZone=UTC",
    ]  # fmt: skip
    # A session of its own: the daemon the script leaves running is in this group.
    script = subprocess.run(
        command, env=env, capture_output=True, text=True, timeout=START_TIMEOUT, start_new_session=True
    )
    group = _pid_group(folder)
    try:
        pid = _daemon_pid(folder)
        deadline = time.monotonic() + START_TIMEOUT
        while not _listening(port):
            if pid is None or not _alive(pid) or time.monotonic() > deadline:
                logs = "".join(p.read_text(errors="replace") for p in (folder / "logs").glob("*.out"))
                unavailable(
                    f"the Spark Connect server did not start on port {port}:\n{script.stdout}"
                    f"{script.stderr}{logs[-1500:]}"
                )
            time.sleep(1)
        yield f"sc://127.0.0.1:{port}"
    finally:
        subprocess.run(["bash", str(stop)], env=env, capture_output=True, timeout=120)
        _wait_for_exit(pid, group)


def _daemon_pid(folder: Path) -> int | None:
    files = list(folder.glob("spark-*-org.apache.spark.sql.connect.service.SparkConnectServer-1.pid"))
    return int(files[0].read_text().strip()) if files else None


def _pid_group(folder: Path) -> int | None:
    pid = _daemon_pid(folder)
    try:
        return os.getpgid(pid) if pid else None
    except ProcessLookupError:
        return None


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    # Reparented daemons that exited are zombies until their new parent reaps them.
    stat = Path(f"/proc/{pid}/stat")
    return not (stat.exists() and stat.read_text().split(") ")[-1].startswith("Z"))


def _wait_for_exit(pid: int | None, group: int | None) -> None:
    """The stop script sends SIGTERM and returns: wait for the JVM, SIGKILL it if it lingers."""
    if pid is None:
        return
    deadline = time.monotonic() + 60
    while _alive(pid) and time.monotonic() < deadline:
        time.sleep(0.5)
    if _alive(pid):
        os.kill(pid, signal.SIGKILL)
    if group is not None:
        with suppress(ProcessLookupError, PermissionError):
            os.killpg(group, signal.SIGKILL)  # the group the start script made, nothing else


def test_numbers_on_spark_connect(connect_url):
    from numbers_reference import PROJECT

    case = CASES["month-where-web"]
    project = load_project(PROJECT)
    got = by_key(
        compute(project, request_of(case.query, case.where), default_registry(), connect_url), case.query.by
    )
    want = expected(case.query)
    assert want and set(got) == set(want)
    for key, (value, n, invalid, moe) in want.items():
        g = got[key]
        assert (g[1], g[2]) == (n, invalid), key
        for a, b in ((value, g[0]), (moe, g[3])):
            assert (a is None and b is None) or abs(a - b) <= 1e-9 * max(1.0, abs(a)), key


def test_run_stores_in_the_connect_catalog(connect_url, tmp_path):
    root = tmp_path / "project"
    root.mkdir()
    (root / "cxspec.yaml").write_text("version: 1\nproject: t\ngrain: month\n", encoding="utf-8")
    (root / "specs.yaml").write_text(SPECS, encoding="utf-8")
    (root / "r.csv").write_text(RESPONSES, encoding="utf-8")
    project = load_project(root)
    first = run_project(project, default_registry(), connect_url)
    second = run_project(project, default_registry(), connect_url)
    again = stored_results(project, default_registry(), connect_url)
    jan = {r.metric: r for r in again.results if r.period == "2026-01-01"}
    assert abs(jan["nps"].value - 100 * (3 - 2) / 6) < 1e-9 and jan["nps"].status == "amber"
    assert jan["csat"].value == 40.0 and jan["wait"].value == 200.0
    assert len(again.results) == len(first.results) == len(second.results)
    assert len(again.scores) == len(first.scores) > 0
