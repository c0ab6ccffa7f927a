"""Facts about content, remembered per user outside every project (start-up: benchmarks/README.md).

Where: ``CXSPEC_CACHE_DIR`` when set (empty or ``off``: nothing is remembered), else
``$XDG_CACHE_HOME/cxspec``, else ``~/.cache/cxspec``. Never inside a project.

A fact is kept under the SHA-256 of the exact content it holds for (with cxspec's version and
the fact's kind), so it cannot go stale: changed content is another key. Only good news is
kept ("this schema is valid JSON Schema"), or facts computed from the content alone (what a
SQL fragment uses: fragment_facts.py); whatever is wrong with a schema is checked again each
time and reported. A cache that cannot be read or written is no cache: it is only ever a
shortcut, and a value that cannot be read back is computed again.
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import os
from pathlib import Path

from cxspec.version import __version__

CACHE_VARIABLE = "CXSPEC_CACHE_DIR"


def cache_dir() -> Path | None:
    """The cache folder, or None when the cache is off."""
    value = os.environ.get(CACHE_VARIABLE)
    if value is not None:
        value = value.strip()
        return None if value in ("", "off") else Path(value)
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
    """Whether the fact with this key was remembered."""
    folder = cache_dir()
    return key is not None and folder is not None and (folder / kind / key).is_file()


def remember(kind: str, key: str | None) -> None:
    """Remember a fact (an empty file named by its key); errors are ignored."""
    folder = cache_dir()
    if key is None or folder is None:
        return
    try:
        (folder / kind).mkdir(parents=True, exist_ok=True)
        os.close(os.open(folder / kind / key, os.O_WRONLY | os.O_CREAT, 0o644))
    except OSError:
        pass


def load(kind: str, key: str | None):
    """The JSON value stored under the key; None when there is none or it cannot be read."""
    folder = cache_dir()
    if key is None or folder is None:
        return None
    try:
        return json.loads((folder / kind / key).read_bytes())
    except (OSError, ValueError, RecursionError):
        return None


def store(kind: str, key: str | None, value) -> None:
    """Store a JSON value under the key, whole or not at all (written aside, then renamed over
    its name: a reader never sees half of it); errors are ignored."""
    folder = cache_dir()
    if key is None or folder is None:
        return
    target = folder / kind / key
    aside = target.with_name(f".{key}.{os.getpid()}")
    try:
        text = json.dumps(value, sort_keys=True, ensure_ascii=True).encode("ascii")
        target.parent.mkdir(parents=True, exist_ok=True)
        with open(aside, "wb") as handle:
            handle.write(text)
        os.replace(aside, target)
    except (OSError, TypeError, ValueError):
        with contextlib.suppress(OSError):
            os.unlink(aside)
