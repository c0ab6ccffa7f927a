"""Typed reads of one field of schema-checked YAML: a value of the wrong type (which the
schema has reported already) reads as the default, so building the model never fails."""

from __future__ import annotations


def str_field(raw, name, default=None):
    value = raw.get(name, default) if isinstance(raw, dict) else default
    return value if isinstance(value, str) else default


def num_field(raw, name, default=None):
    value = raw.get(name, default) if isinstance(raw, dict) else default
    return value if isinstance(value, (int, float)) and not isinstance(value, bool) else default


def int_field(raw, name):
    value = raw.get(name) if isinstance(raw, dict) else None
    return value if isinstance(value, int) and not isinstance(value, bool) else None


def pair_field(raw, name):
    """`[low, high]` as two floats, or None."""
    value = raw.get(name) if isinstance(raw, dict) else None
    if (
        isinstance(value, list)
        and len(value) == 2
        and all(isinstance(v, (int, float)) and not isinstance(v, bool) for v in value)
    ):
        return (float(value[0]), float(value[1]))
    return None
