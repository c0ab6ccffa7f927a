"""Drivers and links in reports: the priority matrix (importance × performance) and "what CX
is worth" in sentences. Builds the report model's entries from stored rows, and renders
them for Markdown, the terminal and HTML (an inline, deterministic SVG quadrant chart)."""

from __future__ import annotations

import html

from cxspec.reports.model import DriverEntry, LinkEntry, LinkGroupEntry
from cxspec.reports.segments import in_scope

QUADRANTS = {
    "act_first": "important and weak: act first",
    "keep_up": "important and strong: keep it up",
    "monitor": "less important and weak: monitor",
    "overdone": "less important and strong: possible overkill",
}
PLURAL = {"promoter": "promoters", "passive": "passives", "detractor": "detractors",
          "top_box": "top-box respondents", "rest": "the other respondents"}  # fmt: skip
UNITS = {"h": "hours", "d": "days", "w": "weeks"}


# -- building the model ----------------------------------------------------------------------------


def driver_entries(project, stored_drivers, segment: dict | None = None) -> list[DriverEntry]:
    """The analyses over the whole range (no period) of the total, or of `segment` (a run
    stores them per segment too: runs/run.py), each driver placed in a quadrant: importance
    above or below the average driver's (r²/p), performance above or below the drivers' mean
    (as % of their scales when every driver has one, else as measured)."""
    entries: list[DriverEntry] = []
    by_analysis: dict[str, list] = {}
    for row in stored_drivers:
        if row.period is None and in_scope(row.dimensions, segment):
            by_analysis.setdefault(row.analysis, []).append(row)
    for analysis_id in sorted(by_analysis):
        rows = by_analysis[analysis_id]
        spec = project.drivers.get(analysis_id)
        scales = {d.name: d.scale for d in spec.drivers} if spec else {}
        batch = []
        for row in rows:
            scale = scales.get(row.driver)
            pct = None
            if scale and row.performance is not None:
                pct = 100 * (row.performance - scale[0]) / (scale[1] - scale[0])
            batch.append(DriverEntry(
                analysis=analysis_id, name=(spec.name if spec and spec.name else analysis_id), driver=row.driver,
                importance=row.importance, share=row.share, performance=row.performance, lower=row.lower,
                upper=row.upper, n=row.n, r2=row.r2, performance_pct=pct,
            ))  # fmt: skip
        _place(batch)
        entries += batch
    return entries


#: Why a segment has no priority matrix, by the code of the problem found there.
LEFT_OUT = {
    "CX600": "a driver is constant there", "CX601": "drivers are collinear there",
    "CX604": "the outcome is constant there", "CX607": "values too large to square",
}  # fmt: skip


def left_out_entries(
    project, stored_drivers, omitted, segment: dict | None = None, segments: list[dict] = ()
) -> list[dict]:
    """Segments whose priority matrix was not computed, with why: those `run` left out (too
    few complete cases, a constant driver there…: stored, analyses_store.py) and each
    analysis the total has and a segment lacks for another reason (its source has not the
    segment's dimensions, or no complete case there: the scan had no row of it): in a
    segment's report, that segment; in the total's, each stored segment (`segments`, those
    of metrics) of a segment set the analysis's source has. Each: {"analysis", "name",
    "dimensions", "segment", "n", "code", "reason"}."""
    out = []
    for o in omitted:
        spec = project.drivers.get(o["analysis"])
        if spec is None or (segment is not None and not in_scope(o["dimensions"], segment)):
            continue
        needed = max(spec.min_sample or 0, len(spec.drivers) + 2)
        if o["code"] in LEFT_OUT:
            reason = f"{o['n']:,} complete cases; {LEFT_OUT[o['code']]}"
        else:
            reason = f"{o['n']:,} complete cases, fewer than {needed:,}" + (
                " (min_sample)" if spec.min_sample and spec.min_sample >= needed else ""
            )
        out.append(_left_out(spec, o["dimensions"], o["n"], o["code"], reason))
    said = {(e["analysis"], e["segment"]) for e in out}
    total = {r.analysis for r in stored_drivers if r.period is None and not r.dimensions}
    sets = {tuple(sorted(names)) for names in project.segments}
    for analysis_id in sorted(total):
        spec = project.drivers.get(analysis_id)
        source = project.sources.get(spec.source) if spec else None
        if spec is None:
            continue
        for wanted in [segment] if segment else segments:
            label = _left_out(spec, wanted, None, None, "")["segment"]
            figured = any(r.period is None and r.analysis == analysis_id and in_scope(r.dimensions, wanted)
                          for r in stored_drivers)  # fmt: skip
            if figured or (analysis_id, label) in said:
                continue
            lacking = [d for d in wanted if source is None or not source.dimension(d)]
            if segment and lacking:
                reason = f"source {spec.source!r} has no dimension {lacking[0]!r}"
                out.append(_left_out(spec, wanted, None, None, reason))
            elif not lacking and (segment or tuple(sorted(wanted)) in sets):
                out.append(_left_out(spec, wanted, 0, "CX602", "no complete case in this segment"))
    return sorted(out, key=lambda e: (e["analysis"], e["segment"]))


def _left_out(spec, dimensions, n, code, reason) -> dict:
    label = ", ".join(f"{k}={'(none)' if v is None else v}" for k, v in sorted(dimensions.items()))
    return {"analysis": spec.id, "name": spec.name or spec.id, "dimensions": dict(dimensions),
            "segment": label, "n": n, "code": code, "reason": reason}  # fmt: skip


def _axis_of(batch: list[DriverEntry]):
    """Performance as % of the scale when every driver of the analysis has one, else as
    measured for all: 75 (% of a 1–5 scale) and 4.2 (as measured) are not comparable."""
    in_percent = all(e.performance_pct is not None for e in batch if e.performance is not None)
    return lambda entry: entry.performance_pct if in_percent else entry.performance


def _place(batch: list[DriverEntry]) -> None:
    _axis = _axis_of(batch)
    importances = [e.importance for e in batch if e.importance is not None]
    performances = [_axis(e) for e in batch if _axis(e) is not None]
    if not importances or not performances:
        return
    mid_importance = sum(importances) / len(importances)
    mid_performance = sum(performances) / len(performances)
    for entry in batch:
        if entry.importance is None or _axis(entry) is None:
            continue
        important = entry.importance >= mid_importance
        strong = _axis(entry) >= mid_performance
        entry.quadrant = (
            ("keep_up" if strong else "act_first") if important else ("overdone" if strong else "monitor")
        )


def window_words(within: str) -> str:
    number, unit = within[:-1], within[-1:]
    return f"{number} {UNITS.get(unit, unit)}"


def _plural(group: str) -> str:
    return PLURAL.get(group, f"{group} responses")


def _fmt(value, digits=1) -> str:
    return "–" if value is None else f"{value:,.{digits}f}"


def _positive(*values) -> bool:
    return all(v is not None and v > 0 for v in values)


def sentence(link, contrast, groups: dict) -> str | None:
    """The contrast in words: "detractors end their subscriptions 2.9× as often as promoters
    within 90 days (43.5% vs 15.7%; +27.9 points, 95% CI 13.7 to 38.3)"."""
    if contrast is None or contrast.difference is None:
        return None
    a, b = groups.get(contrast.a), groups.get(contrast.b)
    if a is None or b is None:
        return None
    window = window_words(link.within)
    if link.value is None:
        what = {"end": f"end their {link.outcome_source}", "start": f"start {link.outcome_source}"}.get(
            link.event or "time", f"have {link.outcome_source}"
        )
        if contrast.ratio is None:  # none of b: "n× as often" would divide by 0
            return (
                f"{_plural(contrast.a).capitalize()} {what} within {window} {_fmt(a.value)}% of the time, "
                f"{_plural(contrast.b)} {_fmt(b.value)}% ({contrast.difference:+.1f} points, "
                f"95% CI {_fmt(contrast.lower)} to {_fmt(contrast.upper)})."
            )
        return (
            f"{_plural(contrast.a).capitalize()} {what} {contrast.ratio:.1f}× as often as {_plural(contrast.b)} "
            f"within {window} ({_fmt(a.value)}% vs {_fmt(b.value)}%; {contrast.difference:+.1f} points, "
            f"95% CI {_fmt(contrast.lower)} to {_fmt(contrast.upper)})."
        )
    what = f"{link.outcome_source} {link.value}"  # "orders amount": the sum per response
    if contrast.ratio is None or not _positive(a.value, b.value):  # a mean ≤ 0 (refunds): no ratio
        return (
            f"{_possessive(contrast.a).capitalize()} {what} within {window} is {_fmt(a.value, 2)} per "
            f"response, {_possessive(contrast.b)} {_fmt(b.value, 2)} "
            f"(difference {contrast.difference:+,.2f}, "
            f"95% CI {_fmt(contrast.lower, 2)} to {_fmt(contrast.upper, 2)})."
        )
    first, second, ratio = contrast.a, contrast.b, contrast.ratio
    difference, lower, upper = contrast.difference, contrast.lower, contrast.upper
    if ratio < 1:  # "0.27× as much" reads backwards: the group that brings more comes first
        first, second, a, b, ratio = second, first, b, a, 1 / ratio
        difference, lower, upper = -difference, _negated(upper), _negated(lower)
    return (
        f"{_possessive(first).capitalize()} {what} within {window} is {ratio:.2f}× {_possessive(second)} "
        f"({_fmt(a.value, 2)} vs {_fmt(b.value, 2)} per response; "
        f"difference {difference:+,.2f}, 95% CI {_fmt(lower, 2)} to {_fmt(upper, 2)})."
    )


def _possessive(group: str) -> str:
    """Whose sum a value link's sentence gives: "top-box respondents'", "detractors'"."""
    words = _plural(group)
    return f"{words}'" if words.endswith("s") else f"{words}'s"


def _negated(value):
    return None if value is None else -value


def link_entries(project, groups, contrasts, as_of: dict, omitted=(), warnings=()) -> list[LinkEntry]:
    """Each stored link with its sentence; a link `run` could not compute (`omitted`:
    analyses_store.py) or without a contrast has a `note` saying why instead. `warnings`:
    what each left out, counted, shown beside it."""
    entries = []
    said: dict[str, list[dict]] = {}
    for w in warnings:
        said.setdefault(w["link"], []).append({"code": w["code"], "n": w["n"], "text": w["text"]})
    for o in omitted:
        link = project.links.get(o["link"])
        if link is not None:
            entries.append(LinkEntry(
                link=o["link"], name=link.name or o["link"], kind="value" if link.value else "event",
                note=f"not computed: {o['reason']} ({o['code']})", warnings=said.get(o["link"], []),
            ))  # fmt: skip
    for link_id in sorted({g.link for g in groups} & set(project.links)):
        link = project.links[link_id]
        mine = [g for g in groups if g.link == link_id]
        by_name = {g.group: g for g in mine}
        contrast = next((c for c in contrasts if c.link == link_id), None)
        empty = [g.group for g in mine if not g.n]
        words = sentence(link, contrast, by_name)
        entries.append(LinkEntry(
            link=link_id, name=link.name or link_id, kind="value" if link.value else "event",
            groups=[LinkGroupEntry(g.group, g.n, g.value, g.lower, g.upper) for g in mine],
            contrast=contrast.as_dict() if contrast else None, sentence=words,
            as_of=str(as_of.get(link_id)) if as_of.get(link_id) else None,
            note=None if words else "no contrast: " + (
                f"no {_plural(empty[0])} among the responses" if empty else "the groups cannot be compared"
            ), warnings=said.get(link_id, []),
        ))  # fmt: skip
    return sorted(entries, key=lambda e: e.link)


def _link_line(link) -> str | None:
    """A link's line in a report: its sentence, else its name and why there is none; then
    what its figures leave out (warnings), counted."""
    line = link.sentence or (f"{link.name}: {link.note}" if link.note else None)
    if line is None:
        return None
    return " ".join([line, *(f"(warning {w['code']}: {w['text']})" for w in link.warnings)])


# -- rendering -------------------------------------------------------------------------------------


def _by_analysis(drivers):
    grouped: dict[str, list[DriverEntry]] = {}
    for entry in drivers:
        grouped.setdefault(entry.analysis, []).append(entry)
    return grouped


def _ordered(entries):
    return sorted(entries, key=lambda e: (-(e.importance or 0.0), e.driver))


#: Segments left out that the total's report lists (all are in report.json).
LISTED = 10


def _not_computed(report) -> list[str]:
    """Plain sentences: in a segment's report, each analysis not computed there and why; in
    the total's, the segments left out (the first LISTED)."""
    entries = report.drivers_left_out
    if report.segment is not None:
        return [f"{e['name']}: not computed for {e['segment']}: {e['reason']}"
                + (f" ({e['code']})" if e["code"] else "") + "." for e in entries]  # fmt: skip
    lines = [f"{e['name']}, {e['segment']}: {e['reason']}" for e in entries[:LISTED]]
    if len(entries) > LISTED:
        lines.append(f"… and {len(entries) - LISTED:,} more (report.json `drivers_left_out`)")
    return lines


def markdown(report, md_text) -> list[str]:
    lines = []
    not_computed = _not_computed(report)
    if not_computed and report.segment is not None:
        lines += ["## What matters most", "", *(f"- {md_text(t)}" for t in not_computed), ""]
    for entries in _by_analysis(report.drivers).values():
        first = entries[0]
        lines += [
            f"## What matters most: {md_text(first.name)}",
            "",
            f"Priority matrix (importance × performance), r² {_fmt(first.r2, 3)}, n {first.n:,}.",
            "",
            "| driver | importance | share % | 95% interval | performance | priority |",
            "|---|---:|---:|---:|---:|---|",
        ]
        for e in _ordered(entries):
            priority = QUADRANTS.get(e.quadrant, "")
            if e.quadrant == "act_first":
                priority = f"**{priority}**"
            lines.append(
                f"| {md_text(e.driver)} | {_fmt(e.importance, 3)} | {_fmt(e.share)} | "
                f"{_fmt(e.lower, 3)} – {_fmt(e.upper, 3)} | {_fmt(e.performance, 2)} | {priority} |"
            )
        lines.append("")
    if not_computed and report.segment is None:
        lines += ["Segments without a priority matrix (not computed):", ""]
        lines += [f"- {md_text(t)}" for t in not_computed] + [""]
    if report.links:
        lines += ["## What CX is worth", ""]
        for link in report.links:
            if _link_line(link):
                lines.append(f"- {md_text(_link_line(link))}")
        lines.append("")
    if report.links_note:
        lines += ["## What CX is worth", "", md_text(report.links_note), ""]
    return lines


def terminal(report) -> list[str]:
    out = []
    not_computed = _not_computed(report)
    if not_computed and report.segment is not None:
        out += ["What matters most", *(f"  {t}" for t in not_computed), ""]
    for _, entries in _by_analysis(report.drivers).items():
        first = entries[0]
        out.append(f"What matters most: {first.name} (r² {_fmt(first.r2, 3)}, n {first.n:,})")
        for e in _ordered(entries):
            label = QUADRANTS.get(e.quadrant, "")
            out.append(f"  {e.driver[:24]:<24} importance {_fmt(e.importance, 3):>6}  performance "
                       f"{_fmt(e.performance, 2):>7}  {label}")  # fmt: skip
        out.append("")
    if not_computed and report.segment is None:
        out += ["Segments without a priority matrix (not computed)", *(f"  {t}" for t in not_computed), ""]
    if report.links:
        out.append("What CX is worth")
        out += [f"  {_link_line(link)}" for link in report.links if _link_line(link)]
        out.append("")
    if report.links_note:
        out += ["What CX is worth", f"  {report.links_note}", ""]
    return out


# -- HTML: the quadrant chart ---------------------------------------------------------------------

_W, _H, _PAD = 420, 300, 40


def _e(value) -> str:
    return html.escape("" if value is None else str(value), quote=True)


def quadrant_svg(entries: list[DriverEntry]) -> str:
    """Importance (x) against performance (y); the lines are the averages the quadrants use.
    Coordinates are rounded to 0.1 so the same data draws the same bytes."""
    _axis = _axis_of(entries)
    points = [
        (e, e.importance, _axis(e)) for e in entries if e.importance is not None and _axis(e) is not None
    ]
    if not points:
        return ""
    xs, ys = [p[1] for p in points], [p[2] for p in points]
    x_low, x_high = 0.0, max(xs) * 1.1 or 1.0
    y_low, y_high = min(ys), max(ys)
    if y_high - y_low < 1e-9:
        y_low, y_high = y_low - 1, y_high + 1
    margin = (y_high - y_low) * 0.1
    y_low, y_high = y_low - margin, y_high + margin

    def x(v):
        return round(_PAD + (v - x_low) / (x_high - x_low) * (_W - 2 * _PAD), 1)

    def y(v):
        return round(_H - _PAD - (v - y_low) / (y_high - y_low) * (_H - 2 * _PAD), 1)

    mid_x, mid_y = x(sum(xs) / len(xs)), y(sum(ys) / len(ys))
    parts = [
        f'<svg class="quadrant" viewBox="0 0 {_W} {_H}" width="{_W}" height="{_H}" role="img" '
        'aria-label="priority matrix: importance against performance">',
        f'<rect x="{_PAD}" y="{_PAD}" width="{_W - 2 * _PAD}" height="{_H - 2 * _PAD}" fill="none" stroke="#999"/>',
        f'<rect x="{mid_x}" y="{mid_y}" width="{round(_W - _PAD - mid_x, 1)}" height="{round(_H - _PAD - mid_y, 1)}" '
        'fill="#fde2e1"/>',
        f'<line x1="{mid_x}" y1="{_PAD}" x2="{mid_x}" y2="{_H - _PAD}" stroke="#bbb" stroke-dasharray="4 3"/>',
        f'<line x1="{_PAD}" y1="{mid_y}" x2="{_W - _PAD}" y2="{mid_y}" stroke="#bbb" stroke-dasharray="4 3"/>',
        f'<text x="{_W - _PAD - 4}" y="{_H - _PAD - 6}" text-anchor="end" font-size="11" fill="#b3261e">'
        "important and weak: act first</text>",
        f'<text x="{_W // 2}" y="{_H - 8}" text-anchor="middle" font-size="11">importance (share of r²) →</text>',
        f'<text x="12" y="{_H // 2}" transform="rotate(-90 12 {_H // 2})" text-anchor="middle" font-size="11">'
        "performance →</text>",
    ]
    for entry, importance, performance in points:
        colour = "#b3261e" if entry.quadrant == "act_first" else "#1f5fa8"
        title = (f"{entry.driver}: importance {_fmt(importance, 3)} ({_fmt(entry.share)}% of r²), "
                 f"performance {_fmt(entry.performance, 2)}; {QUADRANTS.get(entry.quadrant, '')}")  # fmt: skip
        parts.append(
            f'<g><title>{_e(title)}</title><circle cx="{x(importance)}" cy="{y(performance)}" r="5" '
            f'fill="{colour}"/><text x="{x(importance) + 7}" y="{y(performance) + 4}" font-size="11">'
            f"{_e(entry.driver)}</text></g>"
        )
    parts.append("</svg>")
    return "".join(parts)


def html_section(report) -> str:
    not_computed = _not_computed(report)
    if not report.drivers and not report.links and not not_computed and not report.links_note:
        return ""
    parts = ['<section class="wrap analyses" id="drivers">']
    if not_computed:
        title = "What matters most" if report.segment is not None else "Segments without a priority matrix"
        parts.append(f"<h2>{title}</h2><ul>" + "".join(f"<li>{_e(t)}</li>" for t in not_computed) + "</ul>")
    for _, entries in _by_analysis(report.drivers).items():
        first = entries[0]
        parts.append(f"<h2>What matters most: {_e(first.name)}</h2>")
        parts.append(f'<p class="muted small">r² {_e(_fmt(first.r2, 3))} · n {first.n:,} · '
                     "complete cases only; correlation is not causation</p>")  # fmt: skip
        parts.append(quadrant_svg(entries))
        parts.append("<table><thead><tr><th>driver</th><th>importance</th><th>share %</th><th>95% interval</th>"
                     "<th>performance</th><th>priority</th></tr></thead><tbody>")  # fmt: skip
        for e in _ordered(entries):
            parts.append(
                f"<tr><td>{_e(e.driver)}</td><td>{_fmt(e.importance, 3)}</td><td>{_fmt(e.share)}</td>"
                f"<td>{_fmt(e.lower, 3)} – {_fmt(e.upper, 3)}</td><td>{_fmt(e.performance, 2)}</td>"
                f"<td>{_e(QUADRANTS.get(e.quadrant, ''))}</td></tr>"
            )
        parts.append("</tbody></table>")
    if report.links:
        parts.append("<h2>What CX is worth</h2>")
        if report.segments:  # the segment selector above changes the figures, not these
            parts.append(
                '<p class="muted small">For the whole programme: links are not computed per segment.</p>'
            )
        parts.append("<ul>")
        parts += [f"<li>{_e(_link_line(link))}</li>" for link in report.links if _link_line(link)]
        parts.append("</ul>")
    if report.links_note:
        parts.append(f"<h2>What CX is worth</h2><p>{_e(report.links_note)}</p>")
    parts.append("</section>")
    return "".join(parts)
