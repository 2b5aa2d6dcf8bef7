"""The ``run`` and ``simulate`` verbs: files written, exit statuses, nothing left on failure.

The library is pointed at a temporary folder so these tests never write into scenarios/.
"""

from __future__ import annotations

import copy
import io
import os
from pathlib import Path
from typing import Any

import pandas as pd
import pytest
import yaml

from planning import export
from planning.plan import build_plan
from planning.scenario import load_scenario

from .cli_support import run, run_module
from .conftest import _VALID_SCENARIO, BUILTIN_FILES, SCENARIOS

BAD = Path(__file__).resolve().parent / "bad_scenarios"
IDS = [path.stem for path in BUILTIN_FILES]
DRAWS = "1000"
ACCELERATOR = SCENARIOS / "community_accelerator_2020.yaml"
ROADSHOW = SCENARIOS / "grand_circus_michigan.yaml"


@pytest.fixture(autouse=True)
def library(tmp_path_factory: pytest.TempPathFactory, monkeypatch: pytest.MonkeyPatch) -> Path:
    # Apart from tmp_path, so tests can check tmp_path holds only what they made.
    library = tmp_path_factory.mktemp("library")
    monkeypatch.setenv("COHORT_PLANNER_LIBRARY", str(library))
    return library


def tables_of(path: Path) -> list[str]:
    kind = yaml.safe_load(path.read_text(encoding="utf-8"))["kind"]
    if kind == "roadshow":
        return ["stops", "states", "reach", "budget_by_month", "summary"]
    return [
        "seats",
        "tracks",
        "grants",
        "budget_by_month",
        "funnel",
        "fairness",
        "methods",
        "summary",
    ]


@pytest.fixture
def infeasible(tmp_path: Path) -> Path:
    # Valid, but grant floors of 50,000 for 20 participants need 1,000,000 while the pool
    # is 1,000,000 less 4,000 of participant costs and 5,000 of fixed costs: 991,000.
    data: dict[str, Any] = copy.deepcopy(_VALID_SCENARIO)
    data["budget"]["grant_floor"] = 50_000
    data["cohort"]["expected_applicants"] = 400
    path = tmp_path / "infeasible.yaml"
    path.write_text(yaml.safe_dump(data), encoding="utf-8")
    return path


# --- run -------------------------------------------------------------------------------------


@pytest.mark.parametrize("path", BUILTIN_FILES, ids=IDS)
def test_run_writes_every_table_and_prints_the_summary(path: Path, tmp_path: Path) -> None:
    out_dir = tmp_path / "out"
    status, out, err = run("run", str(path), "--out", str(out_dir), "--draws", DRAWS)
    assert status == 0, err
    expected = {f"{name}.csv" for name in tables_of(path)}
    expected |= {"scenario.yaml", "manifest.json", "README.md"}
    assert {child.name for child in out_dir.iterdir()} == expected
    assert {"wrote " + str(out_dir / name) for name in expected} == set(err.splitlines())
    # The summary on stdout is the summary table: every figure, in order, with its unit.
    summary = pd.read_csv(out_dir / "summary.csv", keep_default_na=False)
    lines = out.splitlines()
    assert lines[0].split() == ["figure", "value", "unit"]
    assert len(lines) == len(summary) + 1
    for line, figure, unit in zip(lines[1:], summary["figure"], summary["unit"], strict=True):
        assert line.split()[0] == figure
        assert line.endswith(unit)


def test_run_prints_values_aligned_and_readable(tmp_path: Path) -> None:
    status, out, _ = run("run", str(ACCELERATOR), "--out", str(tmp_path / "o"), "--draws", DRAWS)
    assert status == 0
    lines = {line.split()[0]: line for line in out.splitlines()}
    # USD 3,000,000 over 80 participants: the first edition's budget and mean grant.
    assert lines["budget"].split()[1:] == ["3,000,000", "USD"]
    assert lines["mean_grant"].split()[1:] == ["37,500", "USD"]
    # Values are right-aligned: their last character is in the same column on every line.
    # (Figures and values have no spaces; units may: "index (0 = proportional)".)
    ends = set()
    for line in out.splitlines():
        unit = line.split(maxsplit=2)[2]
        ends.add(len(line[: -len(unit)].rstrip()))
    assert len(ends) == 1


@pytest.mark.parametrize(("fmt", "name"), [("zip", "plan.zip"), ("xlsx", "plan.xlsx")])
def test_run_writes_a_bundle_or_a_workbook(tmp_path: Path, fmt: str, name: str) -> None:
    status, _, err = run(
        "run", str(ACCELERATOR), "--out", str(tmp_path), "--format", fmt, "--draws", DRAWS
    )
    assert status == 0, err
    assert os.listdir(tmp_path) == [name]


def test_run_uses_the_seed_and_draws_given(tmp_path: Path) -> None:
    status, _, err = run(
        "run", str(ROADSHOW), "--out", str(tmp_path), "--seed", "3", "--draws", "700"
    )
    assert status == 0, err
    plan = build_plan(load_scenario(ROADSHOW), seed=3, draws=700)
    written = (tmp_path / "reach.csv").read_text(encoding="utf-8")
    assert written == export.plan_to_csv(plan)["reach.csv"]


def test_invalid_scenario_lists_every_problem_and_writes_nothing(tmp_path: Path) -> None:
    out_dir = tmp_path / "out"
    status, out, err = run("run", str(BAD / "several_problems.yaml"), "--out", str(out_dir))
    assert status == 2
    assert out == ""
    for path in ("currency", "regions[1].flor", "cohort.seats", "budget.contingency_share"):
        assert f"  {path}: " in err
    assert err.count("    fix: ") == 4
    assert not out_dir.exists()


def test_infeasible_plan_names_the_clash_and_writes_nothing(
    infeasible: Path, tmp_path: Path
) -> None:
    out_dir = tmp_path / "out"
    status, out, err = run("run", str(infeasible), "--out", str(out_dir))
    assert status == 2
    assert out == ""
    assert "cannot be planned (1 problem(s))" in err
    assert "  budget: floors of USD 50,000 for 20 participants" in err
    assert "    fix: " in err
    assert not out_dir.exists()


@pytest.mark.parametrize(
    ("option", "value", "message"),
    [
        ("--draws", "5", "--draws: Input should be greater than or equal to 100"),
        ("--seed", str(2**32), "--seed: Input should be less than or equal to 4294967295"),
    ],
)
def test_out_of_range_simulation_options_are_named(
    tmp_path: Path, option: str, value: str, message: str
) -> None:
    status, _, err = run("run", str(ACCELERATOR), "--out", str(tmp_path / "o"), option, value)
    assert status == 2
    assert message in err
    assert "fix: use a value" in err
    assert not (tmp_path / "o").exists()


def test_occupied_folder_needs_force(tmp_path: Path) -> None:
    (tmp_path / "seats.csv").write_text("mine\n")
    status, out, err = run("run", str(ACCELERATOR), "--out", str(tmp_path), "--draws", DRAWS)
    assert status == 2
    assert out == ""
    assert f"error: {tmp_path} already holds seats.csv" in err
    assert "--force" in err
    assert os.listdir(tmp_path) == ["seats.csv"]
    assert (tmp_path / "seats.csv").read_text() == "mine\n"
    status, _, err = run(
        "run", str(ACCELERATOR), "--out", str(tmp_path), "--draws", DRAWS, "--force"
    )
    assert status == 0, err
    assert (tmp_path / "seats.csv").read_text().startswith("region,name,track,")


def test_unwritable_folder_is_a_clear_error(tmp_path: Path) -> None:
    locked = tmp_path / "locked"
    locked.mkdir()
    locked.chmod(0o500)
    try:
        if os.access(locked, os.W_OK):
            pytest.skip("running as a user (root) whom chmod does not stop")
        for target in (locked, locked / "inside"):
            status, out, err = run("run", str(ACCELERATOR), "--out", str(target))
            assert status == 2
            assert out == ""
            assert f"error: cannot write to {target}: Permission denied" in err
        assert os.listdir(locked) == []
    finally:
        locked.chmod(0o700)


def test_permission_denied_is_a_clear_error_even_as_root(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # chmod does not stop root, so deny the folder the way the kernel would: mkdir fails.
    real = os.mkdir

    def denied(path: Any, *args: Any, **kwargs: Any) -> None:
        if Path(path).parent == tmp_path or Path(path).parent.parent == tmp_path:
            raise PermissionError(13, "Permission denied", str(path))
        real(path, *args, **kwargs)

    monkeypatch.setattr(os, "mkdir", denied)
    for target in (tmp_path, tmp_path / "new"):
        status, out, err = run("run", str(ACCELERATOR), "--out", str(target), "--draws", DRAWS)
        assert status == 2
        assert out == ""
        assert f"error: cannot write to {target}: Permission denied" in err
    assert os.listdir(tmp_path) == []


def test_a_path_through_a_file_is_a_clear_error(tmp_path: Path) -> None:
    # Works as root too: nobody can make a folder inside a file.
    blocker = tmp_path / "file"
    blocker.write_text("x")
    status, _, err = run("run", str(ACCELERATOR), "--out", str(blocker / "out"))
    assert status == 2
    assert f"error: cannot write to {blocker / 'out'}: Not a directory" in err
    assert os.listdir(tmp_path) == ["file"]


def test_failure_mid_write_leaves_nothing_behind(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    real = export._write_staged
    written: list[Path] = []

    def flaky(path: Path, data: bytes) -> None:
        if written:
            raise OSError(28, "No space left on device")
        written.append(path)
        real(path, data)

    monkeypatch.setattr(export, "_write_staged", flaky)
    out_dir = tmp_path / "out"
    status, out, err = run("run", str(ACCELERATOR), "--out", str(out_dir), "--draws", DRAWS)
    assert status == 2
    assert out == ""
    assert "No space left on device" in err
    assert len(written) == 1
    assert os.listdir(tmp_path) == []


# --- simulate --------------------------------------------------------------------------------


def test_simulate_prints_the_funnel_and_the_whole_cohort() -> None:
    status, out, err = run("simulate", str(ACCELERATOR), "--draws", DRAWS, "--seed", "4")
    assert status == 0, err
    table = pd.read_csv(io.StringIO(out), keep_default_na=False, na_values=[""])
    scenario = load_scenario(ACCELERATOR)
    plan = build_plan(scenario, seed=4, draws=int(DRAWS))
    assert table["region"].tolist() == [region.code for region in scenario.regions] + ["(all)"]
    assert list(table.columns) == list(plan.tables["funnel"].columns)
    whole = table.iloc[-1]
    # The whole-cohort row comes from the totals of the draws: it agrees with the summary,
    # which the simulation's metrics compute on their own.
    summary = plan.tables["summary"].set_index("figure")["value"]
    assert whole["filled_p50"] == pytest.approx(summary["filled_p50"], abs=1e-6)
    assert whole["completers_p50"] == pytest.approx(summary["completers_p50"], abs=1e-6)
    assert whole["p_unfilled"] == pytest.approx(summary["p_any_unfilled"], abs=1e-6)
    for quantity in ("applicants", "eligible", "filled", "completers"):
        bands = [whole[f"{quantity}_p{q}"] for q in (10, 50, 90)]
        assert bands == sorted(bands), quantity
    assert "spend: median USD 3,000,000" in err
    assert "seed 4, 1000 draws" in err


def test_simulate_a_roadshow_prints_its_reach() -> None:
    status, out, err = run("simulate", str(ROADSHOW), "--draws", DRAWS)
    assert status == 0, err
    table = pd.read_csv(io.StringIO(out), keep_default_na=False, na_values=[""])
    scenario = load_scenario(ROADSHOW)
    assert table["audience"].tolist() == [track.code for track in scenario.tracks] + ["(all)"]
    plan = build_plan(scenario, draws=int(DRAWS))
    summary = plan.tables["summary"].set_index("figure")["value"]
    assert table["trained_p50"].iloc[-1] == pytest.approx(summary["trained_p50"], abs=1e-6)
    assert table["expected_trained"].iloc[-1] == pytest.approx(
        table["expected_trained"].iloc[:-1].sum(), abs=1e-5
    )
    assert "cost: median USD" in err


def test_simulate_invalid_scenario_exits_2() -> None:
    status, out, err = run("simulate", str(BAD / "cross_field_problems.yaml"))
    assert status == 2
    assert out == ""
    assert "invalid (" in err
    assert "fix: " in err


# --- never a traceback -----------------------------------------------------------------------


@pytest.mark.parametrize("verb", ["run", "simulate"])
def test_help(verb: str) -> None:
    status, out, _ = run(verb, "--help")
    assert status == 0
    assert f"usage: python -m planning {verb}" in out
    assert "--draws" in out


def test_the_module_never_prints_a_traceback(tmp_path: Path, infeasible: Path) -> None:
    occupied = tmp_path / "occupied"
    occupied.mkdir()
    (occupied / "summary.csv").write_text("x\n")
    cases = [
        ["run", str(BAD / "several_problems.yaml"), "--out", str(tmp_path / "a")],
        ["run", str(infeasible), "--out", str(tmp_path / "b")],
        ["run", str(ACCELERATOR), "--out", str(occupied), "--draws", DRAWS],
        ["run", str(ACCELERATOR), "--out", str(tmp_path / "c"), "--draws", "1"],
        ["run", str(ACCELERATOR), "--out", str(infeasible / "d")],
        ["run", str(tmp_path / "missing.yaml"), "--out", str(tmp_path / "e")],
        ["run", str(ACCELERATOR)],
        ["simulate", str(BAD / "syntax_error.yaml")],
        ["simulate", str(ACCELERATOR), "--seed", "-1"],
    ]
    for argv in cases:
        result = run_module(*argv)
        assert result.returncode == 2, (argv, result.stderr)
        assert "Traceback" not in result.stderr, argv
        assert result.stdout == "", argv
    assert sorted(os.listdir(tmp_path)) == ["infeasible.yaml", "occupied"]
    assert os.listdir(occupied) == ["summary.csv"]


def test_the_module_runs_a_builtin_end_to_end(tmp_path: Path) -> None:
    result = run_module("run", str(ROADSHOW), "--out", str(tmp_path / "o"), "--draws", DRAWS)
    assert result.returncode == 0, result.stderr
    assert "Traceback" not in result.stderr
    assert result.stdout.splitlines()[0].split() == ["figure", "value", "unit"]
    assert (tmp_path / "o" / "stops.csv").exists()
