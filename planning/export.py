"""Plan -> files: CSV tables, a zip bundle with the scenario, an Excel workbook.

One code path serves the app's download buttons, the command line and the tests: every
function here returns text or bytes, and :func:`write_plan` writes them, all or nothing.

What a CSV file looks like
--------------------------
UTF-8 without a byte-order mark, a header row, ``,`` between fields, ``"`` around fields
that need it, ``\\n`` line ends, ``.`` as the decimal mark and no index column.

* Integers are written as integers (``3``, never ``3.0``); so is a float with a whole value.
* Money (:data:`MONEY_COLUMNS`, and the summary rows whose unit is the currency) is rounded
  to whole currency units, halves away from zero (2.5 -> 3, -2.5 -> -3).
* Other floats are rounded to :data:`DECIMALS` decimal places (Python's ``round``: the
  exact binary value, ties to even), trailing zeros dropped, never in exponent notation.
  Infinities are ``inf`` and ``-inf``.
* Dates are ISO 8601 (``2020-09-01``); booleans are ``True`` and ``False``; a missing value
  (NaN, NA, None) is an empty field, and so is an empty text.
* Text is written as it is, except that a text cell starting with ``=``, ``+``, ``-``,
  ``@``, a tab or a carriage return gets a ``'`` in front, so that a spreadsheet shows it
  instead of running it as a formula (OWASP, "CSV Injection"). Only text cells: a number,
  negative or not, is written as a number.

The Excel workbook holds the same cells (same rounding, same guard), every text cell
stored as a string, never as a formula.

Glossary
--------
bundle
    A zip of every table as CSV, the scenario (``scenario.yaml``), ``manifest.json``
    (version, seed, draws, scenario hash, time of export, SHA-256 of every file) and a
    ``README.md`` describing each table and column. The scenario and the seed in it make
    the same tables again, byte for byte.
money column
    A column of amounts in the scenario's currency; see :data:`MONEY_COLUMNS`.
formula guard
    The ``'`` put in front of a text cell a spreadsheet would otherwise read as a formula.
staging folder
    A hidden folder (:data:`STAGING_PREFIX`) that files are written into before they are
    moved into place, so that a failed export leaves nothing behind.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import io
import json
import math
import os
import re
import secrets
import shutil
import zipfile
from collections.abc import Collection, Iterable, Mapping, Sequence
from contextlib import suppress
from decimal import ROUND_HALF_UP, Decimal, localcontext
from pathlib import Path
from types import MappingProxyType
from typing import Any, Final, Literal

import numpy as np
import pandas as pd

from planning.plan import COLUMNS, Plan
from planning.scenario import dump_scenario

Format = Literal["csv", "zip", "xlsx"]
Cell = str | int | float | bool | None

FORMATS: Final = ("csv", "zip", "xlsx")
DECIMALS: Final = 6
FORMULA_TRIGGERS: Final = ("=", "+", "-", "@", "\t", "\r")
STAGING_PREFIX: Final = ".cohort-planner-partial-"
BUNDLE_NAME: Final = "plan.zip"
WORKBOOK_NAME: Final = "plan.xlsx"
GENERATOR: Final = "Cohort Planner"

# Columns in the scenario's currency, by table (both kinds of plan). Besides these, the
# summary rows whose unit is the currency are money.
MONEY_COLUMNS: Final[Mapping[str, tuple[str, ...]]] = MappingProxyType(
    {
        "grants": ("grant", "grant_real", "total"),
        "budget_by_month": (
            "planned_spend",
            "spend_p10",
            "spend_p50",
            "spend_p90",
            "cumulative_p50",
        ),
    }
)

TABLE_DESCRIPTIONS: Final[Mapping[str, str]] = MappingProxyType(
    {
        "seats": "One row per region: its weight, exact quota and the seats apportioned to it.",
        "tracks": "One row per language track: its seats and how many regions it has.",
        "grants": "One row per region: its participants, the grant each receives, the total.",
        "budget_by_month": "One row per programme month: the planned and the simulated spend.",
        "funnel": "One row per region: simulated applicants, eligible applicants, seats "
        "filled and participants finishing (P10, median, P90 over the draws).",
        "fairness": "One row per fairness index of the seat split.",
        "methods": "One row per apportionment method: the seats each region would get under "
        "it, and the fairness indices of that split.",
        "summary": "The headline figures, one per row.",
        "stops": "One row per stop, in route order, with its date and what it offers.",
        "states": "One row per group (state, census region or division) the stops are "
        "shared among.",
        "reach": "One row per audience: people trained and reaching the outcome "
        "(P10, median, P90 over the draws).",
    }
)

# A roadshow's tables (planning.roadshow: STOP_COLUMNS, STATE_COLUMNS, REACH_COLUMNS,
# BUDGET_COLUMNS), column -> meaning; the accelerator's are planning.plan.COLUMNS.
TOUR_COLUMNS: Final[Mapping[str, Mapping[str, str]]] = MappingProxyType(
    {
        "stops": {
            "order": "position on the route (1 = the first stop)",
            "week": "week of the stop (1 = the week starting on the first Monday of the "
            "start month)",
            "date": "date of the stop, YYYY-MM-DD",
            "month": "calendar month of the stop, YYYY-MM",
            "city_id": "id of the city: its name as a slug, then its state code",
            "city": "city name",
            "state": "two-letter code of the city's state",
            "group": "group the stops are shared among (state, census region or division)",
            "lat": "latitude, degrees",
            "lon": "longitude, degrees",
            "leg_km": "great-circle distance from the previous stop, km (0 for the first)",
            "reason": "why the city was chosen: required, base tour, largest or spread",
            "audiences": "audiences with places at the stop",
            "sessions": "training sessions at the stop",
            "places": "places in those sessions",
            "expected_attendees": "places x show-up rate, summed over the audiences",
            "partners": "local partner organisations at the stop (spread evenly in route order)",
            "colleges": "community colleges partnering at the stop (spread evenly in route order)",
        },
        "states": {
            "group": "the group (roadshow.spread_by: state, census region or division)",
            "weight": "apportionment weight of the group",
            "stops": "stops apportioned to the group",
            "fair_share": "the quota once the floor and cap hold (bounded quota)",
            "floor": "fewest stops the group may get",
            "cap": "most stops the group may get",
            "quota": "exact fair share of the stops (weight / total weight x stops)",
            "candidates": "cities of the group the tour may stop in",
        },
        "reach": {
            "audience": "code of the audience (track)",
            "name": "audience name",
            "expected_trained": "stops x places x show-up rate",
            "trained_mean": "people trained, mean over the draws",
            "trained_p10": "people trained, 10th percentile",
            "trained_p50": "people trained, median",
            "trained_p90": "people trained, 90th percentile",
            "outcome": "what counts as a good outcome for the audience",
            "outcome_rate": "share of the trained expected to reach the outcome (empty: none "
            "given)",
            "outcome_p10": "people reaching the outcome, 10th percentile (empty: no rate)",
            "outcome_p50": "people reaching the outcome, median (empty: no rate)",
            "outcome_p90": "people reaching the outcome, 90th percentile (empty: no rate)",
        },
        "budget_by_month": {
            "month": "calendar month, YYYY-MM",
            "phase": "programme phase in that month",
            "stops": "stops in the month",
            "planned_spend": "spend as budgeted: expected attendance, costs as given",
            "spend_p10": "simulated spend in the month, 10th percentile",
            "spend_p50": "simulated spend in the month, median",
            "spend_p90": "simulated spend in the month, 90th percentile",
            "cumulative_p50": "median of the simulated cumulative spend up to this month",
        },
        "summary": dict(COLUMNS["summary"]),
    }
)

# What each summary figure means, for the README (accelerator and roadshow).
FIGURE_DESCRIPTIONS: Final[Mapping[str, str]] = MappingProxyType(
    {
        "seats": "seats in the cohort (cohort.seats)",
        "participants": "seats apportioned to regions: the participants planned",
        "regions": "regions in the scenario",
        "tracks": "language tracks",
        "budget": "total budget (budget.total)",
        "grant_pool": "money for grants: the budget less participant costs, fixed costs and "
        "the contingency",
        "grants_total": "sum of the grants (grants.csv, total)",
        "mean_grant": "grants_total / participants",
        "leftover": "grant pool not given out: grant_pool - grants_total",
        "participant_costs": "participant costs over the programme, every seat filled",
        "fixed_costs": "fixed costs over the programme",
        "contingency": "budget held back: budget x contingency share",
        "planned_spend": "the plan's spend (budget_by_month.csv, planned_spend summed)",
        "spend_p50": "simulated total spend, median",
        "spend_p90": "simulated total spend, 90th percentile",
        "expected_unspent": "mean over the draws of the budget left unspent (negative: overrun)",
        "p_overrun": "share of the draws spending more than the budget",
        "filled_p50": "simulated seats filled in all, median",
        "completers_p50": "simulated participants finishing, median",
        "p_any_unfilled": "probability that some region cannot fill all its own seats",
        "gallagher": "Gallagher index of the seat split (fairness.csv)",
        "max_min_ratio": "best- over worst-treated region, seats per unit of weight",
        "stops": "stops on the tour",
        "cities": "distinct cities visited",
        "states": "distinct states visited",
        "route_km": "length of the route, km (great-circle legs)",
        "route_gap": "the route is at most this share longer than the shortest possible",
        "trained_p50": "people trained in all, median",
        "cost_p50": "simulated total cost, median",
        "cost_per_trained_p50": "simulated cost per person trained, median",
        "p_reach_goal": "share of the draws training at least the reach goal",
        "route_nearest_neighbour_km": "route length by nearest neighbour, before improvement",
        "route_lower_bound_km": "no path through the cities is shorter than this, km",
        "sessions": "training sessions in all",
        "places": "places in all",
        "expected_attendees": "expected attendees in all (places x show-up rate)",
        "trained_mean": "people trained in all, mean",
        "trained_p10": "people trained in all, 10th percentile",
        "trained_p90": "people trained in all, 90th percentile",
        "outcomes_p50": "people reaching an outcome in all, median (empty: no outcome rates)",
        "reach_goal": "people to train (roadshow.reach_goal; 0 = no goal)",
        "cost_p10": "simulated total cost, 10th percentile",
        "cost_p90": "simulated total cost, 90th percentile",
        "partners": "local partner organisations in all",
        "colleges": "community colleges in all",
    }
)

ALL_ROWS: Final = "(all)"
"""Label of the whole-cohort row :func:`simulation_table` appends (no code can start with
a parenthesis)."""


class ExportError(Exception):
    """An export that cannot be written: the message names the folder or file and the fix."""


# --- cells ---------------------------------------------------------------------------------


def guard_text(text: str) -> str:
    """Neutralise a text cell a spreadsheet would run as a formula.

    Parameters
    ----------
    text
        The cell's text.

    Returns
    -------
    str
        ``text`` with a ``'`` in front when it starts with one of :data:`FORMULA_TRIGGERS`;
        otherwise ``text`` unchanged.
    """
    return "'" + text if text.startswith(FORMULA_TRIGGERS) else text


def round_money(value: float) -> int | float:
    """Whole currency units, halves away from zero; NaN and infinities unchanged.

    Decimal arithmetic on the exact binary value, so 0.49999999999999994 rounds to 0 and
    2.5 to 3 (``math.floor(x + 0.5)`` gets the first wrong).
    """
    if not math.isfinite(value):
        return value
    with localcontext(prec=400):  # why: a float can have 309 digits before the point
        return int(Decimal(value).quantize(Decimal(1), rounding=ROUND_HALF_UP))


def round_float(value: float) -> float:
    """A float rounded to :data:`DECIMALS` places (-0.0 becomes 0.0)."""
    if not math.isfinite(value):
        return value
    return round(value, DECIMALS) + 0.0


def _missing(value: object) -> bool:
    if value is None or value is pd.NA or value is pd.NaT:
        return True
    return isinstance(value, float) and math.isnan(value)


def _date_text(value: dt.date | pd.Timestamp) -> str:
    if isinstance(value, pd.Timestamp):
        at_midnight = value.tzinfo is None and value == value.normalize()
        return value.date().isoformat() if at_midnight else value.isoformat()
    return value.isoformat()


def to_cell(value: object, *, money: bool = False) -> Cell:
    """The exported form of one value: rounded number, ISO date, guarded text or None.

    Parameters
    ----------
    value
        A value from a table (Python or numpy scalar, pandas NA, date, text).
    money
        Whether a number here is an amount of money (rounded to whole units).

    Returns
    -------
    str, int, float, bool or None
        None for a missing value or an empty text; text passed through :func:`guard_text`.
    """
    if isinstance(value, np.datetime64):
        value = pd.Timestamp(value)  # why: .item() of a nanosecond datetime64 is an int
    elif isinstance(value, np.generic):
        value = value.item()
    if _missing(value):
        return None
    if isinstance(value, bool):
        return value
    if isinstance(value, int):
        return value
    if isinstance(value, float):
        return round_money(value) if money else round_float(value)
    if isinstance(value, dt.date | pd.Timestamp):
        return _date_text(value)
    text = str(value)
    return guard_text(text) if text else None


def format_cell(cell: Cell) -> str:
    """A cell as CSV text: integers without a decimal point, floats never in exponent form."""
    if cell is None:
        return ""
    if isinstance(cell, bool):
        return str(cell)
    if isinstance(cell, int):
        return str(cell)
    if isinstance(cell, float):
        if math.isnan(cell):
            return ""
        if math.isinf(cell):
            return "inf" if cell > 0 else "-inf"
        text = f"{cell:.{DECIMALS}f}".rstrip("0").rstrip(".")
        return "0" if text == "-0" else text
    return cell


def table_cells(
    frame: pd.DataFrame,
    *,
    money_columns: Collection[str] = (),
    money_rows: Sequence[bool] | None = None,
) -> tuple[list[str], list[list[Cell]]]:
    """The header and the rows of a table as exported cells (the CSV and Excel share them).

    Parameters
    ----------
    frame
        The table; its index is left out.
    money_columns
        Columns holding money (rounded to whole units).
    money_rows
        Optional mask, one flag per row: every number in a flagged row is money (the
        summary's rows in the currency).

    Raises
    ------
    ValueError
        If ``money_columns`` names a column the table lacks, or ``money_rows`` has the
        wrong length.
    """
    names = [str(column) for column in frame.columns]
    unknown = sorted(set(money_columns) - set(names))
    if unknown:
        raise ValueError(
            f"money_columns names columns the table lacks: {', '.join(unknown)}; "
            f"give some of {', '.join(names)}"
        )
    rows = len(frame)
    if money_rows is not None and len(money_rows) != rows:
        raise ValueError(
            f"money_rows has {len(money_rows)} flags for a table of {rows} rows; give one per row"
        )
    flags = [bool(flag) for flag in money_rows] if money_rows is not None else [False] * rows
    columns = []
    for position, name in enumerate(names):
        in_money = name in money_columns
        values = frame.iloc[:, position].tolist()
        columns.append(
            [
                to_cell(value, money=in_money or flag)
                for value, flag in zip(values, flags, strict=True)
            ]
        )
    header = [guard_text(name) for name in names]
    body = (
        [list(row) for row in zip(*columns, strict=True)] if columns else [[] for _ in range(rows)]
    )
    return header, body


def table_to_csv(
    frame: pd.DataFrame,
    *,
    money_columns: Collection[str] = (),
    money_rows: Sequence[bool] | None = None,
) -> str:
    """A table as CSV text (see the module docstring for the exact format).

    Parameters
    ----------
    frame
        The table; its index is left out.
    money_columns
        Columns holding money, rounded to whole currency units, halves away from zero.
    money_rows
        Optional mask, one flag per row: every number in a flagged row is money.

    Returns
    -------
    str
        Header row then one line per row, each ending in ``\\n``.
    """
    header, body = table_cells(frame, money_columns=money_columns, money_rows=money_rows)
    lines = [_csv_line(header)]
    lines += [_csv_line([format_cell(cell) for cell in row]) for row in body]
    return "".join(lines)


_NEEDS_QUOTES: Final = re.compile(r'[",\n\r]')


def _csv_line(fields: Sequence[str]) -> str:
    """One CSV record (RFC 4180 quoting), ending in a line feed.

    Written by hand because the csv module leaves a bare carriage return unquoted when the
    line end is ``\n``, and every reader then splits the record there.
    """
    if len(fields) == 1 and not fields[0]:
        return '""\n'  # why: an empty line would be skipped as blank, losing the row
    quoted = [
        '"' + field.replace('"', '""') + '"' if _NEEDS_QUOTES.search(field) else field
        for field in fields
    ]
    return ",".join(quoted) + "\n"


# --- a plan's tables -----------------------------------------------------------------------


def money_rows(plan: Plan, name: str) -> list[bool] | None:
    """For the summary: which rows are money (their unit is the currency); else None."""
    table = plan.tables[name]
    if name != "summary" or "unit" not in table.columns:
        return None
    return [unit == plan.scenario.currency for unit in table["unit"].tolist()]


def money_columns(plan: Plan, name: str) -> tuple[str, ...]:
    """The money columns of one of the plan's tables (those of :data:`MONEY_COLUMNS` it has)."""
    columns = {str(column) for column in plan.tables[name].columns}
    return tuple(column for column in MONEY_COLUMNS.get(name, ()) if column in columns)


def plan_cells(plan: Plan, name: str) -> tuple[list[str], list[list[Cell]]]:
    """Header and rows of one of the plan's tables, as exported."""
    return table_cells(
        plan.tables[name],
        money_columns=money_columns(plan, name),
        money_rows=money_rows(plan, name),
    )


def plan_to_csv(plan: Plan) -> dict[str, str]:
    """Every table of the plan as CSV text, by file name (``seats.csv``, ...), in table order."""
    return {
        f"{name}.csv": table_to_csv(
            plan.tables[name],
            money_columns=money_columns(plan, name),
            money_rows=money_rows(plan, name),
        )
        for name in plan.tables
    }


def simulation_table(plan: Plan) -> pd.DataFrame:
    """What the draws say, one row per region (or audience) and one for the whole cohort.

    An accelerator: the funnel table, then a row :data:`ALL_ROWS` whose P10/P50/P90 are
    quantiles of the cohort's totals over the draws (not sums of the regions' quantiles)
    and whose ``p_unfilled`` is the chance some region cannot fill its own seats. A
    roadshow: the reach table, then a row :data:`ALL_ROWS` with the summary's totals (its
    ``outcome_p10`` and ``outcome_p90`` are empty: the plan keeps only the median).
    """
    summary = plan.tables["summary"].set_index("figure")["value"]
    if plan.scenario.kind == "roadshow":
        reach = plan.tables["reach"]
        total: dict[str, object] = dict.fromkeys(reach.columns, math.nan)
        total |= {
            "audience": ALL_ROWS,
            "name": "all audiences",
            "expected_trained": summary["expected_attendees"],
            "trained_mean": summary["trained_mean"],
            "trained_p10": summary["trained_p10"],
            "trained_p50": summary["trained_p50"],
            "trained_p90": summary["trained_p90"],
            "outcome": "",
            "outcome_p50": summary["outcomes_p50"],
        }
        return pd.concat([reach, pd.DataFrame([total])], ignore_index=True)
    funnel = plan.tables["funnel"]
    totals = {str(row["quantity"]): row for row in plan.charts["totals"].to_dict("records")}
    row: dict[str, object] = {"region": ALL_ROWS, "track": ""}
    for column in funnel.columns[2:]:
        quantity, _, band = str(column).rpartition("_")
        if quantity in totals:
            row[str(column)] = float(totals[quantity][band])
    row["p_unfilled"] = summary["p_any_unfilled"]
    return pd.concat([funnel, pd.DataFrame([row], columns=funnel.columns)], ignore_index=True)


# --- the bundle ----------------------------------------------------------------------------


def _utc(exported_at: dt.datetime | None) -> dt.datetime:
    if exported_at is None:
        return dt.datetime.now(dt.UTC).replace(microsecond=0)
    if exported_at.tzinfo is None or exported_at.utcoffset() is None:
        raise ValueError(
            f"exported_at {exported_at.isoformat()} has no time zone; give an aware datetime, "
            "e.g. datetime.now(UTC)"
        )
    return exported_at.astimezone(dt.UTC).replace(microsecond=0)


def _column_docs(plan: Plan, name: str) -> Mapping[str, str]:
    docs = (TOUR_COLUMNS if plan.scenario.kind == "roadshow" else COLUMNS).get(name, {})
    if name != "methods":
        return docs
    regions = {region.code: region.name for region in plan.scenario.regions}
    seats = plan.tables.get("seats")
    if seats is not None and {"region", "name"} <= set(seats.columns):
        regions |= dict(zip(seats["region"].tolist(), seats["name"].tolist(), strict=True))
    from planning.fairness import INDEX_DESCRIPTIONS

    expanded = {"method": docs.get("method", "apportionment method")}
    for column in plan.tables[name].columns[1:]:
        code = str(column)
        if code in regions:
            label = f" ({regions[code]})" if regions[code] else ""
            expanded[code] = f"seats for {code}{label} under the method"
        else:
            expanded[code] = INDEX_DESCRIPTIONS.get(code, "fairness index of the method's seats")
    return expanded


def _markdown_cell(text: str) -> str:
    return " ".join(text.replace("|", "\\|").split())


def plan_readme(plan: Plan) -> str:
    """README.md of the bundle: how it was made, the format, each table and its columns."""
    scenario = plan.scenario
    lines = [
        f"# {_markdown_cell(scenario.name)}: plan tables",
        "",
        f"Made by {GENERATOR} {plan.version} from `scenario.yaml` (a {scenario.kind}, "
        f"scenario hash `{plan.scenario_hash[:12]}`), seed {plan.seed}, {plan.draws} draws. "
        "To make the same tables again, byte for byte:",
        "",
        "```",
        f"python -m planning run scenario.yaml --seed {plan.seed} --draws {plan.draws} --out DIR",
        "```",
        "",
        "## Format",
        "",
        "- UTF-8 CSV, header row, `,` between fields, `.` as the decimal mark, no index column.",
        f"- Money ({scenario.currency}) in whole units, halves rounded away from zero; other "
        f"decimals rounded to {DECIMALS} places; whole numbers without a decimal point.",
        "- Dates are ISO 8601; an empty field is a missing value.",
        "- A text cell starting with `=`, `+`, `-`, `@`, a tab or a carriage return has a `'` "
        "in front, so spreadsheets show it instead of running it as a formula.",
        "- `manifest.json` gives the SHA-256 of every other file.",
        "",
    ]
    for name, table in plan.tables.items():
        docs = _column_docs(plan, name)
        lines += [f"## {name}.csv", "", TABLE_DESCRIPTIONS.get(name, ""), ""]
        money = set(money_columns(plan, name))
        lines += ["| column | meaning |", "| --- | --- |"]
        for column in table.columns:
            meaning = docs.get(str(column), "(no description)")
            if str(column) in money:
                meaning += f" ({scenario.currency})"
            lines.append(f"| `{column}` | {_markdown_cell(meaning)} |")
        lines.append("")
        if name == "summary" and "figure" in table.columns:
            lines += ["Figures:", ""]
            for figure in table["figure"].tolist():
                meaning = FIGURE_DESCRIPTIONS.get(str(figure), "(no description)")
                lines.append(f"- `{figure}`: {_markdown_cell(meaning)}")
            lines.append("")
    return "\n".join(lines)


def plan_manifest(plan: Plan, files: Mapping[str, bytes], exported_at: dt.datetime) -> str:
    """manifest.json of the bundle: who made it, from what, when, and each file's SHA-256."""
    manifest = {
        "generator": GENERATOR,
        "version": plan.version,
        "scenario_name": plan.scenario.name,
        "scenario_kind": plan.scenario.kind,
        "scenario_hash": plan.scenario_hash,
        "currency": plan.scenario.currency,
        "seed": plan.seed,
        "draws": plan.draws,
        "exported_at": _utc(exported_at).isoformat().replace("+00:00", "Z"),
        "files": [
            {"name": name, "bytes": len(data), "sha256": hashlib.sha256(data).hexdigest()}
            for name, data in sorted(files.items())
        ],
    }
    return json.dumps(manifest, indent=2, ensure_ascii=False) + "\n"


def plan_files(plan: Plan, *, exported_at: dt.datetime | None = None) -> dict[str, bytes]:
    """Every file of the bundle, by name, sorted: the tables, scenario, README, manifest.

    Parameters
    ----------
    plan
        The plan.
    exported_at
        Time of export, timezone-aware (now when None), recorded in UTC to the second; the
        only input besides the plan, so the same plan and time give the same bytes.
    """
    moment = _utc(exported_at)
    files = {name: text.encode("utf-8") for name, text in plan_to_csv(plan).items()}
    files["scenario.yaml"] = dump_scenario(plan.scenario).encode("utf-8")
    files["README.md"] = plan_readme(plan).encode("utf-8")
    files["manifest.json"] = plan_manifest(plan, files, moment).encode("utf-8")
    return dict(sorted(files.items()))


def _zip_stamp(moment: dt.datetime) -> tuple[int, int, int, int, int, int]:
    """A zip entry's date and time for a UTC moment (zip keeps no zone, nor years before 1980)."""
    year, month, day, hour, minute, second = max(
        moment, dt.datetime(1980, 1, 1, tzinfo=dt.UTC)
    ).timetuple()[:6]
    return year, month, day, hour, minute, second


def _zip_bytes(entries: Iterable[tuple[str, bytes]], moment: dt.datetime) -> bytes:
    """Entries zipped in the order given, each stamped ``moment``, mode 0644, deflated.

    Nothing else goes into the bytes, so the same entries and moment give the same zip.
    """
    stamp = _zip_stamp(moment)
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        for name, data in entries:
            info = zipfile.ZipInfo(name, date_time=stamp)
            info.compress_type = zipfile.ZIP_DEFLATED
            info.create_system = 3  # why: ZipInfo picks 0 on Windows; the bytes must not vary
            info.external_attr = 0o100644 << 16
            archive.writestr(info, data, compresslevel=9)
    return buffer.getvalue()


def plan_to_zip(plan: Plan, *, exported_at: dt.datetime | None = None) -> bytes:
    """The bundle as zip bytes: same plan and ``exported_at``, same bytes.

    Entries are sorted by name, stamped with the time of export (UTC; zip keeps no time
    zone), mode 0644, deflated.
    """
    moment = _utc(exported_at)
    return _zip_bytes(plan_files(plan, exported_at=moment).items(), moment)


# --- the workbook --------------------------------------------------------------------------

_SHEET_FORBIDDEN: Final = re.compile(r"[\[\]:*?/\\]")
_XML_ILLEGAL: Final = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f]")


def sheet_name(name: str, taken: Collection[str] = ()) -> str:
    """An Excel sheet name for a table: at most 31 characters, none of ``[]:*?/\\``, unique."""
    base = _SHEET_FORBIDDEN.sub("_", name).strip("'") or "sheet"
    candidate, number = base[:31], 1
    lowered = {item.lower() for item in taken}
    while candidate.lower() in lowered:
        number += 1
        suffix = f"~{number}"
        candidate = base[: 31 - len(suffix)] + suffix
    return candidate


def plan_to_xlsx(plan: Plan, *, exported_at: dt.datetime | None = None) -> bytes:
    """The plan as an Excel workbook: one sheet per table, header row bold and frozen.

    Cells are those of the CSV files (same rounding, same formula guard); every text cell
    is stored as a string, so Excel never runs one as a formula. Characters XML cannot hold
    (control characters other than tab, line feed, carriage return) become U+FFFD.
    Infinities, which Excel cannot store as numbers, are the strings ``inf`` and ``-inf``.

    The workbook's created and modified times, and its zip entries' times, are
    ``exported_at`` (UTC, now when None): the same plan and time give the same bytes.
    """
    from openpyxl import Workbook
    from openpyxl.styles import Font
    from openpyxl.writer.excel import ExcelWriter

    moment = _utc(exported_at)

    # Start from no sheet at all: one sheet per table follows.
    workbook = Workbook()
    for sheet in list(workbook.worksheets):
        workbook.remove(sheet)
    bold = Font(bold=True)
    taken: list[str] = []
    for name in plan.tables:
        title = sheet_name(name, taken)
        taken.append(title)
        sheet = workbook.create_sheet(title)
        header, body = plan_cells(plan, name)
        rows: list[list[Cell]] = [list(header), *body]
        for row_number, row in enumerate(rows, start=1):
            for column_number, value in enumerate(row, start=1):
                _put(sheet.cell(row=row_number, column=column_number), value)
        for heading in sheet[1]:
            heading.font = bold
        sheet.freeze_panes = "A2"
    # openpyxl's own save stamps the time of saving; its writer alone leaves ours.
    workbook.properties.created = workbook.properties.modified = moment.replace(tzinfo=None)
    written = io.BytesIO()
    ExcelWriter(workbook, zipfile.ZipFile(written, "w", zipfile.ZIP_DEFLATED)).save()
    with zipfile.ZipFile(written) as source:
        entries = [(info.filename, source.read(info)) for info in source.infolist()]
    return _zip_bytes(entries, moment)


def _put(target: Any, cell: Cell) -> None:
    """Write one exported cell into an openpyxl cell; text is always a string cell."""
    if cell is None:
        return
    if isinstance(cell, float) and math.isinf(cell):
        cell = format_cell(cell)
    if isinstance(cell, str):
        # openpyxl turns a string starting with '=' into a formula unless told otherwise.
        target.value = _XML_ILLEGAL.sub("\ufffd", cell)
        target.data_type = "s"
        return
    target.value = cell


# --- writing files -------------------------------------------------------------------------


def export_files(
    plan: Plan, fmt: Format = "csv", *, exported_at: dt.datetime | None = None
) -> dict[str, bytes]:
    """The files an export of this format writes, by name.

    ``csv``: the bundle's files unpacked (every table, scenario.yaml, manifest.json,
    README.md); ``zip``: :data:`BUNDLE_NAME`; ``xlsx``: :data:`WORKBOOK_NAME`.
    """
    if fmt == "csv":
        return plan_files(plan, exported_at=exported_at)
    if fmt == "zip":
        return {BUNDLE_NAME: plan_to_zip(plan, exported_at=exported_at)}
    if fmt == "xlsx":
        return {WORKBOOK_NAME: plan_to_xlsx(plan, exported_at=exported_at)}
    raise ValueError(f"unknown export format {fmt!r}; use one of {', '.join(FORMATS)}")


def write_plan(
    plan: Plan,
    out_dir: str | Path,
    fmt: Format = "csv",
    *,
    force: bool = False,
    exported_at: dt.datetime | None = None,
) -> list[Path]:
    """Write the plan's export into a folder, all or nothing.

    Parameters
    ----------
    plan
        The plan.
    out_dir
        Folder to write into; created (with its parents) when it does not exist. Other
        files in it are left alone.
    fmt
        ``csv`` (the bundle's files unpacked), ``zip`` (plan.zip) or ``xlsx`` (plan.xlsx).
    force
        Overwrite files of the same names; without it such files make the export fail.
    exported_at
        Time of export recorded in the manifest (now when None).

    Returns
    -------
    list of Path
        The files written, sorted by name.

    Raises
    ------
    ExportError
        If the folder holds files of the same names (and ``force`` is off), is a file, or
        cannot be written; nothing is left behind.
    """
    return write_files(export_files(plan, fmt, exported_at=exported_at), out_dir, force=force)


def _write_staged(path: Path, data: bytes) -> None:
    """Write one file into the staging folder (never over an existing file)."""
    with path.open("xb") as handle:
        handle.write(data)


def _check_names(names: Collection[str]) -> None:
    for name in names:
        if (
            not name
            or name in {".", ".."}
            or "/" in name
            or os.sep in name
            or name.startswith(STAGING_PREFIX)
        ):
            raise ValueError(f"{name!r} is not a plain file name; give a name without folders")


def _make_staging(parent: Path) -> Path:
    # os.mkdir (not tempfile.mkdtemp, which makes 0700) so the folder gets the usual mode
    # when it is renamed into place.
    staging = parent / f"{STAGING_PREFIX}{secrets.token_hex(6)}"
    os.mkdir(staging)
    return staging


def _make_parents(folder: Path) -> list[Path]:
    """Create a folder and its missing parents; return those created, outermost first."""
    missing = []
    current = folder
    while not current.exists():
        missing.append(current)
        if current.parent == current:
            break
        current = current.parent
    for path in reversed(missing):
        os.mkdir(path)
    return list(reversed(missing))


def _reason(error: OSError) -> str:
    return error.strerror or str(error)


def write_files(
    files: Mapping[str, bytes], out_dir: str | Path, *, force: bool = False
) -> list[Path]:
    """Write files into a folder through a staging folder, so a failure leaves nothing.

    A new folder is filled in a staging folder beside it and renamed into place in one
    step. Into an existing folder, the files are staged inside it, then moved in; if a move
    fails, the files moved so far are taken out again and any file they replaced (with
    ``force``) is put back.

    Raises
    ------
    ExportError
        If the folder already holds files of these names and ``force`` is off, if it is a
        file, or if it cannot be written.
    """
    _check_names(files)
    out = Path(out_dir)
    try:
        if out.exists() and not out.is_dir():
            raise ExportError(f"{out} is a file, not a folder; give a folder to write into")
        if out.is_dir():
            return _write_into(out, files, force=force)
        return _write_new(out, files)
    except OSError as error:
        raise ExportError(
            f"cannot write to {out}: {_reason(error)}; check that the folder's parent exists "
            "and that you may write to it, or choose another folder"
        ) from None


def _write_new(out: Path, files: Mapping[str, bytes]) -> list[Path]:
    created = _make_parents(out.parent)
    try:
        staging = _make_staging(out.parent)
        try:
            for name, data in files.items():
                _write_staged(staging / name, data)
            os.rename(staging, out)
        except BaseException:
            shutil.rmtree(staging, ignore_errors=True)
            raise
    except BaseException:
        for folder in reversed(created):
            with suppress(OSError):
                os.rmdir(folder)
        raise
    return [out / name for name in files]


def _write_into(out: Path, files: Mapping[str, bytes], *, force: bool) -> list[Path]:
    clashes = sorted(name for name in files if os.path.lexists(out / name))
    folders = [name for name in clashes if (out / name).is_dir()]
    if folders:
        raise ExportError(
            f"{out} holds folders named {', '.join(folders)}; move them away, or choose "
            "another folder"
        )
    if clashes and not force:
        shown = ", ".join(clashes[:3]) + (
            f" and {len(clashes) - 3} more" if len(clashes) > 3 else ""
        )
        raise ExportError(
            f"{out} already holds {shown}; choose a new or empty folder, or pass --force "
            "(force=True) to overwrite them"
        )
    staging = _make_staging(out)
    previous = staging / "previous"
    moved: list[str] = []
    try:
        for name, data in files.items():
            _write_staged(staging / name, data)
        os.mkdir(previous)
        for name in files:
            if os.path.lexists(out / name):
                os.replace(out / name, previous / name)
            moved.append(name)
            os.replace(staging / name, out / name)
    except BaseException:
        for name in reversed(moved):
            with suppress(OSError):
                if not os.path.lexists(staging / name):
                    os.remove(out / name)  # ours: it left the staging folder
                if os.path.lexists(previous / name):
                    os.replace(previous / name, out / name)
        raise
    finally:
        shutil.rmtree(staging, ignore_errors=True)
    return [out / name for name in files]
