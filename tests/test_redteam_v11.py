"""A red-team pass over the v1.1 features, as an attacker or a tired operator meets them: odd
spec shapes, odd data, odd command lines. Bad input is a located message with a code and a
hint (or a usage error), never a traceback and never a silent wrong number."""

from __future__ import annotations

import json
import random
import re

import pytest

CONFIG = "version: 1\nproject: red\nsegments: [region]\n"


def rows():
    """(id, customer, day, region, ltr, sat_a, sat_b, amount) with some spread."""
    rng = random.Random(7)
    out = []
    for i in range(240):
        a, b = rng.randint(1, 5), rng.randint(1, 5)
        ltr = max(0, min(10, a + b + rng.randint(-2, 1)))
        out.append((i, f"c{i % 40:02d}", 1 + i % 28, ["EMEA", "APAC"][i % 40 % 2], ltr, a, b))
    return out


SPECS = """\
version: 1
sources:
  - id: customers
    type: file
    path: data/customers.csv
    entity: customer_id
    key: customer_id
    time: updated_at
  - id: responses
    type: file
    path: data/responses.csv
    time: t
    entity: customer_id
    key: id
    dimensions:
      - {name: region, from: customers}
metrics:
  - {id: mean_ltr, type: mean, source: responses, column: ltr}
goals:
  - {metric: mean_ltr, target: 9, warn: 5}
drivers:
  - id: d1
    source: responses
    outcome: ltr
    drivers:
      - {name: a, column: sat_a}
      - {name: b, column: sat_b}
links:
  - id: l1
    cx: {source: responses, column: ltr, groups: nps}
    outcome: {source: responses, value: sat_a, within: 7d}
"""


def project_files(specs: str = SPECS) -> dict:
    customers = "customer_id,region,updated_at\n" + "".join(
        f"c{i:02d},{['EMEA', 'APAC'][i % 2]},2025-01-01\n" for i in range(40)
    )
    responses = "id,customer_id,t,ltr,sat_a,sat_b\n" + "".join(
        f"{i},{c},2026-01-{d:02d}T10:00:00Z,{ltr},{a},{b}\n" for i, c, d, _, ltr, a, b in rows()
    )
    return {"specs.yaml": specs, "data/customers.csv": customers, "data/responses.csv": responses}


@pytest.fixture
def stored(make_project, run_main, tmp_path):
    """A project run once into a DuckDB file: (root, warehouse url)."""
    root = make_project(project_files(), config=CONFIG)
    url = f"duckdb:///{tmp_path / 'results.duckdb'}"
    code, out, err = run_main("run", str(root), "--warehouse", url, "--out", str(tmp_path / "out"), "-q")
    assert code == 0, out + err
    return root, url


def test_segment_report_shows_its_own_drivers_and_no_total_links(stored, run_main):
    """Links are computed for the total only: a segment's report ("only its rows") must not
    show the total's figures as if they were the segment's. Drivers are stored per segment
    (tests/test_drivers_segments.py): the segment's report shows the segment's own."""
    root, url = stored
    code, out, err = run_main("report", str(root), "--warehouse", url, "--format", "json")
    total = json.loads(out)
    assert total["drivers"] and total["links"], "the total's report shows them"
    assert {d["n"] for d in total["drivers"]} == {len(rows())}
    code, out, err = run_main(
        "report", str(root), "--warehouse", url, "--segment", "region=EMEA", "--format", "json"
    )
    assert code == 0, out + err
    report = json.loads(out)
    assert report["segment"] == {"region": "EMEA"}
    assert report["links"] == []
    emea = [ltr for _, _, _, region, ltr, _, _ in rows() if region == "EMEA"]
    assert {d["n"] for d in report["drivers"]} == {len(emea)}
    (metric,) = report["metrics"]
    assert metric["latest"]["value"] == pytest.approx(sum(emea) / len(emea))
    code, out, err = run_main("report", str(root), "--warehouse", url, "--segment", "region=EMEA")
    assert code == 0 and "What matters most" in out
    # no total's figures in the links' place, which says why (tests/test_links_counted.py)
    sentences = [link["sentence"] for link in total["links"] if link["sentence"]]
    assert sentences and not any(s in out for s in sentences)
    assert "Links are computed for the whole programme only" in out


def test_segment_named_twice_is_a_usage_error(stored, run_main):
    root, url = stored
    code, out, err = run_main(
        "report", str(root), "--warehouse", url, "--segment", "region=EMEA", "--segment", "region=APAC"
    )
    assert code == 2 and "region" in err and "twice" in err and "Traceback" not in err


@pytest.mark.parametrize("value", ["9999-12-31", "9999-12-31T23:59:59", "0001-01-01"])
@pytest.mark.parametrize("command", ["report", "links", "run"])
def test_as_of_out_of_range_is_a_usage_error(stored, run_main, tmp_path, command, value):
    root, url = stored
    extra = ["--out", str(tmp_path / "again")] if command == "run" else []
    code, out, err = run_main(command, str(root), "--warehouse", url, "--as-of", value, *extra)
    assert code == 2, out + err
    assert "--as-of" in err and "internal error" not in err + out


def test_report_as_of_before_every_stored_period_is_a_usage_error(stored, run_main):
    """Not the latest period stored (after the as-of time) shown as if it were complete then."""
    root, url = stored
    code, out, err = run_main("report", str(root), "--warehouse", url, "--as-of", "2025-06-01")
    assert code == 2, out + err
    assert "--as-of" in err and "2026-01-01" in err


GOAL = "  - {metric: mean_ltr, target: 9, warn: 5}\n"


@pytest.mark.parametrize("where", ["{region: [EMEA]}", "{region: {a: 1}}"])
def test_goal_override_value_not_a_scalar_is_located(make_project, run_main, where):
    goal = f"  - {{metric: mean_ltr, target: 9, warn: 5, segments: [{{where: {where}, target: 7}}]}}\n"
    root = make_project(project_files(SPECS.replace(GOAL, goal)), config=CONFIG)
    code, out, err = run_main("validate", str(root))
    assert code == 1, out + err
    assert "internal error" not in out + err
    assert "specs.yaml:" in out + err and "CX1" in out + err


def test_goal_override_warn_on_the_wrong_side_of_its_target(make_project, run_main):
    override = "{where: {region: APAC}, target: 6, warn: 8}"
    goal = f"  - {{metric: mean_ltr, target: 9, warn: 5, segments: [{override}]}}\n"
    root = make_project(project_files(SPECS.replace(GOAL, goal)), config=CONFIG)
    code, out, err = run_main("validate", str(root))
    assert code == 1, out + err
    assert "CX304" in out + err and "warn 8" in out + err and "specs.yaml:20:96:" in out + err


@pytest.mark.parametrize("scale", ["[.nan, 5]", "[1, .inf]", "[-.inf, 5]", "[1, 1e400]"])
@pytest.mark.parametrize("where", ["driver", "outcome", "link"])
def test_scale_not_finite_is_invalid(make_project, run_main, scale, where):
    specs = {
        "driver": SPECS.replace("{name: a, column: sat_a}", f"{{name: a, column: sat_a, scale: {scale}}}"),
        "outcome": SPECS.replace("outcome: ltr\n", f"outcome: ltr\n    outcome_scale: {scale}\n"),
        "link": SPECS.replace("groups: nps}", f"groups: top_box, scale: {scale}}}"),
    }[where]
    root = make_project(project_files(specs), config=CONFIG)
    code, out, err = run_main("validate", str(root))
    assert code == 1, out + err
    assert "CX301" in out + err and "internal error" not in out + err


def test_link_window_beyond_the_calendar_is_no_crash(make_project, run_main, tmp_path):
    specs = SPECS.replace("within: 7d", "within: 999999w")
    root = make_project(project_files(specs), config=CONFIG)
    url = f"duckdb:///{tmp_path / 'r.duckdb'}"
    code, out, err = run_main("run", str(root), "--warehouse", url, "--out", str(tmp_path / "o"))
    assert "internal error" not in out + err and "Traceback" not in out + err
    assert code == 0, out + err
    assert "CX610" in out + err  # no response has its whole window before the cut


@pytest.mark.parametrize(
    "groups", ["{quantiles: 1}", "{quantiles: 1000}", "{quantiles: 2.5}", "{quantile: 4}"]
)
def test_bad_quantiles_say_what_is_wrong(make_project, run_main, groups):
    specs = SPECS.replace("groups: nps}", f"groups: {groups}}}")
    root = make_project(project_files(specs), config=CONFIG)
    code, out, err = run_main("validate", str(root))
    assert code == 1, out + err
    assert "pyramid" not in out + err and "children" not in out + err
    assert "quantile" in out + err


CUSTOMERS = "  - id: customers\n    type: file\n    path: data/customers.csv\n    entity: customer_id\n"


@pytest.mark.parametrize(
    "computed",
    [
        '    dimensions: [{name: tier, expr: "upper(region)"}]\n',  # an expr there
        "    dimensions: [{name: tier, from: responses, column: id}]\n",  # a lookup there: a chain
    ],
)
@pytest.mark.parametrize("command", ["query", "run"])
def test_lookup_of_a_computed_dimension_is_located(make_project, run_main, tmp_path, computed, command):
    """One level of lookup: a lookup of the other source's expr or lookup dimension was a
    warehouse error (CX416, SQL quoted) on query and run, though `validate --data` knew."""
    specs = SPECS.replace(CUSTOMERS, CUSTOMERS + computed).replace(
        "      - {name: region, from: customers}\n",
        "      - {name: region, from: customers}\n      - {name: tier, from: customers}\n",
    )
    root = make_project(project_files(specs), config=CONFIG)
    url = f"duckdb:///{tmp_path / 'r.duckdb'}"
    extra = ["--by", "tier"] if command == "query" else ["--out", str(tmp_path / "o")]
    code, out, err = run_main(command, str(root), "--warehouse", url, *extra)
    assert code == 1, out + err
    assert "CX416" not in out + err and "SELECT" not in out + err
    assert re.search(
        r"specs\.yaml:\d+:\d+: error CX404: dimension 'tier' of source 'responses' \(looked up\)", err
    )
    assert "a lookup or an expr" in err


def test_lookup_column_missing_is_located_on_run(make_project, run_main, tmp_path):
    specs = SPECS.replace(
        "{name: region, from: customers}", "{name: region, from: customers, column: regoin}"
    )
    root = make_project(project_files(specs), config=CONFIG)
    url = f"duckdb:///{tmp_path / 'r.duckdb'}"
    code, out, err = run_main("run", str(root), "--warehouse", url, "--out", str(tmp_path / "o"))
    assert code == 1, out + err
    assert "CX416" not in out + err and "SELECT" not in out + err
    assert re.search(r"specs\.yaml:16:\d+: error CX404: .*'regoin'", err) and "did you mean 'region'" in err


def test_header_only_source_is_not_text_to_drivers_and_links(make_project, run_main, tmp_path):
    """An empty source (a header, no rows) has no values to type its columns from: what
    drivers and links measure is a number, so they say "0 complete cases" and "no response",
    not "column 'ltr' is text, it holds no number at all"."""
    files = project_files()
    files["data/responses.csv"] = "id,customer_id,t,ltr,sat_a,sat_b\n"
    specs = SPECS.replace("{name: b, column: sat_b}", '{name: b, expr: "(sat_b + sat_a) / 2"}')
    files["specs.yaml"] = specs
    root = make_project(files, config=CONFIG)
    url = f"duckdb:///{tmp_path / 'r.duckdb'}"
    code, out, err = run_main("run", str(root), "--warehouse", url, "--out", str(tmp_path / "o"))
    assert "CX603" not in err and "CX607" not in err, err
    assert "0 complete cases" in err


def test_report_out_to_a_fifo_writes_into_it_and_keeps_it(stored, run_main, tmp_path):
    """`--out` naming a pipe or a device (`/dev/stdout`, `/dev/null`): the report goes into it.
    It was written to a temporary file renamed over the name: the pipe (as root: /dev/null
    itself) was replaced by a regular file."""
    import os
    import stat

    root, url = stored
    fifo = tmp_path / "pipe"
    os.mkfifo(fifo)
    reader = os.open(fifo, os.O_RDONLY | os.O_NONBLOCK)
    try:
        code, out, err = run_main(
            "report", str(root), "--warehouse", url, "--format", "md", "--out", str(fifo)
        )
        assert code == 0, out + err
        assert stat.S_ISFIFO(os.lstat(fifo).st_mode), "the pipe is still a pipe"
        received = b""
        while chunk := os.read(reader, 65536):
            received += chunk
    finally:
        os.close(reader)
    assert received.decode().startswith("# red: CX scorecard")


INTERRUPT_IN_LINKS = """
import os, signal, sys
import cxspec.links.compute as compute
real = compute.compute_links
def computing(*args, **kwargs):
    os.kill(os.getpid(), signal.SIGINT)
    return real(*args, **kwargs)
compute.compute_links = computing
from cxspec.cli import main
main(["run", sys.argv[1], "--warehouse", sys.argv[2], "--out", sys.argv[3], "--quiet"])
"""


def test_an_interrupt_while_links_are_computed_stores_nothing(stored, tmp_path):
    """The drivers analyses and links were computed after the results were stored: an
    interrupt then left the new run's results beside the old run's drivers and links. They
    are computed first now, and stored right after the results."""
    import os
    import subprocess
    import sys
    from pathlib import Path

    from cxspec import load_project
    from cxspec.registry import default_registry
    from cxspec.runs.run import stored_results

    root, url = stored

    def rows():
        found = stored_results(load_project(root), default_registry(), url)
        return [(r.metric, r.period, r.dimensions, r.value, r.computed_at) for r in found.results]

    before = rows()
    data = root / "data" / "responses.csv"
    data.write_text(data.read_text(encoding="utf-8").replace(",10,", ",0,"), encoding="utf-8")
    here = str(Path(__file__).resolve().parent.parent)
    env = {**os.environ, "PYTHONPATH": os.pathsep.join([here, os.environ.get("PYTHONPATH", "")])}
    env.pop("CXSPEC_DEBUG", None)
    done = subprocess.run(
        [sys.executable, "-c", INTERRUPT_IN_LINKS, str(root), url, str(tmp_path / "out2")],
        capture_output=True,
        text=True,
        env=env,
        timeout=120,
    )
    assert done.returncode == 130, done.stderr
    assert "Traceback" not in done.stderr
    assert rows() == before  # the new results are not stored without their drivers and links


def test_drivers_by_a_lookup_dimension_splits_it(stored, run_main):
    """It was a CX607 warehouse error quoting DuckDB ("column region not found"), then a usage
    error; now the region is looked up as for metrics (tests/test_drivers_lookup.py)."""
    root, url = stored
    code, out, err = run_main("drivers", str(root), "--warehouse", url, "--by", "region", "--format", "json")
    assert code == 0, out + err
    found = json.loads(out)["drivers"]
    assert {r["dimensions"]["region"] for r in found} == {"EMEA", "APAC"}
    assert sum(r["n"] for r in found if r["driver"] == "a") == len(rows())


@pytest.mark.parametrize(
    "change",
    [
        ("    outcome: ltr\n", "    outcome: ltr\n    filter: \"region = 'EMEA'\"\n"),
        ("{name: b, column: sat_b}", "{name: b, expr: \"CASE WHEN region = 'EMEA' THEN sat_b END\"}"),
    ],
)
def test_drivers_fragment_naming_a_lookup_dimension_reads_it(make_project, run_main, change):
    """validate said ok, and the run failed with CX607 quoting DuckDB; then it was CX404; now
    the fragment reads the looked-up region, as a metric's filter does."""
    root = make_project(project_files(SPECS.replace(*change)), config=CONFIG)
    code, out, err = run_main("validate", str(root))
    assert code == 0, out + err
    code, out, err = run_main("drivers", str(root), "--format", "json")
    assert code == 0, out + err
    emea = [r for r in rows() if r[3] == "EMEA"]
    assert {r["n"] for r in json.loads(out)["drivers"]} == {len(emea)}


@pytest.mark.parametrize(
    "section",
    [
        "initiatives:\n  - {id: i1, name: I, date: 2025-13-45, metrics: [mean_ltr], compare: 1}\n",
        "benchmarks:\n  - {metric: mean_ltr, name: B, value: 5, as_of: 2025-02-31}\n",
    ],
)
def test_a_day_that_is_not_in_the_calendar_is_invalid(make_project, run_main, section):
    """2025-13-45 fits YYYY-MM-DD: an initiative then came after every period (silently
    "0 after"), a benchmark was shown as of a day that does not exist."""
    root = make_project(project_files(), config=CONFIG + section)
    code, out, err = run_main("validate", str(root))
    assert code == 1, out + err
    assert re.search(r"cxspec\.yaml:\d+:\d+: error CX100: .*not a day of the calendar", out + err)


def test_a_goal_due_day_that_is_not_in_the_calendar_is_invalid(make_project, run_main):
    goal = "  - {metric: mean_ltr, target: 9, warn: 5, due: 2026-02-30}\n"
    root = make_project(project_files(SPECS.replace(GOAL, goal)), config=CONFIG)
    code, out, err = run_main("validate", str(root))
    assert code == 1, out + err
    assert re.search(r"specs\.yaml:\d+:\d+: error CX100: .*not a day of the calendar", out + err)


@pytest.mark.parametrize("value", [".nan", ".inf", "-.inf"])
def test_a_benchmark_that_is_no_finite_number_is_invalid(make_project, run_main, tmp_path, value):
    """.inf crashed the run (OverflowError formatting the gap); .nan was a benchmark never met."""
    section = f"benchmarks:\n  - {{metric: mean_ltr, name: B, value: {value}}}\n"
    root = make_project(project_files(), config=CONFIG + section)
    code, out, err = run_main(
        "run", str(root), "--warehouse", f"duckdb:///{tmp_path / 'r.duckdb'}", "--out", str(tmp_path / "o")
    )
    assert code == 1, out + err
    assert "internal error" not in out + err
    assert re.search(r"cxspec\.yaml:\d+:\d+: error CX100: .*finite", out + err)


def test_a_benchmark_outside_the_metrics_range_is_a_warning(make_project, run_main):
    section = "benchmarks:\n  - {metric: nps, name: B, value: 1e300}\n"
    specs = SPECS.replace(
        "metrics:\n", "metrics:\n  - {id: nps, type: nps, source: responses, column: ltr}\n"
    )
    root = make_project(project_files(specs), config=CONFIG + section)
    code, out, err = run_main("validate", str(root))
    assert re.search(
        r"cxspec\.yaml:\d+:\d+: warning CX310: benchmark 'B' of 'nps': value 1e\+300 lies outside", out + err
    )


@pytest.mark.parametrize(
    ("change", "command", "wanted"),
    [
        (
            ("{name: b, column: sat_b}", "{name: b, column: sat_x}"),
            "drivers",
            r"driver 'b' of 'd1' names 'sat_x'",
        ),
        (("outcome: ltr\n", "outcome: ltrr\n"), "drivers", r"the outcome of 'd1' names 'ltrr'"),
        (("{name: b, column: sat_b}", '{name: b, expr: "sat_bb * 2"}'), "drivers", r"names 'sat_bb'"),
        (("column: ltr, groups: nps", "column: ltrr, groups: nps"), "links", r"the score names 'ltrr'"),
        (("value: sat_a,", "value: sat_aa,"), "links", r"the outcome value names 'sat_aa'"),
        (
            ("{name: b, column: sat_b}", "{name: b, column: sat_x}"),
            "run",
            r"driver 'b' of 'd1' names 'sat_x'",
        ),
    ],
)
def test_a_misspelt_driver_or_link_column_is_located(
    make_project, run_main, tmp_path, change, command, wanted
):
    """It was the engine's "column not found" quoting its SQL, without file, line or code."""
    root = make_project(project_files(SPECS.replace(*change)), config=CONFIG)
    extra = ["--out", str(tmp_path / "o")] if command == "run" else []
    code, out, err = run_main(command, str(root), "--warehouse", f"duckdb:///{tmp_path / 'r.duckdb'}", *extra)
    assert code == 1, out + err
    assert "Binder Error" not in out + err and "SELECT" not in out + err
    assert re.search(r"specs\.yaml:\d+:\d+: error CX404: .*" + wanted, err), err


SUBS = """\
  - id: subs
    type: file
    path: data/subs.csv
    time: started_at
    entity: customer_id
    key: sub_id
    start: started_at
    end: ended_at
"""


@pytest.mark.parametrize("command", ["run", "links"])
def test_a_source_only_a_link_reads_is_checked_against_its_data(make_project, run_main, tmp_path, command):
    """A time that is no time in a source no metric reads was DuckDB's "Conversion Error"
    quoting SQL: run and links did not check the sources of links (or drivers analyses)."""
    specs = SPECS.replace("metrics:\n", SUBS + "metrics:\n").replace(
        "outcome: {source: responses, value: sat_a, within: 7d}",
        "outcome: {source: subs, event: end, within: 7d}",
    )
    files = project_files(specs)
    files["data/subs.csv"] = (
        "sub_id,customer_id,started_at,ended_at\n"
        "s1,c01,2025-12-01T00:00:00Z,2026-01-05T00:00:00Z\n"
        "s2,c02,2025-12-01T00:00:00Z,soon\n"
    )
    root = make_project(files, config=CONFIG)
    extra = ["--out", str(tmp_path / "o")] if command == "run" else []
    code, out, err = run_main(command, str(root), "--warehouse", f"duckdb:///{tmp_path / 'r.duckdb'}", *extra)
    assert code == 1, out + err
    assert "Conversion Error" not in out + err and "SELECT" not in out + err
    assert re.search(
        r"specs\.yaml:\d+:\d+: error CX411: 1 rows of source 'subs' have a 'ended_at' that is not a time", err
    )


def test_a_link_the_warehouse_refuses_leaves_the_results_stored(
    make_project, run_main, tmp_path, monkeypatch
):
    """Computed before the results are stored, a refused link must not take them with it:
    the run stores the results, then says what failed (exit 1), as before."""
    import cxspec.links.compute as compute
    from cxspec import load_project
    from cxspec.diagnostics import WarehouseError
    from cxspec.registry import default_registry
    from cxspec.runs.run import stored_results

    def refused(*args, **kwargs):
        raise WarehouseError("DuckDB: out of memory")

    monkeypatch.setattr(compute, "compute_links", refused)
    root = make_project(project_files(), config=CONFIG)
    url = f"duckdb:///{tmp_path / 'r.duckdb'}"
    code, out, err = run_main("run", str(root), "--warehouse", url, "--out", str(tmp_path / "o"))
    assert code == 1 and "out of memory" in err, out + err
    found = stored_results(load_project(root), default_registry(), url).results
    total = [r for r in found if r.metric == "mean_ltr" and not r.dimensions]
    ltrs = [ltr for *_, ltr, _, _ in rows()]
    assert [r.value for r in total] == [pytest.approx(sum(ltrs) / len(ltrs))]


def test_a_previous_id_listed_twice_by_one_metric_says_so(make_project, run_main):
    """It said "metrics 'mean_ltr' and 'mean_ltr' both list 'old'"."""
    renamed = "{id: mean_ltr, previous_ids: [old, old], type: mean,"
    specs = SPECS.replace("{id: mean_ltr, type: mean,", renamed)
    root = make_project(project_files(specs), config=CONFIG)
    code, out, err = run_main("validate", str(root))
    assert code == 1, out + err
    assert "error CX331: metric 'mean_ltr' lists 'old' twice in previous_ids" in out + err
    assert "'mean_ltr' and 'mean_ltr'" not in out + err
