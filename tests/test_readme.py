"""The README's commands are the ones CI runs."""

import re
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def readme_commands() -> list[str]:
    text = (ROOT / "README.md").read_text(encoding="utf-8")
    return re.findall(r"```sh\n(.+?)\n```", text, flags=re.S)


def test_readme_opens_with_two_commands():
    commands = readme_commands()
    assert len(commands) >= 2
    assert "cxspec" in commands[0] and "pip install" in commands[0]
    assert "pytest" in commands[1] and "pip install" in commands[1]


def test_ci_runs_the_readme_test_command():
    test_command = readme_commands()[1].replace("python ", "python3 ")
    ci = (ROOT / ".ci" / "run").read_text(encoding="utf-8")
    assert test_command.replace("pip install", "python3 -m pip install --quiet") in ci


def test_the_readme_shows_what_the_example_run_prints(tmp_path, run_main):
    """Each line of the README's `cxspec run specs/acme` excerpt (but the command and the
    elisions) is a line the run prints, in the same order: the README stays the real output."""
    text = (ROOT / "README.md").read_text(encoding="utf-8")
    excerpt = re.search(r"```text\n\$ cxspec run specs/acme\n(.+?)\n```", text, flags=re.S).group(1)
    code, out, err = run_main(
        "run", str(ROOT / "specs" / "acme"), "--warehouse", f"duckdb:///{tmp_path / 'r.db'}",
        "--out", str(tmp_path / "out"),
    )  # fmt: skip
    assert code == 0, err
    printed = out.splitlines()
    at = 0
    for line in excerpt.splitlines():
        if line.strip() in ("", "…", "│  …"):
            continue
        line = line.removesuffix(" …")  # a line cut short
        found = next((i for i in range(at, len(printed)) if printed[i].startswith(line)), None)
        assert found is not None, (
            f"the README shows a line the run does not print (after line {at}): {line!r}"
        )
        at = found + 1
