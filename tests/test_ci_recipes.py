"""The CI recipes: .pre-commit-hooks.yaml is a valid pre-commit manifest whose entries run
(through pre-commit itself), and the GitHub Actions workflow of docs/ci.md parses, has the
steps it promises, and its cxspec steps do what it says in a git repository with a base
branch (validate, lint, diff against origin/<base> as Markdown, fail on breaking changes)."""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from ruamel.yaml import YAML

REPO = Path(__file__).resolve().parent.parent
HOOKS = REPO / ".pre-commit-hooks.yaml"
CI_DOC = REPO / "docs" / "ci.md"
ACME = REPO / "specs" / "acme"


def need(tool: str):
    """A tool the test needs: skip without it, except in CI (CI=true), where that is a failure."""
    if os.environ.get("CI", "").lower() == "true":
        pytest.fail(f"{tool} is required when CI=true", pytrace=False)
    pytest.skip(f"{tool} is not available")


def load_yaml(text: str):
    return YAML(typ="safe", pure=True).load(text)


def yaml_block(title: str) -> str:
    """The ```yaml block of docs/ci.md whose first line is `# TITLE`."""
    for block in re.findall(r"^```yaml\n(.*?)^```", CI_DOC.read_text("utf-8"), flags=re.M | re.S):
        if block.startswith(f"# {title}\n"):
            return block
    raise AssertionError(f"docs/ci.md has no yaml block titled {title}")


def git(cwd: Path, *args: str) -> str:
    env = {**os.environ, "GIT_AUTHOR_NAME": "t", "GIT_AUTHOR_EMAIL": "t@x", "GIT_COMMITTER_NAME": "t",
           "GIT_COMMITTER_EMAIL": "t@x"}  # fmt: skip
    done = subprocess.run(["git", *args], cwd=cwd, env=env, capture_output=True, text=True, check=True)
    return done.stdout


def cxspec_on_path() -> str:
    found = shutil.which("cxspec") or (
        str(Path(sys.executable).parent / "cxspec")
        if (Path(sys.executable).parent / "cxspec").exists()
        else None
    )
    if not found:
        need("the cxspec console script")
    return found


def repository_with_acme(tmp_path: Path) -> Path:
    repo = tmp_path / "repo"
    shutil.copytree(ACME, repo / "specs" / "acme", ignore=shutil.ignore_patterns("cxspec-out"))
    git(repo, "init", "-q", "-b", "main")
    git(repo, "add", ".")
    git(repo, "commit", "-q", "-m", "base")
    return repo


# -- .pre-commit-hooks.yaml ----------------------------------------------------------------


def test_the_hooks_manifest_is_valid_for_pre_commit():
    try:
        from pre_commit.clientlib import load_manifest
    except ImportError:
        need("pre-commit")
    hooks = {hook["id"]: hook for hook in load_manifest(str(HOOKS))}
    assert sorted(hooks) == ["cxspec-lint", "cxspec-validate"]
    assert hooks["cxspec-validate"]["entry"] == "cxspec validate"
    assert hooks["cxspec-lint"]["entry"] == "cxspec lint"
    for hook in hooks.values():
        assert hook["language"] == "python"  # pre-commit pip-installs this repository
        assert hook["pass_filenames"] is False  # a project is checked whole
        assert re.search(hook["files"], "specs/acme/metrics/support.yaml")
        assert re.search(hook["files"], "specs/acme/goals.yml")
        assert not re.search(hook["files"], "README.md")
    assert re.search(hooks["cxspec-validate"]["files"], "specs/acme/data/orders.csv.gz")


def test_the_hooks_entries_are_installed_by_this_repository():
    """language: python installs the repository with pip: the entry must be its console script."""
    from importlib.metadata import entry_points

    scripts = {
        ep.name: ep for ep in entry_points(group="console_scripts") if ep.dist and ep.dist.name == "cxspec"
    }
    for hook in load_yaml(HOOKS.read_text("utf-8")):
        assert hook["entry"].split()[0] in scripts


def test_the_hooks_run_through_pre_commit(tmp_path):
    """pre-commit runs each entry as the manifest says (files, pass_filenames, args): here as
    local system hooks, with the cxspec this test suite runs, so no network is needed."""
    try:
        import pre_commit  # noqa: F401
    except ImportError:
        need("pre-commit")
    cxspec = cxspec_on_path()
    repo = repository_with_acme(tmp_path)
    manifest = load_yaml(HOOKS.read_text("utf-8"))
    hooks = [
        {**{k: hook[k] for k in ("id", "name", "files", "pass_filenames")},
         "entry": hook["entry"].replace("cxspec", cxspec, 1), "language": "system", "args": ["specs/acme"]}
        for hook in manifest
    ]  # fmt: skip
    config = {"repos": [{"repo": "local", "hooks": hooks}]}
    (repo / ".pre-commit-config.yaml").write_text(json.dumps(config), encoding="utf-8")  # JSON is YAML
    git(repo, "add", ".pre-commit-config.yaml")
    env = {**os.environ, "PRE_COMMIT_HOME": str(tmp_path / "pre-commit-home"), "NO_COLOR": "1"}

    def run():
        return subprocess.run(
            [sys.executable, "-m", "pre_commit", "run", "--all-files", "--color", "never"],
            cwd=repo, env=env, capture_output=True, text=True, timeout=300,
        )  # fmt: skip

    clean = run()
    assert clean.returncode == 0, clean.stdout + clean.stderr
    assert re.search(r"^cxspec validate\.+Passed$", clean.stdout, re.M)
    assert re.search(r"^cxspec lint\.+Passed$", clean.stdout, re.M)

    support = repo / "specs" / "acme" / "metrics" / "support.yaml"
    support.write_text(
        support.read_text("utf-8").replace("owner: support-ops", "owner: suport-ops", 1), "utf-8"
    )
    git(repo, "add", ".")
    broken = run()
    assert broken.returncode == 1
    assert re.search(r"^cxspec validate\.+Failed$", broken.stdout, re.M)
    assert "error CX202: unknown owner 'suport-ops'" in broken.stdout
    assert "specs/acme/metrics/support.yaml:" in broken.stdout  # file:line:col from the repository root


def test_the_pre_commit_config_in_the_docs_is_valid(tmp_path):
    try:
        from pre_commit.clientlib import load_config
    except ImportError:
        need("pre-commit")
    path = tmp_path / ".pre-commit-config.yaml"
    path.write_text(yaml_block(".pre-commit-config.yaml"), encoding="utf-8")
    config = load_config(str(path))
    ids = [hook["id"] for repo in config["repos"] for hook in repo["hooks"]]
    assert ids == [hook["id"] for hook in load_yaml(HOOKS.read_text("utf-8"))]


# -- the GitHub Actions workflow in docs/ci.md ------------------------------------------------


@pytest.fixture(scope="module")
def workflow() -> dict:
    return load_yaml(yaml_block(".github/workflows/cx-specs.yml"))


def test_the_workflow_parses_and_has_the_promised_steps(workflow):
    assert workflow["name"] == "cx specs"
    assert "pull_request" in workflow["on"]
    assert workflow["permissions"]["pull-requests"] == "write"
    (job,) = workflow["jobs"].values()
    steps = job["steps"]
    assert all(("uses" in s) != ("run" in s) for s in steps), "a step either uses an action or runs"
    checkout = next(s for s in steps if s.get("uses", "").startswith("actions/checkout@"))
    assert checkout["with"]["fetch-depth"] == 0
    runs = [s["run"] for s in steps if "run" in s]
    assert any(r.startswith("cxspec validate ") and "--format github" in r for r in runs)
    assert any(r.startswith("cxspec lint ") and "--format github" in r for r in runs)
    diff = next(s for s in steps if "cxspec diff" in s.get("run", ""))
    assert "cxspec diff origin/${{ github.base_ref }} " in diff["run"] and "--format md" in diff["run"]
    body = re.search(r"--out (\S+)", diff["run"])[1]
    post = next(s for s in steps if "gh pr comment" in s.get("run", ""))
    assert f"--body-file {body}" in post["run"] and post["env"]["GH_TOKEN"] == "${{ github.token }}"
    sarif = next(s for s in steps if s.get("uses", "").startswith("github/codeql-action/upload-sarif@"))
    produced = next(s["run"] for s in steps if "--format sarif" in s.get("run", ""))
    assert produced.split("> ")[1].split()[0] == sarif["with"]["sarif_file"]
    assert workflow["permissions"]["security-events"] == "write"


def run_steps(workflow, repo: Path, base_ref: str, cxspec: str) -> dict:
    """Run the workflow's cxspec steps as a runner would (bash -e, env, GITHUB_OUTPUT)."""
    (job,) = workflow["jobs"].values()
    output = repo / "github-output.txt"
    output.write_text("", encoding="utf-8")
    env = {**os.environ, **job["env"], "GITHUB_OUTPUT": str(output), "NO_COLOR": "1"}
    env["PATH"] = f"{Path(cxspec).parent}{os.pathsep}{env.get('PATH', '')}"
    results = {}
    for step in job["steps"]:
        script = step.get("run", "")
        if not script.lstrip().startswith(("cxspec", "set +e")):
            continue  # actions, installing cxspec, posting with gh: not ours to run here
        script = script.replace("${{ github.base_ref }}", base_ref)
        assert "${{" not in script
        done = subprocess.run(["bash", "-e", "-c", script], cwd=repo, env=env, capture_output=True, text=True)
        results[step["name"]] = done
    outputs = dict(line.split("=", 1) for line in output.read_text("utf-8").splitlines() if "=" in line)
    return {"steps": results, "outputs": outputs}


def test_the_workflow_steps_on_a_pull_request(workflow, tmp_path):
    cxspec = cxspec_on_path()
    repo = repository_with_acme(tmp_path)
    git(repo, "update-ref", "refs/remotes/origin/main", "HEAD")  # what checkout's fetch leaves
    git(repo, "checkout", "-q", "-b", "raise-a-goal")
    goals = repo / "specs" / "acme" / "goals.yaml"
    goals.write_text(goals.read_text("utf-8").replace("target: 35\n", "target: 40\n", 1), "utf-8")
    git(repo, "commit", "-q", "-am", "a higher relationship NPS goal")

    ran = run_steps(workflow, repo, "main", cxspec)
    steps = ran["steps"]
    assert steps["validate"].returncode == 0 and steps["validate"].stdout == ""
    assert steps["lint"].returncode == 0
    assert all(line.startswith(("::warning ", "::notice ")) for line in steps["lint"].stdout.splitlines())
    assert (repo / "cxspec-lint.sarif").read_text("utf-8").startswith("{")
    assert steps["diff against the base branch"].returncode == 0
    assert ran["outputs"]["status"] == "0"
    comment = (repo / "cxspec-diff.md").read_text("utf-8")
    assert "relationship_nps" in comment and "35" in comment and "40" in comment


def test_the_workflow_flags_a_breaking_change(workflow, tmp_path):
    cxspec = cxspec_on_path()
    repo = repository_with_acme(tmp_path)
    git(repo, "update-ref", "refs/remotes/origin/main", "HEAD")
    git(repo, "checkout", "-q", "-b", "change-a-definition")
    metrics = repo / "specs" / "acme" / "metrics" / "business.yaml"
    text = metrics.read_text("utf-8")
    assert "filter: \"survey = 'relationship'\"" in text
    metrics.write_text(
        text.replace("filter: \"survey = 'relationship'\"", "filter: \"survey = 'pulse'\""), "utf-8"
    )
    git(repo, "commit", "-q", "-am", "relationship NPS from another survey, no version bump")

    ran = run_steps(workflow, repo, "main", cxspec)
    assert ran["steps"]["diff against the base branch"].returncode == 0  # the comment is posted first…
    assert ran["outputs"]["status"] == "1"  # …and the last step fails the job
    comment = (repo / "cxspec-diff.md").read_text("utf-8")
    assert "relationship_nps" in comment and "definition_changed" in comment
    (job,) = workflow["jobs"].values()
    last = job["steps"][-1]
    assert last["if"] == "${{ !cancelled() && steps.diff.outputs.status != '0' }}" and "exit 1" in last["run"]
