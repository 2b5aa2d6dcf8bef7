"""Plans side by side (planning.compare): figures and differences, seats, spend.

The figures are checked against the scenario files (budgets of USD 3,000,000 and
3,200,000, 80 seats each), not against the summary the code reads them from.
"""

from __future__ import annotations

import math

import pytest

from planning.compare import (
    MIXED_CURRENCIES,
    cumulative_spend,
    seats_by_region,
    summary_figures,
)
from planning.plan import Plan, build_plan
from planning.scenario import load_scenario, replace

from .conftest import SCENARIOS

FIRST = load_scenario(SCENARIOS / "community_accelerator_2020.yaml")
THIRD = load_scenario(SCENARIOS / "community_accelerator_2022.yaml")
TOUR = load_scenario(SCENARIOS / "community_boost_2018.yaml")


@pytest.fixture(scope="module")
def plans() -> dict[str, Plan]:
    # The third edition first: differences are from it.
    return {
        "third": build_plan(THIRD, draws=500),
        "first": build_plan(FIRST, draws=500),
    }


def test_figures_and_their_differences_from_the_first_pick(plans: dict[str, Plan]) -> None:
    figures = summary_figures(plans)
    assert figures.values["third"]["budget"] == 3_200_000
    assert figures.values["first"]["budget"] == 3_000_000
    assert figures.difference("budget", "first", "third") == -200_000
    assert figures.difference("seats", "first", "third") == 0
    assert figures.units["budget"] == "USD"
    assert figures.comparable("budget")
    # Every accelerator reports the same figures, so all of the first pick's are kept.
    assert list(figures.units) == list(plans["third"].tables["summary"]["figure"])


def test_amounts_in_two_currencies_are_not_subtracted(plans: dict[str, Plan]) -> None:
    in_euros = build_plan(replace(FIRST, {"currency": "EUR"}), draws=500)
    figures = summary_figures({"third": plans["third"], "euros": in_euros})
    assert figures.units["budget"] == MIXED_CURRENCIES
    assert not figures.comparable("budget")
    assert not figures.comparable("mean_grant")
    # Counts and chances still compare.
    assert figures.units["seats"] == "seats"
    assert figures.comparable("p_overrun")


def test_an_accelerator_and_a_tour_share_only_some_figures(plans: dict[str, Plan]) -> None:
    tour = build_plan(TOUR, draws=500)
    figures = summary_figures({"third": plans["third"], "tour": tour})
    assert "budget" in figures.units
    assert "seats" not in figures.units  # a tour has stops
    assert "stops" not in figures.units  # an accelerator has none
    assert figures.difference("budget", "tour", "third") == pytest.approx(
        tour.summary_value("budget") - 3_200_000
    )


def test_seats_are_laid_over_the_union_of_regions(plans: dict[str, Plan]) -> None:
    seats = seats_by_region(plans)
    names = {label: set(plan.tables["seats"]["name"]) for label, plan in plans.items()}
    union = names["third"] | names["first"]
    for label in plans:
        rows = seats.loc[seats["scenario"] == label]
        assert set(rows["region"]) == union
        assert int(rows["seats"].sum()) == 80
        assert set(rows.loc[rows["present"], "region"]) == names[label]
        assert (rows.loc[~rows["present"], "seats"] == 0).all()


def test_spend_runs_by_programme_month_with_each_budget(plans: dict[str, Plan]) -> None:
    spend, budgets = cumulative_spend(plans)
    months = {"third": THIRD.months, "first": FIRST.months}
    assert months == {"third": 4, "first": 6}
    for label, count in months.items():
        rows = spend.loc[spend["scenario"] == label]
        assert rows["programme_month"].tolist() == list(range(1, count + 1))
        assert rows["cumulative_p50"].is_monotonic_increasing
    assert budgets.set_index("scenario")["budget"].to_dict() == {
        "third": 3_200_000,
        "first": 3_000_000,
    }
    assert not math.isnan(spend["cumulative_p50"].iloc[-1])
