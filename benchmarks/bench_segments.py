"""Time `cxspec run` with `segments: [region, [region, channel]]` against the same run without
segments: 10M survey rows x 100 metrics on DuckDB (issue 14, Performance: at most 1.5x).

    python benchmarks/bench_segments.py [--rows 10000000] [--repeats 3] [--hand]

Data and metrics: those of bench_execute.py (its Parquet file, reused when present; its
100-metric project), plus a dimension `region` (10 values, an `expr` over the customer id).
Two projects differ only in `segments:` of cxspec.yaml. Measured, interleaved, medians:

  compute   cxspec.query.compute() of the run's request (compile + execute + typed results):
            the one read of the source that computes the total and every segment
  run       cxspec.runs.run.run_project() into a fresh DuckDB file: compute, store (every
            segment row, goal status, pyramid scores), the history read, issues
  hand      (--hand) the best hand-written DuckDB statement we found for the same numbers
            (hand_written(); checked equal to cxspec's, every row): the floor of `compute`

Printed per measure: the wall time and the process's CPU time (all threads), medians.

Both pause cyclic garbage collection themselves, as `cxspec` does (cxspec.gcpause). The two
projects are separate directories sharing only the Parquet file (hard link).

Before timing, the totals of both projects are checked equal (value, n to 1e-9). Exit 0
always, 1 if they differ.
"""

from __future__ import annotations

import argparse
import re
import statistics
import sys
import tempfile
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))
sys.path.insert(0, str(HERE.parent))

from bench_compile import check_code_state, code_state  # noqa: E402
from bench_execute import (  # noqa: E402
    PERIOD,
    SOURCE,
    TIME_KNOWN,
    connect,
    count_fields,
    differences,
    ensure_data,
    metric_set,
    row_flags,
    write_project,
)
from bench_validate import load_average  # noqa: E402

from cxspec import load_project  # noqa: E402
from cxspec.query import Request, compute, iso_day  # noqa: E402
from cxspec.registry import default_registry  # noqa: E402
from cxspec.runs.run import run_project  # noqa: E402

SEGMENTS = "segments: [region, [region, channel]]\n"
REGION = "{name: region, expr: \"'R' || right(customer_id, 1)\"}"
TARGET = 1.5


def projects(rows: int) -> tuple[Path, Path]:
    base = write_project(ensure_data(rows), 100, False)
    spec = base / "specs" / "programme.yaml"
    text = spec.read_text(encoding="utf-8")
    plain = "dimensions: [channel, touchpoint, survey]"
    if REGION not in text:
        text = text.replace(plain, plain[:-1] + ", " + REGION + "]")
        spec.write_text(text, encoding="utf-8")
    segmented = base.parent / (base.name + "-segments")
    if segmented.exists():
        import shutil

        shutil.rmtree(segmented)
    import shutil

    shutil.copytree(base, segmented, symlinks=False, copy_function=_link)
    config = segmented / "cxspec.yaml"
    config.write_text(config.read_text(encoding="utf-8") + SEGMENTS, encoding="utf-8")
    return base, segmented


def _link(src, dst):
    """Hard-link the data, copy the rest: a hard-linked cxspec.yaml would get `segments:` in
    both projects (the base run was segmented too until this was found)."""
    import os
    import shutil

    if not str(src).endswith(".parquet"):
        return shutil.copy2(src, dst)
    try:
        os.link(src, dst)
    except OSError:
        shutil.copyfile(src, dst)


# ---------------------------------------------------------------------------------------------
# The floor: the same numbers by hand-written DuckDB SQL (`--hand`), one statement each.

#: The region's key: the code of the customer id's last character (an integer hashes faster
#: than a text: 0.40 s against 0.46 s of CPU for the first level at 2M rows); 'R' || chr(key)
#: is made per result group, not per row (NULL stays NULL).
HAND_KEY = "ord(right(customer_id, 1))"


def level1_aggregates() -> dict[str, str]:
    """bench_execute's per-row flags as aggregates of the rows: count(CASE WHEN condition
    THEN 1 END) for a 0/1 flag (0 for a group where the condition is never true: DuckDB's
    count_if is NULL where it is NULL on every row), sum() of the others."""
    aggregates = {}
    for name, expr in row_flags().items():
        flag = re.fullmatch(r"CASE WHEN (.*) THEN 1 ELSE 0 END", expr)
        aggregates[name] = f"count(CASE WHEN {flag.group(1)} THEN 1 END)" if flag else f"sum({expr})"
    return aggregates


def _families(metrics: list[dict]) -> list[tuple[str, str, str | None, list[str]]]:
    """(id prefix or id, kind, predicate, touch points): the per-touch-point metrics of a kind
    as one family computed by one GROUP BY over the touch point; the others one by one."""
    families: dict[str, list[str]] = {}
    single = []
    for metric in metrics:
        tp = metric.get("touchpoint") or (
            metric.get("filter", "")[len("touchpoint = '") : -1]
            if metric.get("filter", "").startswith("touchpoint = '")
            else None
        )
        if tp and metric["id"] == f"{metric['id'].split('_')[0]}_{tp}":
            families.setdefault(metric["kind"], []).append(tp)
        else:
            single.append((metric["id"], metric["kind"], metric["predicate"], []))
    prefix = {"nps": "nps_", "top": "csat_", "mean": "ces_"}
    return single + [(prefix[kind], kind, None, tps) for kind, tps in families.items()]


def hand_written(metrics: list[dict], segments: bool) -> str:
    """The best one statement we found for the numbers cxspec computes: a first level of
    counts and sums by period, channel, touch point, survey (and the region's key); the same
    without the survey (only two metrics filter on it); one GROUPING SETS pass over that by
    touch point for the 95 metrics per touch point, one by period for the totals of all touch
    points, one per filtered metric; then value, n, invalid and moe. Output: metric, period,
    region, channel, g_region, g_channel, value, n, invalid, moe (g_…: 1 where the dimension
    is not in the row's set)."""
    aggregates = level1_aggregates()
    sums = ", ".join(["sum(n_rows) AS n_rows"] + [f"sum({name}) AS {name}" for name in aggregates])
    key = f", {HAND_KEY} AS region_key" if segments else ""
    dims = "period, channel, touchpoint, survey" + (", region_key" if segments else "")
    level1 = (
        f"SELECT {PERIOD} AS period, channel, touchpoint, survey{key}, count(*) AS n_rows, "
        + ", ".join(f"{expr} AS {name}" for name, expr in aggregates.items())
        + f" FROM {SOURCE} WHERE {TIME_KNOWN} GROUP BY {dims}"
    )
    fine_dims = "period, channel, touchpoint" + (", region_key" if segments else "")
    fine = f"SELECT {fine_dims}, {sums} FROM level1 GROUP BY {fine_dims}"
    sets = ["", ", region_key", ", region_key, channel"] if segments else [""]
    if segments:
        region = "'R' || chr(region_key) AS region, channel, GROUPING(region_key) AS g_region, "
        region += "GROUPING(channel) AS g_channel"
    else:
        region = "NULL AS region, NULL AS channel, 1 AS g_region, 1 AS g_channel"
    passes: dict[tuple, str] = {}

    def grouped(by: str, where: str | None) -> str:
        """The name of the pass that groups by `by` and the sets (rows matching `where`)."""
        table = "level1" if where and "survey" in where else "fine"
        return passes.setdefault((table, by, where), f"g{len(passes)}")

    branches = []
    for name, kind, predicate, tps in _families(metrics):
        fields = count_fields({"kind": kind})
        metric = f"'{name}' || touchpoint" if tps else f"'{name}'"
        columns = [f"{metric} AS metric", f"'{kind}' AS kind", "period, region, channel, g_region, g_channel"]
        columns += ["n_rows AS rows"] + [f"{flag or 'NULL'} AS {n}" for n, flag in fields.items()]
        table = grouped("touchpoint, period" if tps else "period", predicate)
        where = f" WHERE touchpoint IN ({', '.join(repr(t) for t in tps)})" if tps else ""
        branches.append(f"SELECT {', '.join(columns)} FROM {table}{where}")
    ctes = [f"level1 AS MATERIALIZED (\n{level1}\n)", f"fine AS MATERIALIZED (\n{fine}\n)"]
    for (table, by, where), name in passes.items():
        ctes.append(
            f"{name} AS MATERIALIZED (SELECT {by}, {region}, {sums} FROM {table}"
            + (f" WHERE {where}" if where else "")
            + " GROUP BY GROUPING SETS ("
            + ", ".join(f"({by}{s})" for s in sets)
            + "))"
        )
    return "WITH " + ",\n".join(ctes) + "\n" + HAND_FINAL.format(counts="\nUNION ALL ".join(branches))


HAND_FINAL = """
SELECT metric, period, region, channel, g_region, g_channel,
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
  SELECT metric, kind, period, region, channel, g_region, g_channel, rows, CAST(n AS DOUBLE) AS n,
    CAST(a AS DOUBLE) AS a, CAST(b AS DOUBLE) AS b, CAST(s AS DOUBLE) AS s, CAST(q AS DOUBLE) AS q,
    invalid
  FROM ({counts})
)
WHERE rows > 0
"""


def hand_results(rows) -> dict:
    """{(metric, period, dimensions as sorted pairs): (value, n, invalid, moe)} of hand rows."""
    out = {}
    for metric, period, region, channel, g_region, g_channel, value, n, invalid, moe in rows:
        dims = {} if g_region else {"region": region}
        if not g_channel:
            dims["channel"] = channel
        out[(metric, iso_day(period), tuple(sorted(dims.items())))] = (value, n, invalid, moe)
    return out


def cxspec_results(results) -> dict:
    return {
        (r.metric, r.period, tuple(sorted(r.dimensions.items()))): (r.value, r.n, r.invalid, r.moe)
        for r in results
    }


def fmt(values: list[float]) -> str:
    return "/".join(f"{v:.1f}" for v in values)


def timed(fn) -> tuple[float, float]:
    """(wall seconds, CPU seconds of the process: every DuckDB thread's too). On a shared
    machine the CPU time varies much less than the wall time."""
    started, cpu = time.perf_counter(), time.process_time()
    fn()
    return time.perf_counter() - started, time.process_time() - cpu


def main(argv=None) -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--rows", type=int, default=10_000_000)
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument(
        "--hand",
        action="store_true",
        help="also time the best hand-written DuckDB statement for the same numbers (the floor)",
    )
    args = parser.parse_args(argv)
    state = code_state()
    print(f"code: {state}\nload average at start: {load_average()}", flush=True)
    registry = default_registry()
    folders = dict(zip(("base", "segments"), projects(args.rows), strict=True))
    base, segmented = (load_project(p) for p in folders.values())
    assert segmented.segments == [("region",), ("region", "channel")], segmented.segments
    assert not base.segments, base.segments
    requests = {
        "base": (base, Request()),
        "segments": (segmented, Request(segments=tuple(segmented.segments))),
    }
    results = {name: compute(project, request, registry) for name, (project, request) in requests.items()}
    totals = {
        name: {(r.metric, r.period): (r.value, r.n) for r in rows if not r.dimensions}
        for name, rows in results.items()
    }
    same = totals["base"].keys() == totals["segments"].keys() and all(
        (a[0] is None and b[0] is None) or abs(a[0] - b[0]) <= 1e-9 and a[1] == b[1]
        for a, b in ((totals["base"][k], totals["segments"][k]) for k in totals["base"])
    )
    print(
        f"rows: base {len(results['base']):,}, with segments {len(results['segments']):,}; "
        f"totals equal: {same}"
    )
    hand = {}
    if args.hand:
        metrics = metric_set(100)
        hand = {name: hand_written(metrics, name == "segments") for name in requests}
        for name, sql in hand.items():
            wrong = differences(cxspec_results(results[name]), hand_results(run_sql(folders[name], sql)))
            print(
                f"hand-written, {name}: " + ("the same numbers as cxspec" if not wrong else "; ".join(wrong))
            )
            same = same and not wrong
    times: dict[tuple[str, str], list[tuple[float, float]]] = {}
    with tempfile.TemporaryDirectory() as tmp:
        for repeat in range(args.repeats):
            for name, (project, request) in requests.items():
                times.setdefault(("compute", name), []).append(
                    timed(lambda p=project, r=request: compute(p, r, registry))
                )
                url = f"duckdb:///{tmp}/{name}-{repeat}.duckdb"
                times.setdefault(("run", name), []).append(
                    timed(lambda p=project, u=url: run_project(p, registry, u))
                )
                if hand:
                    times.setdefault(("hand", name), []).append(
                        timed(lambda f=folders[name], q=hand[name]: run_sql(f, q))
                    )
    check_code_state(state)
    print(
        f"\n{args.rows:,} rows x 100 metrics, medians of {args.repeats} (seconds); "
        f"load average at end: {load_average()}"
    )
    print(f"{'':12} {'no segments':>12} {'segments':>10} {'ratio':>7}")
    for what in ("compute", "run") + (("hand",) if hand else ()):
        for clock, kind in ((0, "wall"), (1, "cpu")):
            base_times = [t[clock] for t in times[(what, "base")]]
            segment_times = [t[clock] for t in times[(what, "segments")]]
            a, b = statistics.median(base_times), statistics.median(segment_times)
            print(f"{what + ' ' + kind:12} {a:12.2f} {b:10.2f} {b / a:6.2f}x")
            print(f"{'':12} {fmt(base_times):>12} {fmt(segment_times):>10}")
    if hand:
        for clock, kind in ((0, "wall"), (1, "cpu")):
            ours, floor = (
                statistics.median(t[clock] for t in times[(what, "segments")]) for what in ("compute", "hand")
            )
            print(f"segmented compute / hand-written segmented, {kind}: {ours / floor:.2f}x")
    return 0 if same else 1


def run_sql(folder: Path, sql: str) -> list[tuple]:
    """The statement's rows on a fresh connection (as compute() opens one), in the project."""
    con = connect(folder)
    try:
        return con.execute(sql).fetchall()
    finally:
        con.close()


if __name__ == "__main__":
    sys.exit(main())
