"""What a link leaves out is counted and said, never silent (product contract, Links): outcome
rows in the windows without a value, skipped in a value link's sums (warning CX622), and
responses whose customer id matches an outcome's only after trimming spaces and lower-casing
("C001 " or "c001" against "C001": the exact join finds no outcome, warning CX623). Counts
against plain Python on the rows, on DuckDB, SQLite and PostgreSQL (Spark:
plugins/cxspec-spark/tests/test_links_edges_spark.py); in `cxspec links --format json`
(`warnings`) and in the stored link of a report (`links[].warnings`)."""

from __future__ import annotations

import json
import re

import pytest

from tests.test_links_outcomes import EVENT_SPEC, RESPONSES, VALUE_SPEC, compute, in_window


def csv_text(header, rows):
    def cell(v):
        return "" if v is None else (f'"{v}"' if isinstance(v, str) and v != v.strip() else str(v))

    return header + "\n" + "".join(",".join(cell(v) for v in r) + "\n" for r in rows)


# c1 answers twice: its orders of Feb 5–9 fall in both windows, and count once per window
RESPONSES = RESPONSES + [("c1", "2026-02-04 12:00:00", 6)]  # a copy: the imported list stays as it is
ORDERS = [
    (f"c{i}", f"2026-02-{3 + (i + j) % 10:02d} 12:00:00", None if (i + j) % 4 == 0 else 2.5 * i + j)
    for i in range(1, 26)
    for j in range(3)
]
ORDERS += [("c7", "2026-01-01 00:00:00", None), ("c99", "2026-02-05 00:00:00", None)]  # in no window
# the latest outcome, the default --as-of of `run`: the last response's window ends then
ORDERS += [("c99", "2026-02-21 12:00:00", 1.0)]


def value_project(make_project):
    return make_project({
        "specs/a.yaml": VALUE_SPEC,
        "data/r.csv": csv_text("c,at,score", RESPONSES),
        "data/o.csv": csv_text("c,t,amount", ORDERS),
    })  # fmt: skip


def test_outcome_rows_without_a_value_in_the_windows_are_counted(make_project, run_main, warehouse):
    in_windows = [a for c, at, _ in RESPONSES for e, when, a in ORDERS if e == c and in_window(at, when)]
    empty = sum(a is None for a in in_windows)
    assert 0 < empty < len(in_windows)
    root = value_project(make_project)
    outcome = compute(root, warehouse)
    assert [d.code for d in outcome.diagnostics] == ["CX622"], outcome.diagnostics
    found = outcome.diagnostics[0]
    assert (
        f"{empty:,} of the {len(in_windows):,} outcome rows in the 10d windows of {len(RESPONSES)} responses "
        "have no value of 'amount'" in found.message
    ), found.message
    assert found.hint and outcome.groups  # computed, with the rows that have a value
    assert outcome.warnings == [
        {"link": "l", "code": "CX622", "n": empty, "text": found.message.removeprefix("link 'l': ")}
    ]
    code, out, err = run_main(
        "links", str(root), "--as-of", "2026-06-01", "--format", "json", "--warehouse", warehouse
    )
    assert code in (0, None) and "Traceback" not in err, err
    assert [(w["link"], w["code"], w["n"]) for w in json.loads(out)["warnings"]] == [("l", "CX622", empty)]
    # located at the link's `value:` (line 8, after `value: `)
    column = VALUE_SPEC.splitlines()[7].index("amount") + 1
    assert re.search(rf"specs/a\.yaml:8:{column}: warning CX622: link 'l': {empty} of the", err), err


def test_a_value_link_without_empty_values_says_nothing(make_project, warehouse):
    orders = [(c, when, 1.0 if a is None else a) for c, when, a in ORDERS]
    root = make_project({
        "specs/a.yaml": VALUE_SPEC,
        "data/r.csv": csv_text("c,at,score", RESPONSES),
        "data/o.csv": csv_text("c,t,amount", orders),
    })  # fmt: skip
    outcome = compute(root, warehouse)
    assert outcome.diagnostics == [] and outcome.warnings == []


# -- ids that match only in part -----------------------------------------------------------------

PARTIAL = {"c3": "c3 ", "c4": "C4", "c8": " C8 ", "c11": "c11\t"}  # a tab is not a space: no match


def partial_rows():
    """Responses as the survey tool exported them (some ids with a space or upper case) and
    subscriptions of the CRM ('c1'…'c25', 'c30 ' with its own space)."""
    responses = [(PARTIAL.get(c, c), at, score) for c, at, score in RESPONSES]
    responses += [("C30", "2026-02-02 12:00:00", 9), ("c40", "2026-02-02 12:00:00", 9)]
    subscriptions = [
        (f"c{i}", "2025-01-01 00:00:00", "2026-02-08 00:00:00" if i % 2 else None) for i in range(1, 26)
    ]
    subscriptions += [("c30 ", "2025-01-01 00:00:00", None)]
    return responses, subscriptions


def expected_partial(responses, subscriptions):
    """Plain Python: responses whose id is no outcome id but equals one trimmed of spaces and
    lower-cased; the first such id (in order) and the outcome id it meets."""
    ids = {c for c, _, _ in subscriptions}
    normal = {}
    for c in sorted(ids):
        normal.setdefault(c.strip(" ").lower(), c)
    found = [(c, normal[c.strip(" ").lower()]) for c, _, _ in responses
             if c not in ids and c.strip(" ").lower() in normal]  # fmt: skip
    return len(found), min(found)


def test_ids_that_match_only_after_trimming_and_lower_casing_are_counted(make_project, run_main, warehouse):
    responses, subscriptions = partial_rows()
    count, example = expected_partial(responses, subscriptions)
    assert count == 4 and example == (" C8 ", "c8")
    root = make_project({
        "specs/a.yaml": EVENT_SPEC,
        "data/r.csv": csv_text("c,at,score", responses),
        "data/s.csv": csv_text("c,b,e", subscriptions),
    })  # fmt: skip
    outcome = compute(root, warehouse)
    assert [d.code for d in outcome.diagnostics] == ["CX623"], outcome.diagnostics
    found = outcome.diagnostics[0]
    assert f"{count} of the {len(responses)} responses have a customer id" in found.message, found.message
    assert "(' C8 ' against 'c8')" in found.message, found.message
    assert "clean" in found.hint
    assert outcome.warnings[0]["n"] == count
    # the join itself is unchanged: exact ids only (c3 ' c3 ' finds no end, as before)
    ends = {c for c, _, e in subscriptions if e}
    events = {}
    for c, at, score in responses:
        group = "promoter" if score >= 9 else ("passive" if score >= 7 else "detractor")
        hit = c in ends and in_window(at, dict((s, e) for s, _, e in subscriptions)[c])
        n, k = events.get(group, (0, 0))
        events[group] = (n + 1, k + hit)
    for g in outcome.groups:
        assert g.n == events[g.group][0]
        assert g.value == pytest.approx(100 * events[g.group][1] / events[g.group][0], abs=1e-6)
    code, out, err = run_main("links", str(root), "--as-of", "2026-06-01", "--warehouse", warehouse)
    assert code in (0, None) and "Traceback" not in err, err
    assert re.search(r"specs/a\.yaml:6:\d+: warning CX623: link 'l': 4 of the", err), err


def test_exact_ids_run_no_partial_check_and_say_nothing(make_project, warehouse):
    subscriptions = [(f"c{i}", "2025-01-01 00:00:00", "2026-02-08 00:00:00") for i in range(1, 26)]
    root = make_project({
        "specs/a.yaml": EVENT_SPEC,
        "data/r.csv": csv_text("c,at,score", RESPONSES),
        "data/s.csv": csv_text("c,b,e", subscriptions),
    })  # fmt: skip
    assert compute(root, warehouse).diagnostics == []


def test_number_ids_are_not_checked(make_project, monkeypatch, warehouse):
    """Ids typed as numbers on both sides have no spaces or case: no extra query (text ids
    have one per link: CX623 costs a second read of both sources, measured in the commit)."""
    from cxspec.links import sql

    calls = []
    real = sql.partial_entities
    monkeypatch.setattr(sql, "partial_entities", lambda *a, **k: calls.append(1) or real(*a, **k))
    spec = EVENT_SPEC.replace("entity: c}", "entity: c, columns: {c: integer}}").replace(
        "entity: c, start", "entity: c, columns: {c: integer}, start"
    )
    subscriptions = [(i, "2025-01-01 00:00:00", "2026-02-08 00:00:00") for i in range(1, 26)]
    root = make_project({
        "specs/a.yaml": spec,
        "data/r.csv": csv_text("c,at,score", [(int(c[1:]), at, s) for c, at, s in RESPONSES]),
        "data/s.csv": csv_text("c,b,e", subscriptions),
    })  # fmt: skip
    outcome = compute(root, warehouse)
    assert outcome.diagnostics == [] and outcome.groups
    assert calls == []


# -- in reports ----------------------------------------------------------------------------------

CONFIG = "version: 1\nproject: counted\nsegments: [region]\n"


@pytest.fixture(params=["duckdb", "sqlite", "postgres"])
def url(request, tmp_path):
    if request.param == "postgres":
        return request.getfixturevalue("postgres_url")
    return f"{request.param}:///{tmp_path / 'results.db'}"


def reported_project(make_project, url):
    spec = VALUE_SPEC.replace("entity: c}", "entity: c, dimensions: [region]}", 1)
    spec += "metrics:\n  - {id: mean_score, type: mean, source: r, column: score}\n"
    rows = [(c, at, s, ["EMEA", "AMER"][i % 2]) for i, (c, at, s) in enumerate(RESPONSES)]
    return make_project(
        {"specs/a.yaml": spec, "data/r.csv": csv_text("c,at,score,region", rows),
         "data/o.csv": csv_text("c,t,amount", ORDERS)},
        config=CONFIG.replace("counted", f"k{abs(hash(url)) % 10**6}"),
    )  # fmt: skip


def test_a_stored_link_carries_its_counts_into_reports(make_project, run_main, url, tmp_path):
    empty = sum(
        a is None for c, at, _ in RESPONSES for e, when, a in ORDERS if e == c and in_window(at, when)
    )
    root = reported_project(make_project, url)
    code, out, err = run_main("run", str(root), "--warehouse", url, "-q")
    assert code == 0, out + err
    code, out, err = run_main("report", str(root), "--warehouse", url, "--format", "json")
    assert code == 0, err
    (link,) = json.loads(out)["links"]
    assert link["sentence"], link
    assert [(w["code"], w["n"]) for w in link["warnings"]] == [("CX622", empty)]
    for fmt in ("md", "terminal", "html"):
        code, out, err = run_main("report", str(root), "--warehouse", url, "--format", fmt)
        assert code == 0, err
        assert f"{empty} of the" in out and "CX622" in out, (fmt, out)


def test_a_segment_report_says_links_are_for_the_whole_programme(make_project, run_main, url, tmp_path):
    root = reported_project(make_project, url)
    code, out, err = run_main("run", str(root), "--warehouse", url, "-q")
    assert code == 0, out + err
    said = "computed for the whole programme only"
    for fmt in ("md", "terminal", "html", "json"):
        code, out, err = run_main(
            "report", str(root), "--warehouse", url, "--segment", "region=EMEA", "--format", fmt
        )
        assert code == 0, err
        assert said in out, (fmt, out)
        assert "CX622" not in out  # the total's figures are not shown as the segment's
    code, out, err = run_main("report", str(root), "--warehouse", url, "--format", "md")
    assert said not in out and "CX622" in out
    # the total's dashboard: its segment selector changes the other figures, not the links'
    code, out, err = run_main("report", str(root), "--warehouse", url, "--format", "html")
    assert "For the whole programme: links are not computed per segment." in out


@pytest.mark.parametrize("field", ["cx", "outcome"])
def test_a_yes_no_column_is_named_as_such_not_as_text(make_project, run_main, warehouse, field):
    """A yes/no score (or summed value) was refused as "text (BOOLEAN)": it is refused as
    yes/no, not a number, with what a link needs instead, on every engine."""
    responses = [
        (c, at, "yes" if s >= 9 else "no") if field == "cx" else (c, at, s) for c, at, s in RESPONSES
    ]
    orders = [(f"c{i}", f"2026-02-{2 + i % 10:02d} 12:00:00", "yes" if i % 2 else "no") for i in range(1, 26)]
    root = make_project(
        {
            "specs.yaml": VALUE_SPEC.replace(", columns: {amount: number}", ""),
            "data/r.csv": csv_text("c,at,score", responses),
            "data/o.csv": csv_text(
                "c,t,amount", orders if field == "outcome" else [(c, t, 5) for c, t, _ in orders]
            ),
        }
    )
    code, out, err = run_main("links", str(root), "--warehouse", warehouse, "--as-of", "2026-06-01")
    what, column, source = ("score", "score", "r") if field == "cx" else ("outcome value", "amount", "o")
    assert "Traceback" not in err, err
    assert re.search(
        rf"error CX603: link 'l': the {what} column '{column}' of source '{source}' "
        r"is yes/no \(\w+\), not a number",
        err,
    ), err
    assert ("use `event:`" in err) == (field == "outcome")
