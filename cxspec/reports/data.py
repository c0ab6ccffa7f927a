"""The report as plain data, built from stored results only: what every format renders and
what `report.json` holds (documented in docs/report-json.md)."""

from __future__ import annotations

from cxspec.runs.issues import StoredResult, detect_issues, natural_score

REPORT_VERSION = 1


def _metric_definition(project, metric) -> str:
    """One line saying how the number is computed, for the catalogue and hovers."""
    raw = metric.raw
    what = {
        "nps": "NPS (% promoters − % detractors) of {column}",
        "csat": "CSAT of {column}",
        "ces": "CES of {column}",
        "rate": "% of rows where {condition}",
        "mean": "mean of {column}",
        "sum": "sum of {column}",
        "min": "smallest {column}",
        "max": "largest {column}",
        "count": "count of rows" if "column" not in raw else "count of non-empty {column}",
        "count_distinct": "distinct {column}",
        "percentile": "p{pct} of {column}",
        "ratio": "{numerator} ÷ {denominator}",
        "derived": "{expr}",
        "churn_rate": "% of active customers who ended in the period",
        "retention_rate": "100 − % of active customers who ended in the period",
    }.get(metric.type, metric.type)
    values = {k: v for k, v in raw.items() if isinstance(v, (str, int, float))}
    if metric.type == "percentile" and isinstance(raw.get("percentile"), (int, float)):
        values["pct"] = f"{raw['percentile'] * 100:g}"
    if metric.type == "count_distinct" and "column" not in raw:
        source = project.sources.get(metric.source or "")
        values["column"] = f"{source.entity if source else 'entity'} (customers)"
    if metric.type in ("csat", "ces"):
        scale = raw.get("scale") or ([1, 5] if metric.type == "csat" else [1, 7])
        aggregate = raw.get("aggregate", "top_box" if metric.type == "csat" else "mean")
        if aggregate == "mean":
            what += f", mean on {scale[0]}–{scale[1]}"
        else:
            top = raw.get("top_box", 2 if metric.type == "csat" else 3)
            what += f", % in the top {top} of {scale[0]}–{scale[1]}"
    try:
        text = what.format(**values)
    except (KeyError, IndexError):
        text = what
    parts = [text]
    if metric.source:
        parts.append(f"from {metric.source}")
    conditions = [c for c in (metric.filter,) if c]
    touchpoint = project.touchpoints.get(metric.touchpoint or "")
    if touchpoint is not None and touchpoint.match:
        conditions.append(touchpoint.match)
    if conditions:
        parts.append("where " + " and ".join(conditions))
    return " ".join(parts)


def stored_run(project_id: str, results) -> dict | None:
    """The latest stored run the report is made from: its time (UTC) and an id derived from
    the project, that time and the spec hash it ran, so a report can be matched to the rows."""
    import hashlib

    if not results:
        return None
    time = max(r.computed_at for r in results)
    hashes = sorted({r.spec_hash for r in results if r.computed_at == time})
    digest = hashlib.sha256("\n".join([project_id, time, *hashes]).encode("utf-8")).hexdigest()
    return {"id": digest[:12], "time": time}


def build_report(stored, registry) -> dict:
    project = stored.project
    results = [r for r in stored.results if not r.dimensions]
    periods = sorted({r.period for r in results} | {s.period for s in stored.scores})
    latest = periods[-1] if periods else None
    by_metric: dict[str, list] = {}
    for row in results:
        by_metric.setdefault(row.metric, []).append(row)
    by_node: dict[tuple[str, str], list] = {}
    for score in stored.scores:
        by_node.setdefault((score.pyramid, score.node), []).append(score)

    def latest_of(series, key="value"):
        return next((r[key] for r in reversed(series) if r["period"] == latest), None) if latest else None

    metrics = []
    for metric_id, metric in sorted(project.metrics.items()):
        touchpoint = project.touchpoints.get(metric.touchpoint or "")
        goal = project.goals.get(metric_id)
        rows = by_metric.get(metric_id, [])
        series = [
            {
                "period": r.period,
                "value": r.value,
                "n": r.n,
                "invalid": r.invalid,
                "moe": r.moe,
                "status": r.status,
            }
            for r in rows
        ]
        breaks = [rows[i].period for i in range(1, len(rows)) if rows[i].definition != rows[i - 1].definition]
        latest_row = next((s for s in series if s["period"] == latest), None)
        previous_row = next((s for s in reversed(series) if latest and s["period"] < latest), None)
        metrics.append(
            {
                "id": metric_id,
                "name": metric.name or metric_id,
                "type": metric.type,
                "category": metric.category,
                "direction": metric.direction,
                "unit": metric.unit or registry.metric_types[metric.type].unit,
                "owner": metric.owner,
                "tracked_by": metric.tracked_by,
                "touchpoint": metric.touchpoint,
                "journey": touchpoint.journey if touchpoint else None,
                "stage": touchpoint.stage if touchpoint else None,
                "description": metric.description,
                "definition": _metric_definition(project, metric),
                "version": metric.version,
                "min_sample": metric.min_sample,
                "natural_range": list(registry.metric_types[metric.type].natural_range(metric) or []) or None,
                "goal": {"target": goal.target, "warn": goal.warn, "due": goal.due} if goal else None,
                "latest": latest_row,
                "previous": previous_row,
                "score": natural_score(registry, metric, latest_row["value"]) if latest_row else None,
                "series": series,
                "breaks": breaks,
            }
        )
    metric_index = {m["id"]: m for m in metrics}

    def node_dict(pyramid, node_path: str, name: str, kind: str, weight: float, metric_id=None, children=()):
        series = [
            {"period": s.period, "score": s.score, "coverage": s.coverage}
            for s in by_node.get((pyramid.id, node_path), [])
        ]
        entry = {
            "id": node_path,
            "name": name,
            "kind": kind,
            "weight": weight,
            "metric": metric_id,
            "score": latest_of(series, "score"),
            "coverage": latest_of(series, "coverage"),
            "previous": next((s["score"] for s in reversed(series) if latest and s["period"] < latest), None),
            "series": series,
            "children": list(children),
        }
        if metric_id:
            entry["status"] = (metric_index[metric_id]["latest"] or {}).get("status")
            entry["owner"] = metric_index[metric_id]["owner"]
        return entry

    def walk(pyramid, nodes, parent: str):
        out = []
        for node in nodes:
            if node.kind == "metric":
                metric = project.metrics[node.ref]
                out.append(
                    node_dict(
                        pyramid,
                        f"{parent}/{metric.id}",
                        metric.name or metric.id,
                        "metric",
                        node.weight,
                        metric.id,
                    )
                )
            elif node.kind == "pyramid":
                included = project.pyramids[node.ref]
                path = f"{parent}/{included.id}"
                out.append(
                    node_dict(
                        pyramid,
                        path,
                        included.name or included.id,
                        "group",
                        node.weight,
                        children=walk(pyramid, included.children, path),
                    )
                )
            else:
                path = f"{parent}/{node.id}"
                out.append(
                    node_dict(
                        pyramid,
                        path,
                        node.name or node.id,
                        "group",
                        node.weight,
                        children=walk(pyramid, node.children, path),
                    )
                )
        return out

    pyramids = []
    for pyramid in sorted(project.pyramids.values(), key=lambda p: p.id):
        tree = node_dict(
            pyramid,
            pyramid.id,
            pyramid.name or pyramid.id,
            "group",
            1.0,
            children=walk(pyramid, pyramid.children, pyramid.id),
        )
        pyramids.append(
            {
                "id": pyramid.id,
                "name": pyramid.name or pyramid.id,
                "owner": pyramid.owner,
                "normalize": pyramid.normalize,
                "tree": tree,
            }
        )

    journeys = []
    for journey in sorted(project.journeys.values(), key=lambda j: j.id):
        stages = []
        for stage in journey.stages:
            touchpoints = []
            for tp in sorted(project.touchpoints.values(), key=lambda t: t.id):
                if tp.journey != journey.id or tp.stage != stage:
                    continue
                tp_metrics = [m["id"] for m in metrics if m["touchpoint"] == tp.id]
                # As the below_journey issues do: small samples are left out, as in rollups.
                scores = [
                    metric_index[m]["score"]
                    for m in tp_metrics
                    if metric_index[m]["score"] is not None
                    and (metric_index[m]["latest"] or {}).get("status") != "insufficient_sample"
                ]
                touchpoints.append(
                    {
                        "id": tp.id,
                        "name": tp.name or tp.id,
                        "owner": tp.owner,
                        "intended": tp.intended,
                        "metrics": tp_metrics,
                        "score": sum(scores) / len(scores) if scores else None,
                    }
                )
            stages.append({"id": stage, "touchpoints": touchpoints})
        journeys.append(
            {"id": journey.id, "name": journey.name or journey.id, "owner": journey.owner, "stages": stages}
        )

    issue_input = [
        StoredResult(r.metric, r.period, r.value, r.n, r.invalid, r.moe, r.status) for r in results
    ]
    issues = (
        [
            {k: v for k, v in vars(issue).items()}
            for issue in detect_issues(project, registry, issue_input, latest)
        ]
        if latest
        else []
    )

    index = None
    if pyramids:
        main = next((p for p in pyramids if p["id"] == "cx-index"), pyramids[0])
        index = {
            "pyramid": main["id"],
            "name": main["name"],
            "score": main["tree"]["score"],
            "previous": main["tree"]["previous"],
            "coverage": main["tree"]["coverage"],
        }

    computed = sorted({r.computed_at for r in results})
    hashes = sorted({r.spec_hash for r in results})
    return {
        "report_version": REPORT_VERSION,
        "run": stored_run(project.config.project, results),
        "project": {
            "id": project.config.project,
            "name": project.config.name or project.config.project,
            "grain": stored.grain,
            "spec_hashes": hashes,
            "computed_at": computed[-1] if computed else None,
        },
        "periods": periods,
        "latest": latest,
        "index": index,
        "pyramids": pyramids,
        "metrics": metrics,
        "journeys": journeys,
        "issues": issues,
        "owners": [
            {
                "id": o.id,
                "name": o.name or o.id,
                "kind": o.kind,
                "email": o.email,
                "github": o.github,
                "parent": o.parent,
            }
            for o in sorted(project.owners.values(), key=lambda o: o.id)
        ],
    }
