"""The command line: exit statuses, every problem on stderr, help on every verb, no tracebacks.

The library is always pointed at a temporary folder (``COHORT_PLANNER_LIBRARY``), so these
tests never write into the repository's scenarios/.
"""

from __future__ import annotations

import argparse
from pathlib import Path

import pytest
import yaml

from planning.cli import build_parser, main
from planning.scenario import ScenarioError, load_scenario

from .cli_support import run, run_module
from .conftest import BUILTIN_FILES

BAD = Path(__file__).resolve().parent / "bad_scenarios"
BAD_FILES = sorted(BAD.glob("*.yaml"))


@pytest.fixture(autouse=True)
def library(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    library = tmp_path / "library"
    monkeypatch.setenv("COHORT_PLANNER_LIBRARY", str(library))
    return library


def verbs() -> list[str]:
    parser = build_parser()
    (action,) = [a for a in parser._actions if isinstance(a, argparse._SubParsersAction)]
    return sorted(action.choices)


# --- validate --------------------------------------------------------------------------------


def test_validate_accepts_the_builtins() -> None:
    status, out, err = run("validate", *map(str, BUILTIN_FILES))
    assert status == 0
    assert err == ""
    for path in BUILTIN_FILES:
        kind = yaml.safe_load(path.read_text(encoding="utf-8"))["kind"]
        assert f"{path}: valid ({kind}," in out


@pytest.mark.parametrize(
    ("name", "paths"),
    [
        (
            "cross_field_problems.yaml",
            ["regions[1].track", "budget.grant_floor", "budget.disbursement"],
        ),
        (
            "several_problems.yaml",
            ["currency", "regions[1].flor", "cohort.seats", "budget.contingency_share"],
        ),
    ],
)
def test_validate_prints_every_problem_with_its_fix(name: str, paths: list[str]) -> None:
    path = BAD / name
    status, out, err = run("validate", str(path))
    assert status == 2
    assert out == ""
    assert f"{path}: invalid ({len(paths)} problem(s))" in err
    for where in paths:
        assert f"  {where}: " in err
    with pytest.raises(ScenarioError) as info:
        load_scenario(path)
    for problem in info.value.problems:
        assert f"  {problem.path}: {problem.message}\n    fix: {problem.fix}\n" in err
    assert "Traceback" not in err


def test_validate_reports_good_and_bad_files_together() -> None:
    bad = BAD / "cross_field_problems.yaml"
    status, out, err = run("validate", str(BUILTIN_FILES[0]), str(bad))
    assert status == 2
    assert f"{BUILTIN_FILES[0]}: valid" in out
    assert f"{bad}: invalid" in err


def test_validate_a_missing_file() -> None:
    status, _, err = run("validate", "no/such/scenario.yaml")
    assert status == 2
    assert "no/such/scenario.yaml: invalid (1 problem(s))" in err
    assert "fix: check the path" in err


def _nested_file(tmp_path: Path) -> Path:
    path = tmp_path / "nested.yaml"
    path.write_text("kind: " + "[" * 1_000 + "]" * 1_000 + "\n", encoding="utf-8")
    return path


def _latin1_file(tmp_path: Path) -> Path:
    path = tmp_path / "latin1.yaml"
    path.write_bytes("name: Édition\n".encode("latin-1"))
    return path


@pytest.mark.parametrize("path", BAD_FILES, ids=[path.stem for path in BAD_FILES])
def test_python_m_planning_validate_never_shows_a_traceback(path: Path) -> None:
    result = run_module("validate", str(path))
    assert result.returncode == 2, result.stderr
    assert "Traceback" not in result.stderr
    assert f"{path}: invalid" in result.stderr
    assert "fix: " in result.stderr


def test_python_m_planning_validate_unreadable_files(tmp_path: Path) -> None:
    result = run_module("validate", str(_latin1_file(tmp_path)), str(tmp_path / "missing.yaml"))
    assert result.returncode == 2
    assert "Traceback" not in result.stderr
    assert "latin1.yaml: invalid" in result.stderr
    assert "not UTF-8" in result.stderr
    assert "missing.yaml: invalid" in result.stderr


def test_python_m_planning_validate_deeply_nested_yaml(tmp_path: Path) -> None:
    result = run_module("validate", str(_nested_file(tmp_path)))
    assert "Traceback" not in result.stderr
    assert result.returncode == 2


def test_python_m_planning_validate_accepts_the_builtins() -> None:
    result = run_module("validate", *map(str, BUILTIN_FILES))
    assert result.returncode == 0, result.stderr
    assert result.stdout.count(": valid (") == len(BUILTIN_FILES)


# --- usage -----------------------------------------------------------------------------------


def test_the_first_verbs_are_there() -> None:
    assert {"validate", "list"} <= set(verbs())


@pytest.mark.parametrize("argv", [["--help"], *[[verb, "--help"] for verb in verbs()]])
def test_help_exits_0_and_prints_usage(argv: list[str], capsys: pytest.CaptureFixture[str]) -> None:
    status = main(argv)
    captured = capsys.readouterr()
    assert status == 0
    assert captured.out.startswith("usage: python -m planning")
    if argv[0] != "--help":
        assert f"python -m planning {argv[0]}" in captured.out


def test_help_in_a_fresh_interpreter() -> None:
    result = run_module("validate", "--help")
    assert result.returncode == 0
    assert result.stdout.startswith("usage: python -m planning validate")
    assert "FILE" in result.stdout


def test_help_goes_to_the_given_stream() -> None:
    status, out, _ = run("validate", "--help")
    assert status == 0
    assert "usage:" in out


@pytest.mark.parametrize(
    ("argv", "expected"),
    [
        (["frobnicate"], "invalid choice: 'frobnicate'"),
        ([], "required"),
        (["validate"], "required"),
        (["list", "--colour"], "unrecognized arguments"),
    ],
    ids=["unknown verb", "no verb", "validate without files", "unknown option"],
)
def test_usage_errors_exit_2(
    argv: list[str], expected: str, capsys: pytest.CaptureFixture[str]
) -> None:
    status = main(argv)
    captured = capsys.readouterr()
    assert status == 2
    assert expected in captured.err
    assert "usage: python -m planning" in captured.err


def test_unknown_verb_in_a_fresh_interpreter() -> None:
    result = run_module("frobnicate")
    assert result.returncode == 2
    assert "invalid choice" in result.stderr
    assert "Traceback" not in result.stderr


# --- list ------------------------------------------------------------------------------------


def test_list_shows_the_builtins(library: Path) -> None:
    status, out, err = run("list")
    assert status == 0, err
    lines = out.splitlines()
    for path in BUILTIN_FILES:
        title = load_scenario(path).name
        assert f"{path.stem}\tbuilt-in\t{title}" in lines
    # Listing reads; it creates nothing in the library folder.
    assert not library.exists() or not any(library.iterdir())


def test_list_with_a_library_option(tmp_path: Path) -> None:
    other = tmp_path / "other"
    status, out, _ = run("list", "--library", str(other), "--versions")
    assert status == 0
    for path in BUILTIN_FILES:
        assert f"{path.stem}\tbuilt-in\t" in out
    assert "  v1\t" in out


def test_list_shows_a_saved_scenario(library: Path) -> None:
    from planning.store import Library

    scenario = load_scenario(BUILTIN_FILES[0])
    Library(library).save("my_plan", scenario, "first try")
    status, out, _ = run("list", "--versions")
    assert status == 0
    assert f"my_plan\t1 version(s)\t{scenario.name}" in out.splitlines()
    assert "first try" in out


def test_list_with_a_file_for_a_library(tmp_path: Path) -> None:
    not_a_folder = tmp_path / "file.txt"
    not_a_folder.write_text("x", encoding="utf-8")
    status, _, err = run("list", "--library", str(not_a_folder))
    assert status == 2
    assert err.startswith("error: ")
    assert "folder" in err


def test_list_in_a_fresh_interpreter(library: Path) -> None:
    result = run_module("list")
    assert result.returncode == 0, result.stderr
    for path in BUILTIN_FILES:
        assert path.stem in result.stdout
    assert "Traceback" not in result.stderr


def _broken_loader(*_args: object, **_kwargs: object) -> None:
    raise RuntimeError("a bug, injected")


def test_a_fault_of_the_program_is_one_line_and_exit_1(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.delenv("COHORT_PLANNER_DEBUG", raising=False)
    monkeypatch.setattr("planning.cli.load_scenario", _broken_loader)
    status, out, err = run("validate", str(BUILTIN_FILES[0]))
    assert status == 1
    assert out == ""
    assert err.startswith("internal error: RuntimeError: a bug, injected\n")
    assert "COHORT_PLANNER_DEBUG=1" in err
    assert "Traceback" not in err


def test_the_debug_variable_shows_the_traceback(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("COHORT_PLANNER_DEBUG", "1")
    monkeypatch.setattr("planning.cli.load_scenario", _broken_loader)
    status, _, err = run("validate", str(BUILTIN_FILES[0]))
    assert status == 1
    assert "Traceback (most recent call last)" in err
    assert "_broken_loader" in err


@pytest.mark.parametrize("setting", ["", "0", "false"])
def test_the_debug_variable_off_shows_no_traceback(
    monkeypatch: pytest.MonkeyPatch, setting: str
) -> None:
    monkeypatch.setenv("COHORT_PLANNER_DEBUG", setting)
    monkeypatch.setattr("planning.cli.load_scenario", _broken_loader)
    status, _, err = run("validate", str(BUILTIN_FILES[0]))
    assert status == 1
    assert "Traceback" not in err
