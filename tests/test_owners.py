"""cxspec owners: the owners' view and CODEOWNERS lines (handles, parents' handles for owners
without one, paths inside the git repository, determinism)."""

from __future__ import annotations

import json
import subprocess

OWNERS = """\
version: 1
owners:
  - id: cx
    name: CX office
    github: "@shop/cx"
  - id: care
    name: Care team
    parent: cx
    github: "@shop/care"
  - id: ana
    name: Ana
    kind: person
    parent: care
  - id: finance
    name: Finance
"""
SPECS = """\
version: 1
sources:
  - {id: r, type: table, table: responses, time: t}
journeys:
  - {id: buy, owner: cx, stages: [buy]}
touchpoints:
  - {id: web, journey: buy, stage: buy, owner: care, match: "channel = 'web'"}
"""
METRICS_CARE = """\
version: 1
metrics:
  - {id: csat, type: csat, source: r, column: csat, owner: care, tracked_by: cx}
  - {id: wait, type: mean, source: r, column: wait, owner: ana}
"""
METRICS_FINANCE = """\
version: 1
metrics:
  - {id: revenue, type: sum, source: r, column: amount, owner: finance}
  - {id: orders, type: count, source: r}
"""
GOALS = """\
version: 1
goals:
  - {metric: csat, target: 80, warn: 60}
  - {metric: revenue, target: 1000, owner: cx}
pyramids:
  - id: index
    owner: cx
    children:
      - {id: service, owner: care, children: [{metric: csat}, {metric: wait, bounds: [0, 600]}]}
"""


def files():
    return {
        "owners.yaml": OWNERS,
        "specs.yaml": SPECS,
        "metrics/care.yaml": METRICS_CARE,
        "metrics/finance.yaml": METRICS_FINANCE,
        "goals.yaml": GOALS,
    }


def test_codeowners_lines_per_file(make_project, run_main):
    root = make_project(files())
    code, out, err = run_main("owners", str(root), "--codeowners", "--path-prefix", "")
    assert code == 0, err
    lines = [line for line in out.splitlines() if not line.startswith("#")]
    assert lines == [
        # csat: owner care, tracked by cx; revenue: goal owner cx (not finance, which has no handle)
        "/goals.yaml @shop/care @shop/cx",
        # csat (care, tracked by cx), wait (ana: no handle → her parent care's)
        "/metrics/care.yaml @shop/care @shop/cx",
        # the journey's owner cx, the touch point's owner care
        "/specs.yaml @shop/care @shop/cx",
    ]  # metrics/finance.yaml: finance has no handle and no parent, orders no owner: no line
    assert "owner 'ana' has no github handle: its files request review from @shop/care" in err
    assert "owner 'finance' has no github handle: no review is requested" in err
    _, again, _ = run_main("owners", str(root), "--codeowners", "--path-prefix", "")
    assert again == out  # deterministic


def test_codeowners_paths_are_relative_to_the_git_repository(make_project, run_main, tmp_path):
    root = make_project(files(), name="repo/specs/shop")
    subprocess.run(["git", "init", "-q"], cwd=tmp_path / "repo", check=True)
    code, out, _ = run_main("owners", str(root), "--codeowners")
    assert code == 0
    assert "/specs/shop/goals.yaml @shop/care @shop/cx" in out.splitlines()
    code, out, _ = run_main("owners", str(root), "--codeowners", "--path-prefix", "/elsewhere/")
    assert "/elsewhere/goals.yaml @shop/care @shop/cx" in out.splitlines()


def test_owners_view(make_project, run_main):
    root = make_project(files())
    code, out, err = run_main("owners", str(root))
    assert code == 0, err
    assert out.splitlines() == [
        "cx  CX office (team, @shop/cx)",
        "  tracks metrics: csat",
        "  goals: revenue",
        "  journeys: buy",
        "  pyramids: index",
        "  care  Care team (team, @shop/care)",
        "    accountable for metrics: csat",
        "    touch points: web",
        "    pyramids: index/service",
        "    ana  Ana (person)",
        "      accountable for metrics: wait",
        "finance  Finance (team)",
        "  accountable for metrics: revenue",
        "metrics without an accountable owner: orders",
    ]
    code, out, _ = run_main("owners", str(root), "--format", "json")
    data = json.loads(out)
    assert [o["id"] for o in data["owners"]] == ["cx", "care", "ana", "finance"]
    assert data["owners"][2]["accountable"] == ["wait"] and data["unowned_metrics"] == ["orders"]


def test_invalid_project_is_reported(make_project, run_main):
    root = make_project({**files(), "metrics/care.yaml": METRICS_CARE.replace("owner: ana", "owner: anna")})
    code, out, err = run_main("owners", str(root), "--codeowners")
    assert code == 1 and out == ""
    assert "metrics/care.yaml:4:" in err and "CX202" in err and "Traceback" not in err


def test_the_examples_in_the_docs(tmp_path, run_main, monkeypatch):
    """The lines docs/owners.md shows are what the commands print (`…` elides lines or a line's end)."""
    import shutil
    from pathlib import Path

    top = Path(__file__).resolve().parent.parent
    shutil.copytree(
        top / "specs" / "acme", tmp_path / "specs" / "acme", ignore=shutil.ignore_patterns("cxspec-out")
    )
    subprocess.run(["git", "init", "-q"], cwd=tmp_path, check=True)
    monkeypatch.chdir(tmp_path)
    text = (top / "docs" / "owners.md").read_text(encoding="utf-8")
    for command in ("cxspec owners specs/acme", "cxspec owners specs/acme --codeowners"):
        start = text.index(f"$ {command}\n") + len(command) + 3
        shown = text[start : text.index("```", start)].splitlines()
        code, out, _ = run_main(*command.split()[1:])
        assert code == 0
        printed = iter(out.splitlines())
        for line in shown:
            if line == "…":
                continue
            expected = line.removesuffix(" …")
            assert any(p == expected or (line.endswith(" …") and p.startswith(expected)) for p in printed), (
                f"docs/owners.md: `{command}` does not print {line!r} (in this order)"
            )
