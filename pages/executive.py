"""Executive view: the working scenario on one read-only page.

Headline figures, the map, the budget, the risks in plain words, what the scenario is and
where its figures come from. The page holds no input of any kind, so it reads the same
when opened from a link as from the navigation.
"""

from __future__ import annotations

import math

import pandas as pd
import streamlit as st

from app_support import charts, layout, navigation, state
from app_support.cache import map_spec
from planning.plan import Plan

navigation.inside_app()

# A region whose chance of not filling its own seats is at least this is named among the risks.
UNFILLED_WORTH_NAMING = 0.10


def _chance(probability: float, draws: int) -> str:
    """A probability for people: never "0%" for a small chance, nor "100%" for a near one."""
    if probability <= 0:
        return f"none of {draws:,} simulated runs"
    if probability >= 1:
        return f"all {draws:,} simulated runs"
    if probability < 0.01:
        return "under 1%"
    if probability > 0.99:
        return "over 99%"
    return f"{probability:.0%}"


def _accelerator_risks(plan: Plan) -> list[str]:
    value = plan.summary_value
    currency = plan.scenario.currency
    draws = plan.draws
    lines = [
        f"**Overrun:** chance of spending more than the "
        f"{layout.money(value('budget'), currency)} budget: {_chance(value('p_overrun'), draws)}. "
        "The median spend is "
        f"{layout.money(value('spend_p50'), currency)}; in 9 runs out of 10 it stays under "
        f"{layout.money(value('spend_p90'), currency)}.",
        f"**Empty seats:** in the median run {value('filled_p50'):,.0f} of the "
        f"{value('seats'):,.0f} seats are filled and {value('completers_p50'):,.0f} people "
        "finish. Chance that at least one country has too few eligible applicants to fill "
        f"its own seats: {_chance(value('p_any_unfilled'), draws)}.",
    ]
    funnel = plan.tables["funnel"]
    names = plan.tables["seats"].set_index("region")["name"]
    short = funnel.loc[funnel["p_unfilled"] >= UNFILLED_WORTH_NAMING]
    if not short.empty:
        listed = ", ".join(
            f"{names.get(code, code)} ({_chance(p, draws)})"
            for code, p in zip(short["region"], short["p_unfilled"], strict=True)
        )
        lines.append(f"**Countries most likely to leave seats empty:** {listed}.")
    leftover = value("leftover")
    lines.append(
        f"**Money left over:** the grant rule gives out "
        f"{layout.money(value('grants_total'), currency)} of a "
        f"{layout.money(value('grant_pool'), currency)} grant pool"
        + (
            f", leaving {layout.money(leftover, currency)} unallocated."
            if leftover > 0
            else ": nothing is left unallocated."
        )
    )
    return lines


def _roadshow_risks(plan: Plan) -> list[str]:
    value = plan.summary_value
    currency = plan.scenario.currency
    trained = (
        f"The median run trains {value('trained_p50'):,.0f} people (between "
        f"{value('trained_p10'):,.0f} and {value('trained_p90'):,.0f} in 8 runs out of 10)."
    )
    goal, chance = value("reach_goal"), value("p_reach_goal")
    if math.isnan(goal) or math.isnan(chance) or goal <= 0:
        reach = f"**Reach:** no goal is set. {trained}"
    else:
        reach = (
            f"**Reaching the goal:** chance of training {goal:,.0f} people or more: "
            f"{_chance(chance, plan.draws)}. {trained}"
        )
    return [
        reach,
        f"**Cost per trained person:** {layout.money(value('cost_per_trained_p50'), currency)} "
        "in the median run.",
        f"**Overrun:** chance of spending more than the "
        f"{layout.money(value('budget'), currency)} budget: "
        f"{_chance(value('p_overrun'), plan.draws)}. The median cost is "
        f"{layout.money(value('cost_p50'), currency)}; in 9 runs out of 10 it stays under "
        f"{layout.money(value('cost_p90'), currency)}.",
    ]


def _map(plan: Plan) -> None:
    if plan.scenario.kind == "roadshow":
        st.subheader("The tour")
        st.vega_lite_chart(map_spec(plan), width="stretch")
    else:
        # Side by side: a world map alone across a wide screen is drawn small (it keeps its
        # height), and the tracks are the other half of "who gets the seats".
        countries, tracks = st.columns([3, 2], gap="large")
        with countries:
            st.subheader("Seats by country")
            st.vega_lite_chart(map_spec(plan), width="stretch")
        with tracks:
            st.subheader("Seats by track")
            st.altair_chart(charts.track_bars(plan.tables["tracks"]), width="stretch")


def _budget(plan: Plan) -> None:
    st.subheader("Budget by month")
    monthly: pd.DataFrame = (
        plan.tables["budget_by_month"]
        if plan.scenario.kind == "roadshow"
        else plan.charts["monthly"]
    )
    st.altair_chart(
        charts.budget_fan(monthly, plan.summary_value("budget"), plan.scenario.currency),
        width="stretch",
    )


def _provenance(working: state.Working, plan: Plan | None) -> None:
    scenario = working.scenario
    source = working.label + (" with unsaved changes" if working.dirty else "")
    parts = [f"**{scenario.name}** · {source}"]
    if plan is not None:
        parts.append(
            f"seed {plan.seed} · {plan.draws:,} simulated runs · "
            f"scenario hash `{plan.scenario_hash[:12]}` · planner {plan.version}"
        )
    st.caption("Where these figures come from: " + " · ".join(parts))


def render() -> None:
    """Draw the page."""
    working = layout.page_header(
        "Executive view", "The plan at a glance: figures, map, budget and risks."
    )
    plan = layout.current_plan()
    if plan is not None:
        layout.headline(plan)
        _map(plan)
        budget, risks = st.columns([3, 2], gap="large")
        with budget:
            _budget(plan)
        with risks:
            st.subheader("Risks")
            lines = (
                _roadshow_risks(plan)
                if plan.scenario.kind == "roadshow"
                else _accelerator_risks(plan)
            )
            st.markdown("\n".join(f"- {line}" for line in lines))
    st.subheader("About this scenario")
    st.markdown(working.scenario.description or "_No description._")
    _provenance(working, plan)


render()
