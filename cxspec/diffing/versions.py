"""The two sides of a diff as project folders: a folder as it is, or a git ref of the
project's repository materialised into a temporary folder with `git archive`."""

from __future__ import annotations

import io
import subprocess
import tarfile
from dataclasses import dataclass
from pathlib import Path

from cxspec.diagnostics import CxspecError
from cxspec.project_files import CONFIG_FILE


@dataclass(frozen=True)
class Version:
    #: How the side is named in reports: the ref or folder as given, or "working tree".
    label: str
    #: The folder to load the project from.
    root: Path
    #: Prefix that turns project-relative paths into what the user recognises (`main:specs/acme/`).
    path_prefix: str


def _git(args: list[str], cwd: Path) -> subprocess.CompletedProcess:
    try:
        return subprocess.run(["git", *args], cwd=cwd, capture_output=True, check=False)
    except OSError as exc:
        raise CxspecError(f"cannot run git: {exc.strerror or exc}") from None


def _stderr(result: subprocess.CompletedProcess) -> str:
    text = result.stderr.decode("utf-8", "replace").strip()
    return text.splitlines()[-1] if text else f"git exited with {result.returncode}"


def repository_of(project_dir: Path) -> tuple[Path, str]:
    """(top folder of the git working tree, the project's path inside it as `a/b` or '')."""
    if not project_dir.is_dir():
        raise CxspecError(f"the project folder {project_dir} does not exist (give it with --project)")
    result = _git(["rev-parse", "--show-toplevel"], project_dir)
    if result.returncode != 0:
        raise CxspecError(
            f"{project_dir} is not inside a git repository ({_stderr(result)}): give BASE and HEAD as folders"
        )
    top = Path(result.stdout.decode().strip()).resolve()
    inside = project_dir.resolve().relative_to(top).as_posix()
    return top, "" if inside == "." else inside


def resolve_commit(ref: str, top: Path) -> str:
    result = _git(["rev-parse", "--verify", "--quiet", "--end-of-options", f"{ref}^{{commit}}"], top)
    if result.returncode != 0:
        raise CxspecError(f"{ref!r} is neither a folder nor a commit of the repository at {top}")
    return result.stdout.decode().strip()


def materialise(ref: str, project_dir: Path, into: Path) -> Version:
    """The project folder as it is at `ref`, extracted below `into`."""
    top, inside = repository_of(project_dir)
    commit = resolve_commit(ref, top)
    result = _git(["archive", "--format=tar", commit, "--", inside or "."], top)
    if result.returncode != 0:
        raise CxspecError(
            f"the project folder {inside or '.'!r} does not exist at {ref!r}: {_stderr(result)}"
        )
    with tarfile.open(fileobj=io.BytesIO(result.stdout)) as archive:
        archive.extractall(into, filter="data")
    root = into / inside if inside else into
    if not (root / CONFIG_FILE).is_file():
        raise CxspecError(f"no {CONFIG_FILE} in {inside or 'the repository root'!r} at {ref!r}")
    return Version(ref, root, f"{ref}:{inside + '/' if inside else ''}")


def side(given: str | None, project_dir: Path, into: Path) -> Version:
    """A side named on the command line: a folder, a git ref, or (None) the working tree."""
    if given is None:
        return Version("working tree", project_dir, _relative_prefix(project_dir))
    folder = Path(given)
    if folder.is_dir():
        return Version(given, folder, _relative_prefix(folder))
    return materialise(given, project_dir, into)


def _relative_prefix(folder: Path) -> str:
    text = folder.as_posix()
    return "" if text in ("", ".") else text.rstrip("/") + "/"
