"""`cxspec lint`: best-practice rules (plugins) run on a valid project, configured per project."""

from cxspec.lint.engine import LintResult, lint_project

__all__ = ["LintResult", "lint_project"]
