"""The command line: ``python -m planning VERB ...``.

Bad input never ends in a traceback: every error the user can fix is printed as one or more
lines naming the field and the fix, and the exit status is 2. Exit 0 means success; exit 1
is kept for failures of the program itself.
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Callable, Sequence
from typing import TextIO

from planning.scenario import ScenarioError, load_scenario

EXIT_OK = 0
EXIT_INTERNAL = 1
EXIT_USAGE = 2

Command = Callable[[argparse.Namespace, TextIO, TextIO], int]


class UsageError(Exception):
    """An error the user can fix; the message is printed as it is, with exit status 2."""


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
            err.write(f"{path}: invalid ({len(error.problems)} problem(s))\n")
            for problem in error.problems:
                err.write(f"  {problem.path or '(scenario)'}: {problem.message}\n")
                err.write(f"    fix: {problem.fix}\n")
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

    for register in EXTRA_VERBS:
        register(verbs)
    return parser


# Later verbs (apportion, allocate, simulate, run) register themselves here.
EXTRA_VERBS: list[Callable[[argparse._SubParsersAction[_Parser]], None]] = []


def main(
    argv: Sequence[str] | None = None, out: TextIO | None = None, err: TextIO | None = None
) -> int:
    """Run the command line; returns the exit status."""
    out = out or sys.stdout
    err = err or sys.stderr
    parser = build_parser()
    try:
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
