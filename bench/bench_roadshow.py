"""Benchmark: choose and route a 50-stop tour out of the US cities of 100,000+ people.

Target: choosing the 50 stops (fair spread over the Census divisions, then cities by size
and spread) and routing them (nearest neighbour, 2-opt, or-opt and the 1-tree bound)
takes under 200 ms. Also reported: the same for the 30-stop tour extended to 50 (which
chooses the base tour first), the route's gap to its lower bound, and, for information,
the whole plan with its 10,000-draw simulation.

Run: ``python bench/bench_roadshow.py``
"""

from __future__ import annotations

import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench.timing import timed, verdict  # noqa: E402
from planning.roadshow import (  # noqa: E402
    StopChoice,
    candidate_cities,
    choose_stops,
    plan_tour,
    resolve_city,
)
from planning.route import Route, route  # noqa: E402
from planning.scenario import Scenario, load_scenario, scenario_from_dict  # noqa: E402

TARGET_MS = 200.0
REPEATS = 15


def _fifty_stops(base: Scenario) -> Scenario:
    """The Community Boost scenario with 50 stops from the start (no extension)."""
    data = base.model_dump(mode="json", exclude_none=True)
    data["cohort"]["seats"] = 50
    data["roadshow"].pop("extend_to", None)
    return scenario_from_dict(data)


def _choose_and_route(scenario: Scenario, stops: int | None) -> tuple[StopChoice, Route]:
    choice = choose_stops(scenario, stops)
    ids = choice.chosen["city_id"].tolist()
    assert scenario.roadshow is not None
    first = resolve_city(scenario.roadshow.required[0]) if scenario.roadshow.required else None
    start = ids.index(first) if first in ids else 0
    found = route(
        choice.chosen["latitude"].to_numpy(), choice.chosen["longitude"].to_numpy(), start=start
    )
    return choice, found


def _report(label: str, times: tuple[float, float], target: float | None) -> None:
    """Print the best and median of ``times`` (seconds) in ms, with the verdict on ``target``."""
    best, median = (value * 1000.0 for value in times)
    result = "" if target is None else f"  target < {target:.0f} ms: {verdict(median, target)}"
    print(f"{label:<44} median {median:7.1f} ms  best {best:7.1f} ms{result}")


def main() -> int:
    boost = load_scenario(ROOT / "scenarios" / "community_boost_2018.yaml")
    fifty = _fifty_stops(boost)
    candidates = len(candidate_cities(fifty))
    print(f"Candidates: {candidates} US cities (min_population 100,000, five pinned)")

    direct = timed(lambda: _choose_and_route(fifty, None), REPEATS, warm_up=True)
    _report("choose + route 50 stops", direct, TARGET_MS)
    extension = timed(lambda: _choose_and_route(boost, 50), REPEATS, warm_up=True)
    _report("choose + route 30 extended to 50 stops", extension, TARGET_MS)
    choose_only = timed(lambda: choose_stops(fifty), REPEATS, warm_up=True)
    _report("  of which choosing 50 stops", choose_only, None)

    choice, found = _choose_and_route(fifty, None)
    print(
        f"Route of {choice.stops} stops: {found.length_km:,.0f} km (nearest neighbour "
        f"{found.nearest_neighbour_km:,.0f} km), lower bound {found.lower_bound_km:,.0f} km, "
        f"gap {found.gap:.2%}"
    )
    _, base_route = _choose_and_route(boost, None)
    print(
        f"Route of the 30-stop base tour: {base_route.length_km:,.0f} km, gap {base_route.gap:.2%}"
    )

    plan = timed(lambda: plan_tour(boost), 5, warm_up=True)
    draws = boost.simulation.draws
    _report(f"whole plan, 30 stops, {draws:,} draws (info)", plan, None)
    return 0 if direct[1] * 1000.0 < TARGET_MS else 1


if __name__ == "__main__":
    sys.exit(main())
