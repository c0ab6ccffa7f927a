"""The scorecard a person reads in ten seconds: the index, the pyramid as a tree with scores,
status and trend, and the top issues with their owners."""

from __future__ import annotations

from cxspec.display import format_value
from cxspec.grains import grain_note
from cxspec.issues_state.benchmarks import gap_lines
from cxspec.issues_state.initiatives import impact_text
from cxspec.issues_state.report_states import state_line
from cxspec.reports import analyses
from cxspec.reports.model import Report, as_report
from cxspec.reports.segments import red_names, scope_line
from cxspec.terminal_text import shown

_STATUS = {"green": ("●", "32"), "amber": ("●", "33"), "red": ("●", "31"), "insufficient_sample": ("○", "2")}
_KIND = {"goal_red": "goal red", "significant_drop": "dropped", "below_journey": "below journey", "below_rest": "below rest",
         "insufficient_sample": "small sample", "no_data": "no data", "declining": "declining",
         "significant_rise": "rose", "below_benchmark": "below benchmark"}  # fmt: skip


class _Paint:
    def __init__(self, color: bool):
        self.color = color

    def __call__(self, text: str, code: str) -> str:
        return f"\x1b[{code}m{text}\x1b[0m" if self.color and code else text


def trend(score, previous, paint) -> str:
    if score is None or previous is None:
        return " "
    delta = score - previous
    if abs(delta) < 0.5:
        return paint("▶", "2") + f" {delta:+.1f}"
    return paint("▲", "32") + f" {delta:+.1f}" if delta > 0 else paint("▼", "31") + f" {delta:+.1f}"


def render(report: Report | dict, *, color: bool = False, width: int = 100, issues: int = 8) -> str:
    report = as_report(report)
    paint = _Paint(color)
    out: list[str] = []
    project = report.project
    out.append(
        paint(f"{project.name}", "1")
        + f"  ·  {project.grain} {report.latest or '(no data)'}"
        + "".join(f"  ·  {p} in progress" for p in report.in_progress if not report.latest or p > report.latest)
    )
    scope = scope_line(report)
    if scope:
        out.append("  " + paint(shown(scope), "36"))
    index = report.index
    if index and index.score is not None:
        coverage = f"coverage {index.coverage * 100:.0f}%" if index.coverage is not None else ""
        out.append(
            f"  {index.name}: "
            + paint(f"{index.score:.1f}", "1")
            + " / 100  "
            + trend(index.score, index.previous, paint)
            + f"   {coverage}"
        )
    out.append("")
    for pyramid in report.pyramids[:1]:
        _tree(pyramid.tree, "", True, True, report.metric_by_id, paint, out, width, project.grain)
    if len(report.pyramids) > 1:
        others = ", ".join(
            f"{p.name} {p.tree.score:.1f}" if p.tree.score is not None else f"{p.name} –"
            for p in report.pyramids[1:]
        )
        out.append(f"  also: {others}")
    out.append("")
    if report.segments and not report.segment:
        out += _league(report, paint)
    notes = report.data_notes()
    if notes:

        out.append(paint(f"Not in these numbers ({len(notes)})", "1"))
        out += [f"  {paint('!', '33')} {shown(note)}" for note in notes]
        out.append("")
    out += analyses.terminal(report)
    found = report.issues
    counts: dict[str, int] = {}
    for issue in found:
        counts[issue.kind] = counts.get(issue.kind, 0) + 1
    summary = ", ".join(f"{n} {_KIND.get(k, k)}" for k, n in counts.items()) or "none"
    out.append(paint(f"Issues ({len(found)})", "1") + f": {summary}")
    for issue in found[:issues]:
        mark = paint("✖", "31") if issue.severity == "error" else paint("!", "33")
        owner = paint(f"{issue.owner or '(no owner)'}", "36")
        out.append(f"  {mark} {_KIND.get(issue.kind, issue.kind):<13} {owner}: {shown(issue.message)}")
        state = state_line(issue)
        if state:
            out.append(paint(f"      {shown(state)}", "2"))
    if len(found) > issues:
        out.append(f"  … and {len(found) - issues} more (report.md / report.html)")
    if report.initiatives:
        out += ["", paint(f"Initiative impact ({len(report.initiatives)})", "1")]
        for row in report.initiatives:
            entry = report.metric_by_id.get(row["metric"])
            fmt = (lambda v, d=entry.display: format_value(d, v)) if entry else str
            name = entry.name if entry else row["metric"]
            out.append(f"  {shown(row['name'])} ({row['date']}) on {shown(name)}: {shown(impact_text(row, fmt))}")
    benchmarks = gap_lines(report, format_value)
    if benchmarks:
        out += ["", paint(f"Benchmarks ({len(benchmarks)})", "1")]
        for entry, b, gap in benchmarks:
            value = format_value(entry.display, b["value"])
            out.append(f"  {shown(entry.name)} vs {shown(b['name'])} {value}: gap {gap}")
    return "\n".join(out) + "\n"


#: The league table in a terminal shows this many segments at each end when it has more.
LEAGUE_ENDS = 10


def _league(report: Report, paint) -> list[str]:
    """The league table: each segment's index and its metrics in red."""
    name = report.index.name if report.index else "index"
    out = [paint(f"Segments ({len(report.segments)}) by {shown(name)}", "1")]
    entries = report.segments
    if len(entries) > 2 * LEAGUE_ENDS:  # 10,000 stores: the best and the worst, not 10,000 lines
        entries = [*entries[:LEAGUE_ENDS], None, *entries[-LEAGUE_ENDS:]]
    for entry in entries:
        if entry is None:
            out.append(f"  … {len(report.segments) - 2 * LEAGUE_ENDS:,} more (report.md / report.html)")
            continue
        score = f"{entry.index:5.1f}" if entry.index is not None else "    –"
        red = red_names(report, entry)
        red = paint(f"red: {shown(red)}", "31") if red else "no metric in red"
        cov = f"cov {entry.coverage * 100:3.0f}%" if entry.coverage is not None else "        "
        out.append(f"  {shown(entry.label)[:28]:<28} {score} {trend(entry.index, entry.previous, paint):<8} {cov}  {red}")
    out.append("  (cxspec report --segment DIMENSION=VALUE for one segment's scorecard)")
    out.append("")
    return out


def _tree(node, prefix, last, root, metrics, paint, out, width, project_grain=None):
    branch = "" if root else ("└─ " if last else "├─ ")
    label = node.name
    score = f"{node.score:5.1f}" if node.score is not None else "    –"
    if node.kind == "metric":
        metric = metrics[node.metric]
        dot, code = _STATUS.get(metric.status, (" ", ""))
        value = format_value(metric.display, metric.latest.value if metric.latest else None)
        line = f"{prefix}{branch}{label[:36]:<36} {value:>9} {paint(dot, code)}  score {score}"
        line += grain_note(metric, project_grain)
    else:
        weight = f"  w{node.weight:g}" if not root else ""
        partial = node.coverage is not None and node.coverage < 0.999
        coverage = f"  cov {node.coverage * 100:.0f}%" if partial else ""
        line = (
            f"{prefix}{branch}"
            + paint(f"{label[:36]:<36}", "1")
            + f" {'':>9}    score {score} "
            + trend(node.score, node.previous, paint)
            + weight
            + coverage
        )
    out.append(line)
    children = node.children
    child_prefix = prefix if root else prefix + ("   " if last else "│  ")
    for i, child in enumerate(children):
        _tree(child, child_prefix, i == len(children) - 1, False, metrics, paint, out, width, project_grain)
