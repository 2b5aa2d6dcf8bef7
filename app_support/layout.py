"""Page furniture shared by the pages: headers, headline figures, problem lists."""

from __future__ import annotations

from collections.abc import Callable, Sequence

import streamlit as st

from app_support import state
from app_support.cache import plan_for
from planning.plan import Plan
from planning.scenario import Problem, ScenarioError


def money(value: float, currency: str) -> str:
    """A money amount for people: USD 3.2M, USD 40,000."""
    if abs(value) >= 1e6:
        return f"{currency} {value / 1e6:,.2f}M"
    return f"{currency} {value:,.0f}"


def page_header(title: str, caption: str) -> state.Working:
    """The page's title, the working scenario's name and an unsaved mark."""
    working = state.working()
    st.title(title)
    mark = " · :orange[unsaved changes]" if working.dirty else ""
    st.caption(f"{caption}  \n**{working.scenario.name}** · {working.label}{mark}")
    return working


def current_plan() -> Plan | None:
    """The working scenario's plan, or None after showing why it cannot be made."""
    scenario = state.working().scenario
    try:
        return plan_for(scenario)
    except ScenarioError as error:
        show_problems(error.problems, "This scenario cannot be planned as it stands:")
    except ValueError as error:
        # The core names the field and the fix in its messages; never show a traceback.
        st.error(f"This scenario cannot be planned as it stands: {error}")
    return None


def show_problems(problems: Sequence[Problem], lead: str) -> None:
    """Problems as one error box: where, what, and the fix."""
    lines = [lead] + [
        f"- `{problem.path or 'scenario'}`: {problem.message}. **Fix:** {problem.fix}"
        for problem in problems
    ]
    st.error("\n".join(lines))


def headline(plan: Plan) -> None:
    """The headline figures of a plan as metrics."""
    scenario = plan.scenario
    currency = scenario.currency
    value = plan.summary_value
    cells: list[tuple[str, str, str | None]]
    if scenario.kind == "roadshow":
        cells = [
            ("Stops", f"{value('stops'):,.0f}", None),
            ("States", f"{value('states'):,.0f}", None),
            ("Trained (median)", f"{value('trained_p50'):,.0f}", None),
            ("Cost (median)", money(value("cost_p50"), currency), None),
            ("Cost per trained", money(value("cost_per_trained_p50"), currency), None),
            ("Chance of reaching goal", f"{value('p_reach_goal'):.0%}", None),
        ]
    else:
        cells = [
            ("Seats", f"{value('seats'):,.0f}", None),
            ("Regions", f"{value('regions'):,.0f}", None),
            ("Budget", money(value("budget"), currency), None),
            ("Mean grant", money(value("mean_grant"), currency), None),
            ("Chance of overrun", f"{value('p_overrun'):.0%}", None),
            ("Gallagher index", f"{value('gallagher'):.2f}", "0 = seats exactly proportional"),
        ]
    # Rows of three: six money figures side by side get cut off on a laptop screen.
    for start in range(0, len(cells), 3):
        row = cells[start : start + 3]
        for column, (label, text, help_text) in zip(st.columns(3), row, strict=False):
            column.metric(label, text, help=help_text, border=True)


def view_page(
    title: str,
    caption: str,
    accelerator: Callable[[Plan], None],
    roadshow: Callable[[Plan], None],
    tour_caption: str | None = None,
) -> None:
    """A page that only views the plan: header, then the drawing for the scenario's kind."""
    if state.working().scenario.kind == "roadshow" and tour_caption:
        caption = tour_caption
    page_header(
        title,
        caption + ("" if state.exec_view() else " Change the scenario on the Design page."),
    )
    plan = current_plan()
    if plan is None:
        return
    if plan.scenario.kind == "roadshow":
        roadshow(plan)
    else:
        accelerator(plan)
