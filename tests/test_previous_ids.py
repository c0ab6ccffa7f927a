"""History across renames: `previous_ids: [old]` carries a metric's stored history on (trends,
reports, the definition hash), on DuckDB, SQLite and PostgreSQL, and validation keeps the ids
unambiguous (CX330, CX331)."""

from __future__ import annotations

import json

import pytest

from cxspec import load_project
from cxspec.query import connect
from cxspec.registry import default_registry

CONFIG = "version: 1\nproject: renames\ngrain: month\n"
SOURCE = "version: 1\nsources:\n  - {id: c, type: file, path: data/c.csv, time: t, key: id}\n"
BEFORE = SOURCE + "metrics:\n  - {id: fcr, type: rate, source: c, condition: resolved = 1}\n"
AFTER = SOURCE + (
    "metrics:\n"
    "  - id: first_contact_resolution\n"
    "    previous_ids: [fcr]\n"
    "    type: rate\n"
    "    source: c\n"
    "    condition: resolved = 1\n"
)
ROWS = [  # id, day, resolved
    (1, "2026-01-05", 1), (2, "2026-01-09", 0), (3, "2026-01-20", 1),
    (4, "2026-02-03", 0), (5, "2026-02-10", 0), (6, "2026-02-11", 1), (7, "2026-02-25", 1),
]  # fmt: skip


def csv(rows) -> str:
    return "id,t,resolved\n" + "".join(f"{i},{d}T10:00:00Z,{r}\n" for i, d, r in rows)


def expected_rates(rows) -> dict[str, float]:
    """Percent resolved per month, in plain Python."""
    months: dict[str, list[int]] = {}
    for _, day, resolved in rows:
        months.setdefault(day[:7] + "-01", []).append(resolved)
    return {m: 100.0 * sum(v) / len(v) for m, v in sorted(months.items())}


@pytest.fixture(params=["duckdb", "sqlite", "postgres"])
def warehouse_url(request, tmp_path):
    if request.param == "postgres":
        url = request.getfixturevalue("postgres_url")
        drop_tables(url)
        yield url
        drop_tables(url)
        return
    yield {"duckdb": f"duckdb:///{tmp_path}/w.duckdb", "sqlite": f"sqlite:///{tmp_path}/w.db"}[request.param]


def drop_tables(url: str) -> None:
    import psycopg

    with psycopg.connect(url, autocommit=True) as connection:
        for name in ("cxspec_results", "cxspec_scores", "cxspec_layout"):
            connection.execute(f'DROP TABLE IF EXISTS "{name}"')  # a test's own SQL


def stored(root) -> list[tuple]:
    with connect(None, load_project(root), default_registry()) as warehouse:
        _, rows = warehouse.execute(
            'SELECT "metric", CAST("period" AS VARCHAR(10)), "value", "definition" '
            'FROM "cxspec_results" ORDER BY 1, 2'
        )
    return [(m, str(p)[:10], v, d) for m, p, v, d in rows]


def series(run_main, root, metric_id) -> dict[str, float]:
    code, out, err = run_main("report", str(root), "--format", "json")
    assert code == 0, err
    metric = next(m for m in json.loads(out)["metrics"] if m["id"] == metric_id)
    assert metric["breaks"] == []  # a rename is not a change of definition
    return {row["period"]: row["value"] for row in metric["series"]}


def test_history_carries_over_a_rename(make_project, run_main, warehouse_url):
    january = [r for r in ROWS if r[1] < "2026-02"]
    root = make_project(
        {"specs.yaml": BEFORE, "data/c.csv": csv(ROWS)}, config=CONFIG + f'warehouse: "{warehouse_url}"\n'
    )
    code, _, err = run_main("run", str(root), "--quiet")
    assert code == 0, err
    (root / "specs.yaml").write_text(AFTER)
    # January's rows have left the export since: only a run of February can recompute anything
    (root / "data/c.csv").write_text(csv([r for r in ROWS if r not in january]))

    expected = expected_rates(ROWS)
    # before any run under the new id, the report already shows the history under it
    assert series(run_main, root, "first_contact_resolution") == pytest.approx(expected)

    code, _, err = run_main("run", str(root), "--quiet", "--from", "2026-02-01")
    assert code == 0, err
    rows = stored(root)
    assert {m for m, *_ in rows} == {"first_contact_resolution"}  # nothing left under the old id
    assert {p: v for _, p, v, _ in rows} == pytest.approx(expected)
    assert len({d for *_, d in rows}) == 1  # one definition: the history is comparable
    assert series(run_main, root, "first_contact_resolution") == pytest.approx(expected)


def test_a_row_of_the_new_id_wins_over_the_old_ids(make_project, run_main, warehouse_url):
    """A run under the new id before `previous_ids:` was added left both ids' rows for a period."""
    root = make_project(
        {"specs.yaml": BEFORE, "data/c.csv": csv(ROWS)}, config=CONFIG + f'warehouse: "{warehouse_url}"\n'
    )
    assert run_main("run", str(root), "--quiet")[0] == 0
    newer = [(i, d, 1) for i, d, _ in ROWS]  # everything resolved now
    (root / "specs.yaml").write_text(AFTER.replace("    previous_ids: [fcr]\n", ""))
    (root / "data/c.csv").write_text(csv(newer))
    assert run_main("run", str(root), "--quiet", "--to", "2026-01-31")[0] == 0
    (root / "specs.yaml").write_text(AFTER)
    (root / "data/c.csv").write_text(csv([r for r in newer if r[1] >= "2026-02"]))
    assert run_main("run", str(root), "--quiet", "--from", "2026-02-01")[0] == 0
    values = {p: v for m, p, v, _ in stored(root)}
    assert [m for m, *_ in stored(root)] == ["first_contact_resolution"] * 2
    assert values == pytest.approx({"2026-01-01": 100.0, "2026-02-01": 100.0})


@pytest.mark.parametrize(
    "specs, code, message, line, col",
    [
        (
            BEFORE + AFTER.split("metrics:\n")[1],
            "CX330",
            "metric 'first_contact_resolution' lists 'fcr' in previous_ids, but metric 'fcr' still exists",
            7,
            20,
        ),
        (
            AFTER + AFTER.split("metrics:\n")[1].replace("first_contact_resolution", "fcr_phone"),
            "CX331",
            "metrics 'fcr_phone' and 'first_contact_resolution' both list 'fcr' in previous_ids",
            6,
            20,
        ),
    ],
)
def test_previous_ids_are_unambiguous(make_project, run_main, specs, code, message, line, col):
    root = make_project({"specs.yaml": specs, "data/c.csv": csv(ROWS)})
    status, out, err = run_main("validate", str(root))
    assert status == 1
    assert f"specs.yaml:{line}:{col}: error {code}: {message}" in out + err, out + err
