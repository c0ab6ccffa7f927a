"""The base class of lint rules: best-practice checks on a valid project (`cxspec lint`)."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from types import MappingProxyType
from typing import TYPE_CHECKING, ClassVar

if TYPE_CHECKING:
    from cxspec.diagnostics import Diagnostic
    from cxspec.model import Project


class LintRule:
    #: Stable kebab-case name, used in cxspec.yaml configuration and inline suppressions.
    name: ClassVar[str]
    #: Stable code (``CXL001``), documented in docs/lint-rules.md.
    code: ClassVar[str]
    #: ``error``, ``warning`` or ``info``; projects may override it in cxspec.yaml.
    default_severity: ClassVar[str] = "warning"
    #: False for opt-in rules, which run only when cxspec.yaml's `lint.enable` names them.
    enabled_by_default: ClassVar[bool] = True
    description: ClassVar[str] = ""
    #: This plugin's block of ``plugins:`` in the project's cxspec.yaml, set on the instance
    #: cxspec calls ``check`` on (empty when the project has none).
    config: Mapping = MappingProxyType({})

    def check(self, project: Project) -> Iterable[Diagnostic]:
        """The problems this rule finds, each at the file:line:col of the spec item concerned."""
        raise NotImplementedError
