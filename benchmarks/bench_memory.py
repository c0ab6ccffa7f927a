"""Peak memory of `cxspec run` over 100M rows of Parquet on DuckDB.

    python benchmarks/bench_memory.py [--rows 100000000] [--dir /tmp/cxspec-bench-memory] [--keep]

Generates time-ordered survey responses (hash-generated, as the other benchmarks' data: two
years, six channels, NPS, CSAT and CES scores) into Parquet files, writes a project of 12
metrics by month (NPS, CSAT top-2, mean CES, counts, a p90 and per-channel NPS), and runs
`cxspec run` on it as a child process storing into a DuckDB file. Prints the rows, the run's
wall time and the peak resident memory (RSS) of the whole cxspec process, then deletes the
generated data (unless --keep). Needs about 1.5 GB of disk per 100M rows: check `df -h`.
"""

from __future__ import annotations

import argparse
import os
import shutil
import subprocess
import sys
import time
from pathlib import Path

SPECS = """version: 1
sources:
  - id: responses
    type: file
    path: data/responses.parquet
    time: responded_at
    dimensions:
      - {name: channel}
metrics:
  - {id: nps, type: nps, source: responses, column: nps}
  - {id: csat, type: csat, source: responses, column: csat}
  - {id: ces, type: mean, source: responses, column: ces, direction: lower_is_better}
  - {id: responses_count, type: count, source: responses}
  - {id: p90_ces, type: percentile, source: responses, column: ces, percentile: 0.9}
CHANNEL_METRICS"""
CHANNELS = ("web", "app", "phone", "chat", "email", "store")


def specs() -> str:
    lines = [
        f"  - {{id: nps_{c}, type: nps, source: responses, column: nps, filter: \"channel = '{c}'\"}}\n"
        for c in CHANNELS
    ]
    return SPECS.replace("CHANNEL_METRICS", "".join(lines))


def generate(folder: Path, rows: int) -> None:
    import duckdb

    data = folder / "data"
    data.mkdir(parents=True, exist_ok=True)
    con = duckdb.connect()
    con.execute("SET TimeZone = 'UTC'")
    seconds = 730 * 86400
    first, per_file = 0, rows
    con.execute(
        f"""COPY (
          SELECT i AS response_id,
                 TIMESTAMP '2024-01-01' + to_seconds(CAST(i * {seconds} // {rows} AS BIGINT)) AS responded_at,
                 ['web','app','phone','chat','email','store'][CAST(1 + hash(i) % 6 AS BIGINT)] AS channel,
                 CAST(hash(i * 3) % 11 AS INTEGER) AS nps,
                 CAST(1 + hash(i * 5) % 5 AS INTEGER) AS csat,
                 CAST(1 + hash(i * 7) % 7 AS INTEGER) AS ces
          FROM range({first}, {first + per_file}) AS t(i)
        ) TO '{data / "responses.parquet"}' (FORMAT parquet)"""
    )
    con.close()
    (folder / "cxspec.yaml").write_text("version: 1\nproject: memory\ngrain: month\n", encoding="utf-8")
    (folder / "specs").mkdir(exist_ok=True)
    (folder / "specs" / "s.yaml").write_text(specs(), encoding="utf-8")


def measure(folder: Path) -> tuple[float, float, int]:
    """(seconds, peak RSS in bytes, exit code) of one `cxspec run` process."""
    command = [sys.executable, "-m", "cxspec", "run", str(folder), "--warehouse",
               f"duckdb:///{folder / 'results.duckdb'}", "--out", str(folder / "out"), "--quiet"]  # fmt: skip
    started = time.perf_counter()
    process = subprocess.Popen(command, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    _, status, usage = os.wait4(process.pid, 0)
    elapsed = time.perf_counter() - started
    stderr = process.stderr.read().decode() if process.stderr else ""
    code = os.waitstatus_to_exitcode(status)
    if code != 0:
        print(stderr, file=sys.stderr)
    return elapsed, usage.ru_maxrss * 1024, code  # ru_maxrss is in KiB on Linux


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=100_000_000)
    parser.add_argument("--dir", default="/tmp/cxspec-bench-memory")
    parser.add_argument("--keep", action="store_true", help="keep the generated data")
    args = parser.parse_args()
    folder = Path(args.dir)
    shutil.rmtree(folder, ignore_errors=True)
    try:
        started = time.perf_counter()
        generate(folder, args.rows)
        size = sum(p.stat().st_size for p in (folder / "data").glob("*.parquet"))
        print(
            f"generated {args.rows:,} rows ({size / 1e9:.2f} GB Parquet) "
            f"in {time.perf_counter() - started:.0f} s"
        )
        for name in ("CXSPEC_DUCKDB_MEMORY_LIMIT", "CXSPEC_DUCKDB_TEMP_DIRECTORY"):
            print(f"{name}={os.environ.get(name, '(unset)')}")
        elapsed, peak, code = measure(folder)
        print(
            f"cxspec run: exit {code}, {elapsed:.1f} s, peak RSS {peak / 2**30:.2f} GiB ({peak / 1e9:.2f} GB)"
        )
        return 0 if code == 0 and peak < 4e9 else 1
    finally:
        if not args.keep:
            shutil.rmtree(folder, ignore_errors=True)


if __name__ == "__main__":
    sys.exit(main())
