"""The project's warehouse URL names a scheme some installed plugin serves (CX108).

A warning, not an error: validating and compiling do not connect, so a project whose
warehouse needs a plugin (spark://) still validates on a machine without it.
"""

from __future__ import annotations

from cxspec.known_plugins import install_hint
from cxspec.warehouse import redact, scheme_of


def check(ctx) -> None:
    project, registry, sink = ctx.project, ctx.registry, ctx.sink
    config = project.config
    if "warehouse" not in config.raw or not isinstance(config.raw["warehouse"], str):
        return
    scheme = scheme_of(config.warehouse)
    if scheme in registry.warehouses:
        return
    known = ", ".join(f"{s}://" for s in sorted(registry.warehouses))
    sink.add(
        "CX108",
        f"no installed warehouse serves {redact(config.warehouse)!r}"
        if scheme
        else f"warehouse {redact(config.warehouse)!r} is not a URL (scheme://…)",
        config.loc("warehouse"),
        hint=install_hint("warehouse", scheme, registry) or f"installed: {known}",
        span=len(config.warehouse),
    )
