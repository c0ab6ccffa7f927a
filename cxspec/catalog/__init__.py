"""`cxspec docs`: the metric catalog (the programme's audit) as a static HTML site and Markdown."""

from cxspec.catalog.data import build_catalog
from cxspec.catalog.site import write_catalog

__all__ = ["build_catalog", "write_catalog"]
