"""The same specs on the same data store the same results, bit for bit: the acme example run
twice on DuckDB, once on one thread, once on four with every data file's rows shuffled, and
every stored row compared value by value (exact floats, not approximately), and report.json
byte by byte. DuckDB adds a group's rows on several threads and combines the parts in no
fixed order: the pyramid scores' sums of doubles changed in their last bits from run to run
before they were summed exactly (cxspec/compiler/sqlkit.py, exact_sum), and so could a
mean's margin, rounded to 12 digits at a rounding boundary, before means on a scale summed
whole numbers (sqlkit.scale_center)."""

from __future__ import annotations

import csv
import gzip
import io
import random
import shutil
from pathlib import Path

import duckdb

ROOT = Path(__file__).resolve().parents[1]
AS_OF = "2026-07-01"
#: Columns that tell runs apart by design (when it ran), not by what it computed.
WHEN = {"computed_at", "run_id", "started_at", "finished_at", "duration"}


def shuffle_rows(folder: Path, seed: int) -> None:
    """Every .csv.gz under `folder` with its data rows in a random order (header first)."""
    rng = random.Random(seed)
    for path in sorted(folder.rglob("*.csv.gz")):
        with gzip.open(path, "rt", encoding="utf-8", newline="") as f:
            header, *rows = list(csv.reader(f))
        rng.shuffle(rows)
        text = io.StringIO()
        writer = csv.writer(text, lineterminator="\n")
        writer.writerow(header)
        writer.writerows(rows)
        with gzip.open(path, "wt", encoding="utf-8", newline="") as f:
            f.write(text.getvalue())


def stored_rows(path: Path) -> dict[str, list[str]]:
    """table → its rows, each as the reprs of its values (floats to the last bit), sorted."""
    con = duckdb.connect(str(path), read_only=True)
    try:
        out = {}
        for (name,) in con.execute("SELECT table_name FROM duckdb_tables() ORDER BY 1").fetchall():
            columns = [row[0] for row in con.execute(f'DESCRIBE "{name}"').fetchall()]
            kept = [i for i, c in enumerate(columns) if c not in WHEN]
            rows = con.execute(f'SELECT * FROM "{name}"').fetchall()
            out[name] = sorted(repr(tuple(row[i] for i in kept)) for row in rows)
        return out
    finally:
        con.close()


def run_acme(tmp_path: Path, name: str, threads: int, shuffle: int | None, run_main, monkeypatch):
    """Copy acme, shuffle its data when asked, run it on DuckDB with `threads` threads."""
    import cxspec.warehouses.duckdb_warehouse as duckdb_warehouse

    project = tmp_path / name
    shutil.copytree(ROOT / "specs" / "acme", project, ignore=shutil.ignore_patterns("cxspec-out"))
    if shuffle is not None:
        shuffle_rows(project / "data", shuffle)
    settings = duckdb_warehouse._spill_settings

    def with_threads(connection):
        settings(connection)
        connection.execute(f"SET threads = {threads}")

    monkeypatch.setattr(duckdb_warehouse, "_spill_settings", with_threads)
    warehouse, out = tmp_path / f"{name}.duckdb", tmp_path / f"{name}-out"
    code, _, err = run_main(
        "run",
        str(project),
        "--warehouse",
        f"duckdb:///{warehouse}",
        "--out",
        str(out),
        "--as-of",
        AS_OF,
        "-q",
    )
    assert code == 0, err
    return stored_rows(warehouse), (out / "report.json").read_bytes()


def test_threads_and_row_order_store_the_same_bits(tmp_path, run_main, monkeypatch):
    one, one_json = run_acme(tmp_path, "one", 1, None, run_main, monkeypatch)
    four, four_json = run_acme(tmp_path, "four", 4, 7, run_main, monkeypatch)
    assert set(one) == set(four)
    for table in ("cxspec_results", "cxspec_scores", "cxspec_drivers", "cxspec_links"):
        assert one[table], table  # something stored to compare
    for table in sorted(one):
        changed = sorted(set(one[table]) ^ set(four[table]))
        assert not changed, (table, len(changed), changed[:4])
    assert one_json == four_json
