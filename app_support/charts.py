"""Chart builders: a plan's pre-aggregated tables in, an Altair chart out.

Pure functions of DataFrames (no streamlit here), so they are unit-tested without a page.
Every chart is as wide as its container, puts its legend at the bottom so narrow screens
keep their plotting room, and carries tooltips. None carries a top-level ``config``, so
pages may layer or concatenate them.

Glossary
--------
quota
    A region's exact fair share of the seats (or stops), a fraction; drawn as a tick.
P10, P50, P90
    The 10th, 50th and 90th percentiles over the simulation's draws; the band between
    P10 and P90 holds eight draws in ten.
swing
    How far an output moves when one input is moved down and up (a tornado's bar length).
"""

from __future__ import annotations

import math
from typing import Any, Final, TypeAlias

import altair as alt
import pandas as pd

from planning import reference

Chart: TypeAlias = alt.Chart | alt.LayerChart

ROW_HEIGHT: Final = 24
BAR_COLOUR: Final = "#4c78a8"
ACCENT: Final = "#e45756"
MUTED: Final = "#bbbbbb"
LAND: Final = "#e8e8e8"

METHOD_LABELS: Final = {
    "hamilton": "Hamilton",
    "jefferson": "Jefferson",
    "webster": "Webster",
    "huntington-hill": "Huntington-Hill",
    "adams": "Adams",
    "dean": "Dean",
}

# Output name -> (label, kind); kind is "money", "share" or "count" and sets the format.
OUTPUTS: Final[dict[str, tuple[str, str]]] = {
    "spend_p50": ("Median spend", "money"),
    "spend_p90": ("Spend, P90", "money"),
    "spend_mean": ("Mean spend", "money"),
    "unspent_mean": ("Expected unspent", "money"),
    "planned_spend": ("Planned spend", "money"),
    "grant_mean": ("Mean grant", "money"),
    "cost_p50": ("Median cost", "money"),
    "cost_per_trained_p50": ("Cost per person trained", "money"),
    "p_overrun": ("Chance of overrun", "share"),
    "p_any_unfilled": ("Chance a seat stays unfilled", "share"),
    "p_reach_goal": ("Chance of reaching the goal", "share"),
    "filled_p50": ("Median seats filled", "count"),
    "completers_p50": ("Median completers", "count"),
    "empty_seats_mean": ("Expected empty seats", "count"),
    "trained_p50": ("Median trained", "count"),
    "route_km": ("Route length (km)", "count"),
    "gallagher": ("Gallagher index", "index"),
}

# Money on an axis, compactly: 500k, 1.5M, and a plain 0 (Vega would write "0M").
SHORT_MONEY_LABELS: Final = "datum.value == 0 ? '0' : format(datum.value, '~s')"

_FORMATS: Final = {"money": ",.0f", "share": ".0%", "count": ",.0f", "index": ".2f"}
_SHORT_FORMATS: Final = {"money": ".3~s", "share": ".0%", "count": ",.0f", "index": ".2f"}


def output_label(output: str, currency: str | None = None) -> str:
    """A plain label for an output name, with the currency for money."""
    label, kind = OUTPUTS.get(output, (output.replace("_", " ").capitalize(), "count"))
    return f"{label} ({currency})" if kind == "money" and currency else label


def output_format(output: str, short: bool = False) -> str:
    """The d3 format of an output's values (short: compact, for cells and axes)."""
    kind = OUTPUTS.get(output, ("", "count"))[1]
    return (_SHORT_FORMATS if short else _FORMATS)[kind]


def _require(table: pd.DataFrame, columns: list[str], argument: str) -> None:
    """Raise a ValueError naming the missing columns and the table expected."""
    missing = [column for column in columns if column not in table.columns]
    if missing:
        raise ValueError(
            f"{argument}: missing column(s) {missing}; pass the plan's {argument} table "
            f"(it has {list(table.columns)})"
        )


def _legend(title: str | None = None, entries: int = 2) -> alt.Legend:
    """A legend under the chart, wrapped into rows of at most three so phones keep it."""
    return alt.Legend(
        orient="bottom",
        title=title,
        direction="horizontal",
        columns=min(max(entries, 1), 3),
        labelLimit=220,
    )


def _gradient_legend(title: str, value_format: str | None = None) -> alt.Legend:
    """A compact colour-scale legend under the chart (short enough for a phone)."""
    return alt.Legend(
        orient="bottom",
        title=title,
        direction="horizontal",
        gradientLength=160,
        gradientThickness=10,
        titleLimit=300,
        format=value_format or alt.Undefined,
    )


def _height(rows: int, legend: bool = False) -> int:
    """Total height for a chart of ``rows`` bands: Streamlit fits axes and legend inside it."""
    return ROW_HEIGHT * max(rows, 1) + 80 + (70 if legend else 0)


def _stack(
    *layers: alt.Chart, height: int, projection: alt.Projection | None = None
) -> alt.LayerChart:
    """Layers drawn as one chart, as wide as its container."""
    extra: dict[str, Any] = {} if projection is None else {"projection": projection}
    return alt.LayerChart(layer=list(layers), width="container", height=height, **extra)


def _number_text(value: float) -> str:
    """An input value for people: thousands separated, small numbers to 3 digits."""
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return "—"
    if abs(value) >= 1000:
        return f"{value:,.0f}"
    return f"{value:.3g}"


def _country_names(seats: pd.DataFrame) -> pd.Series:
    return seats["name"] if "name" in seats.columns else seats["region"]


# --- allocation ------------------------------------------------------------------------------


def _track_names(codes: pd.Series, tracks: pd.DataFrame | None) -> tuple[pd.Series, list[str]]:
    """Track labels for colouring (names when the tracks table is given) and their domain.

    The domain is every track, sorted, so seats_bars and track_bars colour alike.
    """
    if tracks is None or "name" not in tracks.columns:
        return codes.astype(str), sorted(set(codes.astype(str)))
    names = dict(zip(tracks["track"].astype(str), tracks["name"].astype(str), strict=True))
    labels = codes.astype(str).map(lambda code: names.get(code, code))
    return labels, sorted(set(names.values()) | set(labels))


def seats_bars(seats: pd.DataFrame, *, tracks: pd.DataFrame | None = None) -> Chart:
    """Seats per region as bars coloured by track, with each region's quota as a tick.

    Sorted by seats, most first. ``seats`` is the plan's seats table; with the plan's
    ``tracks`` table the legend shows track names rather than codes.
    """
    _require(seats, ["region", "track", "quota", "seats"], "seats")
    data = seats.assign(name=_country_names(seats)).copy()
    data["track_name"], domain = _track_names(data["track"], tracks)
    order = data.sort_values(["seats", "quota"], ascending=False)["name"].tolist()
    y = alt.Y("name:N", sort=order, title=None, axis=alt.Axis(labelLimit=140))
    tooltip = [
        alt.Tooltip("name:N", title="Region"),
        alt.Tooltip("track_name:N", title="Track"),
        alt.Tooltip("seats:Q", title="Seats"),
        alt.Tooltip("quota:Q", title="Quota (fair share)", format=".2f"),
    ]
    for column, title in (("floor", "Floor"), ("cap", "Cap")):
        if column in data.columns:
            data[column] = data[column].astype("Float64")
            tooltip.append(alt.Tooltip(f"{column}:Q", title=title))
    base = alt.Chart(data).encode(y=y, tooltip=tooltip)
    bars = base.mark_bar().encode(
        x=alt.X("seats:Q", title="Seats"),
        color=alt.Color(
            "track_name:N",
            title="Track",
            scale=alt.Scale(domain=domain),
            legend=_legend("Track", len(domain)),
        ),
    )
    ticks = base.mark_tick(color="black", thickness=2, size=ROW_HEIGHT - 4).encode(x="quota:Q")
    return _stack(bars, ticks, height=_height(len(data), legend=True))


def track_bars(tracks: pd.DataFrame) -> Chart:
    """Seats per language track, with the number of regions in the tooltip."""
    _require(tracks, ["track", "seats"], "tracks")
    data = tracks.copy()
    if "name" not in data.columns:
        data["name"] = data["track"]
    data["name"] = data["name"].astype(str)
    domain = sorted(set(data["name"]))
    order = data.sort_values("seats", ascending=False, kind="stable")["name"].tolist()
    base = alt.Chart(data).encode(
        y=alt.Y("name:N", sort=order, title=None, axis=alt.Axis(labelLimit=120)),
        tooltip=[
            alt.Tooltip("name:N", title="Track"),
            alt.Tooltip("seats:Q", title="Seats"),
            *([alt.Tooltip("regions:Q", title="Regions")] if "regions" in data else []),
        ],
    )
    bars = base.mark_bar().encode(
        x=alt.X("seats:Q", title="Seats"),
        color=alt.Color("name:N", scale=alt.Scale(domain=domain), legend=None),
    )
    labels = base.mark_text(align="left", dx=3).encode(x="seats:Q", text="seats:Q")
    return _stack(bars, labels, height=_height(len(data)))


def unmapped_regions(seats: pd.DataFrame) -> list[str]:
    """Regions the world map cannot show (too small for a 1:110m map, or no ISO number)."""
    codes = _iso_numeric(seats["region"])
    ids = {
        geometry.get("id")
        for geometry in reference.world_topojson()["objects"]["countries"]["geometries"]
    }
    names = _country_names(seats)
    return [str(name) for name, code in zip(names, codes, strict=True) if code not in ids]


def _iso_numeric(regions: pd.Series) -> pd.Series:
    """ISO 3166-1 numeric codes (3-digit text) of alpha-2 region codes; None when unknown."""
    table = reference.countries()["iso_numeric"]
    codes = [
        str(table[code]) if code in table.index and pd.notna(table[code]) else None
        for code in regions.astype(str)
    ]
    return pd.Series(codes, index=regions.index, dtype=object)


def world_map(seats: pd.DataFrame, value: str = "seats", title: str = "Seats") -> Chart:
    """The regions on a world map, shaded by ``value``; other countries in light grey.

    ``seats`` is the plan's seats table; countries join on their ISO 3166-1 numeric code
    (the world-atlas ids are 3-digit text, like ``"076"``).
    """
    _require(seats, ["region", value], "seats")
    data = seats.assign(name=_country_names(seats), iso_numeric=_iso_numeric(seats["region"]))
    fields = list(dict.fromkeys(["name", "seats", "quota", "track", value]))
    fields = [field for field in fields if field in data.columns]
    data = data.loc[data["iso_numeric"].notna(), ["iso_numeric", *fields]]
    topo = reference.world_topojson()
    topo["objects"]["countries"]["geometries"] = [
        geometry
        for geometry in topo["objects"]["countries"]["geometries"]
        if geometry.get("id") != "010"  # Antarctica: room the regions need
    ]
    countries = alt.Data(  # type: ignore[no-untyped-call]
        values=topo,
        format=alt.DataFormat(type="topojson", feature="countries"),  # type: ignore[no-untyped-call]
    )
    land = alt.Chart(countries).mark_geoshape(fill=LAND, stroke="white", strokeWidth=0.5)
    tooltip = [alt.Tooltip("name:N", title="Country")]
    if "seats" in fields:
        tooltip.append(alt.Tooltip("seats:Q", title="Seats"))
    if "quota" in fields:
        tooltip.append(alt.Tooltip("quota:Q", title="Quota", format=".2f"))
    if value not in ("seats", "quota"):
        tooltip.append(alt.Tooltip(f"{value}:Q", title=title, format=",.3~f"))
    shaded = (
        alt.Chart(countries)
        .mark_geoshape(stroke="white", strokeWidth=0.5)
        .transform_lookup(lookup="id", from_=alt.LookupData(data, "iso_numeric", fields))
        .transform_filter(f"isValid(datum[{value!r}])")
        .encode(
            color=alt.Color(
                f"{value}:Q",
                title=title,
                scale=alt.Scale(scheme="blues", zero=True),
                legend=_gradient_legend(title),
            ),
            tooltip=tooltip,
        )
    )
    return _stack(land, shaded, height=250, projection=alt.Projection(type="equalEarth"))


def grants_bars(grants: pd.DataFrame, seats: pd.DataFrame, *, currency: str | None = None) -> Chart:
    """Grant per participant by region: nominal and real (price-adjusted), side by side.

    Sorted by real grant, largest first. Names come from the seats table.
    """
    _require(grants, ["region", "grant", "grant_real"], "grants")
    names = dict(zip(seats["region"], _country_names(seats), strict=True))
    data = grants.assign(name=[names.get(code, code) for code in grants["region"]])
    order = data.sort_values("grant_real", ascending=False)["name"].tolist()
    long = data.melt(
        id_vars=["region", "name", *(["participants"] if "participants" in data else [])],
        value_vars=["grant", "grant_real"],
        var_name="kind",
        value_name="amount",
    )
    long["kind"] = long["kind"].map({"grant": "Nominal", "grant_real": "Real (at US prices)"})
    unit = f" ({currency})" if currency else ""
    tooltip = [
        alt.Tooltip("name:N", title="Region"),
        alt.Tooltip("kind:N", title="Grant"),
        alt.Tooltip("amount:Q", title=f"Per participant{unit}", format=",.0f"),
    ]
    if "participants" in long.columns:
        tooltip.append(alt.Tooltip("participants:Q", title="Participants"))
    chart: alt.Chart = (
        alt.Chart(long)
        .mark_bar()
        .encode(
            y=alt.Y("name:N", sort=order, title=None, axis=alt.Axis(labelLimit=140)),
            yOffset=alt.YOffset("kind:N"),
            x=alt.X(
                "amount:Q",
                title=f"Grant per participant{unit}",
                axis=alt.Axis(labelExpr=SHORT_MONEY_LABELS),
            ),
            color=alt.Color(
                "kind:N",
                scale=alt.Scale(range=[BAR_COLOUR, "#f58518"]),
                legend=_legend(None),
            ),
            tooltip=tooltip,
        )
        .properties(width="container", height=_height(len(data), legend=True) + 10 * len(data))
    )
    return chart


def lorenz(lorenz: pd.DataFrame) -> Chart:
    """The Lorenz curve of seats per person against the line of perfect equality."""
    _require(lorenz, ["cumulative_population_share", "cumulative_value_share"], "lorenz")
    axis = alt.Axis(format=".0%")
    diagonal = (
        alt.Chart(pd.DataFrame({"x": [0.0, 1.0], "y": [0.0, 1.0]}))
        .mark_line(color=MUTED, strokeDash=[4, 4])
        .encode(x="x:Q", y="y:Q")
    )
    curve = (
        alt.Chart(lorenz)
        .mark_line(point=True, color=BAR_COLOUR)
        .encode(
            x=alt.X(
                "cumulative_population_share:Q",
                title="Share of people",
                axis=axis,
                scale=alt.Scale(domain=[0, 1]),
            ),
            y=alt.Y(
                "cumulative_value_share:Q",
                title="Share of seats",
                axis=axis,
                scale=alt.Scale(domain=[0, 1]),
            ),
            tooltip=[
                alt.Tooltip("cumulative_population_share:Q", title="People", format=".1%"),
                alt.Tooltip("cumulative_value_share:Q", title="Seats", format=".1%"),
            ],
        )
    )
    return _stack(diagonal, curve, height=300)


def methods_dots(methods_seats: pd.DataFrame) -> Chart:
    """Each region's seats under each method; regions whose seats change are highlighted.

    ``methods_seats`` has region, name, one integer column per method and ``flips``.
    """
    _require(methods_seats, ["region", "flips"], "methods_seats")
    methods = [
        column
        for column in methods_seats.columns
        if column not in ("region", "name", "flips")
        and pd.api.types.is_numeric_dtype(methods_seats[column])
    ]
    if not methods:
        raise ValueError("methods_seats: no method columns; pass the plan's methods_seats chart")
    data = methods_seats.assign(name=_country_names(methods_seats))
    data["changes"] = data["flips"].map({True: "Seats change", False: "Same under all"})
    order = data.sort_values(["flips", methods[0]], ascending=[False, False], kind="stable")[
        "name"
    ].tolist()
    long = data.melt(
        id_vars=["region", "name", "changes"],
        value_vars=methods,
        var_name="method",
        value_name="seats",
    )
    long["method"] = long["method"].map(lambda name: METHOD_LABELS.get(name, name))
    method_order = [METHOD_LABELS.get(name, name) for name in methods]
    spans = data.assign(low=data[methods].min(axis=1), high=data[methods].max(axis=1))
    y = alt.Y("name:N", sort=order, title=None, axis=alt.Axis(labelLimit=140))
    span = (
        alt.Chart(spans.loc[spans["flips"]])
        .mark_rule(color=ACCENT, strokeWidth=2)
        .encode(y=y, x="low:Q", x2="high:Q")
    )
    dots = (
        alt.Chart(long)
        .mark_point(filled=True, size=45)
        .encode(
            y=y,
            yOffset=alt.YOffset("method:N", sort=method_order),
            x=alt.X("seats:Q", title="Seats", axis=alt.Axis(tickMinStep=1)),
            color=alt.Color(
                "method:N", sort=method_order, legend=_legend("Method", len(method_order))
            ),
            opacity=alt.Opacity(
                "changes:N",
                scale=alt.Scale(domain=["Seats change", "Same under all"], range=[1.0, 0.25]),
                legend=None,
            ),
            tooltip=[
                alt.Tooltip("name:N", title="Region"),
                alt.Tooltip("method:N", title="Method"),
                alt.Tooltip("seats:Q", title="Seats"),
                alt.Tooltip("changes:N", title="Across methods"),
            ],
        )
    )
    return _stack(span, dots, height=_height(len(data), legend=True) + 40)


# --- simulation ------------------------------------------------------------------------------

_STAGES: Final = {
    "applicants": "Applicants",
    "eligible": "Eligible",
    "filled": "Seats filled",
    "completers": "Completers",
}


def funnel(totals: pd.DataFrame) -> Chart:
    """Applicants, eligible, seats filled and completers: median bars, P10-P90 error bars."""
    _require(totals, ["quantity", "p10", "p50", "p90"], "totals")
    data = totals.loc[totals["quantity"].isin(list(_STAGES))].copy()
    data["stage"] = data["quantity"].map(_STAGES)
    order = [label for key, label in _STAGES.items() if key in set(data["quantity"])]
    top = float(data["p90"].max()) if len(data) else 1.0
    tooltip = [
        alt.Tooltip("stage:N", title="Stage"),
        alt.Tooltip("p50:Q", title="Median", format=",.0f"),
        alt.Tooltip("p10:Q", title="P10", format=",.0f"),
        alt.Tooltip("p90:Q", title="P90", format=",.0f"),
    ]
    if "plan" in data.columns:
        tooltip.append(alt.Tooltip("plan:Q", title="Planned", format=",.0f"))
    base = alt.Chart(data).encode(y=alt.Y("stage:N", sort=order, title=None), tooltip=tooltip)
    x = alt.X(
        "p50:Q", title="People (median, P10-P90)", scale=alt.Scale(domain=[0, top * 1.18 or 1])
    )
    bars = base.mark_bar(color=BAR_COLOUR).encode(x=x)
    whiskers = base.mark_rule(color="black").encode(x="p10:Q", x2="p90:Q")
    labels = base.mark_text(align="left", dx=4).encode(
        x="p90:Q", text=alt.Text("p50:Q", format=",.0f")
    )
    return _stack(bars, whiskers, labels, height=240)


def cohort_histogram(histogram: pd.DataFrame) -> Chart:
    """How often each cohort size came up: seats filled and completers, over the draws."""
    _require(histogram, ["quantity", "low", "high", "share"], "histogram")
    data = histogram.copy()
    data["what"] = (
        data["quantity"]
        .map({"filled": "Seats filled", "completers": "Completers"})
        .fillna(data["quantity"])
    )
    width = float((data["high"] - data["low"]).max()) if len(data) else 1.0
    low = float(data["low"].min()) - width if len(data) else 0.0
    high = float(data["high"].max()) + width if len(data) else 1.0
    chart: alt.Chart = (
        alt.Chart(data)
        .mark_bar(opacity=0.6, binSpacing=0)
        .encode(
            x=alt.X(
                "low:Q",
                title="Participants",
                scale=alt.Scale(domain=[low, high], nice=False),
                axis=alt.Axis(tickMinStep=1, format=",.0f"),
            ),
            x2="high:Q",
            y=alt.Y("share:Q", title="Share of draws", axis=alt.Axis(format=".0%"), stack=None),
            y2=alt.datum(0),
            color=alt.Color("what:N", legend=_legend(None)),
            tooltip=[
                alt.Tooltip("what:N", title="Count"),
                alt.Tooltip("low:Q", title="From", format=",.0f"),
                alt.Tooltip("high:Q", title="To (not incl.)", format=",.0f"),
                alt.Tooltip("share:Q", title="Share of draws", format=".1%"),
            ],
        )
        .properties(width="container", height=240)
    )
    return chart


def budget_fan(monthly: pd.DataFrame, budget: float, currency: str) -> Chart:
    """Cumulative spend by month: P10-P90 band (when given), median, plan, and the budget.

    Takes an accelerator's ``charts["monthly"]`` (label, planned, planned_cumulative,
    cumulative_p10/p50/p90) or a ``budget_by_month`` table (month as YYYY-MM,
    planned_spend, cumulative_p50); it draws the series the table has.
    """
    month = "label" if "label" in monthly.columns else "month"
    _require(monthly, [month, "cumulative_p50"], "monthly")
    data = pd.DataFrame({"when": pd.to_datetime(monthly[month].astype(str), format="%Y-%m")})
    data["month"] = monthly[month].astype(str).to_numpy()
    data["P50"] = monthly["cumulative_p50"].to_numpy(dtype=float)
    if "planned_cumulative" in monthly.columns:
        data["Planned"] = monthly["planned_cumulative"].to_numpy(dtype=float)
    else:
        planned = "planned" if "planned" in monthly.columns else "planned_spend"
        if planned in monthly.columns:
            data["Planned"] = monthly[planned].astype(float).cumsum().to_numpy()
    has_band = {"cumulative_p10", "cumulative_p90"} <= set(monthly.columns)
    if has_band:
        data["P10"] = monthly["cumulative_p10"].to_numpy(dtype=float)
        data["P90"] = monthly["cumulative_p90"].to_numpy(dtype=float)
    names = {"P50": "Spend (median)", "Planned": "Planned", "band": "Spend P10-P90"}
    domain = [names["P50"], *(["Planned"] if "Planned" in data else []), "Budget"]
    colours = [BAR_COLOUR, *(["#72b7b2"] if "Planned" in data else []), ACCENT]
    if has_band:
        domain.append(names["band"])
        colours.append("#9ecae9")
    colour_scale = alt.Scale(domain=domain, range=colours)
    legend = _legend(None, len(domain))
    money_axis = alt.Axis(labelExpr=SHORT_MONEY_LABELS, title=f"Cumulative spend ({currency})")
    x = alt.X(
        "when:T",
        title=None,
        axis=alt.Axis(format="%b %Y", labelAngle=0, tickCount={"interval": "month", "step": 1}),
    )
    tooltip = [alt.Tooltip("month:N", title="Month")]
    for column, title in (("P10", "P10"), ("P50", "Median"), ("P90", "P90"), ("Planned", "Plan")):
        if column in data.columns:
            tooltip.append(alt.Tooltip(f"{column}:Q", title=f"{title} ({currency})", format=",.0f"))
    layers: list[Any] = []
    if has_band:
        layers.append(
            alt.Chart(data)
            .mark_area(opacity=0.5)
            .encode(
                x=x,
                y=alt.Y("P10:Q", axis=money_axis),
                y2="P90:Q",
                color=alt.datum(names["band"]),
                tooltip=tooltip,
            )
        )
    value_vars = ["P50", *(["Planned"] if "Planned" in data else [])]
    lines = data.melt(id_vars=["when", "month"], value_vars=value_vars, var_name="series")
    lines["series"] = lines["series"].map({"P50": names["P50"], "Planned": "Planned"})
    layers.append(
        alt.Chart(lines)
        .mark_line(point=True)
        .encode(
            x=x,
            y=alt.Y("value:Q", axis=money_axis),
            color=alt.Color("series:N", scale=colour_scale, legend=legend),
            strokeDash=alt.StrokeDash(
                "series:N",
                scale=alt.Scale(domain=[names["P50"], "Planned"], range=[[1, 0], [5, 3]]),
                legend=None,
            ),
            tooltip=[
                alt.Tooltip("month:N", title="Month"),
                alt.Tooltip("series:N", title="Series"),
                alt.Tooltip("value:Q", title=currency, format=",.0f"),
            ],
        )
    )
    layers.append(
        alt.Chart(pd.DataFrame({"budget": [float(budget)]}))
        .mark_rule(strokeWidth=2)
        .encode(
            y=alt.Y("budget:Q", axis=money_axis),
            color=alt.datum("Budget"),
            tooltip=[alt.Tooltip("budget:Q", title=f"Budget ({currency})", format=",.0f")],
        )
    )
    return _stack(*layers, height=300)


def unfilled_bars(funnel: pd.DataFrame, seats: pd.DataFrame | None = None, top: int = 12) -> Chart:
    """The regions most likely to leave seats empty: ``p_unfilled`` as bars, highest first.

    Regions with no risk are left out; at most ``top`` regions are drawn.
    """
    _require(funnel, ["region", "p_unfilled"], "funnel")
    names = (
        dict(zip(seats["region"], _country_names(seats), strict=True)) if seats is not None else {}
    )
    data = funnel.loc[funnel["p_unfilled"] > 0, ["region", "p_unfilled"]].copy()
    data["name"] = [names.get(code, code) for code in data["region"]]
    data = data.sort_values("p_unfilled", ascending=False).head(top)
    order = data["name"].tolist()
    base = alt.Chart(data).encode(
        y=alt.Y("name:N", sort=order, title=None, axis=alt.Axis(labelLimit=140)),
        tooltip=[
            alt.Tooltip("name:N", title="Region"),
            alt.Tooltip("p_unfilled:Q", title="Chance of empty seats", format=".2%"),
        ],
    )
    bars = base.mark_bar(color=ACCENT).encode(
        x=alt.X(
            "p_unfilled:Q",
            title="Chance the region cannot fill its seats",
            axis=alt.Axis(format="~%"),
        )
    )
    labels = base.mark_text(align="left", dx=3).encode(
        x="p_unfilled:Q", text=alt.Text("p_unfilled:Q", format=".2~%")
    )
    return _stack(bars, labels, height=_height(len(data)))


def tornado(table: pd.DataFrame, output: str, *, currency: str | None = None) -> Chart:
    """Bars from the base value of ``output`` to its value with each input moved down and up.

    Sorted by swing, largest first; inputs that do not move the output are left out. With
    the base outputs in ``table.attrs["base"]`` the axis shows the output's values,
    otherwise the changes from the base.
    """
    needed = [f"{output}_low", f"{output}_high", f"{output}_swing"]
    _require(table, ["label", "low_value", "high_value", *needed], "table")
    base_values = table.attrs.get("base") or {}
    base = float(base_values.get(output, 0.0))
    rows = table.loc[table[f"{output}_swing"].fillna(0) > 0].sort_values(
        f"{output}_swing", ascending=False, kind="stable"
    )
    records = []
    for _, row in rows.iterrows():
        for side, title in (("low", "Input lowered"), ("high", "Input raised")):
            change = row[f"{output}_{side}"]
            if pd.isna(change):
                continue
            records.append(
                {
                    "label": row["label"],
                    "side": title,
                    "input": _number_text(float(row[f"{side}_value"])),
                    "base_input": _number_text(float(row["base_value"])),
                    "start": base,
                    "end": base + float(change),
                    "change": float(change),
                }
            )
    data = pd.DataFrame(
        records, columns=["label", "side", "input", "base_input", "start", "end", "change"]
    )
    value_format = output_format(output)
    title = output_label(output, currency)
    order = list(dict.fromkeys(data["label"]))
    y = alt.Y("label:N", sort=order, title=None, axis=alt.Axis(labelLimit=160))
    bars = (
        alt.Chart(data)
        .mark_bar(opacity=0.85)
        .encode(
            y=y,
            x=alt.X(
                "start:Q",
                title=title,
                scale=alt.Scale(zero=False),
                axis=alt.Axis(format=output_format(output, True)),
            ),
            x2="end:Q",
            color=alt.Color(
                "side:N",
                scale=alt.Scale(
                    domain=["Input lowered", "Input raised"], range=[BAR_COLOUR, "#f58518"]
                ),
                legend=_legend(None),
            ),
            tooltip=[
                alt.Tooltip("label:N", title="Input"),
                alt.Tooltip("side:N", title="Move"),
                alt.Tooltip("base_input:N", title="Input now"),
                alt.Tooltip("input:N", title="Input moved to"),
                alt.Tooltip("end:Q", title=title, format=value_format),
                alt.Tooltip("change:Q", title="Change", format=value_format),
            ],
        )
    )
    rule = (
        alt.Chart(pd.DataFrame({"base": [base]}))
        .mark_rule(color="black")
        .encode(
            x="base:Q", tooltip=[alt.Tooltip("base:Q", title=f"{title} now", format=value_format)]
        )
    )
    return _stack(bars, rule, height=_height(len(order), legend=True) + 10)


def heatmap(
    table: pd.DataFrame,
    x_label: str,
    y_label: str,
    value_label: str,
    *,
    value_format: str = ".3~s",
) -> Chart:
    """One output over a grid of two inputs (a sweep table: x, y, value, problem).

    Cells whose scenario could not be planned are grey, with the reason in the tooltip.
    """
    _require(table, ["x", "y", "value"], "table")
    data = table.copy()
    if "problem" not in data.columns:
        data["problem"] = ""
    data["x_text"] = [_number_text(float(v)) for v in data["x"]]
    data["y_text"] = [_number_text(float(v)) for v in data["y"]]
    x_order = [_number_text(float(v)) for v in sorted(data["x"].unique())]
    y_order = [_number_text(float(v)) for v in sorted(data["y"].unique(), reverse=True)]
    valid = data["value"].dropna()
    middle = float((valid.min() + valid.max()) / 2) if len(valid) else 0.0
    flat = len(valid) > 0 and float(valid.min()) == float(valid.max())
    data["problem"] = data["problem"].fillna("").replace("", "—")
    x = alt.X("x_text:O", sort=x_order, title=x_label, axis=alt.Axis(labelAngle=0))
    y = alt.Y("y_text:O", sort=y_order, title=y_label)
    tooltip = [
        alt.Tooltip("x_text:N", title=x_label),
        alt.Tooltip("y_text:N", title=y_label),
        alt.Tooltip("value:Q", title=value_label, format=value_format),
        alt.Tooltip("problem:N", title="Problem"),
    ]
    cells = (
        alt.Chart(data)
        .mark_rect()
        .encode(
            x=x,
            y=y,
            color=alt.Color(
                "value:Q",
                title=value_label,
                scale=alt.Scale(scheme="viridis"),
                legend=_gradient_legend(value_label, value_format),
            ),
            tooltip=tooltip,
        )
    )
    missing = (
        alt.Chart(data.loc[data["value"].isna()])
        .mark_rect(color=MUTED)
        .encode(x=x, y=y, tooltip=tooltip)
    )
    text = (
        alt.Chart(data.loc[data["value"].notna()])
        .mark_text(fontSize=11)
        .encode(
            x=x,
            y=y,
            text=alt.Text("value:Q", format=value_format),
            # Viridis is dark at the low end: white ink there, black on the light end.
            color=(
                alt.value("black")
                if flat
                else alt.when(f"datum.value < {middle!r}")
                .then(alt.value("white"))
                .otherwise(alt.value("black"))
            ),
            tooltip=tooltip,
        )
    )
    rows = max(int(data["y"].nunique()), 1)
    return _stack(cells, missing, text, height=36 * rows + 130)


# --- roadshow --------------------------------------------------------------------------------


def _fit_feature(stops: pd.DataFrame) -> dict[str, Any] | None:
    """Points around the stops to fit the map to, or None for the whole country.

    A tour that spans most of the country shows the whole map; a regional one is zoomed
    in, padded so the outermost stops are not cut by the frame.
    """
    lat = stops["lat"].astype(float)
    lon = stops["lon"].astype(float)
    if lon.max() - lon.min() > 25 or lat.max() - lat.min() > 12:
        return None
    pad_lat = max(1.0, 0.25 * float(lat.max() - lat.min()))
    pad_lon = max(1.5, 0.25 * float(lon.max() - lon.min()))
    corners = [
        [float(lon.min()) - pad_lon, float(lat.min()) - pad_lat],
        [float(lon.max()) + pad_lon, float(lat.max()) + pad_lat],
        [float(lon.min()) - pad_lon, float(lat.max()) + pad_lat],
        [float(lon.max()) + pad_lon, float(lat.min()) - pad_lat],
    ]
    feature = {
        "type": "Feature",
        "properties": {},
        "geometry": {"type": "MultiPoint", "coordinates": corners},
    }
    return {"type": "FeatureCollection", "features": [feature]}


def us_tour_map(stops: pd.DataFrame) -> Chart:
    """The tour on a US map: states, the route through the stops in order, the stops.

    Stops are sized by expected attendees; states with a stop are tinted. A tour within a
    small area is shown zoomed in.
    """
    _require(stops, ["order", "city", "lat", "lon"], "stops")
    data = stops.copy().sort_values("order")
    if "expected_attendees" not in data.columns:
        data["expected_attendees"] = 1.0
    topo = reference.us_topojson()
    states = alt.Data(  # type: ignore[no-untyped-call]
        values=topo,
        format=alt.DataFormat(type="topojson", feature="states"),  # type: ignore[no-untyped-call]
    )
    fips = reference.us_states()["state_fips"]
    visited = sorted(
        {str(fips[code]) for code in data.get("state", pd.Series(dtype=str)) if code in fips.index}
    )
    visited_frame = pd.DataFrame({"id": visited, "visited": "yes"})
    land = (
        alt.Chart(states)
        .mark_geoshape(stroke="white", strokeWidth=0.7, clip=True)
        .transform_lookup(
            lookup="id", from_=alt.LookupData(visited_frame, "id", ["visited"]), default="no"
        )
        .encode(
            color=alt.Color(
                "visited:N",
                scale=alt.Scale(domain=["yes", "no"], range=["#d6e4f0", LAND]),
                legend=None,
            ),
            tooltip=[alt.Tooltip("properties.name:N", title="State")],
        )
    )
    route = (
        alt.Chart(data)
        .mark_line(color=ACCENT, strokeWidth=1.5, opacity=0.8, clip=True)
        .encode(longitude="lon:Q", latitude="lat:Q", order="order:Q")
    )
    tooltip = [
        alt.Tooltip("order:Q", title="Stop"),
        alt.Tooltip("city:N", title="City"),
        *([alt.Tooltip("state:N", title="State")] if "state" in data else []),
        *([alt.Tooltip("date:N", title="Date")] if "date" in data else []),
        alt.Tooltip("expected_attendees:Q", title="Expected attendees", format=",.0f"),
    ]
    points = (
        alt.Chart(data)
        .mark_circle(color=BAR_COLOUR, opacity=0.9, stroke="white", strokeWidth=1, clip=True)
        .encode(
            longitude="lon:Q",
            latitude="lat:Q",
            size=alt.Size(
                "expected_attendees:Q",
                title="Expected attendees",
                scale=alt.Scale(range=[40, 260], zero=False),
                legend=alt.Legend(orient="bottom", title="Expected attendees", format=",.0f"),
            ),
            tooltip=tooltip,
        )
    )
    fit = _fit_feature(data)
    projection: dict[str, Any] = {"type": "albersUsa"}
    if fit is not None:
        projection["fit"] = fit
    return _stack(land, route, points, height=380, projection=alt.Projection(**projection))


def states_bars(states: pd.DataFrame) -> Chart:
    """Stops per group (state, region or division) against its fair share, as a tick."""
    _require(states, ["group", "stops", "fair_share"], "states")
    data = states.copy()
    order = data.sort_values(["stops", "fair_share"], ascending=False)["group"].tolist()
    tooltip = [
        alt.Tooltip("group:N", title="Group"),
        alt.Tooltip("stops:Q", title="Stops"),
        alt.Tooltip("fair_share:Q", title="Fair share", format=".2f"),
    ]
    for column, title in (("floor", "Floor"), ("cap", "Cap"), ("candidates", "Candidate cities")):
        if column in data.columns:
            data[column] = data[column].astype("Float64")
            tooltip.append(alt.Tooltip(f"{column}:Q", title=title))
    base = alt.Chart(data).encode(
        y=alt.Y("group:N", sort=order, title=None, axis=alt.Axis(labelLimit=160)),
        tooltip=tooltip,
    )
    bars = base.mark_bar(color=BAR_COLOUR).encode(
        x=alt.X("stops:Q", title="Stops (tick: fair share)", axis=alt.Axis(tickMinStep=1))
    )
    ticks = base.mark_tick(color="black", thickness=2, size=ROW_HEIGHT - 4).encode(x="fair_share:Q")
    return _stack(bars, ticks, height=_height(len(data)))


def reach_bars(reach: pd.DataFrame) -> Chart:
    """People trained per audience (median, P10-P90) and, where known, reaching the outcome."""
    _require(reach, ["name", "trained_p10", "trained_p50", "trained_p90"], "reach")
    frames = [
        pd.DataFrame(
            {
                "name": reach["name"],
                "measure": "Trained",
                "p10": reach["trained_p10"],
                "p50": reach["trained_p50"],
                "p90": reach["trained_p90"],
                "outcome": "",
            }
        )
    ]
    if {"outcome_p10", "outcome_p50", "outcome_p90"} <= set(reach.columns):
        known = reach.loc[reach["outcome_p50"].notna()]
        if len(known):
            frames.append(
                pd.DataFrame(
                    {
                        "name": known["name"],
                        "measure": "Reached the outcome",
                        "p10": known["outcome_p10"],
                        "p50": known["outcome_p50"],
                        "p90": known["outcome_p90"],
                        "outcome": known.get("outcome", ""),
                    }
                )
            )
    data = pd.concat(frames, ignore_index=True)
    data["outcome"] = data["outcome"].fillna("")
    order = reach.sort_values("trained_p50", ascending=False)["name"].tolist()
    measures = [m for m in ("Trained", "Reached the outcome") if m in set(data["measure"])]
    top = float(data["p90"].max()) if len(data) else 1.0
    base = alt.Chart(data).encode(
        y=alt.Y("name:N", sort=order, title=None, axis=alt.Axis(labelLimit=150)),
        yOffset=alt.YOffset("measure:N", sort=measures),
        tooltip=[
            alt.Tooltip("name:N", title="Audience"),
            alt.Tooltip("measure:N", title="Count"),
            alt.Tooltip("p50:Q", title="Median", format=",.0f"),
            alt.Tooltip("p10:Q", title="P10", format=",.0f"),
            alt.Tooltip("p90:Q", title="P90", format=",.0f"),
            alt.Tooltip("outcome:N", title="Outcome"),
        ],
    )
    bars = base.mark_bar().encode(
        x=alt.X(
            "p50:Q",
            title="People (median, P10-P90)",
            scale=alt.Scale(domain=[0, top * 1.2 or 1]),
        ),
        color=alt.Color(
            "measure:N",
            scale=alt.Scale(domain=measures, range=[BAR_COLOUR, "#54a24b"][: len(measures)]),
            legend=_legend(None),
        ),
    )
    whiskers = base.mark_rule(color="black").encode(x="p10:Q", x2="p90:Q")
    labels = base.mark_text(align="left", dx=4, fontSize=11).encode(
        x="p90:Q", text=alt.Text("p50:Q", format=",.0f")
    )
    rows = len(reach) * (2 if len(frames) > 1 else 1)
    return _stack(bars, whiskers, labels, height=_height(rows, legend=True) + 10 * len(reach))
