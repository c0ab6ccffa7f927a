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
import os
import tempfile
import uuid
from pathlib import Path

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
#: How an entity is written: the same number k as 7, '007', 'c7' or 'C7'.
KEY_STYLES = ["int", "padded", "lower", "upper"]
#: test_differential.py's TEXT but NUL, which every engine refuses (PostgreSQL cannot store it).
CHANNELS = st.sampled_from(["a", "b", "a,b", 'say "hi"', "", "NA", " padded "])
REGIONS = st.sampled_from(["EMEA", "APAC", "emea", "NA", "", " AMER ", "a,b"])
EXPRESSIONS = {
    "band": "CASE WHEN score >= 9 THEN 'high' ELSE 'low' END",
    "loud": "UPPER(channel)",
    "flagged_band": "CASE WHEN flag THEN 'f' ELSE 'nf' END",
    "some_channel": "COALESCE(channel, 'none')",
}
WHERES = [
    "region = 'EMEA'",
    "region IS NULL",
    "tier = 'pro'",
    "band = 'high'",
    "channel = 'a'",
    "region <> 'NA'",
]


def render_key(k: int, style: str) -> str:
    return {"int": str(k), "padded": f"{k:03d}", "lower": f"c{k}", "upper": f"C{k}"}[style]


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
    customers = ["row,cust,region,plan,updated"]
    for row in range(draw(st.integers(min_value=0, max_value=15))):
        # Few distinct times per entity, so ties are common: the row key breaks them.
        updated = draw(st.sampled_from(["", "2026-01-05", "2026-01-05 10:00:00", "2026-02-01T00:00:00Z"]))
        fields = (
            str(row + 1),
            entity(draw, customer_keys, top),
            draw(REGIONS),
            draw(st.sampled_from(["pro", "basic", ""])),
            updated,
        )
        customers.append(",".join(quoted(v) for v in fields))
    return "\n".join(lines) + "\n", "\n".join(customers) + "\n", keyed


@st.composite
def projects(draw):
    chosen = draw(st.lists(st.sampled_from(sorted(METRICS)), min_size=1, max_size=4, unique=True))
    grain = draw(st.sampled_from(["week", "month", "quarter"]))
    expressions = draw(st.lists(st.sampled_from(sorted(EXPRESSIONS)), max_size=2, unique=True))
    dimensions = ["channel", "region", "tier", *expressions]
    by = draw(st.lists(st.sampled_from(dimensions), min_size=1, max_size=2, unique=True))
    where = draw(st.none() | st.sampled_from([w for w in WHERES if w.split()[0] in dimensions]))
    segments = draw(
        st.lists(
            st.sampled_from(["region", "channel", ("region", "channel"), *expressions, ("tier", "region")]),
            min_size=1,
            max_size=3,
            unique=True,
        )
    )
    goals = "region" in segments and draw(st.booleans())  # its overrides need the segment region
    return chosen, grain, expressions, by, where, segments, goals


def write_project(folder: Path, data, project) -> None:
    responses, customers, keyed = data
    chosen, grain, expressions, _, _, segments, goals = project
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
        "  - {id: customers, type: file, path: data/customers.csv, entity: cust, key: row, time: updated}\n"
        "  - id: r\n    type: file\n    path: data/r.csv\n    time: t\n    entity: cust\n"
        + ("    key: id\n" if keyed else "")
        + "    dimensions:\n      - channel\n      - {name: region, from: customers}\n"
        "      - {name: tier, from: customers, column: plan}\n" + dims + "metrics:\n"
    )
    specs += "".join(f"  - {METRICS[m]}\n" for m in chosen)
    if goals:
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
    stored = {}
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
    _, _, _, by, where, _, _ = project
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
        kinds = {f"query {e}": o[0] if o[0] == "refused" else len(o[1]) for e, o in queries.items()}
        kinds.update({f"run {e}": o[0] if o[0] == "refused" else len(o[1]) for e, o in runs.items()})
        with open(LOG, "a", encoding="utf-8") as log:
            log.write(json.dumps(kinds) + "\n")
    case = f"responses:\n{data[0]}customers:\n{data[1]}{config}{specs}--by {by} --where {where}\n"
    for kind, outcomes in (("query", queries), ("run", runs)):
        reference = outcomes["duckdb"]
        for engine, got in outcomes.items():
            assert same(got, reference), (
                f"{kind}: {engine} differs from duckdb\n{case}duckdb: {reference}\n{engine}: {got}"
            )
