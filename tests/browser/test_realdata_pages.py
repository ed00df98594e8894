"""Every page in headless Chromium on the real-data database (``load-folder`` of shared/realdata), at desktop
(1440 px) and phone (390 px) width: no exception, the page's main chart, map or message is there, no "synthetic"
label, and a screenshot of each is saved to reports/screenshots/realdata/ (a CI artefact) to be looked at.

One app server (module-scoped ``realdata_app_url``); pages are visited one after another in one browser context
per width, so the run stays short.
"""

from __future__ import annotations

from dataclasses import dataclass

import pytest

from tests.browser.conftest import SCREENSHOTS
from tests.browser.helpers import CHART, EXCEPTION, MAP_CANVAS, open_page, screenshot

pytestmark = pytest.mark.browser

SHOTS = SCREENSHOTS / "realdata"
WIDTHS = (1440, 390)
ALERT = '[data-testid="stAlert"]'
QOF = "kpi=QOF_HYP&period=2020-04-01"  # hypertension prevalence, QOF 2020-21 (practice values rolled up)


@dataclass(frozen=True)
class RealPage:
    """A page as the real-data tests open it: URL path, query, title, main element and a text it must show."""

    name: str
    path: str
    query: str
    title: str
    main: str
    text: str


PAGES = (
    RealPage("overview", "/", "", "Benefits realisation", CHART, "Published indicators"),
    RealPage("trajectories", "/trajectories", "kpi=AE_4HR", "Trajectories", CHART, "A&E 4-hour performance"),
    RealPage("variation", "/variation", QOF, "Variation", CHART, "Compare boroughs"),
    RealPage("map", "/map", QOF, "Map", MAP_CANVAS, "indicative"),
    RealPage("care_homes", "/care_homes", "", "Care homes", ALERT, "Care homes: none loaded"),
    RealPage("about", "/about", "", "About the KPIs", '[data-testid="stExpander"]', "Published indicators"),
    RealPage("finance", "/finance", "", "Finance and activity", ALERT, "No benefits register is loaded"),
    RealPage("delivery", "/delivery", "", "Delivery", ALERT, "No benefits register is loaded"),
    RealPage("risks", "/risks", "", "Risks", ALERT, "No benefits register is loaded"),
    RealPage("data", "/data", "", "Data", '[data-testid="stFileUploader"], [data-testid="stTabs"]', "Data"),
)


@pytest.mark.parametrize("width", WIDTHS)
def test_every_page_on_the_real_data_database(browser, realdata_app_url, width: int) -> None:
    context = browser.new_context(viewport={"width": width, "height": 1000})
    page = context.new_page()
    problems = []
    try:
        for target in PAGES:
            open_page(page, realdata_app_url, target.path, target.query)
            page.wait_for_selector(target.main, state="visible", timeout=60_000)
            screenshot(page, SHOTS, f"{target.name}_{width}")
            main = page.locator('[data-testid="stMain"]').inner_text()
            if page.locator(EXCEPTION).count():
                problems.append(f"{target.name}: {page.locator(EXCEPTION).first.inner_text()[:300]}")
            if not page.locator("h1").first.inner_text().strip().startswith(target.title):
                problems.append(f"{target.name}: title is {page.locator('h1').first.inner_text()!r}")
            if target.text not in main:
                problems.append(f"{target.name}: {target.text!r} not shown")
            if "synthetic" in main.lower():
                problems.append(f"{target.name}: says 'synthetic' on real data")
    finally:
        context.close()
    assert not problems, problems
