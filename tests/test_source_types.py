"""What source types can say about their sources: declared columns (checked by CX404) and
field defaults (read by the model and by `cxspec diff`)."""

from __future__ import annotations

import pytest

from cxspec.hookspecs import hookimpl
from cxspec.source_type import SourceType


class TicketExport(SourceType):
    """A plugin source type that knows its columns and defaults its event time."""

    name = "ticket_export"
    fields = {"path": {"type": "string"}}
    field_defaults = {"time": "created_at", "keep": "earliest"}

    def columns(self, source, project):
        return {"id": "BIGINT", "created_at": "TIMESTAMP", "channel": "VARCHAR", "rating": "INTEGER"}


class Plugin:
    @hookimpl
    def cxspec_register_source_types(self):
        return [TicketExport]


@pytest.fixture
def registry():
    from cxspec.registry import build_registry

    return build_registry(external=False, extra=(("tickets", Plugin()),))


def validate_specs(make_project, registry, specs: str):
    from cxspec.validate import validate_project

    return validate_project(make_project({"specs/cx.yaml": specs}), registry)


def codes(validation) -> list[tuple[str, str, str]]:
    return [(d.code, str(d.location), d.message) for d in validation.diagnostics]


# -- declared columns --------------------------------------------------------------------------


def test_names_that_are_columns_pass(make_project, registry):
    validation = validate_specs(
        make_project,
        registry,
        """\
        version: 1
        sources:
          - id: t
            type: ticket_export
            filter: "Channel <> 'spam'"
            dimensions: [{name: web, expr: "channel = 'web'"}]
        journeys:
          - {id: help, stages: [ask]}
        touchpoints:
          - {id: web, journey: help, stage: ask, match: "channel = 'web'"}
        metrics:
          - {id: avg, type: mean, source: t, column: rating, filter: "rating IS NOT NULL", touchpoint: web}
          - {id: low, type: rate, source: t, condition: "rating <= 2"}
        """,
    )
    assert validation.ok, codes(validation)


def test_names_that_are_not_columns_are_located_with_a_close_name(make_project, registry):
    validation = validate_specs(
        make_project,
        registry,
        """\
        version: 1
        sources:
          - id: t
            type: ticket_export
            filter: "chanel <> 'spam'"
            dimensions: [{name: web, expr: "chanel = 'web'"}]
        journeys:
          - {id: help, stages: [ask]}
        touchpoints:
          - {id: web, journey: help, stage: ask, match: "channel = 'web' AND agent = 'x'"}
        metrics:
          - {id: avg, type: mean, source: t, column: ratings, touchpoint: web}
          - {id: low, type: rate, source: t, condition: "id > 0 AND rating <= 2 OR score <= 2"}
        """,
    )
    assert codes(validation) == [
        (
            "CX404",
            "specs/cx.yaml:5:14",
            "filter of source 't' names 'chanel', which is not a column of source 't'",
        ),
        (
            "CX404",
            "specs/cx.yaml:6:37",
            "dimension 'web' of source 't' names 'chanel', which is not a column of source 't'",
        ),
        (
            "CX404",
            "specs/cx.yaml:10:70",
            "match of touch point 'web' (metric 'avg') names 'agent', which is neither a column nor a "
            "dimension of source 't'",
        ),
        (
            "CX404",
            "specs/cx.yaml:12:46",
            "column of metric 'avg' names 'ratings', which is not a column of source 't'",
        ),
        (
            "CX404",
            "specs/cx.yaml:13:76",
            "condition of metric 'low' names 'score', which is neither a column nor a dimension of "
            "source 't'",
        ),
    ]
    hints = [d.hint for d in validation.diagnostics]
    assert hints[0] == "did you mean 'channel'?"
    # a metric's fragment may name the source's expression dimension `web` too
    assert hints[2] == "its columns and dimensions: channel, created_at, id, rating, web"


def test_a_sql_source_declares_the_names_of_its_select_list(make_project):
    from cxspec.registry import default_registry

    specs = """\
        version: 1
        sources:
          - id: q
            type: sql
            query: "SELECT id, created_at AS t, CAST(score AS INTEGER) AS score FROM tickets"
            time: t
        metrics:
          - {id: avg, type: mean, source: q, column: scor}
        """
    validation = validate_specs(make_project, default_registry(), specs)
    assert [(d.code, d.message, d.hint) for d in validation.diagnostics] == [
        (
            "CX404",
            "column of metric 'avg' names 'scor', which is not a column of source 'q'",
            "did you mean 'score'?",
        )
    ]
    starred = validate_specs(make_project, default_registry(), specs.replace("id, created_at AS t,", "*,"))
    assert starred.ok  # `*`: the names are the engine's to know


# -- field defaults ----------------------------------------------------------------------------


def test_field_defaults_fill_the_model(make_project, registry):
    validation = validate_specs(
        make_project,
        registry,
        """\
        version: 1
        sources:
          - {id: a, type: ticket_export}
          - {id: b, type: ticket_export, time: id, keep: latest}
        """,
    )
    assert validation.ok, codes(validation)
    a, b = validation.project.sources["a"], validation.project.sources["b"]
    assert (a.time, a.keep, a.get("time")) == ("created_at", "earliest", "created_at")
    assert (b.time, b.keep) == ("id", "latest")


def test_writing_out_a_default_is_no_change(make_project, registry):
    from cxspec.diffing.normalise import normalise_project

    def normalised(sources: str):
        validation = validate_specs(make_project, registry, f"version: 1\nsources:\n{sources}")
        assert validation.ok, codes(validation)
        found = normalise_project(validation.project, registry)["sources"]
        return {key: entity.values for key, entity in found.items()}

    left_out = normalised("  - {id: a, type: ticket_export}\n  - {id: f, type: file, path: r.csv}\n")
    written = normalised(
        "  - {id: a, type: ticket_export, time: created_at, keep: earliest}\n"
        "  - {id: f, type: file, path: r.csv, format: csv}\n"
    )
    assert left_out == written
    changed = normalised("  - {id: a, type: ticket_export, time: id}\n  - {id: f, type: file, path: r.csv}\n")
    assert changed != left_out


def test_an_export_defaults_its_time_without_its_check_changing_the_source():
    pytest.importorskip("cxspec_survey_exports")
    from pathlib import Path

    from cxspec.check_context import CheckContext
    from cxspec.diagnostics import DiagnosticSink
    from cxspec.registry import default_registry
    from cxspec.validate import validate_project

    example = Path(__file__).parents[1] / "plugins" / "cxspec-survey-exports" / "examples" / "cx-survey"
    registry = default_registry()
    validation = validate_project(example, registry)
    exports = [s for s in validation.project.sources.values() if s.type == "qualtrics_export"]
    assert exports and all(s.time == "RecordedDate" for s in exports if "time" not in s.raw)
    source = exports[0]
    source.time = None
    registry.source_types["qualtrics_export"].check(
        source, CheckContext(validation.project, registry, DiagnosticSink())
    )
    assert source.time is None
