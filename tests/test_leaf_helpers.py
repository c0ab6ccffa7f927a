"""The small shared helpers: the location lookup and the GC pause."""

from __future__ import annotations

import gc
import subprocess
import sys

import pytest

from cxspec.diagnostics import Location
from cxspec.gcpause import paused_gc
from cxspec.locations import locate, locate_path
from cxspec.yamlread import load_bytes

SPEC = b"""version: 1
metrics:
  - id: nps
    type: nps
    column: score
"""


@pytest.fixture
def root():
    return load_bytes(SPEC).data


def test_locate_points_at_values_keys_items_and_missing_fields(root):
    metric = root["metrics"][0]
    assert locate("m.yaml", metric, "type") == Location("m.yaml", 4, 11)
    assert locate("m.yaml", metric, "type", key=True) == Location("m.yaml", 4, 5)
    assert locate("m.yaml", root["metrics"], 0) == Location("m.yaml", 3, 5)
    # A field the item does not have, or an index past the end: the container itself.
    assert locate("m.yaml", metric, "owner") == Location("m.yaml", 3, 5)
    assert locate("m.yaml", root["metrics"], 5) == locate("m.yaml", root["metrics"])
    assert locate("m.yaml", "plain text", "x") == Location("m.yaml", 1, 1)


def test_locate_path_walks_from_the_root(root):
    assert locate_path("m.yaml", root, ["metrics", 0, "column"]) == Location("m.yaml", 5, 13)
    assert locate_path("m.yaml", root, ["metrics", 0, "column"], key=True) == Location("m.yaml", 5, 5)
    assert locate_path("m.yaml", root, []) == locate("m.yaml", root)


@pytest.fixture
def gc_on():
    was_enabled = gc.isenabled()
    gc.enable()
    yield
    if not was_enabled:
        gc.disable()


def test_paused_gc_restores_the_state_it_found(gc_on):
    with paused_gc():
        assert not gc.isenabled()
        with paused_gc():
            assert not gc.isenabled()
        assert not gc.isenabled()  # the inner pause does not end the outer one
    assert gc.isenabled()

    gc.disable()
    try:
        with paused_gc():
            pass
        assert not gc.isenabled()  # it was off before: it stays off
    finally:
        gc.enable()


def test_paused_gc_turns_collection_back_on_after_an_error(gc_on):
    with pytest.raises(RuntimeError), paused_gc():
        raise RuntimeError("boom")
    assert gc.isenabled()


def test_importing_the_cli_leaves_a_hosts_collector_as_it_was():
    """A program that imports cxspec's CLI keeps its collection on and its objects unfrozen
    (cli.py's imports once froze every object of the host process); the `cxspec` program
    turns collection off before those imports (program.py)."""
    probe = (
        "import gc, sys\n"
        "host = [[i] for i in range(1000)]\n"
        "import cxspec.cli\n"
        "print(gc.isenabled(), gc.get_freeze_count())\n"
        "import cxspec.program\n"
    )
    out = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True, check=True)
    assert out.stdout.split() == ["True", "0"]
    probe = (
        "import gc, sys\n"
        "import cxspec.program\n"
        "gc.disable = lambda: print('off', 'cxspec.cli' in sys.modules)\n"
        "sys.argv = ['cxspec', '--version']\n"
        "cxspec.program.console()\n"
    )
    out = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True, check=True)
    lines = out.stdout.splitlines()
    assert lines[0] == "off False"  # off before the CLI's imports
    assert lines[-1].startswith("cxspec")  # and the command ran
