"""The app driven headless with streamlit.testing.v1.AppTest, widgets moved by key.

Every page renders for every built-in scenario, in the editing view and in the read-only
executive view; the Design page's widgets move the plan exactly as the planning core says
(the expected figures come from ``build_plan`` on ``planning.scenario.replace``, a path
through the core that shares nothing with the page); invalid edits are refused with the
field named; links that cannot be opened say so; saving adds a version to the library and
never touches the built-in files; downloads carry the core's CSV.

Each test gets its own scenario library in a temporary folder (``COHORT_PLANNER_LIBRARY``)
and a fresh ``app_support.state.library()`` resource.
"""

from __future__ import annotations

import io
import json
import re
import zipfile
from collections.abc import Iterator
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, urlsplit

import openpyxl
import pandas as pd
import pytest
import streamlit as st
import streamlit.testing.v1.app_test as app_test_module
from streamlit.runtime.media_file_manager import MediaFileManager
from streamlit.runtime.pages_manager import PagesManager
from streamlit.testing.v1 import AppTest

from app_support import cache
from app_support.bounds import field_bounds
from planning import export
from planning.plan import Plan, build_plan
from planning.scenario import (
    Budget,
    Cohort,
    Phase,
    Region,
    Roadshow,
    Scenario,
    Simulation,
    Track,
    dump_scenario,
    load_scenario,
    parse_scenario,
    replace,
    scenario_hash,
)
from planning.store import Library

from .conftest import BUILTIN_FILES, ROOT

APP = ROOT / "app.py"
PAGES = sorted(f"pages/{path.name}" for path in (ROOT / "pages").glob("*.py"))
BUILTIN_NAMES = [path.stem for path in BUILTIN_FILES]
ACCELERATOR = "community_accelerator_2022"
ROADSHOW = "community_boost_2018"
RUN_TIMEOUT_S = 60

# The headline metric each label shows, as a figure of the plan's summary table.
HEADLINE_FIGURES = {
    "accelerator": {
        "Seats": "seats",
        "Regions": "regions",
        "Budget": "budget",
        "Mean grant": "mean_grant",
        "Chance of overrun": "p_overrun",
        "Gallagher index": "gallagher",
    },
    "roadshow": {
        "Stops": "stops",
        "States": "states",
        "Trained (median)": "trained_p50",
        "Cost (median)": "cost_p50",
        "Cost per trained": "cost_per_trained_p50",
        "Chance of reaching goal": "p_reach_goal",
    },
}

# Element types a reader could edit or act with. Links and page links are not among them:
# they move around the read-only app, they change nothing.
INPUT_TYPES = frozenset(
    {
        "audio_input",
        "button",
        "button_group",
        "camera_input",
        "chat_input",
        "checkbox",
        "color_picker",
        "data_editor",
        "date_input",
        "datetime_input",
        "download_button",
        "feedback",
        "file_uploader",
        "multiselect",
        "number_input",
        "pills",
        "radio",
        "segmented_control",
        "select_slider",
        "selectbox",
        "slider",
        "text_area",
        "text_input",
        "time_input",
        "toggle",
    }
)

# Input types a page may still show in the read-only view, by page: controls that change what
# is looked at or taken away, never the scenario. The executive view itself shows no input
# at all, and no page shows an editing or saving control (checked by the keys below).
READ_ONLY_ALLOWED: dict[str, frozenset[str]] = {
    "pages/compare.py": frozenset({"multiselect"}),
    "pages/simulation.py": frozenset({"radio", "selectbox"}),
    "pages/export.py": frozenset({"download_button"}),
}
# Widget keys that edit or save: none of them may appear in a read-only session.
EDITING_KEY_PREFIXES = ("design.", "sidebar.")

SECTION_MODELS: dict[str, type[Any]] = {
    "cohort": Cohort,
    "budget": Budget,
    "simulation": Simulation,
    "roadshow": Roadshow,
    "phases": Phase,
    "tracks": Track,
}


# --- fixtures and helpers --------------------------------------------------------------------


@pytest.fixture
def library(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> Iterator[Path]:
    """A scenario library of this test's own, in a fresh process-wide library resource."""
    root = tmp_path / "library"
    monkeypatch.setenv("COHORT_PLANNER_LIBRARY", str(root))
    monkeypatch.delenv("COHORT_PLANNER_READ_ONLY", raising=False)
    monkeypatch.chdir(ROOT)
    st.cache_resource.clear()
    yield root
    st.cache_resource.clear()


def _walk(node: Any) -> Iterator[Any]:
    yield node
    children = getattr(node, "children", None) or {}
    for child in children.values():
        yield from _walk(child)


def _run(at: AppTest) -> AppTest:
    """Run the app and fail on any exception it shows."""
    at.run()
    assert not at.exception, [exception.value for exception in at.exception]
    return at


def _start(query: dict[str, str] | None = None) -> AppTest:
    at = AppTest.from_file(str(APP), default_timeout=RUN_TIMEOUT_S)
    for key, value in (query or {}).items():
        at.query_params[key] = value
    return _run(at)


def _open(at: AppTest, name: str) -> None:
    """Pick a scenario in the sidebar, as a designer does."""
    at.selectbox(key="sidebar.scenario").set_value(name)
    _run(at)
    assert at.session_state["working"].name == name


def _page(at: AppTest, page: str) -> AppTest:
    at.switch_page(page)
    return _run(at)


def _errors(at: AppTest) -> list[str]:
    return [str(error.value) for error in at.error]


def _inputs(at: AppTest) -> list[str]:
    """Every input element on the page and in the sidebar, as ``type:key``."""
    found = []
    for node in [*_walk(at.main), *_walk(at.sidebar)]:
        kind = getattr(node, "type", None)
        if kind == "dataframe":
            proto = node.proto
            # A data editor is a dataframe whose cells can be edited.
            if proto.editing_mode != type(proto).EditingMode.READ_ONLY:
                found.append(f"data_editor:{getattr(node, 'key', None)}")
        elif kind in INPUT_TYPES:
            found.append(f"{kind}:{getattr(node, 'key', None)}")
    return found


def _metrics(at: AppTest) -> dict[str, str]:
    return {metric.label: str(metric.value) for metric in at.metric}


_FIGURE = re.compile(r"^(?:[A-Z]{3} )?(-?[\d,]*\.?\d*)(M|%)?$")


def _shown(text: str) -> tuple[float, float]:
    """A metric's text as (value, half of its last shown digit): ``USD 3.20M`` is 3.2e6."""
    match = _FIGURE.match(text.strip())
    assert match, f"unreadable metric {text!r}"
    digits, suffix = match.groups()
    decimals = len(digits.split(".")[1]) if "." in digits else 0
    scale = {"M": 1e6, "%": 0.01, None: 1.0}[suffix]
    return float(digits.replace(",", "")) * scale, 0.5 * 10.0**-decimals * scale


def _assert_headline_is(at: AppTest, plan: Plan) -> None:
    """The metrics shown are the plan's summary figures, to the digits shown."""
    shown = _metrics(at)
    figures = HEADLINE_FIGURES[plan.scenario.kind]
    assert set(figures) <= set(shown), shown
    for label, figure in figures.items():
        value, half_digit = _shown(shown[label])
        expected = plan.summary_value(figure)
        assert abs(value - expected) <= half_digit * (1 + 1e-9), (label, shown[label], expected)


def _builtin(name: str) -> Scenario:
    return load_scenario(ROOT / "scenarios" / f"{name}.yaml")


# --- every page renders ----------------------------------------------------------------------


def test_the_pages_are_found() -> None:
    assert {"pages/home.py", "pages/design.py", "pages/export.py"} <= set(PAGES)


@pytest.mark.parametrize("page", PAGES)
@pytest.mark.parametrize("name", BUILTIN_NAMES)
def test_every_page_renders_every_builtin(library: Path, name: str, page: str) -> None:
    at = _start()
    _open(at, name)
    _page(at, page)
    assert _errors(at) == []
    assert at.title, f"{page} shows no title"
    assert not any("being built" in str(info.value) for info in at.info), f"{page} is a placeholder"
    # The page shows the scenario that was picked, not the default one.
    scenario = _builtin(name)
    assert at.session_state["working"].scenario == scenario


@pytest.mark.parametrize("name", BUILTIN_NAMES)
def test_home_and_design_show_the_scenarios_headline(library: Path, name: str) -> None:
    at = _start()
    _open(at, name)
    plan = build_plan(_builtin(name))
    _assert_headline_is(at, plan)
    _page(at, "pages/design.py")
    _assert_headline_is(at, plan)


# --- a fresh server's first visitor ----------------------------------------------------------


def _first_visit(monkeypatch: pytest.MonkeyPatch, page: str) -> AppTest:
    """A visitor arriving on ``page`` before any run of app.py on this server.

    With a ``pages/`` folder, Streamlit runs such a page alone in its folder-based mode;
    every run here starts in that mode, as a fresh server does.
    """
    monkeypatch.setattr(app_test_module, "PagesManager", PagesManager)
    at = AppTest.from_file(str(APP), default_timeout=RUN_TIMEOUT_S)
    at.switch_page(page)
    return _run(at)


@pytest.mark.parametrize("page", PAGES)
def test_a_first_visit_to_any_page_runs_inside_the_app(
    library: Path, monkeypatch: pytest.MonkeyPatch, page: str
) -> None:
    later = _page(_start(), page)
    at = _first_visit(monkeypatch, page)
    # app.py ran: its sidebar is there, showing the working scenario.
    assert at.selectbox(key="sidebar.scenario").value == at.session_state["working"].name
    assert _errors(at) == []
    # ... and it ran the page asked for, as a visit on a server already running shows it.
    assert [title.value for title in at.title] == [title.value for title in later.title]
    assert [metric.label for metric in at.metric] == [metric.label for metric in later.metric]


def test_a_first_visit_to_design_on_a_read_only_server_edits_nothing(
    library: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("COHORT_PLANNER_READ_ONLY", "1")
    at = _first_visit(monkeypatch, "pages/design.py")
    assert at.title[0].value == "Executive view"
    assert _inputs(at) == []


# --- the executive view ----------------------------------------------------------------------


def _exec_pages(at: AppTest) -> list[str]:
    """The pages the read-only navigation offers (switching to any other one fails)."""
    offered = []
    for page in PAGES:
        try:
            at.switch_page(page)
        except ValueError:
            continue
        offered.append(page)
    return offered


def _assert_read_only(at: AppTest, scenario: Scenario) -> None:
    pages = _exec_pages(at)
    assert "pages/design.py" not in pages
    assert "pages/executive.py" in pages
    with pytest.raises(ValueError, match="design"):
        at.switch_page("pages/design.py")
    inputs, errors = {}, {}
    for page in pages:
        _page(at, page)
        inputs[page], errors[page] = _inputs(at), _errors(at)
        assert at.session_state["working"].scenario == scenario, page
    assert inputs["pages/executive.py"] == []
    unexpected = {
        page: [item for item in found if item.split(":")[0] not in READ_ONLY_ALLOWED.get(page, ())]
        for page, found in inputs.items()
    }
    assert {page: found for page, found in unexpected.items() if found} == {}
    editing = {
        page: [item for item in found if item.split(":", 1)[1].startswith(EDITING_KEY_PREFIXES)]
        for page, found in inputs.items()
    }
    assert {page: found for page, found in editing.items() if found} == {}
    assert {page: found for page, found in errors.items() if found} == {}


@pytest.mark.parametrize("name", BUILTIN_NAMES)
def test_an_executive_link_shows_no_input(library: Path, name: str) -> None:
    at = _start({"scenario": name, "version": "1", "view": "exec"})
    assert _inputs(at) == []
    _assert_read_only(at, _builtin(name))


@pytest.mark.parametrize("name", BUILTIN_NAMES)
def test_the_executive_view_shows_the_plan(library: Path, name: str) -> None:
    at = _start({"scenario": name, "version": "1", "view": "exec"})
    plan = build_plan(_builtin(name))
    _assert_headline_is(at, plan)
    headers = [str(header.value) for header in at.subheader]
    map_title = "The tour" if plan.scenario.kind == "roadshow" else "Seats by country"
    assert {map_title, "Budget by month", "Risks", "About this scenario"} <= set(headers)
    # The risks name the budget and the overrun chance the plan gives.
    risks = " ".join(str(block.value) for block in at.markdown)
    assert "Overrun:" in risks
    assert f"{plan.scenario.currency} " in risks


@pytest.mark.parametrize("name", [ACCELERATOR, ROADSHOW])
def test_a_read_only_server_shows_no_input(
    library: Path, monkeypatch: pytest.MonkeyPatch, name: str
) -> None:
    monkeypatch.setenv("COHORT_PLANNER_READ_ONLY", "1")
    at = _start({"scenario": name})
    assert _inputs(at) == []
    _assert_read_only(at, _builtin(name))


def test_the_editing_view_has_inputs(library: Path) -> None:
    # Guards the read-only tests: the same walk finds the sidebar's and the page's inputs.
    at = _start()
    _page(at, "pages/design.py")
    found = _inputs(at)
    assert "selectbox:sidebar.scenario" in found
    assert "button:sidebar.save" in found
    assert "number_input:design.cohort.seats" in found
    assert "data_editor:design.regions" in found


# --- the Design page moves the plan as the core says -----------------------------------------

EDITS = [
    (ACCELERATOR, "number_input", "cohort.seats", 60),
    (ACCELERATOR, "number_input", "budget.total", 2_500_000.0),
    (ACCELERATOR, "selectbox", "cohort.method", "jefferson"),
    (ACCELERATOR, "slider", "cohort.weight_exponent", 1.0),
    ("community_accelerator_2020", "number_input", "cohort.seats", 50),
    (ROADSHOW, "number_input", "cohort.seats", 20),
    (ROADSHOW, "number_input", "roadshow.cost_per_stop", 60_000.0),
]


@pytest.mark.parametrize(("name", "widget", "path", "value"), EDITS)
def test_a_design_edit_moves_the_plan_as_the_core_says(
    library: Path, name: str, widget: str, path: str, value: Any
) -> None:
    at = _start()
    _open(at, name)
    _page(at, "pages/design.py")
    before = _builtin(name)
    expected_scenario = replace(before, {path: value})
    expected, baseline = build_plan(expected_scenario), build_plan(before)
    figures = HEADLINE_FIGURES[before.kind].values()
    # The edit must move at least one headline figure, or this test could not tell.
    assert any(expected.summary_value(f) != baseline.summary_value(f) for f in figures)

    getattr(at, widget)(key=f"design.{path}").set_value(value)
    _run(at)

    assert _errors(at) == []
    assert scenario_hash(at.session_state["working"].scenario) == scenario_hash(expected_scenario)
    _assert_headline_is(at, expected)


INVALID_EDITS = [
    # The cap of the 2022 edition is 40,000; a floor above it breaks check_grant_bounds.
    (ACCELERATOR, "budget.grant_floor", 50_000.0, "budget.grant_floor"),
    # Its one phase lasting 0 months breaks check_phase_months.
    (ACCELERATOR, "phases.0.months", 0, "phases[0].months"),
    # The 2018 tour is extended to 50 stops; 51 planned stops put the extension below them.
    (ROADSHOW, "cohort.seats", 51, "roadshow.extend_to"),
]


@pytest.mark.parametrize(("name", "path", "value", "field"), INVALID_EDITS)
def test_an_invalid_edit_names_the_field_and_keeps_the_plan(
    library: Path, name: str, path: str, value: Any, field: str
) -> None:
    at = _start()
    _open(at, name)
    _page(at, "pages/design.py")
    before = _builtin(name)
    with pytest.raises(ValueError, match=re.escape(field)):
        replace(before, {path: value})  # the core refuses it too

    at.number_input(key=f"design.{path}").set_value(value)
    _run(at)

    errors = _errors(at)
    assert any(field in error for error in errors), errors
    assert at.session_state["working"].scenario == before
    _assert_headline_is(at, build_plan(before))


@pytest.mark.parametrize("name", [ACCELERATOR, ROADSHOW])
def test_design_widget_ranges_are_the_models_bounds(library: Path, name: str) -> None:
    at = _start()
    _open(at, name)
    _page(at, "pages/design.py")
    checked = []
    for widget in [*at.number_input, *at.slider]:
        key = str(widget.key or "")
        if not key.startswith("design."):
            continue
        parts = key.removeprefix("design.").split(".")
        model = SECTION_MODELS[parts[0]]
        bounds = field_bounds(model, parts[-1])
        low = bounds.low if bounds.low is not None else 0.0
        assert widget.min == low, (key, widget.min, bounds)
        if bounds.high is not None:
            assert widget.max == bounds.high, (key, widget.max, bounds)
        checked.append(key)
    assert "design.cohort.seats" in checked
    assert "design.phases.0.months" in checked


def test_region_table_columns_are_the_models_bounds(library: Path) -> None:
    at = _start()
    _page(at, "pages/design.py")
    [editor] = [
        frame for frame in at.dataframe if frame.proto.editing_mode != frame.proto.READ_ONLY
    ]
    columns = json.loads(editor.proto.columns)
    numeric = {
        name: config["type_config"]
        for name, config in columns.items()
        if config.get("type_config", {}).get("type") == "number"
    }
    assert {"priority", "floor", "cap", "need"} <= set(numeric)
    drift = {}
    for name, config in numeric.items():
        bounds = field_bounds(Region, name)
        shown = (config.get("min_value"), config.get("max_value"))
        if shown != (bounds.low, bounds.high):
            drift[name] = {"column": shown, "model": (bounds.low, bounds.high)}
    assert drift == {}


# --- links that cannot be opened -------------------------------------------------------------


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        ({"scenario": "nope"}, "no scenario 'nope'"),
        ({"scenario": "nope", "view": "exec"}, "no scenario 'nope'"),
        ({"s": "garbage"}, "damaged"),
        ({"s": "garbage", "view": "exec"}, "damaged"),
        ({"scenario": ACCELERATOR, "version": "x"}, "not a number"),
        ({"scenario": ACCELERATOR, "version": "7"}, "has only version 1"),
    ],
)
def test_a_link_that_cannot_be_opened_says_so(
    library: Path, query: dict[str, str], expected: str
) -> None:
    at = _start(query)
    errors = _errors(at)
    assert any("could not be opened" in error and expected in error for error in errors), errors
    # The app carries on with a scenario of its own rather than failing.
    assert isinstance(at.session_state["working"].scenario, Scenario)
    assert at.title


def _share_link(at: AppTest) -> dict[str, str]:
    """Open the sidebar's Share box and read the link's query."""
    at.session_state["sidebar.share"] = True
    _run(at)
    (link,) = [str(code.value) for code in at.sidebar.code]
    return {key: values[-1] for key, values in parse_qs(urlsplit(link).query).items()}


def test_the_share_box_links_a_saved_version_read_only(library: Path) -> None:
    at = _start()
    _open(at, ROADSHOW)
    assert at.sidebar.code == []  # the link is drawn only while the box is open
    query = _share_link(at)
    assert query == {"scenario": ROADSHOW, "version": "1", "view": "exec"}
    opened = _start(query)
    assert opened.session_state["working"].scenario == _builtin(ROADSHOW)
    assert _inputs(opened) == []


def test_the_share_box_carries_an_unsaved_scenario(library: Path) -> None:
    at = _start()
    _edit_seats(at, 61)
    query = _share_link(at)
    assert set(query) == {"s", "view"}
    opened = _start(query)
    assert opened.session_state["working"].scenario == replace(
        _builtin(ACCELERATOR), {"cohort.seats": 61}
    )
    assert _metrics(opened)["Seats"] == "61"
    assert _inputs(opened) == []


# --- saving ----------------------------------------------------------------------------------


def _edit_seats(at: AppTest, seats: int) -> None:
    _page(at, "pages/design.py")
    at.number_input(key="design.cohort.seats").set_value(seats)
    _run(at)


def _save(at: AppTest, message: str) -> None:
    at.text_input(key="sidebar.message").input(message)
    _run(at)
    save = at.button(key="sidebar.save")
    assert not save.disabled
    save.click()
    _run(at)


def test_saving_a_builtin_makes_a_copy_and_leaves_the_file_alone(library: Path) -> None:
    originals = {path: path.read_bytes() for path in BUILTIN_FILES}
    at = _start()
    _edit_seats(at, 60)
    _save(at, "fewer seats")

    assert _errors(at) == []
    copy = f"{ACCELERATOR}-copy"
    lib = Library(library)
    history = lib.history(copy)
    assert [(version.number, version.message) for version in history] == [(1, "fewer seats")]
    assert lib.load(copy) == replace(_builtin(ACCELERATOR), {"cohort.seats": 60})
    assert (library / "saved" / copy).is_dir()
    working = at.session_state["working"]
    assert (working.name, working.version, working.dirty) == (copy, 1, False)
    assert any(f"{copy} v1" in str(toast.value) for toast in at.toast)
    assert {path: path.read_bytes() for path in BUILTIN_FILES} == originals

    # Saving the copy again adds a version to it.
    _edit_seats(at, 70)
    assert at.button(key="sidebar.save").label == "Save a new version"
    _save(at, "a few more")
    assert [version.message for version in lib.history(copy)] == ["fewer seats", "a few more"]
    assert lib.load(copy, 2).cohort.seats == 70
    assert lib.load(copy, 1).cohort.seats == 60
    assert at.session_state["working"].version == 2
    assert {path: path.read_bytes() for path in BUILTIN_FILES} == originals


def test_version_labels_give_the_save_time_of_saved_versions_only(library: Path) -> None:
    at = _start()
    # A built-in's file time is a clone's or a checkout's, not a save: it is not shown.
    assert at.selectbox(key="sidebar.version").options == ["v1 · built-in"]
    _edit_seats(at, 60)
    _save(at, "fewer seats")
    (version,) = Library(library).history(f"{ACCELERATOR}-copy")
    assert at.selectbox(key="sidebar.version").options == [
        f"v1 · {version.saved_at:%Y-%m-%d %H:%M} · fewer seats"
    ]


def test_the_sidebar_sees_an_edit_in_the_same_run(library: Path) -> None:
    at = _start()
    _edit_seats(at, 60)
    assert not at.button(key="sidebar.save").disabled
    assert [str(warning.value) for warning in at.sidebar.warning] == ["Unsaved changes"]


def test_the_design_header_marks_an_edit_in_the_same_run(library: Path) -> None:
    at = _start()
    _edit_seats(at, 60)
    assert any("unsaved changes" in str(caption.value) for caption in at.caption)


# --- downloads -------------------------------------------------------------------------------


@pytest.fixture
def downloads(monkeypatch: pytest.MonkeyPatch) -> dict[str, Any]:
    """What each download button hands the browser, by URL (or deferred file id).

    AppTest keeps download data in a media file manager that lives for one run only, so
    the data is recorded on its way in.
    """
    captured: dict[str, Any] = {}
    add, add_deferred = MediaFileManager.add, MediaFileManager.add_deferred

    def record(self: MediaFileManager, data: Any, *args: Any, **kwargs: Any) -> str:
        url: str = add(self, data, *args, **kwargs)
        captured[url] = data
        return url

    def record_deferred(self: MediaFileManager, data: Any, *args: Any, **kwargs: Any) -> str:
        file_id: str = add_deferred(self, data, *args, **kwargs)
        captured[file_id] = data
        return file_id

    monkeypatch.setattr(MediaFileManager, "add", record)
    monkeypatch.setattr(MediaFileManager, "add_deferred", record_deferred)
    return captured


def _downloaded(at: AppTest, captured: dict[str, Any], key: str) -> bytes:
    proto = at.download_button(key=key).proto
    data = captured[proto.url] if proto.url else captured[proto.deferred_file_id]
    if callable(data):
        data = data()
    return data.encode("utf-8") if isinstance(data, str) else bytes(data)


def _csv_keys(at: AppTest) -> dict[str, str]:
    """Download button key by CSV file name, for the per-table buttons."""
    keys = {}
    for button in at.download_button:
        key = str(button.key or "")
        if key.startswith("export.csv."):
            keys[f"{key.removeprefix('export.csv.')}.csv"] = key
    return keys


@pytest.mark.parametrize("name", [ACCELERATOR, ROADSHOW])
def test_the_downloads_carry_the_plans_csv(
    library: Path, downloads: dict[str, Any], name: str
) -> None:
    at = _start()
    _open(at, name)
    _page(at, "pages/export.py")
    scenario = _builtin(name)
    expected = export.plan_to_csv(build_plan(scenario))
    keys = _csv_keys(at)
    assert set(keys) == set(expected)
    for file_name, key in keys.items():
        assert _downloaded(at, downloads, key) == expected[file_name].encode("utf-8"), file_name
    # The bundle holds the same tables and the scenario that made them.
    with zipfile.ZipFile(io.BytesIO(_downloaded(at, downloads, "export.bundle"))) as bundle:
        for file_name, text in expected.items():
            members = [member for member in bundle.namelist() if member.endswith(file_name)]
            assert len(members) == 1, (file_name, bundle.namelist())
            assert bundle.read(members[0]).decode("utf-8") == text, file_name
        [scenario_member] = [m for m in bundle.namelist() if m.endswith("scenario.yaml")]
        assert parse_scenario(bundle.read(scenario_member).decode("utf-8")) == scenario
    assert parse_scenario(_downloaded(at, downloads, "export.yaml").decode("utf-8")) == scenario
    # The workbook: one sheet per table, made when clicked.
    workbook = openpyxl.load_workbook(io.BytesIO(_downloaded(at, downloads, "export.xlsx")))
    assert workbook.sheetnames == [file_name.removesuffix(".csv") for file_name in expected]


def test_the_downloads_follow_an_edit(library: Path, downloads: dict[str, Any]) -> None:
    at = _start()
    _edit_seats(at, 60)
    _page(at, "pages/export.py")
    edited = replace(_builtin(ACCELERATOR), {"cohort.seats": 60})
    expected = export.plan_to_csv(build_plan(edited))["seats.csv"]
    seats_csv = _downloaded(at, downloads, _csv_keys(at)["seats.csv"])
    assert seats_csv == expected.encode("utf-8")
    assert int(pd.read_csv(io.BytesIO(seats_csv))["seats"].sum()) == 60


def test_plans_are_cached_on_the_canonical_form_and_seed(monkeypatch: pytest.MonkeyPatch) -> None:
    made: list[tuple[str, int]] = []
    real = cache.build_plan

    def counting(scenario: Scenario, seed: int, draws: int) -> Plan:
        made.append((scenario.name, seed))
        return real(scenario, seed=seed, draws=draws)

    monkeypatch.setattr(cache, "build_plan", counting)
    st.cache_data.clear()
    scenario = replace(_builtin(ACCELERATOR), {"simulation.draws": 200})
    same = parse_scenario(dump_scenario(scenario))  # equal, but another object
    first = cache.plan_for(scenario)
    assert cache.plan_for(same).tables["seats"].equals(first.tables["seats"])
    assert len(made) == 1
    cache.plan_for(scenario, seed=scenario.simulation.seed + 1)
    cache.plan_for(replace(scenario, {"cohort.seats": 79}))
    assert len(made) == 3
    # Bounded: after 32 other plans the first is made again.
    for seats in range(40, 72):
        cache.plan_for(replace(scenario, {"cohort.seats": seats}))
    cache.plan_for(scenario)
    assert made[-1] == (scenario.name, scenario.simulation.seed)
    assert len(made) == 3 + 32 + 1


@pytest.mark.parametrize(
    ("name", "core"),
    [(ACCELERATOR, "app_support.cache.plan_metrics"), (ROADSHOW, "planning.roadshow.tour_metrics")],
)
def test_sensitivity_points_run_on_the_draws_the_page_states(
    monkeypatch: pytest.MonkeyPatch, name: str, core: str
) -> None:
    # The Simulation page says its tornado and heatmap use SENSITIVITY_DRAWS draws.
    seen: list[int] = []

    def spy(scenario: Scenario, seed: int) -> dict[str, float]:
        seen.append(scenario.simulation.draws)
        return {}

    monkeypatch.setattr(core, spy)
    scenario = _builtin(name)
    assert scenario.simulation.draws != cache.SENSITIVITY_DRAWS
    cache._metrics(scenario, seed=1)
    assert seen == [cache.SENSITIVITY_DRAWS]
