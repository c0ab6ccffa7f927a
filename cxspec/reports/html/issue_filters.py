"""The issue list's filters (owner, state) and each issue's state line in the HTML dashboard."""

from __future__ import annotations

from cxspec.issues_state.report_states import state_line
from cxspec.reports.html.common import e

_STATE_ORDER = ("open", "acknowledged", "resolved")


def issue_filters(issues, ctx) -> str:
    """Two selects over the issue list; the dashboard's script shows the matching items."""
    owners = sorted({i.owner or "" for i in issues}, key=lambda o: (o == "", ctx.owner_name(o or None)))
    states = [s for s in _STATE_ORDER if any(i.status == s for i in issues)]
    if any(i.status is None for i in issues):
        states.append("")
    owner_options = "".join(
        f'<option value="{e(o)}">{e(ctx.owner_name(o or None))}</option>' for o in owners
    )
    state_options = "".join(f'<option value="{e(s)}">{e(s or "no state")}</option>' for s in states)
    return (
        '<div class="issue-filters small">'
        '<label>owner <select data-issue-filter="owner"><option value="*">all</option>'
        f"{owner_options}</select></label>"
        '<label>state <select data-issue-filter="state"><option value="*">all</option>'
        f"{state_options}</select></label>"
        '<span class="muted" id="issue-count"></span></div>'
    )


def issue_data(issue) -> str:
    """The attributes the filters read, on an issue's <li>."""
    return f' data-owner="{e(issue.owner or "")}" data-state="{e(issue.status or "")}"'


def issue_state(issue) -> str:
    line = state_line(issue)
    if not line:
        return ""
    return f'<p class="issue-state muted small st-{e(issue.status)}">{e(line)}</p>'
