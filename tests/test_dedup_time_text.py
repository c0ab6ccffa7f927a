"""De-duplication by key keeps the row with the latest TIME, not the greatest text: a time
column written in a `time_format:` ("31/12/2025" > "05/01/2026" as text), or declared text
with mixed separators and offsets ("2026-01-31T23:00" > "2026-02-01 01:00" as text;
"10:00+05:00" is before "08:00Z"), kept the older row of a key on every engine: the metric
and the link's responses counted a superseded answer. Figures against plain Python."""

from __future__ import annotations

import datetime as dt

import pytest

from cxspec import load_project
from cxspec.query import Request, compute, connect
from cxspec.registry import default_registry

SPECS = """\
version: 1
sources:
  - id: responses
    type: file
    path: data/responses.csv
    time: t
    key: id
    entity: customer_id
    {extra}
  - id: subs
    type: file
    path: data/subs.csv
    key: sub_id
    entity: customer_id
    start: started_at
    end: ended_at
metrics:
  - {{id: mean_score, type: mean, source: responses, column: score}}
  - {{id: answers, type: count, source: responses}}
links:
  - id: churn
    cx: {{source: responses, column: score, groups: nps}}
    outcome: {{source: subs, event: end, within: 30d}}
"""

UTC = dt.timezone.utc


def written(moment: dt.datetime, i: int, style: str) -> str:
    if style == "format":
        return moment.strftime("%d/%m/%Y %H:%M")
    if i % 3 == 0:  # another offset, the same instant
        return (moment.astimezone(dt.timezone(dt.timedelta(hours=5)))).isoformat(timespec="minutes")
    return moment.strftime("%Y-%m-%dT%H:%M" if i % 3 == 1 else "%Y-%m-%d %H:%M")


@pytest.mark.parametrize(
    "style, extra", [("format", 'time_format: "%d/%m/%Y %H:%M"'), ("text", "columns: {t: text}")]
)
def test_the_latest_time_of_a_key_wins(make_project, warehouse, style, extra):
    from cxspec.links.compute import compute_links

    rows = []  # (id, customer, time, score): each id answered twice
    for i in range(40):
        first = dt.datetime(2025, 12, 20 + i % 10, 10 + i % 5, tzinfo=UTC)
        # the same day (the text's separator or offset decides), or two weeks later
        second = first + (dt.timedelta(hours=1 + i % 3) if i % 2 else dt.timedelta(days=13, hours=-(i % 4)))
        rows.append((i, f"c{i % 6}", first, i % 11))
        rows.append((i, f"c{i % 6}", second, (i * 7 + 3) % 11))
    rows.sort(key=lambda r: (r[3], r[0]))  # neither the earlier nor the later first in the file
    ends = {"c0": "2026-01-20", "c2": "2026-02-03", "c5": "2026-01-05"}
    found = {
        "specs.yaml": SPECS.format(extra=extra),
        "data/responses.csv": "id,customer_id,t,score\n"
        + "".join(f"{i},{c},{written(t, j, style)},{s}\n" for j, (i, c, t, s) in enumerate(rows)),
        "data/subs.csv": "sub_id,customer_id,started_at,ended_at\n"
        + "".join(f"{c},{c},2025-06-01,{e}\n" for c, e in ends.items()),
    }
    latest: dict = {}
    for i, customer, t, score in rows:
        if i not in latest or t > latest[i][1]:
            latest[i] = (customer, t, score)
    months: dict = {}
    links: dict = {}
    for customer, t, score in latest.values():
        months.setdefault(t.strftime("%Y-%m-01"), []).append(score)
        end = dt.datetime.fromisoformat(ends[customer]).replace(tzinfo=UTC) if customer in ends else None
        group = "promoter" if score >= 9 else "passive" if score >= 7 else "detractor"
        links.setdefault(group, []).append(100.0 if end and t < end <= t + dt.timedelta(days=30) else 0.0)
    want = {("mean_score", m): sum(s) / len(s) for m, s in months.items()}
    want.update({("answers", m): len(s) for m, s in months.items()})
    project = load_project(make_project(found))
    got = {(r.metric, r.period): r.value for r in compute(project, Request(), default_registry(), warehouse)}
    assert got == pytest.approx(want)
    with connect(warehouse, project, default_registry()) as connection:
        out = compute_links(connection, project, default_registry(), as_of=dt.datetime(2026, 6, 1))
    assert {g.group: g.n for g in out.groups} == {g: len(v) for g, v in links.items()}
    assert {g.group: g.value for g in out.groups} == pytest.approx(
        {g: sum(v) / len(v) for g, v in links.items()}
    )
