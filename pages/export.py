"""Export: the plan's tables as CSV, the bundle, an Excel workbook and the scenario YAML.

What is previewed is what is downloaded: each table is shown parsed back from its CSV
text. The files are made from the cached plan and cached themselves on the scenario's
canonical JSON and seed, so a download never plans again.
"""

from __future__ import annotations

import io

import pandas as pd
import streamlit as st

from app_support import layout, navigation, state
from planning.export import plan_to_csv, plan_to_xlsx, plan_to_zip
from planning.plan import Plan
from planning.scenario import canonical_json, dump_scenario
from planning.store import slugify

navigation.inside_app()

CSV_MIME = "text/csv"
ZIP_MIME = "application/zip"
XLSX_MIME = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
YAML_MIME = "application/x-yaml"


# The plan is passed along (underscore: not hashed) so a cache miss reuses it, never replans.
@st.cache_data(max_entries=16, show_spinner=False)
def _csv_files(canonical: str, seed: int, _plan: Plan) -> dict[str, str]:
    return plan_to_csv(_plan)


@st.cache_data(max_entries=8, show_spinner="Packing the bundle…")
def _bundle(canonical: str, seed: int, _plan: Plan) -> bytes:
    return plan_to_zip(_plan)


@st.cache_data(max_entries=8, show_spinner="Writing the workbook…")
def _workbook(canonical: str, seed: int, _plan: Plan) -> bytes:
    return plan_to_xlsx(_plan)


def _slug(working: state.Working) -> str:
    """The scenario's file-name stem: its library name, or a slug of its title."""
    if working.shared:
        return slugify(working.scenario.name) or "scenario"
    return working.name


def _preview(text: str) -> pd.DataFrame:
    # Only an empty field is missing: a region coded "NA" (Namibia) must stay "NA".
    return pd.read_csv(io.StringIO(text), keep_default_na=False, na_values=[""])


def render() -> None:
    """Draw the page."""
    working = layout.page_header(
        "Export",
        "The plan's tables as CSV, with the scenario that made them. "
        "What you see below is what the files hold.",
    )
    plan = layout.current_plan()
    if plan is None:
        return
    canonical = canonical_json(plan.scenario)
    stem = f"{_slug(working)}-seed{plan.seed}"
    if working.dirty:
        st.warning(
            "The scenario has unsaved changes: the files describe it as it is now, "
            "not the saved version. Save it first if others must be able to find it.",
            icon=":material/edit_note:",
        )

    st.subheader("Everything at once")
    bundle, workbook, scenario_file = st.columns(3)
    bundle.download_button(
        "Bundle (.zip)",
        # Made on the click, not on every visit to the page (the workbook takes ~0.1 s).
        data=lambda: _bundle(canonical, plan.seed, plan),
        file_name=f"{stem}.zip",
        mime=ZIP_MIME,
        key="export.bundle",
        on_click="ignore",
        icon=":material/folder_zip:",
        type="primary",
        width="stretch",
        help="Every table as CSV, the scenario, a manifest and a README.",
    )
    workbook.download_button(
        "Workbook (.xlsx)",
        data=lambda: _workbook(canonical, plan.seed, plan),
        file_name=f"{stem}.xlsx",
        mime=XLSX_MIME,
        key="export.xlsx",
        on_click="ignore",
        icon=":material/table_view:",
        width="stretch",
        help="One sheet per table, the same cells as the CSV files.",
    )
    scenario_file.download_button(
        "Scenario (.yaml)",
        data=dump_scenario(plan.scenario),
        file_name=f"{_slug(working)}.yaml",
        mime=YAML_MIME,
        key="export.yaml",
        on_click="ignore",
        icon=":material/description:",
        width="stretch",
        help="The scenario alone: open it from the sidebar, or run it from the command line.",
    )
    st.markdown(
        f"The bundle holds every table below as CSV, `scenario.yaml` (the scenario), "
        f"`manifest.json` (planner version, seed {plan.seed}, {plan.draws:,} draws, the "
        f"scenario's hash, the time of export and a SHA-256 of every file) and `README.md` "
        f"(what each table and column means). The same tables come out again, byte for "
        f"byte, with:"
    )
    st.code(
        f"python -m planning run scenario.yaml --seed {plan.seed} --out DIR",
        language="bash",
        wrap_lines=True,
    )

    st.subheader("Tables")
    files = _csv_files(canonical, plan.seed, plan)
    tabs = st.tabs([name.removesuffix(".csv") for name in files])
    for tab, (name, text) in zip(tabs, files.items(), strict=True):
        table = name.removesuffix(".csv")
        with tab:
            frame = _preview(text)
            st.caption(f"{len(frame):,} rows × {len(frame.columns)} columns")
            st.dataframe(frame, hide_index=True, width="stretch")
            st.download_button(
                f"Download {table}.csv",
                data=text,
                file_name=f"{stem}-{table}.csv",
                mime=CSV_MIME,
                key=f"export.csv.{table}",
                on_click="ignore",
                icon=":material/download:",
            )


render()
