"""The base class of issue rules: more kinds of CX issues, from plugins
(``cxspec_register_issue_rules``, docs/plugin-hooks.md) and built in alike."""

from __future__ import annotations

from collections.abc import Iterable
from typing import ClassVar


class IssueRule:
    #: Stable name, unique across plugins.
    name: ClassVar[str]
    #: The `kind` of the issues it raises (part of each issue's stable id).
    kind: ClassVar[str]
    #: ``error``, ``warning`` or ``info``.
    severity: ClassVar[str] = "warning"
    description: ClassVar[str] = ""

    def detect(self, context: IssueContext) -> Iterable:
        """The issues of ``context.period``, each made with ``context.issue(…)``."""
        raise NotImplementedError


class IssueContext:
    """What a rule sees: the project, the period, each metric's stored history, the criteria.

    - ``project``, ``registry``, ``period`` ('YYYY-MM-DD', the latest period);
    - ``history(metric_id)``: period → stored result (``.value``, ``.n``, ``.moe``,
      ``.status``), for the project's grain without dimensions;
    - ``criteria(metric)``: the metric's issue criteria (``alpha``, ``consecutive_declines``…);
    - ``p_value(metric, earlier, later)``: the two-sided p of the change between two stored
      results (the test of ``significant_drop``), None when it cannot be tested;
    - ``number(metric, value)``: a value as reports write it;
    - ``issue(rule, metric, message, **fields)``: an issue of the rule's kind and severity,
      routed to the metric's owner.
    """
