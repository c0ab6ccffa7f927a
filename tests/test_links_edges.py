"""Links on awkward data: the same rows on DuckDB, SQLite and PostgreSQL must give the same
groups and contrasts, equal to a plain-Python window join written out here (each response,
its customer's events in (t, t + within], only windows ended by --as-of)."""

from __future__ import annotations

import datetime as dt
import json
import math
import re

import pytest

from cxspec.query import connect
from cxspec.registry import default_registry
from cxspec.validate import validate_project

ENGINES = ("duckdb", "sqlite", "postgres")
Z = 1.959963984540054
UTC = dt.UTC


@pytest.fixture(params=ENGINES)
def warehouse(request):
    if request.param == "postgres":
        return request.getfixturevalue("postgres_url")
    return f"{request.param}:///:memory:"


def compute(root, url, as_of):
    from cxspec.links.compute import compute_links

    result = validate_project(root, default_registry())
    assert result.ok, result.diagnostics
    registry = default_registry()
    with connect(url, result.project, registry) as wh:
        return compute_links(wh, result.project, registry, as_of=as_of)


def parse(text):
    moment = dt.datetime.fromisoformat(text.replace(" ", "T"))
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)


def nps(score):
    return "promoter" if score >= 9 else ("passive" if score >= 7 else "detractor")


def wilson(k, n):
    p = k / n
    d = 1 + Z * Z / n
    c = (p + Z * Z / (2 * n)) / d
    h = Z * math.sqrt(p * (1 - p) / n + Z * Z / (4 * n * n)) / d
    return max(0.0, c - h), min(1.0, c + h)


def expected_rates(responses, events, within, as_of):
    """responses: (entity, time, score); events: (entity, time). Per NPS group: (n, events)."""
    out = {}
    for entity, at, score in responses:
        if entity is None or score is None or at is None:
            continue
        t = parse(at)
        if t + within > as_of:
            continue  # the window has not ended: not "no event", not counted at all
        hit = any(e == entity and when and t < parse(when) <= t + within for e, when in events)
        n, k = out.get(nps(score), (0, 0))
        out[nps(score)] = (n + 1, k + hit)
    return out


def csv_text(header, rows):
    return header + "\n" + "".join(",".join("" if v is None else str(v) for v in r) + "\n" for r in rows)


SPEC = (
    "version: 1\nsources:\n"
    "  - {id: r, type: file, path: data/r.csv, time: at, entity: c, key: id}\n"
    "  - {id: s, type: file, path: data/s.csv, entity: c, start: b, end: e}\n"
    "links:\n  - id: l\n    cx: {source: r, column: score, groups: nps}\n"
    "    outcome: {source: s, event: end, within: 30d}\n"
)


def check(outcome, want):
    groups = {g.group: g for g in outcome.groups}
    for name in ("promoter", "passive", "detractor"):
        n, k = want.get(name, (0, 0))
        assert groups[name].n == n, (name, groups[name], want)
        if n:
            low, high = wilson(k, n)
            assert groups[name].value == pytest.approx(100 * k / n, abs=1e-6)
            assert groups[name].lower == pytest.approx(100 * low, abs=1e-6)
            assert groups[name].upper == pytest.approx(100 * high, abs=1e-6)


def test_window_edges_offsets_null_entities_and_several_responses(make_project, warehouse):
    responses = [
        (1, "r1", "2026-01-01 00:00:00+00:00", 10),  # event exactly at the window's end: counted
        (2, "r2", "2026-01-01 00:00:00+00:00", 2),  # event exactly at the response: not after it
        (3, "r3", "2026-01-10 00:00:00+00:00", 3),  # event before the response: not counted
        (4, "r4", "2026-01-05 23:30:00-02:00", 8),  # 01:30 UTC on the 6th: the offset counts
        (5, "r4", "2026-03-01 00:00:00+00:00", 1),  # a second response of the same customer
        (6, None, "2026-01-01 00:00:00+00:00", 0),  # no customer: cannot be linked
        (7, None, "2026-01-02 00:00:00+00:00", 10),
        (8, "r8", "2026-05-20 00:00:00+00:00", 0),  # window ends after --as-of: censored
        (9, "r9", "2026-01-01 00:00:00+00:00", 9),
        (10, "r10", "2026-01-03 00:00:00+00:00", 4),
    ]
    events = [
        ("r1", "2025-01-01 00:00:00+00:00", "2026-01-31 00:00:00+00:00"),
        ("r2", "2025-01-01 00:00:00+00:00", "2026-01-01 00:00:00+00:00"),
        ("r3", "2025-01-01 00:00:00+00:00", "2026-01-05 00:00:00+00:00"),
        ("r4", "2025-01-01 00:00:00+00:00", "2026-02-05 00:30:00+00:00"),  # 30d after 01:30 UTC: in
        ("r4", "2025-01-01 00:00:00+00:00", "2026-03-20 00:00:00+00:00"),
        ("r8", "2025-01-01 00:00:00+00:00", None),
        ("r9", "2025-01-01 00:00:00+00:00", None),
        ("r10", "2025-01-01 00:00:00+00:00", "2026-02-02 00:00:01+00:00"),  # one second too late
    ]
    root = make_project(
        {
            "specs/a.yaml": SPEC,
            "data/r.csv": csv_text("id,c,at,score", responses),
            "data/s.csv": csv_text("c,b,e", events),
        }
    )
    as_of = dt.datetime(2026, 6, 1, tzinfo=UTC)
    want = expected_rates(
        [r[1:] for r in responses], [(e[0], e[2]) for e in events], dt.timedelta(days=30), as_of
    )
    check(compute(root, warehouse, dt.datetime(2026, 6, 1)), want)


def newcombe(k_a, n_a, k_b, n_b):
    p_a, p_b = k_a / n_a, k_b / n_b
    (l_a, u_a), (l_b, u_b) = wilson(k_a, n_a), wilson(k_b, n_b)
    d = p_a - p_b
    return d, d - math.hypot(p_a - l_a, u_b - p_b), d + math.hypot(u_a - p_a, p_b - l_b)


def test_no_events_among_promoters_and_repeated_keys(make_project, warehouse):
    """Zero events in a group: Wilson from 0, Newcombe's limits, and no ratio (division by 0);
    a response key repeated at the same time keeps the same row on every engine."""
    responses = [
        (i, f"c{i}", f"2026-01-{1 + i % 20:02d} 08:00:00", [10, 9, 2, 0, 5, 8][i % 6]) for i in range(1, 31)
    ]
    responses += [(4, "c4", "2026-01-05 08:00:00", 10), (4, "c4", "2026-01-05 08:00:00", 1)]  # a tie
    events = [
        (f"c{i}", "2025-01-01 00:00:00", f"2026-01-{1 + i % 20 + 5:02d} 08:00:00")
        for i in range(1, 31)
        if [10, 9, 2, 0, 5, 8][i % 6] < 9 and i % 2
    ]
    root = make_project(
        {
            "specs/a.yaml": SPEC,
            "data/r.csv": csv_text("id,c,at,score", responses),
            "data/s.csv": csv_text("c,b,e", events),
        }
    )
    kept = {}
    for r in responses:  # of a key's rows alike in time, the greatest c, then score
        if r[0] not in kept or (r[2], r[3]) > (kept[r[0]][2], kept[r[0]][3]):
            kept[r[0]] = r
    as_of = dt.datetime(2026, 6, 1, tzinfo=UTC)
    want = expected_rates(
        [r[1:] for r in kept.values()], [(e[0], e[2]) for e in events], dt.timedelta(days=30), as_of
    )
    outcome = compute(root, warehouse, dt.datetime(2026, 6, 1))
    check(outcome, want)
    assert want["promoter"][1] == 0 and want["detractor"][1] > 0
    (contrast,) = outcome.contrasts
    d, low, high = newcombe(want["detractor"][1], want["detractor"][0], 0, want["promoter"][0])
    assert (contrast.a, contrast.b, contrast.ratio) == ("detractor", "promoter", None)
    assert contrast.difference == pytest.approx(100 * d, abs=1e-6)
    assert contrast.lower == pytest.approx(100 * low, abs=1e-6)
    assert contrast.upper == pytest.approx(100 * high, abs=1e-6)


VALUE_SPEC = (
    "version: 1\nsources:\n"
    "  - {id: r, type: file, path: data/r.csv, time: at, entity: c}\n"
    "  - {id: o, type: file, path: data/o.csv, time: t, entity: c}\n"
    "links:\n  - id: l\n    cx: {source: r, column: score, groups: nps}\n"
    "    outcome: {source: o, value: amount, within: 10d}\n"
)


def test_values_null_is_not_zero_and_dates_are_midnight_utc(make_project, warehouse):
    """An order with no amount adds nothing (its customer still counts, with 0); a date
    column is midnight UTC of that day, on every engine."""
    responses = [(f"c{i}", f"2026-02-{1 + i % 10:02d}", [10, 9, 8, 3, 0][i % 5]) for i in range(1, 26)]
    orders = [
        (f"c{i}", f"2026-02-{1 + i % 10 + i % 4 * 3:02d}", "" if i % 7 == 0 else round(i * 3.7, 2))
        for i in range(1, 26)
    ]
    orders += [
        (f"c{i}", f"2026-02-{1 + i % 10 + 10:02d}", 100) for i in range(1, 26, 3)
    ]  # at the window's end
    root = make_project(
        {
            "specs/a.yaml": VALUE_SPEC,
            "data/r.csv": csv_text("c,at,score", responses),
            "data/o.csv": csv_text("c,t,amount", orders),
        }
    )
    sums = {}
    for c, at, score in responses:
        t = dt.date.fromisoformat(at)
        total = sum(
            float(a)
            for e, when, a in orders
            if e == c and a != "" and t < dt.date.fromisoformat(when) <= t + dt.timedelta(days=10)
        )
        sums.setdefault(nps(score), []).append(total)
    outcome = compute(root, warehouse, dt.datetime(2026, 6, 1))
    groups = {g.group: g for g in outcome.groups}
    for name, values in sums.items():
        n = len(values)
        mean = sum(values) / n
        sd = math.sqrt(sum((v - mean) ** 2 for v in values) / (n - 1))
        assert groups[name].n == n
        assert groups[name].value == pytest.approx(mean, abs=1e-6)
        t = {4: 2.7764451051977987, 9: 2.2621571627409915}[n - 1] if n - 1 in (4, 9) else None
        if t:
            assert groups[name].lower == pytest.approx(mean - t * sd / math.sqrt(n), abs=1e-6)
    (contrast,) = outcome.contrasts
    assert contrast.ratio == pytest.approx(
        (sum(sums["detractor"]) / len(sums["detractor"])) / (sum(sums["promoter"]) / len(sums["promoter"])),
        abs=1e-6,
    )


def test_a_score_or_amount_column_with_some_text_leaves_those_rows_out(make_project, run_main, warehouse):
    """'N/A' among scores (and 'refunded' among amounts): the column is text to the warehouse.
    Those responses (orders) are left out with a warning, as metrics count them invalid; a
    column with no number at all is still refused (tests/test_links.py)."""
    responses = [(f"c{i}", f"2026-02-{1 + i % 10:02d}", [10, 9, 8, 3, 0][i % 5]) for i in range(1, 26)]
    responses[0] = ("c1", "2026-02-02", "N/A")
    orders = [(f"c{i}", f"2026-02-{3 + i % 10:02d}", round(i * 3.7, 2)) for i in range(1, 26)]
    orders[1] = ("c2", "2026-02-05", "refunded")
    root = make_project(
        {
            "specs/a.yaml": VALUE_SPEC,
            "data/r.csv": csv_text("c,at,score", responses),
            "data/o.csv": csv_text("c,t,amount", orders),
        }
    )
    code, out, err = run_main(
        "links", str(root), "--as-of", "2026-06-01", "--format", "json", "--warehouse", warehouse
    )
    assert code in (0, None), err
    assert re.search(r"specs/a\.yaml:7:\d+: warning CX608: link 'l': the score column 'score'", err), err
    assert re.search(
        r"specs/a\.yaml:8:\d+: warning CX608: link 'l': the outcome value column 'amount'", err
    ), err
    sums = {}
    for c, at, score in responses[1:]:
        t = dt.date.fromisoformat(at)
        window = (t, t + dt.timedelta(days=10))
        total = sum(
            a for e, when, a in orders
            if e == c and not isinstance(a, str) and window[0] < dt.date.fromisoformat(when) <= window[1]
        )  # fmt: skip
        sums.setdefault(nps(score), []).append(total)
    groups = {g["group"]: g for g in json.loads(out)["links"]}
    for name, values in sums.items():
        assert groups[name]["n"] == len(values)
        assert groups[name]["value"] == pytest.approx(sum(values) / len(values), abs=1e-6)


def test_a_text_score_or_amount_of_a_parquet_file_is_refused_alike_on_every_engine(
    make_project, run_main, warehouse
):
    """A text column of a Parquet file is text to every engine, numbers among it or not (cxspec
    reads the numbers among text only in the CSV files it types): SQLite, which reports no
    column types, read 'N/A' as a score of 0, and Spark took text holding only numbers."""
    import pyarrow as pa
    import pyarrow.parquet as pq

    spec = VALUE_SPEC.replace("data/r.csv", "data/r.parquet").replace("data/o.csv", "data/o.parquet")
    root = make_project({"specs/a.yaml": spec})
    (root / "data").mkdir()
    days = [dt.datetime(2026, 2, 1 + i % 10) for i in range(1, 26)]
    scores = ["N/A" if i == 1 else str([10, 9, 8, 3, 0][i % 5]) for i in range(1, 26)]
    people = [f"c{i}" for i in range(1, 26)]
    pq.write_table(pa.table({"c": people, "at": days, "score": scores}), root / "data" / "r.parquet")
    amounts = [str(round(i * 3.7, 2)) for i in range(1, 26)]  # numbers only, but text
    pq.write_table(pa.table({"c": people, "t": days, "amount": amounts}), root / "data" / "o.parquet")
    code, out, err = run_main(
        "links", str(root), "--as-of", "2026-06-01", "--format", "json", "--warehouse", warehouse
    )
    assert code == 1 and "Traceback" not in err, err
    assert re.search(r"specs/a\.yaml:7:\d+: error CX603: link 'l': the score column 'score'", err), err
    assert re.search(r"specs/a\.yaml:8:\d+: error CX603: link 'l': the outcome value column 'amount'", err), (
        err
    )
    assert err.count("= hint: the warehouse types the column as text") == 2, err


def test_a_future_outcome_time_without_as_of_is_a_located_warning(make_project, warehouse):
    """A subscription whose end is scheduled for 2099 made the default --as-of 2099: the
    recent responses, whose 30-day windows are not over, counted as complete with no event.
    That is now warned (CX612, at the link's outcome, naming the source, the latest time
    and "pass --as-of"); the bound is the data's (latest response + window), not the clock."""
    responses = [
        (i, f"c{i}", f"2026-0{1 + i % 3}-{1 + i:02d} 00:00:00", [10, 9, 8, 3, 0][i % 5]) for i in range(12)
    ]
    ends = [
        (f"c{i}", "2025-01-01 00:00:00", f"2026-0{1 + i % 3}-{10 + i:02d} 00:00:00") for i in range(0, 12, 3)
    ]
    ends.append(("c11", "2025-01-01 00:00:00", "2026-04-05 00:00:00"))  # before 03-12 + 30d: no warning
    plain = make_project(
        {
            "specs/a.yaml": SPEC,
            "data/r.csv": csv_text("id,c,at,score", responses),
            "data/s.csv": csv_text("c,b,e", ends),
        }
    )
    scheduled = ends + [("c10", "2025-01-01 00:00:00", "2099-12-31 00:00:00")]
    future = make_project(
        {
            "specs/a.yaml": SPEC,
            "data/r.csv": csv_text("id,c,at,score", responses),
            "data/s.csv": csv_text("c,b,e", scheduled),
        }
    )
    assert [d.code for d in compute(plain, warehouse, None).diagnostics] == []
    outcome = compute(future, warehouse, None)
    (warning,) = [d for d in outcome.diagnostics if d.code == "CX612"]
    assert warning.severity.name == "WARNING"
    assert warning.file.endswith("a.yaml") and warning.location.line > 0
    assert "'s'" in warning.message and "2099-12-31 00:00" in warning.message
    assert "2026-03-12 00:00" in warning.message  # the latest response
    assert "pass --as-of" in warning.hint
    # the figures are still the default cut's (2099: every window "complete"), as computed here
    as_of = dt.datetime(2099, 12, 31, tzinfo=UTC)
    want = expected_rates(
        [(c, at, s) for _, c, at, s in responses],
        [(c, e) for c, _, e in scheduled],
        dt.timedelta(days=30),
        as_of,
    )
    check(outcome, want)
    assert outcome.as_of["l"] == dt.datetime(2099, 12, 31)
    # --as-of given: no warning
    assert "CX612" not in [d.code for d in compute(future, warehouse, dt.datetime(2026, 6, 1)).diagnostics]


def test_refunds_a_negative_mean_has_no_ratio_on_every_engine(make_project, warehouse):
    """Detractors' outcome values are refunds (negative): their mean is < 0, so a / b is no
    "× as much"; the contrast has no ratio, the difference is the plain mean difference and
    the report's sentence gives both means."""
    from types import SimpleNamespace

    from cxspec.reports.analyses import sentence

    responses = [(f"c{i}", "2026-02-01", [10, 9, 2, 1, 0][i % 5]) for i in range(10)]
    orders = [(f"c{i}", "2026-02-05", (-3.5 - i) if i % 5 >= 2 else 20 + i) for i in range(10)]
    root = make_project(
        {
            "specs/a.yaml": VALUE_SPEC,
            "data/r.csv": csv_text("c,at,score", responses),
            "data/o.csv": csv_text("c,t,amount", orders),
        }
    )
    outcome = compute(root, warehouse, dt.datetime(2026, 6, 1))
    det = [float(a) for (c, _, s), (_, _, a) in zip(responses, orders, strict=True) if s <= 6]
    pro = [float(a) for (c, _, s), (_, _, a) in zip(responses, orders, strict=True) if s >= 9]
    groups = {g.group: g for g in outcome.groups}
    assert (
        groups["detractor"].value == pytest.approx(sum(det) / len(det), abs=1e-6)
        and groups["detractor"].value < 0
    )
    assert groups["promoter"].value == pytest.approx(sum(pro) / len(pro), abs=1e-6)
    (contrast,) = outcome.contrasts
    assert contrast.ratio is None
    assert contrast.difference == pytest.approx(sum(det) / len(det) - sum(pro) / len(pro), abs=1e-6)
    link = SimpleNamespace(within="10d", value="amount", event=None, outcome_source="o")
    text = sentence(link, contrast, groups)
    assert (
        "×" not in text and f"{sum(det) / len(det):,.2f}" in text and f"{contrast.difference:+,.2f}" in text
    )
