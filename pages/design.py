"""Design: reshape the working scenario with sliders and tables, and see the plan answer.

Every widget's range comes from the scenario model's bounds (app_support.bounds). A change
is applied only when the whole scenario still validates; otherwise the problems are shown
next to the fields they name and the last valid scenario stays in place.
"""

from __future__ import annotations

import math
from collections import defaultdict
from typing import Any

import pandas as pd
import streamlit as st

from app_support import charts, layout, navigation, state
from app_support.bounds import field_bounds
from planning import reference
from planning.apportion import method_names
from planning.grants import GRANT_RULES
from planning.scenario import (
    Budget,
    Cohort,
    Phase,
    Problem,
    Region,
    Roadshow,
    Scenario,
    ScenarioError,
    Simulation,
    replace,
)

navigation.inside_app()

BASES = ("population", "internet_users", "expected_applicants", "equal")
METHOD_LABELS = {
    "hamilton": "Hamilton (largest remainder)",
    "jefferson": "Jefferson / D'Hondt",
    "webster": "Webster / Sainte-Laguë",
    "huntington-hill": "Huntington-Hill",
    "adams": "Adams",
    "dean": "Dean",
}

if state.exec_view():
    st.error("This server is read-only: scenarios cannot be edited here.")
    st.stop()

working = layout.page_header(
    "Design",
    "Move a slider or edit the table: the plan below answers at once. Save from the sidebar.",
)
scenario = working.scenario
changes: dict[str, Any] = {}


def _init(key: str, value: Any) -> str:
    """Give a widget its starting value from the scenario, once."""
    if key not in st.session_state:
        st.session_state[key] = value
    return key


def number(
    label: str, path: str, model: type, field: str, value: float, *, step: float, integer: bool
) -> None:
    """A number input bounded by the model field; records a change at ``path``."""
    bounds = field_bounds(model, field)
    low = bounds.low if bounds.low is not None else 0.0
    high = bounds.high
    key = _init(f"design.{path}", int(value) if integer else float(value))
    kwargs: dict[str, Any] = {"min_value": int(low) if integer else float(low)}
    if high is not None:
        kwargs["max_value"] = int(high) if integer else float(high)
    entered = st.number_input(
        label,
        step=int(step) if integer else float(step),
        key=key,
        help=bounds.description,
        format="%d" if integer else "%.0f",
        **kwargs,
    )
    if entered != value:
        changes[path] = entered


def slider(label: str, path: str, model: type, field: str, value: float, *, step: float) -> None:
    """A slider over the model field's bounds; records a change at ``path``."""
    bounds = field_bounds(model, field)
    key = _init(f"design.{path}", float(value))
    entered = st.slider(
        label,
        min_value=float(bounds.low or 0.0),
        max_value=float(bounds.high or 1.0),
        step=step,
        key=key,
        help=bounds.description,
    )
    if not math.isclose(entered, value):
        changes[path] = entered


def choice(label: str, path: str, options: list[str], value: str, **kwargs: Any) -> None:
    """A select box; records a change at ``path``."""
    key = _init(f"design.{path}", value)
    picked = st.selectbox(label, options, key=key, **kwargs)
    if picked != value:
        changes[path] = picked


plan_slot = st.container()
cohort, budget_column, timeline = st.columns(3, gap="large")
slots: dict[str, Any] = {}

with cohort:
    st.subheader("Cohort" if scenario.kind == "accelerator" else "Tour")
    seats_label = "Seats" if scenario.kind == "accelerator" else "Stops"
    number(
        seats_label, "cohort.seats", Cohort, "seats", scenario.cohort.seats, step=1, integer=True
    )
    methods = method_names()
    choice(
        "Apportionment method",
        "cohort.method",
        methods,
        scenario.cohort.method if scenario.cohort.method in methods else methods[0],
        format_func=lambda name: METHOD_LABELS.get(name, name),
        help="How seats are rounded to whole numbers; compare them on the Allocation page.",
    )
    bases = BASES if scenario.kind == "accelerator" else ("population", "equal")
    if scenario.cohort.weight_basis in bases:
        choice(
            "Weight basis",
            "cohort.weight_basis",
            list(bases),
            scenario.cohort.weight_basis,
            format_func=lambda name: name.replace("_", " ").capitalize(),
            help="What each region's share of seats follows.",
        )
    else:
        st.caption(f"Weight basis: {scenario.cohort.weight_basis} (edit the YAML to change)")
    slider(
        "Weight exponent",
        "cohort.weight_exponent",
        Cohort,
        "weight_exponent",
        scenario.cohort.weight_exponent,
        step=0.05,
    )
    st.caption("0 = one region, one share · 0.5 = square root · 1 = one person, one share")
    if scenario.kind == "accelerator":
        number(
            "Expected applicants",
            "cohort.expected_applicants",
            Cohort,
            "expected_applicants",
            scenario.cohort.expected_applicants,
            step=100,
            integer=True,
        )
    slots["cohort"] = st.empty()

with budget_column:
    st.subheader("Budget")
    number(
        f"Total budget ({scenario.currency})",
        "budget.total",
        Budget,
        "total",
        scenario.budget.total,
        step=50_000,
        integer=False,
    )
    if scenario.kind == "accelerator":
        number(
            f"Grant cap ({scenario.currency})",
            "budget.grant_cap",
            Budget,
            "grant_cap",
            scenario.budget.grant_cap,
            step=1_000,
            integer=False,
        )
        number(
            f"Grant floor ({scenario.currency})",
            "budget.grant_floor",
            Budget,
            "grant_floor",
            scenario.budget.grant_floor,
            step=1_000,
            integer=False,
        )
        choice(
            "Grant rule",
            "budget.grant_rule",
            list(GRANT_RULES),
            scenario.budget.grant_rule,
            help="equal: one amount · purchasing-power: equal value after prices · "
            "need: by need score · maximin: lift the smallest real grant first",
        )
    elif scenario.roadshow is not None:
        number(
            f"Cost per stop ({scenario.currency})",
            "roadshow.cost_per_stop",
            Roadshow,
            "cost_per_stop",
            scenario.roadshow.cost_per_stop,
            step=1_000,
            integer=False,
        )
        number(
            f"Cost per attendee ({scenario.currency})",
            "roadshow.cost_per_attendee",
            Roadshow,
            "cost_per_attendee",
            scenario.roadshow.cost_per_attendee,
            step=5,
            integer=False,
        )
    slider(
        "Contingency share",
        "budget.contingency_share",
        Budget,
        "contingency_share",
        scenario.budget.contingency_share,
        step=0.01,
    )
    slots["budget"] = st.empty()

with timeline:
    st.subheader("Timeline and risk")
    for i, phase in enumerate(scenario.phases):
        number(
            f"{phase.name.capitalize()} (months)",
            f"phases.{i}.months",
            Phase,
            "months",
            phase.months,
            step=1,
            integer=True,
        )
    slider(
        "Drop-out per month",
        "simulation.dropout_per_month",
        Simulation,
        "dropout_per_month",
        scenario.simulation.dropout_per_month,
        step=0.005,
    )
    slider(
        "Cost uncertainty",
        "simulation.cost_uncertainty",
        Simulation,
        "cost_uncertainty",
        scenario.simulation.cost_uncertainty,
        step=0.01,
    )
    slots["phases"] = st.empty()


def _column(label: str, field: str, *, step: float) -> Any:
    """A number column bounded by the Region model's field, so the table cannot drift."""
    bounds = field_bounds(Region, field)
    return st.column_config.NumberColumn(
        label,
        min_value=bounds.low,
        max_value=bounds.high,
        step=step,
        help=bounds.description,
    )


def _regions_frame(scenario: Scenario) -> pd.DataFrame:
    names = reference.countries()["name"]
    return pd.DataFrame(
        {
            "code": [r.code for r in scenario.regions],
            "country": [str(names.get(r.code, r.name or r.code)) for r in scenario.regions],
            "track": [r.track for r in scenario.regions],
            "priority": [r.priority for r in scenario.regions],
            "floor": [r.floor for r in scenario.regions],
            "cap": pd.array([r.cap for r in scenario.regions], dtype="Int64"),
            "expected_applicants": [r.expected_applicants for r in scenario.regions],
            "need": [r.need for r in scenario.regions],
        }
    )


def _regions_from(frame: pd.DataFrame, scenario: Scenario) -> list[dict[str, Any]]:
    """Regions as plain data, keeping each region's other overrides (matched by code)."""
    before = {region.code: region.model_dump(exclude_none=True) for region in scenario.regions}
    regions = []
    for row in frame.to_dict("records"):
        code = row.get("code")
        if code is None or (isinstance(code, float) and math.isnan(code)) or code == "":
            continue
        region = dict(before.get(str(code), {}))
        region.update({"code": str(code), "track": row.get("track") or scenario.tracks[0].code})
        for field, default in (("priority", 1.0), ("floor", 0), ("need", 1.0)):
            value = row.get(field)
            region[field] = default if value is None or pd.isna(value) else value
        region["floor"] = int(region["floor"])
        for field in ("cap", "expected_applicants"):
            value = row.get(field)
            if value is None or pd.isna(value):
                region.pop(field, None)
            else:
                region[field] = int(value) if field == "cap" else float(value)
        regions.append(region)
    return regions


@st.cache_data(show_spinner=False)
def _city_labels() -> dict[str, str]:
    from planning.roadshow import city_table

    cities = city_table()
    return {
        str(row.city_id): f"{row.name}, {row.state_code} ({int(row.population):,})"
        for row in cities.itertuples()
    }


if scenario.kind == "roadshow" and scenario.roadshow is not None:
    tour = scenario.roadshow
    st.subheader("Cities and audiences")
    labels = _city_labels()
    pins, spread = st.columns([2, 1], gap="large")
    with pins:
        for field, title, help_text in (
            ("required", "Pinned cities", "Always stops, whatever their size or state's share."),
            ("banned", "Banned cities", "Never stops."),
        ):
            current = list(getattr(tour, field))
            key = _init(f"design.roadshow.{field}", current)
            picked = st.multiselect(
                title,
                sorted(set(labels) | set(current)),
                key=key,
                format_func=lambda city: labels.get(city, city),
                help=help_text,
            )
            if picked != current:
                changes[f"roadshow.{field}"] = picked
    with spread:
        choice(
            "Spread stops across",
            "roadshow.spread_by",
            ["state", "census_region", "census_division"],
            tour.spread_by,
            format_func=lambda name: name.replace("_", " ").capitalize() + "s",
        )
        number(
            "Extension to (stops)",
            "roadshow.extend_to",
            Roadshow,
            "extend_to",
            tour.extend_to or scenario.cohort.seats,
            step=1,
            integer=True,
        )
        slider(
            "Turnout uncertainty",
            "roadshow.show_up_uncertainty",
            Roadshow,
            "show_up_uncertainty",
            tour.show_up_uncertainty,
            step=0.01,
        )
    audience_columns = st.columns(max(1, len(scenario.tracks)))
    for i, (column, track) in enumerate(zip(audience_columns, scenario.tracks, strict=True)):
        with column:
            key = _init(f"design.tracks.{i}.show_up_rate", float(track.show_up_rate or 0.0))
            rate = st.slider(
                f"{track.name}: show-up",
                min_value=0.0,
                max_value=1.0,
                step=0.05,
                key=key,
                help="Share of the places filled by people who come.",
            )
            if not math.isclose(rate, track.show_up_rate or 0.0):
                changes[f"tracks.{i}.show_up_rate"] = rate
    slots["regions"] = st.empty()

if scenario.kind == "accelerator":
    st.subheader("Regions")
    st.caption(
        "Add a row to add a country (pick its code), delete a row to drop it. Floor and cap "
        "bound its seats; priority multiplies its weight; expected applicants overrides the "
        "split of the cohort's applicants."
    )
    base_key = "design.regions_base"
    # The editor's edits live in its widget state, which Streamlit drops when the page is
    # left; the table is then rebuilt from the working scenario, which holds those edits.
    if base_key not in st.session_state or "design.regions" not in st.session_state:
        st.session_state[base_key] = _regions_frame(scenario)
    codes = sorted(reference.countries().index.tolist())
    rows_shown = min(len(st.session_state[base_key]) + 2, 30)
    edited = st.data_editor(
        st.session_state[base_key],
        key="design.regions",
        num_rows="dynamic",
        hide_index=True,
        width="stretch",
        height=35 * (rows_shown + 1) + 3,
        column_config={
            "code": st.column_config.SelectboxColumn(
                "Code", options=codes, required=True, help="ISO 3166-1 alpha-2 code"
            ),
            "country": st.column_config.TextColumn("Country", disabled=True),
            "track": st.column_config.SelectboxColumn(
                "Track", options=[track.code for track in scenario.tracks], required=True
            ),
            "priority": _column("Priority", "priority", step=0.1),
            "floor": _column("Floor", "floor", step=1),
            "cap": _column("Cap", "cap", step=1),
            "expected_applicants": _column("Expected applicants", "expected_applicants", step=1),
            "need": _column("Need", "need", step=0.1),
        },
    )
    regions = _regions_from(edited, scenario)
    if regions != [r.model_dump(exclude_none=True) for r in scenario.regions]:
        changes["regions"] = regions
    slots["regions"] = st.empty()


def _apply(scenario: Scenario, changes: dict[str, Any]) -> Scenario | list[Problem]:
    try:
        return replace(scenario, changes)
    except ScenarioError as error:
        return list(error.problems)


SLOT_FOR = {
    "cohort": "cohort",
    "regions": "regions",
    "tracks": "cohort",
    "budget": "budget",
    "phases": "phases",
    "simulation": "phases",
    "roadshow": "budget",
}

if changes:
    outcome = _apply(scenario, changes)
    if isinstance(outcome, Scenario):
        if outcome != scenario:
            state.set_scenario(outcome)
            # Run again so the header, the sidebar's unsaved mark and its Save button, drawn
            # before this edit was read, show it; the plan comes from the cache then.
            st.rerun()
    else:
        grouped: dict[str, list[Problem]] = defaultdict(list)
        for problem in outcome:
            section = problem.path.split(".")[0].split("[")[0]
            grouped[SLOT_FOR.get(section, "cohort")].append(problem)
        for slot, problems in grouped.items():
            with slots.get(slot, slots["cohort"]).container():
                layout.show_problems(problems, "Not applied:")

with plan_slot:
    plan = layout.current_plan()
    if plan is not None:
        layout.headline(plan)
        with st.expander("Seats by region" if scenario.kind == "accelerator" else "Stops by group"):
            if scenario.kind == "accelerator":
                chart = charts.seats_bars(plan.tables["seats"], tracks=plan.tables["tracks"])
            else:
                chart = charts.states_bars(plan.tables["states"])
            st.altair_chart(chart, width="stretch")
