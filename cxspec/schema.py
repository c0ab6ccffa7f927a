"""The JSON Schema (draft 2020-12) of spec language v1, composed from the registered plugins.

Two documents: one for `cxspec.yaml`, one for spec files. Metric and source items are
`type`-discriminated: the composed schema says so with if/then per type and
`unevaluatedProperties: false`, so that editors check a plugin's fields as strictly as a
built-in's. The validator applies the same per-type schemas directly (see `item_schema`),
which is faster and gives one precise message per problem.
"""

from __future__ import annotations

import copy
import json

from cxspec import analysis_schema
from cxspec.issues_state.benchmarks import SCHEMA as BENCHMARKS
from cxspec.issues_state.criteria import SCHEMA as ISSUE_CRITERIA
from cxspec.issues_state.initiatives import SCHEMA as INITIATIVES
from cxspec.model import CATEGORIES, DIRECTIONS, GRAINS
from cxspec.notify.config import SCHEMA as NOTIFY
from cxspec.registry import Registry
from cxspec.schema_parts import FRAGMENT, ID, REF, TEXT

DRAFT = "https://json-schema.org/draft/2020-12/schema"
SPEC_VERSIONS = (1,)

PAIR = {"type": "array", "items": {"type": "number"}, "minItems": 2, "maxItems": 2}
VERSION = {"const": 1, "description": "The spec language version."}
#: A lint rule by name (`metric-without-owner`) or code (`CXL001`).
LINT_RULE = {"type": "string", "pattern": "^[A-Za-z][A-Za-z0-9_-]*$"}
#: An entry-point name, as `cxspec plugins` lists it (`slack-digest`, `cxspec_dbt`).
PLUGIN_NAME = "^[A-Za-z0-9][A-Za-z0-9_.-]*$"
#: `lint: {ignore: [...], reason: ...}` on a spec item: findings inside it are not reported.
LINT_IGNORE = {
    "type": "object",
    "required": ["ignore"],
    "additionalProperties": False,
    "description": "Lint findings not to report for this item (docs/lint-rules.md).",
    "properties": {
        "ignore": {"type": "array", "minItems": 1, "items": LINT_RULE, "uniqueItems": True},
        "reason": {"type": "string", "description": "Why the finding does not apply here."},
    },
}


#: sqlglot "dialects" that are not SQL: a query cannot be written in them.
NOT_SQL = frozenset({"dax", "prql"})


#: sqlglot's SQL dialects (`sqlglot.Dialects` less NOT_SQL), written out: every `cxspec
#: validate` builds the schema, and importing sqlglot for this list was ~40% of its start-up.
#: tests/test_startup.py checks it against the installed sqlglot.
DIALECTS = (
    "athena", "bigquery", "clickhouse", "databricks", "doris", "dremio", "drill", "druid",
    "duckdb", "dune", "exasol", "fabric", "hive", "materialize", "mysql", "oracle", "postgres",
    "presto", "redshift", "risingwave", "snowflake", "solr", "spark", "spark2", "sqlite",
    "starrocks", "tableau", "teradata", "trino", "tsql",
)  # fmt: skip


def dialects() -> list[str]:
    return list(DIALECTS)


def project_schema() -> dict:
    """The schema of `cxspec.yaml`."""
    return {
        "$schema": DRAFT,
        "$id": "urn:cxspec:schema:project:v1",
        "title": "cxspec project (cxspec.yaml)",
        "type": "object",
        "required": ["version", "project"],
        "additionalProperties": False,
        "properties": {
            "version": VERSION,
            "project": {**ID, "description": "The project's id, stored with every result."},
            "name": TEXT,
            "description": TEXT,
            "grain": {"enum": list(GRAINS), "description": "Default reporting grain."},
            "warehouse": {
                "type": "string",
                "minLength": 1,
                "description": "Where queries run: duckdb:///path, postgresql://…",
            },
            "dialect": {
                "enum": dialects(),
                "description": "The SQL dialect fragments in specs are written in.",
            },
            "paths": {
                "type": "array",
                "items": {"type": "string", "minLength": 1},
                "minItems": 1,
                "description": "Only these folders hold spec files.",
            },
            "output": {
                "type": "string",
                "minLength": 1,
                "description": "Folder for compiled SQL and reports (never read as specs).",
            },
            "plugins": {
                "type": "object",
                "propertyNames": {"pattern": PLUGIN_NAME},
                "additionalProperties": {"type": "object"},
                "description": (
                    "Configuration of each plugin, by its entry-point name (`cxspec plugins`): "
                    "given to that plugin's outputs, lint rules and cxspec_after_run (docs/writing-plugins.md)."
                ),
            },
            "segments": SEGMENTS,
            "issues": ISSUE_CRITERIA,
            "benchmarks": BENCHMARKS,
            "notify": NOTIFY,
            "initiatives": INITIATIVES,
            "lint": {
                "type": "object",
                "additionalProperties": False,
                "description": "Which lint rules run and how severe their findings are (docs/lint-rules.md).",
                "properties": {
                    "enable": {"type": "array", "items": LINT_RULE, "uniqueItems": True},
                    "disable": {"type": "array", "items": LINT_RULE, "uniqueItems": True},
                    "severity": {
                        "type": "object",
                        "propertyNames": LINT_RULE,
                        "additionalProperties": {"enum": ["error", "warning", "info", "off"]},
                    },
                },
            },
        },
    }


# Sections other than metrics and sources: fixed fields.
OWNER = {
    "type": "object",
    "required": ["id"],
    "additionalProperties": False,
    "properties": {
        "id": ID,
        "name": TEXT,
        "description": TEXT,
        "kind": {"enum": ["team", "person"]},
        "email": {"type": "string", "pattern": "^[^@\\s]+@[^@\\s]+$"},
        "github": {"type": "string", "pattern": "^@[A-Za-z0-9][A-Za-z0-9-]*(/[A-Za-z0-9._-]+)?$"},
        "parent": REF,
        "segments": {
            "type": "array",
            "minItems": 1,
            "description": (
                "Segments this owner is accountable for, e.g. [{region: EMEA}]: issues in them go to "
                "this owner (docs/owners.md)."
            ),
            "items": {
                "type": "object",
                "minProperties": 1,
                "additionalProperties": {"type": ["string", "number", "boolean", "null"]},
            },
        },
        "lint": LINT_IGNORE,
    },
}
DIMENSION = {
    "oneOf": [
        {"type": "string", "minLength": 1},
        {
            "type": "object",
            "required": ["name"],
            "additionalProperties": False,
            "properties": {
                "name": {"type": "string", "pattern": "^[A-Za-z_][A-Za-z0-9_]*$"},
                "expr": FRAGMENT,
                "from": {**REF, "description": "A source to look the value up in, joined on entity."},
                "column": {"type": "string", "minLength": 1, "description": "Its column (default: name)."},
                "description": TEXT,
            },
        },
    ]
}
SOURCE_COMMON = {
    "id": ID,
    "type": {"type": "string"},
    "name": TEXT,
    "description": TEXT,
    "owner": REF,
    "time": {"type": "string", "minLength": 1, "description": "Event time column."},
    "entity": {"type": "string", "minLength": 1, "description": "Customer key column."},
    "key": {"type": "string", "minLength": 1, "description": "Row key: counted once."},
    "keep": {"enum": ["latest", "earliest"]},
    "time_format": {
        "type": "string",
        "minLength": 2,
        "description": 'How the time columns are written, strptime-style ("%m/%d/%y %H:%M").',
    },
    "taken": {
        "type": "string",
        "format": "date",
        "pattern": "^[0-9]{4}-[0-9]{2}-[0-9]{2}$",
        "description": "A snapshot's day (YYYY-MM-DD): its rows, without a time column, are placed on it.",
    },
    "start": {"type": "string", "minLength": 1, "description": "Column where an entity starts."},
    "end": {"type": "string", "minLength": 1, "description": "Column where an entity ends (NULL: active)."},
    "filter": FRAGMENT,
    "dimensions": {"type": "array", "items": DIMENSION},
    "lint": LINT_IGNORE,
}
JOURNEY = {
    "type": "object",
    "required": ["id", "stages"],
    "additionalProperties": False,
    "properties": {
        "id": ID,
        "name": TEXT,
        "description": TEXT,
        "owner": REF,
        "stages": {"type": "array", "minItems": 1, "items": ID},
        "lint": LINT_IGNORE,
    },
}
TOUCHPOINT = {
    "type": "object",
    "required": ["id", "journey", "stage"],
    "additionalProperties": False,
    "properties": {
        "id": ID,
        "name": TEXT,
        "description": TEXT,
        "journey": REF,
        "stage": REF,
        "owner": REF,
        "intended": {"type": "boolean"},
        "channel": TEXT,
        "match": FRAGMENT,
        "lint": LINT_IGNORE,
    },
}
METRIC_COMMON = {
    "id": ID,
    "type": {"type": "string"},
    "name": TEXT,
    "description": TEXT,
    "touchpoint": REF,
    "category": {"enum": list(CATEGORIES)},
    "owner": REF,
    "tracked_by": REF,
    "direction": {"enum": list(DIRECTIONS)},
    "unit": TEXT,
    "min_sample": {"type": "integer", "minimum": 1},
    "version": {"type": "integer", "minimum": 1},
    "tags": {"type": "array", "items": {"type": "string"}, "uniqueItems": True},
    "previous_ids": {"type": "array", "items": ID, "uniqueItems": True, "minItems": 1},
    "grain": {"enum": list(GRAINS), "description": "Its own grain, at or above the project's."},
    "lint": LINT_IGNORE,
    "issues": ISSUE_CRITERIA,
}
SOURCE_METRIC_FIELDS = {"source": REF, "filter": FRAGMENT}
GOAL = {
    "type": "object",
    "required": ["metric", "target"],
    "additionalProperties": False,
    "properties": {
        "metric": REF,
        "target": {"type": "number"},
        "warn": {"type": "number"},
        "due": {"type": "string", "format": "date", "pattern": "^[0-9]{4}-[0-9]{2}-[0-9]{2}$"},
        "owner": REF,
        "description": TEXT,
        "lint": LINT_IGNORE,
        "segments": {
            "type": "array",
            "minItems": 1,
            "description": "Targets per segment: the override whose `where` matches the most dimensions wins.",
            "items": {
                "type": "object",
                "required": ["where", "target"],
                "additionalProperties": False,
                "properties": {
                    "where": {
                        "type": "object",
                        "minProperties": 1,
                        "additionalProperties": {"type": ["string", "number", "boolean", "null"]},
                        "description": "Dimension values, e.g. {region: APAC}.",
                    },
                    "target": {"type": "number"},
                    "warn": {"type": "number"},
                },
            },
        },
    },
}
#: A dimension name in `segments:` of cxspec.yaml.
DIMENSION_NAME = {"type": "string", "minLength": 1}
SEGMENTS = {
    "type": "array",
    "minItems": 1,
    "description": (
        "Segments every metric is also computed for: a dimension, or a list of dimensions "
        "(their combinations). The total is always computed."
    ),
    "items": {
        "anyOf": [
            DIMENSION_NAME,
            {"type": "array", "items": DIMENSION_NAME, "minItems": 1},
        ]
    },
}
PYRAMID_NODE = {
    "type": "object",
    "additionalProperties": False,
    "properties": {
        "id": ID,
        "name": TEXT,
        "description": TEXT,
        "owner": REF,
        "weight": {"type": "number"},
        "metric": REF,
        "pyramid": REF,
        "bounds": PAIR,
        "children": {"type": "array", "minItems": 1, "items": {"$ref": "#/$defs/pyramid_node"}},
        "lint": LINT_IGNORE,
    },
    "oneOf": [{"required": ["children"]}, {"required": ["metric"]}, {"required": ["pyramid"]}],
    "dependentRequired": {"children": ["id"]},
}
PYRAMID = {
    "type": "object",
    "required": ["id", "children"],
    "additionalProperties": False,
    "properties": {
        "id": ID,
        "name": TEXT,
        "description": TEXT,
        "owner": REF,
        "normalize": {"enum": ["bounds", "goal"]},
        "children": {"type": "array", "minItems": 1, "items": {"$ref": "#/$defs/pyramid_node"}},
        "lint": LINT_IGNORE,
    },
}

#: Section → the $defs name of its items.
SECTION_ITEMS = {
    "owners": "owner", "sources": "source", "journeys": "journey", "touchpoints": "touchpoint",
    "metrics": "metric", "goals": "goal", "pyramids": "pyramid",
    "drivers": "drivers_analysis", "links": "link",
}  # fmt: skip


def _with_lint(item: dict) -> dict:
    """A v1.1 item (cxspec/analysis_schema.py) with the shared `lint:` definition."""
    return {**item, "properties": {**item["properties"], "lint": LINT_IGNORE}}


def metric_fields(metric_type) -> dict:
    own = dict(SOURCE_METRIC_FIELDS) if metric_type.reads_source else {}
    own.update(metric_type.fields)
    return own


def metric_required(metric_type) -> list[str]:
    return (["source"] if metric_type.reads_source else []) + list(metric_type.required)


def item_schema(kind: str, type_obj) -> dict:
    """The closed schema of one metric or source item of a known type."""
    if kind == "metric":
        common, fields, required = METRIC_COMMON, metric_fields(type_obj), metric_required(type_obj)
    else:
        common, fields, required = SOURCE_COMMON, dict(type_obj.fields), list(type_obj.required)
    return {
        "type": "object",
        "required": ["id", "type", *required],
        "additionalProperties": False,
        "properties": {**common, **fields, "type": {"const": type_obj.name}},
    }


def _discriminated(common: dict, types: dict, fields_of, required_of) -> dict:
    names = sorted(types)
    return {
        "type": "object",
        "required": ["id", "type"],
        "properties": {**common, "type": {"enum": names}},
        "allOf": [
            {
                "if": {"properties": {"type": {"const": name}}, "required": ["type"]},
                "then": {"properties": fields_of(types[name]), "required": required_of(types[name])},
            }
            for name in names
        ],
        "unevaluatedProperties": False,
    }


def defs(registry: Registry) -> dict:
    return {
        "owner": OWNER,
        "source": _discriminated(
            SOURCE_COMMON, registry.source_types, lambda t: dict(t.fields), lambda t: list(t.required)
        ),
        "journey": JOURNEY,
        "touchpoint": TOUCHPOINT,
        "metric": _discriminated(METRIC_COMMON, registry.metric_types, metric_fields, metric_required),
        "goal": GOAL,
        "pyramid": PYRAMID,
        "pyramid_node": PYRAMID_NODE,
        "drivers_analysis": _with_lint(analysis_schema.DRIVERS),
        "link": _with_lint(analysis_schema.LINK),
    }


def spec_schema(registry: Registry) -> dict:
    """The composed schema of a spec file."""
    return {
        "$schema": DRAFT,
        "$id": "urn:cxspec:schema:spec:v1",
        "title": "cxspec spec file",
        "type": "object",
        "required": ["version"],
        "additionalProperties": False,
        "properties": {
            "version": VERSION,
            **{
                section: {"type": "array", "items": {"$ref": f"#/$defs/{item}"}}
                for section, item in SECTION_ITEMS.items()
            },
        },
        "$defs": copy.deepcopy(defs(registry)),
    }


SCHEMA_FILES = {"project": "cxspec.schema.json", "spec": "spec.schema.json"}


def render(schema: dict) -> str:
    """Stable text: sorted keys, two-space indent, newline at the end."""
    return json.dumps(schema, indent=2, sort_keys=True, ensure_ascii=False) + "\n"
