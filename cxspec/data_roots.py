"""Folders outside the project that file sources may read: the operator's data roots.

File sources read inside the project folder. Whoever runs cxspec may allow more folders with
`--data-root DIR` (repeatable) or `CXSPEC_DATA_ROOTS` (a path list, os.pathsep-separated);
both add up. Nothing in a spec can add a root: the roots come from the command line and the
environment only, so a project checked out from elsewhere reads nothing the operator did not
allow. A path is judged by where it resolves (symbolic links followed), never by how it is
written.
"""

from __future__ import annotations

import os
from collections.abc import Iterable, Mapping
from pathlib import Path

from cxspec.diagnostics import CxspecError

#: The environment variable that lists data roots.
ENV_VAR = "CXSPEC_DATA_ROOTS"


class DataRootError(CxspecError):
    """A data root the operator named is not a folder."""


def from_environment(environ: Mapping[str, str] | None = None) -> list[str]:
    """The entries of CXSPEC_DATA_ROOTS, empty ones left out (`a::b`, a trailing separator)."""
    text = (os.environ if environ is None else environ).get(ENV_VAR, "")
    return [entry for entry in text.split(os.pathsep) if entry.strip()]


def resolve_roots(given: Iterable[str | os.PathLike], origin: str) -> tuple[Path, ...]:
    """Each root as an absolute folder with its links resolved, in order, without repeats.

    A root that is not an existing folder is refused: a typo would otherwise leave the
    operator wondering why a file is refused. `origin` names where the roots came from.
    """
    roots: list[Path] = []
    for entry in given:
        path = Path(os.path.expanduser(os.fspath(entry)))
        if not path.is_dir():
            raise DataRootError(f"{origin} {os.fspath(entry)!r} is not a folder")
        resolved = path.resolve()
        if resolved not in roots:
            roots.append(resolved)
    return tuple(roots)


def operator_roots(
    option_values: Iterable[str | os.PathLike] = (), environ: Mapping[str, str] | None = None
) -> tuple[Path, ...]:
    """The data roots of this process: `--data-root` values, then CXSPEC_DATA_ROOTS."""
    given = resolve_roots(option_values, "--data-root")
    from_env = resolve_roots(from_environment(environ), ENV_VAR)
    return given + tuple(root for root in from_env if root not in given)


def allowed_folders(project_root: Path, roots: Iterable[Path]) -> tuple[Path, ...]:
    """Where file sources may read: the project folder, then the data roots."""
    return (project_root.resolve(), *roots)


def inside(path: Path, folders: Iterable[Path]) -> bool:
    return any(path.is_relative_to(folder) for folder in folders)


def lexically_inside(project_root: Path, written: str, folders: Iterable[Path]) -> bool:
    """Whether the path as written (`..` taken literally, no links followed) stays inside."""
    spelled = Path(os.path.normpath(Path(os.path.abspath(project_root)) / written))
    unresolved = (Path(os.path.abspath(project_root)), *folders)
    return inside(spelled, unresolved)
