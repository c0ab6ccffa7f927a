"""Links whose windows hold no outcome that data could show: a value column left empty
(everywhere, or on every row in the windows), an event column left empty, entity keys that
differ between the sources. Every group would show 0 (0.00 per response, 0%), which is missing
data, not a finding: the link is not computed and says so, located (CX613). Where the data can
show an outcome (some values, events outside the windows), the groups are computed (NULL
values skipped in sums, 0% with its interval), checked against plain Python on DuckDB, SQLite
and PostgreSQL."""

from __future__ import annotations

import datetime as dt
import json
import re

import pytest

from cxspec.query import connect
from cxspec.registry import default_registry
from cxspec.validate import validate_project

AS_OF = dt.datetime(2026, 6, 1)


def compute(root, url):
    from cxspec.links.compute import compute_links

    result = validate_project(root, default_registry())
    assert result.ok, result.diagnostics
    registry = default_registry()
    with connect(url, result.project, registry) as wh:
        return compute_links(wh, result.project, registry, as_of=AS_OF)


def csv_text(header, rows):
    return header + "\n" + "".join(",".join("" if v is None else str(v) for v in r) + "\n" for r in rows)


VALUE_SPEC = (
    "version: 1\nsources:\n"
    "  - {id: r, type: file, path: data/r.csv, time: at, entity: c}\n"
    "  - {id: o, type: file, path: data/o.csv, time: t, entity: c, columns: {amount: number}}\n"
    "links:\n  - id: l\n    cx: {source: r, column: score, groups: nps}\n"
    "    outcome: {source: o, value: amount, within: 10d}\n"
)
EVENT_SPEC = (
    "version: 1\nsources:\n"
    "  - {id: r, type: file, path: data/r.csv, time: at, entity: c}\n"
    "  - {id: s, type: file, path: data/s.csv, entity: c, start: b, end: e}\n"
    "links:\n  - id: l\n    cx: {source: r, column: score, groups: nps}\n"
    "    outcome: {source: s, event: end, within: 10d}\n"
)
RESPONSES = [(f"c{i}", f"2026-02-{1 + i % 10:02d} 12:00:00", [10, 9, 8, 3, 0][i % 5]) for i in range(1, 26)]


def nps(score):
    return "promoter" if score >= 9 else ("passive" if score >= 7 else "detractor")


def in_window(at, when, days=10):
    t, w = dt.datetime.fromisoformat(at), dt.datetime.fromisoformat(when)
    return t < w <= t + dt.timedelta(days=days)


def not_measurable(outcome):
    assert outcome.groups == [] and outcome.contrasts == [], outcome.groups
    assert [d.code for d in outcome.diagnostics] == ["CX613"], outcome.diagnostics
    return outcome.diagnostics[0]


def test_a_value_column_empty_everywhere_is_not_a_mean_of_zero(make_project, run_main, warehouse):
    orders = [(f"c{i}", f"2026-02-{3 + i % 10:02d} 12:00:00", None) for i in range(1, 26)]
    root = make_project({
        "specs/a.yaml": VALUE_SPEC,
        "data/r.csv": csv_text("c,at,score", RESPONSES),
        "data/o.csv": csv_text("c,t,amount", orders),
    })  # fmt: skip
    # plain Python: every response has an order in its window, and none has an amount
    matches = sum(in_window(at, when) for c, at, _ in RESPONSES for e, when, _ in orders if e == c)
    assert matches == 25
    found = not_measurable(compute(root, warehouse))
    assert f"in the 10d windows of 25 responses ({matches} matches)" in found.message
    code, out, err = run_main("links", str(root), "--as-of", "2026-06-01", "--warehouse", warehouse)
    assert code in (0, None) and "Traceback" not in err, err
    assert re.search(
        r"specs/a\.yaml:8:\d+: warning CX613: link 'l': the outcome value 'amount' is empty", err
    )
    assert "0.00" not in out, out


def test_a_value_empty_on_every_row_in_the_windows_is_not_a_mean_of_zero(make_project, warehouse):
    """Amounts there are, but only on orders outside every window (before the responses, or
    of customers who did not answer): the windows' rows all lack one."""
    orders = [(f"c{i}", f"2026-02-{3 + i % 10:02d} 12:00:00", None) for i in range(1, 26)]
    orders += [(f"c{i}", "2026-01-01 00:00:00", 10 * i) for i in range(1, 26)]  # before every response
    orders += [("c99", "2026-02-05 00:00:00", 500)]  # no response
    root = make_project({
        "specs/a.yaml": VALUE_SPEC,
        "data/r.csv": csv_text("c,at,score", RESPONSES),
        "data/o.csv": csv_text("c,t,amount", orders),
    })  # fmt: skip
    valued = [a for c, at, _ in RESPONSES for e, when, a in orders if e == c and in_window(at, when)]
    assert valued and all(a is None for a in valued)
    assert "is empty on every row of source 'o'" in not_measurable(compute(root, warehouse)).message


def test_some_values_in_the_windows_give_means_with_null_skipped(make_project, warehouse):
    orders = [
        (f"c{i}", f"2026-02-{3 + i % 10:02d} 12:00:00", None if i % 3 else 7.5 * i) for i in range(1, 26)
    ]
    root = make_project({
        "specs/a.yaml": VALUE_SPEC,
        "data/r.csv": csv_text("c,at,score", RESPONSES),
        "data/o.csv": csv_text("c,t,amount", orders),
    })  # fmt: skip
    sums: dict = {}
    for c, at, score in RESPONSES:
        total = sum(a for e, when, a in orders if e == c and a is not None and in_window(at, when))
        sums.setdefault(nps(score), []).append(total)
    empty = sum(
        a is None for c, at, _ in RESPONSES for e, when, a in orders if e == c and in_window(at, when)
    )
    outcome = compute(root, warehouse)
    # the empty ones are skipped, and counted (CX622: tests/test_links_counted.py)
    assert [(d.code, d.message.split(" of the")[0]) for d in outcome.diagnostics] == [
        ("CX622", f"link 'l': {empty}")
    ]
    groups = {g.group: g for g in outcome.groups}
    for name, values in sums.items():
        assert groups[name].n == len(values)
        assert groups[name].value == pytest.approx(sum(values) / len(values), abs=1e-6)
    assert any(g.value for g in outcome.groups)


def test_an_event_column_left_empty_is_not_a_rate_of_zero(make_project, run_main, warehouse):
    """No subscription has an end (the column was exported blank): 0% in every group would be
    no finding."""
    subscriptions = [(f"c{i}", "2025-01-01 00:00:00", None) for i in range(1, 26)]
    root = make_project({
        "specs/a.yaml": EVENT_SPEC,
        "data/r.csv": csv_text("c,at,score", RESPONSES),
        "data/s.csv": csv_text("c,b,e", subscriptions),
    })  # fmt: skip
    found = not_measurable(compute(root, warehouse))
    assert "no row of source 's' has the event 'end' (column empty)" in found.message
    code, out, err = run_main(
        "links", str(root), "--as-of", "2026-06-01", "--format", "json", "--warehouse", warehouse
    )
    assert code in (0, None) and "Traceback" not in err, err
    assert json.loads(out) == {"links": [], "contrasts": [], "warnings": []}
    assert re.search(r"specs/a\.yaml:8:\d+: warning CX613: link 'l': no row of source 's'", err), err


def test_entity_keys_that_differ_are_not_a_rate_of_zero(make_project, warehouse):
    """The CRM exports 'C1', the survey tool 'c1': no response's customer is in the outcome
    source, so no window can hold an event."""
    subscriptions = [(f"C{i}", "2025-01-01 00:00:00", "2026-02-08 00:00:00") for i in range(1, 26)]
    root = make_project({
        "specs/a.yaml": EVENT_SPEC,
        "data/r.csv": csv_text("c,at,score", RESPONSES),
        "data/s.csv": csv_text("c,b,e", subscriptions),
    })  # fmt: skip
    assert not {c for c, _, _ in RESPONSES} & {c for c, _, _ in subscriptions}
    outcome = compute(root, warehouse)
    # said twice: each id matches but for its case (CX623: tests/test_links_counted.py), and
    # the link is not computed (CX613, the reason stored)
    partial, found = outcome.diagnostics
    assert partial.code == "CX623" and "25 of the 25 responses" in partial.message, partial.message
    outcome.diagnostics = [found]
    found = not_measurable(outcome)
    assert "none of the 25 responses' customers is in source 's'" in found.message
    assert [o["code"] for o in outcome.omitted] == ["CX613"]


def test_events_only_before_the_responses_are_a_rate_of_zero(make_project, warehouse):
    """Every customer is in the outcome source and ends are recorded, none in a window (all
    before the responses): 0% is then measured, with Wilson's interval, as plain Python says."""
    subscriptions = [
        (f"c{i}", "2025-01-01 00:00:00", f"2026-01-{1 + i % 20:02d} 00:00:00") for i in range(1, 26)
    ]
    root = make_project({
        "specs/a.yaml": EVENT_SPEC,
        "data/r.csv": csv_text("c,at,score", RESPONSES),
        "data/s.csv": csv_text("c,b,e", subscriptions),
    })  # fmt: skip
    assert not any(in_window(at, when) for c, at, _ in RESPONSES for e, _, when in subscriptions if e == c)
    outcome = compute(root, warehouse)
    assert outcome.diagnostics == []
    n = {}
    for _, _, score in RESPONSES:
        n[nps(score)] = n.get(nps(score), 0) + 1
    for g in outcome.groups:
        z2 = 1.959963984540054**2
        assert (g.n, g.value, g.lower) == (n[g.group], 0.0, 0.0)
        assert g.upper == pytest.approx(100 * z2 / (n[g.group] + z2), abs=1e-6)  # Wilson at 0 events


def test_one_event_in_a_window_gives_rates(make_project, warehouse):
    """The other side of the rule: one event is a measurement (rates, not CX613)."""
    subscriptions = [(f"c{i}", "2025-01-01 00:00:00", None) for i in range(1, 26)]
    subscriptions[4] = ("c5", "2025-01-01 00:00:00", "2026-02-10 00:00:00")  # c5 answered 02-06: in
    root = make_project({
        "specs/a.yaml": EVENT_SPEC,
        "data/r.csv": csv_text("c,at,score", RESPONSES),
        "data/s.csv": csv_text("c,b,e", subscriptions),
    })  # fmt: skip
    outcome = compute(root, warehouse)
    assert outcome.diagnostics == []
    want: dict = {}
    for c, at, score in RESPONSES:
        hit = any(e == c and when and in_window(at, when) for e, _, when in subscriptions)
        n, k = want.get(nps(score), (0, 0))
        want[nps(score)] = (n + 1, k + hit)
    assert want["promoter"][1] == 1
    for g in outcome.groups:
        n, k = want[g.group]
        assert (g.n, g.value) == (n, pytest.approx(100 * k / n, abs=1e-6))


def test_a_run_stores_no_zero_for_a_link_not_measured(make_project, run_main, tmp_path):
    orders = [(f"c{i}", f"2026-02-{3 + i % 10:02d} 12:00:00", None) for i in range(1, 26)]
    root = make_project({
        "specs/a.yaml": VALUE_SPEC + "metrics:\n  - {id: answers, type: count, source: r}\n",
        "data/r.csv": csv_text("c,at,score", RESPONSES),
        "data/o.csv": csv_text("c,t,amount", orders),
    })  # fmt: skip
    out_dir = tmp_path / "out"
    url = f"duckdb:///{tmp_path / 'results.duckdb'}"
    code, out, err = run_main(
        "run", str(root), "--as-of", "2026-06-01", "--warehouse", url, "--out", str(out_dir)
    )
    assert code in (0, None) and "Traceback" not in err, err
    assert re.search(r"specs/a\.yaml:8:\d+: warning CX613", err + out), err + out
    report = json.loads((out_dir / "report.json").read_text())
    # listed as not computed, with no group (test_a_link_not_computed_or_without_contrast_…)
    assert [(e["link"], e["groups"], e["contrast"]) for e in report["links"]] == [("l", [], None)]
    assert "0.00 per response" not in (out_dir / "report.md").read_text()


@pytest.mark.parametrize("groups", ["nps", "top_box"])
def test_scores_off_the_scale_are_counted_and_said(make_project, run_main, warehouse, groups):
    """An NPS of 11, 7.5 or -1 (a 0–10 score under a 1–5 top box): the response was left out
    of the groups silently. Now counted (CX615); the groups are the valid responses'."""
    scores = [11, 7.5, -1, 10, 9, 8, 3, 0, 5, 4, 1, 2, 6, 10, 9, 0, 2, 4]
    responses = [(f"c{i}", f"2026-02-{1 + i % 10:02d} 12:00:00", s) for i, s in enumerate(scores, 1)]
    subscriptions = [
        (f"c{i}", "2025-01-01 00:00:00", "2026-02-09 00:00:00" if i % 3 else None) for i in range(1, 19)
    ]
    spec = (
        EVENT_SPEC if groups == "nps" else EVENT_SPEC.replace("groups: nps", "groups: top_box, scale: [1, 5]")
    )
    root = make_project({
        "specs/a.yaml": spec,
        "data/r.csv": csv_text("c,at,score", responses),
        "data/s.csv": csv_text("c,b,e", subscriptions),
    })  # fmt: skip
    low, high = (0, 10) if groups == "nps" else (1, 5)
    valid = [(c, at, s) for c, at, s in responses if low <= s <= high and s == int(s)]
    invalid = len(responses) - len(valid)
    assert invalid == (3 if groups == "nps" else 11)
    outcome = compute(root, warehouse)
    assert [d.code for d in outcome.diagnostics] == ["CX615"]
    assert f"{invalid} of {len(responses)} responses" in outcome.diagnostics[0].message

    def group(s):
        return nps(s) if groups == "nps" else ("top_box" if s >= 4 else "rest")

    want: dict = {}
    for c, at, s in valid:
        hit = any(e == c and when and in_window(at, when) for e, _, when in subscriptions)
        n, k = want.get(group(s), (0, 0))
        want[group(s)] = (n + 1, k + hit)
    got = {g.group: (g.n, g.value) for g in outcome.groups}
    assert got == {name: (n, pytest.approx(100 * k / n, abs=1e-6)) for name, (n, k) in want.items()}
    code, out, err = run_main("links", str(root), "--as-of", "2026-06-01", "--warehouse", warehouse)
    assert code in (0, None) and re.search(r"specs/a\.yaml:7:\d+: warning CX615: link 'l'", err), err


def test_every_score_off_the_scale_is_said_once(make_project, warehouse):
    responses = [(f"c{i}", f"2026-02-{1 + i % 10:02d} 12:00:00", 11 + i) for i in range(1, 6)]
    root = make_project({
        "specs/a.yaml": EVENT_SPEC,
        "data/r.csv": csv_text("c,at,score", responses),
        "data/s.csv": csv_text("c,b,e", [("c1", "2025-01-01 00:00:00", "2026-02-05 00:00:00")]),
    })  # fmt: skip
    outcome = compute(root, warehouse)
    assert outcome.groups == [] and [d.code for d in outcome.diagnostics] == ["CX615"]
    assert "5 of 5 responses" in outcome.diagnostics[0].message


def test_a_link_not_computed_or_without_contrast_is_said_in_the_report(make_project, run_main, tmp_path):
    """The report is where decisions are read: a link `run` could not compute (CX613) and one
    without a contrast (no promoter: CX611) were simply missing from "What CX is worth"."""
    orders = [(f"c{i}", f"2026-02-{3 + i % 10:02d} 12:00:00", None) for i in range(1, 26)]
    no_promoters = [(c, at, min(s, 8)) for c, at, s in RESPONSES]
    subscriptions = [
        (f"c{i}", "2025-01-01 00:00:00", "2026-02-09 00:00:00" if i % 3 else "2026-04-01 00:00:00")
        for i in range(1, 26)
    ]
    spec = (
        "version: 1\nsources:\n"
        "  - {id: r, type: file, path: data/r.csv, time: at, entity: c}\n"
        "  - {id: o, type: file, path: data/o.csv, time: t, entity: c, columns: {amount: number}}\n"
        "  - {id: p, type: file, path: data/p.csv, time: at, entity: c}\n"
        "  - {id: s, type: file, path: data/s.csv, entity: c, start: b, end: e}\n"
        "links:\n  - id: l\n    cx: {source: r, column: score, groups: nps}\n"
        "    outcome: {source: o, value: amount, within: 10d}\n"
        "  - id: churn\n    cx: {source: p, column: score, groups: nps}\n"
        "    outcome: {source: s, event: end, within: 10d}\n"
    )
    root = make_project({
        "specs/a.yaml": spec + "metrics:\n  - {id: answers, type: count, source: r}\n",
        "data/r.csv": csv_text("c,at,score", RESPONSES),
        "data/o.csv": csv_text("c,t,amount", orders),
        "data/p.csv": csv_text("c,at,score", no_promoters),
        "data/s.csv": csv_text("c,b,e", subscriptions),
    })  # fmt: skip
    assert not [s for _, _, s in no_promoters if s >= 9]
    out_dir = tmp_path / "out"
    url = f"duckdb:///{tmp_path / 'results.duckdb'}"
    code, out, err = run_main(
        "run", str(root), "--as-of", "2026-06-01", "--warehouse", url, "--out", str(out_dir)
    )
    assert code in (0, None) and "Traceback" not in err, err
    links = {e["link"]: e for e in json.loads((out_dir / "report.json").read_text())["links"]}
    assert links["l"]["groups"] == [] and links["l"]["note"].startswith(
        "not computed: the outcome value 'amount' is empty on every row of source 'o'"
    ), links["l"]
    assert links["l"]["note"].endswith("(CX613)")
    assert (
        links["churn"]["contrast"] is None
        and links["churn"]["note"] == "no contrast: no promoters among the responses"
    )
    assert [g["n"] for g in links["churn"]["groups"]] == [0, 15, 10]
    for fmt in ("md", "terminal", "html"):
        code, out, err = run_main("report", str(root), "--warehouse", url, "--format", fmt)
        assert code in (0, None), err
        assert "l: not computed: the outcome value" in out and "(CX613)" in out, fmt
        assert "churn: no contrast: no promoters among the responses" in out, fmt
