"""'Did you mean' hints."""

from __future__ import annotations

import difflib


def did_you_mean(word: str, choices, *, what: str = "") -> str | None:
    matches = difflib.get_close_matches(str(word), [str(c) for c in choices], n=1, cutoff=0.6)
    if matches:
        return f"did you mean {matches[0]!r}?"
    return None


def known_list(choices, limit: int = 8) -> str:
    names = sorted(str(c) for c in choices)
    shown = ", ".join(names[:limit])
    return shown + (f" and {len(names) - limit} more" if len(names) > limit else "")
