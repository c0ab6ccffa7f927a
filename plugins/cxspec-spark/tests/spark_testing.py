"""Helpers of the Spark tests (a module of its own: `conftest` is ambiguous when the core tests
and several plugins' tests run in one pytest session)."""

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

#: The URL of the local session conftest.spark_url keeps for the test session, while it does.
local_session_urls: list[str] = []


def unavailable(reason: str):
    if os.environ.get("CI", "").lower() == "true":
        pytest.fail(f"Spark is required when CI=true, but {reason}", pytrace=False)
    pytest.skip(f"no Spark: {reason}")


def java_problem() -> str | None:
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
