"""The priority matrix on awkward analyses: drivers with and without a scale, and what a
report says of a link whose figures are partly missing."""

from __future__ import annotations

from types import SimpleNamespace

from cxspec.links.compute import LinkContrast, LinkGroup
from cxspec.reports import analyses
from cxspec.reports.model import DriverEntry


def test_performance_in_percent_and_as_measured_are_not_compared():
    """`network` has `scale: [1, 5]` (4.0 is 75%), `billing` none (4.2 as measured, on the
    same 1-5 ratings): comparing 75 with 4.2 put billing below the mean whatever its rating."""
    entries = [
        DriverEntry("a", "a", "network", importance=0.3, performance=4.0, performance_pct=75.0),
        DriverEntry("a", "a", "billing", importance=0.3, performance=4.2),
    ]
    analyses._place(entries)
    assert [e.quadrant for e in entries] == ["act_first", "keep_up"]
    svg = analyses.quadrant_svg(entries)
    network, billing = (
        svg.split(f">{name}</text>")[0].rsplit('cy="', 1)[1] for name in ("network", "billing")
    )
    assert float(billing.split('"')[0]) < float(network.split('"')[0])  # billing higher up


def test_every_driver_on_a_scale_is_compared_in_percent():
    entries = [
        DriverEntry("a", "a", "ten", importance=0.3, performance=8.0, performance_pct=80.0),
        DriverEntry("a", "a", "five", importance=0.3, performance=3.0, performance_pct=50.0),
    ]
    analyses._place(entries)
    assert [e.quadrant for e in entries] == ["keep_up", "act_first"]
