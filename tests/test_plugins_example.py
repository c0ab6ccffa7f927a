"""The worked example of docs/writing-plugins.md is real: the package in docs/examples/cxspec-example-plugin,
loaded without installing it through the entry point its pyproject declares, computes
net_sentiment as plain Python does; and the code the guide shows is that package's code."""

from __future__ import annotations

import csv
import io
import json
import math
import re
from pathlib import Path

import pytest
import tomllib

pytest_plugins = ["plugin_install"]  # the `site` fixture: plugins installed for one test

ROOT = Path(__file__).resolve().parent.parent
EXAMPLE = ROOT / "docs" / "examples" / "cxspec-example-plugin"
GUIDE = ROOT / "docs" / "writing-plugins.md"

COMMENTS = """comment_id,posted_at,channel,sentiment
1,2026-05-01T08:00:00Z,app,Positive
2,2026-05-02T08:00:00Z,app,positive
3,2026-05-03T08:00:00Z,store,negative
4,2026-05-04T08:00:00Z,store,very negative
5,2026-05-05T08:00:00Z,app,neutral
6,2026-05-06T08:00:00Z,store,sarcastic
7,2026-05-07T08:00:00Z,app,
8,2026-06-01T08:00:00Z,app,positive
9,2026-06-02T08:00:00Z,store,positive
10,2026-06-03T08:00:00Z,store,very negative
"""
SPECS = """\
version: 1
sources:
  - {id: comments, type: file, path: comments.csv, time: posted_at, dimensions: [channel]}
metrics:
  - id: review_sentiment
    type: net_sentiment
    source: comments
    column: sentiment
    positive: [positive, Positive]
    negative: [negative, very negative]
    neutral: [neutral]
  - id: any_label_sentiment
    type: net_sentiment
    source: comments
    column: sentiment
    positive: [positive, Positive]
    negative: [negative, very negative]
"""
POSITIVE, NEGATIVE, NEUTRAL = {"positive", "Positive"}, {"negative", "very negative"}, {"neutral"}


@pytest.fixture
def example(site):
    """Installed from its own pyproject's entry point, its module read from docs/examples."""
    pyproject = tomllib.loads((EXAMPLE / "pyproject.toml").read_text(encoding="utf-8"))
    entry_points = pyproject["project"]["entry-points"]["cxspec"]
    site.add_path(EXAMPLE, *{value.split(":")[0].split(".")[0] for value in entry_points.values()})
    site.install(pyproject["project"]["name"], entry_points, version=pyproject["project"]["version"])
    return site


def expected(rows: list[dict], neutral: set | None) -> dict:
    labels = [r["sentiment"] for r in rows if r["sentiment"] != ""]
    valid = [x for x in labels if neutral is None or x in POSITIVE | NEGATIVE | neutral]
    n = len(valid)
    p_pos = sum(x in POSITIVE for x in valid) / n
    p_neg = sum(x in NEGATIVE for x in valid) / n
    moe = 1.96 * 100 * math.sqrt((p_pos + p_neg - (p_pos - p_neg) ** 2) / n)
    return {"value": 100 * (p_pos - p_neg), "n": n, "invalid": len(labels) - n, "moe": moe}


@pytest.mark.parametrize("by", [(), ("channel",)])
def test_net_sentiment_numbers(example, make_project, run_main, by):
    root = make_project({"specs.yaml": SPECS, "comments.csv": COMMENTS})
    args = [a for d in by for a in ("--by", d)]
    code, stdout, stderr = run_main("query", str(root), "--format", "json", *args)
    assert code == 0, stderr
    rows = list(csv.DictReader(io.StringIO(COMMENTS)))
    groups: dict = {}
    for row in rows:
        groups.setdefault((row["posted_at"][:7] + "-01", tuple(row[d] for d in by)), []).append(row)
    want = {}
    for (period, key), group in groups.items():
        want[("review_sentiment", period, key)] = expected(group, NEUTRAL)
        want[("any_label_sentiment", period, key)] = expected(group, None)
    got = {
        (r["metric"], r["period"], tuple(r["dimensions"].values())): r for r in json.loads(stdout)["results"]
    }
    assert sorted(got) == sorted(want)
    for key, numbers in want.items():
        assert (got[key]["n"], got[key]["invalid"]) == (numbers["n"], numbers["invalid"]), key
        assert got[key]["value"] == pytest.approx(numbers["value"], rel=1e-9, abs=1e-9), key
        assert got[key]["moe"] == pytest.approx(numbers["moe"], rel=1e-9, abs=1e-9), key


def test_its_check_and_schema_report_at_file_line_col(example, make_project, run_main):
    specs = SPECS.replace(
        "negative: [negative, very negative]\n    neutral", "negative: [negative, Positive]\n    neutral"
    )
    specs = specs.replace("    neutral: [neutral]\n", "    neutral: neutral\n")
    root = make_project({"specs.yaml": specs, "comments.csv": COMMENTS})
    code, stdout, _ = run_main("validate", str(root), "--format", "json")
    assert code == 1
    problems = [(d["code"], d["line"], d["column"]) for d in json.loads(stdout)["diagnostics"]]
    assert problems == [("CX103", 11, 14)]  # a schema error stops the type's own check
    specs = SPECS.replace(
        "negative: [negative, very negative]\n    neutral", "negative: [negative, Positive]\n    neutral"
    )
    root = make_project({"specs.yaml": specs, "comments.csv": COMMENTS})
    code, stdout, _ = run_main("validate", str(root), "--format", "json")
    [problem] = json.loads(stdout)["diagnostics"]
    assert (problem["code"], problem["line"], problem["column"]) == ("EX001", 10, 15)
    assert problem["message"] == "label 'Positive' of metric 'review_sentiment' is both positive and negative"


# -- the guide shows the real code ----------------------------------------------------------

SHOWN = re.compile(r'^```(?:python|toml) title="([^"]+)"\n(.*?)^```[ \t]*$', re.M | re.S)


def test_the_guide_shows_the_example_files_as_they_are():
    shown = dict(SHOWN.findall(GUIDE.read_text(encoding="utf-8")))
    assert {
        "cxspec-example-plugin/pyproject.toml",
        "cxspec-example-plugin/cxspec_example_plugin/__init__.py",
        "cxspec-example-plugin/tests/test_net_sentiment.py",
    } <= set(shown)
    for name, body in shown.items():
        assert body == (EXAMPLE.parent / name).read_text(encoding="utf-8"), (
            f"docs/writing-plugins.md shows {name} otherwise"
        )


def test_the_example_plugins_own_tests_pass():
    """The guide tells authors to run their plugin's tests with pytest in its folder: do so."""
    import subprocess
    import sys

    folder = Path(__file__).resolve().parent.parent / "docs" / "examples" / "cxspec-example-plugin"
    done = subprocess.run(
        [sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", "tests"],
        cwd=folder,
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert done.returncode == 0, done.stdout[-3000:] + done.stderr[-3000:]
    assert " passed" in done.stdout
