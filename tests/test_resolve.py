"""Source resolution: `cxspec compile --warehouse` prints exactly the SQL that `query` and
`run` execute there; relations of the wrong shape; keeps_results."""

from __future__ import annotations

import re

import duckdb
import pytest
import sqlglot

from cxspec import load_project
from cxspec.warehouses.duckdb_warehouse import DuckDBWarehouse

#: Event times as TIMESTAMP (`plain_time`), TIMESTAMPTZ (`tz_time`) and text (`text_time`): the compiler
#: turns each into a UTC timestamp differently once it knows the type (DuckDB's DESCRIBE).
PARQUET = """
COPY (
    SELECT * FROM (VALUES
        (1, TIMESTAMP '2026-01-03 10:00:00', TIMESTAMPTZ '2026-01-03 10:00:00+00',
            '2026-01-03T10:00:00Z', 10, 'web'),
        (2, TIMESTAMP '2026-01-31 23:30:00', TIMESTAMPTZ '2026-01-31 23:30:00-02',
            '2026-01-31T23:30:00-02:00', 6, 'app'),
        (3, TIMESTAMP '2026-02-02 08:00:00', TIMESTAMPTZ '2026-02-02 08:00:00+00',
            '2026-02-02T08:00:00Z', 9, 'web')
    ) AS t(id, plain_time, tz_time, text_time, score, channel)
) TO '{path}' (FORMAT PARQUET)
"""
SPECS = """version: 1
sources:
  - {id: plain, type: file, path: data/r.parquet, time: plain_time, dimensions: [channel]}
  - {id: zoned, type: file, path: data/r.parquet, time: tz_time, key: id}
  - {id: text, type: file, path: data/r.parquet, time: text_time}
metrics:
  - {id: nps_plain, type: nps, source: plain, column: score}
  - {id: nps_zoned, type: nps, source: zoned, column: score}
  - {id: nps_text, type: nps, source: text, column: score}
  - {id: web_share, type: rate, source: plain, condition: "channel = 'web'"}
"""


@pytest.fixture
def project_dir(make_project):
    root = make_project({"specs/cx.yaml": SPECS})
    (root / "data").mkdir()
    con = duckdb.connect()
    con.execute("SET TimeZone = 'UTC'")
    con.execute(PARQUET.format(path=(root / "data" / "r.parquet").as_posix()))
    con.close()
    return root


@pytest.fixture
def executed(monkeypatch):
    """Every statement the DuckDB warehouse is given, in order."""
    statements: list[str] = []
    run_query = DuckDBWarehouse.execute

    def recording(self, sql):
        statements.append(sql)
        return run_query(self, sql)

    monkeypatch.setattr(DuckDBWarehouse, "execute", recording)
    return statements


def printed_queries(stdout: str) -> list[str]:
    """The statements `cxspec compile` prints, each after its `-- query: name` line."""
    parts = re.split(r"^-- query: .*$", stdout, flags=re.M)
    return [part.strip().removesuffix(";") for part in parts if part.strip()]


def same_statement(printed: str, executed_sql: str) -> bool:
    """The same SQL but for layout: compile prints it formatted for reading."""
    return sqlglot.parse_one(printed, read="duckdb").sql(dialect="duckdb") == executed_sql


def metric_queries(statements: list[str]) -> list[str]:
    """The metric queries among the statements run (a run also reads and writes its tables)."""
    return [s for s in statements if '"__period"' in s]


def test_compile_for_the_warehouse_prints_what_query_and_run_execute(project_dir, run_main, executed):
    url = f"duckdb:///{(project_dir / 'results.duckdb').as_posix()}"
    # The same --as-of for all three: query and run default to now, compile to no bound.
    as_of = ("--as-of", "2030-01-01")
    code, stdout, stderr = run_main("compile", str(project_dir), "--warehouse", url, *as_of)
    assert code == 0, stderr
    printed = printed_queries(stdout)
    assert len(printed) == 3  # one query per source
    # The types were asked for: each event time is read by its type.
    assert 'MAKE_TIMESTAMP(EPOCH_US("tz_time"))' in stdout
    assert "CAST(\"text_time\" AS TIMESTAMPTZ) AT TIME ZONE 'UTC'" in stdout

    executed.clear()
    code, _, stderr = run_main("query", str(project_dir), "--warehouse", url, *as_of)
    assert code == 0, stderr
    by_query = metric_queries(executed)
    assert len(by_query) == len(printed)
    assert all(same_statement(p, e) for p, e in zip(printed, by_query, strict=True))

    executed.clear()
    code, _, stderr = run_main("run", str(project_dir), "--warehouse", url, "--quiet", *as_of)
    assert code == 0, stderr
    by_run = metric_queries(executed)
    assert len(by_run) == len(printed)
    assert all(same_statement(p, e) for p, e in zip(printed, by_run, strict=True))


def test_compile_without_a_warehouse_asks_none(project_dir, run_main, executed):
    """Plain `compile` knows no column types: its SQL differs, and nothing is executed."""
    code, stdout, _ = run_main("compile", str(project_dir))
    assert code == 0
    assert executed == []
    assert 'MAKE_TIMESTAMP(EPOCH_US("tz_time"))' not in stdout
    code, with_warehouse, _ = run_main("compile", str(project_dir), "--warehouse", "duckdb:///:memory:")
    assert printed_queries(stdout) != printed_queries(with_warehouse)


def test_compile_refuses_a_dialect_the_warehouse_does_not_run(project_dir, run_main):
    code, _, stderr = run_main(
        "compile", str(project_dir), "--warehouse", "duckdb:///:memory:", "--dialect", "sqlite"
    )
    assert code == 2
    assert "--dialect sqlite does not match the warehouse, which runs duckdb SQL" in stderr


def test_compile_for_sqlite_loads_files_and_names_their_tables(project_dir, run_main, executed):
    """For an engine that cannot read files, the SQL names the temporary table each file
    source is loaded into; query runs that same SQL."""
    url = f"sqlite:///{(project_dir / 'r.db').as_posix()}"
    code, stdout, stderr = run_main("compile", str(project_dir), "--warehouse", url, "-m", "nps_zoned")
    assert code == 0, stderr
    assert 'FROM "zoned"' in stdout
    assert "read_parquet" not in stdout.lower()


@pytest.mark.parametrize(
    "url, keeps, file",
    [
        ("duckdb:///:memory:", False, None),
        ("duckdb://", False, None),
        ("duckdb:///out/r.duckdb", True, "out/r.duckdb"),
        ("sqlite:///:memory:", False, None),
        ("sqlite:///r.db", True, "r.db"),
        ("postgresql://u@localhost/db", True, None),
    ],
)
def test_keeps_results(url, keeps, file, tmp_path):
    from cxspec.query import warehouse_class
    from cxspec.registry import default_registry

    warehouse = warehouse_class(url, default_registry())
    assert warehouse.keeps_results(url, tmp_path) is keeps
    found = warehouse.results_file(url, tmp_path)
    assert found == (tmp_path / file if file else None)


def test_resolution_is_plain_data(project_dir):
    from cxspec.query import connect
    from cxspec.registry import default_registry
    from cxspec.resolve import Resolver

    project = load_project(project_dir)
    registry = default_registry()
    with connect("duckdb:///:memory:", project, registry) as warehouse:
        resolution = Resolver(project, registry, warehouse=warehouse).resolve(project.sources.values())
    assert sorted(resolution) == ["plain", "text", "zoned"]
    zoned = resolution["zoned"]
    assert zoned.relation.sql(dialect="duckdb") == "READ_PARQUET('data/r.parquet')"
    assert zoned.column_types["tz_time"] == "TIMESTAMP WITH TIME ZONE"
    assert zoned.column_types["plain_time"] == "TIMESTAMP"
    unresolved = Resolver(project, registry, "duckdb").resolve([project.sources["zoned"]])
    assert unresolved["zoned"].column_types == {}


# -- relations of the wrong shape ------------------------------------------------------------

ROWS = (
    "SELECT * FROM (VALUES (10, TIMESTAMP '2026-01-05 10:00:00'), (0, TIMESTAMP '2026-01-06 10:00:00')) "
    "AS v(score, t)"
)


class Plugin:
    """Source types that answer `relation` with a bare SELECT, a column, and nothing."""

    from cxspec.hookspecs import hookimpl

    @hookimpl
    def cxspec_register_source_types(self):
        from cxspec.source_type import SourceType

        class BareSelect(SourceType):
            name = "bare_select"

            def relation(self, source, reading):
                return sqlglot.parse_one(ROWS, read="duckdb")

        class NotARelation(SourceType):
            name = "not_a_relation"

            def relation(self, source, reading):
                return sqlglot.exp.column("score")

        class Silent(SourceType):
            name = "silent"

        return [BareSelect, NotARelation, Silent]


def plugin_project(make_project, source_type: str):
    from cxspec.registry import build_registry
    from cxspec.validate import validate_project

    registry = build_registry(external=False, extra=(("shapes", Plugin()),))
    root = make_project(
        {
            "specs/cx.yaml": f"""\
                version: 1
                sources:
                  - {{id: rows, type: {source_type}, time: t}}
                metrics:
                  - {{id: nps, type: nps, source: rows, column: score}}
                """
        }
    )
    validation = validate_project(root, registry)
    assert validation.ok, validation.diagnostics
    return validation.project, registry


def test_a_bare_select_is_read_as_a_subquery(make_project):
    from cxspec.compiler.plan import Request
    from cxspec.query import compute

    project, registry = plugin_project(make_project, "bare_select")
    (result,) = compute(project, Request(), registry)
    assert (result.period, result.value, result.n) == ("2026-01-01", 0.0, 2)


@pytest.mark.parametrize(
    "source_type, message",
    [
        (
            "not_a_relation",
            "specs/cx.yaml:3:22: source 'rows': source type 'not_a_relation' (from shapes) gave Column "
            "as its relation, which a query cannot select from",
        ),
        (
            "silent",
            "specs/cx.yaml:3:22: source 'rows': source type 'silent' (from shapes) "
            "does not say how it is read",
        ),
    ],
)
def test_a_relation_of_the_wrong_shape_is_refused_at_the_source(make_project, source_type, message):
    from cxspec.compiler.compile import compile_request
    from cxspec.compiler.plan import Request
    from cxspec.diagnostics import CxspecError

    project, registry = plugin_project(make_project, source_type)
    with pytest.raises(CxspecError) as info:
        compile_request(project, Request(), "duckdb", registry)
    assert str(info.value).startswith(message)


def test_a_subquery_stays_one_subquery(make_project):
    from cxspec.registry import default_registry
    from cxspec.resolve import Resolver
    from cxspec.validate import validate_project

    root = make_project(
        {
            "specs/cx.yaml": """\
                version: 1
                sources:
                  - {id: q, type: sql, query: "SELECT id FROM t"}
                """
        }
    )
    project = validate_project(root, default_registry()).project
    resolution = Resolver(project, default_registry(), "duckdb").resolve([project.sources["q"]])
    assert resolution["q"].relation.sql(dialect="duckdb") == "(SELECT id FROM t)"
