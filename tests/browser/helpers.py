"""Waiting for Streamlit in a real browser, and the pages the browser tier visits."""

from __future__ import annotations

import time
from dataclasses import dataclass
from pathlib import Path

SCRIPT_IDLE = '[data-testid="stApp"][data-test-script-state="notRunning"]'
EXCEPTION = '[data-testid="stException"]'
CHART = ".vega-embed svg, .vega-embed canvas"
SCROLLERS = '[data-testid="stMain"], [data-testid="stMainBlockContainer"], [data-testid="stSidebarContent"]'
MAP_CANVAS = '[data-testid="stDeckGlJsonChart"] canvas'


@dataclass(frozen=True)
class AppPage:
    """A page: its URL path (the page file's stem), title, and the element that shows it rendered."""

    name: str
    path: str
    title: str
    main: str


PAGES = (
    AppPage("overview", "/", "Benefits realisation", CHART),
    AppPage("trajectories", "/trajectories", "Trajectories", CHART),
    AppPage("variation", "/variation", "Variation", CHART),
    AppPage("map", "/map", "Map", MAP_CANVAS),
    AppPage("care_homes", "/care_homes", "Care homes", CHART),
    AppPage("about", "/about", "About the KPIs", '[data-testid="stExpander"]'),
    AppPage("finance", "/finance", "Finance and activity", CHART),
    AppPage("delivery", "/delivery", "Delivery", CHART),
    AppPage("risks", "/risks", "Risks", CHART),
    AppPage("data", "/data", "Data", '[data-testid="stFileUploader"], [data-testid="stTabs"], h1'),
)


def wait_until_idle(page: object, *, timeout_s: float = 90.0, settle_ms: int = 600) -> None:
    """Wait until the script run has finished (and stays finished) and the "Running..." widget is gone."""
    deadline = time.monotonic() + timeout_s
    while True:
        page.wait_for_selector(SCRIPT_IDLE, state="attached", timeout=timeout_s * 1000)
        page.wait_for_timeout(settle_ms)
        running = page.locator('[data-testid="stStatusWidget"]').filter(has_text="Running")
        if page.locator(SCRIPT_IDLE).count() == 1 and running.count() == 0:
            return
        if time.monotonic() > deadline:
            raise TimeoutError("the Streamlit script did not finish running")


def open_page(page: object, base: str, path: str, query: str = "") -> None:
    """Load ``path`` (with an optional ``?query``) and wait for the run to finish."""
    page.goto(f"{base}{path}{'?' + query if query else ''}", wait_until="domcontentloaded", timeout=90_000)
    wait_until_idle(page)


def screenshot(page: object, folder: Path, name: str) -> Path:
    """A screenshot of the whole page, as a person would see it scrolled through (the main area is tall)."""
    folder.mkdir(parents=True, exist_ok=True)
    height = page.evaluate(
        f"() => Math.max(...[...document.querySelectorAll('{SCROLLERS}')].map(e => e.scrollHeight),"
        " document.body.scrollHeight)"
    )
    size = page.viewport_size
    page.set_viewport_size({"width": size["width"], "height": min(max(int(height) + 40, size["height"]), 8000)})
    page.wait_for_timeout(800)  # charts re-lay out to the new size
    path = folder / f"{name}.png"
    page.screenshot(path=str(path), full_page=True)
    page.set_viewport_size(size)
    return path
