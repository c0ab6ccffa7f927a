"""cxspec against MetricFlow and the best hand-written query, on MetricFlow's own ground: a
DuckDB native table, integer scores, 97 touch points.

    python benchmarks/bench_metricflow.py [--rows 1000000 10000000] [--metrics 10 100] [--repeats 5]
    CXSPEC_DBT_BIN=/path/to/venv/bin python benchmarks/bench_metricflow.py   # where dbt and mf are

Data: a table `responses` in a DuckDB database file (benchmarks/.work/metricflow/rows-N/),
the hash-generated survey responses of bench_execute.py (its hash streams), with 97 touch
points: responded_at TIMESTAMP, channel (6), touchpoint tp_00..tp_96, nps_score 0-10,
csat_score 1-5, ces_score 1-7 (INTEGER, ~5% NULL, ~1% off the scale).

Metrics: NPS, CSAT top-2 %, mean CES, and one NPS per touch point (7 of them for 10 metrics,
97 for 100), by month and channel.

Compared, in one DuckDB process on one read-only connection, interleaved round-robin:

  MetricFlow     the SQL `mf query --explain` writes from the semantic models that
                 `cxspec export --to dbt` wrote (dbt-metricflow in its own venv:
                 plugins/cxspec-dbt/ci/install-dbt.sh, or CXSPEC_DBT_BIN); `dbt run` makes
                 the views it reads in the same database file
  cxspec         the SQL cxspec compiles for that warehouse (column types known)
  hand-written   two levels: per-row flags counted by month, channel and touch point, then the
                 overall metrics by month and channel and the per-touch-point NPS straight
                 from the first level

Before timing, every variant's values are checked equal (1e-9). Exit 1 if they differ.
"""

from __future__ import annotations

import argparse
import gc
import os
import platform
import shutil
import statistics
import subprocess
import sys
import time
from pathlib import Path

import duckdb
import yaml

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))

from bench_compile import check_code_state, code_state  # noqa: E402
from bench_execute import CHANNELS, HASH_STREAMS, close  # noqa: E402
from bench_validate import load_average  # noqa: E402
from generate_project import write_spec  # noqa: E402

WORK = HERE / ".work" / "metricflow"
TOUCHPOINTS = [f"tp_{i:02d}" for i in range(97)]
TARGET = 1.2
REPO = HERE.parent

DATA_SQL = """
CREATE OR REPLACE TABLE responses AS
SELECT
  'r' || lpad(CAST(i AS VARCHAR), 9, '0') AS response_id,
  'c' || lpad(CAST({h_customer} % 400000 AS VARCHAR), 6, '0') AS customer_id,
  TIMESTAMP '2025-01-01 00:00:00' + to_seconds(CAST({h_time} % 63072000 AS BIGINT)) AS responded_at,
  {channels}[1 + CAST({h_channel} % 6 AS INTEGER)] AS channel,
  'tp_' || lpad(CAST({h_touchpoint} % 97 AS VARCHAR), 2, '0') AS touchpoint,
  CAST(CASE WHEN {h_nps_null} % 100 < 5 THEN NULL
       WHEN {h_nps_null} % 100 = 5 THEN [11, -1, 99][1 + CAST({h_nps_bad} % 3 AS INTEGER)]
       ELSE [0, 1, 2, 3, 4, 5, 5, 6, 6, 7, 7, 7, 8, 8, 8, 8, 9, 9, 9, 9, 10, 10, 10, 10]
            [1 + CAST({h_nps} % 24 AS INTEGER)] END AS INTEGER) AS nps_score,
  CAST(CASE WHEN {h_csat_null} % 100 < 5 THEN NULL
       WHEN {h_csat_null} % 100 = 5 THEN [0, 6][1 + CAST({h_csat_bad} % 2 AS INTEGER)]
       ELSE [1, 2, 2, 3, 3, 3, 4, 4, 4, 4, 4, 5, 5, 5, 5, 5]
            [1 + CAST({h_csat} % 16 AS INTEGER)] END AS INTEGER) AS csat_score,
  CAST(CASE WHEN {h_ces_null} % 100 < 5 THEN NULL
       WHEN {h_ces_null} % 100 = 5 THEN [0, 8][1 + CAST({h_ces_bad} % 2 AS INTEGER)]
       ELSE [1, 2, 3, 3, 4, 4, 5, 5, 5, 6, 6, 6, 6, 7, 7, 7]
            [1 + CAST({h_ces} % 16 AS INTEGER)] END AS INTEGER) AS ces_score
FROM (SELECT range AS i FROM range({rows}))
"""


def tool_folder() -> Path:
    candidates = [Path(os.environ["CXSPEC_DBT_BIN"])] if os.environ.get("CXSPEC_DBT_BIN") else []
    candidates.append(REPO / "plugins" / "cxspec-dbt" / ".venv-dbt" / "bin")
    for folder in candidates:
        if (folder / "dbt").is_file() and (folder / "mf").is_file():
            return folder
    raise SystemExit("dbt and mf not found: run plugins/cxspec-dbt/ci/install-dbt.sh or set CXSPEC_DBT_BIN")


def ensure_data(rows: int) -> Path:
    folder = WORK / f"rows-{rows}"
    db = folder / "warehouse.duckdb"
    marker = folder / ".rows"
    if db.is_file() and marker.is_file() and marker.read_text() == f"{rows} {duckdb.__version__}":
        return db
    folder.mkdir(parents=True, exist_ok=True)
    db.unlink(missing_ok=True)
    print(f"writing {rows:,} rows to {db.relative_to(REPO)} …", flush=True)
    con = duckdb.connect(str(db))
    try:
        channels = "[" + ", ".join(f"'{c}'" for c in CHANNELS) + "]"
        con.execute(DATA_SQL.format(**HASH_STREAMS, rows=rows, channels=channels))
    finally:
        con.close()
    marker.write_text(f"{rows} {duckdb.__version__}")
    return db


def metric_set(count: int) -> list[dict]:
    base = [
        {"id": "nps_all", "type": "nps", "column": "nps_score"},
        {"id": "csat_all", "type": "csat", "column": "csat_score"},
        {"id": "ces_all", "type": "ces", "column": "ces_score"},
    ]
    per_tp = [
        {"id": f"nps_{tp}", "type": "nps", "column": "nps_score", "touchpoint": tp} for tp in TOUCHPOINTS
    ]
    return base + per_tp[: count - len(base)]


def write_project(db: Path, count: int) -> Path:
    out = db.parent / f"m{count}"
    (out / "specs").mkdir(parents=True, exist_ok=True)
    (out / "cxspec.yaml").write_text(
        f"version: 1\nproject: bench-metricflow-{count}\nname: MetricFlow benchmark\ngrain: month\n"
        f'warehouse: "duckdb:///{db}"\n',
        encoding="utf-8",
    )
    owners = [{"id": "cx", "name": "CX team", "kind": "team", "email": "cx@example.com"}]
    source = {"id": "responses", "name": "Survey responses", "type": "table", "table": "responses",
              "owner": "cx", "time": "responded_at", "entity": "customer_id",
              "dimensions": ["channel", "touchpoint"]}  # fmt: skip
    journeys = [{"id": "service", "name": "Service", "owner": "cx", "stages": ["ask"]}]
    touchpoints = [{"id": tp, "name": f"Touch point {tp}", "journey": "service", "stage": "ask",
                    "owner": "cx", "match": f"touchpoint = '{tp}'"} for tp in TOUCHPOINTS]  # fmt: skip
    metrics = []
    for m in metric_set(count):
        entry = {"id": m["id"], "name": m["id"].replace("_", " "), "type": m["type"], "source": "responses",
                 "column": m["column"], "category": "perception", "owner": "cx"}  # fmt: skip
        if "touchpoint" in m:
            entry["touchpoint"] = m["touchpoint"]
        metrics.append(entry)
    spec = {"owners": owners, "sources": [source], "journeys": journeys, "touchpoints": touchpoints,
            "metrics": metrics}  # fmt: skip
    write_spec(out / "specs" / "programme.yaml", "Generated by benchmarks/bench_metricflow.py", spec)
    return out


def run_tool(tool: Path, args: list[str], cwd: Path) -> str:
    env = dict(
        os.environ, DBT_PROFILES_DIR=str(cwd), DBT_SEND_ANONYMOUS_USAGE_STATS="False", DO_NOT_TRACK="1"
    )
    done = subprocess.run([str(tool), *args], cwd=cwd, env=env, capture_output=True, text=True, timeout=1800)
    if done.returncode != 0:
        raise SystemExit(
            f"{tool.name} {' '.join(args)} failed:\n{done.stdout[-3000:]}\n{done.stderr[-3000:]}"
        )
    return done.stdout


def metricflow_sql(project: Path, db: Path, count: int) -> tuple[str, dict[str, str]]:
    """MetricFlow's SQL for every metric by month and channel, and cxspec id → its column."""
    from cxspec.testing import run_cli

    tools = tool_folder()
    package = project.parent / f"dbt-m{count}"
    shutil.rmtree(package, ignore_errors=True)
    result = run_cli("export", project, "--to", "dbt", "--out", package)
    assert result.exit_code == 0, result.output
    profiles = yaml.safe_load((package / "profiles.example.yml").read_text(encoding="utf-8"))
    for profile in profiles.values():
        profile["outputs"]["dev"]["path"] = str(db)
    (package / "profiles.yml").write_text(yaml.safe_dump(profiles), encoding="utf-8")
    run_tool(tools / "dbt", ["run"], package)
    semantic = yaml.safe_load((package / "models/semantic/semantic_models.yml").read_text(encoding="utf-8"))
    names = {m["name"] for m in semantic["metrics"]}
    exported = {m["id"]: m["id"] for m in metric_set(count) if m["id"] in names}
    assert len(exported) == count, sorted(set(m["id"] for m in metric_set(count)) - names)
    model = semantic["semantic_models"][0]
    entity = model.get("primary_entity") or model["entities"][0]["name"]
    channel = f"{entity}__channel"
    args = ["query", "--metrics", ",".join(exported.values()), "--group-by", f"metric_time__month,{channel}",
            "--explain"]  # fmt: skip
    output = run_tool(tools / "mf", args, package)
    sql = output[output.index("SELECT") :] if "SELECT" in output else output
    sql = sql[: sql.rindex(";") + 1] if ";" in sql else sql
    (package / "metricflow.sql").write_text(sql, encoding="utf-8")
    return sql, exported, channel


HAND = """
WITH level1 AS MATERIALIZED (
  SELECT CAST(date_trunc('month', responded_at) AS DATE) AS period, channel, touchpoint,
    count(nps_score) AS nps_c,
    count(nps_score BETWEEN 0 AND 10 OR NULL) AS nps_n,
    count(nps_score BETWEEN 9 AND 10 OR NULL) AS nps_p,
    count(nps_score BETWEEN 0 AND 6 OR NULL) AS nps_d,
    count(csat_score) AS csat_c,
    count(csat_score BETWEEN 1 AND 5 OR NULL) AS csat_n,
    count(csat_score BETWEEN 4 AND 5 OR NULL) AS csat_t,
    count(ces_score) AS ces_c,
    count(ces_score BETWEEN 1 AND 7 OR NULL) AS ces_n,
    sum(CASE WHEN ces_score BETWEEN 1 AND 7 THEN ces_score END) AS ces_s,
    sum(CASE WHEN ces_score BETWEEN 1 AND 7 THEN ces_score * ces_score END) AS ces_q
  FROM responses WHERE responded_at IS NOT NULL
  GROUP BY ALL
), overall AS (
  SELECT period, channel, sum(nps_c) AS nps_c, sum(nps_n) AS nps_n, sum(nps_p) AS nps_p,
    sum(nps_d) AS nps_d, sum(csat_c) AS csat_c, sum(csat_n) AS csat_n, sum(csat_t) AS csat_t,
    sum(ces_c) AS ces_c, sum(ces_n) AS ces_n, sum(ces_s) AS ces_s, sum(ces_q) AS ces_q
  FROM level1 GROUP BY ALL
), counts AS (
  SELECT 'nps_all' AS metric, 'nps' AS kind, period, channel, nps_c AS c, nps_n AS n, nps_p AS a,
    nps_d AS b, NULL AS q FROM overall
  UNION ALL SELECT 'csat_all', 'top', period, channel, csat_c, csat_n, csat_t, NULL, NULL FROM overall
  UNION ALL SELECT 'ces_all', 'mean', period, channel, ces_c, ces_n, ces_s, NULL, ces_q FROM overall
  UNION ALL SELECT 'nps_' || touchpoint, 'nps', period, channel, nps_c, nps_n, nps_p, nps_d, NULL
  FROM level1 WHERE touchpoint IN ({touchpoints})
)
SELECT metric, period, channel,
  CASE WHEN kind = 'nps' THEN 100.0 * (a - b) / n WHEN kind = 'top' THEN 100.0 * a / n ELSE a / n END
    AS value,
  n, c - n AS invalid,
  CASE WHEN kind = 'nps' THEN 1.96 * 100 * sqrt(greatest(0, (a / n + b / n - (a / n - b / n) ** 2) / n))
       WHEN kind = 'top' THEN 1.96 * 100 * sqrt(greatest(0, (a / n) * (1 - a / n) / n))
       WHEN n > 1 THEN 1.96 * sqrt(greatest(0, (q - a * a / n) / (n - 1))) / sqrt(n) END AS moe
FROM counts WHERE n > 0
"""


def hand_sql(count: int) -> str:
    wanted = [m["touchpoint"] for m in metric_set(count) if "touchpoint" in m]
    return HAND.format(touchpoints=", ".join(f"'{tp}'" for tp in wanted))


def values_of(rows) -> dict:
    """(metric, month, channel) → value, n, invalid, moe, where there is a value."""
    return {(m, str(p)[:10], c): tuple(rest) for m, p, c, *rest in rows if rest[0] is not None}


def _tuple(value) -> tuple:
    return value if isinstance(value, tuple) else (value,)


def metricflow_values(columns, rows, exported, channel) -> dict:
    index = {name: i for i, name in enumerate(columns)}
    out = {}
    for row in rows:
        period, dim = str(row[index["metric_time__month"]])[:10], row[index[channel]]
        for metric, column in exported.items():
            value = row[index[column]]
            if value is not None:
                out[(metric, period, dim)] = value
    return out


def bench_one(rows: int, count: int, repeats: int) -> dict:
    from cxspec import load_project
    from cxspec.compiler.plan import Request
    from cxspec.query import compile_for, connect
    from cxspec.registry import default_registry

    db = ensure_data(rows)
    project_dir = write_project(db, count)
    project = load_project(project_dir)
    registry = default_registry()
    request = Request(grain="month", by=("channel",))
    with connect(f"duckdb:///{db}", project, registry) as warehouse:
        compiled = compile_for(warehouse, project, request, registry, pretty=False)
    cx_sql = compiled[0].sql
    (project_dir / "cxspec.sql").write_text(cx_sql, encoding="utf-8")
    mf_sql, exported, channel = metricflow_sql(project_dir, db, count)
    queries = {"MetricFlow": mf_sql, "cxspec": cx_sql, "hand-written": hand_sql(count)}
    con = duckdb.connect(str(db), read_only=True)
    con.execute("SET TimeZone = 'UTC'")

    def run(name):
        relation = con.execute(queries[name])
        return [d[0] for d in relation.description], relation.fetchall()

    columns, cx_rows = run("cxspec")
    full = values_of(cx_rows)
    reference = {k: v[0] for k, v in full.items()}
    failed = False
    for name in ("MetricFlow", "hand-written"):
        columns, got_rows = run(name)
        if name == "MetricFlow":  # values only
            got, want = metricflow_values(columns, got_rows, exported, channel), reference
        else:  # value, n, invalid and moe
            got, want = values_of(got_rows), full
        problems = [
            k
            for k in want.keys() | got.keys()
            if k not in got or k not in want or not all(map(close, _tuple(want[k]), _tuple(got[k])))
        ]
        status = (
            "same values"
            if not problems
            else f"DIFFERENT at {len(problems)} keys, e.g. {sorted(problems)[:3]}"
        )
        failed |= bool(problems)
        print(
            f"  {rows:,} rows, {count} metrics: {name} vs cxspec: {status} ({len(reference):,} values)",
            flush=True,
        )
    times: dict[str, list[float]] = {name: [] for name in queries}
    for _ in range(repeats):
        for name in queries:
            gc.collect()
            started = time.perf_counter()
            run(name)
            times[name].append(time.perf_counter() - started)
    con.close()
    medians = ", ".join(f"{n} {statistics.median(t):.3f} s" for n, t in times.items())
    print(f"  {rows:,} rows, {count} metrics: medians {medians}", flush=True)
    return {"rows": rows, "metrics": count, "times": times, "failed": failed}


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, nargs="+", default=[1_000_000, 10_000_000])
    parser.add_argument("--metrics", type=int, nargs="+", default=[10, 100])
    parser.add_argument("--repeats", type=int, default=5)
    args = parser.parse_args(argv)
    print(f"DuckDB {duckdb.__version__}, Python {platform.python_version()}, {os.cpu_count()} CPUs")
    state = code_state()
    print(f"measuring {state}; load average {load_average()}")
    results = [bench_one(r, m, args.repeats) for r in args.rows for m in args.metrics]
    print(f"\nmedians of {args.repeats} (seconds)")
    print(
        f"{'rows':>5} {'metrics':>7} | {'MetricFlow':>10} {'cxspec':>8} {'hand':>8} | cxspec/hand  MF/cxspec"
    )
    for res in results:
        med = {n: statistics.median(t) for n, t in res["times"].items()}
        ratio = med["cxspec"] / med["hand-written"]
        print(
            f"{res['rows'] // 1_000_000:>4}M {res['metrics']:>7} | {med['MetricFlow']:>10.3f} "
            f"{med['cxspec']:>8.3f} {med['hand-written']:>8.3f} | {ratio:>10.2f}x "
            f"{med['MetricFlow'] / med['cxspec']:>9.2f}x" + ("" if ratio <= TARGET else "  (over 1.2x)")
        )
    print(f"load average at the end: {load_average()}")
    check_code_state(state)
    return 1 if any(r["failed"] for r in results) else 0


if __name__ == "__main__":
    sys.exit(main())
