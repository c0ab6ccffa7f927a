"""Reference lines on a metric's chart: its benchmarks (a dashed line each, labelled with
the gap of the latest value)."""

from __future__ import annotations

from cxspec.display import format_value
from cxspec.reports.html.common import e


def reference_values(metric) -> list[float]:
    """Values the chart's y axis must show."""
    return [b["value"] for b in metric.benchmarks]


def benchmark_lines(chart) -> str:
    metric = chart.metric
    x1, x2 = chart.LEFT, chart.W - chart.RIGHT
    out = []
    for benchmark in metric.benchmarks:
        value = benchmark["value"]
        if not (chart.y_lo <= value <= chart.y_hi):
            continue
        y = chart.y(value)
        gap = benchmark.get("gap")
        gap_text = "" if gap is None else f", gap {format_value(metric.display, gap)}"
        as_of = f" as of {benchmark['as_of']}" if benchmark.get("as_of") else ""
        source = f" ({benchmark['source']})" if benchmark.get("source") else ""
        tip = f"benchmark {benchmark['name']} {format_value(metric.display, value)}{as_of}{source}{gap_text}"
        out.append(
            f'<g class="benchmark"><title>{e(tip)}</title>'
            f'<line x1="{x1}" x2="{x2}" y1="{y:.1f}" y2="{y:.1f}"/>'
            f'<text x="{x1 + 2}" y="{y - 3:.1f}">{e(benchmark["name"])}</text></g>'
        )
    return "".join(out)
