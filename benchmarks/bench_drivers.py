"""Time a drivers analysis (12 drivers) against one plain aggregate scan of the same file, on DuckDB.

    python benchmarks/bench_drivers.py [--rows 10000000] [--repeats 5]
    python benchmarks/bench_drivers.py --quick          # 1M rows, 3 repeats
    python benchmarks/bench_drivers.py --options        # also: the moments scan's variants in DuckDB SQL
    python benchmarks/bench_drivers.py --outcome-scale  # the analysis declares outcome_scale: [0, 10]

A Parquet file of survey ratings (an integer key, an outcome 0-10 and 12 attribute ratings
1-5, ~2% of ratings missing) is written once into benchmarks/.work/ by DuckDB itself. Then,
alternately, each repeat times:

* baseline: one plain aggregate scan of the file: `SELECT count(*), avg(ltr), avg(a1) … avg(a12)`;
* the same with `avg(id)`: a scan of every column of the file (the analysis reads `id` too,
  for its jackknife buckets), printed as a second ratio;
* drivers: `compute_drivers` of a project whose analysis reads that file: the moments (count,
  13 sums, 91 cross-products per jackknife bucket; on DuckDB summed in numpy from the complete
  cases fetched as Arrow batches, cxspec/drivers/arrays.py) plus the Python algebra (Shapley
  values over 4,096 subsets, for the estimate and each of the 20 jackknife replicates);
* drivers, SQL moments: the same with the moments summed by the SQL aggregate (what SQLite,
  PostgreSQL and Spark run; compute.NUMPY_FROM_ROWS = None), for comparison.

Each repeat also records the process's CPU time (user + system) of each: on a shared machine
the wall time of a parallel scan depends on what else runs, the CPU time much less.

Target: drivers at most 2x the baseline. Prints medians; exit 0 always (it measures, it does
not judge). Figures: benchmarks/README.md, "Drivers".
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import time
from pathlib import Path

import duckdb

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))

from bench_validate import git_state, load_average  # noqa: E402

WORK = HERE / ".work"
DRIVERS = 12


def ensure_file(rows: int) -> Path:
    """The data file, inside the benchmark's project folder (file sources stay inside it)."""
    path = WORK / "drivers" / "data" / f"ratings_{rows}.parquet"
    if path.exists():
        return path
    path.parent.mkdir(parents=True, exist_ok=True)
    ratings = ", ".join(
        f"CASE WHEN random() < 0.02 THEN NULL ELSE 1 + floor(random() * 5)::INT END AS a{i}"
        for i in range(1, 13)
    )
    con = duckdb.connect()
    con.execute("SELECT setseed(0.15)")
    con.execute(f"COPY (SELECT range AS id, {ratings} FROM range({rows})) TO '{path}.tmp' (FORMAT parquet)")
    # the outcome depends on the ratings, so the analysis has something to find
    outcome = " + ".join(f"{0.1 + i / 40:.3f} * coalesce(a{i}, 3)" for i in range(1, 13))
    con.execute(
        f"COPY (SELECT *, least(10, greatest(0, round(({outcome}) / 2.5 + random() * 2)))::INT AS ltr "
        f"FROM read_parquet('{path}.tmp')) TO '{path}' (FORMAT parquet)"
    )
    Path(f"{path}.tmp").unlink()
    return path


def project_for(path: Path, outcome_scale: bool = False):
    from cxspec.registry import default_registry
    from cxspec.validate import validate_project

    folder = path.parent.parent
    (folder / "cxspec.yaml").write_text("version: 1\nproject: bench\n", encoding="utf-8")
    drivers = "\n".join(f"      - {{name: a{i}, column: a{i}, scale: [1, 5]}}" for i in range(1, DRIVERS + 1))
    (folder / "drivers.yaml").write_text(
        "version: 1\nsources:\n  - {id: ratings, type: file, path: data/" + path.name + ", entity: id}\n"
        "drivers:\n  - id: bench\n    source: ratings\n    outcome: ltr\n"
        + ("    outcome_scale: [0, 10]\n" if outcome_scale else "")
        + f"    drivers:\n{drivers}\n",
        encoding="utf-8",
    )
    result = validate_project(folder, default_registry())
    assert result.ok, result.diagnostics
    return result.project, default_registry()


def _moments_sql(path: Path, cast: str, *, buckets: bool = True, packed: bool = False) -> str:
    """The moments scan written by hand: count, 13 sums and 91 cross-products of the columns
    cast to `cast`, complete cases on their scales, GROUP BY 20 buckets of the key (or none).
    `packed`: two terms per SUM, the second shifted 32 bits (BIGINT lanes)."""
    names = ["ltr"] + [f"a{i}" for i in range(1, DRIVERS + 1)]
    try_cast = "TRY_CAST" if cast in ("SMALLINT", "TINYINT") else "CAST"
    columns = ", ".join(f"{try_cast}({c} AS {cast}) AS v{i}" for i, c in enumerate(names))
    if buckets:
        columns += ", abs(id) % 20 AS b"
    complete = " AND ".join(
        ["v0 IS NOT NULL AND v0 BETWEEN 0 AND 10"]
        + [f"v{i} IS NOT NULL AND v{i} BETWEEN 1 AND 5" for i in range(1, len(names))]
    )
    terms = [f"v{i}" for i in range(len(names))]
    terms += [f"v{i} * v{j}" for i in range(len(names)) for j in range(i, len(names))]
    if packed:
        sums = [
            f"sum({terms[k]} + ({terms[k + 1]} << 32))" if k + 1 < len(terms) else f"sum({terms[k]})"
            for k in range(0, len(terms), 2)
        ]
    else:
        sums = [f"sum({t})" for t in terms]
    head = "b, " if buckets else ""
    tail = " GROUP BY b" if buckets else ""
    rows = f"(SELECT {columns} FROM '{path}')"
    return f"SELECT {head}count(*), {', '.join(sums)} FROM {rows} WHERE {complete}{tail}"


def _cases_sql(path: Path) -> str:
    """The complete cases themselves (what the numpy path fetches): DOUBLE values, the bucket."""
    inner = _moments_sql(path, "DOUBLE")
    columns = inner[len("SELECT b, ") : inner.index(" FROM")]
    rows = inner[inner.index(" FROM") :]
    assert columns.startswith("count(*)")
    return f"SELECT *{rows.removesuffix(' GROUP BY b')}"


def options(path: Path, repeats: int, baseline_sql: str) -> None:
    """Variants of the moments scan alone, in DuckDB SQL, against the plain scan (medians);
    and what the numpy path's fetch costs before any sum: the complete cases counted (the
    filter alone), and fetched as Arrow batches."""
    cases = _cases_sql(path)
    variants = {
        "plain aggregate scan (13 averages)": baseline_sql,
        "DOUBLE, 20 buckets (the SQL moments)": _moments_sql(path, "DOUBLE"),
        "DOUBLE, no buckets (no intervals)": _moments_sql(path, "DOUBLE", buckets=False),
        "INTEGER columns, no casts to DOUBLE": _moments_sql(path, "INTEGER"),
        "SMALLINT columns (TRY_CAST)": _moments_sql(path, "SMALLINT"),
        "BIGINT, 2 terms packed per SUM (53 sums)": _moments_sql(path, "BIGINT", packed=True),
        "complete cases counted (the filter alone)": f"SELECT count(*) FROM ({cases})",
        "complete cases fetched as Arrow, no sums": cases,
    }
    con = duckdb.connect()

    def run(name, sql):
        if name.startswith("complete cases fetched"):
            for _ in con.sql(sql).to_arrow_reader(65_536):
                pass
        else:
            con.execute(sql).fetchall()

    times: dict[str, list[float]] = {name: [] for name in variants}
    used: dict[str, list[float]] = {name: [] for name in variants}
    for name, sql in variants.items():
        run(name, sql)  # warm
    for _ in range(repeats):
        for name, sql in variants.items():
            start, cpu = time.perf_counter(), _cpu()
            run(name, sql)
            times[name].append(time.perf_counter() - start)
            used[name].append(_cpu() - cpu)
    base = statistics.median(times["plain aggregate scan (13 averages)"])
    base_cpu = statistics.median(used["plain aggregate scan (13 averages)"])
    print("moments scan variants (DuckDB only, no Python algebra), medians:")
    for name, values in times.items():
        median, cpu = statistics.median(values), statistics.median(used[name])
        print(
            f"  {name:42s} {median:7.3f} s  {median / base:5.2f}x   cpu {cpu:6.3f} s  {cpu / base_cpu:5.2f}x"
        )


def _cpu() -> float:
    times = os.times()
    return times.user + times.system


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=10_000_000)
    parser.add_argument("--repeats", type=int, default=5)
    parser.add_argument("--quick", action="store_true")
    parser.add_argument("--options", action="store_true", help="also time variants of the moments scan")
    parser.add_argument(
        "--outcome-scale",
        action="store_true",
        help="declare the outcome's 0-10 scale (its values then go over as one byte, as the drivers')",
    )
    args = parser.parse_args()
    if args.quick:
        args.rows, args.repeats = 1_000_000, 3
    from cxspec.drivers import compute
    from cxspec.query import connect

    path = ensure_file(args.rows)
    project, registry = project_for(path, args.outcome_scale)
    averages = ", ".join(f"avg(a{i})" for i in range(1, DRIVERS + 1))
    baseline_sql = f"SELECT count(*), avg(ltr), {averages} FROM '{path}'"
    numpy_from = compute.NUMPY_FROM_ROWS
    # the file's every column: the analysis also reads `id` (its jackknife buckets)
    whole_sql = f"SELECT count(*), avg(id), avg(ltr), {averages} FROM '{path}'"
    runs = {
        "plain aggregate scan": None,
        "scan of every column": "whole",
        "drivers analysis": numpy_from,
        "drivers, SQL moments": "sql",
    }
    wall: dict[str, list[float]] = {name: [] for name in runs}
    cpu: dict[str, list[float]] = {name: [] for name in runs}
    with connect("duckdb:///:memory:", project, registry) as wh:
        compute.compute_drivers(wh, project, registry)  # warm: file metadata, imports
        for _ in range(args.repeats):
            for name, moments_in in runs.items():
                compute.NUMPY_FROM_ROWS = None if moments_in == "sql" else numpy_from
                start, used = time.perf_counter(), _cpu()
                if moments_in in (None, "whole"):
                    wh.execute(baseline_sql if moments_in is None else whole_sql)
                else:
                    outcome = compute.compute_drivers(wh, project, registry)
                    assert not [d for d in outcome.diagnostics if d.severity.value == "error"], (
                        outcome.diagnostics
                    )
                wall[name].append(time.perf_counter() - start)
                cpu[name].append(_cpu() - used)
        compute.NUMPY_FROM_ROWS = numpy_from
    n = outcome.results[0].n
    b, c = statistics.median(wall["plain aggregate scan"]), statistics.median(cpu["plain aggregate scan"])
    print(f"{git_state()}; load average {load_average()}")
    scale = ", outcome_scale [0, 10]" if args.outcome_scale else ""
    print(
        f"{args.rows:,} rows, {DRIVERS} drivers{scale}, {n:,} complete cases, "
        f"{args.repeats} repeats (medians)"
    )
    for name in runs:
        d, u = statistics.median(wall[name]), statistics.median(cpu[name])
        print(f"  {name:22s} {d:7.3f} s  {d / b:5.2f}x the scan   cpu {u:7.3f} s  {u / c:5.2f}x")
    print("  target: drivers analysis <= 2x the scan")
    d, u = statistics.median(wall["drivers analysis"]), statistics.median(cpu["drivers analysis"])
    w, v = statistics.median(wall["scan of every column"]), statistics.median(cpu["scan of every column"])
    print(f"  (against the scan of every column of the file, id too: {d / w:.2f}x, cpu {u / v:.2f}x)")
    sys.stdout.flush()
    if args.options:
        options(path, args.repeats, baseline_sql)


if __name__ == "__main__":
    main()
