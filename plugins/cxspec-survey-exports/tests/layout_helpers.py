"""Small projects over one export file, and what plain Python makes of the same file, for the
layout tests (legacy, 2016, current, cleaned, BOM, Excel) and the real exports."""

from __future__ import annotations

import csv
import textwrap
from collections import Counter
from pathlib import Path

from cxspec import Request
from cxspec import compute
from cxspec import default_registry
from cxspec import validate_project


def write_csv(path: Path, rows: list[list[str]], *, bom: bool = False) -> Path:
    with path.open("w", newline="", encoding="utf-8-sig" if bom else "utf-8") as handle:
        csv.writer(handle).writerows(rows)
    return path


def make_project(root: Path, sources: str, metrics: str = "", files: dict | None = None) -> Path:
    """A project folder: `sources` and `metrics` are YAML list items (indented 2)."""
    (root / "data").mkdir(parents=True, exist_ok=True)
    (root / "cxspec.yaml").write_text("version: 1\nproject: p\ngrain: month\n")
    text = "version: 1\nsources:\n" + textwrap.indent(textwrap.dedent(sources), "  ")
    if metrics:
        text += "metrics:\n" + textwrap.indent(textwrap.dedent(metrics), "  ")
    (root / "s.yaml").write_text(text)
    for name, content in (files or {}).items():
        target = root / "data" / name
        if isinstance(content, bytes):
            target.write_bytes(content)
        else:
            target.write_text(content, encoding="utf-8")
    return root


def diagnostics(root: Path) -> list[tuple]:
    result = validate_project(root, default_registry())
    return [(d.code, d.line, d.column, d.message, d.hint) for d in result.diagnostics]


def values(root: Path, metric_ids: list[str], warehouse: str) -> dict[str, dict]:
    """metric id → period → (value, n) on one engine; the project must be valid."""
    result = validate_project(root, default_registry())
    assert result.ok, [(d.code, d.message) for d in result.diagnostics]
    got: dict[str, dict] = {m: {} for m in metric_ids}
    for r in compute(result.project, Request(metrics=tuple(metric_ids)), default_registry(), warehouse):
        got[r.metric][r.period] = (r.value, r.n)
    return got


def total(per_period: dict) -> int:
    return sum(n for _, n in per_period.values())


def csv_records(path: Path, header_rows: int) -> list[list[str]]:
    """The records below `header_rows` header rows, read with the csv module."""
    with path.open(newline="", encoding="utf-8-sig") as handle:
        return list(csv.reader(handle))[header_rows:]


def plain_nps(scores) -> float | None:
    """100 × (share of 9–10 − share of 0–6) over whole scores 0–10; others are left out."""
    valid = [s for s in scores if s is not None and float(s).is_integer() and 0 <= s <= 10]
    if not valid:
        return None
    counts = Counter("p" if s >= 9 else "d" if s <= 6 else "n" for s in valid)
    return 100 * (counts["p"] - counts["d"]) / len(valid)


def number(cell: str) -> float | None:
    try:
        return float(cell)
    except ValueError:
        return None
