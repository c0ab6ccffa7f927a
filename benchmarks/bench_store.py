"""Time storing a run's results: ten years at day grain x 100 metrics (365,200 result rows),
and measure the reports made from them.

    python benchmarks/bench_store.py [--engines duckdb sqlite postgres] [--repeats 3]
                                     [--years 10] [--metrics 100] [--postgres URL] [--no-reports]

Measures cxspec.runs.store.store() alone (what `cxspec run` does after computing): the rows
staged with the engine's bulk path (Warehouse.insert_rows), the period's old rows deleted,
results inserted with goal status, every pyramid node scored, in one transaction. Each repeat
stores into a fresh database file (PostgreSQL: fresh tables), so it measures a first run.
PostgreSQL runs on a throwaway server (tests/pgserver.py) unless --postgres names one.

Then (unless --no-reports) reads the results back from the first engine's last database, as
`cxspec report` does, and prints the size and time of report.html and report.json, whole and
with `--periods 90`.

Prints the median and every repeat per engine. Exit 0 whenever it could measure.
"""

from __future__ import annotations

import argparse
import datetime as dt
import statistics
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from cxspec import load_project  # noqa: E402
from cxspec.query import MetricResult, connect  # noqa: E402
from cxspec.registry import default_registry  # noqa: E402
from cxspec.runs.fingerprint import metric_definition_hash, spec_hash  # noqa: E402
from cxspec.runs.store import RunInfo, store  # noqa: E402


def write_project(folder: Path, metrics: int) -> Path:
    """A project of `metrics` metrics (NPS, mean, rate in turn), goals on a third of them and
    one pyramid over all, grouped by ten: the shapes a run stores and scores."""
    kinds = ["{{id: m{i:03d}, type: nps, source: r, column: score}}",
             "{{id: m{i:03d}, type: mean, source: r, column: score}}",
             '{{id: m{i:03d}, type: rate, source: r, condition: "score >= 9"}}']  # fmt: skip
    lines = ["version: 1", "sources:", "  - {id: r, type: file, path: data/r.csv, time: t, key: id}"]
    lines += ["metrics:"]
    lines += [f"  - {kinds[i % 3].format(i=i)}" for i in range(metrics)]
    lines += ["goals:"] + [f"  - {{metric: m{i:03d}, target: 50, warn: 10}}" for i in range(0, metrics, 3)]
    lines += ["pyramids:", "  - id: cx-index", "    children:"]
    for group in range(0, metrics, 10):
        lines += [f"      - id: g{group:03d}", "        children:"]
        members = range(group, min(group + 10, metrics))
        lines += [f"          - {{metric: m{i:03d}, bounds: [0, 10]}}" for i in members]
    (folder / "specs.yaml").write_text("\n".join(lines) + "\n", encoding="utf-8")
    (folder / "cxspec.yaml").write_text("version: 1\nproject: bench\ngrain: day\n", encoding="utf-8")
    return folder


def results(metrics: int, years: int) -> list[MetricResult]:
    first = dt.date(2016, 1, 1)
    days = [(first + dt.timedelta(days=d)).isoformat() for d in range(round(years * 365.25))]
    return [
        MetricResult(f"m{i:03d}", day, {}, float((i * 7 + d) % 100) / 10, 100 + d % 50, d % 3, 0.5)
        for i in range(metrics)
        for d, day in enumerate(days)
    ]


def measure(url: str, project, registry, rows, info, definitions) -> float:
    with connect(url, project, registry) as warehouse:
        started = time.perf_counter()
        store(warehouse, project, registry, info, rows, definitions)
        return time.perf_counter() - started


def main() -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--engines", nargs="+", default=["duckdb", "sqlite", "postgres"])
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--years", type=int, default=10)
    parser.add_argument("--metrics", type=int, default=100)
    parser.add_argument("--postgres", help="a PostgreSQL URL (else a throwaway server)")
    parser.add_argument("--no-reports", action="store_true", help="time storing only")
    args = parser.parse_args()

    registry = default_registry()
    with tempfile.TemporaryDirectory() as work:
        (Path(work) / "project").mkdir()
        folder = write_project(Path(work) / "project", args.metrics)
        project = load_project(folder)
        rows = results(args.metrics, args.years)
        info = RunInfo("bench", spec_hash(project), "day", "2026-01-01 00:00:00")
        definitions = {m: metric_definition_hash(project, metric) for m, metric in project.metrics.items()}
        print(f"storing {len(rows):,} result rows ({args.years} years x day grain x {args.metrics} metrics)")
        server = None
        last_urls = []
        for engine in args.engines:
            times = []
            for repeat in range(args.repeats):
                if engine == "duckdb":
                    url = f"duckdb:///{work}/w{repeat}.duckdb"
                elif engine == "sqlite":
                    url = f"sqlite:///{work}/w{repeat}.db"
                else:
                    if server is None and not args.postgres:
                        sys.path.insert(0, str(ROOT / "tests"))
                        from pgserver import PostgresServer

                        server = PostgresServer()
                        server.start()
                    url = args.postgres or server.url
                    _drop_tables(url)
                times.append(measure(url, project, registry, rows, info, definitions))
            figures = ", ".join(f"{t:.2f}" for t in times)
            print(f"{engine:9} median {statistics.median(times):6.2f} s   (repeats: {figures})")
            last_urls.append(url)
        if last_urls and not args.no_reports:
            measure_reports(last_urls[0], project, registry)
        if server is not None:
            server.stop()
    return 0


def measure_reports(url: str, project, registry) -> None:
    """The reports `cxspec report` makes from what is stored: size and time of each."""
    from dataclasses import replace

    from cxspec.commands.run_cmd import render_report
    from cxspec.reports.data import build_model
    from cxspec.runs.run import stored_results
    from cxspec.runs.store import latest_periods

    started = time.perf_counter()
    stored = stored_results(project, registry, url)
    print(f"reports from {len(stored.results):,} stored rows (read in {time.perf_counter() - started:.1f} s)")
    for label, periods in (("all periods", None), ("--periods 90", 90)):
        shown = stored
        if periods:
            results, scores = latest_periods(stored.results, stored.scores, periods)
            shown = replace(stored, results=results, scores=scores)
        started = time.perf_counter()
        model = build_model(shown, registry)
        built = time.perf_counter() - started
        for fmt in ("html", "json"):
            started = time.perf_counter()
            size = len(render_report(model, fmt, registry, project=project).encode("utf-8"))
            took = time.perf_counter() - started
            line = f"  {label:13} report.{fmt:4} {size / 1e6:8.2f} MB  in {took:5.1f} s"
            print(f"{line} (+ model {built:.1f} s)")


def _drop_tables(url: str) -> None:
    import psycopg

    with psycopg.connect(url, autocommit=True) as connection:
        for name in ("cxspec_results", "cxspec_scores", "cxspec_layout"):
            connection.execute(f'DROP TABLE IF EXISTS "{name}"')  # the benchmark's own SQL


if __name__ == "__main__":
    sys.exit(main())
