"""JSON Schema pieces every section's schema is made of (a leaf: schema.py and
analysis_schema.py both build on it)."""

from __future__ import annotations

ID_PATTERN = "^[a-z][a-z0-9_-]*$"
ID = {"type": "string", "pattern": ID_PATTERN, "maxLength": 128}
REF = {"type": "string", "pattern": ID_PATTERN, "description": "The id of another item."}
TEXT = {"type": "string"}
FRAGMENT = {"type": "string", "minLength": 1, "description": "A SQL expression (one, no statements)."}
