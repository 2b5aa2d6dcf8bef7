"""Allocation: who gets the seats (or the stops), what each grant is, and how fair it is.

A view of the working scenario's plan: nothing here edits the scenario. Accelerators show
seats by region and track, grants, fairness indices with the Lorenz curve, every
apportionment method side by side and each region's margin; roadshows show the tour on the
US map and the stops per state against their fair share.
"""

from __future__ import annotations

import math

import pandas as pd
import streamlit as st

from app_support import charts, layout, navigation
from app_support.cache import map_spec
from planning.allocation import allocate_seats
from planning.plan import Plan, index_description
from planning.scenario import canonical_json, parse_scenario

navigation.inside_app()

# Fairness index -> (label, how its value reads).
INDEX_LABELS = {
    "gallagher": ("Gallagher", "{:.2f} pts"),
    "loosemore_hanby": ("Loosemore-Hanby", "{:.1f} pts"),
    "sainte_lague": ("Sainte-Laguë", "{:.2f}"),
    "max_min_ratio": ("Best / worst region", "{:.2f}×"),
    "gini_seats_per_capita": ("Gini, seats per person", "{:.2f}"),
    "gini_real_grant": ("Gini, real grant", "{:.2f}"),
    "quota_violations": ("Quota violations", "{:.0f}"),
}


@st.cache_data(max_entries=16, show_spinner=False)
def _margins(canonical: str) -> pd.DataFrame:
    """Seats with each region's weight margins (keyed on the scenario's canonical form)."""
    return allocate_seats(parse_scenario(canonical), margins=True).table


def _index_text(name: str, value: float) -> str:
    if isinstance(value, float) and math.isnan(value):
        return "n/a"
    if math.isinf(value):
        return "∞"
    return INDEX_LABELS.get(name, (name, "{:.3g}"))[1].format(value)


def _explanation(plan: Plan, label: str) -> None:
    with st.expander(label):
        st.markdown("\n".join(f"- {line}" for line in plan.explanation) or "_Nothing to explain._")


def _accelerator(plan: Plan) -> None:
    scenario = plan.scenario
    currency = scenario.currency
    seats = plan.tables["seats"]
    layout.headline(plan)

    st.subheader("Seats by region and track")
    left, right = st.columns([3, 2], gap="large")
    with left:
        st.altair_chart(charts.seats_bars(seats, tracks=plan.tables["tracks"]), width="stretch")
        st.caption("Bars: seats. Black tick: the region's exact fair share (quota).")
    with right:
        st.altair_chart(charts.track_bars(plan.tables["tracks"]), width="stretch")
        method = scenario.cohort.method.replace("-", " ").title()
        st.caption(
            f"{scenario.cohort.seats:,} seats split by **{method}**, weighted by "
            f"{scenario.cohort.weight_basis.replace('_', ' ')} "
            f"to the power {scenario.cohort.weight_exponent:g}."
        )
        st.vega_lite_chart(map_spec(plan), width="stretch")
        missing = charts.unmapped_regions(seats)
        if missing:
            st.caption(f"Too small for this map: {', '.join(missing)}.")

    st.subheader("Grants")
    st.altair_chart(
        charts.grants_bars(plan.tables["grants"], seats, currency=currency), width="stretch"
    )
    st.caption(
        f"Grant rule: **{scenario.budget.grant_rule}**. Real grants are divided by the "
        "country's price level, so they compare what the money buys (US prices = nominal)."
    )

    st.subheader("Fairness")
    fairness = plan.tables["fairness"]
    numbers, curve = st.columns([1, 1], gap="large")
    with numbers:
        rows = fairness.to_dict("records")
        # One row of two at a time, so a phone reads them in order.
        for start in range(0, len(rows), 2):
            for cell, row in zip(st.columns(2), rows[start : start + 2], strict=False):
                name = str(row["index"])
                cell.metric(
                    INDEX_LABELS.get(name, (name, ""))[0],
                    _index_text(name, float(row["value"])),
                    help=str(row["description"]) or index_description(name),
                )
    with curve:
        if len(plan.charts["lorenz"]):
            st.altair_chart(charts.lorenz(plan.charts["lorenz"]), width="stretch")
            st.caption(
                "Lorenz curve of seats per person: the further below the dashed line of "
                "equality, the more unequal."
            )
        else:
            st.info("No populations are known for these regions, so there is no Lorenz curve.")

    st.subheader("Every method side by side")
    methods_seats = plan.charts["methods_seats"]
    flips = int(methods_seats["flips"].sum()) if "flips" in methods_seats else 0
    st.altair_chart(charts.methods_dots(methods_seats), width="stretch")
    st.caption(
        f"{flips} of {len(methods_seats)} regions get a different number of seats depending "
        "on the method (red line: the range); the others are faded."
    )
    with st.expander("Methods table: seats and fairness indices"):
        methods = plan.tables["methods"]
        indices = [name for name in INDEX_LABELS if name in methods.columns]
        st.dataframe(
            methods,
            hide_index=True,
            width="stretch",
            column_config={
                "method": st.column_config.TextColumn("Method", pinned=True),
                **{
                    name: st.column_config.NumberColumn(
                        INDEX_LABELS[name][0], format="%.2f", help=index_description(name)
                    )
                    for name in indices
                },
            },
        )
        st.caption("One column per region code: its seats under each method; then the indices.")

    _explanation(plan, "How the seats came out: last seat, ties, floors and caps")

    with st.expander("Margins: how much weight a region needs for one more seat"):
        table = _margins(canonical_json(scenario))
        shown = table.assign(
            gain_share=table["margin_gain"] / table["weight"],
            lose_share=table["margin_lose"] / table["weight"],
        ).replace([math.inf, -math.inf], math.nan)
        shown = shown.loc[
            :,
            [
                "name",
                "seats",
                "quota",
                "weight",
                "margin_gain",
                "gain_share",
                "margin_lose",
                "lose_share",
            ],
        ]
        st.dataframe(
            shown,
            hide_index=True,
            width="stretch",
            column_config={
                "name": "Region",
                "seats": "Seats",
                "quota": st.column_config.NumberColumn("Quota", format="%.2f"),
                "weight": st.column_config.NumberColumn("Weight", format="%.0f"),
                "margin_gain": st.column_config.NumberColumn(
                    "Weight to gain a seat", format="%.0f"
                ),
                "gain_share": st.column_config.NumberColumn(
                    "… as share of its weight", format="percent"
                ),
                "margin_lose": st.column_config.NumberColumn(
                    "Weight it can lose and keep its seats", format="%.0f"
                ),
                "lose_share": st.column_config.NumberColumn(
                    "… as share of its weight", format="percent"
                ),
            },
        )
        st.caption(
            "Weight = basis ^ exponent × priority. Empty: no amount of weight would change "
            "the seats (held at a floor or cap)."
        )


def _roadshow(plan: Plan) -> None:
    value = plan.summary_value
    stops = plan.tables["stops"]
    layout.headline(plan)

    st.subheader("The tour")
    st.vega_lite_chart(map_spec(plan), width="stretch")
    first, last = stops.sort_values("order").iloc[[0, -1]]["city"].tolist()
    st.caption(f"The route runs from {first} to {last}; circles grow with expected attendees.")
    cells = st.columns(3)
    cells[0].metric("Route length", f"{value('route_km'):,.0f} km")
    gap = value("route_gap")
    cells[1].metric(
        "Longer than the shortest route",
        "0% (optimal)" if gap <= 0 else f"at most {gap:.1%}",
        help="A lower bound on the shortest possible path through these cities shows the "
        "route cannot be improved by more than this.",
    )
    cells[2].metric(
        "Nearest-neighbour route",
        f"{value('route_nearest_neighbour_km'):,.0f} km",
        help="The simple route (always drive to the closest unvisited city) that the "
        "planner started from and improved.",
    )

    st.subheader("Stops per group against the fair share")
    st.altair_chart(charts.states_bars(plan.tables["states"]), width="stretch")
    st.caption("Bars: stops. Black tick: the group's fair share of the stops.")
    with st.expander("Stops table"):
        columns = [
            column
            for column in (
                "order",
                "date",
                "city",
                "state",
                "group",
                "reason",
                "leg_km",
                "expected_attendees",
                "sessions",
                "partners",
                "colleges",
            )
            if column in stops.columns
        ]
        st.dataframe(
            stops.loc[:, columns],
            hide_index=True,
            width="stretch",
            column_config={
                "order": "Stop",
                "date": "Date",
                "city": "City",
                "state": "State",
                "group": "Group",
                "reason": st.column_config.TextColumn(
                    "Why", help="required: pinned · largest: by size · spread: to cover the map"
                ),
                "leg_km": st.column_config.NumberColumn("Leg (km)", format="%.0f"),
                "expected_attendees": st.column_config.NumberColumn(
                    "Expected attendees", format="%.0f"
                ),
                "sessions": "Sessions",
                "partners": "Partners",
                "colleges": "Colleges",
            },
        )
    _explanation(plan, "How the stops came out: shares, choices, route and calendar")


layout.view_page(
    "Allocation",
    "Who gets the seats, what each grant is, and how fair the split is.",
    _accelerator,
    _roadshow,
    tour_caption="Where the tour stops, why there, in what order, and how fair the spread is.",
)
