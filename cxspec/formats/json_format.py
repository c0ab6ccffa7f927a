"""`{"diagnostics": [{file, line, column, code, severity, message, hint}]}`."""

from __future__ import annotations

import json


def render(diagnostics, context) -> str:
    return (
        json.dumps({"diagnostics": [d.as_dict() for d in diagnostics]}, indent=2, ensure_ascii=False) + "\n"
    )
