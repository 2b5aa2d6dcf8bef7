"""What the pages send to the browser: whole Vega-Lite specs, and no raw draws.

Every chart a page draws is built from the plan of every built-in scenario and must
serialise to a spec that fetches nothing (no ``url`` anywhere: the maps' TopoJSON and every
table travel inside the spec, so the app needs no network at run time). Pages receive only
pre-aggregated tables: no table or chart series of a plan grows with the number of draws.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any

import altair as alt
import pandas as pd
import pytest

from app_support import charts, compare_charts
from planning.compare import cumulative_spend, seats_by_region
from planning.plan import Plan, build_plan, plan_metrics
from planning.scenario import load_scenario, replace
from planning.sensitivity import sweep, tornado
from planning.simulate import MAX_HISTOGRAM_BINS

from .conftest import BUILTIN_FILES

IDS = [path.stem for path in BUILTIN_FILES]


def _plans() -> dict[str, Plan]:
    return {path.stem: build_plan(load_scenario(path), draws=500) for path in BUILTIN_FILES}


PLANS = _plans()


def _accelerator_charts(plan: Plan) -> dict[str, Callable[[], alt.TopLevelMixin]]:
    tables, series = plan.tables, plan.charts
    currency = plan.scenario.currency
    return {
        "seats_bars": lambda: charts.seats_bars(tables["seats"], tracks=tables["tracks"]),
        "track_bars": lambda: charts.track_bars(tables["tracks"]),
        "world_map": lambda: charts.world_map(tables["seats"]),
        "grants_bars": lambda: charts.grants_bars(tables["grants"], tables["seats"]),
        "lorenz": lambda: charts.lorenz(series["lorenz"]),
        "methods_dots": lambda: charts.methods_dots(series["methods_seats"]),
        "funnel": lambda: charts.funnel(series["totals"]),
        "cohort_histogram": lambda: charts.cohort_histogram(series["cohort_histogram"]),
        "budget_fan": lambda: charts.budget_fan(
            series["monthly"], plan.summary_value("budget"), currency
        ),
        "unfilled_bars": lambda: charts.unfilled_bars(tables["funnel"], tables["seats"]),
    }


def _tour_charts(plan: Plan) -> dict[str, Callable[[], alt.TopLevelMixin]]:
    tables = plan.tables
    return {
        "us_tour_map": lambda: charts.us_tour_map(tables["stops"]),
        "states_bars": lambda: charts.states_bars(tables["states"]),
        "reach_bars": lambda: charts.reach_bars(tables["reach"]),
        "budget_fan": lambda: charts.budget_fan(
            tables["budget_by_month"], plan.summary_value("budget"), plan.scenario.currency
        ),
    }


def _keys(spec: Any) -> set[str]:
    if isinstance(spec, dict):
        return set(spec) | {key for value in spec.values() for key in _keys(value)}
    if isinstance(spec, list):
        return {key for value in spec for key in _keys(value)}
    return set()


@pytest.mark.parametrize("name", IDS)
def test_every_chart_is_a_whole_spec_that_fetches_nothing(name: str) -> None:
    plan = PLANS[name]
    builders = _tour_charts(plan) if plan.scenario.kind == "roadshow" else _accelerator_charts(plan)
    for chart_name, build in builders.items():
        spec = build().to_dict()
        assert "url" not in _keys(spec), f"{chart_name} would fetch data at run time"
        assert json.dumps(spec), chart_name


@pytest.mark.parametrize("name", IDS)
def test_no_table_a_page_receives_grows_with_the_draws(name: str) -> None:
    # The same scenario with 500 and 5,000 draws: a table holding raw draws would have
    # ten times the rows. Every table and series the pages receive keeps its shape.
    scenario = load_scenario(next(path for path in BUILTIN_FILES if path.stem == name))
    few = build_plan(scenario, draws=500)
    many = build_plan(scenario, draws=5_000)
    for group in ("tables", "charts"):
        small, large = getattr(few, group), getattr(many, group)
        assert small.keys() == large.keys()
        for key in small:
            if key == "cohort_histogram":
                # Bins follow the spread of the draws, up to a fixed number per quantity.
                limit = MAX_HISTOGRAM_BINS * small[key]["quantity"].nunique()
                assert len(small[key]) <= limit
                assert len(large[key]) <= limit
                continue
            assert small[key].shape == large[key].shape, f"{group}[{key!r}]"


@pytest.fixture(scope="module")
def sensitivity() -> tuple[pd.DataFrame, pd.DataFrame]:
    """A tornado and a 3 x 3 sweep of the third edition, on few draws (shape, not figures)."""
    scenario = replace(PLANS["community_accelerator_2022"].scenario, {"simulation.draws": 200})
    table = tornado(scenario, plan_metrics, outputs=("spend_p50", "filled_p50"))
    grid = sweep(
        scenario,
        plan_metrics,
        ("cohort.seats", [60, 80, 100]),
        ("budget.total", [2_800_000, 3_200_000, 3_600_000]),
        "spend_p50",
    )
    return table, grid


def test_the_simulation_and_compare_charts_fetch_nothing(
    sensitivity: tuple[pd.DataFrame, pd.DataFrame],
) -> None:
    table, grid = sensitivity
    picked = {label: PLANS[label] for label in ("community_accelerator_2022", IDS[0])}
    labels = list(picked)
    spend, budgets = cumulative_spend(picked)
    built = {
        "tornado": charts.tornado(table, "spend_p50", currency="USD"),
        "heatmap": charts.heatmap(grid, "Seats", "Total budget", "Median spend (USD)"),
        "seats_overlay": compare_charts.seats_overlay(seats_by_region(picked), labels),
        "budget_overlay": compare_charts.budget_overlay(spend, budgets, labels, "USD"),
    }
    for chart_name, chart in built.items():
        spec = chart.to_dict()
        assert "url" not in _keys(spec), f"{chart_name} would fetch data at run time"
        # The heatmap holds one cell per grid point, nothing drawn from the draws.
        if chart_name == "heatmap":
            assert max(len(rows) for rows in spec["datasets"].values()) == 9
