"""Scenario -> seats by region and track -> grants -> fairness.

This module joins the pure algorithms (:mod:`planning.apportion`, :mod:`planning.grants`,
:mod:`planning.fairness`) to a scenario. Whatever cannot be satisfied (floors above the
seats, grant floors above the pool) comes back as a :class:`~planning.scenario.ScenarioError`
whose problems name the scenario field to change and by how much, like any other
validation error.

Glossary
--------
track seats
    ``from_regions``: seats are apportioned over all regions at once and a track holds the
    sum of its regions' seats. ``fixed``: each track has its own seats (e.g. one cohort of 16
    per language) apportioned among that track's regions by the same method.
grant pool
    ``total * (1 - contingency) - participant costs - fixed costs``, where participant costs
    are every seat's cost per month of each phase, over the whole programme.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass, field
from functools import cached_property
from typing import Any

import numpy as np
import pandas as pd

from planning.apportion import (
    Apportionment,
    ApportionmentError,
    apportion,
    canonical_method,
    method_names,
)
from planning.fairness import FairnessIndices, fairness_indices
from planning.grants import GrantAllocation, GrantInfeasible, allocate_grants, grant_pool
from planning.regions import region_caps, region_table, region_weights
from planning.scenario import Problem, Scenario, ScenarioError, fixed_costs


@dataclass(frozen=True, eq=False)
class SeatAllocation:
    """Seats per region, with the apportionment(s) that explain them.

    Attributes
    ----------
    seats : numpy.ndarray
        Seats per region, in the scenario's order.
    table : pandas.DataFrame
        One row per region, the columns of ``planning.plan.COLUMNS["seats"]``.
    tracks : pandas.DataFrame
        One row per track: track, name, language, seats, regions.
    apportionments : dict[str, Apportionment]
        ``{"all": ...}`` when seats follow from the regions, else one per track code.
    """

    seats: np.ndarray
    apportionments: dict[str, Apportionment]
    weights: np.ndarray
    floors: np.ndarray
    caps: tuple[int | None, ...]
    quotas: np.ndarray
    regions: pd.DataFrame = field(repr=False)
    scenario: Scenario = field(repr=False)
    groups: tuple[tuple[str, int, np.ndarray], ...] = field(repr=False, default=())
    margins: bool = False

    # The tables are built on first use: a sensitivity sweep plans hundreds of scenarios
    # and reads only the seats and arrays, never these frames.
    @cached_property
    def table(self) -> pd.DataFrame:
        """One row per region, the seats columns of ``plan.COLUMNS`` (and margins if asked)."""
        regions = self.regions
        population = regions["population"].to_numpy(dtype=float)
        with np.errstate(divide="ignore", invalid="ignore"):
            per_million = np.where(population > 0, self.seats / population * 1e6, np.nan)
        seat_table = pd.DataFrame(
            {
                "region": regions["region"],
                "name": regions["name"],
                "track": regions["track"],
                "weight": self.weights,
                "quota": self.quotas,
                "seats": self.seats,
                "floor": self.floors,
                "cap": pd.array(list(self.caps), dtype="Int64"),
                "seats_per_million": per_million,
            }
        )
        if self.margins:
            gain = np.full(len(regions), math.inf)
            lose = np.full(len(regions), math.inf)
            for key, _, members in self.groups:
                if key in self.apportionments:
                    gain[members] = self.apportionments[key].margins.gain
                    lose[members] = self.apportionments[key].margins.lose
            seat_table["margin_gain"] = gain
            seat_table["margin_lose"] = lose
        return seat_table

    @cached_property
    def tracks(self) -> pd.DataFrame:
        """One row per track: track, name, language, seats, regions."""
        return _track_table(self.scenario, self.regions, self.seats)


@dataclass(frozen=True)
class Allocation:
    """Seats, grants and fairness for one scenario."""

    seats: SeatAllocation
    grants: GrantAllocation
    fairness: FairnessIndices
    pool: float

    @property
    def grants_table(self) -> pd.DataFrame:
        """One row per region: region, participants, grant, grant_real, total."""
        return self.grants.to_frame()


def participant_cost(scenario: Scenario) -> float:
    """What one seat costs besides its grant, over the whole programme."""
    months = {phase.name: phase.months for phase in scenario.phases}
    costs = scenario.budget.participant_costs
    return float(sum(amount * months.get(phase, 0) for phase, amount in costs.items()))


def scenario_grant_pool(scenario: Scenario, participants: int) -> float:
    """The grant pool for this many participants."""
    budget = scenario.budget
    return grant_pool(
        budget.total,
        participant_cost(scenario) * participants,
        fixed_costs(scenario),
        budget.contingency_share,
    )


def _seat_problem(error: ApportionmentError, path: str) -> ScenarioError:
    return ScenarioError(
        [Problem(path, str(error), "change the floors, caps or seats as the message says")]
    )


@dataclass(frozen=True)
class _SeatInputs:
    """What every method needs, computed once per scenario."""

    weights: np.ndarray
    floors: list[int]
    caps: list[int | None]
    labels: list[str]
    groups: list[tuple[str, int, np.ndarray]]
    path: str


def _seat_inputs(scenario: Scenario, table: pd.DataFrame, seats: int | None) -> _SeatInputs:
    total = scenario.cohort.seats if seats is None else seats
    if scenario.cohort.track_seats == "fixed":
        tracks = table["track"].to_numpy()
        groups = [
            (track.code, track.seats or 0, np.flatnonzero(tracks == track.code))
            for track in scenario.tracks
        ]
        path = "tracks"
    else:
        groups = [("all", total, np.arange(len(table)))]
        path = "cohort.seats"
    return _SeatInputs(
        weights=region_weights(scenario, table),
        floors=table["floor"].astype(int).tolist(),
        caps=region_caps(scenario, table),
        labels=table["region"].tolist(),
        groups=groups,
        path=path,
    )


def _apportion_groups(inputs: _SeatInputs, method: str) -> dict[str, Apportionment]:
    parts: dict[str, Apportionment] = {}
    for key, group_seats, members in inputs.groups:
        if members.size == 0:
            continue
        try:
            parts[key] = apportion(
                inputs.weights[members],
                int(group_seats),
                method,
                floors=[inputs.floors[i] for i in members],
                caps=[inputs.caps[i] for i in members],
                labels=[inputs.labels[i] for i in members],
            )
        except ApportionmentError as error:
            raise _seat_problem(error, inputs.path) from None
    return parts


def _seat_vector(inputs: _SeatInputs, parts: dict[str, Apportionment]) -> np.ndarray:
    seats = np.zeros(len(inputs.labels), dtype=np.int64)
    for key, _, members in inputs.groups:
        if key in parts:
            seats[members] = parts[key].seats
    return seats


def allocate_seats(
    scenario: Scenario,
    *,
    method: str | None = None,
    seats: int | None = None,
    table: pd.DataFrame | None = None,
    margins: bool = False,
) -> SeatAllocation:
    """Apportion the scenario's seats (or ``seats``) by its method (or ``method``).

    With ``margins``, the table also holds each region's margin_gain and margin_lose (how
    much weight it would need to gain or could lose before its seats change); they cost
    more to compute (for Hamilton, a bisection per region), so only pages that show them
    ask for them.
    """
    table = region_table(scenario) if table is None else table
    method = canonical_method(method or scenario.cohort.method)
    inputs = _seat_inputs(scenario, table, seats)
    parts = _apportion_groups(inputs, method)
    result = _seat_vector(inputs, parts)
    quotas = np.zeros(len(table))
    for key, _, members in inputs.groups:
        if key in parts:
            quotas[members] = parts[key].quotas
    return SeatAllocation(
        seats=result,
        apportionments=parts,
        weights=inputs.weights,
        floors=np.asarray(inputs.floors, dtype=np.int64),
        caps=tuple(inputs.caps),
        quotas=quotas,
        regions=table,
        scenario=scenario,
        groups=tuple(inputs.groups),
        margins=margins,
    )


def _track_table(scenario: Scenario, table: pd.DataFrame, seats: np.ndarray) -> pd.DataFrame:
    tracks = table["track"].to_numpy()
    codes = [track.code for track in scenario.tracks]
    return pd.DataFrame(
        {
            "track": codes,
            "name": [track.name for track in scenario.tracks],
            "language": [track.language for track in scenario.tracks],
            "seats": [int(seats[tracks == code].sum()) for code in codes],
            "regions": [int((tracks == code).sum()) for code in codes],
        }
    )


def allocate(scenario: Scenario, table: pd.DataFrame | None = None) -> Allocation:
    """Seats, grants and fairness for a scenario; infeasibility as a ScenarioError."""
    table = region_table(scenario) if table is None else table
    seats = allocate_seats(scenario, table=table)
    participants = int(seats.seats.sum())
    budget = scenario.budget
    try:
        pool = scenario_grant_pool(scenario, participants)
    except ValueError as error:
        raise ScenarioError([Problem("budget", str(error), "check the budget's amounts")]) from None
    price_levels = np.nan_to_num(table["price_level"].to_numpy(dtype=float), nan=1.0)
    try:
        grants = allocate_grants(
            seats.seats.tolist(),
            pool=pool,
            cap=budget.grant_cap,
            floor=budget.grant_floor,
            rule=budget.grant_rule,
            price_levels=price_levels.tolist(),
            need=table["need"].astype(float).tolist(),
            unit=budget.grant_unit,
            labels=table["region"].tolist(),
            cost_per_participant=participant_cost(scenario),
            contingency_share=budget.contingency_share,
            currency=scenario.currency,
        )
    except GrantInfeasible as error:
        raise ScenarioError(
            [
                Problem("budget", conflict, "; or ".join(error.remedies) or "change the budget")
                for conflict in error.conflicts
            ]
        ) from None
    population = np.nan_to_num(table["population"].to_numpy(dtype=float), nan=0.0)
    indices = fairness_indices(
        seats.weights,
        seats.seats,
        population=population if population.sum() > 0 else None,
        grants_real=grants.real_grants,
        participants=seats.seats,
        floors=seats.floors,
        caps=_fairness_caps(seats.caps, int(seats.seats.sum())),
    )
    return Allocation(seats, grants, indices, pool)


def _fairness_caps(caps: Sequence[int | None], seats: int) -> np.ndarray | None:
    """Caps as the fairness indices take them: no cap is as good as all the seats."""
    if all(cap is None for cap in caps):
        return None
    return np.array([seats if cap is None else cap for cap in caps], dtype=float)


def compare_methods(
    scenario: Scenario, methods: Sequence[str] | None = None, table: pd.DataFrame | None = None
) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Every method side by side on the scenario's inputs.

    Returns
    -------
    seats : pandas.DataFrame
        One row per region: region, name, then one column of seats per method, and
        ``flips`` (True where the methods disagree on that region).
    indices : pandas.DataFrame
        One row per method: the fairness indices of its seats.
    """
    table = region_table(scenario) if table is None else table
    methods = [canonical_method(m) for m in (methods or method_names())]
    inputs = _seat_inputs(scenario, table, None)
    population = np.nan_to_num(table["population"].to_numpy(dtype=float), nan=0.0)
    columns: dict[str, Any] = {"region": table["region"], "name": table["name"]}
    rows = []
    for method in methods:
        seats = _seat_vector(inputs, _apportion_groups(inputs, method))
        columns[method] = seats
        indices = fairness_indices(
            inputs.weights,
            seats,
            population=population if population.sum() > 0 else None,
            floors=np.array(inputs.floors),
            caps=_fairness_caps(inputs.caps, int(seats.sum())),
        )
        rows.append({"method": method, **indices.as_dict()})
    seats_table = pd.DataFrame(columns)
    matrix = seats_table[methods].to_numpy()
    seats_table["flips"] = matrix.max(axis=1) != matrix.min(axis=1)
    indices_table = pd.DataFrame(rows).drop(columns=["gini_real_grant"], errors="ignore")
    return seats_table, indices_table


def seat_paradoxes(
    scenario: Scenario,
    seat_range: Sequence[int],
    method: str | None = None,
    table: pd.DataFrame | None = None,
) -> pd.DataFrame:
    """Regions that lose a seat when the total grows by one (the Alabama paradox).

    Returns one row per paradox: region, name, seats_total (the smaller total), seats_before
    (at that total) and seats_after (at the total plus one). Divisor methods never produce
    one; Hamilton can.
    """
    table = region_table(scenario) if table is None else table
    totals = sorted({int(s) for s in seat_range if s >= 1})
    rows = []
    previous: np.ndarray | None = None
    previous_total = 0
    for total in totals:
        try:
            current = allocate_seats(scenario, method=method, seats=total, table=table).seats
        except ScenarioError:
            previous = None
            continue
        if previous is not None and total == previous_total + 1:
            for i in np.flatnonzero(current < previous):
                rows.append(
                    {
                        "region": table["region"].iloc[i],
                        "name": table["name"].iloc[i],
                        "seats_total": previous_total,
                        "seats_before": int(previous[i]),
                        "seats_after": int(current[i]),
                    }
                )
        previous, previous_total = current, total
    columns = ["region", "name", "seats_total", "seats_before", "seats_after"]
    return pd.DataFrame(rows, columns=columns)
