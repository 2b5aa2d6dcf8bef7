"""Home: the scenario library, the working scenario's headline figures, where to go next."""

from __future__ import annotations

import pandas as pd
import streamlit as st

from app_support import layout, navigation, state

navigation.inside_app()

working = layout.page_header(
    "Cohort Planner",
    "Plan the next edition of a community-leader programme: seats by country and track, "
    "grants, budget by month, and how fair the split is.",
)
plan = layout.current_plan()
if plan is not None:
    layout.headline(plan)
st.markdown(working.scenario.description or "_No description._")

st.subheader("Scenario library")
rows = [
    {
        "scenario": entry.name,
        "title": entry.title,
        "kind": "built-in" if entry.builtin else "saved",
        "versions": entry.versions,
        "last saved": state.saved_when(entry.latest),
    }
    for entry in state.library().entries()
]
st.dataframe(pd.DataFrame(rows), hide_index=True, width="stretch")
st.caption(
    "Pick a scenario in the sidebar. Built-in scenarios are read-only: saving one saves a copy."
)

st.subheader("Where next")
left, middle, right = st.columns(3)
left.page_link("pages/design.py", label="Design: reshape the scenario", icon=":material/tune:")
middle.page_link(
    "pages/allocation.py", label="Allocation: seats, grants, fairness", icon=":material/pie_chart:"
)
right.page_link(
    "pages/export.py", label="Export: CSV tables and bundle", icon=":material/download:"
)
