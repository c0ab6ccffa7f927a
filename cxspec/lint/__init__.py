"""`cxspec lint`: best-practice rules (plugins) run on a valid project, configured per project.

The engine is imported on first use: the built-in rules import `cxspec.lint.finding` when the
registry is built, for every command (tests/test_startup.py).
"""

__all__ = ["LintResult", "lint_project"]


def __getattr__(name: str):
    if name in __all__:
        from cxspec.lint import engine

        return getattr(engine, name)
    raise AttributeError(f"module 'cxspec.lint' has no attribute {name!r}")
