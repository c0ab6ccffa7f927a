"""The cost of typing a CSV file's columns from every value (cxspec/column_types.py).

Writes a survey-like CSV (id, time with offset, channel, NPS, CSAT, a yes/no flag, a comment)
of 1M rows, then prints medians of: DuckDB reading it with its own type detection (a count
over every column), the typing pass alone, and an NPS query over the typed read against the
same query over DuckDB's own read.

    python benchmarks/bench_typing.py            # 1M rows, 5 repeats
    python benchmarks/bench_typing.py --rows 200000 --repeats 3
"""

from __future__ import annotations

import argparse
import random
import statistics
import tempfile
import time
from pathlib import Path

import duckdb
from sqlglot import exp

from cxspec import column_types


def write_csv(path: Path, rows: int) -> None:
    rng = random.Random(7)
    channels = ["web", "phone", "chat", "store"]
    with path.open("w", encoding="utf-8") as out:
        out.write("response_id,responded_at,channel,nps,csat,resolved,comment\n")
        for i in range(rows):
            day, hour = 1 + i % 28, i % 24
            offset = "+02:00" if i % 3 else "Z"
            comment = "" if i % 5 else f'"fine, thanks {i % 97}"'
            out.write(
                f"{i},2026-03-{day:02d}T{hour:02d}:15:00{offset},{channels[i % 4]},"
                f"{rng.randint(0, 10)},{rng.randint(1, 5)},{'yes' if i % 2 else 'no'},{comment}\n"
            )


def median_seconds(run, repeats: int) -> float:
    times = []
    for _ in range(repeats):
        start = time.perf_counter()
        run()
        times.append(time.perf_counter() - start)
    return statistics.median(times)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=1_000_000)
    parser.add_argument("--repeats", type=int, default=5)
    args = parser.parse_args()
    folder = Path(tempfile.mkdtemp(prefix="cxspec-typing-"))
    write_csv(folder / "r.csv", args.rows)
    size = (folder / "r.csv").stat().st_size / 1e6
    reader = exp.Anonymous(this="read_csv", expressions=[exp.Literal.string("r.csv")])
    con = duckdb.connect()
    con.execute("SET TimeZone = 'UTC'")
    con.execute("SET file_search_path = ?", [str(folder)])

    def typing_pass():
        column_types._cache.clear()
        return column_types.file_types(folder, "r.csv", reader, None)

    types = typing_pass()
    typed = column_types.typed_reader(reader, types).sql("duckdb")
    nps = (
        "SELECT date_trunc('month', responded_at) AS m, 100.0 * (count_if(nps >= 9) - count_if(nps <= 6))"
        " / count(nps) FROM {} AS s GROUP BY 1"
    )
    every_column = "SELECT count(*), count(response_id), count(responded_at), count(channel), count(nps), "
    every_column += "count(csat), count(resolved), count(comment) FROM {} AS s"
    figures = {
        "DuckDB's own read, every column": lambda: con.execute(
            every_column.format("read_csv('r.csv')")
        ).fetchall(),
        "typing pass (whole file)": typing_pass,
        "typed read, every column": lambda: con.execute(every_column.format(typed)).fetchall(),
        "NPS by month, DuckDB's own read": lambda: con.execute(nps.format("read_csv('r.csv')")).fetchall(),
        "NPS by month, typed read": lambda: con.execute(nps.format(typed)).fetchall(),
    }
    print(f"{args.rows:,} rows, {size:.0f} MB, median of {args.repeats}")
    for name, run in figures.items():
        print(f"  {name:<36} {median_seconds(run, args.repeats):7.3f} s")
    print("  types:", ", ".join(f"{c.name} {c.type}" for c in types.columns))


if __name__ == "__main__":
    main()
