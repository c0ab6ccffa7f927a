"""`cxspec plugins`: the plugins installed, their versions, what each registers, which are broken."""

from __future__ import annotations

import json

import click

#: Registry attribute → the kind name used in `provided_by` and the label shown.
SECTIONS = (
    ("metric_types", "metric type", "metric types"),
    ("source_types", "source type", "source types"),
    ("warehouses", "warehouse", "warehouses"),
    ("outputs", "output", "outputs"),
    ("lint_rules", "lint rule", "lint rules"),
)


def registrations(registry, plugin_name: str) -> dict[str, list]:
    """What one plugin registers, as sorted lists (empty sections left out)."""
    found: dict[str, list] = {}
    for attribute, kind, _ in SECTIONS:
        names = sorted(
            name for (k, name), p in registry.provided_by.items() if k == kind and p == plugin_name
        )
        if not names:
            continue
        if attribute == "metric_types" or attribute == "source_types":
            found[attribute] = names
        elif attribute == "warehouses":
            by_class: dict[str, list[str]] = {}
            for scheme in names:
                by_class.setdefault(registry.warehouses[scheme].name, []).append(scheme)
            found[attribute] = [{"name": n, "schemes": s} for n, s in sorted(by_class.items())]
        elif attribute == "outputs":
            found[attribute] = [
                {"name": n, "kind": registry.outputs[n].kind, "file_name": registry.outputs[n].file_name}
                for n in names
            ]
        else:
            rules = [registry.lint_rules[n] for n in names]
            found[attribute] = [{"code": r.code, "name": r.name} for r in sorted(rules, key=lambda r: r.code)]
    functions = registry.sql_functions_by_plugin.get(plugin_name)
    if functions:
        found["sql_functions"] = sorted(set(functions))
    return found


def status_of(info) -> str:
    return "broken" if info.broken else "disabled" if info.disabled else "ok"


def as_data(registry) -> dict:
    from cxspec.version import __version__

    plugins = []
    for name, info in registry.plugins.items():
        plugins.append(
            {
                "name": name,
                "module": info.module,
                "distribution": info.distribution,
                "version": info.version,
                "builtin": info.builtin,
                "status": status_of(info),
                "reason": info.broken,
                "registers": registrations(registry, name),
            }
        )
    return {"cxspec": __version__, "plugins": plugins, "conflicts": list(registry.conflicts)}


def _words(item, attribute: str) -> str:
    if attribute == "warehouses":
        return f"{item['name']} ({', '.join(s + '://' for s in item['schemes'])})"
    if attribute == "outputs":
        where = f" → {item['file_name']}" if item["file_name"] else ""
        return f"{item['name']} ({item['kind']}{where})"
    if attribute == "lint_rules":
        return f"{item['code']} {item['name']}"
    return str(item)


#: Longer lists of SQL functions are counted, not listed, in text (the built-in allow-list).
LONG_LIST = 20
WIDTH = 100


def _wrap(first: str, words: list[str]) -> list[str]:
    """Comma-separated words on lines of at most WIDTH characters, never splitting a word."""
    lines, line = [], first
    for index, word in enumerate(words):
        piece = word + ("," if index < len(words) - 1 else "")
        if line.strip() and len(line) + 1 + len(piece) > WIDTH and not line.endswith(": "):
            lines.append(line)
            line = "    " + piece
        else:
            line += ("" if line.endswith(": ") else " ") + piece
    return [*lines, line]


def as_text(data: dict) -> str:
    labels = {attribute: label for attribute, _, label in SECTIONS} | {"sql_functions": "SQL functions"}
    lines = []
    for plugin in data["plugins"]:
        where = (
            f"{plugin['distribution']} {plugin['version'] or ''}".strip() if plugin["distribution"] else ""
        )
        origin = "built-in" if plugin["builtin"] else f"module {plugin['module']}"
        status = {"ok": "", "broken": "  BROKEN", "disabled": "  disabled (CXSPEC_DISABLE_PLUGINS)"}
        lines.append(f"{plugin['name']}  {where}  {origin}{status[plugin['status']]}".replace("    ", "  "))
        if plugin["reason"]:
            lines.append(f"  {plugin['reason']}")
        for attribute, items in plugin["registers"].items():
            words = [_words(item, attribute) for item in items]
            if attribute == "sql_functions" and len(words) > LONG_LIST:
                words = [f"{len(words)} (--format json lists them)"]
            lines += _wrap(f"  {labels[attribute]}: ", words)
    for conflict in data["conflicts"]:
        lines.append(f"conflict: {conflict}")
    ok = [p for p in data["plugins"] if p["status"] == "ok"]
    external = [p for p in ok if not p["builtin"]]
    broken = [p for p in data["plugins"] if p["status"] == "broken"]
    summary = f"cxspec {data['cxspec']}: {len(ok) - len(external)} built-in, {len(external)} external plugins"
    if broken:
        summary += f", {len(broken)} broken"
    if data["conflicts"]:
        summary += f", {len(data['conflicts'])} conflicts"
    return "\n".join([summary, "", *lines]) + "\n"


@click.command("plugins")
@click.option(
    "--format",
    "fmt",
    type=click.Choice(["text", "json"]),
    default="text",
    show_default=True,
    help="text to read, json for scripts.",
)
def plugins_command(fmt):
    """List the plugins: built-in and installed (entry-point group `cxspec`), with versions.

    Exit 1 when a plugin is broken or two plugins register the same name.
    """
    from cxspec.registry import build_registry

    registry = build_registry()
    data = as_data(registry)
    if fmt == "json":
        click.echo(json.dumps(data, indent=2, sort_keys=True, ensure_ascii=False))
    else:
        click.echo(as_text(data), nl=False)
    failed = any(p["status"] == "broken" for p in data["plugins"]) or data["conflicts"]
    raise SystemExit(1 if failed else 0)
