"""What changed between two normalised projects, entity by entity, and which changes break.

Breaking (exit 1 unless --allow-breaking):

- ``definition_changed``: what a metric measures changed (see MEASURE_IGNORED for what does
  not count) and its `version` was not raised;
- ``used_metric_removed``: a metric that BASE's goals, pyramids or other metrics used, or
  that has stored results, is gone;
- ``metric_renamed``: a metric's id changed (same definition under a new id): stored results
  and history stay under the old id;
- ``project_renamed``: the project id changed: stored results are keyed by it.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from cxspec.diffing.normalise import KINDS, Normalised, rename_columns

#: Metric fields that describe, own or judge a metric but do not change its values
#: (`lint`: inline lint suppressions).
MEASURE_IGNORED = frozenset(
    {"id", "name", "description", "owner", "tracked_by", "tags", "min_sample", "unit", "category",
     "direction", "version", "lint", "previous_ids", "issues"}
)  # fmt: skip
#: Source fields that do not change which rows a metric reads.
SOURCE_IGNORED = frozenset({"id", "name", "description", "owner", "dimensions", "lint"})


@dataclass(frozen=True)
class FieldChange:
    field: str
    old: object
    new: object
    #: `file:line` of the field in HEAD (in BASE when HEAD no longer has it).
    where: str = ""


@dataclass
class EntityChange:
    kind: str
    id: str
    #: added | removed | changed | renamed
    status: str
    #: `file:line` in HEAD (in BASE for a removed entity).
    where: str
    fields: list[FieldChange] = field(default_factory=list)
    #: The id in BASE of a renamed entity.
    old_id: str | None = None


@dataclass(frozen=True)
class Breaking:
    kind: str
    id: str
    reason: str
    message: str


def field_changes(base: Normalised | None, head: Normalised | None) -> list[FieldChange]:
    old = base.values if base else {}
    new = head.values if head else {}
    changes = []
    for name in sorted(set(old) | set(new)):
        if name == "id" or (name in old and name in new and old[name] == new[name]):
            continue
        at = head if head is not None and name in new else base
        changes.append(
            FieldChange(
                name,
                base.shown.get(name) if base else None,
                head.shown.get(name) if head else None,
                at.locate(name) if at is not None else "",
            )
        )
    return changes


def measure(project: dict, metric: Normalised, seen: tuple[str, ...] = ()) -> dict:
    """What a metric's values depend on: its own fields, its source's rows, its touch point's
    match, and what the metrics it is computed from measure (`via ID.field`)."""
    values = metric.without(MEASURE_IGNORED)
    source = project["sources"].get(str(values.pop("source", "")))
    touchpoint = project["touchpoints"].get(str(values.pop("touchpoint", "")))
    if source is not None:
        values.update({f"source.{k}": v for k, v in source.without(SOURCE_IGNORED).items()})
    values["touchpoint.match"] = touchpoint.values.get("match") if touchpoint else None
    for used in metric.depends:
        if used in project["metrics"] and used not in seen:  # validation refuses cycles; never loop
            inner = measure(project, project["metrics"][used], (*seen, metric.id))
            values.update({f"via {used}.{k}": v for k, v in inner.items() if not k.startswith("via ")})
            values.update({k: v for k, v in inner.items() if k.startswith("via ")})
    return values


def _signature(project: dict, entity: Normalised) -> dict:
    """What must be equal for a removed and an added entity to be one renamed entity."""
    if entity.kind == "metrics":
        return measure(project, entity)
    return {k: v for k, v in entity.values.items() if k not in ("id", "metric")}


def _pair_renames(base: dict, head: dict, kind: str, removed: list[str], added: list[str]) -> dict[str, str]:
    """old id → new id for removed/added entities with the same meaning (first match, sorted)."""
    pairs: dict[str, str] = {}
    taken: set[str] = set()
    for old_id in removed:
        wanted = _signature(base, base[kind][old_id])
        if kind != "metrics" and len(wanted) < 2:
            continue  # too little to tell a rename from an unrelated item (an owner with only an id)
        for new_id in added:
            if new_id not in taken and _signature(head, head[kind][new_id]) == wanted:
                pairs[old_id] = new_id
                taken.add(new_id)
                break
    return pairs


def _declared_renames(new: dict, removed: list[str], added: list[str]) -> dict[str, str]:
    """old id → new id for metrics whose `previous_ids:` name a removed id: history carries on."""
    declared: dict[str, str] = {}
    for new_id in sorted(added):
        previous = new[new_id].values.get("previous_ids")
        for old_id in previous if isinstance(previous, list) else []:
            if old_id in removed and old_id not in declared:
                declared[old_id] = new_id
    return declared


@dataclass
class Comparison:
    changes: dict[str, list[EntityChange]]
    breaking: list[Breaking]
    #: Metric renames, old id → new id.
    renamed_metrics: dict[str, str]


def compare(base: dict, head: dict, base_usage: dict[str, list[str]], stored_metrics: set[str]) -> Comparison:
    """`base_usage`: metric id → what uses it in BASE (goal, pyramid, metric)."""
    changes: dict[str, list[EntityChange]] = {}
    breaking: list[Breaking] = []
    renamed_metrics: dict[str, str] = {}
    for kind in KINDS:
        old, new = base[kind], head[kind]
        removed = sorted(set(old) - set(new))
        added = sorted(set(new) - set(old))
        if kind == "goals":  # a goal's id is its metric's: it is renamed with its metric only
            renames = {o: n for o, n in renamed_metrics.items() if o in old and n in new}
        elif kind == "metrics":
            declared = _declared_renames(new, removed, added)
            renames = declared | _pair_renames(
                base, head, kind, [r for r in removed if r not in declared],
                [a for a in added if a not in declared.values()],
            )  # fmt: skip
        else:
            renames = _pair_renames(base, head, kind, removed, added)
        found: list[EntityChange] = []
        for item_id in sorted(set(old) & set(new)):
            fields = field_changes(old[item_id], new[item_id])
            if fields:
                found.append(EntityChange(kind, item_id, "changed", new[item_id].where, fields))
        for old_id, new_id in renames.items():
            fields = field_changes(old[old_id], new[new_id])
            found.append(EntityChange(kind, new_id, "renamed", new[new_id].where, fields, old_id=old_id))
        for item_id in added:
            if item_id not in renames.values():
                found.append(EntityChange(kind, item_id, "added", new[item_id].where))
        for item_id in removed:
            if item_id not in renames:
                found.append(EntityChange(kind, item_id, "removed", old[item_id].where))
        found.sort(key=lambda c: (c.id, c.status))
        changes[kind] = found
        if kind == "metrics":
            renamed_metrics = renames
    carried = _declared_renames(head["metrics"], list(renamed_metrics), list(renamed_metrics.values()))
    breaking.extend(_metric_breaks(base, head, renamed_metrics, carried, base_usage, stored_metrics))
    old_project, new_project = (
        base["config"]["config"].values["project"],
        head["config"]["config"].values["project"],
    )
    if old_project != new_project:
        breaking.append(
            Breaking(
                "config",
                "project",
                "project_renamed",
                f"the project id changed from {old_project!r} to {new_project!r}: stored results stay "
                "under the old id, and reports of the new one start empty",
            )
        )
    return Comparison(changes, breaking, renamed_metrics)


def _as_before_renames(values: dict, renames: dict[str, str], dialect: str) -> dict:
    """HEAD's measure with renamed metrics named as in BASE: a ratio or derived metric over a
    renamed metric still measures the same thing."""
    if not renames:
        return values
    back = {new: old for old, new in renames.items()}
    values = dict(values)
    for name in ("numerator", "denominator"):
        if values.get(name) in back:
            values[name] = back[values[name]]
    if isinstance(values.get("expr"), str):
        values["expr"] = rename_columns(values["expr"], back, dialect)
    for key in [k for k in values if k.startswith("via ")]:
        used, _, rest = key[4:].partition(".")
        if used in back:
            values[f"via {back[used]}.{rest}"] = values.pop(key)
    return values


def _metric_breaks(base, head, renames, carried, usage, stored) -> list[Breaking]:
    """`carried`: the renames whose new metric lists the old id in `previous_ids:` (not breaking)."""
    found = []
    old, new = base["metrics"], head["metrics"]
    dialect = str(head["config"]["config"].values.get("dialect", "duckdb"))
    # a metric that keeps its id, or carries an earlier id's history on: same meaning, or a new version
    pairs = [(m, m) for m in sorted(set(old) & set(new))] + sorted(carried.items())
    for old_id, metric_id in pairs:
        before = measure(base, old[old_id])
        after = _as_before_renames(measure(head, new[metric_id]), renames, dialect)
        if before == after:
            continue
        old_version, new_version = (
            old[old_id].values.get("version", 1),
            new[metric_id].values.get("version", 1),
        )
        if isinstance(old_version, int) and isinstance(new_version, int) and new_version > old_version:
            continue
        what = ", ".join(k for k in sorted(set(before) | set(after)) if before.get(k) != after.get(k))
        found.append(
            Breaking(
                "metrics",
                metric_id,
                "definition_changed",
                f"what metric {metric_id!r} measures changed ({what}) but its version stayed {new_version}: "
                f"raise it to {old_version + 1 if isinstance(old_version, int) else 2} so stored history "
                "shows the break",
            )
        )
    for old_id, new_id in sorted(renames.items()):
        if carried.get(old_id) == new_id:
            continue
        found.append(
            Breaking(
                "metrics",
                old_id,
                "metric_renamed",
                f"metric {old_id!r} was renamed to {new_id!r}: stored results, history and references stay "
                f"under the old id; add `previous_ids: [{old_id}]` to {new_id!r} to carry them over",
            )
        )
    for metric_id in sorted(set(old) - set(new) - set(renames)):
        users = list(usage.get(metric_id, []))
        if metric_id in stored:
            users.append("stored results")
        if users:
            found.append(
                Breaking(
                    "metrics",
                    metric_id,
                    "used_metric_removed",
                    f"metric {metric_id!r} was removed but was used by {', '.join(users)}",
                )
            )
    return found


def metric_usage(project, registry) -> dict[str, list[str]]:
    """metric id → who uses it: its goal, pyramid leaves, metrics computed from it."""
    usage: dict[str, list[str]] = {}
    for metric_id in sorted(project.goals):
        usage.setdefault(metric_id, []).append("its goal")
    for pyramid_id in sorted(project.pyramids):
        for node in project.pyramids[pyramid_id].nodes():
            if node.kind == "metric" and node.ref:
                usage.setdefault(node.ref, []).append(f"pyramid {pyramid_id!r}")
    for metric_id in sorted(project.metrics):
        metric = project.metrics[metric_id]
        metric_type = registry.metric_types.get(metric.type)
        if metric_type is None:
            continue
        for used, _field in metric_type.depends_on(metric):
            usage.setdefault(used, []).append(f"metric {metric_id!r}")
    return {k: list(dict.fromkeys(v)) for k, v in usage.items()}
