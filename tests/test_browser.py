"""The journeys users take, in the real app, in headless Chromium (Playwright).

One server for the module (``streamlit run app.py`` on a free port, with a scenario library
in a temporary folder) and a fresh browser context per journey:

1. A designer opens Design, changes the seats, sees the headline follow, and saves the
   built-in scenario as a copy from the sidebar, then opens the Share box's link.
2. An executive opens a link to a built-in version in the executive view, sees the summary,
   and finds no control to edit with.
3. Operations download the seats CSV from Export and get the plan's seats.

The module is skipped, with the reason, when no Chromium is installed; it never downloads
a browser. Every wait is bounded.
"""

from __future__ import annotations

import io
import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pandas as pd
import pytest

from planning.plan import build_plan
from planning.scenario import load_scenario, replace
from planning.store import Library

from .browser_support import ROOT, chromium_path, launch_chromium, running_app, wait_idle

CHROMIUM = chromium_path()
if CHROMIUM is None:
    pytest.skip(
        "no Chromium at /usr/bin/chromium or on PATH: install Debian's chromium package to "
        "run the browser journeys",
        allow_module_level=True,
    )
sync_api = pytest.importorskip("playwright.sync_api", reason="the playwright package is missing")

pytestmark = [pytest.mark.browser, pytest.mark.slow]

SCENARIO = "community_accelerator_2022"
ACTION_TIMEOUT_MS = 15_000
VIEWPORT = {"width": 1280, "height": 800}
# Streamlit's own furniture: help icons, chart and table toolbars, the sidebar's collapse
# button. Anything else a reader could press or type into is an editing control.
CHROME = ("stTooltipIcon", "stElementToolbar", "stSidebarHeader", "stSidebarCollapseButton")
CONTROLS = (
    "input, textarea, select, button, a[download], [contenteditable='true'], "
    "[role='combobox'], [role='slider'], [role='checkbox'], [role='radio'], [role='switch'], "
    "[role='spinbutton'], [role='textbox']"
)


@pytest.fixture(scope="module")
def library(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return tmp_path_factory.mktemp("library")


@pytest.fixture(scope="module")
def base_url(library: Path) -> Iterator[str]:
    with running_app(library) as url:
        yield url


@pytest.fixture(scope="module")
def browser() -> Iterator[Any]:
    assert CHROMIUM is not None
    with sync_api.sync_playwright() as playwright:
        chromium = launch_chromium(playwright, CHROMIUM)
        try:
            yield chromium
        finally:
            chromium.close()


@pytest.fixture
def page(browser: Any) -> Iterator[Any]:
    context = browser.new_context(viewport=VIEWPORT, accept_downloads=True)
    context.set_default_timeout(ACTION_TIMEOUT_MS)
    try:
        yield context.new_page()
    finally:
        context.close()


def _open(page: Any, url: str) -> None:
    page.goto(url, wait_until="domcontentloaded")
    page.wait_for_selector("[data-testid='stApp']", timeout=ACTION_TIMEOUT_MS)
    wait_idle(page)


def _widget(page: Any, key: str) -> Any:
    """The container Streamlit marks with a widget's key (``st-key-`` + the key, dots as -)."""
    return page.locator(f".st-key-{re.sub(r'[^A-Za-z0-9_-]', '-', key)}")


def _metric(page: Any, label: str) -> Any:
    """The value of the headline metric with this label."""
    metric = page.locator("[data-testid='stMetric']").filter(
        has=page.locator("[data-testid='stMetricLabel']", has_text=re.compile(f"^{label}$"))
    )
    return metric.locator("[data-testid='stMetricValue']")


def test_a_designer_changes_seats_and_saves_a_copy(page: Any, base_url: str, library: Path) -> None:
    expect = sync_api.expect
    _open(page, base_url)
    page.locator("[data-testid='stSidebarNav'] a").filter(has_text="Design").click()
    wait_idle(page)
    expect(page.locator("[data-testid='stMain'] h1")).to_have_text("Design")
    expect(_metric(page, "Seats")).to_have_text("80")

    seats = _widget(page, "design.cohort.seats").locator("input")
    seats.fill("60")
    seats.press("Enter")
    wait_idle(page)
    expect(_metric(page, "Seats")).to_have_text("60")
    # The rest of the headline follows the core: 60 seats give this Gallagher index.
    edited = replace(load_scenario(ROOT / "scenarios" / f"{SCENARIO}.yaml"), {"cohort.seats": 60})
    gallagher = build_plan(edited).summary_value("gallagher")
    expect(_metric(page, "Gallagher index")).to_have_text(f"{gallagher:.2f}")

    message = _widget(page, "sidebar.message").locator("input")
    if not message.is_visible():
        page.locator("[data-testid='stSidebar'] [data-testid='stExpander'] summary").filter(
            has_text="Save"
        ).click()
    message.fill("fewer seats")
    message.press("Enter")
    wait_idle(page)
    save = _widget(page, "sidebar.save").locator("button")
    expect(save).to_have_text(re.compile("Save as a copy"))
    expect(save).to_be_enabled()
    save.click()
    wait_idle(page)

    copy = f"{SCENARIO}-copy"
    # The sidebar now shows the copy's first version (the toast saying so fades away).
    version = _widget(page, "sidebar.version").locator("input")
    expect(version).to_have_value(re.compile(r"^v1 · .* · fewer seats$"))
    history = Library(library).history(copy)
    assert [(version.number, version.message) for version in history] == [(1, "fewer seats")]
    assert Library(library).load(copy) == edited

    # ... and shares it: the Share box gives a link that opens the copy, read-only.
    page.locator("[data-testid='stSidebar'] [data-testid='stExpander'] summary").filter(
        has_text="Share"
    ).click()
    wait_idle(page)
    link = page.locator("[data-testid='stSidebar'] [data-testid='stCode'] code").inner_text()
    assert link.strip() == f"{base_url}/?scenario={copy}&version=1&view=exec"
    viewer = page.context.new_page()
    _open(viewer, link.strip())
    expect(viewer.locator("[data-testid='stMain'] h1")).to_have_text("Executive view")
    expect(_metric(viewer, "Seats")).to_have_text("60")


def _controls(page: Any, scope: str) -> list[str]:
    """Controls in a part of the page that are not Streamlit's own furniture."""
    chrome = ", ".join(f"[data-testid='{testid}']" for testid in CHROME)
    found: list[str] = page.locator(f"{scope} :is({CONTROLS})").evaluate_all(
        """(elements, chrome) => elements
            .filter(element => !element.closest(chrome))
            .map(element => element.outerHTML.slice(0, 120))""",
        chrome,
    )
    return found


def test_an_executive_reads_without_editing(page: Any, base_url: str) -> None:
    expect = sync_api.expect
    _open(page, f"{base_url}/?scenario={SCENARIO}&version=1&view=exec")
    scenario = load_scenario(ROOT / "scenarios" / f"{SCENARIO}.yaml")
    plan = build_plan(scenario)
    expect(page.locator("[data-testid='stMain'] h1")).to_be_visible()
    expect(_metric(page, "Seats")).to_have_text(f"{scenario.cohort.seats}")
    expect(_metric(page, "Regions")).to_have_text(f"{len(scenario.regions)}")
    expect(_metric(page, "Gallagher index")).to_have_text(f"{plan.summary_value('gallagher'):.2f}")
    # Give the charts a moment to draw, as their toolbars are drawn with them.
    page.wait_for_timeout(500)
    assert _controls(page, "[data-testid='stMain']") == []
    assert _controls(page, "[data-testid='stSidebar']") == []
    navigation = page.locator("[data-testid='stSidebarNav']").inner_text()
    assert "Design" not in navigation


def test_operations_download_the_seats_csv(page: Any, base_url: str) -> None:
    _open(page, f"{base_url}/export")
    button = _widget(page, "export.csv.seats").locator("button, a").first
    with page.expect_download(timeout=ACTION_TIMEOUT_MS) as download_info:
        button.click()
    download = download_info.value
    assert download.suggested_filename.endswith("seats.csv")
    path = download.path()
    assert path is not None
    seats = pd.read_csv(io.BytesIO(Path(path).read_bytes()), keep_default_na=False)
    scenario = load_scenario(ROOT / "scenarios" / f"{SCENARIO}.yaml")
    assert int(seats["seats"].sum()) == scenario.cohort.seats
    assert len(seats) == len(scenario.regions)


@pytest.mark.parametrize(
    ("path", "title", "scenario"),
    [
        ("/design", "Design", SCENARIO),
        ("/executive?scenario=community_boost_2018&version=1&view=exec", "Executive view", None),
    ],
    ids=["design", "executive link"],
)
def test_a_deep_link_to_a_fresh_server_opens_the_app(
    browser: Any, tmp_path: Path, path: str, title: str, scenario: str | None
) -> None:
    # Until app.py first runs, Streamlit treats pages/ as a folder-based multipage app and
    # would run the page alone (no sidebar, no link handling): navigation.inside_app() stops it.
    expect = sync_api.expect
    context = browser.new_context(viewport=VIEWPORT)
    context.set_default_timeout(ACTION_TIMEOUT_MS)
    try:
        with running_app(tmp_path / "library") as url:
            page = context.new_page()
            _open(page, f"{url}{path}")
            expect(page.locator("[data-testid='stMain'] h1")).to_have_text(title)
            navigation = page.locator("[data-testid='stSidebarNav']").inner_text()
            assert "app" not in navigation.split()
            if scenario is not None:
                # The editing app: its sidebar, on the default scenario.
                expect(_widget(page, "sidebar.scenario")).to_be_visible(timeout=3_000)
                assert "Home" in navigation
            else:
                # The link was read: the tour it names, read-only.
                expect(_metric(page, "Stops")).to_have_text("30")
                assert "Design" not in navigation
                assert _controls(page, "[data-testid='stMain']") == []
    finally:
        context.close()
