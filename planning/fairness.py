"""Disproportionality and inequality indices for a seat or grant split.

Fairness is measured, never asserted: every function here takes plain arrays and returns a
number (or a small table) that a programme designer can read next to the plan. Nothing here
depends on the other planning modules.

Conventions
-----------
``weights``
    Each region's entitlement basis (population, internet users, expected applicants...).
    Only shares matter: multiplying all weights by a positive constant changes nothing.
``seats``
    What each region received (seats won; any non-negative amount works the same way).
Share, in percent
    ``v_i = 100 * weights_i / sum(weights)`` and ``s_i = 100 * seats_i / sum(seats)``.
    Gallagher, Loosemore-Hanby and Sainte-Laguë are computed on these 0-100 shares, as in
    the electoral literature, so they read as "percentage points" (0 to 100).
``values``
    A per-unit amount whose inequality is measured: seats per capita, real grant per
    participant. In :func:`gini` and :func:`lorenz_curve`, ``weights`` counts the units that
    each value applies to (people, participants).

Glossary (lower is fairer for every index)
------------------------------------------
Gallagher (least-squares) index
    ``sqrt(1/2 * sum((v_i - s_i)^2))``, 0 to 100. Squares the gaps, so one badly treated
    region counts for more than many slightly mistreated ones. Proportional-representation
    parliaments typically score a few points, first-past-the-post ones often above 10.
    Gallagher, M. (1991), "Proportionality, disproportionality and electoral systems",
    *Electoral Studies* 10(1): 33-51.
Loosemore-Hanby index
    ``1/2 * sum(|v_i - s_i|)``, 0 to 100: the share of seats that would have to move from
    over- to under-represented regions to make the split exactly proportional.
    Loosemore, J. and Hanby, V. J. (1971), "The theoretical limits of maximum distortion:
    some analytic expressions for electoral systems", *British Journal of Political
    Science* 1(4): 467-477.
Sainte-Laguë index
    ``sum((s_i - v_i)^2 / v_i)`` on percent shares (a chi-square-like sum, 0 upwards with
    no fixed top). A gap weighs more the smaller the region's entitlement, so it is the
    index most sensitive to small regions losing out; Gallagher (1991) calls it probably the
    soundest of the measures. A region with no entitlement (``v_i = 0``) adds 0 when it also
    got nothing and makes the index ``inf`` when it got something.
Representation ratio
    Seat share over weight share, per region: 1 is exactly proportional, 2 means twice its
    entitlement, 0.5 half of it.
Max/min ratio
    Largest over smallest seats per unit weight among regions with positive weight: 1 is
    perfectly even; 3 means the best-treated region gets three times the seats per person
    of the worst-treated. ``inf`` when an entitled region got nothing.
Gini coefficient
    Mean absolute difference between two units drawn at random, over twice the mean:
    0 when everyone gets the same, ``(n - 1) / n`` when one of ``n`` equal-weight units
    takes everything. Population-weighted, it answers "how unequal are seats per person
    across the people of all regions", not across regions.
Lorenz curve
    Units sorted from worst to best off; cumulative share of people against cumulative
    share of the total. The diagonal is equality; the Gini is twice the area between the
    diagonal and the curve.
Standard quota and quota rule
    ``q_i = total_seats * weights_i / sum(weights)``. A split satisfies the quota rule when
    every region gets ``floor(q_i)`` or ``ceil(q_i)`` seats. Hamilton (largest remainder)
    always does; divisor methods (D'Hondt, Sainte-Laguë, Huntington-Hill) can break it.
"""

from __future__ import annotations

import math
from dataclasses import asdict, dataclass
from typing import Final

import numpy as np
import pandas as pd
from numpy.typing import ArrayLike, NDArray

FloatArray = NDArray[np.float64]
BoolArray = NDArray[np.bool_]

# Relative slack when comparing a floating-point quota with an integer: a quota that is an
# integer in exact arithmetic (e.g. 30 * 10 / 100) can come out as 3.0000000000000004.
_QUOTA_TOLERANCE: Final = 1e-9

INDEX_DESCRIPTIONS: Final[dict[str, str]] = {
    "gallagher": (
        "Gallagher least-squares index, percentage points 0-100: sqrt(1/2 sum (v-s)^2) "
        "on percent shares. Lower is fairer; 0 is exactly proportional."
    ),
    "loosemore_hanby": (
        "Loosemore-Hanby index, percentage points 0-100: share of seats that would have to "
        "move to make the split proportional. Lower is fairer."
    ),
    "sainte_lague": (
        "Sainte-Laguë index: sum (s-v)^2 / v on percent shares; most sensitive to small "
        "regions losing out. Lower is fairer; 0 is exactly proportional."
    ),
    "max_min_ratio": (
        "Best-treated over worst-treated region, in seats per unit of weight. "
        "1 is perfectly even; inf when an entitled region got no seat."
    ),
    "gini_seats_per_capita": (
        "Gini of seats per person across people of all regions (population-weighted), "
        "0 to 1. Lower is fairer; 0 when every person has the same representation."
    ),
    "gini_real_grant": (
        "Gini of real (price-adjusted) grant per participant, weighted by participants, "
        "0 to 1. Lower is fairer; NaN when no grants were given."
    ),
    "quota_violations": (
        "Regions whose seats fall outside [floor(quota), ceil(quota)] and whose own "
        "floor or cap does not explain it. 0 means the quota rule holds."
    ),
}


# --------------------------------------------------------------------------- validation


def _as_vector(name: str, array: ArrayLike) -> FloatArray:
    """Return ``array`` as a 1-D float vector of finite, non-negative numbers.

    Raises
    ------
    ValueError
        Naming ``name`` when the input is empty, not 1-D, non-numeric, NaN, infinite or
        negative.
    """
    try:
        vector = np.asarray(array, dtype=np.float64)
    except (TypeError, ValueError) as error:
        raise ValueError(f"{name} must be a sequence of numbers; got {array!r}.") from error
    if vector.ndim != 1:
        raise ValueError(
            f"{name} must be one number per region (a 1-D sequence); got shape {vector.shape}."
        )
    if vector.size == 0:
        raise ValueError(f"{name} is empty; give at least one region.")
    bad = ~np.isfinite(vector)
    if bad.any():
        raise ValueError(
            f"{name} has NaN or infinite entries at positions {np.flatnonzero(bad).tolist()}; "
            "fill them in with real numbers."
        )
    negative = vector < 0
    if negative.any():
        raise ValueError(
            f"{name} has negative entries at positions {np.flatnonzero(negative).tolist()}; "
            "every entry must be zero or more."
        )
    return vector


def _check_same_length(name_a: str, a: FloatArray, name_b: str, b: FloatArray) -> None:
    if a.size != b.size:
        raise ValueError(
            f"{name_a} has {a.size} entries but {name_b} has {b.size}; "
            "give one entry per region in both, in the same order."
        )


def _check_positive_total(name: str, vector: FloatArray) -> None:
    if not vector.sum() > 0:
        raise ValueError(f"{name} are all zero; at least one entry must be positive.")


def _weights_and_seats(weights: ArrayLike, seats: ArrayLike) -> tuple[FloatArray, FloatArray]:
    """Validate a (weights, seats) pair: same length, non-negative, neither all zero."""
    w = _as_vector("weights", weights)
    s = _as_vector("seats", seats)
    _check_same_length("weights", w, "seats", s)
    _check_positive_total("weights", w)
    _check_positive_total("seats", s)
    return w, s


def _percent_shares(weights: ArrayLike, seats: ArrayLike) -> tuple[FloatArray, FloatArray]:
    """Return validated weight shares and seat shares, both in percent (summing to 100)."""
    w, s = _weights_and_seats(weights, seats)
    return 100.0 * w / w.sum(), 100.0 * s / s.sum()


# ------------------------------------------------------------------- disproportionality


def gallagher(weights: ArrayLike, seats: ArrayLike) -> float:
    """Gallagher least-squares index ``sqrt(1/2 * sum((v_i - s_i)^2))``.

    Parameters
    ----------
    weights
        Entitlement basis per region (e.g. population); only shares matter.
    seats
        Seats (or any non-negative amount) received per region.

    Returns
    -------
    float
        Percentage points, 0 (exactly proportional) to 100. Lower is fairer.
    """
    v, s = _percent_shares(weights, seats)
    return float(np.sqrt(0.5 * np.sum((v - s) ** 2)))


def loosemore_hanby(weights: ArrayLike, seats: ArrayLike) -> float:
    """Loosemore-Hanby index ``1/2 * sum(|v_i - s_i|)`` on percent shares.

    Parameters
    ----------
    weights
        Entitlement basis per region; only shares matter.
    seats
        Seats received per region.

    Returns
    -------
    float
        Percentage points, 0 to 100: the share of seats that would have to move to make the
        split exactly proportional. Lower is fairer.
    """
    v, s = _percent_shares(weights, seats)
    return float(0.5 * np.sum(np.abs(v - s)))


def sainte_lague_index(weights: ArrayLike, seats: ArrayLike) -> float:
    """Sainte-Laguë index ``sum((s_i - v_i)^2 / v_i)`` on percent shares.

    Parameters
    ----------
    weights
        Entitlement basis per region; only shares matter.
    seats
        Seats received per region.

    Returns
    -------
    float
        0 upwards, in percent units (the same sum on 0-1 shares is 100 times smaller).
        A region with zero weight adds 0 if it has no seats and makes the index ``inf``
        if it has some. Lower is fairer.
    """
    v, s = _percent_shares(weights, seats)
    entitled = v > 0
    if np.any(s[~entitled] > 0):
        return math.inf
    return float(np.sum((s[entitled] - v[entitled]) ** 2 / v[entitled]))


def representation_ratios(weights: ArrayLike, seats: ArrayLike) -> FloatArray:
    """Seat share over weight share, per region.

    Parameters
    ----------
    weights
        Entitlement basis per region; only shares matter.
    seats
        Seats received per region.

    Returns
    -------
    numpy.ndarray
        One ratio per region: 1 is proportional, above 1 over-represented. A region with
        zero weight gets ``inf`` if it has seats and ``nan`` if it has none.
    """
    v, s = _percent_shares(weights, seats)
    with np.errstate(divide="ignore", invalid="ignore"):
        return s / v


def max_min_ratio(weights: ArrayLike, seats: ArrayLike) -> float:
    """Largest over smallest seats per unit weight, among regions with positive weight.

    Parameters
    ----------
    weights
        Entitlement basis per region; regions with zero weight are left out.
    seats
        Seats received per region.

    Returns
    -------
    float
        1 or more; 1 is perfectly even. ``inf`` when a region with positive weight got no
        seats, because no finite ratio says how badly it was treated. Lower is fairer.
    """
    w, s = _weights_and_seats(weights, seats)
    entitled = w > 0
    per_weight = s[entitled] / w[entitled]
    lowest = float(per_weight.min())
    if lowest == 0.0:
        return math.inf
    return float(per_weight.max()) / lowest


# ------------------------------------------------------------------------ inequality


def _values_and_weights(
    values: ArrayLike, weights: ArrayLike | None
) -> tuple[FloatArray, FloatArray]:
    """Validate values and their weights, drop zero-weight units, sort by value."""
    x = _as_vector("values", values)
    if weights is None:
        w = np.ones_like(x)
    else:
        w = _as_vector("weights", weights)
        _check_same_length("values", x, "weights", w)
        _check_positive_total("weights", w)
    keep = w > 0
    x, w = x[keep], w[keep]
    # A stable sort keeps tied values in input order; ties do not change the Gini or the
    # shape of the Lorenz curve, only how many collinear points it has.
    order = np.argsort(x, kind="stable")
    return x[order], w[order]


def gini(values: ArrayLike, weights: ArrayLike | None = None) -> float:
    """Gini coefficient of ``values``, optionally weighted.

    With weights ``w_i`` (total ``W``) and weighted mean ``mu = sum(w_i x_i) / W``::

        G = sum_i sum_j w_i w_j |x_i - x_j| / (2 W^2 mu)

    Unweighted (all ``w_i = 1``) this is the textbook mean-difference Gini, and for
    integer weights it equals the unweighted Gini of the sample where ``x_i`` is repeated
    ``w_i`` times. It is computed in O(n log n) from the sorted values.

    Parameters
    ----------
    values
        Non-negative amount per unit, e.g. seats per capita or real grant per participant.
    weights
        How many units each value applies to (population, participants); ``None`` counts
        each value once. Zero-weight entries are ignored.

    Returns
    -------
    float
        0 when all (weighted) values are equal, ``(n - 1) / n`` when one of ``n``
        equal-weight units holds everything. When every value is 0 there is nothing to be
        unequal about and the result is 0. Lower is fairer.
    """
    x, w = _values_and_weights(values, weights)
    total_weight = float(w.sum())
    total_value = float(np.dot(w, x))
    if total_value == 0.0:
        return 0.0
    # In sorted order, unit i lies above every unit before it (weight below_i) and below
    # every unit after it (weight W - through_i), so summing w_i x_i (below_i - above_i)
    # over i gives half the ordered-pair sum of w_i w_j |x_i - x_j|.
    through = np.cumsum(w)
    below = through - w
    above = total_weight - through
    half_pair_sum = float(np.dot(w * x, below - above))
    return half_pair_sum / (total_weight * total_value)


def lorenz_curve(values: ArrayLike, weights: ArrayLike | None = None) -> pd.DataFrame:
    """Lorenz curve of ``values``, optionally weighted.

    Units are sorted ascending by value (a value is already per unit of weight: seats per
    capita, grant per participant). Row ``k`` holds the share of total weight and the share
    of total ``weight * value`` held by the ``k`` worst-off units.

    Parameters
    ----------
    values
        Non-negative amount per unit.
    weights
        How many units each value applies to; ``None`` counts each value once. Zero-weight
        entries are dropped, as they add no point of their own.

    Returns
    -------
    pandas.DataFrame
        Columns ``cumulative_population_share`` and ``cumulative_value_share``, from
        (0, 0) to (1, 1). ``1 - 2 * area under the curve`` (trapezoids) equals
        :func:`gini`. When every value is 0 the curve is the diagonal.
    """
    x, w = _values_and_weights(values, weights)
    amounts = w * x
    population = np.concatenate(([0.0], np.cumsum(w) / w.sum()))
    total_value = amounts.sum()
    if total_value == 0.0:
        value = population.copy()
    else:
        value = np.concatenate(([0.0], np.cumsum(amounts) / total_value))
    # Rounding can leave the last cumulative share a hair off 1.
    population[-1] = 1.0
    value[-1] = 1.0
    return pd.DataFrame(
        {"cumulative_population_share": population, "cumulative_value_share": value}
    )


# ------------------------------------------------------------------------- quota rule


def _bounds(name: str, bounds: ArrayLike | None, like: FloatArray) -> FloatArray | None:
    if bounds is None:
        return None
    vector = _as_vector(name, bounds)
    _check_same_length("weights", like, name, vector)
    return vector


def quota_violations(
    weights: ArrayLike,
    seats: ArrayLike,
    floors: ArrayLike | None = None,
    caps: ArrayLike | None = None,
) -> BoolArray:
    """Flag regions whose seats break the quota rule for reasons other than their own bounds.

    The standard quota is ``q_i = sum(seats) * weights_i / sum(weights)``. A region breaks
    the rule when it gets fewer than ``floor(q_i)`` or more than ``ceil(q_i)`` seats. It is
    not flagged when its own bound forces this: above ``ceil(q_i)`` but no more than its
    floor, or below ``floor(q_i)`` but no fewer than its cap. Other regions' floors can also
    push a region below its lower quota; that is still flagged, as the designer should see
    who pays for a floor.

    Parameters
    ----------
    weights
        Entitlement basis per region.
    seats
        Seats received per region.
    floors, caps
        Optional minimum and maximum seats per region, as given to the apportionment.

    Returns
    -------
    numpy.ndarray of bool
        ``True`` for each region in violation.
    """
    w, s = _weights_and_seats(weights, seats)
    floor_bounds = _bounds("floors", floors, w)
    cap_bounds = _bounds("caps", caps, w)
    quota = s.sum() * w / w.sum()
    slack = _QUOTA_TOLERANCE * np.maximum(1.0, quota)
    # Shrinking the quota by the slack before ceil (and growing it before floor) snaps a
    # near-integer quota to that integer, so ceil(3.0000000000000004) counts as 3.
    lower = np.floor(quota + slack)
    upper = np.ceil(quota - slack)
    above = s > upper
    below = s < lower
    if floor_bounds is not None:
        above &= s > floor_bounds
    if cap_bounds is not None:
        below &= s < cap_bounds
    return np.asarray(above | below, dtype=np.bool_)


# ---------------------------------------------------------------------------- summary


@dataclass(frozen=True)
class FairnessIndices:
    """All fairness indices of one split, under stable names (see ``INDEX_DESCRIPTIONS``).

    Attributes
    ----------
    gallagher, loosemore_hanby, sainte_lague
        Disproportionality of seat shares against weight shares, percent scale.
    max_min_ratio
        Best over worst seats per unit weight; ``inf`` if an entitled region has none.
    gini_seats_per_capita
        Population-weighted Gini of seats per person.
    gini_real_grant
        Participant-weighted Gini of real grant per participant; NaN without grants.
    quota_violations
        Number of regions breaking the quota rule not explained by their own bounds.
    """

    gallagher: float
    loosemore_hanby: float
    sainte_lague: float
    max_min_ratio: float
    gini_seats_per_capita: float
    gini_real_grant: float
    quota_violations: int

    def as_dict(self) -> dict[str, float]:
        """Return the indices as ``{name: value}``, in table order."""
        return {name: float(value) for name, value in asdict(self).items()}

    def to_frame(self) -> pd.DataFrame:
        """Return one row per index with columns ``index``, ``value``, ``description``."""
        values = self.as_dict()
        return pd.DataFrame(
            {
                "index": list(values),
                "value": list(values.values()),
                "description": [INDEX_DESCRIPTIONS[name] for name in values],
            }
        )


def fairness_indices(
    weights: ArrayLike,
    seats: ArrayLike,
    *,
    population: ArrayLike | None = None,
    grants_real: ArrayLike | None = None,
    participants: ArrayLike | None = None,
    floors: ArrayLike | None = None,
    caps: ArrayLike | None = None,
) -> FairnessIndices:
    """Compute every fairness index of a split at once.

    Parameters
    ----------
    weights
        Entitlement basis per region used by the apportionment.
    seats
        Seats received per region.
    population
        People per region for the seats-per-capita Gini; ``None`` uses ``weights``.
    grants_real
        Real (price-adjusted) grant per participant: one entry per participant, or per
        group of participants sharing a grant when ``participants`` is given.
    participants
        How many participants receive each entry of ``grants_real``; ``None`` counts each
        entry once.
    floors, caps
        Optional seat bounds per region, so the quota count does not blame a region for
        its own floor or cap.

    Returns
    -------
    FairnessIndices
        The indices under stable names; ``to_frame()`` gives the table to show.
    """
    w, s = _weights_and_seats(weights, seats)
    if population is None:
        people = w
    else:
        people = _as_vector("population", population)
        _check_same_length("seats", s, "population", people)
        _check_positive_total("population", people)
    # Unpopulated regions carry no weight in the Gini, so their per-capita value is moot.
    populated = people > 0
    seats_per_capita = np.zeros_like(s)
    seats_per_capita[populated] = s[populated] / people[populated]

    if grants_real is None:
        if participants is not None:
            raise ValueError(
                "participants was given without grants_real; pass the real grant per "
                "participant group as grants_real, or drop participants."
            )
        gini_grant = math.nan
    else:
        # Validated here so that errors name these arguments rather than gini's.
        grants = _as_vector("grants_real", grants_real)
        if participants is not None:
            counts = _as_vector("participants", participants)
            _check_same_length("grants_real", grants, "participants", counts)
            _check_positive_total("participants", counts)
            gini_grant = gini(grants, counts)
        else:
            gini_grant = gini(grants)

    return FairnessIndices(
        gallagher=gallagher(w, s),
        loosemore_hanby=loosemore_hanby(w, s),
        sainte_lague=sainte_lague_index(w, s),
        max_min_ratio=max_min_ratio(w, s),
        gini_seats_per_capita=gini(seats_per_capita, people),
        gini_real_grant=gini_grant,
        quota_violations=int(quota_violations(w, s, floors, caps).sum()),
    )
