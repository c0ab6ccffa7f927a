"""The `cxspec` program: the command line (cli.py) in a process of its own."""

from __future__ import annotations

import gc
import os
import sys


def console() -> None:
    """The `cxspec` program: `main()` in a process of its own.

    Cyclic garbage collection stays off: a large project is millions of small objects that
    live until the end, and collector passes over them cost seconds while freeing nothing
    that is needed; reference counting still frees the rest. At the end the process exits
    without tearing its heap down, once the output is flushed (every file and connection is
    closed by then), unless a profiler or a tracer (coverage) is watching: those write their
    data at a normal exit. Figures: benchmarks/README.md, "Compile".
    """
    # Off until the end, not paused, and before the CLI's imports (click, ruamel.yaml, the
    # model): turning it back on would start a pass over everything made so far (~30 ms after
    # a `cxspec validate`'s output, 2-11 ms after the imports, for nothing).
    gc.disable()
    from cxspec.cli import main

    try:
        main()
        code = 0
    except SystemExit as exc:
        code = exc.code if isinstance(exc.code, int) else (0 if exc.code is None else 1)
        if not isinstance(exc.code, int | None):
            print(exc.code, file=sys.stderr)
    sys.stdout.flush()
    sys.stderr.flush()
    if sys.getprofile() is not None or sys.gettrace() is not None:
        sys.exit(code)
    os._exit(code)
