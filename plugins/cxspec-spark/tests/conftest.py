"""One local Spark session for the whole test session (Spark takes seconds to start).

The core tests' folder is put on sys.path so that their numbers machinery (numbers_reference,
test_numbers) is reused, not copied. Without pyspark or Java the Spark tests skip, except when
CI=true: there they fail.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[3]
CORE_TESTS = REPO / "tests"
if str(CORE_TESTS) not in sys.path:
    sys.path.insert(0, str(CORE_TESTS))

#: Small data: one shuffle partition and no whole-stage code generation (compiling the
#: generated Java of cxspec's wide queries costs more than running them interpreted).
TEST_SETTINGS = "spark.sql.shuffle.partitions=1&spark.sql.codegen.wholeStage=false"


def _unavailable(reason: str):
    if os.environ.get("CI", "").lower() == "true":
        pytest.fail(f"Spark is required when CI=true, but {reason}", pytrace=False)
    pytest.skip(f"no Spark: {reason}")


def _java_problem() -> str | None:
    java = Path(os.environ["JAVA_HOME"], "bin", "java") if os.environ.get("JAVA_HOME") else None
    java = str(java) if java and java.exists() else shutil.which("java")
    if java is None:
        return "java is not installed (apt-get install openjdk-17-jre-headless)"
    try:
        out = subprocess.run([java, "-version"], capture_output=True, text=True, timeout=30)
    except (OSError, subprocess.SubprocessError) as exc:
        return f"`java -version` failed: {exc}"
    if out.returncode != 0:
        return f"`java -version` failed: {out.stderr.strip()[:200]}"
    return None


@pytest.fixture(scope="session")
def spark_results(tmp_path_factory) -> Path:
    return tmp_path_factory.mktemp("spark-results")


@pytest.fixture(scope="session")
def spark_url(spark_results) -> str:
    """spark://local[2]?… of the session started here; warehouses opened on it reuse it."""
    try:
        import pyspark  # noqa: F401
    except ImportError:
        _unavailable("pyspark is not installed (pip install -e plugins/cxspec-spark)")
    problem = _java_problem()
    if problem:
        _unavailable(problem)
    from cxspec_spark.session import open_session
    from cxspec_spark.settings import parse_url

    url = f"spark://local[2]?results={spark_results}&{TEST_SETTINGS}"
    session, _ = open_session(parse_url(url, REPO))
    try:
        yield url
    finally:
        session.stop()


@pytest.fixture
def spark(spark_url):
    from pyspark.sql import SparkSession

    return SparkSession.getActiveSession()


@pytest.fixture
def run_main(capsys):
    """Run the real entry point (cxspec.cli.main) in-process: (exit code, stdout, stderr)."""
    from cxspec.cli import main

    def run(*args: str):
        with pytest.raises(SystemExit) as exit_info:
            main(list(args))
        captured = capsys.readouterr()
        return exit_info.value.code, captured.out, captured.err

    return run
