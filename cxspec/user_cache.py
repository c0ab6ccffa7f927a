"""Facts about content, remembered per user outside every project (start-up: benchmarks/README.md).

Where: ``CXSPEC_CACHE_DIR`` when set (empty or ``off``, any case: nothing is remembered), else
``$XDG_CACHE_HOME/cxspec``, else ``~/.cache/cxspec``. Never inside a project.

A fact is kept under the SHA-256 of the exact content it holds for (with cxspec's version and
the fact's kind), so it cannot go stale: changed content is another key. Only good news is
kept ("this schema is valid JSON Schema"), or facts computed from the content alone (what a
SQL fragment uses: fragment_facts.py); whatever is wrong with a schema is checked again each
time and reported. A cache that cannot be read or written is no cache: it is only ever a
shortcut, and a value that cannot be read back is computed again.
"""

from __future__ import annotations

import hashlib
import json
import os
import stat
from pathlib import Path

from cxspec.version import __version__

CACHE_VARIABLE = "CXSPEC_CACHE_DIR"


def cache_dir() -> Path | None:
    """The cache folder, or None when the cache is off."""
    value = os.environ.get(CACHE_VARIABLE)
    if value is not None:
        value = value.strip()
        return None if value.lower() in ("", "off") else Path(value)  # OFF: not a folder ./OFF
    base = os.environ.get("XDG_CACHE_HOME") or os.path.join(os.path.expanduser("~"), ".cache")
    return Path(base) / "cxspec"


def content_key(kind: str, content) -> str | None:
    """The key of a fact of `kind` about JSON-able `content`; None when it is not JSON."""
    try:
        text = json.dumps([__version__, kind, content], sort_keys=True, ensure_ascii=True)
    except (TypeError, ValueError):  # not JSON (a plugin's bug): checked, never remembered
        return None
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


def known(kind: str, key: str | None) -> bool:
    """Whether the fact with this key was remembered: a file of its own, not a link (as for
    the logs: `_NO_WAIT_NO_LINK`)."""
    folder = cache_dir()
    if key is None or folder is None:
        return False
    try:
        return stat.S_ISREG(os.lstat(folder / kind / key).st_mode)
    except OSError:
        return False


def remember(kind: str, key: str | None) -> None:
    """Remember a fact (an empty file named by its key); errors are ignored."""
    folder = cache_dir()
    if key is None or folder is None:
        return
    try:
        (folder / kind).mkdir(parents=True, exist_ok=True)
        os.close(os.open(folder / kind / key, os.O_WRONLY | os.O_CREAT | _NO_WAIT_NO_LINK, 0o644))
    except OSError:
        pass


#: A log larger than this is started again (each fragment's facts are ~200 bytes).
MAX_LOG_BYTES = 32 * 1024 * 1024


class Log:
    """JSON values of one kind, one line each in one file that is only appended to and read
    whole once per process: creating a file per value cost ~0.2 ms each here, an append ~1 µs.

    A line is `KEY CHECK JSON`, CHECK the first 16 hex digits of the SHA-256 of JSON; a line
    that is cut off, garbled or mixed with another process's is not what its check says and
    is left out (its value is computed again). Each value is appended with one write to a
    file opened for appending, so the lines of processes writing at once do not mix on a
    local file system.
    """

    def __init__(self, kind: str, name: str) -> None:
        folder = cache_dir()
        self.path = None if folder is None else folder / kind / name
        self._lines: dict[str, tuple[str, str]] | None = None
        self._handle: int | None = None

    def get(self, key: str | None):
        """The value appended under the key; None when there is none or it cannot be read."""
        if key is None or self.path is None:
            return None
        if self._lines is None:
            self._lines = self._read()
        found = self._lines.get(key)
        if found is None or _check(found[1]) != found[0]:
            return None
        try:
            return json.loads(found[1])
        except (ValueError, RecursionError):
            return None

    def put(self, key: str | None, value) -> None:
        """Append the value under the key; errors are ignored."""
        if key is None or self.path is None:
            return
        try:
            text = json.dumps(value, sort_keys=True, ensure_ascii=True, separators=(",", ":"))
            if self._handle is None:
                self.path.parent.mkdir(parents=True, exist_ok=True)
                self._handle = os.open(
                    self.path, os.O_WRONLY | os.O_CREAT | os.O_APPEND | _NO_WAIT_NO_LINK, 0o644
                )
            os.write(self._handle, f"{key} {_check(text)} {text}\n".encode("ascii"))
        except (OSError, TypeError, ValueError, RecursionError):
            self.path = None  # no cache for the rest of the process

    def _read(self) -> dict[str, tuple[str, str]]:
        try:
            handle = os.open(self.path, os.O_RDONLY | _NO_WAIT_NO_LINK)  # a link: no log
            with os.fdopen(handle, "rb") as file:
                if os.fstat(file.fileno()).st_size > MAX_LOG_BYTES:
                    self.path.unlink()  # start again rather than read a log that only grows
                    return {}
                data = file.read().decode("ascii", "replace")  # garbage fails its check
        except OSError:
            return {}
        lines: dict[str, tuple[str, str]] = {}
        for line in data.split("\n"):
            key, _, rest = line.partition(" ")
            check, _, text = rest.partition(" ")
            if text:
                lines[key] = (check, text)  # the last: appended after a line that failed
        return lines


#: A log is never opened through a symbolic link: in a folder others can write, a link planted
#: there would have its facts believed, or facts appended to the file it names. Nor does
#: opening wait (a named pipe in its place held `cxspec validate` forever).
_NO_WAIT_NO_LINK = getattr(os, "O_NOFOLLOW", 0) | getattr(os, "O_NONBLOCK", 0)


def _check(text: str) -> str:
    return hashlib.sha256(text.encode("ascii", "replace")).hexdigest()[:16]
