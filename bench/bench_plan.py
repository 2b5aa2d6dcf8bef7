"""Benchmark of a whole plan (build_plan) and of the command line's ``run``, against targets.

Run on purpose, not with the tests: ``python bench/bench_plan.py``.

Targets (third edition, ``scenarios/community_accelerator_2022.yaml``: 24 regions, 5
tracks, 10,000 draws)
- ``build_plan`` under 100 ms, cold (the simulation's draw cache emptied first with
  ``planning.simulate.clear_draw_cache``) and warm (the same plan again).
- ``python -m planning run SCENARIO --out DIR`` end to end, interpreter start and imports
  included, under 2 s.
- A 20 x 20 sensitivity sweep at 2,000 draws per point, every point re-planned in full
  (seats, grants, simulation: ``planning.plan.plan_metrics``), under 2 s: total budget x
  seats and grant cap x seats, the sweeps a designer runs on the Simulation page.

Also printed, for reference: the exports (CSV, zip, xlsx) of the plan, and the heaviest
imports of the command line (``python -X importtime``), which dominate its start-up.

Times are the best of several runs (the least disturbed by other work on the machine);
the medians are printed beside them.
"""

from __future__ import annotations

import datetime as dt
import os
import re
import subprocess
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench.timing import timed, verdict  # noqa: E402
from planning.export import plan_to_csv, plan_to_xlsx, plan_to_zip  # noqa: E402
from planning.plan import build_plan  # noqa: E402
from planning.scenario import load_scenario  # noqa: E402
from planning.simulate import clear_draw_cache  # noqa: E402

SCENARIO = ROOT / "scenarios" / "community_accelerator_2022.yaml"
DRAWS = 10_000
TARGET_PLAN_MS = 100.0
TARGET_CLI_S = 2.0
WHEN = dt.datetime(2024, 1, 1, tzinfo=dt.UTC)


def report(label: str, best: float, median: float, target: float | None, unit: str) -> None:
    scale, digits = (1000.0, 1) if unit == "ms" else (1.0, 2)
    line = (
        f"{label:<44} best {best * scale:8.{digits}f} {unit}  "
        f"median {median * scale:8.{digits}f} {unit}"
    )
    if target is not None:
        line += f"  target {target:6.1f} {unit}  {verdict(best * scale, target)}"
    print(line)


def bench_build_plan() -> None:
    scenario = load_scenario(SCENARIO)
    build_plan(scenario, draws=DRAWS)  # first call: lazy loads (reference data, tables)

    def cold() -> object:
        clear_draw_cache()
        return build_plan(scenario, draws=DRAWS)

    best, median = timed(cold, repeat=15)
    report(f"build_plan, {DRAWS:,} draws, cold cache", best, median, TARGET_PLAN_MS, "ms")
    build_plan(scenario, draws=DRAWS)
    best, median = timed(lambda: build_plan(scenario, draws=DRAWS), repeat=15)
    report(f"build_plan, {DRAWS:,} draws, warm cache", best, median, TARGET_PLAN_MS, "ms")

    plan = build_plan(scenario, draws=DRAWS)
    for label, function in (
        ("plan_to_csv (every table)", lambda: plan_to_csv(plan)),
        ("plan_to_zip (bundle)", lambda: plan_to_zip(plan, exported_at=WHEN)),
        ("plan_to_xlsx (workbook)", lambda: plan_to_xlsx(plan)),
    ):
        best, median = timed(function, repeat=10)
        report(label, best, median, None, "ms")


def bench_cli() -> None:
    command = [sys.executable, "-m", "planning", "run", str(SCENARIO), "--draws", str(DRAWS)]
    with tempfile.TemporaryDirectory() as folder:
        runs = iter(range(1_000))

        def run_once() -> object:
            out = Path(folder) / f"run{next(runs)}"
            result = subprocess.run(
                [*command, "--out", str(out)], cwd=ROOT, capture_output=True, check=False
            )
            if result.returncode != 0:
                raise SystemExit(f"run failed: {result.stderr.decode()}")
            return result

        run_once()  # warm the file cache and the bytecode cache
        best, median = timed(run_once, repeat=7)
        report("python -m planning run (end to end)", best, median, TARGET_CLI_S, "s")
        best, median = timed(
            lambda: subprocess.run(
                [sys.executable, "-c", "pass"], capture_output=True, check=False
            ),
            repeat=7,
        )
        report("  of which: bare interpreter start", best, median, None, "s")


IMPORT_LINE = re.compile(r"import time:\s+(\d+) \|\s+(\d+) \|( *)(\S+)")


def bench_imports(top: int = 12) -> None:
    """The heaviest imports of the command line, cumulative, from ``python -X importtime``."""
    code = "import planning.cli, planning.plan, planning.export"
    env = {**os.environ, "PYTHONDONTWRITEBYTECODE": "1"}
    result = subprocess.run(
        [sys.executable, "-X", "importtime", "-c", code],
        cwd=ROOT,
        capture_output=True,
        text=True,
        check=False,
        env=env,
    )
    rows = []
    for line in result.stderr.splitlines():
        match = IMPORT_LINE.match(line)
        if match:
            depth = len(match.group(3)) // 2
            rows.append((int(match.group(2)), depth, match.group(4)))
    total = sum(cumulative for cumulative, depth, _ in rows if depth == 0)
    print(f"imports of the command line: {total / 1e6:.2f} s in all (cumulative, top level)")
    shown = sorted((row for row in rows if row[1] <= 3), reverse=True)[:top]
    for cumulative, depth, name in shown:
        print(f"  {cumulative / 1e3:8.1f} ms  {'  ' * depth}{name}")


def bench_sweeps() -> None:
    """Two 20 x 20 sweeps through the full plan, common random numbers, 2,000 draws."""
    import numpy as np

    from planning.plan import plan_metrics
    from planning.sensitivity import sweep

    scenario = load_scenario(SCENARIO)
    simulation = scenario.simulation.model_copy(update={"draws": 2_000})
    scenario = scenario.model_copy(update={"simulation": simulation})
    seats = ("cohort.seats", [float(v) for v in range(60, 100, 2)])
    grids = {
        "total budget x seats": ("budget.total", [float(v) for v in np.linspace(2.4e6, 4e6, 20)]),
        "grant cap x seats": ("budget.grant_cap", [float(v) for v in np.linspace(3e4, 4.9e4, 20)]),
    }
    for label, x in grids.items():

        def run(x: tuple[str, list[float]] = x) -> object:
            return sweep(scenario, plan_metrics, x, seats, "spend_p50")

        best, median = timed(run, 3)
        report(f"sweep 20 x 20, {label}", best, median, 2.0, "s")


def main() -> None:
    print(f"scenario: {SCENARIO.name}; python {sys.version.split()[0]}")
    bench_build_plan()
    bench_cli()
    bench_sweeps()
    bench_imports()


if __name__ == "__main__":
    main()
