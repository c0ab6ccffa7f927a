"""'Did you mean' hints."""

from __future__ import annotations


def did_you_mean(word: str, choices, *, what: str = "") -> str | None:
    import difflib  # on first need: a valid project asks for no suggestion

    matches = difflib.get_close_matches(str(word), [str(c) for c in choices], n=1, cutoff=0.6)
    if matches:
        return f"did you mean {matches[0]!r}?"
    return None


def did_you_mean_name(word: str, choices) -> str | None:
    """For column names: a close spelling, else the one choice that is a `_`-separated part
    of the word or has it as one (`csat_score` → `csat`, `wait` → `wait_seconds`)."""
    close = did_you_mean(word, choices)
    if close:
        return close
    parts = set(str(word).lower().split("_"))
    found = [
        str(c) for c in choices if str(c).lower() in parts or str(word).lower() in str(c).lower().split("_")
    ]
    return f"did you mean {found[0]!r}?" if len(found) == 1 else None


def known_list(choices, limit: int = 8) -> str:
    names = sorted(str(c) for c in choices)
    shown = ", ".join(names[:limit])
    return shown + (f" and {len(names) - limit} more" if len(names) > limit else "")
