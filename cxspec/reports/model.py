"""The report as typed data: built once from the stored results (cxspec/reports/data.py),
rendered by every format (terminal, Markdown, HTML, the catalog) and serialized as
`report.json` (docs/report-json.md).

`Report.to_dict()` is the documented JSON shape; `Report.from_dict()` reads it back, so a
renderer given a report read from `report.json` (or a plugin's copy of it) sees the same
model as one given the report just built.
"""

from __future__ import annotations

from dataclasses import dataclass, field, fields, is_dataclass
from functools import cached_property

from cxspec.display import Display
from cxspec.runs.issues import Issue

REPORT_VERSION = 1


def _plain(value):
    """Dataclasses, lists and dicts as JSON-ready data (a class's own `to_dict` wins)."""
    if hasattr(value, "to_dict"):
        return value.to_dict()
    if isinstance(value, Display):
        return value.as_dict()
    if is_dataclass(value):
        return {f.name: _plain(getattr(value, f.name)) for f in fields(value)}
    if isinstance(value, (list, tuple)):
        return [_plain(v) for v in value]
    if isinstance(value, dict):
        return {k: _plain(v) for k, v in value.items()}
    return value


def _pick(cls, data: dict | None):
    """An instance of a flat dataclass from a dict, missing keys taking their defaults."""
    if data is None:
        return None
    return cls(**{f.name: data[f.name] for f in fields(cls) if f.name in data})


@dataclass
class Point:
    """One stored period of a metric."""

    period: str
    value: float | None = None
    n: int | None = None
    invalid: int | None = None
    moe: float | None = None
    status: str | None = None

    def to_dict(self) -> dict:
        # Written out: a long history has hundreds of thousands of points (the generic walk
        # took ~18 s for 365,000 of them).
        return {"period": self.period, "value": self.value, "n": self.n, "invalid": self.invalid,
                "moe": self.moe, "status": self.status}  # fmt: skip


@dataclass
class Goal:
    target: float | None = None
    warn: float | None = None
    due: str | None = None
    #: Who is accountable for reaching it (the goal's `owner`, else none).
    owner: str | None = None


@dataclass
class MetricEntry:
    id: str
    name: str
    type: str
    category: str | None = None
    direction: str | None = None
    unit: str | None = None
    owner: str | None = None
    tracked_by: str | None = None
    touchpoint: str | None = None
    journey: str | None = None
    stage: str | None = None
    description: str | None = None
    definition: str | None = None
    version: int | None = None
    min_sample: int | None = None
    natural_range: list[float] | None = None
    goal: Goal | None = None
    latest: Point | None = None
    previous: Point | None = None
    score: float | None = None
    series: list[Point] = field(default_factory=list)
    breaks: list[str] = field(default_factory=list)
    #: How its numbers read (from its type): every renderer formats with it.
    display: Display = field(default_factory=Display)
    #: Its benchmarks (`benchmarks:` of cxspec.yaml): {"name", "value", "as_of", "source",
    #: "gap"}, gap = the latest value − the benchmark's (None without a latest value).
    benchmarks: list[dict] = field(default_factory=list)
    #: Its grain (its own `grain:`, else the project's): `latest` is its latest period at
    #: that grain over by the end of the report's headline period (cxspec/grains.py).
    grain: str | None = None

    @property
    def status(self) -> str | None:
        return self.latest.status if self.latest else None

    @property
    def lower_is_better(self) -> bool:
        return self.direction == "lower_is_better"

    @classmethod
    def from_dict(cls, data: dict) -> MetricEntry:
        entry = _pick(cls, data)
        entry.goal = _pick(Goal, data.get("goal"))
        entry.latest = _pick(Point, data.get("latest"))
        entry.previous = _pick(Point, data.get("previous"))
        entry.series = [_pick(Point, p) for p in data.get("series") or []]
        entry.breaks = list(data.get("breaks") or [])
        entry.benchmarks = [dict(b) for b in data.get("benchmarks") or []]
        entry.display = Display.from_dict(data["display"]) if data.get("display") else Display()
        return entry


@dataclass
class ScorePoint:
    period: str
    score: float | None = None
    coverage: float | None = None

    def to_dict(self) -> dict:
        return {"period": self.period, "score": self.score, "coverage": self.coverage}


@dataclass
class Node:
    """A pyramid node: a group (or an included pyramid) with children, or a metric leaf."""

    id: str
    name: str
    kind: str
    weight: float = 1.0
    metric: str | None = None
    score: float | None = None
    coverage: float | None = None
    previous: float | None = None
    series: list[ScorePoint] = field(default_factory=list)
    children: list[Node] = field(default_factory=list)
    #: Metric leaves only: the metric's latest status and its owner.
    status: str | None = None
    owner: str | None = None

    def leaves(self):
        if self.kind == "metric":
            yield self
        for child in self.children:
            yield from child.leaves()

    def to_dict(self) -> dict:
        data = {f.name: _plain(getattr(self, f.name)) for f in fields(self)}
        if not self.metric:
            del data["status"], data["owner"]
        return data

    @classmethod
    def from_dict(cls, data: dict) -> Node:
        node = _pick(cls, data)
        node.series = [_pick(ScorePoint, s) for s in data.get("series") or []]
        node.children = [cls.from_dict(c) for c in data.get("children") or []]
        return node


@dataclass
class Pyramid:
    id: str
    name: str
    owner: str | None
    normalize: str | None
    tree: Node

    @classmethod
    def from_dict(cls, data: dict) -> Pyramid:
        tree = Node.from_dict(data["tree"])
        return cls(data["id"], data["name"], data.get("owner"), data.get("normalize"), tree)


@dataclass
class TouchpointEntry:
    id: str
    name: str
    owner: str | None = None
    intended: bool = True
    metrics: list[str] = field(default_factory=list)
    #: The mean score of its metrics with enough sample (cxspec/runs/rollup.py).
    score: float | None = None


@dataclass
class Stage:
    id: str
    touchpoints: list[TouchpointEntry] = field(default_factory=list)


@dataclass
class Journey:
    id: str
    name: str
    owner: str | None = None
    stages: list[Stage] = field(default_factory=list)
    #: The mean score of its scored touch points, as `below_journey` issues compare them.
    score: float | None = None

    @property
    def touchpoints(self) -> list[TouchpointEntry]:
        return [tp for stage in self.stages for tp in stage.touchpoints]

    @classmethod
    def from_dict(cls, data: dict) -> Journey:
        journey = _pick(cls, data)
        journey.stages = [
            Stage(s["id"], [_pick(TouchpointEntry, tp) for tp in s.get("touchpoints") or []])
            for s in data.get("stages") or []
        ]
        return journey


@dataclass
class Owner:
    id: str
    name: str
    kind: str | None = None
    email: str | None = None
    github: str | None = None
    parent: str | None = None


@dataclass
class Index:
    pyramid: str
    name: str
    score: float | None = None
    previous: float | None = None
    coverage: float | None = None


@dataclass
class ProjectInfo:
    id: str
    name: str
    grain: str | None = None
    spec_hashes: list[str] = field(default_factory=list)
    computed_at: str | None = None


@dataclass
class DriverEntry:
    """One driver of a stored drivers analysis, with its place in the priority matrix."""

    analysis: str
    name: str
    driver: str
    importance: float | None = None
    share: float | None = None
    performance: float | None = None
    lower: float | None = None
    upper: float | None = None
    n: int | None = None
    r2: float | None = None
    #: Performance as a percentage of the driver's scale (None without a scale).
    performance_pct: float | None = None
    #: act_first | keep_up | monitor | overdone (cxspec/reports/analyses.py).
    quadrant: str | None = None


@dataclass
class LinkGroupEntry:
    group: str
    n: int
    value: float | None = None
    lower: float | None = None
    upper: float | None = None


@dataclass
class LinkEntry:
    """A stored link: its groups, its contrast and that contrast in words."""

    link: str
    name: str
    kind: str  # event | value
    groups: list[LinkGroupEntry] = field(default_factory=list)
    contrast: dict | None = None
    sentence: str | None = None
    as_of: str | None = None
    #: Why there is no sentence, in words: "not computed: … (CX613)" for a link `run` could
    #: not compute, "no contrast: …" for one without a contrast (reports/analyses.py).
    note: str | None = None
    #: What its figures leave out, counted: {"code", "n", "text"} (CX615, CX622, CX623).
    warnings: list[dict] = field(default_factory=list)

    @classmethod
    def from_dict(cls, data: dict) -> LinkEntry:
        entry = _pick(cls, data)
        entry.groups = [_pick(LinkGroupEntry, g) for g in data.get("groups") or []]
        entry.warnings = [dict(w) for w in data.get("warnings") or []]
        return entry


@dataclass
class SegmentEntry:
    """A segment's line in the league table: its CX index and the metrics it has in red in
    the headline period."""

    dimensions: dict
    label: str
    #: The main pyramid's score in the segment (None: not scored), the previous period's,
    #: and the coverage.
    index: float | None = None
    previous: float | None = None
    coverage: float | None = None
    #: Ids of the metrics whose status is red in the segment.
    red: list[str] = field(default_factory=list)
    owner: str | None = None
    #: How many issues the segment has in the headline period.
    issues: int = 0
    #: The segment's results in the headline period: metric id → {"value", "n", "status"}.
    values: dict = field(default_factory=dict)


@dataclass
class Report:
    project: ProjectInfo
    periods: list[str] = field(default_factory=list)
    latest: str | None = None
    #: Periods whose stored values were computed before they were over (never the headline
    #: while a complete one is stored).
    in_progress: list[str] = field(default_factory=list)
    index: Index | None = None
    pyramids: list[Pyramid] = field(default_factory=list)
    metrics: list[MetricEntry] = field(default_factory=list)
    journeys: list[Journey] = field(default_factory=list)
    issues: list[Issue] = field(default_factory=list)
    owners: list[Owner] = field(default_factory=list)
    #: The stored run the report is made from: {"id", "time"} (None when nothing is stored).
    run: dict | None = None
    #: Metrics the warehouse refused in the run that wrote this report: {"metric",
    #: "location", "error"} each (empty in `cxspec report`, made from storage).
    failed: list[dict] = field(default_factory=list)
    #: Rows the run left out, by source id: {"rows", "no_time", "after_as_of",
    #: "ends_after_as_of"}; sources that left nothing out are not listed.
    left_out: dict[str, dict] = field(default_factory=dict)
    #: Initiative impact (cxspec/issues_state/initiatives.py): one dict per initiative and metric.
    initiatives: list[dict] = field(default_factory=list)
    report_version: int = REPORT_VERSION
    #: Stored drivers analyses (over the whole range, of the total or of `segment`) and links.
    drivers: list[DriverEntry] = field(default_factory=list)
    #: Segments whose priority matrix was not computed, with why (reports/analyses.py
    #: left_out_entries): {"analysis", "name", "dimensions", "segment", "n", "code", "reason"}.
    drivers_left_out: list[dict] = field(default_factory=list)
    links: list[LinkEntry] = field(default_factory=list)
    #: Where a segment's report has no links although the project has some: why, in words
    #: (links are computed for the whole programme only); None otherwise.
    links_note: str | None = None
    #: The segment this report is about (`cxspec report --segment region=EMEA`); None: the total.
    segment: dict | None = None
    #: The league table: every segment stored for the headline period, best index first.
    segments: list[SegmentEntry] = field(default_factory=list)

    # -- look-ups the renderers share ----------------------------------------------------------

    @cached_property
    def metric_by_id(self) -> dict[str, MetricEntry]:
        return {m.id: m for m in self.metrics}

    @cached_property
    def owner_by_id(self) -> dict[str, Owner]:
        return {o.id: o for o in self.owners}

    @cached_property
    def touchpoint_by_id(self) -> dict[str, TouchpointEntry]:
        return {tp.id: tp for journey in self.journeys for tp in journey.touchpoints}

    @cached_property
    def journey_of(self) -> dict[str, tuple[Journey, str]]:
        """Touch point id → (its journey, its stage id)."""
        return {tp.id: (j, s.id) for j in self.journeys for s in j.stages for tp in s.touchpoints}

    def data_notes(self) -> list[str]:
        """What the numbers do not include, one plain sentence each: failed metrics, then
        rows left out per source (every format shows these)."""
        notes = [
            f"metric {f['metric']!r} failed ({f['location']}): {f['error']}; its stored results were kept"
            for f in self.failed
        ]
        for source_id, found in sorted(self.left_out.items()):
            reasons = [
                f"{count:,} {words}"
                for count, words in (
                    (found.get("no_time"), "without a time"),
                    (found.get("after_as_of"), "after the as-of time"),
                    (found.get("ends_after_as_of"), "ending after the as-of time (read as not ended)"),
                )
                if count
            ]
            if reasons:
                notes.append(f"source {source_id!r} ({found.get('rows', 0):,} rows): " + ", ".join(reasons))
        return notes

    # -- JSON ------------------------------------------------------------------------------------

    def to_dict(self) -> dict:
        return {f.name: _plain(getattr(self, f.name)) for f in fields(self)}

    @classmethod
    def from_dict(cls, data: dict) -> Report:
        return cls(
            project=_pick(ProjectInfo, data["project"]),
            periods=list(data.get("periods") or []),
            latest=data.get("latest"),
            in_progress=list(data.get("in_progress") or []),
            index=_pick(Index, data.get("index")),
            pyramids=[Pyramid.from_dict(p) for p in data.get("pyramids") or []],
            metrics=[MetricEntry.from_dict(m) for m in data.get("metrics") or []],
            journeys=[Journey.from_dict(j) for j in data.get("journeys") or []],
            issues=[_pick(Issue, i) for i in data.get("issues") or []],
            owners=[_pick(Owner, o) for o in data.get("owners") or []],
            run=data.get("run"),
            failed=list(data.get("failed") or []),
            left_out=dict(data.get("left_out") or {}),
            initiatives=[dict(i) for i in data.get("initiatives") or []],
            report_version=data.get("report_version", REPORT_VERSION),
            drivers=[_pick(DriverEntry, d) for d in data.get("drivers") or []],
            drivers_left_out=[dict(d) for d in data.get("drivers_left_out") or []],
            links=[LinkEntry.from_dict(k) for k in data.get("links") or []],
            links_note=data.get("links_note"),
            segment=data.get("segment"),
            segments=[_pick(SegmentEntry, s) for s in data.get("segments") or []],
        )


def as_report(report: Report | dict) -> Report:
    """The model of a report given as the model or as its JSON dict."""
    return report if isinstance(report, Report) else Report.from_dict(report)
