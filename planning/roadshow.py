"""Roadshow planning: which cities a tour visits, in what order and when, and what it yields.

A roadshow (e.g. Community Boost: 30 US cities in 2018, later 50) makes ``cohort.seats``
stops. The stops are shared fairly among groups of cities (states, Census regions or
divisions) by the cohort's apportionment method, the cities of each group are picked by
size and spread, the route joins them in a short open path, the calendar gives each stop
its week, and a Monte Carlo simulation draws who comes, what they achieve and what it costs.

Glossary
--------
city id
    The city's name in lowercase, accents folded, ``.`` and apostrophes dropped, other
    runs of non-alphanumerics turned into ``-``, then ``-`` and the state code:
    ``houston-tx``, ``st-louis-mo``, ``greenville-sc``. Looking a city up also accepts
    ``saint``/``st``, ``sainte``/``ste``, ``fort``/``ft`` and ``mount``/``mt`` for each
    other (``saint-louis-mo`` finds ``st-louis-mo``); tables always show the data's id.
candidate
    A city the tour may stop in: in ``roadshow.states`` (all states when empty), of at least
    ``min_population`` people and not banned; a required city is always a candidate.
group
    The state, Census region or Census division (``roadshow.spread_by``) a city belongs to.
group weight
    With ``weight_basis: population``: the people living in the group's places of the
    reference data (US places of 15,000+, within ``roadshow.states``), whatever
    ``min_population``: a stand-in for the group's urban population, which the data does
    not give. With ``equal``: 1. Either is raised to ``cohort.weight_exponent``.
quota, fair share
    A group's exact share of the stops, ``weight * stops / total weight`` (the quota), and
    the same once floors and caps hold (the fair share, a bounded quota).
floor, cap
    A group's fewest stops, ``max(group_floor, its required cities)``, and most stops,
    ``min(group_cap, its candidates)``.
spread distance
    Cities closer than :data:`SPREAD_KM` to a stop already chosen in their group share its
    audience: a city ``d`` km from the nearest such stop counts as ``d / SPREAD_KM`` of its
    people (its *score*) when the next city is picked.
base tour, extension
    The tour of ``cohort.seats`` stops, and the larger tour of ``roadshow.extend_to`` stops
    planned after it. An extension keeps every city of the base tour.
audience
    A track of a roadshow scenario: people trained together at each stop (job seekers,
    business owners, ...), with their sessions, places, show-up rate and outcome.
trained
    People who attend a session; each is counted once per stop and audience.
week 1
    The week starting on the first Monday of ``start_month``; stops are spread evenly over
    ``roadshow.weeks_available`` weeks in route order (:func:`stop_weeks`).
P10, P50, P90
    The values below which 10%, 50% (the median) and 90% of the simulation's draws fall.
"""

from __future__ import annotations

import datetime as dt
import difflib
import functools
import math
import re
import unicodedata
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Final

import numpy as np
import numpy.typing as npt
import pandas as pd

from planning.apportion import Apportionment, apportion
from planning.reference import us_cities, us_states
from planning.route import Route, distance_matrix, route
from planning.scenario import Problem, Roadshow, Scenario, ScenarioError
from planning.simulate import (
    lognormal_factor,
    month_labels,
    month_phases,
    quantiles,
    random_stream,
    seed_entropy,
    stable_key,
)

FloatArray = npt.NDArray[np.float64]
IntArray = npt.NDArray[np.int64]
BoolArray = npt.NDArray[np.bool_]
Seed = int | np.random.Generator | None

SPREAD_KM: Final = 100.0
"""Distance under which a stop's audience overlaps a nearby city's (a day trip by car)."""

PASSED_OVER_LINES: Final = 10
"""How many of the largest cities not chosen get an explanation line."""

_GROUP_COLUMNS: Final = {
    "state": "state_code",
    "census_region": "census_region",
    "census_division": "census_division",
}
_ALIASES: Final = {"saint": "st", "sainte": "ste", "fort": "ft", "mount": "mt"}
_DROPPED: Final = re.compile(r"[.'’‘ʻ`]")
_SEPARATORS: Final = re.compile(r"[^a-z0-9]+")

# Random streams (spawn keys): one per quantity, audiences' keyed by their code's hash, so
# adding an audience or moving an input leaves the other draws as they were.
_STREAM_ATTENDANCE: Final = 10
_STREAM_OUTCOME: Final = 11
_STREAM_COST: Final = 12
_STREAM_SHOW_UP: Final = 13

CHOSEN_COLUMNS: Final = (
    "city_id",
    "name",
    "state_code",
    "state_name",
    "group",
    "population",
    "latitude",
    "longitude",
    "pick",
    "reason",
    "detail",
)
GROUP_COLUMNS: Final = (
    "group",
    "candidates",
    "pinned",
    "weight",
    "quota",
    "fair_share",
    "floor",
    "cap",
    "stops",
)
PASSED_OVER_COLUMNS: Final = (
    "city_id",
    "name",
    "group",
    "population",
    "nearest_stop",
    "distance_km",
    "reason",
)
STOP_COLUMNS: Final = (
    "order",
    "week",
    "date",
    "month",
    "city_id",
    "city",
    "state",
    "group",
    "lat",
    "lon",
    "leg_km",
    "reason",
    "audiences",
    "sessions",
    "places",
    "expected_attendees",
    "partners",
    "colleges",
)
STATE_COLUMNS: Final = (
    "group",
    "weight",
    "stops",
    "fair_share",
    "floor",
    "cap",
    "quota",
    "candidates",
)
BUDGET_COLUMNS: Final = (
    "month",
    "phase",
    "stops",
    "planned_spend",
    "spend_p10",
    "spend_p50",
    "spend_p90",
    "cumulative_p50",
)
REACH_COLUMNS: Final = (
    "audience",
    "name",
    "expected_trained",
    "trained_mean",
    "trained_p10",
    "trained_p50",
    "trained_p90",
    "outcome",
    "outcome_rate",
    "outcome_p10",
    "outcome_p50",
    "outcome_p90",
)


# --- city ids --------------------------------------------------------------------------------


def city_id(name: str, state_code: str) -> str:
    """The id of a city: its name as a slug, then its state code.

    Parameters
    ----------
    name
        The city's name, e.g. ``"St. Louis"`` or ``"Coeur d'Alene"``.
    state_code
        Two-letter USPS code, e.g. ``"MO"``.

    Returns
    -------
    str
        E.g. ``"st-louis-mo"``, ``"coeur-dalene-id"``, ``"la-canada-flintridge-ca"``.

    Raises
    ------
    ValueError
        If the name has no letter or digit, or the state code is not two letters.
    """
    decomposed = unicodedata.normalize("NFKD", name)
    plain = "".join(ch for ch in decomposed if not unicodedata.combining(ch)).lower()
    slug = _SEPARATORS.sub("-", _DROPPED.sub("", plain)).strip("-")
    code = state_code.strip().lower()
    if not slug:
        raise ValueError(f"name: {name!r} has no letter or digit; give the city's name")
    if not re.fullmatch(r"[a-z]{2}", code):
        raise ValueError(f"state_code: {state_code!r} is not a two-letter code; use e.g. 'MO'")
    return f"{slug}-{code}"


def _alias_key(identifier: str) -> str:
    return "-".join(_ALIASES.get(part, part) for part in identifier.split("-"))


@dataclass(frozen=True, eq=False)
class _Cities:
    """The reference cities as plain arrays, largest first (ties by id), with an id index."""

    table: pd.DataFrame
    ids: list[str]
    row_of: dict[str, int]
    names: list[str]
    labels: dict[str, npt.NDArray[np.str_]]
    population: IntArray
    latitude: FloatArray
    longitude: FloatArray


@functools.lru_cache(maxsize=1)
def _cities() -> _Cities:
    table = us_cities()
    table.insert(
        0,
        "city_id",
        [
            city_id(name, state)
            for name, state in zip(table["name"], table["state_code"], strict=True)
        ],
    )
    table = table.sort_values(["population", "city_id"], ascending=[False, True])
    table = table.reset_index(drop=True)
    ids = [str(identifier) for identifier in table["city_id"]]
    return _Cities(
        table=table,
        ids=ids,
        row_of={identifier: row for row, identifier in enumerate(ids)},
        names=[str(name) for name in table["name"]],
        labels={
            column: table[column].to_numpy(dtype=str)
            for column in ("state_code", "state_name", "census_region", "census_division")
        },
        population=table["population"].to_numpy(dtype=np.int64),
        latitude=table["latitude"].to_numpy(dtype=float),
        longitude=table["longitude"].to_numpy(dtype=float),
    )


@functools.lru_cache(maxsize=1)
def _id_lookup() -> dict[str, str]:
    """Every accepted spelling -> the data's id; spellings two cities share are left out."""
    by_key: dict[str, list[str]] = {}
    for identifier in _cities().ids:
        by_key.setdefault(_alias_key(identifier), []).append(identifier)
    lookup = {key: found[0] for key, found in by_key.items() if len(found) == 1}
    lookup.update({identifier: identifier for identifier in _cities().ids})
    return lookup


def city_table() -> pd.DataFrame:
    """Every US city of the reference data with its id, largest first.

    Returns
    -------
    pandas.DataFrame
        :func:`planning.reference.us_cities` with a ``city_id`` column first, sorted by
        population (descending), then id.
    """
    return _cities().table.copy()


def resolve_city(identifier: str) -> str | None:
    """The data's id for a city id or an accepted alias of it, or None when unknown.

    Parameters
    ----------
    identifier
        E.g. ``"st-louis-mo"`` or ``"saint-louis-mo"``.

    Returns
    -------
    str or None
        The canonical id, e.g. ``"st-louis-mo"``.
    """
    text = identifier.strip().lower()
    lookup = _id_lookup()
    return lookup.get(text) or lookup.get(_alias_key(text))


def suggest_cities(identifier: str, count: int = 3) -> list[str]:
    """City ids close to an unknown one: the same name in other states, then look-alikes.

    Parameters
    ----------
    identifier
        The id that was not found.
    count
        Most suggestions to return.

    Returns
    -------
    list of str
        Up to ``count`` ids of the data, best first (same-name cities largest first).
    """
    text = _alias_key(identifier.strip().lower())
    stem = text[:-3] if re.search(r"-[a-z]{2}$", text) else text
    ids = _cities().ids
    same_name = [other for other in ids if _alias_key(other)[:-3] == stem]
    close = difflib.get_close_matches(text, ids, n=count, cutoff=0.75)
    return list(dict.fromkeys([*same_name, *close]))[:count]


# --- candidates and groups ---------------------------------------------------------------------


def _tour(scenario: Scenario) -> Roadshow:
    if scenario.kind != "roadshow" or scenario.roadshow is None:
        raise ValueError(
            "scenario: this is not a roadshow (kind must be 'roadshow', with a roadshow "
            "section); use a roadshow scenario such as scenarios/community_boost_2018.yaml"
        )
    return scenario.roadshow


def _resolved(identifiers: Sequence[str]) -> list[str]:
    """Canonical ids of the known cities, in order, each once."""
    found = (resolve_city(identifier) for identifier in identifiers)
    return list(dict.fromkeys(identifier for identifier in found if identifier is not None))


def _scope_mask(tour: Roadshow) -> BoolArray:
    """The data's cities in the tour's states (every city when no state is named)."""
    states = _cities().labels["state_code"]
    if not tour.states:
        return np.ones(states.size, dtype=bool)
    return np.isin(states, list(tour.states))


@dataclass(frozen=True, eq=False)
class _Field:
    """A tour's candidates and groups, worked out once for the checks and the choice.

    ``rows`` are the candidates' rows of the data, largest first; ``group_of`` each one's
    group (an index into ``groups``, which are sorted by name). ``candidates`` and
    ``pinned`` count them per group.
    """

    rows: IntArray
    pinned: tuple[str, ...]
    groups: list[str]
    weights: FloatArray
    group_of: IntArray
    candidates: IntArray
    pins: IntArray


def _field(scenario: Scenario, tour: Roadshow, pinned: Sequence[str]) -> _Field:
    cities = _cities()
    scope = _scope_mask(tour)
    pinned_rows = np.array([cities.row_of[identifier] for identifier in pinned], dtype=np.int64)
    is_pinned = np.zeros(scope.size, dtype=bool)
    is_pinned[pinned_rows] = True
    banned = np.zeros(scope.size, dtype=bool)
    banned[[cities.row_of[identifier] for identifier in _resolved(tour.banned)]] = True
    wanted = (scope & (cities.population >= tour.min_population) & ~banned) | is_pinned
    rows = np.flatnonzero(wanted).astype(np.int64)
    labels = cities.labels[_GROUP_COLUMNS[tour.spread_by]]
    # The groups of the scope, and of any required city outside it (it weighs nothing there).
    groups = sorted(set(labels[scope].tolist()) | set(labels[pinned_rows].tolist()))
    position = {group: index for index, group in enumerate(groups)}
    scope_groups = np.array([position[label] for label in labels[scope]], dtype=np.int64)
    population = np.bincount(
        scope_groups, weights=cities.population[scope].astype(float), minlength=len(groups)
    ).astype(float)
    base: FloatArray = (
        population if scenario.cohort.weight_basis == "population" else np.ones(len(groups))
    )
    weights: FloatArray = base**scenario.cohort.weight_exponent
    group_of = np.array([position[label] for label in labels[rows]], dtype=np.int64)
    return _Field(
        rows=rows,
        pinned=tuple(pinned),
        groups=groups,
        weights=weights,
        group_of=group_of,
        candidates=np.bincount(group_of, minlength=len(groups)).astype(np.int64),
        pins=np.bincount(group_of[is_pinned[rows]], minlength=len(groups)).astype(np.int64),
    )


def _caps(tour: Roadshow, field: _Field) -> IntArray:
    """Each group's most stops: its candidates, and no more than group_cap."""
    if tour.group_cap is None:
        return field.candidates
    return np.minimum(field.candidates, tour.group_cap)


def _frame(field: _Field) -> pd.DataFrame:
    table = _cities().table.iloc[field.rows]
    frame = pd.DataFrame(
        {
            "city_id": table["city_id"].to_numpy(),
            "name": table["name"].to_numpy(),
            "state_code": table["state_code"].to_numpy(),
            "state_name": table["state_name"].to_numpy(),
            "census_region": table["census_region"].to_numpy(),
            "census_division": table["census_division"].to_numpy(),
            "group": [field.groups[index] for index in field.group_of],
            "population": table["population"].to_numpy(),
            "latitude": table["latitude"].to_numpy(),
            "longitude": table["longitude"].to_numpy(),
            "pinned": table["city_id"].isin(list(field.pinned)).to_numpy(),
        }
    )
    return frame


def candidate_cities(scenario: Scenario) -> pd.DataFrame:
    """The cities a roadshow may stop in.

    Parameters
    ----------
    scenario
        A roadshow scenario.

    Returns
    -------
    pandas.DataFrame
        Columns ``city_id, name, state_code, state_name, census_region, census_division,
        group, population, latitude, longitude, pinned``, largest first (ties by id): the
        cities of ``roadshow.states`` with at least ``min_population`` people, less the
        banned ones, plus every required city (``pinned``) wherever it is. Unknown ids are
        left out (:func:`roadshow_problems` reports them).

    Raises
    ------
    ValueError
        If the scenario is not a roadshow.
    """
    tour = _tour(scenario)
    return _frame(_field(scenario, tour, _resolved(tour.required)))


# --- problems ---------------------------------------------------------------------------------


def _listing(items: Sequence[str], most: int = 6) -> str:
    shown = ", ".join(items[:most])
    return shown if len(items) <= most else f"{shown} and {len(items) - most} more"


def _unknown_city(path: str, identifier: str) -> Problem:
    suggestions = suggest_cities(identifier)
    hint = f"did you mean {', '.join(repr(s) for s in suggestions)}? " if suggestions else ""
    return Problem(
        path,
        f"{identifier!r} is not a city of the reference data (US places of 15,000+ people)",
        f"{hint}A city id is the name in lowercase with '-' for spaces, then '-' and the state "
        "code, e.g. 'st-louis-mo'",
    )


def _city_problems(tour: Roadshow) -> list[Problem]:
    problems = []
    states = set(us_states().index)
    for i, code in enumerate(tour.states):
        if code not in states:
            problems.append(
                Problem(
                    f"roadshow.states[{i}]",
                    f"{code!r} is not a US state code",
                    "use the two-letter USPS code of a state or DC, e.g. 'MI' or 'TX'",
                )
            )
    for field in ("required", "banned"):
        seen: dict[str, int] = {}
        for i, identifier in enumerate(getattr(tour, field)):
            path = f"roadshow.{field}[{i}]"
            canonical = resolve_city(identifier)
            if canonical is None:
                problems.append(_unknown_city(path, identifier))
            elif canonical in seen:
                problems.append(
                    Problem(
                        path,
                        f"{identifier!r} is the same city as roadshow.{field}[{seen[canonical]}]",
                        "remove the duplicate",
                    )
                )
            else:
                seen[canonical] = i
    cities = _cities()
    for i, identifier in enumerate(tour.required):
        canonical = resolve_city(identifier)
        if canonical is None or not tour.states:
            continue
        state = str(cities.labels["state_code"][cities.row_of[canonical]])
        if state not in tour.states:
            problems.append(
                Problem(
                    f"roadshow.required[{i}]",
                    f"{identifier!r} is in {state}, which is not among roadshow.states",
                    f"add {state!r} to roadshow.states or unpin the city",
                )
            )
    return problems


def _candidate_shortfall(tour: Roadshow, field: _Field, stops: int, path: str) -> list[Problem]:
    if field.rows.size >= stops:
        return []
    cities = _cities()
    others = _scope_mask(tour)
    others[[cities.row_of[identifier] for identifier in _resolved(tour.banned)]] = False
    others[[cities.row_of[identifier] for identifier in field.pinned]] = False
    pool = cities.population[others]  # largest first, as the data is sorted
    wanted = stops - len(field.pinned)
    if 0 < wanted <= pool.size:
        fix = f"lower roadshow.min_population to {int(pool[wanted - 1]):,} or name more states"
    else:
        fix = f"name more states or plan at most {field.rows.size} stops"
    return [
        Problem(
            path,
            f"the tour needs {stops} stops but only {field.rows.size} cities are candidates",
            fix,
        )
    ]


def _room_problem(tour: Roadshow, field: _Field, stops: int, path: str) -> list[Problem]:
    room = int(_caps(tour, field).sum())
    if room >= stops:
        return []
    return [
        Problem(
            path,
            f"the groups hold at most {room} stops (at most group_cap {tour.group_cap} each, "
            f"and no more than their candidate cities) but the tour needs {stops}",
            "raise roadshow.group_cap, lower roadshow.min_population or name more states",
        )
    ]


def _group_problems(tour: Roadshow, field: _Field, stops: int) -> list[Problem]:
    problems = []
    short = [
        f"{group} ({count})"
        for group, count in zip(field.groups, field.candidates, strict=True)
        if count < tour.group_floor
    ]
    if short:
        problems.append(
            Problem(
                "roadshow.group_floor",
                f"{len(short)} group(s) have fewer candidate cities than the floor of "
                f"{tour.group_floor}: {_listing(short)}",
                f"lower group_floor to {int(field.candidates.min())}, lower "
                "roadshow.min_population, name fewer states, or spread by a larger group "
                "(census_division or census_region)",
            )
        )
    floors = int(np.maximum(tour.group_floor, field.pins).sum())
    if floors > stops:
        problems.append(
            Problem(
                "roadshow.group_floor",
                f"the groups' floors (group_floor {tour.group_floor}, or their required cities "
                f"where more) add up to {floors} stops but the tour has {stops}",
                f"raise cohort.seats to {floors}, lower group_floor, or spread by a larger group",
            )
        )
    if tour.group_cap is not None:
        over = [
            f"{group} ({pins})"
            for group, pins in zip(field.groups, field.pins, strict=True)
            if pins > tour.group_cap
        ]
        if over:
            problems.append(
                Problem(
                    "roadshow.group_cap",
                    f"more cities are required than the cap of {tour.group_cap} stops allows "
                    f"in {_listing(over)}",
                    f"raise group_cap to {int(field.pins.max())} or unpin cities",
                )
            )
    return problems


def _calendar_problems(scenario: Scenario, tour: Roadshow) -> list[Problem]:
    stops = max(scenario.cohort.seats, tour.extend_to or 0)
    if stops > tour.weeks_available * tour.stops_per_week:
        return []  # check_roadshow reports it
    last = stop_dates(stops, scenario)[-1]
    if _month_index(last, scenario.start_month) < scenario.months:
        return []
    return [
        Problem(
            "roadshow.weeks_available",
            f"the last of {stops} stops falls on {last.isoformat()}, after the programme's "
            f"{scenario.months} months from {scenario.start_month}",
            "give fewer weeks or lengthen the phases",
        )
    ]


def roadshow_problems(scenario: Scenario) -> list[Problem]:
    """What stops a roadshow scenario from being planned, each with its path and fix.

    Checks the city ids and state codes, that there are enough candidates for the stops
    and the extension, that the group floors and caps can hold, and that the calendar ends
    within the programme. Empty for a sound roadshow and for any other kind of scenario.

    Parameters
    ----------
    scenario
        The scenario to check.

    Returns
    -------
    list of Problem
        Paths like ``roadshow.required[2]``.
    """
    tour = scenario.roadshow
    if scenario.kind != "roadshow" or tour is None:
        return []
    problems = _city_problems(tour)
    field = _field(scenario, tour, _resolved(tour.required))
    sizes = [(scenario.cohort.seats, "cohort.seats")]
    if tour.extend_to is not None and tour.extend_to > scenario.cohort.seats:
        sizes.append((tour.extend_to, "roadshow.extend_to"))
    for stops, path in sizes:
        shortfall = _candidate_shortfall(tour, field, stops, path)
        problems += shortfall or _room_problem(tour, field, stops, path)
    problems += _group_problems(tour, field, scenario.cohort.seats)
    problems += _calendar_problems(scenario, tour)
    return problems


# --- choosing the stops -----------------------------------------------------------------------


@dataclass(frozen=True, eq=False)
class StopChoice:
    """The cities a tour stops in, and why.

    Attributes
    ----------
    stops : int
        Number of stops.
    chosen : pandas.DataFrame
        One row per stop (columns :data:`CHOSEN_COLUMNS`), by group then in the order
        picked. ``reason`` is ``required`` (pinned by ``roadshow.required``), ``base tour``
        (kept from the base tour by an extension), ``largest`` (the largest candidate left
        in its group) or ``spread`` (a smaller city picked because the larger ones left are
        close to a stop); ``detail`` says it in words.
    groups : pandas.DataFrame
        One row per group (columns :data:`GROUP_COLUMNS`), by name. ``pinned`` counts the
        required cities and, in an extension, the base tour's.
    passed_over : pandas.DataFrame
        Candidates not chosen, and banned cities that would otherwise be candidates, largest
        first (columns :data:`PASSED_OVER_COLUMNS`), each with the reason.
    apportionment : Apportionment
        How the stops were shared among the groups.
    base : tuple of str
        Ids of the base tour's cities an extension kept (empty for a base tour).
    explanations : tuple of str
        Plain-language lines: the spread, each group's stops, the largest cities left out.
    """

    stops: int
    chosen: pd.DataFrame
    groups: pd.DataFrame
    passed_over: pd.DataFrame
    apportionment: Apportionment
    base: tuple[str, ...]
    explanations: tuple[str, ...]


@dataclass(frozen=True)
class _Pick:
    """One city picked within a group: its position among the group's rows, and why."""

    index: int
    reason: str
    detail: str
    score: float


@dataclass(frozen=True, eq=False)
class _GroupPicks:
    """The picks of one group, and each of its cities' nearest pick (index, km)."""

    picks: list[_Pick]
    nearest: IntArray
    nearest_km: FloatArray


def _pick_in_group(
    rows: IntArray, pinned: dict[str, str], stops: int, spread_km: float
) -> _GroupPicks:
    """Pick ``stops`` cities among a group's ``rows``: the pinned, then greedily by score.

    The score of a city is its population times ``min(1, d / spread_km)``, ``d`` its distance
    to the nearest city already picked in the group (no discount before the first pick).
    The highest score wins; ties go to the larger city, then the lower id (the row order).
    """
    cities = _cities()
    distances = distance_matrix(cities.latitude[rows], cities.longitude[rows])
    population = cities.population[rows].astype(float)
    names = [cities.names[row] for row in rows]
    nearest_km = np.full(rows.size, np.inf)
    nearest = np.full(rows.size, -1, dtype=np.int64)
    taken = np.zeros(rows.size, dtype=bool)
    picks: list[_Pick] = []

    def take(index: int, reason: str, detail: str, score: float) -> None:
        picks.append(_Pick(index, reason, detail, score))
        taken[index] = True
        closer = distances[index] < nearest_km
        nearest_km[closer] = distances[index][closer]
        nearest[closer] = index

    for index, row in enumerate(rows.tolist()):
        reason = pinned.get(cities.ids[row])
        if reason is not None:
            detail = (
                "pinned by roadshow.required" if reason == "required" else "kept from the base tour"
            )
            take(index, reason, detail, math.nan)
    while len(picks) < stops:
        score = np.where(taken, -np.inf, population * np.minimum(1.0, nearest_km / spread_km))
        index = int(np.argmax(score))
        largest = int(np.argmax(np.where(taken, -np.inf, population)))
        reason, detail = _pick_detail(index, largest, names, population, nearest_km, nearest)
        take(index, reason, detail, float(score[index]))
    return _GroupPicks(picks, nearest, nearest_km)


def _pick_detail(
    index: int,
    largest: int,
    names: list[str],
    population: FloatArray,
    nearest_km: FloatArray,
    nearest: IntArray,
) -> tuple[str, str]:
    people = f"{population[index]:,.0f} people"
    if index == largest:
        if np.isfinite(nearest_km[index]):
            where = f"{nearest_km[index]:.0f} km from {names[nearest[index]]}"
            return "largest", f"largest candidate left ({people}; {where})"
        return "largest", f"largest candidate left ({people})"
    passed = f"{names[largest]}, {nearest_km[largest]:.0f} km from {names[nearest[largest]]}"
    return "spread", f"{people}; picked over the larger {passed}, whose audience overlaps"


def _pins_for(scenario: Scenario, stops: int) -> tuple[dict[str, str], tuple[str, ...]]:
    """Cities pinned for a tour of ``stops``, with why: the required ones, and, when
    ``stops`` is above ``cohort.seats`` (an extension), the base tour's."""
    tour = _tour(scenario)
    pinned = dict.fromkeys(_resolved(tour.required), "required")
    if stops <= scenario.cohort.seats:
        return pinned, ()
    base = choose_stops(scenario)
    kept = tuple(str(identifier) for identifier in base.chosen["city_id"])
    for identifier in kept:
        pinned.setdefault(identifier, "base tour")
    return pinned, kept


def _check_stops(scenario: Scenario, stops: int | None) -> int:
    if stops is None:
        return scenario.cohort.seats
    if isinstance(stops, bool) or not isinstance(stops, int | np.integer) or stops < 1:
        raise ValueError(f"stops: give a whole number of stops of 1 or more, not {stops!r}")
    return int(stops)


def choose_stops(
    scenario: Scenario, stops: int | None = None, *, spread_km: float | None = None
) -> StopChoice:
    """Choose the tour's cities: stops shared fairly among groups, then cities within each.

    Stops are apportioned among the groups (``roadshow.spread_by``) by ``cohort.method`` in
    proportion to the group weights, each group held between its floor and cap. Within a
    group the pinned cities come first, then, one at a time, the city of highest score
    (population, discounted within ``spread_km`` of a stop already picked in the group).

    An extension (``stops`` above ``cohort.seats``, e.g. ``roadshow.extend_to``) first
    chooses the base tour and pins its cities, so every base city stays in and no group
    falls below its base count, whatever the method (Hamilton included). With a divisor
    method this changes nothing: divisor methods never take a stop from a group when the
    total grows, and the greedy picks carry on where the base tour stopped, so the
    extension is the tour that would be chosen for ``stops`` from scratch.

    Parameters
    ----------
    scenario
        A roadshow scenario.
    stops
        Number of stops; ``cohort.seats`` when left out.
    spread_km
        The spread distance (see the module glossary); ``roadshow.spread_km`` when None.

    Returns
    -------
    StopChoice
        The chosen cities, the groups' shares and the explanation.

    Raises
    ------
    ScenarioError
        If :func:`roadshow_problems` finds anything (each problem names its field and fix).
    ValueError
        If the scenario is not a roadshow, or ``stops`` is not a whole number of stops the
        candidates and the group caps can hold.
    """
    tour = _tour(scenario)
    problems = roadshow_problems(scenario)
    if problems:
        raise ScenarioError(problems)
    spread_km = tour.spread_km if spread_km is None else spread_km
    if not spread_km > 0.0:
        raise ValueError(f"spread_km: give a distance above 0 km, not {spread_km!r}")
    total = _check_stops(scenario, stops)
    pinned, kept = _pins_for(scenario, total)
    field = _field(scenario, tour, list(pinned))
    for problem in _candidate_shortfall(tour, field, total, "stops") or _room_problem(
        tour, field, total, "stops"
    ):
        raise ValueError(f"{problem.path}: {problem.message}; {problem.fix}")
    if len(pinned) > total:
        raise ValueError(
            f"stops: {len(pinned)} cities are pinned but only {total} stops were asked for; "
            f"ask for {len(pinned)} or more"
        )
    caps = _caps(tour, field)
    shares = apportion(
        field.weights,
        total,
        scenario.cohort.method,
        floors=np.minimum(np.maximum(tour.group_floor, field.pins), caps).tolist(),
        caps=caps.tolist(),
        labels=field.groups,
    )
    return _assemble(scenario, tour, field, shares, pinned, kept, spread_km)


_GROUP_NOUNS: Final = {
    "state": "states",
    "census_region": "Census regions",
    "census_division": "Census divisions",
}


def _passed_reason(
    group: str,
    stops: int,
    fair_share: float,
    population: float,
    nearest: tuple[float, str],
    lowest_score: float,
    spread_km: float,
) -> str:
    distance, name = nearest
    if stops == 0:
        return f"{group} gets no stop (fair share {fair_share:.2f})"
    if distance < spread_km and (math.isnan(lowest_score) or population > lowest_score):
        return (
            f"too close to {name} ({distance:.0f} km): counts as {distance / spread_km:.0%} "
            "of its people"
        )
    if math.isnan(lowest_score):
        return f"{group} is full: its {stops} stop(s) went to pinned cities"
    return (
        f"{group} is full at its fair share of {fair_share:.2f}: its {stops} stop(s) went to "
        "cities scoring higher"
    )


def _explain_shares(scenario: Scenario, tour: Roadshow, shares: Apportionment) -> list[str]:
    basis = (
        "the population of their places of 15,000+ people"
        if scenario.cohort.weight_basis == "population"
        else "equal weights"
    )
    exponent = scenario.cohort.weight_exponent
    power = (
        f" raised to the power {exponent:g}"
        if exponent != 1.0 and scenario.cohort.weight_basis == "population"
        else ""
    )
    lines = [
        f"{shares.total_seats} stops shared among {shares.weights.size} "
        f"{_GROUP_NOUNS[tour.spread_by]} in proportion to {basis}{power}; each group gets at "
        "least its pinned cities (and group_floor) and at most its candidate cities "
        "(and group_cap)."
    ]
    # The apportionment speaks of seats and regions; a tour has stops and groups.
    for line in shares.explain():
        line = re.sub(r"\bseats\b", "stops", re.sub(r"\bseat\b", "stop", line))
        lines.append(re.sub(r"\bregions\b", "groups", re.sub(r"\bregion\b", "group", line)))
    return lines


def _assemble(
    scenario: Scenario,
    tour: Roadshow,
    field: _Field,
    shares: Apportionment,
    pinned: dict[str, str],
    kept: tuple[str, ...],
    spread_km: float,
) -> StopChoice:
    cities = _cities()
    chosen: list[dict[str, object]] = []
    passed: list[dict[str, object]] = []
    group_lines: list[str] = []
    for index, group in enumerate(field.groups):
        rows = field.rows[field.group_of == index]
        stops = int(shares.seats[index])
        fair_share = float(shares.bounded_quotas[index])
        if rows.size == 0:
            continue
        found = _pick_in_group(rows, pinned, stops, spread_km)
        names = [cities.names[row] for row in rows]
        for order, pick in enumerate(found.picks, start=1):
            chosen.append(
                {**_city_record(int(rows[pick.index]), group), "pick": order}
                | {"reason": pick.reason, "detail": pick.detail}
            )
        scores = [pick.score for pick in found.picks if not math.isnan(pick.score)]
        lowest = min(scores, default=math.nan)
        picked = {pick.index for pick in found.picks}
        for position, row in enumerate(rows.tolist()):
            if position in picked:
                continue
            near = (
                (float(found.nearest_km[position]), names[found.nearest[position]])
                if found.picks
                else (math.nan, "")
            )
            reason = _passed_reason(
                group,
                stops,
                fair_share,
                float(cities.population[row]),
                near,
                lowest,
                spread_km,
            )
            passed.append(_passed_record(row, group, near, reason))
        if found.picks:
            listed = ", ".join(f"{names[p.index]} ({p.reason})" for p in found.picks)
            group_lines.append(
                f"{group}: {stops} stop(s) for a fair share of {fair_share:.2f}: {listed}."
            )
    passed += _banned_records(tour, set(pinned))
    passed_table = pd.DataFrame(passed, columns=list(PASSED_OVER_COLUMNS))
    passed_table = passed_table.sort_values(
        ["population", "city_id"], ascending=[False, True], kind="stable"
    ).reset_index(drop=True)
    empty = [group for group, stops in zip(field.groups, shares.seats, strict=True) if stops == 0]
    lines = _explain_shares(scenario, tour, shares) + group_lines
    if empty:
        lines.append(f"No stop in {_listing(empty, 12)}.")
    if kept:
        lines.append(f"The extension keeps the {len(kept)} cities of the base tour.")
    lines += [
        f"Not chosen: {row.name} ({row.group}, {row.population:,} people): {row.reason}."
        for row in passed_table.head(PASSED_OVER_LINES).itertuples()
    ]
    return StopChoice(
        stops=shares.total_seats,
        chosen=pd.DataFrame(chosen, columns=list(CHOSEN_COLUMNS)),
        groups=_groups_frame(field, shares),
        passed_over=passed_table,
        apportionment=shares,
        base=kept,
        explanations=tuple(lines),
    )


def _city_record(row: int, group: str) -> dict[str, object]:
    cities = _cities()
    return {
        "city_id": cities.ids[row],
        "name": cities.names[row],
        "state_code": str(cities.labels["state_code"][row]),
        "state_name": str(cities.labels["state_name"][row]),
        "group": group,
        "population": int(cities.population[row]),
        "latitude": float(cities.latitude[row]),
        "longitude": float(cities.longitude[row]),
    }


def _passed_record(
    row: int, group: str, nearest: tuple[float, str], reason: str
) -> dict[str, object]:
    cities = _cities()
    return {
        "city_id": cities.ids[row],
        "name": cities.names[row],
        "group": group,
        "population": int(cities.population[row]),
        "nearest_stop": nearest[1],
        "distance_km": nearest[0],
        "reason": reason,
    }


def _groups_frame(field: _Field, shares: Apportionment) -> pd.DataFrame:
    return pd.DataFrame(
        {
            "group": field.groups,
            "candidates": field.candidates,
            "pinned": field.pins,
            "weight": shares.weights,
            "quota": shares.quotas,
            "fair_share": shares.bounded_quotas,
            "floor": shares.floors,
            "cap": [0 if cap is None else int(cap) for cap in shares.caps],
            "stops": shares.seats,
        }
    )


def _banned_records(tour: Roadshow, pinned: set[str]) -> list[dict[str, object]]:
    """Banned cities that would otherwise be candidates, with the ban's path."""
    cities = _cities()
    scope = _scope_mask(tour)
    labels = cities.labels[_GROUP_COLUMNS[tour.spread_by]]
    records = []
    for i, identifier in enumerate(tour.banned):
        canonical = resolve_city(identifier)
        if canonical is None or canonical in pinned:
            continue
        row = cities.row_of[canonical]
        if scope[row] and cities.population[row] >= tour.min_population:
            reason = f"banned (roadshow.banned[{i}])"
            records.append(_passed_record(row, str(labels[row]), (math.nan, ""), reason))
    return records


# --- the calendar -----------------------------------------------------------------------------


def first_monday(start_month: str) -> dt.date:
    """The first Monday of a month given as YYYY-MM: the first day of the tour's week 1."""
    year, month = (int(part) for part in start_month.split("-"))
    first = dt.date(year, month, 1)
    return first + dt.timedelta(days=(7 - first.weekday()) % 7)


def _month_index(day: dt.date, start_month: str) -> int:
    year, month = (int(part) for part in start_month.split("-"))
    return (day.year - year) * 12 + day.month - month


def stop_weeks(count: int, weeks_available: int, stops_per_week: int) -> IntArray:
    """The week (0-based) of each stop, in route order, spread evenly over the weeks.

    Stop ``k`` of ``n`` falls in week ``floor(k * weeks / n)``: the stops keep an even pace
    over the whole calendar rather than bunching at its start, and no week gets more than
    ``ceil(n / weeks)`` stops, which is at most ``stops_per_week`` when they fit.

    Parameters
    ----------
    count
        Number of stops.
    weeks_available
        Weeks in the calendar.
    stops_per_week
        Most stops in one week.

    Returns
    -------
    numpy.ndarray
        Non-decreasing week indices, one per stop.

    Raises
    ------
    ValueError
        If the stops do not fit in the weeks at that pace.
    """
    if count > weeks_available * stops_per_week:
        raise ValueError(
            f"roadshow.weeks_available: {count} stops do not fit in {weeks_available} weeks at "
            f"{stops_per_week} a week; give at least {-(-count // stops_per_week)} weeks"
        )
    stop = np.arange(count, dtype=np.int64)
    weeks: IntArray = (stop * weeks_available) // max(count, 1)
    return weeks


def stop_dates(count: int, scenario: Scenario) -> list[dt.date]:
    """The date of each stop, in route order.

    Week 1 starts on the first Monday of ``start_month``. A stop is on the Monday of its
    week (:func:`stop_weeks`); the ``j``-th stop of a week with several is
    ``floor(7 * j / stops_per_week)`` days later.

    Parameters
    ----------
    count
        Number of stops.
    scenario
        A roadshow scenario (its start month and ``roadshow`` calendar).

    Returns
    -------
    list of datetime.date
        One per stop, never decreasing.
    """
    tour = _tour(scenario)
    weeks = stop_weeks(count, tour.weeks_available, tour.stops_per_week)
    start = first_monday(scenario.start_month)
    dates = []
    for k, week in enumerate(weeks.tolist()):
        slot = k - int(np.searchsorted(weeks, week))
        offset = 7 * week + (7 * slot) // tour.stops_per_week
        dates.append(start + dt.timedelta(days=offset))
    return dates


# --- the simulation ----------------------------------------------------------------------------


@dataclass(frozen=True, eq=False)
class TourSimulation:
    """What the draws say about a tour: who comes, what they reach, what it costs.

    Attributes
    ----------
    draws, entropy
        Number of draws, and the seed every random stream was derived from.
    audiences
        Audience (track) codes, in the scenario's order; the last axis of the arrays.
    stop_months
        Programme month (0-based) of each stop, in route order.
    month_labels, month_phases
        Programme months as YYYY-MM, and the phase of each.
    places, show_up_rate
        Per audience: places at one stop (sessions x seats) and the share filled.
    attendance
        Draws x months x audiences: people trained in each programme month (the sum over
        that month's stops, drawn as one binomial since they share places and rate).
    trained, outcomes
        Draws x audiences: people trained in all, and those reaching the outcome (0 for an
        audience without an outcome rate: see ``has_outcome``).
    cost_factor
        Per draw: the lognormal cost multiplier (mean 1).
    planned_monthly
        Spend per month as budgeted: expected attendance, costs as given.
    monthly_spend, total_cost, total_trained, cost_per_trained
        Per draw (and month): money spent, people trained, and their ratio.
    budget_total, reach_goal, p_reach_goal, p_overrun
        The budget and the goal, the share of draws training at least the goal by the end
        of the calendar (1 when there is no goal), and the share spending above the budget.
    """

    draws: int
    entropy: int
    audiences: tuple[str, ...]
    stop_months: IntArray
    month_labels: tuple[str, ...]
    month_phases: tuple[str, ...]
    places: IntArray
    show_up_rate: FloatArray
    attendance: IntArray
    trained: IntArray
    outcomes: IntArray
    has_outcome: BoolArray
    cost_factor: FloatArray
    planned_monthly: FloatArray
    monthly_spend: FloatArray
    total_cost: FloatArray
    total_trained: IntArray
    cost_per_trained: FloatArray
    budget_total: float
    reach_goal: int
    p_reach_goal: float
    p_overrun: float


def _entropy(scenario: Scenario, seed: Seed) -> int:
    """The simulation's seed (the scenario's when None), as the accelerator's takes it."""
    return seed_entropy(scenario.simulation.seed if seed is None else seed)


def _audience_inputs(scenario: Scenario) -> tuple[IntArray, FloatArray]:
    """Places per stop and show-up rate of each audience, checked."""
    places, rates = [], []
    for i, track in enumerate(scenario.tracks):
        for name in ("sessions_per_stop", "seats_per_session", "show_up_rate"):
            if getattr(track, name) is None:
                raise ValueError(
                    f"tracks[{i}].{name}: audience {track.code!r} has none; give it, since "
                    "every audience of a roadshow needs sessions, seats and a show-up rate"
                )
        places.append((track.sessions_per_stop or 0) * (track.seats_per_session or 0))
        rates.append(float(track.show_up_rate or 0.0))
    return np.array(places, dtype=np.int64), np.array(rates)


def _check_stop_months(stops: Sequence[int] | IntArray, months: int) -> IntArray:
    values = np.asarray(stops)
    if values.ndim != 1 or (values.size and values.dtype.kind not in "iu"):
        raise ValueError("stops: give one whole month index (0-based) per stop")
    values = values.astype(np.int64)
    if values.size and (values.min() < 0 or values.max() >= months):
        raise ValueError(
            f"stops: month indices must lie from 0 to {months - 1} (the programme's "
            f"{months} months); got {int(values.min())} to {int(values.max())}"
        )
    return values


def simulate_tour(
    scenario: Scenario, stops: Sequence[int] | IntArray, seed: Seed = None
) -> TourSimulation:
    """Draw the tour's attendance, outcomes and spend, ``simulation.draws`` times.

    At each stop, an audience's attendance is ``binomial(sessions x seats, show_up_rate)``;
    everyone who attends is trained. Its outcomes are ``binomial(trained, outcome_rate)``.
    Each month's spend is ``(stops x cost_per_stop + attendees x cost_per_attendee +
    fixed_costs_per_month)`` times the draw's cost factor (lognormal, mean 1, standard
    deviation ``simulation.cost_uncertainty``). Draws are arrays; no loop runs over them.

    Parameters
    ----------
    scenario
        A roadshow scenario.
    stops
        Programme month (0-based) of each stop, in route order.
    seed
        Seed of every random stream (``simulation.seed`` when None), or a Generator to
        draw one from. Attendance, outcomes and costs have their own streams, audiences
        theirs by code, so changing one input leaves the other draws unchanged.

    Returns
    -------
    TourSimulation
        The draws and the risks.

    Raises
    ------
    ValueError
        If the scenario is not a roadshow, an audience lacks its inputs, a month index is
        outside the programme, or the seed is not a whole number.
    """
    tour = _tour(scenario)
    months = scenario.months
    stop_months = _check_stop_months(stops, months)
    places, show_up = _audience_inputs(scenario)
    entropy = _entropy(scenario, seed)
    draws = scenario.simulation.draws
    keys = [stable_key(track.code) for track in scenario.tracks]
    stops_by_month = np.bincount(stop_months, minlength=months).astype(float)
    busy = np.flatnonzero(stops_by_month)
    attendance = np.zeros((draws, months, len(keys)), dtype=np.int64)
    outcomes = np.zeros((draws, len(keys)), dtype=np.int64)
    # A good or bad turnout year: one multiplier per draw on every show-up rate.
    turnout = lognormal_factor(tour.show_up_uncertainty, entropy, draws, _STREAM_SHOW_UP)
    for a, key in enumerate(keys):
        # Within a draw every stop of a month has the same places and rate, and a sum of
        # binomials with one rate is a binomial: one draw per busy month, not per stop.
        rate = np.clip(show_up[a] * turnout, 0.0, 1.0)
        trials = (stops_by_month[busy] * places[a]).astype(np.int64)
        draw = random_stream(entropy, _STREAM_ATTENDANCE, key).binomial(
            trials[:, None], rate[None, :], size=(busy.size, draws)
        )
        attendance[:, busy, a] = draw.T
    trained = attendance.sum(axis=1)
    rates = [track.outcome_rate for track in scenario.tracks]
    for a, (key, rate) in enumerate(zip(keys, rates, strict=True)):
        if rate is not None:
            outcomes[:, a] = random_stream(entropy, _STREAM_OUTCOME, key).binomial(
                trained[:, a], rate
            )
    attendees_by_month = attendance.sum(axis=2)
    cost_uncertainty = scenario.simulation.cost_uncertainty
    factor = lognormal_factor(cost_uncertainty, entropy, draws, _STREAM_COST)
    fixed = scenario.budget.fixed_costs_per_month
    planned = (
        stops_by_month * tour.cost_per_stop
        + stops_by_month * float(places @ show_up) * tour.cost_per_attendee
        + fixed
    )
    monthly = (
        stops_by_month[None, :] * tour.cost_per_stop
        + attendees_by_month * tour.cost_per_attendee
        + fixed
    ) * factor[:, None]
    total_cost = monthly.sum(axis=1)
    total_trained = trained.sum(axis=1)
    with np.errstate(divide="ignore", invalid="ignore"):
        per_person = np.where(total_trained > 0, total_cost / np.maximum(total_trained, 1), np.inf)
    return TourSimulation(
        draws=draws,
        entropy=entropy,
        audiences=tuple(track.code for track in scenario.tracks),
        stop_months=stop_months,
        month_labels=month_labels(scenario),
        month_phases=month_phases(scenario),
        places=places,
        show_up_rate=show_up,
        attendance=attendance,
        trained=trained,
        outcomes=outcomes,
        has_outcome=np.array([rate is not None for rate in rates], dtype=bool),
        cost_factor=factor,
        planned_monthly=planned,
        monthly_spend=monthly,
        total_cost=total_cost,
        total_trained=total_trained,
        cost_per_trained=per_person,
        budget_total=scenario.budget.total,
        reach_goal=tour.reach_goal,
        p_reach_goal=float((total_trained >= tour.reach_goal).mean()),
        p_overrun=float((total_cost > scenario.budget.total).mean()),
    )


# --- the plan ---------------------------------------------------------------------------------


@dataclass(frozen=True, eq=False)
class TourPlan:
    """A roadshow's plan: the stops in route order with dates, and what the draws say.

    Tables (pandas, stable columns):

    ``stops`` (:data:`STOP_COLUMNS`)
        One row per stop in route order: ``order`` (1 = first), ``week`` (1 = the week
        starting on the first Monday of ``start_month``), ``date`` (ISO), ``month``
        (YYYY-MM), the city, ``leg_km`` (from the previous stop; 0 for the first),
        ``reason`` it was chosen, ``audiences`` (audiences with places), ``sessions``,
        ``places``, ``expected_attendees`` (places x show-up rate, summed), and ``partners``
        and ``colleges``: whole numbers spread evenly in route order, the first ``k`` stops
        having ``floor(k x per_stop)`` of them.
    ``states`` (:data:`STATE_COLUMNS`)
        One row per group: ``fair_share`` is the bounded quota (the quota once floors and
        caps hold), ``quota`` the plain one.
    ``budget_by_month`` (:data:`BUDGET_COLUMNS`)
        One row per programme month: ``planned_spend`` as budgeted, ``spend_p*`` over the
        draws, ``cumulative_p50`` the median of the spend to the end of that month.
    ``reach`` (:data:`REACH_COLUMNS`)
        One row per audience: people trained and reaching the outcome (NaN where the
        audience has no outcome rate).
    ``summary``
        ``figure, value``: see :data:`SUMMARY_FIGURES`.
    """

    scenario: Scenario
    choice: StopChoice
    route: Route
    simulation: TourSimulation
    stops: pd.DataFrame
    states: pd.DataFrame
    budget_by_month: pd.DataFrame
    reach: pd.DataFrame
    summary: pd.DataFrame
    explanations: tuple[str, ...]


SUMMARY_FIGURES: Final = (
    "stops",
    "cities",
    "states",
    "route_km",
    "route_gap",
    "trained_p50",
    "cost_p50",
    "cost_per_trained_p50",
    "p_reach_goal",
    "budget",
    "p_overrun",
    "route_nearest_neighbour_km",
    "route_lower_bound_km",
    "sessions",
    "places",
    "expected_attendees",
    "trained_mean",
    "trained_p10",
    "trained_p90",
    "outcomes_p50",
    "reach_goal",
    "planned_spend",
    "cost_p10",
    "cost_p90",
    "partners",
    "colleges",
)
"""Rows of the summary table, in order; ``cities`` counts distinct cities, ``states``
distinct states visited."""


def _route_start(choice: StopChoice, required: Sequence[str]) -> int:
    """Row of ``choice.chosen`` to start from: the first required city, else the largest."""
    ids = choice.chosen["city_id"].tolist()
    for identifier in required:
        if identifier in ids:
            return ids.index(identifier)
    population = choice.chosen["population"].to_numpy()
    ranked = sorted(range(len(ids)), key=lambda row: (-int(population[row]), ids[row]))
    return ranked[0]


def _spread_evenly(count: int, per_stop: float) -> IntArray:
    """Whole numbers per stop whose first ``k`` add up to ``floor(k x per_stop)``."""
    # The small nudge keeps e.g. 3 x 0.4 = 1.2000000000000002 and 5 x 0.2 = 1 exact.
    totals = np.floor(np.arange(count + 1) * per_stop + 1e-9).astype(np.int64)
    spread: IntArray = np.diff(totals)
    return spread


def _stops_table(
    scenario: Scenario, choice: StopChoice, tour_route: Route, sim: TourSimulation
) -> pd.DataFrame:
    tour = _tour(scenario)
    order = list(tour_route.order)
    chosen = choice.chosen.iloc[order].reset_index(drop=True)
    count = len(order)
    weeks = stop_weeks(count, tour.weeks_available, tour.stops_per_week)
    dates = stop_dates(count, scenario)
    lat = chosen["latitude"].to_numpy(dtype=float)
    lon = chosen["longitude"].to_numpy(dtype=float)
    legs = np.zeros(count)
    if count > 1:
        legs[1:] = distance_matrix(lat, lon)[np.arange(count - 1), np.arange(1, count)]
    sessions = sum(track.sessions_per_stop or 0 for track in scenario.tracks)
    expected = float(sim.places @ sim.show_up_rate)
    return pd.DataFrame(
        {
            "order": np.arange(1, count + 1),
            "week": weeks + 1,
            "date": [day.isoformat() for day in dates],
            "month": [sim.month_labels[m] for m in sim.stop_months],
            "city_id": chosen["city_id"].to_numpy(),
            "city": chosen["name"].to_numpy(),
            "state": chosen["state_code"].to_numpy(),
            "group": chosen["group"].to_numpy(),
            "lat": lat,
            "lon": lon,
            "leg_km": legs,
            "reason": chosen["reason"].to_numpy(),
            "audiences": np.full(count, int((sim.places > 0).sum())),
            "sessions": np.full(count, sessions),
            "places": np.full(count, int(sim.places.sum())),
            "expected_attendees": np.full(count, expected),
            "partners": _spread_evenly(count, tour.partners_per_stop),
            "colleges": _spread_evenly(count, tour.colleges_per_stop),
        }
    )


def _budget_table(sim: TourSimulation) -> pd.DataFrame:
    low, mid, high = quantiles(sim.monthly_spend)
    cumulative = quantiles(np.cumsum(sim.monthly_spend, axis=1))[1]
    return pd.DataFrame(
        {
            "month": list(sim.month_labels),
            "phase": list(sim.month_phases),
            "stops": np.bincount(sim.stop_months, minlength=len(sim.month_labels)),
            "planned_spend": sim.planned_monthly,
            "spend_p10": low,
            "spend_p50": mid,
            "spend_p90": high,
            "cumulative_p50": cumulative,
        }
    )


def _reach_table(scenario: Scenario, sim: TourSimulation) -> pd.DataFrame:
    count = sim.stop_months.size
    trained = quantiles(sim.trained)
    outcomes = quantiles(sim.outcomes)
    outcomes[:, ~sim.has_outcome] = np.nan
    return pd.DataFrame(
        {
            "audience": list(sim.audiences),
            "name": [track.name for track in scenario.tracks],
            "expected_trained": count * sim.places * sim.show_up_rate,
            "trained_mean": sim.trained.mean(axis=0),
            "trained_p10": trained[0],
            "trained_p50": trained[1],
            "trained_p90": trained[2],
            "outcome": [track.outcome or "" for track in scenario.tracks],
            "outcome_rate": [
                math.nan if track.outcome_rate is None else track.outcome_rate
                for track in scenario.tracks
            ],
            "outcome_p10": outcomes[0],
            "outcome_p50": outcomes[1],
            "outcome_p90": outcomes[2],
        }
    )


def _summary_values(
    scenario: Scenario, stops: pd.DataFrame, tour_route: Route, sim: TourSimulation
) -> dict[str, float]:
    trained = quantiles(sim.total_trained)
    cost = quantiles(sim.total_cost)
    with_outcome = sim.outcomes[:, sim.has_outcome].sum(axis=1)
    return {
        "stops": float(len(stops)),
        "cities": float(stops["city_id"].nunique()),
        "states": float(stops["state"].nunique()),
        "route_km": tour_route.length_km,
        "route_gap": tour_route.gap,
        "trained_p50": float(trained[1]),
        "cost_p50": float(cost[1]),
        "cost_per_trained_p50": float(quantiles(sim.cost_per_trained)[1]),
        "p_reach_goal": sim.p_reach_goal,
        "budget": sim.budget_total,
        "p_overrun": sim.p_overrun,
        "route_nearest_neighbour_km": tour_route.nearest_neighbour_km,
        "route_lower_bound_km": tour_route.lower_bound_km,
        "sessions": float(stops["sessions"].sum()),
        "places": float(stops["places"].sum()),
        "expected_attendees": float(stops["expected_attendees"].sum()),
        "trained_mean": float(sim.total_trained.mean()),
        "trained_p10": float(trained[0]),
        "trained_p90": float(trained[2]),
        "outcomes_p50": float(np.median(with_outcome)) if sim.has_outcome.any() else math.nan,
        "reach_goal": float(sim.reach_goal),
        "planned_spend": float(sim.planned_monthly.sum()),
        "cost_p10": float(cost[0]),
        "cost_p90": float(cost[2]),
        "partners": float(stops["partners"].sum()),
        "colleges": float(stops["colleges"].sum()),
    }


def _plan_lines(
    scenario: Scenario, stops: pd.DataFrame, tour_route: Route, values: dict[str, float]
) -> list[str]:
    cur = scenario.currency
    lines = []
    if len(stops):
        lines.append(
            f"Route: {tour_route.length_km:,.0f} km from {stops['city'].iloc[0]} to "
            f"{stops['city'].iloc[-1]} (an open path, great-circle distances): nearest "
            f"neighbour ({tour_route.nearest_neighbour_km:,.0f} km) improved by 2-opt and "
            f"or-opt. No path through these cities is shorter than "
            f"{tour_route.lower_bound_km:,.0f} km, so it is at most {tour_route.gap:.1%} "
            "longer than the best."
        )
        lines.append(
            f"Calendar: week 1 starts on {first_monday(scenario.start_month).isoformat()} (the "
            f"first Monday of {scenario.start_month}); stops from {stops['date'].iloc[0]} to "
            f"{stops['date'].iloc[-1]}, spread evenly over the weeks."
        )
    goal = int(values["reach_goal"])
    lines.append(
        f"Trained: median {values['trained_p50']:,.0f} (P10 {values['trained_p10']:,.0f}, "
        f"P90 {values['trained_p90']:,.0f})"
        + (
            f"; the goal of {goal:,} is reached in {values['p_reach_goal']:.0%} of the draws."
            if goal
            else "; no reach goal is set."
        )
    )
    lines.append(
        f"Cost: median {cur} {values['cost_p50']:,.0f} against a budget of {cur} "
        f"{values['budget']:,.0f} (planned {cur} {values['planned_spend']:,.0f}); "
        f"{values['p_overrun']:.0%} of the draws overrun; median {cur} "
        f"{values['cost_per_trained_p50']:,.2f} per person trained."
    )
    return lines


def plan_tour(scenario: Scenario, seed: Seed = None, *, stops: int | None = None) -> TourPlan:
    """Plan a roadshow: choose the stops, route them, date them and simulate the tour.

    Parameters
    ----------
    scenario
        A roadshow scenario.
    seed
        Seed of the simulation (``simulation.seed`` when None).
    stops
        Number of stops (``cohort.seats`` when None; ``roadshow.extend_to`` plans the
        extension, which keeps the base tour's cities).

    Returns
    -------
    TourPlan
        The tables, whose figures agree: the stops table's rows and sums are the summary's
        stops, sessions, places, expected attendees, partners and colleges; its legs add up
        to the route; the budget's planned spend adds up to the summary's, and its last
        ``cumulative_p50`` is ``cost_p50``.

    Raises
    ------
    ScenarioError
        If :func:`roadshow_problems` finds anything.
    ValueError
        If the scenario is not a roadshow, or ``stops`` or ``seed`` is not usable.
    """
    tour = _tour(scenario)
    choice = choose_stops(scenario, stops)
    start = _route_start(choice, _resolved(tour.required))
    tour_route = route(
        choice.chosen["latitude"].to_numpy(dtype=float),
        choice.chosen["longitude"].to_numpy(dtype=float),
        start=start,
    )
    dates = stop_dates(choice.stops, scenario)
    months = [_month_index(day, scenario.start_month) for day in dates]
    sim = simulate_tour(scenario, months, seed)
    stop_table = _stops_table(scenario, choice, tour_route, sim)
    values = _summary_values(scenario, stop_table, tour_route, sim)
    groups = choice.groups
    states = pd.DataFrame({column: groups[column] for column in STATE_COLUMNS})
    summary = pd.DataFrame(
        {"figure": list(SUMMARY_FIGURES), "value": [values[name] for name in SUMMARY_FIGURES]}
    )
    lines = (*choice.explanations, *_plan_lines(scenario, stop_table, tour_route, values))
    return TourPlan(
        scenario=scenario,
        choice=choice,
        route=tour_route,
        simulation=sim,
        stops=stop_table,
        states=states,
        budget_by_month=_budget_table(sim),
        reach=_reach_table(scenario, sim),
        summary=summary,
        explanations=lines,
    )


def tour_metrics(scenario: Scenario, seed: int) -> dict[str, float]:
    """Headline figures of a tour, for sensitivity analyses (an ``evaluate`` function).

    Parameters
    ----------
    scenario
        A roadshow scenario.
    seed
        Seed of the simulation.

    Returns
    -------
    dict
        ``trained_p50``, ``cost_p50`` (also as ``spend_p50``, the name the accelerator's
        metrics use), ``cost_per_trained_p50``, ``p_reach_goal``, ``p_overrun``,
        ``route_km``.
    """
    summary = plan_tour(scenario, seed).summary.set_index("figure")["value"]
    metrics = {
        name: float(summary[name])
        for name in (
            "trained_p50",
            "cost_p50",
            "cost_per_trained_p50",
            "p_reach_goal",
            "p_overrun",
            "route_km",
        )
    }
    metrics["spend_p50"] = metrics["cost_p50"]
    return metrics
