"""Installed entry points of one group, found the way importlib.metadata finds them, cheaply.

`importlib.metadata.entry_points()` reads every installed distribution's entry_points.txt and
parses each one's METADATA as an e-mail message: ~30 ms with 150 distributions, on every
command (benchmarks/README.md, "Start-up"). This reads the same files, keeps the
distributions that have the group, and reads only their Name and Version headers. What
importlib.metadata would find otherwise (a zip on sys.path, a custom distribution finder) makes
it fall back to importlib.metadata itself.

Semantics kept: sys.path order, one distribution per normalised name (the first found), and
entry points as ``name = module[:attr]`` lines under ``[group]``.
"""

from __future__ import annotations

import importlib
import os
import re
import sys
from dataclasses import dataclass


@dataclass(frozen=True)
class Distribution:
    """The distribution that installs an entry point."""

    #: Name and Version as METADATA says (what `cxspec plugins` shows).
    name: str | None
    version: str | None

    @property
    def metadata(self) -> dict:
        return {"Name": self.name}


@dataclass(frozen=True)
class EntryPoint:
    """One entry point: its name, what it loads, its group."""

    name: str
    value: str
    group: str
    dist: Distribution | None = None

    def load(self):
        module, _, attributes = self.value.partition(":")
        found = importlib.import_module(module.strip())
        for attribute in filter(None, attributes.strip().split(".")):
            found = getattr(found, attribute)
        return found


def entry_points(*, group: str) -> list:
    """The entry points of `group` of the installed distributions."""
    if not _plain_paths():
        from importlib import metadata

        return list(metadata.entry_points(group=group))
    found, seen = [], set()
    for folder in sys.path:
        for info in _distributions(folder or "."):
            key = _normalised(_name_of(os.path.basename(info)))
            if key in seen:
                continue
            seen.add(key)
            points = _group(_read(os.path.join(info, "entry_points.txt")), group)
            if points:
                dist = _distribution(info)
                found += [EntryPoint(name, value, group, dist) for name, value in points]
    return found


def _plain_paths() -> bool:
    """Only folders (or missing paths) on sys.path and only the standard distribution finder."""
    for finder in sys.meta_path:
        if hasattr(finder, "find_distributions") and finder is not _path_finder():
            return False
    return not any(entry and os.path.isfile(entry) for entry in sys.path)


def _path_finder():
    from importlib.machinery import PathFinder

    return PathFinder


def _distributions(folder: str) -> list[str]:
    try:
        with os.scandir(folder) as entries:
            return sorted(
                e.path for e in entries if e.name.endswith((".dist-info", ".egg-info")) and e.is_dir()
            )
    except OSError:  # missing, not a folder, not readable: importlib.metadata finds nothing there
        return []


def _name_of(folder_name: str) -> str:
    stem = folder_name.rpartition(".")[0]
    return stem.partition("-")[0]


def _normalised(name: str) -> str:
    return re.sub(r"[-_.]+", "_", name).lower()


def _read(path: str) -> str:
    try:
        with open(path, encoding="utf-8") as file:
            return file.read()
    except (OSError, UnicodeDecodeError):
        return ""


def _group(text: str, group: str) -> list[tuple[str, str]]:
    """``name = value`` pairs under ``[group]`` (comments and blank lines skipped)."""
    points, current = [], None
    for raw in text.splitlines():
        line = raw.strip()
        if not line or line.startswith(("#", ";")):
            continue
        if line.startswith("[") and line.endswith("]"):
            current = line[1:-1].strip()
            continue
        if current == group and "=" in line:
            name, _, value = line.partition("=")
            points.append((name.strip(), value.strip()))
    return points


def _distribution(info: str) -> Distribution:
    """Name and Version from the headers of METADATA (PKG-INFO for an egg-info)."""
    headers = {}
    for filename in ("METADATA", "PKG-INFO"):
        text = _read(os.path.join(info, filename))
        if text:
            for line in text.splitlines():
                if not line.strip():
                    break  # the headers end at the first blank line
                key, _, value = line.partition(":")
                if key in ("Name", "Version") and key not in headers:
                    headers[key] = value.strip()
            break
    return Distribution(headers.get("Name"), headers.get("Version"))
