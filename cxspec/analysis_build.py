"""Model objects of the v1.1 `drivers:` and `links:` sections, from schema-checked YAML."""

from __future__ import annotations

from cxspec.model import Driver, DriverAnalysis, Link
from cxspec.spec_fields import int_field as _int
from cxspec.spec_fields import pair_field as _pair
from cxspec.spec_fields import str_field as _str
from cxspec.yamlread import YamlMap, YamlSeq

#: Seconds per unit of a `within:` window.
WINDOW_UNITS = {"h": 3600, "d": 86_400, "w": 7 * 86_400}


def window_seconds(text: str | None) -> int:
    """`90d` → seconds; 0 for text the schema refused."""
    if not isinstance(text, str) or len(text) < 2 or text[-1] not in WINDOW_UNITS or not text[:-1].isdigit():
        return 0
    return int(text[:-1]) * WINDOW_UNITS[text[-1]]


def build_drivers(raw, file, valid) -> DriverAnalysis:
    items = raw.get("drivers")
    drivers = []
    if isinstance(items, YamlSeq):
        for index, item in enumerate(items):
            if isinstance(item, YamlMap) and isinstance(item.get("name"), str):
                drivers.append(
                    Driver(
                        file=file,
                        raw=item,
                        name=item["name"],
                        column=_str(item, "column"),
                        expr=_str(item, "expr"),
                        scale=_pair(item, "scale"),
                        index=index,
                    )
                )
    return DriverAnalysis(
        file=file,
        raw=raw,
        id=raw["id"],
        valid=valid,
        name=_str(raw, "name"),
        owner=_str(raw, "owner"),
        source=_str(raw, "source"),
        outcome=_str(raw, "outcome"),
        outcome_scale=_pair(raw, "outcome_scale"),
        drivers=drivers,
        method=_str(raw, "method", "shapley"),
        filter=_str(raw, "filter"),
        min_sample=_int(raw, "min_sample"),
    )


def build_link(raw, file, valid) -> Link:
    cx = raw.get("cx") if isinstance(raw.get("cx"), dict) else {}
    outcome = raw.get("outcome") if isinstance(raw.get("outcome"), dict) else {}
    groups = cx.get("groups")
    quantiles = _int(groups, "quantiles") if isinstance(groups, dict) else None
    return Link(
        file=file,
        raw=raw,
        id=raw["id"],
        valid=valid,
        name=_str(raw, "name"),
        owner=_str(raw, "owner"),
        cx_source=_str(cx, "source"),
        cx_column=_str(cx, "column"),
        groups="quantiles" if quantiles else (groups if isinstance(groups, str) else "nps"),
        quantiles=quantiles,
        scale=_pair(cx, "scale"),
        top_box=_int(cx, "top_box"),
        outcome_source=_str(outcome, "source"),
        event=_str(outcome, "event"),
        value=_str(outcome, "value"),
        within_seconds=window_seconds(_str(outcome, "within")),
        within=_str(outcome, "within", ""),
    )
