"""Shared fixtures: small projects written from dicts, the CLI in-process."""

from __future__ import annotations

import textwrap
from pathlib import Path

import pytest
from click.testing import CliRunner

#: The smallest valid cxspec.yaml.
CONFIG = "version: 1\nproject: test\n"


def write_files(root: Path, files: dict) -> None:
    """Write filename -> text (dedented) or bytes (as is) below root."""
    for name, content in files.items():
        path = root / name
        path.parent.mkdir(parents=True, exist_ok=True)
        if isinstance(content, bytes):
            path.write_bytes(content)
        else:
            path.write_text(textwrap.dedent(content), encoding="utf-8")


@pytest.fixture
def make_project(tmp_path):
    """make_project({"specs/a.yaml": "version: 1\\n..."}, config=...) -> the project folder.

    `config` is the text of cxspec.yaml (the minimal valid one by default; None writes none).
    Each call makes a new folder, so a test can build several projects.
    """
    counter = iter(range(1_000_000))

    def make(files: dict | None = None, *, config: str | None = CONFIG, name: str | None = None) -> Path:
        root = tmp_path / (name or f"project{next(counter)}")
        root.mkdir(parents=True)
        if config is not None:
            (root / "cxspec.yaml").write_text(textwrap.dedent(config), encoding="utf-8")
        write_files(root, files or {})
        return root

    return make


@pytest.fixture
def runner():
    return CliRunner()


@pytest.fixture
def run_main(capsys):
    """Run the real entry point (cxspec.cli.main) in-process: (exit code, stdout, stderr)."""
    from cxspec.cli import main

    def run(*args: str):
        with pytest.raises(SystemExit) as exit_info:
            main(list(args))
        captured = capsys.readouterr()
        return exit_info.value.code, captured.out, captured.err

    return run


@pytest.fixture
def validate():
    """validate(path) -> the Validation of a project folder."""
    from cxspec.validate import validate_project

    return validate_project
