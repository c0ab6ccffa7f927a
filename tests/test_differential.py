"""Differential test: messy CSV files and random small projects over them give the same
numbers on DuckDB, SQLite and PostgreSQL, or every engine refuses them with the same code.

Hypothesis writes the files: booleans as yes/no/true/1/blank, numbers as text and blanks,
dates and times in several formats and zones, duplicate keys, quotes, NUL characters. The CI
budget is small (`CXSPEC_DIFFERENTIAL_EXAMPLES`, default 10 examples); the long profile
(`CXSPEC_DIFFERENTIAL_PROFILE=long`, with Spark: plugins/cxspec-spark/tests/
test_differential_spark.py) is documented in docs/design.md ("One typing rule, and a differential test").
"""

from __future__ import annotations

import json
import math
import os
import tempfile
from pathlib import Path

import pytest
from hypothesis import HealthCheck, Phase, given, settings
from hypothesis import strategies as st

#: The long profile (CXSPEC_DIFFERENTIAL_PROFILE=long): 200 examples unless
#: CXSPEC_DIFFERENTIAL_EXAMPLES says, and Spark's differential test too (cxspec-spark's tests).
LONG = os.environ.get("CXSPEC_DIFFERENTIAL_PROFILE", "").lower() == "long"
EXAMPLES = int(os.environ.get("CXSPEC_DIFFERENTIAL_EXAMPLES", "200" if LONG else "10"))
#: Shrinking a failure takes minutes here (three engines per example): the long profile only.
PHASES = [Phase.explicit, Phase.reuse, Phase.generate] + ([Phase.shrink] if LONG or EXAMPLES > 10 else [])

BOOLEAN_WORDS = st.sampled_from(
    [("yes", "no"), ("true", "false"), ("1", "0"), ("Y", "N"), ("TRUE", "false"), ("t", "f")]
)
TIME_FORMATS = ["date", "naive", "naive_t", "utc", "offset", "compact_offset"]
TEXT = st.sampled_from(["a", "b", "a,b", 'say "hi"', "", "NA", "x\x00y", " padded "])


def render_time(day: int, second: int, style: str, zone: int) -> str:
    date = f"2026-{1 + day // 28:02d}-{1 + day % 28:02d}"
    clock = f"{second // 3600 % 24:02d}:{second // 60 % 60:02d}:{second % 60:02d}"
    sign = "-" if zone < 0 else "+"
    return {
        "date": date,
        "naive": f"{date} {clock}",
        "naive_t": f"{date}T{clock}",
        "utc": f"{date}T{clock}Z",
        "offset": f"{date}T{clock}{sign}{abs(zone):02d}:00",
        "compact_offset": f"{date}T{clock}{sign}{abs(zone):02d}00",
    }[style]


def render_number(kind: str, value: int) -> str:
    return {
        "int": str(value),
        "half": f"{value}.5",
        "blank": "",
        "text": "ten",
        "nan": "NaN",
        "spaced": f" {value} ",
    }[kind]


def quoted(field: str) -> str:
    if any(c in field for c in ',"\n') or field != field.strip():
        return '"' + field.replace('"', '""') + '"'
    return field


@st.composite
def messy_file(draw):
    rows = draw(st.integers(min_value=1, max_value=30))
    styles = draw(st.lists(st.sampled_from(TIME_FORMATS), min_size=1, max_size=3, unique=True))
    words = draw(BOOLEAN_WORDS)
    number_kinds = draw(
        st.lists(st.sampled_from(["int", "half", "blank", "text", "nan", "spaced"]), min_size=1, max_size=3)
    )
    keyed = draw(st.booleans())
    lines = ["id,t,flag,score,channel"]
    for i in range(rows):
        # Duplicate keys; a key's rows never share a time (ties have no defined winner).
        key = draw(st.integers(min_value=1, max_value=max(1, rows // 2)))
        style = draw(st.sampled_from(styles))
        if keyed and style == "date":
            style = "naive"
        zone = draw(st.integers(min_value=-11, max_value=12))
        day = draw(st.integers(min_value=0, max_value=80))
        t = render_time(day, i * 61 + 7, style, zone)
        flag = draw(st.sampled_from([words[0], words[1], ""]))
        score = render_number(
            draw(st.sampled_from(number_kinds)), draw(st.integers(min_value=0, max_value=10))
        )
        channel = draw(TEXT)
        lines.append(",".join(quoted(v) for v in (str(key), t, flag, score, channel)))
    return "\n".join(lines) + "\n", keyed


METRICS = {
    "nps": "{id: nps, type: nps, source: r, column: score}",
    "csat": "{id: csat, type: csat, source: r, column: score, scale: [0, 10], top_box: 3}",
    "avg": "{id: avg, type: mean, source: r, column: score}",
    "total": "{id: total, type: sum, source: r, column: score}",
    "low": "{id: low, type: min, source: r, column: score}",
    "p50": "{id: p50, type: percentile, source: r, column: score, percentile: 0.5}",
    "rows": "{id: rows, type: count, source: r}",
    "scored": "{id: scored, type: count, source: r, column: score}",
    "channels": "{id: channels, type: count_distinct, source: r, column: channel}",
    "flagged": "{id: flagged, type: rate, source: r, condition: flag}",
    "flag_yes": "{id: flag_yes, type: rate, source: r, condition: \"flag = 'yes'\"}",
    "high": '{id: high, type: rate, source: r, condition: "score >= 9"}',
    "web": "{id: web, type: count, source: r, filter: \"channel = 'a'\"}",
}


@st.composite
def project_specs(draw):
    chosen = draw(st.lists(st.sampled_from(sorted(METRICS)), min_size=1, max_size=5, unique=True))
    grain = draw(st.sampled_from(["day", "week", "month", "quarter"]))
    return chosen, grain


def write_project(folder: Path, csv: str, keyed: bool, chosen: list[str], grain: str) -> None:
    (folder / "data").mkdir(parents=True)
    (folder / "data" / "r.csv").write_text(csv, encoding="utf-8")
    (folder / "cxspec.yaml").write_text(f"version: 1\nproject: diff\ngrain: {grain}\n", encoding="utf-8")
    key = ", key: id" if keyed else ""
    specs = f"version: 1\nsources:\n  - {{id: r, type: file, path: data/r.csv, time: t{key}}}\nmetrics:\n"
    specs += "".join(f"  - {METRICS[m]}\n" for m in chosen)
    (folder / "specs.yaml").write_text(specs, encoding="utf-8")


def outcome(run_main, folder: Path, url: str):
    """The results, each (metric, period) → (value, n, invalid); or the codes it was refused with."""
    code, out, err = run_main("query", str(folder), "--warehouse", url, "--format", "json")
    assert "Traceback" not in err and "internal error" not in err, err
    if code != 0:
        codes = sorted({word for word in err.split() if word.startswith("CX") and word[2:5].isdigit()})
        return ("refused", tuple(codes) or (err.splitlines() or ["?"])[0])
    results = {}
    for row in json.loads(out)["results"]:
        results[(row["metric"], row["period"])] = (row["value"], row["n"], row["invalid"])
    return ("results", results)


def same(a, b) -> bool:
    if a[0] != b[0] or a[0] == "refused":
        return a == b
    if a[1].keys() != b[1].keys():
        return False
    for key, (value_a, *counts_a) in a[1].items():
        value_b, *counts_b = b[1][key]
        if counts_a != counts_b:
            return False
        if (value_a is None) != (value_b is None):
            return False
        if value_a is not None and not math.isclose(value_a, value_b, rel_tol=1e-9, abs_tol=1e-9):
            return False
    return True


@settings(
    max_examples=EXAMPLES,
    deadline=None,
    phases=PHASES,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(data=messy_file(), project=project_specs())
def test_every_engine_gives_the_same_numbers(data, project, run_main, postgres_url):
    csv, keyed = data
    chosen, grain = project
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp) / "p"
        write_project(folder, csv, keyed, chosen, grain)
        urls = {
            "duckdb": "duckdb:///:memory:",
            "sqlite": f"sqlite:///{tmp}/w.db",
            "postgres": postgres_url,
        }
        outcomes = {engine: outcome(run_main, folder, url) for engine, url in urls.items()}
    reference = outcomes["duckdb"]
    for engine, got in outcomes.items():
        assert same(got, reference), (
            f"{engine} differs from duckdb\nfile:\n{csv}\nmetrics: {chosen}, grain {grain}\n"
            f"duckdb: {reference}\n{engine}: {got}"
        )


@pytest.mark.parametrize(
    ("value", "period"),
    [("2026-03-31T23:30:00-02:00", "2026-04-01"), ("2026-03-31T23:30:00+0200", "2026-03-01")],
)
def test_a_zone_written_either_way_places_the_row(value, period, run_main, postgres_url, tmp_path):
    """A fixed example of the generator's shapes, so a failure here names the case."""
    folder = tmp_path / "p"
    write_project(folder, f"id,t,flag,score,channel\n1,{value},yes,9,a\n", False, ["rows"], "month")
    for url in ("duckdb:///:memory:", f"sqlite:///{tmp_path}/w.db", postgres_url):
        assert outcome(run_main, folder, url) == ("results", {("rows", period): (1.0, 1, 0)})
