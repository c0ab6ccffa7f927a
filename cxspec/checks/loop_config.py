"""`notify:`, `benchmarks:` and `initiatives:` of cxspec.yaml: what the schema cannot say
(docs/closing-the-loop.md). CX320: a notify target without what its type needs, or with
another type's field; CX321: a benchmark or initiative names a metric the project lacks."""

from __future__ import annotations

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
