"""The README of an exported package: how to run it, what maps to what, what was left out."""

from __future__ import annotations

from cxspec_dbt.models import row_model_name

def cell(text: str) -> str:
    return str(text).replace("|", "\\|").replace("\n", " ")


def readme(project, registry, package: str, dialect: str, models, semantic) -> str:
    lines = [
        f"# {package}: cxspec project {project.config.project} as a dbt package",
        "",
        "Written by `cxspec export --to dbt`; do not edit, re-export. Generated from the specs of",
        f"cxspec project `{project.config.project}` (grain {project.config.grain}, SQL dialect {dialect}).",
        "",
        "## Run it",
        "",
    ]
    if dialect == "duckdb":
        lines += [
            "With dbt-duckdb, which reads the data files itself:",
            "",
            "```sh",
            "cp profiles.example.yml profiles.yml   # a DuckDB file; the session runs in UTC",
            "dbt build --profiles-dir .            # models and their tests",
        ]
    else:
        lines += [
            f"With the dbt adapter of your {dialect} warehouse: a profile named `{package}` whose",
            "session runs in UTC, the `table` sources in place, and each file source loaded into its",
            "table of source `cxspec_files` (see `models/sources.yml`). Then:",
            "",
            "```sh",
            "dbt build                             # models and their tests",
        ]
    lines += [
        "mf validate-configs                   # MetricFlow (dbt-metricflow)",
        "mf query --metrics <metric> --group-by metric_time__month",
        "```",
        "",
        "## Models",
        "",
        "| model | what it holds |",
        "|---|---|",
    ]
    for model in models:
        lines.append(
            f"| `{model.name}` | cxspec query `{model.query.name}`: {len(model.query.metrics)} metric(s) "
            f"from {', '.join(model.query.sources)}, one row per metric and period: "
            "the SQL `cxspec compile` writes |"
        )
    for source in semantic.sources:
        lines.append(f"| `{row_model_name(source)}` | rows of source `{source.id}` for MetricFlow |")
    lines += [
        "| `metricflow_time_spine` | one row per day, MetricFlow's time spine |",
        "",
        "`models/metrics/schema.yml` describes every column, carries each metric's definition and",
        "owners (`owner`: accountable, `tracked_by`: responsible) in `meta`, and tests: `metric` and",
        "`period` not null, `metric` among the query's metrics, `value` within each metric's natural",
        "range (NPS −100…100, percentages 0…100, means on their scale) and `n`, `invalid` ≥ 0, with",
        "the package's own `cxspec_value_between` test (no dbt_utils needed).",
        "",
        "## Semantic layer (MetricFlow)",
        "",
        "One semantic model per source. A metric's filter and touch-point match are inside its",
        "measures (`CASE WHEN … THEN … END`): MetricFlow filters can only name declared dimensions,",
        "cxspec filters are SQL over any column. Periods are UTC days rolled up by MetricFlow.",
        "",
        "| cxspec metric | type | MetricFlow metric | how |",
        "|---|---|---|---|",
    ]
    for metric_id in sorted(semantic.exported):
        metric = project.metrics[metric_id]
        how = semantic.how.get(metric_id, "")
        lines.append(f"| `{metric_id}` | {metric.type} | `{semantic.exported[metric_id]}` | {cell(how)} |")
    lines += ["", "### Not in the semantic layer", ""]
    if semantic.skipped:
        for metric_id, reason in sorted(semantic.skipped.items()):
            lines.append(
                f"- `{metric_id}` ({project.metrics[metric_id].type}): {reason}. "
                "Its values are in the metric models."
            )
    else:
        lines.append("Every metric is in the semantic layer.")
    lines += [
        "",
        "## Limits",
        "",
        "- Margins of error, `min_sample` status, goals and pyramids stay in cxspec (`cxspec run`);",
        "  goals are in each metric's `meta`.",
        "- The metric models compute the project grain; MetricFlow metrics can be asked at any grain.",
        "- File sources are read by dbt-duckdb from paths relative to this folder: export again after",
        "  moving it.",
        "",
    ]
    return "\n".join(lines)
