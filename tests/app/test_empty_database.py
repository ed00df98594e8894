"""On an empty database (demo off) every page explains what to import instead of failing or drawing nothing."""

from __future__ import annotations

import pytest

pytestmark = pytest.mark.app


@pytest.mark.parametrize(
    ("page", "message"),
    [
        ("pages/overview.py", "No KPIs are loaded yet"),
        ("pages/summary.py", "import observations on the Data page"),
        ("pages/trajectories.py", "Choose a KPI"),
        ("pages/variation.py", "Choose a KPI and period"),
        ("pages/about.py", "No KPIs are defined yet"),
    ],
)
def test_pages_explain_what_to_import(empty_app, page, message):
    empty_app.switch_page(page).run()
    assert not empty_app.exception, [e.value for e in empty_app.exception]
    assert any(message in i.value for i in empty_app.info)
    assert not empty_app.warning  # no synthetic-data banner when nothing synthetic is loaded
    assert len(empty_app.get("vega_lite_chart")) == 0
