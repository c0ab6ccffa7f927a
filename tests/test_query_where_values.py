"""`cxspec query --where` with a value no row has (a typo: 'EMAE' for 'EMEA') says so and
names the closest values, on every engine; it gave 0 rows without a word."""

from __future__ import annotations

import json

SPECS = """\
version: 1
sources:
  - id: r
    type: file
    path: data/r.csv
    time: t
    dimensions:
      - region
      - tier
      - {name: channel, expr: "lower(trim(channel))"}
metrics:
  - {id: avg, type: mean, source: r, column: score}
  - {id: rows, type: count, source: r}
"""
DATA = (
    "t,region,tier,channel,score\n"
    "2026-01-05,EMEA,1, Web ,7\n2026-01-06,APAC,2,phone,9\n2026-02-01,EMEA,2,PHONE,4\n"
)


def query(run_main, root, warehouse, *args):
    return run_main("query", str(root), "--warehouse", warehouse, "--format", "json", *args)


def test_a_typo_of_a_value_is_named_with_the_closest(make_project, run_main, warehouse):
    root = make_project({"specs.yaml": SPECS, "data/r.csv": DATA})
    code, out, err = query(run_main, root, warehouse, "--where", "region = 'EMAE'")
    assert code == 0 and json.loads(out)["results"] == []
    assert "no row has region = 'EMAE'" in err
    assert "did you mean 'EMEA'?" in err and "region has 'APAC', 'EMEA'" in err


def test_each_value_of_an_in_list_is_looked_for(make_project, run_main, warehouse):
    root = make_project({"specs.yaml": SPECS, "data/r.csv": DATA})
    where = "channel IN ('web', 'Phone', 'mail') AND tier = 3"
    code, out, err = query(run_main, root, warehouse, "--where", where)
    assert code == 0
    assert "channel = 'web'" not in err  # an expression dimension's values: lower(trim(...))
    assert "no row has channel = 'Phone'" in err and "did you mean 'phone'?" in err
    assert "no row has channel = 'mail'" in err and "channel has 'phone', 'web'" in err
    assert "no row has tier = 3" in err


def test_values_that_match_say_nothing(make_project, run_main, warehouse):
    root = make_project({"specs.yaml": SPECS, "data/r.csv": DATA})
    code, out, err = query(run_main, root, warehouse, "--where", "region = 'EMEA' AND tier = 2")
    assert code == 0 and "warning" not in err
    got = {(r["metric"], r["period"]): r["value"] for r in json.loads(out)["results"]}
    assert got == {("avg", "2026-02-01"): 4.0, ("rows", "2026-02-01"): 1.0}


def test_a_value_outside_the_periods_asked(make_project, run_main, warehouse):
    root = make_project({"specs.yaml": SPECS, "data/r.csv": DATA})
    code, _, err = query(run_main, root, warehouse, "--where", "region = 'APAC'", "--from", "2026-02-01")
    assert code == 0 and "no row in the periods asked has region = 'APAC'" in err


def test_a_value_written_without_quotes_is_read_as_a_name(make_project, run_main):
    """`--where region=EMAE` (the shell's way) compares two names: say to quote the value."""
    root = make_project({"specs.yaml": SPECS, "data/r.csv": DATA})
    code, _, err = run_main("query", str(root), "--where", "region=EMAE")
    assert code == 1 and "Traceback" not in err
    assert "--where uses 'EMAE', which source 'r' does not declare as a dimension" in err
    assert "to compare 'region' with a value, quote it: \"region = 'EMAE'\"" in err
