"""What the dashboard's sections share: escaping, status words, colour bands, trends and the
look-ups of one report (owners, touch points, hover texts)."""

from __future__ import annotations

import html
import json
import re
from functools import cache
from importlib import resources

from cxspec.display import format_change, format_margin, format_period, format_value
from cxspec.reports.model import MetricEntry, Report

STATUS = {  # status -> (words, css class)
    "green": ("on target", "ok"),
    "amber": ("short of target", "warn"),
    "red": ("off target", "bad"),
    "insufficient_sample": ("sample too small", "na"),
}
STATUS_OF_CLASS = {cls: status for status, (_, cls) in STATUS.items()}
#: How many of the latest periods the dashboard's charts, sparklines and trend lines show, by
#: grain (about a hundred points each, so a chart stays readable and ten years of daily results
#: make a page of a few MB); every period is in report.json (docs/running.md, "The reports").
SHOWN_PERIODS = {"day": 90, "week": 104, "month": 60, "quarter": 40, "year": 30}
SHOWN_PERIODS_OTHER = 60  # a grain a plugin adds
KIND = {"goal_red": "goal red", "significant_drop": "significant drop", "below_journey": "below journey", "below_rest": "below rest",
        "insufficient_sample": "small sample", "no_data": "no data", "declining": "declining",
        "significant_rise": "significant rise", "below_benchmark": "below benchmark"}  # fmt: skip


#: Control characters (an ESC, a BEL, C1 codes) and the characters that reorder or break text
#: (bidirectional overrides, line separators) in values from the data: a segment's value with
#: a right-to-left override made the rest of its row read backwards. Shown as their code.
_UNSHOWN = re.compile(r"[\x00-\x08\x0b-\x1f\x7f-\x9f" r"\u061c\u200e\u200f\u2028\u2029\u202a-\u202e\u2066-\u2069]")


def _code(match: re.Match) -> str:
    code = ord(match.group())
    return f"\\x{code:02x}" if code <= 0xFF else f"\\u{code:04x}"


def e(value) -> str:
    """Text from the report, escaped for element content and quoted attributes; control and
    reordering characters shown as their code."""
    return html.escape(_UNSHOWN.sub(_code, "" if value is None else str(value)), quote=True)


@cache
def asset(name: str) -> str:
    return resources.files("cxspec.reports").joinpath("assets", name).read_text(encoding="utf-8")


def json_script(element_id: str, data) -> str:
    """JSON inside <script type="application/json">: `<`, `>` and `&` are \\u-escaped, so no
    string in the data can close the element (`</script>`) or open a comment."""
    text = json.dumps(data, sort_keys=True, ensure_ascii=False, separators=(",", ":"))
    text = _UNSHOWN.sub(lambda m: f"\\u{ord(m.group()):04x}", text)  # JSON's own escape: same data
    for char, escaped in (
        ("<", "\\u003c"),
        (">", "\\u003e"),
        ("&", "\\u0026"),
        ("\u2028", "\\u2028"),
        ("\u2029", "\\u2029"),
    ):
        text = text.replace(char, escaped)
    return f'<script type="application/json" id="{e(element_id)}">{text}</script>'


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
        title = f"unchanged from the previous period ({e(text)})"
        return f'<span class="trend flat" title="{title}">→ 0.0</span>'
    cls, arrow = ("up", "▲") if delta > 0 else ("down", "▼")
    return (
        f'<span class="trend {cls}" title="score {e(text)} points from the previous period '
        f'({previous:.1f} → {score:.1f})">{arrow} {e(text)}</span>'
    )


def value_trend(metric: MetricEntry) -> str:
    """The change of a metric's value from the previous period, green when it is good."""
    latest, previous = metric.latest, metric.previous
    if latest is None or previous is None or latest.value is None or previous.value is None:
        return ""
    delta = latest.value - previous.value
    text = format_change(metric.display, delta)
    if _steady(text):
        return f'<span class="trend flat" title="unchanged from {e(previous.period)}">→ {e(text)}</span>'
    good = (delta > 0) == (not metric.lower_is_better)
    arrow = "▲" if delta > 0 else "▼"
    return (
        f'<span class="trend {"up" if good else "down"}" title="from '
        f"{e(format_value(metric.display, previous.value))}"
        f' in {e(previous.period)}">{arrow} {e(text)}</span>'
    )


def goal_text(metric: MetricEntry) -> str:
    goal = metric.goal
    if not goal or goal.target is None:
        return ""
    text = f"Goal: target {format_value(metric.display, goal.target)}"
    if goal.warn is not None:
        text += f", warn {format_value(metric.display, goal.warn)}"
    if goal.due:
        text += f", due {goal.due}"
    return text


def status_pill(status, has_data=True) -> str:
    words, cls = STATUS.get(status, ("no goal" if has_data else "no data", "none"))
    return f'<span class="pill st-{cls}">{e(words)}</span>'


def status_dot(status) -> str:
    words, cls = STATUS.get(status, ("no goal", "none"))
    return f'<i class="dot st-{cls}" title="{e(words)}" aria-label="{e(words)}"></i>'


class Context:
    """Look-ups and hover texts shared by the sections of one report."""

    def __init__(self, report: Report):
        self.report = report
        self.grain = report.project.grain
        self.latest = report.latest
        shown = SHOWN_PERIODS.get(self.grain or "", SHOWN_PERIODS_OTHER)
        #: The latest periods the charts show; `hidden` earlier ones are in report.json only.
        self.periods = list(report.periods[-shown:])
        self.hidden = len(report.periods) - len(self.periods)
        self.period_index = {p: i for i, p in enumerate(self.periods)}
        self.metrics = report.metric_by_id
        self.owners = report.owner_by_id
        self.touchpoints = report.touchpoint_by_id
        self.journey_of = report.journey_of
        self.issues_by_tp: dict[str, list] = {}  # the touch points' own issues (below_journey)
        for issue in report.issues:
            if issue.touchpoint and not issue.metric:
                self.issues_by_tp.setdefault(issue.touchpoint, []).append(issue)

    def shown(self, series: list) -> list:
        """The points of a series in the periods the dashboard shows."""
        return series if not self.hidden else [p for p in series if p.period in self.period_index]

    def history_note(self) -> str:
        """Says that earlier periods are left out of the charts, and where they are."""
        if not self.hidden:
            return ""
        total = self.hidden + len(self.periods)
        return (
            f'<p class="muted small history-note">Charts show the latest {len(self.periods):,} of '
            f"{total:,} periods (from {e(self.period(self.periods[0]))}); every period of every "
            'metric and score is in <a class="history-link" href="report.json">report.json</a>, '
            "written next to this page by <code>cxspec run</code> "
            "(<code>cxspec report --format json</code> prints it).</p>"
        )

    def owner_name(self, owner_id) -> str:
        if not owner_id:
            return "no owner"
        owner = self.owners.get(owner_id)
        return owner.name if owner and owner.name else owner_id

    def owner_title(self, owner_id) -> str:
        if not owner_id:
            return "no owner declared"
        owner = self.owners.get(owner_id)
        parts = [f"{self.owner_name(owner_id)} ({owner_id})"]
        if owner:
            parts += [c for c in (owner.email, owner.github) if c]
        return " · ".join(parts)

    def period(self, period) -> str:
        return format_period(period, self.grain)

    def metric_title(self, metric: MetricEntry) -> str:
        """The hover text of every number of a metric: what it is, who owns it, its goal, n, ±."""
        lines = [f"{metric.name} ({metric.id})", metric.definition or ""]
        tracked = self.owner_name(metric.tracked_by) if metric.tracked_by else "–"
        lines.append(f"Owner: {self.owner_name(metric.owner)} · tracked by: {tracked}")
        lines.append(goal_text(metric) or "No goal")
        latest = metric.latest
        if latest:
            status = STATUS.get(latest.status, ("no status",))[0]
            moe = f" {format_margin(metric.display, latest.moe)} (95%)" if latest.moe is not None else ""
            lines.append(
                f"{self.period(latest.period)}: {format_value(metric.display, latest.value)}{moe}, "
                f"n = {latest.n}, {status}"
            )
        else:
            lines.append(f"No data in {self.period(self.latest)}")
        return "\n".join(line for line in lines if line)

    def metric_number(self, metric: MetricEntry, cls="num") -> str:
        """The latest value of a metric as a button: hover says what it is, click opens details."""
        value = metric.latest.value if metric.latest else None
        return (
            f'<button type="button" class="{cls}" data-detail="metric-{e(metric.id)}" '
            f'title="{e(self.metric_title(metric))}">{e(format_value(metric.display, value))}</button>'
        )
