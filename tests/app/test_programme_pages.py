"""Finance and activity, Delivery and Risks pages: render on the demo with charts, react to filters, explain empties."""

from __future__ import annotations

from datetime import date

import pytest

pytestmark = pytest.mark.app


def _open(app, page: str, **params: str):
    app.query_params.update(params)
    app.switch_page(page).run()
    assert not app.exception, [e.value for e in app.exception]
    return app


def _charts(app) -> int:
    return len(app.get("vega_lite_chart"))


def _text(app) -> str:
    return " ".join(m.value for m in app.markdown)


def test_finance_page_shows_money_variance_and_activity(app):
    _open(app, "pages/finance.py")
    assert [t.value for t in app.title] == ["Finance and activity"]
    assert _charts(app) == 4  # by year, variance, recurrence, activity by point of delivery
    text = _text(app)
    assert "Net saving to date £" in text and "behind plan in 20" in text
    assert "(trajectories?kpi=CH_EMADM)" in text  # activity linked to the KPI that evidences it
    assert [m.label for m in app.metric][:1] == ["Net saving to date (actual)"]
    assert {b.label for b in app.get("download_button")} == {"PNG", "SVG", "CSV"}
    app.radio(key="finance_view").set_value("Cumulative").run()
    app.radio(key="finance_group").set_value("Workstream").run()
    assert not app.exception and _charts(app) == 4


def test_finance_in_a_borough_says_system_wide_initiatives_are_shared(app):
    _open(app, "pages/finance.py", borough="E09000010", workstream="UCR")
    captions = " ".join(c.value for c in app.caption)
    assert "system-wide initiatives shown for Enfield" in captions
    assert "Crisis response within 2 hours (system-wide)" in _text(app)


def test_delivery_page_shows_timeline_rollout_and_what_is_due(app):
    _open(app, "pages/delivery.py")
    assert _charts(app) == 2  # timeline and roll-out
    assert app.selectbox(key="delivery_as_at").value == date(2024, 3, 31)
    assert "1 overdue" in _text(app)
    app.selectbox(key="delivery_as_at").set_value(date(2018, 3, 31)).run()
    assert not app.exception
    assert any(m.value.startswith("#### Due in the next quarter (01 Apr 2018 to 30 Jun 2018)") for m in app.markdown)
    tables = [df.value for df in app.dataframe]
    assert any("CHIN-BAR-3" in set(t.get("Code", [])) for t in tables)


def test_delivery_in_a_borough_shows_its_rollout(app):
    _open(app, "pages/delivery.py", borough="E09000010")
    rollout = next(df.value for df in app.dataframe if "Progress" in df.value.columns)
    assert set(rollout["Borough"]) == {"Enfield"} and "4 of 4 live" in set(rollout["Progress"])


def test_risks_page_shows_matrix_trend_and_top_risks(app):
    _open(app, "pages/risks.py")
    assert _charts(app) == 5  # matrix and trend (each as two panels: side by side, or stacked on a phone), top risks
    text = _text(app)
    assert "**R09 Savings assume A&E demand falls while population grows**: ▲ up" in text
    assert "KPI A&E attendances per 1,000 patients (AE_RATE)" in text
    assert [m.value for m in app.metric][:2] == ["12", "3"]


def test_risks_follow_the_workstream(app):
    _open(app, "pages/risks.py", workstream="EHCH")
    register = app.table[-1].value
    assert set(register["Risk"]) == {"R07", "R08"}


@pytest.mark.parametrize(
    ("page", "fragment"),
    [
        ("pages/finance.py", "No finance or activity plans are loaded yet"),
        ("pages/delivery.py", "No delivery milestones are loaded yet"),
        ("pages/risks.py", "No risks are loaded yet"),
    ],
)
def test_programme_pages_explain_what_to_import_on_an_empty_database(empty_app, page, fragment):
    _open(empty_app, page)
    hint = empty_app.info[0].value  # no register either: that comes first, then what this page needs
    assert hint.index("No benefits register is loaded") < hint.index(fragment)
    assert "docs/templates/register.csv" in hint and "Data page" in hint
    assert _charts(empty_app) == 0
