"""Pausing cyclic garbage collection around work that builds many long-lived objects."""

from __future__ import annotations

import functools
import gc
from collections.abc import Iterator
from contextlib import contextmanager


@contextmanager
def paused_gc() -> Iterator[None]:
    """Cyclic garbage collection off for the block, back on after it if it was on before.

    Loading, checking and compiling a project build millions of small objects that all stay
    alive until the command ends. Collector passes over them find nothing to free and cost a
    large share of the time (figures in benchmarks/README.md, "Validate: results" and
    "Compile"); reference counting still frees everything else. Nested pauses leave collection off until the
    outermost one ends.
    """
    enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if enabled:
            gc.enable()


def without_gc(function):
    """`function` run with cyclic garbage collection paused (`paused_gc`): for the API's
    entry points that build a result object per row (`compute_with`, `run_project`), as
    `cxspec` itself runs (`program.console`; figures in benchmarks/README.md, "Segments")."""

    @functools.wraps(function)
    def paused(*args, **kwargs):
        with paused_gc():
            return function(*args, **kwargs)

    return paused
