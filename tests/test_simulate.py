"""Tests of the Monte Carlo simulation: distributions, seats, drop-out, money and seeds.

Statistical checks compare sample figures with analytic ones, with a tolerance of four
standard errors worked out from the number of draws (from the analytic variance where it
is known, from the draws themselves where it is not). Everything runs on fixed seeds, so a
check that passes passes every time.

Test scenarios give every country its expected applicants explicitly, so they are exactly
the figures written here, with no reference data in between.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from typing import Any

import numpy as np
import pandas as pd
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from scipy import stats

from planning import apportion as apportionment
from planning.regions import region_table
from planning.scenario import Scenario, ScenarioError, load_scenario, scenario_from_dict
from planning.simulate import (
    SimulationResult,
    apportion_batch,
    binomial_by_inversion,
    clear_draw_cache,
    disbursement_months,
    month_labels,
    planned_spend,
    simulate,
    simulation_metrics,
)

from .conftest import SCENARIOS

METHODS = ("hamilton", "jefferson", "webster", "huntington-hill", "adams", "dean")
RAW_ARRAYS = (
    "applicants",
    "eligible",
    "filled_own",
    "filled",
    "completers",
    "present",
    "grant_spend",
    "participant_cost_spend",
    "fixed_cost_spend",
    "monthly_spend",
    "cumulative_spend",
    "spent",
    "unspent",
    "demand_factor",
    "cost_factor",
)
TABLES = ("regions", "tracks", "totals", "money", "monthly", "cohort_histogram")
COUNTRIES = ["BR", "MX", "AR", "CO", "CL", "PE"]


# --- helpers ---------------------------------------------------------------------------------


def build(
    expected: Sequence[float],
    *,
    codes: Sequence[str] | None = None,
    tracks: Sequence[str] | None = None,
    caps: Sequence[int | None] | None = None,
    phases: Sequence[tuple[str, int]] = (("training", 2), ("execution", 1)),
    method: str = "hamilton",
    pass_share: float = 1.0,
    dropout: float = 0.0,
    dispersion: float = 0.0,
    correlation: float = 0.0,
    cost_uncertainty: float = 0.0,
    redistribute: bool = False,
    budget: dict[str, Any] | None = None,
    draws: int = 1_000,
    seed: int = 1,
) -> Scenario:
    """A validated scenario whose countries expect exactly ``expected`` applicants."""
    codes = list(codes) if codes is not None else COUNTRIES[: len(expected)]
    tracks = list(tracks) if tracks is not None else ["all"] * len(expected)
    caps = list(caps) if caps is not None else [None] * len(expected)
    regions = []
    for code, track, mu, cap in zip(codes, tracks, expected, caps, strict=True):
        region: dict[str, Any] = {"code": code, "track": track, "expected_applicants": mu}
        if cap is not None:
            region["cap"] = cap
        regions.append(region)
    data: dict[str, Any] = {
        "kind": "accelerator",
        "name": "Simulation test",
        "start_month": "2024-11",
        "phases": [{"name": name, "months": months} for name, months in phases],
        "tracks": [{"code": code, "name": code} for code in dict.fromkeys(tracks)],
        "regions": regions,
        "eligibility": {"leader_age_pass_share": pass_share},
        "cohort": {"seats": 1, "method": method, "weight_basis": "equal"},
        "budget": {"total": 10_000_000, "grant_cap": 1_000_000} | (budget or {}),
        "simulation": {
            "draws": draws,
            "seed": seed,
            "dropout_per_month": dropout,
            "applicant_dispersion": dispersion,
            "demand_correlation": correlation,
            "cost_uncertainty": cost_uncertainty,
            "redistribute_unfilled": redistribute,
        },
    }
    return scenario_from_dict(data)


def factor_variances(dispersion: float, correlation: float) -> tuple[float, float]:
    """The documented split of the dispersion k into shared (a) and own (b) variances."""
    a = correlation * dispersion
    return a, dispersion * (1 - correlation) / (1 + a)


def gamma_moment(variance: float, order: int) -> float:
    """E[X^order] of a mean-1 gamma with this variance (shape 1/v, scale v)."""
    return math.prod(1 + i * variance for i in range(order))


def count_moments(mu: float, a: float, b: float) -> tuple[float, float, float]:
    """Mean, variance and fourth central moment of Poisson(mu * S * L), S, L mean-1 gammas.

    Raw Poisson moments given the rate (Touchard polynomials), averaged over the rate:
    E[Y] = E[l], E[Y^2] = E[l^2] + E[l], E[Y^3] = E[l^3] + 3E[l^2] + E[l],
    E[Y^4] = E[l^4] + 6E[l^3] + 7E[l^2] + E[l], with E[l^j] = mu^j E[S^j] E[L^j].
    """
    rate = [mu**j * gamma_moment(a, j) * gamma_moment(b, j) for j in range(5)]
    m1 = rate[1]
    m2 = rate[2] + rate[1]
    m3 = rate[3] + 3 * rate[2] + rate[1]
    m4 = rate[4] + 6 * rate[3] + 7 * rate[2] + rate[1]
    variance = m2 - m1**2
    fourth = m4 - 4 * m1 * m3 + 6 * m1**2 * m2 - 3 * m1**4
    return m1, variance, fourth


def assert_within(actual: float, expected: float, standard_error: float, label: str) -> None:
    """|actual - expected| within four standard errors."""
    assert abs(actual - expected) <= 4 * standard_error, (
        f"{label}: {actual} vs {expected} (4 SE = {4 * standard_error})"
    )


# --- applicants and eligibility ----------------------------------------------------------------


def test_poisson_means_and_variances_match_the_analytic_figures() -> None:
    mu = np.array([5.0, 40.0, 300.0])
    p = 0.6
    draws = 200_000
    scenario = build(mu, pass_share=p, dispersion=0.0, correlation=0.7)
    result = simulate(scenario, [1, 1, 1], [0.0, 0.0, 0.0], draws=draws, seed=11)
    for i, m in enumerate(mu):
        applicants = result.applicants[:, i]
        eligible = result.eligible[:, i]
        # Poisson(m): mean m, variance m, fourth central moment m + 3 m^2.
        assert_within(applicants.mean(), m, math.sqrt(m / draws), f"mean applicants {i}")
        assert_within(
            applicants.var(ddof=1), m, math.sqrt((m + 3 * m**2 - m**2) / draws), f"var {i}"
        )
        # Thinning a Poisson(m) with pass share p gives Poisson(p m).
        assert_within(eligible.mean(), p * m, math.sqrt(p * m / draws), f"mean eligible {i}")
    # With no dispersion there is no demand factor at all.
    assert np.all(result.demand_factor == 1.0)


def test_count_moments_helper_agrees_with_scipy_negative_binomial() -> None:
    # At correlation 0 the count is exactly negative binomial: scipy's moments are an
    # independent check of the helper the variance tests use.
    mu, k = 80.0, 0.3
    a, b = factor_variances(k, 0.0)
    mean, variance, fourth = count_moments(mu, a, b)
    n, prob = 1 / k, (1 / k) / (1 / k + mu)
    m, v, _, excess = (float(x) for x in stats.nbinom.stats(n, prob, moments="mvsk"))
    assert mean == pytest.approx(m, rel=1e-12)
    assert variance == pytest.approx(v, rel=1e-12)
    assert fourth == pytest.approx((excess + 3) * v**2, rel=1e-9)


@pytest.mark.parametrize("correlation", [0.0, 0.5, 1.0])
def test_variance_is_mu_plus_k_mu_squared_at_every_correlation(correlation: float) -> None:
    mu = np.array([20.0, 80.0])
    k = 0.3
    draws = 200_000
    a, b = factor_variances(k, correlation)
    scenario = build(mu, dispersion=k, correlation=correlation)
    result = simulate(scenario, [1, 1], [0.0, 0.0], draws=draws, seed=5)
    for i, m in enumerate(mu):
        mean, variance, fourth = count_moments(m, a, b)
        # The documented split keeps the negative binomial variance whatever c is.
        assert variance == pytest.approx(m + k * m**2, rel=1e-12)
        sample = result.applicants[:, i]
        assert_within(sample.mean(), mean, math.sqrt(variance / draws), f"mean {i}")
        # Var of the sample variance: (mu4 - sigma^4) / n for large n.
        assert_within(
            sample.var(ddof=1), variance, math.sqrt((fourth - variance**2) / draws), f"var {i}"
        )


@pytest.mark.parametrize("correlation", [0.0, 0.4, 1.0])
def test_regions_correlate_as_documented(correlation: float) -> None:
    # Cov = c k mu_i mu_j; Corr = Cov / sqrt((mu_i + k mu_i^2)(mu_j + k mu_j^2)).
    mu_i, mu_j, k = 30.0, 60.0, 0.4
    draws = 200_000
    scenario = build([mu_i, mu_j], dispersion=k, correlation=correlation)
    result = simulate(scenario, [1, 1], [0.0, 0.0], draws=draws, seed=8)
    x = result.applicants[:, 0].astype(float)
    y = result.applicants[:, 1].astype(float)
    covariance = correlation * k * mu_i * mu_j
    products = (x - x.mean()) * (y - y.mean())
    assert_within(products.mean(), covariance, products.std() / math.sqrt(draws), "covariance")
    expected = covariance / math.sqrt((mu_i + k * mu_i**2) * (mu_j + k * mu_j**2))
    # Standard error of the correlation by batch means: 20 independent batches of draws.
    pairs = zip(np.split(x, 20), np.split(y, 20), strict=True)
    batches = [np.corrcoef(bx, by)[0, 1] for bx, by in pairs]
    error = float(np.std(batches, ddof=1)) / math.sqrt(len(batches))
    assert_within(float(np.corrcoef(x, y)[0, 1]), expected, error, "correlation")


# --- seats: filled, redistributed, completers ----------------------------------------------------


def test_completers_follow_the_monthly_dropout() -> None:
    # Eligible applicants (Poisson(5000)) always exceed the seats, so every seat is filled;
    # each participant stays a month with probability 0.9, over 3 months:
    # completers per seat ~ Bernoulli(0.9^3 = 0.729), 8 seats in all.
    draws = 100_000
    scenario = build([5_000.0, 5_000.0], dropout=0.1)
    result = simulate(scenario, [3, 5], [0.0, 0.0], draws=draws, seed=3)
    assert np.all(result.filled == [3, 5])
    for month in range(3):
        share = 0.9**month
        present = result.present[:, month]
        assert_within(
            present.mean(), 8 * share, math.sqrt(8 * share * (1 - share) / draws), f"month {month}"
        )
    stay = 0.9**3
    total = result.completers.sum(axis=1)
    assert_within(total.mean(), 8 * stay, math.sqrt(8 * stay * (1 - stay) / draws), "completers")
    assert np.all(result.completers <= result.filled)


def test_completers_are_binomial_for_small_and_large_regions() -> None:
    # Drop-out 0.2 a month over 3 months: a participant completes with q = 0.8^3 = 0.512,
    # so completers ~ Binomial(seats, q). BR (5 seats) goes through the CDF table,
    # MX (600 seats) through scipy's quantile function.
    draws = 40_000
    q = 0.8**3
    scenario = build([1e5, 1e5], dropout=0.2)
    result = simulate(scenario, [5, 600], [0.0, 0.0], draws=draws, seed=13)
    small = result.completers[:, 0]
    for value in range(6):
        share = stats.binom.pmf(value, 5, q)
        assert_within(
            float((small == value).mean()),
            share,
            math.sqrt(share * (1 - share) / draws),
            f"P(completers = {value})",
        )
    large = result.completers[:, 1]
    mean, variance = 600 * q, 600 * q * (1 - q)
    # Fourth central moment of a binomial: n p q (1 + 3 (n - 2) p q).
    fourth = variance * (1 + 3 * (600 - 2) * q * (1 - q))
    assert_within(large.mean(), mean, math.sqrt(variance / draws), "mean of 600")
    assert_within(
        large.var(ddof=1), variance, math.sqrt((fourth - variance**2) / draws), "var of 600"
    )


@settings(max_examples=200, deadline=None)
@given(
    n=st.lists(st.integers(0, 1_500), min_size=1, max_size=20),
    p=st.floats(0.0, 1.0),
    seed=st.integers(0, 2**32 - 1),
)
def test_binomial_inversion_matches_its_definition(n: list[int], p: float, seed: int) -> None:
    # By brute force: the least k with P(X > k) <= u is the number of k in 0..n-1 with
    # P(X > k) > u, as the upper tail falls with k. (Counts above 512 take another path.)
    uniforms = np.random.default_rng(seed).random(len(n))
    expected = [
        int((u < stats.binom.sf(np.arange(trials), trials, p)).sum())
        for trials, u in zip(n, uniforms, strict=True)
    ]
    assert binomial_by_inversion(n, p, uniforms).tolist() == expected


def test_raising_the_dropout_rate_never_raises_a_draws_spend() -> None:
    # Leavers are drawn by inversion from the same uniforms, so with the same seed a higher
    # rate means at least as many leavers each month, hence no more participants present
    # and no more grants or costs in any draw.
    def run(dropout: float) -> SimulationResult:
        scenario = build(
            [6.0, 15.0, 2.0],
            dropout=dropout,
            dispersion=0.5,
            pass_share=0.8,
            cost_uncertainty=0.2,
            redistribute=True,
            budget=HAND_BUDGET,
        )
        return simulate(scenario, [3, 4, 2], [1_000.0, 2_000.0, 3_000.0], draws=5_000, seed=21)

    low, high = run(0.05), run(0.15)
    assert np.array_equal(low.filled, high.filled)
    assert np.all(high.present <= low.present)
    assert np.all(high.completers <= low.completers)
    assert np.all(high.spent <= low.spent + 1e-9)
    assert np.any(high.spent < low.spent)


def test_cached_demand_draws_are_the_fresh_ones_and_results_are_read_only() -> None:
    scenario = lively_scenario()
    clear_draw_cache()
    fresh = simulate(scenario, [3, 4, 2], [1.0, 2.0, 3.0], draws=2_000, seed=4)
    cached = simulate(scenario, [3, 4, 2], [1.0, 2.0, 3.0], draws=2_000, seed=4)
    clear_draw_cache()
    again = simulate(scenario, [3, 4, 2], [1.0, 2.0, 3.0], draws=2_000, seed=4)
    assert same_result(fresh, cached)
    assert same_result(fresh, again)
    with pytest.raises(ValueError, match="read-only"):
        fresh.filled[0, 0] = 99


def test_unfilled_seats_go_to_regions_with_room_up_to_their_cap() -> None:
    # Worked by hand: BR expects nobody, so its 4 seats are empty in every draw.
    # MX (2 seats, cap 5, ~1000 eligible) has room for 3 more; AR (1 seat, no cap)
    # for far more. Hamilton on weights 1:1 for the 4 empty seats: quotas 2 and 2, both
    # within the rooms, so each takes 2.
    scenario = build([0.0, 1_000.0, 1_000.0], caps=[None, 5, None], redistribute=True)
    result = simulate(scenario, [4, 2, 1], [0.0] * 3, draws=200, weights=[1.0, 1.0, 1.0])
    assert np.all(result.filled_own == [0, 2, 1])
    assert np.all(result.filled == [0, 4, 3])
    # With weights 9:1 Hamilton wants 3.6 and 0.4 extra; MX's room of 3 binds, so it
    # takes 3 and AR the last one.
    result = simulate(scenario, [4, 2, 1], [0.0] * 3, draws=200, weights=[1.0, 9.0, 1.0])
    assert np.all(result.filled == [0, 5, 2])


def test_a_region_with_zero_weight_receives_no_redistributed_seats() -> None:
    # MX expects nobody: its 3 seats are empty. BR has applicants to spare but weight 0, so
    # (as in apportionment) it gets nothing more; AR (cap 2) takes the one seat it has room
    # for and 2 seats stay empty.
    scenario = build([1_000.0, 0.0, 1_000.0], caps=[None, None, 2], redistribute=True)
    result = simulate(scenario, [1, 3, 1], [0.0] * 3, draws=200, weights=[0.0, 1.0, 1.0])
    assert np.all(result.filled == [1, 0, 2])


@pytest.mark.parametrize(
    ("method", "extra"),
    [
        # 5 empty seats, weights 6 (MX) and 1 (AR), no caps:
        # Jefferson, d(s) = s + 1: MX's priorities 6, 3, 2, 1.5, 1.2 all beat AR's 1,
        # so MX takes all 5.
        ("jefferson", [5, 0]),
        # Adams, d(s) = s: both start at infinite priority, the tie goes to the larger
        # weight (MX), then AR takes its first seat; then MX's 6/1, 6/2, 6/3
        # beat AR's 1/1 for the last three: 4 and 1.
        ("adams", [4, 1]),
        # Hamilton: quotas 5 * 6/7 = 4.29 and 0.71: floors 4 and 0, the last seat to the
        # larger remainder 0.71: 4 and 1.
        ("hamilton", [4, 1]),
    ],
)
def test_redistribution_follows_the_scenario_method(method: str, extra: list[int]) -> None:
    scenario = build([0.0, 1_000.0, 1_000.0], method=method, redistribute=True)
    result = simulate(scenario, [5, 1, 1], [0.0] * 3, draws=100, weights=[1.0, 6.0, 1.0])
    assert np.all(result.filled == [0, 1 + extra[0], 1 + extra[1]])


@st.composite
def seat_cases(draw: st.DrawFn) -> dict[str, Any]:
    count = draw(st.integers(1, 5))
    expected = draw(st.lists(st.floats(0.2, 30.0), min_size=count, max_size=count))
    seats = draw(st.lists(st.integers(0, 6), min_size=count, max_size=count))
    if sum(seats) == 0:
        seats[0] = 1
    caps = [draw(st.one_of(st.none(), st.integers(seat, seat + 8))) for seat in seats]
    return {
        "expected": expected,
        "seats": seats,
        "caps": caps,
        "method": draw(st.sampled_from(METHODS)),
        "dispersion": draw(st.sampled_from([0.0, 0.5, 2.0])),
        "redistribute": draw(st.booleans()),
        "seed": draw(st.integers(0, 2**32 - 1)),
    }


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(case=seat_cases())
def test_seats_filled_respect_seats_eligible_and_caps(case: dict[str, Any]) -> None:
    scenario = build(
        case["expected"],
        caps=case["caps"],
        method=case["method"],
        dispersion=case["dispersion"],
        pass_share=0.7,
        redistribute=case["redistribute"],
    )
    seats = np.array(case["seats"])
    result = simulate(scenario, seats, np.zeros(len(seats)), draws=300, seed=case["seed"])
    eligible, own, filled = result.eligible, result.filled_own, result.filled
    assert np.array_equal(own, np.minimum(seats, eligible))
    assert np.all(filled <= eligible)
    assert np.all(filled >= own)
    caps = np.array([np.iinfo(np.int64).max if c is None else c for c in case["caps"]])
    assert np.all(filled <= np.maximum(caps, seats))
    # Only regions that filled their own seats can receive more.
    assert np.all((filled == own) | (own == seats))
    if not case["redistribute"]:
        assert np.array_equal(filled, own)
    else:
        # Default weights (expected eligible) are positive, so every region may receive.
        usable = np.minimum(eligible, caps).sum(axis=1)
        assert np.array_equal(filled.sum(axis=1), np.minimum(seats.sum(), usable))


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(case=seat_cases())
def test_redistribution_matches_apportion_row_by_row(case: dict[str, Any]) -> None:
    scenario = build(case["expected"], caps=case["caps"], method=case["method"], redistribute=True)
    seats = np.array(case["seats"])
    weights = np.linspace(1.0, 2.0, len(seats)) ** 3  # distinct, so no ties to break
    result = simulate(
        scenario, seats, np.zeros(len(seats)), draws=200, seed=case["seed"], weights=weights
    )
    caps = np.array([np.iinfo(np.int64).max if c is None else c for c in case["caps"]])
    room = np.maximum(np.minimum(result.eligible, caps) - result.filled_own, 0)
    moved = (result.filled - result.filled_own).sum(axis=1)
    for row in np.flatnonzero(moved)[:20]:
        open_ = room[row] > 0
        expected = apportionment.apportion(
            weights[open_], int(moved[row]), case["method"], caps=room[row][open_].tolist()
        ).seats
        got = (result.filled - result.filled_own)[row][open_]
        assert np.array_equal(got, expected)


@st.composite
def batch_cases(draw: st.DrawFn) -> tuple[np.ndarray, np.ndarray, np.ndarray, str]:
    count = draw(st.integers(1, 6))
    rows = draw(st.integers(1, 6))
    integer = draw(st.booleans())  # small whole weights make exact ties common
    element = (
        st.integers(0, 4).map(float) if integer else st.one_of(st.just(0.0), st.floats(1e-3, 100.0))
    )
    weights = np.array(draw(st.lists(element, min_size=count, max_size=count)))
    caps = np.array(
        draw(st.lists(st.integers(0, 7), min_size=rows * count, max_size=rows * count))
    ).reshape(rows, count)
    room = np.where(weights > 0, caps, 0).sum(axis=1)
    seats = np.array([draw(st.integers(0, int(r))) for r in room])
    return weights, seats, caps, draw(st.sampled_from(METHODS))


@settings(max_examples=300, deadline=None)
@given(case=batch_cases())
def test_batch_apportionment_matches_apportion(
    case: tuple[np.ndarray, np.ndarray, np.ndarray, str],
) -> None:
    weights, seats, caps, method = case
    got = apportion_batch(weights, seats, method, caps)
    for row in range(len(seats)):
        expected = apportionment.apportion(
            weights, int(seats[row]), method, caps=caps[row].tolist()
        ).seats
        assert np.array_equal(got[row], expected), (row, weights, seats[row], caps[row])


def test_batch_apportionment_rejects_rows_the_caps_cannot_hold() -> None:
    with pytest.raises(ValueError, match="seats"):
        apportion_batch([1.0, 0.0], [3], "hamilton", [[2, 5]])
    with pytest.raises(ValueError, match="method"):
        apportion_batch([1.0], [1], "borda", [[2]])


# --- money --------------------------------------------------------------------------------------

# Two cities, three months: training (2 months, 100 per participant-month), execution
# (1 month, 50). Fixed costs 1,000 a month. BR has 2 seats at a grant of 10,000, MX
# has 1 seat at 20,000: 40,000 of grants. Payments: 40% half-way into training (month
# 0 + floor(0.5 * 2) = 1), 60% at the start of execution (month 2).
HAND_BUDGET = {
    "participant_costs": {"training": 100, "execution": 50},
    "fixed_costs_per_month": 1_000,
    "disbursement": [
        {"phase": "training", "at": 0.5, "share": 0.4},
        {"phase": "execution", "at": 0.0, "share": 0.6},
    ],
}
HAND_SEATS = [2, 1]
HAND_GRANTS = [10_000.0, 20_000.0]


def hand_scenario(**changes: Any) -> Scenario:
    return build([10_000.0, 10_000.0], budget=HAND_BUDGET | changes.pop("budget", {}), **changes)


def test_disbursement_months_by_hand() -> None:
    assert disbursement_months(hand_scenario()) == [(1, 0.4), (2, 0.6)]
    assert month_labels(hand_scenario()) == ("2024-11", "2024-12", "2025-01")


def test_monthly_spend_by_hand_without_dropout() -> None:
    # Every seat is filled (Poisson(10,000) applicants for 3 seats) and nobody leaves:
    # month 0: costs 3 x 100 + fixed 1,000                          =  1,300
    # month 1: grants 0.4 x 40,000 = 16,000; costs 300 + 1,000      = 17,300
    # month 2: grants 0.6 x 40,000 = 24,000; costs 3 x 50 + 1,000   = 25,150
    hand = np.array([1_300.0, 17_300.0, 25_150.0])
    scenario = hand_scenario()
    assert np.allclose(planned_spend(scenario, HAND_SEATS, HAND_GRANTS), hand, rtol=0, atol=1e-9)
    result = simulate(scenario, HAND_SEATS, HAND_GRANTS, draws=500, seed=2)
    assert np.allclose(result.monthly_spend, hand, rtol=0, atol=1e-9)
    assert np.allclose(result.spent, 43_750.0, rtol=0, atol=1e-9)
    assert np.allclose(result.unspent, 10_000_000 - 43_750.0, rtol=0, atol=1e-6)


def test_empty_schedule_pays_everything_at_the_start_of_the_last_phase() -> None:
    # The whole 40,000 in month 2 (execution starts there): 1,300, 1,300, 41,150.
    scenario = hand_scenario(budget={"disbursement": []})
    assert disbursement_months(scenario) == [(2, 1.0)]
    result = simulate(scenario, HAND_SEATS, HAND_GRANTS, draws=200, seed=2)
    assert np.allclose(result.monthly_spend, [1_300.0, 1_300.0, 41_150.0], rtol=0, atol=1e-9)


def test_grants_are_paid_only_to_those_still_in() -> None:
    # Drop-out 0.5 a month. Present in month m: 2 x 0.5^m from BR, 1 x 0.5^m from MX.
    # month 0: 1,300 as before (nobody has left yet).
    # month 1: grants 0.4 x (10,000 x 1 + 20,000 x 0.5) = 8,000; costs 100 x 1.5 = 150;
    #          fixed 1,000 -> 9,150. Spend = 4,100 A + 8,100 B + 1,000 with A ~ Bin(2, 0.5)
    #          and B ~ Bin(1, 0.5): variance 4,100^2 x 0.5 + 8,100^2 x 0.25.
    # month 2: grants 0.6 x (10,000 x 0.5 + 20,000 x 0.25) = 6,000; costs 50 x 0.75 = 37.5;
    #          fixed 1,000 -> 7,037.5. Spend = 6,050 A' + 12,050 B' + 1,000 with
    #          A' ~ Bin(2, 0.25), B' ~ Bin(1, 0.25).
    draws = 100_000
    scenario = hand_scenario(dropout=0.5)
    result = simulate(scenario, HAND_SEATS, HAND_GRANTS, draws=draws, seed=4)
    spend = result.monthly_spend
    assert np.all(spend[:, 0] == 1_300.0)
    sd1 = math.sqrt(4_100**2 * 0.5 + 8_100**2 * 0.25)
    assert_within(spend[:, 1].mean(), 9_150.0, sd1 / math.sqrt(draws), "month 1")
    sd2 = math.sqrt(6_050**2 * 2 * 0.25 * 0.75 + 12_050**2 * 0.25 * 0.75)
    assert_within(spend[:, 2].mean(), 7_037.5, sd2 / math.sqrt(draws), "month 2")


@st.composite
def money_cases(draw: st.DrawFn) -> dict[str, Any]:
    count = draw(st.integers(1, 4))
    return {
        "expected": draw(st.lists(st.floats(0.5, 20.0), min_size=count, max_size=count)),
        "seats": draw(st.lists(st.integers(0, 5), min_size=count, max_size=count)),
        "grants": draw(st.lists(st.floats(0.0, 50_000.0), min_size=count, max_size=count)),
        "dropout": draw(st.sampled_from([0.0, 0.1, 0.4])),
        "pass_share": draw(st.sampled_from([0.3, 1.0])),
        "seed": draw(st.integers(0, 2**32 - 1)),
    }


@settings(max_examples=50, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(case=money_cases())
def test_spend_never_exceeds_the_plan_when_costs_are_certain(case: dict[str, Any]) -> None:
    # Fewer participants (unfilled seats, drop-out) can only lower grants and participant
    # costs; fixed costs are as planned. Without redistribution this holds for any grants.
    scenario = build(
        case["expected"],
        pass_share=case["pass_share"],
        dropout=case["dropout"],
        budget=HAND_BUDGET,
    )
    seats, grants = case["seats"], case["grants"]
    result = simulate(scenario, seats, grants, draws=300, seed=case["seed"])
    plan = planned_spend(scenario, seats, grants)
    assert np.all(result.monthly_spend <= plan + 1e-6)
    assert np.all(result.spent <= plan.sum() + 1e-6)


@settings(max_examples=30, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(case=money_cases())
def test_spend_never_exceeds_the_plan_with_redistribution_and_equal_grants(
    case: dict[str, Any],
) -> None:
    # A moved seat is paid its new region's grant: with equal grants it costs the same.
    scenario = build(
        case["expected"],
        pass_share=case["pass_share"],
        dropout=case["dropout"],
        redistribute=True,
        budget=HAND_BUDGET,
    )
    seats, grants = case["seats"], [25_000.0] * len(case["seats"])
    result = simulate(scenario, seats, grants, draws=300, seed=case["seed"])
    plan = planned_spend(scenario, seats, grants)
    assert np.all(result.monthly_spend <= plan * (1 + 1e-12) + 1e-6)


def test_money_is_conserved_and_adds_up_in_every_draw() -> None:
    scenario = build(
        [3.0, 2.0],
        dropout=0.0,
        cost_uncertainty=0.3,
        dispersion=1.0,
        redistribute=True,
        budget=HAND_BUDGET,
    )
    result = simulate(scenario, HAND_SEATS, HAND_GRANTS, draws=5_000, seed=9)
    assert np.allclose(result.spent + result.unspent, 10_000_000, rtol=1e-15, atol=1e-6)
    assert np.allclose(result.cumulative_spend[:, -1], result.spent, rtol=0, atol=0)
    # Rebuilt from the draws, independently of how simulate sums them. With no drop-out,
    # grants are share x (seats filled . grant) in each payment month, and participant
    # costs cost x participants x the draw's cost factor.
    committed = result.filled @ np.array(HAND_GRANTS)
    grants = np.zeros_like(result.monthly_spend)
    grants[:, 1] = 0.4 * committed
    grants[:, 2] = 0.6 * committed
    people = result.filled.sum(axis=1) * result.cost_factor
    costs = np.stack([100 * people, 100 * people, 50 * people], axis=1)
    fixed = 1_000 * result.cost_factor[:, None]
    assert np.allclose(result.monthly_spend, grants + costs + fixed, rtol=1e-12)
    assert result.expected_unspent == pytest.approx(10_000_000 - result.spent.mean(), rel=1e-12)


def test_overrun_probability_matches_the_lognormal_cost_factor() -> None:
    # Budget = the plan exactly, all seats always filled, no drop-out: a draw overruns
    # exactly when its cost factor is above 1. log X ~ N(-s^2/2, s^2), s^2 = log(1 + u^2),
    # so P(X > 1) = P(Z > s/2) = 1 - Phi(s/2).
    u = 0.8
    draws = 100_000
    base = hand_scenario()
    total = float(planned_spend(base, HAND_SEATS, HAND_GRANTS).sum())
    scenario = hand_scenario(cost_uncertainty=u, budget={"total": total})
    result = simulate(scenario, HAND_SEATS, HAND_GRANTS, draws=draws, seed=12)
    s = math.sqrt(math.log(1 + u**2))
    p = 1 - stats.norm.cdf(s / 2)
    assert_within(result.p_overrun, p, math.sqrt(p * (1 - p) / draws), "P(overrun)")
    assert_within(result.cost_factor.mean(), 1.0, u / math.sqrt(draws), "mean cost factor")
    # Its standard deviation is u; the standard error of the sample variance is estimated
    # from the sample's fourth central moment.
    factor = result.cost_factor
    fourth = float(((factor - factor.mean()) ** 4).mean())
    assert_within(factor.var(ddof=1), u**2, math.sqrt((fourth - u**4) / draws), "var")


# --- seeds ---------------------------------------------------------------------------------------


def lively_scenario(codes: Sequence[str] = ("BR", "MX", "AR")) -> Scenario:
    expected = {"BR": 6.0, "MX": 15.0, "AR": 2.0, "CO": 9.0, "CL": 4.0}
    return build(
        [expected[code] for code in codes],
        codes=codes,
        pass_share=0.8,
        dropout=0.05,
        dispersion=0.5,
        correlation=0.5,
        cost_uncertainty=0.2,
        budget=HAND_BUDGET,
    )


def same_result(left: SimulationResult, right: SimulationResult) -> bool:
    arrays = all(np.array_equal(getattr(left, n), getattr(right, n)) for n in RAW_ARRAYS)
    return arrays and all(getattr(left, n).equals(getattr(right, n)) for n in TABLES)


def test_same_seed_gives_identical_results() -> None:
    scenario = lively_scenario()
    seats, grants = [3, 4, 2], [1_000.0, 2_000.0, 3_000.0]
    assert same_result(
        simulate(scenario, seats, grants, draws=2_000, seed=77),
        simulate(scenario, seats, grants, draws=2_000, seed=77),
    )
    assert same_result(
        simulate(scenario, seats, grants, draws=2_000, seed=np.random.default_rng(5)),
        simulate(scenario, seats, grants, draws=2_000, seed=np.random.default_rng(5)),
    )
    # The scenario's own seed and draws are the defaults.
    assert same_result(
        simulate(scenario, seats, grants),
        simulate(scenario, seats, grants, draws=1_000, seed=1),
    )


def test_different_seeds_give_different_results() -> None:
    scenario = lively_scenario()
    one = simulate(scenario, [3, 4, 2], [0.0] * 3, draws=2_000, seed=1)
    two = simulate(scenario, [3, 4, 2], [0.0] * 3, draws=2_000, seed=2)
    for name in ("applicants", "eligible", "completers", "cost_factor", "demand_factor"):
        assert not np.array_equal(getattr(one, name), getattr(two, name)), name


def test_the_global_numpy_random_state_is_left_alone() -> None:
    np.random.seed(123)  # noqa: NPY002 - the point of the test is the legacy global state
    expected = np.random.random()  # noqa: NPY002
    np.random.seed(123)  # noqa: NPY002
    simulate(lively_scenario(), [3, 4, 2], [0.0] * 3, draws=500, seed=3)
    assert np.random.random() == expected  # noqa: NPY002


def test_a_region_keeps_its_draws_when_regions_are_added_or_reordered() -> None:
    base = simulate(lively_scenario(("BR", "MX")), [3, 4], [0.0, 0.0], draws=3_000)
    more = simulate(lively_scenario(("CO", "CL", "BR", "MX")), [1, 1, 3, 4], [0.0] * 4, draws=3_000)
    swapped = simulate(lively_scenario(("MX", "BR")), [4, 3], [0.0, 0.0], draws=3_000)
    for name in ("applicants", "eligible", "filled", "completers"):
        assert np.array_equal(getattr(base, name), getattr(more, name)[:, 2:]), name
        assert np.array_equal(getattr(base, name), getattr(swapped, name)[:, ::-1]), name
    assert np.array_equal(base.demand_factor, more.demand_factor)


# --- tables, metrics and errors ------------------------------------------------------------------


def test_tables_summarise_the_draws() -> None:
    scenario = build(
        [3.0, 8.0, 20.0],
        tracks=["a", "a", "b"],
        dispersion=0.5,
        dropout=0.05,
        redistribute=True,
        budget=HAND_BUDGET,
    )
    seats = np.array([4, 3, 2])
    result = simulate(scenario, seats, [1_000.0] * 3, draws=4_000, seed=6)
    regions = result.regions
    # numpy's sorting-based quantiles are an independent check of the counting ones.
    for name in ("applicants", "eligible", "filled", "completers"):
        for q in (10, 50, 90):
            assert np.allclose(
                regions[f"{name}_p{q}"], np.quantile(getattr(result, name), q / 100, axis=0)
            )
        assert np.allclose(regions[f"{name}_mean"], getattr(result, name).mean(axis=0))
    assert np.allclose(regions["p_unfilled"], (result.eligible < seats).mean(axis=0))
    tracks = result.tracks.set_index("track")
    assert tracks.loc["a", "seats"] == 7
    track_a = result.filled[:, :2].sum(axis=1)
    assert tracks.loc["a", "filled_p50"] == np.median(track_a)
    assert tracks.loc["a", "p_unfilled"] == pytest.approx(
        (result.filled_own[:, :2].sum(axis=1) < 7).mean()
    )
    histogram = result.cohort_histogram
    for name, values in (
        ("filled", result.filled.sum(axis=1)),
        ("completers", result.completers.sum(axis=1)),
    ):
        rows = histogram[histogram["quantity"] == name]
        assert rows["count"].sum() == 4_000
        counts = dict(zip(rows["low"], rows["count"], strict=True))
        for value, count in zip(*np.unique(values, return_counts=True), strict=True):
            assert counts[value] == count
    monthly = result.monthly
    assert list(monthly["label"]) == ["2024-11", "2024-12", "2025-01"]
    assert np.allclose(monthly["planned"], planned_spend(scenario, seats, [1_000.0] * 3))
    assert np.allclose(monthly["cumulative_p90"], np.quantile(result.cumulative_spend, 0.9, 0))
    metrics = simulation_metrics(result)
    assert metrics["spend_p50"] == pytest.approx(np.median(result.spent))
    assert metrics["filled_p50"] == np.median(result.filled.sum(axis=1))
    assert metrics["p_overrun"] == result.p_overrun == 0.0


def test_the_third_edition_runs_within_its_budget() -> None:
    scenario = load_scenario(SCENARIOS / "community_accelerator_2022.yaml")
    table = region_table(scenario)
    weights = np.sqrt(table["internet_users"].to_numpy(dtype=float))
    seats = apportionment.apportion(weights, 80, "hamilton").seats
    grants = np.full(len(seats), 40_000.0)
    result = simulate(scenario, seats, grants, draws=2_000, table=table, weights=weights)
    # No costs besides grants and no drop-out: spend is 40,000 per seat filled, at most the
    # 3.2M budget, which the plan spends exactly when every seat is filled.
    assert np.allclose(result.spent, 40_000 * result.filled.sum(axis=1))
    assert result.p_overrun == 0.0
    assert result.planned_total == pytest.approx(3_200_000)


@pytest.mark.parametrize(
    ("arguments", "match"),
    [
        ({"seats": [1, 2]}, "seats: expected one seat count per region"),
        ({"seats": [1, -2, 1]}, "seats: seat counts must be non-negative"),
        ({"seats": [1.5, 2, 1]}, "seats: every seat count must be a whole number"),
        ({"grants": [1.0, math.nan, 1.0]}, "grants: every grant must be a finite"),
        ({"grants": [1.0, 1.0]}, "grants: expected one grant"),
        ({"draws": 0}, "draws: give a whole number of draws"),
        ({"seed": -1}, "seed: give a non-negative whole number"),
        ({"weights": [1.0, -1.0, 1.0]}, "weights: every weight must be finite"),
        ({"table": pd.DataFrame({"region": ["x"]})}, "table: missing column"),
    ],
)
def test_bad_arguments_are_named(arguments: dict[str, Any], match: str) -> None:
    scenario = build([5.0, 5.0, 5.0])
    call: dict[str, Any] = {"seats": [1, 1, 1], "grants": [1.0, 1.0, 1.0]} | arguments
    with pytest.raises(ValueError, match=match):
        simulate(scenario, call.pop("seats"), call.pop("grants"), **call)


def test_a_scenario_without_expected_applicants_is_refused_with_the_fix() -> None:
    # Validation refuses it, naming the field and a figure to start from.
    with pytest.raises(ScenarioError) as caught:
        build([0.0, 0.0])
    (problem,) = caught.value.problems
    assert problem.path == "cohort.expected_applicants"
    assert "10 per seat" in problem.fix
    # And the simulation itself refuses a region table that expects nobody.
    scenario = build([5.0, 5.0])
    table = region_table(scenario)
    table["expected_applicants"] = 0.0
    with pytest.raises(ValueError, match=r"cohort\.expected_applicants"):
        simulate(scenario, [1, 1], [0.0, 0.0], table=table)
