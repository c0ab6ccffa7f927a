"""Golden SQL per metric type, in the style of sqlglot's fixtures: one file per built-in type
under tests/fixtures/golden_types/, each a list of cases

    # title: nps on the default scale
    # dialect: duckdb
    # spec:
    #   - {id: promoters, type: nps, source: responses, column: score}
    SELECT …

The spec is the `metrics:` list of a minimal project (BASE_SPECS: two table sources and
nothing else); the first metric is compiled on its own. Metrics computed from other metrics
are compiled without their inputs' scans, which belong to the inputs' own files: a change to
one type touches one file. The whole-query goldens are tests/golden/ (tests/test_compile.py).

Regenerate after an intended change with CXSPEC_UPDATE_GOLDEN=1.
"""

from __future__ import annotations

import os
import re
from dataclasses import dataclass
from pathlib import Path

import pytest

from cxspec.compiler.plan import Planner, Request
from cxspec.compiler.sqlgen import generate
from cxspec.resolve import Resolver
from cxspec.registry import build_registry
from cxspec.validate import validate_project

FOLDER = Path(__file__).parent / "fixtures" / "golden_types"
CONFIG = "version: 1\nproject: golden_types\ngrain: month\n"
#: The sources every case may read: survey answers and subscriptions.
BASE_SPECS = """\
version: 1
sources:
  - id: responses
    type: table
    table: raw.responses
    time: answered_at
    entity: customer_id
  - id: subscriptions
    type: table
    table: raw.subscriptions
    entity: customer_id
    start: started_at
    end: ended_at
"""
REGISTRY = build_registry(external=False)


@dataclass
class Case:
    file: str
    title: str
    dialect: str
    spec: str
    sql: str


def load_cases(path: Path) -> list[Case]:
    """The cases of one fixture file, in order."""
    cases = []
    for chunk in re.split(r"^(?=# title:)", path.read_text(encoding="utf-8"), flags=re.M):
        if not chunk.strip():
            continue
        header: dict[str, str] = {}
        spec: list[str] = []
        sql: list[str] = []
        for line in chunk.splitlines():
            if sql or not line.startswith("#"):
                sql.append(line)
            elif line.startswith("#   "):
                spec.append(line[4:])
            else:
                key, _, value = line[1:].partition(":")
                header[key.strip()] = value.strip()
        sql_text = "\n".join(sql).strip()
        cases.append(Case(path.name, header["title"], header["dialect"], "\n".join(spec), sql_text))
    return cases


def write_cases(path: Path, cases: list[Case]) -> None:
    parts = []
    for case in cases:
        spec = "\n".join(f"#   {line}" for line in case.spec.splitlines())
        parts.append(f"# title: {case.title}\n# dialect: {case.dialect}\n# spec:\n{spec}\n{case.sql}\n")
    path.write_text("\n".join(parts), encoding="utf-8")


def compile_case(case: Case, tmp_path: Path) -> str:
    root = tmp_path / "project"
    root.mkdir()
    (root / "cxspec.yaml").write_text(CONFIG, encoding="utf-8")
    specs = BASE_SPECS + "metrics:\n" + "".join(f"  {line}\n" for line in case.spec.splitlines())
    (root / "specs.yaml").write_text(specs, encoding="utf-8")
    result = validate_project(root, REGISTRY)
    assert result.ok, [f"{d.code} {d.message}" for d in result.diagnostics]
    project = result.project
    metric_id = _first_id(case)
    plan = Planner(project, REGISTRY, case.dialect).plan(Request(metrics=(metric_id,)))
    if not REGISTRY.metric_types[project.metrics[metric_id].type].reads_source:
        plan.scans = []  # the inputs' SQL is in their own files
    tree = generate(plan, Resolver(project, REGISTRY, case.dialect).resolve(s.source for s in plan.scans))
    return tree.sql(dialect=case.dialect, pretty=True) + ";"


def _first_id(case: Case) -> str:
    """The id of the case's first metric: the one compiled."""
    return re.search(r"id:\s*([\w-]+)", case.spec).group(1)


CASES = [case for path in sorted(FOLDER.glob("*.sql")) for case in load_cases(path)]


def test_every_builtin_type_has_its_file():
    assert sorted(p.stem for p in FOLDER.glob("*.sql")) == sorted(REGISTRY.metric_types)


def test_titles_are_unique():
    titles = [c.title for c in CASES]
    assert len(titles) == len(set(titles))


@pytest.mark.parametrize("case", CASES, ids=[c.title for c in CASES])
def test_golden_type_sql(case, tmp_path):
    got = compile_case(case, tmp_path)
    if os.environ.get("CXSPEC_UPDATE_GOLDEN"):
        path = FOLDER / case.file
        cases = load_cases(path)
        for stored in cases:
            if stored.title == case.title:
                stored.sql = got
        write_cases(path, cases)
        return
    assert got == case.sql, f"{case.file}: {case.title}"
