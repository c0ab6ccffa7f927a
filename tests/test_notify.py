"""Notifications of issue transitions (cxspec/notify/): the webhook body of the contract,
once per transition, retries with backoff, the outbox across runs, delivery faults (a
server down, 5xx, timeouts, slow answers), two deliveries at once, secrets kept out of
messages, `cxspec notify --dry-run`."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest

from cxspec.issues_state.ids import issue_id
from cxspec.notify import deliver as deliver_module

ROOT = Path(__file__).resolve().parents[1]
SECRET_PATH = "/hooks/T000-secret-token"
SPECS = """\
version: 1
owners:
  - {id: care, name: Care team, email: care@example.com}
sources:
  - {id: r, type: file, path: data/r.csv, time: t, key: id}
metrics:
  - {id: avg, name: Average score, type: mean, source: r, column: score, owner: care}
goals:
  - {metric: avg, target: 8, warn: 6}
"""
CONFIG = """\
version: 1
project: loop
grain: month
warehouse: {url}
notify:
  - {{type: webhook, url_env: CX_WEBHOOK_URL, format: {fmt}, timeout: {timeout}}}
"""
GOAL_RED = issue_id("goal_red", "avg", {})


def rows(month_scores: dict[int, list[int]]) -> str:
    lines, n = ["id,t,score"], 0
    for month, scores in sorted(month_scores.items()):
        for score in scores:
            n += 1
            lines.append(f"{n},2026-{month:02d}-05T10:00:00Z,{score}")
    return "\n".join(lines) + "\n"


class Hook:
    """A local webhook receiver in a thread: records bodies; `plan` says how to answer each
    request in turn ("ok", "500", "404", or ("slow", seconds)); "ok" once the plan is spent."""

    def __init__(self):
        self.bodies: list[dict] = []
        self.plan: list = []
        self.lock = threading.Lock()
        hook = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self):
                body = json.loads(self.rfile.read(int(self.headers["Content-Length"])))
                with hook.lock:
                    step = hook.plan.pop(0) if hook.plan else "ok"
                if isinstance(step, tuple):
                    time.sleep(step[1])
                    step = "ok"
                if step == "ok":
                    with hook.lock:
                        hook.bodies.append({"path": self.path, "body": body})
                    self.send_response(200)
                else:
                    self.send_response(int(step))
                self.send_header("Content-Length", "0")
                self.end_headers()

            def log_message(self, *args):
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.server.daemon_threads = True
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}{SECRET_PATH}"
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    def close(self):
        self.server.shutdown()
        self.server.server_close()


@pytest.fixture
def hook():
    receiver = Hook()
    yield receiver
    receiver.close()


@pytest.fixture(autouse=True)
def quick_backoff(monkeypatch):
    monkeypatch.setattr(deliver_module, "BACKOFF", (0.01, 0.02))


def closed_port_url() -> str:
    import socket

    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    return f"http://127.0.0.1:{port}{SECRET_PATH}"


@pytest.fixture(params=["duckdb", "sqlite", "postgres"])
def warehouse_url(request, tmp_path):
    if request.param != "postgres":
        return {"duckdb": f"duckdb:///{tmp_path}/w.duckdb", "sqlite": f"sqlite:///{tmp_path}/w.db"}[request.param]
    import psycopg

    server = request.getfixturevalue("postgres_url")
    name = f"notify_{os.getpid()}_{int(time.time() * 1000)}"
    with psycopg.connect(server, autocommit=True) as connection:
        connection.execute(f'CREATE DATABASE "{name}"')  # a test's own SQL: an empty database
    return server.rsplit("/", 1)[0] + f"/{name}"


def project(make_project, url, months, fmt="json", timeout=2):
    return make_project(
        {"specs.yaml": SPECS, "data/r.csv": rows(months)}, config=CONFIG.format(url=url, fmt=fmt, timeout=timeout)
    )


def test_once_per_transition_with_the_contract_body(make_project, warehouse_url, hook, run_main, monkeypatch):
    monkeypatch.setenv("CX_WEBHOOK_URL", hook.url)
    root = project(make_project, warehouse_url, {1: [9, 9], 2: [4, 4]})
    code, _, err = run_main("run", str(root), "-q")
    assert code == 0, err
    assert [b["body"] for b in hook.bodies] == [
        {
            "project": "loop",
            "issues": [
                {
                    "id": GOAL_RED, "kind": "goal_red", "status": "open", "transition": "new", "metric": "avg",
                    "dimensions": {}, "owner": "care", "period": "2026-02-01",
                    "message": "Average score is 4.00 in 2026-02-01, red against its goal (target 8.00, red below 6.00).",
                }  # fmt: skip
            ],
        }
    ]
    assert run_main("run", str(root), "-q")[0] == 0  # a rerun that changes nothing sends nothing
    assert len(hook.bodies) == 1
    (root / "data/r.csv").write_text(rows({1: [9, 9], 2: [4, 4], 3: [9, 9]}))
    assert run_main("run", str(root), "-q")[0] == 0  # resolved: not asked for by `on:`
    assert len(hook.bodies) == 1
    (root / "data/r.csv").write_text(rows({1: [9, 9], 2: [4, 4], 3: [9, 9], 4: [3, 3]}))
    assert run_main("run", str(root), "-q")[0] == 0
    (issue,) = hook.bodies[-1]["body"]["issues"]
    assert (issue["transition"], issue["status"], issue["period"]) == ("reopened", "open", "2026-04-01")
    assert len(hook.bodies) == 2


def test_5xx_answers_are_retried_with_backoff(make_project, tmp_path, hook, run_main, monkeypatch):
    monkeypatch.setenv("CX_WEBHOOK_URL", hook.url)
    waits = []
    real_sleep = time.sleep
    monkeypatch.setattr(deliver_module.time, "sleep", lambda s: (waits.append(s), real_sleep(0))[1])
    hook.plan = ["500", "503"]
    root = project(make_project, f"duckdb:///{tmp_path}/w.duckdb", {1: [4]})
    code, _, err = run_main("run", str(root), "-q")
    assert code == 0, err
    assert len(hook.bodies) == 1 and waits == [0.01, 0.02]  # the third try got through


def test_a_server_down_keeps_the_change_for_the_next_run(make_project, tmp_path, hook, run_main, monkeypatch):
    monkeypatch.setenv("CX_WEBHOOK_URL", closed_port_url())
    root = project(make_project, f"sqlite:///{tmp_path}/w.db", {1: [4]})
    code, _, err = run_main("run", str(root), "-q")
    assert code == 1 and "webhook 1 ($CX_WEBHOOK_URL)" in err and "kept for the next run" in err
    assert "secret-token" not in err and "Traceback" not in err
    code, out, _ = run_main("notify", str(root), "--dry-run")
    assert code == 0 and GOAL_RED in out and "1 to retry" in out
    monkeypatch.setenv("CX_WEBHOOK_URL", hook.url)
    code, out, err = run_main("run", str(root), "-q")  # the next run sends what was kept
    assert code == 0, err
    assert [i["id"] for b in hook.bodies for i in b["body"]["issues"]] == [GOAL_RED]
    assert run_main("notify", str(root))[1] == "sent 0 issue change(s)\n"  # never twice
    assert len(hook.bodies) == 1


def test_a_4xx_is_not_retried_but_kept(make_project, tmp_path, hook, run_main, monkeypatch):
    monkeypatch.setenv("CX_WEBHOOK_URL", hook.url)
    hook.plan = ["404"]
    root = project(make_project, f"duckdb:///{tmp_path}/w.duckdb", {1: [4]})
    code, _, err = run_main("run", str(root), "-q")
    assert code == 1 and "answered HTTP 404" in err and hook.plan == []  # one try only
    code, out, err = run_main("notify", str(root))
    assert code == 0 and out == "sent 1 issue change(s)\n" and len(hook.bodies) == 1


def test_timeouts_fail_and_slow_answers_within_the_timeout_pass(make_project, tmp_path, hook, run_main, monkeypatch):
    monkeypatch.setenv("CX_WEBHOOK_URL", hook.url)
    hook.plan = [("slow", 1.5)] * 3
    root = project(make_project, f"duckdb:///{tmp_path}/w.duckdb", {1: [4]}, timeout=0.3)
    code, _, err = run_main("run", str(root), "-q")
    assert code == 1 and "timed out" in err and "secret-token" not in err
    hook.plan = [("slow", 0.5)]
    root2 = project(make_project, f"duckdb:///{tmp_path}/w2.duckdb", {1: [4]}, timeout=5)
    code, _, err = run_main("run", str(root2), "-q")
    assert code == 0, err
    # the slow answers to the first project arrived after its timeouts; its change is still pending
    time.sleep(1.6)
    bodies = len(hook.bodies)
    code, out, _ = run_main("notify", str(root))
    assert code == 0 and out == "sent 1 issue change(s)\n" and len(hook.bodies) == bodies + 1


def test_slack_format(make_project, tmp_path, hook, run_main, monkeypatch):
    monkeypatch.setenv("CX_WEBHOOK_URL", hook.url)
    root = project(make_project, f"duckdb:///{tmp_path}/w.duckdb", {1: [4]}, fmt="slack")
    assert run_main("run", str(root), "-q")[0] == 0
    (body,) = [b["body"] for b in hook.bodies]
    assert list(body) == ["text"]
    assert body["text"].startswith("*cxspec · loop*: 1 issue change\n• [new] goal_red — Average score is 4.00")


def test_a_missing_variable_is_named_and_nothing_is_lost(make_project, tmp_path, run_main, monkeypatch):
    monkeypatch.delenv("CX_WEBHOOK_URL", raising=False)
    root = project(make_project, f"duckdb:///{tmp_path}/w.duckdb", {1: [4]})
    code, _, err = run_main("run", str(root), "-q")
    assert code == 1 and "CX_WEBHOOK_URL" in err and "is not set" in err
    code, out, _ = run_main("notify", str(root), "--dry-run")
    assert code == 0 and f'"id": "{GOAL_RED}"' in out and '"transition": "new"' in out


def test_dry_run_sends_nothing(make_project, tmp_path, hook, run_main, monkeypatch):
    monkeypatch.delenv("CX_WEBHOOK_URL", raising=False)
    root = project(make_project, f"duckdb:///{tmp_path}/w.duckdb", {1: [4]})
    run_main("run", str(root), "-q")
    monkeypatch.setenv("CX_WEBHOOK_URL", hook.url)
    code, out, _ = run_main("notify", str(root), "--dry-run")
    assert code == 0 and "webhook 1 ($CX_WEBHOOK_URL): 1 issue change(s)" in out and hook.bodies == []
    assert hook.url not in out


def test_two_deliveries_at_once_send_a_change_once(make_project, tmp_path, hook, run_main, monkeypatch):
    """Two `cxspec notify` processes at once on one SQLite warehouse: one claims, one sends."""
    monkeypatch.delenv("CX_WEBHOOK_URL", raising=False)
    root = project(make_project, f"sqlite:///{tmp_path}/w.db", {1: [4], 2: [3]})
    assert run_main("run", str(root), "-q")[0] == 1  # no URL yet: kept
    hook.plan = [("slow", 0.5)]
    env = {**os.environ, "CX_WEBHOOK_URL": hook.url,
           "PYTHONPATH": os.pathsep.join([str(ROOT), os.environ.get("PYTHONPATH", "")])}  # fmt: skip
    processes = [
        subprocess.Popen([sys.executable, "-m", "cxspec", "notify", str(root)], env=env, stdout=subprocess.PIPE,
                         stderr=subprocess.PIPE, text=True)  # fmt: skip
        for _ in range(3)
    ]
    outputs = [p.communicate(timeout=120) for p in processes]
    assert all(p.returncode == 0 for p in processes), outputs
    assert sorted(o[0] for o in outputs) == ["sent 0 issue change(s)\n"] * 2 + ["sent 1 issue change(s)\n"]
    assert len(hook.bodies) == 1


def test_an_in_memory_warehouse_is_named_not_silent(make_project, hook, run_main, monkeypatch):
    monkeypatch.setenv("CX_WEBHOOK_URL", hook.url)
    root = project(make_project, "\"duckdb:///:memory:\"", {1: [4]})
    code, _, err = run_main("run", str(root), "-q")
    assert code == 1 and "need a warehouse that keeps results" in err and hook.bodies == []
    code, _, err = run_main("issues", str(root))
    assert code == 1 and "keeps nothing between runs" in err
