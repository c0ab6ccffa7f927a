"""The CX dashboard: one self-contained HTML file (inline CSS, JS and SVG; nothing is fetched
when it is viewed) rendered from the report data of `cxspec.reports.data.build_report`.

Layout: a header bar (project, grain, latest period); the first screen holds the CX index
with its trend and coverage, goal status counts and every pyramid's score, the pyramid as a
drill-down tree, and beside them the issues with their owners. Below: the journeys, stages
left to right with their touch points as cards; then one card per metric with its trend chart
(margin of error band, goal zones and lines, a status dot per period, definition breaks).

Every number says what it is and who owns it on hover (a `title`) and opens a details panel
on click. Everything is rendered here, in Python, so the same report gives byte-identical
HTML; the inline script only shows, hides and highlights (and sets <body data-ready="1">).
CSS and JS live in cxspec/reports/assets/ and are inlined.
"""

from __future__ import annotations

import html
import json
import math
from functools import cache
from importlib import resources

_STATUS = {  # status -> (words, css class)
    "green": ("on target", "ok"),
    "amber": ("below target", "warn"),
    "red": ("off target", "bad"),
    "insufficient_sample": ("sample too small", "na"),
}
_KIND = {"goal_red": "goal red", "significant_drop": "significant drop", "below_journey": "below journey",
         "insufficient_sample": "small sample", "no_data": "no data"}  # fmt: skip
_SEVERITY_ORDER = {"error": 0, "warning": 1, "info": 2}
_STATUS_OF_CLASS = {cls: status for status, (_, cls) in _STATUS.items()}
_GRAIN_WORD = {"day": "daily", "week": "weekly", "month": "monthly", "quarter": "quarterly", "year": "yearly"}
_MONTHS = ["Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"]


def e(value) -> str:
    """Text from the report, escaped for element content and quoted attributes."""
    return html.escape("" if value is None else str(value), quote=True)


@cache
def _asset(name: str) -> str:
    return resources.files("cxspec.reports").joinpath("assets", name).read_text(encoding="utf-8")


def _json_script(element_id: str, data) -> str:
    """JSON inside <script type="application/json">: `<`, `>` and `&` are \\u-escaped, so no
    string in the data can close the element (`</script>`) or open a comment."""
    text = json.dumps(data, sort_keys=True, ensure_ascii=False, separators=(",", ":"))
    for char, escaped in (
        ("<", "\\u003c"),
        (">", "\\u003e"),
        ("&", "\\u0026"),
        ("\u2028", "\\u2028"),
        ("\u2029", "\\u2029"),
    ):
        text = text.replace(char, escaped)
    return f'<script type="application/json" id="{e(element_id)}">{text}</script>'


# ---------------------------------------------------------------- formatting values


def _is_percent(metric) -> bool:
    return metric.get("unit") == "%" or metric.get("natural_range") == [0.0, 100.0]


def fmt_value(metric, value) -> str:
    """A metric value in its unit, as the terminal and Markdown reports show it."""
    if value is None:
        return "–"
    if metric["type"] == "nps":
        return f"{value:+.0f}"
    if _is_percent(metric):
        return f"{value:.1f}%"
    if float(value).is_integer() and metric["type"] not in ("csat", "ces", "mean"):
        return f"{value:,.0f}"  # counts, sums, percentiles of whole numbers, goals like 240
    return f"{value:,.2f}" if abs(value) < 1000 else f"{value:,.0f}"


def fmt_unit(metric) -> str:
    """The unit written after a value ('' when the value carries it, like % or NPS points)."""
    unit = metric.get("unit")
    if metric["type"] == "nps" or _is_percent(metric):
        return ""
    if unit:
        return unit
    bounds = metric.get("natural_range")
    return f"on {bounds[0]:g}–{bounds[1]:g}" if bounds else ""


def fmt_moe(metric, moe) -> str:
    if moe is None:
        return ""
    if metric["type"] == "nps":
        return f"±{moe:.1f}"
    if _is_percent(metric):
        return f"±{moe:.1f} pts"
    return f"±{moe:,.2f}" if abs(moe) < 1000 else f"±{moe:,.0f}"


def fmt_delta(metric, delta) -> str:
    if metric["type"] == "nps":
        return f"{delta:+.0f}"
    if _is_percent(metric):
        return f"{delta:+.1f} pts"
    return f"{delta:+,.2f}" if abs(delta) < 1000 else f"{delta:+,.0f}"


def _count(n) -> str:
    return "–" if n is None else f"{n:,}"


def fmt_score(score) -> str:
    return "–" if score is None else f"{score:.1f}"


def fmt_period(period, grain) -> str:
    """A period (named by its first day) as a person says it: Jun 2026, 2026 Q2, 2026."""
    if not period:
        return "–"
    try:
        year, month = period[:4], int(period[5:7])
    except (TypeError, ValueError):
        return str(period)
    if grain == "month" and 1 <= month <= 12:
        return f"{_MONTHS[month - 1]} {year}"
    if grain == "quarter":
        return f"{year} Q{(month - 1) // 3 + 1}"
    if grain == "year":
        return year
    return str(period)


def band(score) -> str:
    """The colour band of a 0–100 score: ok ≥ 75 > warn ≥ 50 > bad; none without a score."""
    if score is None:
        return "none"
    return "ok" if score >= 75 else "warn" if score >= 50 else "bad"


def _steady(text: str) -> bool:
    return not any(ch in "123456789" for ch in text)


def score_trend(score, previous) -> str:
    """▲/▼ and the change of a 0–100 score (higher is always better)."""
    if score is None or previous is None:
        return '<span class="trend none" title="no previous period to compare with"></span>'
    delta = score - previous
    text = f"{delta:+.1f}"
    if _steady(text):
        return f'<span class="trend flat" title="unchanged from the previous period ({e(text)})">→ 0.0</span>'
    cls, arrow = ("up", "▲") if delta > 0 else ("down", "▼")
    return (
        f'<span class="trend {cls}" title="score {e(text)} points from the previous period '
        f'({previous:.1f} → {score:.1f})">{arrow} {e(text)}</span>'
    )


def value_trend(metric) -> str:
    """The change of a metric's value from the previous period, green when it is good."""
    latest, previous = metric.get("latest") or {}, metric.get("previous") or {}
    if latest.get("value") is None or previous.get("value") is None:
        return ""
    delta = latest["value"] - previous["value"]
    text = fmt_delta(metric, delta)
    if _steady(text):
        return f'<span class="trend flat" title="unchanged from {e(previous["period"])}">→ {e(text)}</span>'
    good = (delta > 0) == (metric.get("direction") != "lower_is_better")
    arrow = "▲" if delta > 0 else "▼"
    return (
        f'<span class="trend {"up" if good else "down"}" title="from '
        f"{e(fmt_value(metric, previous['value']))}"
        f' in {e(previous["period"])}">{arrow} {e(text)}</span>'
    )


# ---------------------------------------------------------------- context


def _rollup_score(tp, ctx) -> float | None:
    """A touch point's score as the issue detection uses it: only metrics with enough sample."""
    scores = [
        m["score"]
        for m in (ctx.metrics.get(i) for i in tp.get("metrics") or [])
        if m and m.get("score") is not None and (m.get("latest") or {}).get("status") != "insufficient_sample"
    ]
    return sum(scores) / len(scores) if scores else None


def _journey_mean(journey, ctx) -> float | None:
    """The mean the `below_journey` issues compare a touch point with."""
    scores = [_rollup_score(tp, ctx) for stage in journey["stages"] for tp in stage["touchpoints"]]
    scores = [s for s in scores if s is not None]
    return sum(scores) / len(scores) if scores else None


class _Context:
    """Look-ups shared by the sections."""

    def __init__(self, report: dict):
        self.grain = report["project"].get("grain")
        self.latest = report.get("latest")
        self.periods = list(report.get("periods") or [])
        self.period_index = {p: i for i, p in enumerate(self.periods)}
        self.metrics = {m["id"]: m for m in report["metrics"]}
        self.owners = {o["id"]: o for o in report.get("owners") or []}
        self.touchpoints = {}
        self.journey_of = {}
        for journey in report.get("journeys") or []:
            for stage in journey["stages"]:
                for tp in stage["touchpoints"]:
                    self.touchpoints[tp["id"]] = tp
                    self.journey_of[tp["id"]] = (journey, stage["id"])
        self.journey_mean = {j["id"]: _journey_mean(j, self) for j in report.get("journeys") or []}
        self.issues_by_tp: dict[str, list] = {}  # the touch points' own issues (below_journey)
        for issue in report.get("issues") or []:
            if issue.get("touchpoint") and not issue.get("metric"):
                self.issues_by_tp.setdefault(issue["touchpoint"], []).append(issue)

    def owner_name(self, owner_id) -> str:
        if not owner_id:
            return "no owner"
        owner = self.owners.get(owner_id)
        return owner["name"] if owner and owner.get("name") else owner_id

    def owner_title(self, owner_id) -> str:
        if not owner_id:
            return "no owner declared"
        owner = self.owners.get(owner_id) or {}
        parts = [f"{self.owner_name(owner_id)} ({owner_id})"]
        parts += [owner[k] for k in ("email", "github") if owner.get(k)]
        return " · ".join(parts)

    def period(self, period) -> str:
        return fmt_period(period, self.grain)

    def metric_title(self, metric) -> str:
        """The hover text of every number of a metric: what it is, who owns it, its goal, n, ±."""
        lines = [f"{metric['name']} ({metric['id']})", metric.get("definition") or ""]
        lines.append(
            f"Owner: {self.owner_name(metric.get('owner'))} · tracked by: "
            f"{self.owner_name(metric.get('tracked_by')) if metric.get('tracked_by') else '–'}"
        )
        lines.append(_goal_text(metric) or "No goal")
        latest = metric.get("latest")
        if latest:
            status = _STATUS.get(latest.get("status"), ("no status",))[0]
            moe = f" {fmt_moe(metric, latest.get('moe'))} (95%)" if latest.get("moe") is not None else ""
            lines.append(
                f"{self.period(latest['period'])}: {fmt_value(metric, latest.get('value'))}{moe}, "
                f"n = {latest.get('n')}, {status}"
            )
        else:
            lines.append(f"No data in {self.period(self.latest)}")
        return "\n".join(line for line in lines if line)


def _goal_text(metric) -> str:
    goal = metric.get("goal")
    if not goal or goal.get("target") is None:
        return ""
    text = f"Goal: target {fmt_value(metric, goal['target'])}"
    if goal.get("warn") is not None:
        text += f", warn {fmt_value(metric, goal['warn'])}"
    if goal.get("due"):
        text += f", due {goal['due']}"
    return text


def _status_pill(status, has_data=True) -> str:
    words, cls = _STATUS.get(status, ("no goal" if has_data else "no data", "none"))
    return f'<span class="pill st-{cls}">{e(words)}</span>'


def _status_dot(status) -> str:
    words, cls = _STATUS.get(status, ("no goal", "none"))
    return f'<i class="dot st-{cls}" title="{e(words)}" aria-label="{e(words)}"></i>'


def _metric_number(metric, ctx, cls="num") -> str:
    """The latest value of a metric as a button: hover says what it is, click opens details."""
    value = (metric.get("latest") or {}).get("value")
    return (
        f'<button type="button" class="{cls}" data-detail="metric-{e(metric["id"])}" '
        f'title="{e(ctx.metric_title(metric))}">{e(fmt_value(metric, value))}</button>'
    )


# ---------------------------------------------------------------- small charts


def sparkline(values, width=64, height=20, label="", min_span=20.0) -> str:
    """A tiny line of 0–100 scores; the y range is at least `min_span` points."""
    points = [v for v in values if v is not None]
    if not points:
        return f'<svg class="spark" viewBox="0 0 {width} {height}" width="{width}" height="{height}"></svg>'
    lo, hi = min(points), max(points)
    if hi - lo < min_span:  # small wiggles stay small
        mid = (hi + lo) / 2
        lo, hi = mid - min_span / 2, mid + min_span / 2
    step = (width - 4) / max(1, len(points) - 1)

    def xy(i, v):
        return 2 + i * step, height - 2 - (v - lo) / (hi - lo) * (height - 4)

    coords = [xy(i, v) for i, v in enumerate(points)]
    path = " ".join(f"{'M' if i == 0 else 'L'}{x:.1f} {y:.1f}" for i, (x, y) in enumerate(coords))
    last_x, last_y = coords[-1]
    title = f"<title>{e(label)}</title>" if label else ""
    return (
        f'<svg class="spark" viewBox="0 0 {width} {height}" width="{width}" height="{height}" role="img">'
        f'{title}<path d="{path}"/><circle cx="{last_x:.1f}" cy="{last_y:.1f}" r="2"/></svg>'
    )


def _nice_step(span: float, count: int = 4) -> float:
    raw = span / count
    magnitude = 10 ** math.floor(math.log10(raw))
    for mult in (1, 2, 2.5, 5, 10):
        if raw <= mult * magnitude + 1e-12:
            return mult * magnitude
    return 10 * magnitude


def _compact(value: float, step: float) -> str:
    if abs(value) >= 1e6:
        return f"{value / 1e6:.{0 if step >= 1e6 else 1}f}M"
    if abs(value) >= 1e4:
        return f"{value / 1e3:.{0 if step >= 1e3 else 1}f}k"
    decimals = 0 if step >= 1 else min(3, max(1, -math.floor(math.log10(step))))
    return f"{value:.{decimals}f}"


class _Chart:
    """A metric's trend over periods, as inline SVG: value line, ± margin of error band, goal
    bands and lines, a status dot per period, dashed markers where the definition changed."""

    W, H = 360, 156
    LEFT, RIGHT, TOP, BOTTOM = 40, 8, 10, 22

    def __init__(self, metric, ctx: _Context):
        self.metric, self.ctx = metric, ctx
        index = ctx.period_index
        self.series = [p for p in metric.get("series") or [] if p.get("period") in index]
        idx = [index[p["period"]] for p in self.series]
        last = index.get(ctx.latest, max(idx) if idx else 0)
        self.x_lo, self.x_hi = (min(idx), max(max(idx), last)) if idx else (0, 0)
        self._y_domain()

    def _y_domain(self):
        metric = self.metric
        values = []
        for point in self.series:
            if point.get("value") is None:
                continue
            moe = point.get("moe") or 0
            values += [point["value"] - moe, point["value"] + moe]
        goal = metric.get("goal") or {}
        values += [goal[k] for k in ("target", "warn") if goal.get(k) is not None]
        lo, hi = (min(values), max(values)) if values else (0.0, 1.0)
        if hi - lo < 1e-9:
            pad = abs(lo) * 0.1 or 1.0
            lo, hi = lo - pad, hi + pad
        step = _nice_step(hi - lo)
        lo, hi = math.floor(lo / step) * step, math.ceil(hi / step) * step
        bounds = metric.get("natural_range")
        if bounds:
            lo, hi = max(lo, bounds[0]), min(hi, bounds[1])
        self.y_lo, self.y_hi, self.step = lo, hi, step

    def x(self, period) -> float:
        i = self.ctx.period_index[period]
        width = self.W - self.LEFT - self.RIGHT
        if self.x_hi == self.x_lo:
            return self.LEFT + width / 2
        return self.LEFT + (i - self.x_lo) / (self.x_hi - self.x_lo) * width

    def y(self, value) -> float:
        height = self.H - self.TOP - self.BOTTOM
        clamped = min(max(value, self.y_lo), self.y_hi)
        return self.TOP + (self.y_hi - clamped) / (self.y_hi - self.y_lo) * height

    def render(self) -> str:
        metric = self.metric
        label = f"{metric['name']}: trend over {len(self.series)} periods"
        parts = [f'<svg class="chart" viewBox="0 0 {self.W} {self.H}" role="img" aria-label="{e(label)}">']
        parts += [
            self._grid(),
            self._goal(),
            self._band(),
            self._line(),
            self._breaks(),
            self._dots(),
            self._x_labels(),
        ]
        if not self.series:
            parts.append(f'<text class="empty" x="{self.W / 2:.0f}" y="{self.H / 2:.0f}">no data yet</text>')
        parts.append("</svg>")
        return "".join(p for p in parts if p)

    def _grid(self) -> str:
        out = []
        k = math.ceil(self.y_lo / self.step - 1e-9)
        while k * self.step <= self.y_hi + 1e-9:
            value = k * self.step
            y = self.y(value)
            out.append(
                f'<line class="grid" x1="{self.LEFT}" x2="{self.W - self.RIGHT}" y1="{y:.1f}" y2="{y:.1f}"/>'
                f'<text class="ytick" x="{self.LEFT - 5}" y="{y + 3.5:.1f}">{e(_compact(value, self.step))}'
                "</text>"
            )
            k += 1
        return "".join(out)

    def _goal(self) -> str:
        goal = self.metric.get("goal") or {}
        target, warn = goal.get("target"), goal.get("warn")
        if target is None:
            return ""
        lower = self.metric.get("direction") == "lower_is_better"
        x1, x2 = self.LEFT, self.W - self.RIGHT
        top, bottom = self.y(self.y_hi), self.y(self.y_lo)
        out = []

        def rect(cls, y_a, y_b):
            y_a, y_b = sorted((y_a, y_b))
            if y_b - y_a > 0.1:
                out.append(
                    f'<rect class="zone {cls}" x="{x1}" y="{y_a:.1f}" width="{x2 - x1}" '
                    f'height="{y_b - y_a:.1f}"/>'
                )

        y_target = self.y(target)
        y_warn = self.y(warn) if warn is not None else y_target
        good_edge = bottom if lower else top
        bad_edge = top if lower else bottom
        rect("ok", good_edge, y_target)
        rect("warn", y_target, y_warn)
        rect("bad", y_warn, bad_edge)
        for name, value, y_line, other in (
            ("target", target, y_target, y_warn),
            ("warn", warn, y_warn, y_target),
        ):
            if value is None or not (self.y_lo <= value <= self.y_hi):
                continue
            above = y_line <= other  # the label goes on the side away from the other line …
            if not above and y_line + 10 > self.H - self.BOTTOM - 1:
                above = True  # … unless that is outside the plot
            if above and y_line - 10 < self.TOP:
                above = False
            label_y = y_line - 3 if above else y_line + 10
            text = f"{name} {fmt_value(self.metric, value)}"
            out.append(
                f'<line class="goal {name}" x1="{x1}" x2="{x2}" y1="{y_line:.1f}" y2="{y_line:.1f}">'
                f"<title>{e(text)}</title></line>"
                f'<text class="goal-label {name}" x="{x2 - 2}" y="{label_y:.1f}">{e(text)}</text>'
            )
        return "".join(out)

    def _runs(self, need_moe=False):
        """Runs of points in consecutive periods (a missing period breaks the line)."""
        runs, current, previous = [], [], None
        for point in self.series:
            ok = point.get("value") is not None and (not need_moe or point.get("moe") is not None)
            i = self.ctx.period_index[point["period"]]
            if not ok or (previous is not None and i != previous + 1):
                if current:
                    runs.append(current)
                current = []
            if ok:
                current.append(point)
            previous = i
        if current:
            runs.append(current)
        return runs

    def _band(self) -> str:
        out = []
        for run in self._runs(need_moe=True):
            if len(run) == 1:
                p = run[0]
                x = self.x(p["period"])
                out.append(
                    f'<line class="moe-bar" x1="{x:.1f}" x2="{x:.1f}" '
                    f'y1="{self.y(p["value"] + p["moe"]):.1f}"'
                    f' y2="{self.y(p["value"] - p["moe"]):.1f}"/>'
                )
                continue
            upper = [f"{self.x(p['period']):.1f},{self.y(p['value'] + p['moe']):.1f}" for p in run]
            lower = [f"{self.x(p['period']):.1f},{self.y(p['value'] - p['moe']):.1f}" for p in reversed(run)]
            out.append(f'<polygon class="moe" points="{" ".join(upper + lower)}"/>')
        return "".join(out)

    def _line(self) -> str:
        out = []
        for run in self._runs():
            if len(run) > 1:
                path = " ".join(
                    f"{'M' if i == 0 else 'L'}{self.x(p['period']):.1f} {self.y(p['value']):.1f}"
                    for i, p in enumerate(run)
                )
                out.append(f'<path class="line" d="{path}"/>')
        return "".join(out)

    def _dots(self) -> str:
        metric, out = self.metric, []
        for point in self.series:
            if point.get("value") is None:
                continue
            words, cls = _STATUS.get(point.get("status"), ("no goal", "none"))
            moe = f" {fmt_moe(metric, point.get('moe'))}" if point.get("moe") is not None else ""
            tip = (
                f"{self.ctx.period(point['period'])}: {fmt_value(metric, point['value'])}{moe}, "
                f"n = {point.get('n')}, {words}"
            )
            out.append(
                f'<circle class="pt st-{cls}" cx="{self.x(point["period"]):.1f}" '
                f'cy="{self.y(point["value"]):.1f}" r="3.2"><title>{e(tip)}</title></circle>'
            )
        return "".join(out)

    def _breaks(self) -> str:
        out = []
        known = [p["period"] for p in self.series]
        for period in self.metric.get("breaks") or []:
            if period not in self.ctx.period_index:
                continue
            before = [p for p in known if p < period]
            x = self.x(period) if not before else (self.x(before[-1]) + self.x(period)) / 2
            tip = (
                f"Definition changed in {self.ctx.period(period)}: values before and after are not comparable"
            )
            out.append(
                f'<g class="break"><title>{e(tip)}</title><line x1="{x:.1f}" x2="{x:.1f}" y1="{self.TOP}" '
                f'y2="{self.H - self.BOTTOM}"/><text x="{x + 3:.1f}" y="{self.TOP + 8}">changed</text></g>'
            )
        return "".join(out)

    def _x_labels(self) -> str:
        if not self.series:
            return ""
        y = self.H - 6
        ends = [(self.periods_at(self.x_lo), "start")]
        if self.x_hi != self.x_lo:
            ends.append((self.periods_at(self.x_hi), "end"))
        out = []
        for period, anchor in ends:
            x = self.x(period)
            out.append(
                f'<text class="xtick" x="{x:.1f}" y="{y}" text-anchor="{anchor}">{e(self.ctx.period(period))}'
                "</text>"
            )
        return "".join(out)

    def periods_at(self, i: int) -> str:
        return self.ctx.periods[i]


# ---------------------------------------------------------------- header


def _header(report, ctx: _Context) -> str:
    project = report["project"]
    grain = project.get("grain") or ""
    latest = report.get("latest")
    nav = "".join(
        f'<a href="#{anchor}">{label}</a>'
        for anchor, label in (
            ("pyramid", "Pyramid"),
            ("issues", "Issues"),
            ("journeys", "Journeys"),
            ("metrics", "Metrics"),
        )
    )
    return (
        f'<header class="top"><div class="wrap top-inner"><div class="brand">'
        f'<span class="logo" aria-hidden="true"></span><div><h1>{e(project.get("name"))}</h1>'
        f'<p class="sub">CX dashboard · {e(_GRAIN_WORD.get(grain, grain))} · latest period '
        f"<strong>{e(ctx.period(latest))}</strong>"
        f' <span class="muted">({e(latest or "no data")})</span></p></div></div>'
        f'<nav aria-label="Sections">{nav}</nav></div></header>'
    )


def _overview(report, ctx: _Context) -> str:
    """The first screen: index, goal status and pyramids over the pyramid tree; issues beside them."""
    hero = (
        '<div class="hero" aria-label="Summary">'
        + _index_card(report, ctx)
        + _status_card(report)
        + _pyramid_scores(report)
        + "</div>"
    )
    return (
        f'<div class="wrap overview"><div class="main-col">{hero}{_pyramids(report, ctx)}'
        f"{_lowest_touchpoints(ctx)}</div>"
        f"{_issues(report, ctx)}</div>"
    )


def _index_card(report, ctx: _Context) -> str:
    index = report.get("index")
    if not index:
        return '<div class="card index-card"><h2>CX index</h2><p class="muted">No pyramid declared.</p></div>'
    pyramid = next((p for p in report["pyramids"] if p["id"] == index["pyramid"]), {"tree": {}})
    series = pyramid["tree"].get("series") or []
    before = [s["period"] for s in series if ctx.latest and s["period"] < ctx.latest]
    versus = f"vs {ctx.period(before[-1])}" if before else ""
    coverage = index.get("coverage")
    cov_text = f"{coverage * 100:.0f}%" if coverage is not None else "–"
    title = (
        f"{index['name']} ({index['pyramid']}): the pyramid's root score on 0–100, the weighted mean of its "
        f"groups (normalize: {pyramid.get('normalize')}).\nOwner: {ctx.owner_title(pyramid.get('owner'))}\n"
        f"Previous period: {fmt_score(index.get('previous'))}"
    )
    spark = sparkline([s["score"] for s in series], 240, 46, f"{index['name']} over {len(series)} periods")
    return (
        f'<div class="card index-card"><h2>{e(index["name"])}</h2>'
        f'<div class="index-main"><span class="index-value band-{band(index.get("score"))}" '
        f'title="{e(title)}">{e(fmt_score(index.get("score")))}</span><span class="index-of">/ 100</span>'
        f'<div class="index-meta">{score_trend(index.get("score"), index.get("previous"))}'
        f'<span class="muted">{e(versus)}</span>'
        f'<span class="cov" title="weight of the parts with data / weight declared">'
        f"coverage {e(cov_text)}</span></div></div>{spark}</div>"
    )


def _status_card(report) -> str:
    counts = {"ok": 0, "warn": 0, "bad": 0, "na": 0, "none": 0}
    for metric in report["metrics"]:
        counts[_STATUS.get((metric.get("latest") or {}).get("status"), ("", "none"))[1]] += 1
    total = sum(counts.values()) or 1
    labels = {
        "ok": "on target",
        "warn": "below target",
        "bad": "off target",
        "na": "small sample",
        "none": "no goal / no data",
    }
    bar = "".join(
        f'<i class="seg st-{k}" style="width:{100 * n / total:.2f}%" title="{n} {labels[k]}"></i>'
        for k, n in counts.items()
        if n
    )
    legend = "".join(
        f"<li>{_status_dot(_STATUS_OF_CLASS.get(k))}<strong>{n}</strong> {labels[k]}</li>"
        for k, n in counts.items()
    )
    return (
        f'<div class="card"><h2>Goals <span class="muted">· {len(report["metrics"])} metrics</span></h2>'
        f'<div class="stackbar" role="img" aria-label="metrics by goal status">{bar}</div>'
        f'<ul class="legend">{legend}</ul></div>'
    )


def _issue_counts(issues) -> str:
    errors = sum(1 for i in issues if i.get("severity") == "error")
    others = len(issues) - errors
    return (
        f'<p class="issue-counts"><span class="sev-count bad">{errors}</span> '
        f"error{'s' if errors != 1 else ''} "
        f'<span class="sev-count warn">{others}</span> other{"s" if others != 1 else ""}</p>'
    )


def _issue_kinds(issues) -> str:
    kinds: dict[str, int] = {}
    for issue in issues:
        kinds[issue["kind"]] = kinds.get(issue["kind"], 0) + 1
    owners = {i.get("owner") for i in issues if i.get("owner")}
    text = ", ".join(f"{n} {_KIND.get(k, k)}" for k, n in kinds.items())
    routed = f"routed to {len(owners)} owner{'s' if len(owners) != 1 else ''}"
    return f'<p class="issue-kinds muted small">{e(text + " · " + routed if text else routed)}</p>'


def _pyramid_scores(report) -> str:
    rows = []
    for pyramid in report["pyramids"]:
        tree = pyramid["tree"]
        rows.append(
            f'<li><span class="pname">{e(pyramid["name"])}</span>'
            f'<span class="pscore band-{band(tree.get("score"))}">{e(fmt_score(tree.get("score")))}</span>'
            f"{score_trend(tree.get('score'), tree.get('previous'))}</li>"
        )
    return f'<div class="card"><h2>Pyramids</h2><ul class="pyr-list">{"".join(rows)}</ul></div>'


# ---------------------------------------------------------------- pyramid tree


def _pyramids(report, ctx: _Context) -> str:
    pyramids = report["pyramids"]
    if not pyramids:
        return '<section id="pyramid" class="card"><h2>Pyramid</h2><p class="muted">No pyramid.</p></section>'
    tabs = "".join(
        f'<button type="button" role="tab" data-tab="pyr-{e(p["id"])}" '
        f'aria-selected="{"true" if i == 0 else "false"}">{e(p["name"])}</button>'
        for i, p in enumerate(pyramids)
    )
    panels = "".join(_pyramid_panel(p, i == 0, ctx) for i, p in enumerate(pyramids))
    head = (
        '<div class="tree-head" aria-hidden="true"><span>node</span><span>weight</span><span>value</span>'
        "<span>score 0–100</span><span></span><span>trend</span><span>history</span></div>"
    )
    return (
        f'<section id="pyramid" class="card tree-card"><div class="card-head"><h2>Pyramid</h2>'
        f'<div class="tabs" role="tablist">{tabs}</div><div class="tools">'
        f'<button type="button" class="link" data-tree="expand">expand all</button>'
        f'<button type="button" class="link" data-tree="collapse">collapse all</button></div></div>'
        f"{head}{panels}</section>"
    )


def _pyramid_panel(pyramid, first: bool, ctx: _Context) -> str:
    hidden = "" if first else " hidden"
    tree = _tree_node(pyramid["tree"], 0, 1.0, pyramid, ctx)
    return (
        f'<div class="tree-panel" role="tabpanel" id="pyr-{e(pyramid["id"])}"{hidden}>'
        f'<ul class="tree" role="tree" aria-label="{e(pyramid["name"])}">{tree}</ul></div>'
    )


def _has_red(node, ctx) -> bool:
    if node["kind"] == "metric":
        return node.get("status") == "red"
    return any(_has_red(c, ctx) for c in node["children"])


def _tree_node(node, depth: int, share: float, pyramid, ctx: _Context) -> str:
    if node["kind"] == "metric":
        return _tree_leaf(node, depth, share, ctx)
    children = node["children"]
    total = sum(c["weight"] for c in children) or 1.0
    expanded = depth == 0 or _has_red(node, ctx)
    inner = "".join(_tree_node(c, depth + 1, c["weight"] / total, pyramid, ctx) for c in children)
    coverage = node.get("coverage")
    cov = ""
    if coverage is not None and coverage < 0.999:
        cov = (
            f' <span class="cov-badge" title="coverage: {coverage * 100:.0f}% of the declared weight has a '
            f'score this period">{coverage * 100:.0f}% cov.</span>'
        )
    title = (
        f"{node['name']}: weighted mean of {len(children)} children's 0–100 scores"
        f" (normalize: {pyramid.get('normalize')}); coverage "
        f"{'–' if coverage is None else f'{coverage * 100:.0f}%'}; previous {fmt_score(node.get('previous'))}"
    )
    row = (
        f'<div class="row" style="--d:{depth}">'
        f'<button type="button" class="toggle" data-toggle aria-label="expand or collapse {e(node["name"])}">'
        f'<span class="caret" aria-hidden="true"></span><span class="name">{e(node["name"])}</span>{cov}'
        "</button>"
        f'{_weight(node, depth, share)}<span class="val"></span>{_score_cells(node, title)}</div>'
    )
    return (
        f'<li class="node group" role="treeitem" aria-expanded="{"true" if expanded else "false"}">'
        f'{row}<ul role="group">{inner}</ul></li>'
    )


def _tree_leaf(node, depth: int, share: float, ctx: _Context) -> str:
    metric = ctx.metrics.get(node["metric"])
    if metric is None:
        value = '<span class="val">–</span>'
        title = node["name"]
    else:
        value = f'<span class="val">{_metric_number(metric, ctx)}{_status_dot(node.get("status"))}</span>'
        title = (
            f"score 0–100 of {metric['name']} (its value on its natural range)\n{ctx.metric_title(metric)}"
        )
    owner_id = node.get("owner")
    owner = f'<span class="owner-tag" title="{e(ctx.owner_title(owner_id))}">{e(owner_id or "")}</span>'
    row = (
        f'<div class="row" style="--d:{depth}"><span class="leafname">'
        f'<button type="button" class="name link-ish" data-detail="metric-{e(node["metric"])}" '
        f'title="{e(title)}">{e(node["name"])}</button>{owner}</span>'
        f"{_weight(node, depth, share)}{value}{_score_cells(node, title)}</div>"
    )
    return f'<li class="node leaf" role="treeitem" data-metric="{e(node["metric"])}">{row}</li>'


def _weight(node, depth, share) -> str:
    if depth == 0:
        return '<span class="w"></span>'
    return (
        f'<span class="w" title="weight {node["weight"]:g}: {share * 100:.0f}% of its parent">'
        f"×{node['weight']:g}</span>"
    )


def _score_cells(node, title) -> str:
    score = node.get("score")
    width = 0 if score is None else max(0.0, min(100.0, score))
    history = node.get("series") or []
    spark = sparkline([s["score"] for s in history], 64, 20, f"score over {len(history)} periods")
    return (
        f'<span class="bar" aria-hidden="true"><i class="band-{band(score)}" style="width:{width:.1f}%"></i>'
        "</span>"
        f'<span class="score band-{band(score)}" title="{e(title)}">{e(fmt_score(score))}</span>'
        f"{score_trend(score, node.get('previous'))}{spark}"
    )


# ---------------------------------------------------------------- issues


_SEV_ICON = {
    "error": '<svg viewBox="0 0 16 16" aria-hidden="true"><circle cx="8" cy="8" r="7"/>'
    '<path d="M5.5 5.5l5 5M10.5 5.5l-5 5"/></svg>',
    "warning": '<svg viewBox="0 0 16 16" aria-hidden="true"><path class="tri" d="M8 1.5l7 12.5H1z"/>'
    '<path d="M8 6v4M8 11.6v.4"/></svg>',
    "info": '<svg viewBox="0 0 16 16" aria-hidden="true"><circle cx="8" cy="8" r="7"/>'
    '<path d="M8 7v4.5M8 4.6v.4"/></svg>',
}


def _issues(report, ctx: _Context) -> str:
    issues = sorted(report.get("issues") or [], key=lambda i: _SEVERITY_ORDER.get(i.get("severity"), 3))
    items = "".join(_issue(i, ctx) for i in issues) or '<li class="none">No issues in the latest period.</li>'
    return (
        f'<section id="issues" class="card issues-card"><div class="card-head"><h2>Issues '
        f'<span class="muted">· {e(ctx.period(ctx.latest))}</span></h2>{_issue_counts(issues)}</div>'
        f"{_issue_kinds(issues)}"
        f'<ul class="issues">{items}</ul></section>'
    )


def _issue(issue, ctx: _Context) -> str:
    """Severity icon, kind and owner; the message opens the metric's details or shows the touch point."""
    severity = issue.get("severity") or "info"
    kind = issue.get("kind") or ""
    owner = issue.get("owner")
    metric = ctx.metrics.get(issue.get("metric") or "")
    tp = ctx.touchpoints.get(issue.get("touchpoint") or "")
    message = e(issue.get("message"))
    if metric is not None:
        message = (
            f'<button type="button" class="msg link-ish" data-detail="metric-{e(metric["id"])}" '
            f'title="{e(ctx.metric_title(metric))}">{message}</button>'
        )
    elif tp is not None:
        message = (
            f'<button type="button" class="msg link-ish" data-spot="{e(tp["id"])}" '
            f'title="show touch point {e(tp["name"])} and its metrics">{message}</button>'
        )
    else:
        message = f'<p class="msg">{message}</p>'
    stats = (
        f'<span class="muted small">p = {issue["p_value"]:.3f}</span>'
        if issue.get("p_value") is not None
        else ""
    )
    return (
        f'<li class="issue sev-{e(severity)}"><span class="sev-icon" title="{e(severity)}">'
        f'{_SEV_ICON.get(severity, _SEV_ICON["info"])}</span><div class="issue-body">'
        f'<div class="issue-meta"><span class="kind k-{e(kind)}">{e(_KIND.get(kind, kind))}</span>{stats}'
        f'<span class="owner-chip" title="owner: {e(ctx.owner_title(owner))}">{e(ctx.owner_name(owner))}'
        "</span>"
        f"</div>{message}</div></li>"
    )


# ---------------------------------------------------------------- journeys


def _journeys(report, ctx: _Context) -> str:
    journeys = report.get("journeys") or []
    legend = (
        '<ul class="legend inline"><li><i class="sw band-ok"></i>score ≥ 75</li>'
        '<li><i class="sw band-warn"></i>50–75</li><li><i class="sw band-bad"></i>&lt; 50</li>'
        '<li><i class="sw band-none"></i>no score</li><li><i class="sw unplanned"></i>unplanned touch point'
        "</li>"
        '<li class="muted">click a touch point to highlight its metrics</li></ul>'
    )
    body = "".join(_journey(j, ctx) for j in journeys) or '<p class="muted">No journeys declared.</p>'
    return (
        f'<section id="journeys" class="section wrap"><div class="section-head"><h2>Journeys</h2>{legend}'
        "</div>"
        f"{body}</section>"
    )


def _journey(journey, ctx: _Context) -> str:
    touchpoints = [tp for s in journey["stages"] for tp in s["touchpoints"]]
    mean = ctx.journey_mean.get(journey["id"])
    title = (
        "mean score of its touch points (metrics with enough answers only); a touch point more "
        "than 10 points below it is a below_journey issue"
    )
    stages = "".join(_stage(i, stage, ctx) for i, stage in enumerate(journey["stages"]))
    owner = journey.get("owner")
    return (
        f'<article class="card journey" id="journey-{e(journey["id"])}"><div class="journey-head">'
        f'<h3>{e(journey["name"])}</h3><span class="owner-chip" title="{e(ctx.owner_title(owner))}">'
        f'{e(ctx.owner_name(owner))}</span><span class="muted">{len(touchpoints)} touch points</span>'
        f'<span class="jmean band-{band(mean)}" title="{e(title)}">journey mean {e(fmt_score(mean))}</span>'
        f'</div><div class="stages" style="--cols:{max(1, len(journey["stages"]))}">{stages}</div></article>'
    )


def _stage(i: int, stage, ctx: _Context) -> str:
    cards = "".join(_touchpoint(tp, ctx) for tp in stage["touchpoints"])
    label = stage["id"].replace("-", " ").replace("_", " ")
    return (
        f'<div class="stage"><div class="stage-head"><span class="step">{i + 1}</span>'
        f'<span class="stage-name">{e(label)}</span></div>'
        f"{cards or '<p class=empty-stage>no touch point</p>'}</div>"
    )


def _tp_flags(tp, metrics, ctx: _Context) -> str:
    """Tags of a touch point card: unplanned, below its journey (by how much), small sample."""
    flags = [] if tp.get("intended", True) else ['<span class="tag unplanned-tag">unplanned</span>']
    journey_mean = ctx.journey_mean.get(ctx.journey_of[tp["id"]][0]["id"])
    for issue in ctx.issues_by_tp.get(tp["id"], []):
        if issue["kind"] == "below_journey":
            rollup = _rollup_score(tp, ctx)
            gap = f"{journey_mean - rollup:.0f} " if journey_mean is not None and rollup is not None else ""
            flags.append(f'<span class="tag below" title="{e(issue["message"])}">▼ {gap}below journey</span>')
    small = [m for m in metrics if (m.get("latest") or {}).get("status") == "insufficient_sample"]
    if small and len(small) == len([m for m in metrics if m.get("score") is not None]):
        flags.append(
            '<span class="tag na" title="every scored metric of this touch point has fewer answers than its '
            'minimum sample">small sample</span>'
        )
    return f'<div class="tp-flags">{"".join(flags)}</div>' if flags else ""


def _tp_open(tp, ctx: _Context, extra_class: str = "") -> str:
    """The opening tag of a clickable touch point card (click: highlight its metrics)."""
    unplanned = not tp.get("intended", True)
    title = (
        f"{tp['name']} ({tp['id']}): mean 0–100 score of its metrics\nOwner: "
        f"{ctx.owner_title(tp.get('owner'))}"
        f"\n{'unplanned (not designed by the company)' if unplanned else 'intended touch point'}"
    )
    classes = f"tp{extra_class} band-{band(tp.get('score'))}{' unplanned' if unplanned else ''}"
    return (
        f'<div class="{classes}" data-tp="{e(tp["id"])}" role="button" tabindex="0" aria-pressed="false" '
        f'title="{e(title)}"><div class="tp-top"><span class="tp-name">{e(tp["name"])}</span>'
        f'<span class="tp-score">{e(fmt_score(tp.get("score")))}</span></div>'
    )


def _touchpoint(tp, ctx: _Context) -> str:
    metrics = [ctx.metrics[m] for m in tp.get("metrics") or [] if m in ctx.metrics]
    rows = (
        "".join(
            f'<li>{_status_dot((m.get("latest") or {}).get("status"))}<span class="tm-name" '
            f'title="{e(m["name"])}">{e(m["name"])}</span>{_metric_number(m, ctx, "num small")}</li>'
            for m in metrics
        )
        or '<li class="muted">no metric measures it</li>'
    )
    return (
        f'{_tp_open(tp, ctx)}<div class="tp-owner">{e(ctx.owner_name(tp.get("owner")))}</div>'
        f'{_tp_flags(tp, metrics, ctx)}<ul class="tp-metrics">{rows}</ul></div>'
    )


def _lowest_touchpoints(ctx: _Context, count: int = 5) -> str:
    """The touch points with the lowest scores, across journeys: where to act first."""
    scored = [tp for tp in ctx.touchpoints.values() if tp.get("score") is not None]
    lowest = sorted(scored, key=lambda tp: (tp["score"], tp["id"]))[:count]
    if not lowest:
        return ""
    cards = "".join(
        f'{_tp_open(tp, ctx, " mini")}<div class="tp-owner">{e(ctx.journey_of[tp["id"]][0]["name"])} · '
        f"{e(ctx.journey_of[tp['id']][1])}</div>"
        f"{_tp_flags(tp, [ctx.metrics[m] for m in tp.get('metrics') or [] if m in ctx.metrics], ctx)}</div>"
        for tp in lowest
    )
    return (
        '<section class="card act-card" aria-label="Lowest touch points"><div class="card-head">'
        '<h2>Lowest touch points</h2><span class="muted small">where to act first · click one to '
        f'highlight its metrics</span></div><div class="act-grid">{cards}</div></section>'
    )


# ---------------------------------------------------------------- metrics


def _metric_groups(report, ctx: _Context):
    """Metrics grouped by the top-level groups of the index pyramid, then the rest."""
    main_id = (report.get("index") or {}).get("pyramid")
    pyramid = next((p for p in report["pyramids"] if p["id"] == main_id), None)
    placed: set[str] = set()
    groups = []

    def leaves(node):
        if node["kind"] == "metric":
            yield node["metric"]
        for child in node["children"]:
            yield from leaves(child)

    if pyramid:
        direct = []
        for child in pyramid["tree"]["children"]:
            ids = [m for m in leaves(child) if m in ctx.metrics and m not in placed]
            placed.update(ids)
            if child["kind"] == "metric":
                direct += ids
            elif ids:
                groups.append((child["name"], ids))
        if direct:
            groups.append((pyramid["name"], direct))
    rest = [m["id"] for m in report["metrics"] if m["id"] not in placed]
    if rest:
        groups.append(("Other metrics" if groups else "Metrics", rest))
    return groups


def _metrics(report, ctx: _Context) -> str:
    statuses = [
        ("all", "all"),
        ("red", "off target"),
        ("amber", "below target"),
        ("green", "on target"),
        ("insufficient_sample", "small sample"),
        ("none", "no goal / data"),
    ]
    categories = sorted({m.get("category") or "" for m in report["metrics"]} - {""})
    chips = "".join(
        f'<button type="button" class="chip" data-filter="status" data-value="{e(v)}" '
        f'aria-pressed="{"true" if v == "all" else "false"}">{e(label)}</button>'
        for v, label in statuses
    )
    cats = "".join(f'<option value="{e(c)}">{e(c)}</option>' for c in categories)
    toolbar = (
        f'<div class="toolbar"><div class="chips" role="group" aria-label="status">{chips}</div>'
        f'<select data-filter="category" aria-label="category"><option value="all">all categories</option>'
        f'{cats}</select><input type="search" data-filter="q" placeholder="search metrics, owners…" '
        f'aria-label="search metrics"><span class="count muted" id="metric-count">'
        f"{len(report['metrics'])} metrics</span></div>"
        '<div id="spot-bar" class="spot-bar" hidden><span id="spot-text"></span>'
        '<button type="button" class="link" data-clear-spot>clear</button></div>'
    )
    sections = "".join(
        f'<div class="mgroup"><h3>{e(name)} <span class="muted">· {len(ids)}</span></h3><div class="mgrid">'
        + "".join(_metric_card(ctx.metrics[m], ctx) for m in ids)
        + "</div></div>"
        for name, ids in _metric_groups(report, ctx)
    )
    return (
        f'<section id="metrics" class="section wrap"><div class="section-head"><h2>Metrics</h2>'
        '<p class="muted small chart-key"><i class="k-line"></i>value <i class="k-band"></i>± margin of '
        "error (95%)"
        ' <i class="k-target"></i>target <i class="k-warn"></i>warn <i class="k-break"></i>definition '
        "changed"
        f"</p></div>{toolbar}{sections}</section>"
    )


def _metric_card(metric, ctx: _Context) -> str:
    latest = metric.get("latest") or {}
    status = latest.get("status")
    tp = ctx.touchpoints.get(metric.get("touchpoint") or "")
    search = " ".join(
        str(x)
        for x in (
            metric["id"],
            metric["name"],
            metric.get("owner"),
            metric.get("tracked_by"),
            metric.get("category"),
            tp["name"] if tp else "",
        )
        if x
    ).lower()
    sub = [f"<code>{e(metric['id'])}</code>", e(metric.get("category") or "")]
    if tp:
        sub.append(
            f'<button type="button" class="link" data-spot="{e(tp["id"])}" title="touch point '
            f'{e(tp["name"])} in journey {e(metric.get("journey"))}">{e(tp["name"])}</button>'
        )
    meta = []
    if latest.get("moe") is not None:
        meta.append(f'<span title="95% margin of error">{e(fmt_moe(metric, latest["moe"]))}</span>')
    if latest.get("n") is not None:
        meta.append(
            f'<span title="valid observations (minimum sample {e(metric.get("min_sample") or "–")})">'
            f"n = {latest['n']:,}</span>"
        )
    goal = _goal_text(metric).replace("Goal: ", "")
    meta.append(f"<span>{e(goal)}</span>" if goal else "<span>no goal</span>")
    meta.append(
        f'<span title="{e(ctx.owner_title(metric.get("owner")))}">owner '
        f"<strong>{e(metric.get('owner') or '–')}</strong></span>"
    )
    if metric.get("breaks"):
        meta.append(
            f'<span class="tag break-tag" title="definition changed in {e(", ".join(metric["breaks"]))}">'
            f"definition changed</span>"
        )
    no_data = "" if latest else f'<span class="muted small">no data in {e(ctx.period(ctx.latest))}</span>'
    return (
        f'<article class="card mcard" id="m-{e(metric["id"])}" data-metric="{e(metric["id"])}" '
        f'data-status="{e(status or "none")}" data-category="{e(metric.get("category") or "")}" '
        f'data-search="{e(search)}"><div class="mhead"><div class="mtitle">'
        f'<button type="button" class="mname link-ish" data-detail="metric-{e(metric["id"])}" '
        f'title="{e(ctx.metric_title(metric))}">{e(metric["name"])}</button>'
        f'<div class="msub">{" · ".join(sub)}</div></div>{_status_pill(status, bool(latest))}</div>'
        f'<div class="mvalue">{_metric_number(metric, ctx, "num big")}<span '
        f'class="unit">{e(fmt_unit(metric))}</span>'
        f"{value_trend(metric)}{no_data}</div>"
        f'<div class="mmeta">{"".join(meta)}</div>'
        f"{_Chart(metric, ctx).render()}</article>"
    )


# ---------------------------------------------------------------- details panel


def _dl(rows) -> str:
    return "<dl>" + "".join(f"<dt>{e(k)}</dt><dd>{v}</dd>" for k, v in rows if v) + "</dl>"


def _owner_html(owner_id, ctx: _Context) -> str:
    if not owner_id:
        return '<span class="muted">none</span>'
    owner = ctx.owners.get(owner_id) or {}
    extra = " · ".join(e(owner[k]) for k in ("email", "github") if owner.get(k))
    return f"{e(ctx.owner_name(owner_id))} <code>{e(owner_id)}</code>" + (
        f'<br><span class="muted small">{extra}</span>' if extra else ""
    )


def _metric_detail(metric, ctx: _Context) -> str:
    latest, previous = metric.get("latest") or {}, metric.get("previous") or {}
    goal = metric.get("goal") or {}
    tp = ctx.touchpoints.get(metric.get("touchpoint") or "")
    where = ""
    if tp:
        where = (
            f'<button type="button" class="link" data-spot="{e(tp["id"])}">{e(tp["name"])}</button>'
            f" · journey {e(metric.get('journey'))} · stage {e(metric.get('stage'))}"
        )
    goal_rows = ""
    if goal:
        goal_rows = " · ".join(
            f"{k} <strong>{e(fmt_value(metric, goal[k]) if k != 'due' else goal[k])}</strong>"
            for k in ("target", "warn", "due")
            if goal.get(k) is not None
        )
    latest_text = ""
    if latest:
        latest_text = (
            f"{e(fmt_value(metric, latest.get('value')))} {e(fmt_moe(metric, latest.get('moe')))} · "
            f"n = {e(_count(latest.get('n')))} · invalid {e(latest.get('invalid'))} · "
            f"{e(ctx.period(latest['period']))}"
        )
    rows = [
        ("Definition", e(metric.get("definition"))),
        ("Description", e(metric.get("description"))),
        ("Owner (accountable)", _owner_html(metric.get("owner"), ctx)),
        ("Tracked by", _owner_html(metric.get("tracked_by"), ctx) if metric.get("tracked_by") else ""),
        ("Touch point", where),
        ("Goal", goal_rows or '<span class="muted">none</span>'),
        ("Latest", latest_text or f'<span class="muted">no data in {e(ctx.period(ctx.latest))}</span>'),
        (
            "Previous",
            f"{e(fmt_value(metric, previous.get('value')))} in {e(ctx.period(previous.get('period')))}"
            if previous
            else "",
        ),
        (
            "Margin of error",
            e(f"{fmt_moe(metric, latest.get('moe'))} at 95%") if latest.get("moe") is not None else "",
        ),
        ("Score 0–100", e(fmt_score(metric.get("score"))) if metric.get("score") is not None else ""),
        (
            "Type",
            e(
                f"{metric['type']} · {metric.get('category') or ''} · {metric.get('direction') or ''}"
                f"{' · unit ' + metric['unit'] if metric.get('unit') else ''}"
            ),
        ),
        ("Minimum sample", e(metric.get("min_sample")) if metric.get("min_sample") is not None else ""),
        ("Version", e(metric.get("version"))),
        ("Definition changed", e(", ".join(metric.get("breaks") or []))),
    ]
    recent = [p for p in metric.get("series") or []][-6:]
    table = "".join(
        f"<tr><td>{e(ctx.period(p['period']))}</td><td>{e(fmt_value(metric, p.get('value')))}</td>"
        f"<td>{e(fmt_moe(metric, p.get('moe')))}</td><td>{e(_count(p.get('n')))}</td>"
        f"<td>{_status_dot(p.get('status'))}</td></tr>"
        for p in reversed(recent)
    )
    return (
        f'<template id="detail-metric-{e(metric["id"])}"><p class="kicker">metric · <code>{e(metric["id"])}'
        "</code></p>"
        f'<h2>{e(metric["name"])}</h2><div class="dvalue"><span class="big">'
        f'{e(fmt_value(metric, latest.get("value")))}</span> <span class="unit">{e(fmt_unit(metric))}</span> '
        f"{_status_pill(latest.get('status'))} {value_trend(metric)}</div>"
        f'<div class="chart-slot" data-chart="{e(metric["id"])}"></div>{_dl(rows)}'
        f'<h3>Recent periods</h3><table class="recent"><thead><tr><th>period</th><th>value</th><th>±</th>'
        f"<th>n</th><th></th></tr></thead><tbody>{table}</tbody></table>"
        f'<p><a href="#m-{e(metric["id"])}" data-goto="{e(metric["id"])}">show its card ↓</a></p></template>'
    )


def _touchpoint_detail(tp, ctx: _Context) -> str:
    journey, stage = ctx.journey_of[tp["id"]]
    metrics = [ctx.metrics[m] for m in tp.get("metrics") or [] if m in ctx.metrics]
    items = (
        "".join(
            f'<li>{_status_dot((m.get("latest") or {}).get("status"))}<button type="button" class="link" '
            f'data-detail="metric-{e(m["id"])}" title="{e(ctx.metric_title(m))}">{e(m["name"])}</button>'
            f" <strong>{e(fmt_value(m, (m.get('latest') or {}).get('value')))}</strong>"
            f'<div class="chart-slot" data-chart="{e(m["id"])}"></div></li>'
            for m in metrics
        )
        or '<li class="muted">No metric measures this touch point yet.</li>'
    )
    issues = "".join(f"<li>{e(i['message'])}</li>" for i in ctx.issues_by_tp.get(tp["id"], []))
    rows = [
        ("Journey", f"{e(journey['name'])} · stage {e(stage)}"),
        ("Owner", _owner_html(tp.get("owner"), ctx)),
        (
            "Kind",
            "intended touch point"
            if tp.get("intended", True)
            else "unplanned touch point (reviews, word of mouth, workarounds)",
        ),
        (
            "Score 0–100",
            e(fmt_score(tp.get("score"))) + ' <span class="muted small">mean of its metrics\' scores</span>',
        ),
    ]
    return (
        f'<template id="detail-tp-{e(tp["id"])}"><p class="kicker">touch point · <code>{e(tp["id"])}</code>'
        "</p>"
        f"<h2>{e(tp['name'])}</h2>{_dl(rows)}"
        + (f'<h3>Issues</h3><ul class="plain">{issues}</ul>' if issues else "")
        + f'<h3>Metrics ({len(metrics)})</h3><ul class="plain tp-detail-metrics">{items}</ul></template>'
    )


def _details(report, ctx: _Context) -> str:
    templates = [_metric_detail(m, ctx) for m in report["metrics"]]
    templates += [_touchpoint_detail(tp, ctx) for tp in ctx.touchpoints.values()]
    return "".join(templates)


def _client_data(report, ctx: _Context) -> dict:
    return {
        "latest": report.get("latest"),
        "touchpoints": {
            tp_id: {"name": tp["name"], "metrics": list(tp.get("metrics") or [])}
            for tp_id, tp in ctx.touchpoints.items()
        },
        "metrics": {
            m["id"]: {"name": m["name"], "owner": m.get("owner"), "touchpoint": m.get("touchpoint")}
            for m in report["metrics"]
        },
    }


# ---------------------------------------------------------------- page


_ERROR_TRAP = (
    "<script>window.addEventListener('error',function(ev){var h=document.documentElement;"
    "h.setAttribute('data-errors',(h.getAttribute('data-errors')||'')+(ev.message||'error')+';');});"
    "</script>"
)


def render(report: dict) -> str:
    """The dashboard for one report (the dict of `build_report`), as one HTML document."""
    ctx = _Context(report)
    project = report["project"]
    footer = (
        f'<footer class="wrap muted small">cxspec report v{e(report.get("report_version"))} · project '
        f"<code>{e(project.get('id'))}</code> · spec {e(', '.join(project.get('spec_hashes') or []))} · "
        f"computed {e(project.get('computed_at') or '–')} UTC · {len(report.get('periods') or [])} periods"
        "</footer>"
    )
    body = (
        _header(report, ctx)
        + "<main>"
        + _overview(report, ctx)
        + _journeys(report, ctx)
        + _metrics(report, ctx)
        + "</main>"
        + footer
        + '<aside id="panel" class="panel" hidden aria-label="details" tabindex="-1">'
        + '<button type="button" class="close" data-close aria-label="close details">×</button>'
        + '<div class="panel-body"></div></aside>'
        + _details(report, ctx)
        + _json_script("cx-data", _client_data(report, ctx))
    )
    title = f"{project.get('name')} · CX dashboard · {ctx.period(report.get('latest'))}"
    return (
        "<!doctype html>\n"
        f'<html lang="en"><head><meta charset="utf-8">'
        f'<meta name="viewport" content="width=device-width, initial-scale=1">'
        f'<meta name="generator" content="cxspec"><title>{e(title)}</title>{_ERROR_TRAP}'
        f"<style>{_asset('dashboard.css')}</style></head>"
        f"<body>{body}<script>{_asset('dashboard.js')}</script></body></html>\n"
    )
