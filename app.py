"""Cohort Planner: the Streamlit app's entry point.

For now the home page lists the scenario library; the pages (design, allocation,
simulation, compare, executive view, export) follow the planning core.
"""

from __future__ import annotations

import pandas as pd
import streamlit as st

from planning.scenario import ScenarioError
from planning.store import Library, StoreError

st.set_page_config(page_title="Cohort Planner", layout="wide")
st.title("Cohort Planner")
st.caption(
    "Plan the next edition of a community-leader programme: seats by country and track, "
    "grants, budget by month, and how fair the split is."
)

library = Library()
rows = []
for entry in library.entries():
    rows.append(
        {
            "scenario": entry.name,
            "title": entry.title,
            "kind": "built-in" if entry.builtin else "saved",
            "versions": entry.versions,
            "last saved": entry.latest.saved_at.strftime("%Y-%m-%d %H:%M"),
        }
    )
st.subheader("Scenario library")
st.dataframe(pd.DataFrame(rows), hide_index=True, width="stretch")

names = [row["scenario"] for row in rows]
if names:
    choice = st.selectbox("Scenario", names, key="home_scenario")
    try:
        scenario = library.load(choice)
    except (ScenarioError, StoreError) as error:
        st.error(str(error))
    else:
        left, middle, right, last = st.columns(4)
        left.metric("Seats", f"{scenario.cohort.seats:,}")
        middle.metric("Regions", f"{len(scenario.regions)}")
        right.metric("Budget", f"{scenario.currency} {scenario.budget.total:,.0f}")
        last.metric("Months", f"{scenario.months}")
        st.write(scenario.description)
