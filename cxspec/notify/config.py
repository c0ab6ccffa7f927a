"""`notify:` in cxspec.yaml: where transitions are sent. Only cxspec.yaml has it (spec files
cannot add or change targets); secrets come from environment variables it names."""

from __future__ import annotations

import os
from dataclasses import dataclass, field

from cxspec.diagnostics import CxspecError

DEFAULT_ON = ("new", "reopened")
ON_VALUES = ["new", "reopened", "escalated", "resolved"]
ENV_NAME = {"type": "string", "pattern": "^[A-Za-z_][A-Za-z0-9_]*$"}
ON = {"type": "array", "items": {"enum": ON_VALUES}, "uniqueItems": True, "minItems": 1}
TIMEOUT = {"type": "number", "exclusiveMinimum": 0, "maximum": 300}

#: The JSON Schema of `notify:`. One flat item schema (the validator's fast path has no
#: if/then): what each type requires is checked when targets are read (`targets`).
SCHEMA = {
    "type": "array",
    "description": "Where issue transitions are sent (docs/closing-the-loop.md#notifications).",
    "items": {
        "type": "object",
        "required": ["type"],
        "additionalProperties": False,
        "properties": {
            "type": {"enum": ["webhook", "email"]},
            "url_env": ENV_NAME,
            "format": {"enum": ["json", "slack"]},
            "host": {"type": "string", "minLength": 1},
            "port": {"type": "integer", "minimum": 1, "maximum": 65535},
            "from": {"type": "string", "minLength": 3},
            "user_env": ENV_NAME,
            "password_env": ENV_NAME,
            "starttls": {"type": "boolean"},
            "ca_file": {"type": "string", "minLength": 1},
            "on": ON,
            "timeout": TIMEOUT,
        },
    },
}
#: What each type of target requires, and what only it may have.
REQUIRED = {"webhook": ("url_env",), "email": ("host", "from")}
ONLY = {"webhook": ("url_env", "format"), "email": ("host", "port", "from", "user_env", "password_env",
                                                    "starttls", "ca_file")}


@dataclass(frozen=True)
class Target:
    """One target of `notify:`."""

    index: int  # its place in `notify:`, from 1: how messages name it
    type: str
    on: tuple[str, ...] = DEFAULT_ON
    timeout: float = 10.0
    options: dict = field(default_factory=dict)

    @property
    def key(self) -> str:
        """What the outbox stores for it: its place and kind ("1:webhook")."""
        return f"{self.index}:{self.type}"

    @property
    def label(self) -> str:
        """How messages name it: never a URL or a secret, only variable names."""
        if self.type == "webhook":
            return f"webhook {self.index} (${self.options['url_env']})"
        return f"email {self.index} ({self.options['host']}:{self.options.get('port', 587)})"


def targets(project) -> list[Target]:
    found = []
    for index, item in enumerate(project.config.raw.get("notify") or [], start=1):
        if not hasattr(item, "get") or item.get("type") not in ("webhook", "email"):
            continue
        kind = item["type"]
        missing = [k for k in REQUIRED[kind] if not item.get(k)]
        other = "email" if kind == "webhook" else "webhook"
        foreign = [k for k in ONLY[other] if k in item and k not in ONLY[kind]]
        if missing or foreign:
            what = f"needs {', '.join(missing)}" if missing else f"cannot have {', '.join(foreign)}"
            raise CxspecError(f"cxspec.yaml: notify target {index} ({kind}) {what}")
        options = {k: v for k, v in dict(item).items() if k not in ("type", "on", "timeout")}
        on = tuple(item.get("on") or DEFAULT_ON)
        found.append(Target(index, item["type"], on, float(item.get("timeout") or 10.0), options))
    return found


def secret(name: str | None, what: str) -> str | None:
    """An environment variable's value; a missing one is an error naming the variable."""
    if name is None:
        return None
    value = os.environ.get(name)
    if not value:
        raise CxspecError(f"the environment variable {name} ({what}) is not set")
    return value
