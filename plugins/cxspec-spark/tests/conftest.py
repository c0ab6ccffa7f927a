"""One local Spark session for the whole test session (Spark takes seconds to start).

The core tests' folder is put on sys.path so that their numbers machinery (numbers_reference,
test_numbers) is reused, not copied. Without pyspark or Java the Spark tests skip, except when
CI=true: there they fail.
"""

from __future__ import annotations

import textwrap
from pathlib import Path

import pytest
from spark_testing import REPO, TEST_SETTINGS, java_problem, local_session_urls, unavailable


def pytest_configure(config):
    config.addinivalue_line(
        "markers",
        "spark_cluster: starts a Spark standalone cluster or Connect server (slow; CI runs them; "
        "deselect with -m 'not spark_cluster')",
    )


@pytest.fixture(scope="session")
def spark_results(tmp_path_factory) -> Path:
    return tmp_path_factory.mktemp("spark-results")


@pytest.fixture(scope="session")
def spark_url(spark_results) -> str:
    """spark://local[2]?… of the session started here; warehouses opened on it reuse it."""
    try:
        import pyspark  # noqa: F401
    except ImportError:
        unavailable("pyspark is not installed (pip install -e plugins/cxspec-spark)")
    problem = java_problem()
    if problem:
        unavailable(problem)
    from cxspec_spark.session import open_session
    from cxspec_spark.settings import parse_url

    url = f"spark://local[2]?results={spark_results}&{TEST_SETTINGS}"
    session, _ = open_session(parse_url(url, REPO))
    local_session_urls.append(url)  # the cluster tests switch the driver away and back
    try:
        yield url
    finally:
        local_session_urls.remove(url)
        from pyspark.sql import SparkSession

        (SparkSession.getActiveSession() or session).stop()


@pytest.fixture
def spark(spark_url):
    from pyspark.sql import SparkSession

    return SparkSession.getActiveSession()


@pytest.fixture
def run_main():
    """Run the real entry point in-process: (exit code, stdout, stderr)."""
    from cxspec.testing import run_cli

    return lambda *args: tuple(run_cli(*args))


@pytest.fixture
def make_project(tmp_path):
    """make_project({"specs.yaml": …}, config=…) -> a new project folder, as the core tests'
    fixture of that name makes it (for the core tests imported here)."""
    counter = iter(range(1_000_000))

    def make(files=None, *, config="version: 1\nproject: t\n", name=None):
        root = tmp_path / (name or f"project{next(counter)}")
        root.mkdir(parents=True)
        if config is not None:
            (root / "cxspec.yaml").write_text(textwrap.dedent(config), encoding="utf-8")
        for relative, content in (files or {}).items():
            path = root / relative
            path.parent.mkdir(parents=True, exist_ok=True)
            if isinstance(content, bytes):
                path.write_bytes(content)
            else:
                path.write_text(textwrap.dedent(content), encoding="utf-8")
        return root

    return make
