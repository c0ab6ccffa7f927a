"""cxspec on a Spark standalone cluster: a master and two workers on 127.0.0.1, each a JVM
started from pyspark's own `bin/spark-class`, whose executors run in processes of their own
(spark_cluster.py). The driver is this process, connected to `spark://127.0.0.1:PORT`.

On it: the core numbers tests (tests/test_numbers.py: expected values computed in plain Python
from the fixture's CSV files) for the cases that cover every metric, dimensions and --where;
a full `cxspec run` of specs/acme compared with DuckDB's (test_acme_spark.py's test); and a
worker killed mid-query, whose lost tasks Spark runs again on the other worker, with the same
numbers. The local session's tests (test_numbers_spark.py) run every case; this module runs a
subset, since every Spark job here crosses processes.
"""

from __future__ import annotations

import threading
import time

import pytest
from numbers_reference import PROJECT, expected
from spark_cluster import Cluster, ClusterError, cluster_warehouse_url, driver_on, running_tasks
from spark_testing import java_problem, unavailable
from test_acme_spark import (  # noqa: F401  (pytest collects the imported test and fixtures)
    acme,
    duckdb_stored,
    spark_run,
    test_every_acme_metric_stored_by_spark_matches_duckdb,
)
from test_numbers import (  # noqa: F401
    CASES,
    assert_matches,
    project,
    registry,
    run,
    test_duplicates_latest_wins_after_the_source_filter,
    test_empty_period_has_no_rows,
)

from cxspec import hookimpl
from cxspec.testing import registered_plugin

pytestmark = pytest.mark.spark_cluster

#: Every metric (month), dimensions (week by channel), --where over three sources.
CLUSTER_CASES = ("month", "week-by-channel", "month-where-web")
#: Two shuffle partitions, never coalesced: a query's tasks spread over both executors.
CLUSTER_SETTINGS = "spark.sql.shuffle.partitions=2&spark.sql.adaptive.coalescePartitions.enabled=false"
KILL_TIMEOUT = 300  # seconds to see both executors busy, then for the query to finish


@pytest.fixture(scope="module")
def cluster(tmp_path_factory):
    try:
        import pyspark  # noqa: F401
    except ImportError:
        unavailable("pyspark is not installed (pip install -e plugins/cxspec-spark)")
    problem = java_problem()
    if problem:
        unavailable(problem)
    cluster = Cluster(tmp_path_factory.mktemp("spark-cluster"))
    try:
        try:
            cluster.start()
        except ClusterError as exc:
            unavailable(str(exc))
        yield cluster
    finally:
        cluster.stop()


@pytest.fixture(scope="module")
def cluster_url(cluster, tmp_path_factory):
    """The cluster's warehouse URL, with this process's driver on it for the module. Result
    tables go to a warehouse folder on this machine's disk, which the executors write to."""
    tables = tmp_path_factory.mktemp("cluster-warehouse")
    url = cluster_warehouse_url(cluster, f"{CLUSTER_SETTINGS}&spark.sql.warehouse.dir={tables}")
    with driver_on(url, PROJECT):
        yield url


@pytest.fixture
def warehouse(cluster_url):
    return cluster_url


@pytest.fixture(scope="module")
def spark_url(cluster_url):
    """test_acme_spark's run, on the cluster."""
    return cluster_url


def test_the_cluster_has_two_workers_with_an_executor_each(cluster, cluster_url):
    from pyspark.sql import SparkSession

    session = SparkSession.getActiveSession()
    assert session.sparkContext.master == cluster.master_url
    state = cluster.state()
    assert state["aliveworkers"] == 2 and state["cores"] == 2
    cluster.wait_for_executors()
    assert all(len(cluster.executor_pids(w)) == 1 for w in cluster.workers)


@pytest.mark.parametrize("case", CLUSTER_CASES)
def test_numbers_on_the_cluster(project, registry, cluster_url, case):  # noqa: F811
    query, where = CASES[case].query, CASES[case].where
    assert_matches(expected(query), run(project, registry, cluster_url, query, where))


class SlowRows:
    """Allows Spark's `reflect`, so that a --where can sleep in each row (Thread.sleep)."""

    @hookimpl
    def cxspec_sql_functions(self):
        return ["reflect"]


SLEEP = "reflect('java.lang.Thread', 'sleep', CAST({ms} AS BIGINT)) IS NOT NULL"


@pytest.mark.parametrize(
    "when, sleep_ms",
    [
        pytest.param(1, 100, id="in-the-first-stage"),
        # After the first stage's rows are kept on both executors (ctes.py checkpoints each
        # CTE): the kill loses rows an earlier step computed, not only running tasks.
        pytest.param(2, 300, id="after-a-checkpoint"),
    ],
)
def test_a_worker_killed_mid_query_changes_no_number(cluster, cluster_url, project, when, sleep_ms):  # noqa: F811
    """When both executors run a task of the query (for the `when`-th time: each row of the
    sources sleeps, so tasks last), a worker and its executor are SIGKILLed (a machine dying):
    Spark runs the lost work again on the other worker and the numbers are the reference's, as
    without the kill (test_numbers_on_the_cluster runs the same case without it, against the
    same reference). A replacement worker is started afterwards."""
    from pyspark.sql import SparkSession

    session = SparkSession.getActiveSession()
    case = CASES["month-where-web"]
    where = f"{SLEEP.format(ms=sleep_ms)} AND {case.where}"
    killed: dict = {}

    def kill_when_busy(victim, done: threading.Event):
        # In a thread of its own: the query runs in the test's thread, where the driver's
        # session is the active one (a session is active per thread).
        deadline = time.monotonic() + KILL_TIMEOUT
        for busy_time in range(1, when + 1):
            while running_tasks(session) < 2:  # both executors busy
                if done.is_set() or time.monotonic() > deadline:
                    return
                time.sleep(0.02)
            while busy_time < when and running_tasks(session) >= 2:
                if done.is_set() or time.monotonic() > deadline:
                    return
                time.sleep(0.02)
        cluster.kill_worker(victim)
        killed["at"] = time.monotonic()

    cluster.wait_for_executors()
    done = threading.Event()
    killer = threading.Thread(target=kill_when_busy, args=(cluster.workers[0], done), daemon=True)
    with registered_plugin(SlowRows(), "slow-rows", installed=True) as slow_registry:
        killer.start()
        try:
            got = run(project, slow_registry, cluster_url, case.query, where)
        finally:
            done.set()
            finished = time.monotonic()
            killer.join(KILL_TIMEOUT)
    assert "at" in killed, "the executors were never both busy: no worker was killed"
    assert killed["at"] < finished, "the query ended before the kill"
    outcome = {"got": got}
    assert_matches(expected(case.query), outcome["got"])
    assert cluster.state()["aliveworkers"] == 1
    cluster.start_worker()
    cluster.wait_for_workers(2)
    cluster.wait_for_executors()
