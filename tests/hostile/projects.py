"""Small projects that put one SQL fragment in one position of a spec.

The source has the columns channel (text), score (integer), note (text) and t (time);
metrics named like those columns exist too, so a fragment is valid in a derived `expr`
as well. Every position gets its own metric, so each can be computed on its own.
"""

from __future__ import annotations

import json
from pathlib import Path

ROWS = [
    (1, "2026-01-05T10:00:00Z", "web", 9, "fine"),
    (2, "2026-01-06T10:00:00Z", "phone", 3, "slow"),
    (3, "2026-01-07T10:00:00Z", "web", 10, "great"),
    (4, "2026-02-02T10:00:00Z", "chat", 7, ""),
]
CSV = "id,t,channel,score,note\n" + "".join(f"{i},{t},{c},{s},{n}\n" for i, t, c, s, n in ROWS)

#: Where a fragment can stand: position → (metric computed, dimensions sliced by).
POSITIONS = {
    "source filter": ("plain", ()),
    "dimension expr": ("plain", ("d",)),
    "touchpoint match": ("by_match", ()),
    "metric filter": ("by_filter", ()),
    "rate condition": ("by_condition", ()),
    "derived expr": ("by_expr", ()),
}


def quoted(text: str) -> str:
    """A YAML double-quoted scalar holding exactly `text` (JSON strings are YAML)."""
    return json.dumps(text, ensure_ascii=False)


def spec(fragment: str, positions) -> str:
    """A spec file with `fragment` in `positions` (one name or several) and plain ones elsewhere."""
    chosen = {positions} if isinstance(positions, str) else set(positions)

    def at(name: str, default: str) -> str:
        return quoted(fragment) if name in chosen else quoted(default)

    return f"""\
version: 1
journeys:
  - {{id: buying, stages: [buy]}}
sources:
  - id: r
    type: file
    path: data/r.csv
    time: t
    key: id
    filter: {at("source filter", "score IS NOT NULL")}
    dimensions:
      - channel
      - score
      - note
      - name: d
        expr: {at("dimension expr", "lower(channel)")}
touchpoints:
  - id: web-shop
    journey: buying
    stage: buy
    match: {at("touchpoint match", "channel = 'web'")}
metrics:
  - {{id: score, type: mean, source: r, column: score}}
  - {{id: channel, type: count_distinct, source: r, column: channel}}
  - {{id: note, type: count, source: r, column: note}}
  - {{id: plain, type: mean, source: r, column: score}}
  - {{id: by_match, type: mean, source: r, column: score, touchpoint: web-shop}}
  - id: by_filter
    type: mean
    source: r
    column: score
    filter: {at("metric filter", "score > 0")}
  - id: by_condition
    type: rate
    source: r
    condition: {at("rate condition", "score >= 9")}
  - id: by_expr
    type: derived
    expr: {at("derived expr", "score + 1")}
"""


#: The line of each position's fragment in spec(), from 1.
def fragment_line(position: str) -> int:
    marker = "\x01"
    lines = spec(marker, position).splitlines()
    return next(i for i, line in enumerate(lines, 1) if quoted(marker) in line)


def write_project(root: Path, fragment: str, positions, *, dialect: str = "duckdb", warehouse=None) -> Path:
    root.mkdir(parents=True, exist_ok=True)
    config = f"version: 1\nproject: hostile\ndialect: {dialect}\n"
    if warehouse:
        config += f"warehouse: {quoted(warehouse)}\n"
    (root / "cxspec.yaml").write_text(config, encoding="utf-8")
    (root / "data").mkdir(exist_ok=True)
    (root / "data" / "r.csv").write_text(CSV, encoding="utf-8")
    (root / "specs.yaml").write_text(spec(fragment, positions), encoding="utf-8")
    return root
