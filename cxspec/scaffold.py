"""`cxspec init`: copy the starter project (cxspec/starter/) into a folder."""

from __future__ import annotations

from importlib import resources
from pathlib import Path
from typing import TYPE_CHECKING

from cxspec.diagnostics import CxspecError
from cxspec.project_files import CONFIG_FILE
from cxspec.safe_write import write_file

if TYPE_CHECKING:
    from cxspec.registry import Registry


def _files(node, prefix=""):
    for child in sorted(node.iterdir(), key=lambda c: c.name):
        if child.name.startswith((".", "__")):
            continue
        if child.is_dir():
            yield from _files(child, f"{prefix}{child.name}/")
        else:
            yield f"{prefix}{child.name}", child


def write_starter(target: Path, registry: Registry, *, force: bool = False) -> list[Path]:
    """Copy the starter into `target`, with the JSON Schemas of `registry`'s types for editors."""
    if (target / CONFIG_FILE).exists() and not force:
        raise CxspecError(f"{target / CONFIG_FILE} already exists (use --force to overwrite)")
    if target.exists() and not target.is_dir():
        raise CxspecError(f"{target} is not a folder")
    starter = resources.files("cxspec") / "starter"
    written = []
    for relative, source in _files(starter):
        text = source.read_text(encoding="utf-8")
        if relative == CONFIG_FILE:
            text = text.replace("project: starter", f"project: {_project_id(target)}")
        written.append(write_file(target, relative, text))
    written += _write_schemas(target / "schemas", registry)
    return written


def _write_schemas(folder: Path, registry: Registry) -> list[Path]:
    """The composed schemas, for editors (the starter's files point at them)."""
    from cxspec.schema import SCHEMA_FILES, project_schema, render, spec_schema

    documents = {"spec": spec_schema(registry), "project": project_schema()}
    return [write_file(folder, filename, render(documents[name])) for name, filename in SCHEMA_FILES.items()]


def _project_id(target: Path) -> str:
    import re

    name = re.sub(r"[^a-z0-9_-]+", "-", target.resolve().name.lower()).strip("-_")
    return name if name and name[0].isalpha() else "starter"
