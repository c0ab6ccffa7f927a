"""Who owns what: the owners' view (accountable, tracking) and CODEOWNERS lines that make a
pull request touching a spec file request review from the owners of what it defines."""

from __future__ import annotations

from dataclasses import dataclass, field

from cxspec.terminal_text import shown


@dataclass
class Responsibilities:
    owner: str
    depth: int
    accountable: list[str] = field(default_factory=list)  # metrics it owns
    tracks: list[str] = field(default_factory=list)  # metrics it measures (tracked_by)
    goals: list[str] = field(default_factory=list)  # goals that name it as owner
    touchpoints: list[str] = field(default_factory=list)
    journeys: list[str] = field(default_factory=list)
    pyramids: list[str] = field(default_factory=list)  # pyramids and pyramid nodes (`pyramid/node`)


def _tree_order(project) -> list[tuple[str, int]]:
    """Owner ids depth first under their parents, siblings by id; a parent cycle does not loop."""
    children: dict[str | None, list[str]] = {}
    for owner_id, owner in sorted(project.owners.items()):
        parent = owner.parent if owner.parent in project.owners else None
        children.setdefault(parent, []).append(owner_id)
    order: list[tuple[str, int]] = []
    seen: set[str] = set()

    def visit(parent, depth):
        for owner_id in children.get(parent, []):
            if owner_id not in seen:
                seen.add(owner_id)
                order.append((owner_id, depth))
                visit(owner_id, depth + 1)

    visit(None, 0)
    order.extend((o, 0) for o in sorted(project.owners) if o not in seen)  # only in a cycle
    return order


def responsibilities(project) -> list[Responsibilities]:
    found = {o: Responsibilities(o, depth) for o, depth in _tree_order(project)}

    def add(owner_id, attribute, item):
        if owner_id in found:
            getattr(found[owner_id], attribute).append(item)

    for metric_id, metric in sorted(project.metrics.items()):
        add(metric.owner, "accountable", metric_id)
        add(metric.tracked_by, "tracks", metric_id)
    for goal_id, goal in sorted(project.goals.items()):
        add(goal.owner, "goals", goal_id)
    for tp_id, touchpoint in sorted(project.touchpoints.items()):
        add(touchpoint.owner, "touchpoints", tp_id)
    for journey_id, journey in sorted(project.journeys.items()):
        add(journey.owner, "journeys", journey_id)
    for pyramid_id, pyramid in sorted(project.pyramids.items()):
        add(pyramid.owner, "pyramids", pyramid_id)
        for node in pyramid.nodes():
            if node.kind == "group" and node.owner:
                add(node.owner, "pyramids", f"{pyramid_id}/{node.id}")
    return list(found.values())


def unowned_metrics(project) -> list[str]:
    return sorted(m for m, metric in project.metrics.items() if not metric.owner)


# -- CODEOWNERS ---------------------------------------------------------------------------


def handle_of(project, owner_id: str) -> str | None:
    """The owner's GitHub handle, or its nearest ancestor's."""
    seen: set[str] = set()
    current = project.owners.get(owner_id)
    while current is not None and current.id not in seen:
        if current.github:
            return current.github
        seen.add(current.id)
        current = project.owners.get(current.parent or "")
    return None


def _owners_by_file(project) -> dict[str, set[str]]:
    """Spec file → owner ids of what it defines: metrics (owner, tracked_by), goals (theirs,
    else their metric's), touch points, journeys, pyramids and their nodes."""
    files: dict[str, set[str]] = {}

    def add(file, *owners):
        files.setdefault(file, set()).update(o for o in owners if o)

    for metric in project.metrics.values():
        add(metric.file, metric.owner, metric.tracked_by)
    for goal in project.goals.values():
        metric = project.metrics.get(goal.id)
        add(goal.file, goal.owner or (metric.owner if metric else None))
    for item in (*project.touchpoints.values(), *project.journeys.values()):
        add(item.file, item.owner)
    for pyramid in project.pyramids.values():
        add(pyramid.file, pyramid.owner, *(node.owner for node in pyramid.nodes()))
    return files


@dataclass
class Codeowners:
    lines: list[str]
    #: Messages about owners that got no handle (printed on stderr).
    warnings: list[str]


def codeowners(project, path_prefix: str) -> Codeowners:
    """`path_prefix` is the project folder inside the repository (`specs/acme/`, or '')."""
    warnings = []
    without = sorted(o for o, owner in project.owners.items() if not owner.github)
    for owner_id in without:
        inherited = handle_of(project, owner_id)
        warnings.append(
            f"owner {owner_id!r} has no github handle: "
            + (
                f"its files request review from {inherited} (a parent's)"
                if inherited
                else "no review is requested"
            )
        )
    lines = [
        "# Generated by `cxspec owners --codeowners`: a pull request touching a spec file requests review",
        "# from the owners of the metrics, goals, touch points, journeys and pyramids it defines.",
    ]
    for file, owner_ids in sorted(_owners_by_file(project).items()):
        handles = sorted({h for h in (handle_of(project, o) for o in owner_ids) if h})
        if handles:
            lines.append(f"/{_escape(path_prefix + file)} {' '.join(handles)}")
    return Codeowners(lines, warnings)


def _escape(path: str) -> str:
    """CODEOWNERS paths: spaces and pattern characters escaped with a backslash."""
    for char in ("\\", " ", "#", "*", "?", "[", "]", "!"):
        path = path.replace(char, "\\" + char)
    return path


# -- the owners' view as text -------------------------------------------------------------

_LABELS = (
    ("accountable", "accountable for metrics"),
    ("tracks", "tracks metrics"),
    ("goals", "goals"),
    ("touchpoints", "touch points"),
    ("journeys", "journeys"),
    ("pyramids", "pyramids"),
)


def render_view(project) -> str:
    out = []
    for item in responsibilities(project):
        owner = project.owners[item.owner]
        indent = "  " * item.depth
        details = ", ".join(shown(x) for x in (owner.kind, owner.github, owner.email) if x)
        out.append(f"{indent}{owner.id}  {shown(owner.name or owner.id)} ({details})")
        listed = False
        for attribute, label in _LABELS:
            values = getattr(item, attribute)
            if values:
                out.append(f"{indent}  {label}: {', '.join(shown(v) for v in values)}")
                listed = True
        if not listed:
            out.append(f"{indent}  (nothing assigned)")
    missing = unowned_metrics(project)
    if missing:
        out.append(f"metrics without an accountable owner: {', '.join(missing)}")
    return "\n".join(out) + "\n"


def view_data(project) -> dict:
    return {
        "owners": [
            {
                "id": item.owner,
                "name": project.owners[item.owner].name,
                "kind": project.owners[item.owner].kind,
                "github": project.owners[item.owner].github,
                "parent": project.owners[item.owner].parent,
                **{attribute: getattr(item, attribute) for attribute, _ in _LABELS},
            }
            for item in responsibilities(project)
        ],
        "unowned_metrics": unowned_metrics(project),
    }
