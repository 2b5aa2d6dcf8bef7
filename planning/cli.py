"""The command line: ``python -m planning VERB ...``.

Bad input never ends in a traceback: every error the user can fix is printed as one or more
lines naming the field and the fix, and the exit status is 2. Exit 0 means success; exit 1
is a failure of the program itself, reported in one line (the traceback is shown with
``COHORT_PLANNER_DEBUG=1``).
"""

from __future__ import annotations

import argparse
import contextlib
import math
import os
import sys
import traceback
from collections.abc import Callable, Sequence
from typing import TYPE_CHECKING, TextIO

import numpy as np
import pandas as pd

from planning.scenario import Scenario, ScenarioError, load_scenario

if TYPE_CHECKING:
    from planning.plan import Plan

EXIT_OK = 0
EXIT_INTERNAL = 1
EXIT_USAGE = 2
# Set to show the traceback of an internal error.
DEBUG_VARIABLE = "COHORT_PLANNER_DEBUG"

Command = Callable[[argparse.Namespace, TextIO, TextIO], int]


def _non_negative_int(text: str) -> int:
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r} is not a whole number") from None
    if value < 0:
        raise argparse.ArgumentTypeError(f"{value} is negative; give 0 or more")
    return value


class UsageError(Exception):
    """An error the user can fix; the message is printed as it is, with exit status 2."""


def _report_problems(err: TextIO, heading: str, error: ScenarioError) -> None:
    """Every problem of a scenario on stderr: its field path, what is wrong, the fix."""
    err.write(f"{heading} ({len(error.problems)} problem(s))\n")
    for problem in error.problems:
        err.write(f"  {problem.path or '(scenario)'}: {problem.message}\n")
        err.write(f"    fix: {problem.fix}\n")


class _Parser(argparse.ArgumentParser):
    """argparse that exits with status 2 and one clear line, as every verb does."""

    def error(self, message: str) -> None:  # type: ignore[override]
        self.print_usage(sys.stderr)
        self.exit(EXIT_USAGE, f"{self.prog}: error: {message}\n")


def cmd_validate(args: argparse.Namespace, out: TextIO, err: TextIO) -> int:
    """Validate scenario files; print every problem with its field path and fix."""
    status = EXIT_OK
    for path in args.files:
        try:
            scenario = load_scenario(path)
        except ScenarioError as error:
            status = EXIT_USAGE
            _report_problems(err, f"{path}: invalid", error)
            continue
        out.write(f"{path}: valid ({scenario.kind}, {len(scenario.regions)} regions)\n")
    return status


def cmd_list(args: argparse.Namespace, out: TextIO, err: TextIO) -> int:
    """List the library's scenarios and their versions."""
    from planning.store import Library

    library = Library(args.library) if args.library else Library()
    entries = library.entries()
    if not entries:
        out.write("the library is empty\n")
        return EXIT_OK
    for entry in entries:
        tag = "built-in" if entry.builtin else f"{entry.versions} version(s)"
        out.write(f"{entry.name}\t{tag}\t{entry.title}\n")
        if args.versions:
            for version in library.history(entry.name):
                stamp = version.saved_at.strftime("%Y-%m-%d %H:%M:%S")
                out.write(f"  v{version.number}\t{stamp}\t{version.message}\n")
    return EXIT_OK


def _read_weights_csv(path: str) -> pd.DataFrame:
    """Read and check a weights CSV: columns region and weight, optional floor and cap."""
    try:
        table = pd.read_csv(path, dtype={"region": str}, keep_default_na=False, na_values=[""])
    except FileNotFoundError:
        raise UsageError(f"{path}: no such file") from None
    except (pd.errors.ParserError, pd.errors.EmptyDataError, UnicodeDecodeError) as error:
        raise UsageError(f"{path}: not a readable CSV file ({error})") from None
    missing = [column for column in ("region", "weight") if column not in table.columns]
    if missing:
        raise UsageError(
            f"{path}: missing column(s) {', '.join(missing)}; the header needs region and "
            "weight (and optionally floor, cap)"
        )
    for column in ("weight", "floor", "cap"):
        if column not in table.columns:
            continue
        values = pd.to_numeric(table[column], errors="coerce")
        bad = table.index[values.isna() & table[column].notna()].tolist()
        if column == "weight":
            bad += table.index[table[column].isna()].tolist()
        if bad:
            row = sorted(bad)[0]
            raise UsageError(
                f"{path}: row {row + 2}, column {column}: {table[column][row]!r} is not a "
                "number; give a number (weights >= 0, whole floors and caps)"
            )
        if (values < 0).any():
            row = int(np.flatnonzero((values < 0).to_numpy())[0])
            raise UsageError(
                f"{path}: row {row + 2}, column {column}: {values[row]:g} is negative; "
                "give a value of 0 or more"
            )
        table[column] = values
    if table["region"].isna().any() or table["region"].duplicated().any():
        raise UsageError(f"{path}: every row needs a distinct, non-empty region")
    return table


def cmd_apportion(args: argparse.Namespace, out: TextIO, err: TextIO) -> int:
    """Apportion seats over the weights in a CSV; print region, weight, quota, seats."""
    from planning.apportion import apportion

    table = _read_weights_csv(args.weights)
    n = len(table)
    floors = [args.floor] * n
    if "floor" in table.columns:
        floors = [args.floor if pd.isna(v) else int(v) for v in table["floor"]]
    caps: list[int | None] = [args.cap] * n
    if "cap" in table.columns:
        caps = [args.cap if pd.isna(v) else int(v) for v in table["cap"]]
    result = apportion(
        table["weight"].to_numpy(dtype=float),
        args.seats,
        args.method,
        floors=floors,
        caps=caps,
        labels=table["region"].tolist(),
    )
    frame = result.to_frame(margins=args.margins)
    frame.to_csv(out, index=False, lineterminator="\n", float_format="%.10g")
    if args.explain:
        for line in result.explain():
            err.write(line + "\n")
    return EXIT_OK


def cmd_allocate(args: argparse.Namespace, out: TextIO, err: TextIO) -> int:
    """Seats and grants for a scenario, one CSV row per region."""
    from planning.allocation import allocate

    scenario = load_scenario(args.scenario)
    allocation = allocate(scenario)
    seats = allocation.seats.table
    grants = allocation.grants_table
    merged = seats.merge(
        grants.drop(columns=["participants"]), on="region", how="left", validate="one_to_one"
    )
    merged.to_csv(out, index=False, lineterminator="\n", float_format="%.10g")
    err.write(
        f"grant pool {scenario.currency} {allocation.pool:,.0f}; spent "
        f"{allocation.grants.spent:,.0f}; left over {allocation.grants.leftover:,.0f}\n"
    )
    return EXIT_OK


def build_parser() -> argparse.ArgumentParser:
    """The parser with every verb and its help."""
    parser = _Parser(
        prog="python -m planning",
        description="Cohort Planner's command line: check, plan and export programme scenarios.",
    )
    verbs = parser.add_subparsers(dest="verb", metavar="VERB", parser_class=_Parser)
    verbs.required = True

    validate = verbs.add_parser(
        "validate",
        help="check scenario files",
        description="Check scenario files. Exit 0 when all are valid; otherwise every problem "
        "(field path, message, fix) goes to stderr and the exit status is 2.",
    )
    validate.add_argument("files", nargs="+", metavar="FILE", help="scenario YAML files")
    validate.set_defaults(command=cmd_validate)

    listing = verbs.add_parser(
        "list",
        help="list the scenario library",
        description="List the library's scenarios (built-in and saved) and their versions.",
    )
    listing.add_argument(
        "--library",
        metavar="DIR",
        help="library folder (default: $COHORT_PLANNER_LIBRARY or scenarios/)",
    )
    listing.add_argument("--versions", action="store_true", help="show every version")
    listing.set_defaults(command=cmd_list)

    from planning.apportion import method_names

    seat = verbs.add_parser(
        "apportion",
        help="apportion seats over weights in a CSV",
        description="Apportion seats over the weights in a CSV file whose header has region "
        "and weight (optional per-row floor and cap). Prints CSV with region, weight, quota, "
        "seats, floor, cap to stdout, in the input's order.",
    )
    seat.add_argument("weights", metavar="WEIGHTS.csv", help="CSV with region,weight[,floor,cap]")
    seat.add_argument("--seats", type=_non_negative_int, required=True, help="seats to share")
    seat.add_argument(
        "--method",
        default="hamilton",
        help=f"one of {', '.join(method_names())} (aliases dhondt, sainte-lague)",
    )
    seat.add_argument("--floor", type=_non_negative_int, default=0, help="floor for every row")
    seat.add_argument("--cap", type=_non_negative_int, default=None, help="cap for every row")
    seat.add_argument("--margins", action="store_true", help="add margin_gain, margin_lose")
    seat.add_argument("--explain", action="store_true", help="explain the result on stderr")
    seat.set_defaults(command=cmd_apportion)

    allocate = verbs.add_parser(
        "allocate",
        help="seats and grants for a scenario, as CSV",
        description="Apportion a scenario's seats and split its grants; one CSV row per region.",
    )
    allocate.add_argument("scenario", metavar="SCENARIO", help="scenario YAML file")
    allocate.set_defaults(command=cmd_allocate)

    _register_run(verbs)
    return parser


# --- run and simulate --------------------------------------------------------------------------

# Simulation settings the command line may override: field of `simulation` -> its option.
_OVERRIDES = {"seed": "--seed", "draws": "--draws"}


def _check_overrides(scenario: Scenario, seed: int | None, draws: int | None) -> None:
    """Check --seed and --draws against the scenario schema's bounds for them."""
    from pydantic import ValidationError

    from planning.scenario import Simulation, problems_from_validation_error

    changes = {key: value for key, value in (("seed", seed), ("draws", draws)) if value is not None}
    if not changes:
        return
    try:
        Simulation.model_validate(scenario.simulation.model_dump() | changes)
    except ValidationError as error:
        lines = [
            f"{_OVERRIDES.get(problem.path, problem.path)}: {problem.message}; fix: {problem.fix}"
            for problem in problems_from_validation_error(error)
        ]
        raise UsageError("\n".join(lines)) from None


def _plan_for(args: argparse.Namespace, err: TextIO) -> Plan | None:
    """Load, check and plan the scenario; on a problem, report it and return None."""
    from planning.plan import build_plan

    try:
        scenario = load_scenario(args.scenario)
    except ScenarioError as error:
        _report_problems(err, f"{args.scenario}: invalid", error)
        return None
    _check_overrides(scenario, args.seed, args.draws)
    try:
        return build_plan(scenario, seed=args.seed, draws=args.draws)
    except ScenarioError as error:
        _report_problems(err, f"{args.scenario}: cannot be planned", error)
        return None


def _figure_text(value: float, money: bool) -> str:
    """A summary value for people: thousands separated, money whole, small numbers 4 digits."""
    if math.isnan(value):
        return "n/a"
    if money or math.isinf(value) or value == round(value) or abs(value) >= 1000:
        if math.isinf(value):
            return "inf" if value > 0 else "-inf"
        return f"{value:,.0f}"
    return f"{value:.4g}"


def summary_text(plan: Plan) -> str:
    """The plan's summary table (figure, value, unit) as aligned text, one figure a line."""
    summary = plan.tables["summary"]
    currency = plan.scenario.currency
    rows = [
        (str(figure), _figure_text(float(value), unit == currency), str(unit))
        for figure, value, unit in zip(
            summary["figure"], summary["value"], summary["unit"], strict=True
        )
    ]
    rows.insert(0, ("figure", "value", "unit"))
    width_figure = max(len(row[0]) for row in rows)
    width_value = max(len(row[1]) for row in rows)
    return "".join(
        f"{figure:<{width_figure}}  {value:>{width_value}}  {unit}".rstrip() + "\n"
        for figure, value, unit in rows
    )


def cmd_run(args: argparse.Namespace, out: TextIO, err: TextIO) -> int:
    """Plan a scenario and write its tables; print the summary, and the files written."""
    from planning.export import ExportError, write_plan

    plan = _plan_for(args, err)
    if plan is None:
        return EXIT_USAGE
    try:
        paths = write_plan(plan, args.out, args.format, force=args.force)
    except ExportError as error:
        raise UsageError(str(error)) from None
    out.write(summary_text(plan))
    for path in paths:
        err.write(f"wrote {path}\n")
    return EXIT_OK


def cmd_simulate(args: argparse.Namespace, out: TextIO, err: TextIO) -> int:
    """Simulate a scenario's plan; print what the draws say as CSV, the risks on stderr."""
    from planning.export import simulation_table, table_to_csv

    plan = _plan_for(args, err)
    if plan is None:
        return EXIT_USAGE
    out.write(table_to_csv(simulation_table(plan)))
    figures = plan.tables["summary"].set_index("figure")["value"]
    cur = plan.scenario.currency
    if plan.scenario.kind == "roadshow":
        err.write(
            f"cost: median {cur} {figures['cost_p50']:,.0f} (P10 {figures['cost_p10']:,.0f}, "
            f"P90 {figures['cost_p90']:,.0f}) against a budget of {cur} "
            f"{figures['budget']:,.0f}; overrun in {figures['p_overrun']:.1%} of the draws; "
            f"reach goal met in {figures['p_reach_goal']:.1%}\n"
        )
    else:
        err.write(
            f"spend: median {cur} {figures['spend_p50']:,.0f} (P90 {figures['spend_p90']:,.0f})"
            f" against a budget of {cur} {figures['budget']:,.0f}; overrun in "
            f"{figures['p_overrun']:.1%} of the draws; some region cannot fill its own seats "
            f"in {figures['p_any_unfilled']:.1%}\n"
        )
    err.write(f"seed {plan.seed}, {plan.draws} draws\n")
    return EXIT_OK


def _register_run(verbs: argparse._SubParsersAction[_Parser]) -> None:
    """The run and simulate verbs."""
    run = verbs.add_parser(
        "run",
        help="plan a scenario and write its tables",
        description="Plan a scenario (seats, grants, fairness, simulation) and write its "
        "tables into a folder: with --format csv (the default) every table as CSV "
        "(accelerator: seats, tracks, grants, budget_by_month, funnel, fairness, methods, "
        "summary; roadshow: stops, states, reach, budget_by_month, summary) with "
        "scenario.yaml, manifest.json and README.md; with zip the same in plan.zip; with xlsx "
        "one sheet per table in plan.xlsx. Prints the summary to stdout and the files "
        "written to stderr. The folder is created if needed; files of the same names in it "
        "make the run fail unless --force. Nothing is written when anything fails. "
        "Exit 2 on an invalid scenario, an infeasible plan or a folder that cannot be "
        "written.",
    )
    run.add_argument("scenario", metavar="SCENARIO", help="scenario YAML file")
    run.add_argument("--out", required=True, metavar="DIR", help="folder to write into")
    _add_simulation_options(run)
    run.add_argument(
        "--format",
        choices=("csv", "zip", "xlsx"),
        default="csv",
        help="csv files (default), one zip bundle, or an Excel workbook",
    )
    run.add_argument(
        "--force", action="store_true", help="overwrite files of the same names in DIR"
    )
    run.set_defaults(command=cmd_run)

    simulate = verbs.add_parser(
        "simulate",
        help="simulate a scenario's plan, as CSV",
        description="Simulate a scenario's plan and print what the draws say as CSV. An "
        "accelerator: one row per region (applicants, eligible applicants, seats filled, "
        "completers: P10, median, P90; p_unfilled, the chance the region cannot fill its own "
        "seats), then a row '(all)' for the whole cohort, whose bands are quantiles of the "
        "totals. A roadshow: one row per audience (people trained and reaching the outcome), "
        "then a row '(all)'. The spend (or cost) and its risks go to stderr.",
    )
    simulate.add_argument("scenario", metavar="SCENARIO", help="scenario YAML file")
    _add_simulation_options(simulate)
    simulate.set_defaults(command=cmd_simulate)


def _add_simulation_options(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--seed",
        type=_non_negative_int,
        default=None,
        help="seed of the simulation (default: the scenario's simulation.seed)",
    )
    parser.add_argument(
        "--draws",
        type=_non_negative_int,
        default=None,
        help="number of draws, 100 to 1,000,000 (default: the scenario's simulation.draws)",
    )


def main(
    argv: Sequence[str] | None = None, out: TextIO | None = None, err: TextIO | None = None
) -> int:
    """Run the command line; returns the exit status."""
    out = out or sys.stdout
    err = err or sys.stderr
    parser = build_parser()
    try:
        # Help and usage errors go to the streams given, like everything else.
        with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
            args = parser.parse_args(argv)
    except SystemExit as exit_:
        return int(exit_.code or 0)
    command: Command = args.command
    try:
        return command(args, out, err)
    except (UsageError, ScenarioError, ValueError, KeyError, OSError) as error:
        message = error.args[0] if isinstance(error, KeyError) and error.args else error
        err.write(f"error: {message}\n")
        return EXIT_USAGE
    except KeyboardInterrupt:
        err.write("interrupted\n")
        return EXIT_USAGE
    except Exception as error:  # the last resort: a bug, said plainly
        err.write(
            f"internal error: {type(error).__name__}: {error}\n"
            "This is a fault in Cohort Planner, not in your input. "
            f"Run again with {DEBUG_VARIABLE}=1 to see where it happened.\n"
        )
        if os.environ.get(DEBUG_VARIABLE, "").strip().lower() not in ("", "0", "false", "no"):
            traceback.print_exc(file=err)
        return EXIT_INTERNAL
