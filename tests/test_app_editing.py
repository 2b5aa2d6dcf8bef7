"""The app's editing paths driven headless with AppTest: the regions table, duplicate, revert,
YAML upload, and picking a scenario or a version in the sidebar.

AppTest 1.67 drives both widgets these paths need. The regions table (``st.data_editor``) is
edited the way the browser does it: its edit state (``edited_rows``, ``added_rows``,
``deleted_rows``, rows numbered as the table shows them) is assigned in session state before
a run. The uploader takes ``(file name, bytes, mime type)`` through ``set_value``.

Expected figures come from the planning core on ``planning.scenario.replace`` of the built-in
file, or from working by hand (shown in comments), never from the page. Each test has its own
scenario library in a temporary folder (the ``library`` fixture of ``test_app``).
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

import pytest
import yaml
from streamlit.testing.v1 import AppTest

from planning.allocation import allocate_seats
from planning.plan import build_plan
from planning.scenario import Scenario, ScenarioError, load_scenario, replace, scenario_from_dict
from planning.store import Library

from .conftest import ROOT
from .test_app import (
    ACCELERATOR,
    ROADSHOW,
    _assert_headline_is,
    _builtin,
    _edit_seats,
    _errors,
    _open,
    _page,
    _run,
    _save,
    _start,
    library,  # noqa: F401  (the fixture every test here uses, below)
)

YAML_TYPE = "application/x-yaml"

# Every test runs in a scenario library of its own (see test_app.library).
pytestmark = pytest.mark.usefixtures("library")


# --- helpers ---------------------------------------------------------------------------------


def _region_dicts(scenario: Scenario) -> list[dict[str, Any]]:
    return [region.model_dump(exclude_none=True) for region in scenario.regions]


def _index(scenario: Scenario, code: str) -> int:
    return [region.code for region in scenario.regions].index(code)


def _edit_regions(
    at: AppTest,
    edited: dict[int, dict[str, Any]] | None = None,
    added: list[dict[str, Any]] | None = None,
    deleted: list[int] | None = None,
) -> None:
    """Edit the Design page's regions table as the browser would, then run."""
    at.session_state["design.regions"] = {
        "edited_rows": edited or {},
        "added_rows": added or [],
        "deleted_rows": deleted or [],
    }
    _run(at)


def _design() -> AppTest:
    """The Design page of a fresh session, on the default scenario (the 2022 accelerator)."""
    return _page(_start(), "pages/design.py")


def _seats_shown(at: AppTest) -> dict[str, int]:
    """Seats by region code as the Allocation page's methods table shows them.

    That table has one row per apportionment method and one column per region code; the row
    of the scenario's own method holds the plan's seats.
    """
    _page(at, "pages/allocation.py")
    method = at.session_state["working"].scenario.cohort.method
    codes = {region.code for region in at.session_state["working"].scenario.regions}
    [table] = [frame.value for frame in at.dataframe if "method" in frame.value.columns]
    [row] = table[table["method"] == method].to_dict("records")
    return {code: int(seats) for code, seats in row.items() if code in codes}


def _library() -> Path:
    """This test's scenario library, where the ``library`` fixture put it."""
    return Path(os.environ["COHORT_PLANNER_LIBRARY"])


def _tree(root: Path) -> dict[str, bytes]:
    """Every file under ``root`` with its bytes, by path relative to ``root`` (none if absent)."""
    if not root.exists():
        return {}
    return {
        str(path.relative_to(root)): path.read_bytes()
        for path in sorted(root.rglob("*"))
        if path.is_file()
    }


def _builtin_files() -> dict[str, bytes]:
    """The built-in scenario files (``scenarios/*.yaml``) with their bytes, by name."""
    return {path.name: path.read_bytes() for path in sorted((ROOT / "scenarios").glob("*.yaml"))}


def _open_file_box(at: AppTest) -> None:
    """Open the sidebar's "Open a YAML file" box: its uploader is drawn only while open."""
    if at.session_state["sidebar.open_file"]:
        return
    assert at.sidebar.get("file_uploader") == []
    at.session_state["sidebar.open_file"] = True
    _run(at)


def _uploaded(at: AppTest, file_name: str, data: bytes) -> None:
    _open_file_box(at)
    at.file_uploader(key="sidebar.upload").set_value((file_name, data, YAML_TYPE))
    _run(at)


def _sidebar_text(at: AppTest) -> str:
    parts = [str(error.value) for error in at.sidebar.error]
    parts += [str(markdown.value) for markdown in at.sidebar.markdown]
    return "\n".join(parts)


# --- the regions table -----------------------------------------------------------------------


def test_raising_a_floor_gives_the_region_its_floor() -> None:
    at = _design()
    before = _builtin(ACCELERATOR)
    lebanon = _index(before, "LB")
    expected = replace(before, {f"regions.{lebanon}.floor": 6})
    # By hand: Lebanon's quota of the 80 seats is about 1 (its baseline is 1 seat), far below
    # 6, so a floor of 6 binds and it gets exactly 6; the cohort still has 80 seats.
    assert allocate_seats(before).table.set_index("region").loc["LB", "seats"] == 1
    core = allocate_seats(expected).table.set_index("region")["seats"]
    assert core["LB"] == 6
    assert core.sum() == 80

    _edit_regions(at, edited={lebanon: {"floor": 6}})

    assert _errors(at) == []
    working = at.session_state["working"].scenario
    assert working == expected
    assert [(r.code, r.floor) for r in working.regions if r.floor] == [("LB", 6)]
    _assert_headline_is(at, build_plan(expected))
    shown = _seats_shown(at)
    assert shown["LB"] == 6
    assert shown == {code: int(seats) for code, seats in core.items()}


def test_adding_a_country_puts_it_in_the_plan() -> None:
    at = _design()
    before = _builtin(ACCELERATOR)
    expected = replace(before, {"regions": [*_region_dicts(before), {"code": "NZ", "track": "en"}]})
    core = allocate_seats(expected).table.set_index("region")["seats"]

    _edit_regions(at, added=[{"code": "NZ", "track": "en"}])

    assert _errors(at) == []
    working = at.session_state["working"].scenario
    assert working == expected
    assert (working.regions[-1].code, working.regions[-1].track) == ("NZ", "en")
    # 24 regions and one more.
    assert {m.label: m.value for m in at.metric}["Regions"] == "25"
    _assert_headline_is(at, build_plan(expected))
    shown = _seats_shown(at)
    assert "NZ" in shown
    assert shown == {code: int(seats) for code, seats in core.items()}
    assert sum(shown.values()) == 80


def test_deleting_a_row_drops_the_region() -> None:
    at = _design()
    before = _builtin(ACCELERATOR)
    nigeria = _index(before, "NG")
    expected = replace(before, {"regions": [r for r in _region_dicts(before) if r["code"] != "NG"]})

    _edit_regions(at, deleted=[nigeria])

    assert _errors(at) == []
    working = at.session_state["working"].scenario
    assert working == expected
    assert "NG" not in {region.code for region in working.regions}
    # 24 regions less one.
    assert {m.label: m.value for m in at.metric}["Regions"] == "23"
    _assert_headline_is(at, build_plan(expected))
    shown = _seats_shown(at)
    assert "NG" not in shown
    assert len(shown) == 23
    assert sum(shown.values()) == 80


@pytest.mark.parametrize(
    ("edit", "field"),
    [
        # Brazil (row 0) with a floor of 5 and a cap of 3: the cap is below the floor.
        ({"edited": {0: {"floor": 5, "cap": 3}}}, "regions[0].cap"),
        # Brazil again, as a 25th row: a region appears once.
        ({"added": [{"code": "BR", "track": "pt"}]}, "regions[24].code"),
    ],
)
def test_an_invalid_table_edit_names_the_row_and_keeps_the_plan(
    edit: dict[str, Any], field: str
) -> None:
    at = _design()
    before = _builtin(ACCELERATOR)

    _edit_regions(at, **edit)

    errors = _errors(at)
    assert any(field in error for error in errors), errors
    assert at.session_state["working"].scenario == before
    assert not at.session_state["working"].dirty
    _assert_headline_is(at, build_plan(before))


def test_a_table_edit_survives_a_visit_to_another_page() -> None:
    at = _design()
    before = _builtin(ACCELERATOR)
    lebanon = _index(before, "LB")
    expected = replace(before, {f"regions.{lebanon}.floor": 6})
    _edit_regions(at, edited={lebanon: {"floor": 6}})
    assert at.session_state["working"].scenario == expected

    _page(at, "pages/allocation.py")
    _page(at, "pages/design.py")

    assert at.session_state["working"].scenario == expected
    assert at.session_state["working"].dirty


# --- duplicate -------------------------------------------------------------------------------


def _duplicate(at: AppTest, name: str) -> None:
    at.text_input(key="sidebar.duplicate_name").input(name)
    _run(at)
    button = at.button(key="sidebar.duplicate")
    assert not button.disabled
    button.click()
    _run(at)


def test_duplicate_saves_version_1_under_the_new_name_and_opens_it() -> None:
    builtins = _builtin_files()
    at = _start()
    _edit_seats(at, 60)  # the working scenario, edits and all, is what is duplicated

    _duplicate(at, "my-plan_2")

    assert _errors(at) == []
    lib = Library(_library())
    assert [version.number for version in lib.history("my-plan_2")] == [1]
    expected = replace(_builtin(ACCELERATOR), {"cohort.seats": 60})
    assert lib.load("my-plan_2") == expected
    assert sorted(_tree(_library())) == ["saved/my-plan_2/0001.json", "saved/my-plan_2/0001.yaml"]
    working = at.session_state["working"]
    assert (working.name, working.version, working.builtin, working.dirty) == (
        "my-plan_2",
        1,
        False,
        False,
    )
    assert working.scenario == expected
    assert at.selectbox(key="sidebar.scenario").value == "my-plan_2"
    assert at.number_input(key="design.cohort.seats").value == 60
    assert _builtin_files() == builtins


@pytest.mark.parametrize(
    ("name", "message"),
    [
        (ACCELERATOR, "exists"),  # a built-in's name
        ("taken", "exists"),  # a saved scenario's name (saved first, below)
        ("../x", "path separator"),
        ("a/b", "path separator"),
        ("..", "'..'"),
        ("/tmp/x", "path separator"),
        ("..\\x", "path separator"),
        ("Mine", "capital letters"),
        ("nul", "Windows reserves"),
    ],
)
def test_duplicate_refuses_a_taken_or_hostile_name(tmp_path: Path, name: str, message: str) -> None:
    at = _start()
    _duplicate(at, "taken")
    before = at.session_state["working"]
    files, builtins = _tree(tmp_path), _builtin_files()
    outside = [ROOT.parent / "x", ROOT / "x", ROOT / "a", Path("/tmp/x")]
    existed = [path.exists() for path in outside]

    _duplicate(at, name)

    errors = _errors(at)
    assert any(message in error for error in errors), errors
    assert any(repr(name) in error for error in errors), errors
    assert at.session_state["working"] == before
    assert _tree(tmp_path) == files
    assert _builtin_files() == builtins
    assert [path.exists() for path in outside] == existed
    assert [version.number for version in Library(_library()).history("taken")] == [1]


def test_duplicate_is_off_without_a_name() -> None:
    at = _start()
    at.text_input(key="sidebar.duplicate_name").input("")
    _run(at)
    assert at.button(key="sidebar.duplicate").disabled
    assert _tree(_library()) == {}


# --- revert ----------------------------------------------------------------------------------


def test_revert_restores_the_builtin_and_its_widgets() -> None:
    at = _design()
    before = _builtin(ACCELERATOR)
    assert at.button(key="sidebar.revert").disabled  # nothing to revert yet
    at.number_input(key="design.cohort.seats").set_value(60)
    _run(at)
    _edit_regions(at, edited={_index(before, "LB"): {"floor": 6}}, deleted=[0])
    edited = at.session_state["working"].scenario
    assert edited.cohort.seats == 60
    assert len(edited.regions) == 23

    at.button(key="sidebar.revert").click()
    _run(at)

    working = at.session_state["working"]
    assert working.scenario == before
    assert not working.dirty
    assert at.number_input(key="design.cohort.seats").value == 80
    assert at.session_state["design.regions"] == {
        "edited_rows": {},
        "added_rows": [],
        "deleted_rows": [],
    }
    table = at.data_editor(key="design.regions").value
    assert table["code"].tolist() == [region.code for region in before.regions]
    assert table["floor"].tolist() == [0] * len(before.regions)
    _assert_headline_is(at, build_plan(before))
    assert at.button(key="sidebar.revert").disabled


def test_revert_restores_the_loaded_version_not_the_latest() -> None:
    at = _start()
    _edit_seats(at, 60)
    _save(at, "sixty")
    _edit_seats(at, 70)
    _save(at, "seventy")
    name = f"{ACCELERATOR}-copy"
    at.selectbox(key="sidebar.version").set_value(1)
    _run(at)
    _edit_seats(at, 75)
    assert at.session_state["working"].dirty

    at.button(key="sidebar.revert").click()
    _run(at)

    working = at.session_state["working"]
    assert (working.name, working.version, working.dirty) == (name, 1, False)
    assert working.scenario == Library(_library()).load(name, 1)
    assert working.scenario.cohort.seats == 60
    assert at.number_input(key="design.cohort.seats").value == 60


def test_revert_of_an_uploaded_scenario_restores_the_file() -> None:
    at = _design()
    text = (ROOT / "scenarios" / "community_accelerator_2020.yaml").read_bytes()
    _uploaded(at, "edition_2020.yaml", text)
    opened = at.session_state["working"].scenario
    at.number_input(key="design.cohort.seats").set_value(50)
    _run(at)
    assert at.session_state["working"].dirty

    revert = at.button(key="sidebar.revert")
    if not revert.disabled:  # a disabled button is a fix too: nothing to click, nothing lost
        revert.click()
        _run(at)
        assert at.session_state["working"].scenario == opened
        assert at.number_input(key="design.cohort.seats").value == opened.cohort.seats


# --- YAML upload -----------------------------------------------------------------------------


def test_a_valid_upload_opens_as_the_shared_working_scenario(valid_dict: dict[str, Any]) -> None:
    at = _start()
    files = _tree(_library())
    valid_dict["cohort"]["expected_applicants"] = 200  # 10 a seat, so the plan can simulate
    data = yaml.safe_dump(valid_dict, sort_keys=False).encode("utf-8")

    _uploaded(at, "test.yaml", data)

    assert _errors(at) == []
    expected = scenario_from_dict(valid_dict)
    working = at.session_state["working"]
    assert working.shared
    assert not working.dirty
    assert working.scenario == expected
    assert working.label == "Test accelerator (shared link)"
    assert any("Test accelerator" in str(info.value) for info in at.sidebar.info)
    _assert_headline_is(at, build_plan(expected))
    # Opening a file saves nothing.
    assert _tree(_library()) == files


def test_an_upload_without_expected_applicants_says_why(
    valid_dict: dict[str, Any],
) -> None:
    at = _start()
    valid_dict["cohort"]["expected_applicants"] = 0  # 0 means unknown
    with pytest.raises(ScenarioError):  # the core refuses the file
        scenario_from_dict(valid_dict)
    data = yaml.safe_dump(valid_dict, sort_keys=False).encode("utf-8")

    _open_file_box(at)
    at.file_uploader(key="sidebar.upload").set_value(("test.yaml", data, YAML_TYPE))
    at.run()

    assert not at.exception, [exception.value for exception in at.exception]
    shown = "\n".join(_errors(at)) + _sidebar_text(at)
    assert "cohort.expected_applicants" in shown, shown


def test_no_expected_applicants_on_the_design_page_says_why() -> None:
    at = _design()
    applicants = at.number_input(key="design.cohort.expected_applicants")
    assert applicants.min == 0  # the input offers 0

    applicants.set_value(0)
    at.run()

    assert not at.exception, [exception.value for exception in at.exception]
    assert any("cohort.expected_applicants" in error for error in _errors(at)), _errors(at)


BILLION_LAUGHS = "\n".join(
    ['a: &a ["lol","lol","lol","lol","lol","lol","lol","lol","lol"]']
    + [
        f"{name}: &{name} [{','.join([f'*{previous}'] * 9)}]"
        for previous, name in zip("abcdefgh", "bcdefghi", strict=True)
    ]
).encode("utf-8")

BAD_UPLOADS = [
    # A flow list left open on line 2; on line 3 the parser meets "name:", whose colon is
    # the 5th character: line 3, column 5.
    ("broken.yaml", b"kind: accelerator\nregions: [BR, CO\nname: Test\n", "line 3, column 5"),
    # Nine levels of nine aliases: 9**9 (387 million) strings if expanded. The first alias
    # is on line 2, "b: &b [*a,...": its "*" is the 8th character.
    ("bomb.yaml", BILLION_LAUGHS, "line 2, column 8: aliases"),
    # One byte more than the 1,000,000 a scenario may have.
    ("big.yaml", b"#" * 1_000_001, "larger"),
    # Latin-1 bytes: 0xE9 is "é", not valid UTF-8 on its own.
    ("latin1.yaml", "name: Café\nkind: accelerator\n".encode("latin-1"), "UTF-8"),
]


@pytest.mark.parametrize(("file_name", "data", "message"), BAD_UPLOADS)
def test_a_bad_upload_says_why_and_keeps_the_working_scenario(
    file_name: str, data: bytes, message: str
) -> None:
    at = _design()
    at.number_input(key="design.cohort.seats").set_value(60)
    _run(at)
    before = at.session_state["working"]
    assert before.dirty  # an unsaved edit must survive a refused file

    _uploaded(at, file_name, data)

    assert not at.exception
    shown = _sidebar_text(at)
    assert message in shown, shown
    assert at.session_state["working"] == before
    assert at.number_input(key="design.cohort.seats").value == 60


def test_a_good_upload_after_a_bad_one_opens() -> None:
    at = _start()
    _uploaded(at, "broken.yaml", b"kind: [\n")
    assert at.sidebar.error
    path = ROOT / "scenarios" / f"{ROADSHOW}.yaml"
    _uploaded(at, path.name, path.read_bytes())
    assert _errors(at) == []
    working = at.session_state["working"]
    assert working.shared
    assert working.scenario == load_scenario(path)


# --- picking a scenario and a version --------------------------------------------------------


def test_the_sidebar_loads_the_version_and_scenario_picked() -> None:
    at = _start()
    _edit_seats(at, 60)
    _save(at, "sixty")
    _edit_seats(at, 70)
    _save(at, "seventy")
    name = f"{ACCELERATOR}-copy"
    lib = Library(_library())
    assert [version.number for version in lib.history(name)] == [1, 2]
    assert at.session_state["working"].version == 2

    at.selectbox(key="sidebar.version").set_value(1)
    _run(at)
    working = at.session_state["working"]
    assert (working.name, working.version, working.dirty) == (name, 1, False)
    assert working.scenario == lib.load(name, 1)
    assert working.scenario.cohort.seats == 60
    assert at.number_input(key="design.cohort.seats").value == 60
    assert at.selectbox(key="sidebar.version").value == 1

    _open(at, ROADSHOW)
    assert at.session_state["working"].scenario == _builtin(ROADSHOW)
    assert at.number_input(key="design.cohort.seats").value == _builtin(ROADSHOW).cohort.seats

    # Picking the scenario again opens its latest version.
    _open(at, name)
    working = at.session_state["working"]
    assert (working.version, working.scenario.cohort.seats) == (2, 70)
    assert at.number_input(key="design.cohort.seats").value == 70
    _assert_headline_is(at, build_plan(lib.load(name, 2)))


def test_an_upload_too_large_for_a_link_is_shared_by_saving(
    oversized_dict: dict[str, Any],
) -> None:
    at = _start()
    data = yaml.safe_dump(oversized_dict, sort_keys=False).encode("utf-8")
    _uploaded(at, "big.yaml", data)
    assert at.session_state["working"].shared
    at.session_state["sidebar.share"] = True
    _run(at)
    assert at.sidebar.code == []
    (warning,) = [str(item.value) for item in at.sidebar.warning]
    assert warning.startswith("No link: this scenario needs ")
    assert "save it, then share the saved version" in warning
