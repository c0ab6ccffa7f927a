"""How each built-in metric type computes its value, in words, for the catalog.

A plugin's type is described by its own `description`.
"""

from __future__ import annotations

_MOE_PROPORTION = "95% margin of error 1.96·100·√(p(1 − p)/n)"

FORMULAS = {
    "nps": "100 × (promoters − detractors) / n; on 0–10 promoters answer 9–10 and detractors 0–6. "
    "Range −100…100; 95% margin of error 1.96·100·√((p_P + p_D − (p_P − p_D)²)/n).",
    "csat": "100 × (answers in the top `top_box` points) / n, or the mean answer with `aggregate: mean`; "
    + _MOE_PROPORTION
    + " (means: 1.96·s/√n).",
    "ces": "The mean answer, or 100 × (answers in the top `top_box` points) / n with `aggregate: top_box`; "
    "95% margin of error 1.96·s/√n (top box: as a proportion).",
    "rate": "100 × (rows where `condition` holds) / rows; n = rows; " + _MOE_PROPORTION + ".",
    "mean": "The mean over valid rows; 95% margin of error 1.96·s/√n.",
    "sum": "The sum over valid rows.",
    "min": "The smallest value.",
    "max": "The largest value.",
    "count": "Rows (with `column`: rows where it is not NULL).",
    "count_distinct": "Distinct values of `column` (of the source's entity without one).",
    "percentile": "The continuous percentile (linear interpolation, PERCENTILE_CONT).",
    "ratio": "numerator value ÷ denominator value at the same period and dimensions.",
    "derived": "`expr` evaluated on the other metrics' values at the same period and dimensions.",
    "churn_rate": "Of the entities active at the period's start (start < period start, end NULL or ≥ "
    "period start), 100 × those whose end falls inside the period / their number.",
    "retention_rate": "100 − churn rate: of the entities active at the period's start, the % still "
    "active at its end.",
}


def formula(metric_type: str, registry) -> str:
    if metric_type in FORMULAS:
        return FORMULAS[metric_type]
    type_obj = registry.metric_types.get(metric_type)
    return (type_obj.description if type_obj is not None else "") or metric_type
