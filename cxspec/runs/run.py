"""Run a whole programme: every metric at the project grain, goal status, pyramid scores,
issues; stored in the warehouse; reported from what is stored."""

from __future__ import annotations

import datetime as dt
import re
from contextlib import nullcontext
from dataclasses import dataclass, field, replace

from cxspec.compiler.plan import Request
from cxspec.data_checks import analysis_sources, checked_sources
from cxspec.diagnostics import CxspecError, Severity
from cxspec.finite import check_finite
from cxspec.gcpause import without_gc
from cxspec.grains import metric_grains
from cxspec.issues_state.criteria import project_criteria
from cxspec.issues_state.sync import sync_issues
from cxspec.issues_state.table import read_issues, supports_state
from cxspec.query import MetricResult, compute_with, connect
from cxspec.runs.analyses_store import load_analyses, store_analyses
from cxspec.runs.fingerprint import metric_definition_hash, spec_hash
from cxspec.runs.grain_rows import compute_by_grain
from cxspec.runs.incremental import Incremental, describe, record_watermark
from cxspec.runs.store import (
    RunInfo,
    StoredScore,
    ensure_results_layout,
    load,
    refuse_unusable_layout,
    store,
)

_ISO_DAY = re.compile(r"^\d{4}-\d{2}-\d{2}$")


@dataclass
class Stored:
    """What a report is made from."""

    project: object
    grain: str
    #: The totals (dimensions {}) and, with `segments:`, every segment's rows (dimensions
    #: {"region": "EMEA"}…; cxspec.model.segment_key tells a row's segment).
    results: list[MetricResult]
    #: The total's pyramid scores; the segments' are in `segment_scores`.
    scores: list[StoredScore]
    #: How many results this run computed (None: read from storage, not a run).
    computed: int | None = None
    #: Metrics the warehouse refused in this run (query.MetricFailure); their stored results
    #: stay as they were.
    failures: list = field(default_factory=list)
    #: Per source, the rows this run left out (data_checks.LeftOut), by source id.
    left_out: dict = field(default_factory=dict)
    #: Stored drivers analyses and links (cxspec/runs/analyses_store.py).
    drivers: list = field(default_factory=list)
    #: Segments left out of drivers analyses (analyses_store.load_analyses).
    drivers_left_out: list = field(default_factory=list)
    link_groups: list = field(default_factory=list)
    link_contrasts: list = field(default_factory=list)
    link_as_of: dict = field(default_factory=dict)
    #: Links not computed, with why (analyses_store.load_analyses).
    links_omitted: list = field(default_factory=list)
    #: What stored links left out, counted (analyses_store.load_analyses).
    links_warnings: list = field(default_factory=list)
    #: Data problems of drivers analyses and links found by this run (CX600–CX611).
    diagnostics: list = field(default_factory=list)
    #: Stored issue states by id (cxspec/issues_state/), and this run's transitions.
    issue_records: dict = field(default_factory=dict)
    transitions: list = field(default_factory=list)
    #: Pyramid scores of the segments, each with its `dimensions` (same tree and weights).
    segment_scores: list[StoredScore] = field(default_factory=list)
    #: `run --incremental`: what it recomputed, in words (None for other runs).
    incremental: str | None = None


@without_gc
def run_project(
    project,
    registry,
    warehouse_url=None,
    *,
    start=None,
    end=None,
    now=None,
    progress=None,
    as_of=None,
    as_of_is_now=False,
    fail_fast=False,
    incremental=False,
) -> Stored:
    """Check the sources against their data, compute every metric it can (times after
    `as_of` left out), store, and read back. Metrics the warehouse refuses are recorded in
    `Stored.failures` (the first one raises with `fail_fast`). `incremental`: only the periods
    whose data changed since the stored watermark (runs/incremental.py). Links are as of
    `as_of` too, unless it only stands for the clock (`as_of_is_now`): then the data's own."""
    grain = project.config.grain
    clock = _utc_naive(now or dt.datetime.now(dt.timezone.utc))
    if as_of is not None and _utc_naive(as_of) < clock:
        # The results are as of `as_of` (later rows left out): a period not over by then is in
        # progress, also for later reports (it was stored as complete, the headline).
        clock = _utc_naive(as_of)
    computed_at = clock.strftime("%Y-%m-%d %H:%M:%S")
    info = RunInfo(project.config.project, spec_hash(project), grain, computed_at)
    definitions = {m: metric_definition_hash(project, metric) for m, metric in project.metrics.items()}
    request = Request(start=start, end=end, as_of=as_of, segments=tuple(project.segments))
    failures: list = []
    on_transitions = transitions_to_outbox(project, computed_at)  # checks `notify:` before computing
    with connect(warehouse_url, project, registry) as warehouse:
        refuse_unusable_layout(warehouse)  # before computing, which can take minutes
        if progress:
            progress(f"checking {len(project.sources)} sources on {warehouse.name}")
        # An incremental run's watermark check of the old periods is made in the data checks' scan.
        watermark = Incremental(warehouse, project, registry, info.spec_hash, as_of) if incremental else None
        also = watermark.aggregates() if watermark is not None else None
        # a source only a drivers analysis or a link reads, too (and the lookups of its segments)
        read = analysis_sources(project, by=tuple(d for names in project.segments for d in names))
        left_out = checked_sources(warehouse, project, registry, sorted(project.metrics), as_of, also, read)
        if progress:
            progress(f"computing {len(project.metrics)} metrics on {warehouse.name}")
        plan = watermark.plan(left_out) if watermark is not None else None
        requests = (
            [request]
            if plan is None or plan.full
            else [replace(request, start=first, end=last) for first, last in plan.ranges]
        )  # fmt: skip (segments and as_of as in the full request)
        results = []
        for part in requests:
            results += compute_by_grain(
                compute_with, warehouse, project, part, registry, failures=failures, fail_fast=fail_fast
            )
        _check_finite(results)
        if project.config.segments:  # a customer id given as a segment: refused before storing
            from cxspec.runs.segment_values import refuse_too_many_segments

            refuse_too_many_segments(project, results)
        until = None if as_of is None or as_of_is_now else _utc_naive(as_of)
        # computed before anything is stored, and stored right after the results: an interrupt
        # in between leaves the old run's drivers and links beside the new results no longer
        analyses, refused = None, None
        try:
            # over every period, whatever --from/--to (as an incremental run): a run of one
            # month replaced the stored analyses of the whole history with that month's
            analyses = _compute_analyses(warehouse, project, registry, progress, until)
        except CxspecError as exc:  # the warehouse refused one: the results are stored all the same
            refused = exc
        if progress:
            progress(f"storing {len(results)} results, goal status and pyramid scores")
        kept = {f.metric for f in failures}
        if results:
            ensure_results_layout(warehouse)  # its own transaction (PostgreSQL's layout lock)
        # Results, analyses, watermark and issue states (with the notifications they enqueue)
        # commit together: an interrupt or an error before the end stores none of them. The
        # issues were a later transaction: stopped in between, a run left new results beside
        # old issue states that an incremental rerun computing nothing never moved on.
        with warehouse.transaction() if supports_state(warehouse) else nullcontext():
            written = store(
                warehouse, project, registry, info, results, definitions, kept=kept, layout_ready=True
            )
            diagnostics = _store_analyses(warehouse, info, analyses)
            if plan is None or plan.periods_changed:
                computed_ranges = (
                    _ranges_of(start, end) if plan is None else ([] if plan.full else plan.ranges)
                )
                figures = plan.figures if plan is not None and not failures else None
                record_watermark(warehouse, info, figures, computed_ranges)
            stored, scores = load(
                warehouse,
                info.project,
                grain,
                project.renamed_metrics(),
                grains=metric_grains(project),
                written=written,
            )  # what this run stored kept, not read back; the other periods read
            transitions = []
            if results:  # the issues move on with the results stored, a refused analysis or not
                escalate = project_criteria(project).escalate_after
                transitions = sync_issues(
                    warehouse,
                    project,
                    registry,
                    stored,
                    computed_at,
                    escalate_after=escalate,
                    on_transitions=on_transitions,
                )
        if refused is not None:
            raise refused
        scores, segment_scores = _split_scores(scores)
        if project.config.segments:  # a goal's or an owner's segment that no stored row has
            from cxspec.runs.segment_values import unmatched_segments

            diagnostics += unmatched_segments(project, stored)
        stored_analyses = _stored_analyses(warehouse, info.project)
        records = read_issues(warehouse, info.project)
    return Stored(
        project, grain, stored, scores, computed=len(results), failures=failures, left_out=left_out,
        **stored_analyses, diagnostics=diagnostics, issue_records=records, transitions=transitions,
        segment_scores=segment_scores,
        incremental=describe(plan, project.config.grain) if plan is not None else None,
    )  # fmt: skip


def _ranges_of(start, end) -> list:
    """The range of a run as runs/incremental.py takes it ([]: every period)."""
    if start is None and end is None:
        return []
    return [(start or dt.date(1, 1, 1), end)]


def _stored_analyses(warehouse, project_id: str) -> dict:
    """The stored drivers analyses and links as Stored's fields (analyses_store.load_analyses)."""
    drivers, groups, contrasts, as_of, omitted, links_omitted, warnings = load_analyses(warehouse, project_id)
    return dict(drivers=drivers, drivers_left_out=omitted, link_groups=groups, link_contrasts=contrasts,
                link_as_of=as_of, links_omitted=links_omitted, links_warnings=warnings)  # fmt: skip


def _compute_analyses(warehouse, project, registry, progress, until=None):
    """Drivers analyses and links over every period (None without any). `until`: the
    run's --as-of, after which drivers and links see nothing (compute_links). Drivers also
    per segment of the project's segment sets their sources have (compute_drivers)."""
    if not project.drivers and not project.links:
        return None
    from cxspec.drivers.compute import compute_drivers
    from cxspec.links.compute import compute_links

    if progress:
        progress(f"computing {len(project.drivers)} drivers analyses and {len(project.links)} links")
    drivers = compute_drivers(warehouse, project, registry, until=until, segments=tuple(project.segments))
    if progress and drivers.left_out:  # no error: a warning per analysis (CX614), stored, in reports
        progress(f"drivers: {sum(drivers.left_out.values())} segments left out (no figures there: CX614)")
    links = compute_links(warehouse, project, registry, until=until)
    return drivers, links


def _store_analyses(warehouse, info, analyses) -> list:
    """Store the drivers analyses and links whole; their data problems."""
    if analyses is None:
        return []
    drivers, links = analyses
    store_analyses(warehouse, info, drivers.results, links.groups, links.contrasts, links.as_of,
                   drivers.omitted, links.omitted, links.warnings)  # fmt: skip
    return [_in_a_run(d) for d in drivers.diagnostics] + links.diagnostics


#: Data problems that do not fail a run (they do fail `cxspec drivers`, which asked for the
#: analysis): too few complete cases yet, as a metric below its min_sample is no error; a new
#: programme's first run stored its results and exited 1 while its survey filled up.
NOT_YET = frozenset({"CX602"})


def _in_a_run(diagnostic):
    if diagnostic.code in NOT_YET:
        return replace(diagnostic, severity=Severity.WARNING)
    return diagnostic


def transitions_to_outbox(project, at: str):
    """What stores a run's transitions for the notification targets of cxspec.yaml (inside
    the transaction that stores the issue states); None without targets."""
    from cxspec.notify.config import targets
    from cxspec.notify.outbox import enqueue

    found = targets(project)
    if not found:
        return None
    from cxspec.runs.segment_owners import copied_owner

    def copied(record):  # a held segment's issue is told to the metric's owner as well
        return copied_owner(project, record.metric, record.dimensions, record.owner)

    project_id = project.config.project
    return lambda warehouse, transitions: enqueue(warehouse, project_id, transitions, found, at, copied)


def _check_finite(results) -> None:
    """Refuse to store infinities and NaNs: they come from values beyond a double's range in
    the data (1e400), and neither JSON reports nor goal status can say anything about them.
    Refuse results without a period too: times the engine could not read (SQLite's date()
    of a non-time is NULL) would be stored under no period."""
    good: set[str] = set()  # each distinct period matched once
    for result in results:
        if result.period in good:
            continue
        if _ISO_DAY.match(result.period):
            good.add(result.period)
        else:
            raise CxspecError(
                f"metric {result.metric!r}: a result without a period (the source's time column "
                "holds values that are not times); nothing was stored"
            )
    check_finite(results, "nothing was stored")


@without_gc
def stored_results(project, registry, warehouse_url=None) -> Stored:
    with connect(warehouse_url, project, registry) as warehouse:
        stored, scores = load(
            warehouse,
            project.config.project,
            project.config.grain,
            project.renamed_metrics(),
            grains=metric_grains(project),
        )
        scores, segment_scores = _split_scores(scores)
        stored_analyses = _stored_analyses(warehouse, project.config.project)
        records = read_issues(warehouse, project.config.project)
    return Stored(
        project, project.config.grain, stored, scores,
        **stored_analyses, issue_records=records, segment_scores=segment_scores,
    )  # fmt: skip


def _split_scores(scores: list[StoredScore]) -> tuple[list[StoredScore], list[StoredScore]]:
    """(the total's scores, the segments' scores)."""
    return [s for s in scores if not s.dimensions], [s for s in scores if s.dimensions]


def _utc_naive(moment: dt.datetime) -> dt.datetime:
    """UTC without a zone, as times are stored: an aware time converted, a naive one as is."""
    return moment if moment.tzinfo is None else moment.astimezone(dt.timezone.utc).replace(tzinfo=None)
