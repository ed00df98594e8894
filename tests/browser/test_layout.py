"""Layout in a real browser at a desktop (1440 px) and a phone (390 px) width: no page is wider than the screen,
tables fit at desktop width, chart labels are all drawn (none dropped for overlap, none cut), and a new install
shows progress under the app's own menu while it builds the demo.

Screenshots of every page at both widths are written to reports/screenshots/ (``layout-<page>-<width>.png``).
"""

from __future__ import annotations

import contextlib
import csv
import io
import os
import subprocess
import sys
import time
import urllib.request
from collections.abc import Iterator

import pytest

from tests.browser.conftest import REPO, SCREENSHOTS, STARTUP_SECONDS, _free_port
from tests.browser.helpers import CHART, EXCEPTION, MAP_CANVAS, PAGES, open_page, screenshot, wait_until_idle
from tests.browser.test_realdata_pages import PAGES as REAL_PAGES

pytestmark = pytest.mark.browser

WIDTHS = (1440, 390)
WIDER_THAN_SCREEN = """() => {
    const main = document.querySelector('[data-testid="stMain"]');
    return Math.max(document.documentElement.scrollWidth - document.documentElement.clientWidth,
                    main ? main.scrollWidth - main.clientWidth : 0);
}"""
# Tables whose columns run past their box: st.table's own width, or a data grid's scroller.
# Tables cut off: wider than their box. The integrated summary's tables (a container keyed ``*_wide_tables``) are
# the one deliberate exception: a dozen IPR columns scroll sideways with the KPI column pinned ("fit or scroll").
CUT_TABLES = """() => [
    ...[...document.querySelectorAll('[data-testid="stTable"]')].filter(t => t.scrollWidth > t.clientWidth + 1),
    ...[...document.querySelectorAll('[data-testid="stDataFrame"] .dvn-scroller')]
        .filter(s => !s.closest('[class*="_wide_tables"]'))
        .filter(s => s.scrollWidth > s.clientWidth + 1),
].length"""
# Each axis label of a chart as a person reads it: its lines (tspans) joined by spaces.
AXIS_LABELS = """(chart) => [...chart.querySelectorAll('.role-axis-label text')].map(t => {
    const lines = [...t.querySelectorAll('tspan')].map(s => s.textContent);
    return lines.length ? lines.join(' ') : t.textContent;
})"""


# Every drawn text of a chart -- axis and legend labels, titles, facet headers and text marks -- that Vega shortened
# with an ellipsis (past its limit: "Compared with North Centr…"), that is cut by the chart's edge (more than 3 px: a
# glyph box overhangs by a pixel or two) or that overlaps another text of its own kind (over 15% of the smaller box).
# Texts Vega hid itself (``opacity: 0``: an axis thinning its ticks) are not drawn; charts in a tab not shown (no
# size) are skipped.
TEXT_PROBLEMS = """(chart) => {
    const svg = chart.querySelector('svg');
    if (!svg) return [];
    const box = svg.getBoundingClientRect();
    if (box.width === 0) return [];
    const kinds = {
        'axis label': '.role-axis-label text', 'legend label': '.role-legend-label text',
        'title': '.role-title-text text, .role-axis-title text, .role-legend-title text', 'header': '.role-header text',
        'text mark': '.mark-text:not(.role-title-text):not(.role-axis-title):not(.role-legend-title)'
            + ':not(.role-axis-label):not(.role-legend-label) text',
    };
    const problems = [];
    for (const [kind, selector] of Object.entries(kinds)) {
        const drawn = [...svg.querySelectorAll(selector)].filter(t => t.textContent.trim()
            && !t.closest('[opacity="0"]') && getComputedStyle(t).opacity !== '0')
            .map(t => ({text: t.textContent, r: t.getBoundingClientRect()})).filter(t => t.r.width > 0);
        for (const t of drawn) {
            if (t.text.trim().endsWith('…')) problems.push(`${kind} shortened: ${t.text}`);
            if (t.r.left < box.left - 3 || t.r.right > box.right + 3 || t.r.top < box.top - 3
                || t.r.bottom > box.bottom + 3) problems.push(`${kind} cut: ${t.text}`);
        }
        for (let i = 0; i < drawn.length; i++) for (let j = i + 1; j < drawn.length; j++) {
            const a = drawn[i].r, b = drawn[j].r;
            const w = Math.min(a.right, b.right) - Math.max(a.left, b.left);
            const h = Math.min(a.bottom, b.bottom) - Math.max(a.top, b.top);
            if (w > 1 && h > 1 && w * h > 0.15 * Math.min(a.width * a.height, b.width * b.height))
                problems.push(`${kind}s overlap: ${drawn[i].text} / ${drawn[j].text}`);
        }
    }
    return problems;
}"""
LABELLED_PAGES = [p for p in PAGES if p.name in ("care_homes", "map", "data", "risks", "trajectories", "variation",
                                                 "delivery")]
# the real-data pages that draw charts (the others say that no register or care homes are loaded)
REAL_CHARTED = [p for p in REAL_PAGES if p.name in ("overview", "trajectories", "variation", "map")]
# Diabetes care processes in Barnet: four CHIN/QIST waves marked on its charts, two of them weeks apart
CROWDED_MILESTONES = "kpi=DIAB_8CP&borough=E09000003"


@pytest.fixture(params=WIDTHS, ids=[f"{w}px" for w in WIDTHS])
def sized_page(request, browser) -> Iterator[object]:
    """A fresh page (own Streamlit session) at a desktop or a phone width."""
    context = browser.new_context(viewport={"width": request.param, "height": 900}, accept_downloads=True)
    page = context.new_page()
    yield page
    context.close()


def _labels(page, nth: int) -> list[str]:
    """The axis labels of the page's ``nth`` chart (drawn as SVG, so each label is a text node)."""
    chart = page.locator(".vega-embed").nth(nth)
    chart.locator("svg").wait_for(state="attached", timeout=60_000)
    sized_page_settle = 1000  # the chart re-lays out to its container's width
    chart.page.wait_for_timeout(sized_page_settle)
    return chart.evaluate(AXIS_LABELS)


def _csv_rows(page, key: str) -> list[dict[str, str]]:
    """The rows of a chart's CSV download (export ``key``), column names in lower case; clicked at desktop width,
    after the labels were read at the page's own width."""
    page.set_viewport_size({"width": 1440, "height": 900})
    with page.expect_download(timeout=60_000) as info:
        page.locator(f".st-key-{key}-csv button").first.click()
    with open(info.value.path(), encoding="utf-8-sig") as file:
        text = file.read()
    body = [line for line in text.splitlines() if not line.startswith("#")]
    return [{k.lower(): v for k, v in row.items()} for row in csv.DictReader(io.StringIO("\n".join(body)))]


@pytest.mark.parametrize("target", PAGES, ids=[p.name for p in PAGES])
def test_no_page_is_wider_than_the_screen(sized_page, app_url, target):
    page = sized_page
    open_page(page, app_url, target.path)
    page.wait_for_selector(target.main, state="visible", timeout=60_000)
    page.wait_for_timeout(1000)  # charts lay themselves out to the container
    assert page.locator(EXCEPTION).count() == 0
    width = page.viewport_size["width"]
    screenshot(page, SCREENSHOTS, f"layout-{target.name}-{width}")
    assert page.evaluate(WIDER_THAN_SCREEN) <= 1, f"{target.name} is wider than a {width} px screen"


def _text_problems(page, base: str, path: str, query: str = "", main: str = CHART) -> list[str]:
    """Every cut or overprinted text of every chart on ``path`` (see ``TEXT_PROBLEMS``), at the page's width."""
    open_page(page, base, path, query)
    page.wait_for_selector(main, state="visible", timeout=60_000)
    page.wait_for_timeout(1500)  # charts lay themselves out to the container
    charts = page.locator(".vega-embed")
    return [f"chart {i}: {p}" for i in range(charts.count()) for p in charts.nth(i).evaluate(TEXT_PROBLEMS)]


@pytest.mark.parametrize("target", LABELLED_PAGES, ids=[p.name for p in LABELLED_PAGES])
def test_no_chart_text_is_cut_or_overprinted(sized_page, app_url, target):
    """Every chart on the page, at a desktop and a phone width: no label runs past the chart's edge, and no two
    labels (milestones, cell codes, axis labels, legends) are drawn over each other."""
    page = sized_page
    problems = _text_problems(page, app_url, target.path, main=target.main)
    if target.name != "data":  # the Data page holds tables and uploads, and a chart only when one is loaded
        assert page.locator(".vega-embed").count() > 0
    assert problems == [], f"{target.name} at {page.viewport_size['width']} px: {problems}"


def test_crowded_milestone_labels_are_neither_cut_nor_overprinted(sized_page, app_url):
    """Issue 13: milestones weeks apart (Barnet's CHIN/QIST waves 2 and 3) drew their labels over each other on a
    phone. Each is still named on both charts (a label each, or one shared label with a dated line each)."""
    problems = _text_problems(sized_page, app_url, "/trajectories", CROWDED_MILESTONES)
    texts = sized_page.locator(".vega-embed").nth(0).evaluate(
        "(chart) => [...chart.querySelectorAll('.mark-text text')].map(t => t.textContent)")
    assert problems == [], f"/trajectories?{CROWDED_MILESTONES} at {sized_page.viewport_size['width']} px: {problems}"
    drawn = " ".join(texts)  # a long label wraps onto lines (texts) of its own
    assert all(f"wave {n} live" in drawn for n in (1, 2, 3, 4)), texts


@pytest.mark.parametrize("target", REAL_CHARTED, ids=[p.name for p in REAL_CHARTED])
def test_no_chart_text_is_cut_or_overprinted_on_real_data(sized_page, realdata_app_url, target):
    """The same check on the real-data database (``load-folder`` of the published files as they are): long
    names such as "NHS North Central London Integrated Care Board" and real denominators' titles."""
    problems = _text_problems(sized_page, realdata_app_url, target.path, target.query, target.main)
    assert sized_page.locator(".vega-embed").count() > 0
    assert problems == [], f"real {target.name} at {sized_page.viewport_size['width']} px: {problems}"


def _footprint_edges(page) -> list[str]:
    """The edges of the map's canvas that the drawn footprint touches (its outermost 2 px are not all white)."""
    import numpy as np
    from PIL import Image

    canvas = page.locator(MAP_CANVAS).first
    canvas.wait_for(state="visible", timeout=60_000)
    page.wait_for_timeout(2500)  # deck.gl draws its layers after the canvas appears
    pixels = np.asarray(Image.open(io.BytesIO(canvas.screenshot())).convert("RGB")).astype(int)
    coloured = (255 * 3 - pixels.sum(axis=2)) > 60  # darker than near-white
    edges = {"left": coloured[:, :2], "right": coloured[:, -2:], "top": coloured[:2, :], "bottom": coloured[-2:, :]}
    assert coloured.mean() > 0.05, "the map drew no footprint"
    return [name for name, strip in edges.items() if strip.any()]


@pytest.mark.parametrize("database", ["demo", "realdata"])
def test_the_map_shows_the_whole_footprint(sized_page, request, database):
    """Issue 13: at 390 px the map was cut at its east and west edges (the view was fitted to an 800 px map)."""
    base = request.getfixturevalue("app_url" if database == "demo" else "realdata_app_url")
    open_page(sized_page, base, "/map", "" if database == "demo" else "kpi=QOF_HYP&period=2020-04-01")
    touched = _footprint_edges(sized_page)
    assert touched == [], f"{database} map at {sized_page.viewport_size['width']} px is cut at {touched}"


@pytest.mark.parametrize("path", ["/", "/risks", "/delivery", "/finance"])
def test_tables_fit_at_desktop_width(browser, app_url, path):
    context = browser.new_context(viewport={"width": 1440, "height": 900})
    page = context.new_page()
    try:
        open_page(page, app_url, path)
        page.wait_for_selector(CHART, state="visible", timeout=60_000)
        assert page.evaluate(CUT_TABLES) == 0, f"a table on {path} is cut off at 1440 px"
    finally:
        context.close()


def test_every_milestone_is_labelled_on_the_timeline(sized_page, app_url):
    open_page(sized_page, app_url, "/delivery")
    labels = _labels(sized_page, 0)
    codes = [row["code"] for row in _csv_rows(sized_page, "delivery_timeline")]
    assert len(codes) == 27
    assert [c for c in codes if not any(f"({c})" in label for label in labels)] == []


def test_every_recurrence_bar_is_labelled(sized_page, app_url):
    open_page(sized_page, app_url, "/finance")
    labels = set(_labels(sized_page, 2))  # years, variance, then recurrent and non-recurrent
    rows = _csv_rows(sized_page, "finance_recurrence")
    expected = {f"{r['year']} {r['recurrence'].lower()}" for r in rows}
    assert len(expected) >= 10 and expected <= labels, expected - labels


def test_top_risk_titles_are_whole(sized_page, app_url):
    open_page(sized_page, app_url, "/risks")
    labels = " | ".join(_labels(sized_page, 4))  # two matrix panels, two trend panels, then top risks
    rows = _csv_rows(sized_page, "risk_top")
    assert rows and all(f"{r['risk']} {r['title']}" in labels for r in rows), labels


@contextlib.contextmanager
def _fresh_install(folder) -> Iterator[str]:
    """``streamlit run app.py`` on a database file that does not exist yet (a new install)."""
    port = _free_port()
    env = {**os.environ, "DATABASE_URL": f"sqlite:///{folder / 'new.sqlite'}", "DEMO_ON_EMPTY": "true"}
    log = (folder / "streamlit.log").open("w")
    process = subprocess.Popen(
        [
            sys.executable, "-m", "streamlit", "run", "app.py",
            "--server.port", str(port), "--server.address", "127.0.0.1", "--server.headless", "true",
            "--browser.gatherUsageStats", "false", "--server.fileWatcherType", "none",
        ],
        cwd=REPO, env=env, stdout=log, stderr=subprocess.STDOUT,
    )  # fmt: skip
    base = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + STARTUP_SECONDS
    try:
        while True:
            with contextlib.suppress(OSError), urllib.request.urlopen(f"{base}/_stcore/health", timeout=2) as r:
                if r.status == 200:
                    break
            if process.poll() is not None or time.monotonic() > deadline:
                pytest.fail(f"streamlit did not start: {(folder / 'streamlit.log').read_text()[-2000:]}")
            time.sleep(0.5)
        yield base
    finally:
        process.terminate()
        try:
            process.wait(timeout=15)
        except subprocess.TimeoutExpired:
            process.kill()
        log.close()


def test_a_new_install_shows_progress_under_the_apps_menu(browser, tmp_path):
    with _fresh_install(tmp_path) as base:
        context = browser.new_context(viewport={"width": 1440, "height": 900})
        page = context.new_page()
        try:
            page.goto(base, wait_until="domcontentloaded", timeout=90_000)
            progress = page.get_by_text("Preparing the database", exact=False)
            progress.wait_for(state="visible", timeout=120_000)
            nav = page.locator('[data-testid="stSidebarNav"] a')
            names = [name.strip().splitlines()[-1] for name in nav.all_inner_texts()]  # after the icon's name
            assert "Overview" in names and "app" not in names and "overview" not in names, names
            SCREENSHOTS.mkdir(parents=True, exist_ok=True)
            page.screenshot(path=str(SCREENSHOTS / "layout-first-build.png"))
            wait_until_idle(page, timeout_s=300)
            assert page.locator("h1").first.inner_text().strip() == "Benefits realisation"
            assert progress.count() == 0
        finally:
            context.close()


@pytest.mark.parametrize(("path", "key"), [("/finance", "finance_years"), ("/", "heatmap"), ("/risks", "risk_top")])
def test_exports_carry_only_the_filters_that_apply(page, app_url, path, key):
    open_page(page, app_url, path, "kpi=AE_RATE&period=2024-03-01")
    with page.expect_download(timeout=60_000) as info:
        page.locator(f".st-key-{key}-csv button").first.click()
    with open(info.value.path(), encoding="utf-8-sig") as file:
        filters = next(line for line in file if line.startswith("# Filters:"))
    assert "Period" not in filters and "KPI" not in filters, filters
