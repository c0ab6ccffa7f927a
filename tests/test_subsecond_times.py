"""Times with sub-seconds on every engine: a time at 23:59:59.5 on a period's last day is in
that period, and a key's latest version is the latest to the sub-second, also in a SQLite
DATETIME column written the ways SQLite databases hold them (space or T, Z or an offset),
where SQLite's datetime() drops the fraction. Checked against plain Python on DuckDB,
SQLite and PostgreSQL tables, and on a CSV file. And a table's time written as empty text.
"""

from __future__ import annotations

import datetime as dt
import json
from collections import defaultdict

import pytest

CONFIG = "version: 1\nproject: subsec\ngrain: month\n"
SPECS = """\
version: 1
sources:
  - {id: latest, type: table, table: tickets, time: t, key: id}
  - {id: every, type: table, table: tickets, time: t}
metrics:
  - {id: kept_mean, type: mean, source: latest, column: score}
  - {id: rows, type: count, source: every}
"""
#: (id, time as the SQLite database holds it, score). Key 1's and 2's versions are 0.5 s apart
#: in the same second, written with a T or a space: the later one sorts first as text in one,
#: last in the other. Key 3 is at the last half-second of January, key 4 too, written with an
#: offset (00:59:59.5+01:00 on February 1st).
ROWS = [
    (1, "2026-01-31 23:59:59.2", 1),
    (1, "2026-01-31T23:59:59.7", 9),
    (2, "2026-01-31T23:59:59.2", 3),
    (2, "2026-01-31 23:59:59.7", 8),
    (3, "2026-01-31 23:59:59.5", 4),
    (4, "2026-02-01T00:59:59.500+01:00", 6),
    (5, "2026-02-28T23:59:59.999Z", 7),
]


def instant(text: str) -> dt.datetime:
    moment = dt.datetime.fromisoformat(text.replace("Z", "+00:00"))
    if moment.tzinfo is not None:
        moment = moment.astimezone(dt.timezone.utc).replace(tzinfo=None)
    return moment


def expected() -> dict:
    """(metric, period) → (value, n), in plain Python."""
    latest: dict[int, tuple] = {}
    for key, text, score in ROWS:
        if key not in latest or instant(text) > latest[key][0]:
            latest[key] = (instant(text), score)
    months: dict[str, list] = defaultdict(list)
    for moment, score in latest.values():
        months[moment.strftime("%Y-%m-01")].append(score)
    counts: dict[str, int] = defaultdict(int)
    for _, text, _ in ROWS:
        counts[instant(text).strftime("%Y-%m-01")] += 1
    found = {("kept_mean", m): (round(sum(s) / len(s), 6), len(s)) for m, s in months.items()}
    found.update({("rows", m): (float(c), c) for m, c in counts.items()})
    return found


def make_table(engine: str, url: str, tmp_path) -> None:
    if engine == "sqlite":
        import sqlite3

        con = sqlite3.connect(tmp_path / "w.db")
        con.execute("CREATE TABLE tickets (id INTEGER, t DATETIME, score INTEGER)")
        con.executemany("INSERT INTO tickets VALUES (?, ?, ?)", ROWS)
        con.commit()
        con.close()
        return
    rows = [(key, instant(text), score) for key, text, score in ROWS]
    if engine == "duckdb":
        import duckdb

        con = duckdb.connect(str(tmp_path / "w.duckdb"))
        con.execute("CREATE TABLE tickets (id INTEGER, t TIMESTAMP, score INTEGER)")
        con.executemany("INSERT INTO tickets VALUES (?, ?, ?)", rows)
        con.close()
        return
    import psycopg

    with psycopg.connect(url, autocommit=True) as con:
        con.execute("DROP TABLE IF EXISTS tickets")
        con.execute("CREATE TABLE tickets (id INTEGER, t TIMESTAMP, score INTEGER)")
        with con.cursor() as cursor:
            cursor.executemany("INSERT INTO tickets VALUES (%s, %s, %s)", rows)


def engine_url(engine: str, tmp_path, request) -> str:
    if engine == "postgres":
        return request.getfixturevalue("postgres_url")
    return {"duckdb": f"duckdb:///{tmp_path}/w.duckdb", "sqlite": f"sqlite:///{tmp_path}/w.db"}[engine]


def results(run_main, root, url) -> dict:
    code, out, err = run_main("query", str(root), "--warehouse", url, "--format", "json")
    assert code == 0, err
    return {(r["metric"], r["period"]): (round(r["value"], 6), r["n"]) for r in json.loads(out)["results"]}


@pytest.mark.parametrize("engine", ["duckdb", "sqlite", "postgres"])
def test_sub_seconds_decide_the_latest_version(engine, make_project, run_main, tmp_path, request):
    """And the period of a time at a month's last half-second. On SQLite, keys 1 and 2 kept a
    version ordered as text or tied by datetime(): January's kept mean was 5.5, not 6.75."""
    url = engine_url(engine, tmp_path, request)
    make_table(engine, url, tmp_path)
    root = make_project({"specs.yaml": SPECS}, config=CONFIG)
    assert results(run_main, root, url) == expected()


@pytest.mark.parametrize("engine", ["duckdb", "sqlite", "postgres"])
def test_a_csv_files_sub_seconds_too(engine, make_project, run_main, tmp_path, request):
    lines = "".join(f"{key},{text},{score}\n" for key, text, score in ROWS)
    specs = SPECS.replace("type: table, table: tickets", "type: file, path: data/t.csv")
    root = make_project({"specs.yaml": specs, "data/t.csv": "id,t,score\n" + lines}, config=CONFIG)
    assert results(run_main, root, engine_url(engine, tmp_path, request)) == expected()


# -- a table's time written as empty text --------------------------------------------------------

EMPTY_SPECS = """\
version: 1
sources:
  - {id: r, type: table, table: imported, time: t%s}
metrics:
  - {id: avg, type: mean, source: r, column: score}
"""
#: As `sqlite3 .import` and many loaders store a CSV file: every column text, '' for a blank.
IMPORTED = [("1", "2026-01-05", 7), ("2", "", 8), ("3", "2026-01-31T23:59:59.5Z", 9)]


def make_imported(engine: str, url: str, tmp_path) -> None:
    create = "CREATE TABLE imported (id TEXT, t TEXT, score INTEGER)"
    if engine == "sqlite":
        import sqlite3

        con = sqlite3.connect(tmp_path / "w.db")
        con.execute(create)
        con.executemany("INSERT INTO imported VALUES (?, ?, ?)", IMPORTED)
        con.commit()
        con.close()
    elif engine == "duckdb":
        import duckdb

        con = duckdb.connect(str(tmp_path / "w.duckdb"))
        con.execute(create)
        con.executemany("INSERT INTO imported VALUES (?, ?, ?)", IMPORTED)
        con.close()
    else:
        import psycopg

        with psycopg.connect(url, autocommit=True) as con:
            con.execute("DROP TABLE IF EXISTS imported")
            con.execute(create)
            with con.cursor() as cursor:
                cursor.executemany("INSERT INTO imported VALUES (%s, %s, %s)", IMPORTED)


@pytest.mark.parametrize("engine", ["duckdb", "sqlite", "postgres"])
def test_an_empty_text_time_is_refused_alike_and_the_hint_works(
    engine, make_project, run_main, tmp_path, request
):
    """'' in a text time column: DuckDB and PostgreSQL stopped with their conversion error
    (CX410, quoting SQL), SQLite left the row out without counting it (a mean of 8.0 over 2
    rows, where the others refused). Now CX411 on every engine; the hinted filter then gives
    the same mean everywhere."""
    url = engine_url(engine, tmp_path, request)
    make_imported(engine, url, tmp_path)
    root = make_project({"specs.yaml": EMPTY_SPECS % ""}, config=CONFIG)
    code, _, err = run_main("query", str(root), "--warehouse", url)
    assert code == 1 and "Traceback" not in err
    assert "specs.yaml:3:49: error CX411: 1 rows of source 'r' have a 't' that is not a time ('')" in err
    assert "hint: empty text is not NULL: store NULL for no time" in err
    filtered = make_project({"specs.yaml": EMPTY_SPECS % ", filter: \"trim(t) <> ''\""}, config=CONFIG)
    assert results(run_main, filtered, url) == {("avg", "2026-01-01"): (8.0, 2)}


def test_an_end_written_as_spaces_is_not_hinted_away(make_project, run_main):
    """An end of spaces (an export's ' ' for "still active"): the hint is to empty it, never
    to filter the rows out (that would leave the active customers out of churn)."""
    specs = (
        "version: 1\nsources:\n  - {id: s, type: file, path: data/s.csv, time: start, entity: c, "
        "start: start, end: end}\nmetrics:\n  - {id: churn, type: churn_rate, source: s}\n"
    )
    data = "c,start,end\na,2025-11-05,2026-01-10\nb,2025-11-06, \n"
    root = make_project({"specs.yaml": specs, "data/s.csv": data}, config=CONFIG)
    code, _, err = run_main("query", str(root))
    assert code == 1 and "error CX411" in err
    assert "spaces are not an empty field: empty them in the data (an empty end: not ended yet)" in err
    assert "filter" not in err.split("hint:", 1)[1]
