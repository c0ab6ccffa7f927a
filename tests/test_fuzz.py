"""Property tests over generated specs (hypothesis).

- Valid specs, drawn from a strategy over the spec language (sources, dimensions, touch
  points, every source metric type, ratios, derived metrics, goals, pyramids, SQL fragments
  with arbitrary string literals), validate clean, compile for every sqlglot dialect cxspec
  offers, parse back with sqlglot in that dialect, and compile to the same bytes twice.
- Mutated specs (a value's type changed, a key deleted, a random scalar or key put in) and
  random YAML bytes give diagnostics, never an exception; every diagnostic has a file, a
  line and a column from 1 and a CXnnn code; a mutated spec that validates also compiles.

Budget: HYPOTHESIS_PROFILE=ci (the default; derandomized, so CI runs are repeatable) keeps
the file under a minute on two cores (about 17 s unloaded); HYPOTHESIS_PROFILE=long tries far more examples
(docs/security.md).
"""

from __future__ import annotations

import io
import os
import re
import tempfile
from pathlib import Path

import sqlglot
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from ruamel.yaml import YAML

from cxspec.compiler.compile import compile_request
from cxspec.compiler.plan import Request
from cxspec.diagnostics import Severity
from cxspec.registry import default_registry
from cxspec.schema import dialects
from cxspec.validate import validate_project

REGISTRY = default_registry()
DIALECTS = dialects()
PROFILES = {
    "ci": {"valid": 25, "mutated": 200, "raw": 250, "derandomize": True},
    "long": {"valid": 400, "mutated": 5000, "raw": 5000, "derandomize": False},
}
PROFILE = PROFILES[os.environ.get("HYPOTHESIS_PROFILE", "ci")]


def budget(kind: str):
    return settings(
        max_examples=PROFILE[kind],
        derandomize=PROFILE["derandomize"],
        deadline=None,
        database=None,
        suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
    )


# -- strategies over the spec language -------------------------------------------------------

IDS = st.from_regex(r"[a-z][a-z0-9_]{0,6}", fullmatch=True)
NUMBERS = ["score", "amount"]
TEXTS = ["channel", "note"]
# Any printable text, quotes and backslashes included (control characters are refused, CX501).
STRING_TEXT = st.text(
    st.characters(blacklist_categories=("Cc", "Cs"), blacklist_characters="\u2028\u2029"), max_size=8
)


def sql_string(text: str) -> str:
    return "'" + text.replace("'", "''") + "'"


@st.composite
def predicates(draw, depth: int = 0) -> str:
    """A boolean SQL fragment over the source's columns."""
    kind = draw(st.integers(0, 8 if depth < 2 else 6))
    number = draw(st.sampled_from(NUMBERS))
    text = draw(st.sampled_from(TEXTS))
    value = draw(st.integers(-5, 20))
    if kind == 0:
        return f"{number} {draw(st.sampled_from(['=', '<>', '<', '<=', '>', '>=']))} {value}"
    if kind == 1:
        return f"{text} = {sql_string(draw(STRING_TEXT))}"
    if kind == 2:
        values = draw(st.lists(STRING_TEXT, min_size=1, max_size=3))
        return f"{text} IN ({', '.join(sql_string(v) for v in values)})"
    if kind == 3:
        return f"{draw(st.sampled_from(NUMBERS + TEXTS))} IS {draw(st.sampled_from(['', 'NOT ']))}NULL"
    if kind == 4:
        return f"{number} BETWEEN {value} AND {value + draw(st.integers(0, 10))}"
    if kind == 5:
        function = draw(st.sampled_from(["lower", "upper", "trim"]))
        return f"{function}({text}) LIKE {sql_string(draw(STRING_TEXT) + '%')}"
    if kind == 6:
        return f"coalesce({number}, 0) * 2 + abs({number}) >= {value}"
    left, right = draw(predicates(depth + 1)), draw(predicates(depth + 1))
    if kind == 7:
        return f"({left}) {draw(st.sampled_from(['AND', 'OR']))} ({right})"
    return f"NOT ({left})"


@st.composite
def projects(draw) -> dict:
    """{file name: data} of a valid project."""
    source_ids = draw(st.lists(IDS, min_size=1, max_size=2, unique=True))
    sources = []
    for source_id in source_ids:
        source = {"id": source_id, "time": "t", "entity": "customer"}
        kind = draw(st.sampled_from(["table", "file", "sql"]))
        source["type"] = kind
        if kind == "table":
            source["table"] = f"raw.{source_id}"
        elif kind == "file":
            source["path"] = f"data/{source_id}.{draw(st.sampled_from(['csv', 'parquet', 'csv.gz']))}"
        else:
            source["query"] = f"SELECT * FROM raw.{source_id} WHERE {draw(predicates())}"
        if draw(st.booleans()):
            source["key"] = "id"
        if draw(st.booleans()):
            source["filter"] = draw(predicates())
        if draw(st.booleans()):
            source["start"], source["end"] = "started", "ended"
        dimensions: list = draw(st.lists(st.sampled_from(TEXTS), unique=True, max_size=2))
        if draw(st.booleans()):
            dimensions.append({"name": "d", "expr": f"lower(trim({draw(st.sampled_from(TEXTS))}))"})
        if dimensions:
            source["dimensions"] = dimensions
        sources.append(source)
    stages = ["discover", "buy", "use"]
    touchpoints = [
        {
            "id": f"tp-{i}",
            "journey": "life",
            "stage": draw(st.sampled_from(stages)),
            "match": draw(predicates()),
        }
        for i in range(draw(st.integers(0, 2)))
    ]
    metric_ids = draw(st.lists(IDS, min_size=1, max_size=7, unique=True))
    metrics, bounded = [], []
    for metric_id in metric_ids:
        source = draw(st.sampled_from(sources))
        choices = ["nps", "csat", "ces", "rate", "mean", "sum", "min", "max", "count", "count_distinct",
                   "percentile"]  # fmt: skip
        if "start" in source:
            choices += ["churn_rate", "retention_rate"]
        metric_type = draw(st.sampled_from(choices))
        metric = {"id": metric_id, "type": metric_type, "source": source["id"]}
        if metric_type in ("nps", "csat", "ces", "mean", "sum", "min", "max", "percentile"):
            metric["column"] = "score"
        if metric_type in ("count", "count_distinct") and draw(st.booleans()):
            metric["column"] = draw(st.sampled_from(NUMBERS + TEXTS))
        if metric_type == "rate":
            metric["condition"] = draw(predicates())
        if metric_type == "percentile":
            metric["percentile"] = draw(st.sampled_from([0.1, 0.5, 0.9, 0.99]))
        if metric_type == "csat" and draw(st.booleans()):
            metric["aggregate"] = "mean"
        if draw(st.booleans()) and metric_type not in ("churn_rate", "retention_rate"):
            metric["filter"] = draw(predicates())
        if touchpoints and draw(st.booleans()):
            metric["touchpoint"] = draw(st.sampled_from(touchpoints))["id"]
        if draw(st.booleans()):
            metric["direction"] = "lower_is_better"
        metrics.append(metric)
        if metric_type in ("nps", "rate") or (metric_type == "csat" and "aggregate" not in metric):
            bounded.append(metric)
    if len(metrics) >= 2 and draw(st.booleans()):
        a, b = draw(st.lists(st.sampled_from(metric_ids), min_size=2, max_size=2, unique=True))
        metrics.append({"id": "the_ratio", "type": "ratio", "numerator": a, "denominator": b})
        operator = draw(st.sampled_from(["+", "-", "*", "/"]))
        metrics.append({"id": "the_derived", "type": "derived", "expr": f"round({a} {operator} {b}, 2)"})
    goals = []
    for metric in draw(st.lists(st.sampled_from(bounded), unique_by=lambda m: m["id"])) if bounded else []:
        low = -100 if metric["type"] == "nps" else 0
        target, warn = sorted(draw(st.lists(st.integers(low, 100), min_size=2, max_size=2)), reverse=True)
        if metric.get("direction") == "lower_is_better":
            target, warn = warn, target
        goals.append({"metric": metric["id"], "target": target, "warn": warn})
    specs = {
        "version": 1,
        "journeys": [{"id": "life", "stages": stages}],
        "sources": sources,
        "metrics": metrics,
    }
    if touchpoints:
        specs["touchpoints"] = touchpoints
    if goals:
        specs["goals"] = goals
    if bounded:
        leaves = [{"metric": m["id"], "weight": draw(st.integers(1, 5))} for m in bounded]
        specs["pyramids"] = [{"id": "index", "children": [{"id": "all", "children": leaves}]}]
    config = {
        "version": 1,
        "project": "fuzz",
        "grain": draw(st.sampled_from(["day", "week", "month", "quarter", "year"])),
    }
    return {"cxspec.yaml": config, "specs.yaml": specs}


def dump(data) -> str:
    yaml = YAML(typ="safe", pure=True)
    yaml.default_flow_style = False
    stream = io.StringIO()
    yaml.dump(data, stream)
    return stream.getvalue()


def write_project(folder: Path, files: dict) -> Path:
    for name, content in files.items():
        path = folder / name
        if isinstance(content, bytes):
            path.write_bytes(content)
        else:
            path.write_text(content if isinstance(content, str) else dump(content), encoding="utf-8")
    return folder


CODE = re.compile(r"^CX\d{3}$")


def check_diagnostics(result) -> None:
    for diagnostic in result.diagnostics:
        assert diagnostic.file, diagnostic
        assert diagnostic.line >= 1 and diagnostic.column >= 1, diagnostic
        assert CODE.match(diagnostic.code), diagnostic
        assert diagnostic.message, diagnostic


def errors_of(result) -> list:
    return [d for d in result.diagnostics if d.severity is Severity.ERROR]


def compiled(project, dialect: str) -> list[str]:
    return [query.sql for query in compile_request(project, Request(), dialect, REGISTRY)]


# -- valid specs -----------------------------------------------------------------------------


@budget("valid")
@given(projects())
def test_valid_specs_compile_for_every_dialect_and_parse_back(files):
    with tempfile.TemporaryDirectory() as folder:
        result = validate_project(write_project(Path(folder), files), default_registry())
        check_diagnostics(result)
        assert not errors_of(result), [f"{d.location} {d.code} {d.message}" for d in errors_of(result)]
        for dialect in DIALECTS:
            queries = compiled(result.project, dialect)
            assert queries
            for sql in queries:
                parsed = sqlglot.parse(sql, read=dialect)
                assert len([p for p in parsed if p is not None]) == 1, (dialect, sql)
        # Deterministic: compiling again, from a fresh read of the files, gives the same bytes.
        again = validate_project(Path(folder), default_registry()).project
        for dialect in ("duckdb", "postgres", "bigquery", "tsql"):
            assert compiled(again, dialect) == compiled(result.project, dialect)


# -- mutated specs ---------------------------------------------------------------------------

SCALARS = st.one_of(
    st.none(), st.booleans(), st.integers(-(10**12), 10**12), st.floats(allow_nan=True),
    st.text(max_size=12), st.just(""), st.just("version"), st.just("*"), st.just("nps"),
    st.lists(st.integers(), max_size=3), st.dictionaries(st.text(max_size=4), st.integers(), max_size=2),
)  # fmt: skip


def paths_of(data, prefix=()):
    """Every (path, value) in nested dicts and lists."""
    yield prefix, data
    if isinstance(data, dict):
        for key, value in data.items():
            yield from paths_of(value, (*prefix, key))
    elif isinstance(data, list):
        for index, value in enumerate(data):
            yield from paths_of(value, (*prefix, index))


@st.composite
def mutated(draw) -> dict:
    files = draw(projects())
    name = draw(st.sampled_from(["specs.yaml", "specs.yaml", "cxspec.yaml"]))
    data = files[name]
    for _ in range(draw(st.integers(1, 4))):
        places = [(path, value) for path, value in paths_of(data) if path]
        if not places:
            break
        path, value = draw(st.sampled_from(places))
        parent = data
        for step in path[:-1]:
            parent = parent[step]
        action = draw(st.sampled_from(["retype", "delete", "insert", "fragment", "swap"]))
        if action == "retype":
            parent[path[-1]] = draw(SCALARS)
        elif action == "delete":
            del parent[path[-1]]
        elif action == "insert" and isinstance(parent, dict):
            parent[
                draw(st.sampled_from(["id", "type", "source", "extra", "metric", "children", "weight"]))
            ] = draw(SCALARS)
        elif action == "fragment" and isinstance(value, str):
            parent[path[-1]] = (
                draw(st.text(max_size=30))
                if draw(st.booleans())
                else value
                + draw(
                    st.sampled_from(["; DROP TABLE x", " AND", ")", "'", " OR read_csv('x') IS NULL", "--"])
                )
            )
        elif action == "swap" and isinstance(parent, list) and len(parent) > 1:
            parent.reverse()
    files[name] = data
    return files


@budget("mutated")
@given(mutated())
def test_mutated_specs_give_only_diagnostics(files):
    with tempfile.TemporaryDirectory() as folder:
        result = validate_project(write_project(Path(folder), files), default_registry())
        check_diagnostics(result)
        if result.project is not None and not errors_of(result):
            assert compiled(result.project, "duckdb")


# -- random YAML bytes ----------------------------------------------------------------------

PIECES = [
    *"abc:-[]{}&*!|>'\"#%@`,?~ \n\t0129.",
    "version: 1\n",
    "metrics:\n",
    "  - ",
    "\ufeff",
    "<<: ",
    "&a ",
    "*a",
]
YAMLISH = st.lists(st.sampled_from(PIECES), max_size=80).map("".join)


@budget("raw")
@given(st.one_of(st.binary(max_size=300), YAMLISH.map(lambda s: s.encode("utf-8"))))
def test_random_yaml_bytes_give_only_diagnostics(raw):
    with tempfile.TemporaryDirectory() as folder:
        files = {"cxspec.yaml": {"version": 1, "project": "fuzz"}, "specs.yaml": raw}
        result = validate_project(write_project(Path(folder), files), default_registry())
        check_diagnostics(result)


@budget("raw")
@given(YAMLISH.map(lambda s: s.encode("utf-8")))
def test_random_project_file_gives_only_diagnostics(raw):
    with tempfile.TemporaryDirectory() as folder:
        result = validate_project(write_project(Path(folder), {"cxspec.yaml": raw}), default_registry())
        check_diagnostics(result)
