"""Tests for planning.apportion.

Three kinds of evidence, as STYLE.md asks:
- hand-worked and published results (the working is in the comments);
- independent implementations written here with exact fractions: brute force over every
  seat vector, a heap-based one-seat-at-a-time "highest averages" run, a plain
  sorted-remainder Hamilton, and bounded quotas found by interpolating between breakpoints;
- hypothesis properties: seats sum to the total, bounds hold, permuting regions permutes
  the seats, divisor methods are house-monotone, Hamilton stays within quota.
"""

from __future__ import annotations

import heapq
import itertools
import math
from collections.abc import Sequence
from fractions import Fraction

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from planning.apportion import (
    METHODS,
    TIE_RULE,
    Apportionment,
    ApportionmentError,
    apportion,
    canonical_method,
    method_names,
)

DIVISOR_METHODS = ["jefferson", "webster", "huntington-hill", "adams", "dean"]
ALL_METHODS = ["hamilton", *DIVISOR_METHODS]

Caps = list[int | None]

# ---------------------------------------------------------------------------------------------
# Independent reference implementations (exact, slow, obvious)
# ---------------------------------------------------------------------------------------------


def claim(method: str, weight: float, held: int) -> tuple[int, Fraction]:
    """Exact priority of a region holding `held` seats for one more: w / d(held).

    (1, 0) stands for an infinite priority (d(0) = 0). Huntington-Hill's signpost
    sqrt(s(s+1)) is irrational, so its claims are compared squared: w^2 / (s(s+1)).
    """
    w = Fraction(weight)
    if method == "jefferson":
        return (0, w / (held + 1))
    if method == "webster":
        return (0, w / (held + Fraction(1, 2)))
    if held == 0:
        return (1, Fraction(0)) if w > 0 else (0, Fraction(0))
    if method == "adams":
        return (0, w / held)
    if method == "huntington-hill":
        return (0, w * w / (held * (held + 1)))
    assert method == "dean"
    return (0, w / (Fraction(held * (held + 1)) / (held + Fraction(1, 2))))


def heap_apportion(
    method: str,
    weights: Sequence[float],
    seats: int,
    floors: Sequence[int] | None = None,
    caps: Sequence[int | None] | None = None,
) -> list[int]:
    """Sequential highest averages with a priority queue: start at the floors, give each seat
    to the best claim (ties: larger weight, then lower index), skip regions at their cap.
    Zero-weight regions never claim."""
    n = len(weights)
    held = list(floors) if floors is not None else [0] * n
    limit = list(caps) if caps is not None else [None] * n
    heap: list[tuple[tuple[int, Fraction], float, int]] = []

    def push(i: int) -> None:
        if weights[i] > 0 and (limit[i] is None or held[i] < limit[i]):
            flag, value = claim(method, weights[i], held[i])
            heapq.heappush(heap, ((-flag, -value), -weights[i], i))

    for i in range(n):
        push(i)
    for _ in range(seats - sum(held)):
        _, _, i = heapq.heappop(heap)
        held[i] += 1
        push(i)
    return held


def divisor_criterion_holds(
    method: str,
    weights: Sequence[float],
    seats: Sequence[int],
    floors: Sequence[int],
    caps: Sequence[int | None],
) -> bool:
    """The defining property of a (bounded) divisor method: some divisor D rounds every
    region to its seats, i.e. the weakest claim that won a seat above a floor is at least
    the strongest claim (of a region with weight and room) that did not."""
    won = [
        claim(method, w, s - 1)
        for w, s, f in zip(weights, seats, floors, strict=True)
        if s > f and w > 0
    ]
    if any(s > f for w, s, f in zip(weights, seats, floors, strict=True) if w == 0):
        return False  # zero weight gets its floor only
    lost = [
        claim(method, w, s)
        for w, s, c in zip(weights, seats, caps, strict=True)
        if w > 0 and (c is None or s < c)
    ]
    return not won or not lost or min(won) >= max(lost)


def bounded_quotas_reference(
    weights: Sequence[float], seats: int, floors: Sequence[int], caps: Sequence[int | None]
) -> list[Fraction]:
    """Q_i = clamp(lam * w_i, floor_i, cap_i) summing to `seats`, found by evaluating the
    piecewise-linear sum at every breakpoint and interpolating on the segment that crosses."""
    ws = [Fraction(w) for w in weights]
    tops = [
        Fraction(f) if w == 0 else Fraction(seats if c is None else c)
        for w, f, c in zip(ws, floors, caps, strict=True)
    ]
    bottoms = [Fraction(f) for f in floors]

    def placed(lam: Fraction) -> Fraction:
        return sum(
            (min(max(lam * w, b), t) for w, b, t in zip(ws, bottoms, tops, strict=True)),
            Fraction(0),
        )

    points = {Fraction(0)}
    for w, b, t in zip(ws, bottoms, tops, strict=True):
        if w > 0:
            points |= {b / w, t / w}
    ordered = sorted(points)
    lam = ordered[0]
    if placed(lam) < seats:
        for left, right in itertools.pairwise(ordered):
            low, high = placed(left), placed(right)
            if low <= seats <= high:
                lam = left if high == low else left + (seats - low) * (right - left) / (high - low)
                break
    return [min(max(lam * w, b), t) for w, b, t in zip(ws, bottoms, tops, strict=True)]


def hamilton_reference(
    weights: Sequence[float],
    seats: int,
    floors: Sequence[int] | None = None,
    caps: Sequence[int | None] | None = None,
) -> list[int]:
    """Whole parts of the (bounded) quotas, then the leftover seats to the largest remainders
    (ties: larger weight, then lower index), among regions below their cap."""
    n = len(weights)
    floors = list(floors) if floors is not None else [0] * n
    caps = list(caps) if caps is not None else [None] * n
    quotas = bounded_quotas_reference(weights, seats, floors, caps)
    base = [math.floor(q) for q in quotas]
    remainder = [q - b for q, b in zip(quotas, base, strict=True)]
    open_regions = [i for i in range(n) if caps[i] is None or base[i] < caps[i]]
    ranked = sorted(open_regions, key=lambda i: (-remainder[i], -weights[i], i))
    for i in ranked[: seats - sum(base)]:
        base[i] += 1
    return base


# ---------------------------------------------------------------------------------------------
# Strategies
# ---------------------------------------------------------------------------------------------

weights_strategy = st.one_of(
    st.integers(0, 60).map(float),  # small integers: plenty of exact ties
    st.floats(1e-3, 1e9),
)


@st.composite
def problems(
    draw: st.DrawFn, max_regions: int = 6, max_spare: int = 25, bounded: bool = True
) -> tuple[list[float], int, list[int], Caps]:
    """A feasible (weights, seats, floors, caps)."""
    n = draw(st.integers(1, max_regions))
    weights = draw(st.lists(weights_strategy, min_size=n, max_size=n))
    if bounded:
        floors = draw(st.lists(st.integers(0, 3), min_size=n, max_size=n))
        caps: Caps = [
            draw(st.one_of(st.none(), st.integers(0, 6).map(lambda extra, f=f: f + extra)))
            for f in floors
        ]
    else:
        floors, caps = [0] * n, [None] * n
    if any(w > 0 and c is None for w, c in zip(weights, caps, strict=True)):
        room = max_spare
    else:
        room = sum(
            c - f for w, f, c in zip(weights, floors, caps, strict=True) if w > 0 and c is not None
        )
    spare = draw(st.integers(0, min(room, max_spare)))
    return weights, sum(floors) + spare, floors, caps


def seats_of(result: Apportionment) -> list[int]:
    return [int(s) for s in result.seats]


# ---------------------------------------------------------------------------------------------
# Hand-worked and published examples
# ---------------------------------------------------------------------------------------------

# The standard four-party example: votes A 100,000, B 80,000, C 30,000, D 20,000; 8 seats.
FOUR_PARTIES = [100_000.0, 80_000.0, 30_000.0, 20_000.0]


def test_dhondt_four_party_example() -> None:
    # Quotients w/1, w/2, w/3, ...:
    #   A 100,000  50,000  33,333  25,000  20,000
    #   B  80,000  40,000  26,667  20,000
    #   C  30,000  15,000
    #   D  20,000  10,000
    # The 8 largest: 100k A, 80k B, 50k A, 40k B, 33.3k A, 30k C, 26.7k B, 25k A
    # -> A 4, B 3, C 1, D 0. Seat 9 is a tie at 20,000 (A's fifth, B's fourth, D's first);
    # the tie rule (larger weight first) puts A next in line.
    result = apportion(FOUR_PARTIES, 8, "dhondt")
    assert seats_of(result) == [4, 3, 1, 0]
    assert result.last_seat == 0  # the 25,000 quotient
    assert result.next_in_line == 0
    assert result.divisor_interval == (20_000.0, 25_000.0)
    assert 20_000 <= result.divisor < 25_000
    assert result.ties == ()  # the 20,000 tie is below the cut, it decided no seat


def test_sainte_lague_four_party_example() -> None:
    # Quotients w/0.5, w/1.5, w/2.5, w/3.5:
    #   A 200,000  66,667  40,000  28,571
    #   B 160,000  53,333  32,000  22,857
    #   C  60,000  20,000
    #   D  40,000  13,333
    # The 8 largest: 200k A, 160k B, 66.7k A, 60k C, 53.3k B, 40k A, 40k D, 32k B
    # -> A 3, B 3, C 1, D 1 (the 40k tie is inside the winners); next is A's 28,571.
    result = apportion(FOUR_PARTIES, 8, "sainte-lague")
    assert seats_of(result) == [3, 3, 1, 1]
    assert result.last_seat == 1
    assert result.next_in_line == 0


def test_hamilton_four_party_example() -> None:
    # Hare quota 230,000 / 8 = 28,750. Quotas 3.478, 2.783, 1.043, 0.696: whole parts
    # 3 + 2 + 1 + 0 = 6, the 2 left go to the largest remainders .783 (B) and .696 (D).
    result = apportion(FOUR_PARTIES, 8, "hamilton")
    assert seats_of(result) == [3, 3, 1, 1]
    assert result.divisor == pytest.approx(28_750.0)
    assert result.last_seat == 3  # D's .696 is the smaller winning remainder
    assert result.next_in_line == 0  # A's .478 is the best remainder left
    assert result.quotas == pytest.approx([800 / 230, 640 / 230, 240 / 230, 160 / 230])
    assert result.exact_quotas() == [Fraction(80, 23), Fraction(64, 23), Fraction(24, 23),
                                     Fraction(16, 23)]  # fmt: skip


def test_divisor_methods_disagree_as_worked() -> None:
    # Weights 13, 4, 1; 7 seats.
    # Jefferson d=s+1: A 13 6.5 4.33 3.25 2.6 2.17 1.86 | B 4 2 | C 1
    #   top 7 = A x6 (down to 2.17) and B's 4 -> (6, 1, 0)
    # Webster d=s+1/2: A 26 8.67 5.2 3.71 2.89 2.36 | B 8 2.67 1.6 | C 2
    #   top 7 = 26 A, 8.67 A, 8 B, 5.2 A, 3.71 A, 2.89 A, 2.67 B -> (5, 2, 0)
    # Huntington-Hill: everyone's first seat (d(0)=0), then w/sqrt(s(s+1)) for 4 more:
    #   A 9.19 5.31 3.75 2.91 | B 2.83 | C 0.71 -> A takes all 4 -> (5, 1, 1)
    # Dean d(s)=s(s+1)/(s+1/2) = 1.333, 2.4, 3.429: after first seats
    #   A 9.75 5.42 3.79 | B 3.0 -> A, A, A, B -> (4, 2, 1)
    # Adams d(s)=s: after first seats A 13 6.5 4.33 | B 4 -> A, A, A, B -> (4, 2, 1)
    # Hamilton: quotas 5.056, 1.556, 0.389 -> 5 + 1 + 0, one left to B (.556) -> (5, 2, 0)
    expected = {
        "jefferson": [6, 1, 0],
        "webster": [5, 2, 0],
        "huntington-hill": [5, 1, 1],
        "dean": [4, 2, 1],
        "adams": [4, 2, 1],
        "hamilton": [5, 2, 0],
    }
    for method, seats in expected.items():
        assert seats_of(apportion([13, 4, 1], 7, method)) == seats, method


def test_adams_and_dean_differ_as_worked() -> None:
    # Weights 11, 4, 1; 6 seats; both give everyone a first seat, 3 seats remain.
    # Adams d(s)=s:      A 11 5.5 3.67 | B 4 2   -> A, A, B       -> (3, 2, 1)
    # Dean d(1)=4/3, d(2)=2.4, d(3)=24/7:
    #                    A 8.25 4.58 3.21 | B 3.0 -> A, A, A       -> (4, 1, 1)
    assert seats_of(apportion([11, 4, 1], 6, "adams")) == [3, 2, 1]
    assert seats_of(apportion([11, 4, 1], 6, "dean")) == [4, 1, 1]


# Apportionment population of the 1790 census and the House of Representatives apportioned
# by the Act of 1792 (Jefferson's method, one member per 33,000), as published in Balinski &
# Young, "Fair Representation" (2nd ed., 2001), and the US Census Bureau's apportionment
# history. The populations sum to the published total of 3,615,920 (checked below).
CENSUS_1790 = {
    "Connecticut": (236_841, 7),
    "Delaware": (55_540, 1),
    "Georgia": (70_835, 2),
    "Kentucky": (68_705, 2),
    "Maryland": (278_514, 8),
    "Massachusetts": (475_327, 14),
    "New Hampshire": (141_822, 4),
    "New Jersey": (179_570, 5),
    "New York": (331_589, 10),
    "North Carolina": (353_523, 10),
    "Pennsylvania": (432_879, 13),
    "Rhode Island": (68_446, 2),
    "South Carolina": (206_236, 6),
    "Vermont": (85_533, 2),
    "Virginia": (630_560, 19),
}


def test_jefferson_reproduces_the_1792_house() -> None:
    populations = [float(p) for p, _ in CENSUS_1790.values()]
    assert sum(populations) == 3_615_920
    result = apportion(populations, 105, "jefferson", labels=list(CENSUS_1790))
    assert seats_of(result) == [s for _, s in CENSUS_1790.values()]
    low, high = result.divisor_interval
    assert low <= 33_000 < high  # the Act's ratio of one member per 33,000 is a divisor


def test_alabama_paradox_for_hamilton() -> None:
    # Weights 6, 6, 2 (total 14).
    # 10 seats: quotas 4.286, 4.286, 1.429 -> 4 + 4 + 1 = 9, one left: C's .429 beats .286
    #   -> (4, 4, 2)
    # 11 seats: quotas 4.714, 4.714, 1.571 -> 4 + 4 + 1 = 9, two left: A and B (.714 > .571)
    #   -> (5, 5, 1): C loses a seat although the house grew.
    assert seats_of(apportion([6, 6, 2], 10, "hamilton")) == [4, 4, 2]
    assert seats_of(apportion([6, 6, 2], 11, "hamilton")) == [5, 5, 1]


def test_jefferson_exceeds_the_upper_quota() -> None:
    # Weights 880, 60, 60; 10 seats. A's quota is 8.8 (upper quota 9).
    # D'Hondt: A's tenth quotient 880/10 = 88 still beats B's and C's first, 60,
    # so A takes all 10 seats: above its upper quota.
    result = apportion([880, 60, 60], 10, "jefferson", labels=["A", "B", "C"])
    assert seats_of(result) == [10, 0, 0]
    assert [(v.region, v.kind, v.lower, v.upper) for v in result.quota_violations] == [
        (0, "above upper quota", 8, 9)
    ]
    assert apportion([880, 60, 60], 10, "hamilton").quota_violations == ()


def test_adams_falls_below_the_lower_quota() -> None:
    # Weights 90, 5, 5; 10 seats; A's quota is 9. Adams gives B and C a first seat each, then
    # A's claims 90/1 ... 90/7 = 12.9 all beat B's and C's 5/1 = 5: A gets 1 + 7 = 8 < 9.
    result = apportion([90, 5, 5], 10, "adams")
    assert seats_of(result) == [8, 1, 1]
    assert [(v.region, v.kind) for v in result.quota_violations] == [(0, "below lower quota")]


def test_ties_are_broken_by_weight_then_index_and_reported() -> None:
    # D'Hondt, weights 2 and 1, 2 seats: first seat A (2/1 = 2); then A's 2/2 = 1 ties
    # B's 1/1 = 1; the larger weight (A) wins.
    result = apportion([2, 1], 2, "jefferson")
    assert seats_of(result) == [2, 0]
    assert len(result.ties) == 1
    assert result.ties[0].regions == (0, 1)
    assert result.ties[0].winners == (0,)
    assert result.ties[0].rule == TIE_RULE
    # Equal weights, 2 seats for 3 regions: a three-way tie, lower index first.
    for method in ALL_METHODS:
        even = apportion([5, 5, 5], 2, method)
        assert seats_of(even) == [1, 1, 0], method
        assert [(t.regions, t.seats, t.winners) for t in even.ties] == [((0, 1, 2), 2, (0, 1))]
    # Hamilton, weights 60, 30, 10 and 4 seats: quotas 2.4, 1.2, 0.4; whole parts 2 + 1 + 0;
    # the last seat is an exact tie between A's and C's remainders of 0.4 (2.4 is not exact
    # in binary, so only exact arithmetic sees the tie); A, the larger, gets it.
    hamilton = apportion([60, 30, 10], 4, "hamilton")
    assert seats_of(hamilton) == [3, 1, 0]
    assert [(t.regions, t.winners) for t in hamilton.ties] == [((0, 2), (0,))]


def test_bounds_worked_example() -> None:
    # Weights 50, 30, 20, 0; 10 seats; floors 0, 4, 0, 1; caps 4, -, -, 3.
    # Bounded quotas: D (weight 0) keeps its floor 1. With A and C free and B at its floor:
    #   50 lam + 4 + 20 lam = 9  ->  lam = 1/14: A 3.571 (< cap 4), B 2.143 -> floor 4, C 1.429.
    # Hamilton: 3 + 4 + 1 + 1 = 9, the last seat to A (.571 > .429) -> (4, 4, 1, 1).
    # Adams from the floors (0, 4, 0, 1): first seats for A and C (infinite priority), then
    #   A 50/1 = 50, A 50/2 = 25, then C 20/1 = 20 beats A 50/3 = 16.7 -> (3, 4, 2, 1).
    # D'Hondt from the floors: A 50, A 25, C 20, A 16.7, A 12.5 (cap reached) -> (4, 4, 1, 1).
    args = {"floors": [0, 4, 0, 1], "caps": [4, None, None, 3]}
    hamilton = apportion([50, 30, 20, 0], 10, "hamilton", **args)
    assert seats_of(hamilton) == [4, 4, 1, 1]
    assert hamilton.bounded_quotas == pytest.approx([50 / 14, 4, 20 / 14, 1])
    assert seats_of(apportion([50, 30, 20, 0], 10, "adams", **args)) == [3, 4, 2, 1]
    assert seats_of(apportion([50, 30, 20, 0], 10, "dhondt", **args)) == [4, 4, 1, 1]


def test_zero_weights_get_their_floor_only() -> None:
    # Huntington-Hill, weights 0, 3, 1, 4 seats: B and C get first seats, then B's
    # 3/sqrt(2) = 2.12 and 3/sqrt(6) = 1.22 beat C's 1/sqrt(2) = 0.71 -> (0, 3, 1).
    assert seats_of(apportion([0, 3, 1], 4, "huntington-hill")) == [0, 3, 1]
    for method in ALL_METHODS:
        result = apportion([0, 3, 1], 6, method, floors=[2, 0, 0])
        assert result.seats[0] == 2, method


# ---------------------------------------------------------------------------------------------
# Names, registry, errors
# ---------------------------------------------------------------------------------------------


def test_registry_and_aliases() -> None:
    assert method_names() == list(METHODS) == ALL_METHODS
    for alias, name in [
        ("D'Hondt", "jefferson"),
        ("dhondt", "jefferson"),
        ("Sainte-Laguë", "webster"),
        ("sainte_lague", "webster"),
        ("Huntington Hill", "huntington-hill"),
        ("largest remainder", "hamilton"),
        ("ADAMS", "adams"),
    ]:
        assert canonical_method(alias) == name
    with pytest.raises(ApportionmentError, match="choose one of hamilton") as caught:
        canonical_method("borda")
    assert caught.value.field == "method"
    for name in ALL_METHODS:
        via_registry = METHODS[name](FOUR_PARTIES, 8)
        assert seats_of(via_registry) == seats_of(apportion(FOUR_PARTIES, 8, name))
        assert via_registry.method == name


@pytest.mark.parametrize(
    ("kwargs", "field", "message"),
    [
        ({"floors": [50, 42]}, "floors", "floors sum to 92 but only 80 seats: lower floors by 12 "
         "or add 12 seats"),
        ({"caps": [30, 40]}, "caps", "caps sum to 70 but 80 seats must be placed: raise caps by "
         "10 or remove 10 seats"),
        ({"floors": [5, 0], "caps": [4, None]}, "floors[0]", "floor 5 is above cap 4"),
        ({"weights": [1.0, -2.0]}, "weights[1]", "is -2.0"),
        ({"weights": [1.0, math.nan]}, "weights[1]", "is nan"),
        ({"weights": [math.inf, 1.0]}, "weights[0]", "is inf"),
        ({"weights": [0.0, 0.0]}, "weights", "every weight is zero"),
        ({"weights": [0.0, 1.0], "caps": [None, 70]}, "caps", "only 70 of 80 seats"),
        ({"weights": []}, "weights", "is empty"),
        ({"seats": 80.0}, "seats", "must be a whole number"),
        ({"seats": -1}, "seats", "below zero"),
        ({"seats": True}, "seats", "must be a whole number"),
        ({"floors": [1.5, 0]}, "floors[0]", "is 1.5"),
        ({"caps": [-1, None]}, "caps[0]", "is -1"),
        ({"labels": ["only one"]}, "labels", "has 1 entries"),
        ({"floors": [1]}, "floors", "has 1 entries"),
    ],
)  # fmt: skip
def test_bad_input_names_the_field_and_the_fix(
    kwargs: dict[str, object], field: str, message: str
) -> None:
    args: dict[str, object] = {"weights": [1.0, 2.0], "seats": 80, "method": "webster", **kwargs}
    with pytest.raises(ApportionmentError) as caught:
        apportion(**args)  # type: ignore[arg-type]
    assert caught.value.field == field
    assert message in str(caught.value)
    assert isinstance(caught.value, ValueError)


def test_weights_too_far_apart_are_refused() -> None:
    # Rescaled to a common power of two, a ratio beyond 2**-1000 would underflow.
    with pytest.raises(ApportionmentError, match="1e300 times smaller") as caught:
        apportion([1e9, 1e-300], 3)
    assert caught.value.field == "weights[1]"
    # Tiny and huge weights alike are fine on their own: only ratios matter.
    tiny = apportion([3e-300, 1e-300], 4, "webster")
    huge = apportion([3e300, 1e300], 4, "webster")
    assert seats_of(tiny) == seats_of(huge) == [3, 1]  # quotas 3 and 1 exactly


def test_error_names_the_label() -> None:
    with pytest.raises(ApportionmentError, match=r"weights\[1\] \('Kenya'\)"):
        apportion([1.0, -1.0], 3, labels=["Nigeria", "Kenya"])


def test_all_zero_weights_with_seats_only_at_floors_is_fine() -> None:
    result = apportion([0.0, 0.0], 3, "webster", floors=[1, 2])
    assert seats_of(result) == [1, 2]
    assert result.quotas.tolist() == [0.0, 0.0]


def test_pandas_columns_are_accepted_and_inputs_left_alone() -> None:
    import pandas as pd

    table = pd.DataFrame(
        {
            "weight": [5.0, 3.0, 2.0],
            "floor": [1, 0, 0],
            "cap": pd.array([None, 2, None], dtype="Int64"),  # <NA>: no cap
        },
        index=["a", "b", "c"],
    )
    # Webster from floors (1, 0, 0), cap 2 on b, 7 seats: claims w/(s + 1/2) are
    # a 5/1.5 = 3.33, 5/2.5 = 2, 5/3.5 = 1.43 | b 3/0.5 = 6, 3/1.5 = 2 | c 2/0.5 = 4, 2/1.5 = 1.33.
    # The 6 seats above the floors: 6 b, 4 c, 3.33 a, then 2 (a) and 2 (b) tie -> a, the
    # larger weight, then b (reaching its cap), then a's 1.43 beats c's 1.33 -> (4, 2, 1).
    result = apportion(
        table["weight"], 7, "webster", floors=table["floor"], caps=table["cap"],
        labels=table.index,
    )  # fmt: skip
    assert seats_of(result) == [4, 2, 1]
    weights = np.array([5.0, 3.0, 2.0])
    apportion(weights, 7, "webster")
    weights[0] = 6.0  # still the caller's, still writable
    assert result.weights.tolist() == [5.0, 3.0, 2.0]


def test_result_is_read_only_and_explains_itself() -> None:
    result = apportion(FOUR_PARTIES, 8, "dhondt", labels=["A", "B", "C", "D"], caps=[None] * 4)
    with pytest.raises(ValueError, match="read-only"):
        result.seats[0] = 9
    lines = result.explain()
    assert any("last seat went to A" in line for line in lines)
    assert any("Next in line for one more seat: A" in line for line in lines)
    frame = result.to_frame()
    assert list(frame.columns) == [
        "region", "weight", "quota", "seats", "floor", "cap", "margin_gain", "margin_lose",
    ]  # fmt: skip
    assert frame["seats"].tolist() == [4, 3, 1, 0]
    assert frame["cap"].isna().all()
    assert "margin_gain" not in result.to_frame(margins=False).columns


def test_tie_is_explained() -> None:
    lines = apportion([2, 1], 2, "jefferson", labels=["A", "B"]).explain()
    assert any("Exact tie between A, B" in line and TIE_RULE in line for line in lines)


# ---------------------------------------------------------------------------------------------
# Differential tests against the independent implementations
# ---------------------------------------------------------------------------------------------


@settings(max_examples=300, deadline=None)
@given(problem=problems(max_regions=4, max_spare=7), method=st.sampled_from(DIVISOR_METHODS))
def test_brute_force_divisor_criterion(
    problem: tuple[list[float], int, list[int], Caps], method: str
) -> None:
    weights, seats, floors, caps = problem
    result = seats_of(apportion(weights, seats, method, floors=floors, caps=caps))
    assert divisor_criterion_holds(method, weights, result, floors, caps)
    ranges = [
        range(f, (seats if c is None else min(c, seats)) + 1)
        for f, c in zip(floors, caps, strict=True)
    ]
    passing = [
        list(vector)
        for vector in itertools.product(*ranges)
        if sum(vector) == seats and divisor_criterion_holds(method, weights, vector, floors, caps)
    ]
    assert result in passing
    if len(passing) == 1:  # no tie: the criterion alone fixes the answer
        assert result == passing[0]


@settings(max_examples=400, deadline=None)
@given(problem=problems(max_regions=8, max_spare=40), method=st.sampled_from(DIVISOR_METHODS))
def test_divisor_methods_match_heap_reference(
    problem: tuple[list[float], int, list[int], Caps], method: str
) -> None:
    weights, seats, floors, caps = problem
    result = apportion(weights, seats, method, floors=floors, caps=caps)
    assert seats_of(result) == heap_apportion(method, weights, seats, floors, caps)


@settings(max_examples=400, deadline=None)
@given(problem=problems(max_regions=8, max_spare=40))
def test_hamilton_matches_sorted_remainder_reference(
    problem: tuple[list[float], int, list[int], Caps],
) -> None:
    weights, seats, floors, caps = problem
    result = apportion(weights, seats, "hamilton", floors=floors, caps=caps)
    assert seats_of(result) == hamilton_reference(weights, seats, floors, caps)


@settings(max_examples=200, deadline=None)
@given(problem=problems(max_regions=8, max_spare=40), method=st.sampled_from(ALL_METHODS))
def test_quota_bounds_and_violations_match_reference(
    problem: tuple[list[float], int, list[int], Caps], method: str
) -> None:
    weights, seats, floors, caps = problem
    result = apportion(weights, seats, method, floors=floors, caps=caps)
    quotas = bounded_quotas_reference(weights, seats, floors, caps)
    assert result.lower_quota.tolist() == [math.floor(q) for q in quotas]
    assert result.upper_quota.tolist() == [math.ceil(q) for q in quotas]
    outside = [
        i for i, (s, q) in enumerate(zip(seats_of(result), quotas, strict=True))
        if s < math.floor(q) or s > math.ceil(q)
    ]  # fmt: skip
    assert [v.region for v in result.quota_violations] == outside
    if method == "hamilton":
        assert outside == []


# ---------------------------------------------------------------------------------------------
# Properties
# ---------------------------------------------------------------------------------------------


@settings(max_examples=300, deadline=None)
@given(problem=problems(max_regions=10, max_spare=60), method=st.sampled_from(ALL_METHODS))
def test_seats_sum_and_bounds_hold(
    problem: tuple[list[float], int, list[int], Caps], method: str
) -> None:
    weights, seats, floors, caps = problem
    result = seats_of(apportion(weights, seats, method, floors=floors, caps=caps))
    assert sum(result) == seats
    for w, s, f, c in zip(weights, result, floors, caps, strict=True):
        assert s >= f
        assert c is None or s <= c
        if w == 0:
            assert s == f


@settings(max_examples=200, deadline=None)
@given(data=st.data(), method=st.sampled_from(ALL_METHODS))
def test_permuting_regions_permutes_seats(data: st.DataObject, method: str) -> None:
    # Distinct weights, so the tie rule never falls back on the input index.
    weights = data.draw(
        st.lists(st.integers(1, 10**6), min_size=1, max_size=8, unique=True), label="weights"
    )
    floors = data.draw(
        st.lists(st.integers(0, 2), min_size=len(weights), max_size=len(weights)), label="floors"
    )
    seats = sum(floors) + data.draw(st.integers(0, 40), label="spare")
    order = data.draw(st.permutations(range(len(weights))), label="order")
    base = seats_of(apportion([float(w) for w in weights], seats, method, floors=floors))
    shuffled = apportion(
        [float(weights[i]) for i in order], seats, method, floors=[floors[i] for i in order]
    )
    assert seats_of(shuffled) == [base[i] for i in order]


@settings(max_examples=300, deadline=None)
@given(problem=problems(max_regions=8, max_spare=30), method=st.sampled_from(DIVISOR_METHODS))
def test_divisor_methods_are_house_monotone_and_name_next_and_last(
    problem: tuple[list[float], int, list[int], Caps], method: str
) -> None:
    weights, seats, floors, caps = problem
    result = apportion(weights, seats, method, floors=floors, caps=caps)
    now = seats_of(result)
    if result.next_in_line is not None:
        grown = seats_of(apportion(weights, seats + 1, method, floors=floors, caps=caps))
        assert all(g >= s for g, s in zip(grown, now, strict=True))
        expected = list(now)
        expected[result.next_in_line] += 1
        assert grown == expected
    if result.last_seat is not None:
        shrunk = seats_of(apportion(weights, seats - 1, method, floors=floors, caps=caps))
        expected = list(now)
        expected[result.last_seat] -= 1
        assert shrunk == expected


@settings(max_examples=300, deadline=None)
@given(problem=problems(max_regions=10, max_spare=60, bounded=False))
def test_hamilton_stays_within_quota(problem: tuple[list[float], int, list[int], Caps]) -> None:
    weights, seats, _, _ = problem
    result = apportion(weights, seats, "hamilton")
    for s, q in zip(seats_of(result), result.exact_quotas(), strict=True):
        assert math.floor(q) <= s <= math.ceil(q)


@settings(max_examples=200, deadline=None)
@given(
    problem=problems(max_regions=8, max_spare=40),
    method=st.sampled_from(ALL_METHODS),
    power=st.integers(-30, 30),
)
def test_scaling_by_a_power_of_two_changes_nothing(
    problem: tuple[list[float], int, list[int], Caps], method: str, power: int
) -> None:
    # Multiplying every weight by 2**k is exact in binary floating point, so the exact
    # answer, ties included, must not move even where floating-point rounding would.
    weights, seats, floors, caps = problem
    scaled = [math.ldexp(w, power) for w in weights]
    base = apportion(weights, seats, method, floors=floors, caps=caps)
    other = apportion(scaled, seats, method, floors=floors, caps=caps)
    assert seats_of(other) == seats_of(base)
    assert [t.winners for t in other.ties] == [t.winners for t in base.ties]


@settings(max_examples=200, deadline=None)
@given(problem=problems(max_regions=8, max_spare=40), method=st.sampled_from(DIVISOR_METHODS))
def test_reported_ties_are_exact_ties(
    problem: tuple[list[float], int, list[int], Caps], method: str
) -> None:
    weights, seats, floors, caps = problem
    result = apportion(weights, seats, method, floors=floors, caps=caps)
    now = seats_of(result)
    for tie in result.ties:
        claims = {
            claim(method, weights[i], now[i] - 1 if i in tie.winners else now[i])
            for i in tie.regions
        }
        assert len(claims) == 1
        ranked = sorted(tie.regions, key=lambda i: (-weights[i], i))
        assert list(tie.winners) == ranked[: tie.seats]


# ---------------------------------------------------------------------------------------------
# Margins: re-apportion with the region's weight moved just past and just short of them
# ---------------------------------------------------------------------------------------------


def seat_after(
    weights: list[float], i: int, weight: float, seats: int, method: str, floors: list[int],
    caps: Caps,
) -> int | None:  # fmt: skip
    trial = list(weights)
    trial[i] = weight
    try:
        return int(apportion(trial, seats, method, floors=floors, caps=caps).seats[i])
    except ApportionmentError:
        return None  # e.g. the last positive weight set to zero


@settings(max_examples=120, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    data=st.data(),
    method=st.sampled_from(ALL_METHODS),
    bounded=st.booleans(),
)
def test_margins_move_a_seat_exactly_there(data: st.DataObject, method: str, bounded: bool) -> None:
    n = data.draw(st.integers(2, 5), label="n")
    weights = [
        float(w)
        for w in data.draw(st.lists(st.integers(1, 500), min_size=n, max_size=n), label="w")
    ]
    floors = [0] * n
    caps: Caps = [None] * n
    if bounded:
        floors = data.draw(st.lists(st.integers(0, 2), min_size=n, max_size=n), label="floors")
        caps = [data.draw(st.one_of(st.none(), st.just(f + 3)), label="cap") for f in floors]
    room = 12 if None in caps else min(12, 3 * n)  # every cap is its floor + 3
    seats = sum(floors) + data.draw(st.integers(1, room), label="spare")
    result = apportion(weights, seats, method, floors=floors, caps=caps)
    gain, lose = result.margins.gain, result.margins.lose
    for i in range(n):
        s = int(result.seats[i])
        w = weights[i]
        if math.isfinite(gain[i]):
            step = 1e-7 * max(1.0, w + gain[i])
            assert seat_after(weights, i, w + gain[i] + step, seats, method, floors, caps) == s + 1
            if gain[i] > step:
                assert seat_after(weights, i, w + gain[i] - step, seats, method, floors, caps) == s
        else:  # no weight at all would do: a huge one still does not
            assert seat_after(weights, i, w * 1e6 + 1e6, seats, method, floors, caps) == s
        if math.isfinite(lose[i]):
            step = 1e-7 * max(1.0, w)
            assert lose[i] <= w
            less = max(w - lose[i] - step, 0.0)
            assert (seat_after(weights, i, less, seats, method, floors, caps) or 0) < s
            if lose[i] > step:
                assert seat_after(weights, i, w - lose[i] + step, seats, method, floors, caps) == s
        else:
            assert seat_after(weights, i, 0.0, seats, method, floors, caps) in (s, None)


def test_margins_worked_example() -> None:
    # Webster, weights 60, 30, 10, 4 seats -> (3, 1, 0) (A 120, B 60, A 40, A 24 win; next:
    # B's 30/1.5 = 20 and C's 10/0.5 = 20).
    # gain B: its next claim w/1.5 must beat A's weakest winning claim 60/2.5 = 24:
    #   w = 36, gain 6. gain C: w/0.5 > 24 -> w = 12, gain 2.
    # gain A: beat B's 30/0.5 = 60 with w/3.5 -> w = 210, gain 150.
    # lose A: A's last claim w/2.5 must stay above the best losing claim 20 -> w = 50, lose 10.
    # lose B: w/0.5 must stay above 20 (C's) -> w = 10, lose 20. C has no seat: lose inf.
    margins = apportion([60, 30, 10], 4, "webster").margins
    assert margins.gain.tolist() == pytest.approx([150, 6, 2])
    assert margins.lose.tolist() == pytest.approx([10, 20, math.inf])


# ---------------------------------------------------------------------------------------------
# Large inputs: 10,000 regions, 1,000,000 seats, still exact
# ---------------------------------------------------------------------------------------------


def float_claims(method: str, weights: np.ndarray, held: np.ndarray) -> np.ndarray:
    k = held.astype(float)
    signposts = {
        "jefferson": k + 1,
        "webster": k + 0.5,
        "adams": k,
        "huntington-hill": np.sqrt(k * (k + 1)),
        "dean": k * (k + 1) / (k + 0.5),
    }[method]
    with np.errstate(divide="ignore"):
        return np.where(signposts > 0, weights / np.where(signposts > 0, signposts, 1), np.inf)


def assert_divisor_criterion_at_scale(method: str, weights: np.ndarray, seats: np.ndarray) -> None:
    """The divisor criterion, with exact fractions on every region near the cut.

    Claims further than 1e-9 (relative) from the cut are on the right side whatever the
    floating-point error (~1e-15); the rest are compared exactly."""
    won = float_claims(method, weights, seats - 1)
    won[seats == 0] = np.inf
    lost = float_claims(method, weights, seats)
    weakest, strongest = won.min(), lost.max()
    low, high = min(weakest, strongest) * (1 - 1e-9), max(weakest, strongest) * (1 + 1e-9)
    near_won = np.flatnonzero((seats > 0) & (won <= high))
    near_lost = np.flatnonzero(lost >= low)
    assert near_won.size
    assert near_lost.size
    exact_weakest = min(claim(method, weights[i], int(seats[i]) - 1) for i in near_won)
    exact_strongest = max(claim(method, weights[i], int(seats[i])) for i in near_lost)
    assert exact_weakest >= exact_strongest


@pytest.mark.slow
@pytest.mark.parametrize("method", ALL_METHODS)
def test_large_random_input_is_exact(method: str) -> None:
    rng = np.random.default_rng(20240601)
    weights = rng.uniform(1.0, 1e9, size=10_000)
    result = apportion(weights, 1_000_000, method)
    assert int(result.seats.sum()) == 1_000_000
    if method == "hamilton":
        assert seats_of(result) == hamilton_reference(weights.tolist(), 1_000_000)
    else:
        assert_divisor_criterion_at_scale(method, weights, result.seats)


@pytest.mark.slow
@pytest.mark.parametrize("method", ALL_METHODS)
def test_large_input_full_of_ties_is_exact(method: str) -> None:
    # Weights 1, 2 or 3 for 10,000 regions: thousands of exactly equal claims at the cut.
    rng = np.random.default_rng(7)
    weights = rng.integers(1, 4, size=10_000).astype(float)
    seats = 1_000_003
    result = apportion(weights, seats, method)
    assert int(result.seats.sum()) == seats
    if method == "hamilton":
        assert seats_of(result) == hamilton_reference(weights.tolist(), seats)
    else:
        assert_divisor_criterion_at_scale(method, weights, result.seats)
    # Tie rule: among equal weights, a lower index never has fewer seats.
    for value in (1.0, 2.0, 3.0):
        group = result.seats[weights == value]
        assert np.all(np.diff(group) <= 0)
        assert group.max() - group.min() <= 1
    assert result.ties  # 1,000,003 seats cannot split evenly here
