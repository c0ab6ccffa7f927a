"""Time the pyramid scores' SQL with exact sums (sqlkit.exact_sum: DECIMAL) against the plain
sums of doubles it replaced, and count the scores whose bits change with DuckDB's threads.

    python benchmarks/bench_scores.py [--years 10] [--metrics 100] [--repeats 5]

The results of bench_store.py (ten years at day grain x 100 metrics, 365,200 rows, one
pyramid of ten groups of ten), their values given 12 irregular digits, are stored once into
a DuckDB file; then the SELECT that scores every pyramid node for every period (3,652
periods x 111 nodes) runs, interleaved,
with each way of summing, on 4 threads, and once more on 1 thread. Printed: the median
seconds of each way (and every repeat), and per way the rows whose score or coverage is
not the same double on 1 and on 4 threads (0 is what exact sums are for).

Exit 0, or 1 if the two ways' scores differ by more than 1e-9.
"""

from __future__ import annotations

import argparse
import math
import statistics
import sys
import tempfile
import time
from dataclasses import replace
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "benchmarks"))


from bench_store import results, write_project  # noqa: E402
from sqlglot import exp  # noqa: E402

from cxspec import load_project  # noqa: E402
from cxspec.compiler.sqlkit import double  # noqa: E402
from cxspec.query import connect  # noqa: E402
from cxspec.registry import default_registry  # noqa: E402
from cxspec.runs import scoring  # noqa: E402
from cxspec.runs.fingerprint import metric_definition_hash, spec_hash  # noqa: E402
from cxspec.runs.grain_rows import leaf_results  # noqa: E402
from cxspec.runs.store import RESULTS, RunInfo, store  # noqa: E402

WAYS = {"exact": scoring.exact_sum, "doubles": lambda e: double(exp.Sum(this=e))}


def irregular(row, k: int):
    """bench_store's row with a value of 12 irregular digits (its own are tenths, whose
    sums of doubles come out the same in any order)."""
    return replace(row, value=float(f"{row.value + math.sin(k) / 7:.12g}"))


def scores_sql(project, registry, periods: list[str], way: str) -> str:
    """The SELECT a run's store makes (store._insert_scores), summing `way`."""
    scoring.exact_sum = WAYS[way]
    try:
        found = leaf_results(project, exp.to_table(RESULTS), "bench", periods, segments=True)
        query = scoring.scores_query(
            scoring.pyramid_shape(project, registry), exp.Subquery(this=found), segments=True
        )
    finally:
        scoring.exact_sum = WAYS["exact"]
    return query.sql(dialect="duckdb")


def main() -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--years", type=int, default=10)
    parser.add_argument("--metrics", type=int, default=100)
    parser.add_argument("--repeats", type=int, default=5)
    args = parser.parse_args()
    registry = default_registry()
    with tempfile.TemporaryDirectory() as work:
        (Path(work) / "project").mkdir()
        project = load_project(write_project(Path(work) / "project", args.metrics))
        rows = [irregular(r, k) for k, r in enumerate(results(args.metrics, args.years))]
        info = RunInfo("bench", spec_hash(project), "day", "2026-01-01 00:00:00")
        definitions = {m: metric_definition_hash(project, metric) for m, metric in project.metrics.items()}
        with connect(f"duckdb:///{work}/w.duckdb", project, registry) as warehouse:
            store(warehouse, project, registry, info, rows, definitions)
            con = warehouse.connection
            periods = sorted({r.period for r in rows})
            sql = {way: scores_sql(project, registry, periods, way) for way in WAYS}
            print(f"scoring {len(periods):,} periods x {len(project.metrics)} metrics ({len(rows):,} rows)")
            times: dict[str, list[float]] = {way: [] for way in WAYS}
            out: dict[tuple[str, int], list] = {}
            con.execute("SET threads = 4")
            for _ in range(args.repeats):
                for way in WAYS:
                    started = time.perf_counter()
                    out[(way, 4)] = con.execute(sql[way]).fetchall()
                    times[way].append(time.perf_counter() - started)
            con.execute("SET threads = 1")
            for way in WAYS:
                out[(way, 1)] = con.execute(sql[way]).fetchall()
        for way in WAYS:
            figures = ", ".join(f"{t:.2f}" for t in times[way])
            changed = len(set(out[(way, 1)]) ^ set(out[(way, 4)])) // 2
            print(
                f"{way:8} median {statistics.median(times[way]):5.2f} s (repeats: {figures}); "
                f"{changed:,} of {len(out[(way, 1)]):,} rows not the same bits on 1 and 4 threads"
            )
        worst = max(
            abs(a[5] - b[5])
            for a, b in zip(out[("exact", 1)], out[("doubles", 1)], strict=True)
            if a[5] is not None
        )
        print(f"largest difference between the two ways' scores: {worst:.2e}")
    return 0 if worst <= 1e-9 else 1


if __name__ == "__main__":
    sys.exit(main())
