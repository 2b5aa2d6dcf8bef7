"""The scenario model: one edition of a programme, validated, read from and written to YAML.

A scenario holds every input a plan needs. It is a tree of frozen pydantic models, one per
section, each field with a description and a bound; unknown keys are rejected. Cross-field
rules live in named ``check_*`` functions gathered by :func:`validate`, and every problem
is reported as a :class:`Problem` naming the field path (``regions[3].cap``) and the fix.

Glossary
--------
region
    A country (ISO 3166-1 alpha-2 code) or, for a roadshow, a city. It belongs to one track.
track
    A language track (an accelerator) or an audience (a roadshow): participants of one track
    are trained together.
seat
    A place for one participant (an accelerator) or one stop (a roadshow).
floor, cap
    The fewest and the most seats a region may get.
weight basis
    What a region's share of seats is proportional to: population, internet users, expected
    applicants, equal, or a blend, times a priority, raised to the weight exponent.
grant pool
    The total budget less participant costs, fixed costs and the contingency reserve.
"""

from __future__ import annotations

import hashlib
import json
import re
from collections.abc import Callable, Hashable, Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Annotated, Any, Literal

import yaml
from pydantic import (
    BaseModel,
    BeforeValidator,
    ConfigDict,
    Field,
    ValidationError,
    field_validator,
)
from pydantic_core import ErrorDetails, PydanticCustomError

MAX_SCENARIO_BYTES = 1_000_000
MAX_MONEY = 1e11

Kind = Literal["accelerator", "roadshow"]
Method = Literal[
    "hamilton",
    "jefferson",
    "dhondt",
    "webster",
    "sainte-lague",
    "huntington-hill",
    "adams",
    "dean",
]
WeightBasis = Literal["population", "internet_users", "expected_applicants", "equal", "blend"]
GrantRule = Literal["equal", "purchasing-power", "need", "maximin"]
TrackSeats = Literal["from_regions", "fixed"]

CODE_PATTERN = r"^[A-Za-z0-9][A-Za-z0-9_.-]{0,63}$"
MONTH_PATTERN = r"^\d{4}-(0[1-9]|1[0-2])$"


class _Model(BaseModel):
    """Base for every section: frozen, strict about unknown keys, validated on assignment."""

    model_config = ConfigDict(
        extra="forbid",
        frozen=True,
        str_strip_whitespace=True,
        validate_default=True,
    )


# Longest piece of a wrong value quoted back in a message.
_QUOTED_CHARS = 40


def _numbers_only(kind: str) -> BeforeValidator:
    """Refuse ``true``/``false`` and text where a number is due.

    Pydantic would quietly read ``true`` as 1 and ``"80"`` as 80; a scenario file (or link,
    or upload) saying so is more likely a slip than a wish, so it is refused with the field.
    """

    def check(value: Any) -> Any:
        if isinstance(value, bool):
            raise PydanticCustomError(
                "number_not_bool", "expected {kind}, got true/false", {"kind": kind}
            )
        if isinstance(value, str):
            text = value if len(value) <= _QUOTED_CHARS else value[:_QUOTED_CHARS] + "…"
            raise PydanticCustomError(
                "number_not_text",
                "expected {kind}, got the text '{text}'",
                {"kind": kind, "text": text},
            )
        return value

    return BeforeValidator(check)


Int = Annotated[int, _numbers_only("a whole number")]
Float = Annotated[float, _numbers_only("a number")]
# The check around the optional type, not inside it: the field's bounds then stay bounds
# of the number in the JSON schema (minimum, maximum).
MaybeInt = Annotated[int | None, _numbers_only("a whole number")]
MaybeFloat = Annotated[float | None, _numbers_only("a number")]
# Bounds before the check, so the JSON schema still shows them as minimum and maximum.
Share = Annotated[float, Field(ge=0.0, le=1.0), _numbers_only("a number")]
Money = Annotated[float, Field(ge=0.0, le=MAX_MONEY), _numbers_only("a number")]


class Phase(_Model):
    """A stretch of the programme, e.g. three months of training."""

    name: str = Field(
        min_length=1,
        max_length=40,
        pattern=CODE_PATTERN,
        description="Short name of the phase, used by costs and disbursements (e.g. training).",
    )
    months: Int = Field(
        ge=0, le=36, description="Length of the phase in whole months (at least 1 to take part)."
    )


class Track(_Model):
    """A language track (accelerator) or an audience (roadshow)."""

    code: str = Field(
        min_length=1,
        max_length=40,
        pattern=CODE_PATTERN,
        description="Short code regions refer to (e.g. 'pt', 'es', 'en').",
    )
    name: str = Field(min_length=1, max_length=80, description="Display name, e.g. 'Portuguese'.")
    language: str = Field(
        default="en",
        pattern=r"^[a-z]{2,3}(-[A-Za-z0-9]{2,8})*$",
        description="BCP 47 language code the track is taught in (e.g. 'pt', 'es', 'ar').",
    )
    seats: MaybeInt = Field(
        default=None,
        ge=0,
        le=1_000_000,
        description=(
            "Seats fixed for this track when cohort.track_seats is 'fixed' "
            "(e.g. one cohort of 16); ignored otherwise."
        ),
    )
    sessions_per_stop: MaybeInt = Field(
        default=None,
        ge=0,
        le=50,
        description="Roadshow audiences: training sessions for this audience at each stop.",
    )
    seats_per_session: MaybeInt = Field(
        default=None,
        ge=1,
        le=100_000,
        description="Roadshow audiences: places in one session.",
    )
    show_up_rate: MaybeFloat = Field(
        default=None,
        ge=0.0,
        le=1.0,
        description="Roadshow audiences: share of the places filled by people who come (0-1).",
    )
    outcome: str | None = Field(
        default=None,
        max_length=120,
        description="What counts as a good outcome for this audience (e.g. 'a new or better job').",
    )
    outcome_rate: MaybeFloat = Field(
        default=None,
        ge=0.0,
        le=1.0,
        description="Share of the trained people expected to reach the outcome (0-1).",
    )


class Region(_Model):
    """A country or city that receives seats, with optional overrides of reference data."""

    code: str = Field(
        min_length=1,
        max_length=64,
        pattern=CODE_PATTERN,
        description=(
            "ISO 3166-1 alpha-2 country code (e.g. 'BR') for an accelerator; "
            "a city id for a roadshow."
        ),
    )
    name: str | None = Field(
        default=None,
        max_length=120,
        description="Display name; taken from the reference data when left out.",
    )
    track: str = Field(
        min_length=1, max_length=40, description="Code of the track this region belongs to."
    )
    population: MaybeFloat = Field(
        default=None, ge=0, le=1e10, description="Override of the reference population (people)."
    )
    internet_users_share: MaybeFloat = Field(
        default=None,
        ge=0.0,
        le=1.0,
        description="Override of the share of the population online (0-1).",
    )
    price_level: MaybeFloat = Field(
        default=None,
        gt=0.0,
        le=20.0,
        description=(
            "Override of the price level ratio (USA = 1): 0.5 means a dollar buys twice as much."
        ),
    )
    expected_applicants: MaybeFloat = Field(
        default=None,
        ge=0,
        le=1e8,
        description=(
            "Override of the applicants expected from this region; otherwise the cohort's "
            "expected applicants are split by internet users."
        ),
    )
    need: Float = Field(
        default=1.0,
        ge=0.0,
        le=1000.0,
        description="Need score for the 'need' grant rule (relative; 1 = average need).",
    )
    priority: Float = Field(
        default=1.0,
        ge=0.0,
        le=100.0,
        description="Designer's priority multiplier on the region's weight (1 = neutral).",
    )
    floor: Int = Field(
        default=0, ge=0, le=1_000_000, description="Fewest seats this region may get."
    )
    cap: MaybeInt = Field(
        default=None,
        ge=0,
        le=1_000_000,
        description="Most seats this region may get; no cap when left out.",
    )

    @field_validator("code")
    @classmethod
    def _upper_country_code(cls, value: str) -> str:
        return value.upper() if len(value) == 2 and value.isalpha() else value


class Eligibility(_Model):
    """Who may apply, and the share of applicants expected to pass each rule."""

    leader_min_age: Int = Field(
        default=18, ge=0, le=120, description="Youngest age, in years, a leader may apply at."
    )
    community_min_age_months: Int = Field(
        default=0,
        ge=0,
        le=600,
        description="How many months the community must have existed for, at the least.",
    )
    min_members_online: Int = Field(
        default=0,
        ge=0,
        le=100_000_000,
        description="Fewest members a primarily online community must have (0 = no rule).",
    )
    leader_age_pass_share: Share = Field(
        default=1.0, description="Share of applicants expected to meet the age rule (0-1)."
    )
    community_age_pass_share: Share = Field(
        default=1.0,
        description="Share of applicants expected to meet the community-age rule (0-1).",
    )
    min_members_pass_share: Share = Field(
        default=1.0,
        description="Share of applicants expected to meet the membership rule (0-1).",
    )

    @property
    def pass_share(self) -> float:
        """Share of applicants passing every rule, taking the rules as independent."""
        return (
            self.leader_age_pass_share * self.community_age_pass_share * self.min_members_pass_share
        )


class BlendWeights(_Model):
    """Mix of weight bases used when cohort.weight_basis is 'blend'; normalised to sum 1."""

    population: Float = Field(default=0.0, ge=0.0, le=1.0, description="Share of population.")
    internet_users: Float = Field(
        default=0.0, ge=0.0, le=1.0, description="Share of internet users."
    )
    expected_applicants: Float = Field(
        default=0.0, ge=0.0, le=1.0, description="Share of expected applicants."
    )
    equal: Float = Field(default=0.0, ge=0.0, le=1.0, description="Share split equally.")


class Cohort(_Model):
    """How many seats there are and how they are split."""

    seats: Int = Field(ge=1, le=1_000_000, description="Total seats (participants) in the cohort.")
    method: Method = Field(default="hamilton", description="Apportionment method for the seats.")
    weight_basis: WeightBasis = Field(
        default="internet_users", description="What each region's share is proportional to."
    )
    blend: BlendWeights = Field(
        default_factory=BlendWeights,
        description="Mix of bases when weight_basis is 'blend'.",
    )
    weight_exponent: Float = Field(
        default=1.0,
        ge=0.0,
        le=1.0,
        description=(
            "Weights are raised to this power: 1 = proportional, 0.5 = square root "
            "(Penrose), 0 = equal per region."
        ),
    )
    expected_applicants: Int = Field(
        default=0,
        ge=0,
        le=100_000_000,
        description=(
            "Applicants expected in all (split across regions by internet users unless a "
            "region overrides it); 0 = unknown."
        ),
    )
    cap_at_eligible: bool = Field(
        default=False,
        description="Cap each region's seats at its expected eligible applicants.",
    )
    track_seats: TrackSeats = Field(
        default="from_regions",
        description=(
            "'from_regions': a track's seats are the sum of its regions' seats; "
            "'fixed': each track's seats are set on the track and split among its regions."
        ),
    )


class Disbursement(_Model):
    """One payment of the grant: a share of it, paid at a point in a phase."""

    phase: str = Field(min_length=1, max_length=40, description="Phase in which it is paid.")
    at: Float = Field(
        default=0.0,
        ge=0.0,
        lt=1.0,
        description="When in the phase, as a fraction of it: 0 = its start, 0.5 = its midpoint.",
    )
    share: Float = Field(gt=0.0, le=1.0, description="Share of the grant paid then (0-1].")


class Budget(_Model):
    """Money: the total, the grants and the costs around them."""

    total: Money = Field(description="Total budget of the edition, in the scenario's currency.")
    grant_cap: Money = Field(description="Largest grant one participant may receive.")
    grant_floor: Money = Field(default=0.0, description="Smallest grant a participant receives.")
    grant_rule: GrantRule = Field(default="equal", description="How grants are split.")
    grant_unit: Float = Field(
        default=1.0,
        gt=0.0,
        le=1_000_000.0,
        description="Grants are rounded down to a multiple of this (e.g. 500).",
    )
    participant_costs: dict[str, Money] = Field(
        default_factory=dict,
        description="Cost per participant per month, by phase name (training, coaching, travel).",
    )
    fixed_costs_per_month: Money = Field(
        default=0.0, description="Programme costs per month regardless of size (staff, venue)."
    )
    contingency_share: Float = Field(
        default=0.0,
        ge=0.0,
        le=0.5,
        description="Share of the total held back as contingency (0-0.5).",
    )
    disbursement: tuple[Disbursement, ...] = Field(
        default=(),
        max_length=24,
        description=(
            "When grants are paid; shares sum to 1. Empty: all at the start of the last phase."
        ),
    )


class Simulation(_Model):
    """Monte Carlo settings."""

    draws: Int = Field(default=10_000, ge=100, le=1_000_000, description="Number of draws.")
    seed: Int = Field(
        default=20_200_901, ge=0, le=2**32 - 1, description="Seed of the random generator."
    )
    dropout_per_month: Float = Field(
        default=0.02, ge=0.0, le=0.5, description="Share of participants leaving each month."
    )
    applicant_dispersion: Float = Field(
        default=0.1,
        ge=0.0,
        le=10.0,
        description=(
            "Negative binomial dispersion of applicants: variance = mean + dispersion x mean^2 "
            "(0 = Poisson)."
        ),
    )
    demand_correlation: Float = Field(
        default=0.5,
        ge=0.0,
        le=1.0,
        description="How much a strong or weak year moves all regions together (0-1).",
    )
    cost_uncertainty: Float = Field(
        default=0.1,
        ge=0.0,
        le=1.0,
        description=(
            "Relative spread of participant and fixed costs from draw to draw (0 = costs "
            "exactly as budgeted; 0.1 = a typical 10% either way)."
        ),
    )
    redistribute_unfilled: bool = Field(
        default=True,
        description="Give seats a region cannot fill to regions with eligible applicants to spare.",
    )
    sensitivity_share: Float = Field(
        default=0.2,
        gt=0.0,
        le=0.9,
        description="How far each input moves either way in the sensitivity (tornado) table.",
    )


SpreadBy = Literal["state", "census_region", "census_division"]
CITY_PATTERN = r"^[a-z0-9][a-z0-9-]*-[a-z]{2}$"


class Roadshow(_Model):
    """A tour of cities: which cities, in what order, with which sessions, at what cost.

    Cities are named by id: the city's name in lowercase with '-' for spaces and
    punctuation, then its state code (``houston-tx``, ``st-louis-mo``). The number of stops
    is ``cohort.seats``; stops are apportioned across the groups ``spread_by`` names by the
    cohort's method and weight basis, then cities are chosen within each group.
    """

    spread_by: SpreadBy = Field(
        default="state",
        description=(
            "Groups the stops are spread across fairly: states, census regions or divisions."
        ),
    )
    states: tuple[Annotated[str, Field(pattern=r"^[A-Z]{2}$")], ...] = Field(
        default=(),
        max_length=60,
        description="Only cities in these states (two-letter codes); empty = every state.",
    )
    min_population: Int = Field(
        default=100_000,
        ge=0,
        le=100_000_000,
        description="Smallest city population considered (required cities are always in).",
    )
    required: tuple[Annotated[str, Field(pattern=CITY_PATTERN)], ...] = Field(
        default=(), max_length=500, description="Cities that must be stops (pinned), by id."
    )
    banned: tuple[Annotated[str, Field(pattern=CITY_PATTERN)], ...] = Field(
        default=(), max_length=5000, description="Cities that must not be stops, by id."
    )
    extend_to: MaybeInt = Field(
        default=None,
        ge=1,
        le=2000,
        description=(
            "Stops after an extension of the tour (e.g. 30 extended to 50); none when left out."
        ),
    )
    group_floor: Int = Field(
        default=0, ge=0, le=1000, description="Fewest stops in each group (state or region)."
    )
    group_cap: MaybeInt = Field(
        default=None,
        ge=0,
        le=1000,
        description="Most stops in each group; no cap when left out.",
    )
    partners_per_stop: Float = Field(
        default=0.0, ge=0.0, le=1000.0, description="Local partner organisations per stop."
    )
    colleges_per_stop: Float = Field(
        default=0.0, ge=0.0, le=100.0, description="Community colleges partnering per stop."
    )
    cost_per_stop: Money = Field(
        default=0.0, description="Fixed cost of one stop (venue, crew, travel)."
    )
    cost_per_attendee: Money = Field(
        default=0.0, description="Cost per person who attends (materials, food)."
    )
    weeks_available: Int = Field(
        default=52, ge=1, le=260, description="Weeks in which stops can be scheduled."
    )
    stops_per_week: Int = Field(
        default=1, ge=1, le=14, description="Most stops the tour can make in one week."
    )
    reach_goal: Int = Field(
        default=0,
        ge=0,
        le=1_000_000_000,
        description="People to train by the end of the calendar (0 = no goal).",
    )
    show_up_uncertainty: Float = Field(
        default=0.1,
        ge=0.0,
        le=1.0,
        description=(
            "Relative spread of the show-up rates from draw to draw: a good or bad turnout "
            "year moves every stop and audience together (0 = rates exactly as given)."
        ),
    )
    spread_km: Float = Field(
        default=100.0,
        ge=1.0,
        le=1000.0,
        description=(
            "Distance under which a nearby city shares a stop's audience: a city d km from a "
            "chosen stop of its group counts as d / spread_km of its people."
        ),
    )


class Scenario(_Model):
    """One edition of a programme: every input a plan needs."""

    schema_version: Annotated[Literal[1], _numbers_only("the number 1")] = Field(
        default=1, description="Version of this file format."
    )
    kind: Kind = Field(description="'accelerator' (cohort of leaders) or 'roadshow' (city tour).")
    name: str = Field(min_length=1, max_length=120, description="Display name of the scenario.")
    description: str = Field(
        default="",
        max_length=5000,
        description="What the scenario is and where its figures come from.",
    )
    currency: str = Field(
        default="USD", pattern=r"^[A-Z]{3}$", description="ISO 4217 code of all money amounts."
    )
    start_month: str = Field(
        pattern=MONTH_PATTERN, description="First month of the programme, as YYYY-MM."
    )
    phases: tuple[Phase, ...] = Field(
        min_length=1, max_length=12, description="Phases in order, with their length in months."
    )
    tracks: tuple[Track, ...] = Field(
        min_length=1, max_length=50, description="Language tracks or audiences."
    )
    regions: tuple[Region, ...] = Field(
        default=(),
        max_length=10_000,
        description=(
            "Countries that receive seats (an accelerator needs at least one); a roadshow "
            "takes its cities from the reference data and leaves this empty."
        ),
    )
    eligibility: Eligibility = Field(
        default_factory=Eligibility, description="Who may apply and how many pass."
    )
    cohort: Cohort = Field(description="Seats and how they are split.")
    budget: Budget = Field(description="The money.")
    simulation: Simulation = Field(default_factory=Simulation, description="Monte Carlo settings.")
    roadshow: Roadshow | None = Field(
        default=None, description="The tour, for a scenario of kind 'roadshow'."
    )

    @property
    def months(self) -> int:
        """Length of the programme in months."""
        return sum(phase.months for phase in self.phases)

    def track(self, code: str) -> Track:
        """The track with this code."""
        for track in self.tracks:
            if track.code == code:
                return track
        raise KeyError(f"no track with code {code!r}")


# --- problems ------------------------------------------------------------------------------


@dataclass(frozen=True)
class Problem:
    """One thing wrong with a scenario: where, what, and how to fix it."""

    path: str
    message: str
    fix: str

    def __str__(self) -> str:
        where = self.path or "(scenario)"
        return f"{where}: {self.message}. Fix: {self.fix}"


class ScenarioError(ValueError):
    """A scenario that cannot be read or does not validate; carries every problem found."""

    def __init__(self, problems: Sequence[Problem], source: str | None = None) -> None:
        self.problems = tuple(problems)
        self.source = source
        head = f"{source}: " if source else ""
        lines = [f"{head}{len(self.problems)} problem(s) in the scenario:"]
        lines += [f"  - {problem}" for problem in self.problems]
        super().__init__("\n".join(lines))


def format_path(location: Iterable[str | int]) -> str:
    """Turn a pydantic location tuple into a path like ``regions[3].cap``."""
    path = ""
    for part in location:
        if isinstance(part, int):
            path += f"[{part}]"
        else:
            path += f".{part}" if path else str(part)
    return path


def _fix_for(error: ErrorDetails) -> str:
    kind = error.get("type", "")
    ctx = error.get("ctx") or {}
    if kind == "extra_forbidden":
        return "remove this key or check its spelling; unknown keys are not allowed"
    if kind == "missing":
        return "add this field"
    if kind in {"greater_than_equal", "greater_than"}:
        bound = ctx.get("ge", ctx.get("gt"))
        word = "at least" if kind == "greater_than_equal" else "more than"
        return f"use a value {word} {bound}"
    if kind in {"less_than_equal", "less_than"}:
        bound = ctx.get("le", ctx.get("lt"))
        word = "at most" if kind == "less_than_equal" else "less than"
        return f"use a value {word} {bound}"
    if kind == "literal_error":
        return f"use one of {ctx.get('expected', 'the allowed values')}"
    if kind == "string_pattern_mismatch":
        field = str(error.get("loc", ("",))[-1])
        examples = {
            "start_month": "a month written YYYY-MM, e.g. 2020-09",
            "currency": "a three-letter ISO 4217 code, e.g. USD",
            "language": "a BCP 47 code, e.g. 'en' or 'pt'",
        }
        return examples.get(
            field, "use letters, digits, '-', '_' or '.', starting with a letter or digit"
        )
    if kind in {"string_too_short", "too_short"}:
        return "give at least one entry" if kind == "too_short" else "give a non-empty value"
    if kind in {"string_too_long", "too_long"}:
        return "shorten it"
    if kind == "int_from_float":
        return "give a whole number"
    if kind in {"number_not_bool", "number_not_text"}:
        wanted = str(ctx.get("kind", "a number"))
        example = {"a whole number": "80", "the number 1": "1"}.get(wanted, "0.25 or 3200000")
        return f"write {wanted} in digits, without quotes, e.g. {example}"
    if kind == "bool_type" or kind == "string_type":
        return (
            "give a value of the right type: "
            + error["msg"].lower()
            + (
                " (quote codes such as 'NO' or 'ON' so YAML keeps them as text)"
                if kind == "string_type"
                else ""
            )
        )
    if kind.endswith("_type") or kind.endswith("_parsing"):
        return "give a value of the right type: " + error["msg"].lower()
    return "correct the value"


def problems_from_validation_error(error: ValidationError) -> list[Problem]:
    """Turn pydantic's errors into problems with paths and fixes."""
    problems = []
    for item in error.errors(include_url=False):
        message = item["msg"]
        if item["type"] == "extra_forbidden":
            message = "unknown key"
        problems.append(Problem(format_path(item["loc"]), message, _fix_for(item)))
    return problems


# --- cross-field checks ---------------------------------------------------------------------

Check = Callable[[Scenario], list[Problem]]


def check_kind_sections(scenario: Scenario) -> list[Problem]:
    """An accelerator has regions and no tour; a roadshow has a tour and no regions."""
    problems = []
    if scenario.kind == "accelerator":
        if not scenario.regions:
            problems.append(
                Problem("regions", "an accelerator needs at least one region", "add regions")
            )
        if scenario.roadshow is not None:
            problems.append(
                Problem(
                    "roadshow",
                    "only a scenario of kind 'roadshow' has a tour",
                    "remove the roadshow section or set kind: roadshow",
                )
            )
        return problems
    if scenario.roadshow is None:
        problems.append(
            Problem("roadshow", "a roadshow needs its tour section", "add a roadshow section")
        )
    if scenario.regions:
        problems.append(
            Problem(
                "regions",
                "a roadshow takes its cities from the reference data, not from regions",
                "remove regions; pin cities under roadshow.required",
            )
        )
    return problems


def check_roadshow(scenario: Scenario) -> list[Problem]:
    """A tour's audiences, pins, bans and calendar fit together."""
    tour = scenario.roadshow
    if scenario.kind != "roadshow" or tour is None:
        return []
    problems = []
    for i, track in enumerate(scenario.tracks):
        for field in ("sessions_per_stop", "seats_per_session", "show_up_rate"):
            if getattr(track, field) is None:
                problems.append(
                    Problem(
                        f"tracks[{i}].{field}",
                        f"audience {track.code!r} of a roadshow has no {field.replace('_', ' ')}",
                        f"give tracks[{i}].{field}",
                    )
                )
    stops = scenario.cohort.seats
    both = sorted(set(tour.required) & set(tour.banned))
    if both:
        problems.append(
            Problem(
                "roadshow.banned",
                f"{', '.join(both)} are both required and banned",
                "remove them from one of the two lists",
            )
        )
    pinned = len(set(tour.required))
    if pinned > stops:
        problems.append(
            Problem(
                "roadshow.required",
                f"{pinned} cities are required but the tour has {stops} stops",
                f"raise cohort.seats to {pinned} or pin fewer cities",
            )
        )
    capacity = tour.weeks_available * tour.stops_per_week
    most = max(stops, tour.extend_to or 0)
    if capacity < most:
        problems.append(
            Problem(
                "roadshow.weeks_available",
                f"{tour.weeks_available} weeks at {tour.stops_per_week} stop(s) a week hold "
                f"{capacity} stops but the tour needs {most}",
                f"give at least {-(-most // tour.stops_per_week)} weeks or more stops a week",
            )
        )
    if tour.extend_to is not None and tour.extend_to < stops:
        problems.append(
            Problem(
                "roadshow.extend_to",
                f"the extension to {tour.extend_to} stops is below the {stops} planned",
                f"set extend_to to more than {stops} or leave it out",
            )
        )
    if tour.group_cap is not None and tour.group_cap < tour.group_floor:
        problems.append(
            Problem(
                "roadshow.group_cap",
                f"the cap of {tour.group_cap} stops per group is below the floor "
                f"{tour.group_floor}",
                f"raise group_cap to at least {tour.group_floor} or lower group_floor",
            )
        )
    if scenario.cohort.weight_basis not in {"population", "equal"}:
        problems.append(
            Problem(
                "cohort.weight_basis",
                "a roadshow spreads stops by population or equally, not by "
                f"{scenario.cohort.weight_basis!r}",
                "use weight_basis: population or equal",
            )
        )
    return problems


def check_phase_months(scenario: Scenario) -> list[Problem]:
    """Every phase lasts at least one month."""
    return [
        Problem(
            f"phases[{i}].months",
            f"phase {phase.name!r} lasts 0 months",
            "give it 1 month or more, or remove the phase",
        )
        for i, phase in enumerate(scenario.phases)
        if phase.months == 0
    ]


def check_unique_phases(scenario: Scenario) -> list[Problem]:
    """Phase names are unique, since costs and payments refer to phases by name."""
    return _duplicates([phase.name for phase in scenario.phases], "phases", "name")


def check_unique_tracks(scenario: Scenario) -> list[Problem]:
    """Track codes are unique."""
    return _duplicates([track.code for track in scenario.tracks], "tracks", "code")


def check_unique_regions(scenario: Scenario) -> list[Problem]:
    """A region appears once."""
    return _duplicates([region.code for region in scenario.regions], "regions", "code")


def _duplicates(values: Sequence[str], section: str, field: str) -> list[Problem]:
    seen: dict[str, int] = {}
    problems = []
    for i, value in enumerate(values):
        if value in seen:
            problems.append(
                Problem(
                    f"{section}[{i}].{field}",
                    f"{value!r} appears again (first at {section}[{seen[value]}])",
                    f"remove the duplicate or give it another {field}",
                )
            )
        else:
            seen[value] = i
    return problems


def check_region_tracks(scenario: Scenario) -> list[Problem]:
    """Every region is on a track the scenario defines."""
    codes = [track.code for track in scenario.tracks]
    return [
        Problem(
            f"regions[{i}].track",
            f"track {region.track!r} is not defined",
            f"use one of {codes} or add the track under tracks",
        )
        for i, region in enumerate(scenario.regions)
        if region.track not in codes
    ]


def check_caps_above_floors(scenario: Scenario) -> list[Problem]:
    """A region's cap is at least its floor."""
    return [
        Problem(
            f"regions[{i}].cap",
            f"cap {region.cap} is below the floor {region.floor}",
            f"raise the cap to at least {region.floor} or lower the floor",
        )
        for i, region in enumerate(scenario.regions)
        if region.cap is not None and region.cap < region.floor
    ]


def check_floors_fit_seats(scenario: Scenario) -> list[Problem]:
    """The floors together fit in the seats."""
    total = sum(region.floor for region in scenario.regions)
    seats = scenario.cohort.seats
    if total <= seats:
        return []
    excess = total - seats
    return [
        Problem(
            "cohort.seats",
            f"the regions' floors add up to {total} seats but the cohort has {seats}",
            f"raise cohort.seats to {total} or lower the floors by {excess} in all",
        )
    ]


def check_caps_cover_seats(scenario: Scenario) -> list[Problem]:
    """When every region has a cap, the caps together hold all the seats."""
    caps = [region.cap for region in scenario.regions]
    if not caps or any(cap is None for cap in caps):
        return []
    total = sum(cap for cap in caps if cap is not None)
    seats = scenario.cohort.seats
    if total >= seats:
        return []
    return [
        Problem(
            "cohort.seats",
            f"the regions' caps add up to {total} seats but the cohort has {seats}",
            f"lower cohort.seats to {total} or raise the caps by {seats - total} in all",
        )
    ]


def check_fixed_track_seats(scenario: Scenario) -> list[Problem]:
    """With fixed track seats, every track has seats and they add up to the cohort."""
    if scenario.cohort.track_seats != "fixed":
        return []
    problems = [
        Problem(
            f"tracks[{i}].seats",
            "cohort.track_seats is 'fixed' but this track has no seats",
            "give the track its seats or set cohort.track_seats to 'from_regions'",
        )
        for i, track in enumerate(scenario.tracks)
        if track.seats is None
    ]
    if problems:
        return problems
    total = sum(track.seats or 0 for track in scenario.tracks)
    if total != scenario.cohort.seats:
        problems.append(
            Problem(
                "cohort.seats",
                f"the tracks' fixed seats add up to {total} "
                f"but the cohort has {scenario.cohort.seats}",
                f"set cohort.seats to {total} or change the tracks' seats",
            )
        )
    for i, track in enumerate(scenario.tracks):
        members = [r for r in scenario.regions if r.track == track.code]
        floors = sum(r.floor for r in members)
        if track.seats is not None and members and floors > track.seats:
            problems.append(
                Problem(
                    f"tracks[{i}].seats",
                    f"its regions' floors add up to {floors} but the track has {track.seats} seats",
                    f"raise the track's seats to {floors} or lower its regions' floors",
                )
            )
        if track.seats and not members:
            problems.append(
                Problem(
                    f"tracks[{i}].seats",
                    f"track {track.code!r} has {track.seats} seats but no region",
                    "put regions on this track or set its seats to 0",
                )
            )
    return problems


def check_blend(scenario: Scenario) -> list[Problem]:
    """A blended weight basis mixes at least one basis."""
    cohort = scenario.cohort
    blend = cohort.blend
    total = blend.population + blend.internet_users + blend.expected_applicants + blend.equal
    if cohort.weight_basis == "blend" and total == 0:
        return [
            Problem(
                "cohort.blend",
                "weight_basis is 'blend' but every share of the blend is 0",
                "give at least one of population, internet_users, expected_applicants, "
                "equal a share",
            )
        ]
    return []


def check_grant_bounds(scenario: Scenario) -> list[Problem]:
    """The grant floor is not above the grant cap."""
    budget = scenario.budget
    if budget.grant_floor <= budget.grant_cap:
        return []
    return [
        Problem(
            "budget.grant_floor",
            f"the grant floor {budget.grant_floor:,.0f} is above the cap {budget.grant_cap:,.0f}",
            f"lower the floor to at most {budget.grant_cap:,.0f} or raise the cap",
        )
    ]


def check_cost_phases(scenario: Scenario) -> list[Problem]:
    """Participant costs and disbursements refer to phases that exist."""
    names = [phase.name for phase in scenario.phases]
    problems = [
        Problem(
            f"budget.participant_costs.{phase}",
            f"phase {phase!r} is not defined",
            f"use one of {names}",
        )
        for phase in scenario.budget.participant_costs
        if phase not in names
    ]
    problems += [
        Problem(
            f"budget.disbursement[{i}].phase",
            f"phase {payment.phase!r} is not defined",
            f"use one of {names}",
        )
        for i, payment in enumerate(scenario.budget.disbursement)
        if payment.phase not in names
    ]
    return problems


def check_disbursement_shares(scenario: Scenario) -> list[Problem]:
    """Disbursement shares add up to the whole grant."""
    payments = scenario.budget.disbursement
    total = sum(payment.share for payment in payments)
    if not payments or abs(total - 1.0) <= 1e-9:
        return []
    return [
        Problem(
            "budget.disbursement",
            f"the payment shares add up to {total:g}, not 1",
            "make the shares add up to 1 (e.g. 0.5 and 0.5)",
        )
    ]


def fixed_costs(scenario: Scenario) -> float:
    """Fixed programme costs over the whole programme."""
    return scenario.budget.fixed_costs_per_month * scenario.months


def check_budget_covers_fixed_costs(scenario: Scenario) -> list[Problem]:
    """The budget, less the contingency, pays at least the fixed costs."""
    budget = scenario.budget
    usable = budget.total * (1.0 - budget.contingency_share)
    needed = fixed_costs(scenario)
    if needed <= usable:
        return []
    cur = scenario.currency
    return [
        Problem(
            "budget.total",
            f"fixed costs need {cur} {needed:,.0f} over {scenario.months} months but only "
            f"{cur} {usable:,.0f} is usable after the contingency",
            f"raise the budget to at least {cur} {needed / (1.0 - budget.contingency_share):,.0f} "
            "or lower budget.fixed_costs_per_month",
        )
    ]


def check_reference_inputs(scenario: Scenario) -> list[Problem]:
    """Regions are known countries, or give the inputs the reference data lacks."""
    # Imported here: regions.py builds on this module and the reference tables.
    from planning.regions import input_problems

    return input_problems(scenario)


CHECKS: tuple[Check, ...] = (
    check_kind_sections,
    check_roadshow,
    check_phase_months,
    check_unique_phases,
    check_unique_tracks,
    check_unique_regions,
    check_region_tracks,
    check_caps_above_floors,
    check_floors_fit_seats,
    check_caps_cover_seats,
    check_fixed_track_seats,
    check_blend,
    check_grant_bounds,
    check_cost_phases,
    check_disbursement_shares,
    check_budget_covers_fixed_costs,
    check_reference_inputs,
)


def validate(scenario: Scenario, extra_checks: Sequence[Check] = ()) -> list[Problem]:
    """Run every cross-field check; an empty list means the scenario is sound."""
    problems: list[Problem] = []
    for check in (*CHECKS, *extra_checks):
        problems.extend(check(scenario))
    return problems


# --- YAML in and out -------------------------------------------------------------------------


class _ScenarioLoader(yaml.SafeLoader):
    """The safe loader, stricter: no aliases, no duplicate keys, YAML 1.2 booleans.

    Aliases are refused so a small file cannot expand into a huge one; a key given twice
    is refused rather than silently keeping the last; only ``true``/``false`` are booleans,
    so Norway's code ``NO`` stays a string (YAML 1.1 would read it as false).
    """

    def compose_node(self, parent: Any, index: Any) -> Any:
        if self.check_event(yaml.AliasEvent):
            event = self.peek_event()  # type: ignore[no-untyped-call]
            raise yaml.composer.ComposerError(
                None,
                None,
                "aliases (*name) are not allowed in scenario files; write the value out",
                event.start_mark,
            )
        return super().compose_node(parent, index)

    def construct_mapping(self, node: Any, deep: bool = False) -> dict[Any, Any]:
        seen: set[Any] = set()
        for key_node, _ in node.value:
            key = self.construct_object(key_node, deep=deep)
            if not isinstance(key, Hashable):
                continue
            if key in seen:
                raise yaml.constructor.ConstructorError(
                    None,
                    None,
                    f"the key {key!r} is given twice in the same section; keep one",
                    key_node.start_mark,
                )
            seen.add(key)
        mapping: dict[Any, Any] = super().construct_mapping(node, deep=deep)
        return mapping


_ScenarioLoader.yaml_implicit_resolvers = {
    first: [(tag, regexp) for tag, regexp in resolvers if tag != "tag:yaml.org,2002:bool"]
    for first, resolvers in yaml.SafeLoader.yaml_implicit_resolvers.items()
}
_ScenarioLoader.add_implicit_resolver(
    "tag:yaml.org,2002:bool",
    re.compile(r"^(?:true|True|TRUE|false|False|FALSE)$"),
    list("tTfF"),
)
# YAML 1.1 wants a dot in a float (1.0e+6); YAML 1.2, JSON and people write 1e6 and 2.5e5.
# The dumper knows it too, so it quotes text such as "0E0" that would read back as a number.
_EXPONENT_FLOAT = re.compile(r"^[-+]?(?:[0-9][0-9_]*(?:\.[0-9_]*)?|\.[0-9][0-9_]*)[eE][-+]?[0-9]+$")
_ScenarioLoader.add_implicit_resolver(
    "tag:yaml.org,2002:float", _EXPONENT_FLOAT, list("-+0123456789.")
)


def _safe_load(text: str) -> Any:
    """One YAML document through the strict safe loader (no Python objects, no aliases)."""
    loader = _ScenarioLoader(text)
    try:
        return loader.get_single_data()
    finally:
        loader.dispose()


def _yaml_problem(error: yaml.YAMLError) -> Problem:
    mark = getattr(error, "problem_mark", None)
    problem = getattr(error, "problem", None) or str(error)
    if mark is not None:
        where = f"line {mark.line + 1}, column {mark.column + 1}"
        return Problem(
            "(yaml)",
            f"YAML syntax error at {where}: {problem}",
            f"correct the YAML near line {mark.line + 1} (check indentation, colons and quotes)",
        )
    return Problem("(yaml)", f"YAML syntax error: {problem}", "correct the YAML syntax")


def read_yaml(text: str, source: str | None = None) -> dict[str, Any]:
    """Read YAML text safely into a mapping, reporting syntax errors with line and column."""
    if len(text.encode("utf-8", errors="replace")) > MAX_SCENARIO_BYTES:
        raise ScenarioError(
            [
                Problem(
                    "(file)",
                    f"the file is larger than {MAX_SCENARIO_BYTES:,} bytes",
                    "check this is a scenario file; scenarios are a few kilobytes",
                )
            ],
            source,
        )
    try:
        data = _safe_load(text)
    except yaml.YAMLError as error:
        raise ScenarioError([_yaml_problem(error)], source) from None
    except RecursionError:
        raise ScenarioError(
            [
                Problem(
                    "(yaml)",
                    "the YAML is nested too deeply to read",
                    "check the brackets and indentation; a scenario is only a few levels deep",
                )
            ],
            source,
        ) from None
    if not isinstance(data, dict):
        found = "an empty file" if data is None else f"a {type(data).__name__}"
        raise ScenarioError(
            [
                Problem(
                    "(file)",
                    f"expected a mapping of sections (kind, name, regions, ...) but found {found}",
                    "start from a built-in scenario in scenarios/",
                )
            ],
            source,
        )
    return data


def scenario_from_dict(data: dict[str, Any], source: str | None = None) -> Scenario:
    """Validate a mapping into a scenario, raising :class:`ScenarioError` with every problem."""
    try:
        scenario = Scenario.model_validate(data)
    except ValidationError as error:
        raise ScenarioError(problems_from_validation_error(error), source) from None
    problems = validate(scenario)
    if problems:
        raise ScenarioError(problems, source)
    return scenario


def parse_scenario(text: str, source: str | None = None) -> Scenario:
    """Parse and validate a scenario from YAML text."""
    return scenario_from_dict(read_yaml(text, source), source)


def load_scenario(path: str | Path) -> Scenario:
    """Read and validate a scenario file."""
    path = Path(path)
    try:
        raw = path.read_bytes()
    except OSError as error:
        raise ScenarioError(
            [Problem("(file)", f"cannot read {path}: {error.strerror}", "check the path")],
            str(path),
        ) from None
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError:
        raise ScenarioError(
            [Problem("(file)", "the file is not UTF-8 text", "save it as UTF-8 YAML")], str(path)
        ) from None
    return parse_scenario(text, str(path))


def scenario_to_dict(scenario: Scenario) -> dict[str, Any]:
    """The scenario as plain data in the model's field order; unset optional fields left out."""
    data: dict[str, Any] = _normalise(scenario.model_dump(mode="json", exclude_none=True))
    return data


def _normalise(value: Any) -> Any:
    """-0.0 becomes 0.0, so equal scenarios dump (and hash) the same."""
    if isinstance(value, float) and value == 0.0:
        return 0.0
    if isinstance(value, dict):
        return {key: _normalise(item) for key, item in value.items()}
    if isinstance(value, list):
        return [_normalise(item) for item in value]
    return value


class _ScenarioDumper(yaml.SafeDumper):
    """Safe dumper that double-quotes strings holding line breaks YAML would fold away."""


def _represent_str(dumper: yaml.SafeDumper, data: str) -> yaml.ScalarNode:
    if any(char in data for char in "\x85\u2028\u2029"):
        return dumper.represent_scalar("tag:yaml.org,2002:str", data, style='"')
    return dumper.represent_str(data)


_ScenarioDumper.add_representer(str, _represent_str)
_ScenarioDumper.add_implicit_resolver(
    "tag:yaml.org,2002:float", _EXPONENT_FLOAT, list("-+0123456789.")
)


def dump_scenario(scenario: Scenario) -> str:
    """The canonical YAML of a scenario: the same scenario always gives the same text."""
    return yaml.dump(
        scenario_to_dict(scenario),
        Dumper=_ScenarioDumper,
        sort_keys=False,
        allow_unicode=True,
        default_flow_style=False,
        width=100,
    )


def canonical_json(scenario: Scenario) -> str:
    """The canonical form as compact JSON: the same data as :func:`dump_scenario`, faster."""
    return json.dumps(
        scenario_to_dict(scenario), sort_keys=True, separators=(",", ":"), ensure_ascii=False
    )


def scenario_hash(scenario: Scenario) -> str:
    """SHA-256 of the canonical form, hex: names versions and keys caches.

    Two scenarios have the same hash exactly when their canonical dumps are equal; it is
    computed on the canonical JSON, which holds the same data and is quicker to write.
    """
    return hashlib.sha256(canonical_json(scenario).encode("utf-8")).hexdigest()


def replace(scenario: Scenario, changes: dict[str, Any]) -> Scenario:
    """A new, validated scenario with changes at dotted paths (``"cohort.seats": 60``).

    List items are addressed by index: ``"regions.3.cap": 5``.
    """
    data = scenario_to_dict(scenario)
    for path, value in changes.items():
        _set_path(data, path.split("."), value)
    return scenario_from_dict(data)


def _set_path(data: Any, keys: list[str], value: Any) -> None:
    target = data
    for key in keys[:-1]:
        target = target[int(key)] if isinstance(target, list) else target[key]
    last = keys[-1]
    if isinstance(target, list):
        target[int(last)] = value
    else:
        target[last] = value


def json_schema() -> dict[str, Any]:
    """JSON schema of the scenario file, for editors."""
    schema = Scenario.model_json_schema()
    schema["$schema"] = "https://json-schema.org/draft/2020-12/schema"
    schema["title"] = "Cohort Planner scenario"
    return schema


SLUG_PATTERN = re.compile(r"^[a-z0-9][a-z0-9_-]{0,79}$")
