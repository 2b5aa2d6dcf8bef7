"""Monte Carlo simulation of one plan: applicants, eligibility, seats filled, drop-out, money.

The caller decides the plan (seats per region, grant per participant per region); this
module draws what may happen to it. Every draw is one possible edition: how many people
apply in each region, how many of them are eligible, how many seats are filled (and, when
the scenario allows it, where the seats a region cannot fill go), who drops out month by
month, and what is spent each month. Draws are arrays (draws x regions, draws x months);
no Python loop runs over draws.

Glossary
--------
draw
    One simulated edition. Results are summarised over draws as a mean and P10/P50/P90.
P10, P50, P90
    The values below which 10%, 50% (the median) and 90% of the draws fall.
dispersion (k)
    Extra-Poisson spread of applicants: the variance of a region's applicants is
    ``mu + k * mu**2`` for a region expecting ``mu`` (0 = Poisson).
demand factor
    A year-wide multiplier on every region's expected applicants: a strong or weak year
    moves all regions together. ``demand_correlation`` (c) is the share of the extra-Poisson
    variance it carries.
unfilled seats
    Seats a region cannot fill because it has fewer eligible applicants than seats.
redistribution
    Giving unfilled seats to regions with eligible applicants to spare, by the plan's
    apportionment method, never beyond a region's eligible applicants or its cap.
drop-out
    A participant leaves at the end of a month with probability ``dropout_per_month``;
    completers are those still in after the last month.
overrun
    A draw whose total spend is above ``budget.total``.
unspent
    ``budget.total`` minus the spend of a draw (negative in an overrun).

The demand model
----------------
Region ``i`` expects ``mu_i`` applicants. Its applicants are Poisson with the random rate
``lambda_i = mu_i * S * L_i``, where ``S`` (shared by all regions) and ``L_i`` (the
region's own) are independent gamma factors with mean 1 and variances::

    a = c * k                      (variance of S)
    b = k * (1 - c) / (1 + c * k)  (variance of L_i)

chosen so that ``(1 + a) * (1 + b) - 1 = k``. Hence, for every correlation ``c``::

    E[A_i]        = mu_i
    Var[A_i]      = mu_i + k * mu_i**2
    Cov[A_i, A_j] = c * k * mu_i * mu_j                               (i != j)
    Corr[A_i, A_j] = c * k * mu_i * mu_j
                     / sqrt((mu_i + k * mu_i**2) * (mu_j + k * mu_j**2))

The correlation of the rates themselves is exactly ``c``; counts correlate a little less
because of their Poisson noise. With ``c = 0`` each region is exactly negative binomial;
with ``c = 1`` all the extra variance is shared. Eligible applicants are a binomial thinning
of applicants with the pass share ``p``; they are drawn as two independent Poisson counts
(eligible with rate ``p * lambda``, ineligible with rate ``(1 - p) * lambda``), which is the
same joint distribution as ``binomial(applicants, p)`` and about twice as fast in numpy.

Drop-out and money
------------------
The leavers of a month are binomial(present, rate), drawn by inverting the binomial CDF
with one uniform per draw, region and month; so, with the same seed, a higher rate or more
participants never give fewer leavers. Grants are paid by the disbursement schedule (month
``phase start + floor(at * phase months)``; an empty schedule pays everything at the start
of the last phase) to the participants present that month, at their region's grant (a
redistributed seat is paid its new region's grant). Participant costs are paid per
participant present per month at the rate of the month's phase, fixed costs every month;
both are multiplied by the draw's cost factor, lognormal with mean 1 and standard deviation
``cost_uncertainty``. In every draw, spend + unspent = ``budget.total``; the contingency
is money the plan does not commit, so it shows up as unspent unless costs eat into it.

Random streams
--------------
Every random quantity has its own stream, derived from the seed with
``numpy.random.SeedSequence(entropy=seed, spawn_key=...)``: the demand factor and the cost
factor have one each, and every region has one per quantity (demand rate, eligible,
ineligible, drop-out), keyed by a stable hash of the region's code. So adding, removing or
reordering regions leaves each region's own draws unchanged, and changing an input leaves
the draws of every quantity it does not feed unchanged: common random numbers, which keep
sensitivity analyses free of noise. The demand draws and drop-out uniforms of recent runs
are kept in a small cache (64 MB at most), so re-running a plan after a change that does
not touch them, or sweeping such an input, does not draw them again
(:func:`clear_draw_cache` empties it).

Pages use the tables of :class:`SimulationResult`; its raw arrays are read-only and are
there for tests and metrics.
"""

from __future__ import annotations

import hashlib
import math
import threading
from collections import OrderedDict
from collections.abc import Hashable
from dataclasses import dataclass
from functools import cached_property, lru_cache
from typing import Any, Final

import numpy as np
import numpy.typing as npt
import pandas as pd

from planning.apportion import METHODS, canonical_method, signposts
from planning.regions import region_table
from planning.scenario import Scenario, Simulation

FloatArray = npt.NDArray[np.float64]
IntArray = npt.NDArray[np.int64]
BoolArray = npt.NDArray[np.bool_]
Seed = int | np.random.Generator | None
# Applicants, eligible applicants (draws x regions) and the demand factor (draws,).
Demand = tuple[IntArray, IntArray, FloatArray]
Arrays = tuple[npt.NDArray[Any], ...]

QUANTILES: Final = (0.1, 0.5, 0.9)
QUANTITIES: Final = ("applicants", "eligible", "filled", "completers")
MONEY_PARTS: Final = ("spend", "grants", "participant_costs", "fixed_costs", "unspent")
MAX_HISTOGRAM_BINS: Final = 60
# Widest total range of whole-number values summarised by counting rather than sorting.
_COUNTING_LIMIT: Final = 1 << 22

# Sentinel cap for regions without one: larger than any seat count the schema allows.
NO_CAP: Final = 2**62

# Stream tags of the spawn keys; region streams add the code's hash and the quantity.
_STREAM_DEMAND_FACTOR: Final = 0
_STREAM_COST_FACTOR: Final = 1
_STREAM_REGION: Final = 2
_RATE, _ELIGIBLE, _INELIGIBLE, _DROPOUT = 0, 1, 2, 3

# Drop-out counts up to this use a table of the binomial CDF; larger ones scipy's quantile.
_CDF_TABLE_LIMIT: Final = 512

# Apportionment ties: Hamilton remainders agreeing to 9 decimals, divisor priorities to a
# relative 1e-12, count as equal (floating point cannot tell exact ties from near ones).
_TIE_DECIMALS: Final = 9
_TIE_RELATIVE: Final = 1e-12

# A disbursement at e.g. at=1/3 of a 3-month phase is meant for month 1, not 0.999... -> 0.
_AT_TOLERANCE: Final = 1e-9

# --- the result ------------------------------------------------------------------------------


@dataclass(frozen=True, eq=False)
class SimulationResult:
    """What the draws say about a plan.

    Pages must use the tables (``regions``, ``tracks``, ``totals``, ``money``, ``monthly``,
    ``cohort_histogram``) and the scalar risks; they are built from the draws on first use
    and kept. The raw draws (the array attributes) are there for tests and metrics only.

    Attributes
    ----------
    draws, entropy
        Number of draws, and the seed entropy every random stream was derived from.
    budget_total, contingency, planned_total
        The budget, the part of it held back as contingency, and the plan's spend.
    p_overrun
        Share of draws whose spend is above the budget.
    expected_unspent
        Mean over draws of budget less spend (negative when overruns dominate).
    region_table
        The regions' inputs as simulated (region, track, expected_applicants, cap, ...).
    seats, grants, month_labels, month_phases, planned_monthly
        The plan simulated, the programme months (YYYY-MM) with their phase names, and the
        plan's spend per month (:func:`planned_spend`).
    applicants, eligible, filled_own, filled, completers
        Draws x regions counts; ``filled_own`` is before redistribution.
    present
        Draws x months: participants in the programme during each month (all regions).
    grant_spend, participant_cost_spend, fixed_cost_spend, monthly_spend, cumulative_spend
        Draws x months money.
    spent, unspent, demand_factor, cost_factor
        One value per draw.
    """

    draws: int
    entropy: int
    budget_total: float
    contingency: float
    planned_total: float
    p_overrun: float
    expected_unspent: float
    region_table: pd.DataFrame
    seats: IntArray
    grants: FloatArray
    month_labels: tuple[str, ...]
    month_phases: tuple[str, ...]
    planned_monthly: FloatArray
    applicants: IntArray
    eligible: IntArray
    filled_own: IntArray
    filled: IntArray
    completers: IntArray
    present: IntArray
    grant_spend: FloatArray
    participant_cost_spend: FloatArray
    fixed_cost_spend: FloatArray
    monthly_spend: FloatArray
    cumulative_spend: FloatArray
    spent: FloatArray
    unspent: FloatArray
    demand_factor: FloatArray
    cost_factor: FloatArray

    @cached_property
    def regions(self) -> pd.DataFrame:
        """Per region: seats, grant, mean and P10/P50/P90 of each quantity, risk of gaps.

        ``p_unfilled`` is the probability the region cannot fill its own seats (before any
        redistribution); ``received_mean`` the mean seats it gains from redistribution.
        """
        table = self.region_table
        columns: dict[str, Any] = {
            "region": table["region"].to_numpy(),
            "track": table["track"].to_numpy(),
            "seats": self.seats,
            "grant": self.grants,
            "expected_applicants": table["expected_applicants"].to_numpy(dtype=float),
        }
        for name in QUANTITIES:
            columns |= _bands(name, getattr(self, name))
        columns["p_unfilled"] = (self.filled_own < self.seats).mean(axis=0)
        columns["unfilled_own_mean"] = (self.seats - self.filled_own).mean(axis=0)
        columns["received_mean"] = (self.filled - self.filled_own).mean(axis=0)
        return pd.DataFrame(columns)

    @cached_property
    def tracks(self) -> pd.DataFrame:
        """Per track: the same bands as :attr:`regions`, over the track's regions together."""
        codes = self.region_table["track"].to_numpy()
        names = list(dict.fromkeys(codes.tolist()))
        membership = np.stack([codes == name for name in names], axis=1)
        seats = _sum_columns(self.seats[None, :], membership)[0]
        columns: dict[str, Any] = {"track": names, "seats": seats}
        for name in QUANTITIES:
            columns |= _bands(name, _sum_columns(getattr(self, name), membership))
        own = _sum_columns(self.filled_own, membership)
        columns["p_unfilled"] = (own < seats).mean(axis=0)
        return pd.DataFrame(columns)

    @cached_property
    def totals(self) -> pd.DataFrame:
        """Whole cohort: one row per quantity with its planning figure, mean and P10/P50/P90.

        The planning figure (``plan``) is the expected applicants, the expected eligible
        applicants, and the seats (for both seats filled and completers).
        """
        rows = [_band_row(name, getattr(self, name).sum(axis=1)) for name in QUANTITIES]
        frame = pd.DataFrame(rows)
        table = self.region_table
        eligible = (
            float(table["eligible_applicants"].sum())
            if "eligible_applicants" in table
            else math.nan
        )
        seats = float(self.seats.sum())
        plan = [float(table["expected_applicants"].sum()), eligible, seats, seats]
        frame.insert(1, "plan", plan)
        return frame

    @cached_property
    def money(self) -> pd.DataFrame:
        """Whole programme: spend, its parts and the unspent money, mean and P10/P50/P90."""
        values = {
            "spend": self.spent,
            "grants": self.grant_spend.sum(axis=1),
            "participant_costs": self.participant_cost_spend.sum(axis=1),
            "fixed_costs": self.fixed_cost_spend.sum(axis=1),
            "unspent": self.unspent,
        }
        return pd.DataFrame([_band_row(name, values[name]) for name in MONEY_PARTS])

    @cached_property
    def monthly(self) -> pd.DataFrame:
        """Per month: the plan's spend and the spend bands, monthly and cumulative."""
        columns: dict[str, Any] = {
            "month": np.arange(len(self.month_labels)),
            "label": list(self.month_labels),
            "phase": list(self.month_phases),
            "planned": self.planned_monthly,
            "planned_cumulative": np.cumsum(self.planned_monthly),
        }
        columns |= _bands("spend", self.monthly_spend)
        columns |= _bands("cumulative", self.cumulative_spend)
        return pd.DataFrame(columns)

    @cached_property
    def cohort_histogram(self) -> pd.DataFrame:
        """Histogram of cohort size: seats filled and completers in all, over the draws.

        Bins are ``[low, high)`` in whole participants, shared by both quantities; one
        participant wide unless the range needs more than 60 bins.
        """
        filled = self.filled.sum(axis=1)
        completers = self.completers.sum(axis=1)
        low = int(min(filled.min(), completers.min()))
        span = int(max(filled.max(), completers.max())) - low + 1
        width = max(1, math.ceil(span / MAX_HISTOGRAM_BINS))
        bins = math.ceil(span / width)
        edges = low + width * np.arange(bins + 1)
        frames = []
        for name, values in (("filled", filled), ("completers", completers)):
            counts = np.bincount((values - low) // width, minlength=bins)
            frames.append(
                pd.DataFrame(
                    {
                        "quantity": name,
                        "low": edges[:-1],
                        "high": edges[1:],
                        "count": counts,
                        "share": counts / self.draws,
                    }
                )
            )
        return pd.concat(frames, ignore_index=True)


def _sum_columns(values: IntArray, membership: BoolArray) -> IntArray:
    """Sum the columns of each group (membership: regions x groups) into one column each."""
    # A loop over the few groups beats a matrix product here: numpy has no integer BLAS.
    return np.stack([values[:, group].sum(axis=1) for group in membership.T], axis=1)


def quantiles(values: npt.NDArray[Any]) -> FloatArray:
    """P10, P50, P90 along the draws (axis 0), numpy's default (linear) definition.

    Whole-number draws take a counting path that gives the same numbers faster.
    """
    if values.dtype.kind in "iu" and values.size:
        counted = _counted_quantiles(values.reshape(len(values), -1))
        if counted is not None:
            return counted.reshape((len(QUANTILES), *values.shape[1:]))
    result: FloatArray = np.quantile(values, QUANTILES, axis=0)
    return result


def _counted_quantiles(columns: npt.NDArray[Any]) -> FloatArray | None:
    """Quantiles of whole-number columns by counting, or None when their range is too wide.

    Counts are small whole numbers, so one ``bincount`` over all columns (each shifted into
    its own range) and a cumulative sum locate every order statistic; this is several times
    faster than sorting-based ``numpy.quantile`` and gives the same linear interpolation.
    """
    draws, width = columns.shape
    low = columns.min(axis=0).astype(np.int64)
    span = columns.max(axis=0).astype(np.int64) - low + 1
    if int(span.sum()) > _COUNTING_LIMIT:
        return None
    starts = np.cumsum(span) - span
    codes = (columns - (low - starts)[None, :]).ravel(order="K")
    cumulative = np.cumsum(np.bincount(codes, minlength=int(span.sum())))
    position = (draws - 1) * np.asarray(QUANTILES)
    below = np.floor(position).astype(np.int64)
    above = np.minimum(below + 1, draws - 1)
    fraction = (position - below)[:, None]
    first = np.arange(width, dtype=np.int64) * draws

    def order_statistic(rank: IntArray) -> FloatArray:
        found = np.searchsorted(cumulative, first[None, :] + rank[:, None], side="right")
        value: FloatArray = (found - starts[None, :] + low[None, :]).astype(float)
        return value

    lower, upper = order_statistic(below), order_statistic(above)
    result: FloatArray = lower + fraction * (upper - lower)
    return result


def _bands(name: str, values: npt.NDArray[Any]) -> dict[str, FloatArray]:
    """Columns ``<name>_mean``, ``_p10``, ``_p50``, ``_p90`` over the draws (axis 0)."""
    columns = {f"{name}_mean": values.mean(axis=0)}
    for q, band in zip(QUANTILES, quantiles(values), strict=True):
        columns[f"{name}_p{round(q * 100)}"] = band
    return columns


def _band_row(name: str, values: npt.NDArray[Any]) -> dict[str, float | str]:
    p10, p50, p90 = (float(v) for v in quantiles(values))
    return {"quantity": name, "mean": float(values.mean()), "p10": p10, "p50": p50, "p90": p90}


def simulation_metrics(result: SimulationResult) -> dict[str, float]:
    """Headline figures of a simulation, for sensitivity analyses and comparisons.

    Keys: ``spend_mean``, ``spend_p10``, ``spend_p50``, ``spend_p90``, ``unspent_mean``,
    ``p_overrun``, ``filled_mean``, ``filled_p10``, ``filled_p50``, ``filled_p90``,
    ``completers_mean``, ``completers_p50``, ``applicants_mean``, ``eligible_mean``,
    ``p_any_unfilled`` (some region cannot fill its own seats) and ``empty_seats_mean``
    (seats still empty after redistribution).
    """
    filled = result.filled.sum(axis=1)
    completers = result.completers.sum(axis=1)
    spend = quantiles(result.spent)
    filled_q = quantiles(filled)
    return {
        "spend_mean": float(result.spent.mean()),
        "spend_p10": float(spend[0]),
        "spend_p50": float(spend[1]),
        "spend_p90": float(spend[2]),
        "unspent_mean": result.expected_unspent,
        "p_overrun": result.p_overrun,
        "filled_mean": float(filled.mean()),
        "filled_p10": float(filled_q[0]),
        "filled_p50": float(filled_q[1]),
        "filled_p90": float(filled_q[2]),
        "completers_mean": float(completers.mean()),
        "completers_p50": float(np.median(completers)),
        "applicants_mean": float(result.applicants.sum(axis=1).mean()),
        "eligible_mean": float(result.eligible.sum(axis=1).mean()),
        "p_any_unfilled": float((result.filled_own < result.seats).any(axis=1).mean()),
        "empty_seats_mean": float(result.seats.sum() - filled.mean()),
    }


# --- the calendar and the plan -----------------------------------------------------------------


def month_phases(scenario: Scenario) -> tuple[str, ...]:
    """The phase each programme month belongs to, month by month."""
    return tuple(phase.name for phase in scenario.phases for _ in range(phase.months))


def month_labels(scenario: Scenario) -> tuple[str, ...]:
    """Programme months as YYYY-MM, from ``start_month``."""
    year, month = (int(part) for part in scenario.start_month.split("-"))
    first = year * 12 + month - 1
    return tuple(
        f"{(first + m) // 12:04d}-{(first + m) % 12 + 1:02d}" for m in range(_months(scenario))
    )


def disbursement_months(scenario: Scenario) -> list[tuple[int, float]]:
    """Grant payments as (month index, share of the grant), in the schedule's order.

    A payment at ``at`` into a phase falls in month ``phase start + floor(at * phase months)``.
    An empty schedule pays the whole grant at the start of the last phase.
    """
    starts: dict[str, int] = {}
    lengths: dict[str, int] = {}
    month = 0
    for phase in scenario.phases:
        starts[phase.name], lengths[phase.name] = month, phase.months
        month += phase.months
    if not scenario.budget.disbursement:
        return [(starts[scenario.phases[-1].name], 1.0)]
    payments = []
    for i, payment in enumerate(scenario.budget.disbursement):
        if payment.phase not in starts:
            raise ValueError(
                f"budget.disbursement[{i}].phase: phase {payment.phase!r} is not defined; "
                f"use one of {list(starts)}"
            )
        offset = math.floor(payment.at * lengths[payment.phase] + _AT_TOLERANCE)
        payments.append((starts[payment.phase] + offset, payment.share))
    return payments


def _months(scenario: Scenario) -> int:
    months = scenario.months
    if months < 1:
        raise ValueError("phases: the programme lasts 0 months; give a phase 1 month or more")
    return months


def _participant_cost_by_month(scenario: Scenario) -> FloatArray:
    costs = scenario.budget.participant_costs
    return np.array([costs.get(name, 0.0) for name in month_phases(scenario)], dtype=float)


def planned_spend(scenario: Scenario, seats: npt.ArrayLike, grants: npt.ArrayLike) -> FloatArray:
    """Spend per month if every seat is filled, nobody drops out and costs are as budgeted.

    Parameters
    ----------
    scenario
        The scenario (phases, budget, disbursement schedule).
    seats, grants
        Seats per region and grant per participant per region, in the scenario's order.

    Returns
    -------
    numpy.ndarray
        Spend per programme month, shape (months,).
    """
    count = len(scenario.regions)
    seats_array = _check_seats(seats, count)
    grants_array = _check_grants(grants, count)
    months = _months(scenario)
    spend = _participant_cost_by_month(scenario) * float(seats_array.sum())
    spend += scenario.budget.fixed_costs_per_month
    committed = float(seats_array @ grants_array)
    for month, share in disbursement_months(scenario):
        spend[month] += share * committed
    assert spend.shape == (months,)
    return spend


# --- checking the arguments ------------------------------------------------------------------


def _check_seats(seats: npt.ArrayLike, count: int) -> IntArray:
    array = np.asarray(seats)
    if array.shape != (count,):
        raise ValueError(
            f"seats: expected one seat count per region ({count}, in the scenario's order), "
            f"got an array of shape {array.shape}"
        )
    if array.dtype.kind == "f" and not np.all(np.isfinite(array) & (array == np.round(array))):
        raise ValueError("seats: every seat count must be a whole number; round the counts first")
    if array.dtype.kind not in "iuf" or (array.size and array.min() < 0):
        raise ValueError("seats: seat counts must be non-negative whole numbers")
    return array.astype(np.int64)


def _check_grants(grants: npt.ArrayLike, count: int) -> FloatArray:
    array = np.asarray(grants, dtype=float)
    if array.shape != (count,):
        raise ValueError(
            f"grants: expected one grant per participant for each region ({count}, in the "
            f"scenario's order), got an array of shape {array.shape}"
        )
    if not np.all(np.isfinite(array)) or (array.size and array.min() < 0):
        raise ValueError("grants: every grant must be a finite, non-negative amount")
    return array


def _check_weights(weights: npt.ArrayLike, count: int) -> FloatArray:
    array = np.asarray(weights, dtype=float)
    if array.shape != (count,):
        raise ValueError(
            f"weights: expected one weight per region ({count}), got shape {array.shape}"
        )
    if not np.all(np.isfinite(array)) or (array.size and array.min() < 0):
        raise ValueError("weights: every weight must be finite and non-negative")
    return array


def _check_draws(draws: int) -> int:
    if isinstance(draws, bool) or not isinstance(draws, int | np.integer) or draws < 1:
        raise ValueError(f"draws: give a whole number of draws, 1 or more (got {draws!r})")
    return int(draws)


def seed_entropy(seed: int | np.random.Generator) -> int:
    """One integer every stream is derived from; a Generator passed in is advanced once."""
    if isinstance(seed, np.random.Generator):
        return int(seed.integers(0, 2**63))
    if isinstance(seed, bool) or not isinstance(seed, int | np.integer) or seed < 0:
        raise ValueError(
            f"seed: give a non-negative whole number or a numpy.random.Generator (got {seed!r})"
        )
    return int(seed)


def _check_table(table: pd.DataFrame, count: int) -> None:
    needed = {"region", "track", "expected_applicants", "cap"}
    missing = sorted(needed - set(table.columns))
    if missing:
        raise ValueError(
            f"table: missing column(s) {missing}; pass planning.regions.region_table(scenario)"
        )
    if len(table) != count:
        raise ValueError(
            f"table: has {len(table)} rows but the scenario has {count} regions; "
            "pass planning.regions.region_table(scenario)"
        )
    expected = table["expected_applicants"].to_numpy(dtype=float)
    bad = ~np.isfinite(expected) | (expected < 0)
    if bad.any():
        code = table["region"].iloc[int(np.argmax(bad))]
        raise ValueError(
            f"regions: the expected applicants of {code} are unknown or negative; set "
            "cohort.expected_applicants or the region's expected_applicants"
        )
    if count and not expected.any():
        raise ValueError(
            "cohort.expected_applicants: the simulation needs applicants but none are "
            "expected (0 means unknown); set cohort.expected_applicants, e.g. 10 per seat"
        )


def _caps(table: pd.DataFrame) -> IntArray:
    caps = table["cap"]
    return np.where(caps.isna().to_numpy(), NO_CAP, caps.fillna(0).to_numpy(dtype=np.int64))


# --- random streams --------------------------------------------------------------------------


def stable_key(code: str) -> int:
    """A stable 64-bit hash of a code (a region's, an audience's): its random streams' key.

    Not Python's ``hash``, which is salted per process.
    """
    return int.from_bytes(hashlib.blake2b(code.encode("utf-8"), digest_size=8).digest(), "little")


@lru_cache(maxsize=4096)
def _seed_sequence(entropy: int, key: tuple[int, ...]) -> np.random.SeedSequence:
    # Cached because hashing the entropy is most of a stream's set-up cost, and sweeps
    # re-create the same streams at every grid point (it is never spawned from, so sharing
    # it is safe).
    return np.random.SeedSequence(entropy=entropy, spawn_key=key)


def random_stream(entropy: int, *key: int) -> np.random.Generator:
    """The generator of one named stream: the same entropy and key give the same numbers."""
    return np.random.Generator(np.random.PCG64(_seed_sequence(entropy, key)))


def _gamma_factor(
    entropy: int, key: tuple[int, ...], variance: float, draws: int
) -> FloatArray | None:
    """Mean-1 gamma draws with the given variance; None when the variance is 0 (factor 1)."""
    if variance <= 0.0:
        return None
    shape = 1.0 / variance
    values: FloatArray = random_stream(entropy, *key).gamma(shape, variance, draws)
    return values


def factor_variances(dispersion: float, correlation: float) -> tuple[float, float]:
    """Variances (shared a, own b) of the demand factors; see the module docstring.

    ``a = c * k`` and ``b = k * (1 - c) / (1 + c * k)`` so that ``(1 + a)(1 + b) - 1 = k``.
    """
    shared = correlation * dispersion
    own = dispersion * (1.0 - correlation) / (1.0 + shared)
    return shared, own


# --- seats: filling and redistributing ---------------------------------------------------------


def apportion_batch(
    weights: npt.ArrayLike, seats: npt.ArrayLike, method: str, caps: npt.ArrayLike
) -> IntArray:
    """Apportion a different number of seats in every row, each region capped per row.

    Row ``r`` shares ``seats[r]`` seats among the regions in proportion to ``weights`` by
    ``method``, giving region ``j`` at most ``caps[r, j]``: the same seats as
    ``planning.apportion.apportion(weights, seats[r], method, caps=caps[r])``, row by row.
    As there, a region with zero weight gets nothing, and exact ties go to the larger
    weight, then to the region listed first (here compared in floating point).

    Hamilton caps by water-filling (a capped region keeps its cap, the rest share what is
    left in proportion), then hands the remaining seats to the largest remainders. Divisor
    methods give seats one at a time to the highest ``weight / d(seats held)``; that loop
    runs once per seat of the largest row, vectorised over rows.

    Parameters
    ----------
    weights
        Shape (regions,) or (rows, regions), non-negative.
    seats
        Shape (rows,): seats to apportion in each row; at most what the caps of the
        positive-weight regions hold.
    method
        An apportionment method: hamilton, jefferson/dhondt, webster/sainte-lague,
        huntington-hill, adams or dean.
    caps
        Shape (rows, regions): the most seats each region may get in each row.

    Returns
    -------
    numpy.ndarray
        Seats, shape (rows, regions), int64.
    """
    cap = np.asarray(caps, dtype=np.int64)
    total = np.asarray(seats, dtype=np.int64)
    if cap.ndim != 2 or total.shape != (cap.shape[0],):
        raise ValueError("seats, caps: give seats of shape (rows,) and caps of (rows, regions)")
    weight = np.broadcast_to(np.asarray(weights, dtype=float), cap.shape)
    # Only ratios matter; scaling each row to a largest weight of 1 keeps tiny weights from
    # overflowing a quota.
    largest = weight.max(axis=1, keepdims=True) if cap.size else np.ones((len(cap), 1))
    weight = weight / np.where(largest > 0, largest, 1.0)
    active = (weight > 0) & (cap > 0)
    if np.any(total > np.where(active, cap, 0).sum(axis=1)):
        raise ValueError(
            "seats: a row has more seats than the caps of its positive-weight regions hold; "
            "lower the seats or raise the caps"
        )
    name = canonical_method(method)
    if METHODS[name].kind == "divisor":
        return _divisor_batch(weight, total, cap, active, name)
    return _hamilton_batch(weight, total, cap, active)


def _hamilton_batch(
    weight: FloatArray, total: IntArray, cap: IntArray, active: BoolArray
) -> IntArray:
    rows, regions = cap.shape
    capped = np.zeros((rows, regions), dtype=bool)
    quota = np.zeros((rows, regions))
    for _ in range(regions + 1):
        free = active & ~capped
        free_weight = np.where(free, weight, 0.0).sum(axis=1)
        left = total - np.where(capped, cap, 0).sum(axis=1)
        scale = np.divide(left, free_weight, out=np.zeros(rows), where=free_weight > 0)
        quota = np.where(capped, cap, np.where(free, weight * scale[:, None], 0.0))
        over = free & (quota > cap)
        if not over.any():
            break
        capped |= over
    base = np.minimum(np.floor(quota).astype(np.int64), cap)
    short = total - base.sum(axis=1)
    # Remainders equal in exact arithmetic can differ in the last bits (6 * 1/18 against
    # 6 * 4/18 - 1), so they are compared rounded, and ties go to the larger weight, then
    # to the lower index.
    remainder = np.where(active & (base < cap), np.round(quota - base, _TIE_DECIMALS), -1.0)
    index = np.broadcast_to(np.arange(regions), cap.shape)
    order = np.lexsort((index, -weight, -remainder), axis=1)
    rank = np.empty_like(order)
    np.put_along_axis(rank, order, np.broadcast_to(np.arange(regions), cap.shape), axis=1)
    result: IntArray = base + (rank < short[:, None])
    return result


def _divisor_batch(
    weight: FloatArray, total: IntArray, cap: IntArray, active: BoolArray, method: str
) -> IntArray:
    held = np.zeros(cap.shape, dtype=np.int64)
    remaining = total.copy()
    rows = np.flatnonzero(remaining > 0)
    while rows.size:
        counts = held[rows]
        divisor = signposts(method, counts.astype(float))
        row_weight = weight[rows]
        # d(0) = 0 (Adams, Huntington-Hill, Dean): a region holding nothing comes first.
        safe = np.where(divisor > 0, divisor, 1.0)
        priority = np.where(divisor > 0, row_weight / safe, np.inf)
        open_ = active[rows] & (counts < cap[rows])
        priority = np.where(open_, priority, -np.inf)
        # Highest priority (within rounding error: d(s) is not always exact); ties to the
        # larger weight, then the lower index (argmax takes the first).
        best = priority.max(axis=1, keepdims=True)
        tied = open_ & (priority >= best * (1.0 - _TIE_RELATIVE))
        tied_weight = np.where(tied, row_weight, -np.inf)
        pick = np.argmax(tied & (tied_weight == tied_weight.max(axis=1, keepdims=True)), axis=1)
        held[rows, pick] += 1
        remaining[rows] -= 1
        rows = rows[remaining[rows] > 0]
    return held


def fill_seats(
    seats: IntArray,
    eligible: IntArray,
    *,
    caps: IntArray,
    weights: FloatArray,
    method: str,
    redistribute: bool,
) -> tuple[IntArray, IntArray]:
    """Fill each region's seats from its eligible applicants, then redistribute the gaps.

    Parameters
    ----------
    seats
        Seats per region, shape (regions,).
    eligible
        Eligible applicants, shape (draws, regions).
    caps
        Most seats per region (``NO_CAP`` for none), shape (regions,).
    weights
        Apportionment weights of the regions, shape (regions,).
    method
        The scenario's apportionment method.
    redistribute
        Whether seats a region cannot fill go to regions with eligible applicants to spare.

    Returns
    -------
    tuple of numpy.ndarray
        Seats filled before and after redistribution, each (draws, regions). The unfilled
        seats of a draw are apportioned by ``method`` and ``weights`` among the regions with
        room, a region's room being ``min(eligible, cap)`` less what it already filled (none
        for a zero-weight region, which apportionment never gives a seat). When no cap is
        below its region's seats, the total filled is therefore
        ``min(sum(seats), sum(min(eligible, cap)))`` over the positive-weight regions plus
        ``min(seats, eligible)`` over the others.
    """
    # Worked region-major (regions x draws): sums over regions then add whole rows.
    by_region = eligible.T
    own = np.minimum(seats[:, None], by_region)
    if not redistribute:
        return own.T, own.T
    unfilled = seats.sum() - own.sum(axis=0)
    room = np.minimum(by_region, caps[:, None])
    room -= own
    np.maximum(room, 0, out=room)
    room[weights <= 0] = 0
    moved = np.minimum(unfilled, room.sum(axis=0))
    rows = np.flatnonzero(moved > 0)
    if not rows.size:
        return own.T, own.T
    filled = own.copy()
    filled[:, rows] += apportion_batch(weights, moved[rows], method, room[:, rows].T).T
    return own.T, filled.T


# --- the simulation --------------------------------------------------------------------------


def simulate(
    scenario: Scenario,
    seats: npt.ArrayLike,
    grants: npt.ArrayLike,
    *,
    draws: int | None = None,
    seed: Seed = None,
    table: pd.DataFrame | None = None,
    weights: npt.ArrayLike | None = None,
) -> SimulationResult:
    """Draw what may happen to a plan: applicants, seats filled, drop-out and money.

    Parameters
    ----------
    scenario
        The scenario; its ``simulation`` section gives the rates and the defaults.
    seats, grants
        Seats per region and grant per participant per region, in the scenario's order (the
        caller runs the apportionment and the grant rule). A seat redistributed to another
        region is paid that region's grant.
    draws, seed
        Number of draws and the seed (an int or a ``numpy.random.Generator``); default to
        ``scenario.simulation.draws`` and ``.seed``.
    table
        The region table, if already computed (``planning.regions.region_table``).
    weights
        Apportionment weights for redistributing unfilled seats; default: each region's
        expected eligible applicants. Pass the plan's weights to redistribute like the plan.

    Returns
    -------
    SimulationResult
        Tables for pages, risks, and the raw draws for tests.
    """
    sim = scenario.simulation
    count = len(scenario.regions)
    draws = _check_draws(sim.draws if draws is None else draws)
    entropy = seed_entropy(sim.seed if seed is None else seed)
    table = region_table(scenario) if table is None else table
    _check_table(table, count)
    seats_array = _check_seats(seats, count)
    grants_array = _check_grants(grants, count)
    if weights is None:
        weights = table["expected_applicants"].to_numpy(dtype=float) * (
            scenario.eligibility.pass_share
        )
    weights_array = _check_weights(weights, count)
    months = _months(scenario)

    applicants, eligible, demand_factor = _draw_applicants(scenario, table, draws, entropy)
    filled_own, filled = fill_seats(
        seats_array,
        eligible,
        caps=_caps(table),
        weights=weights_array,
        method=scenario.cohort.method,
        redistribute=sim.redistribute_unfilled,
    )
    present, committed, completers = _draw_dropout(
        scenario, table, filled, grants_array, entropy, months
    )

    grant_spend = np.zeros((draws, months))
    for month, share in disbursement_months(scenario):
        grant_spend[:, month] += share * committed[:, month]
    cost_factor = lognormal_factor(sim.cost_uncertainty, entropy, draws)
    participant_cost_spend = present * _participant_cost_by_month(scenario)[None, :]
    participant_cost_spend *= cost_factor[:, None]
    fixed_cost_spend = np.repeat(
        (scenario.budget.fixed_costs_per_month * cost_factor)[:, None], months, axis=1
    )
    monthly_spend = grant_spend + participant_cost_spend + fixed_cost_spend
    cumulative_spend = np.cumsum(monthly_spend, axis=1)
    spent = cumulative_spend[:, -1].copy()
    total = scenario.budget.total
    unspent = total - spent
    planned = planned_spend(scenario, seats_array, grants_array)

    # Results are read-only like the dataclass holding them (and may share cached draws).
    for array in (
        filled_own,
        filled,
        completers,
        present,
        grant_spend,
        participant_cost_spend,
        fixed_cost_spend,
        monthly_spend,
        cumulative_spend,
        spent,
        unspent,
        cost_factor,
        planned,
    ):
        array.setflags(write=False)
    return SimulationResult(
        draws=draws,
        entropy=entropy,
        budget_total=total,
        contingency=total * scenario.budget.contingency_share,
        planned_total=float(planned.sum()),
        p_overrun=float((spent > total).mean()),
        expected_unspent=float(unspent.mean()),
        region_table=table,
        seats=seats_array,
        grants=grants_array,
        month_labels=month_labels(scenario),
        month_phases=month_phases(scenario),
        planned_monthly=planned,
        applicants=applicants,
        eligible=eligible,
        filled_own=filled_own,
        filled=filled,
        completers=completers,
        present=present,
        grant_spend=grant_spend,
        participant_cost_spend=participant_cost_spend,
        fixed_cost_spend=fixed_cost_spend,
        monthly_spend=monthly_spend,
        cumulative_spend=cumulative_spend,
        spent=spent,
        unspent=unspent,
        demand_factor=demand_factor,
        cost_factor=cost_factor,
    )


class _DrawCache:
    """Recent random draws, least recently used dropped first, bounded in bytes.

    It holds draws that depend on few inputs: the demand (on the seed, the number of draws,
    the regions' codes and expected applicants, the pass share, the dispersion and the
    correlation) and the drop-out uniforms (on the seed, the regions' codes, the months and
    the number of draws). Re-running a plan after changing anything else (budget, grants,
    the drop-out rate, costs), or sweeping such an input, finds them here. The arrays are
    read-only, so sharing them is safe.
    """

    def __init__(self, max_bytes: int) -> None:
        self.max_bytes = max_bytes
        self._items: OrderedDict[Hashable, Arrays] = OrderedDict()
        self._bytes = 0
        self._lock = threading.Lock()

    def get(self, key: Hashable) -> Arrays | None:
        with self._lock:
            item = self._items.get(key)
            if item is not None:
                self._items.move_to_end(key)
            return item

    def put(self, key: Hashable, item: Arrays) -> None:
        for array in item:
            array.setflags(write=False)
        size = sum(array.nbytes for array in item)
        if size > self.max_bytes // 4:
            return
        with self._lock:
            if key in self._items:
                return
            self._items[key] = item
            self._bytes += size
            while self._bytes > self.max_bytes:
                _, dropped = self._items.popitem(last=False)
                self._bytes -= sum(array.nbytes for array in dropped)

    def clear(self) -> None:
        with self._lock:
            self._items.clear()
            self._bytes = 0


_DRAW_CACHE: Final = _DrawCache(max_bytes=64 * 2**20)


def clear_draw_cache() -> None:
    """Forget the cached draws (for benchmarks, or to free their memory)."""
    _DRAW_CACHE.clear()


def _draw_applicants(scenario: Scenario, table: pd.DataFrame, draws: int, entropy: int) -> Demand:
    """Applicants and eligible applicants per draw and region, and the demand factor."""
    sim = scenario.simulation
    pass_share = scenario.eligibility.pass_share
    expected = table["expected_applicants"].to_numpy(dtype=float)
    codes = [str(code) for code in table["region"]]
    key = (
        "demand",
        entropy,
        draws,
        tuple(codes),
        tuple(expected.tolist()),
        pass_share,
        sim.applicant_dispersion,
        sim.demand_correlation,
    )
    cached = _DRAW_CACHE.get(key)
    if cached is not None:
        applicants, eligible, factor = cached
        return applicants, eligible, factor
    demand = _draw_demand(sim, codes, expected, pass_share, draws, entropy)
    _DRAW_CACHE.put(key, demand)
    return demand


def _draw_demand(
    sim: Simulation,
    codes: list[str],
    expected: FloatArray,
    pass_share: float,
    draws: int,
    entropy: int,
) -> Demand:
    """Draw the demand (see the module docstring), region by region from its own streams."""
    shared_variance, own_variance = factor_variances(
        sim.applicant_dispersion, sim.demand_correlation
    )
    shared = _gamma_factor(entropy, (_STREAM_DEMAND_FACTOR,), shared_variance, draws)
    # Region-major storage makes each region's column contiguous while it is drawn.
    eligible = np.zeros((len(codes), draws), dtype=np.int64)
    ineligible = np.zeros((len(codes), draws), dtype=np.int64)
    for i, (code, mu) in enumerate(zip(codes, expected, strict=True)):
        if mu <= 0.0:
            continue
        key = stable_key(code)
        own = _gamma_factor(entropy, (_STREAM_REGION, key, _RATE), own_variance, draws)
        rate: float | FloatArray = mu
        if shared is not None:
            rate = rate * shared
        if own is not None:
            rate = rate * own
        if pass_share > 0.0:
            stream = random_stream(entropy, _STREAM_REGION, key, _ELIGIBLE)
            eligible[i] = stream.poisson(rate * pass_share, draws)
        if pass_share < 1.0:
            stream = random_stream(entropy, _STREAM_REGION, key, _INELIGIBLE)
            ineligible[i] = stream.poisson(rate * (1.0 - pass_share), draws)
    applicants = eligible + ineligible
    factor = np.ones(draws) if shared is None else shared
    return applicants.T, eligible.T, factor


def _draw_dropout(
    scenario: Scenario,
    table: pd.DataFrame,
    filled: IntArray,
    grants: FloatArray,
    entropy: int,
    months: int,
) -> tuple[IntArray, FloatArray, IntArray]:
    """Participants present per month, grant owed to those present, and completers.

    Returns ``present`` (draws x months, all regions), ``committed`` (draws x months: the sum
    over regions of grant x participants present that month, filled in the payment months
    only) and completers (draws x regions). A participant present in a month may leave at
    its end: the leavers are binomial(present, rate), drawn by inversion from one uniform
    per draw, region and month, so that more participants or a higher rate never mean
    fewer leavers in the same draw (common random numbers across sensitivity runs).
    """
    rate = scenario.simulation.dropout_per_month
    if rate <= 0.0:
        total = filled.sum(axis=1)
        present = np.repeat(total[:, None], months, axis=1)
        committed = np.repeat((filled @ grants)[:, None], months, axis=1)
        return present, committed, filled
    draws = len(filled)
    paid = {month for month, _ in disbursement_months(scenario)}
    uniforms = _dropout_uniforms(
        entropy, tuple(str(code) for code in table["region"]), months, draws
    )
    inside = np.ascontiguousarray(filled.T)
    present = np.zeros((months, draws), dtype=np.int64)
    committed = np.zeros((months, draws))
    for month in range(months):
        present[month] = inside.sum(axis=0)
        if month in paid:
            committed[month] = grants @ inside
        inside = inside - binomial_by_inversion(inside, rate, uniforms[month])
    return present.T, committed.T, inside.T


def _dropout_uniforms(entropy: int, codes: tuple[str, ...], months: int, draws: int) -> FloatArray:
    """Uniforms for the drop-out, months x regions x draws, each region's from its stream."""
    key = ("dropout", entropy, codes, months, draws)
    cached = _DRAW_CACHE.get(key)
    if cached is not None:
        return cached[0]
    uniforms = np.empty((months, len(codes), draws))
    for i, code in enumerate(codes):
        stream = random_stream(entropy, _STREAM_REGION, stable_key(code), _DROPOUT)
        uniforms[:, i, :] = stream.random((months, draws))
    _DRAW_CACHE.put(key, (uniforms,))
    return uniforms


def binomial_by_inversion(
    trials: npt.ArrayLike, probability: float, uniforms: npt.ArrayLike
) -> IntArray:
    """Binomial draws by inversion: the least ``k`` with ``P(X > k) <= u``, for each ``u``.

    With ``u`` uniform on [0, 1) this is exactly binomial(n, p) (it is the quantile at
    ``1 - u``), and it never decreases as ``n`` or ``p`` grow or ``u`` falls. Counts up to
    512 use a table of ``P(X > k)`` and step through it only as far as some ``u`` needs (a
    step or two when ``n * p`` is small); larger counts start from scipy's quantile.

    Parameters
    ----------
    trials
        Whole numbers of trials ``n``, any shape.
    probability
        Success probability ``p`` in [0, 1].
    uniforms
        Uniforms in [0, 1), the shape of ``trials``.
    """
    n = np.asarray(trials, dtype=np.int64)
    u = np.asarray(uniforms, dtype=float)
    successes = np.zeros(n.shape, dtype=np.int64)
    if not n.size or probability <= 0.0:
        return successes
    if probability >= 1.0:
        return n.copy()
    flat_n, flat_u, out = n.ravel(), u.ravel(), successes.reshape(-1)
    most = int(flat_n.max())
    small: IntArray | None = None
    if most > _CDF_TABLE_LIMIT:
        large = flat_n > _CDF_TABLE_LIMIT
        where = np.flatnonzero(large)
        out[where] = _large_quantiles(flat_n[where], probability, flat_u[where])
        small = np.flatnonzero(~large)
        flat_n, flat_u = flat_n[small], flat_u[small]
        most = int(flat_n.max(initial=0))
    tail = _binomial_tail_table(probability, max(16, 1 << most.bit_length()))
    # Most draws stop at the first step (nobody leaves): test them all at once, then follow
    # only those that go on.
    index = np.flatnonzero(flat_u < tail[:, 0][flat_n])
    counts = out if small is None else np.zeros(flat_n.shape, dtype=np.int64)
    step = 0
    while index.size:
        counts[index] += 1
        step += 1
        held = flat_n[index]
        index = index[flat_u[index] < tail[held, step]]
    if small is not None:
        out[small] = counts
    return successes


def _large_quantiles(n: IntArray, probability: float, u: FloatArray) -> IntArray:
    """The least whole k with ``P(X > k) <= u``, from scipy's real-valued inverse."""
    # Imported here: scipy.special adds a tenth of a second to every start.
    from scipy import special

    # bdtrik solves F(k) = 1 - u for a real k: a guess within a step or two.
    raw = np.asarray(special.bdtrik(1.0 - u, n, probability), dtype=float)
    guess = np.where(np.isfinite(raw), raw, n * probability)
    k = np.clip(np.floor(guess), 0, n).astype(np.int64)
    # Down while the count below also satisfies it, up while k does not; the tail falls as
    # k grows, so each loop ends.
    while (down := (k > 0) & (special.bdtrc(k - 1, n, probability) <= u)).any():
        k -= down
    while (up := (k < n) & (special.bdtrc(k, n, probability) > u)).any():
        k += up
    result: IntArray = k
    return result


@lru_cache(maxsize=64)
def _binomial_tail_table(probability: float, size: int) -> FloatArray:
    """``T[n, k]`` = P(binomial(n, p) > k) for n, k below ``size``; 0 where k >= n."""
    # Imported here: scipy.special adds a tenth of a second to every start.
    from scipy import special

    n = np.arange(size)[:, None]
    k = np.arange(size)[None, :]
    # bdtrc is the upper tail computed directly, accurate where 1 - CDF would round to 0.
    table: FloatArray = np.where(k >= n, 0.0, special.bdtrc(np.minimum(k, n), n, probability))
    table.setflags(write=False)
    return table


def lognormal_factor(
    uncertainty: float, entropy: int, draws: int, stream: int = _STREAM_COST_FACTOR
) -> FloatArray:
    """Per-draw multipliers with mean 1 and standard deviation ``uncertainty``.

    ``log X ~ Normal(-s**2 / 2, s**2)`` with ``s**2 = log(1 + uncertainty**2)``. Costs use
    the cost-factor stream; a roadshow's turnout factor has a stream of its own.
    """
    if uncertainty <= 0.0:
        return np.ones(draws)
    sigma = math.sqrt(math.log1p(uncertainty**2))
    values: FloatArray = random_stream(entropy, stream).lognormal(-0.5 * sigma**2, sigma, draws)
    return values
