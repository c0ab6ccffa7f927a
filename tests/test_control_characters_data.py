"""Text from the data in issue messages never reaches a terminal or a chat raw.

A segment's value comes from the data (a lookup's region, a channel column), and issue
messages quote it ("Average score (region=EMEA) is 4.7…"). The scorecard of `run` and
`report`, `cxspec notify --dry-run` and `cxspec drivers`' table printed it as it was: an ESC
in a region recoloured the terminal, an OSC retitled it, a CR overwrote the line. A Slack
webhook got `<!channel>` in a region as a ping to the whole channel."""

from __future__ import annotations

import json
import re
import sys

import pytest

from cxspec.notify.senders import webhook_body

OWN_COLOURS = re.compile(r"\x1b\[[0-9;]*m")
CONTROL = re.compile(r"[\x00-\x08\x0b-\x1f\x7f-\x9f]")

#: A region that clears the screen, sets the window title and returns the carriage.
HOSTILE = "EM\x1b[2JEA\x1b]0;owned\x07\rX\x9b"

SPECS = """\
version: 1
owners:
  - {id: care, name: Care team, email: care@example.com}
sources:
  - {id: r, type: file, path: data/r.csv, time: t, key: id, dimensions: [region]}
metrics:
  - {id: avg, name: Average score, type: mean, source: r, column: score, owner: care}
goals:
  - {metric: avg, target: 8, warn: 6}
drivers:
  - {id: why, source: r, outcome: score, drivers: [{name: speed, column: speed}], min_sample: 3}
"""


def _rows() -> str:
    lines = ["id,t,region,score,speed"]
    scores = {HOSTILE: [5, 5, 4, 4], "APAC": [10, 10, 10, 10, 10, 10, 9, 9]}
    n = 0
    for region, values in scores.items():
        for value in values:
            n += 1
            lines.append(f'{n},2026-02-05T10:00:00Z,"{region}",{value},{(value + n) % 5 + 1}')
    return "\n".join(lines) + "\n"


def _project(make_project, tmp_path, notify: str = ""):
    config = (
        f"version: 1\nproject: hostile\ngrain: month\nwarehouse: duckdb:///{tmp_path / 'w.duckdb'}\n"
        f"segments: [region]\n{notify}"
    )
    return make_project({"specs.yaml": SPECS, "data/r.csv": _rows()}, config=config)


@pytest.fixture
def hostile(make_project, tmp_path):
    return _project(make_project, tmp_path)


def assert_terminal_safe(text: str) -> None:
    bare = OWN_COLOURS.sub("", text)
    assert not CONTROL.search(bare), repr(CONTROL.findall(bare))


def test_run_and_report_show_a_segments_issue_escaped(hostile, run_main, monkeypatch):
    monkeypatch.setattr(sys.stdout, "isatty", lambda: True)
    monkeypatch.delenv("NO_COLOR", raising=False)
    code, out, err = run_main("run", str(hostile))
    assert code == 0, err
    assert "below rest" in out and "(region=EM\\x1b[2JEA\\x1b]0;owned\\x07\\rX\\x9b)" in out
    assert_terminal_safe(out)
    assert_terminal_safe(err)
    code, out, err = run_main("report", str(hostile), "--format", "terminal")
    assert code == 0, err
    assert "region=EM\\x1b[2JEA" in out
    assert_terminal_safe(out)


def test_notify_dry_run_shows_messages_escaped(make_project, tmp_path, run_main):
    # no SMTP server listens on port 9 (discard): the changes stay pending for the dry run
    notify = "notify:\n  - {type: email, host: 127.0.0.1, port: 9, from: cx@example.com}\n"
    hostile = _project(make_project, tmp_path, notify)
    code, _, err = run_main("run", str(hostile), "-q")
    assert code == 1 and "kept for the next run" in err, err
    code, out, err = run_main("notify", str(hostile), "--dry-run")
    assert code == 0, err
    assert "region=EM\\x1b[2JEA" in out
    assert_terminal_safe(out)


def test_drivers_table_shows_a_dimension_escaped(hostile, run_main):
    code, out, err = run_main("drivers", str(hostile), "--by", "region")
    assert code == 0, err
    assert "region=EM\\x1b[2JEA" in out
    assert_terminal_safe(out)
    code, out, err = run_main("drivers", str(hostile), "--by", "region", "--format", "json")
    assert code == 0, err
    # JSON keeps the value exactly: it is data for programs, and JSON escapes its controls
    assert HOSTILE in {r["dimensions"].get("region") for r in json.loads(out)["drivers"]}


def test_slack_text_escapes_what_slack_reads_as_markup():
    issue = {
        "id": "goal-red-1", "kind": "goal_red", "status": "open", "transition": "new", "metric": "avg",
        "dimensions": {"region": "<!channel> & <https://evil.example|click>"}, "owner": "care",
        "period": "2026-02-01",
        "message": "Average score (region=<!channel> & <https://evil.example|click>) is 4.5",
    }  # fmt: skip
    text = json.loads(webhook_body("p<1>", [issue], "slack"))["text"]
    assert "<" not in text and ">" not in text
    assert "(region=&lt;!channel&gt; &amp; &lt;https://evil.example|click&gt;) is 4.5" in text
    assert text.startswith("*cxspec · p&lt;1&gt;*: 1 issue change")
    # the json format carries the issue as it is (a program reads it, not Slack)
    body = json.loads(webhook_body("p", [issue], "json"))
    assert body["issues"][0]["message"] == issue["message"]
