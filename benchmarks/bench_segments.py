"""Time `cxspec run` with `segments: [region, [region, channel]]` against the same run without
segments: 10M survey rows x 100 metrics on DuckDB (issue 14, Performance: at most 1.5x).

    python benchmarks/bench_segments.py [--rows 10000000] [--repeats 3]

Data and metrics: those of bench_execute.py (its Parquet file, reused when present; its
100-metric project), plus a dimension `region` (10 values, an `expr` over the customer id).
Two projects differ only in `segments:` of cxspec.yaml. Measured, interleaved, medians:

  compute   cxspec.query.compute() of the run's request (compile + execute + typed results):
            the one read of the source that computes the total and every segment
  run       cxspec.runs.run.run_project() into a fresh DuckDB file: compute, store (every
            segment row, goal status, pyramid scores), read back, issues

Printed per measure: the wall time and the process's CPU time (all threads), medians.

Both pause cyclic garbage collection themselves, as `cxspec` does (cxspec.gcpause). The two
projects are separate directories sharing only the Parquet file (hard link).

Before timing, the totals of both projects are checked equal (value, n to 1e-9). Exit 0
always, 1 if they differ.
"""

from __future__ import annotations

import argparse
import statistics
import sys
import tempfile
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))
sys.path.insert(0, str(HERE.parent))

from bench_compile import check_code_state, code_state  # noqa: E402
from bench_execute import ensure_data, write_project  # noqa: E402
from bench_validate import load_average  # noqa: E402

from cxspec import load_project  # noqa: E402
from cxspec.query import Request, compute  # noqa: E402
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
    args = parser.parse_args(argv)
    state = code_state()
    print(f"code: {state}\nload average at start: {load_average()}", flush=True)
    registry = default_registry()
    base, segmented = (load_project(p) for p in projects(args.rows))
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
    check_code_state(state)
    print(
        f"\n{args.rows:,} rows x 100 metrics, medians of {args.repeats} (seconds); "
        f"load average at end: {load_average()}"
    )
    print(f"{'':12} {'no segments':>12} {'segments':>10} {'ratio':>7}")
    for what in ("compute", "run"):
        for clock, kind in ((0, "wall"), (1, "cpu")):
            base_times = [t[clock] for t in times[(what, "base")]]
            segment_times = [t[clock] for t in times[(what, "segments")]]
            a, b = statistics.median(base_times), statistics.median(segment_times)
            print(f"{what + ' ' + kind:12} {a:12.2f} {b:10.2f} {b / a:6.2f}x")
            print(f"{'':12} {fmt(base_times):>12} {fmt(segment_times):>10}")
    return 0 if same else 1


if __name__ == "__main__":
    sys.exit(main())
