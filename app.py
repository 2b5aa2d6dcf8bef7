"""Cohort Planner: the Streamlit app's entry point.

Navigation, the shared sidebar and the session's scenario live here; each page in pages/
reads widgets, asks the planning core (through the cache) for a plan, and draws it.

Links: ``?scenario=NAME&version=N&view=exec`` opens a saved version read-only;
``?s=PAYLOAD&view=exec`` opens an unsaved scenario carried in the link. Set
``COHORT_PLANNER_READ_ONLY=1`` to run a server on which nobody can edit or save.
"""

from __future__ import annotations

import streamlit as st

from app_support import sidebar, state
from app_support.navigation import pages, run
from app_support.share import ShareError, decode_scenario, parse_request
from planning.scenario import ScenarioError
from planning.store import StoreError

st.set_page_config(page_title="Cohort Planner", page_icon=":material/groups:", layout="wide")


def _open_link() -> None:
    """Open what the page's link asks for, once per distinct link."""
    params = {key: st.query_params.get(key, "") for key in ("scenario", "version", "s", "view")}
    signature = tuple(sorted(params.items()))
    if st.session_state.get("link_handled") == signature:
        return
    st.session_state["link_handled"] = signature
    try:
        request = parse_request(params)
        if request.view == "exec":
            st.session_state["exec_view"] = True
        if request.payload:
            state.open_shared(decode_scenario(request.payload))
        elif request.name:
            try:
                state.load(request.name, request.version)
            except StoreError as error:
                raise ShareError(f"the link's scenario cannot be opened: {error}") from None
    except (ShareError, ScenarioError) as error:
        st.session_state["link_error"] = str(error)


_open_link()
state.working()

navigation = st.navigation(pages(editing=not state.exec_view()))
link_error = st.session_state.pop("link_error", None)
if link_error:
    st.error(f"This link could not be opened: {link_error}", icon=":material/link_off:")
sidebar.render()
run(navigation)
