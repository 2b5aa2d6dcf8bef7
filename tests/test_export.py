"""Export: CSV round trips, the zip bundle, the workbook, the formula guard, safe writing.

Expected cells are worked out here with :mod:`decimal` from the documented rules (money:
whole units, halves away from zero; other floats: 6 places, ties to even, on the exact
binary value), not with the module's own rounding helpers.
"""

from __future__ import annotations

import csv
import dataclasses
import datetime as dt
import hashlib
import io
import json
import math
import os
import zipfile
from decimal import ROUND_HALF_EVEN, ROUND_HALF_UP, Decimal, localcontext
from pathlib import Path
from typing import Any

import numpy as np
import openpyxl
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import planning
from planning import export, roadshow
from planning.export import (
    ExportError,
    plan_files,
    plan_to_csv,
    plan_to_xlsx,
    plan_to_zip,
    sheet_name,
    table_to_csv,
    write_plan,
)
from planning.plan import Plan, build_plan
from planning.scenario import load_scenario, parse_scenario, scenario_from_dict, scenario_hash

from .conftest import BUILTIN_FILES

DRAWS = 1_000
WHEN = dt.datetime(2024, 5, 6, 7, 8, 9, tzinfo=dt.UTC)
# OWASP "CSV Injection": cells starting with these are read as formulas.
TRIGGERS = ("=", "+", "-", "@", "\t", "\r")
# The documented money columns; plus the summary's rows whose unit is the currency.
MONEY = {
    "grants": {"grant", "grant_real", "total"},
    "budget_by_month": {"planned_spend", "spend_p10", "spend_p50", "spend_p90", "cumulative_p50"},
}
IDS = [path.stem for path in BUILTIN_FILES]

_plans: dict[str, Plan] = {}


def plan_of(path: Path) -> Plan:
    if path.name not in _plans:
        _plans[path.name] = build_plan(load_scenario(path), draws=DRAWS)
    return _plans[path.name]


def expected_number(value: float, money: bool) -> float:
    """The documented rounding, with decimal arithmetic on the float's exact value."""
    with localcontext(prec=1_000):  # why: a float has up to 309 digits before the point
        if money:
            return float(Decimal(value).quantize(Decimal(1), rounding=ROUND_HALF_UP))
        return float(Decimal(value).quantize(Decimal("0.000001"), rounding=ROUND_HALF_EVEN))


def guarded(text: str) -> str:
    return "'" + text if text[:1] in TRIGGERS and text else text


def read_rows(text: str) -> list[list[str]]:
    return list(csv.reader(io.StringIO(text, newline="")))


def is_number(text: str) -> bool:
    try:
        float(text)
    except ValueError:
        return False
    return True


# --- CSV ---------------------------------------------------------------------------------------


@pytest.mark.parametrize("path", BUILTIN_FILES, ids=IDS)
def test_csv_round_trip_gives_the_tables_after_the_documented_rounding(path: Path) -> None:
    plan = plan_of(path)
    files = plan_to_csv(plan)
    assert list(files) == [f"{name}.csv" for name in plan.tables]
    for name, table in plan.tables.items():
        text = files[f"{name}.csv"]
        assert text.endswith("\n")
        assert "\r\n" not in text
        back = pd.read_csv(
            io.StringIO(text),
            keep_default_na=False,
            na_values=[""],
            dtype={str(c): str for c in table.columns if not is_numeric(table[c])},
        )
        assert list(back.columns) == [str(column) for column in table.columns]
        assert len(back) == len(table)
        money_rows = [False] * len(table)
        if name == "summary":
            money_rows = [unit == plan.scenario.currency for unit in table["unit"]]
        for column in table.columns:
            original = table[column].tolist()
            returned = back[str(column)].tolist()
            for row, (value, got) in enumerate(zip(original, returned, strict=True)):
                where = (name, column, row)
                if pd.isna(value):
                    assert pd.isna(got), where
                elif isinstance(value, str):
                    assert got == guarded(value), where
                else:
                    money = column in MONEY.get(name, set()) or money_rows[row]
                    assert float(got) == expected_number(float(value), money), where


def is_numeric(series: pd.Series) -> bool:
    return pd.api.types.is_numeric_dtype(series) and not pd.api.types.is_bool_dtype(series)


@pytest.mark.parametrize("path", BUILTIN_FILES, ids=IDS)
def test_whole_numbers_never_carry_a_decimal_point_or_exponent(path: Path) -> None:
    for name, text in plan_to_csv(plan_of(path)).items():
        for row in read_rows(text)[1:]:
            for cell in row:
                if is_number(cell):
                    assert "e" not in cell.lower() or cell.lower() in {"inf", "-inf"}, name
                    assert not cell.endswith(".0"), (name, cell)
                    if "." in cell:
                        assert len(cell.split(".")[1]) <= 6, (name, cell)


def test_money_rounds_half_away_from_zero_other_floats_to_six_places() -> None:
    # By hand: 2.5 -> 3, -2.5 -> -3, 0.49999999999999994 (just under a half) -> 0,
    # 1234.5 -> 1235; 1.23456789 -> 1.234568, 2.0000004 -> 2, -0.0000001 -> 0.
    frame = pd.DataFrame(
        {
            "amount": [2.5, -2.5, 0.49999999999999994, 1234.5],
            "share": [1.23456789, 2.0000004, -0.0000001, 0.5],
            "count": [1, -3, 0, 7],
        }
    )
    rows = read_rows(table_to_csv(frame, money_columns=["amount"]))
    assert rows == [
        ["amount", "share", "count"],
        ["3", "1.234568", "1"],
        ["-3", "2", "-3"],
        ["0", "0", "0"],
        ["1235", "0.5", "7"],
    ]


def test_missing_values_dates_and_nullable_integers() -> None:
    frame = pd.DataFrame(
        {
            "day": [dt.date(2020, 9, 1), None],
            "stamp": pd.to_datetime(["2021-01-02", None]),
            "cap": pd.array([3, None], dtype="Int64"),
            "note": ['a, "quoted"\nline', None],
            "value": [np.nan, 1.0],
        }
    )
    text = table_to_csv(frame)
    assert read_rows(text) == [
        ["day", "stamp", "cap", "note", "value"],
        ["2020-09-01", "2021-01-02", "3", 'a, "quoted"\nline', ""],
        ["", "", "", "", "1"],
    ]
    assert text.startswith("day,stamp,cap,note,value\n2020-09-01,2021-01-02,3,")


def test_the_index_is_left_out() -> None:
    frame = pd.DataFrame({"a": [1, 2]}, index=pd.Index(["x", "y"], name="key"))
    assert table_to_csv(frame) == "a\n1\n2\n"


def test_bad_money_arguments_are_named() -> None:
    frame = pd.DataFrame({"a": [1.5]})
    with pytest.raises(ValueError, match="money_columns names columns the table lacks: b"):
        table_to_csv(frame, money_columns=["b"])
    with pytest.raises(ValueError, match="money_rows has 2 flags for a table of 1 rows"):
        table_to_csv(frame, money_rows=[True, False])


TEXT = st.text(alphabet=st.characters(blacklist_categories=("Cs",)), max_size=30)


@settings(max_examples=200, deadline=None)
@given(
    st.lists(
        st.tuples(
            TEXT,
            st.integers(min_value=-(2**62), max_value=2**62),
            st.floats(allow_infinity=False, width=64),
            st.floats(min_value=-1e12, max_value=1e12),
        ),
        min_size=1,
        max_size=8,
    )
)
def test_any_table_round_trips_through_csv(rows: list[tuple[str, int, float, float]]) -> None:
    frame = pd.DataFrame(rows, columns=["text", "count", "ratio", "amount"])
    frame["text"] = frame["text"].astype(object)
    back = read_rows(table_to_csv(frame, money_columns=["amount"]))
    assert back[0] == ["text", "count", "ratio", "amount"]
    assert len(back) == len(rows) + 1
    for (text, count, ratio, amount), cells in zip(rows, back[1:], strict=True):
        assert cells[0] == guarded(text)
        assert cells[1] == str(count)
        if math.isnan(ratio):
            assert cells[2] == ""
        else:
            assert float(cells[2]) == expected_number(ratio, money=False)
            assert "e" not in cells[2].lower()
        assert cells[3] == str(int(expected_number(amount, money=True)))


# --- the formula guard -------------------------------------------------------------------------

INJECTED = {
    "US": '=HYPERLINK("http://x","y")',
    "GB": "+1",
    "MX": "-2",
    "AR": "@SUM(A1)",
}


@pytest.fixture
def injected_plan(valid_dict: dict[str, Any]) -> Plan:
    for region in valid_dict["regions"]:
        region["name"] = INJECTED[region["code"]]
    valid_dict["cohort"]["expected_applicants"] = 400
    return build_plan(scenario_from_dict(valid_dict), draws=200)


def test_region_names_that_look_like_formulas_come_out_inert_in_csv(injected_plan: Plan) -> None:
    seats = read_rows(plan_to_csv(injected_plan)["seats.csv"])
    header = seats[0]
    names = {row[header.index("region")]: row[header.index("name")] for row in seats[1:]}
    assert names == {code: "'" + name for code, name in INJECTED.items()}
    # And no cell of any file starts like a formula unless it is a number.
    for file_name, text in plan_to_csv(injected_plan).items():
        for row in read_rows(text):
            for cell in row:
                if cell.startswith(TRIGGERS):
                    assert is_number(cell), (file_name, cell)


def test_tab_and_carriage_return_are_guarded_and_negative_numbers_stay_numbers() -> None:
    # The scenario strips whitespace from names, so tabs and CRs are checked on a table.
    frame = pd.DataFrame(
        {"name": ["\tx", "\rx", "-3", "plain", "'quoted"], "delta": [-3, -2.5, 0, 1, 2]}
    )
    rows = read_rows(table_to_csv(frame))
    assert [row[0] for row in rows[1:]] == ["'\tx", "'\rx", "'-3", "plain", "'quoted"]
    assert [row[1] for row in rows[1:]] == ["-3", "-2.5", "0", "1", "2"]


def test_header_cells_are_guarded_too() -> None:
    assert read_rows(table_to_csv(pd.DataFrame({"=1+1": [1]})))[0] == ["'=1+1"]


def load_workbook(data: bytes) -> Any:
    return openpyxl.load_workbook(io.BytesIO(data))


def test_formula_like_names_are_string_cells_in_the_workbook(injected_plan: Plan) -> None:
    # Put a negative number in a numeric column: it must stay a number.
    seats = injected_plan.tables["seats"].copy()
    seats["weight"] = seats["weight"].astype(float)
    seats.loc[0, "weight"] = -3.5
    plan = dataclasses.replace(injected_plan, tables={**injected_plan.tables, "seats": seats})
    book = load_workbook(plan_to_xlsx(plan))
    sheet = book["seats"]
    header = [cell.value for cell in sheet[1]]
    name_column = header.index("name") + 1
    weight_column = header.index("weight") + 1
    codes = [sheet.cell(row=r, column=1).value for r in range(2, sheet.max_row + 1)]
    for row, code in enumerate(codes, start=2):
        cell = sheet.cell(row=row, column=name_column)
        assert cell.data_type == "s"
        assert cell.value == "'" + INJECTED[code]
    weight = sheet.cell(row=2, column=weight_column)
    assert weight.data_type == "n"
    assert weight.value == -3.5
    for worksheet in book.worksheets:
        for row in worksheet.iter_rows():
            for cell in row:
                assert cell.data_type != "f", (worksheet.title, cell.coordinate)


# --- the workbook ------------------------------------------------------------------------------


@pytest.mark.parametrize("path", BUILTIN_FILES, ids=IDS)
def test_workbook_holds_the_csv_cells(path: Path) -> None:
    plan = plan_of(path)
    data = plan_to_xlsx(plan)
    book = load_workbook(data)
    assert book.sheetnames == list(plan.tables)
    sheets = pd.read_excel(io.BytesIO(data), sheet_name=None, engine="openpyxl")
    for name, text in plan_to_csv(plan).items():
        table = name.removesuffix(".csv")
        assert book[table]["A1"].font.b
        rows = read_rows(text)
        sheet = sheets[table]
        assert list(sheet.columns) == rows[0]
        for row, cells in zip(sheet.itertuples(index=False), rows[1:], strict=True):
            for value, cell in zip(row, cells, strict=True):
                if cell == "":
                    assert pd.isna(value), (table, cells)
                elif is_number(cell):
                    assert float(value) == float(cell), (table, cells)
                else:
                    assert str(value) == cell, (table, cells)


def test_sheet_names_fit_excel() -> None:
    assert sheet_name("budget_by_month") == "budget_by_month"
    long = "x" * 40
    assert sheet_name(long) == "x" * 31
    assert sheet_name(long, ["x" * 31]) == "x" * 29 + "~2"
    assert sheet_name("a/b:c?") == "a_b_c_"
    assert all(len(sheet_name(name)) <= 31 for name in (long, "y" * 31, "z" * 32))


# --- the bundle --------------------------------------------------------------------------------


def open_zip(data: bytes) -> dict[str, bytes]:
    with zipfile.ZipFile(io.BytesIO(data)) as archive:
        return {name: archive.read(name) for name in archive.namelist()}


@pytest.mark.parametrize("path", BUILTIN_FILES, ids=IDS)
def test_bundle_is_the_same_bytes_for_the_same_plan_and_time(path: Path) -> None:
    scenario = load_scenario(path)
    one = plan_to_zip(build_plan(scenario, draws=DRAWS), exported_at=WHEN)
    two = plan_to_zip(build_plan(scenario, draws=DRAWS), exported_at=WHEN)
    assert one == two
    later = plan_to_zip(build_plan(scenario, draws=DRAWS), exported_at=WHEN + dt.timedelta(1))
    assert later != one
    first, second = open_zip(one), open_zip(later)
    assert first.keys() == second.keys()
    # Only the manifest (which records the time) differs.
    assert [name for name in first if first[name] != second[name]] == ["manifest.json"]
    with zipfile.ZipFile(io.BytesIO(one)) as archive:
        names = archive.namelist()
        assert names == sorted(names)
        assert {info.date_time for info in archive.infolist()} == {(2024, 5, 6, 7, 8, 8)}


@pytest.mark.parametrize("path", BUILTIN_FILES, ids=IDS)
def test_manifest_records_the_plan_and_every_files_checksum(path: Path) -> None:
    plan = plan_of(path)
    files = open_zip(plan_to_zip(plan, exported_at=WHEN))
    manifest = json.loads(files["manifest.json"])
    assert manifest["generator"] == "Cohort Planner"
    assert manifest["version"] == planning.__version__
    assert manifest["seed"] == plan.seed
    assert manifest["draws"] == plan.draws == DRAWS
    assert manifest["scenario_name"] == plan.scenario.name
    assert manifest["scenario_kind"] == plan.scenario.kind
    assert manifest["currency"] == plan.scenario.currency
    assert manifest["exported_at"] == "2024-05-06T07:08:09Z"
    # The hash names the scenario in the bundle, read back.
    bundled = parse_scenario(files["scenario.yaml"].decode("utf-8"))
    assert manifest["scenario_hash"] == scenario_hash(bundled) == plan.scenario_hash
    listed = {entry["name"]: entry for entry in manifest["files"]}
    assert set(listed) == set(files) - {"manifest.json"}
    assert {f"{name}.csv" for name in plan.tables} | {"scenario.yaml", "README.md"} == set(listed)
    for name, entry in listed.items():
        assert entry["sha256"] == hashlib.sha256(files[name]).hexdigest(), name
        assert entry["bytes"] == len(files[name])


def test_time_of_export_must_have_a_time_zone() -> None:
    plan = plan_of(BUILTIN_FILES[0])
    with pytest.raises(ValueError, match="no time zone"):
        plan_to_zip(plan, exported_at=dt.datetime(2024, 1, 1))
    # Another zone is converted to UTC: 09:08:09+02:00 is 07:08:09Z.
    plus_two = dt.datetime(2024, 5, 6, 9, 8, 9, tzinfo=dt.timezone(dt.timedelta(hours=2)))
    manifest = json.loads(plan_files(plan, exported_at=plus_two)["manifest.json"])
    assert manifest["exported_at"] == "2024-05-06T07:08:09Z"


@pytest.mark.parametrize("path", BUILTIN_FILES, ids=IDS)
def test_readme_describes_every_column_of_every_table(path: Path) -> None:
    plan = plan_of(path)
    files = open_zip(plan_to_zip(plan, exported_at=WHEN))
    readme = files["README.md"].decode("utf-8")
    sections = {part.split("\n", 1)[0].strip(): part for part in readme.split("\n## ")[1:]}
    for name in plan.tables:
        section = sections[f"{name}.csv"]
        header = read_rows(files[f"{name}.csv"].decode("utf-8"))[0]
        for column in header:
            assert f"| `{column}` | " in section, (name, column)
    assert "(no description)" not in readme
    assert f"--seed {plan.seed} --draws {plan.draws}" in readme


def test_roadshow_column_docs_match_the_roadshow_tables() -> None:
    docs = export.TOUR_COLUMNS
    assert tuple(docs["stops"]) == roadshow.STOP_COLUMNS
    assert tuple(docs["states"]) == roadshow.STATE_COLUMNS
    assert tuple(docs["reach"]) == roadshow.REACH_COLUMNS
    assert tuple(docs["budget_by_month"]) == roadshow.BUDGET_COLUMNS


@pytest.mark.parametrize("path", BUILTIN_FILES, ids=IDS)
def test_bundle_scenario_makes_the_same_tables_again(path: Path) -> None:
    # A seed and draws other than the scenario's own, so the manifest must carry them.
    plan = build_plan(load_scenario(path), seed=7, draws=1_500)
    files = open_zip(plan_to_zip(plan, exported_at=WHEN))
    manifest = json.loads(files["manifest.json"])
    again = build_plan(
        parse_scenario(files["scenario.yaml"].decode("utf-8")),
        seed=manifest["seed"],
        draws=manifest["draws"],
    )
    for name, text in plan_to_csv(again).items():
        assert files[name] == text.encode("utf-8"), name


# --- writing files -----------------------------------------------------------------------------


def listing(folder: Path) -> dict[str, bytes]:
    return {path.name: path.read_bytes() for path in sorted(folder.iterdir())}


def test_write_plan_creates_the_folder_and_writes_the_bundle_files(tmp_path: Path) -> None:
    plan = plan_of(BUILTIN_FILES[0])
    out = tmp_path / "new" / "nested"
    paths = write_plan(plan, out, exported_at=WHEN)
    assert [path.name for path in paths] == sorted(path.name for path in paths)
    assert listing(out) == plan_files(plan, exported_at=WHEN)
    assert os.listdir(tmp_path) == ["new"]  # no staging folder left beside it


@pytest.mark.parametrize(("fmt", "name"), [("zip", "plan.zip"), ("xlsx", "plan.xlsx")])
def test_write_plan_single_file_formats(tmp_path: Path, fmt: str, name: str) -> None:
    plan = plan_of(BUILTIN_FILES[0])
    (path,) = write_plan(plan, tmp_path, fmt, exported_at=WHEN)  # type: ignore[arg-type]
    assert path == tmp_path / name
    assert os.listdir(tmp_path) == [name]
    if fmt == "zip":
        assert path.read_bytes() == plan_to_zip(plan, exported_at=WHEN)
    else:
        assert load_workbook(path.read_bytes()).sheetnames == list(plan.tables)


def test_unknown_format_is_named(tmp_path: Path) -> None:
    with pytest.raises(ValueError, match="unknown export format 'pdf'; use one of csv, zip"):
        write_plan(plan_of(BUILTIN_FILES[0]), tmp_path, "pdf")  # type: ignore[arg-type]


def test_occupied_folder_is_refused_unless_forced(tmp_path: Path) -> None:
    plan = plan_of(BUILTIN_FILES[0])
    (tmp_path / "seats.csv").write_text("mine\n")
    (tmp_path / "notes.txt").write_text("keep me\n")
    with pytest.raises(ExportError, match=r"already holds seats\.csv; .*--force"):
        write_plan(plan, tmp_path)
    assert listing(tmp_path) == {"notes.txt": b"keep me\n", "seats.csv": b"mine\n"}
    write_plan(plan, tmp_path, force=True, exported_at=WHEN)
    expected = plan_files(plan, exported_at=WHEN) | {"notes.txt": b"keep me\n"}
    assert listing(tmp_path) == dict(sorted(expected.items()))


def test_a_file_where_the_folder_should_be_is_refused(tmp_path: Path) -> None:
    target = tmp_path / "plan"
    target.write_text("x")
    with pytest.raises(ExportError, match="is a file, not a folder"):
        write_plan(plan_of(BUILTIN_FILES[0]), target)
    with pytest.raises(ExportError, match="cannot write to"):
        write_plan(plan_of(BUILTIN_FILES[0]), target / "inside")
    assert listing(tmp_path) == {"plan": b"x"}


def fail_after_first(monkeypatch: pytest.MonkeyPatch) -> None:
    real = export._write_staged
    calls: list[Path] = []

    def flaky(path: Path, data: bytes) -> None:
        if calls:
            raise OSError(28, "No space left on device")
        calls.append(path)
        real(path, data)

    monkeypatch.setattr(export, "_write_staged", flaky)


def test_failure_while_writing_a_new_folder_leaves_nothing(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    fail_after_first(monkeypatch)
    with pytest.raises(ExportError, match="No space left on device"):
        write_plan(plan_of(BUILTIN_FILES[0]), tmp_path / "a" / "b")
    assert os.listdir(tmp_path) == []  # not even the parents it made


def test_failure_while_writing_into_a_folder_leaves_it_as_it_was(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    (tmp_path / "seats.csv").write_text("mine\n")
    fail_after_first(monkeypatch)
    with pytest.raises(ExportError, match="No space left on device"):
        write_plan(plan_of(BUILTIN_FILES[0]), tmp_path, force=True)
    assert listing(tmp_path) == {"seats.csv": b"mine\n"}


def test_failure_while_moving_files_in_puts_the_old_ones_back(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    plan = plan_of(BUILTIN_FILES[0])
    names = list(plan_files(plan))
    # Two files already there; the move of the fourth file fails.
    (tmp_path / names[0]).write_text("old 0\n")
    (tmp_path / names[2]).write_text("old 2\n")
    real = os.replace
    moves: list[tuple[str, str]] = []

    def flaky(source: Any, target: Any) -> None:
        if Path(target).parent == tmp_path and Path(target).name == names[3] and not moves:
            moves.append((str(source), str(target)))
            raise OSError(5, "Input/output error")
        real(source, target)

    monkeypatch.setattr(os, "replace", flaky)
    with pytest.raises(ExportError, match="Input/output error"):
        write_plan(plan, tmp_path, force=True)
    assert moves
    assert listing(tmp_path) == {names[0]: b"old 0\n", names[2]: b"old 2\n"}


def test_the_workbook_is_byte_stable_and_carries_the_time_of_export() -> None:
    plan = plan_of(BUILTIN_FILES[0])
    moment = dt.datetime(2026, 3, 4, 5, 6, 7, tzinfo=dt.UTC)
    first = plan_to_xlsx(plan, exported_at=moment)
    assert plan_to_xlsx(plan, exported_at=moment) == first
    book = load_workbook(first)
    assert book.properties.created == book.properties.modified == moment.replace(tzinfo=None)
    with zipfile.ZipFile(io.BytesIO(first)) as archive:
        # Zip keeps times to two seconds: 05:06:07 is stored as 05:06:06.
        assert {info.date_time for info in archive.infolist()} == {(2026, 3, 4, 5, 6, 6)}
        assert archive.testzip() is None
    # A second later is another workbook with the same cells.
    later = plan_to_xlsx(plan, exported_at=moment + dt.timedelta(seconds=1))
    assert later != first
    assert _sheets(later) == _sheets(first)


def _sheets(data: bytes) -> dict[str, list[tuple[object, ...]]]:
    book = load_workbook(data)
    return {sheet.title: list(sheet.iter_rows(values_only=True)) for sheet in book.worksheets}
