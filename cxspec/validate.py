"""Load and check a whole project: every problem of every file in one pass."""

from __future__ import annotations

import os
from collections.abc import Sequence
from dataclasses import dataclass, replace
from pathlib import Path

from cxspec.build import add_file, apply_source_defaults, build_config
from cxspec.check_context import Phase
from cxspec.checks import run_checks
from cxspec.data_roots import operator_roots
from cxspec.diagnostics import Diagnostic, DiagnosticSink, Location, has_errors, sort_diagnostics
from cxspec.fragment_uses import column_uses
from cxspec.gcpause import paused_gc
from cxspec.model import Project
from cxspec.project_files import CONFIG_FILE, MAX_SPEC_FILES, NotAProject, find_root, spec_files
from cxspec.registry import Registry
from cxspec.schema_check import SpecValidator
from cxspec.yamlread import YamlMap, YamlReadError, load_bytes


@dataclass
class Validation:
    """The project loaded (when it could be) and the diagnostics."""

    project: Project | None
    diagnostics: list[Diagnostic]
    #: The project folder, when one was found.
    root: Path | None = None

    @property
    def ok(self) -> bool:
        return self.project is not None and not has_errors(self.diagnostics)


_validators: dict[int, tuple[Registry, SpecValidator]] = {}


def spec_validator(registry: Registry) -> SpecValidator:
    """Compiled validators, built once per registry (kept with it: a new registry built after
    another was freed can reuse its id, and must not get its validator)."""
    cached = _validators.get(id(registry))
    if cached is None or cached[0] is not registry:
        cached = _validators[id(registry)] = (registry, SpecValidator(registry))
    return cached[1]


#: What read_yaml returns for a file it could not read (None is an empty document).
UNREADABLE = object()


def read_yaml(root: Path, file: str, sink: DiagnosticSink):
    """The file's data, or UNREADABLE after reporting why it could not be read."""
    try:
        raw = (root / file).read_bytes()
    except OSError as exc:
        sink.add("CX001", f"cannot read the file: {exc.strerror or exc}", Location(file))
        return UNREADABLE
    try:
        document = load_bytes(raw)
    except YamlReadError as exc:
        _report(sink, file, exc.problems)
        return UNREADABLE
    _report(sink, file, document.problems)
    return document.data


def _report(sink: DiagnosticSink, file: str, problems) -> None:
    for problem in problems:
        where = Location(file, problem.line, problem.column)
        sink.add(problem.code, problem.message, where, hint=problem.hint)


def validate_project(
    path: str | os.PathLike,
    registry: Registry,
    *,
    phase: Phase = "validate",
    data_roots: Sequence[Path] | None = None,
) -> Validation:
    """Load and check the project at `path` with the types and rules of `registry`.

    `phase` is passed to the checks: what the caller goes on to do (see CheckContext).
    `data_roots`: folders outside the project that file sources may read (resolved, see
    cxspec/data_roots.py); None reads them from CXSPEC_DATA_ROOTS.
    """
    if data_roots is None:
        data_roots = operator_roots()
    # The loaded tree is many small containers that live until the end: cyclic garbage
    # collection passes over them find nothing to free.
    with paused_gc():
        return _validate(path, registry, phase, tuple(data_roots))


def _validate(path, registry: Registry, phase: Phase, data_roots: tuple[Path, ...] = ()) -> Validation:
    sink = DiagnosticSink()
    try:
        root = find_root(path)
    except NotAProject as exc:
        sink.add(
            "CX009",
            str(exc),
            Location(str(path)),
            hint=f"a project is a folder with {CONFIG_FILE}; `cxspec init DIR` creates one",
        )
        return Validation(None, sink.items)
    validator = spec_validator(registry)

    config_data = read_yaml(root, CONFIG_FILE, sink)
    if config_data is UNREADABLE:
        return Validation(None, sort_diagnostics(sink.items), root)
    validator.check_project_file(config_data, CONFIG_FILE, sink)
    if not isinstance(config_data, YamlMap):
        return Validation(None, sort_diagnostics(sink.items), root)
    config = build_config(config_data, CONFIG_FILE, fallback_id=root.resolve().name.lower())
    project = Project(root=root, config=config, data_roots=data_roots)

    files = spec_files(root, config.paths, config.output)
    if len(files) > MAX_SPEC_FILES:
        sink.add(
            "CX012",
            f"more than {MAX_SPEC_FILES:,} spec files",
            Location(CONFIG_FILE),
            hint="narrow the search with `paths:` in cxspec.yaml",
        )
        return Validation(None, sort_diagnostics(sink.items), root)
    project.files = files
    unreadable = []
    for file in files:
        data = read_yaml(root, file, sink)
        if data is UNREADABLE:
            unreadable.append(file)
            continue
        if data is None:
            sink.add(
                "CX013",
                "the file is empty",
                Location(file),
                hint="add `version: 1` and a section, or delete it",
            )
            continue
        result = validator.check_spec_file(data, file, sink)
        if "*" not in result.invalid:
            add_file(project, file, data, result.invalid, sink)

    apply_source_defaults(project, registry)
    project.column_uses = column_uses(project, registry)
    run_checks(project, registry, sink, phase)
    items = _unread_in_hints(sink.items, unreadable)
    return Validation(project, sort_diagnostics(items), root)


def _unread_in_hints(items: list, unreadable: list[str]) -> list:
    """An unknown reference (CX202) may be an id that a file which could not be read defines:
    its hint says so, so that a syntax error in metrics/b.yaml is not read as five unknown
    metrics in goals.yaml (listed before it). Every problem is still reported."""
    if not unreadable:
        return items
    shown = ", ".join(unreadable[:3]) + (f" and {len(unreadable) - 3} more" if len(unreadable) > 3 else "")
    note = f"{shown} could not be read (see its error) and may define it"
    return [
        replace(d, hint=f"{d.hint}; {note}" if d.hint else note) if d.code == "CX202" else d for d in items
    ]
