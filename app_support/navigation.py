"""The app's pages, and the guard that keeps every page inside app.py.

Streamlit treats a ``pages/`` folder beside the entry script as its older folder-based
multipage app until the script first calls ``st.navigation``. On a fresh server, the
first visitor arriving on a deep link (say ``/design``) would get that page run alone:
no sidebar, no link handling, no read-only check. Every page therefore starts with
:func:`inside_app`: when app.py is not around the page, it hands navigation to the app's
own page list (which ends the folder mode for the whole server) and reruns, and the rerun
goes through app.py to the same page (or to the landing page, when the read-only
navigation does not offer it).
"""

from __future__ import annotations

import streamlit as st
from streamlit.navigation.page import StreamlitPage

# Set by app.py for as long as it runs the chosen page.
_RUNNING_PAGE = "app.running_page"


def pages(editing: bool) -> dict[str, list[StreamlitPage]]:
    """The navigation: every page while editing, the read-only ones otherwise.

    The executive view is the landing page when not editing; Home is, when editing.
    """
    home = st.Page("pages/home.py", title="Home", icon=":material/home:", default=editing)
    design = st.Page("pages/design.py", title="Design", icon=":material/tune:")
    allocation = st.Page("pages/allocation.py", title="Allocation", icon=":material/pie_chart:")
    simulation = st.Page("pages/simulation.py", title="Simulation", icon=":material/casino:")
    compare = st.Page("pages/compare.py", title="Compare", icon=":material/compare_arrows:")
    executive = st.Page(
        "pages/executive.py",
        title="Executive view",
        icon=":material/summarize:",
        default=not editing,
    )
    export = st.Page("pages/export.py", title="Export", icon=":material/download:")
    if editing:
        return {
            "Plan": [home, design, allocation, simulation],
            "Share": [compare, executive, export],
        }
    return {"Read-only": [executive, allocation, simulation, compare, export]}


def run(navigation: StreamlitPage) -> None:
    """Run the chosen page, marked as run by app.py."""
    st.session_state[_RUNNING_PAGE] = True
    try:
        navigation.run()
    finally:
        st.session_state.pop(_RUNNING_PAGE, None)


def inside_app() -> None:
    """Make sure the page runs inside app.py; rerun through app.py when it does not."""
    if st.session_state.get(_RUNNING_PAGE):
        return
    st.navigation(pages(editing=True), position="hidden")
    st.rerun()
