"""`notify:`, `benchmarks:` and `initiatives:` of cxspec.yaml: what the schema cannot say
(docs/closing-the-loop.md). CX320: a notify target without what its type needs, or with
another type's field; CX321: a benchmark or initiative names a metric the project lacks;
CX100: a day that fits YYYY-MM-DD but is not in the calendar, a benchmark that is no finite
number; CX310: a benchmark outside its metric's range."""

from __future__ import annotations

import math

from cxspec.checks.values import check_day
from cxspec.locations import locate
from cxspec.notify.config import ONLY, REQUIRED
from cxspec.suggest import did_you_mean


def check(ctx) -> None:
    project, sink = ctx.project, ctx.sink
    raw, file = project.config.raw, project.config.file
    for index, item in enumerate(raw.get("notify") or []):
        if not hasattr(item, "get") or item.get("type") not in REQUIRED:
            continue
        kind = item["type"]
        for name in REQUIRED[kind]:
            if not item.get(name):
                sink.add("CX320", f"notify target {index + 1} ({kind}) needs {name}", locate(file, item),
                         hint=f"add `{name}:` (see docs/closing-the-loop.md#notifications)")  # fmt: skip
        other = "email" if kind == "webhook" else "webhook"
        for name in ONLY[other]:
            if name in item and name not in ONLY[kind]:
                sink.add("CX320", f"{name} does not apply to a {kind} target", locate(file, item, name, key=True),
                         hint=f"remove {name}, or set type: {other}")  # fmt: skip
    for section in ("benchmarks", "initiatives"):
        for item in raw.get(section) or []:
            if not hasattr(item, "get"):
                continue
            names = [item.get("metric")] if section == "benchmarks" else list(item.get("metrics") or [])
            for position, name in enumerate(names):
                if not isinstance(name, str) or name in project.metrics:
                    continue
                where = locate(file, item, "metric") if section == "benchmarks" else locate(file, item["metrics"], position)
                sink.add("CX321", f"{section[:-1]} names unknown metric {name!r}", where,
                         hint=did_you_mean(name, project.metrics) or "use a metric id of the project")  # fmt: skip
    for section, field in (("initiatives", "date"), ("benchmarks", "as_of")):
        for index, item in enumerate(raw.get(section) or []):
            if hasattr(item, "get"):
                check_day(sink, file, item, field, f"{section}[{index}].{field}")
    for item in raw.get("benchmarks") or []:
        if hasattr(item, "get"):
            _check_benchmark(ctx, file, item)


def _check_benchmark(ctx, file, item) -> None:
    from cxspec.checks.values import natural_range

    value = item.get("value")
    if not isinstance(value, int | float) or isinstance(value, bool):
        return  # the schema reports it
    if not math.isfinite(value):
        ctx.sink.add(
            "CX100",
            f"benchmark {item.get('name')!r}: value {value} is not a finite number",
            locate(file, item, "value"),
            hint="a benchmark is a value the metric can take",
        )
        return
    metric = ctx.project.metrics.get(item.get("metric"))
    bounds = natural_range(metric, ctx.registry) if metric is not None else None
    if bounds is not None and not bounds[0] <= value <= bounds[1]:
        ctx.sink.add(
            "CX310",
            f"benchmark {item.get('name')!r} of {metric.id!r}: value {value:g} lies outside the "
            f"metric's range {bounds[0]:g}…{bounds[1]:g}",
            locate(file, item, "value"),
            hint="percentages are on 0–100 and NPS on −100…100",
        )
