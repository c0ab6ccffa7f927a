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


@contextmanager
def long_lived() -> Iterator[None]:
    """Collection off for a block whose objects live as long as the process (imports), and
    those objects kept out of later collector passes (``gc.freeze``).

    Turning collection back on would otherwise start a pass over everything the block made at
    the next allocation (2–11 ms after importing the CLI; benchmarks/README.md, "Start-up").
    Frozen objects are still freed by reference counting; only cycles among them are not.
    """
    enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        gc.freeze()
        if enabled:
            gc.enable()


def without_gc(function):
    """`function` run with cyclic garbage collection paused (`paused_gc`): for the API's
    entry points that build a result object per row (`compute_with`, `run_project`), as
    `cxspec` itself runs (`console`; figures in benchmarks/README.md, "Segments")."""

    @functools.wraps(function)
    def paused(*args, **kwargs):
        with paused_gc():
            return function(*args, **kwargs)

    return paused
