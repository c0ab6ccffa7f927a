"""Entities as flat `field → value` maps of what they mean, not how they are written.

Key order, quoting, comments, the file an item sits in and the order of a pyramid's
children make no difference; defaults written out equal defaults left out; SQL fragments
compare as sqlglot trees (printed canonically), so `channel in ('a','b')` equals
`Channel IN ('a', 'b')`.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from functools import lru_cache

import sqlglot
from sqlglot import exp
from sqlglot.errors import SqlglotError

from cxspec.sqlfrag import parse_fragment

#: Entity kinds in the order they are reported.
KINDS = ("config", "owners", "sources", "journeys", "touchpoints", "metrics", "goals", "pyramids")
SINGULAR = {
    "config": "config",
    "owners": "owner",
    "sources": "source",
    "journeys": "journey",
    "touchpoints": "touch point",
    "metrics": "metric",
    "goals": "goal",
    "pyramids": "pyramid",
}
#: Fields holding one SQL expression, per kind (metric types add their `predicate_fields`).
FRAGMENT_FIELDS = {"sources": ("filter",), "touchpoints": ("match",), "metrics": ("filter", "expr")}
DEFAULTS = {
    "config": {
        "grain": "month",
        "warehouse": "duckdb:///:memory:",
        "dialect": "duckdb",
        "output": "cxspec-out",
    },
    "owners": {"kind": "team"},
    "sources": {"keep": "latest"},
    "touchpoints": {"intended": True},
    "metrics": {"direction": "higher_is_better", "version": 1},
    "pyramids": {"normalize": "bounds"},
}


@dataclass
class Normalised:
    """One entity: canonical values to compare, and values as written to show."""

    kind: str
    id: str
    values: dict[str, object] = field(default_factory=dict)
    shown: dict[str, object] = field(default_factory=dict)
    #: `file:line` where it is written.
    where: str = ""
    #: The spec file and the mapping it was read from, to place each field.
    file: str = ""
    raw: object = None
    #: Lines of fields that are not top-level keys of `raw` (pyramid nodes, dimensions).
    lines: dict[str, int] = field(default_factory=dict)
    #: Metrics whose values this metric is computed from (ratio, derived), sorted.
    depends: tuple[str, ...] = ()

    def put(self, name: str, value, shown=None) -> None:
        self.values[name] = value
        self.shown[name] = value if shown is None else shown

    def locate(self, name: str) -> str:
        """`file:line` of a field: its own line, else its top-level key's, else the item's."""
        line = self.lines.get(name)
        if line is None:
            positions = getattr(self.raw, "value_pos", {})
            pos = positions.get(name.split(".", 1)[0]) or getattr(self.raw, "pos", None)
            line = pos[0] if pos else None
        return f"{self.file}:{line}" if line else self.file

    def without(self, ignored) -> dict:
        return {
            k: v for k, v in self.values.items() if k not in ignored and k.split(".", 1)[0] not in ignored
        }


def plain(value):
    """YAML containers as plain dicts and lists (positions dropped)."""
    if isinstance(value, (str, int, float)) or value is None:
        return value
    if isinstance(value, dict):
        return {str(k): plain(v) for k, v in value.items()}
    if isinstance(value, list):
        return [plain(v) for v in value]
    return value


@lru_cache(maxsize=65536)
def canonical_sql(text: str, dialect: str) -> str:
    """One expression, printed the same however it was written (comments and parentheses dropped)."""
    parsed = parse_fragment(text, dialect).expression
    if parsed is None:
        return " ".join(text.split())
    while isinstance(parsed, exp.Paren):
        parsed = parsed.this
    # transform copies the shared parse once; printing the copy needs no second copy
    tree = parsed.transform(_drop_needless_paren)
    return tree.sql(dialect=dialect, normalize=True, comments=False, copy=False)


def rename_columns(text: str, mapping: dict[str, str], dialect: str) -> str:
    """A canonical expression with column names replaced (`mapping`: old → new)."""
    try:
        tree = sqlglot.parse_one(text, read=dialect)
    except (SqlglotError, RecursionError):
        return text
    for column in tree.find_all(exp.Column):
        if column.name in mapping:
            column.set("this", exp.to_identifier(mapping[column.name]))
    return tree.sql(dialect=dialect, normalize=True, comments=False, copy=False)


def _drop_needless_paren(node: exp.Expression) -> exp.Expression:
    """`(x)` around a column, literal, call or another parenthesis means x."""
    atom = (exp.Column, exp.Literal, exp.Func, exp.Paren)
    # AND/OR are Func in sqlglot too, and need their parentheses
    if (
        isinstance(node, exp.Paren)
        and isinstance(node.this, atom)
        and not isinstance(node.this, exp.Connector)
    ):
        return node.this.copy()
    return node


def canonical_query(text: str, dialect: str) -> str:
    try:
        statements = [s for s in sqlglot.parse(text, read=dialect) if s is not None]
    except (SqlglotError, RecursionError):
        return " ".join(text.split())
    return ";".join(s.sql(dialect=dialect, normalize=True, comments=False) for s in statements)


def _flatten(prefix: str, value, entity: Normalised) -> None:
    if isinstance(value, dict) and value:
        for key in sorted(value):
            _flatten(f"{prefix}.{key}" if prefix else key, value[key], entity)
    else:
        entity.put(prefix, value)


def _generic(kind: str, item_id: str, raw: dict, skip=()) -> Normalised:
    entity = Normalised(kind, item_id)
    values = {**DEFAULTS.get(kind, {}), **{k: v for k, v in plain(raw).items() if k not in skip}}
    _flatten("", {k: v for k, v in values.items() if v is not None}, entity)
    return entity


def _fragments(entity: Normalised, raw, names, dialect: str) -> None:
    for name in names:
        text = raw.get(name)
        if isinstance(text, str):
            entity.put(name, canonical_sql(text, dialect), text)


def config(project) -> Normalised:
    entity = _generic("config", "config", project.config.raw, skip=("version",))
    entity.put("project", project.config.project)
    if isinstance(entity.values.get("paths"), list):
        entity.put("paths", sorted(str(p).strip("/") for p in entity.values["paths"]))
    return entity


def owner(item, dialect: str) -> Normalised:
    return _generic("owners", item.id, item.raw)


def journey(item, dialect: str) -> Normalised:
    return _generic("journeys", item.id, item.raw)


def goal(item, dialect: str) -> Normalised:
    entity = _generic("goals", item.id, item.raw, skip=("metric",))
    for name in ("target", "warn"):
        if isinstance(entity.values.get(name), (int, float)):
            entity.put(name, float(entity.values[name]), entity.shown[name])
    return entity


def source(item, dialect: str) -> Normalised:
    # Its source type's defaults (SourceType.defaults, applied when the project was loaded).
    entity = _generic("sources", item.id, {**item.defaults, **item.raw}, skip=("dimensions",))
    _fragments(entity, item.raw, FRAGMENT_FIELDS["sources"], dialect)
    if isinstance(item.raw.get("query"), str):
        entity.put("query", canonical_query(item.raw["query"], dialect), item.raw["query"])
    listed = item.raw.get("dimensions")
    for dimension in item.dimensions:  # order only changes how they are listed
        expr = canonical_sql(dimension.expr, dialect) if dimension.expr else None
        entity.put(f"dimensions.{dimension.name}", expr or "(column)", dimension.expr or "(column)")
        if hasattr(listed, "value_pos") and dimension.index < len(listed.value_pos):
            entity.lines[f"dimensions.{dimension.name}"] = listed.value_pos[dimension.index][0]
    return entity


def touchpoint(item, dialect: str) -> Normalised:
    entity = _generic("touchpoints", item.id, item.raw)
    _fragments(entity, item.raw, FRAGMENT_FIELDS["touchpoints"], dialect)
    return entity


def metric_normaliser(registry):
    def metric(item, dialect: str) -> Normalised:
        metric_type = registry.metric_types.get(item.type)
        defaults = dict(getattr(metric_type, "field_defaults", {}) or {})
        entity = _generic("metrics", item.id, {**defaults, **item.raw})
        if isinstance(entity.values.get("tags"), list):
            entity.put("tags", sorted(set(map(str, entity.values["tags"]))))
        predicates = tuple(getattr(metric_type, "predicate_fields", ()))
        _fragments(entity, item.raw, (*FRAGMENT_FIELDS["metrics"], *predicates), dialect)
        if metric_type is not None:
            entity.depends = tuple(sorted({used for used, _ in metric_type.depends_on(item) if used}))
        return entity

    return metric


def pyramid(item, dialect: str) -> Normalised:
    entity = _generic("pyramids", item.id, item.raw, skip=("children",))

    def visit(nodes, path: str) -> None:
        for node in nodes:
            label = {"metric": node.ref, "pyramid": f"pyramid:{node.ref}"}.get(node.kind, node.id) or "?"
            here = f"{path}/{label}" if path else label
            entity.put(f"{here}", node.kind)
            entity.put(f"{here}.weight", node.weight, node.raw.get("weight", 1))
            for name in ("name", "owner", "description"):
                if isinstance(node.raw.get(name), str):
                    entity.put(f"{here}.{name}", node.raw[name])
            if node.bounds is not None:
                entity.put(f"{here}.bounds", list(node.bounds), plain(node.raw.get("bounds")))
            entity.lines[here] = node.raw.pos[0]
            for name in ("weight", "name", "owner", "description", "bounds"):
                entity.lines[f"{here}.{name}"] = node.raw.value_pos.get(name, node.raw.pos)[0]
            visit(node.children, here)

    visit(item.children, "")
    return entity


def normalise_project(project, registry) -> dict[str, dict[str, Normalised]]:
    """kind → id → Normalised, for every entity of the project."""
    dialect = project.config.dialect
    builders = {
        "owners": owner,
        "sources": source,
        "journeys": journey,
        "touchpoints": touchpoint,
        "metrics": metric_normaliser(registry),
        "goals": goal,
        "pyramids": pyramid,
    }
    found: dict[str, dict[str, Normalised]] = {"config": {"config": config(project)}}
    config_entity = found["config"]["config"]
    config_entity.where, config_entity.file, config_entity.raw = (
        project.config.file,
        project.config.file,
        project.config.raw,
    )
    for kind, build in builders.items():
        found[kind] = {}
        for item_id in sorted(project.section(kind)):
            item = project.section(kind)[item_id]
            entity = build(item, dialect)
            entity.where = f"{item.file}:{item.raw.pos[0]}" if hasattr(item.raw, "pos") else item.file
            entity.file, entity.raw = item.file, item.raw
            found[kind][item_id] = entity
    return found
