"""Scenario -> seats, grants and fairness (planning/allocation.py) and the CLI verbs on it."""

from __future__ import annotations

import io
import math
from typing import Any

import numpy as np
import pandas as pd
import pytest

from planning.allocation import (
    allocate,
    allocate_seats,
    compare_methods,
    participant_cost,
    scenario_grant_pool,
    seat_paradoxes,
)
from planning.apportion import apportion, method_names
from planning.cli import main
from planning.regions import region_table, region_weights
from planning.scenario import ScenarioError, load_scenario, scenario_from_dict
from tests.conftest import SCENARIOS


def _people(populations: dict[str, float], **cohort: Any) -> dict[str, Any]:
    """A scenario whose weights are given populations (made-up region codes, one track)."""
    return {
        "kind": "accelerator",
        "name": "made up",
        "start_month": "2024-01",
        "phases": [{"name": "all", "months": 2}],
        "tracks": [{"code": "t", "name": "T"}],
        "regions": [
            {"code": code, "track": "t", "population": population, "expected_applicants": 100}
            for code, population in populations.items()
        ],
        "cohort": {"weight_basis": "population", **cohort},
        "budget": {"total": 1_000_000, "grant_cap": 100_000},
    }


def test_alabama_paradox_is_flagged_for_hamilton_only() -> None:
    # Populations 6, 6, 2 (total 14). Worked by hand:
    # 10 seats: quotas 4.286, 4.286, 1.429 -> floors 4, 4, 1 (9); largest remainder C (.429)
    #           -> 4, 4, 2.
    # 11 seats: quotas 4.714, 4.714, 1.571 -> floors 4, 4, 1 (9); remainders .714, .714
    #           beat .571 -> 5, 5, 1. C loses a seat as the total grows.
    scenario = scenario_from_dict(_people({"AA1": 6, "BB1": 6, "CC1": 2}, seats=10))
    assert allocate_seats(scenario).seats.tolist() == [4, 4, 2]
    assert allocate_seats(scenario, seats=11).seats.tolist() == [5, 5, 1]
    paradoxes = seat_paradoxes(scenario, range(5, 15), method="hamilton")
    assert {"region": "CC1", "seats_total": 10, "seats_before": 2, "seats_after": 1} in (
        paradoxes[["region", "seats_total", "seats_before", "seats_after"]].to_dict("records")
    )
    for method in ("jefferson", "webster", "huntington-hill", "adams", "dean"):
        assert seat_paradoxes(scenario, range(3, 40), method=method).empty, method


def test_weight_exponent_slides_from_people_to_regions() -> None:
    # Populations 81, 9, 1 and 9 seats. Exponent 1: quotas 81/91*9 = 8.01, 0.89, 0.099 ->
    # Hamilton 8, 1, 0. Exponent 0.5: weights 9, 3, 1 (total 13) -> quotas 6.23, 2.08, 0.69
    # -> 6, 2, 1 (one leftover seat to the .69 remainder). Exponent 0: 3 each.
    base = _people({"AA1": 81, "BB1": 9, "CC1": 1}, seats=9)
    seats = {}
    for exponent in (1.0, 0.5, 0.0):
        base["cohort"]["weight_exponent"] = exponent
        seats[exponent] = allocate_seats(scenario_from_dict(base)).seats.tolist()
    assert seats == {1.0: [8, 1, 0], 0.5: [6, 2, 1], 0.0: [3, 3, 3]}


def test_priority_multiplies_weight_after_the_exponent() -> None:
    data = _people({"AA1": 100, "BB1": 100}, seats=9, weight_exponent=0.0)
    data["regions"][0]["priority"] = 2.0
    # Exponent 0 makes both bases 1; priority 2 makes weights 2 and 1 -> quotas 6 and 3.
    scenario = scenario_from_dict(data)
    assert region_weights(scenario).tolist() == [2.0, 1.0]
    assert allocate_seats(scenario).seats.tolist() == [6, 3]


def test_fixed_track_seats_are_split_within_each_track(valid_dict: dict[str, Any]) -> None:
    valid_dict["cohort"]["track_seats"] = "fixed"
    valid_dict["tracks"][0]["seats"] = 12
    valid_dict["tracks"][1]["seats"] = 8
    scenario = scenario_from_dict(valid_dict)
    result = allocate_seats(scenario)
    table = result.table
    assert table.groupby("track")["seats"].sum().to_dict() == {"en": 12, "es": 8}
    # Independent check: apportion each track on its own with the same weights.
    weights = region_weights(scenario)
    for track, seats in (("en", 12), ("es", 8)):
        members = (table["track"] == track).to_numpy()
        expected = apportion(weights[members], seats, "hamilton").seats
        assert table.loc[members, "seats"].tolist() == expected.tolist()
    assert result.tracks.set_index("track")["seats"].to_dict() == {"en": 12, "es": 8}


def test_seats_from_regions_match_apportion_directly() -> None:
    scenario = load_scenario(SCENARIOS / "community_accelerator_2022.yaml")
    for method in method_names():
        seats = allocate_seats(scenario, method=method).seats
        direct = apportion(region_weights(scenario), scenario.cohort.seats, method).seats
        assert seats.tolist() == direct.tolist(), method


def test_first_edition_plan_respects_the_sources() -> None:
    scenario = load_scenario(SCENARIOS / "community_accelerator_2020.yaml")
    allocation = allocate(scenario)
    grants = allocation.grants_table
    assert int(allocation.seats.seats.sum()) == 80
    assert grants["total"].sum() <= 3_000_000
    assert (grants["grant"] <= scenario.budget.grant_cap).all()
    # 80 participants, no costs, USD 3M: an equal split of 37,500 spends it exactly.
    assert allocation.grants.spent + allocation.grants.leftover == pytest.approx(3_000_000)
    assert set(grants.loc[grants["participants"] > 0, "grant"]) == {37_500.0}


def test_grant_pool_takes_out_costs_and_contingency(valid_dict: dict[str, Any]) -> None:
    valid_dict["budget"]["contingency_share"] = 0.1
    scenario = scenario_from_dict(valid_dict)
    # Costs: 100 a month for 2 training months per seat = 200; fixed 1,000 x 5 months.
    assert participant_cost(scenario) == 200
    # 1,000,000 x 0.9 - 20 x 200 - 5,000 = 891,000
    assert scenario_grant_pool(scenario, 20) == pytest.approx(891_000)
    assert allocate(scenario).pool == pytest.approx(891_000)


def test_infeasible_grant_floor_names_the_budget_and_the_remedy(
    valid_dict: dict[str, Any],
) -> None:
    valid_dict["budget"]["grant_floor"] = 50_000
    valid_dict["budget"]["total"] = 500_000
    scenario = scenario_from_dict(valid_dict)
    with pytest.raises(ScenarioError) as caught:
        allocate(scenario)
    problem = caught.value.problems[0]
    assert problem.path == "budget"
    # Pool 500,000 - 4,000 - 5,000 = 491,000; floors need 20 x 50,000 = 1,000,000.
    assert "1,000,000" in problem.message
    assert "raise the total budget by USD 509,000" in problem.fix


def test_grant_messages_are_in_the_scenarios_currency(valid_dict: dict[str, Any]) -> None:
    # The same shortfall as above, with the budget in euros: no message may say USD.
    valid_dict["currency"] = "EUR"
    valid_dict["budget"]["grant_floor"] = 50_000
    valid_dict["budget"]["total"] = 500_000
    with pytest.raises(ScenarioError) as caught:
        allocate(scenario_from_dict(valid_dict))
    problem = caught.value.problems[0]
    assert "EUR 1,000,000" in problem.message
    assert "raise the total budget by EUR 509,000" in problem.fix
    assert "USD" not in problem.message + problem.fix
    valid_dict["budget"]["total"] = 1_500_000
    valid_dict["budget"]["grant_rule"] = "purchasing-power"  # its notes give the grant level
    notes = " ".join(allocate(scenario_from_dict(valid_dict)).grants.notes)
    assert "EUR" in notes
    assert "USD" not in notes


def test_infeasible_floors_with_fixed_tracks_are_reported(valid_dict: dict[str, Any]) -> None:
    valid_dict["cohort"]["cap_at_eligible"] = False
    valid_dict["regions"][0]["cap"] = 1
    valid_dict["regions"][1]["cap"] = 1
    valid_dict["cohort"]["track_seats"] = "fixed"
    valid_dict["tracks"][0]["seats"] = 12
    valid_dict["tracks"][1]["seats"] = 8
    with pytest.raises(ScenarioError) as caught:
        allocate(scenario_from_dict(valid_dict))
    assert caught.value.problems[0].path == "tracks"
    assert "10" in caught.value.problems[0].message  # caps hold 2 of 12: 10 short


def test_compare_methods_lines_up_every_method() -> None:
    scenario = load_scenario(SCENARIOS / "community_accelerator_2022.yaml")
    seats, indices = compare_methods(scenario)
    assert list(indices["method"]) == method_names()
    for method in method_names():
        assert seats[method].sum() == scenario.cohort.seats
    methods = method_names()
    expected_flips = seats[methods].apply(lambda row: len(set(row)) > 1, axis=1)
    assert seats["flips"].tolist() == expected_flips.tolist()
    # Jefferson favours large regions: never fewer seats for the largest weight than Adams.
    largest = int(np.argmax(region_weights(scenario)))
    assert seats["jefferson"].iloc[largest] >= seats["adams"].iloc[largest]


def test_fairness_of_the_allocation_uses_the_seats_and_real_grants() -> None:
    scenario = load_scenario(SCENARIOS / "community_accelerator_2022.yaml")
    allocation = allocate(scenario)
    values = allocation.fairness.as_dict()
    weights = allocation.seats.table["weight"].to_numpy()
    seats = allocation.seats.seats
    share_w = weights / weights.sum() * 100
    share_s = seats / seats.sum() * 100
    assert values["loosemore_hanby"] == pytest.approx(np.abs(share_w - share_s).sum() / 2)
    # Equal nominal grants, different price levels: real grants are unequal, so Gini > 0.
    assert values["gini_real_grant"] > 0


def test_seat_table_columns_and_seats_per_million() -> None:
    scenario = load_scenario(SCENARIOS / "community_accelerator_2020.yaml")
    table = allocate_seats(scenario).table
    regions = region_table(scenario)
    expected = table["seats"] / regions["population"] * 1e6
    assert np.allclose(table["seats_per_million"], expected)
    assert list(table.columns[:9]) == [
        "region",
        "name",
        "track",
        "weight",
        "quota",
        "seats",
        "floor",
        "cap",
        "seats_per_million",
    ]
    with_margins = allocate_seats(scenario, margins=True).table
    assert {"margin_gain", "margin_lose"} <= set(with_margins.columns)


# --- command line ----------------------------------------------------------------------------


def _run(*argv: str) -> tuple[int, str, str]:
    out, err = io.StringIO(), io.StringIO()
    status = main(list(argv), out, err)
    return status, out.getvalue(), err.getvalue()


def test_cli_apportion_prints_csv_in_input_order(tmp_path: Any) -> None:
    weights = tmp_path / "w.csv"
    weights.write_text("region,weight\nC,2\nA,5\nB,3\n", encoding="utf-8")
    status, out, _ = _run("apportion", str(weights), "--seats", "7", "--method", "dhondt")
    assert status == 0
    table = pd.read_csv(io.StringIO(out))
    assert list(table.columns[:4]) == ["region", "weight", "quota", "seats"]
    assert table["region"].tolist() == ["C", "A", "B"]
    # D'Hondt by hand: quotients 5, 3, 2.5, 2, 1.67, 1.5, 1.25(A/4) ... the 7 largest of
    # A: 5, 2.5, 1.67, 1.25; B: 3, 1.5, 1; C: 2, 1 -> A 4 (5, 2.5, 1.67, 1.25), B 2, C 1.
    assert table["seats"].tolist() == [1, 4, 2]
    assert table["quota"].tolist() == pytest.approx([1.4, 3.5, 2.1])


def test_cli_apportion_reads_per_row_floor_and_cap(tmp_path: Any) -> None:
    weights = tmp_path / "w.csv"
    weights.write_text("region,weight,floor,cap\nA,90,,5\nB,9,2,\nC,1,1,\n", encoding="utf-8")
    status, out, _ = _run("apportion", str(weights), "--seats", "10")
    assert status == 0
    table = pd.read_csv(io.StringIO(out))
    assert table["seats"].tolist() == [5, 4, 1]


@pytest.mark.parametrize(
    ("content", "args", "fragment"),
    [
        ("region,size\nA,1\n", [], "missing column(s) weight"),
        ("region,weight\nA,-1\n", [], "negative"),
        ("region,weight\nA,lots\n", [], "'lots' is not a number"),
        ("region,weight\nA,1\n", ["--method", "borda"], "unknown apportionment method"),
        ("region,weight\nA,1\nB,1\n", ["--floor", "6"], "floors sum to 12"),
    ],
)
def test_cli_apportion_bad_input_is_one_clear_line(
    tmp_path: Any, content: str, args: list[str], fragment: str
) -> None:
    weights = tmp_path / "w.csv"
    weights.write_text(content, encoding="utf-8")
    status, out, err = _run("apportion", str(weights), "--seats", "10", *args)
    assert status == 2
    assert out == ""
    assert fragment in err
    assert len(err.strip().splitlines()) == 1
    assert "Traceback" not in err


def test_cli_allocate_gives_seats_and_grants() -> None:
    path = SCENARIOS / "community_accelerator_2020.yaml"
    status, out, err = _run("allocate", str(path))
    assert status == 0
    table = pd.read_csv(io.StringIO(out), keep_default_na=False, na_values=[""])
    assert table["seats"].sum() == 80
    assert (table["seats"] * table["grant"]).sum() == pytest.approx(table["total"].sum())
    assert table["total"].sum() <= 3_000_000
    assert "grant pool" in err
    assert not math.isnan(table["grant_real"].iloc[0])
