"""Spark Connect (sc://): a Connect server started here with pyspark's own
start-connect-server.sh on 127.0.0.1, a query of the numbers fixture checked against the
plain-Python reference, and `cxspec run` storing in the server's catalog (CatalogLayout)."""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import time
from pathlib import Path

import pytest
from numbers_reference import expected
from spark_testing import unavailable
from test_numbers import CASES, by_key, request_of
from test_run import RESPONSES, SPECS

from cxspec import compute, default_registry, load_project, run_project, stored_results

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
    """sc://127.0.0.1:PORT of a Connect server (local[2]) run in the foreground, stopped after."""
    try:
        import grpc  # noqa: F401
        import pyarrow  # noqa: F401
        import pyspark
    except ImportError as exc:
        unavailable(f"the Spark Connect client needs {exc.name}: pip install 'pyspark[connect]'")
    home = Path(pyspark.__file__).parent
    script = home / "sbin" / "start-connect-server.sh"
    if not script.exists():
        unavailable(f"pyspark has no {script}")
    folder = tmp_path_factory.mktemp("connect")
    port = _free_port()
    env = {
        **os.environ,
        "SPARK_HOME": str(home),
        "SPARK_LOG_DIR": str(folder / "logs"),
        "SPARK_PID_DIR": str(folder),
        "SPARK_NO_DAEMONIZE": "1",
    }
    command = [
        "bash", str(script), "--wait", "--master", "local[2]",
        "--conf", "spark.connect.grpc.binding.address=127.0.0.1",
        "--conf", f"spark.connect.grpc.binding.port={port}",
        "--conf", f"spark.sql.warehouse.dir={folder / 'warehouse'}",
        "--conf", "spark.ui.enabled=false",
        "--conf", "spark.sql.shuffle.partitions=1",
        "--conf", "spark.sql.codegen.wholeStage=false",
        "--conf", "spark.sql.session.timeZone=UTC",
    ]  # fmt: skip
    with open(folder / "server.log", "wb") as log:
        server = subprocess.Popen(
            command, env=env, stdout=log, stderr=subprocess.STDOUT, start_new_session=True
        )
    try:
        deadline = time.monotonic() + START_TIMEOUT
        while not _listening(port):
            if server.poll() is not None or time.monotonic() > deadline:
                tail = (folder / "server.log").read_text(errors="replace")[-1500:]
                unavailable(f"the Spark Connect server did not start on port {port}:\n{tail}")
            time.sleep(1)
        yield f"sc://127.0.0.1:{port}"
    finally:
        os.killpg(server.pid, signal.SIGTERM)  # the group this fixture started, nothing else
        try:
            server.wait(timeout=60)
        except subprocess.TimeoutExpired:
            os.killpg(server.pid, signal.SIGKILL)


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
