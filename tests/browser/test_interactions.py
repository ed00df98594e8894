"""Behaviour a person relies on in the browser: links with filters, a map click that filters every page, and
exports that download with their provenance."""

from __future__ import annotations

import re
from urllib.parse import parse_qs, urlparse

import pytest

from tests.browser.helpers import CHART, EXCEPTION, MAP_CANVAS, open_page, wait_until_idle

pytestmark = pytest.mark.browser

AE = "A&E attendances per 1,000 patients"


def _sidebar_select(page, label: str) -> str:
    """The option a sidebar selectbox shows ("" when it shows its placeholder)."""
    return page.locator('[data-testid="stSidebar"]').get_by_role("combobox", name=label, exact=True).input_value()


def _subheader(page) -> str:
    return page.locator('[data-testid="stHeadingWithActionElements"] h3').first.inner_text()


@pytest.mark.parametrize(
    ("path", "expected"),
    [
        ("/trajectories", f"{AE}: Enfield"),
        ("/variation", f"{AE}, Mar 2024"),
        ("/map", f"{AE} by PCN, Mar 2024"),
        ("/care_homes", "Enhanced Health in Care Homes: Enfield"),
    ],
)
def test_a_link_with_filters_drives_the_page(page, app_url, path, expected):
    open_page(page, app_url, path, "borough=E09000010&kpi=AE_RATE")
    assert page.locator(EXCEPTION).count() == 0
    assert _subheader(page) == expected
    assert "Enfield" in _sidebar_select(page, "Borough")
    assert AE in _sidebar_select(page, "KPI")
    query = parse_qs(urlparse(page.url).query)
    assert query["borough"] == ["E09000010"] and query["kpi"] == ["AE_RATE"]
    if path == "/variation":
        assert page.get_by_text("Larger outlined points are in Enfield", exact=False).count() == 1


def test_clicking_a_pcn_on_the_map_filters_every_page(page, app_url):
    from playwright.sync_api import TimeoutError as PlaywrightTimeout  # installed where the browser tier runs

    open_page(page, app_url, "/map", "kpi=AE_RATE")
    canvas = page.locator(MAP_CANVAS).first
    canvas.wait_for(state="visible", timeout=60_000)
    page.wait_for_timeout(1500)  # deck.gl draws after the canvas appears
    assert _sidebar_select(page, "Primary Care Network") == ""
    box = canvas.bounding_box()
    # a point may fall on a borough's name or a practice drawn over the PCNs: try the next, as a person would
    for fx, fy in ((0.45, 0.5), (0.4, 0.6), (0.55, 0.42), (0.35, 0.4), (0.6, 0.62), (0.5, 0.3)):
        x, y = box["x"] + box["width"] * fx, box["y"] + box["height"] * fy
        page.mouse.move(x, y)  # deck.gl picks on hover first, as a person's pointer would
        page.wait_for_timeout(500)
        page.mouse.click(x, y)
        try:
            page.wait_for_function("() => new URL(location.href).searchParams.has('pcn')", timeout=8_000)
            break
        except PlaywrightTimeout:
            wait_until_idle(page)
    else:
        pytest.fail("no click on the map selected a PCN")
    wait_until_idle(page)
    chosen = _sidebar_select(page, "Primary Care Network")
    code = re.search(r"\((U\d{5})\)", chosen)
    assert code, chosen
    query = parse_qs(urlparse(page.url).query)
    assert query["pcn"] == [code.group(1)] and query["borough"]  # the borough follows the PCN
    assert page.get_by_text("Outlined in black:", exact=False).count() == 1
    name = chosen.split(" (")[0]
    page.locator('[data-testid="stSidebarNav"] a').filter(has_text="Trajectories").click()
    wait_until_idle(page)
    page.wait_for_selector(CHART, state="visible", timeout=60_000)
    assert _subheader(page) == f"{AE}: {name}"
    assert parse_qs(urlparse(page.url).query)["pcn"] == [code.group(1)]


def _download(page, label: str, nth: int = 0):
    with page.expect_download(timeout=60_000) as info:
        page.locator('[data-testid="stDownloadButton"] button').filter(has_text=label).nth(nth).click()
    download = info.value
    return download.suggested_filename, open(download.path(), "rb").read()


def test_chart_and_map_exports_download_with_provenance(page, app_url):
    open_page(page, app_url, "/variation", "kpi=AE_RATE&borough=E09000010")
    page.wait_for_selector(CHART, state="visible", timeout=60_000)
    name, png = _download(page, "PNG")
    assert name.endswith(".png") and png[:8] == b"\x89PNG\r\n\x1a\n" and len(png) > 10_000
    name, csv = _download(page, "CSV")
    text = csv.decode("utf-8-sig")
    lines = text.splitlines()
    assert name.endswith(".csv")
    assert lines[0] == f"# Funnel: {AE}"
    assert any(line.startswith("# Filters: Area: Enfield") for line in lines)
    assert any("Synthetic demo data" in line for line in lines if line.startswith("#"))
    header = next(i for i, line in enumerate(lines) if not line.startswith("#"))
    assert lines[header].startswith("Code,Area,PCN,Borough")  # headers in words (issue 13)
    assert len(lines) - header - 1 == 180  # every practice

    open_page(page, app_url, "/map", "kpi=AE_RATE")
    page.locator(MAP_CANVAS).first.wait_for(state="visible", timeout=60_000)
    name, png = _download(page, "PNG")
    assert name.startswith("map-") and png[:8] == b"\x89PNG\r\n\x1a\n" and len(png) > 50_000
    name, csv = _download(page, "CSV")
    rows = csv.decode("utf-8-sig").splitlines()
    assert rows[0] == f"# Map: {AE} by PCN"
    assert any("PCN areas: synthetic" in line for line in rows if line.startswith("# Source:"))
    assert sum(1 for line in rows if re.match(r"^U\d{5},", line)) == 30
