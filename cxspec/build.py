"""Turn schema-checked YAML items into model objects, and register them by id."""

from __future__ import annotations

import datetime as dt

from cxspec.analysis_build import build_drivers, build_link
from cxspec.diagnostics import DiagnosticSink
from cxspec.model import (
    TAKEN_COLUMN,
    Config,
    Dimension,
    Goal,
    GoalOverride,
    Journey,
    Metric,
    Owner,
    Project,
    Pyramid,
    PyramidNode,
    Source,
    Touchpoint,
)
from cxspec.spec_fields import num_field as _num
from cxspec.spec_fields import pair_field as _pair
from cxspec.spec_fields import str_field as _str
from cxspec.yamlread import YamlMap, YamlSeq


def build_config(raw: YamlMap, file: str, fallback_id: str) -> Config:
    paths = raw.get("paths")
    plugins = raw.get("plugins")
    return Config(
        file=file,
        raw=raw,
        project=_str(raw, "project", fallback_id),
        name=_str(raw, "name"),
        description=_str(raw, "description"),
        grain=_str(raw, "grain", "month"),
        warehouse=_str(raw, "warehouse", "duckdb:///:memory:"),
        dialect=_str(raw, "dialect", "duckdb"),
        paths=[p for p in paths if isinstance(p, str)] if isinstance(paths, list) else None,
        output=_str(raw, "output", "cxspec-out"),
        plugins={k: v for k, v in plugins.items() if isinstance(v, dict)}
        if isinstance(plugins, dict)
        else {},
        segments=_segments(raw.get("segments")),
    )


def _segments(items) -> list[tuple[str, ...]]:
    """`segments: [region, [region, channel]]` as tuples of names; malformed items left out
    (the schema reports them)."""
    found = []
    for item in items if isinstance(items, list) else []:
        names = [item] if isinstance(item, str) else item if isinstance(item, list) else []
        if names and all(isinstance(n, str) for n in names):
            found.append(tuple(names))
    return found


def _owner(raw, file, valid):
    segments = raw.get("segments")
    return Owner(
        file=file,
        raw=raw,
        id=raw["id"],
        valid=valid,
        name=_str(raw, "name"),
        kind=_str(raw, "kind", "team"),
        email=_str(raw, "email"),
        github=_str(raw, "github"),
        parent=_str(raw, "parent"),
        segments=[dict(s) for s in segments if isinstance(s, dict)] if isinstance(segments, list) else [],
    )


def _dimensions(raw, file) -> list[Dimension]:
    items = raw.get("dimensions")
    if not isinstance(items, YamlSeq):
        return []
    found = []
    for index, item in enumerate(items):
        if isinstance(item, str):
            found.append(Dimension(file=file, raw=raw, name=item, expr=None, index=index))
        elif isinstance(item, YamlMap) and isinstance(item.get("name"), str):
            found.append(
                Dimension(
                    file=file,
                    raw=item,
                    name=item["name"],
                    expr=_str(item, "expr"),
                    index=index,
                    lookup=_str(item, "from"),
                    column=_str(item, "column"),
                )
            )
    return found


def _source(raw, file, valid):
    return Source(
        file=file,
        raw=raw,
        id=raw["id"],
        valid=valid,
        type=_str(raw, "type", ""),
        time=_str(raw, "time") or (TAKEN_COLUMN if _taken(raw) and not _str(raw, "start") else None),
        entity=_str(raw, "entity"),
        key=_str(raw, "key"),
        keep=_str(raw, "keep", "latest"),
        start=_str(raw, "start"),
        end=_str(raw, "end"),
        filter=_str(raw, "filter"),
        time_format=_str(raw, "time_format"),
        taken=_taken(raw),
        dimensions=_dimensions(raw, file),
    )


def _taken(raw) -> str | None:
    """A snapshot's day, when it is one of the calendar (else checks/values.py says CX100)."""
    text = _str(raw, "taken")
    try:
        return dt.date.fromisoformat(text).isoformat() if text and len(text) == 10 else None
    except ValueError:
        return None


#: Source fields the model holds as attributes (the others are read with `Source.get`).
_SOURCE_ATTRIBUTES = ("time", "entity", "key", "keep", "start", "end", "filter", "time_format")


def apply_source_defaults(project: Project, registry) -> None:
    """Fields a source leaves out take its source type's defaults (`SourceType.defaults`),
    before any check reads them."""
    for source in project.sources.values():
        source_type = registry.source_types.get(source.type)
        if source_type is None or not source.valid:
            continue
        source.defaults = dict(source_type.defaults(source, project))
        for name, value in source.defaults.items():
            if name in _SOURCE_ATTRIBUTES and name not in source.raw:
                setattr(source, name, value)


def _journey(raw, file, valid):
    stages = raw.get("stages")
    return Journey(
        file=file,
        raw=raw,
        id=raw["id"],
        valid=valid,
        name=_str(raw, "name"),
        owner=_str(raw, "owner"),
        stages=[s for s in stages if isinstance(s, str)] if isinstance(stages, list) else [],
    )


def _touchpoint(raw, file, valid):
    intended = raw.get("intended", True)
    return Touchpoint(
        file=file,
        raw=raw,
        id=raw["id"],
        valid=valid,
        name=_str(raw, "name"),
        journey=_str(raw, "journey"),
        stage=_str(raw, "stage"),
        owner=_str(raw, "owner"),
        intended=intended if isinstance(intended, bool) else True,
        match=_str(raw, "match"),
    )


def _metric(raw, file, valid):
    tags = raw.get("tags")
    previous = raw.get("previous_ids")
    min_sample = raw.get("min_sample")
    version = raw.get("version", 1)
    return Metric(
        file=file,
        raw=raw,
        id=raw["id"],
        valid=valid,
        type=_str(raw, "type", ""),
        name=_str(raw, "name"),
        description=_str(raw, "description"),
        source=_str(raw, "source"),
        filter=_str(raw, "filter"),
        touchpoint=_str(raw, "touchpoint"),
        category=_str(raw, "category"),
        owner=_str(raw, "owner"),
        tracked_by=_str(raw, "tracked_by"),
        direction=_str(raw, "direction", "higher_is_better"),
        unit=_str(raw, "unit"),
        min_sample=min_sample if isinstance(min_sample, int) and not isinstance(min_sample, bool) else None,
        version=version if isinstance(version, int) and not isinstance(version, bool) else 1,
        tags=[t for t in tags if isinstance(t, str)] if isinstance(tags, list) else [],
        previous_ids=[p for p in previous if isinstance(p, str)] if isinstance(previous, list) else [],
        grain=_str(raw, "grain"),
    )


def _goal(raw, file, valid):
    return Goal(
        file=file,
        raw=raw,
        id=raw["metric"],
        valid=valid,
        target=_num(raw, "target"),
        warn=_num(raw, "warn"),
        due=_str(raw, "due"),
        owner=_str(raw, "owner"),
        segments=_overrides(raw.get("segments"), file),
    )


def _overrides(items, file) -> list[GoalOverride]:
    found = []
    for item in items if isinstance(items, list) else []:
        where = item.get("where") if isinstance(item, dict) else None
        # a value that is no scalar (a list, a mapping) is the schema's to report
        if isinstance(where, dict) and not any(isinstance(v, dict | list) for v in where.values()):
            found.append(
                GoalOverride(
                    file=file,
                    raw=item,
                    where=dict(where),
                    target=_num(item, "target"),
                    warn=_num(item, "warn"),
                )
            )
    return found


def _node(raw, file) -> PyramidNode:
    kind = "group" if "children" in raw else ("metric" if "metric" in raw else "pyramid")
    children = raw.get("children")
    return PyramidNode(
        file=file,
        raw=raw,
        kind=kind,
        id=_str(raw, "id"),
        name=_str(raw, "name"),
        weight=float(_num(raw, "weight", 1.0)),
        ref=_str(raw, "metric") or _str(raw, "pyramid"),
        bounds=_pair(raw, "bounds"),
        owner=_str(raw, "owner"),
        children=[_node(c, file) for c in children if isinstance(c, YamlMap)]
        if isinstance(children, list)
        else [],
    )


def _pyramid(raw, file, valid):
    children = raw.get("children")
    return Pyramid(
        file=file,
        raw=raw,
        id=raw["id"],
        valid=valid,
        name=_str(raw, "name"),
        owner=_str(raw, "owner"),
        normalize=_str(raw, "normalize", "bounds"),
        children=[_node(c, file) for c in children if isinstance(c, YamlMap)]
        if isinstance(children, list)
        else [],
    )


BUILDERS = {
    "owners": (_owner, "id", "owner"),
    "sources": (_source, "id", "source"),
    "journeys": (_journey, "id", "journey"),
    "touchpoints": (_touchpoint, "id", "touch point"),
    "metrics": (_metric, "id", "metric"),
    "goals": (_goal, "metric", "goal"),
    "pyramids": (_pyramid, "id", "pyramid"),
    "drivers": (build_drivers, "id", "drivers analysis"),
    "links": (build_link, "id", "link"),
}


def add_file(project: Project, file: str, data: YamlMap, invalid: set, sink: DiagnosticSink) -> None:
    """Add one spec file's items to the project; a repeated id is reported at the repeat."""
    for section, (builder, id_field, singular) in BUILDERS.items():
        items = data.get(section)
        if not isinstance(items, YamlSeq) or (section, "*") in invalid:
            continue
        registry = project.section(section)
        for index, raw in enumerate(items):
            if not isinstance(raw, YamlMap) or not isinstance(raw.get(id_field), str):
                continue
            valid = (section, index) not in invalid
            entity = builder(raw, file, valid)
            if section in ("metrics", "drivers"):
                entity.dialect = project.config.dialect
            first = registry.get(entity.id)
            if first is not None:
                code, what = (
                    ("CX208", f"a second goal for metric {entity.id!r}")
                    if section == "goals"
                    else ("CX201", f"{singular} id {entity.id!r} is defined twice")
                )
                sink.add(
                    code,
                    what,
                    entity.loc(id_field),
                    hint=f"first defined at {first.loc(id_field)}",
                    span=len(entity.id),
                )
                continue
            registry[entity.id] = entity
