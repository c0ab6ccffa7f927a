"""A grain per metric: `run` with half the metrics `grain: quarter` against all monthly.

    python benchmarks/bench_grain.py [--rows 2000000] [--repeats 3] [--dir DIR]

The project of bench_incremental.py (24 metrics over two years of survey responses in one
Parquet file, DuckDB). Each repeat times, as whole processes, `cxspec validate` (start-up), a
run with every metric monthly, and a run with every other metric `grain: quarter`. The metrics
of each grain are one request of that grain, so the source is read once per grain: the work
ratio (mixed − start-up) / (monthly − start-up), of medians, is what that costs.
"""

from __future__ import annotations

import argparse
import re
import shutil
import statistics
import subprocess
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).parent))
from bench_incremental import run_args, specs, timed, write_data  # noqa: E402


def quarterly(text: str) -> str:
    """Every other metric with `grain: quarter`."""
    lines, count = [], 0
    for line in text.splitlines():
        if re.match(r"\s+- \{id: ", line):
            count += 1
            if count % 2 == 0:
                line = line[: line.rindex("}")] + ", grain: quarter}"
        lines.append(line)
    return "\n".join(lines) + "\n"


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=2_000_000)
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--dir", default="/tmp/cxspec-bench-grain")
    args = parser.parse_args()
    root = Path(args.dir)
    shutil.rmtree(root, ignore_errors=True)
    folders = {"monthly": root / "monthly", "mixed": root / "mixed"}
    for name, folder in folders.items():
        (folder / "data").mkdir(parents=True)
        (folder / "specs").mkdir()
        (folder / "cxspec.yaml").write_text("version: 1\nproject: grains\ngrain: month\n", encoding="utf-8")
        text = specs() if name == "monthly" else quarterly(specs())
        (folder / "specs" / "s.yaml").write_text(text, encoding="utf-8")
    head = subprocess.run(
        ["git", "rev-parse", "--short", "HEAD"], capture_output=True, text=True
    ).stdout.strip()
    print(f"commit {head}; {args.rows:,} rows over 24 months, 24 metrics (12 quarterly in 'mixed'), "
          f"DuckDB, {args.repeats} repeats")  # fmt: skip
    try:
        write_data(folders["monthly"] / "data" / "responses.parquet", args.rows, 24)
        shutil.copyfile(
            folders["monthly"] / "data" / "responses.parquet", folders["mixed"] / "data" / "responses.parquet"
        )
        times: dict[str, list[float]] = {"start-up": [], "monthly": [], "mixed": []}
        for _ in range(args.repeats):
            times["start-up"].append(timed("validate", str(folders["monthly"])))
            for name, folder in folders.items():
                db = folder / "w.duckdb"
                db.unlink(missing_ok=True)
                times[name].append(timed(*run_args(folder, db)))
        median = {k: statistics.median(v) for k, v in times.items()}
        for name, values in times.items():
            print(f"{name:9} median {median[name]:6.2f} s  ({', '.join(f'{t:.2f}' for t in values)})")
        ratio = (median["mixed"] - median["start-up"]) / (median["monthly"] - median["start-up"])
        print(f"work ratio, half quarterly / all monthly: {ratio:.2f}")
        return 0
    finally:
        shutil.rmtree(root, ignore_errors=True)


if __name__ == "__main__":
    sys.exit(main())
