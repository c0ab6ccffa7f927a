"""`questions:` and `fields:`: the names metrics use → the export's columns.

`questions` are read as numbers (a score; choice text "10 - Extremely likely" gives 10, and
`values:` numbers the labels that carry none); `fields` as text (embedded data, open
answers, choices used as dimensions).
"""

from __future__ import annotations

from dataclasses import dataclass

NAME_PATTERN = "^[A-Za-z_][A-Za-z0-9_]*$"
NONEMPTY = {"type": "string", "minLength": 1}
#: Choice labels → the number each one stands for.
VALUES = {
    "type": "object",
    "minProperties": 1,
    "additionalProperties": {"type": "number"},
    "description": "Choice text → its number, for labels that do not start with one.",
}


def mapping_schema(pointer: dict, description: str) -> dict:
    """A mapping from names to `pointer` (a column given as text, or an object). Names are
    checked by the source type, at the key (a `propertyNames` error has no position)."""
    return {
        "type": "object",
        "minProperties": 1,
        "additionalProperties": pointer,
        "description": description,
    }


def text_or_object(properties: dict, required: list[str]) -> dict:
    """Text, or a closed object: if/then/else so that errors name the exact field."""
    return {
        "if": {"type": "object"},
        "then": {
            "type": "object",
            "required": required,
            "additionalProperties": False,
            "properties": properties,
        },
        "else": NONEMPTY,
    }


@dataclass(frozen=True)
class Entry:
    """One name of `questions:` or `fields:` as written."""

    section: str
    name: str
    #: The text form, or the object form's fields.
    spec: object

    @property
    def is_question(self) -> bool:
        return self.section == "questions"

    @property
    def labels(self) -> dict | None:
        return self.spec.get("values") if isinstance(self.spec, dict) else None


def entries(source) -> list[Entry]:
    found = []
    for section in ("questions", "fields"):
        mapping = source.get(section)
        if isinstance(mapping, dict):
            found += [Entry(section, name, spec) for name, spec in mapping.items()]
    return found
