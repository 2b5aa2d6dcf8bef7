"""Grant split: what each participant in a region receives from one grant pool.

Every participant in a region gets the same grant; a rule decides how the grants of the
regions compare. Each rule is solved exactly with scipy's HiGHS LP solver, then rounded to
whole units without ever spending more than the pool.

Glossary
--------
pool
    The money left for grants: the total budget less the contingency reserve, participant
    costs and fixed costs (:func:`grant_pool`).
grant
    The nominal amount (USD) one participant in a region receives.
price level
    The World Bank price level ratio of a region (USA = 1). A grant ``g`` in a region with
    price level ``p`` buys what ``g / p`` buys in the USA: its *real* grant.
unit
    Grants are whole multiples of the unit (e.g. USD 500). The floor rounds *up* to a unit
    multiple and the cap rounds *down*, so rounding never breaks either.
floor, cap
    The smallest and largest grant per participant (nominal).
target
    The rule's exact, unrounded grants, before rounding to units.
leftover
    The pool less what the grants spend. Always reported, never lost, never negative.
binding
    The regions whose grant sits at the floor or at the cap.
leximin
    Lexicographic max-min: make the smallest real grant as large as possible, then the
    second smallest, and so on.

Rules
-----
``equal``
    One nominal grant for everybody: ``g = min(cap, pool / N)`` rounded down to the unit.
    No unit is handed out afterwards, as that would make grants unequal; the leftover is
    reported.
``purchasing-power``
    One *real* grant ``r`` for everybody: ``g_i = max(floor, r * p_i)``, with ``r`` as high
    as the pool and the cap allow (one LP: maximise ``r`` subject to ``r * p_i <= g_i <=
    cap``, ``g_i >= floor`` and ``sum n_i * g_i <= pool``). The cap is strict: when it binds
    in the most expensive region it stops ``r`` for everyone, so nobody gets more real value
    than anybody else just because somebody else is capped; the money this leaves is the
    leftover, and a note names the region. ``maximin`` is the variant that lets the others
    keep rising past a binding cap (on one budget, leximin is exactly the clamp
    ``g_i = min(cap, max(floor, t * p_i))``). A floor may lift cheap places above ``r``.
``need``
    Grants proportional to a need score ``s_i``: ``g_i = max(floor, t * s_i)``, ``t`` as high
    as the pool and the cap allow (one LP, strict at the cap as above). Regions with need 0
    get the floor.
``maximin``
    Leximin on real grants (see :func:`_leximin_levels` for the iterated LP and
    :func:`_leximin_units` for the exact rounding). The result is the leximin-optimal vector
    among *all* unit-multiple grants within floor, cap and pool.

Rounding
--------
Grants never spend more than the pool: the pool is counted in whole units and every grant
is a whole number of units.

``purchasing-power`` and ``need``: each grant is rounded down to a unit multiple of its
target, then whole units go back, never more than one per region (so no grant is more than
one unit from its target): the rounding chosen is the leximin-best one on real grants
(``need``: on grant per need point) among all such roundings. In practice units go first to
the regions worst off after rounding down; where one round does not reach every region tied
at the bottom, it reaches as many of them as the pool allows.

``maximin``: the result is the leximin optimum among *all* unit-multiple grant vectors, not
the continuous optimum rounded. The search starts at the highest common real level every
optimum reaches (found next to the LP's level) and hands out units one at a time the same
way, without the one-unit limit; so it can give a cheap region several units that a large
region could not use. See :func:`_leximin_units` for why this is exact.

Ties that remain are broken by fewer participants, then region label, so permuting the
regions permutes the grants.
"""

from __future__ import annotations

import dataclasses
import math
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from types import MappingProxyType
from typing import Any, Final, TypeVar

import numpy as np
import numpy.typing as npt
import pandas as pd

FloatArray = npt.NDArray[np.float64]
IntArray = npt.NDArray[np.int64]
BoolArray = npt.NDArray[np.bool_]
Counts = Sequence[int] | npt.NDArray[np.integer[Any]]
Amounts = Sequence[float] | npt.NDArray[np.floating[Any]] | npt.NDArray[np.integer[Any]]
_Array = TypeVar("_Array", IntArray, FloatArray)

GRANT_RULES: Final = ("equal", "purchasing-power", "need", "maximin")

# Real grants within this relative distance of each other count as equal (ties).
_TIE: Final = 1e-9
# Branches the exact rounding search may open before it settles for its first choice.
_SEARCH_LIMIT: Final = 2_000


class GrantInfeasible(ValueError):
    """The floor, cap and pool cannot all hold; says which clash and what would fix it.

    Attributes
    ----------
    conflicts : list[str]
        What clashes, with the numbers.
    remedies : list[str]
        Changes that would each make the clash go away, with the numbers.
    """

    def __init__(self, problems: Sequence[tuple[str, Sequence[str]]]) -> None:
        self.conflicts: list[str] = [conflict for conflict, _ in problems]
        self.remedies: list[str] = [remedy for _, remedies in problems for remedy in remedies]
        super().__init__("; ".join(_explain(c, r) for c, r in problems))


@dataclass(frozen=True, eq=False)
class GrantAllocation:
    """The grant split: per-region grants, what they buy and what they spend.

    Attributes
    ----------
    rule : str
        The rule that made the split (one of :data:`GRANT_RULES`).
    labels : tuple[str, ...]
        Region names, in input order.
    participants : IntArray
        Participants per region.
    grants : FloatArray
        Nominal grant per participant (USD), a unit multiple; 0 where nobody takes part.
    real_grants : FloatArray
        ``grants / price_levels`` (USA = 1 purchasing power); equal to ``grants`` when no
        price levels were given.
    totals : FloatArray
        ``participants * grants`` per region.
    target : FloatArray
        The rule's exact grants before rounding to units.
    pool, spent, leftover : float
        The grant pool, what the grants spend, and ``pool - spent`` (never negative).
    floor, cap, unit : float
        The floor and cap as applied (unit multiples: floor rounded up, cap down), the unit.
    binding : Mapping[str, str]
        Region label to ``"floor"``, ``"cap"`` or ``"floor and cap"``, for each region with
        participants whose grant sits at that bound.
    notes : tuple[str, ...]
        Plain-language remarks on the result (a binding cap, what the leftover could buy).
    """

    rule: str
    labels: tuple[str, ...]
    participants: IntArray
    grants: FloatArray
    real_grants: FloatArray
    totals: FloatArray
    target: FloatArray
    pool: float
    spent: float
    leftover: float
    floor: float
    cap: float
    unit: float
    binding: Mapping[str, str] = field(default_factory=lambda: MappingProxyType({}))
    notes: tuple[str, ...] = ()

    def to_frame(self) -> pd.DataFrame:
        """One row per region.

        Returns
        -------
        pandas.DataFrame
            Columns ``region``, ``participants``, ``grant``, ``grant_real``, ``total``.
        """
        return pd.DataFrame(
            {
                "region": list(self.labels),
                "participants": self.participants.copy(),
                "grant": self.grants.copy(),
                "grant_real": self.real_grants.copy(),
                "total": self.totals.copy(),
            }
        )


@dataclass(frozen=True)
class _Inputs:
    """Validated arguments, with floor, cap and pool converted to whole units."""

    rule: str
    n: IntArray
    price: FloatArray
    need: FloatArray | None
    labels: tuple[str, ...]
    pool: float
    floor: float
    cap: float
    unit: float
    cost_per_participant: float
    contingency_share: float
    floor_units: int
    cap_units: float  # a whole number of units, or inf when there is no cap
    currency: str = "USD"  # only for the messages

    def money(self, amount: float) -> str:
        """``USD 2,400,000``; cents only when the amount has them."""
        if abs(amount - round(amount)) < 0.005:
            return f"{self.currency} {round(amount):,}"
        return f"{self.currency} {amount:,.2f}"

    @property
    def floor_applied(self) -> float:
        """The floor as applied: rounded up to a unit multiple."""
        return self.floor_units * self.unit

    @property
    def cap_applied(self) -> float:
        """The cap as applied: rounded down to a unit multiple (``inf`` for none)."""
        return self.cap_units * self.unit


def grant_pool(
    total: float, participant_costs: float, fixed_costs: float, contingency_share: float
) -> float:
    """Money left for grants: ``total * (1 - contingency_share) - costs``.

    Parameters
    ----------
    total : float
        The programme's total budget.
    participant_costs : float
        All per-participant costs (travel, training...) for the whole cohort.
    fixed_costs : float
        Costs that do not depend on the number of participants.
    contingency_share : float
        Share of the total held back as contingency, in [0, 1).

    Returns
    -------
    float
        The grant pool. Negative when the costs exceed the budget; :func:`allocate_grants`
        then reports the shortfall.
    """
    for name, value in (
        ("total", total),
        ("participant_costs", participant_costs),
        ("fixed_costs", fixed_costs),
    ):
        if not math.isfinite(value) or value < 0:
            raise ValueError(f"{name} must be a finite amount >= 0; got {value!r}")
    if not 0.0 <= contingency_share < 1.0:
        raise ValueError(f"contingency_share must be in [0, 1); got {contingency_share!r}")
    return total * (1.0 - contingency_share) - participant_costs - fixed_costs


def check_grants_feasible(
    participants: Counts,
    *,
    pool: float,
    cap: float,
    floor: float = 0.0,
    rule: str = "equal",
    price_levels: Amounts | None = None,
    need: Amounts | None = None,
    unit: float = 1.0,
    labels: Sequence[str] | None = None,
    cost_per_participant: float = 0.0,
    contingency_share: float = 0.0,
    currency: str = "USD",
) -> list[str]:
    """Every reason :func:`allocate_grants` would refuse these arguments, without raising.

    Parameters
    ----------
    participants, pool, cap, floor, rule, price_levels, need, unit, labels, \
cost_per_participant, contingency_share, currency
        As for :func:`allocate_grants`.

    Returns
    -------
    list[str]
        One message per problem, each naming what to change and by how much; empty when the
        split can be made.
    """
    inputs, problems = _parse(
        participants,
        pool,
        cap,
        floor,
        rule,
        price_levels,
        need,
        unit,
        labels,
        cost_per_participant,
        contingency_share,
        currency,
    )
    if inputs is None:
        return problems
    return [_explain(conflict, remedies) for conflict, remedies in _conflicts(inputs)]


def allocate_grants(
    participants: Counts,
    *,
    pool: float,
    cap: float,
    floor: float = 0.0,
    rule: str = "equal",
    price_levels: Amounts | None = None,
    need: Amounts | None = None,
    unit: float = 1.0,
    labels: Sequence[str] | None = None,
    cost_per_participant: float = 0.0,
    contingency_share: float = 0.0,
    currency: str = "USD",
) -> GrantAllocation:
    """Split the grant pool between regions by a rule.

    Parameters
    ----------
    participants : Sequence[int] or numpy array
        Participants per region (after seats are apportioned). Regions with 0 get grant 0
        and impose nothing.
    pool : float
        Money for grants (USD), see :func:`grant_pool`.
    cap : float
        Largest grant per participant (``math.inf`` for none).
    floor : float
        Smallest grant per participant.
    rule : str
        One of :data:`GRANT_RULES`; see the module docstring.
    price_levels : Sequence[float] or numpy array, optional
        Price level ratio per region (USA = 1). Needed by ``purchasing-power`` and
        ``maximin``; otherwise only used for the real grants (taken as 1 when missing).
    need : Sequence[float] or numpy array, optional
        Need score per region (>= 0), for ``need``.
    unit : float
        Grants are whole multiples of this amount.
    labels : Sequence[str] | None
        Distinct region names (default ``region 1``, ``region 2``, ...). Ties are broken in
        label order, so permuting the regions permutes the grants.
    cost_per_participant : float
        Per-participant costs already taken out of the pool; only used to say how many seats
        to cut when the floors do not fit (a cut seat frees its floor and its costs).
    contingency_share : float
        Share of the total budget held back; only used to turn a pool shortfall into the
        budget rise that covers it (a budget rise of ``x`` raises the pool by
        ``x * (1 - contingency_share)``).
    currency : str
        ISO 4217 code the amounts are in; only used in notes and messages.

    Returns
    -------
    GrantAllocation
        The split, with leftover, binding bounds and notes.

    Raises
    ------
    GrantInfeasible
        When floor, cap and pool clash (floors above the pool, floor above the cap, negative
        pool); ``conflicts`` and ``remedies`` carry the numbers.
    ValueError
        When an argument is malformed; the message names it and the fix.
    """
    inputs, problems = _parse(
        participants,
        pool,
        cap,
        floor,
        rule,
        price_levels,
        need,
        unit,
        labels,
        cost_per_participant,
        contingency_share,
        currency,
    )
    if inputs is None:
        raise ValueError("; ".join(problems))
    conflicts = _conflicts(inputs)
    if conflicts:
        raise GrantInfeasible(conflicts)
    active = inputs.n > 0
    units = np.zeros(inputs.n.size, dtype=np.int64)
    target = np.zeros(inputs.n.size, dtype=np.float64)
    notes: list[str] = []
    if active.any():
        sub = _restrict(inputs, active)
        solve = _RULES[inputs.rule]
        units[active], target[active], notes = solve(sub)
    return _result(inputs, units, target, notes)


# --- rules -----------------------------------------------------------------------------------


def _equal(inputs: _Inputs) -> tuple[IntArray, FloatArray, list[str]]:
    """One grant for all: the pool over the participants, capped, rounded down."""
    total = int(inputs.n.sum())
    budget = _budget_units(inputs.pool, inputs.unit)
    grant_units = min(inputs.cap_units, budget // total)
    units = np.full(inputs.n.size, int(grant_units), dtype=np.int64)
    target = np.full(inputs.n.size, min(inputs.cap, inputs.pool / total), dtype=np.float64)
    notes = []
    left = inputs.pool - total * int(grant_units) * inputs.unit
    if grant_units < inputs.cap_units and left > 0:
        notes.append(
            f"{inputs.money(left)} is left: one more unit for everyone would need "
            f"{inputs.money(total * inputs.unit)}, and the equal rule hands out no partial round"
        )
    return units, target, notes


def _purchasing_power(inputs: _Inputs) -> tuple[IntArray, FloatArray, list[str]]:
    """One real grant for all, strict at the cap; see the module docstring."""
    return _proportional(inputs, inputs.price, "real grant", "maximin")


def _need(inputs: _Inputs) -> tuple[IntArray, FloatArray, list[str]]:
    """Grants proportional to need, strict at the cap; see the module docstring."""
    assert inputs.need is not None  # _parse requires need scores for this rule
    return _proportional(inputs, inputs.need, "grant per need point", None)


def _proportional(
    inputs: _Inputs, weight: FloatArray, measure: str, alternative: str | None
) -> tuple[IntArray, FloatArray, list[str]]:
    """``g_i = max(floor, r * weight_i)`` with the largest ``r`` the LP allows, rounded.

    Parameters
    ----------
    inputs : _Inputs
        Active regions only.
    weight : FloatArray
        Price levels (purchasing-power) or need scores (need).
    measure : str
        What ``grant / weight`` is called, for the notes.
    alternative : str | None
        The rule to suggest when the cap stops ``r``.

    Returns
    -------
    tuple[IntArray, FloatArray, list[str]]
        Grants in units, the exact target grants, notes.
    """
    r = _max_common_level(inputs, weight)
    target = np.minimum(np.maximum(inputs.floor_applied, r * weight), inputs.cap_applied)
    lower, upper = _round_bounds(target, inputs, snap=True)
    budget = _budget_units(inputs.pool, inputs.unit) - int(inputs.n @ lower)
    if budget < 0:
        # A target a hair below a unit multiple was snapped up and the pool had no hair to
        # spare: round those down instead.
        lower, upper = _round_bounds(target, inputs, snap=False)
        budget = _budget_units(inputs.pool, inputs.unit) - int(inputs.n @ lower)
    rated = weight > 0
    units = lower.copy()
    units[rated], exhaustive = _leximin_units(
        inputs.n[rated], weight[rated], lower[rated], upper[rated], budget, _ranks(inputs)[rated]
    )
    notes = [f"every participant gets a {measure} of {inputs.money(r)} before rounding"]
    at_cap = rated & (r * weight >= inputs.cap_applied * (1 - _TIE))
    spare = inputs.pool - float(inputs.n @ target)
    if at_cap.any() and spare >= inputs.unit:
        names = ", ".join(np.asarray(inputs.labels)[at_cap])
        tail = f"; '{alternative}' would spend it on the other regions" if alternative else ""
        notes.append(
            f"the cap binds in {names} and stops the common rate: {inputs.money(spare)} left{tail}"
        )
    lifted = rated & (inputs.floor_applied > r * weight * (1 + _TIE))
    if lifted.any():
        notes.append(f"the floor lifts {', '.join(np.asarray(inputs.labels)[lifted])} above it")
    if not exhaustive:
        notes.append(_SEARCH_NOTE)
    return units, target, notes


def _maximin(inputs: _Inputs) -> tuple[IntArray, FloatArray, list[str]]:
    """Leximin on real grants: the iterated LP, then the exact rounding."""
    target, level = _leximin_levels(inputs)
    price, n = inputs.price, inputs.n
    cap_units = _finite_cap_units(inputs)
    lower = np.full(n.size, inputs.floor_units, dtype=np.int64)
    budget = _budget_units(inputs.pool, inputs.unit)
    start = _leximin_start(n, price, lower, cap_units, budget, target / inputs.unit, level)
    units, exhaustive = _leximin_units(
        n, price, start, cap_units, budget - int(n @ start), _ranks(inputs)
    )
    notes = []
    if math.isfinite(level):
        notes.append(
            f"the smallest real grant before rounding is {inputs.money(level * inputs.unit)}"
        )
    if not exhaustive:
        notes.append(_SEARCH_NOTE)
    return units, target, notes


_RULES: Final = {
    "equal": _equal,
    "purchasing-power": _purchasing_power,
    "need": _need,
    "maximin": _maximin,
}
_SEARCH_NOTE: Final = (
    "the rounding search stopped at its limit: the leftover units follow the documented "
    "order but may not be leximin-optimal"
)


# --- linear programmes ------------------------------------------------------------------------


def _max_common_level(inputs: _Inputs, weight: FloatArray) -> float:
    """The largest ``r`` with ``r * weight_i <= g_i`` inside floor, cap and pool (one LP).

    Returns
    -------
    float
        The common rate ``r`` (0 when no region has positive weight).
    """
    rated = weight > 0
    m = weight.size
    if not rated.any():
        return 0.0
    # Variables [r, g_1..g_m]; minimise -r.
    cost = np.zeros(m + 1)
    cost[0] = -1.0
    rows = np.zeros((int(rated.sum()) + 1, m + 1))
    idx = np.flatnonzero(rated)
    rows[np.arange(idx.size), 0] = weight[idx]
    rows[np.arange(idx.size), idx + 1] = -1.0
    rows[-1, 1:] = inputs.n
    limits = np.zeros(idx.size + 1)
    limits[-1] = inputs.pool
    cap = inputs.cap_applied
    bounds: list[tuple[float | None, float | None]] = [(0.0, None)]
    bounds += [(inputs.floor_applied, None if math.isinf(cap) else cap)] * m
    x = _solve_lp(cost, rows, limits, bounds)
    return float(x[0])


def _leximin_levels(inputs: _Inputs) -> tuple[FloatArray, float]:
    """Continuous leximin on real grants by iterated LP.

    Each LP maximises the water level ``t`` (real grant, in units) with ``g_i >= t * p_i``
    for the regions not yet capped, their caps relaxed. A region whose cap level
    ``cap / p_i`` is at or below ``t`` is capped in the leximin solution: capping it only
    frees money, so the level of the others can only rise. All such regions are fixed at once
    and the LP is solved again; when no new region caps, ``g_i = max(floor, t * p_i)`` for
    the rest. On one budget constraint every region at the level is then blocked (the budget
    binds), so this is the whole leximin. Usually one to three LPs.

    Returns
    -------
    tuple[FloatArray, float]
        Target grants (USD) and the final level in units (``inf`` when all are capped).
    """
    n, price, unit = inputs.n, inputs.price, inputs.unit
    floor, cap = inputs.floor_applied, inputs.cap_applied
    capped = np.zeros(n.size, dtype=np.bool_)
    if float(n @ np.full(n.size, cap)) <= inputs.pool:
        return np.full(n.size, cap, dtype=np.float64), math.inf
    while True:
        free = np.flatnonzero(~capped)
        left = inputs.pool - (cap * float(n[capped].sum()) if capped.any() else 0.0)
        # Variables [t, g_free...]; minimise -t; t * p_i - g_i <= 0; sum n_i g_i <= left.
        cost = np.zeros(free.size + 1)
        cost[0] = -1.0
        rows = np.zeros((free.size + 1, free.size + 1))
        rows[np.arange(free.size), 0] = price[free]
        rows[np.arange(free.size), np.arange(free.size) + 1] = -1.0
        rows[-1, 1:] = n[free]
        limits = np.zeros(free.size + 1)
        limits[-1] = left
        bounds: list[tuple[float | None, float | None]] = [(0.0, None)]
        bounds += [(floor, None)] * free.size
        level = float(_solve_lp(cost, rows, limits, bounds)[0])
        newly = free[cap <= level * price[free] * (1 + _TIE)]
        if newly.size == 0:
            target = np.where(capped, cap, np.maximum(floor, level * price))
            return target.astype(np.float64), level / unit
        capped[newly] = True
        if capped.all():
            return np.full(n.size, cap, dtype=np.float64), math.inf


def _solve_lp(
    cost: FloatArray,
    rows: FloatArray,
    limits: FloatArray,
    bounds: Sequence[tuple[float | None, float | None]],
) -> FloatArray:
    """Solve ``min cost @ x`` s.t. ``rows @ x <= limits`` and bounds, with HiGHS."""
    # Imported here: scipy.optimize takes about 0.3 s to import, and the command line's
    # other verbs, and the equal rule, never need it.
    from scipy.optimize import linprog

    result = linprog(cost, A_ub=rows, b_ub=limits, bounds=bounds, method="highs")
    if result.status != 0:
        raise RuntimeError(f"the grant LP did not solve: {result.message}")
    return np.asarray(result.x, dtype=np.float64)


# --- rounding to units ------------------------------------------------------------------------


def _round_bounds(target: FloatArray, inputs: _Inputs, *, snap: bool) -> tuple[IntArray, IntArray]:
    """Each target rounded down and up to units, inside the floor and the cap.

    With ``snap``, a target within ``_TIE`` of a unit multiple (LP round-off) counts as that
    multiple, so it is neither rounded down nor given a unit more.
    """
    scaled = target / inputs.unit
    nearest = np.rint(scaled)
    on_grid = snap & (np.abs(scaled - nearest) <= _TIE * np.maximum(1.0, scaled))
    down = np.where(on_grid, nearest, np.floor(scaled))
    up = np.where(on_grid, nearest, np.ceil(scaled))
    lower = np.clip(down, inputs.floor_units, inputs.cap_units).astype(np.int64)
    upper = np.clip(up, lower, inputs.cap_units).astype(np.int64)
    return lower, upper


def _leximin_start(
    n: IntArray,
    weight: FloatArray,
    lower: IntArray,
    upper: IntArray,
    budget: int,
    target_units: FloatArray,
    level: float,
) -> IntArray:
    """A grant vector (units) that every leximin-optimal rounding reaches or exceeds.

    With ``need(t)_i = clip(ceil(t * w_i), lower_i, upper_i)``, the largest ``t`` whose
    ``need(t)`` fits the budget gives such a vector (every optimum gives each region at least
    the smaller of ``t`` and its cap in real terms). ``t`` is one of the values ``k / w_i``;
    only those between the rounded-down target and the continuous level can be it, so they
    are searched by bisection. Starting there saves the one-unit-at-a-time climb.
    """
    if not math.isfinite(level):
        return upper.copy()
    down = np.floor(target_units * (1 + _TIE))
    below_cap = down < upper
    low = float(np.min(down[below_cap] / weight[below_cap])) if below_cap.any() else 0.0
    high = level * (1 + _TIE)
    first = np.ceil(low * weight).astype(np.int64)
    last = np.floor(high * weight).astype(np.int64)
    counts = np.maximum(last - first + 1, 0)
    if counts.sum() > 1_000_000:
        return lower.copy()
    offsets = np.arange(counts.sum()) - np.repeat(np.cumsum(counts) - counts, counts)
    candidates = np.unique((np.repeat(first, counts) + offsets) / np.repeat(weight, counts))
    candidates = np.concatenate(([0.0], candidates))

    def need(t: float) -> IntArray:
        return np.clip(np.ceil(t * weight - _TIE * np.maximum(1.0, t * weight)), lower, upper)

    lo, hi = 0, candidates.size - 1  # candidates[0] = 0 needs only the lower bounds
    while lo < hi:
        mid = (lo + hi + 1) // 2
        if int(n @ need(float(candidates[mid]))) <= budget:
            lo = mid
        else:
            hi = mid - 1
    return need(float(candidates[lo])).astype(np.int64)


def _leximin_units(
    n: IntArray,
    weight: FloatArray,
    lower: IntArray,
    upper: IntArray,
    budget: int,
    rank: IntArray,
) -> tuple[IntArray, bool]:
    """The leximin-optimal ``k`` (units): ``lower <= k <= upper``, ``n @ (k - lower) <= budget``.

    Leximin is on ``k / weight``. The search keeps a state every optimum dominates, starting
    from ``lower``, and repeats:

    * a region that is at its upper bound or whose unit costs more than the budget left can
      never move again: fix it;
    * among the other regions, take the worst off (ties within ``_TIE``). If one unit for each
      of them fits, every optimum gives it to all of them (otherwise one stays at the minimum
      when it need not): do so;
    * otherwise the minimum can no longer rise and the fewest regions should stay at it, so
      the unit goes to as many of them as the budget allows. Among regions with the same
      weight and room, the cheapest are best (any plan for a dearer one works for a cheaper
      one, with money to spare). When tied regions differ in weight or room, which ones get
      the unit matters later, so the splits of the count between those groups are searched
      (branch and bound; splits that pass over a dominating region are skipped, see
      ``_Search._splits``) and the leximin-best end kept. The tied regions left out are
      fixed: had they fitted later, they would have fitted now.

    Checked against brute force over all unit-multiple vectors in ``tests/test_grants.py``.

    Parameters
    ----------
    n : IntArray
        Cost of one unit per region (its participants).
    weight : FloatArray
        Price levels or need scores (> 0).
    lower, upper : IntArray
        Bounds in units.
    budget : int
        Units of money left above ``n @ lower``.
    rank : IntArray
        Tie-break order (label rank): lower first.

    Returns
    -------
    tuple[IntArray, bool]
        The grants in units, and whether the search was exhaustive (False when it hit
        ``_SEARCH_LIMIT`` and gave the next units to the cheapest tied regions from there on).
    """
    search = _Search(n, weight, upper, rank)
    units = search.climb(lower.astype(np.int64), np.zeros(n.size, dtype=np.bool_), budget)
    assert units is not None  # only a branch with a bound gives up
    return units, search.exhaustive


class _Search:
    """State shared by the branches of :func:`_leximin_units` (a branch and bound)."""

    def __init__(self, n: IntArray, weight: FloatArray, upper: IntArray, rank: IntArray) -> None:
        self.n, self.weight, self.upper, self.rank = n, weight, upper, rank
        self.branches = 0
        self.exhaustive = True

    def climb(
        self, units: IntArray, fixed: BoolArray, budget: int, bound: FloatArray | None = None
    ) -> IntArray | None:
        """Hand out units from this state to the end; see :func:`_leximin_units`.

        With ``bound`` (the sorted real grants of the best end found so far), give up and
        return None as soon as this branch is sure to end worse.
        """
        units, fixed = units.copy(), fixed.copy()
        n, weight = self.n, self.weight
        checked = -1
        while True:
            fixed |= (units >= self.upper) | (n > budget)
            free = np.flatnonzero(~fixed)
            if free.size == 0:
                return units
            real = units[free] / weight[free]
            lowest = float(real.min())
            if bound is not None and free.size != checked:
                checked = free.size
                if self._beaten(units, fixed, lowest, bound):
                    return None
            tied = free[real <= lowest + _TIE * max(lowest, 1e-300)]
            cost = int(n[tied].sum())
            if cost <= budget:
                units[tied] += 1
                budget -= cost
                continue
            tied = tied[np.lexsort((self.rank[tied], n[tied]))]
            count = int(np.searchsorted(np.cumsum(n[tied]), budget, side="right"))
            groups = self._groups(units, tied)
            if len(groups) > 1 and self.branches < _SEARCH_LIMIT:
                return self._best_branch(units, fixed, budget, tied, groups, count, bound)
            if len(groups) > 1:
                self.exhaustive = False
            chosen = tied[:count]
            units[chosen] += 1
            budget -= int(n[chosen].sum())
            fixed[tied[count:]] = True

    def _beaten(self, units: IntArray, fixed: BoolArray, lowest: float, bound: FloatArray) -> bool:
        """Whether this state must end worse than ``bound``.

        Fixed regions at or below the lowest free real grant never move and every free one
        ends at or above it, so their sorted values open the final sorted vector.
        """
        done = units[fixed] / self.weight[fixed]
        prefix = np.sort(done[done <= lowest * (1 + _TIE)])
        return _leximin_better(bound[: prefix.size], prefix)

    def _best_branch(
        self,
        units: IntArray,
        fixed: BoolArray,
        budget: int,
        tied: IntArray,
        groups: list[IntArray],
        count: int,
        bound: FloatArray | None,
    ) -> IntArray | None:
        """Try each sensible split of the next ``count`` units between groups; keep the best."""
        best: IntArray | None = None
        for split in self._splits(units, groups, count, budget):
            chosen = np.concatenate([g[:k] for g, k in zip(groups, split, strict=True)])
            spend = int(self.n[chosen].sum())
            self.branches += 1
            after = units.copy()
            after[chosen] += 1
            later_fixed = fixed.copy()
            later_fixed[np.setdiff1d(tied, chosen)] = True
            end = self.climb(after, later_fixed, budget - spend, bound)
            if end is None:
                continue
            key = np.sort(end / self.weight)
            if bound is None or _leximin_better(key, bound):
                best, bound = end, key
            elif best is None and not _leximin_better(bound, key):
                best = end  # as good as the bound: keep it, a later branch must beat it
        return best

    def _splits(
        self, units: IntArray, groups: list[IntArray], count: int, budget: int
    ) -> Iterator[tuple[int, ...]]:
        """Units per group (the cheapest of each group first) that fit and pass no one over.

        Region ``a`` dominates region ``b`` when it has no more participants (costs no
        more), no higher price level (gains no less real value per unit) and no less room
        under its cap. Whatever ``b`` could later do with the unit, ``a`` can match in real
        value with no more units and no more money, so a split that gives ``b`` a unit and
        passes ``a`` over never ends better than the swap, and is skipped. Groups differ in
        price level or room, so within two groups this is one comparison of participants.
        """
        n = [self.n[g] for g in groups]
        sizes = [g.size for g in groups]
        prices = [float(self.weight[g[0]]) for g in groups]
        rooms = [int(self.upper[g[0]] - units[g[0]]) for g in groups]
        costs = [np.concatenate(([0], np.cumsum(x))) for x in n]
        rest = [sum(sizes[i:]) for i in range(len(groups) + 1)]

        def passes_over(a: int, took_a: int, b: int, took_b: int) -> bool:
            if not (prices[a] <= prices[b] and rooms[a] >= rooms[b]):
                return False
            return took_b > 0 and took_a < sizes[a] and n[a][took_a] <= n[b][took_b - 1]

        def walk(
            i: int, taken: tuple[int, ...], left: int, spent: int
        ) -> Iterator[tuple[int, ...]]:
            if i == len(groups):
                yield taken
                return
            for k in range(min(sizes[i], left), max(0, left - rest[i + 1]) - 1, -1):
                cost = spent + int(costs[i][k])
                if cost > budget or any(
                    passes_over(j, taken[j], i, k) or passes_over(i, k, j, taken[j])
                    for j in range(i)
                ):
                    continue
                yield from walk(i + 1, (*taken, k), left - k, cost)

        yield from walk(0, (), count, 0)

    def _groups(self, units: IntArray, tied: IntArray) -> list[IntArray]:
        """Tied regions grouped by (weight, room left), each group cheapest first."""
        room = self.upper[tied] - units[tied]
        keys = sorted({(float(self.weight[i]), int(r)) for i, r in zip(tied, room, strict=True)})
        return [
            tied[(self.weight[tied] == w) & (room == r)]  # tied is already cheapest-first
            for w, r in keys
        ]


def _leximin_better(a: FloatArray, b: FloatArray) -> bool:
    """Whether sorted vector ``a`` beats sorted vector ``b`` in leximin order (with ``_TIE``)."""
    differ = np.abs(a - b) > _TIE * np.maximum(np.maximum(np.abs(a), np.abs(b)), 1e-300)
    if not differ.any():
        return False
    first = int(np.argmax(differ))
    return bool(a[first] > b[first])


# --- feasibility ------------------------------------------------------------------------------


def _conflicts(inputs: _Inputs) -> list[tuple[str, list[str]]]:
    """What clashes among floor, cap and pool, each with its remedies (numbers included)."""
    problems: list[tuple[str, list[str]]] = []
    unit = inputs.unit
    floor_applied = inputs.floor_applied
    if inputs.floor_units > inputs.cap_units:
        problems.append(_floor_above_cap(inputs))
    seats = int(inputs.n.sum())
    need = seats * floor_applied
    budget = _budget_units(inputs.pool, unit) if inputs.pool >= 0 else -1
    if inputs.pool < 0 or seats * inputs.floor_units > budget:
        problems.append(_pool_short(inputs, seats, floor_applied, need))
    return problems


def _floor_above_cap(inputs: _Inputs) -> tuple[str, list[str]]:
    """The floor is above the cap, perhaps only once both are rounded to units."""
    floor_applied, cap_applied = inputs.floor_applied, inputs.cap_applied
    if inputs.floor > inputs.cap:
        conflict = (
            f"the floor {inputs.money(inputs.floor)} is above the cap {inputs.money(inputs.cap)}"
        )
    else:
        conflict = (
            f"in units of {inputs.money(inputs.unit)} the floor {inputs.money(inputs.floor)} "
            f"rounds up to {inputs.money(floor_applied)} and the cap {inputs.money(inputs.cap)} "
            f"down to {inputs.money(cap_applied)}"
        )
    remedies = [
        f"lower the floor to {inputs.money(cap_applied)}",
        f"raise the cap to {inputs.money(floor_applied)}",
    ]
    if inputs.floor <= inputs.cap:
        remedies.append("use a smaller unit")
    return conflict, remedies


def _pool_short(
    inputs: _Inputs, seats: int, floor_applied: float, need: float
) -> tuple[str, list[str]]:
    """The pool is negative or smaller than the floors need."""
    pool = inputs.pool
    if pool < 0:
        conflict = (
            f"the grant pool is {inputs.money(pool)}: costs and contingency exceed the budget"
        )
        if need > 0:
            conflict += f", before floors of {inputs.money(need)}"
    else:
        conflict = (
            f"floors of {inputs.money(floor_applied)} for {seats} participants need "
            f"{inputs.money(need)} but the grant pool is {inputs.money(pool)}"
        )
    shortfall = need - pool
    remedies = [
        "raise the total budget by "
        + inputs.money(math.ceil(shortfall / (1.0 - inputs.contingency_share) - 1e-9))
    ]
    if pool < 0:
        remedies.append(f"cut costs by {inputs.money(math.ceil(shortfall - 1e-9))}")
    elif seats > 0:
        lowered = _budget_units(pool, inputs.unit) // seats * inputs.unit
        remedies.append(f"lower the floor to {inputs.money(lowered)}")
    cut = _seats_to_cut(inputs, seats)
    if cut is not None:
        remedies.append(f"cut {cut} seat{'s' if cut > 1 else ''} ({seats} -> {seats - cut})")
    return conflict, remedies


def _seats_to_cut(inputs: _Inputs, seats: int) -> int | None:
    """Fewest seats whose cut makes the floors fit (each frees its floor and its costs).

    With ``k`` seats cut the pool grows by ``k * cost_per_participant`` and the floors need
    ``(seats - k) * floor``; the smallest such ``k`` is found exactly, in whole units.
    """
    freed = inputs.floor_applied + inputs.cost_per_participant
    if freed <= 0 or seats == 0:
        return None

    def fits(k: int) -> bool:
        pool = inputs.pool + k * inputs.cost_per_participant
        return pool >= 0 and (seats - k) * inputs.floor_units <= _budget_units(pool, inputs.unit)

    shortfall = seats * inputs.floor_applied - inputs.pool
    k = min(seats, max(1, math.ceil(shortfall / freed)))
    while k > 1 and fits(k - 1):
        k -= 1
    while k <= seats and not fits(k):
        k += 1
    return k if k <= seats else None


# --- inputs -----------------------------------------------------------------------------------


def _parse(
    participants: Counts,
    pool: float,
    cap: float,
    floor: float,
    rule: str,
    price_levels: Amounts | None,
    need: Amounts | None,
    unit: float,
    labels: Sequence[str] | None,
    cost_per_participant: float,
    contingency_share: float,
    currency: str,
) -> tuple[_Inputs | None, list[str]]:
    """Check and convert the arguments; ``(None, problems)`` when any is malformed."""
    problems: list[str] = []
    if rule not in GRANT_RULES:
        problems.append(f"rule must be one of {', '.join(GRANT_RULES)}; got {rule!r}")
    n, problem = _participants(participants)
    problems += problem
    m = n.size
    names, problem = _labels(labels, m)
    problems += problem
    problems += _amount_problems(pool, cap, floor, unit, cost_per_participant, contingency_share)
    needs_prices = rule in ("purchasing-power", "maximin")
    price, problem = _scores(
        price_levels, "price_levels", m, n, names, positive=True, required=needs_prices
    )
    problems += problem
    scores, problem = _scores(need, "need", m, n, names, positive=False, required=rule == "need")
    problems += problem
    active = n > 0
    if rule == "need" and scores is not None and active.any() and not (scores[active] > 0).any():
        problems.append("need scores are all 0 for regions with participants: give one a score > 0")
    if problems:
        return None, problems
    return (
        _Inputs(
            rule=rule,
            n=n,
            price=price if price is not None else np.ones(m),
            need=scores,
            labels=names,
            pool=float(pool),
            floor=float(floor),
            cap=float(cap),
            unit=float(unit),
            cost_per_participant=float(cost_per_participant),
            contingency_share=float(contingency_share),
            floor_units=_units_at_least(float(floor), float(unit)),
            cap_units=_units_at_most(float(cap), float(unit)),
            currency=currency,
        ),
        [],
    )


def _participants(participants: Counts) -> tuple[IntArray, list[str]]:
    """Participants as int64, or the problem."""
    try:
        values = np.asarray(participants, dtype=np.float64)
    except (TypeError, ValueError):
        return np.zeros(0, dtype=np.int64), ["participants must be a list of whole numbers"]
    if values.ndim != 1 or values.size == 0:
        return np.zeros(0, dtype=np.int64), ["participants must list at least one region"]
    bad = ~np.isfinite(values) | (values < 0) | (values != np.round(values))
    if bad.any():
        where = ", ".join(f"participants[{i}] = {values[i]:g}" for i in np.flatnonzero(bad)[:5])
        return np.zeros(values.size, dtype=np.int64), [
            f"participants must be whole numbers >= 0: {where}"
        ]
    return values.astype(np.int64), []


def _labels(labels: Sequence[str] | None, m: int) -> tuple[tuple[str, ...], list[str]]:
    """Region labels (default ``region 1``...), or the problem."""
    if labels is None:
        return tuple(f"region {i + 1}" for i in range(m)), []
    names = tuple(str(label) for label in labels)
    if len(names) != m:
        return names, [f"labels has {len(names)} entries but participants has {m}: give one each"]
    if len(set(names)) != m:
        dupes = sorted({x for x in names if names.count(x) > 1})
        return names, [f"labels must be distinct; repeated: {', '.join(dupes)}"]
    return names, []


def _amount_problems(
    pool: float,
    cap: float,
    floor: float,
    unit: float,
    cost_per_participant: float,
    contingency_share: float,
) -> list[str]:
    """Malformed amounts (non-finite, negative, out of range)."""
    problems = []
    if not math.isfinite(pool):
        problems.append(f"pool must be a finite amount; got {pool!r}")
    if math.isnan(cap) or cap < 0:
        problems.append(f"cap must be >= 0 (math.inf for no cap); got {cap!r}")
    if not math.isfinite(floor) or floor < 0:
        problems.append(f"floor must be a finite amount >= 0; got {floor!r}")
    if not math.isfinite(unit) or unit <= 0:
        problems.append(f"unit must be a finite amount > 0 (e.g. 1 or 500); got {unit!r}")
    if not math.isfinite(cost_per_participant) or cost_per_participant < 0:
        problems.append(f"cost_per_participant must be >= 0; got {cost_per_participant!r}")
    if not 0.0 <= contingency_share < 1.0:
        problems.append(f"contingency_share must be in [0, 1); got {contingency_share!r}")
    return problems


def _scores(
    values: Amounts | None,
    name: str,
    m: int,
    n: IntArray,
    labels: tuple[str, ...],
    *,
    positive: bool,
    required: bool,
) -> tuple[FloatArray | None, list[str]]:
    """Price levels or need scores: one per region, valid where there are participants."""
    what = "a price level > 0 (World Bank ratio, USA = 1)" if positive else "a need score >= 0"
    if values is None:
        return None, ([f"this rule needs {name}: give each region {what}"] if required else [])
    try:
        array = np.asarray(values, dtype=np.float64)
    except (TypeError, ValueError):
        return None, [f"{name} must be numbers (use NaN where unknown)"]
    if array.ndim != 1 or array.size != m:
        return None, [f"{name} has {array.size} entries but participants has {m}: give one each"]
    valid = np.isfinite(array) & ((array > 0) if positive else (array >= 0))
    bad = np.flatnonzero(~valid & (n > 0))
    if bad.size:
        where = ", ".join(f"{name}[{i}] ({labels[i]}) = {array[i]:g}" for i in bad[:5])
        return None, [f"every region with participants needs {what}: {where}"]
    return np.where(n > 0, array, np.nan if positive else 0.0).astype(np.float64), []


# --- small helpers ----------------------------------------------------------------------------


def _restrict(inputs: _Inputs, keep: BoolArray) -> _Inputs:
    """The same inputs for the regions in ``keep`` only."""
    return dataclasses.replace(
        inputs,
        n=inputs.n[keep],
        price=inputs.price[keep],
        need=None if inputs.need is None else inputs.need[keep],
        labels=tuple(inputs.labels[i] for i in np.flatnonzero(keep)),
    )


def _result(
    inputs: _Inputs, units: IntArray, target: FloatArray, notes: list[str]
) -> GrantAllocation:
    """Package grants (in units) as a read-only :class:`GrantAllocation`."""
    unit, n = inputs.unit, inputs.n
    grants = units * unit
    active = n > 0
    real = np.where(active, grants / np.where(active, inputs.price, 1.0), 0.0)
    spent = float(int(n @ units)) * unit
    binding: dict[str, str] = {}
    floor_applied, cap_applied = inputs.floor_applied, inputs.cap_applied
    for i in np.flatnonzero(active):
        at = [b for b, v in (("floor", floor_applied), ("cap", cap_applied)) if grants[i] == v]
        if at:
            binding[inputs.labels[i]] = " and ".join(at)
    return GrantAllocation(
        rule=inputs.rule,
        labels=inputs.labels,
        participants=_frozen(n.copy()),
        grants=_frozen(grants.astype(np.float64)),
        real_grants=_frozen(real.astype(np.float64)),
        totals=_frozen((n * grants).astype(np.float64)),
        target=_frozen(target.copy()),
        pool=inputs.pool,
        spent=spent,
        leftover=inputs.pool - spent,
        floor=floor_applied,
        cap=cap_applied,
        unit=unit,
        binding=MappingProxyType(binding),
        notes=tuple(notes),
    )


def _frozen(array: _Array) -> _Array:
    """The array, made read-only (the result is frozen, its arrays should be too)."""
    array.setflags(write=False)
    return array


def _ranks(inputs: _Inputs) -> IntArray:
    """Each region's position in label order (the tie-break)."""
    order = sorted(range(len(inputs.labels)), key=lambda i: inputs.labels[i])
    rank = np.empty(len(order), dtype=np.int64)
    rank[order] = np.arange(len(order))
    return rank


def _finite_cap_units(inputs: _Inputs) -> IntArray:
    """The cap in units per region; with no cap, as many units as the pool could ever buy."""
    budget = _budget_units(inputs.pool, inputs.unit)
    if math.isinf(inputs.cap_units):
        return (budget // inputs.n + inputs.floor_units).astype(np.int64)
    return np.full(inputs.n.size, int(inputs.cap_units), dtype=np.int64)


def _units_at_least(amount: float, unit: float) -> int:
    """The fewest units worth at least ``amount`` (exact in float arithmetic)."""
    k = math.ceil(amount / unit)
    while k > 0 and (k - 1) * unit >= amount:
        k -= 1
    while k * unit < amount:
        k += 1
    return k


def _units_at_most(amount: float, unit: float) -> float:
    """The most units worth at most ``amount`` (``inf`` for an infinite amount)."""
    if math.isinf(amount):
        return math.inf
    return float(_budget_units(amount, unit))


def _budget_units(amount: float, unit: float) -> int:
    """The most whole units with ``units * unit <= amount`` (exact in float arithmetic)."""
    k = math.floor(amount / unit)
    while k * unit > amount:
        k -= 1
    while (k + 1) * unit <= amount:
        k += 1
    return k


def _explain(conflict: str, remedies: Sequence[str]) -> str:
    """``conflict: a, b, or c``."""
    if not remedies:
        return conflict
    if len(remedies) == 1:
        return f"{conflict}: {remedies[0]}"
    return f"{conflict}: {', '.join(remedies[:-1])}, or {remedies[-1]}"
