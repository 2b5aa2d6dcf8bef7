"""Plans cached on the scenario's canonical form and seed (the app layer's only cache)."""

from __future__ import annotations

import json
from typing import Any

import pandas as pd
import streamlit as st

from planning.plan import Plan, build_plan, plan_metrics
from planning.scenario import Scenario, canonical_json, scenario_from_dict
from planning.sensitivity import sweep, tornado


def _scenario(canonical: str) -> Scenario:
    # Validated again from the JSON (the YAML parser would take 30 times as long).
    return scenario_from_dict(json.loads(canonical))


@st.cache_data(max_entries=32, show_spinner=False)
def _plan(canonical: str, seed: int, draws: int) -> Plan:
    return build_plan(_scenario(canonical), seed=seed, draws=draws)


def plan_for(scenario: Scenario, seed: int | None = None, draws: int | None = None) -> Plan:
    """The plan of a scenario, from the cache when the same scenario was planned before."""
    seed = scenario.simulation.seed if seed is None else seed
    draws = scenario.simulation.draws if draws is None else draws
    return _plan(canonical_json(scenario), seed, draws)


@st.cache_data(max_entries=16, show_spinner=False)
def _map_spec(canonical: str, seed: int, draws: int, _plan: Plan) -> dict[str, Any]:
    # Imported here: Altair is not needed for the first page a server draws.
    from app_support import charts

    if _plan.scenario.kind == "roadshow":
        chart = charts.us_tour_map(_plan.tables["stops"])
    else:
        chart = charts.world_map(_plan.tables["seats"])
    spec: dict[str, Any] = chart.to_dict()
    return spec


def map_spec(plan: Plan) -> dict[str, Any]:
    """The plan's map (world or US tour) as a Vega-Lite spec, made once per plan.

    The map's TopoJSON travels inside the spec, and Altair takes 0.4-0.7 s to build and
    check a chart that large: on every rerun of the Allocation and Executive pages, before
    this cache.
    """
    return _map_spec(canonical_json(plan.scenario), plan.seed, plan.draws, plan)


SENSITIVITY_DRAWS = 2_000


def _metrics(scenario: Scenario, seed: int) -> dict[str, float]:
    """The outputs of one sensitivity point, on :data:`SENSITIVITY_DRAWS` draws (both kinds)."""
    quick = scenario.model_copy(
        update={"simulation": scenario.simulation.model_copy(update={"draws": SENSITIVITY_DRAWS})}
    )
    if quick.kind == "roadshow":
        from planning.roadshow import tour_metrics

        return tour_metrics(quick, seed)
    return plan_metrics(quick, seed)


@st.cache_data(max_entries=16, show_spinner=False)
def _tornado(canonical: str, share: float) -> pd.DataFrame:
    scenario = _scenario(canonical)
    outputs = _outputs(scenario)
    return tornado(scenario, _metrics, share=share, outputs=outputs)


def _outputs(scenario: Scenario) -> tuple[str, ...]:
    if scenario.kind == "roadshow":
        return ("trained_p50", "cost_p50", "p_reach_goal")
    return ("spend_p50", "filled_p50", "p_overrun")


def tornado_for(scenario: Scenario, share: float | None = None) -> pd.DataFrame:
    """The tornado table of a scenario (cached)."""
    return _tornado(canonical_json(scenario), share or scenario.simulation.sensitivity_share)


@st.cache_data(max_entries=16, show_spinner=False)
def _sweep(
    canonical: str, x: tuple[str, tuple[float, ...]], y: tuple[str, tuple[float, ...]], output: str
) -> pd.DataFrame:
    scenario = _scenario(canonical)
    return sweep(scenario, _metrics, (x[0], list(x[1])), (y[0], list(y[1])), output)


def sweep_for(
    scenario: Scenario,
    x: tuple[str, list[float]],
    y: tuple[str, list[float]],
    output: str,
) -> pd.DataFrame:
    """A two-input sweep of a scenario (cached)."""
    return _sweep(canonical_json(scenario), (x[0], tuple(x[1])), (y[0], tuple(y[1])), output)
