"""Every page in headless Chromium: it runs without an exception, its main chart or map is drawn, and a person
would see it as the screenshot in reports/screenshots/ shows."""

from __future__ import annotations

import pytest

from tests.browser.conftest import SCREENSHOTS
from tests.browser.helpers import EXCEPTION, PAGES, open_page, screenshot

pytestmark = pytest.mark.browser

# Nothing may leave the machine: no map tiles, no fonts, no favicon (app.py uses a local file), no telemetry.


@pytest.mark.parametrize("target", PAGES, ids=[p.name for p in PAGES])
def test_page_renders_its_chart_without_an_exception(page, app_url, target):
    open_page(page, app_url, target.path)
    page.wait_for_selector(target.main, state="visible", timeout=60_000)
    assert page.locator("h1").first.inner_text().strip().startswith(target.title)
    assert page.locator(EXCEPTION).count() == 0, page.locator(EXCEPTION).first.inner_text()
    screenshot(page, SCREENSHOTS, target.name)
    assert page.external_requests == [], f"requests left the machine: {page.external_requests[:5]}"
