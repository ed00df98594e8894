"""The Data page in a real browser: upload a file, read the validation report, confirm, and see the result."""

from __future__ import annotations

import pandas as pd
import pytest

from tests.browser.helpers import EXCEPTION, open_page, wait_until_idle

pytestmark = pytest.mark.browser

NEW_PCN = b"level,code,name,parent_code\npcn,U99901,Upload Test PCN,E09000003\n"
BAD = b"level,code,name,parent_code\npcn,U99902,Orphan PCN,E09999999\n"


def _choose_source(page, label: str) -> None:
    page.locator('[data-testid="stSelectbox"]').filter(has_text="What are you importing?").click()
    page.get_by_role("option", name=label).click()
    wait_until_idle(page)


def _upload(page, name: str, data: bytes) -> None:
    page.locator('[data-testid="stFileUploader"] input[type="file"]').set_input_files(
        {"name": name, "mimeType": "text/csv", "buffer": data}
    )
    wait_until_idle(page)


def test_bad_file_is_reported_by_row_and_not_loaded(page, app_url):
    open_page(page, app_url, "/data")
    _choose_source(page, "Areas (systems, boroughs, sub-ICB codes, PCNs) and link corrections")
    _upload(page, "orphan.csv", BAD)
    page.get_by_text("The file was rejected and nothing was written", exact=False).wait_for(timeout=30_000)
    assert page.get_by_role("button", name="Load into the database").count() == 0
    # the problems table is drawn on a canvas; its CSV download carries the same rows
    with page.expect_download(timeout=60_000) as info:
        page.get_by_role("button", name="Download the problems (CSV)").click()
    problems = pd.read_csv(info.value.path())
    row = problems.iloc[0]
    assert (int(row["row"]), row["column"], row["value"]) == (2, "parent_code", "E09999999")
    assert "add a row for the borough first" in row["message"]


def test_valid_file_loads_after_confirmation_and_the_filters_see_it(page, app_url):
    open_page(page, app_url, "/data")
    _choose_source(page, "Areas (systems, boroughs, sub-ICB codes, PCNs) and link corrections")
    _upload(page, "new-pcn.csv", NEW_PCN)
    assert page.get_by_text("The file is valid. Nothing has been written yet.").count() == 1
    page.get_by_role("button", name="Load into the database").click()
    wait_until_idle(page)
    assert page.locator(EXCEPTION).count() == 0
    assert page.get_by_text("new-pcn.csv: Loaded.", exact=False).count() >= 1
    assert page.get_by_text("new-pcn.csv", exact=False).count() >= 1  # in "Loaded so far"
    open_page(page, app_url, "/", "pcn=U99901")  # the cached PCN list was cleared: the new PCN is an option
    assert "pcn=U99901" in page.url and "borough=E09000003" in page.url
    assert page.get_by_text("is not known here", exact=False).count() == 0
