"""Inline SVG charts: the sparkline of 0–100 scores and a metric's trend chart."""

from __future__ import annotations

import math

from cxspec.display import format_margin, format_value
from cxspec.reports.html.common import STATUS, Context, e
from cxspec.reports.html.initiatives import initiative_markers
from cxspec.reports.html.references import benchmark_lines, reference_values
from cxspec.reports.model import MetricEntry



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


class Chart:
    """A metric's trend over periods, as inline SVG: value line, ± margin of error band, goal
    bands and lines, a status dot per period, dashed markers where the definition changed."""

    W, H = 360, 156
    LEFT, RIGHT, TOP, BOTTOM = 40, 8, 10, 22

    def __init__(self, metric: MetricEntry, ctx: Context):
        self.metric, self.ctx = metric, ctx
        index = ctx.period_index
        self.series = [p for p in metric.series if p.period in index]
        idx = [index[p.period] for p in self.series]
        last = index.get(ctx.latest, max(idx) if idx else 0)
        self.x_lo, self.x_hi = (min(idx), max(max(idx), last)) if idx else (0, 0)
        self._y_domain()

    def _y_domain(self):
        metric = self.metric
        values = []
        for point in self.series:
            if point.value is None:
                continue
            moe = point.moe or 0
            values += [point.value - moe, point.value + moe]
        goal = metric.goal
        if goal:
            values += [v for v in (goal.target, goal.warn) if v is not None]
        values += reference_values(metric)
        lo, hi = (min(values), max(values)) if values else (0.0, 1.0)
        if hi - lo < 1e-9:
            pad = abs(lo) * 0.1 or 1.0
            lo, hi = lo - pad, hi + pad
        step = _nice_step(hi - lo)
        lo, hi = math.floor(lo / step) * step, math.ceil(hi / step) * step
        bounds = metric.natural_range
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
        label = f"{metric.name}: trend over {len(self.series)} periods"
        parts = [f'<svg class="chart" viewBox="0 0 {self.W} {self.H}" role="img" aria-label="{e(label)}">']
        parts += [
            self._grid(),
            self._goal(),
            benchmark_lines(self),
            initiative_markers(self),
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
        goal = self.metric.goal
        if goal is None or goal.target is None:
            return ""
        target, warn = goal.target, goal.warn
        lower = self.metric.lower_is_better
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
            text = f"{name} {format_value(self.metric.display, value)}"
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
            ok = point.value is not None and (not need_moe or point.moe is not None)
            i = self.ctx.period_index[point.period]
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
                x = self.x(p.period)
                out.append(
                    f'<line class="moe-bar" x1="{x:.1f}" x2="{x:.1f}" '
                    f'y1="{self.y(p.value + p.moe):.1f}"'
                    f' y2="{self.y(p.value - p.moe):.1f}"/>'
                )
                continue
            upper = [f"{self.x(p.period):.1f},{self.y(p.value + p.moe):.1f}" for p in run]
            lower = [f"{self.x(p.period):.1f},{self.y(p.value - p.moe):.1f}" for p in reversed(run)]
            out.append(f'<polygon class="moe" points="{" ".join(upper + lower)}"/>')
        return "".join(out)

    def _line(self) -> str:
        out = []
        for run in self._runs():
            if len(run) > 1:
                path = " ".join(
                    f"{'M' if i == 0 else 'L'}{self.x(p.period):.1f} {self.y(p.value):.1f}"
                    for i, p in enumerate(run)
                )
                out.append(f'<path class="line" d="{path}"/>')
        return "".join(out)

    def _dots(self) -> str:
        metric, out = self.metric, []
        for point in self.series:
            if point.value is None:
                continue
            words, cls = STATUS.get(point.status, ("no goal", "none"))
            moe = f" {format_margin(metric.display, point.moe)}" if point.moe is not None else ""
            tip = (
                f"{self.ctx.period(point.period)}: {format_value(metric.display, point.value)}{moe}, "
                f"n = {point.n}, {words}"
            )
            out.append(
                f'<circle class="pt st-{cls}" cx="{self.x(point.period):.1f}" '
                f'cy="{self.y(point.value):.1f}" r="3.2"><title>{e(tip)}</title></circle>'
            )
        return "".join(out)

    def _breaks(self) -> str:
        out = []
        known = [p.period for p in self.series]
        for period in self.metric.breaks:
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
