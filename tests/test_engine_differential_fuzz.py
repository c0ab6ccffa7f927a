"""Differential fuzz with a fixed seed: many small messy exports (CSV with blanks, spaces-only
cells, 'N/A', yes/No/TRUE/1, decimal commas, CRLF, quoted multi-line text, ids with leading
zeros, times with sub-seconds and offsets; Parquet files of typed columns), the same metrics
on DuckDB, SQLite and PostgreSQL: every engine gives the same values, n and invalid, or every
engine refuses with the same codes; and the values are those of a plain-Python computation
over the rows the csv module reads (written here from PRODUCT.md's rules, not cxspec's code).

Unlike tests/test_differential.py (hypothesis, 10 examples in CI), the cases come from
`random.Random(seed)` for seeds 0…CASES-1 (`CXSPEC_FUZZ_CASES`, default 24): a failure names
its seed, and `CXSPEC_FUZZ_SEED=n` reruns that one case.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import json
import math
import os
import random
import re
from collections import defaultdict
from pathlib import Path

import pytest
from differential_support import engine_urls

CASES = int(os.environ.get("CXSPEC_FUZZ_CASES", "24"))
SEEDS = [int(os.environ["CXSPEC_FUZZ_SEED"])] if os.environ.get("CXSPEC_FUZZ_SEED") else list(range(CASES))

#: Times that cxspec refuses (CX411/CX412): spreadsheet dates.
REFUSED_TIMES = ["05/01/2026", "1/5/26", "2026/01/05", "5-Jan-2026", "05.01.2026 10:00"]
FLAG_WORDS = [("yes", "No"), ("TRUE", "false"), ("1", "0"), ("Y", "n"), ("True", "False")]
TEXTS = ["web", "Web", "phone", "a,b", 'say "hi"', "two\nlines", "two\r\nlines", " padded ", "Ünï"]

NUMBER = re.compile(r"[ \t\n\v\f\r]*[-+]?([0-9]+\.?[0-9]*|\.[0-9]+)([eE][-+]?[0-9]+)?[ \t\n\v\f\r]*")
INTEGER = re.compile(r"[ \t\n\v\f\r]*[-+]?[0-9]+[ \t\n\v\f\r]*")
BOOLEAN_WORDS = {"true": True, "t": True, "yes": True, "y": True, "1": True,
                 "false": False, "f": False, "no": False, "n": False, "0": False}  # fmt: skip


# -- the cases -----------------------------------------------------------------------------------


def moment(rng: random.Random) -> dt.datetime:
    """A UTC instant in the first quarter of 2026, often at a month's last sub-second."""
    if rng.random() < 0.25:
        month = rng.choice([1, 2, 3])
        ends = {1: 31, 2: 28, 3: 31}[month]
        return dt.datetime(2026, month, ends, 23, 59, 59, rng.choice([0, 500000, 999000]))
    start = dt.datetime(2026, 1, 1)
    return start + dt.timedelta(seconds=rng.randrange(0, 89 * 86400), microseconds=rng.choice([0, 0, 250000]))


def write_time(rng: random.Random, at: dt.datetime, style: str) -> str:
    fraction = f".{at.microsecond:06d}".rstrip("0") if at.microsecond else ""
    if style == "date":
        return at.strftime("%Y-%m-%d")
    if style == "naive":
        return at.strftime("%Y-%m-%d %H:%M:%S") + fraction
    if style == "naive_t":
        return at.strftime("%Y-%m-%dT%H:%M:%S") + fraction
    if style == "utc":
        return at.strftime("%Y-%m-%dT%H:%M:%S") + fraction + "Z"
    zone = rng.choice([-5, 2, 9])
    local = at + dt.timedelta(hours=zone)
    return local.strftime("%Y-%m-%dT%H:%M:%S") + fraction + f"{'-' if zone < 0 else '+'}{abs(zone):02d}:00"


def messy_case(seed: int) -> dict:
    """One export: its rows as written (lists of fields), its line ends, whether it is refused."""
    rng = random.Random(seed)
    styles = rng.sample(["date", "naive", "naive_t", "utc", "offset"], rng.randint(1, 2))
    words = rng.choice(FLAG_WORDS)
    score_kinds = rng.sample(["int", "half", "blank", "spaces", "na", "comma", "spaced", "quoted_blank"],
                             rng.randint(1, 3))  # fmt: skip
    flag_kinds = rng.sample(["word", "word", "blank", "spaces", "na"], rng.randint(1, 2))
    zeros = rng.random() < 0.5
    refused = rng.random() < 0.15
    rows = []
    for i in range(rng.randint(1, 25)):
        at = moment(rng)
        style = rng.choice(styles)
        t = write_time(rng, at, style)
        if refused and i == 0:
            t = rng.choice(REFUSED_TIMES)
        number = rng.randint(0, 10)
        score = {
            "int": str(number),
            "half": f"{number}.5" if number < 10 else "10",
            "blank": "",
            "spaces": rng.choice([" ", "   ", "\t"]),
            "na": rng.choice(["N/A", "NA", "n/a", "-"]),
            "comma": f"{number},5",
            "spaced": f" {number} ",
            "quoted_blank": '""',
        }[rng.choice(score_kinds)]
        flag = {
            "word": rng.choice(words),
            "blank": "",
            "spaces": " ",
            "na": "N/A",
        }[rng.choice(flag_kinds)]
        ident = f"{rng.randint(1, 12):03d}" if zeros else str(rng.randint(1, 12))
        rows.append([ident, t, flag, score, rng.choice(TEXTS)])
    return {"rows": rows, "crlf": rng.random() < 0.5, "refused": refused, "seed": seed}


def csv_text(case: dict) -> str:
    end = "\r\n" if case["crlf"] else "\n"
    lines = ["id,t,flag,score,channel"]
    for row in case["rows"]:
        fields = []
        for value in row:
            if value == '""':
                fields.append(value)  # an empty field written quoted
            elif any(c in value for c in ',"\r\n') or value != value.strip():
                fields.append('"' + value.replace('"', '""') + '"')
            else:
                fields.append(value)
        lines.append(",".join(fields))
    return end.join(lines) + end


METRICS = {
    "rows": "{id: rows, type: count, source: r}",
    "avg": "{id: avg, type: mean, source: r, column: score}",
    "total": "{id: total, type: sum, source: r, column: score}",
    "nps": "{id: nps, type: nps, source: r, column: score}",
    "flagged": "{id: flagged, type: rate, source: r, condition: flag}",
    "ids": "{id: ids, type: count_distinct, source: r, column: id}",
    "web": "{id: web, type: count, source: r, filter: \"channel = 'web'\"}",
}


def write_project(folder: Path, case: dict, parquet: bool, metrics: list[str]) -> None:
    (folder / "data").mkdir(parents=True)
    text = csv_text(case)
    (folder / "data" / "r.csv").write_bytes(text.encode("utf-8"))
    path = "data/r.csv"
    if parquet:
        path = "data/r.parquet"
        write_parquet(case, folder / "data" / "r.parquet")
    (folder / "cxspec.yaml").write_text("version: 1\nproject: fuzz\ngrain: month\n", encoding="utf-8")
    specs = f"version: 1\nsources:\n  - {{id: r, type: file, path: {path}, time: t}}\nmetrics:\n"
    specs += "".join(f"  - {METRICS[m]}\n" for m in metrics)
    (folder / "specs.yaml").write_text(specs, encoding="utf-8")


def write_parquet(case: dict, path: Path) -> None:
    """The case's rows as a Parquet file of typed columns: times as TIMESTAMP (sub-seconds
    kept), scores as DOUBLE (NULL where not a number), flags as BOOLEAN, ids as text."""
    import duckdb

    con = duckdb.connect()
    try:
        con.execute("CREATE TABLE r (id VARCHAR, t TIMESTAMP, flag BOOLEAN, score DOUBLE, channel VARCHAR)")
        for ident, t, flag, score, channel in case["rows"]:
            con.execute(
                "INSERT INTO r VALUES (?, ?, ?, ?, ?)",
                [ident, utc_moment(t), BOOLEAN_WORDS.get(flag.strip().lower()), number(score), channel],
            )
        con.execute(f"COPY r TO '{path}' (FORMAT parquet)")
    finally:
        con.close()


# -- the plain-Python reference ----------------------------------------------------------------


def number(field: str) -> float | None:
    if field in ("", '""') or not NUMBER.fullmatch(field):
        return None
    value = float(field.strip(" \t\n\v\f\r"))
    return value if math.isfinite(value) else None


def utc_moment(field: str) -> dt.datetime | None:
    text = field.strip()
    try:
        value = dt.datetime.fromisoformat(text.replace("Z", "+00:00"))
    except ValueError:
        return None
    if value.tzinfo is not None:
        value = value.astimezone(dt.timezone.utc).replace(tzinfo=None)
    return value


def reference(case: dict, parquet: bool) -> dict:
    """(metric, period) → (value, n, invalid), from the rows the csv module reads and the
    rules of PRODUCT.md: only an empty field is no value; a measured value that is not a
    number is invalid; a column is of a type when every value fits it."""
    rows = list(csv.reader(io.StringIO(csv_text(case), newline="")))[1:]
    empty = ("",)
    by_month: dict[str, list] = defaultdict(list)
    for row in rows:
        at = utc_moment(row[1])
        by_month[at.strftime("%Y-%m-01")].append(row)
    ids = [row[0] for row in rows if row[0] not in empty]
    ids_are_numbers = all(INTEGER.fullmatch(i) for i in ids) and not parquet
    flags = [row[2] for row in rows if row[2] not in empty]
    flags_are_boolean = parquet or all(f.strip().lower() in BOOLEAN_WORDS for f in flags)
    found = {}
    for period, month in by_month.items():
        scores = [number(row[3]) for row in month if row[3] not in empty]
        invalid = 0 if parquet else sum(1 for s in scores if s is None)
        valid = [s for s in scores if s is not None]
        found[("rows", period)] = (float(len(month)), len(month), 0)
        found[("avg", period)] = (sum(valid) / len(valid) if valid else None, len(valid), invalid)
        found[("total", period)] = (float(sum(valid)), len(valid), invalid)
        on_scale = [s for s in valid if 0 <= s <= 10 and s == int(s)]
        promoters = sum(1 for s in on_scale if s >= 9)
        detractors = sum(1 for s in on_scale if s <= 6)
        nps = 100 * (promoters - detractors) / len(on_scale) if on_scale else None
        found[("nps", period)] = (nps, len(on_scale), invalid + len(valid) - len(on_scale))
        if flags_are_boolean:
            true = sum(1 for row in month if BOOLEAN_WORDS.get(row[2].strip().lower()) is True)
            found[("flagged", period)] = (100 * true / len(month), len(month), 0)
        written = [row[0] for row in month if row[0] not in empty]
        distinct = {int(i) for i in written} if ids_are_numbers else set(written)
        found[("ids", period)] = (float(len(distinct)), len(written), 0)
        web = sum(1 for row in month if row[4] == "web")
        found[("web", period)] = (float(web), web, 0)
    return found


# -- running ------------------------------------------------------------------------------------


def outcome(run_main, folder: Path, url: str):
    """The results (metric, period) → (value, n, invalid), or ("refused", codes)."""
    code, out, err = run_main("query", str(folder), "--warehouse", url, "--format", "json")
    assert "Traceback" not in err and "internal error" not in err, err
    if code != 0:
        return ("refused", tuple(sorted(set(re.findall(r"\bCX[0-9]{3}\b", err)))) or err)
    return ("results", {(r["metric"], r["period"]): (r["value"], r["n"], r["invalid"])
                        for r in json.loads(out)["results"]})  # fmt: skip


def close(a: dict, b: dict) -> bool:
    if a.keys() != b.keys():
        return False
    for key, (value, *counts) in a.items():
        other, *other_counts = b[key]
        if counts != other_counts or (value is None) != (other is None):
            return False
        if value is not None and not math.isclose(value, other, rel_tol=1e-9, abs_tol=1e-9):
            return False
    return True


def metrics_of(case: dict, parquet: bool) -> list[str]:
    """The metrics to ask for: the flag's rate only where every flag is a yes/no word or empty
    (else it is refused, CX407, which the refusal cases test)."""
    flags = [row[2] for row in case["rows"] if row[2] != ""]
    boolean = parquet or bool(flags) and all(f.strip().lower() in BOOLEAN_WORDS for f in flags)
    refused_flag = not boolean and not case["refused"] and case["seed"] % 3 == 0
    return [m for m in METRICS if m != "flagged" or boolean or refused_flag]


@pytest.mark.parametrize("seed", SEEDS)
def test_every_engine_gives_the_numbers_of_plain_python(seed, run_main, postgres_url, tmp_path):
    case = messy_case(seed)
    parquet = seed % 4 == 3 and not case["refused"]
    folder = tmp_path / "p"
    metrics = metrics_of(case, parquet)
    write_project(folder, case, parquet, metrics)
    got = {e: outcome(run_main, folder, url) for e, url in engine_urls(tmp_path, postgres_url).items()}
    shown = f"seed {seed} ({'parquet' if parquet else 'csv'}):\n{csv_text(case)!r}\n"
    first = got["duckdb"]
    for engine, result in got.items():
        assert result[0] == first[0], f"{shown}duckdb: {first}\n{engine}: {result}"
        if result[0] == "refused":
            assert result == first, f"{shown}duckdb: {first}\n{engine}: {result}"
        else:
            assert close(result[1], first[1]), f"{shown}duckdb: {first}\n{engine}: {result}"
    if case["refused"]:
        assert first[0] == "refused" and set(first[1]) & {"CX411", "CX412"}, f"{shown}{first}"
        return
    if first[0] == "refused":
        assert "flagged" in metrics and first[1] == ("CX407",), f"{shown}{first}"
        return
    want = {k: v for k, v in reference(case, parquet).items() if k[0] in metrics}
    assert close(first[1], want), f"{shown}cxspec: {first[1]}\nplain Python: {want}"
