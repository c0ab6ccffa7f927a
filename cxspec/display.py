"""How a metric's numbers read: one formatter for every report, the catalog and messages.

A metric type says how its values look (`MetricType.display` returns a :class:`Display`);
the functions here turn numbers into text by that description, so the terminal, Markdown,
HTML and the catalog agree.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass

DASH = "–"


@dataclass(frozen=True)
class Display:
    """How the values of one metric are written."""

    #: Digits after the point; None: 2 below 1,000 and none from 1,000 on.
    decimals: int | None = None
    #: Written right after the number, with no space ("%").
    suffix: str = ""
    #: Always show the sign (NPS: +34).
    signed: bool = False
    #: Written after the value with a space ("s", "on 1–5"); empty when the value carries it.
    unit: str = ""
    #: Written after a change or a margin of error ("pts" for percentages).
    change_unit: str = ""
    #: Digits after the point for changes and margins; None: as the value.
    change_decimals: int | None = None
    #: Whole values are written without decimals (counts, sums, goals like 240).
    plain_whole: bool = False

    def as_dict(self) -> dict:
        return asdict(self)

    @classmethod
    def from_dict(cls, data: dict) -> Display:
        return cls(**{k: v for k, v in data.items() if k in cls.__dataclass_fields__})


PERCENT = Display(decimals=1, suffix="%", change_unit="pts")
SIGNED_WHOLE = Display(decimals=0, signed=True, change_decimals=1)


def _number(value: float, decimals: int | None, signed: bool) -> str:
    sign = "+" if signed else ""
    if decimals is None:
        decimals = 2 if abs(value) < 1000 else 0
    return f"{value:{sign},.{decimals}f}"


def format_value(display: Display, value: float | None) -> str:
    """A value with its suffix, e.g. "91.7%", "+34", "1,204"; a dash for no value."""
    if value is None:
        return DASH
    if display.plain_whole and float(value).is_integer():
        return f"{value:{'+' if display.signed else ''},.0f}{display.suffix}"
    return _number(value, display.decimals, display.signed) + display.suffix


def format_with_unit(display: Display, value: float | None) -> str:
    """A value followed by its unit, e.g. "312 s"; just the value when the unit is empty."""
    text = format_value(display, value)
    return f"{text} {display.unit}" if display.unit and value is not None else text


def _change_decimals(display: Display, amount: float) -> int | None:
    if display.change_decimals is not None:
        return display.change_decimals
    return display.decimals


def format_change(display: Display, delta: float | None) -> str:
    """A signed change, e.g. "+1.3 pts", "-4"; a dash for none."""
    if delta is None:
        return DASH
    decimals = display.decimals if display.signed else _change_decimals(display, delta)
    text = _number(delta, decimals, True)
    return f"{text} {display.change_unit}" if display.change_unit else text


def format_margin(display: Display, moe: float | None) -> str:
    """A 95% margin of error, e.g. "±2.1 pts"; empty for none."""
    if moe is None:
        return ""
    text = "±" + _number(moe, _change_decimals(display, moe), False)
    return f"{text} {display.change_unit}" if display.change_unit else text


def format_count(n: int | float | None) -> str:
    """A count of rows or responses, always whole: "1,204"."""
    return DASH if n is None else f"{int(n):,}"


def format_score(score: float | None) -> str:
    """A 0–100 pyramid score: "78.9"."""
    return DASH if score is None else f"{score:.1f}"


def format_p_value(p_value: float, alpha: float) -> str:
    """A test's p-value, "p = 0.0121" or "p < 0.001"; a p below `alpha` never reads as alpha
    ("p = 0.0499958", not "p = 0.05")."""
    if p_value < 0.001:
        return "p < 0.001"
    text = f"{p_value:.3g}"
    if p_value < alpha <= float(text):
        text = f"{p_value:.6f}".rstrip("0")
    return f"p = {text}"


_MONTHS = ["Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"]


def format_period(period: str | None, grain: str | None) -> str:
    """A period (named by its first day) as a person says it: "Jun 2026", "2026 Q2", "2026"."""
    if not period:
        return DASH
    try:
        year, month = period[:4], int(period[5:7])
    except (TypeError, ValueError):
        return str(period)
    if grain == "month" and 1 <= month <= 12:
        return f"{_MONTHS[month - 1]} {year}"
    if grain == "quarter":
        return f"{year} Q{(month - 1) // 3 + 1}"
    if grain == "year":
        return year
    return str(period)
