"""The order in which a tour visits its cities: a short open path, and how far from best it is.

A tour starts at a given city and ends wherever its last stop is: an *open path*, not a
closed loop (the crew does not have to come back to the first city). The path is built by
nearest neighbour from the start, then improved by 2-opt until no single segment reversal
shortens it. Its length is compared with a lower bound on every open path through the same
cities, which states how far from the optimum the route can at worst be.

Glossary
--------
great-circle distance
    The shortest distance over the Earth's surface, on a sphere of radius
    :data:`EARTH_RADIUS_KM`, by the haversine formula. Road distances are longer; the
    route minimises straight-line travel.
nearest neighbour
    From the current city, go to the closest city not yet visited.
2-opt move
    Reverse one stretch of the path (positions ``i..j``): two edges are replaced by two
    others. A path is *2-opt optimal* when no such reversal makes it shorter. The start
    stays first.
minimum spanning tree (MST)
    The shortest set of edges joining all cities. Every open path is a spanning tree, so
    the MST length is a lower bound on every path.
1-tree bound (Held-Karp)
    A sharper lower bound. Add a *dummy city* at distance 0 from every city: an open path
    through the cities is then a closed tour through the dummy, of the same length. For
    penalties ``pi`` on the cities, the cheapest *1-tree* (an MST of the cities plus the
    dummy's two cheapest edges) under the costs ``d(i, j) + pi_i + pi_j``, less
    ``2 * sum(pi)``, is a lower bound on every such tour; subgradient ascent on ``pi``
    raises it. With ``pi = 0`` it is the MST length, so the bound is never below the MST.
gap
    ``(route - bound) / bound``: the route is at most this much longer than the best path.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Final

import numpy as np
import numpy.typing as npt

FloatArray = npt.NDArray[np.float64]
IntArray = npt.NDArray[np.int64]

EARTH_RADIUS_KM: Final = 6371.0088
"""Mean Earth radius (IUGG, ``(2a + b) / 3`` of WGS 84), in kilometres."""

# A 2-opt move must shorten the path by more than this share of its length: float noise in
# a sum of ~50 distances is ~1e-14 relative, so 1e-10 never mistakes noise for a gain.
_IMPROVEMENT_TOLERANCE: Final = 1e-10
# Subgradient ascent for the 1-tree bound: iterations, and the step-size schedule.
_BOUND_ITERATIONS: Final = 100
_BOUND_STEP_START: Final = 2.0
_BOUND_PATIENCE: Final = 10


@dataclass(frozen=True)
class Route:
    """An open path through the cities and how good it is.

    Attributes
    ----------
    order : tuple of int
        City indices in the order visited; ``order[0]`` is the start.
    length_km : float
        Length of the path (great-circle kilometres, no return to the start).
    nearest_neighbour_km : float
        Length of the nearest-neighbour path the 2-opt search started from.
    lower_bound_km : float
        A length no open path through these cities can beat (the 1-tree bound).
    gap : float
        ``(length_km - lower_bound_km) / lower_bound_km``; 0 when both are 0.
    """

    order: tuple[int, ...]
    length_km: float
    nearest_neighbour_km: float
    lower_bound_km: float
    gap: float


def _coordinates(lats: npt.ArrayLike, lons: npt.ArrayLike) -> tuple[FloatArray, FloatArray]:
    lat = np.asarray(lats, dtype=float).ravel()
    lon = np.asarray(lons, dtype=float).ravel()
    if lat.shape != lon.shape:
        raise ValueError(
            f"lats, lons: got {lat.size} latitudes but {lon.size} longitudes; "
            "give one of each per city"
        )
    if not (np.isfinite(lat).all() and np.isfinite(lon).all()):
        raise ValueError("lats, lons: every coordinate must be a finite number of degrees")
    if (np.abs(lat) > 90.0).any():
        raise ValueError("lats: latitudes must lie between -90 and 90 degrees")
    return lat, lon


def haversine_km(lat1: float, lon1: float, lat2: float, lon2: float) -> float:
    """Great-circle distance between two points, in kilometres.

    Parameters
    ----------
    lat1, lon1, lat2, lon2
        Latitudes and longitudes in decimal degrees.

    Returns
    -------
    float
        ``2 R asin(sqrt(hav))`` with ``hav = sin^2(dlat/2) + cos(lat1) cos(lat2) sin^2(dlon/2)``.
    """
    phi1, phi2 = math.radians(lat1), math.radians(lat2)
    half_dlat = (phi2 - phi1) / 2.0
    half_dlon = math.radians(lon2 - lon1) / 2.0
    hav = math.sin(half_dlat) ** 2 + math.cos(phi1) * math.cos(phi2) * math.sin(half_dlon) ** 2
    return 2.0 * EARTH_RADIUS_KM * math.asin(math.sqrt(min(1.0, hav)))


def distance_matrix(lats: npt.ArrayLike, lons: npt.ArrayLike) -> FloatArray:
    """Great-circle distances between every pair of cities, in kilometres.

    Parameters
    ----------
    lats, lons
        Latitudes and longitudes in decimal degrees, one per city.

    Returns
    -------
    numpy.ndarray
        ``n x n``, symmetric, zero diagonal; the haversine formula, vectorised.
    """
    lat, lon = _coordinates(lats, lons)
    phi = np.radians(lat)
    lam = np.radians(lon)
    half_dphi = (phi[:, None] - phi[None, :]) / 2.0
    half_dlam = (lam[:, None] - lam[None, :]) / 2.0
    hav = np.sin(half_dphi) ** 2 + np.cos(phi)[:, None] * np.cos(phi)[None, :] * (
        np.sin(half_dlam) ** 2
    )
    distances: FloatArray = 2.0 * EARTH_RADIUS_KM * np.arcsin(np.sqrt(np.clip(hav, 0.0, 1.0)))
    # Exact symmetry and zeros, whatever the rounding of the two triangle halves.
    distances = np.minimum(distances, distances.T)
    np.fill_diagonal(distances, 0.0)
    return distances


def path_length(distances: FloatArray, order: Sequence[int] | IntArray) -> float:
    """Length of the open path visiting ``order`` (no return to the start)."""
    path = np.asarray(order, dtype=np.int64)
    if path.size < 2:
        return 0.0
    return float(distances[path[:-1], path[1:]].sum())


def nearest_neighbour(distances: FloatArray, start: int = 0) -> IntArray:
    """The nearest-neighbour path from ``start``; ties go to the lower index.

    Parameters
    ----------
    distances
        Square matrix of distances.
    start
        Index of the first city.

    Returns
    -------
    numpy.ndarray
        City indices in visiting order, each once.
    """
    n = distances.shape[0]
    visited = np.zeros(n, dtype=bool)
    order = np.empty(n, dtype=np.int64)
    current = start
    for position in range(n):
        order[position] = current
        visited[current] = True
        if position == n - 1:
            break
        candidates = np.where(visited, np.inf, distances[current])
        current = int(np.argmin(candidates))
    return order


def two_opt(distances: FloatArray, order: Sequence[int] | IntArray) -> IntArray:
    """Improve an open path by 2-opt until no reversal shortens it; the start stays first.

    Each round evaluates every reversal at once (a matrix of length changes) and makes the
    best one (ties: the lowest ``i``, then the lowest ``j``), so the search is deterministic.

    Parameters
    ----------
    distances
        Square matrix of distances.
    order
        The path to improve, starting at the start city.

    Returns
    -------
    numpy.ndarray
        A 2-opt optimal path with the same first city.
    """
    path = np.asarray(order, dtype=np.int64).copy()
    n = path.size
    if n < 3:
        return path
    # A dummy city at distance 0 from all stands after the last stop, so reversing a stretch
    # that ends at the last stop costs d(a, c) - d(a, b), like any other move.
    padded = np.zeros((n + 1, n + 1))
    padded[:n, :n] = distances
    dummy = n
    upper = np.triu(np.ones((n - 1, n - 1), dtype=bool), k=1)
    while True:
        extended = np.append(path, dummy)
        before = extended[: n - 1]  # a = path[i - 1] for i = 1 .. n - 1
        first = extended[1:n]  # b = path[i], and c = path[j] for j = 1 .. n - 1
        after = extended[2 : n + 1]  # d = path[j + 1]
        removed_left = padded[before, first]  # d(a, b), per i
        removed_right = padded[first, after]  # d(c, d), per j
        change = (
            padded[np.ix_(before, first)]
            + padded[np.ix_(first, after)]
            - removed_left[:, None]
            - removed_right[None, :]
        )
        change = np.where(upper, change, np.inf)
        best = int(np.argmin(change))
        threshold = -_IMPROVEMENT_TOLERANCE * max(path_length(distances, path), 1.0)
        if not change.flat[best] < threshold:
            return path
        row, column = divmod(best, n - 1)
        i, j = row + 1, column + 1
        path[i : j + 1] = path[i : j + 1][::-1]


def _or_opt_move(distances: FloatArray, path: IntArray) -> IntArray | None:
    """The path after the best or-opt move, or None when no move shortens it.

    An or-opt move takes a stretch of 1 to 3 consecutive stops (never the start) out of the
    path and puts it back, either way round, between two other consecutive stops or at the
    end. Every move is evaluated at once per stretch length; ties go to the first found.
    """
    n = path.size
    padded = np.zeros((n + 1, n + 1))
    padded[:n, :n] = distances
    extended = np.append(path, n)  # the dummy city (distance 0 from all) after the last stop
    edge_from, edge_to = extended[:n], extended[1:]  # edge k joins positions k and k + 1
    edge_cost = padded[edge_from, edge_to]
    best_change = -_IMPROVEMENT_TOLERANCE * max(path_length(distances, path), 1.0)
    best_move: tuple[int, int, int, bool] | None = None
    for size in range(1, min(3, n - 2) + 1):
        first = np.arange(1, n - size + 1)  # stretch = positions first .. first + size - 1
        head, tail = extended[first], extended[first + size - 1]
        before, after = extended[first - 1], extended[first + size]
        saved = padded[before, head] + padded[tail, after] - padded[before, after]
        forward = padded[np.ix_(head, edge_from)].T + padded[np.ix_(tail, edge_to)].T
        backward = padded[np.ix_(tail, edge_from)].T + padded[np.ix_(head, edge_to)].T
        k = np.arange(n)[:, None]
        touching = (k >= first[None, :] - 1) & (k <= first[None, :] + size - 1)
        for reverse, added in ((False, forward), (True, backward)):
            change = np.where(touching, np.inf, added - edge_cost[:, None] - saved[None, :])
            flat = int(np.argmin(change))
            if change.flat[flat] < best_change:
                edge, which = divmod(flat, first.size)
                best_change = float(change.flat[flat])
                best_move = (int(first[which]), size, edge, reverse)
    if best_move is None:
        return None
    start, size, edge, reverse = best_move
    moved = path[start : start + size]
    if reverse:
        moved = moved[::-1]
    rest = np.concatenate([path[:start], path[start + size :]])
    at = edge + 1 if edge < start else edge + 1 - size
    return np.concatenate([rest[:at], moved, rest[at:]])


def improve(distances: FloatArray, order: Sequence[int] | IntArray) -> IntArray:
    """Improve an open path by 2-opt and or-opt until neither shortens it.

    Parameters
    ----------
    distances
        Square matrix of distances.
    order
        The path to improve; its first city stays first.

    Returns
    -------
    numpy.ndarray
        A path that is both 2-opt and or-opt optimal (2-opt runs to the end after the
        last or-opt move, and or-opt then finds nothing).
    """
    path = np.asarray(order, dtype=np.int64).copy()
    if path.size < 3:
        return path
    while True:
        path = two_opt(distances, path)
        moved = _or_opt_move(distances, path)
        if moved is None:
            return path
        path = moved


def spanning_tree(costs: FloatArray) -> tuple[float, IntArray]:
    """Minimum spanning tree by Prim's algorithm (dense, O(n^2), vectorised per step).

    Parameters
    ----------
    costs
        Symmetric matrix of edge costs (may be negative).

    Returns
    -------
    tuple
        The tree's total cost and each city's degree in it.
    """
    n = costs.shape[0]
    if n < 2:
        return 0.0, np.zeros(n, dtype=np.int64)
    outside = np.ones(n, dtype=bool)
    outside[0] = False
    best = costs[0].copy()
    best[0] = np.inf
    parent = np.zeros(n, dtype=np.int64)
    total = 0.0
    for _ in range(n - 1):
        city = int(np.argmin(best))
        total += float(best[city])
        outside[city] = False
        # A city in the tree keeps an infinite key, so argmin never picks it again.
        best[city] = np.inf
        row = costs[city]
        closer = (row < best) & outside
        best[closer] = row[closer]
        parent[closer] = city
    degrees = np.bincount(parent[1:], minlength=n).astype(np.int64)
    degrees[1:] += 1
    return total, degrees


def lower_bound(
    distances: FloatArray, upper_bound: float | None = None, start: int | None = None
) -> float:
    """A lower bound on the length of every open path through the cities (1-tree bound).

    Parameters
    ----------
    distances
        Square matrix of distances.
    upper_bound
        The length of a known path (steers the step size); twice the MST length if absent.
    start
        When given, only paths starting at this city count: the dummy city's first edge is
        forced to it, which tightens the bound.

    Returns
    -------
    float
        The best 1-tree bound found by subgradient ascent; never below the MST length and
        never above the shortest open path (from ``start``, when given).
    """
    n = distances.shape[0]
    if n < 2:
        return 0.0
    mst, _ = spanning_tree(distances)
    if n == 2:
        return mst
    target = upper_bound if upper_bound is not None else 2.0 * mst
    others = np.arange(n) if start is None else np.delete(np.arange(n), start)
    penalties = np.zeros(n)
    best = mst
    step = _BOUND_STEP_START
    stale = 0
    for _ in range(_BOUND_ITERATIONS):
        tree, degrees = spanning_tree(distances + penalties[:, None] + penalties[None, :])
        # The dummy city's two edges cost 0 + pi_j: to the start (if forced) and to the
        # cheapest other city, or to the two cheapest cities.
        if start is None:
            ends = others[np.argpartition(penalties, 1)[:2]]
        else:
            ends = np.array([start, others[int(np.argmin(penalties[others]))]])
        degrees[ends] += 1
        value = tree + float(penalties[ends].sum()) - 2.0 * float(penalties.sum())
        if value > best * (1.0 + 1e-12):
            best, stale = value, 0
        else:
            stale += 1
            if stale >= _BOUND_PATIENCE:
                step, stale = step / 2.0, 0
        subgradient = (degrees - 2).astype(float)
        norm = float(subgradient @ subgradient)
        if norm == 0.0 or best >= target:
            break  # the 1-tree is a path (the bound is the optimum), or the route is optimal
        penalties += step * (target - value) / norm * subgradient
    return best


def _gap(length: float, bound: float) -> float:
    if bound <= 0.0:
        return 0.0 if length <= 0.0 else math.inf
    return max(0.0, (length - bound) / bound)


def route(lats: npt.ArrayLike, lons: npt.ArrayLike, start: int = 0) -> Route:
    """A short open path through the cities, from ``start``, with its bound and gap.

    Parameters
    ----------
    lats, lons
        Latitudes and longitudes in decimal degrees, one per city.
    start
        Index of the first city (e.g. the first pinned stop).

    Returns
    -------
    Route
        Nearest neighbour improved by 2-opt; never longer than nearest neighbour alone.

    Raises
    ------
    ValueError
        If the coordinates are not finite degrees, their counts differ, or ``start`` is not
        an index of a city.
    """
    lat, lon = _coordinates(lats, lons)
    n = lat.size
    if n == 0:
        return Route((), 0.0, 0.0, 0.0, 0.0)
    if not 0 <= start < n:
        raise ValueError(f"start: {start} is not a city index; give one from 0 to {n - 1}")
    distances = distance_matrix(lat, lon)
    first = nearest_neighbour(distances, start)
    first_km = path_length(distances, first)
    better = improve(distances, first)
    length = path_length(distances, better)
    bound = min(lower_bound(distances, length, start), length)
    return Route(
        order=tuple(int(city) for city in better),
        length_km=length,
        nearest_neighbour_km=first_km,
        lower_bound_km=bound,
        gap=_gap(length, bound),
    )
