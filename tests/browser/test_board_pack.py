"""Issue 15 item 4: one click on the Overview downloads the board pack PDF of the current view.

The browser opens the Overview filtered to Enfield, clicks *Board pack (PDF)* and reads the downloaded file back:
a PDF whose cover names Enfield with its headline, the data date and the synthetic-data label, and whose every
page carries the provenance footer. The file is kept under ``reports/exports/board-pack/`` (a CI artefact).
"""

from __future__ import annotations

import io
import re
from pathlib import Path

import pypdf
import pytest

from data.demo.spec import SYNTHETIC_LABEL
from tests.browser.conftest import REPO
from tests.browser.helpers import EXCEPTION, open_page

pytestmark = pytest.mark.browser

KEPT = REPO / "reports" / "exports" / "board-pack"


def test_overview_button_downloads_the_borough_pack(page, app_url):
    open_page(page, app_url, "/", "borough=E09000010")
    assert page.locator(EXCEPTION).count() == 0
    headline = page.locator('[data-testid="stHeading"] h3').first.inner_text()
    assert "in Enfield" in headline
    button = page.get_by_role("button", name="Board pack (PDF)")
    button.scroll_into_view_if_needed()
    with page.expect_download(timeout=240_000) as info:  # built on the click: every chart, then the layout
        button.click()
    download = info.value
    # the sidebar's period (the first KPI's newest month) is the pack's: in its name and on its cover
    assert download.suggested_filename == "board-pack_enfield_2024-03.pdf"
    content = Path(download.path()).read_bytes()
    KEPT.mkdir(parents=True, exist_ok=True)
    (KEPT / download.suggested_filename).write_bytes(content)
    assert content[:5] == b"%PDF-"
    reader = pypdf.PdfReader(io.BytesIO(content))
    pages = [re.sub(r"\s+", " ", p.extract_text()) for p in reader.pages]
    assert len(pages) >= 7  # cover, summary, a page per off-track KPI, funnel, finance, milestones, risks
    assert headline.strip() in pages[0]
    assert "Data to 31 March 2024" in pages[0] and SYNTHETIC_LABEL in pages[0]
    assert "Period Mar 2024 (data ending by 31 Mar 2024)" in pages[0]
    for number, text in enumerate(pages, start=1):
        assert "Filters: Area: Enfield (E09000010)" in text, f"page {number}"
        assert f"Page {number} of {len(pages)}" in text
    assert page.locator(EXCEPTION).count() == 0  # the click did not rerun or break the page
