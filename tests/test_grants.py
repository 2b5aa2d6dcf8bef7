"""Tests for planning.grants: hand-worked splits, brute force, closed forms, properties."""

from __future__ import annotations

import dataclasses
import itertools
import math
from fractions import Fraction

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from planning.grants import (
    GRANT_RULES,
    GrantAllocation,
    GrantInfeasible,
    allocate_grants,
    check_grants_feasible,
    grant_pool,
)

# --- independent references ------------------------------------------------------------------


def leximin_key(grants: list[float], weights: list[float]) -> list[Fraction]:
    """Sorted ``grant / weight`` in exact arithmetic (floats convert to Fraction exactly)."""
    return sorted(Fraction(g) / Fraction(w) for g, w in zip(grants, weights, strict=True))


def brute_leximin(
    n: list[int], weights: list[float], pool: float, lows: list[int], highs: list[int], unit: int
) -> list[Fraction]:
    """Leximin-best sorted key over every unit-multiple vector with lows <= k <= highs."""
    best: list[Fraction] | None = None
    for ks in itertools.product(*(range(lo, hi + 1) for lo, hi in zip(lows, highs, strict=True))):
        if sum(ni * k * unit for ni, k in zip(n, ks, strict=True)) > pool:
            continue
        key = leximin_key([k * unit for k in ks], weights)
        if best is None or key > best:
            best = key
    assert best is not None
    return best


def water_filling(n: list[int], p: list[float], pool: float, floor: float, cap: float) -> float:
    """Continuous leximin level by bisection: ``sum n_i clamp(t p_i, floor, cap) = pool``."""

    def spend(t: float) -> float:
        return sum(ni * min(cap, max(floor, t * pi)) for ni, pi in zip(n, p, strict=True))

    lo, hi = 0.0, cap / min(p)
    if spend(hi) <= pool:
        return hi
    for _ in range(200):
        mid = (lo + hi) / 2
        lo, hi = (mid, hi) if spend(mid) <= pool else (lo, mid)
    return lo


def snapped_floor_ceil(x: float) -> tuple[int, int]:
    """Floor and ceiling of ``x``, with values within 1e-9 of a whole number taken as it."""
    if abs(x - round(x)) <= 1e-9 * max(1.0, x):
        return round(x), round(x)
    return math.floor(x), math.ceil(x)


# --- grant_pool ------------------------------------------------------------------------------


def test_grant_pool_takes_contingency_then_costs() -> None:
    # 3,000,000 * (1 - 0.05) = 2,850,000; less 80 * 2,000 = 160,000 and 100,000 fixed.
    assert grant_pool(3_000_000, 160_000, 100_000, 0.05) == pytest.approx(2_590_000)


def test_grant_pool_may_go_negative_but_rejects_bad_share() -> None:
    assert grant_pool(100, 80, 40, 0.0) == pytest.approx(-20)
    with pytest.raises(ValueError, match="contingency_share"):
        grant_pool(100, 0, 0, 1.0)


# --- equal -----------------------------------------------------------------------------------


def test_equal_worked_example_reports_the_leftover() -> None:
    # 100,000 / 6 participants = 16,666.67, under the cap; down to the unit of 500: 16,500.
    # 6 * 16,500 = 99,000 spent, 1,000 left. One more unit for everybody would cost
    # 6 * 500 = 3,000 > 1,000, and a unit for some only would break equality: none is given.
    result = allocate_grants([2, 2, 2], pool=100_000, cap=20_000, unit=500)
    assert result.grants.tolist() == [16_500, 16_500, 16_500]
    assert result.spent == 99_000
    assert result.leftover == 1_000
    assert result.target.tolist() == pytest.approx([100_000 / 6] * 3)
    assert result.binding == {}


def test_equal_cap_binds() -> None:
    # 1,000,000 / 6 = 166,667 > cap 20,000: everyone gets 20,000; 880,000 is left.
    result = allocate_grants([2, 2, 2], pool=1_000_000, cap=20_000, unit=500)
    assert result.grants.tolist() == [20_000] * 3
    assert result.leftover == 880_000
    assert dict(result.binding) == {"region 1": "cap", "region 2": "cap", "region 3": "cap"}


def test_floor_that_is_not_a_unit_multiple_rounds_up() -> None:
    # Floor 1,200 in units of 500 applies as 1,500. Pool 9,000 over 6: exactly 1,500 each.
    result = allocate_grants([3, 3], pool=9_000, cap=5_000, floor=1_200, unit=500)
    assert result.grants.tolist() == [1_500, 1_500]
    assert result.floor == 1_500
    # 8,999 cannot pay 6 * 1,500 = 9,000. A floor that fits: 8,999 holds 17 units of 500,
    # 17 // 6 = 2 units = 1,000 each (a floor of 1,499 would still round up to 1,500).
    with pytest.raises(GrantInfeasible) as caught:
        allocate_grants([3, 3], pool=8_999, cap=5_000, floor=1_200, unit=500)
    assert "need USD 9,000" in caught.value.conflicts[0]
    assert "lower the floor to USD 1,000" in caught.value.remedies


def test_zero_participant_regions_get_nothing_and_do_not_count() -> None:
    # Same as [2, 2]: 10,000 / 4 = 2,500 each.
    result = allocate_grants([2, 0, 2], pool=10_000, cap=5_000, labels=["a", "b", "c"])
    assert result.grants.tolist() == [2_500, 0, 2_500]
    assert "b" not in result.binding


# --- purchasing-power ------------------------------------------------------------------------


def test_purchasing_power_gives_equal_real_grants() -> None:
    # r * 0.5 + r * 1.0 = 30,000 -> r = 20,000: nominal 10,000 and 20,000, both real 20,000.
    result = allocate_grants(
        [1, 1], pool=30_000, cap=100_000, rule="purchasing-power", price_levels=[0.5, 1.0]
    )
    assert result.grants.tolist() == [10_000, 20_000]
    assert result.real_grants.tolist() == [20_000, 20_000]
    assert result.leftover == 0


def test_purchasing_power_is_strict_at_the_cap_and_maximin_is_not() -> None:
    # Cap 15,000 in the region at price level 1 stops r at 15,000 for both: 7,500 and 15,000,
    # 7,500 left. Maximin caps region 2 at 15,000 (real 15,000) and gives region 1 the other
    # 15,000 (real 30,000): nothing left.
    kwargs = {"pool": 30_000, "cap": 15_000, "price_levels": [0.5, 1.0]}
    strict = allocate_grants([1, 1], rule="purchasing-power", **kwargs)  # type: ignore[arg-type]
    assert strict.grants.tolist() == [7_500, 15_000]
    assert strict.leftover == 7_500
    assert dict(strict.binding) == {"region 2": "cap"}
    assert any("maximin" in note for note in strict.notes)
    leximin = allocate_grants([1, 1], rule="maximin", **kwargs)  # type: ignore[arg-type]
    assert leximin.grants.tolist() == [15_000, 15_000]
    assert leximin.real_grants.tolist() == [30_000, 15_000]
    assert leximin.leftover == 0


def test_purchasing_power_floor_lifts_a_cheap_region() -> None:
    # Without the floor r = 12,000 / (0.25 + 1) = 9,600: region 1 would get 2,400 < 5,000.
    # With it region 1 sits at 5,000 and region 2 gets the other 7,000 (r = 7,000).
    result = allocate_grants(
        [1, 1], pool=12_000, cap=50_000, floor=5_000, rule="purchasing-power",
        price_levels=[0.25, 1.0],
    )  # fmt: skip
    assert result.grants.tolist() == [5_000, 7_000]
    assert dict(result.binding) == {"region 1": "floor"}


prices = st.sampled_from([0.25, 0.4, 0.5, 0.8, 1.0, 1.25, 1.6, 2.0])


@settings(max_examples=60, deadline=None)
@given(
    n=st.lists(st.integers(1, 9), min_size=1, max_size=8),
    data=st.data(),
    pool=st.integers(1_000, 2_000_000),
    cap=st.integers(1_000, 80_000),
)
def test_purchasing_power_lp_matches_closed_form(
    n: list[int], data: st.DataObject, pool: int, cap: int
) -> None:
    # With floor 0 and unit 1: r = min(cap / max p, pool / sum(n p)).
    p = data.draw(st.lists(prices, min_size=len(n), max_size=len(n)))
    result = allocate_grants(n, pool=pool, cap=cap, rule="purchasing-power", price_levels=p)
    r = min(cap / max(p), pool / sum(ni * pi for ni, pi in zip(n, p, strict=True)))
    assert (result.target / np.asarray(p)).tolist() == pytest.approx([r] * len(n), rel=1e-9)


# --- need ------------------------------------------------------------------------------------


def test_need_is_proportional() -> None:
    # t * 1 + t * 3 = 40,000 -> t = 10,000: grants 10,000 and 30,000.
    result = allocate_grants([1, 1], pool=40_000, cap=100_000, rule="need", need=[1, 3])
    assert result.grants.tolist() == [10_000, 30_000]


def test_need_is_strict_at_the_cap_and_rounds_within_one_unit() -> None:
    # Cap 20,000 on need 3 stops t at 6,666.67: targets 6,666.67 and 20,000. Rounded down,
    # 26,666 is spent; region 1 may go up to 6,667 (one unit, 13,334 is left), so it does.
    result = allocate_grants([1, 1], pool=40_000, cap=20_000, rule="need", need=[1, 3])
    assert result.target.tolist() == pytest.approx([20_000 / 3, 20_000])
    assert result.grants.tolist() == [6_667, 20_000]
    assert result.leftover == 13_333


def test_need_zero_gets_the_floor() -> None:
    # Region 1 (need 0) gets the floor: 2 * 1,000. Region 2 shares 8,000 among 2: 4,000.
    result = allocate_grants([2, 2], pool=10_000, cap=9_000, floor=1_000, rule="need", need=[0, 1])
    assert result.grants.tolist() == [1_000, 4_000]


@settings(max_examples=60, deadline=None)
@given(
    n=st.lists(st.integers(1, 9), min_size=1, max_size=8),
    data=st.data(),
    pool=st.integers(1_000, 2_000_000),
    cap=st.integers(1_000, 80_000),
)
def test_need_lp_matches_closed_form(
    n: list[int], data: st.DataObject, pool: int, cap: int
) -> None:
    # With floor 0 and every need > 0: t = min(cap / max s, pool / sum(n s)).
    need = data.draw(st.lists(st.sampled_from([0.5, 1.0, 1.5, 2.0, 3.0]), min_size=len(n),
                              max_size=len(n)))  # fmt: skip
    result = allocate_grants(n, pool=pool, cap=cap, rule="need", need=need)
    t = min(cap / max(need), pool / sum(ni * si for ni, si in zip(n, need, strict=True)))
    assert (result.target / np.asarray(need)).tolist() == pytest.approx([t] * len(n), rel=1e-9)


@settings(max_examples=150, deadline=None)
@given(
    n=st.lists(st.integers(1, 4), min_size=1, max_size=4),
    data=st.data(),
    pool=st.integers(0, 40).map(lambda k: k * 250),
)
def test_purchasing_power_rounding_is_leximin_best_within_one_unit(
    n: list[int], data: st.DataObject, pool: int
) -> None:
    # Brute force over every rounding of the closed-form targets (down or up one unit of 500).
    p = data.draw(st.lists(prices, min_size=len(n), max_size=len(n)))
    cap = 3_000
    r = min(cap / max(p), pool / sum(ni * pi for ni, pi in zip(n, p, strict=True)))
    bounds = [snapped_floor_ceil(r * pi / 500) for pi in p]
    result = allocate_grants(
        n, pool=pool, cap=cap, unit=500, rule="purchasing-power", price_levels=p
    )
    best = brute_leximin(n, p, pool, [lo for lo, _ in bounds], [hi for _, hi in bounds], 500)
    assert leximin_key(result.grants.tolist(), p) == best


# --- maximin ---------------------------------------------------------------------------------


def test_maximin_rounding_is_leximin_not_one_unit_each() -> None:
    # n = (3, 1), equal prices, pool 3, unit 1. Continuous: 0.75 each. Both at 1 would cost 4,
    # so the smallest grant is 0; the fewest regions should sit there, and region 2 alone can
    # then take all 3: (0, 3) sorts as (0, 3), which beats (1, 0) -> (0, 1).
    result = allocate_grants([3, 1], pool=3, cap=10, rule="maximin", price_levels=[1.0, 1.0])
    assert result.grants.tolist() == [0, 3]
    assert result.target.tolist() == pytest.approx([0.75, 0.75])


def test_maximin_tie_between_price_levels_is_searched() -> None:
    # n = (3, 2), p = (1, 2), pool 10, unit 1, cap 6. All real grants >= 1 costs 3*1 + 2*2 = 7;
    # >= 1.5 costs 3*2 + 2*3 = 12 > 10; no real value lies strictly between, so the minimum
    # is 1, and one region stays there. Region 1 at 1 (3): region 2 gets 3 (real 1.5), 1 left.
    # Region 2 at 2 (real 1, costs 4): region 1 gets 2 (real 2). (1, 2) beats (1, 1.5).
    # Giving the unit to the cheaper tied region first would end at (1, 3).
    result = allocate_grants([3, 2], pool=10, cap=6, rule="maximin", price_levels=[1.0, 2.0])
    assert result.grants.tolist() == [2, 2]


@settings(max_examples=250, deadline=None)
@given(
    n=st.lists(st.integers(1, 4), min_size=1, max_size=3),
    data=st.data(),
    floor=st.sampled_from([0, 500, 700]),
    cap=st.sampled_from([1_500, 2_000, 2_600, 3_500]),
    extra=st.integers(0, 60).map(lambda k: k * 250),
)
def test_maximin_matches_brute_force(
    n: list[int], data: st.DataObject, floor: int, cap: int, extra: int
) -> None:
    # Every vector of unit multiples (500) between the floor (rounded up) and the cap is tried.
    p = data.draw(st.lists(prices, min_size=len(n), max_size=len(n)))
    low, high = math.ceil(floor / 500), cap // 500
    pool = low * 500 * sum(n) + extra
    result = allocate_grants(
        n, pool=pool, cap=cap, floor=floor, unit=500, rule="maximin", price_levels=p
    )
    best = brute_leximin(n, p, pool, [low] * len(n), [high] * len(n), 500)
    assert leximin_key(result.grants.tolist(), p) == best


@settings(max_examples=80, deadline=None)
@given(
    n=st.lists(st.integers(1, 9), min_size=1, max_size=10),
    data=st.data(),
    floor=st.integers(0, 10_000),
    cap=st.integers(10_000, 60_000),
    share=st.floats(0.0, 1.0),
)
def test_maximin_target_matches_water_filling(
    n: list[int], data: st.DataObject, floor: int, cap: int, share: float
) -> None:
    # The iterated LP against bisection on the clamp: on one budget both are the leximin.
    p = data.draw(st.lists(st.floats(0.2, 2.5), min_size=len(n), max_size=len(n)))
    pool = sum(n) * (floor + share * (cap - floor))
    result = allocate_grants(n, pool=pool, cap=cap, floor=floor, rule="maximin", price_levels=p)
    level = water_filling(n, p, pool, floor, cap)
    expected = [min(cap, max(floor, level * pi)) for pi in p]
    assert result.target.tolist() == pytest.approx(expected, rel=1e-6, abs=1e-6)


# --- properties of every rule ----------------------------------------------------------------


@st.composite
def scenarios(draw: st.DrawFn) -> dict[str, object]:
    """Feasible arguments for any rule, with distinct labels."""
    m = draw(st.integers(1, 8))
    n = draw(st.lists(st.integers(0, 6), min_size=m, max_size=m))
    unit = draw(st.sampled_from([1.0, 100.0, 500.0]))
    floor = draw(st.sampled_from([0.0, 250.0, 1_200.0, 5_000.0]))
    cap = draw(st.sampled_from([6_000.0, 12_345.0, 40_000.0, math.inf]))
    floor_applied = math.ceil(floor / unit) * unit
    pool = floor_applied * sum(n) + draw(st.floats(0.0, 300_000.0))
    return {
        "participants": n,
        "pool": pool,
        "cap": cap,
        "floor": floor,
        "unit": unit,
        "rule": draw(st.sampled_from(GRANT_RULES)),
        "price_levels": draw(st.lists(st.floats(0.2, 3.0), min_size=m, max_size=m)),
        "need": draw(st.lists(st.sampled_from([0.0, 0.5, 1.0, 2.5]), min_size=m, max_size=m)),
        "labels": [f"c{i}" for i in range(m)],
    }


def _allocate(args: dict[str, object]) -> GrantAllocation:
    if args["rule"] == "need" and not any(
        s > 0 and k > 0
        for s, k in zip(args["need"], args["participants"], strict=True)  # type: ignore[call-overload]
    ):
        args = {**args, "need": [1.0] * len(args["participants"])}  # type: ignore[arg-type]
    return allocate_grants(**args)  # type: ignore[arg-type]


@settings(max_examples=200, deadline=None)
@given(args=scenarios())
def test_spend_bounds_and_units_hold(args: dict[str, object]) -> None:
    result = _allocate(args)
    n = np.asarray(args["participants"])
    active = n > 0
    grants = result.grants
    assert result.spent <= result.pool
    assert result.leftover >= 0
    assert result.spent + result.leftover == pytest.approx(result.pool, rel=1e-12, abs=1e-6)
    assert float((n * grants).sum()) == pytest.approx(result.spent, rel=1e-12)
    assert (grants[active] >= args["floor"]).all()  # type: ignore[operator]
    assert (grants[active] <= args["cap"]).all()  # type: ignore[operator]
    assert (grants[~active] == 0).all()
    units = grants / result.unit
    assert (units == np.round(units)).all()


@settings(max_examples=150, deadline=None)
@given(args=scenarios(), seed=st.integers(0, 2**32 - 1))
def test_permuting_regions_permutes_grants(args: dict[str, object], seed: int) -> None:
    result = _allocate(args)
    order = np.random.default_rng(seed).permutation(len(args["participants"]))  # type: ignore[arg-type]
    shuffled = {
        key: [value[i] for i in order] if isinstance(value, list) else value
        for key, value in args.items()
    }
    again = _allocate(shuffled)
    assert again.grants.tolist() == result.grants[order].tolist()


@settings(max_examples=150, deadline=None)
@given(args=scenarios())
def test_maximin_keeps_no_unit_it_could_hand_out(args: dict[str, object]) -> None:
    result = _allocate({**args, "rule": "maximin"})
    n = np.asarray(args["participants"])
    room = (n > 0) & (result.grants + result.unit <= result.cap)
    assert (n[room] * result.unit > result.leftover).all()


@settings(max_examples=150, deadline=None)
@given(args=scenarios())
def test_proportional_rules_stay_within_a_unit_of_target(args: dict[str, object]) -> None:
    for rule in ("purchasing-power", "need"):
        result = _allocate({**args, "rule": rule})
        gap = np.abs(result.grants - result.target)
        assert (gap < result.unit * (1 + 1e-9)).all()


# --- infeasibility ---------------------------------------------------------------------------

EIGHTY = [10] * 8  # 80 participants in 8 regions


def test_floors_above_pool_say_what_would_fit() -> None:
    # 80 * 30,000 = 2,400,000 > 2,100,000: short by 300,000. Floor that fits: 2,100,000 / 80
    # = 26,250. Seats: 70 * 30,000 = 2,100,000 fits, 71 * 30,000 = 2,130,000 does not: cut 10.
    with pytest.raises(GrantInfeasible) as caught:
        allocate_grants(EIGHTY, pool=2_100_000, cap=50_000, floor=30_000)
    error = caught.value
    assert error.conflicts == [
        "floors of USD 30,000 for 80 participants need USD 2,400,000 "
        "but the grant pool is USD 2,100,000"
    ]
    assert error.remedies == [
        "raise the total budget by USD 300,000",
        "lower the floor to USD 26,250",
        "cut 10 seats (80 -> 70)",
    ]
    assert str(error).endswith("or cut 10 seats (80 -> 70)")


def test_contingency_and_seat_costs_change_the_remedies() -> None:
    # Contingency 25%: each budget dollar adds 0.75 to the pool, 300,000 / 0.75 = 400,000.
    # Seat costs 5,000: a cut seat frees 35,000. 9 cuts: 71 * 30,000 = 2,130,000 <=
    # 2,100,000 + 45,000; 8 cuts: 72 * 30,000 = 2,160,000 > 2,140,000.
    with pytest.raises(GrantInfeasible) as caught:
        allocate_grants(
            EIGHTY, pool=2_100_000, cap=50_000, floor=30_000,
            contingency_share=0.25, cost_per_participant=5_000,
        )  # fmt: skip
    assert caught.value.remedies == [
        "raise the total budget by USD 400,000",
        "lower the floor to USD 26,250",
        "cut 9 seats (80 -> 71)",
    ]


def test_remedies_are_just_enough() -> None:
    # Each remedy makes the split feasible; one dollar or one seat less does not.
    assert not check_grants_feasible([10] * 7, pool=2_100_000, cap=50_000, floor=30_000)  # 70
    assert check_grants_feasible([10] * 7 + [1], pool=2_100_000, cap=50_000, floor=30_000)  # 71
    assert not check_grants_feasible(EIGHTY, pool=2_400_000, cap=50_000, floor=30_000)
    assert check_grants_feasible(EIGHTY, pool=2_399_999, cap=50_000, floor=30_000)
    assert not check_grants_feasible(EIGHTY, pool=2_100_000, cap=50_000, floor=26_250)
    assert check_grants_feasible(EIGHTY, pool=2_100_000, cap=50_000, floor=26_251)


def test_floor_above_cap() -> None:
    with pytest.raises(GrantInfeasible) as caught:
        allocate_grants([1], pool=10_000, cap=4_000, floor=5_000)
    assert caught.value.conflicts == ["the floor USD 5,000 is above the cap USD 4,000"]
    assert caught.value.remedies == ["lower the floor to USD 4,000", "raise the cap to USD 5,000"]


def test_floor_above_cap_only_after_rounding_to_units() -> None:
    # Floor 1,200 rounds up to 1,500, cap 1,400 down to 1,000.
    problems = check_grants_feasible([1], pool=10_000, cap=1_400, floor=1_200, unit=500)
    assert problems == [
        "in units of USD 500 the floor USD 1,200 rounds up to USD 1,500 and the cap USD 1,400 "
        "down to USD 1,000: lower the floor to USD 1,000, raise the cap to USD 1,500, "
        "or use a smaller unit"
    ]


def test_negative_pool() -> None:
    # Pool -5,000 and 3 floors of 100: short by 5,300. Cutting all 3 seats frees only
    # 3 * (100 + 200) = 900, so no seat cut is offered.
    with pytest.raises(GrantInfeasible) as caught:
        allocate_grants([1, 2], pool=-5_000, cap=1_000, floor=100, cost_per_participant=200)
    assert "USD -5,000" in caught.value.conflicts[0]
    assert caught.value.remedies == [
        "raise the total budget by USD 5,300",
        "cut costs by USD 5,300",
    ]


def test_bad_price_levels_name_the_region() -> None:
    with pytest.raises(ValueError, match=r"price_levels\[1\] \(KE\) = 0") as caught:
        allocate_grants(
            [1, 2, 0], pool=1_000, cap=1_000, rule="maximin", price_levels=[0.5, 0.0, 0.0],
            labels=["NG", "KE", "GH"],
        )  # fmt: skip
    assert "GH" not in str(caught.value)  # no participants there, so its level does not matter
    assert not isinstance(caught.value, GrantInfeasible)
    with pytest.raises(ValueError, match="needs price_levels"):
        allocate_grants([1], pool=1_000, cap=1_000, rule="purchasing-power")


def test_bad_need_scores() -> None:
    with pytest.raises(ValueError, match="needs need"):
        allocate_grants([1], pool=1_000, cap=1_000, rule="need")
    with pytest.raises(ValueError, match=r"need\[0\] \(region 1\) = nan"):
        allocate_grants([1, 1], pool=1_000, cap=1_000, rule="need", need=[math.nan, 1])
    with pytest.raises(ValueError, match="all 0"):
        allocate_grants([1, 1], pool=1_000, cap=1_000, rule="need", need=[0, 0])


@pytest.mark.parametrize(
    ("kwargs", "fragment"),
    [
        ({"rule": "random"}, "rule must be one of equal, purchasing-power, need, maximin"),
        ({"participants": [1, -1]}, r"participants\[1\] = -1"),
        ({"participants": [1.5]}, r"participants\[0\] = 1.5"),
        ({"unit": 0.0}, "unit must be"),
        ({"labels": ["a", "a"]}, "labels must be distinct"),
        ({"labels": ["a"]}, "labels has 1 entries"),
        ({"contingency_share": 1.0}, "contingency_share"),
        ({"pool": math.nan}, "pool must be"),
    ],
)
def test_malformed_arguments_are_named(kwargs: dict[str, object], fragment: str) -> None:
    args: dict[str, object] = {"participants": [1, 1], "pool": 1_000.0, "cap": 1_000.0, **kwargs}
    with pytest.raises(ValueError, match=fragment):
        allocate_grants(**args)  # type: ignore[arg-type]
    assert any(fragment.replace("\\", "") in p for p in check_grants_feasible(**args))  # type: ignore[arg-type]


def test_check_is_empty_when_feasible() -> None:
    assert check_grants_feasible([3, 4], pool=10_000, cap=2_000, floor=1_000) == []


# --- the result ------------------------------------------------------------------------------


def test_result_frame_and_immutability() -> None:
    result = allocate_grants(
        [2, 0, 1], pool=9_000, cap=5_000, rule="purchasing-power", price_levels=[0.5, 9.0, 1.0],
        labels=["a", "b", "c"],
    )  # fmt: skip
    # r * (2 * 0.5 + 1 * 1.0) = 9,000 -> r = 4,500: a gets 2,250, c 4,500.
    frame = result.to_frame()
    assert frame.columns.tolist() == ["region", "participants", "grant", "grant_real", "total"]
    assert frame["grant"].tolist() == [2_250, 0, 4_500]
    assert frame["grant_real"].tolist() == [4_500, 0, 4_500]
    assert frame["total"].tolist() == [4_500, 0, 4_500]
    with pytest.raises(dataclasses.FrozenInstanceError):
        result.rule = "equal"  # type: ignore[misc]
    with pytest.raises(ValueError, match="read-only"):
        result.grants[0] = 1.0
