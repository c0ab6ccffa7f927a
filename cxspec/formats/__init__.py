"""Renderers of diagnostics: text, json, github, junit, sarif."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from cxspec.formats import github, json_format, junit, sarif, text


@dataclass
class RenderContext:
    #: The project root, to quote source lines; None when unknown.
    root: Path | None
    #: The command that produced the diagnostics ("validate", "lint").
    command: str = "validate"
    #: Spec files that were checked (for summaries and JUnit test cases).
    files: tuple[str, ...] = ()
    color: bool = False
    #: Prefix that turns project-relative paths into paths relative to the working folder.
    path_prefix: str = ""


FORMATS = {
    "text": text.render,
    "json": json_format.render,
    "github": github.render,
    "junit": junit.render,
    "sarif": sarif.render,
}


def render(name: str, diagnostics, context: RenderContext) -> str:
    return FORMATS[name](diagnostics, context)
