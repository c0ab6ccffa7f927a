"""Checks of the v1.1 `drivers:` and `links:` sections: references (CX202) and what the
schema cannot say (CX312–CX316)."""

from __future__ import annotations

import math

from cxspec.analysis_schema import MAX_DRIVERS
from cxspec.model import locate
from cxspec.suggest import did_you_mean


def _unknown(sink, file, raw, field, value, targets, what) -> bool:
    if value is None or value in targets:
        return False
    sink.add(
        "CX202",
        f"unknown {what} {value!r}",
        locate(file, raw, field),
        hint=did_you_mean(value, targets) or f"no {what} has this id",
        span=len(value),
    )
    return True


def _bad_scale(scale) -> bool:
    """Whether a `[low, high]` scale is not two finite numbers, low below high (`.nan`, `.inf`
    and `1e400` are YAML numbers, but no bound: SQL would read them as column names)."""
    return bool(scale) and not (math.isfinite(scale[0]) and math.isfinite(scale[1]) and scale[0] < scale[1])


def check(ctx) -> None:
    project, sink = ctx.project, ctx.sink
    for analysis in project.drivers.values():
        if analysis.valid:
            _check_drivers(project, sink, analysis)
    for link in project.links.values():
        if link.valid:
            _check_link(project, sink, link)


def _check_drivers(project, sink, analysis) -> None:
    _unknown(sink, analysis.file, analysis.raw, "owner", analysis.owner, project.owners, "owner")
    _unknown(sink, analysis.file, analysis.raw, "source", analysis.source, project.sources, "source")
    if len(analysis.drivers) > MAX_DRIVERS:
        sink.add(
            "CX312",
            f"drivers analysis {analysis.id!r} lists {len(analysis.drivers)} drivers; at most {MAX_DRIVERS}",
            analysis.loc("drivers", key=True),
            hint="Shapley values are computed exactly over every subset of drivers (2^p of them); "
            "group related attributes into one driver with `expr`, or split the analysis",
        )
    seen: dict[str, object] = {}
    for driver in analysis.drivers:
        if driver.name in seen:
            sink.add(
                "CX313",
                f"driver {driver.name!r} is listed twice in {analysis.id!r}",
                driver.loc("name"),
                hint=f"first at {seen[driver.name].loc('name')}",
                span=len(driver.name),
            )
        seen.setdefault(driver.name, driver)
        if _bad_scale(driver.scale):
            sink.add("CX301", f"scale of driver {driver.name!r} is not [low, high]", driver.loc("scale"))
        if driver.column is not None and driver.column == analysis.outcome:
            sink.add(
                "CX316",
                f"driver {driver.name!r} is the outcome {analysis.outcome!r} itself",
                driver.loc("column"),
                hint="a driver explains the outcome; it cannot be the outcome",
                span=len(driver.column),
            )
    if _bad_scale(analysis.outcome_scale):
        sink.add("CX301", "outcome_scale is not [low, high]", analysis.loc("outcome_scale"))


#: What an event outcome reads: the source's column of that role.
EVENT_ROLES = {"end": "end", "start": "start", "time": "time"}


def _check_link(project, sink, link) -> None:
    cx, outcome = link.raw.get("cx"), link.raw.get("outcome")
    _unknown(sink, link.file, link.raw, "owner", link.owner, project.owners, "owner")
    if not _unknown(sink, link.file, cx, "source", link.cx_source, project.sources, "source"):
        source = project.sources.get(link.cx_source)
        missing = [role for role in ("time", "entity") if source is not None and not getattr(source, role)]
        if missing:
            sink.add(
                "CX314",
                f"link {link.id!r}: source {link.cx_source!r} declares no {' or '.join(missing)}",
                locate(link.file, cx, "source"),
                hint="a CX response needs its time and its customer (`time:` and `entity:` on the source)",
                span=len(link.cx_source),
            )
    if not _unknown(sink, link.file, outcome, "source", link.outcome_source, project.sources, "source"):
        source = project.sources.get(link.outcome_source)
        role = EVENT_ROLES.get(link.event or "time", "time")
        missing = [
            r for r in dict.fromkeys(("entity", role)) if source is not None and not getattr(source, r)
        ]
        if missing:
            sink.add(
                "CX314",
                f"link {link.id!r}: outcome source {link.outcome_source!r} declares no {' or '.join(missing)}",
                locate(link.file, outcome, "source"),
                hint="the outcome is looked up by customer (`entity:`) at the time of its event "
                f"(`{role}:` on the source)",
                span=len(link.outcome_source),
            )
    if _bad_scale(link.scale):
        sink.add("CX301", "scale is not [low, high]", locate(link.file, cx, "scale"))
    elif link.groups == "top_box":
        if link.scale is None:
            sink.add(
                "CX315",
                f"link {link.id!r}: `groups: top_box` needs the `scale` of the score",
                locate(link.file, cx, "groups"),
                hint="add `scale: [1, 5]` (the top 2 points are the top box unless `top_box:` says otherwise)",
            )
        elif (link.top_box or 2) > link.scale[1] - link.scale[0]:
            sink.add(
                "CX302",
                f"top_box {link.top_box or 2} leaves no rest on the scale {list(link.scale)}",
                locate(link.file, cx, "top_box" if link.top_box else "scale"),
            )
    if link.top_box is not None and link.groups != "top_box":
        sink.add(
            "CX311",
            "`top_box` applies to `groups: top_box` only",
            locate(link.file, cx, "top_box", key=True),
        )
