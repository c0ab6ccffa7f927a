"""Work of a one-month run against a full run: `run --incremental` and `run --from`.

    python benchmarks/bench_incremental.py [--rows 10000000] [--repeats 3] [--dir DIR]

Two years (24 months) of time-ordered survey responses in one Parquet file (hash-generated),
24 metrics by month. Each repeat times, as whole processes, on DuckDB files:

- start-up: `cxspec validate` of the project (importing cxspec, loading the specs);
- a full run: `cxspec run`;
- an incremental run after the last month arrived: the results of a run over the first 23
  months are copied into place (not timed), the file gets its 24th month, `run --incremental`;
- a one-month run: `cxspec run --from` the last month's first day.

The work ratio is (one-month run − start-up) / (full run − start-up), of medians; the target
is at most 0.3. Python caches the bytecode of cxspec's modules in the scratch folder, as an
installed package has it (`--no-bytecode-cache`: as the environment says; with
PYTHONDONTWRITEBYTECODE=1 every process compiles the ~220 modules it imports, and a run
imports more than `validate`: about 0.3 s of each run counted as work). The stored results
after the incremental run must equal the full run's (every value, n, status and score): the
script exits 1 when they do not.
"""

from __future__ import annotations

import argparse
import os
import resource
import shutil
import statistics
import subprocess
import sys
import time
from pathlib import Path

CHANNELS = ("web", "app", "phone", "chat", "email", "store")
REGIONS = ("north", "south", "east")
AS_OF = "2026-01-15"


def specs() -> str:
    lines = [
        "version: 1",
        "sources:",
        "  - id: responses",
        "    type: file",
        "    path: data/responses.parquet",
        "    time: responded_at",
        "    dimensions: [{name: channel}, {name: region}]",
        "metrics:",
        "  - {id: nps, type: nps, source: responses, column: nps}",
        "  - {id: csat, type: csat, source: responses, column: csat}",
        "  - {id: ces, type: mean, source: responses, column: ces, direction: lower_is_better}",
        "  - {id: responses_count, type: count, source: responses}",
        "  - {id: p90_ces, type: percentile, source: responses, column: ces, percentile: 0.9}",
        "  - {id: csat_mean, type: mean, source: responses, column: csat}",
    ]
    for c in CHANNELS:
        lines.append(
            f"  - {{id: nps_{c}, type: nps, source: responses, column: nps, filter: \"channel = '{c}'\"}}"
        )
        lines.append(
            f"  - {{id: csat_{c}, type: csat, source: responses, column: csat, filter: \"channel = '{c}'\"}}"
        )
    for r in REGIONS:
        lines.append(
            f"  - {{id: ces_{r}, type: mean, source: responses, column: ces, filter: \"region = '{r}'\"}}"
        )
        lines.append(
            f"  - {{id: nps_{r}, type: nps, source: responses, column: nps, filter: \"region = '{r}'\"}}"
        )
    return "\n".join(lines) + "\n"


def write_data(path: Path, rows: int, months: int) -> None:
    """The first `months` of the two years (rows spread evenly over 24 months)."""
    import duckdb

    con = duckdb.connect()
    con.execute("SET TimeZone = 'UTC'")
    seconds = 731 * 86400  # 2024-01-01 to 2026-01-01
    con.execute(
        f"""COPY (
          SELECT * FROM (
            SELECT i AS response_id,
                   TIMESTAMP '2024-01-01' + to_seconds(CAST(i * {seconds} // {rows} AS BIGINT))
                     AS responded_at,
                   ['web','app','phone','chat','email','store'][CAST(1 + hash(i) % 6 AS BIGINT)] AS channel,
                   ['north','south','east'][CAST(1 + hash(i * 11) % 3 AS BIGINT)] AS region,
                   CAST(hash(i * 3) % 11 AS INTEGER) AS nps,
                   CAST(1 + hash(i * 5) % 5 AS INTEGER) AS csat,
                   CAST(1 + hash(i * 7) % 7 AS INTEGER) AS ces
            FROM range({rows}) AS t(i)
          ) WHERE responded_at < TIMESTAMP '2024-01-01' + INTERVAL ({months}) MONTH
        ) TO '{path}' (FORMAT parquet)"""
    )
    con.close()


ENV = dict(os.environ)


#: CPU seconds (user + system) of each timed process, by what it was: a figure that the
#: other work on a shared machine disturbs less than the elapsed time.
CPU: dict[str, list[float]] = {}


def timed(*args: str, name: str | None = None) -> float:
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    started = time.perf_counter()
    done = subprocess.run([sys.executable, "-m", "cxspec", *args], capture_output=True, text=True, env=ENV)
    elapsed = time.perf_counter() - started
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    if done.returncode != 0:
        raise SystemExit(f"cxspec {' '.join(args)} failed:\n{done.stderr}")
    if name:
        used = after.ru_utime - before.ru_utime + after.ru_stime - before.ru_stime
        CPU.setdefault(name, []).append(used)
    return elapsed


def run_args(folder: Path, db: Path, *more: str) -> list[str]:
    return ["run", str(folder), "--warehouse", f"duckdb:///{db}", "--out", str(folder / "out"), "--quiet",
            "--as-of", AS_OF, *more]  # fmt: skip


def stored(db: Path) -> tuple[list, list]:
    import duckdb

    con = duckdb.connect(str(db), read_only=True)
    results = con.execute(
        "SELECT metric, period, dimensions, round(value, 9), n, invalid, round(moe, 9), status "
        "FROM cxspec_results ORDER BY ALL"
    ).fetchall()
    scores = con.execute(
        "SELECT pyramid, node, period, round(score, 9) FROM cxspec_scores ORDER BY ALL"
    ).fetchall()
    con.close()
    return results, scores


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=10_000_000)
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--dir", default="/tmp/cxspec-bench-incremental")
    parser.add_argument("--no-bytecode-cache", action="store_true", help="as PYTHONDONTWRITEBYTECODE says")
    args = parser.parse_args()
    folder = Path(args.dir)
    shutil.rmtree(folder, ignore_errors=True)
    if not args.no_bytecode_cache:  # compiled by the untimed first run
        ENV.pop("PYTHONDONTWRITEBYTECODE", None)
        ENV["PYTHONPYCACHEPREFIX"] = str(folder / "pycache")
    (folder / "data").mkdir(parents=True)
    (folder / "specs").mkdir()
    (folder / "cxspec.yaml").write_text("version: 1\nproject: incremental\ngrain: month\n", encoding="utf-8")
    (folder / "specs" / "s.yaml").write_text(specs(), encoding="utf-8")
    data = folder / "data" / "responses.parquet"
    where = [sys.executable, "-c", "import cxspec; print(cxspec.__file__)"]  # as `python -m cxspec` finds it
    code = Path(subprocess.run(where, capture_output=True, text=True, env=ENV).stdout.strip()).parent.parent
    head = subprocess.run(
        ["git", "rev-parse", "--short", "HEAD"], capture_output=True, text=True, cwd=code
    ).stdout.strip()
    cache = "no bytecode cache" if "PYTHONDONTWRITEBYTECODE" in ENV else "bytecode cached"
    print(
        f"commit {head or '?'} ({code}); {args.rows:,} rows over 24 months, 24 metrics by month, DuckDB, "
        f"{args.repeats} repeats, {cache}; load average {os.getloadavg()[0]:.1f}"
    )
    try:
        # The results of 23 months, with their watermark: what an incremental run starts from.
        write_data(data, args.rows, 23)
        before = folder / "before.duckdb"
        timed(*run_args(folder, before, "--incremental"))
        timed("validate", str(folder))
        write_data(data, args.rows, 24)
        times: dict[str, list[float]] = {"start-up": [], "full": [], "incremental": [], "from": []}
        for _ in range(args.repeats):
            times["start-up"].append(timed("validate", str(folder), name="start-up"))
            full = folder / "full.duckdb"
            full.unlink(missing_ok=True)
            times["full"].append(timed(*run_args(folder, full), name="full"))
            incremental = folder / "incremental.duckdb"
            shutil.copyfile(before, incremental)
            times["incremental"].append(
                timed(*run_args(folder, incremental, "--incremental"), name="incremental")
            )
            ranged = folder / "from.duckdb"
            shutil.copyfile(before, ranged)
            times["from"].append(timed(*run_args(folder, ranged, "--from", "2025-12-01"), name="from"))
        for label, found in (("elapsed", times), ("CPU", CPU)):
            median = {k: statistics.median(v) for k, v in found.items()}
            startup = median["start-up"]
            for name in ("start-up", "full", "incremental", "from"):
                shown = ", ".join(f"{t:.2f}" for t in found[name])
                print(f"{label:7} {name:12} median {median[name]:6.2f} s  ({shown})")
            for name in ("incremental", "from"):
                ratio = (median[name] - startup) / (median["full"] - startup)
                print(f"work ratio ({label}), {name:11}: {ratio:.2f} (target <= 0.3)")
        equal = stored(folder / "incremental.duckdb") == stored(folder / "full.duckdb")
        equal_from = stored(folder / "from.duckdb") == stored(folder / "full.duckdb")
        print(f"stored results equal a full run's: incremental {equal}, --from {equal_from}")
        print(f"load average at the end {os.getloadavg()[0]:.1f}")
        return 0 if equal and equal_from else 1
    finally:
        shutil.rmtree(folder, ignore_errors=True)


if __name__ == "__main__":
    sys.exit(main())
