"""The differential test (tests/test_differential.py) with Spark: messy CSV files and random
small projects over them give on Spark the numbers DuckDB and SQLite give, or Spark refuses
them with the same codes.

The generators and the comparison are the core module's, so the files and projects are the
same. PostgreSQL is compared with DuckDB by the core test; here Spark is compared with both
DuckDB and SQLite. Budget (docs/design.md, "One typing rule, and a differential test"):

- CI (default): `CXSPEC_DIFFERENTIAL_SPARK_EXAMPLES`, default 5 examples, no shrinking;
- long profile: `CXSPEC_DIFFERENTIAL_PROFILE=long` runs `CXSPEC_DIFFERENTIAL_EXAMPLES`
  (default 200) examples with shrinking, on every engine (this test and the core one).
"""

from __future__ import annotations

import os
import tempfile
from pathlib import Path

import pytest
from hypothesis import HealthCheck, Phase, given, settings
from test_differential import messy_file, outcome, project_specs, same, write_project

LONG = os.environ.get("CXSPEC_DIFFERENTIAL_PROFILE", "").lower() == "long"
EXAMPLES = (
    int(os.environ.get("CXSPEC_DIFFERENTIAL_EXAMPLES", "200"))
    if LONG
    else int(os.environ.get("CXSPEC_DIFFERENTIAL_SPARK_EXAMPLES", "5"))
)
PHASES = [Phase.explicit, Phase.reuse, Phase.generate] + ([Phase.shrink] if LONG else [])


@settings(
    max_examples=EXAMPLES,
    deadline=None,
    phases=PHASES,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(data=messy_file(), project=project_specs())
def test_spark_gives_the_numbers_of_the_other_engines(data, project, run_main, spark_url):
    csv, keyed = data
    chosen, grain = project
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp) / "p"
        write_project(folder, csv, keyed, chosen, grain)
        urls = {"duckdb": "duckdb:///:memory:", "sqlite": f"sqlite:///{tmp}/w.db", "spark": spark_url}
        outcomes = {engine: outcome(run_main, folder, url) for engine, url in urls.items()}
    for engine in ("duckdb", "sqlite"):
        assert same(outcomes["spark"], outcomes[engine]), (
            f"spark differs from {engine}\nfile:\n{csv}\nmetrics: {chosen}, grain {grain}\n"
            f"{engine}: {outcomes[engine]}\nspark: {outcomes['spark']}"
        )


@pytest.mark.parametrize(
    ("value", "period"),
    [("2026-03-31T23:30:00-02:00", "2026-04-01"), ("2026-03-31T23:30:00+0200", "2026-03-01")],
)
def test_a_zone_written_either_way_places_the_row_on_spark(value, period, run_main, spark_url, tmp_path):
    """The core module's fixed example, on Spark."""
    folder = tmp_path / "p"
    write_project(folder, f"id,t,flag,score,channel\n1,{value},yes,9,a\n", False, ["rows"], "month")
    assert outcome(run_main, folder, spark_url) == ("results", {("rows", period): (1.0, 1, 0)})


def test_every_metric_of_the_generator_runs_on_spark(run_main, spark_url, tmp_path):
    """One file, every metric the generator can pick that the file allows (over its yes/no
    flag and a score column holding text, `flag = 'yes'` and `score >= 9` are refused, CX405
    and CX406): a bounded run still covers them all."""
    from test_differential import METRICS

    csv = (
        "id,t,flag,score,channel\n"
        "1,2026-01-05,yes,9,a\n2,2026-01-06T10:00:00Z,no,ten,b\n2,2026-01-07 10:00:00,,3,\n"
        '3,2026-02-01T00:30:00+02:00,yes, 7 ,"a,b"\n4,2026-02-02,no,NaN,a\n'
    )
    folder = tmp_path / "p"
    write_project(folder, csv, True, sorted(set(METRICS) - {"flag_yes", "high"}), "month")
    tmp = tmp_path / "w"
    tmp.mkdir()
    spark = outcome(run_main, folder, spark_url)
    assert spark[0] == "results" and len(spark[1]) >= 2 * 11, spark
    for url in ("duckdb:///:memory:", f"sqlite:///{tmp}/w.db"):
        assert same(spark, outcome(run_main, folder, url)), (url, spark)
