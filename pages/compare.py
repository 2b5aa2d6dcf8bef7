"""Compare: two to four scenarios or saved versions side by side.

The headline figures with their differences from the first pick, the seats of each
overlaid (stops for roadshows), and the cumulative median spend against each budget.
Scenarios of different kinds share only a few summary figures and the budget curve.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Literal

import pandas as pd
import streamlit as st

from app_support import layout, navigation, state
from app_support.cache import plan_for
from app_support.compare_charts import budget_overlay, seats_overlay
from planning.compare import (
    MIXED_CURRENCIES,
    Figures,
    cumulative_spend,
    seats_by_region,
    summary_figures,
)
from planning.plan import Plan
from planning.scenario import Scenario, ScenarioError
from planning.store import StoreError

navigation.inside_app()

PICK_KEY = "compare.pick"
KEPT_KEY = "_compare.kept"
WORKING = "working"
MIN_PICKS, MAX_PICKS = 2, 4
LETTERS = "ABCD"
METRIC_HEIGHT = 104
DeltaColour = Literal["normal", "inverse", "off"]

FIGURE_LABELS = {
    "seats": "Seats",
    "participants": "Participants",
    "regions": "Regions",
    "tracks": "Tracks",
    "budget": "Budget",
    "grant_pool": "Grant pool",
    "grants_total": "Grants paid",
    "mean_grant": "Mean grant",
    "leftover": "Grant pool left over",
    "participant_costs": "Participant costs",
    "fixed_costs": "Fixed costs",
    "contingency": "Contingency",
    "planned_spend": "Planned spend",
    "spend_p50": "Spend (median)",
    "spend_p90": "Spend (90th percentile)",
    "p_overrun": "Chance of overrun",
    "filled_p50": "Seats filled (median)",
    "completers_p50": "Completers (median)",
    "p_any_unfilled": "Chance a region cannot fill its seats",
    "gallagher": "Gallagher index",
    "max_min_ratio": "Max/min representation",
    "stops": "Stops",
    "cities": "Cities",
    "states": "States",
    "route_km": "Route length",
    "route_gap": "Route above its lower bound",
    "trained_p50": "Trained (median)",
    "cost_p50": "Cost (median)",
    "cost_per_trained_p50": "Cost per trained (median)",
    "p_reach_goal": "Chance of reaching the goal",
    "reach_goal": "Goal (people trained)",
}

# (figure, delta colour): "inverse" where a rise is bad news, "off" where it is neither.
KEY_FIGURES: dict[str, tuple[tuple[str, DeltaColour], ...]] = {
    "accelerator": (
        ("seats", "normal"),
        ("budget", "off"),
        ("mean_grant", "normal"),
        ("spend_p50", "off"),
        ("p_overrun", "inverse"),
        ("gallagher", "inverse"),
    ),
    "roadshow": (
        ("stops", "normal"),
        ("trained_p50", "normal"),
        ("cost_p50", "inverse"),
        ("cost_per_trained_p50", "inverse"),
        ("p_reach_goal", "normal"),
        ("p_overrun", "inverse"),
    ),
    "mixed": (("budget", "off"), ("planned_spend", "off"), ("p_overrun", "inverse")),
}
PERCENT_UNITS = ("probability", "share")


@dataclass(frozen=True)
class Choice:
    """One pickable scenario: a library version or the working scenario."""

    key: str
    label: str
    name: str | None = None
    version: int | None = None


def _choices(working: state.Working) -> dict[str, Choice]:
    """Every library version, plus the working scenario when the library lacks it as it is."""
    lib = state.library()
    choices: dict[str, Choice] = {}
    if working.dirty or working.shared:
        mark = "unsaved" if working.dirty else "shared link"
        choices[WORKING] = Choice(WORKING, f"{working.scenario.name} ({mark})")
    for entry in lib.entries():
        try:
            history = lib.history(entry.name)
        except StoreError:
            continue
        for version in history:
            label = entry.title if entry.builtin else f"{entry.name} v{version.number}"
            choices[version.ref] = Choice(version.ref, label, entry.name, version.number)
    return _unique_labels(choices)


def _unique_labels(choices: dict[str, Choice]) -> dict[str, Choice]:
    """Labels name the plans in legends and table headers, so no two may be the same."""
    counts = pd.Series([choice.label for choice in choices.values()]).value_counts()
    return {
        key: choice
        if counts[choice.label] == 1
        else Choice(key, f"{choice.label} [{key}]", choice.name, choice.version)
        for key, choice in choices.items()
    }


def _working_key(working: state.Working, choices: dict[str, Choice]) -> str | None:
    if WORKING in choices:
        return WORKING
    ref = f"{working.name}@{working.version}"
    return ref if ref in choices else None


def _default(working: state.Working, choices: dict[str, Choice]) -> list[str]:
    """The working scenario and one other of the same kind.

    Unsaved edits are compared with the version they came from; otherwise with the first
    other built-in scenario of the same kind.
    """
    current = _working_key(working, choices)
    picks = [current] if current else []
    saved = f"{working.name}@{working.version}"
    if current == WORKING and saved in choices:
        return [*picks, saved]
    lib = state.library()
    for entry in lib.entries():
        if not entry.builtin or entry.name == working.name:
            continue
        try:
            kind = lib.load(entry.name).kind
        except (StoreError, ScenarioError):
            continue
        if kind == working.scenario.kind:
            return [*picks, entry.latest.ref]
    return picks


def _load(choice: Choice, working: state.Working) -> Scenario:
    if choice.key == WORKING or choice.name is None:
        return working.scenario
    return state.library().load(choice.name, choice.version)


def _pick(working: state.Working, choices: dict[str, Choice]) -> list[Choice]:
    current = _working_key(working, choices)
    if PICK_KEY not in st.session_state and KEPT_KEY in st.session_state:
        # Streamlit forgets a widget's value on other pages; bring the last picks back.
        st.session_state[PICK_KEY] = st.session_state[KEPT_KEY]
    stale = st.session_state.get(PICK_KEY)
    if isinstance(stale, list) and any(key not in choices for key in stale):
        # A version was saved or an edit reverted since: keep only what can still be picked.
        st.session_state[PICK_KEY] = [key for key in stale if key in choices]
    default = None if PICK_KEY in st.session_state else _default(working, choices)
    picked = st.multiselect(
        "Scenarios to compare",
        list(choices),
        default=default,
        format_func=lambda key: choices[key].label + (" · working" if key == current else ""),
        key=PICK_KEY,
        placeholder="Pick two to four scenarios or versions",
        help="The first one picked is the reference: the others show their differences from it.",
    )
    st.session_state[KEPT_KEY] = list(picked)
    return [choices[key] for key in picked]


def _plans(picked: list[Choice], working: state.Working) -> dict[str, Plan]:
    """Plans by label, leaving out (and reporting) any that cannot be made."""
    plans: dict[str, Plan] = {}
    for choice in picked:
        try:
            plan = plan_for(_load(choice, working))
            # A letter ties a plan's table column to its card and its colour in the charts.
            plans[f"{LETTERS[len(plans)]} · {choice.label}"] = plan
        except StoreError as error:
            st.error(f"{choice.label} cannot be opened: {error}")
        except ScenarioError as error:
            layout.show_problems(error.problems, f"{choice.label} cannot be planned:")
    return plans


# --- figures ------------------------------------------------------------------------------


def _label(figure: str) -> str:
    return FIGURE_LABELS.get(figure, figure.replace("_p50", " (median)").replace("_", " "))


def _is_money(unit: str) -> bool:
    return len(unit) == 3 and unit.isupper()


def _text(value: float, unit: str, *, compact: bool = False) -> str:
    """A figure for people; ``compact`` drops the currency (the label carries it)."""
    if math.isnan(value):
        return "n/a"
    if _is_money(unit):
        if not compact:
            return layout.money(value, unit)
        if abs(value) >= 1e6:
            return f"{value / 1e6:,.2f}M"
        return f"{value / 1e3:,.0f}k" if abs(value) >= 1e4 else f"{value:,.0f}"
    if unit in PERCENT_UNITS:
        return f"{value:.1%}"
    if unit.startswith(("index", "ratio")):
        return f"{value:.2f}"
    suffix = " km" if unit == "km" else ""
    return (
        f"{value:,.0f}{suffix}"
        if float(value).is_integer() or abs(value) >= 100
        else f"{value:,.1f}{suffix}"
    )


def _delta(value: float, unit: str, *, compact: bool = False) -> str:
    """A signed difference; a leading '-' is what turns st.metric's arrow down."""
    if math.isnan(value):
        return "n/a"
    if value == 0:
        return "same"
    sign = "-" if value < 0 else "+"
    size = abs(value)
    if unit in PERCENT_UNITS:
        return f"{sign}{size * 100:.1f} pp"
    return f"{sign}{_text(size, unit, compact=compact)}"


def _figures_table(figures: Figures, labels: list[str]) -> pd.DataFrame:
    """Every shared figure, one column per plan (by letter) and its difference from A."""
    first = labels[0]
    rows = []
    for figure, unit in figures.units.items():
        cells = {"Figure": _label(figure)}
        for letter, label in zip(LETTERS, labels, strict=False):
            cells[letter] = _text(figures.values[label][figure], unit)
            if label != first:
                difference = figures.difference(figure, label, first)
                comparable = figures.comparable(figure)
                cells[f"{letter} − A"] = _delta(difference, unit) if comparable else "n/a"
        rows.append(cells)
    return pd.DataFrame(rows)


def _metrics(figures: Figures, labels: list[str], kind: str) -> None:
    first = labels[0]
    key_figures = [(f, colour) for f, colour in KEY_FIGURES[kind] if f in figures.units]
    for column, label in zip(st.columns(len(labels)), labels, strict=True):
        card = column.container(border=True)
        with card:
            st.markdown(f"**{label}**")
            for figure, colour in key_figures:
                unit = figures.units[figure]
                value = figures.values[label][figure]
                delta: str | None = None
                shown: DeltaColour = colour
                arrow: Literal["auto", "off"] = "auto"
                if label != first and figures.comparable(figure):
                    difference = figures.difference(figure, label, first)
                    delta = _delta(difference, unit, compact=True)
                    if difference == 0 or math.isnan(difference):
                        shown, arrow = "off", "off"
                # Four cards side by side leave room for "3.20M", not "USD 3.20M".
                st.metric(
                    f"{_label(figure)} ({unit})" if _is_money(unit) else _label(figure),
                    _text(value, unit, compact=True),
                    delta,
                    delta_color=shown,
                    delta_arrow=arrow,
                    # Equal heights keep a figure level across the cards, delta or not.
                    height=METRIC_HEIGHT,
                )


# --- charts -------------------------------------------------------------------------------


# --- the page -----------------------------------------------------------------------------


def render() -> None:
    """Draw the page."""
    working = layout.page_header(
        "Compare",
        "Two to four scenarios or saved versions side by side; differences are from the first.",
    )
    choices = _choices(working)
    picked = _pick(working, choices)
    if len(picked) < MIN_PICKS:
        st.info(
            "Pick at least two scenarios or versions above to compare them.",
            icon=":material/compare_arrows:",
        )
        return
    if len(picked) > MAX_PICKS:
        st.error(
            f"{len(picked)} picked: compare at most {MAX_PICKS} at a time, or the charts "
            "become unreadable. Remove some from the list above."
        )
        return
    plans = _plans(picked, working)
    if len(plans) < MIN_PICKS:
        st.warning("Fewer than two of the picked scenarios could be planned: nothing to compare.")
        return
    labels = list(plans)
    kinds = {plan.scenario.kind for plan in plans.values()}
    kind = kinds.pop() if len(kinds) == 1 else "mixed"
    if kind == "mixed":
        st.info(
            "These are different kinds of programme (accelerator and roadshow): only the "
            "figures both report, and the budget, are compared.",
            icon=":material/info:",
        )
    currencies = sorted({plan.scenario.currency for plan in plans.values()})
    if len(currencies) > 1:
        st.warning(
            f"The scenarios count money in different currencies ({', '.join(currencies)}): "
            "amounts are shown, but not their differences."
        )

    figures = summary_figures(plans)
    st.subheader("Headline figures")
    st.caption("Differences are from A, the first one picked.")
    _metrics(figures, labels, kind)
    st.dataframe(_figures_table(figures, labels), hide_index=True, width="stretch")

    if kind != "mixed":
        unit = "Stops" if kind == "roadshow" else "Seats"
        st.subheader(f"{unit} by {'Census division' if kind == 'roadshow' else 'country'}")
        seats = seats_by_region(plans)
        st.altair_chart(seats_overlay(seats, labels, unit), width="stretch")
        with st.expander(f"{unit} as a table"):
            table = seats.pivot_table(
                index="region", columns="scenario", values="seats", sort=False
            )
            st.dataframe(table.loc[:, labels], width="stretch")

    st.subheader("Budget")
    st.caption("Median cumulative spend by month of the programme; the dashed line is each budget.")
    spend, budgets = cumulative_spend(plans)
    currency = currencies[0] if len(currencies) == 1 else MIXED_CURRENCIES
    st.altair_chart(budget_overlay(spend, budgets, labels, currency), width="stretch")


render()
