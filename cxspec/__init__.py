"""cxspec: customer-experience metrics as code."""

from cxspec.diagnostics import CxspecError, Diagnostic, Location, PluginError, Severity, SpecError
from cxspec.hookspecs import hookimpl
from cxspec.metric_type import MetricType
from cxspec.source_type import SourceType
from cxspec.warehouse import Warehouse, WarehouseError

__version__ = "0.1.0"


def load_project(path):
    """Load and check a project; raise SpecError if it has errors, else return the Project."""
    from cxspec.registry import default_registry
    from cxspec.validate import validate_project

    result = validate_project(path, default_registry())
    if not result.ok:
        raise SpecError([d for d in result.diagnostics if d.severity is Severity.ERROR])
    return result.project


__all__ = [
    "CxspecError",
    "Diagnostic",
    "Location",
    "MetricType",
    "PluginError",
    "Severity",
    "SourceType",
    "SpecError",
    "Warehouse",
    "WarehouseError",
    "__version__",
    "hookimpl",
    "load_project",
]
