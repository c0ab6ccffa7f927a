"""Write a large, realistic, valid cxspec project for benchmarks.

    python benchmarks/generate_project.py OUT_DIR --metrics N [--per-file 100] [--seed 1]

The output is deterministic: the same arguments give byte-identical files. The project
validates with no errors and no warnings (`cxspec validate OUT_DIR --format json`).

Layout (N metrics):

    cxspec.yaml
    data/{responses,tickets,orders}.csv      small sample files behind the file sources
    specs/owners.yaml                         ~N/50 owners: a root, divisions, teams
    specs/sources.yaml                        3 file sources with dimensions (one named expression)
    specs/journeys.yaml                       ~N/200 journeys of 5-6 stages
    specs/touchpoints/<journey>.yaml          ~N/10 touch points, each with a `match` predicate
    specs/metrics/metrics_NNNN.yaml           --per-file metrics each, plus the goals of those metrics
    specs/pyramid.yaml                        a three-level pyramid over a few hundred metrics
"""

from __future__ import annotations

import argparse
import json
import random
import re
import shutil
import sys
from pathlib import Path

#: Metrics the pyramid covers (at most; fewer when the project is smaller).
PYRAMID_METRICS = 300

CHANNELS = ["web", "app", "phone", "chat", "email", "store"]
REGIONS = [f"r{i}" for i in range(1, 9)]
QUEUES = ["billing", "tech", "orders", "returns", "accounts"]
SEGMENTS = ["consumer", "smb", "enterprise"]
PLANS = ["basic", "plus", "premium"]

STAGE_POOL = [
    "discover", "consider", "compare", "sign-up", "buy", "pay", "onboard", "activate", "use",
    "get-help", "complain", "upgrade", "renew", "refer", "cancel", "return", "deliver", "install",
]  # fmt: skip
JOURNEY_THEMES = [
    "New customer", "Move home", "Upgrade plan", "Get help", "Pay a bill", "Return an item",
    "Switch provider", "Travel abroad", "Add a line", "Report a fault", "Cancel", "Renew",
]  # fmt: skip
DIVISIONS = ["Digital", "Service", "Retail", "Billing", "Network", "Marketing", "Product", "Logistics"]

# Metric kinds: (weight, kind). Survey and rate metrics dominate, as in real programmes.
KINDS = [
    (22, "nps"), (20, "csat"), (10, "ces"), (20, "rate"),
    (7, "mean"), (5, "percentile"), (4, "count_distinct"), (3, "count"), (2, "sum"),
    (3, "ratio"), (4, "derived"),
]  # fmt: skip

SOURCES = {
    "responses": {
        "time": "responded_at",
        "entity": "customer_id",
        "key": "response_id",
        "columns": [
            "response_id", "customer_id", "responded_at", "channel", "region", "segment",
            "touchpoint", "nps_score", "csat_score", "ces_score", "ease_score", "comment_words",
        ],
    },
    "tickets": {
        "time": "opened_at",
        "entity": "customer_id",
        "key": "ticket_id",
        "columns": [
            "ticket_id", "customer_id", "opened_at", "channel", "region", "segment", "queue",
            "touchpoint", "handle_seconds", "wait_seconds", "first_contact_resolved", "reopened",
            "escalated", "csat_score",
        ],
    },
    "orders": {
        "time": "ordered_at",
        "entity": "customer_id",
        "key": "order_id",
        "columns": [
            "order_id", "customer_id", "ordered_at", "channel", "region", "segment", "plan",
            "touchpoint", "amount", "delivery_days", "delivered_on_time", "returned", "cancelled",
        ],
    },
}  # fmt: skip

# Rate conditions per source: (condition, what it is, direction).
RATE_CONDITIONS = {
    "tickets": [
        ("first_contact_resolved", "first-contact resolution", "higher_is_better"),
        ("reopened", "reopen rate", "lower_is_better"),
        ("escalated", "escalation rate", "lower_is_better"),
        ("wait_seconds <= 60", "answered within a minute", "higher_is_better"),
    ],
    "orders": [
        ("delivered_on_time", "on-time delivery", "higher_is_better"),
        ("returned", "return rate", "lower_is_better"),
        ("cancelled OR returned", "cancel or return rate", "lower_is_better"),
        ("delivery_days <= 2", "delivered within two days", "higher_is_better"),
    ],
    "responses": [
        ("comment_words > 0", "comment rate", "higher_is_better"),
        ("nps_score >= 9 AND csat_score >= 4", "delighted rate", "higher_is_better"),
    ],
}  # fmt: skip

# Continuous columns: source, column, what, direction, bounds for scoring, goal (target, warn).
NUMERIC_COLUMNS = [
    ("tickets", "handle_seconds", "handle time", "lower_is_better", (0, 1800), (420, 600)),
    ("tickets", "wait_seconds", "wait time", "lower_is_better", (0, 900), (60, 120)),
    ("orders", "delivery_days", "delivery time", "lower_is_better", (0, 10), (2, 3)),
    ("orders", "amount", "order value", "higher_is_better", (0, 500), (120, 100)),
    ("responses", "comment_words", "comment length", "higher_is_better", (0, 80), (25, 15)),
]  # fmt: skip


# --------------------------------------------------------------------------------------------
# A tiny deterministic YAML emitter (block style; flow style for short lists of scalars).

_PLAIN = re.compile(r"^[A-Za-z_][A-Za-z0-9_./@-]*( [A-Za-z0-9_./@(),-]+)*$")
_RESERVED = {"true", "false", "yes", "no", "on", "off", "null", "y", "n", "~"}


def scalar(value) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, (int, float)):
        return repr(value)
    text = str(value)
    if _PLAIN.match(text) and text.lower() not in _RESERVED and not text.startswith("@"):
        return text
    return json.dumps(text, ensure_ascii=False)


def _is_flow_list(value) -> bool:
    return isinstance(value, list) and all(not isinstance(v, (dict, list)) for v in value)


def emit(value, indent: int = 0) -> list[str]:
    pad = " " * indent
    lines: list[str] = []
    if isinstance(value, dict):
        for key, item in value.items():
            if isinstance(item, dict):
                lines.append(f"{pad}{key}:")
                lines += emit(item, indent + 2)
            elif _is_flow_list(item):
                lines.append(f"{pad}{key}: [{', '.join(scalar(v) for v in item)}]")
            elif isinstance(item, list):
                lines.append(f"{pad}{key}:")
                lines += emit(item, indent + 2)
            else:
                lines.append(f"{pad}{key}: {scalar(item)}")
    elif isinstance(value, list):
        for item in value:
            if isinstance(item, dict):
                inner = emit(item, indent + 2)
                inner[0] = f"{pad}- " + inner[0][indent + 2 :]
                lines += inner
            else:
                lines.append(f"{pad}- {scalar(item)}")
    else:
        lines.append(f"{pad}{scalar(value)}")
    return lines


def write_spec(path: Path, comment: str, sections: dict) -> int:
    """Write one spec file; returns its number of lines."""
    lines = [f"# {comment}", "version: 1", ""]
    for name, items in sections.items():
        if not items:
            continue
        lines.append(f"{name}:")
        lines += emit(items, 2)
        lines.append("")
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text("\n".join(lines), encoding="utf-8")
    return len(lines)


# --------------------------------------------------------------------------------------------
# The parts of the project.


def make_owners(count: int, rng: random.Random) -> list[dict]:
    owners = [
        {
            "id": "cx-office",
            "name": "Customer Experience Office",
            "kind": "team",
            "email": "cx@acme.example",
            "github": "@acme/cx-office",
        }
    ]
    divisions = DIVISIONS[: max(1, min(len(DIVISIONS), count // 6 or 1))]
    for name in divisions:
        slug = name.lower()
        owners.append(
            {
                "id": slug,
                "name": f"{name} division",
                "kind": "team",
                "email": f"{slug}@acme.example",
                "github": f"@acme/{slug}",
                "parent": "cx-office",
            }
        )
    index = 1
    while len(owners) < count:
        division = divisions[(index - 1) % len(divisions)].lower()
        team = f"{division}-team-{index:03d}"
        entry = {
            "id": team,
            "name": f"{division.title()} team {index}",
            "kind": "team",
            "email": f"{team}@acme.example",
            "github": f"@acme/{team}",
            "parent": division,
        }
        owners.append(entry)
        # Now and then a person who leads a team reports into it.
        if rng.random() < 0.2 and len(owners) < count:
            owners.append(
                {
                    "id": f"lead-{index:03d}",
                    "name": f"Lead of {team}",
                    "kind": "person",
                    "email": f"lead{index:03d}@acme.example",
                    "parent": team,
                }
            )
        index += 1
    return owners


def make_sources(owner: str) -> list[dict]:
    sources = []
    for sid, spec in SOURCES.items():
        dimensions: list = ["channel", "region", "segment"]
        if sid == "tickets":
            dimensions.append("queue")
        if sid == "orders":
            dimensions.append("plan")
        dimensions.append({"name": "touchpoint_key", "expr": "lower(trim(touchpoint))"})
        sources.append(
            {
                "id": sid,
                "name": sid.title(),
                "type": "file",
                "path": f"data/{sid}.csv",
                "owner": owner,
                "time": spec["time"],
                "entity": spec["entity"],
                "key": spec["key"],
                "dimensions": dimensions,
            }
        )
    return sources


def write_csv(path: Path, source: str, rng: random.Random, rows: int = 40) -> None:
    spec = SOURCES[source]
    lines = [",".join(spec["columns"])]
    for i in range(1, rows + 1):
        day = 1 + (i * 7) % 28
        month = 1 + (i * 5) % 6
        values = {
            "response_id": f"r{i:05d}",
            "ticket_id": f"t{i:05d}",
            "order_id": f"o{i:05d}",
            "customer_id": f"c{rng.randint(1, 25):04d}",
            "responded_at": f"2026-{month:02d}-{day:02d}T{i % 24:02d}:00:00Z",
            "opened_at": f"2026-{month:02d}-{day:02d}T{i % 24:02d}:00:00Z",
            "ordered_at": f"2026-{month:02d}-{day:02d}T{i % 24:02d}:00:00Z",
            "channel": rng.choice(CHANNELS),
            "region": rng.choice(REGIONS),
            "segment": rng.choice(SEGMENTS),
            "queue": rng.choice(QUEUES),
            "plan": rng.choice(PLANS),
            "touchpoint": f"tp_{rng.randint(1, 20):04d}",
            "nps_score": rng.randint(0, 10),
            "csat_score": rng.randint(1, 5),
            "ces_score": rng.randint(1, 7),
            "ease_score": rng.randint(1, 10),
            "comment_words": rng.choice([0, 0, 3, 12, 40]),
            "handle_seconds": rng.randint(60, 1500),
            "wait_seconds": rng.randint(0, 600),
            "first_contact_resolved": rng.choice(["true", "false"]),
            "reopened": rng.choice(["true", "false", "false"]),
            "escalated": rng.choice(["true", "false", "false", "false"]),
            "amount": f"{rng.uniform(5, 400):.2f}",
            "delivery_days": rng.randint(1, 7),
            "delivered_on_time": rng.choice(["true", "true", "false"]),
            "returned": rng.choice(["true", "false", "false", "false"]),
            "cancelled": rng.choice(["true", "false", "false", "false", "false"]),
        }
        lines.append(",".join(str(values[c]) for c in spec["columns"]))
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")


def make_journeys(count: int, owners: list[str], rng: random.Random) -> list[dict]:
    journeys = []
    for j in range(1, count + 1):
        theme = JOURNEY_THEMES[(j - 1) % len(JOURNEY_THEMES)]
        size = rng.choice([5, 6])
        start = rng.randrange(len(STAGE_POOL) - size)
        journeys.append(
            {
                "id": f"journey-{j:03d}",
                "name": f"{theme} ({j})",
                "owner": rng.choice(owners),
                "stages": STAGE_POOL[start : start + size],
            }
        )
    return journeys


def make_touchpoints(count: int, journeys: list[dict], owners: list[str], rng: random.Random) -> list[dict]:
    touchpoints = []
    for t in range(1, count + 1):
        journey = journeys[(t - 1) % len(journeys)]
        channel = rng.choice(CHANNELS)
        stage = rng.choice(journey["stages"])
        touchpoints.append(
            {
                "id": f"tp_{t:04d}",
                "name": f"{journey['name']}: {stage} via {channel}",
                "journey": journey["id"],
                "stage": stage,
                "owner": rng.choice(owners),
                "intended": rng.random() < 0.9,
                "channel": channel,
                "match": f"touchpoint = 'tp_{t:04d}'",
            }
        )
    return touchpoints


def random_filter(rng: random.Random, source: str) -> str | None:
    roll = rng.random()
    if roll < 0.25:
        return None
    channels = rng.sample(CHANNELS, rng.choice([1, 2, 3]))
    if len(channels) == 1:
        channel_part = f"channel = '{channels[0]}'"
    else:
        channel_part = "channel IN (" + ", ".join(f"'{c}'" for c in channels) + ")"
    if roll < 0.5:
        return channel_part
    parts = [channel_part, f"region = '{rng.choice(REGIONS)}'"]
    if roll > 0.85:
        parts.append(f"segment <> '{rng.choice(SEGMENTS)}'")
    if source == "tickets" and roll > 0.8:
        parts.append(f"queue IN ('{rng.choice(QUEUES)}', '{rng.choice(QUEUES)}')")
    return " AND ".join(parts)


def _round(value: float) -> float | int:
    value = round(value, 1)
    return int(value) if value == int(value) else value


class MetricFactory:
    """Builds metrics one by one; ratio and derived metrics reference earlier ones."""

    def __init__(self, rng: random.Random, owners: list[str], touchpoints: list[dict]):
        self.rng = rng
        self.owners = owners
        self.touchpoints = touchpoints
        self.kinds = [k for w, k in KINDS for _ in range(w)]
        self.scores: list[str] = []  # earlier nps/csat/ces/rate metric ids (derived inputs)
        self.amounts: list[str] = []  # earlier count/count_distinct/sum ids (ratio inputs)
        self.no_range: dict[str, tuple] = {}  # metric id -> pyramid bounds when it has no natural range

    def make(self, index: int) -> tuple[dict, dict | None]:
        rng = self.rng
        kind = rng.choice(self.kinds)
        if kind == "ratio" and len(self.amounts) < 2:
            kind = "rate"
        if kind == "derived" and len(self.scores) < 3:
            kind = "nps"
        build = getattr(self, f"_{kind}")
        metric, goal = build(index)
        metric.setdefault("owner", rng.choice(self.owners))
        if rng.random() < 0.3:
            metric["tracked_by"] = "cx-office"
        if rng.random() < 0.4:
            metric["tags"] = sorted(rng.sample(["core", "exec", "weekly", "pilot", "regulatory"], 2))
        if rng.random() < 0.1:
            metric["version"] = rng.choice([2, 3])
        return metric, goal

    # Survey and rate metrics ----------------------------------------------------------------

    def _survey_base(self, index: int, kind: str, source: str, column: str) -> dict:
        rng = self.rng
        metric = {"id": f"{kind}_{index:05d}", "type": kind, "source": source, "column": column}
        if rng.random() < 0.4:
            tp = rng.choice(self.touchpoints)
            metric["touchpoint"] = tp["id"]
            label = tp["name"]
        else:
            label = "all touch points"
        flt = random_filter(rng, source)
        if flt:
            metric["filter"] = flt
        metric["name"] = f"{kind.upper()} {index}: {label}"
        metric["category"] = "perception"
        metric["min_sample"] = rng.choice([10, 30, 50, 100])
        return metric

    def _nps(self, index):
        metric = self._survey_base(index, "nps", "responses", "nps_score")
        metric["description"] = "Likelihood to recommend, asked after the interaction."
        self.scores.append(metric["id"])
        target = self.rng.randint(20, 60)
        return metric, {"metric": metric["id"], "target": target, "warn": target - self.rng.randint(5, 20)}

    def _csat(self, index):
        rng = self.rng
        source, column = rng.choice([("responses", "csat_score"), ("tickets", "csat_score")])
        metric = self._survey_base(index, "csat", source, column)
        if rng.random() < 0.2:
            metric["aggregate"] = "mean"
            self.scores.append(metric["id"])
            return metric, {"metric": metric["id"], "target": 4.2, "warn": 3.8}
        if rng.random() < 0.3:
            metric["top_box"] = 1
        self.scores.append(metric["id"])
        target = rng.randint(70, 92)
        return metric, {"metric": metric["id"], "target": target, "warn": target - rng.randint(5, 10)}

    def _ces(self, index):
        rng = self.rng
        metric = self._survey_base(index, "ces", "responses", "ces_score")
        self.scores.append(metric["id"])
        if rng.random() < 0.3:
            metric["aggregate"] = "top_box"
            metric["top_box"] = 3
            target = rng.randint(60, 85)
            return metric, {"metric": metric["id"], "target": target, "warn": target - 10}
        target = _round(rng.uniform(5.0, 6.0))
        return metric, {"metric": metric["id"], "target": target, "warn": _round(target - 0.5)}

    def _rate(self, index):
        rng = self.rng
        source = rng.choice(["tickets", "tickets", "orders", "orders", "responses"])
        condition, what, direction = rng.choice(RATE_CONDITIONS[source])
        metric = {
            "id": f"rate_{index:05d}",
            "name": f"{what.capitalize()} {index}",
            "type": "rate",
            "source": source,
            "condition": condition,
            "category": "operational" if source != "responses" else "perception",
            "unit": "%",
        }
        if rng.random() < 0.2:
            metric["touchpoint"] = rng.choice(self.touchpoints)["id"]
        flt = random_filter(rng, source)
        if flt:
            metric["filter"] = flt
        if direction == "lower_is_better":
            metric["direction"] = direction
            target = rng.randint(3, 15)
            goal = {"metric": metric["id"], "target": target, "warn": target + rng.randint(3, 10)}
        else:
            target = rng.randint(60, 90)
            goal = {"metric": metric["id"], "target": target, "warn": target - rng.randint(5, 15)}
        self.scores.append(metric["id"])
        return metric, goal

    # Continuous and count metrics ----------------------------------------------------------

    def _numeric(self, index, kind):
        rng = self.rng
        source, column, what, direction, bounds, (target, warn) = rng.choice(NUMERIC_COLUMNS)
        metric = {
            "id": f"{kind}_{index:05d}",
            "name": f"{kind.replace('_', ' ').capitalize()} of {what} {index}",
            "type": kind,
            "source": source,
            "column": column,
            "category": "operational",
        }
        if direction == "lower_is_better":
            metric["direction"] = direction
        flt = random_filter(rng, source)
        if flt:
            metric["filter"] = flt
        return metric, bounds, {"metric": metric["id"], "target": target, "warn": warn}

    def _mean(self, index):
        rng = self.rng
        if rng.random() < 0.4:
            # A mean on a declared scale: it has a natural range.
            metric = self._survey_base(index, "mean", "responses", "ease_score")
            metric["name"] = f"Mean ease score {index}"
            metric["scale"] = [1, 10]
            return metric, {"metric": metric["id"], "target": 8, "warn": 7}
        metric, bounds, goal = self._numeric(index, "mean")
        self.no_range[metric["id"]] = bounds
        return metric, goal

    def _percentile(self, index):
        rng = self.rng
        metric, bounds, goal = self._numeric(index, "percentile")
        p = rng.choice([0.5, 0.75, 0.9, 0.95])
        metric["percentile"] = p
        metric["name"] = f"p{round(p * 100)} " + metric["name"].split(" of ", 1)[1]
        lower = metric.get("direction") == "lower_is_better"
        factor = 1 + p  # higher percentiles sit further out
        scaled = {
            "metric": metric["id"],
            "target": _round(goal["target"] * factor),
            "warn": _round(goal["warn"] * factor),
        }
        if lower and scaled["warn"] < scaled["target"] or not lower and scaled["warn"] > scaled["target"]:
            scaled["warn"] = scaled["target"]
        self.no_range[metric["id"]] = (bounds[0], bounds[1] * 2)
        return metric, scaled

    def _count_distinct(self, index):
        rng = self.rng
        source = rng.choice(list(SOURCES))
        metric = {
            "id": f"count_distinct_{index:05d}",
            "name": f"Customers in {source} {index}",
            "type": "count_distinct",
            "source": source,
            "category": "behaviour",
            "unit": "customers",
        }
        flt = random_filter(rng, source)
        if flt:
            metric["filter"] = flt
        self.amounts.append(metric["id"])
        self.no_range[metric["id"]] = (0, 20000)
        target = rng.randrange(1000, 10000, 100)
        return metric, {"metric": metric["id"], "target": target, "warn": int(target * 0.8)}

    def _count(self, index):
        rng = self.rng
        source = rng.choice(list(SOURCES))
        metric = {
            "id": f"count_{index:05d}",
            "name": f"Volume of {source} {index}",
            "type": "count",
            "source": source,
            "category": "operational",
        }
        if rng.random() < 0.3:
            metric["touchpoint"] = rng.choice(self.touchpoints)["id"]
        flt = random_filter(rng, source)
        if flt:
            metric["filter"] = flt
        self.amounts.append(metric["id"])
        self.no_range[metric["id"]] = (0, 50000)
        return metric, None

    def _sum(self, index):
        rng = self.rng
        metric = {
            "id": f"sum_{index:05d}",
            "name": f"Order value {index}",
            "type": "sum",
            "source": "orders",
            "column": "amount",
            "category": "outcome",
            "unit": "EUR",
        }
        flt = random_filter(rng, "orders")
        if flt:
            metric["filter"] = flt
        self.amounts.append(metric["id"])
        self.no_range[metric["id"]] = (0, 1_000_000)
        return metric, None

    # Metrics over metrics ------------------------------------------------------------------

    def _recent(self, pool: list[str], k: int) -> list[str]:
        window = pool[-40:]
        return self.rng.sample(window, k)

    def _ratio(self, index):
        numerator, denominator = self._recent(self.amounts, 2)
        metric = {
            "id": f"ratio_{index:05d}",
            "name": f"{numerator} per {denominator}",
            "type": "ratio",
            "numerator": numerator,
            "denominator": denominator,
            "category": "outcome",
        }
        self.no_range[metric["id"]] = (0, 5)
        return metric, {"metric": metric["id"], "target": 1.2, "warn": 1}

    def _derived(self, index):
        rng = self.rng
        a, b, c = self._recent(self.scores, 3)
        form = rng.randrange(3)
        if form == 0:
            expr = f"{a} - {b}"
            bounds = (-100, 100)
        elif form == 1:
            expr = f"0.5 * {a} + 0.3 * {b} + 0.2 * {c}"
            bounds = (-100, 100)
        else:
            expr = f"({a} + {b}) / nullif({c}, 0)"
            bounds = (0, 10)
        metric = {
            "id": f"derived_{index:05d}",
            "name": f"Composite {index}",
            "type": "derived",
            "expr": expr,
            "category": "perception",
        }
        self.no_range[metric["id"]] = bounds
        return metric, None


def make_pyramid(metrics: list[dict], no_range: dict[str, tuple], rng: random.Random) -> dict:
    """Three levels: pillars → areas → metric leaves, over up to PYRAMID_METRICS metrics.

    Metrics are picked evenly across the project; each goes to the pillar of its kind.
    """
    count = min(PYRAMID_METRICS, len(metrics))
    step = len(metrics) / count
    chosen = [metrics[int(i * step)] for i in range(count)]
    pillars = ["loyalty", "satisfaction", "effort", "service", "delivery", "value"]

    def pillar_of(metric: dict) -> str:
        kind = metric["type"]
        if kind == "nps":
            return "loyalty"
        if kind == "csat" or (kind == "mean" and "scale" in metric):
            return "satisfaction"
        if kind == "ces":
            return "effort"
        if metric.get("source") == "tickets":
            return "service"
        if metric.get("source") == "orders":
            return "delivery"
        return "value"

    areas_per_pillar = 5
    groups: dict[tuple[str, int], list[str]] = {}
    seen: dict[str, int] = {}
    for metric in chosen:
        pillar = pillar_of(metric)
        area = seen.get(pillar, 0) % areas_per_pillar
        seen[pillar] = seen.get(pillar, 0) + 1
        groups.setdefault((pillar, area), []).append(metric["id"])
    children = []
    for pillar in pillars:
        areas = []
        for a in range(areas_per_pillar):
            leaves = []
            for metric_id in groups.get((pillar, a), []):
                leaf: dict = {"metric": metric_id}
                if rng.random() < 0.3:
                    leaf["weight"] = rng.choice([2, 3])
                if metric_id in no_range:
                    leaf["bounds"] = list(no_range[metric_id])
                leaves.append(leaf)
            if leaves:
                area_id = f"{pillar}-area-{a + 1}"
                areas.append({"id": area_id, "weight": rng.choice([1, 1, 2]), "children": leaves})
        if areas:
            weight = rng.choice([1, 2, 3])
            children.append({"id": pillar, "name": pillar.title(), "weight": weight, "children": areas})
    return {
        "id": "cx-index",
        "name": "Acme CX Index",
        "owner": "cx-office",
        "normalize": "bounds",
        "children": children,
    }


def generate(out: Path, metrics: int, per_file: int = 100, seed: int = 1) -> dict:
    """Write the project into `out` (emptied first); returns a summary."""
    if metrics < 1 or per_file < 1:
        raise ValueError("--metrics and --per-file must be at least 1")
    rng = random.Random(seed)
    if out.exists():
        config = out / "cxspec.yaml"
        generated = config.is_file() and "\nproject: bench-" in config.read_text(encoding="utf-8")
        if any(out.iterdir()) and not generated:
            raise SystemExit(f"{out} is not empty and not a generated project: refusing to replace it")
        shutil.rmtree(out)
    out.mkdir(parents=True)
    lines = 0

    config = [
        "version: 1",
        f"project: bench-{metrics}",
        f"name: Generated benchmark project ({metrics} metrics)",
        "grain: month",
        'warehouse: "duckdb:///:memory:"',
        "",
    ]
    (out / "cxspec.yaml").write_text("\n".join(config), encoding="utf-8")
    lines += len(config)

    for source in SOURCES:
        write_csv(out / "data" / f"{source}.csv", source, rng)

    owners = make_owners(max(3, round(metrics / 50)), rng)
    owner_ids = [o["id"] for o in owners]
    team_ids = [o["id"] for o in owners if o["kind"] == "team" and o["id"] != "cx-office"] or owner_ids
    specs = out / "specs"
    lines += write_spec(specs / "owners.yaml", "Who owns and who measures", {"owners": owners})
    lines += write_spec(
        specs / "sources.yaml", "Where the data comes from", {"sources": make_sources("cx-office")}
    )

    journeys = make_journeys(max(1, round(metrics / 200)), team_ids, rng)
    lines += write_spec(specs / "journeys.yaml", "Customer journeys", {"journeys": journeys})
    touchpoints = make_touchpoints(max(1, round(metrics / 10)), journeys, team_ids, rng)
    by_journey: dict[str, list[dict]] = {}
    for tp in touchpoints:
        by_journey.setdefault(tp["journey"], []).append(tp)
    for journey_id, items in by_journey.items():
        lines += write_spec(
            specs / "touchpoints" / f"{journey_id}.yaml",
            f"Touch points of {journey_id}",
            {"touchpoints": items},
        )

    factory = MetricFactory(rng, team_ids, touchpoints)
    all_metrics: list[dict] = []
    goal_count = 0
    files = 0
    for start in range(0, metrics, per_file):
        batch, goals = [], []
        for index in range(start + 1, min(metrics, start + per_file) + 1):
            metric, goal = factory.make(index)
            batch.append(metric)
            all_metrics.append(metric)
            # Goals for about half of the metrics.
            if goal is not None and rng.random() < 0.6:
                if rng.random() < 0.3:
                    goal["due"] = f"2027-{rng.randint(1, 12):02d}-{rng.randint(1, 28):02d}"
                goals.append(goal)
        goal_count += len(goals)
        files += 1
        lines += write_spec(
            specs / "metrics" / f"metrics_{start // per_file + 1:04d}.yaml",
            f"Metrics {start + 1}-{start + len(batch)}",
            {"metrics": batch, "goals": goals},
        )

    pyramid = make_pyramid(all_metrics, factory.no_range, rng)
    lines += write_spec(specs / "pyramid.yaml", "The CX index", {"pyramids": [pyramid]})
    spec_files = sum(1 for _ in out.rglob("*.yaml"))
    return {
        "metrics": metrics,
        "per_file": per_file,
        "seed": seed,
        "owners": len(owners),
        "journeys": len(journeys),
        "touchpoints": len(touchpoints),
        "goals": goal_count,
        "metric_files": files,
        "files": spec_files,
        "yaml_lines": lines,
    }


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("out_dir", type=Path)
    parser.add_argument("--metrics", type=int, required=True, help="how many metrics")
    parser.add_argument("--per-file", type=int, default=100, help="metrics per spec file (default 100)")
    parser.add_argument("--seed", type=int, default=1, help="random seed (default 1)")
    args = parser.parse_args(argv)
    summary = generate(args.out_dir, args.metrics, args.per_file, args.seed)
    print(json.dumps(summary))
    return 0


if __name__ == "__main__":
    sys.exit(main())
