"""Time `cxspec validate` on large generated projects.

    python benchmarks/bench_validate.py [--repeats 5] [--sizes 1000 10000] [--per-file 100] [--seed 1]

For each size, a project is generated into benchmarks/.work/ (reused when it was generated
with the same parameters by the same generator), then validated:

* CLI: the real `cxspec validate PROJECT --format json` as a fresh subprocess each time
  (Python start-up, imports, reading, checking and printing), with the peak RSS of that
  process from os.wait4();
* in-process: `cxspec.validate.validate_project(PROJECT, registry)` with imports already done and the
  JSON Schema validators already compiled (warmed on the starter project); the SQL fragment
  caches are cleared and the user cache is off, so that every run parses every fragment.
  (The CLI runs use the user cache as a user's do: after the untimed run, fragments' facts
  are read from it; cxspec/fragment_facts.py.)

One untimed CLI run per size comes first: it warms the OS file cache and checks that the
project validates clean. Medians are the headline (the machine is noisy). Exit 0 always,
unless validation reports errors: then exit 1 with the first errors shown.
"""

from __future__ import annotations

import argparse
import datetime as dt
import gc
import hashlib
import json
import os
import platform
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))

import generate_project  # noqa: E402

WORK = HERE / ".work"
PARAMS_FILE = ".bench-params.json"  # hidden: never read as a spec file
TARGET_METRICS = 10_000
TARGET_SECONDS = 2.0


def generator_digest() -> str:
    return hashlib.sha256(Path(generate_project.__file__).read_bytes()).hexdigest()[:16]


def ensure_project(metrics: int, per_file: int, seed: int) -> tuple[Path, dict]:
    """The generated project for these parameters, generating it only when needed."""
    out = WORK / f"metrics-{metrics}-per{per_file}-seed{seed}"
    params = {"metrics": metrics, "per_file": per_file, "seed": seed, "generator": generator_digest()}
    marker = out / PARAMS_FILE
    if marker.is_file():
        try:
            stored = json.loads(marker.read_text(encoding="utf-8"))
        except ValueError:
            stored = {}
        if stored.get("params") == params and (out / "cxspec.yaml").is_file():
            print(f"reusing {out.relative_to(HERE.parent)}", flush=True)
            return out, stored["summary"]
    print(f"generating {metrics:,} metrics into {out.relative_to(HERE.parent)} …", flush=True)
    started = time.perf_counter()
    summary = generate_project.generate(out, metrics, per_file, seed)
    print(f"  done in {time.perf_counter() - started:.1f} s", flush=True)
    marker.write_text(json.dumps({"params": params, "summary": summary}, indent=2), encoding="utf-8")
    return out, summary


def cli_command() -> list[str]:
    """The installed `cxspec` console script of this Python (not a pyenv shim), else -m."""
    script = Path(sys.executable).parent / "cxspec"
    if script.is_file() and os.access(script, os.X_OK):
        return [str(script)]
    found = shutil.which("cxspec")
    if found and ".pyenv/shims" not in found:
        return [found]
    return [sys.executable, "-m", "cxspec"]


def cli_env(bytecode_cache: bool) -> dict[str, str]:
    """The CLI's environment; with bytecode_cache, .pyc files are written (outside the repo)
    and reused, as in a normal installation."""
    env = dict(os.environ)
    if bytecode_cache:
        env.pop("PYTHONDONTWRITEBYTECODE", None)
        env["PYTHONPYCACHEPREFIX"] = str(WORK / "pycache")
    return env


def git_state() -> str:
    """The commit measured, and whether cxspec/ has uncommitted changes."""
    repo = HERE.parent
    try:
        head = subprocess.run(
            ["git", "-C", str(repo), "rev-parse", "--short", "HEAD"],
            capture_output=True,
            text=True,
            check=True,
        ).stdout.strip()
        dirty = subprocess.run(
            ["git", "-C", str(repo), "status", "--porcelain", "--", "cxspec"], capture_output=True, text=True
        ).stdout.strip()
    except (OSError, subprocess.CalledProcessError):
        return "unknown commit"
    return f"commit {head}" + (" + uncommitted changes in cxspec/" if dirty else "")


def load_average() -> str:
    try:
        return " ".join(f"{v:.2f}" for v in os.getloadavg())
    except OSError:
        return "unknown"


def run_cli(command: list[str], project: Path, env: dict[str, str]) -> tuple[float, int, int, str, str]:
    """(seconds, exit code, peak RSS in KiB, stdout, stderr) of one fresh `cxspec validate`."""
    with tempfile.TemporaryFile() as out, tempfile.TemporaryFile() as err:
        started = time.perf_counter()
        proc = subprocess.Popen(
            [*command, "validate", str(project), "--format", "json"], stdout=out, stderr=err, env=env
        )
        _, status, usage = os.wait4(proc.pid, 0)
        elapsed = time.perf_counter() - started
        proc.returncode = os.waitstatus_to_exitcode(status)
        out.seek(0)
        err.seek(0)
        stdout = out.read().decode("utf-8", "replace")
        stderr = err.read().decode("utf-8", "replace")
    rss_kib = usage.ru_maxrss if sys.platform != "darwin" else usage.ru_maxrss // 1024
    return elapsed, proc.returncode, rss_kib, stdout, stderr


def check_clean(project: Path, command: list[str], env: dict[str, str]) -> tuple[list[dict], list[str]]:
    """(warnings, error lines) of one untimed CLI run."""
    _, code, _, stdout, stderr = run_cli(command, project, env)
    try:
        diagnostics = json.loads(stdout)["diagnostics"]
    except (ValueError, KeyError):
        return [], [f"cxspec exited {code} without JSON output", *stderr.strip().splitlines()[-10:]]
    errors = [d for d in diagnostics if d.get("severity") == "error"]
    warnings = [d for d in diagnostics if d.get("severity") != "error"]
    lines = [f"{d['file']}:{d['line']}:{d['column']}: {d['code']} {d['message']}" for d in errors]
    if code != 0 and not lines:
        lines = [f"cxspec exited {code}", *stderr.strip().splitlines()[-10:]]
    return warnings, lines


def time_in_process(project: Path, repeats: int) -> list[float]:
    from cxspec import fragment_facts
    from cxspec.registry import default_registry
    from cxspec.user_cache import CACHE_VARIABLE
    from cxspec.validate import validate_project

    # Warm: every import, the registry and the compiled JSON Schema validators.
    validate_project(Path(__file__).resolve().parent.parent / "cxspec" / "starter", default_registry())
    os.environ[CACHE_VARIABLE] = "off"  # every fragment parsed, its facts not read from the user cache
    times = []
    for _ in range(repeats):
        fragment_facts.forget()
        gc.collect()
        started = time.perf_counter()
        result = validate_project(project, default_registry())
        times.append(time.perf_counter() - started)
        del result
    return times


def fmt_times(times: list[float]) -> tuple[str, str, str]:
    return f"{statistics.median(times):.3f}", f"{min(times):.3f}", f"{max(times):.3f}"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description="Time `cxspec validate` on large generated projects.")
    parser.add_argument("--repeats", type=int, default=5, help="timed runs per size and mode (default 5)")
    parser.add_argument(
        "--sizes", type=int, nargs="+", default=[1_000, 10_000], help="metric counts (default 1000 10000)"
    )
    parser.add_argument("--per-file", type=int, default=100, help="metrics per spec file (default 100)")
    parser.add_argument("--seed", type=int, default=1, help="generator seed (default 1)")
    parser.add_argument(
        "--bytecode-cache",
        action="store_true",
        help="let the CLI write and reuse .pyc files (in benchmarks/.work/pycache) even when "
        "PYTHONDONTWRITEBYTECODE is set, as a normal installation would",
    )
    args = parser.parse_args(argv)
    if args.repeats < 1:
        parser.error("--repeats must be at least 1")

    from cxspec import __version__

    command = cli_command()
    env = cli_env(args.bytecode_cache)
    print(
        f"cxspec {__version__}, Python {platform.python_version()}, {platform.system()} "
        f"{platform.machine()}, {os.cpu_count()} CPUs, {dt.date.today().isoformat()}"
    )
    print(f"measuring {git_state()}; load average {load_average()}")
    print(f"CLI: {' '.join(command)} validate PROJECT --format json; {args.repeats} repeats")
    if args.bytecode_cache:
        print(f"CLI bytecode cache: {WORK / 'pycache'} (PYTHONPYCACHEPREFIX)")
    elif os.environ.get("PYTHONDONTWRITEBYTECODE"):
        print("note: PYTHONDONTWRITEBYTECODE is set: modules without a .pyc are compiled at every CLI start")
        print("      (--bytecode-cache measures with a bytecode cache, as a normal installation has)")
    print()

    rows = []
    for size in args.sizes:
        project, summary = ensure_project(size, args.per_file, args.seed)
        warnings, errors = check_clean(project, command, env)
        if errors:
            print(f"\n{project}: validation reports {len(errors)} error(s); the first:", file=sys.stderr)
            for line in errors[:10]:
                print(f"  {line}", file=sys.stderr)
            return 1
        if warnings:
            print(
                f"  note: {len(warnings)} warning(s), first: {warnings[0]['code']} {warnings[0]['message']}"
            )
        cli_times, peak_rss = [], 0
        for _ in range(args.repeats):
            elapsed, code, rss, _, stderr = run_cli(command, project, env)
            if code != 0:
                print(f"cxspec validate exited {code}:\n{stderr}", file=sys.stderr)
                return 1
            cli_times.append(elapsed)
            peak_rss = max(peak_rss, rss)
        print(f"  {size:,} metrics: CLI runs {', '.join(f'{t:.2f}' for t in cli_times)} s", flush=True)
        inproc = time_in_process(project, args.repeats)
        print(f"  {size:,} metrics: in-process runs {', '.join(f'{t:.2f}' for t in inproc)} s", flush=True)
        rows.append((size, summary["files"], summary["yaml_lines"], cli_times, inproc, peak_rss))

    header = (
        f"{'metrics':>8} {'files':>6} {'YAML lines':>11} | {'CLI median':>10} {'min':>6} {'max':>6} | "
        f"{'in-proc median':>14} {'min':>6} {'max':>6} | {'CLI peak RSS':>12}"
    )
    print("\n" + header)
    print("-" * len(header))
    for size, files, lines, cli_times, inproc, rss in rows:
        c_med, c_min, c_max = fmt_times(cli_times)
        i_med, i_min, i_max = fmt_times(inproc)
        print(
            f"{size:>8,} {files:>6,} {lines:>11,} | {c_med:>10} {c_min:>6} {c_max:>6} | "
            f"{i_med:>14} {i_min:>6} {i_max:>6} | {rss / 1024:>9.0f} MiB"
        )
    print("(seconds; files counts every .yaml including cxspec.yaml)")

    print(f"load average at the end: {load_average()} (other work on the machine inflates the times)")

    target = [r for r in rows if r[0] == TARGET_METRICS]
    if target:
        median = statistics.median(target[0][3])
        verdict = "MET" if median < TARGET_SECONDS else "NOT MET"
        print(
            f"\ntarget: `cxspec validate` on {TARGET_METRICS:,} metrics < {TARGET_SECONDS:g} s (CLI median): "
            f"{median:.2f} s -> {verdict}"
        )
    else:
        print(f"\ntarget: {TARGET_METRICS:,} metrics < {TARGET_SECONDS:g} s (not measured: size not run)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
