"""The loaded project as typed objects: what compile, run and reports consume.

Every entity keeps the YAML mapping it came from, so that any later stage can point at
the exact `file:line:col` of a field without reading YAML again.
"""

from __future__ import annotations

import reprlib
from dataclasses import dataclass, field, fields
from pathlib import Path
from typing import Any

from cxspec.diagnostics import Location
from cxspec.locations import locate
from cxspec.yamlread import YamlMap

GRAINS = ("day", "week", "month", "quarter", "year")
CATEGORIES = ("perception", "behaviour", "operational", "outcome")
DIRECTIONS = ("higher_is_better", "lower_is_better")


class _Compared:
    """`==` and `repr()` as @dataclass writes them, written once for every class below: the
    decorator compiles both anew for each class, a good part of importing this module, which
    every command does (start-up: benchmarks/README.md)."""

    __slots__ = ()
    __hash__ = None  # unhashable, as @dataclass leaves a mutable class with `==`

    def __eq__(self, other):
        if other.__class__ is not self.__class__:
            return NotImplemented
        return _compared(self) == _compared(other)

    @reprlib.recursive_repr()
    def __repr__(self) -> str:
        shown = ", ".join(f"{f.name}={getattr(self, f.name)!r}" for f in fields(self) if f.repr)
        return f"{self.__class__.__qualname__}({shown})"


def _compared(item) -> tuple:
    return tuple(getattr(item, f.name) for f in fields(item) if f.compare)


#: @dataclass without its own `==` and repr (_Compared's).
_model = dataclass(eq=False, repr=False)


@_model
class Located(_Compared):
    """Something written in a spec file, with the mapping it was read from."""

    file: str
    raw: YamlMap

    def loc(self, field_name: str | None = None, *, key: bool = False) -> Location:
        """Where the item (or one of its fields' values, or its key) stands."""
        return locate(self.file, self.raw, field_name, key=key)


@_model
class Entity(Located):
    """An item with an id (owner, source, metric…)."""

    id: str
    #: False when the item broke the schema: only its id is trusted then.
    valid: bool = True

    def get(self, name: str, default: Any = None) -> Any:
        return self.raw.get(name, default) if self.valid else default


@_model
class Config(Located):
    """cxspec.yaml: the project's name, grain, warehouse and settings."""

    project: str
    name: str | None = None
    description: str | None = None
    grain: str = "month"
    warehouse: str = "duckdb:///:memory:"
    dialect: str = "duckdb"
    paths: list[str] | None = None
    output: str = "cxspec-out"
    #: `plugins:` of cxspec.yaml: each plugin's own configuration block, by plugin name.
    plugins: dict = field(default_factory=dict)
    #: `segments:` of cxspec.yaml: each segment's dimension names, in the order written.
    segments: list[tuple[str, ...]] = field(default_factory=list)


@_model
class Owner(Entity):
    """A team or person that owns items (`owners:`)."""

    name: str | None = None
    kind: str = "team"
    email: str | None = None
    github: str | None = None
    parent: str | None = None
    #: `segments: [{region: EMEA}]`: the segments whose issues go to this owner.
    segments: list[dict] = field(default_factory=list)


@_model
class Dimension(Located):
    """A dimension of a source: a column, an expression or a lookup."""

    name: str = ""
    #: A SQL expression over the source's columns; None when the dimension is a column.
    expr: str | None = None
    index: int = 0
    #: A lookup dimension: the source it is looked up in (joined on entity) and its column there.
    lookup: str | None = None
    column: str | None = None

    @property
    def lookup_column(self) -> str:
        return self.column or self.name


@_model
class Source(Entity):
    """Where a metric's rows come from (`sources:`)."""

    type: str = ""
    time: str | None = None
    entity: str | None = None
    key: str | None = None
    keep: str = "latest"
    start: str | None = None
    end: str | None = None
    filter: str | None = None
    #: How its time columns are written (strptime-style), when not ISO 8601.
    time_format: str | None = None
    #: The day a snapshot was taken (YYYY-MM-DD): its rows have no time of their own, and
    #: `time` is then TAKEN_COLUMN, a column of that day on every row (resolve.py).
    taken: str | None = None
    dimensions: list[Dimension] = field(default_factory=list)
    #: Values of the fields it leaves out, from its source type (SourceType.defaults).
    defaults: dict = field(default_factory=dict)

    def loc(self, field_name: str | None = None, *, key: bool = False) -> Location:
        # a snapshot's time is its `taken:` day: messages about its time point there
        if field_name == "time" and self.taken is not None and "time" not in self.raw:
            field_name = "taken"
        return super().loc(field_name, key=key)

    def get(self, name: str, default: Any = None) -> Any:
        if not self.valid:
            return default
        return self.raw[name] if name in self.raw else self.defaults.get(name, default)

    def dimension(self, name: str) -> Dimension | None:
        return next((d for d in self.dimensions if d.name == name), None)


#: The column a snapshot source's rows get, its `taken:` day on every row, as their time.
TAKEN_COLUMN = "cxspec_taken"


@_model
class Journey(Entity):
    """A customer journey and its stages (`journeys:`)."""

    name: str | None = None
    owner: str | None = None
    stages: list[str] = field(default_factory=list)


@_model
class Touchpoint(Entity):
    """A touch point of a journey: the rows of a source it matches (`touchpoints:`)."""

    name: str | None = None
    journey: str | None = None
    stage: str | None = None
    owner: str | None = None
    intended: bool = True
    match: str | None = None


@_model
class Metric(Entity):
    """A metric (`metrics:`): its type, source and fields."""

    type: str = ""
    name: str | None = None
    description: str | None = None
    source: str | None = None
    filter: str | None = None
    touchpoint: str | None = None
    category: str | None = None
    owner: str | None = None
    tracked_by: str | None = None
    direction: str = "higher_is_better"
    unit: str | None = None
    min_sample: int | None = None
    version: int = 1
    tags: list[str] = field(default_factory=list)
    #: Ids it had before (`previous_ids:`): their stored history is its history.
    previous_ids: list[str] = field(default_factory=list)
    #: Its own grain (`grain:`), at or above the project's; None: the project's.
    grain: str | None = None
    #: The SQL dialect its fragments are written in (the project's `dialect:`).
    dialect: str = "duckdb"

    @property
    def lower_is_better(self) -> bool:
        return self.direction == "lower_is_better"


@_model
class GoalOverride(Located):
    """A goal's target and warn in the segments a `where:` matches (`goals: … segments:`)."""

    where: dict = field(default_factory=dict)
    target: float | None = None
    warn: float | None = None

    def matches(self, dimensions: dict) -> bool:
        return segment_covers(self.where, dimensions)


def segment_covers(where: dict, dimensions: dict) -> bool:
    """Whether a result's or an issue's `dimensions` are within the segment `where` (every
    value it names, compared as stored: `same_segment_value`)."""
    return all(k in dimensions and same_segment_value(dimensions[k], v) for k, v in where.items())


def same_segment_value(value, wanted) -> bool:
    """A stored dimension value equals a `where:` value (YAML may read 2024 as a number)."""
    if value is None or wanted is None:
        return value is None and wanted is None
    return segment_text(value) == segment_text(wanted)


def segment_text(value) -> str | None:
    """A segment value as stored (text, grouping.segment_text): YAML's `true` is "true", a whole
    number 2.0 is "2"."""
    if value is None or isinstance(value, str):
        return value
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, float) and value.is_integer() and abs(value) < 10**15:
        return str(int(value))
    if isinstance(value, float):  # 15 significant digits, as grouping._fraction_text stores it
        return f"{value:.15g}"
    return str(value)


@_model
class Goal(Entity):
    """A goal's id is its metric's id: one goal per metric."""

    target: float | None = None
    warn: float | None = None
    due: str | None = None
    owner: str | None = None
    #: Targets of segments (`segments: [{where, target, warn}]`).
    segments: list[GoalOverride] = field(default_factory=list)

    @property
    def metric(self) -> str:
        return self.id

    def for_segment(self, dimensions: dict) -> tuple[float | None, float | None]:
        """(target, warn) in a segment: the override whose `where:` matches with the most
        dimensions wins (the first written among equals); the goal's own for the total."""
        best = None
        for override in self.segments:
            if override.matches(dimensions) and (best is None or len(override.where) > len(best.where)):
                best = override
        return (self.target, self.warn) if best is None else (best.target, best.warn)


@_model
class PyramidNode(Located):
    """One node of a pyramid: a group, a metric or another pyramid."""

    #: "group" (has children), "metric" (a leaf) or "pyramid" (includes another pyramid).
    kind: str = "group"
    id: str | None = None
    name: str | None = None
    weight: float = 1.0
    ref: str | None = None
    bounds: tuple[float, float] | None = None
    owner: str | None = None
    children: list[PyramidNode] = field(default_factory=list)

    @property
    def label(self) -> str:
        return self.id or self.ref or "?"

    def walk(self):
        yield self
        for child in self.children:
            yield from child.walk()


@_model
class Pyramid(Entity):
    """A weighted tree of metrics (`pyramids:`)."""

    name: str | None = None
    owner: str | None = None
    normalize: str = "bounds"
    children: list[PyramidNode] = field(default_factory=list)

    def nodes(self):
        for child in self.children:
            yield from child.walk()


@_model
class Driver(Located):
    """One driver of a drivers analysis: a column or an expression, optionally on a scale."""

    name: str = ""
    column: str | None = None
    expr: str | None = None
    scale: tuple[float, float] | None = None
    index: int = 0


@_model
class DriverAnalysis(Entity):
    """A key-driver analysis (`drivers:`): which attributes move an outcome."""

    name: str | None = None
    owner: str | None = None
    source: str | None = None
    outcome: str | None = None
    outcome_scale: tuple[float, float] | None = None
    drivers: list[Driver] = field(default_factory=list)
    method: str = "shapley"
    filter: str | None = None
    min_sample: int | None = None
    #: The SQL dialect its fragments are written in (the project's `dialect:`).
    dialect: str = "duckdb"


@_model
class Link(Entity):
    """A link from CX groups to a later business outcome (`links:`)."""

    name: str | None = None
    owner: str | None = None
    cx_source: str | None = None
    cx_column: str | None = None
    #: "nps", "top_box" or "quantiles".
    groups: str = "nps"
    quantiles: int | None = None
    scale: tuple[float, float] | None = None
    top_box: int | None = None
    outcome_source: str | None = None
    #: "end", "start" or "time" for an event outcome; None for a value outcome.
    event: str | None = None
    value: str | None = None
    #: The window after each response, in seconds.
    within_seconds: int = 0
    within: str = ""


#: Section name in YAML → (model class, name of one item in messages).
SECTIONS = {
    "owners": (Owner, "owner"),
    "sources": (Source, "source"),
    "journeys": (Journey, "journey"),
    "touchpoints": (Touchpoint, "touch point"),
    "metrics": (Metric, "metric"),
    "goals": (Goal, "goal"),
    "pyramids": (Pyramid, "pyramid"),
    "drivers": (DriverAnalysis, "drivers analysis"),
    "links": (Link, "link"),
}


@_model
class Project(_Compared):
    """The whole loaded project: its configuration and every item."""

    root: Path
    config: Config
    files: list[str] = field(default_factory=list)
    #: Folders outside the project that file sources may read, resolved: the operator's
    #: `--data-root` and CXSPEC_DATA_ROOTS (cxspec/data_roots.py); never set by a spec.
    data_roots: tuple[Path, ...] = ()
    owners: dict[str, Owner] = field(default_factory=dict)
    sources: dict[str, Source] = field(default_factory=dict)
    journeys: dict[str, Journey] = field(default_factory=dict)
    touchpoints: dict[str, Touchpoint] = field(default_factory=dict)
    metrics: dict[str, Metric] = field(default_factory=dict)
    goals: dict[str, Goal] = field(default_factory=dict)
    pyramids: dict[str, Pyramid] = field(default_factory=dict)
    drivers: dict[str, DriverAnalysis] = field(default_factory=dict)
    links: dict[str, Link] = field(default_factory=dict)
    #: Source id → lower-case column name → the type the specs' uses expect of the column
    #: (cxspec/fragment_uses.py): the types of a CSV file's columns when it has no rows.
    column_uses: dict[str, dict[str, str]] = field(default_factory=dict)

    def section(self, name: str) -> dict:
        return getattr(self, name)

    @property
    def segments(self) -> list[tuple[str, ...]]:
        """The segments of `cxspec.yaml`, each a tuple of dimension names (the total is ())."""
        return self.config.segments

    def renamed_metrics(self) -> dict[str, str]:
        """Earlier metric id → its metric's id now, from `previous_ids:` (the first claim wins;
        validation refuses a second one and an id still in use)."""
        renames: dict[str, str] = {}
        for metric_id in sorted(self.metrics):
            for old in self.metrics[metric_id].previous_ids:
                if old not in self.metrics:
                    renames.setdefault(old, metric_id)
        return renames


def segment_key(dimensions: dict) -> tuple[str, ...]:
    """The segment a stored row belongs to: its dimension names, sorted (() for the total)."""
    return tuple(sorted(dimensions))
