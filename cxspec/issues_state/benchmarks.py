"""`benchmarks:` in cxspec.yaml: reference values of a metric (a competitor's, an industry
figure), drawn as lines on its chart, the gap shown in reports, `below_benchmark` issues."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Benchmark:
    """An external benchmark value for a metric."""

    metric: str
    name: str
    value: float
    as_of: str | None = None
    source: str | None = None


SCHEMA = {
    "type": "array",
    "description": "Reference values of metrics (docs/closing-the-loop.md).",
    "items": {
        "type": "object",
        "required": ["metric", "name", "value"],
        "additionalProperties": False,
        "properties": {
            "metric": {"type": "string", "pattern": "^[a-z][a-z0-9_-]*$"},
            "name": {"type": "string", "minLength": 1},
            "value": {"type": "number"},
            "as_of": {"type": "string", "pattern": "^[0-9]{4}-[0-9]{2}-[0-9]{2}$"},
            "source": {"type": "string"},
        },
    },
}


def benchmarks_of(project) -> dict[str, list[Benchmark]]:
    """Metric id → its benchmarks, in the order written."""
    out: dict[str, list[Benchmark]] = {}
    for item in project.config.raw.get("benchmarks") or []:
        if not hasattr(item, "get") or not isinstance(item.get("value"), (int, float)):
            continue
        if isinstance(item.get("value"), bool):
            continue
        benchmark = Benchmark(
            str(item.get("metric")), str(item.get("name")), float(item["value"]), item.get("as_of"), item.get("source")
        )
        out.setdefault(benchmark.metric, []).append(benchmark)
    return out


def with_benchmarks(project, metrics) -> None:
    """Give each report metric entry its benchmarks, with the gap of its latest value."""
    by_metric = benchmarks_of(project)
    for entry in metrics:
        latest = entry.latest.value if entry.latest is not None else None
        entry.benchmarks = [
            {
                "name": b.name,
                "value": b.value,
                "as_of": b.as_of,
                "source": b.source,
                "gap": latest - b.value if latest is not None else None,
            }
            for b in by_metric.get(entry.id, [])
        ]


def gap_lines(report, format_value) -> list[tuple]:
    """(metric entry, benchmark, gap text) of every benchmark in a report, by metric id."""
    out = []
    for entry in report.metrics:
        for benchmark in entry.benchmarks:
            gap = benchmark.get("gap")
            text = "no value" if gap is None else format_value(entry.display, gap)
            if gap is not None and gap > 0 and not text.startswith("+"):
                text = "+" + text
            out.append((entry, benchmark, text))
    return out
