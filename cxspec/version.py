"""The version of cxspec, in a module of its own so that any module can name it without
importing the package's public API (and, through it, the registry)."""

__version__ = "0.1.0"
