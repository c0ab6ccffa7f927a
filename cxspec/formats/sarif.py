"""SARIF 2.1.0, for code-scanning tools (GitHub code scanning and others)."""

from __future__ import annotations

import json
import re
from urllib.parse import quote

from cxspec.version import __version__
from cxspec.codes import CODES
from cxspec.diagnostics import Severity

_LEVELS = {Severity.ERROR: "error", Severity.WARNING: "warning", Severity.INFO: "note"}
SCHEMA = "https://json.schemastore.org/sarif-2.1.0.json"


def _rule_name(title: str) -> str:
    """SARIF rule names are identifiers: "goal outside the metric's range" → GoalOutsideTheMetricsRange."""
    return "".join(word.capitalize() for word in re.findall(r"[A-Za-z0-9]+", title.replace("'", "")))


def render(diagnostics, context) -> str:
    used = sorted({d.code for d in diagnostics})
    codes = {**CODES, **(context.codes or {})}
    rules = [
        {
            "id": code,
            "name": _rule_name(codes[code].title) if code in codes else code,
            "shortDescription": {"text": codes[code].title if code in codes else code},
            "fullDescription": {"text": codes[code].explanation if code in codes else code},
            "defaultConfiguration": {"level": _LEVELS[codes[code].severity] if code in codes else "error"},
            "help": {"text": f"See {context.docs_page}, {code}."},
        }
        for code in used
    ]
    index = {code: i for i, code in enumerate(used)}
    results = []
    for d in diagnostics:
        result = {
            "ruleId": d.code,
            "ruleIndex": index[d.code],
            "level": _LEVELS[d.severity],
            "message": {
                "text": d.message
                + (
                    f". Hint: {d.hint}"
                    if d.hint and not d.message.endswith(".")
                    else f" Hint: {d.hint}"
                    if d.hint
                    else ""
                )
            },
            "locations": [
                {
                    "physicalLocation": {
                        "artifactLocation": {
                            # a URI reference: a space or `#` in a path is percent-encoded
                            "uri": quote(context.path_prefix + d.file, safe="/"),
                            "uriBaseId": "%SRCROOT%",
                        },
                        "region": {"startLine": d.line, "startColumn": d.column},
                    }
                }
            ],
        }
        results.append(result)
    log = {
        "$schema": SCHEMA,
        "version": "2.1.0",
        "runs": [
            {
                "tool": {
                    "driver": {
                        "name": "cxspec",
                        "version": __version__,
                        "rules": rules,
                    }
                },
                "results": results,
            }
        ],
    }
    return json.dumps(log, indent=2, ensure_ascii=False) + "\n"
