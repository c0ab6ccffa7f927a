"""URLs and the CI rule, without starting Spark."""

from __future__ import annotations

from pathlib import Path

import pytest
from cxspec_spark.settings import SESSION_DEFAULTS, parse_url
from spark_testing import java_problem, unavailable

from cxspec import WarehouseError, redact, scheme_of

ROOT = Path("/srv/cx/project")


def test_local_url_and_its_results_folder():
    settings = parse_url("spark://local[2]", ROOT)
    assert (settings.master, settings.remote, settings.local) == ("local[2]", None, True)
    assert settings.results_folder == ROOT / "spark-warehouse"
    assert settings.conf == SESSION_DEFAULTS and settings.conf["spark.sql.session.timeZone"] == "UTC"
    custom = parse_url("spark://local[*]?results=out/spark&spark.driver.memory=4g", ROOT)
    assert custom.results_folder == ROOT / "out" / "spark" and custom.conf["spark.driver.memory"] == "4g"
    assert parse_url("spark://local[2]?results=/data/r", ROOT).results_folder == Path("/data/r")


def test_cluster_and_connect_urls():
    cluster = parse_url("spark://spark.internal:7077?database=cx", ROOT)
    assert cluster.master == "spark://spark.internal:7077"
    assert (cluster.results_folder, cluster.database) == (None, "cx")
    connect = parse_url("sc://127.0.0.1:15002", ROOT)
    assert (connect.master, connect.remote, connect.results_folder) == (None, "sc://127.0.0.1:15002", None)


@pytest.mark.parametrize(
    "url, message",
    [("spark://", "names no Spark master"), ("spark://local[2]?colour=blue", "unknown parameter 'colour'")],
)
def test_bad_urls(url, message):
    with pytest.raises(WarehouseError, match=message):
        parse_url(url, ROOT)


def test_brackets_in_the_url_do_not_break_the_scheme():
    """urllib rejects `[2]` as a malformed IPv6 host; cxspec reads the scheme without it."""
    assert scheme_of("spark://local[2]") == "spark" and scheme_of("sc://h:15002") == "sc"
    assert redact("spark://local[2]") == "spark://local[2]"


def test_without_java_the_tests_fail_in_ci(monkeypatch):
    monkeypatch.delenv("JAVA_HOME", raising=False)
    monkeypatch.setenv("PATH", "/nonexistent")
    assert "java is not installed" in java_problem()
    monkeypatch.setenv("CI", "true")
    with pytest.raises(pytest.fail.Exception, match="required when CI=true"):
        unavailable("java is not installed")
    monkeypatch.setenv("CI", "")
    with pytest.raises(pytest.skip.Exception):
        unavailable("java is not installed")
