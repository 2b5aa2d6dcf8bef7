"""The tour's route: great-circle distances, nearest neighbour + 2-opt, and the lower bound.

Distances are checked against hand-worked values and a second formula; routes against
brute force (every order of up to 8 cities); the spanning tree against scipy's.
"""

from __future__ import annotations

import itertools
import math
from collections.abc import Callable

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from scipy.sparse.csgraph import minimum_spanning_tree

from planning.route import (
    EARTH_RADIUS_KM,
    distance_matrix,
    haversine_km,
    improve,
    lower_bound,
    nearest_neighbour,
    path_length,
    route,
    spanning_tree,
    two_opt,
)

# --- distances ---------------------------------------------------------------------------------


def test_haversine_houston_to_st_louis_by_hand() -> None:
    # Houston (29.76328 N, 95.36327 W) to St. Louis (38.62727 N, 90.19789 W), R = 6371.0088 km:
    #   dlat = 8.86399 deg, half = 0.0773529 rad; dlon = 5.16538 deg, half = 0.0450764 rad
    #   sin^2(0.0773529) = 0.0772758^2 = 0.00597155
    #   cos(29.76328) cos(38.62727) = 0.868084 x 0.781223 = 0.678167
    #   sin^2(0.0450764) = 0.0450612^2 = 0.00203051; x 0.678167 = 0.00137703
    #   hav = 0.00597155 + 0.00137703 = 0.00734858; sqrt = 0.0857238; asin = 0.0858292
    #   d = 2 x 6371.0088 x 0.0858292 = 1093.64 km (published: about 1,094 km)
    assert haversine_km(29.76328, -95.36327, 38.62727, -90.19789) == pytest.approx(
        1093.64, abs=0.01
    )


def test_haversine_along_the_equator_and_a_meridian() -> None:
    # One degree of a great circle is R x pi / 180 = 6371.0088 x 0.01745329 = 111.1951 km;
    # the equator to a pole is a quarter circle, R x pi / 2 = 10007.56 km.
    assert haversine_km(0.0, 10.0, 0.0, 11.0) == pytest.approx(111.1951, abs=1e-4)
    assert haversine_km(0.0, 0.0, 1.0, 0.0) == pytest.approx(111.1951, abs=1e-4)
    assert haversine_km(0.0, 0.0, 90.0, 0.0) == pytest.approx(10007.56, abs=0.01)
    # Across the antimeridian: 179.5 E to 179.5 W is one degree, not 359.
    assert haversine_km(0.0, 179.5, 0.0, -179.5) == pytest.approx(111.1951, abs=1e-4)


def _law_of_cosines(lat1: float, lon1: float, lat2: float, lon2: float) -> float:
    """A second formula for the same distance (fine away from tiny distances)."""
    p1, p2 = math.radians(lat1), math.radians(lat2)
    cosine = math.sin(p1) * math.sin(p2) + math.cos(p1) * math.cos(p2) * math.cos(
        math.radians(lon2 - lon1)
    )
    return EARTH_RADIUS_KM * math.acos(max(-1.0, min(1.0, cosine)))


coordinates = st.tuples(
    st.floats(-89.0, 89.0, allow_nan=False), st.floats(-180.0, 180.0, allow_nan=False)
)


@given(st.lists(coordinates, min_size=1, max_size=12))
def test_distance_matrix_matches_both_formulas(points: list[tuple[float, float]]) -> None:
    lats = [p[0] for p in points]
    lons = [p[1] for p in points]
    matrix = distance_matrix(lats, lons)
    assert matrix.shape == (len(points), len(points))
    assert np.array_equal(matrix, matrix.T)
    assert np.all(np.diag(matrix) == 0.0)
    for i, j in itertools.combinations(range(len(points)), 2):
        expected = haversine_km(lats[i], lons[i], lats[j], lons[j])
        assert matrix[i, j] == pytest.approx(expected, rel=1e-9, abs=1e-9)
        if expected > 1.0:  # the law of cosines loses precision for very short distances
            second = _law_of_cosines(lats[i], lons[i], lats[j], lons[j])
            assert expected == pytest.approx(second, rel=1e-6, abs=1e-3)


def test_bad_coordinates_are_named() -> None:
    with pytest.raises(ValueError, match="lats, lons"):
        route([1.0, 2.0], [3.0])
    with pytest.raises(ValueError, match="lats"):
        route([91.0], [0.0])
    with pytest.raises(ValueError, match="finite"):
        route([float("nan")], [0.0])
    with pytest.raises(ValueError, match="start"):
        route([1.0, 2.0], [3.0, 4.0], start=2)


# --- routes ------------------------------------------------------------------------------------


def _random_cities(seed: int, count: int) -> tuple[np.ndarray, np.ndarray]:
    rng = np.random.default_rng(seed)
    return rng.uniform(25.0, 49.0, count), rng.uniform(-124.0, -67.0, count)


def _best_from(distances: np.ndarray, start: int) -> float:
    """Brute force: the shortest open path starting at ``start``."""
    others = [city for city in range(distances.shape[0]) if city != start]
    return min(path_length(distances, (start, *order)) for order in itertools.permutations(others))


def _best_anywhere(distances: np.ndarray) -> float:
    """Brute force: the shortest open path from any start."""
    return min(
        path_length(distances, order) for order in itertools.permutations(range(len(distances)))
    )


def _reversal_lengths(distances: np.ndarray, order: tuple[int, ...]) -> list[float]:
    """The length after every 2-opt reversal that keeps the start first."""
    lengths = []
    for i in range(1, len(order)):
        for j in range(i + 1, len(order)):
            moved = order[:i] + order[i : j + 1][::-1] + order[j + 1 :]
            lengths.append(path_length(distances, moved))
    return lengths


@pytest.mark.parametrize("seed", range(60))
def test_small_routes_against_brute_force(
    seed: int, record_property: Callable[[str, object], None]
) -> None:
    count = 3 + seed % 6  # 3 to 8 cities
    lats, lons = _random_cities(seed, count)
    start = seed % count
    found = route(lats, lons, start=start)
    distances = distance_matrix(lats, lons)
    best = _best_from(distances, start)
    # Each city once, from the start.
    assert sorted(found.order) == list(range(count))
    assert found.order[0] == start
    assert found.length_km == pytest.approx(path_length(distances, found.order), rel=1e-12)
    # Never worse than nearest neighbour alone, never better than the optimum, and the
    # bound never above the optimum: so the stated gap bounds the true gap.
    assert found.length_km <= found.nearest_neighbour_km + 1e-9
    # ... and the nearest-neighbour length it reports is the greedy path's, walked here.
    assert found.nearest_neighbour_km == pytest.approx(_greedy_length(distances, start), rel=1e-12)
    assert found.length_km >= best - 1e-9
    assert found.lower_bound_km <= best + 1e-9
    true_gap = (found.length_km - best) / best
    assert true_gap <= found.gap + 1e-12
    # 2-opt optimal: no reversal shortens it (checked move by move, not by the search).
    assert min(_reversal_lengths(distances, found.order)) >= found.length_km - 1e-9
    record_property("gap_to_optimum", true_gap)


def _greedy_length(distances: np.ndarray, start: int) -> float:
    """Length of the path that always goes to the nearest city not yet visited."""
    here, left, total = start, set(range(len(distances))) - {start}, 0.0
    while left:
        step = min(left, key=lambda city: (distances[here, city], city))
        total += float(distances[here, step])
        here = step
        left.remove(step)
    return total


def test_the_route_is_usually_optimal_on_small_instances() -> None:
    # Not a guarantee (2-opt and or-opt are local searches), but a report: over 40 random
    # instances of 7 cities, count how often the route is the brute-force optimum.
    optimal = 0
    gaps = []
    for seed in range(1000, 1040):
        lats, lons = _random_cities(seed, 7)
        found = route(lats, lons)
        best = _best_from(distance_matrix(lats, lons), 0)
        gaps.append((found.length_km - best) / best)
        optimal += math.isclose(found.length_km, best, rel_tol=1e-9)
    assert min(gaps) >= -1e-12
    # Nearest neighbour alone is optimal far less often; this local search should find the
    # optimum in most of these tiny instances.
    assert optimal >= 20, f"optimal in {optimal} of 40; gaps {sorted(gaps)[-5:]}"


@settings(max_examples=40, deadline=None)
@given(st.lists(coordinates, min_size=2, max_size=7, unique=True))
def test_bound_is_at_least_the_spanning_tree_and_at_most_the_optimum(
    points: list[tuple[float, float]],
) -> None:
    lats = np.array([p[0] for p in points])
    lons = np.array([p[1] for p in points])
    distances = distance_matrix(lats, lons)
    off_diagonal = distances[~np.eye(len(points), dtype=bool)]
    if off_diagonal.min() < 1e-6:
        return  # scipy reads a zero distance as "no edge"
    scipy_tree = float(minimum_spanning_tree(distances).sum())
    free = lower_bound(distances)
    fixed = lower_bound(distances, start=0)
    assert free >= scipy_tree * (1 - 1e-9)
    assert free <= _best_anywhere(distances) * (1 + 1e-9)
    assert fixed >= scipy_tree * (1 - 1e-9)
    assert fixed <= _best_from(distances, 0) * (1 + 1e-9)


@settings(max_examples=40, deadline=None)
@given(st.lists(coordinates, min_size=2, max_size=30))
def test_spanning_tree_matches_scipy(points: list[tuple[float, float]]) -> None:
    distances = distance_matrix([p[0] for p in points], [p[1] for p in points])
    # Shift every edge by the same amount so none is zero (scipy drops zeros); a spanning
    # tree has n - 1 edges whatever it is, so the shift moves every tree by the same total.
    shift = 1.0
    shifted = distances + shift
    np.fill_diagonal(shifted, 0.0)
    expected = float(minimum_spanning_tree(shifted).sum()) - shift * (len(points) - 1)
    total, degrees = spanning_tree(distances)
    assert total == pytest.approx(expected, rel=1e-9, abs=1e-6)
    assert int(degrees.sum()) == 2 * (len(points) - 1)
    assert degrees.min() >= 1


@settings(max_examples=30, deadline=None)
@given(st.integers(0, 10_000), st.integers(4, 40))
def test_improvement_is_two_opt_and_or_opt_optimal(seed: int, count: int) -> None:
    lats, lons = _random_cities(seed, count)
    distances = distance_matrix(lats, lons)
    first = nearest_neighbour(distances, 0)
    better = tuple(int(city) for city in improve(distances, first))
    length = path_length(distances, better)
    assert sorted(better) == list(range(count))
    assert better[0] == 0
    assert length <= path_length(distances, first) + 1e-9
    assert min(_reversal_lengths(distances, better)) >= length - 1e-9
    # Or-opt optimal: moving any stretch of 1 to 3 stops (either way round) elsewhere.
    for size in (1, 2, 3):
        for i in range(1, count - size + 1):
            stretch = better[i : i + size]
            rest = better[:i] + better[i + size :]
            for at in range(1, len(rest) + 1):
                for piece in (stretch, stretch[::-1]):
                    moved = rest[:at] + piece + rest[at:]
                    assert path_length(distances, moved) >= length - 1e-9


def test_two_opt_alone_keeps_the_start_and_shortens() -> None:
    lats, lons = _random_cities(7, 25)
    distances = distance_matrix(lats, lons)
    first = nearest_neighbour(distances, 3)
    better = two_opt(distances, first)
    assert better[0] == 3
    assert path_length(distances, better) <= path_length(distances, first)
    order = tuple(int(city) for city in better)
    assert min(_reversal_lengths(distances, order)) >= path_length(distances, order) - 1e-9


def test_nearest_neighbour_by_hand() -> None:
    # Four cities on the equator at longitudes 0, 3, 1, 10: from the first, the nearest is
    # at 1 (index 2), then 3 (index 1), then 10 (index 3).
    distances = distance_matrix([0.0, 0.0, 0.0, 0.0], [0.0, 3.0, 1.0, 10.0])
    assert nearest_neighbour(distances, 0).tolist() == [0, 2, 1, 3]


def test_tiny_tours() -> None:
    empty = route([], [])
    assert empty.order == ()
    assert empty.length_km == 0.0
    assert empty.gap == 0.0
    one = route([40.0], [-100.0])
    assert one.order == (0,)
    assert one.length_km == 0.0
    assert one.lower_bound_km == 0.0
    two = route([0.0, 0.0], [0.0, 1.0], start=1)
    assert two.order == (1, 0)
    assert two.length_km == pytest.approx(111.1951, abs=1e-4)
    assert two.lower_bound_km == pytest.approx(two.length_km)
    assert two.gap == 0.0


def test_collinear_cities_are_visited_in_line() -> None:
    # Cities on the equator: from the westmost, the optimum is west to east, whose length is
    # the span: 9 degrees = 9 x 111.1951 km; the bound must reach it (the MST is that line).
    lons = [5.0, 0.0, 9.0, 2.0, 7.0, 1.0]
    found = route([0.0] * 6, lons, start=1)
    assert [lons[i] for i in found.order] == sorted(lons)
    assert found.length_km == pytest.approx(9 * 111.1951, abs=1e-3)
    assert found.gap == pytest.approx(0.0, abs=1e-9)
