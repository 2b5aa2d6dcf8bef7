"""Seat apportionment: share a whole number of seats among regions in proportion to weight.

Every method takes the same arguments (:func:`apportion`) and returns the same result
(:class:`Apportionment`), which carries its own explanation: quotas, the divisor, who won
the last seat and who is next in line, exact ties and how they were broken, quota
violations, and per-region margins. :data:`METHODS` maps each method's name to it.

Glossary
--------
weight
    What a region's seats should follow (population, internet users, expected applicants).
    Finite and non-negative; only ratios matter.
quota (standard quota)
    A region's exact fair share ``q_i = w_i * S / W`` of ``S`` seats, ``W`` the total weight.
bounded quota
    The quota once floors and caps are respected: ``Q_i = clamp(lam * w_i, floor_i, cap_i)``
    with one ``lam`` for all regions, chosen so the ``Q_i`` sum to ``S``. Regions held at a
    floor or cap keep it and the rest share what is left in proportion to weight. It equals
    the standard quota when no floor or cap binds.
lower quota, upper quota
    ``floor(Q_i)`` and ``ceil(Q_i)``. A region outside them is a *quota violation*.
floor, cap
    The least and the most seats a region may get (a cap of ``None`` means no cap).
signpost ``d(s)``
    A divisor method's rounding threshold: a quotient ``x = w / D`` is worth ``s + 1`` seats
    once ``x > d(s)``. Jefferson/D'Hondt ``d(s) = s + 1``; Webster/Sainte-Laguë
    ``s + 1/2``; Huntington-Hill ``sqrt(s (s + 1))``; Dean ``s (s + 1) / (s + 1/2)``;
    Adams ``s``. Where ``d(0) = 0`` (Adams, Huntington-Hill, Dean) every region with a
    positive weight gets a first seat before any region gets a second.
priority
    ``w / d(s)``: how strongly a region holding ``s`` seats asks for the next. A divisor
    method is the same as handing seats out one at a time, from the floors up, to the
    highest priority among regions below their cap ("highest averages").
divisor
    For a divisor method, a number ``D`` such that every region gets ``w / D`` rounded at
    the signposts, then held within its floor and cap. For Hamilton, the Hare quota: the
    weight one seat stands for (``W / S`` without bounds).
margin
    ``gain``: how much weight a region would have to add (others unchanged) to win one more
    seat; ``lose``: how much it could shed before losing one. ``inf`` where no amount would
    do it (at a cap, at a floor, or nobody to take the seat from or give it to).

Rules this module follows
-------------------------
Tie rule
    Exactly equal priorities (or Hamilton remainders) are ranked larger weight first, then
    lower input index. Floating-point arithmetic only proposes an answer; every close call
    is re-decided with exact rationals (:class:`fractions.Fraction`; Huntington-Hill
    compares squared priorities), so the tie rule only ever meets true ties, and each tie
    that decided a seat is reported in :attr:`Apportionment.ties`.
Zero weight
    A region with zero weight gets its floor and nothing more, under every method.
Scale
    Weights are divided internally by a power of two (exact, so no comparison changes) to
    keep every intermediate far from overflow; positive weights may therefore differ by at
    most a factor ``2**1000`` (about 1e301). Divisors and margins are reported in the
    caller's units.
Hamilton with floors and caps
    Seats are ``floor(Q_i)`` of the *bounded* quotas, and the seats left over go to the
    largest fractional parts of ``Q_i``. This is the limit of "fix the regions that cross a
    bound, recompute the quota among the others, repeat", and keeps every region within its
    bounds and within one seat of its bounded quota.
"""

from __future__ import annotations

import math
import unicodedata
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from fractions import Fraction
from functools import cached_property, lru_cache
from types import MappingProxyType
from typing import Final, Literal

import numpy as np
import pandas as pd
from numpy.typing import NDArray

FloatArray = NDArray[np.float64]
IntArray = NDArray[np.int64]
BoolArray = NDArray[np.bool_]

TIE_RULE: Final = "larger weight first, then lower input index"

# Relative gap under which two floating-point priorities (or quotas) are re-compared exactly.
# The float values carry errors of a few units in the last place (~1e-15 relative), so 1e-12
# leaves a wide safety factor while almost never sending an ordinary input down the exact path.
_REL_TOL: Final = 1e-12
# Half-width (relative) of the window around the floating-point water level inside which the
# exact water level is searched; regions whose bounds fall outside it keep their float status.
_LEVEL_WINDOW: Final = 1e-10
_MAX_STEPS: Final = 400
# Bits of precision for the square roots in Huntington-Hill margins.
_SQRT_BITS: Final = 160


class ApportionmentError(ValueError):
    """Bad input to :func:`apportion`, naming the argument at fault and the fix.

    Attributes
    ----------
    field : str
        The argument at fault, with an index where one element is (``"weights[3]"``).
    problem : str
        What is wrong.
    fix : str
        What to change.
    """

    def __init__(self, field: str, problem: str, fix: str) -> None:
        self.field = field
        self.problem = problem
        self.fix = fix
        super().__init__(f"{field}: {problem}: {fix}")


# ---------------------------------------------------------------------------------------------
# The methods and their registry
# ---------------------------------------------------------------------------------------------

MethodKind = Literal["largest remainder", "divisor"]


@dataclass(frozen=True)
class ApportionmentMethod:
    """One apportionment method: its names, its rule, and a way to run it.

    Calling the method runs :func:`apportion` with it, so every entry of :data:`METHODS`
    takes the same arguments and returns the same result type.
    """

    name: str
    title: str
    kind: MethodKind
    rule: str
    aliases: tuple[str, ...]
    summary: str

    @property
    def first_seat_free(self) -> bool:
        """True where ``d(0) = 0``: every positive-weight region gets a first seat first."""
        return self.name in ("adams", "huntington-hill", "dean")

    def __call__(
        self,
        weights: Sequence[float] | FloatArray,
        seats: int,
        *,
        floors: Sequence[int] | None = None,
        caps: Sequence[int | None] | None = None,
        labels: Sequence[str] | None = None,
    ) -> Apportionment:
        """Apportion with this method; see :func:`apportion`."""
        return apportion(weights, seats, self.name, floors=floors, caps=caps, labels=labels)


_METHOD_LIST: Final = (
    ApportionmentMethod(
        "hamilton",
        "Hamilton (largest remainder)",
        "largest remainder",
        "whole part of the quota, then the largest remainders",
        ("largest-remainder", "hare-niemeyer", "hare"),
        "each region gets the whole part of its quota; the seats left go to the largest "
        "remainders. Always within one seat of the quota, but not house-monotone (Alabama "
        "paradox).",
    ),
    ApportionmentMethod(
        "jefferson",
        "Jefferson / D'Hondt",
        "divisor",
        "d(s) = s + 1 (round down)",
        ("dhondt", "d-hondt", "greatest-divisors"),
        "divisor method rounding down; favours larger regions and can exceed the upper quota.",
    ),
    ApportionmentMethod(
        "webster",
        "Webster / Sainte-Laguë",
        "divisor",
        "d(s) = s + 1/2 (round to nearest)",
        ("sainte-lague", "saint-lague", "major-fractions"),
        "divisor method rounding to the nearest whole number; the least biased between large "
        "and small regions.",
    ),
    ApportionmentMethod(
        "huntington-hill",
        "Huntington-Hill (equal proportions)",
        "divisor",
        "d(s) = sqrt(s(s + 1)) (geometric mean)",
        ("hill", "equal-proportions"),
        "divisor method rounding at the geometric mean; used for the US House since 1941. "
        "Every region with a positive weight gets a first seat.",
    ),
    ApportionmentMethod(
        "adams",
        "Adams (smallest divisors)",
        "divisor",
        "d(s) = s (round up)",
        ("smallest-divisors",),
        "divisor method rounding up; favours smaller regions and can fall below the lower "
        "quota. Every region with a positive weight gets a first seat.",
    ),
    ApportionmentMethod(
        "dean",
        "Dean (harmonic mean)",
        "divisor",
        "d(s) = s(s + 1)/(s + 1/2) (harmonic mean)",
        ("harmonic-mean",),
        "divisor method rounding at the harmonic mean. Every region with a positive weight "
        "gets a first seat.",
    ),
)

METHODS: Final[Mapping[str, ApportionmentMethod]] = MappingProxyType(
    {method.name: method for method in _METHOD_LIST}
)
"""Canonical method name -> method. Aliases are resolved by :func:`canonical_method`."""

_ALIASES: Final[Mapping[str, str]] = MappingProxyType(
    {alias: method.name for method in _METHOD_LIST for alias in (method.name, *method.aliases)}
)


def method_names() -> list[str]:
    """Canonical method names, in a stable order, for pickers.

    Returns
    -------
    list of str
        ``["hamilton", "jefferson", "webster", "huntington-hill", "adams", "dean"]``.
    """
    return list(METHODS)


def _normalise_name(name: str) -> str:
    """Lowercase, strip accents and apostrophes, join words with hyphens."""
    decomposed = unicodedata.normalize("NFKD", name)
    plain = "".join(ch for ch in decomposed if not unicodedata.combining(ch))
    plain = plain.strip().lower().replace("'", "").replace("’", "")
    return "-".join(plain.replace("_", " ").replace("-", " ").split())


def canonical_method(name: str) -> str:
    """Resolve a method name or alias (any case, accents, spaces) to its canonical name.

    Parameters
    ----------
    name : str
        E.g. ``"D'Hondt"``, ``"Sainte-Laguë"``, ``"huntington_hill"``.

    Returns
    -------
    str
        A key of :data:`METHODS`.

    Raises
    ------
    ApportionmentError
        If the name is unknown; the message lists the valid names.
    """
    if not isinstance(name, str):
        raise ApportionmentError(
            "method", f"must be a method name, got {type(name).__name__}", _valid_names_hint()
        )
    found = _ALIASES.get(_normalise_name(name))
    if found is None:
        raise ApportionmentError(
            "method", f"unknown apportionment method {name!r}", _valid_names_hint()
        )
    return found


def _valid_names_hint() -> str:
    """The fix for a bad method name: every canonical name with one alias."""
    names = ", ".join(
        f"{m.name} ({'/'.join(m.aliases[:1])})" if m.aliases else m.name for m in _METHOD_LIST
    )
    return f"choose one of {names}"


# ---------------------------------------------------------------------------------------------
# The result
# ---------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class TieBreak:
    """Regions whose priorities (or remainders) were exactly equal where the seats ran out.

    Attributes
    ----------
    regions : tuple of int
        The tied regions, in the order the tie rule ranks them.
    seats : int
        How many of the tied claims got a seat.
    winners : tuple of int
        The regions that got those seats.
    rule : str
        The tie rule applied.
    """

    regions: tuple[int, ...]
    seats: int
    winners: tuple[int, ...]
    rule: str = TIE_RULE


@dataclass(frozen=True)
class QuotaViolation:
    """A region whose seats lie outside ``[floor(Q), ceil(Q)]`` of its bounded quota ``Q``.

    Measuring against the bounded quota ignores the shortfalls and excesses that floors and
    caps force; what is left is due to the method alone.
    """

    region: int
    label: str
    seats: int
    quota: float
    lower: int
    upper: int

    @property
    def kind(self) -> Literal["below lower quota", "above upper quota"]:
        """Which side of the quota the region falls."""
        return "below lower quota" if self.seats < self.lower else "above upper quota"


@dataclass(frozen=True, eq=False)
class Margins:
    """Per-region weight margins (see the module glossary).

    Attributes
    ----------
    gain : numpy.ndarray
        Weight to add to win one more seat; adding any more than this wins it, adding less
        does not (at exactly ``gain`` the tie rule decides). ``inf`` when impossible.
    lose : numpy.ndarray
        Weight that can be shed before losing a seat; shedding more loses it. ``inf`` when
        the region cannot lose a seat by losing weight (at its floor, or nobody can take it).
    """

    gain: FloatArray
    lose: FloatArray


@dataclass(frozen=True, eq=False)
class Apportionment:
    """The seats each region gets, with everything needed to explain them.

    Attributes
    ----------
    method : str
        Canonical method name.
    seats : numpy.ndarray of int64
        Seats per region, in input order.
    weights : numpy.ndarray of float64
        The weights used.
    total_seats : int
        ``S``, the seats shared out.
    labels : tuple of str
        Region labels (``"#0"``, ``"#1"``, ... when none were given).
    floors : numpy.ndarray of int64
        Least seats per region.
    caps : tuple of (int or None)
        Most seats per region; ``None`` means no cap.
    quotas : numpy.ndarray of float64
        Standard quotas ``w_i * S / W`` (all zero when ``W = 0``); exact values from
        :meth:`exact_quotas`.
    bounded_quotas : numpy.ndarray of float64
        Quotas after floors and caps (equal to ``quotas`` when no bound binds).
    lower_quota, upper_quota : numpy.ndarray of int64
        ``floor`` and ``ceil`` of the bounded quotas, decided exactly.
    divisor : float
        Divisor methods: a divisor reproducing the seats (the middle of
        ``divisor_interval``). Hamilton: the Hare quota, ``W / S`` without bounds.
    divisor_interval : tuple of float
        Divisor methods: every ``D`` with ``low <= D < high`` reproduces the seats, ``low``
        being the best priority left without a seat and ``high`` the worst priority that won
        one (``low == high`` when a tie decided the last seat). Hamilton: the Hare quota twice.
    last_seat : int or None
        The region that won the last seat in the method's priority order (for Hamilton, the
        last seat handed out by remainder); ``None`` when no seat was contested.
    next_in_line : int or None
        The region first in line for seat ``S + 1``. For a divisor method it gets exactly
        that seat; for Hamilton it is the next remainder, though adding a seat recomputes all
        quotas and may move others (the Alabama paradox).
    ties : tuple of TieBreak
        Exact ties that decided seats, and how they were broken.
    quota_violations : tuple of QuotaViolation
        Regions outside their lower/upper quota (never for Hamilton).
    """

    method: str
    seats: IntArray
    weights: FloatArray
    total_seats: int
    labels: tuple[str, ...]
    floors: IntArray
    caps: tuple[int | None, ...]
    quotas: FloatArray
    bounded_quotas: FloatArray
    lower_quota: IntArray
    upper_quota: IntArray
    divisor: float
    divisor_interval: tuple[float, float]
    last_seat: int | None
    next_in_line: int | None
    ties: tuple[TieBreak, ...]
    quota_violations: tuple[QuotaViolation, ...]

    @property
    def last_seat_label(self) -> str | None:
        """Label of :attr:`last_seat`."""
        return None if self.last_seat is None else self.labels[self.last_seat]

    @property
    def next_in_line_label(self) -> str | None:
        """Label of :attr:`next_in_line`."""
        return None if self.next_in_line is None else self.labels[self.next_in_line]

    def exact_quotas(self) -> list[Fraction]:
        """Standard quotas as exact fractions, ``w_i * S / W`` on the binary weights.

        Returns
        -------
        list of Fraction
            One per region; all zero when every weight is zero.
        """
        total_weight = _exact_sum(self.weights.tolist())
        if total_weight == 0:
            return [Fraction(0)] * self.weights.size
        scale = Fraction(self.total_seats) / total_weight
        return [Fraction(w) * scale for w in self.weights.tolist()]

    @cached_property
    def margins(self) -> Margins:
        """Per-region gain and lose margins, computed on first use.

        Divisor methods: exact, O(n). Hamilton: by bisection on each region's weight (about
        100 batched re-apportionments, O(n^2) work each): ~25 ms for 80 regions, ~0.15 s
        for 200, seconds beyond 1,000.
        """
        if METHODS[self.method].kind == "divisor":
            gain, lose = _divisor_margins(self)
        else:
            gain, lose = _hamilton_margins(self)
        gain.setflags(write=False)
        lose.setflags(write=False)
        return Margins(gain, lose)

    def to_frame(self, *, margins: bool = True) -> pd.DataFrame:
        """One row per region, for pages and exports.

        Parameters
        ----------
        margins : bool
            Include ``margin_gain`` and ``margin_lose`` (computing :attr:`margins` if
            needed, which is the slow part for Hamilton on many regions).

        Returns
        -------
        pandas.DataFrame
            Columns ``region, weight, quota, seats, floor, cap, margin_gain, margin_lose``;
            ``cap`` is a nullable integer (``<NA>`` for no cap).
        """
        columns: dict[str, object] = {
            "region": list(self.labels),
            "weight": self.weights,
            "quota": self.quotas,
            "seats": self.seats,
            "floor": self.floors,
            "cap": pd.array(list(self.caps), dtype="Int64"),
        }
        if margins:
            columns["margin_gain"] = self.margins.gain
            columns["margin_lose"] = self.margins.lose
        return pd.DataFrame(columns)

    def explain(self) -> list[str]:
        """Plain-language lines explaining the result, for a page to show.

        Returns
        -------
        list of str
            The method, the divisor or Hare quota, the last seat and who is next in line,
            ties, quota violations and the floors and caps that bind.
        """
        spec = METHODS[self.method]
        total_weight = float(self.weights.sum())
        lines = [
            f"{spec.title}: {spec.summary}",
            f"{self.total_seats} seats over {self.weights.size} regions, "
            f"total weight {total_weight:,.6g}.",
        ]
        if spec.kind == "divisor":
            low, high = self.divisor_interval
            lines.append(
                f"Divisor {self.divisor:,.6g}: each region gets weight / divisor rounded by "
                f"{spec.rule}, held within its floor and cap; any divisor from {low:,.6g} up "
                f"to (not including) {high:,.6g} gives the same seats."
            )
        else:
            lines.append(
                f"Hare quota {self.divisor:,.6g} (the weight one seat stands for): each region "
                "first gets the whole part of its quota, and the seats left over go to the "
                "largest remainders."
            )
        if self.last_seat is None:
            lines.append("No seat was contested: every seat followed from quotas or floors.")
        else:
            lines.append(f"The last seat went to {self.last_seat_label}.")
        if self.next_in_line is not None:
            lines.append(f"Next in line for one more seat: {self.next_in_line_label}.")
        for tie in self.ties:
            tied = ", ".join(self.labels[i] for i in tie.regions)
            won = ", ".join(self.labels[i] for i in tie.winners)
            lines.append(
                f"Exact tie between {tied} for {tie.seats} seat(s), broken by {tie.rule}: "
                f"{won} got them."
            )
        for violation in self.quota_violations:
            lines.append(
                f"{violation.label} gets {violation.seats} seats, {violation.kind} "
                f"(quota {violation.quota:.4g}, between {violation.lower} and "
                f"{violation.upper})."
            )
        for i, label in enumerate(self.labels):
            cap = self.caps[i]
            if self.seats[i] == self.floors[i] and self.quotas[i] < self.floors[i]:
                lines.append(
                    f"{label} is held at its floor of {self.floors[i]} "
                    f"(quota {self.quotas[i]:.4g})."
                )
            elif cap is not None and self.seats[i] == cap and self.quotas[i] > cap:
                lines.append(f"{label} is held at its cap of {cap} (quota {self.quotas[i]:.4g}).")
        return lines


# ---------------------------------------------------------------------------------------------
# Input checking
# ---------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class _Problem:
    """Checked input, ready for the solvers."""

    weights: FloatArray  # rescaled by 2**-exponent so the largest is in [1, 2): exact, no overflow
    exponent: int
    original: FloatArray
    total: int
    floors: IntArray
    caps: IntArray  # effective caps: the most a region can actually hold (see _effective_caps)
    limits: IntArray  # caps as given (none: very large), floors for zero weight: for seat S + 1
    user_caps: tuple[int | None, ...]
    labels: tuple[str, ...]
    labelled: bool


def _seats_text(count: int) -> str:
    """``1 seat`` / ``n seats``."""
    return f"{count} seat" if count == 1 else f"{count} seats"


def _where(name: str, index: int, labels: tuple[str, ...], labelled: bool) -> str:
    """``name[index]``, with the region's label when labels were given."""
    return f"{name}[{index}] ({labels[index]!r})" if labelled else f"{name}[{index}]"


def _check_seats(seats: object) -> int:
    """``seats`` as an int, or an error saying why not."""
    if isinstance(seats, bool) or not isinstance(seats, int | np.integer):
        raise ApportionmentError(
            "seats",
            f"must be a whole number, got {seats!r} ({type(seats).__name__})",
            "pass an int such as 80",
        )
    if seats < 0:
        raise ApportionmentError("seats", f"is {seats}, below zero", "pass 0 or more seats")
    return int(seats)


def _check_weights(weights: Sequence[float] | FloatArray) -> FloatArray:
    """``weights`` as a fresh 1-D float array, or an error saying why not."""
    if isinstance(weights, str | bytes):
        raise ApportionmentError(
            "weights", "must be a sequence of numbers, got a string", "pass a list of numbers"
        )
    try:
        array = np.array(weights, dtype=np.float64)
    except (TypeError, ValueError) as error:
        raise ApportionmentError(
            "weights", f"must be a sequence of numbers ({error})", "pass a list of numbers"
        ) from error
    if array.ndim != 1:
        raise ApportionmentError(
            "weights",
            f"must be one-dimensional, got shape {array.shape}",
            "pass one number per region",
        )
    if array.size == 0:
        raise ApportionmentError("weights", "is empty", "give at least one region")
    return array


@lru_cache(maxsize=8)
def _default_labels(size: int) -> tuple[str, ...]:
    """``("#0", "#1", ...)``, cached: pages re-apportion the same regions many times."""
    return tuple(map("#{}".format, range(size)))


def _check_labels(labels: Sequence[str] | None, size: int) -> tuple[tuple[str, ...], bool]:
    """Labels (made up when absent) and whether they were given."""
    if labels is None:
        return _default_labels(size), False
    if isinstance(labels, str):
        raise ApportionmentError(
            "labels", "must be a sequence of strings, got one string", "pass one per region"
        )
    found = tuple(str(label) for label in labels)
    if len(found) != size:
        raise ApportionmentError(
            "labels",
            f"has {len(found)} entries but weights has {size}",
            "give one label per region",
        )
    return found, True


def _whole(value: object) -> int | None:
    """The value as an int if it is a whole number (not a bool), else None."""
    if isinstance(value, bool):
        return None
    if isinstance(value, int | np.integer):
        return int(value)
    if isinstance(value, float | np.floating) and math.isfinite(value) and float(value) % 1 == 0:
        return int(value)
    return None


def _check_floors(
    floors: Sequence[int] | None, size: int, labels: tuple[str, ...], labelled: bool
) -> IntArray:
    """Floors as int64, or an error naming the bad entry."""
    if floors is None:
        return np.zeros(size, dtype=np.int64)
    values = list(floors)
    if len(values) != size:
        raise ApportionmentError(
            "floors", f"has {len(values)} entries but weights has {size}", "give one per region"
        )
    out = np.zeros(size, dtype=np.int64)
    for i, value in enumerate(values):
        whole = _whole(value)
        if whole is None or whole < 0:
            raise ApportionmentError(
                _where("floors", i, labels, labelled),
                f"is {value!r}",
                "a floor must be a whole number of seats, 0 or more",
            )
        out[i] = whole
    return out


def _check_caps(
    caps: Sequence[int | None] | None, size: int, labels: tuple[str, ...], labelled: bool
) -> tuple[tuple[int | None, ...], IntArray]:
    """Caps as ints or None, and as an array (-1 for none), or an error naming the bad entry."""
    if caps is None:
        return (None,) * size, np.full(size, -1, dtype=np.int64)
    values = list(caps)
    if len(values) != size:
        raise ApportionmentError(
            "caps", f"has {len(values)} entries but weights has {size}", "give one per region"
        )
    out: list[int | None] = []
    for i, value in enumerate(values):
        if _is_missing(value):
            out.append(None)
            continue
        whole = _whole(value)
        if whole is None or whole < 0:
            raise ApportionmentError(
                _where("caps", i, labels, labelled),
                f"is {value!r}",
                "a cap must be a whole number of seats, 0 or more, or None for no cap",
            )
        out.append(whole)
    return tuple(out), _cap_array(out)


def _is_missing(value: object) -> bool:
    """True for the spellings of "no cap": None, NaN and ``pandas.NA``."""
    if value is None or value is pd.NA:
        return True
    return isinstance(value, float | np.floating) and math.isnan(value)


def _cap_array(caps: Sequence[int | None]) -> IntArray:
    """Caps as int64, -1 standing for no cap."""
    return np.array([-1 if cap is None else cap for cap in caps], dtype=np.int64)


def _effective_caps(weights: FloatArray, total: int, floors: IntArray, given: IntArray) -> IntArray:
    """The most each region can hold: its cap, the seats its floor leaves, or its floor.

    ``given`` holds the caps as given, -1 for none. A zero-weight region never gets more
    than its floor; an uncapped region can hold at most the seats the other regions'
    floors leave.
    """
    room = floors + (total - int(floors.sum()))
    effective = np.where(given >= 0, np.minimum(room, given), room)
    return np.where(weights > 0, effective, floors)


def _check_weight_values(weights: FloatArray, labels: tuple[str, ...], labelled: bool) -> None:
    """Refuse negative, NaN and infinite weights, naming the first."""
    bad = ~np.isfinite(weights) | (weights < 0)
    if bad.any():
        i = int(np.flatnonzero(bad)[0])
        raise ApportionmentError(
            _where("weights", i, labels, labelled),
            f"is {float(weights[i])!r}",
            "weights must be finite and 0 or more (use 0 for a region that gets only its floor)",
        )


# Positive weights further apart than this could leave the float range once rescaled.
_WIDEST_RATIO: Final = 2.0**-1000


def _check_weight_range(weights: FloatArray, labels: tuple[str, ...], labelled: bool) -> None:
    """Refuse positive weights too far apart to rescale without underflow."""
    positive = weights > 0
    if not positive.any():
        return
    smallest = int(np.argmin(np.where(positive, weights, np.inf)))
    largest = float(weights.max())
    if weights[smallest] < largest * _WIDEST_RATIO:
        raise ApportionmentError(
            _where("weights", smallest, labels, labelled),
            f"is {float(weights[smallest])!r}, more than 1e300 times smaller than the largest "
            f"weight {largest!r}",
            "set it to 0 or bring the weights to a common unit",
        )


def _check_fit(
    weights: FloatArray,
    total: int,
    floors: IntArray,
    given: IntArray,
    labels: tuple[str, ...],
    labelled: bool,
) -> None:
    """Refuse floors and caps that no seat vector can meet, saying by how much."""
    capped = given >= 0
    crossed = np.flatnonzero(capped & (floors > given))
    if crossed.size:
        i = int(crossed[0])
        raise ApportionmentError(
            _where("floors", i, labels, labelled),
            f"floor {floors[i]} is above cap {given[i]}",
            "lower the floor or raise the cap",
        )
    floor_sum = int(floors.sum())
    if floor_sum > total:
        gap = floor_sum - total
        raise ApportionmentError(
            "floors",
            f"floors sum to {floor_sum} but only {total} seats",
            f"lower floors by {gap} or add {_seats_text(gap)}",
        )
    if capped.all():
        cap_sum = int(given.sum())
        if cap_sum < total:
            gap = total - cap_sum
            raise ApportionmentError(
                "caps",
                f"caps sum to {cap_sum} but {total} seats must be placed",
                f"raise caps by {gap} or remove {_seats_text(gap)}",
            )
    positive = weights > 0
    if not positive.any():
        if total > floor_sum:
            raise ApportionmentError(
                "weights",
                f"every weight is zero, so only the floors ({floor_sum} seats) can be placed "
                f"but seats is {total}",
                f"give some region a positive weight or set seats to {floor_sum}",
            )
        return
    if capped[positive].all():
        reachable = int(given[positive].sum()) + int(floors[~positive].sum())
        if reachable < total:
            gap = total - reachable
            raise ApportionmentError(
                "caps",
                f"zero-weight regions get only their floors and the positive-weight regions "
                f"are capped, so only {reachable} of {total} seats can be placed",
                f"raise the caps of positive-weight regions by {gap}, give a zero-weight "
                f"region some weight, or remove {_seats_text(gap)}",
            )


def _problem(
    weights: Sequence[float] | FloatArray,
    seats: int,
    floors: Sequence[int] | None,
    caps: Sequence[int | None] | None,
    labels: Sequence[str] | None,
) -> _Problem:
    """Check every argument and derive the solvers' view of the input."""
    total = _check_seats(seats)
    array = _check_weights(weights)
    names, labelled = _check_labels(labels, array.size)
    _check_weight_values(array, names, labelled)
    _check_weight_range(array, names, labelled)
    floor_array = _check_floors(floors, array.size, names, labelled)
    user_caps, given = _check_caps(caps, array.size, names, labelled)
    _check_fit(array, total, floor_array, given, names, labelled)
    effective = _effective_caps(array, total, floor_array, given)
    exponent = _unit_exponent(array)
    scaled = np.ldexp(array, -exponent)
    unlimited = np.iinfo(np.int64).max // 4
    limits = np.where(array > 0, np.where(given >= 0, given, unlimited), floor_array)
    return _Problem(
        scaled, exponent, array, total, floor_array, effective, limits, user_caps, names, labelled
    )


def _unit_exponent(weights: FloatArray) -> int:
    """The power of two that brings the largest weight into [1, 2).

    Dividing every weight by a power of two is exact and changes no comparison, and it keeps
    sums, quotients and products of weights, seats and quotas far from overflow.
    """
    largest = float(weights.max())
    return math.frexp(largest)[1] - 1 if largest > 0 else 0


# ---------------------------------------------------------------------------------------------
# Exact arithmetic helpers
# ---------------------------------------------------------------------------------------------


def _exact_sum(values: Iterable[float]) -> Fraction:
    """Exact sum of floats (each float is a dyadic rational), fast for many values."""
    ratios = [float(v).as_integer_ratio() for v in values]
    if not ratios:
        return Fraction(0)
    common = max(denominator for _, denominator in ratios)
    numerator = sum(n * (common // d) for n, d in ratios)
    return Fraction(numerator, common)


def _sqrt_fraction(value: Fraction) -> Fraction:
    """Square root of a non-negative fraction, correct to about 2**-_SQRT_BITS relative."""
    numerator, denominator = value.numerator, value.denominator
    root = math.isqrt((numerator * denominator) << (2 * _SQRT_BITS))
    return Fraction(root, denominator << _SQRT_BITS)


def _floor_fraction(value: Fraction) -> int:
    """Exact floor of a fraction."""
    return value.numerator // value.denominator


def _ceil_fraction(value: Fraction) -> int:
    """Exact ceiling of a fraction."""
    return -((-value.numerator) // value.denominator)


# ---------------------------------------------------------------------------------------------
# Divisor methods
# ---------------------------------------------------------------------------------------------

# A priority in exact form: (1, 0) is infinite (a first seat where d(0) = 0); (0, p) is finite,
# p = w / d(s), or (w / d(s))**2 for Huntington-Hill, whose signposts are irrational.
_ExactPriority = tuple[int, Fraction]
_INFINITE: Final[_ExactPriority] = (1, Fraction(0))


def signposts(method: str, k: FloatArray) -> FloatArray:
    """Signposts ``d(k)`` of a divisor method (a canonical name), elementwise."""
    if method == "jefferson":
        return k + 1.0
    if method == "webster":
        return k + 0.5
    if method == "adams":
        return k.copy()
    if method == "huntington-hill":
        return np.sqrt(k * (k + 1.0))
    return k * (k + 1.0) / (k + 0.5)


def _signpost(method: str, k: int) -> float:
    """One signpost ``d(k)``."""
    return float(signposts(method, np.array([float(k)]))[0])


def _round_at_signposts(method: str, quotient: FloatArray) -> FloatArray:
    """Seats a quotient is worth: how many signposts lie strictly below it."""
    if method == "jefferson":
        return np.maximum(np.ceil(quotient) - 1.0, 0.0)
    if method == "adams":
        return np.ceil(quotient)
    if method == "webster":
        return np.maximum(np.ceil(quotient - 0.5), 0.0)
    whole = np.floor(quotient)
    return whole + (signposts(method, whole) < quotient)


def _priorities(method: str, weights: FloatArray, held: IntArray) -> FloatArray:
    """Float priorities ``w / d(held)``; infinite where d = 0, zero for zero weight."""
    divisors = signposts(method, np.maximum(held, 0).astype(np.float64))
    with np.errstate(divide="ignore", invalid="ignore"):
        values = weights / divisors
    return np.where(weights > 0, values, 0.0)


def _priority(method: str, weight: float, held: int) -> float:
    """Float priority ``w / d(held)`` of one claim (inf where d = 0, 0 for no weight)."""
    signpost = _signpost(method, held)
    if weight == 0.0:
        return 0.0
    return math.inf if signpost == 0.0 else weight / signpost


def _exact_priority(method: str, weight: float, held: int) -> _ExactPriority:
    """Exact priority of one claim, in the form described at ``_ExactPriority``."""
    w = Fraction(weight)
    if method == "jefferson":
        return (0, w / (held + 1))
    if method == "webster":
        return (0, 2 * w / (2 * held + 1))
    if held == 0:
        return _INFINITE if weight > 0 else (0, Fraction(0))
    if method == "adams":
        return (0, w / held)
    if method == "huntington-hill":
        return (0, w * w / (held * (held + 1)))
    return (0, w * (2 * held + 1) / (2 * held * (held + 1)))


def _signpost_power(method: str, held: int) -> Fraction:
    """``d(held)`` exactly, squared for Huntington-Hill (to match :func:`_exact_priority`)."""
    if method == "jefferson":
        return Fraction(held + 1)
    if method == "webster":
        return Fraction(2 * held + 1, 2)
    if method == "adams":
        return Fraction(held)
    if method == "huntington-hill":
        return Fraction(held * (held + 1))
    return Fraction(2 * held * (held + 1), 2 * held + 1)


def _weight_for(method: str, priority: Fraction, held: int) -> Fraction:
    """The weight at which a region holding ``held`` seats asks with ``priority``."""
    power = priority * _signpost_power(method, held)
    return _sqrt_fraction(power) if method == "huntington-hill" else power


_RankKey = tuple[int, Fraction, float, int]


def _rank_key(method: str, weights: FloatArray, region: int, held: int) -> _RankKey:
    """Sort key of one claim: exact priority, then the tie rule (larger weight, lower index)."""
    flag, value = _exact_priority(method, float(weights[region]), held)
    return (flag, value, float(weights[region]), -region)


@dataclass(frozen=True)
class _Outcome:
    """What a solver decides: seats, last seat, next in line, ties, divisor."""

    seats: IntArray
    last_seat: int | None
    next_in_line: int | None
    ties: tuple[TieBreak, ...]
    divisor: float
    divisor_interval: tuple[float, float]


def _by_tie_rule(weights: FloatArray, regions: IntArray) -> IntArray:
    """Regions ordered by the tie rule: larger weight first, then lower index."""
    return regions[np.lexsort((regions, -weights[regions]))]


def _seats_at_divisor(
    method: str, weights: FloatArray, divisor: float, floors: IntArray, caps: IntArray
) -> tuple[IntArray, FloatArray, FloatArray]:
    """Seats at divisor ``D`` (clamped), the unclamped rounding, and ``w / D``."""
    quotient = np.minimum(weights / divisor, caps + 1.0)
    raw = _round_at_signposts(method, quotient)
    return np.clip(raw, floors, caps).astype(np.int64), raw, quotient


def _fill_between(
    method: str, weights: FloatArray, low: IntArray, high: IntArray, total: int
) -> IntArray:
    """From ``low`` towards ``high``, add seats by float priority until ``total`` are placed.

    Only used when the float search ends on (near-)equal priorities; the exact pass that
    follows re-decides every close call.
    """
    seats = low.copy()
    need = total - int(seats.sum())
    while need > 0:
        open_regions = np.flatnonzero(seats < high)
        priority = _priorities(method, weights[open_regions], seats[open_regions])
        take = min(need, open_regions.size)
        chosen = open_regions[np.argpartition(-priority, take - 1)[:take]]
        seats[chosen] += 1
        need -= take
    return seats


def _next_divisor(step: int, divisor: float, low: float, high: float, candidate: float) -> float:
    """Newton's proposal when it lands inside the bracket, else bisect the bracket."""
    if step < 12 and low < candidate < high and candidate != divisor:
        return candidate
    if math.isinf(high):
        return 2.0 * max(divisor, low)
    if low == 0.0:
        return high / 2.0
    if high < 2.0 * low:
        return low + (high - low) / 2.0
    return math.sqrt(low) * math.sqrt(high)


def _divisor_float(
    method: str, weights: FloatArray, total: int, floors: IntArray, caps: IntArray
) -> IntArray:
    """Seats summing to ``total``, right up to floating-point near-ties.

    Finds a divisor by a safeguarded Newton iteration: each region's seats are modelled as
    ``w / D`` plus its current rounding residual, which is exact away from the signposts, so
    a handful of vectorised passes usually lands on the total.
    """
    spare = total - int(floors.sum())
    if spare == 0:
        return floors.copy()
    positive = weights > 0
    if METHODS[method].first_seat_free:
        # Fewer seats than first-seat claims: only first seats (infinite priority) are handed
        # out, and the tie rule alone decides who gets them.
        first = np.flatnonzero(positive & (floors == 0) & (caps >= 1))
        if first.size >= spare:
            seats = floors.copy()
            seats[_by_tie_rule(weights, first)[:spare]] += 1
            return seats
    offset = {"jefferson": 0.5, "adams": -0.5}.get(method, 0.0) * float(positive.sum())
    guess = spare + offset
    divisor = float(weights.sum()) / (guess if guess > 0 else spare)
    low, high = 0.0, math.inf
    seats_low: IntArray | None = None  # seats at `low`: too many
    seats_high: IntArray | None = None  # seats at `high`: too few
    for step in range(_MAX_STEPS):
        seats, raw, quotient = _seats_at_divisor(method, weights, divisor, floors, caps)
        placed = int(seats.sum())
        if placed == total:
            return seats
        if placed > total:
            low, seats_low = divisor, seats
        else:
            high, seats_high = divisor, seats
        if seats_low is not None and seats_high is not None and high - low <= 4 * math.ulp(high):
            break
        free = (raw > floors) & (raw < caps)
        free_weight = float(weights[free].sum())
        rest = total - int(seats[~free].sum()) - float((raw[free] - quotient[free]).sum())
        candidate = free_weight / rest if free_weight > 0 and rest > 0 else math.nan
        divisor = _next_divisor(step, divisor, low, high, candidate)
    start = floors if seats_high is None else seats_high
    stop = caps if seats_low is None else seats_low
    return _fill_between(method, weights, start, stop, total)


def _next_claim(method: str, weights: FloatArray, seats: IntArray, limits: IntArray) -> int | None:
    """The region with the strongest claim to seat ``S + 1`` (caps as given)."""
    has_room = seats < limits
    after = np.where(has_room, _priorities(method, weights, seats), -math.inf)
    return _pick_next(method, weights, seats, has_room, after, float(after.max()))


def _settle_divisor(
    method: str,
    weights: FloatArray,
    floors: IntArray,
    caps: IntArray,
    limits: IntArray,
    seats: IntArray,
) -> _Outcome:
    """Make a float answer exact, and find the last seat, next in line and ties.

    ``seats`` is right when the weakest claim that won a seat (smallest ``w / d(s - 1)``)
    is at least the strongest claim that did not (largest ``w / d(s)``). When the float
    values leave a clear gap, that holds exactly. Otherwise every claim inside the close
    band is ranked with exact rationals and the band's seats go to the best of them;
    claims outside the band are already on the right side of it.
    """
    held = seats > floors
    has_room = seats < caps
    last = np.where(held, _priorities(method, weights, seats - 1), math.inf)
    after = np.where(has_room, _priorities(method, weights, seats), -math.inf)
    weakest = float(last.min())
    strongest = float(after.max())
    if not held.any() or not has_room.any() or weakest > strongest * (1.0 + _REL_TOL):
        return _Outcome(
            seats,
            _pick_last(method, weights, seats, held, last, weakest),
            _next_claim(method, weights, seats, limits),
            (),
            *_divisor_summary(strongest, weakest),
        )
    band_low = min(weakest, strongest) * (1.0 - _REL_TOL)
    band_high = max(weakest, strongest) * (1.0 + _REL_TOL)
    claims: list[tuple[_RankKey, int, bool]] = []
    contested = np.flatnonzero((held & (last <= band_high)) | (has_room & (after >= band_low)))
    for region in contested.tolist():
        weight = float(weights[region])
        k = int(seats[region]) - 1
        while k >= floors[region] and _priority(method, weight, k) <= band_high:
            claims.append((_rank_key(method, weights, region, k), region, True))
            k -= 1
        k = int(seats[region])
        while k < caps[region] and _priority(method, weight, k) >= band_low:
            claims.append((_rank_key(method, weights, region, k), region, False))
            k += 1
    claims.sort(key=lambda claim: claim[0], reverse=True)
    won = sum(1 for claim in claims if claim[2])
    settled = seats.copy()
    for position, (_, region, had) in enumerate(claims):
        settled[region] += int(position < won) - int(had)
    last_key, next_key = claims[won - 1][0], claims[won][0]
    return _Outcome(
        settled,
        claims[won - 1][1],
        _next_claim(method, weights, settled, limits),
        _tie_at_cut([(key[:2], region) for key, region, _ in claims], won),
        *_divisor_summary(_as_float(method, next_key[:2]), _as_float(method, last_key[:2])),
    )


def _as_float(method: str, priority: _ExactPriority) -> float:
    """A float priority from its exact form (undoing the square for Huntington-Hill)."""
    flag, value = priority
    if flag:
        return math.inf
    return math.sqrt(float(value)) if method == "huntington-hill" else float(value)


def _tie_at_cut(ranked: list[tuple[object, int]], won: int) -> tuple[TieBreak, ...]:
    """The tie straddling the cut between the ``won`` winning claims and the rest, if any."""
    if won == 0 or won >= len(ranked) or ranked[won - 1][0] != ranked[won][0]:
        return ()
    value = ranked[won][0]
    group = [(position, region) for position, (v, region) in enumerate(ranked) if v == value]
    winners = tuple(region for position, region in group if position < won)
    return (TieBreak(tuple(region for _, region in group), len(winners), winners),)


def _pick_last(
    method: str,
    weights: FloatArray,
    seats: IntArray,
    held: BoolArray,
    last: FloatArray,
    weakest: float,
) -> int | None:
    """The region whose winning claim is the weakest (exactly, tie rule included)."""
    if not held.any():
        return None
    if math.isfinite(weakest):
        near = held & (last <= weakest * (1.0 + _REL_TOL))
    else:
        near = held & (last == math.inf)
    candidates = np.flatnonzero(near).tolist()
    return min(candidates, key=lambda i: _rank_key(method, weights, i, int(seats[i]) - 1))


def _pick_next(
    method: str,
    weights: FloatArray,
    seats: IntArray,
    has_room: BoolArray,
    after: FloatArray,
    strongest: float,
) -> int | None:
    """The region whose losing claim is the strongest (exactly, tie rule included)."""
    if not has_room.any():
        return None
    if math.isfinite(strongest):
        near = has_room & (after >= strongest * (1.0 - _REL_TOL))
    else:
        near = has_room & (after == math.inf)
    candidates = np.flatnonzero(near).tolist()
    return max(candidates, key=lambda i: _rank_key(method, weights, i, int(seats[i])))


def _divisor_summary(low: float, high: float) -> tuple[float, tuple[float, float]]:
    """A representative divisor inside ``[low, high)`` and the interval itself."""
    low = max(low, 0.0)
    if math.isinf(high):
        divisor = 2.0 * low if low > 0 else math.inf
    elif low == 0.0:
        divisor = high / 2.0
    else:
        divisor = low + (high - low) / 2.0
    return divisor, (low, high)


def _solve_divisor(method: str, problem: _Problem) -> _Outcome:
    """A divisor method: float proposal, then exact settlement."""
    w, floors, caps = problem.weights, problem.floors, problem.caps
    rough = _divisor_float(method, w, problem.total, floors, caps)
    return _settle_divisor(method, w, floors, caps, problem.limits, rough)


# ---------------------------------------------------------------------------------------------
# Bounded quotas (water level) and Hamilton
# ---------------------------------------------------------------------------------------------


def _bound_status(
    scaled: FloatArray, floors: IntArray, caps: IntArray
) -> tuple[BoolArray, BoolArray]:
    """Which regions sit at their floor and which at their cap, at ``lam * w``."""
    at_floor = scaled <= floors
    return at_floor, (scaled >= caps) & ~at_floor


def _water_level(weights: FloatArray, total: int, floors: IntArray, caps: IntArray) -> float:
    """Float ``lam`` with ``sum(clamp(lam * w, floors, caps)) == total``.

    Each step fixes the regions at a bound and solves for the rest (exact when no region
    changes status), with a bracket and bisection as a safeguard.
    """
    if total == int(floors.sum()) or not (weights > 0).any():
        return 0.0
    level = total / float(weights.sum())
    low, high = 0.0, math.inf
    for step in range(_MAX_STEPS):
        at_floor, at_cap = _bound_status(level * weights, floors, caps)
        free = ~(at_floor | at_cap)
        fixed = int(floors[at_floor].sum()) + int(caps[at_cap].sum())
        free_weight = float(weights[free].sum())
        placed = fixed + level * free_weight
        if placed < total:
            low = level
        elif placed > total:
            high = level
        candidate = (total - fixed) / free_weight if free_weight > 0 else math.nan
        if free_weight > 0 and candidate > 0:
            new_floor, new_cap = _bound_status(candidate * weights, floors, caps)
            if np.array_equal(new_floor, at_floor) and np.array_equal(new_cap, at_cap):
                return candidate
        elif free_weight == 0 and fixed == total:
            return level
        if math.isfinite(high) and high - low <= 4 * math.ulp(high):
            return level
        level = _next_divisor(step, level, low, high, candidate)
    return level


def _exact_water_level(
    weights: FloatArray, total: int, floors: IntArray, caps: IntArray, level: float
) -> Fraction:
    """The exact water level, searched near the float one (everywhere if that fails)."""
    movable = (weights > 0) & (floors < caps)
    found = _sweep_level(weights, total, floors, caps, movable, level)
    if found is None:
        found = _sweep_level(weights, total, floors, caps, movable, None)
    if found is None:  # unreachable for feasible input; kept so a bug cannot pass silently
        raise RuntimeError("no exact water level found; please report this input")
    return found


def _sweep_level(
    weights: FloatArray,
    total: int,
    floors: IntArray,
    caps: IntArray,
    movable: BoolArray,
    level: float | None,
) -> Fraction | None:
    """Sweep ``lam`` over the breakpoints ``floor_i / w_i`` and ``cap_i / w_i``.

    Between breakpoints every region's status is fixed and the bounded quotas' sum is linear
    in ``lam``, so each segment is solved exactly. With ``level`` given, only the window of
    relative width ``_LEVEL_WINDOW`` around it is swept and regions whose breakpoints fall
    outside keep the status the float level gives them.
    """
    events: list[tuple[Fraction, int, Fraction]] = []  # (breakpoint, d fixed seats, d weight)
    fixed = int(floors[~movable].sum())
    sure_free: list[float] = []
    extra_free = Fraction(0)
    if level is None:
        start, stop = Fraction(0), None
        near_floor = near_cap = movable
        at_floor_far = np.zeros_like(movable)
        at_cap_far = np.zeros_like(movable)
    else:
        start = Fraction(level) * Fraction(1 - _LEVEL_WINDOW)
        stop = Fraction(level) * Fraction(1 + _LEVEL_WINDOW)
        scaled = level * weights
        slack = 2 * _LEVEL_WINDOW * scaled
        near_floor = movable & (np.abs(scaled - floors) <= slack)
        near_cap = movable & (np.abs(scaled - caps) <= slack)
        at_floor_far = movable & ~near_floor & (scaled < floors)
        at_cap_far = movable & ~near_cap & (scaled > caps)
        free_far = movable & ~(near_floor | near_cap | at_floor_far | at_cap_far)
        sure_free = weights[free_far].tolist()
    fixed += int(floors[at_floor_far].sum()) + int(caps[at_cap_far].sum())
    for i in np.flatnonzero(near_floor).tolist():
        w = Fraction(float(weights[i]))
        fixed += int(floors[i])  # below its floor breakpoint the region sits at its floor
        events.append((int(floors[i]) / w, -int(floors[i]), w))
    for i in np.flatnonzero(near_cap).tolist():
        w = Fraction(float(weights[i]))
        if level is not None:
            extra_free += w  # below its cap breakpoint the region is free
        events.append((int(caps[i]) / w, int(caps[i]), -w))
    free_weight = _exact_sum(sure_free) + extra_free
    events.sort(key=lambda event: event[0])
    lower = start
    for position in range(len(events) + 1):
        upper = events[position][0] if position < len(events) else stop
        if upper is None or upper >= lower:
            if free_weight > 0:
                candidate = (total - fixed) / free_weight
                if candidate >= lower and (upper is None or candidate <= upper):
                    return candidate
            elif fixed == total:
                return lower
        if position < len(events):
            _, seats_change, weight_change = events[position]
            fixed += seats_change
            free_weight += weight_change
            lower = max(lower, events[position][0])
    return None


def _exact_bounded(
    weights: FloatArray, floors: IntArray, caps: IntArray, level: Fraction, regions: list[int]
) -> list[Fraction]:
    """Exact bounded quotas ``clamp(level * w_i, floor_i, cap_i)`` of ``regions``."""
    out = []
    for i in regions:
        scaled = level * Fraction(float(weights[i]))
        out.append(min(max(scaled, Fraction(int(floors[i]))), Fraction(int(caps[i]))))
    return out


def _quota_bounds(
    weights: FloatArray, total: int, floors: IntArray, caps: IntArray
) -> tuple[FloatArray, IntArray, IntArray, float]:
    """Bounded quotas (float), their exact floor and ceiling, and the float water level."""
    level = _water_level(weights, total, floors, caps)
    if level == 0.0:  # the floors take every seat
        return floors.astype(np.float64), floors.copy(), floors.copy(), level
    scaled = level * weights
    quotas = np.clip(scaled, floors, caps).astype(np.float64)
    lower = np.floor(quotas).astype(np.int64)
    upper = np.ceil(quotas).astype(np.int64)
    # Away from integers the float floor/ceil are right; near one, decide exactly.
    close = (
        (weights > 0)
        & (floors < caps)
        & (np.abs(scaled - np.rint(scaled)) <= _REL_TOL * np.maximum(scaled, 1.0))
    )
    if close.any():
        exact_level = _exact_water_level(weights, total, floors, caps, level)
        regions = np.flatnonzero(close).tolist()
        exact = _exact_bounded(weights, floors, caps, exact_level, regions)
        for i, value in zip(regions, exact, strict=True):
            quotas[i] = float(value)
            lower[i] = _floor_fraction(value)
            upper[i] = _ceil_fraction(value)
    return quotas, lower, upper, level


def _hamilton_fast(
    weights: FloatArray,
    total: int,
    floors: IntArray,
    caps: IntArray,
    limits: IntArray,
    level: float,
) -> _Outcome | None:
    """Hamilton in floats, or None when a close call needs exact arithmetic."""
    scaled = level * weights
    tolerance = _REL_TOL * np.maximum(scaled, 1.0)
    movable = (weights > 0) & (floors < caps)
    near_bound = movable & (
        (np.abs(scaled - floors) <= tolerance) | (np.abs(scaled - caps) <= tolerance)
    )
    near_whole = movable & (np.abs(scaled - np.rint(scaled)) <= tolerance)
    if near_bound.any() or near_whole.any():
        return None
    quotas = np.clip(scaled, floors, caps)
    whole = np.floor(quotas)
    seats = whole.astype(np.int64)
    spare = total - int(seats.sum())
    # Ranked: every region that could take one more seat. A region at its effective cap
    # below its given cap has a whole quota (remainder 0), so it never wins a leftover seat
    # but can be next in line.
    open_regions = np.flatnonzero(seats < limits)
    if spare < 0 or spare > open_regions.size:
        return None
    remainders = (quotas - whole)[open_regions]
    order = np.argsort(-remainders, kind="stable")
    ranked = remainders[order]
    gap = 2.0 * float(tolerance.max())
    # The cut, the last winner and the first loser must each be clear of their neighbours.
    for position in (spare - 1, spare):
        if 0 <= position < ranked.size:
            if position > 0 and ranked[position - 1] - ranked[position] <= gap:
                return None
            if position + 1 < ranked.size and ranked[position] - ranked[position + 1] <= gap:
                return None
    winners = open_regions[order[:spare]]
    seats[winners] += 1
    last = int(winners[-1]) if spare > 0 else None
    after = int(open_regions[order[spare]]) if spare < open_regions.size else None
    hare = 1.0 / level if level > 0 else math.inf
    return _Outcome(seats, last, after, (), hare, (hare, hare))


def _hamilton_exact(
    weights: FloatArray,
    total: int,
    floors: IntArray,
    caps: IntArray,
    limits: IntArray,
    level: float,
) -> _Outcome:
    """Hamilton with exact bounded quotas and remainders throughout."""
    exact_level = _exact_water_level(weights, total, floors, caps, level)
    regions = list(range(weights.size))
    quotas = _exact_bounded(weights, floors, caps, exact_level, regions)
    base = [_floor_fraction(q) for q in quotas]
    remainders = [q - b for q, b in zip(quotas, base, strict=True)]
    spare = total - sum(base)
    open_regions = [i for i in regions if base[i] < limits[i]]
    ranked = sorted(
        open_regions,
        key=lambda i: (remainders[i], float(weights[i]), -i),
        reverse=True,
    )
    seats = np.array(base, dtype=np.int64)
    seats[ranked[:spare]] += 1
    hare = float(1 / exact_level) if exact_level > 0 else math.inf
    return _Outcome(
        seats,
        ranked[spare - 1] if spare > 0 else None,
        ranked[spare] if spare < len(ranked) else None,
        _tie_at_cut([(remainders[i], i) for i in ranked], spare),
        hare,
        (hare, hare),
    )


def _solve_hamilton(problem: _Problem) -> _Outcome:
    """Hamilton: floats when every call is clear, exact fractions otherwise."""
    w, total, floors, caps = problem.weights, problem.total, problem.floors, problem.caps
    limits = problem.limits
    level = _water_level(w, total, floors, caps)
    if level == 0.0:  # the floors take every seat
        open_regions = np.flatnonzero(floors < limits)
        after = int(_by_tie_rule(w, open_regions)[0]) if open_regions.size else None
        return _Outcome(floors.copy(), None, after, (), math.inf, (math.inf, math.inf))
    fast = _hamilton_fast(w, total, floors, caps, limits, level)
    if fast is not None:
        return fast
    return _hamilton_exact(w, total, floors, caps, limits, level)


# ---------------------------------------------------------------------------------------------
# Margins
# ---------------------------------------------------------------------------------------------


def _ranked_claims(
    method: str,
    weights: FloatArray,
    seats: IntArray,
    regions: IntArray,
    values: FloatArray,
    held_offset: int,
    best_first: bool,
) -> list[tuple[_RankKey, int]]:
    """The two best (or worst) claims among ``regions`` plus any float-close to the second.

    Enough to know, for every region, the best (worst) claim of the *other* regions.
    """
    if regions.size == 0:
        return []
    order = np.argsort(-values if best_first else values, kind="stable")
    second = values[order[min(1, order.size - 1)]]
    if math.isinf(second):
        close = values == second
    elif best_first:
        close = values >= second * (1.0 - _REL_TOL)
    else:
        close = values <= second * (1.0 + _REL_TOL)
    picked = set(regions[order[:2]].tolist()) | set(regions[close].tolist())
    keyed = [
        (_rank_key(method, weights, i, int(seats[i]) + held_offset), i) for i in sorted(picked)
    ]
    keyed.sort(key=lambda item: item[0], reverse=best_first)
    return keyed


def _divisor_margins(result: Apportionment) -> tuple[FloatArray, FloatArray]:
    """Exact margins for a divisor method (see :class:`Margins`).

    Region ``i`` wins one more seat once its next claim ``w / d(s_i)`` beats the weakest
    claim that won a seat elsewhere, and loses one once its last claim ``w / d(s_i - 1)``
    falls below the strongest claim left without a seat elsewhere: the other regions'
    claims do not move when only ``w_i`` changes.
    """
    method, seats, floors = result.method, result.seats, result.floors
    exponent = _unit_exponent(result.weights)
    w = np.ldexp(result.weights, -exponent)
    caps = _effective_caps(w, result.total_seats, floors, _cap_array(result.caps))
    user_caps = result.caps
    held = np.flatnonzero(seats > floors)
    last = _priorities(method, w[held], seats[held] - 1)
    weakest = _ranked_claims(method, w, seats, held, last, -1, best_first=False)
    room = np.flatnonzero(seats < caps)
    after = _priorities(method, w[room], seats[room])
    strongest = _ranked_claims(method, w, seats, room, after, 0, best_first=True)
    gain = np.full(w.size, math.inf)
    lose = np.full(w.size, math.inf)
    for i in range(w.size):
        s, weight = int(seats[i]), Fraction(float(w[i]))
        cap = user_caps[i]
        rival = next((key for key, j in weakest if j != i), None)
        if rival is not None and (cap is None or s < cap):
            gain[i] = _threshold(method, rival, s, weight, raising=True)
        rival = next((key for key, j in strongest if j != i), None)
        if rival is not None and s > floors[i]:
            lose[i] = _threshold(method, rival, s - 1, weight, raising=False)
    return np.ldexp(gain, exponent), np.ldexp(lose, exponent)


def _threshold(
    method: str, rival: _RankKey, held: int, weight: Fraction, *, raising: bool
) -> float:
    """Weight change that makes claim ``(weight, held)`` tie with ``rival``'s claim."""
    flag, value, rival_weight, _ = rival
    mine_infinite = _signpost_power(method, held) == 0
    if flag:  # the rival claims a first seat with infinite priority: weights decide
        if not mine_infinite:
            return math.inf if raising else float(weight)
        gap = Fraction(rival_weight) - weight
        return float(max(gap, Fraction(0)) if raising else max(-gap, Fraction(0)))
    if mine_infinite:  # any positive weight claims with infinite priority
        return 0.0 if raising else float(weight)
    target = _weight_for(method, value, held)
    change = target - weight if raising else weight - target
    return float(max(change, Fraction(0)))


def _hamilton_margins(result: Apportionment) -> tuple[FloatArray, FloatArray]:
    """Hamilton margins by bisection on each region's own weight, all regions at once.

    A region's Hamilton seats never fall as its own weight grows (others fixed), so the
    smallest change that moves a seat is found by bisection on re-apportionments. Each
    bisection step re-apportions one trial problem per region, as rows of one array.
    """
    seats, floors = result.seats, result.floors
    exponent = _unit_exponent(result.weights)
    probe = _HamiltonProbe(
        np.ldexp(result.weights, -exponent), result.total_seats, floors, _cap_array(result.caps)
    )
    gain = np.full(seats.size, math.inf)
    lose = np.full(seats.size, math.inf)
    above_floor = seats - floors
    others_above_floor = int(above_floor.sum()) - above_floor
    can_gain = (probe.given < 0) | (seats < probe.given)
    for rows in _chunks(np.flatnonzero(can_gain & (others_above_floor > 0)), seats.size):
        gain[rows] = _bisect_gains(probe, rows, seats[rows])
    for rows in _chunks(np.flatnonzero(seats > floors), seats.size):
        lose[rows] = _bisect_losses(probe, rows, seats[rows])
    return np.ldexp(gain, exponent), np.ldexp(lose, exponent)


def _chunks(rows: IntArray, width: int) -> list[IntArray]:
    """Split ``rows`` so each batch of trial problems holds about a million weights."""
    size = max(1, 1_000_000 // max(width, 1))
    return [rows[start : start + size] for start in range(0, rows.size, size)]


@dataclass(frozen=True)
class _HamiltonProbe:
    """Hamilton seats of one region per row, when only that region's weight changes.

    Floats only: it locates margins to about 1e-13, which exact arithmetic would not change.
    """

    weights: FloatArray
    total: int
    floors: IntArray
    given: IntArray  # caps as given, -1 for none

    def seats(self, regions: IntArray, weights: FloatArray) -> IntArray:
        """Seats of ``regions[r]`` with its weight set to ``weights[r]`` (-1: infeasible)."""
        rows = np.arange(regions.size)
        trial = np.repeat(self.weights[None, :], regions.size, axis=0)
        trial[rows, regions] = weights
        floors = self.floors
        room = floors + (self.total - int(floors.sum()))
        caps = np.where(self.given >= 0, np.minimum(room, self.given), room)
        caps_rows = np.where(trial > 0, caps, floors)
        feasible = caps_rows.sum(axis=1) >= self.total
        level = _batched_water_level(trial, self.total, floors, caps_rows, feasible)
        quotas = np.clip(level[:, None] * trial, floors, caps_rows)
        whole = np.floor(quotas)
        remainders = quotas - whole
        spare = self.total - whole.sum(axis=1)
        own_remainder = remainders[rows, regions][:, None]
        own_weight = trial[rows, regions][:, None]
        index = np.arange(self.weights.size)
        has_room = whole < caps_rows
        # Regions ranked above each row's own region by (remainder, weight, lower index).
        ahead = has_room & (
            (remainders > own_remainder)
            | (
                (remainders == own_remainder)
                & ((trial > own_weight) | ((trial == own_weight) & (index < regions[:, None])))
            )
        )
        wins = has_room[rows, regions] & (ahead.sum(axis=1) < spare)
        found = whole[rows, regions].astype(np.int64) + wins
        return np.where(feasible, found, -1)


def _batched_water_level(
    trial: FloatArray,
    total: int,
    floors: IntArray,
    caps: IntArray,
    feasible: BoolArray,
) -> FloatArray:
    """Float water level of every row of ``trial`` (see :func:`_water_level`), to ~1e-12."""
    weight = trial.sum(axis=1)
    usable = feasible & (weight > 0) & (total > int(floors.sum()))
    level = np.where(usable, total / np.where(weight > 0, weight, 1.0), 0.0)
    low = np.zeros_like(level)
    high = np.full_like(level, math.inf)
    done = ~usable
    for step in range(_MAX_STEPS):
        scaled = level[:, None] * trial
        at_floor = scaled <= floors
        at_cap = (scaled >= caps) & ~at_floor
        fixed = np.where(at_floor, floors, 0).sum(axis=1) + np.where(at_cap, caps, 0).sum(axis=1)
        free_weight = np.where(at_floor | at_cap, 0.0, trial).sum(axis=1)
        placed = fixed + level * free_weight
        done |= np.abs(placed - total) <= _REL_TOL * total
        if done.all():
            break
        low = np.where(placed < total, level, low)
        high = np.where(placed > total, level, high)
        with np.errstate(divide="ignore", invalid="ignore"):
            candidate = (total - fixed) / free_weight
        newton = (step < 12) & (low < candidate) & (candidate < high)
        halfway = np.where(
            np.isinf(high),
            2.0 * np.maximum(level, low),
            np.where(low == 0.0, high / 2.0, low + (high - low) / 2.0),
        )
        level = np.where(done, level, np.where(newton, candidate, halfway))
    return level


def _bisect_gains(probe: _HamiltonProbe, regions: IntArray, held: IntArray) -> FloatArray:
    """Smallest weight increase that wins each region one more seat (inf if none does)."""
    start = probe.weights[regions]
    high = np.maximum(np.maximum(start, float(probe.weights.sum())), 1.0)
    gained = probe.seats(regions, start + high) > held
    while not gained.all():
        growing = ~gained & (high < 1e300)
        if not growing.any():
            break
        high = np.where(growing, 2.0 * high, high)
        rows = np.flatnonzero(growing)
        gained[rows] = probe.seats(regions[rows], start[rows] + high[rows]) > held[rows]
    low = np.zeros_like(high)
    while True:
        rows = np.flatnonzero(
            gained & (high - low > np.maximum(1e-13 * high, 4 * np.spacing(start + high)))
        )
        if rows.size == 0:
            break
        middle = low[rows] + (high[rows] - low[rows]) / 2.0
        wins = probe.seats(regions[rows], start[rows] + middle) > held[rows]
        high[rows] = np.where(wins, middle, high[rows])
        low[rows] = np.where(wins, low[rows], middle)
    return np.where(gained, high, math.inf)


def _bisect_losses(probe: _HamiltonProbe, regions: IntArray, held: IntArray) -> FloatArray:
    """Smallest weight decrease that loses each region a seat (inf if none does)."""
    start = probe.weights[regions]
    at_zero = probe.seats(regions, np.zeros_like(start))
    lost = (at_zero >= 0) & (at_zero < held)
    low, high = np.zeros_like(start), start.copy()
    while True:
        rows = np.flatnonzero(lost & (high - low > np.maximum(1e-13 * high, 4 * np.spacing(start))))
        if rows.size == 0:
            break
        middle = low[rows] + (high[rows] - low[rows]) / 2.0
        found = probe.seats(regions[rows], start[rows] - middle)
        drops = (found >= 0) & (found < held[rows])
        high[rows] = np.where(drops, middle, high[rows])
        low[rows] = np.where(drops, low[rows], middle)
    return np.where(lost, high, math.inf)


# ---------------------------------------------------------------------------------------------
# The entry point
# ---------------------------------------------------------------------------------------------


def apportion(
    weights: Sequence[float] | FloatArray,
    seats: int,
    method: str = "hamilton",
    *,
    floors: Sequence[int] | None = None,
    caps: Sequence[int | None] | None = None,
    labels: Sequence[str] | None = None,
) -> Apportionment:
    """Share ``seats`` among regions in proportion to ``weights``, within floors and caps.

    Parameters
    ----------
    weights : sequence of float or numpy.ndarray
        One finite, non-negative weight per region.
    seats : int
        Seats to share, 0 or more.
    method : str
        A name or alias from :data:`METHODS` (see :func:`canonical_method`).
    floors : sequence of int, optional
        Least seats per region (default 0).
    caps : sequence of (int or None), optional
        Most seats per region; ``None`` (or NaN, ``pandas.NA``) for no cap.
    labels : sequence of str, optional
        Region names for messages and explanations.

    Returns
    -------
    Apportionment
        Seats and their explanation.

    Raises
    ------
    ApportionmentError
        On bad input, naming the argument and the fix: negative, NaN or infinite weights,
        seats not a whole number, floors above caps, floors summing to more than ``seats``,
        caps (or zero weights) leaving room for fewer than ``seats``.
    """
    name = canonical_method(method)
    problem = _problem(weights, seats, floors, caps, labels)
    if METHODS[name].kind == "divisor":
        outcome = _solve_divisor(name, problem)
    else:
        outcome = _solve_hamilton(problem)
    w, total = problem.weights, problem.total
    total_weight = float(w.sum())
    quotas = w * (total / total_weight) if total_weight > 0 else np.zeros_like(w)
    bounded, lower, upper, _ = _quota_bounds(w, total, problem.floors, problem.caps)
    result_seats = outcome.seats
    outside = np.flatnonzero((result_seats < lower) | (result_seats > upper)).tolist()
    violations = tuple(
        QuotaViolation(
            i,
            problem.labels[i],
            int(result_seats[i]),
            float(bounded[i]),
            int(lower[i]),
            int(upper[i]),
        )
        for i in outside
    )
    original = problem.original
    for array in (original, result_seats, problem.floors, quotas, bounded, lower, upper):
        array.setflags(write=False)
    low, high = outcome.divisor_interval
    return Apportionment(
        method=name,
        seats=result_seats,
        weights=original,
        total_seats=total,
        labels=problem.labels,
        floors=problem.floors,
        caps=problem.user_caps,
        quotas=quotas,
        bounded_quotas=bounded,
        lower_quota=lower,
        upper_quota=upper,
        divisor=math.ldexp(outcome.divisor, problem.exponent),
        divisor_interval=(
            math.ldexp(low, problem.exponent),
            math.ldexp(high, problem.exponent),
        ),
        last_seat=outcome.last_seat,
        next_in_line=outcome.next_in_line,
        ties=outcome.ties,
        quota_violations=violations,
    )
