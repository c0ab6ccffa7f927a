"""The one way cxspec writes an output file: atomically, inside a named folder, never through a link.

Each file is written to a temporary file in its own folder, flushed to disk and renamed over
its name, so a reader (or a process killed midway, or a full disk) sees either the old file or
the new one, never a cut-off one. A symbolic link at the name is replaced by a regular file
(the rename replaces the link itself; its target is never opened). A name that would resolve
outside the named folder (`..`, an absolute path, a folder on the way that is a link) is
refused. See docs/security.md.
"""

from __future__ import annotations

import os
import stat
import tempfile
from pathlib import Path, PurePosixPath

from cxspec.diagnostics import CxspecError


class OutputPathError(CxspecError):
    """An output folder or file that cannot be written: a usage error (exit 2), found before
    anything is computed or stored."""


def _describe(error: OSError) -> str:
    return error.strerror or type(error).__name__


def check_output_folder(folder: Path, names=()) -> Path:
    """Raise OutputPathError unless `folder` can hold the files `names`; create nothing.

    The folder may be missing (it is created when the first file is written) as long as its
    nearest existing ancestor is a folder. Writability is tested by creating and removing a
    probe file, not by permission bits: the kernel's answer holds for every user, root (which
    `os.access` answers yes for whatever the mode) and read-only file systems included.
    """
    folder = Path(folder)
    existing = folder
    while not os.path.lexists(existing):
        if existing.parent == existing:
            break
        existing = existing.parent
    if not existing.is_dir():
        what = "a file" if existing == folder else f"under {existing}, which is a file"
        raise OutputPathError(f"the output folder {folder} is {what}, not a folder")
    try:
        handle, probe = tempfile.mkstemp(dir=existing, prefix=".cxspec-probe-")
    except OSError as error:
        raise OutputPathError(f"the output folder {folder} cannot be written: {_describe(error)}") from None
    os.close(handle)
    os.unlink(probe)
    if existing == folder:
        for name in names:
            target = folder / name
            if target.is_dir() and not target.is_symlink():
                raise OutputPathError(f"cannot write {target}: it is a folder")
    return folder


def _place(path: Path) -> Path:
    """Where a name is: its folder resolved (links on the way followed), the name itself not
    (an output replaces a link at its name, never the link's target)."""
    path = Path(path).absolute()
    return path.parent.resolve() / path.name


def refuse_inputs(outputs, inputs: dict) -> None:
    """OutputPathError when an output file would replace one of the `inputs` (path -> what it
    is: "the results database", "cxspec.yaml"): `report --out cxspec-out/results.duckdb`
    replaced the stored history with a report, `owners --out cxspec.yaml` the configuration."""
    places: dict[Path, str] = {}
    for path, what in inputs.items():
        for form in (_place(path), Path(path).resolve()):
            places.setdefault(form, what)
    for output in outputs:
        what = places.get(_place(output))
        if what is not None:
            raise OutputPathError(f"refusing to write {output}: it is {what}; write the output elsewhere")


def refuse_linked_project_folder(root: Path, folder: Path) -> None:
    """OutputPathError when the project's own output folder (`output:` of cxspec.yaml, not an
    `--out` the operator gave) is, or lies below, a symbolic link inside the project: a
    committed `cxspec-out -> ~/.ssh` made `cxspec run` write its reports there."""
    root = Path(root)
    try:
        relative = Path(folder).relative_to(root)
    except ValueError:
        return  # outside the project (an absolute `output:`): the configuration's choice
    current = root
    for part in relative.parts:
        current = current / part
        if current.is_symlink():
            raise OutputPathError(
                f"refusing to write reports into {folder}: {current} is a symbolic link (to "
                f"{os.readlink(current)}); remove it, or name the folder with --out DIR"
            )


def _inside(folder: Path, name) -> Path:
    """folder/name, refusing names that leave the folder or pass through a link on the way."""
    relative = PurePosixPath(str(name).replace(os.sep, "/"))
    if relative.is_absolute() or not relative.parts or any(p in ("..", ".", "") for p in relative.parts):
        raise OutputPathError(f"refusing to write {name!r}: not a plain name inside {folder}")
    base = folder.resolve()
    current = base
    for part in relative.parts[:-1]:
        current = current / part
        if current.is_symlink():
            raise OutputPathError(
                f"refusing to write below {folder / relative}: {current} is a symbolic link"
            )
        if os.path.lexists(current) and not current.is_dir():
            raise OutputPathError(f"cannot write {folder / relative}: {current} is a file")
        current.mkdir(exist_ok=True)
    target = current / relative.name
    if not target.parent.resolve().is_relative_to(base):  # a race swapped a folder for a link
        raise OutputPathError(f"refusing to write {folder / relative}: it resolves outside {folder}")
    return target


def through_link(folder: Path, relative) -> bool:
    """Whether folder/relative is, or passes through, a symbolic link below `folder`: files
    found there are not the output's own, so nothing there may be removed or written."""
    current = Path(folder)
    for part in PurePosixPath(str(relative).replace(os.sep, "/")).parts:
        current = current / part
        if current.is_symlink():
            return True
    return False


def write_file(folder: Path, name, data: str | bytes) -> Path:
    """Write `data` to folder/name atomically; return folder/name (as the caller named it).

    `folder` is created when missing. Text is written as UTF-8 with the newlines given.
    """
    folder = Path(folder)
    folder.mkdir(parents=True, exist_ok=True)
    target = _inside(folder, name)
    if target.is_dir() and not target.is_symlink():
        raise OutputPathError(f"cannot write {folder / name}: it is a folder")
    payload = data.encode("utf-8") if isinstance(data, str) else data
    mode = _mode_for(target)
    handle, temporary = tempfile.mkstemp(dir=target.parent, prefix=f".{target.name}.", suffix=".tmp")
    try:
        with os.fdopen(handle, "wb") as stream:
            stream.write(payload)
            stream.flush()
            os.fsync(stream.fileno())
        os.chmod(temporary, mode)
        os.replace(temporary, target)  # replaces a link at `target` itself, never its target
    except BaseException:
        try:
            os.unlink(temporary)
        except OSError:
            pass
        raise
    _sync_folder(target.parent)
    return folder / name


def write_text(path: Path, text: str) -> Path:
    """write_file for a path given whole (`--out report.md`): its folder is the named folder.

    A pipe or a device at the path (`/dev/null`, a FIFO; `/dev/stdout`, a link in /dev) is
    written into: a rename would replace it with a regular file (as root, /dev/null itself).
    Any other link is replaced, never followed."""
    path = Path(path)
    in_dev = False
    try:
        info = os.lstat(path)
        if stat.S_ISLNK(info.st_mode) and path.absolute().parts[:2] == ("/", "dev"):
            info, in_dev = os.stat(path), True
    except OSError:
        info = None
    # `--out /dev/stdout` with stdout redirected to a file leads to that file: written into,
    # as the shell's redirection; replacing it replaced the /dev/stdout link itself (as root)
    if info is not None and (in_dev or stat.S_ISFIFO(info.st_mode) or stat.S_ISCHR(info.st_mode)):
        appended = in_dev and stat.S_ISREG(info.st_mode)  # `>>`: what the file holds stays
        try:
            with open(path, "ab" if appended else "wb") as stream:
                stream.write(text.encode("utf-8"))
        except OSError as error:
            raise CxspecError(f"cannot write {path}: {_describe(error)}") from None
        return path
    # a file where its folder should be, a folder that cannot be written: said, not a crash
    check_output_folder(path.parent, [path.name])
    try:
        return write_file(path.parent, path.name, text)
    except OSError as error:  # a full disk; the old file is left as it was
        raise CxspecError(f"cannot write {path}: {_describe(error)}") from None


def _mode_for(target: Path) -> int:
    """A regular file's mode is kept; a new file (or one replacing a link) gets 0666 less the umask."""
    try:
        info = os.lstat(target)
    except FileNotFoundError:
        info = None
    if info is not None and stat.S_ISREG(info.st_mode):
        return stat.S_IMODE(info.st_mode)
    umask = os.umask(0)
    os.umask(umask)
    return 0o666 & ~umask


def _sync_folder(folder: Path) -> None:
    """Make the rename itself durable (where the platform lets a folder be opened)."""
    try:
        descriptor = os.open(folder, os.O_RDONLY)
    except OSError:
        return
    try:
        os.fsync(descriptor)
    except OSError:
        pass
    finally:
        os.close(descriptor)
