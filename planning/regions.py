"""Region inputs and weights: reference data, the scenario's overrides, and the weight basis.

A region's inputs come from the shipped reference table (``planning/data/countries.csv``)
unless the scenario overrides them. The weights that seats are apportioned by follow from
the cohort's weight basis, the regions' priorities and the weight exponent:

    weight_i = basis_i ** exponent * priority_i

so the exponent slides from 0 (one region, one share) through 0.5 (square root, Penrose) to
1 (one person, one share), and a priority of 2 doubles a region's claim whatever the basis.

Glossary
--------
expected applicants
    The cohort's expected applicants split across regions by internet users, unless a region
    sets its own figure; the remainder is split among the regions that do not.
eligible applicants
    Expected applicants times the share passing every eligibility rule.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from functools import lru_cache

import numpy as np
import pandas as pd

import planning.reference as reference
from planning.scenario import Problem, Scenario

BASES = ("population", "internet_users", "expected_applicants", "equal")


def input_problems(scenario: Scenario) -> list[Problem]:
    """Inputs the plan needs that neither the reference data nor the scenario gives."""
    if scenario.kind == "roadshow":
        # Imported here: the roadshow module builds on this one.
        from planning.roadshow import roadshow_problems

        return roadshow_problems(scenario)
    problems = _reference_problems(scenario)
    if not problems:
        problems += _applicant_problems(scenario)
    if not problems:
        problems += _eligible_cap_problems(scenario)
    return problems


def _applicant_problems(scenario: Scenario) -> list[Problem]:
    """The simulation draws applicants around the expected ones: some must be expected."""
    overrides = [region.expected_applicants for region in scenario.regions]
    if scenario.cohort.expected_applicants > 0 or any(value for value in overrides):
        return []
    suggestion = 10 * scenario.cohort.seats
    return [
        Problem(
            "cohort.expected_applicants",
            "no applicants are expected (0 means unknown), and the simulation draws the "
            "applicants around the expected number",
            f"give cohort.expected_applicants, e.g. {suggestion:,} (10 per seat), or each "
            "region's expected_applicants",
        )
    ]


def _eligible_cap_problems(scenario: Scenario) -> list[Problem]:
    if not scenario.cohort.cap_at_eligible:
        return []
    caps = region_caps(scenario)
    room = sum(cap if cap is not None else scenario.cohort.seats for cap in caps)
    if room >= scenario.cohort.seats:
        return []
    return [
        Problem(
            "cohort.cap_at_eligible",
            f"capping seats at the expected eligible applicants leaves room for {room} seats "
            f"but the cohort has {scenario.cohort.seats}",
            f"lower cohort.seats to {room}, raise cohort.expected_applicants or the pass "
            "shares, or turn cap_at_eligible off",
        )
    ]


def _reference_problems(scenario: Scenario) -> list[Problem]:
    problems: list[Problem] = []
    needs_internet = _basis_used(scenario, "internet_users") or (
        scenario.cohort.expected_applicants > 0
    )
    needs_price = scenario.budget.grant_rule in {"purchasing-power", "maximin"}
    known = _known_inputs()
    for i, region in enumerate(scenario.regions):
        if region.code not in known:
            if region.population is None:
                suggestions = reference.suggest_country(region.code)[:3]
                hint = f" (did you mean {', '.join(suggestions)}?)" if suggestions else ""
                problems.append(
                    Problem(
                        f"regions[{i}].code",
                        f"{region.code!r} is not an ISO 3166-1 alpha-2 code in the reference "
                        f"data{hint}",
                        "use a two-letter country code such as 'BR', or give the region's "
                        "population, internet_users_share and price_level",
                    )
                )
                continue
            # Not a known country: every input it needs must come from the scenario.
            if needs_internet and region.internet_users_share is None:
                problems.append(_missing(i, region.code, "internet_users_share", "a share 0-1"))
            if needs_price and region.price_level is None:
                problems.append(_missing(i, region.code, "price_level", "USA = 1"))
            continue
        has_population, has_internet, has_price = known[region.code]
        if region.population is None and not has_population:
            problems.append(_missing(i, region.code, "population", "people"))
        if needs_internet and region.internet_users_share is None and not has_internet:
            problems.append(_missing(i, region.code, "internet_users_share", "a share 0-1"))
        if needs_price and region.price_level is None and not has_price:
            problems.append(_missing(i, region.code, "price_level", "USA = 1"))
    return problems


@lru_cache(maxsize=1)
def _reference_values() -> dict[str, tuple[str, float, float, float]]:
    """Each reference country's name, population, internet users (%) and price level.

    NaN where the reference data has no value. The data never changes while the program
    runs, and every region table and every validation reads it (hundreds of times in a
    sweep), so it is read into a plain dict once.
    """
    countries = reference.countries()
    numbers = countries[["population", "internet_users_pct", "price_level_ratio"]]
    values = numbers.astype(float).to_numpy(na_value=np.nan)
    return {
        str(code): (str(name), float(row[0]), float(row[1]), float(row[2]))
        for code, name, row in zip(countries.index, countries["name"], values, strict=True)
    }


def _known_inputs() -> dict[str, tuple[bool, bool, bool]]:
    """For each reference country: whether it has population, internet users, price level."""
    return {
        code: (not math.isnan(row[1]), not math.isnan(row[2]), not math.isnan(row[3]))
        for code, row in _reference_values().items()
    }


def _missing(index: int, code: str, field: str, unit: str) -> Problem:
    return Problem(
        f"regions[{index}].{field}",
        f"the reference data has no {field.replace('_', ' ')} for {code}",
        f"give regions[{index}].{field} ({unit})",
    )


def _basis_used(scenario: Scenario, basis: str) -> bool:
    cohort = scenario.cohort
    if cohort.weight_basis == basis:
        return True
    return cohort.weight_basis == "blend" and float(getattr(cohort.blend, basis)) > 0


def region_table(scenario: Scenario) -> pd.DataFrame:
    """Every region's resolved inputs, one row per region in the scenario's order."""
    regions = scenario.regions
    codes = [region.code for region in regions]
    known = _reference_values() if scenario.kind == "accelerator" else {}
    missing = ("", math.nan, math.nan, math.nan)
    reference_rows = [known.get(code, missing) for code in codes]

    def resolved(field: str, position: int, scale: float = 1.0) -> np.ndarray:
        overrides = np.array(
            [np.nan if getattr(r, field) is None else getattr(r, field) for r in regions],
            dtype=float,
        )
        base = np.array([row[position] for row in reference_rows], dtype=float) * scale
        values: np.ndarray = np.where(np.isnan(overrides), base, overrides)
        return values

    population = resolved("population", 1)
    share = resolved("internet_users_share", 2, 0.01)
    internet_users = population * share
    names = [row[0] or None for row in reference_rows]
    overrides = [region.expected_applicants for region in regions]
    expected = split_expected_applicants(
        scenario.cohort.expected_applicants, internet_users, overrides
    )
    table = pd.DataFrame(
        {
            "region": codes,
            "name": [
                region.name or name or code
                for region, code, name in zip(regions, codes, names, strict=True)
            ],
            "track": [region.track for region in regions],
            "population": population,
            "internet_users_share": share,
            "internet_users": internet_users,
            "price_level": resolved("price_level", 3),
            "expected_applicants": expected,
            "eligible_applicants": expected * scenario.eligibility.pass_share,
            "need": [region.need for region in regions],
            "priority": [region.priority for region in regions],
            "floor": [region.floor for region in regions],
            "cap": pd.array([region.cap for region in regions], dtype="Int64"),
        }
    )
    return table


def split_expected_applicants(
    total: float, internet_users: np.ndarray, overrides: Sequence[float | None]
) -> np.ndarray:
    """Split the expected applicants by internet users, honouring per-region overrides.

    Regions with an override keep it; what is left of ``total`` (never below zero) is split
    among the others in proportion to their internet users (equally if none is known).
    """
    expected = np.zeros(len(overrides), dtype=float)
    free = np.array([value is None for value in overrides], dtype=bool)
    for i, value in enumerate(overrides):
        if value is not None:
            expected[i] = value
    remainder = max(0.0, float(total) - float(expected[~free].sum()))
    if free.any():
        users = np.nan_to_num(internet_users[free], nan=0.0)
        shares = users / users.sum() if users.sum() > 0 else np.full(free.sum(), 1 / free.sum())
        expected[free] = remainder * shares
    return expected


def basis_values(table: pd.DataFrame, basis: str) -> np.ndarray:
    """The raw values of one weight basis per region (before priority and exponent)."""
    if basis == "equal":
        return np.ones(len(table))
    if basis not in BASES:
        raise ValueError(f"unknown weight basis {basis!r}: use one of {BASES} or 'blend'")
    values: np.ndarray = np.nan_to_num(table[basis].to_numpy(dtype=float), nan=0.0)
    return values


def region_weights(scenario: Scenario, table: pd.DataFrame | None = None) -> np.ndarray:
    """Apportionment weights: basis ** exponent * priority, one per region."""
    table = region_table(scenario) if table is None else table
    cohort = scenario.cohort
    if cohort.weight_basis == "blend":
        mix = cohort.blend.model_dump()
        total_mix = sum(mix.values())
        basis = np.zeros(len(table))
        for name, share in mix.items():
            if share > 0:
                values = basis_values(table, name)
                # Normalise each basis to shares first, so people and regions mix on one scale.
                basis += (share / total_mix) * values / values.sum() if values.sum() else 0.0
    else:
        basis = basis_values(table, cohort.weight_basis)
    exponent = cohort.weight_exponent
    # 0 ** 0 is 1 in numpy; a region with no basis at all stays at zero weight.
    powered = np.zeros_like(basis)
    positive = basis > 0
    powered[positive] = np.power(basis[positive], exponent)
    weights: np.ndarray = powered * table["priority"].to_numpy(dtype=float)
    return weights


def region_caps(scenario: Scenario, table: pd.DataFrame | None = None) -> list[int | None]:
    """Seat caps per region: the scenario's cap, and the eligible applicants if asked for."""
    table = region_table(scenario) if table is None else table
    caps: list[int | None] = [None if pd.isna(c) else int(c) for c in table["cap"]]
    if scenario.cohort.cap_at_eligible:
        eligible = np.floor(table["eligible_applicants"].to_numpy(dtype=float) + 1e-9)
        caps = [
            int(e) if cap is None else min(cap, int(e))
            for cap, e in zip(caps, eligible, strict=True)
        ]
    return caps
