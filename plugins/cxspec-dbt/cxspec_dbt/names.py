"""Names that dbt and MetricFlow accept, made from cxspec ids."""

from __future__ import annotations

import re

from cxspec import CxspecError


def dbt_name(text: str) -> str:
    """Lower case letters, digits and single underscores, starting with a letter, not ending in
    an underscore: what MetricFlow requires of every name (``^[a-z][a-z0-9_]*[a-z0-9]$``, no
    ``__``) and what dbt accepts for models and sources."""
    name = re.sub(r"[^a-z0-9]+", "_", text.lower())
    name = re.sub(r"_+", "_", name).strip("_")
    if not name or not name[0].isalpha():
        name = f"x_{name}" if name else "x"
    return name


def claim(taken: dict[str, str], name: str, owner: str) -> str:
    """Register ``name`` for ``owner`` (what it was made from); two owners, one name is an error."""
    first = taken.setdefault(name, owner)
    if first != owner:
        raise CxspecError(
            f"dbt export: {owner!r} and {first!r} both become {name!r} in dbt/MetricFlow names; "
            "rename one of them"
        )
    return name
