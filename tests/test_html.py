"""The HTML dashboard (cxspec/reports/html.py): one self-contained file, every text escaped,
byte-identical for the same report; and, in headless Chromium, it renders without script
errors, lays out without overlap on laptop screens and its interactions work."""

from __future__ import annotations

import copy
import html
import json
import os
import re
import shutil
import struct
import subprocess
from html.parser import HTMLParser
from pathlib import Path

import pytest

from cxspec.display import format_period
from cxspec.reports.html import render

ROOT = Path(__file__).resolve().parents[1]
CHROMIUM = "/usr/bin/chromium"
SCREENSHOT = ROOT / "docs" / "images" / "dashboard.png"


@pytest.fixture(scope="module")
def report() -> dict:
    """The report of the example project (specs/acme), computed on in-memory DuckDB."""
    from cxspec import load_project
    from cxspec.registry import default_registry
    from cxspec.reports.data import build_report
    from cxspec.runs.run import run_project

    stored = run_project(load_project(ROOT / "specs" / "acme"), default_registry(), "duckdb:///:memory:")
    return build_report(stored, default_registry())


@pytest.fixture(scope="module")
def page(report) -> str:
    return render(report)


class _Scripts(HTMLParser):
    """Every element's tag and the raw text of each <script>, as a browser tokenises them."""

    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.tags: list[str] = []
        self.scripts: list[tuple[dict, str]] = []
        self._open: dict | None = None

    def handle_starttag(self, tag, attrs):
        self.tags.append(tag)
        if tag == "script":
            self._open = dict(attrs)
            self.scripts.append((self._open, ""))

    def handle_data(self, data):
        if self._open is not None:
            attrs, text = self.scripts[-1]
            self.scripts[-1] = (attrs, text + data)

    def handle_endtag(self, tag):
        if tag == "script":
            self._open = None


def _parse(text: str) -> _Scripts:
    parser = _Scripts()
    parser.feed(text)
    parser.close()
    return parser


def _client_data(text: str) -> dict:
    ((attrs, raw),) = [s for s in _parse(text).scripts if s[0].get("type") == "application/json"]
    assert attrs.get("id") == "cx-data"
    return json.loads(raw)


# ---------------------------------------------------------------- unit tests


def test_one_html_document(page):
    assert page.startswith('<!doctype html>\n<html lang="en">')
    assert page.rstrip().endswith("</html>")
    tags = _parse(page).tags
    assert tags.count("html") == tags.count("head") == tags.count("body") == 1
    assert '<meta charset="utf-8">' in page


def test_self_contained(page):
    """Nothing is fetched when the file is viewed: no remote (or any) src/href, no CDN, no fonts."""
    external = re.findall(r"""(?:src|href|action|poster|data)\s*=\s*["']?\s*(?:https?:)?//""", page, re.I)
    assert external == []
    assert not re.search(r"""url\(\s*["']?\s*(?:https?:)?//""", page, re.I)
    assert "@import" not in page and "@font-face" not in page
    tags = _parse(page).tags
    assert "link" not in tags and "img" not in tags and "iframe" not in tags
    assert all("src" not in attrs for attrs, _ in _parse(page).scripts)
    assert "<style>" in page and "<svg" in page


def test_every_metric_and_issue_is_shown(report, page):
    assert report["metrics"] and report["issues"]
    for metric in report["metrics"]:
        assert f'id="m-{metric["id"]}"' in page  # its card and chart
        assert f'id="detail-metric-{metric["id"]}"' in page  # its details panel
        assert f'data-detail="metric-{metric["id"]}"' in page
    for issue in report["issues"]:
        assert html.escape(issue["message"]) in page
        assert html.escape(issue["owner"]) in page or issue["owner"] is None
    for journey in report["journeys"]:
        assert f'id="journey-{journey["id"]}"' in page
        for stage in journey["stages"]:
            for tp in stage["touchpoints"]:
                assert f'data-tp="{tp["id"]}"' in page


def test_header_shows_index_trend_and_coverage(report, page):
    index = report["index"]
    assert f'{index["score"]:.1f}</span><span class="index-of">/ 100' in page
    delta = index["score"] - index["previous"]
    assert f"{delta:+.1f}" in page
    assert f"coverage {index['coverage'] * 100:.0f}%" in page
    assert "Jun 2026" in page and report["project"]["name"] in page


def test_numbers_explain_themselves(report, page):
    """Hovering a metric's value tells its definition, owner, tracked_by, goal, n and ±."""
    metric = next(m for m in report["metrics"] if m["id"] == "fcr_rate")
    button = re.search(
        r'<button type="button" class="num big" data-detail="metric-fcr_rate" title="([^"]*)"', page
    )
    title = html.unescape(button.group(1))
    assert metric["definition"] in title
    assert "Support Operations" in title and "tracked by" in title
    assert "target 75.0%" in title and "warn 65.0%" in title
    assert f"n = {metric['latest']['n']}" in title and "±2.7 pts" in title
    template = page[page.index('id="detail-metric-fcr_rate"') :]
    template = template[: template.index("</template>")]
    for text in (
        "Definition",
        "Owner (accountable)",
        "Tracked by",
        "Goal",
        "Latest",
        "Margin of error",
        "Version",
    ):
        assert text in template


def test_pyramid_tree_and_journeys(report, page):
    tree = report["pyramids"][0]["tree"]
    assert page.count('role="tree"') == len(report["pyramids"])
    assert page.count('class="node leaf"') == sum(1 for p in report["pyramids"] for _ in _leaves(p["tree"]))
    assert 'aria-expanded="true"' in page and 'aria-expanded="false"' in page
    assert f"{tree['children'][0]['name']}" in page
    # unplanned touch points look different; the one below its journey says so
    assert 'class="tp band-ok unplanned" data-tp="word-of-mouth"' in page
    assert 'class="tp band-bad" data-tp="cancellation"' in page
    card = page[page.index('data-tp="cancellation"') :]
    assert "▼ 34 below journey" in card[: card.index("</ul>")]


def _leaves(node):
    if node["kind"] == "metric":
        yield node
    for child in node["children"]:
        yield from _leaves(child)


def test_charts_have_band_goals_dots_and_breaks(report):
    changed = copy.deepcopy(report)
    metric = next(m for m in changed["metrics"] if m["id"] == "relationship_nps")
    metric["breaks"] = [metric["series"][5]["period"]]
    page = render(changed)
    card = page[page.index('id="m-relationship_nps"') :]
    card = card[: card.index("</article>")]
    assert '<polygon class="moe"' in card
    assert 'class="goal target"' in card and 'class="goal warn"' in card
    assert card.count('<circle class="pt') == len([p for p in metric["series"] if p["value"] is not None])
    assert '<g class="break">' in card and "definition changed" in card
    assert '<g class="break">' not in render(report)[page.index('id="m-relationship_nps"') :][: len(card)]


def test_deterministic(report, page):
    assert render(report) == page
    assert render(copy.deepcopy(report)) == page
    assert render(json.loads(json.dumps(report))) == page  # as read back from report.json


def test_text_is_escaped(report):
    evil = copy.deepcopy(report)
    metric = evil["metrics"][0]
    metric["name"] = "<script>alert('name')</script>"
    metric["description"] = 'ends early </script><script>alert("description")</script> <!-- x'
    metric["definition"] = '" onmouseover="alert(1)'
    evil["issues"][0]["message"] = "</script><img src=x onerror=alert(2)>"
    evil["owners"][0]["name"] = '"><svg onload=alert(3)>'
    evil["project"]["name"] = "</title><script>alert(4)</script>"
    for node in _leaves(evil["pyramids"][0]["tree"]):
        if node["metric"] == metric["id"]:
            node["name"] = metric["name"]
    page = render(evil)
    parsed = _parse(page)
    # exactly the page's own scripts: the error trap, the JSON data and the dashboard script
    assert [attrs.get("type") for attrs, _ in parsed.scripts] == [None, "application/json", None]
    assert page.count("</script>") == 3
    assert "alert" not in "".join(text for attrs, text in parsed.scripts if attrs.get("type") is None)
    assert "img" not in parsed.tags and "onerror" not in page.replace("onerror=alert(2)", "")
    assert "<svg onload" not in page and 'onmouseover="alert' not in page
    assert html.escape(metric["name"]) in page and html.escape(metric["description"]) in page
    # the JSON data still reads back exactly
    assert _client_data(page)["metrics"][metric["id"]]["name"] == metric["name"]


def test_json_data_is_safe_in_a_script(report):
    evil = copy.deepcopy(report)
    tp = evil["journeys"][0]["stages"][0]["touchpoints"][0]
    tp["name"] = "</script><!--<script>&amp;\u2028"
    page = render(evil)
    raw = [text for attrs, text in _parse(page).scripts if attrs.get("type") == "application/json"][0]
    assert "<" not in raw and ">" not in raw and "&" not in raw and "\u2028" not in raw
    assert _client_data(page)["touchpoints"][tp["id"]]["name"] == tp["name"]


def long_history(report: dict, days: int) -> dict:
    """The example report as if it had been run at day grain over `days` days: every metric
    and pyramid node with a value on each day (ten years of daily results made a 61 MB page)."""
    import datetime as dt

    long = copy.deepcopy(report)
    first = dt.date(2020, 1, 1)
    periods = [(first + dt.timedelta(days=d)).isoformat() for d in range(days)]
    long["project"]["grain"] = "day"
    long["periods"], long["latest"] = periods, periods[-1]
    for i, metric in enumerate(long["metrics"]):
        template = metric["latest"] or {"n": 50, "invalid": 0, "moe": 1.0, "status": None}
        metric["series"] = [
            {**template, "period": p, "value": float((i * 7 + d) % 10)} for d, p in enumerate(periods)
        ]
        metric["latest"], metric["previous"] = metric["series"][-1], metric["series"][-2]
        metric["breaks"] = []
    nodes = [p["tree"] for p in long["pyramids"]]
    while nodes:
        node = nodes.pop()
        node["series"] = [{"period": p, "score": 50.0 + d % 7, "coverage": 1.0} for d, p in enumerate(periods)]
        nodes += node["children"]
    return long


def test_a_long_history_shows_the_latest_periods_and_links_to_the_rest(report):
    from cxspec.reports.html.common import SHOWN_PERIODS

    shown = SHOWN_PERIODS["day"]
    page = render(long_history(report, 400))
    for metric in report["metrics"]:
        card = page[page.index(f'id="m-{metric["id"]}"') :]
        card = card[: card.index("</article>")]
        assert card.count('<circle class="pt') == shown  # the latest 90 days, not 400
        assert f"trend over {shown} periods" in card
    first_shown = format_period(long_history(report, 400)["periods"][400 - shown], "day")
    assert f"Charts show the latest {shown} of 400 periods (from {first_shown})" in page
    assert page.count('href="report.json"') == 2  # the note above the charts and the footer
    assert "score over 90 periods" in page and "score over 400 periods" not in page
    assert "2020-01-01" not in page and format_period("2020-01-01", "day") not in page
    # a page of 90 days and one of 400 differ in the note and the footer, not in size
    short = render(long_history(report, shown))
    assert "report.json" not in short
    assert len(page) < len(short) + 1_000
    assert render(long_history(report, 400)) == page  # deterministic


def test_a_short_history_shows_every_period(report, page):
    assert "report.json" not in page and "Charts show the latest" not in page
    assert f"trend over {len(report['periods'])} periods" in page


def test_a_report_without_data():
    empty = {
        "report_version": 1,
        "project": {"id": "t", "name": "t", "grain": "week", "spec_hashes": [], "computed_at": None},
        "periods": [],
        "latest": None,
        "index": None,
        "pyramids": [],
        "journeys": [],
        "issues": [],
        "owners": [],
        "metrics": [
            {
                "id": "m",
                "name": "M",
                "type": "mean",
                "category": "perception",
                "direction": "higher_is_better",
                "unit": None,
                "owner": None,
                "tracked_by": None,
                "touchpoint": None,
                "journey": None,
                "stage": None,
                "description": None,
                "definition": "mean of x from s",
                "version": 1,
                "min_sample": None,
                "natural_range": None,
                "goal": None,
                "latest": None,
                "previous": None,
                "score": None,
                "series": [],
                "breaks": [],
            }
        ],
    }
    page = render(empty)
    assert 'id="m-m"' in page and "no data yet" in page and "No issues" in page and "No pyramid" in page


# ---------------------------------------------------------------- in a browser

#: Appended to a copy of the page by the browser test: checks layout and interactions and
#: writes the findings into <body data-check="…">, read back from --dump-dom.
CHECK_SCRIPT = r"""
<script>
(function () {
  var problems = [];
  function rect(el) { return el.getBoundingClientRect(); }
  function overlap(a, b) {
    var r = rect(a), s = rect(b);
    return r.width && s.width && r.left < s.right - 1 && s.left < r.right - 1 &&
      r.top < s.bottom - 1 && s.top < r.bottom - 1;
  }
  var width = document.documentElement.scrollWidth;
  if (width > window.innerWidth + 1) problems.push("page scrolls sideways: " + width);
  var groups = [".hero > .card", ".overview > *", ".mgrid > .mcard", ".stage > .tp",
                ".tree-panel:not([hidden]) .row > *"];
  groups.forEach(function (sel) {
    var els = Array.prototype.slice.call(document.querySelectorAll(sel));
    els.forEach(function (a, i) {
      els.slice(i + 1).forEach(function (b) {
        if (a.parentElement === b.parentElement && overlap(a, b)) problems.push("overlap in " + sel);
      });
    });
  });
  var numbers = document.querySelectorAll(".index-value, .tree .score, .tree .num, .num.big, .tp-score");
  numbers.forEach(function (el) {
    if (el.scrollWidth > el.clientWidth + 1) problems.push("clipped number " + el.textContent);
  });
  // interactions: a touch point highlights its metrics and opens the details panel
  var tp = document.querySelector('[data-tp="cancellation"]');
  tp.click();
  if (!document.getElementById("m-cancellation_ces").classList.contains("hl")) problems.push("no highlight");
  if (document.getElementById("m-fcr_rate").classList.contains("hl")) problems.push("wrong highlight");
  if (document.getElementById("panel").hidden) problems.push("no panel");
  if (!document.querySelector("#panel svg.chart")) problems.push("no chart in the panel");
  document.querySelector("[data-close]").click();
  if (!document.getElementById("panel").hidden || document.body.classList.contains("spotlight"))
    problems.push("panel stays");
  var group = document.querySelector(".node.group .node.group");
  var before = group.getAttribute("aria-expanded");
  group.querySelector("[data-toggle]").click();
  if (group.getAttribute("aria-expanded") === before) problems.push("toggle does nothing");
  document.querySelector('.chip[data-value="red"]').click();
  var shown = document.querySelectorAll(".mcard:not([hidden])").length;
  var red = document.querySelectorAll('.mcard[data-status="red"]').length;
  if (shown !== red || !shown) problems.push("status filter shows " + shown + " of " + red);
  document.body.setAttribute("data-check", problems.length ? problems.join("; ") : "ok");
})();
</script>
"""


def _chromium_or_skip() -> str:
    if Path(CHROMIUM).exists():
        return CHROMIUM
    if os.environ.get("CI", "").lower() == "true":
        pytest.fail(f"{CHROMIUM} is required when CI=true (apt-get install chromium)", pytrace=False)
    pytest.skip(f"no {CHROMIUM} (apt-get install chromium)")


def _chromium(binary: str, tmp_path: Path, url: str, size: tuple[int, int], *args: str):
    profile = tmp_path / f"profile-{len(list(tmp_path.glob('profile-*')))}"
    command = [
        binary,
        "--headless=new",
        "--no-sandbox",
        "--disable-gpu",
        "--disable-quic",
        "--no-first-run",
        "--disable-background-networking",
        "--disable-component-update",
        "--disable-sync",
        "--disable-extensions",
        "--hide-scrollbars",
        "--enable-logging=stderr",
        "--v=0",
        f"--user-data-dir={profile}",
        f"--window-size={size[0]},{size[1]}",
        *args,
        url,
    ]
    result = subprocess.run(command, capture_output=True, text=True, timeout=180)
    assert result.returncode == 0, result.stderr[-3000:]
    console = [line for line in result.stderr.splitlines() if ":CONSOLE" in line or "Uncaught" in line]
    assert console == [], "\n".join(console)
    return result


def _png_size(path: Path) -> tuple[int, int]:
    data = path.read_bytes()
    assert data[:8] == b"\x89PNG\r\n\x1a\n" and data[12:16] == b"IHDR"
    return struct.unpack(">II", data[16:24])


@pytest.mark.parametrize("size", [(1440, 900), (1366, 768)])
def test_dashboard_in_chromium(page, tmp_path, size):
    binary = _chromium_or_skip()
    dashboard = tmp_path / "dashboard.html"
    dashboard.write_text(page, encoding="utf-8")
    checked = tmp_path / "checked.html"
    checked.write_text(page.replace("</body>", CHECK_SCRIPT + "</body>"), encoding="utf-8")

    # the page as shipped: its script ran to the end and no error was caught
    dom = _chromium(binary, tmp_path, dashboard.as_uri(), size, "--dump-dom").stdout
    html_tag = re.search(r"<html[^>]*>", dom).group(0)
    body_tag = re.search(r"<body[^>]*>", dom).group(0)
    assert "data-errors" not in html_tag, html_tag
    assert 'data-ready="1"' in body_tag

    # layout and interactions, checked inside the page
    dom = _chromium(binary, tmp_path, checked.as_uri(), size, "--dump-dom").stdout
    check = re.search(r'<body[^>]*data-check="([^"]*)"', dom)
    assert check is not None, "the check script did not run"
    assert html.unescape(check.group(1)) == "ok"
    assert "data-errors" not in re.search(r"<html[^>]*>", dom).group(0)

    # the screenshot
    shot = tmp_path / "dashboard.png"
    _chromium(binary, tmp_path, dashboard.as_uri(), size, f"--screenshot={shot}")
    assert shot.exists() and shot.stat().st_size > 30_000  # a blank page is a few kB
    assert _png_size(shot) == size
    if size == (1440, 900) and os.environ.get("CXSPEC_UPDATE_SCREENSHOT") == "1":
        SCREENSHOT.parent.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(shot, SCREENSHOT)


#: For a page whose charts leave periods out: the note is visible and links to report.json.
HISTORY_CHECK = r"""
<script>
(function () {
  var problems = [];
  var links = document.querySelectorAll('a[href="report.json"]');
  if (links.length !== 2) problems.push(links.length + " links to report.json");
  var note = document.querySelector(".history-note");
  if (!note || !note.offsetParent || note.getBoundingClientRect().height < 10) problems.push("note hidden");
  var link = note && note.querySelector("a.history-link");
  if (!link || link.href.slice(-12) !== "/report.json") problems.push("link " + (link && link.href));
  var dots = document.querySelector(".mcard svg.chart").querySelectorAll("circle.pt").length;
  if (dots !== 90) problems.push(dots + " dots in a chart");
  document.body.setAttribute("data-history", problems.length ? problems.join("; ") : "ok");
})();
</script>
"""


#: Checks the issue list's filters inside the page: by owner, by state, and both reset.
ISSUE_FILTER_SCRIPT = r"""
<script>
(function () {
  var problems = [];
  function pick(name, value) {
    var select = document.querySelector('select[data-issue-filter="' + name + '"]');
    select.value = value;
    select.dispatchEvent(new Event("input", { bubbles: true }));
  }
  function visible() {
    return Array.prototype.slice.call(document.querySelectorAll("ul.issues > li.issue"))
      .filter(function (li) { return !li.hidden && li.offsetParent !== null; });
  }
  var total = document.querySelectorAll("ul.issues > li.issue").length;
  pick("owner", "%(owner)s");
  var mine = visible();
  if (mine.length !== %(owner_count)d) problems.push("owner filter shows " + mine.length);
  mine.forEach(function (li) { if (li.getAttribute("data-owner") !== "%(owner)s") problems.push("other owner shown"); });
  pick("owner", "*");
  pick("state", "acknowledged");
  var acked = visible();
  if (acked.length !== 1) problems.push("state filter shows " + acked.length);
  else if (acked[0].textContent.indexOf("note by dana: calibration booked") < 0) problems.push("no note shown");
  pick("state", "open");
  if (visible().length !== total - 1) problems.push("open filter shows " + visible().length + " of " + total);
  pick("owner", "%(owner)s");
  if (visible().length !== %(owner_open)d) problems.push("both filters show " + visible().length);
  pick("owner", "*"); pick("state", "*");
  if (visible().length !== total) problems.push("reset shows " + visible().length);
  document.body.setAttribute("data-check", problems.length ? problems.join("; ") : "ok");
})();
</script>
"""


def test_a_long_history_in_chromium(report, tmp_path):
    binary = _chromium_or_skip()
    page = render(long_history(report, 400))
    checked = tmp_path / "report.html"
    checked.write_text(page.replace("</body>", CHECK_SCRIPT + HISTORY_CHECK + "</body>"), encoding="utf-8")
    dom = _chromium(binary, tmp_path, checked.as_uri(), (1440, 900), "--dump-dom").stdout
    assert "data-errors" not in re.search(r"<html[^>]*>", dom).group(0)
    assert 'data-ready="1"' in re.search(r"<body[^>]*>", dom).group(0)
    assert html.unescape(re.search(r'data-check="([^"]*)"', dom).group(1)) == "ok"
    assert html.unescape(re.search(r'data-history="([^"]*)"', dom).group(1)) == "ok"


def test_issue_list_filters_in_chromium(report, tmp_path):
    """The issue list filters by owner and by state, in a real browser."""
    import copy

    binary = _chromium_or_skip()
    data = copy.deepcopy(report)
    issues = data["issues"]
    assert all(i["status"] == "open" for i in issues) and len(issues) >= 3
    issues[0]["status"] = "acknowledged"
    issues[0]["note"] = {"at": "2026-07-01 09:00:00", "by": "dana", "status": "acknowledged",
                         "note": "calibration booked"}  # fmt: skip
    owner = issues[0]["owner"]
    owner_count = sum(1 for i in issues if i["owner"] == owner)
    owner_open = sum(1 for i in issues if i["owner"] == owner and i["status"] == "open")
    values = {"owner": owner, "owner_count": owner_count, "owner_open": owner_open}
    checked = tmp_path / "issues.html"
    checked.write_text(render(data).replace("</body>", ISSUE_FILTER_SCRIPT % values + "</body>"), encoding="utf-8")
    dom = _chromium(binary, tmp_path, checked.as_uri(), (1440, 900), "--dump-dom").stdout
    check = re.search(r'<body[^>]*data-check="([^"]*)"', dom)
    assert check is not None, "the check script did not run"
    assert html.unescape(check.group(1)) == "ok"


def test_issues_show_their_state_in_every_format(report):
    """Every issue of a run with states shows its state and age in each format."""
    from cxspec.reports import markdown, terminal

    issue = report["issues"][0]
    assert issue["id"] and issue["status"] == "open" and issue["periods_open"] == 1
    line = f"open · 1 period since {issue['first_period']}"
    assert line in render(report)
    assert line in markdown.render(report)
    assert line in terminal.render(report, issues=100)


SEGMENT_SCRIPT = r"""
<script>
(function () {
  var problems = [];
  var select = document.getElementById("segment-select");
  if (!select) { document.body.setAttribute("data-check", "no segment selector"); return; }
  var rows = document.querySelectorAll("table.league tbody tr");
  if (rows.length !== %(count)d) problems.push("league rows " + rows.length);
  select.value = "%(index)d";
  select.dispatchEvent(new Event("input", { bubbles: true }));
  var shown = Array.prototype.slice.call(document.querySelectorAll("#segment-values thead th[data-segment]"))
    .filter(function (th) { return !th.hidden && th.offsetParent !== null; });
  if (shown.length !== 1 || shown[0].textContent !== "%(label)s") problems.push("shown columns " + shown.length);
  var cell = document.querySelector('#segment-values tr[data-metric="%(metric)s"] td[data-segment="%(index)d"]');
  if (!cell || cell.hidden || cell.getAttribute("data-status") !== "red") problems.push("the segment's red cell");
  var other = document.querySelector('#segment-values tr[data-metric="%(metric)s"] td[data-segment="%(other)d"]');
  if (!other || !other.hidden) problems.push("another segment's cell shows");
  if (!document.querySelector('table.league tr.chosen[data-segment="%(index)d"]')) problems.push("league row not marked");
  select.value = "*";
  select.dispatchEvent(new Event("input", { bubbles: true }));
  if (other.hidden) problems.push("every segment does not show them all");
  document.body.setAttribute("data-check", problems.length ? problems.join("; ") : "ok");
})();
</script>
"""


def test_segments_league_and_selector_in_chromium(report, tmp_path):
    """The league table lists every segment with its metrics in red; the selector shows one
    segment's column beside the total's (acme: EMEA's phone support CSAT is red), in a real browser."""
    binary = _chromium_or_skip()
    segments = report["segments"]
    labels = [s["label"] for s in segments]
    assert sorted(labels) == ["region=APAC", "region=Americas", "region=EMEA"]
    index = labels.index("region=EMEA")
    assert "phone_support_csat" in segments[index]["red"] and segments[index]["owner"] == "emea-cx"
    page_text = render(report)
    assert page_text.count('<tr data-segment="') == 3 and 'id="segment-select"' in page_text
    values = {"count": 3, "index": index, "other": (index + 1) % 3, "label": "region=EMEA",
              "metric": "phone_support_csat"}  # fmt: skip
    checked = tmp_path / "segments.html"
    checked.write_text(page_text.replace("</body>", SEGMENT_SCRIPT % values + "</body>"), encoding="utf-8")
    dom = _chromium(binary, tmp_path, checked.as_uri(), (1440, 900), "--dump-dom").stdout
    check = re.search(r'<body[^>]*data-check="([^"]*)"', dom)
    assert check is not None, "the check script did not run"
    assert html.unescape(check.group(1)) == "ok"
