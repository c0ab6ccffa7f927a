"""Differential test of the v1.1 slicing: lookup dimensions, expression dimensions, `--by` and
`segments:`. Messy responses and a messy `customers` file, joined by entity, must give the same
numbers on DuckDB, SQLite and PostgreSQL, or be refused with the same code by every engine.

`customers` has duplicate entities with different times and ties (broken by its row key), rows
without an entity or a time, NULL and empty regions, and entities written differently from the
responses' (integers, '007' text, mixed case). Queries slice with `--by` (a column, a lookup, an
expression, two at once, optionally `--where`); runs store every segment of `segments:` (with
goals per segment), read back through the store. The budget and the long profile are
tests/test_differential.py's (`CXSPEC_DIFFERENTIAL_EXAMPLES`, `CXSPEC_DIFFERENTIAL_PROFILE=long`).
"""

from __future__ import annotations

import json
import math
import os
import tempfile
import uuid
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from test_differential import (
    BOOLEAN_WORDS,
    EXAMPLES,
    METRICS,
    PHASES,
    TIME_FORMATS,
    quoted,
    render_number,
    render_time,
    same,
)

from cxspec import load_project
from cxspec.query import connect
from cxspec.registry import default_registry
from cxspec.runs.store import load

#: A file to append each example's outcome to (how many results, or refused), to see what a
#: long profile exercised.
LOG = os.environ.get("CXSPEC_DIFFERENTIAL_LOG")
#: How an entity is written: the same number k as 7, '007', 'c7', 'C7', 7.0 or ' 7 '.
KEY_STYLES = ["int", "padded", "lower", "upper", "decimal", "spaced"]
#: test_differential.py's TEXT but NUL, which every engine refuses (PostgreSQL cannot store it).
CHANNELS = st.sampled_from(["a", "b", "a,b", 'say "hi"', "", "NA", " padded "])
#: Looked-up values of one type per file (a column typed number, boolean or date is a
#: dimension of that type), or text, with empty fields.
REGION_KINDS = {
    "text": ["EMEA", "APAC", "emea", "NA", "", " AMER ", "a,b"],
    "int": ["1", "2", "10", ""],
    "decimal": ["1.5", "2.25", "0.1", "3", ""],
    "boolean": ["yes", "no", ""],
    "date": ["2026-01-05", "2025-12-31", ""],
}
#: Times of a customer's rows: few, so ties are common; offsets that order otherwise as text.
UPDATED = ["", "2026-01-05", "2026-01-05 10:00:00", "2026-02-01T00:00:00Z", "2026-01-05T23:00:00-05:00"]
EXPRESSIONS = {
    "band": "CASE WHEN score >= 9 THEN 'high' ELSE 'low' END",
    "loud": "UPPER(channel)",
    "flagged_band": "CASE WHEN flag THEN 'f' ELSE 'nf' END",
    "some_channel": "COALESCE(channel, 'none')",
    "third": "score / 3",
    "is_high": "score >= 9",
}
#: Metrics over the entity: distinct entities as written; filters over the looked-up values
#: (tests for NULL: the values are of any type).
LOOKUP_METRICS = {
    "seen": "{id: seen, type: count_distinct, source: r, column: cust}",
    "known_region": '{id: known_region, type: count, source: r, filter: "region IS NOT NULL"}',
    "no_tier": '{id: no_tier, type: rate, source: r, condition: "tier IS NULL"}',
}
ALL_METRICS = {**METRICS, **LOOKUP_METRICS}
WHERES = [
    "region = 'EMEA'",
    "region IS NULL",
    "tier = 'pro'",
    "band = 'high'",
    "channel = 'a'",
    "region <> 'NA'",
    "region IN ('EMEA', 'NA')",
    "tier IS NULL",
    "is_high",
]


def render_key(k: int, style: str) -> str:
    styles = {"int": str(k), "padded": f"{k:03d}", "lower": f"c{k}", "upper": f"C{k}", "decimal": f"{k}.0"}
    return styles.get(style, f" {k} ")


def entity(draw, styles: list[str], top: int) -> str:
    # 0 stands for a missing entity (an empty field)
    k = draw(st.integers(min_value=0, max_value=top))
    return "" if k == 0 else render_key(k, draw(st.sampled_from(styles)))


@st.composite
def messy_files(draw):
    """(responses.csv, customers.csv, keyed) as text."""
    styles = draw(st.lists(st.sampled_from(TIME_FORMATS), min_size=1, max_size=3, unique=True))
    response_keys = draw(st.lists(st.sampled_from(KEY_STYLES), min_size=1, max_size=2, unique=True))
    customer_keys = draw(st.lists(st.sampled_from(KEY_STYLES), min_size=1, max_size=2, unique=True))
    words = draw(BOOLEAN_WORDS)
    number_kinds = draw(
        # Words among the scores make every comparison with a number refused (CX406): rarer.
        st.lists(
            st.sampled_from(["int"] * 4 + ["half", "blank", "nan", "spaced"] * 2 + ["text"]),
            min_size=1,
            max_size=3,
        )
    )
    keyed = draw(st.booleans())
    top = draw(st.integers(min_value=1, max_value=8))
    lines = ["id,t,flag,score,channel,cust"]
    for i in range(draw(st.integers(min_value=1, max_value=25))):
        key = draw(st.integers(min_value=1, max_value=12))
        style = draw(st.sampled_from(styles))
        if keyed and style == "date":
            style = "naive"
        zone = draw(st.integers(min_value=-11, max_value=12))
        t = render_time(draw(st.integers(min_value=0, max_value=80)), i * 61 + 7, style, zone)
        flag = draw(st.sampled_from([words[0], words[1], ""]))
        score = render_number(
            draw(st.sampled_from(number_kinds)), draw(st.integers(min_value=0, max_value=10))
        )
        fields = (str(key), t, flag, score, draw(CHANNELS), entity(draw, response_keys, top))
        lines.append(",".join(quoted(v) for v in fields))
    regions = REGION_KINDS[draw(st.sampled_from(["text", "text", *REGION_KINDS]))]
    plans = {**REGION_KINDS, "text": ["pro", "basic", ""]}[draw(st.sampled_from(["text", *REGION_KINDS]))]
    customers = ["row,cust,region,plan,updated"]
    for row in range(draw(st.integers(min_value=0, max_value=15))):
        # Few distinct times per entity, so ties are common: the row key breaks them.
        updated = draw(st.sampled_from(UPDATED))
        fields = (
            str(row + 1),
            entity(draw, customer_keys, top),
            draw(st.sampled_from(regions)),
            draw(st.sampled_from(plans)),
            updated,
        )
        customers.append(",".join(quoted(v) for v in fields))
    return "\n".join(lines) + "\n", "\n".join(customers) + "\n", keyed


@st.composite
def projects(draw):
    chosen = draw(st.lists(st.sampled_from(sorted(ALL_METRICS)), min_size=1, max_size=4, unique=True))
    grain = draw(st.sampled_from(["week", "month", "quarter"]))
    expressions = draw(st.lists(st.sampled_from(sorted(EXPRESSIONS)), max_size=2, unique=True))
    dimensions = ["channel", "region", "tier", *expressions]
    by = draw(st.lists(st.sampled_from(dimensions), min_size=1, max_size=2, unique=True))
    where = draw(st.none() | st.sampled_from([w for w in WHERES if w.split()[0] in dimensions]))
    segments = draw(
        st.lists(
            st.sampled_from(
                ["region", "channel", ("region", "channel"), ("tier", "region"), *expressions]
                + [(e, "region") for e in expressions]
            ),
            min_size=1,
            max_size=3,
            unique=True,
        )
    )
    extras = {
        # its overrides need the segment region
        "goals": "region" in segments and draw(st.booleans()),
        "min_sample": draw(st.sampled_from([None, 1, 3])),
        "customers_filter": draw(st.booleans()),
        "pyramid": draw(st.booleans()),
    }
    return chosen, grain, expressions, by, where, segments, extras


def write_project(folder: Path, data, project) -> None:
    responses, customers, keyed = data
    chosen, grain, expressions, _, _, segments, extras = project
    (folder / "data").mkdir(parents=True)
    (folder / "data" / "r.csv").write_text(responses, encoding="utf-8")
    (folder / "data" / "customers.csv").write_text(customers, encoding="utf-8")
    listed = ", ".join(s if isinstance(s, str) else "[" + ", ".join(s) + "]" for s in segments)
    # A project id of its own: PostgreSQL keeps every example's stored results in one database.
    config = f"version: 1\nproject: d{uuid.uuid4().hex[:12]}\ngrain: {grain}\nsegments: [{listed}]\n"
    (folder / "cxspec.yaml").write_text(config, encoding="utf-8")
    dims = "".join(f'      - {{name: {e}, expr: "{EXPRESSIONS[e]}"}}\n' for e in expressions)
    specs = (
        "version: 1\nsources:\n"
        "  - {id: customers, type: file, path: data/customers.csv, entity: cust, key: row, time: updated"
        + (', filter: "row <> 2"' if extras["customers_filter"] else "")
        + "}\n"
        "  - id: r\n    type: file\n    path: data/r.csv\n    time: t\n    entity: cust\n"
        + ("    key: id\n" if keyed else "")
        + "    dimensions:\n      - channel\n      - {name: region, from: customers}\n"
        "      - {name: tier, from: customers, column: plan}\n" + dims + "metrics:\n"
    )
    least = f", min_sample: {extras['min_sample']}}}" if extras["min_sample"] else "}"
    specs += "".join(f"  - {ALL_METRICS[m][:-1]}{least}\n" for m in chosen)
    if extras["pyramid"]:  # scored per segment; bounds for the metrics without a natural range
        specs += "pyramids:\n  - id: idx\n    children:\n"
        leaves = (
            f"      - {{metric: {m}, bounds: [0, 10], weight: {i + 1}}}\n" for i, m in enumerate(chosen)
        )
        specs += "".join(leaves)
    if extras["goals"]:
        metric = chosen[0]
        specs += (
            f"goals:\n  - metric: {metric}\n    target: 5\n    warn: 2\n    segments:\n"
            "      - {where: {region: EMEA}, target: 1}\n      - {where: {region: null}, target: 100}\n"
        )
    (folder / "specs.yaml").write_text(specs, encoding="utf-8")


def refusal(code: int, err: str):
    assert "Traceback" not in err and "internal error" not in err, err
    codes = sorted(
        {word.strip(":,.()") for word in err.split() if word.startswith("CX") and word[2:5].isdigit()}
    )
    return ("refused", code, tuple(codes) or (err.splitlines() or ["?"])[0])


def query_outcome(run_main, folder: Path, url: str, by: list[str], where: str | None):
    """(metric, period, dimensions) → (value, n, invalid), or the codes it was refused with."""
    args = ["query", str(folder), "--warehouse", url, "--format", "json"]
    args += [a for d in by for a in ("--by", d)] + (["--where", where] if where else [])
    code, out, err = run_main(*args)
    if code != 0:
        return refusal(code, err)
    results = {}
    for row in json.loads(out)["results"]:
        key = (row["metric"], row["period"], json.dumps(row["dimensions"], sort_keys=True))
        assert key not in results, f"two rows for {key}"
        results[key] = (row["value"], row["n"], row["invalid"])
    return ("results", results)


def run_outcome(run_main, folder: Path, url: str, out: Path):
    """Stored (metric, period, dimensions) → (value, n, invalid, status) and the metrics the
    warehouse refused; or the codes the run was refused with."""
    code, _, err = run_main(
        "run", str(folder), "--warehouse", url, "--out", str(out), "-q", "--as-of", "2026-06-30"
    )
    if code != 0:
        return refusal(code, err)
    failed = sorted(f["metric"] for f in json.loads((out / "report.json").read_text())["failed"])
    project = load_project(folder)
    with connect(url, project, default_registry()) as warehouse:
        results, scores = load(warehouse, project.config.project, project.config.grain)
    stored = {
        (s.pyramid, s.node, s.period, json.dumps(s.dimensions, sort_keys=True)): (s.score, s.coverage)
        for s in scores
    }
    for r in results:
        key = (r.metric, r.period, json.dumps(r.dimensions, sort_keys=True), r.status, tuple(failed))
        assert key not in stored, f"two stored rows for {key}"
        stored[key] = (r.value, r.n, r.invalid)
    return ("results", stored)


@settings(
    max_examples=EXAMPLES,
    deadline=None,
    phases=PHASES,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(data=messy_files(), project=projects())
def test_every_engine_slices_the_same(data, project, run_main, postgres_url):
    by, where = project[3], project[4]
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp) / "p"
        write_project(folder, data, project)
        urls = {
            "duckdb": f"duckdb:///{tmp}/w.duckdb",
            "sqlite": f"sqlite:///{tmp}/w.db",
            "postgres": postgres_url,
        }
        queries = {e: query_outcome(run_main, folder, url, by, where) for e, url in urls.items()}
        runs = {e: run_outcome(run_main, folder, url, Path(tmp) / f"out-{e}") for e, url in urls.items()}
        specs = (folder / "specs.yaml").read_text()
        config = (folder / "cxspec.yaml").read_text()
    if LOG:  # what the example came to: how many results, or refused
        kinds = {f"query {e}": o[2] if o[0] == "refused" else len(o[1]) for e, o in queries.items()}
        kinds.update({f"run {e}": o[2] if o[0] == "refused" else len(o[1]) for e, o in runs.items()})
        with open(LOG, "a", encoding="utf-8") as log:
            log.write(json.dumps(kinds) + "\n")
    case = f"responses:\n{data[0]}customers:\n{data[1]}{config}{specs}--by {by} --where {where}\n"
    for kind, outcomes in (("query", queries), ("run", runs)):
        reference = outcomes["duckdb"]
        for engine, got in outcomes.items():
            assert same(got, reference), (
                f"{kind}: {engine} differs from duckdb\n{case}duckdb: {reference}\n{engine}: {got}"
            )


def test_expression_and_fraction_segments_are_one_text_on_every_engine(run_main, postgres_url, tmp_path):
    """Found by the test above: an `expr` dimension was stored as each engine casts it (SQLite
    1/0 for `score >= 9`, DuckDB and SQLite 12.0 for `score * 2`, PostgreSQL 12), and a number
    with a fraction with 17 digits on DuckDB and PostgreSQL (3.1666666666666665 = 19/6) but 15
    on SQLite (3.16666666666667): other segments for the same rows on each engine."""
    rows = [(9.5, 1.0000000000000002), (6.0, 0.30000000000000004), (3.0, 123456789.123), (6.0, 0.1)]
    csv = "id,t,score,v\n" + "".join(f"{i},2026-01-0{i + 1},{s!r},{v!r}\n" for i, (s, v) in enumerate(rows))
    expressions = {"third": lambda s: s / 3, "half": lambda s: s * 2, "is_high": lambda s: s >= 9}

    def text(value) -> str:  # as a person writes it, to 15 significant digits
        if isinstance(value, bool):
            return "true" if value else "false"
        return str(int(value)) if value.is_integer() else f"{value:.15g}"

    expected = {("rows", "2026-01-01", "{}"): len(rows)}
    for name, function in [*expressions.items(), ("v", None)]:
        for score, v in rows:
            key = ("rows", "2026-01-01", json.dumps({name: text(function(score) if function else v)}))
            expected[key] = expected.get(key, 0) + 1
    assert ("rows", "2026-01-01", '{"third": "3.16666666666667"}') in expected
    assert expected[("rows", "2026-01-01", '{"v": "1"}')] == 1  # 1.0000000000000002
    for engine, url in {
        "duckdb": f"duckdb:///{tmp_path}/w.duckdb",
        "sqlite": f"sqlite:///{tmp_path}/w.db",
        "postgres": postgres_url,
    }.items():
        folder = tmp_path / engine
        (folder / "data").mkdir(parents=True)
        (folder / "data" / "r.csv").write_text(csv, encoding="utf-8")
        (folder / "cxspec.yaml").write_text(
            f"version: 1\nproject: x{engine}\ngrain: month\nsegments: [third, half, is_high, v]\n",
            encoding="utf-8",
        )
        dims = "".join(
            f'      - {{name: {n}, expr: "{e}"}}\n'
            for n, e in (("third", "score / 3"), ("half", "score * 2"), ("is_high", "score >= 9"))
        )
        (folder / "specs.yaml").write_text(
            "version: 1\nsources:\n  - id: r\n    type: file\n    path: data/r.csv\n    time: t\n"
            f"    dimensions:\n      - v\n{dims}metrics:\n  - {{id: rows, type: count, source: r}}\n",
            encoding="utf-8",
        )
        kind, stored = run_outcome(run_main, folder, url, tmp_path / f"out-{engine}")
        assert kind == "results", stored
        got = {key[:3]: value for key, (value, *_) in stored.items()}
        assert got == expected, engine


def test_by_a_date_dimension_is_its_iso_day(run_main, postgres_url, tmp_path):
    """Found by the test above: `query --by` a dimension whose values are all dates (a column,
    or looked up) failed with an internal error on DuckDB and PostgreSQL (a date is no JSON),
    and gave the text on SQLite."""
    rows = [(1, "2025-12-31", "1"), (2, "", "2"), (3, "2026-01-02", "1"), (4, "2025-12-31", "9")]
    opened = {"1": "2024-05-01", "2": "2024-06-30"}  # customer 9 is not there: NULL
    folder = tmp_path / "p"
    (folder / "data").mkdir(parents=True)
    (folder / "data" / "r.csv").write_text(
        "id,t,d,cust\n" + "".join(f"{i},2026-01-0{i},{d},{c}\n" for i, d, c in rows), encoding="utf-8"
    )
    (folder / "data" / "customers.csv").write_text(
        "cust,opened\n" + "".join(f"{c},{o}\n" for c, o in opened.items()), encoding="utf-8"
    )
    (folder / "cxspec.yaml").write_text("version: 1\nproject: dates\ngrain: month\n", encoding="utf-8")
    (folder / "specs.yaml").write_text(
        "version: 1\nsources:\n  - {id: customers, type: file, path: data/customers.csv, entity: cust}\n"
        "  - id: r\n    type: file\n    path: data/r.csv\n    time: t\n    entity: cust\n"
        "    dimensions: [d, {name: opened, from: customers}]\n"
        "metrics:\n  - {id: rows, type: count, source: r}\n",
        encoding="utf-8",
    )
    for name, value_of in (("d", lambda i, d, c: d or None), ("opened", lambda i, d, c: opened.get(c))):
        expected: dict = {}
        for row in rows:
            key = ("rows", "2026-01-01", json.dumps({name: value_of(*row)}))
            expected[key] = expected.get(key, 0) + 1
        for url in (f"duckdb:///{tmp_path}/w.duckdb", f"sqlite:///{tmp_path}/w.db", postgres_url):
            kind, got = query_outcome(run_main, folder, url, [name], None)
            assert kind == "results", got
            assert {key: value for key, (value, *_) in got.items()} == expected, (name, url)


def test_where_on_a_looked_up_number_compared_with_text_is_refused_alike(run_main, postgres_url, tmp_path):
    """Found by the test above: `--where region = 'EMEA'` where the looked-up regions are all
    numbers failed on DuckDB and PostgreSQL (a conversion error, CX416) and found no rows on
    SQLite. Looked-up values are now taken as written (text): `region = 'EMEA'` finds no rows
    and `region = '2'` the region "2" on every engine, `region = 2` is CX406 on every engine,
    before any runs. Declared `columns: {region: integer}`, the region is a number again:
    `region = 2` is a filter and `region = 'EMEA'` CX406."""
    responses = [(1, "1", 7), (2, "2", 9), (3, "3", 10), (4, "1", 2)]
    regions = {"1": "2", "2": "5", "3": "2"}
    folder = tmp_path / "p"
    (folder / "data").mkdir(parents=True)
    (folder / "data" / "r.csv").write_text(
        "id,t,cust,score\n" + "".join(f"{i},2026-01-0{i},{c},{s}\n" for i, c, s in responses),
        encoding="utf-8",
    )
    (folder / "data" / "c.csv").write_text(
        "cust,region\n" + "".join(f"{c},{r}\n" for c, r in regions.items()), encoding="utf-8"
    )
    (folder / "cxspec.yaml").write_text("version: 1\nproject: w\ngrain: month\n", encoding="utf-8")
    specs = (
        "version: 1\nsources:\n  - {id: customers, type: file, path: data/c.csv, entity: cust}\n"
        "  - id: r\n    type: file\n    path: data/r.csv\n    time: t\n    entity: cust\n"
        "    dimensions: [{name: region, from: customers}]\n"
        "metrics:\n  - {id: mean, type: mean, source: r, column: score}\n"
    )
    in_two = [s for _, c, s in responses if regions[c] == "2"]
    declared = specs.replace("entity: cust}", "entity: cust, columns: {region: integer}}", 1)
    for text, typed in ((specs, "'2'"), (declared, "2")):
        (folder / "specs.yaml").write_text(text, encoding="utf-8")
        for url in (f"duckdb:///{tmp_path}/w.duckdb", f"sqlite:///{tmp_path}/w.db", postgres_url):
            other = "region = 'EMEA'" if typed == "2" else "region = 2"
            assert query_outcome(run_main, folder, url, ["region"], other) == ("refused", 1, ("CX406",)), url
            if typed == "'2'":
                assert query_outcome(run_main, folder, url, ["region"], "region = 'EMEA'") == ("results", {})
            kind, got = query_outcome(run_main, folder, url, ["region"], f"region = {typed}")
            key = ("mean", "2026-01-01", json.dumps({"region": 2 if typed == "2" else "2"}))
            assert kind == "results" and list(got) == [key], got
            value, n, invalid = got[key]
            assert math.isclose(value, sum(in_two) / len(in_two), rel_tol=1e-9) and (n, invalid) == (3, 0), (
                url
            )


def test_unknown_column_hint_lists_the_file_columns_only(run_main, tmp_path):
    """Seen in the test above's refusals: CX404's hint listed `__cxspec_number__cust`, the
    companion column cxspec adds to a text column holding numbers, as a column of the file."""
    folder = tmp_path / "p"
    (folder / "data").mkdir(parents=True)
    (folder / "data" / "r.csv").write_text("id,t,cust\n1,2026-01-01,007\n2,2026-01-02,c7\n", encoding="utf-8")
    (folder / "cxspec.yaml").write_text("version: 1\nproject: h\n", encoding="utf-8")
    (folder / "specs.yaml").write_text(
        "version: 1\nsources:\n  - {id: r, type: file, path: data/r.csv, time: t, entity: cust}\n"
        "metrics:\n  - {id: n, type: count, source: r, filter: \"region = 'x'\"}\n",
        encoding="utf-8",
    )
    code, _, err = run_main("query", str(folder))
    assert code == 1 and "CX404" in err and "its columns: cust, id, t" in err and "__cxspec" not in err, err


def test_arithmetic_over_a_text_column_is_refused_alike(run_main, postgres_url, tmp_path):
    """Found by the test above (shrunk): an `expr` dimension `score / 3` where some scores are
    words: DuckDB and PostgreSQL refuse the query (conversion error, CX416), SQLite reads
    'ten' / 3 as 0 and puts that row in the segment 0 (mean 0.0, n 16, invalid 1)."""
    folder = tmp_path / "p"
    (folder / "data").mkdir(parents=True)
    (folder / "data" / "r.csv").write_text("id,t,score\n1,2026-01-01,0\n2,2026-01-01,ten\n", encoding="utf-8")
    (folder / "cxspec.yaml").write_text("version: 1\nproject: a\ngrain: month\n", encoding="utf-8")
    (folder / "specs.yaml").write_text(
        "version: 1\nsources:\n  - id: r\n    type: file\n    path: data/r.csv\n    time: t\n"
        '    dimensions: [{name: third, expr: "score / 3"}]\n'
        "metrics:\n  - {id: avg, type: mean, source: r, column: score}\n",
        encoding="utf-8",
    )
    outcomes = [
        query_outcome(run_main, folder, url, ["third"], None)
        for url in (f"duckdb:///{tmp_path}/w.duckdb", f"sqlite:///{tmp_path}/w.db", postgres_url)
    ]
    assert outcomes[0][0] == "refused" and outcomes[0][2] != ("CX416",), outcomes[0]
    assert outcomes[1] == outcomes[0] and outcomes[2] == outcomes[0], outcomes
