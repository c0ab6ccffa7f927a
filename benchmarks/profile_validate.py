"""Where `cxspec validate` spends its time on a large generated project.

    python benchmarks/profile_validate.py [--metrics 10000] [--top 25] [PROJECT]

Prints (1) a wall-clock breakdown by phase, measured without a profiler (interpreter start-up,
imports, then the phases of validate_project, cold as in a fresh CLI process), and (2) the top
entries by cumulative time of cProfile over the real CLI (`python -m cProfile -m cxspec validate
PROJECT --format json`). cProfile roughly doubles the run time and inflates pure-Python code
most, so read (2) for *which* functions, (1) for *how much*.
"""

from __future__ import annotations

import argparse
import cProfile  # noqa: F401 - run below as `python -m cProfile`
import pstats
import statistics
import subprocess
import sys
import tempfile
import time
from collections import defaultdict
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))

from bench_validate import cli_command, ensure_project  # noqa: E402

#: Frames that only wrap the command (runpy, click, the entry point).
#: Import machinery is left out too: the phases above give the imports' total.
WRAPPERS = (
    "runpy", "click/", "<string>", "builtins.exec", "cxspec/__main__.py", "cxspec/cli.py:1",
    "<frozen importlib", "builtins.__import__", ".py:1(<module>)",
)  # fmt: skip


def start_up_seconds(runs: int = 5) -> float:
    times = []
    for _ in range(runs):
        started = time.perf_counter()
        subprocess.run([sys.executable, "-c", "pass"], check=True)
        times.append(time.perf_counter() - started)
    return statistics.median(times)


def phases(project: Path) -> list[tuple[str, float]]:
    """Wall-clock seconds per phase of one cold validation in this (fresh) process."""
    started = time.perf_counter()
    import cxspec.cli  # noqa: F401
    import cxspec.formats
    import cxspec.validate as validate_module

    imports = time.perf_counter() - started
    spent: dict[str, float] = defaultdict(float)

    def timed(name, func):
        def wrapper(*args, **kwargs):
            t0 = time.perf_counter()
            try:
                return func(*args, **kwargs)
            finally:
                spent[name] += time.perf_counter() - t0

        return wrapper

    patches = [
        (validate_module, "spec_files", "find spec files"),
        (validate_module, "read_yaml", "read + parse YAML (positions)"),
        (validate_module, "spec_validator", "build schema validators"),
        (validate_module, "add_file", "build the model (add_file)"),
    ]
    for module, name, label in patches:
        if hasattr(module, name):
            setattr(module, name, timed(label, getattr(module, name)))
    try:
        from cxspec.schema_check import SpecValidator

        SpecValidator.check_spec_file = timed("JSON Schema checks", SpecValidator.check_spec_file)
        SpecValidator.check_project_file = timed("JSON Schema checks", SpecValidator.check_project_file)
    except (ImportError, AttributeError):
        pass
    try:
        import cxspec.checks as checks

        checks.CHECKS = tuple(timed(f"check: {c.__module__.rsplit('.', 1)[-1]}", c) for c in checks.CHECKS)
    except (ImportError, AttributeError):
        pass

    import gc

    gc_time = [0.0, 0.0]  # total, start of the current collection

    def on_gc(phase, info):
        if phase == "start":
            gc_time[1] = time.perf_counter()
        else:
            gc_time[0] += time.perf_counter() - gc_time[1]

    from cxspec.registry import default_registry

    gc.callbacks.append(on_gc)
    t0 = time.perf_counter()
    result = validate_module.validate_project(project, default_registry())
    total = time.perf_counter() - t0
    gc.callbacks.remove(on_gc)
    t0 = time.perf_counter()
    context = cxspec.formats.RenderContext(
        root=result.root, command="validate", files=tuple(result.project.files), color=False, path_prefix=""
    )
    cxspec.formats.render("json", result.diagnostics, context)
    render = time.perf_counter() - t0
    t0 = time.perf_counter()
    del result
    free = time.perf_counter() - t0

    rows = [("imports (cxspec, click, sqlglot, jsonschema, ruamel…)", imports)]
    rows += sorted(spent.items(), key=lambda kv: -kv[1])
    rows.append(("other (inside validate_project)", total - sum(spent.values())))
    rows.append(("render --format json", render))
    rows.append(("free the result", free))
    rows.append((f"  (of the above: cyclic GC collections {gc_time[0]:.3f} s)", 0.0))
    return rows


def short(path: str) -> str:
    for marker in ("site-packages/", "/work/main/", "lib/python3"):
        if marker in path:
            return path.split(marker, 1)[1]
    return path


def cprofile_top(project: Path, top: int) -> tuple[float, list[str]]:
    with tempfile.TemporaryDirectory() as tmp:
        out = Path(tmp) / "validate.prof"
        command = [sys.executable, "-m", "cProfile", "-o", str(out), "-m", "cxspec", "validate", str(project)]
        subprocess.run([*command, "--format", "json"], check=False, stdout=subprocess.DEVNULL)
        stats = pstats.Stats(str(out))
    entries = []
    for (file, line, name), (_, ncalls, tottime, cumtime, _) in stats.stats.items():
        where = f"{short(file)}:{line}({name})" if line else name
        if (
            any(w in where for w in WRAPPERS)
            or file == "~"
            and name.startswith("<built-in method builtins.exec")
        ):
            continue
        entries.append((cumtime, tottime, ncalls, where))
    header = f"{'cumtime':>8} {'tottime':>8} {'ncalls':>9}  function"
    entries.sort(reverse=True)
    by_cumulative = [header]
    for cumtime, tottime, ncalls, where in entries[:top]:
        by_cumulative.append(f"{cumtime:8.3f} {tottime:8.3f} {ncalls:9d}  {where}")
    entries.sort(key=lambda e: -e[1])
    by_own = [header]
    for cumtime, tottime, ncalls, where in entries[: max(10, top // 2)]:
        by_own.append(f"{cumtime:8.3f} {tottime:8.3f} {ncalls:9d}  {where}")
    return stats.total_tt, by_cumulative, by_own


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description="Profile `cxspec validate` on a generated project.")
    parser.add_argument("project", nargs="?", type=Path, help="a project (default: the generated one)")
    parser.add_argument("--metrics", type=int, default=10_000, help="size of the generated project")
    parser.add_argument("--top", type=int, default=25, help="cProfile entries to show (default 25)")
    parser.add_argument("--phases-child", action="store_true", help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.phases_child:
        for name, seconds in phases(args.project):
            print(f"{seconds:.3f}\t{name}")
        return 0
    project = args.project or ensure_project(args.metrics, 100, 1)[0]

    start = start_up_seconds()
    # Phases run in a child process so that the imports are cold, as in the CLI.
    child = [sys.executable, __file__, "--phases-child", str(project)]
    output = subprocess.run(child, capture_output=True, text=True, check=True).stdout
    rows = [("interpreter start-up (python -c pass)", start)]
    for line in output.strip().splitlines():
        seconds, name = line.split("\t", 1)
        rows.append((name, float(seconds)))
    total = sum(s for _, s in rows)
    print(f"Wall-clock phases, {project} (one cold run, no profiler):")
    for name, seconds in rows:
        if name.startswith("  ("):
            print(f"  {'':7}    {'':5}   {name.strip()}")
        else:
            print(f"  {seconds:7.3f} s  {100 * seconds / total:5.1f}%  {name}")
    print(f"  {total:7.3f} s  total")
    cli = []
    for _ in range(3):
        started = time.perf_counter()
        subprocess.run(
            [*cli_command(), "validate", str(project), "--format", "json"],
            stdout=subprocess.DEVNULL,
            check=False,
        )
        cli.append(time.perf_counter() - started)
    print(f"  {statistics.median(cli):7.3f} s  the real CLI, median of 3 runs")

    profiled, by_cumulative, by_own = cprofile_top(project, args.top)
    print(f"\ncProfile of the CLI, top {args.top} by cumulative time (profiled run: {profiled:.2f} s):")
    print("\n".join(by_cumulative))
    print(f"\n… and the top {len(by_own) - 1} by own time (tottime):")
    print("\n".join(by_own))
    return 0


if __name__ == "__main__":
    sys.exit(main())
