"""Time `cxspec compile` on large generated projects.

    python benchmarks/bench_compile.py [--sizes 100 1000 10000] [--repeats 5] [--budget 60] [--timeout 120]
    python benchmarks/bench_compile.py --quick          # 100 and 1,000 metrics, 3 repeats

For each size, a project is generated into benchmarks/.work/ (the same projects as
bench_validate.py; reused when generated with the same parameters by the same generator),
then every metric is compiled at month grain:

* in-process: `compile_request(project, Request(grain="month"), "duckdb", registry)` in a
  child process that has loaded (and so validated) the project first; only the compile is
  timed. Each run also reports how its time splits between planning (`Planner.plan`), building
  the SQL tree (`sqlgen.generate`) and the rest (mostly rendering the tree to text).
* CLI: `cxspec compile PROJECT --dialect duckdb --out TMPDIR` as a fresh process (start-up,
  imports, loading and validating the project, compiling, writing the files).

Repeats stop early once a size and mode has used up --budget seconds (at least one run), and a
run still going after --timeout seconds is killed: the table then shows "> T" (a lower bound).
When the in-process compile of a size times out, its CLI run is skipped (it compiles the same
and validates first, so it can only take longer).

Target: 10,000 metrics in under 2 s, growing linearly with the number of metrics (the
"ms per metric" columns should stay flat). Exit 0 always (it measures, it does not judge).
"""

from __future__ import annotations

import argparse
import hashlib
import json
import math
import os
import platform
import selectors
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))

from bench_validate import (  # noqa: E402
    cli_command,
    cli_env,
    ensure_project,
    git_state,
    load_average,
)

TARGET_METRICS = 10_000
TARGET_SECONDS = 2.0
#: Growth exponents up to this count as linear (fixed costs flatten the small sizes).
LINEAR_EXPONENT = 1.15
CONTEXT = "MetricFlow: 3.4 s for 100 metrics, 172 s for 1,000 on this kind of machine (issue text)"


# --------------------------------------------------------------------------------------------
# The child: load the project once, then compile it N times, one JSON line per event.


def child(project: Path, repeats: int, grain: str) -> int:
    import gc

    started = time.perf_counter()
    from cxspec import load_project
    from cxspec.compiler import compile as compile_module
    from cxspec.compiler.plan import Planner, Request
    from cxspec.registry import default_registry

    registry = default_registry()
    # Warm up on the starter project: imports, dialect objects, first-use caches.
    starter = load_project(HERE.parent / "cxspec" / "starter")
    compile_module.compile_request(starter, Request(grain=grain), "duckdb", registry)
    imported = time.perf_counter()
    project = load_project(project)
    loaded = time.perf_counter()
    emit({"event": "loaded", "imports": imported - started, "load": loaded - imported})

    # Phase timers: wrap Planner.plan and the generate() compile_request calls.
    phases = {"plan": 0.0, "generate": 0.0}
    original_plan = Planner.plan
    original_generate = compile_module.generate

    def timed_plan(self, request):
        t = time.perf_counter()
        try:
            return original_plan(self, request)
        finally:
            phases["plan"] += time.perf_counter() - t
            emit({"event": "planned", "seconds": phases["plan"]})

    def timed_generate(plan, relations):
        t = time.perf_counter()
        try:
            return original_generate(plan, relations)
        finally:
            phases["generate"] += time.perf_counter() - t

    Planner.plan = timed_plan
    compile_module.generate = timed_generate

    request = Request(grain=grain)
    for _ in range(repeats):
        phases.update(plan=0.0, generate=0.0)
        gc.collect()
        t = time.perf_counter()
        queries = compile_module.compile_request(project, request, "duckdb", registry)
        total = time.perf_counter() - t
        emit(
            {
                "event": "run",
                "seconds": total,
                "plan": phases["plan"],
                "generate": phases["generate"],
                "rest": total - phases["plan"] - phases["generate"],
                "queries": len(queries),
                "metrics": sum(len(q.metrics) for q in queries),
                "sql_chars": sum(len(q.sql) for q in queries),
                "sql_lines": sum(q.sql.count("\n") + 1 for q in queries),
                "predicates": sum(len(s.predicates) for q in queries for s in q.plan.scans),
                "first_level": sum(len(s.predicate_chunks()) for q in queries for s in q.plan.scans),
            }
        )
        del queries
    return 0


def code_state() -> str:
    """The commit, whether cxspec/ is modified, and a digest of the Python sources of the cxspec
    package that is imported (the tree may change while a benchmark runs: compare the digest
    printed at start and end). To measure a fixed version while the tree moves, put an export
    first on the path: `git archive HEAD cxspec | tar -x -C /tmp/snap; PYTHONPATH=/tmp/snap …`."""
    import cxspec

    package = Path(cxspec.__file__).resolve().parent
    digest = hashlib.sha256()
    for path in sorted(package.rglob("*.py")):
        digest.update(str(path.relative_to(package.parent)).encode() + b"\0" + path.read_bytes())
    where = "" if package == (HERE.parent / "cxspec").resolve() else f" (imported from {package})"
    return f"{git_state()}; cxspec sources {digest.hexdigest()[:10]}{where}"


def check_code_state(start: str) -> None:
    end = code_state()
    if end != start:
        print(f"WARNING: cxspec/ changed during the run ({end}): the results mix code versions")


def emit(event: dict) -> None:
    print(json.dumps(event), flush=True)


# --------------------------------------------------------------------------------------------
# The parent.


def run_child(project: Path, repeats: int, budget: float, timeout: float, grain: str) -> dict:
    """Runs of the in-process compile; stops after `budget` seconds of runs or a run > timeout."""
    command = [sys.executable, __file__, "--child", str(project), "--repeats", str(repeats), "--grain", grain]
    proc = subprocess.Popen(command, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    selector = selectors.DefaultSelector()
    selector.register(proc.stdout, selectors.EVENT_READ)
    result: dict = {"runs": [], "timed_out": None, "loaded": None, "planned": None}
    run_started = None
    spent = 0.0
    try:
        while True:
            now = time.perf_counter()
            if run_started is not None and now - run_started > timeout:
                result["timed_out"] = now - run_started
                break
            wait = timeout - (now - run_started) if run_started is not None else 600
            if not selector.select(timeout=max(0.05, min(wait, 1.0))):
                if proc.poll() is not None:
                    break
                continue
            line = proc.stdout.readline()
            if not line:
                break
            event = json.loads(line)
            if event["event"] == "loaded":
                result["loaded"] = event
                run_started = time.perf_counter()
            elif event["event"] == "planned":
                result["planned"] = event["seconds"]
            elif event["event"] == "run":
                result["runs"].append(event)
                spent += event["seconds"]
                print(
                    f"    in-process run {len(result['runs'])}: {event['seconds']:.3f} s "
                    f"(plan {event['plan']:.3f}, generate {event['generate']:.3f}, rest {event['rest']:.3f})",
                    flush=True,
                )
                if spent >= budget:
                    break
                run_started = time.perf_counter()
    finally:
        if proc.poll() is None:
            proc.kill()
        proc.wait()
        stderr = proc.stderr.read()
        proc.stdout.close()
        proc.stderr.close()
    if not result["runs"] and result["timed_out"] is None:
        raise SystemExit(f"the compile child failed:\n{stderr}")
    return result


def run_cli(command: list[str], project: Path, env: dict, timeout: float) -> tuple[float | None, str]:
    """Seconds of one cold `cxspec compile PROJECT --out TMP`, or None when killed at timeout."""
    with tempfile.TemporaryDirectory(prefix="cxspec-compile-") as out:
        started = time.perf_counter()
        try:
            proc = subprocess.run(
                [*command, "compile", str(project), "--dialect", "duckdb", "--out", out],
                capture_output=True,
                text=True,
                env=env,
                timeout=timeout,
            )
        except subprocess.TimeoutExpired:
            return None, ""
        elapsed = time.perf_counter() - started
        if proc.returncode != 0:
            raise SystemExit(f"cxspec compile exited {proc.returncode}:\n{proc.stderr}")
        written = sorted(p.name for p in Path(out).iterdir())
        if "manifest.json" not in written:
            raise SystemExit(f"cxspec compile wrote no manifest.json: {written}")
    return elapsed, proc.stdout.strip()


def time_cli(command, project, env, repeats, budget, timeout) -> dict:
    runs: list[float] = []
    timed_out = None
    for _ in range(repeats):
        elapsed, _ = run_cli(command, project, env, timeout)
        if elapsed is None:
            timed_out = timeout
            break
        runs.append(elapsed)
        print(f"    CLI run {len(runs)}: {elapsed:.3f} s", flush=True)
        if sum(runs) >= budget:
            break
    return {"runs": runs, "timed_out": timed_out}


def median_text(runs: list[float], timed_out: float | None) -> str:
    if runs:
        return f"{statistics.median(runs):.3f}"
    if timed_out is not None:
        return f"> {timed_out:.0f}"
    return "-"


def per_metric(seconds: float | None, metrics: int) -> str:
    return "-" if seconds is None else f"{seconds * 1000 / metrics:.2f}"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description="Time `cxspec compile` on large generated projects.")
    parser.add_argument("--sizes", type=int, nargs="+", default=[100, 1_000, 10_000])
    parser.add_argument("--repeats", type=int, default=5, help="timed runs per size and mode (default 5)")
    parser.add_argument(
        "--budget",
        type=float,
        default=60.0,
        help="stop repeating a size/mode after this many seconds (default 60)",
    )
    parser.add_argument(
        "--timeout", type=float, default=120.0, help="kill a single run after this many seconds (default 120)"
    )
    parser.add_argument("--quick", action="store_true", help="100 and 1,000 metrics, 3 repeats, 30 s budget")
    parser.add_argument("--no-cli", action="store_true", help="in-process timings only")
    parser.add_argument("--grain", default="month")
    parser.add_argument("--per-file", type=int, default=100)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--bytecode-cache", action="store_true", help="as in bench_validate.py")
    parser.add_argument("--child", type=Path, help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.child:
        return child(args.child, args.repeats, args.grain)
    if args.quick:
        args.sizes, args.repeats, args.budget = [100, 1_000], 3, 30.0
    if args.repeats < 1:
        parser.error("--repeats must be at least 1")

    from cxspec import __version__

    command = cli_command()
    env = cli_env(args.bytecode_cache)
    print(
        f"cxspec {__version__}, Python {platform.python_version()}, {platform.system()} "
        f"{platform.machine()}, {os.cpu_count()} CPUs"
    )
    state = code_state()
    print(f"measuring {state}; load average {load_average()}")
    print(
        f"compile all metrics at {args.grain} grain, dialect duckdb; up to {args.repeats} repeats, "
        f"{args.budget:g} s budget per size and mode, {args.timeout:g} s timeout per run"
    )
    print()

    rows = []
    for size in args.sizes:
        project, summary = ensure_project(size, args.per_file, args.seed)
        print(f"  {size:,} metrics: in-process compile_request …", flush=True)
        inproc = run_child(project, args.repeats, args.budget, args.timeout, args.grain)
        if inproc["timed_out"] is not None:
            planned = inproc["planned"]
            print(
                f"    killed after {inproc['timed_out']:.0f} s "
                + (f"(planning alone took {planned:.1f} s)" if planned else "(still planning)"),
                flush=True,
            )
        cli = {"runs": [], "timed_out": None, "skipped": False}
        if args.no_cli:
            cli["skipped"] = True
        elif inproc["timed_out"] is not None and not inproc["runs"]:
            cli = {"runs": [], "timed_out": inproc["timed_out"], "skipped": True}
            print("    CLI skipped: the in-process compile alone exceeded the timeout", flush=True)
        else:
            print(f"  {size:,} metrics: CLI cxspec compile --out …", flush=True)
            cli = time_cli(command, project, env, args.repeats, args.budget, args.timeout) | {
                "skipped": False
            }
        rows.append((size, summary, inproc, cli))

    header = (
        f"{'metrics':>8} {'preds':>6} {'lvl1':>5} {'SQL lines':>10} | {'in-proc median':>14} {'min':>7} "
        f"{'max':>7} {'ms/metric':>9} | {'plan':>7} {'generate':>8} {'rest':>6} | {'CLI median':>10} "
        f"{'ms/metric':>9} | runs"
    )
    print("\n" + header)
    print("-" * len(header))
    for size, _, inproc, cli in rows:
        runs = inproc["runs"]
        times = [r["seconds"] for r in runs]
        med = statistics.median(times) if times else None
        if runs:
            last = runs[-1]
            preds, lvl1, lines = (
                f"{last['predicates']:,}",
                f"{last['first_level']:,}",
                f"{last['sql_lines']:,}",
            )
            phase = [statistics.median(r[k] for r in runs) for k in ("plan", "generate", "rest")]
            phase_text = f"{phase[0]:>7.3f} {phase[1]:>8.3f} {phase[2]:>6.3f}"
            lo, hi = f"{min(times):.3f}", f"{max(times):.3f}"
        else:
            preds = lvl1 = lines = "?"
            planned = inproc["planned"]
            plan_text = f"{planned:.3f}" if planned else f"> {inproc['timed_out']:.0f}"
            phase_text = f"{plan_text:>7} {'?':>8} {'?':>6}"
            lo = hi = "-"
        cli_times = cli["runs"]
        cli_med = statistics.median(cli_times) if cli_times else None
        cli_text = (
            median_text(cli_times, cli["timed_out"]) if not (cli["skipped"] and not cli["timed_out"]) else "-"
        )
        in_text = median_text(times, inproc["timed_out"])
        print(
            f"{size:>8,} {preds:>6} {lvl1:>5} {lines:>10} | {in_text:>14} {lo:>7} {hi:>7} "
            f"{per_metric(med, size):>9} | {phase_text} | {cli_text:>10} {per_metric(cli_med, size):>9} | "
            f"{len(times)}/{len(cli_times)}"
        )
    print(
        "(seconds; preds = distinct filter predicates over all scans, lvl1 = first-level aggregates; "
        "runs = in-process/CLI runs done)"
    )

    # Linearity: per-metric time against the smallest measured size.
    measured = [
        (size, statistics.median(r["seconds"] for r in inproc["runs"]))
        for size, _, inproc, _ in rows
        if inproc["runs"]
    ]
    if len(measured) >= 2:
        print("\nlinearity (in-process): ", end="")
        parts = []
        for (s0, t0), (s1, t1) in zip(measured, measured[1:], strict=False):
            exponent = math.log(t1 / t0) / math.log(s1 / s0)
            parts.append(
                f"{s0:,}->{s1:,}: x{t1 / t0:.1f} time for x{s1 / s0:g} metrics (exponent {exponent:.2f})"
            )
        print("; ".join(parts) + " (linear = exponent 1.00)")
        (s0, t0), (s1, t1) = measured[-2], measured[-1]
        exponent = math.log(t1 / t0) / math.log(s1 / s0)
        for size, _, inproc, _ in rows:
            if not inproc["runs"] and size > s1:
                estimate = t1 * (size / s1) ** exponent
                print(
                    f"  {size:,} metrics not measured within the timeout; "
                    f"at that growth it would take ~{estimate:,.0f} s"
                )

    print(f"load average at the end: {load_average()}")
    check_code_state(state)
    print(f"\nfor context: {CONTEXT}")
    target = [r for r in rows if r[0] == TARGET_METRICS]
    if target:
        _, _, inproc, cli = target[0]
        if inproc["runs"]:
            med = statistics.median(r["seconds"] for r in inproc["runs"])
            verdict = "MET" if med < TARGET_SECONDS else "NOT MET"
            shown = f"{med:.2f} s"
        else:
            verdict, shown = "NOT MET", f"> {inproc['timed_out']:.0f} s"
        print(
            f"target: compile {TARGET_METRICS:,} metrics in < {TARGET_SECONDS:g} s (in-process median): "
            f"{shown} -> {verdict}"
        )
    else:
        print(f"target: compile {TARGET_METRICS:,} metrics in < {TARGET_SECONDS:g} s: not measured")
    if len(measured) >= 2:
        exponents = [
            math.log(t1 / t0) / math.log(s1 / s0)
            for (s0, t0), (s1, t1) in zip(measured, measured[1:], strict=False)
        ]
        worst = max(exponents)
        verdict = "MET" if worst <= LINEAR_EXPONENT else "NOT MET"
        print(
            f"target: linear growth (every step's exponent <= {LINEAR_EXPONENT:g}): "
            f"worst {worst:.2f} -> {verdict}"
        )
    return 0


if __name__ == "__main__":
    sys.exit(main())
