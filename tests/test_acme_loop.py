"""The acme example's "closing the loop" walk-through (specs/acme/README.md) is what the
commands print: a run, the quality team's issue, Dana's acknowledgement with a note."""

from __future__ import annotations

import re
import shutil
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def walkthrough() -> list[tuple[str, list[str]]]:
    """(command, the lines it prints) from the README's console block about the loop."""
    text = (ROOT / "specs" / "acme" / "README.md").read_text(encoding="utf-8")
    block = re.search(r"## Closing the loop.*?```console\n(.*?)```", text, re.S).group(1)
    steps: list[tuple[str, list[str]]] = []
    for line in block.splitlines():
        if line.startswith("$ "):
            steps.append((line[2:], []))
        else:
            steps[-1][1].append(line)
    return steps


def test_the_acme_walkthrough(tmp_path, run_main, monkeypatch):
    acme = tmp_path / "specs" / "acme"
    shutil.copytree(ROOT / "specs" / "acme", acme, ignore=shutil.ignore_patterns("cxspec-out"))
    monkeypatch.chdir(tmp_path)
    for command, expected in walkthrough():
        pipe = command.split(" | grep ")
        args = [a.strip('"') for a in re.findall(r'"[^"]*"|\S+', pipe[0])][1:]
        code, out, err = run_main(*args)
        assert code == 0, (command, err)
        lines = out.splitlines()
        if len(pipe) == 2:
            lines = [line for line in lines if pipe[1].strip('"') in line]
        assert [line.rstrip() for line in lines] == expected, command
