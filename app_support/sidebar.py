"""The shared sidebar: pick a scenario and version, save, duplicate, revert, share, upload."""

from __future__ import annotations

import streamlit as st

from app_support import state
from app_support.share import ShareError, app_root, share_query
from planning.scenario import MAX_SCENARIO_BYTES, ScenarioError, parse_scenario
from planning.store import StoreError, check_name, slugify


def render() -> None:
    """Draw the sidebar for this session (nothing but the title in the executive view)."""
    with st.sidebar:
        working = state.working()
        if state.exec_view():
            st.caption("Read-only view")
            st.markdown(f"**{working.scenario.name}**")
            return
        _picker(working)
        working = state.working()
        if working.dirty:
            st.warning("Unsaved changes", icon=":material/edit_note:")
        _save(working)
        _share(working)
        _upload()


def _on_pick_scenario() -> None:
    name = st.session_state.get("sidebar.scenario")
    if name:
        _load_or_report(name, None)


def _on_pick_version() -> None:
    name = st.session_state.get("sidebar.scenario")
    version = st.session_state.get("sidebar.version")
    if name and version:
        _load_or_report(name, int(version))


def _load_or_report(name: str, version: int | None) -> None:
    working = state.working()
    if working.dirty and not working.shared:
        st.toast(f"Unsaved changes to {working.label} were left behind.")
    try:
        state.load(name, version)
    except (StoreError, ScenarioError) as error:
        st.session_state["sidebar.error"] = str(error)


def _picker(working: state.Working) -> None:
    lib = state.library()
    entries = lib.entries()
    names = [entry.name for entry in entries]
    titles = {entry.name: entry.title for entry in entries}
    if working.shared:
        st.info(f"Opened from a link or file: **{working.scenario.name}**")
    # The widgets mirror the working scenario; picking calls back and loads before the rerun.
    st.session_state["sidebar.scenario"] = working.name if working.name in names else None
    st.selectbox(
        "Scenario",
        names,
        format_func=lambda name: titles.get(name, name),
        key="sidebar.scenario",
        on_change=_on_pick_scenario,
        placeholder="Pick a scenario",
        help="Built-in scenarios reproduce the real programmes; saved ones are yours.",
    )
    error = st.session_state.pop("sidebar.error", None)
    if error:
        st.error(error)
    if working.shared or working.name not in names:
        return
    history = lib.history(working.name)
    labels = {
        version.number: " · ".join(
            part
            for part in (f"v{version.number}", state.saved_when(version), version.message)
            if part
        )
        for version in history
    }
    st.session_state["sidebar.version"] = working.version
    st.selectbox(
        "Version",
        list(labels),
        format_func=lambda number: labels[number],
        key="sidebar.version",
        on_change=_on_pick_version,
        disabled=len(labels) == 1,
    )


def _save(working: state.Working) -> None:
    with st.expander("Save", expanded=working.dirty):
        message = st.text_input(
            "Message", key="sidebar.message", max_chars=500, placeholder="What changed?"
        )
        label = "Save as a copy" if working.builtin or working.shared else "Save a new version"
        if st.button(label, key="sidebar.save", disabled=not working.dirty and not working.shared):
            lib = state.library()
            try:
                if working.shared:
                    version = lib.save_copy(
                        slugify(working.scenario.name) or "shared", working.scenario, message
                    )
                elif working.builtin:
                    version = lib.save_copy(working.name, working.scenario, message)
                else:
                    version = lib.save(working.name, working.scenario, message)
            except (StoreError, ScenarioError) as error:
                st.error(str(error))
            else:
                state.load(version.name, version.number)
                st.toast(f"Saved {version.name} v{version.number}")
                st.rerun()
        new_name = st.text_input(
            "Duplicate as", key="sidebar.duplicate_name", placeholder="new_scenario_name"
        )
        if st.button("Duplicate", key="sidebar.duplicate", disabled=not new_name):
            lib = state.library()
            try:
                name = check_name(new_name)
                if lib.exists(name):
                    raise StoreError(f"a scenario named {name!r} exists; choose another name")
                version = lib.save(name, working.scenario, f"duplicated from {working.label}")
            except (StoreError, ScenarioError) as error:
                st.error(str(error))
            else:
                state.load(version.name, version.number)
                st.rerun()
        if st.button("Revert to saved", key="sidebar.revert", disabled=not working.dirty):
            state.revert()
            st.rerun()


def _share(working: state.Working) -> None:
    # Drawn only while open: the link's code block is the heaviest thing a browser loads
    # for a first page (about half a second of a cold start).
    with st.expander("Share", key="sidebar.share", on_change="rerun") as box:
        if not box.open:
            return
        if working.dirty or working.shared:
            try:
                query = share_query(scenario=working.scenario)
            except ShareError as error:
                st.warning(f"No link: {error}.", icon=":material/link_off:")
                return
            st.caption("This link carries the unsaved scenario itself.")
        else:
            query = share_query(name=working.name, version=working.version)
            st.caption("Opens this saved version read-only, in the executive view.")
        root = app_root(st.context.url, str(st.get_option("server.baseUrlPath") or ""))
        st.code(f"{root}{query}", language=None, wrap_lines=True)


def _upload() -> None:
    # Drawn only while open, like the share link: a first page loads faster without it.
    with st.expander("Open a YAML file", key="sidebar.open_file", on_change="rerun") as box:
        if not box.open:
            return
        upload = st.file_uploader(
            "Scenario file", type=["yaml", "yml"], key="sidebar.upload", max_upload_size=1
        )
        if upload is None or st.session_state.get("_uploaded") == upload.file_id:
            return
        st.session_state["_uploaded"] = upload.file_id
        raw = upload.getvalue()
        if len(raw) > MAX_SCENARIO_BYTES:
            st.error("The file is larger than a scenario can be (1 MB).")
            return
        try:
            scenario = parse_scenario(raw.decode("utf-8"), upload.name)
        except UnicodeDecodeError:
            st.error(f"{upload.name} is not UTF-8 text; save it as UTF-8 YAML.")
            return
        except ScenarioError as error:
            st.error(f"{upload.name} is not a valid scenario:")
            for problem in error.problems:
                st.markdown(f"- `{problem.path}`: {problem.message}. **Fix:** {problem.fix}")
            return
        state.open_shared(scenario)
        st.rerun()
