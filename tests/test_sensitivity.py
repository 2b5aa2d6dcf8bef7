"""Tests of the sensitivity analyses: tornado tables and two-input sweeps.

Two kinds of evaluate are used. A hand-made one whose outputs are simple functions of the
inputs, so every change in the table can be worked out by hand; and the real simulation
with seats and grants held fixed (the cheap evaluate the module docstring describes), for
what must hold of it: with fixed seats and grants the total budget cannot change what is
spent, only the risk of overrunning it, and common random numbers make inputs the
simulation does not read leave the outputs exactly unchanged.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from typing import Any

import numpy as np
import pytest

from planning.scenario import Scenario, load_scenario, replace, scenario_from_dict
from planning.sensitivity import (
    SENSITIVITY_INPUTS,
    FieldBounds,
    SensitivityInput,
    expand_inputs,
    field_bounds,
    moved_values,
    sweep,
    tornado,
)
from planning.simulate import simulate, simulation_metrics

from .conftest import ROOT

# Seats and grants held fixed: 5 seats in each of the 4 regions at 40,000 each.
SEATS = [5, 5, 5, 5]
GRANTS = [40_000.0] * 4
# The plan: grants 20 x 40,000 = 800,000; training costs 2 months x 100 x 20 = 4,000;
# fixed costs 5 months x 1,000 = 5,000. In all 809,000.
PLANNED = 809_000.0


def scenario_from(data: dict[str, Any], **changes: Any) -> Scenario:
    """The test scenario with applicants expected, a tight budget, and changes by path."""
    data["cohort"]["expected_applicants"] = 400
    data["budget"]["total"] = PLANNED
    data["simulation"].update(draws=2_000, cost_uncertainty=0.3, applicant_dispersion=0.5)
    for path, value in changes.items():
        *keys, last = path.split(".")
        target = data
        for key in keys:
            target = target[int(key)] if isinstance(target, list) else target[key]
        target[last] = value
    return scenario_from_dict(data)


def simulated(scenario: Scenario, seed: int) -> Mapping[str, float]:
    """Evaluate with seats and grants fixed: only what the simulation reads can matter."""
    return simulation_metrics(simulate(scenario, SEATS, GRANTS, seed=seed))


class HandEvaluate:
    """Outputs that are simple functions of three inputs; records the seeds it is given."""

    def __init__(self) -> None:
        self.seeds: list[int] = []

    def __call__(self, scenario: Scenario, seed: int) -> dict[str, float]:
        self.seeds.append(seed)
        return {
            "spend_p50": 2 * scenario.budget.total + 1_000 * scenario.cohort.seats,
            "filled_p50": float(scenario.cohort.seats),
            "p_overrun": scenario.simulation.dropout_per_month,
        }


HAND_INPUTS = [
    "simulation.dropout_per_month",
    "eligibility.leader_age_pass_share",
    "cohort.seats",
    "budget.fixed_costs_per_month",
    "budget.total",
]


# --- the schema ----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("path", "bounds"),
    [
        ("simulation.dropout_per_month", FieldBounds(0.0, 0.5, False)),
        ("eligibility.leader_age_pass_share", FieldBounds(0.0, 1.0, False)),
        ("cohort.seats", FieldBounds(1.0, 1_000_000.0, True)),
        ("budget.participant_costs.training", FieldBounds(0.0, 1e11, False)),
        ("regions.3.cap", FieldBounds(0.0, 1_000_000.0, True)),
        ("budget.disbursement.0.at", FieldBounds(0.0, 1.0, False)),
    ],
)
def test_field_bounds_come_from_the_scenario_model(path: str, bounds: FieldBounds) -> None:
    assert field_bounds(path) == bounds


@pytest.mark.parametrize("path", ["budget.totl", "name", "regions.x.cap", "cohort.method"])
def test_field_bounds_name_a_bad_path(path: str) -> None:
    with pytest.raises(ValueError, match=path.replace(".", r"\.")):
        field_bounds(path)


def test_moved_values_are_clamped_and_rounded() -> None:
    whole = FieldBounds(1.0, 1_000_000.0, True)
    assert moved_values(21, 0.2, whole) == (17.0, 25.0)  # 16.8 and 25.2, rounded
    assert moved_values(1, 0.4, whole) == (1.0, 1.0)  # 0.6 rounds to 1; 1.4 to 1
    share = FieldBounds(0.0, 1.0, False)
    low, high = moved_values(1.0, 0.2, share)
    assert (low, high) == (pytest.approx(0.8), 1.0)  # 1.2 held at the bound
    low, high = moved_values(0.45, 0.2, FieldBounds(0.0, 0.5, False))
    assert (low, high) == (pytest.approx(0.36), 0.5)  # 0.54 held at the bound


def test_wildcard_inputs_expand_to_the_scenario_keys(valid_dict: dict[str, Any]) -> None:
    valid_dict["budget"]["participant_costs"] = {"execution": 20, "training": 100}
    scenario = scenario_from_dict(valid_dict)
    expanded = expand_inputs(scenario, SENSITIVITY_INPUTS)
    paths = [entry.path for entry in expanded]
    assert "budget.participant_costs.*" not in paths
    assert (
        SensitivityInput(
            "budget.participant_costs.training", "Participant cost per month (training)"
        )
        in expanded
    )
    assert "budget.participant_costs.execution" in paths
    # Every default input names a numeric field the model bounds.
    for entry in expanded:
        field_bounds(entry.path)


# --- tornado -------------------------------------------------------------------------------------


def test_tornado_by_hand(valid_dict: dict[str, Any]) -> None:
    # Base: budget 1,000,000, 21 seats, drop-out 0.02, pass share 1, fixed costs 0.
    # budget.total: 800,000 / 1,200,000 -> spend -400,000 / +400,000, swing 800,000.
    # cohort.seats: 16.8 -> 17 / 25.2 -> 25 -> spend -/+4,000, filled -/+4, swing 8,000.
    # dropout: 0.016 / 0.024 -> p_overrun -/+0.004, spend unchanged: swing 0.
    # pass share: 0.8 / 1.2 held at 1 -> nothing changes: swing 0.
    # fixed costs: 0, skipped.
    valid_dict["cohort"]["seats"] = 21
    valid_dict["budget"]["fixed_costs_per_month"] = 0
    scenario = scenario_from_dict(valid_dict)
    evaluate = HandEvaluate()
    table = tornado(scenario, evaluate, share=0.2, inputs=HAND_INPUTS)
    assert list(table["input"]) == [
        "budget.total",
        "cohort.seats",
        "simulation.dropout_per_month",  # swing 0; ties keep the order of the inputs
        "eligibility.leader_age_pass_share",
        "budget.fixed_costs_per_month",  # skipped: no swing, last
    ]
    rows = table.set_index("input")
    total = rows.loc["budget.total"]
    assert (total["low_value"], total["high_value"]) == (800_000, 1_200_000)
    assert total["spend_p50_low"] == pytest.approx(-400_000)
    assert total["spend_p50_high"] == pytest.approx(400_000)
    assert total["spend_p50_swing"] == pytest.approx(800_000)
    seats = rows.loc["cohort.seats"]
    assert (seats["low_value"], seats["high_value"]) == (17, 25)
    assert (seats["spend_p50_low"], seats["spend_p50_high"]) == (-4_000, 4_000)
    assert (seats["filled_p50_low"], seats["filled_p50_high"]) == (-4, 4)
    dropout = rows.loc["simulation.dropout_per_month"]
    assert dropout["p_overrun_low"] == pytest.approx(-0.004)
    assert dropout["p_overrun_high"] == pytest.approx(0.004)
    assert dropout["p_overrun_swing"] == pytest.approx(0.008)
    assert dropout["spend_p50_swing"] == 0
    share = rows.loc["eligibility.leader_age_pass_share"]
    assert share["high_value"] == 1.0
    assert "bound" in share["note"]
    skipped = rows.loc["budget.fixed_costs_per_month"]
    assert skipped["status"] == "skipped"
    assert "0" in skipped["note"]
    assert math.isnan(skipped["spend_p50_swing"])
    assert set(table["status"]) == {"ok", "skipped"}
    assert table.attrs["base"]["spend_p50"] == 2 * 1_000_000 + 21_000
    # Common random numbers: the base and every moved scenario got the scenario's seed.
    assert set(evaluate.seeds) == {scenario.simulation.seed}


def test_an_invalid_moved_value_is_reported_not_raised(valid_dict: dict[str, Any]) -> None:
    # Floors add up to 18; seats 21 move down to 17, below the floors.
    for region, floor in zip(valid_dict["regions"], [6, 4, 4, 4], strict=True):
        region["floor"] = floor
    valid_dict["cohort"]["seats"] = 21
    scenario = scenario_from_dict(valid_dict)
    table = tornado(scenario, HandEvaluate(), share=0.2, inputs=["cohort.seats"])
    row = table.iloc[0]
    assert row["status"] == "partly invalid"
    assert "cohort.seats" in row["low_problem"]
    assert "floors" in row["low_problem"]
    assert row["high_problem"] == ""
    assert math.isnan(row["spend_p50_low"])
    assert row["spend_p50_high"] == 4_000
    # The swing uses what could be evaluated: from the base (0) to the high side.
    assert row["spend_p50_swing"] == 4_000


def test_tornado_on_the_simulation_with_fixed_seats(valid_dict: dict[str, Any]) -> None:
    scenario = scenario_from(valid_dict)
    inputs = [
        "budget.total",
        "cohort.seats",
        "budget.grant_cap",
        "simulation.dropout_per_month",
        "simulation.cost_uncertainty",
        "budget.fixed_costs_per_month",
    ]
    table = tornado(scenario, simulated, inputs=inputs)
    rows = table.set_index("input")
    total = rows.loc["budget.total"]
    # Seats and grants are fixed, so the budget changes no draw's spending...
    for name in ("spend_p50", "filled_p50"):
        assert total[f"{name}_low"] == 0
        assert total[f"{name}_high"] == 0
    # ... only how often that spending overruns it: the budget is the plan's spend, so a
    # 20% smaller budget overruns more often and a 20% larger one less often.
    assert total["p_overrun_low"] > 0 > total["p_overrun_high"]
    # The simulation does not read seats or the grant cap from the scenario here.
    for path in ("cohort.seats", "budget.grant_cap"):
        changes = rows.loc[path, ["spend_p50_low", "spend_p50_high", "p_overrun_low"]]
        assert (changes == 0).all(), path
    # Fixed costs change spend in every draw: 5 months x 1,000 x 20% = 1,000 at the
    # average cost factor, so the median moves.
    assert rows.loc["budget.fixed_costs_per_month", "spend_p50_high"] > 0
    swings = table["spend_p50_swing"].to_numpy()
    assert np.all(np.diff(swings) <= 0)


def test_tornado_with_no_inputs_is_an_empty_table(valid_dict: dict[str, Any]) -> None:
    table = tornado(scenario_from_dict(valid_dict), HandEvaluate(), inputs=[])
    assert table.empty
    assert "spend_p50_swing" in table.columns


def test_tornado_refuses_bad_arguments(valid_dict: dict[str, Any]) -> None:
    scenario = scenario_from_dict(valid_dict)
    with pytest.raises(ValueError, match="share"):
        tornado(scenario, HandEvaluate(), share=0.0)
    with pytest.raises(ValueError, match="sort_by"):
        tornado(scenario, HandEvaluate(), sort_by="spend_mean")
    with pytest.raises(ValueError, match="outputs"):
        tornado(scenario, HandEvaluate(), outputs=["completers_p50"])
    with pytest.raises(ValueError, match=r"budget\.totl"):
        tornado(scenario, HandEvaluate(), inputs=["budget.totl"])


# --- sweep ---------------------------------------------------------------------------------------


def test_sweep_over_inputs_the_output_ignores_is_exactly_constant(
    valid_dict: dict[str, Any],
) -> None:
    # Spend depends on draws of applicants, drop-out and costs; with fixed seats and grants
    # it does not depend on the budget, nor on the tornado's share. Each point has the same
    # seed, so the noise is the same at every point and the table is exactly constant.
    scenario = scenario_from(valid_dict)
    budgets = [850_000.0, 900_000.0, 1_000_000.0]
    shares = [0.1, 0.3]
    table = sweep(
        scenario,
        simulated,
        ("budget.total", budgets),
        ("simulation.sensitivity_share", shares),
        "spend_p50",
    )
    assert list(table.columns) == ["x", "y", "value", "problem"]
    assert list(table["x"]) == [850_000.0] * 2 + [900_000.0] * 2 + [1_000_000.0] * 2
    assert list(table["y"]) == shares * 3
    assert table["value"].nunique() == 1
    assert table["value"].iloc[0] == simulated(scenario, scenario.simulation.seed)["spend_p50"]
    assert (table["problem"] == "").all()
    assert table.attrs == {
        "x": "budget.total",
        "y": "simulation.sensitivity_share",
        "output": "spend_p50",
    }


def test_sweep_values_by_hand_and_invalid_points(valid_dict: dict[str, Any]) -> None:
    scenario = scenario_from(valid_dict)
    table = sweep(
        scenario,
        simulated,
        ("simulation.dropout_per_month", [0.0, 0.1]),
        ("simulation.cost_uncertainty", [0.0, 0.3]),
        "spend_p50",
    )
    values = table.set_index(["x", "y"])["value"]
    # No drop-out and certain costs: 400 applicants are expected for 20 seats and a region
    # short of applicants hands its seats to the others (at the same grant), so the median
    # draw fills all 20 seats and spends exactly the plan's 809,000.
    assert values[(0.0, 0.0)] == pytest.approx(PLANNED)
    # Drop-out only removes spending; with certain costs the median is at most the plan.
    assert values[(0.1, 0.0)] < PLANNED
    bad = sweep(
        scenario,
        simulated,
        ("budget.total", [-1.0, 900_000.0]),
        ("cohort.seats", [19.6]),
        "p_overrun",
    )
    assert list(bad["y"]) == [20, 20]  # whole-number field: rounded
    assert math.isnan(bad["value"].iloc[0])
    assert "budget.total" in bad["problem"].iloc[0]
    assert bad["problem"].iloc[1] == ""


def test_sweep_refuses_bad_axes(valid_dict: dict[str, Any]) -> None:
    scenario = scenario_from_dict(valid_dict)
    with pytest.raises(ValueError, match=r"^x: "):
        sweep(scenario, HandEvaluate(), ("budget.total", []), ("cohort.seats", [20]), "p_overrun")
    with pytest.raises(ValueError, match="two different inputs"):
        sweep(scenario, HandEvaluate(), ("cohort.seats", [20]), ("cohort.seats", [21]), "x")
    with pytest.raises(ValueError, match=r"cohort\.method"):
        sweep(scenario, HandEvaluate(), ("cohort.method", [1]), ("cohort.seats", [20]), "x")


def test_a_roadshow_tornado_moves_the_tour_inputs() -> None:
    from planning.roadshow import tour_metrics
    from planning.sensitivity import default_inputs, expand_inputs

    scenario = load_scenario(ROOT / "scenarios" / "grand_circus_michigan.yaml")
    paths = [entry.path for entry in expand_inputs(scenario, default_inputs(scenario))]
    # One show-up input per audience, addressed by list index.
    for index in range(len(scenario.tracks)):
        assert f"tracks.{index}.show_up_rate" in paths
    assert "roadshow.cost_per_stop" in paths
    quick = replace(scenario, {"simulation.draws": 500})
    table = tornado(
        quick,
        tour_metrics,
        inputs=["tracks.0.show_up_rate", "budget.total"],
        outputs=("trained_p50", "cost_p50"),
    ).set_index("input")
    # More people showing up trains more people; the budget does not change who comes.
    row = table.loc["tracks.0.show_up_rate"]
    assert row["trained_p50_high"] > 0 > row["trained_p50_low"]
    assert table.loc["budget.total", "trained_p50_swing"] == 0
