"""Time a value link (the sum of an amount in 180 days after each response) and an event link
(an end within 90 days) on DuckDB: the window join and the per-score aggregate, whose value
link sums each response's value less its score's mean (an average over a window of the joined
rows), not raw squares (cxspec/links/sql.py).

    python benchmarks/bench_links.py [--responses 1000000] [--repeats 5]
    python benchmarks/bench_links.py --quick          # 200,000 responses, 3 repeats

Parquet files of responses (a customer of 1/3 as many, a time in 2025, an NPS score) and of
orders and subscriptions (two orders per response, amounts about 1e9 differing by cents) are
written once into benchmarks/.work/links/ by DuckDB itself. Each repeat times `compute_links`
of each link with an explicit --as-of (wall and process CPU time). To compare two versions,
put an export of the older one first on the path (benchmarks/README.md, top). Prints medians;
exit 0 always. Figures: benchmarks/README.md, "Links".
"""

from __future__ import annotations

import argparse
import datetime as dt
import statistics
import sys
import time
from pathlib import Path

import duckdb

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))

from bench_validate import git_state, load_average  # noqa: E402

WORK = HERE / ".work" / "links"
AS_OF = dt.datetime(2026, 12, 31)


def ensure_files(responses: int) -> Path:
    folder = WORK / f"r{responses}"
    data = folder / "data"
    if (data / "orders.parquet").exists():
        return folder
    data.mkdir(parents=True, exist_ok=True)
    customers = max(1, responses // 3)
    con = duckdb.connect()
    con.execute("SELECT setseed(0.25)")
    con.execute(
        f"COPY (SELECT range AS response_id, range % {customers} AS customer_id, "
        "TIMESTAMP '2025-01-01' + to_seconds((random() * 365 * 86400)::BIGINT) AS responded_at, "
        f"floor(random() * 11)::INT AS nps FROM range({responses})) TO '{data / 'responses.parquet'}' "
        "(FORMAT parquet)"
    )
    con.execute(
        f"COPY (SELECT range AS order_id, range % {customers} AS customer_id, "
        "TIMESTAMP '2025-01-01' + to_seconds((random() * 540 * 86400)::BIGINT) AS ordered_at, "
        f"1e9 + round(random() * 100, 2) AS amount FROM range({2 * responses})) "
        f"TO '{data / 'orders.parquet'}' (FORMAT parquet)"
    )
    con.execute(
        f"COPY (SELECT range AS customer_id, TIMESTAMP '2024-01-01' AS started_at, "
        "CASE WHEN random() < 0.3 THEN TIMESTAMP '2025-01-01' + to_seconds((random() * 540 * 86400)::BIGINT) "
        f"END AS ended_at FROM range({customers})) TO '{data / 'subscriptions.parquet'}' (FORMAT parquet)"
    )
    return folder


def project_for(folder: Path):
    from cxspec.registry import default_registry
    from cxspec.validate import validate_project

    (folder / "cxspec.yaml").write_text("version: 1\nproject: bench-links\n", encoding="utf-8")
    (folder / "links.yaml").write_text(
        "version: 1\nsources:\n"
        "  - {id: responses, type: file, path: data/responses.parquet, time: responded_at, "
        "entity: customer_id, key: response_id}\n"
        "  - {id: orders, type: file, path: data/orders.parquet, time: ordered_at, entity: customer_id}\n"
        "  - {id: subscriptions, type: file, path: data/subscriptions.parquet, entity: customer_id, "
        "start: started_at, end: ended_at}\n"
        "links:\n"
        "  - id: value\n    cx: {source: responses, column: nps, groups: nps}\n"
        "    outcome: {source: orders, value: amount, within: 180d}\n"
        "  - id: event\n    cx: {source: responses, column: nps, groups: nps}\n"
        "    outcome: {source: subscriptions, event: end, within: 90d}\n",
        encoding="utf-8",
    )
    result = validate_project(folder, default_registry())
    assert result.ok, result.diagnostics
    return result.project, default_registry()


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--responses", type=int, default=1_000_000)
    parser.add_argument("--repeats", type=int, default=5)
    parser.add_argument("--quick", action="store_true")
    args = parser.parse_args()
    if args.quick:
        args.responses, args.repeats = 200_000, 3
    import cxspec
    from cxspec.links.compute import compute_links
    from cxspec.query import connect

    folder = ensure_files(args.responses)
    project, registry = project_for(folder)
    print(f"{git_state()}, cxspec from {Path(cxspec.__file__).parent}, load {load_average()}")
    print(f"{args.responses:,} responses, {2 * args.responses:,} orders, {args.repeats} repeats (medians)")
    times: dict[str, list[tuple[float, float]]] = {"value": [], "event": []}
    shown = {}
    with connect("duckdb:///:memory:", project, registry) as wh:
        for _ in range(args.repeats):
            for link in times:
                wall, cpu = time.perf_counter(), time.process_time()
                outcome = compute_links(wh, project, registry, [link], as_of=AS_OF)
                times[link].append((time.perf_counter() - wall, time.process_time() - cpu))
                shown[link] = outcome
    for link, pairs in times.items():
        wall = statistics.median(w for w, _ in pairs)
        cpu = statistics.median(c for _, c in pairs)
        groups = ", ".join(
            f"{g.group} {g.value:,.4f} ± {(g.upper - g.lower) / 2:.4f}" for g in shown[link].groups
        )
        print(f"{link} link: {wall:.3f} s wall, {cpu:.3f} s CPU   [{groups}]")


if __name__ == "__main__":
    main()
