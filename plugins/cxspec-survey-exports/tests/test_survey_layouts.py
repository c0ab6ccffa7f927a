"""Qualtrics exports in every layout they come in (legacy, 2016, current with three or two
header rows, cleaned by a script), shared ImportIds, a byte-order mark: each read whole, on
DuckDB, SQLite and PostgreSQL, or refused with a located diagnostic, never a response lost."""

from __future__ import annotations

import pytest
from layout_helpers import diagnostics, make_project, number, plain_nps, total, values, write_csv
from survey_reference import EXAMPLE, expected

#: Ten responses: (response id, end date, NPS answer).
RESPONSES = [
    (f"R_{i:015d}", f"2016-0{5 + i % 2}-2{i % 10} 11:44:08", score)
    for i, score in enumerate(["10", "9", "3", "7", "8", "0", "10", "6", "", "9"], start=1)
]

LEGACY = [
    ["V1", "V2", "V3", "V4", "V5", "V6", "V7", "V8", "V9", "V10", "Q1", ""],
    ["ResponseID", "ResponseSet", "Name", "ExternalDataReference", "EmailAddress", "IPAddress",
     "Status", "StartDate", "EndDate", "Finished", "How likely are you to recommend us?", ""],
    *[[rid, "Default Response Set", "Anonymous", "", "", "", "0", end, end, "1", score, ""]
      for rid, end, score in RESPONSES],
]  # fmt: skip

SIXTEEN = [
    ["ResponseID", "ResponseSet", "StartDate", "EndDate", "Finished", "Status", "Q1"],
    ["ResponseID", "ResponseSet", "StartDate", "EndDate", "Finished", "Status", "How likely…?"],
    ["{'ImportId': 'responseId'}", "{'ImportId': 'responseSetId'}", "{'ImportId': 'startDate'}",
     "{'ImportId': 'endDate'}", "{'ImportId': 'finished'}", "{'ImportId': 'status'}", "{'ImportId': 'QID1'}"],
    *[[rid, "Default Response Set", end, end, "1", "0", score] for rid, end, score in RESPONSES],
]  # fmt: skip

SOURCE = """\
- id: q
  type: qualtrics_export
  path: data/{name}
  timezone: UTC
  questions:
    nps_score: {column}
"""
METRICS = """\
- id: nps
  type: nps
  source: q
  column: nps_score
- id: responses
  type: count
  source: q
"""


def plain(rows) -> tuple[float, int]:
    """NPS and responses of RESPONSES, in plain Python."""
    return plain_nps([number(s) for _, _, s in rows if s]), len(rows)


@pytest.mark.parametrize(
    ("layout", "rows", "column"),
    [("legacy", LEGACY, "Q1"), ("2016", SIXTEEN, "QID1"), ("2016", SIXTEEN, "Q1")],
)
def test_legacy_and_2016_exports_are_read(tmp_path, warehouse, layout, rows, column):
    name = f"{layout}.csv"
    root = make_project(tmp_path / "p", SOURCE.format(name=name, column=column), METRICS)
    write_csv(root / "data" / name, rows)
    assert diagnostics(root) == []
    got = values(root, ["nps", "responses"], warehouse)
    want_nps, want_count = plain(RESPONSES)
    assert total(got["responses"]) == want_count == 10
    nps_n = sum(n for _, n in got["nps"].values())
    assert nps_n == 9  # one skipped question
    # both months together: recompute over the months' shares
    weighted = sum(v * n for v, n in got["nps"].values()) / nps_n
    assert weighted == pytest.approx(want_nps)


def test_legacy_columns_are_exposed_under_their_ids_and_recorded_date_is_end_date(tmp_path):
    root = make_project(
        tmp_path / "p",
        SOURCE.format(name="l.csv", column="Q1") + "  key: ResponseId\n  filter: \"Status = 0\"\n",
        METRICS,
    )
    write_csv(root / "data" / "l.csv", LEGACY)
    assert diagnostics(root) == []
    from cxspec import default_registry
    from cxspec import validate_project

    project = validate_project(root, default_registry()).project
    assert project.sources["q"].time == "RecordedDate"
    from cxspec_survey_exports.qualtrics import parse_qualtrics

    layout = parse_qualtrics(root / "data" / "l.csv")
    by_name = {c.name: c.index for c in layout.columns}
    assert by_name["RecordedDate"] == by_name["EndDate"] == 8 and by_name["ResponseId"] == 0
    assert layout.refs["V8"] == by_name["StartDate"] and layout.refs["Q1"] == 10  # V ids map too


def test_an_unreadable_export_is_refused_once_without_follow_on_errors(tmp_path):
    """SVX001 alone: not also CX309 ("add time: …") for the metrics over it."""
    root = make_project(tmp_path / "p", SOURCE.format(name="plain.csv", column="Q1"), METRICS)
    write_csv(root / "data" / "plain.csv", [["id", "score"], ["1", "9"]])
    found = diagnostics(root)
    assert [code for code, *_ in found] == ["SVX001"], found
    root = make_project(tmp_path / "gone", SOURCE.format(name="missing.csv", column="Q1"), METRICS)
    assert [code for code, *_ in diagnostics(root)] == ["SVX001"]
    outside = SOURCE.format(name="x.csv", column="Q1").replace("data/x.csv", "../outside.csv")
    root = make_project(tmp_path / "out", outside, METRICS)
    assert [code for code, *_ in diagnostics(root)] == ["CX420"]


MULTI = [
    ["StartDate", "EndDate", "RecordedDate", "ResponseId", *[f"Q1_{k}" for k in range(1, 9)], "Q2"],
    ["Start Date", "End Date", "Recorded Date", "Response ID",
     *[f"Which did you use? - Channel {k}" for k in range(1, 9)], "How likely…?"],
    ['{"ImportId":"startDate","timeZone":"UTC"}', '{"ImportId":"endDate","timeZone":"UTC"}',
     '{"ImportId":"recordedDate","timeZone":"UTC"}', '{"ImportId":"_recordId"}',
     *['{"ImportId":"QID1"}'] * 8, '{"ImportId":"QID2"}'],
    ["2026-04-01 10:00:00", "2026-04-01 10:05:00", "2026-04-01 10:05:00", "R_aaaaaaaaaaaaaaa",
     "", "", "1", "", "", "", "", "1", "9"],
    ["2026-04-02 10:00:00", "2026-04-02 10:05:00", "2026-04-02 10:05:00", "R_bbbbbbbbbbbbbbb",
     "1", "", "1", "", "", "", "", "", "4"],
]  # fmt: skip


def test_a_shared_import_id_is_refused_with_the_columns_to_map(tmp_path):
    root = make_project(
        tmp_path / "p",
        """\
        - id: q
          type: qualtrics_export
          path: data/m.csv
          fields:
            channels: QID1
        """,
    )
    write_csv(root / "data" / "m.csv", MULTI)
    ((code, line, column, message, hint),) = diagnostics(root)
    assert (code, line, column) == ("SVX007", 7, 17)
    assert "shared by 8 columns" in message
    assert "Q1_1 (Channel 1)" in message and "Q1_8 (Channel 8)" in message
    assert "channels_1: Q1_1" in hint and "channels_2: Q1_2" in hint


def test_each_column_of_a_multi_select_question_reads_by_its_id(tmp_path, warehouse):
    root = make_project(
        tmp_path / "p",
        """\
        - id: q
          type: qualtrics_export
          path: data/m.csv
          fields:
            channel_3: Q1_3
            channel_8: Q1_8
        """,
        """\
        - id: used_3
          type: rate
          source: q
          condition: "channel_3 = '1'"
        - id: used_8
          type: rate
          source: q
          condition: "channel_8 = '1'"
        """,
    )
    write_csv(root / "data" / "m.csv", MULTI)
    got = values(root, ["used_3", "used_8"], warehouse)
    assert got["used_3"] == {"2026-04-01": (100.0, 2)}
    assert got["used_8"] == {"2026-04-01": (50.0, 2)}


# -- cleaned exports: the extra header rows removed by a script -------------------------------

PURCHASE = EXAMPLE / "data" / "qualtrics_post_purchase.csv"
PURCHASE_METRICS = ["purchase_nps", "purchase_csat", "purchase_ces", "purchase_completion"]


def example_with(tmp_path, rewrite) -> object:
    """A copy of the example whose post-purchase export is rewritten by `rewrite(rows)`."""
    import csv
    import shutil

    root = shutil.copytree(EXAMPLE, tmp_path / "cx-survey")
    with PURCHASE.open(newline="", encoding="utf-8-sig") as handle:
        rows = list(csv.reader(handle))
    write_csv(root / "data" / PURCHASE.name, rewrite(rows), bom=True)
    return root


def reference(metric_ids):
    want = expected()
    return {m: {p: (v, n) for p, (v, n, _inv, _moe) in want[m].items()} for m in metric_ids}


def same(got, want) -> bool:
    def equal(a, b) -> bool:  # (value, n)
        return a[1] == b[1] and a[0] == pytest.approx(b[0])

    return all(
        set(got[m]) == set(want[m]) and all(equal(got[m][p], want[m][p]) for p in want[m]) for m in want
    )


@pytest.mark.parametrize(
    "rewrite",
    [
        pytest.param(lambda rows: [rows[0], *rows[3:]], id="both-header-rows-removed"),
        pytest.param(lambda rows: [rows[0], rows[1], *rows[3:]], id="import-id-row-removed"),
        pytest.param(lambda rows: [rows[0], rows[2], *rows[3:]], id="question-text-row-removed"),
    ],
)
def test_a_cleaned_export_loses_no_response(tmp_path, warehouse, rewrite):
    root = example_with(tmp_path, rewrite)
    if rewrite([["a"], ["b"], ["c"]]) in ([["a"]], [["a"], ["b"]]):
        # no ImportId row: map by column ids, and say the time zone the export no longer names
        sources = root / "specs" / "sources.yaml"
        text = sources.read_text().replace("QID2  ", "Q2  ").replace("QID4_TEXT", "Q4_TEXT")
        sources.write_text(
            text.replace(
                "path: data/qualtrics_post_purchase.csv\n",
                "path: data/qualtrics_post_purchase.csv\n    timezone: America/Denver\n",
            )
        )
    got = values(root, PURCHASE_METRICS, warehouse)
    assert same(got, reference(PURCHASE_METRICS))


def test_import_ids_of_a_cleaned_export_are_refused_with_a_hint(tmp_path):
    root = example_with(tmp_path, lambda rows: [rows[0], *rows[3:]])
    found = [(code, message, hint) for code, _, _, message, hint in diagnostics(root)]
    assert [code for code, *_ in found] == ["SVX002", "SVX003", "SVX003"]  # no time zone either
    assert "'QID2'" in found[1][1] and "no ImportId row" in found[1][2] and "'Q2'?" in found[1][2]
    assert "'QID4_TEXT'" in found[2][1] and "'Q4_TEXT'?" in found[2][2]


def test_the_first_responses_of_a_cleaned_export_are_not_taken_for_headers(tmp_path):
    from cxspec_survey_exports.qualtrics import parse_qualtrics

    with PURCHASE.open(newline="", encoding="utf-8-sig") as handle:
        import csv

        rows = list(csv.reader(handle))
    path = write_csv(tmp_path / "c.csv", [rows[0], *rows[3:]])
    layout = parse_qualtrics(path)
    assert (layout.header_rows, layout.header_keys) == (1, ())
    assert "header rows removed" in layout.variant


# -- a byte-order mark -------------------------------------------------------------------------


@pytest.mark.parametrize("bom", [True, False])
def test_both_exports_read_the_same_with_or_without_a_bom(tmp_path, warehouse, bom):
    import shutil

    root = shutil.copytree(EXAMPLE, tmp_path / "cx-survey")
    for path in (root / "data").glob("*.csv"):
        text = path.read_bytes().decode("utf-8-sig")
        path.write_bytes((b"\xef\xbb\xbf" if bom else b"") + text.encode("utf-8"))
    metrics = ["purchase_nps", "support_nps", "onboarding_nps", "account_setup_ease"]
    assert same(values(root, metrics, warehouse), reference(metrics))


@pytest.mark.parametrize(
    "rewrite",
    [
        pytest.param(lambda rows: rows, id="three-header-rows"),
        pytest.param(lambda rows: [rows[0], *rows[3:]], id="header-rows-removed"),
    ],
)
def test_a_response_without_a_response_id_is_still_a_response(tmp_path, warehouse, rewrite):
    """A hand-edited export whose first response lost its ResponseId: counted, not dropped
    (and not taken for a header row); an empty line is not a response."""

    def blank_first_id(rows):
        rows = rewrite(rows)
        first = len(rewrite([["h1"], ["h2"], ["h3"]]))  # the first response's record
        rows[first] = ["" if i == rows[0].index("ResponseId") else c for i, c in enumerate(rows[first])]
        return [*rows, [""] * len(rows[0])]

    root = example_with(tmp_path, blank_first_id)
    sources = root / "specs" / "sources.yaml"
    text = sources.read_text().replace("    key: ResponseId\n", "")  # no de-duplication by key
    if len(rewrite([["a"], ["b"], ["c"]])) == 1:
        text = text.replace("QID2  ", "Q2  ").replace("QID4_TEXT", "Q4_TEXT").replace(
            "path: data/qualtrics_post_purchase.csv\n",
            "path: data/qualtrics_post_purchase.csv\n    timezone: America/Denver\n",
        )
    sources.write_text(text)
    count = "version: 1\nmetrics:\n  - id: purchase_rows\n    type: count\n    source: post_purchase\n"
    (root / "specs" / "rows.yaml").write_text(count)
    import csv

    with PURCHASE.open(newline="", encoding="utf-8-sig") as handle:
        records = list(csv.reader(handle))[3:]
    want = sum(1 for r in records if r[2] == "0")  # the source's filter: Status = 0
    assert total(values(root, ["purchase_rows"], warehouse)["purchase_rows"]) == want


def relation_rows(path) -> int:
    """How many rows the export's relation holds (responses, before any filter)."""
    import duckdb

    from cxspec_survey_exports import duckdb_sql
    from cxspec_survey_exports.qualtrics import parse_qualtrics

    relation = duckdb_sql.relation(str(path), parse_qualtrics(path), "UTC", [])
    return duckdb.connect().execute(f"SELECT count(*) FROM {relation.sql(dialect='duckdb')}").fetchone()[0]


def test_a_header_row_without_response_id_text_is_not_taken_for_a_response(tmp_path):
    """Header rows are told by their ResponseId text: a question-text row with none there is
    still a header row (and rows without a ResponseId are then not responses)."""
    import csv

    with PURCHASE.open(newline="", encoding="utf-8-sig") as handle:
        rows = list(csv.reader(handle))
    key = rows[0].index("ResponseId")
    blanked = [rows[0], [("" if i == key else c) for i, c in enumerate(rows[1])], *rows[2:]]
    assert relation_rows(write_csv(tmp_path / "q.csv", blanked)) == len(rows) - 3
    assert relation_rows(PURCHASE) == len(rows) - 3


def evaluate_timestamp(cells: list[str], zone: str) -> list:
    """The timestamp expression of the relation over `cells`, in DuckDB."""
    import duckdb

    from cxspec_survey_exports import duckdb_sql

    con = duckdb.connect()
    con.execute("SET TimeZone = 'UTC'")
    con.execute("CREATE TABLE t (c1 VARCHAR)")
    con.executemany("INSERT INTO t VALUES (?)", [[c] for c in cells])
    expression = duckdb_sql.timestamp(duckdb_sql.raw(0), zone)
    return [r[0] for r in con.execute(f"SELECT {expression.sql(dialect='duckdb')} FROM t").fetchall()]


@pytest.mark.parametrize(
    "first",
    [
        ["15.03.2022 12:33", "", "1", "Store"],  # a European date
        ["", "100", "", "Store"],  # only the progress says it is a response
        ["", "", "TRUE", "Store"],  # only Finished
    ],
)
def test_a_cleaned_exports_first_response_is_recognised_by_any_of_its_cells(tmp_path, first):
    from cxspec_survey_exports.qualtrics import parse_qualtrics

    ids = ["StartDate", "Progress", "Finished", "ResponseId"]
    rows = [ids, first, ["x", "100", "1", "R_bbbbbbbbbbbbbbb"]]
    layout = parse_qualtrics(write_csv(tmp_path / "c.csv", rows))
    assert layout.header_rows == 1
    assert relation_rows(tmp_path / "c.csv") == 2
