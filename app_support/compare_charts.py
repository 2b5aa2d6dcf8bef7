"""Charts of the Compare page: several plans drawn over each other, one colour per plan.

Pure functions from pre-aggregated tables to Altair charts: no streamlit here, so the
charts can be built and checked without a running app. Every builder takes ``order``, the
plans' labels in the order they were picked, so a plan keeps its colour from chart to
chart and the first (the reference the others are compared with) comes first.
"""

from __future__ import annotations

import json
import textwrap
from collections.abc import Sequence

import altair as alt
import pandas as pd

from app_support.charts import SHORT_MONEY_LABELS

# Distinct at a glance, also in grey print: Tableau 10's blue, orange, green and purple.
PALETTE = ("#4c78a8", "#f58518", "#54a24b", "#b279a2")

# Fit the width to the page but keep the height for the plot alone: the legend grows with
# the number of scenarios and must not eat into the bars.
_FIT_WIDTH = alt.AutoSizeParams(type="fit-x", contains="padding")

# Longest legend line, in characters: fits beside a phone's axis labels.
LEGEND_CHARS = 30

# Bar thickness and the gap between groups, in pixels: enough to hover on a phone.
_BAR_PX = 9
_GROUP_GAP_PX = 8


def _wrapped_labels(order: Sequence[str]) -> str:
    """A Vega expression giving each legend label as lines of at most LEGEND_CHARS.

    A bottom legend starts under the plot, right of the axis labels, so on a phone a long
    scenario name would run off the chart; Vega draws an array label as several lines.
    """
    lines = {label: textwrap.wrap(label, LEGEND_CHARS) or [label] for label in order}
    return f"{json.dumps(lines)}[datum.label] || datum.label"


def _colour(order: Sequence[str]) -> alt.Color:
    return alt.Color(
        "scenario:N",
        title=None,
        scale=alt.Scale(domain=list(order), range=list(PALETTE[: len(order)])),
        sort=list(order),
        legend=alt.Legend(
            orient="bottom", columns=1, labelExpr=_wrapped_labels(order), labelLimit=0
        ),
    )


def seats_overlay(seats: pd.DataFrame, order: Sequence[str], unit: str = "Seats") -> alt.Chart:
    """Grouped horizontal bars: one group per region, one bar per scenario.

    Parameters
    ----------
    seats : pandas.DataFrame
        Long table with columns ``region`` (display name), ``scenario`` (label), ``seats``
        and ``present`` (False where the region is not in that scenario; drawn as 0).
    order : sequence of str
        Scenario labels in the order they were picked.
    unit : str
        What the bars count ("Seats", "Stops"), for the axis and tooltip.
    """
    totals = seats.groupby("region", sort=False)["seats"].max()
    regions = list(totals.sort_values(ascending=False, kind="stable").index)
    frame = seats.assign(
        status=seats["present"].map({True: "in scenario", False: "not in scenario"})
    )
    height = len(regions) * (len(order) * _BAR_PX + _GROUP_GAP_PX)
    chart: alt.Chart = (
        alt.Chart(frame)
        .mark_bar()
        .encode(
            x=alt.X("seats:Q", title=unit, axis=alt.Axis(tickMinStep=1, format="d")),
            y=alt.Y("region:N", title=None, sort=regions, axis=alt.Axis(labelLimit=140)),
            yOffset=alt.YOffset("scenario:N", sort=list(order)),
            color=_colour(order),
            tooltip=[
                alt.Tooltip("region:N", title="Region"),
                alt.Tooltip("scenario:N", title="Scenario"),
                alt.Tooltip("seats:Q", title=unit, format=",d"),
                alt.Tooltip("status:N", title="Region"),
            ],
        )
        .properties(width="container", height=max(height, 120), autosize=_FIT_WIDTH)
    )
    return chart


def budget_overlay(
    spend: pd.DataFrame, budgets: pd.DataFrame, order: Sequence[str], currency: str
) -> alt.LayerChart:
    """Cumulative median spend by programme month, one line per scenario, budgets as rules.

    Parameters
    ----------
    spend : pandas.DataFrame
        Columns ``scenario``, ``programme_month`` (1 = the plan's first month),
        ``month`` (calendar month, for tooltips) and ``cumulative_p50``.
    budgets : pandas.DataFrame
        Columns ``scenario`` and ``budget``: one row per scenario.
    order : sequence of str
        Scenario labels in the order they were picked.
    currency : str
        Currency of the amounts, for the axis title.
    """
    colour = _colour(order)
    # Programmes start in different years: months counted from the start line them up.
    x = alt.X(
        "programme_month:Q",
        title="Programme month",
        axis=alt.Axis(tickMinStep=1, format="d"),
        scale=alt.Scale(domainMin=1, nice=False),
    )
    lines = (
        alt.Chart(spend)
        .mark_line(point=True, strokeWidth=2)
        .encode(
            x=x,
            y=alt.Y(
                "cumulative_p50:Q",
                title=f"Spent ({currency})",
                axis=alt.Axis(labelExpr=SHORT_MONEY_LABELS),
            ),
            color=colour,
            tooltip=[
                alt.Tooltip("scenario:N", title="Scenario"),
                alt.Tooltip("month:N", title="Month"),
                alt.Tooltip("cumulative_p50:Q", title="Spent so far (median)", format=",.0f"),
            ],
        )
    )
    rules = (
        alt.Chart(budgets)
        .mark_rule(strokeDash=[6, 4], strokeWidth=1.5)
        .encode(
            y="budget:Q",
            color=colour,
            tooltip=[
                alt.Tooltip("scenario:N", title="Scenario"),
                alt.Tooltip("budget:Q", title=f"Budget ({currency})", format=",.0f"),
            ],
        )
    )
    return alt.LayerChart(layer=[rules, lines], width="container", height=260, autosize=_FIT_WIDTH)
