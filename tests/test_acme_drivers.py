"""The acme example's drivers-and-links story (specs/acme/README.md, "What matters most, and
what it is worth") is what its data says: each claim of the README is checked on the
computed figures, and the figures against a plain-Python reading of the relationship survey."""

from __future__ import annotations

import csv
import gzip
from pathlib import Path

import numpy as np
import pytest

from cxspec.drivers.compute import compute_drivers
from cxspec.links.compute import compute_links
from cxspec.query import connect
from cxspec.registry import default_registry
from cxspec.reports import analyses
from cxspec.validate import validate_project

ACME = Path(__file__).resolve().parent.parent / "specs" / "acme"


@pytest.fixture(scope="module")
def computed():
    registry = default_registry()
    result = validate_project(ACME, registry)
    assert result.ok, [d for d in result.diagnostics if d.severity.value == "error"]
    project = result.project
    with connect("duckdb:///:memory:", project, registry) as wh:
        drivers = compute_drivers(wh, project, registry)
        links = compute_links(wh, project, registry)
    return project, drivers, links


def test_delivery_information_matters_most_and_is_rated_worst(computed):
    project, drivers, _ = computed
    results = [r for r in drivers.results if r.analysis == "relationship-drivers"]
    top = max(results, key=lambda r: r.importance)
    assert top.driver == "delivery_info"
    assert top.performance == min(r.performance for r in results)
    entries = analyses.driver_entries(project, results)
    quadrant = {e.driver: e.quadrant for e in entries}
    assert quadrant["delivery_info"] == "act_first"  # "important and weak: act first"


def survey_rows():
    """The complete cases of the analysis, read in plain Python: one row per rating_id (the
    latest responded_at), outcome 0-10 and every driver 1-5, value = (price + plan) / 2."""
    with gzip.open(ACME / "data" / "relationship_ratings.csv.gz", "rt", newline="", encoding="utf-8") as f:
        rows = list(csv.DictReader(f))
    latest = {}
    for row in rows:
        if row["rating_id"] not in latest or row["responded_at"] > latest[row["rating_id"]]["responded_at"]:
            latest[row["rating_id"]] = row
    data = []
    columns = ("sat_product", "sat_store_staff", "sat_delivery_info", "sat_support")
    for row in latest.values():
        if "" in (row["ltr"], *(row[c] for c in columns), row["sat_price"], row["sat_plan"]):
            continue
        values = [float(row["ltr"])] + [float(row[c]) for c in columns]
        values.append((float(row["sat_price"]) + float(row["sat_plan"])) / 2)
        if 0 <= values[0] <= 10 and all(1 <= v <= 5 for v in values[1:]):
            data.append(values)
    return np.array(data)


def test_the_figures_are_the_surveys_least_squares(computed):
    _, drivers, _ = computed
    results = [r for r in drivers.results if r.analysis == "relationship-drivers"]
    assert [r.driver for r in results] == ["product", "store_staff", "delivery_info", "support", "value"]
    data = survey_rows()
    y, x = data[:, 0], data[:, 1:]
    a = np.column_stack([np.ones(len(y)), x])
    coef, *_ = np.linalg.lstsq(a, y, rcond=None)
    residual = y - a @ coef
    r2 = 1 - residual @ residual / ((y - y.mean()) @ (y - y.mean()))
    betas = coef[1:] * x.std(0, ddof=1) / y.std(ddof=1)
    for index, result in enumerate(results):
        assert result.n == len(data)
        assert result.r2 == pytest.approx(r2, abs=1e-6)
        assert result.performance == pytest.approx(x[:, index].mean(), abs=1e-6)
        assert result.beta == pytest.approx(betas[index], abs=1e-6)
        assert result.correlation == pytest.approx(np.corrcoef(y, x[:, index])[0, 1], abs=1e-6)
    assert sum(r.importance for r in results) == pytest.approx(r2, abs=1e-6)


def test_detractors_cancel_about_four_times_as_often_and_top_box_customers_spend_more(computed):
    _, _, links = computed
    contrasts = {c.link: c for c in links.contrasts}
    churn = contrasts["nps-to-cancellation"]
    assert (churn.a, churn.b) == ("detractor", "promoter")
    assert 3.5 <= churn.ratio <= 4.5 and churn.lower > 0  # "about 4× as often"
    spend = contrasts["csat-to-spend"]
    assert (spend.a, spend.b) == ("rest", "top_box")
    assert spend.ratio is not None and 1 / spend.ratio >= 3 and spend.upper < 0  # "several times as much"
