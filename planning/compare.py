"""Plans side by side: what the Compare page draws, worked out from the plans alone.

:func:`summary_figures` gives the summary figures every plan reports, with their units and
the difference of each plan from the first; amounts in different currencies are marked
:data:`MIXED_CURRENCIES` and have no difference. :func:`seats_by_region` lays the seats
(stops by state group, for roadshows) over the union of regions, and
:func:`cumulative_spend` the median spend by programme month with each plan's budget.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Final

import pandas as pd

from planning.plan import Plan

MIXED_CURRENCIES: Final = "mixed currencies"


@dataclass(frozen=True)
class Figures:
    """The summary figures every plan reports: unit, and value per plan label, in order."""

    units: dict[str, str]
    values: dict[str, dict[str, float]]

    def comparable(self, figure: str) -> bool:
        """Whether the figure can be subtracted across the plans (one currency, if money)."""
        return self.units[figure] != MIXED_CURRENCIES

    def difference(self, figure: str, label: str, first: str) -> float:
        """How far the plan ``label``'s figure is from the plan ``first``'s."""
        return self.values[label][figure] - self.values[first][figure]


def summary_figures(plans: Mapping[str, Plan]) -> Figures:
    """The figures of the first plan's summary that every plan has, by plan label."""
    summaries = {
        label: dict(
            zip(plan.tables["summary"]["figure"], plan.tables["summary"]["value"], strict=True)
        )
        for label, plan in plans.items()
    }
    first_plan = next(iter(plans.values()))
    first = first_plan.tables["summary"]
    shared = [name for name in first["figure"] if all(name in s for s in summaries.values())]
    one_currency = len({plan.scenario.currency for plan in plans.values()}) == 1
    units = {}
    for name, unit in zip(first["figure"], first["unit"].astype(str), strict=True):
        if name in shared:
            money = unit == first_plan.scenario.currency
            units[name] = unit if one_currency or not money else MIXED_CURRENCIES
    values = {
        label: {name: float(summary[name]) for name in shared}
        for label, summary in summaries.items()
    }
    return Figures(units, values)


def seats_by_region(plans: Mapping[str, Plan]) -> pd.DataFrame:
    """Seats (stops by state group, for roadshows) by region and plan, over their union.

    A long table: ``region`` (display name), ``scenario`` (plan label), ``seats`` and
    ``present`` (False, with 0 seats, where the region is not in that plan).
    """
    frames = []
    for label, plan in plans.items():
        if plan.scenario.kind == "roadshow":
            table = plan.tables["states"]
            frame = pd.DataFrame({"region": table["group"], "seats": table["stops"]})
        else:
            table = plan.tables["seats"]
            frame = pd.DataFrame({"region": table["name"], "seats": table["seats"]})
        frames.append(frame.assign(scenario=label))
    wide = pd.concat(frames, ignore_index=True).pivot_table(
        index="region", columns="scenario", values="seats", aggfunc="first", sort=False
    )
    seats = wide.reset_index().melt(id_vars="region", var_name="scenario", value_name="seats")
    seats["present"] = seats["seats"].notna()
    seats["seats"] = seats["seats"].fillna(0).astype(int)
    return seats


def cumulative_spend(plans: Mapping[str, Plan]) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Median cumulative spend by programme month, and each plan's budget.

    Returns ``(spend, budgets)``: spend has ``scenario``, ``programme_month`` (1 = the
    plan's first month), ``month`` and ``cumulative_p50``; budgets has ``scenario`` and
    ``budget``.
    """
    spend = pd.concat(
        [
            pd.DataFrame(
                {
                    "scenario": label,
                    "programme_month": range(1, len(plan.tables["budget_by_month"]) + 1),
                    "month": plan.tables["budget_by_month"]["month"].astype(str),
                    "cumulative_p50": plan.tables["budget_by_month"]["cumulative_p50"],
                }
            )
            for label, plan in plans.items()
        ],
        ignore_index=True,
    )
    budgets = pd.DataFrame(
        {
            "scenario": list(plans),
            "budget": [plan.summary_value("budget") for plan in plans.values()],
        }
    )
    return spend, budgets
