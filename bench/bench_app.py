"""Benchmark of the app's responsiveness against its targets.

Run on purpose, not with the tests: ``python bench/bench_app.py`` (``--quick`` for fewer
repeats; ``--no-browser`` to skip the cold start).

Targets
- Rerun after a slider change on the Design page, server side, under 300 ms: the whole
  script (navigation, sidebar, page, plan) run by ``streamlit.testing.v1.AppTest``, timed
  around ``at.run()`` after ``set_value`` on the weight exponent. Each scenario is timed
  on about ten values it has not seen (cache misses: the plan is made) and then on the
  same values again (cache hits: the plan comes from ``st.cache_data``). Medians.
- Cold start under 3 s: from launching ``streamlit run app.py`` to the first page drawn
  in Chromium (script state ``notRunning`` with the headline metrics visible). Chromium
  and a blank tab are open before the clock starts, as a user's browser is; the server's
  own start-up is inside the figure.

The server side does not include the browser's drawing or the websocket; the cold start
does, once.
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

import streamlit as st  # noqa: E402
import streamlit.testing.v1.app_test as app_test_module  # noqa: E402
from streamlit.testing.v1 import AppTest  # noqa: E402

from bench.timing import verdict  # noqa: E402
from planning.scenario import load_scenario  # noqa: E402
from tests.apptest_support import ServerPagesManager  # noqa: E402
from tests.browser_support import (  # noqa: E402
    IDLE,
    chromium_path,
    launch_chromium,
    running_app,
)

TARGET_RERUN_MS = 300.0
TARGET_COLD_START_S = 3.0
SLIDER = "design.cohort.weight_exponent"
BUILTINS = sorted(path.stem for path in (ROOT / "scenarios").glob("*.yaml"))


def _values(current: float, count: int) -> list[float]:
    """``count`` slider positions on the 0.05 grid, none of them the scenario's own."""
    grid = [round(0.05 * step, 2) for step in range(21)]
    return [value for value in grid if abs(value - current) > 1e-9][-count:]


def _timed_run(at: AppTest) -> float:
    start = time.perf_counter()
    at.run()
    elapsed = time.perf_counter() - start
    if at.exception:
        raise RuntimeError(f"the app raised: {at.exception[0].value}")
    return elapsed * 1000.0


def rerun_times(name: str, changes: int) -> tuple[float, float]:
    """Median rerun time (ms) after a slider change: (cache misses, cache hits)."""
    at = AppTest.from_file(str(ROOT / "app.py"), default_timeout=60)
    at.run()
    at.selectbox(key="sidebar.scenario").set_value(name)
    at.run()
    at.switch_page("pages/design.py")
    at.run()
    values = _values(
        load_scenario(ROOT / "scenarios" / f"{name}.yaml").cohort.weight_exponent, changes
    )
    misses, hits = [], []
    for value in values:
        at.slider(key=SLIDER).set_value(value)
        misses.append(_timed_run(at))
    for value in values:
        at.slider(key=SLIDER).set_value(value)
        hits.append(_timed_run(at))
    return statistics.median(misses), statistics.median(hits)


# Streamlit alone, for scale: the same start and the same wait, for an app that draws one
# metric. The machine's own speed moves both figures together.
BARE_APP = 'import streamlit as st\n\nst.metric("Seats", "80")\n'


def cold_start(browser: Any, library: Path, folder: Path = ROOT) -> tuple[float, float, float]:
    """Seconds from launching the server: to health, to the app shell, to the first page drawn.

    The browser tab is open before the clock starts, as a user's is; the app shell is
    Streamlit's own page in the browser, before the script has drawn.
    """
    page = browser.new_page(viewport={"width": 1280, "height": 800})
    try:
        start = time.perf_counter()
        with running_app(library, folder=folder) as url:
            healthy = time.perf_counter() - start
            page.goto(url, wait_until="domcontentloaded", timeout=30_000)
            page.wait_for_selector("[data-testid='stApp']", state="attached", timeout=30_000)
            shell = time.perf_counter() - start
            page.wait_for_selector("[data-testid='stMetricValue']", timeout=30_000)
            page.wait_for_selector(IDLE, state="attached", timeout=30_000)
            return healthy, shell, time.perf_counter() - start
    finally:
        page.close()


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="fewer changes and starts")
    parser.add_argument("--no-browser", action="store_true", help="skip the cold start")
    options = parser.parse_args()
    changes, starts = (4, 1) if options.quick else (10, 5)
    ok = True

    os.chdir(ROOT)
    app_test_module.PagesManager = ServerPagesManager  # type: ignore[misc]
    with tempfile.TemporaryDirectory(prefix="bench-app-") as scratch:
        os.environ["COHORT_PLANNER_LIBRARY"] = str(Path(scratch) / "library")
        os.environ.pop("COHORT_PLANNER_READ_ONLY", None)
        st.cache_resource.clear()
        print(f"Rerun after a slider change ({SLIDER}), median of {changes} values")
        print(f"{'scenario':34} {'cache miss':>12} {'cache hit':>12}   target")
        for name in BUILTINS:
            miss, hit = rerun_times(name, changes)
            ok &= miss < TARGET_RERUN_MS and hit < TARGET_RERUN_MS
            print(
                f"{name:34} {miss:9.0f} ms {hit:9.0f} ms   < {TARGET_RERUN_MS:.0f} ms: "
                f"miss {verdict(miss, TARGET_RERUN_MS)}, hit {verdict(hit, TARGET_RERUN_MS)}"
            )

        executable = chromium_path()
        if options.no_browser:
            print("\nCold start: skipped (--no-browser)")
        elif executable is None:
            print("\nCold start: skipped (no Chromium at /usr/bin/chromium or on PATH)")
        else:
            from playwright.sync_api import sync_playwright

            bare = Path(scratch) / "bare"
            bare.mkdir()
            (bare / "app.py").write_text(BARE_APP, encoding="utf-8")
            with sync_playwright() as playwright:
                browser = launch_chromium(playwright, executable)
                try:
                    times, bare_times = [], []
                    # Interleaved, so both see the machine in the same state.
                    for i in range(starts):
                        times.append(cold_start(browser, Path(scratch) / f"cold-{i}"))
                        bare_times.append(cold_start(browser, Path(scratch) / "bare-lib", bare))
                finally:
                    browser.close()
            median = statistics.median(total for _, _, total in times)
            bare_median = statistics.median(total for _, _, total in bare_times)
            ok &= median < TARGET_COLD_START_S
            runs = ", ".join(
                f"{total:.2f} (server up {up:.2f}, app shell {shell:.2f})"
                for up, shell, total in times
            )
            print(
                f"\nCold start to first page drawn: median {median:.2f} s of {starts}; "
                f"target < {TARGET_COLD_START_S:.0f} s: {verdict(median, TARGET_COLD_START_S)}"
                f"\n  runs, s: {runs}"
                f"\n  Streamlit alone (one metric), same start and wait: median "
                f"{bare_median:.2f} s; the app adds {median - bare_median:.2f} s"
            )
    load = ", ".join(f"{value:.1f}" for value in os.getloadavg())
    print(f"\nMachine: {os.cpu_count()} CPUs, load average {load} (1, 5, 15 min)")
    print("All targets met." if ok else "Some targets missed.")
    return 0 if ok else 1


if __name__ == "__main__":
    raise SystemExit(main())
