"""Where a value stands in a spec file: the one lookup from loaded YAML to `file:line:col`."""

from __future__ import annotations

from cxspec.diagnostics import Location
from cxspec.yamlread import YamlMap, YamlSeq


def locate(file: str, container, field_name=None, *, key: bool = False) -> Location:
    """Where `container[field_name]` stands (its key with `key=True`), or the container itself.

    A field the container does not hold points at the container, so that a check can always
    name a place, even for a value the user left out.
    """
    if field_name is None or not isinstance(container, (YamlMap, YamlSeq)):
        pos = getattr(container, "pos", (1, 1))
    elif isinstance(container, YamlMap):
        positions = container.key_pos if key else container.value_pos
        pos = positions.get(field_name, container.pos)
    else:
        pos = container.value_pos[field_name] if field_name < len(container.value_pos) else container.pos
    return Location(file, pos[0], pos[1])


def locate_path(file: str, root, path, *, key: bool = False) -> Location:
    """Where the value at `path` (keys and indexes from `root`) stands, as jsonschema reports it."""
    container = root
    path = list(path)
    for part in path[:-1]:
        container = container[part]
    return locate(file, container, path[-1] if path else None, key=key)
