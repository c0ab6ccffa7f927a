"""Time computing metrics on DuckDB: cxspec against hand-written SQL for the same numbers.

    python benchmarks/bench_execute.py [--rows 1000000 10000000] [--metrics 10 100] [--repeats 5]
    python benchmarks/bench_execute.py --quick        # 1M rows only, 3 repeats

Data: a survey-response table written as Parquet by DuckDB itself, deterministic (hash-based
pseudo-random columns), into benchmarks/.work/execute/rows-N/ and reused while the rows, the
generating SQL and the DuckDB version are unchanged:

    response_id, customer_id, responded_at (24 months, 2025-2026), channel (6 values),
    touchpoint (tp_00..tp_49), survey (3 values), nps_score 0-10, csat_score 1-5, ces_score 1-7
    (each score with ~5% NULLs and ~1% values off its scale, which cxspec counts as invalid)

Projects: for each metric count, a generated cxspec project on that file (its data/ holds a
hard link to it): NPS per touch point (`touchpoint:` with a `match` predicate), CSAT top-box
per touch point (`touchpoint:`), CES mean per touch point (`filter: "touchpoint = 'tp_07'"`),
plus overall NPS/CSAT/CES and two with other filters. Every run computes all the project's
metrics by month and channel: Request(grain="month", by=("channel",)).

Compared, each on a fresh DuckDB connection per run (TimeZone UTC, file_search_path at the
project), interleaved round-robin:

  cxspec compute()       cxspec.query.compute(): compile + connect + execute + typed results
  cxspec SQL only        the SQL compute() runs (compiled once), executed and fetched
  hand (a) one scan      one pass, per metric a set of FILTER aggregates
  hand (b) by score      two levels: count rows by month, channel, touch point, survey and
                         score value (GROUPING SETS, one per score column), then pivot
  hand (c) by touch pt   two levels: sum per-row flags by month, channel, touch point and
                         survey, then pivot

Before timing, every variant's rows are checked to be the same (metric, period, channel) with
value, n, invalid and moe equal to 1e-9. The first (untimed) run of each also warms the OS file
cache: cold-cache reads are not measured. Exit 0 always, 1 if the numbers differ.
"""

from __future__ import annotations

import argparse
import datetime as dt
import gc
import hashlib
import json
import os
import platform
import statistics
import sys
import time
from pathlib import Path

import duckdb

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))

from bench_compile import check_code_state, code_state  # noqa: E402
from bench_validate import load_average  # noqa: E402
from generate_project import write_spec  # noqa: E402

WORK = HERE / ".work" / "execute"
TARGET_RATIO = 1.2
TOLERANCE = 1e-9
GRAIN = "month"
BY = ("channel",)

CHANNELS = ["web", "app", "phone", "chat", "email", "store"]
SURVEYS = ["relationship", "transactional", "onboarding"]
TOUCHPOINTS = [f"tp_{i:02d}" for i in range(50)]

# Every pseudo-random column draws from its own hash stream, hash(i + k * 10^12) for the
# column's k ({h_name} below). Not hash(i, 'name'): DuckDB combines the two hashes so that their
# low bits stay correlated (same parity in every stream: channel and survey, or the scores,
# would not be independent). Score distributions: a list indexed by a hash (skewed as real
# answers are), then ~5% NULL and ~1% off the scale.
DATA_SQL = """
COPY (
  SELECT
    'r' || lpad(CAST(i AS VARCHAR), 9, '0') AS response_id,
    'c' || lpad(CAST({h_customer} % 400000 AS VARCHAR), 6, '0') AS customer_id,
    TIMESTAMP '2025-01-01 00:00:00'
      + to_seconds(CAST({h_time} % 63072000 AS BIGINT)) AS responded_at,
    {channels}[1 + CAST({h_channel} % 6 AS INTEGER)] AS channel,
    'tp_' || lpad(CAST({h_touchpoint} % 50 AS VARCHAR), 2, '0') AS touchpoint,
    {surveys}[1 + CAST({h_survey} % 3 AS INTEGER)] AS survey,
    CASE WHEN {h_nps_null} % 100 < 5 THEN NULL
         WHEN {h_nps_null} % 100 = 5 THEN [11, -1, 99][1 + CAST({h_nps_bad} % 3 AS INTEGER)]
         ELSE [0, 1, 2, 3, 4, 5, 5, 6, 6, 7, 7, 7, 8, 8, 8, 8, 9, 9, 9, 9, 10, 10, 10, 10]
              [1 + CAST({h_nps} % 24 AS INTEGER)] END AS nps_score,
    CASE WHEN {h_csat_null} % 100 < 5 THEN NULL
         WHEN {h_csat_null} % 100 = 5 THEN [0, 6][1 + CAST({h_csat_bad} % 2 AS INTEGER)]
         ELSE [1, 2, 2, 3, 3, 3, 4, 4, 4, 4, 4, 5, 5, 5, 5, 5]
              [1 + CAST({h_csat} % 16 AS INTEGER)] END AS csat_score,
    CASE WHEN {h_ces_null} % 100 < 5 THEN NULL
         WHEN {h_ces_null} % 100 = 5 THEN [0, 8][1 + CAST({h_ces_bad} % 2 AS INTEGER)]
         ELSE [1, 2, 3, 3, 4, 4, 5, 5, 5, 6, 6, 6, 6, 7, 7, 7]
              [1 + CAST({h_ces} % 16 AS INTEGER)] END AS ces_score
  FROM (SELECT range AS i FROM range({rows}))
) TO '{path}' (FORMAT parquet, ROW_GROUP_SIZE 122880)
"""
HASH_COLUMNS = ("customer", "time", "channel", "touchpoint", "survey", "nps_null", "nps_bad", "nps",
                "csat_null", "csat_bad", "csat", "ces_null", "ces_bad", "ces")  # fmt: skip
HASH_STREAMS = {f"h_{name}": f"hash(i + {k} * 1000000000000)" for k, name in enumerate(HASH_COLUMNS, 1)}

# --------------------------------------------------------------------------------------------
# Metrics: one list drives both the YAML and the hand-written SQL.

# kind: nps (promoters - detractors), top (CSAT top-2-box on 1-5), mean (CES mean on 1-7)
KIND_COLUMN = {"nps": "nps_score", "top": "csat_score", "mean": "ces_score"}
KIND_TYPE = {"nps": "nps", "top": "csat", "mean": "ces"}
SCALE = {"nps_score": (0, 10), "csat_score": (1, 5), "ces_score": (1, 7)}


def metric_set(count: int) -> list[dict]:
    """`count` metrics: id, kind, how the YAML selects rows, and the same as a SQL predicate."""
    base = [
        {"id": "nps_all", "kind": "nps"},
        {"id": "csat_all", "kind": "top"},
        {"id": "ces_all", "kind": "mean"},
        {"id": "nps_relationship", "kind": "nps", "filter": "survey = 'relationship'"},
        {"id": "csat_onboarding_web", "kind": "top", "filter": "survey = 'onboarding' AND channel = 'web'"},
    ]
    per_tp = []
    for tp in TOUCHPOINTS:
        per_tp.append({"id": f"nps_{tp}", "kind": "nps", "touchpoint": tp})
    for tp in TOUCHPOINTS[:25]:
        per_tp.append({"id": f"csat_{tp}", "kind": "top", "touchpoint": tp})
    for tp in TOUCHPOINTS[:20]:
        per_tp.append({"id": f"ces_{tp}", "kind": "mean", "filter": f"touchpoint = '{tp}'"})
    if count == 10:
        wanted = ["nps_all", "csat_all", "ces_all", "nps_relationship", "csat_onboarding_web",
                  "nps_tp_00", "nps_tp_01", "nps_tp_02", "csat_tp_00", "ces_tp_00"]  # fmt: skip
        everything = {m["id"]: m for m in base + per_tp}
        chosen = [everything[w] for w in wanted]
    elif count == 100:
        chosen = base + per_tp
    else:
        raise SystemExit(f"--metrics: 10 or 100, not {count}")
    for metric in chosen:
        parts = []
        if "filter" in metric:
            parts.append(metric["filter"])
        if "touchpoint" in metric:
            parts.append(f"touchpoint = '{metric['touchpoint']}'")
        metric["predicate"] = " AND ".join(f"({p})" for p in parts) if parts else None
    assert len(chosen) == count
    return chosen


# --------------------------------------------------------------------------------------------
# Data and projects.


def data_digest(rows: int) -> str:
    params = json.dumps([rows, DATA_SQL, HASH_STREAMS, duckdb.__version__])
    return hashlib.sha256(params.encode()).hexdigest()[:16]


def ensure_data(rows: int) -> Path:
    folder = WORK / f"rows-{rows}"
    path = folder / "responses.parquet"
    marker = folder / ".data-params.json"
    digest = data_digest(rows)
    if path.is_file() and marker.is_file() and json.loads(marker.read_text())["digest"] == digest:
        print(f"reusing {path.relative_to(HERE.parent)}", flush=True)
        return path
    folder.mkdir(parents=True, exist_ok=True)
    print(f"writing {rows:,} rows to {path.relative_to(HERE.parent)} …", flush=True)
    started = time.perf_counter()
    tmp = path.with_suffix(".parquet.tmp")
    con = duckdb.connect()
    try:
        con.execute(
            DATA_SQL.format(
                **HASH_STREAMS,
                rows=rows,
                path=str(tmp).replace("'", "''"),
                channels="[" + ", ".join(f"'{c}'" for c in CHANNELS) + "]",
                surveys="[" + ", ".join(f"'{s}'" for s in SURVEYS) + "]",
            )
        )
    finally:
        con.close()
    tmp.replace(path)
    marker.write_text(json.dumps({"rows": rows, "digest": digest, "duckdb": duckdb.__version__}))
    size = path.stat().st_size / 2**20
    print(f"  done in {time.perf_counter() - started:.1f} s ({size:.0f} MiB)", flush=True)
    return path


def write_project(data: Path, count: int, key: bool) -> Path:
    """The project for `count` metrics on `data` (spec files rewritten each time: cheap)."""
    out = data.parent / (f"m{count}" + ("-key" if key else ""))
    (out / "data").mkdir(parents=True, exist_ok=True)
    linked = out / "data" / "responses.parquet"
    if not (linked.exists() and os.path.samefile(linked, data)):
        linked.unlink(missing_ok=True)
        try:
            os.link(data, linked)
        except OSError:
            import shutil

            shutil.copyfile(data, linked)
    (out / "cxspec.yaml").write_text(
        "version: 1\n"
        f"project: bench-execute-{count}\n"
        f"name: Execute benchmark ({count} metrics, {data.parent.name})\n"
        "grain: month\n"
        'warehouse: "duckdb:///:memory:"\n',
        encoding="utf-8",
    )
    source = {
        "id": "responses",
        "name": "Survey responses",
        "type": "file",
        "path": "data/responses.parquet",
        "owner": "cx",
        "time": "responded_at",
        "entity": "customer_id",
    }
    if key:
        source["key"] = "response_id"
    source["dimensions"] = ["channel", "touchpoint", "survey"]
    specs = out / "specs"
    owners = [{"id": "cx", "name": "CX team", "kind": "team", "email": "cx@example.com"}]
    journeys = [{"id": "service", "name": "Service", "owner": "cx", "stages": ["ask", "resolve"]}]
    touchpoints = [
        {
            "id": tp,
            "name": f"Touch point {tp}",
            "journey": "service",
            "stage": "ask" if i % 2 == 0 else "resolve",
            "owner": "cx",
            "match": f"touchpoint = '{tp}'",
        }
        for i, tp in enumerate(TOUCHPOINTS)
    ]
    metrics = []
    for m in metric_set(count):
        entry = {
            "id": m["id"],
            "name": m["id"].replace("_", " "),
            "type": KIND_TYPE[m["kind"]],
            "source": "responses",
            "column": KIND_COLUMN[m["kind"]],
            "category": "perception",
            "owner": "cx",
        }
        if m["kind"] == "mean":
            entry["aggregate"] = "mean"
        if "touchpoint" in m:
            entry["touchpoint"] = m["touchpoint"]
        if "filter" in m:
            entry["filter"] = m["filter"]
        metrics.append(entry)
    write_spec(
        specs / "programme.yaml",
        "Generated by benchmarks/bench_execute.py",
        {
            "owners": owners,
            "sources": [source],
            "journeys": journeys,
            "touchpoints": touchpoints,
            "metrics": metrics,
        },
    )
    return out


# --------------------------------------------------------------------------------------------
# Hand-written SQL, as an analyst who knows the data would write it: the score columns are
# INTEGER, so no casts and no whole-number checks. Each query first yields one row per metric,
# month and channel with counts (rows, n, invalid, a, b, s, q by the metric's kind), then the
# same final step turns those into value, n, invalid and moe, as cxspec defines them.

SOURCE = "read_parquet('data/responses.parquet')"
PERIOD = "CAST(date_trunc('month', responded_at) AS DATE)"
TIME_KNOWN = "responded_at IS NOT NULL"  # as cxspec: a row without a time belongs to no period
COUNT_COLUMNS = ("metric", "kind", "period", "channel", "rows", "n", "invalid", "a", "b", "s", "q")

FINAL = """
SELECT metric, period, channel,
  CASE WHEN n = 0 THEN NULL
       WHEN kind = 'nps' THEN 100 * (a / n - b / n)
       WHEN kind = 'top' THEN 100 * a / n
       ELSE s / n END AS value,
  CAST(n AS BIGINT) AS n,
  CAST(invalid AS BIGINT) AS invalid,
  CASE WHEN kind = 'nps' AND n > 0
         THEN 1.96 * 100 * sqrt(greatest(0, (a / n + b / n - (a / n - b / n) ** 2) / n))
       WHEN kind = 'top' AND n > 0 THEN 1.96 * 100 * sqrt(greatest(0, (a / n) * (1 - a / n) / n))
       WHEN kind = 'mean' AND n > 1 THEN 1.96 * sqrt(greatest(0, (q - s * s / n) / (n - 1))) / sqrt(n)
  END AS moe
FROM (
  SELECT metric, kind, period, channel, rows, CAST(n AS DOUBLE) AS n, CAST(a AS DOUBLE) AS a,
    CAST(b AS DOUBLE) AS b, CAST(s AS DOUBLE) AS s, CAST(q AS DOUBLE) AS q, invalid
  FROM ({counts})
)
WHERE rows > 0
ORDER BY metric, period, channel
"""


def valid(column: str) -> str:
    low, high = SCALE[column]
    return f"{column} BETWEEN {low} AND {high}"


# Per-row 0/1 flags (and values) every metric kind needs, by the column they come from.
def row_flags() -> dict[str, str]:
    flags = {}
    for column in SCALE:
        prefix = column.split("_")[0]
        flags[f"{prefix}_ok"] = f"CASE WHEN {valid(column)} THEN 1 ELSE 0 END"
        flags[f"{prefix}_bad"] = f"CASE WHEN NOT ({valid(column)}) THEN 1 ELSE 0 END"  # NULL: 0
    flags["nps_pro"] = "CASE WHEN nps_score BETWEEN 9 AND 10 THEN 1 ELSE 0 END"
    flags["nps_det"] = "CASE WHEN nps_score BETWEEN 0 AND 6 THEN 1 ELSE 0 END"
    flags["csat_top"] = "CASE WHEN csat_score BETWEEN 4 AND 5 THEN 1 ELSE 0 END"
    flags["ces_sum"] = f"CASE WHEN {valid('ces_score')} THEN ces_score END"
    flags["ces_squares"] = f"CASE WHEN {valid('ces_score')} THEN ces_score * ces_score END"
    return flags


def count_fields(metric: dict) -> dict[str, str]:
    """The metric's counts as names of per-row flags (None: NULL); `rows` counts matching rows."""
    prefix = KIND_COLUMN[metric["kind"]].split("_")[0]
    fields = {"n": f"{prefix}_ok", "invalid": f"{prefix}_bad", "a": None, "b": None, "s": None, "q": None}
    if metric["kind"] == "nps":
        fields.update(a="nps_pro", b="nps_det")
    elif metric["kind"] == "top":
        fields.update(a="csat_top")
    else:
        fields.update(s="ces_sum", q="ces_squares")
    return fields


def rows_with_flags() -> str:
    flags = ", ".join(f"{expr} AS {name}" for name, expr in row_flags().items())
    return (
        f"SELECT {PERIOD} AS period, channel, touchpoint, survey, nps_score, csat_score, ces_score, {flags} "
        f"FROM {SOURCE} WHERE {TIME_KNOWN}"
    )


def hand_a(metrics: list[dict]) -> str:
    """One scan, one set of CASE aggregates per metric (a wide row per month and channel),
    unpivoted into one row per metric. (FILTER (WHERE …) instead of CASE gives the same
    numbers but is far slower with hundreds of distinct aggregates on DuckDB 2.0.)"""

    def agg(flag, predicate):
        if flag is None:
            return "NULL"
        if flag == "*":
            return f"count(CASE WHEN {predicate} THEN 1 END)" if predicate else "count(*)"
        return f"sum(CASE WHEN {predicate} THEN {flag} END)" if predicate else f"sum({flag})"

    structs = []
    for metric in metrics:
        p = metric["predicate"]
        fields = {"metric": f"'{metric['id']}'", "kind": f"'{metric['kind']}'", "rows": agg("*", p)}
        fields |= {name: agg(flag, p) for name, flag in count_fields(metric).items()}
        structs.append("{" + ", ".join(f"'{k}': {v}" for k, v in fields.items()) + "}")
    wide = (
        "SELECT period, channel, [\n    " + ",\n    ".join(structs) + "\n  ] AS per_metric\n"
        f"FROM ({rows_with_flags()})\nGROUP BY period, channel"
    )
    counts = (
        "SELECT u.metric, u.kind, period, channel, u.rows, u.n, u.invalid, u.a, u.b, u.s, u.q\n"
        f"FROM (SELECT period, channel, unnest(per_metric) AS u FROM ({wide}))"
    )
    return FINAL.format(counts=counts)


def union_of_metrics(metrics: list[dict], table: str, agg, extra_where=lambda metric: None) -> str:
    """Level 2: one small GROUP BY per metric over the level-1 table, glued by UNION ALL."""
    branches = []
    for metric in metrics:
        fields = count_fields(metric)
        columns = [f"'{metric['id']}' AS metric", f"'{metric['kind']}' AS kind", "period", "channel",
                   f"{agg('*', metric)} AS rows"]  # fmt: skip
        columns += [f"{agg(flag, metric) if flag else 'NULL'} AS {name}" for name, flag in fields.items()]
        where = [w for w in (extra_where(metric), metric["predicate"]) if w]
        branches.append(
            f"SELECT {', '.join(columns)} FROM {table}"
            + (f" WHERE {' AND '.join(where)}" if where else "")
            + " GROUP BY period, channel"
        )
    return "\nUNION ALL ".join(branches)


def hand_b(metrics: list[dict]) -> str:
    """Two levels: rows counted by month, channel, touch point, survey and score value (one
    grouping set per score column), then one small aggregate per metric."""
    dims = "period, channel, touchpoint, survey"
    level1 = (
        f"SELECT {dims}, nps_score, csat_score, ces_score, GROUPING(nps_score) AS g_nps, "
        f"GROUPING(csat_score) AS g_csat, GROUPING(ces_score) AS g_ces, count(*) AS c\n"
        f"FROM (SELECT {PERIOD} AS period, channel, touchpoint, survey, nps_score, csat_score, ces_score "
        f"FROM {SOURCE} WHERE {TIME_KNOWN})\n"
        f"GROUP BY GROUPING SETS (({dims}, nps_score), ({dims}, csat_score), ({dims}, ces_score))"
    )
    flags = row_flags()

    def agg(flag, metric):
        if flag == "*":
            return "sum(c)"
        return f"sum(c * ({flags[flag]}))"

    def grouping_set(metric):
        return {"nps": "g_nps = 0", "top": "g_csat = 0", "mean": "g_ces = 0"}[metric["kind"]]

    counts = union_of_metrics(metrics, "level1", agg, grouping_set)
    return f"WITH level1 AS MATERIALIZED (\n{level1}\n)\n" + FINAL.format(counts=counts)


def hand_c(metrics: list[dict]) -> str:
    """Two levels: per-row flags summed by month, channel, touch point and survey (the
    columns the metrics' filters use), then one small aggregate per metric."""
    flags = list(row_flags())
    level1 = (
        "SELECT period, channel, touchpoint, survey, count(*) AS n_rows, "
        + ", ".join(f"sum({f}) AS {f}" for f in flags)
        + f"\nFROM ({rows_with_flags()})\nGROUP BY period, channel, touchpoint, survey"
    )

    def agg(flag, metric):
        return "sum(n_rows)" if flag == "*" else f"sum({flag})"

    counts = union_of_metrics(metrics, "level1", agg)
    return f"WITH level1 AS MATERIALIZED (\n{level1}\n)\n" + FINAL.format(counts=counts)


# --------------------------------------------------------------------------------------------
# Running and comparing.


def connect(project: Path) -> duckdb.DuckDBPyConnection:
    con = duckdb.connect(":memory:")
    con.execute("SET TimeZone = 'UTC'")
    con.execute("SET file_search_path = ?", [str(project.resolve())])
    return con


def run_sql(project: Path, sql: str) -> list[tuple]:
    con = connect(project)
    try:
        return con.execute(sql).fetchall()
    finally:
        con.close()


def profile_sql(project: Path, sql: str) -> dict:
    """DuckDB's own account of one run: planning, optimising, and CPU time per operator type."""
    import tempfile

    with tempfile.TemporaryDirectory(prefix="cxspec-profile-") as tmp:
        output = Path(tmp) / "profile.json"
        con = connect(project)
        try:
            con.execute("SET enable_profiling = 'json'")
            con.execute("SET profiling_mode = 'detailed'")
            con.execute("SET profiling_output = ?", [str(output)])
            started = time.perf_counter()
            con.execute(sql).fetchall()
            wall = time.perf_counter() - started
        finally:
            con.close()
        profile = json.loads(output.read_text())
    by_type: dict[str, float] = {}
    heaviest: list[tuple[float, str, int]] = []

    def walk(node):
        by_type[node["type"]] = by_type.get(node["type"], 0.0) + node.get("timing", 0.0)
        info = node.get("extra_info") or {}
        label = node["type"]
        for key in ("CTE Name", "Function", "Expression"):
            if key in info:
                label += f" {str(info[key])[:70]}"
                break
        if node["type"] == "HASH_GROUP_BY":
            label += f" ({len(info.get('Groups', []))} keys, {len(info.get('Aggregates', []))} aggregates)"
        heaviest.append((node.get("timing", 0.0), label, node.get("intermediate_rows", 0)))
        for child in node.get("children", []):
            walk(child)

    for node in profile.get("operator", []):
        walk(node)
    return {
        "wall": wall,
        "planner": profile.get("planner", {}).get("total_time", 0.0),
        "optimizer": profile.get("optimizer", {}).get("total_time", 0.0),
        "physical": profile.get("physical_planner", {}).get("total_time", 0.0),
        "cpu": profile.get("query", {}).get("cpu_time", 0.0),
        "by_type": by_type,
        "heaviest": sorted(heaviest, reverse=True)[:5],
        "operators": len(heaviest),
    }


def print_profiles(project: Path, queries: dict[str, str]) -> None:
    print("    DuckDB profile of one run each (seconds; operator CPU summed over threads):")
    for name, sql in queries.items():
        p = profile_sql(project, sql)
        kinds = ", ".join(
            f"{k.lower()} {v:.2f}" for k, v in sorted(p["by_type"].items(), key=lambda kv: -kv[1])[:4]
        )
        print(
            f"      {name:<22} wall {p['wall']:.2f} | plan {p['planner']:.2f} + optimise {p['optimizer']:.2f}"
            f" + physical {p['physical']:.2f} | operators cpu {p['cpu']:.2f} "
            f"({p['operators']} operators: {kinds})"
        )
        for timing, label, rows in p["heaviest"][:3]:
            print(f"          {timing:6.2f}  {label}  [{rows:,} rows out]")


def normalise_rows(rows) -> dict:
    out = {}
    for metric, period, channel, value, n, invalid, moe in rows:
        period = period.isoformat() if isinstance(period, (dt.date, dt.datetime)) else str(period)[:10]
        out[(metric, period[:10], channel)] = (value, n, invalid, moe)
    return out


def normalise_results(results) -> dict:
    return {(r.metric, r.period, r.dimensions["channel"]): (r.value, r.n, r.invalid, r.moe) for r in results}


def close(a, b) -> bool:
    if a is None or b is None:
        return a is None and b is None
    return abs(float(a) - float(b)) <= TOLERANCE * max(1.0, abs(float(a)), abs(float(b)))


def differences(reference: dict, other: dict) -> list[str]:
    problems = []
    missing, extra = reference.keys() - other.keys(), other.keys() - reference.keys()
    if missing:
        problems.append(f"{len(missing)} rows missing, e.g. {sorted(missing)[:3]}")
    if extra:
        problems.append(f"{len(extra)} rows extra, e.g. {sorted(extra)[:3]}")
    names = ("value", "n", "invalid", "moe")
    for key in sorted(reference.keys() & other.keys()):
        for name, a, b in zip(names, reference[key], other[key], strict=True):
            if not close(a, b):
                problems.append(f"{key} {name}: {a!r} vs {b!r}")
                if len(problems) > 5:
                    return problems
    return problems


def median(values: list[float]) -> float:
    return statistics.median(values)


def bench_one(rows: int, data: Path, count: int, repeats: int, with_key: bool, profile: bool) -> dict:
    from cxspec import load_project
    from cxspec.compiler.compile import compile_request
    from cxspec.compiler.plan import Request
    from cxspec.query import compile_for, compute, connect
    from cxspec.registry import default_registry

    registry = default_registry()
    request = Request(grain=GRAIN, by=BY)
    variants_projects = {"": write_project(data, count, key=False)}
    if with_key:
        variants_projects["key"] = write_project(data, count, key=True)
    project_dir = variants_projects[""]
    project = load_project(project_dir)
    metrics = metric_set(count)

    # The SQL compute() runs: compiled with the warehouse's column types (its DESCRIBE).
    with connect("duckdb:///:memory:", project, registry) as warehouse:
        compiled = compile_for(warehouse, project, request, registry, pretty=False)
    assert len(compiled) == 1, [q.name for q in compiled]
    cx_sql = compiled[0].sql
    scan = compiled[0].plan.scans[0]
    shape = (
        f"first level by {', '.join(scan.group_columns) or 'no filter column'}, "
        f"{len(scan.predicates)} flag(s), {len(scan.predicate_chunks())} first-level aggregate(s)"
    )

    runners: dict[str, callable] = {}
    runners["cxspec compute()"] = lambda: compute(project, request, registry, "duckdb:///:memory:")
    runners["cxspec SQL only"] = lambda: run_sql(project_dir, cx_sql)
    if with_key:
        key_dir = variants_projects["key"]
        key_project = load_project(key_dir)
        runners["cxspec compute(), key:"] = lambda: compute(
            key_project, request, registry, "duckdb:///:memory:"
        )
    hand = {"hand (a) one scan": hand_a(metrics), "hand (b) by score": hand_b(metrics),
            "hand (c) by touch pt": hand_c(metrics)}  # fmt: skip
    for name, sql in hand.items():
        runners[name] = lambda sql=sql: run_sql(project_dir, sql)

    # Check (untimed; warms the file cache): every variant gives the same numbers.
    print(f"  {rows:,} rows, {count} metrics ({shape}): checking the numbers …", flush=True)
    reference = None
    failed = False
    for name, run in runners.items():
        started = time.perf_counter()
        result = run()
        elapsed = time.perf_counter() - started
        table = normalise_results(result) if name.startswith("cxspec compute") else normalise_rows(result)
        if reference is None:
            reference = table
            print(f"    {name:<24} {len(table):,} rows ({elapsed:.2f} s, untimed)")
            continue
        problems = differences(reference, table)
        status = "same numbers" if not problems else "DIFFERENT: " + "; ".join(problems)
        failed |= bool(problems)
        print(f"    {name:<24} {status} ({elapsed:.2f} s, untimed)", flush=True)
    if failed:
        return {"failed": True}
    if profile:
        print_profiles(project_dir, {"cxspec SQL": cx_sql, **hand})

    # Compile alone (in-process, fragment caches warm as in compute()).
    compile_times = []
    for _ in range(max(3, repeats)):
        started = time.perf_counter()
        compile_request(project, request, "duckdb", registry, pretty=False)
        compile_times.append(time.perf_counter() - started)

    times: dict[str, list[float]] = {name: [] for name in runners}
    for repeat in range(repeats):
        for name, run in runners.items():
            gc.collect()
            started = time.perf_counter()
            result = run()
            times[name].append(time.perf_counter() - started)
            del result
        print(
            f"    repeat {repeat + 1}: "
            + ", ".join(
                f"{n.split()[0] if n.startswith('hand') else n} {t[-1]:.2f}" for n, t in times.items()
            ),
            flush=True,
        )
    return {
        "failed": False,
        "rows": rows,
        "metrics": count,
        "shape": shape,
        "times": times,
        "compile": compile_times,
        "result_rows": len(reference),
    }


def report(results: list[dict]) -> None:
    print()
    for res in results:
        times = res["times"]
        best_hand = min((median(t), n) for n, t in times.items() if n.startswith("hand"))
        print(
            f"{res['rows']:,} rows, {res['metrics']} metrics by month and channel "
            f"({res['result_rows']:,} result rows; cxspec plan: {res['shape']}); "
            f"{len(next(iter(times.values())))} repeats"
        )
        header = f"  {'variant':<24} {'median':>8} {'min':>8} {'max':>8} {'vs best hand':>13}"
        print(header)
        print("  " + "-" * (len(header) - 2))
        for name, values in times.items():
            ratio = median(values) / best_hand[0]
            print(
                f"  {name:<24} {median(values):>8.3f} {min(values):>8.3f} {max(values):>8.3f} {ratio:>12.2f}x"
            )
        comp = res["compile"]
        print(f"  {'(compile_request alone)':<24} {median(comp):>8.3f} {min(comp):>8.3f} {max(comp):>8.3f}")
        cx = median(times["cxspec compute()"]) / best_hand[0]
        sql_only = median(times["cxspec SQL only"]) / best_hand[0]
        verdict = "MET" if cx <= TARGET_RATIO else "NOT MET"
        print(
            f"  target: cxspec within {TARGET_RATIO:g}x of the best hand-written ({best_hand[1]}): "
            f"compute() {cx:.2f}x -> {verdict}; its SQL alone {sql_only:.2f}x\n"
        )


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description="cxspec against hand-written SQL on DuckDB.")
    parser.add_argument("--rows", type=int, nargs="+", default=[1_000_000, 10_000_000])
    parser.add_argument("--metrics", type=int, nargs="+", default=[10, 100], choices=[10, 100])
    parser.add_argument("--repeats", type=int, default=5, help="timed runs per variant (default 5)")
    parser.add_argument(
        "--repeats-large", type=int, default=3, help="timed runs at 10M rows and more (default 3)"
    )
    parser.add_argument(
        "--with-key", action="store_true", help="also time the project with `key: response_id`"
    )
    parser.add_argument("--quick", action="store_true", help="1M rows only, 3 repeats")
    parser.add_argument(
        "--profile", action="store_true", help="also print DuckDB's planning/operator profile of each query"
    )
    parser.add_argument("--show-sql", choices=["cxspec", "a", "b", "c"], help="print one query and exit")
    args = parser.parse_args(argv)
    if args.quick:
        args.rows, args.repeats = [1_000_000], 3
    if args.show_sql:
        count = args.metrics[-1]
        if args.show_sql == "cxspec":
            from cxspec import load_project
            from cxspec.compiler.compile import compile_request
            from cxspec.compiler.plan import Request
            from cxspec.registry import default_registry

            project = load_project(write_project(ensure_data(args.rows[0]), count, key=args.with_key))
            request = Request(grain=GRAIN, by=BY)
            print(compile_request(project, request, "duckdb", default_registry())[0].sql)
        else:
            print({"a": hand_a, "b": hand_b, "c": hand_c}[args.show_sql](metric_set(count)))
        return 0

    from cxspec import __version__

    print(
        f"cxspec {__version__}, DuckDB {duckdb.__version__}, Python {platform.python_version()}, "
        f"{platform.system()} {platform.machine()}, {os.cpu_count()} CPUs"
    )
    state = code_state()
    print(f"measuring {state}; load average {load_average()}")
    print(f"all metrics by {GRAIN} and {', '.join(BY)}; fresh DuckDB connection per run; warm file cache\n")
    results = []
    failed = False
    for rows in args.rows:
        data = ensure_data(rows)
        repeats = args.repeats if rows < 10_000_000 else min(args.repeats, args.repeats_large)
        for count in args.metrics:
            res = bench_one(rows, data, count, repeats, args.with_key, args.profile)
            if res["failed"]:
                failed = True
                continue
            results.append(res)
    report(results)
    print(f"load average at the end: {load_average()}")
    check_code_state(state)
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
