"""Start-up: whole processes, as a user and CI wait for them.

    python benchmarks/bench_startup.py                    # validate, then query 10M x 100; ~3 min
    python benchmarks/bench_startup.py --skip-query       # validate only; ~30 s
    python benchmarks/bench_startup.py --rows 1000000     # a smaller query case

Validate: `cxspec validate` on the starter project (`cxspec init`) as a fresh process each run,
with the user cache warm (CXSPEC_CACHE_DIR in a temporary folder, filled by an untimed run) and
off, beside `python -c pass` and `python -c "import cxspec.cli"`. Target: at most 0.2 s.

Query: `cxspec query PROJECT --grain month --by channel --as-of 2030-01-01 --format csv` on
bench_execute.py's 10M-row Parquet file and 100-metric project, against a Python process that
connects to DuckDB, runs one of bench_execute.py's hand-written queries and prints its rows as
CSV; hand (b) and (c) run as processes (and (a) with --with-one-scan: it is several times slower)
and the fastest median is "hand". Before timing,
cxspec's numbers (`--format json`) are checked equal to hand (a)'s. Target: within 1.1x of hand.

cxspec's modules are compiled once, as an installed package's are: this sandbox sets
PYTHONDONTWRITEBYTECODE=1 and the editable checkout has no __pycache__, so every process
here writes and reuses .pyc files under a temporary PYTHONPYCACHEPREFIX (warmed by the
untimed runs); --no-bytecode-cache measures without, every module compiled in every process.

Every variant runs once per round, round-robin (interleaved), so load on the machine falls
on all alike; medians. Exit 0 whenever it measured, 1 if the numbers differ.
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))

from bench_compile import check_code_state, code_state  # noqa: E402
from bench_validate import load_average  # noqa: E402

VALIDATE_TARGET = 0.2
QUERY_TARGET = 1.1

#: The hand-written query as a process: connect as cxspec does, run, print CSV rows.
HAND = """
import csv, sys, duckdb
con = duckdb.connect(":memory:")
con.execute("SET TimeZone = 'UTC'")
con.execute("SET file_search_path = ?", [sys.argv[2]])
relation = con.execute(open(sys.argv[1], encoding="utf-8").read())
writer = csv.writer(sys.stdout, lineterminator="\\n")
writer.writerow([d[0] for d in relation.description])
writer.writerows(relation.fetchall())
"""


def console_script() -> list[str]:
    """The `cxspec` console script of the running Python (not a shim on PATH)."""
    script = Path(sys.executable).parent / "cxspec"
    return [str(script)] if script.is_file() else [sys.executable, "-m", "cxspec"]


def run(command: list[str], env: dict) -> tuple[float, float]:
    """(wall seconds, CPU seconds: user + system) of one process."""
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    started = time.perf_counter()
    done = subprocess.run(command, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, env=env)
    elapsed = time.perf_counter() - started
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    if done.returncode != 0:
        raise SystemExit(f"{' '.join(command)} failed ({done.returncode}): {done.stderr.decode()[-500:]}")
    return elapsed, (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)


def interleaved(variants: dict[str, tuple[list[str], dict]], repeats: int) -> dict[str, list[tuple]]:
    times: dict[str, list[tuple]] = {name: [] for name in variants}
    for _ in range(repeats):
        for name, (command, env) in variants.items():
            times[name].append(run(command, env))
    return times


def show(times: dict[str, list[tuple]]) -> dict[str, float]:
    """Print wall-clock medians (and CPU time: steadier on a loaded machine); return the wall ones."""
    medians = {}
    for name, pairs in times.items():
        wall, cpu = [w for w, _ in pairs], [c for _, c in pairs]
        medians[name] = statistics.median(wall)
        print(
            f"  {name:<34} median {medians[name] * 1000:7.0f} ms"
            f"  (min {min(wall) * 1000:.0f}, max {max(wall) * 1000:.0f};"
            f" CPU {statistics.median(cpu) * 1000:.0f} ms)"
        )
    return medians


def process_env(work: Path, bytecode_cache: bool) -> dict[str, str]:
    env = {**os.environ}
    env.pop("CXSPEC_CACHE_DIR", None)
    if bytecode_cache:
        env.pop("PYTHONDONTWRITEBYTECODE", None)
        env["PYTHONPYCACHEPREFIX"] = str(work / "pycache")
    return env


def bench_validate(repeats: int, work: Path, env: dict) -> dict[str, float]:
    project = work / "starter"
    cache = work / "cache"
    base = env
    warm = {**base, "CXSPEC_CACHE_DIR": str(cache)}
    off = {**base, "CXSPEC_CACHE_DIR": "off"}
    cxspec = console_script()
    run([*cxspec, "init", str(project)], warm)
    run([*cxspec, "validate", str(project)], warm)  # untimed: fills the cache and the file cache
    variants = {
        "python -c pass": ([sys.executable, "-c", "pass"], base),
        "python -c 'import cxspec.cli'": ([sys.executable, "-c", "import cxspec.cli"], base),
        "cxspec validate (cache warm)": ([*cxspec, "validate", str(project)], warm),
        "cxspec validate (cache off)": ([*cxspec, "validate", str(project)], off),
    }
    print(f"validate on the starter project, {repeats} rounds (load {load_average()}):", flush=True)
    medians = show(interleaved(variants, repeats))
    figure = medians["cxspec validate (cache warm)"]
    verdict = "met" if figure <= VALIDATE_TARGET else "MISSED"
    print(f"  target: validate <= {VALIDATE_TARGET:.1f} s: {verdict} ({figure:.3f} s)")
    return medians


def bench_query(
    rows: int, count: int, repeats: int, work: Path, env: dict, with_one_scan: bool = False
) -> dict | None:
    import bench_execute as ex

    data = ex.ensure_data(rows)
    project = ex.write_project(data, count, key=False)
    metrics = ex.metric_set(count)
    hand = {"a": ex.hand_a(metrics), "b": ex.hand_b(metrics), "c": ex.hand_c(metrics)}
    # --as-of after the data (2025-2026): the hand queries have no as-of bound either.
    cxspec = [*console_script(), "query", str(project), "--grain", ex.GRAIN, "--as-of", "2030-01-01"]
    for dimension in ex.BY:
        cxspec += ["--by", dimension]

    # The numbers first (untimed; warms the file cache): cxspec's JSON against hand (a).
    done = subprocess.run([*cxspec, "--format", "json"], capture_output=True, text=True, env=env, check=True)
    results = json.loads(done.stdout)["results"]
    ours = {
        (r["metric"], r["period"], r["dimensions"]["channel"]): (r["value"], r["n"], r["invalid"], r["moe"])
        for r in results
    }
    reference = ex.normalise_rows(ex.run_sql(project, hand["a"]))
    problems = ex.differences(reference, ours)
    print(f"query, {rows:,} rows x {count} metrics: {len(ours):,} result rows, ", end="")
    print("same numbers as hand (a)" if not problems else "DIFFERENT: " + "; ".join(problems), flush=True)
    if problems:
        return None

    variants = {"cxspec query": ([*cxspec, "--format", "csv"], env)}
    for name, sql in hand.items():
        if name == "a" and not with_one_scan:  # 4-8x slower than (b) and (c): never the best
            continue
        path = work / f"hand-{name}.sql"
        path.write_text(sql, encoding="utf-8")
        variants[f"hand ({name}) as a process"] = ([sys.executable, "-c", HAND, str(path), str(project)], env)
    for command, _ in variants.values():
        run(command, env)  # untimed: each once, warm
    print(f"  {repeats} rounds (load {load_average()}):", flush=True)
    medians = show(interleaved(variants, repeats))
    best = min((m, n) for n, m in medians.items() if n.startswith("hand"))
    ratio = medians["cxspec query"] / best[0]
    verdict = "met" if ratio <= QUERY_TARGET else "MISSED"
    print(f"  target: cxspec query <= {QUERY_TARGET}x the best hand-written process ({best[1]}): ", end="")
    print(f"{verdict} ({ratio:.2f}x)")
    return {**medians, "ratio": ratio}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description="cxspec start-up, whole processes.")
    parser.add_argument("--repeats", type=int, default=15, help="validate rounds (default 15)")
    parser.add_argument("--query-repeats", type=int, default=7, help="query rounds (default 7)")
    parser.add_argument("--rows", type=int, default=10_000_000)
    parser.add_argument("--metrics", type=int, default=100, choices=[10, 100])
    parser.add_argument("--skip-query", action="store_true")
    parser.add_argument("--with-one-scan", action="store_true", help="time hand (a) too (slow)")
    parser.add_argument(
        "--no-bytecode-cache", action="store_true", help="compile every module in every process"
    )
    args = parser.parse_args(argv)
    state = code_state()
    print(f"code: {state}\npython {sys.version.split()[0]}, {os.cpu_count()} cores", flush=True)
    failed = False
    with tempfile.TemporaryDirectory(prefix="cxspec-startup-") as folder:
        env = process_env(Path(folder), bytecode_cache=not args.no_bytecode_cache)
        print(
            "bytecode cache:", "PYTHONPYCACHEPREFIX" if "PYTHONPYCACHEPREFIX" in env else "none", flush=True
        )
        bench_validate(args.repeats, Path(folder), env)
        if not args.skip_query:
            failed = (
                bench_query(
                    args.rows, args.metrics, args.query_repeats, Path(folder), env, args.with_one_scan
                )
                is None
            )
    check_code_state(state)
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
