"""cxspec diff: a git repository with a history of spec changes, one commit per diff category
(no-op rewrites, added/removed/changed per entity kind, breaking changes, renames), folders,
output formats, and the effect on stored scores checked against plain-Python arithmetic."""

from __future__ import annotations

import json
import math
import shutil
import subprocess
import textwrap
from pathlib import Path

import duckdb
import pytest

CONFIG = """\
version: 1
project: shop
name: Shop CX
grain: month
warehouse: duckdb:///results.duckdb
"""
OWNERS = """\
version: 1
owners:
  - id: cx
    name: CX office
    github: "@shop/cx"
  - id: care
    name: Care team
    parent: cx
    github: "@shop/care"
  - id: legal
    name: Legal
"""
SOURCES = """\
version: 1
sources:
  - id: r
    type: file
    path: r.csv
    time: t
    key: id
    dimensions: [channel]
  - id: r_copy
    type: file
    path: r.csv
    time: t
"""
JOURNEYS = """\
version: 1
journeys:
  - id: buy
    owner: cx
    stages: [discover, buy]
  - id: help
    owner: care
    stages: [ask]
touchpoints:
  - id: web
    name: Web shop
    journey: buy
    stage: buy
    match: "channel = 'web'"
  - id: store
    journey: buy
    stage: buy
    match: "channel = 'store'"
"""
METRICS = """\
version: 1
metrics:
  - id: nps
    type: nps
    source: r
    column: nps
    owner: cx
  - id: csat
    type: csat
    source: r
    column: csat
    filter: "channel IN ('web', 'store')"
    owner: care
  - id: web_csat
    type: csat
    source: r
    column: csat
    touchpoint: web
    owner: care
  - id: wait
    type: mean
    source: r
    column: wait
    direction: lower_is_better
    owner: care
  - id: spread
    type: derived
    expr: nps - csat
"""
GOALS = """\
version: 1
goals:
  - {metric: nps, target: 50, warn: 10}
  - {metric: csat, target: 80, warn: 50}
  - {metric: wait, target: 150, warn: 250}
pyramids:
  - id: index
    name: Shop index
    children:
      - id: loyalty
        weight: 3
        children:
          - {metric: nps}
      - id: service
        weight: 1
        children:
          - {metric: csat, weight: 1}
          - {metric: wait, weight: 3, bounds: [0, 400]}
  - id: mini
    children:
      - {metric: nps}
"""
# January and February; February (the latest period) has a value for every metric.
ROWS = """\
id,t,channel,nps,csat,wait
1,2026-01-03T10:00:00Z,web,10,5,100
2,2026-01-04T10:00:00Z,store,10,4,300
3,2026-01-05T10:00:00Z,web,6,3,
4,2026-02-03T10:00:00Z,web,10,5,120
5,2026-02-04T10:00:00Z,store,9,4,260
6,2026-02-05T10:00:00Z,web,7,2,
7,2026-02-06T10:00:00Z,phone,3,5,200
8,2026-02-07T10:00:00Z,store,0,1,
"""
BASE_FILES = {
    "cxspec.yaml": CONFIG,
    "owners.yaml": OWNERS,
    "sources.yaml": SOURCES,
    "journeys.yaml": JOURNEYS,
    "metrics.yaml": METRICS,
    "goals.yaml": GOALS,
    "r.csv": ROWS,
}


class Repo:
    """A git repository with the project in `shop/`; commits are the history of spec changes."""

    def __init__(self, top: Path):
        self.top = top
        self.project = top / "shop"

    def git(self, *args: str) -> str:
        done = subprocess.run(
            ["git", "-c", "user.name=test", "-c", "user.email=test@example.com", "-c", "commit.gpgsign=false",
             *args],
            cwd=self.top, capture_output=True, text=True, check=True,
        )  # fmt: skip
        return done.stdout

    def write(self, files: dict) -> None:
        for name, text in files.items():
            path = self.project / name
            if text is None:
                path.unlink()
                continue
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_text(textwrap.dedent(text), encoding="utf-8")

    def replace(self, name: str, old: str, new: str) -> None:
        text = (self.project / name).read_text(encoding="utf-8")
        assert old in text, f"{old!r} not in {name}"
        (self.project / name).write_text(text.replace(old, new, 1), encoding="utf-8")

    def commit(self, message: str, tag: str | None = None) -> None:
        self.git("add", "-A")
        self.git("commit", "-q", "-m", message)
        if tag:
            self.git("tag", tag)


@pytest.fixture
def repo(tmp_path) -> Repo:
    repo = Repo(tmp_path / "repo")
    repo.project.mkdir(parents=True)
    repo.git("init", "-q", "-b", "main")
    repo.write({**BASE_FILES, ".gitignore": "results.duckdb\ncxspec-out/\n"})
    repo.commit("base", tag="base")
    return repo


@pytest.fixture
def diff(repo, run_main):
    """diff(*args) -> (exit code, stdout, stderr) of `cxspec diff … -p shop`."""

    def run(*args: str):
        return run_main("diff", *args, "-p", str(repo.project))

    return run


def as_json(out: str) -> dict:
    return json.loads(out)


def statuses(data: dict) -> set[tuple[str, str, str]]:
    return {(c["kind"], c["id"], c["status"]) for c in data["changes"]}


def fields(data: dict, kind: str, item: str) -> dict:
    change = next(c for c in data["changes"] if c["kind"] == kind and c["id"] == item)
    return {f["field"]: (f["old"], f["new"]) for f in change["fields"]}


def test_base_is_valid_and_identical_to_itself(diff):
    code, out, err = diff("base", "--format", "json")
    assert code == 0, err
    data = as_json(out)
    assert data["changes"] == [] and data["breaking"] == []
    assert data["base"] == "base" and data["head"] == "working tree"


def test_reformat_reorder_comment_move_is_no_change(repo, diff):
    # Metrics reordered, keys reordered, flow style, comments, defaults written out, a metric moved
    # to another file, the filter re-spelled; pyramid children reordered; a weight written as 1.0.
    repo.write(
        {
            "metrics.yaml": """\
            version: 1
            # perception metrics
            metrics:
              - {owner: care, column: csat, type: csat, id: csat, source: r, scale: [1, 5], top_box: 2,
                 filter: "(Channel in ('web','store'))  -- both shops"}
              - id: nps
                direction: higher_is_better   # the default, written out
                type: nps
                source: r
                column: nps
                owner: cx
                version: 1
                scale: [0, 10]
            """,
            "more/operational.yaml": """\
            version: 1
            metrics:
              - id: wait
                type: mean
                source: r
                column: wait
                direction: lower_is_better
                owner: care
              - id: web_csat
                type: csat
                source: r
                column: csat
                touchpoint: web
                owner: care
              - {id: spread, type: derived, expr: "(nps) - ( csat )"}
            """,
        }
    )
    repo.replace("goals.yaml", "- {metric: csat, weight: 1}\n", "- {metric: csat, weight: 1.0}\n")
    repo.replace("journeys.yaml", "match: \"channel = 'web'\"", "match: \"(channel='web')\"")
    repo.commit("rewrite without changing meaning")
    code, out, err = diff("base", "HEAD")
    assert code == 0, err
    assert "no changes in meaning" in out
    code, out, _ = diff("base", "HEAD", "--format", "json")
    assert as_json(out)["changes"] == []


def test_added_removed_changed_for_each_kind(repo, diff):
    repo.replace("cxspec.yaml", "name: Shop CX", "name: Shop customer experience")
    repo.replace(
        "owners.yaml",
        "  - id: legal\n    name: Legal\n",
        "  - id: ops\n    name: Operations\n    kind: person\n",
    )
    repo.replace("owners.yaml", "name: Care team", "name: Customer care")
    repo.replace("sources.yaml", "  - id: r_copy\n", "  - id: r_again\n    filter: \"channel <> 'phone'\"\n")
    repo.replace("sources.yaml", "dimensions: [channel]", "dimensions: [channel, id]")
    repo.replace("journeys.yaml", "  - id: help\n    owner: care\n    stages: [ask]\n",
                 "  - id: renew\n    owner: cx\n    stages: [remind, renew]\n")  # fmt: skip
    repo.replace("journeys.yaml", "stages: [discover, buy]", "stages: [discover, compare, buy]")
    repo.replace("journeys.yaml", "  - id: store\n", "  - id: app\n    name: App\n")
    repo.replace("journeys.yaml", "name: Web shop", "name: Web store")
    # web_csat is used by no goal, pyramid or metric: removing it is not breaking
    text = (repo.project / "metrics.yaml").read_text()
    web_csat = text[text.index("  - id: web_csat") : text.index("  - id: wait")]
    repo.replace("metrics.yaml", web_csat, "")
    repo.replace(
        "metrics.yaml",
        "  - id: wait\n",
        "  - id: web_nps\n    type: nps\n    source: r\n    column: nps\n    touchpoint: web\n  - id: wait\n",
    )
    repo.replace("metrics.yaml", "    owner: cx\n", "    owner: cx\n    min_sample: 2\n")
    repo.replace(
        "goals.yaml",
        "  - {metric: wait, target: 150, warn: 250}\n",
        "  - {metric: web_nps, target: 30, warn: 0}\n",
    )
    repo.replace("goals.yaml", "{metric: csat, target: 80, warn: 50}", "{metric: csat, target: 85, warn: 50}")
    repo.replace("goals.yaml", "  - id: mini\n    children:\n      - {metric: nps}\n",
                 "  - id: web\n    normalize: goal\n    children:\n      - {metric: web_nps}\n")  # fmt: skip
    repo.replace("goals.yaml", "        weight: 3\n        children:\n          - {metric: nps}",
                 "        weight: 2\n        children:\n          - {metric: nps}")  # fmt: skip
    repo.commit("one of each")
    code, out, err = diff("base", "HEAD", "--format", "json")
    assert code == 0, err + out
    data = as_json(out)
    assert data["breaking"] == []
    assert statuses(data) == {
        ("config", "config", "changed"),
        ("owner", "ops", "added"), ("owner", "legal", "removed"), ("owner", "care", "changed"),
        ("source", "r_again", "added"), ("source", "r_copy", "removed"), ("source", "r", "changed"),
        ("journey", "renew", "added"), ("journey", "help", "removed"), ("journey", "buy", "changed"),
        ("touch point", "app", "added"), ("touch point", "store", "removed"),
        ("touch point", "web", "changed"),
        ("metric", "web_nps", "added"), ("metric", "web_csat", "removed"), ("metric", "nps", "changed"),
        ("goal", "web_nps", "added"), ("goal", "wait", "removed"), ("goal", "csat", "changed"),
        ("pyramid", "web", "added"), ("pyramid", "mini", "removed"), ("pyramid", "index", "changed"),
    }  # fmt: skip
    assert fields(data, "config", "config") == {"name": ("Shop CX", "Shop customer experience")}
    assert fields(data, "owner", "care") == {"name": ("Care team", "Customer care")}
    assert fields(data, "source", "r") == {"dimensions.id": (None, "(column)")}
    assert fields(data, "journey", "buy") == {"stages": (["discover", "buy"], ["discover", "compare", "buy"])}
    assert fields(data, "metric", "nps") == {"min_sample": (None, 2)}
    assert fields(data, "goal", "csat") == {"target": (80, 85)}
    assert fields(data, "pyramid", "index") == {"loyalty.weight": (3, 2)}
    where = {(c["id"], f["field"]): f["where"] for c in data["changes"] for f in c["fields"]}
    assert where[("index", "loyalty.weight")] == "goals.yaml:11"  # the weight's own line
    assert where[("r", "dimensions.id")] == "sources.yaml:8"
    assert where[("nps", "min_sample")] == "metrics.yaml:8"
    # text lists the same, with where each item is written
    code, out, _ = diff("base", "HEAD")
    assert "~ metric nps  (metrics.yaml:3)" in out
    assert "loyalty.weight: 3 → 2" in out


def test_changing_what_a_metric_measures_is_breaking_without_a_version_bump(repo, diff):
    repo.replace("metrics.yaml", "filter: \"channel IN ('web', 'store')\"", "filter: \"channel = 'web'\"")
    repo.replace("metrics.yaml", "    column: wait\n", "    column: wait\n    scale: [0, 600]\n")
    repo.replace("journeys.yaml", "match: \"channel = 'web'\"", "match: \"channel IN ('web', 'app')\"")
    repo.commit("narrow csat, bound wait, widen the web touch point")
    code, out, err = diff("base", "HEAD", "--format", "json")
    assert code == 1
    assert "breaking change" in err
    data = as_json(out)
    breaking = {(b["id"], b["reason"]) for b in data["breaking"]}
    assert breaking == {
        ("csat", "definition_changed"),
        ("wait", "definition_changed"),
        ("web_csat", "definition_changed"),  # through its touch point's match
        ("spread", "definition_changed"),  # computed from csat
    }
    messages = {b["id"]: b["message"] for b in data["breaking"]}
    assert "(filter)" in messages["csat"] and "raise it to 2" in messages["csat"]
    assert "(touchpoint.match)" in messages["web_csat"]
    assert "(via csat.filter)" in messages["spread"]
    assert fields(data, "metric", "csat") == {"filter": ("channel IN ('web', 'store')", "channel = 'web'")}
    assert fields(data, "metric", "wait") == {"scale": (None, [0, 600])}
    # Breaking changes come first in text
    code, out, _ = diff("base", "HEAD")
    assert out.index("breaking change") < out.index("metrics:")
    # --allow-breaking reports the same and exits 0
    code, out_allowed, _ = diff("base", "HEAD", "--allow-breaking")
    assert code == 0 and out_allowed == out


def test_source_change_breaks_every_metric_reading_it(repo, diff):
    repo.replace("sources.yaml", "    key: id\n", "    key: id\n    filter: \"channel <> 'phone'\"\n")
    repo.commit("drop phone rows")
    code, out, _ = diff("base", "HEAD", "--format", "json")
    assert code == 1
    data = as_json(out)
    assert {b["id"] for b in data["breaking"]} == {"nps", "csat", "web_csat", "wait", "spread"}
    assert all("source.filter" in b["message"] for b in data["breaking"])


def test_a_version_bump_makes_it_non_breaking(repo, diff):
    repo.replace(
        "metrics.yaml",
        "filter: \"channel IN ('web', 'store')\"\n",
        "filter: \"channel = 'web'\"\n    version: 2\n",
    )
    repo.replace(
        "metrics.yaml", "expr: nps - csat\n", "expr: nps - csat\n    version: 2\n"
    )  # computed from csat
    repo.commit("narrow csat, with a version bump")
    code, out, err = diff("base", "HEAD", "--format", "json")
    assert code == 0, err
    data = as_json(out)
    assert data["breaking"] == []
    assert fields(data, "metric", "csat") == {
        "filter": ("channel IN ('web', 'store')", "channel = 'web'"),
        "version": (1, 2),
    }


def test_non_measure_fields_are_changes_but_not_breaking(repo, diff):
    repo.replace(
        "metrics.yaml",
        "    owner: care\n",
        "    owner: cx\n    name: Satisfaction\n    category: perception\n",
    )
    repo.commit("describe csat")
    code, out, err = diff("base", "HEAD", "--format", "json")
    assert code == 0, err
    assert fields(as_json(out), "metric", "csat") == {
        "owner": ("care", "cx"),
        "name": (None, "Satisfaction"),
        "category": (None, "perception"),
    }


def test_removing_a_used_metric_is_breaking(repo, diff):
    text = (repo.project / "metrics.yaml").read_text()
    repo.write({"metrics.yaml": text[: text.index("  - id: wait")]})
    repo.replace("goals.yaml", "  - {metric: wait, target: 150, warn: 250}\n", "")
    repo.replace("goals.yaml", "          - {metric: wait, weight: 3, bounds: [0, 400]}\n", "")
    repo.commit("drop wait")
    code, out, err = diff("base", "HEAD", "--format", "json")
    assert code == 1, out
    [breaking] = as_json(out)["breaking"]
    assert breaking["reason"] == "used_metric_removed" and breaking["id"] == "wait"
    assert "its goal" in breaking["message"] and "pyramid 'index'" in breaking["message"]


def test_renaming_a_metric_is_detected_and_breaking(repo, diff):
    for name in ("metrics.yaml", "goals.yaml"):
        text = (repo.project / name).read_text()
        text = text.replace("id: nps\n", "id: recommend\n").replace("{metric: nps", "{metric: recommend")
        text = text.replace("expr: nps - csat", "expr: recommend - csat")
        (repo.project / name).write_text(text)
    repo.commit("rename nps")
    code, out, _ = diff("base", "HEAD", "--format", "json")
    assert code == 1
    data = as_json(out)
    assert [(b["id"], b["reason"]) for b in data["breaking"]] == [("nps", "metric_renamed")]
    assert "previous_ids: [nps]" in data["breaking"][0]["message"]
    assert ("metric", "recommend", "renamed") in statuses(data)
    assert ("goal", "recommend", "renamed") in statuses(data)  # the goal moved with it
    renamed = next(c for c in data["changes"] if c["id"] == "recommend" and c["kind"] == "metric")
    assert renamed["old_id"] == "nps"
    assert fields(data, "pyramid", "index") == {
        "loyalty/nps": ("metric", None),
        "loyalty/nps.weight": (1, None),
        "loyalty/recommend": (None, "metric"),
        "loyalty/recommend.weight": (None, 1),
    }
    # the derived metric over it changed only by the new name: it measures the same thing
    assert fields(data, "metric", "spread") == {"expr": ("nps - csat", "recommend - csat")}
    code, _, _ = diff("base", "HEAD", "--allow-breaking")
    assert code == 0


def test_a_rename_with_previous_ids_carries_history_and_is_not_breaking(repo, diff):
    for name in ("metrics.yaml", "goals.yaml"):
        text = (repo.project / name).read_text()
        text = text.replace("id: nps\n", "id: recommend\n    previous_ids: [nps]\n")
        text = text.replace("{metric: nps", "{metric: recommend").replace("expr: nps - csat", "expr: recommend - csat")
        (repo.project / name).write_text(text)
    repo.commit("rename nps, keeping its history")
    code, out, err = diff("base", "HEAD", "--format", "json")
    assert code == 0, err
    data = as_json(out)
    assert data["breaking"] == []
    assert ("metric", "recommend", "renamed") in statuses(data)
    assert ("metric", "nps", "removed") not in statuses(data)
    assert fields(data, "metric", "recommend")["previous_ids"] == (None, ["nps"])


def test_a_declared_rename_is_paired_even_when_the_definition_changed_too(repo, diff):
    text = (repo.project / "metrics.yaml").read_text()
    text = text.replace("id: nps\n", "id: recommend\n    previous_ids: [nps]\n    filter: nps >= 0\n")
    text = text.replace("expr: nps - csat", "expr: recommend - csat")
    (repo.project / "metrics.yaml").write_text(text)
    goals = (repo.project / "goals.yaml").read_text().replace("{metric: nps", "{metric: recommend")
    (repo.project / "goals.yaml").write_text(goals)
    repo.commit("rename nps and set a minimum sample")
    code, out, err = diff("base", "HEAD", "--format", "json")
    data = as_json(out)
    assert ("metric", "recommend", "renamed") in statuses(data), data
    assert ("metric", "recommend", "added") not in statuses(data)
    # its history carries on, so what it measures may change only with a new version
    assert sorted((b["id"], b["reason"]) for b in data["breaking"]) == [
        ("recommend", "definition_changed"),
        ("spread", "definition_changed"),  # computed from it
    ]
    text = (repo.project / "metrics.yaml").read_text()
    text = text.replace("previous_ids: [nps]\n", "previous_ids: [nps]\n    version: 2\n")
    (repo.project / "metrics.yaml").write_text(text.replace("id: spread\n", "id: spread\n    version: 2\n"))
    repo.commit("a new version")
    code, out, err = diff("base", "HEAD", "--format", "json")
    assert code == 0 and as_json(out)["breaking"] == [], out


def test_renaming_a_source_changes_its_metrics_without_breaking_them(repo, diff):
    repo.replace("sources.yaml", "  - id: r\n", "  - id: responses\n")
    text = (repo.project / "metrics.yaml").read_text().replace("source: r\n", "source: responses\n")
    (repo.project / "metrics.yaml").write_text(text)
    repo.commit("a clearer source id")
    code, out, err = diff("base", "HEAD", "--format", "json")
    assert code == 0, err
    data = as_json(out)
    assert data["breaking"] == []
    assert ("source", "responses", "renamed") in statuses(data)
    assert fields(data, "metric", "wait") == {"source": ("r", "responses")}


def test_history_of_changes_between_any_two_refs(repo, diff):
    repo.replace("goals.yaml", "{metric: nps, target: 50, warn: 10}", "{metric: nps, target: 40, warn: 10}")
    repo.commit("lower the nps target", tag="v2")
    repo.replace("goals.yaml", "{metric: nps, target: 40, warn: 10}", "{metric: nps, target: 50, warn: 10}")
    repo.commit("raise it back", tag="v3")
    code, out, _ = diff("base", "v2", "--format", "json")
    assert fields(as_json(out), "goal", "nps") == {"target": (50, 40)}
    code, out, _ = diff("v2", "v3", "--format", "json")
    assert fields(as_json(out), "goal", "nps") == {"target": (40, 50)}
    code, out, _ = diff("base", "v3", "--format", "json")
    assert as_json(out)["changes"] == []  # back where it started
    # HEAD absent: the working tree, uncommitted changes included
    repo.replace("goals.yaml", "{metric: nps, target: 50, warn: 10}", "{metric: nps, target: 55, warn: 10}")
    code, out, _ = diff("v3", "--format", "json")
    data = as_json(out)
    assert data["head"] == "working tree" and fields(data, "goal", "nps") == {"target": (50, 55)}


def test_folders(repo, tmp_path, run_main):
    head = tmp_path / "head"
    shutil.copytree(repo.project, head)
    (head / "goals.yaml").write_text(GOALS.replace("target: 80", "target: 90"))
    code, out, err = run_main("diff", str(repo.project), str(head), "--format", "json")
    assert code == 0, err
    data = as_json(out)
    assert data["base"] == str(repo.project) and data["head"] == str(head)
    assert fields(data, "goal", "csat") == {"target": (80, 90)}
    # HEAD absent with folders: the --project folder
    code, out, _ = run_main("diff", str(head), "-p", str(repo.project), "--format", "json")
    assert fields(as_json(out), "goal", "csat") == {"target": (90, 80)}


def test_markdown_is_a_pr_comment_with_breaking_changes_first(repo, diff):
    repo.replace("metrics.yaml", "filter: \"channel IN ('web', 'store')\"", "filter: \"channel = 'web'\"")
    repo.replace("goals.yaml", "{metric: nps, target: 50, warn: 10}", "{metric: nps, target: 40, warn: 10}")
    repo.commit("narrow csat; lower the nps target")
    code, md, _ = diff("base", "HEAD", "--format", "md", "--warehouse", "duckdb:///:memory:")
    assert code == 1
    assert md.startswith("### cxspec diff: `base` → `HEAD`")
    assert "**⚠️ 2 breaking changes**" in md  # csat, and spread computed from it
    assert "| metrics | 0 | 0 | 1 | 0 |" in md and "| goals | 0 | 0 | 1 | 0 |" in md
    assert md.index("#### Breaking changes") < md.index("<details>")
    assert "<details><summary>metrics: 1 changed</summary>" in md
    assert "| ~ changed | `csat` | `metrics.yaml:12` | `filter` | `\"channel IN ('web', 'store')\"` |" in md
    assert "no stored results" in md
    _, again, _ = diff("base", "HEAD", "--format", "md", "--warehouse", "duckdb:///:memory:")
    assert again == md  # deterministic


def test_invalid_sides_report_diagnostics(repo, diff):
    repo.replace("metrics.yaml", "owner: cx", "owner: nobody")
    code, out, err = diff("base")  # the working tree is invalid
    assert code == 1 and out == ""
    assert "shop/metrics.yaml:7:12: error CX202" in err.replace(str(repo.top) + "/", "")
    assert "working tree is not a valid project" in err and "Traceback" not in err
    repo.commit("broken")
    code, out, err = diff("HEAD", "base")  # an invalid BASE ref: paths name the ref
    assert code == 1
    assert "HEAD:shop/metrics.yaml:7:12: error CX202" in err


def test_unknown_ref_and_folder(repo, diff, tmp_path, run_main):
    code, _, err = diff("no-such-branch")
    assert code == 1 and "'no-such-branch' is neither a folder nor a commit" in err
    code, _, err = run_main("diff", "base", "-p", str(tmp_path))  # no repository there
    assert code == 1 and "not inside a git repository" in err and "Traceback" not in err


def reweigh_and_move_the_csat_goal(repo) -> None:
    """HEAD: loyalty weight 3 → 1, wait weight 3 → 1, csat goal 80/50 → 50/30."""
    repo.replace("goals.yaml", "        weight: 3\n        children:\n          - {metric: nps}",
                 "        weight: 1\n        children:\n          - {metric: nps}")  # fmt: skip
    repo.replace("goals.yaml", "{metric: wait, weight: 3,", "{metric: wait, weight: 1,")
    repo.replace("goals.yaml", "{metric: csat, target: 80, warn: 50}", "{metric: csat, target: 50, warn: 30}")


class ExpectedEffect:
    """The effect of reweigh_and_move_the_csat_goal, in plain Python from stored rows
    (metric, period 'YYYY-MM-DD', value, status) without dimensions."""

    def __init__(self, rows):
        self.latest = max(r[1] for r in rows)
        self.value = {r[0]: r[2] for r in rows if r[1] == self.latest}
        self.stored_status = {r[0]: r[3] for r in rows if r[1] == self.latest}
        self.nps_score = (self.value["nps"] + 100) / 2
        self.wait_score = min(100, max(0, 100 - 100 * self.value["wait"] / 400))

    def index(self, loyalty_weight, wait_weight):
        service = (1 * self.value["csat"] + wait_weight * self.wait_score) / (1 + wait_weight)
        return (loyalty_weight * self.nps_score + 1 * service) / (loyalty_weight + 1)

    def csat_status(self, target, warn):
        csat = self.value["csat"]
        return "green" if csat >= target else "amber" if csat >= warn else "red"

    def check(self, effect: dict) -> None:
        assert effect["period"] == self.latest
        [shop_index] = [i for i in effect["index"] if i["pyramid"] == "index"]
        assert math.isclose(shop_index["before"], self.index(3, 3))
        assert math.isclose(shop_index["after"], self.index(1, 1))
        services = {s["node"]: s for s in effect["scores"]}
        assert math.isclose(services["index/service"]["after"], (self.value["csat"] + self.wait_score) / 2)
        before, after = self.csat_status(80, 50), self.csat_status(50, 30)
        assert before != after, "the fixture should move csat's status"
        assert {s["metric"]: (s["before"], s["after"]) for s in effect["statuses"]} == {
            "csat": (before, after)
        }
        assert self.stored_status["csat"] == before  # BASE's scoring is what the run stored


def test_effect_of_weights_and_goals_on_the_latest_stored_period(repo, diff, run_main):
    code, _, err = run_main("run", str(repo.project), "-q")
    assert code == 0, err
    reweigh_and_move_the_csat_goal(repo)
    code, out, err = diff("base", "--format", "json")
    assert code == 0, err

    with duckdb.connect(str(repo.project / "results.duckdb"), read_only=True) as con:
        rows = con.execute(
            "SELECT metric, CAST(period AS VARCHAR), value, status FROM cxspec_results "
            "WHERE dimensions = '{}'"
        ).fetchall()
    expected = ExpectedEffect(rows)
    expected.check(as_json(out)["effect"])

    code, text, _ = diff("base")
    assert f"index index: {expected.index(3, 3):.1f} → {expected.index(1, 1):.1f}" in text
    csat = f"{round(expected.value['csat'], 2):g}"
    assert f"status of csat ({csat}): {expected.csat_status(80, 50)} → {expected.csat_status(50, 30)}" in text
    code, md, _ = diff("base", "--format", "md")
    assert f"| **index `index`** | {expected.index(3, 3):.1f} | {expected.index(1, 1):.1f}" in md


@pytest.mark.parametrize("engine", ["sqlite", "postgres"])
def test_effect_on_sqlite_and_postgresql(repo, diff, run_main, engine, request, tmp_path):
    from cxspec import load_project
    from cxspec.registry import default_registry
    from cxspec.runs.run import stored_results

    url = request.getfixturevalue("postgres_url") if engine == "postgres" else f"sqlite:///{tmp_path}/r.db"
    code, _, err = run_main("run", str(repo.project), "-q", "--warehouse", url)
    assert code == 0, err
    reweigh_and_move_the_csat_goal(repo)
    code, out, err = diff("base", "--format", "json", "--warehouse", url)
    assert code == 0, err
    stored = stored_results(load_project(repo.project), default_registry(), url)
    rows = [(r.metric, r.period, r.value, r.status) for r in stored.results if r.dimensions == {}]
    ExpectedEffect(rows).check(as_json(out)["effect"])


def test_removing_a_metric_with_stored_results_is_breaking(repo, diff, run_main):
    code, _, err = run_main("run", str(repo.project), "-q")
    assert code == 0, err
    text = (repo.project / "metrics.yaml").read_text()
    web_csat = text[text.index("  - id: web_csat") : text.index("  - id: wait")]
    repo.replace("metrics.yaml", web_csat, "")
    code, out, _ = diff("base", "--format", "json")
    assert code == 1
    [breaking] = as_json(out)["breaking"]
    assert breaking["id"] == "web_csat" and "stored results" in breaking["message"]


def test_no_stored_results_is_said(repo, diff):
    repo.replace("goals.yaml", "{metric: nps, target: 50, warn: 10}", "{metric: nps, target: 40, warn: 10}")
    code, out, _ = diff("base")
    assert code == 0
    assert "effect on scores: no stored results" in out and "results.duckdb does not exist" in out
    assert not (repo.project / "results.duckdb").exists()  # looking did not create it


# -- the example in docs/diff.md -----------------------------------------------------------

DOCS = Path(__file__).resolve().parent.parent / "docs"
ACME = Path(__file__).resolve().parent.parent / "specs" / "acme"
#: The pull request docs/diff.md shows, applied to a copy of specs/acme.
DOC_EDITS = [
    ("metrics/support.yaml", "channel IN ('phone', 'chat', 'email')\"", "channel IN ('phone', 'chat')\""),
    ("goals.yaml", "  - metric: relationship_nps\n    target: 35\n    warn: 25\n",
     "  - metric: relationship_nps\n    target: 25\n    warn: 15\n"),
    ("pyramid.yaml", "        owner: maria-lopez\n        weight: 3\n",
     "        owner: maria-lopez\n        weight: 2\n"),
]  # fmt: skip


def doc_block(after: str) -> str:
    """The fenced block after the one holding the line `after` in docs/diff.md."""
    text = (DOCS / "diff.md").read_text(encoding="utf-8")
    closing = text.index("```\n", text.index(after + "\n"))
    opening = text.index("```", closing + 4)
    body = text.index("\n", opening) + 1
    return text[body : text.index("\n```\n", body) + 1]


def test_the_example_in_the_docs(tmp_path, run_main, monkeypatch):
    repo = Repo(tmp_path / "repo")
    repo.project = repo.top / "specs" / "acme"
    shutil.copytree(ACME, repo.project, ignore=shutil.ignore_patterns("cxspec-out"))
    repo.git("init", "-q", "-b", "main")
    (repo.top / ".gitignore").write_text("cxspec-out/\n")
    repo.commit("acme")
    code, _, err = run_main("run", str(repo.project), "-q")
    assert code == 0, err
    for name, old, new in DOC_EDITS:
        repo.replace(name, old, new)
    monkeypatch.chdir(repo.top)
    code, text, _ = run_main("diff", "main", "-p", "specs/acme")
    assert code == 1
    assert text == doc_block("$ cxspec diff main -p specs/acme"), "docs/diff.md: update the text example"
    _, md, _ = run_main("diff", "main", "-p", "specs/acme", "--format", "md")
    assert md == doc_block("$ cxspec diff main -p specs/acme --format md"), (
        "docs/diff.md: update the md example"
    )


def test_markdown_stays_small_enough_for_a_pr_comment():
    from cxspec.diffing import Diff
    from cxspec.diffing.compare import Breaking, EntityChange, FieldChange
    from cxspec.diffing.render import MD_MAX_ROWS, render_markdown, render_text

    many = MD_MAX_ROWS + 50
    changes = {
        kind: [] for kind in ("config", "owners", "sources", "journeys", "touchpoints", "goals", "pyramids")
    }
    changes["metrics"] = [
        EntityChange(
            "metrics", f"m{i:03}", "changed", f"m.yaml:{i}", [FieldChange("filter", "a = 1", "a = 2")]
        )
        for i in range(many)
    ]
    breaking = [Breaking("metrics", f"m{i:03}", "definition_changed", "changed") for i in range(many)]
    md = render_markdown(Diff("base", "head", changes, breaking, None))
    assert md.count("- ❌ ") == MD_MAX_ROWS and "- … and 50 more: " in md
    assert md.count("| ~ changed | `m") == MD_MAX_ROWS and "… and 50 more rows: " in md
    assert len(md) < 65_536
    text = render_text(Diff("base", "head", changes, breaking, None))
    assert text.count("  ✖ ") == many and text.count("  ~ metric m") == many  # text lists everything


def test_a_goal_moved_to_another_metric_is_not_a_rename(repo, diff):
    repo.replace(
        "goals.yaml", "{metric: csat, target: 80, warn: 50}", "{metric: web_csat, target: 80, warn: 50}"
    )
    repo.commit("judge the web touch point instead")
    code, out, err = diff("base", "HEAD", "--format", "json")
    assert code == 0, err
    assert statuses(as_json(out)) == {("goal", "csat", "removed"), ("goal", "web_csat", "added")}
