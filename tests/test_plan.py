"""A plan's tables agree with each other and with the scenario, and are reproducible.

Totals are worked out again here from the scenario's own fields (costs, months, phases,
tracks), not taken from the code under test; the first edition's limits come from the
source text (SEED_FACTS.md, parsed in test_builtin_scenarios).
"""

from __future__ import annotations

import math
from pathlib import Path
from typing import Any

import pytest

from planning.export import plan_to_csv
from planning.plan import COLUMNS, EXPORT_TABLES, TOUR_TABLES, Plan, build_plan
from planning.scenario import Scenario, load_scenario, scenario_from_dict
from planning.simulate import clear_draw_cache

from .conftest import BUILTIN_FILES, SCENARIOS
from .test_builtin_scenarios import code_for, first_edition_country_names

ACCELERATORS = [path for path in BUILTIN_FILES if "accelerator" in path.stem]
ROADSHOWS = [path for path in BUILTIN_FILES if path not in ACCELERATORS]
DRAWS = 2_000  # enough for every check below; the built-ins' 10,000 are for the bench

_plans: dict[tuple[str, int | None, int], Plan] = {}


def plan_of(path: Path, seed: int | None = None, draws: int = DRAWS) -> Plan:
    """The plan of a built-in, made once per (file, seed, draws) for the whole module."""
    key = (path.name, seed, draws)
    if key not in _plans:
        _plans[key] = build_plan(load_scenario(path), seed=seed, draws=draws)
    return _plans[key]


def figure(plan: Plan, name: str) -> float:
    summary = plan.tables["summary"]
    (value,) = summary.loc[summary["figure"] == name, "value"].tolist()
    return float(value)


def participant_costs(scenario: Scenario, participants: int) -> float:
    """Costs per participant per month by phase, times the phase's months, times people."""
    per_seat = sum(
        scenario.budget.participant_costs.get(phase.name, 0.0) * phase.months
        for phase in scenario.phases
    )
    return per_seat * participants


def fixed_costs(scenario: Scenario) -> float:
    return scenario.budget.fixed_costs_per_month * sum(phase.months for phase in scenario.phases)


def assert_accelerator_totals_agree(plan: Plan) -> None:
    scenario = plan.scenario
    tables = plan.tables
    assert tuple(tables) == EXPORT_TABLES
    seats, grants, budget = tables["seats"], tables["grants"], tables["budget_by_month"]
    for name in ("seats", "tracks", "grants", "budget_by_month", "funnel", "fairness"):
        assert list(tables[name].columns) == list(COLUMNS[name]), name

    participants = int(seats["seats"].sum())
    assert participants == int(grants["participants"].sum()) == figure(plan, "participants")
    assert participants <= scenario.cohort.seats == figure(plan, "seats")
    assert seats["region"].tolist() == grants["region"].tolist()
    assert (seats["seats"].to_numpy() == grants["participants"].to_numpy()).all()
    # Tracks hold their regions' seats.
    by_track = seats.groupby("track")["seats"].sum()
    tracks = tables["tracks"].set_index("track")["seats"]
    assert {key: int(value) for key, value in by_track.items()} == {
        key: int(value) for key, value in tracks.items()
    }
    # Each region's total is its participants times its grant, and they add up.
    assert grants["total"].tolist() == pytest.approx(
        (grants["participants"] * grants["grant"]).tolist(), rel=1e-12, abs=1e-6
    )
    grants_total = float(grants["total"].sum())
    assert figure(plan, "grants_total") == pytest.approx(grants_total, rel=1e-12)

    # Planned spend: the grants, plus costs worked out from the scenario's fields.
    costs = participant_costs(scenario, participants)
    fixed = fixed_costs(scenario)
    planned = float(budget["planned_spend"].sum())
    assert planned == pytest.approx(grants_total + costs + fixed, rel=1e-12, abs=1e-6)
    assert figure(plan, "planned_spend") == pytest.approx(planned, rel=1e-12, abs=1e-6)
    assert figure(plan, "participant_costs") == pytest.approx(costs, abs=1e-6)
    assert figure(plan, "fixed_costs") == pytest.approx(fixed, abs=1e-6)

    # The grant pool is what the costs and the contingency leave; the leftover, what the
    # grants leave of the pool.
    contingency = scenario.budget.total * scenario.budget.contingency_share
    pool = scenario.budget.total - costs - fixed - contingency
    assert figure(plan, "contingency") == pytest.approx(contingency, abs=1e-6)
    assert figure(plan, "grant_pool") == pytest.approx(pool, rel=1e-12, abs=1e-6)
    assert figure(plan, "leftover") == pytest.approx(pool - grants_total, abs=1e-6)
    assert figure(plan, "mean_grant") == pytest.approx(grants_total / participants, rel=1e-12)

    # One row per programme month, in order from the start month.
    year, month = map(int, scenario.start_month.split("-"))
    months = sum(phase.months for phase in scenario.phases)
    expected_months = [
        f"{year + (month - 1 + k) // 12:04d}-{(month - 1 + k) % 12 + 1:02d}" for k in range(months)
    ]
    assert budget["month"].tolist() == expected_months
    phases = [phase.name for phase in scenario.phases for _ in range(phase.months)]
    assert budget["phase"].tolist() == phases
    # The cumulative spend at the end of the last month is the total spend of each draw, so
    # its median is the median of the total spend.
    assert float(budget["cumulative_p50"].iloc[-1]) == pytest.approx(
        figure(plan, "spend_p50"), rel=1e-9, abs=1e-6
    )
    assert figure(plan, "spend_p50") <= figure(plan, "spend_p90")

    fairness = tables["fairness"].set_index("index")["value"]
    assert figure(plan, "gallagher") == pytest.approx(float(fairness["gallagher"]))
    assert figure(plan, "max_min_ratio") == pytest.approx(float(fairness["max_min_ratio"]))
    # The scenario's own method, in the methods table, gives the seats table's seats.
    methods = tables["methods"].set_index("method")
    if scenario.cohort.method in methods.index:
        row = methods.loc[scenario.cohort.method, seats["region"].tolist()]
        assert [int(value) for value in row] == seats["seats"].tolist()
    assert tables["funnel"]["region"].tolist() == seats["region"].tolist()


@pytest.mark.parametrize("path", ACCELERATORS, ids=[path.stem for path in ACCELERATORS])
def test_accelerator_tables_agree(path: Path) -> None:
    assert_accelerator_totals_agree(plan_of(path))


def test_costs_and_disbursement_by_hand(valid_dict: dict[str, Any]) -> None:
    # The built-in accelerators have no costs, so check the sums where there are some.
    # conftest's scenario: 20 seats, training 2 months at 100 per participant a month,
    # execution 3 months, fixed 1,000 a month, budget 1,000,000, grant cap 50,000.
    #   participant costs 20 x 100 x 2 = 4,000; fixed costs 1,000 x 5 = 5,000
    #   grant pool 1,000,000 - 4,000 - 5,000 = 991,000; equal grant 991,000 / 20 = 49,550
    #   (under the 50,000 cap, a multiple of the grant unit 1).
    # Half the grants (495,500) at the start of training (month 0), half halfway through
    # execution: month 2 + floor(0.5 x 3) = 3. Each month also pays 1,000 fixed, and the
    # two training months 20 x 100 = 2,000 of participant costs:
    #   498,500, 3,000, 1,000, 496,500, 1,000 (total 1,000,000).
    valid_dict["cohort"]["expected_applicants"] = 400  # the simulation needs some
    plan = build_plan(scenario_from_dict(valid_dict), draws=500)
    assert_accelerator_totals_agree(plan)
    assert set(plan.tables["grants"]["grant"]) == {49_550.0}
    assert figure(plan, "grant_pool") == 991_000
    assert figure(plan, "leftover") == 0
    assert plan.tables["budget_by_month"]["planned_spend"].tolist() == [
        498_500,
        3_000,
        1_000,
        496_500,
        1_000,
    ]


def test_first_edition_stays_within_the_published_limits() -> None:
    # Up to USD 3,000,000 shared by up to 80 participants from 13 named countries.
    plan = plan_of(SCENARIOS / "community_accelerator_2020.yaml")
    assert plan.scenario.currency == "USD"
    grants = plan.tables["grants"]
    assert float(grants["total"].sum()) <= 3_000_000
    assert float(plan.tables["budget_by_month"]["planned_spend"].sum()) <= 3_000_000
    assert float(plan.tables["budget_by_month"]["cumulative_p50"].max()) <= 3_000_000
    assert figure(plan, "spend_p90") <= 3_000_000
    assert int(plan.tables["seats"]["seats"].sum()) <= 80
    allowed = {code_for(name) for name in first_edition_country_names()}
    seats = plan.tables["seats"]
    with_seats = set(seats.loc[seats["seats"] > 0, "region"])
    assert with_seats <= allowed
    assert set(grants.loc[grants["participants"] > 0, "region"]) <= allowed


@pytest.mark.parametrize("path", ROADSHOWS, ids=[path.stem for path in ROADSHOWS])
def test_roadshow_tables_agree(path: Path) -> None:
    plan = plan_of(path)
    scenario = plan.scenario
    tables = plan.tables
    assert tuple(tables) == TOUR_TABLES
    stops, budget, reach = tables["stops"], tables["budget_by_month"], tables["reach"]
    count = len(stops)
    assert count == figure(plan, "stops") == scenario.cohort.seats
    assert stops["order"].tolist() == list(range(1, count + 1))
    assert stops["city_id"].nunique() == figure(plan, "cities")
    assert stops["state"].nunique() == figure(plan, "states")
    assert int(tables["states"]["stops"].sum()) == count
    assert int(budget["stops"].sum()) == count
    for name in ("sessions", "places", "expected_attendees", "partners", "colleges"):
        assert float(stops[name].sum()) == pytest.approx(figure(plan, name), rel=1e-12), name
    assert float(stops["leg_km"].sum()) == pytest.approx(figure(plan, "route_km"), rel=1e-9)
    assert float(stops["leg_km"].iloc[0]) == 0

    # Per stop, from the audiences: sessions x places a session x show-up rate.
    per_stop = sum(
        (track.sessions_per_stop or 0) * (track.seats_per_session or 0) * (track.show_up_rate or 0)
        for track in scenario.tracks
    )
    assert float(reach["expected_trained"].sum()) == pytest.approx(count * per_stop, rel=1e-12)
    assert figure(plan, "expected_attendees") == pytest.approx(count * per_stop, rel=1e-12)

    # Planned spend: fixed costs every month, the cost of each stop and of each attendee.
    assert scenario.roadshow is not None
    tour = scenario.roadshow
    planned = (
        fixed_costs(scenario)
        + count * tour.cost_per_stop
        + tour.cost_per_attendee * count * per_stop
    )
    assert float(budget["planned_spend"].sum()) == pytest.approx(planned, rel=1e-12)
    assert figure(plan, "planned_spend") == pytest.approx(planned, rel=1e-12)
    assert float(budget["cumulative_p50"].iloc[-1]) == pytest.approx(
        figure(plan, "cost_p50"), rel=1e-9
    )
    assert figure(plan, "cost_p10") <= figure(plan, "cost_p50") <= figure(plan, "cost_p90")
    assert figure(plan, "budget") == scenario.budget.total


# --- reproducibility -------------------------------------------------------------------------


def assert_same_tables(first: Plan, second: Plan) -> None:
    assert list(first.tables) == list(second.tables)
    for name in first.tables:
        assert first.tables[name].equals(second.tables[name]), name
    assert plan_to_csv(first) == plan_to_csv(second)


@pytest.mark.parametrize("path", BUILTIN_FILES, ids=[path.stem for path in BUILTIN_FILES])
def test_same_seed_same_tables(path: Path) -> None:
    scenario = load_scenario(path)
    assert_same_tables(
        build_plan(scenario, seed=11, draws=DRAWS), build_plan(scenario, seed=11, draws=DRAWS)
    )


# Columns the draws decide, and the tables the draws must not touch.
SIMULATED = {"accelerator": ("funnel", "applicants_p50"), "roadshow": ("reach", "trained_p50")}
FIXED = {"accelerator": ("seats", "grants", "tracks"), "roadshow": ("stops", "states")}


@pytest.mark.parametrize("path", BUILTIN_FILES, ids=[path.stem for path in BUILTIN_FILES])
def test_another_seed_moves_the_draws_not_the_allocation(path: Path) -> None:
    scenario = load_scenario(path)
    one = build_plan(scenario, seed=1, draws=DRAWS)
    two = build_plan(scenario, seed=2, draws=DRAWS)
    table, column = SIMULATED[scenario.kind]
    assert not one.tables[table][column].equals(two.tables[table][column])
    for name in FIXED[scenario.kind]:
        assert one.tables[name].equals(two.tables[name]), name


@pytest.mark.parametrize("path", BUILTIN_FILES, ids=[path.stem for path in BUILTIN_FILES])
def test_the_draw_cache_changes_nothing(path: Path) -> None:
    scenario = load_scenario(path)
    clear_draw_cache()
    cold = build_plan(scenario, seed=5, draws=DRAWS)
    warm = build_plan(scenario, seed=5, draws=DRAWS)
    clear_draw_cache()
    again = build_plan(scenario, seed=5, draws=DRAWS)
    assert_same_tables(cold, warm)
    assert_same_tables(cold, again)


def test_summary_values_are_finite_or_documented_gaps() -> None:
    # Every summary figure is a number; the only gap allowed is a roadshow's outcomes_p50
    # when no audience has an outcome rate.
    for path in BUILTIN_FILES:
        plan = plan_of(path)
        for name, value in zip(
            plan.tables["summary"]["figure"], plan.tables["summary"]["value"], strict=True
        ):
            if math.isnan(value):
                assert name == "outcomes_p50", (path.name, name)
                assert all(track.outcome_rate is None for track in plan.scenario.tracks)
            else:
                assert math.isfinite(value), (path.name, name)
