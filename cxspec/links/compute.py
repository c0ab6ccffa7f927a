"""Run links on a warehouse: the window join and per-score aggregates in SQL (sql.py), the
groups, intervals and contrasts in Python (stats.py). Rates and their limits are percent."""

from __future__ import annotations

import dataclasses
import datetime as dt
import math
from dataclasses import dataclass

from cxspec.analysis_schema import NPS_GROUPS
from cxspec.diagnostics import Diagnostic, DiagnosticSink
from cxspec.drivers.rows import (
    counted_text,
    is_boolean_type,
    missing_columns,
    not_numbers,
    number_companions,
    text_columns,
    text_hint,
)
from cxspec.links import sql
from cxspec.links.stats import difference, mean_interval, newcombe, pool, welch, wilson
from cxspec.locations import locate
from cxspec.resolve import Resolver

#: Decimal places kept (percent and amounts): absolute, so that the last bits of an engine's
#: parallel sums never show, not even in a difference near 0.
PLACES = 8


def _round(value):
    if value is None or not math.isfinite(value):
        return None
    rounded = round(float(value), PLACES)
    return 0.0 if rounded == 0 else rounded


@dataclass(frozen=True)
class LinkGroup:
    link: str
    group: str
    n: int
    value: float | None
    lower: float | None
    upper: float | None

    def as_dict(self) -> dict:
        return {"link": self.link, "group": self.group, "n": self.n, "value": self.value,
                "lower": self.lower, "upper": self.upper}  # fmt: skip


@dataclass(frozen=True)
class LinkContrast:
    link: str
    a: str
    b: str
    difference: float | None
    lower: float | None
    upper: float | None
    ratio: float | None

    def as_dict(self) -> dict:
        return dict(link=self.link, a=self.a, b=self.b, difference=self.difference, lower=self.lower,
                    upper=self.upper, ratio=self.ratio)  # fmt: skip


@dataclass
class LinksOutcome:
    groups: list[LinkGroup]
    contrasts: list[LinkContrast]
    diagnostics: list[Diagnostic]
    #: Link id → the `--as-of` instant its windows were censored at.
    as_of: dict
    #: Links not computed, each {"link", "code", "reason"}: the last word said of it (its
    #: data problem: CX603, CX610, CX613, CX615…), so that reports say it (analyses_store.py).
    omitted: list = dataclasses.field(default_factory=list)
    #: What a link left out or could not match, counted: {"link", "code", "n", "text"}
    #: (CX615, CX622, CX623: its warnings in words, without the "link 'id': "), stored with
    #: the link and shown in reports beside its sentence.
    warnings: list = dataclasses.field(default_factory=list)


# -- groups from per-score aggregates ------------------------------------------------------------


def quantile_cuts(counts: list[tuple[float, int]], k: int) -> list[float]:
    """The 1/k … (k−1)/k quantiles (type 7: linear between order statistics) of scores given
    as (score, count) pairs sorted by score."""
    total = sum(c for _, c in counts)

    def order_statistic(index: int) -> float:  # 0-based
        seen = 0
        for score, count in counts:
            seen += count
            if index < seen:
                return score
        return counts[-1][0]

    cuts = []
    for i in range(1, k):
        h = (total - 1) * i / k
        low = math.floor(h)
        below, above = order_statistic(low), order_statistic(min(low + 1, total - 1))
        cuts.append(below + (h - low) * (above - below))
    return cuts


def group_names(link) -> list[str]:
    """Groups in report order; the contrast is the first listed pair (worse first)."""
    if link.groups == NPS_GROUPS:
        return ["promoter", "passive", "detractor"]
    if link.groups == "top_box":
        return ["top_box", "rest"]
    return [f"q{i}" for i in range(1, link.quantiles + 1)]


def contrast_pair(link) -> tuple[str, str]:
    if link.groups == NPS_GROUPS:
        return "detractor", "promoter"
    if link.groups == "top_box":
        return "rest", "top_box"
    return "q1", f"q{link.quantiles}"


def assign(link, score: float, cuts: list[float]) -> str:
    if link.groups == NPS_GROUPS:
        return "promoter" if score >= 9 else ("passive" if score >= 7 else "detractor")
    if link.groups == "top_box":
        return "top_box" if score > link.scale[1] - (link.top_box or 2) else "rest"
    return f"q{1 + sum(1 for c in cuts if score > c)}"


# -- running -------------------------------------------------------------------------------------


def default_as_of(
    warehouse, link, source, resolution, fragment_dialect, columns=None, until=None
) -> dt.datetime | None:
    """The source's latest time (sql.latest_outcome_query): among what is seen as of `until`."""
    _, rows = warehouse.execute(
        sql.latest_outcome_query(source, resolution, warehouse.dialect, fragment_dialect, columns, until)
    )
    moments = [_as_datetime(v) for v in (rows[0] if rows else ()) if v is not None]
    return max(moments) if moments else None


def _as_datetime(value) -> dt.datetime:
    if isinstance(value, dt.datetime):
        return (
            value.replace(tzinfo=None)
            if value.tzinfo is None
            else value.astimezone(dt.UTC).replace(tzinfo=None)
        )
    if isinstance(value, dt.date):
        return dt.datetime(value.year, value.month, value.day)
    return dt.datetime.fromisoformat(str(value)[:19])


def compute_links(
    warehouse, project, registry, ids=(), *, as_of=None, start=None, end=None, until=None
) -> LinksOutcome:
    """`as_of`: the cut itself (`links --as-of`), else the outcome source's latest time, but
    never after `until` (`run --as-of`: nothing after it is seen)."""
    sink = DiagnosticSink()
    groups: list[LinkGroup] = []
    contrasts: list[LinkContrast] = []
    warnings: list[dict] = []
    used: dict = {}
    links = [project.links[i] for i in ids] if ids else [project.links[k] for k in sorted(project.links)]
    resolver = Resolver(project, registry, warehouse=warehouse)
    fragment_dialect = project.config.dialect
    said: dict[str, int] = {}  # link id → where its diagnostics start in the sink
    for link in links:
        said[link.id] = len(sink.items)
        cx_source = project.sources[link.cx_source]
        outcome_source = project.sources[link.outcome_source]
        resolution = resolver.resolve([cx_source, outcome_source])
        numbers: dict = {}
        sides = (link, cx_source, outcome_source, resolution)
        if _not_numbers(warehouse, *sides, sink, numbers, fragment_dialect):
            continue
        cut = as_of or default_as_of(
            warehouse, link, outcome_source, resolution, fragment_dialect, until=until
        )
        if cut is not None and until is not None:
            cut = min(cut, until)
        if cut is None:
            sink.add("CX610", f"link {link.id!r}: the outcome source has no times yet", link.loc("outcome"))
            continue
        if as_of is None:
            _future_outcomes(warehouse, link, cx_source, cut, resolution, fragment_dialect, sink, until)
        used[link.id] = cut
        query = sql.build(link, cx_source, outcome_source, resolution, warehouse.dialect, cut,
                          fragment_dialect=fragment_dialect, start=start, end=end, numbers=numbers)  # fmt: skip
        _, rows = warehouse.execute(query.sql)
        # (score, n, outcome rows in the windows, those with a value, sum[, mean, sum of
        # deviations from it, sum of their squares]) (sql.py)
        per_score = sorted((float(r[0]), int(r[1]), *(float(v or 0.0) for v in r[4:])) for r in rows)
        linked, valued = (sum(int(r[i] or 0) for r in rows) for i in (2, 3))
        options = dict(fragment_dialect=fragment_dialect, start=start, end=end, numbers=numbers)
        if _invalid_scores(warehouse, *sides, cut, per_score, sink, warnings, **options):
            continue
        if not per_score:
            sink.add(
                "CX610",
                f"link {link.id!r}: no response has its whole {link.within} window before {cut:%Y-%m-%d %H:%M}",
                link.loc("outcome"),
                hint="a response counts once its window has ended by --as-of (default: the outcome source's latest time)",
            )
            continue
        if sql.text_keys(cx_source, outcome_source, resolution):
            _partial_entities(warehouse, *sides, cut, per_score, sink, warnings, **options)
        if not valued:
            present = (0, 0)
            if not linked:  # windows without an outcome: zeros, unless the data cannot show one
                query = sql.presence(*sides, warehouse.dialect, cut, **options)
                _, found = warehouse.execute(query)
                present = tuple(int(v or 0) for v in found[0])
            if not all(present):
                _not_measurable(link, sum(r[1] for r in per_score), linked, present, sink)
                continue
        if link.value and linked > valued:
            _empty_values(link, sum(r[1] for r in per_score), linked, valued, sink, warnings)
        g, c = _summarise(link, per_score, sink)
        groups += g
        contrasts += c
    omitted = _omitted(links, said, groups, sink.items)
    return LinksOutcome(groups, contrasts, sink.items, used, omitted, warnings)


def _counted(sink, warnings: list, link, code: str, count: int, message: str, where, hint: str) -> None:
    """A warning of what a link left out, and its count for its stored result and reports."""
    sink.add(code, f"link {link.id!r}: {message}", where, hint=hint)
    warnings.append({"link": link.id, "code": code, "n": count, "text": message})


def _empty_values(link, responses: int, linked: int, valued: int, sink, warnings: list) -> None:
    """CX622 when some outcome rows in a value link's windows have no value: the contract
    skips them in the sums (an empty cell is no 0), which lowers a mean unseen unless said.
    Counted per window a row falls in, as the sums take it (sql.py: outcome rows in the
    windows, those with a value)."""
    empty = linked - valued
    _counted(
        sink, warnings, link, "CX622",
        empty,
        f"{empty:,} of the {linked:,} outcome rows in the {link.within} windows of {responses:,} responses "
        f"have no value of {link.value!r}: skipped in the sums (a row is counted once per window it is in)",
        locate(link.file, link.raw.get("outcome"), "value"),
        "an empty cell is not 0: fill the column in the export (0 where there was nothing), "
        "or leave such rows out with the source's `filter`",
    )  # fmt: skip


def _omitted(links, said: dict, groups, diagnostics) -> list[dict]:
    """Each link without groups, with the last diagnostic said of it (what stopped it)."""
    out = []
    starts = [said[link.id] for link in links] + [len(diagnostics)]
    computed = {g.link for g in groups}
    for link, start, stop in zip(links, starts, starts[1:], strict=False):
        if link.id in computed or stop == start:
            continue
        last = diagnostics[stop - 1]
        prefix = f"link {link.id!r}: "
        reason = last.message[len(prefix):] if last.message.startswith(prefix) else last.message
        out.append({"link": link.id, "code": last.code, "reason": reason})
    return out


def _future_outcomes(warehouse, link, cx_source, cut, resolution, fragment_dialect, sink, until=None) -> None:
    """CX612 when the default --as-of (the outcome source's latest time) is later than the
    latest response's window end. No recorded event that late can fall in any window: it is
    a scheduled or mistyped time (a subscription ending in 2099), and as the default cut it
    counts windows that are not over yet as complete with "no event" (a diluted rate). The
    bound is the data's own (latest response + within), never the wall clock: results and
    warnings must not depend on when a run happens (data extracted later, fixtures dated
    after today). A survey program that stopped while outcomes go on is warned too: --as-of
    then says the data is complete up to then and silences it. Under `run --as-of` (`until`)
    the latest response is the latest seen then, as the cut is."""
    latest = default_as_of(warehouse, link, cx_source, resolution, fragment_dialect, (cx_source.time,), until)
    if latest is None or (cut - latest).total_seconds() <= link.within_seconds:  # no date past 9999
        return
    sink.add(
        "CX612",
        f"link {link.id!r}: the outcome source {link.outcome_source!r} has times up to "
        f"{cut:%Y-%m-%d %H:%M}, after the latest response ({latest:%Y-%m-%d %H:%M}) and its "
        f"{link.within} window: as the default --as-of it counts windows not over yet as complete",
        link.loc("outcome"),
        hint="pass --as-of (the time the data was extracted); a time in the future is scheduled, not seen",
    )


def _invalid_scores(
    warehouse, link, cx_source, outcome_source, resolution, cut, per_score, sink, warnings, **options
) -> bool:
    """CX615 when responses are left out for a score off the groups' scale (an NPS of 11 or
    7.5, a 0–10 score under a 1–5 top box): counted, never silent. Whether none is left."""
    scale = link.scale or ((0, 10) if link.groups == NPS_GROUPS else None)
    if scale is None:  # quantiles without a scale: every number is a score
        return False
    query = sql.invalid_scores(link, cx_source, outcome_source, resolution, warehouse.dialect, cut, **options)
    _, rows = warehouse.execute(query)
    invalid = int(rows[0][0] or 0) if rows else 0
    if not invalid:
        return False
    counted = sum(r[1] for r in per_score)
    whole = " whole numbers" if link.groups in (NPS_GROUPS, "top_box") else ""
    _counted(
        sink, warnings, link, "CX615",
        invalid,
        f"{invalid:,} of {invalid + counted:,} responses have a score {link.cx_column!r} "
        f"that is not one of the{whole} {scale[0]:g}–{scale[1]:g} of groups {link.groups!r}: left out",
        link.loc("cx"),
        "metrics count such scores invalid too: check the column's scale (a 1–5 score under "
        "`groups: nps`?) and the link's `scale`",
    )  # fmt: skip
    return not counted


def _partial_entities(
    warehouse, link, cx_source, outcome_source, resolution, cut, per_score, sink, warnings, **options
) -> None:
    """CX623 when responses' customer ids are outcome ids but for spaces or letter case ("C001 "
    or "c001" against "C001"): the exact join finds no outcome for them, so they count as no
    event (or 0), which lowers a rate unseen. Said with one example; the join stays exact (an
    id is the customer's as written). One query, only for ids compared as text (sql.py)."""
    sides = (link, cx_source, outcome_source, resolution)
    _, rows = warehouse.execute(sql.partial_entities(*sides, warehouse.dialect, cut, **options))
    if not rows or not rows[0][0]:
        return
    count, example, outcome_id = int(rows[0][0]), rows[0][1], rows[0][2]
    responses = sum(r[1] for r in per_score)
    _counted(
        sink, warnings, link, "CX623",
        count,
        f"{count:,} of the {responses:,} responses have a customer id that is in source "
        f"{link.outcome_source!r} only with other spaces or letter case ({str(example)!r} against "
        f"{str(outcome_id)!r}): ids match exactly, so they count as "
        + ("0" if link.value else "no event"),
        link.loc(),
        "clean the ids in the exports (no spaces around them, one letter case) so that both sources "
        "write a customer alike",
    )  # fmt: skip


def _not_measurable(link, responses: int, linked: int, present: tuple[int, int], sink) -> None:
    """CX613 when the windows hold only NULL values, or no outcome while the data cannot show
    one: the outcome source has no event (no value) at all, or none of the responses'
    customers is in it (entity keys that differ between the sources). Every group would show
    0, which is missing data, not a finding. `present`: (outcomes in the source, responses
    whose customer is there: sql.presence)."""
    outcomes, matched = present
    source = link.outcome_source
    keys = "check that both sources' entity columns hold the same customer keys (spelling, type)"
    if link.value and linked:
        message = (
            f"the outcome value {link.value!r} is empty on every row of source {source!r} "
            f"in the {link.within} windows of {responses:,} responses ({linked:,} matches)"
        )
        hint = "NULL values are skipped in sums: fill the column, or link a value column that has values"
    elif not outcomes:
        what = f"a value of {link.value!r}" if link.value else f"the event {link.event!r} (column empty)"
        message = f"no row of source {source!r} has {what}"
        hint = "check the export of the outcome source and the column the link reads"
    else:
        message = f"none of the {responses:,} responses' customers is in source {source!r}"
        hint = f"{keys}; a source's `filter` may leave them out"
    sink.add(
        "CX613",
        f"link {link.id!r}: {message}: every group would show 0, a number not measured: not computed",
        link.loc("outcome"),
        hint=hint,
    )


def _not_numbers(
    warehouse, link, cx_source, outcome_source, resolution, sink, numbers: dict, link_dialect: str
) -> bool:
    """CX603 for a score column or a summed outcome column that is not numbers; one that holds
    some (a typed CSV file's companion column of them: column_types.py) is read through
    them, the other values NULL (CX608): `numbers` gets "cx" / "outcome" → the companion."""
    found = False
    checks = [(cx_source, link.cx_column, "cx", "score")]
    if link.value:
        checks.append((outcome_source, link.value, "outcome", "outcome value"))
    for source, column, field, what in checks:  # CX404: a column the source lacks
        where = locate(link.file, link.raw.get(field), "value" if field == "outcome" else "column")
        named = [(column, f"link {link.id!r}: the {what}", where)]
        found = missing_columns(sink, resolution, source, named) or found
    if found:
        return True
    for source, column, field, what in checks:
        text = text_columns(warehouse, resolution, source, [column])
        companion = number_companions(resolution, source, text).get(column)
        if companion:
            numbers[field] = companion
            counted = not_numbers(warehouse, resolution, source, link_dialect, {column: companion}).get(column)
            sink.add(
                "CX608",
                f"link {link.id!r}: the {what} column {column!r} of source {source.id!r} holds values that are "
                f"not numbers{counted_text(counted)}: their rows are left out",
                link.loc(field),
                hint="'N/A' is left out, as metrics count it invalid; clean the column, or pick another",
            )
        elif column in text and is_boolean_type(text[column]):
            found = True  # yes/no is no rating to group, nor an amount to sum
            sink.add(
                "CX603",
                f"link {link.id!r}: the {what} column {column!r} of source {source.id!r} is yes/no "
                f"({text[column]}), not a number",
                link.loc(field),
                hint="a link groups responses by a rating (0-10 for nps groups) and sums an amount; "
                "for whether something happened, use `event:`"
                if field == "outcome"
                else "a link groups responses by a rating (0-10 for nps groups): pick a rating column",
            )
        elif column in text:
            found = True
            sink.add(
                "CX603",
                f"link {link.id!r}: the {what} column {column!r} of source {source.id!r} is text ({text[column]})",
                link.loc(field),
                hint=text_hint(resolution, source, column, expr=False),
            )
    return found


def _mean_ratio(m_a: float, m_b: float) -> float | None:
    """a / b for means, only when both are > 0: with refunds (a negative mean) or a mean of 0,
    "−0.50× as much" means nothing; reports then give both means and the difference."""
    return _round(m_a / m_b) if m_a > 0 and m_b > 0 else None


def _summarise(link, per_score, sink):
    cuts = quantile_cuts([r[:2] for r in per_score], link.quantiles) if link.groups == "quantiles" else []
    parts = {name: [] for name in group_names(link)}
    for score, *part in per_score:
        parts[assign(link, score, cuts)].append(part)
    totals = {name: (sum(p[0] for p in ps), sum(p[1] for p in ps)) for name, ps in parts.items()}
    rate = link.value is None
    out, stats = [], {}
    for name in group_names(link):
        n, total = totals[name]
        if n == 0:
            out.append(LinkGroup(link.id, name, 0, None, None, None))
            continue
        if rate:
            low, high = wilson(total, n)
            out.append(
                LinkGroup(link.id, name, n, _round(100 * total / n), _round(100 * low), _round(100 * high))
            )
        else:
            group = pool(
                (count, mean, deviations, squares) for count, _, mean, deviations, squares in parts[name]
            )
            mean, low, high, se = mean_interval(group)
            stats[name] = (group, se)
            out.append(LinkGroup(link.id, name, n, _round(mean), _round(low), _round(high)))
    a, b = contrast_pair(link)
    (n_a, t_a), (n_b, t_b) = totals[a], totals[b]
    if n_a == 0 or n_b == 0:
        sink.add(
            "CX611",
            f"link {link.id!r}: group {a if n_a == 0 else b!r} has no responses; no contrast",
            link.loc("cx"),
        )
        return out, []
    if rate:
        d, low, high = newcombe(t_a, n_a, t_b, n_b)
        ratio = (t_a / n_a) / (t_b / n_b) if t_b else None
        contrast = LinkContrast(
            link.id, a, b, _round(100 * d), _round(100 * low), _round(100 * high), _round(ratio)
        )
    else:
        (g_a, se_a), (g_b, se_b) = stats[a], stats[b]
        if se_a is None or se_b is None:
            d, low, high = difference(g_a, g_b), None, None
        else:
            d, low, high = welch(g_a, se_a, g_b, se_b)
        contrast = LinkContrast(
            link.id, a, b, _round(d), _round(low), _round(high), _mean_ratio(g_a.mean, g_b.mean)
        )
    return out, [contrast]
