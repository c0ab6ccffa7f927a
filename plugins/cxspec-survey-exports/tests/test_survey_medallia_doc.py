"""The README's Medallia mapping (a built-in `file` source over a Medallia-style export) is
valid and gives the numbers plain Python computes from the same rows, on every engine."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from layout_helpers import make_project, plain_nps, values

README = Path(__file__).resolve().parents[1] / "README.md"
EXPORT = """\
Survey ID,Response Date,Likelihood to Recommend,Overall Satisfaction,Channel
1001,2026-03-02 10:15:00,10,5,Store
1002,2026-03-05 16:40:00,6,3,Web
1003,2026-03-09 09:00:00,9,4,Web
1002,2026-03-05 16:40:00,6,3,Web
1004,2026-04-03 12:30:00,,2,Store
1005,2026-04-07 08:05:00,8,5,Web
"""


def readme_block() -> tuple[str, str]:
    block = re.search(r"```yaml\n# medallia-example[^\n]*\n(.*?)```", README.read_text(), re.S).group(1)
    sources, metrics = block.split("metrics:\n")
    return sources.removeprefix("sources:\n"), metrics


def test_the_readme_mapping_matches_plain_python(tmp_path, warehouse):
    sources, metrics = readme_block()
    root = make_project(
        tmp_path / "p",
        re.sub(r"(?m)^  ", "", sources),
        re.sub(r"(?m)^  ", "", metrics),
        files={"medallia_export.csv": EXPORT},
    )
    got = values(root, ["ltr_nps", "osat"], warehouse)
    rows = {r.split(",")[0]: r.split(",") for r in EXPORT.splitlines()[1:]}  # key: one per id
    march = [float(r[2]) for r in rows.values() if r[1].startswith("2026-03") and r[2]]
    assert got["ltr_nps"]["2026-03-01"] == (pytest.approx(plain_nps(march)), 3)
    web_april = [int(r[3]) for r in rows.values() if r[1].startswith("2026-04") and r[4] == "Web"]
    top_two = 100 * sum(s >= 4 for s in web_april) / len(web_april)
    assert got["osat"]["2026-04-01"] == (pytest.approx(top_two), 1)
