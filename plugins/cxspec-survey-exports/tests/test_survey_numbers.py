"""The example project's metrics on its raw exports equal what plain Python computes from the
same files (survey_reference.py), on DuckDB, SQLite and PostgreSQL: value and moe to 1e-9,
n and invalid exactly, and a result exactly where the reference has one."""

from __future__ import annotations

import math

import pytest
import survey_reference
from cxspec import Request, compute, default_registry, load_project
from survey_reference import EXAMPLE, expected

TOLERANCE = {"rel_tol": 1e-9, "abs_tol": 1e-9}


@pytest.fixture(scope="module")
def project():
    return load_project(EXAMPLE)


@pytest.fixture(scope="module")
def want():
    return expected()


def same(a, b) -> bool:
    if a is None or b is None:
        return a is None and b is None
    return math.isclose(a, b, **TOLERANCE)


def test_every_metric_matches_plain_python(project, want, warehouse):
    results = compute(project, Request(metrics=tuple(want)), default_registry(), warehouse)
    got: dict[str, dict] = {}
    for r in results:
        got.setdefault(r.metric, {})[r.period] = (r.value, r.n, r.invalid, r.moe)
    assert set(got) == set(want)
    for metric, periods in want.items():
        assert set(got[metric]) == set(periods), metric
        for period, (value, n, invalid, moe) in periods.items():
            g_value, g_n, g_invalid, g_moe = got[metric][period]
            where = f"{metric} {period}: want {(value, n, invalid, moe)}, got {got[metric][period]}"
            assert same(value, g_value) and same(moe, g_moe), where
            assert (g_n, g_invalid) == (n, invalid), where


def test_the_edge_cases_are_in_the_data(want):
    """The exports hold what the comparison above must get right, so it is not vacuous."""
    assert (
        sum(
            inv
            for m in ("purchase_nps", "purchase_csat", "purchase_ces")
            for _, _, inv, _ in want[m].values()
        )
        >= 3
    )
    assert sum(inv for _, _, inv, _ in want["onboarding_nps"].values()) == 1
    # 2026-03-31 20:30 in Denver is April in UTC; 2026-04-30 22:15 in New York is May.
    assert set(want["purchase_nps"]) == {"2026-03-01", "2026-04-01", "2026-05-01"}


def test_dedupe_and_time_zones_change_the_numbers(want, monkeypatch):
    """Without de-duplication, or reading local times as UTC, the reference differs: the
    comparison above checks both."""
    month = survey_reference.month
    monkeypatch.setattr(survey_reference, "latest_per_key", lambda rows, key, time: rows)
    assert expected()["purchase_nps"] != want["purchase_nps"]
    monkeypatch.undo()
    monkeypatch.setattr(survey_reference, "month", lambda local, fmt, zone: month(local, fmt, "UTC"))
    assert expected()["purchase_nps"] != want["purchase_nps"]
    assert expected()["onboarding_nps"] != want["onboarding_nps"]
