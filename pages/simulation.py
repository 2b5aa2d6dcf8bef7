"""Simulation: what the draws say about the plan: cohort sizes, spend, risks, sensitivity.

A view of the working scenario's plan: nothing here edits the scenario. The only choices
are which output the tornado shows and which two inputs the heatmap sweeps.
"""

from __future__ import annotations

import streamlit as st

from app_support import charts, layout, navigation
from app_support.cache import SENSITIVITY_DRAWS, sweep_for, tornado_for
from planning.plan import Plan
from planning.scenario import Scenario
from planning.sensitivity import (
    SensitivityInput,
    default_inputs,
    expand_inputs,
    field_bounds,
    moved_values,
    value_at,
)

navigation.inside_app()

ACCELERATOR_OUTPUTS = ("spend_p50", "filled_p50", "p_overrun")
TOUR_OUTPUTS = ("trained_p50", "cost_p50", "p_reach_goal")
SWEEP_OUTPUTS = (
    "spend_p50",
    "p_overrun",
    "unspent_mean",
    "filled_p50",
    "completers_p50",
    "p_any_unfilled",
    "empty_seats_mean",
    "grant_mean",
    "gallagher",
)
TOUR_SWEEP_OUTPUTS = (
    "trained_p50",
    "cost_p50",
    "cost_per_trained_p50",
    "p_reach_goal",
    "p_overrun",
)
GRID_POINTS = 5


def _sensitivity(plan: Plan, outputs: tuple[str, ...]) -> None:
    scenario = plan.scenario
    currency = scenario.currency
    share = scenario.simulation.sensitivity_share
    st.subheader("What moves the outcome most")
    with st.spinner("Moving each input down and up…"):
        table = tornado_for(scenario)
    roadshow = scenario.kind == "roadshow"
    if roadshow:
        # The shared input list names cohort.seats "Seats"; on a tour they are the stops.
        table = table.assign(label=table["label"].replace({"Seats": "Stops"}))
    output = st.radio(
        "Outcome",
        outputs,
        format_func=lambda name: charts.output_label(name, currency),
        horizontal=True,
        key="simulation.tornado_output",
    )
    moving = table.loc[table[f"{output}_swing"].fillna(0) > 0]
    if moving.empty:
        st.info(
            f"No input moved by ±{share:.0%} changes {charts.output_label(output).lower()} "
            "in this scenario."
        )
    else:
        st.altair_chart(charts.tornado(table, output, currency=currency), width="stretch")
        st.caption(
            f"Each input is moved {share:.0%} down (blue) and up (orange) with the others "
            "held; the black line is the outcome as planned. Longest bars first."
        )
    still = table.loc[table[f"{output}_swing"].fillna(0) == 0, "label"].tolist()
    if still and not roadshow:
        st.caption(f"Make no difference here (or are 0 and cannot move): {', '.join(still)}.")
    with st.expander("Tornado table"):
        st.dataframe(table, hide_index=True, width="stretch")


def _grid(scenario: Scenario, path: str) -> list[float]:
    """Up to five values around the input's current one, within the model's bounds."""
    bounds = field_bounds(path)
    base = float(value_at(scenario, path))
    share = scenario.simulation.sensitivity_share
    values = [base]
    # Step out by half the sensitivity share each way, further on one side when the other
    # side is held by a bound, until the grid has its points.
    for step in range(1, 2 * GRID_POINTS):
        for moved in moved_values(base, share * step / 2, bounds):
            if moved not in values and len(values) < GRID_POINTS:
                values.append(moved)
    return sorted(values)


def _keep_valid(key: str, options: list[str], default: str) -> None:
    """Reset a select box whose remembered value is not among this scenario's options."""
    if st.session_state.get(key) not in options:
        st.session_state[key] = default if default in options else options[0]


def _sweep(plan: Plan) -> None:
    scenario = plan.scenario
    currency = scenario.currency
    tour = scenario.kind == "roadshow"
    outputs = TOUR_SWEEP_OUTPUTS if tour else SWEEP_OUTPUTS
    inputs: list[SensitivityInput] = [
        entry
        for entry in expand_inputs(scenario, default_inputs(scenario))
        if value_at(scenario, entry.path) not in (None, 0, 0.0)
    ]
    if len(inputs) < 2:
        return
    labels = {entry.path: entry.label for entry in inputs}
    paths = list(labels)
    st.subheader("Two inputs at once")
    _keep_valid("simulation.sweep_x", paths, "cohort.seats")
    _keep_valid("simulation.sweep_y", paths, paths[1] if tour else "budget.grant_cap")
    _keep_valid("simulation.sweep_output", list(outputs), outputs[0])
    left, middle, right = st.columns(3)
    x = left.selectbox("Across", paths, format_func=labels.__getitem__, key="simulation.sweep_x")
    y = middle.selectbox("Up", paths, format_func=labels.__getitem__, key="simulation.sweep_y")
    output = right.selectbox(
        "Outcome",
        outputs,
        format_func=lambda name: charts.output_label(name, currency),
        key="simulation.sweep_output",
    )
    if x == y:
        st.warning("Pick two different inputs to sweep.")
        return
    with st.spinner("Planning each point of the grid…"):
        table = sweep_for(scenario, (x, _grid(scenario, x)), (y, _grid(scenario, y)), output)
    st.altair_chart(
        charts.heatmap(
            table,
            labels[x],
            labels[y],
            charts.output_label(output, currency),
            value_format=charts.output_format(output, short=True),
        ),
        width="stretch",
    )
    st.caption(
        "Each cell re-plans the scenario with the two inputs set as shown (the middle values "
        f"are today's), on {SENSITIVITY_DRAWS:,} draws with the same seed. Grey cells cannot "
        "be planned; hover for why."
    )


def _accelerator(plan: Plan) -> None:
    scenario = plan.scenario
    currency = scenario.currency
    value = plan.summary_value
    budget = value("budget")
    seats = value("seats")

    st.subheader("Risks")
    cells = st.columns(3)
    cells[0].metric(
        "Chance of overrun",
        f"{value('p_overrun'):.0%}",
        help="Share of the simulated programmes that spend more than the budget.",
    )
    cells[1].metric(
        "Median spend",
        layout.money(value("spend_p50"), currency),
        help=f"Half the draws spend less. Budget: {layout.money(budget, currency)}; "
        f"P90 spend: {layout.money(value('spend_p90'), currency)}.",
    )
    cells[2].metric(
        "Left unspent (median)",
        layout.money(budget - value("spend_p50"), currency),
        help="Budget less the median spend: what half the draws leave unspent or more.",
    )
    cells = st.columns(3)
    cells[0].metric(
        "Chance a seat goes unfilled",
        f"{value('p_any_unfilled'):.0%}",
        help="Share of draws in which at least one region cannot fill its own seats "
        "(before seats move to other regions).",
    )
    cells[1].metric("Seats filled (median)", f"{value('filled_p50'):,.0f} of {seats:,.0f}")
    cells[2].metric(
        "Completers (median)",
        f"{value('completers_p50'):,.0f} people",
        help="Participants who finish the programme, after drop-out.",
    )

    st.subheader("From applicants to completers")
    left, right = st.columns(2, gap="large")
    with left:
        st.altair_chart(charts.funnel(plan.charts["totals"]), width="stretch")
        st.caption("Bars: median over the draws; whiskers: P10 to P90 (8 draws in 10).")
    with right:
        st.altair_chart(charts.cohort_histogram(plan.charts["cohort_histogram"]), width="stretch")
        st.caption("How often each cohort size came up over the draws.")

    st.subheader("Spend against the budget")
    st.altair_chart(charts.budget_fan(plan.charts["monthly"], budget, currency), width="stretch")
    st.caption(
        "Cumulative spend by month: the median draw, the band holding 8 draws in 10, the "
        "plan if every seat is filled and nobody drops out, and the budget line."
    )

    st.subheader("Where seats may stay empty")
    funnel = plan.tables["funnel"]
    if (funnel["p_unfilled"] > 0).any():
        st.altair_chart(charts.unfilled_bars(funnel, plan.tables["seats"]), width="stretch")
        st.caption(
            "Chance each region has too few eligible applicants to fill its own seats "
            "(regions with no such risk are left out)."
        )
    else:
        st.success("Every region filled its seats in every draw.")

    _sensitivity(plan, ACCELERATOR_OUTPUTS)
    _sweep(plan)


def _roadshow(plan: Plan) -> None:
    scenario = plan.scenario
    currency = scenario.currency
    value = plan.summary_value
    goal = scenario.roadshow.reach_goal if scenario.roadshow is not None else 0

    st.subheader("Reach and cost")
    cells = st.columns(3)
    cells[0].metric(
        "People trained (median)",
        f"{value('trained_p50'):,.0f}",
        help=f"Goal: {goal:,} people." if goal else "No reach goal is set.",
    )
    cells[1].metric(
        "Chance of reaching the goal",
        f"{value('p_reach_goal'):.0%}" if goal else "no goal set",
        help=f"Share of draws training at least {goal:,} people." if goal else None,
    )
    cells[2].metric(
        "Cost per person trained",
        layout.money(value("cost_per_trained_p50"), currency),
        help="Median over the draws.",
    )
    cells = st.columns(3)
    cells[0].metric(
        "Cost (median)",
        layout.money(value("cost_p50"), currency),
        help=f"Budget: {layout.money(value('budget'), currency)}.",
    )
    cells[1].metric(
        "Chance of overrun",
        f"{value('p_overrun'):.0%}",
        help="Share of draws costing more than the budget.",
    )
    cells[2].metric(
        "Left unspent (median)",
        layout.money(value("budget") - value("cost_p50"), currency),
        help="Budget less the median cost.",
    )

    st.subheader("People trained per audience")
    st.altair_chart(charts.reach_bars(plan.tables["reach"]), width="stretch")
    st.caption("Bars: median over the draws; whiskers: P10 to P90 (8 draws in 10).")

    st.subheader("Spend against the budget")
    st.altair_chart(
        charts.budget_fan(plan.tables["budget_by_month"], value("budget"), currency),
        width="stretch",
    )
    st.caption("Cumulative cost by month: the median draw, the plan and the budget line.")

    _sensitivity(plan, TOUR_OUTPUTS)
    _sweep(plan)


layout.view_page(
    "Simulation",
    "What thousands of simulated editions say: cohort sizes, spend, and the risks.",
    _accelerator,
    _roadshow,
)
