"""Stored drivers analyses and links: `cxspec_drivers` and `cxspec_links`, created like the
results tables (runs/layout.py create_table) and replaced whole for the project by each run
(a run computes them over everything its sources hold, so older rows are never a history).

`cxspec_links` keeps groups and contrasts: a group row has `kind` 'group' (`grp`, n, value
and its limits); a contrast row has `kind` 'contrast' (`grp` is a, `other` is b, `value` the
difference a − b, `ratio` a / b). These tables carry no layout version (docs/drivers-and-links.md).

A segment `run` left out of a drivers analysis (no figures there: compute.py `omitted`) is a
row of `cxspec_drivers` with `driver` NULL, `position` -1, `n` its complete cases, `method`
the code of the reason (CX602…) and no figures, so that reports say it was not computed.
Likewise a link not computed (links/compute.py `omitted`) is a `cxspec_links` row with `kind`
'omitted', `grp` the code and `other` the reason in words; a count a link's figures leave out
(links/compute.py `warnings`: CX615, CX622, CX623) a row with `kind` 'warning', `grp` the code,
`n` the count and `other` the warning in words.
"""

from __future__ import annotations

import json
from typing import TYPE_CHECKING

from sqlglot import exp

from cxspec.compiler.sqlkit import col, text
from cxspec.runs.layout import VERSIONED, create_table, existing_columns, table
from cxspec.warehouse import WarehouseError

if TYPE_CHECKING:  # their modules import numpy (0.2 s): loaded when there are analyses
    from cxspec.drivers.compute import DriverResult

DRIVERS = "cxspec_drivers"
LINKS = "cxspec_links"

DRIVER_COLUMNS = {
    "project": "VARCHAR", "spec_hash": "VARCHAR", "analysis": "VARCHAR", "method": "VARCHAR",
    "period": "VARCHAR", "dimensions": "VARCHAR", "driver": "VARCHAR", "position": "INT",
    "importance": "DOUBLE", "share": "DOUBLE", "correlation": "DOUBLE", "beta": "DOUBLE",
    "performance": "DOUBLE", "lower": "DOUBLE", "upper": "DOUBLE", "n": "BIGINT", "r2": "DOUBLE",
    "computed_at": "VARCHAR",
}  # fmt: skip
LINK_COLUMNS = dict(
    project="VARCHAR", spec_hash="VARCHAR", link="VARCHAR", kind="VARCHAR", position="INT", grp="VARCHAR",
    other="VARCHAR", n="BIGINT", value="DOUBLE", lower="DOUBLE", upper="DOUBLE", ratio="DOUBLE",
    as_of="VARCHAR", computed_at="VARCHAR",
)  # fmt: skip


def store_analyses(
    warehouse, info, drivers: list[DriverResult], groups, contrasts, as_of: dict,
    omitted=(), links_omitted=(), links_warnings=(),
) -> None:  # fmt: skip
    dialect = warehouse.dialect
    mine = exp.EQ(this=col("project"), expression=text(info.project))
    with warehouse.transaction():
        for name, columns in ((DRIVERS, DRIVER_COLUMNS), (LINKS, LINK_COLUMNS)):
            warehouse.execute_statement(create_table(name, columns, None, dialect))
            warehouse.execute_statement(exp.delete(table(name), where=mine.copy()).sql(dialect=dialect))
        positions: dict[str, int] = {}
        driver_rows = []
        for r in drivers:
            position = positions[r.analysis] = positions.get(r.analysis, -1) + 1
            driver_rows.append((
                info.project, info.spec_hash, r.analysis, r.method, r.period,
                json.dumps(r.dimensions, sort_keys=True, default=str), r.driver, position, r.importance,
                r.share, r.correlation, r.beta, r.performance, r.lower, r.upper, r.n, r.r2, info.computed_at,
            ))  # fmt: skip
        for o in omitted:
            driver_rows.append((
                info.project, info.spec_hash, o["analysis"], o["code"], None,
                json.dumps(o["dimensions"], sort_keys=True, default=str), None, -1, None, None, None, None,
                None, None, None, o["n"], None, info.computed_at,
            ))  # fmt: skip
        if driver_rows:
            warehouse.insert_rows(DRIVERS, list(DRIVER_COLUMNS), driver_rows)
        link_rows = []
        for position, g in enumerate(groups):
            cut = as_of.get(g.link)
            link_rows.append((info.project, info.spec_hash, g.link, "group", position, g.group, None, g.n, g.value,
                              g.lower, g.upper, None, cut and cut.isoformat(" "), info.computed_at))  # fmt: skip
        for position, c in enumerate(contrasts):
            cut = as_of.get(c.link)
            link_rows.append((info.project, info.spec_hash, c.link, "contrast", position, c.a, c.b, None,
                              c.difference, c.lower, c.upper, c.ratio, cut and cut.isoformat(" "),
                              info.computed_at))  # fmt: skip
        for position, o in enumerate(links_omitted):
            link_rows.append((info.project, info.spec_hash, o["link"], "omitted", position, o["code"],
                              o["reason"], None, None, None, None, None, None, info.computed_at))  # fmt: skip
        for position, w in enumerate(links_warnings):
            link_rows.append((info.project, info.spec_hash, w["link"], "warning", position, w["code"],
                              w["text"], w["n"], None, None, None, None, None, info.computed_at))  # fmt: skip
        if link_rows:
            warehouse.insert_rows(LINKS, list(LINK_COLUMNS), link_rows)


def load_analyses(warehouse, project_id: str):
    """(drivers, link groups, link contrasts, as_of by link, segments left out of drivers
    analyses: {"analysis", "dimensions", "n", "code"}; links not computed: {"link", "code",
    "reason"}; what links left out: {"link", "code", "n", "text"}) as stored; empty when
    never stored."""
    drivers, groups, contrasts, as_of, omitted, links_omitted, warnings = [], [], [], {}, [], [], []
    mine = exp.EQ(this=col("project"), expression=text(project_id))
    query = exp.select(*[col(c) for c in DRIVER_COLUMNS]).from_(table(DRIVERS)).where(mine.copy())
    query = query.order_by(col("analysis"), col("period"), col("dimensions"), col("position"))
    for row in _rows(warehouse, DRIVERS, query):
        from cxspec.drivers.compute import DriverResult

        r = dict(zip(DRIVER_COLUMNS, row, strict=True))
        if r["driver"] is None:
            omitted.append({"analysis": r["analysis"], "dimensions": json.loads(r["dimensions"] or "{}"),
                            "n": int(r["n"]), "code": r["method"]})  # fmt: skip
            continue
        drivers.append(DriverResult(
            analysis=r["analysis"], period=r["period"], dimensions=json.loads(r["dimensions"] or "{}"),
            driver=r["driver"], importance=r["importance"], share=r["share"], correlation=r["correlation"],
            beta=r["beta"], performance=r["performance"], lower=r["lower"], upper=r["upper"],
            n=int(r["n"]), r2=r["r2"], method=r["method"],
        ))  # fmt: skip
    query = exp.select(*[col(c) for c in LINK_COLUMNS]).from_(table(LINKS)).where(mine.copy())
    query = query.order_by(col("link"), col("kind").desc(), col("position"))
    for row in _rows(warehouse, LINKS, query):
        from cxspec.links.compute import LinkContrast, LinkGroup

        r = dict(zip(LINK_COLUMNS, row, strict=True))
        if r["kind"] == "omitted":
            links_omitted.append({"link": r["link"], "code": r["grp"], "reason": r["other"]})
            continue
        if r["kind"] == "warning":
            warnings.append({"link": r["link"], "code": r["grp"], "n": int(r["n"]), "text": r["other"]})
            continue
        as_of[r["link"]] = r["as_of"]
        if r["kind"] == "group":
            groups.append(LinkGroup(r["link"], r["grp"], int(r["n"]), r["value"], r["lower"], r["upper"]))
        else:
            contrasts.append(LinkContrast(r["link"], r["grp"], r["other"], r["value"], r["lower"],
                                          r["upper"], r["ratio"]))  # fmt: skip
    return drivers, groups, contrasts, as_of, omitted, links_omitted, warnings


def _rows(warehouse, name: str, query) -> list:
    """The query's rows; none when the table was never created (engines without a layout
    check, such as Spark, say so by failing)."""
    if warehouse.dialect in VERSIONED:
        if existing_columns(warehouse, name) is None:
            return []
        return warehouse.execute(query.sql(dialect=warehouse.dialect))[1]
    try:
        return warehouse.execute(query.sql(dialect=warehouse.dialect))[1]
    except WarehouseError:
        return []
