"""Bounded depth (docs/limits.md#depth): chains of included pyramids, ratio/derived metrics
and owner parents are valid up to their limits, and every command handles a project at the
limits in seconds; one past a limit is a located error (CX210-CX213) that every command
stops at before walking the chain."""

from __future__ import annotations

import time

import pytest

from cxspec.checks import depth

CONFIG = 'version: 1\nproject: deep\ngrain: month\nwarehouse: "duckdb:///w.duckdb"\n'
DATA = "id,t,score\n1,2026-01-05T10:00:00Z,10\n2,2026-02-06T10:00:00Z,3\n3,2026-02-07T10:00:00Z,8\n"
#: Seconds one command may take on a project at every limit at once (a few seconds alone;
#: CI machines are shared); a walk that is not linear takes far longer on these projects.
SECONDS = 12


def specs(*, pyramids=0, derived=0, owners=0, doubling=0) -> str:
    lines = ["version: 1", "sources:", "  - {id: r, type: file, path: data/r.csv, time: t, key: id}"]
    if owners:
        lines += ["owners:", "  - {id: o001, name: Owner 1}"]
        lines += [
            f"  - {{id: o{i:03d}, name: Owner {i}, parent: o{i - 1:03d}}}" for i in range(2, owners + 1)
        ]
    owner = f", owner: o{owners:03d}" if owners else ""
    lines += ["metrics:", f"  - {{id: nps, type: nps, source: r, column: score{owner}}}"]
    lines += ["  - {id: d000, type: mean, source: r, column: score}"]
    lines += [f'  - {{id: d{i:03d}, type: derived, expr: "d{i - 1:03d} + 1"}}' for i in range(1, derived + 1)]
    if doubling:
        lines += ['  - {id: x001, type: derived, expr: "d000 + d000"}']
        lines += [
            f'  - {{id: x{i:03d}, type: derived, expr: "x{i - 1:03d} + x{i - 1:03d}"}}'
            for i in range(2, doubling + 1)
        ]
    if pyramids:
        lines += ["pyramids:", "  - id: p001", "    children:", "      - {metric: nps}"]
        for i in range(2, pyramids + 1):
            lines += [f"  - id: p{i:03d}", "    children:", f"      - {{pyramid: p{i - 1:03d}}}"]
            lines += ["      - {metric: nps}"]
    return "\n".join(lines) + "\n"


def project(make_project, **chains):
    return make_project({"specs.yaml": specs(**chains), "data/r.csv": DATA}, config=CONFIG)


def codes(validate, root) -> list[tuple[str, str]]:
    return [(d.code, d.message) for d in validate(root).diagnostics if d.code.startswith("CX21")]


def test_the_limits_are_what_the_docs_say():
    assert (depth.MAX_PYRAMID_DEPTH, depth.MAX_METRIC_DEPTH, depth.MAX_OWNER_DEPTH) == (32, 50, 32)
    assert (depth.MAX_EXPANDED_TERMS, depth.MAX_PYRAMID_NODES) == (10_000, 100_000)


def test_at_every_limit_is_valid_and_every_command_is_quick(make_project, validate, run_main):
    # p001 … p032: p032 is 32 levels deep; d050 is 50 derived levels; o032 is 32 owners down.
    root = project(make_project, pyramids=32, derived=50, owners=32, doubling=13)  # x013: 8,192 terms
    assert [d for d in validate(root).diagnostics if d.severity.value == "error"] == []
    for command in (
        ["run", str(root), "--quiet"],
        ["report", str(root), "--format", "json"],
        ["compile", str(root), "--out", str(root / "compiled")],
        ["query", str(root), "-m", "d050"],
        ["docs", str(root), "--out", str(root / "catalog")],
        ["owners", str(root)],
        ["owners", str(root), "--format", "json"],
    ):
        started = time.monotonic()
        code, out, err = run_main(*command)
        took = time.monotonic() - started
        assert code == 0, (command, err)
        assert took < SECONDS, (command, took)
    code, out, _ = run_main("query", str(root), "-m", "d050", "--format", "json")
    assert '"value": 60.0' in out  # d000 = mean(10) in January, + 50


@pytest.mark.parametrize(
    "chains, code, where",
    [
        ({"pyramids": 33}, "CX210", "pyramid 'p033' nests 33 levels deep, its includes followed (p033 → p0"),
        ({"derived": 51}, "CX211", "metric 'd051' is 51 levels of ratio/derived metrics deep (d051 → d050"),
        ({"owners": 33}, "CX212", "owner 'o033' is 33 owners down a `parent` chain (o033 → o032"),
        ({"doubling": 14}, "CX213", "metric 'x014' expands to more than 10,000 metric references"),
    ],
)
def test_one_past_a_limit_is_an_error_at_the_first_item_past_it(make_project, validate, chains, code, where):
    root = project(make_project, **chains)
    found = codes(validate, root)
    assert len(found) == 1, found  # the first item past the limit, not every one beyond it
    assert found[0][0] == code and where in found[0][1], found
    diagnostic = next(d for d in validate(root).diagnostics if d.code == code)
    assert diagnostic.file == "specs.yaml" and diagnostic.line > 1 and diagnostic.column > 0


def test_a_pyramid_that_expands_too_far_is_an_error(make_project, validate, monkeypatch):
    monkeypatch.setattr(depth, "MAX_PYRAMID_NODES", 40)
    found = codes(validate, project(make_project, pyramids=25))  # p0NN holds 2·NN − 1 nodes expanded
    assert len(found) == 1 and found[0][0] == "CX213", found
    assert "pyramid 'p021' expands to more than 40 nodes" in found[0][1]


def test_long_chains_are_refused_quickly_by_every_command(make_project, run_main):
    """Past the limits by far: 1,200 pyramids in a chain crashed `run` with RecursionError,
    5,000 derived metrics compiled for over ten minutes, 2,000 owners crashed `owners`."""
    root = project(make_project, pyramids=1_200, derived=5_000, owners=2_000)
    commands = (["validate"], ["run", "--quiet"], ["compile"], ["docs"], ["owners"], ["query", "-m", "d5000"])
    for command in commands:
        started = time.monotonic()
        code, out, err = run_main(command[0], str(root), *command[1:])
        assert code == 1, (command, err)
        assert "CX210" in out + err and "CX211" in out + err and "CX212" in out + err, command
        assert "RecursionError" not in err and "internal error" not in err
        assert time.monotonic() - started < 30, command
