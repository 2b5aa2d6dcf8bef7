"""Scenario -> Plan: validation, seats, grants, fairness and simulation, run once, as tables.

A :class:`Plan` holds the tables operations export (:data:`EXPORT_TABLES`, with documented,
stable columns: :data:`COLUMNS`) and the pre-aggregated series the app draws (Lorenz
curve, cohort-size histogram, spend bands). Pages never receive raw draws.

The tables agree with each other: the seats in ``seats`` are the participants in
``grants``; the planned spend in ``budget_by_month`` is the grants plus the costs; every
figure in ``summary`` is the total of its table. Money is in the scenario's currency,
rounded to whole units in the exported tables.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from types import MappingProxyType
from typing import Any, Final

import numpy as np
import pandas as pd

from planning import __version__
from planning.allocation import allocate, compare_methods, participant_cost
from planning.fairness import INDEX_DESCRIPTIONS, lorenz_curve
from planning.regions import region_table
from planning.scenario import Scenario, fixed_costs, scenario_hash
from planning.simulate import SimulationResult, simulate, simulation_metrics

EXPORT_TABLES: Final = (
    "seats",
    "tracks",
    "grants",
    "budget_by_month",
    "funnel",
    "fairness",
    "methods",
    "summary",
)

# Column -> meaning, for every exported table; the bundle's README is made from this.
COLUMNS: Final[Mapping[str, Mapping[str, str]]] = MappingProxyType(
    {
        "seats": {
            "region": "ISO 3166-1 alpha-2 code of the country",
            "name": "country name",
            "track": "code of the language track",
            "weight": "apportionment weight: basis ** exponent * priority",
            "quota": "exact fair share of the seats (weight / total weight * seats)",
            "seats": "seats apportioned to the region",
            "floor": "fewest seats the region may get",
            "cap": "most seats the region may get (empty: no cap)",
            "seats_per_million": "seats per million people",
        },
        "tracks": {
            "track": "code of the language track",
            "name": "track name",
            "language": "BCP 47 language code",
            "seats": "seats in the track (sum of its regions' seats)",
            "regions": "regions on the track",
        },
        "grants": {
            "region": "ISO 3166-1 alpha-2 code of the country",
            "participants": "participants from the region (= its seats)",
            "grant": "grant per participant, nominal, in the scenario's currency",
            "grant_real": "grant per participant in US purchasing power (grant / price level)",
            "total": "participants x grant",
        },
        "budget_by_month": {
            "month": "calendar month, YYYY-MM",
            "phase": "programme phase in that month",
            "planned_spend": "spend if every seat is filled, nobody drops out, costs as budgeted",
            "spend_p10": "simulated spend in the month, 10th percentile",
            "spend_p50": "simulated spend in the month, median",
            "spend_p90": "simulated spend in the month, 90th percentile",
            "cumulative_p50": "median of the simulated cumulative spend up to this month",
        },
        "funnel": {
            "region": "ISO 3166-1 alpha-2 code of the country",
            "track": "code of the language track",
            "applicants_p10": "applicants, 10th percentile",
            "applicants_p50": "applicants, median",
            "applicants_p90": "applicants, 90th percentile",
            "eligible_p10": "applicants passing eligibility, 10th percentile",
            "eligible_p50": "applicants passing eligibility, median",
            "eligible_p90": "applicants passing eligibility, 90th percentile",
            "filled_p10": "seats filled, 10th percentile",
            "filled_p50": "seats filled, median",
            "filled_p90": "seats filled, 90th percentile",
            "completers_p10": "participants finishing the programme, 10th percentile",
            "completers_p50": "participants finishing the programme, median",
            "completers_p90": "participants finishing the programme, 90th percentile",
            "p_unfilled": "probability the region cannot fill all its own seats",
        },
        "fairness": {
            "index": "name of the fairness index",
            "value": "its value for this plan",
            "description": "what it measures and which way is fairer",
        },
        "methods": {
            "method": "apportionment method",
            "<region>": "one column per region code: seats under that method",
            "<index>": "one column per fairness index of those seats",
        },
        "summary": {
            "figure": "headline figure",
            "value": "its value",
            "unit": "unit of the value",
        },
    }
)

SUMMARY_FIGURES: Final = (
    ("seats", "seats"),
    ("participants", "people"),
    ("regions", "regions"),
    ("tracks", "tracks"),
    ("budget", "currency"),
    ("grant_pool", "currency"),
    ("grants_total", "currency"),
    ("mean_grant", "currency"),
    ("leftover", "currency"),
    ("participant_costs", "currency"),
    ("fixed_costs", "currency"),
    ("contingency", "currency"),
    ("planned_spend", "currency"),
    ("spend_p50", "currency"),
    ("spend_p90", "currency"),
    ("expected_unspent", "currency"),
    ("p_overrun", "probability"),
    ("filled_p50", "seats"),
    ("completers_p50", "people"),
    ("p_any_unfilled", "probability"),
    ("gallagher", "index (0 = proportional)"),
    ("max_min_ratio", "ratio (1 = equal)"),
)


@dataclass(frozen=True)
class Plan:
    """Everything one scenario and seed give: exported tables and series for charts.

    Attributes
    ----------
    scenario : Scenario
        The scenario the plan was made from.
    seed, draws : int
        The simulation's seed and number of draws.
    scenario_hash : str
        SHA-256 of the scenario's canonical YAML.
    tables : dict[str, pandas.DataFrame]
        The exported tables, by name (:data:`EXPORT_TABLES` for an accelerator). A plain
        dict, so a plan pickles (the app caches plans); treat it as read-only.
    charts : Mapping[str, pandas.DataFrame]
        Pre-aggregated series for pages: lorenz, cohort_histogram, monthly, totals.
    explanation : tuple[str, ...]
        Plain-language lines on how the seats and grants came out.
    """

    scenario: Scenario
    seed: int
    draws: int
    scenario_hash: str
    tables: dict[str, pd.DataFrame]
    charts: dict[str, pd.DataFrame] = field(default_factory=dict)
    explanation: tuple[str, ...] = ()
    version: str = __version__

    def summary_value(self, figure: str) -> float:
        """One headline figure from the summary table."""
        summary = self.tables["summary"]
        match = summary.loc[summary["figure"] == figure, "value"]
        if match.empty:
            raise KeyError(f"no summary figure {figure!r}")
        return float(match.iloc[0])


def build_plan(scenario: Scenario, seed: int | None = None, draws: int | None = None) -> Plan:
    """Run allocation, grants, fairness and simulation once; return the plan's tables.

    ``seed`` and ``draws`` default to the scenario's simulation settings. The same scenario
    and seed give the same tables, byte for byte.
    """
    seed = scenario.simulation.seed if seed is None else int(seed)
    draws = scenario.simulation.draws if draws is None else int(draws)
    if scenario.kind == "roadshow":
        return _tour_plan(scenario, seed, draws)
    table = region_table(scenario)
    allocation = allocate(scenario, table)
    seats = allocation.seats
    grants = allocation.grants
    result = simulate(scenario, seats.seats, grants.grants, draws=draws, seed=seed, table=table)
    methods_seats, methods_indices = compare_methods(scenario, table=table)

    seat_table = seats.table.loc[:, list(COLUMNS["seats"])]
    grants_table = grants.to_frame()
    budget = _budget_by_month(result)
    funnel = _funnel(result)
    fairness = allocation.fairness.to_frame()
    methods = _methods_table(methods_seats, methods_indices)
    summary = _summary(scenario, allocation.pool, seats.seats, grants, result, fairness)

    population = np.nan_to_num(table["population"].to_numpy(dtype=float), nan=0.0)
    with np.errstate(divide="ignore", invalid="ignore"):
        per_person = np.where(population > 0, seats.seats / population, 0.0)
    lorenz = (
        lorenz_curve(per_person, population)
        if population.sum() > 0
        else pd.DataFrame(columns=["cumulative_population_share", "cumulative_value_share"])
    )
    explanation = tuple(
        line for part in seats.apportionments.values() for line in part.explain()
    ) + tuple(grants.notes)
    tables = {
        "seats": seat_table,
        "tracks": seats.tracks,
        "grants": grants_table,
        "budget_by_month": budget,
        "funnel": funnel,
        "fairness": fairness,
        "methods": methods,
        "summary": summary,
    }
    charts = {
        "lorenz": lorenz,
        "cohort_histogram": result.cohort_histogram,
        "monthly": result.monthly,
        "totals": result.totals,
        "methods_seats": methods_seats,
    }
    return Plan(
        scenario=scenario,
        seed=seed,
        draws=draws,
        scenario_hash=scenario_hash(scenario),
        tables=tables,
        charts=charts,
        explanation=explanation,
    )


TOUR_TABLES: Final = ("stops", "states", "reach", "budget_by_month", "summary")


def _tour_plan(scenario: Scenario, seed: int, draws: int) -> Plan:
    """A roadshow's plan in the same shape as an accelerator's."""
    from planning.roadshow import plan_tour

    if draws != scenario.simulation.draws:
        simulation = scenario.simulation.model_copy(update={"draws": draws})
        scenario = scenario.model_copy(update={"simulation": simulation})
    tour = plan_tour(scenario, seed=seed)
    summary = tour.summary.copy()
    if "unit" not in summary.columns:
        summary["unit"] = [_tour_unit(scenario, figure) for figure in summary["figure"]]
    tables = {
        "stops": tour.stops,
        "states": tour.states,
        "reach": tour.reach,
        "budget_by_month": tour.budget_by_month,
        "summary": summary,
    }
    return Plan(
        scenario=scenario,
        seed=seed,
        draws=draws,
        scenario_hash=scenario_hash(scenario),
        tables=tables,
        charts={},
        explanation=tuple(tour.explanations),
    )


def _tour_unit(scenario: Scenario, figure: str) -> str:
    if figure.startswith(("cost", "budget", "planned_spend", "spend")):
        return scenario.currency
    if figure.startswith("p_") or figure == "route_gap":
        return "probability" if figure.startswith("p_") else "share"
    if figure.endswith("_km"):
        return "km"
    return "count"


def _budget_by_month(result: SimulationResult) -> pd.DataFrame:
    monthly = result.monthly
    return pd.DataFrame(
        {
            "month": monthly["label"],
            "phase": monthly["phase"],
            "planned_spend": monthly["planned"],
            "spend_p10": monthly["spend_p10"],
            "spend_p50": monthly["spend_p50"],
            "spend_p90": monthly["spend_p90"],
            "cumulative_p50": monthly["cumulative_p50"],
        }
    )


def _funnel(result: SimulationResult) -> pd.DataFrame:
    regions = result.regions
    columns = ["region", "track"]
    for quantity in ("applicants", "eligible", "filled", "completers"):
        columns += [f"{quantity}_p10", f"{quantity}_p50", f"{quantity}_p90"]
    return regions.loc[:, [*columns, "p_unfilled"]].reset_index(drop=True)


def _methods_table(seats: pd.DataFrame, indices: pd.DataFrame) -> pd.DataFrame:
    methods = list(indices["method"])
    by_method = seats.set_index("region")[methods].T
    by_method.index.name = "method"
    by_method.columns.name = None
    return by_method.reset_index().merge(indices, on="method", how="left", validate="one_to_one")


def _summary(
    scenario: Scenario,
    pool: float,
    seats: np.ndarray,
    grants: Any,
    result: SimulationResult,
    fairness: pd.DataFrame,
) -> pd.DataFrame:
    metrics = simulation_metrics(result)
    participants = int(seats.sum())
    indices = dict(zip(fairness["index"], fairness["value"], strict=True))
    budget = scenario.budget
    costs = participant_cost(scenario) * participants
    values: dict[str, float] = {
        "seats": float(scenario.cohort.seats),
        "participants": float(participants),
        "regions": float(len(scenario.regions)),
        "tracks": float(len(scenario.tracks)),
        "budget": budget.total,
        "grant_pool": pool,
        "grants_total": float(grants.spent),
        "mean_grant": float(grants.spent) / participants if participants else 0.0,
        "leftover": float(grants.leftover),
        "participant_costs": costs,
        "fixed_costs": fixed_costs(scenario),
        "contingency": budget.total * budget.contingency_share,
        "planned_spend": float(result.planned_total),
        "spend_p50": metrics["spend_p50"],
        "spend_p90": metrics["spend_p90"],
        "expected_unspent": metrics["unspent_mean"],
        "p_overrun": metrics["p_overrun"],
        "filled_p50": metrics["filled_p50"],
        "completers_p50": metrics["completers_p50"],
        "p_any_unfilled": metrics["p_any_unfilled"],
        "gallagher": float(indices["gallagher"]),
        "max_min_ratio": float(indices["max_min_ratio"]),
    }
    return pd.DataFrame(
        {
            "figure": [name for name, _ in SUMMARY_FIGURES],
            "value": [values[name] for name, _ in SUMMARY_FIGURES],
            "unit": [
                scenario.currency if unit == "currency" else unit for _, unit in SUMMARY_FIGURES
            ],
        }
    )


def plan_metrics(scenario: Scenario, seed: int) -> dict[str, float]:
    """The headline outcomes of a scenario, for sensitivity tables and sweeps."""
    table = region_table(scenario)
    allocation = allocate(scenario, table)
    result = simulate(
        scenario, allocation.seats.seats, allocation.grants.grants, seed=seed, table=table
    )
    metrics = simulation_metrics(result)
    metrics["planned_spend"] = float(result.planned_total)
    metrics["grant_mean"] = (
        float(allocation.grants.spent) / float(allocation.seats.seats.sum())
        if allocation.seats.seats.sum()
        else 0.0
    )
    metrics["gallagher"] = float(allocation.fairness.as_dict()["gallagher"])
    return metrics


def index_description(name: str) -> str:
    """What a fairness index means, for tooltips."""
    return str(INDEX_DESCRIPTIONS.get(name, ""))
