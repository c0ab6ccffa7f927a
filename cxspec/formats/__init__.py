"""Renderers of diagnostics: text, json, github, junit, sarif."""

from __future__ import annotations

import importlib
from dataclasses import dataclass
from pathlib import Path

from cxspec.diagnostics import Severity


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
    #: Code → cxspec.codes.Code for codes outside the validation catalogue (lint rules).
    codes: dict | None = None
    #: The page that documents the codes, for SARIF's rule help.
    docs_page: str = "docs/validation-codes.md"
    #: Severities that fail the run (errors; warnings too with --strict), so that a JUnit
    #: report fails exactly the files that make the command exit 1.
    failing: frozenset = frozenset({Severity.ERROR})


#: Format name → the module whose `render` writes it, imported when used (junit's XML and
#: sarif are not for every `cxspec validate` to load).
FORMATS = {
    "text": "cxspec.formats.text",
    "json": "cxspec.formats.json_format",
    "github": "cxspec.formats.github",
    "junit": "cxspec.formats.junit",
    "sarif": "cxspec.formats.sarif",
}


def render(name: str, diagnostics, context: RenderContext) -> str:
    return importlib.import_module(FORMATS[name]).render(diagnostics, context)
