"""Open (or reuse) the SparkSession a URL names.

Starting Spark takes seconds, so a session already running in this process for the same master
is reused (pyspark's getOrCreate), from any thread, and left running on close; a session this
module started is stopped on close.
"""

from __future__ import annotations

import warnings
from pathlib import Path

from cxspec import WarehouseError
from cxspec_spark.settings import SparkSettings

# pyspark 4.3 warns about pandas 3 on every start; cxspec's Spark path does not use pandas.
warnings.filterwarnings("ignore", message="PySpark does not yet fully support pandas", category=FutureWarning)

QUIET_LOGGING = Path(__file__).with_name("log4j2.properties").as_uri()
JAVA_HINT = "Spark needs Java 17 or newer on PATH or in JAVA_HOME (`java -version`)"


def open_session(settings: SparkSettings):
    """(session, started_here)."""
    try:
        from pyspark.sql import SparkSession
    except ImportError:
        raise WarehouseError("the Spark warehouse needs pyspark: pip install cxspec-spark") from None
    if settings.remote:
        return _connect(settings), True
    active = SparkSession.getActiveSession() or _running_session(SparkSession)
    if active is not None and _master_of(active) == settings.master:
        _apply_runtime_settings(active)
        return active, False
    if active is not None:
        raise WarehouseError(
            f"a Spark session for {_master_of(active)!r} is already running in this process; "
            f"cannot open another for {settings.master!r}"
        )
    builder = SparkSession.builder.master(settings.master).appName("cxspec")
    for key, value in settings.conf.items():
        builder = builder.config(key, value)
    if settings.results_folder is not None:
        builder = builder.config("spark.sql.warehouse.dir", str(settings.results_folder))
    builder = builder.config("spark.ui.showConsoleProgress", "false")
    if "spark.driver.extraJavaOptions" not in settings.conf:
        quiet = f"-Dlog4j2.configurationFile={QUIET_LOGGING}"
        builder = builder.config("spark.driver.extraJavaOptions", quiet)
    try:
        session = builder.getOrCreate()
    except Exception as exc:  # pyspark raises several kinds when the JVM cannot start
        reason = _first_line(exc)
        raise WarehouseError(f"cannot start Spark ({settings.master}): {reason}; {JAVA_HINT}") from None
    session.sparkContext.setLogLevel("ERROR")
    _apply_runtime_settings(session)
    return session, True


def _running_session(SparkSession):
    """The session of a SparkContext already running in this process, seen from a thread that
    has no active session (getActiveSession is per thread): it is reused, and left running."""
    from pyspark import SparkContext

    if getattr(SparkContext, "_active_spark_context", None) is None:
        return None
    return SparkSession.builder.getOrCreate()


def _connect(settings: SparkSettings):
    try:
        # The Connect client's own builder: pyspark's refuses a remote session while a local one
        # runs in the process, and a new session per warehouse keeps their temporary views apart.
        from pyspark.sql.connect.session import SparkSession as RemoteSparkSession

        session = RemoteSparkSession.builder.remote(settings.remote).create()
        _apply_runtime_settings(session)
        session.sql("SELECT 1").collect()  # the client connects lazily: fail here, clearly
    except ImportError as exc:
        raise WarehouseError(
            f"Spark Connect needs its client libraries ({exc.name or exc}): pip install 'pyspark[connect]'"
        ) from None
    except Exception as exc:
        raise WarehouseError(f"cannot reach Spark Connect at {settings.remote}: {_first_line(exc)}") from None
    return session


#: Settings that hold for every session cxspec uses, one it started or one it reuses.
RUNTIME_SETTINGS = {
    # Every cxspec warehouse computes in UTC.
    "spark.sql.session.timeZone": "UTC",
    # Churn's spine of periods is a recursive CTE with one level per period: Spark's default
    # limit (100) stops a daily spine after 100 days.
    "spark.sql.cteRecursionLevelLimit": "1000000",
}


def _apply_runtime_settings(session) -> None:
    for key, value in RUNTIME_SETTINGS.items():
        session.conf.set(key, value)


def _master_of(session) -> str | None:
    try:
        return session.sparkContext.master
    except Exception:  # Spark Connect sessions have no SparkContext
        return None


def _first_line(exc: Exception) -> str:
    text = str(exc).strip() or type(exc).__name__
    return text.splitlines()[0]
