"""The JSON Schema of the v1.1 `drivers:` and `links:` sections (imports only the leaf
cxspec.schema_parts, so that schema.py and the shell validator can both use it)."""

from __future__ import annotations

from cxspec.schema_parts import FRAGMENT, ID, REF, TEXT

COLUMN = {"type": "string", "minLength": 1, "description": "A column of the source."}
SCALE = {
    "type": "array",
    "items": {"type": "number"},
    "minItems": 2,
    "maxItems": 2,
    "description": "[low, high]: values outside it are left out (complete cases only).",
}
LINT_IGNORE = {"type": "object"}  # replaced by schema.py with the shared definition

#: The NPS grouping of a link's scores (promoters, passives, detractors): a way to group,
#: named like the NPS metric type but not about it.
NPS_GROUPS = "nps"

#: Most drivers an analysis may list: Shapley values are enumerated exactly over 2^p subsets.
MAX_DRIVERS = 15

DRIVER = {
    "type": "object",
    "required": ["name"],
    "additionalProperties": False,
    "properties": {
        "name": {"type": "string", "pattern": "^[A-Za-z_][A-Za-z0-9_]*$"},
        "column": COLUMN,
        "expr": FRAGMENT,
        "scale": SCALE,
        "description": TEXT,
    },
    "oneOf": [{"required": ["column"]}, {"required": ["expr"]}],
}

DRIVERS = {
    "type": "object",
    "required": ["id", "source", "outcome", "drivers"],
    "additionalProperties": False,
    "properties": {
        "id": ID,
        "name": TEXT,
        "description": TEXT,
        "owner": REF,
        "source": REF,
        "outcome": COLUMN,
        "outcome_scale": SCALE,
        "drivers": {"type": "array", "minItems": 1, "items": DRIVER},
        "method": {"enum": ["shapley", "relative_weights", "correlation"]},
        "filter": FRAGMENT,
        "min_sample": {"type": "integer", "minimum": 1},
        "lint": LINT_IGNORE,
    },
}

WINDOW = {"type": "string", "pattern": "^[1-9][0-9]{0,5}[hdw]$", "description": "A duration: 90d, 12w, 36h."}

LINK = {
    "type": "object",
    "required": ["id", "cx", "outcome"],
    "additionalProperties": False,
    "properties": {
        "id": ID,
        "name": TEXT,
        "description": TEXT,
        "owner": REF,
        "cx": {
            "type": "object",
            "required": ["source", "column", "groups"],
            "additionalProperties": False,
            "properties": {
                "source": REF,
                "column": COLUMN,
                "groups": {
                    "oneOf": [
                        {"type": "string", "enum": ["nps", "top_box"]},
                        {
                            "type": "object",
                            "required": ["quantiles"],
                            "additionalProperties": False,
                            "properties": {"quantiles": {"type": "integer", "minimum": 2, "maximum": 10}},
                        },
                    ]
                },
                "scale": SCALE,
                "top_box": {"type": "integer", "minimum": 1},
            },
        },
        "outcome": {
            "type": "object",
            "required": ["source", "within"],
            "additionalProperties": False,
            "properties": {
                "source": REF,
                "event": {"enum": ["end", "start", "time"]},
                "value": COLUMN,
                "within": WINDOW,
            },
            "oneOf": [{"required": ["event"]}, {"required": ["value"]}],
        },
        "lint": LINT_IGNORE,
    },
}
