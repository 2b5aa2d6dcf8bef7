"""Tests for planning.fairness: hand-worked values, differential checks, properties."""

from __future__ import annotations

import math
import re
from fractions import Fraction
from typing import Any

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from numpy.typing import ArrayLike, NDArray

from planning.fairness import (
    INDEX_DESCRIPTIONS,
    FairnessIndices,
    fairness_indices,
    gallagher,
    gini,
    loosemore_hanby,
    lorenz_curve,
    max_min_ratio,
    quota_violations,
    representation_ratios,
    sainte_lague_index,
)

# Hypothesis' per-example deadline is a timing check; speed belongs in bench/, not here.
quick = settings(deadline=None, max_examples=200)

# Worked example used throughout: weights 50/30/20, seats 6/3/1 of 10.
# Weight shares v = (50, 30, 20) %, seat shares s = (60, 30, 10) %, v - s = (-10, 0, 10).
WEIGHTS = [50.0, 30.0, 20.0]
SEATS = [6, 3, 1]

STABLE_NAMES = [
    "gallagher",
    "loosemore_hanby",
    "sainte_lague",
    "max_min_ratio",
    "gini_seats_per_capita",
    "gini_real_grant",
    "quota_violations",
]


# ------------------------------------------------------------------ hand-worked values


def test_worked_example_disproportionality() -> None:
    # LH = (|-10| + 0 + |10|) / 2 = 10
    assert loosemore_hanby(WEIGHTS, SEATS) == pytest.approx(10.0)
    # Gallagher = sqrt((100 + 0 + 100) / 2) = sqrt(100) = 10
    assert gallagher(WEIGHTS, SEATS) == pytest.approx(10.0)
    # Sainte-Laguë = 10^2/50 + 0^2/30 + 10^2/20 = 2 + 0 + 5 = 7
    assert sainte_lague_index(WEIGHTS, SEATS) == pytest.approx(7.0)


def test_worked_example_ratios() -> None:
    # s / v = 60/50, 30/30, 10/20 = 1.2, 1, 0.5
    np.testing.assert_allclose(representation_ratios(WEIGHTS, SEATS), [1.2, 1.0, 0.5])
    # seats per weight = 6/50, 3/30, 1/20 = 0.12, 0.10, 0.05; max/min = 0.12/0.05 = 2.4
    assert max_min_ratio(WEIGHTS, SEATS) == pytest.approx(2.4)


def test_gallagher_below_loosemore_hanby_example() -> None:
    # Four equal regions (v = 25 each), seats 4/4/1/1 of 10: s = 40, 40, 10, 10,
    # v - s = -15, -15, 15, 15.
    weights, seats = [1, 1, 1, 1], [4, 4, 1, 1]
    # LH = 4 * 15 / 2 = 30
    assert loosemore_hanby(weights, seats) == pytest.approx(30.0)
    # Gallagher = sqrt(4 * 225 / 2) = sqrt(450) = 15 * sqrt(2) ≈ 21.213
    assert gallagher(weights, seats) == pytest.approx(15.0 * math.sqrt(2.0))
    # Sainte-Laguë = 4 * 225 / 25 = 36
    assert sainte_lague_index(weights, seats) == pytest.approx(36.0)
    # seats per weight 4, 4, 1, 1 -> 4 / 1 = 4
    assert max_min_ratio(weights, seats) == pytest.approx(4.0)


def test_zero_weight_region_conventions() -> None:
    # A region with no entitlement and no seats adds nothing: weights 50/50/0, seats 1/1/0
    # gives s = v = (50, 50, 0).
    assert sainte_lague_index([50, 50, 0], [1, 1, 0]) == 0.0
    assert max_min_ratio([50, 50, 0], [1, 1, 0]) == pytest.approx(1.0)
    ratios = representation_ratios([50, 50, 0], [1, 1, 0])
    np.testing.assert_allclose(ratios[:2], [1.0, 1.0])
    assert math.isnan(ratios[2])
    # ... but seats for a region with no entitlement make the Sainte-Laguë index infinite.
    assert sainte_lague_index([50, 50, 0], [1, 1, 1]) == math.inf
    assert representation_ratios([50, 50, 0], [1, 1, 1])[2] == math.inf
    # max/min ignores the zero-weight region: the two entitled ones both get 1 per 50.
    assert max_min_ratio([50, 50, 0], [1, 1, 1]) == pytest.approx(1.0)


def test_max_min_ratio_is_infinite_when_an_entitled_region_gets_nothing() -> None:
    assert max_min_ratio([1, 1], [2, 0]) == math.inf


def test_gini_hand_values() -> None:
    # [0, 0, 0, 1]: ordered pairs with a difference: 3 * 1 * 2 = 6, each |diff| = 1;
    # n = 4, mean = 1/4; G = 6 / (2 * 16 * 1/4) = 6 / 8 = 0.75 = (n - 1) / n.
    assert gini([0, 0, 0, 1]) == pytest.approx(0.75)
    assert gini([7, 7, 7]) == 0.0
    # [1..5]: unordered |diff| sum = 1*4 + 2*3 + 3*2 + 4*1 = 20, ordered 40;
    # G = 40 / (2 * 25 * 3) = 40 / 150 = 4/15.
    assert gini([1, 2, 3, 4, 5]) == pytest.approx(4 / 15)
    # Every value zero: nothing to be unequal about.
    assert gini([0, 0, 0]) == 0.0


def test_weighted_gini_hand_value() -> None:
    # values (1, 3) with weights (3, 1) is the sample [1, 1, 1, 3]: W = 4, mean = 6/4 = 1.5;
    # ordered pairs: 2 * (3 * 1) pairs with |diff| = 2 -> 12; G = 12 / (2 * 16 * 1.5) = 0.25.
    assert gini([1, 3], [3, 1]) == pytest.approx(0.25)
    # A zero-weight value is ignored entirely.
    assert gini([1, 3, 1000], [3, 1, 0]) == pytest.approx(0.25)


def test_worked_example_gini_seats_per_capita_and_lorenz() -> None:
    # Seats per capita x = (0.12, 0.10, 0.05), population weights (50, 30, 20), W = 100,
    # total seats 10, mean 0.1. Weighted unordered |diff| sum:
    # 50*30*0.02 + 50*20*0.07 + 30*20*0.05 = 30 + 70 + 30 = 130, ordered 260;
    # G = 260 / (2 * 100^2 * 0.1) = 260 / 2000 = 0.13.
    per_capita = np.array(SEATS) / np.array(WEIGHTS)
    assert gini(per_capita, WEIGHTS) == pytest.approx(0.13)
    # Lorenz, worst-off first: region 3 (20 % of people, 1 of 10 seats), region 2
    # (30 %, 3 seats), region 1 (50 %, 6 seats): points (0,0) (.2,.1) (.5,.4) (1,1).
    # Area = .2*.1/2 + .3*(.1+.4)/2 + .5*(.4+1)/2 = .01 + .075 + .35 = .435;
    # 1 - 2 * .435 = 0.13, the Gini above.
    curve = lorenz_curve(per_capita, WEIGHTS)
    np.testing.assert_allclose(curve["cumulative_population_share"], [0, 0.2, 0.5, 1])
    np.testing.assert_allclose(curve["cumulative_value_share"], [0, 0.1, 0.4, 1])


def test_lorenz_curve_shape_for_one_takes_all() -> None:
    curve = lorenz_curve([0, 0, 0, 1])
    assert list(curve.columns) == ["cumulative_population_share", "cumulative_value_share"]
    np.testing.assert_allclose(curve["cumulative_population_share"], [0, 0.25, 0.5, 0.75, 1])
    np.testing.assert_allclose(curve["cumulative_value_share"], [0, 0, 0, 0, 1])


def test_lorenz_curve_of_all_zero_values_is_the_diagonal() -> None:
    curve = lorenz_curve([0, 0], [1, 3])
    np.testing.assert_allclose(curve["cumulative_value_share"], [0, 0.25, 1])
    np.testing.assert_allclose(curve["cumulative_population_share"], [0, 0.25, 1])


def test_quota_violations_worked_example() -> None:
    # Quotas q = 10 * (0.5, 0.3, 0.2) = (5, 3, 2). Region 1 has 6 > ceil(5) = 5 and
    # region 3 has 1 < floor(2) = 2: both break the quota rule.
    np.testing.assert_array_equal(quota_violations(WEIGHTS, SEATS), [True, False, True])
    # A floor of 6 on region 1 forces its extra seat: no longer its fault.
    np.testing.assert_array_equal(
        quota_violations(WEIGHTS, SEATS, floors=[6, 0, 0]), [False, False, True]
    )
    # A floor of 5 does not force a sixth seat: still flagged.
    np.testing.assert_array_equal(
        quota_violations(WEIGHTS, SEATS, floors=[5, 0, 0]), [True, False, True]
    )
    # A cap of 1 on region 3 forces its shortfall.
    np.testing.assert_array_equal(
        quota_violations(WEIGHTS, SEATS, caps=[10, 10, 1]), [True, False, False]
    )


def test_quota_violations_fractional_quota() -> None:
    # Quotas 10 * (0.45, 0.35, 0.2) = (4.5, 3.5, 2): 5/3/2 and 4/4/2 both satisfy the rule;
    # 6/2/2 breaks both of the first two (6 > 5, 2 < 3).
    weights = [45, 35, 20]
    np.testing.assert_array_equal(quota_violations(weights, [5, 3, 2]), [False] * 3)
    np.testing.assert_array_equal(quota_violations(weights, [4, 4, 2]), [False] * 3)
    np.testing.assert_array_equal(quota_violations(weights, [6, 2, 2]), [True, True, False])


def test_quota_violations_snaps_float_noise_to_integer_quota() -> None:
    # Intended quotas 5 * (0.3, 0.6, 0.1) = (1.5, 3, 0.5); 4 seats for region 2 breaks its
    # upper quota 3. In floating point the quota comes out a hair above 3, whose ceil is 4.
    weights = np.array([0.3, 0.6, 0.1])
    float_quota = 5 * weights / weights.sum()
    assert float_quota[1] > 3.0  # precondition: the noise this test is about is present
    np.testing.assert_array_equal(quota_violations(weights, [1, 4, 0]), [False, True, False])


def test_fairness_indices_worked_example() -> None:
    # Grants 100 (3 participants) and 300 (1 participant): the sample [100, 100, 100, 300],
    # mean 150, ordered |diff| sum 2 * 3 * 200 = 1200; G = 1200 / (2 * 16 * 150) = 0.25.
    result = fairness_indices(WEIGHTS, SEATS, grants_real=[100, 300], participants=[3, 1])
    assert result.gallagher == pytest.approx(10.0)
    assert result.loosemore_hanby == pytest.approx(10.0)
    assert result.sainte_lague == pytest.approx(7.0)
    assert result.max_min_ratio == pytest.approx(2.4)
    assert result.gini_seats_per_capita == pytest.approx(0.13)  # worked out above
    assert result.gini_real_grant == pytest.approx(0.25)
    assert result.quota_violations == 2


def test_fairness_indices_with_separate_population_and_bounds() -> None:
    # Equal populations of 100: seats per capita (0.06, 0.03, 0.01), i.e. Gini of (6, 3, 1):
    # unordered |diff| 3 + 5 + 2 = 10, ordered 20, n = 3, mean 10/3;
    # G = 20 / (2 * 9 * 10/3) = 20 / 60 = 1/3.
    result = fairness_indices(WEIGHTS, SEATS, population=[100, 100, 100], floors=[6, 0, 0])
    assert result.gini_seats_per_capita == pytest.approx(1 / 3)
    assert math.isnan(result.gini_real_grant)
    assert result.quota_violations == 1  # region 1's floor explains its sixth seat


def test_fairness_table_has_stable_names_and_descriptions() -> None:
    result = fairness_indices(WEIGHTS, SEATS)
    assert isinstance(result, FairnessIndices)
    assert list(result.as_dict()) == STABLE_NAMES
    table = result.to_frame()
    assert list(table.columns) == ["index", "value", "description"]
    assert table["index"].tolist() == STABLE_NAMES
    assert table.set_index("index").loc["loosemore_hanby", "value"] == pytest.approx(10.0)
    assert table.set_index("index").loc["quota_violations", "value"] == 2.0
    assert all(table["description"].str.len() > 20)
    assert set(INDEX_DESCRIPTIONS) == set(STABLE_NAMES)


def test_fairness_indices_is_frozen() -> None:
    result = fairness_indices(WEIGHTS, SEATS)
    with pytest.raises(AttributeError):
        result.gallagher = 0.0  # type: ignore[misc]


# -------------------------------------------------------------------------- validation


@pytest.mark.parametrize(
    ("weights", "seats", "message"),
    [
        ([1, 2], [1, 2, 3], "weights has 2 entries but seats has 3"),
        ([1, -2, 3], [1, 2, 3], "weights has negative entries at positions [1]"),
        ([1, 2, 3], [1, -1, 3], "seats has negative entries"),
        ([1, float("nan"), 3], [1, 2, 3], "weights has NaN or infinite"),
        ([1, 2, 3], [1, 2, float("inf")], "seats has NaN or infinite"),
        ([0, 0, 0], [1, 2, 3], "weights are all zero"),
        ([1, 2, 3], [0, 0, 0], "seats are all zero"),
        ([], [], "weights is empty"),
        ([[1, 2]], [[1, 2]], "weights must be one number per region"),
        (["a", "b"], [1, 2], "weights must be a sequence of numbers"),
    ],
)
def test_bad_input_names_the_argument(weights: Any, seats: Any, message: str) -> None:
    for index in (
        gallagher,
        loosemore_hanby,
        sainte_lague_index,
        representation_ratios,
        max_min_ratio,
        quota_violations,
        fairness_indices,
    ):
        with pytest.raises(ValueError, match=f"^{re.escape(message)}"):
            index(weights, seats)


def test_bad_bounds_and_gini_inputs_name_the_argument() -> None:
    with pytest.raises(ValueError, match="weights has 3 entries but floors has 2"):
        quota_violations(WEIGHTS, SEATS, floors=[1, 1])
    with pytest.raises(ValueError, match="caps has negative entries"):
        quota_violations(WEIGHTS, SEATS, caps=[1, -1, 1])
    with pytest.raises(ValueError, match="values has NaN"):
        gini([1, float("nan")])
    with pytest.raises(ValueError, match="values has negative entries"):
        lorenz_curve([1, -1])
    with pytest.raises(ValueError, match="values has 2 entries but weights has 3"):
        gini([1, 2], [1, 1, 1])
    with pytest.raises(ValueError, match="weights are all zero"):
        lorenz_curve([1, 2], [0, 0])


def test_fairness_indices_optional_inputs_name_the_argument() -> None:
    with pytest.raises(ValueError, match="seats has 3 entries but population has 2"):
        fairness_indices(WEIGHTS, SEATS, population=[1, 2])
    with pytest.raises(ValueError, match="population are all zero"):
        fairness_indices(WEIGHTS, SEATS, population=[0, 0, 0])
    with pytest.raises(ValueError, match="grants_real has NaN"):
        fairness_indices(WEIGHTS, SEATS, grants_real=[1.0, float("nan")])
    with pytest.raises(ValueError, match="grants_real has 2 entries but participants has 1"):
        fairness_indices(WEIGHTS, SEATS, grants_real=[1, 2], participants=[1])
    with pytest.raises(ValueError, match="participants was given without grants_real"):
        fairness_indices(WEIGHTS, SEATS, participants=[1, 2])


# ------------------------------------------------------- independent implementations


def _gini_pairwise(values: list[float], weights: list[float]) -> float:
    """O(n^2) mean-difference Gini, straight from the definition."""
    total_weight = sum(weights)
    mean = sum(w * x for w, x in zip(weights, values, strict=True)) / total_weight
    if mean == 0:
        return 0.0
    pair_sum = sum(
        wi * wj * abs(xi - xj)
        for wi, xi in zip(weights, values, strict=True)
        for wj, xj in zip(weights, values, strict=True)
    )
    return pair_sum / (2 * total_weight**2 * mean)


def _violations_exact(
    weights: list[int], seats: list[int], floors: list[int], caps: list[int]
) -> list[bool]:
    """The quota rule in exact rational arithmetic."""
    house, total = sum(seats), sum(weights)
    flags = []
    for w, s, lo, hi in zip(weights, seats, floors, caps, strict=True):
        quota = Fraction(house * w, total)
        above = s > math.ceil(quota) and s > lo
        below = s < math.floor(quota) and s < hi
        flags.append(above or below)
    return flags


def _hamilton(weights: list[int], house: int) -> list[int]:
    """Largest remainder, exact: lower quotas, then one seat per largest remainder."""
    total = sum(weights)
    quotas = [Fraction(house * w, total) for w in weights]
    seats = [math.floor(q) for q in quotas]
    by_remainder = sorted(range(len(weights)), key=lambda i: quotas[i] - seats[i], reverse=True)
    for i in by_remainder[: house - sum(seats)]:
        seats[i] += 1
    return seats


# ---------------------------------------------------------------------- strategies

# Zero or a number of ordinary size: subnormal weights (~1e-320) make W^2 underflow in the
# reference implementation and never occur in a plan.
amounts = st.one_of(st.just(0.0), st.floats(min_value=1e-6, max_value=1e6))
unit_weights = st.one_of(st.just(0.0), st.floats(min_value=1e-3, max_value=1e3))

positive_weights = st.lists(
    st.floats(min_value=1e-3, max_value=1e6, allow_nan=False), min_size=1, max_size=12
)
seat_counts = st.lists(st.integers(min_value=0, max_value=50), min_size=1, max_size=12).filter(
    lambda seats: sum(seats) > 0
)


@st.composite
def weights_and_seats(draw: st.DrawFn) -> tuple[list[float], list[int]]:
    weights = draw(positive_weights)
    seats = draw(
        st.lists(
            st.integers(min_value=0, max_value=50),
            min_size=len(weights),
            max_size=len(weights),
        ).filter(lambda s: sum(s) > 0)
    )
    return weights, seats


def _all_indices(weights: ArrayLike, seats: ArrayLike) -> NDArray[np.float64]:
    result = fairness_indices(weights, seats)
    return np.array(list(result.as_dict().values()))


# ---------------------------------------------------------------------- properties


@quick
@given(seats=seat_counts, scale=st.floats(min_value=1e-3, max_value=1e3))
def test_proportional_seats_score_perfectly(seats: list[int], scale: float) -> None:
    weights = [scale * s for s in seats]
    assert gallagher(weights, seats) == pytest.approx(0.0, abs=1e-9)
    assert loosemore_hanby(weights, seats) == pytest.approx(0.0, abs=1e-9)
    assert sainte_lague_index(weights, seats) == pytest.approx(0.0, abs=1e-9)
    assert max_min_ratio(weights, seats) == pytest.approx(1.0)
    assert not quota_violations(weights, seats).any()
    result = fairness_indices(weights, seats)
    assert result.gini_seats_per_capita == pytest.approx(0.0, abs=1e-9)
    ratios = representation_ratios(weights, seats)
    np.testing.assert_allclose(ratios[np.array(seats) > 0], 1.0)


@quick
@given(pair=weights_and_seats(), data=st.data())
def test_indices_invariant_to_permuting_regions(
    pair: tuple[list[float], list[int]], data: st.DataObject
) -> None:
    weights, seats = pair
    order = data.draw(st.permutations(range(len(weights))))
    permuted = _all_indices([weights[i] for i in order], [seats[i] for i in order])
    np.testing.assert_allclose(permuted, _all_indices(weights, seats), rtol=1e-9, atol=1e-9)
    np.testing.assert_array_equal(
        quota_violations([weights[i] for i in order], [seats[i] for i in order]),
        quota_violations(weights, seats)[list(order)],
    )


@quick
@given(pair=weights_and_seats(), scale=st.floats(min_value=1e-3, max_value=1e3))
def test_indices_invariant_to_scaling_weights(
    pair: tuple[list[float], list[int]], scale: float
) -> None:
    weights, seats = pair
    scaled = _all_indices([scale * w for w in weights], seats)
    np.testing.assert_allclose(scaled, _all_indices(weights, seats), rtol=1e-9, atol=1e-9)


@quick
@given(pair=weights_and_seats())
def test_index_inequalities(pair: tuple[list[float], list[int]]) -> None:
    # With d = v - s, sum(d) = 0, so the positive parts and the negative parts both sum
    # to LH = ||d||_1 / 2, and Gallagher = ||d||_2 / sqrt(2).
    # (1) Gallagher <= LH: ||d||_2^2 = ||d+||^2 + ||d-||^2 <= LH^2 + LH^2 (a sum of
    #     non-negative terms squared is at most its sum squared), so G^2 <= LH^2.
    # (2) LH <= sqrt(n/2) * Gallagher: Cauchy-Schwarz, ||d||_1 <= sqrt(n) ||d||_2, so
    #     2 LH <= sqrt(n) * sqrt(2) G.
    # (3) Sainte-Laguë >= LH^2 / 25: Cauchy-Schwarz, (sum |d_i|)^2 <= sum(d_i^2 / v_i) *
    #     sum(v_i) = SL * 100, so 4 LH^2 <= 100 SL. (All v_i > 0 here.)
    # (4) 0 <= LH <= 100: each of the two halves is a sum of shares of at most 100.
    weights, seats = pair
    n = len(weights)
    g = gallagher(weights, seats)
    lh = loosemore_hanby(weights, seats)
    sl = sainte_lague_index(weights, seats)
    slack = 1e-9
    assert g <= lh + slack
    assert lh <= math.sqrt(n / 2) * g + slack
    assert sl >= lh**2 / 25 - 1e-6 * max(1.0, sl)
    assert 0.0 <= lh <= 100.0 + slack
    assert max_min_ratio(weights, seats) >= 1.0


def test_inequality_bounds_are_attained() -> None:
    # The bounds in test_index_inequalities are tight, so they are the right ones to test.
    # One region over, one under by 10 points: G = sqrt(200/2) = 10 = LH.
    assert gallagher(WEIGHTS, SEATS) == pytest.approx(loosemore_hanby(WEIGHTS, SEATS))
    # Four equal deviations of 15: LH = 30 = sqrt(4/2) * 15 sqrt(2) = sqrt(n/2) * G.
    g = gallagher([1, 1, 1, 1], [4, 4, 1, 1])
    assert loosemore_hanby([1, 1, 1, 1], [4, 4, 1, 1]) == pytest.approx(math.sqrt(2) * g)


@quick
@given(
    values=st.lists(amounts, min_size=1, max_size=15),
    data=st.data(),
)
def test_gini_matches_pairwise_definition(values: list[float], data: st.DataObject) -> None:
    weights = data.draw(
        st.lists(unit_weights, min_size=len(values), max_size=len(values)).filter(
            lambda w: sum(w) > 0
        )
    )
    assert gini(values, weights) == pytest.approx(_gini_pairwise(values, weights), abs=1e-9)
    assert gini(values) == pytest.approx(_gini_pairwise(values, [1.0] * len(values)), abs=1e-9)


@quick
@given(
    pairs=st.lists(
        st.tuples(st.integers(min_value=0, max_value=1000), st.integers(min_value=1, max_value=6)),
        min_size=1,
        max_size=10,
    )
)
def test_weighted_gini_equals_gini_of_repeated_sample(pairs: list[tuple[int, int]]) -> None:
    values = [v for v, _ in pairs]
    weights = [w for _, w in pairs]
    expanded = np.repeat(values, weights)
    assert gini(values, weights) == pytest.approx(gini(expanded), abs=1e-12)


@quick
@given(values=st.lists(amounts, min_size=1, max_size=20))
def test_unweighted_gini_bounds_and_scale_invariance(values: list[float]) -> None:
    # |x_i - x_j| <= x_i + x_j, and summing x_i + x_j over ordered pairs i != j gives
    # 2 (n - 1) T, so G <= 2 (n - 1) T / (2 n^2 * T/n) = (n - 1) / n.
    n = len(values)
    g = gini(values)
    assert -1e-12 <= g <= (n - 1) / n + 1e-12
    assert gini([3.5 * v for v in values]) == pytest.approx(g, abs=1e-9)


@quick
@given(
    values=st.lists(amounts, min_size=1, max_size=15),
    data=st.data(),
)
def test_lorenz_area_gives_back_the_gini(values: list[float], data: st.DataObject) -> None:
    weights = data.draw(
        st.lists(unit_weights, min_size=len(values), max_size=len(values)).filter(
            lambda w: sum(w) > 0
        )
    )
    curve = lorenz_curve(values, weights)
    x = curve["cumulative_population_share"].to_numpy()
    y = curve["cumulative_value_share"].to_numpy()
    assert (x[0], y[0]) == (0.0, 0.0)
    assert (x[-1], y[-1]) == (1.0, 1.0)
    assert np.all(np.diff(x) >= 0)
    assert np.all(np.diff(y) >= -1e-12)
    assert np.all(y <= x + 1e-9)  # never above the equality line
    area = float(np.trapezoid(y, x))
    assert 1 - 2 * area == pytest.approx(gini(values, weights), abs=1e-9)


@quick
@given(
    rows=st.lists(
        st.tuples(
            st.integers(min_value=0, max_value=1000),
            st.integers(min_value=0, max_value=20),
            st.integers(min_value=0, max_value=20),
            st.integers(min_value=0, max_value=20),
        ),
        min_size=1,
        max_size=10,
    ).filter(lambda rows: sum(r[0] for r in rows) > 0 and sum(r[1] for r in rows) > 0)
)
def test_quota_violations_match_exact_arithmetic(rows: list[tuple[int, int, int, int]]) -> None:
    weights = [r[0] for r in rows]
    seats = [r[1] for r in rows]
    floors = [r[2] for r in rows]
    caps = [r[3] for r in rows]
    assert quota_violations(weights, seats, floors, caps).tolist() == _violations_exact(
        weights, seats, floors, caps
    )
    no_floor, no_cap = [0] * len(rows), [10**9] * len(rows)
    assert quota_violations(weights, seats).tolist() == _violations_exact(
        weights, seats, no_floor, no_cap
    )


@quick
@given(
    weights=st.lists(st.integers(min_value=1, max_value=10**6), min_size=1, max_size=13),
    house=st.integers(min_value=1, max_value=80),
)
def test_hamilton_never_breaks_the_quota_rule(weights: list[int], house: int) -> None:
    seats = _hamilton(weights, house)
    assert sum(seats) == house
    assert not quota_violations(weights, seats).any()


def test_jefferson_dhondt_can_break_upper_quota() -> None:
    # D'Hondt, 10 seats, weights 850/50/50/50: quotients 850/k stay above 50 up to k = 16,
    # so the large region takes all 10 seats. Its quota is 10 * 850/1000 = 8.5, ceil 9:
    # 10 > 9 breaks the upper quota; the small ones (quota 0.5, floor 0) are within it.
    weights, seats = [850, 50, 50, 50], [10, 0, 0, 0]
    quotients = sorted(
        ((w / k, i) for i, w in enumerate(weights) for k in range(1, 11)), reverse=True
    )
    dhondt = [sum(1 for _, i in quotients[:10] if i == region) for region in range(4)]
    assert dhondt == seats
    np.testing.assert_array_equal(quota_violations(weights, seats), [True, False, False, False])
    assert max_min_ratio(weights, seats) == math.inf


def test_pairwise_helper_agrees_with_hand_value() -> None:
    # Guard the reference implementation itself: [0, 0, 0, 1] is 0.75 by hand (see above).
    assert _gini_pairwise([0, 0, 0, 1], [1, 1, 1, 1]) == pytest.approx(0.75)
    assert _gini_pairwise([1, 3], [3, 1]) == pytest.approx(0.25)


def test_lorenz_returns_a_dataframe_with_float_columns() -> None:
    curve = lorenz_curve([2, 1], [1, 1])
    assert isinstance(curve, pd.DataFrame)
    # Sorted worst-off first: (0,0), (.5, 1/3), (1, 1).
    np.testing.assert_allclose(curve["cumulative_value_share"], [0, 1 / 3, 1])


def test_lorenz_drops_zero_weight_entries() -> None:
    # values (1, 3, 1000) with weights (3, 1, 0): the 1000 belongs to nobody, so the curve is
    # that of the sample [1, 1, 1, 3]: points (0,0), (3/4, 3/6), (1, 1).
    curve = lorenz_curve([1, 3, 1000], [3, 1, 0])
    np.testing.assert_allclose(curve["cumulative_population_share"], [0, 0.75, 1])
    np.testing.assert_allclose(curve["cumulative_value_share"], [0, 0.5, 1])
