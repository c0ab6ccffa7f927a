"""'N/A' and "Don't know" among ratings, scores and amounts: the rows are left out (CX608), and
now counted, with the most frequent such values, so that an analyst sees how much of the
survey a driver's figures stand on. Counts against plain Python on the CSV rows, on DuckDB,
SQLite and PostgreSQL."""

from __future__ import annotations

import csv
import io
import json
import re
from collections import Counter


def rows_text(header, rows) -> str:
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(header)
    writer.writerows(rows)
    return out.getvalue()


def not_numbers(values) -> Counter:
    def number(v):
        try:
            float(v)
            return True
        except ValueError:
            return False

    return Counter(v for v in values if v != "" and not number(v))


def said(counts: Counter) -> str:
    top = sorted(counts.items(), key=lambda kv: (-kv[1], kv[0]))[:3]
    more = ", …" if len(counts) >= 3 else ""
    return f"({sum(counts.values()):,} rows: " + ", ".join(f"{v!r} {n:,}" for v, n in top) + more + ")"


DRIVERS_SPEC = """version: 1
sources:
  - {id: r, type: file, path: data/r.csv, time: at, entity: c, key: id}
drivers:
  - id: loyalty
    source: r
    outcome: ltr
    drivers:
      - {name: billing, column: billing}
      - {name: network, column: network}
"""


def test_a_driver_with_text_ratings_counts_the_rows_left_out(make_project, run_main, warehouse):
    rows = []
    for i in range(120):
        billing, network = 1 + i % 5, 1 + (i * 7) % 5
        ltr = min(10, billing + network + i % 3)
        if i % 9 == 0:
            billing = "N/A"
        elif i % 13 == 0:
            billing = "Don't know"
        elif i % 29 == 0:
            billing = "n/a"
        rows.append((i, f"c{i}", f"2026-01-{1 + i % 28:02d} 10:00:00", ltr, billing, network))
    root = make_project({"specs/a.yaml": DRIVERS_SPEC, "data/r.csv": rows_text(
        ["id", "c", "at", "ltr", "billing", "network"], rows)})  # fmt: skip
    counts = not_numbers(str(r[4]) for r in rows)
    assert sum(counts.values()) > 15 and len(counts) == 3
    code, out, err = run_main("drivers", str(root), "--warehouse", warehouse, "--format", "json")
    assert code in (0, None) and "Traceback" not in err, err
    assert re.search(
        r"specs/a\.yaml:9:\d+: warning CX608: driver 'billing' of 'loyalty' reads column 'billing', "
        r"which holds values that are not numbers "
        + re.escape(said(counts))
        + ": their rows are not complete cases",
        err,
    ), (err, said(counts))
    n = {d["n"] for d in json.loads(out)["drivers"]}
    assert n == {len(rows) - sum(counts.values())}


LINK_SPEC = """version: 1
sources:
  - {id: r, type: file, path: data/r.csv, time: at, entity: c}
  - {id: o, type: file, path: data/o.csv, time: t, entity: c}
links:
  - id: l
    cx: {source: r, column: score, groups: nps}
    outcome: {source: o, value: amount, within: 10d}
"""


def test_a_link_with_text_scores_and_amounts_counts_the_rows_left_out(make_project, run_main, warehouse):
    responses = [
        (f"c{i}", f"2026-02-{1 + i % 10:02d}", "N/A" if i % 7 == 0 else [10, 9, 8, 3, 0][i % 5])
        for i in range(1, 40)
    ]
    orders = [
        (f"c{i}", f"2026-02-{3 + i % 10:02d}", "refunded" if i % 6 == 0 else round(i * 3.7, 2))
        for i in range(1, 40)
    ]
    root = make_project({
        "specs/a.yaml": LINK_SPEC,
        "data/r.csv": rows_text(["c", "at", "score"], responses),
        "data/o.csv": rows_text(["c", "t", "amount"], orders),
    })  # fmt: skip
    code, out, err = run_main(
        "links", str(root), "--as-of", "2026-06-01", "--warehouse", warehouse, "--format", "json"
    )
    assert code in (0, None) and "Traceback" not in err, err
    # the other responses are still linked (the count once stopped the link without a word)
    assert sum(g["n"] for g in json.loads(out)["links"]) == sum(1 for r in responses if r[2] != "N/A")
    scores, amounts = not_numbers(str(r[2]) for r in responses), not_numbers(str(r[2]) for r in orders)
    assert (
        f"the score column 'score' of source 'r' holds values that are not numbers {said(scores)}" in err
    ), err
    assert (
        f"the outcome value column 'amount' of source 'o' holds values that are not numbers {said(amounts)}"
        in err
    )


def test_a_yes_no_outcome_with_dont_know_is_refused_with_a_hint_that_applies(
    make_project, run_main, warehouse
):
    """'Yes', 'No' and "Don't know" make the outcome text (CX603). The hint said to turn the
    values into numbers in an `expr`, which an outcome cannot have."""
    answers = ["Don't know" if i % 11 == 0 else ("Yes" if i % 3 else "No") for i in range(60)]
    rows = [
        (i, f"c{i}", f"2026-01-{1 + i % 28:02d} 10:00:00", answers[i], 1 + i % 5, 1 + (i * 7) % 5)
        for i in range(60)
    ]
    spec = DRIVERS_SPEC.replace("outcome: ltr", "outcome: renew")
    root = make_project({"specs/a.yaml": spec, "data/r.csv": rows_text(
        ["id", "c", "at", "renew", "billing", "network"], rows)})  # fmt: skip
    code, out, err = run_main("drivers", str(root), "--warehouse", warehouse)
    assert code == 1 and "Traceback" not in err, err
    assert re.search(
        r"specs/a\.yaml:7:\d+: error CX603: the outcome of 'loyalty' reads column 'renew'", err
    ), err
    hint = err.split("= hint:", 1)[1]
    assert "`expr`" not in hint and "yes/no as 1/0" in hint, hint
