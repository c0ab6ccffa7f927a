"""`exp`: sqlglot's expression classes, imported on their first use.

`cxspec validate` on a project without SQL fragments builds no SQL, and importing sqlglot
(its expressions, its dialects, importlib.metadata) was ~40% of that command's start-up. The
modules that build SQL import `LAZY_EXP as exp`: before sqlglot is imported, a stand-in whose
first attribute read imports it and rebinds `exp` to `sqlglot.exp` in every loaded module
that held the stand-in, so later reads cost what they did before; once sqlglot is imported,
`LAZY_EXP` is `sqlglot.exp` itself. Plugins import sqlglot themselves (the public API is
`cxspec`'s): in a function that builds SQL, or under `TYPE_CHECKING` for annotations.
"""

from __future__ import annotations

import sys
from typing import Any


class _LazyExp:
    """Stands for `sqlglot.exp` until something reads from it."""

    __slots__ = ()

    def __getattr__(self, name: str) -> Any:
        from sqlglot import exp

        if not _rebound:
            _rebound.append(True)
            for module in list(sys.modules.values()):
                namespace = getattr(module, "__dict__", None)
                if namespace is not None and namespace.get("exp") is self:
                    namespace["exp"] = exp
        return getattr(exp, name)

    def __repr__(self) -> str:
        return "<sqlglot.exp, not imported yet>"


_STAND_IN = _LazyExp()
_rebound: list[bool] = []


def __getattr__(name: str) -> Any:
    """`LAZY_EXP`: the stand-in, or `sqlglot.exp` when sqlglot is already imported."""
    if name != "LAZY_EXP":
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    real = sys.modules.get("sqlglot.expressions")
    return real if real is not None and "sqlglot" in sys.modules else _STAND_IN
