"""`cxspec export --to dbt`: write a dbt package with MetricFlow semantic models."""

from __future__ import annotations

import re
import sys
from importlib import resources
from pathlib import Path

from cxspec import CxspecError, through_link, write_file

from cxspec_dbt.models import TIME_SPINE, TIME_SPINE_SQL, query_models, row_model_name, row_model_sql
from cxspec_dbt.names import dbt_name
from cxspec_dbt.output import DbtExport  # noqa: F401 - where it was, for importers
from cxspec_dbt.properties import model_properties
from cxspec_dbt.readme import readme
from cxspec_dbt.semantic import build_semantic
from cxspec_dbt.sources import sources_document
from cxspec_dbt.yamlout import dump

HEADER = "# Written by `cxspec export --to dbt`: do not edit, re-export.\n"
#: Folders whose generated files a new export replaces (a metric removed leaves no model behind).
GENERATED = ("models/metrics", "models/semantic")
TIME_SPINE_RANGE = ("2000-01-01", "2041-01-01")
TIME_SPINE_PATH = f"models/semantic/{TIME_SPINE}.sql"


def check_out_dir(project, out_dir: Path) -> None:
    """Refuse a folder where cxspec would read the package's YAML files as spec files."""
    root, out = project.root.resolve(), out_dir.resolve()
    if not out.is_relative_to(root):
        return
    parts = out.relative_to(root).parts
    output = project.config.output
    searched = [(root / p).resolve() for p in project.config.paths or ["."]]
    if (
        (output and out.is_relative_to((root / output).resolve()))
        or any(part.startswith(".") for part in parts)
        or not any(out.is_relative_to(folder) for folder in searched)
    ):
        return
    raise CxspecError(
        f"--out {out_dir} lies inside project {project.root}, where its YAML files would be read as "
        f"spec files; export into {output or 'cxspec-out'}/dbt or outside the project"
    )


def build_files(project, registry, out_dir: Path, dialect: str) -> dict[str, str]:
    """Every file of the package, by its path relative to `out_dir`."""
    package = f"{dbt_name(project.config.project)}_cxspec"
    grain = project.config.grain
    taken: dict[str, str] = {}
    models = query_models(project, registry, dialect, taken)
    semantic = build_semantic(project, registry, dialect, row_model_name)
    for metric_id, reason in sorted(semantic.skipped.items()):
        print(f"cxspec export --to dbt: {metric_id} not in the semantic layer: {reason}", file=sys.stderr)

    files: dict[str, str] = {}
    files["dbt_project.yml"] = HEADER + dump(project_document(package, dialect))
    if dialect == "duckdb":
        files["profiles.example.yml"] = HEADER + dump(profile_example(package))
    files["macros/cxspec_value_between.sql"] = (
        resources.files("cxspec_dbt").joinpath("assets/cxspec_value_between.sql").read_text(encoding="utf-8")
    )
    read_sources = {s for m in models for s in m.query.sources} | {s.id for s in semantic.sources}
    # and the sources their lookup dimensions join (the row models read them too)
    read_sources |= {d.lookup for s in list(read_sources) for d in project.sources[s].dimensions if d.lookup}
    sources = [project.sources[s] for s in sorted(read_sources)]
    files["models/sources.yml"] = HEADER + dump(
        sources_document(project, registry, sources, project.root, out_dir, dialect)
    )
    for model in models:
        files[f"models/metrics/{model.name}.sql"] = model.sql
    files["models/metrics/schema.yml"] = HEADER + dump(
        {"version": 2, "models": [model_properties(project, registry, m, grain, dialect) for m in models]}
    )
    for source in semantic.sources:
        taken_name = row_model_name(source)
        if taken_name in taken:
            raise CxspecError(f"dbt export: model name {taken_name!r} is used twice")
        taken[taken_name] = source.id
        files[f"models/semantic/{taken_name}.sql"] = row_model_sql(project, source, dialect, registry)
    files[TIME_SPINE_PATH] = TIME_SPINE_SQL
    files["models/semantic/semantic_models.yml"] = HEADER + dump(
        {
            "version": 2,
            "models": semantic_model_properties(semantic.sources),
            "semantic_models": semantic.semantic_models,
            "metrics": semantic.metrics,
        }
    )
    files["README.md"] = readme(project, registry, package, dialect, models, semantic)
    check_no_jinja(files)
    return files


def project_document(package: str, dialect: str) -> dict:
    return {
        "name": package,
        "version": "1.0.0",
        "config-version": 2,
        "profile": package,
        "require-dbt-version": [">=1.9.0", "<2.0.0"],
        "model-paths": ["models"],
        "macro-paths": ["macros"],
        "vars": {
            "cxspec_time_spine_start": TIME_SPINE_RANGE[0],
            "cxspec_time_spine_end": TIME_SPINE_RANGE[1],
        },
        "models": {
            package: {
                "+meta": {"cxspec_dialect": dialect},
                "metrics": {"+materialized": "table"},
                "semantic": {"+materialized": "view"},
            }
        },
    }


def profile_example(package: str) -> dict:
    """A DuckDB profile; cxspec periods are UTC, and so must the session be."""
    return {
        package: {
            "target": "dev",
            "outputs": {
                "dev": {
                    "type": "duckdb",
                    "path": f"{package}.duckdb",
                    "threads": 1,
                    "settings": {"TimeZone": "UTC"},
                }
            },
        }
    }


def semantic_model_properties(sources: list) -> list[dict]:
    models = [
        {
            "name": row_model_name(source),
            "description": (
                f"Rows of cxspec source {source.id} as cxspec counts them: its filter, de-duplication by "
                "key, rows without an event time dropped; __period is the UTC day, __dim_<name> each "
                "dimension. MetricFlow's semantic model of the source reads it."
            ),
        }
        for source in sources
    ]
    models.append(
        {
            "name": TIME_SPINE,
            "description": "MetricFlow's time spine: one row per day.",
            "time_spine": {"standard_granularity_column": "date_day"},
            "columns": [{"name": "date_day", "granularity": "day", "data_tests": ["not_null", "unique"]}],
        }
    )
    return models


#: The source() calls the exporter writes itself; any other Jinja delimiter in a model came
#: from a spec's SQL fragment, and dbt would execute it.
SOURCE_CALL = re.compile(r"\{\{ source\('[^'{}]*', '[^'{}]*'\) \}\}")
JINJA = re.compile(r"\{[{%#]")


def check_no_jinja(files: dict[str, str]) -> None:
    models = [
        r for r in sorted(files) if r.startswith(GENERATED) and r.endswith(".sql") and r != TIME_SPINE_PATH
    ]
    for relative in models:
        if JINJA.search(SOURCE_CALL.sub("", files[relative])):
            raise CxspecError(
                f"dbt export: {relative} would hold a Jinja delimiter ({{{{, {{% or {{#) from a spec's SQL "
                "fragment, which dbt would run as a template; write the fragment without it"
            )


def write(out_dir: Path, files: dict[str, str]) -> list[Path]:
    for folder in GENERATED:
        stale = out_dir / folder
        if stale.is_dir() and not through_link(out_dir, folder):  # a link elsewhere is not ours
            for path in sorted(stale.iterdir()):
                if path.is_file() and path.relative_to(out_dir).as_posix() not in files:
                    path.unlink()
    written = []
    for relative in sorted(files):
        written.append(write_file(out_dir, relative, files[relative]))
    return written
