"""Sensitivity of a plan's outcomes to its inputs: tornado tables and two-input sweeps.

The analyses know nothing about how a plan is made: they move inputs of the scenario and
ask an ``evaluate`` callable for the outcomes. A plan-level evaluate re-runs apportionment,
grants and the simulation; a cheaper one keeps seats and grants fixed::

    def evaluate(scenario: Scenario, seed: int) -> dict[str, float]:
        return simulation_metrics(simulate(scenario, seats, grants, seed=seed))

Every evaluation in one analysis gets the same seed (common random numbers), so a
difference between two points comes from the inputs, not from the noise of the draws. With
:func:`planning.simulate.simulate` an input the simulation does not read leaves every
output exactly unchanged, and one it does read moves only the draws it feeds. (An input
that moves seats between regions, such as a pass share with redistribution on, changes
which region's drop-out draws a participant meets, so a small part of its effect on spend
is noise.)

Glossary
--------
input
    A numeric field of the scenario named by its dotted path (``budget.total``,
    ``budget.participant_costs.training``, ``regions.3.cap``).
low, high
    The input moved down and up by a share of its value (``simulation.sensitivity_share``,
    e.g. 20%), kept within the field's bounds and rounded when the field is a whole number.
swing
    How far an output ranges over the low, base and high values of one input:
    ``max - min`` of the changes (0, low change, high change). A tornado lists the inputs
    by swing, largest first.
"""

from __future__ import annotations

import math
import types
import typing
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any, Final

import annotated_types
import numpy as np
import pandas as pd
from pydantic import BaseModel
from pydantic.fields import FieldInfo

from planning.scenario import Scenario, ScenarioError, replace, scenario_to_dict

Evaluate = Callable[[Scenario, int], Mapping[str, float]]

DEFAULT_OUTPUTS: Final = ("spend_p50", "filled_p50", "p_overrun")


@dataclass(frozen=True)
class SensitivityInput:
    """An input a tornado moves: its dotted path and the label shown for it.

    A path ending in ``.*`` stands for every key of a mapping in the scenario (e.g. each
    phase's participant cost); ``{key}`` in the label is replaced by the key.
    """

    path: str
    label: str


SENSITIVITY_INPUTS: Final[tuple[SensitivityInput, ...]] = (
    SensitivityInput("budget.total", "Total budget"),
    SensitivityInput("cohort.seats", "Seats"),
    SensitivityInput("budget.grant_cap", "Grant cap"),
    SensitivityInput("cohort.expected_applicants", "Expected applicants"),
    SensitivityInput("eligibility.leader_age_pass_share", "Share passing the age rule"),
    SensitivityInput(
        "eligibility.community_age_pass_share", "Share passing the community-age rule"
    ),
    SensitivityInput("eligibility.min_members_pass_share", "Share passing the membership rule"),
    SensitivityInput("simulation.dropout_per_month", "Drop-out per month"),
    SensitivityInput("budget.fixed_costs_per_month", "Fixed costs per month"),
    SensitivityInput("budget.participant_costs.*", "Participant cost per month ({key})"),
    SensitivityInput("budget.contingency_share", "Contingency share"),
    SensitivityInput("simulation.applicant_dispersion", "Applicant dispersion"),
    SensitivityInput("simulation.demand_correlation", "Demand correlation"),
    SensitivityInput("simulation.cost_uncertainty", "Cost uncertainty"),
)

ROADSHOW_INPUTS: Final[tuple[SensitivityInput, ...]] = (
    SensitivityInput("cohort.seats", "Stops"),
    SensitivityInput("budget.total", "Total budget"),
    SensitivityInput("roadshow.cost_per_stop", "Cost per stop"),
    SensitivityInput("roadshow.cost_per_attendee", "Cost per attendee"),
    SensitivityInput("budget.fixed_costs_per_month", "Fixed costs per month"),
    SensitivityInput("roadshow.show_up_uncertainty", "Turnout uncertainty"),
    SensitivityInput("simulation.cost_uncertainty", "Cost uncertainty"),
    SensitivityInput("tracks.*.show_up_rate", "Show-up rate ({key})"),
    SensitivityInput("tracks.*.seats_per_session", "Places per session ({key})"),
)


def default_inputs(scenario: Scenario) -> tuple[SensitivityInput, ...]:
    """The inputs a tornado moves by default for this kind of programme."""
    return ROADSHOW_INPUTS if scenario.kind == "roadshow" else SENSITIVITY_INPUTS


# --- the schema: values and bounds at a dotted path ------------------------------------------


@dataclass(frozen=True)
class FieldBounds:
    """What the scenario model allows at a path: its bounds and whether it is whole.

    A strict bound (``at < 1``) is given as its limit; a value moved onto it fails
    validation, which the analyses report rather than raise.
    """

    low: float
    high: float
    integer: bool


def field_bounds(path: str) -> FieldBounds:
    """The bounds the scenario model puts on the numeric field at a dotted path.

    Raises
    ------
    ValueError
        When the path names no numeric field of the scenario.
    """
    annotation: Any = Scenario
    metadata: list[Any] = []
    for key in path.split("."):
        annotation = _strip_optional(annotation)
        if isinstance(annotation, type) and issubclass(annotation, BaseModel):
            field = annotation.model_fields.get(key)
            if field is None:
                raise ValueError(
                    f"{path}: {annotation.__name__} has no field {key!r}; "
                    f"use one of {sorted(annotation.model_fields)}"
                )
            annotation, metadata = field.annotation, list(field.metadata)
        elif typing.get_origin(annotation) is tuple and key.isdigit():
            annotation, metadata = typing.get_args(annotation)[0], []
        elif typing.get_origin(annotation) is dict:
            annotation, metadata = typing.get_args(annotation)[1], []
        else:
            raise ValueError(f"{path}: {key!r} does not name a field of the scenario")
        if typing.get_origin(annotation) is typing.Annotated:
            base, *extra = typing.get_args(annotation)
            for item in extra:
                metadata += list(item.metadata) if isinstance(item, FieldInfo) else [item]
            annotation = base
    return _numeric_bounds(path, _strip_optional(annotation), metadata)


def model_field_bounds(model: type[BaseModel], name: str) -> FieldBounds:
    """The bounds one model (a section of the scenario) puts on one of its numeric fields."""
    field = model.model_fields[name]
    return _numeric_bounds(
        f"{model.__name__}.{name}", _strip_optional(field.annotation), list(field.metadata)
    )


def _numeric_bounds(where: str, annotation: Any, metadata: list[Any]) -> FieldBounds:
    if annotation not in (int, float):
        raise ValueError(f"{where}: not a numeric field of the scenario; choose a number field")
    low, high = -math.inf, math.inf
    for item in metadata:
        if isinstance(item, annotated_types.Ge | annotated_types.Gt):
            low = max(low, float(getattr(item, "ge", getattr(item, "gt", -math.inf))))
        if isinstance(item, annotated_types.Le | annotated_types.Lt):
            high = min(high, float(getattr(item, "le", getattr(item, "lt", math.inf))))
    return FieldBounds(low, high, annotation is int)


def _strip_optional(annotation: Any) -> Any:
    if isinstance(annotation, types.UnionType) or typing.get_origin(annotation) is typing.Union:
        options = [arg for arg in typing.get_args(annotation) if arg is not type(None)]
        if len(options) == 1:
            return options[0]
    return annotation


def value_at(scenario: Scenario, path: str) -> Any:
    """The scenario's value at a dotted path (list items by index); None when not set."""
    target: Any = scenario_to_dict(scenario)
    for key in path.split("."):
        if isinstance(target, list):
            target = target[int(key)] if key.isdigit() and int(key) < len(target) else None
        elif isinstance(target, dict):
            target = target.get(key)
        else:
            return None
        if target is None:
            return None
    return target


def expand_inputs(
    scenario: Scenario, inputs: Sequence[SensitivityInput | str]
) -> list[SensitivityInput]:
    """Inputs with ``.*`` paths expanded to the scenario's keys; plain paths get their path
    as the label."""
    expanded: list[SensitivityInput] = []
    for item in inputs:
        entry = SensitivityInput(item, item) if isinstance(item, str) else item
        if ".*." in entry.path:
            # One input per list item: tracks.*.show_up_rate -> tracks.0.show_up_rate, ...
            prefix, _, rest = entry.path.partition(".*.")
            items = value_at(scenario, prefix)
            for index, item in enumerate(items if isinstance(items, list) else []):
                key = str(item.get("name", index)) if isinstance(item, dict) else str(index)
                expanded.append(
                    SensitivityInput(f"{prefix}.{index}.{rest}", entry.label.format(key=key))
                )
        elif entry.path.endswith(".*"):
            prefix = entry.path[:-2]
            mapping = value_at(scenario, prefix)
            keys = sorted(mapping) if isinstance(mapping, dict) else []
            expanded += [
                SensitivityInput(f"{prefix}.{key}", entry.label.format(key=key)) for key in keys
            ]
        else:
            expanded.append(SensitivityInput(entry.path, entry.label.format(key=entry.path)))
    return expanded


def moved_values(base: float, share: float, bounds: FieldBounds) -> tuple[float, float]:
    """The low and high values of an input: ``base * (1 -/+ share)``, clamped and rounded."""
    values = []
    for factor in (1.0 - share, 1.0 + share):
        value = min(max(base * factor, bounds.low), bounds.high)
        if bounds.integer:
            # Round, then step back inside the bounds if rounding left them.
            value = float(min(max(round(value), math.ceil(bounds.low)), math.floor(bounds.high)))
        values.append(value)
    return values[0], values[1]


# --- evaluating ------------------------------------------------------------------------------


def _evaluate_at(
    scenario: Scenario,
    evaluate: Evaluate,
    seed: int,
    changes: dict[str, Any],
    outputs: Sequence[str],
) -> tuple[dict[str, float], str]:
    """Outputs at the moved scenario, or (NaNs, why) when it is invalid or cannot be planned."""
    nothing = dict.fromkeys(outputs, math.nan)
    try:
        moved = replace(scenario, changes)
    except ScenarioError as error:
        return nothing, "; ".join(str(problem) for problem in error.problems)
    try:
        metrics = evaluate(moved, seed)
    except ValueError as error:
        # A valid scenario can still have no plan (e.g. seats the caps cannot hold).
        return nothing, f"cannot evaluate: {error}"
    return _pick(metrics, outputs), ""


def _pick(metrics: Mapping[str, float], outputs: Sequence[str]) -> dict[str, float]:
    missing = [name for name in outputs if name not in metrics]
    if missing:
        raise ValueError(
            f"outputs: evaluate returned no {missing}; it returned {sorted(metrics)}. "
            "Return these metrics or choose outputs among them"
        )
    return {name: float(metrics[name]) for name in outputs}


def _check_share(share: float) -> float:
    if not 0.0 < share < 1.0:
        raise ValueError(f"share: give a share between 0 and 1, e.g. 0.2 (got {share!r})")
    return float(share)


def tornado(
    scenario: Scenario,
    evaluate: Evaluate,
    *,
    share: float | None = None,
    inputs: Sequence[SensitivityInput | str] | None = None,
    outputs: Sequence[str] = DEFAULT_OUTPUTS,
    sort_by: str | None = None,
    seed: int | None = None,
) -> pd.DataFrame:
    """Move each input down and up and tabulate how the outputs change.

    Parameters
    ----------
    scenario, evaluate
        The base scenario and the function giving its outputs (see the module docstring).
    share
        How far each input moves either way; default ``scenario.simulation.sensitivity_share``.
    inputs
        The inputs to move (default :func:`default_inputs`: :data:`SENSITIVITY_INPUTS` for
        an accelerator, :data:`ROADSHOW_INPUTS` for a roadshow).
    outputs
        Metrics of ``evaluate`` to report (default total spend P50, seats filled P50 and the
        probability of overrunning the budget).
    sort_by
        The output whose swing orders the rows (default the first output).
    seed
        Seed of every evaluation; default ``scenario.simulation.seed``.

    Returns
    -------
    pandas.DataFrame
        One row per input, largest swing first: ``input``, ``label``, ``base_value``,
        ``low_value``, ``high_value``, for each output ``<output>_low`` and
        ``<output>_high`` (change from the base) and ``<output>_swing``, then ``status``
        ('ok', 'skipped', 'partly invalid', 'invalid'), ``low_problem``, ``high_problem``
        and ``note``. Inputs whose base value is 0 (or not set) are skipped: a relative move
        cannot shift them. The base outputs are in ``attrs["base"]``.
    """
    share = _check_share(scenario.simulation.sensitivity_share if share is None else share)
    seed = scenario.simulation.seed if seed is None else seed
    outputs = list(outputs)
    sort_key = outputs[0] if sort_by is None else sort_by
    if sort_key not in outputs:
        raise ValueError(f"sort_by: {sort_key!r} is not among the outputs {outputs}")
    base = _pick(evaluate(scenario, seed), outputs)
    rows = []
    for entry in expand_inputs(scenario, default_inputs(scenario) if inputs is None else inputs):
        rows.append(_tornado_row(scenario, evaluate, seed, entry, share, outputs, base))
    columns = [
        "input",
        "label",
        "base_value",
        "low_value",
        "high_value",
        *(f"{name}_{side}" for name in outputs for side in ("low", "high")),
        *(f"{name}_swing" for name in outputs),
        "low_problem",
        "high_problem",
        "status",
        "note",
    ]
    table = pd.DataFrame(rows, columns=columns)
    table = table.sort_values(
        f"{sort_key}_swing", ascending=False, na_position="last", kind="stable"
    ).reset_index(drop=True)
    table.attrs["base"] = base
    return table


def _tornado_row(
    scenario: Scenario,
    evaluate: Evaluate,
    seed: int,
    entry: SensitivityInput,
    share: float,
    outputs: list[str],
    base: dict[str, float],
) -> dict[str, Any]:
    bounds = field_bounds(entry.path)
    value = value_at(scenario, entry.path)
    row: dict[str, Any] = {"input": entry.path, "label": entry.label}
    changes = {f"{name}_{side}": math.nan for name in outputs for side in ("low", "high")}
    swings = {f"{name}_swing": math.nan for name in outputs}
    problems = {"low_problem": "", "high_problem": ""}
    if value is None or float(value) == 0.0:
        why = "not set" if value is None else "0"
        row.update(base_value=value, low_value=value, high_value=value)
        row.update(changes | swings | problems)
        row.update(
            status="skipped",
            note=f"skipped: its value is {why}, so a move by a share of it leaves it where it is",
        )
        return row
    low, high = moved_values(float(value), share, bounds)
    row.update(base_value=float(value), low_value=low, high_value=high)
    for side, moved in (("low", low), ("high", high)):
        cast: float | int = int(moved) if bounds.integer else moved
        result, problem = _evaluate_at(scenario, evaluate, seed, {entry.path: cast}, outputs)
        problems[f"{side}_problem"] = problem
        for name in outputs:
            changes[f"{name}_{side}"] = result[name] - base[name]
    for name in outputs:
        moves = [changes[f"{name}_low"], changes[f"{name}_high"]]
        valid = [0.0, *(change for change in moves if not math.isnan(change))]
        swings[f"{name}_swing"] = max(valid) - min(valid) if len(valid) > 1 else math.nan
    row.update(changes | swings | problems)
    bad = [side for side in ("low", "high") if problems[f"{side}_problem"]]
    row["status"] = {0: "ok", 1: "partly invalid", 2: "invalid"}[len(bad)]
    notes = []
    if low == float(value) or high == float(value):
        notes.append("held at a bound of the field or by rounding on one side")
    notes += [f"{side} value: {problems[f'{side}_problem']}" for side in bad]
    row["note"] = "; ".join(notes)
    return row


def sweep(
    scenario: Scenario,
    evaluate: Evaluate,
    x: tuple[str, Sequence[float]],
    y: tuple[str, Sequence[float]],
    output: str,
    *,
    seed: int | None = None,
) -> pd.DataFrame:
    """Evaluate one output over a grid of two inputs, for a heatmap.

    Parameters
    ----------
    scenario, evaluate
        The base scenario and the function giving its outputs.
    x, y
        Each a dotted path and the values it takes; whole-number fields are rounded.
    output
        The metric of ``evaluate`` to tabulate.
    seed
        Seed of every grid point (common random numbers); default the scenario's.

    Returns
    -------
    pandas.DataFrame
        A long table, ``x`` outer and ``y`` inner: ``x``, ``y``, ``value`` and ``problem``
        (why a point has no value: the moved scenario is invalid or cannot be evaluated;
        empty otherwise). The paths and the output are in ``attrs``.
    """
    seed = scenario.simulation.seed if seed is None else seed
    axes = []
    for name, (path, values) in (("x", x), ("y", y)):
        bounds = field_bounds(path)
        numbers = np.asarray(values, dtype=float)
        if numbers.ndim != 1 or not numbers.size or not np.all(np.isfinite(numbers)):
            raise ValueError(f"{name}: give a non-empty list of finite values for {path}")
        axes.append((path, [round(v) if bounds.integer else v for v in numbers.tolist()]))
    (x_path, x_values), (y_path, y_values) = axes
    if x_path == y_path:
        raise ValueError(f"y: sweep two different inputs (x and y are both {x_path})")
    rows = []
    for x_value in x_values:
        for y_value in y_values:
            result, problem = _evaluate_at(
                scenario, evaluate, seed, {x_path: x_value, y_path: y_value}, [output]
            )
            rows.append({"x": x_value, "y": y_value, "value": result[output], "problem": problem})
    table = pd.DataFrame(rows, columns=["x", "y", "value", "problem"])
    table.attrs.update(x=x_path, y=y_path, output=output)
    return table
