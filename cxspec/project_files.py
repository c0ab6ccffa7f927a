"""Find a project's files: cxspec.yaml and the spec files below it."""

from __future__ import annotations

import os
from pathlib import Path

CONFIG_FILE = "cxspec.yaml"
SPEC_SUFFIXES = (".yaml", ".yml")
#: Most spec files one project may hold.
MAX_SPEC_FILES = 20_000


class NotAProject(Exception):
    pass


def find_root(path: str | os.PathLike) -> Path:
    """The project folder for a path: the folder itself or the folder of its cxspec.yaml."""
    given = Path(path)
    if given.is_file() and given.name == CONFIG_FILE:
        return given.parent
    if not given.exists():
        raise NotAProject(f"{given} does not exist")
    if not given.is_dir():
        raise NotAProject(f"{given} is not a folder")
    if not (given / CONFIG_FILE).is_file():
        raise NotAProject(f"no {CONFIG_FILE} in {given}")
    return given


def spec_files(root: Path, paths: list[str] | None, output: str | None) -> list[str]:
    """Spec files as POSIX paths relative to the root, sorted; hidden and output folders skipped.

    Symbolic links are not followed: a spec file is a regular file inside the project.
    """
    root = root.resolve()
    excluded = (root / output).resolve() if output else None
    starts = [root / p for p in paths] if paths else [root]
    found: set[str] = set()
    for start in starts:
        start = start.resolve()
        if not start.is_relative_to(root) or not start.is_dir():
            continue
        for folder, dirnames, filenames in os.walk(start):
            here = Path(folder)
            dirnames[:] = sorted(
                d
                for d in dirnames
                if not d.startswith(".")
                and not (here / d).is_symlink()
                and (excluded is None or (here / d) != excluded)
                and d not in ("__pycache__", "node_modules")
            )
            for name in filenames:
                if name.startswith(".") or not name.endswith(SPEC_SUFFIXES):
                    continue
                full = here / name
                if full.is_symlink() or (here == root and name == CONFIG_FILE):
                    continue
                found.add(full.relative_to(root).as_posix())
                if len(found) > MAX_SPEC_FILES:
                    return sorted(found)
    return sorted(found)
