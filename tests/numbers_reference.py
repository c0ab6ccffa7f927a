"""The expected numbers of tests/fixtures/numbers, computed in plain Python.

Nothing here uses cxspec: the CSV files are read with the csv module, the metric definitions
of specs/metrics.yaml are written again below as Python (the filters as predicates with
SQL's three-valued logic: a NULL comparison is not true), and every metric type's
mathematics follows docs/metrics/ and docs/spec-reference.md:

- order of work on a source's rows: the source filter, de-duplication by key (the latest
  time wins, `keep: earliest` the other way), then the metric's filter and its touch
  point's match;
- periods are UTC calendar periods named by their first day (week: ISO, Monday);
- a (metric, period, dimensions) has a result only when a row matches the metric there;
- NULL is no observation; a value off the scale or not whole is invalid, never counted in n.
"""

from __future__ import annotations

import csv
import datetime as dt
import gzip
import math
import statistics
from collections import defaultdict
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

PROJECT = Path(__file__).parent / "fixtures" / "numbers"
Z = 1.96

Row = dict
Predicate = Callable[[Row], "bool | None"]


# -- reading -----------------------------------------------------------------------------


def read_rows(path: Path) -> list[dict]:
    opener = gzip.open if path.suffix == ".gz" else open
    with opener(path, "rt", encoding="utf-8", newline="") as handle:
        return [{k: (v if v != "" else None) for k, v in row.items()} for row in csv.DictReader(handle)]


def utc(text: str | None) -> dt.datetime | None:
    """An ISO timestamp (with `Z` or an offset) as a naive UTC datetime."""
    if text is None:
        return None
    value = dt.datetime.fromisoformat(text.replace("Z", "+00:00"))
    if value.tzinfo is not None:
        value = value.astimezone(dt.timezone.utc).replace(tzinfo=None)
    return value


def number(text: str | None) -> float | None:
    return None if text is None else float(text)


def boolean(text: str | None) -> bool | None:
    return None if text is None else {"true": True, "false": False}[text.lower()]


def lower_trim(text: str | None) -> str | None:
    return None if text is None else text.strip(" ").lower()


# -- periods -----------------------------------------------------------------------------


def period_of(moment: dt.datetime | dt.date, grain: str) -> dt.date:
    day = moment.date() if isinstance(moment, dt.datetime) else moment
    if grain == "day":
        return day
    if grain == "week":
        return day - dt.timedelta(days=day.weekday())
    if grain == "month":
        return day.replace(day=1)
    if grain == "quarter":
        return dt.date(day.year, 3 * ((day.month - 1) // 3) + 1, 1)
    if grain == "year":
        return dt.date(day.year, 1, 1)
    raise ValueError(grain)


def next_period(period: dt.date, grain: str) -> dt.date:
    if grain == "day":
        return period + dt.timedelta(days=1)
    if grain == "week":
        return period + dt.timedelta(days=7)
    months = {"month": 1, "quarter": 3, "year": 12}[grain]
    index = period.year * 12 + period.month - 1 + months
    return dt.date(index // 12, index % 12 + 1, 1)


def midnight(day: dt.date) -> dt.datetime:
    return dt.datetime(day.year, day.month, day.day)


# -- the project, again ------------------------------------------------------------------


def is_true(value) -> bool:
    return value is True


def sql_ne(a, b) -> bool | None:
    return None if a is None or b is None else a != b


@dataclass
class SourceDef:
    path: str
    types: dict[str, Callable]
    dims: dict[str, Callable[[Row], object]]
    entity: str
    time: str | None = None
    start: str | None = None
    end: str | None = None
    key: str | None = None
    keep: str = "latest"
    filter: Predicate | None = None


SOURCES = {
    "responses": SourceDef(
        path="data/responses.csv",
        types={"responded_at": utc, "nps_score": number, "csat_score": number, "ces_score": number},
        dims={"channel": lambda r: r["channel"], "touchpoint": lambda r: lower_trim(r["touchpoint"])},
        entity="customer_id",
        time="responded_at",
        key="response_id",
        # customer_id NOT LIKE 'test%': NULL customers are not kept either.
        filter=lambda r: None if r["customer_id"] is None else not r["customer_id"].startswith("test"),
    ),
    "tickets": SourceDef(
        path="data/tickets.csv.gz",
        types={"opened_at": utc, "resolved_first": boolean, "handle_seconds": number, "satisfaction": number},
        dims={"channel": lambda r: r["channel"], "queue": lambda r: r["queue"]},
        entity="customer_id",
        time="opened_at",
        key="ticket_id",
        keep="earliest",
    ),
    "subscriptions": SourceDef(
        path="data/subscriptions.csv",
        types={"started_at": utc, "ended_at": utc},
        dims={"channel": lambda r: r["channel"], "plan": lambda r: r["plan"]},
        entity="customer_id",
        start="started_at",
        end="ended_at",
    ),
}


@dataclass
class MetricDef:
    type: str
    source: str | None = None
    column: str | None = None
    where: Predicate | None = None  # the metric's filter AND its touch point's match
    scale: tuple[int, int] | None = None
    top_box: int | None = None  # None: the mean
    condition: Predicate | None = None
    percentile: float | None = None
    inputs: tuple[str, ...] = ()
    formula: Callable | None = None  # ratio/derived: values by input id → value
    options: dict = field(default_factory=dict)


def chat(r):
    return lower_trim(r["touchpoint"]) == "chat"


def web(r):
    return r["channel"] == "web"


def app(r):
    return r["channel"] == "app"


def not_billing(r):
    return sql_ne(r["queue"], "billing")


def not_trial(r):
    return sql_ne(r["plan"], "trial")


def sub(a, b):
    return None if a is None or b is None else a - b


def mul(a, b):
    return None if a is None or b is None else a * b


def div(a, b):
    """Division as the compiled SQL does it: NULL when the divisor is 0 or NULL."""
    return None if a is None or b is None or b == 0 else a / b


METRICS: dict[str, MetricDef] = {
    # responses
    "nps": MetricDef("nps", "responses", "nps_score", scale=(0, 10)),
    "chat_nps": MetricDef("nps", "responses", "nps_score", scale=(0, 10), where=chat),
    "web_nps": MetricDef("nps", "responses", "nps_score", scale=(0, 10), where=web),
    # with web_nps, picked by one value each of `channel` in one pass; the second metric of
    # 'web' is picked on its own (compiler/measures.py, keyed_groups)
    "app_nps": MetricDef("nps", "responses", "nps_score", scale=(0, 10), where=app),
    "web_nps_again": MetricDef("nps", "responses", "nps_score", scale=(0, 10), where=web),
    "csat": MetricDef("csat", "responses", "csat_score", scale=(1, 5), top_box=2,
                      where=lambda r: r["channel"] in ("web", "app")),
    "csat_top1": MetricDef("csat", "responses", "csat_score", scale=(1, 5), top_box=1, where=chat),
    "csat_mean": MetricDef("csat", "responses", "csat_score", scale=(1, 5)),
    "ces": MetricDef("ces", "responses", "ces_score", scale=(1, 7)),
    "ces_top": MetricDef("ces", "responses", "ces_score", scale=(1, 7), top_box=3),
    "ces_top2": MetricDef("ces", "responses", "ces_score", scale=(1, 7), top_box=2,
                          where=lambda r: sql_ne(r["channel"], "email")),
    "promoter_rate": MetricDef("rate", "responses",
                               condition=lambda r: None if r["nps_score"] is None else r["nps_score"] >= 9),
    "responses_count": MetricDef("count", "responses"),
    "nps_answers": MetricDef("count", "responses", "nps_score"),
    "responders": MetricDef("count_distinct", "responses"),
    "nps_gap": MetricDef("derived", inputs=("chat_nps", "nps"),
                         formula=lambda v: sub(v["chat_nps"], v["nps"])),
    "nps_gap_half": MetricDef("derived", inputs=("nps_gap",), formula=lambda v: div(v["nps_gap"], 2)),
    "chat_responses": MetricDef("count", "responses", where=chat),
    "chat_share": MetricDef("ratio", inputs=("chat_responses", "responses_count"),
                            formula=lambda v: div(v["chat_responses"], v["responses_count"])),
    "chat_csat_gap": MetricDef("derived", inputs=("csat_top1", "csat"),
                               formula=lambda v: sub(v["csat_top1"], v["csat"])),
    "chat_nps_vs_web": MetricDef("derived", inputs=("chat_nps", "web_nps"),
                                 formula=lambda v: sub(v["chat_nps"], v["web_nps"])),
    "probe_dup_nps_sum": MetricDef("sum", "responses", "nps_score",
                                   where=lambda r: r["response_id"].startswith("dup-")),
    "probe_dup_web_count": MetricDef("count", "responses",
                                     where=lambda r: r["response_id"].startswith("dup-")
                                     and r["channel"] in ("web", "app")),
    "probe_edges": MetricDef("count", "responses", where=lambda r: r["response_id"].startswith("p-")),
    # tickets
    "fcr": MetricDef("rate", "tickets", condition=lambda r: r["resolved_first"]),
    "long_tech_rate": MetricDef("rate", "tickets", where=lambda r: r["queue"] == "tech",
                                condition=lambda r: None if r["handle_seconds"] is None
                                else r["handle_seconds"] > 600),
    "handle_mean": MetricDef("mean", "tickets", "handle_seconds"),
    "satisfaction_mean": MetricDef("mean", "tickets", "satisfaction", scale=(1, 10)),
    "handle_total": MetricDef("sum", "tickets", "handle_seconds"),
    "handle_min": MetricDef("min", "tickets", "handle_seconds"),
    "handle_max": MetricDef("max", "tickets", "handle_seconds", where=not_billing),
    "tickets": MetricDef("count", "tickets"),
    "handled": MetricDef("count", "tickets", "handle_seconds"),
    "ticket_customers": MetricDef("count_distinct", "tickets", "customer_id"),
    "p90_handle": MetricDef("percentile", "tickets", "handle_seconds", percentile=0.9),
    "median_billing_handle": MetricDef("percentile", "tickets", "handle_seconds", percentile=0.5,
                                       where=lambda r: r["queue"] == "billing"),
    "tickets_per_customer": MetricDef("ratio", inputs=("tickets", "ticket_customers"),
                                      formula=lambda v: div(v["tickets"], v["ticket_customers"])),
    "tickets_per_handled": MetricDef("ratio", inputs=("tickets", "handled"),
                                     formula=lambda v: div(v["tickets"], v["handled"])),
    "unhandled_share": MetricDef("derived", inputs=("tickets", "handled"),
                                 formula=lambda v: div(mul(100, sub(v["tickets"], v["handled"])),
                                                       v["tickets"])),
    "tickets_per_handled_expr": MetricDef("derived", inputs=("tickets", "handled"),
                                          formula=lambda v: div(v["tickets"], v["handled"])),
    "handled_share_nested": MetricDef("derived", inputs=("tickets", "handled"),
                                      formula=lambda v: div(100, div(v["tickets"], v["handled"]))),
    "tickets_per_response": MetricDef("derived", inputs=("tickets", "responses_count"),
                                      formula=lambda v: div(v["tickets"], v["responses_count"])),
    "probe_tdup_handle": MetricDef("sum", "tickets", "handle_seconds",
                                   where=lambda r: r["ticket_id"].startswith("tdup-")),
    # subscriptions
    "churn": MetricDef("churn_rate", "subscriptions"),
    "paid_retention": MetricDef("retention_rate", "subscriptions", where=not_trial),
    "new_subscriptions": MetricDef("count", "subscriptions"),
}  # fmt: skip


# -- rows of a source --------------------------------------------------------------------


def source_rows(source_id: str) -> list[Row]:
    """The source's rows, typed, after its filter and de-duplication."""
    source = SOURCES[source_id]
    rows = []
    for raw in read_rows(PROJECT / source.path):
        rows.append({k: source.types.get(k, lambda v: v)(v) for k, v in raw.items()})
    if source.filter is not None:
        rows = [r for r in rows if is_true(source.filter(r))]
    if source.key:
        versions: dict[str, list[Row]] = defaultdict(list)
        for r in rows:
            versions[r[source.key]].append(r)
        rows = []
        for key, group in versions.items():
            times = [r[source.time] for r in group]
            assert len(set(times)) == len(times), (
                f"ties in the versions of {key!r}: the fixture must avoid them"
            )
            pick = min if source.keep == "earliest" else max
            rows.append(pick(group, key=lambda r: r[source.time]))
    return rows


@dataclass(frozen=True)
class Query:
    """What a cxspec Request asks, with its --where as a Python predicate over dimension values."""

    metrics: tuple[str, ...]
    grain: str = "month"
    by: tuple[str, ...] = ()
    where: Callable[[dict], bool | None] | None = None
    start: dt.date | None = None
    end: dt.date | None = None

    def in_bounds(self, period: dt.date) -> bool:
        if self.start is not None and period < period_of(self.start, self.grain):
            return False
        return self.end is None or period <= period_of(self.end, self.grain)


def sliced(source_id: str, query: Query) -> list[tuple[Row, dict]]:
    """(row, dimension values) of the rows that pass the --where on dimensions."""
    source = SOURCES[source_id]
    out = []
    for r in source_rows(source_id):
        dims = {name: fn(r) for name, fn in source.dims.items()}
        if query.where is not None and not is_true(query.where(dims)):
            continue
        out.append((r, dims))
    return out


# -- metric types ------------------------------------------------------------------------

Result = tuple  # (value, n, invalid, moe)


def on_scale(value: float, scale: tuple[int, int]) -> bool:
    return scale[0] <= value <= scale[1] and value == math.floor(value)


def observations(rows, metric: MetricDef) -> tuple[list[float], int]:
    """Valid values and the number of invalid ones."""
    present = [r[metric.column] for r in rows if r[metric.column] is not None]
    if metric.scale is None:
        return present, 0
    valid = [v for v in present if on_scale(v, metric.scale)]
    return valid, len(present) - len(valid)


def proportion(hits: int, n: int) -> tuple:
    if n == 0:
        return None, None
    p = hits / n
    return 100 * p, Z * 100 * math.sqrt(max(p * (1 - p), 0.0) / n)


#: Types whose value with no matching row is 0 in a period the source has rows for.
ZERO_WHEN_EMPTY = ("count", "sum", "count_distinct")


def compute_rows(metric: MetricDef, rows: list[Row]) -> Result:
    kind = metric.type
    if kind == "nps":
        valid, invalid = observations(rows, metric)
        n = len(valid)
        if n == 0:
            return None, 0, invalid, None
        high = metric.scale[1]
        p_p = sum(1 for v in valid if v >= high - 1) / n
        p_d = sum(1 for v in valid if v <= high - 4) / n
        spread = p_p + p_d - (p_p - p_d) ** 2
        return 100 * (p_p - p_d), n, invalid, Z * 100 * math.sqrt(max(spread, 0.0) / n)
    if kind in ("csat", "ces") and metric.top_box is not None:
        valid, invalid = observations(rows, metric)
        top = sum(1 for v in valid if v > metric.scale[1] - metric.top_box)
        value, moe = proportion(top, len(valid))
        return value, len(valid), invalid, moe
    if kind in ("csat", "ces", "mean"):
        valid, invalid = observations(rows, metric)
        n = len(valid)
        value = statistics.fmean(valid) if n else None
        moe = Z * statistics.stdev(valid) / math.sqrt(n) if n >= 2 else None
        return value, n, invalid, moe
    if kind == "rate":
        hits = sum(1 for r in rows if is_true(metric.condition(r)))
        value, moe = proportion(hits, len(rows))
        return value, len(rows), 0, moe
    if kind in ("sum", "min", "max"):
        values = [r[metric.column] for r in rows if r[metric.column] is not None]
        function = {"sum": math.fsum, "min": min, "max": max}[kind]
        empty = 0.0 if kind == "sum" else None
        return (function(values) if values else empty), len(values), 0, None
    if kind == "count":
        if metric.column is None:
            return float(len(rows)), len(rows), 0, None
        present = sum(1 for r in rows if r[metric.column] is not None)
        return float(present), present, 0, None
    if kind == "count_distinct":
        column = metric.column or SOURCES[metric.source].entity
        values = [r[column] for r in rows if r[column] is not None]
        return float(len(set(values))), len(values), 0, None
    if kind == "percentile":
        values = sorted(r[metric.column] for r in rows if r[metric.column] is not None)
        if not values:
            return None, 0, 0, None
        position = (len(values) - 1) * metric.percentile
        low = math.floor(position)
        high = min(low + 1, len(values) - 1)
        value = values[low] + (position - low) * (values[high] - values[low])
        return value, len(values), 0, None
    raise ValueError(kind)


def churn_results(metric_id: str, metric: MetricDef, query: Query) -> dict:
    source = SOURCES[metric.source]
    rows = sliced(metric.source, query)
    if not rows:
        return {}
    grain = query.grain
    first = min(period_of(r[source.start], grain) for r, _ in rows)
    last = max(
        period_of(r[source.end] if r[source.end] is not None else r[source.start], grain) for r, _ in rows
    )
    groups = sorted({tuple(d[b] for b in query.by) for _, d in rows}, key=str)
    results = {}
    period = first
    while period <= last:
        start, end = midnight(period), midnight(next_period(period, grain))
        for group in groups:
            active, churned = set(), set()
            for r, dims in rows:
                if tuple(dims[b] for b in query.by) != group:
                    continue
                if metric.where is not None and not is_true(metric.where(r)):
                    continue
                began, ended = r[source.start], r[source.end]
                entity = r[source.entity]
                if entity is None or not began < start:
                    continue
                if ended is None or ended >= start:
                    active.add(entity)
                    if ended is not None and ended < end:
                        churned.add(entity)
            if active and query.in_bounds(period):
                churn = 100 * len(churned) / len(active)
                value = 100 - churn if metric.type == "retention_rate" else churn
                results[(metric_id, period.isoformat(), group)] = (value, len(active), 0, None)
        period = next_period(period, grain)
    return results


def expected(query: Query) -> dict:
    """(metric, period, dimension values) → (value, n, invalid, moe) for the asked metrics."""
    needed: list[str] = []

    def need(metric_id):
        if metric_id in needed:
            return
        for dependency in METRICS[metric_id].inputs:
            need(dependency)
        needed.append(metric_id)  # after its inputs

    for metric_id in query.metrics:
        need(metric_id)
    results: dict = {}
    for metric_id in needed:
        metric = METRICS[metric_id]
        if metric.type in ("churn_rate", "retention_rate"):
            results.update(churn_results(metric_id, metric, query))
        elif metric.inputs:
            keys = defaultdict(dict)
            for (input_id, period, group), result in results.items():
                if input_id in metric.inputs:
                    keys[(period, group)][input_id] = result
            for (period, group), found in keys.items():
                if len(found) < len(set(metric.inputs)):
                    continue  # only where every input has a result
                value = metric.formula({k: v[0] for k, v in found.items()})
                n = min(v[1] for v in found.values())
                results[(metric_id, period, group)] = (value, n, 0, None)
        else:
            source = SOURCES[metric.source]
            time = source.time or source.start
            groups: dict = defaultdict(list)
            for r, dims in sliced(metric.source, query):
                period = period_of(r[time], query.grain)
                if not query.in_bounds(period):
                    continue
                key = (period.isoformat(), tuple(dims[b] for b in query.by))
                if metric.type in ZERO_WHEN_EMPTY:  # a period the source covers counts 0
                    groups.setdefault(key, [])
                if metric.where is not None and not is_true(metric.where(r)):
                    continue
                groups[key].append(r)
            for (period, group), rows in groups.items():
                results[(metric_id, period, group)] = compute_rows(metric, rows)
    return {k: v for k, v in results.items() if k[0] in query.metrics}
