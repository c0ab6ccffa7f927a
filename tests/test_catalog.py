"""`cxspec docs`: the metric catalog. Values are checked against plain-Python computations on the
fixture rows; the pages hold every part of a metric's audit; the site is self-contained and
its links resolve; the same specs and stored results give the same bytes."""

from __future__ import annotations

import json
import re
from html.parser import HTMLParser
from pathlib import Path

import pytest

from cxspec.compiler.compile import compile_request
from cxspec.compiler.plan import Request
from cxspec.registry import default_registry

REPO = Path(__file__).resolve().parent.parent

CONFIG = """\
version: 1
project: shop
name: Shop CX
grain: month
warehouse: duckdb:///cxspec-out/results.duckdb
"""

SPECS = """\
version: 1
owners:
  - id: cx
    name: CX Office
    email: cx@shop.example
    github: "@shop/cx"
  - id: support
    name: Support
    email: support@shop.example
    parent: cx
  - id: ana
    name: Ana (chat lead)
    kind: person
    parent: support
sources:
  - id: responses
    type: file
    path: data/responses.csv
    time: responded_at
    owner: cx
  - id: tickets
    type: file
    path: data/tickets.csv
    time: opened_at
journeys:
  - id: get-help
    name: Getting help
    owner: support
    stages: [self-serve, contact, follow-up]
touchpoints:
  - id: chat
    name: Chat support
    journey: get-help
    stage: contact
    owner: ana
    match: "channel = 'chat'"
  - id: help-center
    name: Help Center
    journey: get-help
    stage: self-serve
    intended: true
metrics:
  - id: chat_nps
    name: Chat NPS
    description: Would you recommend us, asked after a chat.
    type: nps
    source: responses
    column: nps_score
    touchpoint: chat
    category: perception
    owner: ana
    tracked_by: cx
    min_sample: 2
  - id: chat_csat
    name: Chat CSAT
    type: csat
    source: responses
    column: csat_score
    touchpoint: chat
    category: perception
    owner: support
    tracked_by: cx
  - id: fcr
    name: First-contact resolution
    type: rate
    source: tickets
    condition: "resolved = 1"
    category: operational
    owner: support
goals:
  - metric: chat_nps
    target: 30
    warn: 10
    due: 2026-12-31
  - metric: fcr
    target: 70
    warn: 60
    owner: ana
pyramids:
  - id: cx-index
    name: Shop CX Index
    owner: cx
    children:
      - id: help
        name: Help
        weight: 3
        children:
          - metric: chat_nps
            weight: 2
          - metric: chat_csat
      - metric: fcr
        weight: 1
"""

#: (responded_at, channel, nps_score, csat_score)
RESPONSES = [
    ("2026-04-03T10:00:00Z", "chat", 10, 5),
    ("2026-04-09T10:00:00Z", "chat", 6, 2),
    ("2026-04-20T10:00:00Z", "phone", 9, 4),
    ("2026-05-02T10:00:00Z", "chat", 9, 5),
    ("2026-05-05T10:00:00Z", "chat", 10, 4),
    ("2026-05-11T10:00:00Z", "chat", 3, 3),
    ("2026-05-17T10:00:00Z", "chat", 8, 5),
    ("2026-05-29T10:00:00Z", "phone", 0, 1),
]
#: (opened_at, channel, resolved)
TICKETS = [
    ("2026-04-02T09:00:00Z", "chat", 1),
    ("2026-05-03T09:00:00Z", "chat", 1),
    ("2026-05-04T09:00:00Z", "phone", 0),
    ("2026-05-21T09:00:00Z", "chat", 1),
]


def csv(header: str, rows) -> str:
    return header + "\n" + "".join(",".join(str(v) for v in row) + "\n" for row in rows)


@pytest.fixture
def shop(make_project):
    return make_project(
        {
            "specs/programme.yaml": SPECS,
            "data/responses.csv": csv("responded_at,channel,nps_score,csat_score", RESPONSES),
            "data/tickets.csv": csv("opened_at,channel,resolved", TICKETS),
        },
        config=CONFIG,
        name="shop",
    )


@pytest.fixture
def ran_shop(shop, run_main):
    code, _, err = run_main("run", str(shop), "--out", str(shop / "report"))
    assert code == 0, err
    return shop


def docs(run_main, project: Path, out: Path, *extra: str) -> dict:
    code, stdout, stderr = run_main("docs", str(project), "--out", str(out), *extra)
    assert code == 0, stderr
    assert stdout.startswith("wrote the catalog of ")
    return json.loads((out / "catalog.json").read_text("utf-8"))


def month(rows, prefix: str, channel: str | None = "chat"):
    return [r for r in rows if r[0].startswith(prefix) and (channel is None or r[1] == channel)]


# -- values ----------------------------------------------------------------------------------


def test_latest_values_are_the_stored_ones_computed_from_the_rows(ran_shop, run_main, tmp_path):
    catalog = docs(run_main, ran_shop, tmp_path / "site")
    metrics = {m["id"]: m for m in catalog["metrics"]}
    assert catalog["values"]["latest"] == "2026-05-01"

    may = [r[2] for r in month(RESPONSES, "2026-05")]
    nps = 100 * (sum(s >= 9 for s in may) - sum(s <= 6 for s in may)) / len(may)
    assert metrics["chat_nps"]["latest"]["value"] == pytest.approx(nps)
    assert metrics["chat_nps"]["latest"]["n"] == len(may) == 4
    april = [r[2] for r in month(RESPONSES, "2026-04")]
    previous = 100 * (sum(s >= 9 for s in april) - sum(s <= 6 for s in april)) / len(april)
    assert metrics["chat_nps"]["previous"]["value"] == pytest.approx(previous)
    status = "green" if nps >= 30 else ("amber" if nps >= 10 else "red")
    assert metrics["chat_nps"]["latest"]["status"] == status

    csat = [r[3] for r in month(RESPONSES, "2026-05")]
    assert metrics["chat_csat"]["latest"]["value"] == pytest.approx(
        100 * sum(s >= 4 for s in csat) / len(csat)
    )

    tickets = [r[2] for r in month(TICKETS, "2026-05", None)]
    fcr = 100 * sum(tickets) / len(tickets)
    assert metrics["fcr"]["latest"]["value"] == pytest.approx(fcr)

    # the pages show those numbers
    page = (tmp_path / "site" / "markdown" / "metrics" / "chat_nps.md").read_text("utf-8")
    assert f"{nps:+.0f} ±" in page and "in May 2026" in page
    index = (tmp_path / "site" / "index.html").read_text("utf-8")
    assert f"{fcr:.1f}%" in index


def test_no_stored_results_and_no_values(shop, run_main, tmp_path):
    catalog = docs(run_main, shop, tmp_path / "site")
    assert catalog["values"]["latest"] is None
    assert "does not exist" in catalog["values"]["note"]
    assert all(m["latest"] is None for m in catalog["metrics"])
    assert not (shop / "cxspec-out" / "results.duckdb").exists(), "the catalog created a warehouse"
    assert "No values: no results stored yet" in (tmp_path / "site" / "index.html").read_text("utf-8")


def test_no_values_flag_leaves_stored_values_out(ran_shop, run_main, tmp_path):
    catalog = docs(run_main, ran_shop, tmp_path / "site", "--no-values")
    assert catalog["values"] == {"latest": None, "computed_at": None, "note": "left out (--no-values)"}
    assert all(m["latest"] is None for m in catalog["metrics"])


# -- what each metric page holds ---------------------------------------------------------------


def test_every_part_of_the_audit_is_there(shop, run_main, tmp_path, validate):
    catalog = docs(run_main, shop, tmp_path / "site")
    metrics = {m["id"]: m for m in catalog["metrics"]}
    assert sorted(metrics) == ["chat_csat", "chat_nps", "fcr"]
    nps = metrics["chat_nps"]
    assert nps["definition"].startswith("NPS (% promoters − % detractors) of nps_score from responses")
    assert "channel = 'chat'" in nps["definition"]
    assert "promoters" in nps["formula"] and "1.96" in nps["formula"]
    assert nps["source"]["id"] == "responses" and nps["source"]["where"] == "data/responses.csv"
    assert nps["owner"] == {"id": "ana", "name": "Ana (chat lead)", "email": None, "github": None}
    assert nps["tracked_by"]["id"] == "cx" and nps["tracked_by"]["github"] == "@shop/cx"
    assert nps["touchpoint"]["id"] == "chat" and nps["touchpoint"]["stage"] == "contact"
    assert nps["journey"] == {"id": "get-help", "name": "Getting help"}
    assert nps["goal"] == {"target": 30, "warn": 10, "due": "2026-12-31", "owner": None, "description": None}
    line = SPECS.splitlines().index("  - id: chat_nps") + 1
    assert (nps["file"], nps["line"]) == ("specs/programme.yaml", line)

    # the compiled SQL is the compiler's for that metric alone
    project = validate(shop).project
    queries = compile_request(project, Request(metrics=("chat_nps",)), "duckdb", default_registry())
    assert nps["sql"] == "\n\n".join(f"-- query: {q.name}\n{q.sql};" for q in queries)

    # pyramid paths with each leaf's share of the index, from the weights: help 3/4, fcr 1/4;
    # inside help, chat_nps 2/3 and chat_csat 1/3
    assert nps["pyramids"] == [
        {"pyramid": "cx-index", "path": ["Shop CX Index", "Help", "Chat NPS"], "weight": 2.0,
         "share": round(100 * 3 / 4 * 2 / 3, 2)}
    ]  # fmt: skip
    assert metrics["chat_csat"]["pyramids"][0]["share"] == round(100 * 3 / 4 * 1 / 3, 2)
    assert metrics["fcr"]["pyramids"][0]["share"] == 25.0

    page = (tmp_path / "site" / "markdown" / "metrics" / "chat_nps.md").read_text("utf-8")
    for expected in (
        "# Chat NPS (`chat_nps`)",
        "Would you recommend us, asked after a chat.",
        "| owner (accountable) | Ana (chat lead) |",
        "| tracked by | CX Office (@shop/cx, cx@shop.example) |",
        "| touch point | Chat support (`chat`), stage contact |",
        "| journey | Getting help (`get-help`) |",
        "| goal | target +30, warn +10, due 2026-12-31 |",
        f"| defined in | `specs/programme.yaml:{line}` |",
        "- Shop CX Index › Help › Chat NPS (weight 2, 50% of the total)",
        "```sql\n" + nps["sql"] + "\n```",
    ):
        assert expected in page, expected
    html = (tmp_path / "site" / "metrics" / "chat_nps.html").read_text("utf-8")
    assert "<h2>Compiled SQL (duckdb)</h2>" in html and "Shop CX Index › Help › Chat NPS" in html
    csat = (tmp_path / "site" / "metrics" / "chat_csat.html").read_text("utf-8")
    assert "top <code>top_box</code> points" in csat and "`" not in csat.split("<pre>")[0]


def test_owners_view(shop, run_main, tmp_path):
    catalog = docs(run_main, shop, tmp_path / "site")
    owners = {o["id"]: o for o in catalog["owners"]}
    assert owners["support"]["accountable_for"] == ["chat_csat", "fcr"]
    assert owners["ana"]["accountable_for"] == ["chat_nps"] and owners["ana"]["goals"] == ["fcr"]
    assert owners["ana"]["touchpoints"] == ["chat"]
    assert owners["cx"]["tracks"] == ["chat_csat", "chat_nps"] and owners["cx"]["sources"] == ["responses"]
    assert owners["cx"]["members"] == ["support"] and owners["support"]["members"] == ["ana"]
    assert owners["cx"]["pyramids"] == ["cx-index"] and owners["support"]["journeys"] == ["get-help"]
    text = (tmp_path / "site" / "markdown" / "owners.md").read_text("utf-8")
    # the organisation's order: cx, then support under it, then ana under support
    assert text.index("## CX Office") < text.index("### Support") < text.index("#### Ana (chat lead)")
    assert (
        "- **accountable for**: [Chat CSAT](metrics/chat_csat.md), [First-contact resolution](metrics/fcr.md)"
        in text
    )


def test_journey_map(shop, run_main, tmp_path):
    catalog = docs(run_main, shop, tmp_path / "site")
    (journey,) = catalog["journeys"]
    assert [s["id"] for s in journey["stages"]] == ["self-serve", "contact", "follow-up"]
    stages = {s["id"]: s for s in journey["stages"]}
    assert stages["contact"]["touchpoints"][0]["metrics"] == ["chat_csat", "chat_nps"]
    assert stages["self-serve"]["touchpoints"][0]["metrics"] == []
    assert stages["follow-up"]["touchpoints"] == []
    text = (tmp_path / "site" / "markdown" / "journeys.md").read_text("utf-8")
    assert "| self-serve | Help Center | *not measured* |" in text
    assert "| follow-up | *no touch point* | |" in text
    html = (tmp_path / "site" / "journeys.html").read_text("utf-8")
    assert (
        html.index("<h3>self-serve</h3>") < html.index("<h3>contact</h3>") < html.index("<h3>follow-up</h3>")
    )


# -- the site ------------------------------------------------------------------------------


class Links(HTMLParser):
    def __init__(self):
        super().__init__()
        self.links, self.ids, self.external = [], set(), []

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        if "id" in attrs:
            self.ids.add(attrs["id"])
        for name in ("href", "src"):
            value = attrs.get(name)
            if value is None:
                continue
            if re.match(r"^[a-z]+:", value) and not value.startswith("mailto:"):
                self.external.append(value)
            elif not value.startswith("mailto:"):
                self.links.append(value)
        if tag in ("script", "link", "img", "iframe"):
            self.external.append(f"<{tag}>")


def test_the_site_is_self_contained_and_its_links_resolve(ran_shop, run_main, tmp_path):
    out = tmp_path / "site"
    docs(run_main, ran_shop, out)
    pages = sorted(out.rglob("*.html"))
    assert len(pages) == 3 + 3
    parsed = {}
    for page in pages:
        parser = Links()
        parser.feed(page.read_text("utf-8"))
        assert parser.external == [], f"{page.name} loads {parser.external}"
        parsed[page] = parser
    for page, parser in parsed.items():
        for link in parser.links:
            target, _, anchor = link.partition("#")
            path = (page.parent / target).resolve() if target else page
            assert path.is_file(), f"{page.relative_to(out)}: {link}"
            if anchor:
                assert anchor in parsed[path].ids, f"{page.relative_to(out)}: {link}"
    for page in sorted((out / "markdown").rglob("*.md")):
        for link in re.findall(r"\]\(([^)]+)\)", page.read_text("utf-8")):
            assert (page.parent / link.partition("#")[0]).resolve().is_file(), f"{page}: {link}"


def test_two_runs_write_byte_identical_folders(ran_shop, run_main, tmp_path):
    first, second = tmp_path / "a", tmp_path / "b"
    docs(run_main, ran_shop, first)
    docs(run_main, ran_shop, second)
    files = sorted(p.relative_to(first) for p in first.rglob("*") if p.is_file())
    assert files == sorted(p.relative_to(second) for p in second.rglob("*") if p.is_file())
    assert len(files) == 3 + 3 + 3 + 3 + 1  # html pages, markdown pages, catalog.json
    for name in files:
        assert (first / name).read_bytes() == (second / name).read_bytes(), name


def test_a_removed_metric_loses_its_pages(shop, run_main, tmp_path):
    out = tmp_path / "site"
    docs(run_main, shop, out)
    assert (out / "metrics" / "chat_csat.html").is_file()
    spec = shop / "specs" / "programme.yaml"
    text = spec.read_text("utf-8")
    start = text.index("  - id: chat_csat")
    text = text[:start] + text[text.index("  - id: fcr") :]
    spec.write_text(text.replace("          - metric: chat_csat\n", ""), encoding="utf-8")
    docs(run_main, shop, out)
    assert not (out / "metrics" / "chat_csat.html").exists()
    assert not (out / "markdown" / "metrics" / "chat_csat.md").exists()
    assert (out / "metrics" / "chat_nps.html").is_file()


def test_an_invalid_project_is_not_documented(make_project, run_main, tmp_path):
    root = make_project({"specs/a.yaml": "version: 1\nmetrics:\n  - id: x\n    type: nps\n"})
    code, out, err = run_main("docs", str(root), "--out", str(tmp_path / "site"))
    assert code == 1 and "CX102" in err and "Traceback" not in out + err
    assert not (tmp_path / "site").exists()


def test_the_example_project(run_main, tmp_path):
    catalog = docs(run_main, REPO / "specs" / "acme", tmp_path / "acme", "--no-values")
    assert len(catalog["metrics"]) == 40
    assert len(list((tmp_path / "acme" / "metrics").glob("*.html"))) == 40
    retention = next(m for m in catalog["metrics"] if m["id"] == "subscription_retention")
    assert retention["pyramids"][0]["path"] == [
        "Acme CX Index",
        "Living with Acme Care+",
        "Acme Care+ monthly retention",
    ]
